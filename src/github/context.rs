//! Where we are running: the repository, the pull request, the triggering event and the token,
//! read from the GitHub Actions environment and merged with explicit overrides.
//!
//! The environment is passed in as a function (`|name| std::env::var(name).ok()` in the binary,
//! a map in tests), so nothing here touches global state except reading the event payload file
//! that `GITHUB_EVENT_PATH` names. Every value that reaches a URL or an API call is validated
//! strictly: repository slugs, pull-request numbers and commit SHAs can come from untrusted
//! artifacts and event payloads.
//!
//! This module does not talk to the network and does not print.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::Value;

/// The REST API root used when `GITHUB_API_URL` is unset.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// The web root used when `GITHUB_SERVER_URL` is unset.
pub const DEFAULT_SERVER_URL: &str = "https://github.com";
/// The environment variable the token is read from unless `--github-token-env` names another.
pub const DEFAULT_TOKEN_ENV: &str = "GITHUB_TOKEN";
/// The largest pull-request number accepted (2^31).
pub const MAX_PR_NUMBER: u64 = 1 << 31;
/// Event payloads larger than this are refused rather than parsed.
const MAX_EVENT_PAYLOAD_BYTES: u64 = 25 * 1024 * 1024;

/// Why the context could not be built. Never carries the token.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(
        "invalid repository `{value}`: {reason}\n\nhint: expected `owner/name`, as in `octocat/hello-world`"
    )]
    InvalidRepo { value: String, reason: &'static str },
    #[error(
        "invalid pull request number `{value}`: {reason}\n\nhint: expected a positive integer no larger than 2147483648"
    )]
    InvalidPrNumber { value: String, reason: &'static str },
    #[error("invalid commit SHA `{value}`\n\nhint: expected 40 (or 64) hexadecimal digits")]
    InvalidSha { value: String },
    #[error(
        "invalid environment variable name `{name}`\n\nhint: names are letters, digits and `_`, not starting with a digit"
    )]
    InvalidEnvName { name: String },
    #[error("the token in `{env}` is not usable: {reason}")]
    InvalidToken { env: String, reason: &'static str },
    #[error("invalid URL `{value}` in `{env}`: {reason}")]
    InvalidUrl { env: &'static str, value: String, reason: String },
    #[error("invalid `{env}` value `{value}`: {reason}")]
    InvalidValue { env: &'static str, value: String, reason: &'static str },
    #[error("failed to read the event payload `{}`", path.display())]
    ReadEvent {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the event payload `{}` is larger than 25 MiB", path.display())]
    EventTooLarge { path: PathBuf },
    #[error("failed to parse the event payload `{}` as JSON", path.display())]
    ParseEvent {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("the `{event}` event payload has no valid `{field}`")]
    EventField { event: String, field: &'static str },
    #[error("the `{event}` event payload has an invalid `{field}`")]
    InvalidEventField {
        event: String,
        field: &'static str,
        #[source]
        source: Box<ContextError>,
    },
}

/// A validated `owner/name` repository slug.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepoSlug {
    owner: String,
    name: String,
}

impl RepoSlug {
    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether two slugs name the same repository (GitHub compares names case-insensitively).
    pub fn same_repository(&self, other: &RepoSlug) -> bool {
        self.owner.eq_ignore_ascii_case(&other.owner) && self.name.eq_ignore_ascii_case(&other.name)
    }
}

impl FromStr for RepoSlug {
    type Err = ContextError;

    /// Accepts GitHub's rules: the owner is 1–39 ASCII letters, digits or `-` and does not start
    /// with `-`; the name is 1–100 ASCII letters, digits, `.`, `_` or `-` and is not `.` or `..`.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let invalid = |reason| ContextError::InvalidRepo { value: value.to_owned(), reason };
        let (owner, name) = value.split_once('/').ok_or_else(|| invalid("no `/` between owner and name"))?;
        if name.contains('/') {
            return Err(invalid("more than one `/`"));
        }
        if owner.is_empty() || owner.len() > 39 {
            return Err(invalid("the owner must be 1 to 39 characters"));
        }
        if !owner.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(invalid("the owner may only contain ASCII letters, digits and `-`"));
        }
        if owner.starts_with('-') {
            return Err(invalid("the owner may not start with `-`"));
        }
        if name.is_empty() || name.len() > 100 {
            return Err(invalid("the name must be 1 to 100 characters"));
        }
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
            return Err(invalid("the name may only contain ASCII letters, digits, `.`, `_` and `-`"));
        }
        if name == "." || name == ".." {
            return Err(invalid("the name may not be `.` or `..`"));
        }
        Ok(Self { owner: owner.to_owned(), name: name.to_owned() })
    }
}

