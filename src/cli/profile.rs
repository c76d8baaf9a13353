//! `gasguard run`: config + artifacts → executor → report. The executor is the embedded EVM over
//! an empty chain, the embedded EVM over a fork of a real chain (`[evm] fork_url`), or a node
//! (`executor = "rpc"`); this module picks and sets it up, and says what it did.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use alloy::primitives::{B256, keccak256};
use anyhow::{Context, bail};
use revm::primitives::hardfork::SpecId;

use super::{ExitStatus, MergeArgs, RunArgs};
use crate::artifacts::{self, ArtifactFormat};
use crate::config::Config;
use crate::core::build::{BuildInfo, GAS_SCHEDULE, RunFingerprint};
use crate::core::report::{EntrySums, EvmInfo, GasReport, Name, SHARD_FORMAT};
use crate::core::shard::{Shard, ShardInfo};
use crate::exec::attribution::CodeIndex;
use crate::exec::fork::{DryRun, Fork, ForkDb, ForkError, ForkOptions};
use crate::exec::revm::{BlockSettings, RevmChain};
use crate::exec::rpc::{NodeOptions, RpcChain};
use crate::exec::somnia::GasSchedule;
use crate::exec::{RunSettings, run_plan, run_plan_parallel};
use crate::plan::{self, AbiFiles};
use crate::printer::Printer;
use crate::redact::{expand_env, redact_template};
use crate::registry::require_signer;

/// Hardforks gasguard accepts, newest last, with the names used in configs and reports.
const SPECS: &[(&str, SpecId)] = &[
    ("frontier", SpecId::FRONTIER),
    ("homestead", SpecId::HOMESTEAD),
    ("tangerine", SpecId::TANGERINE),
    ("spurious_dragon", SpecId::SPURIOUS_DRAGON),
    ("byzantium", SpecId::BYZANTIUM),
    ("petersburg", SpecId::PETERSBURG),
    ("istanbul", SpecId::ISTANBUL),
    ("berlin", SpecId::BERLIN),
    ("london", SpecId::LONDON),
    ("paris", SpecId::MERGE),
    ("shanghai", SpecId::SHANGHAI),
    ("cancun", SpecId::CANCUN),
    ("prague", SpecId::PRAGUE),
    ("osaka", SpecId::OSAKA),
];

/// The newest mainnet hardfork revm supports: the default `spec`.
pub const DEFAULT_SPEC: &str = "osaka";
/// EIP-7825: from Osaka on, no transaction may ask for more gas than this.
const TX_GAS_LIMIT_CAP: u64 = 1 << 24;

fn parse_spec(name: &str) -> Option<(&'static str, SpecId)> {
    let wanted = name.to_ascii_lowercase();
    let wanted = if wanted == "merge" { "paris".to_owned() } else { wanted };
    SPECS.iter().find(|(known, _)| *known == wanted).copied()
}

pub(super) fn run(args: RunArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let overrides = ProfileOverrides {
        artifacts_format: args
            .artifacts_format
            .as_deref()
            .map(str::parse::<ArtifactFormat>)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        executor: args.executor.clone(),
        rpc_url: args.rpc_url.clone(),
        send_key_env: args.send.then(|| args.private_key_env.clone()),
        jobs: args.jobs,
        shard: args.shard,
        no_attribution: args.no_attribution,
    };
    for config in &args.config {
        require_config(config, "run")?;
    }
    let report = profile_projects(&args.config, &overrides, printer)?;
    if args.out == Path::new("-") {
        printer.data(&report_json(&report));
    } else {
        // Streamed to the file: a large report is never held whole in memory.
        crate::fsutil::write_atomic_with(&args.out, |file| {
            // The calls formatted on as many threads as the scenarios ran on (the same bytes).
            super::report_writer::write_to_jobs(&report, file, jobs(args.jobs))?;
            file.write_all(b"\n")
        })?;
        // The table summarises the file just written: a message, not data, so `-q` drops it.
        if !printer.quiet {
            printer.data(&crate::core::summary::report_table(&report, printer.color_stdout));
        }
        printer.status(&format!("wrote `{}`", args.out.display()));
    }
    if let Some(dir) = &args.flamegraph_dir {
        write_flamegraphs(dir, &report, None, printer)?;
    }
    // The process ends here: freeing a record at a time (five strings each, for every
    // transaction) would cost more than the exit that returns the memory whole.
    std::mem::forget(report);
    Ok(ExitStatus::Success)
}

