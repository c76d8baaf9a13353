//! Baselines stored per commit on a branch (`gasguard-baseline` by default): the report of
//! commit `S` is the file `reports/S.json` in the branch's tree, and each store is one commit,
//! so the branch's history is the gas history of main.
//!
//! Plumbing only: the blob is written with `hash-object`, the tree is built in a temporary
//! index (`GIT_INDEX_FILE`) from the branch's tip with `read-tree` and `update-index`, then
//! `write-tree`, `commit-tree`, and `update-ref` with the old value, so a concurrent writer is
//! detected rather than overwritten. The working tree, the index and `HEAD` are never touched.

use std::time::Duration;

use super::{Git, GitError};

/// The branch baselines are stored on unless configured otherwise.
pub const DEFAULT_STORE_BRANCH: &str = "gasguard-baseline";
/// How many times `--push` fetches, re-applies and pushes again after a rejection.
pub const PUSH_ATTEMPTS: u32 = 5;

/// The path of a commit's report inside the store branch.
pub fn report_path(commit: &str) -> String {
    format!("reports/{commit}.json")
}

/// What a store did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The branch's new tip (or its unchanged tip when the same report was already there).
    pub tip: String,
    /// Whether a commit was made (false: the identical report was already stored).
    pub committed: bool,
}

/// Commits `report` as `reports/<commit>.json` on `branch`, on top of `parent` (the branch's
/// tip by default), and moves the local branch there if it still is where it was.
pub fn store(
    git: &Git,
    branch: &str,
    commit: &str,
    report: &[u8],
    parent: Option<&str>,
) -> Result<Stored, GitError> {
    let reference = format!("refs/heads/{branch}");
    let current = git.resolve_commit(&reference)?;
    let parent = parent.map(str::to_owned).or_else(|| current.clone());
    let blob = git.run_with_input(["hash-object", "-w", "--stdin"], Some(report))?.trim().to_owned();
    let (tip, committed) = match commit_file(git, parent.as_deref(), &report_path(commit), &blob, commit)? {
        Some(new) => (new, true),
        None => (parent.clone().unwrap_or_default(), false),
    };
    if current.as_deref() != Some(tip.as_str()) {
        let old = current.unwrap_or_default();
        let message = format!("gasguard: store the report of {commit}");
        git.run(["update-ref", "-m", &message, &reference, &tip, &old])?;
    }
    Ok(Stored { tip, committed })
}

/// A commit adding `blob` at `path` to `parent`'s tree, or `None` when `parent` already holds
/// exactly that file.
fn commit_file(
    git: &Git,
    parent: Option<&str>,
    path: &str,
    blob: &str,
    commit: &str,
) -> Result<Option<String>, GitError> {
    let scratch = tempfile::tempdir().map_err(|source| GitError::Scratch { source })?;
    let indexed = git.with_index(&scratch.path().join("index"));
    match parent {
        Some(parent) => indexed.run(["read-tree", &format!("{parent}^{{tree}}")])?,
        None => indexed.run(["read-tree", "--empty"])?,
    };
    indexed.run(["update-index", "--add", "--cacheinfo", &format!("100644,{blob},{path}")])?;
    let tree = indexed.run(["write-tree"])?.trim().to_owned();
    if let Some(parent) = parent {
        let parent_tree = git.run(["rev-parse", &format!("{parent}^{{tree}}")])?;
        if parent_tree.trim() == tree {
            return Ok(None);
        }
    }
    let message = format!("gasguard report of {commit}");
    let mut args = vec!["commit-tree".to_owned(), tree, "-m".to_owned(), message];
    if let Some(parent) = parent {
        args.extend(["-p".to_owned(), parent.to_owned()]);
    }
    Ok(Some(git.run(&args)?.trim().to_owned()))
}

/// The remote's tip of `branch`, fetched into `refs/remotes/<remote>/<branch>`; `None` when
/// the remote has no such branch.
pub fn fetch_branch(git: &Git, remote: &str, branch: &str) -> Result<Option<String>, GitError> {
    let tracking = format!("refs/remotes/{remote}/{branch}");
    let refspec = format!("+refs/heads/{branch}:{tracking}");
    let output = git.output(["fetch", "--quiet", "--no-tags", "--end-of-options", remote, &refspec], None)?;
    if !output.success {
        if output.stderr.contains("couldn't find remote ref") {
            return Ok(None);
        }
        return Err(GitError::Failed {
            command: format!("fetch {remote} {refspec}"),
            status: output.code.map_or_else(|| "killed by a signal".into(), |code| format!("exit {code}")),
            stderr: output.stderr.trim().to_owned(),
        });
    }
    git.resolve_commit(&tracking)
}

