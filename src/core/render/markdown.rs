//! The pull-request comment: a Markdown body GitHub renders.
//!
//! Layout: the [`COMMENT_MARKER`] line (how the poster finds its own comment to update), a
//! headline that is the verdict as a sentence (`❌ 6 functions cost more gas (largest +0.72%
//! MockERC20.transfer), 3 cost less; 6 break the policy`), an optional build-changes line, the
//! line saying what was compared (and how many entries did not change), then tables:
//! regressions (largest relative change first, with the rules that failed or allowed each),
//! other policy failures (added or unchanged entries above a ceiling or the size budget),
//! improvements, added, removed, changed information, and every entry by id inside a
//! collapsed `<details>`.
//!
//! **Fits the review column.** Visible tables name entries as people say them
//! ([`crate::core::names`]), at most [`MAX_DISPLAY_CHARS`] characters (shortened in the middle),
//! grouped by contract with the source path on one row per contract; numbers are
//! right-aligned. A test renders the body in Chromium at 900 pixels (`tests/comment_render.rs`).
//!
//! **Size.** GitHub refuses comments over 65,536 characters; the body never exceeds
//! [`COMMENT_LIMIT`] bytes, whatever the input. When the tables do not fit, rows are dropped
//! from the least important table upwards (the full table first, regressions last); a table
//! cut short ends with `… and N more`, and the body says how many rows were omitted. The
//! headline, the counts and the regressions heading are never dropped.
//!
//! **Safety.** Entry names, information values, labels and even rule patterns come from the
//! pull request. Every such text is capped at [`super::MAX_NAME_CHARS`] characters and escaped
//! with HTML entities (which GitHub renders inside table cells) so it cannot inject HTML, close
//! a cell, open a code span, link, image or math, fake the comment marker, or break a row; `@`
//! and `#` also get a word joiner so no user, team or issue is mentioned.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::core::diff::{DiffEntry, GasDiff, Status, Verdict};
use crate::core::names::{Group, MAX_DISPLAY_CHARS, Names, shorten_middle};
use crate::core::number::group_digits;
use crate::core::render::base::capitalize;
use crate::core::render::{
    BOUNDS_MEANING, Line, MAX_NAME_CHARS, by_relative_change, describe_base, describe_build_changes,
    format_base, format_delta, format_head, format_pct, grouped, judged_bound, policy_clause, sanitize,
    verdict_sentence, with_status,
};

/// The first line of every gasguard comment.
pub const COMMENT_MARKER: &str = "<!-- gasguard:comment -->";
/// The most bytes a comment body has (GitHub's limit is 65,536 characters).
pub const COMMENT_LIMIT: usize = 65_536;

/// Bytes kept free for what is added after the budget runs out: the regressions heading and
/// its `… and N more` line (~70 bytes), the omission note (~100) and the link (~550).
const TAIL_RESERVE: usize = 1_024;
/// Longest base or build-change line kept, in characters.
const MAX_BASE_LINE_CHARS: usize = 1_500;
/// Longest trusted hint kept, in bytes.
const MAX_HINT_BYTES: usize = 4_096;
const MAX_URL_BYTES: usize = 512;

/// What the caller adds to the comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// Shown when there was no baseline to compare with: how to create one. Trusted Markdown
    /// written by gasguard itself, rendered verbatim; never put pull-request text in it.
    pub baseline_hint: Option<String>,
    /// A link to the full report (the job summary). Only `https://` URLs without spaces,
    /// quotes or angle brackets are used.
    pub job_summary_url: Option<String>,
    /// A link to the workflow run whose artifacts hold the flamegraphs; same rules.
    pub flamegraphs_url: Option<String>,
    /// A link to the workflow run whose artifacts hold the HTML report (`gasguard html`); same
    /// rules.
    pub html_report_url: Option<String>,
}

