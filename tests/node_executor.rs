//! The node executor against nodes that are not development nodes. A real anvil stands in for
//! them behind a proxy that hides `anvil_*`, `hardhat_*` and `evm_*` (and `debug_*` for the
//! estimate path) and claims to be geth; the reference numbers are receipts from the same anvil
//! used directly, as a development node.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::proxy::{Behaviour, Proxy};
use support::{Anvil, fixture, gasguard_with_env, paired, rpc_call, send_transaction, stderr, stdout};

const ALICE: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
/// anvil's first development key (alice's), published with the `test … junk` mnemonic.
const ALICE_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn run(dir: &Path, config: &Path, extra: &[&str], env: &[(&str, &str)]) -> (Value, String) {
    let out = dir.join("report.json");
    let mut args = vec!["run", "--config", config.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = gasguard_with_env(dir, &args, env);
    assert_eq!(output.status.code(), Some(0), "gasguard run failed:\n{}", stderr(&output));
    let report = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    (report, format!("{}{}", stdout(&output), stderr(&output)))
}

/// A node that is neither a development node nor able to trace: only `eth_estimateGas` is left.
fn without_tracing() -> Behaviour {
    Behaviour {
        hidden_methods: vec!["anvil_".into(), "hardhat_".into(), "evm_".into(), "debug_".into()],
        ..Behaviour::not_a_dev_node()
    }
}

fn calls(report: &Value) -> &Vec<Value> {
    report["calls"].as_array().unwrap()
}

/// Simulated with `debug_traceCall`, every demo transaction costs what its receipt says when the
/// same node mines it: state carries from step to step through the prestate tracer's diffs
/// (deployments, balances, storage written and cleared, nonces for CREATE addresses), and reverts
/// decode the same.
#[test]
fn trace_mode_equals_receipts() {
    let node = Anvil::start(&["--hardfork", "prague"]);
    let proxy = Proxy::start(&node.url(), Behaviour::not_a_dev_node());
    let dir = tempfile::tempdir().unwrap();
    let config = fixture("demo/gasguard.toml");
    let (traced, messages) = run(dir.path(), &config, &["--executor", "rpc", "--rpc-url", &proxy.url()], &[]);
    assert!(
        messages.contains(
            "(Geth/v1.16.7-stable/linux-amd64/go1.24.4) is not a development node: nothing is sent"
        ),
        "{messages}"
    );
    let methods = proxy.methods();
    assert!(
        !methods.iter().any(|method| method.starts_with("eth_send")),
        "a simulation sent a transaction: {methods:?}"
    );

    let (mined, _) = run(dir.path(), &config, &["--executor", "rpc", "--rpc-url", &node.url()], &[]);
    let (traced, mined) = (calls(&traced), calls(&mined));
    assert!(traced.len() >= 50);
    for (index, (ours, theirs)) in paired(traced, mined).enumerate() {
        let label = format!("call {index}: {} step {} {}", ours["scenario"], ours["step"], ours["function"]);
        assert_eq!(ours["method"], "trace", "{label}");
        assert_eq!(theirs["method"], "execution", "{label}");
        for field in ["gas_used", "status", "to", "from", "revert"] {
            assert_eq!(ours[field], theirs[field], "{label}: `{field}` differs from the receipt");
        }
    }
}

/// Deploys a Counter and a SlotStore with one slot set, as contracts already on the network.
fn deployed_contracts(node: &Anvil) -> (String, String) {
    let output: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("artifacts/solc/output.json")).unwrap())
            .unwrap();
    let deploy = |file: &str, name: &str| {
        let code = output["contracts"][file][name]["evm"]["bytecode"]["object"].as_str().unwrap();
        let receipt = send_transaction(&node.url(), json!({"from": ALICE, "input": format!("0x{code}")}));
        receipt["contractAddress"].as_str().unwrap().to_owned()
    };
    let counter = deploy("contracts/Counter.sol", "Counter");
    let store = deploy("contracts/Storage.sol", "SlotStore");
    // set(1, 42)
    let data = format!("0x1ab06ee5{:064x}{:064x}", 1, 42);
    node.rpc("eth_sendTransaction", &format!(r#"[{{"from":"{}","to":"{store}","input":"{data}"}}]"#, ALICE))
        .unwrap();
    (counter, store)
}

fn write_config(dir: &Path, steps: &str) -> std::path::PathBuf {
    let path = dir.join("gasguard.toml");
    let text = format!(
        "artifacts = {:?}\n[evm]\nspec = \"prague\"\n\n[[scenario]]\nname = \"s\"\n{steps}",
        fixture("artifacts/solc/output.json").to_str().unwrap()
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Without `debug_traceCall`, the gas is `eth_estimateGas`: labelled as such, never below what
/// the receipt charges, and above it where a refund is involved.
#[test]
fn estimate_mode_is_an_upper_bound() {
    let node = Anvil::start(&["--hardfork", "prague"]);
    let (counter, store) = deployed_contracts(&node);
    let proxy = Proxy::start(&node.url(), without_tracing());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            r#"
[[scenario.step]]
call = "{counter}"
abi = "Counter"
function = "increment()"

[[scenario.step]]
call = "{store}"
abi = "SlotStore"
function = "clear(uint256)"
args = ["1"]

[[scenario.step]]
deploy = "Counter"
"#
        ),
    );
    let (estimated, messages) =
        run(dir.path(), &config, &["--executor", "rpc", "--rpc-url", &proxy.url()], &[]);
    assert!(messages.contains("`eth_estimateGas`, an upper bound"), "{messages}");
    let (mined, _) = run(dir.path(), &config, &["--executor", "rpc", "--rpc-url", &node.url()], &[]);
    let (estimated, mined) = (calls(&estimated), calls(&mined));
    assert_eq!(estimated.len(), 3);
    for (ours, theirs) in paired(estimated, mined) {
        assert_eq!(ours["method"], "estimate");
        let (estimate, charged) = (ours["gas_used"].as_u64().unwrap(), theirs["gas_used"].as_u64().unwrap());
        assert!(
            estimate >= charged,
            "{}: estimate {estimate} below the receipt's {charged}",
            ours["function"]
        );
    }
    let clear = (estimated[1]["gas_used"].as_u64().unwrap(), mined[1]["gas_used"].as_u64().unwrap());
    assert!(clear.0 > clear.1, "the refund makes the estimate an upper bound: {clear:?}");
    assert_eq!(estimated[2]["to"], mined[2]["to"], "the deployment's address is predicted");
}

/// Runs `steps` (one scenario `s`) with the node executor against a node that does not trace
/// (estimate mode), writing `report.json` in a fresh folder; the node lives as long as the run.
struct EstimateRun {
    _node: Anvil,
    proxy: Proxy,
    dir: tempfile::TempDir,
    output: std::process::Output,
}

fn run_in_estimate_mode(steps: &str) -> EstimateRun {
    let node = Anvil::start(&["--hardfork", "prague"]);
    let proxy = Proxy::start(&node.url(), without_tracing());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), steps);
    let out = dir.path().join("report.json");
    let output = gasguard_with_env(
        dir.path(),
        &[
            "run",
            "--config",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--executor",
            "rpc",
            "--rpc-url",
            &proxy.url(),
        ],
        &[],
    );
    EstimateRun { _node: node, proxy, dir, output }
}

