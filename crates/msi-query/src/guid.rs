//! GUIDs in the three spellings Windows Installer uses.
//!
//! - Braced: `{6B2F1C44-7D1E-4E0B-9B1A-3C5D2E7F8A01}`, in package tables and
//!   API calls.
//! - Packed (32 hex digits, no punctuation), the registry key names under
//!   `Installer\Products` and `Installer\UpgradeCodes`: the first three
//!   groups are written backwards digit by digit, and every byte of the last
//!   two groups has its two digits swapped.
//! - Squished (20 characters of base 85), in Darwin descriptors such as the
//!   `Shortcut` and `PublishComponent` advertising data.

use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

/// A GUID as Windows Installer writes it: braced, upper-case.
///
/// ```
/// use olkit_msi_query::Guid;
///
/// let code = Guid::parse("{6b2f1c44-7d1e-4e0b-9b1a-3c5d2e7f8a01}")?;
/// assert_eq!(code.to_string(), "{6B2F1C44-7D1E-4E0B-9B1A-3C5D2E7F8A01}");
/// assert_eq!(code.to_packed(), "44C1F2B6E1D7B0E4B9A1C3D5E2F7A810");
/// assert_eq!(Guid::from_packed("44C1F2B6E1D7B0E4B9A1C3D5E2F7A810")?, code);
/// # Ok::<(), olkit_msi_query::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Guid {
    /// The 32 hex digits in the order the braced form writes them, as
    /// values 0 to 15.
    digits: [u8; 32],
}

/// Where the 32 digits sit in `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
const BRACED_LEN: usize = 38;
const DASHES: [usize; 4] = [9, 14, 19, 24];

/// The base-85 alphabet of squished GUIDs.
const BASE85: &[u8; 85] =
    b"!$%&'()*+,-.0123456789=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{}~";

impl Guid {
    /// Parses the braced form `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`,
    /// hex digits in either case (Windows Installer's own API calls want
    /// the braces too).
    pub fn parse(text: &str) -> Result<Guid> {
        let invalid = |reason| Error::InvalidGuid {
            text: text.to_string(),
            reason,
        };
        let bytes = text.as_bytes();
        if bytes.len() != BRACED_LEN {
            return Err(invalid("a GUID is 38 characters, {8-4-4-4-12} hex digits"));
        }
        if bytes.first() != Some(&b'{') || bytes.last() != Some(&b'}') {
            return Err(invalid("a GUID starts with { and ends with }"));
        }
        let mut digits = [0u8; 32];
        let mut slots = digits.iter_mut();
        for (index, &byte) in bytes.iter().enumerate().take(BRACED_LEN - 1).skip(1) {
            if DASHES.contains(&index) {
                if byte != b'-' {
                    return Err(invalid("the groups of a GUID are separated by -"));
                }
                continue;
            }
            let value = hex_value(byte).ok_or_else(|| invalid("not a hex digit"))?;
            if let Some(slot) = slots.next() {
                *slot = value;
            }
        }
        Ok(Guid { digits })
    }

    /// Parses the packed registry form (32 hex digits, either case).
    pub fn from_packed(text: &str) -> Result<Guid> {
        let digits = hex32(text, "a packed GUID is 32 hex digits")?;
        Ok(Guid {
            digits: permute_packed(&digits),
        })
    }

    /// The packed registry form, upper-case, as the key names under
    /// `Installer\Products` spell it.
    pub fn to_packed(&self) -> String {
        permute_packed(&self.digits)
            .iter()
            .map(|&d| hex_char(d))
            .collect()
    }

    /// Parses the 20-character squished (base-85) form of Darwin descriptors.
    pub fn from_squished(text: &str) -> Result<Guid> {
        let invalid = |reason| Error::InvalidGuid {
            text: text.to_string(),
            reason,
        };
        let bytes = text.as_bytes();
        if bytes.len() != 20 {
            return Err(invalid("a squished GUID is 20 characters"));
        }
        let mut raw = [0u8; 16];
        for (chunk, out) in bytes.chunks(5).zip(raw.chunks_mut(4)) {
            // Five base-85 digits, least significant first, make one
            // little-endian 32-bit word of the GUID's binary layout.
            let mut value: u64 = 0;
            for &c in chunk.iter().rev() {
                let digit = BASE85
                    .iter()
                    .position(|&a| a == c)
                    .ok_or_else(|| invalid("not a character of the base-85 alphabet"))?;
                value = value * 85 + digit as u64;
            }
            let word =
                u32::try_from(value).map_err(|_| invalid("a 5-character group exceeds 32 bits"))?;
            out.copy_from_slice(&word.to_le_bytes());
        }
        Ok(Guid::from_binary(raw))
    }

