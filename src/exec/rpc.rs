//! The node executor: steps run on a node over JSON-RPC. What "run" means depends on the node,
//! decided once when connecting:
//!
//! - **Development node** (anvil, Hardhat: `evm_snapshot` works): steps are real transactions
//!   from the accounts the node unlocks, the gas is the receipt's, and each scenario starts from
//!   a snapshot (`evm_snapshot`/`evm_revert`), with its balances set by `anvil_setBalance` or
//!   `hardhat_setBalance`. [`GasMethod::Execution`].
//! - **`--send`** (any node): real transactions signed locally with one key, receipts' gas. The
//!   node's state is not reset between scenarios and balances cannot be set. [`GasMethod::Execution`].
//! - **Any other node**: nothing is sent. Each step is simulated with `debug_traceCall` (the
//!   call tracer's top frame reports the receipt's `gasUsed`) against the node's latest block,
//!   with the scenario's earlier steps carried as state overrides: the `prestateTracer` in diff
//!   mode gives each step's writes, which become overrides for the next step. [`GasMethod::Trace`].
//! - **A node without `debug_traceCall`**: `eth_estimateGas`, an upper bound. Only the senders'
//!   nonces carry from step to step, so a step that calls a contract deployed by an earlier step
//!   is an error. [`GasMethod::Estimate`].
//!
//! A figure that depends on the gas limit (see [`TxOutcome::depends_on_limit`]) is found with
//! the call tracer: `debug_traceTransaction` on a development node's mined transaction (when the
//! node offers it), the trace itself in trace mode. A frame whose `error` is not a revert halted; a
//! `debug_traceCall` on the same state at a lower limit then tells whether the figure moves.
//! Estimates do not depend on a limit.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use alloy::consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy::eips::Encodable2718;
use alloy::primitives::{Address, B256, Bytes, TxKind, U256};
use alloy::signers::SignerSync;
use alloy::signers::local::PrivateKeySigner;
use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};

use super::jsonrpc::{Call, RpcClient, RpcError};
use super::{Chain, TxOutcome, TxRequest, halt_words};
use crate::core::report::GasMethod;

/// How long to wait for a receipt before giving up (real networks included).
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Choices for the node executor.
#[derive(Default)]
pub struct NodeOptions {
    /// Send real transactions signed with this key (`--send`).
    pub signer: Option<PrivateKeySigner>,
}

pub struct RpcChain {
    client: RpcClient,
    mode: Mode,
    notes: Vec<String>,
    /// Whether mined transactions can be traced (`debug_traceTransaction` with the call
    /// tracer), to find frames that halted inside them.
    trace_mined: bool,
    /// The transactions `--send` sent, in order.
    sent: Vec<B256>,
}

/// The gas limit and fees `--send` offers for one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendTerms {
    pub gas_limit: u64,
    pub max_fee_per_gas: u128,
    pub max_priority_fee_per_gas: u128,
}

enum Mode {
    /// `unlocked`: the accounts the node signs for; `impersonated`: others it was told to accept
    /// transactions from, this scenario.
    Dev {
        snapshot: Option<Value>,
        unlocked: BTreeSet<Address>,
        impersonated: BTreeSet<Address>,
    },
    Send {
        signer: PrivateKeySigner,
        chain_id: u64,
        nonce: u64,
    },
    /// The scenario's state so far, as overrides over the node's latest block.
    Trace {
        overrides: Overrides,
    },
    /// Balances only; and the addresses deployed so far, which do not exist for later steps.
    Estimate {
        overrides: Overrides,
        created: BTreeSet<Address>,
    },
}

impl RpcChain {
    /// Connects to `url` and picks the mode by what the node offers. `display_url` is what
    /// messages show.
    pub fn connect(url: &str, display_url: String) -> anyhow::Result<Self> {
        Self::connect_with(url, &display_url, NodeOptions::default())
    }

