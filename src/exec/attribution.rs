//! The attribution inspector: while revm runs a transaction, it charges every unit of gas to a
//! cost kind, a call frame and a source line, and records the storage accesses, then hands back
//! a plain [`Attribution`] whose three parts each sum exactly to the receipt's `gas_used`.
//!
//! How the sums stay exact: an opcode's cost is read off the frame's gas counter between one
//! step and the next (or the frame's end), so whatever revm charged, it is counted once. Gas an
//! opcode forwards to a child frame comes back to the parent minus what the child consumed; the
//! child's consumption (its limit minus what it returns, all of it on an exceptional halt) is
//! taken off the parent's opcode and counted where the child spends it. The rest is what revm
//! does outside opcodes: the intrinsic cost, a deployment's code deposit, the refund and the
//! EIP-7623 floor, each added at the end from the transaction's result.
//!
//! Code is recognised by comparing it with the artifacts (library links and immutables masked),
//! then mapped pc → instruction → solc source map entry → `file:line`. The [`CodeIndex`] does
//! that once per distinct code; the inspector only indexes tables while stepping.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use alloy::primitives::{Address, U256};
use revm::bytecode::opcode;
use revm::context_interface::{ContextTr, JournalTr};
use revm::handler::FrameResult;
use revm::inspector::{Inspector, JournalExt};
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_types::{InputsTr, Jumps, LegacyBytecode};
use revm::interpreter::{
    CallInputs, CallOutcome, CreateInputs, CreateOutcome, FrameInput, GasTable, Host, InstructionResult,
    InstructionTable, Interpreter,
};

use crate::artifacts::{Artifact, ArtifactSet, LinkableCode};
use crate::core::attribution::{
    Attribution, GasKind, LINE_CODE_DEPOSIT, LINE_COMPILER, LINE_INTRINSIC, LINE_REFUND, LINE_UNKNOWN_CODE,
    LineGas, LineKey, StorageAccess, StorageOp, Text, ValueChange, Words,
};

/// Gas per byte of deployed code (EIP-170 era, unchanged through Osaka).
const CODE_DEPOSIT_PER_BYTE: u64 = 200;

/// Code as an artifact describes it, with the bytes the deployment fills in masked.
#[derive(Debug, Clone, Default)]
struct MaskedCode {
    bytes: Vec<u8>,
    /// `true` where any byte is accepted (library addresses, immutables).
    wildcard: Vec<bool>,
}

impl MaskedCode {
    fn new(code: &LinkableCode, extra: &[(usize, usize)]) -> Self {
        let mut hex = code.hex.clone();
        let mut ranges: Vec<(usize, usize)> =
            code.link_references.iter().map(|reference| (reference.start, reference.length)).collect();
        ranges.extend_from_slice(extra);
        for reference in &code.link_references {
            let end = ((reference.start + reference.length) * 2).min(hex.len());
            let start = (reference.start * 2).min(end);
            hex.replace_range(start..end, &"0".repeat(end - start));
        }
        let bytes = alloy::primitives::hex::decode(&hex).unwrap_or_default();
        let mut wildcard = vec![false; bytes.len()];
        for (start, length) in ranges {
            for flag in wildcard.iter_mut().skip(start).take(length) {
                *flag = true;
            }
        }
        Self { bytes, wildcard }
    }

    /// Whether `code` is this code (`prefix`: this code followed by anything, as init code is
    /// followed by constructor arguments).
    fn matches(&self, code: &[u8], prefix: bool) -> bool {
        if self.bytes.is_empty()
            || code.len() < self.bytes.len()
            || (!prefix && code.len() != self.bytes.len())
        {
            return false;
        }
        self.bytes.iter().zip(code).zip(&self.wildcard).all(|((want, got), any)| *any || want == got)
    }
}

/// One contract of the artifacts, ready to be recognised and named.
#[derive(Debug)]
struct KnownContract {
    name: Text,
    selectors: HashMap<[u8; 4], String>,
    has_fallback: bool,
    has_receive: bool,
    creation: MaskedCode,
    runtime: MaskedCode,
    creation_map: Option<String>,
    runtime_map: Option<String>,
}

/// What the inspector knows about one executed code: which contract, and each pc's line.
#[derive(Debug)]
pub struct CodeInfo {
    contract: Option<usize>,
    /// The contract's name, when known.
    contract_name: Option<Text>,
    /// Line table index of each pc; pcs past the end (an implicit STOP) map to entry 0, which
    /// is `<compiler>` (or `<unknown code>`).
    pc_line: Vec<u32>,
    lines: Vec<LineKey>,
    /// Each line's number in the inspector's [`LineIds`] (filled in an inspector's own copy).
    line_ids: Vec<u32>,
}

impl CodeInfo {
    /// The same description with strings of its own. Each inspector (one per thread) works on
    /// its own copy, so cloning a line or a name in one thread never touches a reference count
    /// another thread is counting on (shared counts made two threads slower than one).
    fn own_copy(&self) -> Self {
        let own = |text: &Text| Text::from(&**text);
        Self {
            contract: self.contract,
            contract_name: self.contract_name.as_ref().map(own),
            pc_line: self.pc_line.clone(),
            line_ids: Vec::new(),
            lines: self
                .lines
                .iter()
                .map(|line| LineKey {
                    file: line.file.as_ref().map(own),
                    line: line.line,
                    text: own(&line.text),
                })
                .collect(),
        }
    }

    fn line_of(&self, pc: usize) -> usize {
        self.pc_line.get(pc).map_or(0, |&index| index as usize)
    }
}

/// A source file: its unit name, and its text split into lines when it was found.
#[derive(Debug)]
struct SourceFile {
    name: Text,
    /// Byte offset of each line's start, and the text.
    text: Option<(Vec<usize>, String)>,
}

impl SourceFile {
    /// The 0-based line holding byte `offset` (0 when the text is unknown).
    fn line_index(&self, offset: usize) -> usize {
        match &self.text {
            Some((starts, _)) => starts.partition_point(|&start| start <= offset).saturating_sub(1),
            None => 0,
        }
    }

    fn line_key(&self, offset: usize) -> LineKey {
        match &self.text {
            Some((starts, text)) => {
                let index = self.line_index(offset);
                let end = starts.get(index + 1).copied().unwrap_or(text.len());
                let line = text.get(starts[index]..end).unwrap_or("").trim();
                LineKey { file: Some(self.name.clone()), line: Some(index as u32 + 1), text: line.into() }
            }
            None => LineKey { file: Some(self.name.clone()), line: None, text: "".into() },
        }
    }
}

/// Everything the inspector needs from the artifacts, built once per run.
#[derive(Debug, Default)]
pub struct CodeIndex {
    contracts: Vec<KnownContract>,
    sources: BTreeMap<u32, SourceFile>,
    /// Codes described so far, by a sampled fingerprint of their bytes, shared by every
    /// scenario and thread of the run: a hit is confirmed by comparing the bytes, so a code is
    /// described once however often it is deployed, and no code is hashed whole.
    described: std::sync::Mutex<HashMap<(u64, bool), Vec<SeenCode>>>,
    /// Tests only: code no artifact describes gets a line per pc (`pc 12`), so that two ways of
    /// attributing can be compared opcode by opcode.
    each_pc_a_line: bool,
}

