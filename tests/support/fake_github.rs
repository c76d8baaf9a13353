//! A small stateful fake of the GitHub REST API, served by wiremock.
//!
//! It answers the endpoints gasguard uses with GitHub's real response shapes: full issue-comment
//! and pull-request objects, `Link` pagination through `/repositories/{id}/...` URLs (as GitHub
//! does), rate-limit headers on every response, and GitHub's real error bodies. Create, update and
//! delete really change what the next list returns. Faults (`502`, `429`, a `403` from a fork's
//! read-only token, a `422` for a long body, a slow answer) are scripted per route, and a fault can
//! "commit" the write before failing, like a gateway that drops the answer to a request GitHub
//! already handled.
//!
//! Shared by the adapter tests and the end-to-end binary tests: point `GITHUB_API_URL` at
//! [`FakeGithub::uri`].

#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const OWNER: &str = "acme";
pub const REPO: &str = "vault";
pub const REPO_ID: u64 = 1_296_269;
pub const BOT_LOGIN: &str = "github-actions[bot]";
pub const FIRST_COMMENT_ID: u64 = 1_633_968_123;
/// The `x-ratelimit-reset` the fake reports: 2023-11-14T22:13:20Z plus an hour.
pub const RATE_LIMIT_RESET: u64 = 1_700_003_600;

/// The endpoints the fake serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    ListComments,
    CreateComment,
    UpdateComment,
    DeleteComment,
    GetPull,
}

/// A scripted failure of the next request to `route`.
#[derive(Debug, Clone)]
pub struct Fault {
    pub route: Route,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Perform the operation first, then answer with the fault (the write happened, the client
    /// does not know).
    pub commit: bool,
    /// Answer normally, but only after this delay (with `commit`, a write that timed out).
    pub delay: Option<Duration>,
}

impl Fault {
    /// GitHub's `502` page (HTML, as its front end sends it).
    pub fn bad_gateway(route: Route) -> Self {
        Self {
            route,
            status: 502,
            headers: vec![("content-type".into(), "text/html".into())],
            body: "<html><body><h1>502 Bad Gateway</h1></body></html>".into(),
            commit: false,
            delay: None,
        }
    }

    /// A secondary rate limit answered with `429` and `retry-after`.
    pub fn too_many_requests(route: Route, retry_after: u64) -> Self {
        Self {
            route,
            status: 429,
            headers: vec![("retry-after".into(), retry_after.to_string())],
            body: json!({
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID E198:4063:33BD6:375FF:652AAB04.",
                "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                "status": "429"
            })
            .to_string(),
            commit: false,
            delay: None,
        }
    }

    /// A secondary rate limit answered with `403` and `retry-after`.
    pub fn secondary_rate_limit_403(route: Route, retry_after: u64) -> Self {
        Self { status: 403, ..Self::too_many_requests(route, retry_after) }
    }

    /// The primary rate limit is used up until `reset` (UTC epoch seconds).
    pub fn primary_rate_limit(route: Route, reset: u64) -> Self {
        Self {
            route,
            status: 403,
            headers: vec![
                ("x-ratelimit-remaining".into(), "0".into()),
                ("x-ratelimit-reset".into(), reset.to_string()),
            ],
            body: json!({
                "message": "API rate limit exceeded for installation ID 7777777.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                "status": "403"
            })
            .to_string(),
            commit: false,
            delay: None,
        }
    }

    /// The right answer, late.
    pub fn slow(route: Route, delay: Duration) -> Self {
        Self { route, status: 0, headers: Vec::new(), body: String::new(), commit: true, delay: Some(delay) }
    }

