//! The cause of a changed entry in one line, for the comment and the terminal: the kinds that
//! moved most, the source lines that moved most (`Ledger.sol:31` and the line's text), and the
//! storage change in words. Pure: a [`Why`] in, text out; the markdown and terminal renderers
//! place it, each with its own escaping.

use crate::core::diff::{DiffEntry, GasDiff, Status};
use crate::core::explain::{LineDelta, Why};
use crate::core::number::signed_gas;
use crate::core::render::{by_relative_change, sanitize};

/// How many kinds and lines a cause line names.
const KINDS_SHOWN: usize = 3;
const LINES_SHOWN: usize = 2;
/// Longest line text shown, in characters.
const LINE_TEXT_CHARS: usize = 60;
/// How many of the largest improvements get a cause line (every regression does).
pub const IMPROVEMENTS_EXPLAINED: usize = 5;

/// The parts of a cause line, sanitised but not escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// `storage +22,100`, largest first.
    pub kinds: Vec<String>,
    /// `(Ledger.sol:31, moves[msg.sender] += 1;, +22,100)`.
    pub lines: Vec<(String, String, String)>,
    /// The largest storage change, in words.
    pub storage: Option<String>,
    /// The frame that moved most, when it is a called one: `in Router.bump(uint256) → Counter.increment()`.
    pub frame: Option<String>,
}

/// The cause of a change, from its explanation.
pub fn cause(why: &Why) -> Cause {
    let kinds = why
        .by_kind
        .iter()
        .filter(|(_, delta)| *delta != 0)
        .take(KINDS_SHOWN)
        .map(|(kind, delta)| format!("{} {}", kind.as_str(), signed_gas(i128::from(*delta))))
        .collect();
    // Source lines first; pseudo-lines (`<intrinsic>`, `<compiler>`) only when nothing else moved.
    let mut lines: Vec<&LineDelta> = why.by_line.iter().filter(|line| line.line.is_some()).collect();
    if lines.is_empty() {
        lines = why.by_line.iter().collect();
    }
    let lines = lines
        .into_iter()
        .take(LINES_SHOWN)
        .map(|line| {
            let location = match (&line.file, line.line) {
                (Some(file), Some(number)) => {
                    format!("{}:{number}", file.rsplit('/').next().unwrap_or(file))
                }
                (Some(file), None) => file.rsplit('/').next().unwrap_or(file).to_owned(),
                _ => String::new(),
            };
            (
                sanitize(&location, LINE_TEXT_CHARS),
                sanitize(&line.text, LINE_TEXT_CHARS),
                signed_gas(i128::from(line.delta)),
            )
        })
        .collect();
    let frame = why
        .by_frame
        .first()
        .filter(|frame| frame.frame.contains(';'))
        .map(|frame| sanitize(&format!("in {}", frame.frame.replace(';', " → ")), 200));
    Cause { kinds, lines, storage: why.storage.first().map(|sentence| sanitize(sentence, 200)), frame }
}

impl Cause {
    /// The cause as plain text: `storage +22,100, compute +13 · Ledger.sol:31 moves[…] += 1; +22,100 · …`.
    pub fn plain(&self) -> String {
        let mut parts = vec![self.kinds.join(", ")];
        parts.extend(self.frame.clone());
        for (location, text, delta) in &self.lines {
            let place = if location.is_empty() { text.clone() } else { format!("{location} {text}") };
            parts.push(format!("{place} {delta}"));
        }
        parts.extend(self.storage.clone());
        parts.retain(|part| !part.is_empty());
        parts.join(" · ")
    }
}