/// `gasguard merge`: shard reports in, the full run's report out, or nothing written.
pub(super) fn merge_command(args: MergeArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut shards = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("failed to read `{}`", path.display()))?;
        let report = crate::import::parse_gasguard_report(&text, &path.display().to_string())?;
        shards.push((path.display().to_string(), report));
    }
    let merged = crate::core::shard::merge(&shards).context("cannot merge the shard reports")?;
    // Streamed, the calls formatted on every core (the same bytes as `report_json`).
    crate::fsutil::write_atomic_with(&args.out, |file| {
        super::report_writer::write_to_jobs(&merged, file, default_jobs())?;
        file.write_all(b"\n")
    })?;
    printer.status(&format!("merged {} shards into `{}`", shards.len(), args.out.display()));
    Ok(ExitStatus::Success)
}

/// Writes the flamegraphs (see [`crate::flamegraph`]) and says what it wrote.
pub fn write_flamegraphs(
    dir: &Path,
    head: &GasReport,
    base_and_diff: Option<(&GasReport, &crate::core::diff::GasDiff)>,
    printer: &Printer,
) -> anyhow::Result<()> {
    let written = crate::flamegraph::write(dir, head, base_and_diff)?;
    if written.flamegraphs == 0 {
        printer.warn(&format!(
            "no flamegraphs written to `{}`: the report has no attribution (run without `--no-attribution`, with the embedded EVM)",
            dir.display()
        ));
    } else {
        printer.status(&format!(
            "wrote {} flamegraphs and {} differential flamegraphs to `{}`",
            written.flamegraphs,
            written.differentials,
            dir.display()
        ));
    }
    Ok(())
}

/// The report as written to disk: pretty JSON with a trailing newline.
pub fn report_json(report: &GasReport) -> String {
    let bytes = super::report_writer::write(report);
    let mut json = String::from_utf8(bytes).unwrap_or_default();
    json.push('\n');
    json
}

/// Refuses a config path that does not exist before anything else, with a hint quoting the
/// command that names it: `gasguard <command> --config path/to/gasguard.toml`.
pub fn require_config(path: &Path, command: &str) -> anyhow::Result<()> {
    if path.exists() {
        return Ok(());
    }
    bail!(
        "there is no config at `{}`\n\nhint: run gasguard where `gasguard.toml` is, or name the config: `gasguard {command} --config path/to/gasguard.toml`",
        path.display()
    )
}

/// Command-line choices that override the config.
#[derive(Debug, Clone, Default)]
pub struct ProfileOverrides {
    pub artifacts_format: Option<ArtifactFormat>,
    pub executor: Option<String>,
    pub rpc_url: Option<String>,
    /// `--send`: the environment variable holding the key to sign with.
    pub send_key_env: Option<String>,
    /// `--no-attribution`: profile without the attribution inspector.
    pub no_attribution: bool,
    /// `--jobs`: how many scenarios run at once (default: the available cores).
    pub jobs: Option<NonZeroUsize>,
    /// `--shard K/N`: run only that shard's scenarios, and say so in the report.
    pub shard: Option<Shard>,
}

/// Where the scenarios run: fresh chains made on each worker thread, or one node.
enum Executor {
    /// The embedded EVM over an empty state.
    Empty(BlockSettings),
    /// The embedded EVM over a fork; every chain shares what was fetched.
    Fork(ForkDb, BlockSettings),
    /// A node: its state is one, so scenarios run one after another.
    Rpc(Box<RpcChain>),
}

/// How many threads a run uses: `--jobs` when given, else [`default_jobs`].
fn jobs(requested: Option<NonZeroUsize>) -> usize {
    requested.map_or_else(default_jobs, NonZeroUsize::get)
}

/// How many scenarios run at once when `--jobs` is not given: one per available core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// Loads the config and artifacts, runs every scenario and returns the report.
pub fn profile(
    config_path: &Path,
    overrides: &ProfileOverrides,
    printer: &Printer,
) -> anyhow::Result<GasReport> {
    profile_with_calls(config_path, overrides, printer).map(|profiled| profiled.report)
}

/// A report, with each call's own attribution (which the report does not keep).
#[derive(Debug, Clone)]
pub struct Profiled {
    pub report: GasReport,
    /// The attribution of `report.calls[i]`, when it was attributed (empty when the caller did
    /// not ask for them, [`profile_projects`] summing them per entry and dropping them as it
    /// goes, or when no call was attributed).
    pub attributions: Vec<Option<crate::core::attribution::Attribution>>,
    /// Per entry, the sum of its calls' attributions: what the report's means come from.
    pub entry_sums: EntrySums,
}

