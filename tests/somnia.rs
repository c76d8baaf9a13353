//! Somnia's schedule through the real binary, over a fork: a real anvil plays the chain, with a
//! `SlotStore` whose slot 1 its history wrote. The scenarios read and write that slot and fresh
//! ones under `[evm] gas_schedule = "somnia"`, and the report carries each call's bounds.

mod support;

use std::path::Path;

use alloy::dyn_abi::DynSolValue;
use alloy::primitives::{Address, U256};
use serde_json::Value;
use support::history::{ALICE, block_number, calldata, init_code, send};
use support::{Anvil, fixture, gasguard, gasguard_with_env, rpc_call, stderr, stdout};

fn config(url: &str, block: u64, store: Address, schedule: &str) -> String {
    format!(
        r#"artifacts = {artifacts:?}
[evm]
spec = "prague"
fork_url = "{url}"
fork_block = {block}
gas_schedule = "{schedule}"

[[scenario]]
name = "slots"

# Slot 1 exists on the fork, untouched by this scenario so far.
[[scenario.step]]
call = "{store}"
abi = "SlotStore"
function = "values(uint256)"
args = ["1"]

# Touched by the step before: recent.
[[scenario.step]]
call = "{store}"
abi = "SlotStore"
function = "values(uint256)"
args = ["1"]

# Slot 9 does not exist: created.
[[scenario.step]]
call = "{store}"
abi = "SlotStore"
function = "set(uint256,uint256)"
args = ["9", "5"]

# Enough for Ethereum's and Somnia's charges, not for Somnia's million-left check.
[[scenario.step]]
call = "{store}"
abi = "SlotStore"
function = "set(uint256,uint256)"
args = ["10", "5"]
gas_limit = 400000
"#,
        artifacts = fixture("artifacts/solc/output.json").to_str().unwrap(),
    )
}

fn run(dir: &Path, config: &str) -> (Value, String) {
    std::fs::write(dir.join("gasguard.toml"), config).unwrap();
    let output = gasguard(dir, &["run", "--config", "gasguard.toml", "--out", "report.json"]);
    assert_eq!(output.status.code(), Some(0), "gasguard run failed:\n{}", stderr(&output));
    (serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap(), stderr(&output))
}

/// The forked chain: a prague anvil where a `SlotStore` holds 42 in slot 1, and the block the
/// fork pins.
fn chain_with_slot_one() -> (Anvil, Address, u64) {
    let node = Anvil::start(&["--hardfork", "prague"]);
    let url = node.url();
    let receipt = send(&url, ALICE, None, &init_code("SlotStore"), 0);
    let store: Address = receipt["contractAddress"].as_str().unwrap().parse().unwrap();
    let uint = |value: u64| DynSolValue::Uint(U256::from(value), 256);
    send(&url, ALICE, Some(store), &calldata("set(uint256,uint256)", vec![uint(1), uint(42)]), 0);
    let block = block_number(&url);
    (node, store, block)
}

