//! The one place that talks HTTP to the GitHub REST API.
//!
//! Built on octocrab's raw request methods (`_get`, `_post`, `_patch`, `_delete`), which return
//! the whole HTTP response: the typed helpers turn a failure into an error that hides the
//! `retry-after` and rate-limit headers we need, and octocrab's `update_comment` sends `POST`
//! where the documented verb is `PATCH`. Octocrab's own retry layer is switched off
//! (`RetryConfig::None`): it would silently re-send a `POST` that may already have created a
//! comment. Retries happen here instead, with one budget per client:
//!
//! - `429`, and `403` that is a rate limit (`x-ratelimit-remaining: 0`, a `retry-after` header or a
//!   "rate limit" message): wait `retry-after` seconds, else until `x-ratelimit-reset`, else at
//!   least a minute, as GitHub's documentation asks;
//! - `5xx` and transport failures (connection refused, timeout): exponential backoff;
//! - anything else is final.
//!
//! The total time spent waiting across all calls through one client is capped by
//! [`RetryPolicy::max_total_wait`]; a wait that would exceed it fails at once instead of sleeping.
//! Non-idempotent requests (creating a comment) are never retried here: the caller decides, after
//! looking at what the server now holds (see [`crate::github::comment`]).
//!
//! Time comes from a [`Clock`], so tests neither sleep nor depend on the wall clock. Errors never
//! carry the token: it is not part of any URL or message, and transport messages are scrubbed.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use octocrab::Octocrab;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::github::context::{PrNumber, RepoSlug, Token};

/// Comments are listed this many per page (GitHub's maximum).
pub const PAGE_SIZE: u32 = 100;
/// Pagination stops with an error after this many pages (100,000 comments).
const MAX_PAGES: u32 = 1000;

/// The source of time for retries: the real clock in the binary, a recording one in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// The wall clock and tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// How hard to try before giving up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first one included.
    pub max_attempts: u32,
    /// The most time spent waiting between attempts, summed over every request of one client.
    pub max_total_wait: Duration,
    /// The first backoff after a `5xx` or a transport failure; it doubles on each attempt.
    pub initial_backoff: Duration,
    /// The longest single backoff.
    pub max_backoff: Duration,
    /// The wait after a secondary rate limit that names no time (GitHub asks for a minute).
    pub secondary_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            max_total_wait: Duration::from_secs(60),
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(16),
            secondary_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

/// Settings of a [`GithubClient`].
#[derive(Clone)]
pub struct ClientOptions {
    pub retry: RetryPolicy,
    pub clock: Arc<dyn Clock>,
    pub connect_timeout: Duration,
    /// How long one read may stall before the request counts as failed (timed out).
    pub read_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("retry", &self.retry)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .finish_non_exhaustive()
    }
}

/// A failed GitHub API call. Never carries the token.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error(transparent)]
    Api(Box<ApiFailure>),
    #[error("could not reach the GitHub API for `{request}`: {message}")]
    Transport { request: String, message: String },
    #[error("gave up on `{request}` after {attempts} attempts")]
    RetriesExhausted {
        request: String,
        attempts: u32,
        #[source]
        last: Box<GithubError>,
    },
    #[error(
        "gave up on `{request}`: it asks for a wait of {}s, more than the {}s left of the retry budget",
        needed.as_secs(),
        remaining.as_secs()
    )]
    RetryBudgetExhausted {
        request: String,
        needed: Duration,
        remaining: Duration,
        #[source]
        last: Box<GithubError>,
    },
    #[error("unexpected response to `{request}`: {message}")]
    InvalidResponse { request: String, message: String },
    #[error("refusing to follow the pagination link `{link}` of `{request}`: it leaves `{api_url}`")]
    ForeignLink { request: String, link: String, api_url: String },
    #[error("`{request}` has more than {pages} pages")]
    TooManyPages { request: String, pages: u32 },
    #[error("invalid GitHub API URL `{url}`: {reason}")]
    InvalidApiUrl { url: String, reason: String },
    #[error("failed to set up the GitHub HTTP client: {message}")]
    Setup { message: String },
    #[error("no repository to comment on\n\nhint: set `GITHUB_REPOSITORY` or pass `--repo owner/name`")]
    MissingRepository,
}

