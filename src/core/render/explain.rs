//! `gasguard explain ID`: the full breakdown of one entry's gas, base and head side by side, by
//! kind, by call frame, by source line, and its storage accesses; under Somnia's schedule, its
//! bounds and the calls whose gas limit Somnia would find too small ([`somnia_text`]). Pure:
//! attributions and reports in, text out (no colour: it is read, copied and pasted).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::core::attribution::{Attribution, LineKey, StorageAccess, StorageOp};
use crate::core::number::{group_digits, signed_gas};
use crate::core::render::{MAX_NAME_CHARS, sanitize};
use crate::core::report::{CallRecord, GasReport};

/// Renders the breakdown of entry `id`. A side is `None` when that report has no attribution
/// for the entry (or no such entry).
pub fn explain_text(id: &str, base: Option<&Attribution>, head: Option<&Attribution>) -> String {
    let mut out = String::new();
    let total = |side: Option<&Attribution>| side.map(|attribution| attribution.sums()[0]);
    let _ = writeln!(out, "{}", sanitize(id, MAX_NAME_CHARS));
    let shown = |value: Option<i128>| value.map_or_else(|| "—".to_owned(), gas);
    let delta = match (total(base), total(head)) {
        (Some(old), Some(new)) => format!("  ({})", signed_gas(new - old)),
        _ => String::new(),
    };
    let _ = writeln!(out, "  base {} → head {}{delta}", shown(total(base)), shown(total(head)));
    for (side, name) in [(base, "base"), (head, "head")] {
        match side {
            None => {
                let _ = writeln!(
                    out,
                    "  {name}: no attribution (refresh it with `gasguard baseline`, or run without `--no-attribution`)"
                );
            }
            Some(attribution) if attribution.calls > 1 => {
                let _ = writeln!(out, "  {name}: mean of {} calls", attribution.calls);
            }
            Some(_) => {}
        }
    }

    let kinds = rows(base, head, |attribution| {
        attribution.by_kind.iter().map(|(kind, gas)| (kind.as_str().to_owned(), *gas)).collect()
    });
    table(&mut out, "By kind", kinds);
    let frames = rows(base, head, |attribution| {
        attribution.by_frame.iter().map(|frame| (sanitize(&frame.frame, MAX_NAME_CHARS), frame.gas)).collect()
    });
    table(&mut out, "By call frame (self gas)", frames);
    let lines = rows(base, head, |attribution| {
        attribution.by_line.iter().map(|line| (line_label(&line.key()), line.gas)).collect()
    });
    table(&mut out, "By source line", lines);

    let _ = writeln!(out, "\nStorage accesses (per call)");
    for (side, name) in [(base, "base"), (head, "head")] {
        let Some(attribution) = side else { continue };
        let _ = writeln!(out, "  {name}:");
        if attribution.storage.is_empty() {
            let _ = writeln!(out, "    none");
        }
        for access in &attribution.storage {
            let _ = writeln!(out, "    {}", access_line(access, attribution.calls));
        }
    }
    out
}

