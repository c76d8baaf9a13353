//! `gasguard check`, `diff`, `baseline` and `import` through the real binary: exit codes are the
//! verdict (0 pass, 1 policy failed, 2 error), outputs are written atomically or not at all.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{fixture, gasguard, stderr, stdout};

/// A folder with the demo config (artifacts pointing at the fixtures) and its profiled report.
struct Demo {
    dir: tempfile::TempDir,
}

impl Demo {
    fn new(policy: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(fixture("demo/gasguard.toml")).unwrap();
        let artifacts = fixture("artifacts/foundry/out");
        let text =
            text.replace("\"../artifacts/foundry/out\"", &format!("{:?}", artifacts.to_str().unwrap()));
        std::fs::write(dir.path().join("gasguard.toml"), format!("{text}\n{policy}")).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        gasguard(self.dir.path(), args)
    }

    /// Writes the baseline, then lets `edit` change it (to fake an older, cheaper version).
    fn baseline(&self, edit: impl FnOnce(&mut Value)) {
        let output = self.run(&["baseline"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let path = self.path(".gasguard/baseline.json");
        let mut report: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        edit(&mut report);
        std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    }
}

const TRANSFER: &str = "/contracts/contracts~1Token.sol:Token/functions/transfer(address,uint256)/mean";

fn set(report: &mut Value, pointer: &str, value: u64) {
    *report.pointer_mut(pointer).unwrap_or_else(|| panic!("no {pointer}")) = Value::from(value);
}

#[test]
fn unchanged_code_passes() {
    let demo = Demo::new("");
    demo.baseline(|_| {});
    let output = demo.run(&["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let diff: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(diff["schema"], "gasguard/diff/v1");
    assert_eq!(diff["verdict"], "pass");
    assert_eq!(diff["summary"]["regressions"], 0);
    assert!(diff["summary"]["unchanged"].as_u64().unwrap() > 40);
}

/// A function that got 1 gas more expensive fails the exact default policy with exit code 1 and
/// names the entry and the rule.
#[test]
fn any_increase_fails_by_default() {
    let demo = Demo::new("");
    demo.baseline(|report| set(report, TRANSFER, 40_996));
    let output = demo.run(&["check", "--format", "json", "--out", "diff.json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let diff: Value =
        serde_json::from_str(&std::fs::read_to_string(demo.path("diff.json")).unwrap()).unwrap();
    assert_eq!(diff["verdict"], "fail");
    assert_eq!(diff["summary"]["regressions"], 1);
    let failing: Vec<&Value> =
        diff["entries"].as_array().unwrap().iter().filter(|e| e["status"] == "regression").collect();
    assert_eq!(failing[0]["id"], "fn:contracts/Token.sol:Token.transfer(address,uint256)");
    assert_eq!(failing[0]["delta"], 1);
    assert_eq!(failing[0]["rule"], "default");
    // The same check with --no-fail-on-regression reports but exits 0.
    let output = demo.run(&["check", "--no-fail-on-regression"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("transfer(address,uint256)"));
}

/// A `[policy]` rule that tolerates the increase passes it; improvements never fail.
#[test]
fn policy_rules_judge_increases() {
    let demo = Demo::new("[policy]\n[[policy.rule]]\nmatch = \"fn:*Token*\"\nmax_increase_gas = 10\n");
    demo.baseline(|report| {
        set(report, TRANSFER, 40_990);
        set(report, "/contracts/contracts~1Vault.sol:Vault/deployment/gas", 300_000);
    });
    let output = demo.run(&["check", "--format", "markdown"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let markdown = stdout(&output);
    assert!(markdown.starts_with("<!-- gasguard:comment -->\n"), "{markdown}");

    let demo = Demo::new("[policy]\n[[policy.rule]]\nmatch = \"fn:*Token*\"\nmax_increase_gas = 5\n");
    demo.baseline(|report| set(report, TRANSFER, 40_990));
    let output = demo.run(&["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let diff: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(diff["failures"][0]["rule"], "rule[0] fn:*Token*");
}

/// No baseline yet: not an error; everything is added, the check passes and says how to create one.
#[test]
fn missing_baseline_passes_with_a_hint() {
    let demo = Demo::new("");
    let output = demo.run(&["check", "--format", "markdown"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let markdown = stdout(&output);
    assert!(markdown.contains("gasguard baseline"), "{markdown}");
    assert!(stderr(&output).contains("no baseline at `.gasguard/baseline.json`"));
}

/// A malformed baseline is an error (exit 2) naming the file; `--out` is not written.
#[test]
fn malformed_baseline_is_an_error() {
    let demo = Demo::new("");
    std::fs::create_dir_all(demo.path(".gasguard")).unwrap();
    std::fs::write(demo.path(".gasguard/baseline.json"), "{\"schema\": \"gasguard/report/v1\", \"tool\": ")
        .unwrap();
    std::fs::write(demo.path("diff.json"), "previous").unwrap();
    let output = demo.run(&["check", "--out", "diff.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains(".gasguard/baseline.json"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(demo.path("diff.json")).unwrap(), "previous");
}

/// A report from a newer gasguard is refused, not misread.
#[test]
fn newer_report_schema_is_refused() {
    let demo = Demo::new("");
    demo.baseline(|report| report["schema"] = Value::from("gasguard/report/v3"));
    let output = demo.run(&["check"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("v3"), "{}", stderr(&output));
}

/// `gasguard diff` over two imported snapshots: exit 1 on a regression, 0 otherwise.
#[test]
fn diff_of_imported_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let base = write(
        "base.gas-snapshot",
        "TokenTest:testTransfer() (gas: 51300)\nTokenTest:testFuzz(uint256) (runs: 256, μ: 30000, ~: 29990)\n",
    );
    let head = write(
        "head.gas-snapshot",
        "TokenTest:testTransfer() (gas: 51310)\nTokenTest:testFuzz(uint256) (runs: 256, μ: 30000, ~: 29990)\nTokenTest:testNew() (gas: 100)\n",
    );
    let output = gasguard(dir.path(), &["diff", path(&base), path(&head), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let diff: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(diff["summary"]["regressions"], 1);
    assert_eq!(diff["summary"]["added"], 1);
    assert_eq!(diff["summary"]["unchanged"], 1);
    let output = gasguard(dir.path(), &["diff", path(&head), path(&base)]);
    assert_eq!(output.status.code(), Some(0), "an improvement and a removal never fail");
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `gasguard import` turns foreign outputs into a report that `check --report` accepts.
#[test]
fn import_then_check() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".gas-snapshot"), "A:test() (gas: 10)\n").unwrap();
    let output = gasguard(dir.path(), &["import", ".gas-snapshot", "--out", "report.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["tests"]["A:test()"]["gas"], 10);
    let output = gasguard(dir.path(), &["check", "--report", "report.json", "--baseline", "report.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // The same id from two files is refused.
    let output = gasguard(dir.path(), &["import", ".gas-snapshot", ".gas-snapshot"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("A:test()"), "{}", stderr(&output));
}

/// The project checks its own contracts: the committed `.gasguard/baseline.json` must match the
/// demo exactly, so a change to a sample contract or to the registry shows up as a gas diff here.
#[test]
fn project_baseline_is_current() {
    let root = support::root();
    let output = gasguard(root, &["check", "--config", "fixtures/demo/gasguard.toml", "--format", "json"]);
    let diff: Value = serde_json::from_str(&stdout(&output)).unwrap_or(Value::Null);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the demo's gas differs from .gasguard/baseline.json; if intended, run `gasguard baseline --config fixtures/demo/gasguard.toml`\n{}",
        serde_json::to_string_pretty(&diff["summary"]).unwrap_or_default()
    );
    assert_eq!(diff["summary"]["regressions"], 0);
    assert_eq!(diff["summary"]["improvements"], 0);
    assert_eq!(diff["summary"]["added"], 0);
    assert_eq!(diff["summary"]["removed"], 0);
}

/// A bad `[policy]` is an error naming the config, found before any profiling is done.
#[test]
fn invalid_policy_names_the_config() {
    let demo = Demo::new("[policy]\n[[policy.rule]]\nmatch = \"fn:[*\"\nmax_increase_gas = 1\n");
    let output = demo.run(&["check", "--save-report", "report.json"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("invalid `[policy]` in `gasguard.toml`"), "{message}");
    assert!(message.contains("fn:[*"), "{message}");
    assert!(!demo.path("report.json").exists(), "nothing was profiled");
}
