//! Choosing the base of `gasguard check` (a baseline file, or `--base-ref`: the merge base's
//! stored report, a stored ancestor, or a rebuild in a temporary worktree), the
//! missing-baseline rule, and `gasguard baseline --store [--push]`.
//!
//! Missing-baseline rule: no check ever passes quietly against nothing. A baseline that is not
//! found is an error (exit 2) saying what was tried and how to fix it, unless the user chose
//! `--if-no-baseline pass`, which makes it a loud warning and a diff against an empty base.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, anyhow, bail};

use super::profile::{ProfileOverrides, profile, report_json};
use crate::config::{BaselineConfig, config_dir};
use crate::core::base::{BaseInfo, BaseSource};
use crate::core::report::GasReport;
use crate::git::find::{FindOptions, Worktree, find};
use crate::git::store::{DEFAULT_STORE_BRANCH, report_path, store, store_and_push};
use crate::git::{Git, check_branch_name};
use crate::import;
use crate::printer::Printer;

/// Where `gasguard check` looks for the baseline and `gasguard baseline` writes it, relative to
/// the config's folder.
pub const DEFAULT_BASELINE: &str = ".gasguard/baseline.json";

/// What to do when no baseline is found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum IfNoBaseline {
    /// Exit 2, saying what was tried and how to fix it.
    #[default]
    Error,
    /// Warn loudly and compare with an empty base (every entry is added).
    Pass,
}

/// The base a check compares with.
#[derive(Debug)]
pub struct ChosenBase {
    pub report: GasReport,
    /// `None` when nothing was found and `--if-no-baseline pass` was chosen.
    pub info: Option<BaseInfo>,
    /// For the comment, when there was no baseline: how to get one.
    pub hint: Option<String>,
}

/// Where the base comes from, as the command line and config say.
#[derive(Debug)]
pub struct BaseRequest<'a> {
    pub config_path: &'a Path,
    /// `--baseline FILE` (relative to the working directory).
    pub baseline: Option<&'a Path>,
    pub base_ref: Option<&'a str>,
    pub store_branch: Option<&'a str>,
    pub if_no_baseline: IfNoBaseline,
    /// Several projects are checked together (`--config A --config B`): their base can come from
    /// a file or a stored report, not from a rebuild (one `[baseline] build` per project).
    pub several_projects: bool,
}

/// The default baseline file of a config: `.gasguard/baseline.json` beside it.
pub fn default_baseline(config_path: &Path) -> PathBuf {
    config_dir(config_path).join(DEFAULT_BASELINE)
}

/// Reads `[baseline]` of the config if there is one. Only that table: the rest is validated by
/// whoever uses it (the policy loader, the profiler).
pub fn baseline_settings(config_path: &Path) -> anyhow::Result<BaselineConfig> {
    if !config_path.exists() {
        return Ok(BaselineConfig::default());
    }
    let text = std::fs::read_to_string(config_path)
        .with_context(|| format!("failed to read `{}`", config_path.display()))?;
    let table: toml::Table = toml::from_str(&text).map_err(|error| {
        anyhow!("failed to parse `{}`: {}", config_path.display(), error.to_string().trim_end())
    })?;
    match table.get("baseline") {
        None => Ok(BaselineConfig::default()),
        Some(value) => value.clone().try_into().map_err(|error: toml::de::Error| {
            anyhow!("invalid `[baseline]` in `{}`: {}", config_path.display(), error.to_string().trim_end())
        }),
    }
}

/// Finds the base, or applies the missing-baseline rule.
pub fn choose_base(request: &BaseRequest<'_>, printer: &Printer) -> anyhow::Result<ChosenBase> {
    match request.base_ref {
        Some(reference) => from_git(request, reference, printer),
        None => from_file(request, printer),
    }
}