/// [`profile`], keeping each call's attribution.
pub fn profile_with_calls(
    config_path: &Path,
    overrides: &ProfileOverrides,
    printer: &Printer,
) -> anyhow::Result<Profiled> {
    profile_projects_with_calls(&[config_path.to_owned()], overrides, printer)
}

/// Profiles one or several projects (one config each) into one report, or the shard of it that
/// `overrides.shard` asks for.
///
/// With several configs, every scenario and contract id starts with its project's name
/// (`core/token`, `core/src/Token.sol:Token`): the config's `project`, else its folder's name.
/// The projects must run in the same EVM (`[evm]`), since a report has one.
pub fn profile_projects(
    config_paths: &[PathBuf],
    overrides: &ProfileOverrides,
    printer: &Printer,
) -> anyhow::Result<GasReport> {
    profile_projects_inner(config_paths, overrides, false, printer).map(|profiled| profiled.report)
}

/// [`profile_projects`], keeping each call's attribution.
pub fn profile_projects_with_calls(
    config_paths: &[PathBuf],
    overrides: &ProfileOverrides,
    printer: &Printer,
) -> anyhow::Result<Profiled> {
    profile_projects_inner(config_paths, overrides, true, printer)
}

/// [`profile_projects`], keeping each call's attribution when `keep_attributions`.
fn profile_projects_inner(
    config_paths: &[PathBuf],
    overrides: &ProfileOverrides,
    keep_attributions: bool,
    printer: &Printer,
) -> anyhow::Result<Profiled> {
    let projects = project_names(config_paths)?;
    // Every scenario's name in the run, in order: what shards are cut from.
    let mut names = Vec::new();
    let mut config_hashes = Vec::new();
    // Read up front for a shard's fingerprint, and so that a broken config among several fails
    // before any is profiled; a lone config is read once, by `profile_one`.
    let read_first = overrides.shard.is_some() || config_paths.len() > 1;
    for (path, project) in config_paths.iter().zip(&projects).filter(|_| read_first) {
        let bytes = std::fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))?;
        config_hashes.extend_from_slice(keccak256(&bytes).as_slice());
        let config = Config::load_with_jobs(path, jobs(overrides.jobs))?;
        names.extend(config.scenarios.iter().map(|scenario| scoped(project.as_deref(), &scenario.name)));
    }
    let mut combined: Option<Profiled> = None;
    let mut builds = Vec::new();
    for (path, project) in config_paths.iter().zip(&projects) {
        let scope = Scope { project: project.as_deref(), shard: overrides.shard, keep_attributions };
        let (Profiled { report, attributions, entry_sums }, build) =
            profile_one(path, overrides, &scope, printer)?;
        builds.extend_from_slice(build.as_slice());
        combined = Some(match combined {
            None => Profiled { report, attributions, entry_sums },
            Some(Profiled { report: mut into, attributions: mut all, entry_sums: mut sums }) => {
                if into.evm != report.evm
                    || into.build.as_ref().map(|b| &b.run) != report.build.as_ref().map(|b| &b.run)
                {
                    bail!(
                        "`{}` runs in another EVM than the projects before it: one check profiles every project with the same `[evm]` settings\n\nhint: give the configs the same `[evm]` section, or check the projects separately",
                        path.display()
                    );
                }
                let (calls, later_calls) = (into.calls.len(), report.calls.len());
                into.calls.extend(report.calls);
                into.contracts.extend(report.contracts);
                into.attribution.extend(report.attribution);
                crate::exec::append_attributions(&mut all, calls, attributions, later_calls);
                // The projects' ids are scoped by then: no entry is in two of them.
                GasReport::add_entry_sums(&mut sums, entry_sums);
                if let (Some(build), Some(more)) = (&mut into.build, report.build) {
                    build.contracts.extend(more.contracts);
                }
                Profiled { report: into, attributions: all, entry_sums: sums }
            }
        });
    }
    let Profiled { mut report, attributions, entry_sums } = combined.context("no config to profile")?;
    if let Some(shard) = overrides.shard {
        report.shard = Some(ShardInfo {
            format: SHARD_FORMAT,
            // `merge` adds up the shards' sums and takes each entry's mean over all its calls.
            entry_sums: if entry_sums.values().any(Option::is_some) {
                entry_sums.clone()
            } else {
                EntrySums::new()
            },
            old_attributions: None,
            index: shard.index,
            count: shard.count,
            config: keccak256(&config_hashes).to_string(),
            build: keccak256(&builds).to_string(),
            total_scenarios: names.len(),
            scenarios: names
                .iter()
                .enumerate()
                .filter(|(_, name)| shard.holds(name))
                .map(|(position, name)| (name.clone(), position))
                .collect(),
        });
    }
    Ok(Profiled { report, attributions, entry_sums })
}

