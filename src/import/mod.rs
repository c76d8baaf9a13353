//! Importers: gas numbers other tools wrote, turned into a [`GasReport`].
//!
//! Every format has a pure parser (`parse_*`: text in, report out, no I/O) in its own module.
//! [`load`] and [`load_as`] are the only functions here that touch the file system: they read a
//! file or a directory, pick the format ([`detect`], [`detect_dir`]) and call the parser.
//!
//! | format | what | goes to |
//! | --- | --- | --- |
//! | [`Format::GasSnapshot`] | `.gas-snapshot` from `forge snapshot` or Hardhat 3 | `tests` |
//! | [`Format::GasReportJson`] | `forge test --gas-report --json` | `contracts` |
//! | [`Format::SnapshotSections`] | `snapshots/<Group>.json` (`snapshotGas*` cheatcodes) | `sections` |
//! | [`Format::SnapFiles`] | `.forge-snapshots/<name>.snap` (forge-gas-snapshot) | `sections` |
//! | [`Format::JestSnapshot`] | `@uniswap/snapshot-gas-cost` Jest snapshots (`__snapshots__/*.snap`) | `sections` |
//! | [`Format::HardhatGasReporter`] | hardhat-gas-reporter `outputJSON` | `contracts` |
//! | [`Format::HardhatGasStats`] | Hardhat 3 `test --gas-stats-json` | `contracts` |
//! | [`Format::Gasguard`] | a gasguard report (`gasguard/report/v1` or `v2`) | everything |
//!
//! Errors name the file and the 1-based line or the JSON key, so a user can go straight to the
//! culprit. Importers never guess: a value that is not gas is kept as information or rejected,
//! never read as gas, and a section whose *name* says it is not gas is classified by that name
//! ([`classify_section`]). A file committed in the middle of a merge (conflict markers) is
//! refused whatever its format. What an importer skips or renames on purpose comes back as
//! [`ImportWarning`]s, one per kind of thing, with how many, for the command to print.

mod gas_report_json;
mod gas_snapshot;
mod gasguard;
mod hardhat_gas_reporter;
mod hardhat_gas_stats;
mod jest;
mod json;
mod sections;
mod snap_files;

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use gas_report_json::parse_gas_report_json;
pub use gas_snapshot::format_gas_snapshot_line;
pub use gas_snapshot::parse_gas_snapshot;
pub use gasguard::parse_gasguard_report;
pub use hardhat_gas_reporter::parse_hardhat_gas_reporter;
pub use hardhat_gas_stats::parse_hardhat_gas_stats;
pub use jest::parse_jest_snapshots;
pub use sections::parse_snapshot_sections;
pub use snap_files::parse_snap_files;

use crate::core::report::{GasReport, SectionValue};

/// The formats gasguard can import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// `forge snapshot`'s `.gas-snapshot` (also Hardhat 3's, which writes `Contract#test()`).
    GasSnapshot,
    /// The JSON array `forge test --gas-report --json` prints.
    GasReportJson,
    /// A folder of Foundry gas section files, `snapshots/<Group>.json`.
    SnapshotSections,
    /// A folder of forge-gas-snapshot files, `.forge-snapshots/<name>.snap`.
    SnapFiles,
    /// Jest snapshot files written by `@uniswap/snapshot-gas-cost` (``exports[`…`] = `N`;``).
    JestSnapshot,
    /// hardhat-gas-reporter's JSON output (`outputJSON`).
    HardhatGasReporter,
    /// Hardhat 3's gas statistics, `hardhat test --gas-stats-json PATH`.
    HardhatGasStats,
    /// A report gasguard wrote itself.
    Gasguard,
}

impl Format {
    /// Every format, in the order auto-detection reports them.
    pub const ALL: [Format; 8] = [
        Self::Gasguard,
        Self::GasSnapshot,
        Self::GasReportJson,
        Self::SnapshotSections,
        Self::SnapFiles,
        Self::JestSnapshot,
        Self::HardhatGasReporter,
        Self::HardhatGasStats,
    ];

