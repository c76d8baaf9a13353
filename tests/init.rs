//! `gasguard init` on real projects: the Foundry fixture project built by the pinned `forge`
//! (offline, through the solcjs wrapper) with a few extra contracts, and the committed Hardhat
//! artifacts. What it writes must run with `gasguard run` as written, its workflows must lint
//! clean, and a second `init` must change nothing.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use support::{copy_dir, fixture, foundry_binary, gasguard, root, stderr, stdout};

/// Contracts that exercise every rule of `init` beside the fixture's `Counter`: a constructor
/// that reverts on placeholder arguments, a library, an interface, an abstract contract, a mock
/// (deployable), a test contract with `IS_TEST()` outside `*.t.sol`, and a script.
const EXTRA_SOURCES: &[(&str, &str)] = &[
    (
        "src/Picky.sol",
        r#"// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;
contract Picky {
    address public owner;
    uint256 public limit;
    constructor(address owner_, uint256 limit_, string memory label, bytes32 salt, uint256[] memory ids, bool open) {
        require(limit_ > 0, "limit must be positive");
        owner = owner_;
        limit = limit_ + bytes(label).length + uint256(salt) + ids.length + (open ? 1 : 0);
    }
    function setLimit(uint256 limit_) external { limit = limit_; }
}
"#,
    ),
    (
        "src/Parts.sol",
        r#"// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;
library Fees { function fee(uint256 amount) public pure returns (uint256) { return amount / 100; } }
interface IThing { function poke() external; }
abstract contract Base { function poke() external virtual; }
contract MockThing is Base, IThing {
    uint256 public pokes;
    function poke() external override(Base, IThing) { pokes += 1; }
    function charge(uint256 amount) external returns (uint256) { return Fees.fee(amount); }
}
contract Harness { function IS_TEST() external pure returns (bool) { return true; } }
"#,
    ),
    (
        "script/Deploy.s.sol",
        r#"// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;
contract DeployScript { function run() external {} }
"#,
    ),
];

/// Every file below `dir`, by path, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let name = path.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The foundry fixture project, with the extra contracts, built by the pinned forge offline.
fn foundry_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("forge-project"), dir.path());
    for (path, text) in EXTRA_SOURCES {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let wrapper = root().join("scripts/solc-wrapper.mjs");
    std::fs::write(
        dir.path().join("foundry.toml"),
        format!(
            "[profile.default]\nsrc = \"src\"\ntest = \"test\"\nscript = \"script\"\nout = \"build/out\"\nsolc = {:?}\noffline = true\noptimizer = true\nevm_version = \"prague\"\n",
            wrapper.to_str().unwrap()
        ),
    )
    .unwrap();
    let output = Command::new(foundry_binary("forge")).arg("build").current_dir(dir.path()).output().unwrap();
    assert!(output.status.success(), "forge build failed:\n{}\n{}", stdout(&output), stderr(&output));
    dir
}