impl CodeIndex {
    /// Indexes `artifacts`. Source texts the build does not keep are looked up under each of
    /// `source_roots` in turn (the config's folder and its parents), by source unit name.
    pub fn new(artifacts: &ArtifactSet, source_roots: &[PathBuf]) -> Self {
        let contracts = artifacts.contracts.values().map(known_contract).collect();
        let mut sources = BTreeMap::new();
        for (id, name) in &artifacts.sources.by_id {
            let text =
                artifacts.sources.content.get(name).cloned().or_else(|| read_source(name, source_roots)).map(
                    |text| {
                        let mut starts = vec![0];
                        starts.extend(
                            text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(at, _)| at + 1),
                        );
                        (starts, text)
                    },
                );
            sources.insert(*id, SourceFile { name: name.as_str().into(), text });
        }
        Self { contracts, sources, described: Default::default(), each_pc_a_line: false }
    }

    /// An index of no artifact in which unknown code gets a line per pc (tests only).
    #[cfg(test)]
    pub(crate) fn each_pc_a_line() -> Self {
        Self { each_pc_a_line: true, ..Self::default() }
    }

    /// The description of `bytecode`'s code (init code when `create`), described once.
    fn describe_cached(&self, bytecode: &revm::bytecode::Bytecode, create: bool) -> Arc<CodeInfo> {
        let code = bytecode.original_byte_slice();
        let mut described = self.described.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let same = described.entry((fingerprint(code), create)).or_default();
        if let Some((_, info)) = same.iter().find(|(known, _)| known.original_byte_slice() == code) {
            return info.clone();
        }
        let info = Arc::new(self.describe(code, create));
        same.push((bytecode.clone(), info.clone()));
        info
    }

    /// Recognises `code` (init code when `create`) and builds its line table.
    #[cold]
    #[inline(never)]
    fn describe(&self, code: &[u8], create: bool) -> CodeInfo {
        let found = self.contracts.iter().position(|contract| {
            if create { contract.creation.matches(code, true) } else { contract.runtime.matches(code, false) }
        });
        let Some(index) = found else {
            if self.each_pc_a_line {
                return CodeInfo {
                    contract: None,
                    contract_name: None,
                    pc_line: (0..code.len() as u32).collect(),
                    lines: (0..code.len()).map(|pc| LineKey::pseudo(&format!("pc {pc}"))).collect(),
                    line_ids: Vec::new(),
                };
            }
            return CodeInfo {
                contract: None,
                contract_name: None,
                pc_line: Vec::new(),
                lines: vec![LineKey::pseudo(LINE_UNKNOWN_CODE)],
                line_ids: Vec::new(),
            };
        };
        let contract = &self.contracts[index];
        let map = if create { &contract.creation_map } else { &contract.runtime_map };
        let (pc_line, lines) = self.line_table(code, map.as_deref());
        CodeInfo {
            contract: Some(index),
            contract_name: Some(contract.name.clone()),
            pc_line,
            lines,
            line_ids: Vec::new(),
        }
    }

    fn line_table(&self, code: &[u8], map: Option<&str>) -> (Vec<u32>, Vec<LineKey>) {
        let mut lines: Vec<LineKey> = Vec::new();
        let mut interned: HashMap<LineKey, u32> = HashMap::new();
        let mut intern = |key: LineKey| -> u32 {
            *interned.entry(key.clone()).or_insert_with(|| {
                lines.push(key);
                (lines.len() - 1) as u32
            })
        };
        let entries = map.map(parse_source_map).unwrap_or_default();
        let compiler = intern(LineKey::pseudo(LINE_COMPILER));
        let mut by_line: HashMap<(u32, usize), u32> = HashMap::new();
        let mut pc_line = vec![compiler; code.len()];
        // Runs of instructions share a file and a line: each looked up once per run.
        let mut file_seen: Option<(i64, Option<&SourceFile>)> = None;
        let mut line_seen: Option<((u32, usize), u32)> = None;
        let mut pc = 0;
        let mut instruction = 0;
        while pc < code.len() {
            let op = code[pc];
            let width = if (opcode::PUSH1..=opcode::PUSH32).contains(&op) {
                1 + usize::from(op - opcode::PUSH0)
            } else {
                1
            };
            let line = match entries.get(instruction) {
                Some(&(offset, file)) if file >= 0 => {
                    if file_seen.is_none_or(|(known, _)| known != file) {
                        file_seen = Some((file, self.sources.get(&(file as u32))));
                    }
                    match file_seen.and_then(|(_, source)| source) {
                        Some(source) => {
                            let key = (file as u32, source.line_index(offset));
                            if line_seen.is_none_or(|(known, _)| known != key) {
                                // Many instructions share a line: build its key once.
                                let line =
                                    *by_line.entry(key).or_insert_with(|| intern(source.line_key(offset)));
                                line_seen = Some((key, line));
                            }
                            line_seen.map_or(compiler, |(_, line)| line)
                        }
                        None => compiler,
                    }
                }
                _ => compiler,
            };
            for slot in pc_line.iter_mut().skip(pc).take(width) {
                *slot = line;
            }
            pc += width;
            instruction += 1;
        }
        (pc_line, lines)
    }

    /// The name of a call into `contract` with `input`: `Name.transfer(address,uint256)`.
    fn call_label(&self, contract: &KnownContract, input: &[u8]) -> String {
        let function = if input.len() >= 4 {
            let selector = [input[0], input[1], input[2], input[3]];
            match contract.selectors.get(&selector) {
                Some(signature) => signature.clone(),
                None if contract.has_fallback => "fallback()".to_owned(),
                None => format!("0x{}", alloy::primitives::hex::encode(selector)),
            }
        } else if input.is_empty() && contract.has_receive {
            "receive()".to_owned()
        } else {
            "fallback()".to_owned()
        };
        format!("{}.{function}", contract.name)
    }
}

fn known_contract(artifact: &Artifact) -> KnownContract {
    let selectors =
        artifact.abi.functions().map(|function| (function.selector().0, function.signature())).collect();
    KnownContract {
        name: artifact.name.as_str().into(),
        selectors,
        has_fallback: artifact.abi.fallback.is_some(),
        has_receive: artifact.abi.receive.is_some(),
        creation: MaskedCode::new(&artifact.bytecode, &[]),
        runtime: MaskedCode::new(&artifact.debug.deployed_bytecode, &artifact.debug.immutable_ranges),
        creation_map: artifact.debug.source_map.clone(),
        runtime_map: artifact.debug.deployed_source_map.clone(),
    }
}

