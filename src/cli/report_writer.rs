//! Writing a [`GasReport`] as the bytes `report_json` promises, fast. Everything but `calls` goes
//! through serde with [`ReportFormatter`]; `calls` (one record per transaction: most of a large
//! report, and most of the time serde spends on it) is written by hand, byte for byte what
//! serde would write there (the tests below hold the two to it).

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::core::attribution::Attribution;
use crate::core::build::BuildInfo;
use crate::core::report::ShardInfo;
use crate::core::report::{
    CallRecord, CallStatus, ContractGas, EvmInfo, GasMethod, GasReport, SectionValue, TestGas, Tool,
};

/// What serde writes in place of `calls`, replaced by the hand-written array afterwards. A string
/// holding a NUL is written escaped (`"\u0000…"`), and `calls` is the only key of the top level
/// that can take it, so the text searched for (key included, at the top level's indentation)
/// occurs exactly once.
const PLACEHOLDER: &str = "\u{0}gasguard calls";
const PLACEHOLDER_JSON: &str = "\n  \"calls\": \"\\u0000gasguard calls\"";

/// [`GasReport`] field for field, in its order and with its rules for leaving fields out, with
/// `calls` standing in for its placeholder.
#[derive(Serialize)]
struct Written<'a> {
    schema: &'a str,
    tool: &'a Tool,
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    evm: &'a Option<EvmInfo>,
    contracts: &'a BTreeMap<String, ContractGas>,
    #[serde(skip_serializing_if = "Option::is_none")]
    calls: Option<&'static str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tests: &'a BTreeMap<String, TestGas>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    sections: &'a BTreeMap<String, SectionValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    build: &'a Option<BuildInfo>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    attribution: &'a BTreeMap<String, Attribution>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: &'a Option<ShardInfo>,
}

/// The report's JSON, without the trailing newline.
pub(super) fn write(report: &GasReport) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(4096 + 512 * report.calls.len());
    // Writing to memory cannot fail.
    let _ = write_to(report, &mut bytes);
    bytes
}

/// [`write`], streamed to `out` a slice at a time.
pub(super) fn write_to(report: &GasReport, out: &mut dyn Write) -> std::io::Result<()> {
    write_to_jobs(report, out, 1)
}

/// [`write_to`], the calls formatted on up to `jobs` threads (the same bytes).
pub(super) fn write_to_jobs(report: &GasReport, out: &mut dyn Write, jobs: usize) -> std::io::Result<()> {
    let GasReport { schema, tool, source, evm, contracts, calls, tests, sections, build, attribution, shard } =
        report;
    let written = Written {
        schema,
        tool,
        source,
        evm,
        contracts,
        calls: (!calls.is_empty()).then_some(PLACEHOLDER),
        tests,
        sections,
        build,
        attribution,
        shard,
    };
    let mut bytes = Vec::with_capacity(4096);
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, ReportFormatter::default());
    // Serialising plain data with string keys cannot fail.
    let _ = written.serialize(&mut serializer);
    if calls.is_empty() {
        return out.write_all(&bytes);
    }
    let Some(at) = find(&bytes, PLACEHOLDER_JSON.as_bytes()) else {
        // Unreachable (see `PLACEHOLDER`); serde then writes the whole report.
        return out.write_all(&serde_bytes(report));
    };
    out.write_all(&bytes[..at + "\n  \"calls\": ".len()])?;
    write_calls(out, calls, jobs)?;
    out.write_all(&bytes[at + PLACEHOLDER_JSON.len()..])
}

