//! The sticky pull-request comment: one gasguard comment per pull request, found again by the
//! hidden marker on its first line and updated in place.
//!
//! Rules, in order:
//!
//! 1. List *all* comments (every page) and keep those whose first line is [`COMMENT_MARKER`] and
//!    whose author is the trusted login (`github-actions[bot]` by default): anyone can paste the
//!    marker, only our bot's comments count.
//! 2. Several marked comments mean two runs raced: the newest (by `created_at`, then `id`) is kept
//!    and the others are deleted.
//! 3. An existing comment is updated only if its body differs; an unchanged body makes no write.
//! 4. `comment-on` decides whether a *new* comment may be created: `always`; `changes` only when
//!    the diff has changes; `failure` only when the verdict fails. An existing comment is updated
//!    under every policy, so it never shows stale numbers after the next push.
//! 5. A create is never blindly re-sent. After a failed or timed-out create, the comments are
//!    listed again and a marked comment found there is taken as ours.
//! 6. A body longer than GitHub's 65,536 characters, or a `422` from the API, is replaced by a
//!    short comment that links the job summary.
//! 7. A read-only token (`403 Resource not accessible by integration`, as on pull requests from
//!    forks) or no token at all is a skip with an explanation, not an error.
//!
//! This module decides what to write; [`crate::github::client`] does the HTTP. It never prints:
//! the caller shows [`CommentOutcome`] and [`SkipReason`] through its printer.

use std::fmt;
use std::str::FromStr;

use crate::github::client::{ClientOptions, GithubClient, GithubError, IssueComment};
use crate::github::context::{GithubContext, PrNumber, RepoSlug};

/// The hidden first line that marks gasguard's comment.
pub const COMMENT_MARKER: &str = "<!-- gasguard:comment -->";
/// GitHub's limit on the length of a comment body, in characters.
pub const MAX_COMMENT_CHARS: usize = 65_536;
/// The login of the `GITHUB_TOKEN` bot, the default author whose marked comments are ours.
pub const DEFAULT_TRUSTED_AUTHOR: &str = "github-actions[bot]";

/// When to post a new comment (the action's `comment-on` input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommentOn {
    /// On every run.
    #[default]
    Always,
    /// Only when the diff has changes.
    Changes,
    /// Only when the verdict fails.
    Failure,
}

impl CommentOn {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::Changes => "changes",
            Self::Failure => "failure",
        }
    }
}

impl FromStr for CommentOn {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "always" => Ok(Self::Always),
            "changes" => Ok(Self::Changes),
            "failure" => Ok(Self::Failure),
            other => Err(format!(
                "invalid `comment-on` value `{other}`: expected `always`, `changes` or `failure`"
            )),
        }
    }
}

impl fmt::Display for CommentOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the comment step knows besides the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentOptions {
    /// Only marked comments by this login are updated or deleted.
    pub trusted_author: String,
    pub comment_on: CommentOn,
    /// The diff has at least one change (for `comment-on: changes`).
    pub has_changes: bool,
    /// The verdict fails (for `comment-on: failure`).
    pub failed: bool,
    /// Where the full report can be read when the comment must be shortened:
    /// [`GithubContext::report_run_url`].
    pub job_summary_url: Option<String>,
    /// One line, such as `**Verdict: fail** (3 regressions, 1 improvement)`, kept in the short
    /// comment.
    pub summary_line: Option<String>,
}

impl Default for CommentOptions {
    fn default() -> Self {
        Self {
            trusted_author: DEFAULT_TRUSTED_AUTHOR.to_owned(),
            comment_on: CommentOn::Always,
            has_changes: true,
            failed: false,
            job_summary_url: None,
            summary_line: None,
        }
    }
}

/// What happened to the sticky comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentOutcome {
    /// A new comment. `shortened`: the short comment linking the job summary was posted instead.
    Created { url: String, shortened: bool },
    /// The existing comment got a new body.
    Updated { url: String, shortened: bool },
    /// The existing comment already had this body; nothing was written.
    Unchanged { url: String },
    /// Nothing was written, on purpose.
    Skipped { reason: SkipReason },
}

impl CommentOutcome {
    /// The comment's address (the action's `comment-url` output).
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Created { url, .. } | Self::Updated { url, .. } | Self::Unchanged { url } => Some(url),
            Self::Skipped { .. } => None,
        }
    }
}

