//! The registry's reference resolves: `gasguard cid` against the reference JavaScript importer,
//! `--car` files read back by the reference `@ipld/car` reader, and `record --publish` then
//! `registry show --fetch` through a fake kubo on loopback (`support/fake_ipfs.rs`, serving
//! what the reference importer makes) and a real anvil (`support::chain`). The chain is read back
//! with raw `eth_call`s decoded by an interface written in the tests, not gasguard's bindings.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::chain::{COUNTER, Chain, KEY, REGISTRY, TOKEN_MAPPING};
use support::fake_ipfs::{FakeIpfs, reference_car};
use support::{fixture, gasguard_with_env, root, stderr, stdout};

const CHUNK: usize = 262_144;

/// Deterministic bytes that do not repeat from chunk to chunk (xorshift64), so that no two
/// leaves share a block.
fn pseudo_random(length: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Runs the reference script (`scripts/unixfs-reference.mjs`) and returns its stdout.
fn reference(args: &[&Path]) -> String {
    let output = Command::new("node")
        .arg(root().join("scripts/unixfs-reference.mjs"))
        .args(args)
        .output()
        .expect("failed to run node");
    assert!(
        output.status.success(),
        "the reference script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let output = gasguard_with_env(dir, args, env);
    let digits = KEY.trim_start_matches("0x");
    for (stream, text) in [("stdout", stdout(&output)), ("stderr", stderr(&output))] {
        assert!(
            !text.contains(digits),
            "the private key appeared in {stream} of `gasguard {}`",
            args.join(" ")
        );
    }
    output
}

fn run_ok(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let output = run(dir, args, env);
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

#[test]
fn cid_matches_the_reference_importer_at_every_size() {
    let dir = tempfile::tempdir().unwrap();
    // Empty, one byte, exactly one chunk, one byte more, a few MiB, a full first level of 174
    // leaves, and one byte past it (a two-level tree).
    let sizes = [0, 1, CHUNK, CHUNK + 1, 3 * 1_048_576 + 7, 174 * CHUNK, 174 * CHUNK + 1];
    let files: Vec<PathBuf> = sizes
        .iter()
        .enumerate()
        .map(|(index, &size)| {
            let path = dir.path().join(format!("file-{size}.bin"));
            std::fs::write(&path, pseudo_random(size, index as u64 + 7)).unwrap();
            path
        })
        .collect();
    let names: Vec<&str> = files.iter().map(|file| file.to_str().unwrap()).collect();
    let mut args = vec!["cid"];
    args.extend(&names);
    let ours = stdout(&run_ok(dir.path(), &args, &[]));

    let mut reference_args: Vec<&Path> = vec![Path::new("cid")];
    reference_args.extend(files.iter().map(PathBuf::as_path));
    let theirs = reference(&reference_args);
    assert_eq!(ours, theirs);

    let lines: Vec<&str> = ours.lines().collect();
    assert_eq!(lines.len(), sizes.len());
    for (line, size) in lines.iter().zip(sizes) {
        // One chunk is one raw block (`bafkrei…`); more is a dag-pb root (`bafybei…`).
        let prefix = if size <= CHUNK { "bafkrei" } else { "bafybei" };
        assert!(line.starts_with(prefix), "{size} bytes: {line}");
    }
}

#[test]
fn cid_of_a_missing_file_prints_nothing_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("there.json"), b"{}").unwrap();
    let output = run(dir.path(), &["cid", "there.json", "missing.json"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    assert!(stderr(&output).contains("failed to read `missing.json`"), "{}", stderr(&output));
}

/// What the reference reader says of a CAR file.
fn read_car(path: &Path) -> (Vec<String>, BTreeSet<String>) {
    let json: serde_json::Value = serde_json::from_str(&reference(&[Path::new("read-car"), path])).unwrap();
    assert_eq!(json["verified"], true, "a block of `{}` does not hash to its CID", path.display());
    let strings = |value: &serde_json::Value| -> Vec<String> {
        value.as_array().unwrap().iter().map(|item| item.as_str().unwrap().to_owned()).collect()
    };
    (strings(&json["roots"]), strings(&json["blocks"]).into_iter().collect())
}

#[test]
fn the_car_file_reads_back_in_the_reference_reader() {
    let dir = tempfile::tempdir().unwrap();
    for (name, size) in [("small.json", 1_000), ("large.bin", 3 * 1_048_576 + 7)] {
        let file = dir.path().join(name);
        std::fs::write(&file, pseudo_random(size, 99)).unwrap();
        let car = dir.path().join(format!("{name}.car"));
        let output = run_ok(dir.path(), &["publish", name, "--car", car.to_str().unwrap()], &[]);
        let cid = stdout(&output).trim().to_owned();

        let (roots, blocks) = read_car(&car);
        assert_eq!(roots, vec![cid.clone()], "{name}");
        // The same blocks as the reference importer writes for the file.
        let (reference_cid, reference_bytes) = reference_car(&file, dir.path());
        assert_eq!(cid, reference_cid, "{name}");
        let reference_path = dir.path().join(format!("{name}.reference.car"));
        std::fs::write(&reference_path, reference_bytes).unwrap();
        assert_eq!(blocks, read_car(&reference_path).1, "{name}");
        assert_eq!(blocks.len(), if size <= CHUNK { 1 } else { size.div_ceil(CHUNK) + 1 });
    }
}

#[test]
fn publish_uploads_with_kubo_settings_and_keeps_credentials_out_of_sight() {
    let dir = tempfile::tempdir().unwrap();
    let ipfs = FakeIpfs::start();
    std::fs::write(dir.path().join("report.bin"), pseudo_random(CHUNK * 2 + 5, 3)).unwrap();

    // Basic auth from the URL's user-info.
    let url = format!("http://alice:hunter2hunter2@127.0.0.1:{}", ipfs.port);
    let output = run_ok(dir.path(), &["publish", "report.bin", "--ipfs-api", &url], &[]);
    let cid = stdout(&output).trim().to_owned();
    assert_eq!(cid, reference(&[Path::new("cid"), &dir.path().join("report.bin")]).trim());
    // A bearer token from the environment.
    run_ok(
        dir.path(),
        &["publish", "report.bin", "--ipfs-api", &ipfs.url()],
        &[("GASGUARD_IPFS_API_TOKEN", "tok-s3cr3t-value")],
    );

    let uploads = ipfs.uploads();
    assert_eq!(uploads.len(), 2);
    assert_eq!(uploads[0].bytes, std::fs::read(dir.path().join("report.bin")).unwrap());
    assert_eq!(uploads[0].file_name, "report.bin");
    assert_eq!(
        uploads[0].query,
        "cid-version=1&raw-leaves=true&chunker=size-262144&hash=sha2-256&pin=true&progress=false"
    );
    // base64("alice:hunter2hunter2")
    assert_eq!(uploads[0].authorization.as_deref(), Some("Basic YWxpY2U6aHVudGVyMmh1bnRlcjI="));
    assert_eq!(uploads[1].authorization.as_deref(), Some("Bearer tok-s3cr3t-value"));
    let text = format!("{}{}", stdout(&output), stderr(&output));
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("uploaded `report.bin` to `http://***@127.0.0.1:"), "{text}");
}

#[test]
fn publish_with_nowhere_to_go_or_a_dead_node_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.json"), b"{}\n").unwrap();
    let output = run(dir.path(), &["publish", "report.json"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nowhere to publish to"), "{}", stderr(&output));

    let port = support::free_port();
    let url = format!("http://127.0.0.1:{port}/s3cr3tpathsegment1234");
    let output = run(dir.path(), &["publish", "report.json", "--ipfs-api", &url, "--timeout", "5"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    let message = stderr(&output);
    assert!(message.contains("uploading the report (`/api/v0/add`) on `http://127.0.0.1:"), "{message}");
    assert!(!message.contains("s3cr3tpathsegment1234"), "{message}");
}

impl Chain {
    fn fetch(&self, gateway: &str, extra: &[&str]) -> Output {
        let (registry, contract) = (REGISTRY.to_string(), COUNTER.to_string());
        let mut args = vec![
            "registry",
            "show",
            &registry,
            &contract,
            "--rpc-url",
            &self.url,
            "--fetch",
            "--gateway",
            gateway,
        ];
        args.extend_from_slice(extra);
        run(self.dir(), &args, &[])
    }

    fn stored_cid(&self, index: u64) -> String {
        self.entry(COUNTER, index).ipfsHash
    }

    /// The fixture report `report-a.json`, padded past two chunks with JSON whitespace (varied,
    /// so its leaves differ), as `large-report.json`: still a valid report, now a DAG.
    fn write_large_report(&self) -> PathBuf {
        let mut bytes = std::fs::read(fixture("registry/report-a.json")).unwrap();
        bytes.extend(
            pseudo_random(2 * CHUNK + 1_000, 5).into_iter().map(|byte| b" \n\t\r"[usize::from(byte % 4)]),
        );
        let path = self.dir().join("large-report.json");
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

#[test]
fn publish_then_record_then_fetch_gives_the_same_bytes() {
    let chain = Chain::start();
    let ipfs = FakeIpfs::start();
    let report = chain.write_large_report();
    let bytes = std::fs::read(&report).unwrap();

    let output = chain.record(
        "large-report.json",
        &["--contract", TOKEN_MAPPING, "--send", "--publish", "--ipfs-api", &ipfs.url()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(ipfs.uploads().len(), 1);
    assert_eq!(ipfs.uploads()[0].bytes, bytes);

    // The CID on chain is `gasguard cid` of the file, and the reference importer's.
    let on_chain = chain.stored_cid(0);
    let cid = stdout(&run_ok(chain.dir(), &["cid", "large-report.json"], &[]));
    assert_eq!(format!("{on_chain}\n"), cid);
    assert_eq!(cid, reference(&[Path::new("cid"), &report]));
    assert!(on_chain.starts_with("bafybei"), "{on_chain}");

    // Fetched by the CID read back from the chain: the same bytes, on stdout or in a file.
    let fetched = chain.fetch(&ipfs.url(), &[]);
    assert_eq!(fetched.status.code(), Some(0), "{}", stderr(&fetched));
    assert_eq!(fetched.stdout, bytes);
    let fetched = chain.fetch(&ipfs.url(), &["--out", "fetched.json"]);
    assert_eq!(fetched.status.code(), Some(0), "{}", stderr(&fetched));
    assert_eq!(std::fs::read(chain.dir().join("fetched.json")).unwrap(), bytes);
    assert!(stdout(&fetched).contains(&on_chain), "the entries table is printed with `--out`");
    assert_eq!(ipfs.fetches(), vec![format!("/ipfs/{on_chain}?format=car"); 2]);

    // The fetched report diffs against the local one like any report.
    let diff = run(chain.dir(), &["diff", "large-report.json", "fetched.json", "--format", "json"], &[]);
    assert_eq!(diff.status.code(), Some(0), "{}", stderr(&diff));
}

#[test]
fn a_node_that_answers_another_cid_is_refused_before_anything_is_sent() {
    let chain = Chain::start();
    let ipfs = FakeIpfs::start();
    chain.write_large_report();
    ipfs.answer_wrong_cid("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
    let output = chain.record(
        "large-report.json",
        &["--contract", TOKEN_MAPPING, "--send", "--publish", "--ipfs-api", &ipfs.url()],
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("stored `large-report.json` as `bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku`, not as `bafybei"),
        "{message}"
    );
    assert!(message.contains("nothing was recorded"), "{message}");
    assert_eq!(chain.count(COUNTER), 0);
}

#[test]
fn a_gateway_that_alters_bytes_is_refused() {
    let chain = Chain::start();
    let ipfs = FakeIpfs::start();
    chain.write_large_report();
    let output = chain.record(
        "large-report.json",
        &["--contract", TOKEN_MAPPING, "--send", "--publish", "--ipfs-api", &ipfs.url()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    ipfs.tamper(true);
    // A token in the gateway's URL is hidden like a node's.
    let gateway = format!("{}/?token=gw-s3cr3t-token", ipfs.url());
    let fetched = chain.fetch(&gateway, &["--out", "fetched.json"]);
    assert_eq!(fetched.status.code(), Some(2));
    assert_eq!(stdout(&fetched), "");
    assert!(!chain.dir().join("fetched.json").exists(), "a refused report was written");
    assert_eq!(ipfs.fetches().len(), 1);
    let message = stderr(&fetched)
        .replace(&ipfs.url(), "http://127.0.0.1:[IPFS]")
        .replace(&chain.url, "http://127.0.0.1:[PORT]");
    insta::assert_snapshot!("fetch_altered_stderr", message);
}

#[test]
fn entries_recorded_with_raw_cids_still_fetch() {
    let chain = Chain::start();
    let ipfs = FakeIpfs::start();
    std::fs::copy(fixture("registry/report-a.json"), chain.dir().join("report-a.json")).unwrap();
    // Nothing on record yet: nothing to fetch, and it says so.
    let fetched = chain.fetch(&ipfs.url(), &[]);
    assert_eq!(fetched.status.code(), Some(2));
    let message = stderr(&fetched);
    assert!(message.contains(&format!("`{COUNTER}` has no entry in registry `{REGISTRY}`")), "{message}");
    // Recorded without publishing, as before: a small report is one raw block.
    let output = chain.record("report-a.json", &["--contract", TOKEN_MAPPING, "--send"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let on_chain = chain.stored_cid(0);
    assert!(on_chain.starts_with("bafkrei"), "{on_chain}");
    // Pinned by someone with `ipfs add`: the gateway serves the reference importer's DAG.
    assert_eq!(ipfs.serve_file(&chain.dir().join("report-a.json")), on_chain);

    let fetched = chain.fetch(&ipfs.url(), &[]);
    assert_eq!(fetched.status.code(), Some(0), "{}", stderr(&fetched));
    assert_eq!(fetched.stdout, std::fs::read(fixture("registry/report-a.json")).unwrap());
}

#[test]
fn a_dry_run_says_what_it_would_upload_and_uploads_nothing() {
    let chain = Chain::start();
    let ipfs = FakeIpfs::start();
    chain.write_large_report();
    let output = chain.record(
        "large-report.json",
        &["--contract", TOKEN_MAPPING, "--publish", "--ipfs-api", &ipfs.url(), "--car", "report.car"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(ipfs.uploads().is_empty());
    assert!(!chain.dir().join("report.car").exists());
    assert_eq!(chain.count(COUNTER), 0);
    let text = stderr(&output)
        .replace(&ipfs.url(), "http://127.0.0.1:[IPFS]")
        .replace(&chain.url, "http://127.0.0.1:[PORT]")
        .replace(chain.dir().to_str().unwrap(), "[DIR]");
    insta::assert_snapshot!("publish_dry_run_stderr", text);

    // Flags that name targets without `--publish` are an error, not ignored.
    let output = chain.record("large-report.json", &["--contract", TOKEN_MAPPING, "--car", "report.car"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("but `--publish` is not given"), "{}", stderr(&output));
}

#[test]
fn a_gateway_that_serves_only_blocks_is_walked_one_block_at_a_time() {
    let chain = Chain::start();
    let ipfs = FakeIpfs::start();
    let report = chain.write_large_report();
    let output = chain.record(
        "large-report.json",
        &["--contract", TOKEN_MAPPING, "--send", "--publish", "--ipfs-api", &ipfs.url()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let on_chain = chain.stored_cid(0);

    ipfs.blocks_only(true);
    let fetched = chain.fetch(&ipfs.url(), &[]);
    assert_eq!(fetched.status.code(), Some(0), "{}", stderr(&fetched));
    assert_eq!(fetched.stdout, std::fs::read(&report).unwrap());
    // The CAR was refused (406), then the root and its three leaves, one request each.
    let fetches = ipfs.fetches();
    assert_eq!(fetches[0], format!("/ipfs/{on_chain}?format=car"));
    assert_eq!(fetches[1], format!("/ipfs/{on_chain}?format=raw"));
    assert_eq!(fetches.len(), 5, "{fetches:?}");
    assert!(
        fetches[2..].iter().all(|fetch| fetch.starts_with("/ipfs/bafkrei") && fetch.ends_with("?format=raw"))
    );

    // A block altered on the way is refused there too.
    ipfs.tamper(true);
    let fetched = chain.fetch(&ipfs.url(), &["--out", "fetched.json"]);
    assert_eq!(fetched.status.code(), Some(2));
    let message = stderr(&fetched);
    assert!(
        message.contains(&format!("refused the report of entry 0 of `{COUNTER}` (`{on_chain}`)")),
        "{message}"
    );
    assert!(message.contains("does not hash to its CID"), "{message}");
    assert!(!chain.dir().join("fetched.json").exists());
}
