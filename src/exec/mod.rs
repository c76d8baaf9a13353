//! Running a [`Plan`] on a [`Chain`]: the scenario logic shared by every executor. It builds each
//! transaction (linking, ABI encoding, alias resolution), asks the chain to execute it, checks
//! `expect`, and records the result. The chains themselves are adapters: [`revm`] embeds the EVM
//! (over an empty state, or over a [`fork`] of a real chain), [`rpc`] drives a node; both talk
//! to nodes through [`jsonrpc`].

pub mod attribution;
pub mod bounds;
pub mod fork;
pub mod jsonrpc;
pub mod revm;
pub mod rpc;
pub mod somnia;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use ::revm::primitives::hardfork::SpecId;
use alloy::dyn_abi::{DynSolValue, FunctionExt, JsonAbiExt};
use alloy::json_abi::Error as AbiError;
use alloy::primitives::{Address, Bytes, U256};

use crate::config::Expect;
use crate::core::attribution::Attribution;
use crate::core::render::registry::format_ether;
use crate::core::report::{CallRecord, CallStatus, EntrySums, GasMethod, GasReport, Name};
use crate::plan::{Action, Arg, Capture, Payload, Plan, ScenarioPlan, StepPlan, Target};

/// A transaction to execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxRequest {
    pub from: Address,
    /// `None` creates a contract.
    pub to: Option<Address>,
    pub value: U256,
    pub input: Bytes,
    pub gas_limit: u64,
    /// Whether a successful call's return data is needed (a step captures an address from it):
    /// a node then replays the call to read it, as receipts do not carry it.
    pub wants_output: bool,
}

/// What a chain reports back for one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxOutcome {
    /// Receipt gas: after refunds, intrinsic cost included.
    pub gas_used: u64,
    pub success: bool,
    /// Return or revert data.
    pub output: Bytes,
    /// Why the transaction halted, in words (`out of gas with a gas limit of 50,000`), when it
    /// failed without a revert: no revert data to decode, and not a revert at all.
    pub halt: Option<String>,
    /// The created contract, for successful deployments.
    pub created: Option<Address>,
    /// Runtime code size of the created contract.
    pub code_size: Option<u64>,
    pub method: GasMethod,
    /// Where the gas went, when the chain attributes it (the embedded EVM); an error says why
    /// a transaction could not be attributed.
    pub attribution: Option<Result<Attribution, String>>,
    /// Somnia's upper bound and needed gas limit, under `[evm] gas_schedule = "somnia"`.
    pub bounds: Option<bounds::Bounds>,
    /// A frame inside the transaction (or the transaction itself) halted, losing all the gas it
    /// was given, and the figure changes with the transaction's gas limit: the halt, in words.
    /// `None` when nothing halted, or when what halted had a limit of its own (a
    /// `call{gas: 5000}`), which the transaction's limit does not move.
    pub depends_on_limit: Option<String>,
}

/// The words for the halts a frame most often meets, the same from every chain, so a warning
/// reads the same whichever executor ran the step.
pub(crate) mod halt_words {
    pub const OUT_OF_GAS: &str = "out of gas";
    pub const INVALID: &str = "invalid opcode 0xFE, `INVALID`";
    pub const COLLISION: &str =
        "a contract creation at an occupied address, such as a CREATE2 with a salt used before";
}

/// Something that executes transactions against a state: the embedded EVM or a node.
pub trait Chain {
    /// Starts a scenario from a fresh state with these balances.
    fn begin_scenario(&mut self, balances: &[(Address, U256)]) -> anyhow::Result<()>;
    /// Executes one transaction and commits its effects.
    fn execute(&mut self, tx: &TxRequest) -> anyhow::Result<TxOutcome>;
    /// The size of the code at `address` in the scenario's current state (0: an account).
    fn code_len(&mut self, address: Address) -> anyhow::Result<usize>;
}

/// A profiling failure, located by scenario and step.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("scenario `{scenario}`, step {step}: expected the transaction to succeed, but it reverted{}", reason_suffix(.reason))]
    UnexpectedRevert { scenario: String, step: usize, reason: Option<String> },
    #[error(
        "scenario `{scenario}`, step {step}: expected the transaction to succeed, but it halted: {reason}"
    )]
    UnexpectedHalt { scenario: String, step: usize, reason: String },
    #[error("scenario `{scenario}`, step {step}: expected a revert, but the transaction succeeded")]
    ExpectedRevert { scenario: String, step: usize },
    #[error(
        "scenario `{scenario}`, step {step}: `{alias}` has no address (the step that names it did not succeed)"
    )]
    MissingAlias { scenario: String, step: usize, alias: String },
    #[error(
        "scenario `{scenario}`, step {step}: `{address}` has no code: calling `{function}` there would succeed without running anything\n\nhint: check the address; to send ether to an account, drop `function` and keep `value`"
    )]
    NoCode { scenario: String, step: usize, address: String, function: String },
    #[error("scenario `{scenario}`, step {step}: `{function}` returned no address to name `{name}`{detail}")]
    Capture { scenario: String, step: usize, function: String, name: String, detail: String },
    #[error("scenario `{scenario}`, step {step}: {message}")]
    Encode { scenario: String, step: usize, message: String },
    #[error("scenario `{scenario}`, step {step}")]
    Chain { scenario: String, step: usize, source: anyhow::Error },
}

