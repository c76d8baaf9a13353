//! The fork state and its on-disk cache: everything fetched from the node for one chain at one
//! block, so that a second run of the same config needs no node at all.
//!
//! A cache file is named `fork-<chain id>-<block>.cache` and holds one header line, then the
//! state as JSON:
//!
//! ```text
//! gasguard-fork-cache 1 chain=50312 block=1234 length=5678 sha256=<64 hex digits>
//! {"chain_id":50312,"block":{…},"sources":[…],"accounts":{…},"codes":{…},"storage":{…},"block_hashes":{…}}
//! ```
//!
//! A file is trusted only if every check passes: the format version, the chain and block in the
//! header against the file name and the body, the body's length and its SHA-256. Anything else
//! (a truncated upload from a CI cache, a file from another version) is reported and refetched.
//! Encoding and decoding are pure; [`scan`] and [`read`] only read files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use alloy::primitives::{Address, B256, Bytes, U256};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::exec::revm::BlockSettings;

/// The cache format this version writes and reads.
pub const FORMAT_VERSION: u32 = 1;
const MAGIC: &str = "gasguard-fork-cache";

/// The forked block's header fields that shape the execution environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForkBlock {
    pub number: u64,
    pub hash: B256,
    pub timestamp: u64,
    pub gas_limit: u64,
    pub gas_used: u64,
    /// `None` before London, and on chains without EIP-1559.
    pub base_fee: Option<u64>,
    pub miner: Address,
    /// `prevrandao` since the merge.
    pub mix_hash: B256,
}

impl ForkBlock {
    /// The environment gasguard's transactions run in: the block after this one, over this
    /// block's state, as anvil mines them (`anvil --fork-block-number N` puts the first new
    /// transaction in block N + 1, with the EIP-1559 base fee that follows block N).
    ///
    /// The number is N + 1 and the timestamp N's plus one second (the earliest the next block may
    /// have: anvil uses the wall clock, which no report may depend on). The gas limit, coinbase
    /// and prevrandao are block N's: the next block's are not known yet.
    pub fn next_block(&self) -> BlockSettings {
        let base_fee = self.base_fee.map_or(0, |base_fee| {
            alloy::eips::eip1559::calc_next_block_base_fee(
                self.gas_used,
                self.gas_limit,
                base_fee,
                alloy::eips::eip1559::BaseFeeParams::ethereum(),
            )
        });
        BlockSettings {
            number: self.number.saturating_add(1),
            timestamp: self.timestamp.saturating_add(1),
            gas_limit: self.gas_limit,
            base_fee,
            coinbase: self.miner,
            prevrandao: self.mix_hash,
        }
    }
}

/// An account as the node reported it at the forked block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteAccount {
    pub balance: U256,
    pub nonce: u64,
    /// `keccak256` of the code; the code itself is in [`ForkState::codes`].
    pub code_hash: B256,
}

/// Everything known about the forked chain at one block. Maps are ordered so that the same state
/// always encodes to the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForkState {
    pub chain_id: u64,
    pub block: ForkBlock,
    /// The node URLs (redacted) this state was fetched from: how a run that does not know the
    /// chain id yet finds its file without asking the node.
    pub sources: BTreeSet<String>,
    pub accounts: BTreeMap<Address, RemoteAccount>,
    /// Contract code by hash (proxies share theirs).
    pub codes: BTreeMap<B256, Bytes>,
    pub storage: BTreeMap<Address, BTreeMap<U256, U256>>,
    pub block_hashes: BTreeMap<u64, B256>,
}

impl ForkState {
    pub fn new(chain_id: u64, block: ForkBlock) -> Self {
        Self {
            chain_id,
            block,
            sources: BTreeSet::new(),
            accounts: BTreeMap::new(),
            codes: BTreeMap::new(),
            storage: BTreeMap::new(),
            block_hashes: BTreeMap::new(),
        }
    }

    /// Storage slots held, over all accounts.
    pub fn slot_count(&self) -> usize {
        self.storage.values().map(BTreeMap::len).sum()
    }
}

/// Why a cache file was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    #[error("it is not a gasguard fork cache")]
    NotACache,
    #[error("it is in cache format {found}, and this gasguard reads format {FORMAT_VERSION}")]
    Version { found: String },
    #[error("its header is malformed")]
    Header,
    #[error("it is for chain {found_chain} at block {found_block}, not chain {chain} at block {block}")]
    WrongState { chain: u64, block: u64, found_chain: u64, found_block: u64 },
    #[error("it is truncated: the header announces {expected} bytes of state, {found} are there")]
    Truncated { expected: usize, found: usize },
    #[error("it has {found} bytes of state where the header announces {expected}")]
    Length { expected: usize, found: usize },
    #[error("its checksum does not match its content")]
    Checksum,
    #[error("its state does not parse: {0}")]
    Body(String),
}

