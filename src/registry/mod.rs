//! The on-chain analysis registry (`contracts/AnalysisRegistry.sol`), reached through a JSON-RPC
//! node: deploy it, read entries, estimate and send `storeAnalysis`.
//!
//! This module owns the node connection and its failure modes. Every step runs under a timeout
//! and fails with the step's name and the node's *redacted* URL; transport errors are scrubbed of
//! the URL and of its secret parts before they become messages, since it may carry an API key.
//! The signing key stays inside the provider's wallet and is never formatted. It decides nothing:
//! which entries to store, whether the chain is the right one and what to print are the
//! command's business (`cli::registry`).

pub mod bindings;
mod key;

use std::future::{Future, IntoFuture};
use std::time::Duration;

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, B256, Bytes, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::client::ClientBuilder;
use alloy::rpc::types::{Filter, TransactionReceipt};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::{SolCall, SolEvent};

use self::bindings::AnalysisRegistry::{self, AnalysisRegistryErrors, AnalysisStored};
pub use self::key::{KeyError, load_signer, require_signer};
use crate::core::record::RecordedEntry;
use crate::redact::{UrlSecrets, redact_url};

/// How often to ask a remote node for a receipt. alloy's default is 7 s; registries live on
/// chains with blocks of a second or less.
const REMOTE_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// A failed step against the node.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("`{url}` is not a valid node URL\n\nhint: gasguard talks to nodes over `http://` or `https://`")]
    InvalidUrl { url: String },
    #[error(
        "`{url}` did not answer within {seconds} s while {step}\n\nhint: check that the node is up, or allow more time with `--timeout`"
    )]
    Timeout { url: String, step: String, seconds: u64 },
    #[error(
        "no receipt for transaction `{hash}` ({step}) from `{url}` within {seconds} s\n\nhint: it was sent and may still be mined; running `record` again skips the entries already on record"
    )]
    ReceiptTimeout { url: String, step: String, hash: B256, seconds: u64 },
    #[error("{step} on `{url}` failed: {message}")]
    Node { url: String, step: String, message: String },
    #[error("{step} on `{url}` was refused by the registry: {reason}")]
    Reverted { url: String, step: String, reason: String },
    #[error("transaction `{hash}` ({step}) reverted on `{url}`")]
    Failed { url: String, step: String, hash: B256 },
    #[error("failed to start the async runtime")]
    Runtime(#[source] std::io::Error),
}

/// What `storeAnalysis` is called with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreRequest {
    pub contract: Address,
    pub ipfs_hash: String,
    pub gas_used: U256,
    pub is_public: bool,
}

impl StoreRequest {
    fn call(&self) -> AnalysisRegistry::storeAnalysisCall {
        AnalysisRegistry::storeAnalysisCall {
            contractAddress: self.contract,
            ipfsHash: self.ipfs_hash.clone(),
            gasUsed: self.gas_used,
            isPublic: self.is_public,
        }
    }

    /// The transaction input: selector and ABI-encoded arguments.
    pub fn calldata(&self) -> Bytes {
        self.call().abi_encode().into()
    }
}

/// A mined transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mined {
    pub hash: B256,
    pub block_number: u64,
    /// Receipt gas.
    pub gas_used: u64,
    /// The created contract, for a deployment.
    pub contract_address: Option<Address>,
    /// The position in its block of the `AnalysisStored` log, for a store.
    log_index: Option<u64>,
}

/// A node, with a signer when transactions are to be sent.
pub struct RegistryNode {
    runtime: tokio::runtime::Runtime,
    provider: DynProvider,
    /// The URL as messages show it.
    display_url: String,
    /// What of the URL must not be shown, for scrubbing transport errors.
    secrets: UrlSecrets,
    timeout: Duration,
}

