//! `gasguard calibrate --rpc-url URL`: one probe pair per documented Somnia rule, run on a node
//! through the node executor and in the embedded EVM under both schedules. Each pair differs by
//! exactly one priced operation, so the difference of the pair's figures is that operation's
//! price there, whatever the node charges for calldata, dispatch and memory. The table says, per
//! rule, which schedule the node follows.
//!
//! Probes are init code run by a deployment (nothing is called afterwards); on a development
//! node they are sent, elsewhere simulated (`debug_traceCall`, else `eth_estimateGas`), as the
//! node executor does for `gasguard run --executor rpc`. With `--send` they are real
//! transactions signed with the key in `--private-key-env` (as `run --send` takes it), and the
//! figures are the receipts' `gasUsed`; the balance is checked against every probe's cost before
//! the first one is sent, and the hashes of what was sent go to stderr.

use alloy::primitives::utils::format_ether;
use alloy::primitives::{Address, U256};
use anyhow::Context;
use revm::primitives::hardfork::SpecId;

use crate::core::number::group_digits;
use crate::exec::revm::{BlockSettings, RevmChain};
use crate::exec::rpc::{NodeOptions, RpcChain};
use crate::exec::somnia::GasSchedule;
use crate::exec::{Chain, TxRequest};
use crate::printer::Printer;
use crate::redact::redact_url;
use crate::registry::require_signer;

use super::{ExitStatus, registry};

#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// The node to calibrate against (Somnia's testnet: `https://api.infra.testnet.somnia.network/`).
    #[arg(long)]
    pub rpc_url: String,
    /// Send the probes as real transactions, signed with the key in `--private-key-env`, and
    /// compare the receipts' gas (this spends the account's funds).
    #[arg(long)]
    pub send: bool,
    /// The environment variable holding the private key for `--send` (never printed).
    #[arg(long, value_name = "NAME", default_value = registry::DEFAULT_KEY_ENV)]
    pub private_key_env: String,
    /// Refuse to run unless the node's chain id is this one (`50312` for Somnia's testnet), as
    /// the registry commands do: a wrong `--rpc-url` with `--send` spends real funds.
    #[arg(long, value_name = "N")]
    pub chain_id: Option<u64>,
}

/// The sender of every probe: a dev node funds it, a simulation needs no funds at a zero price.
const PROBER: Address = Address::repeat_byte(0x5e);
const GAS_LIMIT: u64 = 5_000_000;
const PUSH0: u8 = 0x5f;

/// One rule: its name and the two probes (init code) whose difference isolates it.
struct Probe {
    rule: &'static str,
    a: Vec<u8>,
    b: Vec<u8>,
}

/// Init code that deploys `runtime`.
fn deployer(runtime: &[u8]) -> Vec<u8> {
    let len = u16::try_from(runtime.len()).unwrap_or(u16::MAX).to_be_bytes();
    let mut code = vec![0x61, len[0], len[1], 0x80, 0x60, 10, PUSH0, 0x39, PUSH0, 0xf3];
    code.extend_from_slice(runtime);
    code
}

/// STATICCALL(GAS, `precompile`) with no data; a failed call halts the probe.
fn static_call(precompile: u8) -> Vec<u8> {
    // …, STATICCALL, PUSH1 13, JUMPI, INVALID, INVALID, JUMPDEST (13), STOP
    vec![PUSH0, PUSH0, PUSH0, PUSH0, 0x60, precompile, 0x5a, 0xfa, 0x60, 13, 0x57, 0xfe, 0xfe, 0x5b, 0x00]
}

