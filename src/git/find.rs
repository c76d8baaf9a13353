//! Finding the base of a pull request (`check --base-ref REF`): the merge base of `HEAD` and
//! `REF` (deepening a shallow clone until it is found, within a bound), then the report stored
//! for it, or for the nearest first-parent ancestor that has one, at most `max_behind` commits
//! back. Rebuilding when nothing is stored is the command's job ([`Worktree`] helps).

use std::path::{Path, PathBuf};

use super::store::{fetch_branch, read_report, stored_commits};
use super::{Git, GitError};

/// How many times a shallow clone is deepened looking for the merge base.
pub const DEEPEN_ROUNDS: u32 = 10;
/// Commits fetched per deepening round, at least.
pub const DEEPEN_STEP: u64 = 50;

/// What to look for.
#[derive(Debug, Clone)]
pub struct FindOptions<'a> {
    /// The pull request's base: a branch (`main`), a remote-tracking ref or a commit.
    pub reference: &'a str,
    /// The store branch (`gasguard-baseline`).
    pub branch: &'a str,
    /// How many first-parent commits before the merge base may be used instead.
    pub max_behind: u64,
}

/// The merge base, and the report found for it or an ancestor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub merge_base: String,
    pub found: Option<StoredReport>,
    /// The refs of the store branch that were searched (`refs/heads/gasguard-baseline`, …).
    pub searched: Vec<String>,
    /// Whether the clone was deepened to find the merge base.
    pub deepened: bool,
}

/// A stored report and the commit it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReport {
    pub commit: String,
    /// First-parent commits between it and the merge base (0: the merge base itself).
    pub behind: u64,
    pub text: String,
    /// Where it was read: `refs/heads/…` or `refs/remotes/…`.
    pub reference: String,
}

/// Why no merge base was found.
#[derive(Debug, thiserror::Error)]
pub enum FindError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(
        "`{reference}` names no commit here, and fetching it as a branch failed: {fetch_error}\n\nhint: fetch it first, or pass a branch the remote has (`--base-ref main`)"
    )]
    UnknownReference { reference: String, fetch_error: String },
    #[error(
        "`HEAD` and `{reference}` have no merge base{}\n\nhint: check out with more history (`fetch-depth: 0` in `actions/checkout`)",
        if *.shallow { " even after deepening the shallow clone" } else { "" }
    )]
    NoMergeBase { reference: String, shallow: bool },
}

/// Finds the merge base of `HEAD` and the reference, and the nearest stored report.
pub fn find(git: &Git, options: &FindOptions<'_>) -> Result<Search, FindError> {
    let remotes = git.remotes()?;
    let (remote, branch_name) = split_remote(options.reference, &remotes);
    let mut fetched_refspec = None;
    let target = match git.resolve_commit(options.reference)? {
        Some(sha) => sha,
        None => {
            // An `actions/checkout` clone holds only the pull request's ref: fetch the base.
            let remote = remote.as_deref().ok_or_else(|| FindError::UnknownReference {
                reference: options.reference.to_owned(),
                fetch_error: "there is no remote to fetch it from".to_owned(),
            })?;
            let tracking = format!("refs/remotes/{remote}/{branch_name}");
            let refspec = format!("+refs/heads/{branch_name}:{tracking}");
            let mut args = vec!["fetch".to_owned(), "--quiet".into(), "--no-tags".into()];
            if git.is_shallow()? {
                args.push(format!("--depth={DEEPEN_STEP}"));
            }
            args.extend(["--end-of-options".into(), remote.to_owned(), refspec.clone()]);
            let output = git.output(&args, None)?;
            if !output.success {
                return Err(FindError::UnknownReference {
                    reference: options.reference.to_owned(),
                    fetch_error: output.stderr.trim().to_owned(),
                });
            }
            fetched_refspec = Some(refspec);
            git.resolve_commit(&tracking)?.ok_or_else(|| FindError::UnknownReference {
                reference: options.reference.to_owned(),
                fetch_error: format!("the fetch did not create `{tracking}`"),
            })?
        }
    };
    let head = git.head()?;

    let step = DEEPEN_STEP.max(options.max_behind);
    let mut deepened = false;
    let mut merge_base = git.merge_base(&head, &target)?;
    let mut round = 0;
    while merge_base.is_none() && round < DEEPEN_ROUNDS && git.is_shallow()? {
        let Some(remote) = remote.as_deref() else { break };
        deepen(git, remote, step, fetched_refspec.as_deref())?;
        deepened = true;
        round += 1;
        merge_base = git.merge_base(&head, &target)?;
    }
    let Some(merge_base) = merge_base else {
        return Err(FindError::NoMergeBase { reference: options.reference.to_owned(), shallow: deepened });
    };

    // The ancestors searched must be there too.
    let wanted = options.max_behind + 1;
    let mut ancestors = first_parents(git, &merge_base, wanted)?;
    if (ancestors.len() as u64) < wanted
        && git.is_shallow()?
        && let Some(remote) = remote.as_deref()
    {
        deepen(git, remote, options.max_behind.max(1), fetched_refspec.as_deref())?;
        deepened = true;
        ancestors = first_parents(git, &merge_base, wanted)?;
    }

    let mut searched = Vec::new();
    let local = format!("refs/heads/{}", options.branch);
    if git.resolve_commit(&local)?.is_some() {
        searched.push(local);
    }
    if let Some(remote) = remote.as_deref()
        && fetch_branch(git, remote, options.branch)?.is_some()
    {
        searched.push(format!("refs/remotes/{remote}/{}", options.branch));
    }
    let mut stored = Vec::new();
    for reference in &searched {
        stored.push((reference, stored_commits(git, reference)?));
    }
    for (behind, commit) in ancestors.iter().enumerate() {
        if let Some((reference, _)) = stored.iter().find(|(_, commits)| commits.contains(commit)) {
            let text = read_report(git, reference, commit)?;
            let found = StoredReport {
                commit: commit.clone(),
                behind: behind as u64,
                text,
                reference: (*reference).clone(),
            };
            return Ok(Search { merge_base, found: Some(found), searched, deepened });
        }
    }
    Ok(Search { merge_base, found: None, searched, deepened })
}

