//! `gasguard html --out DIR`: the diff, the head's contracts and functions, their history on the
//! store branch (`--history`) and the flamegraphs of the changed entries, as `DIR/index.html`.
//! The inputs are those of `check`; the page is drawn by [`crate::core::render::html`]. It is a
//! report, not a gate: it exits 0 once the page is written, whatever the verdict.
//!
//! With `--registry` and `--rpc-url`, the page says where the report (`--report`, the file
//! `gasguard record` recorded) is on record: the registry is asked before anything is profiled or
//! written, and a node that fails is an error. A report on record for none of its contracts is
//! not an error (the page is still the report), but a warning on stderr and in the page.

use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use anyhow::{Context, anyhow, bail};

use super::ExitStatus;
use super::base::{BaseRequest, IfNoBaseline, baseline_settings, choose_base};
use super::check::{base_name, require_measurements};
use super::input::{config_paths, head_report, project_policies};
use super::profile::ProfileOverrides;
use super::registry::{NodeArgs, find_recorded};
use crate::core::diff::{DiffLabels, Status, diff};
use crate::core::history::{History, HistoryCommit};
use crate::core::render::by_relative_change;
use crate::core::render::html::{Flamegraph, HtmlInput, html};
use crate::core::report::GasReport;
use crate::fsutil::write_atomic;
use crate::git::Git;
use crate::git::store::DEFAULT_STORE_BRANCH;
use crate::printer::Printer;

/// The most flamegraphs a page holds (largest changes first): each weighs tens of kilobytes.
pub const MAX_FLAMEGRAPHS: usize = 30;

#[derive(Debug, clap::Args)]
pub struct HtmlArgs {
    /// The folder to write `index.html` into (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The config file (default `gasguard.toml`; optional with `--report`). Repeat it for
    /// several projects in one page, as `check` does: ids prefixed by each project's name, each
    /// project's `[policy]` judging its own entries, the baseline and the store branch read from
    /// the first config's folder.
    #[arg(long, short)]
    pub config: Vec<PathBuf>,
    /// Show this report (or importable gas output) instead of profiling.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// The baseline report [default: .gasguard/baseline.json in the config's folder].
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Compare with the stored report of the merge base of `HEAD` and REF (as `check`).
    #[arg(long, value_name = "REF", conflicts_with = "baseline")]
    pub base_ref: Option<String>,
    /// The branch stored reports are read from (default: `[baseline] store_branch`, else
    /// `gasguard-baseline`).
    #[arg(long, value_name = "NAME")]
    pub store_branch: Option<String>,
    /// When no baseline is found: `error` (exit 2) or `pass` (every entry added).
    #[arg(long, value_enum, value_name = "WHAT", default_value = "error")]
    pub if_no_baseline: IfNoBaseline,
    /// Chart every function and deployment across the reports stored on the store branch.
    #[arg(long)]
    pub history: bool,
    /// The remote `--history` reads the store branch from when there is no local one [default:
    /// `origin`, else the only remote, as `--base-ref main` does].
    #[arg(long, value_name = "NAME", requires = "history")]
    pub remote: Option<String>,
    /// How many stored reports the charts show at most (the latest).
    #[arg(long, value_name = "N", default_value = "200", requires = "history")]
    pub history_limit: usize,
    /// Profile without attributing gas (no causes, no flamegraphs).
    #[arg(long)]
    pub no_attribution: bool,
    /// Show where the report is on record in this registry: the entries `gasguard record` stored
    /// for it (address, CID, transaction). Needs `--rpc-url`, and `--report`: the recorded file.
    #[arg(
        long,
        value_name = "ADDRESS",
        value_parser = super::registry::parse_address,
        requires = "rpc_url",
        requires = "report"
    )]
    pub registry: Option<Address>,
    /// JSON-RPC URL of the registry's chain (with `--registry`); `${NAME}` parts are read from
    /// the environment.
    #[arg(long, value_name = "URL", requires = "registry")]
    pub rpc_url: Option<String>,
    /// On-chain address of a contract of the report, by id or unique bare name, as `gasguard
    /// record --contract` (repeatable). Default: the address the report's deployment got.
    #[arg(
        long = "contract",
        value_name = "ID=0xADDRESS",
        value_parser = super::registry::parse_mapping,
        requires = "registry"
    )]
    pub contracts: Vec<(String, Address)>,
    /// Seconds to wait for each request to the registry's node (with `--registry`).
    #[arg(
        long,
        default_value_t = 60,
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..),
        requires = "registry"
    )]
    pub timeout: u64,
}