fn read_source(name: &str, roots: &[PathBuf]) -> Option<String> {
    let relative = Path::new(name);
    if relative.is_absolute()
        || relative.components().any(|part| matches!(part, std::path::Component::ParentDir))
    {
        return None;
    }
    roots.iter().find_map(|root| std::fs::read_to_string(root.join(relative)).ok())
}

/// The `(offset, file)` of each instruction of a compressed solc source map (`s:l:f:j:m;…`,
/// empty fields repeating the previous entry's). Read byte by byte: a map has an entry per
/// instruction, and this runs once per code a run sees.
fn parse_source_map(map: &str) -> Vec<(usize, i64)> {
    let mut entries = Vec::with_capacity(map.len() / 4);
    let (mut offset, mut file) = (0usize, -1i64);
    for item in map.as_bytes().split(|byte| *byte == b';') {
        let mut fields = item.split(|byte| *byte == b':');
        if let Some(number) = fields.next().and_then(parse_number) {
            offset = usize::try_from(number).unwrap_or(offset);
        }
        let _length = fields.next();
        if let Some(number) = fields.next().and_then(parse_number) {
            file = number;
        }
        entries.push((offset, file));
    }
    entries
}

/// A source map field: a decimal number, `-1` for none; `None` when empty or malformed (the
/// previous entry's value then stands).
fn parse_number(field: &[u8]) -> Option<i64> {
    let (negative, digits) = match field.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, field),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits.iter().fold(0i64, |value, digit| value * 10 + i64::from(digit - b'0'));
    Some(if negative { -value } else { value })
}

/// The precompile at `address`, by name.
fn precompile_name(address: &Address) -> Option<&'static str> {
    let bytes = address.as_slice();
    if bytes[..18].iter().any(|&b| b != 0) {
        return None;
    }
    Some(match u16::from_be_bytes([bytes[18], bytes[19]]) {
        0x01 => "ecrecover",
        0x02 => "sha256",
        0x03 => "ripemd160",
        0x04 => "identity",
        0x05 => "modexp",
        0x06 => "ecadd",
        0x07 => "ecmul",
        0x08 => "ecpairing",
        0x09 => "blake2f",
        0x0a => "point_evaluation",
        0x0b..=0x11 => "bls12_381",
        0x100 => "p256verify",
        _ => return None,
    })
}

/// What names a frame whose code is known: the parent's path (by address), the code (by
/// address), whether it creates, the call data's first bytes and their length, and whether the
/// call data is empty.
type FrameKey = (usize, usize, bool, [u8; 4], usize, bool);

/// A code seen in this run, kept alive, and its description.
type SeenCode = (revm::bytecode::Bytecode, Arc<CodeInfo>);

/// An opcode whose cost is known only at the next step (or at the frame's end).
#[derive(Debug, Clone, Copy)]
struct Pending {
    pc: usize,
    op: u8,
    remaining: u64,
    memory: u64,
    /// Words a *COPY opcode copies.
    copy_words: u64,
}

/// One call or create frame on the stack.
#[derive(Debug)]
struct Frame {
    /// Its stack path (`Router.bump(uint256);Counter.increment()`), once named.
    path: Option<Text>,
    is_create: bool,
    /// The account whose storage the frame uses, and the code's account.
    target: Address,
    code_address: Address,
    /// First bytes of the call data, for naming.
    input_head: Vec<u8>,
    input_empty: bool,
    code: Option<Arc<CodeInfo>>,
    pending: Option<Pending>,
    /// When `pending` is an SLOAD or SSTORE: the slot, the new value, and the value before when
    /// the slot was already loaded. Kept apart so the common step stays small.
    pending_slot: Option<(U256, U256, Option<U256>)>,
    /// Gas consumed by child frames since `pending` started, and in all.
    children: u64,
    children_total: u64,
    self_gas: i64,
    /// The last opcode's pc, where what no opcode explains is charged (an opcode of the fast
    /// loop that halted: see [`AttributionInspector::run`]).
    last_pc: usize,
    /// Where this frame's line gas goes: an index into the transaction's `code_lines`.
    line_slot: usize,
}

/// Every line an inspector has charged, numbered, with each number's rank in the order of
/// [`LineKey`] (file, line, text): a transaction's lines are merged and sorted by number and
/// rank, without comparing a string, and the rank table is rebuilt only when a new code brings
/// new lines.
#[derive(Debug)]
struct LineIds {
    keys: Vec<LineKey>,
    numbers: HashMap<LineKey, u32>,
    rank: Vec<u32>,
    intrinsic: u32,
    refund: u32,
    code_deposit: u32,
    unknown_code: u32,
}

impl LineIds {
    fn new() -> Self {
        let mut ids = Self {
            keys: Vec::new(),
            numbers: HashMap::new(),
            rank: Vec::new(),
            intrinsic: 0,
            refund: 0,
            code_deposit: 0,
            unknown_code: 0,
        };
        ids.intrinsic = ids.number(&LineKey::pseudo(LINE_INTRINSIC));
        ids.refund = ids.number(&LineKey::pseudo(LINE_REFUND));
        ids.code_deposit = ids.number(&LineKey::pseudo(LINE_CODE_DEPOSIT));
        ids.unknown_code = ids.number(&LineKey::pseudo(LINE_UNKNOWN_CODE));
        ids.rerank();
        ids
    }

    fn number(&mut self, key: &LineKey) -> u32 {
        if let Some(&number) = self.numbers.get(key) {
            return number;
        }
        let number = self.keys.len() as u32;
        self.keys.push(key.clone());
        self.numbers.insert(key.clone(), number);
        number
    }

    /// Numbers `code`'s lines (a code seen for the first time by this inspector).
    fn number_code(&mut self, code: &mut CodeInfo) {
        let known = self.keys.len();
        code.line_ids = code.lines.iter().map(|key| self.number(key)).collect();
        if self.keys.len() != known {
            self.rerank();
        }
    }

    fn rerank(&mut self) {
        let mut order: Vec<u32> = (0..self.keys.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.keys[*a as usize].cmp(&self.keys[*b as usize]));
        self.rank = vec![0; order.len()];
        for (rank, number) in order.into_iter().enumerate() {
            self.rank[number as usize] = rank as u32;
        }
    }
}

/// The attribution of a transaction being built.
#[derive(Debug, Default)]
struct TxState {
    kinds: [i64; 13],
    frames: Vec<(Text, i64)>,
    /// Gas charged to lines outside the codes' tables (pseudo-lines, a precompile's caller), by
    /// [`LineIds`] number.
    lines: Vec<(u32, i64)>,
    /// Gas per line-table entry of each code that ran, so stepping never touches a string.
    code_lines: Vec<(Arc<CodeInfo>, Vec<i64>)>,
    storage: Vec<StorageAccess>,
    /// Gas the outermost frame consumed.
    root_total: Option<u64>,
    /// Set when something could not be attributed; the transaction then has no attribution.
    broken: Option<String>,
}

