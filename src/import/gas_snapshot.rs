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
//! A line is parsed from the right, where the gas figures are, so the name may hold any
//! character that is not one of the line's own delimiters: the report is the last balanced
//! parenthesised group (after a space); the signature is the balanced group before it, with an
//! optional return type that forge writes for some test kinds (`testMulDiv(uint256):(uint256)`),
//! plus the test name in front of it, up to the nearest `:` (forge) or `#` (Hardhat 3); the
//! contract is everything before that separator. So signatures with tuples
//! (`testSwap((uint256,address),bytes)`) and names a formatter mangled
//! (`Market**addActiveRemoval:test**Remove()`) are read as they are. Tests are keyed
//! `Contract:signature` whichever separator the file used, so a forge baseline compares with a
//! Hardhat run.
//!
//! forge writes a test twice when two tests share a name (overloads, the same contract name in
//! two files). Each is kept: the first under its name, the next ones with `#2`, `#3`, … in file
//! order, and the import says so once, as a warning.

use std::collections::BTreeMap;

use crate::core::report::{GasReport, TestGas};
use crate::import::{Format, ImportError, ImportWarning, Imported, Location, parse_gas, shorten};

const EXPECTED: &str = "expected `Contract:test() (gas: N)`, a fuzz report `(runs: N, μ: N, ~: N)` or an \
                        invariant report `(runs: N, calls: N, reverts: N)`";

/// Parses a `.gas-snapshot`; `file` names it in errors and warnings.
pub fn parse_gas_snapshot(text: &str, file: &str) -> Result<Imported, ImportError> {
    let mut report = GasReport::new(Format::GasSnapshot.as_str());
    // Test name → lines it was seen on, to name repeats `#2`, `#3`, … in file order.
    let mut seen: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, line) in text.trim_start_matches('\u{FEFF}').split('\n').enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let at = Location::Line(index + 1);
        let (name, gas) = parse_line(line).map_err(|message| {
            ImportError::invalid(file, at.clone(), format!("{message}: `{}`", shorten(line)))
        })?;
        let lines = seen.entry(name.clone()).or_default();
        lines.push(index + 1);
        let key = if lines.len() == 1 { name } else { format!("{name}#{}", lines.len()) };
        report.tests.insert(key, gas);
    }
    let mut warnings = Vec::new();
    let repeated: Vec<(&String, &Vec<usize>)> = seen.iter().filter(|(_, lines)| lines.len() > 1).collect();
    // The name repeated first in file order, to point at.
    if let Some((first, lines)) = repeated.iter().min_by_key(|(_, lines)| lines[1]) {
        let names = match repeated.len() {
            1 => "1 test name is".to_owned(),
            count => format!("{count} test names are"),
        };
        let at = lines.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
        warnings.push(ImportWarning {
            file: file.to_owned(),
            message: format!(
                "{names} written more than once (the first, `{}`, on lines {at}); each repeat is kept \
                 with `#2`, `#3`, … after its name, in file order",
                shorten(first)
            ),
        });
    }
    Ok(Imported { report, warnings })
}

/// Whether the first non-blank line of `text` is a snapshot line (for format detection).
pub(crate) fn looks_like(text: &str) -> bool {
    text.lines().map(str::trim).find(|line| !line.is_empty()).is_some_and(|line| parse_line(line).is_ok())
}

/// The line forge writes for the test `name` (`Contract:signature`): the inverse of parsing.
pub fn format_gas_snapshot_line(name: &str, gas: &TestGas) -> String {
    let report = match gas {
        TestGas::Gas { gas } => format!("gas: {gas}"),
        TestGas::Fuzz { runs, mean, median } => format!("runs: {runs}, μ: {mean}, ~: {median}"),
        TestGas::Invariant { runs, calls, reverts } => {
            format!("runs: {runs}, calls: {calls}, reverts: {reverts}")
        }
        TestGas::Other { report } => report.clone(),
    };
    format!("{name} ({report})")
}

/// `(Contract:signature, gas)` of one trimmed, non-empty line.
pub(crate) fn parse_line(line: &str) -> Result<(String, TestGas), String> {
    let report_start = matching_open(line).ok_or(EXPECTED)?;
    let report = &line[report_start + 1..line.len() - 1];
    let before = &line[..report_start];
    if !before.ends_with(char::is_whitespace) {
        return Err(EXPECTED.to_owned());
    }
    let (contract, signature) = split_name(before.trim_end()).ok_or(EXPECTED)?;
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

/// `Contract:test(args)`, `Contract:test(args):(returns)` or `path/File.sol:Contract#test(args)`
/// into contract and signature.
fn split_name(name: &str) -> Option<(&str, &str)> {
    let mut arguments = matching_open(name)?;
    if name[..arguments].ends_with("):") {
        arguments = matching_open(&name[..arguments - 1])?;
    }
    let separator = name[..arguments].rfind([':', '#'])?;
    let test = &name[separator + 1..arguments];
    let contract = &name[..separator];
    let delimiter = |c: char| c.is_whitespace() || c == '(' || c == ')';
    if test.is_empty()
        || test.contains(delimiter)
        || contract.is_empty()
        || contract.contains(char::is_whitespace)
    {
        return None;
    }
    Some((contract, &name[separator + 1..]))
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
    fn return_types_after_the_signature() {
        // Regression: forge writes the return type of some tests; the whole file was refused.
        assert_eq!(
            line(
                "FixedPointMathLibTest:testFullMulDiv(uint256,uint256,uint256):(uint256) (runs: 256, μ: 1396, ~: 1018)"
            ),
            (
                "FixedPointMathLibTest:testFullMulDiv(uint256,uint256,uint256):(uint256)".into(),
                TestGas::Fuzz { runs: 256, mean: 1396, median: 1018 }
            )
        );
        assert_eq!(line("A:test():((uint8,bool),bytes) (gas: 3)").0, "A:test():((uint8,bool),bytes)");
    }

    #[test]
    fn names_a_formatter_mangled() {
        // Regression: `__` turned into `**` by a markdown formatter; the line is otherwise normal.
        assert_eq!(
            line("Market**addActiveRemoval:test**RemovesAll() (gas: 242490)"),
            ("Market**addActiveRemoval:test**RemovesAll()".into(), TestGas::Gas { gas: 242490 })
        );
        assert_eq!(line("Ünïcödé:tëst…() (gas: 1)").0, "Ünïcödé:tëst…()");
    }

    #[test]
    fn printed_lines_parse_back() {
        for text in [
            "A:test() (gas: 5)",
            "A:testFuzz(uint256):(uint256) (runs: 256, μ: 10, ~: 9)",
            "A:invariantX() (runs: 1, calls: 2, reverts: 3)",
            "A:invariantMax() (best: -12, runs: 256, calls: 3840)",
        ] {
            let (name, gas) = line(text);
            assert_eq!(format_gas_snapshot_line(&name, &gas), text);
        }
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
        assert!(parse_line("A:test()(gas: 5)").is_err(), "the report follows a space");
        assert!(parse_line("A:te st() (gas: 5)").is_err());
        assert!(parse_line("A B:test() (gas: 5)").is_err());
        assert!(parse_line("A:() (gas: 5)").is_err());
        assert!(parse_line("A:test:(uint256) (gas: 5)").is_err(), "a return type needs a signature");
        assert_eq!(
            parse_line("A:test() (gas: 99999999999999999999)").unwrap_err(),
            "number `99999999999999999999` does not fit in 64 bits"
        );
    }
}
