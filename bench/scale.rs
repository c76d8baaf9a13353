//! The scaling benchmark (issue 13), in one run, side by side:
//!
//! 1. **Per core.** A Ledger-style workload: a token deployed by one of 10 funded accounts, which
//!    hands tokens to the 9 others, then 9,990 `transfer`s between every ordered pair of them:
//!    10,000 transactions in one scenario. gasguard's whole process (`gasguard run --jobs 1`, a
//!    release build: start-up, config, artifacts, plan, execution, report) is timed in CPU
//!    seconds with `/usr/bin/time`; raw revm executes the same transactions in this process,
//!    built with the same revm features (this bench links the same revm as gasguard). The gas of
//!    both is asserted equal, transaction by transaction, so the work is the same.
//! 2. **Every core, shards.** A generated suite of 40 such scenarios (50,800 transactions):
//!    `--jobs 1` against `--jobs 2` (whole-process wall time and peak RSS), then four shards and
//!    the time of `gasguard merge`, whose output is asserted equal to the full report.
//!
//! Run with `cargo bench --bench scale` (it builds the release binary first, unless
//! `GASGUARD_BIN` names the gasguard binary to measure). Figures go in `bench/README.md` with the
//! machine's load. Two other modes serve a profiler (callgrind), one side at a time:
//! `scale write DIR` writes the Ledger workload (`ledger.toml`) and the suite (`gasguard.toml`)
//! into DIR, and `scale raw` only runs the raw-revm side once.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use alloy::dyn_abi::{DynSolValue, JsonAbiExt};
use alloy::json_abi::JsonAbi;
use alloy::primitives::{Address, Bytes, U256, hex};
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::context_interface::result::ExecutionResult;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::state::AccountInfo;
use revm::{ExecuteCommitEvm, MainBuilder};

const ACCOUNTS: usize = 10;

type RawEvm = revm::MainnetEvm<Context<BlockEnv, TxEnv, CfgEnv, CacheDB<EmptyDB>>>;

fn account(index: usize) -> Address {
    Address::with_last_byte(0x10 + index as u8)
}

/// The Ledger workload's transactions after the deployment: (from, to, amount, repeat).
fn moves(repeat: u32) -> Vec<(usize, usize, u64, u32)> {
    let mut moves: Vec<(usize, usize, u64, u32)> = (1..ACCOUNTS).map(|to| (0, to, 1_000_000, 1)).collect();
    for from in 0..ACCOUNTS {
        for to in 0..ACCOUNTS {
            if from != to {
                moves.push((from, to, 1, repeat));
            }
        }
    }
    moves
}

/// A config with `scenarios` Ledger scenarios, each pair of accounts moving tokens `repeat` times.
fn ledger_config(artifacts: &Path, scenarios: usize, repeat: u32) -> String {
    let mut config =
        format!("artifacts = {:?}\n\n[evm]\nspec = \"prague\"\n\n[accounts]\n", artifacts.to_str().unwrap());
    for index in 0..ACCOUNTS {
        config.push_str(&format!("a{index} = \"{}\"\n", account(index)));
    }
    let fund: Vec<String> = (0..ACCOUNTS).map(|index| format!("a{index} = \"1 ether\"")).collect();
    for scenario in 0..scenarios {
        config.push_str(&format!(
            "\n[[scenario]]\nname = \"ledger {scenario}\"\nfund = {{ {} }}\n\n[[scenario.step]]\ndeploy = \"contracts/Token.sol:Token\"\nas = \"token\"\nargs = [\"Ledger\", \"LDG\", \"1000000000\"]\nfrom = \"a0\"\n",
            fund.join(", ")
        ));
        for (from, to, amount, repeat) in moves(repeat) {
            config.push_str(&format!(
                "\n[[scenario.step]]\ncall = \"token\"\nfunction = \"transfer(address,uint256)\"\nargs = [\"a{to}\", \"{amount}\"]\nfrom = \"a{from}\"\nrepeat = {repeat}\n"
            ));
        }
    }
    config
}

/// The CPU time this thread has used (the scheduler's figure, in nanoseconds), so that a loaded
/// machine does not inflate the raw side; `None` where the kernel does not say.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(text.split_whitespace().next()?.parse().ok()?))
}

