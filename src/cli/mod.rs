//! The command line: clap structs (plain data), and `run`, which dispatches to the commands and
//! turns their result into an [`ExitStatus`]. Commands take resolved values, never clap types.

mod base;
mod calibrate;
mod check;
mod explain;
mod html;
mod init;
mod input;
pub mod ipfs;
pub mod profile;
pub mod registry;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::printer::{ColorChoice, Printer};

/// How a command ended; `main` maps it to the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done, and the policy (if any) passed.
    Success,
    /// 1: the policy failed.
    Failure,
    /// 2: an error: bad input, a failing node or API.
    Error,
}

impl ExitStatus {
    pub fn code(self) -> i32 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Error => 2,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "gasguard",
    version,
    about = "Gas-regression checks for Solidity contracts",
    max_term_width = 100
)]
pub struct Cli {
    /// When to use colour (`NO_COLOR` is respected with `auto`).
    #[arg(long, value_enum, default_value = "auto", global = true)]
    pub color: ColorChoice,
    /// Print only data and errors: no status, progress, warnings or notes.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Profile the scenarios of a config and write a gas report.
    Run(RunArgs),
    /// Profile (or take `--report`), diff against the baseline, apply the policy, report.
    Check(Box<CheckArgs>),
    /// Diff two reports or importable gas outputs: BASE (old) against HEAD (new).
    Diff(DiffArgs),
    /// Merge the shard reports of `run --shard K/N` into the report one full run writes.
    Merge(MergeArgs),
    /// Profile and write the baseline atomically (what a nightly job runs).
    Baseline(BaselineArgs),
    /// Convert Foundry and Hardhat gas outputs into a gasguard report.
    Import(ImportArgs),
    /// Post a diff made by an unprivileged run on its pull request (`workflow_run` workflows).
    Comment(CommentArgs),
    /// Record a gas report in an on-chain AnalysisRegistry (a dry run unless `--send`).
    Record(registry::RecordArgs),
    /// Deploy an AnalysisRegistry, or read its entries.
    Registry(registry::RegistryArgs),
    /// Print the CID `ipfs add --cid-version 1` gives each file (what `record` stores).
    Cid(ipfs::CidArgs),
    /// Upload a file to a kubo node (`--ipfs-api`) or write it as a CAR (`--car`); print its CID.
    Publish(ipfs::PublishArgs),
    /// Write a starter `gasguard.toml` and the GitHub workflows for this Foundry or Hardhat project.
    Init(init::InitArgs),
    /// Show where one entry's gas goes, base and head side by side (by kind, frame, line).
    Explain(ExplainArgs),
    /// Compare a node's prices with Somnia's schedule, one probe per documented rule.
    Calibrate(calibrate::CalibrateArgs),
    /// Write the diff, every contract and function, their history and flamegraphs as one
    /// self-contained page, `DIR/index.html`.
    Html(Box<html::HtmlArgs>),
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The entry id (`fn:contracts/Token.sol:Token.transfer(address,uint256)`), or the end of a
    /// unique one (`Token.transfer(address,uint256)`).
    pub id: String,
    /// The base report [default: .gasguard/baseline.json].
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// The config to profile for the head side (default `gasguard.toml`).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Take the head side from this report instead of profiling.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

/// How to render a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Terminal,
    Markdown,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The config file (default `gasguard.toml`; optional with `--report`). Repeat it to check
    /// several projects in one run: ids are prefixed by each project's name, each project's
    /// `[policy]` judges its own entries, and the baseline is the combined report (by default
    /// in the first config's folder).
    #[arg(long, short)]
    pub config: Vec<PathBuf>,
    /// The baseline report (or importable gas output) [default: .gasguard/baseline.json in the
    /// config's folder].
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Compare with the merge base of `HEAD` and REF (the pull request's base branch): its
    /// report stored by `baseline --store`, else the nearest stored first-parent ancestor, else
    /// a rebuild (`[baseline] build`).
    #[arg(long, value_name = "REF", conflicts_with = "baseline")]
    pub base_ref: Option<String>,
    /// The branch stored reports are read from (default: `[baseline] store_branch`, else
    /// `gasguard-baseline`).
    #[arg(long, value_name = "NAME", requires = "base_ref")]
    pub store_branch: Option<String>,
    /// When no baseline is found: `error` (exit 2) or `pass` (a loud warning, every entry added).
    #[arg(long, value_enum, value_name = "WHAT", default_value = "error")]
    pub if_no_baseline: base::IfNoBaseline,
    /// Check this report (or importable gas output) instead of profiling.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Also write the profiled report here.
    #[arg(long)]
    pub save_report: Option<PathBuf>,
    /// How to render the diff on stdout.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: OutputFormat,
    /// Also write the rendered output to this file.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Also write the JSON diff (`gasguard/diff/v1`) to this file.
    #[arg(long)]
    pub diff_json: Option<PathBuf>,
    /// Label of the base side (default: the base commit, or the baseline path).
    #[arg(long)]
    pub base_label: Option<String>,
    /// Label of the head side (default: the head commit, or "this run").
    #[arg(long)]
    pub head_label: Option<String>,
    /// Post or update the sticky pull-request comment.
    #[arg(long)]
    pub comment: bool,
    #[command(flatten)]
    pub github: GithubFlags,
    /// Pull-request number, overriding the event payload.
    #[arg(long)]
    pub pr: Option<crate::github::context::PrNumber>,
    /// Exit 0 even when the policy fails.
    #[arg(long)]
    pub no_fail_on_regression: bool,
    /// Profile without attributing gas to kinds, frames and lines (faster, smaller report).
    #[arg(long)]
    pub no_attribution: bool,
    /// Write each attributed entry's folded stacks and SVG flamegraph into this folder, and a
    /// differential flamegraph (base → head) of each changed entry.
    #[arg(long, value_name = "DIR")]
    pub flamegraph_dir: Option<PathBuf>,
    /// Link the comment to this workflow run's artifacts for the HTML report (`gasguard html`,
    /// which the action runs after the check and uploads as `gasguard-report`).
    #[arg(long)]
    pub link_html_report: bool,
    /// How many scenarios run at once, each on its own thread [default: the available cores];
    /// the report is the same whatever the number.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<std::num::NonZeroUsize>,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old side: a gasguard report (a baseline) or any importable gas output (a
    /// `.gas-snapshot`, `forge test --gas-report --json`, a `snapshots/` folder, …).
    pub base: PathBuf,
    /// The new side, compared with BASE: in the same formats. It must hold at least one entry.
    pub head: PathBuf,
    /// A config whose `[policy]` judges the diff (default: `gasguard.toml` if present).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// How to render the diff on stdout.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: OutputFormat,
    /// Also write the rendered output to this file.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// The config file; repeat it to profile several projects into one combined baseline.
    #[arg(long, short, default_value = "gasguard.toml")]
    pub config: Vec<PathBuf>,
    /// Where to write the report [default: .gasguard/baseline.json in the (first) config's folder; with
    /// `--store`, no file unless given].
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Commit the report (without per-call records) as `reports/<HEAD sha>.json` on the store
    /// branch, with git plumbing only: the working tree, the index and HEAD are not touched.
    #[arg(long)]
    pub store: bool,
    /// The branch to store on (default: `[baseline] store_branch`, else `gasguard-baseline`).
    #[arg(long, value_name = "NAME", requires = "store")]
    pub store_branch: Option<String>,
    /// Push the store branch to REMOTE (default `origin`); when another push got there first,
    /// fetch, re-apply and retry a few times.
    #[arg(long, value_name = "REMOTE", num_args = 0..=1, default_missing_value = "origin", requires = "store")]
    pub push: Option<String>,
    /// Profile without attributing gas to kinds, frames and lines (faster, smaller report).
    #[arg(long)]
    pub no_attribution: bool,
    /// Write each attributed entry's folded stacks and SVG flamegraph into this folder.
    #[arg(long, value_name = "DIR")]
    pub flamegraph_dir: Option<PathBuf>,
    /// How many scenarios run at once, each on its own thread [default: the available cores];
    /// the report is the same whatever the number.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<std::num::NonZeroUsize>,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shard reports, in any order: every shard of one run, each once.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the merged report.
    #[arg(long, short)]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Files or directories: `.gas-snapshot`, `forge test --gas-report --json` output,
    /// `snapshots/`, `.forge-snapshots/`, hardhat-gas-reporter JSON.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Skip detection: gas-snapshot, gas-report-json, snapshot-sections, snap-files,
    /// jest-snapshot, hardhat-gas-reporter, hardhat-gas-stats, gasguard.
    #[arg(long)]
    pub input_format: Option<String>,
    /// Write the report here (default: stdout).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CommentArgs {
    /// The `gasguard/diff/v1` JSON from the unprivileged run.
    #[arg(long)]
    pub diff: PathBuf,
    /// The pull-request claim (`gasguard/pr/v1`) from the same artifact: untrusted, verified
    /// against the API and the `workflow_run` event.
    #[arg(long)]
    pub pr_claim: PathBuf,
    #[command(flatten)]
    pub github: GithubFlags,
}

/// How to talk to GitHub, shared by `check` and `comment`.
#[derive(Debug, clap::Args)]
pub struct GithubFlags {
    /// When to post a new comment (an existing one is always kept up to date).
    #[arg(long, default_value = "always")]
    pub comment_on: crate::github::comment::CommentOn,
    /// Only marked comments by this login are updated.
    #[arg(long, default_value = crate::github::comment::DEFAULT_TRUSTED_AUTHOR)]
    pub trusted_author: String,
    /// Make a failure to comment an error (exit 2) instead of a warning.
    #[arg(long)]
    pub require_comment: bool,
    /// `owner/name`, overriding `GITHUB_REPOSITORY`.
    #[arg(long)]
    pub repo: Option<crate::github::context::RepoSlug>,
    /// The environment variable holding the GitHub token (default `GITHUB_TOKEN`).
    #[arg(long)]
    pub github_token_env: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The config file; repeat it to profile several projects into one report, their ids
    /// prefixed by each project's name.
    #[arg(long, short, default_value = "gasguard.toml")]
    pub config: Vec<PathBuf>,
    /// Where to write the report (`-` for stdout).
    #[arg(long, short, default_value = "gas-report.json")]
    pub out: PathBuf,
    /// Override the artifact format detection.
    #[arg(long, value_parser = ["foundry", "hardhat", "solc"])]
    pub artifacts_format: Option<String>,
    /// Where steps run: `revm` (embedded) or `rpc` (a node, simulated unless it is a development node or `--send` is given); overrides `[evm] executor`.
    #[arg(long, value_parser = ["revm", "rpc"])]
    pub executor: Option<String>,
    /// The node for `--executor rpc`; overrides `[evm] rpc_url`.
    #[arg(long)]
    pub rpc_url: Option<String>,
    /// With `--executor rpc` on a node that is not a development node: send real transactions,
    /// signed with the key in `--private-key-env`, instead of simulating them.
    #[arg(long)]
    pub send: bool,
    /// The environment variable holding the private key for `--send` (never printed).
    #[arg(long, value_name = "NAME", default_value = registry::DEFAULT_KEY_ENV)]
    pub private_key_env: String,
    /// Profile without attributing gas to kinds, frames and lines (faster, smaller report).
    #[arg(long)]
    pub no_attribution: bool,
    /// Write each attributed entry's folded stacks and SVG flamegraph into this folder.
    #[arg(long, value_name = "DIR")]
    pub flamegraph_dir: Option<PathBuf>,
    /// Run only shard K of N (e.g. `2/4`): the scenarios whose name hashes to it. Merge the N
    /// shard reports with `gasguard merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::core::shard::Shard>,
    /// How many scenarios run at once, each on its own thread [default: the available cores];
    /// the report is the same whatever the number.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<std::num::NonZeroUsize>,
}

/// Parses the arguments and runs the command. Clap's own errors exit 2 through `Cli::parse`.
pub fn main(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitStatus {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { ExitStatus::Error } else { ExitStatus::Success };
        }
    };
    let printer = Printer::new(cli.color, cli.quiet, |name| std::env::var(name).ok());
    let result = match cli.command {
        Command::Run(args) => profile::run(args, &printer),
        Command::Check(args) => check::check(*args, &printer),
        Command::Diff(args) => check::diff_command(args, &printer),
        Command::Merge(args) => profile::merge_command(args, &printer),
        Command::Baseline(args) => check::baseline(args, &printer),
        Command::Import(args) => check::import_command(args, &printer),
        Command::Comment(args) => check::comment(args, &printer),
        Command::Record(args) => registry::record(args, &printer),
        Command::Registry(args) => registry::run(args, &printer),
        Command::Cid(args) => ipfs::cid(args, &printer),
        Command::Publish(args) => ipfs::publish_command(args, &printer),
        Command::Init(args) => init::init(args, &printer),
        Command::Explain(args) => explain::explain(args, &printer),
        Command::Calibrate(args) => calibrate::calibrate(args, &printer),
        Command::Html(args) => html::html_command(*args, &printer),
    };
    match result {
        Ok(status) => status,
        Err(error) => {
            printer.error(&format!("{error:#}"));
            ExitStatus::Error
        }
    }
}
