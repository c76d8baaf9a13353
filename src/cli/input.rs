//! Reading reports given on the command line: any importable file, with what the importer
//! skipped printed as warnings. One place, so `check`, `diff`, `import`, the base finder and
//! `explain` read their inputs alike.

use std::path::Path;

use crate::core::report::GasReport;
use crate::import;
use crate::printer::Printer;

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