    pub fn committed(mut self) -> Self {
        self.commit = true;
        self
    }
}

/// A comment as the fake stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredComment {
    pub id: u64,
    pub issue: u64,
    pub login: String,
    pub body: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct FakePull {
    pub head_sha: String,
    pub head_repo: Option<String>,
    pub state: String,
}

struct State {
    base_url: String,
    token: String,
    comments: Vec<StoredComment>,
    next_id: u64,
    tick: u64,
    requests_served: u64,
    faults: VecDeque<Fault>,
    read_only: bool,
    max_body_chars: usize,
    pulls: BTreeMap<u64, FakePull>,
}

pub struct FakeGithub {
    pub server: MockServer,
    state: Arc<Mutex<State>>,
}

impl FakeGithub {
    /// A fake that accepts `Authorization: Bearer {token}` and nothing else.
    pub async fn start(token: &str) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            base_url: server.uri(),
            token: token.to_owned(),
            comments: Vec::new(),
            next_id: FIRST_COMMENT_ID,
            tick: 0,
            requests_served: 0,
            faults: VecDeque::new(),
            read_only: false,
            max_body_chars: 65_536,
            pulls: BTreeMap::new(),
        }));
        Mock::given(any()).respond_with(Responder(Arc::clone(&state))).mount(&server).await;
        Self { server, state }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a comment as if `login` had posted it; returns its id.
    pub fn seed_comment(&self, issue: u64, login: &str, body: &str) -> u64 {
        self.state().insert_comment(issue, login, body)
    }

    /// The comments on `issue`, oldest first.
    pub fn comments(&self, issue: u64) -> Vec<StoredComment> {
        self.state().comments.iter().filter(|comment| comment.issue == issue).cloned().collect()
    }

    pub fn push_fault(&self, fault: Fault) {
        self.state().faults.push_back(fault);
    }

    /// Answer writes with `403 Resource not accessible by integration`, like a fork's token.
    pub fn set_read_only(&self, read_only: bool) {
        self.state().read_only = read_only;
    }

    /// Lower GitHub's 65,536-character limit to make `422` cheap to trigger.
    pub fn set_max_body_chars(&self, max: usize) {
        self.state().max_body_chars = max;
    }

    pub fn add_pull(&self, number: u64, head_sha: &str, head_repo: Option<&str>) {
        self.state().pulls.insert(
            number,
            FakePull {
                head_sha: head_sha.to_owned(),
                head_repo: head_repo.map(str::to_owned),
                state: "open".into(),
            },
        );
    }

    /// Every request received, in order, as `METHOD path?query`.
    pub async fn requests(&self) -> Vec<String> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|request| match request.url.query() {
                Some(query) => format!("{} {}?{query}", request.method, request.url.path()),
                None => format!("{} {}", request.method, request.url.path()),
            })
            .collect()
    }

    /// Every request received, in full: request line, headers (but `Authorization`, which must
    /// hold the token) and body. For scans of everything gasguard sent.
    pub async fn requests_in_full(&self) -> Vec<String> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|request| {
                let headers: Vec<String> = request
                    .headers
                    .iter()
                    .filter(|(name, _)| name.as_str() != "authorization")
                    .map(|(name, value)| format!("{name}: {}", String::from_utf8_lossy(value.as_bytes())))
                    .collect();
                format!(
                    "{} {}\n{}\n\n{}",
                    request.method,
                    request.url,
                    headers.join("\n"),
                    String::from_utf8_lossy(&request.body)
                )
            })
            .collect()
    }

    /// Every comment on every issue, oldest first.
    pub fn all_comments(&self) -> Vec<StoredComment> {
        self.state().comments.clone()
    }

    /// Every request that was not a `GET`.
    pub async fn writes(&self) -> Vec<String> {
        self.requests().await.into_iter().filter(|request| !request.starts_with("GET ")).collect()
    }

    /// Every `Authorization` header received.
    pub async fn authorization_headers(&self) -> Vec<String> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter_map(|request| request.headers.get("authorization"))
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect()
    }
}

struct Responder(Arc<Mutex<State>>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.requests_served += 1;
        state.respond(request)
    }
}

impl State {
    fn respond(&mut self, request: &Request) -> ResponseTemplate {
        let expected = format!("Bearer {}", self.token);
        let authorized = request.headers.get("authorization").and_then(|value| value.to_str().ok())
            == Some(expected.as_str());
        if !authorized {
            return self.error(401, "Bad credentials", "https://docs.github.com/rest");
        }
        let segments: Vec<&str> = request.url.path().trim_start_matches('/').split('/').collect();
        let method = request.method.as_str();
        let ours = |owner: &str, repo: &str| owner == OWNER && repo == REPO;
        let route = match (method, segments.as_slice()) {
            ("GET", ["repos", owner, repo, "issues", issue, "comments"]) if ours(owner, repo) => {
                issue.parse().ok().map(|issue| (Route::ListComments, issue))
            }
            ("GET", ["repositories", id, "issues", issue, "comments"]) if *id == REPO_ID.to_string() => {
                issue.parse().ok().map(|issue| (Route::ListComments, issue))
            }
            ("POST", ["repos", owner, repo, "issues", issue, "comments"]) if ours(owner, repo) => {
                issue.parse().ok().map(|issue| (Route::CreateComment, issue))
            }
            ("PATCH", ["repos", owner, repo, "issues", "comments", id]) if ours(owner, repo) => {
                id.parse().ok().map(|id| (Route::UpdateComment, id))
            }
            ("DELETE", ["repos", owner, repo, "issues", "comments", id]) if ours(owner, repo) => {
                id.parse().ok().map(|id| (Route::DeleteComment, id))
            }
            ("GET", ["repos", owner, repo, "pulls", number]) if ours(owner, repo) => {
                number.parse().ok().map(|number| (Route::GetPull, number))
            }
            _ => None,
        };
        let Some((route, id)) = route else {
            return self.error(404, "Not Found", "https://docs.github.com/rest");
        };

        if let Some(position) = self.faults.iter().position(|fault| fault.route == route) {
            let fault = self.faults.remove(position).unwrap_or_else(|| Fault::bad_gateway(route));
            if let Some(delay) = fault.delay {
                return self.handle(route, id, request).set_delay(delay);
            }
            if fault.commit {
                let _ = self.handle(route, id, request);
            }
            let mut response = self.with_headers(ResponseTemplate::new(fault.status));
            let mut content_type = "application/json; charset=utf-8".to_owned();
            for (name, value) in &fault.headers {
                if name == "content-type" {
                    content_type.clone_from(value);
                } else {
                    response = response.insert_header(name.as_str(), value.as_str());
                }
            }
            return response.set_body_raw(fault.body.clone(), &content_type);
        }
        self.handle(route, id, request)
    }

