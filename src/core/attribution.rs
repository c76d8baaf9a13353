//! Where gas went: one transaction's receipt gas (or one report entry's value) split three ways,
//! by cost kind, by call frame and by source line, each adding up exactly to the total, plus the
//! storage accesses that explain it in words.
//!
//! Pure data and arithmetic. The embedded executor's inspector ([`crate::exec::attribution`])
//! fills one [`Attribution`] per transaction; [`Attribution::mean`] folds the calls of a report
//! entry into integer parts that sum to the entry's value (largest-remainder rounding); the diff
//! explains a change from two of them ([`crate::core::explain`]).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// What gas was paid for. The vocabulary is fixed: reports, diffs and policies rely on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GasKind {
    /// Base transaction cost, calldata, access list, and the EIP-7623 floor when it applies.
    Intrinsic,
    /// SLOAD and SSTORE, cold surcharges included.
    Storage,
    /// TLOAD and TSTORE.
    Transient,
    /// Account access (BALANCE, EXTCODE*, the CALL family), value transfer, new accounts,
    /// SELFDESTRUCT.
    Account,
    /// CREATE/CREATE2 base cost, init code words, CREATE2 hashing; a deployment's create cost.
    Create,
    /// 200 gas per byte of deployed code.
    CodeDeposit,
    /// LOG0–LOG4 (their memory expansion excluded).
    Log,
    /// Memory expansion, whichever opcode caused it.
    Memory,
    /// KECCAK256, without its memory expansion.
    Hashing,
    /// The per-word cost of CALLDATACOPY, CODECOPY, EXTCODECOPY, RETURNDATACOPY and MCOPY.
    Copy,
    /// Precompiled contracts.
    Precompile,
    /// Every other opcode's cost.
    Compute,
    /// The refund applied at the end of the transaction (negative).
    Refund,
}

impl GasKind {
    /// Every kind, in vocabulary order.
    pub const ALL: [GasKind; 13] = [
        Self::Intrinsic,
        Self::Storage,
        Self::Transient,
        Self::Account,
        Self::Create,
        Self::CodeDeposit,
        Self::Log,
        Self::Memory,
        Self::Hashing,
        Self::Copy,
        Self::Precompile,
        Self::Compute,
        Self::Refund,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Intrinsic => "intrinsic",
            Self::Storage => "storage",
            Self::Transient => "transient",
            Self::Account => "account",
            Self::Create => "create",
            Self::CodeDeposit => "code_deposit",
            Self::Log => "log",
            Self::Memory => "memory",
            Self::Hashing => "hashing",
            Self::Copy => "copy",
            Self::Precompile => "precompile",
            Self::Compute => "compute",
            Self::Refund => "refund",
        }
    }

    /// Position in [`GasKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The pseudo-line of the intrinsic cost (no opcode ran for it).
pub const LINE_INTRINSIC: &str = "<intrinsic>";
/// The pseudo-line of the end-of-transaction refund.
pub const LINE_REFUND: &str = "<refund>";
/// The pseudo-line of a deployment's code deposit.
pub const LINE_CODE_DEPOSIT: &str = "<code deposit>";
/// Code the compiler generated without a source mapping.
pub const LINE_COMPILER: &str = "<compiler>";
/// Code no artifact describes (a forked contract, a contract deployed from raw bytes).
pub const LINE_UNKNOWN_CODE: &str = "<unknown code>";

/// A name or a line of source in an attribution: shared, because the same few strings recur in
/// every transaction's attribution and cloning them must not copy them.
pub type Text = std::sync::Arc<str>;

/// Gas of one call frame, by its stack path (`Router.bump(uint256);Counter.increment()`): the
/// gas the frame spent itself, its children's excluded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameGas {
    pub frame: Text,
    pub gas: i64,
}

/// Where a unit of gas is charged in the sources. `file` and `line` are `None` for the
/// pseudo-lines (`<intrinsic>`, `<compiler>`, …), whose `text` names them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineKey {
    pub file: Option<Text>,
    pub line: Option<u32>,
    /// The line's text, trimmed; empty when the source file was not found.
    pub text: Text,
}

