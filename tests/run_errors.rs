//! Bad input to `gasguard run`: every case is a clear message naming the file and the scenario
//! and step, exit code 2, and no report written (an existing one is left untouched).

mod support;

use std::path::Path;

use support::{fixture, gasguard, stderr};

const PREVIOUS_REPORT: &str = "{\"previous\": true}\n";

/// Writes `config` (with `ARTIFACTS` replaced by the Foundry fixture path) into a fresh folder,
/// runs `gasguard run`, and returns stderr with the folder and fixture paths replaced.
fn run_bad(config: &str) -> String {
    run_bad_with(config, |_| {})
}

fn run_bad_with(config: &str, prepare: impl FnOnce(&Path)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let artifacts = fixture("artifacts/foundry/out");
    std::fs::write(
        dir.path().join("gasguard.toml"),
        config.replace("ARTIFACTS", artifacts.to_str().unwrap()),
    )
    .unwrap();
    prepare(dir.path());
    let out = dir.path().join("gas-report.json");
    std::fs::write(&out, PREVIOUS_REPORT).unwrap();
    let output = gasguard(dir.path(), &["run", "--config", "gasguard.toml", "--out", "gas-report.json"]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "expected exit code 2, stderr:\n{message}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        PREVIOUS_REPORT,
        "a failed run must not touch the report"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
    message
        .replace(dir.path().to_str().unwrap(), "[DIR]")
        .replace(fixture("").to_str().unwrap().trim_end_matches('/'), "[FIXTURES]")
}

const HEADER: &str = "artifacts = \"ARTIFACTS\"\n[evm]\nspec = \"prague\"\n";

fn with_steps(steps: &str) -> String {
    format!(
        "{HEADER}\n[[scenario]]\nname = \"token\"\n\n[[scenario.step]]\ndeploy = \"Token\"\nas = \"token\"\nargs = [\"Gas\", \"GAS\", \"1000\"]\n{steps}"
    )
}

#[test]
fn unknown_contract() {
    let message =
        run_bad(&format!("{HEADER}\n[[scenario]]\nname = \"s\"\n[[scenario.step]]\ndeploy = \"Tokn\"\n"));
    insta::assert_snapshot!(message);
}

#[test]
fn ambiguous_bare_name() {
    // Two contracts named `Token` in different files: a standard-json output with a copy.
    let message = run_bad_with(
        "artifacts = \"solc.json\"\n\n[[scenario]]\nname = \"s\"\n[[scenario.step]]\ndeploy = \"Token\"\nargs = [\"a\", \"b\", \"1\"]\n",
        |dir| {
            let text = std::fs::read_to_string(fixture("artifacts/solc/output.json")).unwrap();
            let mut output: serde_json::Value = serde_json::from_str(&text).unwrap();
            let token = output["contracts"]["contracts/Token.sol"].clone();
            output["contracts"]["vendor/Token.sol"] = token;
            std::fs::write(dir.join("solc.json"), output.to_string()).unwrap();
        },
    );
    insta::assert_snapshot!(message);
}

#[test]
fn function_not_in_abi() {
    insta::assert_snapshot!(run_bad(&with_steps(
        "\n[[scenario.step]]\ncall = \"token\"\nfunction = \"transfer(address)\"\nargs = [\"bob\"]\n"
    )));
}

#[test]
fn argument_does_not_parse() {
    insta::assert_snapshot!(run_bad(&with_steps(
        "\n[[scenario.step]]\ncall = \"token\"\nfunction = \"transfer(address,uint256)\"\nargs = [\"bob\", \"-5\"]\n"
    )));
}

#[test]
fn address_argument_is_not_a_name() {
    insta::assert_snapshot!(run_bad(&with_steps(
        "\n[[scenario.step]]\ncall = \"token\"\nfunction = \"transfer(address,uint256)\"\nargs = [\"mallory\", \"5\"]\n"
    )));
}

#[test]
fn wrong_number_of_arguments() {
    insta::assert_snapshot!(run_bad(&with_steps(
        "\n[[scenario.step]]\ncall = \"token\"\nfunction = \"transfer(address,uint256)\"\nargs = [\"bob\"]\n"
    )));
}

#[test]
fn malformed_toml() {
    insta::assert_snapshot!(run_bad("artifacts = \"ARTIFACTS\"\n[[scenario]\nname = \"s\"\n"));
}

#[test]
fn unknown_key_is_rejected() {
    // A typo must not be silently ignored (`functon` would otherwise call nothing).
    insta::assert_snapshot!(run_bad(&with_steps(
        "\n[[scenario.step]]\ncall = \"token\"\nfuncton = \"totalSupply()\"\n"
    )));
}

#[test]
fn malformed_artifact() {
    let message = run_bad_with(
        "artifacts = \"out\"\nartifacts_format = \"foundry\"\n\n[[scenario]]\nname = \"s\"\n[[scenario.step]]\ndeploy = \"Token\"\n",
        |dir| {
            std::fs::create_dir_all(dir.join("out/Token.sol")).unwrap();
            std::fs::write(
                dir.join("out/Token.sol/Token.json"),
                "{\"abi\": [], \"bytecode\": {\"object\": \"0x60",
            )
            .unwrap();
        },
    );
    insta::assert_snapshot!(message);
}

#[test]
fn unexpected_revert() {
    insta::assert_snapshot!(run_bad(&with_steps(
        "\n[[scenario.step]]\ncall = \"token\"\nfunction = \"transfer(address,uint256)\"\nargs = [\"bob\", \"5000\"]\n"
    )));
}

#[test]
fn expected_revert_did_not_happen() {
    insta::assert_snapshot!(run_bad(&with_steps(
        "\n[[scenario.step]]\ncall = \"token\"\nfunction = \"transfer(address,uint256)\"\nargs = [\"bob\", \"5\"]\nexpect = \"revert\"\n"
    )));
}

#[test]
fn library_not_deployed() {
    insta::assert_snapshot!(run_bad(&format!(
        "{HEADER}\n[[scenario]]\nname = \"lib\"\n[[scenario.step]]\ndeploy = \"Calculator\"\n"
    )));
}

#[test]
fn unknown_alias() {
    insta::assert_snapshot!(run_bad(&with_steps(
        "\n[[scenario.step]]\ncall = \"tokne\"\nfunction = \"totalSupply()\"\n"
    )));
}

#[test]
fn missing_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = gasguard(dir.path(), &["run", "--config", "nope.toml"]);
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&output));
}

