//! JSON-RPC 2.0 over HTTP for the node adapters (the fork's state source and the node executor).
//! It owns the transport concerns: batching, bounded concurrency, bounded retries with backoff,
//! the fallback from batches to single calls when a node rejects them, and counting the traffic.
//! It knows nothing about Ethereum.
//!
//! The URL a client talks to usually carries an API key, so the client is given a redacted form
//! for messages and never puts the real one in an error: transport errors are reduced to their
//! innermost cause, which names no URL.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use alloy::primitives::Bytes;
use futures::{StreamExt, stream};
use serde_json::{Value, json};

/// How often and how patiently a call is retried when the node is unavailable (timeouts, refused
/// connections, HTTP 429 and 5xx, JSON-RPC "limit exceeded").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub attempts: u32,
    /// Delay before the second attempt; it doubles after each failure.
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { attempts: 5, first_delay: Duration::from_millis(100), max_delay: Duration::from_secs(2) }
    }
}

/// A `Retry-After` longer than this is not honoured in full: a run should fail rather than hang.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// Calls per batch: providers cap batch sizes (commonly 100 to 1,000).
const MAX_BATCH: usize = 100;
/// Requests in flight at once.
const CONCURRENCY: usize = 4;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One call: a method and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: String,
    pub params: Value,
}

impl Call {
    pub fn new(method: &str, params: Value) -> Self {
        Self { method: method.to_owned(), params }
    }
}

/// What went over the wire so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// HTTP requests, retries included.
    pub requests: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Requests that were retries of an earlier one.
    pub retries: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error("`{url}` is not a valid http(s) URL")]
    InvalidUrl { url: String },
    #[error("failed to start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// The node could not be reached, or kept answering with a retryable failure.
    #[error("`{method}`{} on `{url}` failed after {attempts} attempt(s): {reason}", batch_note(*batch))]
    Unavailable { method: String, batch: usize, url: String, attempts: u32, reason: String },
    /// The HTTP server refused the request for good (a 4xx other than 429).
    #[error("`{method}` on `{url}` was refused: {reason}")]
    Refused { method: String, url: String, reason: String },
    /// The node answered with a JSON-RPC error.
    #[error("`{method}` on `{url}` failed: {message} (code {code})")]
    Node { method: String, url: String, code: i64, message: String, data: Option<Box<Value>> },
    #[error("`{method}` on `{url}` returned a malformed response: {reason}")]
    Malformed { method: String, url: String, reason: String },
}

impl RpcError {
    /// The node does not offer this method (not implemented, disabled or not whitelisted).
    pub fn is_unsupported_method(&self) -> bool {
        match self {
            Self::Node { code, message, .. } => {
                let message = message.to_ascii_lowercase();
                matches!(code, -32601 | -32004)
                    || ["not found", "not supported", "does not exist", "not available", "unsupported"]
                        .iter()
                        .any(|phrase| message.contains(phrase))
                        && message.contains("method")
            }
            Self::Refused { reason, .. } => reason.starts_with("HTTP 403") || reason.starts_with("HTTP 405"),
            _ => false,
        }
    }

    /// Revert data carried by an `execution reverted` error (`error.data`).
    pub fn revert_data(&self) -> Option<Bytes> {
        let Self::Node { data: Some(data), .. } = self else { return None };
        match data.as_ref() {
            Value::String(text) => text.parse().ok(),
            Value::Object(object) => {
                object.get("data").and_then(Value::as_str).and_then(|text| text.parse().ok())
            }
            _ => None,
        }
    }
}

/// A JSON-RPC client for one endpoint. Synchronous to its callers (revm's database interface is
/// synchronous); it drives its own runtime inside.
pub struct RpcClient {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    url: reqwest::Url,
    display_url: String,
    policy: RetryPolicy,
    batching: AtomicBool,
    requests: AtomicU64,
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
    retries: AtomicU64,
}

/// One HTTP exchange that did not produce a usable JSON-RPC response.
enum Failure {
    /// Worth trying again: timeout, refused connection, 429, 5xx.
    Retry { reason: String, after: Option<Duration> },
    /// A definite answer that will not change: the HTTP status and its description.
    Refused(u16, String),
}

