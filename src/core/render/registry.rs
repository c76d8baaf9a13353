//! Text for the registry commands: the entries `registry show` reads (a table or JSON), the
//! transactions a `record` dry run would send, and the stores it sent. Pure: values in, text
//! out; the command decides where it goes.
//!
//! An entry's `ipfsHash` is whatever its analyzer stored, so it is sanitised like any other
//! hostile name before it reaches a terminal.

use std::fmt::Write;

use alloy::primitives::U256;

use crate::core::number::group_digits;
use crate::core::record::{AddressSource, PlannedStore, RecordedEntry, SentStore};
use crate::core::render::sanitize;

/// Longest `ipfsHash` the table shows; a CID is 59 characters.
const MAX_HASH_CHARS: usize = 80;

/// The entries as an aligned table, in the order given.
pub fn entries_table(entries: &[RecordedEntry], color: bool) -> String {
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|entry| {
            vec![
                entry.index.to_string(),
                sanitize(&entry.ipfs_hash, MAX_HASH_CHARS),
                group_u256(entry.gas_used),
                format_timestamp(entry.timestamp),
                entry.analyzer.to_string(),
                if entry.is_public { "yes" } else { "no" }.to_owned(),
            ]
        })
        .collect();
    let header = ["index", "ipfs hash", "gas used", "last write (UTC)", "analyzer", "public"];
    table(&header, &rows, &[0, 2], color)
}

/// The entries as a JSON array (pretty, with a trailing newline).
pub fn entries_json(entries: &[RecordedEntry]) -> String {
    let mut json = serde_json::to_string_pretty(entries).unwrap_or_else(|_| "[]".to_owned());
    json.push('\n');
    json
}

/// What a dry run would send: one block per transaction.
pub fn dry_run(stores: &[PlannedStore]) -> String {
    let mut out = String::new();
    for (number, store) in stores.iter().enumerate() {
        if number > 0 {
            out.push('\n');
        }
        let entry = &store.entry;
        let source = match entry.address_source {
            AddressSource::Mapping => "from `--contract`",
            AddressSource::Deployment => "deployed in the report",
            AddressSource::ContractId => "the report's contract id",
        };
        let from = match store.from {
            Some(from) => from.to_string(),
            None => "none (no key in the environment; estimated from the zero address)".to_owned(),
        };
        let cost = U256::from(store.estimated_gas) * U256::from(store.gas_price);
        let lines = [
            ("contract", format!("{} ({source})", entry.address)),
            (
                "call",
                format!(
                    "storeAnalysis({}, \"{}\", {}, {})",
                    entry.address, store.ipfs_hash, entry.gas_used, store.is_public
                ),
            ),
            (
                "gasUsed",
                format!(
                    "{} (sum of {} {})",
                    group_digits(entry.gas_used),
                    entry.calls,
                    if entry.calls == 1 { "call" } else { "calls" }
                ),
            ),
            ("to", store.to.to_string()),
            ("from", from),
            ("calldata", store.calldata.to_string()),
            ("estimated gas", group_digits(store.estimated_gas)),
            ("gas price", format!("{} wei", group_u256(U256::from(store.gas_price)))),
            ("cost", format!("{} wei ({} ether)", group_u256(cost), format_ether(cost))),
        ];
        let _ = writeln!(out, "{}", entry.contract);
        for (label, value) in lines {
            let _ = writeln!(out, "  {label:<14} {value}");
        }
    }
    out
}

/// The stores sent: contract, address, entry index and transaction.
pub fn sent_table(stores: &[SentStore], color: bool) -> String {
    let rows: Vec<Vec<String>> = stores
        .iter()
        .map(|store| {
            vec![
                store.contract.clone(),
                store.address.to_string(),
                store.index.map_or_else(|| "?".to_owned(), |index| index.to_string()),
                store.transaction.to_string(),
                group_digits(store.gas),
            ]
        })
        .collect();
    table(&["contract", "address", "index", "transaction", "gas"], &rows, &[2, 4], color)
}

