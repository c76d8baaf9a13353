//! Issue 11 end to end on the embedded EVM: the gas-limit warning, `-q`, and `--out` as users
//! expect it (through a symlink, into a FIFO, the umask's mode). The anvil comparison of the
//! scenario language is in `run_parity.rs`.

mod support;

use std::path::Path;

use support::{fixture, gasguard, stderr, stdout};

fn write_config(dir: &Path, scenario: &str) -> std::path::PathBuf {
    let artifacts = fixture("artifacts/foundry/out");
    let path = dir.join("gasguard.toml");
    std::fs::write(
        &path,
        format!("artifacts = {:?}\n[evm]\nspec = \"prague\"\n\n{scenario}", artifacts.to_str().unwrap()),
    )
    .unwrap();
    path
}

const CLONES: &str = "[[scenario]]\nname = \"clones\"\n[[scenario.step]]\ndeploy = \"Counter\"\nas = \"counter\"\n[[scenario.step]]\ndeploy = \"CloneFactory\"\nas = \"factory\"\n[[scenario.step]]\ncall = \"factory\"\nfunction = \"cloneAt\"\nargs = [\"counter\", \"0x0000000000000000000000000000000000000000000000000000000000000001\"]\n";

/// The warnings about figures that depend on the gas limit, one line each (their hints apart).
fn limit_warnings(messages: &str) -> Vec<&str> {
    messages.lines().filter(|line| line.starts_with("warning: scenario")).collect()
}

