//! Somnia's gas schedule for the embedded EVM (`[evm] gas_schedule = "somnia"`), without a fork
//! of revm: revm 43 reads every dynamic price from the configuration's `GasParams` and every
//! static opcode price from the instruction set's gas table, so the schedule is a set of
//! overrides of those two tables, plus a precompile provider that scales the precompiles'
//! prices. The Ethereum schedule is revm's, untouched.
//!
//! Prices are Somnia's documented ones: docs.somnia.network, "Somnia gas differences to
//! Ethereum" (developer → deployment-and-production), collected in the README's "Somnia"
//! section with the choices made where the docs are silent. Storage and account accesses are
//! priced at the lower bound (every existing key and account is among the chain's recent ones):
//! no EIP-2929 cold surcharge at all.

use revm::bytecode::opcode;
use revm::context::Cfg;
use revm::context_interface::ContextTr;
use revm::context_interface::cfg::gas_params::{GasId, GasParams};
use revm::handler::{EthPrecompiles, PrecompileProvider, instructions::EthInstructions};
use revm::interpreter::{CallInputs, Host, InterpreterResult, InterpreterTypes};
use revm::precompile::{PrecompileHalt, PrecompileOutput};
use revm::primitives::{Address, AddressSet};

/// Whose prices the embedded EVM charges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GasSchedule {
    /// Ethereum mainnet's, as revm implements it for the configured hardfork.
    #[default]
    Ethereum,
    /// Somnia's documented schedule (lower bound for storage and accounts).
    Somnia,
}

impl GasSchedule {
    /// The name used in `gasguard.toml` and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ethereum => "ethereum",
            Self::Somnia => "somnia",
        }
    }

    /// Parses the `[evm] gas_schedule` value.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "ethereum" => Some(Self::Ethereum),
            "somnia" => Some(Self::Somnia),
            _ => None,
        }
    }
}

/// Somnia's price table, one row per documented rule. Kept in one place so that a correction
/// (the docs change, or `gasguard calibrate` disagrees) is one line.
pub mod price {
    /// LOG*n* base (G: 3,200; Ethereum 375).
    pub const LOG_BASE: u16 = 3_200;
    /// Per topic (G: 5,120; Ethereum 375).
    pub const LOG_TOPIC: u64 = 5_120;
    /// Per byte of data (G: 160; Ethereum 8).
    pub const LOG_BYTE: u64 = 160;
    /// KECCAK256 base (G: 1,250; Ethereum 30).
    pub const KECCAK_BASE: u16 = 1_250;
    /// KECCAK256 per word (G: 300; Ethereum 6).
    pub const KECCAK_WORD: u64 = 300;
    /// SELFBALANCE (G: 305; Ethereum 5).
    pub const SELFBALANCE: u16 = 305;
    /// ADDMOD and MULMOD (G: 358; Ethereum 8).
    pub const ADDMOD_MULMOD: u16 = 358;
    /// Per deployed byte (G: 3,125; Ethereum 200).
    pub const CODE_DEPOSIT_BYTE: u64 = 3_125;
    /// Creating a slot, on top of SSTORE's 100 static, in place of EIP-2200's 19,900 set part
    /// (G: 200,000; the replacement rather than an addition is our choice, see the README).
    pub const SLOT_CREATE: u64 = 200_000;
    /// Creating an account (G: 400,000): in place of the 25,000 new-account cost of a value
    /// transfer (the replacement is our choice, as for slots), and on top of CREATE's and
    /// CREATE2's 32,000, which G lists among the account operations (a contract creation
    /// creates an account; Ethereum's 32,000 includes it).
    pub const ACCOUNT_CREATE: u64 = 400_000;
    /// An access to a key or account not among the chain's recent ones (G: +1,000,000): the
    /// upper bound's surcharge.
    pub const NOT_RECENT: u64 = 1_000_000;
    /// Reading or creating a key or account requires more than this much gas remaining
    /// (checked, not charged).
    pub const REQUIRED_REMAINING: u64 = 1_000_000;
    /// ecRecover, flat (G: 150,000; Ethereum 3,000).
    pub const ECRECOVER: u64 = 150_000;
}

