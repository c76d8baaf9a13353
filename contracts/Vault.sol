// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

/// @title Vault
/// @notice Anyone may deposit ether; only the owner may withdraw it. Exercises the three kinds
/// of revert a gas profiler has to tell apart: custom errors with arguments and a `require`
/// with a reason string.
contract Vault {
    /// @notice The account allowed to withdraw, fixed at deployment.
    address public immutable owner;

    /// @notice Ether deposited by each account so far (withdrawals do not reduce it).
    mapping(address depositor => uint256) public deposited;

    /// @notice Emitted on every deposit.
    /// @param from The depositor.
    /// @param amount Wei deposited.
    event Deposited(address indexed from, uint256 amount);

    /// @notice Emitted on every withdrawal.
    /// @param to The owner, who receives the ether.
    /// @param amount Wei withdrawn.
    event Withdrawn(address indexed to, uint256 amount);

    /// @notice Someone other than the owner tried to withdraw.
    /// @param caller The account that tried.
    error NotOwner(address caller);

    /// @notice The owner asked for more than the vault holds.
    /// @param requested Wei asked for.
    /// @param max Wei the vault holds.
    error AmountTooLarge(uint256 requested, uint256 max);

    /// @notice Makes the deployer the owner.
    constructor() {
        owner = msg.sender;
    }

    /// @notice Deposits the ether sent with the call.
    /// @dev Reverts with the reason string "Vault: nothing to deposit" when no ether is sent.
    function deposit() external payable {
        require(msg.value > 0, "Vault: nothing to deposit");
        deposited[msg.sender] += msg.value;
        emit Deposited(msg.sender, msg.value);
    }

    /// @notice Sends `amount` wei from the vault to the owner.
    /// @param amount Wei to withdraw.
    function withdraw(uint256 amount) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        uint256 held = address(this).balance;
        if (amount > held) revert AmountTooLarge(amount, held);
        emit Withdrawn(msg.sender, amount);
        (bool sent,) = payable(msg.sender).call{value: amount}("");
        require(sent, "Vault: transfer failed");
    }
}
