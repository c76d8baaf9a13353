//! Somnia's bounds ([`BoundsTracker`]): what a transaction could cost on Somnia beyond the
//! embedded EVM's lower bound, and the gas limit it needs there.
//!
//! Somnia prices a storage key or an account by whether it is among the chain's most recently
//! accessed ones, which only the chain knows. The embedded EVM charges the lower bound (every
//! existing key and account is recent). This tracker watches the same execution and counts:
//! - `gas_used_upper`: the lower bound plus 1,000,000 for each existing key or account first
//!   accessed in the transaction that no earlier transaction of the scenario touched;
//! - `gas_limit_needed`: the smallest transaction gas limit that leaves more than 1,000,000 gas
//!   at every access Somnia checks (a non-existent key or account read or created, or a
//!   not-recent one), carried up through every enclosing call with the 63/64 rule.

use std::collections::HashSet;

use alloy::primitives::{Address, U256};
use revm::bytecode::opcode;
use revm::context_interface::ContextTr;
use revm::context_interface::journaled_state::JournalTr;
use revm::inspector::JournalExt;
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_types::{InputsTr, Jumps};
use revm::interpreter::{CallInputs, CreateInputs, Interpreter};

use super::somnia::price;

/// Somnia's figures for one transaction, beside the embedded EVM's `gas_used` (the lower bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// `gas_used` with every existing key or account the scenario had not touched before
    /// priced as not recent.
    pub gas_used_upper: u64,
    /// The smallest gas limit that satisfies every "more than 1,000,000 remaining" check.
    pub gas_limit_needed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Slot(Address, U256),
    Account(Address),
}

/// How a frame got its gas from its parent.
#[derive(Debug, Clone, Copy)]
enum Link {
    /// The transaction's own frame.
    Top,
    /// All but 1/64 of what the parent had left (a CALL asking for more, or a CREATE).
    Capped { given: u64 },
    /// Exactly what the CALL asked for.
    Fixed { given: u64 },
}

#[derive(Debug)]
struct Frame {
    link: Link,
    /// The gas a CALL opcode asked for, between its step and the call it makes.
    requested: Option<u64>,
    /// The access the current opcode makes, checked once the opcode ran.
    pending: Option<(Key, u64)>,
}

/// Watches one scenario's transactions; see the module docs.
#[derive(Debug, Default)]
pub struct BoundsTracker {
    /// Keys and accounts earlier transactions of the scenario touched.
    touched: HashSet<Key>,
    /// This transaction's.
    seen: HashSet<Key>,
    stack: Vec<Frame>,
    tx_gas_limit: u64,
    /// Not-recent surcharges so far in the transaction.
    extra: u64,
    /// The largest gas limit a check asked for, `None` before any check.
    needed: Option<i128>,
}

impl BoundsTracker {
    /// Starts a scenario: nothing is touched yet.
    pub fn begin_scenario(&mut self) {
        self.touched.clear();
    }

    /// Starts a transaction from `from` to `to` (`None`: a deployment).
    pub fn begin(&mut self, gas_limit: u64, from: Address, to: Option<Address>) {
        self.seen.clear();
        self.stack.clear();
        self.tx_gas_limit = gas_limit;
        self.extra = 0;
        self.needed = None;
        // The transaction's own accounts are not opcode accesses: recent from here on.
        self.seen.insert(Key::Account(from));
        if let Some(to) = to {
            self.seen.insert(Key::Account(to));
        }
    }

    /// Ends the transaction: its figures given the lower bound's `gas_used` and the gas spent
    /// before the refund.
    pub fn finish(&mut self, gas_used: u64, spent: u64) -> Bounds {
        self.touched.extend(self.seen.drain());
        let paying = spent.saturating_add(self.extra);
        let needed = self.needed.map_or(0, |needed| u64::try_from(needed.max(0)).unwrap_or(u64::MAX));
        Bounds { gas_used_upper: gas_used.saturating_add(self.extra), gas_limit_needed: needed.max(paying) }
    }

    pub fn step(&mut self, interp: &Interpreter<EthInterpreter>) {
        let Some(frame) = self.stack.last_mut() else { return };
        let op = interp.bytecode.opcode();
        let peek = |n: usize| interp.stack.peek(n).unwrap_or_default();
        let address = |n: usize| Address::from_word(peek(n).into());
        let remaining = interp.gas.remaining();
        let key = match op {
            opcode::SLOAD | opcode::SSTORE => Some(Key::Slot(interp.input.target_address(), peek(0))),
            opcode::BALANCE
            | opcode::EXTCODESIZE
            | opcode::EXTCODECOPY
            | opcode::EXTCODEHASH
            | opcode::SELFDESTRUCT => Some(Key::Account(address(0))),
            opcode::CALL | opcode::CALLCODE | opcode::DELEGATECALL | opcode::STATICCALL => {
                frame.requested = Some(u64::try_from(peek(0)).unwrap_or(u64::MAX));
                Some(Key::Account(address(1)))
            }
            _ => None,
        };
        frame.pending = key.map(|key| (key, remaining));
        if matches!(op, opcode::CREATE | opcode::CREATE2) {
            // A new account: always checked, never recent.
            self.check(remaining, false);
        }
    }

