//! What a maintainer sees of gasguard: the pull-request comment, as insta snapshots (the demo,
//! two same-named contracts) and rendered as GitHub renders it, by the pinned `markdown-it` with
//! GitHub-like CSS in headless Chromium 900 pixels wide (`scripts/render-comment.mjs`), where
//! neither the page nor any visible table may scroll sideways. Screenshots are written under
//! `target/tmp/comment-render/`.
//!
//! Chromium comes from Debian (`scripts/install-chromium.sh`). Without it, or without the npm
//! packages, the rendering test is skipped with a note, except under `CI=true`, where it fails.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use gasguard::core::diff::{DiffLabels, diff};
use gasguard::core::policy::Policy;
use gasguard::core::render::{MarkdownOptions, markdown};
use gasguard::core::report::{GasReport, TestGas};
use insta::assert_snapshot;
use serde_json::Value;
use support::{gasguard, root, stderr, stdout};

/// The command the README shows beside its picture of the comment.
const README_COMMAND: &str =
    "gasguard diff fixtures/comment/demo-base.json fixtures/comment/demo-head.json --format markdown";

/// The comment `gasguard diff BASE HEAD --format markdown` prints, run from the repository root.
fn comment(base: &str, head: &str, expected_exit: i32) -> String {
    let output = gasguard(root(), &["diff", base, head, "--format", "markdown"]);
    assert_eq!(output.status.code(), Some(expected_exit), "{}", stderr(&output));
    stdout(&output)
}

fn demo() -> String {
    comment("fixtures/comment/demo-base.json", "fixtures/comment/demo-head.json", 1)
}

/// solmate's `MockERC20` and a project's own, rebuilt with fewer optimizer runs.
fn same_named() -> String {
    comment("fixtures/comment/mocks-base.json", "fixtures/comment/mocks-head.json", 1)
}

/// Names a pull request could use to attack the comment, and one far too long to show.
fn hostile() -> String {
    let names = [
        "<img src=x onerror=alert(1)>",
        "a|b",
        "`x`",
        "@org/team",
        "<!-- gasguard:comment -->",
        "[click](https://evil.example)",
        "$\\huge x$",
        "\u{202E}txt.exe",
    ];
    let mut base = GasReport::new("test");
    let mut head = GasReport::new("test");
    for (index, name) in names.iter().enumerate() {
        base.tests.insert(format!("{name}:t()"), TestGas::Gas { gas: 100 });
        head.tests.insert(format!("{name}:t()"), TestGas::Gas { gas: 101 + index as u64 });
    }
    head.tests.insert(format!("{}:t()", "A".repeat(10_000)), TestGas::Gas { gas: 1 });
    let policy = Policy::default().compile().unwrap();
    let diff = diff(&base, &head, &policy, DiffLabels { base: "<b>base</b>".into(), head: "@here".into() });
    markdown(&diff, &MarkdownOptions::default())
}

#[test]
fn demo_comment() {
    assert_snapshot!(demo());
}

/// Two `MockERC20` (solmate's mock and a project's own): told apart by the shortest path suffix,
/// grouped by contract with each path once, long signatures shortened in the middle.
#[test]
fn same_named_contracts_comment() {
    let body = same_named();
    assert!(body.contains("<code>utils/mocks/MockERC20&#46;sol&#58;MockERC20&#46;transfer&#40;"), "{body}");
    assert!(body.contains("<code>test/mocks/MockERC20&#46;sol&#58;MockERC20&#46;transfer&#40;"), "{body}");
    // Ids stay in the collapsed full table.
    assert!(body.contains(
        "<code>fn&#58;lib/solmate/src/test/utils/mocks/MockERC20&#46;sol&#58;MockERC20&#46;transfer&#40;address,uint256&#41;</code>"
    ));
    let visible = &body[..body.find("<details>").unwrap()];
    for cell in visible.split("<code>").skip(1) {
        let text = cell.split("</code>").next().unwrap();
        let decoded = decode_entities(text);
        assert!(decoded.chars().count() <= 70, "a visible name is over 70 characters: {decoded}");
    }
    assert_snapshot!(body);
}

