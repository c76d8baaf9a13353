// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

import {Counter} from "./Counter.sol";

/// @title Router
/// @notice Calls another contract, so a gas report shows the cost of external calls: the cold
/// account access on the first call of a transaction and the warm ones after it.
contract Router {
    /// @notice The counter this router bumps, fixed at deployment.
    Counter public immutable counter;

    /// @notice The counter address given to the constructor is the zero address.
    error ZeroAddress();

    /// @notice Creates a router for `counter_`.
    /// @param counter_ The `Counter` contract to call.
    constructor(address counter_) {
        if (counter_ == address(0)) revert ZeroAddress();
        counter = Counter(counter_);
    }

    /// @notice Calls `counter.increment()` `times` times.
    /// @param times How many calls to make.
    /// @return last The count after the last call, or zero when `times` is zero.
    function bump(uint256 times) external returns (uint256 last) {
        for (uint256 i = 0; i < times; ++i) {
            last = counter.increment();
        }
    }
}
