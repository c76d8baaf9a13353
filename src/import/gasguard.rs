//! A report gasguard wrote (`gasguard report`, or `import` saved earlier): read back as is.
//!
//! The schema is checked before the body: `gasguard/report/vN` with N newer than
//! [`REPORT_SCHEMA_VERSION`] is refused with an "upgrade" hint instead of failing on whatever
//! field the newer version added. The model denies unknown fields, so anything else that does
//! not fit is an error with its line and column.

use serde_json::Value;

use crate::core::report::{GasReport, REPORT_SCHEMA, REPORT_SCHEMA_PREFIX, REPORT_SCHEMA_VERSION};
use crate::import::json::{KeyPath, describe, parse_value, syntax_error};
use crate::import::{ImportError, shorten};

/// Parses a gasguard report; `file` names it in errors.
pub fn parse_gasguard_report(text: &str, file: &str) -> Result<GasReport, ImportError> {
    let value = parse_value(text, file)?;
    let at = KeyPath::default().key("schema").at();
    let schema = match value.get("schema") {
        Some(Value::String(schema)) => schema,
        Some(other) => {
            return Err(ImportError::invalid(
                file,
                at,
                format!("expected a string, found {}", describe(other)),
            ));
        }
        None => return Err(ImportError::invalid(file, KeyPath::default().at(), "missing field `schema`")),
    };
    let version = schema.strip_prefix(REPORT_SCHEMA_PREFIX).and_then(|version| version.parse::<u32>().ok());
    match version {
        Some(version) if version > REPORT_SCHEMA_VERSION => {
            return Err(ImportError::NewerSchema {
                file: file.to_owned(),
                found: shorten(schema),
                supported: REPORT_SCHEMA.to_owned(),
            });
        }
        // Older versions load: what they lack (v1: attribution) is optional.
        Some(version) if (1..=REPORT_SCHEMA_VERSION).contains(&version) => {}
        _ => {
            return Err(ImportError::invalid(
                file,
                at,
                format!("unknown schema `{}`, expected `{REPORT_SCHEMA}`", shorten(schema)),
            ));
        }
    }
    serde_json::from_str(text.trim_start_matches('\u{FEFF}')).map_err(|error| syntax_error(&error, file))
}
