//! Scaling out through the real binary (issue 13): scenarios on several threads (`--jobs`),
//! shards of a run merged back (`--shard K/N`, `gasguard merge`), and several projects in one
//! check. Every comparison is of the report's bytes: parallel and sharded runs must write exactly
//! what one sequential run writes.

mod support;

use std::path::{Path, PathBuf};

use support::{fixture, gasguard, stderr, stdout};

/// A config with `count` scenarios over the demo contracts, of varied lengths (so that threads
/// finish them out of order), some deploying the same contract, some with expected reverts.
fn many_scenarios(count: usize) -> String {
    let mut config = format!(
        "artifacts = {:?}\n\n[evm]\nspec = \"prague\"\n",
        fixture("artifacts/foundry/out").to_str().unwrap()
    );
    for index in 0..count {
        let scenario = match index % 4 {
            0 => format!(
                r#"
[[scenario]]
name = "token {index}"

[[scenario.step]]
deploy = "contracts/Token.sol:Token"
as = "token"
args = ["Gas Token", "GAS", "{supply}"]
from = "alice"

[[scenario.step]]
call = "token"
function = "transfer(address,uint256)"
args = ["bob", "{amount}"]
from = "alice"
repeat = {repeat}

[[scenario.step]]
call = "token"
function = "transfer(address,uint256)"
args = ["carol", "1000000000"]
from = "bob"
expect = "revert"
"#,
                supply = 1_000_000 + index,
                amount = index + 1,
                repeat = 1 + index % 7,
            ),
            1 => format!(
                r#"
[[scenario]]
name = "storage {index}"

[[scenario.step]]
deploy = "contracts/Storage.sol:SlotStore"
as = "store"
from = "alice"

[[scenario.step]]
call = "store"
function = "setMany(uint256,uint256)"
args = ["{start}", "{count}"]
from = "alice"
"#,
                start = index * 100,
                count = 1 + index % 13,
            ),
            2 => format!(
                r#"
[[scenario]]
name = "loop {index}"

[[scenario.step]]
deploy = "contracts/Loop.sol:Looper"
as = "looper"
from = "alice"

[[scenario.step]]
call = "looper"
function = "run(uint256)"
args = ["{n}"]
from = "alice"
repeat = {repeat}
"#,
                n = 1 + index * 3,
                repeat = 1 + index % 5,
            ),
            _ => format!(
                r#"
[[scenario]]
name = "router {index}"

[[scenario.step]]
deploy = "contracts/Counter.sol:Counter"
as = "counter"
from = "alice"

[[scenario.step]]
deploy = "contracts/Caller.sol:Router"
as = "router"
args = ["counter"]
from = "alice"

[[scenario.step]]
call = "router"
function = "bump(uint256)"
args = ["{n}"]
from = "bob"
repeat = {repeat}
"#,
                n = 1 + index % 9,
                repeat = 1 + index % 3,
            ),
        };
        config.push_str(&scenario);
    }
    config
}

/// Runs `gasguard` in `dir` and asserts its exit code.
fn run_ok(dir: &Path, args: &[&str]) -> String {
    let output = gasguard(dir, args);
    assert_eq!(output.status.code(), Some(0), "gasguard {args:?} failed:\n{}", stderr(&output));
    stderr(&output)
}

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read `{}`: {error}", path.display()))
}

/// One, two and eight threads write the same bytes, and the run holds every scenario's calls.
#[test]
fn jobs_give_byte_identical_reports() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gasguard.toml"), many_scenarios(30)).unwrap();
    for jobs in ["1", "2", "8"] {
        run_ok(dir.path(), &["run", "--jobs", jobs, "--out", &format!("jobs-{jobs}.json")]);
    }
    let one = read(dir.path().join("jobs-1.json"));
    assert!(read(dir.path().join("jobs-2.json")) == one, "--jobs 2 wrote another report than --jobs 1");
    assert!(read(dir.path().join("jobs-8.json")) == one, "--jobs 8 wrote another report than --jobs 1");
    let report: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert!(report["attribution"].as_object().is_some_and(|entries| !entries.is_empty()), "attributed");
    let calls = report["calls"].as_array().unwrap();
    let scenarios: Vec<&str> = calls.iter().map(|call| call["scenario"].as_str().unwrap()).collect();
    let mut order = scenarios.clone();
    order.dedup();
    assert_eq!(order.len(), 30, "every scenario ran once, in one block of calls");
    assert_eq!(order[0], "token 0");
    assert_eq!(order[29], "storage 29");
}