/// The scenario names of a config that are active (not commented out).
fn active_scenarios(config: &str) -> Vec<String> {
    let table: toml::Table = toml::from_str(config).unwrap();
    table
        .get("scenario")
        .and_then(|s| s.as_array())
        .map(|scenarios| scenarios.iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// Lints workflows as the repository's own lint script does (schemas, actionlint, zizmor).
fn assert_lint_clean(workflows: &[std::path::PathBuf]) {
    let output = Command::new(root().join("scripts/lint-github.sh")).args(workflows).output().unwrap();
    assert!(
        output.status.success(),
        "the written workflows do not lint clean:\n{}\n{}",
        stdout(&output),
        stderr(&output)
    );
}

fn run_config(dir: &Path) {
    let output = gasguard(dir, &["run", "--out", "report.json"]);
    assert_eq!(output.status.code(), Some(0), "gasguard run failed:\n{}", stderr(&output));
}

#[test]
fn init_on_the_foundry_project_writes_a_config_that_runs() {
    let dir = foundry_project();
    let output = gasguard(dir.path(), &["init"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let messages = stderr(&output);
    assert!(messages.contains("wrote `gasguard.toml`"), "{messages}");
    assert!(
        messages.contains("next:\n  gasguard run\n  git add gasguard.toml .github/workflows"),
        "{messages}"
    );

    let config = std::fs::read_to_string(dir.path().join("gasguard.toml")).unwrap();
    assert!(config.contains("artifacts = \"build/out\""), "the `out` of foundry.toml:\n{config}");
    // Counter and the mock deploy; Picky reverts with its placeholders and is commented out with
    // the reason; the library, interface, abstract contract, tests and script get no scenario.
    assert_eq!(active_scenarios(&config), ["Counter", "MockThing"]);
    assert!(
        config.contains(
            "# `src/Picky.sol:Picky` is commented out: deploying it with placeholder arguments reverts with revert: limit must be positive"
        ),
        "{config}"
    );
    assert!(config.contains("# args = [\"alice\", \"0\", \"\", \"0x0000000000000000000000000000000000000000000000000000000000000000\", \"[]\", \"false\"]"), "{config}");
    for absent in ["Fees", "IThing", "Base\"", "Harness", "CounterTest", "DeployScript"] {
        assert!(!config.contains(&format!("name = \"{absent}")), "{absent} has a scenario:\n{config}");
    }
    // The state-changing functions, commented out, and not the views.
    assert!(config.contains("# function = \"add(uint256)\"\n# args = [\"0\"]"), "{config}");
    assert!(!config.contains("count()"), "{config}");
    run_config(dir.path());

    // Every commented-out call, once uncommented, still parses and runs: the placeholders are typed.
    let mut in_disabled_scenario = false;
    let mut uncommented = String::new();
    for line in config.lines() {
        if line == "[[scenario]]" {
            in_disabled_scenario = false;
        } else if line.starts_with("# `") && line.contains("is commented out") {
            in_disabled_scenario = true;
        }
        let call_line = ["[[scenario.step]]", "call =", "function =", "args ="];
        match line.strip_prefix("# ") {
            Some(rest) if !in_disabled_scenario && call_line.iter().any(|start| rest.starts_with(start)) => {
                uncommented.push_str(rest)
            }
            _ => uncommented.push_str(line),
        }
        uncommented.push('\n');
    }
    std::fs::write(dir.path().join("all-calls.toml"), uncommented).unwrap();
    let output = gasguard(dir.path(), &["run", "--config", "all-calls.toml", "--out", "-"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let functions: Vec<&str> =
        report["calls"].as_array().unwrap().iter().map(|c| c["function"].as_str().unwrap()).collect();
    assert!(functions.contains(&"add(uint256)") && functions.contains(&"poke()"), "{functions:?}");

    let workflows = dir.path().join(".github/workflows");
    let written: Vec<_> =
        ["gas-check.yml", "gas-baseline-nightly.yml"].iter().map(|n| workflows.join(n)).collect();
    for path in &written {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.contains("run: npx --yes @foundry-rs/forge@1.7.1 build"), "{text}");
        assert!(text.contains("submodules: recursive"), "{text}");
        assert!(!text.contains("OWNER/"), "{text}");
    }
    assert_eq!(std::fs::read_dir(&workflows).unwrap().count(), 2);
    assert_lint_clean(&written);

    // A second init refuses and changes nothing, byte for byte.
    std::fs::remove_file(dir.path().join("all-calls.toml")).unwrap();
    let before = files(dir.path());
    let output = gasguard(dir.path(), &["init"]);
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&output), @r"
    error: `gasguard.toml`, `.github/workflows/gas-check.yml`, `.github/workflows/gas-baseline-nightly.yml` already exist; nothing was written

    hint: pass `--force` to overwrite
    ");
    assert!(before == files(dir.path()), "a refused init changed files");

    // `--force` overwrites, and writes the same bytes again.
    let output = gasguard(dir.path(), &["init", "--force"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(before == files(dir.path()), "init is not deterministic");
}

#[test]
fn init_on_the_hardhat_artifacts_writes_a_config_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("artifacts/hardhat/artifacts"), &dir.path().join("artifacts"));
    std::fs::write(dir.path().join("hardhat.config.js"), "module.exports = {};\n").unwrap();
    let output = gasguard(dir.path(), &["init", "--fork-safe"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("11 scenarios; skipped 1 of libraries"), "{}", stderr(&output));
    let config = std::fs::read_to_string(dir.path().join("gasguard.toml")).unwrap();
    insta::assert_snapshot!("hardhat_config", config);
    run_config(dir.path());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap()).unwrap();
    let deployed: Vec<&str> = report["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["function"] == "constructor")
        .map(|c| c["contract"].as_str().unwrap())
        .collect();
    // Every contract of the fixture but the library deploys in its own scenario; the library
    // is deployed where it is linked.
    assert_eq!(deployed.len(), 12, "{deployed:?}");

    let workflows = dir.path().join(".github/workflows");
    let mut names: Vec<String> = std::fs::read_dir(&workflows)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["gas-baseline-nightly.yml", "gas-check-fork-unprivileged.yml", "gas-comment-privileged.yml"]
    );
    let check = std::fs::read_to_string(workflows.join("gas-check-fork-unprivileged.yml")).unwrap();
    assert!(check.contains("npx hardhat compile"), "{check}");
    let paths: Vec<_> = names.iter().map(|n| workflows.join(n)).collect();
    assert_lint_clean(&paths);
}

#[test]
fn init_with_no_workflows_and_explicit_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("artifacts/foundry/out"), &dir.path().join("compiled"));
    let output = gasguard(dir.path(), &["init", "--artifacts", "compiled", "--no-workflows"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!dir.path().join(".github").exists());
    let config = std::fs::read_to_string(dir.path().join("gasguard.toml")).unwrap();
    assert!(config.contains("artifacts = \"compiled\""), "{config}");
    assert_eq!(active_scenarios(&config).len(), 11);
    run_config(dir.path());
}

#[test]
fn init_says_to_build_first_or_where_to_look() {
    let dir = tempfile::tempdir().unwrap();
    let output = gasguard(dir.path(), &["init"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output).replace(&dir.path().display().to_string(), "[DIR]");
    insta::assert_snapshot!(message, @r"
    error: no Foundry or Hardhat project in `[DIR]`: found neither `foundry.toml` nor `hardhat.config.*`

    hint: run `gasguard init` at the project's root, or pass `--artifacts PATH`
    ");

    std::fs::write(dir.path().join("foundry.toml"), "[profile.default]\nsrc = \"src\"\n").unwrap();
    let output = gasguard(dir.path(), &["init"]);
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&output), @r"
    error: no artifacts in `out`: build the contracts first

    hint: run `forge build`, then `gasguard init` again
    ");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "nothing was written");
}