impl fmt::Display for RepoSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// A validated pull-request number: a positive integer no larger than 2^31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PrNumber(u32);

impl PrNumber {
    pub fn new(number: u64) -> Result<Self, ContextError> {
        let invalid = |reason| ContextError::InvalidPrNumber { value: number.to_string(), reason };
        if number == 0 {
            return Err(invalid("must be positive"));
        }
        if number > MAX_PR_NUMBER {
            return Err(invalid("too large"));
        }
        u32::try_from(number).map(Self).map_err(|_| invalid("too large"))
    }

    pub fn get(self) -> u64 {
        u64::from(self.0)
    }

    /// Accepts a JSON number that is a positive integer (not `7.0`, not `"7"`).
    pub fn from_json(value: &Value) -> Result<Self, ContextError> {
        match value.as_u64() {
            Some(number) => Self::new(number),
            None => Err(ContextError::InvalidPrNumber {
                value: truncate_for_message(&value.to_string()),
                reason: "not a positive integer",
            }),
        }
    }
}

impl FromStr for PrNumber {
    type Err = ContextError;

    /// Only plain decimal digits: no sign, no whitespace, no leading zero.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let invalid = |reason| ContextError::InvalidPrNumber { value: truncate_for_message(value), reason };
        if value.is_empty() {
            return Err(invalid("empty"));
        }
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("only decimal digits are allowed"));
        }
        if value.starts_with('0') {
            return Err(invalid("must be positive and have no leading zero"));
        }
        if value.len() > 10 {
            return Err(invalid("too large"));
        }
        let number: u64 = value.parse().map_err(|_| invalid("not a number"))?;
        Self::new(number)
    }
}

impl fmt::Display for PrNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A validated full commit SHA, stored in lowercase: 40 hex digits (SHA-1) or 64 (SHA-256).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommitSha(String);

impl CommitSha {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 7-digit abbreviation GitHub shows.
    pub fn short(&self) -> &str {
        &self.0[..7]
    }
}

impl FromStr for CommitSha {
    type Err = ContextError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        if (value.len() == 40 || value.len() == 64) && value.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(value.to_ascii_lowercase()))
        } else {
            Err(ContextError::InvalidSha { value: truncate_for_message(value) })
        }
    }
}

impl fmt::Display for CommitSha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An API token. `Debug` and `Display` print `***`; only [`Token::expose`] gives the value, and
/// only the HTTP client calls it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Trims surrounding whitespace (a trailing newline from a secrets file is common) and
    /// rejects a value that cannot be sent in an HTTP header. The error never repeats the value.
    pub fn new(raw: &str, env: &str) -> Result<Self, ContextError> {
        let token = raw.trim();
        if token.is_empty() {
            return Err(ContextError::InvalidToken { env: env.to_owned(), reason: "it is empty" });
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ContextError::InvalidToken {
                env: env.to_owned(),
                reason: "it contains whitespace, control or non-ASCII characters",
            });
        }
        Ok(Self(token.to_owned()))
    }

    /// The secret value. Do not format it into anything that is printed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Values given on the command line; each one wins over the environment.