/// Why no comment was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// No token in the variable `env`. A warning.
    NoToken { env: String },
    /// The token may not comment (`403 Resource not accessible by integration`). A warning that
    /// explains the fork-safe two-workflow pattern.
    ReadOnlyToken { pr: PrNumber },
    /// The run has no pull request to comment on. Informational.
    NotAPullRequest,
    /// `comment-on` asked for no new comment and there was none to update. Informational.
    Policy { comment_on: CommentOn },
}

impl SkipReason {
    /// Whether to show this as a warning (`::warning::` in Actions) rather than a note.
    pub fn is_warning(&self) -> bool {
        matches!(self, Self::NoToken { .. } | Self::ReadOnlyToken { .. })
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoToken { env } => write!(
                f,
                "not commenting on the pull request: `{env}` holds no token\n\n\
                 hint: pass `github-token` to the action, or set `{env}` (another variable can be \
                 named with `--github-token-env`)"
            ),
            Self::ReadOnlyToken { pr } => write!(
                f,
                "not commenting on pull request #{pr}: the token is read-only (`Resource not accessible \
                 by integration`)\n\n\
                 hint: pull requests from forks get a read-only `GITHUB_TOKEN`, whatever `permissions:` \
                 asks for. Use the two-workflow pattern: a `pull_request` workflow with `permissions: \
                 contents: read` runs `gasguard check --format json --out diff.json` and uploads the \
                 diff as an artifact; a `workflow_run` workflow with `permissions: pull-requests: write` \
                 downloads it and runs `gasguard comment --diff diff.json`. See \
                 `examples/workflows/gas-check-fork-unprivileged.yml` and \
                 `examples/workflows/gas-comment-privileged.yml`. For a pull request from this \
                 repository, grant `permissions: pull-requests: write`"
            ),
            Self::NotAPullRequest => f.write_str(
                "not commenting: this run is not for a pull request\n\nhint: pass `--pr N` to name one",
            ),
            Self::Policy { comment_on } => write!(
                f,
                "not commenting: `comment-on: {comment_on}` asks for no new comment on this result, and \
                 there is no earlier gasguard comment to update"
            ),
        }
    }
}

/// Posts or updates the sticky comment for the pull request in `context`: the usual entry point
/// for commands.
///
/// Skips (without error) when the context has no pull request or no token. Fills
/// [`CommentOptions::job_summary_url`] from [`GithubContext::report_run_url`] when it is unset.
pub async fn comment_from_context(
    context: &GithubContext,
    body: &str,
    options: &CommentOptions,
    client_options: ClientOptions,
) -> Result<CommentOutcome, GithubError> {
    let Some(pr) = context.pull_request else {
        return Ok(CommentOutcome::Skipped { reason: SkipReason::NotAPullRequest });
    };
    let Some(token) = &context.token else {
        return Ok(CommentOutcome::Skipped {
            reason: SkipReason::NoToken { env: context.token_env.clone() },
        });
    };
    let Some(repo) = &context.repository else {
        return Err(GithubError::MissingRepository);
    };
    let mut options = options.clone();
    if options.job_summary_url.is_none() {
        options.job_summary_url = context.report_run_url();
    }
    let client = GithubClient::new(&context.api_url, token, client_options)?;
    upsert_sticky_comment(&client, repo, pr, body, &options).await
}