pub(super) fn html_command(args: HtmlArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let policy = project_policies(&args.config, args.report.is_some(), "html")?;
    let config_paths = config_paths(&args.config);
    let config_path = config_paths[0].clone();
    // History before profiling: a missing store branch is an error before any work.
    let history = if args.history { read_history(&args, &config_path, printer)? } else { History::default() };
    // The registry too: a node that fails is an error before anything is written.
    let registry = match (&args.registry, &args.rpc_url, &args.report) {
        (Some(registry), Some(rpc_url), Some(report)) => {
            let node = NodeArgs { rpc_url: rpc_url.clone(), timeout: args.timeout };
            let record = find_recorded(&node, *registry, report, &args.contracts, printer)?;
            if record.entries.is_empty() {
                printer.warn(&format!(
                    "`{}` ({}) is not on record in registry `{registry}`: no entry of its contracts holds it; \
                     the page says so",
                    report.display(),
                    record.cid
                ));
            } else {
                for (contract, address) in &record.missing {
                    printer.warn(&format!(
                        "`{contract}` at `{address}` has no entry holding `{}` in registry `{registry}`",
                        report.display()
                    ));
                }
            }
            Some(record)
        }
        _ => None,
    };
    let chosen = choose_base(
        &BaseRequest {
            config_path: &config_path,
            baseline: args.baseline.as_deref(),
            base_ref: args.base_ref.as_deref(),
            store_branch: args.store_branch.as_deref(),
            if_no_baseline: args.if_no_baseline,
            several_projects: config_paths.len() > 1,
        },
        printer,
    )?;
    let overrides = ProfileOverrides { no_attribution: args.no_attribution, ..Default::default() };
    let head = head_report(args.report.as_deref(), &config_paths, &overrides, "html", printer)?;
    let head_name = match &args.report {
        Some(path) => path.display().to_string(),
        None => "this run".to_owned(),
    };
    require_measurements(&head, &format!("the head `{head_name}`"))?;
    let labels = DiffLabels { base: base_name(chosen.info.as_ref()), head: head_name };
    let mut result = diff(&chosen.report, &head, &policy, labels);
    result.base = chosen.info.clone();
    let flamegraphs = flamegraphs(&chosen.report, &head, &result)?;

    let page = html(&HtmlInput {
        diff: &result,
        head: &head,
        history: &history,
        flamegraphs: &flamegraphs,
        registry: registry.as_ref(),
    });
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("failed to create the report folder `{}`", args.out.display()))?;
    let index = args.out.join("index.html");
    write_atomic(&index, page.as_bytes())?;
    printer.status(&format!(
        "wrote `{}` ({} entries, {} stored baselines, {} flamegraphs)",
        index.display(),
        result.entries.len(),
        history.commits.len(),
        flamegraphs.len()
    ));
    Ok(ExitStatus::Success)
}

