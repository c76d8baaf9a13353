//! The GitHub adapter against a stateful fake of the REST API (see `support/fake_github.rs`).
//!
//! Each test asserts which writes reached the server, not only what the function returned: the
//! point of the sticky comment is that it never duplicates and never writes needlessly.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use gasguard::github::artifact::verify_pull_request_head;
use gasguard::github::comment::MAX_COMMENT_CHARS;
use gasguard::github::{
    ArtifactError, COMMENT_MARKER, ClientOptions, Clock, CommentOn, CommentOptions, CommentOutcome,
    ContextOverrides, GithubClient, GithubContext, GithubError, PrNumber, PullRequestClaim, RepoSlug,
    RetryPolicy, SkipReason, Token, comment_from_context, upsert_sticky_comment,
    verify_workflow_run_pull_request,
};
use support::fake_github::{
    BOT_LOGIN, FIRST_COMMENT_ID, FakeGithub, Fault, RATE_LIMIT_RESET, REPO_ID, Route,
};

/// Deliberately not in any real token format, so secret scanners stay quiet.
const TOKEN: &str = "test-token-must-never-leak-5f1c";
const FORK_HEAD: &str = "c3d0be41ecbe669545ee3e94d31ed9a4bc91ee3c";
const COMMENTS: &str = "/repos/acme/vault/issues/7/comments";

/// Records the waits it is asked for and returns at once; the time is fixed an hour before the
/// fake's `x-ratelimit-reset`.
#[derive(Default)]
struct RecordingClock {
    sleeps: Mutex<Vec<Duration>>,
}

impl RecordingClock {
    fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().map(|sleeps| sleeps.clone()).unwrap_or_default()
    }
}

impl Clock for RecordingClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(RATE_LIMIT_RESET - 3600)
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        if let Ok(mut sleeps) = self.sleeps.lock() {
            sleeps.push(duration);
        }
        Box::pin(async {})
    }
}

struct Setup {
    fake: FakeGithub,
    client: GithubClient,
    clock: Arc<RecordingClock>,
}

async fn setup() -> Setup {
    setup_with(|options| options).await
}

async fn setup_with(configure: impl FnOnce(ClientOptions) -> ClientOptions) -> Setup {
    let fake = FakeGithub::start(TOKEN).await;
    let clock = Arc::new(RecordingClock::default());
    let options = configure(ClientOptions { clock: clock.clone(), ..ClientOptions::default() });
    let token = Token::new(TOKEN, "GITHUB_TOKEN").expect("token");
    let client = GithubClient::new(&fake.uri(), &token, options).expect("client");
    Setup { fake, client, clock }
}

fn repo() -> RepoSlug {
    "acme/vault".parse().expect("slug")
}

fn pr() -> PrNumber {
    PrNumber::new(7).expect("number")
}

fn marked(body: &str) -> String {
    format!("{COMMENT_MARKER}\n{body}")
}

fn url_of(id: u64) -> String {
    format!("https://github.com/acme/vault/pull/7#issuecomment-{id}")
}

async fn upsert(setup: &Setup, body: &str, options: &CommentOptions) -> Result<CommentOutcome, GithubError> {
    upsert_sticky_comment(&setup.client, &repo(), pr(), body, options).await
}

#[tokio::test]
async fn first_run_creates_the_comment() {
    let setup = setup().await;
    let outcome = upsert(&setup, "## Gas report\n\nNo changes.", &CommentOptions::default()).await;
    assert_eq!(
        outcome.ok(),
        Some(CommentOutcome::Created { url: url_of(FIRST_COMMENT_ID), shortened: false })
    );
    let comments = setup.fake.comments(7);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, marked("## Gas report\n\nNo changes."));
    assert_eq!(comments[0].login, BOT_LOGIN);
    assert_eq!(
        setup.fake.requests().await,
        [format!("GET {COMMENTS}?per_page=100"), format!("POST {COMMENTS}")]
    );
    assert!(
        setup.fake.authorization_headers().await.iter().all(|header| header == &format!("Bearer {TOKEN}"))
    );
}

