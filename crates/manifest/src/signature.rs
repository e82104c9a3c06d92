//! Detached minisign signatures checked against pinned public keys.
//!
//! The signatures are the `FILE.minisig` files the standard `minisign` tool
//! writes: prehashed (BLAKE2b-512 of the file, signed with Ed25519; the
//! default since minisign 0.8) or legacy (`minisign -S -l`: Ed25519 over the
//! file's bytes). Both are verified by `minisign-verify`, including the
//! global signature over the trusted comment, so the trusted comment is
//! authentic once [`verify_signature`] succeeds.

use std::fmt;

use base64::Engine as _;
use minisign_verify::{PublicKey, Signature};

use crate::{Error, Result};

/// A signature file is four short lines; anything much larger is not one.
const MAX_SIGNATURE_BYTES: usize = 4096;

/// The id minisign gives a key pair: 8 random bytes, shown as minisign
/// shows them in `untrusted comment: minisign public key 2CCECDA4776F5AEB`:
/// their little-endian value in uppercase hexadecimal, without leading
/// zeros (`%PRIX64`), so an id can be shorter than 16 digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId([u8; 8]);

impl KeyId {
    /// The 8 bytes as stored in keys and signatures.
    pub fn bytes(self) -> [u8; 8] {
        self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}", u64::from_le_bytes(self.0))
    }
}

/// A pinned minisign public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    key: PublicKey,
    id: KeyId,
}

impl TrustedKey {
    /// Reads a public key given as the base64 line of a minisign `.pub`
    /// file (`RWTrWm93...`) or as the whole `.pub` file text (the
    /// `untrusted comment:` line is skipped; it is not authenticated).
    pub fn parse(text: &str) -> Result<TrustedKey> {
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with("untrusted comment:"));
        let Some(line) = lines.next() else {
            return Err(invalid_key("no key line"));
        };
        if lines.next().is_some() {
            return Err(invalid_key("more than one key line"));
        }
        let raw = base64::engine::general_purpose::STANDARD
            .decode(line)
            .map_err(|e| invalid_key(&format!("not base64: {e}")))?;
        // Algorithm (2 bytes, "Ed"), key id (8), Ed25519 key (32).
        let id = raw
            .get(2..10)
            .and_then(|id| <[u8; 8]>::try_from(id).ok())
            .filter(|_| raw.len() == 42)
            .ok_or_else(|| invalid_key(&format!("{} bytes instead of 42", raw.len())))?;
        let key = PublicKey::from_base64(line).map_err(|e| invalid_key(&e.to_string()))?;
        Ok(TrustedKey { key, id: KeyId(id) })
    }

    /// The key's id.
    pub fn id(&self) -> KeyId {
        self.id
    }
}

impl std::str::FromStr for TrustedKey {
    type Err = Error;

    fn from_str(text: &str) -> Result<TrustedKey> {
        TrustedKey::parse(text)
    }
}

fn invalid_key(reason: &str) -> Error {
    Error::InvalidPublicKey {
        reason: reason.to_owned(),
    }
}

fn invalid_signature(reason: &str) -> Error {
    Error::InvalidSignature {
        reason: reason.to_owned(),
    }
}

/// The two kinds of minisign signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum SignatureKind {
    /// Ed25519 over the BLAKE2b-512 hash of the data (`ED`), minisign's
    /// default.
    Prehashed,
    /// Ed25519 over the data itself (`Ed`), made by `minisign -S -l`.
    Legacy,
}

/// What a valid signature says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureInfo {
    /// The trusted key that made it.
    pub key_id: KeyId,
    /// Prehashed or legacy.
    pub kind: SignatureKind,
    /// The trusted comment (authenticated by the signature), without its
    /// `trusted comment: ` prefix; minisign writes
    /// `timestamp:<unix seconds>\tfile:<name>\thashed` unless `-t` says
    /// otherwise.
    pub trusted_comment: String,
}

/// Verifies a detached minisign signature (the text of a `.minisig` file)
/// of `data` against the trusted `keys`: it must be made by one of them.
/// Legacy signatures are accepted only with `allow_legacy`.
pub fn verify_signature(
    data: &[u8],
    signature: &[u8],
    keys: &[TrustedKey],
    allow_legacy: bool,
) -> Result<SignatureInfo> {
    let _span = tracing::debug_span!("verify_signature", bytes = data.len()).entered();
    if signature.len() > MAX_SIGNATURE_BYTES {
        return Err(invalid_signature(&format!(
            "{} bytes, a signature file has at most {MAX_SIGNATURE_BYTES}",
            signature.len()
        )));
    }
    let text = std::str::from_utf8(signature).map_err(|_| invalid_signature("not UTF-8 text"))?;
    let (kind, key_id) = signature_header(text)?;
    let parsed = Signature::decode(text).map_err(|e| invalid_signature(&e.to_string()))?;
    let key = keys
        .iter()
        .find(|key| key.id == key_id)
        .ok_or(Error::UntrustedKey {
            key_id: key_id.to_string(),
        })?;
    if kind == SignatureKind::Legacy && !allow_legacy {
        return Err(Error::LegacySignatureRefused);
    }
    key.key
        .verify(data, &parsed, allow_legacy)
        .map_err(|_| Error::SignatureMismatch {
            key_id: key_id.to_string(),
        })?;
    Ok(SignatureInfo {
        key_id,
        kind,
        trusted_comment: parsed.trusted_comment().to_owned(),
    })
}