/// The sender cannot pay for a transaction: its value plus its gas limit at the gas price.
#[derive(Debug)]
pub struct InsufficientFunds {
    pub account: Address,
    /// The account's name in the config (`alice`), when it has one.
    pub name: Option<String>,
    pub balance: U256,
    pub needed: U256,
}

impl std::fmt::Display for InsufficientFunds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let address = self.account.to_checksum(None);
        let (shown, key) = match &self.name {
            Some(name) => (format!("`{name}` ({address})"), name.clone()),
            None => (format!("`{address}`"), format!("\"{address}\"")),
        };
        let needed = format_ether(self.needed);
        write!(
            f,
            "{shown} cannot pay for the transaction: it holds {} ether, and the value plus the gas limit at the gas price come to {needed} ether\n\nhint: give it more in the scenario, e.g. `fund = {{ {key} = \"{needed} ether\" }}`",
            format_ether(self.balance)
        )
    }
}

impl std::error::Error for InsufficientFunds {}

/// Gives an [`InsufficientFunds`] error the account's name from the config.
fn name_account(error: anyhow::Error, accounts: &BTreeMap<String, Address>) -> anyhow::Error {
    match error.downcast::<InsufficientFunds>() {
        Ok(mut funds) => {
            funds.name =
                accounts.iter().find(|(_, address)| **address == funds.account).map(|(name, _)| name.clone());
            anyhow::Error::new(funds)
        }
        Err(error) => error,
    }
}

fn reason_suffix(reason: &Option<String>) -> String {
    reason.as_ref().map(|reason| format!(" with {reason}")).unwrap_or_default()
}

/// Knobs of a run that are not part of the plan.
#[derive(Debug, Clone, Copy)]
pub struct RunSettings {
    pub spec: SpecId,
    /// Gas limit of each transaction unless a step sets its own.
    pub tx_gas_limit: u64,
}

/// The results of running a plan.
#[derive(Debug, Clone, Default)]
pub struct RunOutput {
    pub calls: Vec<CallRecord>,
    /// Runtime size and init code size of each deployed contract, by id.
    pub sizes: BTreeMap<String, (u64, u64)>,
    /// Figures that are not what they seem, located by scenario and step, for stderr.
    pub warnings: Vec<String>,
    /// The attribution of each call, in the order of `calls` (`None`: not attributed); empty
    /// when no call is (a run without attribution holds no slot per call).
    pub attributions: Vec<Option<Attribution>>,
    /// Transactions that could not be attributed, located, with the reason.
    pub attribution_errors: Vec<String>,
    /// The sum of the calls' attributions per report entry ([`GasReport::entry_sums`]), added
    /// up scenario by scenario where each ran: what the entries' attributions are the means of.
    pub entry_sums: EntrySums,
}

/// Runs every scenario of `plan` on `chain`, one after another. `progress` is called after each
/// transaction.
pub fn run_plan(
    plan: &Plan,
    chain: &mut dyn Chain,
    settings: RunSettings,
    errors: &[AbiError],
    progress: impl Fn(),
) -> Result<RunOutput, ProfileError> {
    let decoder = RevertDecoder::new(errors);
    let mut checksums = BTreeMap::new();
    let mut output = RunOutput::default();
    for scenario in &plan.scenarios {
        let part = run_scenario(plan, scenario, chain, settings, &decoder, &mut checksums, &progress)?;
        output.append(part);
    }
    output.entry_sums = GasReport::entry_sums(&output.calls, &output.attributions);
    Ok(output)
}

