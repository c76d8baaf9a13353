// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

/// @title SlotStore
/// @notice Writes, overwrites and clears storage slots so each storage pricing rule shows up
/// in a gas report.
/// @dev Under EIP-2929 and EIP-3529: writing a zero slot to non-zero costs 20,000 gas (plus the
/// cold access), changing a non-zero slot costs 2,900, and clearing a slot to zero refunds
/// 4,800 at the end of the transaction (capped at a fifth of the gas used).
contract SlotStore {
    /// @notice The stored value for each key; zero means empty.
    mapping(uint256 key => uint256) public values;

    /// @notice Stores `value` under `key`. Costs most when the slot was empty.
    /// @param key The slot key.
    /// @param value The value to store.
    function set(uint256 key, uint256 value) external {
        values[key] = value;
    }

    /// @notice Resets `key` to zero, which earns a storage refund if it held a value.
    /// @param key The slot key.
    function clear(uint256 key) external {
        delete values[key];
    }

    /// @notice Writes `count` consecutive keys starting at `from`, each to a non-zero value.
    /// @dev Cost is linear in `count`; each key costs the fresh-slot price the first time and the
    /// cheaper update price afterwards.
    /// @param from The first key.
    /// @param count How many keys to write.
    function setMany(uint256 from, uint256 count) external {
        for (uint256 i = 0; i < count; ++i) {
            values[from + i] = from + i + 1;
        }
    }
}
