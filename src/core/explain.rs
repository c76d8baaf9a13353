//! Why an entry's gas moved: the difference of its two attributions (base and head), by kind,
//! by call frame and by source line, each summing exactly to the entry's `delta`, and the
//! storage accesses that changed, in words. Pure: two [`Attribution`]s in, a [`Why`] out.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::core::attribution::{Attribution, GasKind, StorageAccess, StorageOp, Text, ValueChange};
use crate::core::number::group_digits;

/// The explanation of one changed entry. Every list is sorted by the size of its change,
/// largest first (ties by name), and each sums exactly to the entry's `delta`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Why {
    /// Every kind either side has, changed or not (a `0` says "not this").
    #[serde(serialize_with = "kinds_as_map", deserialize_with = "kinds_from_map")]
    pub by_kind: Vec<(GasKind, i64)>,
    pub by_frame: Vec<FrameDelta>,
    pub by_line: Vec<LineDelta>,
    /// Storage accesses that changed, one sentence per slot.
    #[serde(default)]
    pub storage: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameDelta {
    pub frame: String,
    pub delta: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineDelta {
    pub file: Option<String>,
    pub line: Option<u32>,
    pub text: String,
    pub delta: i64,
}

fn kinds_as_map<S: Serializer>(kinds: &[(GasKind, i64)], serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(kinds.len()))?;
    for (kind, delta) in kinds {
        map.serialize_entry(kind, delta)?;
    }
    map.end()
}

fn kinds_from_map<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<(GasKind, i64)>, D::Error> {
    // Order is kept by the caller's sort; a map read back is re-sorted the same way.
    let map: BTreeMap<GasKind, i64> = BTreeMap::deserialize(deserializer)?;
    let mut kinds: Vec<(GasKind, i64)> = map.into_iter().collect();
    sort_by_size(&mut kinds, |(kind, delta)| (*delta, kind.as_str().to_owned()));
    Ok(kinds)
}

impl Why {
    /// The three sums (by kind, frame, line).
    pub fn sums(&self) -> [i128; 3] {
        [
            self.by_kind.iter().map(|(_, delta)| i128::from(*delta)).sum(),
            self.by_frame.iter().map(|frame| i128::from(frame.delta)).sum(),
            self.by_line.iter().map(|line| i128::from(line.delta)).sum(),
        ]
    }
}

/// Largest absolute change first; ties by name.
fn sort_by_size<T>(items: &mut [T], key: impl Fn(&T) -> (i64, String)) {
    items.sort_by(|a, b| {
        let (a_delta, a_name) = key(a);
        let (b_delta, b_name) = key(b);
        b_delta.unsigned_abs().cmp(&a_delta.unsigned_abs()).then(a_name.cmp(&b_name))
    });
}

/// Explains the move from `base` to `head`. The parts sum to the difference of the values the
/// two attributions explain.
pub fn explain(base: &Attribution, head: &Attribution) -> Why {
    let mut kinds: BTreeMap<GasKind, i64> = BTreeMap::new();
    for (kind, gas) in &base.by_kind {
        *kinds.entry(*kind).or_insert(0) -= gas;
    }
    for (kind, gas) in &head.by_kind {
        *kinds.entry(*kind).or_insert(0) += gas;
    }
    let mut by_kind: Vec<(GasKind, i64)> = kinds.into_iter().collect();
    sort_by_size(&mut by_kind, |(kind, delta)| (*delta, kind.as_str().to_owned()));

    let mut frames: BTreeMap<&str, i64> = BTreeMap::new();
    for frame in &base.by_frame {
        *frames.entry(&frame.frame).or_insert(0) -= frame.gas;
    }
    for frame in &head.by_frame {
        *frames.entry(&frame.frame).or_insert(0) += frame.gas;
    }
    let mut by_frame: Vec<FrameDelta> = frames
        .into_iter()
        .filter(|(_, delta)| *delta != 0)
        .map(|(frame, delta)| FrameDelta { frame: frame.to_owned(), delta })
        .collect();
    sort_by_size(&mut by_frame, |frame| (frame.delta, frame.frame.clone()));

    // Source lines are matched by file and text, so a line that only moved (code added above
    // it) shows no change; it is shown at its head line number (its base one when removed).
    // (file, text, is a source line) → (delta, the line number shown and its weight).
    type LineSum = (i64, Option<(u32, i64)>);
    let mut lines: BTreeMap<(Option<Text>, Text, bool), LineSum> = BTreeMap::new();
    let mut add = |line: &crate::core::attribution::LineGas, sign: i64, head_side: bool| {
        let key = (line.file.clone(), line.text.clone(), line.line.is_some());
        let entry = lines.entry(key).or_insert((0, None));
        entry.0 += sign * line.gas;
        if let Some(number) = line.line {
            // The number shown: the head's busiest line with that text, else the base's.
            let weight = if head_side { line.gas.abs().saturating_add(1 << 40) } else { line.gas.abs() };
            if entry.1.is_none_or(|(_, best)| weight > best) {
                entry.1 = Some((number, weight));
            }
        }
    };
    for line in &base.by_line {
        add(line, -1, false);
    }
    for line in &head.by_line {
        add(line, 1, true);
    }
    let mut by_line: Vec<LineDelta> = lines
        .into_iter()
        .filter(|(_, (delta, _))| *delta != 0)
        .map(|((file, text, _), (delta, number))| LineDelta {
            file: file.map(|file| file.to_string()),
            line: number.map(|(line, _)| line),
            text: text.to_string(),
            delta,
        })
        .collect();
    // Ties: by file and line number, so `Ledger.sol:9` comes before `Ledger.sol:31`.
    by_line.sort_by(|a, b| {
        b.delta
            .unsigned_abs()
            .cmp(&a.delta.unsigned_abs())
            .then((&a.file, a.line, &a.text).cmp(&(&b.file, b.line, &b.text)))
    });

    Why { by_kind, by_frame, by_line, storage: storage_sentences(base, head) }
}