/// Runs the scenarios of `plan` on up to `jobs` threads, each with its own chain made by
/// `new_chain`, and returns what [`run_plan`] would: every scenario starts from a fresh state,
/// so they are independent, and their results are put back in the plan's order. The error is
/// the one a sequential run would meet first (the earliest failing scenario); scenarios after
/// it are not started once it is known. The calls' attributions are summed per entry
/// ([`RunOutput::entry_sums`]) on the thread that ran them, about a thousand calls at a time (see
/// [`Unsummed`]), then dropped there unless `keep_attributions`.
pub fn run_plan_parallel<C: Chain>(
    plan: &Plan,
    jobs: usize,
    new_chain: &(dyn Fn() -> C + Sync),
    settings: RunSettings,
    errors: &[AbiError],
    progress: &(dyn Fn() + Sync),
    keep_attributions: bool,
) -> Result<RunOutput, ProfileError> {
    let jobs = jobs.clamp(1, plan.scenarios.len().max(1));
    let next = AtomicUsize::new(0);
    // The index of the earliest scenario known to have failed.
    let failed = AtomicUsize::new(usize::MAX);
    let results = Mutex::new(InOrder::new(plan, keep_attributions));
    let work = || {
        let decoder = RevertDecoder::new(errors);
        let mut checksums = BTreeMap::new();
        let mut chain = new_chain();
        let mut batch = Unsummed::default();
        let keep = |parts: Vec<(usize, RunOutput)>| {
            let mut results = results.lock().unwrap_or_else(PoisonError::into_inner);
            for (index, part) in parts {
                results.put(index, Ok(part));
            }
        };
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(scenario) = plan.scenarios.get(index) else { break };
            if index > failed.load(Ordering::Relaxed) {
                break;
            }
            let result =
                run_scenario(plan, scenario, &mut chain, settings, &decoder, &mut checksums, progress);
            match result {
                Ok(part) => keep(batch.add(index, part, keep_attributions)),
                Err(error) => {
                    failed.fetch_min(index, Ordering::Relaxed);
                    results.lock().unwrap_or_else(PoisonError::into_inner).put(index, Err(error));
                }
            }
        }
        keep(batch.flush(keep_attributions));
    };
    std::thread::scope(|scope| {
        // This thread is one of the `jobs` (the only one with one job): its allocator already
        // holds the memory the config and the plan were read with, where a new thread's would
        // touch all of it afresh.
        for _ in 1..jobs {
            scope.spawn(work);
        }
        work();
    });
    results.into_inner().unwrap_or_else(PoisonError::into_inner).finish()
}

/// The scenarios' results put together in the plan's order as the workers hand them in, rather
/// than all at the end: the records are copied while the other threads still run, and each
/// scenario's own records are freed soon enough for its thread to reuse the memory.
struct InOrder {
    output: RunOutput,
    /// The next scenario to append; those after it that came in already wait.
    next: usize,
    waiting: BTreeMap<usize, Result<RunOutput, ProfileError>>,
}

impl InOrder {
    fn new(plan: &Plan, keep_attributions: bool) -> Self {
        // Room for every record at once (up to a bound: see `run_scenario`), so that each is
        // copied once.
        let transactions = plan
            .scenarios
            .iter()
            .flat_map(|scenario| &scenario.steps)
            .map(|step| step.repeat as usize)
            .fold(0usize, usize::saturating_add)
            .min(1 << 20);
        let mut output = RunOutput::default();
        output.calls.reserve(transactions);
        if keep_attributions {
            output.attributions.reserve(transactions);
        }
        Self { output, next: 0, waiting: BTreeMap::new() }
    }

    /// Scenario `index`'s result; appended with those waiting behind it once every scenario
    /// before it is.
    fn put(&mut self, index: usize, result: Result<RunOutput, ProfileError>) {
        self.waiting.insert(index, result);
        while let Some(Ok(_)) = self.waiting.get(&self.next) {
            if let Some(Ok(part)) = self.waiting.remove(&self.next) {
                self.output.append(part);
            }
            self.next += 1;
        }
    }

    /// The run's output, or the error of the earliest scenario that failed (the workers start
    /// no scenario after one known to have failed, so every scenario before it is appended).
    fn finish(mut self) -> Result<RunOutput, ProfileError> {
        match self.waiting.remove(&self.next) {
            Some(Err(error)) => Err(error),
            _ => Ok(self.output),
        }
    }
}

/// Scenarios a thread ran whose calls' attributions are not summed yet. They are summed
/// together (one [`Attribution::sum`] per entry) once they hold [`Unsummed::CALLS`] calls or the
/// thread is done, rather than scenario by scenario: a sum costs about as much per entry as per
/// call, and suites of many short scenarios would pay it per scenario. The batch's sums go to
/// its first scenario's [`RunOutput::entry_sums`] (sums add up in any grouping), and the
/// attributions are dropped unless kept.
struct Unsummed {
    parts: Vec<(usize, RunOutput)>,
    calls: usize,
    /// How many calls make a batch.
    limit: usize,
}

impl Default for Unsummed {
    fn default() -> Self {
        Self { parts: Vec::new(), calls: 0, limit: Self::CALLS }
    }
}

impl Unsummed {
    /// A thousand calls' attributions are a few megabytes: more would only take memory (each
    /// thread touches its batch's afresh), fewer would sum suites of short scenarios more often.
    const CALLS: usize = 1024;

