//! `gasguard explain ID`: profiles the head (or reads `--report`), reads the baseline, and prints
//! the full breakdown of one entry's gas, base and head side by side.

use std::path::PathBuf;

use anyhow::bail;

use super::base::default_baseline;
use super::input::load_report;
use super::profile::{ProfileOverrides, profile};
use super::{ExitStatus, ExplainArgs};
use crate::core::render::explain::{explain_text, somnia_text};
use crate::core::report::GasReport;
use crate::printer::Printer;

pub(super) fn explain(args: ExplainArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let config = args.config.clone().unwrap_or_else(|| PathBuf::from("gasguard.toml"));
    let head = match &args.report {
        Some(path) => load_report(path, None, printer)?,
        None => profile(&config, &ProfileOverrides::default(), printer)?,
    };
    // The default baseline is beside the config, as for `check`.
    let baseline_path = args.baseline.clone().unwrap_or_else(|| default_baseline(&config));
    let base = if baseline_path.exists() {
        load_report(&baseline_path, None, printer)?
    } else {
        printer.warn(&format!("no baseline at `{}`: showing the head side only", baseline_path.display()));
        GasReport::new("empty baseline")
    };
    let id = resolve_id(&args.id, &base, &head)?;
    let mut text = explain_text(&id, base.attribution.get(&id), head.attribution.get(&id));
    text.push_str(&somnia_text(&id, &base, &head));
    printer.data(&text);
    Ok(ExitStatus::Success)
}

/// The entry `wanted` names: an exact id of either side, or the unique id ending with it.
fn resolve_id(wanted: &str, base: &GasReport, head: &GasReport) -> anyhow::Result<String> {
    let mut ids: Vec<String> = head.entries().into_keys().chain(base.entries().into_keys()).collect();
    ids.sort();
    ids.dedup();
    if ids.iter().any(|id| id == wanted) {
        return Ok(wanted.to_owned());
    }
    let matching: Vec<&String> = ids.iter().filter(|id| id.ends_with(wanted)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => bail!(
            "no entry `{wanted}` in the head or the base report\n\nhint: entry ids look like `fn:contracts/Token.sol:Token.transfer(address,uint256)` or `deploy:contracts/Token.sol:Token`"
        ),
        many => bail!(
            "entry `{wanted}` is ambiguous: {}\n\nhint: give the full id",
            many.iter().take(10).map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}
