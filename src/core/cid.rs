//! IPFS content identifiers (CIDs): the binary form, the text forms, and the id of a block.
//!
//! gasguard makes CIDv1 with a sha2-256 multihash and the `raw` (0x55) or `dag-pb` (0x70)
//! codec, written in multibase base32 (lower case, no padding, prefix `b`), which is what
//! `ipfs add --cid-version 1` prints. It also reads CIDv0 (`Qm…`, base58btc, implicitly
//! `dag-pb`), the form kubo gives by default, so an entry that names one can be fetched. The
//! file-level id (a UnixFS DAG) is [`crate::core::unixfs`]'s business. Pure: no I/O.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// Multicodec `raw`: the block is the bytes themselves.
pub const RAW: u64 = 0x55;
/// Multicodec `dag-pb`: a protobuf node with links (UnixFS lives in its data).
pub const DAG_PB: u64 = 0x70;
/// Multihash `sha2-256`, and its digest length.
const SHA2_256: u64 = 0x12;
const SHA2_256_LENGTH: usize = 32;

/// The RFC 4648 base32 alphabet, lower case, as multibase `b` uses it.
const BASE32_LOWER: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// The Bitcoin base58 alphabet, which CIDv0 and multibase `z` use.
const BASE58_BTC: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// A content id whose multihash is sha2-256: the only hash gasguard makes or can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cid {
    /// 0 (`Qm…`, always `dag-pb`) or 1.
    pub version: u8,
    /// The multicodec of the block: [`RAW`] or [`DAG_PB`] for a file.
    pub codec: u64,
    /// The sha2-256 of the block.
    pub digest: [u8; SHA2_256_LENGTH],
}

/// Why a CID could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidError {
    #[error("`{text}` is not a CID: {reason}")]
    Text { text: String, reason: &'static str },
    #[error("not a binary CID: {reason}")]
    Binary { reason: &'static str },
}

impl Cid {
    /// The CIDv1 with `codec` of the block `bytes`.
    pub fn of(codec: u64, bytes: &[u8]) -> Self {
        Self { version: 1, codec, digest: sha256(bytes) }
    }

    /// Whether `bytes` are the block this CID names.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        sha256(bytes) == self.digest
    }

    /// The binary form: for v1 `varint(1) varint(codec) varint(0x12) varint(32) digest`, for v0
    /// the multihash alone.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + SHA2_256_LENGTH);
        if self.version == 1 {
            write_varint(&mut out, 1);
            write_varint(&mut out, self.codec);
        }
        write_varint(&mut out, SHA2_256);
        write_varint(&mut out, SHA2_256_LENGTH as u64);
        out.extend_from_slice(&self.digest);
        out
    }

    /// Reads a binary CID at the start of `bytes`; returns it and the number of bytes it took.
    pub fn read_bytes(bytes: &[u8]) -> Result<(Self, usize), CidError> {
        let binary = |reason| CidError::Binary { reason };
        // A CIDv0 is a bare sha2-256 multihash: it starts with 0x12 0x20, which no v1 does.
        if bytes.starts_with(&[0x12, 0x20]) {
            let digest = bytes.get(2..2 + SHA2_256_LENGTH).ok_or(binary("it is cut short"))?;
            let digest = digest.try_into().map_err(|_| binary("it is cut short"))?;
            return Ok((Self { version: 0, codec: DAG_PB, digest }, 2 + SHA2_256_LENGTH));
        }
        let mut at = 0;
        let mut next = || -> Result<u64, CidError> {
            let (value, length) = read_varint(&bytes[at..]).ok_or(binary("a varint is cut short"))?;
            at += length;
            Ok(value)
        };
        if next()? != 1 {
            return Err(binary("its version is not 1"));
        }
        let codec = next()?;
        if next()? != SHA2_256 {
            return Err(binary("its hash is not sha2-256"));
        }
        if next()? != SHA2_256_LENGTH as u64 {
            return Err(binary("its sha2-256 digest is not 32 bytes"));
        }
        let digest = bytes.get(at..at + SHA2_256_LENGTH).ok_or(binary("it is cut short"))?;
        let digest = digest.try_into().map_err(|_| binary("it is cut short"))?;
        Ok((Self { version: 1, codec, digest }, at + SHA2_256_LENGTH))
    }
}

impl fmt::Display for Cid {
    /// v1 in base32 (`bafy…`, `bafk…`); v0 in base58btc (`Qm…`).
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.version == 0 {
            formatter.write_str(&base58_encode(&self.to_bytes()))
        } else {
            write!(formatter, "b{}", base32_lower(&self.to_bytes()))
        }
    }
}

