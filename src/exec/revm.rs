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
use revm::primitives::hardfork::SpecId;
use revm::{Database, ExecuteCommitEvm, InspectCommitEvm, MainBuilder, MainnetEvm};

use super::attribution::{AttributionInspector, CodeIndex, TxSettlement};
use super::{Chain, InsufficientFunds, TxOutcome, TxRequest};
use crate::core::report::GasMethod;

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

type Evm<D> = MainnetEvm<revm::context::Context<BlockEnv, TxEnv, CfgEnv, CacheDB<D>>, AttributionInspector>;

/// revm over `base` (an empty state, or a fork).
pub struct RevmChain<D: DatabaseRef + Clone> {
    base: D,
    spec: SpecId,
    chain_id: u64,
    block: BlockSettings,
    evm: Option<Evm<D>>,
    /// Whether to attribute each transaction's gas (see [`super::attribution`]).
    attribute: bool,
    /// Kept between scenarios, with what it learnt about the codes it saw.
    inspector: Option<AttributionInspector>,
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
        Self { base, spec, chain_id, block, evm: None, attribute: false, inspector: Some(inspector) }
    }

    /// Attributes every transaction's gas, recognising code and lines from `index`.
    pub fn with_attribution(mut self, index: std::sync::Arc<CodeIndex>) -> Self {
        self.attribute = true;
        self.inspector = Some(AttributionInspector::new(index, self.spec.is_enabled_in(SpecId::BERLIN)));
        self
    }

    fn build(&mut self, db: CacheDB<D>) -> Evm<D> {
        let inspector = match self.evm.take() {
            Some(evm) => evm.inspector,
            None => {
                self.inspector.take().unwrap_or_else(|| AttributionInspector::new(Default::default(), true))
            }
        };
        let block = &self.block;
        Context::<BlockEnv, TxEnv, CfgEnv, CacheDB<D>>::new(db, self.spec)
            .modify_cfg_chained(|cfg: &mut CfgEnv| {
                cfg.chain_id = self.chain_id;
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
            .build_mainnet_with_inspector(inspector)
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
        let result = if self.attribute {
            evm.inspector.begin();
            evm.inspect_tx_commit(tx)
        } else {
            evm.transact_commit(tx)
        };
        let result = result.map_err(|error| match error {
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
        })?;
        let attribution = self.attribute.then(|| {
            let gas = result.gas();
            let is_create = request.to.is_none();
            let intrinsic = super::intrinsic_gas(self.spec, &request.input, is_create);
            let as_call = super::intrinsic_gas(self.spec, &request.input, false);
            evm.inspector.finish(TxSettlement {
                intrinsic,
                create_part: intrinsic.saturating_sub(as_call),
                spent: gas.total_gas_spent(),
                refunded: gas.inner_refunded(),
                floor: gas.floor_gas(),
                gas_used: gas.tx_gas_used(),
            })
        });
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
            },
        };
        outcome.attribution = attribution;
        Ok(outcome)
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
}