#[tokio::test]
async fn second_run_updates_the_same_comment() {
    let setup = setup().await;
    upsert(&setup, "first", &CommentOptions::default()).await.expect("first run");
    let outcome = upsert(&setup, "second", &CommentOptions::default()).await;
    assert_eq!(
        outcome.ok(),
        Some(CommentOutcome::Updated { url: url_of(FIRST_COMMENT_ID), shortened: false })
    );
    let comments = setup.fake.comments(7);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, marked("second"));
    assert_eq!(
        setup.fake.writes().await,
        [format!("POST {COMMENTS}"), format!("PATCH /repos/acme/vault/issues/comments/{FIRST_COMMENT_ID}")]
    );
}

#[tokio::test]
async fn unchanged_body_makes_no_write() {
    let setup = setup().await;
    setup.fake.seed_comment(7, BOT_LOGIN, &format!("{COMMENT_MARKER}\r\nsame\r\n"));
    let outcome = upsert(&setup, "same", &CommentOptions::default()).await;
    assert_eq!(outcome.ok(), Some(CommentOutcome::Unchanged { url: url_of(FIRST_COMMENT_ID) }));
    assert_eq!(setup.fake.writes().await, Vec::<String>::new());
}

#[tokio::test]
async fn marker_on_page_three_is_found_through_link_headers() {
    let setup = setup().await;
    for index in 0..240 {
        let login = if index % 2 == 0 { "mallory" } else { "dependabot[bot]" };
        setup.fake.seed_comment(7, login, &format!("comment {index}"));
    }
    let ours = setup.fake.seed_comment(7, BOT_LOGIN, &marked("old numbers"));
    for index in 0..9 {
        setup.fake.seed_comment(7, "mallory", &format!("later comment {index}"));
    }
    let outcome = upsert(&setup, "new numbers", &CommentOptions::default()).await;
    assert_eq!(outcome.ok(), Some(CommentOutcome::Updated { url: url_of(ours), shortened: false }));
    assert_eq!(
        setup.fake.requests().await,
        [
            format!("GET {COMMENTS}?per_page=100"),
            format!("GET /repositories/{REPO_ID}/issues/7/comments?per_page=100&page=2"),
            format!("GET /repositories/{REPO_ID}/issues/7/comments?per_page=100&page=3"),
            format!("PATCH /repos/acme/vault/issues/comments/{ours}"),
        ]
    );
    assert_eq!(setup.fake.comments(7).len(), 250);
}

#[tokio::test]
async fn another_users_marked_comment_is_ignored() {
    let setup = setup().await;
    let planted = setup.fake.seed_comment(7, "mallory", &marked("fake report: all good"));
    let outcome = upsert(&setup, "real report", &CommentOptions::default()).await;
    assert_eq!(outcome.ok(), Some(CommentOutcome::Created { url: url_of(planted + 1), shortened: false }));
    let comments = setup.fake.comments(7);
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[0].body, marked("fake report: all good"), "the planted comment is untouched");
    assert_eq!(setup.fake.writes().await, [format!("POST {COMMENTS}")]);
}

#[tokio::test]
async fn create_that_failed_with_502_is_retried_after_listing_again() {
    let setup = setup().await;
    setup.fake.push_fault(Fault::bad_gateway(Route::CreateComment));
    let outcome = upsert(&setup, "report", &CommentOptions::default()).await;
    assert_eq!(
        outcome.ok(),
        Some(CommentOutcome::Created { url: url_of(FIRST_COMMENT_ID), shortened: false })
    );
    assert_eq!(setup.fake.comments(7).len(), 1);
    assert_eq!(
        setup.fake.requests().await,
        [
            format!("GET {COMMENTS}?per_page=100"),
            format!("POST {COMMENTS}"),
            format!("GET {COMMENTS}?per_page=100"),
            format!("POST {COMMENTS}"),
        ]
    );
    assert_eq!(setup.clock.sleeps(), [Duration::from_secs(1)]);
}

