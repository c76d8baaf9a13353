//! forge-gas-snapshot folders: `.forge-snapshots/<name>.snap`, one bare number per file.
//!
//! The section id is the file's path without `.snap` (`ERC6909Claims approve`; names keep
//! their spaces; a name with `/` lives in a subfolder and keeps the `/`). A decimal 64-bit number
//! is gas, or a runtime size or information when the name says so
//! ([`crate::import::classify_section`]: `poolManager bytecode size` is a size). Other one-line
//! content (the library's `snapValue` can store anything) is kept verbatim as information, never
//! as gas. Content over several lines is not something the library writes and is refused (Jest
//! snapshots, also named `.snap`, are recognised by content before this parser is chosen).
//! [`crate::import::load`] reads only `*.snap` files, so stray files beside them are ignored.

use crate::core::report::GasReport;
use crate::import::{Format, ImportError, Location, Origins, SourceFile, section_value, shorten};

/// Parses the files of a `.forge-snapshots/` folder; each [`SourceFile::path`] ends in `.snap`.
pub fn parse_snap_files(files: &[SourceFile]) -> Result<GasReport, ImportError> {
    let mut report = GasReport::new(Format::SnapFiles.as_str());
    let mut origins = Origins::default();
    for file in files {
        let id = file.path.strip_suffix(".snap").unwrap_or(&file.path);
        let content = file.text.trim_start_matches('\u{FEFF}').trim();
        let mut lines = file.text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty());
        if let Some((index, line)) = lines.nth(1) {
            return Err(ImportError::invalid(
                &file.display,
                Location::Line(index + 1),
                format!(
                    "expected one value on one line, as forge-gas-snapshot writes, found a second line `{}`",
                    shorten(line.trim())
                ),
            ));
        }
        origins.claim(&format!("section:{id}"), &file.display, Location::File)?;
        report.sections.insert(id.to_owned(), section_value(id, content));
    }
    Ok(report)
}