#[derive(Debug, Clone, Default)]
pub struct ContextOverrides {
    /// `--repo owner/name`.
    pub repo: Option<RepoSlug>,
    /// `--pr N`.
    pub pr: Option<PrNumber>,
    /// `--github-token-env NAME`: read the token from `NAME` instead of `GITHUB_TOKEN`.
    pub token_env: Option<String>,
}

/// What the event payload told us, reduced to the fields gasguard uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GithubEvent {
    /// `pull_request` or `pull_request_target`.
    PullRequest(PullRequestEvent),
    /// `workflow_run`: the privileged half of the fork-safe pattern.
    WorkflowRun(WorkflowRunEvent),
    /// Any other event (`push`, `schedule`, ...), or no event payload at all.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestEvent {
    pub number: PrNumber,
    pub base_sha: CommitSha,
    pub head_sha: CommitSha,
    pub base_repo: RepoSlug,
    /// `None` when the head repository was deleted.
    pub head_repo: Option<RepoSlug>,
    /// The head lives in another repository (or in a deleted one): the token is read-only.
    pub is_fork: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRunEvent {
    /// The id of the run that completed (the unprivileged run whose artifact we read).
    pub run_id: u64,
    /// The event that triggered that run, such as `pull_request`.
    pub triggering_event: String,
    /// `success`, `failure`, ... or `None` while the run is not complete.
    pub conclusion: Option<String>,
    /// The commit that run checked: the only trustworthy link to the pull request.
    pub head_sha: CommitSha,
    pub head_repo: Option<RepoSlug>,
    pub repository: RepoSlug,
    /// Pull requests GitHub associated with the run. Empty for pull requests from forks.
    pub pull_requests: Vec<PrNumber>,
    pub is_fork: bool,
}

/// Everything gasguard needs to know about the GitHub side of this run.
#[derive(Debug, Clone)]
pub struct GithubContext {
    /// REST API root without a trailing `/`, such as `https://api.github.com`.
    pub api_url: String,
    /// Web root without a trailing `/`, such as `https://github.com`.
    pub server_url: String,
    pub repository: Option<RepoSlug>,
    /// The pull request to comment on: `--pr`, else the `pull_request` event's number.
    pub pull_request: Option<PrNumber>,
    pub event_name: Option<String>,
    pub event: GithubEvent,
    pub token: Option<Token>,
    /// The variable the token was (or would have been) read from, for messages.
    pub token_env: String,
    /// `$GITHUB_STEP_SUMMARY`.
    pub step_summary: Option<PathBuf>,
    /// `$GITHUB_OUTPUT`.
    pub output: Option<PathBuf>,
    /// `$GITHUB_RUN_ID`, for links to the job summary.
    pub run_id: Option<u64>,
    /// `GITHUB_ACTIONS=true`: workflow commands (`::error::`, `::add-mask::`) are understood.
    pub in_actions: bool,
}

