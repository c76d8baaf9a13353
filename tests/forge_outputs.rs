//! gasguard against the real Foundry (the pinned npm `forge`, compiling through
//! `scripts/solc-wrapper.mjs` and the pinned solcjs, offline): the Foundry artifact loader reads
//! what `forge build` writes, and the importers read what `forge snapshot` and
//! `forge test --gas-report --json` write, before and after a change that costs gas.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::{copy_dir, fixture, foundry_binary, gasguard, paired, root, stderr, stdout};

/// Writes a `foundry.toml` that compiles offline with the solcjs wrapper.
fn foundry_toml(dir: &Path, src: &str) {
    let wrapper = root().join("scripts/solc-wrapper.mjs");
    std::fs::write(
        dir.join("foundry.toml"),
        format!(
            "[profile.default]\nsrc = \"{src}\"\ntest = \"test\"\nout = \"out\"\nsolc = {:?}\noffline = true\noptimizer = true\noptimizer_runs = 200\nevm_version = \"prague\"\n",
            wrapper.to_str().unwrap()
        ),
    )
    .unwrap();
}

fn forge(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(foundry_binary("forge")).args(args).current_dir(dir).output().unwrap();
    assert!(output.status.success(), "forge {args:?} failed:\n{}\n{}", stdout(&output), stderr(&output));
    stdout(&output)
}

/// The demo, profiled over the artifacts `forge build` writes for `contracts/`, runs the same
/// transactions for the same gas as over the committed artifacts (deployments aside: forge's
/// metadata hash differs, and with it a few init-code bytes).
#[test]
fn demo_runs_over_forge_build_output() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("contracts"), &dir.path().join("contracts"));
    foundry_toml(dir.path(), "contracts");
    forge(dir.path(), &["build"]);

    let text = std::fs::read_to_string(fixture("demo/gasguard.toml")).unwrap();
    let forge_out = dir.path().join("out");
    let config = text.replace("\"../artifacts/foundry/out\"", &format!("{:?}", forge_out.to_str().unwrap()));
    std::fs::write(dir.path().join("gasguard.toml"), config).unwrap();
    let output = gasguard(dir.path(), &["run", "--config", "gasguard.toml", "--out", "report.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let ours: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap()).unwrap();
    let committed = gasguard(
        dir.path(),
        &["run", "--config", fixture("demo/gasguard.toml").to_str().unwrap(), "--out", "-"],
    );
    let committed: Value = serde_json::from_str(&stdout(&committed)).unwrap();
    let (ours, committed) = (ours["calls"].as_array().unwrap(), committed["calls"].as_array().unwrap());
    for (a, b) in paired(ours, committed) {
        assert_eq!(a["contract"], b["contract"]);
        assert_eq!(a["status"], b["status"]);
        if a["function"] != "constructor" {
            assert_eq!(
                a["gas_used"], b["gas_used"],
                "{} step {} {}",
                a["scenario"], a["step"], a["function"]
            );
        }
    }
}

/// Real `forge snapshot`, section snapshots and `--gas-report --json` outputs, before and after
/// making `increment()` write a second slot: each import diffs as a regression with exit code 1.
#[test]
fn forge_outputs_import_and_diff() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("forge-project"), dir.path());
    foundry_toml(dir.path(), "src");
    let measure = |label: &str| {
        forge(dir.path(), &["snapshot", "--snap", &format!("{label}.gas-snapshot")]);
        copy_dir(&dir.path().join("snapshots"), &dir.path().join(format!("{label}-snapshots")));
        let report = forge(dir.path(), &["test", "--gas-report", "--json"]);
        // forge prints the test results before the JSON array: keep the last line.
        let json = report.lines().rev().find(|line| line.starts_with('[')).unwrap_or_default().to_owned();
        std::fs::write(dir.path().join(format!("{label}-gas-report.json")), json).unwrap();
    };
    measure("base");
    let source = dir.path().join("src/Counter.sol");
    let text = std::fs::read_to_string(&source).unwrap();
    let changed =
        text.replace("uint256 public count;", "uint256 public count;\n    uint256 public touched;").replace(
            "function increment() external { count += 1; }",
            "function increment() external { count += 1; touched = block.number; }",
        );
    assert_ne!(changed, text, "the fixture contract has the expected shape");
    std::fs::write(&source, changed).unwrap();
    measure("head");

    let diff = |base: &str, head: &str| -> Value {
        let output = gasguard(dir.path(), &["diff", base, head, "--format", "json"]);
        assert_eq!(output.status.code(), Some(1), "{base} → {head} should regress:\n{}", stderr(&output));
        serde_json::from_str(&stdout(&output)).unwrap()
    };
    let status_of = |diff: &Value, id: &str| -> String {
        let entries = diff["entries"].as_array().unwrap();
        let entry = entries.iter().find(|e| e["id"] == id).unwrap_or_else(|| panic!("no {id} in {diff}"));
        entry["status"].as_str().unwrap().to_owned()
    };

    let snapshot = diff("base.gas-snapshot", "head.gas-snapshot");
    assert_eq!(status_of(&snapshot, "test:CounterTest:testIncrement()"), "regression");
    assert_eq!(
        status_of(&snapshot, "test:CounterTest:testAdd(uint256)"),
        "unchanged",
        "add() did not change"
    );

    let sections = diff("base-snapshots", "head-snapshots");
    assert_eq!(status_of(&sections, "section:Counter/first increment"), "regression");
    assert_eq!(status_of(&sections, "section:Counter/second increment"), "regression");

    let report = diff("base-gas-report.json", "head-gas-report.json");
    assert_eq!(status_of(&report, "fn:src/Counter.sol:Counter.increment()"), "regression");
    assert_eq!(status_of(&report, "deploy:src/Counter.sol:Counter"), "regression");
    assert_eq!(status_of(&report, "fn:src/Counter.sol:Counter.count()"), "unchanged");
}