    /// The name used on the command line and in [`GasReport::source`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GasSnapshot => "gas-snapshot",
            Self::GasReportJson => "gas-report-json",
            Self::SnapshotSections => "snapshot-sections",
            Self::SnapFiles => "snap-files",
            Self::JestSnapshot => "jest-snapshot",
            Self::HardhatGasReporter => "hardhat-gas-reporter",
            Self::HardhatGasStats => "hardhat-gas-stats",
            Self::Gasguard => "gasguard",
        }
    }

    /// Whether the format is a folder of files rather than one file.
    pub fn is_directory(self) -> bool {
        matches!(self, Self::SnapshotSections | Self::SnapFiles)
    }

    fn description(self) -> &'static str {
        match self {
            Self::GasSnapshot => "a `.gas-snapshot` file",
            Self::GasReportJson => "`forge test --gas-report --json` output",
            Self::SnapshotSections => "a `snapshots/` folder of `<Group>.json` files",
            Self::SnapFiles => "a `.forge-snapshots/` folder of `.snap` files",
            Self::JestSnapshot => "a Jest snapshot of `@uniswap/snapshot-gas-cost`",
            Self::HardhatGasReporter => "hardhat-gas-reporter JSON",
            Self::HardhatGasStats => "Hardhat 3 `--gas-stats-json` output",
            Self::Gasguard => "a gasguard report",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for an unknown `--input-format` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown input format `{given}`; expected one of {}", Format::ALL.map(|format| format!("`{format}`")).join(", "))]
pub struct UnknownFormatName {
    pub given: String,
}

impl FromStr for Format {
    type Err = UnknownFormatName;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let format = match text {
            "gas-snapshot" | "forge-snapshot" => Self::GasSnapshot,
            "gas-report-json" | "forge-gas-report" => Self::GasReportJson,
            "snapshot-sections" | "forge-sections" => Self::SnapshotSections,
            "snap-files" | "forge-gas-snapshot" => Self::SnapFiles,
            "jest-snapshot" | "snapshot-gas-cost" => Self::JestSnapshot,
            "hardhat-gas-reporter" => Self::HardhatGasReporter,
            "hardhat-gas-stats" | "gas-stats-json" => Self::HardhatGasStats,
            "gasguard" => Self::Gasguard,
            _ => return Err(UnknownFormatName { given: text.to_owned() }),
        };
        Ok(format)
    }
}

/// Where in a file an error is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A 1-based line.
    Line(usize),
    /// A JSON key path, e.g. `[0].functions.transfer(address,uint256).mean`.
    Key(String),
    /// A whole file (one-value formats such as `.snap`).
    File,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Line(line) => write!(f, "line {line}"),
            Self::Key(key) => write!(f, "key `{key}`"),
            Self::File => f.write_str("(whole file)"),
        }
    }
}

/// Why an import failed. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("failed to read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("`{file}` line {line}: not valid UTF-8")]
    NotUtf8 { file: String, line: usize },
    #[error("`{file}` line {line} column {column}: {message}")]
    Json { file: String, line: usize, column: usize, message: String },
    #[error("`{file}` {at}: {message}")]
    Invalid { file: String, at: Location, message: String },
    #[error("duplicate entry `{id}`: in `{first_file}` {first_at} and again in `{file}` {at}")]
    Duplicate { id: String, first_file: String, first_at: Location, file: String, at: Location },
    #[error(
        "`{file}` has schema `{found}`, newer than the `{supported}` this gasguard reads\n\nhint: upgrade gasguard, or regenerate the report with this version"
    )]
    NewerSchema { file: String, found: String, supported: String },
    #[error(
        "could not recognise the format of `{path}`; tried {tried}\n\nhint: if it is one of these, name its format: `gasguard import --input-format FORMAT {path} --out report.json` writes a report every command reads"
    )]
    UnknownFormat { path: String, tried: String },
    #[error("`{path}` is {actual}, but format `{format}` reads {expected}")]
    WrongKind { path: String, format: Format, actual: &'static str, expected: &'static str },
    #[error(
        "`{file}` line {line}: merge conflict marker `{marker}`; the file was committed in the middle of a merge, expected gas output\n\nhint: resolve the conflict, or regenerate the file with the tool that wrote it"
    )]
    MergeConflict { file: String, line: usize, marker: String },
}

impl ImportError {
    pub(crate) fn invalid(file: &str, at: Location, message: impl Into<String>) -> Self {
        Self::Invalid { file: file.to_owned(), at, message: message.into() }
    }
}

/// Something an importer skipped or renamed on purpose: said once per kind, with how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportWarning {
    /// The file it is about, as given.
    pub file: String,
    /// What was skipped or renamed, how many times, and where the first one is.
    pub message: String,
}