// Guards against the duplicate a blind retry makes when GitHub stored the comment but the
// answer was lost on the way back.
#[tokio::test]
async fn create_that_landed_despite_a_502_is_not_sent_again() {
    let setup = setup().await;
    setup.fake.push_fault(Fault::bad_gateway(Route::CreateComment).committed());
    let outcome = upsert(&setup, "report", &CommentOptions::default()).await;
    assert_eq!(
        outcome.ok(),
        Some(CommentOutcome::Created { url: url_of(FIRST_COMMENT_ID), shortened: false })
    );
    assert_eq!(setup.fake.comments(7).len(), 1);
    assert_eq!(
        setup.fake.requests().await,
        [
            format!("GET {COMMENTS}?per_page=100"),
            format!("POST {COMMENTS}"),
            format!("GET {COMMENTS}?per_page=100")
        ]
    );
}

#[tokio::test]
async fn create_that_timed_out_is_not_sent_again() {
    let setup =
        setup_with(|options| ClientOptions { read_timeout: Duration::from_millis(300), ..options }).await;
    setup.fake.push_fault(Fault::slow(Route::CreateComment, Duration::from_secs(3)));
    let outcome = upsert(&setup, "report", &CommentOptions::default()).await;
    assert_eq!(
        outcome.ok(),
        Some(CommentOutcome::Created { url: url_of(FIRST_COMMENT_ID), shortened: false })
    );
    assert_eq!(setup.fake.comments(7).len(), 1);
    assert_eq!(setup.fake.writes().await, [format!("POST {COMMENTS}")]);
}

#[tokio::test]
async fn persistent_5xx_gives_up_after_bounded_attempts_without_duplicates() {
    let setup = setup().await;
    for _ in 0..10 {
        setup.fake.push_fault(Fault::bad_gateway(Route::CreateComment));
    }
    let error = upsert(&setup, "report", &CommentOptions::default()).await.expect_err("GitHub stays down");
    assert_eq!(format!("{error}"), format!("gave up on `POST {COMMENTS}` after 5 attempts"));
    assert_eq!(error.status(), Some(502));
    assert_eq!(setup.fake.writes().await.len(), 5);
    assert!(setup.fake.comments(7).is_empty());
    let waits: Vec<u64> = setup.clock.sleeps().iter().map(Duration::as_secs).collect();
    assert_eq!(waits, [1, 2, 4, 8]);
}

#[tokio::test]
async fn two_marked_comments_keep_the_newest_and_delete_the_other() {
    let setup = setup().await;
    let older = setup.fake.seed_comment(7, BOT_LOGIN, &marked("run A"));
    setup.fake.seed_comment(7, "mallory", "nice work");
    let newer = setup.fake.seed_comment(7, BOT_LOGIN, &marked("run B"));
    let outcome = upsert(&setup, "run C", &CommentOptions::default()).await;
    assert_eq!(outcome.ok(), Some(CommentOutcome::Updated { url: url_of(newer), shortened: false }));
    assert_eq!(
        setup.fake.writes().await,
        [
            format!("PATCH /repos/acme/vault/issues/comments/{newer}"),
            format!("DELETE /repos/acme/vault/issues/comments/{older}"),
        ]
    );
    let bodies: Vec<String> = setup.fake.comments(7).into_iter().map(|comment| comment.body).collect();
    assert_eq!(bodies, ["nice work".to_owned(), marked("run C")]);
}

