//! The GitHub adapter: everything gasguard says to or reads from GitHub and GitHub Actions.
//!
//! - [`context`] turns the Actions environment (and explicit overrides) into a validated
//!   [`GithubContext`]: repository, pull request, event payload, token, file paths.
//! - [`client`] is the only place that talks HTTP to the REST API: retries, rate limits, the
//!   retry budget and error classification live there.
//! - [`comment`] keeps one sticky pull-request comment up to date.
//! - [`artifact`] checks the untrusted pull-request number a fork's unprivileged run hands to the
//!   privileged `workflow_run` workflow.
//! - [`workflow`] produces workflow-command text (annotations, masks) and writes the step summary
//!   and step outputs.
//!
//! This module never renders the report and never decides the verdict: it receives finished
//! markdown and plain values from the commands. It never prints either; functions return text or
//! outcomes and the command's printer shows them. The token never appears in any output, error or
//! `Debug` dump: it lives in [`Token`], whose `Debug` and `Display` print `***`.

pub mod artifact;
pub mod client;
pub mod comment;
pub mod context;
pub mod workflow;

pub use artifact::{ArtifactError, PullRequestClaim, VerifiedPullRequest, verify_workflow_run_pull_request};
pub use client::{ClientOptions, Clock, GithubClient, GithubError, RetryPolicy, SystemClock};
pub use comment::{
    COMMENT_MARKER, CommentOn, CommentOptions, CommentOutcome, SkipReason, comment_from_context,
    upsert_sticky_comment,
};
pub use context::{
    CommitSha, ContextError, ContextOverrides, GithubContext, GithubEvent, PrNumber, RepoSlug, Token,
};