/// Runs `config` on a node at `url` (a development node, or one behind a proxy), returning stderr.
fn run_on_node(dir: &Path, config: &Path, url: &str) -> String {
    let output = gasguard(
        dir,
        &[
            "run",
            "--config",
            config.to_str().unwrap(),
            "--out",
            "node.json",
            "--executor",
            "rpc",
            "--rpc-url",
            url,
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    stderr(&output)
}

/// A CREATE2 at an occupied address consumes all the gas forwarded to it: the figure is the
/// default limit's, and the run says so, naming the step, once however often it repeats.
#[test]
fn a_figure_that_depends_on_the_gas_limit_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "{CLONES}[[scenario.step]]\ncall = \"factory\"\nfunction = \"cloneAt\"\nargs = [\"counter\", \"0x0000000000000000000000000000000000000000000000000000000000000001\"]\nexpect = \"revert\"\nrepeat = 2\n"
        ),
    );
    let output = gasguard(dir.path(), &["run", "--config", config.to_str().unwrap(), "--out", "report.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let message = stderr(&output);
    let warnings = limit_warnings(&message);
    assert_eq!(warnings.len(), 1, "{message}");
    insta::assert_snapshot!(
        message.lines().filter(|line| !line.starts_with("wrote")).collect::<Vec<_>>().join("\n")
    );
    // `-q` prints only data and errors: the warning is gone, the report the same.
    let quiet =
        gasguard(dir.path(), &["-q", "run", "--config", config.to_str().unwrap(), "--out", "quiet.json"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
    assert_eq!(stderr(&quiet), "");
    assert_eq!(stdout(&quiet), "");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let calls = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap()["calls"].clone();
    assert_eq!(calls(&read("quiet.json")), calls(&read("report.json")));
    // A node gives the same figure, and the same warning.
    let anvil = support::Anvil::start(&["--hardfork", "prague"]);
    let on_node = run_on_node(dir.path(), &config, &anvil.url());
    assert_eq!(limit_warnings(&on_node), warnings, "{on_node}");

    // With the limit set on the step, the figure still follows it: a warning, whose hint says
    // the figure follows the step's limit.
    let config = write_config(
        dir.path(),
        &format!(
            "{CLONES}[[scenario.step]]\ncall = \"factory\"\nfunction = \"cloneAt\"\nargs = [\"counter\", \"0x0000000000000000000000000000000000000000000000000000000000000001\"]\nexpect = \"revert\"\ngas_limit = 200000\n"
        ),
    );
    let output = gasguard(dir.path(), &["run", "--config", config.to_str().unwrap(), "--out", "report.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let message = stderr(&output);
    let report: serde_json::Value = serde_json::from_str(&read("report.json")).unwrap();
    let last = report["calls"].as_array().unwrap().last().unwrap();
    assert_eq!(last["status"], "revert");
    // All that was forwarded to CREATE2 is gone: the figure is close to the limit set.
    let used = last["gas_used"].as_u64().unwrap();
    assert!(used > 190_000 && used <= 200_000, "{used}");
    let grouped = format!("{},{:03}", used / 1000, used % 1000);
    assert_eq!(
        limit_warnings(&message),
        [format!(
            "warning: scenario `clones`, step 4: the transaction used {grouped} of its 200,000 gas limit, so its figure depends on the gas limit rather than on the code: a frame in it halted (a contract creation at an occupied address, such as a CREATE2 with a salt used before) and lost all the gas it was given"
        )],
        "{message}"
    );
    assert!(
        message.contains(
            "hint: the figure follows the step's `gas_limit`: keep it at the limit the figure should reflect"
        ),
        "{message}"
    );
}

/// Frames that halt, in transactions large and small, and transactions that do not depend on
/// their limit however large they are.
const HALTS: &str = r#"[[scenario]]
name = "halts"

[[scenario.step]]
deploy = "Halter"
as = "halter"

# 2: out of gas in a child that `try`/`catch` survives: the transaction succeeds.
[[scenario.step]]
call = "halter"
function = "tryBurn"

# 3: INVALID in a child, in a small transaction with a low limit of its own.
[[scenario.step]]
call = "halter"
function = "tryFail"
gas_limit = 100000

# 4: a child capped at 5,000 gas halts: the figure does not depend on the transaction's limit.
[[scenario.step]]
call = "halter"
function = "tryBurnWith"
args = ["5000"]

# 5: INVALID in the top frame.
[[scenario.step]]
call = "halter"
function = "fail"
expect = "revert"
gas_limit = 60000
repeat = 2

# 1,100 fresh storage slots: a genuine transaction of more than 22.5M gas, under the default
# limit (30M before Osaka).
[[scenario]]
name = "large"

[[scenario.step]]
deploy = "SlotStore"
as = "store"

[[scenario.step]]
call = "store"
function = "setMany"
args = ["0", "1100"]
"#;

/// A frame that halts after being given all but 1/64 of the gas left makes the figure follow the
/// transaction's limit, wherever the frame is (a child caught by `try`/`catch`, the top frame),
/// however small the transaction; a capped child that halts does not, nor does a genuine
/// transaction over 22.5M gas. The same warnings with and without attribution, and on a node,
/// mined (`debug_traceTransaction`) or simulated (`debug_traceCall`).
#[test]
fn halted_frames_are_warned_exactly_when_the_limit_moves_the_figure() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), HALTS);
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--config", config.to_str().unwrap(), "--out", "report.json"];
        args.extend_from_slice(extra);
        let output = gasguard(dir.path(), &args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap()).unwrap();
        (stderr(&output), report)
    };
    let (message, report) = run(&[]);
    let warnings = limit_warnings(&message);
    insta::assert_snapshot!(
        message.lines().filter(|line| !line.starts_with("wrote")).collect::<Vec<_>>().join("\n")
    );
    let located: Vec<&str> =
        warnings.iter().map(|line| line.split(": the transaction").next().unwrap()).collect();
    assert_eq!(
        located,
        [
            "warning: scenario `halts`, step 2",
            "warning: scenario `halts`, step 3",
            "warning: scenario `halts`, step 5"
        ],
        "{message}"
    );
    let calls = report["calls"].as_array().unwrap();
    let call = |scenario: &str, step: u64| {
        calls.iter().find(|call| call["scenario"] == scenario && call["step"] == step).unwrap()
    };
    for (scenario, step) in [("halts", 2), ("halts", 3), ("halts", 4), ("large", 2)] {
        assert_eq!(call(scenario, step)["status"], "success", "{scenario} {step}");
    }
    // The caught out-of-gas took all but 1/64 of the default limit; the capped one, 5,000.
    assert!(call("halts", 2)["gas_used"].as_u64().unwrap() > 29_000_000);
    assert!(call("halts", 4)["gas_used"].as_u64().unwrap() < 40_000);
    assert_eq!(call("halts", 5)["gas_used"], 60_000);
    assert!(call("large", 2)["gas_used"].as_u64().unwrap() > 22_500_000);

    // Without attribution no inspector runs: the handler sees the frames end.
    let (plain, _) = run(&["--no-attribution"]);
    assert_eq!(limit_warnings(&plain), warnings, "{plain}");

    let anvil = support::Anvil::start(&["--hardfork", "prague"]);
    let mined = run_on_node(dir.path(), &config, &anvil.url());
    assert_eq!(limit_warnings(&mined), warnings, "{mined}");
    let proxy = support::proxy::Proxy::start(&anvil.url(), support::proxy::Behaviour::not_a_dev_node());
    let traced = run_on_node(dir.path(), &config, &proxy.url());
    assert!(traced.contains("is not a development node"), "{traced}");
    assert_eq!(limit_warnings(&traced), warnings, "{traced}");
}

/// A development node that cannot trace its transactions with the call tracer still flags a
/// transaction that used all of its limit, and says what it cannot see: whether the method is
/// missing (found when connecting) or fails when first used.
#[test]
fn a_node_without_the_call_tracer_flags_only_a_whole_limit() {
    use support::proxy::{Behaviour, Proxy};
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), HALTS);
    let anvil = support::Anvil::start(&["--hardfork", "prague"]);
    let whole_limit = "warning: scenario `halts`, step 5: the transaction used all of its 60,000 gas limit, so its figure depends on the gas limit rather than on the code";

    let hidden = Proxy::start(
        &anvil.url(),
        Behaviour { hidden_methods: vec!["debug_traceTransaction".into()], ..Behaviour::default() },
    );
    let messages = run_on_node(dir.path(), &config, &hidden.url());
    assert!(messages.contains("offers no `debug_traceTransaction`: a transaction that uses its whole gas limit is still flagged, but not one in which a frame halts"), "{messages}");
    assert_eq!(limit_warnings(&messages), [whole_limit], "{messages}");

    // Offered (the probe is answered), then failing on the first transaction.
    let failing = Proxy::start(
        &anvil.url(),
        Behaviour { fail_method_after: Some(("debug_traceTransaction".into(), 1)), ..Behaviour::default() },
    );
    let messages = run_on_node(dir.path(), &config, &failing.url());
    assert!(messages.contains("`debug_traceTransaction` with the call tracer failed on"), "{messages}");
    assert_eq!(limit_warnings(&messages), [whole_limit], "{messages}");
}