impl GithubContext {
    /// Reads `GITHUB_API_URL`, `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_EVENT_NAME`,
    /// `GITHUB_EVENT_PATH` (and parses that file), the token variable, `GITHUB_STEP_SUMMARY`,
    /// `GITHUB_OUTPUT`, `GITHUB_RUN_ID` and `GITHUB_ACTIONS`. Empty variables count as unset.
    /// `overrides` win over the environment and the event.
    pub fn from_env(
        env: &impl Fn(&str) -> Option<String>,
        overrides: &ContextOverrides,
    ) -> Result<Self, ContextError> {
        let var = |name: &str| env(name).filter(|value| !value.trim().is_empty());

        let api_url = normalize_url("GITHUB_API_URL", var("GITHUB_API_URL").as_deref(), DEFAULT_API_URL)?;
        let server_url =
            normalize_url("GITHUB_SERVER_URL", var("GITHUB_SERVER_URL").as_deref(), DEFAULT_SERVER_URL)?;

        let token_env = match &overrides.token_env {
            Some(name) => validate_env_name(name)?,
            None => DEFAULT_TOKEN_ENV.to_owned(),
        };
        let token = match env(&token_env) {
            Some(raw) if !raw.trim().is_empty() => Some(Token::new(&raw, &token_env)?),
            _ => None,
        };

        let event_name = var("GITHUB_EVENT_NAME");
        let event = match (&event_name, var("GITHUB_EVENT_PATH")) {
            (Some(name), Some(path)) => {
                let payload = read_event_payload(Path::new(&path))?;
                GithubEvent::from_payload(name, &payload)?
            }
            _ => GithubEvent::Other,
        };

        let repository = match &overrides.repo {
            Some(repo) => Some(repo.clone()),
            None => var("GITHUB_REPOSITORY").map(|value| value.parse()).transpose()?,
        };
        let pull_request = overrides.pr.or(match &event {
            GithubEvent::PullRequest(pr) => Some(pr.number),
            _ => None,
        });
        let run_id = match var("GITHUB_RUN_ID") {
            Some(value) => Some(value.parse::<u64>().map_err(|_| ContextError::InvalidValue {
                env: "GITHUB_RUN_ID",
                value: truncate_for_message(&value),
                reason: "not a run id",
            })?),
            None => None,
        };

        Ok(Self {
            api_url,
            server_url,
            repository,
            pull_request,
            event_name,
            event,
            token,
            token_env,
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: var("GITHUB_OUTPUT").map(PathBuf::from),
            run_id,
            in_actions: var("GITHUB_ACTIONS").as_deref() == Some("true"),
        })
    }

    /// `{server_url}/{repo}/actions/runs/{run_id}`: where the job summary can be read.
    pub fn job_summary_url(&self) -> Option<String> {
        let repo = self.repository.as_ref()?;
        let run_id = self.run_id?;
        Some(format!("{}/{repo}/actions/runs/{run_id}", self.server_url))
    }

    /// The run whose job summary holds the full report: for a `workflow_run` event the run that
    /// produced the artifact, otherwise this run ([`Self::job_summary_url`]).
    pub fn report_run_url(&self) -> Option<String> {
        match &self.event {
            GithubEvent::WorkflowRun(run) => {
                let repo = self.repository.as_ref()?;
                Some(format!("{}/{repo}/actions/runs/{}", self.server_url, run.run_id))
            }
            _ => self.job_summary_url(),
        }
    }

    /// Whether the triggering pull request comes from a fork (its token is read-only).
    pub fn is_fork(&self) -> bool {
        match &self.event {
            GithubEvent::PullRequest(pr) => pr.is_fork,
            GithubEvent::WorkflowRun(run) => run.is_fork,
            GithubEvent::Other => false,
        }
    }
}