/// Renders the comment body.
pub fn markdown(diff: &GasDiff, options: &MarkdownOptions) -> String {
    let names = Names::new(diff.entries.iter().map(|entry| entry.id.as_str()));
    let mut body = String::new();
    body.push_str(COMMENT_MARKER);
    body.push('\n');
    body.push_str(&headline(diff, &names));
    // A changed build explains most differences: say it before anything else.
    if let Some(line) = describe_build_changes(&diff.build_changes) {
        let _ = writeln!(body, "\n⚠️ {}", escape_capped(&capitalize(&line), MAX_BASE_LINE_CHARS));
    }
    let description = diff
        .base
        .as_ref()
        .map(|base| format!(" {}.", escape_capped(&capitalize(&describe_base(base)), MAX_BASE_LINE_CHARS)))
        .unwrap_or_default();
    let unchanged = match diff.summary.unchanged {
        0 => String::new(),
        1 => " 1 entry is unchanged.".to_owned(),
        count => format!(" {} entries are unchanged.", group_digits(count as u64)),
    };
    let _ = writeln!(
        body,
        "\ngasguard compared head <code>{}</code> with base <code>{}</code>.{description}{unchanged}",
        escape(&diff.head_label),
        escape(&diff.base_label),
    );
    if let Some(hint) = &options.baseline_hint {
        body.push('\n');
        for line in truncate_bytes(hint, MAX_HINT_BYTES).lines() {
            let _ = writeln!(body, "> {line}");
        }
    }
    if let Some(note) = &diff.why_note {
        // From the diff document, which an unprivileged job may have written: escaped.
        let _ = writeln!(body, "\n> {}", escape(note));
    }
    if let Some(judged) = judged_bound(diff) {
        let _ = writeln!(
            body,
            "\n> Somnia: figures are <code>lower – upper</code> where the bounds differ ({BOUNDS_MEANING}); Δ and the policy use the **{judged}** bound."
        );
    }
    body.push('\n');

    let mut budget = COMMENT_LIMIT.saturating_sub(body.len() + TAIL_RESERVE);
    let mut omitted = 0usize;
    let mut dropping = false;
    for block in blocks(diff, &names) {
        if dropping && !block.always {
            omitted += block.rows.len();
            continue;
        }
        let (text, left_out) = block.render(&mut budget);
        body.push_str(&text);
        if left_out > 0 {
            omitted += left_out;
            dropping = true;
        }
    }

    if omitted > 0 {
        let _ = writeln!(
            body,
            "_{} {} omitted to keep this comment within GitHub's size limit._\n",
            group_digits(omitted as u64),
            if omitted == 1 { "row was" } else { "rows were" },
        );
    }
    if let Some(url) = options.job_summary_url.as_deref().filter(|url| is_safe_url(url)) {
        let _ = writeln!(body, "[Full report in the job summary]({url})");
    }
    if let Some(url) = options.flamegraphs_url.as_deref().filter(|url| is_safe_url(url)) {
        let _ = writeln!(body, "\n[Flamegraphs of where the gas goes]({url}) (workflow run artifact)");
    }
    if let Some(url) = options.html_report_url.as_deref().filter(|url| is_safe_url(url)) {
        let _ = writeln!(
            body,
            "\n[HTML report: history charts, causes, flamegraphs]({url}) (workflow run artifact `gasguard-report`)"
        );
    }
    debug_assert!(body.len() <= COMMENT_LIMIT, "comment of {} bytes", body.len());
    if body.len() > COMMENT_LIMIT {
        // Unreachable by construction; a cut comment still beats one GitHub refuses.
        body.truncate(truncate_bytes(&body, COMMENT_LIMIT).len());
    }
    body
}

fn headline(diff: &GasDiff, names: &Names) -> String {
    let icon = match diff.verdict {
        Verdict::Fail => "❌",
        Verdict::Pass if diff.summary.regressions > 0 => "⚠️",
        Verdict::Pass => "✅",
    };
    let sentence = verdict_sentence(diff, names, |name| code(&shorten_middle(name, MAX_DISPLAY_CHARS)));
    let mut chars = sentence.chars();
    let sentence: String =
        chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default();
    format!("### {icon} {sentence}{}\n", policy_clause(diff))
}

/// One row of a table: an entry's row (with its cause, if any), or a contract's heading row.
struct Row {
    text: String,
    /// How many entries the row shows: 1, or 0 for a heading.
    entries: usize,
}

/// One section of the body: a heading and a table (or a collapsed table).
struct Block {
    heading: String,
    table_head: String,
    rows: Vec<Row>,
    /// What the rows are, for `… and N more regressions`.
    noun: &'static str,
    collapsed: bool,
    /// Shown (at least its heading and count) even when the budget is spent.
    always: bool,
}