/// `-q` prints only data and errors: no table after writing the report, no warning.
#[test]
fn quiet_prints_no_table() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture("scenarios/gasguard.toml");
    let loud = gasguard(dir.path(), &["run", "--config", config.to_str().unwrap(), "--out", "report.json"]);
    assert_eq!(loud.status.code(), Some(0), "{}", stderr(&loud));
    assert!(stdout(&loud).contains("increment() [via clone]"), "{}", stdout(&loud));
    // The fixture's CREATE2 collision is warned about, without `-q`.
    assert_eq!(limit_warnings(&stderr(&loud)).len(), 1, "{}", stderr(&loud));
    let quiet =
        gasguard(dir.path(), &["-q", "run", "--config", config.to_str().unwrap(), "--out", "report.json"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
    assert_eq!(stdout(&quiet), "");
    assert_eq!(stderr(&quiet), "");
}

#[cfg(unix)]
mod files {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};

    use super::*;

    fn run_to(dir: &Path, out: &str) -> std::process::Output {
        let config = fixture("scenarios/gasguard.toml");
        gasguard(dir, &["-q", "run", "--config", config.to_str().unwrap(), "--out", out])
    }

    #[test]
    fn out_through_a_symlink_writes_the_target_and_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("reports")).unwrap();
        std::fs::write(dir.path().join("reports/gas.json"), "old").unwrap();
        std::os::unix::fs::symlink("reports/gas.json", dir.path().join("gas.json")).unwrap();
        let output = run_to(dir.path(), "gas.json");
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let link = std::fs::symlink_metadata(dir.path().join("gas.json")).unwrap();
        assert!(link.file_type().is_symlink(), "the link must stay a link");
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("reports/gas.json")).unwrap())
                .unwrap();
        assert_eq!(report["calls"].as_array().unwrap().len(), 18);
        let names: Vec<_> = std::fs::read_dir(dir.path().join("reports")).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left in the target's folder");
    }

    #[test]
    fn out_to_a_fifo_writes_into_it() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        let output = run_to(dir.path(), "pipe");
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let text = reader.join().unwrap();
        let report: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(report["schema"], "gasguard/report/v2");
        assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "still a FIFO");
    }

    #[test]
    fn a_report_gets_the_umask_mode() {
        let dir = tempfile::tempdir().unwrap();
        let config = fixture("scenarios/gasguard.toml");
        let binary = env!("CARGO_BIN_EXE_gasguard");
        for (umask, mode) in [("022", 0o644), ("077", 0o600)] {
            let out = dir.path().join(format!("report-{umask}.json"));
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("umask {umask} && exec \"$0\" -q run --config \"$1\" --out \"$2\""))
                .arg(binary)
                .arg(&config)
                .arg(&out)
                .env("NO_COLOR", "1")
                .status()
                .unwrap();
            assert!(status.success());
            let found = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
            assert_eq!(found, mode, "umask {umask}: mode {found:o}");
        }
    }
}

