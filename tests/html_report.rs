//! `gasguard html`: the page for the demo as an insta snapshot, and real pages opened from
//! `file://` in headless Chromium (`scripts/check-html.mjs`): a real git repository with
//! baselines stored by `gasguard baseline --store`, a real change with its cause, and hostile
//! names. No console error, no request leaving the page, a chart with one point per stored
//! baseline, a visible flamegraph, a working filter, names as text. Screenshots go to
//! `target/tmp/html-report/`.
//!
//! Chromium comes from Debian (`scripts/install-chromium.sh`). Without it, or without the npm
//! packages, the Chromium tests are skipped with a note, except under `CI=true`, where they fail.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use gasguard::cli::profile::report_json;
use gasguard::core::report::{ContractGas, Deployment, GasReport, TestGas};
use gasguard::core::stats::Stats;
use serde_json::Value;
use support::chain::{COUNTER, Chain, REGISTRY, TOKEN, TOKEN_MAPPING};
use support::counter_change::{ADDED, CONFIG, compile, with_extra_write};
use support::{gasguard, git, root, stderr, stdout};

/// The demo page, run from the repository root.
#[test]
fn demo_page_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let output = gasguard(
        root(),
        &[
            "html",
            "--report",
            "fixtures/comment/demo-head.json",
            "--baseline",
            "fixtures/comment/demo-base.json",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("index.html` (44 entries, 0 stored baselines, 0 flamegraphs)"),
        "{}",
        stderr(&output)
    );
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    insta::assert_snapshot!(page);
}

/// `--history` without a store branch is an error naming the branch, and nothing is written.
#[test]
fn history_without_a_store_branch_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "--quiet"]);
    std::fs::write(dir.path().join("gasguard.toml"), CONFIG).unwrap();
    let output = gasguard(
        dir.path(),
        &["html", "--history", "--report", "x.json", "--baseline", "x.json", "--out", "site"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no store branch `gasguard-baseline` for `--history`"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("site").exists());
}

/// `--history --remote NAME` reads the store branch of that remote (fetched, as there is no local
/// one); without `--remote`, the only remote is used, as `--base-ref main` does; with several and
/// no `origin`, or an unknown name, it is an error saying what to do.
#[test]
fn history_reads_the_store_branch_of_the_named_remote() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = dir.path().join("upstream");
    std::fs::create_dir_all(upstream.join("reports")).unwrap();
    git(&upstream, &["init", "--quiet"]);
    git(&upstream, &["checkout", "--quiet", "-b", "gasguard-baseline"]);
    let commit = "0123456789abcdef0123456789abcdef01234567";
    std::fs::copy(
        root().join("fixtures/comment/demo-base.json"),
        upstream.join(format!("reports/{commit}.json")),
    )
    .unwrap();
    git(&upstream, &["add", "-A"]);
    git(&upstream, &["commit", "--quiet", "-m", "store"]);
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "--quiet"]);
    git(&work, &["remote", "add", "upstream", upstream.to_str().unwrap()]);
    let head = root().join("fixtures/comment/demo-head.json");
    let base = root().join("fixtures/comment/demo-base.json");
    let html = |extra: &[&str], out: &str| {
        let mut args = vec![
            "html",
            "--report",
            head.to_str().unwrap(),
            "--baseline",
            base.to_str().unwrap(),
            "--history",
        ];
        args.extend_from_slice(extra);
        args.extend(["--out", out]);
        gasguard(&work, &args)
    };
    for (extra, out) in [(&["--remote", "upstream"][..], "named"), (&[][..], "only")] {
        let output = html(extra, out);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(
            stderr(&output)
                .contains("read 1 stored baselines from `refs/remotes/upstream/gasguard-baseline`"),
            "{}",
            stderr(&output)
        );
        let page = std::fs::read_to_string(work.join(out).join("index.html")).unwrap();
        assert!(page.contains(&format!("<li><code>{commit}</code>")), "the stored commit is listed");
        assert!(page.contains("data-points=\"1\""), "charts of one stored baseline");
    }
    let output = html(&["--remote", "nosuch"], "none");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no remote `nosuch` (`--remote`) in this repository; it has `upstream`")
    );
    git(&work, &["remote", "add", "other", upstream.to_str().unwrap()]);
    let output = html(&[], "none");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no `origin` among the remotes: name one with `--remote`"),
        "{}",
        stderr(&output)
    );
    assert!(!work.join("none").exists(), "nothing is written");
}