impl FromStr for Cid {
    type Err = CidError;

    /// A CIDv1 in multibase base32 (`b…`), or a CIDv0 (`Qm…`, 46 characters).
    fn from_str(text: &str) -> Result<Self, CidError> {
        let error = |reason| CidError::Text { text: text.to_owned(), reason };
        let bytes = if text.len() == 46 && text.starts_with("Qm") {
            base58_decode(text).ok_or(error("it is not valid base58"))?
        } else if let Some(rest) = text.strip_prefix('b') {
            base32_decode(rest).ok_or(error("it is not valid base32"))?
        } else {
            return Err(error("gasguard reads CIDv1 in base32 (`b…`) and CIDv0 (`Qm…`)"));
        };
        let (cid, length) = Cid::read_bytes(&bytes).map_err(|failure| match failure {
            CidError::Binary { reason } | CidError::Text { reason, .. } => error(reason),
        })?;
        if length != bytes.len() {
            return Err(error("it has bytes after its digest"));
        }
        if cid.version == 0 && !text.starts_with("Qm") {
            return Err(error("a CIDv0 is written in base58 (`Qm…`)"));
        }
        Ok(cid)
    }
}

fn sha256(bytes: &[u8]) -> [u8; SHA2_256_LENGTH] {
    let mut digest = [0; SHA2_256_LENGTH];
    digest.copy_from_slice(&Sha256::digest(bytes));
    digest
}

/// Appends the unsigned LEB128 varint of `value`.
pub fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads an unsigned LEB128 varint at the start of `bytes`: its value and length, or `None`
/// when it is cut short or longer than a u64.
pub fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (index, &byte) in bytes.iter().enumerate().take(10) {
        let part = u64::from(byte & 0x7f);
        if index == 9 && part > 1 {
            return None;
        }
        value |= part << (7 * index);
        if byte & 0x80 == 0 {
            return Some((value, index + 1));
        }
    }
    None
}

/// RFC 4648 base32 in lower case without `=` padding.
fn base32_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32_LOWER[((buffer >> bits) & 0x1f) as usize]));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(BASE32_LOWER[((buffer << (5 - bits)) & 0x1f) as usize]));
    }
    out
}

