//! The real binary in a simulated GitHub Actions job: `GITHUB_*` variables, a real event payload
//! file, and a stateful fake of the REST API (`support/fake_github.rs`). Checks the sticky
//! comment, the job summary, the step outputs, the annotations, the fork fallback, the
//! two-workflow pattern, and that the token never appears in anything gasguard writes or sends:
//! stdout, stderr, every file in the job's folder (job summary and step outputs included), and
//! every request to the fake but its `Authorization` header.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use support::fake_github::{BOT_LOGIN, FakeGithub, Fault, Route};
use support::{fixture, gasguard_with_env, stderr, stdout};

const TOKEN: &str = "e2e-token-must-never-leak-9b2d";
const FORK_HEAD: &str = "c3d0be41ecbe669545ee3e94d31ed9a4bc91ee3c";

struct Job<'a> {
    dir: tempfile::TempDir,
    fake: &'a FakeGithub,
}

impl<'a> Job<'a> {
    /// A project folder with the demo config and a baseline that makes `transfer` a regression
    /// when `regress` is set.
    fn new(fake: &'a FakeGithub, regress: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(fixture("demo/gasguard.toml")).unwrap();
        let artifacts = fixture("artifacts/foundry/out");
        let text =
            text.replace("\"../artifacts/foundry/out\"", &format!("{:?}", artifacts.to_str().unwrap()));
        std::fs::write(dir.path().join("gasguard.toml"), text).unwrap();
        let job = Self { dir, fake };
        let output = gasguard_with_env(job.dir.path(), &["baseline"], &[]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        if regress {
            let path = job.path(".gasguard/baseline.json");
            let mut report: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            *report
                .pointer_mut("/contracts/contracts~1Token.sol:Token/functions/transfer(address,uint256)/mean")
                .unwrap() = Value::from(40_000);
            std::fs::write(&path, serde_json::to_string(&report).unwrap()).unwrap();
        }
        job
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs gasguard as an Actions step for `event` (a file under `fixtures/github/`).
    async fn run(&self, event_name: &str, event: &str, args: &[&str]) -> Output {
        let dir = self.dir.path().to_owned();
        let env: Vec<(String, String)> = vec![
            ("GITHUB_ACTIONS".into(), "true".into()),
            ("GITHUB_API_URL".into(), self.fake.uri()),
            ("GITHUB_SERVER_URL".into(), "https://github.com".into()),
            ("GITHUB_REPOSITORY".into(), "acme/vault".into()),
            ("GITHUB_EVENT_NAME".into(), event_name.into()),
            ("GITHUB_EVENT_PATH".into(), fixture(&format!("github/{event}")).display().to_string()),
            ("GITHUB_TOKEN".into(), TOKEN.into()),
            ("GITHUB_RUN_ID".into(), "1245374547".into()),
            ("GITHUB_STEP_SUMMARY".into(), self.path("summary.md").display().to_string()),
            ("GITHUB_OUTPUT".into(), self.path("output.txt").display().to_string()),
        ];
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let output = tokio::task::spawn_blocking(move || {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            gasguard_with_env(&dir, &args, &env)
        })
        .await
        .unwrap();
        let all = format!("{}{}", stdout(&output), stderr(&output));
        assert!(!all.contains(TOKEN), "the token leaked into the output:\n{all}");
        self.assert_token_never_written().await;
        output
    }

    /// Scans every file in the job's folder and everything sent to the fake.
    async fn assert_token_never_written(&self) {
        let mut folders = vec![self.dir.path().to_owned()];
        let mut files = 0;
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                    continue;
                }
                let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                assert!(!text.contains(TOKEN), "the token leaked into `{}`:\n{text}", path.display());
                files += 1;
            }
        }
        assert!(files >= 2, "the config and the baseline at least were scanned");
        for request in self.fake.requests_in_full().await {
            assert!(!request.contains(TOKEN), "the token was sent outside `Authorization`:\n{request}");
        }
        for comment in self.fake.all_comments() {
            assert!(!comment.body.contains(TOKEN), "the token leaked into a comment:\n{}", comment.body);
        }
    }

    /// The privileged `workflow_run` step of the fork-safe pair.
    async fn post_diff(&self, diff: &Path, claim: &Path) -> Output {
        self.run(
            "workflow_run",
            "workflow_run.json",
            &["comment", "--diff", path(diff), "--pr-claim", path(claim)],
        )
        .await
    }

    fn outputs(&self) -> String {
        std::fs::read_to_string(self.path("output.txt")).unwrap_or_default()
    }
}

