//! CARv1 archives: the file format pinning services accept for upload (`--car`) and trustless
//! gateways answer with (`?format=car`).
//!
//! A CARv1 is `varint(length) header` then `varint(length) CID block` for each block; the header
//! is the dag-cbor map `{"roots": [CID], "version": 1}`, a CID being tag 42 over its binary form
//! behind a 0x00 byte. [`write`] makes exactly that; [`read`] reads it back and checks every
//! block against its CID, so what it returns can be trusted whoever sent it. Pure: no I/O.

use crate::core::cid::{Cid, read_varint, write_varint};
use crate::core::unixfs::Block;

/// Why bytes are not a CARv1 whose blocks match their CIDs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CarError {
    #[error("not a CARv1: {reason}")]
    Format { reason: &'static str },
    #[error("a CARv{version}, where gasguard reads CARv1")]
    Version { version: u64 },
    #[error("block `{cid}` does not hash to its CID: its bytes were altered")]
    Altered { cid: Cid },
}

/// A CARv1 read and checked: the roots it names, and its blocks (borrowed from the input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Car<'b> {
    pub roots: Vec<Cid>,
    pub blocks: Vec<(Cid, &'b [u8])>,
}

/// A CARv1 with the one `root`, holding `blocks` in the order given.
pub fn write(root: &Cid, blocks: &[Block<'_>]) -> Vec<u8> {
    let cid = root.to_bytes();
    let mut header = Vec::new();
    // dag-cbor sorts map keys by length, then bytes: "roots" before "version".
    header.push(0xa2);
    header.extend_from_slice(b"\x65roots");
    header.push(0x81);
    header.extend_from_slice(&[0xd8, 42]);
    cbor_bytes_head(&mut header, cid.len() + 1);
    header.push(0x00);
    header.extend_from_slice(&cid);
    header.extend_from_slice(b"\x67version\x01");

    let total: usize = blocks.iter().map(|block| block.data.len() + 48).sum();
    let mut out = Vec::with_capacity(header.len() + 2 + total);
    write_varint(&mut out, header.len() as u64);
    out.extend_from_slice(&header);
    for block in blocks {
        let cid = block.cid.to_bytes();
        write_varint(&mut out, (cid.len() + block.data.len()) as u64);
        out.extend_from_slice(&cid);
        out.extend_from_slice(&block.data);
    }
    out
}

/// The head of a CBOR byte string of `length` bytes (major type 2).
fn cbor_bytes_head(out: &mut Vec<u8>, length: usize) {
    match length {
        0..=23 => out.push(0x40 | length as u8),
        24..=255 => out.extend_from_slice(&[0x58, length as u8]),
        _ => {
            out.push(0x59);
            out.extend_from_slice(&(length as u16).to_be_bytes());
        }
    }
}

/// Reads a CARv1 and checks every block against its CID.
pub fn read(bytes: &[u8]) -> Result<Car<'_>, CarError> {
    let format = |reason| CarError::Format { reason };
    let (length, at) = read_varint(bytes).ok_or(format("its header length is cut short"))?;
    let end = usize::try_from(length).ok().and_then(|length| at.checked_add(length));
    let header = end.and_then(|end| bytes.get(at..end)).ok_or(format("its header is cut short"))?;
    let roots = read_header(header)?;
    let mut rest = &bytes[at + header.len()..];
    let mut blocks = Vec::new();
    while !rest.is_empty() {
        let (length, at) = read_varint(rest).ok_or(format("a block's length is cut short"))?;
        let section = usize::try_from(length)
            .ok()
            .and_then(|length| rest.get(at..at.checked_add(length)?))
            .ok_or(format("a block is cut short"))?;
        let (cid, cid_length) =
            Cid::read_bytes(section).map_err(|_| format("a block's CID is not a sha2-256 CID"))?;
        let data = &section[cid_length..];
        if !cid.matches(data) {
            return Err(CarError::Altered { cid });
        }
        blocks.push((cid, data));
        rest = &rest[at + section.len()..];
    }
    Ok(Car { roots, blocks })
}

