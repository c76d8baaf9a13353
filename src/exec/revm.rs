//! The embedded executor: every transaction runs in revm over an in-memory state, optionally
//! layered over a read-only base state (a forked chain). No node, no network of its own.

use alloy::primitives::{Address, B256, Bytes, U256};
use anyhow::anyhow;
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::context_interface::ContextTr;
use revm::context_interface::result::{
    EVMError, ExecutionResult, HaltReason, InvalidTransaction, OutOfGasError, Output,
};
use revm::database::{CacheDB, EmptyDB};
use revm::database_interface::DatabaseRef;
use revm::handler::EthFrame;
use revm::handler::instructions::EthInstructions;
use revm::interpreter::interpreter::EthInterpreter;
use revm::primitives::hardfork::SpecId;
use revm::{Database, ExecuteCommitEvm, ExecuteEvm, InspectEvm, MainBuilder};

use super::attribution::{AttributionInspector, CodeIndex, TxSettlement};
use super::bounds::BoundsTracker;
use super::somnia::{self, GasSchedule, SchedulePrecompiles};
use super::{Chain, InsufficientFunds, TxOutcome, TxRequest, halt_words};
use crate::core::report::GasMethod;
use revm::context::ContextSetters;
use revm::handler::{EvmTr, EvmTrError, FrameResult, Handler, ItemOrResult};
use revm::inspector::{Inspector, JournalExt};
use revm::interpreter::interpreter_action::FrameInit;
use revm::interpreter::{
    CallInputs, CallOutcome, CreateInputs, CreateOutcome, InstructionResult, Interpreter, SuccessOrHalt,
};
use std::marker::PhantomData;

/// The block every transaction of a run is executed in.
#[derive(Debug, Clone)]
pub struct BlockSettings {
    pub number: u64,
    pub timestamp: u64,
    pub gas_limit: u64,
    pub base_fee: u64,
    pub coinbase: Address,
    pub prevrandao: B256,
}

impl Default for BlockSettings {
    fn default() -> Self {
        Self {
            number: 1,
            timestamp: 1,
            gas_limit: 30_000_000,
            base_fee: 0,
            coinbase: Address::ZERO,
            prevrandao: B256::ZERO,
        }
    }
}

type Ctx<D> = Context<BlockEnv, TxEnv, CfgEnv, CacheDB<D>>;
type Evm<D> = revm::context::Evm<
    Ctx<D>,
    ChainInspector,
    EthInstructions<EthInterpreter, Ctx<D>>,
    SchedulePrecompiles,
    EthFrame<EthInterpreter>,
>;

/// revm over `base` (an empty state, or a fork).
pub struct RevmChain<D: DatabaseRef + Clone> {
    base: D,
    spec: SpecId,
    /// Each transaction's intrinsic cost, for its attribution.
    intrinsic: IntrinsicCosts,
    chain_id: u64,
    block: BlockSettings,
    evm: Option<Evm<D>>,
    /// Whether to attribute each transaction's gas (see [`super::attribution`]).
    attribute: bool,
    /// Kept between scenarios, with what it learnt about the codes it saw.
    inspector: Option<AttributionInspector>,
    schedule: GasSchedule,
    /// Attribute through revm's inspector even without Somnia's bounds (tests compare the two
    /// ways).
    attribute_by_inspector: bool,
}

/// A transaction's intrinsic cost, as it is and as a call, from the spec's gas table made once.
struct IntrinsicCosts {
    table: revm::context_interface::cfg::GasParams,
    /// The last transaction's input, whether it created, and its two costs: a step's
    /// repetitions share one input, whose bytes need not be priced again. Holding the input
    /// keeps its buffer alive, so the same address and length are the same bytes.
    last: Option<(Bytes, bool, u64, u64)>,
}

impl IntrinsicCosts {
    fn new(spec: SpecId) -> Self {
        Self { table: revm::context_interface::cfg::GasParams::new_spec(spec), last: None }
    }

