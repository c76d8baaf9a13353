//! GitHub Actions' file and stdout protocols: workflow commands (`::error::`, `::warning::`,
//! `::add-mask::`), step outputs (`$GITHUB_OUTPUT`) and the job summary (`$GITHUB_STEP_SUMMARY`).
//!
//! The text is produced by pure functions. Workflow commands are returned as strings for the
//! command's printer to write to stdout (this module never prints); the two file writers at the
//! bottom are the only I/O, and they only append.
//!
//! Escaping follows the runner: command data escapes `%`, `\r` and `\n`; property values also
//! escape `:` and `,`. Outputs use the `name<<DELIMITER` form with a random delimiter checked not
//! to occur in the value, so a value (which may contain contract names from the repository under
//! test) can never end the block early and inject other outputs.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::hash::{BuildHasher, RandomState};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// GitHub's limit on what one step may add to the job summary.
pub const STEP_SUMMARY_LIMIT_BYTES: usize = 1024 * 1024;
/// GitHub shows at most this many annotations of each level per step.
pub const MAX_ANNOTATIONS_PER_LEVEL: usize = 10;

const TRUNCATION_NOTE: &str = "\n\n> [!WARNING]\n> gasguard cut this summary short to stay within GitHub's \
                               1 MiB step-summary limit. The full report is in the file named by the \
                               `report-path` output.\n";

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("failed to append to `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid step output name `{name}`\n\nhint: names are ASCII letters, digits, `_` and `-`")]
    InvalidOutputName { name: String },
    #[error("could not find a heredoc delimiter that does not occur in the value of output `{name}`")]
    NoDelimiter { name: String },
}

/// Escapes the message part of a workflow command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (`title=`, `file=`) of a workflow command.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AnnotationLevel {
    Error,
    Warning,
    Notice,
}

impl AnnotationLevel {
    fn command(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Notice => "notice",
        }
    }
}

/// One annotation, such as a regression shown on the changed contract's source line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub level: AnnotationLevel,
    pub title: Option<String>,
    /// Repository-relative path.
    pub file: Option<String>,
    pub line: Option<u32>,
    pub message: String,
    /// Larger goes first when annotations are capped: the size of the regression, say in gas.
    pub priority: u64,
}

impl Annotation {
    /// The `::error file=...,line=...,title=...::message` line.
    pub fn to_command(&self) -> String {
        let mut properties = Vec::new();
        if let Some(file) = &self.file {
            properties.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = self.line {
            properties.push(format!("line={line}"));
        }
        if let Some(title) = &self.title {
            properties.push(format!("title={}", escape_property(title)));
        }
        let separator = if properties.is_empty() { "" } else { " " };
        format!(
            "::{}{separator}{}::{}",
            self.level.command(),
            properties.join(","),
            escape_data(&self.message)
        )
    }
}

/// The annotations to emit and how many of each level were left out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnnotationSelection {
    /// Errors, then warnings, then notices; each level highest priority first, ties in input order.
    pub kept: Vec<Annotation>,
    pub omitted: BTreeMap<AnnotationLevel, usize>,
}

/// Keeps the `cap_per_level` highest-priority annotations of each level.
pub fn select_annotations(annotations: Vec<Annotation>, cap_per_level: usize) -> AnnotationSelection {
    let mut sorted = annotations;
    sorted.sort_by(|a, b| a.level.cmp(&b.level).then(b.priority.cmp(&a.priority)));
    let mut selection = AnnotationSelection::default();
    let mut counts: BTreeMap<AnnotationLevel, usize> = BTreeMap::new();
    for annotation in sorted {
        let count = counts.entry(annotation.level).or_default();
        if *count < cap_per_level {
            *count += 1;
            selection.kept.push(annotation);
        } else {
            *selection.omitted.entry(annotation.level).or_default() += 1;
        }
    }
    selection
}