fn probes() -> Vec<Probe> {
    let addmod = [0x60, 7, 0x60, 5, 0x60, 3, 0x08, 0x50];
    let nothing = static_call(0x04);
    vec![
        Probe {
            rule: "LOG: one more topic",
            a: vec![PUSH0, PUSH0, PUSH0, 0xa1, 0x00],
            b: vec![PUSH0, PUSH0, PUSH0, PUSH0, 0xa2, 0x00],
        },
        Probe {
            rule: "LOG: 32 more bytes",
            a: vec![PUSH0, PUSH0, 0x52, PUSH0, PUSH0, 0xa0, 0x00],
            b: vec![PUSH0, PUSH0, 0x52, 0x60, 32, PUSH0, 0xa0, 0x00],
        },
        Probe {
            rule: "KECCAK256: 2 more words",
            a: vec![PUSH0, 0x60, 64, 0x52, 0x60, 32, PUSH0, 0x20, 0x00],
            b: vec![PUSH0, 0x60, 64, 0x52, 0x60, 96, PUSH0, 0x20, 0x00],
        },
        Probe {
            rule: "ADDMOD: 2 more",
            a: [&addmod[..], &[0x00]].concat(),
            b: [&addmod[..], &addmod, &addmod, &[0x00]].concat(),
        },
        Probe { rule: "SELFBALANCE", a: vec![0x00], b: vec![0x47, 0x50, 0x00] },
        // Identity (priced as on Ethereum) against ecRecover and SHA-256: the call itself cancels.
        Probe { rule: "ecRecover vs identity", a: nothing.clone(), b: static_call(0x01) },
        Probe { rule: "SHA-256 vs identity", a: nothing, b: static_call(0x02) },
        Probe { rule: "code deposit: 10 more bytes", a: deployer(&[0; 10]), b: deployer(&[0; 20]) },
        // CREATE of an empty contract: Ethereum's 32,000 includes the account, Somnia's docs
        // charge its 400,000 on top (the probe's pushes and POPs cost the same on both).
        Probe {
            rule: "CREATE: a new account",
            a: vec![PUSH0, PUSH0, PUSH0, 0x50, 0x50, 0x50, 0x00],
            b: vec![PUSH0, PUSH0, PUSH0, 0xf0, 0x50, 0x00],
        },
    ]
}

/// A probe's transaction: `code` deployed by `from`.
fn probe_transaction(from: Address, code: &[u8]) -> TxRequest {
    TxRequest {
        from,
        to: None,
        value: U256::ZERO,
        input: code.to_vec().into(),
        gas_limit: GAS_LIMIT,
        wants_output: false,
    }
}

/// `b`'s gas minus `a`'s on `chain`, sent from `from` with `balances` set first (where the chain
/// can set them).
fn difference(
    chain: &mut dyn Chain,
    probe: &Probe,
    from: Address,
    balances: &[(Address, U256)],
) -> anyhow::Result<i128> {
    let mut gas = |code: &[u8]| -> anyhow::Result<i128> {
        chain.begin_scenario(balances)?;
        let outcome = chain.execute(&probe_transaction(from, code))?;
        anyhow::ensure!(outcome.success, "a probe of `{}` failed: {:?}", probe.rule, outcome.halt);
        Ok(i128::from(outcome.gas_used))
    };
    Ok(gas(&probe.b)? - gas(&probe.a)?)
}

/// Before anything is sent: `sender` must hold what every probe may cost, each one's gas limit at
/// its max fee per gas, or the run would stop half way with some of it spent.
fn check_funds(node: &RpcChain, sender: Address, probes: &[Probe], shown: &str) -> anyhow::Result<()> {
    let (mut gas, mut fee) = (0u128, 0u128);
    for code in probes.iter().flat_map(|probe| [&probe.a, &probe.b]) {
        let terms = node
            .send_terms(&probe_transaction(sender, code))
            .with_context(|| format!("calibrate: estimating the probes' cost on `{shown}`"))?;
        gas += u128::from(terms.gas_limit);
        fee = fee.max(terms.max_fee_per_gas);
    }
    let needed = U256::from(gas) * U256::from(fee);
    let balance = node.balance(sender).with_context(|| {
        format!("calibrate: reading the balance of `{}` on `{shown}`", sender.to_checksum(None))
    })?;
    if balance < needed {
        anyhow::bail!(
            "calibrate: `{address}` holds {balance} wei on `{shown}`, but sending the {count} probes needs {needed} wei ({ether} in the chain's native unit): {gas} gas (the node's estimates with a quarter more) at up to {fee} wei per gas; nothing was sent\n\nhint: fund `{address}`, or run without `--send` for a dry run that spends nothing",
            address = sender.to_checksum(None),
            count = probes.len() * 2,
            ether = format_ether(needed),
            gas = group_digits(u64::try_from(gas).unwrap_or(u64::MAX)),
        );
    }
    Ok(())
}