/// How a push went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// How many pushes it took (1 when nobody raced us).
    pub attempts: u32,
    pub tip: String,
}

/// Stores `report` on top of the remote's `branch` and pushes it; when the push is rejected
/// because another writer got there first, fetches, re-applies on the new tip and tries again,
/// at most [`PUSH_ATTEMPTS`] times.
pub fn store_and_push(
    git: &Git,
    remote: &str,
    branch: &str,
    commit: &str,
    report: &[u8],
) -> Result<Pushed, GitError> {
    let refspec = format!("refs/heads/{branch}:refs/heads/{branch}");
    let mut last = None;
    for attempt in 1..=PUSH_ATTEMPTS {
        let remote_tip = fetch_branch(git, remote, branch)?;
        let stored = store(git, branch, commit, report, remote_tip.as_deref())?;
        if remote_tip.as_deref() == Some(stored.tip.as_str()) {
            return Ok(Pushed { attempts: attempt, tip: stored.tip });
        }
        let output = git.output(["push", "--porcelain", "--end-of-options", remote, &refspec], None)?;
        if output.success {
            return Ok(Pushed { attempts: attempt, tip: stored.tip });
        }
        let text = format!("{}\n{}", output.stdout, output.stderr);
        let error = GitError::Failed {
            command: format!("push {remote} {refspec}"),
            status: output.code.map_or_else(|| "killed by a signal".into(), |code| format!("exit {code}")),
            stderr: output.stderr.trim().to_owned(),
        };
        if !text.contains("rejected") {
            return Err(error);
        }
        last = Some(error);
        // Another writer raced us: give it time to finish before fetching its tip.
        std::thread::sleep(Duration::from_millis(100 * u64::from(attempt)));
    }
    Err(last.unwrap_or(GitError::Failed {
        command: format!("push {remote} {refspec}"),
        status: "rejected".into(),
        stderr: String::new(),
    }))
}

/// The commits that have a stored report on `reference` (a branch or remote-tracking ref).
pub fn stored_commits(git: &Git, reference: &str) -> Result<std::collections::BTreeSet<String>, GitError> {
    let listing = git.run(["ls-tree", "--name-only", "--end-of-options", reference, "reports/"])?;
    Ok(listing
        .lines()
        .filter_map(|line| line.strip_prefix("reports/")?.strip_suffix(".json"))
        .map(str::to_owned)
        .collect())
}

/// The stored report of `commit` on `reference`.
pub fn read_report(git: &Git, reference: &str, commit: &str) -> Result<String, GitError> {
    git.run(["cat-file", "blob", &format!("{reference}:{}", report_path(commit))])
}

/// One report of the store branch's history: the commit it is for, when it was first stored,
/// and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredText {
    pub commit: String,
    /// The committer date of the store commit that added it (ISO 8601).
    pub date: String,
    pub json: String,
}

/// The last `limit` reports stored on `reference`, oldest first, in the order the store branch
/// added them (which is the order of main's commits when each is stored after it lands).
pub fn history(git: &Git, reference: &str, limit: usize) -> Result<Vec<StoredText>, GitError> {
    let log = git.run([
        "log",
        "--reverse",
        "--format=%x01%cI",
        "--name-only",
        "--diff-filter=A",
        "--end-of-options",
        reference,
        "--",
        "reports/",
    ])?;
    let mut added: Vec<(String, String)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut date = String::new();
    for line in log.lines() {
        if let Some(stamp) = line.strip_prefix('\u{1}') {
            date = stamp.trim().to_owned();
        } else if let Some(commit) = line.strip_prefix("reports/").and_then(|name| name.strip_suffix(".json"))
            && seen.insert(commit.to_owned())
        {
            added.push((commit.to_owned(), date.clone()));
        }
    }
    // Reports deleted from the branch since are not history any more.
    let present = stored_commits(git, reference)?;
    added.retain(|(commit, _)| present.contains(commit));
    let skip = added.len().saturating_sub(limit);
    added
        .into_iter()
        .skip(skip)
        .map(|(commit, date)| Ok(StoredText { json: read_report(git, reference, &commit)?, commit, date }))
        .collect()
}
