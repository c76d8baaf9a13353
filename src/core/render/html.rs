//! The HTML report (`gasguard html`): one self-contained page a maintainer opens from a workflow
//! artifact, GitHub Pages or `file://`.
//!
//! It holds, in this order: the verdict sentence and what was compared; the regressions with
//! their causes (kinds, source lines, storage changes) and a link to each one's differential
//! flamegraph; every changed entry; every contract (deployment gas, bytecode size as a bar
//! against EIP-170's 24,576 bytes) and every function (calls, min, mean, median, max), each with
//! a chart of its value across the stored baselines of main, the head marked; the stored
//! baselines (commit, date); the flamegraphs. With a registry, where the report is on record
//! comes first (or a warning that it is not).
//!
//! **Self-contained.** No request of any kind: the styles and the few lines of script are
//! inline, charts are inline SVG drawn here, flamegraphs are `data:` images, and a
//! Content-Security-Policy forbids everything else. Everything is readable with JavaScript off;
//! the script only sorts and filters the tables. Colours follow `prefers-color-scheme`.
//!
//! **Safety.** Names, labels and information values come from the pull request: each is
//! sanitised like in every renderer ([`super::sanitize`]) and HTML-escaped, so none becomes
//! markup. Flamegraph SVGs are shown as images, where their own script never runs.
//!
//! **Stable.** A pure function of its input: no clock, sorted maps, the same page for the same
//! data (snapshot-tested).

use std::fmt::Write;

use crate::core::diff::{DiffEntry, GasDiff, Status, Verdict};
use crate::core::history::History;
use crate::core::names::Names;
use crate::core::number::group_digits;
use crate::core::policy::EIP170_MAX_CODE_SIZE;
use crate::core::render::base::capitalize;
use crate::core::render::why::cause;
use crate::core::render::{
    BOUNDS_MEANING, MAX_NAME_CHARS, by_relative_change, describe_base, describe_build_changes, format_base,
    format_bounds, format_delta, format_head, format_pct, judged_bound, policy_clause, sanitize,
    verdict_sentence,
};
use crate::core::report::GasReport;

/// Chart size in the page, in CSS pixels, which are also the SVG's own units.
const CHART_WIDTH: u64 = 160;
const CHART_HEIGHT: u64 = 36;
/// Room left and right for the line's ends and the head's dot, top and bottom for the stroke.
const CHART_MARGIN: u64 = 3;

/// Above this many entries, sections and function groups are laid out as they scroll into view.
const LARGE_PAGE: usize = 1_000;

/// A flamegraph to show: an SVG drawn by the flamegraph adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flamegraph {
    /// The entry it belongs to.
    pub id: String,
    /// Base against head (red grew, blue shrank), or the head alone.
    pub differential: bool,
    pub svg: Vec<u8>,
}

/// Where the report stands in an on-chain registry (`gasguard html --registry --rpc-url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRecord {
    /// The registry's address.
    pub registry: String,
    pub chain_id: u64,
    /// The report's content id: what `gasguard record` stores for it.
    pub cid: String,
    /// The entries that hold it, one per contract of the report found on record.
    pub entries: Vec<RegistryEntry>,
    /// The contracts of the report (id, address) that have no entry holding it.
    pub missing: Vec<(String, String)>,
}

/// An entry of the registry that records the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryEntry {
    /// The contract's id in the report.
    pub contract: String,
    /// The analysed contract's address on chain.
    pub address: String,
    /// The entry's index among the contract's entries.
    pub index: u64,
    /// The transaction that stored it, when its event was found.
    pub transaction: Option<String>,
}

/// What the page is made of.
#[derive(Debug, Clone, Copy)]
pub struct HtmlInput<'a> {
    pub diff: &'a GasDiff,
    /// The head report: its contracts and functions are listed in full.
    pub head: &'a GasReport,
    /// The stored baselines of main, oldest first (empty without `--history`).
    pub history: &'a History,
    pub flamegraphs: &'a [Flamegraph],
    /// Where the report was recorded on chain, when asked.
    pub registry: Option<&'a RegistryRecord>,
}