/// Which part of a project a run profiles.
struct Scope<'a> {
    /// The project's name, prefixed to its ids when several are profiled together.
    project: Option<&'a str>,
    shard: Option<Shard>,
    /// Whether each call's attribution is kept ([`Profiled::attributions`]), or only their
    /// sums per entry.
    keep_attributions: bool,
}

/// `project/name`, or `name` alone.
fn scoped(project: Option<&str>, name: &str) -> String {
    match project {
        Some(project) => format!("{project}/{name}"),
        None => name.to_owned(),
    }
}

/// The projects' names when there are several (`None` for a single config): each config's
/// `project`, else its folder's name. Two projects with one name are an error.
pub(super) fn project_names(config_paths: &[PathBuf]) -> anyhow::Result<Vec<Option<String>>> {
    if config_paths.len() < 2 {
        return Ok(vec![None; config_paths.len()]);
    }
    let mut names: Vec<Option<String>> = Vec::new();
    for path in config_paths {
        require_config(path, "check")?;
        let config = Config::load(path)?;
        let folder = || {
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            absolute.parent().and_then(Path::file_name).map(|name| name.to_string_lossy().into_owned())
        };
        let name = config.project.clone().or_else(folder).with_context(|| {
            format!("`{}` needs a project name: set `project = \"…\"` in it", path.display())
        })?;
        if name.is_empty() || name.contains('/') || name.contains(':') {
            bail!(
                "invalid config `{}`: project `{name}` must be a non-empty name without `/` or `:`",
                path.display()
            );
        }
        if let Some(index) = names.iter().position(|known| known.as_deref() == Some(name.as_str())) {
            bail!(
                "`{}` and `{}` are both project `{name}`: ids would mix\n\nhint: set a distinct `project = \"…\"` in one of the configs",
                config_paths[index].display(),
                path.display()
            );
        }
        names.push(Some(name));
    }
    Ok(names)
}