    /// Adds scenario `index`'s `part`; returns the batch, summed, when it is full.
    fn add(&mut self, index: usize, part: RunOutput, keep_attributions: bool) -> Vec<(usize, RunOutput)> {
        self.calls += part.calls.len();
        self.parts.push((index, part));
        if self.calls >= self.limit { self.flush(keep_attributions) } else { Vec::new() }
    }

    /// The scenarios held, the first with the sums of them all.
    fn flush(&mut self, keep_attributions: bool) -> Vec<(usize, RunOutput)> {
        let mut parts = std::mem::take(&mut self.parts);
        self.calls = 0;
        let sums = GasReport::entry_sums_of(parts.iter().flat_map(|(_, part)| {
            part.calls.iter().zip(part.attributions.iter().map(Option::as_ref).chain(std::iter::repeat(None)))
        }));
        if let Some((_, first)) = parts.first_mut() {
            first.entry_sums = sums;
        }
        if !keep_attributions {
            for (_, part) in &mut parts {
                part.attributions = Vec::new();
            }
        }
        parts
    }
}

impl RunOutput {
    /// Adds the results of the scenarios that ran after those already here.
    fn append(&mut self, later: RunOutput) {
        // The first scenario's records move in whole rather than one by one (unless room for
        // all of them was made already).
        let (calls, later_calls) = (self.calls.len(), later.calls.len());
        if self.calls.is_empty() && self.attributions.is_empty() && self.calls.capacity() == 0 {
            self.calls = later.calls;
            self.attributions = later.attributions;
        } else {
            self.calls.extend(later.calls);
            append_attributions(&mut self.attributions, calls, later.attributions, later_calls);
        }
        // A contract deployed in several scenarios keeps the sizes of its last deployment.
        self.sizes.extend(later.sizes);
        self.warnings.extend(later.warnings);
        self.attribution_errors.extend(later.attribution_errors);
        GasReport::add_entry_sums(&mut self.entry_sums, later.entry_sums);
    }
}

/// Appends the attributions of `later_calls` calls (`later`) to those of the `calls` calls before
/// them, either of which may be empty for "none attributed" (see [`RunOutput::attributions`]):
/// the result is empty, or one per call.
pub fn append_attributions(
    attributions: &mut Vec<Option<Attribution>>,
    calls: usize,
    later: Vec<Option<Attribution>>,
    later_calls: usize,
) {
    match (attributions.is_empty(), later.is_empty()) {
        (true, true) => {}
        (false, true) => attributions.resize(calls + later_calls, None),
        (true, false) if calls == 0 => *attributions = later,
        _ => {
            attributions.resize(calls, None);
            attributions.extend(later);
        }
    }
}

