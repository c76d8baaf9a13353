//! The action's install step (`scripts/action/install.sh`) end to end, against a release served
//! on loopback: an archive made by `scripts/release.sh package` from the real binary, checksums in
//! an `action-version.json` like the action's. A matching download installs into the tool cache
//! and runs; a mismatch is refused before the binary ever runs; a platform without an asset falls
//! back to `cargo install --locked` with a notice.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use support::{root, stderr, stdout};

/// A static file server on loopback: `GET /PATH` serves `dir/PATH`; counts requests.
struct Server {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl Server {
    fn start(dir: PathBuf) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                let _ = reader.read_line(&mut request_line);
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/');
                let file = dir.join(path);
                let response = match (path.contains(".."), std::fs::read(&file)) {
                    (false, Ok(body)) => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        [head.into_bytes(), body].concat()
                    }
                    _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
                };
                let _ = stream.write_all(&response);
            }
        });
        Self { url, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// The pieces of the action the install step reads, in a folder of its own.
fn fake_action(dir: &Path, pins: &serde_json::Value) -> PathBuf {
    let action = dir.join("action");
    std::fs::create_dir_all(action.join("scripts/action")).unwrap();
    for script in ["install.sh", "common.sh"] {
        std::fs::copy(root().join("scripts/action").join(script), action.join("scripts/action").join(script))
            .unwrap();
    }
    std::fs::copy(root().join("Cargo.toml"), action.join("Cargo.toml")).unwrap();
    std::fs::write(action.join("action-version.json"), serde_json::to_string_pretty(pins).unwrap()).unwrap();
    action
}

struct Runner {
    temp: PathBuf,
    tool_cache: PathBuf,
    github_path: PathBuf,
}

impl Runner {
    fn new(dir: &Path) -> Self {
        let runner = Self {
            temp: dir.join("runner-temp"),
            tool_cache: dir.join("tool-cache"),
            github_path: dir.join("github-path"),
        };
        std::fs::create_dir_all(&runner.temp).unwrap();
        std::fs::write(&runner.github_path, "").unwrap();
        runner
    }

    fn install(&self, action: &Path, arch: &str, release_url: &str, path: Option<&str>) -> Output {
        let mut command = Command::new("bash");
        command
            .arg(action.join("scripts/action/install.sh"))
            .env("GITHUB_ACTION_PATH", action)
            .env("GITHUB_PATH", &self.github_path)
            .env("RUNNER_TEMP", &self.temp)
            .env("RUNNER_TOOL_CACHE", &self.tool_cache)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", arch)
            .env("GITHUB_ACTION_REPOSITORY", "example/gasguard")
            .env("GASGUARD_RELEASE_URL", release_url)
            .env_remove("INPUT_VERSION");
        if let Some(path) = path {
            command.env("PATH", path);
        }
        command.output().unwrap()
    }

    fn github_path(&self) -> String {
        std::fs::read_to_string(&self.github_path).unwrap()
    }
}

const VERSION: &str = env!("CARGO_PKG_VERSION");
const TARGET: &str = "x86_64-unknown-linux-musl";

/// The real gasguard binary packaged by `scripts/release.sh package` as the release asset for
/// [`TARGET`], once for all tests (compressing it is the slow part): the served folder and the
/// archive's SHA-256.
fn release_asset() -> &'static (PathBuf, String) {
    static ASSET: OnceLock<(PathBuf, String)> = OnceLock::new();
    ASSET.get_or_init(|| {
        let served = Path::new(env!("CARGO_TARGET_TMPDIR")).join("action_install/served");
        let _ = std::fs::remove_dir_all(&served);
        let folder = served.join(format!("v{VERSION}"));
        let output = Command::new(root().join("scripts/release.sh"))
            .args(["package", TARGET, env!("CARGO_BIN_EXE_gasguard")])
            .arg(&folder)
            .output()
            .unwrap();
        assert!(output.status.success(), "release.sh package failed:\n{}", stderr(&output));
        let sums =
            std::fs::read_to_string(folder.join(format!("gasguard-v{VERSION}-{TARGET}.tar.gz.sha256")))
                .unwrap();
        (served, sums.split_whitespace().next().unwrap().to_owned())
    })
}