/// Profiles one project: its report (ids scoped to the project) and the fingerprint of the code
/// its full plan deploys (for shard reports).
fn profile_one(
    config_path: &Path,
    overrides: &ProfileOverrides,
    scope: &Scope<'_>,
    printer: &Printer,
) -> anyhow::Result<(Profiled, B256)> {
    let jobs = jobs(overrides.jobs);
    let mut config = Config::load_with_jobs(config_path, jobs)?;
    if config.scenarios.is_empty() {
        bail!(
            "`{}` has no scenarios: there is nothing to profile\n\nhint: add a `[[scenario]]` with steps; to check a gas output you already have, use `gasguard check --report PATH`",
            config_path.display()
        );
    }
    let Some(artifacts_path) = &config.artifacts else {
        bail!(
            "invalid config `{}`: `artifacts` is not set, and the scenarios need compiled contracts\n\nhint: add `artifacts = \"out\"` (a Foundry `out/`, a Hardhat `artifacts/` or a solc standard-json file, relative to the config)",
            config_path.display()
        );
    };
    let format = overrides.artifacts_format.or(config.artifacts_format);
    let artifacts = artifacts::load(artifacts_path, format)
        .with_context(|| format!("failed to load the artifacts of `{}`", config_path.display()))?;
    let abi_files = load_abi_files(&config, config_path)?;
    let mut plan = plan::build_with_jobs(&config, &artifacts, &abi_files, jobs)
        .map_err(|error| anyhow::anyhow!("invalid config `{}`: {error}", config_path.display()))?;
    let build_hash = plan_fingerprint(&plan);
    // The plan holds what the run needs of the scenarios.
    free_aside(std::mem::take(&mut config.scenarios), jobs);
    if let Some(shard) = scope.shard {
        plan.scenarios.retain(|scenario| shard.holds(&scoped(scope.project, &scenario.name)));
    }

    let (spec_name, spec) = match &config.evm.spec {
        None => parse_spec(DEFAULT_SPEC).unwrap_or(("osaka", SpecId::OSAKA)),
        Some(name) => parse_spec(name).with_context(|| {
            format!(
                "invalid config `{}`: [evm] spec `{name}` is not a known hardfork (known: {})",
                config_path.display(),
                SPECS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            )
        })?,
    };
    let schedule = match &config.evm.gas_schedule {
        None => GasSchedule::Ethereum,
        Some(name) => GasSchedule::parse(name).with_context(|| {
            format!(
                "invalid config `{}`: [evm] gas_schedule `{name}` is not known (expected `ethereum` or `somnia`)",
                config_path.display()
            )
        })?,
    };
    let executor =
        overrides.executor.clone().or_else(|| config.evm.executor.clone()).unwrap_or_else(|| "revm".into());
    if overrides.send_key_env.is_some() && executor != "rpc" {
        bail!("`--send` sends transactions to a node: it needs `--executor rpc`");
    }
    let mut evm = EvmInfo {
        executor: executor.clone(),
        spec: spec_name.into(),
        chain_id: config.evm.chain_id.unwrap_or(31337),
        block_gas_limit: config.evm.block_gas_limit.unwrap_or(30_000_000),
        fork_url: None,
        fork_block: None,
        rpc_url: None,
        gas_schedule: (schedule != GasSchedule::Ethereum && executor == "revm")
            .then(|| schedule.name().to_owned()),
    };
    let mut fork = None;
    let index = (!overrides.no_attribution && executor == "revm")
        .then(|| Arc::new(CodeIndex::new(&artifacts, &source_roots(config_path, artifacts_path))));
    let executor = match (executor.as_str(), &config.evm.fork_url) {
        ("revm", None) => Executor::Empty(block_settings(&config, BlockSettings::default())?),
        ("revm", Some(raw)) => {
            let url = expand_url(raw, "fork_url", config_path);
            if let Ok(url) = &url {
                printer.mask_url(url);
            }
            let display_url = redact_template(raw);
            let opened = open_fork(
                &config,
                config_path,
                url.as_deref().map_err(String::as_str),
                &display_url,
                printer,
            )?;
            let block = block_settings(&config, opened.block().next_block())?;
            evm.chain_id = config.evm.chain_id.unwrap_or(opened.chain_id());
            evm.block_gas_limit = block.gas_limit;
            evm.fork_url = Some(display_url);
            evm.fork_block = Some(opened.block().number);
            let dry_run = DryRun {
                spec,
                chain_id: evm.chain_id,
                block: block.clone(),
                settings: RunSettings { spec, tx_gas_limit: tx_gas_limit(spec, block.gas_limit) },
                schedule,
            };
            if let Err(error) = opened.prefetch(&plan, &dry_run) {
                finish_fork(&opened, printer);
                return Err(error.into());
            }
            let db = opened.db();
            fork = Some(opened);
            Executor::Fork(db, block)
        }
        ("rpc", fork_url) => {
            if schedule != GasSchedule::Ethereum {
                printer.warn(&format!(
                    "[evm] gas_schedule `{}` prices the embedded EVM only: the rpc executor reports the node's own figures",
                    schedule.name()
                ));
            }
            if fork_url.is_some() {
                printer.warn("`fork_url` is not used by the rpc executor: the steps run on `rpc_url`, over its own state");
            }
            let raw =
                overrides.rpc_url.clone().or_else(|| config.evm.rpc_url.clone()).with_context(|| {
                    format!(
                        "invalid config `{}`: `executor = \"rpc\"` needs `rpc_url` under [evm]",
                        config_path.display()
                    )
                })?;
            let url = expand_url(&raw, "rpc_url", config_path).map_err(anyhow::Error::msg)?;
            printer.mask_url(&url);
            let shown = redact_template(&raw);
            let signer = overrides
                .send_key_env
                .as_deref()
                .map(|name| require_signer(name, |name| std::env::var(name).ok()))
                .transpose()?;
            let mut chain = RpcChain::connect_with(&url, &shown, NodeOptions { signer })?;
            for note in chain.take_notes() {
                printer.warn(&note);
            }
            if config.evm.chain_id.is_none() {
                evm.chain_id = chain.chain_id()?;
            }
            evm.rpc_url = Some(shown);
            Executor::Rpc(Box::new(chain))
        }
        (other, _) => bail!(
            "invalid config `{}`: [evm] executor `{other}` is not known (expected `revm` or `rpc`)",
            config_path.display()
        ),
    };
    let tx_gas_limit = tx_gas_limit(spec, evm.block_gas_limit);
    let errors: Vec<_> = artifacts.errors().cloned().collect();
    let total: u64 = plan.scenarios.iter().flat_map(|s| &s.steps).map(|s| u64::from(s.repeat)).sum();
    let bar = (printer.progress && total >= 500).then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} transactions ({per_sec})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = || {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    };
    let settings = RunSettings { spec, tx_gas_limit };
    let chain_id = evm.chain_id;
    let output = match executor {
        Executor::Empty(block) => run_plan_parallel(
            &plan,
            jobs,
            &|| {
                attributed(
                    RevmChain::empty(spec, chain_id, block.clone()).with_schedule(schedule),
                    index.as_ref(),
                )
            },
            settings,
            &errors,
            &progress,
            scope.keep_attributions,
        ),
        Executor::Fork(db, block) => run_plan_parallel(
            &plan,
            jobs,
            &|| {
                attributed(
                    RevmChain::over(db.clone(), spec, chain_id, block.clone()).with_schedule(schedule),
                    index.as_ref(),
                )
            },
            settings,
            &errors,
            &progress,
            scope.keep_attributions,
        ),
        Executor::Rpc(mut chain) => {
            let output = run_plan(&plan, chain.as_mut(), settings, &errors, progress);
            for note in chain.take_notes() {
                printer.warn(&note);
            }
            output
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // What was fetched is the chain's state at the pinned block, right whatever the scenarios
    // did: keep it even when a step failed.
    if let Some(fork) = &fork {
        finish_fork(fork, printer);
    }
    free_aside(plan, jobs);
    let output = output.with_context(|| format!("profiling `{}` failed", config_path.display()))?;
    for warning in &output.warnings {
        printer.warn(warning);
    }
    for error in output.attribution_errors.iter().take(5) {
        printer.warn(&format!("no gas attribution for {error}"));
    }
    if output.attribution_errors.len() > 5 {
        printer.warn(&format!(
            "… and {} more transactions without attribution",
            output.attribution_errors.len() - 5
        ));
    }
    let mut report = GasReport::new("gasguard run");
    report.evm = Some(evm);
    report.contracts = GasReport::aggregate(&output.calls, &output.sizes);
    // The means of the sums each scenario's thread made: what `GasReport::attribute` would
    // compute from every call's attribution, byte for byte.
    report.attribution = GasReport::attribute_sums(&output.entry_sums, &report.contracts);
    report.calls = output.calls;
    report.build = Some(build_info(report.evm.as_ref(), &report, &artifacts));
    let mut entry_sums = output.entry_sums;
    if let Some(project) = scope.project {
        scope_report(&mut report, project);
        entry_sums = entry_sums.into_iter().map(|(id, sum)| (scope_entry(&id, project), sum)).collect();
    }
    Ok((Profiled { report, attributions: output.attributions, entry_sums }, build_hash))
}

/// Frees `value` on a thread of its own when the run may use several cores (`jobs`): freeing
/// the plan or the config of a large suite, a step at a time, costs milliseconds that the report
/// need not wait for. With one job, or when no thread can be started, it is freed here.
fn free_aside<T: Send + 'static>(value: T, jobs: usize) {
    if jobs > 1 {
        // On failure the closure, and `value` with it, is dropped here.
        let _ = std::thread::Builder::new().name("free".into()).spawn(move || drop(value));
    } else {
        drop(value);
    }
}

