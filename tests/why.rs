//! A real change, explained: a sample contract is compiled twice with the pinned solc, once as
//! committed and once with one more storage write, and `gasguard check` says why the gas moved:
//! the exact EIP-2929/2200 price of the write, the added statement by line and text, and, when
//! the change is inside a called contract, the callee's frame under the caller.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::counter_change::{ADDED, CONFIG, compile, with_extra_write};
use support::{gasguard, stderr, stdout};

/// Compiles the sample project into `dir` (with `Counter.sol` passed through `edit`) and writes
/// its config. Returns the config's path.
fn project(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    compile(dir, edit);
    let config = dir.join("gasguard.toml");
    std::fs::write(&config, CONFIG).unwrap();
    config
}

/// Every profiled function has its folded stacks and a valid SVG naming its frames; changed
/// entries have a differential SVG.
fn check_flamegraphs(dir: &Path) {
    let stem = "fn_contracts_Caller.sol_Router.bump_uint256_";
    let folded = std::fs::read_to_string(dir.join(format!("{stem}.folded"))).unwrap();
    let lines: Vec<&str> = folded.lines().collect();
    assert!(
        lines.iter().any(|line| line.starts_with("Router.bump(uint256);Counter.increment() ")),
        "{folded}"
    );
    for line in &lines {
        let (_, gas) = line.rsplit_once(' ').unwrap();
        assert!(gas.parse::<u64>().unwrap() > 0, "{line}");
    }
    for (file, frame) in [
        (format!("{stem}.svg"), "Counter.increment()"),
        (format!("{stem}.diff.svg"), "Counter.increment()"),
        ("fn_contracts_Counter.sol_Counter.increment__.svg".to_owned(), "Counter.increment()"),
        ("deploy_contracts_Counter.sol_Counter.svg".to_owned(), "new Counter"),
    ] {
        let svg =
            std::fs::read_to_string(dir.join(&file)).unwrap_or_else(|error| panic!("`{file}`: {error}"));
        let texts = svg_texts(&svg);
        assert!(texts.iter().any(|text| text.starts_with(frame)), "`{file}` names `{frame}`: {texts:?}");
    }
}