impl fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.file, self.message)
    }
}

/// An imported report and what the importer skipped or renamed to produce it.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub report: GasReport,
    pub warnings: Vec<ImportWarning>,
}

impl Imported {
    /// A report nothing was skipped from.
    pub fn clean(report: GasReport) -> Self {
        Self { report, warnings: Vec::new() }
    }
}

/// What a section's *name* says its value is, whatever the value looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionClass {
    /// A gas figure (the default).
    Gas,
    /// A deployed (runtime) code size in bytes, judged by the size budget.
    Size,
    /// Not gas and not a runtime size: never judged.
    Info,
}

/// Classifies a section by its name, case-insensitively (the README's Importers section states
/// the same rule):
///
/// - an init-code size (`initcode size`, `init code size`, `creation code size`) or a hash
///   (`initcode hash`, `init code hash`, `bytecode hash`, `code hash`, `codehash`) is
///   information: the policy has no budget for init code, and a hash is not a quantity;
/// - any other code size (`bytecode size`, `code size`, `contract size`, `runtime size`,
///   `deployed size`) is a runtime size;
/// - everything else is gas.
pub fn classify_section(name: &str) -> SectionClass {
    const INFO: [&str; 8] = [
        "initcode size",
        "init code size",
        "creation code size",
        "initcode hash",
        "init code hash",
        "bytecode hash",
        "code hash",
        "codehash",
    ];
    const SIZE: [&str; 5] = ["bytecode size", "code size", "contract size", "runtime size", "deployed size"];
    let name = name.to_lowercase();
    if INFO.iter().any(|word| name.contains(word)) {
        SectionClass::Info
    } else if SIZE.iter().any(|word| name.contains(word)) {
        SectionClass::Size
    } else {
        SectionClass::Gas
    }
}

/// The value of the section `name` whose text is `text`: decimal 64-bit numbers are gas or a
/// size as [`classify_section`] says; anything else (a hash, a 256-bit number, a word) is
/// information, kept verbatim.
pub(crate) fn section_value(name: &str, text: &str) -> SectionValue {
    match (as_gas(text), classify_section(name)) {
        (Some(gas), SectionClass::Gas) => SectionValue::Gas(gas),
        (Some(size), SectionClass::Size) => SectionValue::Size(size),
        _ => SectionValue::Info(text.to_owned()),
    }
}

/// Refuses text holding a merge conflict: a line that is git's marker `<<<<<<<`, `|||||||` or
/// `>>>>>>>`, alone or followed by a space and a label (`<<<<<<< HEAD`). No importable format
/// can hold such a line where it has a meaning (JSON strings cannot span lines; a gas line
/// starts with a contract name), so a valid file is never refused. The middle marker `=======`
/// alone is not looked for: without the others it is not a conflict, and the parsers refuse
/// the line anyway.
pub(crate) fn check_merge_conflict(text: &str, file: &str) -> Result<(), ImportError> {
    for (index, line) in text.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        let is_marker = ["<<<<<<<", "|||||||", ">>>>>>>"].into_iter().any(|marker| {
            line.strip_prefix(marker).is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
        });
        if is_marker {
            return Err(ImportError::MergeConflict {
                file: file.to_owned(),
                line: index + 1,
                marker: shorten(line),
            });
        }
    }
    Ok(())
}

/// One file of a folder format, as the pure parsers take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the folder, `/`-separated (`ERC6909Claims approve.snap`).
    pub path: String,
    /// Where to say the file is in messages (`.forge-snapshots/ERC6909Claims approve.snap`).
    pub display: String,
    pub text: String,
}

/// Records where each id was first seen, to report duplicates with both places.
#[derive(Debug, Default)]
pub(crate) struct Origins {
    seen: BTreeMap<String, (String, Location)>,
}

impl Origins {
    pub(crate) fn claim(&mut self, id: &str, file: &str, at: Location) -> Result<(), ImportError> {
        if let Some((first_file, first_at)) = self.seen.get(id) {
            return Err(ImportError::Duplicate {
                id: id.to_owned(),
                first_file: first_file.clone(),
                first_at: first_at.clone(),
                file: file.to_owned(),
                at,
            });
        }
        self.seen.insert(id.to_owned(), (file.to_owned(), at));
        Ok(())
    }
}