/// The first failing scenario in the config's order is the error, whatever thread met it, and
/// nothing is written.
#[test]
fn a_failing_scenario_is_the_same_error_with_any_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = many_scenarios(12);
    // Scenario `token 4` expects a revert that does not happen; so does `token 8`, later.
    config = config.replace(
        "args = [\"carol\", \"1000000000\"]\nfrom = \"bob\"\nexpect = \"revert\"\n\n[[scenario]]\nname = \"storage 5\"",
        "args = [\"carol\", \"0\"]\nfrom = \"bob\"\nexpect = \"revert\"\n\n[[scenario]]\nname = \"storage 5\"",
    );
    config = config.replace(
        "args = [\"carol\", \"1000000000\"]\nfrom = \"bob\"\nexpect = \"revert\"\n\n[[scenario]]\nname = \"storage 9\"",
        "args = [\"carol\", \"0\"]\nfrom = \"bob\"\nexpect = \"revert\"\n\n[[scenario]]\nname = \"storage 9\"",
    );
    std::fs::write(dir.path().join("gasguard.toml"), config).unwrap();
    let mut messages = Vec::new();
    for jobs in ["1", "2", "8"] {
        let output = gasguard(dir.path(), &["run", "--jobs", jobs, "--out", "report.json"]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(!dir.path().join("report.json").exists(), "nothing is written on failure");
        messages.push(stderr(&output));
    }
    assert!(messages[0].contains("scenario `token 4`, step 3: expected a revert"), "{}", messages[0]);
    assert_eq!(messages[1], messages[0]);
    assert_eq!(messages[2], messages[0]);
}

/// The plan made on several threads is the one made on one, and a broken config fails with the
/// same error: the first in the config's order, a duplicate name before a later scenario's error
/// and after an earlier one's.
#[test]
fn scenarios_planned_on_threads_are_the_same_plan() {
    let dir = tempfile::tempdir().unwrap();
    let plan = |config: &str, jobs: usize| {
        let path = dir.path().join("gasguard.toml");
        std::fs::write(&path, config).unwrap();
        let config = gasguard::config::Config::load(&path).unwrap();
        let artifacts = gasguard::artifacts::load(config.artifacts.as_deref().unwrap(), None).unwrap();
        gasguard::plan::build_with_jobs(&config, &artifacts, &Default::default(), jobs)
            .map(|plan| format!("{plan:?}"))
            .map_err(|error| error.to_string())
    };
    let config = many_scenarios(30);
    let one = plan(&config, 1).unwrap();
    assert!(one.contains("storage 29"));
    for jobs in [2, 3, 8, 64] {
        assert!(plan(&config, jobs).unwrap() == one, "--jobs {jobs} planned another plan");
    }
    // Scenario `token 8` calls a function the token does not have; scenario `storage 13` is
    // named as `storage 1` is.
    let broken = config.replacen(
        "function = \"transfer(address,uint256)\"\nargs = [\"bob\", \"9\"]",
        "function = \"nope()\"\nargs = [\"bob\", \"9\"]",
        1,
    );
    assert_ne!(broken, config);
    let duplicate = broken.replace("name = \"storage 13\"", "name = \"storage 1\"");
    let early = config.replace("name = \"storage 5\"", "name = \"storage 1\"");
    for (config, expected) in
        [(&broken, "nope()"), (&duplicate, "nope()"), (&early, "scenario 6 (`storage 1`)")]
    {
        let error = plan(config, 1).unwrap_err();
        assert!(error.contains(expected), "{error}");
        for jobs in [2, 3, 8] {
            assert_eq!(plan(config, jobs).unwrap_err(), error, "--jobs {jobs}");
        }
    }
}

