//! The signing key. It comes from an environment variable only, never from the command line
//! (process listings and shell history show arguments), and it is never shown: messages name
//! the variable, not its value, and `PrivateKeySigner`'s `Debug` prints only the address.

use alloy::signers::local::PrivateKeySigner;

/// Why no signer could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "environment variable `{name}` is not set; sending needs a signing key\n\nhint: put the key (hex) in `{name}`, or name another variable with `--private-key-env`"
    )]
    Missing { name: String },
    #[error(
        "environment variable `{name}` does not hold a private key\n\nhint: a key is 64 hex digits, with or without `0x`"
    )]
    Malformed { name: String },
}

/// The signer whose key is in the environment variable `name`; `Ok(None)` when it is unset or
/// empty. Surrounding whitespace (a secret pasted with its newline) is ignored.
pub fn load_signer(
    name: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<PrivateKeySigner>, KeyError> {
    let Some(value) = env(name).filter(|value| !value.trim().is_empty()) else {
        return Ok(None);
    };
    let hex = value.trim();
    let digits = hex.strip_prefix("0x").or_else(|| hex.strip_prefix("0X")).unwrap_or(hex);
    // Checked here so that no parser's message (which may quote a character of the key) is shown.
    if digits.len() != 64 || !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(KeyError::Malformed { name: name.to_owned() });
    }
    digits.parse::<PrivateKeySigner>().map(Some).map_err(|_| KeyError::Malformed { name: name.to_owned() })
}

/// The signer, which must be there.
pub fn require_signer(
    name: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<PrivateKeySigner, KeyError> {
    load_signer(name, env)?.ok_or_else(|| KeyError::Missing { name: name.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// anvil's first development key, public knowledge.
    const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    const DIGITS: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    fn env(value: &'static str) -> impl Fn(&str) -> Option<String> {
        move |name: &str| (name == "KEY").then(|| value.to_owned())
    }

    #[test]
    fn reads_a_key_with_or_without_prefix_and_newline() {
        let alice: alloy::primitives::Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse().unwrap();
        for value in [KEY, DIGITS, "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n"] {
            let signer = require_signer("KEY", env(value)).unwrap();
            assert_eq!(signer.address(), alice);
        }
    }

    #[test]
    fn missing_and_empty_are_the_same() {
        assert_eq!(load_signer("KEY", |_| None).unwrap(), None);
        assert_eq!(load_signer("KEY", env("  ")).unwrap(), None);
        assert_eq!(require_signer("KEY", |_| None).unwrap_err(), KeyError::Missing { name: "KEY".into() });
    }

    #[test]
    fn a_malformed_key_is_named_by_its_variable_only() {
        for value in ["0x1234", "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ffzz", "--send"]
        {
            let error = require_signer("KEY", env(value)).unwrap_err();
            assert_eq!(error, KeyError::Malformed { name: "KEY".into() });
            assert!(!error.to_string().contains(value));
        }
        // The zero scalar is not a valid secp256k1 key.
        let zero = "0000000000000000000000000000000000000000000000000000000000000000";
        assert_eq!(require_signer("KEY", env(zero)).unwrap_err(), KeyError::Malformed { name: "KEY".into() });
    }

    // Regression guard: the signer's Debug output must not contain the key.
    #[test]
    fn debug_output_does_not_show_the_key() {
        let signer = require_signer("KEY", env(KEY)).unwrap();
        let debug = format!("{signer:?}");
        assert!(!debug.to_lowercase().contains(DIGITS), "{debug}");
        assert!(debug.contains("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"), "{debug}");
    }
}
