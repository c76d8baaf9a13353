//! The fork-safe handover: a `workflow_run` workflow (privileged token) posts the diff that a
//! fork's `pull_request` workflow (read-only token) produced and uploaded as an artifact.
//!
//! Everything in that artifact is untrusted: a fork's author controls the unprivileged workflow
//! and can upload anything. The only trustworthy facts are in the `workflow_run` event payload,
//! which GitHub writes: the head SHA (and head repository) of the run that completed. So the
//! pull-request number claimed by the artifact is validated strictly and then checked against
//! the API: the pull request's current `head.sha` must equal the run's `head_sha`. Otherwise the
//! comment is refused. A push after the run also fails the check; the next run posts instead.
//!
//! The artifact file (`gasguard-pr.json`, written by the unprivileged workflow) looks like
//! `{"schema":"gasguard/pr/v1","number":7,"head_sha":"<40 hex>"}`. Parsing the diff itself
//! (`gasguard/diff/v1`) belongs to the diff module; this module only needs the number and the SHA
//! as plain values. It never prints.

use serde::Deserialize;

use crate::github::client::{GithubClient, GithubError};
use crate::github::context::{CommitSha, ContextError, GithubContext, GithubEvent, PrNumber, RepoSlug};

/// The schema identifier of the pull-request claim file.
pub const PR_CLAIM_SCHEMA: &str = "gasguard/pr/v1";
/// Claims larger than this are refused unread.
const MAX_CLAIM_BYTES: usize = 4096;

/// Why an artifact's pull request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error(
        "the pull-request claim is not valid: {reason}\n\nhint: expected `{{\"schema\":\"gasguard/pr/v1\",\"number\":N,\"head_sha\":\"<sha>\"}}`"
    )]
    InvalidClaim { reason: String },
    #[error("the pull-request claim has an invalid field")]
    InvalidClaimField(#[source] ContextError),
    #[error(
        "this is not a `workflow_run` event, so nothing vouches for the pull request in the artifact\n\n\
         hint: run `gasguard comment --diff` from a workflow triggered `on: workflow_run`, or pass `--pr` in a \
         `pull_request` workflow that may write comments"
    )]
    NotAWorkflowRun,
    #[error(
        "no repository to check the pull request against\n\nhint: set `GITHUB_REPOSITORY` or pass `--repo owner/name`"
    )]
    MissingRepository,
    #[error(
        "refusing to comment on pull request #{number}: the artifact was made for commit `{claimed}`, but the \
         workflow run checked `{run_head}`"
    )]
    ClaimedShaMismatch { number: PrNumber, claimed: CommitSha, run_head: CommitSha },
    #[error(
        "refusing to comment on pull request #{number}: its head is `{actual}`, but the workflow run checked \
         `{expected}`\n\nhint: the artifact names another pull request, or the pull request moved on since the run; \
         a later run will comment"
    )]
    HeadMismatch { number: PrNumber, expected: CommitSha, actual: String },
    #[error(
        "refusing to comment on pull request #{number}: its head repository is `{actual}`, but the workflow run \
         came from `{expected}`"
    )]
    HeadRepoMismatch { number: PrNumber, expected: RepoSlug, actual: String },
    #[error("pull request #{number} does not exist in `{repo}`")]
    NotFound { number: PrNumber, repo: RepoSlug },
    #[error("failed to look up pull request #{number}")]
    Api {
        number: PrNumber,
        #[source]
        source: GithubError,
    },
}

/// The untrusted pull-request claim from the artifact, after strict parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestClaim {
    pub number: PrNumber,
    /// The commit the unprivileged run says it checked; checked against the event when present.
    pub head_sha: Option<CommitSha>,
}

impl PullRequestClaim {
    /// Parses `gasguard-pr.json`. Unknown fields, a wrong schema, a number that is not a positive
    /// integer up to 2^31, or a malformed SHA are refused.
    pub fn from_json(text: &str) -> Result<Self, ArtifactError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            schema: String,
            number: serde_json::Value,
            #[serde(default)]
            head_sha: Option<String>,
        }
        if text.len() > MAX_CLAIM_BYTES {
            return Err(ArtifactError::InvalidClaim {
                reason: format!("larger than {MAX_CLAIM_BYTES} bytes"),
            });
        }
        let raw: Raw = serde_json::from_str(text)
            .map_err(|error| ArtifactError::InvalidClaim { reason: error.to_string() })?;
        if raw.schema != PR_CLAIM_SCHEMA {
            return Err(ArtifactError::InvalidClaim {
                reason: format!("`schema` is not `{PR_CLAIM_SCHEMA}`"),
            });
        }
        let number = PrNumber::from_json(&raw.number).map_err(ArtifactError::InvalidClaimField)?;
        let head_sha = raw
            .head_sha
            .map(|sha| sha.parse::<CommitSha>())
            .transpose()
            .map_err(ArtifactError::InvalidClaimField)?;
        Ok(Self { number, head_sha })
    }
}