fn from_file(request: &BaseRequest<'_>, printer: &Printer) -> anyhow::Result<ChosenBase> {
    let path = request.baseline.map_or_else(|| default_baseline(request.config_path), Path::to_owned);
    let info = BaseInfo {
        commit: None,
        source: BaseSource::File,
        behind: 0,
        reference: None,
        path: Some(path.display().to_string()),
    };
    if path.exists() {
        return Ok(ChosenBase {
            report: super::input::load_report(&path, None, printer)?,
            info: Some(info),
            hint: None,
        });
    }
    let config_flag = format!(" --config {}", shell_quote(request.config_path));
    // The default file is where `baseline` writes anyway; another file must be named.
    let out_flag = request.baseline.map(|path| format!(" --out {}", shell_quote(path))).unwrap_or_default();
    let problem = format!("no baseline at `{}`", path.display());
    let fix = format!(
        "create one with `gasguard baseline{config_flag}{out_flag}` and commit it, or compare with the merge base's stored report with `--base-ref main` (see \"Choosing the base\" in the README)"
    );
    missing(request.if_no_baseline, &problem, &fix, printer)
}

fn from_git(request: &BaseRequest<'_>, reference: &str, printer: &Printer) -> anyhow::Result<ChosenBase> {
    let settings = baseline_settings(request.config_path)?;
    let branch = request.store_branch.or(settings.store_branch.as_deref()).unwrap_or(DEFAULT_STORE_BRANCH);
    let max_behind = settings.max_behind.unwrap_or(BaselineConfig::DEFAULT_MAX_BEHIND);
    let git =
        Git::discover(config_dir(request.config_path)).context("`--base-ref` needs a git repository")?;
    check_branch_name(&git, branch).with_context(|| format!("invalid store branch `{branch}`"))?;
    let search = find(&git, &FindOptions { reference, branch, max_behind })
        .with_context(|| format!("failed to find the base for `--base-ref {reference}`"))?;
    if search.deepened {
        printer.status("deepened the shallow clone to find the merge base");
    }
    let short = &search.merge_base[..search.merge_base.len().min(7)];
    if let Some(stored) = search.found {
        let display = format!("{}:{}", stored.reference, report_path(&stored.commit));
        let report = import::parse(import::Format::Gasguard, &stored.text, &display)?.report;
        let source = if stored.behind == 0 { BaseSource::Stored } else { BaseSource::Ancestor };
        let info = BaseInfo {
            commit: Some(stored.commit),
            source,
            behind: stored.behind,
            reference: Some(reference.to_owned()),
            path: None,
        };
        return Ok(ChosenBase { report, info: Some(info), hint: None });
    }
    let searched = if search.searched.is_empty() {
        format!("no store branch `{branch}` exists here or on the remote")
    } else {
        format!(
            "no report is stored for it or the {max_behind} commits before it on {}",
            search.searched.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(" or ")
        )
    };
    if let Some(command) = settings.build.as_deref() {
        if request.several_projects {
            bail!(
                "no stored report for the merge base {short} of `HEAD` and `{reference}`, and the base of several projects is not rebuilt\n\nhint: store the combined report on the base branch with `gasguard baseline --store` and the same `--config` flags"
            );
        }
        printer.status(&format!(
            "no stored report for the merge base {short} of `HEAD` and `{reference}`: building it in a temporary worktree"
        ));
        let report = rebuild(&git, &search.merge_base, command, request.config_path, printer)?;
        let info = BaseInfo {
            commit: Some(search.merge_base.clone()),
            source: BaseSource::Rebuilt,
            behind: 0,
            reference: Some(reference.to_owned()),
            path: None,
        };
        return Ok(ChosenBase { report, info: Some(info), hint: None });
    }
    let problem = format!(
        "no baseline for the merge base `{short}` of `HEAD` and `{reference}`: {searched}, and `[baseline] build` is not set"
    );
    let fix = "store a baseline for every commit of main with `gasguard baseline --store --push` in a workflow on push (see the README, \"Choosing the base\"), or set `build = \"forge build\"` under `[baseline]` to rebuild the base";
    missing(request.if_no_baseline, &problem, fix, printer)
}

/// The missing-baseline rule: an error, or with `--if-no-baseline pass` a warning and an empty
/// base.
fn missing(choice: IfNoBaseline, problem: &str, fix: &str, printer: &Printer) -> anyhow::Result<ChosenBase> {
    match choice {
        IfNoBaseline::Error => {
            bail!("{problem}\n\nhint: {fix}; or pass `--if-no-baseline pass` to pass with a warning")
        }
        IfNoBaseline::Pass => {
            printer.warn(&format!(
                "{problem}; passing because of `--if-no-baseline pass`: every entry shows as added\n\nhint: {fix}"
            ));
            let hint = format!(
                "**No baseline was found** ({problem}), so every entry shows as added.\nTo fix: {fix}."
            );
            Ok(ChosenBase { report: GasReport::new("empty baseline"), info: None, hint: Some(hint) })
        }
    }
}

