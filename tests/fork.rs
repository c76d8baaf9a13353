//! Fork mode through the real binary. A real anvil plays the testnet: contracts are deployed on it
//! and their state is changed by a history of transactions; gasguard then forks it at a chosen
//! block and runs scenarios that call those contracts by address and deploy new ones next to
//! them. The reference is anvil itself forking the same node at the same block.

mod support;

use std::path::Path;

use alloy::dyn_abi::DynSolValue;
use alloy::primitives::{Address, U256};
use serde_json::Value;
use support::history::{ALICE, block_number, calldata, init_code, send};
use support::proxy::{Behaviour, Proxy};
use support::{Anvil, fixture, free_port, gasguard, gasguard_with_env, paired, stderr, stdout};

const BOB: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const CAROL: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const ETHER: u128 = 1_000_000_000_000_000_000;

/// The node playing the testnet, with the contracts its history deployed.
struct Testnet {
    node: Anvil,
    token: Address,
    counter: Address,
    router: Address,
    store: Address,
    vault: Address,
    /// The block the scenarios fork: the end of the history.
    block: u64,
}

fn address(text: &str) -> DynSolValue {
    DynSolValue::Address(text.parse().unwrap())
}

fn uint(value: u128) -> DynSolValue {
    DynSolValue::Uint(U256::from(value), 256)
}

fn deploy(node: &str, name: &str, args: Vec<DynSolValue>) -> Address {
    let mut code = init_code(name);
    if !args.is_empty() {
        code.extend(DynSolValue::Tuple(args).abi_encode_params());
    }
    let receipt = send(node, ALICE, None, &code, 0);
    receipt["contractAddress"].as_str().unwrap().parse().unwrap()
}

/// Starts a node and plays a history on it: five contracts deployed, tokens moved, a counter
/// incremented, storage slots written, ether deposited.
fn testnet() -> Testnet {
    let node = Anvil::start(&["--hardfork", "prague"]);
    let url = node.url();
    let token = deploy(
        &url,
        "Token",
        vec![DynSolValue::String("Gas".into()), DynSolValue::String("GAS".into()), uint(1_000_000)],
    );
    let counter = deploy(&url, "Counter", vec![]);
    let router = deploy(&url, "Router", vec![DynSolValue::Address(counter)]);
    let store = deploy(&url, "SlotStore", vec![]);
    let vault = deploy(&url, "Vault", vec![]);
    send(&url, ALICE, Some(token), &calldata("transfer(address,uint256)", vec![address(BOB), uint(1000)]), 0);
    for _ in 0..3 {
        send(&url, BOB, Some(counter), &calldata("increment()", vec![]), 0);
    }
    send(&url, ALICE, Some(store), &calldata("set(uint256,uint256)", vec![uint(1), uint(42)]), 0);
    send(&url, ALICE, Some(store), &calldata("set(uint256,uint256)", vec![uint(2), uint(7)]), 0);
    send(&url, BOB, Some(vault), &calldata("deposit()", vec![]), ETHER);
    let block = block_number(&url);
    Testnet { node, token, counter, router, store, vault, block }
}

impl Testnet {
    /// Transactions after the forked block that change what the scenarios read.
    fn continue_history(&self) {
        let url = self.node.url();
        send(&url, BOB, Some(self.counter), &calldata("increment()", vec![]), 0);
        send(&url, ALICE, Some(self.store), &calldata("clear(uint256)", vec![uint(1)]), 0);
        send(
            &url,
            BOB,
            Some(self.token),
            &calldata("transfer(address,uint256)", vec![address(CAROL), uint(500)]),
            0,
        );
        assert!(block_number(&url) > self.block);
    }

