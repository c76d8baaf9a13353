// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

/// @title Counter
/// @notice A counter anyone may increment; the target of `Router`'s external calls.
contract Counter {
    /// @notice How many times `increment` was called.
    uint256 public count;

    /// @notice Emitted on every increment.
    /// @param by The caller.
    /// @param count The new count.
    event Incremented(address indexed by, uint256 count);

    /// @notice Adds one to the count.
    /// @return The new count.
    function increment() external returns (uint256) {
        uint256 next = count + 1;
        count = next;
        emit Incremented(msg.sender, next);
        return next;
    }
}
