//! Gas attribution on the bundled demo: every transaction's gas, split by kind, by call frame
//! and by source line, adds up exactly to its receipt `gas_used`, and the report's entries are
//! explained exactly by their parts.

mod support;

use gasguard::cli::profile::{ProfileOverrides, profile_with_calls};
use gasguard::core::attribution::GasKind;
use gasguard::printer::{ColorChoice, Printer};
use support::fixture;

fn quiet() -> Printer {
    Printer::new(ColorChoice::Never, true, |_| None)
}

#[test]
fn every_demo_transaction_is_attributed_exactly() {
    let profiled = profile_with_calls(&fixture("demo/gasguard.toml"), &ProfileOverrides::default(), &quiet())
        .expect("the demo profiles");
    support::assert_every_call_attributed(&profiled);
    let report = &profiled.report;
    // Deployments pay their code deposit; the storage demo's refunds show as a negative kind.
    let kinds = |id: &str| report.attribution[id].by_kind.clone();
    let token = kinds("deploy:contracts/Token.sol:Token");
    let size = report.contracts["contracts/Token.sol:Token"].deployment.as_ref().unwrap().size;
    assert_eq!(token[&GasKind::CodeDeposit], 200 * size as i64);
    assert!(token[&GasKind::Create] >= 32_000, "{token:?}");
    assert!(
        report
            .attribution
            .values()
            .any(|attribution| attribution.by_kind.get(&GasKind::Refund).is_some_and(|refund| *refund < 0)),
        "the demo clears storage somewhere"
    );
    // Every entry the report has carries an attribution that sums to its value.
    for (id, entry) in report.entries() {
        if !(id.starts_with("fn:") || id.starts_with("deploy:")) {
            continue;
        }
        let attribution = report.attribution.get(&id).unwrap_or_else(|| panic!("`{id}` has no attribution"));
        let value = i128::from(entry.value.number().unwrap());
        assert_eq!(attribution.sums(), [value; 3], "`{id}`");
    }
    // Lines are named from the sources beside the artifacts.
    let transfer = &report.attribution["fn:contracts/Token.sol:Token.transfer(address,uint256)"];
    assert!(
        transfer.by_line.iter().any(|line| line.file.as_deref() == Some("contracts/Token.sol")
            && line.line.is_some()
            && !line.text.is_empty()),
        "{:?}",
        transfer.by_line
    );
    assert_eq!(&*transfer.by_frame[0].frame, "Token.transfer(address,uint256)");
}

/// Without attribution the numbers are the same and the report carries none.
#[test]
fn no_attribution_changes_no_number() {
    let config = fixture("demo/gasguard.toml");
    let with = profile_with_calls(&config, &ProfileOverrides::default(), &quiet()).unwrap();
    let overrides = ProfileOverrides { no_attribution: true, ..Default::default() };
    let without = profile_with_calls(&config, &overrides, &quiet()).unwrap();
    assert!(without.report.attribution.is_empty());
    assert!(without.attributions.iter().all(Option::is_none));
    assert_eq!(with.report.calls, without.report.calls);
    assert_eq!(with.report.contracts, without.report.contracts);
}

/// The entries' attribution made from per-entry sums (`GasReport::entry_sums`: each call alone,
/// runs of calls, any grouping, added up in any order) is the one-pass mean over every call's
/// own attribution, on real attributions; an unattributed call leaves its entry without one in
/// both.
#[test]
fn entry_sums_in_any_grouping_give_the_one_pass_means() {
    use gasguard::core::report::{EntrySums, GasReport};

    let profiled = support::profile_attributed(&fixture("demo/gasguard.toml"));
    let report = &profiled.report;
    let (calls, attributions) = (&report.calls, &profiled.attributions);
    let one_pass = GasReport::attribute(calls, attributions, &report.contracts);
    assert!(one_pass.len() > 3, "{one_pass:?}");
    // Some entry averages several calls of different gas: rounding is exercised.
    assert!(
        report.contracts.values().flat_map(|gas| gas.functions.values()).any(|stats| stats.min != stats.max),
        "the demo has an entry whose calls differ"
    );
    assert_eq!(report.attribution, one_pass, "the run's means are the one-pass means");
    assert_eq!(GasReport::attribute_sums(&profiled.entry_sums, &report.contracts), one_pass);
    let grouped =
        |attributions: &[Option<gasguard::core::attribution::Attribution>], size: usize, reversed: bool| {
            let mut parts: Vec<EntrySums> = calls
                .chunks(size)
                .zip(attributions.chunks(size))
                .map(|(calls, attributions)| GasReport::entry_sums(calls, attributions))
                .collect();
            if reversed {
                parts.reverse();
            }
            // Sums of sums: pairs first, then the pairs' sums together.
            let mut pairs = Vec::new();
            for pair in parts.chunks(2) {
                let mut sums = EntrySums::new();
                for part in pair {
                    GasReport::add_entry_sums(&mut sums, part.clone());
                }
                pairs.push(sums);
            }
            let mut sums = EntrySums::new();
            for pair in pairs {
                GasReport::add_entry_sums(&mut sums, pair);
            }
            sums
        };
    for size in [1, 2, 3, 5, 7, calls.len()] {
        for reversed in [false, true] {
            let sums = grouped(attributions, size, reversed);
            assert!(sums.values().all(Option::is_some), "every call is attributed");
            assert_eq!(
                GasReport::attribute_sums(&sums, &report.contracts),
                one_pass,
                "chunks of {size}, reversed: {reversed}"
            );
        }
    }
    // A sum covers its entry's calls: its count is the entry's, its parts their gas.
    let whole = grouped(attributions, 3, false);
    let transfer = "fn:contracts/Token.sol:Token.transfer(address,uint256)";
    let sum = whole[transfer].as_ref().unwrap();
    let stats = report.contracts["contracts/Token.sol:Token"].functions["transfer(address,uint256)"];
    assert_eq!(sum.calls, stats.calls);
    let gas: u64 = calls.iter().filter(|call| call.entry_id() == transfer).map(|call| call.gas_used).sum();
    assert_eq!(sum.sums(), [i128::from(gas); 3]);

    // One transfer not attributed: that entry loses its attribution, the others keep theirs.
    let mut holed = attributions.clone();
    let last = calls.iter().rposition(|call| call.entry_id() == transfer).unwrap();
    holed[last] = None;
    let expected = GasReport::attribute(calls, &holed, &report.contracts);
    assert!(!expected.contains_key(transfer));
    assert_eq!(expected.len(), one_pass.len() - 1);
    for size in [1, 4, calls.len()] {
        assert_eq!(GasReport::attribute_sums(&grouped(&holed, size, true), &report.contracts), expected);
    }
}