/// Several `--config` make one page as they make one check: ids prefixed by project, each
/// project's `[policy]` judging its own entries (the rule names the project).
#[test]
fn two_projects_in_one_page() {
    let dir = tempfile::tempdir().unwrap();
    let monorepo = root().join("fixtures/monorepo/packages");
    let core = monorepo.join("core/gasguard.toml");
    let periphery = monorepo.join("periphery/gasguard.toml");
    let configs = ["--config", core.to_str().unwrap(), "--config", periphery.to_str().unwrap()];
    let base = dir.path().join("base.json");
    let mut args = vec!["baseline"];
    args.extend(configs);
    args.extend(["--out", base.to_str().unwrap()]);
    let output = gasguard(dir.path(), &args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // Core's Token was 10 % cheaper in the base: a regression now, which core's policy fails.
    let mut report: Value = serde_json::from_slice(&std::fs::read(&base).unwrap()).unwrap();
    for stats in report["contracts"]["core/contracts/Token.sol:Token"]["functions"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        for key in ["min", "mean", "median", "max"] {
            stats[key] = serde_json::json!(stats[key].as_u64().unwrap() * 10 / 11);
        }
    }
    std::fs::write(&base, serde_json::to_vec_pretty(&report).unwrap()).unwrap();
    let site = dir.path().join("site");
    let mut args = vec!["html"];
    args.extend(configs);
    args.extend(["--baseline", base.to_str().unwrap(), "--out", site.to_str().unwrap()]);
    let output = gasguard(dir.path(), &args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let page = std::fs::read_to_string(site.join("index.html")).unwrap();
    for contract in [
        "core/contracts/Token.sol:Token",
        "periphery/contracts/Caller.sol:Router",
        "periphery/contracts/Counter.sol:Counter",
    ] {
        assert!(page.contains(&format!("<tr><td>{contract}</td>")), "{contract} in the contracts table");
    }
    let regressions = &page[page.find("id=\"regressions-table\"").unwrap()..];
    let regressions = &regressions[..regressions.find("</table>").unwrap()];
    assert!(
        regressions.contains("title=\"fn:core/contracts/Token.sol:Token.transfer(address,uint256)\"")
            && regressions.contains("❌ core: default"),
        "{regressions}"
    );
    assert!(!regressions.contains("periphery"), "{regressions}");
}

/// Replaces `to/contracts` and `to/artifacts` by those of `from`.
fn take_build(from: &Path, to: &Path) {
    for part in ["contracts", "artifacts"] {
        let _ = std::fs::remove_dir_all(to.join(part));
        let status = Command::new("cp").arg("-r").arg(from.join(part)).arg(to.join(part)).status().unwrap();
        assert!(status.success());
    }
}

/// Names a pull request could use to attack the page, in contracts, functions and tests.
fn hostile_reports(dir: &Path) -> (PathBuf, PathBuf) {
    let names = [
        "<img src=x onerror=alert(1)>",
        "<script>window.pwned=1</script>",
        "\"><svg onload=alert(1)>",
        "a&amp;b",
        "\u{202E}txt.exe",
    ];
    let mut base = GasReport::new("test");
    let mut head = GasReport::new("test");
    for (index, name) in names.iter().enumerate() {
        base.tests.insert(format!("{name}:t()"), TestGas::Gas { gas: 100 });
        head.tests.insert(format!("{name}:t()"), TestGas::Gas { gas: 101 + index as u64 });
        let contract = ContractGas {
            deployment: Some(Deployment { gas: 1_000, size: 100, initcode_size: 0 }),
            deployments: None,
            functions: [(format!("{name}()"), Stats::from_samples(&[500]).unwrap())].into(),
        };
        head.contracts.insert(format!("src/{name}.sol:{name}"), contract);
    }
    let (base_path, head_path) = (dir.join("hostile-base.json"), dir.join("hostile-head.json"));
    std::fs::write(&base_path, report_json(&base)).unwrap();
    std::fs::write(&head_path, report_json(&head)).unwrap();
    (base_path, head_path)
}

/// Where Chromium is, or `None` (with a note) when the browser test cannot run here.
fn chromium() -> Option<PathBuf> {
    support::chromium("open the HTML report", &["playwright-core"])
}

/// Opens each `(name, page)` in Chromium; one record per page.
fn open(chromium: &Path, filter: &str, pages: &[(&str, &Path)]) -> Vec<Value> {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&out).unwrap();
    let mut command = Command::new("node");
    command
        .arg(root().join("scripts/check-html.mjs"))
        .args(["--out"])
        .arg(&out)
        .args(["--filter", filter])
        .env("CHROMIUM", chromium);
    for (name, path) in pages {
        command.arg(format!("{name}={}", path.display()));
    }
    let output = command.output().expect("failed to run node");
    assert!(output.status.success(), "check-html.mjs failed: {}", stderr(&output));
    let records: Vec<Value> =
        stdout(&output).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(records.len(), pages.len(), "{}", stdout(&output));
    for record in &records {
        assert_eq!(record["requests"], serde_json::json!([]), "a request left the page: {record}");
        assert_eq!(record["consoleErrors"], serde_json::json!([]), "console errors: {record}");
        assert_eq!(record["pageErrors"], serde_json::json!([]), "page errors: {record}");
        assert_eq!(record["scripts"], 1, "only gasguard's own script: {record}");
        assert_eq!(record["foreignElements"], serde_json::json!([]), "markup from names: {record}");
        assert!(Path::new(record["png"].as_str().unwrap()).is_file());
    }
    records
}

/// Three commits of main with stored baselines (base, the extra write, base again), a head with
/// the extra write: the page shows the failed verdict, the regression with its storage cause
/// and line, a chart of three points plus the head for `Counter.increment()`, its differential
/// flamegraph, and a filter that keeps only the matching function. Hostile names stay text.
#[test]
fn pages_in_chromium() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let (base_build, head_build) = (dir.path().join("base"), dir.path().join("head"));
    compile(&base_build, |source| source);
    compile(&head_build, with_extra_write);
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(repo.join("gasguard.toml"), CONFIG).unwrap();
    git(&repo, &["init", "--quiet"]);
    let mut stored = Vec::new();
    for (index, build) in [&base_build, &head_build, &base_build].into_iter().enumerate() {
        take_build(build, &repo);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "--quiet", "--allow-empty", "-m", &format!("commit {index}")]);
        let output = gasguard(&repo, &["baseline", "--store"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        stored.push(git(&repo, &["rev-parse", "HEAD"]));
    }
    let output = gasguard(&repo, &["baseline", "--out", "base.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // The pull request's head: the extra write, not committed.
    take_build(&head_build, &repo);
    let site = dir.path().join("site");
    let output =
        gasguard(&repo, &["html", "--baseline", "base.json", "--history", "--out", site.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "a report, not a gate: {}", stderr(&output));
    assert!(stderr(&output).contains("3 stored baselines"), "{}", stderr(&output));
    let page = std::fs::read_to_string(site.join("index.html")).unwrap();
    for commit in &stored {
        assert!(page.contains(&format!("<li><code>{commit}</code>")), "{commit} is listed");
    }

    let (hostile_base, hostile_head) = hostile_reports(dir.path());
    let hostile_site = dir.path().join("hostile");
    let output = gasguard(
        dir.path(),
        &[
            "html",
            "--report",
            hostile_head.to_str().unwrap(),
            "--baseline",
            hostile_base.to_str().unwrap(),
            "--out",
            hostile_site.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let records = open(
        &chromium,
        "functions=increment",
        &[("history", &site.join("index.html")), ("hostile", &hostile_site.join("index.html"))],
    );
    let history = &records[0];
    let verdict = history["verdict"].as_str().unwrap();
    assert!(verdict.starts_with("❌ ") && verdict.contains(" cost more gas (largest +"), "{verdict}");
    assert!(verdict.ends_with("break the policy"), "{verdict}");
    let regression = history["regressions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row.as_str().unwrap())
        .find(|row| row.starts_with("Counter.increment()"))
        .expect("the regression is listed");
    assert!(regression.contains("storage +22,100"), "{regression}");
    assert!(regression.contains(ADDED), "the added line is the cause: {regression}");
    assert!(regression.contains("flamegraph"), "{regression}");

    let charts = history["charts"].as_array().unwrap();
    let increment = charts
        .iter()
        .find(|chart| chart["row"].as_str().unwrap().contains("increment()"))
        .expect("a chart for Counter.increment()");
    assert_eq!(increment["dataPoints"], 3, "{increment}");
    assert_eq!(increment["vertices"], 3, "one point per stored baseline: {increment}");
    assert_eq!(increment["head"], 1, "{increment}");
    assert_eq!(increment["visible"], true);
    assert!(
        charts.iter().any(|chart| chart["row"].as_str().unwrap().contains("Counter")),
        "deployment chart"
    );
    assert_eq!(history["chartsWithoutScript"].as_u64(), Some(charts.len() as u64), "readable without script");

    let flamegraphs = history["flamegraphs"].as_array().unwrap();
    assert!(!flamegraphs.is_empty());
    for graph in flamegraphs {
        assert!(graph["naturalWidth"].as_f64().unwrap() > 100.0, "the flamegraph is drawn: {graph}");
        assert!(graph["width"].as_f64().unwrap() > 100.0, "{graph}");
    }

    let filter = &history["filter"];
    assert!(filter["before"].as_u64().unwrap() > 1, "{filter}");
    assert_eq!(filter["after"], 1, "{filter}");
    assert!(filter["shown"][0].as_str().unwrap().contains("increment()"), "{filter}");

    let hostile = &records[1];
    let text = hostile["text"].as_str().unwrap();
    for name in [
        "<img src=x onerror=alert(1)>",
        "<script>window.pwned=1</script>",
        "\"><svg onload=alert(1)>",
        "a&amp;b",
    ] {
        assert!(text.contains(name), "`{name}` is shown as text");
    }
    assert!(!text.contains('\u{202E}'), "bidi overrides are replaced");
}

/// The action's HTML step renders the report the check saved, with the check's base, and with
/// the history when the store branch is there.
#[test]
fn action_html_step_reuses_the_checks_report() {
    let dir = tempfile::tempdir().unwrap();
    let bin = support::fake_gasguard(dir.path(), "printf '%s\\n' \"$@\"\n");
    let work = dir.path().join("work");
    std::fs::create_dir_all(work.join(".gasguard")).unwrap();
    git(&work, &["init", "--quiet"]);
    let run = |env: &[(&str, &str)]| {
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        let mut command = Command::new("bash");
        command.arg(root().join("scripts/action/html.sh")).current_dir(&work).env("PATH", path);
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    let args = run(&[("INPUT_BASE_REF", "main")]);
    assert_eq!(args, "html\n--out\n.gasguard/html\n--if-no-baseline\nerror\n--base-ref\nmain\n");
    std::fs::write(work.join(".gasguard/report.json"), "{}").unwrap();
    git(&work, &["commit", "--quiet", "--allow-empty", "-m", "x"]);
    git(&work, &["branch", "gasguard-baseline"]);
    let args = run(&[("INPUT_BASELINE", "b.json"), ("INPUT_IF_NO_BASELINE", "pass")]);
    assert_eq!(
        args,
        "html\n--out\n.gasguard/html\n--if-no-baseline\npass\n--baseline\nb.json\n--report\n.gasguard/report.json\n--history\n"
    );
}

/// The content id of `fixtures/registry/report-a.json`, computed independently of gasguard (see
/// `tests/registry.rs`).
const CID_A: &str = "bafkreib53weh7koc2tn2w32yj2c64q4dfhm2b4ymy2iqmh2r6xlyd5kgja";

/// The transaction `gasguard record` says it stored `contract` in.
fn stored_in(record_stderr: &str, contract: &str) -> String {
    let prefix = format!("stored `{contract}` in transaction `");
    let line = record_stderr.lines().find_map(|line| line.strip_prefix(&prefix)).expect("a stored line");
    line.trim_end_matches('`').to_owned()
}

/// `--registry`/`--rpc-url` against a real anvil with the registry deployed: the page names the
/// entries `gasguard record` stored for the report (contract address, CID, entry, transaction);
/// a report on record nowhere is said loudly on stderr and in the page, and is not an error; one
/// flag without the other, or a node that fails, is (exit 2, nothing written).
#[test]
fn the_registry_entries_of_a_recorded_report_are_on_the_page() {
    let chain = Chain::start();
    // report-b first, so that report-a is Counter's second entry (index 1).
    for report in ["report-b.json", "report-a.json"] {
        let output = chain.record(report, &["--contract", TOKEN_MAPPING, "--send"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        if report == "report-a.json" {
            let text = stderr(&output);
            let counter_tx = stored_in(&text, "contracts/Counter.sol:Counter");
            let token_tx = stored_in(&text, "contracts/Token.sol:Token");
            let (registry, site) = (REGISTRY.to_string(), chain.dir().join("site"));
            let output = chain.run(
                &[
                    "html",
                    "--report",
                    "report-a.json",
                    "--baseline",
                    "report-b.json",
                    "--registry",
                    &registry,
                    "--rpc-url",
                    &chain.url,
                    "--contract",
                    TOKEN_MAPPING,
                    "--out",
                    site.to_str().unwrap(),
                ],
                &[],
            );
            assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
            assert!(stderr(&output).contains("2 of 2 contracts hold `report-a.json`"), "{}", stderr(&output));
            let page = std::fs::read_to_string(site.join("index.html")).unwrap();
            let section = &page[page.find("<section id=\"registry\">").expect("the registry section")..];
            let section = &section[..section.find("</section>").unwrap()];
            assert!(
                section.contains(&format!("Registry <code>{REGISTRY}</code> on chain 31337")),
                "{section}"
            );
            assert!(section.contains(&format!("content id is <code>{CID_A}</code>")), "{section}");
            assert!(
                section.contains(&format!(
                    "<tr><td>contracts/Counter.sol:Counter</td><td><code>{COUNTER}</code></td><td data-v=\"1\">1</td>\
                     <td><code>{counter_tx}</code></td></tr>"
                )),
                "{section}"
            );
            assert!(
                section.contains(&format!(
                    "<tr><td>contracts/Token.sol:Token</td><td><code>{TOKEN}</code></td><td data-v=\"1\">1</td>\
                     <td><code>{token_tx}</code></td></tr>"
                )),
                "{section}"
            );
            assert!(!section.contains("Not on record"), "{section}");
            assert!(page.contains("<a href=\"#registry\">On chain</a>"));
        }
    }

    // A report nobody recorded (report-a with other whitespace: other bytes, another content
    // id): the page is written, and says so.
    let unrecorded = std::fs::read_to_string(chain.dir().join("report-a.json")).unwrap().replace("\n", "\n ");
    std::fs::write(chain.dir().join("unrecorded.json"), unrecorded).unwrap();
    let registry = REGISTRY.to_string();
    let site = chain.dir().join("unrecorded-site");
    let html = |extra: &[&str], out: &Path| {
        let mut args = vec![
            "html",
            "--report",
            "unrecorded.json",
            "--baseline",
            "report-b.json",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        chain.run(&args, &[])
    };
    let output =
        html(&["--registry", &registry, "--rpc-url", &chain.url, "--contract", TOKEN_MAPPING], &site);
    assert_eq!(output.status.code(), Some(0), "not on record is not an error: {}", stderr(&output));
    assert!(
        stderr(&output).contains("`unrecorded.json` (bafkrei")
            && stderr(&output).contains("is not on record in registry"),
        "{}",
        stderr(&output)
    );
    let page = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(page.contains("<p class=\"warn\" id=\"not-recorded\">⚠️ Not on record"), "{page}");
    assert!(page.contains(&format!(
        "<code>contracts/Counter.sol:Counter</code> at <code>{COUNTER}</code>: no entry"
    )));

    // One flag without the other names the missing one; a dead node names the step and the URL
    // without its credentials. Nothing is written.
    let none = chain.dir().join("none");
    let output = html(&["--registry", &registry], &none);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--rpc-url"), "{}", stderr(&output));
    let output = html(&["--rpc-url", &chain.url], &none);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--registry"), "{}", stderr(&output));
    let dead = format!("http://user:s3cr3t@127.0.0.1:{}", support::free_port());
    let output = html(&["--registry", &registry, "--rpc-url", &dead, "--contract", TOKEN_MAPPING], &none);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("reading the chain id") && message.contains("127.0.0.1"), "{message}");
    assert!(!message.contains("s3cr3t"), "{message}");
    assert!(!none.exists(), "nothing is written");
}