/// Runs one scenario from a fresh state.
fn run_scenario(
    plan: &Plan,
    scenario: &ScenarioPlan,
    chain: &mut dyn Chain,
    settings: RunSettings,
    decoder: &RevertDecoder<'_>,
    checksums: &mut BTreeMap<Address, Name>,
    progress: &dyn Fn(),
) -> Result<RunOutput, ProfileError> {
    let mut output = RunOutput::default();
    // One record per transaction: room for all of them at once (up to a bound: `repeat` is
    // the user's, and a reservation too large would abort where a long run only takes long).
    let transactions: usize =
        scenario.steps.iter().map(|step| step.repeat as usize).sum::<usize>().min(1 << 16);
    output.calls.reserve(transactions);
    // EIP-55 checksums cost a keccak each; a run repeats the same few addresses.
    let mut checksum = |address: Address| -> Name {
        checksums.entry(address).or_insert_with(|| address.to_checksum(None).into()).clone()
    };
    // The names every record of the scenario shares (see `Name`).
    let scenario_name: Name = scenario.name.as_str().into();
    chain.begin_scenario(&scenario.balances).map_err(|source| ProfileError::Chain {
        scenario: scenario.name.clone(),
        step: 0,
        source,
    })?;
    let mut state = ScenarioState::default();
    for step in &scenario.steps {
        let located = |message: String| ProfileError::Encode {
            scenario: scenario.name.clone(),
            step: step.index,
            message,
        };
        let built = build_tx(plan, step, &state).map_err(|e| match e {
            BuildError::Alias(alias) => {
                ProfileError::MissingAlias { scenario: scenario.name.clone(), step: step.index, alias }
            }
            BuildError::Message(message) => located(message),
        })?;
        // The same for every repetition of the step.
        let intrinsic = intrinsic_gas(settings.spec, &built.input, built.to.is_none());
        let chain_error =
            |source| ProfileError::Chain { scenario: scenario.name.clone(), step: step.index, source };
        let needs_code = match &step.action {
            Action::Call { payload: Payload::Function { .. }, .. } => true,
            Action::Call { payload: Payload::Raw { expects_code, .. }, .. } => *expects_code,
            Action::Deploy { .. } => false,
        };
        if let (true, Some(to)) = (needs_code, built.to)
            && chain.code_len(to).map_err(chain_error)? == 0
        {
            return Err(ProfileError::NoCode {
                scenario: scenario.name.clone(),
                step: step.index,
                address: to.to_checksum(None),
                function: built.function.clone(),
            });
        }
        let capture = match &step.action {
            Action::Call { payload: Payload::Function { function, capture: Some(capture), .. }, .. } => {
                Some((function, capture))
            }
            _ => None,
        };
        let gas_limit = step.gas_limit.unwrap_or(settings.tx_gas_limit);
        let contract: Name = built.contract.as_str().into();
        let function: Name = match &step.label {
            Some(label) => format!("{} [{label}]", built.function).into(),
            None => built.function.as_str().into(),
        };
        let mut warned = false;
        for iteration in 1..=step.repeat {
            let tx = TxRequest {
                from: step.from,
                to: built.to,
                value: step.value,
                input: built.input.clone(),
                gas_limit,
                wants_output: capture.is_some(),
            };
            let outcome = chain.execute(&tx).map_err(|source| ProfileError::Chain {
                scenario: scenario.name.clone(),
                step: step.index,
                source: name_account(source, &plan.accounts),
            })?;
            let revert = (!outcome.success).then(|| match &outcome.halt {
                Some(halt) => format!("halted: {halt}"),
                None => decoder.decode(&outcome.output),
            });
            match (step.expect, outcome.success) {
                (Expect::Success, false) => {
                    let (scenario, step) = (scenario.name.clone(), step.index);
                    return Err(match &outcome.halt {
                        Some(reason) => {
                            ProfileError::UnexpectedHalt { scenario, step, reason: reason.clone() }
                        }
                        None => ProfileError::UnexpectedRevert { scenario, step, reason: revert },
                    });
                }
                (Expect::Revert, true) => {
                    return Err(ProfileError::ExpectedRevert {
                        scenario: scenario.name.clone(),
                        step: step.index,
                    });
                }
                _ => {}
            }
            if let (Some((function, capture)), true) = (capture, outcome.success) {
                let address =
                    captured(function, capture, &outcome.output).map_err(|detail| ProfileError::Capture {
                        scenario: scenario.name.clone(),
                        step: step.index,
                        function: function.signature(),
                        name: capture.name.clone(),
                        detail,
                    })?;
                state.aliases.insert(capture.name.clone(), address);
            }
            // The figure measures the limit, not the code: the transaction used all of it (it
            // halted, or needed exactly that), or a frame inside it halted after being given
            // all but 1/64 of what was left, which the chain checked (see `TxOutcome`).
            let used_all = outcome.gas_used >= gas_limit;
            if !warned && (used_all || outcome.depends_on_limit.is_some()) {
                warned = true;
                output.warnings.push(limit_warning(
                    &scenario.name,
                    step,
                    outcome.gas_used,
                    gas_limit,
                    outcome.depends_on_limit.as_deref(),
                ));
            }
            if let Some(bounds) = outcome.bounds
                && bounds.gas_limit_needed > gas_limit
            {
                output.warnings.push(format!(
                    "scenario `{}`, step {}, iteration {iteration}: the gas limit {} is below the {} Somnia needs (more than 1,000,000 gas left at each first access): on Somnia this transaction would fail",
                    scenario.name,
                    step.index,
                    crate::core::number::group_digits(gas_limit),
                    crate::core::number::group_digits(bounds.gas_limit_needed),
                ));
            }
            let target = built.to.or(outcome.created).unwrap_or_default();
            if let (Action::Deploy { contract, alias, .. }, Some(created)) = (&step.action, outcome.created) {
                if let Some(alias) = alias {
                    state.aliases.insert(alias.clone(), created);
                }
                state.deployed.insert(contract.clone(), created);
                output.sizes.insert(contract.clone(), (outcome.code_size.unwrap_or(0), built.initcode_size));
            }
            match outcome.attribution {
                Some(Ok(attribution)) => {
                    if output.attributions.is_empty() {
                        output.attributions.reserve(transactions);
                    }
                    // The calls before this one that were not attributed.
                    output.attributions.resize(output.calls.len(), None);
                    output.attributions.push(Some(attribution));
                }
                Some(Err(reason)) => output.attribution_errors.push(format!(
                    "scenario `{}`, step {}, iteration {iteration}: {reason}",
                    scenario.name, step.index
                )),
                None => {}
            }
            output.calls.push(CallRecord {
                scenario: scenario_name.clone(),
                step: step.index,
                iteration,
                contract: contract.clone(),
                function: function.clone(),
                from: checksum(step.from),
                to: checksum(target),
                gas_used: outcome.gas_used,
                execution_gas: outcome.gas_used.saturating_sub(intrinsic),
                status: if outcome.success { CallStatus::Success } else { CallStatus::Revert },
                revert,
                method: outcome.method,
                gas_used_upper: outcome.bounds.map(|bounds| bounds.gas_used_upper),
                gas_limit_needed: outcome.bounds.map(|bounds| bounds.gas_limit_needed),
                gas_limit: outcome.bounds.map(|_| gas_limit),
            });
            progress();
        }
    }
    if !output.attributions.is_empty() {
        output.attributions.resize(output.calls.len(), None);
    }
    Ok(output)
}

