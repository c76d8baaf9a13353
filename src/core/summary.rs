//! The human summary of a report printed by `gasguard run`: one table of contracts, their
//! deployments and functions. Pure: returns text.

use std::fmt::Write;

use crate::core::number::group_digits as group;
use crate::core::report::GasReport;

/// Renders the contracts table. `color` adds bold headers.
pub fn report_table(report: &GasReport, color: bool) -> String {
    let mut rows: Vec<[String; 6]> = Vec::new();
    for (contract, gas) in &report.contracts {
        if let (Some(deployment), Some(stats)) = (&gas.deployment, gas.deployment_stats()) {
            rows.push([
                contract.clone(),
                format!("deployment ({} bytes)", group(deployment.size)),
                stats.calls.to_string(),
                group(stats.min),
                group(stats.mean),
                group(stats.max),
            ]);
        } else {
            rows.push([
                contract.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        for (function, stats) in &gas.functions {
            rows.push([
                String::new(),
                function.clone(),
                stats.calls.to_string(),
                group(stats.min),
                group(stats.mean),
                group(stats.max),
            ]);
        }
    }
    let header = ["contract", "function", "calls", "min", "mean", "max"];
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: [&str; 6], out: &mut String| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(widths).enumerate() {
            let pad = width - cell.chars().count();
            if index >= 2 {
                let _ = write!(text, "{}{cell}  ", " ".repeat(pad));
            } else {
                let _ = write!(text, "{cell}{}  ", " ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    let header_line = {
        let mut text = String::new();
        line(header, &mut text);
        text
    };
    if color {
        let _ = writeln!(out, "\x1b[1m{}\x1b[0m", header_line.trim_end());
    } else {
        out.push_str(&header_line);
    }
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]], &mut out);
    }
    let reverted =
        report.calls.iter().filter(|c| c.status == crate::core::report::CallStatus::Revert).count();
    let scenarios = {
        let mut names: Vec<&str> = report.calls.iter().map(|c| &*c.scenario).collect();
        names.dedup();
        names.len()
    };
    let count = |count: usize, one: &str, many: &str| {
        format!("{} {}", group(count as u64), if count == 1 { one } else { many })
    };
    let _ = writeln!(
        out,
        "\n{} in {} ({})",
        count(report.calls.len(), "transaction", "transactions"),
        count(scenarios, "scenario", "scenarios"),
        count(reverted, "expected revert", "expected reverts")
    );
    out
}