/// The file holding `chain_id` at `block`.
pub fn file_name(chain_id: u64, block: u64) -> String {
    format!("fork-{chain_id}-{block}.cache")
}

/// The chain id and block a cache file name stands for.
fn parse_file_name(name: &str) -> Option<(u64, u64)> {
    let (chain, block) = name.strip_prefix("fork-")?.strip_suffix(".cache")?.split_once('-')?;
    Some((chain.parse().ok()?, block.parse().ok()?))
}

/// The bytes of a cache file.
pub fn encode(state: &ForkState) -> Vec<u8> {
    let body = serde_json::to_vec(state).unwrap_or_default();
    let digest = Sha256::digest(&body);
    let mut bytes = format!(
        "{MAGIC} {FORMAT_VERSION} chain={} block={} length={} sha256={}\n",
        state.chain_id,
        state.block.number,
        body.len(),
        alloy::primitives::hex::encode(digest)
    )
    .into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}

/// Checks and parses a cache file's bytes, which must hold `chain_id` at `block`.
pub fn decode(bytes: &[u8], chain_id: u64, block: u64) -> Result<ForkState, CacheError> {
    let newline = bytes.iter().position(|&b| b == b'\n').ok_or(CacheError::NotACache)?;
    let header = std::str::from_utf8(&bytes[..newline]).map_err(|_| CacheError::NotACache)?;
    let body = &bytes[newline + 1..];
    let mut words = header.split(' ');
    if words.next() != Some(MAGIC) {
        return Err(CacheError::NotACache);
    }
    let version = words.next().ok_or(CacheError::Header)?;
    if version != FORMAT_VERSION.to_string() {
        return Err(CacheError::Version { found: version.to_owned() });
    }
    let mut field = |name: &str| -> Result<&str, CacheError> {
        words.next().and_then(|word| word.strip_prefix(name)?.strip_prefix('=')).ok_or(CacheError::Header)
    };
    let found_chain: u64 = field("chain")?.parse().map_err(|_| CacheError::Header)?;
    let found_block: u64 = field("block")?.parse().map_err(|_| CacheError::Header)?;
    let length: usize = field("length")?.parse().map_err(|_| CacheError::Header)?;
    let checksum = field("sha256")?.to_owned();
    if words.next().is_some() {
        return Err(CacheError::Header);
    }
    let wrong = |found_chain, found_block| CacheError::WrongState {
        chain: chain_id,
        block,
        found_chain,
        found_block,
    };
    if (found_chain, found_block) != (chain_id, block) {
        return Err(wrong(found_chain, found_block));
    }
    if body.len() < length {
        return Err(CacheError::Truncated { expected: length, found: body.len() });
    }
    if body.len() > length {
        return Err(CacheError::Length { expected: length, found: body.len() });
    }
    if alloy::primitives::hex::encode(Sha256::digest(body)) != checksum {
        return Err(CacheError::Checksum);
    }
    let state: ForkState =
        serde_json::from_slice(body).map_err(|error| CacheError::Body(error.to_string()))?;
    if (state.chain_id, state.block.number) != (chain_id, block) {
        return Err(wrong(state.chain_id, state.block.number));
    }
    Ok(state)
}

/// What a look into the cache folder found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Valid states for the block, with their files.
    pub states: Vec<(PathBuf, ForkState)>,
    /// Files for the block that failed a check, and why; they must not be used.
    pub rejected: Vec<(PathBuf, CacheError)>,
}

/// Reads every cache file in `dir` for `block`, whatever its chain. A missing folder is an empty
/// cache.
pub fn scan(dir: &Path, block: u64) -> Scan {
    let mut scan = Scan::default();
    let Ok(entries) = std::fs::read_dir(dir) else { return scan };
    let mut files: Vec<(PathBuf, u64)> = entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let name = entry.file_name().into_string().ok()?;
            let (chain_id, found_block) = parse_file_name(&name)?;
            (found_block == block).then(|| (entry.path(), chain_id))
        })
        .collect();
    files.sort();
    for (path, chain_id) in files {
        match read(&path, chain_id, block) {
            Ok(Some(state)) => scan.states.push((path, state)),
            Ok(None) => {}
            Err(error) => scan.rejected.push((path, error)),
        }
    }
    scan
}

