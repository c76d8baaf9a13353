// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

import {MathLib} from "./MathLib.sol";

/// @title Calculator
/// @notice Stores results computed by the external `MathLib` library.
/// @dev Deploying this contract needs `MathLib` deployed first and linked into the bytecode.
contract Calculator {
    /// @notice The last result computed.
    uint256 public result;

    /// @notice Computes and stores the integer square root of `x`.
    /// @param x The radicand.
    /// @return The stored result.
    function storeSqrt(uint256 x) external returns (uint256) {
        result = MathLib.sqrt(x);
        return result;
    }

    /// @notice Computes and stores `a * b / denominator`.
    /// @param a The first factor.
    /// @param b The second factor.
    /// @param denominator The divisor.
    /// @return The stored result.
    function storeMulDiv(uint256 a, uint256 b, uint256 denominator) external returns (uint256) {
        result = MathLib.mulDiv(a, b, denominator);
        return result;
    }
}
