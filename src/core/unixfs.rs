//! A file as IPFS stores it: the UnixFS DAG that `ipfs add --cid-version 1` builds with kubo's
//! defaults, and the way back from a DAG's blocks to the file's bytes.
//!
//! Building: fixed chunks of [`CHUNK_SIZE`] bytes become `raw` leaves; a file of one chunk (or
//! none) is that leaf alone; otherwise leaves are grouped, [`MAX_LINKS`] at a time and in order,
//! under `dag-pb` nodes whose UnixFS data (type `File`, `filesize`, one `blocksizes` entry per
//! link) describe them, level after level until one node is left: the "balanced" layout. Each
//! link carries an empty name and the cumulative size of what it points at (`Tsize`), as kubo
//! and the reference JavaScript importer write them, so the root's CID is theirs.
//!
//! Reading: [`read_file`] walks a DAG from its root through blocks the caller has already
//! checked against their CIDs, and accepts what other importers make too (`dag-pb` leaves with
//! their data inline, CIDv0 links). Pure: values in, values out.

use std::borrow::Cow;

use crate::core::cid::{Cid, DAG_PB, RAW, read_varint, write_varint};

/// kubo's default chunk size: 256 KiB.
pub const CHUNK_SIZE: usize = 262_144;
/// kubo's default largest number of links in a node of a file's DAG.
pub const MAX_LINKS: usize = 174;
/// The UnixFS `Data.Type` values a file can be made of.
const UNIXFS_RAW: u64 = 0;
const UNIXFS_FILE: u64 = 2;
/// A bound on the depth of a DAG being read: kubo's own trees of a terabyte are 4 deep.
const MAX_DEPTH: usize = 32;

/// One block of a DAG: its CID and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block<'a> {
    pub cid: Cid,
    pub data: Cow<'a, [u8]>,
}

/// A file's DAG: the root CID, and every distinct block, root first and then depth first (the
/// order `ipfs dag export` writes a CAR in, so a reader can check each block as it arrives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDag<'a> {
    pub root: Cid,
    pub blocks: Vec<Block<'a>>,
}

/// One node while building: the block, what it links to, and the sizes its parent records.
struct Built<'a> {
    block: Block<'a>,
    children: Vec<usize>,
    /// The file bytes under this node (`blocksizes` in the parent).
    file_size: u64,
    /// This block plus every block under it (`Tsize` in the parent's link).
    tree_size: u64,
}

/// The DAG `ipfs add --cid-version 1` (kubo defaults) builds for `bytes`; leaves borrow them.
pub fn import(bytes: &[u8]) -> FileDag<'_> {
    let mut arena: Vec<Built<'_>> = Vec::new();
    // `chunks` yields nothing for an empty file, which is still one (empty) leaf.
    let chunks: Vec<&[u8]> = if bytes.is_empty() { vec![bytes] } else { bytes.chunks(CHUNK_SIZE).collect() };
    let mut level: Vec<usize> = chunks
        .into_iter()
        .map(|chunk| {
            arena.push(Built {
                block: Block { cid: Cid::of(RAW, chunk), data: Cow::Borrowed(chunk) },
                children: Vec::new(),
                file_size: chunk.len() as u64,
                tree_size: chunk.len() as u64,
            });
            arena.len() - 1
        })
        .collect();
    if level.len() > 1 {
        loop {
            level = level
                .chunks(MAX_LINKS)
                .map(|children| {
                    let node = file_node(&arena, children);
                    arena.push(node);
                    arena.len() - 1
                })
                .collect();
            if level.len() == 1 {
                break;
            }
        }
    }
    let root = level[0];
    let mut order = Vec::with_capacity(arena.len());
    let mut stack = vec![root];
    while let Some(index) = stack.pop() {
        order.push(index);
        stack.extend(arena[index].children.iter().rev());
    }
    // A block that occurs twice (two equal chunks) is stored once.
    let mut seen = std::collections::BTreeSet::new();
    let mut slots: Vec<Option<Block<'_>>> = arena.into_iter().map(|built| Some(built.block)).collect();
    let blocks: Vec<Block<'_>> = order
        .into_iter()
        .filter_map(|index| slots[index].take())
        .filter(|block| seen.insert(block.cid))
        .collect();
    FileDag { root: blocks[0].cid, blocks }
}

