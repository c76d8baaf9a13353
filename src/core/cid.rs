//! IPFS content ids of report bytes, computed locally: the registry's `ipfsHash` names the exact
//! bytes of a report, so anyone holding the file can check that it is the one on record.
//!
//! Only the one shape gasguard writes: a CIDv1 with the `raw` codec (0x55) and a sha2-256
//! multihash (0x12, 32 bytes), in multibase base32 (lower case, no padding, prefix `b`). That
//! is what `ipfs add --cid-version 1 --raw-leaves` gives a file small enough to be one block
//! (up to 256 KiB by default); `ipfs add` chunks a larger file into a DAG with another id, so
//! store that one as a single raw block (`ipfs block put --cid-codec raw`) to keep this id.
//! Pure: no I/O, no parsing of other CID versions.

use sha2::{Digest, Sha256};

/// CID version 1.
const CID_VERSION: u8 = 0x01;
/// Multicodec `raw`: the block is the bytes themselves.
const RAW_CODEC: u8 = 0x55;
/// Multihash `sha2-256` and its digest length.
const SHA2_256: u8 = 0x12;
const SHA2_256_LENGTH: u8 = 0x20;

/// The RFC 4648 base32 alphabet, lower case, as multibase `b` uses it.
const BASE32_LOWER: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// The CIDv1 (`raw`, sha2-256, base32) of `bytes`, e.g. `bafkrei…` (59 characters).
pub fn cid_v1_raw(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut binary = Vec::with_capacity(4 + digest.len());
    binary.extend_from_slice(&[CID_VERSION, RAW_CODEC, SHA2_256, SHA2_256_LENGTH]);
    binary.extend_from_slice(&digest);
    let mut text = String::with_capacity(1 + binary.len().div_ceil(5) * 8);
    text.push('b');
    text.push_str(&base32_lower(&binary));
    text
}

/// RFC 4648 base32 in lower case without `=` padding.
fn base32_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32_LOWER[((buffer >> bits) & 0x1f) as usize]));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(BASE32_LOWER[((buffer << (5 - bits)) & 0x1f) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every expected value here was computed independently with Python's standard library:
    //   d = bytes([1, 0x55, 0x12, 0x20]) + hashlib.sha256(data).digest()
    //   "b" + base64.b32encode(d).decode().lower().rstrip("=")
    // The first two are also the widely published ids of an empty file and of `hello world`.
    #[test]
    fn known_vectors() {
        assert_eq!(cid_v1_raw(b""), "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
        assert_eq!(cid_v1_raw(b"hello world"), "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
        assert_eq!(cid_v1_raw(b"abc"), "bafkreif2pall7dybz7vecqka3zo24irdwabwdi4wc55jznaq75q7eaavvu");
        assert_eq!(cid_v1_raw(b"{\"a\":1}\n"), "bafkreihdizbsainqif4vddmwctzvmdgnoe2uutxbaho4xcj5nfm2tvrqdq");
    }

    #[test]
    fn one_changed_byte_changes_the_id() {
        assert_ne!(cid_v1_raw(b"{\"a\":1}\n"), cid_v1_raw(b"{\"a\":2}\n"));
    }

    // RFC 4648 section 10 test vectors, lower-cased and unpadded: they cover every tail length.
    #[test]
    fn base32_matches_rfc_4648() {
        let vectors = [
            ("", ""),
            ("f", "my"),
            ("fo", "mzxq"),
            ("foo", "mzxw6"),
            ("foob", "mzxw6yq"),
            ("fooba", "mzxw6ytb"),
            ("foobar", "mzxw6ytboi"),
        ];
        for (input, expected) in vectors {
            assert_eq!(base32_lower(input.as_bytes()), expected, "base32 of {input:?}");
        }
    }

    #[test]
    fn shape_is_59_characters_of_the_multibase_alphabet() {
        let cid = cid_v1_raw(b"report");
        assert_eq!(cid.len(), 59);
        assert!(cid.starts_with("bafkrei"));
        assert!(cid[1..].bytes().all(|byte| BASE32_LOWER.contains(&byte)));
    }
}