impl GithubEvent {
    /// Reduces an event payload to what gasguard uses. Unknown events become [`GithubEvent::Other`];
    /// a known event with a missing or invalid field is an error, not a silent `Other`.
    pub fn from_payload(event_name: &str, payload: &Value) -> Result<Self, ContextError> {
        match event_name {
            "pull_request" | "pull_request_target" => {
                let field = Fields { event: event_name, root: payload };
                let number = field.pr_number("pull_request.number")?;
                let base_sha = field.sha("pull_request.base.sha")?;
                let head_sha = field.sha("pull_request.head.sha")?;
                let base_repo = field.repo("pull_request.base.repo.full_name")?;
                let head_repo = field.optional_repo("pull_request.head.repo.full_name")?;
                let is_fork = head_repo.as_ref().is_none_or(|head| !head.same_repository(&base_repo));
                Ok(Self::PullRequest(PullRequestEvent {
                    number,
                    base_sha,
                    head_sha,
                    base_repo,
                    head_repo,
                    is_fork,
                }))
            }
            "workflow_run" => {
                let field = Fields { event: event_name, root: payload };
                let run_id =
                    field.get("workflow_run.id").and_then(Value::as_u64).ok_or(ContextError::EventField {
                        event: event_name.to_owned(),
                        field: "workflow_run.id",
                    })?;
                let triggering_event = field
                    .get("workflow_run.event")
                    .and_then(Value::as_str)
                    .filter(|name| name.len() <= 64)
                    .ok_or(ContextError::EventField {
                        event: event_name.to_owned(),
                        field: "workflow_run.event",
                    })?
                    .to_owned();
                let conclusion =
                    field.get("workflow_run.conclusion").and_then(Value::as_str).map(str::to_owned);
                let head_sha = field.sha("workflow_run.head_sha")?;
                let repository = field.repo("workflow_run.repository.full_name")?;
                let head_repo = field.optional_repo("workflow_run.head_repository.full_name")?;
                let is_fork = head_repo.as_ref().is_none_or(|head| !head.same_repository(&repository));
                let pull_requests = match field.get("workflow_run.pull_requests") {
                    Some(Value::Array(items)) => items
                        .iter()
                        .filter_map(|item| item.get("number"))
                        .map(PrNumber::from_json)
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|source| ContextError::InvalidEventField {
                            event: event_name.to_owned(),
                            field: "workflow_run.pull_requests[].number",
                            source: Box::new(source),
                        })?,
                    _ => Vec::new(),
                };
                Ok(Self::WorkflowRun(WorkflowRunEvent {
                    run_id,
                    triggering_event,
                    conclusion,
                    head_sha,
                    head_repo,
                    repository,
                    pull_requests,
                    is_fork,
                }))
            }
            _ => Ok(Self::Other),
        }
    }
}

/// Dotted-path access to an event payload with errors that name the field.
struct Fields<'a> {
    event: &'a str,
    root: &'a Value,
}

impl Fields<'_> {
    fn get(&self, path: &str) -> Option<&Value> {
        path.split('.').try_fold(self.root, |value, key| value.get(key))
    }

    fn missing(&self, field: &'static str) -> ContextError {
        ContextError::EventField { event: self.event.to_owned(), field }
    }

    fn invalid(&self, field: &'static str, source: ContextError) -> ContextError {
        ContextError::InvalidEventField { event: self.event.to_owned(), field, source: Box::new(source) }
    }

    fn pr_number(&self, field: &'static str) -> Result<PrNumber, ContextError> {
        let value = self.get(field).ok_or_else(|| self.missing(field))?;
        PrNumber::from_json(value).map_err(|source| self.invalid(field, source))
    }

    fn sha(&self, field: &'static str) -> Result<CommitSha, ContextError> {
        let value = self.get(field).and_then(Value::as_str).ok_or_else(|| self.missing(field))?;
        value.parse().map_err(|source| self.invalid(field, source))
    }

    fn repo(&self, field: &'static str) -> Result<RepoSlug, ContextError> {
        self.optional_repo(field)?.ok_or_else(|| self.missing(field))
    }

    /// `null` (or an absent parent such as a deleted fork's `repo`) is `None`; a present but
    /// malformed value is an error.
    fn optional_repo(&self, field: &'static str) -> Result<Option<RepoSlug>, ContextError> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(value)) => {
                value.parse().map(Some).map_err(|source| self.invalid(field, source))
            }
            Some(_) => Err(self.missing(field)),
        }
    }
}

fn read_event_payload(path: &Path) -> Result<Value, ContextError> {
    let read_error = |source| ContextError::ReadEvent { path: path.to_owned(), source };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    if metadata.len() > MAX_EVENT_PAYLOAD_BYTES {
        return Err(ContextError::EventTooLarge { path: path.to_owned() });
    }
    let text = std::fs::read_to_string(path).map_err(read_error)?;
    serde_json::from_str(&text).map_err(|source| ContextError::ParseEvent { path: path.to_owned(), source })
}