/// Somnia's dynamic prices over Ethereum's for `params`' hardfork. Applied once to a fresh
/// table: CREATE's price is read from it.
pub fn gas_params(params: &mut GasParams) {
    // CREATE and CREATE2 (whose price revm derives from this one) create an account: G charges
    // the 400,000 of a new account. A deployment transaction is not an opcode G lists: its
    // 32,000 stays (see the README's choices).
    let create = params.create_cost().saturating_add(price::ACCOUNT_CREATE);
    params.override_gas([
        (GasId::create(), create),
        (GasId::logtopic(), price::LOG_TOPIC),
        (GasId::logdata(), price::LOG_BYTE),
        (GasId::keccak256_per_word(), price::KECCAK_WORD),
        (GasId::code_deposit_cost(), price::CODE_DEPOSIT_BYTE),
        // Lower bound: every existing key and account is recent, so no cold surcharge.
        (GasId::cold_account_additional_cost(), 0),
        (GasId::cold_storage_additional_cost(), 0),
        (GasId::cold_storage_cost(), 0),
        (GasId::sstore_set_without_load_cost(), price::SLOT_CREATE),
        (GasId::new_account_cost(), price::ACCOUNT_CREATE),
    ]);
}

/// Somnia's static opcode prices in `instructions`' gas table.
pub fn instructions<W: InterpreterTypes, H: Host>(instructions: &mut EthInstructions<W, H>) {
    for log in opcode::LOG0..=opcode::LOG4 {
        instructions.insert_gas(log, price::LOG_BASE);
    }
    instructions.insert_gas(opcode::KECCAK256, price::KECCAK_BASE);
    instructions.insert_gas(opcode::SELFBALANCE, price::SELFBALANCE);
    instructions.insert_gas(opcode::ADDMOD, price::ADDMOD_MULMOD);
    instructions.insert_gas(opcode::MULMOD, price::ADDMOD_MULMOD);
}

/// How Somnia prices a precompile, relative to Ethereum's price for the same input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrecompilePrice {
    /// A flat price (ecRecover).
    Flat(u64),
    /// Ethereum's price times this.
    Times(u64),
}

/// Somnia's price rule for the precompile at `address`; `None` where it is Ethereum's
/// (identity, 0x04, is not listed: unchanged; the BLS12-381 set is not listed either).
pub fn precompile_price(address: &Address) -> Option<PrecompilePrice> {
    let bytes = address.as_slice();
    if bytes[..19].iter().any(|byte| *byte != 0) {
        return None;
    }
    match bytes[19] {
        0x01 => Some(PrecompilePrice::Flat(price::ECRECOVER)),
        0x02 | 0x06 | 0x0a => Some(PrecompilePrice::Times(50)),
        0x03 | 0x05 | 0x07 | 0x09 => Some(PrecompilePrice::Times(10)),
        0x08 => Some(PrecompilePrice::Times(250)),
        _ => None,
    }
}

/// revm's Ethereum precompiles, with Somnia's prices when `somnia` is set.
#[derive(Debug, Clone)]
pub struct SchedulePrecompiles {
    pub eth: EthPrecompiles,
    pub somnia: bool,
}

impl<CTX: ContextTr> PrecompileProvider<CTX> for SchedulePrecompiles {
    type Output = InterpreterResult;

    fn set_spec(&mut self, spec: <CTX::Cfg as Cfg>::Spec) -> bool {
        <EthPrecompiles as PrecompileProvider<CTX>>::set_spec(&mut self.eth, spec)
    }