/// The whole report through serde: what [`write`] must equal.
pub(super) fn serde_bytes(report: &GasReport) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, ReportFormatter::default());
    let _ = report.serialize(&mut serializer);
    bytes
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// `calls` as [`ReportFormatter`] lays it out at the top level's depth: the array's items on
/// their own lines, indented 4 spaces, and each record's fields on their own lines, 6 spaces.
/// With `jobs` above 1, runs of calls are formatted on that many threads at once and written in
/// their order: the same bytes, in a fraction of the time.
fn write_calls(writer: &mut dyn Write, calls: &[CallRecord], jobs: usize) -> std::io::Result<()> {
    // Calls per run a thread formats at once: about 1.6 MB of JSON.
    const RUN: usize = 4096;
    writer.write_all(b"[")?;
    if jobs <= 1 || calls.len() <= RUN {
        write_calls_streamed(writer, calls)?;
    } else {
        // One buffer per thread, kept from round to round: fresh ones would cost a page fault
        // every 4 KB of the report.
        let mut buffers: Vec<Vec<u8>> = Vec::new();
        for (round, batch) in calls.chunks(RUN * jobs).enumerate() {
            buffers.resize_with(batch.len().div_ceil(RUN), Vec::new);
            buffers = std::thread::scope(|scope| {
                let mut runs = batch.chunks(RUN).zip(std::mem::take(&mut buffers));
                let first = runs.next();
                let handles: Vec<_> = runs
                    .map(|(run, buffer)| {
                        // A round's later runs: never the array's first.
                        scope.spawn(move || format_calls(buffer, run, false))
                    })
                    .collect();
                let mut parts = Vec::with_capacity(handles.len() + 1);
                if let Some((run, buffer)) = first {
                    parts.push(format_calls(buffer, run, round == 0));
                }
                for handle in handles {
                    parts.push(handle.join().map_err(|_| {
                        std::io::Error::other("a thread formatting the report's calls panicked")
                    })?);
                }
                Ok::<_, std::io::Error>(parts)
            })?;
            for part in &buffers {
                writer.write_all(part)?;
            }
        }
    }
    writer.write_all(b"\n  ]")
}

/// `calls`, the whole array's, streamed a slice at a time.
fn write_calls_streamed(writer: &mut dyn Write, calls: &[CallRecord]) -> std::io::Result<()> {
    // Built a slice at a time in one small buffer, handed on whenever it fills.
    const SLICE: usize = 1 << 16;
    let mut buffer = Vec::with_capacity(SLICE + 1024);
    for (index, call) in calls.iter().enumerate() {
        if buffer.len() >= SLICE {
            writer.write_all(&buffer)?;
            buffer.clear();
        }
        format_call(&mut buffer, call, index == 0);
    }
    writer.write_all(&buffer)
}

/// What [`write_calls_streamed`] writes of `calls` (the array's first ones when
/// `starts_array`), into `buffer` (emptied first), which it returns.
fn format_calls(mut buffer: Vec<u8>, calls: &[CallRecord], starts_array: bool) -> Vec<u8> {
    buffer.clear();
    buffer.reserve(512 * calls.len());
    for (index, call) in calls.iter().enumerate() {
        format_call(&mut buffer, call, starts_array && index == 0);
    }
    buffer
}

/// A key of a record's field after its first, with the comma before it, as [`ReportFormatter`]
/// lays it out: one literal, copied whole.
macro_rules! key {
    ($out:expr, $name:literal) => {
        $out.extend_from_slice(concat!(",\n      \"", $name, "\": ").as_bytes())
    };
}

/// One record of `calls`, with the separator before it unless it is the array's first.
fn format_call(out: &mut Vec<u8>, call: &CallRecord, first: bool) {
    // Field for field as `CallRecord` derives `Serialize`: same order, same `None`s left out.
    let CallRecord {
        scenario,
        step,
        iteration,
        contract,
        function,
        from,
        to,
        gas_used,
        execution_gas,
        status,
        revert,
        method,
        gas_used_upper,
        gas_limit_needed,
        gas_limit,
    } = call;
    out.extend_from_slice(if first {
        b"\n    {\n      \"scenario\": "
    } else {
        b",\n    {\n      \"scenario\": "
    });
    string(out, scenario);
    key!(out, "step");
    number(out, *step as u64);
    key!(out, "iteration");
    number(out, u64::from(*iteration));
    key!(out, "contract");
    string(out, contract);
    key!(out, "function");
    string(out, function);
    key!(out, "from");
    string(out, from);
    key!(out, "to");
    string(out, to);
    key!(out, "gas_used");
    number(out, *gas_used);
    key!(out, "execution_gas");
    number(out, *execution_gas);
    key!(out, "status");
    string(out, status_name(*status));
    if let Some(revert) = revert {
        key!(out, "revert");
        string(out, revert);
    }
    key!(out, "method");
    string(out, method_name(*method));
    if let Some(value) = gas_used_upper {
        key!(out, "gas_used_upper");
        number(out, *value);
    }
    if let Some(value) = gas_limit_needed {
        key!(out, "gas_limit_needed");
        number(out, *value);
    }
    if let Some(value) = gas_limit {
        key!(out, "gas_limit");
        number(out, *value);
    }
    out.extend_from_slice(b"\n    }");
}

