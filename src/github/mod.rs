//! The GitHub adapter: everything gasguard says to or reads from GitHub and GitHub Actions.
//!
//! - [`context`] turns the Actions environment (and explicit overrides) into a validated
//!   [`GithubContext`]: repository, pull request, event payload, token, file paths.
//!
//! This module never renders the report and never decides the verdict. The token never appears
//! in any output, error or `Debug` dump: it lives in [`Token`], whose `Debug` and `Display` print
//! `***`.

pub mod context;

pub use context::{
    CommitSha, ContextError, ContextOverrides, GithubContext, GithubEvent, PrNumber, RepoSlug, Token,
};