    fn run(&mut self, context: &mut CTX, inputs: &CallInputs) -> Result<Option<InterpreterResult>, String> {
        let rule = if self.somnia { precompile_price(&inputs.bytecode_address) } else { None };
        let Some(rule) = rule else {
            return self.eth.run(context, inputs);
        };
        let Some(precompile) = self.eth.precompiles.get(&inputs.bytecode_address) else {
            return Ok(None);
        };
        let input = inputs.input.as_bytes(context);
        let output = match rule {
            PrecompilePrice::Flat(flat) if inputs.gas_limit < flat => {
                PrecompileOutput::halt(PrecompileHalt::OutOfGas, inputs.reservoir)
            }
            PrecompilePrice::Flat(flat) => {
                let mut output = precompile
                    .execute(&input, u64::MAX, inputs.reservoir)
                    .map_err(|error| error.to_string())?;
                if output.status.is_success_or_revert() {
                    output.gas_used = flat;
                }
                output
            }
            // Ethereum's price p fits in limit / k exactly when k·p fits in the limit.
            PrecompilePrice::Times(factor) => {
                let mut output = precompile
                    .execute(&input, inputs.gas_limit / factor, inputs.reservoir)
                    .map_err(|error| error.to_string())?;
                output.gas_used = output.gas_used.saturating_mul(factor);
                output
            }
        };
        Ok(Some(revm::handler::precompile_output_to_interpreter_result(output, inputs.gas_limit)))
    }

    fn warm_addresses(&self) -> &AddressSet {
        self.eth.warm_addresses()
    }

    fn contains(&self, address: &Address) -> bool {
        self.eth.contains(address)
    }
}

#[cfg(test)]
mod tests {
    //! Each documented price derived by differences of differences: two probes that differ by
    //! exactly one documented operation, run under both schedules. Calldata, dispatch, memory
    //! and the transaction base cancel; what remains is Somnia's price minus Ethereum's.

    use alloy::primitives::{Address, U256};
    use revm::primitives::hardfork::SpecId;

    use super::*;
    use crate::exec::revm::{BlockSettings, RevmChain};
    use crate::exec::{Chain, TxOutcome, TxRequest};

    const SENDER: Address = Address::repeat_byte(0x5e);
    const GAS: u64 = 10_000_000;

    /// Init code that deploys `runtime` as is.
    fn deployer(runtime: &[u8]) -> Vec<u8> {
        let len = u16::try_from(runtime.len()).unwrap_or(u16::MAX).to_be_bytes();
        // PUSH2 len, DUP1, PUSH1 10, PUSH0, CODECOPY, PUSH0, RETURN: 10 bytes, then the runtime.
        let mut code = vec![0x61, len[0], len[1], 0x80, 0x60, 10, 0x5f, 0x39, 0x5f, 0xf3];
        code.extend_from_slice(runtime);
        code
    }

    fn chain(schedule: GasSchedule) -> RevmChain<revm::database::EmptyDB> {
        let mut chain =
            RevmChain::empty(SpecId::PRAGUE, 31337, BlockSettings::default()).with_schedule(schedule);
        chain.begin_scenario(&[(SENDER, U256::from(10u128.pow(24)))]).unwrap();
        chain
    }

    /// Runs one transaction from the funded sender, successful or not.
    fn execute(
        chain: &mut RevmChain<revm::database::EmptyDB>,
        to: Option<Address>,
        input: Vec<u8>,
    ) -> TxOutcome {
        chain
            .execute(&TxRequest {
                from: SENDER,
                to,
                value: U256::ZERO,
                input: input.into(),
                gas_limit: GAS,
                wants_output: false,
            })
            .unwrap()
    }

    /// Runs one transaction that must succeed: its gas, and the contract it created.
    fn send(
        chain: &mut RevmChain<revm::database::EmptyDB>,
        to: Option<Address>,
        input: Vec<u8>,
    ) -> (u64, Option<Address>) {
        let outcome = execute(chain, to, input);
        assert!(outcome.success, "the probe failed: {outcome:?}");
        (outcome.gas_used, outcome.created)
    }