#[tokio::test]
async fn delete_that_landed_before_a_502_counts_as_done() {
    let setup = setup().await;
    let older = setup.fake.seed_comment(7, BOT_LOGIN, &marked("run A"));
    setup.fake.seed_comment(7, BOT_LOGIN, &marked("run B"));
    setup.fake.push_fault(Fault::bad_gateway(Route::DeleteComment).committed());
    let outcome = upsert(&setup, "run B", &CommentOptions::default()).await;
    assert!(matches!(outcome, Ok(CommentOutcome::Unchanged { .. })), "{outcome:?}");
    let delete = format!("DELETE /repos/acme/vault/issues/comments/{older}");
    assert_eq!(setup.fake.writes().await, [delete.clone(), delete]);
    assert_eq!(setup.fake.comments(7).len(), 1);
}

#[tokio::test]
async fn read_only_token_on_a_fork_is_a_skip_that_explains_the_two_workflow_pattern() {
    let setup = setup().await;
    setup.fake.set_read_only(true);
    let outcome = upsert(&setup, "report", &CommentOptions::default()).await;
    let Ok(CommentOutcome::Skipped { reason }) = outcome else { panic!("expected a skip, got {outcome:?}") };
    assert_eq!(reason, SkipReason::ReadOnlyToken { pr: pr() });
    assert!(reason.is_warning());
    let text = reason.to_string();
    assert!(text.contains("`workflow_run`") && text.contains("gas-check-fork-unprivileged.yml"), "{text}");
    assert_eq!(setup.fake.writes().await, [format!("POST {COMMENTS}")]);
    assert!(setup.clock.sleeps().is_empty(), "a permission error is not retried");
}

#[tokio::test]
async fn rate_limit_429_with_retry_after_waits_and_succeeds() {
    let setup = setup().await;
    setup.fake.push_fault(Fault::too_many_requests(Route::ListComments, 1));
    let outcome = upsert(&setup, "report", &CommentOptions::default()).await;
    assert!(matches!(outcome, Ok(CommentOutcome::Created { .. })), "{outcome:?}");
    assert_eq!(setup.clock.sleeps(), [Duration::from_secs(1)]);
    assert_eq!(setup.client.total_waited(), Duration::from_secs(1));
    assert_eq!(setup.fake.comments(7).len(), 1);
}

#[tokio::test]
async fn secondary_rate_limit_403_on_create_waits_lists_again_and_creates_once() {
    let setup = setup().await;
    setup.fake.push_fault(Fault::secondary_rate_limit_403(Route::CreateComment, 3));
    let outcome = upsert(&setup, "report", &CommentOptions::default()).await;
    assert!(matches!(outcome, Ok(CommentOutcome::Created { .. })), "{outcome:?}");
    assert_eq!(setup.clock.sleeps(), [Duration::from_secs(3)]);
    assert_eq!(setup.fake.comments(7).len(), 1);
    assert_eq!(setup.fake.requests().await.len(), 4, "list, create (403), list, create");
}

#[tokio::test]
async fn exhausted_primary_rate_limit_beyond_the_budget_fails_without_sleeping() {
    let setup = setup().await;
    setup.fake.push_fault(Fault::primary_rate_limit(Route::ListComments, RATE_LIMIT_RESET));
    let error =
        upsert(&setup, "report", &CommentOptions::default()).await.expect_err("an hour is over budget");
    assert!(matches!(error, GithubError::RetryBudgetExhausted { .. }), "{error:?}");
    assert_eq!(
        format!("{error}"),
        format!(
            "gave up on `GET {COMMENTS}`: it asks for a wait of 3601s, more than the 60s left of the retry budget"
        )
    );
    assert!(setup.clock.sleeps().is_empty());
    assert!(setup.fake.writes().await.is_empty());
}