/// An aligned table; columns in `right` are right-aligned, the header is bold with `color`.
fn table(header: &[&str], rows: &[Vec<String>], right: &[usize], color: bool) -> String {
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let mut text = String::new();
        for (column, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            let pad = " ".repeat(width - cell.chars().count());
            if right.contains(&column) {
                let _ = write!(text, "{pad}{cell}  ");
            } else {
                let _ = write!(text, "{cell}{pad}  ");
            }
        }
        text.trim_end().to_owned()
    };
    let mut out = String::new();
    let header_line = line(header);
    if color {
        let _ = writeln!(out, "\x1b[1m{header_line}\x1b[0m");
    } else {
        let _ = writeln!(out, "{header_line}");
    }
    for row in rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        let _ = writeln!(out, "{}", line(&cells));
    }
    out
}

/// A uint256 with grouped digits.
fn group_u256(value: U256) -> String {
    match u64::try_from(value) {
        Ok(value) => group_digits(value),
        Err(_) => value.to_string(),
    }
}

/// `wei` in ether (10^18 wei), without trailing zeros: `0.000051234`.
pub fn format_ether(wei: U256) -> String {
    let unit = U256::from(10u64).pow(U256::from(18u64));
    let (whole, fraction) = wei.div_rem(unit);
    if fraction.is_zero() {
        return whole.to_string();
    }
    let fraction = format!("{:0>18}", fraction.to_string());
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn format_timestamp(seconds: u64) -> String {
    let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX / 2);
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60)
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{Address, B256, Bytes};

    use super::*;
    use crate::core::record::PlannedEntry;

    fn address(text: &str) -> Address {
        text.parse().unwrap()
    }

    fn entries() -> Vec<RecordedEntry> {
        vec![
            RecordedEntry {
                index: 1,
                contract_address: address("0x5FbDB2315678afecb367f032d93F642f64180aa3"),
                ipfs_hash: "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku".into(),
                gas_used: U256::from(1_234_567u64),
                timestamp: 1_700_000_000,
                analyzer: address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
                is_public: true,
            },
            RecordedEntry {
                index: 0,
                contract_address: address("0x5FbDB2315678afecb367f032d93F642f64180aa3"),
                // Stored by anyone: a line break and a bidi override must not reach the terminal.
                ipfs_hash: "Qm\nfake\u{202E}hash".into(),
                gas_used: U256::MAX,
                timestamp: 0,
                analyzer: address("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
                is_public: false,
            },
        ]
    }

    #[test]
    fn entries_table_is_aligned_and_sanitised() {
        insta::assert_snapshot!(entries_table(&entries(), false), @r#"
            index  ipfs hash                                                                                                                          gas used  last write (UTC)     analyzer                                    public
                1  bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku                                                                       1,234,567  2023-11-14 22:13:20  0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266  yes
                0  Qm�fake�hash                                                 115792089237316195423570985008687907853269984665640564039457584007913129639935  1970-01-01 00:00:00  0x70997970C51812dc3A010C7d01b50e0d17dc79C8  no
            "#);
    }

    #[test]
    fn entries_json_keeps_big_numbers_exact() {
        let mut entries = entries();
        // JSON escapes the line break; the value stays exact (bidi characters are kept out of this
        // source file, rustc refuses them in literals).
        entries[1].ipfs_hash = "Qm\nfake".into();
        insta::assert_snapshot!(entries_json(&entries), @r#"
            [
              {
                "index": 1,
                "contractAddress": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
                "ipfsHash": "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
                "gasUsed": "1234567",
                "timestamp": 1700000000,
                "analyzer": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
                "isPublic": true
              },
              {
                "index": 0,
                "contractAddress": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
                "ipfsHash": "Qm\nfake",
                "gasUsed": "115792089237316195423570985008687907853269984665640564039457584007913129639935",
                "timestamp": 0,
                "analyzer": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                "isPublic": false
              }
            ]
            "#);
    }

    #[test]
    fn color_only_bolds_the_header() {
        let table = entries_table(&entries()[..1], true);
        assert!(table.starts_with("\x1b[1mindex"), "{table}");
        assert_eq!(table.matches("\x1b[").count(), 2);
    }

    #[test]
    fn dry_run_shows_everything_that_would_be_sent() {
        let store = PlannedStore {
            entry: PlannedEntry {
                contract: "contracts/Counter.sol:Counter".into(),
                address: address("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"),
                address_source: AddressSource::Deployment,
                gas_used: 143_000,
                calls: 2,
            },
            ipfs_hash: "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku".into(),
            is_public: true,
            to: address("0x5FbDB2315678afecb367f032d93F642f64180aa3"),
            from: None,
            calldata: Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef]),
            estimated_gas: 120_000,
            gas_price: 1_875_000_000,
        };
        let mut mapped = store.clone();
        mapped.entry.address_source = AddressSource::Mapping;
        mapped.from = Some(address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        insta::assert_snapshot!(dry_run(&[store, mapped]), @r#"
            contracts/Counter.sol:Counter
              contract       0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512 (deployed in the report)
              call           storeAnalysis(0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", 143000, true)
              gasUsed        143,000 (sum of 2 calls)
              to             0x5FbDB2315678afecb367f032d93F642f64180aa3
              from           none (no key in the environment; estimated from the zero address)
              calldata       0xdeadbeef
              estimated gas  120,000
              gas price      1,875,000,000 wei
              cost           225,000,000,000,000 wei (0.000225 ether)

            contracts/Counter.sol:Counter
              contract       0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512 (from `--contract`)
              call           storeAnalysis(0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", 143000, true)
              gasUsed        143,000 (sum of 2 calls)
              to             0x5FbDB2315678afecb367f032d93F642f64180aa3
              from           0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
              calldata       0xdeadbeef
              estimated gas  120,000
              gas price      1,875,000,000 wei
              cost           225,000,000,000,000 wei (0.000225 ether)
            "#);
    }

    #[test]
    fn sent_table_shows_an_unknown_index_as_a_question_mark() {
        let sent = [
            SentStore {
                contract: "contracts/Token.sol:Token".into(),
                address: address("0x5FbDB2315678afecb367f032d93F642f64180aa3"),
                index: Some(12),
                transaction: B256::repeat_byte(0xab),
                gas: 98_765,
            },
            SentStore {
                contract: "C".into(),
                address: address("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"),
                index: None,
                transaction: B256::repeat_byte(0x01),
                gas: 1,
            },
        ];
        insta::assert_snapshot!(sent_table(&sent, false), @r#"
            contract                   address                                     index  transaction                                                            gas
            contracts/Token.sol:Token  0x5FbDB2315678afecb367f032d93F642f64180aa3     12  0xabababababababababababababababababababababababababababababababab  98,765
            C                          0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512      ?  0x0101010101010101010101010101010101010101010101010101010101010101       1
            "#);
    }

    #[test]
    fn ether_amounts() {
        assert_eq!(format_ether(U256::ZERO), "0");
        assert_eq!(format_ether(U256::from(1u64)), "0.000000000000000001");
        assert_eq!(format_ether(U256::from(225_000_000_000_000u64)), "0.000225");
        assert_eq!(format_ether(U256::from(1_500_000_000_000_000_000u64)), "1.5");
        assert_eq!(format_ether(U256::from(2_000_000_000_000_000_000u64)), "2");
    }

    // Checked against `date -u -d @SECONDS '+%F %T'`.
    #[test]
    fn timestamps_are_utc() {
        assert_eq!(format_timestamp(0), "1970-01-01 00:00:00");
        assert_eq!(format_timestamp(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_timestamp(1_700_000_000), "2023-11-14 22:13:20");
        assert_eq!(format_timestamp(4_107_542_399), "2100-02-28 23:59:59");
        assert_eq!(format_timestamp(4_107_542_400), "2100-03-01 00:00:00");
    }
}