    /// Gas of one call to a contract whose runtime is `runtime`.
    fn call_gas(schedule: GasSchedule, runtime: &[u8]) -> u64 {
        let mut chain = chain(schedule);
        let (_, created) = send(&mut chain, None, deployer(runtime));
        send(&mut chain, created, Vec::new()).0
    }

    /// Gas of deploying `runtime`.
    fn deploy_gas(schedule: GasSchedule, runtime: &[u8]) -> u64 {
        send(&mut chain(schedule), None, deployer(runtime)).0
    }

    /// (Somnia(b) − Somnia(a)) − (Ethereum(b) − Ethereum(a)).
    fn difference_of_differences(gas: impl Fn(GasSchedule, &[u8]) -> u64, a: &[u8], b: &[u8]) -> i128 {
        let d = |schedule| i128::from(gas(schedule, b)) - i128::from(gas(schedule, a));
        d(GasSchedule::Somnia) - d(GasSchedule::Ethereum)
    }

    const PUSH0: u8 = 0x5f;

    #[test]
    fn one_more_log_topic_costs_5120_instead_of_375() {
        let a = [PUSH0, PUSH0, PUSH0, 0xa1, 0x00];
        let b = [PUSH0, PUSH0, PUSH0, PUSH0, 0xa2, 0x00];
        // b pushes one more word (2 gas in both schedules): it cancels.
        assert_eq!(difference_of_differences(call_gas, &a, &b), (5_120 - 375));
    }

    #[test]
    fn thirty_two_more_log_bytes_cost_160_each_instead_of_8() {
        // MSTORE first so both probes pay the same memory expansion.
        let a = [PUSH0, PUSH0, 0x52, PUSH0, PUSH0, 0xa0, 0x00];
        let b = [PUSH0, PUSH0, 0x52, 0x60, 32, PUSH0, 0xa0, 0x00];
        // PUSH1 32 (3) against PUSH0 (2): one gas in both schedules, it cancels.
        assert_eq!(difference_of_differences(call_gas, &a, &b), 32 * (160 - 8));
    }

    #[test]
    fn log_base_is_3200_instead_of_375() {
        let a = [PUSH0, PUSH0, 0x50, 0x50, 0x00];
        let b = [PUSH0, PUSH0, 0xa0, 0x00];
        // POP, POP (2 + 2) against LOG0: the base alone.
        assert_eq!(difference_of_differences(call_gas, &a, &b), 3_200 - 375);
    }

    #[test]
    fn two_more_keccak_words_cost_300_each_instead_of_6() {
        // MSTORE at 64 first so both probes pay the same memory expansion.
        let a = [PUSH0, 0x60, 64, 0x52, 0x60, 32, PUSH0, 0x20, 0x00];
        let b = [PUSH0, 0x60, 64, 0x52, 0x60, 96, PUSH0, 0x20, 0x00];
        assert_eq!(difference_of_differences(call_gas, &a, &b), 2 * (300 - 6));
    }

    #[test]
    fn keccak_base_is_1250_instead_of_30() {
        let a = [PUSH0, PUSH0, 0x50, 0x50, 0x00];
        let b = [PUSH0, PUSH0, 0x20, 0x50, 0x00];
        // POP (2) against KECCAK256 of nothing: the base alone, less the POP both pay the same.
        assert_eq!(difference_of_differences(call_gas, &a, &b), 1_250 - 30);
    }

    #[test]
    fn two_more_addmods_and_mulmods_cost_358_each_instead_of_8() {
        let one = [0x60, 7, 0x60, 5, 0x60, 3, 0x08, 0x50];
        let a = [&one[..], &[0x00]].concat();
        let b = [&one[..], &one[..], &one[..], &[0x00]].concat();
        assert_eq!(difference_of_differences(call_gas, &a, &b), 2 * (358 - 8));
        let mul =
            |op: &[u8]| op.iter().map(|byte| if *byte == 0x08 { 0x09 } else { *byte }).collect::<Vec<u8>>();
        assert_eq!(difference_of_differences(call_gas, &mul(&a), &mul(&b)), 2 * (358 - 8));
    }