/// The inverse of [`base32_lower`]; `None` on a character outside the alphabet.
fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = BASE32_LOWER.iter().position(|&symbol| symbol == byte)? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn base58_encode(bytes: &[u8]) -> String {
    let zeros = bytes.iter().take_while(|&&byte| byte == 0).count();
    // Little-endian base-58 digits of the number the bytes spell.
    let mut digits: Vec<u8> = Vec::with_capacity(bytes.len() * 138 / 100 + 1);
    for &byte in &bytes[zeros..] {
        let mut carry = u32::from(byte);
        for digit in &mut digits {
            carry += u32::from(*digit) << 8;
            *digit = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut out = "1".repeat(zeros);
    out.extend(digits.iter().rev().map(|&digit| char::from(BASE58_BTC[usize::from(digit)])));
    out
}

fn base58_decode(text: &str) -> Option<Vec<u8>> {
    let zeros = text.bytes().take_while(|&byte| byte == b'1').count();
    // Little-endian base-256 bytes of the number the digits spell.
    let mut bytes: Vec<u8> = Vec::with_capacity(text.len());
    for symbol in text.bytes().skip(zeros) {
        let mut carry = BASE58_BTC.iter().position(|&candidate| candidate == symbol)? as u32;
        for byte in &mut bytes {
            carry += u32::from(*byte) * 58;
            *byte = carry as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push(carry as u8);
            carry >>= 8;
        }
    }
    let mut out = vec![0; zeros];
    out.extend(bytes.iter().rev());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CIDv1 (`raw`, sha2-256, base32) of `bytes` as one block.
    fn cid_v1_raw(bytes: &[u8]) -> String {
        Cid::of(RAW, bytes).to_string()
    }

    // Every expected value here was computed independently with Python's standard library:
    //   d = bytes([1, 0x55, 0x12, 0x20]) + hashlib.sha256(data).digest()
    //   "b" + base64.b32encode(d).decode().lower().rstrip("=")
    // The first two are also the widely published ids of an empty file and of `hello world`.
    #[test]
    fn known_vectors() {
        assert_eq!(cid_v1_raw(b""), "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
        assert_eq!(cid_v1_raw(b"hello world"), "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
        assert_eq!(cid_v1_raw(b"abc"), "bafkreif2pall7dybz7vecqka3zo24irdwabwdi4wc55jznaq75q7eaavvu");
        assert_eq!(cid_v1_raw(b"{\"a\":1}\n"), "bafkreihdizbsainqif4vddmwctzvmdgnoe2uutxbaho4xcj5nfm2tvrqdq");
    }

    #[test]
    fn one_changed_byte_changes_the_id() {
        assert_ne!(cid_v1_raw(b"{\"a\":1}\n"), cid_v1_raw(b"{\"a\":2}\n"));
    }

    // RFC 4648 section 10 test vectors, lower-cased and unpadded: they cover every tail length.
    #[test]
    fn base32_matches_rfc_4648() {
        let vectors = [
            ("", ""),
            ("f", "my"),
            ("fo", "mzxq"),
            ("foo", "mzxw6"),
            ("foob", "mzxw6yq"),
            ("fooba", "mzxw6ytb"),
            ("foobar", "mzxw6ytboi"),
        ];
        for (input, expected) in vectors {
            assert_eq!(base32_lower(input.as_bytes()), expected, "base32 of {input:?}");
            assert_eq!(base32_decode(expected).unwrap(), input.as_bytes(), "base32 back to {input:?}");
        }
    }

    // The base58 draft's vectors (draft-msporny-base58), which include leading zero bytes.
    #[test]
    fn base58_matches_the_draft() {
        let vectors: [(&[u8], &str); 3] = [
            (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
            (
                b"The quick brown fox jumps over the lazy dog.",
                "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z",
            ),
            (&[0, 0, 0x28, 0x7f, 0xb4, 0xcd], "11233QC4"),
        ];
        for (input, expected) in vectors {
            assert_eq!(base58_encode(input), expected);
            assert_eq!(base58_decode(expected).unwrap(), input);
        }
    }

    #[test]
    fn text_forms_round_trip() {
        for text in [
            "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
            "bafybeifwp2ckiq7kaefcrxkcalv6bs5x7e7ozrigy4ypvcqwetgnxfb2hi",
            // The empty directory's CIDv0, as published in kubo's docs.
            "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn",
        ] {
            let cid: Cid = text.parse().unwrap();
            assert_eq!(cid.to_string(), text);
            let bytes = cid.to_bytes();
            assert_eq!(Cid::read_bytes(&bytes).unwrap(), (cid, bytes.len()));
        }
        let v1: Cid = "bafybeifwp2ckiq7kaefcrxkcalv6bs5x7e7ozrigy4ypvcqwetgnxfb2hi".parse().unwrap();
        assert_eq!((v1.version, v1.codec), (1, DAG_PB));
        let v0: Cid = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn".parse().unwrap();
        assert_eq!((v0.version, v0.codec), (0, DAG_PB));
    }

    #[test]
    fn bad_text_is_refused_with_a_reason() {
        for (text, reason) in [
            ("", "gasguard reads CIDv1 in base32 (`b…`) and CIDv0 (`Qm…`)"),
            (
                "zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA",
                "gasguard reads CIDv1 in base32 (`b…`) and CIDv0 (`Qm…`)",
            ),
            ("bafkrei!", "it is not valid base32"),
            ("bafkrei", "a varint is cut short"),
            ("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquv", "it is cut short"),
            // A v1 `raw` CID with a blake2b-256 multihash (0xb220) of zeros, made with Python's base64.
            ("bafk2bzaceaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "its hash is not sha2-256"),
            (
                "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykuaa",
                "it has bytes after its digest",
            ),
        ] {
            match text.parse::<Cid>() {
                Err(CidError::Text { reason: actual, .. }) => assert_eq!(actual, reason, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn varints_round_trip_and_refuse_overflow() {
        for value in [0, 1, 127, 128, 300, 262_144, u64::from(u32::MAX), u64::MAX] {
            let mut bytes = Vec::new();
            write_varint(&mut bytes, value);
            assert_eq!(read_varint(&bytes), Some((value, bytes.len())));
        }
        assert_eq!(read_varint(&[0x80, 0x80]), None);
        assert_eq!(read_varint(&[0xff; 10]), None);
        assert_eq!(read_varint(&[0xac, 0x02]), Some((300, 2)));
    }

    #[test]
    fn a_block_matches_only_its_own_bytes() {
        let cid = Cid::of(RAW, b"report");
        assert!(cid.matches(b"report"));
        assert!(!cid.matches(b"reporT"));
    }
}