impl Block {
    fn entries(&self) -> usize {
        self.rows.iter().map(|row| row.entries).sum()
    }

    /// The block's text within `budget` bytes (which it reduces), and how many entries it left
    /// out. A block that cannot show a single row shows nothing, except for regressions,
    /// whose heading and `… and N more` line always appear.
    fn render(&self, budget: &mut usize) -> (String, usize) {
        let entries = self.entries();
        if entries == 0 {
            return (String::new(), 0);
        }
        let more_line = format!("\n_… and {} more {}_\n", group_digits(entries as u64), self.noun);
        let (open, close) = if self.collapsed {
            (format!("<details><summary>{}</summary>\n\n", self.heading), "\n</details>\n\n".to_owned())
        } else {
            (format!("#### {}\n\n", self.heading), "\n".to_owned())
        };
        let fixed = open.len() + self.table_head.len() + close.len() + more_line.len();
        let always = self.always;
        if fixed > *budget && !always {
            return (String::new(), entries);
        }
        *budget = budget.saturating_sub(fixed);
        let mut taken = 0;
        let mut taken_entries = 0;
        for (index, row) in self.rows.iter().enumerate() {
            // A contract's heading row only comes with its first entry.
            let needed = match (row.entries, self.rows.get(index + 1)) {
                (0, Some(next)) => row.text.len() + next.text.len(),
                (0, None) => usize::MAX,
                _ => row.text.len(),
            };
            if needed > *budget {
                break;
            }
            *budget -= row.text.len();
            taken += 1;
            taken_entries += row.entries;
        }
        if taken == 0 && !always {
            *budget += fixed;
            return (String::new(), entries);
        }
        let mut text = open;
        if taken > 0 {
            text.push_str(&self.table_head);
            for row in &self.rows[..taken] {
                text.push_str(&row.text);
            }
        }
        let left_out = entries - taken_entries;
        if left_out > 0 {
            let _ = write!(text, "\n_… and {} more {}_\n", group_digits(left_out as u64), self.noun);
        }
        text.push_str(&close);
        (text, left_out)
    }
}