fn pins(checksum: &str) -> serde_json::Value {
    serde_json::json!({ "version": VERSION, "sha256": { VERSION: { TARGET: checksum } } })
}

#[test]
fn a_matching_asset_installs_into_the_tool_cache_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (served, checksum) = release_asset();
    let server = Server::start(served.clone());
    let action = fake_action(dir.path(), &pins(checksum));
    let runner = Runner::new(dir.path());

    let started = Instant::now();
    let output = runner.install(&action, "X64", &server.url, None);
    let elapsed = started.elapsed();
    assert!(output.status.success(), "{}\n{}", stdout(&output), stderr(&output));
    assert!(
        stdout(&output).ends_with(&format!("gasguard {VERSION}\n")),
        "it runs --version:\n{}",
        stdout(&output)
    );
    let bin = runner.tool_cache.join(format!("gasguard/{VERSION}/x64/bin"));
    assert_eq!(runner.github_path(), format!("{}\n", bin.display()));
    assert_eq!(
        std::fs::read_to_string(runner.tool_cache.join(format!("gasguard/{VERSION}/x64.complete"))).unwrap(),
        *checksum
    );
    assert_eq!(server.requests(), 1);
    eprintln!("installed from the loopback server in {:.2} s", elapsed.as_secs_f64());
    assert!(elapsed < Duration::from_secs(20), "the install took {elapsed:?}");

    // The next job on this runner finds it in the tool cache: no download.
    std::fs::write(&runner.github_path, "").unwrap();
    let output = runner.install(&action, "X64", &server.url, None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("is in the tool cache"), "{}", stdout(&output));
    assert_eq!(server.requests(), 1, "a cached install downloaded again");
    assert_eq!(runner.github_path(), format!("{}\n", bin.display()));
}

#[test]
fn a_checksum_mismatch_is_refused_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (served, checksum) = release_asset();
    let server = Server::start(served.clone());
    let wrong = format!("{}{}", if checksum.starts_with('0') { "1" } else { "0" }, &checksum[1..]);
    let action = fake_action(dir.path(), &pins(&wrong));
    let runner = Runner::new(dir.path());

    let output = runner.install(&action, "X64", &server.url, None);
    assert_eq!(output.status.code(), Some(2));
    let out = stdout(&output);
    assert!(
        out.contains(&format!(
            "::error title=gasguard install::checksum mismatch for gasguard-v{VERSION}-{TARGET}.tar.gz: expected {wrong} (action-version.json), got {checksum}; not installing it"
        )),
        "{out}"
    );
    assert!(!out.contains(&format!("gasguard {VERSION}\n")), "the binary ran:\n{out}");
    assert!(!runner.tool_cache.join(format!("gasguard/{VERSION}/x64/bin/gasguard")).exists());
    assert_eq!(runner.github_path(), "", "nothing was put on PATH");
}

