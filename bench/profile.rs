//! The profiling benchmark: one generated suite (10 scenarios × 10 contracts, 1,100 transactions)
//! run three ways in one process, side by side:
//!
//! 1. gasguard's embedded revm executor;
//! 2. anvil over JSON-RPC the way node-based profilers do it: send a transaction, wait for its
//!    receipt, one at a time (gasguard's own `rpc` executor);
//! 3. anvil fed with batched JSON-RPC: each scenario's transactions in one batch request, then
//!    all receipts in one batch.
//!
//! It also splits the embedded run into its phases to show where the time goes. Run with
//! `cargo bench --bench profile` after `scripts/test.sh` installed anvil; figures go in
//! `bench/README.md`.

use std::path::Path;
use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use gasguard::artifacts;
use gasguard::config::Config;
use gasguard::core::report::GasReport;
use gasguard::exec::revm::{BlockSettings, RevmChain};
use gasguard::exec::rpc::RpcChain;
use gasguard::exec::{Chain, RunSettings, TxOutcome, TxRequest, run_plan};
use gasguard::plan;
use revm::primitives::hardfork::SpecId;
use serde_json::{Value, json};

const SCENARIOS: usize = 10;

/// A scenario deploying ten contracts and calling them 100 times.
fn suite(artifacts: &Path) -> String {
    let mut toml = format!("artifacts = {:?}\n[evm]\nspec = \"prague\"\n", artifacts.to_str().unwrap());
    for index in 0..SCENARIOS {
        toml.push_str(&format!("\n[[scenario]]\nname = \"suite-{index}\"\n"));
        let steps: &[(&str, &str, &str, u32)] = &[
            ("deploy", "Token", r#"args = ["Gas", "GAS", "1000000000"]"#, 1),
            ("deploy", "Token", r#"args = ["Other", "OTH", "1000000000"]"#, 1),
            ("deploy", "SlotStore", "", 1),
            ("deploy", "Looper", "", 1),
            ("deploy", "Vault", "", 1),
            ("deploy", "Counter", "", 1),
            ("deploy", "Router", r#"args = ["c5"]"#, 1),
            ("deploy", "MathLib", "", 1),
            ("deploy", "Calculator", "", 1),
            ("deploy", "AnalysisRegistry", "", 1),
            ("call c0", "transfer(address,uint256)", r#"args = ["bob", "1"]"#, 15),
            ("call c1", "transfer(address,uint256)", r#"args = ["carol", "2"]"#, 10),
            ("call c2", "set(uint256,uint256)", r#"args = ["7", "9"]"#, 10),
            ("call c3", "run(uint256)", r#"args = ["10"]"#, 10),
            ("call c4", "deposit()", r#"value = "1 gwei""#, 10),
            ("call c5", "increment()", "", 10),
            ("call c6", "bump(uint256)", r#"args = ["2"]"#, 10),
            ("call c8", "storeSqrt(uint256)", r#"args = ["16"]"#, 10),
            (
                "call c9",
                "storeAnalysis(address,string,uint256,bool)",
                r#"args = ["c0", "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", "1", "true"]"#,
                15,
            ),
        ];
        for (position, (kind, what, extra, repeat)) in steps.iter().enumerate() {
            toml.push_str("\n[[scenario.step]]\n");
            if *kind == "deploy" {
                toml.push_str(&format!("deploy = \"{what}\"\nas = \"c{position}\"\n"));
            } else {
                toml.push_str(&format!(
                    "call = \"{}\"\nfunction = \"{what}\"\nrepeat = {repeat}\n",
                    &kind[5..]
                ));
            }
            if !extra.is_empty() {
                toml.push_str(extra);
                toml.push('\n');
            }
        }
    }
    toml
}

/// One scenario's starting balances and transactions.
type RecordedScenario = (Vec<(Address, U256)>, Vec<TxRequest>);

/// Records every transaction (with scenario boundaries) while passing it on.
struct Recording<'a> {
    inner: &'a mut dyn Chain,
    scenarios: Vec<RecordedScenario>,
    execute_time: Duration,
}

impl Chain for Recording<'_> {
    fn begin_scenario(&mut self, balances: &[(Address, U256)]) -> anyhow::Result<()> {
        self.scenarios.push((balances.to_vec(), Vec::new()));
        self.inner.begin_scenario(balances)
    }
    fn execute(&mut self, tx: &TxRequest) -> anyhow::Result<TxOutcome> {
        if let Some((_, txs)) = self.scenarios.last_mut() {
            txs.push(tx.clone());
        }
        let started = Instant::now();
        let outcome = self.inner.execute(tx);
        self.execute_time += started.elapsed();
        outcome
    }
}

fn peak_rss_kib(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

struct Anvil(std::process::Child, String);
impl Anvil {
    fn start(extra: &[&str]) -> Self {
        let binary = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--silent", "--hardfork", "prague"])
            .args(extra)
            .spawn()
            .expect("anvil is missing: run scripts/test.sh first");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "anvil did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self(child, url)
    }
}
impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn row(name: &str, transactions: usize, wall: Duration, rss_kib: u64) {
    println!(
        "| {name} | {transactions} | {:.1} ms | {:.0} tx/s | {:.1} MB |",
        wall.as_secs_f64() * 1e3,
        transactions as f64 / wall.as_secs_f64(),
        rss_kib as f64 / 1024.0
    );
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = suite(&root.join("fixtures/artifacts/foundry/out"));
    let settings = RunSettings { spec: SpecId::PRAGUE, tx_gas_limit: 30_000_000 };

    // 1. Embedded, phase by phase (best of 5 runs, so the page cache and allocator are warm).
    let mut best: Option<(Duration, Duration, Duration, Duration, Duration, usize)> = None;
    let mut recorded = Vec::new();
    let mut embedded_report = None;
    let mut embedded_gas: Vec<u64> = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let config = Config::parse(&text, Path::new("suite.toml")).unwrap();
        let artifacts = artifacts::load(&config.artifacts, None).unwrap();
        let loaded = started.elapsed();
        let plan = plan::build(&config, &artifacts, &Default::default()).unwrap();
        let planned = started.elapsed();
        let errors: Vec<_> = artifacts.errors().cloned().collect();
        let mut revm = RevmChain::empty(SpecId::PRAGUE, 31337, BlockSettings::default());
        let mut recording =
            Recording { inner: &mut revm, scenarios: Vec::new(), execute_time: Duration::ZERO };
        let output = run_plan(&plan, &mut recording, settings, &errors, || {}).unwrap();
        let ran = started.elapsed();
        embedded_gas = output.calls.iter().map(|call| call.gas_used).collect();
        let mut report = GasReport::new("bench");
        report.contracts = GasReport::aggregate(&output.calls, &output.sizes);
        let json = serde_json::to_string_pretty(&{
            report.calls = output.calls;
            report
        })
        .unwrap();
        let total = started.elapsed();
        let transactions = recording.scenarios.iter().map(|(_, txs)| txs.len()).sum();
        let evm = recording.execute_time;
        recorded = recording.scenarios;
        embedded_report = Some(json);
        let sample = (total, loaded, planned - loaded, ran - planned - evm, evm, transactions);
        if best.is_none_or(|b| sample.0 < b.0) {
            best = Some(sample);
        }
    }
    let (total, load, plan_time, runner, evm, transactions) = best.unwrap();
    let embedded_rss = peak_rss_kib("self");
    let report_bytes = embedded_report.map_or(0, |json| json.len());
    println!(
        "suite: {SCENARIOS} scenarios, {transactions} transactions, 10 contracts deployed per scenario\n"
    );
    println!(
        "| executor | transactions | wall time | throughput | peak memory (RSS) |\n| --- | --- | --- | --- | --- |"
    );
    row("gasguard embedded (revm)", transactions, total, embedded_rss);

    // 2. anvil, one transaction at a time: send, wait for the receipt, next.
    let anvil = Anvil::start(&[]);
    let config = Config::parse(&text, Path::new("suite.toml")).unwrap();
    let artifacts = artifacts::load(&config.artifacts, None).unwrap();
    let plan = plan::build(&config, &artifacts, &Default::default()).unwrap();
    let errors: Vec<_> = artifacts.errors().cloned().collect();
    let mut rpc = RpcChain::connect(&anvil.1, anvil.1.clone()).unwrap();
    let started = Instant::now();
    let sequential = run_plan(&plan, &mut rpc, settings, &errors, || {}).unwrap();
    let sequential_time = started.elapsed();
    let anvil_pid = anvil.0.id().to_string();
    row(
        "anvil, send + receipt one at a time",
        sequential.calls.len(),
        sequential_time,
        peak_rss_kib(&anvil_pid),
    );
    drop(anvil);

    // 3. anvil with batched JSON-RPC: one batch of sends and one of receipts per scenario.
    let anvil = Anvil::start(&["--disable-block-gas-limit"]);
    let client = reqwest_blocking();
    let started = Instant::now();
    let mut batched_count = 0;
    let mut snapshot: Option<Value> = None;
    for (balances, txs) in &recorded {
        if let Some(id) = snapshot.take() {
            rpc_batch(&client, &anvil.1, vec![json!({"method": "evm_revert", "params": [id]})]);
        }
        snapshot = Some(
            rpc_batch(&client, &anvil.1, vec![json!({"method": "evm_snapshot", "params": []})])[0].clone(),
        );
        let mut setup = Vec::new();
        for (address, balance) in balances {
            setup.push(json!({"method": "anvil_setBalance", "params": [address, format!("{balance:#x}")]}));
        }
        rpc_batch(&client, &anvil.1, setup);
        // anvil handles a batch's calls concurrently, so nonces are explicit; every scenario
        // starts from the snapshot, where the senders have sent nothing.
        let mut nonces: std::collections::HashMap<Address, u64> = Default::default();
        let sends: Vec<Value> = txs
            .iter()
            .map(|tx| {
                let nonce = nonces.entry(tx.from).or_insert(0);
                let mut request = json!({"from": tx.from, "nonce": format!("{:#x}", *nonce), "value": format!("{:#x}", tx.value), "input": tx.input, "gas": format!("{:#x}", tx.gas_limit)});
                *nonce += 1;
                if let Some(to) = tx.to {
                    request["to"] = json!(to);
                }
                json!({"method": "eth_sendTransaction", "params": [request]})
            })
            .collect();
        // Automine would mine each send as it arrives, and anvil handles a batch's calls
        // concurrently; instead queue them all and mine one block (the block gas limit is off).
        rpc_batch(&client, &anvil.1, vec![json!({"method": "evm_setAutomine", "params": [false]})]);
        let hashes = rpc_batch(&client, &anvil.1, sends);
        rpc_batch(&client, &anvil.1, vec![json!({"method": "evm_mine", "params": []})]);
        let receipts = rpc_batch(
            &client,
            &anvil.1,
            hashes
                .iter()
                .map(|hash| json!({"method": "eth_getTransactionReceipt", "params": [hash]}))
                .collect(),
        );
        assert!(
            receipts.iter().all(|r| r.get("gasUsed").is_some()),
            "every batched transaction has a receipt"
        );
        for receipt in &receipts {
            let gas = u64::from_str_radix(receipt["gasUsed"].as_str().unwrap().trim_start_matches("0x"), 16)
                .unwrap();
            assert_eq!(
                gas, embedded_gas[batched_count],
                "batched receipt {batched_count} differs from the embedded run"
            );
            batched_count += 1;
        }
    }
    let batched_time = started.elapsed();
    row("anvil, batched JSON-RPC", batched_count, batched_time, peak_rss_kib(&anvil.0.id().to_string()));
    drop(anvil);

    println!(
        "\nembedded phases (best run): load config + artifacts {:.2} ms, plan (resolve, parse arguments) {:.2} ms, runner (encoding, bookkeeping, revert decoding) {:.2} ms, EVM execution {:.2} ms, aggregate + serialise {:.2} ms",
        load.as_secs_f64() * 1e3,
        plan_time.as_secs_f64() * 1e3,
        runner.as_secs_f64() * 1e3,
        evm.as_secs_f64() * 1e3,
        (total - load - plan_time - runner - evm).as_secs_f64() * 1e3,
    );
    println!("report: {report_bytes} bytes");
    println!(
        "speed-up: {:.0}x over one-at-a-time anvil, {:.0}x over batched anvil",
        sequential_time.as_secs_f64() / total.as_secs_f64(),
        batched_time.as_secs_f64() / total.as_secs_f64()
    );
}

fn reqwest_blocking() -> (tokio::runtime::Runtime, reqwest::Client) {
    (tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(), reqwest::Client::new())
}

/// One JSON-RPC batch; returns the results in request order.
fn rpc_batch(
    client: &(tokio::runtime::Runtime, reqwest::Client),
    url: &str,
    calls: Vec<Value>,
) -> Vec<Value> {
    if calls.is_empty() {
        return Vec::new();
    }
    let body: Vec<Value> = calls
        .into_iter()
        .enumerate()
        .map(|(id, mut call)| {
            call["jsonrpc"] = json!("2.0");
            call["id"] = json!(id);
            call
        })
        .collect();
    let (runtime, client) = client;
    let mut responses: Vec<Value> =
        runtime.block_on(async { client.post(url).json(&body).send().await.unwrap().json().await.unwrap() });
    responses.sort_by_key(|response| response["id"].as_u64());
    responses
        .into_iter()
        .map(|response| {
            assert!(response.get("error").is_none(), "batched call failed: {response}");
            response["result"].clone()
        })
        .collect()
}
