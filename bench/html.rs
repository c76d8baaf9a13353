//! `cargo bench --bench html`: the HTML report at the size the issue names, 20,000 entries and
//! 200 stored baselines of history. Times writing the page (the pure renderer and the file) and
//! opening it in headless Chromium from `file://` (`scripts/check-html.mjs`, the same checks as
//! the end-to-end test: no request, no console error). Figures in `bench/README.md`.
//!
//! The reports: 1,000 contracts, each with a deployment, a bytecode size and 18 functions
//! (20,000 entries), every function 1 % dearer in head than in base for one contract in ten; the
//! history: 200 commits, in three shapes (see [`Shape`]): typical, drifting and random. Each page
//! is opened once to check it and [`OPENS`] more times for its timings (min and median: the
//! machine may be shared).

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

/// How the stored values move from baseline to baseline.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// What a big suite looks like: most functions never move, some step a few times, a few
    /// move at every commit.
    Typical,
    /// Every value moves at every commit, the same few gas for every entry (the first
    /// renderer's bench): every chart differs from a flat line at every point.
    Drifting,
    /// Every value is drawn at random at every commit: no two charts alike, no level step,
    /// the most bytes a chart can take.
    Random,
}

/// xorshift64: the same pseudo-random histories on every run.
struct Random(u64);

impl Random {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

fn history(head: &GasReport, shape: Shape) -> History {
    let commits = (0..POINTS)
        .map(|index| HistoryCommit {
            commit: format!("{index:040x}"),
            date: format!("2026-{:02}-{:02}T12:00:00+00:00", 1 + index / 28 % 12, 1 + index % 28),
        })
        .collect();
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let series = head
        .entries()
        .into_iter()
        .filter(|(id, _)| id.starts_with("fn:") || id.starts_with("deploy:"))
        .map(|(id, entry)| {
            let value = entry.value.number().unwrap_or(0);
            let points = POINTS as u64;
            let values: Vec<u64> = match shape {
                Shape::Drifting => (0..points).map(|index| value - (points - index) * 3 % 200).collect(),
                Shape::Random => (0..points).map(|_| value - random.next(5_000)).collect(),
                Shape::Typical => match random.next(100) {
                    0..70 => vec![value; POINTS],
                    70..95 => {
                        let mut current = value - 2_000;
                        (0..points)
                            .map(|_| {
                                if random.next(100) < 3 {
                                    current = value - random.next(4_000);
                                }
                                current
                            })
                            .collect()
                    }
                    _ => (0..points).map(|_| value - random.next(300)).collect(),
                },
            };
            (id, values.into_iter().map(Some).collect())
        })
        .collect();
    History { commits, series }
}

/// How many more times each page is opened for its timings (the first open checks it).
const OPENS: usize = 5;

fn main() {
    let (base, head) = (report(false), report(true));
    let result = diff(
        &base,
        &head,
        &Policy::default().compile().unwrap(),
        DiffLabels { base: "main".into(), head: "pr".into() },
    );
    assert_eq!(result.entries.len(), 20_000);
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp/bench-html");
    std::fs::create_dir_all(&out).unwrap();
    println!("entries: {}, history points: {POINTS}, {OPENS} opens per page", result.entries.len());
    for shape in [Shape::Typical, Shape::Drifting, Shape::Random] {
        let history = history(&head, shape);
        let name = format!("{shape:?}").to_lowercase();
        let page_path = out.join(format!("{name}.html"));
        let mut best = f64::MAX;
        let mut bytes = 0;
        for _ in 0..3 {
            let started = Instant::now();
            let page = html(&HtmlInput {
                diff: &result,
                head: &head,
                history: &history,
                flamegraphs: &[],
                registry: None,
            });
            std::fs::write(&page_path, &page).unwrap();
            best = best.min(started.elapsed().as_secs_f64());
            bytes = page.len();
        }
        let record = open(&out, &name, &page_path);
        let timings = record["timings"].as_array().unwrap();
        let figures = |key: &str| {
            let mut values: Vec<u64> = timings.iter().map(|timing| timing[key].as_u64().unwrap()).collect();
            values.sort_unstable();
            format!("min {} ms, median {} ms", values[0], values[values.len() / 2])
        };
        println!(
            "{name}: page {:.1} MB, written in {:.0} ms (render + write, best of 3); in headless Chromium: \
             load event {}, first contentful paint {}, main-thread CPU {}, layout {}, {} DOM nodes",
            bytes as f64 / 1e6,
            best * 1e3,
            figures("loadMs"),
            figures("firstPaintMs"),
            figures("mainThreadMs"),
            figures("layoutMs"),
            timings[0]["nodes"],
        );
    }
}

/// Opens the page in headless Chromium (`scripts/check-html.mjs`), checks what the end-to-end
/// test checks (no request, no console error, every chart with a vertex per stored baseline),
/// and returns the record with the timings of [`OPENS`] more opens.
fn open(out: &Path, name: &str, page: &Path) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check-html.mjs");
    let output = Command::new("node")
        .arg(script)
        .arg("--out")
        .arg(out)
        .arg("--repeat")
        .arg(OPENS.to_string())
        .arg(format!("{name}={}", page.display()))
        .output()
        .expect("node is needed to open the page");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let record: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["requests"], serde_json::json!([]));
    assert_eq!(record["consoleErrors"], serde_json::json!([]));
    let charts = record["charts"].as_array().unwrap();
    assert_eq!(charts.len(), CONTRACTS * (FUNCTIONS + 1));
    assert!(charts.iter().all(|chart| chart["vertices"] == POINTS && chart["head"] == 1), "{name}");
    record
}
