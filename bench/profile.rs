//! The profiling benchmark: one generated suite (10 scenarios × 10 contracts, 1,100 transactions)
//! run three ways in one process, side by side:
//!
//! 1. gasguard's embedded revm executor;
//! 2. anvil over JSON-RPC the way node-based profilers do it: send a transaction, wait for its
//!    receipt, one at a time (gasguard's own `rpc` executor);
//! 3. anvil fed with batched JSON-RPC: each scenario's transactions in one batch request, then
//!    all receipts in one batch.
//!
//! It also splits the embedded run into its phases to show where the time goes.
//!
//! A second part measures fork mode: a node with deployed contracts and a history, a suite that
//! calls them by address, run cold (empty cache), warm (from the cache), and as the same steps
//! replayed on `anvil --fork-url` over JSON-RPC, counting the requests that reach the forked node.
//!
//! A third part (`-- attribution`) prices gas attribution: the embedded suite with and without
//! the attribution inspector, time and report size.
//!
//! Run with `cargo bench --bench profile` after `scripts/test.sh` installed anvil (`-- fork`,
//! `-- embedded` or `-- attribution` runs one part); figures go in `bench/README.md`.

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

#[path = "../tests/support/proxy.rs"]
mod proxy;

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
    let only: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with('-')).collect();
    let wanted = |part: &str| only.is_empty() || only.iter().any(|arg| arg == part);
    if wanted("embedded") {
        embedded_and_anvil();
    }
    if wanted("fork") {
        fork_mode();
    }
    if wanted("attribution") {
        attribution_cost();
    }
}

/// The embedded suite with and without attribution: best of 7 runs each, from the config text
/// to the serialised report, and the report's size.
fn attribution_cost() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = suite(&root.join("fixtures/artifacts/foundry/out"));
    let settings = RunSettings { spec: SpecId::PRAGUE, tx_gas_limit: 30_000_000 };
    let run = |attribute: bool| -> (Duration, usize, usize) {
        let mut best: Option<(Duration, usize, usize)> = None;
        for _ in 0..7 {
            let started = Instant::now();
            let config = Config::parse(&text, Path::new("suite.toml")).unwrap();
            let artifacts = artifacts::load(&config.artifacts, None).unwrap();
            let plan = plan::build(&config, &artifacts, &Default::default()).unwrap();
            let errors: Vec<_> = artifacts.errors().cloned().collect();
            let mut chain = RevmChain::empty(SpecId::PRAGUE, 31337, BlockSettings::default());
            if attribute {
                let index = gasguard::exec::attribution::CodeIndex::new(&artifacts, &[root.to_owned()]);
                chain = chain.with_attribution(std::sync::Arc::new(index));
            }
            let output = run_plan(&plan, &mut chain, settings, &errors, || {}).unwrap();
            assert!(output.attribution_errors.is_empty(), "{:?}", output.attribution_errors);
            let mut report = GasReport::new("bench");
            report.contracts = GasReport::aggregate(&output.calls, &output.sizes);
            report.attribution = GasReport::attribute(&output.calls, &output.attributions, &report.contracts);
            report.calls = output.calls;
            let json = gasguard::cli::profile::report_json(&report);
            let sample = (started.elapsed(), json.len(), report.attribution.len());
            if best.is_none_or(|b| sample.0 < b.0) {
                best = Some(sample);
            }
        }
        best.unwrap()
    };
    let (without, without_bytes, _) = run(false);
    let (with, with_bytes, entries) = run(true);
    println!("\n| attribution | wall time | report size | attributed entries |\n| --- | --- | --- | --- |");
    println!("| off (`--no-attribution`) | {:.1} ms | {without_bytes} B | 0 |", without.as_secs_f64() * 1e3);
    println!("| on (default) | {:.1} ms | {with_bytes} B | {entries} |", with.as_secs_f64() * 1e3);
    println!(
        "\ntime {:.2}× (target ≤ 1.5×), report {:.2}× (target ≤ 3×)",
        with.as_secs_f64() / without.as_secs_f64(),
        with_bytes as f64 / without_bytes as f64
    );
}

