// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

/// @title Halter
/// @notice Frames that halt, losing all the gas they were given: an out-of-gas loop and the
/// `INVALID` opcode, called directly or from a `try`/`catch` whose caller survives. The figure of
/// such a transaction depends on its gas limit, unless the caller capped the gas it forwarded.
contract Halter {
    /// @notice Loops until the gas runs out.
    function burn() external pure {
        uint256 spins;
        while (true) {
            unchecked {
                ++spins;
            }
        }
    }

    /// @notice Halts at once with the `INVALID` opcode (0xFE).
    function fail() external pure {
        assembly {
            invalid()
        }
    }

    /// @notice Calls `burn` with all but 1/64 of the gas left, and survives its halt.
    /// @return ok Whether `burn` returned (never).
    function tryBurn() external view returns (bool ok) {
        try this.burn() {
            ok = true;
        } catch {
            ok = false;
        }
    }

    /// @notice Calls `burn` with `gas` gas only, and survives its halt.
    /// @param gas The gas forwarded to `burn`.
    /// @return ok Whether `burn` returned (never).
    function tryBurnWith(uint256 gas) external view returns (bool ok) {
        try this.burn{gas: gas}() {
            ok = true;
        } catch {
            ok = false;
        }
    }

    /// @notice Calls `fail` with all but 1/64 of the gas left, and survives its halt.
    /// @return ok Whether `fail` returned (never).
    function tryFail() external view returns (bool ok) {
        try this.fail() {
            ok = true;
        } catch {
            ok = false;
        }
    }
}