    /// The intrinsic cost of `input` (a create when `is_create`), and the same input's as a call.
    fn of(&mut self, input: &Bytes, is_create: bool) -> (u64, u64) {
        if let Some((known, create, intrinsic, as_call)) = &self.last
            && known.as_ptr() == input.as_ptr()
            && known.len() == input.len()
            && *create == is_create
        {
            return (*intrinsic, *as_call);
        }
        let intrinsic = super::intrinsic_gas_of(&self.table, input, is_create);
        let as_call = intrinsic - super::create_part_of(&self.table, input, is_create);
        self.last = Some((input.clone(), is_create, intrinsic, as_call));
        (intrinsic, as_call)
    }
}

impl RevmChain<EmptyDB> {
    /// A chain that starts every scenario from an empty state.
    pub fn empty(spec: SpecId, chain_id: u64, block: BlockSettings) -> Self {
        Self::over(EmptyDB::new(), spec, chain_id, block)
    }
}

impl<D> RevmChain<D>
where
    D: DatabaseRef + Clone,
    D::Error: std::error::Error + Send + Sync + 'static,
{
    /// A chain whose scenarios start from `base`.
    pub fn over(base: D, spec: SpecId, chain_id: u64, block: BlockSettings) -> Self {
        let inspector = AttributionInspector::new(Default::default(), spec.is_enabled_in(SpecId::BERLIN));
        Self {
            base,
            spec,
            intrinsic: IntrinsicCosts::new(spec),
            chain_id,
            block,
            evm: None,
            attribute: false,
            inspector: Some(inspector),
            schedule: GasSchedule::Ethereum,
            attribute_by_inspector: false,
        }
    }

    /// Charges `schedule`'s prices (Ethereum's unless told).
    pub fn with_schedule(mut self, schedule: GasSchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Attributes every transaction's gas, recognising code and lines from `index`.
    pub fn with_attribution(mut self, index: std::sync::Arc<CodeIndex>) -> Self {
        self.attribute = true;
        self.inspector = Some(AttributionInspector::new(index, self.spec.is_enabled_in(SpecId::BERLIN)));
        self
    }

    fn build(&mut self, db: CacheDB<D>) -> Evm<D> {
        let is_somnia = self.schedule == GasSchedule::Somnia;
        let mut inspector = match self.evm.take() {
            Some(evm) => evm.inspector,
            None => ChainInspector {
                attribution: self
                    .inspector
                    .take()
                    .unwrap_or_else(|| AttributionInspector::new(Default::default(), true)),
                attribute: false,
                bounds: None,
                halts: HaltWatch::default(),
            },
        };
        inspector.attribute = self.attribute;
        if is_somnia {
            // No EIP-2929 cold accesses, and Somnia's code deposit.
            inspector.attribution.set_prices(false, somnia::price::CODE_DEPOSIT_BYTE);
            let bounds = inspector.bounds.get_or_insert_with(BoundsTracker::default);
            bounds.begin_scenario();
        }
        let block = &self.block;
        let mut evm = Context::<BlockEnv, TxEnv, CfgEnv, CacheDB<D>>::new(db, self.spec)
            .modify_cfg_chained(|cfg: &mut CfgEnv| {
                cfg.chain_id = self.chain_id;
                if is_somnia {
                    somnia::gas_params(&mut cfg.gas_params);
                }
                // Gas limits above the EIP-7825 cap are rejected from Osaka on; the caller picks
                // a valid per-transaction limit, the block limit stays the block's.
                // Nothing is signed here, so any address may send, a contract account included
                // (a multisig on a fork), as when anvil impersonates one.
                cfg.disable_eip3607 = true;
            })
            .modify_block_chained(|env: &mut BlockEnv| {
                env.number = U256::from(block.number);
                env.timestamp = U256::from(block.timestamp);
                env.gas_limit = block.gas_limit;
                env.basefee = block.base_fee;
                env.beneficiary = block.coinbase;
                env.prevrandao = Some(block.prevrandao);
                env.difficulty = U256::ZERO;
            })
            .build_mainnet_with_inspector(inspector);
        if is_somnia {
            somnia::instructions(&mut evm.instruction);
        }
        let gas_table = evm.instruction.gas_table();
        evm.inspector.attribution.price_opcodes(gas_table);
        let eth = evm.precompiles.clone();
        evm.with_precompiles(SchedulePrecompiles { eth, somnia: is_somnia })
    }
}

impl<D> Chain for RevmChain<D>
where
    D: DatabaseRef + Clone,
    D::Error: std::error::Error + Send + Sync + 'static,
{
    fn begin_scenario(&mut self, balances: &[(Address, U256)]) -> anyhow::Result<()> {
        let mut db = CacheDB::new(self.base.clone());
        for (address, balance) in balances {
            let mut info = db.basic(*address)?.unwrap_or_default();
            info.balance = *balance;
            db.insert_account_info(*address, info);
        }
        self.evm = Some(self.build(db));
        Ok(())
    }

    fn code_len(&mut self, address: Address) -> anyhow::Result<usize> {
        let evm = self.evm.as_mut().ok_or_else(|| anyhow!("no scenario was started"))?;
        let db = evm.ctx.db_mut();
        let Some(info) = db.basic(address)? else { return Ok(0) };
        if info.code_hash == revm::primitives::KECCAK_EMPTY {
            return Ok(0);
        }
        Ok(match info.code {
            Some(code) => code.original_bytes().len(),
            None => db.code_by_hash(info.code_hash)?.original_bytes().len(),
        })
    }

    fn execute(&mut self, request: &TxRequest) -> anyhow::Result<TxOutcome> {
        let evm = self.evm.as_mut().ok_or_else(|| anyhow!("no scenario was started"))?;
        let nonce = evm.ctx.db_mut().basic(request.from)?.map_or(0, |info| info.nonce);
        let mut tx = TxEnv::builder()
            .caller(request.from)
            .nonce(nonce)
            .value(request.value)
            .data(request.input.clone())
            .gas_limit(request.gas_limit)
            .gas_price(u128::from(self.block.base_fee))
            .chain_id(Some(self.chain_id));
        tx = match request.to {
            Some(to) => tx.call(to),
            None => tx.create(),
        };
        let tx = tx.build().map_err(|error| anyhow!("invalid transaction: {error:?}"))?;
        if let Some(bounds) = &mut evm.inspector.bounds {
            bounds.begin(request.gas_limit, request.from, request.to);
        }
        evm.inspector.halts = HaltWatch::default();
        let result = if evm.inspector.bounds.is_some() || self.attribute_by_inspector {
            // Somnia's bounds watch every opcode and the journal after it: revm's inspector.
            if self.attribute {
                evm.inspector.attribution.begin();
            }
            evm.inspect_one_tx(tx.clone())
        } else {
            // revm's plain interpreter loop; the handler sees frames start and end, and calls the
            // attribution's step inline when attributing (through the inspector it costs as much
            // again as the attribution itself).
            if self.attribute {
                evm.inspector.attribution.begin();
            }
            evm.ctx.set_tx(tx.clone());
            let mut handler = WatchingHandler::new(self.attribute);
            let result = handler.run(evm);
            evm.inspector.halts = handler.halts;
            result
        };
        let result = match result {
            Ok(result) => result,
            Err(error) => {
                // Nothing of a rejected transaction is kept.
                let _ = evm.finalize();
                return Err(evm_error(error, request));
            }
        };
        // Kept aside, not committed yet: a re-run must see the same state as this run.
        let state = evm.finalize();
        let depends_on_limit = match evm.inspector.halts.first {
            Some(halt) => depends_on_limit(evm, tx, &result, halt),
            None => None,
        };
        evm.commit(state);
        let attribution = self.attribute.then(|| {
            let gas = result.gas();
            let is_create = request.to.is_none();
            let (intrinsic, as_call) = self.intrinsic.of(&request.input, is_create);
            evm.inspector.attribution.finish(TxSettlement {
                intrinsic,
                create_part: intrinsic.saturating_sub(as_call),
                spent: gas.total_gas_spent(),
                refunded: gas.inner_refunded(),
                floor: gas.floor_gas(),
                gas_used: gas.tx_gas_used(),
            })
        });
        let bounds = evm
            .inspector
            .bounds
            .as_mut()
            .map(|bounds| bounds.finish(result.gas().tx_gas_used(), result.gas().total_gas_spent()));
        let mut outcome = match result {
            ExecutionResult::Success { gas, output, .. } => {
                let (output, created, code_size) = match output {
                    Output::Call(bytes) => (bytes, None, None),
                    Output::Create(code, address) => {
                        let size = code.len() as u64;
                        (Default::default(), address, Some(size))
                    }
                };
                TxOutcome {
                    gas_used: gas.tx_gas_used(),
                    success: true,
                    output,
                    halt: None,
                    created,
                    code_size,
                    method: GasMethod::Execution,
                    attribution: None,
                    bounds: None,
                    depends_on_limit: None,
                }
            }
            ExecutionResult::Revert { gas, output, .. } => TxOutcome {
                gas_used: gas.tx_gas_used(),
                success: false,
                output,
                halt: None,
                created: None,
                code_size: None,
                method: GasMethod::Execution,
                attribution: None,
                bounds: None,
                depends_on_limit: None,
            },
            ExecutionResult::Halt { gas, reason, .. } => TxOutcome {
                gas_used: gas.tx_gas_used(),
                success: false,
                output: Bytes::new(),
                halt: Some(halt_reason(&reason, request.gas_limit)),
                created: None,
                code_size: None,
                method: GasMethod::Execution,
                attribution: None,
                bounds: None,
                depends_on_limit: None,
            },
        };
        outcome.attribution = attribution;
        outcome.bounds = bounds;
        outcome.depends_on_limit = depends_on_limit;
        Ok(outcome)
    }
}

/// The one inspector revm runs: the attribution when asked for, Somnia's bounds under its
/// schedule.
#[derive(Debug)]
pub struct ChainInspector {
    attribution: AttributionInspector,
    attribute: bool,
    bounds: Option<BoundsTracker>,
    /// Frames that halted in the current transaction, seen where each frame ends.
    halts: HaltWatch,
}

impl<CTX> Inspector<CTX, EthInterpreter> for ChainInspector
where
    CTX: ContextTr<Journal: JournalExt>,
{
    #[inline]
    fn step(&mut self, interp: &mut Interpreter<EthInterpreter>, context: &mut CTX) {
        if self.attribute {
            self.attribution.step(interp, context);
        }
        if let Some(bounds) = &mut self.bounds {
            bounds.step(interp);
        }
    }

    fn step_end(&mut self, interp: &mut Interpreter<EthInterpreter>, context: &mut CTX) {
        if self.attribute {
            self.attribution.step_end(interp, context);
        }
        if let Some(bounds) = &mut self.bounds {
            bounds.step_end(context);
        }
    }

    fn call(&mut self, context: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        if let Some(bounds) = &mut self.bounds {
            bounds.call(inputs);
        }
        if self.attribute { self.attribution.call(context, inputs) } else { None }
    }

    fn call_end(&mut self, context: &mut CTX, inputs: &CallInputs, outcome: &mut CallOutcome) {
        self.halts.see(outcome.result.result);
        if self.attribute {
            self.attribution.call_end(context, inputs, outcome);
        }
        if let Some(bounds) = &mut self.bounds {
            bounds.end();
        }
    }

    fn create(&mut self, context: &mut CTX, inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        if let Some(bounds) = &mut self.bounds {
            bounds.create(inputs);
        }
        if self.attribute { self.attribution.create(context, inputs) } else { None }
    }

    fn create_end(&mut self, context: &mut CTX, inputs: &CreateInputs, outcome: &mut CreateOutcome) {
        self.halts.see(outcome.result.result);
        if self.attribute {
            self.attribution.create_end(context, inputs, outcome);
        }
        if let Some(bounds) = &mut self.bounds {
            bounds.created(outcome.address);
            bounds.end();
        }
    }
}

/// The first frame of a transaction that halted: revm's halt results (out of gas of any kind,
/// an invalid opcode, a stack overflow, a creation at an occupied address, …), which consume all
/// the gas the frame was given. Not a revert, nor a call refused for its depth or the caller's
/// balance: those give the gas back.
#[derive(Debug, Default, Clone, Copy)]
struct HaltWatch {
    first: Option<InstructionResult>,
}

impl HaltWatch {
    #[inline]
    fn see(&mut self, result: InstructionResult) {
        if result.is_halt() && self.first.is_none() {
            self.first = Some(result);
        }
    }
}

/// revm's mainnet handler, for a transaction without revm's inspector: it notes every frame that
/// halts, where the frame ends (once per frame, nothing per instruction), and with `attribute`
/// runs the attribution: told of each frame's start and end, and each frame run by the plain
/// interpreter loop with the attribution's step called before every opcode. That is the same
/// bookkeeping as through the inspector without the inspector's per-opcode plumbing (hooks after
/// each opcode, log and selfdestruct watching), which the attribution does not use. Somnia's
/// bounds need that plumbing, so with them the inspector runs instead, and notes halts in
/// [`ChainInspector`]'s `call_end` and `create_end`.
struct WatchingHandler<D, ERROR> {
    attribute: bool,
    halts: HaltWatch,
    _types: PhantomData<(D, ERROR)>,
}

impl<D, ERROR> WatchingHandler<D, ERROR>
where
    D: DatabaseRef + Clone,
    D::Error: std::error::Error + Send + Sync + 'static,
    ERROR: EvmTrError<Evm<D>>,
{
    fn new(attribute: bool) -> Self {
        Self { attribute, halts: HaltWatch::default(), _types: PhantomData }
    }

    fn starts(&mut self, evm: &mut Evm<D>, init: &FrameInit) {
        if self.attribute {
            evm.inspector.attribution.frame_start(&evm.ctx, &init.frame_input);
        }
    }

    fn ended(&mut self, evm: &mut Evm<D>, result: FrameResult) -> FrameResult {
        if self.attribute {
            evm.inspector.attribution.frame_end(&evm.ctx, &result);
        }
        self.halts.see(result.instruction_result());
        result
    }

    /// [`EvmTr::frame_run`], with the attribution's step before every opcode when attributing.
    fn frame_run(&self, evm: &mut Evm<D>) -> Result<ItemOrResult<FrameInit, FrameResult>, ERROR> {
        if !self.attribute {
            return Ok(evm.frame_run()?);
        }
        let frame = evm.frame_stack.get();
        let context = &mut evm.ctx;
        let attribution = &mut evm.inspector.attribution;
        let table = evm.instruction.instruction_table();
        let gas_table = evm.instruction.gas_table();
        let interpreter = &mut frame.interpreter;
        let end = attribution.run(interpreter, context, table, gas_table);
        if interpreter.bytecode.action.is_none() {
            interpreter.halt(end);
        }
        let action = interpreter.take_next_action();
        let next = frame.process_next_action::<_, ERROR>(context, action)?;
        if next.is_result() {
            frame.set_finished(true);
        }
        Ok(next)
    }
}

impl<D, ERROR> Handler for WatchingHandler<D, ERROR>
where
    D: DatabaseRef + Clone,
    D::Error: std::error::Error + Send + Sync + 'static,
    ERROR: EvmTrError<Evm<D>>,
{
    type Evm = Evm<D>;
    type Error = ERROR;
    type HaltReason = HaltReason;

    // The loop of `Handler::run_exec_loop`, with the frame hooks above.
    fn run_exec_loop(
        &mut self,
        evm: &mut Evm<D>,
        first_frame_input: FrameInit,
    ) -> Result<FrameResult, ERROR> {
        self.starts(evm, &first_frame_input);
        if let ItemOrResult::Result(result) = evm.frame_init(first_frame_input)? {
            return Ok(self.ended(evm, result));
        }
        loop {
            let result = match self.frame_run(evm)? {
                ItemOrResult::Item(init) => {
                    self.starts(evm, &init);
                    match evm.frame_init(init)? {
                        ItemOrResult::Item(_) => continue,
                        ItemOrResult::Result(result) => result,
                    }
                }
                ItemOrResult::Result(result) => result,
            };
            let result = self.ended(evm, result);
            if let Some(result) = evm.frame_return_result(result)? {
                return Ok(result);
            }
        }
    }
}

/// Whether the figure of a transaction in which a frame halted depends on its gas limit, and
/// then the halt in words.
///
/// A halted frame loses all the gas it was given. When that was all but 1/64 of what its caller
/// had (the default of CALL and CREATE), the figure follows the transaction's limit; when the
/// caller capped it (`call{gas: 5000}`), it does not. Rather than guess which, the transaction
/// is run again on the same state (`evm` holds it uncommitted) with a lower limit, halfway
/// between what it needed and its limit, and nothing of that run is kept: the figure depends on
/// the limit exactly when the two runs differ (in gas, or in how they end). This costs nothing
/// when no frame halts.
fn depends_on_limit<D>(
    evm: &mut Evm<D>,
    mut tx: TxEnv,
    result: &ExecutionResult,
    halt: InstructionResult,
) -> Option<String>
where
    D: DatabaseRef + Clone,
    D::Error: std::error::Error + Send + Sync + 'static,
{
    let limit = tx.gas_limit;
    let gas = result.gas();
    let needed = gas.total_gas_spent().max(gas.floor_gas());
    let lower = needed + limit.saturating_sub(needed) / 2;
    if lower >= limit {
        // It used all of its limit: nothing to compare, and nothing else it could be.
        return Some(frame_halt(halt));
    }
    tx.gas_limit = lower;
    let same = match evm.transact(tx) {
        Ok(rerun) => {
            rerun.result.gas().tx_gas_used() == gas.tx_gas_used()
                && std::mem::discriminant(&rerun.result) == std::mem::discriminant(result)
        }
        // A lower limit the EVM refuses: the figure is at the limit's mercy.
        Err(_) => false,
    };
    (!same).then(|| frame_halt(halt))
}

/// A frame's halt in words, for the gas-limit warning.
fn frame_halt(result: InstructionResult) -> String {
    match SuccessOrHalt::<HaltReason>::from(result) {
        SuccessOrHalt::Halt(HaltReason::OutOfGas(_)) => halt_words::OUT_OF_GAS.to_owned(),
        SuccessOrHalt::Halt(HaltReason::CreateCollision) => halt_words::COLLISION.to_owned(),
        SuccessOrHalt::Halt(HaltReason::InvalidFEOpcode) => halt_words::INVALID.to_owned(),
        SuccessOrHalt::Halt(HaltReason::OpcodeNotFound) => {
            "an opcode not defined in this hardfork".to_owned()
        }
        SuccessOrHalt::Halt(reason) => reason.to_string(),
        _ => format!("{result:?}"),
    }
}

/// The EVM's refusal of a transaction, in words.
fn evm_error<E>(error: EVMError<E>, request: &TxRequest) -> anyhow::Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    match error {
        // State that could not be loaded (a forked node that went away) keeps its own message.
        EVMError::Database(error) => anyhow::Error::new(error),
        EVMError::Transaction(InvalidTransaction::LackOfFundForMaxFee { fee, balance }) => {
            anyhow::Error::new(InsufficientFunds {
                account: request.from,
                name: None,
                balance: *balance,
                needed: *fee,
            })
        }
        other => anyhow!("the EVM rejected the transaction: {other}"),
    }
}

