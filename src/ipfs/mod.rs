//! IPFS over HTTP: a kubo RPC endpoint to upload a file to (`POST /api/v0/add`), and a gateway
//! to fetch a DAG from in the trustless forms (`GET /ipfs/{cid}?format=car`, or `?format=raw`
//! for one block).
//!
//! This module owns the HTTP side and its failure modes: every request runs under a timeout,
//! every error names the step and the endpoint's *redacted* URL, and transport errors are
//! scrubbed of the URL's secret parts. Credentials go in headers only: the URL's user-info as
//! basic auth, an optional bearer token. It decides nothing and trusts nothing it receives:
//! checking a CID against the local one, and every fetched block against its CID, is the
//! caller's business (`cli::ipfs`, with [`crate::core::car`] and [`crate::core::unixfs`]).

use std::time::Duration;

use crate::core::cid::Cid;
use crate::redact::{UrlSecrets, redact_url};

/// A failed step against an IPFS endpoint.
#[derive(Debug, thiserror::Error)]
pub enum IpfsError {
    #[error(
        "`{url}` is not a valid IPFS endpoint URL\n\nhint: use `http://` or `https://`, e.g. `http://127.0.0.1:5001` for a local kubo"
    )]
    InvalidUrl { url: String },
    #[error(
        "`{url}` did not answer within {seconds} s while {step}\n\nhint: check that it is up, or allow more time with `--timeout`"
    )]
    Timeout { url: String, step: String, seconds: u64 },
    #[error("{step} on `{url}` failed: {message}")]
    Transport { url: String, step: String, message: String },
    #[error("{step} on `{url}` failed: HTTP {status}{detail}")]
    Status { url: String, step: String, status: u16, detail: String },
    #[error("{step} on `{url}`: the answer is not what kubo sends: {reason}")]
    Answer { url: String, step: String, reason: String },
    #[error("{step} on `{url}`: the answer is larger than {limit} bytes")]
    TooLarge { url: String, step: String, limit: u64 },
    #[error("failed to start the async runtime")]
    Runtime(#[source] std::io::Error),
}

/// An HTTP endpoint: a kubo RPC API or a gateway.
#[derive(Clone)]
pub struct Endpoint {
    /// The URL without its user-info, with no trailing `/`.
    base: reqwest::Url,
    /// The URL as messages show it.
    display: String,
    secrets: UrlSecrets,
    /// From the URL's user-info.
    basic: Option<(String, Option<String>)>,
    bearer: Option<String>,
}

/// Only the redacted URL: the credentials must not reach `Debug` output either.
impl std::fmt::Debug for Endpoint {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Endpoint").field("url", &self.display).finish_non_exhaustive()
    }
}

impl Endpoint {
    /// Parses `url` (already expanded from `${NAME}` parts); `bearer` is sent as
    /// `Authorization: Bearer …` unless the URL carries a user and password.
    pub fn parse(url: &str, bearer: Option<String>) -> Result<Self, IpfsError> {
        let display = redact_url(url);
        let mut parsed: reqwest::Url =
            url.parse().map_err(|_| IpfsError::InvalidUrl { url: display.clone() })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
            return Err(IpfsError::InvalidUrl { url: display });
        }
        let secrets = UrlSecrets::of(url, &parsed);
        let basic = (!parsed.username().is_empty())
            .then(|| (decode_user_info(parsed.username()), parsed.password().map(decode_user_info)));
        let _ = parsed.set_username("");
        let _ = parsed.set_password(None);
        let path = parsed.path().trim_end_matches('/').to_owned();
        parsed.set_path(&path);
        Ok(Self { base: parsed, display, secrets, basic, bearer })
    }

    /// The URL as messages show it (credentials hidden).
    pub fn display_url(&self) -> &str {
        &self.display
    }

    /// The base URL followed by `path` (which starts with `/`) and `query`.
    fn url(&self, path: &str, query: &[(&str, &str)]) -> reqwest::Url {
        let mut url = self.base.clone();
        let joined = format!("{}{path}", self.base.path().trim_end_matches('/'));
        url.set_path(&joined);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    fn authorize(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match (&self.basic, &self.bearer) {
            (Some((user, password)), _) => request.basic_auth(user, password.as_deref()),
            (None, Some(token)) => request.bearer_auth(token),
            (None, None) => request,
        }
    }
}