/// The warning for a figure that depends on the gas limit rather than on the code.
fn limit_warning(
    scenario: &str,
    step: &StepPlan,
    gas_used: u64,
    gas_limit: u64,
    halt: Option<&str>,
) -> String {
    let limit = crate::core::number::group_digits(gas_limit);
    let used = if gas_used >= gas_limit {
        format!("all of its {limit} gas limit")
    } else {
        format!("{} of its {limit} gas limit", crate::core::number::group_digits(gas_used))
    };
    let why = match halt {
        Some(halt) => format!(": a frame in it halted ({halt}) and lost all the gas it was given"),
        None => String::new(),
    };
    let hint = match step.gas_limit {
        None => "set `gas_limit` on the step to the limit the figure should reflect".to_owned(),
        Some(_) => {
            "the figure follows the step's `gas_limit`: keep it at the limit the figure should reflect"
                .to_owned()
        }
    };
    format!(
        "scenario `{scenario}`, step {}: the transaction used {used}, so its figure depends on the gas limit rather than on the code{why}\n\nhint: {hint}",
        step.index
    )
}

/// Addresses known inside one scenario.
#[derive(Default)]
struct ScenarioState {
    aliases: BTreeMap<String, Address>,
    /// Last deployed address of each contract id, for linking libraries.
    deployed: BTreeMap<String, Address>,
}

enum BuildError {
    Alias(String),
    Message(String),
}

/// One step's transaction, before it is repeated.
struct BuiltTx {
    /// `None` creates a contract.
    to: Option<Address>,
    input: Bytes,
    /// Contract id and function signature (`constructor` for deployments), for the report.
    contract: String,
    function: String,
    /// Linked init code size without constructor arguments; 0 for calls.
    initcode_size: u64,
}

/// The address a call returned, for `as`.
fn captured(
    function: &alloy::json_abi::Function,
    capture: &Capture,
    output: &[u8],
) -> Result<Address, String> {
    let values = function
        .abi_decode_output(output)
        .map_err(|error| format!(": its return data does not decode ({error})"))?;
    match values.get(capture.index) {
        Some(DynSolValue::Address(address)) => Ok(*address),
        _ => Err(format!(" at return value {}", capture.index)),
    }
}

/// An argument with the addresses of names filled in, at any depth.
fn resolve_arg(arg: &Arg, state: &ScenarioState) -> Result<DynSolValue, BuildError> {
    let all =
        |items: &[Arg]| items.iter().map(|item| resolve_arg(item, state)).collect::<Result<Vec<_>, _>>();
    Ok(match arg {
        Arg::Value(value) => value.clone(),
        Arg::Alias(alias) => {
            DynSolValue::Address(*state.aliases.get(alias).ok_or_else(|| BuildError::Alias(alias.clone()))?)
        }
        Arg::Array(items) => DynSolValue::Array(all(items)?),
        Arg::FixedArray(items) => DynSolValue::FixedArray(all(items)?),
        Arg::Tuple(items) => DynSolValue::Tuple(all(items)?),
    })
}

fn build_tx(plan: &Plan, step: &StepPlan, state: &ScenarioState) -> Result<BuiltTx, BuildError> {
    let resolve = |args: &[Arg]| -> Result<Vec<DynSolValue>, BuildError> {
        args.iter().map(|arg| resolve_arg(arg, state)).collect()
    };
    match &step.action {
        Action::Deploy { contract, code, args, .. } => {
            let mut input = code.link(|library| {
                state
                    .deployed
                    .get(library)
                    .or_else(|| plan.libraries.get(library))
                    .copied()
                    .ok_or_else(|| BuildError::Message(format!("library `{library}` is not deployed")))
            })?;
            let initcode_size = input.len() as u64;
            let values = resolve(args)?;
            if !values.is_empty() {
                input.extend_from_slice(&DynSolValue::Tuple(values).abi_encode_params());
            }
            Ok(BuiltTx {
                to: None,
                input: input.into(),
                contract: contract.clone(),
                function: "constructor".into(),
                initcode_size,
            })
        }
        Action::Call { target, contract, payload } => {
            let address = match target {
                Target::Address(address) => *address,
                Target::Alias(alias) => {
                    *state.aliases.get(alias).ok_or_else(|| BuildError::Alias(alias.clone()))?
                }
            };
            let (input, function) = match payload {
                Payload::Function { function, args, .. } => {
                    let values = resolve(args)?;
                    let input = function.abi_encode_input(&values).map_err(|error| {
                        BuildError::Message(format!("cannot encode `{}`: {error}", function.signature()))
                    })?;
                    (input.into(), function.signature())
                }
                Payload::Raw { data, name, .. } => (data.clone(), name.clone()),
            };
            Ok(BuiltTx { to: Some(address), input, contract: contract.clone(), function, initcode_size: 0 })
        }
    }
}