/// Per-call storage access counts, by slot and access kind, head minus base.
fn storage_sentences(base: &Attribution, head: &Attribution) -> Vec<String> {
    type Access = (StorageOp, bool, Option<ValueChange>);
    // (count, gas) per call, as fractions over each side's calls: kept as numerator pairs.
    let mut slots: BTreeMap<(Text, Text), BTreeMap<Access, (f64, f64)>> = BTreeMap::new();
    let mut add = |accesses: &[StorageAccess], calls: u64, sign: f64| {
        let calls = calls.max(1) as f64;
        for access in accesses {
            let entry = slots
                .entry((access.contract.clone(), access.slot.clone()))
                .or_default()
                .entry((access.op, access.cold, access.change))
                .or_insert((0.0, 0.0));
            entry.0 += sign * access.count as f64 / calls;
            entry.1 += sign * access.gas as f64 / calls;
        }
    };
    add(&base.storage, base.calls, -1.0);
    add(&head.storage, head.calls, 1.0);
    let mut sentences: Vec<(f64, String)> = Vec::new();
    for ((contract, slot), accesses) in slots {
        let mut parts = Vec::new();
        let mut gas = 0.0;
        for ((op, cold, change), (count, access_gas)) in accesses {
            if count.abs() < 1e-9 {
                continue;
            }
            gas += access_gas;
            let amount = if (count.abs() - 1.0).abs() < 1e-9 {
                "one".to_owned()
            } else if (count.abs() - count.abs().round()).abs() < 1e-9 {
                format!("{}", count.abs().round() as u64)
            } else {
                format!("{:.2}", count.abs())
            };
            let direction = if count > 0.0 { "more" } else { "fewer" };
            let temperature = if cold { "cold" } else { "warm" };
            let what = match (op, change) {
                (StorageOp::Read, _) => "SLOAD".to_owned(),
                (StorageOp::Write, Some(change)) => format!("SSTORE {}", change.as_str()),
                (StorageOp::Write, None) => "SSTORE".to_owned(),
            };
            parts.push(format!("{amount} {direction} {temperature} {what}"));
        }
        if parts.is_empty() {
            continue;
        }
        let rounded = gas.round() as i64;
        let sign = if rounded >= 0 { "+" } else { "-" };
        sentences.push((
            gas.abs(),
            format!(
                "{} of {contract} slot {slot} ({sign}{} gas per call)",
                parts.join(" and "),
                group_digits(rounded.unsigned_abs())
            ),
        ));
    }
    sentences.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    sentences.into_iter().map(|(_, sentence)| sentence).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::attribution::LineKey;

    fn line(file: &str, number: u32, text: &str) -> LineKey {
        LineKey { file: Some(file.into()), line: Some(number), text: text.into() }
    }

    fn side(
        kinds: &[(GasKind, i64)],
        frames: &[(&str, i64)],
        lines: &[(LineKey, i64)],
        storage: Vec<StorageAccess>,
    ) -> Attribution {
        Attribution::from_parts(
            1,
            kinds.iter().copied(),
            frames.iter().map(|(frame, gas)| ((*frame).to_owned(), *gas)),
            lines.iter().cloned(),
            storage,
        )
    }

    fn write(slot: &str, cold: bool, change: ValueChange, gas: i64) -> StorageAccess {
        StorageAccess {
            contract: "Ledger".into(),
            slot: slot.into(),
            op: StorageOp::Write,
            cold,
            change: Some(change),
            count: 1,
            gas,
        }
    }

    #[test]
    fn one_more_fresh_sstore_explains_itself() {
        let base = side(
            &[(GasKind::Intrinsic, 21_064), (GasKind::Compute, 100)],
            &[("Ledger.move(address,uint256)", 21_164)],
            &[(LineKey::pseudo("<intrinsic>"), 21_064), (LineKey::pseudo("<compiler>"), 100)],
            Vec::new(),
        );
        let head = side(
            &[(GasKind::Intrinsic, 21_064), (GasKind::Compute, 113), (GasKind::Storage, 22_100)],
            &[("Ledger.move(address,uint256)", 43_277)],
            &[
                (LineKey::pseudo("<intrinsic>"), 21_064),
                (LineKey::pseudo("<compiler>"), 113),
                (line("src/Ledger.sol", 31, "moves[msg.sender] += 1;"), 22_100),
            ],
            vec![write("0x0", true, ValueChange::ZeroToNonzero, 22_100)],
        );
        let why = explain(&base, &head);
        assert_eq!(why.sums(), [22_113; 3]);
        assert_eq!(
            why.by_kind,
            [(GasKind::Storage, 22_100), (GasKind::Compute, 13), (GasKind::Intrinsic, 0)]
        );
        assert_eq!(
            why.by_frame,
            [FrameDelta { frame: "Ledger.move(address,uint256)".into(), delta: 22_113 }]
        );
        assert_eq!(why.by_line[0].line, Some(31));
        assert_eq!(why.by_line[1].text, "<compiler>");
        assert_eq!(why.storage, ["one more cold SSTORE 0→nonzero of Ledger slot 0x0 (+22,100 gas per call)"]);
        let json = serde_json::to_string(&why).unwrap();
        assert!(json.starts_with(r#"{"by_kind":{"storage":22100,"compute":13,"intrinsic":0},"#), "{json}");
        let back: Why = serde_json::from_str(&json).unwrap();
        assert_eq!(back, why);
    }

    /// Code added above a line moves it; the moved line did not change and shows no delta.
    #[test]
    fn moved_lines_are_matched_by_text() {
        let base = side(
            &[(GasKind::Log, 1_416)],
            &[("C.f()", 1_416)],
            &[(line("C.sol", 20, "emit E(next);"), 1_416)],
            Vec::new(),
        );
        let head = side(
            &[(GasKind::Log, 1_416), (GasKind::Storage, 22_100)],
            &[("C.f()", 23_516)],
            &[(line("C.sol", 20, "extra = next;"), 22_100), (line("C.sol", 21, "emit E(next);"), 1_416)],
            Vec::new(),
        );
        let why = explain(&base, &head);
        assert_eq!(
            why.by_line,
            [LineDelta {
                file: Some("C.sol".into()),
                line: Some(20),
                text: "extra = next;".into(),
                delta: 22_100
            }]
        );
    }

    #[test]
    fn fewer_accesses_read_as_fewer() {
        let mut base =
            side(&[(GasKind::Storage, 2_200)], &[("A.f()", 2_200)], &[(LineKey::pseudo("x"), 2_200)], vec![]);
        base.storage = vec![
            write("0x1", true, ValueChange::NonzeroToNonzero, 5_000),
            write("0x1", true, ValueChange::NonzeroToNonzero, 5_000),
        ];
        base.storage[0].count = 2;
        base.storage.truncate(1);
        let head =
            side(&[(GasKind::Storage, 2_200)], &[("A.f()", 2_200)], &[(LineKey::pseudo("x"), 2_200)], vec![]);
        let why = explain(&base, &head);
        assert_eq!(
            why.storage,
            ["2 fewer cold SSTORE nonzero→nonzero of Ledger slot 0x1 (-5,000 gas per call)"]
        );
        assert!(why.by_frame.is_empty());
        assert_eq!(why.by_kind, [(GasKind::Storage, 0)]);
    }
}