/// Without state carried between steps, calling what an earlier step deployed is refused with an
/// explanation, not measured against an empty address.
#[test]
fn estimate_mode_refuses_calls_into_contracts_it_deployed() {
    let run = run_in_estimate_mode(
        "\n[[scenario.step]]\ndeploy = \"Counter\"\nas = \"c\"\n\n[[scenario.step]]\ncall = \"c\"\nfunction = \"increment()\"\n",
    );
    assert_eq!(run.output.status.code(), Some(2));
    let message = stderr(&run.output)
        .replace(&run.proxy.port.to_string(), "[PORT]")
        .replace(run.dir.path().to_str().unwrap(), "[DIR]");
    insta::assert_snapshot!(message);
}

/// A step that names what a call returns (`as`) calls a contract an earlier step deployed (or
/// named), which estimate mode cannot reach: it is refused with the same explanation, before
/// any figure or name is made up.
#[test]
fn estimate_mode_refuses_to_name_what_a_call_returns() {
    let run = run_in_estimate_mode(
        "\n[[scenario.step]]\ndeploy = \"Counter\"\nas = \"counter\"\n\n[[scenario.step]]\ndeploy = \"CloneFactory\"\nas = \"factory\"\n\n[[scenario.step]]\ncall = \"factory\"\nfunction = \"clone(address)\"\nargs = [\"counter\"]\nas = \"clone\"\nabi = \"Counter\"\n",
    );
    assert_eq!(run.output.status.code(), Some(2), "{}", stderr(&run.output));
    let message = stderr(&run.output);
    assert!(message.contains("scenario `s`, step 3"), "{message}");
    assert!(message.contains("deployed by an earlier step, but"), "{message}");
    assert!(message.contains("cannot carry state from one step to the next"), "{message}");
    assert!(!run.dir.path().join("report.json").exists());
}