/// Parses a decimal gas figure from text: digits only, at most 64 bits.
pub(crate) fn parse_gas(text: &str) -> Result<u64, String> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(format!("`{}` is not a decimal number", shorten(text)));
    }
    text.parse::<u64>().map_err(|_| format!("number `{}` does not fit in 64 bits", shorten(text)))
}

/// Whether `text` is decimal gas: the rule section-like formats use to tell gas from
/// information (a hash, a 256-bit number, a word).
pub(crate) fn as_gas(text: &str) -> Option<u64> {
    parse_gas(text).ok()
}

/// Caps quoted input in messages, so a hostile or huge line cannot flood the terminal.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    let clean: String = text.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
    if clean.chars().count() <= MAX {
        clean
    } else {
        let mut cut: String = clean.chars().take(MAX - 1).collect();
        cut.push('…');
        cut
    }
}

/// Which format a single file holds, judged from its name and content; `None` if none fits.
///
/// Pure: `name` is only looked at, never opened. A flat JSON object of strings is a section
/// snapshot only where it sits in a `snapshots/` folder (as forge writes it): anywhere else it
/// could be any JSON (a `package.json`), and a gate must not pass on it.
pub fn detect(name: &str, text: &str) -> Option<Format> {
    let file_name = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let body = text.trim_start_matches('\u{FEFF}').trim_start();
    if body.starts_with('{') || body.starts_with('[') {
        return json::detect(body, in_sections_folder(name));
    }
    if jest::looks_like(body) {
        return Some(Format::JestSnapshot);
    }
    if file_name.ends_with(".snap") {
        return Some(Format::SnapFiles);
    }
    if file_name.ends_with(".gas-snapshot") || gas_snapshot::looks_like(body) {
        return Some(Format::GasSnapshot);
    }
    None
}

/// Whether the file `name` sits directly in a folder called `snapshots`.
fn in_sections_folder(name: &str) -> bool {
    let mut parts = name.rsplit(['/', '\\']);
    parts.next();
    parts.next() == Some(PROJECT_SECTIONS)
}

/// Which folder format a directory holds, from the names of its files; `None` if none fits.
/// (A `.snap` folder whose files are Jest snapshots is recognised from their content by
/// [`load`].)
pub fn detect_dir(file_names: &[String]) -> Option<Format> {
    if file_names.iter().any(|name| name.ends_with(".snap")) {
        Some(Format::SnapFiles)
    } else if file_names.iter().any(|name| name.ends_with(".json")) {
        Some(Format::SnapshotSections)
    } else {
        None
    }
}

/// Parses `text` (the content of `file`) as `format`. For the folder formats the text is taken
/// as one file of the folder.
pub fn parse(format: Format, text: &str, file: &str) -> Result<Imported, ImportError> {
    check_merge_conflict(text, file)?;
    match format {
        Format::GasSnapshot => parse_gas_snapshot(text, file),
        Format::GasReportJson => parse_gas_report_json(text, file),
        Format::HardhatGasReporter => parse_hardhat_gas_reporter(text, file).map(Imported::clean),
        Format::HardhatGasStats => parse_hardhat_gas_stats(text, file).map(Imported::clean),
        Format::Gasguard => parse_gasguard_report(text, file).map(Imported::clean),
        Format::SnapshotSections | Format::SnapFiles | Format::JestSnapshot => {
            let path = file.rsplit(['/', '\\']).next().unwrap_or(file).to_owned();
            let files = [SourceFile { path, display: file.to_owned(), text: text.to_owned() }];
            parse_folder(format, &files)
        }
    }
}

/// Parses the files of a folder format.
fn parse_folder(format: Format, files: &[SourceFile]) -> Result<Imported, ImportError> {
    match format {
        Format::SnapFiles if files.iter().any(|file| jest::looks_like(&file.text)) => {
            parse_jest_snapshots(files)
        }
        Format::SnapFiles => parse_snap_files(files).map(Imported::clean),
        Format::JestSnapshot => parse_jest_snapshots(files),
        _ => parse_snapshot_sections(files).map(Imported::clean),
    }
}