/// The roots of a CARv1 header: a dag-cbor map with `roots` and `version` (1).
fn read_header(header: &[u8]) -> Result<Vec<Cid>, CarError> {
    let format = |reason| CarError::Format { reason };
    let mut cbor = Cbor { rest: header };
    let (major, entries) = cbor.head().ok_or(format("its header is not a CBOR map"))?;
    if major != 5 {
        return Err(format("its header is not a CBOR map"));
    }
    let (mut roots, mut version) = (None, None);
    for _ in 0..entries {
        let key = cbor.text().ok_or(format("its header has a key that is not text"))?;
        match key {
            b"version" => match cbor.head() {
                Some((0, value)) => version = Some(value),
                _ => return Err(format("its header's version is not a number")),
            },
            b"roots" => {
                let (major, count) = cbor.head().ok_or(format("its header's roots are unreadable"))?;
                if major != 4 {
                    return Err(format("its header's roots are not a list"));
                }
                let mut list = Vec::new();
                for _ in 0..count {
                    list.push(cbor.cid().ok_or(format("its header has a root that is not a CID"))?);
                }
                roots = Some(list);
            }
            _ => return Err(format("its header has a key other than `roots` and `version`")),
        }
    }
    match version {
        Some(1) => {}
        Some(version) => return Err(CarError::Version { version }),
        None => return Err(format("its header has no version")),
    }
    if !cbor.rest.is_empty() {
        return Err(format("its header has bytes after the map"));
    }
    roots.ok_or(format("its header has no roots"))
}

/// Just enough of a CBOR reader for a CAR header.
struct Cbor<'b> {
    rest: &'b [u8],
}

impl<'b> Cbor<'b> {
    /// A data item's head: its major type and its argument (definite lengths only).
    fn head(&mut self) -> Option<(u8, u64)> {
        let (&first, rest) = self.rest.split_first()?;
        let (major, info) = (first >> 5, first & 0x1f);
        let width = match info {
            0..=23 => 0,
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            _ => return None,
        };
        let argument = if width == 0 {
            u64::from(info)
        } else {
            rest.get(..width)?.iter().fold(0, |value, &byte| (value << 8) | u64::from(byte))
        };
        self.rest = &rest[width..];
        Some((major, argument))
    }

    fn string(&mut self, major: u8) -> Option<&'b [u8]> {
        let (actual, length) = self.head()?;
        if actual != major {
            return None;
        }
        let length = usize::try_from(length).ok()?;
        let bytes = self.rest.get(..length)?;
        self.rest = &self.rest[length..];
        Some(bytes)
    }

    fn text(&mut self) -> Option<&'b [u8]> {
        self.string(3)
    }

    /// Tag 42 over `0x00 ‖ binary CID`.
    fn cid(&mut self) -> Option<Cid> {
        if self.head()? != (6, 42) {
            return None;
        }
        let bytes = self.string(2)?;
        let (cid, length) = Cid::read_bytes(bytes.strip_prefix(&[0])?).ok()?;
        (length + 1 == bytes.len()).then_some(cid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::unixfs::{CHUNK_SIZE, import};

    #[test]
    fn reads_back_what_it_writes() {
        let bytes: Vec<u8> = (0..3 * CHUNK_SIZE).map(|index| (index % 251) as u8).collect();
        let dag = import(&bytes);
        let car = write(&dag.root, &dag.blocks);
        let read = read(&car).unwrap();
        assert_eq!(read.roots, vec![dag.root]);
        let expected: Vec<(Cid, &[u8])> = dag.blocks.iter().map(|block| (block.cid, &*block.data)).collect();
        assert_eq!(read.blocks, expected);
    }

    // The header of a CAR written by the reference `@ipld/car` writer for the empty file's
    // CID (`bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku`), byte for byte.
    #[test]
    fn the_header_is_the_reference_writers() {
        let dag = import(b"");
        let car = write(&dag.root, &[]);
        let expected = "3aa265726f6f747381d82a58250001551220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\
                        6776657273696f6e01";
        let hex: String = car.iter().map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(hex, expected);
    }

    #[test]
    fn an_altered_block_is_refused_by_its_cid() {
        let dag = import(b"the report");
        let mut car = write(&dag.root, &dag.blocks);
        let last = car.len() - 1;
        car[last] ^= 1;
        assert_eq!(read(&car), Err(CarError::Altered { cid: dag.root }));
    }

    #[test]
    fn truncations_and_other_versions_are_refused() {
        let dag = import(b"the report");
        let car = write(&dag.root, &dag.blocks);
        for cut in [0, 1, 10, car.len() - 1] {
            assert!(matches!(read(&car[..cut]), Err(CarError::Format { .. })), "cut at {cut}");
        }
        // A CARv2 starts with a fixed pragma: a CARv1-style header saying version 2.
        let pragma = [0x0a, 0xa1, 0x67, b'v', b'e', b'r', b's', b'i', b'o', b'n', 0x02];
        assert_eq!(read(&pragma), Err(CarError::Version { version: 2 }));
    }
}