/// The inspector. One per run; [`AttributionInspector::begin`] before each transaction and
/// [`AttributionInspector::finish`] after it.
#[derive(Debug)]
pub struct AttributionInspector {
    index: Arc<CodeIndex>,
    /// Berlin or later: cold and warm storage access costs (EIP-2929).
    berlin: bool,
    /// Gas per deployed byte: Ethereum's, or the schedule's.
    code_deposit_per_byte: u64,
    /// Codes this inspector ran, by where revm keeps their bytes (the usual lookup: no lock, no
    /// comparison). Each entry holds a clone of the bytecode, so its bytes live (and cannot be
    /// reused for other code) as long as the entry does.
    by_pointer: HashMap<(usize, usize, bool), SeenCode, Words>,
    /// This inspector's own copy of each shared description, by the shared one's address (the
    /// index keeps those alive for the run).
    own_codes: HashMap<usize, Arc<CodeInfo>, Words>,
    /// Storage slots as the report writes them, formatted once.
    slot_names: HashMap<U256, Text, Words>,
    line_ids: LineIds,
    /// Frame paths named so far, by parent path, code, kind and selector (see `name_frame`).
    names: HashMap<FrameKey, (Option<Text>, Text), Words>,
    /// Line-gas tables of finished transactions, zeroed, for the next ones.
    spare_lines: Vec<Vec<i64>>,
    /// EIP-55 spellings of the addresses named so far (each costs a keccak).
    checksums: HashMap<Address, Text, Words>,
    /// The fast loop's [`price_table`] for the chain's gas table (everything general until
    /// [`AttributionInspector::price_opcodes`] is told it).
    prices: [u32; 256],
    stack: Vec<Frame>,
    tx: TxState,
}

/// What the end of a transaction adds: its intrinsic cost and how revm settled the gas.
#[derive(Debug, Clone, Copy)]
pub struct TxSettlement {
    /// Intrinsic gas, the deployment part (`create_part`) included.
    pub intrinsic: u64,
    /// The part of `intrinsic` that a deployment costs over a call with the same data.
    pub create_part: u64,
    /// Gas spent before the refund (intrinsic included).
    pub spent: u64,
    /// The refund applied (already capped).
    pub refunded: u64,
    /// The EIP-7623 floor, 0 when not applicable.
    pub floor: u64,
    /// The receipt's gas.
    pub gas_used: u64,
}

impl AttributionInspector {
    pub fn new(index: Arc<CodeIndex>, berlin: bool) -> Self {
        Self {
            index,
            berlin,
            code_deposit_per_byte: CODE_DEPOSIT_PER_BYTE,
            by_pointer: HashMap::default(),
            own_codes: HashMap::default(),
            slot_names: HashMap::default(),
            line_ids: LineIds::new(),
            names: HashMap::default(),
            spare_lines: Vec::new(),
            checksums: HashMap::default(),
            prices: [GENERAL; 256],
            stack: Vec::new(),
            tx: TxState::default(),
        }
    }

    /// Sets the schedule's prices the attribution relies on: whether accesses can be cold
    /// (EIP-2929) and the code deposit per byte.
    pub fn set_prices(&mut self, berlin: bool, code_deposit_per_byte: u64) {
        self.berlin = berlin;
        self.code_deposit_per_byte = code_deposit_per_byte;
    }

    /// Prices the fast loop's static opcodes from the gas table the chain runs with (Ethereum's,
    /// or Somnia's).
    pub fn price_opcodes(&mut self, gas_table: &GasTable) {
        self.prices = price_table(gas_table);
    }

    /// Whether the fast loop prices static opcodes (tests only: without a gas table it still
    /// attributes exactly, through the general bookkeeping alone).
    #[cfg(test)]
    pub(crate) fn prices_static_opcodes(&self) -> bool {
        self.prices.iter().any(|price| *price < MEASURED)
    }

    /// Starts a new transaction.
    pub fn begin(&mut self) {
        self.stack.clear();
        self.tx = TxState::default();
    }

    /// Ends the transaction: adds what revm charged outside opcodes and checks that every part
    /// adds up to `gas_used`. An error says what did not add up; the caller keeps the gas and
    /// drops the attribution.
    pub fn finish(&mut self, settlement: TxSettlement) -> Result<Attribution, String> {
        let mut tx = std::mem::take(&mut self.tx);
        if let Some(reason) = tx.broken.take() {
            return Err(reason);
        }
        let root_total = tx.root_total.ok_or("no frame ran")?;
        let TxSettlement { intrinsic, create_part, spent, refunded, floor, gas_used } = settlement;
        if intrinsic + root_total != spent {
            return Err(format!(
                "intrinsic {intrinsic} + execution {root_total} is not the {spent} gas revm spent"
            ));
        }
        let after_refund = spent.saturating_sub(refunded);
        // EIP-7623: when the floor is higher, the transaction pays the floor; what it adds is
        // charged to the data, like the intrinsic cost.
        let floor_extra = floor.saturating_sub(after_refund);
        let as_i64 = |gas: u64| i64::try_from(gas).unwrap_or(i64::MAX);
        let intrinsic_total = as_i64(intrinsic - create_part + floor_extra);
        tx.kinds[GasKind::Intrinsic.index()] += intrinsic_total;
        tx.kinds[GasKind::Create.index()] += as_i64(create_part);
        tx.kinds[GasKind::Refund.index()] -= as_i64(refunded);
        let outside = as_i64(intrinsic + floor_extra) - as_i64(refunded);
        match tx.frames.first_mut() {
            // The outermost frame is pushed first and named first.
            Some(root) => root.1 += outside,
            None => return Err("no frame ran".into()),
        }
        tx.lines.push((self.line_ids.intrinsic, as_i64(intrinsic + floor_extra)));
        tx.lines.push((self.line_ids.refund, -as_i64(refunded)));
        let kinds = GasKind::ALL.into_iter().zip(tx.kinds);
        let lines = self.merged_lines(&mut tx.code_lines, tx.lines);
        self.spare_lines.extend(tx.code_lines.into_iter().map(|(_, gas)| gas));
        let attribution = Attribution::from_merged_lines(1, kinds, tx.frames, lines, tx.storage);
        attribution.check(i128::from(gas_used)).map_err(|error| error.to_string())?;
        Ok(attribution)
    }

    /// A transaction's lines, each once, in [`LineKey`] order: sorted by rank, merged by number.
    /// The codes' line tables are left zeroed, for the next transaction.
    fn merged_lines(
        &self,
        code_lines: &mut [(Arc<CodeInfo>, Vec<i64>)],
        extra: Vec<(u32, i64)>,
    ) -> Vec<LineGas> {
        let ids = &self.line_ids;
        let mut charged: Vec<(u32, u32, i64)> = extra
            .into_iter()
            .filter(|(_, gas)| *gas != 0)
            .map(|(number, gas)| (ids.rank[number as usize], number, gas))
            .collect();
        for (code, gas) in code_lines {
            for (index, gas) in gas.iter_mut().enumerate() {
                if *gas != 0 {
                    let number = code.line_ids[index];
                    charged.push((ids.rank[number as usize], number, std::mem::take(gas)));
                }
            }
        }
        charged.sort_unstable_by_key(|(rank, _, _)| *rank);
        let mut lines: Vec<LineGas> = Vec::with_capacity(charged.len());
        let mut last = None;
        for (_, number, gas) in charged {
            match lines.last_mut() {
                Some(line) if last == Some(number) => line.gas += gas,
                _ => {
                    let key = &ids.keys[number as usize];
                    lines.push(LineGas {
                        file: key.file.clone(),
                        line: key.line,
                        text: key.text.clone(),
                        gas,
                    });
                }
            }
            last = Some(number);
        }
        lines
    }