/// The intrinsic gas of a transaction: what it costs before the first opcode runs.
pub fn intrinsic_gas(spec: SpecId, input: &[u8], is_create: bool) -> u64 {
    intrinsic_gas_of(&::revm::context_interface::cfg::GasParams::new_spec(spec), input, is_create)
}

/// What creating adds to a transaction's intrinsic cost (the creation and the init code's
/// words: [`intrinsic_gas`] of `input` as a create less as a call), without reading the input's
/// bytes again.
pub fn create_part_of(
    table: &::revm::context_interface::cfg::GasParams,
    input: &[u8],
    is_create: bool,
) -> u64 {
    match is_create {
        true => table.tx_create_cost() + table.tx_initcode_cost(input.len()),
        false => 0,
    }
}

/// [`intrinsic_gas`] from a spec's gas table made once (making one is most of the cost).
pub fn intrinsic_gas_of(
    table: &::revm::context_interface::cfg::GasParams,
    input: &[u8],
    is_create: bool,
) -> u64 {
    let gas = table.initial_tx_gas(input, is_create, 0, 0, 0, None);
    gas.initial_regular_gas + gas.initial_state_gas
}

/// Decodes revert data into `Error("reason")`, `Panic(0x11)` or `CustomError(args…)`.
pub struct RevertDecoder<'a> {
    errors: BTreeMap<[u8; 4], &'a AbiError>,
}

impl<'a> RevertDecoder<'a> {
    pub fn new(errors: &'a [AbiError]) -> Self {
        Self { errors: errors.iter().map(|error| (error.selector().0, error)).collect() }
    }

    pub fn decode(&self, data: &[u8]) -> String {
        if data.is_empty() {
            return "no revert data".into();
        }
        if let Some(reason) = alloy::sol_types::decode_revert_reason(data)
            && (data.starts_with(&[0x08, 0xc3, 0x79, 0xa0]) || data.starts_with(&[0x4e, 0x48, 0x7b, 0x71]))
        {
            return reason;
        }
        if data.len() >= 4 {
            let selector: [u8; 4] = [data[0], data[1], data[2], data[3]];
            if let Some(error) = self.errors.get(&selector)
                && let Ok(values) = error.abi_decode_input(&data[4..])
            {
                let args: Vec<String> = values.iter().map(format_value).collect();
                return format!("{}({})", error.name, args.join(", "));
            }
        }
        format!("unknown revert data 0x{}", alloy::primitives::hex::encode(data))
    }
}