impl RpcClient {
    /// A client for `url`; `display_url` is the form messages show (credentials redacted).
    /// Nothing is sent until the first call.
    pub fn new(url: &str, display_url: &str) -> Result<Self, RpcError> {
        let invalid = || RpcError::InvalidUrl { url: display_url.to_owned() };
        let parsed = reqwest::Url::parse(url).map_err(|_| invalid())?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid());
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(RpcError::Runtime)?;
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|_| invalid())?;
        Ok(Self {
            runtime,
            http,
            url: parsed,
            display_url: display_url.to_owned(),
            policy: RetryPolicy::default(),
            batching: AtomicBool::new(true),
            requests: AtomicU64::new(0),
            bytes_sent: AtomicU64::new(0),
            bytes_received: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        })
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The URL as messages show it.
    pub fn display_url(&self) -> &str {
        &self.display_url
    }

    pub fn traffic(&self) -> Traffic {
        Traffic {
            requests: self.requests.load(Ordering::Relaxed),
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            bytes_received: self.bytes_received.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
        }
    }

    /// Whether the node rejected a batch, so that calls now go one per request.
    pub fn batches_rejected(&self) -> bool {
        !self.batching.load(Ordering::Relaxed)
    }

    /// One call.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        self.runtime.block_on(self.single(&Call::new(method, params)))
    }

    /// Many calls, as few HTTP requests as the node allows: batches of up to [`MAX_BATCH`] calls,
    /// a few in flight at once. The outer error is a transport failure; each call has its own
    /// result, in the order given.
    pub fn call_many(&self, calls: &[Call]) -> Result<Vec<Result<Value, RpcError>>, RpcError> {
        self.runtime.block_on(async {
            let chunks: Vec<Vec<Result<Value, RpcError>>> = stream::iter(calls.chunks(MAX_BATCH))
                .map(|chunk| self.exchange(chunk))
                .buffered(CONCURRENCY)
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<_, _>>()?;
            Ok(chunks.into_iter().flatten().collect())
        })
    }

    async fn exchange(&self, calls: &[Call]) -> Result<Vec<Result<Value, RpcError>>, RpcError> {
        if calls.len() > 1 && self.batching.load(Ordering::Relaxed) {
            return self.batch(calls).await;
        }
        Ok(self.singles(calls).await)
    }

    /// Each call in its own request, a few at a time.
    async fn singles(&self, calls: &[Call]) -> Vec<Result<Value, RpcError>> {
        stream::iter(calls).map(|call| self.single(call)).buffered(CONCURRENCY).collect().await
    }

    async fn single(&self, call: &Call) -> Result<Value, RpcError> {
        let body = json!({"jsonrpc": "2.0", "id": 0, "method": call.method, "params": call.params});
        let mut attempt = 1;
        loop {
            let failure = match self.post(&body).await {
                Ok(Value::Object(response)) => match response.get("error") {
                    Some(error) if is_rate_limit(error) => {
                        Failure::Retry { reason: error_message(error), after: None }
                    }
                    Some(error) => return Err(self.node_error(&call.method, error)),
                    None => match response.get("result") {
                        Some(result) => return Ok(result.clone()),
                        None => return Err(self.malformed(&call.method, "no `result` and no `error`")),
                    },
                },
                Ok(_) => return Err(self.malformed(&call.method, "not a JSON-RPC response object")),
                Err(failure) => failure,
            };
            match failure {
                Failure::Refused(_, reason) => {
                    return Err(RpcError::Refused {
                        method: call.method.clone(),
                        url: self.display_url.clone(),
                        reason,
                    });
                }
                Failure::Retry { reason, after } => {
                    if attempt >= self.policy.attempts {
                        return Err(RpcError::Unavailable {
                            method: call.method.clone(),
                            batch: 1,
                            url: self.display_url.clone(),
                            attempts: attempt,
                            reason,
                        });
                    }
                    self.back_off(attempt, after).await;
                    attempt += 1;
                }
            }
        }
    }

    /// One batch request. A node that rejects batches is remembered, and these calls (and all
    /// later ones) go one per request; calls the batch answered with a rate limit, or did not
    /// answer, are retried alone.
    async fn batch(&self, calls: &[Call]) -> Result<Vec<Result<Value, RpcError>>, RpcError> {
        let body: Vec<Value> = calls
            .iter()
            .enumerate()
            .map(|(id, call)| json!({"jsonrpc": "2.0", "id": id, "method": call.method, "params": call.params}))
            .collect();
        let body = Value::Array(body);
        let mut attempt = 1;
        let responses = loop {
            match self.post(&body).await {
                Ok(Value::Array(responses)) => break responses,
                // Credentials refused: no batch is the problem, and single calls would only
                // repeat the refusal (and the warning about batches would mislead).
                Err(Failure::Refused(401 | 403, reason)) => {
                    return Ok(calls
                        .iter()
                        .map(|call| {
                            Err(RpcError::Refused {
                                method: call.method.clone(),
                                url: self.display_url.clone(),
                                reason: reason.clone(),
                            })
                        })
                        .collect());
                }
                // An object (an error about the batch itself) where an array was due, or a 4xx.
                Ok(_) | Err(Failure::Refused(..)) => {
                    self.batching.store(false, Ordering::Relaxed);
                    return Ok(self.singles(calls).await);
                }
                Err(Failure::Retry { reason, after }) => {
                    if attempt >= self.policy.attempts {
                        return Err(RpcError::Unavailable {
                            method: calls[0].method.clone(),
                            batch: calls.len(),
                            url: self.display_url.clone(),
                            attempts: attempt,
                            reason,
                        });
                    }
                    self.back_off(attempt, after).await;
                    attempt += 1;
                }
            }
        };
        // Per call: the result, the error object, or nothing yet (unanswered or rate limited).
        let mut answers: Vec<Option<Result<Value, Value>>> = calls.iter().map(|_| None).collect();
        for response in responses {
            let Some(answer) =
                response.get("id").and_then(Value::as_u64).and_then(|id| answers.get_mut(id as usize))
            else {
                continue;
            };
            *answer = match (response.get("error"), response.get("result")) {
                (Some(error), _) if is_rate_limit(error) => None,
                (Some(error), _) => Some(Err(error.clone())),
                (None, Some(result)) => Some(Ok(result.clone())),
                (None, None) => None,
            };
        }
        let mut results = Vec::with_capacity(calls.len());
        for (call, answer) in calls.iter().zip(answers) {
            results.push(match answer {
                Some(Ok(result)) => Ok(result),
                Some(Err(error)) => Err(self.node_error(&call.method, &error)),
                None => self.single(call).await,
            });
        }
        Ok(results)
    }

    /// Sends one HTTP request and parses the JSON body of a successful answer.
    async fn post(&self, body: &Value) -> Result<Value, Failure> {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.bytes_sent.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let response = self
            .http
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(bytes)
            .send()
            .await
            .map_err(|error| Failure::Retry { reason: describe_transport(error), after: None })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = response
            .bytes()
            .await
            .map_err(|error| Failure::Retry { reason: describe_transport(error), after: None })?;
        self.bytes_received.fetch_add(text.len() as u64, Ordering::Relaxed);
        let reason = || {
            format!(
                "HTTP {}{}",
                status.as_u16(),
                status.canonical_reason().map(|r| format!(" {r}")).unwrap_or_default()
            )
        };
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(Failure::Retry { reason: reason(), after: retry_after });
        }
        if !status.is_success() {
            // Some nodes answer a JSON-RPC error with a 4xx status; the body says more.
            if let Ok(value @ Value::Object(_)) = serde_json::from_slice::<Value>(&text)
                && value.get("error").is_some()
            {
                return Ok(value);
            }
            return Err(Failure::Refused(status.as_u16(), reason()));
        }
        serde_json::from_slice(&text).map_err(|_| Failure::Retry {
            reason: format!("{}: the body is not JSON", reason()),
            after: None,
        })
    }

    async fn back_off(&self, attempt: u32, after: Option<Duration>) {
        self.retries.fetch_add(1, Ordering::Relaxed);
        let doubled = self.policy.first_delay.saturating_mul(1 << (attempt - 1).min(16));
        let delay = doubled.min(self.policy.max_delay).max(after.unwrap_or_default().min(MAX_RETRY_AFTER));
        tokio::time::sleep(delay).await;
    }

    fn node_error(&self, method: &str, error: &Value) -> RpcError {
        RpcError::Node {
            method: method.to_owned(),
            url: self.display_url.clone(),
            code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
            message: error_message(error),
            data: error.get("data").cloned().map(Box::new),
        }
    }

    fn malformed(&self, method: &str, reason: &str) -> RpcError {
        RpcError::Malformed {
            method: method.to_owned(),
            url: self.display_url.clone(),
            reason: reason.to_owned(),
        }
    }
}

