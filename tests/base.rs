//! Choosing the base (`check --base-ref`) and storing baselines in git (`baseline --store`), on
//! real git repositories in temporary folders: commits on main, feature branches from older
//! commits, a shallow clone, a bare repository as the remote.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{fixture, gasguard, git, stderr, stdout};

/// The config of every test repository: one token deployed, one transfer to a fresh holder.
const CONFIG: &str = r#"artifacts = "out"

[evm]
spec = "prague"

[[scenario]]
name = "token"

[[scenario.step]]
deploy = "contracts/Token.sol:Token"
as = "token"
args = ["Gas Token", "GAS", "1000000"]
from = "alice"

[[scenario.step]]
call = "token"
function = "transfer(address,uint256)"
args = ["bob", "100"]
from = "alice"
"#;

/// A later change on main: a second transfer to a holder that already has tokens, which lowers
/// the transfer's mean. A branch opened before it must not see it.
const SECOND_TRANSFER: &str = r#"
[[scenario.step]]
call = "token"
function = "transfer(address,uint256)"
args = ["bob", "100"]
from = "alice"
"#;

/// A repository with the config and committed artifacts.
struct Repo {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Repo {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("repo");
        std::fs::create_dir_all(path.join("out/Token.sol")).unwrap();
        std::fs::copy(
            fixture("artifacts/foundry/out/Token.sol/Token.json"),
            path.join("out/Token.sol/Token.json"),
        )
        .unwrap();
        std::fs::write(path.join("gasguard.toml"), CONFIG).unwrap();
        git(&path, &["init", "--quiet"]);
        git(&path, &["add", "."]);
        git(&path, &["commit", "--quiet", "-m", "first"]);
        Self { _dir: dir, path }
    }

    fn git(&self, args: &[&str]) -> String {
        git(&self.path, args)
    }

    /// Commits a change of `file` (appending `text`) and returns the new commit.
    fn commit(&self, file: &str, text: &str, message: &str) -> String {
        let path = self.path.join(file);
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        std::fs::write(&path, format!("{old}{text}")).unwrap();
        self.git(&["add", file]);
        self.git(&["commit", "--quiet", "-m", message]);
        self.head()
    }

    fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }

    fn gasguard(&self, args: &[&str]) -> std::process::Output {
        gasguard(&self.path, args)
    }

    /// `gasguard baseline --store` at the current commit, which must succeed.
    fn store(&self) {
        let output = self.gasguard(&["baseline", "--store"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }

    fn check_json(&self, args: &[&str]) -> (std::process::Output, Value) {
        let mut all = vec!["check", "--format", "json"];
        all.extend(args);
        let output = self.gasguard(&all);
        let diff = serde_json::from_str(&stdout(&output)).unwrap_or(Value::Null);
        (output, diff)
    }
}

fn transfer_entry(diff: &Value) -> &Value {
    diff["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["id"] == "fn:contracts/Token.sol:Token.transfer(address,uint256)")
        .expect("no transfer entry")
}

/// A branch opened before a later change on main is compared with its merge base's stored
/// report, so main's later change does not show as the branch's.
#[test]
fn feature_branch_is_compared_with_its_merge_base() {
    let repo = Repo::new();
    let first = repo.head();
    repo.store();
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    repo.commit("README.md", "a feature\n", "feature work");
    repo.git(&["checkout", "--quiet", "main"]);
    repo.commit("gasguard.toml", SECOND_TRANSFER, "main: second transfer");
    repo.store();
    repo.git(&["checkout", "--quiet", "feature"]);

    let (output, diff) = repo.check_json(&["--base-ref", "main"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        diff["base"],
        serde_json::json!({"commit": first, "source": "stored", "behind": 0, "ref": "main"})
    );
    assert_eq!(diff["summary"]["regressions"], 0);
    assert_eq!(diff["summary"]["improvements"], 0);
    assert_eq!(transfer_entry(&diff)["status"], "unchanged");

    // Against main's newest report the branch would be charged with main's change.
    let output = repo.gasguard(&["check", "--base-ref", "main", "--format", "terminal"]);
    assert!(stdout(&output).contains(&format!("compared with {}, the merge base with main", &first[..7])));
    let main_tip = repo.git(&["rev-parse", "main"]);
    let stored = repo.git(&["show", &format!("gasguard-baseline:reports/{main_tip}.json")]);
    let stored: Value = serde_json::from_str(&stored).unwrap();
    let mean = &stored["contracts"]["contracts/Token.sol:Token"]["functions"]["transfer(address,uint256)"];
    assert_eq!(mean["calls"], 2, "main's change is in main's report");
}

/// No report for the merge base: the nearest stored first-parent ancestor is used, and
/// `behind` counts the commits between them; beyond `max_behind` nothing is used and, without
/// `[baseline] build`, the run exits 2 saying what was tried and how to fix it.
#[test]
fn nearest_stored_ancestor_and_its_distance() {
    let repo = Repo::new();
    let stored = repo.head();
    repo.store();
    repo.commit("README.md", "one\n", "main 2");
    let merge_base = repo.commit("README.md", "two\n", "main 3");
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    repo.commit("README.md", "feature\n", "feature work");

    let (output, diff) = repo.check_json(&["--base-ref", "main"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(diff["base"]["commit"], stored.as_str());
    assert_eq!(diff["base"]["source"], "ancestor");
    assert_eq!(diff["base"]["behind"], 2);
    let output = repo.gasguard(&["check", "--base-ref", "main"]);
    assert!(
        stdout(&output).contains(&format!(
            "compared with {}, 2 commits before the merge base with main: no report was stored for the merge base",
            &stored[..7]
        )),
        "{}",
        stdout(&output)
    );

    // One commit back is not enough to reach the stored report.
    repo.commit("gasguard.toml", "\n[baseline]\nmax_behind = 1\n", "closer bound");
    let (output, _) = repo.check_json(&["--base-ref", "main"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message
            .contains(&format!("no baseline for the merge base `{}` of `HEAD` and `main`", &merge_base[..7])),
        "{message}"
    );
    assert!(
        message.contains(
            "no report is stored for it or the 1 commits before it on `refs/heads/gasguard-baseline`"
        ),
        "{message}"
    );
    assert!(message.contains("`[baseline] build` is not set"), "{message}");
    assert!(
        message.contains(
            "hint: store a baseline for every commit of main with `gasguard baseline --store --push`"
        ),
        "{message}"
    );
    assert_eq!(stdout(&output), "", "nothing is rendered on an error");

    // Chosen explicitly, a missing base is a loud warning and a pass.
    let (output, diff) = repo.check_json(&["--base-ref", "main", "--if-no-baseline", "pass"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("passing because of `--if-no-baseline pass`"), "{}", stderr(&output));
    assert!(diff.get("base").is_none());
    assert!(diff["summary"]["added"].as_u64().unwrap() > 0);
}

/// A base ref that names nothing, here or on a remote, is an error naming it and the fetch.
#[test]
fn unknown_base_ref_is_an_error() {
    let repo = Repo::new();
    let (output, _) = repo.check_json(&["--base-ref", "no-such-branch"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("failed to find the base for `--base-ref no-such-branch`: `no-such-branch` names no commit here, and fetching it as a branch failed: there is no remote to fetch it from"),
        "{message}"
    );
}

/// A `git clone --depth 1 --no-single-branch` lacks the merge base: it is deepened until the
/// merge base is found, and the store branch comes from the remote.
#[test]
fn shallow_clone_is_deepened_to_find_the_merge_base() {
    let repo = Repo::new();
    let stored = repo.head();
    repo.store();
    let merge_base = repo.commit("README.md", "one\n", "main 2");
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    for n in 0..3 {
        repo.commit("FEATURE.md", &format!("{n}\n"), "feature work");
    }
    repo.git(&["checkout", "--quiet", "main"]);
    for n in 0..3 {
        repo.commit("README.md", &format!("main {n}\n"), "main work");
    }

    let clone = repo.path.parent().unwrap().join("clone");
    let url = format!("file://{}", repo.path.display());
    git(
        repo.path.parent().unwrap(),
        &["clone", "--quiet", "--depth", "1", "--no-single-branch", &url, "clone"],
    );
    git(&clone, &["checkout", "--quiet", "feature"]);
    assert_eq!(git(&clone, &["rev-parse", "--is-shallow-repository"]), "true");
    assert!(
        Command::new("git")
            .args(["merge-base", "HEAD", "main"])
            .current_dir(&clone)
            .output()
            .unwrap()
            .status
            .code()
            == Some(1)
    );

    let output = gasguard(&clone, &["check", "--base-ref", "main", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("deepened the shallow clone"), "{}", stderr(&output));
    let diff: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(diff["base"]["commit"], stored.as_str());
    assert_eq!(diff["base"]["source"], "ancestor");
    assert_eq!(diff["base"]["behind"], 1);
    assert_eq!(git(&clone, &["merge-base", "HEAD", "main"]), merge_base);
    // The store branch was read from the remote, not created locally.
    assert!(
        Command::new("git")
            .args(["rev-parse", "--verify", "--quiet", "refs/heads/gasguard-baseline"])
            .current_dir(&clone)
            .output()
            .unwrap()
            .status
            .code()
            == Some(1)
    );
}

/// Nothing stored and `[baseline] build` set: the merge base is built and profiled in a
/// temporary worktree that is gone afterwards.
#[test]
fn rebuild_in_a_temporary_worktree() {
    let repo = Repo::new();
    let marker = repo.path.parent().unwrap().join("built-in");
    let build = format!(
        "\n[baseline]\nbuild = \"pwd > '{}' && test -f out/Token.sol/Token.json\"\n",
        marker.display()
    );
    let merge_base = repo.commit("gasguard.toml", &build, "build command");
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    repo.commit("gasguard.toml", SECOND_TRANSFER, "feature: second transfer");

    let (output, diff) = repo.check_json(&["--base-ref", "main"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(diff["base"]["commit"], merge_base.as_str());
    assert_eq!(diff["base"]["source"], "rebuilt");
    // The base was profiled as it was: one transfer there, two here.
    let transfer = transfer_entry(&diff);
    assert_eq!(transfer["status"], "improvement");

    let built_in = PathBuf::from(std::fs::read_to_string(&marker).unwrap().trim());
    assert_ne!(built_in, repo.path);
    assert!(!built_in.exists(), "the worktree `{}` is left behind", built_in.display());
    let worktrees = repo.git(&["worktree", "list", "--porcelain"]);
    assert_eq!(worktrees.matches("worktree ").count(), 1, "{worktrees}");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

/// `baseline --store` commits with plumbing only: `git status` stays clean, HEAD and the
/// current branch stay where they were, and storing the same commit again changes nothing.
#[test]
fn store_leaves_the_checkout_alone() {
    let repo = Repo::new();
    // Something staged must stay staged, untouched.
    std::fs::write(repo.path.join("staged.txt"), "staged\n").unwrap();
    repo.git(&["add", "staged.txt"]);
    let head = repo.head();
    let status = repo.git(&["status", "--porcelain"]);
    let output = repo.gasguard(&["baseline", "--store"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!(
            "stored the report of {} as `reports/{head}.json` on `gasguard-baseline`",
            &head[..7]
        )),
        "{}",
        stderr(&output)
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), status);
    assert_eq!(repo.head(), head);
    assert_eq!(repo.git(&["symbolic-ref", "HEAD"]), "refs/heads/main");
    assert!(!repo.path.join(".gasguard").exists(), "no baseline file is written with --store alone");

    let report: Value =
        serde_json::from_str(&repo.git(&["show", &format!("gasguard-baseline:reports/{head}.json")]))
            .unwrap();
    assert_eq!(report["schema"], "gasguard/report/v2");
    assert!(report.get("calls").is_none(), "stored reports hold no per-call records");
    assert_eq!(report["build"]["contracts"]["contracts/Token.sol:Token"]["runs"], 200);
    assert_eq!(
        repo.git(&["ls-tree", "-r", "--name-only", "gasguard-baseline"]),
        format!("reports/{head}.json")
    );

    let output = repo.gasguard(&["baseline", "--store"]);
    assert!(stderr(&output).contains("already stored, unchanged"), "{}", stderr(&output));
    assert_eq!(repo.git(&["rev-list", "--count", "gasguard-baseline"]), "1");

    // Storing the same commit again with another report replaces its file, in a new commit.
    std::fs::write(repo.path.join("gasguard.toml"), format!("{CONFIG}{SECOND_TRANSFER}")).unwrap();
    let output = repo.gasguard(&["baseline", "--store"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("warning: tracked files differ from `HEAD`"), "{}", stderr(&output));
    let report: Value =
        serde_json::from_str(&repo.git(&["show", &format!("gasguard-baseline:reports/{head}.json")]))
            .unwrap();
    assert_eq!(
        report["contracts"]["contracts/Token.sol:Token"]["functions"]["transfer(address,uint256)"]["calls"],
        2
    );
    assert_eq!(
        repo.git(&["ls-tree", "-r", "--name-only", "gasguard-baseline"]),
        format!("reports/{head}.json")
    );
    assert_eq!(repo.git(&["rev-list", "--count", "gasguard-baseline"]), "2");
    assert_eq!(repo.head(), head);

    let output = repo.gasguard(&["baseline", "--store", "--store-branch", "bad..name"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("invalid store branch `bad..name`"), "{}", stderr(&output));
}

/// Two `--push`es racing to the same remote branch both land: the loser fetches, re-applies
/// its report on the winner's tip and pushes again.
#[test]
fn racing_pushes_both_land() {
    let repo = Repo::new();
    let first = repo.head();
    let second = repo.commit("README.md", "more\n", "main 2");
    let parent = repo.path.parent().unwrap().to_owned();
    git(&parent, &["init", "--quiet", "--bare", "remote.git"]);
    repo.git(&["push", "--quiet", &format!("{}", parent.join("remote.git").display()), "main"]);
    let remote = format!("file://{}", parent.join("remote.git").display());
    let mut clones = Vec::new();
    for (name, commit) in [("a", &first), ("b", &second)] {
        git(&parent, &["clone", "--quiet", &remote, name]);
        git(&parent.join(name), &["checkout", "--quiet", "--detach", commit]);
        clones.push(parent.join(name));
    }
    let children: Vec<_> = clones
        .iter()
        .map(|clone| {
            Command::new(env!("CARGO_BIN_EXE_gasguard"))
                .args(["baseline", "--store", "--push"])
                .current_dir(clone)
                .output()
        })
        .collect();
    // `output()` above waits for each in turn; run both truly at once as well.
    for child in children {
        let output = child.unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
    let spawned: Vec<_> = clones
        .iter()
        .map(|clone| {
            std::fs::write(clone.join("README.md"), "dirty\n").unwrap();
            Command::new(env!("CARGO_BIN_EXE_gasguard"))
                .args(["baseline", "--store", "--push", "origin", "--store-branch", "raced"])
                .current_dir(clone)
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in spawned {
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
    let bare = parent.join("remote.git");
    for branch in ["gasguard-baseline", "raced"] {
        let files = git(&bare, &["ls-tree", "-r", "--name-only", branch]);
        let mut expected = [format!("reports/{first}.json"), format!("reports/{second}.json")];
        expected.sort();
        assert_eq!(files, expected.join("\n"), "{branch}");
        assert_eq!(git(&bare, &["rev-list", "--count", branch]), "2", "{branch}");
    }
}

/// A workflow hands git its credentials for one process only (`GIT_CONFIG_COUNT`,
/// `GIT_CONFIG_KEY_0`, `GIT_CONFIG_VALUE_0`), since the checkout keeps none: gasguard passes that
/// configuration through to git. Here it maps the remote's made-up URL to the real bare
/// repository, so the push only lands when the configuration reached git.
#[test]
fn process_git_config_reaches_the_push() {
    let repo = Repo::new();
    let commit = repo.head();
    let parent = repo.path.parent().unwrap().to_owned();
    git(&parent, &["init", "--quiet", "--bare", "remote.git"]);
    let real = format!("file://{}", parent.join("remote.git").display());
    repo.git(&["remote", "add", "origin", "gasguard-test-remote:"]);
    let push = |with_config: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_gasguard"));
        command.args(["baseline", "--store", "--push"]).current_dir(&repo.path);
        if with_config {
            command
                .env("GIT_CONFIG_COUNT", "2")
                .env("GIT_CONFIG_KEY_0", format!("url.{real}.insteadOf"))
                .env("GIT_CONFIG_VALUE_0", "gasguard-test-remote:")
                .env("GIT_CONFIG_KEY_1", "protocol.file.allow")
                .env("GIT_CONFIG_VALUE_1", "always");
        }
        command.output().unwrap()
    };
    let output = push(false);
    assert_eq!(output.status.code(), Some(2), "without the configuration there is no such remote");
    let output = push(true);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let files = git(&parent.join("remote.git"), &["ls-tree", "-r", "--name-only", "gasguard-baseline"]);
    assert_eq!(files, format!("reports/{commit}.json"));
}

/// Compiles `contracts/Token.sol` with the pinned solcjs (`node_modules/solc`, as
/// `scripts/compile-contracts.mjs` does) and `runs` optimizer runs, and writes a Foundry-shaped
/// artifact (ABI, codes, metadata) to `out`.
fn compile_token(runs: u32, out: &Path) {
    const SCRIPT: &str = r#"
const fs = require("fs");
const solc = require("solc");
const [source, runs, out] = process.argv.slice(1);
const input = {
  language: "Solidity",
  sources: { "contracts/Token.sol": { content: fs.readFileSync(source, "utf8") } },
  settings: {
    optimizer: { enabled: true, runs: Number(runs) },
    evmVersion: "prague",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length > 0) {
  console.error(JSON.stringify(errors));
  process.exit(1);
}
const token = output.contracts["contracts/Token.sol"].Token;
fs.writeFileSync(out, JSON.stringify({
  abi: token.abi,
  bytecode: { object: "0x" + token.evm.bytecode.object },
  deployedBytecode: { object: "0x" + token.evm.deployedBytecode.object },
  metadata: JSON.parse(token.metadata),
}));
"#;
    let source = support::root().join("contracts/Token.sol");
    let output = Command::new("node")
        .args(["-e", SCRIPT, source.to_str().unwrap(), &runs.to_string(), out.to_str().unwrap()])
        .current_dir(support::root())
        .output()
        .expect("node is needed (scripts/test.sh installs the pinned solc)");
    assert!(output.status.success(), "solcjs failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// A head compiled with other optimizer runs than its base (both by the pinned solc): the diff
/// names the change as data (`build_changes`), and the comment and the terminal say it first.
#[test]
fn optimizer_runs_change_is_named_first() {
    let repo = Repo::new();
    let output = repo.gasguard(&["baseline", "--out", "base.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    compile_token(1, &repo.path.join("out/Token.sol/Token.json"));

    let (output, diff) = repo.check_json(&["--baseline", "base.json", "--no-fail-on-regression"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        diff["build_changes"],
        serde_json::json!([{
            "what": "solc optimizer runs",
            "base": "200",
            "head": "1",
            "contracts": ["contracts/Token.sol:Token"]
        }])
    );
    // The numbers really moved: fewer runs trade call gas for deployment size.
    assert_ne!(diff["summary"]["unchanged"], 3, "{diff}");
    let output = repo.gasguard(&["check", "--baseline", "base.json", "--format", "markdown"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    insta::assert_snapshot!("optimizer_runs_comment", stdout(&output));
    let output = repo.gasguard(&["check", "--baseline", "base.json"]);
    let terminal = stdout(&output);
    // The build change comes first, before anything else.
    assert_eq!(
        terminal.lines().next(),
        Some(
            "warning: the build changed (optimizer runs 200 → 1 for 1 contract): most differences below \
             come from the build, not from the code"
        ),
        "{terminal}"
    );
}

/// The action's check step passes `base-ref` as `--base-ref` (a `baseline` file wins over it)
/// and `if-no-baseline` as given; a bad `if-no-baseline` fails before gasguard runs.
#[test]
fn action_passes_base_ref_and_if_no_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let bin = support::fake_gasguard(dir.path(), "printf '%s\\n' \"$@\"\nenv | grep '^GIT_CONFIG_' | sort\n");
    let run = |env: &[(&str, &str)]| {
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        let mut command = Command::new("bash");
        command
            .arg(support::root().join("scripts/action/check.sh"))
            .current_dir(dir.path())
            .env("PATH", path)
            .env("INPUT_COMMENT", "false");
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().unwrap()
    };
    let output = run(&[("INPUT_BASE_REF", "main")]);
    assert!(output.status.success(), "{}", stderr(&output));
    let args = stdout(&output);
    assert!(args.contains("--base-ref\nmain\n--if-no-baseline\nerror\n"), "{args}");
    // The HTML report is on by default: the comment links to its artifact.
    assert!(args.contains("--link-html-report\n"), "{args}");
    assert!(!stdout(&run(&[("INPUT_HTML", "false")])).contains("--link-html-report"));
    let output =
        run(&[("INPUT_BASE_REF", "main"), ("INPUT_BASELINE", "b.json"), ("INPUT_IF_NO_BASELINE", "pass")]);
    let args = stdout(&output);
    assert!(
        args.contains("--baseline\nb.json\n--if-no-baseline\npass\n") && !args.contains("--base-ref"),
        "{args}"
    );
    // With the token, the merge-base fetches get it as a header for gasguard's processes only,
    // appended to the configuration the workflow already gave.
    let token = [
        ("INPUT_BASE_REF", "main"),
        ("GITHUB_TOKEN", "ghs_secret"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GIT_CONFIG_COUNT", "1"),
        ("GIT_CONFIG_KEY_0", "core.autocrlf"),
        ("GIT_CONFIG_VALUE_0", "false"),
    ];
    let output = run(&token);
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    let header = format!("AUTHORIZATION: basic {}", "eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA==");
    assert!(printed.contains("GIT_CONFIG_COUNT=2\n"), "{printed}");
    assert!(printed.contains("GIT_CONFIG_KEY_0=core.autocrlf\n"), "{printed}");
    assert!(printed.contains("GIT_CONFIG_KEY_1=http.https://github.com/.extraheader\n"), "{printed}");
    assert!(printed.contains(&format!("GIT_CONFIG_VALUE_1={header}\n")), "{printed}");
    // A baseline file needs no fetch, and so no token.
    let output = run(&[token.as_slice(), &[("INPUT_BASELINE", "b.json")]].concat());
    assert!(!stdout(&output).contains("extraheader"), "{}", stdout(&output));
    let output = run(&[("INPUT_IF_NO_BASELINE", "maybe")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("input 'if-no-baseline' must be 'error' or 'pass', not 'maybe'"));
}
