// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

/// @title MathLib
/// @notice Integer helpers deployed as a separate library.
/// @dev The functions are `public`, not `internal`, so the compiler does not inline them:
/// contracts that use the library call it with DELEGATECALL and their bytecode holds an unlinked
/// placeholder (`__$<hash>$__`) that must be replaced with the library's deployed address.
library MathLib {
    /// @notice The integer square root of `x`, rounded down.
    /// @dev Babylonian method; the number of iterations grows with the size of `x`.
    /// @param x The radicand.
    /// @return root The largest integer whose square is at most `x`.
    function sqrt(uint256 x) public pure returns (uint256 root) {
        if (x == 0) return 0;
        root = x;
        uint256 next = x / 2 + 1;
        while (next < root) {
            root = next;
            next = (x / next + next) / 2;
        }
    }

    /// @notice `a * b / denominator`, rounded down.
    /// @dev Reverts on overflow of `a * b` and on division by zero (checked arithmetic).
    /// @param a The first factor.
    /// @param b The second factor.
    /// @param denominator The divisor.
    /// @return The quotient.
    function mulDiv(uint256 a, uint256 b, uint256 denominator) public pure returns (uint256) {
        return (a * b) / denominator;
    }
}