/// The tables, most important first.
fn blocks(diff: &GasDiff, names: &Names) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut failed_rules: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for failure in &diff.failures {
        failed_rules.entry(&failure.id).or_default().push(&failure.rule);
    }
    let rule_cell = |entry: &DiffEntry| rule_cell(&failed_rules, entry);
    let name_cell = |id: &str| code(&names.get(id).shown(MAX_DISPLAY_CHARS));
    // Rows of entries grouped by contract; `cells` makes an entry's cells, `columns` cells a row.
    let table_rows = |entries: &[&DiffEntry], columns: usize, cells: &dyn Fn(&DiffEntry) -> Vec<String>| {
        grouped(entries, names)
            .into_iter()
            .map(|line| match line {
                Line::Group(group) => Row { text: group_row(&group, columns), entries: 0 },
                Line::Entry(entry) => Row { text: row(&cells(entry)), entries: 1 },
            })
            .collect::<Vec<Row>>()
    };
    let changes = |status: Status, with_rule: bool| -> Vec<Row> {
        let cells = |entry: &DiffEntry| {
            let mut cells =
                vec![name_cell(&entry.id), base(entry), head(entry), format_delta(entry), format_pct(entry)];
            if with_rule {
                cells.push(rule_cell(entry));
            }
            cells
        };
        table_rows(&by_relative_change(diff, status), if with_rule { 6 } else { 5 }, &cells)
    };
    let regressions = changes(Status::Regression, true);
    blocks.push(Block {
        heading: format!("Regressions ({})", group_digits(diff.summary.regressions as u64)),
        table_head: table_head(&[
            ("Entry", "---"),
            ("Base", "---:"),
            ("Head", "---:"),
            ("Δ", "---:"),
            ("Δ %", "---:"),
            ("Rule", "---"),
        ]),
        rows: regressions,
        noun: "regressions",
        collapsed: false,
        always: true,
    });
    // Failures of entries the regressions table does not show: added or unchanged entries above
    // a ceiling or the size budget.
    let other_failures: Vec<Row> = diff
        .failures
        .iter()
        .filter(|failure| {
            diff.entries
                .binary_search_by(|entry| entry.id.as_str().cmp(&failure.id))
                .is_ok_and(|index| diff.entries[index].status != Status::Regression)
        })
        .map(|failure| Row {
            text: row(&[
                name_cell(&failure.id),
                escape(&failure.reason),
                format!("❌ {}", escape(&failure.rule)),
            ]),
            entries: 1,
        })
        .collect();
    blocks.push(Block {
        heading: format!("Other policy failures ({})", group_digits(other_failures.len() as u64)),
        table_head: table_head(&[("Entry", "---"), ("Reason", "---"), ("Rule", "---")]),
        rows: other_failures,
        noun: "failures",
        collapsed: false,
        always: false,
    });
    let improvements = changes(Status::Improvement, false);
    blocks.push(Block {
        heading: format!("Improvements ({})", group_digits(diff.summary.improvements as u64)),
        table_head: table_head(&[
            ("Entry", "---"),
            ("Base", "---:"),
            ("Head", "---:"),
            ("Δ", "---:"),
            ("Δ %", "---:"),
        ]),
        rows: improvements,
        noun: "improvements",
        collapsed: false,
        always: false,
    });
    // Why gas moved: one line per regression and per large improvement, after the tables it
    // explains so that it gives way to their rows when the comment runs out of room.
    let causes: Vec<Row> = super::why::explained(diff)
        .into_iter()
        .map(|(entry, why)| Row {
            text: format!("- {}: {}\n", name_cell(&entry.id), cause_markdown(&super::why::cause(why))),
            entries: 1,
        })
        .collect();
    blocks.push(Block {
        heading: format!("Why gas moved ({})", group_digits(causes.len() as u64)),
        table_head: String::new(),
        rows: causes,
        noun: "explanations",
        collapsed: false,
        always: false,
    });
    for (status, heading, noun) in [
        (Status::Added, "Added", "added entries"),
        (Status::Removed, "Removed", "removed entries"),
        (Status::Changed, "Changed information", "changed entries"),
    ] {
        let entries = with_status(diff, status);
        // Added entries can fail a ceiling or the size budget; show the rule only then.
        let with_rule = entries.iter().any(|entry| entry.failed);
        let align = if status == Status::Changed { "---" } else { "---:" };
        let mut columns = vec![("Entry", "---"), ("Kind", "---")];
        if status != Status::Added {
            columns.push(("Base", align));
        }
        if status != Status::Removed {
            columns.push(("Head", align));
        }
        if with_rule {
            columns.push(("Rule", "---"));
        }
        let cells = |entry: &DiffEntry| {
            let mut cells = vec![name_cell(&entry.id), entry.kind.as_str().to_owned()];
            if status != Status::Added {
                cells.push(base(entry));
            }
            if status != Status::Removed {
                cells.push(head(entry));
            }
            if with_rule {
                cells.push(rule_cell(entry));
            }
            cells
        };
        let rows = table_rows(&entries, columns.len(), &cells);
        blocks.push(Block {
            heading: format!("{heading} ({})", group_digits(entries.len() as u64)),
            table_head: table_head(&columns),
            rows,
            noun,
            collapsed: false,
            always: false,
        });
    }
    let all: Vec<Row> = diff
        .entries
        .iter()
        .map(|entry| Row {
            text: row(&[
                code(&entry.id),
                entry.kind.as_str().to_owned(),
                base(entry),
                head(entry),
                format_delta(entry),
                format_pct(entry),
                format!("{}{}", if entry.failed { "❌ " } else { "" }, entry.status.as_str()),
            ]),
            entries: 1,
        })
        .collect();
    blocks.push(Block {
        heading: format!("All entries by id ({})", group_digits(all.len() as u64)),
        table_head: table_head(&[
            ("Entry", "---"),
            ("Kind", "---"),
            ("Base", "---:"),
            ("Head", "---:"),
            ("Δ", "---:"),
            ("Δ %", "---:"),
            ("Status", "---"),
        ]),
        rows: all,
        noun: "entries",
        collapsed: true,
        always: false,
    });
    blocks
}