    #[test]
    fn selfbalance_costs_305_instead_of_5() {
        let a = [0x00];
        let b = [0x47, 0x50, 0x00];
        assert_eq!(difference_of_differences(call_gas, &a, &b), 305 - 5);
    }

    /// STATICCALL(GAS, `precompile`, no input, no output), then STOP.
    fn static_call(precompile: u8) -> Vec<u8> {
        vec![PUSH0, PUSH0, PUSH0, PUSH0, 0x60, precompile, 0x5a, 0xfa, 0x50, 0x00]
    }

    #[test]
    fn ecrecover_is_a_flat_150000_instead_of_3000() {
        let without = [0x00];
        assert_eq!(difference_of_differences(call_gas, &without, &static_call(0x01)), 150_000 - 3_000);
    }

    #[test]
    fn sha256_is_50_times_ethereums_price() {
        // SHA-256 of nothing: 60 on Ethereum.
        assert_eq!(difference_of_differences(call_gas, &[0x00], &static_call(0x02)), 50 * 60 - 60);
    }

    #[test]
    fn ripemd160_is_10_times_ethereums_price() {
        // RIPEMD-160 of nothing: 600 on Ethereum.
        assert_eq!(difference_of_differences(call_gas, &[0x00], &static_call(0x03)), 10 * 600 - 600);
    }

    #[test]
    fn identity_keeps_ethereums_price() {
        assert_eq!(difference_of_differences(call_gas, &[0x00], &static_call(0x04)), 0);
    }

    #[test]
    fn ecrecover_with_less_than_its_flat_price_runs_out_of_gas() {
        // STATICCALL with 149,999 gas: the call fails, and the probe stores the failure as
        // its return value.
        let probe = [
            PUSH0, PUSH0, PUSH0, PUSH0, 0x60, 0x01, 0x62, 0x02, 0x49, 0xef, 0xfa, PUSH0, 0x52, 0x60, 32,
            PUSH0, 0xf3,
        ];
        let mut chain = chain(GasSchedule::Somnia);
        let (_, created) = send(&mut chain, None, deployer(&probe));
        let outcome = execute(&mut chain, created, Vec::new());
        assert_eq!(outcome.output.as_ref(), U256::ZERO.to_be_bytes::<32>());
    }

    #[test]
    fn code_deposit_is_3125_per_byte_instead_of_200() {
        let a = vec![0x00; 10];
        let b = vec![0x00; 20];
        // Ten more bytes of init code (calldata) cost the same in both schedules.
        assert_eq!(difference_of_differences(deploy_gas, &a, &b), 10 * (3_125 - 200));
    }

    #[test]
    fn creating_a_slot_costs_200000_instead_of_20000() {
        let a = [0x00];
        let b = [0x60, 1, PUSH0, 0x55, 0x00];
        // Ethereum: 20,000 set + 2,100 cold; Somnia (lower bound): 100 static + 200,000 for the
        // creation, no cold surcharge.
        assert_eq!(difference_of_differences(call_gas, &a, &b), 200_100 - 22_100);
    }

    const OTHER: Address = Address::repeat_byte(0x0b);
    const FRESH: Address = Address::repeat_byte(0xf5);

    /// Gas of one call, carrying 1,000 wei, to a contract whose runtime is `runtime`, on a chain
    /// where [`OTHER`] exists (funded) and [`FRESH`] does not.
    fn call_with_value_gas(schedule: GasSchedule, runtime: &[u8]) -> u64 {
        let mut chain =
            RevmChain::empty(SpecId::PRAGUE, 31337, BlockSettings::default()).with_schedule(schedule);
        chain.begin_scenario(&[(SENDER, U256::from(10u128.pow(24))), (OTHER, U256::from(1))]).unwrap();
        let (_, created) = send(&mut chain, None, deployer(runtime));
        let outcome = chain
            .execute(&TxRequest {
                from: SENDER,
                to: created,
                value: U256::from(1_000),
                input: Default::default(),
                gas_limit: GAS,
                wants_output: false,
            })
            .unwrap();
        assert!(outcome.success, "the probe failed: {outcome:?}");
        outcome.gas_used
    }