/// Parses an SVG as XML (failing on any error) and returns the text of its elements.
fn svg_texts(svg: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut texts = Vec::new();
    let mut root = None;
    loop {
        match reader.read_event().expect("the SVG is well-formed XML") {
            quick_xml::events::Event::Start(element) if root.is_none() => {
                root = Some(String::from_utf8_lossy(element.name().as_ref()).into_owned());
            }
            quick_xml::events::Event::Text(text) => texts.push(text.decode().unwrap().into_owned()),
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(root.as_deref(), Some("svg"));
    texts
}

fn entry<'a>(diff: &'a Value, id: &str) -> &'a Value {
    diff["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["id"] == id)
        .unwrap_or_else(|| panic!("no `{id}`"))
}

#[test]
fn one_more_fresh_sstore_is_explained_to_the_gas_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let base = project(&dir.path().join("base"), |source| source);
    let head = project(&dir.path().join("head"), with_extra_write);
    let head_source = std::fs::read_to_string(dir.path().join("head/contracts/Counter.sol")).unwrap();
    let added_line = head_source.lines().position(|line| line.trim() == ADDED).unwrap() as u64 + 1;

    let baseline = dir.path().join("baseline.json");
    let output = gasguard(
        dir.path(),
        &["baseline", "--config", base.to_str().unwrap(), "--out", baseline.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let flamegraphs = dir.path().join("flamegraphs");
    let output = gasguard(
        dir.path(),
        &[
            "check",
            "--config",
            head.to_str().unwrap(),
            "--baseline",
            baseline.to_str().unwrap(),
            "--format",
            "json",
            "--flamegraph-dir",
            flamegraphs.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1), "the policy fails on the extra write:\n{}", stderr(&output));
    check_flamegraphs(&flamegraphs);
    let diff: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(diff.get("why_note").is_none(), "both sides are attributed");

    // The direct call: storage is the largest kind, at exactly a cold SSTORE 0→nonzero
    // (EIP-2929 cold slot 2,100 + EIP-2200 fresh write 20,000), and the added line leads.
    let increment = entry(&diff, "fn:contracts/Counter.sol:Counter.increment()");
    let why = &increment["why"];
    let kinds = why["by_kind"].as_object().unwrap();
    let (largest, storage) = kinds.iter().next().unwrap();
    assert_eq!((largest.as_str(), storage.as_i64()), ("storage", Some(22_100)), "{kinds:?}");
    for part in ["by_frame", "by_line"] {
        let sum: i64 = why[part].as_array().unwrap().iter().map(|item| item["delta"].as_i64().unwrap()).sum();
        assert_eq!(Some(sum), increment["delta"].as_i64(), "{part}");
    }
    assert_eq!(
        kinds.values().map(|value| value.as_i64().unwrap()).sum::<i64>(),
        increment["delta"].as_i64().unwrap()
    );
    let top = &why["by_line"][0];
    assert_eq!(top["file"], "contracts/Counter.sol");
    assert_eq!(top["line"].as_u64(), Some(added_line));
    assert_eq!(top["text"], ADDED);
    assert!(top["delta"].as_i64().unwrap() >= 22_100, "{top}");
    assert_eq!(why["by_frame"][0]["frame"], "Counter.increment()");
    assert!(
        why["storage"][0]
            .as_str()
            .unwrap()
            .starts_with("one more cold SSTORE 0→nonzero of Counter slot 0x1 (+22,100 gas"),
        "{}",
        why["storage"]
    );

    // Through the router: the same change is charged to the callee's frame under the caller.
    let bump = entry(&diff, "fn:contracts/Caller.sol:Router.bump(uint256)");
    let frames = bump["why"]["by_frame"].as_array().unwrap();
    assert_eq!(frames[0]["frame"], "Router.bump(uint256);Counter.increment()", "{frames:?}");
    assert_eq!(
        frames[0]["delta"], increment["why"]["by_frame"][0]["delta"],
        "the callee's own code costs the same"
    );
    assert!(
        frames.iter().all(|frame| frame["frame"] != "Router.bump(uint256)"),
        "the caller did not change: {frames:?}"
    );
    // Changed gas entries carry a `why`, unchanged ones none (sizes are not gas: never).
    for entry in diff["entries"].as_array().unwrap() {
        let changed = entry["status"] == "regression" || entry["status"] == "improvement";
        let gas = entry["kind"] == "function" || entry["kind"] == "deployment";
        assert_eq!(entry.get("why").is_some(), changed && gas, "{entry}");
    }

    // `explain` shows the whole breakdown of one entry, base and head side by side.
    let output = gasguard(
        dir.path(),
        &[
            "explain",
            "Counter.increment()",
            "--config",
            head.to_str().unwrap(),
            "--baseline",
            baseline.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("explain_increment", stdout(&output));
    let output = gasguard(dir.path(), &["explain", "nothing()", "--config", head.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no entry `nothing()`"), "{}", stderr(&output));

    // A baseline without attribution: the diff says so once, and how to get it.
    let output = gasguard(
        dir.path(),
        &[
            "baseline",
            "--config",
            base.to_str().unwrap(),
            "--out",
            baseline.to_str().unwrap(),
            "--no-attribution",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = gasguard(
        dir.path(),
        &[
            "check",
            "--config",
            head.to_str().unwrap(),
            "--baseline",
            baseline.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let diff: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let note = diff["why_note"].as_str().unwrap();
    assert!(note.contains("refresh the baseline with `gasguard baseline`"), "{note}");
    assert!(diff["entries"].as_array().unwrap().iter().all(|entry| entry.get("why").is_none()));
}