/// The entries that get a cause line, in the order the renderers list them: every regression,
/// then the largest improvements.
pub fn explained(diff: &GasDiff) -> Vec<(&DiffEntry, &Why)> {
    let regressions = by_relative_change(diff, Status::Regression);
    let mut improvements = by_relative_change(diff, Status::Improvement);
    improvements.sort_by(|a, b| b.delta.map(i128::abs).cmp(&a.delta.map(i128::abs)).then(a.id.cmp(&b.id)));
    regressions
        .into_iter()
        .filter_map(|entry| Some((entry, entry.why.as_ref()?)))
        .chain(
            improvements
                .into_iter()
                .filter_map(|entry| Some((entry, entry.why.as_ref()?)))
                .take(IMPROVEMENTS_EXPLAINED),
        )
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use insta::assert_snapshot;

    use super::*;
    use crate::core::attribution::{Attribution, GasKind, LineKey, StorageAccess, StorageOp, ValueChange};
    use crate::core::diff::{DiffLabels, diff};
    use crate::core::explain::FrameDelta;
    use crate::core::policy::Policy;
    use crate::core::render::{COMMENT_LIMIT, MarkdownOptions, TerminalOptions, markdown, terminal};
    use crate::core::report::{ContractGas, Deployment, GasReport, TestGas};
    use crate::core::stats::Stats;

    fn why() -> Why {
        Why {
            by_kind: vec![(GasKind::Storage, 22_100), (GasKind::Compute, 13), (GasKind::Intrinsic, 0)],
            by_frame: vec![FrameDelta { frame: "Ledger.move(address,uint256)".into(), delta: 22_113 }],
            by_line: vec![
                LineDelta {
                    file: Some("src/Ledger.sol".into()),
                    line: Some(31),
                    text: "moves[msg.sender] += 1;".into(),
                    delta: 22_100,
                },
                LineDelta { file: None, line: None, text: "<compiler>".into(), delta: 13 },
            ],
            storage: vec!["one more cold SSTORE 0→nonzero of Ledger slot 0x0 (+22,100 gas per call)".into()],
        }
    }

    fn attribution(gas: u64, line: (&str, u32, &str), storage: i64) -> Attribution {
        let accesses = (storage > 0)
            .then(|| StorageAccess {
                contract: "Token".into(),
                slot: "0x3".into(),
                op: StorageOp::Write,
                cold: true,
                change: Some(ValueChange::ZeroToNonzero),
                count: 1,
                gas: storage,
            })
            .into_iter()
            .collect();
        let rest = gas as i64 - 21_000 - storage;
        Attribution::from_parts(
            1,
            [(GasKind::Intrinsic, 21_000), (GasKind::Storage, storage), (GasKind::Compute, rest)],
            [("Token.transfer(address,uint256)".to_owned(), gas as i64)],
            [
                (LineKey::pseudo("<intrinsic>"), 21_000),
                (
                    LineKey { file: Some(line.0.into()), line: Some(line.1), text: line.2.into() },
                    storage + rest,
                ),
            ],
            accesses,
        )
    }

    /// Token.transfer regresses by a fresh storage write on a line whose text is hostile; the
    /// deployment improves; a test entry (never attributed) regresses without a cause.
    pub(crate) fn explained_diff() -> GasDiff {
        let (base, head) = explained_reports();
        let policy = Policy { max_increase_pct: Some(1.0), ..Policy::default() };
        diff(&base, &head, &policy.compile().unwrap(), DiffLabels { base: "main".into(), head: "pr".into() })
    }

    /// The two sides' attributions of entry `id` of [`explained_diff`].
    pub(crate) fn explained_sides(id: &str) -> (Attribution, Attribution) {
        let (base, head) = explained_reports();
        (base.attribution[id].clone(), head.attribution[id].clone())
    }

    fn explained_reports() -> (GasReport, GasReport) {
        let mut base = GasReport::new("test");
        let mut head = GasReport::new("test");
        let transfer = "fn:src/Token.sol:Token.transfer(address,uint256)";
        let contract = |deploy: u64, gas: u64| ContractGas {
            deployment: Some(Deployment { gas: deploy, size: 4_000, initcode_size: 0 }),
            deployments: None,
            functions: [("transfer(address,uint256)".to_owned(), Stats::from_samples(&[gas]).unwrap())]
                .into(),
        };
        base.contracts.insert("src/Token.sol:Token".into(), contract(900_000, 30_000));
        head.contracts.insert("src/Token.sol:Token".into(), contract(890_000, 52_113));
        let hostile = "fees[to] += `x` <img src=x> @org | [a](https://x.y)";
        base.attribution.insert(
            transfer.into(),
            attribution(30_000, ("src/Token.sol", 41, "balanceOf[to] += value;"), 0),
        );
        head.attribution.insert(transfer.into(), attribution(52_113, ("src/Token.sol", 42, hostile), 22_100));
        let deploy = "deploy:src/Token.sol:Token";
        base.attribution
            .insert(deploy.into(), attribution(900_000, ("src/Token.sol", 9, "contract Token {"), 0));
        head.attribution
            .insert(deploy.into(), attribution(890_000, ("src/Token.sol", 9, "contract Token {"), 0));
        base.tests.insert("TokenTest:testTransfer()".into(), TestGas::Gas { gas: 60_000 });
        head.tests.insert("TokenTest:testTransfer()".into(), TestGas::Gas { gas: 61_000 });
        (base, head)
    }

    #[test]
    fn comment_and_terminal_show_the_causes() {
        let diff = explained_diff();
        let body = markdown(&diff, &MarkdownOptions::default());
        assert!(!body.contains('`') && !body.contains("<img"), "the line text is escaped:\n{body}");
        assert_snapshot!("comment", body);
        assert_snapshot!("terminal", terminal(&diff, &TerminalOptions::default()));
    }

    /// The JSON diff carries `why` and reads it back; a `why` whose parts do not add up to the
    /// entry's delta (a tampered document) is refused.
    #[test]
    fn json_diff_carries_why_and_refuses_parts_that_do_not_add_up() {
        let diff = explained_diff();
        let text = crate::core::render::json(&diff);
        assert!(text.contains("\"why\": {"), "{text}");
        let back = crate::core::render::from_json(&text).unwrap();
        assert_eq!(back, diff);
        let tampered = text.replacen("\"storage\": 22100", "\"storage\": 22000", 1);
        assert_ne!(tampered, text);
        let error = crate::core::render::from_json(&tampered).unwrap_err().to_string();
        assert!(error.contains("`why` whose parts do not sum to its delta"), "{error}");
    }

    #[test]
    fn a_side_without_attribution_is_said_once() {
        let mut diff = explained_diff();
        diff.why_note =
            Some("1 changed entry is not explained: refresh the baseline with `gasguard baseline`".into());
        let body = markdown(&diff, &MarkdownOptions::default());
        assert_eq!(body.matches("not explained").count(), 1);
        let text = terminal(&diff, &TerminalOptions::default());
        assert!(text.contains("note: 1 changed entry is not explained"), "{text}");
    }

    /// 20,000 explained entries still fit in one comment: causes give way to rows.
    #[test]
    fn twenty_thousand_explained_entries_fit_in_a_comment() {
        let mut base = GasReport::new("test");
        let mut head = GasReport::new("test");
        for index in 0..20_000u64 {
            let contract = format!("src/C{index:05}.sol:C{index:05}");
            let stats = |gas: u64| ContractGas {
                deployment: None,
                deployments: None,
                functions: [("f()".to_owned(), Stats::from_samples(&[gas]).unwrap())].into(),
            };
            let gas = if index % 2 == 0 { 52_100 + index } else { 30_000 };
            base.contracts.insert(contract.clone(), stats(30_000));
            head.contracts.insert(contract.clone(), stats(gas));
            let id = format!("fn:{contract}.f()");
            base.attribution.insert(id.clone(), attribution(30_000, ("src/C.sol", 7, "x = 1;"), 0));
            head.attribution
                .insert(id, attribution(gas, ("src/C.sol", 8, "y[msg.sender] = block.number;"), 22_100));
        }
        let diff = diff(&base, &head, &Policy::default().compile().unwrap(), DiffLabels::default());
        let body = markdown(&diff, &MarkdownOptions::default());
        assert!(body.len() <= COMMENT_LIMIT, "{} bytes", body.len());
        assert!(body.contains("#### Regressions (10,000)"));
        assert!(body.contains("more regressions"), "rows were cut, and counted");
    }

    #[test]
    fn a_cause_names_kinds_lines_and_storage() {
        assert_eq!(
            cause(&why()).plain(),
            "storage +22,100, compute +13 · Ledger.sol:31 moves[msg.sender] += 1; +22,100 · one more cold SSTORE 0→nonzero of Ledger slot 0x0 (+22,100 gas per call)"
        );
    }
}