#[test]
fn a_platform_without_an_asset_falls_back_to_cargo_install_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let (served, checksum) = release_asset();
    let server = Server::start(served.clone());
    let action = fake_action(dir.path(), &pins(checksum));
    let runner = Runner::new(dir.path());
    // A stand-in `cargo` that records its arguments and "builds" a gasguard that prints its
    // version: the real build takes minutes and is what the notice is about.
    let tools = dir.path().join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    let cargo = tools.join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" > {log:?}\nwhile [[ $# -gt 0 ]]; do [[ $1 == --root ]] && root=$2; shift; done\nmkdir -p \"$root/bin\"\nprintf '#!/usr/bin/env bash\\necho gasguard {VERSION}\\n' > \"$root/bin/gasguard\"\nchmod +x \"$root/bin/gasguard\"\n",
            log = dir.path().join("cargo-args")
        ),
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&cargo).status().unwrap();
    let path = format!("{}:{}", tools.display(), std::env::var("PATH").unwrap());

    let output = runner.install(&action, "ARM64", &server.url, Some(&path));
    assert!(output.status.success(), "{}\n{}", stdout(&output), stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains(&format!(
            "::notice title=gasguard install::no checksummed release asset of gasguard {VERSION} for aarch64-unknown-linux-musl; building the action's source with cargo install --locked (several minutes)"
        )),
        "{out}"
    );
    let args = std::fs::read_to_string(dir.path().join("cargo-args")).unwrap();
    assert!(args.starts_with(&format!("install --locked --quiet --path {}", action.display())), "{args}");
    assert_eq!(server.requests(), 0, "nothing is downloaded without a checksum");
    assert!(out.ends_with(&format!("gasguard {VERSION}\n")), "{out}");
}

/// `scripts/release.sh record` and `pin` on archives made by `package`, in a copy of the
/// repository's release files: SHA256SUMS, action-version.json and the refusals.
#[test]
fn the_release_script_records_checksums_and_pins_the_commit() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("scripts")).unwrap();
    for file in ["scripts/release.sh", "Cargo.toml", "README.md", "action-version.json"] {
        std::fs::copy(root().join(file), repo.join(file)).unwrap();
    }
    let binary = dir.path().join("gasguard");
    std::fs::write(&binary, "#!/bin/sh\necho gasguard\n").unwrap();
    let release = |args: &[&str]| {
        Command::new(repo.join("scripts/release.sh")).args(args).current_dir(dir.path()).output().unwrap()
    };
    let out = dir.path().join("dist");
    let out_text = out.to_str().unwrap();
    for target in ["x86_64-apple-darwin", "x86_64-pc-windows-msvc"] {
        let output = release(&["package", target, binary.to_str().unwrap(), out_text]);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let output = release(&["package", "x86_64-unknown-linux-gnu", binary.to_str().unwrap(), out_text]);
    assert_eq!(output.status.code(), Some(2), "only the five release targets are packaged");
    let output = release(&["pin", &"a".repeat(40)]);
    assert_eq!(output.status.code(), Some(2), "no commit is pinned before checksums are recorded");

    let output = release(&["record", out_text]);
    assert!(output.status.success(), "{}", stderr(&output));
    let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    let pins: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join("action-version.json")).unwrap()).unwrap();
    assert_eq!(pins["version"], VERSION);
    assert_eq!(pins["sha256"][VERSION].as_object().unwrap().len(), 2);
    for target in ["x86_64-apple-darwin", "x86_64-pc-windows-msvc"] {
        let file = format!("gasguard-v{VERSION}-{target}.tar.gz");
        let own = std::fs::read_to_string(out.join(format!("{file}.sha256"))).unwrap();
        let sum = pins["sha256"][VERSION][target].as_str().unwrap();
        assert_eq!(own, format!("{sum}  {file}\n"));
        assert!(sums.contains(&own), "{sums}");
        // The archive holds the binary in a folder named as cargo-binstall's `bin-dir` expects.
        let exe = if target.contains("windows") { ".exe" } else { "" };
        let listing = Command::new("tar").arg("-tzf").arg(out.join(&file)).output().unwrap();
        assert!(
            stdout(&listing).lines().any(|l| l == format!("gasguard-v{VERSION}-{target}/gasguard{exe}")),
            "{}",
            stdout(&listing)
        );
    }

    let commit = "0123456789abcdef0123456789abcdef01234567";
    let output = release(&["pin", commit]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pins: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join("action-version.json")).unwrap()).unwrap();
    assert_eq!(pins["commit"], commit);
    let output = release(&["pin", "v0.1.0"]);
    assert_eq!(output.status.code(), Some(2), "a tag is not a commit SHA");
}