impl GithubError {
    /// The HTTP status of the final failure, if the server answered.
    pub fn status(&self) -> Option<u16> {
        self.api_failure().map(|failure| failure.status)
    }

    /// The API failure at the root of this error, looking through retry wrappers.
    pub fn api_failure(&self) -> Option<&ApiFailure> {
        match self {
            Self::Api(failure) => Some(failure),
            Self::RetriesExhausted { last, .. } | Self::RetryBudgetExhausted { last, .. } => {
                last.api_failure()
            }
            _ => None,
        }
    }

    /// `403 Resource not accessible by integration`: the token may not do this (a fork's
    /// read-only `GITHUB_TOKEN`, or missing `permissions:`).
    pub fn is_not_accessible(&self) -> bool {
        self.api_failure().is_some_and(|failure| {
            failure.status == 403 && failure.message.contains("Resource not accessible by integration")
        })
    }

    /// `422 Validation Failed`: the request was understood and refused (a body that is too long).
    pub fn is_validation_failed(&self) -> bool {
        self.status() == Some(422)
    }

    fn request(&self) -> String {
        match self {
            Self::Api(failure) => failure.request.clone(),
            Self::Transport { request, .. }
            | Self::RetriesExhausted { request, .. }
            | Self::RetryBudgetExhausted { request, .. }
            | Self::InvalidResponse { request, .. }
            | Self::ForeignLink { request, .. }
            | Self::TooManyPages { request, .. } => request.clone(),
            Self::InvalidApiUrl { .. } | Self::Setup { .. } | Self::MissingRepository => String::new(),
        }
    }
}

/// A non-2xx answer from the API, with GitHub's error body and rate-limit headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    /// `METHOD /path`, such as `POST /repos/acme/vault/issues/7/comments`.
    pub request: String,
    pub status: u16,
    /// GitHub's `message`.
    pub message: String,
    /// The `message` (or `code`) of each entry of GitHub's `errors`.
    pub details: Vec<String>,
    pub documentation_url: Option<String>,
    pub rate_limit: RateLimitInfo,
}

impl ApiFailure {
    /// A rate limit (primary or secondary), as opposed to a permission problem.
    pub fn is_rate_limited(&self) -> bool {
        self.status == 429
            || (self.status == 403
                && (self.rate_limit.remaining == Some(0)
                    || self.rate_limit.retry_after.is_some()
                    || self.message.to_ascii_lowercase().contains("rate limit")))
    }