    /// The description of the code `interp` runs, from the caches when the code was seen.
    #[cold]
    #[inline(never)]
    fn code_info(&mut self, interp: &Interpreter<EthInterpreter>, create: bool) -> Arc<CodeInfo> {
        let code = interp.bytecode.bytecode_slice();
        let key = (code.as_ptr() as usize, code.len(), create);
        if let Some((_, known)) = self.by_pointer.get(&key) {
            return known.clone();
        }
        let bytecode: &revm::bytecode::Bytecode = &interp.bytecode;
        let shared = self.index.describe_cached(bytecode, create);
        let line_ids = &mut self.line_ids;
        let info = self
            .own_codes
            .entry(Arc::as_ptr(&shared) as usize)
            .or_insert_with(|| {
                let mut own = shared.own_copy();
                line_ids.number_code(&mut own);
                Arc::new(own)
            })
            .clone();
        self.by_pointer.insert(key, (bytecode.clone(), info.clone()));
        info
    }

    /// A frame's first step: its code, the line table it charges, its name.
    #[cold]
    #[inline(never)]
    fn enter_code(&mut self, interp: &Interpreter<EthInterpreter>) {
        let is_create = self.stack.last().is_some_and(|frame| frame.is_create);
        let code = self.code_info(interp, is_create);
        let slot = match self.tx.code_lines.iter().position(|(known, _)| Arc::ptr_eq(known, &code)) {
            Some(slot) => slot,
            None => {
                let mut gas = self.spare_lines.pop().unwrap_or_default();
                gas.resize(code.lines.len(), 0);
                self.tx.code_lines.push((code.clone(), gas));
                self.tx.code_lines.len() - 1
            }
        };
        if let Some(mut frame) = self.stack.pop() {
            frame.code = Some(code);
            frame.line_slot = slot;
            frame.target = interp.input.target_address();
            frame.path = Some(self.name_frame(&frame));
            self.stack.push(frame);
        }
    }

    fn push(&mut self, frame: Frame) {
        self.stack.push(frame);
    }

    /// Names a frame once its code is known (first step), or at its end (no code ran). A frame
    /// whose contract is known is named once per parent, code and selector, then found by those.
    fn name_frame(&mut self, frame: &Frame) -> Text {
        let parent = self.stack.last().and_then(|parent| parent.path.clone());
        // Unknown code is named by its address: not cached.
        let Some(code) = frame.code.as_ref().filter(|code| code.contract.is_some()) else {
            return Self::join(parent.as_ref(), &self.label(frame));
        };
        let head_length = frame.input_head.len();
        let mut head = [0; 4];
        head[..head_length].copy_from_slice(&frame.input_head);
        let key = (
            parent.as_ref().map_or(0, |parent| parent.as_ptr() as usize),
            Arc::as_ptr(code) as usize,
            frame.is_create,
            head,
            head_length,
            frame.input_empty,
        );
        if let Some((_, name)) = self.names.get(&key) {
            return name.clone();
        }
        let name = Self::join(parent.as_ref(), &self.label(frame));
        // The entry keeps the parent's path alive, so its address names it alone.
        self.names.insert(key, (parent, name.clone()));
        name
    }

    fn join(parent: Option<&Text>, label: &str) -> Text {
        match parent {
            Some(parent) => format!("{parent};{label}").into(),
            None => label.into(),
        }
    }

    /// A frame's own name: `Counter.increment()`, `new Child`, `<precompile sha256>`, an address.
    fn label(&mut self, frame: &Frame) -> String {
        match (&frame.code, frame.is_create) {
            (Some(code), true) => match code.contract {
                Some(index) => format!("new {}", self.index.contracts[index].name),
                None => "new <unknown>".to_owned(),
            },
            (Some(code), false) => match code.contract {
                Some(index) => {
                    let contract = &self.index.contracts[index];
                    if frame.input_empty && !contract.has_receive && !contract.has_fallback {
                        format!("{}.<empty call>", contract.name)
                    } else {
                        self.index.call_label(contract, &frame.input_head)
                    }
                }
                None => self.unknown_call_label(frame),
            },
            (None, true) => "new <unknown>".to_owned(),
            (None, false) => match precompile_name(&frame.code_address) {
                Some(name) => format!("<precompile {name}>"),
                None => self.unknown_call_label(frame),
            },
        }
    }

    /// A frame of code no artifact describes: its address, and its selector when it has one.
    fn unknown_call_label(&mut self, frame: &Frame) -> String {
        let address = self
            .checksums
            .entry(frame.code_address)
            .or_insert_with(|| frame.code_address.to_checksum(None).into());
        if frame.input_head.len() == 4 {
            format!("{address}.0x{}", alloy::primitives::hex::encode(&frame.input_head))
        } else {
            address.to_string()
        }
    }