impl LineKey {
    /// A pseudo-line such as [`LINE_COMPILER`].
    pub fn pseudo(text: &str) -> Self {
        Self { file: None, line: None, text: text.into() }
    }
}

/// Gas charged at one source line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineGas {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub text: Text,
    pub gas: i64,
}

impl LineGas {
    pub fn key(&self) -> LineKey {
        LineKey { file: self.file.clone(), line: self.line, text: self.text.clone() }
    }
}

/// A storage read (SLOAD) or write (SSTORE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageOp {
    Read,
    Write,
}

/// What a write did to the slot's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ValueChange {
    #[serde(rename = "0→0")]
    ZeroToZero,
    #[serde(rename = "0→nonzero")]
    ZeroToNonzero,
    #[serde(rename = "nonzero→0")]
    NonzeroToZero,
    #[serde(rename = "nonzero→nonzero")]
    NonzeroToNonzero,
    /// The same nonzero value written again.
    #[serde(rename = "unchanged")]
    Unchanged,
}

impl ValueChange {
    /// From the slot's value before and after the write (`true` for nonzero).
    pub fn classify(before_nonzero: bool, after_nonzero: bool, same: bool) -> Self {
        match (before_nonzero, after_nonzero) {
            (false, false) => Self::ZeroToZero,
            (false, true) => Self::ZeroToNonzero,
            (true, false) => Self::NonzeroToZero,
            (true, true) if same => Self::Unchanged,
            (true, true) => Self::NonzeroToNonzero,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ZeroToZero => "0→0",
            Self::ZeroToNonzero => "0→nonzero",
            Self::NonzeroToZero => "nonzero→0",
            Self::NonzeroToNonzero => "nonzero→nonzero",
            Self::Unchanged => "unchanged",
        }
    }
}

/// Storage accesses of one kind to one slot: how many, and the gas they cost in total (their
/// refunds excluded: those are the `refund` kind).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageAccess {
    /// The contract whose code made the access (its name, or its address when unknown).
    pub contract: Text,
    /// The slot, `0x`-prefixed hex without leading zeros.
    pub slot: Text,
    pub op: StorageOp,
    pub cold: bool,
    /// For writes: what happened to the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<ValueChange>,
    /// Number of accesses, over all the calls the attribution covers.
    pub count: u64,
    /// Their gas, over all the calls the attribution covers.
    pub gas: i64,
}

/// Where the gas of a transaction, or of a report entry, went.
///
/// `by_kind`, `by_frame` and `by_line` each sum exactly to the value they explain: a call's
/// receipt `gas_used`, or an entry's value. `storage` counts accesses over the `calls`
/// transactions the attribution covers (divide by `calls` for a per-call figure).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribution {
    /// How many transactions this covers (1 for a single call).
    pub calls: u64,
    /// Non-zero kinds only.
    pub by_kind: BTreeMap<GasKind, i64>,
    /// Sorted by frame path.
    pub by_frame: Vec<FrameGas>,
    /// Sorted by file, line, text; pseudo-lines first.
    pub by_line: Vec<LineGas>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<StorageAccess>,
}

/// A part list that does not add up, or an attribution that cannot be averaged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributionError {
    #[error("attribution {part} sums to {sum}, not to {expected}")]
    Sum { part: &'static str, sum: i128, expected: i128 },
    #[error("no calls to average")]
    NoCalls,
    #[error("attribution totals beyond 64 bits")]
    Overflow,
}

impl Attribution {
    /// The three sums: by kind, by frame, by line.
    pub fn sums(&self) -> [i128; 3] {
        [
            self.by_kind.values().map(|&gas| i128::from(gas)).sum(),
            self.by_frame.iter().map(|frame| i128::from(frame.gas)).sum(),
            self.by_line.iter().map(|line| i128::from(line.gas)).sum(),
        ]
    }