/// Raw revm over an empty state: the Ledger scenario's transactions, in process. Returns the CPU
/// time of the run (its wall time where the CPU time is not available) and each transaction's
/// gas.
fn raw_revm(artifacts: &Path, repeat: u32) -> (Duration, Vec<u64>) {
    let text = std::fs::read_to_string(artifacts.join("Token.sol/Token.json")).unwrap();
    let artifact: serde_json::Value = serde_json::from_str(&text).unwrap();
    let abi: JsonAbi = serde_json::from_value(artifact["abi"].clone()).unwrap();
    let code = hex::decode(artifact["bytecode"]["object"].as_str().unwrap()).unwrap();
    let constructor = abi.constructor.as_ref().unwrap();
    let args = [
        DynSolValue::String("Ledger".into()),
        DynSolValue::String("LDG".into()),
        DynSolValue::Uint(U256::from(1_000_000_000u64), 256),
    ];
    let mut init = code.clone();
    init.extend(constructor.abi_encode_input(&args).unwrap());
    let transfer = abi.function("transfer").unwrap()[0].clone();

    let start = (Instant::now(), thread_cpu());
    let mut db = CacheDB::new(EmptyDB::new());
    for index in 0..ACCOUNTS {
        db.insert_account_info(
            account(index),
            AccountInfo { balance: U256::from(10u128.pow(18)), ..Default::default() },
        );
    }
    let mut evm = Context::<BlockEnv, TxEnv, CfgEnv, CacheDB<EmptyDB>>::new(db, SpecId::PRAGUE)
        .modify_cfg_chained(|cfg: &mut CfgEnv| cfg.chain_id = 31337)
        .modify_block_chained(|block: &mut BlockEnv| {
            block.number = U256::from(1);
            block.timestamp = U256::from(1);
            block.gas_limit = 30_000_000;
        })
        .build_mainnet();
    let mut nonces = [0u64; ACCOUNTS];
    let mut gas = Vec::new();
    let mut execute = |evm: &mut RawEvm,
                       from: usize,
                       to: Option<Address>,
                       input: Bytes,
                       gas: &mut Vec<u64>|
     -> Option<Address> {
        let mut tx = TxEnv::builder()
            .caller(account(from))
            .nonce(nonces[from])
            .data(input)
            .gas_limit(16_777_216)
            .gas_price(0)
            .chain_id(Some(31337));
        tx = match to {
            Some(to) => tx.call(to),
            None => tx.create(),
        };
        nonces[from] += 1;
        let result = evm.transact_commit(tx.build().unwrap()).unwrap();
        gas.push(result.gas().tx_gas_used());
        match result {
            ExecutionResult::Success { output, .. } => output.address().copied(),
            other => panic!("the raw run failed: {other:?}"),
        }
    };
    let token = execute(&mut evm, 0, None, init.into(), &mut gas).unwrap();
    for (from, to, amount, repeat) in moves(repeat) {
        let input: Bytes = transfer
            .abi_encode_input(&[
                DynSolValue::Address(account(to)),
                DynSolValue::Uint(U256::from(amount), 256),
            ])
            .unwrap()
            .into();
        for _ in 0..repeat {
            execute(&mut evm, from, Some(token), input.clone(), &mut gas);
        }
    }
    let time = match (start.1, thread_cpu()) {
        (Some(before), Some(after)) => after.saturating_sub(before),
        _ => start.0.elapsed(),
    };
    (time, gas)
}

/// What `/usr/bin/time` says about one gasguard process.
#[derive(Debug, Clone, Copy)]
struct Measured {
    cpu: Duration,
    wall: Duration,
    rss_kib: u64,
}

/// The gasguard binary measured: `GASGUARD_BIN`, or the release build.
fn binary() -> PathBuf {
    match std::env::var_os("GASGUARD_BIN") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/gasguard"),
    }
}

