//! Named accounts: the predefined development accounts and the config's own names.

use alloy::primitives::{Address, address};

/// The first four accounts of the standard development mnemonic
/// (`test test test test test test test test test test test junk`), as anvil and Hardhat fund
/// them. A test derives them from the mnemonic to prove the constants.
pub const PREDEFINED: [(&str, Address); 4] = [
    ("alice", address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266")),
    ("bob", address!("70997970C51812dc3A010C7d01b50e0d17dc79C8")),
    ("carol", address!("3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")),
    ("dave", address!("90F79bf6EB2c4f870365E785982E1f101E93b906")),
];

/// The balance each predefined account starts with: 10,000 ether, as on anvil.
pub const PREDEFINED_BALANCE_WEI: u128 = 10_000 * 10u128.pow(18);

#[cfg(test)]
mod tests {
    use alloy::signers::local::{MnemonicBuilder, coins_bip39::English};

    use super::*;

    #[test]
    fn predefined_accounts_are_the_dev_mnemonic() {
        for (index, (name, address)) in PREDEFINED.iter().enumerate() {
            let signer = MnemonicBuilder::<English>::default()
                .phrase("test test test test test test test test test test test junk")
                .index(index as u32)
                .unwrap()
                .build()
                .unwrap();
            assert_eq!(signer.address(), *address, "account {name}");
        }
    }
}
