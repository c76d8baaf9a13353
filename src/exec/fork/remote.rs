//! Reading chain state from the node over JSON-RPC at one block: the head (chain id and block
//! header, one batch), accounts (balance, nonce and code: one batch per account, many accounts
//! per request when prefetching), storage slots and block hashes. Parses the node's answers into
//! the fork's model; keeps nothing itself.

use std::collections::BTreeSet;

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use serde_json::{Value, json};

use super::ForkError;
use super::cache::{ForkBlock, RemoteAccount};
use crate::exec::jsonrpc::{Call, RpcClient};

/// The node, read at one block.
pub struct Remote {
    /// No client when the URL could not be made (a `${NAME}` not set): a run that finds
    /// everything in the cache does not need one, and any fetch says why there is none.
    client: Result<RpcClient, String>,
    display_url: String,
}

/// An account and its code.
pub type FetchedAccount = (Address, RemoteAccount, Bytes);

impl Remote {
    pub fn new(client: Result<RpcClient, String>, display_url: &str) -> Self {
        Self { client, display_url: display_url.to_owned() }
    }

    /// The client, if there is one.
    pub fn connected(&self) -> Option<&RpcClient> {
        self.client.as_ref().ok()
    }

    fn client(&self, what: &dyn Fn() -> String) -> Result<&RpcClient, ForkError> {
        self.client.as_ref().map_err(|reason| ForkError::NoNode { what: what(), reason: reason.clone() })
    }

    /// The chain id and the header of `block` (`None`: the latest block), in one request.
    pub fn head(&self, block: Option<u64>) -> Result<(u64, ForkBlock), ForkError> {
        let tag = block.map_or_else(|| "latest".to_owned(), quantity_hex);
        let what = || match block {
            Some(number) => format!("the chain id and block {number}"),
            None => "the chain id and the latest block".to_owned(),
        };
        let results = self
            .client(&what)?
            .call_many(&[
                Call::new("eth_chainId", json!([])),
                Call::new("eth_getBlockByNumber", json!([tag, false])),
            ])
            .map_err(|source| ForkError::Fetch { what: what(), source: Box::new(source) })?;
        let mut results = results.into_iter();
        let (Some(chain_id), Some(header)) = (results.next(), results.next()) else {
            return Err(ForkError::Unexpected { what: what(), reason: "missing answers".into() });
        };
        let chain_id =
            chain_id.map_err(|source| ForkError::Fetch { what: what(), source: Box::new(source) })?;
        let header = header.map_err(|source| ForkError::Fetch { what: what(), source: Box::new(source) })?;
        let chain_id = parse_u64(&chain_id).ok_or_else(|| ForkError::Unexpected {
            what: "the chain id".into(),
            reason: format!("`{chain_id}` is not a quantity"),
        })?;
        if header.is_null() {
            return Err(ForkError::NoSuchBlock {
                block: block.unwrap_or_default(),
                url: self.display_url.clone(),
            });
        }
        let header = parse_block(&header).map_err(|reason| ForkError::Unexpected {
            what: block.map_or_else(|| "the latest block".into(), |number| format!("block {number}")),
            reason,
        })?;
        Ok((chain_id, header))
    }