    pub fn connect_with(url: &str, display_url: &str, options: NodeOptions) -> anyhow::Result<Self> {
        let client = RpcClient::new(url, display_url)?;
        let mut notes = Vec::new();
        let mode = match options.signer {
            Some(signer) => {
                let chain_id = quantity_value(&client.call("eth_chainId", json!([]))?, "eth_chainId")?;
                let nonce = quantity_value(
                    &client.call("eth_getTransactionCount", json!([signer.address(), "pending"]))?,
                    "eth_getTransactionCount",
                )?;
                notes.push(format!(
                    "`--send`: steps are real transactions from `{}` on `{display_url}`; balances in scenarios are not set, and state is not reset between scenarios",
                    signer.address().to_checksum(None)
                ));
                Mode::Send { signer, chain_id, nonce }
            }
            None => match client.call("evm_snapshot", json!([])) {
                Ok(snapshot) => {
                    let unlocked = client.call("eth_accounts", json!([]))?;
                    let unlocked = serde_json::from_value(unlocked).unwrap_or_default();
                    Mode::Dev { snapshot: Some(snapshot), unlocked, impersonated: BTreeSet::new() }
                }
                Err(RpcError::Node { .. } | RpcError::Refused { .. }) => {
                    let version = client
                        .call("web3_clientVersion", json!([]))
                        .ok()
                        .and_then(|value| value.as_str().map(str::to_owned))
                        .map(|version| format!(" ({version})"))
                        .unwrap_or_default();
                    if supports_trace(&client)? {
                        notes.push(format!(
                            "`{display_url}`{version} is not a development node: nothing is sent; each step is simulated with `debug_traceCall` on its latest block, over the scenario's earlier steps"
                        ));
                        Mode::Trace { overrides: Overrides::default() }
                    } else {
                        notes.push(format!(
                            "`{display_url}`{version} is neither a development node nor offers `debug_traceCall`: gas is `eth_estimateGas`, an upper bound, and no state carries from one step to the next"
                        ));
                        Mode::Estimate { overrides: Overrides::default(), created: BTreeSet::new() }
                    }
                }
                Err(error) => return Err(error.into()),
            },
        };
        // Not under `--send`: its transactions' limits are the node's estimates, not the steps'.
        let trace_mined = match mode {
            Mode::Dev { .. } => {
                // A hash no transaction has: a node that offers the method says it is unknown.
                let probe = json!([B256::ZERO, {"tracer": "callTracer"}]);
                let offered = match client.call("debug_traceTransaction", probe) {
                    Ok(_) => true,
                    Err(error) => !error.is_unsupported_method(),
                };
                if !offered {
                    notes.push(format!(
                        "`{display_url}` offers no `debug_traceTransaction`: a transaction that uses its whole gas limit is still flagged, but not one in which a frame halts after using all the gas forwarded to it"
                    ));
                }
                offered
            }
            Mode::Send { .. } | Mode::Trace { .. } | Mode::Estimate { .. } => false,
        };
        Ok(Self { client, mode, notes, trace_mined, sent: Vec::new() })
    }

    /// What the user should know about the mode, to show once: after connecting, and again after
    /// the run (what was learnt on the way).
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    fn request(&self, method: &str, params: Value) -> anyhow::Result<Value> {
        Ok(self.client.call(method, params)?)
    }

    /// The node's chain id.
    pub fn chain_id(&self) -> anyhow::Result<u64> {
        quantity_value(&self.request("eth_chainId", json!([]))?, "eth_chainId")
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

    /// Lets a development node accept transactions from `from` without its key (any address on a
    /// fork: a whale, a multisig).
    fn impersonate(&mut self, from: Address) -> anyhow::Result<()> {
        let Mode::Dev { unlocked, impersonated, .. } = &self.mode else { return Ok(()) };
        if unlocked.contains(&from) || impersonated.contains(&from) {
            return Ok(());
        }
        let params = json!([from]);
        if self.request("anvil_impersonateAccount", params.clone()).is_err() {
            self.request("hardhat_impersonateAccount", params).context(format!(
                "`{}` is not an account the node unlocks, and it can impersonate neither with `anvil_impersonateAccount` nor with `hardhat_impersonateAccount`",
                from.to_checksum(None)
            ))?;
        }
        if let Mode::Dev { impersonated, .. } = &mut self.mode {
            impersonated.insert(from);
        }
        Ok(())
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
                    self.client.display_url()
                );
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }

    /// The outcome of a mined transaction, from its receipt.
    fn mined(&mut self, hash: &Value, tx: &TxRequest, request: &Value) -> anyhow::Result<TxOutcome> {
        let wants_output = tx.wants_output;
        let receipt = self.receipt(hash)?;
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
            let output = if wants_output && created.is_none() {
                // Receipts carry no return data either: replay on the state before the block.
                let block = quantity(&receipt, "blockNumber")?.saturating_sub(1);
                let data = self.request("eth_call", json!([request, format!("{block:#x}")]))?;
                serde_json::from_value(data).context("`eth_call` returned no bytes")?
            } else {
                Bytes::new()
            };
            (output, code_size)
        } else {
            // Receipts carry no revert data: replay the call on the state before the block.
            let block = quantity(&receipt, "blockNumber")?.saturating_sub(1);
            let data = match self.client.call("eth_call", json!([request, format!("{block:#x}")])) {
                Ok(_) => Bytes::new(),
                Err(error) => error.revert_data().unwrap_or_default(),
            };
            (data, None)
        };
        let frame = if self.trace_mined {
            match self.client.call("debug_traceTransaction", json!([hash, {"tracer": "callTracer"}])) {
                Ok(frame) => Some(frame),
                // Offered, but not with the call tracer (a node may know only its own tracer).
                Err(RpcError::Node { message, .. }) => {
                    self.trace_mined = false;
                    self.notes.push(format!(
                        "`debug_traceTransaction` with the call tracer failed on `{}` ({message}): from then on, a transaction that uses its whole gas limit is still flagged, but not one in which a frame halts after using all the gas forwarded to it",
                        self.client.display_url()
                    ));
                    None
                }
                Err(error) => return Err(error.into()),
            }
        } else {
            None
        };
        let depends_on_limit = match frame.as_ref().and_then(halted_frame) {
            Some(halt) => {
                // The state the transaction ran on: the block before its own, as a development
                // node mines one transaction per block.
                let block = quantity(&receipt, "blockNumber")?.saturating_sub(1);
                self.moves_with_limit(tx, gas_used, success, &json!(format!("{block:#x}")), None)
                    .then_some(halt)
            }
            None => None,
        };
        Ok(TxOutcome {
            gas_used,
            success,
            output,
            halt: None,
            created: created.filter(|_| success),
            code_size,
            method: GasMethod::Execution,
            attribution: None,
            bounds: None,
            depends_on_limit,
        })
    }

    /// Whether a transaction in which a frame halted gives another figure at a lower limit, as
    /// the embedded EVM decides it (see `revm::depends_on_limit`): a `debug_traceCall` on the
    /// same state at a limit halfway between what it needed and its own. Receipts do not give
    /// the gas before refunds, so what it needed is taken at its largest (refunds are at most a
    /// fifth of it). A re-run the node refuses counts as a change.
    fn moves_with_limit(
        &self,
        tx: &TxRequest,
        gas_used: u64,
        success: bool,
        block: &Value,
        overrides: Option<Value>,
    ) -> bool {
        let needed = gas_used.saturating_add(gas_used / 4).min(tx.gas_limit);
        let lower = needed + (tx.gas_limit - needed) / 2;
        if lower >= tx.gas_limit {
            return true;
        }
        let mut request = call_object(tx);
        request["gas"] = json!(format!("{lower:#x}"));
        let mut options = json!({"tracer": "callTracer"});
        if let Some(overrides) = overrides {
            options["stateOverrides"] = overrides;
        }
        match self.client.call("debug_traceCall", json!([request, block, options])) {
            Ok(frame) => {
                let rerun_success = frame.get("error").is_none_or(Value::is_null);
                quantity(&frame, "gasUsed").ok() != Some(gas_used) || rerun_success != success
            }
            Err(_) => true,
        }
    }

    fn send_signed(&mut self, tx: &TxRequest) -> anyhow::Result<TxOutcome> {
        let Mode::Send { signer, .. } = &self.mode else { bail!("not in send mode") };
        if tx.from != signer.address() {
            bail!(
                "the step sends from `{}`, but `--send` signs for `{}` only\n\nhint: set `from = \"{}\"` on the steps, or use a development node",
                tx.from.to_checksum(None),
                signer.address().to_checksum(None),
                signer.address().to_checksum(None)
            );
        }
        let request = call_object(tx);
        let terms = self.send_terms(tx)?;
        let Mode::Send { signer, chain_id, nonce } = &self.mode else { bail!("not in send mode") };
        let unsigned = TxEip1559 {
            chain_id: *chain_id,
            nonce: *nonce,
            gas_limit: terms.gas_limit,
            max_fee_per_gas: terms.max_fee_per_gas,
            max_priority_fee_per_gas: terms.max_priority_fee_per_gas,
            to: tx.to.map_or(TxKind::Create, TxKind::Call),
            value: tx.value,
            access_list: Default::default(),
            input: tx.input.clone(),
        };
        let signature = signer
            .sign_hash_sync(&unsigned.signature_hash())
            .map_err(|error| anyhow!("failed to sign the transaction: {error}"))?;
        let raw = TxEnvelope::from(unsigned.into_signed(signature)).encoded_2718();
        let hash = self.request("eth_sendRawTransaction", json!([Bytes::from(raw)]))?;
        if let Mode::Send { nonce, .. } = &mut self.mode {
            *nonce += 1;
        }
        self.sent.push(
            serde_json::from_value(hash.clone()).with_context(|| {
                format!("`eth_sendRawTransaction` returned no transaction hash: `{hash}`")
            })?,
        );
        self.mined(&hash, tx, &request)
    }

    /// What `--send` would offer for `tx`: its gas limit (the node's estimate with a quarter more,
    /// at most the step's own limit, which a reverting step keeps) and fees (twice the latest
    /// base fee plus the node's suggested tip). The sender's balance must cover
    /// `gas_limit × max_fee_per_gas` plus the value for the node to accept the transaction.
    pub fn send_terms(&self, tx: &TxRequest) -> anyhow::Result<SendTerms> {
        let latest = self.request("eth_getBlockByNumber", json!(["latest", false]))?;
        let base_fee = latest
            .get("baseFeePerGas")
            .and_then(Value::as_str)
            .map_or(Ok(0), |_| quantity(&latest, "baseFeePerGas"))?;
        let tip = match self.client.call("eth_maxPriorityFeePerGas", json!([])) {
            Ok(value) => quantity_value(&value, "eth_maxPriorityFeePerGas")?,
            // Not every node suggests a tip; 1 gwei is the common default of wallets.
            Err(_) => 1_000_000_000,
        };
        // The limit only has to be enough: the estimate with a margin spares the sender's
        // balance a reservation for the whole block.
        let mut estimate_request = call_object(tx);
        if let Some(object) = estimate_request.as_object_mut() {
            object.remove("gas");
        }
        let gas_limit = match self.client.call("eth_estimateGas", json!([estimate_request])) {
            Ok(value) => (quantity_value(&value, "eth_estimateGas")?.saturating_mul(5) / 4).min(tx.gas_limit),
            Err(_) => tx.gas_limit,
        };
        Ok(SendTerms {
            gas_limit,
            max_fee_per_gas: u128::from(base_fee) * 2 + u128::from(tip),
            max_priority_fee_per_gas: u128::from(tip),
        })
    }

    /// The address `--send` signs for; `None` in the other modes.
    pub fn sender(&self) -> Option<Address> {
        match &self.mode {
            Mode::Send { signer, .. } => Some(signer.address()),
            _ => None,
        }
    }

    /// `address`'s balance at the node's latest block, in wei.
    pub fn balance(&self, address: Address) -> anyhow::Result<U256> {
        let value = self.request("eth_getBalance", json!([address, "latest"]))?;
        serde_json::from_value(value.clone())
            .with_context(|| format!("`eth_getBalance` is not a quantity: `{value}`"))
    }

    /// The hashes of the transactions `--send` has sent so far, in order.
    pub fn sent_transactions(&self) -> &[B256] {
        &self.sent
    }

    fn trace(&mut self, tx: &TxRequest) -> anyhow::Result<TxOutcome> {
        let Mode::Trace { overrides } = &mut self.mode else { bail!("not in trace mode") };
        let request = call_object(tx);
        let options = |tracer: Value| {
            let mut options = tracer;
            options["stateOverrides"] = overrides.to_json();
            json!([request, "latest", options])
        };
        let calls = [
            Call::new("debug_traceCall", options(json!({"tracer": "callTracer"}))),
            Call::new(
                "debug_traceCall",
                options(json!({"tracer": "prestateTracer", "tracerConfig": {"diffMode": true}})),
            ),
        ];
        let mut results = self.client.call_many(&calls)?.into_iter();
        let (Some(frame), Some(diff)) = (results.next(), results.next()) else {
            bail!("`debug_traceCall` on `{}` gave no answer", self.client.display_url());
        };
        let (frame, diff) = (frame?, diff?);
        let gas_used = quantity(&frame, "gasUsed").context("the call tracer's top frame")?;
        let success = frame.get("error").is_none_or(Value::is_null);
        // The tracer says `execution reverted` for a revert; anything else is a halt, in words.
        let halt = frame
            .get("error")
            .and_then(Value::as_str)
            .filter(|error| !error.starts_with("execution reverted"))
            .map(str::to_owned);
        let output: Bytes =
            frame.get("output").and_then(|o| serde_json::from_value(o.clone()).ok()).unwrap_or_default();
        let created = (success && tx.to.is_none())
            .then(|| frame.get("to").and_then(|to| serde_json::from_value::<Address>(to.clone()).ok()))
            .flatten();
        // Checked on the state before the step, so before its writes join the overrides.
        let depends_on_limit = match halted_frame(&frame) {
            Some(halt) => {
                let before = Some(overrides.to_json());
                self.moves_with_limit(tx, gas_used, success, &json!("latest"), before).then_some(halt)
            }
            None => None,
        };
        let Mode::Trace { overrides } = &mut self.mode else { bail!("not in trace mode") };
        overrides.apply_diff(&diff).context("the prestate tracer's diff")?;
        let code_size = created.map(|address| overrides.code_len(address).unwrap_or(output.len()) as u64);
        Ok(TxOutcome {
            gas_used,
            success,
            output: if success && !tx.wants_output { Bytes::new() } else { output },
            halt,
            created,
            code_size,
            method: GasMethod::Trace,
            attribution: None,
            bounds: None,
            depends_on_limit,
        })
    }

    fn estimate(&mut self, tx: &TxRequest) -> anyhow::Result<TxOutcome> {
        let display_url = self.client.display_url().to_owned();
        let Mode::Estimate { overrides, created } = &self.mode else { bail!("not in estimate mode") };
        if let Some(to) = tx.to.filter(|to| created.contains(to)) {
            bail!(
                "the step calls `{}`, deployed by an earlier step, but `{display_url}` cannot carry state from one step to the next (it offers no `debug_traceCall`)\n\nhint: profile against a node with `debug_traceCall` or a development node, or pass `--send`",
                to.to_checksum(None)
            );
        }
        // Only nonces carry over: every step still counts for the sender, so deployments land
        // where they would in sequence.
        let nonce = match overrides.nonce(tx.from) {
            Some(nonce) => nonce,
            None => quantity_value(
                &self.request("eth_getTransactionCount", json!([tx.from, "latest"]))?,
                "eth_getTransactionCount",
            )?,
        };
        let mut overrides = overrides.clone();
        overrides.accounts.entry(tx.from).or_default().nonce = Some(nonce);
        let request = call_object(tx);
        let params = json!([request, "latest", overrides.to_json()]);
        let gas_used = match self.client.call("eth_estimateGas", params) {
            Ok(value) => quantity_value(&value, "eth_estimateGas")?,
            Err(error) if error.revert_data().is_some() || error.to_string().contains("revert") => {
                bail!(
                    "the transaction reverts, and `eth_estimateGas` gives no gas for a reverting transaction\n\nhint: profile against a node with `debug_traceCall` or a development node, or pass `--send`"
                );
            }
            Err(error) => return Err(error.into()),
        };
        let (created_address, code_size) = match tx.to {
            Some(_) => (None, None),
            None => {
                // `eth_call` of init code returns the runtime code it would deploy.
                let code = self.request("eth_call", json!([request, "latest", overrides.to_json()]))?;
                let code: Bytes = serde_json::from_value(code).unwrap_or_default();
                (Some(tx.from.create(nonce)), Some(code.len() as u64))
            }
        };
        overrides.accounts.entry(tx.from).or_default().nonce = Some(nonce + 1);
        if let Mode::Estimate { overrides: kept, created } = &mut self.mode {
            *kept = overrides;
            created.extend(created_address);
        }
        Ok(TxOutcome {
            gas_used,
            success: true,
            output: Bytes::new(),
            halt: None,
            created: created_address,
            code_size,
            method: GasMethod::Estimate,
            attribution: None,
            bounds: None,
            depends_on_limit: None,
        })
    }
}

