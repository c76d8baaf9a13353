//! A small HTTP proxy in front of a JSON-RPC node, for tests and the benchmark: it counts the
//! requests and bytes that reach it, and can misbehave on purpose: fail every n-th request with
//! 429 or 502, reject batches, hide the development methods (`anvil_*`, `hardhat_*`, `evm_*`)
//! and `debug_*`, and claim another client version. Plain std networking (no client crate), so
//! it shares no code with what it checks. Stopped on drop.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// How the proxy behaves.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// Answer every n-th request (1-based count) with 429, the next such one with 502, and so on.
    pub fail_every: Option<u64>,
    /// Answer batch requests with a JSON-RPC error, as nodes without batch support do.
    pub reject_batches: bool,
    /// Method name prefixes answered with "method not found".
    pub hidden_methods: Vec<String>,
    /// Answer `web3_clientVersion` with this.
    pub client_version: Option<String>,
    /// Wait this long before answering, like a node across the internet.
    pub latency: Duration,
    /// `(method, n)`: answer that method normally n times, then with a JSON-RPC error (a node
    /// that fails in the middle of a job).
    pub fail_method_after: Option<(String, usize)>,
}

impl Behaviour {
    /// A node that is not a development node: no `anvil_`, `hardhat_` or `evm_` methods, and a
    /// geth client version.
    pub fn not_a_dev_node() -> Self {
        Self {
            hidden_methods: vec!["anvil_".into(), "hardhat_".into(), "evm_".into()],
            client_version: Some("Geth/v1.16.7-stable/linux-amd64/go1.24.4".into()),
            ..Self::default()
        }
    }
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    failures: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
}

