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