/// The chain, attributing each transaction's gas when there is a code index.
fn attributed<D>(chain: RevmChain<D>, index: Option<&Arc<CodeIndex>>) -> RevmChain<D>
where
    D: revm::database_interface::DatabaseRef + Clone,
    D::Error: std::error::Error + Send + Sync + 'static,
{
    match index {
        Some(index) => chain.with_attribution(index.clone()),
        None => chain,
    }
}

/// Prefixes a project's scenario and contract ids with its name.
fn scope_report(report: &mut GasReport, project: &str) {
    let scope = |id: &str| format!("{project}/{id}");
    // Each name scoped once, and shared again by every call that names it (see `Name`).
    let mut scoped: std::collections::HashMap<Name, Name> = std::collections::HashMap::new();
    let mut scope_name =
        |name: &Name| scoped.entry(name.clone()).or_insert_with(|| scope(name).into()).clone();
    for call in &mut report.calls {
        call.scenario = scope_name(&call.scenario);
        call.contract = scope_name(&call.contract);
    }
    report.contracts =
        std::mem::take(&mut report.contracts).into_iter().map(|(id, gas)| (scope(&id), gas)).collect();
    report.attribution = std::mem::take(&mut report.attribution)
        .into_iter()
        .map(|(id, attribution)| (scope_entry(&id, project), attribution))
        .collect();
    if let Some(build) = &mut report.build {
        build.contracts = std::mem::take(&mut build.contracts)
            .into_iter()
            .map(|(id, settings)| (scope(&id), settings))
            .collect();
    }
}