    /// The 20-character squished (base-85) form.
    pub fn to_squished(&self) -> String {
        let raw = self.to_binary();
        let mut out = String::with_capacity(20);
        for word in raw.chunks(4) {
            let mut value = word.iter().rev().fold(0u32, |n, &b| n << 8 | u32::from(b));
            for _ in 0..5 {
                let digit = (value % 85) as usize;
                out.push(char::from(BASE85.get(digit).copied().unwrap_or(b'!')));
                value /= 85;
            }
        }
        out
    }

    /// The 16 bytes of the GUID structure as Windows lays it out in memory:
    /// Data1, Data2 and Data3 little-endian, then the eight bytes of Data4.
    pub fn to_binary(&self) -> [u8; 16] {
        let mut text_order = [0u8; 16];
        for (byte, pair) in text_order.iter_mut().zip(self.digits.chunks(2)) {
            *byte = pair.iter().fold(0u8, |n, &d| n << 4 | d);
        }
        let [a0, a1, a2, a3, b0, b1, c0, c1, d @ ..] = text_order;
        let mut raw = [a3, a2, a1, a0, b1, b0, c1, c0, 0, 0, 0, 0, 0, 0, 0, 0];
        if let Some(tail) = raw.get_mut(8..) {
            tail.copy_from_slice(&d);
        }
        raw
    }

    /// The GUID from its 16-byte in-memory layout (see [`to_binary`](Guid::to_binary)).
    pub fn from_binary(raw: [u8; 16]) -> Guid {
        let [a3, a2, a1, a0, b1, b0, c1, c0, d @ ..] = raw;
        let text_order = [a0, a1, a2, a3, b0, b1, c0, c1];
        let mut digits = [0u8; 32];
        for (pair, byte) in digits.chunks_mut(2).zip(text_order.iter().chain(d.iter())) {
            if let [high, low] = pair {
                *high = byte >> 4;
                *low = byte & 0xF;
            }
        }
        Guid { digits }
    }
}

/// Packing is its own inverse: reverse each of the first three groups
/// (8, 4 and 4 digits), swap the digits of each following byte.
fn permute_packed(digits: &[u8; 32]) -> [u8; 32] {
    let mut out = *digits;
    for range in [0..8, 8..12, 12..16] {
        if let Some(group) = out.get_mut(range) {
            group.reverse();
        }
    }
    if let Some(rest) = out.get_mut(16..) {
        for pair in rest.chunks_mut(2) {
            pair.reverse();
        }
    }
    out
}

fn hex32(text: &str, reason: &'static str) -> Result<[u8; 32]> {
    let invalid = |reason| Error::InvalidGuid {
        text: text.to_string(),
        reason,
    };
    if text.len() != 32 {
        return Err(invalid(reason));
    }
    let mut digits = [0u8; 32];
    for (slot, byte) in digits.iter_mut().zip(text.bytes()) {
        *slot = hex_value(byte).ok_or_else(|| invalid("not a hex digit"))?;
    }
    Ok(digits)
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

fn hex_char(digit: u8) -> char {
    char::from_digit(u32::from(digit), 16)
        .unwrap_or('0')
        .to_ascii_uppercase()
}

impl fmt::Display for Guid {
    /// The braced, upper-case form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(BRACED_LEN);
        text.push('{');
        for (index, &digit) in self.digits.iter().enumerate() {
            if matches!(index, 8 | 12 | 16 | 20) {
                text.push('-');
            }
            text.push(hex_char(digit));
        }
        text.push('}');
        f.write_str(&text)
    }
}

impl FromStr for Guid {
    type Err = Error;