#[tokio::test]
async fn validation_failure_422_falls_back_to_the_short_comment() {
    let setup = setup().await;
    setup.fake.set_max_body_chars(2_000);
    let options = CommentOptions {
        job_summary_url: Some("https://github.com/acme/vault/actions/runs/42".to_owned()),
        summary_line: Some("**Verdict: fail**".to_owned()),
        ..CommentOptions::default()
    };
    let outcome = upsert(&setup, &"| row |\n".repeat(400), &options).await;
    assert_eq!(
        outcome.ok(),
        Some(CommentOutcome::Created { url: url_of(FIRST_COMMENT_ID), shortened: true })
    );
    let comments = setup.fake.comments(7);
    assert_eq!(comments.len(), 1);
    assert!(comments[0].body.starts_with(COMMENT_MARKER));
    assert!(comments[0].body.contains("**Verdict: fail**"));
    assert!(comments[0].body.contains("[job summary](https://github.com/acme/vault/actions/runs/42)"));
    assert_eq!(setup.fake.writes().await, [format!("POST {COMMENTS}"), format!("POST {COMMENTS}")]);
}

#[tokio::test]
async fn validation_failure_422_on_update_falls_back_too() {
    let setup = setup().await;
    let ours = setup.fake.seed_comment(7, BOT_LOGIN, &marked("short old report"));
    setup.fake.set_max_body_chars(2_000);
    let outcome = upsert(&setup, &"| row |\n".repeat(400), &CommentOptions::default()).await;
    assert_eq!(outcome.ok(), Some(CommentOutcome::Updated { url: url_of(ours), shortened: true }));
    assert!(setup.fake.comments(7)[0].body.contains("does not fit in a pull-request comment"));
}

#[tokio::test]
async fn body_over_githubs_limit_is_never_sent() {
    let setup = setup().await;
    let outcome = upsert(&setup, &"x".repeat(MAX_COMMENT_CHARS + 1), &CommentOptions::default()).await;
    assert!(matches!(outcome, Ok(CommentOutcome::Created { shortened: true, .. })), "{outcome:?}");
    assert_eq!(setup.fake.writes().await, [format!("POST {COMMENTS}")]);
    assert!(setup.fake.comments(7)[0].body.chars().count() < 1_000);
}