    /// Everything in `wanted`, at `block`, in as few requests as the node allows: balance, nonce
    /// and code of each account (three calls), each storage slot and each block hash, all in one
    /// [`RpcClient::call_many`].
    pub fn fetch(&self, wanted: &Wanted, block: u64) -> Result<Fetched, ForkError> {
        let tag = quantity_hex(block);
        let mut calls =
            Vec::with_capacity(wanted.accounts.len() * 3 + wanted.slots.len() + wanted.block_hashes.len());
        for address in &wanted.accounts {
            calls.push(Call::new("eth_getBalance", json!([address, tag])));
            calls.push(Call::new("eth_getTransactionCount", json!([address, tag])));
            calls.push(Call::new("eth_getCode", json!([address, tag])));
        }
        for (address, slot) in &wanted.slots {
            calls.push(Call::new("eth_getStorageAt", json!([address, B256::from(*slot), tag])));
        }
        for number in &wanted.block_hashes {
            calls.push(Call::new("eth_getBlockByNumber", json!([quantity_hex(*number), false])));
        }
        let describe = || wanted.describe(block);
        let results = self
            .client(&describe)?
            .call_many(&calls)
            .map_err(|source| ForkError::Fetch { what: describe(), source: Box::new(source) })?;
        let mut results = results.into_iter();
        let mut next = |what: &dyn Fn() -> String| -> Result<Value, ForkError> {
            results
                .next()
                .ok_or_else(|| ForkError::Unexpected { what: what(), reason: "missing answers".into() })?
                .map_err(|source| ForkError::Fetch { what: what(), source: Box::new(source) })
        };
        let mut fetched = Fetched::default();
        for address in &wanted.accounts {
            let what = || account_name(address, block);
            let (balance, nonce, code) = (next(&what)?, next(&what)?, next(&what)?);
            let unexpected = |field: &str, value: &Value| ForkError::Unexpected {
                what: what(),
                reason: format!("its {field} `{value}` does not parse"),
            };
            let balance = parse_u256(&balance).ok_or_else(|| unexpected("balance", &balance))?;
            let nonce = parse_u64(&nonce).ok_or_else(|| unexpected("nonce", &nonce))?;
            let code: Bytes = serde_json::from_value(code.clone()).map_err(|_| unexpected("code", &code))?;
            let code_hash = if code.is_empty() { revm::primitives::KECCAK_EMPTY } else { keccak256(&code) };
            fetched.accounts.push((*address, RemoteAccount { balance, nonce, code_hash }, code));
        }
        for (address, slot) in &wanted.slots {
            let what = || slot_name(address, slot, block);
            let value = next(&what)?;
            let value = parse_u256(&value).ok_or_else(|| ForkError::Unexpected {
                what: what(),
                reason: format!("`{value}` is not a word"),
            })?;
            fetched.slots.push((*address, *slot, value));
        }
        for number in &wanted.block_hashes {
            let what = || format!("the hash of block {number}");
            let found = next(&what)?;
            if found.is_null() {
                return Err(ForkError::NoSuchBlock { block: *number, url: self.display_url.clone() });
            }
            let hash =
                found.get("hash").and_then(|hash| serde_json::from_value(hash.clone()).ok()).ok_or_else(
                    || ForkError::Unexpected { what: what(), reason: "the block has no `hash`".into() },
                )?;
            fetched.block_hashes.push((*number, hash));
        }
        Ok(fetched)
    }
}

/// State to fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    pub accounts: BTreeSet<Address>,
    pub slots: BTreeSet<(Address, U256)>,
    pub block_hashes: BTreeSet<u64>,
}

impl Wanted {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.slots.is_empty() && self.block_hashes.is_empty()
    }

    /// What a message calls it: the one item, or counts.
    fn describe(&self, block: u64) -> String {
        match (self.accounts.len(), self.slots.len(), self.block_hashes.len()) {
            (1, 0, 0) => self.accounts.iter().map(|address| account_name(address, block)).collect(),
            (0, 1, 0) => self.slots.iter().map(|(address, slot)| slot_name(address, slot, block)).collect(),
            (0, 0, 1) => {
                self.block_hashes.iter().map(|number| format!("the hash of block {number}")).collect()
            }
            (accounts, slots, hashes) => {
                format!(
                    "{accounts} accounts, {slots} storage slots and {hashes} block hashes at block {block}"
                )
            }
        }
    }
}

/// What [`Remote::fetch`] brought back, in the order asked.
#[derive(Debug, Default)]
pub struct Fetched {
    pub accounts: Vec<FetchedAccount>,
    pub slots: Vec<(Address, U256, U256)>,
    pub block_hashes: Vec<(u64, B256)>,
}

