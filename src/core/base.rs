//! Which base a diff compared with: the commit, where its report came from, and how far it is
//! from the merge base. Pure data, chosen by `gasguard check` (see `crate::git` and
//! `crate::cli`), recorded in the diff and said in one line by the renderers.

use serde::{Deserialize, Serialize};

/// The base of a diff, as recorded in the JSON diff (`"base"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseInfo {
    /// The full commit SHA whose report was the base; `null` for a `--baseline` file.
    pub commit: Option<String>,
    pub source: BaseSource,
    /// How many first-parent commits before the merge base `commit` is (0 unless `ancestor`).
    pub behind: u64,
    /// The ref the merge base was taken with (`main`, `origin/main`), for people.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The baseline file, for source `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Where the base report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BaseSource {
    /// The report stored for the merge base itself.
    Stored,
    /// The report stored for the nearest first-parent ancestor of the merge base that has one.
    Ancestor,
    /// Profiled now, in a temporary worktree at the merge base (`[baseline] build`).
    Rebuilt,
    /// A report file (`--baseline FILE`, or the default `.gasguard/baseline.json`).
    File,
}

impl BaseSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stored => "stored",
            Self::Ancestor => "ancestor",
            Self::Rebuilt => "rebuilt",
            Self::File => "file",
        }
    }
}