/// Every deployment of a contract is kept as statistics, and the diff judges their mean: a
/// regression in the cheaper of two deployments shows, though the costliest did not move.
#[test]
fn deployments_are_statistics_and_the_diff_judges_the_mean() {
    let dir = tempfile::tempdir().unwrap();
    let deploy =
        |name: &str| format!("[[scenario.step]]\ndeploy = \"Token\"\nargs = [\"{name}\", \"T\", \"1000\"]\n");
    let long = "a name long enough to take a second storage slot for sure";
    let run = |short: &str, out: &str| {
        let config = write_config(
            dir.path(),
            &format!("[[scenario]]\nname = \"two\"\n{}{}", deploy(short), deploy(long)),
        );
        let output = gasguard(dir.path(), &["-q", "run", "--config", config.to_str().unwrap(), "--out", out]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(out)).unwrap()).unwrap();
        report
    };
    let base = run("A", "base.json");
    let token = &base["contracts"]["contracts/Token.sol:Token"];
    let stats = &token["deployments"];
    assert_eq!(stats["calls"], 2);
    let gas: Vec<u64> =
        base["calls"].as_array().unwrap().iter().map(|c| c["gas_used"].as_u64().unwrap()).collect();
    assert_eq!(stats["min"], *gas.iter().min().unwrap());
    assert_eq!(stats["max"], *gas.iter().max().unwrap());
    assert_eq!(stats["mean"], (gas[0] + gas[1]).div_ceil(2));
    assert_eq!(token["deployment"]["gas"], stats["mean"], "the judged figure is the mean");

    // Only the cheaper deployment gets costlier (a longer short name): the max stays.
    let head = run("AB", "head.json");
    let head_stats = &head["contracts"]["contracts/Token.sol:Token"]["deployments"];
    assert_eq!(head_stats["max"], stats["max"]);
    assert!(head_stats["min"].as_u64() > stats["min"].as_u64());
    let output = gasguard(dir.path(), &["diff", "base.json", "head.json", "--format", "json"]);
    let diff: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let entry = diff["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["id"] == "deploy:contracts/Token.sol:Token")
        .unwrap_or_else(|| panic!("no deploy entry: {diff}"));
    assert_eq!(entry["base"], stats["mean"]);
    assert_eq!(entry["head"], head_stats["mean"]);
}

/// `abi` of a captured name may be a JSON ABI file: its calls are reported under the file's name.
#[test]
fn a_captured_name_with_an_abi_file() {
    let dir = tempfile::tempdir().unwrap();
    let artifact =
        std::fs::read_to_string(fixture("artifacts/foundry/out/Counter.sol/Counter.json")).unwrap();
    let abi = serde_json::from_str::<serde_json::Value>(&artifact).unwrap()["abi"].clone();
    std::fs::write(dir.path().join("counter-abi.json"), abi.to_string()).unwrap();
    let config = write_config(
        dir.path(),
        "[[scenario]]\nname = \"c\"\n[[scenario.step]]\ndeploy = \"Counter\"\nas = \"counter\"\n[[scenario.step]]\ndeploy = \"CloneFactory\"\nas = \"factory\"\n[[scenario.step]]\ncall = \"factory\"\nfunction = \"clone\"\nargs = [\"counter\"]\nas = \"c\"\nabi = \"counter-abi.json\"\n[[scenario.step]]\ncall = \"c\"\nfunction = \"increment\"\n",
    );
    let output =
        gasguard(dir.path(), &["-q", "run", "--config", config.to_str().unwrap(), "--out", "r.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["contracts"]["counter-abi.json"]["functions"]["increment()"]["calls"], 1, "{report}");
}
