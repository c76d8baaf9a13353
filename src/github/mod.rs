//! The GitHub adapter: everything gasguard says to or reads from GitHub and GitHub Actions.
//!
//! - [`context`] turns the Actions environment (and explicit overrides) into a validated
//!   [`GithubContext`]: repository, pull request, event payload, token, file paths.
//! - [`client`] is the only place that talks HTTP to the REST API: retries, rate limits, the
//!   retry budget and error classification live there.
//!
//! This module never renders the report and never decides the verdict. The token never appears
//! in any output, error or `Debug` dump: it lives in [`Token`], whose `Debug` and `Display` print
//! `***`.

pub mod client;
pub mod context;

pub use client::{ClientOptions, Clock, GithubClient, GithubError, RetryPolicy, SystemClock};
pub use context::{
    CommitSha, ContextError, ContextOverrides, GithubContext, GithubEvent, PrNumber, RepoSlug, Token,
};
