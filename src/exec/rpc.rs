//! The node executor: steps run as real transactions on a development node that unlocks the
//! accounts it funds (anvil, Hardhat), and the gas is read from the receipts. Each scenario starts
//! from a snapshot of the node's state, as with the embedded executor.

use std::time::{Duration, Instant};

use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::{Provider, ProviderBuilder, RootProvider};
use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};

use super::{Chain, TxOutcome, TxRequest};
use crate::core::report::GasMethod;

/// How long to wait for a receipt before giving up.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(60);

pub struct RpcChain {
    runtime: tokio::runtime::Runtime,
    provider: RootProvider,
    /// Shown in messages: credentials redacted.
    display_url: String,
    snapshot: Option<Value>,
}

impl RpcChain {
    /// Connects to `url`. `display_url` is what messages show.
    pub fn connect(url: &str, display_url: String) -> anyhow::Result<Self> {
        let parsed = url.parse().map_err(|_| anyhow!("`{display_url}` is not a valid URL"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .context("failed to start the async runtime")?;
        let provider =
            ProviderBuilder::new().disable_recommended_fillers().connect_http(parsed).root().clone();
        Ok(Self { runtime, provider, display_url, snapshot: None })
    }

    fn request(&self, method: &'static str, params: Value) -> anyhow::Result<Value> {
        self.runtime
            .block_on(self.provider.raw_request::<_, Value>(method.into(), params))
            .with_context(|| format!("`{method}` on `{}` failed", self.display_url))
    }

    /// The node's chain id.
    pub fn chain_id(&self) -> anyhow::Result<u64> {
        self.runtime
            .block_on(self.provider.get_chain_id())
            .with_context(|| format!("`eth_chainId` on `{}` failed", self.display_url))
    }

    fn set_balance(&self, address: Address, balance: U256) -> anyhow::Result<()> {
        let params = json!([address, format!("{balance:#x}")]);
        match self.request("anvil_setBalance", params.clone()) {
            Ok(_) => Ok(()),
            Err(_) => self.request("hardhat_setBalance", params).map(drop).context(
                "the node can set neither `anvil_setBalance` nor `hardhat_setBalance`; the rpc executor needs a development node",
            ),
        }
    }

    fn receipt(&self, hash: &Value) -> anyhow::Result<Value> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let receipt = self.request("eth_getTransactionReceipt", json!([hash]))?;
            if !receipt.is_null() {
                return Ok(receipt);
            }
            if started.elapsed() > RECEIPT_TIMEOUT {
                bail!(
                    "no receipt for transaction {hash} after {} s on `{}`",
                    RECEIPT_TIMEOUT.as_secs(),
                    self.display_url
                );
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }
}

fn quantity(value: &Value, field: &str) -> anyhow::Result<u64> {
    let text = value.get(field).and_then(Value::as_str).ok_or_else(|| anyhow!("receipt has no `{field}`"))?;
    u64::from_str_radix(text.trim_start_matches("0x"), 16)
        .map_err(|_| anyhow!("receipt `{field}` is not a quantity: `{text}`"))
}

impl Chain for RpcChain {
    fn begin_scenario(&mut self, balances: &[(Address, U256)]) -> anyhow::Result<()> {
        if let Some(snapshot) = self.snapshot.take() {
            let reverted = self.request("evm_revert", json!([snapshot]))?;
            if reverted != Value::Bool(true) {
                bail!("`evm_revert` on `{}` did not restore the snapshot", self.display_url);
            }
        }
        self.snapshot = Some(self.request("evm_snapshot", json!([]))?);
        for (address, balance) in balances {
            self.set_balance(*address, *balance)?;
        }
        Ok(())
    }

    fn execute(&mut self, tx: &TxRequest) -> anyhow::Result<TxOutcome> {
        let mut request = json!({
            "from": tx.from,
            "value": format!("{:#x}", tx.value),
            "input": tx.input,
            "gas": format!("{:#x}", tx.gas_limit),
        });
        if let Some(to) = tx.to {
            request["to"] = json!(to);
        }
        let hash = self.request("eth_sendTransaction", json!([request.clone()]))?;
        let receipt = self.receipt(&hash)?;
        let gas_used = quantity(&receipt, "gasUsed")?;
        let success = quantity(&receipt, "status")? == 1;
        let created =
            receipt.get("contractAddress").and_then(Value::as_str).and_then(|a| a.parse::<Address>().ok());
        let (output, code_size) = if success {
            let code_size = match created {
                Some(address) => {
                    let code = self.request("eth_getCode", json!([address, "latest"]))?;
                    let code: Bytes =
                        serde_json::from_value(code).context("`eth_getCode` returned no bytes")?;
                    Some(code.len() as u64)
                }
                None => None,
            };
            (Bytes::new(), code_size)
        } else {
            // Receipts carry no revert data: replay the call on the state before the block.
            let block = quantity(&receipt, "blockNumber")?.saturating_sub(1);
            let data = match self.request("eth_call", json!([request, format!("{block:#x}")])) {
                Ok(_) => Bytes::new(),
                Err(error) => revert_data(&error).unwrap_or_default(),
            };
            (data, None)
        };
        Ok(TxOutcome {
            gas_used,
            success,
            output,
            created: created.filter(|_| success),
            code_size,
            method: GasMethod::Execution,
        })
    }
}

/// Digs the revert data out of a JSON-RPC error (`error.data`).
fn revert_data(error: &anyhow::Error) -> Option<Bytes> {
    for cause in error.chain() {
        if let Some(alloy::transports::RpcError::ErrorResp(payload)) =
            cause.downcast_ref::<alloy::transports::TransportError>()
        {
            let data = payload.data.as_ref()?;
            let text: String = serde_json::from_str(data.get()).ok()?;
            return text.parse().ok();
        }
    }
    None
}