/// A halt in words, as a person reads it: revm's wording (`stack overflow`, `invalid jump
/// destination`, `opcode not found`), and for running out of gas, the limit that ran out.
fn halt_reason(reason: &HaltReason, gas_limit: u64) -> String {
    match reason {
        HaltReason::OutOfGas(kind) => {
            let detail = match kind {
                OutOfGasError::Basic => "",
                OutOfGasError::Memory => " (expanding memory)",
                OutOfGasError::MemoryLimit => " (past the memory limit)",
                OutOfGasError::Precompile => " (in a precompile)",
                OutOfGasError::InvalidOperand => " (an operand too large to pay for)",
                OutOfGasError::ReentrancySentry => " (an SSTORE needs more than 2,300 gas left)",
            };
            format!("out of gas with a gas limit of {}{detail}", crate::core::number::group_digits(gas_limit))
        }
        HaltReason::InvalidFEOpcode => "invalid opcode (0xFE, `INVALID`)".to_owned(),
        HaltReason::OpcodeNotFound => "invalid opcode (not defined in this hardfork)".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The attribution handler (revm's plain loop with the attribution's fast loop) and revm's
    /// inspector (which reads every opcode's cost off the gas counter) attribute every
    /// transaction identically: kinds, frames, lines (one per pc here, so gas charged to the wrong
    /// opcode shows) and storage accesses. Over static, measured and general opcodes: storage
    /// writes (fresh and warm), a read, transient storage, hashing, a log, memory expansion by
    /// MSTORE, MSTORE8 and MLOAD, EXP, SELFBALANCE, a precompile call, calls into a frame that
    /// runs out of gas on a static opcode and one that jumps to an invalid destination, a
    /// transaction that runs out of gas, deployments and a plain transfer.
    #[test]
    fn the_attribution_handler_attributes_as_the_inspector_does() {
        use crate::exec::attribution::CodeIndex;
        const SENDER: Address = Address::with_last_byte(0x51);
        // Called with the callee's address as its calldata.
        #[rustfmt::skip]
        let caller: &[u8] = &[
            0x60, 0x2a, 0x5f, 0x55, // SSTORE(0, 42)
            0x5f, 0x54, 0x50, // SLOAD(0), POP
            0x60, 0x20, 0x5f, 0x20, 0x50, // KECCAK256(0, 32), POP: expands memory
            0x60, 0x40, 0x5f, 0xa0, // LOG0(0, 64)
            0x60, 0x03, 0x60, 0x02, 0x0a, 0x50, // EXP(2, 3), POP
            0x60, 0xff, 0x61, 0x01, 0x00, 0x52, // MSTORE(0x100, 0xff): expands memory
            0x60, 0x40, 0x51, 0x50, // MLOAD(0x40), POP
            0x60, 0x07, 0x61, 0x03, 0x00, 0x53, // MSTORE8(0x300, 7): expands memory
            0x47, 0x50, // SELFBALANCE, POP
            0x60, 0x01, 0x5f, 0x5d, 0x5f, 0x5c, 0x50, // TSTORE(0, 1), TLOAD(0), POP
            // CALL(GAS, identity, 0, 0, 32, 0, 32), POP
            0x60, 0x20, 0x5f, 0x60, 0x20, 0x5f, 0x5f, 0x60, 0x04, 0x5a, 0xf1, 0x50,
            // CALL(3000, callee, 0, 0, 0, 0, 0), POP: the callee loops until out of gas
            0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x35, 0x61, 0x0b, 0xb8, 0xf1, 0x50,
            // CALL(3000, callee, 0, 0, 1, 0, 0), POP: the callee jumps to an invalid destination
            0x5f, 0x5f, 0x60, 0x01, 0x5f, 0x5f, 0x5f, 0x35, 0x61, 0x0b, 0xb8, 0xf1, 0x50,
            0x00,
        ];
        #[rustfmt::skip]
        let callee: &[u8] = &[
            0x36, 0x60, 0x08, 0x57, // JUMPI(8, CALLDATASIZE)
            0x5b, 0x60, 0x04, 0x56, // 4: JUMPDEST, JUMP(4): until out of gas
            0x5b, 0x60, 0x03, 0x56, // 8: JUMPDEST, JUMP(3): not a JUMPDEST
        ];
        let deployer = |runtime: &[u8]| {
            let length = u16::try_from(runtime.len()).unwrap().to_be_bytes();
            // PUSH2 length, DUP1, PUSH1 10, PUSH0, CODECOPY, PUSH0, RETURN, then the runtime.
            let mut deployer = vec![0x61, length[0], length[1], 0x80, 0x60, 10, 0x5f, 0x39, 0x5f, 0xf3];
            deployer.extend_from_slice(runtime);
            deployer
        };
        let attributions = |by_inspector: bool| {
            let mut chain = RevmChain::empty(SpecId::PRAGUE, 31337, BlockSettings::default())
                .with_attribution(std::sync::Arc::new(CodeIndex::each_pc_a_line()));
            chain.attribute_by_inspector = by_inspector;
            chain.begin_scenario(&[(SENDER, U256::from(10u128.pow(21)))]).unwrap();
            let mut run = |to: Option<Address>, value: u64, input: &[u8], gas_limit: u64| {
                chain
                    .execute(&TxRequest {
                        from: SENDER,
                        to,
                        value: U256::from(value),
                        input: Bytes::copy_from_slice(input),
                        gas_limit,
                        wants_output: false,
                    })
                    .unwrap()
            };
            let callee_deployed = run(None, 0, &deployer(callee), 1_000_000);
            let callee_address = callee_deployed.created.unwrap();
            let caller_deployed = run(None, 0, &deployer(caller), 1_000_000);
            let contract = caller_deployed.created.unwrap();
            let mut outcomes = vec![callee_deployed, caller_deployed];
            for _ in 0..2 {
                outcomes.push(run(Some(contract), 0, callee_address.into_word().as_slice(), 1_000_000));
            }
            let out_of_gas = run(Some(callee_address), 0, &[], 30_000);
            assert!(!out_of_gas.success);
            outcomes.push(out_of_gas);
            outcomes.push(run(Some(Address::with_last_byte(0x77)), 5, &[], 1_000_000));
            // The handler's way must really be the fast loop, not only the general bookkeeping.
            let evm = chain.evm.as_ref().expect("the chain ran");
            assert!(by_inspector || evm.inspector.attribution.prices_static_opcodes());
            outcomes
                .into_iter()
                .map(|outcome| {
                    let attribution = outcome.attribution.unwrap().unwrap();
                    assert_eq!(attribution.sums(), [i128::from(outcome.gas_used); 3]);
                    attribution
                })
                .collect::<Vec<_>>()
        };
        let by_handler = attributions(false);
        assert_eq!(by_handler, attributions(true));
        let call = &by_handler[2];
        assert!(call.by_frame.iter().any(|frame| frame.frame.contains("<precompile identity>")));
        // Every opcode of the caller ran (one line per pc, the implicit STOP aside).
        assert!(call.by_line.len() > 60, "{} lines", call.by_line.len());
    }

    #[test]
    fn halts_are_said_in_words() {
        let said = |reason: HaltReason| halt_reason(&reason, 50_000);
        assert_eq!(said(HaltReason::OutOfGas(OutOfGasError::Basic)), "out of gas with a gas limit of 50,000");
        assert_eq!(
            said(HaltReason::OutOfGas(OutOfGasError::Memory)),
            "out of gas with a gas limit of 50,000 (expanding memory)"
        );
        assert_eq!(said(HaltReason::InvalidFEOpcode), "invalid opcode (0xFE, `INVALID`)");
        assert_eq!(said(HaltReason::OpcodeNotFound), "invalid opcode (not defined in this hardfork)");
        assert_eq!(said(HaltReason::StackOverflow), "stack overflow");
        assert_eq!(said(HaltReason::InvalidJump), "invalid jump destination");
        assert_eq!(said(HaltReason::CallTooDeep), "call too deep");
    }

    /// Only halts count: they consume all the gas a frame was given. A revert, or a call refused
    /// for its depth or the caller's balance, gives the gas back.
    #[test]
    fn only_halts_are_watched_and_the_first_is_kept() {
        let mut watch = HaltWatch::default();
        for result in [
            InstructionResult::Stop,
            InstructionResult::Return,
            InstructionResult::Revert,
            InstructionResult::CallTooDeep,
            InstructionResult::OutOfFunds,
        ] {
            watch.see(result);
        }
        assert_eq!(watch.first, None);
        watch.see(InstructionResult::CreateCollision);
        watch.see(InstructionResult::OutOfGas);
        assert_eq!(watch.first, Some(InstructionResult::CreateCollision));
        assert_eq!(frame_halt(InstructionResult::MemoryOOG), halt_words::OUT_OF_GAS);
        assert_eq!(frame_halt(InstructionResult::InvalidFEOpcode), halt_words::INVALID);
        assert_eq!(frame_halt(InstructionResult::StackUnderflow), "stack underflow");
    }
}