#[test]
fn jobs_must_be_a_positive_number() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gasguard.toml"), many_scenarios(2)).unwrap();
    let output = gasguard(dir.path(), &["run", "--jobs", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--jobs"), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
}

/// Runs the four shards of `gasguard.toml` in `dir` as `shard-K.json`.
fn run_shards(dir: &Path, count: u32) {
    for index in 1..=count {
        let shard = format!("{index}/{count}");
        run_ok(dir, &["run", "--shard", &shard, "--jobs", "2", "--out", &format!("shard-{index}.json")]);
    }
}

/// Merging the shards, in any order, writes the full run's report byte for byte; each scenario
/// ran in exactly one shard.
#[test]
fn merged_shards_equal_the_full_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gasguard.toml"), many_scenarios(24)).unwrap();
    run_ok(dir.path(), &["run", "--out", "full.json"]);
    run_shards(dir.path(), 4);
    let full = read(dir.path().join("full.json"));
    // Attribution is a mean over calls that sit in several shards: the merge must redo it.
    let report: serde_json::Value = serde_json::from_slice(&full).unwrap();
    assert!(
        report["attribution"].as_object().is_some_and(|entries| entries.len() > 5),
        "the run attributes gas"
    );
    let mut held = 0;
    for index in 1..=4 {
        let shard: serde_json::Value =
            serde_json::from_slice(&read(dir.path().join(format!("shard-{index}.json")))).unwrap();
        assert_eq!(shard["shard"]["index"], index);
        assert_eq!(shard["shard"]["count"], 4);
        assert_eq!(shard["shard"]["total_scenarios"], 24);
        // Each entry's attribution sum, not every call's attribution.
        assert_eq!(shard["shard"]["format"], 2);
        assert!(shard["shard"].get("attributions").is_none());
        let sums = shard["shard"]["entry_sums"].as_object().unwrap();
        assert!(sums.values().all(|sum| sum["calls"].as_u64().is_some()), "every entry attributed");
        let ids: std::collections::BTreeSet<String> = shard["calls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|call| !(call["function"] == "constructor" && call["status"] == "revert"))
            .map(|call| match (call["function"].as_str().unwrap(), call["status"].as_str().unwrap()) {
                ("constructor", _) => format!("deploy:{}", call["contract"].as_str().unwrap()),
                (function, "revert") => {
                    format!("fn:{}.{function} [revert]", call["contract"].as_str().unwrap())
                }
                (function, _) => format!("fn:{}.{function}", call["contract"].as_str().unwrap()),
            })
            .collect();
        assert_eq!(sums.keys().cloned().collect::<std::collections::BTreeSet<_>>(), ids, "shard {index}");
        let scenarios = shard["shard"]["scenarios"].as_object().unwrap();
        assert!(!scenarios.is_empty(), "shard {index} is empty");
        held += scenarios.len();
    }
    assert_eq!(held, 24);
    for order in [[1, 2, 3, 4], [4, 3, 2, 1], [2, 4, 1, 3]] {
        let mut args = vec!["merge".to_owned()];
        args.extend(order.iter().map(|index| format!("shard-{index}.json")));
        args.extend(["--out".to_owned(), "merged.json".to_owned()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_ok(dir.path(), &args);
        assert!(
            read(dir.path().join("merged.json")) == full,
            "shards merged as {order:?} differ from the full run"
        );
        std::fs::remove_file(dir.path().join("merged.json")).unwrap();
    }
}

/// A shard given twice, a missing shard, shards of another config and a report that is not a
/// shard are refused: exit 2, a message naming the files, nothing written.
#[test]
fn merge_refuses_sets_that_are_not_one_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gasguard.toml"), many_scenarios(12)).unwrap();
    run_shards(dir.path(), 3);
    run_ok(dir.path(), &["run", "--out", "full.json"]);
    // The same scenarios under a config that differs by one comment: another config.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("gasguard.toml"), format!("# changed\n{}", many_scenarios(12))).unwrap();
    run_ok(&other, &["run", "--shard", "3/3", "--out", "../other-3.json"]);

    let refused = |files: &[&str], expected: &str| {
        let mut args = vec!["merge"];
        args.extend_from_slice(files);
        args.extend(["--out", "merged.json"]);
        let output = gasguard(dir.path(), &args);
        assert_eq!(output.status.code(), Some(2), "{files:?} was merged: {}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{files:?}: {}", stderr(&output));
        assert!(!dir.path().join("merged.json").exists(), "{files:?}: a file was written");
    };
    refused(
        &["shard-1.json", "shard-2.json", "shard-2.json", "shard-3.json"],
        "`shard-2.json` and `shard-2.json` are both shard 2/3: a shard was given twice",
    );
    refused(&["shard-1.json", "shard-3.json"], "the set is incomplete: shard 2/3 is missing");
    refused(&["shard-1.json", "shard-2.json", "other-3.json"], "come from different configs");
    refused(&["shard-1.json", "full.json"], "`full.json` is not a shard report");
    // A shard of format 1 (no `format`, every call's attribution) is refused by name.
    let mut old: serde_json::Value = serde_json::from_slice(&read(dir.path().join("shard-2.json"))).unwrap();
    assert_eq!(old["shard"]["format"], 2);
    let shard = old["shard"].as_object_mut().unwrap();
    shard.remove("format");
    shard.remove("entry_sums");
    shard.insert("attributions".into(), serde_json::json!([null, {"calls": 1}]));
    std::fs::write(dir.path().join("old-2.json"), serde_json::to_vec_pretty(&old).unwrap()).unwrap();
    refused(
        &["shard-1.json", "old-2.json", "shard-3.json"],
        "`old-2.json` is a shard of format 1, written by an older gasguard",
    );
    let output = gasguard(dir.path(), &["run", "--shard", "4/3"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`4/3` is not a shard"), "{}", stderr(&output));
}

/// `check --report` takes the merged report as any report, and refuses a lone shard, which
/// would pass by missing the other shards' entries.
#[test]
fn check_takes_the_merged_report_and_refuses_a_shard() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gasguard.toml"), many_scenarios(8)).unwrap();
    run_ok(dir.path(), &["run", "--out", "full.json"]);
    run_shards(dir.path(), 2);
    run_ok(dir.path(), &["merge", "shard-2.json", "shard-1.json", "--out", "merged.json"]);
    let check =
        |report: &str| gasguard(dir.path(), &["check", "--report", report, "--baseline", "full.json"]);
    let output = check("merged.json");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = check("shard-1.json");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`shard-1.json` is shard 1/2 of a run"), "{}", stderr(&output));
}

/// Lowers the base value of every function entry of `contract` in a report by a tenth, so that
/// the head shows a 10% increase there.
fn cheapen(report: &mut serde_json::Value, contract: &str) {
    let functions = report["contracts"][contract]["functions"].as_object_mut().unwrap();
    assert!(!functions.is_empty(), "{contract} has functions");
    for stats in functions.values_mut() {
        for key in ["min", "mean", "median", "max"] {
            let value = stats[key].as_u64().unwrap();
            stats[key] = serde_json::json!(value * 10 / 11);
        }
    }
}

/// Two projects of one repository in one check: ids name their project, each project's
/// `[policy]` judges its own entries, one diff and one verdict.
#[test]
fn two_projects_in_one_check() {
    let repo = tempfile::tempdir().unwrap();
    let root = fixture("monorepo");
    let core = root.join("packages/core/gasguard.toml");
    let periphery = root.join("packages/periphery/gasguard.toml");
    let (core, periphery) = (core.to_str().unwrap(), periphery.to_str().unwrap());
    let base = repo.path().join("base.json");
    run_ok(
        repo.path(),
        &["baseline", "--config", core, "--config", periphery, "--out", base.to_str().unwrap()],
    );
    let mut report: serde_json::Value = serde_json::from_slice(&read(base.clone())).unwrap();
    let contracts: Vec<&String> = report["contracts"].as_object().unwrap().keys().collect();
    assert_eq!(
        contracts,
        [
            "core/contracts/Token.sol:Token",
            "periphery/contracts/Caller.sol:Router",
            "periphery/contracts/Counter.sol:Counter"
        ]
    );
    let scenarios: Vec<&str> =
        report["calls"].as_array().unwrap().iter().map(|c| c["scenario"].as_str().unwrap()).collect();
    assert_eq!(
        scenarios,
        ["core/token", "core/token", "periphery/router", "periphery/router", "periphery/router"]
    );

    // Both projects get 10% more expensive: core's exact policy fails it, periphery's allows it.
    cheapen(&mut report, "core/contracts/Token.sol:Token");
    cheapen(&mut report, "periphery/contracts/Caller.sol:Router");
    std::fs::write(&base, serde_json::to_vec_pretty(&report).unwrap()).unwrap();
    let output = gasguard(
        repo.path(),
        &[
            "check",
            "--config",
            core,
            "--config",
            periphery,
            "--baseline",
            "base.json",
            "--format",
            "markdown",
            "--out",
            "comment.md",
            "--diff-json",
            "diff.json",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "core's regression fails the check: {}", stderr(&output));
    let diff: serde_json::Value = serde_json::from_slice(&read(repo.path().join("diff.json"))).unwrap();
    let failed: Vec<(&str, &str)> = diff["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|failure| (failure["id"].as_str().unwrap(), failure["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(failed, [("fn:core/contracts/Token.sol:Token.transfer(address,uint256)", "core: default")]);
    let router = diff["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["id"] == "fn:periphery/contracts/Caller.sol:Router.bump(uint256)")
        .expect("periphery's entry is in the one diff");
    assert_eq!(router["status"], "regression");
    assert_eq!(router["failed"], false);
    assert_eq!(router["rule"], "periphery: default");
    // One comment holds both projects.
    let comment = std::fs::read_to_string(repo.path().join("comment.md")).unwrap();
    assert_eq!(comment.matches("<!-- gasguard:comment -->").count(), 1, "{comment}");
    assert!(comment.contains("core/") && comment.contains("periphery/"), "{comment}");
}

/// Two configs with one project name would mix their ids: refused before any work.
#[test]
fn two_projects_with_one_name_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for folder in ["a", "b"] {
        std::fs::create_dir(dir.path().join(folder)).unwrap();
        std::fs::write(
            dir.path().join(folder).join("gasguard.toml"),
            format!("project = \"same\"\n{}", many_scenarios(1)),
        )
        .unwrap();
    }
    let output = gasguard(dir.path(), &["run", "--config", "a/gasguard.toml", "--config", "b/gasguard.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("are both project `same`"), "{}", stderr(&output));
}

/// The action's `config` input takes several configs, one a line: each becomes its own
/// `--config` for `check` (and for `html`), blank lines and surrounding spaces dropped, a path
/// with a space kept whole.
#[test]
fn the_action_passes_one_config_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let bin = support::fake_gasguard(dir.path(), "printf '%s\\n' \"$@\"\n");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let run = |script: &str, config: Option<&str>| {
        let mut command = std::process::Command::new("bash");
        command
            .arg(support::root().join("scripts/action").join(script))
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("INPUT_COMMENT", "false")
            .env("INPUT_HTML", "false")
            .env_remove("INPUT_CONFIG");
        if let Some(config) = config {
            command.env("INPUT_CONFIG", config);
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{script}: {}", stderr(&output));
        stdout(&output)
    };
    let several = "packages/core/gasguard.toml\n  packages/periphery/gas guard.toml  \n\n";
    for script in ["check.sh", "html.sh"] {
        let args = run(script, Some(several));
        assert!(
            args.contains(
                "--config\npackages/core/gasguard.toml\n--config\npackages/periphery/gas guard.toml\n"
            ),
            "{script}: {args}"
        );
        assert_eq!(args.matches("--config").count(), 2, "{script}: {args}");
        let args = run(script, Some("gasguard.toml"));
        assert!(args.contains("--config\ngasguard.toml\n"), "{script}: {args}");
        assert_eq!(args.matches("--config").count(), 1, "{script}: {args}");
        assert!(!run(script, None).contains("--config"), "{script}");
        assert!(!run(script, Some(" \n\n")).contains("--config"), "{script}");
    }
}