    pub fn step_end<CTX: ContextTr<Journal: JournalExt>>(&mut self, context: &CTX) {
        let Some((key, remaining)) = self.stack.last_mut().and_then(|frame| frame.pending.take()) else {
            return;
        };
        if let Key::Account(address) = key
            && is_precompile(address)
        {
            return;
        }
        if !self.seen.insert(key) {
            return;
        }
        let state = context.journal_ref().evm_state();
        let exists = match key {
            Key::Slot(address, slot) => state
                .get(&address)
                .and_then(|account| account.storage.get(&slot))
                .is_some_and(|stored| !stored.original_value.is_zero()),
            Key::Account(address) => state.get(&address).is_some_and(|account| !account.info.is_empty()),
        };
        let recent = exists && self.touched.contains(&key);
        if !recent {
            self.check(remaining, exists);
        }
    }

    /// A check at an access with `remaining` gas before the opcode; `charged` adds the
    /// not-recent surcharge after it.
    fn check(&mut self, remaining: u64, charged: bool) {
        let mut deficit =
            i128::from(price::REQUIRED_REMAINING) + 1 + i128::from(self.extra) - i128::from(remaining);
        let mut satisfiable = true;
        for frame in self.stack.iter().rev() {
            match frame.link {
                Link::Top => break,
                Link::Fixed { .. } if deficit <= 0 => {
                    satisfiable = false;
                    break;
                }
                // A fixed amount too small fails whatever the limit; counted as if the call
                // forwarded all it could (see the README).
                Link::Capped { given } | Link::Fixed { given } => {
                    let given = i128::from(given);
                    deficit = parent_gas_for(given + deficit) - parent_gas_for(given);
                }
            }
        }
        if satisfiable {
            let needed = i128::from(self.tx_gas_limit) + deficit;
            self.needed = Some(self.needed.map_or(needed, |known| known.max(needed)));
        }
        if charged {
            self.extra += price::NOT_RECENT;
        }
    }

    pub fn call(&mut self, inputs: &CallInputs) {
        let link = match self.stack.last_mut() {
            None => Link::Top,
            Some(parent) => {
                let stipend = if inputs.transfers_value() { 2_300 } else { 0 };
                let given = inputs.gas_limit.saturating_sub(stipend);
                match parent.requested.take() {
                    Some(requested) if requested <= given => Link::Fixed { given },
                    _ => Link::Capped { given },
                }
            }
        };
        self.stack.push(Frame { link, requested: None, pending: None });
    }

    pub fn create(&mut self, inputs: &CreateInputs) {
        let link = if self.stack.is_empty() { Link::Top } else { Link::Capped { given: inputs.gas_limit() } };
        self.stack.push(Frame { link, requested: None, pending: None });
    }

    pub fn created(&mut self, address: Option<Address>) {
        if let Some(address) = address {
            self.seen.insert(Key::Account(address));
        }
    }

    pub fn end(&mut self) {
        self.stack.pop();
    }
}

/// The gas a parent needs left after a CALL's own costs for the child to get `child` under the
/// 63/64 rule: the smallest `a` with `a − ⌊a/64⌋ ≥ child`.
fn parent_gas_for(child: i128) -> i128 {
    let child = child.max(0);
    let mut a = child * 64 / 63;
    while a - a / 64 < child {
        a += 1;
    }
    while a > 0 && (a - 1) - (a - 1) / 64 >= child {
        a -= 1;
    }
    a
}

/// Precompiles (and the system range below 0x0100): not accounts Somnia prices by recency.
fn is_precompile(address: Address) -> bool {
    let bytes = address.as_slice();
    bytes[..18].iter().all(|byte| *byte == 0) && u16::from_be_bytes([bytes[18], bytes[19]]) <= 0x0100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_needs_64_63rds_of_the_child() {
        for child in [0_i128, 1, 63, 64, 1_000_001, 12_345_678] {
            let a = parent_gas_for(child);
            assert!(a - a / 64 >= child, "{child}");
            assert!(a == 0 || (a - 1) - (a - 1) / 64 < child, "{child}");
        }
    }
}