    /// A config forking `url` at `block` (the latest when `None`), caching in `cache`.
    fn config(&self, url: &str, block: Option<u64>, cache: &str) -> String {
        let block = block.map(|block| format!("fork_block = {block}\n")).unwrap_or_default();
        format!(
            r#"artifacts = {artifacts:?}
[evm]
spec = "prague"
fork_url = "{url}"
{block}cache_dir = "{cache}"

[accounts]
whale = "0x00000000000000000000000000000000000A11CE"

# The contracts the history deployed, called where they live.
[[scenario]]
name = "deployed"
fund = {{ whale = "5 ether" }}

# bob received tokens in the history; carol holds none yet.
[[scenario.step]]
call = "{token}"
abi = "Token"
function = "transfer(address,uint256)"
args = ["carol", "10"]
from = "bob"
repeat = 2

# An account the chain never saw (funded here) holds no tokens: InsufficientBalance(0, 1).
[[scenario.step]]
call = "{token}"
abi = "Token"
function = "transfer(address,uint256)"
args = ["dave", "1"]
from = "whale"
expect = "revert"

# The history incremented it three times: non-zero to non-zero.
[[scenario.step]]
call = "{counter}"
abi = "Counter"
function = "increment()"
from = "whale"

[[scenario.step]]
call = "{router}"
abi = "Router"
function = "bump(uint256)"
args = ["2"]
from = "carol"

# Clearing a slot the history wrote earns a refund.
[[scenario.step]]
call = "{store}"
abi = "SlotStore"
function = "clear(uint256)"
args = ["1"]

[[scenario.step]]
call = "{store}"
abi = "SlotStore"
function = "set(uint256,uint256)"
args = ["2", "8"]

# alice owns the vault; bob's deposit is in it.
[[scenario.step]]
call = "{vault}"
abi = "Vault"
function = "withdraw(uint256)"
args = ["500000000000000000"]

[[scenario.step]]
call = "{vault}"
abi = "Vault"
function = "deposit()"
value = "1 ether"
from = "whale"

# New contracts next to the deployed ones.
[[scenario]]
name = "next to them"

[[scenario.step]]
deploy = "Router"
as = "router2"
args = ["{counter}"]
from = "carol"

[[scenario.step]]
call = "router2"
function = "bump(uint256)"
args = ["1"]
from = "carol"

[[scenario.step]]
deploy = "Token"
as = "fresh"
args = ["Fresh", "FRS", "500"]
from = "dave"

[[scenario.step]]
call = "fresh"
function = "transfer(address,uint256)"
args = ["{token}", "5"]
from = "dave"

[[scenario.step]]
call = "{token}"
abi = "Token"
function = "transfer(address,uint256)"
args = ["carol", "1"]
from = "bob"
"#,
            artifacts = fixture("artifacts/solc/output.json").to_str().unwrap(),
            token = self.token,
            counter = self.counter,
            router = self.router,
            store = self.store,
            vault = self.vault,
        )
    }
}

/// Runs `gasguard run` on `config` in `dir`; returns the report's bytes and stderr.
fn run(dir: &Path, config: &str, extra: &[&str]) -> (Vec<u8>, String) {
    run_with_env(dir, config, extra, &[])
}

fn run_with_env(dir: &Path, config: &str, extra: &[&str], env: &[(&str, &str)]) -> (Vec<u8>, String) {
    std::fs::write(dir.join("gasguard.toml"), config).unwrap();
    let _ = std::fs::remove_file(dir.join("report.json"));
    let mut args = vec!["run", "--config", "gasguard.toml", "--out", "report.json"];
    args.extend_from_slice(extra);
    let output = gasguard_with_env(dir, &args, env);
    assert_eq!(output.status.code(), Some(0), "gasguard run failed:\n{}", stderr(&output));
    (std::fs::read(dir.join("report.json")).unwrap(), stderr(&output))
}

fn calls(report: &[u8]) -> Vec<Value> {
    let report: Value = serde_json::from_slice(report).unwrap();
    report["calls"].as_array().unwrap().clone()
}