    /// Checks that each of the three attributions adds up to `total`.
    pub fn check(&self, total: i128) -> Result<(), AttributionError> {
        for (part, sum) in ["by_kind", "by_frame", "by_line"].into_iter().zip(self.sums()) {
            if sum != total {
                return Err(AttributionError::Sum { part, sum, expected: total });
            }
        }
        Ok(())
    }

    /// Builds an attribution from accumulated maps, dropping zero parts and sorting.
    pub fn from_parts(
        calls: u64,
        kinds: impl IntoIterator<Item = (GasKind, i64)>,
        frames: impl IntoIterator<Item = (impl Into<Text>, i64)>,
        lines: impl IntoIterator<Item = (LineKey, i64)>,
        storage: Vec<StorageAccess>,
    ) -> Self {
        // Sorted and merged in place rather than through a map.
        let mut lines: Vec<(LineKey, i64)> = lines.into_iter().collect();
        lines.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
        let mut by_line: Vec<LineGas> = Vec::with_capacity(lines.len());
        for (key, gas) in lines {
            match by_line.last_mut() {
                Some(last) if last.line == key.line && last.text == key.text && last.file == key.file => {
                    last.gas += gas;
                }
                _ => by_line.push(LineGas { file: key.file, line: key.line, text: key.text, gas }),
            }
        }
        Self::from_merged_lines(calls, kinds, frames, by_line, storage)
    }

    /// [`Attribution::from_parts`] for lines already sorted by file, line and text, each once
    /// (zero lines are dropped here): what a caller that orders lines by number rather than by
    /// text passes, once per transaction.
    pub fn from_merged_lines(
        calls: u64,
        kinds: impl IntoIterator<Item = (GasKind, i64)>,
        frames: impl IntoIterator<Item = (impl Into<Text>, i64)>,
        mut by_line: Vec<LineGas>,
        storage: Vec<StorageAccess>,
    ) -> Self {
        debug_assert!(by_line.windows(2).all(|pair| {
            (&pair[0].file, pair[0].line, &pair[0].text) < (&pair[1].file, pair[1].line, &pair[1].text)
        }));
        let mut totals = [0_i64; GasKind::ALL.len()];
        for (kind, gas) in kinds {
            totals[kind.index()] += gas;
        }
        // Inserted in order (cheaper than collecting, which sorts first).
        let mut by_kind = BTreeMap::new();
        for (kind, gas) in GasKind::ALL.into_iter().zip(totals) {
            if gas != 0 {
                by_kind.insert(kind, gas);
            }
        }
        // A transaction has a few frames: sorted and merged in place.
        let mut by_frame: Vec<FrameGas> =
            frames.into_iter().map(|(frame, gas)| FrameGas { frame: frame.into(), gas }).collect();
        if by_frame.len() > 1 {
            by_frame.sort_by(|a, b| a.frame.cmp(&b.frame));
            by_frame.dedup_by(|next, kept| {
                let same = next.frame == kept.frame;
                if same {
                    kept.gas += next.gas;
                }
                same
            });
        }
        by_frame.retain(|frame| frame.gas != 0);
        by_line.retain(|line| line.gas != 0);
        Self { calls, by_kind, by_frame, by_line, storage: merge_storage(storage) }
    }