/// The CID `ipfs add --cid-version 1` (kubo defaults) gives a file holding `bytes`.
pub fn file_cid(bytes: &[u8]) -> Cid {
    import(bytes).root
}

/// A `dag-pb` UnixFS `File` node over `children`.
fn file_node<'a>(arena: &[Built<'a>], children: &[usize]) -> Built<'a> {
    let file_size: u64 = children.iter().map(|&child| arena[child].file_size).sum();
    let mut unixfs = Vec::new();
    put_varint_field(&mut unixfs, 1, UNIXFS_FILE);
    put_varint_field(&mut unixfs, 3, file_size);
    for &child in children {
        put_varint_field(&mut unixfs, 4, arena[child].file_size);
    }
    // dag-pb's canonical form: the links (field 2) before the data (field 1).
    let mut node = Vec::new();
    for &child in children {
        let mut link = Vec::new();
        put_bytes_field(&mut link, 1, &arena[child].block.cid.to_bytes());
        put_bytes_field(&mut link, 2, b"");
        put_varint_field(&mut link, 3, arena[child].tree_size);
        put_bytes_field(&mut node, 2, &link);
    }
    put_bytes_field(&mut node, 1, &unixfs);
    let tree_size = node.len() as u64 + children.iter().map(|&child| arena[child].tree_size).sum::<u64>();
    Built {
        block: Block { cid: Cid::of(DAG_PB, &node), data: Cow::Owned(node) },
        children: children.to_vec(),
        file_size,
        tree_size,
    }
}

fn put_varint_field(out: &mut Vec<u8>, field: u64, value: u64) {
    write_varint(out, field << 3);
    write_varint(out, value);
}

fn put_bytes_field(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    write_varint(out, (field << 3) | 2);
    write_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Why a DAG does not read back as a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DagError {
    #[error("block `{cid}` is missing")]
    Missing { cid: Cid },
    #[error("block `{cid}` is not a valid dag-pb node: {reason}")]
    Malformed { cid: Cid, reason: &'static str },
    #[error("block `{cid}` is not part of a file (UnixFS type {kind})")]
    NotAFile { cid: Cid, kind: u64 },
    #[error("block `{cid}` has codec 0x{codec:x}, neither raw nor dag-pb")]
    Codec { cid: Cid, codec: u64 },
    #[error("block `{cid}` says its file holds {expected} bytes, but its blocks hold {actual}")]
    Size { cid: Cid, expected: u64, actual: u64 },
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the DAG is deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// The bytes of the file whose DAG starts at `root`. `block` looks a block up by CID, and must
/// only give blocks already checked against their CID. At most `limit` bytes are assembled (a
/// small DAG can link one block many times).
pub fn read_file<'b>(
    root: &Cid,
    block: &impl Fn(&Cid) -> Option<&'b [u8]>,
    limit: u64,
) -> Result<Vec<u8>, DagError> {
    let mut out = Vec::new();
    append_file(root, block, limit, 0, &mut out)?;
    Ok(out)
}

fn append_file<'b>(
    cid: &Cid,
    block: &impl Fn(&Cid) -> Option<&'b [u8]>,
    limit: u64,
    depth: usize,
    out: &mut Vec<u8>,
) -> Result<(), DagError> {
    if depth > MAX_DEPTH {
        return Err(DagError::TooDeep);
    }
    let bytes = block(cid).ok_or(DagError::Missing { cid: *cid })?;
    let push = |out: &mut Vec<u8>, bytes: &[u8]| {
        if out.len() as u64 + bytes.len() as u64 > limit {
            return Err(DagError::TooLarge { limit });
        }
        out.extend_from_slice(bytes);
        Ok(())
    };
    match cid.codec {
        RAW => push(out, bytes),
        DAG_PB => {
            let node = decode_node(cid, bytes)?;
            let data = node.data.ok_or(DagError::Malformed { cid: *cid, reason: "it has no UnixFS data" })?;
            let unixfs = decode_unixfs(cid, data)?;
            if !matches!(unixfs.kind, UNIXFS_FILE | UNIXFS_RAW) {
                return Err(DagError::NotAFile { cid: *cid, kind: unixfs.kind });
            }
            let start = out.len();
            push(out, unixfs.data)?;
            for link in &node.links {
                append_file(link, block, limit, depth + 1, out)?;
            }
            let actual = (out.len() - start) as u64;
            match unixfs.file_size {
                Some(expected) if expected != actual => Err(DagError::Size { cid: *cid, expected, actual }),
                _ => Ok(()),
            }
        }
        codec => Err(DagError::Codec { cid: *cid, codec }),
    }
}

/// The blocks a block links to, in order: none for `raw`, the links of a `dag-pb` node. For
/// walking a DAG one block at a time; `bytes` must already match `cid`.
pub fn links(cid: &Cid, bytes: &[u8]) -> Result<Vec<Cid>, DagError> {
    match cid.codec {
        RAW => Ok(Vec::new()),
        DAG_PB => Ok(decode_node(cid, bytes)?.links),
        codec => Err(DagError::Codec { cid: *cid, codec }),
    }
}

/// The parts of a `dag-pb` node a file needs.
struct Node<'b> {
    links: Vec<Cid>,
    data: Option<&'b [u8]>,
}

