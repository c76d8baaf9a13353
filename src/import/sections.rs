//! Foundry gas section snapshots: `snapshots/<Group>.json`, written by the `snapshotGas*` and
//! `snapshotValue` cheatcodes (Hardhat 3 writes the same files).
//!
//! ```json
//! { "simple swap": "123144", "poolManager initcode hash (as uint256)": "1928101818…" }
//! ```
//!
//! Values are strings. A value that is a decimal number fitting in 64 bits is gas
//! ([`SectionValue::Gas`]), or a runtime size or information when the name says so
//! ([`crate::import::classify_section`]: `poolManager bytecode size` is a size); anything else (a
//! `0x` hash, a 256-bit number, a word) is kept verbatim as [`SectionValue::Info`] and never
//! judged as gas. A bare JSON number is accepted like a decimal string. Sections are keyed
//! `Group/name`; the group is the file name without `.json`.
//!
//! [`SectionValue::Gas`]: crate::core::report::SectionValue::Gas
//! [`SectionValue::Info`]: crate::core::report::SectionValue::Info

use serde_json::Value;

use crate::core::report::GasReport;
use crate::import::json::{KeyPath, describe, parse_entries, to_u64};
use crate::import::{Format, ImportError, Origins, SourceFile, section_value};

/// Parses the files of a `snapshots/` folder; each [`SourceFile::path`] is `<Group>.json`.
pub fn parse_snapshot_sections(files: &[SourceFile]) -> Result<GasReport, ImportError> {
    let mut report = GasReport::new(Format::SnapshotSections.as_str());
    let mut origins = Origins::default();
    for file in files {
        let group = file.path.strip_suffix(".json").unwrap_or(&file.path);
        let entries = parse_entries(&file.text, &file.display)?;
        for (name, value) in entries.0 {
            let path = KeyPath::default().key(&name);
            let value = match &value {
                Value::String(text) => section_value(&name, text),
                Value::Number(_) => section_value(&name, &to_u64(&value, &file.display, &path)?.to_string()),
                other => {
                    return Err(ImportError::invalid(
                        &file.display,
                        path.at(),
                        format!("expected a string, found {}", describe(other)),
                    ));
                }
            };
            let id = format!("{group}/{name}");
            origins.claim(&format!("section:{id}"), &file.display, path.at())?;
            report.sections.insert(id, value);
        }
    }
    Ok(report)
}