/// Renders the page.
pub fn html(input: &HtmlInput<'_>) -> String {
    let diff = input.diff;
    let names = Names::new(diff.entries.iter().map(|entry| entry.id.as_str()));
    let mut page = String::with_capacity(64 * 1024 + diff.entries.len() * 600);
    let verdict = match diff.verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
    };
    let sentence = format!(
        "{}{}",
        capitalize(&verdict_sentence(diff, &names, |name| sanitize(name, MAX_NAME_CHARS))),
        policy_clause(diff)
    );
    // A big page lays out only what scrolls into view (`content-visibility`), so it opens fast;
    // a small one renders whole, for screenshots and printing.
    let large = if diff.entries.len() > LARGE_PAGE { " class=\"large\"" } else { "" };
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <title>gasguard: {}</title>\n<style>{CSS}</style>\n</head>\n<body{large}>\n<header>\n\
         <h1>gasguard gas report</h1>\n<p class=\"verdict {verdict}\" id=\"verdict\">{} {}</p>\n",
        escape(&sentence),
        if diff.verdict == Verdict::Pass { "✅" } else { "❌" },
        escape(&sentence),
    );
    if let Some(line) = describe_build_changes(&diff.build_changes) {
        let _ = writeln!(page, "<p class=\"warn\">⚠️ {}</p>", escape(&capitalize(&line)));
    }
    let description =
        diff.base.as_ref().map(|base| format!(" {}.", capitalize(&describe_base(base)))).unwrap_or_default();
    let _ = writeln!(
        page,
        "<p>Head <code>{}</code> compared with base <code>{}</code>.{} {} entries: {} regressions, {} \
         improvements, {} added, {} removed, {} unchanged.</p>",
        escape(&sanitize(&diff.head_label, MAX_NAME_CHARS)),
        escape(&sanitize(&diff.base_label, MAX_NAME_CHARS)),
        escape(&description),
        group_digits(diff.entries.len() as u64),
        group_digits(diff.summary.regressions as u64),
        group_digits(diff.summary.improvements as u64),
        group_digits(diff.summary.added as u64),
        group_digits(diff.summary.removed as u64),
        group_digits(diff.summary.unchanged as u64),
    );
    if let Some(note) = &diff.why_note {
        let _ = writeln!(page, "<p class=\"note\">{}</p>", escape(&sanitize(note, 1_000)));
    }
    if let Some(judged) = judged_bound(diff) {
        let _ = writeln!(
            page,
            "<p class=\"note\">Somnia: figures are <code>lower – upper</code> where the bounds differ ({BOUNDS_MEANING}); Δ and the policy use the {judged} bound.</p>"
        );
    }
    page.push_str(
        "<nav><a href=\"#regressions\">Regressions</a> · <a href=\"#changes\">Changes</a> · \
         <a href=\"#contracts\">Contracts</a> · <a href=\"#functions\">Functions</a> · \
         <a href=\"#history\">History</a> · <a href=\"#flamegraphs\">Flamegraphs</a>",
    );
    if input.registry.is_some() {
        page.push_str(" · <a href=\"#registry\">On chain</a>");
    }
    page.push_str("</nav>\n</header>\n<main>\n");
    registry(&mut page, input.registry);
    regressions(&mut page, input, &names);
    changes(&mut page, diff, &names);
    contracts(&mut page, input);
    functions(&mut page, input);
    history(&mut page, input.history);
    flamegraphs(&mut page, input, &names);
    page.push_str("</main>\n<footer>Written by gasguard. Sorting and filtering need JavaScript; everything else does not.</footer>\n");
    let _ = write!(page, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    page
}