/// `::add-mask::` lines that hide `secret` in the log from here on. Multi-line secrets get one line
/// each, since the runner masks line by line. Print these only inside Actions (`GITHUB_ACTIONS=true`):
/// anywhere else they would show the secret.
pub fn add_mask_commands(secret: &str) -> Vec<String> {
    secret
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| format!("::add-mask::{}", escape_data(line)))
        .collect()
}

/// The action's outputs, in the order `action.yml` declares them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionOutputs {
    /// `pass` or `fail`.
    pub verdict: String,
    pub regressions: usize,
    pub improvements: usize,
    pub report_path: Option<String>,
    pub diff_path: Option<String>,
    pub comment_url: Option<String>,
}

impl ActionOutputs {
    /// Name and value of each output; absent values are empty strings.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        vec![
            ("verdict", self.verdict.clone()),
            ("regressions", self.regressions.to_string()),
            ("improvements", self.improvements.to_string()),
            ("report-path", self.report_path.clone().unwrap_or_default()),
            ("diff-path", self.diff_path.clone().unwrap_or_default()),
            ("comment-url", self.comment_url.clone().unwrap_or_default()),
        ]
    }
}

/// One `$GITHUB_OUTPUT` entry: `name<<DELIMITER\nvalue\nDELIMITER\n`, with a delimiter drawn from
/// `next_delimiter` until one does not occur in `value`.
pub fn format_output(
    name: &str,
    value: &str,
    next_delimiter: &mut dyn FnMut() -> String,
) -> Result<String, WorkflowError> {
    let valid_name =
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid_name {
        return Err(WorkflowError::InvalidOutputName { name: name.chars().take(80).collect() });
    }
    for _ in 0..16 {
        let delimiter = next_delimiter();
        if !delimiter.is_empty() && !value.contains(&delimiter) && !delimiter.contains(['\n', '\r']) {
            return Ok(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
        }
    }
    Err(WorkflowError::NoDelimiter { name: name.to_owned() })
}

/// `ghadelimiter_` and 32 random hex digits (the runner's toolkit uses the same prefix).
pub fn random_delimiter() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    // `RandomState` is seeded from the OS per process; mixing in time and a counter makes each
    // call differ. Unpredictability is a second line of defence: the value check is the first.
    let high = RandomState::new().hash_one((nanos, count, std::process::id()));
    let low = RandomState::new().hash_one((count, nanos));
    format!("ghadelimiter_{high:016x}{low:016x}")
}

/// How a summary was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryWrite {
    pub bytes_written: usize,
    /// The markdown was cut to fit the 1 MiB limit (a note says so at the end).
    pub truncated: bool,
}

/// Cuts `markdown` to at most `available` bytes, at a line boundary, closing an open code fence
/// and ending with a note. Returns the text and whether it was cut.
pub fn fit_step_summary(markdown: &str, available: usize) -> (Cow<'_, str>, bool) {
    if markdown.len() < available {
        // `<`, not `<=`: the writer adds a final newline when the markdown lacks one.
        return (Cow::Borrowed(markdown), false);
    }
    const FENCE_CLOSE: &str = "\n```";
    let Some(budget) = available.checked_sub(TRUNCATION_NOTE.len() + FENCE_CLOSE.len()) else {
        return (Cow::Borrowed(""), true);
    };
    let mut cut = budget.min(markdown.len());
    while !markdown.is_char_boundary(cut) {
        cut -= 1;
    }
    if let Some(newline) = markdown[..cut].rfind('\n') {
        cut = newline;
    }
    let kept = &markdown[..cut];
    let mut text = kept.to_owned();
    let open_fence = kept.lines().filter(|line| line.trim_start().starts_with("```")).count() % 2 == 1;
    if open_fence {
        text.push_str(FENCE_CLOSE);
    }
    text.push_str(TRUNCATION_NOTE);
    (Cow::Owned(text), true)
}