/// `--send` signs real transactions with the key from the environment: receipts' gas, equal to the
/// embedded EVM's, state that persists on the node, a key that never shows, and steps from other
/// senders refused.
#[test]
fn send_mode_signs_real_transactions() {
    let node = Anvil::start(&["--hardfork", "prague"]);
    let proxy = Proxy::start(&node.url(), Behaviour::not_a_dev_node());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        r#"
[[scenario.step]]
deploy = "Token"
as = "token"
args = ["Gas", "GAS", "1000"]

[[scenario.step]]
call = "token"
function = "transfer(address,uint256)"
args = ["bob", "10"]
repeat = 2

[[scenario.step]]
call = "token"
function = "transfer(address,uint256)"
args = ["bob", "100000"]
expect = "revert"
"#,
    );
    let env = [("DEPLOYER_KEY", ALICE_KEY)];
    let extra =
        ["--executor", "rpc", "--rpc-url", &proxy.url(), "--send", "--private-key-env", "DEPLOYER_KEY"];
    let (sent, messages) = run(dir.path(), &config, &extra, &env);
    assert!(!messages.contains(&ALICE_KEY[2..]), "the key leaked:\n{messages}");
    assert!(
        messages.contains(
            "`--send`: steps are real transactions from `0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266`"
        )
    );
    let nonce = rpc_call(&node.url(), "eth_getTransactionCount", &format!(r#"["{}","latest"]"#, ALICE));
    assert_eq!(nonce, Some(Value::from("0x4")), "four transactions were mined");

    let (embedded, _) = run(dir.path(), &config, &[], &[]);
    // A deployment, two transfers and the reverted one: every transaction sent has its record.
    assert_eq!(calls(&sent).len(), 4, "{:#}", sent["calls"]);
    for (ours, theirs) in paired(calls(&sent), calls(&embedded)) {
        assert_eq!(ours["method"], "execution");
        for field in ["gas_used", "status", "revert"] {
            assert_eq!(ours[field], theirs[field], "{}: `{field}`", ours["function"]);
        }
    }

    std::fs::write(
        &config,
        std::fs::read_to_string(&config)
            .unwrap()
            .replace("args = [\"bob\", \"10\"]", "args = [\"bob\", \"10\"]\nfrom = \"bob\""),
    )
    .unwrap();
    let output = gasguard_with_env(
        dir.path(),
        &["run", "--config", config.to_str().unwrap(), "--out", "report.json"]
            .into_iter()
            .chain(extra)
            .collect::<Vec<_>>(),
        &env,
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("but `--send` signs for `0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266` only"),
        "{message}"
    );

    let output = gasguard_with_env(
        dir.path(),
        &["run", "--config", config.to_str().unwrap(), "--out", "report.json"]
            .into_iter()
            .chain(extra)
            .collect::<Vec<_>>(),
        &[("DEPLOYER_KEY", "not-a-key")],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("environment variable `DEPLOYER_KEY` does not hold a private key"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("not-a-key"));
}