/// Reads `path` (a file or a directory), detects its format and imports it.
///
/// A directory is a `.forge-snapshots/` folder (it holds `.snap` files), a folder of Jest
/// snapshots (`.snap` files holding ``exports[…]``), a `snapshots/` folder (it holds `.json`
/// files), or a project root holding any of `.gas-snapshot`, `snapshots/` and
/// `.forge-snapshots/`, which are imported together into one report.
pub fn load(path: &Path) -> Result<Imported, ImportError> {
    load_as(path, None)
}

/// [`load`] with the format chosen by the caller (`--input-format`) instead of detected.
pub fn load_as(path: &Path, format: Option<Format>) -> Result<Imported, ImportError> {
    let metadata = fs::metadata(path).map_err(|source| read_error(path, source))?;
    if metadata.is_dir() {
        load_dir(path, format)
    } else {
        let text = read_text(path)?;
        let display = path.display().to_string();
        let format = match format {
            Some(format) => format,
            None => detect(&display, &text).ok_or_else(|| ImportError::UnknownFormat {
                path: display.clone(),
                tried: Format::ALL.map(|format| format!("{} (`{format}`)", format.description())).join(", "),
            })?,
        };
        parse(format, &text, &display)
    }
}

const PROJECT_SNAPSHOT: &str = ".gas-snapshot";
const PROJECT_SECTIONS: &str = "snapshots";
const PROJECT_SNAP_FILES: &str = ".forge-snapshots";

fn load_dir(path: &Path, format: Option<Format>) -> Result<Imported, ImportError> {
    let display = path.display().to_string();
    let format = match format {
        Some(format) if format.is_directory() || format == Format::JestSnapshot => format,
        Some(format) => {
            return Err(ImportError::WrongKind {
                path: display,
                format,
                actual: "a directory",
                expected: "a file",
            });
        }
        None => {
            let names = list_dir(path)?
                .into_iter()
                .filter(|(_, is_dir)| !is_dir)
                .map(|(name, _)| name)
                .collect::<Vec<_>>();
            match detect_dir(&names) {
                Some(format) => format,
                None => return load_project(path),
            }
        }
    };
    let files = read_folder(path, format)?;
    parse_folder(format, &files)
}

/// A project root: everything gas-related it holds, in one report.
fn load_project(root: &Path) -> Result<Imported, ImportError> {
    let mut parts = Vec::new();
    let snapshot = root.join(PROJECT_SNAPSHOT);
    if snapshot.is_file() {
        let text = read_text(&snapshot)?;
        parts.push(parse_gas_snapshot(&text, &snapshot.display().to_string())?);
    }
    for (folder, format) in
        [(PROJECT_SECTIONS, Format::SnapshotSections), (PROJECT_SNAP_FILES, Format::SnapFiles)]
    {
        let folder = root.join(folder);
        if folder.is_dir() {
            let files = read_folder(&folder, format)?;
            parts.push(parse_folder(format, &files)?);
        }
    }
    if parts.is_empty() {
        return Err(ImportError::UnknownFormat {
            path: root.display().to_string(),
            tried: format!(
                "{}, {}, {}, and a project root holding `{PROJECT_SNAPSHOT}`, `{PROJECT_SECTIONS}/` or `{PROJECT_SNAP_FILES}/`",
                Format::SnapFiles.description(),
                Format::JestSnapshot.description(),
                Format::SnapshotSections.description(),
            ),
        });
    }
    merge(parts, &root.display().to_string())
}

/// Joins reports of one project; an id present in two of them is an error.
fn merge(parts: Vec<Imported>, root: &str) -> Result<Imported, ImportError> {
    let source = parts.iter().map(|part| part.report.source.as_str()).collect::<Vec<_>>().join("+");
    let mut merged = Imported::clean(GasReport::new(source));
    for part in parts {
        for (name, gas) in part.report.tests {
            if merged.report.tests.contains_key(&name) {
                return Err(duplicate_across(&format!("test:{name}"), root));
            }
            merged.report.tests.insert(name, gas);
        }
        for (name, value) in part.report.sections {
            if merged.report.sections.contains_key(&name) {
                return Err(duplicate_across(&format!("section:{name}"), root));
            }
            merged.report.sections.insert(name, value);
        }
        merged.warnings.extend(part.warnings);
    }
    Ok(merged)
}

fn duplicate_across(id: &str, root: &str) -> ImportError {
    ImportError::Duplicate {
        id: id.to_owned(),
        first_file: format!("{root}/{PROJECT_SECTIONS}"),
        first_at: Location::File,
        file: format!("{root}/{PROJECT_SNAP_FILES}"),
        at: Location::File,
    }
}

