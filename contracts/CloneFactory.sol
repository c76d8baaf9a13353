// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

/// @title CloneFactory
/// @notice Creates EIP-1167 minimal proxies ("clones") of an implementation: each clone has its
/// own storage and delegates every call to the implementation's code.
contract CloneFactory {
    /// @notice Emitted for every clone created.
    /// @param implementation The code the clone delegates to.
    /// @param instance The clone.
    event Cloned(address indexed implementation, address instance);

    /// @notice How many clones this factory created.
    uint256 public clones;

    /// @notice Creates a clone of `implementation` with CREATE.
    /// @param implementation The contract whose code the clone runs.
    /// @return instance The new clone.
    function clone(address implementation) external returns (address instance) {
        bytes memory code = initCode(implementation);
        assembly {
            instance := create(0, add(code, 0x20), mload(code))
        }
        require(instance != address(0), "CloneFactory: create failed");
        clones += 1;
        emit Cloned(implementation, instance);
    }

    /// @notice Creates a clone of `implementation` with CREATE2 at an address fixed by `salt`.
    /// @dev A second call with the same salt finds the address occupied: CREATE2 fails and
    /// consumes all the gas forwarded to it, and the call reverts.
    /// @param implementation The contract whose code the clone runs.
    /// @param salt Picks the address.
    /// @return instance The new clone.
    function cloneAt(address implementation, bytes32 salt) external returns (address instance) {
        bytes memory code = initCode(implementation);
        assembly {
            instance := create2(0, add(code, 0x20), mload(code), salt)
        }
        require(instance != address(0), "CloneFactory: create2 failed");
        clones += 1;
        emit Cloned(implementation, instance);
    }

    /// @notice The clone and the number of clones so far, for a test of `returns = N`.
    /// @param implementation The contract whose code the clone runs.
    /// @return count Clones created by this factory, this one included.
    /// @return instance The new clone.
    function cloneCounted(address implementation) external returns (uint256 count, address instance) {
        instance = this.clone(implementation);
        count = clones;
    }

    /// @dev EIP-1167 init code: a 10-byte constructor that returns the 45-byte runtime
    /// `CALLDATACOPY`, `DELEGATECALL implementation`, return or revert with its data.
    function initCode(address implementation) private pure returns (bytes memory) {
        return abi.encodePacked(
            hex"3d602d80600a3d3981f3363d3d373d3d3d363d73", implementation, hex"5af43d82803e903d91602b57fd5bf3"
        );
    }
}

/// @title TipJar
/// @notice Takes plain ether transfers (`receive`), calls it has no function for (`fallback`),
/// and credits lists of holders, for scenarios with raw calls and names inside tuples.
contract TipJar {
    /// @notice Wei received by plain transfers.
    uint256 public tips;

    /// @notice Calls that reached `fallback`.
    uint256 public strays;

    /// @notice Credit per holder.
    mapping(address holder => uint256) public credit;

    /// @notice One holder's share in `creditAll`.
    struct Share {
        address holder;
        uint256 amount;
    }

    receive() external payable {
        tips += msg.value;
    }

    fallback() external payable {
        strays += 1;
    }

    /// @notice Adds each share to its holder's credit.
    /// @param shares Holders and amounts.
    function creditAll(Share[] calldata shares) external {
        for (uint256 i = 0; i < shares.length; i++) {
            credit[shares[i].holder] += shares[i].amount;
        }
    }

    /// @notice Sets the credit of each holder in `holders` to `amount`.
    /// @param holders The holders.
    /// @param amount The credit, `type(uint256).max` included.
    function setAll(address[] calldata holders, uint256 amount) external {
        for (uint256 i = 0; i < holders.length; i++) {
            credit[holders[i]] = amount;
        }
    }
}