#[test]
fn unknown_hardfork() {
    insta::assert_snapshot!(run_bad(
        "artifacts = \"ARTIFACTS\"\n[evm]\nspec = \"pragu\"\n\n[[scenario]]\nname = \"s\"\n[[scenario.step]]\ndeploy = \"Counter\"\n"
    ));
}

#[test]
fn wrong_command_line_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let output = gasguard(dir.path(), &["run", "--no-such-flag"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--no-such-flag"), "{}", stderr(&output));
}

/// In GitHub Actions the key parts of a node URL are masked (`::add-mask::`) before anything
/// could print them, and no other line shows them; outside Actions no mask line is printed.
#[test]
fn node_url_secrets_are_masked_in_actions() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture("demo/gasguard.toml");
    let port = support::free_port();
    let url = format!("http://127.0.0.1:{port}/rpc/Xy7abcDEF1234567890ghij?apikey=s3cr3tvalue");
    let args = [
        "run",
        "--config",
        config.to_str().unwrap(),
        "--executor",
        "rpc",
        "--rpc-url",
        &url,
        "--out",
        "r.json",
    ];
    let output = support::gasguard_with_env(dir.path(), &args, &[("GITHUB_ACTIONS", "true")]);
    assert_eq!(output.status.code(), Some(2), "nothing listens on the port");
    let message = stderr(&output);
    let (masks, rest): (Vec<&str>, Vec<&str>) =
        message.lines().partition(|line| line.starts_with("::add-mask::"));
    assert_eq!(masks, ["::add-mask::Xy7abcDEF1234567890ghij", "::add-mask::s3cr3tvalue"], "{message}");
    for line in rest {
        assert!(!line.contains("Xy7abc") && !line.contains("s3cr3t"), "a secret leaked: {line}");
    }
    assert!(support::stdout(&output).is_empty());
    let output = gasguard(dir.path(), &args);
    assert!(!stderr(&output).contains("::add-mask::"), "{}", stderr(&output));
}