/// A running proxy; `url()` is where clients connect.
pub struct Proxy {
    pub port: u16,
    behaviour: Arc<Mutex<Behaviour>>,
    counters: Arc<Counters>,
    methods: Arc<Mutex<Vec<String>>>,
    targets: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Starts a proxy forwarding to `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str, behaviour: Behaviour) -> Self {
        let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let counters = Arc::new(Counters::default());
        let methods = Arc::new(Mutex::new(Vec::new()));
        let targets = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let behaviour = Arc::new(Mutex::new(behaviour));
        let shared = (counters.clone(), methods.clone(), stop.clone(), behaviour.clone(), targets.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if shared.2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (counters, methods, stop, behaviour, targets) = (
                    shared.0.clone(),
                    shared.1.clone(),
                    shared.2.clone(),
                    shared.3.clone(),
                    shared.4.clone(),
                );
                let upstream = upstream.clone();
                std::thread::spawn(move || {
                    let seen = Seen { counters: &counters, methods: &methods, targets: &targets };
                    serve(stream, &upstream, &behaviour, &seen, &stop);
                });
            }
        });
        Self { port, behaviour, counters, methods, targets, stop }
    }

    /// Changes how the proxy behaves from the next request on.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        if let Ok(mut current) = self.behaviour.lock() {
            *current = behaviour;
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// HTTP requests received so far, failed ones included.
    pub fn requests(&self) -> u64 {
        self.counters.requests.load(Ordering::SeqCst)
    }

    /// Requests answered with an injected failure.
    pub fn failures(&self) -> u64 {
        self.counters.failures.load(Ordering::SeqCst)
    }

    /// Request and response body bytes.
    pub fn bytes(&self) -> (u64, u64) {
        (self.counters.bytes_in.load(Ordering::SeqCst), self.counters.bytes_out.load(Ordering::SeqCst))
    }

    /// Every JSON-RPC method called so far, in order (batches flattened).
    pub fn methods(&self) -> Vec<String> {
        self.methods.lock().map(|methods| methods.clone()).unwrap_or_default()
    }

    /// The request line's target (`/path?query`, exactly as sent) of every HTTP request so far.
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().map(|targets| targets.clone()).unwrap_or_default()
    }
}

/// What a connection records.
struct Seen<'a> {
    counters: &'a Counters,
    methods: &'a Mutex<Vec<String>>,
    targets: &'a Mutex<Vec<String>>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Serves one keep-alive connection.
fn serve(
    stream: TcpStream,
    upstream: &str,
    behaviour: &Mutex<Behaviour>,
    seen: &Seen<'_>,
    stop: &AtomicBool,
) {
    let Seen { counters, methods, targets } = *seen;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    loop {
        let Some((target, body)) = read_request(&mut reader) else { return };
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if let Ok(mut targets) = targets.lock() {
            targets.push(target);
        }
        let behaviour = behaviour.lock().map(|behaviour| behaviour.clone()).unwrap_or_default();
        let count = counters.requests.fetch_add(1, Ordering::SeqCst) + 1;
        std::thread::sleep(behaviour.latency);
        counters.bytes_in.fetch_add(body.len() as u64, Ordering::SeqCst);
        let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let mut exhausted = false;
        if let Ok(mut seen) = methods.lock() {
            let calls = match &parsed {
                Value::Array(calls) => calls.clone(),
                other => vec![other.clone()],
            };
            seen.extend(calls.iter().filter_map(|call| call["method"].as_str().map(str::to_owned)));
            if let Some((failing, allowed)) = &behaviour.fail_method_after {
                let called = seen.iter().filter(|method| *method == failing).count();
                exhausted = parsed["method"] == failing.as_str() && called > *allowed;
            }
        }
        let (status, answer) = match behaviour.fail_every {
            _ if exhausted => {
                let error = json!({"jsonrpc": "2.0", "id": parsed["id"], "error": {"code": -32000, "message": "the node fails on purpose"}});
                (200, error.to_string().into_bytes())
            }
            Some(every) if count.is_multiple_of(every) => {
                let failures = counters.failures.fetch_add(1, Ordering::SeqCst);
                if failures.is_multiple_of(2) {
                    (429, b"{\"error\":\"rate limited\"}".to_vec())
                } else {
                    (502, b"<html>bad gateway</html>".to_vec())
                }
            }
            _ => answer(&parsed, &body, upstream, &behaviour),
        };
        counters.bytes_out.fetch_add(answer.len() as u64, Ordering::SeqCst);
        let reason = match status {
            200 => "OK",
            429 => "Too Many Requests",
            _ => "Bad Gateway",
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        );
        // One write: a head and a body in two segments meet Nagle's algorithm and delayed ACKs.
        let mut message = head.into_bytes();
        message.extend_from_slice(&answer);
        if writer.write_all(&message).is_err() {
            return;
        }
    }
}

/// The answer to one request: local for what the behaviour intercepts, the node's otherwise.
fn answer(parsed: &Value, body: &[u8], upstream: &str, behaviour: &Behaviour) -> (u16, Vec<u8>) {
    match parsed {
        Value::Array(calls) => {
            if behaviour.reject_batches {
                let error = json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": "batch requests are not supported"}});
                return (200, error.to_string().into_bytes());
            }
            if !calls.iter().any(|call| intercepted(call, behaviour).is_some()) {
                return forward(body, upstream);
            }
            let mut answers = Vec::new();
            for call in calls {
                let answer = match intercepted(call, behaviour) {
                    Some(answer) => answer,
                    None => {
                        let (_, bytes) = forward(call.to_string().as_bytes(), upstream);
                        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
                    }
                };
                answers.push(answer);
            }
            (200, Value::Array(answers).to_string().into_bytes())
        }
        call => match intercepted(call, behaviour) {
            Some(answer) => (200, answer.to_string().into_bytes()),
            None => forward(body, upstream),
        },
    }
}

fn intercepted(call: &Value, behaviour: &Behaviour) -> Option<Value> {
    let method = call["method"].as_str()?;
    let id = call["id"].clone();
    if method == "web3_clientVersion"
        && let Some(version) = &behaviour.client_version
    {
        return Some(json!({"jsonrpc": "2.0", "id": id, "result": version}));
    }
    behaviour.hidden_methods.iter().any(|prefix| method.starts_with(prefix.as_str())).then(|| {
        json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": format!("the method {method} does not exist/is not available")}})
    })
}

/// POSTs `body` to the node and returns its status and body; 502 when the node is down.
fn forward(body: &[u8], upstream: &str) -> (u16, Vec<u8>) {
    let Ok(mut stream) = TcpStream::connect(upstream) else {
        return (502, b"upstream is down".to_vec());
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let _ = stream.set_nodelay(true);
    let mut request = format!(
        "POST / HTTP/1.1\r\nHost: {upstream}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    if stream.write_all(&request).is_err() {
        return (502, b"upstream is down".to_vec());
    }
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    if reader.read_line(&mut status_line).is_err() {
        return (502, b"upstream is down".to_vec());
    }
    let status = status_line.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(502);
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse::<usize>().ok();
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            if reader.read_line(&mut size).unwrap_or(0) == 0 {
                break;
            }
            let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size + 2];
            if reader.read_exact(&mut chunk).is_err() {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = length {
        body.resize(length, 0);
        if reader.read_exact(&mut body).is_err() {
            return (502, b"upstream closed early".to_vec());
        }
    } else {
        let _ = reader.read_to_end(&mut body);
    }
    (status, body)
}

/// Reads one HTTP request from a keep-alive connection and returns its request target (the
/// path and query of `POST /path?query HTTP/1.1`) and its body; `None` at the end.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut length = 0;
    let mut first = true;
    let mut target = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if first {
            first = false;
            if line.is_empty() {
                // Tolerate a stray blank line between requests.
                first = true;
                continue;
            }
            target = line.split(' ').nth(1).unwrap_or_default().to_owned();
            continue;
        }
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((target, body))
}