    /// BALANCE(`address`) first, so that Ethereum's cold access is paid before what follows,
    /// the same in every probe.
    fn touch(address: Address) -> Vec<u8> {
        [&[0x73][..], address.as_slice(), &[0x31, 0x50]].concat()
    }

    /// CALL(GAS, `to`, 1 wei, no data), STOP.
    fn call_with_one_wei(to: Address) -> Vec<u8> {
        [
            &touch(to)[..],
            &[PUSH0, PUSH0, PUSH0, PUSH0, 0x60, 1, 0x73],
            to.as_slice(),
            &[0x5a, 0xf1, 0x50, 0x00],
        ]
        .concat()
    }

    #[test]
    fn creating_an_account_costs_400000_by_value_transfer_and_by_create() {
        let existing = call_with_one_wei(OTHER);
        let fresh = call_with_one_wei(FRESH);
        // CREATE(0 wei, empty init code): an account with no code. The same touch as `existing`.
        let create = [&touch(OTHER)[..], &[PUSH0, PUSH0, PUSH0, 0xf0, 0x50, 0x00]].concat();
        // A value transfer to an account that does not exist: Somnia's 400,000 in place of
        // Ethereum's 25,000.
        assert_eq!(difference_of_differences(call_with_value_gas, &existing, &fresh), 400_000 - 25_000);
        // CREATE against a value transfer to an existing account: the 400,000 of the account it
        // creates, on top of the 32,000 both schedules charge (pushes, CALL's 9,000 and its
        // stipend are the same in both and cancel).
        assert_eq!(difference_of_differences(call_with_value_gas, &existing, &create), 400_000);
        // So on Somnia both ways of creating an account cost the same 400,000, where Ethereum
        // counts CREATE's account in its 32,000 and a transfer's at 25,000.
        assert_eq!(difference_of_differences(call_with_value_gas, &fresh, &create), 25_000);
    }

    /// The attribution stays exact when CREATE charges the new account: the 400,000 is part of
    /// the `create` kind, and every part sums to the receipt's gas.
    #[test]
    fn attribution_counts_the_new_account_under_create() {
        use crate::core::attribution::GasKind;
        let index = std::sync::Arc::new(crate::exec::attribution::CodeIndex::default());
        let mut chain = RevmChain::empty(SpecId::PRAGUE, 31337, BlockSettings::default())
            .with_schedule(GasSchedule::Somnia)
            .with_attribution(index);
        chain.begin_scenario(&[(SENDER, U256::from(10u128.pow(24)))]).unwrap();
        let (_, created) = send(&mut chain, None, deployer(&[PUSH0, PUSH0, PUSH0, 0xf0, 0x50, 0x00]));
        let outcome = execute(&mut chain, created, Vec::new());
        assert!(outcome.success);
        let attribution = outcome.attribution.unwrap().unwrap();
        assert_eq!(attribution.sums(), [i128::from(outcome.gas_used); 3]);
        assert_eq!(attribution.by_kind[&GasKind::Create], 32_000 + 400_000);
    }

    /// CREATE2 hashes its init code at KECCAK256's per-word price (revm reads the one price for
    /// both; G does not say otherwise): 300 per word instead of 6.
    #[test]
    fn create2_hashes_its_init_code_at_keccaks_word_price() {
        // MSTORE first so both probes pay the same memory; then CREATE2(0 wei, offset 0, size,
        // salt 0) of zeros (an empty contract), size 0 against 32.
        let create2 = |size: &[u8]| {
            [&[PUSH0, PUSH0, 0x52, PUSH0][..], size, &[PUSH0, PUSH0, 0xf5, 0x50, 0x00]].concat()
        };
        let (a, b) = (create2(&[PUSH0]), create2(&[0x60, 32]));
        assert_eq!(difference_of_differences(call_gas, &a, &b), 300 - 6);
    }

