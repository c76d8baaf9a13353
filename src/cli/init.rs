//! `gasguard init`: finds the project's artifacts, writes a starter `gasguard.toml` that runs as
//! written (each deployment is tried once in the embedded EVM; one that reverts with the
//! placeholders is written commented out, with the reason) and the GitHub workflows, and says
//! what to do next. Refuses to overwrite anything unless `--force`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use revm::primitives::hardfork::SpecId;

use super::ExitStatus;
use crate::artifacts::{self, ArtifactError, ArtifactSet};
use crate::config::Config;
use crate::exec::revm::{BlockSettings, RevmChain};
use crate::exec::{ProfileError, RunSettings, run_plan};
use crate::plan::{self, AbiFiles};
use crate::printer::Printer;
use crate::scaffold::{self, Project, Proposal, Trial};

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The compiled contracts (default: `out/` of a Foundry project, `artifacts/` of a Hardhat
    /// project, detected from `foundry.toml` / `hardhat.config.*`).
    #[arg(long, value_name = "PATH")]
    pub artifacts: Option<PathBuf>,
    /// Do not write the GitHub workflows.
    #[arg(long)]
    pub no_workflows: bool,
    /// Write the fork-safe pair (an unprivileged check and a `workflow_run` commenter) instead of
    /// the single pull-request workflow.
    #[arg(long, conflicts_with = "no_workflows")]
    pub fork_safe: bool,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

/// The file `init` writes the config to, in the current directory.
const CONFIG_FILE: &str = "gasguard.toml";
const WORKFLOWS_DIR: &str = ".github/workflows";
const HARDHAT_CONFIGS: &[&str] = &[
    "hardhat.config.ts",
    "hardhat.config.js",
    "hardhat.config.cjs",
    "hardhat.config.mjs",
    "hardhat.config.cts",
    "hardhat.config.mts",
];

pub(super) fn init(args: InitArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let root = std::env::current_dir().context("failed to read the current directory")?;
    let (project, artifacts_path) = locate(&root, args.artifacts.as_deref())?;
    let artifacts = load_artifacts(&root, &artifacts_path, project)?;

    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let (config_text, summary) = starter_config(project, &artifacts_path, &artifacts)?;
    files.push((PathBuf::from(CONFIG_FILE), config_text));
    if !args.no_workflows {
        let reference = action_reference();
        for (name, template) in scaffold::workflow_templates(args.fork_safe) {
            let artifacts_text = artifacts_path.to_string_lossy();
            let text = scaffold::workflow_text(template, &reference, project, &artifacts_text).with_context(
                || format!("the workflow template `{name}` no longer names the gasguard action"),
            )?;
            files.push((Path::new(WORKFLOWS_DIR).join(name), text));
        }
    }

    let existing: Vec<&Path> =
        files.iter().map(|(path, _)| path.as_path()).filter(|path| root.join(path).exists()).collect();
    if !existing.is_empty() && !args.force {
        let names: Vec<String> = existing.iter().map(|path| format!("`{}`", path.display())).collect();
        bail!(
            "{} already {}; nothing was written\n\nhint: pass `--force` to overwrite",
            names.join(", "),
            if existing.len() == 1 { "exists" } else { "exist" }
        );
    }
    for (path, text) in &files {
        crate::fsutil::write_atomic(&root.join(path), text.as_bytes())?;
    }

    printer.status(&format!("wrote `{CONFIG_FILE}`: {summary}"));
    for (path, _) in files.iter().skip(1) {
        printer.status(&format!("wrote `{}`", path.display()));
    }
    let commit = if args.no_workflows {
        format!("git add {CONFIG_FILE} && git commit -m \"Check gas with gasguard\"")
    } else {
        format!("git add {CONFIG_FILE} {WORKFLOWS_DIR} && git commit -m \"Check gas with gasguard\"")
    };
    printer.status(&format!("\nnext:\n  gasguard run\n  {commit}"));
    if !args.no_workflows {
        printer.status(
            "\nthen push, run the `gas-baseline-nightly` workflow once on the default branch (it stores the\nbaseline the pull-request check compares with), and open a pull request",
        );
    }
    Ok(ExitStatus::Success)
}

/// The project kind and where its artifacts are, relative to `root` when they are inside it.
fn locate(root: &Path, artifacts: Option<&Path>) -> anyhow::Result<(Project, PathBuf)> {
    let project = if root.join("foundry.toml").is_file() {
        Project::Foundry
    } else if HARDHAT_CONFIGS.iter().any(|name| root.join(name).is_file()) {
        Project::Hardhat
    } else {
        Project::Other
    };
    let path = match (artifacts, project) {
        (Some(path), _) => path.strip_prefix(root).unwrap_or(path).to_owned(),
        (None, Project::Foundry) => foundry_out(&root.join("foundry.toml"))?,
        (None, Project::Hardhat) => PathBuf::from("artifacts"),
        (None, Project::Other) => bail!(
            "no Foundry or Hardhat project in `{}`: found neither `foundry.toml` nor `hardhat.config.*`\n\nhint: run `gasguard init` at the project's root, or pass `--artifacts PATH`",
            root.display()
        ),
    };
    Ok((project, path))
}

/// The `out` folder of `foundry.toml`'s default profile (`out` when unset).
fn foundry_out(path: &Path) -> anyhow::Result<PathBuf> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("failed to read `{}`", path.display()))?;
    let value: toml::Table =
        toml::from_str(&text).with_context(|| format!("failed to parse `{}`", path.display()))?;
    let out = value
        .get("profile")
        .and_then(|profile| profile.get("default"))
        .and_then(|default| default.get("out"))
        .map(|out| {
            out.as_str()
                .map(PathBuf::from)
                .with_context(|| format!("`{}`: `profile.default.out` is not a string", path.display()))
        })
        .transpose()?;
    Ok(out.unwrap_or_else(|| PathBuf::from("out")))
}