fn cache_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|entry| Some(entry.ok()?.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Every transaction costs in the forked embedded EVM exactly what anvil, forking the same node at
/// the same block, puts in its receipts: calls into the deployed contracts (warm and cold slots,
/// refunds, reverts) and the contracts deployed next to them.
#[test]
fn fork_gas_equals_anvil_fork_receipts() {
    let testnet = testnet();
    let dir = tempfile::tempdir().unwrap();
    let config = testnet.config(&testnet.node.url(), Some(testnet.block), "cache");
    let (forked, messages) = run(dir.path(), &config, &[]);
    assert!(messages.contains(&format!("at block {}", testnet.block)), "{messages}");
    // Every forked transaction's gas is attributed exactly, by kind, frame and line.
    let profiled = support::profile_attributed(&dir.path().join("gasguard.toml"));
    // A call into a deployed contract runs its code: recognised from the artifacts.
    let bump = profiled.report.calls.iter().position(|call| &*call.function == "bump(uint256)").unwrap();
    let frames = &profiled.attributions[bump].as_ref().unwrap().by_frame;
    assert!(
        frames.iter().any(|frame| &*frame.frame == "Router.bump(uint256);Counter.increment()"),
        "{frames:?}"
    );

    let reference = Anvil::start(&[
        "--hardfork",
        "prague",
        "--fork-url",
        &testnet.node.url(),
        "--fork-block-number",
        &testnet.block.to_string(),
    ]);
    let (replayed, _) = run(dir.path(), &config, &["--executor", "rpc", "--rpc-url", &reference.url()]);

    let ours = calls(&forked);
    let theirs = calls(&replayed);
    assert_eq!(ours.len(), 14, "every step ran");
    for (index, (ours, theirs)) in paired(&ours, &theirs).enumerate() {
        let label = format!("call {index}: {} step {} {}", ours["scenario"], ours["step"], ours["function"]);
        for field in ["gas_used", "status", "to", "from", "contract", "function", "revert"] {
            assert_eq!(ours[field], theirs[field], "{label}: `{field}` differs from anvil's receipt");
        }
        assert_eq!(ours["method"], "execution");
    }
    let report: Value = serde_json::from_slice(&forked).unwrap();
    assert_eq!(report["evm"]["fork_block"], testnet.block);
    assert_eq!(report["evm"]["chain_id"], 31337);
    // The history is visible: the refund for clearing slot 1 (written at the fork) shows.
    let clear = ours.iter().find(|call| call["function"] == "clear(uint256)").unwrap();
    assert!(clear["gas_used"].as_u64().unwrap() < 21_000 + 5_000, "clearing earns a refund: {clear}");
    let revert = ours.iter().find(|call| call["status"] == "revert").unwrap();
    assert_eq!(revert["revert"], "InsufficientBalance(0, 1)");
}

/// Transactions sent to the node after the pinned block change nothing: the report is
/// byte-identical. Without `fork_block`, the run forks the latest block, says so, records it,
/// and sees the newer state (so the pinned comparison can fail).
#[test]
fn transactions_after_the_pinned_block_change_nothing() {
    let testnet = testnet();
    let dir = tempfile::tempdir().unwrap();
    let url = testnet.node.url();
    let (before, _) = run(dir.path(), &testnet.config(&url, Some(testnet.block), "cache-1"), &[]);
    testnet.continue_history();
    let (after, _) = run(dir.path(), &testnet.config(&url, Some(testnet.block), "cache-2"), &[]);
    assert!(before == after, "the pinned report changed after new transactions on the node");

    let (latest, messages) = run(dir.path(), &testnet.config(&url, None, "cache-3"), &[]);
    let head = block_number(&url);
    assert!(messages.contains(&format!("`fork_block` is not set: forking `{url}` at its latest block, {head}; this report is not reproducible")), "{messages}");
    assert!(messages.contains(&format!("hint: pin the block with `fork_block = {head}`")), "{messages}");
    let report: Value = serde_json::from_slice(&latest).unwrap();
    assert_eq!(report["evm"]["fork_block"], head);
    assert_ne!(calls(&latest), calls(&before), "the newer state (slot 1 cleared) shows in the gas");
}

/// A first run fills the cache; with the node stopped, a second run gives a byte-identical report
/// without a single request.
#[test]
fn second_run_needs_no_node() {
    let mut testnet = testnet();
    let proxy = Proxy::start(&testnet.node.url(), Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let config = testnet.config(&proxy.url(), Some(testnet.block), "cache");
    let (first, messages) = run(dir.path(), &config, &[]);
    let cold = proxy.requests();
    assert!(cold > 0, "the first run fetches");
    let files = cache_files(&dir.path().join("cache"));
    assert_eq!(files.len(), 1, "one cache file: {files:?}");
    assert_eq!(files[0].file_name().unwrap(), format!("fork-31337-{}.cache", testnet.block).as_str());
    assert!(messages.contains("wrote the fork cache"), "{messages}");
    // Batched: a handful of requests, far fewer than the accounts and slots touched.
    let cached = std::fs::read_to_string(&files[0]).unwrap();
    let state: Value = serde_json::from_str(cached.split_once('\n').unwrap().1).unwrap();
    let slots: usize =
        state["storage"].as_object().unwrap().values().map(|slots| slots.as_object().unwrap().len()).sum();
    let touched = state["accounts"].as_object().unwrap().len() + slots;
    assert!(cold * 3 <= touched as u64, "{cold} requests for {touched} accounts and slots: {messages}");

    // The same chain through another URL: one request (chain id and block hash) finds the file,
    // which then records that URL too.
    let other = Proxy::start(&testnet.node.url(), Behaviour::default());
    let other_config = testnet.config(&other.url(), Some(testnet.block), "cache");
    // A second name for the file: rewritten in place, it would show the new bytes; replaced by a
    // temporary file renamed over it (an atomic write), it keeps the old ones.
    let before = std::fs::read(&files[0]).unwrap();
    let witness = dir.path().join("witness");
    std::fs::hard_link(&files[0], &witness).unwrap();
    let (through_other, _) = run(dir.path(), &other_config, &[]);
    assert_eq!(other.requests(), 1, "{:?}", other.methods());
    assert_ne!(std::fs::read(&files[0]).unwrap(), before, "the cache records the second URL");
    assert!(
        std::fs::read(&witness).unwrap() == before,
        "the cache was rewritten in place, not replaced atomically"
    );
    assert_eq!(cache_files(&dir.path().join("cache")), files, "no temporary file is left");
    assert_eq!(calls(&through_other), calls(&first));
    run(dir.path(), &other_config, &[]);
    assert_eq!(other.requests(), 1, "the second URL is known to the cache now");

    testnet.node.stop();
    let (second, messages) = run(dir.path(), &config, &[]);
    assert_eq!(proxy.requests(), cold, "the warm run made requests: {:?}", &proxy.methods()[cold as usize..]);
    assert!(first == second, "the warm report differs from the cold one");
    assert!(messages.contains("everything from the cache, no requests"), "{messages}");
    assert!(!messages.contains("wrote the fork cache"), "nothing new, nothing written: {messages}");
}

/// A node that answers 429 and 502 every other request, then one that rejects batches: the report
/// is byte-identical to the one from a well-behaved node.
#[test]
fn flaky_node_gives_the_same_report() {
    let testnet = testnet();
    let proxy = Proxy::start(&testnet.node.url(), Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let (clean, _) = run(dir.path(), &testnet.config(&proxy.url(), Some(testnet.block), "clean"), &[]);

    proxy.set_behaviour(Behaviour { fail_every: Some(2), ..Behaviour::default() });
    let (flaky, messages) = run(dir.path(), &testnet.config(&proxy.url(), Some(testnet.block), "flaky"), &[]);
    assert!(proxy.failures() >= 3, "failures were injected: {}", proxy.failures());
    assert!(flaky == clean, "retries changed the report");
    assert!(messages.contains("retried"), "{messages}");

    proxy.set_behaviour(Behaviour { reject_batches: true, ..Behaviour::default() });
    let (unbatched, messages) =
        run(dir.path(), &testnet.config(&proxy.url(), Some(testnet.block), "unbatched"), &[]);
    assert!(unbatched == clean, "single requests changed the report");
    assert!(messages.contains("the node rejects batched requests"), "{messages}");
}

/// A cache file cut short (an interrupted CI cache upload) is detected, reported, refetched and
/// rewritten whole.
#[test]
fn truncated_cache_is_refetched() {
    let testnet = testnet();
    let proxy = Proxy::start(&testnet.node.url(), Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let config = testnet.config(&proxy.url(), Some(testnet.block), "cache");
    let (first, _) = run(dir.path(), &config, &[]);
    let file = cache_files(&dir.path().join("cache")).remove(0);
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();

    let cold = proxy.requests();
    let (second, messages) = run(dir.path(), &config, &[]);
    let shown = format!("cache/fork-31337-{}.cache", testnet.block);
    assert!(
        messages.contains(&format!("warning: discarding the fork cache `{shown}`: it is truncated")),
        "{messages}"
    );
    assert!(proxy.requests() > cold, "the state is fetched again");
    assert!(first == second);
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "the rewritten cache is whole again");
    assert_eq!(
        cache_files(&dir.path().join("cache")),
        std::slice::from_ref(&file),
        "no temporary file is left"
    );

    let warm = proxy.requests();
    run(dir.path(), &config, &[]);
    assert_eq!(proxy.requests(), warm, "the repaired cache is used");
}

/// A run whose step fails still writes what it fetched (the chain's state at the pinned block does
/// not depend on the scenarios): with the step fixed and the node gone, the next run needs no
/// request.
#[test]
fn a_failed_run_still_writes_the_fork_cache() {
    let mut testnet = testnet();
    let proxy = Proxy::start(&testnet.node.url(), Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let config = testnet.config(&proxy.url(), Some(testnet.block), "cache");
    // Appended to the last scenario: everything else runs first. dave holds no tokens.
    let failing = format!(
        "{config}\n[[scenario.step]]\ncall = \"{}\"\nabi = \"Token\"\nfunction = \"transfer(address,uint256)\"\nargs = [\"carol\", \"1\"]\nfrom = \"dave\"\n",
        testnet.token
    );
    std::fs::write(dir.path().join("gasguard.toml"), &failing).unwrap();
    let output = gasguard(dir.path(), &["run", "--config", "gasguard.toml", "--out", "report.json"]);
    assert_eq!(output.status.code(), Some(2), "the unexpected revert fails the run:\n{}", stderr(&output));
    assert!(stderr(&output).contains("InsufficientBalance(0, 1)"), "{}", stderr(&output));
    assert!(!dir.path().join("report.json").exists());
    assert!(stderr(&output).contains("wrote the fork cache"), "{}", stderr(&output));
    let files = cache_files(&dir.path().join("cache"));
    assert_eq!(files.len(), 1, "the failed run wrote its cache: {files:?}");

    testnet.node.stop();
    let requests = proxy.requests();
    let (_, messages) = run(dir.path(), &config, &[]);
    assert_eq!(proxy.requests(), requests, "the cache of the failed run was not enough");
    assert!(messages.contains("everything from the cache, no requests"), "{messages}");
}

/// No node and no cache: a clear error naming the URL and the method, exit code 2.
#[test]
fn unreachable_node_without_cache_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = format!(
        "artifacts = {:?}\n[evm]\nfork_url = \"http://127.0.0.1:{port}\"\nfork_block = 5\n\n[[scenario]]\nname = \"s\"\n[[scenario.step]]\ndeploy = \"Counter\"\n",
        fixture("artifacts/solc/output.json").to_str().unwrap()
    );
    std::fs::write(dir.path().join("gasguard.toml"), config).unwrap();
    let output = gasguard(dir.path(), &["run", "--config", "gasguard.toml", "--out", "report.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!dir.path().join("report.json").exists());
    let message =
        stderr(&output).replace(&port.to_string(), "[PORT]").replace(dir.path().to_str().unwrap(), "[DIR]");
    insta::assert_snapshot!(message);
}

/// An API key in the URL's path and in its query reaches the node, expanded and exact, on every
/// request, and never shows: not on stdout, not on stderr, not in the report, not in the cache,
/// and not in an error.
#[test]
fn credentials_never_leave_the_url() {
    let testnet = testnet();
    let proxy = Proxy::start(&testnet.node.url(), Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let path_key = "Xy7abcDEF1234567890ghijKLM";
    let query_key = "hunter2-query-secret";
    let url = format!("{}/v2/${{GASGUARD_TEST_KEY}}?apikey={query_key}", proxy.url());
    let config = testnet.config(&url, Some(testnet.block), "cache");
    let env = [("GASGUARD_TEST_KEY", path_key)];
    std::fs::write(dir.path().join("gasguard.toml"), &config).unwrap();
    let output =
        gasguard_with_env(dir.path(), &["run", "--config", "gasguard.toml", "--out", "report.json"], &env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // The proxy forwards whatever path it is given, so the key's arrival is checked on the request
    // line: not the redacted `/v2/***?apikey=***`, not the unexpanded `${…}`.
    let targets = proxy.targets();
    assert!(!targets.is_empty(), "the run reached the node");
    let expected = format!("/v2/{path_key}?apikey={query_key}");
    for target in &targets {
        assert_eq!(target, &expected, "a request reached the node without the real key: {targets:?}");
    }
    let report = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    let report_text = report.clone();
    let cache: Vec<String> = cache_files(&dir.path().join("cache"))
        .iter()
        .map(|file| String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned())
        .collect();
    let shown = format!("{}/v2/***?apikey=***", proxy.url());
    let parsed: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(parsed["evm"]["fork_url"], shown.as_str());
    assert!(stderr(&output).contains(&shown), "{}", stderr(&output));
    for (what, text) in [("stdout", stdout(&output)), ("stderr", stderr(&output)), ("report", report)]
        .into_iter()
        .chain(cache.into_iter().map(|text| ("cache", text)))
    {
        for secret in [path_key, query_key] {
            assert!(!text.contains(secret), "the key leaked into {what}:\n{text}");
        }
    }

    // The cache records the URL as shown, which does not depend on the secret: a second run
    // without the key uses the cache and gives the same report, without a request.
    let requests = proxy.requests();
    let output = gasguard(dir.path(), &["run", "--config", "gasguard.toml", "--out", "again.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(dir.path().join("again.json")).unwrap(), report_text);
    assert_eq!(proxy.requests(), requests);

    // Without the key and without a cache for the block: an error that says what is missing.
    let uncached = config.replace(&format!("fork_block = {}", testnet.block), "fork_block = 1");
    std::fs::write(dir.path().join("gasguard.toml"), &uncached).unwrap();
    let output = gasguard(dir.path(), &["run", "--config", "gasguard.toml", "--out", "report.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid config `gasguard.toml`: [evm] fork_url: environment variable `GASGUARD_TEST_KEY` is not set, and the chain id and block 1 must come from the node"),
        "{}",
        stderr(&output)
    );

    // The failing path too: an error that names the URL.
    drop(proxy);
    let failing = config.replace(&format!("fork_block = {}", testnet.block), "fork_block = 999999");
    std::fs::write(dir.path().join("gasguard.toml"), failing).unwrap();
    let output =
        gasguard_with_env(dir.path(), &["run", "--config", "gasguard.toml", "--out", "report.json"], &env);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("/v2/***?apikey=***"), "{message}");
    for secret in [path_key, query_key] {
        assert!(!message.contains(secret), "the key leaked into an error:\n{message}");
    }
}

/// Scenarios on two threads share the fetched state: the same report, the same state fetched
/// (the cache files are byte for byte the same) and the same number of requests as one thread.
#[test]
fn parallel_scenarios_fetch_nothing_twice() {
    let testnet = testnet();
    let proxy = Proxy::start(&testnet.node.url(), Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let (one, _) =
        run(dir.path(), &testnet.config(&proxy.url(), Some(testnet.block), "one"), &["--jobs", "1"]);
    let sequential = proxy.requests();
    assert!(sequential > 0);
    let (two, messages) =
        run(dir.path(), &testnet.config(&proxy.url(), Some(testnet.block), "two"), &["--jobs", "2"]);
    assert!(two == one, "--jobs 2 wrote another report than --jobs 1");
    assert_eq!(proxy.requests() - sequential, sequential, "{messages}");
    let (first, second) = (cache_files(&dir.path().join("one")), cache_files(&dir.path().join("two")));
    assert_eq!(first.len(), 1);
    assert_eq!(second.len(), 1);
    assert!(
        std::fs::read(&first[0]).unwrap() == std::fs::read(&second[0]).unwrap(),
        "different state fetched"
    );
}
