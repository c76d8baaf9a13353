//! `--flamegraph-dir DIR`: each attributed entry's call frames as folded stacks (`.folded`) and
//! an SVG flamegraph, and for each changed entry a differential flamegraph of base against head
//! (`.diff.svg`), all drawn by the `inferno` crate. This adapter owns the files; the stacks
//! themselves come from [`Attribution::folded`].

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::core::attribution::Attribution;
use crate::core::diff::{GasDiff, Status};
use crate::core::report::GasReport;
use crate::fsutil::write_atomic;

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    pub flamegraphs: usize,
    pub differentials: usize,
}

/// Writes the flamegraphs of `head`'s attributed entries into `dir` (created if needed), and the
/// differential flamegraphs of `diff`'s changed entries when `base` is given.
pub fn write(
    dir: &Path,
    head: &GasReport,
    base_and_diff: Option<(&GasReport, &GasDiff)>,
) -> anyhow::Result<Written> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("failed to create the flamegraph folder `{}`", dir.display()))?;
    let mut written = Written::default();
    for (id, attribution) in &head.attribution {
        let folded = attribution.folded();
        if folded.is_empty() {
            continue;
        }
        let stem = file_stem(id);
        write_atomic(&dir.join(format!("{stem}.folded")), folded.as_bytes())?;
        let svg = svg(id, &folded).with_context(|| format!("failed to draw the flamegraph of `{id}`"))?;
        write_atomic(&dir.join(format!("{stem}.svg")), &svg)?;
        written.flamegraphs += 1;
    }
    if let Some((base, diff)) = base_and_diff {
        for entry in &diff.entries {
            if !matches!(entry.status, Status::Regression | Status::Improvement) {
                continue;
            }
            let (Some(before), Some(after)) =
                (base.attribution.get(&entry.id), head.attribution.get(&entry.id))
            else {
                continue;
            };
            let svg = differential(&entry.id, before, after)
                .with_context(|| format!("failed to draw the differential flamegraph of `{}`", entry.id))?;
            write_atomic(&path(dir, &entry.id, "diff.svg"), &svg)?;
            written.differentials += 1;
        }
    }
    Ok(written)
}

fn path(dir: &Path, id: &str, extension: &str) -> PathBuf {
    dir.join(format!("{}.{extension}", file_stem(id)))
}

/// A file name for an entry id: letters, digits, `.`, `-` and `_` kept, the rest `_`, capped.
pub fn file_stem(id: &str) -> String {
    let stem: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .take(180)
        .collect();
    stem.trim_matches('.').to_owned()
}

fn options(id: &str) -> inferno::flamegraph::Options<'static> {
    let mut options = inferno::flamegraph::Options::default();
    options.title = id.to_owned();
    options.count_name = "gas".to_owned();
    options.name_type = "Frame:".to_owned();
    // Colours from the frame names, not from a random generator: the same report, the same SVG.
    options.hash = true;
    options.deterministic = true;
    options
}

/// The flamegraph SVG of one attributed entry (what `gasguard html` shows for an added entry).
pub fn entry_svg(id: &str, attribution: &Attribution) -> std::io::Result<Vec<u8>> {
    svg(id, &attribution.folded())
}

fn svg(id: &str, folded: &str) -> std::io::Result<Vec<u8>> {
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut options(id), folded.lines(), &mut svg)?;
    Ok(svg)
}

/// Base against head: inferno's differential folding (`stack before after`), drawn with the
/// head's widths and red where gas grew, blue where it shrank.
pub fn differential(id: &str, base: &Attribution, head: &Attribution) -> std::io::Result<Vec<u8>> {
    let mut folded = Vec::new();
    inferno::differential::from_readers(
        inferno::differential::Options::default(),
        base.folded().as_bytes(),
        head.folded().as_bytes(),
        &mut folded,
    )?;
    let folded = String::from_utf8_lossy(&folded).into_owned();
    let mut svg = Vec::new();
    let mut options = options(&format!("{id} (base → head)"));
    options.subtitle = Some("red: more gas in head, blue: less".to_owned());
    inferno::flamegraph::from_lines(&mut options, folded.lines(), &mut svg)?;
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_plain() {
        assert_eq!(
            file_stem("fn:contracts/Token.sol:Token.transfer(address,uint256)"),
            "fn_contracts_Token.sol_Token.transfer_address_uint256_"
        );
        assert_eq!(file_stem("../x"), "_x");
    }
}