/// Under Somnia's schedule, entry `id`'s bounds on each side where they differ, and every head
/// call of the entry whose step's gas limit is below the `gas_limit_needed` Somnia requires (the
/// run warned about them too). Empty when neither report has any (every Ethereum report).
pub fn somnia_text(id: &str, base: &GasReport, head: &GasReport) -> String {
    let mut out = String::new();
    let (old, new) = (base.bounds().get(id).copied(), head.bounds().get(id).copied());
    if old.is_some() || new.is_some() {
        let _ = writeln!(
            out,
            "\nSomnia bounds (mean; the upper one adds 1,000,000 for each existing key or account not touched earlier in the scenario)"
        );
        for (name, bounds) in [("base", old), ("head", new)] {
            let shown = bounds.map_or_else(
                || "no bounds (equal, or no such entry)".to_owned(),
                |bounds| {
                    format!("lower {}, upper {}", group_digits(bounds.lower), group_digits(bounds.upper))
                },
            );
            let _ = writeln!(out, "  {name}: {shown}");
        }
    }
    let short: Vec<&CallRecord> =
        head.calls.iter().filter(|call| call.fails_on_somnia() && call.entry_id() == id).collect();
    if !short.is_empty() {
        let _ = writeln!(
            out,
            "\nGas limits below what Somnia needs (head): these transactions would fail on Somnia"
        );
        for call in short {
            let (Some(needed), Some(limit)) = (call.gas_limit_needed, call.gas_limit) else { continue };
            let _ = writeln!(
                out,
                "  scenario `{}`, step {}, iteration {}: gas_limit_needed {} > gas_limit {}",
                sanitize(&call.scenario, MAX_NAME_CHARS),
                call.step,
                call.iteration,
                group_digits(needed),
                group_digits(limit),
            );
        }
    }
    out
}

fn gas(value: i128) -> String {
    if value < 0 {
        format!("-{}", group_digits(value.unsigned_abs() as u64))
    } else {
        group_digits(value as u64)
    }
}

fn line_label(key: &LineKey) -> String {
    match (&key.file, key.line) {
        (Some(file), Some(line)) => sanitize(&format!("{file}:{line}  {}", key.text), MAX_NAME_CHARS),
        (Some(file), None) => sanitize(file, MAX_NAME_CHARS),
        _ => sanitize(&key.text, MAX_NAME_CHARS),
    }
}

fn access_line(access: &StorageAccess, calls: u64) -> String {
    let what = match access.op {
        StorageOp::Read => "SLOAD".to_owned(),
        StorageOp::Write => match access.change {
            Some(change) => format!("SSTORE {}", change.as_str()),
            None => "SSTORE".to_owned(),
        },
    };
    let per_call = |value: f64| {
        let value = value / calls.max(1) as f64;
        if value.fract() == 0.0 { gas(value as i128) } else { format!("{value:.2}") }
    };
    format!(
        "{}× {} {what} of {} slot {}: {} gas",
        per_call(access.count as f64),
        if access.cold { "cold" } else { "warm" },
        sanitize(&access.contract, MAX_NAME_CHARS),
        sanitize(&access.slot, 80),
        per_call(access.gas as f64),
    )
}

/// `(label, base, head)` for every label either side has, largest change first.
fn rows(
    base: Option<&Attribution>,
    head: Option<&Attribution>,
    parts: impl Fn(&Attribution) -> Vec<(String, i64)>,
) -> Vec<(String, Option<i64>, Option<i64>)> {
    let old: BTreeMap<String, i64> = base.map(&parts).unwrap_or_default().into_iter().collect();
    let new: BTreeMap<String, i64> = head.map(&parts).unwrap_or_default().into_iter().collect();
    let labels: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut rows: Vec<(String, Option<i64>, Option<i64>)> = labels
        .into_iter()
        .map(|label| {
            let side = |map: &BTreeMap<String, i64>, present: bool| {
                present.then(|| map.get(label).copied().unwrap_or(0))
            };
            (label.clone(), side(&old, base.is_some()), side(&new, head.is_some()))
        })
        .collect();
    let change = |row: &(String, Option<i64>, Option<i64>)| {
        (i128::from(row.2.unwrap_or(0)) - i128::from(row.1.unwrap_or(0))).unsigned_abs()
    };
    let size = |row: &(String, Option<i64>, Option<i64>)| row.1.unwrap_or(0).max(row.2.unwrap_or(0));
    rows.sort_by(|a, b| change(b).cmp(&change(a)).then(size(b).cmp(&size(a))).then(a.0.cmp(&b.0)));
    rows
}

