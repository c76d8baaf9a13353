//! The diff for a terminal: one aligned section per status, arrows and signed deltas, the policy
//! failures, then the verdict as the same sentence the comment leads with. Entries are named
//! and grouped by contract as in the comment ([`crate::core::names`]). Colour (red regressions, green improvements) only
//! when [`TerminalOptions::color`] says so; the caller decides from `NO_COLOR` and the tty.
//!
//! For snapshot-style entries (tests and sections), [`TerminalOptions::snapshot_diff`] adds a
//! unified diff of the old and new snapshot lines, the view `git diff .gas-snapshot` gives.

use std::fmt::Write;

use similar::{ChangeTag, TextDiff};

use crate::core::diff::{DiffEntry, GasDiff, Status, Verdict};
use crate::core::entries::EntryKind;
use crate::core::names::{MAX_DISPLAY_CHARS, Names, shorten_middle};
use crate::core::number::group_digits;
use crate::core::render::{
    BOUNDS_MEANING, Line, MAX_NAME_CHARS, by_relative_change, describe_base, describe_build_changes,
    failing_entries, format_base, format_delta, format_head, format_measure, format_pct, grouped,
    judged_bound, policy_clause, sanitize, verdict_sentence, with_status,
};

/// How to render for a terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TerminalOptions {
    /// Use ANSI colours.
    pub color: bool,
    /// Append a unified diff of the test and section snapshot lines.
    pub snapshot_diff: bool,
}

const RED: &str = "31";
const GREEN: &str = "32";
const YELLOW: &str = "33";
const CYAN: &str = "36";
const BOLD: &str = "1";
const DIM: &str = "2";

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, text: &str, style: &str) -> String {
        if self.color && !text.is_empty() { format!("\x1b[{style}m{text}\x1b[0m") } else { text.to_owned() }
    }
}

/// Renders the diff for a terminal.
pub fn terminal(diff: &GasDiff, options: &TerminalOptions) -> String {
    let painter = Painter { color: options.color };
    let names = Names::new(diff.entries.iter().map(|entry| entry.id.as_str()));
    let mut out = String::new();
    // A changed build explains most differences: say it first.
    if let Some(line) = describe_build_changes(&diff.build_changes) {
        let _ = writeln!(out, "{}", painter.paint(&format!("warning: {line}"), YELLOW));
    }
    let _ = writeln!(
        out,
        "{} {} compared with {}",
        painter.paint("gasguard:", BOLD),
        sanitize(&diff.head_label, MAX_NAME_CHARS),
        sanitize(&diff.base_label, MAX_NAME_CHARS),
    );
    if let Some(base) = &diff.base {
        let _ = writeln!(out, "{}", describe_base(base));
    }

    let changes = [
        (Status::Regression, "Regressions", "↑", RED, by_relative_change(diff, Status::Regression)),
        (Status::Improvement, "Improvements", "↓", GREEN, by_relative_change(diff, Status::Improvement)),
        (Status::Added, "Added", "+", YELLOW, with_status(diff, Status::Added)),
        (Status::Removed, "Removed", "-", YELLOW, with_status(diff, Status::Removed)),
        (Status::Changed, "Changed", "~", YELLOW, with_status(diff, Status::Changed)),
    ];
    for (status, title, arrow, style, entries) in changes {
        if entries.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{}",
            painter.paint(&format!("{title} ({})", group_digits(entries.len() as u64)), BOLD)
        );
        let section_style = Section { status, arrow, style };
        section(&mut out, &painter, &section_style, &grouped(&entries, &names), &names);
    }

    if !diff.failures.is_empty() {
        let title = format!("Policy failures ({})", group_digits(diff.failures.len() as u64));
        let _ = writeln!(out, "\n{}", painter.paint(&title, BOLD));
        for failure in &diff.failures {
            let _ = writeln!(
                out,
                "  {} {}: {} {}",
                painter.paint("✗", RED),
                sanitize(&names.get(&failure.id).shown(MAX_DISPLAY_CHARS), MAX_NAME_CHARS),
                sanitize(&failure.reason, MAX_NAME_CHARS),
                painter.paint(&format!("[{}]", sanitize(&failure.rule, MAX_NAME_CHARS)), DIM),
            );
        }
    }

    if let Some(note) = &diff.why_note {
        let _ = writeln!(out, "\n{}", painter.paint(&format!("note: {}", sanitize(note, 400)), DIM));
    }
    if let Some(judged) = judged_bound(diff) {
        let note = format!(
            "note: Somnia: figures are `lower – upper` where the bounds differ ({BOUNDS_MEANING}); Δ and the policy use the {judged} bound"
        );
        let _ = writeln!(out, "\n{}", painter.paint(&note, DIM));
    }

    if options.snapshot_diff {
        snapshot_diff(&mut out, &painter, diff);
    }

    let sentence = verdict_sentence(diff, &names, |name| {
        sanitize(&shorten_middle(name, MAX_DISPLAY_CHARS), MAX_NAME_CHARS)
    });
    let _ = writeln!(out, "\n{sentence}; {} unchanged", group_digits(diff.summary.unchanged as u64));
    let verdict = match diff.verdict {
        Verdict::Pass => {
            format!(
                "{}{}",
                painter.paint("PASS", &format!("{BOLD};{GREEN}")),
                policy_clause(diff).replacen(';', ":", 1)
            )
        }
        Verdict::Fail => format!(
            "{}: {} {} the policy",
            painter.paint("FAIL", &format!("{BOLD};{RED}")),
            group_digits(failing_entries(diff) as u64),
            if failing_entries(diff) == 1 { "entry breaks" } else { "entries break" },
        ),
    };
    let _ = writeln!(out, "{verdict}");
    out
}

