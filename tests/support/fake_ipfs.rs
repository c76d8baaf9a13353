//! A fake kubo on loopback: its RPC `POST /api/v0/add` and a trustless gateway
//! `GET /ipfs/{cid}?format=car` (or `?format=raw` for one block), over plain HTTP/1.1 from a
//! thread (no client or server crate shared with gasguard).
//!
//! What it serves does not come from gasguard: an uploaded file is imported by the reference
//! JavaScript importer (`scripts/unixfs-reference.mjs car`), whose CID the fake answers and whose
//! CAR (and its blocks, split by `@ipld/car`) it then serves. Faults are switches: answer another
//! CID than the importer's, alter one byte of every CAR or block it serves (inside the last
//! block, so the framing still reads), or answer `406` to CAR requests like a blocks-only
//! gateway.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::root;

/// One `add` the fake received.
#[derive(Debug, Clone)]
pub struct Upload {
    pub query: String,
    pub authorization: Option<String>,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Default)]
struct State {
    cars: BTreeMap<String, Vec<u8>>,
    uploads: Vec<Upload>,
    fetches: Vec<String>,
    /// Answer `add` with this CID instead of the importer's.
    wrong_cid: Option<String>,
    /// Flip a byte of every CAR and block served.
    tamper: bool,
    /// Refuse `?format=car` with `406`.
    blocks_only: bool,
}

pub struct FakeIpfs {
    pub port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    scratch: tempfile::TempDir,
}

impl FakeIpfs {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("no loopback port");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let scratch = tempfile::tempdir().unwrap();
        let thread = {
            let (state, stop, scratch) = (state.clone(), stop.clone(), scratch.path().to_owned());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        serve(stream, &state, &scratch);
                    }
                }
            })
        };
        Self { port, state, stop, thread: Some(thread), scratch }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Makes the gateway serve `file`'s DAG, as the reference importer builds it; returns its CID.
    pub fn serve_file(&self, file: &Path) -> String {
        let (cid, car) = reference_car(file, self.scratch.path());
        split_blocks(&car, self.scratch.path());
        self.state.lock().unwrap().cars.insert(cid.clone(), car);
        cid
    }

    pub fn blocks_only(&self, on: bool) {
        self.state.lock().unwrap().blocks_only = on;
    }

    pub fn answer_wrong_cid(&self, cid: &str) {
        self.state.lock().unwrap().wrong_cid = Some(cid.to_owned());
    }

    pub fn tamper(&self, on: bool) {
        self.state.lock().unwrap().tamper = on;
    }

    pub fn uploads(&self) -> Vec<Upload> {
        self.state.lock().unwrap().uploads.clone()
    }

    pub fn fetches(&self) -> Vec<String> {
        self.state.lock().unwrap().fetches.clone()
    }
}