    /// The attribution of a report entry whose value is `value`, from the attributions of the
    /// calls it summarises: each part is the mean over the calls, rounded so that the integer
    /// parts sum exactly to `value` (largest remainder). `value` must be the rounded mean of the
    /// calls' totals, as [`crate::core::stats::Stats`] computes it, or the entry's single call.
    pub fn mean(calls: &[&Attribution], value: u64) -> Result<Self, AttributionError> {
        let count: u64 = calls.iter().map(|call| call.calls).sum();
        if count == 0 {
            return Err(AttributionError::NoCalls);
        }
        // One sum of every part ([`Attribution::sum`]: by the strings' addresses, then by
        // value; an entry's sum made already is taken as it is), then each part divided once.
        let summed;
        let total = match calls {
            [one] => *one,
            _ => {
                summed = Self::sum(calls).ok_or(AttributionError::Overflow)?;
                &summed
            }
        };
        let target = i128::from(value);
        // Added up (not collected), so that a part listed twice still counts twice.
        let mut kinds: BTreeMap<GasKind, i128> = BTreeMap::new();
        for (kind, gas) in &total.by_kind {
            *kinds.entry(*kind).or_insert(0) += i128::from(*gas);
        }
        let mut frames: BTreeMap<&Text, i128> = BTreeMap::new();
        for frame in &total.by_frame {
            *frames.entry(&frame.frame).or_insert(0) += i128::from(frame.gas);
        }
        let mut lines: BTreeMap<(Option<&Text>, Option<u32>, &Text), i128> = BTreeMap::new();
        for line in &total.by_line {
            *lines.entry((line.file.as_ref(), line.line, &line.text)).or_insert(0) += i128::from(line.gas);
        }
        let kinds = largest_remainder(kinds, count, target, "by_kind")?;
        let frames = largest_remainder(frames, count, target, "by_frame")?;
        let lines = largest_remainder(lines, count, target, "by_line")?;
        let frames = frames.into_iter().map(|(frame, gas)| (frame.clone(), gas));
        // In key order, each once: no sorting again.
        let lines = lines
            .into_iter()
            .map(|((file, line, text), gas)| LineGas { file: file.cloned(), line, text: text.clone(), gas })
            .collect();
        Ok(Self::from_merged_lines(count, kinds, frames, lines, total.storage.clone()))
    }
}

impl Attribution {
    /// The frames as folded stacks, `Router.bump(uint256);Counter.increment() 27012` per line,
    /// sorted: what flamegraph tools read. A frame whose self gas is negative (the outermost
    /// frame carries the refund) or zero is left out; a flamegraph has no negative widths.
    pub fn folded(&self) -> String {
        let mut text = String::new();
        for frame in self.by_frame.iter().filter(|frame| frame.gas > 0) {
            text.push_str(&frame.frame);
            text.push(' ');
            text.push_str(&frame.gas.to_string());
            text.push('\n');
        }
        text
    }
}

/// Sums of parts (frames, lines) over many calls, keyed by their strings' addresses, each with
/// the first borrowed value seen. The calls of one entry mostly list the same parts in the same
/// order: a call whose keys are the previous call's is added by position, without hashing.
struct PartSums<K, V> {
    index: HashMap<K, usize, Words>,
    sums: Vec<(V, i128)>,
    /// The previous call's keys and where each is summed.
    last: Vec<(K, usize)>,
}

impl<K, V> Default for PartSums<K, V> {
    fn default() -> Self {
        Self { index: HashMap::default(), sums: Vec::new(), last: Vec::new() }
    }
}

impl<K: Copy + Eq + std::hash::Hash, V> PartSums<K, V> {
    fn add(&mut self, parts: impl ExactSizeIterator<Item = (K, V, i64)> + Clone) {
        if parts.len() == self.last.len()
            && parts.clone().zip(&self.last).all(|((key, _, _), (known, _))| key == *known)
        {
            for ((_, _, gas), (_, slot)) in parts.zip(&self.last) {
                self.sums[*slot].1 += i128::from(gas);
            }
            return;
        }
        self.last.clear();
        for (key, value, gas) in parts {
            let next = self.sums.len();
            let slot = *self.index.entry(key).or_insert(next);
            if slot == next {
                self.sums.push((value, 0));
            }
            self.sums[slot].1 += i128::from(gas);
            self.last.push((key, slot));
        }
    }
}

/// The address of a shared string: equal addresses are equal strings (not the converse).
fn address(text: &Text) -> usize {
    text.as_ptr() as usize
}