// Issue 11: what is meaningless is refused before or while running, naming the step.

#[test]
fn function_call_to_an_address_without_code() {
    let message = run_bad(&with_steps(
        "[[scenario.step]]\ncall = \"0x000000000000000000000000000000000000dEaD\"\nabi = \"Token\"\nfunction = \"transfer(address,uint256)\"\nargs = [\"bob\", \"1\"]\n",
    ));
    insta::assert_snapshot!(message);
    // Raw calldata to an address said to be a contract (with `abi`) is refused alike.
    let raw = run_bad(&with_steps(
        "[[scenario.step]]\ncall = \"0x000000000000000000000000000000000000dEaD\"\nabi = \"Token\"\ndata = \"0x18160ddd\"\n",
    ));
    assert!(raw.contains("has no code: calling `totalSupply()` there"), "{raw}");
}

#[test]
fn value_to_a_function_that_is_not_payable() {
    let message = run_bad(&with_steps(
        "[[scenario.step]]\ncall = \"token\"\nfunction = \"transfer(address,uint256)\"\nargs = [\"bob\", \"1\"]\nvalue = \"1 ether\"\n",
    ));
    insta::assert_snapshot!(message);
}

#[test]
fn value_to_a_contract_without_receive_or_fallback() {
    let message = run_bad(&with_steps("[[scenario.step]]\ncall = \"token\"\nvalue = \"1 wei\"\n"));
    insta::assert_snapshot!(message);
}

#[test]
fn capture_needs_an_abi_and_an_address() {
    let factory = "[[scenario.step]]\ndeploy = \"CloneFactory\"\nas = \"factory\"\n";
    let no_abi = run_bad(&with_steps(&format!(
        "{factory}[[scenario.step]]\ncall = \"factory\"\nfunction = \"clone(address)\"\nargs = [\"token\"]\nas = \"clone\"\n"
    )));
    insta::assert_snapshot!("capture_without_abi", no_abi);
    let not_address = run_bad(&with_steps(&format!(
        "{factory}[[scenario.step]]\ncall = \"factory\"\nfunction = \"cloneCounted(address)\"\nargs = [\"token\"]\nas = \"clone\"\nabi = \"Counter\"\n"
    )));
    insta::assert_snapshot!("capture_not_an_address", not_address);
}

#[test]
fn unknown_name_inside_an_array() {
    let message = run_bad(&format!(
        "{HEADER}\n[[scenario]]\nname = \"s\"\n[[scenario.step]]\ndeploy = \"TipJar\"\nas = \"jar\"\n[[scenario.step]]\ncall = \"jar\"\nfunction = \"setAll\"\nargs = [[\"alice\", \"bobb\"], \"max\"]\n"
    ));
    insta::assert_snapshot!(message);
}

/// The other misuses of the new keys, each refused before anything runs, naming the step.
#[test]
fn misused_scenario_keys() {
    let cases = [
        "[[scenario.step]]\ncall = \"bob\"\nfunction = \"transfer(address,uint256)\"\nargs = [\"bob\", \"1\"]\n",
        "[[scenario.step]]\ncall = \"token\"\n",
        "[[scenario.step]]\ncall = \"token\"\ndata = \"deadbeef\"\n",
        "[[scenario.step]]\ncall = \"token\"\nfunction = \"totalSupply()\"\ndata = \"0x18160ddd\"\n",
        "[[scenario.step]]\ncall = \"token\"\nfunction = \"totalSupply()\"\nlabel = \"[x]\"\n",
        "[[scenario.step]]\ncall = \"token\"\nfunction = \"totalSupply()\"\nas = \"t\"\nabi = \"Token\"\nreturns = 2\n",
        "[[scenario.step]]\ncall = \"token\"\nfunction = \"totalSupply()\"\nreturns = 0\n",
        "[[scenario.step]]\ndeploy = \"Counter\"\nlabel = \"second\"\n",
    ];
    let messages: Vec<String> = cases.iter().map(|steps| run_bad(&with_steps(steps))).collect();
    insta::assert_snapshot!(messages.join("\n"));
}
