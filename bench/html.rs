//! `cargo bench --bench html`: the HTML report at the size the issue names, 20,000 entries and
//! 200 stored baselines of history. Times writing the page (the pure renderer and the file) and
//! opening it in headless Chromium from `file://` (`scripts/check-html.mjs`, the same checks as
//! the end-to-end test: no request, no console error). Figures in `bench/README.md`.
//!
//! The reports: 1,000 contracts, each with a deployment, a bytecode size and 18 functions
//! (20,000 entries), every function 1 % dearer in head than in base for one contract in ten; the
//! history: 200 commits in which each function's gas drifts a little, so no chart is flat.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use gasguard::core::diff::{DiffLabels, diff};
use gasguard::core::history::{History, HistoryCommit};
use gasguard::core::policy::Policy;
use gasguard::core::render::html::{HtmlInput, html};
use gasguard::core::report::{ContractGas, Deployment, GasReport};
use gasguard::core::stats::Stats;

const CONTRACTS: usize = 1_000;
const FUNCTIONS: usize = 18;
const POINTS: usize = 200;

fn report(bump: bool) -> GasReport {
    let mut report = GasReport::new("bench");
    for contract in 0..CONTRACTS {
        let dearer = bump && contract % 10 == 0;
        let functions = (0..FUNCTIONS)
            .map(|function| {
                let gas = 21_000 + (contract * 37 + function * 101) as u64 % 50_000;
                let gas = if dearer { gas + gas / 100 } else { gas };
                (
                    format!("f{function}(uint256,address)"),
                    Stats::from_samples(&[gas, gas + 10, gas + 20]).unwrap(),
                )
            })
            .collect();
        let deployment = Some(Deployment {
            gas: 300_000 + contract as u64,
            size: 4_000 + contract as u64,
            initcode_size: 0,
        });
        report.contracts.insert(
            format!("src/C{contract}.sol:C{contract}"),
            ContractGas { deployment, deployments: None, functions },
        );
    }
    report
}

fn history(head: &GasReport) -> History {
    let commits = (0..POINTS)
        .map(|index| HistoryCommit {
            commit: format!("{index:040x}"),
            date: format!("2026-{:02}-{:02}T12:00:00+00:00", 1 + index / 28 % 12, 1 + index % 28),
        })
        .collect();
    let series = head
        .entries()
        .into_iter()
        .filter(|(id, _)| id.starts_with("fn:") || id.starts_with("deploy:"))
        .map(|(id, entry)| {
            let value = entry.value.number().unwrap_or(0);
            let values =
                (0..POINTS as u64).map(|index| Some(value - (POINTS as u64 - index) * 3 % 200)).collect();
            (id, values)
        })
        .collect();
    History { commits, series }
}

fn main() {
    let (base, head) = (report(false), report(true));
    let history = history(&head);
    let result = diff(
        &base,
        &head,
        &Policy::default().compile().unwrap(),
        DiffLabels { base: "main".into(), head: "pr".into() },
    );
    assert_eq!(result.entries.len(), 20_000);
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp/bench-html");
    std::fs::create_dir_all(&out).unwrap();
    let page_path = out.join("index.html");
    let mut best = f64::MAX;
    let mut bytes = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let page = html(&HtmlInput {
            diff: &result,
            head: &head,
            history: &history,
            flamegraphs: &[],
            registry: &[],
        });
        std::fs::write(&page_path, &page).unwrap();
        best = best.min(started.elapsed().as_secs_f64());
        bytes = page.len();
    }
    println!(
        "entries: {}, history points: {POINTS}, page: {:.1} MB",
        result.entries.len(),
        bytes as f64 / 1e6
    );
    println!("written (render + write, best of 3): {:.0} ms", best * 1e3);

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check-html.mjs");
    let output = Command::new("node")
        .arg(script)
        .arg("--out")
        .arg(&out)
        .arg(format!("bench={}", page_path.display()))
        .output()
        .expect("node is needed to open the page");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let record: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["requests"], serde_json::json!([]));
    assert_eq!(record["consoleErrors"], serde_json::json!([]));
    let charts = record["charts"].as_array().unwrap();
    assert_eq!(charts.len(), CONTRACTS * (FUNCTIONS + 1));
    assert!(charts.iter().all(|chart| chart["vertices"] == POINTS));
    println!("opened in headless Chromium (navigation to load event): {} ms", record["loadMs"]);
}