/// A fast hash for keys made of addresses and small numbers, never of input text: a rotate,
/// xor and multiply per word.
#[derive(Default, Clone, Copy)]
pub struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let word = [word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7]];
            self.write_u64(u64::from_le_bytes(word));
        }
        for byte in words.remainder() {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_u8(&mut self, word: u8) {
        self.write_u64(u64::from(word));
    }

    fn write_u32(&mut self, word: u32) {
        self.write_u64(u64::from(word));
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`WordHasher`]s, for `HashMap`s keyed by addresses and numbers.
pub type Words = std::hash::BuildHasherDefault<WordHasher>;

/// Sums the storage accesses of the same kind, sorted: in place, as this runs once per
/// transaction.
fn merge_storage(mut accesses: Vec<StorageAccess>) -> Vec<StorageAccess> {
    // Shared strings compare by address first: one contract's accesses share its name.
    fn text(a: &Text, b: &Text) -> std::cmp::Ordering {
        if std::sync::Arc::ptr_eq(a, b) { std::cmp::Ordering::Equal } else { a.cmp(b) }
    }
    fn order(a: &StorageAccess, b: &StorageAccess) -> std::cmp::Ordering {
        text(&a.contract, &b.contract)
            .then_with(|| text(&a.slot, &b.slot))
            .then_with(|| (a.op, a.cold, a.change).cmp(&(b.op, b.cold, b.change)))
    }
    if accesses.len() > 1 {
        accesses.sort_by(order);
        accesses.dedup_by(|next, kept| {
            let same = order(next, kept).is_eq();
            if same {
                kept.count += next.count;
                kept.gas += next.gas;
            }
            same
        });
    }
    accesses
}

/// Divides each total by `count` and rounds so that the parts sum to `target`: each part gets
/// the floor of its exact share, then the units still missing go to the parts with the largest
/// remainders (ties to the first key). Fails when `target` is not within rounding of the exact
/// sum, which would mean the parts do not describe the value.
pub fn largest_remainder<K: Ord + Clone>(
    totals: BTreeMap<K, i128>,
    count: u64,
    target: i128,
    part: &'static str,
) -> Result<Vec<(K, i64)>, AttributionError> {
    let count = i128::from(count.max(1));
    let sum: i128 = totals.values().sum();
    let mut parts: Vec<(K, i128, i128)> = totals
        .into_iter()
        .map(|(key, total)| (key, total.div_euclid(count), total.rem_euclid(count)))
        .collect();
    let floors: i128 = parts.iter().map(|(_, floor, _)| floor).sum();
    let missing = target - floors;
    let with_remainder = parts.iter().filter(|(_, _, remainder)| *remainder > 0).count() as i128;
    if missing < 0 || missing > with_remainder {
        return Err(AttributionError::Sum { part, sum, expected: target * count });
    }
    let mut order: Vec<usize> = (0..parts.len()).collect();
    // Stable: equal remainders keep key order.
    order.sort_by(|&a, &b| parts[b].2.cmp(&parts[a].2));
    for &index in order.iter().take(missing as usize) {
        parts[index].1 += 1;
    }
    Ok(parts
        .into_iter()
        .map(|(key, gas, _)| (key, i64::try_from(gas).unwrap_or(if gas < 0 { i64::MIN } else { i64::MAX })))
        .collect())
}

impl Attribution {
    /// The sum of `parts` (single calls' attributions, or earlier sums) as one attribution that
    /// covers all their calls: `calls` is the total count, and every kind, frame, line and
    /// storage access is added up. [`Attribution::mean`] over sums equals the mean over every
    /// call they cover, whatever the grouping, since it only adds the parts up and divides by
    /// the count: so the calls of a report entry can be summed where they ran (a worker thread,
    /// a shard) and averaged once at the end. `None` when a total leaves `i64` (or a count
    /// `u64`), which no real run comes near.
    pub fn sum(parts: &[&Attribution]) -> Option<Self> {
        // Summed first by the strings' addresses (the calls of one run share their strings; a
        // call with the previous one's parts by position), so that a call costs no string
        // comparison; then by value, once per distinct address. Owned copies are made once per
        // part, not per call.
        let mut calls: u64 = 0;
        let mut kinds = [0_i128; GasKind::ALL.len()];
        let mut frame_sums: PartSums<usize, &Text> = PartSums::default();
        let mut line_sums: PartSums<(usize, Option<u32>, usize), &LineGas> = PartSums::default();
        type Borrowed<'a> = (&'a Text, &'a Text, StorageOp, bool, Option<ValueChange>);
        type AccessSums<'a> =
            HashMap<(usize, usize, StorageOp, bool, Option<ValueChange>), (Borrowed<'a>, u64, i64), Words>;
        let mut access_sums: AccessSums<'_> = HashMap::default();
        for part in parts {
            calls = calls.checked_add(part.calls)?;
            for (kind, gas) in &part.by_kind {
                kinds[kind.index()] += i128::from(*gas);
            }
            frame_sums
                .add(part.by_frame.iter().map(|frame| (address(&frame.frame), &frame.frame, frame.gas)));
            line_sums.add(part.by_line.iter().map(|line| {
                ((line.file.as_ref().map_or(0, address), line.line, address(&line.text)), line, line.gas)
            }));
            for access in &part.storage {
                let key =
                    (address(&access.contract), address(&access.slot), access.op, access.cold, access.change);
                let borrowed = (&access.contract, &access.slot, access.op, access.cold, access.change);
                let entry = access_sums.entry(key).or_insert((borrowed, 0, 0));
                entry.1 = entry.1.checked_add(access.count)?;
                entry.2 = entry.2.checked_add(access.gas)?;
            }
        }
        let mut frames: BTreeMap<&Text, i128> = BTreeMap::new();
        for (frame, gas) in frame_sums.sums {
            *frames.entry(frame).or_insert(0) += gas;
        }
        let mut lines: BTreeMap<(Option<&Text>, Option<u32>, &Text), i128> = BTreeMap::new();
        for (line, gas) in line_sums.sums {
            *lines.entry((line.file.as_ref(), line.line, &line.text)).or_insert(0) += gas;
        }
        let mut accesses: BTreeMap<Borrowed<'_>, (u64, i64)> = BTreeMap::new();
        for (key, count, gas) in access_sums.into_values() {
            let entry = accesses.entry(key).or_insert((0, 0));
            entry.0 = entry.0.checked_add(count)?;
            entry.1 = entry.1.checked_add(gas)?;
        }
        let narrow = |total: i128| i64::try_from(total).ok();
        let kinds: Vec<(GasKind, i64)> = GasKind::ALL
            .into_iter()
            .zip(kinds)
            .map(|(kind, total)| Some((kind, narrow(total)?)))
            .collect::<Option<_>>()?;
        let frames: Vec<(Text, i64)> = frames
            .into_iter()
            .map(|(frame, total)| Some((frame.clone(), narrow(total)?)))
            .collect::<Option<_>>()?;
        // In key order, each once: no sorting again.
        let lines: Vec<LineGas> = lines
            .into_iter()
            .map(|((file, line, text), total)| {
                Some(LineGas { file: file.cloned(), line, text: text.clone(), gas: narrow(total)? })
            })
            .collect::<Option<_>>()?;
        let storage = accesses
            .into_iter()
            .map(|((contract, slot, op, cold, change), (count, gas))| StorageAccess {
                contract: contract.clone(),
                slot: slot.clone(),
                op,
                cold,
                change,
                count,
                gas,
            })
            .collect();
        Some(Self::from_merged_lines(calls, kinds, frames, lines, storage))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_listed_in_index_order() {
        for (position, kind) in GasKind::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), position, "{kind:?}");
        }
    }

    fn call(kinds: &[(GasKind, i64)], frames: &[(&str, i64)], lines: &[(&str, i64)]) -> Attribution {
        Attribution::from_parts(
            1,
            kinds.iter().copied(),
            frames.iter().map(|(frame, gas)| ((*frame).to_owned(), *gas)),
            lines.iter().map(|(text, gas)| (LineKey::pseudo(text), *gas)),
            Vec::new(),
        )
    }

    #[test]
    fn largest_remainder_sums_to_the_rounded_mean() {
        // Three calls of 10, 10 and 11 gas: mean 31/3 = 10.33, rounded 10.
        let a = call(&[(GasKind::Compute, 5), (GasKind::Storage, 5)], &[("A.f()", 10)], &[("x", 10)]);
        let b = a.clone();
        let c = call(&[(GasKind::Compute, 6), (GasKind::Storage, 5)], &[("A.f()", 11)], &[("y", 11)]);
        let mean = Attribution::mean(&[&a, &b, &c], 10).unwrap();
        mean.check(10).unwrap();
        assert_eq!(mean.calls, 3);
        assert_eq!(mean.by_kind[&GasKind::Storage], 5);
        assert_eq!(mean.by_kind[&GasKind::Compute], 5);
        // 20/3 = 6.67 and 11/3 = 3.67: floors 6 + 3 = 9, the one unit left goes to the first of
        // the equal remainders.
        assert_eq!(mean.by_line.iter().map(|line| line.gas).collect::<Vec<_>>(), [7, 3]);
    }

    /// The mean sums first by the strings' addresses: equal strings in different allocations
    /// (a call read back from JSON, a shard) are still one line, one frame, one access.
    #[test]
    fn equal_strings_apart_in_memory_are_one_part() {
        let access = |gas| StorageAccess {
            contract: "Ledger".into(),
            slot: "0x0".into(),
            op: StorageOp::Write,
            cold: true,
            change: Some(ValueChange::ZeroToNonzero),
            count: 1,
            gas,
        };
        let mut a = call(
            &[(GasKind::Storage, 22_100), (GasKind::Compute, 10)],
            &[("A.f()", 22_110)],
            &[("x", 22_100), ("y", 10)],
        );
        a.storage = vec![access(22_100)];
        let shared = a.clone();
        let apart: Attribution = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert!(!std::sync::Arc::ptr_eq(&apart.by_line[0].text, &a.by_line[0].text));
        let mean = Attribution::mean(&[&a, &shared, &apart], 22_110).unwrap();
        mean.check(22_110).unwrap();
        assert_eq!(mean.calls, 3);
        assert_eq!(mean.by_frame, [FrameGas { frame: "A.f()".into(), gas: 22_110 }]);
        let lines: Vec<(&str, i64)> = mean.by_line.iter().map(|line| (&*line.text, line.gas)).collect();
        assert_eq!(lines, [("x", 22_100), ("y", 10)]);
        assert_eq!(mean.storage, [StorageAccess { count: 3, gas: 3 * 22_100, ..access(0) }]);
    }

    #[test]
    fn negative_parts_round_too() {
        // A refund of -4800 over two calls with different totals.
        let a = call(&[(GasKind::Storage, 5000), (GasKind::Refund, -4800)], &[("A.f()", 200)], &[("l", 200)]);
        let b = call(&[(GasKind::Storage, 5001), (GasKind::Refund, -4800)], &[("A.f()", 201)], &[("l", 201)]);
        // (200 + 201) / 2 = 200.5, rounded half up: 201.
        let mean = Attribution::mean(&[&a, &b], 201).unwrap();
        mean.check(201).unwrap();
        assert_eq!(mean.by_kind[&GasKind::Refund], -4800);
    }

    #[test]
    fn a_value_the_parts_cannot_explain_is_an_error() {
        let a = call(&[(GasKind::Compute, 10)], &[("A.f()", 10)], &[("l", 10)]);
        assert!(matches!(Attribution::mean(&[&a], 12), Err(AttributionError::Sum { .. })));
        assert_eq!(Attribution::mean(&[], 0), Err(AttributionError::NoCalls));
    }

    #[test]
    fn kinds_serialise_with_their_vocabulary_names() {
        let a = call(&[(GasKind::CodeDeposit, 1), (GasKind::Intrinsic, 2)], &[], &[]);
        let json = serde_json::to_string(&a.by_kind).unwrap();
        assert_eq!(json, r#"{"intrinsic":2,"code_deposit":1}"#);
        for kind in GasKind::ALL {
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.as_str()));
            assert_eq!(GasKind::ALL[kind.index()], kind);
        }
    }
}