    fn handle(&mut self, route: Route, id: u64, request: &Request) -> ResponseTemplate {
        match route {
            Route::ListComments => self.list(id, request),
            Route::CreateComment => {
                if self.read_only {
                    return self.not_accessible("create-an-issue-comment");
                }
                let Some(body) = request_body(request) else {
                    return self.error(400, "Problems parsing JSON", "https://docs.github.com/rest");
                };
                if body.chars().count() > self.max_body_chars {
                    return self.too_long("create-an-issue-comment");
                }
                let new_id = self.insert_comment(id, BOT_LOGIN, &body);
                let json = self.comment_json_by_id(new_id);
                self.json(201, &json)
            }
            Route::UpdateComment => {
                if self.read_only {
                    return self.not_accessible("update-an-issue-comment");
                }
                let Some(body) = request_body(request) else {
                    return self.error(400, "Problems parsing JSON", "https://docs.github.com/rest");
                };
                if body.chars().count() > self.max_body_chars {
                    return self.too_long("update-an-issue-comment");
                }
                let now = self.next_timestamp();
                let Some(comment) = self.comments.iter_mut().find(|comment| comment.id == id) else {
                    return self.error(
                        404,
                        "Not Found",
                        "https://docs.github.com/rest/issues/comments#update-an-issue-comment",
                    );
                };
                comment.body = body;
                comment.updated_at = now;
                let json = self.comment_json_by_id(id);
                self.json(200, &json)
            }
            Route::DeleteComment => {
                if self.read_only {
                    return self.not_accessible("delete-an-issue-comment");
                }
                let before = self.comments.len();
                self.comments.retain(|comment| comment.id != id);
                if self.comments.len() == before {
                    return self.error(
                        404,
                        "Not Found",
                        "https://docs.github.com/rest/issues/comments#delete-an-issue-comment",
                    );
                }
                self.with_headers(ResponseTemplate::new(204))
            }
            Route::GetPull => match self.pulls.get(&id).cloned() {
                Some(pull) => {
                    let json = self.pull_json(id, &pull);
                    self.json(200, &json)
                }
                None => self.error(
                    404,
                    "Not Found",
                    "https://docs.github.com/rest/pulls/pulls#get-a-pull-request",
                ),
            },
        }
    }