/// A group's heading row: its name in bold and a contract's source path, once for its entries.
fn group_row(group: &Group, columns: usize) -> String {
    let heading = match &group.path {
        Some(path) => {
            let name = shorten_middle(&group.name, MAX_DISPLAY_CHARS);
            let room = MAX_DISPLAY_CHARS.saturating_sub(name.chars().count() + 3).max(24);
            format!("**{}** · {}", escape(&name), code(&shorten_middle(path, room)))
        }
        None => format!("**{}**", escape(&shorten_middle(&group.title, MAX_DISPLAY_CHARS))),
    };
    let mut cells = vec![heading];
    cells.resize(columns, String::new());
    row(&cells)
}

/// A table's header and alignment rows from `(title, alignment)` pairs.
fn table_head(columns: &[(&str, &str)]) -> String {
    let titles: Vec<&str> = columns.iter().map(|(title, _)| *title).collect();
    let alignments: Vec<&str> = columns.iter().map(|(_, alignment)| *alignment).collect();
    format!("| {} |\n| {} |\n", titles.join(" | "), alignments.join(" | "))
}

/// The rules that failed an entry (all of them, marked), or the rule that allowed it.
fn rule_cell(failed_rules: &BTreeMap<&str, Vec<&str>>, entry: &DiffEntry) -> String {
    match failed_rules.get(entry.id.as_str()) {
        Some(rules) => format!("❌ {}", rules.iter().map(|rule| escape(rule)).collect::<Vec<_>>().join(", ")),
        None => entry.rule.as_deref().map(escape).unwrap_or_default(),
    }
}

/// A cause line for the comment: each part escaped, locations and source text as code.
fn cause_markdown(cause: &super::why::Cause) -> String {
    let mut parts = vec![escape(&cause.kinds.join(", "))];
    parts.extend(cause.frame.as_deref().map(escape));
    for (location, text, delta) in &cause.lines {
        let place =
            if location.is_empty() { code(text) } else { format!("{} {}", code(location), code(text)) };
        parts.push(format!("{place} {}", escape(delta)));
    }
    parts.extend(cause.storage.as_deref().map(escape));
    parts.retain(|part| !part.is_empty());
    parts.join(" · ")
}

fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

fn code(name: &str) -> String {
    format!("<code>{}</code>", escape(name))
}

fn base(entry: &DiffEntry) -> String {
    escape(&format_base(entry))
}

fn head(entry: &DiffEntry) -> String {
    escape(&format_head(entry))
}

/// `text` made inert for a GitHub Markdown table cell (see the module documentation).
pub(crate) fn escape(text: &str) -> String {
    escape_capped(text, MAX_NAME_CHARS)
}

/// [`escape`] with another cap than [`MAX_NAME_CHARS`], for lines gasguard composes.
pub(crate) fn escape_capped(text: &str, max: usize) -> String {
    let text = sanitize(text, max);
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            '|' => escaped.push_str("&#124;"),
            '`' => escaped.push_str("&#96;"),
            '[' => escaped.push_str("&#91;"),
            ']' => escaped.push_str("&#93;"),
            '(' => escaped.push_str("&#40;"),
            ')' => escaped.push_str("&#41;"),
            '!' => escaped.push_str("&#33;"),
            '\\' => escaped.push_str("&#92;"),
            '*' => escaped.push_str("&#42;"),
            '_' => escaped.push_str("&#95;"),
            '~' => escaped.push_str("&#126;"),
            '$' => escaped.push_str("&#36;"),
            // No raw `:` or `.` leaves no `https://` or `www.` for the autolinker to find.
            ':' => escaped.push_str("&#58;"),
            '.' => escaped.push_str("&#46;"),
            // The entity alone is decoded before GitHub looks for mentions and references; the
            // word joiner after it is what keeps `@org/team` and `#123` from matching.
            '@' => escaped.push_str("&#64;\u{2060}"),
            '#' => escaped.push_str("&#35;\u{2060}"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn truncate_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn is_safe_url(url: &str) -> bool {
    url.starts_with("https://")
        && url.len() <= MAX_URL_BYTES
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '(' | ')' | '`'))
}

#[cfg(test)]
mod tests {
    use insta::assert_snapshot;