/// A pull request whose head matches the commit the workflow run checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPullRequest {
    pub number: PrNumber,
    pub head_sha: CommitSha,
}

/// Checks the artifact's claim against the `workflow_run` event in `context` and the API: the
/// pull request must exist in the context's repository and its `head.sha` (and head repository,
/// when both are known) must equal the run's. Call this before commenting in a `workflow_run`
/// workflow.
pub async fn verify_workflow_run_pull_request(
    client: &GithubClient,
    context: &GithubContext,
    claim: &PullRequestClaim,
) -> Result<VerifiedPullRequest, ArtifactError> {
    let GithubEvent::WorkflowRun(run) = &context.event else {
        return Err(ArtifactError::NotAWorkflowRun);
    };
    let repo = context.repository.as_ref().ok_or(ArtifactError::MissingRepository)?;
    if let Some(claimed) = &claim.head_sha
        && claimed != &run.head_sha
    {
        return Err(ArtifactError::ClaimedShaMismatch {
            number: claim.number,
            claimed: claimed.clone(),
            run_head: run.head_sha.clone(),
        });
    }
    verify_pull_request_head(client, repo, claim.number, &run.head_sha, run.head_repo.as_ref()).await
}

/// The check itself, on plain values: `GET /repos/{repo}/pulls/{number}` and compare its head
/// with `expected_head_sha` (and `expected_head_repo`, when given and the pull request's head
/// repository still exists).
pub async fn verify_pull_request_head(
    client: &GithubClient,
    repo: &RepoSlug,
    number: PrNumber,
    expected_head_sha: &CommitSha,
    expected_head_repo: Option<&RepoSlug>,
) -> Result<VerifiedPullRequest, ArtifactError> {
    let pull = match client.get_pull_request(repo, number).await {
        Ok(pull) => pull,
        Err(error) if error.status() == Some(404) => {
            return Err(ArtifactError::NotFound { number, repo: repo.clone() });
        }
        Err(source) => return Err(ArtifactError::Api { number, source }),
    };
    let actual: Option<CommitSha> = pull.head.sha.parse().ok();
    if actual.as_ref() != Some(expected_head_sha) || pull.number != number.get() {
        return Err(ArtifactError::HeadMismatch {
            number,
            expected: expected_head_sha.clone(),
            actual: pull.head.sha.chars().take(64).collect(),
        });
    }
    if let (Some(expected), Some(head_repo)) = (expected_head_repo, &pull.head.repo) {
        let same =
            head_repo.full_name.parse::<RepoSlug>().is_ok_and(|actual| actual.same_repository(expected));
        if !same {
            return Err(ArtifactError::HeadRepoMismatch {
                number,
                expected: expected.clone(),
                actual: head_repo.full_name.chars().take(140).collect(),
            });
        }
    }
    Ok(VerifiedPullRequest { number, head_sha: expected_head_sha.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "36afaef2afdf0ce794d7e4663e7f327664aaa4d7";

    #[test]
    fn claim_parses_the_pr_file() {
        let claim = PullRequestClaim::from_json(&format!(
            r#"{{"schema":"gasguard/pr/v1","number":7,"head_sha":"{SHA}"}}"#
        ))
        .expect("valid claim");
        assert_eq!(claim.number.get(), 7);
        assert_eq!(claim.head_sha.as_ref().map(CommitSha::as_str), Some(SHA));
        let without_sha = PullRequestClaim::from_json(r#"{"schema":"gasguard/pr/v1","number":2147483648}"#);
        assert_eq!(without_sha.map(|claim| claim.number.get()).ok(), Some(1 << 31));
    }

    #[test]
    fn claim_refuses_untrusted_shapes() {
        for text in [
            r#"{"schema":"gasguard/pr/v1","number":0}"#,
            r#"{"schema":"gasguard/pr/v1","number":-7}"#,
            r#"{"schema":"gasguard/pr/v1","number":7.5}"#,
            r#"{"schema":"gasguard/pr/v1","number":"7"}"#,
            r#"{"schema":"gasguard/pr/v1","number":2147483649}"#,
            r#"{"schema":"gasguard/pr/v1","number":1e3}"#,
            r#"{"schema":"gasguard/pr/v2","number":7}"#,
            r#"{"schema":"gasguard/pr/v1","number":7,"head_sha":"HEAD"}"#,
            r#"{"schema":"gasguard/pr/v1","number":7,"repo":"evil/repo"}"#,
            r#"{"schema":"gasguard/pr/v1"}"#,
            "7",
            "",
        ] {
            assert!(PullRequestClaim::from_json(text).is_err(), "accepted {text}");
        }
        let huge = format!(r#"{{"schema":"gasguard/pr/v1","number":7,"pad":"{}"}}"#, "x".repeat(5000));
        assert!(PullRequestClaim::from_json(&huge).is_err());
    }
}
