//! `gasguard registry deploy`, `gasguard record` and `gasguard registry show` through the real
//! binary against a real anvil (`support::chain`). What the commands wrote is read back
//! independently: raw `eth_call`s decoded with an interface written from
//! `contracts/AnalysisRegistry.sol` (not gasguard's bindings), and raw `eth_sendTransaction`s
//! from anvil's unlocked accounts.
//!
//! Every run goes through [`run`], which asserts that the signing key appears in neither stdout
//! nor stderr.

mod support;

use std::path::Path;
use std::process::Output;

use alloy::primitives::{Address, Bytes, U256, address};
use alloy::sol_types::{SolCall, SolError};
use support::chain::{ALICE, COUNTER, Chain, IRegistry, KEY, REGISTRY, TOKEN, TOKEN_MAPPING, without_key};
use support::proxy::{Behaviour, Proxy};
use support::{fixture, gasguard_with_env, rpc_response, stderr, stdout};

const BOB: Address = address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

// The content ids of the fixture reports, computed independently of gasguard with Python:
//   d = bytes([1, 0x55, 0x12, 0x20]) + hashlib.sha256(open(path, "rb").read()).digest()
//   "b" + base64.b32encode(d).decode().lower().rstrip("=")
const CID_A: &str = "bafkreib53weh7koc2tn2w32yj2c64q4dfhm2b4ymy2iqmh2r6xlyd5kgja";
const CID_B: &str = "bafkreicdingzylydzwkvyhmgzndsiy2iayg2xh42tobogmzh2jv2kombd4";

// gasUsed by hand from the fixtures' `calls` (successful calls, deployment included):
// report A: Token 449,706 + 51,288; Counter 107,079 + 44,879.
// report B: Token 449,706 + 51,288 + 2 × 34,188 (the reverted 24,317 is left out);
//           Counter 107,079 + 44,879 + 27,779.
const TOKEN_GAS_A: u64 = 500_994;
const COUNTER_GAS_A: u64 = 151_958;
const TOKEN_GAS_B: u64 = 569_370;
const COUNTER_GAS_B: u64 = 179_737;

/// Runs gasguard in `dir` with the key in `GASGUARD_PRIVATE_KEY`, and checks that the key shows
/// up nowhere in what it printed.
fn run(dir: &Path, args: &[&str]) -> Output {
    run_with_env(dir, args, &[("GASGUARD_PRIVATE_KEY", KEY)])
}

fn run_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    without_key(gasguard_with_env(dir, args, env), args)
}

/// Runs gasguard and expects success.
fn run_ok(dir: &Path, args: &[&str]) -> Output {
    let output = run(dir, args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "`gasguard {}` failed\nstdout:\n{}\nstderr:\n{}",
        args.join(" "),
        stdout(&output),
        stderr(&output)
    );
    output
}

impl Chain {
    fn show(&self, contract: Address, extra: &[&str]) -> String {
        let (registry, contract) = (REGISTRY.to_string(), contract.to_string());
        let mut args = vec!["registry", "show", &registry, &contract, "--rpc-url", &self.url];
        args.extend_from_slice(extra);
        stdout(&run_ok(self.dir(), &args))
    }