/// Creates, updates or leaves alone gasguard's comment on `pr`, following the module's rules.
/// The marker is prepended to `body` unless its first line already is the marker.
pub async fn upsert_sticky_comment(
    client: &GithubClient,
    repo: &RepoSlug,
    pr: PrNumber,
    body: &str,
    options: &CommentOptions,
) -> Result<CommentOutcome, GithubError> {
    let mut body = with_marker(body);
    let mut shortened = false;
    if body.chars().count() > MAX_COMMENT_CHARS {
        body = short_comment(options);
        shortened = true;
    }
    let may_create = match options.comment_on {
        CommentOn::Always => true,
        CommentOn::Changes => options.has_changes,
        CommentOn::Failure => options.failed,
    };
    let read_only = || Ok(CommentOutcome::Skipped { reason: SkipReason::ReadOnlyToken { pr } });

    let mut create_attempts = 0;
    loop {
        let comments = match client.list_issue_comments(repo, pr).await {
            Ok(comments) => comments,
            Err(error) if error.is_not_accessible() => return read_only(),
            Err(error) => return Err(error),
        };
        let (keep, stale) = select_sticky(&comments, &options.trusted_author);

        if let Some(keep) = keep {
            let outcome = match write_existing(client, repo, keep, &mut body, &mut shortened, options).await {
                Ok(outcome) => outcome,
                Err(error) if error.is_not_accessible() => return read_only(),
                Err(error) => return Err(error),
            };
            for comment in stale {
                client.delete_comment(repo, comment.id).await?;
            }
            // A create that failed on our side but landed on GitHub's is still our creation.
            return Ok(match outcome {
                CommentOutcome::Unchanged { url } if create_attempts > 0 => {
                    CommentOutcome::Created { url, shortened }
                }
                CommentOutcome::Updated { url, shortened } if create_attempts > 0 => {
                    CommentOutcome::Created { url, shortened }
                }
                other => other,
            });
        }

        if !may_create {
            return Ok(CommentOutcome::Skipped {
                reason: SkipReason::Policy { comment_on: options.comment_on },
            });
        }
        create_attempts += 1;
        match client.create_comment_once(repo, pr, &body).await {
            Ok(comment) => return Ok(CommentOutcome::Created { url: comment.html_url, shortened }),
            Err(error) if error.is_not_accessible() => return read_only(),
            Err(error) if error.is_validation_failed() && !shortened => {
                body = short_comment(options);
                shortened = true;
            }
            // Waits (or gives up), then the loop lists again before any new create.
            Err(error) => client.wait_before_retry(error, create_attempts).await?,
        }
    }
}

/// Brings the kept comment up to date; falls back to the short comment on a `422`.
async fn write_existing(
    client: &GithubClient,
    repo: &RepoSlug,
    keep: &IssueComment,
    body: &mut String,
    shortened: &mut bool,
    options: &CommentOptions,
) -> Result<CommentOutcome, GithubError> {
    loop {
        if same_body(keep.body.as_deref().unwrap_or_default(), body) {
            return Ok(CommentOutcome::Unchanged { url: keep.html_url.clone() });
        }
        match client.update_comment(repo, keep.id, body).await {
            Ok(updated) => {
                return Ok(CommentOutcome::Updated { url: updated.html_url, shortened: *shortened });
            }
            Err(error) if error.is_validation_failed() && !*shortened => {
                *body = short_comment(options);
                *shortened = true;
            }
            Err(error) => return Err(error),
        }
    }
}

/// The newest trusted marked comment and the older ones to delete.
fn select_sticky<'a>(
    comments: &'a [IssueComment],
    trusted_author: &str,
) -> (Option<&'a IssueComment>, Vec<&'a IssueComment>) {
    let mut marked: Vec<&IssueComment> = comments
        .iter()
        .filter(|comment| {
            comment.user.as_ref().is_some_and(|user| user.login.eq_ignore_ascii_case(trusted_author))
                && comment.body.as_deref().is_some_and(has_marker)
        })
        .collect();
    // GitHub's timestamps are fixed-width UTC (`2023-07-13T10:20:10Z`), so text order is time order.
    marked.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    let keep = marked.pop();
    (keep, marked)
}

fn has_marker(body: &str) -> bool {
    body.lines().next().is_some_and(|line| line.trim() == COMMENT_MARKER)
}

fn with_marker(body: &str) -> String {
    if has_marker(body) { body.to_owned() } else { format!("{COMMENT_MARKER}\n{body}") }
}

/// GitHub may store `\r\n` and drop trailing whitespace; neither is a change.
fn same_body(existing: &str, wanted: &str) -> bool {
    existing.replace("\r\n", "\n").trim_end() == wanted.replace("\r\n", "\n").trim_end()
}