#[cfg(test)]
mod sum_tests {
    use super::*;

    fn line(file: Option<&str>, line: Option<u32>, text: &str, gas: i64) -> LineGas {
        LineGas { file: file.map(Text::from), line, text: text.into(), gas }
    }

    /// Sums of parts whose keys differ, overlap, come in another order or twice (an attribution
    /// read from a file), with distinct shared strings of equal text, are the plain sums, and
    /// their mean is the mean of the parts.
    #[test]
    fn sums_add_every_key_whatever_its_order() {
        let shared: Text = "src/A.sol".into();
        let a = Attribution::from_parts(
            1,
            [(GasKind::Intrinsic, 21_000), (GasKind::Storage, 2_100)],
            [("A.f()".to_owned(), 23_000), ("A.f();B.g()".to_owned(), 100)],
            [
                (LineKey::pseudo(LINE_INTRINSIC), 21_000),
                (LineKey { file: Some(shared.clone()), line: Some(3), text: "x = 1;".into() }, 2_100),
            ],
            vec![StorageAccess {
                contract: "A".into(),
                slot: "0x1".into(),
                op: StorageOp::Read,
                cold: true,
                change: None,
                count: 1,
                gas: 2_100,
            }],
        );
        let mut b = a.clone();
        b.by_frame = vec![FrameGas { frame: "A.f()".into(), gas: 23_101 }];
        // Out of order, a key twice, a new key, and the same file under another `Arc`.
        b.by_line = vec![
            line(Some("src/A.sol"), Some(9), "y = 2;", 50),
            line(Some("src/A.sol"), Some(3), "x = 1;", 2_000),
            line(None, None, LINE_INTRINSIC, 21_000),
            line(Some("src/A.sol"), Some(3), "x = 1;", 51),
        ];
        b.by_kind.insert(GasKind::Storage, 2_101);
        b.storage[0].cold = false;
        b.storage[0].gas = 100;
        let c = a.clone();
        let sum = Attribution::sum(&[&a, &b, &c]).unwrap();
        assert_eq!(sum.calls, 3);
        assert_eq!(sum.by_kind[&GasKind::Intrinsic], 63_000);
        assert_eq!(
            sum.by_frame.iter().map(|frame| (&*frame.frame, frame.gas)).collect::<Vec<_>>(),
            [("A.f()", 69_101), ("A.f();B.g()", 200)]
        );
        assert_eq!(
            sum.by_line.iter().map(|line| (line.line, &*line.text, line.gas)).collect::<Vec<_>>(),
            [(None, LINE_INTRINSIC, 63_000), (Some(3), "x = 1;", 6_251), (Some(9), "y = 2;", 50)]
        );
        assert_eq!(
            sum.storage.iter().map(|access| (access.cold, access.count, access.gas)).collect::<Vec<_>>(),
            [(false, 1, 100), (true, 2, 4_200)]
        );
        // (23,100 + 23,101 + 23,100) / 3, rounded.
        let value = 23_100;
        let nested = Attribution::sum(&[&Attribution::sum(&[&c, &a]).unwrap(), &b]).unwrap();
        assert_eq!(nested, sum);
        assert_eq!(Attribution::mean(&[&sum], value), Attribution::mean(&[&a, &b, &c], value));
        assert_eq!(Attribution::mean(&[&sum], value).map(|mean| mean.sums()), Ok([23_100; 3]));
        // A total beyond `i64` is no sum.
        let mut huge = a.clone();
        huge.by_frame[0].gas = i64::MAX;
        assert_eq!(Attribution::sum(&[&huge, &a]), None);
    }
}