impl RegistryNode {
    /// Prepares a connection to `url` (nothing is sent yet). With a `signer`, transactions are
    /// signed locally and sent raw; alloy's recommended fillers set nonce, gas, fees and chain id.
    pub fn connect(
        url: &str,
        signer: Option<PrivateKeySigner>,
        timeout: Duration,
    ) -> Result<Self, RegistryError> {
        let display_url = redact_url(url);
        let parsed: reqwest::Url =
            url.parse().map_err(|_| RegistryError::InvalidUrl { url: display_url.clone() })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(RegistryError::InvalidUrl { url: display_url });
        }
        let secrets = UrlSecrets::of(url, &parsed);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(RegistryError::Runtime)?;
        let provider = runtime.block_on(async {
            let client = ClientBuilder::default().http(parsed);
            let interval = client.poll_interval().min(REMOTE_POLL_INTERVAL);
            let client = client.with_poll_interval(interval);
            match signer {
                Some(signer) => ProviderBuilder::new()
                    .wallet(EthereumWallet::from(signer))
                    .connect_client(client)
                    .erased(),
                None => ProviderBuilder::new().connect_client(client).erased(),
            }
        });
        Ok(Self { runtime, provider, display_url, secrets, timeout })
    }

    /// The URL as messages show it (credentials redacted).
    pub fn display_url(&self) -> &str {
        &self.display_url
    }

    /// The node's chain id.
    pub fn chain_id(&self) -> Result<u64, RegistryError> {
        let step = "reading the chain id (`eth_chainId`)";
        self.run(step, self.provider.get_chain_id())?.map_err(|error| self.node_error(step, &error))
    }

    /// Whether `address` holds code.
    pub fn has_code(&self, address: Address) -> Result<bool, RegistryError> {
        let step = format!("reading the code of `{address}` (`eth_getCode`)");
        let code = self.run(&step, self.provider.get_code_at(address))?;
        Ok(!code.map_err(|error| self.node_error(&step, &error))?.is_empty())
    }

    /// The node's gas price in wei (`eth_gasPrice`).
    pub fn gas_price(&self) -> Result<u128, RegistryError> {
        let step = "reading the gas price (`eth_gasPrice`)";
        self.run(step, self.provider.get_gas_price())?.map_err(|error| self.node_error(step, &error))
    }

    /// Deploys a registry from the signer and waits for the receipt.
    pub fn deploy(&self) -> Result<Mined, RegistryError> {
        let step = "sending the registry deployment";
        let pending = self.run(step, AnalysisRegistry::deploy_builder(&self.provider).send())?;
        let pending = pending.map_err(|error| self.contract_error(step, error))?;
        let receipt = self.receipt(*pending.tx_hash(), step, pending.get_receipt())?;
        if receipt.contract_address.is_none() {
            return Err(self.node_error(step, &NoContractAddress));
        }
        Ok(mined(&receipt, None))
    }

    /// `eth_estimateGas` of a store from `from` (the zero address when `None`).
    pub fn estimate_store(
        &self,
        registry: Address,
        request: &StoreRequest,
        from: Option<Address>,
    ) -> Result<u64, RegistryError> {
        let step =
            format!("estimating the gas of `storeAnalysis` for `{}` (`eth_estimateGas`)", request.contract);
        let instance = AnalysisRegistry::new(registry, &self.provider);
        let call = request.call();
        let mut builder =
            instance.storeAnalysis(call.contractAddress, call.ipfsHash, call.gasUsed, call.isPublic);
        if let Some(from) = from {
            builder = builder.from(from);
        }
        self.run(&step, builder.estimate_gas())?.map_err(|error| self.contract_error(&step, error))
    }

    /// Sends a store from the signer and waits for the receipt.
    pub fn store(&self, registry: Address, request: &StoreRequest) -> Result<Mined, RegistryError> {
        let step = format!("sending `storeAnalysis` for `{}`", request.contract);
        let instance = AnalysisRegistry::new(registry, &self.provider);
        let call = request.call();
        let builder =
            instance.storeAnalysis(call.contractAddress, call.ipfsHash, call.gasUsed, call.isPublic);
        let pending = self.run(&step, builder.send())?.map_err(|error| self.contract_error(&step, error))?;
        let receipt = self.receipt(*pending.tx_hash(), &step, pending.get_receipt())?;
        let ours = receipt.logs().iter().find(|log| {
            log.address() == registry
                && log.topics().first() == Some(&AnalysisStored::SIGNATURE_HASH)
                && log.topics().get(1) == Some(&request.contract.into_word())
        });
        Ok(mined(&receipt, ours.and_then(|log| log.log_index)))
    }

    /// The index the store in `mined` gave its entry. The event does not carry it, so it is the
    /// contract's entry count at the end of that block, less the stores of the same contract
    /// that came after it in the block.
    pub fn stored_index(
        &self,
        registry: Address,
        contract: Address,
        mined: &Mined,
    ) -> Result<u64, RegistryError> {
        let step = format!("reading the index of the entry stored by `{}`", mined.hash);
        let Some(ours) = mined.log_index else {
            return Err(self.node_error(&step, &NoStoredEvent));
        };
        let filter = Filter::new()
            .address(registry)
            .event_signature(AnalysisStored::SIGNATURE_HASH)
            .topic1(contract.into_word())
            .from_block(mined.block_number)
            .to_block(mined.block_number);
        let logs = self
            .run(&step, self.provider.get_logs(&filter))?
            .map_err(|error| self.node_error(&step, &error))?;
        let later = logs.iter().filter(|log| log.log_index.is_some_and(|index| index > ours)).count() as u64;
        let instance = AnalysisRegistry::new(registry, &self.provider);
        let count = self
            .run(&step, instance.getAnalysisCount(contract).block(mined.block_number.into()).call())?
            .map_err(|error| self.contract_error(&step, error))?;
        u64::try_from(count)
            .ok()
            .and_then(|count| count.checked_sub(later + 1))
            .ok_or_else(|| self.node_error(&step, &NoStoredEvent))
    }

    /// How many entries `contract` has.
    pub fn count(&self, registry: Address, contract: Address) -> Result<u64, RegistryError> {
        let step = format!("reading `getAnalysisCount({contract})`");
        let instance = AnalysisRegistry::new(registry, &self.provider);
        let count = self
            .run(&step, instance.getAnalysisCount(contract).call())?
            .map_err(|error| self.contract_error(&step, error))?;
        u64::try_from(count).map_err(|_| self.node_error(&step, &OutOfRange("count")))
    }

    /// Entry `index` of `contract`.
    pub fn entry(
        &self,
        registry: Address,
        contract: Address,
        index: u64,
    ) -> Result<RecordedEntry, RegistryError> {
        let step = format!("reading `getAnalysis({contract}, {index})`");
        let instance = AnalysisRegistry::new(registry, &self.provider);
        let report = self
            .run(&step, instance.getAnalysis(contract, U256::from(index)).call())?
            .map_err(|error| self.contract_error(&step, error))?;
        Ok(RecordedEntry {
            index,
            contract_address: report.contractAddress,
            ipfs_hash: report.ipfsHash,
            gas_used: report.gasUsed,
            timestamp: u64::try_from(report.timestamp)
                .map_err(|_| self.node_error(&step, &OutOfRange("timestamp")))?,
            analyzer: report.analyzer,
            is_public: report.isPublic,
        })
    }

    /// The transaction of the latest `storeAnalysis` that stored `ipfs_hash` for `contract` (its
    /// `AnalysisStored` event), if any. An entry changed to it by `updateAnalysis` has none.
    pub fn stored_transaction(
        &self,
        registry: Address,
        contract: Address,
        ipfs_hash: &str,
    ) -> Result<Option<B256>, RegistryError> {
        let step = format!("reading the `AnalysisStored` events of `{contract}` (`eth_getLogs`)");
        let filter = Filter::new()
            .address(registry)
            .event_signature(AnalysisStored::SIGNATURE_HASH)
            .topic1(contract.into_word())
            .from_block(0);
        let logs = self
            .run(&step, self.provider.get_logs(&filter))?
            .map_err(|error| self.node_error(&step, &error))?;
        Ok(logs
            .iter()
            .rev()
            .find(|log| {
                log.log_decode::<AnalysisStored>().is_ok_and(|event| event.inner.data.ipfsHash == ipfs_hash)
            })
            .and_then(|log| log.transaction_hash))
    }

    /// The most recently stored entry of `contract`, if any.
    pub fn latest(
        &self,
        registry: Address,
        contract: Address,
    ) -> Result<Option<RecordedEntry>, RegistryError> {
        match self.count(registry, contract)? {
            0 => Ok(None),
            count => self.entry(registry, contract, count - 1).map(Some),
        }
    }

    /// Waits for the receipt of `hash` and checks its status.
    fn receipt(
        &self,
        hash: B256,
        step: &str,
        future: impl Future<Output = Result<TransactionReceipt, alloy::providers::PendingTransactionError>>,
    ) -> Result<TransactionReceipt, RegistryError> {
        let waiting = format!("waiting for the receipt of `{hash}` ({step})");
        let receipt = self
            .run(&waiting, future)
            .map_err(|_| RegistryError::ReceiptTimeout {
                url: self.display_url.clone(),
                step: step.to_owned(),
                hash,
                seconds: self.timeout.as_secs(),
            })?
            .map_err(|error| self.node_error(&waiting, &error))?;
        if !receipt.status() {
            return Err(RegistryError::Failed { url: self.display_url.clone(), step: step.to_owned(), hash });
        }
        Ok(receipt)
    }

    /// Runs `future` on the runtime, failing with [`RegistryError::Timeout`] when it takes longer
    /// than the timeout.
    fn run<T>(&self, step: &str, future: impl IntoFuture<Output = T>) -> Result<T, RegistryError> {
        self.runtime
            .block_on(async { tokio::time::timeout(self.timeout, future.into_future()).await })
            .map_err(|_| RegistryError::Timeout {
                url: self.display_url.clone(),
                step: step.to_owned(),
                seconds: self.timeout.as_secs(),
            })
    }

    /// A contract call's error: the registry's custom error when it reverted with one.
    fn contract_error(&self, step: &str, error: alloy::contract::Error) -> RegistryError {
        match error.as_decoded_interface_error::<AnalysisRegistryErrors>() {
            Some(reverted) => RegistryError::Reverted {
                url: self.display_url.clone(),
                step: step.to_owned(),
                reason: describe_revert(&reverted),
            },
            None => self.node_error(step, &error),
        }
    }

    /// Any other error, its whole chain on one line, with the raw URL replaced.
    fn node_error(&self, step: &str, error: &(dyn std::error::Error + 'static)) -> RegistryError {
        let mut parts = vec![error.to_string()];
        let mut source = error.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !parts.iter().any(|part| part.contains(&text)) {
                parts.push(text);
            }
            source = cause.source();
        }
        let message = self.secrets.scrub(&parts.join(": "), &self.display_url);
        RegistryError::Node { url: self.display_url.clone(), step: step.to_owned(), message }
    }
}