    /// Charges the cost of `pending` (read as the gas counter's drop down to `remaining`)
    /// to its kind, the frame and its line.
    #[inline(never)]
    fn settle<CTX>(&mut self, context: &CTX, pending: Pending, remaining: u64, memory: u64)
    where
        CTX: ContextTr<Journal: JournalExt>,
    {
        let Some(frame) = self.stack.last_mut() else { return };
        let cost = i128::from(pending.remaining) - i128::from(remaining) - i128::from(frame.children);
        frame.children = 0;
        let cost = i64::try_from(cost).unwrap_or(0);
        let memory_cost = i64::try_from(memory.saturating_sub(pending.memory)).unwrap_or(0).min(cost.max(0));
        let rest = cost - memory_cost;
        let kinds = &mut self.tx.kinds;
        kinds[GasKind::Memory.index()] += memory_cost;
        let copy = |base_kind: GasKind, kinds: &mut [i64; 13]| {
            let words = i64::try_from(pending.copy_words.saturating_mul(3)).unwrap_or(i64::MAX);
            let copy = words.min(rest.max(0));
            kinds[GasKind::Copy.index()] += copy;
            kinds[base_kind.index()] += rest - copy;
        };
        match pending.op {
            opcode::SLOAD | opcode::SSTORE => kinds[GasKind::Storage.index()] += rest,
            opcode::TLOAD | opcode::TSTORE => kinds[GasKind::Transient.index()] += rest,
            opcode::BALANCE
            | opcode::EXTCODESIZE
            | opcode::EXTCODEHASH
            | opcode::SELFDESTRUCT
            | opcode::CALL
            | opcode::CALLCODE
            | opcode::DELEGATECALL
            | opcode::STATICCALL => kinds[GasKind::Account.index()] += rest,
            opcode::EXTCODECOPY => copy(GasKind::Account, kinds),
            opcode::CALLDATACOPY | opcode::CODECOPY | opcode::RETURNDATACOPY | opcode::MCOPY => {
                copy(GasKind::Compute, kinds)
            }
            opcode::CREATE | opcode::CREATE2 => kinds[GasKind::Create.index()] += rest,
            opcode::LOG0..=opcode::LOG4 => kinds[GasKind::Log.index()] += rest,
            opcode::KECCAK256 => kinds[GasKind::Hashing.index()] += rest,
            _ => kinds[GasKind::Compute.index()] += rest,
        }
        frame.self_gas += cost;
        if let Some(code) = &frame.code {
            let line = code.line_of(pending.pc);
            self.tx.code_lines[frame.line_slot].1[line] += cost;
        }
        if let Some((slot, new_value, before)) = frame.pending_slot.take() {
            let contract = frame_contract(frame);
            let present = context
                .journal_ref()
                .evm_state()
                .get(&frame.target)
                .and_then(|account| account.storage.get(&slot))
                .map(|stored| stored.original_value);
            let (op, cold, change) = if pending.op == opcode::SSTORE {
                let before = before.or(present).unwrap_or_default();
                let change =
                    ValueChange::classify(!before.is_zero(), !new_value.is_zero(), before == new_value);
                // EIP-2929 prices: a cold write pays 2,100 on top of 100 / 2,900 / 20,000.
                let cold = self.berlin && matches!(rest, 2_200 | 5_000 | 22_100);
                (StorageOp::Write, cold, Some(change))
            } else {
                (StorageOp::Read, self.berlin && rest >= 2_100, None)
            };
            self.tx.storage.push(StorageAccess {
                contract,
                slot: self.slot_names.entry(slot).or_insert_with(|| format!("{slot:#x}").into()).clone(),
                op,
                cold,
                change,
                count: 1,
                gas: rest,
            });
        }
    }

    /// Pops the ending frame: settles its last opcode and the code deposit, and hands its
    /// consumption to the parent.
    fn end_frame<CTX>(
        &mut self,
        context: &CTX,
        gas: &revm::interpreter::Gas,
        ok_or_revert: bool,
        deposit: u64,
    ) where
        CTX: ContextTr<Journal: JournalExt>,
    {
        // What the parent gets back: nothing after an exceptional halt.
        let returned = if ok_or_revert { gas.remaining() } else { 0 };
        let total = gas.limit().saturating_sub(returned);
        let pending = self.stack.last_mut().and_then(|frame| frame.pending.take());
        if let Some(pending) = pending {
            self.settle(context, pending, returned + deposit, gas.memory().expansion_cost);
        }
        let Some(mut frame) = self.stack.pop() else { return };
        let deposit = i64::try_from(deposit).unwrap_or(0);
        match &frame.code {
            Some(code) => {
                // What no opcode's charge explains: an opcode of the fast loop that halted (it
                // was charged its static price, and the frame lost whatever was left), or gas
                // charged before the first opcode (nothing in today's revm). Charged to the
                // last opcode, so that every part still adds up to the frame's consumption.
                let own = i128::from(total) - i128::from(frame.children_total) - i128::from(deposit);
                let unexplained = i64::try_from(own - i128::from(frame.self_gas)).unwrap_or(0);
                if unexplained != 0 {
                    self.tx.kinds[GasKind::Compute.index()] += unexplained;
                    frame.self_gas += unexplained;
                    self.tx.code_lines[frame.line_slot].1[code.line_of(frame.last_pc)] += unexplained;
                }
            }
            None => {
                // No opcode ran: a precompile, an account without code, or a call that failed
                // before starting. What it consumed is charged at the caller's line.
                frame.path = Some(self.name_frame(&frame));
                let consumed = i64::try_from(total).unwrap_or(0);
                frame.self_gas += consumed;
                if consumed != 0 {
                    self.tx.kinds[GasKind::Precompile.index()] += consumed;
                    let line = self
                        .stack
                        .last()
                        .and_then(|parent| {
                            let code = parent.code.as_ref()?;
                            code.line_ids.get(code.line_of(parent.pending?.pc)).copied()
                        })
                        .unwrap_or(self.line_ids.unknown_code);
                    self.tx.lines.push((line, consumed));
                }
            }
        }
        // Charged last, apart from the opcodes' gas the residual above checks.
        self.tx.kinds[GasKind::CodeDeposit.index()] += deposit;
        frame.self_gas += deposit;
        if deposit != 0 {
            self.tx.lines.push((self.line_ids.code_deposit, deposit));
        }
        let path = frame.path.take().unwrap_or_else(|| Text::from(""));
        self.tx.frames.push((path, frame.self_gas));
        match self.stack.last_mut() {
            Some(parent) => {
                parent.children += total;
                parent.children_total += total;
            }
            None => {
                // The outermost frame is the first pushed: keep it first in `frames`.
                let root = self.tx.frames.pop();
                if let Some(root) = root {
                    self.tx.frames.insert(0, root);
                }
                self.tx.root_total = Some(total);
            }
        }
    }

    fn new_frame(&self, is_create: bool, target: Address, code_address: Address, input: &[u8]) -> Frame {
        Frame {
            path: None,
            is_create,
            target,
            code_address,
            input_head: input.iter().take(4).copied().collect(),
            input_empty: input.is_empty(),
            code: None,
            pending: None,
            pending_slot: None,
            children: 0,
            children_total: 0,
            self_gas: 0,
            last_pc: 0,
            line_slot: 0,
        }
    }
}