/// One gasguard process: its CPU time (user + system) and wall time from bash's `time`, which
/// reads the child's resource usage to the millisecond (`/usr/bin/time` rounds to 10 ms, a
/// quarter of the Ledger run), then its peak RSS from `/usr/bin/time` in a second, identical run.
fn gasguard(dir: &Path, args: &[&str]) -> Measured {
    let binary = binary();
    let run = |script: &str| {
        let output = Command::new("bash")
            .args(["-c", script, "bash"])
            .arg(&binary)
            .args(args)
            .arg("--quiet")
            .current_dir(dir)
            .output()
            .expect("bash runs");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "gasguard {args:?} failed: {stderr}");
        stderr
    };
    let fields = |stderr: &str, tag: &str| -> Vec<f64> {
        let line = stderr.lines().rev().find(|line| line.starts_with(tag)).unwrap();
        line[tag.len()..].split(' ').map(|field| field.parse().unwrap()).collect()
    };
    let times = fields(&run("TIMEFORMAT='TIME %3U %3S %3R'; time \"$@\""), "TIME ");
    let rss = fields(&run("/usr/bin/time -f 'RSS %M' \"$@\""), "RSS ");
    Measured {
        cpu: Duration::from_secs_f64(times[0] + times[1]),
        wall: Duration::from_secs_f64(times[2]),
        rss_kib: rss[0] as u64,
    }
}

fn best(runs: usize, mut measure: impl FnMut() -> Measured) -> Measured {
    (0..runs).map(|_| measure()).min_by_key(|measured| measured.cpu).unwrap()
}

/// How many `--jobs 1` / `--jobs 2` pairs the suite runs.
const PAIRS: usize = 11;