fn table(out: &mut String, title: &str, rows: Vec<(String, Option<i64>, Option<i64>)>) {
    let _ = writeln!(out, "\n{title}");
    let cell = |value: Option<i64>| value.map_or_else(|| "—".to_owned(), |value| gas(i128::from(value)));
    let cells: Vec<[String; 4]> = rows
        .into_iter()
        .map(|(label, old, new)| {
            let delta = match (old, new) {
                (Some(old), Some(new)) if old != new => signed_gas(i128::from(new) - i128::from(old)),
                (Some(_), Some(_)) => String::new(),
                _ => String::new(),
            };
            [label, cell(old), cell(new), delta]
        })
        .collect();
    let width = |column: usize, title: &str| {
        cells.iter().map(|row| row[column].chars().count()).chain([title.chars().count()]).max().unwrap_or(0)
    };
    let widths = [width(0, ""), width(1, "base"), width(2, "head"), width(3, "Δ")];
    let pad = |text: &str, width: usize| {
        format!("{}{text}", " ".repeat(width.saturating_sub(text.chars().count())))
    };
    let _ = writeln!(
        out,
        "  {}  {}  {}  {}",
        " ".repeat(widths[0]),
        pad("base", widths[1]),
        pad("head", widths[2]),
        pad("Δ", widths[3])
    );
    for [label, old, new, delta] in &cells {
        let line = format!(
            "  {label}{}  {}  {}  {}",
            " ".repeat(widths[0].saturating_sub(label.chars().count())),
            pad(old, widths[1]),
            pad(new, widths[2]),
            pad(delta, widths[3])
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

#[cfg(test)]
mod tests {
    use insta::assert_snapshot;

    use super::*;

    #[test]
    fn side_by_side() {
        let diff = crate::core::render::why::tests::explained_diff();
        let id = "fn:src/Token.sol:Token.transfer(address,uint256)";
        let entry = diff.entries.iter().find(|entry| entry.id == id).unwrap();
        assert!(entry.why.is_some());
        let (base, head) = crate::core::render::why::tests::explained_sides(id);
        assert_snapshot!(explain_text(id, Some(&base), Some(&head)));
        let text = explain_text(id, None, Some(&head));
        assert!(text.contains("base: no attribution"), "{text}");
    }

    /// Under Somnia: the entry's bounds on each side, and the calls whose step's gas limit is
    /// below `gas_limit_needed` (the second call's 2,000,000 is enough, the first's is not).
    #[test]
    fn somnia_bounds_and_gas_limits() {
        use crate::core::report::{CallStatus, GasMethod};
        let call = |iteration: u32, upper: u64, limit: u64| CallRecord {
            scenario: "slots".into(),
            step: 4,
            iteration,
            contract: "src/S.sol:S".into(),
            function: "set(uint256,uint256)".into(),
            from: "".into(),
            to: "".into(),
            gas_used: 230_000,
            execution_gas: 0,
            status: CallStatus::Success,
            revert: None,
            method: GasMethod::Execution,
            gas_used_upper: Some(upper),
            gas_limit_needed: Some(1_250_000),
            gas_limit: Some(limit),
        };
        let mut head = GasReport::new("test");
        head.calls = vec![call(1, 1_230_000, 400_000), call(2, 230_000, 2_000_000)];
        head.contracts = GasReport::aggregate(&head.calls, &BTreeMap::new());
        let id = "fn:src/S.sol:S.set(uint256,uint256)";
        assert_snapshot!(somnia_text(id, &GasReport::new("empty"), &head));
        assert_eq!(somnia_text("fn:src/S.sol:S.get()", &GasReport::new("empty"), &head), "");
        // An Ethereum report says nothing.
        let mut ethereum = head.clone();
        for call in &mut ethereum.calls {
            (call.gas_used_upper, call.gas_limit_needed, call.gas_limit) = (None, None, None);
        }
        ethereum.contracts = GasReport::aggregate(&ethereum.calls, &BTreeMap::new());
        assert_eq!(somnia_text(id, &ethereum, &ethereum), "");
    }
}