/// Accepts an `http` or `https` URL with a host and no credentials, query or fragment, and
/// returns it without a trailing `/`.
fn normalize_url(env: &'static str, value: Option<&str>, default: &str) -> Result<String, ContextError> {
    let Some(value) = value else {
        return Ok(default.to_owned());
    };
    let value = value.trim();
    let invalid = |reason: &str| ContextError::InvalidUrl {
        env,
        value: truncate_for_message(value),
        reason: reason.to_owned(),
    };
    let url = reqwest::Url::parse(value).map_err(|error| invalid(&error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be `http` or `https`"));
    }
    if url.host_str().is_none() {
        return Err(invalid("there is no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials in the URL are not allowed"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a query or fragment is not allowed"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn validate_env_name(name: &str) -> Result<String, ContextError> {
    let valid = name.len() <= 256
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(name.to_owned())
    } else {
        Err(ContextError::InvalidEnvName { name: truncate_for_message(name) })
    }
}

/// Untrusted values are echoed in errors, but never at unbounded length.
fn truncate_for_message(value: &str) -> String {
    const MAX: usize = 80;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let mut short: String = value.chars().take(MAX).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const HEAD: &str = "36afaef2afdf0ce794d7e4663e7f327664aaa4d7";
    const BASE: &str = "9049f1265b7d61be4a8904a9a27120d2064dab3b";

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> =
            pairs.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect();
        move |name| map.get(name).cloned()
    }

    fn pull_request_payload(head_repo: Value) -> Value {
        serde_json::json!({
            "action": "synchronize",
            "number": 7,
            "pull_request": {
                "number": 7,
                "head": { "sha": HEAD, "repo": head_repo },
                "base": { "sha": BASE, "repo": { "full_name": "acme/vault" } }
            }
        })
    }

    #[test]
    fn repo_slug_accepts_github_names() {
        for value in ["octocat/hello-world", "a/b", "Org-1/repo.name_2", "x/.github", "o/..."] {
            let slug: RepoSlug = value.parse().unwrap_or_else(|error| panic!("{value}: {error}"));
            assert_eq!(slug.to_string(), value);
        }
    }

    #[test]
    fn repo_slug_rejects_untrusted_shapes() {
        for value in [
            "",
            "owner",
            "/name",
            "owner/",
            "a/b/c",
            "-owner/name",
            "own er/name",
            "owner/na me",
            "owner/.",
            "owner/..",
            "owner/name?x=1",
            "owner/name#frag",
            "owner/%2e%2e",
            "ow\nner/name",
            "owner/näme",
            &format!("{}/name", "a".repeat(40)),
            &format!("owner/{}", "a".repeat(101)),
        ] {
            assert!(value.parse::<RepoSlug>().is_err(), "accepted `{value}`");
        }
    }

    #[test]
    fn pr_number_accepts_bounds() {
        assert_eq!("1".parse::<PrNumber>().map(PrNumber::get).ok(), Some(1));
        assert_eq!("2147483648".parse::<PrNumber>().map(PrNumber::get).ok(), Some(1 << 31));
        assert_eq!(PrNumber::from_json(&serde_json::json!(42)).map(PrNumber::get).ok(), Some(42));
    }

    #[test]
    fn pr_number_rejects_untrusted_shapes() {
        for value in [
            "",
            "0",
            "-1",
            "+1",
            " 1",
            "1 ",
            "01",
            "1.0",
            "1e3",
            "0x10",
            "2147483649",
            "99999999999999999999",
        ] {
            assert!(value.parse::<PrNumber>().is_err(), "accepted `{value}`");
        }
        for value in [
            serde_json::json!(0),
            serde_json::json!(-3),
            serde_json::json!(7.5),
            serde_json::json!("7"),
            serde_json::json!(null),
            serde_json::json!(4_294_967_296_u64),
        ] {
            assert!(PrNumber::from_json(&value).is_err(), "accepted {value}");
        }
    }

    #[test]
    fn commit_sha_is_strict_and_lowercased() {
        let sha: CommitSha = HEAD.to_uppercase().parse().expect("uppercase hex is a SHA");
        assert_eq!(sha.as_str(), HEAD);
        assert!(format!("{HEAD}{HEAD}").parse::<CommitSha>().is_err());
        assert!(HEAD[..39].parse::<CommitSha>().is_err());
        assert!(format!("{}g", &HEAD[..39]).parse::<CommitSha>().is_err());
        assert!("a".repeat(64).parse::<CommitSha>().is_ok());
    }

    #[test]
    fn token_never_formats_its_value() {
        let token = Token::new("ghs_supersecretvalue\n", "GITHUB_TOKEN").expect("valid token");
        assert_eq!(token.expose(), "ghs_supersecretvalue");
        assert_eq!(format!("{token}"), "***");
        assert!(!format!("{token:?}").contains("supersecret"));
        let error = Token::new("ghs_bad value", "GITHUB_TOKEN").expect_err("space is not allowed");
        assert!(!format!("{error} {error:?}").contains("ghs_bad"));
    }

    #[test]
    fn context_from_pull_request_event() {
        let dir = tempfile::tempdir().expect("tempdir");
        let event_path = dir.path().join("event.json");
        let payload = pull_request_payload(serde_json::json!({ "full_name": "acme/vault" }));
        std::fs::write(&event_path, payload.to_string()).expect("write event");
        let event_path = event_path.to_string_lossy().into_owned();
        let env = env_of(&[
            ("GITHUB_API_URL", "https://ghe.example.com/api/v3/"),
            ("GITHUB_REPOSITORY", "acme/vault"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", &event_path),
            ("GITHUB_TOKEN", "ghs_contexttoken"),
            ("GITHUB_RUN_ID", "123456"),
            ("GITHUB_STEP_SUMMARY", "/tmp/summary"),
            ("GITHUB_OUTPUT", ""),
            ("GITHUB_ACTIONS", "true"),
        ]);
        let context = GithubContext::from_env(&env, &ContextOverrides::default()).expect("context");
        assert_eq!(context.api_url, "https://ghe.example.com/api/v3");
        assert_eq!(context.server_url, DEFAULT_SERVER_URL);
        assert_eq!(context.pull_request.map(PrNumber::get), Some(7));
        assert_eq!(context.token.as_ref().map(Token::expose), Some("ghs_contexttoken"));
        assert_eq!(context.output, None, "empty variables count as unset");
        assert!(context.in_actions);
        assert!(!context.is_fork());
        assert_eq!(
            context.job_summary_url().as_deref(),
            Some("https://github.com/acme/vault/actions/runs/123456")
        );
        let GithubEvent::PullRequest(event) = &context.event else { panic!("not a pull request event") };
        assert_eq!(event.head_sha.as_str(), HEAD);
        assert_eq!(event.base_sha.as_str(), BASE);
        assert!(!format!("{context:?}").contains("ghs_contexttoken"));
    }

    #[test]
    fn overrides_win_and_token_env_is_honoured() {
        let env = env_of(&[
            ("GITHUB_REPOSITORY", "acme/vault"),
            ("GITHUB_TOKEN", "ghs_default"),
            ("GASGUARD_TOKEN", "ghp_custom"),
        ]);
        let overrides = ContextOverrides {
            repo: Some("other/repo".parse().expect("slug")),
            pr: Some("12".parse().expect("number")),
            token_env: Some("GASGUARD_TOKEN".to_owned()),
        };
        let context = GithubContext::from_env(&env, &overrides).expect("context");
        assert_eq!(context.repository.as_ref().map(ToString::to_string).as_deref(), Some("other/repo"));
        assert_eq!(context.pull_request.map(PrNumber::get), Some(12));
        assert_eq!(context.token.as_ref().map(Token::expose), Some("ghp_custom"));
        assert_eq!(context.token_env, "GASGUARD_TOKEN");

        let bad =
            ContextOverrides { token_env: Some("NOT-A-NAME".to_owned()), ..ContextOverrides::default() };
        assert!(matches!(GithubContext::from_env(&env, &bad), Err(ContextError::InvalidEnvName { .. })));
    }

    #[test]
    fn fork_and_deleted_fork_are_forks() {
        let fork = pull_request_payload(serde_json::json!({ "full_name": "mallory/vault" }));
        let deleted = pull_request_payload(Value::Null);
        for payload in [fork, deleted] {
            let event = GithubEvent::from_payload("pull_request", &payload).expect("event");
            let GithubEvent::PullRequest(event) = event else { panic!("not a pull request event") };
            assert!(event.is_fork);
        }
    }

    #[test]
    fn malformed_pull_request_payload_is_an_error() {
        let mut payload = pull_request_payload(serde_json::json!({ "full_name": "acme/vault" }));
        payload["pull_request"]["head"]["sha"] = serde_json::json!("not-a-sha");
        let error = GithubEvent::from_payload("pull_request", &payload).expect_err("bad sha");
        assert_eq!(
            error.to_string(),
            "the `pull_request` event payload has an invalid `pull_request.head.sha`"
        );

        payload["pull_request"]["head"]["sha"] = serde_json::json!(HEAD);
        payload["pull_request"]["number"] = serde_json::json!(-1);
        assert!(GithubEvent::from_payload("pull_request", &payload).is_err());

        payload["pull_request"]["number"] = serde_json::json!(7);
        payload["pull_request"]["head"]["repo"] = serde_json::json!({ "full_name": "../../evil" });
        assert!(GithubEvent::from_payload("pull_request", &payload).is_err());
    }

    #[test]
    fn workflow_run_payload() {
        let payload = serde_json::json!({
            "action": "completed",
            "workflow_run": {
                "id": 30433642,
                "event": "pull_request",
                "conclusion": "success",
                "head_sha": HEAD,
                "pull_requests": [],
                "repository": { "full_name": "acme/vault" },
                "head_repository": { "full_name": "mallory/vault" }
            }
        });
        let event = GithubEvent::from_payload("workflow_run", &payload).expect("event");
        let GithubEvent::WorkflowRun(run) = event else { panic!("not a workflow_run event") };
        assert_eq!(run.run_id, 30433642);
        let context = GithubContext {
            api_url: DEFAULT_API_URL.to_owned(),
            server_url: DEFAULT_SERVER_URL.to_owned(),
            repository: Some("acme/vault".parse().expect("slug")),
            pull_request: None,
            event_name: Some("workflow_run".to_owned()),
            event: GithubEvent::WorkflowRun(run.clone()),
            token: None,
            token_env: DEFAULT_TOKEN_ENV.to_owned(),
            step_summary: None,
            output: None,
            run_id: Some(99),
            in_actions: true,
        };
        assert_eq!(
            context.report_run_url().as_deref(),
            Some("https://github.com/acme/vault/actions/runs/30433642"),
            "the summary with the report is the unprivileged run's, not this one's"
        );
        assert_eq!(run.head_sha.as_str(), HEAD);
        assert_eq!(run.triggering_event, "pull_request");
        assert!(run.is_fork);
        assert!(run.pull_requests.is_empty());
    }

    #[test]
    fn unknown_event_is_other_and_bad_urls_are_rejected() {
        assert_eq!(GithubEvent::from_payload("push", &serde_json::json!({})).ok(), Some(GithubEvent::Other));
        for url in ["ftp://example.com", "https://user:pass@example.com", "not a url", "https://x.com/?q=1"] {
            let env = env_of(&[("GITHUB_API_URL", url)]);
            assert!(
                matches!(
                    GithubContext::from_env(&env, &ContextOverrides::default()),
                    Err(ContextError::InvalidUrl { .. })
                ),
                "accepted `{url}`"
            );
        }
    }

    #[test]
    fn missing_event_file_is_an_error() {
        let env = env_of(&[
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", "/nonexistent/event.json"),
        ]);
        let error = GithubContext::from_env(&env, &ContextOverrides::default()).expect_err("missing file");
        assert!(matches!(error, ContextError::ReadEvent { .. }));
    }
}