fn output_value(outputs: &str, name: &str) -> Option<String> {
    let mut lines = outputs.lines();
    while let Some(line) = lines.next() {
        if let Some(delimiter) = line.strip_prefix(&format!("{name}<<")) {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
            return Some(value.join("\n"));
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_request_check_creates_then_updates_one_comment() {
    let fake = FakeGithub::start(TOKEN).await;
    let job = Job::new(&fake, true);
    let output = job.run("pull_request", "pull_request.json", &["check", "--comment"]).await;
    assert_eq!(output.status.code(), Some(1), "a regression fails the check:\n{}", stderr(&output));
    let comments = fake.comments(7);
    assert_eq!(comments.len(), 1, "one comment on PR #7");
    assert_eq!(fake.writes().await, ["POST /repos/acme/vault/issues/7/comments"], "one create, no PATCH");
    assert!(comments[0].body.starts_with("<!-- gasguard:comment -->"));
    assert!(comments[0].body.contains("transfer"), "{}", comments[0].body);
    // Outputs, summary and annotations.
    let outputs = job.outputs();
    assert_eq!(output_value(&outputs, "verdict").as_deref(), Some("fail"), "{outputs}");
    assert_eq!(output_value(&outputs, "regressions").as_deref(), Some("1"));
    assert!(
        output_value(&outputs, "comment-url").is_some_and(|url| url.contains("issuecomment")),
        "{outputs}"
    );
    let summary = std::fs::read_to_string(job.path("summary.md")).unwrap();
    assert!(summary.contains("gasguard"), "{summary}");
    // Workflow commands go to stderr (the runner reads both), so stdout stays data.
    assert!(!stdout(&output).contains("::"), "{}", stdout(&output));
    let printed = stderr(&output);
    let annotations: Vec<&str> = printed.lines().filter(|l| l.starts_with("::error")).collect();
    assert_eq!(annotations.len(), 1, "{printed}");
    // Named as the comment names it, not by its id.
    assert!(annotations[0].contains("::Token.transfer(address,uint256): +"), "{}", annotations[0]);
    assert!(!annotations[0].contains("fn:"), "{}", annotations[0]);

    // A second push with the same result writes nothing; a changed result updates in place.
    let writes_before = fake.writes().await.len();
    let output = job.run("pull_request", "pull_request.json", &["check", "--comment"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(fake.writes().await.len(), writes_before, "an unchanged body makes no write");
    std::fs::remove_file(job.path(".gasguard/baseline.json")).unwrap();
    let output = job
        .run("pull_request", "pull_request.json", &["check", "--comment", "--if-no-baseline", "pass"])
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let comments = fake.comments(7);
    assert_eq!(comments.len(), 1, "still one comment");
    let id = comments[0].id;
    assert_eq!(
        fake.writes().await[writes_before..],
        [format!("PATCH /repos/acme/vault/issues/comments/{id}")],
        "one update in place, nothing else"
    );
    assert!(comments[0].body.contains("gasguard baseline"), "updated to the new result");
}

/// A fork's read-only token: no error, a warning explaining the two-workflow pattern, the summary
/// and outputs still written, and the exit code is the verdict's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fork_pull_request_falls_back_with_the_verdicts_exit_code() {
    let fake = FakeGithub::start(TOKEN).await;
    fake.set_read_only(true);
    let job = Job::new(&fake, true);
    let output = job.run("pull_request", "pull_request_fork.json", &["check", "--comment"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("two-workflow"), "{}", stderr(&output));
    assert!(stderr(&output).contains("::warning title=gasguard::"), "{}", stderr(&output));
    // The comment was attempted on the right pull request, and the read-only token refused it.
    assert_eq!(fake.writes().await, ["POST /repos/acme/vault/issues/8/comments"]);
    assert!(stderr(&output).contains("not commenting on pull request #8: the token is read-only"));
    assert!(fake.comments(8).is_empty());
    assert_eq!(output_value(&job.outputs(), "verdict").as_deref(), Some("fail"));
    assert!(job.path("summary.md").exists());

    // Passing check on a fork: exit 0 despite the failed comment; --require-comment makes it 2.
    let job = Job::new(&fake, false);
    let output = job.run("pull_request", "pull_request_fork.json", &["check", "--comment"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output =
        job.run("pull_request", "pull_request_fork.json", &["check", "--comment", "--require-comment"]).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

/// API faults never change the verdict: a 502 on create followed by success leaves one comment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_on_create_leaves_exactly_one_comment() {
    let fake = FakeGithub::start(TOKEN).await;
    fake.push_fault(Fault::bad_gateway(Route::CreateComment).committed());
    let job = Job::new(&fake, false);
    let output = job.run("pull_request", "pull_request.json", &["check", "--comment"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(fake.comments(7).len(), 1, "the retry found the comment the failed create had made");
    assert_eq!(
        fake.writes().await,
        ["POST /repos/acme/vault/issues/7/comments"],
        "the create that landed is neither sent again nor patched"
    );
}

/// The fork-safe pair: the unprivileged run writes `diff.json`; `gasguard comment` in the
/// `workflow_run` job verifies the claimed PR against the API and posts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflow_run_posts_the_unprivileged_diff() {
    let fake = FakeGithub::start(TOKEN).await;
    fake.add_pull(8, FORK_HEAD, Some("mallory/vault"));
    let job = Job::new(&fake, true);
    let output = job
        .run("pull_request", "pull_request_fork.json", &["check", "--format", "json", "--out", "diff.json"])
        .await;
    assert_eq!(output.status.code(), Some(1));
    let claim = fixture("github/gasguard-pr.json");
    let diff = job.path("diff.json");
    let output = job.post_diff(&diff, &claim).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let comments = fake.comments(8);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].login, BOT_LOGIN);
    assert!(comments[0].body.contains("transfer"));

    // A claim for a PR whose head moved on is refused (exit 2) and posts nothing.
    let fake = FakeGithub::start(TOKEN).await;
    fake.add_pull(8, "0000000000000000000000000000000000000001", Some("mallory/vault"));
    let job = Job { dir: job.dir, fake: &fake };
    let output = job.post_diff(&diff, &claim).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(fake.comments(8).is_empty());
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The sticky comment is found on page 3 (250 comments, 100 a page, through `Link`) and updated
/// in place; another user's comment carrying the marker is never touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marker_on_page_three_is_updated_and_foreign_markers_are_ignored() {
    let fake = FakeGithub::start(TOKEN).await;
    let impostor = fake.seed_comment(7, "mallory", "<!-- gasguard:comment -->\nfake numbers");
    for index in 0..248 {
        fake.seed_comment(7, "octocat", &format!("review comment {index}"));
    }
    let ours = fake.seed_comment(7, BOT_LOGIN, "<!-- gasguard:comment -->\nold numbers");
    let job = Job::new(&fake, false);
    let output = job.run("pull_request", "pull_request.json", &["check", "--comment"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let comments = fake.comments(7);
    assert_eq!(comments.len(), 250, "nothing created or deleted");
    assert_eq!(
        fake.writes().await,
        [format!("PATCH /repos/acme/vault/issues/comments/{ours}")],
        "one update of our comment, nothing else"
    );
    let updated = comments.iter().find(|c| c.id == ours).unwrap();
    assert!(
        updated.body.contains("gasguard baseline") || updated.body.contains("No gas changes"),
        "{}",
        updated.body
    );
    assert_ne!(updated.body, "<!-- gasguard:comment -->\nold numbers");
    let foreign = comments.iter().find(|c| c.id == impostor).unwrap();
    assert_eq!(foreign.body, "<!-- gasguard:comment -->\nfake numbers", "another user's comment is not ours");
    let pages: Vec<String> = fake.requests().await.into_iter().filter(|r| r.starts_with("GET")).collect();
    assert!(pages.iter().any(|r| r.contains("page=3")), "{pages:?}");
}

/// A secondary rate limit (429 with `retry-after`) is waited out and the comment made once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_is_waited_out() {
    let fake = FakeGithub::start(TOKEN).await;
    fake.push_fault(Fault::too_many_requests(Route::CreateComment, 1));
    let job = Job::new(&fake, false);
    let started = std::time::Instant::now();
    let output = job.run("pull_request", "pull_request.json", &["check", "--comment"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "retry-after: 1 was honoured");
    assert_eq!(fake.comments(7).len(), 1);
    let create = "POST /repos/acme/vault/issues/7/comments";
    assert_eq!(fake.writes().await, [create, create], "the refused create, then one more, nothing else");
}

/// A body the API refuses (422, too long) falls back to a short comment linking the job summary;
/// the exit code stays the verdict's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_body_falls_back_to_a_short_comment() {
    let fake = FakeGithub::start(TOKEN).await;
    fake.set_max_body_chars(1_000);
    let job = Job::new(&fake, true);
    let output = job.run("pull_request", "pull_request.json", &["check", "--comment"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let comments = fake.comments(7);
    assert_eq!(comments.len(), 1);
    let create = "POST /repos/acme/vault/issues/7/comments";
    assert_eq!(fake.writes().await, [create, create], "the refused body, then the short one, nothing else");
    assert!(comments[0].body.chars().count() <= 1_000);
    assert!(
        comments[0].body.contains("https://github.com/acme/vault/actions/runs/1245374547"),
        "{}",
        comments[0].body
    );
    assert!(stderr(&output).contains("too long"), "{}", stderr(&output));
}
