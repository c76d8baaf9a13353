//! What a new user meets in the first hour (issue 18): wrong input that used to pass or mislead
//! is an error that says what is wrong, and messages read as a person expects. Each test names
//! the item it guards.

mod support;

use std::net::TcpListener;
use std::path::Path;

use serde_json::Value;
use support::{fixture, free_port, gasguard, gasguard_with_env, stderr, stdout};

/// A fresh folder holding `gasguard.toml` with `config`, where `ARTIFACTS` stands for the Foundry
/// fixture's path.
fn folder(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let artifacts = fixture("artifacts/foundry/out");
    std::fs::write(
        dir.path().join("gasguard.toml"),
        config.replace("ARTIFACTS", artifacts.to_str().unwrap()),
    )
    .unwrap();
    dir
}

/// Runs gasguard in `dir`, expects `code`, and returns stderr with the folder replaced.
fn expect(dir: &Path, args: &[&str], code: i32) -> String {
    let output = gasguard(dir, args);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(code), "stderr:\n{message}\nstdout:\n{}", stdout(&output));
    message.replace(dir.to_str().unwrap(), "[DIR]")
}

const TOKEN: &str = "artifacts = \"ARTIFACTS\"\n[evm]\nspec = \"prague\"\n\n[[scenario]]\nname = \"token\"\n\n[[scenario.step]]\ndeploy = \"Token\"\nas = \"token\"\nargs = [\"Gas\", \"GAS\", \"1000\"]\n";

fn transfer(extra: &str) -> String {
    format!(
        "{TOKEN}\n[[scenario.step]]\ncall = \"token\"\nfunction = \"transfer(address,uint256)\"\nargs = [\"bob\", \"5\"]\n{extra}"
    )
}