    fn from_body(request: String, status: u16, body: &str, rate_limit: RateLimitInfo) -> Self {
        #[derive(Deserialize)]
        struct ErrorBody {
            message: Option<String>,
            #[serde(default)]
            errors: Vec<Value>,
            documentation_url: Option<String>,
        }
        let parsed = serde_json::from_str::<ErrorBody>(body).ok();
        let message = parsed.as_ref().and_then(|parsed| parsed.message.clone()).unwrap_or_else(|| {
            let text = body.trim();
            // GitHub's front end answers 502/503/504 with an HTML page; its status line says more.
            if text.is_empty() || text.starts_with('<') {
                reqwest::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|status| status.canonical_reason())
                    .unwrap_or("(no error message)")
                    .to_owned()
            } else {
                shorten(text, 300)
            }
        });
        let details = parsed
            .as_ref()
            .map(|parsed| {
                parsed
                    .errors
                    .iter()
                    .filter_map(|error| match error {
                        Value::String(text) => Some(text.clone()),
                        Value::Object(fields) => fields
                            .get("message")
                            .or_else(|| fields.get("code"))
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        _ => None,
                    })
                    .map(|text| shorten(&text, 300))
                    .collect()
            })
            .unwrap_or_default();
        let documentation_url = parsed.and_then(|parsed| parsed.documentation_url);
        Self { request, status, message: shorten(&message, 300), details, documentation_url, rate_limit }
    }
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` failed with HTTP {}: {}", self.request, self.status, self.message)?;
        if !self.details.is_empty() {
            write!(f, " ({})", self.details.join("; "))?;
        }
        match self.status {
            401 => f.write_str(
                "\n\nhint: GitHub rejected the token; check the action's `github-token` input (or the \
                 variable named by `--github-token-env`)",
            ),
            404 => f.write_str(
                "\n\nhint: the repository or pull request does not exist, or the token cannot see it \
                 (a private repository needs `permissions: contents: read`)",
            ),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for ApiFailure {}

/// The rate-limit headers of a response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimitInfo {
    /// `retry-after`, in seconds.
    pub retry_after: Option<u64>,
    /// `x-ratelimit-remaining`.
    pub remaining: Option<u64>,
    /// `x-ratelimit-reset`, in UTC epoch seconds.
    pub reset: Option<u64>,
    /// `x-ratelimit-resource`, such as `core`.
    pub resource: Option<String>,
}

impl RateLimitInfo {
    fn from_headers(header: impl Fn(&str) -> Option<String>) -> Self {
        let number = |name: &str| header(name).and_then(|value| value.trim().parse::<u64>().ok());
        Self {
            retry_after: number("retry-after"),
            remaining: number("x-ratelimit-remaining"),
            reset: number("x-ratelimit-reset"),
            resource: header("x-ratelimit-resource").map(|value| shorten(&value, 40)),
        }
    }
}

/// An issue comment, as listed or returned by the API (only the fields gasguard reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IssueComment {
    pub id: u64,
    pub html_url: String,
    #[serde(default)]
    pub body: Option<String>,
    /// `null` for comments of deleted accounts.
    #[serde(default)]
    pub user: Option<CommentAuthor>,
    /// ISO 8601 in UTC, such as `2023-07-13T10:20:10Z`.
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CommentAuthor {
    pub login: String,
}

/// A pull request, as returned by `GET /repos/{owner}/{repo}/pulls/{number}` (fields gasguard reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullRequestInfo {
    pub number: u64,
    pub state: String,
    pub head: PullRequestRef,
    pub base: PullRequestRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullRequestRef {
    pub sha: String,
    /// `null` when the repository was deleted.
    #[serde(default)]
    pub repo: Option<PullRequestRepo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullRequestRepo {
    pub full_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        })
    }
}

/// A successful (2xx) response.
struct Response {
    link: Option<String>,
    body: String,
}

/// A GitHub REST client with retries, rate-limit handling and a bounded total wait.
pub struct GithubClient {
    crab: Octocrab,
    api_url: reqwest::Url,
    token: Token,
    options: ClientOptions,
    waited: Mutex<Duration>,
}

impl fmt::Debug for GithubClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GithubClient")
            .field("api_url", &self.api_url.as_str())
            .field("token", &self.token)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl GithubClient {
    /// A client for the API at `api_url` (such as [`GithubContext::api_url`]) that authenticates
    /// with `token`. Must be called inside a tokio runtime: octocrab spawns its connection
    /// buffer there (outside one this returns [`GithubError::Setup`] instead of panicking).
    ///
    /// [`GithubContext::api_url`]: crate::github::GithubContext::api_url
    pub fn new(api_url: &str, token: &Token, options: ClientOptions) -> Result<Self, GithubError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(GithubError::Setup { message: "not called inside a tokio runtime".to_owned() });
        }
        let invalid = |reason: String| GithubError::InvalidApiUrl { url: api_url.to_owned(), reason };
        let parsed = reqwest::Url::parse(api_url).map_err(|error| invalid(error.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(invalid("expected an `http` or `https` URL with a host".to_owned()));
        }
        let crab = Octocrab::builder()
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .set_connect_timeout(Some(options.connect_timeout))
            .set_read_timeout(Some(options.read_timeout))
            .personal_token(token.expose().to_owned())
            .base_uri(api_url.trim_end_matches('/'))
            .map_err(|error| invalid(error_chain(&error)))?
            .build()
            .map_err(|error| GithubError::Setup { message: error_chain(&error) })?;
        Ok(Self { crab, api_url: parsed, token: token.clone(), options, waited: Mutex::new(Duration::ZERO) })
    }

    /// Every comment on the pull request, following the `Link` header through all pages.
    pub async fn list_issue_comments(
        &self,
        repo: &RepoSlug,
        pr: PrNumber,
    ) -> Result<Vec<IssueComment>, GithubError> {
        let first =
            format!("/repos/{}/{}/issues/{pr}/comments?per_page={PAGE_SIZE}", repo.owner(), repo.name());
        let mut path = first.clone();
        let mut seen = BTreeSet::from([first]);
        let mut comments = Vec::new();
        for _ in 0..MAX_PAGES {
            let response = self.send(Method::Get, &path, None).await?;
            let page: Vec<IssueComment> = parse_json(&request_line(Method::Get, &path), &response.body)?;
            comments.extend(page);
            let Some(next) = response.link.as_deref().and_then(next_link) else {
                return Ok(comments);
            };
            let next = self.same_origin_path(&request_line(Method::Get, &path), &next)?;
            if !seen.insert(next.clone()) {
                return Err(GithubError::InvalidResponse {
                    request: request_line(Method::Get, &path),
                    message: format!("the `Link` header points back to the already listed page `{next}`"),
                });
            }
            path = next;
        }
        Err(GithubError::TooManyPages {
            request: request_line(Method::Get, &format!("/repos/{repo}/issues/{pr}/comments")),
            pages: MAX_PAGES,
        })
    }

    /// Creates a comment with a single attempt: a failure may or may not have created it, so the
    /// caller must look before trying again (see [`Self::wait_before_retry`]).
    pub async fn create_comment_once(
        &self,
        repo: &RepoSlug,
        pr: PrNumber,
        body: &str,
    ) -> Result<IssueComment, GithubError> {
        let path = format!("/repos/{}/{}/issues/{pr}/comments", repo.owner(), repo.name());
        let response = self.attempt(Method::Post, &path, Some(&serde_json::json!({ "body": body }))).await?;
        parse_json(&request_line(Method::Post, &path), &response.body)
    }

    /// Replaces a comment's body (idempotent, so retried).
    pub async fn update_comment(
        &self,
        repo: &RepoSlug,
        comment_id: u64,
        body: &str,
    ) -> Result<IssueComment, GithubError> {
        let path = format!("/repos/{}/{}/issues/comments/{comment_id}", repo.owner(), repo.name());
        let response = self.send(Method::Patch, &path, Some(&serde_json::json!({ "body": body }))).await?;
        parse_json(&request_line(Method::Patch, &path), &response.body)
    }

    /// Deletes a comment. A comment that is already gone (`404`) counts as deleted.
    pub async fn delete_comment(&self, repo: &RepoSlug, comment_id: u64) -> Result<(), GithubError> {
        let path = format!("/repos/{}/{}/issues/comments/{comment_id}", repo.owner(), repo.name());
        match self.send(Method::Delete, &path, None).await {
            Ok(_) => Ok(()),
            Err(error) if error.status() == Some(404) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// `GET /repos/{owner}/{repo}/pulls/{number}`.
    pub async fn get_pull_request(
        &self,
        repo: &RepoSlug,
        pr: PrNumber,
    ) -> Result<PullRequestInfo, GithubError> {
        let path = format!("/repos/{}/{}/pulls/{pr}", repo.owner(), repo.name());
        let response = self.send(Method::Get, &path, None).await?;
        parse_json(&request_line(Method::Get, &path), &response.body)
    }

    /// Waits before another attempt after `error` on attempt number `attempt` (1-based), or
    /// returns the error to give up with: not retryable, out of attempts, or a wait larger than
    /// what is left of the budget (then nothing is slept).
    pub async fn wait_before_retry(&self, error: GithubError, attempt: u32) -> Result<(), GithubError> {
        let Some(wait) = self.retry_delay(&error, attempt) else {
            return Err(error);
        };
        if attempt >= self.options.retry.max_attempts {
            return Err(GithubError::RetriesExhausted {
                request: error.request(),
                attempts: attempt,
                last: Box::new(error),
            });
        }
        {
            let mut waited = self.waited.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let remaining = self.options.retry.max_total_wait.saturating_sub(*waited);
            if wait > remaining {
                return Err(GithubError::RetryBudgetExhausted {
                    request: error.request(),
                    needed: wait,
                    remaining,
                    last: Box::new(error),
                });
            }
            *waited += wait;
        }
        self.options.clock.sleep(wait).await;
        Ok(())
    }

    /// The total time this client has spent waiting between attempts.
    pub fn total_waited(&self) -> Duration {
        *self.waited.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How long to wait before retrying after `error`, or `None` if it is final.
    fn retry_delay(&self, error: &GithubError, attempt: u32) -> Option<Duration> {
        let policy = &self.options.retry;
        let exponent = attempt.saturating_sub(1).min(20);
        let backoff = policy.initial_backoff.saturating_mul(1 << exponent).min(policy.max_backoff);
        match error {
            GithubError::Api(failure) if failure.is_rate_limited() => {
                if let Some(seconds) = failure.rate_limit.retry_after {
                    return Some(Duration::from_secs(seconds));
                }
                if failure.rate_limit.remaining == Some(0)
                    && let Some(reset) = failure.rate_limit.reset
                {
                    let now =
                        self.options.clock.now().duration_since(UNIX_EPOCH).map_or(0, |now| now.as_secs());
                    // One second past the reset, so a clock slightly behind GitHub's does not retry early.
                    return Some(Duration::from_secs(reset.saturating_sub(now).saturating_add(1)));
                }
                Some(policy.secondary_rate_limit_wait.max(backoff))
            }
            GithubError::Api(failure) if failure.status >= 500 => {
                Some(failure.rate_limit.retry_after.map_or(backoff, Duration::from_secs))
            }
            GithubError::Transport { .. } => Some(backoff),
            _ => None,
        }
    }

    /// One request with retries: for `GET`, `PATCH` and `DELETE`, which are safe to repeat.
    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Response, GithubError> {
        debug_assert!(method != Method::Post, "POST is not idempotent; use `attempt`");
        let mut attempt = 1;
        loop {
            match self.attempt(method, path, body).await {
                Ok(response) => return Ok(response),
                Err(error) => self.wait_before_retry(error, attempt).await?,
            }
            attempt += 1;
        }
    }

    /// One request, one attempt.
    async fn attempt(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, GithubError> {
        let request = request_line(method, path);
        let transport = |error: octocrab::Error| GithubError::Transport {
            request: request.clone(),
            message: self.scrub(&error_chain(&error)),
        };
        let response = match method {
            Method::Get => self.crab._get(path).await,
            Method::Post => self.crab._post(path, body).await,
            Method::Patch => self.crab._patch(path, body).await,
            Method::Delete => self.crab._delete(path, None::<&()>).await,
        }
        .map_err(transport)?;
        let status = response.status().as_u16();
        let headers = response.headers();
        let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
        let rate_limit = RateLimitInfo::from_headers(header);
        let link = header("link");
        let body = self.crab.body_to_string(response).await.map_err(transport)?;
        if (200..300).contains(&status) {
            Ok(Response { link, body })
        } else {
            let mut failure = ApiFailure::from_body(request.clone(), status, &body, rate_limit);
            failure.message = self.scrub(&failure.message);
            Err(GithubError::Api(Box::new(failure)))
        }
    }

    /// The path and query of a pagination link, if it points at the same API origin.
    fn same_origin_path(&self, request: &str, link: &str) -> Result<String, GithubError> {
        let foreign = || GithubError::ForeignLink {
            request: request.to_owned(),
            link: shorten(link, 200),
            api_url: self.api_url.as_str().trim_end_matches('/').to_owned(),
        };
        let url = reqwest::Url::parse(link).map_err(|_| foreign())?;
        let same_origin = url.scheme() == self.api_url.scheme()
            && url.host_str() == self.api_url.host_str()
            && url.port_or_known_default() == self.api_url.port_or_known_default();
        if !same_origin || !url.username().is_empty() || url.password().is_some() {
            return Err(foreign());
        }
        Ok(match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
    }

    fn scrub(&self, text: &str) -> String {
        text.replace(self.token.expose(), "***")
    }
}

/// The `rel="next"` target of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        params
            .split(';')
            .any(|param| {
                let param = param.trim();
                param == "rel=\"next\"" || param == "rel=next"
            })
            .then(|| target.to_owned())
    })
}

fn request_line(method: Method, path: &str) -> String {
    // The query (`per_page`, `page`) adds noise to messages without adding meaning.
    let path = path.split_once('?').map_or(path, |(path, _)| path);
    format!("{method} {path}")
}

fn parse_json<T: DeserializeOwned>(request: &str, body: &str) -> Result<T, GithubError> {
    serde_json::from_str(body).map_err(|error| GithubError::InvalidResponse {
        request: request.to_owned(),
        message: format!("the body is not the expected JSON: {error}"),
    })
}

/// `error: cause: cause`, without repeating a cause that is already part of the message.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(max_chars).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FixedClock(SystemTime);

    impl Clock for FixedClock {
        fn now(&self) -> SystemTime {
            self.0
        }

        fn sleep(&self, _duration: Duration) -> BoxFuture<'static, ()> {
            Box::pin(async {})
        }
    }

    fn client(policy: RetryPolicy) -> GithubClient {
        let token = Token::new("ghs_unit", "GITHUB_TOKEN").expect("token");
        let options = ClientOptions {
            retry: policy,
            clock: Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(1_700_000_000))),
            ..ClientOptions::default()
        };
        GithubClient::new("https://api.github.com", &token, options).expect("client")
    }

    fn failure(status: u16, message: &str, rate_limit: RateLimitInfo) -> GithubError {
        GithubError::Api(Box::new(ApiFailure {
            request: "POST /repos/a/b/issues/1/comments".to_owned(),
            status,
            message: message.to_owned(),
            details: Vec::new(),
            documentation_url: None,
            rate_limit,
        }))
    }

    #[test]
    fn next_link_finds_rel_next_among_others() {
        let header = "<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=1>; rel=\"prev\", \
                      <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3>; rel=\"next\", \
                      <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=5>; rel=\"last\"";
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3")
        );
        assert_eq!(next_link("<https://x/?page=1>; rel=\"first\""), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn client_outside_a_runtime_is_an_error_not_a_panic() {
        let token = Token::new("ghs_unit", "GITHUB_TOKEN").expect("token");
        let error = GithubClient::new("https://api.github.com", &token, ClientOptions::default())
            .expect_err("no runtime");
        assert!(matches!(error, GithubError::Setup { .. }), "{error:?}");
    }

    #[tokio::test]
    async fn pagination_links_must_stay_on_the_api_origin() {
        let client = client(RetryPolicy::default());
        assert_eq!(
            client
                .same_origin_path("GET /x", "https://api.github.com/repositories/1/issues/2/comments?page=2")
                .ok(),
            Some("/repositories/1/issues/2/comments?page=2".to_owned())
        );
        for link in [
            "https://evil.example.com/repositories/1/issues/2/comments?page=2",
            "http://api.github.com/repositories/1?page=2",
            "https://api.github.com:8443/repositories/1?page=2",
            "https://user:pw@api.github.com/repositories/1?page=2",
            "/relative?page=2",
        ] {
            assert!(
                matches!(client.same_origin_path("GET /x", link), Err(GithubError::ForeignLink { .. })),
                "followed `{link}`"
            );
        }
    }

    #[tokio::test]
    async fn retry_delays_follow_github_guidance() {
        let client = client(RetryPolicy::default());
        let retry_after = RateLimitInfo { retry_after: Some(7), ..RateLimitInfo::default() };
        assert_eq!(
            client.retry_delay(&failure(429, "slow down", retry_after), 1),
            Some(Duration::from_secs(7))
        );

        let exhausted =
            RateLimitInfo { remaining: Some(0), reset: Some(1_700_000_030), ..RateLimitInfo::default() };
        assert_eq!(
            client.retry_delay(&failure(403, "API rate limit exceeded", exhausted), 1),
            Some(Duration::from_secs(31))
        );

        let secondary = failure(403, "You have exceeded a secondary rate limit", RateLimitInfo::default());
        assert_eq!(client.retry_delay(&secondary, 1), Some(Duration::from_secs(60)));

        assert_eq!(
            client.retry_delay(&failure(502, "Bad Gateway", RateLimitInfo::default()), 1),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            client.retry_delay(&failure(503, "busy", RateLimitInfo::default()), 3),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            client.retry_delay(&failure(500, "boom", RateLimitInfo::default()), 9),
            Some(Duration::from_secs(16))
        );

        let forbidden = failure(403, "Resource not accessible by integration", RateLimitInfo::default());
        assert_eq!(client.retry_delay(&forbidden, 1), None);
        assert!(forbidden.is_not_accessible());
        assert_eq!(client.retry_delay(&failure(422, "Validation Failed", RateLimitInfo::default()), 1), None);
        assert_eq!(client.retry_delay(&failure(404, "Not Found", RateLimitInfo::default()), 1), None);
    }

    #[tokio::test]
    async fn waits_beyond_the_budget_fail_without_sleeping() {
        let client =
            client(RetryPolicy { max_total_wait: Duration::from_secs(10), ..RetryPolicy::default() });
        let long =
            failure(429, "slow down", RateLimitInfo { retry_after: Some(30), ..RateLimitInfo::default() });
        let error = client.wait_before_retry(long, 1).await.expect_err("over budget");
        assert!(matches!(error, GithubError::RetryBudgetExhausted { .. }), "{error:?}");
        assert_eq!(client.total_waited(), Duration::ZERO);

        let short =
            failure(429, "slow down", RateLimitInfo { retry_after: Some(4), ..RateLimitInfo::default() });
        client.wait_before_retry(short, 1).await.expect("within budget");
        assert_eq!(client.total_waited(), Duration::from_secs(4));
    }

    #[tokio::test]
    async fn attempts_are_bounded() {
        let client = client(RetryPolicy { max_attempts: 2, ..RetryPolicy::default() });
        let error = client
            .wait_before_retry(failure(502, "Bad Gateway", RateLimitInfo::default()), 2)
            .await
            .expect_err("out of attempts");
        assert_eq!(error.to_string(), "gave up on `POST /repos/a/b/issues/1/comments` after 2 attempts");
        assert_eq!(error.status(), Some(502));
    }

    #[test]
    fn api_failure_reads_github_error_bodies() {
        let body = r#"{"message":"Validation Failed","errors":[{"resource":"IssueComment","code":"custom","field":"body","message":"body is too long (maximum is 65536 characters)"}],"documentation_url":"https://docs.github.com/rest/issues/comments#create-an-issue-comment","status":"422"}"#;
        let failure = ApiFailure::from_body("POST /x".to_owned(), 422, body, RateLimitInfo::default());
        assert_eq!(
            failure.to_string(),
            "`POST /x` failed with HTTP 422: Validation Failed (body is too long (maximum is 65536 characters))"
        );
        let html = ApiFailure::from_body(
            "GET /x".to_owned(),
            502,
            "<html>Bad gateway</html>",
            RateLimitInfo::default(),
        );
        assert_eq!(html.message, "Bad Gateway");
        let text =
            ApiFailure::from_body("GET /x".to_owned(), 500, "upstream exploded", RateLimitInfo::default());
        assert_eq!(text.message, "upstream exploded");
        let unauthorized = r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#;
        insta::assert_snapshot!(
            ApiFailure::from_body("GET /x".to_owned(), 401, unauthorized, RateLimitInfo::default()),
            @r"
        `GET /x` failed with HTTP 401: Bad credentials

        hint: GitHub rejected the token; check the action's `github-token` input (or the variable named by `--github-token-env`)
        "
        );
    }
}