/// The algorithm and key id of a signature, which `minisign-verify` does
/// not expose: the second line decodes to algorithm (2 bytes), key id (8)
/// and signature (64).
fn signature_header(text: &str) -> Result<(SignatureKind, KeyId)> {
    let line = text
        .lines()
        .nth(1)
        .ok_or_else(|| invalid_signature("fewer than 4 lines"))?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(line.trim_end())
        .map_err(|e| invalid_signature(&format!("signature line is not base64: {e}")))?;
    if raw.len() != 74 {
        return Err(invalid_signature(&format!(
            "signature line has {} bytes instead of 74",
            raw.len()
        )));
    }
    let kind = match raw.get(..2) {
        Some(b"ED") => SignatureKind::Prehashed,
        Some(b"Ed") => SignatureKind::Legacy,
        _ => return Err(invalid_signature("unknown signature algorithm")),
    };
    let id = raw
        .get(2..10)
        .and_then(|id| <[u8; 8]>::try_from(id).ok())
        .ok_or_else(|| invalid_signature("no key id"))?;
    Ok((kind, KeyId(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made by `minisign -G -W` and `minisign -S` (prehashed) and `-S -l`
    // (legacy) over the bytes b"hello\n".
    const PUB: &str = "untrusted comment: minisign public key 2CCECDA4776F5AEB\n\
        RWTrWm93pM3OLPKDbxTXI0ZCUsNE5aZVnrIBwCdIEHvKIsJIvMHgYQP/\n";
    const SIG: &str = "untrusted comment: signature from minisign secret key\n\
        RUTrWm93pM3OLIN+ajvBGWyHC32iwL/hHKgLs4oRwRMAQfSJm1KBN5Oz2qn7oyQAL8Y5/SJqEDPmMzP6OOY9XGOLf+uczYabSgs=\n\
        trusted comment: timestamp:1795272435\tfile:f\thashed\n\
        BH7fV2CPhqg7WqxUCsRIm2WybtDvRrS46HvkyfgHWuKq/BScUqAXMEttVpS5u0Vm+BP6tM9BG06TmRdz1ugCAg==\n";
    const LEGACY_SIG: &str = "untrusted comment: signature from minisign secret key\n\
        RWTrWm93pM3OLBl3wIvPepisFqsi34wWVuXPAZHFrfytc1p1Cs05BcOPJRDQM1727IjmIyYbtvNNOp4MspjqRSpiZsl5KDKU0Ac=\n\
        trusted comment: timestamp:1795272435\tfile:f\n\
        SfOJZhxHN/zdGe3Corx7nM5Plp15eWdB/SxWXnPXUUOIGrCzgvfTkyvBgKUJXowdksKG0NuRs2V+Qlg6yMnMAQ==\n";

    #[test]
    fn key_id_is_shown_as_minisign_shows_it() {
        let key = TrustedKey::parse(PUB).unwrap();
        assert_eq!(key.id().to_string(), "2CCECDA4776F5AEB");
        let line_only = TrustedKey::parse(PUB.lines().nth(1).unwrap()).unwrap();
        assert_eq!(line_only, key);
    }

    #[test]
    fn key_ids_have_no_leading_zeros_as_in_minisign() {
        // minisign 0.11 wrote "minisign public key 7F4EDAF90C3A5B8" for a
        // key with these id bytes.
        let id = KeyId([0xb8, 0xa5, 0xc3, 0x90, 0xaf, 0xed, 0xf4, 0x07]);
        assert_eq!(id.to_string(), "7F4EDAF90C3A5B8");
    }

    #[test]
    fn both_kinds_verify_and_say_which() {
        let keys = [TrustedKey::parse(PUB).unwrap()];
        let info = verify_signature(b"hello\n", SIG.as_bytes(), &keys, false).unwrap();
        assert_eq!(info.kind, SignatureKind::Prehashed);
        assert_eq!(info.trusted_comment, "timestamp:1795272435\tfile:f\thashed");
        let legacy = verify_signature(b"hello\n", LEGACY_SIG.as_bytes(), &keys, true).unwrap();
        assert_eq!(legacy.kind, SignatureKind::Legacy);
        assert!(matches!(
            verify_signature(b"hello\n", LEGACY_SIG.as_bytes(), &keys, false),
            Err(Error::LegacySignatureRefused)
        ));
        assert!(matches!(
            verify_signature(b"hello!", SIG.as_bytes(), &keys, false),
            Err(Error::SignatureMismatch { .. })
        ));
    }

    #[test]
    fn garbage_is_an_error() {
        for bad in [
            "",
            "RWT",
            "untrusted comment: x\n",
            "!!!!\n",
            "RWTrWm93pM3OLPKDbxTXI0ZC\n",
        ] {
            assert!(matches!(
                TrustedKey::parse(bad),
                Err(Error::InvalidPublicKey { .. })
            ));
        }
        let keys = [TrustedKey::parse(PUB).unwrap()];
        for bad in ["", "a\nb\n", "a\nRUTr\nc\nd\n"] {
            assert!(matches!(
                verify_signature(b"x", bad.as_bytes(), &keys, true),
                Err(Error::InvalidSignature { .. })
            ));
        }
        assert!(verify_signature(b"x", &[0xff; 10], &keys, true).is_err());
        assert!(verify_signature(b"x", &[b'a'; 5000], &keys, true).is_err());
    }
}