fn embedded_and_anvil() {
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

const FORK_SCENARIOS: usize = 5;
const HOLDERS: usize = 20;

fn holder(index: usize) -> String {
    format!("0x{:040x}", 0x1000 + index)
}

/// Sends transactions from unlocked accounts, one batch, and checks every receipt.
fn send_all(
    client: &(tokio::runtime::Runtime, reqwest::Client),
    url: &str,
    requests: Vec<Value>,
) -> Vec<Value> {
    let hashes = rpc_batch(
        client,
        url,
        requests
            .into_iter()
            .map(|request| json!({"method": "eth_sendTransaction", "params": [request]}))
            .collect(),
    );
    let started = Instant::now();
    loop {
        let receipts = rpc_batch(
            client,
            url,
            hashes
                .iter()
                .map(|hash| json!({"method": "eth_getTransactionReceipt", "params": [hash]}))
                .collect(),
        );
        if receipts.iter().all(|receipt| !receipt.is_null()) {
            assert!(receipts.iter().all(|receipt| receipt["status"] == "0x1"), "history transaction failed");
            return receipts;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no receipts");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn init_code(output: &Value, name: &str, args: Vec<alloy::dyn_abi::DynSolValue>) -> String {
    let contract = output["contracts"].as_object().unwrap().values().find_map(|file| file.get(name)).unwrap();
    let mut code =
        alloy::primitives::hex::decode(contract["evm"]["bytecode"]["object"].as_str().unwrap()).unwrap();
    if !args.is_empty() {
        code.extend(alloy::dyn_abi::DynSolValue::Tuple(args).abi_encode_params());
    }
    format!("0x{}", alloy::primitives::hex::encode(code))
}

fn calldata(signature: &str, args: Vec<alloy::dyn_abi::DynSolValue>) -> String {
    let mut data = alloy::primitives::keccak256(signature)[..4].to_vec();
    data.extend(alloy::dyn_abi::DynSolValue::Tuple(args).abi_encode_params());
    format!("0x{}", alloy::primitives::hex::encode(data))
}

/// Deploys seven contracts on `url` and gives them a history; returns their addresses and the
/// block after it.
fn fork_history(client: &(tokio::runtime::Runtime, reqwest::Client), url: &str) -> (Vec<String>, u64) {
    use alloy::dyn_abi::DynSolValue as V;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("fixtures/artifacts/solc/output.json")).unwrap(),
    )
    .unwrap();
    let alice = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    let deploy = |name: &str, args: Vec<V>| {
        let receipt =
            send_all(client, url, vec![json!({"from": alice, "input": init_code(&output, name, args)})]);
        receipt[0]["contractAddress"].as_str().unwrap().to_owned()
    };
    let token = deploy(
        "Token",
        vec![V::String("Gas".into()), V::String("GAS".into()), V::Uint(U256::from(1_000_000_000u64), 256)],
    );
    let counter = deploy("Counter", vec![]);
    let router = deploy("Router", vec![V::Address(counter.parse().unwrap())]);
    let store = deploy("SlotStore", vec![]);
    let vault = deploy("Vault", vec![]);
    let looper = deploy("Looper", vec![]);
    let registry = deploy("AnalysisRegistry", vec![]);
    let uint = |value: usize| V::Uint(U256::from(value), 256);
    let mut history = Vec::new();
    for index in 0..HOLDERS {
        let data = calldata(
            "transfer(address,uint256)",
            vec![V::Address(holder(index).parse().unwrap()), uint(1000)],
        );
        history.push(json!({"from": alice, "to": token, "input": data}));
        let data = calldata("set(uint256,uint256)", vec![uint(index + 1), uint(index + 1)]);
        history.push(json!({"from": alice, "to": store, "input": data}));
    }
    // One at a time: anvil handles a batch's calls concurrently, and the nonces must follow.
    for request in history {
        send_all(client, url, vec![request]);
    }
    let block = rpc_batch(client, url, vec![json!({"method": "eth_blockNumber", "params": []})]);
    let block = u64::from_str_radix(block[0].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    (vec![token, counter, router, store, vault, looper, registry], block)
}

/// The forked suite: every scenario calls the deployed contracts by address (token transfers to
/// existing holders, storage overwrites and a clear, counters, a payable call, a loop, a registry
/// write) and deploys a token next to them.
fn fork_suite(url: &str, block: u64, cache: &Path, contracts: &[String]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let [token, counter, router, store, vault, looper, registry] = contracts else {
        panic!("seven contracts")
    };
    let mut toml = format!(
        "artifacts = {:?}\n[evm]\nspec = \"prague\"\nfork_url = \"{url}\"\nfork_block = {block}\ncache_dir = {:?}\n",
        root.join("fixtures/artifacts/solc/output.json").to_str().unwrap(),
        cache.to_str().unwrap()
    );
    let call = |toml: &mut String, to: &str, abi: &str, function: &str, args: &str, extra: &str| {
        toml.push_str(&format!(
            "\n[[scenario.step]]\ncall = \"{to}\"\nabi = \"{abi}\"\nfunction = \"{function}\"\nargs = [{args}]\n{extra}"
        ));
    };
    for scenario in 0..FORK_SCENARIOS {
        toml.push_str(&format!("\n[[scenario]]\nname = \"fork-{scenario}\"\n"));
        for offset in 0..10 {
            let to = holder((scenario * 4 + offset) % HOLDERS);
            call(&mut toml, token, "Token", "transfer(address,uint256)", &format!("\"{to}\", \"1\""), "");
        }
        for key in 0..5 {
            let key = (scenario * 3 + key) % HOLDERS + 1;
            call(
                &mut toml,
                store,
                "SlotStore",
                "set(uint256,uint256)",
                &format!("\"{key}\", \"{}\"", key * 7),
                "",
            );
        }
        call(&mut toml, store, "SlotStore", "clear(uint256)", &format!("\"{}\"", scenario + 1), "");
        call(&mut toml, counter, "Counter", "increment()", "", "repeat = 3\n");
        call(&mut toml, router, "Router", "bump(uint256)", "\"2\"", "");
        call(&mut toml, vault, "Vault", "deposit()", "", "value = \"1 gwei\"\nfrom = \"bob\"\n");
        call(&mut toml, looper, "Looper", "run(uint256)", "\"10\"", "");
        call(
            &mut toml,
            registry,
            "AnalysisRegistry",
            "storeAnalysis(address,string,uint256,bool)",
            &format!(
                "\"{token}\", \"QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG\", \"{scenario}\", \"true\""
            ),
            "",
        );
        toml.push_str("\n[[scenario.step]]\ndeploy = \"Token\"\nas = \"fresh\"\nargs = [\"Fresh\", \"FRS\", \"1000\"]\n");
        toml.push_str("\n[[scenario.step]]\ncall = \"fresh\"\nfunction = \"transfer(address,uint256)\"\nargs = [\"bob\", \"1\"]\nrepeat = 3\n");
    }
    toml
}

fn fork_mode() {
    let client = reqwest_blocking();
    let node = Anvil::start(&[]);
    let (contracts, block) = fork_history(&client, &node.1);
    println!(
        "\nfork suite: {FORK_SCENARIOS} scenarios against 7 contracts deployed on a node with a history\n"
    );
    println!(
        "| node latency | run | transactions | requests to the forked node | bytes received from it | wall time |\n| --- | --- | --- | --- | --- | --- |"
    );
    let mut touched = None;
    for latency in [Duration::ZERO, Duration::from_millis(50)] {
        touched = Some(fork_runs(&node.1, &contracts, block, latency));
    }
    if let Some((accounts, slots, cache_size)) = touched {
        println!(
            "\ndistinct state touched: {accounts} accounts and {slots} storage slots (cache file: {cache_size} bytes)"
        );
    }
}

/// Cold, warm and anvil runs of the fork suite, behind proxies that count the requests reaching
/// the forked node and add `latency` to each. Returns the accounts and slots touched and the
/// cache file's size.
fn fork_runs(node: &str, contracts: &[String], block: u64, latency: Duration) -> (usize, usize, u64) {
    use gasguard::cli::profile::{ProfileOverrides, profile};
    use gasguard::printer::Printer;

    let printer =
        Printer { color_stdout: false, color_stderr: false, quiet: true, progress: false, in_actions: false };
    let behaviour = proxy::Behaviour { latency, ..proxy::Behaviour::default() };
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let counting = proxy::Proxy::start(node, behaviour.clone());
    let config = dir.path().join("fork.toml");
    std::fs::write(&config, fork_suite(&counting.url(), block, &cache, contracts)).unwrap();
    let label = format!("{} ms", latency.as_millis());
    let ms = |duration: Duration| duration.as_secs_f64() * 1e3;

    let started = Instant::now();
    let cold = profile(&config, &ProfileOverrides::default(), &printer).unwrap();
    let cold_time = started.elapsed();
    let cold_requests = counting.requests();
    let (_, cold_bytes) = counting.bytes();
    let transactions = cold.calls.len();
    let cache_file = std::fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();
    let state =
        gasguard::exec::fork::cache::decode(&std::fs::read(&cache_file).unwrap(), 31337, block).unwrap();
    let cache_size = std::fs::metadata(&cache_file).unwrap().len();
    println!(
        "| {label} | gasguard fork, cold (empty cache) | {transactions} | {cold_requests} | {cold_bytes} | {:.1} ms |",
        ms(cold_time)
    );

    let mut warm_time = Duration::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        let warm = profile(&config, &ProfileOverrides::default(), &printer).unwrap();
        warm_time = warm_time.min(started.elapsed());
        assert!(warm == cold, "the warm report differs from the cold one");
    }
    let warm_requests = counting.requests() - cold_requests;
    println!(
        "| {label} | gasguard fork, warm (from the cache, best of 5) | {transactions} | {warm_requests} | 0 | {:.1} ms |",
        ms(warm_time)
    );

    // The same steps on anvil forking the same node at the same block: what anvil asks the forked
    // node for, and the JSON-RPC requests between gasguard and anvil (local, no latency).
    let upstream = proxy::Proxy::start(node, behaviour);
    let forked = Anvil::start(&["--fork-url", &upstream.url(), "--fork-block-number", &block.to_string()]);
    let local = proxy::Proxy::start(&forked.1, proxy::Behaviour::default());
    let overrides = ProfileOverrides {
        executor: Some("rpc".into()),
        rpc_url: Some(local.url()),
        ..ProfileOverrides::default()
    };
    let started = Instant::now();
    let replayed = profile(&config, &overrides, &printer).unwrap();
    let anvil_time = started.elapsed();
    for (ours, theirs) in cold.calls.iter().zip(&replayed.calls) {
        assert_eq!(
            ours.gas_used, theirs.gas_used,
            "{} step {}: the fork and anvil disagree",
            ours.scenario, ours.step
        );
    }
    let (_, upstream_bytes) = upstream.bytes();
    println!(
        "| {label} | anvil --fork-url, same steps over JSON-RPC ({} requests from gasguard to anvil) | {} | {} | {upstream_bytes} | {:.1} ms |",
        local.requests(),
        replayed.calls.len(),
        upstream.requests(),
        ms(anvil_time)
    );
    (state.accounts.len(), state.slot_count(), cache_size)
}