/// User-info comes percent-encoded in a URL; the header wants it as typed.
fn decode_user_info(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes.get(index + 1..index + 3).and_then(|pair| std::str::from_utf8(pair).ok());
        match (bytes[index], hex.and_then(|hex| u8::from_str_radix(hex, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The HTTP client and its runtime.
pub struct IpfsHttp {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    timeout: Duration,
}

/// What `ipfs add` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// The CID as the node printed it.
    pub hash: String,
    /// What the node says it stored (bytes of the DAG), as it printed it.
    pub size: Option<String>,
}

impl IpfsHttp {
    pub fn new(timeout: Duration) -> Result<Self, IpfsError> {
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(IpfsError::Runtime)?;
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("gasguard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| IpfsError::Runtime(std::io::Error::other(error.to_string())))?;
        Ok(Self { runtime, client, timeout })
    }

    /// Uploads `bytes` as a file named `name` with `ipfs add --cid-version 1`, kubo's default
    /// chunks and raw leaves spelled out so a node configured otherwise still makes the same
    /// DAG, and pins it. Returns what the node says it made.
    pub fn add(&self, api: &Endpoint, name: &str, bytes: &[u8]) -> Result<Added, IpfsError> {
        let step = "uploading the report (`/api/v0/add`)";
        let url = api.url(
            "/api/v0/add",
            &[
                ("cid-version", "1"),
                ("raw-leaves", "true"),
                ("chunker", "size-262144"),
                ("hash", "sha2-256"),
                ("pin", "true"),
                ("progress", "false"),
            ],
        );
        let boundary = format!("gasguard-{:016x}", bytes.len() as u64 ^ 0x5eed_ba5e_0f1a_7e00);
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            form_file_name(name)
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = api
            .authorize(self.client.post(url))
            .header(reqwest::header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(body);
        let answer = self.send(api, step, request, 1 << 20)?;
        parse_added(&answer).map_err(|reason| IpfsError::Answer {
            url: api.display.clone(),
            step: step.to_owned(),
            reason,
        })
    }

    /// The DAG under `cid` as a CAR, from a gateway's trustless interface; at most `limit`
    /// bytes. Nothing in it is checked here.
    pub fn fetch_car(&self, gateway: &Endpoint, cid: &Cid, limit: u64) -> Result<Vec<u8>, IpfsError> {
        let step = format!("fetching `{cid}` as a CAR");
        let url = gateway.url(&format!("/ipfs/{cid}"), &[("format", "car")]);
        let request = gateway
            .authorize(self.client.get(url))
            .header(reqwest::header::ACCEPT, "application/vnd.ipld.car; version=1");
        self.send(gateway, &step, request, limit)
    }

    /// One block, from a gateway's trustless interface (`?format=raw`); at most `limit` bytes.
    /// Nothing in it is checked here.
    pub fn fetch_block(&self, gateway: &Endpoint, cid: &Cid, limit: u64) -> Result<Vec<u8>, IpfsError> {
        let step = format!("fetching block `{cid}`");
        let url = gateway.url(&format!("/ipfs/{cid}"), &[("format", "raw")]);
        let request = gateway
            .authorize(self.client.get(url))
            .header(reqwest::header::ACCEPT, "application/vnd.ipld.raw");
        self.send(gateway, &step, request, limit)
    }

    /// Sends `request` and reads a successful answer's body, of at most `limit` bytes.
    fn send(
        &self,
        endpoint: &Endpoint,
        step: &str,
        request: reqwest::RequestBuilder,
        limit: u64,
    ) -> Result<Vec<u8>, IpfsError> {
        self.runtime.block_on(async {
            let failed = |error: reqwest::Error| self.transport_error(endpoint, step, &error);
            let mut response = request.send().await.map_err(failed)?;
            let status = response.status();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(failed)? {
                if body.len() as u64 + chunk.len() as u64 > limit {
                    return Err(IpfsError::TooLarge {
                        url: endpoint.display.clone(),
                        step: step.to_owned(),
                        limit,
                    });
                }
                body.extend_from_slice(&chunk);
            }
            if !status.is_success() {
                let text = endpoint.secrets.scrub(&error_detail(&body), &endpoint.display);
                let detail = if text.is_empty() { String::new() } else { format!(": {text}") };
                return Err(IpfsError::Status {
                    url: endpoint.display.clone(),
                    step: step.to_owned(),
                    status: status.as_u16(),
                    detail,
                });
            }
            Ok(body)
        })
    }

    fn transport_error(&self, endpoint: &Endpoint, step: &str, error: &reqwest::Error) -> IpfsError {
        if error.is_timeout() {
            return IpfsError::Timeout {
                url: endpoint.display.clone(),
                step: step.to_owned(),
                seconds: self.timeout.as_secs(),
            };
        }
        let mut parts = vec![error.to_string()];
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !parts.iter().any(|part| part.contains(&text)) {
                parts.push(text);
            }
            source = cause.source();
        }
        IpfsError::Transport {
            url: endpoint.display.clone(),
            step: step.to_owned(),
            message: endpoint.secrets.scrub(&parts.join(": "), &endpoint.display),
        }
    }
}

/// A file name safe inside the quoted `filename` of a form part.
fn form_file_name(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c == '"' || c == '\\' || c.is_control() { '_' } else { c }).collect();
    if cleaned.is_empty() { "report.json".to_owned() } else { cleaned }
}

/// kubo's error bodies are `{"Message": …, "Code": …, "Type": "error"}`; anything else is quoted
/// in part.
fn error_detail(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body)
        && let Some(message) = value.get("Message").and_then(|message| message.as_str())
    {
        return message.to_owned();
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// `/api/v0/add` answers one JSON object per line (progress lines first when asked for); the
/// file's is the last with a `Hash`.
fn parse_added(body: &[u8]) -> Result<Added, String> {
    let text = std::str::from_utf8(body).map_err(|_| "it is not UTF-8".to_owned())?;
    let mut added = None;
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|error| format!("a line is not JSON: {error}"))?;
        if let Some(hash) = value.get("Hash").and_then(|hash| hash.as_str()) {
            let size = value.get("Size").map(|size| match size {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            });
            added = Some(Added { hash: hash.to_owned(), size });
        }
    }
    added.ok_or_else(|| "it names no `Hash`".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_join_paths_and_keep_credentials_out_of_the_url() {
        let api = Endpoint::parse("https://user:pa%40ss@ipfs.example:5001/prefix/", None).unwrap();
        assert_eq!(api.display_url(), "https://***@ipfs.example:5001/prefix/");
        assert_eq!(
            api.url("/api/v0/add", &[("cid-version", "1")]).as_str(),
            "https://ipfs.example:5001/prefix/api/v0/add?cid-version=1"
        );
        assert_eq!(api.basic, Some(("user".to_owned(), Some("pa@ss".to_owned()))));
        let gateway = Endpoint::parse("http://127.0.0.1:8080", None).unwrap();
        assert_eq!(
            gateway.url("/ipfs/bafk", &[("format", "car")]).as_str(),
            "http://127.0.0.1:8080/ipfs/bafk?format=car"
        );
        for bad in ["127.0.0.1:5001", "ftp://x.example", "not a url"] {
            assert!(matches!(Endpoint::parse(bad, None), Err(IpfsError::InvalidUrl { .. })), "{bad}");
        }
    }

    #[test]
    fn debug_output_shows_no_credentials() {
        let api = Endpoint::parse("https://user:hunter2@ipfs.example", Some("tok-s3cr3t".into())).unwrap();
        let debug = format!("{api:?}");
        assert_eq!(debug, "Endpoint { url: \"https://***@ipfs.example\", .. }");
    }

    #[test]
    fn the_added_file_is_the_last_line_with_a_hash() {
        let body = b"{\"Name\":\"r.json\",\"Bytes\":262144}\n{\"Name\":\"r.json\",\"Hash\":\"bafybeif\",\"Size\":\"600123\"}\n";
        assert_eq!(
            parse_added(body),
            Ok(Added { hash: "bafybeif".to_owned(), size: Some("600123".to_owned()) })
        );
        assert_eq!(parse_added(b""), Err("it names no `Hash`".to_owned()));
        assert!(parse_added(b"<html>").unwrap_err().starts_with("a line is not JSON"));
    }

    #[test]
    fn kubo_errors_are_quoted_by_their_message() {
        assert_eq!(
            error_detail(br#"{"Message":"invalid chunker","Code":0,"Type":"error"}"#),
            "invalid chunker"
        );
        assert_eq!(error_detail(b"  Bad Gateway \n"), "Bad Gateway");
        assert_eq!(form_file_name("a\"b\nc.json"), "a_b_c.json");
    }
}