/// The files of a folder format, sorted by path. `.snap` folders are walked recursively (a
/// forge-gas-snapshot name with a `/` makes a subfolder); section folders are flat, as forge
/// writes them. Files of other extensions are skipped: real `.forge-snapshots/` folders carry
/// stray empty files (an `ERC6909Claims` without extension beside `ERC6909Claims *.snap`).
fn read_folder(root: &Path, format: Format) -> Result<Vec<SourceFile>, ImportError> {
    let snap = matches!(format, Format::SnapFiles | Format::JestSnapshot);
    let extension = if snap { ".snap" } else { ".json" };
    let mut files = Vec::new();
    let mut pending = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = pending.pop() {
        for (name, is_dir) in list_dir(&dir)? {
            let relative = format!("{prefix}{name}");
            if is_dir {
                if snap {
                    pending.push((dir.join(&name), format!("{relative}/")));
                }
            } else if name.ends_with(extension) {
                let path = dir.join(&name);
                let text = read_text(&path)?;
                files.push(SourceFile { path: relative, display: path.display().to_string(), text });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// `(file name, is a directory)` of every entry, sorted by name.
fn list_dir(dir: &Path) -> Result<Vec<(String, bool)>, ImportError> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(|source| read_error(dir, source))? {
        let entry = entry.map_err(|source| read_error(dir, source))?;
        let path = entry.path();
        let is_dir = fs::metadata(&path).map_err(|source| read_error(&path, source))?.is_dir();
        let name = entry.file_name().to_string_lossy().into_owned();
        entries.push((name, is_dir));
    }
    entries.sort();
    Ok(entries)
}

/// The text of a file to import: UTF-8, and not in the middle of a merge.
fn read_text(path: &Path) -> Result<String, ImportError> {
    let bytes = fs::read(path).map_err(|source| read_error(path, source))?;
    let display = path.display().to_string();
    let text = decode(bytes, &display)?;
    check_merge_conflict(&text, &display)?;
    Ok(text)
}

fn read_error(path: &Path, source: io::Error) -> ImportError {
    ImportError::Read { path: path.to_path_buf(), source }
}

/// Bytes to text; invalid UTF-8 is reported with the line it is on.
pub fn decode(bytes: Vec<u8>, file: &str) -> Result<String, ImportError> {
    String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let line = error.as_bytes()[..valid].iter().filter(|&&byte| byte == b'\n').count() + 1;
        ImportError::NotUtf8 { file: file.to_owned(), line }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for format in Format::ALL {
            assert_eq!(format.as_str().parse::<Format>(), Ok(format));
        }
        let error = "csv".parse::<Format>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown input format `csv`; expected one of `gasguard`, `gas-snapshot`, `gas-report-json`, \
             `snapshot-sections`, `snap-files`, `jest-snapshot`, `hardhat-gas-reporter`, `hardhat-gas-stats`"
        );
    }

    #[test]
    fn decode_names_the_line_of_the_bad_byte() {
        let error = decode(b"a\nb\nc\xff\n".to_vec(), "x.gas-snapshot").unwrap_err();
        assert_eq!(error.to_string(), "`x.gas-snapshot` line 3: not valid UTF-8");
    }

    #[test]
    fn gas_numbers_are_strict() {
        assert_eq!(parse_gas("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            parse_gas("18446744073709551616"),
            Err("number `18446744073709551616` does not fit in 64 bits".to_owned())
        );
        assert_eq!(parse_gas("-1"), Err("`-1` is not a decimal number".to_owned()));
        assert_eq!(parse_gas("0x10"), Err("`0x10` is not a decimal number".to_owned()));
        assert_eq!(parse_gas(""), Err("`` is not a decimal number".to_owned()));
    }

    #[test]
    fn detection() {
        assert_eq!(detect(".gas-snapshot", "A:test() (gas: 1)"), Some(Format::GasSnapshot));
        assert_eq!(detect("whatever.txt", "A#test() (gas: 1)\n"), Some(Format::GasSnapshot));
        assert_eq!(detect("empty.gas-snapshot", ""), Some(Format::GasSnapshot));
        assert_eq!(detect("x.snap", "123"), Some(Format::SnapFiles));
        assert_eq!(detect("report.json", "[]"), Some(Format::GasReportJson));
        assert_eq!(detect("snapshots/Group.json", "{\"a\": \"1\"}"), Some(Format::SnapshotSections));
        assert_eq!(detect("a\\snapshots\\Group.json", "{\"a\": \"1\"}"), Some(Format::SnapshotSections));
        assert_eq!(
            detect("Group.json", "{\"a\": \"1\"}"),
            None,
            "a flat object elsewhere than in `snapshots/` could be any JSON"
        );
        assert_eq!(detect("snapshots/Group.json", "{\"a\": \"1\""), Some(Format::SnapshotSections));
        assert_eq!(detect("Group.json", "{\"a\": \"1\""), None);
        assert_eq!(detect("x.snap", "// Jest Snapshot v1\n"), Some(Format::JestSnapshot));
        assert_eq!(detect("x.txt", "exports[`a 1`] = `1`;"), Some(Format::JestSnapshot));
        assert_eq!(
            detect("r.json", "{\"schema\": \"gasguard/report/v1\", \"tool\""),
            Some(Format::Gasguard),
            "a truncated report is still recognised, so the error is about the truncation"
        );
        assert_eq!(
            detect("h.json", "{\"namespace\":\"HardhatGasReporter\"}"),
            Some(Format::HardhatGasReporter)
        );
        assert_eq!(
            detect("gas-stats.json", "{\"contracts\": {\"a.sol:A\": {\"deployment\": null}}}"),
            Some(Format::HardhatGasStats)
        );
        assert_eq!(
            detect("gas-stats.json", "{\"contracts\": {\"a.sol:A\": {\"sourceName\""),
            Some(Format::HardhatGasStats)
        );
        assert_eq!(detect("notes.txt", "hello"), None);
        assert_eq!(detect_dir(&["a.snap".into(), "b".into()]), Some(Format::SnapFiles));
        assert_eq!(detect_dir(&["A.json".into()]), Some(Format::SnapshotSections));
        assert_eq!(detect_dir(&["README.md".into()]), None);
    }

    #[test]
    fn sections_are_classified_by_name() {
        let cases = [
            ("poolManager bytecode size", SectionClass::Size),
            ("Hook Code Size", SectionClass::Size),
            ("runtime size of the router", SectionClass::Size),
            ("poolManager initcode hash (without constructor params, as uint256)", SectionClass::Info),
            ("initcode size", SectionClass::Info),
            ("pool codehash", SectionClass::Info),
            ("simple swap", SectionClass::Gas),
            ("swap with hash check", SectionClass::Gas),
        ];
        for (name, class) in cases {
            assert_eq!(classify_section(name), class, "{name}");
        }
        assert_eq!(section_value("a bytecode size", "24009"), SectionValue::Size(24009));
        assert_eq!(section_value("a bytecode size", "n/a"), SectionValue::Info("n/a".into()));
        assert_eq!(section_value("a code hash", "12"), SectionValue::Info("12".into()));
        assert_eq!(section_value("swap", "12"), SectionValue::Gas(12));
    }

    #[test]
    fn merge_conflict_markers() {
        let text = "A:t() (gas: 1)\n<<<<<<< HEAD\nA:t() (gas: 2)\n=======\nA:t() (gas: 3)\n>>>>>>> main\n";
        assert_eq!(
            check_merge_conflict(text, "x").unwrap_err().to_string(),
            "`x` line 2: merge conflict marker `<<<<<<< HEAD`; the file was committed in the middle of a \
             merge, expected gas output\n\nhint: resolve the conflict, or regenerate the file with the tool \
             that wrote it"
        );
        assert!(matches!(
            check_merge_conflict("1\r\n>>>>>>>\r\n", "x"),
            Err(ImportError::MergeConflict { line: 2, .. })
        ));
        assert!(matches!(
            check_merge_conflict("1\n||||||| merged common ancestors\n", "x"),
            Err(ImportError::MergeConflict { line: 2, .. })
        ));
        for text in ["A:t() (gas: 1)\n=======\n", "<<<<<<<<<< arrows\n", "x <<<<<<< HEAD\n"] {
            assert!(check_merge_conflict(text, "x").is_ok(), "{text}");
        }
        assert!(parse(Format::SnapFiles, ">>>>>>> theirs", "x.snap").is_err());
    }
}