/// The differential flamegraphs of the regressions then improvements, and the flamegraphs of
/// added entries, largest changes first, at most [`MAX_FLAMEGRAPHS`].
fn flamegraphs(
    base: &GasReport,
    head: &GasReport,
    result: &crate::core::diff::GasDiff,
) -> anyhow::Result<Vec<Flamegraph>> {
    let mut graphs = Vec::new();
    let changed = by_relative_change(result, Status::Regression)
        .into_iter()
        .chain(by_relative_change(result, Status::Improvement))
        .chain(by_relative_change(result, Status::Added));
    for entry in changed {
        if graphs.len() == MAX_FLAMEGRAPHS {
            break;
        }
        let Some(after) = head.attribution.get(&entry.id) else { continue };
        let graph = match base.attribution.get(&entry.id) {
            Some(before) if entry.status != Status::Added => Flamegraph {
                id: entry.id.clone(),
                differential: true,
                svg: crate::flamegraph::differential(&entry.id, before, after).with_context(|| {
                    format!("failed to draw the differential flamegraph of `{}`", entry.id)
                })?,
            },
            _ => Flamegraph {
                id: entry.id.clone(),
                differential: false,
                svg: crate::flamegraph::entry_svg(&entry.id, after)
                    .with_context(|| format!("failed to draw the flamegraph of `{}`", entry.id))?,
            },
        };
        graphs.push(graph);
    }
    Ok(graphs)
}

/// The stored reports of the store branch, oldest first: the local branch, else the
/// remote-tracking one, else fetched from the remote (`--remote`, else `origin`, else the only
/// remote: as `--base-ref` chooses it).
fn read_history(args: &HtmlArgs, config_path: &Path, printer: &Printer) -> anyhow::Result<History> {
    let settings = baseline_settings(config_path)?;
    let branch =
        args.store_branch.as_deref().or(settings.store_branch.as_deref()).unwrap_or(DEFAULT_STORE_BRANCH);
    let dir = match config_path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let git = Git::discover(&dir).context("`--history` needs a git repository")?;
    crate::git::check_branch_name(&git, branch)
        .with_context(|| format!("invalid store branch `{branch}`"))?;
    let remotes = git.remotes()?;
    let remote = match &args.remote {
        Some(name) if !remotes.contains(name) => bail!(
            "no remote `{name}` (`--remote`) in this repository{}",
            if remotes.is_empty() {
                String::new()
            } else {
                format!(
                    "; it has {}",
                    remotes.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                )
            }
        ),
        Some(name) => Some(name.clone()),
        None => crate::git::find::default_remote(&remotes),
    };
    let mut reference = None;
    let mut candidates = vec![format!("refs/heads/{branch}")];
    candidates.extend(remote.as_ref().map(|remote| format!("refs/remotes/{remote}/{branch}")));
    for candidate in candidates {
        if git.resolve_commit(&candidate)?.is_some() {
            reference = Some(candidate);
            break;
        }
    }
    if let (None, Some(remote)) = (&reference, &remote) {
        reference = crate::git::store::fetch_branch(&git, remote, branch)?
            .map(|_| format!("refs/remotes/{remote}/{branch}"));
    }
    let reference = reference.ok_or_else(|| {
        let place = match &remote {
            Some(remote) => format!("neither local nor on `{remote}`"),
            None if remotes.is_empty() => "not local, and no remote to fetch it from".to_owned(),
            None => "not local, and no `origin` among the remotes: name one with `--remote`".to_owned(),
        };
        anyhow!(
            "no store branch `{branch}` for `--history` ({place})\n\n\
             hint: store a baseline for every commit of main with `gasguard baseline --store --push`"
        )
    })?;
    let stored = crate::git::store::history(&git, &reference, args.history_limit)
        .with_context(|| format!("failed to read the stored reports of `{reference}`"))?;
    let mut reports = Vec::with_capacity(stored.len());
    for text in stored {
        let report: GasReport = serde_json::from_str(&text.json).with_context(|| {
            format!("invalid stored report `reports/{}.json` on `{reference}`", text.commit)
        })?;
        reports.push((HistoryCommit { commit: text.commit, date: text.date }, report));
    }
    printer.status(&format!("read {} stored baselines from `{reference}`", reports.len()));
    Ok(History::from_reports(reports))
}