/// How one status's section looks.
struct Section<'a> {
    status: Status,
    arrow: &'a str,
    style: &'a str,
}

/// One aligned block of entries, under their contracts' names and paths when grouped.
fn section(out: &mut String, painter: &Painter, look: &Section<'_>, lines: &[Line<'_>], names: &Names) {
    let entries: Vec<&DiffEntry> = lines
        .iter()
        .filter_map(|line| match line {
            Line::Entry(entry) => Some(*entry),
            Line::Group(_) => None,
        })
        .collect();
    let rows: Vec<[String; 6]> = entries
        .iter()
        .map(|entry| {
            let rule = match (&entry.rule, entry.failed) {
                (Some(rule), true) => format!("✗ {}", sanitize(rule, MAX_NAME_CHARS)),
                (Some(rule), false) => format!("✓ {}", sanitize(rule, MAX_NAME_CHARS)),
                (None, true) => "✗".to_owned(),
                (None, false) => String::new(),
            };
            [
                sanitize(&names.get(&entry.id).shown(MAX_DISPLAY_CHARS), MAX_NAME_CHARS),
                format_base(entry),
                format_head(entry),
                format_delta(entry),
                format_pct(entry),
                rule,
            ]
        })
        .collect();
    let width = |column: usize| rows.iter().map(|row| row[column].chars().count()).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2), width(3), width(4)];
    let mut rows = entries.iter().zip(&rows);
    for line in lines {
        if let Line::Group(group) = line {
            let path = group.path.as_deref().map(|path| {
                let path = sanitize(&shorten_middle(path, MAX_DISPLAY_CHARS), MAX_NAME_CHARS);
                format!(" {}", painter.paint(&format!("· {path}"), DIM))
            });
            let title = if group.path.is_some() { &group.name } else { &group.title };
            let title = sanitize(&shorten_middle(title, MAX_DISPLAY_CHARS), MAX_NAME_CHARS);
            let _ = writeln!(out, "  {}{}", painter.paint(&title, BOLD), path.unwrap_or_default());
            continue;
        }
        let Some((entry, row)) = rows.next() else { break };
        let [id, base, head, delta, pct, rule] = row;
        let (arrow, style) = (look.arrow, look.style);
        let mut line = format!("  {} {}", painter.paint(arrow, style), pad_right(id, widths[0]));
        match look.status {
            Status::Added => {
                let _ = write!(line, "  {}", pad_left(head, widths[2]));
            }
            Status::Removed => {
                let _ = write!(line, "  {}", pad_left(base, widths[1]));
            }
            Status::Changed => {
                let _ = write!(line, "  {base} → {head}");
            }
            _ => {
                let change = format!("{}  {}", pad_left(delta, widths[3]), pad_left(pct, widths[4]));
                let _ = write!(
                    line,
                    "  {} → {}  {}",
                    pad_left(base, widths[1]),
                    pad_left(head, widths[2]),
                    painter.paint(&change, style)
                );
            }
        }
        if !rule.is_empty() {
            let rule_style = if entry.failed { RED } else { DIM };
            let _ = write!(line, "  {}", painter.paint(rule, rule_style));
        }
        let _ = writeln!(out, "{}", line.trim_end());
        if let Some(why) = &entry.why {
            let cause = super::why::cause(why).plain();
            let _ = writeln!(out, "      {} {cause}", painter.paint("why:", DIM));
        }
    }
}