/// The parts of UnixFS `Data` a file needs.
struct UnixfsData<'b> {
    kind: u64,
    data: &'b [u8],
    file_size: Option<u64>,
}

fn decode_node<'b>(cid: &Cid, bytes: &'b [u8]) -> Result<Node<'b>, DagError> {
    let malformed = |reason| DagError::Malformed { cid: *cid, reason };
    let mut node = Node { links: Vec::new(), data: None };
    for field in Fields::new(bytes) {
        match field.map_err(malformed)? {
            (2, Value::Bytes(link)) => {
                let mut hash = None;
                for field in Fields::new(link) {
                    match field.map_err(malformed)? {
                        (1, Value::Bytes(bytes)) => {
                            let (link, length) = Cid::read_bytes(bytes)
                                .map_err(|_| malformed("a link's CID is unreadable"))?;
                            if length != bytes.len() {
                                return Err(malformed("a link's CID has trailing bytes"));
                            }
                            hash = Some(link);
                        }
                        (2, Value::Bytes(_)) | (3, Value::Varint(_)) => {}
                        _ => return Err(malformed("a link has an unknown field")),
                    }
                }
                node.links.push(hash.ok_or(malformed("a link has no hash"))?);
            }
            (1, Value::Bytes(data)) => node.data = Some(data),
            _ => return Err(malformed("it has an unknown field")),
        }
    }
    Ok(node)
}

fn decode_unixfs<'b>(cid: &Cid, bytes: &'b [u8]) -> Result<UnixfsData<'b>, DagError> {
    let malformed = |reason| DagError::Malformed { cid: *cid, reason };
    let mut unixfs = UnixfsData { kind: u64::MAX, data: &[], file_size: None };
    for field in Fields::new(bytes) {
        match field.map_err(malformed)? {
            (1, Value::Varint(kind)) => unixfs.kind = kind,
            (2, Value::Bytes(data)) => unixfs.data = data,
            (3, Value::Varint(size)) => unixfs.file_size = Some(size),
            // blocksizes, hashType, fanout, mode, mtime: not needed to read a file's bytes.
            _ => {}
        }
    }
    if unixfs.kind == u64::MAX {
        return Err(malformed("its UnixFS data has no type"));
    }
    Ok(unixfs)
}

enum Value<'b> {
    Varint(u64),
    Bytes(&'b [u8]),
}