/// Appends `markdown` to the job summary file, cut to what is left of the step's 1 MiB.
pub fn append_step_summary(path: &Path, markdown: &str) -> Result<SummaryWrite, WorkflowError> {
    let write_error = |source| WorkflowError::Write { path: path.to_owned(), source };
    let existing = match std::fs::metadata(path) {
        Ok(metadata) => usize::try_from(metadata.len()).unwrap_or(usize::MAX),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => 0,
        Err(error) => return Err(write_error(error)),
    };
    let (text, truncated) = fit_step_summary(markdown, STEP_SUMMARY_LIMIT_BYTES.saturating_sub(existing));
    let mut text = text.into_owned();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    append(path, &text).map_err(write_error)?;
    Ok(SummaryWrite { bytes_written: text.len(), truncated })
}

/// Appends every entry to the step output file in one write.
pub fn write_outputs(path: &Path, entries: &[(&str, String)]) -> Result<(), WorkflowError> {
    let mut text = String::new();
    for (name, value) in entries {
        text.push_str(&format_output(name, value, &mut random_delimiter)?);
    }
    append(path, &text).map_err(|source| WorkflowError::Write { path: path.to_owned(), source })
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regression(level: AnnotationLevel, name: &str, priority: u64) -> Annotation {
        Annotation {
            level,
            title: Some(format!("gas: {name}")),
            file: None,
            line: None,
            message: format!("{name} costs more"),
            priority,
        }
    }

    #[test]
    fn escaping_matches_the_runner() {
        assert_eq!(escape_data("50% more\r\nnext: a,b"), "50%25 more%0D%0Anext: a,b");
        assert_eq!(
            escape_property("Vault.deposit(uint256): +5%, hot"),
            "Vault.deposit(uint256)%3A +5%25%2C hot"
        );
    }

    #[test]
    fn annotation_commands() {
        let annotation = Annotation {
            level: AnnotationLevel::Error,
            title: Some("Gas regression: Vault::deposit".to_owned()),
            file: Some("src/Vault.sol".to_owned()),
            line: Some(42),
            message: "+1,204 gas (+3.1%)\nmedian 40,100 → 41,304".to_owned(),
            priority: 1204,
        };
        insta::assert_snapshot!(
            annotation.to_command(),
            @"::error file=src/Vault.sol,line=42,title=Gas regression%3A Vault%3A%3Adeposit::+1,204 gas (+3.1%25)%0Amedian 40,100 → 41,304"
        );
        let bare = Annotation { title: None, file: None, line: None, ..annotation };
        assert!(bare.to_command().starts_with("::error::+1,204"));
    }

    #[test]
    fn annotations_are_prioritised_and_capped_per_level() {
        let mut annotations: Vec<Annotation> =
            (0..12).map(|index| regression(AnnotationLevel::Error, &format!("e{index}"), index)).collect();
        annotations.push(regression(AnnotationLevel::Warning, "w-small", 1));
        annotations.push(regression(AnnotationLevel::Warning, "w-big", 900));
        let selection = select_annotations(annotations, MAX_ANNOTATIONS_PER_LEVEL);
        let kept: Vec<&str> = selection.kept.iter().map(|annotation| annotation.message.as_str()).collect();
        assert_eq!(kept[0], "e11 costs more");
        assert_eq!(kept[9], "e2 costs more");
        assert_eq!(&kept[10..], ["w-big costs more", "w-small costs more"]);
        assert_eq!(selection.omitted, BTreeMap::from([(AnnotationLevel::Error, 2)]));
    }

    #[test]
    fn masks_each_line() {
        assert_eq!(add_mask_commands("abc%\n\nsecond\r\n"), ["::add-mask::abc%25", "::add-mask::second"]);
    }

    #[test]
    fn outputs_use_a_delimiter_absent_from_the_value() {
        let mut candidates = vec!["EOF".to_owned(), "d2".to_owned()].into_iter();
        let mut next = || candidates.next().unwrap_or_default();
        let text = format_output("report-path", "x\nEOF\nverdict=pass", &mut next).expect("delimiter found");
        assert_eq!(text, "report-path<<d2\nx\nEOF\nverdict=pass\nd2\n");

        let mut always_eof = || "EOF".to_owned();
        assert!(matches!(format_output("v", "EOF", &mut always_eof), Err(WorkflowError::NoDelimiter { .. })));
        assert!(matches!(
            format_output("bad<<name", "x", &mut random_delimiter),
            Err(WorkflowError::InvalidOutputName { .. })
        ));
        assert_ne!(random_delimiter(), random_delimiter());
    }

    #[test]
    fn writes_action_outputs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("output");
        std::fs::write(&path, "earlier=1\n").expect("seed file");
        let outputs = ActionOutputs {
            verdict: "fail".to_owned(),
            regressions: 3,
            improvements: 1,
            report_path: Some(".gasguard/report.json".to_owned()),
            diff_path: None,
            comment_url: Some("https://github.com/acme/vault/pull/7#issuecomment-1".to_owned()),
        };
        write_outputs(&path, &outputs.entries()).expect("write outputs");
        let text = std::fs::read_to_string(&path).expect("read back");
        assert!(text.starts_with("earlier=1\nverdict<<ghadelimiter_"), "{text}");
        let parsed = parse_outputs(text.strip_prefix("earlier=1\n").unwrap_or_default());
        assert_eq!(
            parsed,
            [
                ("verdict", "fail"),
                ("regressions", "3"),
                ("improvements", "1"),
                ("report-path", ".gasguard/report.json"),
                ("diff-path", ""),
                ("comment-url", "https://github.com/acme/vault/pull/7#issuecomment-1"),
            ]
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
        );
    }

    /// Reads `name<<DELIMITER` blocks the way the runner does.
    fn parse_outputs(text: &str) -> Vec<(String, String)> {
        let mut lines = text.lines();
        let mut parsed = Vec::new();
        while let Some(header) = lines.next() {
            let (name, delimiter) = header.split_once("<<").expect("heredoc header");
            let value: Vec<&str> = lines.by_ref().take_while(|line| *line != delimiter).collect();
            parsed.push((name.to_owned(), value.join("\n")));
        }
        parsed
    }

    #[test]
    fn summary_fits_untouched_when_small() {
        let (text, truncated) = fit_step_summary("# Gas\n", 100);
        assert_eq!((text.as_ref(), truncated), ("# Gas\n", false));
    }

    #[test]
    fn summary_is_cut_at_a_line_and_closes_fences() {
        let markdown = format!("# Gas\n```\n{}\n```\n", "0123456789\n".repeat(100));
        let (text, truncated) = fit_step_summary(&markdown, 600);
        assert!(truncated);
        assert!(text.len() <= 600, "{} bytes", text.len());
        assert!(text.ends_with(TRUNCATION_NOTE));
        let body = text.strip_suffix(TRUNCATION_NOTE).unwrap_or_default();
        assert!(body.ends_with("0123456789\n```"), "{body}");
        assert_eq!(fit_step_summary(&markdown, 10), (Cow::Borrowed(""), true));
    }

    #[test]
    fn summary_respects_multibyte_boundaries() {
        let markdown = "é".repeat(1000);
        let (text, truncated) = fit_step_summary(&markdown, 500);
        assert!(truncated && text.len() <= 500);
    }

    #[test]
    fn summary_append_counts_what_the_step_already_wrote() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("summary.md");
        std::fs::write(&path, "x".repeat(STEP_SUMMARY_LIMIT_BYTES - 1000)).expect("seed file");
        let markdown = "| row |\n".repeat(400);
        let write = append_step_summary(&path, &markdown).expect("append");
        assert!(write.truncated);
        let size = std::fs::metadata(&path).map(|metadata| metadata.len()).unwrap_or_default();
        assert!(size <= STEP_SUMMARY_LIMIT_BYTES as u64, "{size} bytes");

        let fresh = dir.path().join("fresh.md");
        let write = append_step_summary(&fresh, "# Gas").expect("append");
        assert_eq!(write, SummaryWrite { bytes_written: 6, truncated: false });
        assert_eq!(std::fs::read_to_string(&fresh).ok().as_deref(), Some("# Gas\n"));
    }
}
