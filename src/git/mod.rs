//! git, as an outside system: the one module that runs it. Everything goes through the `git`
//! command line with explicit arguments, `--no-optional-locks`, and a clean environment (no
//! system or global config, no prompts, the C locale); what a CI checkout needs is kept: the
//! repository's own config (where `actions/checkout` puts its credentials), `PATH`, `HOME`,
//! the SSH agent and proxies. Errors name the command and carry git's stderr.
//!
//! Two jobs live on top of the runner: [`store`] (baselines committed on a branch with plumbing
//! only, never touching the working tree, the index or `HEAD`) and [`find`] (the base of a
//! pull request: merge base, stored report, nearest stored ancestor).

pub mod find;
pub mod store;

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Environment variables passed through to git; everything else is cleared.
const KEPT_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "SSH_AUTH_SOCK",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SYSTEMROOT",
    "TMPDIR",
];

/// Whether `name` is one of git's per-process configuration variables.
fn is_process_config(name: &str) -> bool {
    name == "GIT_CONFIG_COUNT"
        || ["GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"].iter().any(|prefix| {
            name.strip_prefix(prefix).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// Who commits stored baselines when the environment does not say (`GIT_AUTHOR_NAME`, …).
const DEFAULT_IDENTITY: (&str, &str) = ("gasguard", "gasguard@users.noreply.github.com");

/// Why a git command failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("failed to run `git {command}`\n\nhint: is git installed and on `PATH`?")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`git {command}` failed ({status}){}", stderr_suffix(.stderr))]
    Failed { command: String, status: String, stderr: String },
    #[error("failed to create a temporary folder for git")]
    Scratch {
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not inside a git repository{}", .dir.display(), stderr_suffix(.stderr))]
    NotARepository { dir: PathBuf, stderr: String },
}

fn stderr_suffix(stderr: &str) -> String {
    let stderr = stderr.trim();
    if stderr.is_empty() { String::new() } else { format!(": {stderr}") }
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Output {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// A repository, run from its top-level folder.
#[derive(Debug, Clone)]
pub struct Git {
    root: PathBuf,
    /// Extra environment for every command (a temporary index).
    env: Vec<(String, String)>,
}

impl Git {
    /// The repository holding `dir`.
    pub fn discover(dir: &Path) -> Result<Self, GitError> {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        let probe = Self { root: dir.to_owned(), env: Vec::new() };
        let output = probe.output(["rev-parse", "--show-toplevel"], None)?;
        if !output.success {
            return Err(GitError::NotARepository { dir: dir.to_owned(), stderr: output.stderr });
        }
        Ok(Self { root: PathBuf::from(output.stdout.trim()), env: Vec::new() })
    }

    /// The repository's top-level folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The same repository with `GIT_INDEX_FILE` pointing at `index`.
    pub fn with_index(&self, index: &Path) -> Self {
        let mut git = self.clone();
        git.env.push(("GIT_INDEX_FILE".into(), index.display().to_string()));
        git
    }

    fn command<I, S>(&self, args: I) -> (Command, String)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let shown = args.iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ");
        let mut command = Command::new("git");
        command.env_clear();
        for name in KEPT_ENV {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        // Configuration given for this process only (`GIT_CONFIG_COUNT`, `GIT_CONFIG_KEY_<n>`,
        // `GIT_CONFIG_VALUE_<n>`) is how a workflow hands git a credential header without
        // writing it to `.git/config` (`persist-credentials: false`); it is passed through.
        for (name, value) in std::env::vars_os() {
            if name.to_str().is_some_and(is_process_config) {
                command.env(name, value);
            }
        }
        for (name, default) in [
            ("GIT_AUTHOR_NAME", DEFAULT_IDENTITY.0),
            ("GIT_AUTHOR_EMAIL", DEFAULT_IDENTITY.1),
            ("GIT_COMMITTER_NAME", DEFAULT_IDENTITY.0),
            ("GIT_COMMITTER_EMAIL", DEFAULT_IDENTITY.1),
        ] {
            command.env(name, std::env::var(name).unwrap_or_else(|_| default.to_owned()));
        }
        command
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", if cfg!(windows) { "NUL" } else { "/dev/null" })
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C");
        for (name, value) in &self.env {
            command.env(name, value);
        }
        // The global config is not read, so the ownership check `actions/checkout` lifts there
        // is lifted here, for this repository only (command-line config is trusted by git).
        let safe = format!("safe.directory={}", self.root.display());
        command.current_dir(&self.root).args(["--no-optional-locks", "-c", &safe]).args(&args);
        (command, shown)
    }

    /// Runs git and returns what it printed, whatever its exit status.
    pub fn output<I, S>(&self, args: I, stdin: Option<&[u8]>) -> Result<Output, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let (mut command, shown) = self.command(args);
        command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let spawn = |source| GitError::Spawn { command: shown.clone(), source };
        let mut child = command.spawn().map_err(spawn)?;
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(bytes).map_err(spawn)?;
        }
        let output = child.wait_with_output().map_err(spawn)?;
        Ok(Output {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }

    /// Runs git; a non-zero exit is an error naming the command and its stderr.
    pub fn run<I, S>(&self, args: I) -> Result<String, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_with_input(args, None)
    }

    /// [`Git::run`] with `stdin` fed to the command.
    pub fn run_with_input<I, S>(&self, args: I, stdin: Option<&[u8]>) -> Result<String, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let output = self.output(&args, stdin)?;
        if output.success { Ok(output.stdout) } else { Err(failed(&args, &output)) }
    }

    /// The commit `rev` names, in full, or `None` when it names none.
    pub fn resolve_commit(&self, rev: &str) -> Result<Option<String>, GitError> {
        let output = self.output(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", &format!("{rev}^{{commit}}")],
            None,
        )?;
        Ok(output.success.then(|| output.stdout.trim().to_owned()).filter(|sha| !sha.is_empty()))
    }

    /// The full SHA of `HEAD`.
    pub fn head(&self) -> Result<String, GitError> {
        Ok(self.run(["rev-parse", "--verify", "HEAD^{commit}"])?.trim().to_owned())
    }

    /// The merge base of two commits, `None` when they share no history (or not yet, in a
    /// shallow clone).
    pub fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>, GitError> {
        let output = self.output(["merge-base", "--end-of-options", a, b], None)?;
        match output.code {
            Some(0) => Ok(Some(output.stdout.trim().to_owned())),
            Some(1) => Ok(None),
            _ => Err(failed(&["merge-base", a, b], &output)),
        }
    }

    /// Whether this is a shallow clone.
    pub fn is_shallow(&self) -> Result<bool, GitError> {
        Ok(self.run(["rev-parse", "--is-shallow-repository"])?.trim() == "true")
    }

    /// The names of the configured remotes.
    pub fn remotes(&self) -> Result<Vec<String>, GitError> {
        Ok(self.run(["remote"])?.lines().map(str::to_owned).collect())
    }

    /// Whether tracked files differ from `HEAD` (untracked build output does not count).
    pub fn has_tracked_changes(&self) -> Result<bool, GitError> {
        Ok(!self.run(["status", "--porcelain", "--untracked-files=no"])?.trim().is_empty())
    }
}

fn failed<S: AsRef<OsStr>>(args: &[S], output: &Output) -> GitError {
    GitError::Failed {
        command: args.iter().map(|a| a.as_ref().to_string_lossy().into_owned()).collect::<Vec<_>>().join(" "),
        status: output.code.map_or_else(|| "killed by a signal".to_owned(), |code| format!("exit {code}")),
        stderr: output.stderr.trim().to_owned(),
    }
}

/// Whether `name` is usable as a branch name (checked by git's own rules).
pub fn check_branch_name(git: &Git, name: &str) -> Result<(), GitError> {
    git.run(["check-ref-format", "--branch", name]).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::is_process_config;

    #[test]
    fn only_gits_per_process_configuration_passes() {
        for name in ["GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_12"] {
            assert!(is_process_config(name), "{name}");
        }
        for name in ["GIT_CONFIG", "GIT_CONFIG_KEY_", "GIT_CONFIG_KEY_x", "GIT_CONFIG_GLOBAL", "GIT_DIR"] {
            assert!(!is_process_config(name), "{name}");
        }
    }
}