fn status_name(status: CallStatus) -> &'static str {
    match status {
        CallStatus::Success => "success",
        CallStatus::Revert => "revert",
    }
}

fn method_name(method: GasMethod) -> &'static str {
    match method {
        GasMethod::Execution => "execution",
        GasMethod::Trace => "trace",
        GasMethod::Estimate => "estimate",
    }
}

/// A JSON string as serde_json writes it: only `"`, `\` and control characters escaped.
fn string(out: &mut Vec<u8>, text: &str) {
    if needs_escape(text.as_bytes()) {
        // Rare (a revert reason with a quote): serde_json's own escaping.
        let _ = serde_json::to_writer(&mut *out, text);
        return;
    }
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// Whether any byte is a control character, `"` or `\`: eight bytes at a time (each test below
/// is exact as a whole: it is non-zero exactly when some byte of the word matches).
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below = |word: u64, limit: u64| word.wrapping_sub(ONES * limit) & !word & HIGHS;
    let zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        if below(word, 0x20) | zero(word ^ (ONES * u64::from(b'"'))) | zero(word ^ (ONES * u64::from(b'\\')))
            != 0
        {
            return true;
        }
    }
    chunks.remainder().iter().any(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\')
}

fn number(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// Pretty JSON whose innermost records (nesting level 5 and deeper: a function's statistics, an
/// attribution's line, frame and storage records) stay on one line each, so that a report with
/// attribution stays readable in a diff and about a third of the size fully indented would be.
#[derive(Debug, Default)]
struct ReportFormatter {
    depth: usize,
    has_value: bool,
}

impl ReportFormatter {
    /// Containers at this nesting level or deeper are written on one line.
    const INLINE_FROM: usize = 5;

    fn inline(&self) -> bool {
        self.depth >= Self::INLINE_FROM
    }

    fn open<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        let inline = self.inline();
        self.depth -= 1;
        if !inline && self.has_value {
            writer.write_all(b"\n")?;
            Self::indent(writer, self.depth)?;
        }
        writer.write_all(bracket)
    }

    fn item<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        match (self.inline(), first) {
            (true, true) => Ok(()),
            (true, false) => writer.write_all(b", "),
            (false, first) => {
                writer.write_all(if first { b"\n" } else { b",\n" })?;
                Self::indent(writer, self.depth)
            }
        }
    }

    /// Two spaces per level, from a constant rather than a fresh buffer: a report writes this
    /// for every field of every call.
    fn indent<W: ?Sized + std::io::Write>(writer: &mut W, depth: usize) -> std::io::Result<()> {
        const SPACES: &[u8] = b"                                ";
        let mut left = 2 * depth;
        while left > 0 {
            let now = left.min(SPACES.len());
            writer.write_all(&SPACES[..now])?;
            left -= now;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for ReportFormatter {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"[")
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"]")
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(writer, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _writer: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"}")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(writer, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _writer: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(index: usize) -> CallRecord {
        CallRecord {
            scenario: format!("scenario {index}").into(),
            step: index,
            iteration: 1 + index as u32,
            contract: "src/Token.sol:Token".into(),
            from: "0x0000000000000000000000000000000000000010".into(),
            to: "0x0000000000000000000000000000000000000011".into(),
            execution_gas: 29_000,
            ..CallRecord::example("transfer(address,uint256)", CallStatus::Success, 51_234 + index as u64)
        }
    }

    /// Every shape a record takes: each optional field present and absent, each status and
    /// method, strings that need escaping and strings beyond ASCII, numbers at their limits.
    fn varied_calls() -> Vec<CallRecord> {
        let mut calls = Vec::new();
        for (index, status) in [CallStatus::Success, CallStatus::Revert].into_iter().enumerate() {
            for (offset, method) in
                [GasMethod::Execution, GasMethod::Trace, GasMethod::Estimate].into_iter().enumerate()
            {
                let mut call = call(index * 3 + offset);
                call.status = status;
                call.method = method;
                calls.push(call);
            }
        }
        let mut reverted = call(10);
        reverted.status = CallStatus::Revert;
        reverted.revert = Some("Error(\"not \\ \"enough\"\n\tbalance\u{1}\u{7f}\") — ünïcode 🚀".into());
        calls.push(reverted);
        let mut plain_revert = call(11);
        plain_revert.revert = Some("no revert data".into());
        calls.push(plain_revert);
        let mut somnia = call(12);
        somnia.gas_used_upper = Some(u64::MAX);
        somnia.gas_limit_needed = Some(0);
        somnia.gas_limit = Some(16_777_216);
        calls.push(somnia);
        let mut upper_only = call(13);
        upper_only.gas_used_upper = Some(7);
        upper_only.step = usize::MAX;
        upper_only.iteration = u32::MAX;
        calls.push(upper_only);
        let mut odd = call(14);
        odd.scenario = "quotes \" and / slashes \\ and \u{0}gasguard calls".into();
        odd.function = "f() [label: \"x\"]".into();
        odd.gas_used = 0;
        calls.push(odd);
        calls
    }

    #[test]
    fn escaping_is_found_wherever_it_is() {
        let plain = "0x0000000000000000000000000000000000000010 transfer(address,uint256) ünï 🚀 ~\u{7f}";
        assert!(!needs_escape(plain.as_bytes()));
        for special in (0u8..0x20).chain([b'"', b'\\']) {
            for at in 0..plain.len() {
                let mut bytes = plain.as_bytes().to_vec();
                bytes[at] = special;
                assert!(needs_escape(&bytes), "byte {special:#x} at {at}");
            }
        }
        // Bytes just above the limits and every non-ASCII byte pass.
        let near: Vec<u8> = (0x20u8..=0xff).filter(|byte| *byte != b'"' && *byte != b'\\').collect();
        assert!(!needs_escape(&near));
    }

    fn written_equals_serde(report: &GasReport) {
        let fast = write(report);
        let slow = serde_bytes(report);
        assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&slow));
    }

    /// Calls formatted on several threads, in runs and rounds of runs, are the same bytes, for
    /// counts around the runs' edges.
    #[test]
    fn calls_formatted_on_threads_are_the_same_bytes() {
        let varied = varied_calls();
        for count in [0, 1, 4095, 4096, 4097, 8192, 8193, 3 * 4096 + 17] {
            let mut report = GasReport::new("gasguard run");
            report.calls = (0..count)
                .map(|index| {
                    let mut call = varied[index % varied.len()].clone();
                    call.step = index;
                    call
                })
                .collect();
            let slow = serde_bytes(&report);
            for jobs in [1, 2, 3, 8] {
                let mut fast = Vec::new();
                write_to_jobs(&report, &mut fast, jobs).unwrap();
                assert!(fast == slow, "{count} calls on {jobs} threads");
            }
        }
    }

    #[test]
    fn calls_are_written_as_serde_writes_them() {
        let mut report = GasReport::new("gasguard run");
        written_equals_serde(&report);
        report.calls = vec![call(0)];
        written_equals_serde(&report);
        report.calls = varied_calls();
        written_equals_serde(&report);
    }

    /// Real reports with every top-level field the fixtures have (evm, contracts, tests,
    /// sections, build, attribution, shard), with and without calls.
    #[test]
    fn whole_reports_are_written_as_serde_writes_them() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        for file in [
            "fixtures/import/gasguard/report.json",
            "fixtures/registry/report-a.json",
            "fixtures/readme/head.json",
            "fixtures/comment/demo-head.json",
            "fixtures/comment/mocks-head.json",
            "fixtures/github/gasguard-pr.json",
            "fixtures/demo/.gasguard/baseline.json",
        ] {
            let Ok(text) = std::fs::read_to_string(root.join(file)) else { continue };
            let Ok(mut report) = crate::import::parse_gasguard_report(&text, file) else { continue };
            written_equals_serde(&report);
            report.calls.extend(varied_calls());
            written_equals_serde(&report);
            report.shard = Some(ShardInfo {
                index: 2,
                count: 3,
                config: "0xc0".into(),
                build: "0xb1".into(),
                total_scenarios: 9,
                scenarios: [("scenario 1".to_owned(), 1)].into_iter().collect(),
                format: crate::core::report::SHARD_FORMAT,
                entry_sums: report
                    .attribution
                    .iter()
                    .map(|(id, attribution)| (id.clone(), Some(attribution.clone())))
                    .chain([("fn:a.sol:A.f()".to_owned(), None)])
                    .collect(),
                old_attributions: None,
            });
            written_equals_serde(&report);
            checked += 1;
        }
        assert!(checked >= 3, "only {checked} fixture reports parsed");
    }
}