    use super::*;
    use crate::core::diff::{DiffLabels, diff};
    use crate::core::policy::Policy;
    use crate::core::render::fixtures;
    use crate::core::report::{GasReport, TestGas};

    #[test]
    fn mixed_diff() {
        let body = markdown(
            &fixtures::mixed(),
            &MarkdownOptions {
                baseline_hint: None,
                job_summary_url: Some("https://github.com/o/r/actions/runs/1".into()),
                ..MarkdownOptions::default()
            },
        );
        assert_snapshot!(body);
    }

    /// The build-changes line and the base description, escaped like names.
    #[test]
    fn build_changes_and_base_description() {
        let diff = fixtures::mixed_with_base("`main`", "1", &["a", "b", "c"]);
        let options = MarkdownOptions::default();
        let body = markdown(&diff, &options);
        let lines: Vec<&str> = body.lines().collect();
        assert!(lines[1].starts_with("### ❌ "), "{body}");
        assert!(
            lines[3].starts_with("⚠️ The build changed &#40;optimizer runs 200 → 1 for 3 contracts&#41;"),
            "{}",
            lines[3]
        );
        assert!(lines[5].contains("<code>main &#40;1a2b3c4&#41;</code>. Compared with 1a2b3c4, the merge base with &#96;main&#96;. 2 entries are unchanged."), "{}", lines[5]);
    }

    #[test]
    fn no_changes() {
        assert_snapshot!(markdown(&fixtures::unchanged(), &MarkdownOptions::default()));
    }

    /// Somnia's bounds beside each value where they differ, in every table, and the note saying
    /// which one the diff judged.
    #[test]
    fn somnia_bounds() {
        assert_snapshot!(markdown(&fixtures::somnia(None), &MarkdownOptions::default()));
    }

    #[test]
    fn missing_baseline_hint() {
        let base = GasReport::new("none");
        let mut head = GasReport::new("test");
        head.tests.insert("A:test()".into(), TestGas::Gas { gas: 21_000 });
        let policy = Policy::default().compile().unwrap();
        let diff = diff(&base, &head, &policy, DiffLabels { base: "(none)".into(), head: "abc1234".into() });
        let options = MarkdownOptions {
            baseline_hint: Some(
                "**No baseline found**, so every entry shows as added.\nRun `gasguard baseline` on the default branch to create one."
                    .into(),
            ),
            job_summary_url: Some("javascript:alert(1)".into()),
            ..MarkdownOptions::default()
        };
        assert_snapshot!(markdown(&diff, &options));
    }

    /// Names from a pull request must come out inert: no HTML, no cell break, no code span,
    /// no link, no mention, no fake marker, no new row.
    #[test]
    fn hostile_names_are_inert() {
        let names = [
            "<img src=x onerror=alert(1)>",
            "a|b",
            "`x`",
            "@org/team",
            "<!-- gasguard:comment -->",
            "line\nbreak",
            "[click](https://evil.example)",
            "![img](https://evil.example/x.png)",
            "fix #1",
            "$\\huge x$",
            "\u{202E}txt.exe",
        ];
        let mut base = GasReport::new("test");
        let mut head = GasReport::new("test");
        for (index, name) in names.iter().enumerate() {
            base.tests.insert(format!("{name}:t()"), TestGas::Gas { gas: 100 });
            head.tests.insert(format!("{name}:t()"), TestGas::Gas { gas: 101 + index as u64 });
        }
        let long = "A".repeat(10_000);
        head.tests.insert(format!("{long}:t()"), TestGas::Gas { gas: 1 });
        let policy = Policy::default().compile().unwrap();
        let diff =
            diff(&base, &head, &policy, DiffLabels { base: "<b>base</b>".into(), head: "@here".into() });
        let body = markdown(&diff, &MarkdownOptions::default());

        assert_eq!(body.lines().next(), Some(COMMENT_MARKER));
        assert_eq!(body.matches("<!--").count(), 1, "only the real marker");
        let without_known_tags = body
            .replace(COMMENT_MARKER, "")
            .replace("<code>", "")
            .replace("</code>", "")
            .replace("<details>", "")
            .replace("</details>", "")
            .replace("<summary>", "")
            .replace("</summary>", "");
        assert!(!without_known_tags.contains('<'), "raw `<` left in:\n{body}");
        assert!(!body.contains('`'), "a backtick could open a code span");
        assert!(!body.contains("@org") && !body.contains("@here"), "a mention survived");
        assert!(!body.contains("](") && !body.contains("!["), "a link survived");
        assert!(!body.contains('\u{202E}'));
        assert!(!body.contains(&"A".repeat(MAX_NAME_CHARS)), "the long name is capped");
        // Every row has exactly the cells of its table's header: no `|` came from a name.
        let mut columns = 0;
        for line in body.lines().filter(|line| line.starts_with('|')) {
            if line.starts_with("| Entry ") {
                columns = line.matches('|').count();
            }
            assert_eq!(line.matches('|').count(), columns, "{line}");
        }
        assert_snapshot!(body);
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(escape("a|b"), "a&#124;b");
        assert_eq!(escape("`x`"), "&#96;x&#96;");
        assert_eq!(escape("@org/team"), "&#64;\u{2060}org/team");
        assert_eq!(escape("<!-- gasguard:comment -->"), "&lt;&#33;-- gasguard&#58;comment --&gt;");
        assert_eq!(escape("a\nb\r"), "a\u{FFFD}b\u{FFFD}");
        assert_eq!(escape(&"x".repeat(10_000)).chars().count(), MAX_NAME_CHARS);
    }