fn mined(receipt: &TransactionReceipt, log_index: Option<u64>) -> Mined {
    Mined {
        hash: receipt.transaction_hash,
        block_number: receipt.block_number.unwrap_or_default(),
        gas_used: receipt.gas_used,
        contract_address: receipt.contract_address,
        log_index,
    }
}

/// The registry's custom errors as people read them.
fn describe_revert(error: &AnalysisRegistryErrors) -> String {
    match error {
        AnalysisRegistryErrors::ZeroAddress(_) => "`ZeroAddress()`: the contract address is zero".into(),
        AnalysisRegistryErrors::EmptyIpfsHash(_) => "`EmptyIpfsHash()`: the IPFS hash is empty".into(),
        AnalysisRegistryErrors::NoSuchAnalysis(error) => {
            format!("`NoSuchAnalysis({}, {})`: there is no such entry", error.contractAddress, error.index)
        }
        AnalysisRegistryErrors::NotAnalyzer(error) => format!(
            "`NotAnalyzer({}, {})`: only the account that stored the entry may update it",
            error.caller, error.analyzer
        ),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the receipt names no created contract")]
struct NoContractAddress;

#[derive(Debug, thiserror::Error)]
#[error("the receipt has no `AnalysisStored` event for this contract")]
struct NoStoredEvent;

#[derive(Debug, thiserror::Error)]
#[error("the {0} does not fit in 64 bits")]
struct OutOfRange(&'static str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_calldata_is_the_selector_and_the_encoded_arguments() {
        let request = StoreRequest {
            contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3".parse().unwrap(),
            ipfs_hash: "bafk".into(),
            gas_used: U256::from(7),
            is_public: true,
        };
        let calldata = request.calldata();
        // keccak256("storeAnalysis(address,string,uint256,bool)")[..4], as `cast sig` prints it.
        assert_eq!(calldata[..4], [0x83, 0x58, 0x09, 0x87]);
        assert_eq!(calldata.len(), 4 + 32 * 6);
    }
}