/// A cheap fingerprint of a code: its length and 64 bytes sampled across it. Equal codes have
/// equal fingerprints; different codes rarely do, and are told apart by comparing bytes.
fn fingerprint(code: &[u8]) -> u64 {
    let mut hash = code.len() as u64;
    if !code.is_empty() {
        for index in 0..64 {
            let byte = code[index * (code.len() - 1) / 63];
            hash = (hash.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// Whether `op`'s whole cost is `compute` (no storage, account, copy, create, log or hashing
/// part, no child frame): what [`AttributionInspector::settle`]'s last arm charges.
fn is_plain(op: u8) -> bool {
    !matches!(
        op,
        opcode::SLOAD
            | opcode::SSTORE
            | opcode::TLOAD
            | opcode::TSTORE
            | opcode::BALANCE
            | opcode::EXTCODESIZE
            | opcode::EXTCODEHASH
            | opcode::EXTCODECOPY
            | opcode::SELFDESTRUCT
            | opcode::CALL
            | opcode::CALLCODE
            | opcode::DELEGATECALL
            | opcode::STATICCALL
            | opcode::CALLDATACOPY
            | opcode::CODECOPY
            | opcode::RETURNDATACOPY
            | opcode::MCOPY
            | opcode::CREATE
            | opcode::CREATE2
            | opcode::LOG0..=opcode::LOG4 | opcode::KECCAK256
    )
}

fn frame_contract(frame: &Frame) -> Text {
    match frame.code.as_ref().and_then(|code| code.contract_name.clone()) {
        Some(name) => name,
        None => frame.target.to_checksum(None).into(),
    }
}

impl<CTX> Inspector<CTX, EthInterpreter> for AttributionInspector
where
    CTX: ContextTr<Journal: JournalExt>,
{
    #[inline]
    fn step(&mut self, interp: &mut Interpreter<EthInterpreter>, context: &mut CTX) {
        let remaining = interp.gas.remaining();
        let memory = interp.gas.memory().expansion_cost;
        let Some(frame) = self.stack.last_mut() else { return };
        if frame.code.is_none() {
            // The frame's first step (nothing pending yet): find its code.
            self.enter_code(interp);
        }
        let Some(frame) = self.stack.last_mut() else { return };
        if let Some(pending) = frame.pending.take() {
            if frame.children == 0 && memory == pending.memory && is_plain(pending.op) {
                // The common step: an opcode that only computes, charged without the general
                // bookkeeping (same result as `settle`).
                let cost = i64::try_from(pending.remaining.wrapping_sub(remaining)).unwrap_or(0);
                self.tx.kinds[GasKind::Compute.index()] += cost;
                frame.self_gas += cost;
                if let Some(code) = &frame.code {
                    self.tx.code_lines[frame.line_slot].1[code.line_of(pending.pc)] += cost;
                }
            } else {
                self.settle(context, pending, remaining, memory);
            }
        }
        let op = interp.bytecode.opcode();
        let peek = |n: usize| interp.stack.peek(n).unwrap_or_default();
        let words = |size: U256| u64::try_from(size).unwrap_or(u64::MAX).div_ceil(32);
        let copy_words = match op {
            opcode::CALLDATACOPY | opcode::CODECOPY | opcode::RETURNDATACOPY | opcode::MCOPY => {
                words(peek(2))
            }
            opcode::EXTCODECOPY => words(peek(3)),
            _ => 0,
        };
        let Some(frame) = self.stack.last_mut() else { return };
        // Only storage opcodes set it, and `settle` (where they always go) takes it back, so
        // other steps need not touch it.
        match op {
            opcode::SLOAD => frame.pending_slot = Some((peek(0), U256::ZERO, None)),
            opcode::SSTORE => {
                let slot = peek(0);
                let before = context
                    .journal_ref()
                    .evm_state()
                    .get(&frame.target)
                    .and_then(|account| account.storage.get(&slot))
                    .map(|stored| stored.present_value);
                frame.pending_slot = Some((slot, peek(1), before));
            }
            _ => {}
        }
        frame.pending = Some(Pending { pc: interp.bytecode.pc(), op, remaining, memory, copy_words });
    }

    fn call(&mut self, context: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        self.call_start(context, inputs);
        None
    }

    fn call_end(&mut self, context: &mut CTX, _inputs: &CallInputs, outcome: &mut CallOutcome) {
        self.call_ended(context, outcome);
    }

    fn create(&mut self, _context: &mut CTX, _inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        self.create_start();
        None
    }

    fn create_end(&mut self, context: &mut CTX, _inputs: &CreateInputs, outcome: &mut CreateOutcome) {
        self.create_ended(context, outcome);
    }
}

/// How [`AttributionInspector::run`] charges an opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pricing {
    /// All revm charges for it is the gas table's static price, and all of it is `compute`:
    /// charged to its line without reading the gas counter.
    Static,
    /// Its cost is read off the gas counter around it: `memory` (expansion) and `compute`,
    /// never a child frame, storage or copy.
    Measured,
    /// The general bookkeeping: storage, accounts, calls, creations, copies, logs, hashing,
    /// returns, and anything unlisted.
    General,
}

/// Each opcode's [`Pricing`]. `Static` lists the opcodes whose implementation in revm 43
/// charges nothing beyond the gas table's price. A wrong entry could not break a sum (the
/// frame's end charges what no opcode explains to the last opcode) but would misplace gas
/// between lines, so `exec::revm`'s tests compare this loop with the inspector's, which reads
/// every opcode's cost off the gas counter, on every opcode family.
static PRICING: [Pricing; 256] = pricing_table();

const fn pricing_table() -> [Pricing; 256] {
    use opcode::*;
    let mut table = [Pricing::General; 256];
    let statics = [
        STOP,
        ADD,
        MUL,
        SUB,
        DIV,
        SDIV,
        MOD,
        SMOD,
        ADDMOD,
        MULMOD,
        SIGNEXTEND,
        LT,
        GT,
        SLT,
        SGT,
        EQ,
        ISZERO,
        AND,
        OR,
        XOR,
        NOT,
        BYTE,
        SHL,
        SHR,
        SAR,
        CLZ,
        ADDRESS,
        ORIGIN,
        CALLER,
        CALLVALUE,
        CALLDATALOAD,
        CALLDATASIZE,
        CODESIZE,
        GASPRICE,
        RETURNDATASIZE,
        BLOCKHASH,
        COINBASE,
        TIMESTAMP,
        NUMBER,
        DIFFICULTY,
        GASLIMIT,
        CHAINID,
        SELFBALANCE,
        BASEFEE,
        BLOBHASH,
        BLOBBASEFEE,
        POP,
        JUMP,
        JUMPI,
        PC,
        MSIZE,
        GAS,
        JUMPDEST,
    ];
    let mut index = 0;
    while index < statics.len() {
        table[statics[index] as usize] = Pricing::Static;
        index += 1;
    }
    // PUSH0..PUSH32, DUP1..DUP16 and SWAP1..SWAP16 are contiguous.
    let mut op = PUSH0 as usize;
    while op <= SWAP16 as usize {
        table[op] = Pricing::Static;
        op += 1;
    }
    table[MLOAD as usize] = Pricing::Measured;
    table[MSTORE as usize] = Pricing::Measured;
    table[MSTORE8 as usize] = Pricing::Measured;
    table[EXP as usize] = Pricing::Measured;
    table
}

/// In [`price_table`]: read the cost off the gas counter, or use the general bookkeeping.
const MEASURED: u32 = u32::MAX - 1;
const GENERAL: u32 = u32::MAX;

/// Each opcode's static price from `gas_table` when it is [`Pricing::Static`], else
/// [`MEASURED`] or [`GENERAL`]: one load per opcode in the fast loop.
fn price_table(gas_table: &GasTable) -> [u32; 256] {
    std::array::from_fn(|op| match PRICING[op] {
        Pricing::Static => u32::from(gas_table[op]),
        Pricing::Measured => MEASURED,
        Pricing::General => GENERAL,
    })
}

/// The fast loop, for a handler that runs the attribution without revm's inspector.
impl AttributionInspector {
    /// Runs `interp` until its frame ends or calls out (what revm's plain loop does), attributing
    /// every opcode as the inspector's `step` would, to the gas: a static opcode is charged its
    /// price from `gas_table` without reading the gas counter, a measured one is read off the
    /// counter around it, the rest go through the general bookkeeping.
    pub fn run<H>(
        &mut self,
        interp: &mut Interpreter<EthInterpreter>,
        host: &mut H,
        table: &InstructionTable<EthInterpreter, H>,
        gas_table: &GasTable,
    ) -> InstructionResult
    where
        H: ContextTr<Journal: JournalExt> + Host,
    {
        self.resume(interp, host);
        loop {
            if self.stack.last().is_none_or(|frame| frame.code.is_none()) {
                // No frame, or one whose code is unknown (nothing revm does today): the
                // inspector's step before every opcode.
                loop {
                    Inspector::<H, EthInterpreter>::step(self, interp, host);
                    if let Err(end) = interp.step(table, gas_table, host) {
                        return end;
                    }
                }
            }
            let Some(frame) = self.stack.last_mut() else { continue };
            let Some(code) = frame.code.as_ref() else { continue };
            let tx = &mut self.tx;
            let lines = &mut tx.code_lines[frame.line_slot].1;
            let line_of = |pc: usize| code.pc_line.get(pc).map_or(0, |&index| index as usize);
            let prices = &self.prices;
            let (mut compute, mut memory) = (0i64, 0i64);
            let mut last_pc;
            // A run of static and measured opcodes, up to a general one or the frame's end.
            let stop = loop {
                let pc = interp.bytecode.pc();
                last_pc = pc;
                let op = interp.bytecode.opcode();
                let price = prices[op as usize];
                if price < MEASURED {
                    // Static: its price is all revm charges, `compute` at its line.
                    let price = i64::from(price);
                    if let Some(gas) = lines.get_mut(line_of(pc)) {
                        *gas += price;
                    }
                    compute += price;
                    if let Err(end) = interp.step(table, gas_table, host) {
                        break Err(end);
                    }
                } else if price == MEASURED {
                    // Measured: what the gas counter drops by, its memory expansion apart.
                    let remaining = interp.gas.remaining();
                    let expansion = interp.gas.memory().expansion_cost;
                    if let Err(end) = interp.step(table, gas_table, host) {
                        // Settled at the frame's end, as the inspector would.
                        frame.pending = Some(Pending { pc, op, remaining, memory: expansion, copy_words: 0 });
                        break Err(end);
                    }
                    let cost = i64::try_from(remaining.wrapping_sub(interp.gas.remaining())).unwrap_or(0);
                    let grown = i64::try_from(interp.gas.memory().expansion_cost.saturating_sub(expansion))
                        .unwrap_or(0)
                        .min(cost.max(0));
                    if let Some(gas) = lines.get_mut(line_of(pc)) {
                        *gas += cost;
                    }
                    memory += grown;
                    compute += cost - grown;
                } else {
                    break Ok(());
                }
            };
            tx.kinds[GasKind::Compute.index()] += compute;
            tx.kinds[GasKind::Memory.index()] += memory;
            frame.self_gas += compute + memory;
            frame.last_pc = last_pc;
            if let Err(end) = stop {
                return end;
            }
            // A general opcode: the inspector's bookkeeping before it, settled after it unless
            // it ends the frame or calls out (then the frame's end or `resume` settles it).
            Inspector::<H, EthInterpreter>::step(self, interp, host);
            if let Err(end) = interp.step(table, gas_table, host) {
                return end;
            }
            let pending = self.stack.last_mut().and_then(|frame| frame.pending.take());
            if let Some(pending) = pending {
                self.settle(host, pending, interp.gas.remaining(), interp.gas.memory().expansion_cost);
            }
        }
    }

    /// What the inspector's `step` does before a frame's next opcode, done when the frame
    /// (re)starts: its code found on its first run, the opcode that called out settled.
    fn resume<CTX>(&mut self, interp: &Interpreter<EthInterpreter>, context: &CTX)
    where
        CTX: ContextTr<Journal: JournalExt>,
    {
        let remaining = interp.gas.remaining();
        let memory = interp.gas.memory().expansion_cost;
        if self.stack.last().is_some_and(|frame| frame.code.is_none()) {
            self.enter_code(interp);
        }
        let pending = self.stack.last_mut().and_then(|frame| frame.pending.take());
        if let Some(pending) = pending {
            self.settle(context, pending, remaining, memory);
        }
    }
}

/// The frame hooks, for a handler that runs the attribution without revm's inspector (see
/// `exec::revm`): the same bookkeeping as the inspector's `call`, `call_end`, `create` and
/// `create_end`.
impl AttributionInspector {
    /// A frame is about to start (before revm initialises it).
    pub fn frame_start<CTX: ContextTr>(&mut self, context: &CTX, input: &FrameInput) {
        match input {
            FrameInput::Call(inputs) => self.call_start(context, inputs),
            FrameInput::Create(_) => self.create_start(),
            // revm never starts a frame from nothing.
            FrameInput::Empty => {}
        }
    }

    /// A frame ended with `output` (before its caller sees the result).
    pub fn frame_end<CTX>(&mut self, context: &CTX, output: &FrameResult)
    where
        CTX: ContextTr<Journal: JournalExt>,
    {
        match output {
            FrameResult::Call(outcome) => self.call_ended(context, outcome),
            FrameResult::Create(outcome) => self.create_ended(context, outcome),
        }
    }

    fn call_start<CTX: ContextTr>(&mut self, context: &CTX, inputs: &CallInputs) {
        let input = inputs.input.as_bytes(context);
        let frame = self.new_frame(false, inputs.target_address, inputs.bytecode_address, &input);
        drop(input);
        self.push(frame);
    }

    fn call_ended<CTX>(&mut self, context: &CTX, outcome: &CallOutcome)
    where
        CTX: ContextTr<Journal: JournalExt>,
    {
        let ok_or_revert = outcome.instruction_result().is_ok_or_revert();
        let gas = outcome.gas();
        self.end_frame(context, &gas, ok_or_revert, 0);
    }

    fn create_start(&mut self) {
        let frame = self.new_frame(true, Address::ZERO, Address::ZERO, &[]);
        self.push(frame);
    }

    fn create_ended<CTX>(&mut self, context: &CTX, outcome: &CreateOutcome)
    where
        CTX: ContextTr<Journal: JournalExt>,
    {
        let result = *outcome.instruction_result();
        // revm charged the code deposit after the constructor's last opcode.
        let deposit =
            if result.is_ok() { self.code_deposit_per_byte * outcome.output().len() as u64 } else { 0 };
        if let (Some(frame), Some(address)) = (self.stack.last_mut(), outcome.address) {
            frame.target = address;
        }
        let gas = *outcome.gas();
        self.end_frame(context, &gas, result.is_ok_or_revert(), deposit);
    }
}