#[tokio::test]
async fn comment_on_changes_skips_a_new_comment_but_updates_an_existing_one() {
    let setup = setup().await;
    let quiet =
        CommentOptions { comment_on: CommentOn::Changes, has_changes: false, ..CommentOptions::default() };
    let outcome = upsert(&setup, "no changes", &quiet).await;
    assert_eq!(
        outcome.ok(),
        Some(CommentOutcome::Skipped { reason: SkipReason::Policy { comment_on: CommentOn::Changes } })
    );
    assert!(setup.fake.writes().await.is_empty());

    let ours = setup.fake.seed_comment(7, BOT_LOGIN, &marked("2 regressions"));
    let outcome = upsert(&setup, "no changes", &quiet).await;
    assert_eq!(outcome.ok(), Some(CommentOutcome::Updated { url: url_of(ours), shortened: false }));

    let failing_only =
        CommentOptions { comment_on: CommentOn::Failure, failed: false, ..CommentOptions::default() };
    setup.fake.seed_comment(8, "mallory", "unrelated");
    let outcome =
        upsert_sticky_comment(&setup.client, &repo(), PrNumber::new(8).expect("number"), "ok", &failing_only)
            .await;
    assert!(
        matches!(outcome, Ok(CommentOutcome::Skipped { reason: SkipReason::Policy { .. } })),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn the_token_never_appears_in_errors_or_debug_output() {
    let setup = setup().await;
    assert!(!format!("{:?}", setup.client).contains(TOKEN));

    // 401 from a wrong token.
    let wrong = Token::new("wrong-token-also-secret-99", "GITHUB_TOKEN").expect("token");
    let client = GithubClient::new(&setup.fake.uri(), &wrong, ClientOptions::default()).expect("client");
    let unauthorized = upsert_sticky_comment(&client, &repo(), pr(), "x", &CommentOptions::default())
        .await
        .expect_err("401");
    assert_eq!(unauthorized.status(), Some(401));

    // A transport failure: nothing listens on the port.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let options = ClientOptions {
        retry: RetryPolicy { max_attempts: 2, ..RetryPolicy::default() },
        clock: Arc::new(RecordingClock::default()),
        ..ClientOptions::default()
    };
    let token = Token::new(TOKEN, "GITHUB_TOKEN").expect("token");
    let client = GithubClient::new(&format!("http://127.0.0.1:{port}"), &token, options).expect("client");
    let unreachable = upsert_sticky_comment(&client, &repo(), pr(), "x", &CommentOptions::default())
        .await
        .expect_err("refused");
    assert!(matches!(unreachable, GithubError::RetriesExhausted { .. }), "{unreachable:?}");

    // 5xx exhaustion and a read-only skip.
    for _ in 0..5 {
        setup.fake.push_fault(Fault::bad_gateway(Route::ListComments));
    }
    let exhausted = upsert(&setup, "x", &CommentOptions::default()).await.expect_err("502s");
    setup.fake.set_read_only(true);
    let skipped = upsert(&setup, "x", &CommentOptions::default()).await;

    let dump = |error: GithubError| {
        let plain = format!("{error} {error:?}");
        format!("{plain} {:#}", anyhow::Error::from(error))
    };
    let dumps = [
        dump(unauthorized),
        dump(unreachable),
        dump(exhausted),
        format!("{skipped:?}"),
        format!("{token:?} {token}"),
    ];
    for dump in dumps {
        assert!(!dump.contains(TOKEN) && !dump.contains("wrong-token-also-secret"), "token leaked: {dump}");
    }
}

#[tokio::test]
async fn comment_from_context_uses_the_pull_request_event() {
    let fake = FakeGithub::start(TOKEN).await;
    let uri = fake.uri();
    let env = fixture_env(&uri, "pull_request", "pull_request.json", Some(TOKEN));
    let context = GithubContext::from_env(&env, &ContextOverrides::default()).expect("context");
    assert_eq!(context.pull_request, Some(pr()));
    let outcome =
        comment_from_context(&context, "report", &CommentOptions::default(), ClientOptions::default()).await;
    assert!(matches!(outcome, Ok(CommentOutcome::Created { .. })), "{outcome:?}");
    assert_eq!(fake.comments(7).len(), 1);

    let env = fixture_env(&uri, "pull_request", "pull_request.json", None);
    let context = GithubContext::from_env(&env, &ContextOverrides::default()).expect("context");
    let outcome =
        comment_from_context(&context, "report", &CommentOptions::default(), ClientOptions::default()).await;
    let Ok(CommentOutcome::Skipped { reason }) = outcome else { panic!("expected a skip, got {outcome:?}") };
    assert_eq!(reason, SkipReason::NoToken { env: "GITHUB_TOKEN".to_owned() });
    assert_eq!(fake.requests().await.len(), 2, "no request without a token");
}

#[tokio::test]
async fn workflow_run_artifact_is_checked_against_the_pull_requests_head() {
    let fake = FakeGithub::start(TOKEN).await;
    fake.add_pull(8, FORK_HEAD, Some("mallory/vault"));
    fake.add_pull(9, "1111111111111111111111111111111111111111", Some("mallory/vault"));
    fake.add_pull(11, FORK_HEAD, Some("eve/vault"));
    let env = fixture_env(&fake.uri(), "workflow_run", "workflow_run.json", Some(TOKEN));
    let context = GithubContext::from_env(&env, &ContextOverrides::default()).expect("context");
    assert!(context.is_fork());
    assert_eq!(context.pull_request, None, "a workflow_run names no trusted pull request by itself");
    let token = Token::new(TOKEN, "GITHUB_TOKEN").expect("token");
    let client = GithubClient::new(&fake.uri(), &token, ClientOptions::default()).expect("client");

    let claim_text = std::fs::read_to_string(fixture("gasguard-pr.json")).expect("claim fixture");
    let claim = PullRequestClaim::from_json(&claim_text).expect("claim");
    let verified = verify_workflow_run_pull_request(&client, &context, &claim).await.expect("matching head");
    assert_eq!(verified.number.get(), 8);
    assert_eq!(verified.head_sha.as_str(), FORK_HEAD);

    let other = PullRequestClaim { number: PrNumber::new(9).expect("number"), head_sha: None };
    let error = verify_workflow_run_pull_request(&client, &context, &other).await.expect_err("other head");
    assert!(matches!(error, ArtifactError::HeadMismatch { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with("refusing to comment on pull request #9: its head is `1111"),
        "{error}"
    );

    let missing = PullRequestClaim { number: PrNumber::new(10).expect("number"), head_sha: None };
    let error =
        verify_workflow_run_pull_request(&client, &context, &missing).await.expect_err("no such pull");
    assert!(matches!(error, ArtifactError::NotFound { .. }), "{error:?}");

    let other_fork = PullRequestClaim { number: PrNumber::new(11).expect("number"), head_sha: None };
    let error =
        verify_workflow_run_pull_request(&client, &context, &other_fork).await.expect_err("other fork");
    assert!(matches!(error, ArtifactError::HeadRepoMismatch { .. }), "{error:?}");

    let before = fake.requests().await.len();
    let lying = PullRequestClaim {
        number: PrNumber::new(8).expect("number"),
        head_sha: Some("2222222222222222222222222222222222222222".parse().expect("sha")),
    };
    let error = verify_workflow_run_pull_request(&client, &context, &lying).await.expect_err("claimed sha");
    assert!(matches!(error, ArtifactError::ClaimedShaMismatch { .. }), "{error:?}");
    assert_eq!(fake.requests().await.len(), before, "refused before asking the API");

    let direct = verify_pull_request_head(
        &client,
        &repo(),
        PrNumber::new(8).expect("number"),
        &verified.head_sha,
        None,
    )
    .await
    .expect("plain-value check");
    assert_eq!(direct, verified);
}

#[tokio::test]
async fn a_pull_request_event_is_not_a_workflow_run() {
    let fake = FakeGithub::start(TOKEN).await;
    let env = fixture_env(&fake.uri(), "pull_request", "pull_request_fork.json", Some(TOKEN));
    let context = GithubContext::from_env(&env, &ContextOverrides::default()).expect("context");
    assert!(context.is_fork());
    let token = Token::new(TOKEN, "GITHUB_TOKEN").expect("token");
    let client = GithubClient::new(&fake.uri(), &token, ClientOptions::default()).expect("client");
    let claim = PullRequestClaim { number: PrNumber::new(8).expect("number"), head_sha: None };
    let error = verify_workflow_run_pull_request(&client, &context, &claim).await.expect_err("wrong event");
    assert!(matches!(error, ArtifactError::NotAWorkflowRun), "{error:?}");
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/github").join(name)
}

fn fixture_env(
    api_url: &str,
    event_name: &str,
    event_file: &str,
    token: Option<&str>,
) -> impl Fn(&str) -> Option<String> + use<> {
    let mut vars = vec![
        ("GITHUB_API_URL".to_owned(), api_url.to_owned()),
        ("GITHUB_REPOSITORY".to_owned(), "acme/vault".to_owned()),
        ("GITHUB_EVENT_NAME".to_owned(), event_name.to_owned()),
        ("GITHUB_EVENT_PATH".to_owned(), fixture(event_file).to_string_lossy().into_owned()),
        ("GITHUB_RUN_ID".to_owned(), "9876543210".to_owned()),
    ];
    if let Some(token) = token {
        vars.push(("GITHUB_TOKEN".to_owned(), token.to_owned()));
    }
    move |name: &str| vars.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone())
}