    /// A deployment transaction is not among G's account operations: its 32,000 is unchanged
    /// (only the code deposit differs, and there is none here).
    #[test]
    fn a_deployment_transaction_is_not_charged_the_new_account() {
        assert_eq!(deploy_gas(GasSchedule::Somnia, &[]), deploy_gas(GasSchedule::Ethereum, &[]));
    }

    #[test]
    fn reading_a_slot_has_no_cold_surcharge_at_the_lower_bound() {
        let a = [0x00];
        let b = [PUSH0, 0x54, 0x50, 0x00];
        assert_eq!(difference_of_differences(call_gas, &a, &b), 100 - 2_100);
    }

    /// Calls `next` with all the gas it can forward.
    fn relay(next: Address) -> Vec<u8> {
        let mut code = vec![PUSH0, PUSH0, PUSH0, PUSH0, PUSH0, 0x73];
        code.extend_from_slice(next.as_slice());
        code.extend_from_slice(&[0x5a, 0xf1, 0x50, 0x00]);
        code
    }

    /// The bounds of a call into three relays, the last calling a contract that creates a slot,
    /// run with `gas_limit`.
    fn nested_creation(gas_limit: u64) -> (u64, crate::exec::bounds::Bounds) {
        let mut chain = chain(GasSchedule::Somnia);
        let (_, mut next) = send(&mut chain, None, deployer(&[0x60, 1, PUSH0, 0x55, 0x00]));
        for _ in 0..3 {
            next = send(&mut chain, None, deployer(&relay(next.unwrap()))).1;
        }
        let outcome = chain
            .execute(&TxRequest {
                from: SENDER,
                to: next,
                value: U256::ZERO,
                input: Default::default(),
                gas_limit,
                wants_output: false,
            })
            .unwrap();
        assert!(outcome.success);
        (outcome.gas_used, outcome.bounds.unwrap())
    }

    #[test]
    fn creating_a_slot_three_calls_deep_needs_more_than_a_million_times_64_63rds_cubed() {
        let (gas_used, bounds) = nested_creation(GAS);
        // A created slot is charged (in the lower bound), never surcharged: no upper difference.
        assert_eq!(bounds.gas_used_upper, gas_used);
        assert!(gas_used > 200_000 && gas_used < 300_000, "{gas_used}");
        let floor = 1_000_000.0 * (64.0_f64 / 63.0).powi(3);
        assert!(bounds.gas_limit_needed as f64 > floor, "{} <= {floor}", bounds.gas_limit_needed);
        // … by the intrinsic 21,000 and the few opcodes before each call, not more.
        assert!((bounds.gas_limit_needed as f64) < floor + 21_000.0 + 2_000.0, "{}", bounds.gas_limit_needed);
        // The same figure whatever limit the run had, as long as it ran.
        assert_eq!(nested_creation(2_000_000).1, bounds);
        assert_eq!(nested_creation(600_000).1, bounds);
    }

    #[test]
    fn the_ethereum_schedule_has_no_bounds() {
        let mut chain = RevmChain::empty(SpecId::PRAGUE, 31337, BlockSettings::default());
        chain.begin_scenario(&[(SENDER, U256::from(10u128.pow(24)))]).unwrap();
        let outcome = chain
            .execute(&TxRequest {
                from: SENDER,
                to: None,
                value: U256::ZERO,
                input: deployer(&[0x00]).into(),
                gas_limit: GAS,
                wants_output: false,
            })
            .unwrap();
        assert_eq!(outcome.bounds, None);
    }
}