#[test]
fn bounds_over_a_fork_follow_somnias_recency_rule() {
    let (node, store, block) = chain_with_slot_one();
    let url = node.url();
    let dir = tempfile::tempdir().unwrap();

    let (somnia, messages) = run(dir.path(), &config(&url, block, store, "somnia"));
    assert!(
        messages.contains("scenario `slots`, step 4, iteration 1: the gas limit 400,000 is below the"),
        "{messages}"
    );
    assert!(!messages.contains("step 3,"), "{messages}");
    assert_eq!(somnia["evm"]["gas_schedule"], "somnia");
    assert_eq!(somnia["build"]["run"]["gas_schedule"], "somnia");
    let calls = somnia["calls"].as_array().unwrap();
    let figure = |index: usize, field: &str| calls[index][field].as_u64().unwrap();
    // An existing slot, untouched earlier in the scenario: +1,000,000 at the upper bound.
    assert_eq!(figure(0, "gas_used_upper") - figure(0, "gas_used"), 1_000_000);
    // The same slot again in a later step: recent, no difference.
    assert_eq!(figure(1, "gas_used_upper"), figure(1, "gas_used"));
    assert_eq!(figure(0, "gas_used"), figure(1, "gas_used"));
    // Creating a slot: charged 200,000 in both bounds, and needs more than 1,000,000 left.
    assert_eq!(figure(2, "gas_used_upper"), figure(2, "gas_used"));
    assert!(figure(2, "gas_limit_needed") > 1_000_000, "{}", calls[2]);
    // Reading an existing slot not touched before needs the surcharge's million too.
    assert!(figure(0, "gas_limit_needed") > 1_000_000 + 21_000, "{}", calls[0]);

    // The attribution's sums stay exact under Somnia's prices (the lower bound).
    let profiled = support::profile_attributed(&dir.path().join("gasguard.toml"));
    // Function statistics carry the upper bound where it differs, and the bounds every renderer
    // shows beside the value are those of `values(uint256)` alone (the mean of its two calls:
    // one a million above, one not). No entry of their own.
    let stats =
        profiled.report.contracts.values().find_map(|gas| gas.functions.get("values(uint256)")).unwrap();
    assert_eq!(stats.upper.unwrap().max - stats.max, 1_000_000);
    let bounds: Vec<_> = profiled.report.bounds().into_iter().collect();
    assert_eq!(bounds.len(), 1, "{bounds:?}");
    assert!(bounds[0].0.ends_with("SlotStore.values(uint256)"), "{bounds:?}");
    assert_eq!(bounds[0].1.upper - bounds[0].1.lower, 500_000);
    assert_eq!(profiled.report.entries().len(), 2, "{:?}", profiled.report.entries().keys());

    // The step whose limit is too small for Somnia: its limit beside what Somnia needs in the
    // JSON, and `explain` lists it.
    assert_eq!(figure(3, "gas_limit"), 400_000);
    assert!(figure(3, "gas_limit_needed") > 1_000_000);
    assert!(figure(2, "gas_limit") > figure(2, "gas_limit_needed"), "{}", calls[2]);
    let explained = gasguard(dir.path(), &["explain", "set(uint256,uint256)", "--report", "report.json"]);
    assert_eq!(explained.status.code(), Some(0), "{}", stderr(&explained));
    let text = stdout(&explained);
    let needed = gasguard::core::number::group_digits(figure(3, "gas_limit_needed"));
    assert!(
        text.contains(&format!(
            "Gas limits below what Somnia needs (head): these transactions would fail on Somnia\n  scenario `slots`, step 4, iteration 1: gas_limit_needed {needed} > gas_limit 400,000\n"
        )),
        "{text}"
    );
    assert!(!text.contains("step 3,"), "{text}");

    let (ethereum, messages) = run(dir.path(), &config(&url, block, store, "ethereum"));
    assert!(!messages.contains("Somnia needs"), "{messages}");
    assert!(ethereum["evm"].get("gas_schedule").is_none(), "{}", ethereum["evm"]);
    let ours = ethereum["calls"].as_array().unwrap();
    for call in ours {
        assert!(call.get("gas_used_upper").is_none() && call.get("gas_limit_needed").is_none(), "{call}");
    }
    // Creating the slot: Ethereum's 22,100 (set and cold) against Somnia's 100 static and
    // 200,000 for the creation, and
    // KECCAK256 of the mapping key (64 bytes): 30 + 2·6 against 1,250 + 2·300.
    let created = figure(2, "gas_used") as i64 - ours[2]["gas_used"].as_u64().unwrap() as i64;
    assert_eq!(created, (200_100 - 22_100) + (1_850 - 42));
}