/// `text` with the HTML entities the Markdown renderer writes decoded, to count what is shown.
fn decode_entities(text: &str) -> String {
    let mut decoded = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        decoded.push_str(&rest[..start]);
        let end = rest[start..].find(';').map(|end| start + end).unwrap();
        let entity = &rest[start + 1..end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            _ => char::from_u32(entity.trim_start_matches('#').parse().unwrap()).unwrap(),
        };
        decoded.push(c);
        rest = &rest[end + 1..];
    }
    decoded.push_str(rest);
    decoded.replace('\u{2060}', "")
}

/// The README shows the demo comment as a picture and says how to reproduce it.
#[test]
fn readme_shows_the_demo_comment_and_its_command() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains(README_COMMAND), "the README must show `{README_COMMAND}`");
    assert!(readme.contains("docs/comment.png"));
    assert!(root().join("docs/comment.png").is_file());
}

/// Where Chromium is, or `None` (with a note) when the browser test cannot run here.
fn chromium() -> Option<PathBuf> {
    support::chromium("render the comment", &["markdown-it", "playwright-core"])
}

/// Renders each `(name, body)` in Chromium at `width` pixels; one measurement per body.
fn render(chromium: &Path, width: u32, bodies: &[(&str, String)]) -> Vec<Value> {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("comment-render");
    std::fs::create_dir_all(&out).unwrap();
    let mut command = Command::new("node");
    command
        .arg(root().join("scripts/render-comment.mjs"))
        .args(["--width", &width.to_string(), "--out"])
        .arg(&out)
        .env("CHROMIUM", chromium);
    for (name, body) in bodies {
        let path = out.join(format!("{name}.md"));
        std::fs::write(&path, body).unwrap();
        command.arg(format!("{name}={}", path.display()));
    }
    let output = command.output().expect("failed to run node");
    assert!(output.status.success(), "render-comment.mjs failed: {}", stderr(&output));
    let measured: Vec<Value> =
        stdout(&output).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(measured.len(), bodies.len(), "{}", stdout(&output));
    for (value, (name, _)) in measured.iter().zip(bodies) {
        assert_eq!(value["name"], *name);
        assert!(Path::new(value["png"].as_str().unwrap()).is_file(), "no screenshot for {name}");
    }
    measured
}

/// Whether a rendered page fits: the page does not scroll sideways, nor does any visible table.
fn overflows(measured: &Value) -> Vec<String> {
    let width = |value: &Value, key: &str| value[key].as_u64().unwrap();
    let mut problems = Vec::new();
    if width(measured, "scrollWidth") > width(measured, "clientWidth") {
        problems.push(format!("the page scrolls: {measured}"));
    }
    for table in measured["tables"].as_array().unwrap() {
        if width(table, "scrollWidth") > width(table, "clientWidth") {
            problems.push(format!("a table scrolls: {table}"));
        }
    }
    problems
}

/// The comments fit GitHub's review column (about 900 pixels); the old rows named by id did not,
/// which proves the measurement sees an overflow.
#[test]
fn comments_fit_the_review_column_in_chromium() {
    let Some(chromium) = chromium() else { return };
    // The regressions table as gasguard wrote it before names were shortened (issue 19).
    let by_id = "### gasguard\n\n| Entry | Base | Head | Δ | Δ % | Rule |\n| --- | ---: | ---: | ---: | ---: | --- |\n\
        | <code>fn&#58;solmate/src/test/utils/mocks/MockERC20&#46;sol&#58;MockERC20&#46;transferFrom&#40;address,address,uint256&#41; &#91;revert&#93;</code> | 28,531 | 28,736 | +205 | +0.72% | ❌ default |\n"
        .to_owned();
    let bodies = [("demo", demo()), ("same-named", same_named()), ("hostile", hostile()), ("by-id", by_id)];
    let measured = render(&chromium, 900, &bodies);
    for value in &measured[..3] {
        let problems = overflows(value);
        assert!(problems.is_empty(), "{}: {problems:?}", value["name"]);
        assert!(!value["tables"].as_array().unwrap().is_empty(), "{value}");
    }
    assert!(!overflows(&measured[3]).is_empty(), "the control should overflow: {}", measured[3]);
}