    fn list(&mut self, issue: u64, request: &Request) -> ResponseTemplate {
        let query: BTreeMap<String, String> = request.url.query_pairs().into_owned().collect();
        let per_page =
            query.get("per_page").and_then(|value| value.parse().ok()).unwrap_or(30_usize).clamp(1, 100);
        let page = query.get("page").and_then(|value| value.parse().ok()).unwrap_or(1_usize).max(1);
        let all: Vec<u64> =
            self.comments.iter().filter(|comment| comment.issue == issue).map(|c| c.id).collect();
        let last_page = all.len().div_ceil(per_page).max(1);
        let items: Vec<Value> = all
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|id| self.comment_json_by_id(*id))
            .collect();
        let link = |target: usize, rel: &str| {
            format!(
                "<{}/repositories/{REPO_ID}/issues/{issue}/comments?per_page={per_page}&page={target}>; rel=\"{rel}\"",
                self.base_url
            )
        };
        let mut links = Vec::new();
        if page > 1 {
            links.push(link(page - 1, "prev"));
        }
        if page < last_page {
            links.push(link(page + 1, "next"));
            links.push(link(last_page, "last"));
        }
        if page > 1 {
            links.push(link(1, "first"));
        }
        let response = self.json(200, &Value::Array(items));
        if links.is_empty() { response } else { response.insert_header("link", links.join(", ")) }
    }

    fn insert_comment(&mut self, issue: u64, login: &str, body: &str) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let now = self.next_timestamp();
        self.comments.push(StoredComment {
            id,
            issue,
            login: login.to_owned(),
            body: body.to_owned(),
            created_at: now.clone(),
            updated_at: now,
        });
        id
    }

    fn next_timestamp(&mut self) -> String {
        self.tick += 1;
        let seconds = self.tick % 86_400;
        format!("2024-05-01T{:02}:{:02}:{:02}Z", seconds / 3600, (seconds / 60) % 60, seconds % 60)
    }

    fn comment_json_by_id(&self, id: u64) -> Value {
        let Some(comment) = self.comments.iter().find(|comment| comment.id == id) else {
            return Value::Null;
        };
        let api = "https://api.github.com";
        let is_bot = comment.login.ends_with("[bot]");
        let user = user_json(&comment.login, if is_bot { 41_898_282 } else { 583_231 });
        json!({
            "url": format!("{api}/repos/{OWNER}/{REPO}/issues/comments/{}", comment.id),
            "html_url": format!("https://github.com/{OWNER}/{REPO}/pull/{}#issuecomment-{}", comment.issue, comment.id),
            "issue_url": format!("{api}/repos/{OWNER}/{REPO}/issues/{}", comment.issue),
            "id": comment.id,
            "node_id": format!("IC_kwDOIAlVv85{}", comment.id),
            "user": user,
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "author_association": if is_bot { "NONE" } else { "CONTRIBUTOR" },
            "body": comment.body,
            "reactions": {
                "url": format!("{api}/repos/{OWNER}/{REPO}/issues/comments/{}/reactions", comment.id),
                "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
                "confused": 0, "heart": 0, "rocket": 0, "eyes": 0
            },
            "performed_via_github_app": if is_bot {
                json!({ "id": 15368, "slug": "github-actions", "node_id": "MDM6QXBwMTUzNjg=", "name": "GitHub Actions" })
            } else {
                Value::Null
            }
        })
    }

    fn pull_json(&self, number: u64, pull: &FakePull) -> Value {
        let api = "https://api.github.com";
        let head_owner = pull.head_repo.as_deref().and_then(|name| name.split('/').next()).unwrap_or("ghost");
        let head_repo = pull.head_repo.as_ref().map_or(Value::Null, |full_name| {
            json!({
                "id": 99_887_766,
                "node_id": "R_kgDOIAlVvw",
                "name": REPO,
                "full_name": full_name,
                "private": false,
                "owner": user_json(head_owner, 583_231),
                "html_url": format!("https://github.com/{full_name}"),
                "fork": full_name != &format!("{OWNER}/{REPO}"),
                "url": format!("{api}/repos/{full_name}")
            })
        });
        json!({
            "url": format!("{api}/repos/{OWNER}/{REPO}/pulls/{number}"),
            "id": 1_465_338_459_u64,
            "node_id": "PR_kwDOIAlVv85XV3Jb",
            "html_url": format!("https://github.com/{OWNER}/{REPO}/pull/{number}"),
            "diff_url": format!("https://github.com/{OWNER}/{REPO}/pull/{number}.diff"),
            "patch_url": format!("https://github.com/{OWNER}/{REPO}/pull/{number}.patch"),
            "issue_url": format!("{api}/repos/{OWNER}/{REPO}/issues/{number}"),
            "number": number,
            "state": pull.state,
            "locked": false,
            "title": "Cheaper deposits",
            "user": user_json(head_owner, 583_231),
            "body": "Packs two storage slots.",
            "created_at": "2024-05-01T09:00:00Z",
            "updated_at": "2024-05-01T09:30:00Z",
            "closed_at": null,
            "merged_at": null,
            "merge_commit_sha": "e5bd3914e2e596debea16f433f57875b5b90bcd6",
            "draft": false,
            "head": {
                "label": format!("{head_owner}:cheaper-deposits"),
                "ref": "cheaper-deposits",
                "sha": pull.head_sha,
                "user": user_json(head_owner, 583_231),
                "repo": head_repo
            },
            "base": {
                "label": format!("{OWNER}:main"),
                "ref": "main",
                "sha": "9049f1265b7d61be4a8904a9a27120d2064dab3b",
                "user": user_json(OWNER, 10_496_163),
                "repo": {
                    "id": REPO_ID,
                    "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
                    "name": REPO,
                    "full_name": format!("{OWNER}/{REPO}"),
                    "private": false,
                    "owner": user_json(OWNER, 10_496_163),
                    "html_url": format!("https://github.com/{OWNER}/{REPO}"),
                    "fork": false,
                    "url": format!("{api}/repos/{OWNER}/{REPO}")
                }
            },
            "author_association": "FIRST_TIME_CONTRIBUTOR",
            "auto_merge": null,
            "active_lock_reason": null,
            "merged": false,
            "mergeable": true,
            "rebaseable": true,
            "mergeable_state": "clean",
            "comments": 1,
            "review_comments": 0,
            "maintainer_can_modify": true,
            "commits": 1,
            "additions": 12,
            "deletions": 4,
            "changed_files": 2
        })
    }

    fn with_headers(&self, template: ResponseTemplate) -> ResponseTemplate {
        let used = self.requests_served;
        template
            .insert_header("x-github-api-version-selected", "2022-11-28")
            .insert_header("x-github-media-type", "github.v3; format=json")
            .insert_header("x-github-request-id", format!("E198:4063:33BD6:{used:05X}:652AAB04"))
            .insert_header("x-ratelimit-limit", "5000")
            .insert_header("x-ratelimit-remaining", (5000 - used.min(5000)).to_string())
            .insert_header("x-ratelimit-reset", RATE_LIMIT_RESET.to_string())
            .insert_header("x-ratelimit-used", used.to_string())
            .insert_header("x-ratelimit-resource", "core")
            .insert_header(
                "access-control-expose-headers",
                "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, \
                 X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, \
                 X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset",
            )
    }

    fn json(&self, status: u16, body: &Value) -> ResponseTemplate {
        self.with_headers(ResponseTemplate::new(status))
            .set_body_raw(body.to_string(), "application/json; charset=utf-8")
    }

    fn error(&self, status: u16, message: &str, documentation_url: &str) -> ResponseTemplate {
        self.json(
            status,
            &json!({ "message": message, "documentation_url": documentation_url, "status": status.to_string() }),
        )
    }

    fn not_accessible(&self, anchor: &str) -> ResponseTemplate {
        self.error(
            403,
            "Resource not accessible by integration",
            &format!("https://docs.github.com/rest/issues/comments#{anchor}"),
        )
        .insert_header("x-accepted-github-permissions", "issues=write; pull_requests=write")
    }

    fn too_long(&self, anchor: &str) -> ResponseTemplate {
        self.json(
            422,
            &json!({
                "message": "Validation Failed",
                "errors": [{
                    "resource": "IssueComment",
                    "code": "custom",
                    "field": "body",
                    "message": "body is too long (maximum is 65536 characters)"
                }],
                "documentation_url": format!("https://docs.github.com/rest/issues/comments#{anchor}"),
                "status": "422"
            }),
        )
    }
}