/// `gasguard calibrate` against anvil, which prices everything as Ethereum does: every rule
/// comes out as "Ethereum pricing", with Somnia's expected figure beside the observed one.
#[test]
fn calibrate_against_anvil_finds_ethereum_pricing_everywhere() {
    let node = Anvil::start(&["--hardfork", "prague"]);
    let dir = tempfile::tempdir().unwrap();
    let output = gasguard(dir.path(), &["calibrate", "--rpc-url", &node.url()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let table = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 9, "{table}");
    for row in &rows {
        assert!(row.ends_with("Ethereum pricing"), "{table}");
    }
    // Both columns are the pair's whole difference (calldata and pushes included): expected
    // minus observed is Somnia's documented price minus Ethereum's.
    let number = |text: &str| text.replace(',', "").parse::<i64>().unwrap();
    let documented = [
        ("LOG: one more topic", 5_120 - 375),
        ("LOG: 32 more bytes", 32 * (160 - 8)),
        ("KECCAK256: 2 more words", 2 * (300 - 6)),
        ("ADDMOD: 2 more", 2 * (358 - 8)),
        ("SELFBALANCE", 305 - 5),
        ("ecRecover vs identity", 150_000 - 3_000),
        ("SHA-256 vs identity", 50 * 60 - 60),
        ("code deposit: 10 more bytes", 10 * (3_125 - 200)),
        ("CREATE: a new account", 400_000),
    ];
    for (rule, difference) in documented {
        let row = rows.iter().find(|row| row.starts_with(rule)).unwrap_or_else(|| panic!("{rule}: {table}"));
        let cells: Vec<&str> = row[rule.len()..].split_whitespace().collect();
        assert_eq!(number(cells[0]) - number(cells[1]), difference, "{rule}: {table}");
    }
}

/// A Somnia diff through the binary, from two real runs over the fork: the head writes slot 1
/// first (an existing key untouched before: a million more at the upper bound), so `set`'s
/// bounds appear, and `values` reads it afterwards (touched: its bounds go). Terminal and
/// comment show both bounds where they differ and say which one was judged; the JSON diff
/// carries them beside the values.
#[test]
fn a_somnia_diff_shows_both_bounds_in_every_renderer() {
    let (node, store, block) = chain_with_slot_one();
    let url = node.url();
    let dir = tempfile::tempdir().unwrap();
    let base = config(&url, block, store, "somnia");
    let (_, _) = run(dir.path(), &base);
    std::fs::rename(dir.path().join("report.json"), dir.path().join("base.json")).unwrap();
    let first = format!(
        "name = \"slots\"\n\n[[scenario.step]]\ncall = \"{store}\"\nabi = \"SlotStore\"\nfunction = \"set(uint256,uint256)\"\nargs = [\"1\", \"43\"]\n"
    );
    let head = base.replacen("name = \"slots\"\n", &first, 1);
    assert_ne!(head, base);
    let (_, _) = run(dir.path(), &head);
    std::fs::rename(dir.path().join("report.json"), dir.path().join("head.json")).unwrap();
    std::fs::remove_file(dir.path().join("gasguard.toml")).unwrap();

    let render = |format: &str| {
        let output =
            gasguard(dir.path(), &["diff", "base.json", "head.json", "--format", format, "--color", "never"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        stdout(&output)
    };
    insta::assert_snapshot!("somnia_diff_terminal", render("terminal"));
    insta::assert_snapshot!("somnia_diff_markdown", render("markdown"));
    let json: Value = serde_json::from_str(&render("json")).unwrap();
    let entry = |name: &str| {
        json["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["id"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("no {name}: {json}"))
            .clone()
    };
    let values = entry("values(uint256)");
    assert_eq!(values["base_bounds"]["upper"].as_u64().unwrap() - values["base"].as_u64().unwrap(), 500_000);
    assert!(values.get("head_bounds").is_none(), "{values}");
    let set = entry("set(uint256,uint256)");
    assert!(set.get("base_bounds").is_none(), "{set}");
    // Three calls, one of them a million above: a third of it in the mean, rounded half up.
    assert_eq!(set["head_bounds"]["upper"].as_u64().unwrap() - set["head"].as_u64().unwrap(), 333_333);
    assert!(set.get("why").is_some(), "{set}");

    // Judged by the upper bound: both entries move by their upper bounds, and neither has a
    // `why` (the attribution explains the lower bound) nor a note blaming a missing one.
    std::fs::write(dir.path().join("upper.toml"), "[policy]\nsomnia_bound = \"upper\"\n").unwrap();
    let output = gasguard(
        dir.path(),
        &["diff", "base.json", "head.json", "--format", "json", "--config", "upper.toml"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let upper: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(upper.get("why_note").is_none(), "{upper}");
    let entries = upper["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{upper}");
    for entry in entries {
        assert!(entry.get("why").is_none(), "{entry}");
    }
    assert_eq!(entries[0]["head"], set["head_bounds"]["upper"], "{upper}");
    assert_eq!(entries[0]["status"], "regression", "{upper}");
    assert_eq!(entries[1]["delta"], -500_000, "{upper}");
}

/// anvil's first development key (public knowledge), and its account.
const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// A key whose account anvil does not fund.
const POOR_KEY: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const POOR: &str = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A";

fn nonce(node: &str, address: &str) -> u64 {
    let count = rpc_call(node, "eth_getTransactionCount", &format!(r#"["{address}", "latest"]"#)).unwrap();
    u64::from_str_radix(count.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Neither stream shows the key, with or without its prefix, in any case.
fn assert_no_key(output: &std::process::Output, key: &str) {
    let all = format!("{}{}", stdout(output), stderr(output)).to_lowercase();
    assert!(!all.contains(key), "the key leaked: {all}");
    assert!(!all.contains(&key[..16]), "part of the key leaked: {all}");
}

/// `calibrate --send` with a funded key: the probes are real transactions signed with it, the
/// figures the receipts' `gasUsed`. On anvil they are the dry run's figures exactly (the table on
/// stdout is the same), every rule is "Ethereum pricing", the sender's nonce advanced by the 18
/// transactions, each hash on stderr is a successful transaction of that sender, and the key is
/// shown nowhere.
#[test]
fn calibrate_send_with_a_funded_key_gives_the_dry_runs_figures() {
    let node = Anvil::start(&["--hardfork", "prague"]);
    let dir = tempfile::tempdir().unwrap();
    let dry = gasguard(dir.path(), &["calibrate", "--rpc-url", &node.url()]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let before = nonce(&node.url(), ALICE);
    let key = format!("0x{DEV_KEY}");
    let sent = gasguard_with_env(
        dir.path(),
        &["calibrate", "--rpc-url", &node.url(), "--send", "--chain-id", "31337"],
        &[("GASGUARD_PRIVATE_KEY", &key)],
    );
    assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    assert_no_key(&sent, DEV_KEY);
    let table = stdout(&sent);
    assert_eq!(table, stdout(&dry));
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 9, "{table}");
    assert!(rows.iter().all(|row| row.ends_with("Ethereum pricing")), "{table}");
    assert_eq!(nonce(&node.url(), ALICE) - before, 18);
    let messages = stderr(&sent);
    let hashes: Vec<&str> = messages
        .lines()
        .filter_map(|line| line.strip_prefix("sent `"))
        .flat_map(|line| line.split_once("`: ").unwrap().1.split(", "))
        .collect();
    assert_eq!(hashes.len(), 18, "{messages}");
    for hash in hashes {
        let receipt = rpc_call(&node.url(), "eth_getTransactionReceipt", &format!(r#"["{hash}"]"#)).unwrap();
        assert_eq!(receipt["status"], "0x1", "{hash}: {receipt}");
        assert_eq!(receipt["from"].as_str().unwrap(), ALICE.to_lowercase(), "{hash}: {receipt}");
    }
}

/// `calibrate --send` refuses before sending anything: without a key (naming the variable, the
/// default one or `--private-key-env`'s), with an account that cannot pay for every probe
/// (naming the address and the balance needed), and on another chain than `--chain-id`. Exit 2, nothing on stdout, the key nowhere.
#[test]
fn calibrate_send_without_a_key_or_funds_sends_nothing() {
    let node = Anvil::start(&["--hardfork", "prague"]);
    let dir = tempfile::tempdir().unwrap();
    let blocks = block_number(&node.url());
    let missing = gasguard(dir.path(), &["calibrate", "--rpc-url", &node.url(), "--send"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("environment variable `GASGUARD_PRIVATE_KEY` is not set"),
        "{}",
        stderr(&missing)
    );
    let named = gasguard_with_env(
        dir.path(),
        &["calibrate", "--rpc-url", &node.url(), "--send", "--private-key-env", "PROBE_KEY"],
        &[("GASGUARD_PRIVATE_KEY", DEV_KEY)],
    );
    assert_eq!(named.status.code(), Some(2));
    assert!(stderr(&named).contains("environment variable `PROBE_KEY` is not set"), "{}", stderr(&named));

    let poor = gasguard_with_env(
        dir.path(),
        &["calibrate", "--rpc-url", &node.url(), "--send", "--private-key-env", "PROBE_KEY"],
        &[("PROBE_KEY", POOR_KEY)],
    );
    assert_eq!(poor.status.code(), Some(2), "{}", stderr(&poor));
    assert_no_key(&poor, POOR_KEY);
    let message = stderr(&poor);
    assert!(message.contains(&format!("`{POOR}` holds 0 wei on `{}`", node.url())), "{message}");
    // The balance needed is each probe's gas limit at the max fee per gas, stated with its parts.
    let needed: u128 = message.split("needs ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let gas: u128 = message
        .split("native unit): ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    let fee: u128 = message.split("up to ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(gas > 18 * 53_000 && fee > 0, "{message}");
    assert_eq!(needed, gas * fee, "{message}");
    assert!(message.contains("nothing was sent"), "{message}");
    // The wrong chain: refused before anything, even with a funded key.
    let wrong = gasguard_with_env(
        dir.path(),
        &["calibrate", "--rpc-url", &node.url(), "--send", "--chain-id", "50312"],
        &[("GASGUARD_PRIVATE_KEY", DEV_KEY)],
    );
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains(&format!(
            "`{}` is chain 31337, not chain 50312 (`--chain-id`); nothing was sent",
            node.url()
        )),
        "{}",
        stderr(&wrong)
    );
    assert_eq!(nonce(&node.url(), ALICE), 0);
    for output in [&missing, &named, &poor, &wrong] {
        assert!(stdout(output).is_empty(), "{}", stdout(output));
    }
    assert_eq!(nonce(&node.url(), POOR), 0);
    assert_eq!(block_number(&node.url()), blocks);
}

/// An unknown schedule is an error naming the file and the key, exit 2, nothing written.
#[test]
fn an_unknown_gas_schedule_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = config("http://127.0.0.1:9", 1, Address::ZERO, "solana");
    std::fs::write(dir.path().join("gasguard.toml"), config).unwrap();
    let output = gasguard(dir.path(), &["run", "--config", "gasguard.toml", "--out", "report.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(
            "invalid config `gasguard.toml`: [evm] gas_schedule `solana` is not known (expected `ethereum` or `somnia`)"
        ),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("report.json").exists());
}