/// Builds and profiles the config at `commit` in a temporary worktree, removed afterwards.
fn rebuild(
    git: &Git,
    commit: &str,
    command: &str,
    config_path: &Path,
    printer: &Printer,
) -> anyhow::Result<GasReport> {
    let absolute = std::fs::canonicalize(config_path)
        .with_context(|| format!("failed to read `{}`", config_path.display()))?;
    let root = std::fs::canonicalize(git.root())
        .with_context(|| format!("failed to read `{}`", git.root().display()))?;
    let relative = absolute.strip_prefix(&root).with_context(|| {
        format!("the config `{}` is outside the repository `{}`", config_path.display(), root.display())
    })?;
    let worktree = Worktree::add(git, commit).context("failed to check the merge base out")?;
    let config = worktree.path().join(relative);
    if !config.exists() {
        bail!("the merge base has no `{}`: it cannot be profiled", relative.display());
    }
    let shell = if cfg!(windows) { ("cmd", "/C") } else { ("sh", "-c") };
    let status = Command::new(shell.0)
        .args([shell.1, command])
        .current_dir(config_dir(&config))
        .status()
        .with_context(|| format!("failed to run `[baseline] build` `{command}`"))?;
    if !status.success() {
        bail!("`[baseline] build` `{command}` failed at the merge base ({status})");
    }
    let report = profile(&config, &ProfileOverrides::default(), printer)
        .with_context(|| format!("failed to profile the merge base {}", &commit[..commit.len().min(7)]))?;
    drop(worktree);
    Ok(report)
}

/// The report as stored on the branch: everything but the per-call records (compact: what the
/// diff, the explanation and the history need).
pub fn stored_report_json(report: &GasReport) -> String {
    let mut compact = report.clone();
    compact.calls.clear();
    report_json(&compact)
}

/// `gasguard baseline --store`: commits the report of `HEAD` on the store branch (and pushes).
pub fn store_baseline(
    config_path: &Path,
    report: &GasReport,
    store_branch: Option<&str>,
    push: Option<&str>,
    printer: &Printer,
) -> anyhow::Result<()> {
    let settings = baseline_settings(config_path)?;
    let branch = store_branch.or(settings.store_branch.as_deref()).unwrap_or(DEFAULT_STORE_BRANCH);
    let git = Git::discover(config_dir(config_path)).context("`--store` needs a git repository")?;
    check_branch_name(&git, branch).with_context(|| format!("invalid store branch `{branch}`"))?;
    let head = git.head()?;
    if git.has_tracked_changes()? {
        printer.warn(&format!(
            "tracked files differ from `HEAD`: the report is stored for {} but profiles the working tree",
            &head[..7.min(head.len())]
        ));
    }
    let json = stored_report_json(report);
    let short = &head[..7.min(head.len())];
    match push {
        Some(remote) => {
            let pushed = store_and_push(&git, remote, branch, &head, json.as_bytes())
                .with_context(|| format!("failed to store and push the report of {short}"))?;
            let retries = match pushed.attempts {
                1 => String::new(),
                n => format!(" after {n} attempts"),
            };
            printer.status(&format!(
                "stored the report of {short} as `{}` on `{branch}` and pushed it to `{remote}`{retries}",
                report_path(&head)
            ));
        }
        None => {
            let stored = store(&git, branch, &head, json.as_bytes(), None)
                .with_context(|| format!("failed to store the report of {short}"))?;
            let what = if stored.committed { "stored" } else { "already stored, unchanged:" };
            printer
                .status(&format!("{what} the report of {short} as `{}` on `{branch}`", report_path(&head)));
        }
    }
    Ok(())
}

/// `path` as a shell word, so that a suggested command can be pasted as it is: unchanged when
/// it holds only characters no shell interprets, single-quoted otherwise.
pub(super) fn shell_quote(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:@%+=,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
