//! The benchmark's suites and their correctness checks, shared by the benchmark
//! (`bench/profile.rs`, full size, timed) and by `tests/bench_checks.rs` (a quick size, run by
//! `cargo test`), so that the assertions behind the published figures run on every test run:
//!
//! - the generated suite, run embedded, then on anvil one transaction at a time and in batches:
//!   every receipt's `gasUsed` equals the embedded number, in order, and no transaction is missing;
//! - the fork suite, cold, warm and replayed on `anvil --fork-url`: the cold run makes exactly
//!   [`COLD_FORK_REQUESTS`] requests, the warm runs none, their reports are equal, and anvil's
//!   receipts equal the forked embedded numbers.
//!
//! Timing is measured here (the checks and the figures come from the same runs) but only the
//! benchmark prints it.

// Each of the two crates that include this file uses a different part of it.
#![allow(dead_code)]

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
pub mod proxy;

/// How big a suite is: scenarios, and a divisor for every step's `repeat`.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub scenarios: usize,
    pub repeat_divisor: u32,
}

/// The benchmark's size: 10 scenarios, 1,100 transactions; 5 fork scenarios, 135 transactions.
pub const FULL: Size = Size { scenarios: 10, repeat_divisor: 1 };
pub const FORK_FULL: Size = Size { scenarios: 5, repeat_divisor: 1 };
/// The size `cargo test` runs: the same steps, fewer of them.
pub const QUICK: Size = Size { scenarios: 2, repeat_divisor: 5 };
pub const FORK_QUICK: Size = Size { scenarios: 2, repeat_divisor: 1 };

/// Requests a cold fork run makes, whatever the suite's size (as long as the state it touches
/// fits in one batch per round): the chain id and block header, two batches for the accounts
/// the plan names and the addresses its deployments land on, one per dry-run round (two).
pub const COLD_FORK_REQUESTS: u64 = 5;

pub const SETTINGS: RunSettings = RunSettings { spec: SpecId::PRAGUE, tx_gas_limit: 30_000_000 };

fn scaled(repeat: u32, size: Size) -> u32 {
    (repeat / size.repeat_divisor).max(1)
}