fn regressions(page: &mut String, input: &HtmlInput<'_>, names: &Names) {
    let entries = by_relative_change(input.diff, Status::Regression);
    let _ = writeln!(page, "<section id=\"regressions\">\n<h2>Regressions ({})</h2>", entries.len());
    if entries.is_empty() {
        page.push_str("<p>No entry costs more.</p>\n</section>\n");
        return;
    }
    page.push_str(
        "<table class=\"sortable\" id=\"regressions-table\">\n<thead><tr><th>Entry</th><th class=\"n\">Base</th>\
         <th class=\"n\">Head</th><th class=\"n\">Δ</th><th class=\"n\">Δ %</th><th>Rule</th><th>Cause</th></tr></thead>\n<tbody>\n",
    );
    for entry in entries {
        let _ = write!(page, "<tr class=\"regression\">{}", entry_cells(entry, names));
        let rule =
            entry.rule.as_deref().map(|rule| escape(&sanitize(rule, MAX_NAME_CHARS))).unwrap_or_default();
        let mark = if entry.failed { "❌ " } else { "" };
        let _ = write!(page, "<td>{mark}{rule}</td><td class=\"cause\">");
        match &entry.why {
            Some(why) => {
                let cause = cause(why);
                let _ = write!(page, "<span class=\"kinds\">{}</span>", escape(&cause.kinds.join(", ")));
                if let Some(frame) = &cause.frame {
                    let _ = write!(page, "<br>{}", escape(frame));
                }
                for (location, text, delta) in &cause.lines {
                    let _ = write!(
                        page,
                        "<br><code>{}</code> <code>{}</code> {}",
                        escape(location),
                        escape(text),
                        escape(delta)
                    );
                }
                if let Some(storage) = &cause.storage {
                    let _ = write!(page, "<br>{}", escape(storage));
                }
            }
            None => page.push_str("<span class=\"muted\">no attribution</span>"),
        }
        if input.flamegraphs.iter().any(|graph| graph.id == entry.id) {
            let _ = write!(page, "<br><a href=\"#{}\">flamegraph</a>", anchor(&entry.id));
        }
        page.push_str("</td></tr>\n");
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn entry_cells(entry: &DiffEntry, names: &Names) -> String {
    let number = |value: &Option<crate::core::entries::Measure>| {
        value.as_ref().and_then(|value| value.number()).map(|n| n.to_string()).unwrap_or_default()
    };
    format!(
        "<td title=\"{}\">{}</td><td data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td>\
         <td data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td>",
        escape(&sanitize(&entry.id, MAX_NAME_CHARS)),
        escape(&sanitize(&names.get(&entry.id).name, MAX_NAME_CHARS)),
        number(&entry.base),
        escape(&format_base(entry)),
        number(&entry.head),
        escape(&format_head(entry)),
        entry.delta.map(|delta| delta.to_string()).unwrap_or_default(),
        escape(&format_delta(entry)),
        entry.delta_pct.map(|pct| format!("{pct:.4}")).unwrap_or_default(),
        escape(&format_pct(entry)),
    )
}

fn changes(page: &mut String, diff: &GasDiff, names: &Names) {
    let changed: Vec<&DiffEntry> =
        diff.entries.iter().filter(|entry| entry.status != Status::Unchanged).collect();
    let _ = writeln!(page, "<section id=\"changes\">\n<h2>Changes ({})</h2>", changed.len());
    if changed.is_empty() {
        page.push_str("<p>Nothing changed.</p>\n</section>\n");
        return;
    }
    page.push_str(&filter_box("changes", "changed entries"));
    page.push_str(
        "<table class=\"sortable\" id=\"changes-table\">\n<thead><tr><th>Entry</th><th class=\"n\">Base</th>\
         <th class=\"n\">Head</th><th class=\"n\">Δ</th><th class=\"n\">Δ %</th><th>Status</th></tr></thead>\n<tbody>\n",
    );
    for entry in changed {
        let _ = writeln!(
            page,
            "<tr class=\"{0}\">{1}<td>{0}{2}</td></tr>",
            entry.status.as_str(),
            entry_cells(entry, names),
            if entry.failed { " ❌" } else { "" }
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn contracts(page: &mut String, input: &HtmlInput<'_>) {
    let head = input.head;
    let deployed: Vec<_> =
        head.contracts.iter().filter_map(|(id, gas)| Some((id, gas.deployment.as_ref()?))).collect();
    let _ = writeln!(page, "<section id=\"contracts\">\n<h2>Contracts ({})</h2>", deployed.len());
    if deployed.is_empty() {
        page.push_str("<p>The head report deploys no contract.</p>\n</section>\n");
        return;
    }
    let bounds = head.bounds();
    page.push_str(&filter_box("contracts", "contracts"));
    page.push_str(
        "<table class=\"sortable\" id=\"contracts-table\">\n<thead><tr><th>Contract</th>\
         <th class=\"n\">Deployment gas</th><th class=\"n\">Bytecode size</th><th>of EIP-170's 24,576 B</th>\
         <th>History</th></tr></thead>\n<tbody>\n",
    );
    for (id, deployment) in deployed {
        let size = if deployment.size == 0 {
            "<td data-v=\"\"></td><td class=\"muted\">unknown</td>".to_owned()
        } else {
            let pct = deployment.size as f64 * 100.0 / EIP170_MAX_CODE_SIZE as f64;
            let over = if deployment.size > EIP170_MAX_CODE_SIZE { " over" } else { "" };
            format!(
                "<td data-v=\"{0}\">{1} B</td><td><span class=\"bar{over}\" title=\"{2:.1}% of 24,576 bytes\">\
                 <span style=\"width:{3:.1}%\"></span></span> {2:.1}%</td>",
                deployment.size,
                group_digits(deployment.size),
                pct,
                pct.min(100.0),
            )
        };
        let key = format!("deploy:{id}");
        let gas = match bounds.get(&key) {
            Some(bounds) => format_bounds(bounds.lower, bounds.upper),
            None => group_digits(deployment.gas),
        };
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td data-v=\"{}\">{gas}</td>{size}<td>{}</td></tr>",
            escape(&sanitize(id, MAX_NAME_CHARS)),
            deployment.gas,
            chart(input.history, &key, Some(deployment.gas)),
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

/// Up to this many functions, every contract's table is open; above it, only the contracts
/// with a changed entry (the others are one click away, and the page opens fast).
const OPEN_FUNCTIONS: usize = 300;

fn functions(page: &mut String, input: &HtmlInput<'_>) {
    let head = input.head;
    let count: usize = head.contracts.values().map(|gas| gas.functions.len()).sum();
    let _ = writeln!(page, "<section id=\"functions\">\n<h2>Functions ({})</h2>", group_digits(count as u64));
    if count == 0 {
        page.push_str("<p>The head report calls no function.</p>\n</section>\n");
        return;
    }
    let changed: std::collections::BTreeSet<&str> = input
        .diff
        .entries
        .iter()
        .filter(|entry| entry.status != Status::Unchanged)
        .filter_map(|entry| entry.id.strip_prefix("fn:"))
        .collect();
    page.push_str(&filter_box("functions", "functions and contracts"));
    for (contract, gas) in &head.contracts {
        if gas.functions.is_empty() {
            continue;
        }
        let short = contract.rsplit(':').next().unwrap_or(contract);
        let prefix = format!("{contract}.");
        let has_change = changed.range(prefix.as_str()..).next().is_some_and(|id| id.starts_with(&prefix));
        let open = if count <= OPEN_FUNCTIONS || has_change { " open data-open" } else { "" };
        let _ = write!(
            page,
            "<details class=\"contract\"{open}><summary><strong>{}</strong> <span class=\"muted\">{} · {} function{}</span></summary>\n\
             <table class=\"sortable\">\n<thead><tr><th>Function</th><th class=\"n\">Calls</th><th class=\"n\">Min</th>\
             <th class=\"n\">Mean</th><th class=\"n\">Median</th><th class=\"n\">Max</th><th>History</th></tr></thead>\n<tbody>\n",
            escape(&sanitize(short, MAX_NAME_CHARS)),
            escape(&sanitize(contract, MAX_NAME_CHARS)),
            gas.functions.len(),
            if gas.functions.len() == 1 { "" } else { "s" },
        );
        for (function, stats) in &gas.functions {
            let key = format!("fn:{contract}.{function}");
            let _ = write!(page, "<tr><td>{}</td>", escape(&sanitize(function, MAX_NAME_CHARS)));
            let _ = write!(page, "<td data-v=\"{0}\">{1}</td>", stats.calls, group_digits(stats.calls));
            // Under Somnia's schedule each figure shows both bounds where they differ; it sorts
            // by the lower one.
            let upper = stats.upper.map(|upper| [upper.min, upper.mean, upper.median, upper.max]);
            for (index, value) in [stats.min, stats.mean, stats.median, stats.max].into_iter().enumerate() {
                let shown = match upper {
                    Some(upper) if upper[index] != value => format_bounds(value, upper[index]),
                    _ => group_digits(value),
                };
                let _ = write!(page, "<td data-v=\"{value}\">{shown}</td>");
            }
            let _ = writeln!(page, "<td>{}</td></tr>", chart(input.history, &key, Some(stats.mean)));
        }
        page.push_str("</tbody>\n</table>\n</details>\n");
    }
    page.push_str("</section>\n");
}

/// A chart of `id` across the stored baselines, `head` marked after the last of them: one path
/// vertex per stored value (`data-points` says how many), readable without script through its
/// `<title>`.
///
/// The line is drawn one unit per stored baseline (`h1` where the value holds, `l1 dy` where it
/// moves), then stretched to the chart's width by a transform: one- and two-digit relative steps
/// keep a 200-point chart under a kilobyte, and most charts of a big suite are flat (two bytes a
/// point). The SVG's own units are the chart's pixels, so the head's dot stays round.
fn chart(history: &History, id: &str, head: Option<u64>) -> String {
    let Some(values) = history.values(id) else {
        return "<span class=\"muted\">no history</span>".to_owned();
    };
    let stored: Vec<(usize, u64)> =
        values.iter().enumerate().filter_map(|(index, value)| Some((index, (*value)?))).collect();
    let all = stored.iter().map(|(_, value)| *value).chain(head);
    let (low, high) = all.fold((u64::MAX, 0), |(low, high), value| (low.min(value), high.max(value)));
    let slots = values.len() + usize::from(head.is_some());
    let y = |value: u64| {
        if high == low {
            CHART_HEIGHT / 2
        } else {
            // Higher gas is higher up, within the margins.
            CHART_MARGIN + (high - value) * (CHART_HEIGHT - 2 * CHART_MARGIN) / (high - low)
        }
    };
    let (left, scale) = if slots <= 1 {
        (CHART_WIDTH / 2, 1.0)
    } else {
        (CHART_MARGIN, (CHART_WIDTH - 2 * CHART_MARGIN) as f64 / (slots - 1) as f64)
    };
    let line = line(stored.iter().map(|(index, value)| (*index, y(*value))));
    let (first, last) = match (stored.first(), stored.last()) {
        (Some((first, _)), Some((last, _))) => (&history.commits[*first], &history.commits[*last]),
        _ => return "<span class=\"muted\">no history</span>".to_owned(),
    };
    let span = if stored.len() == history.commits.len() {
        format!("all {} stored baselines", stored.len())
    } else {
        format!(
            "{} of {} stored baselines, {} ({}) to {} ({})",
            stored.len(),
            history.commits.len(),
            short_commit(&first.commit),
            short_date(&first.date),
            short_commit(&last.commit),
            short_date(&last.date),
        )
    };
    let mut title = format!(
        "{span}: min {}, max {}",
        group_digits(stored.iter().map(|(_, v)| *v).min().unwrap_or(0)),
        group_digits(stored.iter().map(|(_, v)| *v).max().unwrap_or(0)),
    );
    if let Some(head) = head {
        let _ = write!(title, "; head {}", group_digits(head));
    }
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {CHART_WIDTH} {CHART_HEIGHT}\" role=\"img\" data-points=\"{}\">\
         <title>{}</title><path transform=\"translate({left} 0) scale({} 1)\" d=\"{line}\"/>",
        stored.len(),
        escape(&title),
        decimal(scale),
    );
    if let Some(head) = head {
        let _ = write!(
            svg,
            "<circle class=\"head\" cx=\"{}\" cy=\"{}\" r=\"3\"/>",
            CHART_WIDTH - CHART_MARGIN,
            y(head)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// An SVG path through `points` (x, y), as short as the path syntax allows: an absolute start,
/// then relative steps, `h` for level ones and `l` for the others, each command letter written
/// once for a run of its kind. Every point is a vertex of the path.
fn line(points: impl Iterator<Item = (usize, u64)>) -> String {
    let mut path = String::new();
    let mut previous: Option<(usize, u64)> = None;
    let mut command = ' ';
    for (x, y) in points {
        match previous {
            None => {
                let _ = write!(path, "M{x} {y}");
            }
            Some((last_x, last_y)) => {
                let dx = x - last_x;
                if y == last_y {
                    path.push(if command == 'h' { ' ' } else { 'h' });
                    command = 'h';
                    let _ = write!(path, "{dx}");
                } else {
                    path.push(if command == 'l' { ' ' } else { 'l' });
                    command = 'l';
                    // A minus sign separates the numbers by itself.
                    let dy = y as i64 - last_y as i64;
                    if dy < 0 {
                        let _ = write!(path, "{dx}{dy}");
                    } else {
                        let _ = write!(path, "{dx} {dy}");
                    }
                }
            }
        }
        previous = Some((x, y));
    }
    path
}

/// `value` with at most four decimals and no trailing zeros.
fn decimal(value: f64) -> String {
    let text = format!("{value:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn short_date(date: &str) -> &str {
    date.get(..10).unwrap_or(date)
}

fn short_commit(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

fn history(page: &mut String, history: &History) {
    let _ = writeln!(
        page,
        "<section id=\"history\">\n<h2>History ({} stored baselines)</h2>",
        history.commits.len()
    );
    if history.commits.is_empty() {
        page.push_str(
            "<p>No history: run <code>gasguard html --history</code> in a clone that has the store branch \
             (<code>gasguard baseline --store</code> writes it).</p>\n</section>\n",
        );
        return;
    }
    page.push_str(
        "<p>Each chart shows one point per stored baseline of main, oldest on the left; the dot on the right is \
         the head.</p>\n<details><summary>Stored baselines</summary>\n<ol>\n",
    );
    for commit in &history.commits {
        let _ = writeln!(
            page,
            "<li><code>{}</code> {}</li>",
            escape(&sanitize(&commit.commit, 64)),
            escape(&sanitize(&commit.date, 64))
        );
    }
    page.push_str("</ol>\n</details>\n</section>\n");
}

fn flamegraphs(page: &mut String, input: &HtmlInput<'_>, names: &Names) {
    let _ =
        writeln!(page, "<section id=\"flamegraphs\">\n<h2>Flamegraphs ({})</h2>", input.flamegraphs.len());
    if input.flamegraphs.is_empty() {
        page.push_str("<p>No flamegraph: no changed entry is attributed on both sides.</p>\n</section>\n");
        return;
    }
    for graph in input.flamegraphs {
        let what =
            if graph.differential { "base → head: red is more gas in head, blue less" } else { "head" };
        let _ = writeln!(
            page,
            "<figure id=\"{}\"><figcaption>{} ({what})</figcaption><img class=\"flamegraph\" alt=\"flamegraph of {}\" \
             src=\"data:image/svg+xml;base64,{}\"></figure>",
            anchor(&graph.id),
            escape(&sanitize(&names.get(&graph.id).name, MAX_NAME_CHARS)),
            escape(&sanitize(&graph.id, MAX_NAME_CHARS)),
            base64(&graph.svg),
        );
    }
    page.push_str("</section>\n");
}

fn registry(page: &mut String, record: Option<&RegistryRecord>) {
    let Some(record) = record else { return };
    let _ = writeln!(
        page,
        "<section id=\"registry\">\n<h2>On chain</h2>\n<p>Registry <code>{}</code> on chain {}; this report's \
         content id is <code>{}</code>.</p>",
        escape(&sanitize(&record.registry, 100)),
        record.chain_id,
        escape(&sanitize(&record.cid, 200)),
    );
    if record.entries.is_empty() {
        page.push_str(
            "<p class=\"warn\" id=\"not-recorded\">⚠️ Not on record: no entry of this registry holds this \
             report.</p>\n",
        );
    } else {
        page.push_str(
            "<table>\n<thead><tr><th>Contract</th><th>Address</th><th class=\"n\">Entry</th><th>Transaction</th></tr>\
             </thead>\n<tbody>\n",
        );
        for entry in &record.entries {
            let transaction = match &entry.transaction {
                Some(hash) => format!("<code>{}</code>", escape(&sanitize(hash, 100))),
                None => "<span class=\"muted\">unknown</span>".to_owned(),
            };
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td><code>{}</code></td><td data-v=\"{2}\">{2}</td><td>{transaction}</td></tr>",
                escape(&sanitize(&entry.contract, MAX_NAME_CHARS)),
                escape(&sanitize(&entry.address, 100)),
                entry.index,
            );
        }
        page.push_str("</tbody>\n</table>\n");
    }
    for (contract, address) in &record.missing {
        let _ = writeln!(
            page,
            "<p class=\"warn\">⚠️ <code>{}</code> at <code>{}</code>: no entry holds this report.</p>",
            escape(&sanitize(contract, MAX_NAME_CHARS)),
            escape(&sanitize(address, 100)),
        );
    }
    page.push_str("</section>\n");
}

fn filter_box(section: &str, what: &str) -> String {
    format!(
        "<p class=\"filter\"><label>Filter {what} <input type=\"search\" data-filter=\"{section}\" \
         placeholder=\"name contains…\"></label></p>\n"
    )
}

/// An element id for an entry's flamegraph: letters and digits kept, the rest `-`.
fn anchor(id: &str) -> String {
    let stem: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).take(180).collect();
    format!("fg-{stem}")
}

/// Text for HTML content and quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Standard base64 with padding, for `data:` URLs.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let word = chunk
            .iter()
            .enumerate()
            .fold(0u32, |word, (index, byte)| word | u32::from(*byte) << (16 - 8 * index));
        for index in 0..4 {
            if index <= chunk.len() {
                out.push(char::from(ALPHABET[(word >> (18 - 6 * index) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

const CSS: &str = r#"
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e; --line: #d1d9e0; --alt: #f6f8fa;
  --bad: #cf222e; --good: #1a7f37; --accent: #0969da; --bar: #8c959f; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; --alt: #151b23;
    --bad: #f85149; --good: #3fb950; --accent: #4493f8; --bar: #656c76; }
}
body { margin: 0; padding: 16px 24px; color: var(--fg); background: var(--bg); font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
h1 { font-size: 20px; margin: 0 0 8px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; overflow-wrap: anywhere; }
.verdict { font-size: 17px; font-weight: 600; } .verdict.fail { color: var(--bad); } .verdict.pass { color: var(--good); }
.warn { font-weight: 600; } .muted { color: var(--muted); } a { color: var(--accent); }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; max-width: 100%; }
th, td { padding: 4px 10px; border: 1px solid var(--line); text-align: left; vertical-align: top; }
tbody tr:nth-child(2n) { background: var(--alt); } th { cursor: pointer; user-select: none; }
td[data-v], th.n { text-align: right; white-space: nowrap; }
tr.regression td:first-child { border-left: 3px solid var(--bad); } tr.improvement td:first-child { border-left: 3px solid var(--good); }
details.contract { margin: 6px 0; } details.contract > table { margin: 4px 0 10px 16px; }
.cause { font-size: 13px; max-width: 520px; }
.bar { display: inline-block; width: 120px; height: 10px; border: 1px solid var(--line); vertical-align: middle; }
.bar > span { display: block; height: 100%; background: var(--bar); } .bar.over > span { background: var(--bad); }
svg.chart { display: block; width: 160px; height: 36px; fill: none; stroke: var(--accent); stroke-width: 2; }
svg.chart path { vector-effect: non-scaling-stroke; stroke-linejoin: round; } svg.chart .head { fill: var(--bad); stroke: none; }
body.large section, body.large details.contract { content-visibility: auto; contain-intrinsic-size: auto 600px; }
body.large details.contract:not([open]) { contain-intrinsic-size: auto 28px; }
figure { margin: 16px 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
img.flamegraph { max-width: 100%; background: #fff; border: 1px solid var(--line); }
.filter input { font: inherit; padding: 2px 6px; margin-left: 6px; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
"#;

/// Sorting (click a heading) and filtering (type in a box); nothing else needs script.
const SCRIPT: &str = r#"
for (const input of document.querySelectorAll("input[data-filter]")) {
  const scope = document.getElementById(input.dataset.filter);
  input.addEventListener("input", () => {
    const query = input.value.trim().toLowerCase();
    for (const body of scope.querySelectorAll("tbody")) {
      const details = body.closest("details");
      const group = details ? details.querySelector("summary").textContent.toLowerCase() : "";
      let any = false;
      for (const row of body.rows) {
        const shown = query === "" || group.includes(query) || row.textContent.toLowerCase().includes(query);
        row.hidden = !shown;
        any = any || shown;
      }
      if (details) {
        details.hidden = !any;
        details.open = query === "" ? details.hasAttribute("data-open") : any;
      }
    }
  });
}
for (const table of document.querySelectorAll("table.sortable")) {
  table.tHead.addEventListener("click", (event) => {
    const th = event.target.closest("th");
    if (!th) return;
    const column = th.cellIndex, down = th.dataset.sort !== "down";
    for (const other of table.tHead.rows[0].cells) delete other.dataset.sort;
    th.dataset.sort = down ? "down" : "up";
    const key = (row) => { const cell = row.cells[column]; return cell.dataset.v !== undefined && cell.dataset.v !== "" ? Number(cell.dataset.v) : cell.textContent; };
    const body = table.tBodies[0], rows = [...body.rows];
    rows.sort((a, b) => { const x = key(a), y = key(b); const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y)); return down ? -order : order; });
    body.append(...rows);
  });
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::history::HistoryCommit;
    use crate::core::render::fixtures;

    /// The page of `diff` and `head`, without history, flamegraphs or registry.
    fn plain_page(diff: &GasDiff, head: &GasReport) -> String {
        html(&HtmlInput { diff, head, history: &History::default(), flamegraphs: &[], registry: None })
    }

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"<svg>\xff"), "PHN2Zz7/");
    }

    #[test]
    fn a_chart_has_one_point_per_stored_value_and_marks_the_head() {
        let history = History {
            commits: (0..4)
                .map(|index| HistoryCommit {
                    commit: format!("{index}abcdef0123"),
                    date: format!("2026-01-0{index}"),
                })
                .collect(),
            series: [("fn:A.f()".to_owned(), vec![Some(10), None, Some(30), Some(20)])].into(),
        };
        let svg = chart(&history, "fn:A.f()", Some(40));
        assert!(svg.contains("data-points=\"3\""), "{svg}");
        // One unit per stored baseline (the gap skips one), stretched to 154 pixels over the
        // four steps to the head; the highest value on top (y = 3), the lowest at the bottom.
        assert!(svg.contains("transform=\"translate(3 0) scale(38.5 1)\" d=\"M0 33l2-20 1 10\""), "{svg}");
        assert!(svg.contains("<circle class=\"head\" cx=\"157\" cy=\"3\" r=\"3\"/>"), "{svg}");
        assert!(
            svg.contains(
                "<title>3 of 4 stored baselines, 0abcdef (2026-01-00) to 3abcdef (2026-01-03): min 10, max 30; head 40</title>"
            ),
            "{svg}"
        );
        assert_eq!(chart(&history, "fn:A.g()", None), "<span class=\"muted\">no history</span>");
    }

    /// Under Somnia: both bounds in the changes, contracts and functions tables where they
    /// differ, sorting by the judged value, and the note saying which one that is.
    #[test]
    fn somnia_bounds_are_shown_beside_the_values() {
        let (_, head) = fixtures::somnia_reports();
        let diff = fixtures::somnia(None);
        let page = plain_page(&diff, &head);
        assert!(page.contains("<td data-v=\"252311\">252,311 – 1,252,311</td>"), "{page}");
        assert!(page.contains("<td data-v=\"3850000\">3,850,000 – 4,850,000</td>"), "{page}");
        // mint's one call: every statistic has both bounds (it is unchanged by the lower bound,
        // so not among the changes); approve has none.
        assert_eq!(page.matches("230,000 – 2,230,000</td>").count(), 4, "{page}");
        assert!(page.contains("<td data-v=\"46000\">46,000</td>"), "{page}");
        assert!(page.contains("Δ and the policy use the lower bound."), "{page}");
        let ethereum = plain_page(&fixtures::mixed(), &GasReport::new("test"));
        assert!(!ethereum.contains(" – ") && !ethereum.contains("Somnia"));
    }

    #[test]
    fn a_line_has_a_vertex_per_point_and_writes_each_command_once_per_run() {
        let points = [(0, 18), (1, 18), (2, 18), (3, 10), (4, 12), (6, 2), (7, 2)];
        assert_eq!(line(points.into_iter()), "M0 18h1 1l1-8 1 2 2-10h1");
        assert_eq!(line([(5, 7)].into_iter()), "M5 7");
        assert_eq!(line(std::iter::empty()), "");
    }

    #[test]
    fn a_flat_history_of_200_baselines_costs_two_bytes_a_point() {
        let history = History {
            commits: (0..200)
                .map(|index| HistoryCommit { commit: format!("{index:040x}"), date: "2026-01-01".into() })
                .collect(),
            series: [("fn:A.f()".to_owned(), vec![Some(21_000); 200])].into(),
        };
        let svg = chart(&history, "fn:A.f()", Some(21_000));
        assert!(svg.contains(&format!("d=\"M0 18h{}\"", vec!["1"; 199].join(" "))), "{svg}");
        assert!(svg.contains("<title>all 200 stored baselines: min 21,000, max 21,000; head 21,000</title>"));
        // 398 bytes of path for 200 points, and the title, the transform and the head.
        assert!(svg.len() < 700, "{} bytes", svg.len());
    }

    #[test]
    fn decimals_are_short() {
        assert_eq!(decimal(0.78), "0.78");
        assert_eq!(decimal(154.0), "154");
        assert_eq!(decimal(154.0 / 199.0), "0.7739");
    }

    #[test]
    fn hostile_labels_are_text() {
        let mut diff = fixtures::mixed();
        diff.head_label = "<script>alert(1)</script>".into();
        let head = GasReport::new("test");
        let page = plain_page(&diff, &head);
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_eq!(page.matches("<script>").count(), 1, "only gasguard's own script");
    }
}