fn load_artifacts(root: &Path, path: &Path, project: Project) -> anyhow::Result<ArtifactSet> {
    let build_hint = match project.build_command() {
        Some(command) => format!("run `{command}`, then `gasguard init` again"),
        None => "build the contracts, then run `gasguard init` again".to_owned(),
    };
    let full = root.join(path);
    if !full.exists() {
        bail!("no artifacts in `{}`: build the contracts first\n\nhint: {build_hint}", path.display());
    }
    match artifacts::load(&full, None) {
        Ok(set) => Ok(set),
        Err(ArtifactError::Empty { .. } | ArtifactError::UnknownFormat { .. }) => {
            bail!(
                "no compiled contracts in `{}`: build the contracts first\n\nhint: {build_hint}",
                path.display()
            )
        }
        Err(error) => Err(anyhow::Error::new(error)
            .context(format!("failed to load the artifacts in `{}`", path.display()))),
    }
}

/// The config text and a one-line account of it. Every deployment is tried alone first; the
/// whole config is then run once more, as written, so what `init` writes always runs.
fn starter_config(
    project: Project,
    artifacts_path: &Path,
    artifacts: &ArtifactSet,
) -> anyhow::Result<(String, String)> {
    let (proposals, skipped) = scaffold::propose(artifacts);
    if !scaffold::scenario_names_unique(&proposals) {
        bail!("two deployable contracts share an id in `{}`", artifacts_path.display());
    }
    let artifacts_text = artifacts_path.to_string_lossy().replace('\\', "/");
    let mut scenarios = Vec::with_capacity(proposals.len());
    let mut failed = 0;
    for proposal in &proposals {
        let trial = try_deploy(project, &artifacts_text, proposal, artifacts);
        if matches!(trial, Trial::Fails(_)) {
            failed += 1;
        }
        scenarios.push(scaffold::scenario_toml(proposal, &trial));
    }
    let text = scaffold::config_toml(project, &artifacts_text, &scenarios);
    run_config(&text, artifacts).map_err(|reason| {
        anyhow::anyhow!("the config `gasguard init` generated does not run: {reason}; nothing was written")
    })?;

    let mut summary = format!(
        "{} scenario{}",
        proposals.len() - failed,
        if proposals.len() - failed == 1 { "" } else { "s" }
    );
    if failed > 0 {
        summary
            .push_str(&format!(", {failed} commented out (the deployment fails with placeholder arguments)"));
    }
    let mut kinds: Vec<scaffold::Skip> = skipped.iter().map(|(_, kind)| *kind).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        let count = skipped.iter().filter(|(_, k)| *k == kind).count();
        summary.push_str(&format!("; skipped {count} of {}", kind.describe()));
    }
    Ok((text, summary))
}

fn try_deploy(project: Project, artifacts_text: &str, proposal: &Proposal, artifacts: &ArtifactSet) -> Trial {
    if let Err(reason) = &proposal.constructor_args {
        return Trial::Fails(reason.clone());
    }
    let without_calls = Proposal { calls: Vec::new(), ..proposal.clone() };
    let text = scaffold::config_toml(
        project,
        artifacts_text,
        &[scaffold::scenario_toml(&without_calls, &Trial::Deploys)],
    );
    match run_config(&text, artifacts) {
        Ok(()) => Trial::Deploys,
        Err(reason) => Trial::Fails(reason),
    }
}

/// Parses, plans and runs `text` in the embedded EVM with gasguard's defaults, as `gasguard run`
/// would; the error is one line.
fn run_config(text: &str, artifacts: &ArtifactSet) -> Result<(), String> {
    let one_line = |text: String| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let config = Config::parse(text, Path::new(CONFIG_FILE)).map_err(|error| one_line(error.to_string()))?;
    let plan =
        plan::build(&config, artifacts, &AbiFiles::new()).map_err(|error| one_line(error.to_string()))?;
    let spec = SpecId::OSAKA;
    let block = BlockSettings::default();
    let settings = RunSettings { spec, tx_gas_limit: block.gas_limit.min(1 << 24) };
    let mut chain = RevmChain::empty(spec, 31337, block);
    let errors: Vec<_> = artifacts.errors().cloned().collect();
    match run_plan(&plan, &mut chain, settings, &errors, || {}) {
        Ok(_) => Ok(()),
        Err(ProfileError::UnexpectedRevert { reason: Some(reason), .. }) => {
            Err(one_line(format!("deploying it with placeholder arguments reverts with {reason}")))
        }
        Err(ProfileError::UnexpectedRevert { reason: None, .. }) => {
            Err("deploying it with placeholder arguments reverts".to_owned())
        }
        Err(error) => Err(one_line(format!("{:#}", anyhow::Error::new(error)))),
    }
}

/// The action reference the workflows use: this binary's own version, pinned to the commit
/// `action-version.json` records for it. A release binary is built before its release's commit is
/// recorded, so it writes the version tag (the accepted, suppressed zizmor finding); a binary
/// built from the default branch after the release pins the commit.
fn action_reference() -> String {
    let pins: serde_json::Value =
        serde_json::from_str(include_str!("../../action-version.json")).unwrap_or_default();
    let version = env!("CARGO_PKG_VERSION");
    let commit = pins
        .get("commit")
        .and_then(|v| v.as_str())
        .filter(|commit| commit.len() == 40 && pins.get("version").and_then(|v| v.as_str()) == Some(version));
    let repository = env!("CARGO_PKG_REPOSITORY").trim_start_matches("https://github.com/");
    scaffold::action_reference(repository, version, commit)
}
