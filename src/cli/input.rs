//! Reading the inputs given on the command line: reports (any importable file, with what the
//! importer skipped printed as warnings), and the head of a comparison with its policy from one
//! or several `--config` files. One place, so `check`, `html`, `diff`, `import`, the base finder
//! and `explain` read their inputs alike.

use std::path::{Path, PathBuf};

use super::profile::{ProfileOverrides, profile_projects, project_names, require_config};
use anyhow::anyhow;

use crate::config::Config;
use crate::core::policy::{CompiledPolicy, Policy};
use crate::core::report::GasReport;
use crate::import;
use crate::printer::Printer;

/// The config files given with `--config` (repeatable), else `gasguard.toml`.
pub(super) fn config_paths(given: &[PathBuf]) -> Vec<PathBuf> {
    if given.is_empty() { vec![PathBuf::from("gasguard.toml")] } else { given.to_vec() }
}

/// The policy of a comparison: the config's `[policy]`, or with several configs, each project's
/// own judging that project's entries (see [`CompiledPolicy::by_project`]). With `optional`
/// (a `--report` is given), the default config may be missing. `command` names the command in
/// hints.
pub(super) fn project_policies(
    configs: &[PathBuf],
    optional: bool,
    command: &str,
) -> anyhow::Result<CompiledPolicy> {
    if configs.len() < 2 {
        return load_policy(configs.first().map(PathBuf::as_path), optional, command);
    }
    let names = project_names(configs)?;
    let mut projects = Vec::new();
    for (path, name) in configs.iter().zip(names) {
        let policy = load_policy(Some(path), false, command)?;
        projects.push((name.unwrap_or_default(), policy));
    }
    Ok(CompiledPolicy::by_project(projects))
}

/// The head of a comparison: the report at `report`, else a run of every config (each must
/// exist; several make one report, their ids prefixed by project).
pub(super) fn head_report(
    report: Option<&Path>,
    configs: &[PathBuf],
    overrides: &ProfileOverrides,
    command: &str,
    printer: &Printer,
) -> anyhow::Result<GasReport> {
    match report {
        Some(path) => load_report(path, None, printer),
        None => {
            for path in configs {
                require_config(path, command)?;
            }
            profile_projects(configs, overrides, printer)
        }
    }
}

/// Imports `path` (in `format`, or detected), printing what the importer skipped as warnings.
pub(super) fn load_report(
    path: &Path,
    format: Option<import::Format>,
    printer: &Printer,
) -> anyhow::Result<GasReport> {
    let imported = import::load_as(path, format)?;
    for warning in &imported.warnings {
        printer.warn(&warning.to_string());
    }
    Ok(imported.report)
}

/// The `[policy]` of the config, compiled: of the named config, or of the default
/// `gasguard.toml` (which must exist unless `optional`); the default policy without one.
/// `command` is quoted in the hint when a config that must exist does not.
pub(super) fn load_policy(
    path: Option<&Path>,
    optional: bool,
    command: &str,
) -> anyhow::Result<CompiledPolicy> {
    let (path, must_exist) = match path {
        Some(path) => (path.to_owned(), true),
        None => (PathBuf::from("gasguard.toml"), !optional),
    };
    if must_exist {
        require_config(&path, command)?;
    }
    // `Config::load` rejects unknown keys and an invalid policy, naming the line and the rule.
    let policy = if !must_exist && !path.exists() {
        Policy::default()
    } else {
        Config::load(&path)?.policy.unwrap_or_default()
    };
    policy.compile().map_err(|error| anyhow!("invalid `[policy]` in `{}`: {error}", path.display()))
}