fn request_body(request: &Request) -> Option<String> {
    let value: Value = serde_json::from_slice(&request.body).ok()?;
    value.get("body")?.as_str().map(str::to_owned)
}

fn user_json(login: &str, id: u64) -> Value {
    let api = "https://api.github.com";
    let escaped = login.replace('[', "%5B").replace(']', "%5D");
    let is_bot = login.ends_with("[bot]");
    json!({
        "login": login,
        "id": id,
        "node_id": if is_bot { "MDM6Qm90NDE4OTgyODI=" } else { "MDQ6VXNlcjU4MzIzMQ==" },
        "avatar_url": if is_bot { "https://avatars.githubusercontent.com/in/15368?v=4".to_owned() } else { format!("https://avatars.githubusercontent.com/u/{id}?v=4") },
        "gravatar_id": "",
        "url": format!("{api}/users/{escaped}"),
        "html_url": if is_bot { "https://github.com/apps/github-actions".to_owned() } else { format!("https://github.com/{login}") },
        "followers_url": format!("{api}/users/{escaped}/followers"),
        "following_url": format!("{api}/users/{escaped}/following{{/other_user}}"),
        "gists_url": format!("{api}/users/{escaped}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/users/{escaped}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/users/{escaped}/subscriptions"),
        "organizations_url": format!("{api}/users/{escaped}/orgs"),
        "repos_url": format!("{api}/users/{escaped}/repos"),
        "events_url": format!("{api}/users/{escaped}/events{{/privacy}}"),
        "received_events_url": format!("{api}/users/{escaped}/received_events"),
        "type": if is_bot { "Bot" } else { "User" },
        "user_view_type": "public",
        "site_admin": false
    })
}
