// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

/// @title Looper
/// @notice A function whose gas grows linearly with its input: one hash per iteration, one
/// storage write per call.
contract Looper {
    /// @notice The running hash chain, folded forward by every `run`.
    /// @dev Starts non-zero so every `run` pays the same price for its single storage write.
    bytes32 public digest = bytes32(uint256(1));

    /// @notice Folds `n` iterations into the hash chain and stores the result once.
    /// @param n Number of iterations.
    /// @return result The new digest.
    function run(uint256 n) external returns (bytes32 result) {
        result = digest;
        for (uint256 i = 0; i < n; ++i) {
            // Hash in the scratch space so the per-iteration cost stays constant instead of
            // growing with memory expansion, which `abi.encode` would cause.
            assembly ("memory-safe") {
                mstore(0x00, result)
                mstore(0x20, i)
                result := keccak256(0x00, 0x40)
            }
        }
        digest = result;
    }
}