fn account_name(address: &Address, block: u64) -> String {
    format!("account `{}` at block {block}", address.to_checksum(None))
}

fn slot_name(address: &Address, slot: &U256, block: u64) -> String {
    format!("storage slot {slot:#x} of `{}` at block {block}", address.to_checksum(None))
}

fn quantity_hex(number: u64) -> String {
    format!("{number:#x}")
}

fn parse_u64(value: &Value) -> Option<u64> {
    let text = value.as_str()?.strip_prefix("0x")?;
    u64::from_str_radix(if text.is_empty() { "0" } else { text }, 16).ok()
}

fn parse_u256(value: &Value) -> Option<U256> {
    let text = value.as_str()?.strip_prefix("0x")?;
    U256::from_str_radix(if text.is_empty() { "0" } else { text }, 16).ok()
}

/// The fields of an `eth_getBlockByNumber` answer the fork needs. Fields that some chains leave
/// out (`baseFeePerGas`, `mixHash`) are optional.
fn parse_block(block: &Value) -> Result<ForkBlock, String> {
    let field = |name: &str| block.get(name).filter(|value| !value.is_null());
    let number = |name: &str| -> Result<u64, String> {
        let value = field(name).ok_or_else(|| format!("the block has no `{name}`"))?;
        parse_u64(value).ok_or_else(|| format!("its `{name}` `{value}` is not a quantity"))
    };
    let hash = |name: &str| -> Result<Option<B256>, String> {
        field(name)
            .map(|value| {
                serde_json::from_value(value.clone())
                    .map_err(|_| format!("its `{name}` `{value}` is not a hash"))
            })
            .transpose()
    };
    Ok(ForkBlock {
        number: number("number")?,
        hash: hash("hash")?.ok_or("the block has no `hash`")?,
        timestamp: number("timestamp")?,
        gas_limit: number("gasLimit")?,
        gas_used: number("gasUsed")?,
        base_fee: match field("baseFeePerGas") {
            Some(value) => {
                Some(parse_u64(value).ok_or_else(|| format!("its `baseFeePerGas` `{value}` does not fit"))?)
            }
            None => None,
        },
        miner: match field("miner") {
            Some(value) => serde_json::from_value(value.clone())
                .map_err(|_| format!("its `miner` `{value}` is not an address"))?,
            None => Address::ZERO,
        },
        mix_hash: hash("mixHash")?.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_block_with_and_without_optional_fields() {
        let block = json!({
            "number": "0x2", "hash": format!("{}", B256::repeat_byte(1)), "timestamp": "0x6b025db4",
            "gasLimit": "0x1c9c380", "gasUsed": "0x1a247", "baseFeePerGas": "0x342a1c58",
            "miner": "0x0000000000000000000000000000000000000000", "mixHash": format!("{}", B256::repeat_byte(2)),
        });
        let parsed = parse_block(&block).unwrap();
        assert_eq!((parsed.number, parsed.gas_limit, parsed.base_fee), (2, 30_000_000, Some(0x342a1c58)));
        assert_eq!(parsed.mix_hash, B256::repeat_byte(2));
        let mut legacy = block.clone();
        legacy.as_object_mut().unwrap().remove("baseFeePerGas");
        legacy.as_object_mut().unwrap().remove("mixHash");
        let parsed = parse_block(&legacy).unwrap();
        assert_eq!((parsed.base_fee, parsed.mix_hash), (None, B256::ZERO));
        let mut broken = block;
        broken["gasUsed"] = json!("lots");
        assert_eq!(parse_block(&broken).unwrap_err(), "its `gasUsed` `\"lots\"` is not a quantity");
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_u64(&json!("0x0")), Some(0));
        assert_eq!(parse_u64(&json!("0x")), Some(0));
        assert_eq!(parse_u64(&json!("12")), None);
        assert_eq!(
            parse_u256(&json!("0x21e19e0c9bab2400000")),
            Some(U256::from(10_000u128 * 10u128.pow(18)))
        );
    }
}