/// The comment posted when the report does not fit: the verdict line and a link to the summary.
fn short_comment(options: &CommentOptions) -> String {
    let mut body = format!("{COMMENT_MARKER}\n### gasguard\n\n");
    if let Some(line) = &options.summary_line {
        body.push_str(line.trim());
        body.push_str("\n\n");
    }
    body.push_str(
        "The full gas report does not fit in a pull-request comment (GitHub allows 65,536 characters). ",
    );
    match &options.job_summary_url {
        Some(url) => body.push_str(&format!("Read it in the [job summary]({url}).\n")),
        None => body.push_str("Read it in the job summary of this workflow run.\n"),
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::client::CommentAuthor;

    fn comment(id: u64, login: &str, created_at: &str, body: &str) -> IssueComment {
        IssueComment {
            id,
            html_url: format!("https://github.com/acme/vault/pull/7#issuecomment-{id}"),
            body: Some(body.to_owned()),
            user: Some(CommentAuthor { login: login.to_owned() }),
            created_at: created_at.to_owned(),
        }
    }

    #[test]
    fn sticky_selection_trusts_only_the_bot_and_keeps_the_newest() {
        let marked = format!("{COMMENT_MARKER}\nreport");
        let comments = vec![
            comment(5, "github-actions[bot]", "2024-05-01T10:00:00Z", &marked),
            comment(3, "mallory", "2024-05-03T10:00:00Z", &marked),
            comment(9, "GitHub-Actions[bot]", "2024-05-02T10:00:00Z", &marked),
            comment(8, "github-actions[bot]", "2024-05-02T10:00:00Z", &marked),
            comment(1, "github-actions[bot]", "2024-05-04T10:00:00Z", &format!("quote:\n{COMMENT_MARKER}")),
            IssueComment { user: None, ..comment(2, "ghost", "2024-05-05T10:00:00Z", &marked) },
        ];
        let (keep, stale) = select_sticky(&comments, DEFAULT_TRUSTED_AUTHOR);
        assert_eq!(keep.map(|comment| comment.id), Some(9), "same time: the larger id is newer");
        assert_eq!(stale.iter().map(|comment| comment.id).collect::<Vec<_>>(), vec![5, 8]);
    }

    #[test]
    fn marker_is_added_once() {
        assert_eq!(with_marker("# Gas"), format!("{COMMENT_MARKER}\n# Gas"));
        let already = format!("{COMMENT_MARKER}\r\n# Gas");
        assert_eq!(with_marker(&already), already);
    }

    #[test]
    fn line_endings_and_trailing_whitespace_are_not_changes() {
        assert!(same_body("a\r\nb\r\n", "a\nb"));
        assert!(!same_body("a\nb", "a\nc"));
    }

    #[test]
    fn short_comment_links_the_job_summary() {
        let options = CommentOptions {
            job_summary_url: Some("https://github.com/acme/vault/actions/runs/42".to_owned()),
            summary_line: Some("**Verdict: fail** (3 regressions)".to_owned()),
            ..CommentOptions::default()
        };
        insta::assert_snapshot!(short_comment(&options), @r"
        <!-- gasguard:comment -->
        ### gasguard

        **Verdict: fail** (3 regressions)

        The full gas report does not fit in a pull-request comment (GitHub allows 65,536 characters). Read it in the [job summary](https://github.com/acme/vault/actions/runs/42).
        ");
        let bare = short_comment(&CommentOptions::default());
        assert!(bare.ends_with("Read it in the job summary of this workflow run.\n"), "{bare}");
        assert!(bare.chars().count() < MAX_COMMENT_CHARS);
    }

    #[test]
    fn comment_on_parses_the_action_input() {
        assert_eq!("changes".parse::<CommentOn>(), Ok(CommentOn::Changes));
        assert_eq!("failure".parse::<CommentOn>().map(CommentOn::as_str), Ok("failure"));
        assert!("never".parse::<CommentOn>().is_err());
    }

    #[test]
    fn read_only_skip_explains_the_fork_pattern() {
        let reason = SkipReason::ReadOnlyToken { pr: PrNumber::new(7).expect("number") };
        assert!(reason.is_warning());
        let text = reason.to_string();
        assert!(text.starts_with("not commenting on pull request #7: the token is read-only"), "{text}");
        assert!(text.contains("`workflow_run`") && text.contains("gas-comment-privileged.yml"), "{text}");
        assert!(!SkipReason::Policy { comment_on: CommentOn::Changes }.is_warning());
        assert!(!SkipReason::NotAPullRequest.is_warning());
    }
}