impl Drop for FakeIpfs {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs the reference importer on `file`: its CID and its CAR.
pub fn reference_car(file: &Path, scratch: &Path) -> (String, Vec<u8>) {
    let out = scratch.join(format!("{}.car", std::process::id() as u64 ^ rand_suffix()));
    let output = Command::new("node")
        .arg(root().join("scripts/unixfs-reference.mjs"))
        .arg("car")
        .arg(file)
        .arg(&out)
        .output()
        .expect("failed to run node");
    assert!(
        output.status.success(),
        "the reference importer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cid = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let car = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    (cid, car)
}

/// Writes every block of `car` as `scratch/blocks/<CID>`, split by the reference reader.
fn split_blocks(car: &[u8], scratch: &Path) {
    let path = scratch.join(format!("split-{}.car", rand_suffix()));
    std::fs::write(&path, car).unwrap();
    let output = Command::new("node")
        .arg(root().join("scripts/unixfs-reference.mjs"))
        .arg("blocks")
        .arg(&path)
        .arg(scratch.join("blocks"))
        .output()
        .expect("failed to run node");
    assert!(
        output.status.success(),
        "the reference reader failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

fn serve(stream: TcpStream, state: &Mutex<State>, scratch: &Path) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() || request_line.is_empty() {
        return;
    }
    let mut headers = BTreeMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers.get("content-length").and_then(|value| value.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (status, content_type, answer) = match (method, path) {
        ("POST", "/api/v0/add") => add(&headers, query, &body, state, scratch),
        ("GET", path) if path.starts_with("/ipfs/") => {
            let mut state = state.lock().unwrap();
            state.fetches.push(target.to_owned());
            let cid = &path["/ipfs/".len()..];
            let block = scratch.join("blocks").join(cid);
            let format = |name: &str| query.split('&').any(|pair| pair == format!("format={name}"));
            match state.cars.get(cid) {
                _ if format("raw") && block.is_file() => {
                    let mut bytes = std::fs::read(&block).unwrap();
                    if state.tamper && !bytes.is_empty() {
                        let last = bytes.len() - 1;
                        bytes[last] ^= 0x20;
                    }
                    (200, "application/vnd.ipld.raw", bytes)
                }
                Some(_) if format("car") && state.blocks_only => {
                    (406, "text/plain", b"not acceptable: this gateway serves raw blocks".to_vec())
                }
                Some(car) if format("car") => {
                    let mut car = car.clone();
                    if state.tamper {
                        let last = car.len() - 1;
                        car[last] ^= 0x20;
                    }
                    (200, "application/vnd.ipld.car; version=1", car)
                }
                Some(_) => (406, "text/plain", b"only the trustless forms are served".to_vec()),
                None => (404, "text/plain", format!("ipfs resolve -r {path}: not found").into_bytes()),
            }
        }
        _ => (404, "text/plain", b"404 page not found".to_vec()),
    };
    let mut stream = reader.into_inner();
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        answer.len()
    );
    let _ = stream.write_all(&answer);
}

fn add(
    headers: &BTreeMap<String, String>,
    query: &str,
    body: &[u8],
    state: &Mutex<State>,
    scratch: &Path,
) -> (u16, &'static str, Vec<u8>) {
    let kubo_error = |message: &str| {
        (
            500,
            "application/json",
            serde_json::json!({"Message": message, "Code": 0, "Type": "error"}).to_string().into_bytes(),
        )
    };
    let Some(boundary) =
        headers.get("content-type").and_then(|value| value.strip_prefix("multipart/form-data; boundary="))
    else {
        return kubo_error("request Content-Type isn't multipart/form-data");
    };
    let Some((file_name, bytes)) = multipart_file(body, boundary) else {
        return kubo_error("file argument 'path' is required");
    };
    let file = scratch.join(format!("upload-{}", rand_suffix()));
    std::fs::write(&file, &bytes).unwrap();
    let (cid, car) = reference_car(&file, scratch);
    let mut state = state.lock().unwrap();
    state.uploads.push(Upload {
        query: query.to_owned(),
        authorization: headers.get("authorization").cloned(),
        file_name: file_name.clone(),
        bytes: bytes.clone(),
    });
    let answered = state.wrong_cid.clone().unwrap_or_else(|| cid.clone());
    split_blocks(&car, scratch);
    state.cars.insert(cid, car);
    let line =
        serde_json::json!({"Name": file_name, "Hash": answered, "Size": (bytes.len() + 64).to_string()});
    (200, "application/x-ndjson", format!("{line}\n").into_bytes())
}

/// The name and bytes of the one part of a `multipart/form-data` body.
fn multipart_file(body: &[u8], boundary: &str) -> Option<(String, Vec<u8>)> {
    let opening = format!("--{boundary}\r\n");
    let closing = format!("\r\n--{boundary}--\r\n");
    let inner = body.strip_prefix(opening.as_bytes())?.strip_suffix(closing.as_bytes())?;
    let split = inner.windows(4).position(|window| window == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&inner[..split]).into_owned();
    let name = head.split("filename=\"").nth(1)?.split('"').next()?.to_owned();
    Some((name, inner[split + 4..].to_vec()))
}
