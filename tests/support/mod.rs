//! Shared test helpers: the gasguard binary, the repository's paths, and real anvil nodes that
//! are killed when their guard is dropped.

#![allow(dead_code)]

pub mod chain;
pub mod counter_change;
pub mod fake_github;
pub mod fake_ipfs;
pub mod history;
pub mod proxy;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(path: &str) -> PathBuf {
    root().join("fixtures").join(path)
}

/// A platform binary of the pinned npm Foundry packages (`scripts/test.sh` installs them).
pub fn foundry_binary(tool: &str) -> PathBuf {
    let path = root().join(format!("node_modules/@foundry-rs/{tool}-linux-amd64/bin/{tool}"));
    assert!(
        path.exists(),
        "{} is missing: run `scripts/test.sh` (it installs the pinned npm tools)",
        path.display()
    );
    path
}

/// Runs the gasguard binary with `args` in `dir`, with a clean environment for colours and CI.
pub fn gasguard(dir: &Path, args: &[&str]) -> Output {
    gasguard_with_env(dir, args, &[])
}

pub fn gasguard_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gasguard"));
    command.args(args).current_dir(dir).env_remove("NO_COLOR").env("CI", "true").stdin(Stdio::null());
    // A developer's own signing key or node must never reach a test.
    for name in [
        "GITHUB_ACTIONS",
        "GITHUB_TOKEN",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
        "GITHUB_EVENT_PATH",
        "GASGUARD_PRIVATE_KEY",
        "GASGUARD_RPC_URL",
    ] {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("failed to start the gasguard binary")
}

/// A stand-in `gasguard` for the action's scripts: `DIR/bin/gasguard` running `body` (a bash
/// script), executable; returns `DIR/bin`, to put first on `PATH`.
pub fn fake_gasguard(dir: &Path, body: &str) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("gasguard");
    std::fs::write(&fake, format!("#!/usr/bin/env bash\n{body}")).unwrap();
    let mut permissions = std::fs::metadata(&fake).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&fake, permissions).unwrap();
    bin
}

