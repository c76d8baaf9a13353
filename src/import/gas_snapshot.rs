//! `.gas-snapshot` files: one test per line, as `forge snapshot` and Hardhat 3 write them.
//!
//! ```text
//! ERC20Test:testTransfer() (gas: 60473)
//! ERC20Test:testTransfer(address,uint256) (runs: 256, μ: 61230, ~: 61500)
//! ERC20Invariants:invariantBalanceSum() (runs: 256, calls: 3840, reverts: 2388)
//! contracts/Token.sol:Token#testMint() (gas: 51000)
//! ```
//!
//! Every report forge writes is understood: `(gas: N)` (and the bare `(N)` forge also reads),
//! fuzz and table tests `(runs: N, μ: MEAN, ~: MEDIAN)` with an optional
//! `, failed corpus replays: N`, invariants `(runs: N, calls: N, reverts: N)` likewise, and the
//! reports without gas (`(best: V, runs: N, calls: N)` for invariant optimisation, symbolic
//! `(paths: …)`, corpus `(replay: …)`), kept as information.
//!
//! Test signatures contain parentheses and commas (`testSwap((uint256,address),bytes)`), so a
//! line is parsed from the right: the report is the last balanced parenthesised group, the
//! signature the balanced group before it plus the identifier in front, and the contract
//! everything before the `:` (forge) or `#` (Hardhat 3) separating them. Tests are keyed
//! `Contract:signature` whichever separator the file used, so a forge baseline compares with a
//! Hardhat run.

use crate::core::report::{GasReport, TestGas};
use crate::import::{Format, ImportError, Location, Origins, parse_gas, shorten};

const EXPECTED: &str = "expected `Contract:test() (gas: N)`, a fuzz report `(runs: N, μ: N, ~: N)` or an \
                        invariant report `(runs: N, calls: N, reverts: N)`";

/// Parses a `.gas-snapshot`; `file` names it in errors.
pub fn parse_gas_snapshot(text: &str, file: &str) -> Result<GasReport, ImportError> {
    let mut report = GasReport::new(Format::GasSnapshot.as_str());
    let mut origins = Origins::default();
    for (index, line) in text.trim_start_matches('\u{FEFF}').split('\n').enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let at = Location::Line(index + 1);
        let (name, gas) = parse_line(line).map_err(|message| {
            ImportError::invalid(file, at.clone(), format!("{message}: `{}`", shorten(line)))
        })?;
        origins.claim(&format!("test:{name}"), file, at)?;
        report.tests.insert(name, gas);
    }
    Ok(report)
}

/// Whether the first non-blank line of `text` is a snapshot line (for format detection).
pub(crate) fn looks_like(text: &str) -> bool {
    text.lines().map(str::trim).find(|line| !line.is_empty()).is_some_and(|line| parse_line(line).is_ok())
}

/// `(Contract:signature, gas)` of one trimmed, non-empty line.
fn parse_line(line: &str) -> Result<(String, TestGas), String> {
    let report_start = matching_open(line).ok_or(EXPECTED)?;
    let report = &line[report_start + 1..line.len() - 1];
    let name = line[..report_start].trim_end();
    let (contract, signature) = split_name(name).ok_or(EXPECTED)?;
    let gas = parse_report(report)?;
    Ok((format!("{contract}:{signature}"), gas))
}