fn format_value(value: &DynSolValue) -> String {
    match value {
        DynSolValue::Address(address) => address.to_checksum(None),
        DynSolValue::Uint(number, _) => number.to_string(),
        DynSolValue::Int(number, _) => number.to_string(),
        DynSolValue::Bool(flag) => flag.to_string(),
        DynSolValue::String(text) => format!("{text:?}"),
        DynSolValue::Bytes(bytes) => format!("0x{}", alloy::primitives::hex::encode(bytes)),
        DynSolValue::FixedBytes(word, size) => {
            format!("0x{}", alloy::primitives::hex::encode(&word[..*size]))
        }
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => {
            format!("[{}]", items.iter().map(format_value).collect::<Vec<_>>().join(", "))
        }
        DynSolValue::Tuple(items) => {
            format!("({})", items.iter().map(format_value).collect::<Vec<_>>().join(", "))
        }
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::attribution::{GasKind, LineKey};

    fn call(scenario: &str, function: &str, gas_used: u64) -> CallRecord {
        CallRecord {
            scenario: scenario.into(),
            ..CallRecord::example(function, CallStatus::Success, gas_used)
        }
    }

    #[test]
    fn the_create_part_is_what_creating_adds_to_the_intrinsic_cost() {
        for spec in [SpecId::BERLIN, SpecId::SHANGHAI, SpecId::CANCUN, SpecId::PRAGUE] {
            let table = ::revm::context_interface::cfg::GasParams::new_spec(spec);
            for len in [0, 1, 31, 32, 33, 100, 4096, 24_577] {
                // Zero and non-zero bytes, priced differently as calldata.
                let input: Vec<u8> = (0..len).map(|index| (index % 3) as u8).collect();
                let as_create = intrinsic_gas_of(&table, &input, true);
                let as_call = intrinsic_gas_of(&table, &input, false);
                assert_eq!(
                    create_part_of(&table, &input, true),
                    as_create - as_call,
                    "{spec:?}, {len} bytes"
                );
                assert_eq!(create_part_of(&table, &input, false), 0);
                assert_eq!(as_create, intrinsic_gas(spec, &input, true));
            }
        }
    }

    #[test]
    fn attributions_stay_beside_their_calls_when_some_parts_have_none() {
        let attribution = |gas: i64| {
            Some(Attribution::from_parts(
                1,
                [(GasKind::Compute, gas)],
                [("f()".to_owned(), gas)],
                [(LineKey::pseudo("<code>"), gas)],
                Vec::new(),
            ))
        };
        let part = |calls: usize, attributions: Vec<Option<Attribution>>| RunOutput {
            calls: (0..calls).map(|n| call("s", "f()", n as u64)).collect(),
            attributions,
            ..RunOutput::default()
        };
        // Unattributed parts hold no slot per call; each attributed call keeps its place.
        let parts = [
            part(2, Vec::new()),
            part(2, vec![None, attribution(7)]),
            part(3, Vec::new()),
            part(1, vec![attribution(9)]),
            part(2, Vec::new()),
        ];
        let mut output = RunOutput::default();
        for part in parts.iter().cloned() {
            output.append(part);
        }
        let gas: Vec<Option<i64>> =
            output.attributions.iter().map(|a| a.as_ref().map(|a| a.by_frame[0].gas)).collect();
        assert_eq!(gas, [None, None, None, Some(7), None, None, None, Some(9), None, None]);
        assert_eq!(output.calls.len(), 10);
        // The same through `append_attributions`, as projects are put together.
        let mut all = Vec::new();
        let mut calls = 0;
        for part in parts.iter().cloned() {
            append_attributions(&mut all, calls, part.attributions, part.calls.len());
            calls += part.calls.len();
        }
        assert_eq!(all, output.attributions);
        // With no call attributed anywhere, nothing is held.
        let mut output = RunOutput::default();
        for part in [part(2, Vec::new()), part(3, Vec::new())] {
            output.append(part);
        }
        assert!(output.attributions.is_empty());
        assert_eq!(output.calls.len(), 5);
    }

    /// Scenarios summed in batches of any size give the entries' one-pass means; each batch's
    /// sums go with its first scenario, the scenarios come back in order, and the calls'
    /// attributions are dropped unless kept.
    #[test]
    fn batches_of_scenarios_give_the_one_pass_means() {
        let scenarios: Vec<RunOutput> = (0..7u64)
            .map(|index| {
                let calls: Vec<CallRecord> = (0..=index % 3)
                    .map(|n| {
                        call(&format!("s{index}"), ["f()", "g()"][(n % 2) as usize], 21_000 + 10 * index + n)
                    })
                    .collect();
                let attributions = calls
                    .iter()
                    .map(|call| {
                        let rest = call.gas_used as i64 - 21_000;
                        Some(Attribution::from_parts(
                            1,
                            [(GasKind::Intrinsic, 21_000), (GasKind::Compute, rest)],
                            [(call.function.clone(), call.gas_used as i64)],
                            [
                                (LineKey::pseudo("<intrinsic>"), 21_000),
                                (LineKey::pseudo(&call.scenario), rest),
                            ],
                            Vec::new(),
                        ))
                    })
                    .collect();
                RunOutput { calls, attributions, ..RunOutput::default() }
            })
            .collect();
        let all_calls: Vec<CallRecord> = scenarios.iter().flat_map(|part| part.calls.clone()).collect();
        let all_attributions: Vec<Option<Attribution>> =
            scenarios.iter().flat_map(|part| part.attributions.clone()).collect();
        let contracts = GasReport::aggregate(&all_calls, &BTreeMap::new());
        let one_pass = GasReport::attribute(&all_calls, &all_attributions, &contracts);
        assert_eq!(one_pass.len(), 2);
        for limit in [1, 2, 3, 5, 100] {
            for keep in [false, true] {
                let mut batch = Unsummed { limit, ..Unsummed::default() };
                let mut back = Vec::new();
                for (index, part) in scenarios.iter().cloned().enumerate() {
                    back.extend(batch.add(index, part, keep));
                }
                back.extend(batch.flush(keep));
                assert_eq!(
                    back.iter().map(|(index, _)| *index).collect::<Vec<_>>(),
                    (0..7).collect::<Vec<_>>()
                );
                assert!(back.iter().all(|(_, part)| part.attributions.is_empty() != keep), "limit {limit}");
                let mut output = RunOutput::default();
                for (_, part) in back {
                    output.append(part);
                }
                assert_eq!(output.calls, all_calls);
                assert_eq!(
                    GasReport::attribute_sums(&output.entry_sums, &contracts),
                    one_pass,
                    "limit {limit}"
                );
            }
        }
    }
}