/// Scenarios deploying ten contracts and calling them 100 times (at full size).
pub fn suite(artifacts: &Path, size: Size) -> String {
    let mut toml = format!("artifacts = {:?}\n[evm]\nspec = \"prague\"\n", artifacts.to_str().unwrap());
    for index in 0..size.scenarios {
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
                    "call = \"{}\"\nfunction = \"{what}\"\nrepeat = {}\n",
                    &kind[5..],
                    scaled(*repeat, size)
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

/// The transactions a suite has, from its config.
pub fn transaction_count(text: &str) -> usize {
    let config = Config::parse(text, Path::new("suite.toml")).unwrap();
    config
        .scenarios
        .iter()
        .flat_map(|scenario| &scenario.steps)
        .map(|step| step.repeat.unwrap_or(1) as usize)
        .sum()
}

/// One scenario's starting balances and transactions.
pub type RecordedScenario = (Vec<(Address, U256)>, Vec<TxRequest>);

/// Records every transaction (with scenario boundaries) while passing it on.
pub struct Recording<'a> {
    pub inner: &'a mut dyn Chain,
    pub scenarios: Vec<RecordedScenario>,
    pub execute_time: Duration,
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
    fn code_len(&mut self, address: Address) -> anyhow::Result<usize> {
        self.inner.code_len(address)
    }
}

/// One embedded run of a suite, with the time of each phase.
pub struct EmbeddedRun {
    pub gas: Vec<u64>,
    pub recorded: Vec<RecordedScenario>,
    pub report_json: String,
    pub total: Duration,
    pub load: Duration,
    pub plan: Duration,
    pub runner: Duration,
    pub evm: Duration,
}

impl EmbeddedRun {
    pub fn transactions(&self) -> usize {
        self.recorded.iter().map(|(_, txs)| txs.len()).sum()
    }
}

/// Runs `text` in the embedded EVM, as `gasguard run` does (config, artifacts, plan, run,
/// aggregate, serialise), timing each phase.
pub fn embedded(text: &str) -> EmbeddedRun {
    let started = Instant::now();
    let config = Config::parse(text, Path::new("suite.toml")).unwrap();
    let artifacts = artifacts::load(config.artifacts.as_deref().unwrap(), None).unwrap();
    let loaded = started.elapsed();
    let plan = plan::build(&config, &artifacts, &Default::default()).unwrap();
    let planned = started.elapsed();
    let errors: Vec<_> = artifacts.errors().cloned().collect();
    let mut revm = RevmChain::empty(SpecId::PRAGUE, 31337, BlockSettings::default());
    let mut recording = Recording { inner: &mut revm, scenarios: Vec::new(), execute_time: Duration::ZERO };
    let output = run_plan(&plan, &mut recording, SETTINGS, &errors, || {}).unwrap();
    let ran = started.elapsed();
    let gas = output.calls.iter().map(|call| call.gas_used).collect();
    let mut report = GasReport::new("bench");
    report.contracts = GasReport::aggregate(&output.calls, &output.sizes);
    report.calls = output.calls;
    let report_json = serde_json::to_string_pretty(&report).unwrap();
    let total = started.elapsed();
    let evm = recording.execute_time;
    EmbeddedRun {
        gas,
        recorded: recording.scenarios,
        report_json,
        total,
        load: loaded,
        plan: planned - loaded,
        runner: ran - planned - evm,
        evm,
    }
}

/// Checks that `gas`, from a run on a node, is the embedded run's, transaction by transaction.
fn assert_same_gas(what: &str, embedded: &[u64], gas: &[u64]) {
    assert!(!embedded.is_empty(), "the embedded run recorded no transaction");
    assert_eq!(gas.len(), embedded.len(), "{what}: not every transaction has a receipt");
    for (index, (ours, theirs)) in embedded.iter().zip(gas).enumerate() {
        assert_eq!(theirs, ours, "{what}: receipt {index} differs from the embedded run");
    }
}

pub fn peak_rss_kib(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// A running anvil (the pinned npm one), killed on drop.
pub struct Anvil(pub std::process::Child, pub String);

impl Anvil {
    pub fn start(extra: &[&str]) -> Self {
        let binary = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--silent", "--hardfork", "prague"])
            .args(extra)
            .stdout(std::process::Stdio::null())
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

    pub fn peak_rss_kib(&self) -> u64 {
        peak_rss_kib(&self.0.id().to_string())
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A run on anvil: transactions, wall time, anvil's peak memory.
pub struct NodeRun {
    pub transactions: usize,
    pub time: Duration,
    pub rss_kib: u64,
}

/// `text` on a fresh anvil through gasguard's `rpc` executor (send, wait for the receipt, next),
/// checked against the embedded gas.
pub fn sequential_anvil(text: &str, embedded_gas: &[u64]) -> NodeRun {
    let anvil = Anvil::start(&[]);
    let config = Config::parse(text, Path::new("suite.toml")).unwrap();
    let artifacts = artifacts::load(config.artifacts.as_deref().unwrap(), None).unwrap();
    let plan = plan::build(&config, &artifacts, &Default::default()).unwrap();
    let errors: Vec<_> = artifacts.errors().cloned().collect();
    let mut rpc = RpcChain::connect(&anvil.1, anvil.1.clone()).unwrap();
    let started = Instant::now();
    let output = run_plan(&plan, &mut rpc, SETTINGS, &errors, || {}).unwrap();
    let time = started.elapsed();
    let gas: Vec<u64> = output.calls.iter().map(|call| call.gas_used).collect();
    assert_same_gas("anvil, one at a time", embedded_gas, &gas);
    NodeRun { transactions: gas.len(), time, rss_kib: anvil.peak_rss_kib() }
}

/// The recorded transactions on a fresh anvil with batched JSON-RPC (one batch of sends and one
/// of receipts per scenario, mined in one block), checked against the embedded gas.
pub fn batched_anvil(recorded: &[RecordedScenario], embedded_gas: &[u64]) -> NodeRun {
    let anvil = Anvil::start(&["--disable-block-gas-limit"]);
    let client = reqwest_blocking();
    let started = Instant::now();
    let mut gas = Vec::new();
    let mut snapshot: Option<Value> = None;
    for (balances, txs) in recorded {
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
        assert_eq!(hashes.len(), txs.len(), "every transaction of the scenario was sent");
        rpc_batch(&client, &anvil.1, vec![json!({"method": "evm_mine", "params": []})]);
        let receipts = rpc_batch(
            &client,
            &anvil.1,
            hashes
                .iter()
                .map(|hash| json!({"method": "eth_getTransactionReceipt", "params": [hash]}))
                .collect(),
        );
        for (index, receipt) in receipts.iter().enumerate() {
            let used = receipt["gasUsed"].as_str().unwrap_or_else(|| {
                panic!("batched transaction {} has no receipt: {receipt}", gas.len() + index)
            });
            gas.push(u64::from_str_radix(used.trim_start_matches("0x"), 16).unwrap());
        }
    }
    let time = started.elapsed();
    assert_same_gas("anvil, batched", embedded_gas, &gas);
    NodeRun { transactions: gas.len(), time, rss_kib: anvil.peak_rss_kib() }
}

pub type Client = (tokio::runtime::Runtime, reqwest::Client);

pub fn reqwest_blocking() -> Client {
    (tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(), reqwest::Client::new())
}

/// One JSON-RPC batch; returns the results in request order.
pub fn rpc_batch(client: &Client, url: &str, calls: Vec<Value>) -> Vec<Value> {
    if calls.is_empty() {
        return Vec::new();
    }
    let count = calls.len();
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
    assert_eq!(responses.len(), count, "one answer per call of the batch");
    responses.sort_by_key(|response| response["id"].as_u64());
    responses
        .into_iter()
        .map(|response| {
            assert!(response.get("error").is_none(), "batched call failed: {response}");
            response["result"].clone()
        })
        .collect()
}

const HOLDERS: usize = 20;

fn holder(index: usize) -> String {
    format!("0x{:040x}", 0x1000 + index)
}

/// Sends transactions from unlocked accounts, one batch, and checks every receipt.
fn send_all(client: &Client, url: &str, requests: Vec<Value>) -> Vec<Value> {
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
pub fn fork_history(client: &Client, url: &str) -> (Vec<String>, u64) {
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
pub fn fork_suite(url: &str, block: u64, cache: &Path, contracts: &[String], size: Size) -> String {
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
    for scenario in 0..size.scenarios {
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
        let repeat = format!("repeat = {}\n", scaled(3, size));
        call(&mut toml, counter, "Counter", "increment()", "", &repeat);
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
        toml.push_str(&format!(
            "\n[[scenario.step]]\ncall = \"fresh\"\nfunction = \"transfer(address,uint256)\"\nargs = [\"bob\", \"1\"]\n{repeat}"
        ));
    }
    toml
}

/// What the fork runs measured.
pub struct ForkRuns {
    pub transactions: usize,
    pub cold_requests: u64,
    pub cold_bytes: u64,
    pub cold_time: Duration,
    pub warm_requests: u64,
    pub warm_time: Duration,
    /// JSON-RPC requests from gasguard to the forking anvil.
    pub anvil_local_requests: u64,
    /// Requests and bytes from the forking anvil to the forked node.
    pub anvil_upstream_requests: u64,
    pub anvil_upstream_bytes: u64,
    pub anvil_transactions: usize,
    pub anvil_time: Duration,
    /// Distinct accounts and slots in the cache, and its size in bytes.
    pub accounts: usize,
    pub slots: usize,
    pub cache_size: u64,
}

/// Cold, warm (`warm_runs` times, the best time kept) and anvil runs of the fork suite, behind
/// proxies that count the requests reaching the forked node and add `latency` to each; checks
/// the request counts, that every warm report equals the cold one, and that anvil's receipts
/// equal the forked numbers.
pub fn fork_runs(
    node: &str,
    contracts: &[String],
    block: u64,
    latency: Duration,
    size: Size,
    warm_runs: usize,
) -> ForkRuns {
    use gasguard::cli::profile::{ProfileOverrides, profile};
    use gasguard::printer::Printer;

    let printer =
        Printer { color_stdout: false, color_stderr: false, quiet: true, progress: false, in_actions: false };
    let behaviour = proxy::Behaviour { latency, ..proxy::Behaviour::default() };
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let counting = proxy::Proxy::start(node, behaviour.clone());
    let config = dir.path().join("fork.toml");
    let text = fork_suite(&counting.url(), block, &cache, contracts, size);
    std::fs::write(&config, &text).unwrap();

    let started = Instant::now();
    let cold = profile(&config, &ProfileOverrides::default(), &printer).unwrap();
    let cold_time = started.elapsed();
    let cold_requests = counting.requests();
    let (_, cold_bytes) = counting.bytes();
    assert_eq!(cold.calls.len(), transaction_count(&text), "every step of the fork suite ran");
    assert_eq!(
        cold_requests,
        COLD_FORK_REQUESTS,
        "a cold fork run makes {COLD_FORK_REQUESTS} requests: {:?}",
        counting.methods()
    );
    let cache_files: Vec<_> = std::fs::read_dir(&cache).unwrap().map(|entry| entry.unwrap().path()).collect();
    assert_eq!(cache_files.len(), 1, "one cache file: {cache_files:?}");
    let state =
        gasguard::exec::fork::cache::decode(&std::fs::read(&cache_files[0]).unwrap(), 31337, block).unwrap();
    let cache_size = std::fs::metadata(&cache_files[0]).unwrap().len();

    let mut warm_time = Duration::MAX;
    for _ in 0..warm_runs {
        let started = Instant::now();
        let warm = profile(&config, &ProfileOverrides::default(), &printer).unwrap();
        warm_time = warm_time.min(started.elapsed());
        assert!(warm == cold, "the warm report differs from the cold one");
    }
    let warm_requests = counting.requests() - cold_requests;
    assert_eq!(
        warm_requests,
        0,
        "warm runs made requests: {:?}",
        &counting.methods()[cold_requests as usize..]
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
    assert_eq!(replayed.calls.len(), cold.calls.len(), "anvil ran every step");
    for (ours, theirs) in cold.calls.iter().zip(&replayed.calls) {
        assert_eq!(
            ours.gas_used, theirs.gas_used,
            "{} step {}: the fork and anvil disagree",
            ours.scenario, ours.step
        );
    }
    let (_, anvil_upstream_bytes) = upstream.bytes();
    ForkRuns {
        transactions: cold.calls.len(),
        cold_requests,
        cold_bytes,
        cold_time,
        warm_requests,
        warm_time,
        anvil_local_requests: local.requests(),
        anvil_upstream_requests: upstream.requests(),
        anvil_upstream_bytes,
        anvil_transactions: replayed.calls.len(),
        anvil_time,
        accounts: state.accounts.len(),
        slots: state.slot_count(),
        cache_size,
    }
}
