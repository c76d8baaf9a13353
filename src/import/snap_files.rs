//! forge-gas-snapshot folders: `.forge-snapshots/<name>.snap`, one bare number per file.
//!
//! The section id is the file's path without `.snap` (`ERC6909Claims approve`; names keep
//! their spaces; a name with `/` lives in a subfolder and keeps the `/`). Content that is not a
//! decimal 64-bit number (the library's `snapValue` can store anything) is kept verbatim as
//! information, never as gas. [`crate::import::load`] reads only `*.snap` files, so stray files
//! beside them are ignored.

use crate::core::report::{GasReport, SectionValue};
use crate::import::{Format, ImportError, Location, Origins, SourceFile, as_gas};

/// Parses the files of a `.forge-snapshots/` folder; each [`SourceFile::path`] ends in `.snap`.
pub fn parse_snap_files(files: &[SourceFile]) -> Result<GasReport, ImportError> {
    let mut report = GasReport::new(Format::SnapFiles.as_str());
    let mut origins = Origins::default();
    for file in files {
        let id = file.path.strip_suffix(".snap").unwrap_or(&file.path);
        let content = file.text.trim_start_matches('\u{FEFF}').trim();
        let value = match as_gas(content) {
            Some(gas) => SectionValue::Gas(gas),
            None => SectionValue::Info(content.to_owned()),
        };
        origins.claim(&format!("section:{id}"), &file.display, Location::File)?;
        report.sections.insert(id.to_owned(), value);
    }
    Ok(report)
}