/// The first frame of a call tracer's tree that halted (its `error` is anything but a revert),
/// with the tracer's words for it.
fn halted_frame(frame: &Value) -> Option<String> {
    if let Some(error) = frame.get("error").and_then(Value::as_str)
        && !error.starts_with("execution reverted")
    {
        // The embedded EVM's words for the common halts; the tracer's (geth's or revm's) else.
        let words = match error {
            "out of gas" | "OutOfGas" => halt_words::OUT_OF_GAS,
            "invalid opcode: INVALID" | "InvalidFEOpcode" => halt_words::INVALID,
            "contract address collision" | "CreateCollision" => halt_words::COLLISION,
            other => other,
        };
        return Some(words.to_owned());
    }
    frame.get("calls").and_then(Value::as_array)?.iter().find_map(halted_frame)
}

/// Is `debug_traceCall` with the call tracer offered? Probed with an empty call.
fn supports_trace(client: &RpcClient) -> anyhow::Result<bool> {
    let probe = json!([{"from": Address::ZERO, "to": Address::ZERO}, "latest", {"tracer": "callTracer"}]);
    match client.call("debug_traceCall", probe) {
        Ok(_) => Ok(true),
        Err(RpcError::Node { .. } | RpcError::Refused { .. }) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// A transaction as the `eth_call` family takes it.
fn call_object(tx: &TxRequest) -> Value {
    let mut request = json!({
        "from": tx.from,
        "value": format!("{:#x}", tx.value),
        "input": tx.input,
        "gas": format!("{:#x}", tx.gas_limit),
    });
    if let Some(to) = tx.to {
        request["to"] = json!(to);
    }
    request
}

fn quantity(value: &Value, field: &str) -> anyhow::Result<u64> {
    let found = value.get(field).ok_or_else(|| anyhow!("no `{field}` in the node's answer"))?;
    quantity_value(found, field)
}

fn quantity_value(value: &Value, what: &str) -> anyhow::Result<u64> {
    let text = value.as_str().ok_or_else(|| anyhow!("`{what}` is not a quantity: `{value}`"))?;
    u64::from_str_radix(text.trim_start_matches("0x"), 16)
        .map_err(|_| anyhow!("`{what}` is not a quantity: `{text}`"))
}

impl Chain for RpcChain {
    fn code_len(&mut self, address: Address) -> anyhow::Result<usize> {
        if let Mode::Trace { overrides } | Mode::Estimate { overrides, .. } = &self.mode
            && let Some(len) = overrides.code_len(address)
        {
            return Ok(len);
        }
        if let Mode::Estimate { created, .. } = &self.mode
            && created.contains(&address)
        {
            return Ok(1);
        }
        let code = self.request("eth_getCode", json!([address, "latest"]))?;
        let code: Bytes = serde_json::from_value(code).context("`eth_getCode` returned no bytes")?;
        Ok(code.len())
    }

    fn begin_scenario(&mut self, balances: &[(Address, U256)]) -> anyhow::Result<()> {
        match &mut self.mode {
            Mode::Dev { snapshot, impersonated, .. } => {
                impersonated.clear();
                let previous = snapshot.take();
                if let Some(previous) = previous {
                    let reverted = self.request("evm_revert", json!([previous]))?;
                    if reverted != Value::Bool(true) {
                        bail!("`evm_revert` on `{}` did not restore the snapshot", self.client.display_url());
                    }
                }
                let taken = self.request("evm_snapshot", json!([]))?;
                if let Mode::Dev { snapshot, .. } = &mut self.mode {
                    *snapshot = Some(taken);
                }
                for (address, balance) in balances {
                    self.set_balance(*address, *balance)?;
                }
            }
            Mode::Send { .. } => {}
            Mode::Trace { overrides } => *overrides = Overrides::with_balances(balances),
            Mode::Estimate { overrides, created } => {
                *overrides = Overrides::with_balances(balances);
                created.clear();
            }
        }
        Ok(())
    }

    fn execute(&mut self, tx: &TxRequest) -> anyhow::Result<TxOutcome> {
        match self.mode {
            Mode::Dev { .. } => {
                self.impersonate(tx.from)?;
                let request = call_object(tx);
                let hash = self.request("eth_sendTransaction", json!([request.clone()]))?;
                self.mined(&hash, tx, &request)
            }
            Mode::Send { .. } => self.send_signed(tx),
            Mode::Trace { .. } => self.trace(tx),
            Mode::Estimate { .. } => self.estimate(tx),
        }
    }
}

/// State overrides (the `stateOverrides` of `debug_traceCall`, the third parameter of
/// `eth_estimateGas`): per account, fields that replace the node's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Overrides {
    accounts: BTreeMap<Address, AccountOverride>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct AccountOverride {
    balance: Option<U256>,
    nonce: Option<u64>,
    code: Option<Bytes>,
    /// Slots that replace the node's; the others keep the node's values.
    storage: BTreeMap<B256, B256>,
}

impl Overrides {
    fn with_balances(balances: &[(Address, U256)]) -> Self {
        let accounts = balances
            .iter()
            .map(|(address, balance)| {
                (*address, AccountOverride { balance: Some(*balance), ..Default::default() })
            })
            .collect();
        Self { accounts }
    }

    fn nonce(&self, address: Address) -> Option<u64> {
        self.accounts.get(&address).and_then(|account| account.nonce)
    }

    fn code_len(&self, address: Address) -> Option<usize> {
        self.accounts.get(&address).and_then(|account| account.code.as_ref()).map(|code| code.len())
    }

    fn to_json(&self) -> Value {
        let mut object = serde_json::Map::new();
        for (address, account) in &self.accounts {
            let mut entry = serde_json::Map::new();
            if let Some(balance) = account.balance {
                entry.insert("balance".into(), json!(format!("{balance:#x}")));
            }
            if let Some(nonce) = account.nonce {
                entry.insert("nonce".into(), json!(format!("{nonce:#x}")));
            }
            if let Some(code) = &account.code {
                entry.insert("code".into(), json!(code));
            }
            if !account.storage.is_empty() {
                entry.insert("stateDiff".into(), json!(account.storage));
            }
            object.insert(address.to_checksum(None), Value::Object(entry));
        }
        Value::Object(object)
    }

    /// Folds a `prestateTracer` diff (`{"pre": …, "post": …}`) in. In diff mode, `post` holds
    /// only what changed, and a slot that was cleared is in `pre` and missing from `post`.
    fn apply_diff(&mut self, diff: &Value) -> anyhow::Result<()> {
        let empty = serde_json::Map::new();
        let post = diff.get("post").and_then(Value::as_object).unwrap_or(&empty);
        let pre = diff.get("pre").and_then(Value::as_object).unwrap_or(&empty);
        for (address, after) in post {
            let address: Address = address.parse().map_err(|_| anyhow!("`{address}` is not an address"))?;
            let account = self.accounts.entry(address).or_default();
            if let Some(balance) = after.get("balance") {
                account.balance = Some(
                    serde_json::from_value(balance.clone())
                        .map_err(|_| anyhow!("bad balance `{balance}`"))?,
                );
            }
            if let Some(nonce) = after.get("nonce") {
                account.nonce = Some(nonce.as_u64().map_or_else(|| quantity_value(nonce, "nonce"), Ok)?);
            }
            if let Some(code) = after.get("code") {
                account.code =
                    Some(serde_json::from_value(code.clone()).map_err(|_| anyhow!("bad code `{code}`"))?);
            }
            if let Some(storage) = after.get("storage").and_then(Value::as_object) {
                for (slot, value) in storage {
                    account
                        .storage
                        .insert(parse_word(slot)?, parse_word(value.as_str().unwrap_or_default())?);
                }
            }
        }
        for (address, before) in pre {
            let Some(storage) = before.get("storage").and_then(Value::as_object) else { continue };
            let after = post.get(address).and_then(|after| after.get("storage")).and_then(Value::as_object);
            let address: Address = address.parse().map_err(|_| anyhow!("`{address}` is not an address"))?;
            for slot in storage.keys() {
                if after.is_none_or(|after| !after.contains_key(slot)) {
                    self.accounts.entry(address).or_default().storage.insert(parse_word(slot)?, B256::ZERO);
                }
            }
        }
        Ok(())
    }
}

fn parse_word(text: &str) -> anyhow::Result<B256> {
    let digits = text.strip_prefix("0x").ok_or_else(|| anyhow!("`{text}` is not a hex word"))?;
    let value = U256::from_str_radix(if digits.is_empty() { "0" } else { digits }, 16)
        .map_err(|_| anyhow!("`{text}` is not a hex word"))?;
    Ok(B256::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prestate_diffs_become_overrides() {
        let mut overrides = Overrides::with_balances(&[(Address::repeat_byte(1), U256::from(10))]);
        // Shaped like anvil's answer: slot 1 written, slot 2 cleared, the sender's nonce bumped.
        let diff = json!({
            "post": {
                "0x2222222222222222222222222222222222222222": {"storage": {"0x0000000000000000000000000000000000000000000000000000000000000001": "0x0000000000000000000000000000000000000000000000000000000000000001"}},
                "0x0101010101010101010101010101010101010101": {"nonce": 6}
            },
            "pre": {
                "0x2222222222222222222222222222222222222222": {"balance": "0x0", "code": "0x6000", "storage": {"0x0000000000000000000000000000000000000000000000000000000000000002": "0x0000000000000000000000000000000000000000000000000000000000000007"}},
                "0x0101010101010101010101010101010101010101": {"balance": "0xa", "nonce": 5}
            }
        });
        overrides.apply_diff(&diff).unwrap();
        let json = overrides.to_json();
        let contract = &json["0x2222222222222222222222222222222222222222"];
        assert_eq!(
            contract["stateDiff"],
            json!({
                "0x0000000000000000000000000000000000000000000000000000000000000001": "0x0000000000000000000000000000000000000000000000000000000000000001",
                "0x0000000000000000000000000000000000000000000000000000000000000002": "0x0000000000000000000000000000000000000000000000000000000000000000"
            })
        );
        assert!(contract.get("code").is_none(), "code that did not change is not overridden");
        let sender = &json["0x0101010101010101010101010101010101010101"];
        assert_eq!(sender["nonce"], "0x6");
        assert_eq!(sender["balance"], "0xa");
    }

    /// The call tracer's tree is searched at any depth; a revert is not a halt; the common halts
    /// read as the embedded EVM says them.
    #[test]
    fn halted_frames_are_found_in_the_call_tree() {
        let reverted = json!({"error": "execution reverted", "calls": [{"type": "CALL"}]});
        assert_eq!(halted_frame(&reverted), None);
        let nested = json!({"calls": [
            {"type": "CALL", "error": "execution reverted"},
            {"type": "CALL", "calls": [{"type": "CREATE2", "error": "CreateCollision"}]},
            {"type": "CALL", "error": "out of gas"},
        ]});
        assert_eq!(halted_frame(&nested).as_deref(), Some(halt_words::COLLISION));
        let unusual = json!({"calls": [{"error": "stack underflow (0 <=> 1)"}]});
        assert_eq!(halted_frame(&unusual).as_deref(), Some("stack underflow (0 <=> 1)"));
        let invalid = json!({"error": "invalid opcode: INVALID"});
        assert_eq!(halted_frame(&invalid).as_deref(), Some(halt_words::INVALID));
    }
}