/// How much faster the pair's `--jobs 2` run was than its `--jobs 1` run, in wall time.
fn ratio(pair: &(Measured, Measured)) -> f64 {
    pair.0.wall.as_secs_f64() / pair.1.wall.as_secs_f64()
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let artifacts = root.join("fixtures/artifacts/foundry/out");
    // `cargo bench` passes `--bench`; the modes are the other arguments.
    let args: Vec<String> = std::env::args().skip(1).filter(|arg| arg != "--bench").collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["write", dir] => {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(Path::new(dir).join("ledger.toml"), ledger_config(&artifacts, 1, 111)).unwrap();
            std::fs::write(Path::new(dir).join("gasguard.toml"), ledger_config(&artifacts, 40, 14)).unwrap();
            return;
        }
        ["raw"] => {
            let (time, gas) = raw_revm(&artifacts, 111);
            println!("raw revm: {} transactions in {}", gas.len(), ms(time));
            return;
        }
        [] => {}
        other => panic!("unknown arguments {other:?}: expected none, `write DIR` or `raw`"),
    }
    if std::env::var_os("GASGUARD_BIN").is_none() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--release", "--bin", "gasguard"])
            .current_dir(root)
            .status();
        assert!(status.is_ok_and(|status| status.success()), "the release build failed");
    }
    let dir = tempfile::tempdir().unwrap();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {} cores, load average {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        load.trim()
    );

    // 1. Per core: like with like (raw revm runs no inspector) is `--no-attribution`; the
    // default, with attribution, beside it.
    std::fs::write(dir.path().join("ledger.toml"), ledger_config(&artifacts, 1, 111)).unwrap();
    let bare = best(3, || {
        gasguard(
            dir.path(),
            &["run", "--jobs", "1", "--no-attribution", "--config", "ledger.toml", "--out", "ledger.json"],
        )
    });
    let attributed = best(3, || {
        gasguard(dir.path(), &["run", "--jobs", "1", "--config", "ledger.toml", "--out", "attributed.json"])
    });
    let startup = best(3, || gasguard(dir.path(), &["--version"]));
    let (mut raw, mut raw_gas) = raw_revm(&artifacts, 111);
    for _ in 0..2 {
        let (time, gas) = raw_revm(&artifacts, 111);
        raw = raw.min(time);
        raw_gas = gas;
    }
    for file in ["ledger.json", "attributed.json"] {
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(file)).unwrap()).unwrap();
        let gas: Vec<u64> = report["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|call| call["gas_used"].as_u64().unwrap())
            .collect();
        assert_eq!(gas, raw_gas, "gasguard ({file}) and raw revm executed different transactions");
    }
    let size = std::fs::metadata(dir.path().join("ledger.json")).unwrap().len();
    println!("\n| run | transactions | CPU | wall | peak RSS |\n| --- | --- | --- | --- | --- |");
    for (name, measured) in [
        ("gasguard run --jobs 1 --no-attribution (whole process)", bare),
        ("gasguard run --jobs 1, attribution on (whole process)", attributed),
    ] {
        println!(
            "| {name} | {} | {} | {} | {:.1} MB |",
            raw_gas.len(),
            ms(measured.cpu),
            ms(measured.wall),
            measured.rss_kib as f64 / 1024.0
        );
    }
    println!(
        "| gasguard --version (process start-up) | 0 | {} | {} | {:.1} MB |",
        ms(startup.cpu),
        ms(startup.wall),
        startup.rss_kib as f64 / 1024.0
    );
    println!("| raw revm 43, in process (thread CPU time) | {} | {} | | |", raw_gas.len(), ms(raw));
    println!(
        "\nper core: raw revm / gasguard --no-attribution = {:.2}×, with attribution = {:.2}× (report: {:.1} MB of JSON)",
        raw.as_secs_f64() / bare.cpu.as_secs_f64(),
        raw.as_secs_f64() / attributed.cpu.as_secs_f64(),
        size as f64 / 1e6
    );

    // 2. Every core, and shards.
    std::fs::write(dir.path().join("gasguard.toml"), ledger_config(&artifacts, 40, 14)).unwrap();
    // Interleaved pairs, so that a busy minute of a shared machine hits both sides alike: the
    // best wall time of each side, and the median of the pairs' ratios.
    let mut pairs: Vec<(Measured, Measured)> = (0..PAIRS)
        .map(|_| {
            (
                gasguard(dir.path(), &["run", "--jobs", "1", "--out", "jobs-1.json"]),
                gasguard(dir.path(), &["run", "--jobs", "2", "--out", "jobs-2.json"]),
            )
        })
        .collect();
    let one = pairs.iter().map(|pair| pair.0).min_by_key(|measured| measured.wall).unwrap();
    let two = pairs.iter().map(|pair| pair.1).min_by_key(|measured| measured.wall).unwrap();
    pairs.sort_by(|a, b| ratio(a).total_cmp(&ratio(b)));
    let median = ratio(&pairs[PAIRS / 2]);
    let full = std::fs::read(dir.path().join("jobs-1.json")).unwrap();
    assert!(std::fs::read(dir.path().join("jobs-2.json")).unwrap() == full, "--jobs 2 wrote another report");
    let transactions =
        serde_json::from_slice::<serde_json::Value>(&full).unwrap()["calls"].as_array().unwrap().len();
    let mut shards = Vec::new();
    for index in 1..=4 {
        let out = format!("shard-{index}.json");
        shards.push(gasguard(
            dir.path(),
            &["run", "--jobs", "2", "--shard", &format!("{index}/4"), "--out", &out],
        ));
    }
    let files: Vec<String> = (1..=4).map(|index| format!("shard-{index}.json")).collect();
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--out", "merged.json"]);
    let merge = best(3, || gasguard(dir.path(), &args));
    assert!(std::fs::read(dir.path().join("merged.json")).unwrap() == full, "the merged report differs");
    println!(
        "\n| run ({transactions} transactions, 40 scenarios, {:.1} MB report) | wall | CPU | peak RSS |\n| --- | --- | --- | --- |",
        full.len() as f64 / 1e6
    );
    for (name, measured) in [("gasguard run --jobs 1", one), ("gasguard run --jobs 2", two)]
        .into_iter()
        .chain(
            shards
                .iter()
                .enumerate()
                .map(|(index, shard)| (["shard 1/4", "shard 2/4", "shard 3/4", "shard 4/4"][index], *shard)),
        )
        .chain([("gasguard merge (4 shards)", merge)])
    {
        println!(
            "| {name} | {} | {} | {:.1} MB |",
            ms(measured.wall),
            ms(measured.cpu),
            measured.rss_kib as f64 / 1024.0
        );
    }
    println!(
        "\n--jobs 2 / --jobs 1: {:.2}× faster (best wall against best wall of {PAIRS} interleaved pairs; the pairs' median: {median:.2}×, their range {:.2}–{:.2}×)",
        one.wall.as_secs_f64() / two.wall.as_secs_f64(),
        ratio(&pairs[0]),
        ratio(&pairs[PAIRS - 1])
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at the end: {}", load.trim());
    let _: PathBuf = dir.path().to_owned();
}