    fn from_str(text: &str) -> Result<Guid> {
        Guid::parse(text)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Guid {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braced_parse_and_display() {
        let g = Guid::parse("{90160000-0011-0000-0000-0000000ff1ce}").unwrap();
        assert_eq!(g.to_string(), "{90160000-0011-0000-0000-0000000FF1CE}");
        for (text, reason) in [
            (
                "90160000-0011-0000-0000-0000000FF1CE",
                "a GUID is 38 characters, {8-4-4-4-12} hex digits",
            ),
            (
                "(90160000-0011-0000-0000-0000000FF1CE)",
                "a GUID starts with { and ends with }",
            ),
            (
                "{90160000_0011-0000-0000-0000000FF1CE}",
                "the groups of a GUID are separated by -",
            ),
            ("{9016000G-0011-0000-0000-0000000FF1CE}", "not a hex digit"),
            ("{+0160000-0011-0000-0000-0000000FF1CE}", "not a hex digit"),
            ("{9016000é-0011-0000-0000-0000000FF1C}", "not a hex digit"),
        ] {
            match Guid::parse(text) {
                Err(Error::InvalidGuid { reason: r, .. }) => assert_eq!(r, reason, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn packed_form_matches_the_registry() {
        // Office 2016's product code and the key name Windows gives it.
        let g = Guid::parse("{90160000-0011-0000-0000-0000000FF1CE}").unwrap();
        assert_eq!(g.to_packed(), "00006109110000000000000000F01FEC");
        assert_eq!(
            Guid::from_packed("00006109110000000000000000f01fec").unwrap(),
            g
        );
        let g = Guid::parse("{12345678-ABCD-EF01-2345-6789ABCDEF01}").unwrap();
        assert_eq!(g.to_packed(), "87654321DCBA10FE32547698BADCFE10");
        assert!(matches!(
            Guid::from_packed("87654321DCBA10FE32547698BADCFE1"),
            Err(Error::InvalidGuid { .. })
        ));
        assert!(matches!(
            Guid::from_packed("87654321DCBA10FE32547698BADCFE1Z"),
            Err(Error::InvalidGuid {
                reason: "not a hex digit",
                ..
            })
        ));
    }

    #[test]
    fn binary_layout() {
        let g = Guid::parse("{12345678-ABCD-EF01-2345-6789ABCDEF01}").unwrap();
        assert_eq!(
            g.to_binary(),
            [
                0x78, 0x56, 0x34, 0x12, 0xCD, 0xAB, 0x01, 0xEF, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD,
                0xEF, 0x01
            ]
        );
        assert_eq!(Guid::from_binary(g.to_binary()), g);
    }

    #[test]
    fn squished_form() {
        let zero = Guid::from_binary([0; 16]);
        assert_eq!(zero.to_squished(), "!".repeat(20));
        // 0xFFFFFFFF = 0 + 12*85 + 54*85^2 + 23*85^3 + 82*85^4, digits
        // least significant first.
        let ones = Guid::from_binary([0xFF; 16]);
        assert_eq!(ones.to_squished(), "!0_?{!0_?{!0_?{!0_?{");
        assert_eq!(Guid::from_squished("!0_?{!0_?{!0_?{!0_?{").unwrap(), ones);
        let g = Guid::parse("{12345678-ABCD-EF01-2345-6789ABCDEF01}").unwrap();
        assert_eq!(g.to_squished(), "9`Cq(9RInu'=e1T9Av]!");
        assert_eq!(Guid::from_squished("9`Cq(9RInu'=e1T9Av]!").unwrap(), g);
        // One more than 0xFFFFFFFF in the top group does not fit 32 bits.
        assert!(matches!(
            Guid::from_squished("~~~~~!!!!!!!!!!!!!!!"),
            Err(Error::InvalidGuid {
                reason: "a 5-character group exceeds 32 bits",
                ..
            })
        ));
        assert!(matches!(
            Guid::from_squished("\"!!!!!!!!!!!!!!!!!!!"),
            Err(Error::InvalidGuid {
                reason: "not a character of the base-85 alphabet",
                ..
            })
        ));
        assert!(matches!(
            Guid::from_squished("!!!"),
            Err(Error::InvalidGuid { .. })
        ));
    }
}