/// A unified diff of the snapshot lines (`id value`) of tests and sections on each side.
fn snapshot_diff(out: &mut String, painter: &Painter, diff: &GasDiff) {
    let snapshot_like = |entry: &&DiffEntry| {
        matches!(entry.kind, EntryKind::Test | EntryKind::Fuzz | EntryKind::Section)
            || entry.id.starts_with("test:")
            || entry.id.starts_with("section:")
    };
    let lines = |side: fn(&DiffEntry) -> Option<&crate::core::entries::Measure>| -> String {
        diff.entries
            .iter()
            .filter(snapshot_like)
            .filter_map(|entry| {
                side(entry).map(|measure| {
                    format!(
                        "{} {}\n",
                        sanitize(&entry.id, MAX_NAME_CHARS),
                        format_measure(measure, entry.kind)
                    )
                })
            })
            .collect()
    };
    let old = lines(|entry| entry.base.as_ref());
    let new = lines(|entry| entry.head.as_ref());
    if old == new {
        return;
    }
    let text_diff = TextDiff::from_lines(&old, &new);
    let mut unified = text_diff.unified_diff();
    unified.context_radius(1);
    let _ = writeln!(out, "\n{}", painter.paint("Snapshot diff", BOLD));
    let _ = writeln!(
        out,
        "{}",
        painter.paint(&format!("--- {}", sanitize(&diff.base_label, MAX_NAME_CHARS)), RED)
    );
    let _ = writeln!(
        out,
        "{}",
        painter.paint(&format!("+++ {}", sanitize(&diff.head_label, MAX_NAME_CHARS)), GREEN)
    );
    for hunk in unified.iter_hunks() {
        let _ = writeln!(out, "{}", painter.paint(&hunk.header().to_string(), CYAN));
        for change in hunk.iter_changes() {
            let text = change.value().trim_end_matches('\n');
            let line = match change.tag() {
                ChangeTag::Delete => painter.paint(&format!("-{text}"), RED),
                ChangeTag::Insert => painter.paint(&format!("+{text}"), GREEN),
                ChangeTag::Equal => format!(" {text}"),
            };
            let _ = writeln!(out, "{line}");
        }
    }
}

fn pad_right(text: &str, width: usize) -> String {
    let count = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(count)))
}

fn pad_left(text: &str, width: usize) -> String {
    let count = text.chars().count();
    format!("{}{text}", " ".repeat(width.saturating_sub(count)))
}

#[cfg(test)]
mod tests {
    use insta::assert_snapshot;

    use super::*;
    use crate::core::render::fixtures;

    #[test]
    fn mixed_without_colour() {
        let options = TerminalOptions { color: false, snapshot_diff: true };
        assert_snapshot!(terminal(&fixtures::mixed(), &options));
    }

    #[test]
    fn mixed_with_colour() {
        let options = TerminalOptions { color: true, snapshot_diff: true };
        // Escape bytes made visible so the snapshot is readable.
        assert_snapshot!(terminal(&fixtures::mixed(), &options).replace('\x1b', "⎋"));
    }

    /// The places other parts fill: the build-changes line first, the base description after
    /// the base, one cause under its entry; control characters in them are neutralised.
    #[test]
    fn build_changes_and_base_description() {
        let diff = fixtures::mixed_with_base("main", "1\x1b[2J", &[]);
        let options = TerminalOptions::default();
        let text = terminal(&diff, &options);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("warning: the build changed (optimizer runs 200 → 1\u{FFFD}[2J)"),
            "{}",
            lines[0]
        );
        assert_eq!(lines[1], "gasguard: feature/fees (5d6e7f8) compared with main (1a2b3c4)");
        assert_eq!(lines[2], "compared with 1a2b3c4, the merge base with main");
    }

    #[test]
    fn no_changes() {
        assert_snapshot!(terminal(&fixtures::unchanged(), &TerminalOptions::default()));
    }

    /// Somnia's bounds beside each value where they differ, and the note saying which one the
    /// diff judged.
    #[test]
    fn somnia_bounds() {
        assert_snapshot!(terminal(&fixtures::somnia(None), &TerminalOptions::default()));
        let upper = terminal(
            &fixtures::somnia(Some(crate::core::policy::SomniaBound::Upper)),
            &TerminalOptions::default(),
        );
        assert!(upper.contains("Δ and the policy use the upper bound"), "{upper}");
        // The same figures, now judged by the upper bound: mint's +2,000,000 regresses.
        let mint = upper.lines().find(|line| line.contains("Token.mint(uint256)")).unwrap_or_default();
        let cells: Vec<&str> = mint.split("  ").map(str::trim).filter(|cell| !cell.is_empty()).collect();
        assert_eq!(cells[1..4], ["230,000 → 230,000 – 2,230,000", "+2,000,000", "+869.57%"], "{upper}");
    }

    #[test]
    fn no_colour_means_no_escape_codes() {
        let text = terminal(&fixtures::mixed(), &TerminalOptions { color: false, snapshot_diff: true });
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn hostile_names_cannot_reach_the_terminal() {
        let mut diff = fixtures::unchanged();
        diff.entries[0].id = "A:\x1b[2J\x1b]0;pwned\x07:t()\nfake line".into();
        diff.entries[0].status = Status::Added;
        let text = terminal(&diff, &TerminalOptions::default());
        assert!(!text.contains('\x1b') && !text.contains('\x07'));
        // The newline is neutralised: the name stays on its own row, and no line of the output
        // starts with the injected text.
        assert!(!text.lines().any(|line| line.trim_start().starts_with("fake line")), "{text}");
        let row = text.lines().find(|line| line.contains("pwned")).unwrap_or_default();
        assert!(row.contains("fake line"), "the whole name is on one row: {text}");
    }
}
