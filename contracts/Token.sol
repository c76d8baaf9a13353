// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

/// @title Token
/// @notice A minimal ERC-20 token for gas profiling.
/// @dev The interesting costs: a transfer to an address that has never held tokens writes a
/// fresh storage slot (zero to non-zero), a transfer to an existing holder only updates one,
/// and `transferFrom` also reads and updates an allowance slot.
contract Token {
    /// @notice The token's name.
    string public name;

    /// @notice The token's ticker symbol.
    string public symbol;

    /// @notice Number of decimals a display should use.
    uint8 public constant decimals = 18;

    /// @notice Tokens in existence.
    uint256 public totalSupply;

    /// @notice Tokens held by each account.
    mapping(address account => uint256) public balanceOf;

    /// @notice Tokens a spender may still move on behalf of an owner.
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    /// @notice Emitted when tokens move, including the initial mint (from the zero address).
    /// @param from The sender, or the zero address for a mint.
    /// @param to The recipient.
    /// @param value The amount moved.
    event Transfer(address indexed from, address indexed to, uint256 value);

    /// @notice Emitted when an owner sets a spender's allowance.
    /// @param owner The account whose tokens may be spent.
    /// @param spender The account allowed to spend them.
    /// @param value The new allowance.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice The sender holds fewer tokens than it tried to move.
    /// @param available The sender's balance.
    /// @param required The amount it tried to move.
    error InsufficientBalance(uint256 available, uint256 required);

    /// @notice The caller's allowance is smaller than the amount it tried to move.
    /// @param available The remaining allowance.
    /// @param required The amount it tried to move.
    error InsufficientAllowance(uint256 available, uint256 required);

    /// @notice Creates the token and mints `initialSupply` to the deployer.
    /// @param name_ The token's name.
    /// @param symbol_ The token's ticker symbol.
    /// @param initialSupply Tokens minted to `msg.sender`.
    constructor(string memory name_, string memory symbol_, uint256 initialSupply) {
        name = name_;
        symbol = symbol_;
        totalSupply = initialSupply;
        balanceOf[msg.sender] = initialSupply;
        emit Transfer(address(0), msg.sender, initialSupply);
    }

    /// @notice Moves `value` tokens from the caller to `to`.
    /// @param to The recipient.
    /// @param value The amount to move.
    /// @return Always true; failures revert with `InsufficientBalance`.
    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    /// @notice Lets `spender` move up to `value` of the caller's tokens, replacing any earlier allowance.
    /// @param spender The account allowed to spend.
    /// @param value The new allowance.
    /// @return Always true.
    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    /// @notice Moves `value` tokens from `from` to `to` using the caller's allowance.
    /// @param from The account the tokens come from.
    /// @param to The recipient.
    /// @param value The amount to move.
    /// @return Always true; failures revert with `InsufficientAllowance` or `InsufficientBalance`.
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < value) revert InsufficientAllowance(allowed, value);
        unchecked {
            allowance[from][msg.sender] = allowed - value;
        }
        _transfer(from, to, value);
        return true;
    }

    /// @dev Shared by `transfer` and `transferFrom`.
    function _transfer(address from, address to, uint256 value) private {
        uint256 balance = balanceOf[from];
        if (balance < value) revert InsufficientBalance(balance, value);
        unchecked {
            // Cannot underflow (checked above) or overflow (the sum of balances is totalSupply).
            balanceOf[from] = balance - value;
            balanceOf[to] += value;
        }
        emit Transfer(from, to, value);
    }
}