/// An entry id (`fn:src/A.sol:A.f()`) with its contract prefixed by the project's name.
fn scope_entry(id: &str, project: &str) -> String {
    match id.split_once(':') {
        Some((kind, rest)) => format!("{kind}:{project}/{rest}"),
        None => id.to_owned(),
    }
}

/// Keccak-256 of what every scenario of `plan` deploys (contract ids and init code): two runs
/// with the same fingerprint ran the same code.
fn plan_fingerprint(plan: &plan::Plan) -> B256 {
    let mut codes = BTreeMap::new();
    for step in plan.scenarios.iter().flat_map(|scenario| &scenario.steps) {
        if let crate::plan::Action::Deploy { contract, code, .. } = &step.action {
            codes.insert(contract.as_str(), code.hex.as_str());
        }
    }
    let mut bytes = Vec::new();
    for (contract, code) in codes {
        bytes.extend_from_slice(contract.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(code.as_bytes());
        bytes.push(0);
    }
    keccak256(&bytes)
}

/// Where source files named by the build (`contracts/Token.sol`) are looked for: the config's
/// folder, then the artifacts' (Foundry and Hardhat name sources from the project root, the
/// parent of `out/` or `artifacts/`), each followed by its parents up to the repository root
/// (the first folder with a `.git`).
fn source_roots(config_path: &Path, artifacts: &Path) -> Vec<std::path::PathBuf> {
    let mut roots: Vec<std::path::PathBuf> = Vec::new();
    for start in [config_path, artifacts] {
        let folder = start.parent().filter(|folder| !folder.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let folder = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_owned());
        for ancestor in folder.ancestors() {
            if !roots.iter().any(|root| root == ancestor) {
                roots.push(ancestor.to_owned());
            }
            if ancestor.join(".git").exists() {
                break;
            }
        }
    }
    roots
}

/// The report's build fingerprint: how it was run, and how each profiled contract was compiled.
fn build_info(evm: Option<&EvmInfo>, report: &GasReport, artifacts: &artifacts::ArtifactSet) -> BuildInfo {
    let run = RunFingerprint {
        gasguard: env!("CARGO_PKG_VERSION").to_owned(),
        spec: evm.map(|evm| evm.spec.clone()).unwrap_or_default(),
        chain_id: evm.map_or(0, |evm| evm.chain_id),
        fork_block: evm.and_then(|evm| evm.fork_block),
        gas_schedule: evm.and_then(|evm| evm.gas_schedule.clone()).unwrap_or_else(|| GAS_SCHEDULE.to_owned()),
    };
    let contracts = report
        .contracts
        .keys()
        .filter_map(|id| Some((id.clone(), artifacts.contracts.get(id)?.settings.clone()?)))
        .collect();
    BuildInfo { run, contracts }
}

/// The gas limit of a transaction that does not set its own: the block's, capped from Osaka on.
fn tx_gas_limit(spec: SpecId, block_gas_limit: u64) -> u64 {
    if spec.is_enabled_in(SpecId::OSAKA) { block_gas_limit.min(TX_GAS_LIMIT_CAP) } else { block_gas_limit }
}

/// The block to execute in: `defaults` (an empty chain's, or the block after the fork), with the
/// config's `[evm]` overrides.
fn block_settings(config: &Config, defaults: BlockSettings) -> anyhow::Result<BlockSettings> {
    let evm = &config.evm;
    Ok(BlockSettings {
        number: evm.block_number.unwrap_or(defaults.number),
        timestamp: evm.timestamp.unwrap_or(defaults.timestamp),
        gas_limit: evm.block_gas_limit.unwrap_or(defaults.gas_limit),
        base_fee: evm.base_fee.unwrap_or(defaults.base_fee),
        coinbase: match &evm.coinbase {
            Some(text) => {
                text.parse().with_context(|| format!("[evm] coinbase `{text}` is not an address"))?
            }
            None => defaults.coinbase,
        },
        prevrandao: defaults.prevrandao,
    })
}

/// Expands `${NAME}` in a node URL from the environment; the error says which is missing.
fn expand_url(raw: &str, key: &str, config_path: &Path) -> Result<String, String> {
    expand_env(raw, |name| std::env::var(name).ok())
        .map_err(|message| format!("invalid config `{}`: [evm] {key}: {message}", config_path.display()))
}

/// Opens the fork and says what it did: where it forks, a discarded cache, an unpinned block.
fn open_fork(
    config: &Config,
    config_path: &Path,
    url: Result<&str, &str>,
    display_url: &str,
    printer: &Printer,
) -> anyhow::Result<Fork> {
    let cache_dir = config
        .evm
        .cache_dir
        .clone()
        .unwrap_or_else(|| config_path.parent().unwrap_or(Path::new("")).join(".gasguard").join("cache"));
    let options = ForkOptions { url, display_url, block: config.evm.fork_block, cache_dir: &cache_dir };
    let mut warnings = Vec::new();
    let opened = Fork::open(&options, &mut warnings);
    // Shown whether or not the node answers: a discarded cache explains why it was asked at all.
    for warning in &warnings {
        printer.warn(warning);
    }
    let fork = opened.map_err(|error| {
        let unset: Vec<String> = match &error {
            ForkError::NoNode { .. } => config
                .evm
                .fork_url
                .as_deref()
                .map(env_names)
                .unwrap_or_default()
                .into_iter()
                .filter(|name| std::env::var_os(name).is_none())
                .map(|name| format!("`{name}`"))
                .collect(),
            _ => Vec::new(),
        };
        let check = if unset.is_empty() {
            "check `fork_url` under [evm]".to_owned()
        } else {
            format!("set {} in the environment", unset.join(" and "))
        };
        let hint = match config.evm.fork_block {
            Some(block) if !warnings.is_empty() => format!(
                "{check}; the cache in `{}` for block {block} was corrupt and has been discarded (see the warning above)",
                cache_dir.display()
            ),
            Some(block) => {
                format!("{check}; no cache in `{}` holds block {block} either", cache_dir.display())
            }
            None => check,
        };
        anyhow::anyhow!("{:#}\n\nhint: {hint}", anyhow::Error::new(error))
    })?;
    let block = fork.block().number;
    if config.evm.fork_block.is_none() {
        printer.warn(&format!(
            "`fork_block` is not set: forking `{display_url}` at its latest block, {block}; this report is not reproducible\n\nhint: pin the block with `fork_block = {block}` under [evm]"
        ));
    }
    let origin = if fork.loaded_from_cache() {
        format!(", state from `{}`", fork.cache_file().display())
    } else {
        String::new()
    };
    printer.status(&format!("forking `{display_url}` at block {block} (chain {}){origin}", fork.chain_id()));
    Ok(fork)
}

/// The names of the `${NAME}` variables a URL template uses.
fn env_names(template: &str) -> Vec<String> {
    template
        .split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

/// Writes the fork cache and sums up what was fetched.
fn finish_fork(fork: &Fork, printer: &Printer) {
    let summary = fork.summary();
    if summary.batches_rejected {
        printer.warn("the node rejects batched requests: calls went one per request");
    }
    if summary.traffic.requests == 0 {
        printer.status("fork state: everything from the cache, no requests");
    } else {
        let retries = match summary.traffic.retries {
            0 => String::new(),
            1 => " (1 retried)".to_owned(),
            many => format!(" ({many} retried)"),
        };
        printer.status(&format!(
            "fork state: fetched {} accounts, {} storage slots and {} block hashes in {} requests{retries}, {} bytes received",
            summary.fetched_accounts,
            summary.fetched_slots,
            summary.fetched_block_hashes,
            summary.traffic.requests,
            summary.traffic.bytes_received
        ));
    }
    match fork.save() {
        Ok(Some(path)) => printer.status(&format!("wrote the fork cache `{}`", path.display())),
        Ok(None) => {}
        Err(error) => printer.warn(&format!("{error:#}; the next run fetches the state again")),
    }
}

/// Reads the JSON ABI files named by `abi = "….json"` keys, relative to the config's folder.
fn load_abi_files(config: &Config, config_path: &Path) -> anyhow::Result<AbiFiles> {
    let base = config_path.parent().unwrap_or(Path::new(""));
    let mut files = BTreeMap::new();
    for scenario in &config.scenarios {
        for step in &scenario.steps {
            let Some(name) = step.abi.as_deref().filter(|name| name.ends_with(".json")) else { continue };
            if files.contains_key(name) {
                continue;
            }
            let path = base.join(name);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("failed to read the ABI file `{}`", path.display()))?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("malformed ABI file `{}`", path.display()))?;
            // Accept a bare ABI array or an artifact with an `abi` key.
            let abi = value.get("abi").cloned().unwrap_or(value);
            let abi = serde_json::from_value(abi)
                .with_context(|| format!("malformed ABI file `{}`", path.display()))?;
            files.insert(name.to_owned(), abi);
        }
    }
    Ok(files)
}
