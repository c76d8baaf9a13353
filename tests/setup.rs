//! The set-up the README describes (issue 18, items 1 and 3): its two commands share one build,
//! and the test command leaves the checkout as it found it.

mod support;

use std::path::Path;
use std::process::Command;

use support::root;

/// The commands of the README's set-up section, in order.
fn setup_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split("## Set up").nth(1).expect("the README has a set-up section");
    let block = section.split("```sh").nth(1).and_then(|rest| rest.split("```").next()).unwrap();
    block
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The demo runs in the dev profile, whose dependencies `cargo test` reuses: a `--release` demo
/// built every dependency a second time (15 + 19 minutes on a busy 2-core machine).
#[test]
fn both_setup_commands_share_one_build() {
    let commands = setup_commands();
    assert_eq!(
        commands,
        ["cargo run -- run --config fixtures/demo/gasguard.toml --out gas-report.json", "scripts/test.sh"]
    );
    let script = std::fs::read_to_string(root().join("scripts/test.sh")).unwrap();
    assert!(script.contains("cargo test --locked"), "{script}");
    for other_profile in ["--release", "--profile"] {
        assert!(!script.contains(other_profile), "the tests must build over the demo's dev profile");
    }
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("[profile.test"), "a test profile of its own would rebuild the dependencies");
}

/// `npm ci` never writes the lockfile; it can only install what the lockfile lists, so every
/// platform's Foundry package must be there (`npm install` used to add them, dirtying the tree).
#[test]
fn the_lockfile_lists_every_platform_package() {
    let lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("package-lock.json")).unwrap()).unwrap();
    let packages = lock["packages"].as_object().unwrap();
    let mut optional = 0;
    for (name, package) in packages {
        for (dependency, version) in package["optionalDependencies"].as_object().into_iter().flatten() {
            let entry = &packages[&format!("node_modules/{dependency}")];
            assert_eq!(&entry["version"], version, "{name} needs {dependency} {version} in the lockfile");
            assert!(entry["integrity"].as_str().is_some_and(|hash| hash.starts_with("sha512-")));
            optional += 1;
        }
    }
    assert_eq!(optional, 15, "anvil, cast and forge for five platforms each");
    let script = std::fs::read_to_string(root().join("scripts/test.sh")).unwrap();
    assert!(script.contains("npm ci "), "{script}");
    assert!(!script.contains("npm install"), "`npm install` rewrites package-lock.json");
}

/// Runs `.ci/run` in a copy of the repository's CI files where `scripts/test.sh` is `body`.
fn ci_run(body: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
    };
    git(&["init", "--quiet"]);
    std::fs::create_dir_all(dir.path().join(".ci")).unwrap();
    std::fs::create_dir_all(dir.path().join("scripts")).unwrap();
    std::fs::copy(root().join(".ci/run"), dir.path().join(".ci/run")).unwrap();
    std::fs::write(dir.path().join("scripts/test.sh"), format!("#!/usr/bin/env bash\nset -e\n{body}\n"))
        .unwrap();
    std::fs::write(dir.path().join("tracked.txt"), "before\n").unwrap();
    make_executable(&dir.path().join("scripts/test.sh"));
    git(&["add", "."]);
    git(&["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "init"]);
    Command::new(dir.path().join(".ci/run")).current_dir(dir.path()).output().unwrap()
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn ci_fails_when_the_tests_leave_the_checkout_dirty() {
    let clean = ci_run("echo tests pass");
    assert_eq!(clean.status.code(), Some(0), "{}", String::from_utf8_lossy(&clean.stderr));

    let rewritten = ci_run("echo after > tracked.txt");
    assert_eq!(rewritten.status.code(), Some(1));
    let message = String::from_utf8_lossy(&rewritten.stderr);
    assert!(
        message.contains("error: the tests left the checkout dirty") && message.contains(" M tracked.txt"),
        "{message}"
    );

    let untracked = ci_run("touch leftover.json");
    assert_eq!(untracked.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&untracked.stderr).contains("?? leftover.json"));

    // A failing test run fails CI with its own status, before the cleanliness check.
    let failing = ci_run("exit 3");
    assert_eq!(failing.status.code(), Some(3));
}