fn batch_note(calls: usize) -> String {
    if calls > 1 { format!(" (in a batch of {calls} calls)") } else { String::new() }
}

fn error_message(error: &Value) -> String {
    error.get("message").and_then(Value::as_str).unwrap_or("no message").to_owned()
}

/// JSON-RPC errors that mean "slow down" rather than "no": `-32005` (limit exceeded, Infura and
/// others) and providers that put the HTTP 429 in the code.
fn is_rate_limit(error: &Value) -> bool {
    matches!(error.get("code").and_then(Value::as_i64), Some(-32005 | 429))
}

/// A transport error in words, without the URL: reqwest's own message names the URL (and with
/// it any key in the path), so only the innermost cause is kept.
fn describe_transport(error: reqwest::Error) -> String {
    let timeout = error.is_timeout();
    let connect = error.is_connect();
    let error = error.without_url();
    let mut innermost: &dyn std::error::Error = &error;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    let cause = innermost.to_string();
    if timeout {
        "timed out".into()
    } else if connect {
        format!("could not connect ({cause})")
    } else {
        cause
    }
}

#[cfg(test)]
mod tests {
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Match, Mock, MockBuilder, MockServer, Request, Respond, ResponseTemplate};

    use super::*;

    const SECRET: &str = "Xy7abcDEF1234567890ghij";
    const QUERY_SECRET: &str = "hunter2-query";

    /// A `POST` to the URL with its secrets, exactly: a client that sent the redacted URL, or
    /// lost the query, would find no answer.
    fn post() -> MockBuilder {
        Mock::given(method("POST"))
            .and(path(format!("/v2/{SECRET}")))
            .and(query_param("apikey", QUERY_SECRET))
    }

    /// A node on a runtime of its own (the client drives another), answering every call with
    /// its method name as the result.
    fn node() -> (tokio::runtime::Runtime, MockServer) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime.block_on(MockServer::start());
        (runtime, server)
    }

    fn client(server: &MockServer) -> RpcClient {
        let url = format!("{}/v2/{SECRET}?apikey={QUERY_SECRET}", server.uri());
        let shown = crate::redact::redact_url(&url);
        RpcClient::new(&url, &shown).unwrap().with_policy(RetryPolicy {
            attempts: 3,
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        })
    }

    fn mount(runtime: &tokio::runtime::Runtime, server: &MockServer, mock: Mock) {
        runtime.block_on(mock.mount(server));
    }

    struct Echo;

    impl Respond for Echo {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            let answer = |call: &Value| json!({"jsonrpc": "2.0", "id": call["id"], "result": call["method"]});
            let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            match body {
                Value::Array(calls) => {
                    ResponseTemplate::new(200).set_body_json(calls.iter().map(answer).collect::<Vec<_>>())
                }
                call => ResponseTemplate::new(200).set_body_json(answer(&call)),
            }
        }
    }

    struct IsBatch;

    impl Match for IsBatch {
        fn matches(&self, request: &Request) -> bool {
            request.body.first() == Some(&b'[')
        }
    }

    #[test]
    fn retries_429_and_5xx_then_succeeds() {
        let (runtime, server) = node();
        mount(
            &runtime,
            &server,
            post().respond_with(ResponseTemplate::new(429)).up_to_n_times(1).with_priority(1),
        );
        mount(
            &runtime,
            &server,
            post().respond_with(ResponseTemplate::new(502)).up_to_n_times(1).with_priority(2),
        );
        mount(&runtime, &server, post().respond_with(Echo).with_priority(3));
        let client = client(&server);
        assert_eq!(client.call("eth_chainId", json!([])).unwrap(), json!("eth_chainId"));
        let traffic = client.traffic();
        assert_eq!((traffic.requests, traffic.retries), (3, 2));
    }

    #[test]
    fn gives_up_naming_the_method_and_the_redacted_url() {
        let (runtime, server) = node();
        mount(&runtime, &server, post().respond_with(ResponseTemplate::new(503)));
        let error = client(&server).call("eth_getBalance", json!([])).unwrap_err();
        let message = error.to_string();
        assert_eq!(
            message,
            format!(
                "`eth_getBalance` on `{}/v2/***?apikey=***` failed after 3 attempt(s): HTTP 503 Service Unavailable",
                server.uri()
            )
        );
        assert!(!message.contains(SECRET) && !message.contains(QUERY_SECRET));
    }

    #[test]
    fn unreachable_node_messages_name_no_secret() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}/v2/{SECRET}?apikey=hunter2");
        let client =
            RpcClient::new(&url, &crate::redact::redact_url(&url)).unwrap().with_policy(RetryPolicy {
                attempts: 2,
                first_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(1),
            });
        let message = format!("{:#}", anyhow::Error::new(client.call("eth_chainId", json!([])).unwrap_err()));
        assert!(message.contains("could not connect"), "{message}");
        assert!(!message.contains(SECRET) && !message.contains("hunter2"), "{message}");
    }

    #[test]
    fn falls_back_to_single_calls_when_batches_are_rejected() {
        let (runtime, server) = node();
        let rejection = json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": "batches are not supported"}});
        mount(
            &runtime,
            &server,
            post().and(IsBatch).respond_with(ResponseTemplate::new(200).set_body_json(rejection)),
        );
        mount(&runtime, &server, post().respond_with(Echo));
        let client = client(&server);
        let calls = [Call::new("eth_getBalance", json!([])), Call::new("eth_getCode", json!([]))];
        let results: Vec<Value> = client.call_many(&calls).unwrap().into_iter().map(Result::unwrap).collect();
        assert_eq!(results, [json!("eth_getBalance"), json!("eth_getCode")]);
        assert!(client.batches_rejected());
        let before = client.traffic().requests;
        client.call_many(&calls).unwrap();
        assert_eq!(client.traffic().requests - before, 2, "no batch is tried again");
    }

    #[test]
    fn refused_credentials_are_not_a_batch_problem() {
        let (runtime, server) = node();
        mount(&runtime, &server, post().respond_with(ResponseTemplate::new(401)));
        let client = client(&server);
        let calls = [Call::new("eth_getBalance", json!([])), Call::new("eth_getCode", json!([]))];
        let results = client.call_many(&calls).unwrap();
        assert!(results.iter().all(|result| matches!(result, Err(RpcError::Refused { reason, .. }) if reason == "HTTP 401 Unauthorized")));
        assert!(!client.batches_rejected());
        assert_eq!(client.traffic().requests, 1);
    }

    #[test]
    fn rate_limited_batch_entries_are_retried_alone() {
        let (runtime, server) = node();
        let partial = json!([
            {"jsonrpc": "2.0", "id": 0, "result": "first"},
            {"jsonrpc": "2.0", "id": 1, "error": {"code": 429, "message": "too many requests"}},
        ]);
        mount(
            &runtime,
            &server,
            post().and(IsBatch).respond_with(ResponseTemplate::new(200).set_body_json(partial)),
        );
        mount(&runtime, &server, post().respond_with(Echo));
        let client = client(&server);
        let calls = [Call::new("eth_getBalance", json!([])), Call::new("eth_getCode", json!([]))];
        let results: Vec<Value> = client.call_many(&calls).unwrap().into_iter().map(Result::unwrap).collect();
        assert_eq!(results, [json!("first"), json!("eth_getCode")]);
        assert!(!client.batches_rejected());
    }

    #[test]
    fn node_errors_keep_their_revert_data() {
        let (runtime, server) = node();
        let reverted = json!({"jsonrpc": "2.0", "id": 0, "error": {"code": 3, "message": "execution reverted", "data": "0x08c379a0"}});
        mount(&runtime, &server, post().respond_with(ResponseTemplate::new(200).set_body_json(reverted)));
        let error = client(&server).call("eth_call", json!([])).unwrap_err();
        assert_eq!(error.revert_data(), Some(Bytes::from_static(&[0x08, 0xc3, 0x79, 0xa0])));
        assert!(!error.is_unsupported_method());
        let missing = RpcError::Node {
            method: "debug_traceCall".into(),
            url: String::new(),
            code: -32601,
            message: "the method debug_traceCall does not exist/is not available".into(),
            data: None,
        };
        assert!(missing.is_unsupported_method());
    }
}
