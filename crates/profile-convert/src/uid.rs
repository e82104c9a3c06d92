//! MAPI UIDs: the 16-byte names of profile sections.

use std::fmt;

/// A MAPI UID (`MAPIUID`, 16 bytes). A profile section's registry key is
/// its UID in 32 lowercase hex digits, bytes in order; so are the UIDs
/// inside binary properties (service and provider lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Uid(pub [u8; 16]);

impl Uid {
    /// Reads a key name of 32 hex digits (either case), or `None`.
    pub fn parse(text: &str) -> Option<Uid> {
        let bytes = text.as_bytes();
        if bytes.len() != 32 {
            return None;
        }
        let mut uid = [0u8; 16];
        for (out, pair) in uid.iter_mut().zip(bytes.chunks_exact(2)) {
            let hi = char::from(*pair.first()?).to_digit(16)?;
            let lo = char::from(*pair.get(1)?).to_digit(16)?;
            *out = u8::try_from(hi * 16 + lo).ok()?;
        }
        Some(Uid(uid))
    }

    /// The UIDs in a binary list (PR_STORE_PROVIDERS and its kind): 16
    /// bytes each; `None` when the length is not a multiple of 16.
    pub fn list(bytes: &[u8]) -> Option<Vec<Uid>> {
        if !bytes.len().is_multiple_of(16) {
            return None;
        }
        Some(
            bytes
                .chunks_exact(16)
                .filter_map(|c| <[u8; 16]>::try_from(c).ok().map(Uid))
                .collect(),
        )
    }

    /// The 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for Uid {
    /// 32 lowercase hex digits, as profile section keys are named.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        let text = "9375CFF0413111d3B88A00104B2A6676";
        let uid = Uid::parse(text).unwrap();
        assert_eq!(uid.to_string(), text.to_ascii_lowercase());
        assert_eq!(Uid::parse("9375cff0"), None);
        assert_eq!(Uid::parse("zz75cff0413111d3b88a00104b2a6676"), None);
        assert_eq!(Uid::list(&[0; 32]).map(|l| l.len()), Some(2));
        assert_eq!(Uid::list(&[0; 17]), None);
    }
}