fn report(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

// Item 5: a head with no measurements is an error, and `fail_on_removed` makes removals fail.

/// A config without scenarios used to pass `check` with every baseline entry "removed".
#[test]
fn a_config_without_scenarios_is_an_error() {
    let dir = folder("artifacts = \"ARTIFACTS\"\n");
    std::fs::create_dir(dir.path().join(".gasguard")).unwrap();
    std::fs::copy(
        support::root().join("fixtures/demo/.gasguard/baseline.json"),
        dir.path().join(".gasguard/baseline.json"),
    )
    .unwrap();
    insta::assert_snapshot!(expect(dir.path(), &["check"], 2));
    expect(dir.path(), &["run"], 2);
    expect(dir.path(), &["baseline", "--out", "new.json"], 2);
    assert!(!dir.path().join("new.json").exists() && !dir.path().join("gas-report.json").exists());
}

/// An imported head without a single entry is refused by `check --report` and `diff`.
#[test]
fn an_empty_head_report_is_an_error() {
    let dir = folder("");
    std::fs::write(
        dir.path().join("empty.json"),
        "{\"schema\":\"gasguard/report/v1\",\"tool\":{\"name\":\"gasguard\",\"version\":\"0.1.0\"},\"source\":\"x\",\"contracts\":{}}\n",
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("gasguard.toml")).unwrap();
    let base = fixture("readme/base.json");
    let base = base.to_str().unwrap();
    insta::assert_snapshot!(expect(dir.path(), &["check", "--report", "empty.json", "--baseline", base], 2));
    let message = expect(dir.path(), &["diff", base, "empty.json"], 2);
    assert!(message.starts_with("error: the head `empty.json` holds no measurements"), "{message}");
}

/// Removed entries pass by default and fail, named, with `fail_on_removed = true`.
#[test]
fn fail_on_removed_makes_removals_fail() {
    let dir = folder("");
    let (base, head) = (fixture("readme/base.json"), fixture("readme/head.json"));
    let (base, head) = (base.to_str().unwrap(), head.to_str().unwrap());
    // The default policy fails the two regressions, never the removal.
    let args = ["diff", base, head, "--format", "json", "--config", "gasguard.toml"];
    std::fs::write(dir.path().join("gasguard.toml"), "[policy]\nmax_increase_pct = 5.0\n").unwrap();
    let output = gasguard(dir.path(), &args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let diff: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(diff["summary"]["removed"], 1);
    assert_eq!(diff["failures"], Value::Array(vec![]));

    std::fs::write(
        dir.path().join("gasguard.toml"),
        "[policy]\nmax_increase_pct = 5.0\nfail_on_removed = true\n",
    )
    .unwrap();
    let output = gasguard(dir.path(), &args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let diff: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        diff["failures"],
        serde_json::json!([{
            "id": "fn:contracts/Counter.sol:Counter.reset()",
            "reason": "removed from the head (it was 23,000 in the base)",
            "rule": "fail_on_removed"
        }])
    );
    let terminal = gasguard(dir.path(), &["diff", base, head, "--config", "gasguard.toml"]);
    assert!(stdout(&terminal).contains("fail_on_removed"), "{}", stdout(&terminal));
}

// Item 8: halts are halts.

/// An out-of-gas step used to be "reverted with unknown revert data 0x68616c7465643a…".
#[test]
fn out_of_gas_is_reported_as_a_halt() {
    let dir = folder(&transfer("gas_limit = 25000\n"));
    insta::assert_snapshot!(expect(dir.path(), &["run"], 2));
    // Expected: the report names the halt and the limit.
    std::fs::write(
        dir.path().join("gasguard.toml"),
        transfer("gas_limit = 25000\nexpect = \"revert\"\n")
            .replace("ARTIFACTS", fixture("artifacts/foundry/out").to_str().unwrap()),
    )
    .unwrap();
    expect(dir.path(), &["run"], 0);
    let report = report(dir.path(), "gas-report.json");
    let call = &report["calls"][1];
    assert_eq!(call["status"], "revert");
    assert_eq!(
        call["revert"],
        "halted: out of gas with a gas limit of 25,000 (an SSTORE needs more than 2,300 gas left)"
    );
    assert_eq!(call["gas_used"], 25_000, "a halt consumes the whole limit");
}

// Item 9: `artifacts` is needed only to profile.

#[test]
fn a_policy_only_config_serves_diff_and_check_report() {
    let dir = folder("[policy]\nmax_increase_pct = 5.0\n");
    let (base, head) = (fixture("readme/base.json"), fixture("readme/head.json"));
    let (base, head) = (base.to_str().unwrap(), head.to_str().unwrap());
    expect(dir.path(), &["diff", base, head], 0);
    expect(dir.path(), &["check", "--report", head, "--baseline", base], 0);
    // With a stricter policy the same reports fail: the policy was read.
    std::fs::write(dir.path().join("gasguard.toml"), "[policy]\nmax_increase_pct = 1.0\n").unwrap();
    expect(dir.path(), &["check", "--report", head, "--baseline", base], 1);
    // Profiling it says what is missing.
    insta::assert_snapshot!(expect(dir.path(), &["run"], 2));
    let dir = folder("[[scenario]]\nname = \"s\"\n[[scenario.step]]\ndeploy = \"Token\"\n");
    insta::assert_snapshot!(expect(dir.path(), &["run"], 2));
}

// Item 10: every command that reads the config rejects unknown `[policy]` keys.

#[test]
fn policy_typos_fail_every_command() {
    let config = format!(
        "{}\n[policy]\nmax_increase_pct = 1.0\n[[policy.rule]]\nmatch = \"fn:*\"\n[[policy.rule]]\nmatch = \"deploy:*\"\nmax_increse_gas = 10\n",
        transfer("")
    );
    let dir = folder(&config);
    let message = expect(dir.path(), &["run"], 2);
    insta::assert_snapshot!(message);
    let (base, head) = (fixture("readme/base.json"), fixture("readme/head.json"));
    for args in [&["baseline"][..], &["check"], &["diff", base.to_str().unwrap(), head.to_str().unwrap()]] {
        let message = expect(dir.path(), args, 2);
        assert!(message.contains("unknown field `max_increse_gas`"), "{args:?}: {message}");
    }
    for name in ["gas-report.json", ".gasguard/baseline.json"] {
        assert!(!dir.path().join(name).exists(), "{name} was written");
    }
}

// Item 11: a corrupt fork cache is said to be corrupt and discarded, even when the node is down.

#[test]
fn a_corrupt_cache_is_reported_when_the_node_is_down() {
    let port = free_port();
    let dir = folder(&format!(
        "artifacts = \"ARTIFACTS\"\n[evm]\nfork_url = \"http://127.0.0.1:{port}\"\nfork_block = 5\n\n[[scenario]]\nname = \"s\"\n[[scenario.step]]\ndeploy = \"Counter\"\n"
    ));
    let cache = dir.path().join(".gasguard/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join("fork-31337-5.cache"),
        "gasguard-fork-cache 1 chain=31337 block=5 length=999 sha256=00\n{",
    )
    .unwrap();
    let message = expect(dir.path(), &["run"], 2).replace(&port.to_string(), "[PORT]");
    insta::assert_snapshot!(message);
    assert!(!cache.join("fork-31337-5.cache").exists(), "the corrupt file is deleted");
}

// Item 12: `repeat` is bounded.

#[test]
fn repeat_is_bounded() {
    let dir = folder(&transfer("repeat = 4294967295\n"));
    insta::assert_snapshot!(expect(dir.path(), &["run"], 2));
    // The bound itself is allowed, but a run is bounded too.
    let mut config = TOKEN.to_owned();
    for _ in 0..11 {
        config.push_str(
            "\n[[scenario.step]]\ncall = \"token\"\nfunction = \"totalSupply()\"\nrepeat = 10000\n",
        );
    }
    let dir = folder(&config);
    insta::assert_snapshot!(expect(dir.path(), &["run"], 2));
}

// Item 13: the smaller ones.

/// An unset `${VAR}` in `fork_url` is said to be unset, and no request is made.
#[test]
fn an_unset_variable_in_fork_url_is_named_before_any_request() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = folder(&format!(
        "artifacts = \"ARTIFACTS\"\n[evm]\nfork_url = \"http://127.0.0.1:{port}/v2/${{GASGUARD_TEST_UNSET_KEY}}\"\n\n[[scenario]]\nname = \"s\"\n[[scenario.step]]\ndeploy = \"Counter\"\n"
    ));
    let message = expect(dir.path(), &["run"], 2).replace(&port.to_string(), "[PORT]");
    insta::assert_snapshot!(message);
    assert!(listener.accept().is_err(), "a request reached the node");
}

/// Lack of funds is said in ether, naming the account (it was raw wei as a "max fee").
#[test]
fn lack_of_funds_names_the_account_in_ether() {
    let dir = folder(
        "artifacts = \"ARTIFACTS\"\n[accounts]\ntreasury = \"0x000000000000000000000000000000000000bEEF\"\n\n[[scenario]]\nname = \"vault\"\nfund = { treasury = \"1.5 ether\" }\n[[scenario.step]]\ndeploy = \"Vault\"\nas = \"vault\"\n[[scenario.step]]\ncall = \"vault\"\nfunction = \"deposit()\"\nfrom = \"treasury\"\nvalue = \"2 ether\"\n",
    );
    insta::assert_snapshot!(expect(dir.path(), &["run"], 2));
}

/// `1 transaction in 1 scenario`, not `1 transactions in 1 scenarios`.
#[test]
fn counts_are_singular_when_one() {
    let dir = folder(
        "artifacts = \"ARTIFACTS\"\n[[scenario]]\nname = \"one\"\n[[scenario.step]]\ndeploy = \"Counter\"\n",
    );
    let output = gasguard(dir.path(), &["run"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.ends_with("\n1 transaction in 1 scenario (0 expected reverts)\n"), "{text}");
}

/// The hint for a missing baseline keeps the backticks around the command, with the paths quoted
/// for the shell, so it can be pasted as it is.
#[test]
fn hints_quote_the_exact_command() {
    let dir = folder(&transfer(""));
    std::fs::create_dir(dir.path().join("my config")).unwrap();
    std::fs::rename(dir.path().join("gasguard.toml"), dir.path().join("my config/gasguard.toml")).unwrap();
    // No baseline: an error whose hint is the command to paste, quoted for the shell.
    let output = gasguard(dir.path(), &["check", "--config", "my config/gasguard.toml"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(text.contains("`gasguard baseline --config 'my config/gasguard.toml'`"), "{text}");
    let output = gasguard(
        dir.path(),
        &["check", "--config", "my config/gasguard.toml", "--baseline", "old base.json"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let text = stderr(&output);
    let command = "`gasguard baseline --config 'my config/gasguard.toml' --out 'old base.json'`";
    assert!(text.contains(command), "{text}");
}

/// Bidi controls in names are replaced in terminal errors, as in the Markdown renderer.
#[test]
fn bidi_controls_are_not_printed_raw() {
    let dir = folder(
        &TOKEN
            .replace("name = \"token\"", "name = \"safe\u{202E}txt.exe\"")
            .replace("deploy = \"Token\"", "deploy = \"Tokn\""),
    );
    let message = expect(dir.path(), &["run"], 2);
    assert!(!message.contains('\u{202E}'), "{message:?}");
    assert!(message.contains("scenario `safe\u{FFFD}txt.exe`"), "{message}");
}

#[test]
fn diff_help_describes_base_and_head() {
    let output = gasguard(Path::new("."), &["diff", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&output));
}

/// `run` where there is no `gasguard.toml` says how to name one.
#[test]
fn a_missing_config_hints_at_config() {
    let dir = tempfile::tempdir().unwrap();
    insta::assert_snapshot!(expect(dir.path(), &["run"], 2));
    let message = expect(dir.path(), &["check"], 2);
    assert!(message.contains("`gasguard check --config path/to/gasguard.toml`"), "{message}");
    let message = expect(dir.path(), &["baseline"], 2);
    assert!(message.contains("`gasguard baseline --config path/to/gasguard.toml`"), "{message}");
}

/// With the variable set, the same config does ask the node: the message above is about the
/// variable alone.
#[test]
fn a_set_variable_in_fork_url_is_used() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let dir = folder(&format!(
        "artifacts = \"ARTIFACTS\"\n[evm]\nfork_url = \"http://127.0.0.1:{port}/v2/${{GASGUARD_TEST_SET_KEY}}\"\nfork_block = 1\n\n[[scenario]]\nname = \"s\"\n[[scenario.step]]\ndeploy = \"Counter\"\n"
    ));
    let output = gasguard_with_env(dir.path(), &["run"], &[("GASGUARD_TEST_SET_KEY", "k")]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("could not connect"), "the variable was expanded and the node asked: {message}");
    assert!(!message.contains("is not set"), "{message}");
}
