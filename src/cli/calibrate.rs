//! `gasguard calibrate --rpc-url URL`: one probe pair per documented Somnia rule, run on a node
//! through the node executor and in the embedded EVM under both schedules. Each pair differs by
//! exactly one priced operation, so the difference of the pair's figures is that operation's
//! price there, whatever the node charges for calldata, dispatch and memory. The table says, per
//! rule, which schedule the node follows.
//!
//! Probes are init code run by a deployment (nothing is called afterwards); on a development
//! node they are sent, elsewhere simulated (`debug_traceCall`, else `eth_estimateGas`), as the
//! node executor does for `gasguard run --executor rpc`.

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

use super::ExitStatus;

#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// The node to calibrate against (Somnia's testnet: `https://dream-rpc.somnia.network`).
    #[arg(long)]
    pub rpc_url: String,
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
    ]
}

/// `b`'s gas minus `a`'s on `chain`.
fn difference(chain: &mut dyn Chain, probe: &Probe) -> anyhow::Result<i128> {
    let mut gas = |code: &[u8]| -> anyhow::Result<i128> {
        chain.begin_scenario(&[(PROBER, U256::from(10u128.pow(20)))])?;
        let outcome = chain.execute(&TxRequest {
            from: PROBER,
            to: None,
            value: U256::ZERO,
            input: code.to_vec().into(),
            gas_limit: GAS_LIMIT,
            wants_output: false,
        })?;
        anyhow::ensure!(outcome.success, "a probe of `{}` failed: {:?}", probe.rule, outcome.halt);
        Ok(i128::from(outcome.gas_used))
    };
    Ok(gas(&probe.b)? - gas(&probe.a)?)
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
    let mut node = RpcChain::connect_with(&args.rpc_url, &shown, NodeOptions { signer: None })
        .with_context(|| format!("calibrate: could not use the node `{shown}`"))?;
    for note in node.take_notes() {
        printer.warn(&note);
    }
    let embedded =
        |schedule| RevmChain::empty(SpecId::PRAGUE, 31337, BlockSettings::default()).with_schedule(schedule);
    let (mut somnia, mut ethereum) = (embedded(GasSchedule::Somnia), embedded(GasSchedule::Ethereum));
    let mut rows = Vec::new();
    for probe in probes() {
        let expected = difference(&mut somnia, &probe)?;
        let ethereum_price = difference(&mut ethereum, &probe)?;
        let observed = difference(&mut node, &probe)
            .with_context(|| format!("calibrate: the probe of `{}` on `{shown}`", probe.rule))?;
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
    println!("{}", line(header).trim_end());
    for row in &rows {
        println!("{}", line([&row[0], &row[1], &row[2], &row[3]]).trim_end());
    }
    Ok(ExitStatus::Success)
}