/// Runs git in `dir` with a fixed identity and no user or system configuration (local file
/// remotes allowed, as the store and base tests clone from folders); panics on failure with its
/// stderr. Returns stdout, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
        .args(["-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("failed to run git");
    assert!(output.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Copies the folder `from` into `to`, recursively (files and folders only).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A free loopback port (bound, then released for the child to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("no free port")
}

/// A running anvil, killed on drop.
pub struct Anvil {
    child: Child,
    pub port: u16,
}

impl Anvil {
    /// Starts anvil on a free loopback port with extra `args`, and waits until it answers.
    pub fn start(args: &[&str]) -> Self {
        let binary = foundry_binary("anvil");
        for _attempt in 0..3 {
            let port = free_port();
            let child = Command::new(&binary)
                .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--silent"])
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("failed to start anvil");
            let mut anvil = Self { child, port };
            if anvil.wait_ready(Duration::from_secs(20)) {
                return anvil;
            }
            // The port may have been taken between our probe and anvil's bind: try another.
        }
        panic!("anvil did not start");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn wait_ready(&mut self, timeout: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < timeout {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() && self.rpc("eth_chainId", "[]").is_some()
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// A raw JSON-RPC call returning `result`, through a bare HTTP/1.1 request (no client crate,
    /// so the tests do not share code with what they check).
    pub fn rpc(&self, method: &str, params: &str) -> Option<serde_json::Value> {
        rpc_call(&self.url(), method, params)
    }

    /// Stops the node now (the drop does the same).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        self.stop();
    }
}

/// POSTs a JSON-RPC request to `url` (`http://127.0.0.1:PORT`) and returns its `result`.
pub fn rpc_call(url: &str, method: &str, params: &str) -> Option<serde_json::Value> {
    rpc_response(url, method, params)?.get("result").cloned()
}

/// The whole JSON-RPC response, `result` or `error` (whose `data` holds revert data).
pub fn rpc_response(url: &str, method: &str, params: &str) -> Option<serde_json::Value> {
    use std::io::{Read, Write};
    let address = url.strip_prefix("http://")?.trim_end_matches('/');
    let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#);
    let mut stream = TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (_, body) = response.split_once("\r\n\r\n")?;
    serde_json::from_str(body.trim()).ok()
}

/// Sends a transaction from an account the node unlocks (`eth_sendTransaction`) and waits for its
/// receipt.
pub fn send_transaction(url: &str, request: serde_json::Value) -> serde_json::Value {
    let params = serde_json::Value::Array(vec![request]).to_string();
    let hash = rpc_call(url, "eth_sendTransaction", &params).expect("eth_sendTransaction failed");
    let started = Instant::now();
    loop {
        let receipt = rpc_call(url, "eth_getTransactionReceipt", &format!("[{hash}]"));
        match receipt {
            Some(receipt) if !receipt.is_null() => return receipt,
            _ if started.elapsed() > Duration::from_secs(20) => panic!("no receipt for {hash}"),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Pairs the records of two runs one to one, after checking that both have the same number of
/// them and at least one: a comparison loop over `zip` alone passes when one side is short or
/// empty.
pub fn paired<'a, A, B>(
    ours: &'a [A],
    theirs: &'a [B],
) -> std::iter::Zip<std::slice::Iter<'a, A>, std::slice::Iter<'a, B>> {
    assert!(!ours.is_empty(), "nothing to compare: the first run recorded no transaction");
    assert_eq!(ours.len(), theirs.len(), "the two runs recorded different numbers of transactions");
    ours.iter().zip(theirs)
}

/// Every call of `profiled` has an attribution, and each of its three parts (by kind, by frame,
/// by line) sums exactly to the call's receipt `gas_used`.
pub fn assert_every_call_attributed(profiled: &gasguard::cli::profile::Profiled) {
    let calls = &profiled.report.calls;
    assert!(!calls.is_empty());
    assert_eq!(calls.len(), profiled.attributions.len());
    for (index, (call, attribution)) in calls.iter().zip(&profiled.attributions).enumerate() {
        let label = format!("call {index}: {} step {} {}", call.scenario, call.step, call.function);
        let attribution = attribution.as_ref().unwrap_or_else(|| panic!("{label}: no attribution"));
        let gas_used = i128::from(call.gas_used);
        assert_eq!(attribution.sums(), [gas_used; 3], "{label}: kinds, frames, lines vs gas_used");
        assert_eq!(attribution.calls, 1, "{label}");
        assert!(!attribution.by_frame.is_empty(), "{label}");
    }
}

/// Profiles `config` in process, quietly, and asserts that every call's gas is attributed exactly
/// (see [`assert_every_call_attributed`]).
pub fn profile_attributed(config: &Path) -> gasguard::cli::profile::Profiled {
    let quiet = gasguard::printer::Printer::new(gasguard::printer::ColorChoice::Never, true, |_| None);
    let profiled = gasguard::cli::profile::profile_with_calls(config, &Default::default(), &quiet)
        .expect("the config profiles in process");
    assert_every_call_attributed(&profiled);
    profiled
}

/// Where Chromium is, for a test that renders pages in it (`what` says what it renders), when it
/// and the npm `packages` the page scripts import are installed. Otherwise `None`, with a note
/// on the terminal, except under `CI` (any value but empty, `0` or `false`), where a skip would be
/// a pass that checked nothing: the test fails instead. `CHROMIUM` overrides the path.
pub fn chromium(what: &str, packages: &[&str]) -> Option<PathBuf> {
    let chromium =
        std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    let missing: Vec<String> = std::iter::once(chromium.clone())
        .chain(packages.iter().map(|name| root().join("node_modules").join(name)))
        .filter(|path| !path.exists())
        .map(|path| path.display().to_string())
        .collect();
    if missing.is_empty() {
        return Some(chromium);
    }
    let message = format!(
        "cannot {what}: missing {}\n\nhint: run scripts/install-chromium.sh and scripts/test.sh (npm install)",
        missing.join(", ")
    );
    let ci = std::env::var("CI").is_ok_and(|value| !matches!(value.trim(), "" | "0" | "false"));
    assert!(!ci, "{message}");
    // Straight to stderr: the harness captures `println!` of passing tests.
    let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("note: {message}; skipping\n"));
    None
}