/// Reads the cache file at `path` for `chain_id` at `block`: `None` when there is none.
pub fn read(path: &Path, chain_id: u64, block: u64) -> Result<Option<ForkState>, CacheError> {
    match std::fs::read(path) {
        Ok(bytes) => decode(&bytes, chain_id, block).map(Some),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(_) => Err(CacheError::NotACache),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ForkState {
        let mut state = ForkState::new(
            50312,
            ForkBlock {
                number: 1234,
                hash: B256::repeat_byte(0xab),
                timestamp: 1_700_000_000,
                gas_limit: 30_000_000,
                gas_used: 15_000_000,
                base_fee: Some(1_000_000_000),
                miner: Address::repeat_byte(0x11),
                mix_hash: B256::repeat_byte(0x22),
            },
        );
        state.sources.insert("https://node.example/v2/***".into());
        let code = Bytes::from_static(&[0x60, 0x00, 0x54]);
        let code_hash = alloy::primitives::keccak256(&code);
        state.codes.insert(code_hash, code);
        state.accounts.insert(
            Address::repeat_byte(0x33),
            RemoteAccount { balance: U256::from(5), nonce: 1, code_hash },
        );
        state.storage.entry(Address::repeat_byte(0x33)).or_default().insert(U256::ZERO, U256::from(7));
        state.block_hashes.insert(1233, B256::repeat_byte(0x44));
        state
    }

    #[test]
    fn round_trips_byte_for_byte() {
        let state = sample();
        let bytes = encode(&state);
        assert_eq!(decode(&bytes, 50312, 1234), Ok(state.clone()));
        assert_eq!(encode(&decode(&bytes, 50312, 1234).unwrap()), bytes, "encoding is deterministic");
        let header = std::str::from_utf8(&bytes[..bytes.iter().position(|&b| b == b'\n').unwrap()]).unwrap();
        assert!(header.starts_with("gasguard-fork-cache 1 chain=50312 block=1234 length="), "{header}");
    }

    #[test]
    fn truncated_file_is_rejected() {
        let bytes = encode(&sample());
        let cut = &bytes[..bytes.len() - 10];
        assert!(matches!(decode(cut, 50312, 1234), Err(CacheError::Truncated { .. })));
        let header_only = &bytes[..bytes.iter().position(|&b| b == b'\n').unwrap() + 1];
        assert!(matches!(decode(header_only, 50312, 1234), Err(CacheError::Truncated { found: 0, .. })));
        assert_eq!(decode(&bytes[..20], 50312, 1234), Err(CacheError::NotACache));
        assert_eq!(decode(b"", 50312, 1234), Err(CacheError::NotACache));
    }

    #[test]
    fn corrupt_body_fails_the_checksum() {
        let mut bytes = encode(&sample());
        let last = bytes.len() - 2;
        bytes[last] ^= 0x01;
        assert_eq!(decode(&bytes, 50312, 1234), Err(CacheError::Checksum));
        let mut longer = encode(&sample());
        longer.push(b' ');
        assert!(matches!(decode(&longer, 50312, 1234), Err(CacheError::Length { .. })));
    }

    #[test]
    fn never_shared_across_chains_or_blocks() {
        let bytes = encode(&sample());
        assert!(matches!(decode(&bytes, 1, 1234), Err(CacheError::WrongState { found_chain: 50312, .. })));
        assert!(matches!(decode(&bytes, 50312, 1235), Err(CacheError::WrongState { found_block: 1234, .. })));
        // A header edited to claim another chain no longer matches the body's checksum or chain.
        let text = String::from_utf8(bytes).unwrap().replacen("chain=50312", "chain=1", 1);
        assert!(matches!(
            decode(text.as_bytes(), 1, 1234),
            Err(CacheError::WrongState { found_chain: 50312, .. })
        ));
    }

    #[test]
    fn other_versions_are_rejected() {
        let text = String::from_utf8(encode(&sample())).unwrap().replacen("cache 1 ", "cache 2 ", 1);
        assert_eq!(decode(text.as_bytes(), 50312, 1234), Err(CacheError::Version { found: "2".into() }));
    }

    #[test]
    fn file_names_carry_chain_and_block() {
        assert_eq!(file_name(50312, 1234), "fork-50312-1234.cache");
        assert_eq!(parse_file_name("fork-50312-1234.cache"), Some((50312, 1234)));
        assert_eq!(parse_file_name("fork-50312-1234.cache.tmp"), None);
        assert_eq!(parse_file_name(".gasguard-abc.tmp"), None);
    }

    #[test]
    fn next_block_follows_eip_1559() {
        let block = sample().block;
        let next = block.next_block();
        assert_eq!(next.number, 1235);
        assert_eq!(next.timestamp, 1_700_000_001);
        // Exactly at the target (half full): the base fee stays.
        assert_eq!(next.base_fee, 1_000_000_000);
        let empty = ForkBlock { gas_used: 0, ..block.clone() };
        assert_eq!(empty.next_block().base_fee, 875_000_000, "an empty block lowers it by 1/8");
        let legacy = ForkBlock { base_fee: None, ..block };
        assert_eq!(legacy.next_block().base_fee, 0);
    }
}
