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

#[test]
fn jobs_must_be_a_positive_number() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gasguard.toml"), many_scenarios(2)).unwrap();
    let output = gasguard(dir.path(), &["run", "--jobs", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--jobs"), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
}