    fn nonce(&self, account: Address) -> u64 {
        let value = self.anvil.rpc("eth_getTransactionCount", &format!(r#"["{account}","latest"]"#)).unwrap();
        u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    }

    /// A raw `eth_sendTransaction` from an unlocked anvil account; returns the receipt's status.
    fn send_from(&self, from: Address, data: &[u8]) -> bool {
        let data = Bytes::copy_from_slice(data);
        // An explicit gas limit, so a reverting call is mined (and fails) instead of failing
        // the estimate.
        let params = format!(r#"[{{"from":"{from}","to":"{REGISTRY}","data":"{data}","gas":"0x100000"}}]"#);
        let hash = self.anvil.rpc("eth_sendTransaction", &params).expect("eth_sendTransaction failed");
        // anvil may answer before it has mined the transaction: wait for the receipt.
        let started = std::time::Instant::now();
        loop {
            let receipt = self.anvil.rpc("eth_getTransactionReceipt", &format!("[{hash}]")).unwrap();
            if !receipt.is_null() {
                return receipt["status"] == "0x1";
            }
            assert!(started.elapsed().as_secs() < 30, "no receipt for {hash}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Replaces what changes from run to run: the port, the temporary folder, wall-clock times
    /// and transaction hashes.
    fn redact(&self, text: &str) -> String {
        let text = text.replace(&self.url, "http://127.0.0.1:[PORT]");
        text.replace(self.dir().to_str().unwrap(), "[DIR]")
    }
}

fn assert_entry(entry: &IRegistry::AnalysisReport, contract: Address, cid: &str, gas: u64, public: bool) {
    assert_eq!(entry.contractAddress, contract);
    assert_eq!(entry.ipfsHash, cid);
    assert_eq!(entry.gasUsed, U256::from(gas));
    assert_eq!(entry.analyzer, ALICE);
    assert_eq!(entry.isPublic, public);
    assert!(entry.timestamp > U256::ZERO);
}

/// Wall-clock times in tables, and transaction hashes (they depend on the node's fees).
fn snapshot_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "[TIME]"),
        (r"0x[0-9a-f]{64}\b", "[TX]"),
        (r"gas price +[\d,]+ wei", "gas price      [PRICE] wei"),
        (r"cost +[\d,]+ wei \([\d.]+ ether\)", "cost           [COST]"),
    ]
}

#[test]
fn records_two_reports_for_two_contracts_and_reads_them_back() {
    let chain = Chain::start();

    let first = chain.record("report-a.json", &["--contract", TOKEN_MAPPING, "--send"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let second = chain.record("report-b.json", &["--contract", TOKEN_MAPPING, "--send", "--private"]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    insta::with_settings!({ filters => snapshot_filters() }, {
        insta::assert_snapshot!("record_a_stdout", stdout(&first));
        insta::assert_snapshot!("record_a_stderr", chain.redact(&stderr(&first)));
        insta::assert_snapshot!("record_b_stdout", stdout(&second));
    });

    // The exact report bytes, next to the report, under their content id.
    for (report, cid) in [("report-a.json", CID_A), ("report-b.json", CID_B)] {
        let copy = std::fs::read(chain.dir().join(format!("{cid}.json"))).unwrap();
        assert_eq!(copy, std::fs::read(chain.dir().join(report)).unwrap(), "{cid}.json");
    }

    // Read back independently.
    assert_eq!((chain.count(TOKEN), chain.count(COUNTER)), (2, 2));
    assert_entry(&chain.entry(TOKEN, 0), TOKEN, CID_A, TOKEN_GAS_A, true);
    assert_entry(&chain.entry(TOKEN, 1), TOKEN, CID_B, TOKEN_GAS_B, false);
    assert_entry(&chain.entry(COUNTER, 0), COUNTER, CID_A, COUNTER_GAS_A, true);
    assert_entry(&chain.entry(COUNTER, 1), COUNTER, CID_B, COUNTER_GAS_B, false);

    // Read back through gasguard.
    insta::with_settings!({ filters => snapshot_filters() }, {
        insta::assert_snapshot!("show_token_all", chain.show(TOKEN, &["--all"]));
        insta::assert_snapshot!("show_counter_latest", chain.show(COUNTER, &[]));
    });
    let json: serde_json::Value =
        serde_json::from_str(&chain.show(COUNTER, &["--all", "--format", "json"])).unwrap();
    let timestamp = |index: u64| chain.entry(COUNTER, index).timestamp.to::<u64>();
    assert_eq!(
        json,
        serde_json::json!([
            {
                "index": 1,
                "contractAddress": COUNTER.to_string(),
                "ipfsHash": CID_B,
                "gasUsed": COUNTER_GAS_B.to_string(),
                "timestamp": timestamp(1),
                "analyzer": ALICE.to_string(),
                "isPublic": false,
            },
            {
                "index": 0,
                "contractAddress": COUNTER.to_string(),
                "ipfsHash": CID_A,
                "gasUsed": COUNTER_GAS_A.to_string(),
                "timestamp": timestamp(0),
                "analyzer": ALICE.to_string(),
                "isPublic": true,
            },
        ])
    );

    // A contract nobody analysed: an empty table, an empty JSON array.
    let nobody = address!("0x000000000000000000000000000000000000dEaD");
    assert_eq!(chain.show(nobody, &["--all"]), "");
    assert_eq!(chain.show(nobody, &["--format", "json"]), "[]\n");
}

#[test]
fn the_analyzer_may_update_its_entry_and_another_account_may_not() {
    let chain = Chain::start();
    run_ok(
        chain.dir(),
        &[
            "record",
            "--report",
            "report-a.json",
            "--registry",
            &REGISTRY.to_string(),
            "--rpc-url",
            &chain.url,
            "--contract",
            TOKEN_MAPPING,
            "--send",
        ],
    );
    let update = |gas: u64| IRegistry::updateAnalysisCall {
        contractAddress: COUNTER,
        index: U256::ZERO,
        ipfsHash: CID_B.into(),
        gasUsed: U256::from(gas),
        isPublic: false,
    };

    // bob did not store the entry: the call reverts with NotAnalyzer(bob, alice)...
    let data = Bytes::from(update(1).abi_encode());
    let params = format!(r#"[{{"from":"{BOB}","to":"{REGISTRY}","data":"{data}"}},"latest"]"#);
    let response = rpc_response(&chain.url, "eth_call", &params).unwrap();
    let revert: Bytes = response["error"]["data"].as_str().expect("no revert data").parse().unwrap();
    assert_eq!(
        IRegistry::NotAnalyzer::abi_decode(&revert).unwrap(),
        IRegistry::NotAnalyzer { caller: BOB, analyzer: ALICE }
    );
    // ...and the mined transaction fails and changes nothing.
    assert!(!chain.send_from(BOB, &update(1).abi_encode()));
    assert_entry(&chain.entry(COUNTER, 0), COUNTER, CID_A, COUNTER_GAS_A, true);

    // alice stored it: her update goes through and keeps the index and the analyzer.
    assert!(chain.send_from(ALICE, &update(12_345).abi_encode()));
    assert_eq!(chain.count(COUNTER), 1);
    assert_entry(&chain.entry(COUNTER, 0), COUNTER, CID_B, 12_345, false);
    insta::with_settings!({ filters => snapshot_filters() }, {
        insta::assert_snapshot!("show_counter_after_update", chain.show(COUNTER, &["--all"]));
    });
}

#[test]
fn a_dry_run_prints_what_it_would_send_and_sends_nothing() {
    let chain = Chain::start();
    let nonce = chain.nonce(ALICE);
    // A stale `<CID>.json` with a second name: an atomic write (temporary file, rename) replaces
    // the file and leaves the other name as it was; a rewrite in place would show through it.
    let copy = chain.dir().join(format!("{CID_A}.json"));
    std::fs::write(&copy, "stale").unwrap();
    let witness = chain.dir().join("witness");
    std::fs::hard_link(&copy, &witness).unwrap();
    let output = chain.record("report-a.json", &["--contract", TOKEN_MAPPING]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(fixture("registry/report-a.json")).unwrap());
    assert_eq!(std::fs::read_to_string(&witness).unwrap(), "stale", "`<CID>.json` was rewritten in place");
    let mut files: Vec<String> = std::fs::read_dir(chain.dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let expected =
        [format!("{CID_A}.json"), "report-a.json".into(), "report-b.json".into(), "witness".into()];
    assert_eq!(files, expected, "no temporary file is left");
    assert_eq!(chain.nonce(ALICE), nonce, "a dry run sent a transaction");
    assert_eq!((chain.count(TOKEN), chain.count(COUNTER)), (0, 0));
    insta::with_settings!({ filters => snapshot_filters() }, {
        insta::assert_snapshot!("dry_run_stdout", stdout(&output));
        insta::assert_snapshot!("dry_run_stderr", chain.redact(&stderr(&output)));
    });

    // The printed calldata is exactly the store it describes.
    let calldata: Vec<IRegistry::storeAnalysisCall> = stdout(&output)
        .lines()
        .filter_map(|line| line.trim().strip_prefix("calldata"))
        .map(|hex| IRegistry::storeAnalysisCall::abi_decode(&hex.trim().parse::<Bytes>().unwrap()).unwrap())
        .collect();
    let store = |contract, gas: u64| IRegistry::storeAnalysisCall {
        contractAddress: contract,
        ipfsHash: CID_A.into(),
        gasUsed: U256::from(gas),
        isPublic: true,
    };
    assert_eq!(calldata, vec![store(COUNTER, COUNTER_GAS_A), store(TOKEN, TOKEN_GAS_A)]);

    // Without a key the dry run still works; it estimates from the zero address.
    let registry = REGISTRY.to_string();
    let args = ["record", "--report", "report-a.json", "--registry", &registry, "--rpc-url", &chain.url];
    let keyless = run_with_env(chain.dir(), &[&args[..], &["--contract", TOKEN_MAPPING]].concat(), &[]);
    assert_eq!(keyless.status.code(), Some(0), "{}", stderr(&keyless));
    assert!(
        stdout(&keyless).contains("from           none (no key in the environment"),
        "{}",
        stdout(&keyless)
    );
    assert_eq!(chain.nonce(ALICE), nonce);
}

#[test]
fn recording_the_same_report_again_records_nothing() {
    let chain = Chain::start();
    let first = chain.record("report-a.json", &["--contract", TOKEN_MAPPING, "--send"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let nonce = chain.nonce(ALICE);

    let again = chain.record("report-a.json", &["--contract", TOKEN_MAPPING, "--send"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(stdout(&again), "");
    insta::assert_snapshot!("rerecord_stderr", chain.redact(&stderr(&again)));
    assert_eq!(chain.nonce(ALICE), nonce, "a re-run sent a transaction");
    assert_eq!((chain.count(TOKEN), chain.count(COUNTER)), (1, 1));
}

#[test]
fn a_receipt_that_never_comes_times_out_and_a_rerun_completes_the_job() {
    let chain = Chain::start();
    // The node accepts transactions from now on but does not mine them.
    chain.anvil.rpc("evm_setAutomine", "[false]").unwrap();
    let output = chain.record("report-a.json", &["--contract", TOKEN_MAPPING, "--send", "--timeout", "2"]);
    assert_eq!(output.status.code(), Some(2));
    insta::with_settings!({ filters => snapshot_filters() }, {
        insta::assert_snapshot!("receipt_timeout", chain.redact(&stderr(&output)));
    });
    assert_eq!(stdout(&output), "", "nothing was mined, so nothing is reported as stored");

    // The pending store is mined later; a re-run skips it and stores the rest.
    chain.anvil.rpc("evm_mine", "[]").unwrap();
    chain.anvil.rpc("evm_setAutomine", "[true]").unwrap();
    assert_eq!((chain.count(COUNTER), chain.count(TOKEN)), (1, 0));
    let rerun = chain.record("report-a.json", &["--contract", TOKEN_MAPPING, "--send"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", stderr(&rerun));
    assert!(stderr(&rerun).contains("skipped `contracts/Counter.sol:Counter`"), "{}", stderr(&rerun));
    assert_eq!((chain.count(COUNTER), chain.count(TOKEN)), (1, 1));
}

/// What was stored before a failure is printed all the same (those transactions are on chain),
/// and the run still fails.
#[test]
fn entries_stored_before_a_failure_are_still_printed() {
    let chain = Chain::start();
    // The node takes the first transaction, then fails every other one.
    let failing = Some(("eth_sendRawTransaction".to_owned(), 1));
    let proxy = Proxy::start(&chain.url, Behaviour { fail_method_after: failing, ..Behaviour::default() });
    let registry = REGISTRY.to_string();
    let url = proxy.url();
    let args = [
        "record",
        "--report",
        "report-a.json",
        "--registry",
        &registry,
        "--rpc-url",
        &url,
        "--contract",
        TOKEN_MAPPING,
        "--send",
    ];
    let output = run(chain.dir(), &args);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("the node fails on purpose"), "{}", stderr(&output));
    assert_eq!((chain.count(COUNTER), chain.count(TOKEN)), (1, 0), "the first store is on chain");
    let printed = stdout(&output);
    let rows: Vec<&str> = printed.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "one row, the store that was mined:\n{printed}");
    assert!(rows[0].starts_with("contracts/Counter.sol:Counter"), "{printed}");
    assert!(rows[0].contains(&COUNTER.to_string()), "{printed}");
}

#[test]
fn a_wrong_chain_id_is_refused_before_anything_is_sent() {
    let chain = Chain::start();
    let nonce = chain.nonce(ALICE);

    let output =
        chain.record("report-a.json", &["--contract", TOKEN_MAPPING, "--send", "--chain-id", "50312"]);
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!("wrong_chain_id", chain.redact(&stderr(&output)));
    let deploy = run(chain.dir(), &["registry", "deploy", "--rpc-url", &chain.url, "--chain-id", "1"]);
    assert_eq!(deploy.status.code(), Some(2));
    assert!(stderr(&deploy).contains("is chain 31337, not chain 1 (`--chain-id`)"), "{}", stderr(&deploy));
    assert_eq!(chain.nonce(ALICE), nonce, "a transaction was sent to the wrong chain");
    assert_eq!((chain.count(TOKEN), chain.count(COUNTER)), (0, 0));

    // The right chain id, and the key under another variable name.
    let registry = REGISTRY.to_string();
    let args = [
        "record",
        "--report",
        "report-a.json",
        "--registry",
        &registry,
        "--rpc-url",
        &chain.url,
        "--contract",
        TOKEN_MAPPING,
        "--send",
        "--chain-id",
        "31337",
        "--private-key-env",
        "ANALYZER_KEY",
    ];
    let output = run_with_env(chain.dir(), &args, &[("ANALYZER_KEY", KEY)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!((chain.count(TOKEN), chain.count(COUNTER)), (1, 1));
}

#[test]
fn sending_needs_a_well_formed_key_from_the_environment() {
    let chain = Chain::start();
    let registry = REGISTRY.to_string();
    let args =
        ["record", "--report", "report-a.json", "--registry", &registry, "--rpc-url", &chain.url, "--send"];
    let missing = run_with_env(chain.dir(), &args, &[]);
    assert_eq!(missing.status.code(), Some(2));
    insta::assert_snapshot!("missing_key", stderr(&missing));

    // A malformed key is named by its variable, never shown.
    let almost = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ffzz";
    let malformed = run_with_env(chain.dir(), &args, &[("GASGUARD_PRIVATE_KEY", almost)]);
    assert_eq!(malformed.status.code(), Some(2));
    assert!(!stderr(&malformed).contains("ac0974bec39a17e3"), "{}", stderr(&malformed));
    insta::assert_snapshot!("malformed_key", stderr(&malformed));
    assert_eq!(chain.count(COUNTER), 0);
}

#[test]
fn a_node_that_does_not_answer_times_out_naming_the_step_and_the_redacted_url() {
    // Accepts connections (the kernel does, into the backlog) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/v2/Xy7abcDEF1234567890ghij");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("registry/report-a.json"), dir.path().join("report-a.json")).unwrap();
    let registry = REGISTRY.to_string();

    let started = std::time::Instant::now();
    let args = ["record", "--report", "report-a.json", "--registry", &registry, "--rpc-url", &url, "--send"];
    let output = run(dir.path(), &[&args[..], &["--timeout", "1"]].concat());
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(!message.contains("Xy7abcDEF1234567890ghij"), "{message}");
    insta::assert_snapshot!("timeout", message.replace(&port.to_string(), "[PORT]"));

    let show =
        run(dir.path(), &["registry", "show", &registry, &registry, "--rpc-url", &url, "--timeout", "1"]);
    assert_eq!(show.status.code(), Some(2));
    assert!(
        stderr(&show).contains("did not answer within 1 s while reading the code of"),
        "{}",
        stderr(&show)
    );
    drop(silent);
}

// Regression guard: transport errors quote the URL they failed on, with its credentials.
#[test]
fn a_refused_connection_does_not_show_the_secrets_in_the_url() {
    let port = support::free_port();
    let url = format!("http://user:hunter2@127.0.0.1:{port}/rpc/Xy7abcDEF1234567890ghij?apikey=s3cr3tvalue");
    let dir = tempfile::tempdir().unwrap();
    let registry = REGISTRY.to_string();
    let output = run(dir.path(), &["registry", "show", &registry, &registry, "--rpc-url", &url]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    for secret in ["hunter2", "Xy7abcDEF1234567890ghij", "s3cr3tvalue"] {
        assert!(!message.contains(secret), "`{secret}` leaked: {message}");
    }
    assert!(message.contains(&format!("`http://***@127.0.0.1:{port}/rpc/***?apikey=***`")), "{message}");
}

// The URL may come from `GASGUARD_RPC_URL` (the action passes it that way), and `--help` must
// not print its value.
#[test]
fn the_rpc_url_from_the_environment_is_used_and_never_shown_in_help() {
    let chain = Chain::start();
    let secret_url = format!("{}/?apikey=s3cr3tvalue", chain.url);
    let help = run_with_env(chain.dir(), &["record", "--help"], &[("GASGUARD_RPC_URL", &secret_url)]);
    assert_eq!(help.status.code(), Some(0));
    assert!(!stdout(&help).contains("s3cr3tvalue"), "{}", stdout(&help));
    let (registry, counter) = (REGISTRY.to_string(), COUNTER.to_string());
    let output = run_with_env(
        chain.dir(),
        &["registry", "show", &registry, &counter],
        &[("GASGUARD_RPC_URL", &chain.url)],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
}

// The action's record step (`scripts/action/record.sh`) and the CLI must agree on every flag; the
// key and the URL reach gasguard through the environment only.
#[test]
fn the_action_script_records_through_the_cli() {
    let chain = Chain::start();
    let binary = Path::new(env!("CARGO_BIN_EXE_gasguard"));
    let path =
        format!("{}:{}", binary.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let output = std::process::Command::new("bash")
        .arg(support::root().join("scripts/action/record.sh"))
        .env("PATH", path)
        .env("CI", "true")
        .env_remove("GASGUARD_RPC_URL")
        .env("INPUT_WORKING_DIRECTORY", chain.dir())
        .env("INPUT_REPORT", "report-a.json")
        .env("INPUT_REGISTRY", REGISTRY.to_string())
        .env("INPUT_RPC_URL", &chain.url)
        .env("INPUT_CHAIN_ID", "31337")
        // Blank lines and surrounding spaces, as a YAML block scalar gives them.
        .env("INPUT_CONTRACTS", format!("\n  {TOKEN_MAPPING}  \n\n"))
        .env("GASGUARD_PRIVATE_KEY", KEY)
        .output()
        .unwrap();
    let (out, err) = (stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(0), "stdout:\n{out}\nstderr:\n{err}");
    assert!(!out.contains(KEY.trim_start_matches("0x")) && !err.contains(KEY.trim_start_matches("0x")));
    assert!(out.starts_with(&format!("::add-mask::{}\n", chain.url)), "{out}");
    assert_entry(&chain.entry(TOKEN, 0), TOKEN, CID_A, TOKEN_GAS_A, true);
    assert_entry(&chain.entry(COUNTER, 0), COUNTER, CID_A, COUNTER_GAS_A, true);
}

#[test]
fn show_refuses_an_address_without_a_registry() {
    let chain = Chain::start();
    let output = run(
        chain.dir(),
        &["registry", "show", &COUNTER.to_string(), &COUNTER.to_string(), "--rpc-url", &chain.url],
    );
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!("show_no_registry", chain.redact(&stderr(&output)));
}
