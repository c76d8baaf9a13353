//! `gasguard run` on the bundled demo: its numbers equal a real node's receipts, call by call,
//! and the report is the same whatever the artifact format and however often it runs.

mod support;

use serde_json::Value;
use support::{Anvil, fixture, gasguard, paired, stderr};

fn run_demo(dir: &std::path::Path, extra: &[&str]) -> Value {
    let config = fixture("demo/gasguard.toml");
    let out = dir.join("report.json");
    let mut args = vec!["run", "--config", config.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = gasguard(dir, &args);
    assert_eq!(output.status.code(), Some(0), "gasguard run failed:\n{}", stderr(&output));
    serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
}

/// Every demo transaction replayed on anvil (same hardfork, same senders) costs exactly what the
/// embedded EVM reported: `gas_used` equals the receipt's `gasUsed`, deployments included, and the
/// created addresses are the same (CREATE follows each sender's nonce as on a real chain).
#[test]
fn embedded_gas_equals_anvil_receipts() {
    let dir = tempfile::tempdir().unwrap();
    let embedded = run_demo(dir.path(), &[]);
    let anvil = Anvil::start(&["--hardfork", "prague"]);
    let node = run_demo(dir.path(), &["--executor", "rpc", "--rpc-url", &anvil.url()]);

    let embedded = embedded["calls"].as_array().unwrap();
    let node = node["calls"].as_array().unwrap();
    assert!(embedded.len() >= 50, "the demo should exercise many calls, got {}", embedded.len());
    let deployments = embedded.iter().filter(|call| call["function"] == "constructor").count();
    assert!(deployments >= 9, "every sample contract is deployed");
    for (index, (ours, theirs)) in paired(embedded, node).enumerate() {
        let label = format!("call {index}: {} step {} {}", ours["scenario"], ours["step"], ours["function"]);
        for field in ["gas_used", "status", "to", "from", "contract", "function", "execution_gas"] {
            assert_eq!(ours[field], theirs[field], "{label}: `{field}` differs from the anvil receipt");
        }
        // The node executor decodes revert data by replaying the call; both must agree.
        assert_eq!(ours["revert"], theirs["revert"], "{label}: revert reason");
    }
}

/// The scenario language of issue 11 on anvil: clones named from what the factory returns (first
/// and second return value), labels, names inside arrays and tuples, plain transfers to an
/// account and to `receive`, raw calldata to `fallback` and to a known selector, and `"max"`: every
/// transaction costs what the receipt says, at the same addresses.
#[test]
fn scenario_language_equals_anvil_receipts() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture("scenarios/gasguard.toml");
    let run = |extra: &[&str]| -> Value {
        let out = dir.path().join("report.json");
        let mut args = vec!["run", "--config", config.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let output = gasguard(dir.path(), &args);
        assert_eq!(output.status.code(), Some(0), "gasguard run failed:\n{}", stderr(&output));
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
    };
    let embedded = run(&[]);
    let anvil = Anvil::start(&["--hardfork", "prague"]);
    let node = run(&["--executor", "rpc", "--rpc-url", &anvil.url()]);
    let embedded = embedded["calls"].as_array().unwrap();
    let node = node["calls"].as_array().unwrap();
    assert_eq!(embedded.len(), 18);
    for (index, (ours, theirs)) in paired(embedded, node).enumerate() {
        let label = format!("call {index}: {} step {} {}", ours["scenario"], ours["step"], ours["function"]);
        for field in ["gas_used", "status", "to", "from", "contract", "function", "execution_gas", "revert"] {
            assert_eq!(ours[field], theirs[field], "{label}: `{field}` differs from the anvil receipt");
        }
    }
    let find = |scenario: &str, step: u64| -> Vec<&Value> {
        embedded.iter().filter(|call| call["scenario"] == scenario && call["step"] == step).collect()
    };
    // The clones are called at the addresses the factory returned, not at the implementation.
    let implementation = &find("clones", 1)[0]["to"];
    let (first, second) = (&find("clones", 5)[0], &find("clones", 6)[0]);
    assert_ne!(&first["to"], implementation);
    assert_ne!(first["to"], second["to"], "`returns = 1` names the second clone");
    assert_eq!(first["function"], "increment() [via clone]");
    assert_eq!(find("clones", 7)[0]["function"], "increment()");
    let collision = find("clones", 9)[0];
    assert_eq!(collision["revert"], "revert: CloneFactory: create2 failed");
    assert!(collision["gas_used"].as_u64().unwrap() > 290_000, "the forwarded gas is consumed: {collision}");
    assert_eq!(find("tips", 2)[0]["function"], "receive()");
    assert_eq!(find("tips", 2)[0]["gas_used"], 21_000, "a plain transfer to an account");
    assert_eq!(find("tips", 3)[0]["function"], "receive()");
    assert_eq!(find("tips", 4)[0]["function"], "fallback()");
    assert_eq!(find("tips", 5)[0]["function"], "tips()");
    assert_eq!(find("tips", 7)[0]["function"], "creditAll((address,uint256)[]) [overflow]");
    // `"max"` really is type(uint256).max: adding to it overflows.
    assert_eq!(find("tips", 7)[0]["revert"], "panic: arithmetic underflow or overflow (0x11)");
}

/// The same contracts loaded from Foundry, Hardhat and solc standard-json artifacts give the same
/// report, and two runs give byte-identical files.
#[test]
fn report_is_deterministic_across_formats() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture("demo/gasguard.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let mut reports = Vec::new();
    for (format, path) in [
        ("foundry", fixture("artifacts/foundry/out")),
        ("hardhat", fixture("artifacts/hardhat/artifacts")),
        ("solc", fixture("artifacts/solc/output.json")),
    ] {
        let variant = dir.path().join(format!("{format}.toml"));
        let replaced = text.replace(
            "artifacts = \"../artifacts/foundry/out\"",
            &format!("artifacts = {:?}", path.to_str().unwrap()),
        );
        assert_ne!(replaced, text, "the demo config names its artifacts as expected");
        std::fs::write(&variant, replaced).unwrap();
        for _ in 0..2 {
            let out = dir.path().join(format!("{format}.json"));
            let output = gasguard(
                dir.path(),
                &["run", "--config", variant.to_str().unwrap(), "--out", out.to_str().unwrap()],
            );
            assert_eq!(output.status.code(), Some(0), "{format}: {}", stderr(&output));
            reports.push((format, std::fs::read(&out).unwrap()));
        }
    }
    let (first_format, first) = &reports[0];
    for (format, bytes) in &reports[1..] {
        assert!(bytes == first, "report from {format} artifacts differs from {first_format}");
    }
    let report: Value = serde_json::from_slice(first).unwrap();
    assert_eq!(report["schema"], "gasguard/report/v2");
    // Build fingerprints come from each format's metadata (Hardhat: its build info) alike.
    let settings = &report["build"]["contracts"]["contracts/Token.sol:Token"];
    assert_eq!(settings["compiler"], "0.8.30+commit.73712a01");
    assert_eq!((settings["optimizer"].as_bool(), settings["runs"].as_u64()), (Some(true), Some(200)));
    assert_eq!(
        (settings["via_ir"].as_bool(), settings["evm_version"].as_str()),
        (Some(false), Some("prague"))
    );
    assert_eq!(report["evm"]["spec"], "prague");
    let token = &report["contracts"]["contracts/Token.sol:Token"];
    assert_eq!(token["deployment"]["size"].as_u64(), Some(1350));
    assert_eq!(token["functions"]["transfer(address,uint256)"]["calls"].as_u64(), Some(5));
}