    /// A huge diff must still fit in one GitHub comment: regressions first, details dropped.
    #[test]
    fn twenty_thousand_entries_fit_in_a_comment() {
        let mut base = GasReport::new("test");
        let mut head = GasReport::new("test");
        for index in 0..20_000u64 {
            let name = format!("BigTest:test_{index:05}()");
            base.tests.insert(name.clone(), TestGas::Gas { gas: 100_000 });
            // A quarter regress, a quarter improve, the rest stay.
            let gas = match index % 4 {
                0 => 100_000 + index + 1,
                1 => 100_000 - index,
                _ => 100_000,
            };
            head.tests.insert(name, TestGas::Gas { gas });
        }
        let policy = Policy { max_increase_pct: Some(5.0), ..Policy::default() };
        let diff = diff(
            &base,
            &head,
            &policy.compile().unwrap(),
            DiffLabels { base: "main".into(), head: "pr".into() },
        );
        let body = markdown(&diff, &MarkdownOptions::default());
        assert!(body.len() <= COMMENT_LIMIT, "{} bytes", body.len());
        assert!(body.contains("### ❌ 5,000 tests cost more gas (largest +20.00% <code>BigTest&#46;test&#95;19996</code>), 5,000 cost less; "), "{}", &body[..400]);
        assert!(body.contains("rows were omitted to keep this comment within GitHub's size limit"));
        let head_part: String = body.lines().take(12).collect::<Vec<_>>().join("\n");
        let tail_part: String = {
            let lines: Vec<_> = body.lines().collect();
            lines[lines.len().saturating_sub(8)..].join("\n")
        };
        assert_snapshot!("huge_head", head_part);
        assert_snapshot!("huge_tail", tail_part);
    }

    /// When even the regressions do not fit, rows are cut with a count, the headline stays.
    #[test]
    fn regressions_are_cut_last_and_counted() {
        let mut base = GasReport::new("test");
        let mut head = GasReport::new("test");
        for index in 0..5_000u64 {
            let name = format!("{}:t{index}()", "Long".repeat(40));
            base.tests.insert(name.clone(), TestGas::Gas { gas: 1_000 });
            head.tests.insert(name, TestGas::Gas { gas: 1_000 + index + 1 });
        }
        let diff = diff(&base, &head, &Policy::default().compile().unwrap(), DiffLabels::default());
        let body = markdown(&diff, &MarkdownOptions::default());
        assert!(body.len() <= COMMENT_LIMIT, "{} bytes", body.len());
        assert!(body.contains("### ❌ 5,000 tests cost more gas ("), "{}", &body[..400]);
        assert!(body.contains("; 5,000 break the policy\n"));
        assert!(body.contains("#### Regressions (5,000)"));
        assert!(body.contains("more regressions_\n"));
        assert!(!body.contains("All entries"), "the full table goes first");
        assert!(body.ends_with("rows were omitted to keep this comment within GitHub's size limit._\n\n"));
    }
}