/// What a probe's observed difference says.
fn verdict(observed: i128, somnia: i128, ethereum: i128) -> String {
    if observed == somnia {
        "Somnia pricing".to_owned()
    } else if observed == ethereum {
        "Ethereum pricing".to_owned()
    } else {
        "differs from both".to_owned()
    }
}

fn signed(value: i128) -> String {
    let digits = group_digits(u64::try_from(value.unsigned_abs()).unwrap_or(u64::MAX));
    if value < 0 { format!("-{digits}") } else { digits }
}

pub fn calibrate(args: CalibrateArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    printer.mask_url(&args.rpc_url);
    let shown = redact_url(&args.rpc_url);
    // The key is read before any request, so a missing one stops the run with nothing done.
    let signer = args
        .send
        .then(|| require_signer(&args.private_key_env, |name| std::env::var(name).ok()))
        .transpose()?;
    let mut node = RpcChain::connect_with(&args.rpc_url, &shown, NodeOptions { signer })
        .with_context(|| format!("calibrate: could not use the node `{shown}`"))?;
    let notes = node.take_notes();
    if let Some(expected) = args.chain_id {
        let actual =
            node.chain_id().with_context(|| format!("calibrate: reading the chain id of `{shown}`"))?;
        if actual != expected {
            anyhow::bail!(
                "calibrate: `{shown}` is chain {actual}, not chain {expected} (`--chain-id`); nothing was sent\n\nhint: check `--rpc-url` and `--chain-id`"
            );
        }
    }
    let probes = probes();
    let (from, balances) = match node.sender() {
        Some(sender) => {
            check_funds(&node, sender, &probes, &shown)?;
            printer.status(&format!(
                "`--send`: the {} probes are real transactions from `{}` on `{shown}`, paid from its balance",
                probes.len() * 2,
                sender.to_checksum(None)
            ));
            (sender, Vec::new())
        }
        None => {
            for note in notes {
                printer.warn(&note);
            }
            (PROBER, vec![(PROBER, U256::from(10u128.pow(20)))])
        }
    };
    let embedded =
        |schedule| RevmChain::empty(SpecId::PRAGUE, 31337, BlockSettings::default()).with_schedule(schedule);
    let (mut somnia, mut ethereum) = (embedded(GasSchedule::Somnia), embedded(GasSchedule::Ethereum));
    let embedded_balances = [(PROBER, U256::from(10u128.pow(20)))];
    let mut rows = Vec::new();
    let mut reported = 0;
    for probe in &probes {
        let expected = difference(&mut somnia, probe, PROBER, &embedded_balances)?;
        let ethereum_price = difference(&mut ethereum, probe, PROBER, &embedded_balances)?;
        let observed = difference(&mut node, probe, from, &balances);
        // What was sent is shown even when the probe failed: it was paid for.
        let sent = node.sent_transactions();
        if sent.len() > reported {
            let hashes: Vec<String> = sent[reported..].iter().map(ToString::to_string).collect();
            printer.status(&format!("sent `{}`: {}", probe.rule, hashes.join(", ")));
            reported = sent.len();
        }
        let observed =
            observed.with_context(|| format!("calibrate: the probe of `{}` on `{shown}`", probe.rule))?;
        rows.push([
            probe.rule.to_owned(),
            signed(expected),
            signed(observed),
            verdict(observed, expected, ethereum_price),
        ]);
    }
    let header = ["rule", "expected (Somnia)", "observed", "verdict"];
    let widths: Vec<usize> = (0..4)
        .map(|i| rows.iter().map(|row| row[i].chars().count()).chain([header[i].len()]).max().unwrap_or(0))
        .collect();
    let line = |cells: [&str; 4]| {
        format!(
            "{:<w0$}  {:>w1$}  {:>w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        )
    };
    let mut table = format!("{}\n", line(header).trim_end());
    for row in &rows {
        table.push_str(line([&row[0], &row[1], &row[2], &row[3]]).trim_end());
        table.push('\n');
    }
    printer.data(&table);
    Ok(ExitStatus::Success)
}