/// `origin/main` → (`origin`, `main`); `main` → (`origin` or the only remote, `main`).
fn split_remote(reference: &str, remotes: &[String]) -> (Option<String>, String) {
    let reference = reference.strip_prefix("refs/heads/").unwrap_or(reference);
    let reference = reference.strip_prefix("refs/remotes/").unwrap_or(reference);
    for remote in remotes {
        if let Some(branch) = reference.strip_prefix(&format!("{remote}/")) {
            return (Some(remote.clone()), branch.to_owned());
        }
    }
    (default_remote(remotes), reference.to_owned())
}

/// The remote a store branch is read from when none is named: `origin`, else the only remote.
pub fn default_remote(remotes: &[String]) -> Option<String> {
    if remotes.iter().any(|r| r == "origin") {
        Some("origin".to_owned())
    } else if remotes.len() == 1 {
        remotes.first().cloned()
    } else {
        None
    }
}

fn deepen(git: &Git, remote: &str, by: u64, refspec: Option<&str>) -> Result<(), GitError> {
    let mut args = vec![
        "fetch".to_owned(),
        "--quiet".into(),
        "--no-tags".into(),
        format!("--deepen={by}"),
        "--end-of-options".into(),
        remote.to_owned(),
    ];
    args.extend(refspec.map(str::to_owned));
    git.run(&args).map(|_| ())
}

/// `commit` and its first-parent ancestors, at most `count` of them, nearest first.
fn first_parents(git: &Git, commit: &str, count: u64) -> Result<Vec<String>, GitError> {
    let listing = git.run(["rev-list", "--first-parent", &format!("--max-count={count}"), commit])?;
    Ok(listing.lines().map(str::to_owned).collect())
}

/// A temporary worktree at a commit, removed when dropped, whatever happened in it.
#[derive(Debug)]
pub struct Worktree {
    git: Git,
    path: PathBuf,
    _parent: tempfile::TempDir,
}

impl Worktree {
    /// Checks `commit` out, detached, in a new temporary folder.
    pub fn add(git: &Git, commit: &str) -> Result<Self, GitError> {
        let parent = tempfile::Builder::new()
            .prefix("gasguard-base-")
            .tempdir()
            .map_err(|source| GitError::Scratch { source })?;
        let path = parent.path().join("worktree");
        let shown = path.display().to_string();
        git.run(["worktree", "add", "--detach", "--quiet", "--end-of-options", &shown, commit])?;
        Ok(Self { git: git.clone(), path, _parent: parent })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let shown = self.path.display().to_string();
        let removed = self.git.output(["worktree", "remove", "--force", "--end-of-options", &shown], None);
        if !removed.is_ok_and(|output| output.success) {
            let _ = std::fs::remove_dir_all(&self.path);
            let _ = self.git.output(["worktree", "prune"], None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_is_taken_from_the_reference() {
        let remotes = ["origin".to_owned(), "upstream".to_owned()];
        assert_eq!(split_remote("upstream/main", &remotes), (Some("upstream".into()), "main".into()));
        assert_eq!(split_remote("main", &remotes), (Some("origin".into()), "main".into()));
        assert_eq!(split_remote("refs/heads/dev", &["fork".into()]), (Some("fork".into()), "dev".into()));
        assert_eq!(split_remote("main", &[]), (None, "main".into()));
    }
}