/// The fields of a protobuf message: `(field number, value)`; only the wire types dag-pb and
/// UnixFS use (varint, length-delimited).
struct Fields<'b> {
    rest: &'b [u8],
}

impl<'b> Fields<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        Self { rest: bytes }
    }
}

impl<'b> Iterator for Fields<'b> {
    type Item = Result<(u64, Value<'b>), &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let result = (|| {
            let (tag, length) = read_varint(self.rest).ok_or("a field tag is cut short")?;
            self.rest = &self.rest[length..];
            let (value, length) = read_varint(self.rest).ok_or("a field value is cut short")?;
            self.rest = &self.rest[length..];
            match tag & 7 {
                0 => Ok((tag >> 3, Value::Varint(value))),
                2 => {
                    let size = usize::try_from(value).map_err(|_| "a field is too long")?;
                    if size > self.rest.len() {
                        return Err("a field is cut short");
                    }
                    let (bytes, rest) = self.rest.split_at(size);
                    self.rest = rest;
                    Ok((tag >> 3, Value::Bytes(bytes)))
                }
                _ => Err("a field has a wire type dag-pb does not use"),
            }
        })();
        if result.is_err() {
            // Stop after the first error: the rest cannot be framed.
            self.rest = &[];
        }
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Deterministic bytes that do not repeat within a chunk (xorshift64).
    fn pseudo_random(length: usize) -> Vec<u8> {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..length)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect()
    }

    fn lookup<'d>(dag: &'d FileDag<'_>) -> impl Fn(&Cid) -> Option<&'d [u8]> {
        let blocks: BTreeMap<Cid, &'d [u8]> =
            dag.blocks.iter().map(|block| (block.cid, &*block.data)).collect();
        move |cid| blocks.get(cid).copied()
    }

    // Expected ids from the reference importer (`node scripts/unixfs-reference.mjs cid`, i.e.
    // ipfs-unixfs-importer with kubo's defaults); tests/ipfs.rs checks many more sizes live.
    #[test]
    fn reference_ids_of_small_files() {
        assert_eq!(file_cid(b"").to_string(), "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
        assert_eq!(
            file_cid(b"hello world").to_string(),
            "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
        );
        let a = vec![b'a'; CHUNK_SIZE];
        assert_eq!(file_cid(&a).to_string(), "bafkreig5hxpioyr5tjvtktdizfb5dcoitrrwklmulz5334eynsxjdjevee");
        let a = vec![b'a'; CHUNK_SIZE + 1];
        assert_eq!(file_cid(&a).to_string(), "bafybeifwp2ckiq7kaefcrxkcalv6bs5x7e7ozrigy4ypvcqwetgnxfb2hi");
    }

    #[test]
    fn one_chunk_is_one_raw_block_and_more_is_a_tree() {
        let dag = import(b"report");
        assert_eq!(dag.blocks.len(), 1);
        assert_eq!(dag.root, Cid::of(RAW, b"report"));
        let bytes = pseudo_random(3 * CHUNK_SIZE + 5);
        let dag = import(&bytes);
        assert_eq!((dag.root.codec, dag.blocks.len()), (DAG_PB, 5));
        assert_eq!(dag.blocks[0].cid, dag.root, "the root comes first");
        for block in &dag.blocks {
            assert!(block.cid.matches(&block.data));
        }
    }

    #[test]
    fn the_tree_gets_a_second_level_past_174_chunks() {
        // 175 one-byte "chunks" would need a different chunk size: use the real one, in zeros,
        // whose leaves are all the same block (the DAG still links each one).
        let bytes = vec![0; (MAX_LINKS + 1) * CHUNK_SIZE];
        let dag = import(&bytes);
        let root = decode_node(&dag.root, &dag.blocks[0].data).ok().unwrap();
        assert_eq!(root.links.len(), 2, "a full node of 174 leaves, and one of 1");
        assert!(read_file(&dag.root, &lookup(&dag), u64::MAX) == Ok(bytes.clone()), "the file reads back");
    }

    #[test]
    fn reads_back_what_it_builds() {
        for length in [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 5 * CHUNK_SIZE / 2] {
            let bytes = pseudo_random(length);
            let dag = import(&bytes);
            assert_eq!(read_file(&dag.root, &lookup(&dag), u64::MAX).as_deref(), Ok(&bytes[..]), "{length}");
        }
    }

    #[test]
    fn a_missing_leaf_or_a_lie_about_the_size_is_an_error() {
        let bytes = pseudo_random(2 * CHUNK_SIZE);
        let dag = import(&bytes);
        let leaf = dag.blocks[2].cid;
        let all = lookup(&dag);
        let without_leaf = |cid: &Cid| if *cid == leaf { None } else { all(cid) };
        assert_eq!(read_file(&dag.root, &without_leaf, u64::MAX), Err(DagError::Missing { cid: leaf }));
        assert_eq!(
            read_file(&dag.root, &all, CHUNK_SIZE as u64),
            Err(DagError::TooLarge { limit: CHUNK_SIZE as u64 })
        );
        // A root that claims one byte more than its leaves hold.
        let mut unixfs = Vec::new();
        put_varint_field(&mut unixfs, 1, UNIXFS_FILE);
        put_varint_field(&mut unixfs, 3, 2 * CHUNK_SIZE as u64 + 1);
        let mut node = Vec::new();
        for block in &dag.blocks[1..] {
            let mut link = Vec::new();
            put_bytes_field(&mut link, 1, &block.cid.to_bytes());
            put_bytes_field(&mut node, 2, &link);
        }
        put_bytes_field(&mut node, 1, &unixfs);
        let liar = Cid::of(DAG_PB, &node);
        let with_liar = |cid: &Cid| if *cid == liar { Some(&node[..]) } else { all(cid) };
        assert_eq!(
            read_file(&liar, &with_liar, u64::MAX),
            Err(DagError::Size {
                cid: liar,
                expected: 2 * CHUNK_SIZE as u64 + 1,
                actual: 2 * CHUNK_SIZE as u64
            })
        );
    }

    #[test]
    fn inline_data_leaves_of_older_importers_read_too() {
        // A dag-pb leaf holding its bytes in UnixFS `Data` (what `ipfs add` without raw leaves
        // makes), under a CIDv1 root.
        let mut unixfs = Vec::new();
        put_varint_field(&mut unixfs, 1, UNIXFS_FILE);
        put_bytes_field(&mut unixfs, 2, b"inline");
        put_varint_field(&mut unixfs, 3, 6);
        let mut leaf = Vec::new();
        put_bytes_field(&mut leaf, 1, &unixfs);
        let cid = Cid::of(DAG_PB, &leaf);
        let get = |asked: &Cid| if *asked == cid { Some(&leaf[..]) } else { None };
        assert_eq!(read_file(&cid, &get, u64::MAX), Ok(b"inline".to_vec()));
    }

    #[test]
    fn links_are_the_children_in_order() {
        let bytes = pseudo_random(2 * CHUNK_SIZE + 1);
        let dag = import(&bytes);
        let children: Vec<Cid> = dag.blocks[1..].iter().map(|block| block.cid).collect();
        assert_eq!(links(&dag.root, &dag.blocks[0].data), Ok(children));
        assert_eq!(links(&dag.blocks[1].cid, &dag.blocks[1].data), Ok(Vec::new()));
    }

    #[test]
    fn a_directory_is_not_a_file() {
        let mut unixfs = Vec::new();
        put_varint_field(&mut unixfs, 1, 1);
        let mut node = Vec::new();
        put_bytes_field(&mut node, 1, &unixfs);
        let cid = Cid::of(DAG_PB, &node);
        let get = |asked: &Cid| if *asked == cid { Some(&node[..]) } else { None };
        assert_eq!(read_file(&cid, &get, u64::MAX), Err(DagError::NotAFile { cid, kind: 1 }));
    }
}