/// Index of the `(` matching the `)` that ends `text`.
fn matching_open(text: &str) -> Option<usize> {
    if !text.ends_with(')') {
        return None;
    }
    let mut depth = 0usize;
    for (index, byte) in text.bytes().enumerate().rev() {
        match byte {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// `Contract:test(args)` or `path/File.sol:Contract#test(args)` into contract and signature.
fn split_name(name: &str) -> Option<(&str, &str)> {
    let arguments = matching_open(name)?;
    let identifier_start = name[..arguments]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '$')
        .last()
        .map(|(index, _)| index)?;
    let contract = name[..identifier_start].strip_suffix([':', '#'])?;
    if contract.trim().is_empty() || contract.ends_with(char::is_whitespace) {
        return None;
    }
    Some((contract, &name[identifier_start..]))
}

/// The inside of the report parentheses.
fn parse_report(report: &str) -> Result<TestGas, String> {
    let report = report.trim();
    // Reports without a gas figure; their inner syntax is forge's business.
    if ["paths:", "replay:", "best:"].iter().any(|prefix| report.starts_with(prefix)) {
        return Ok(TestGas::Other { report: report.to_owned() });
    }
    if report.bytes().all(|byte| byte.is_ascii_digit()) {
        return Ok(TestGas::Gas { gas: parse_gas(report)? });
    }
    let mut fields = Vec::new();
    for field in report.split(',') {
        let (key, value) =
            field.split_once(':').ok_or_else(|| format!("unrecognised report field `{}`", field.trim()))?;
        fields.push((key.trim(), value.trim()));
    }
    let keys: Vec<&str> = fields.iter().map(|(key, _)| *key).collect();
    let number = |index: usize| parse_gas(fields[index].1);
    let replays_ok = |count: usize| {
        keys.len() == count || (keys.len() == count + 1 && keys[count] == "failed corpus replays")
    };
    match keys.as_slice() {
        ["gas"] => Ok(TestGas::Gas { gas: number(0)? }),
        ["runs", "μ" | "µ", "~", ..] if replays_ok(3) => {
            Ok(TestGas::Fuzz { runs: number(0)?, mean: number(1)?, median: number(2)? })
        }
        ["runs", "calls", "reverts", ..] if replays_ok(3) => {
            Ok(TestGas::Invariant { runs: number(0)?, calls: number(1)?, reverts: number(2)? })
        }
        _ => Err(format!("unrecognised report `({report})`; {EXPECTED}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> (String, TestGas) {
        parse_line(text).unwrap()
    }

    #[test]
    fn every_report_forge_writes() {
        assert_eq!(line("A:test() (gas: 5)"), ("A:test()".into(), TestGas::Gas { gas: 5 }));
        assert_eq!(line("A:test() (5)"), ("A:test()".into(), TestGas::Gas { gas: 5 }));
        assert_eq!(
            line("A:testFuzz(uint256) (runs: 256, μ: 10, ~: 9)"),
            ("A:testFuzz(uint256)".into(), TestGas::Fuzz { runs: 256, mean: 10, median: 9 })
        );
        assert_eq!(
            line("A:testFuzz(uint256) (runs: 256, μ: 10, ~: 9, failed corpus replays: 2)").1,
            TestGas::Fuzz { runs: 256, mean: 10, median: 9 }
        );
        assert_eq!(
            line("A:invariantX() (runs: 256, calls: 3840, reverts: 12)").1,
            TestGas::Invariant { runs: 256, calls: 3840, reverts: 12 }
        );
        assert_eq!(
            line("A:invariantX() (runs: 1, calls: 2, reverts: 3, failed corpus replays: 1)").1,
            TestGas::Invariant { runs: 1, calls: 2, reverts: 3 }
        );
        assert_eq!(
            line("A:invariantMax() (best: -12, runs: 256, calls: 3840)").1,
            TestGas::Other { report: "best: -12, runs: 256, calls: 3840".into() }
        );
        assert_eq!(
            line("A:proveX(uint8) (paths: 3, queries: 2, smt: 1, sat: 1 (0 cached), models: 1 (0 cached), hard-arith: 0, solver: 4ms)").1,
            TestGas::Other {
                report: "paths: 3, queries: 2, smt: 1, sat: 1 (0 cached), models: 1 (0 cached), hard-arith: 0, solver: 4ms".into()
            }
        );
        assert_eq!(
            line("A:testX() (replay: 3 entries, 1 files)").1,
            TestGas::Other { report: "replay: 3 entries, 1 files".into() }
        );
    }

    #[test]
    fn signatures_with_parentheses_and_commas() {
        assert_eq!(
            line("Swap:testSwap((uint256,address),bytes[]) (runs: 1, μ: 2, ~: 3)").0,
            "Swap:testSwap((uint256,address),bytes[])"
        );
    }

    #[test]
    fn hardhat_separator() {
        assert_eq!(line("Counter#testInc() (gas: 7)").0, "Counter:testInc()");
        assert_eq!(
            line("contracts/Counter.sol:Counter#testInc() (gas: 7)").0,
            "contracts/Counter.sol:Counter:testInc()"
        );
    }

    #[test]
    fn malformed_lines() {
        assert!(parse_line("A:test() (gas: )").is_err());
        assert!(parse_line("A:test() gas: 5").is_err());
        assert!(parse_line(":test() (gas: 5)").is_err());
        assert!(parse_line("test() (gas: 5)").is_err());
        assert!(parse_line("A:test() (gas: 5, runs: 2)").is_err());
        assert_eq!(
            parse_line("A:test() (gas: 99999999999999999999)").unwrap_err(),
            "number `99999999999999999999` does not fit in 64 bits"
        );
    }
}
