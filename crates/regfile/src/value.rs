//! Registry value types and data.

use std::borrow::Cow;
use std::fmt;

use crate::Error;

/// A registry value type (`REG_SZ`, `REG_DWORD`, ...). Any 32-bit number is
/// allowed: `.reg` files can carry types Windows has no name for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegType(pub u32);

impl RegType {
    /// `REG_NONE` (0).
    pub const NONE: RegType = RegType(0);
    /// `REG_SZ` (1): a NUL-terminated UTF-16LE string.
    pub const SZ: RegType = RegType(1);
    /// `REG_EXPAND_SZ` (2): a string with `%VARIABLE%` references.
    pub const EXPAND_SZ: RegType = RegType(2);
    /// `REG_BINARY` (3).
    pub const BINARY: RegType = RegType(3);
    /// `REG_DWORD` (4): a little-endian 32-bit number.
    pub const DWORD: RegType = RegType(4);
    /// `REG_DWORD_BIG_ENDIAN` (5).
    pub const DWORD_BIG_ENDIAN: RegType = RegType(5);
    /// `REG_LINK` (6).
    pub const LINK: RegType = RegType(6);
    /// `REG_MULTI_SZ` (7): NUL-separated strings ending in two NULs.
    pub const MULTI_SZ: RegType = RegType(7);
    /// `REG_RESOURCE_LIST` (8).
    pub const RESOURCE_LIST: RegType = RegType(8);
    /// `REG_FULL_RESOURCE_DESCRIPTOR` (9).
    pub const FULL_RESOURCE_DESCRIPTOR: RegType = RegType(9);
    /// `REG_RESOURCE_REQUIREMENTS_LIST` (10).
    pub const RESOURCE_REQUIREMENTS_LIST: RegType = RegType(10);
    /// `REG_QWORD` (11): a little-endian 64-bit number.
    pub const QWORD: RegType = RegType(11);

    /// The Windows name (`REG_SZ`, ...), or `REG_0xN` (lowercase hex) for an unknown type.
    pub fn name(self) -> Cow<'static, str> {
        Cow::Borrowed(match self.0 {
            0 => "REG_NONE",
            1 => "REG_SZ",
            2 => "REG_EXPAND_SZ",
            3 => "REG_BINARY",
            4 => "REG_DWORD",
            5 => "REG_DWORD_BIG_ENDIAN",
            6 => "REG_LINK",
            7 => "REG_MULTI_SZ",
            8 => "REG_RESOURCE_LIST",
            9 => "REG_FULL_RESOURCE_DESCRIPTOR",
            10 => "REG_RESOURCE_REQUIREMENTS_LIST",
            11 => "REG_QWORD",
            n => return Cow::Owned(format!("REG_0x{n:x}")),
        })
    }

    /// Parses a name as [`RegType::name`] writes it.
    pub fn from_name(name: &str) -> Option<RegType> {
        let known = (0..=11).map(RegType).find(|t| t.name() == name);
        known.or_else(|| {
            let hex = name.strip_prefix("REG_0x")?;
            u32::from_str_radix(hex, 16).ok().map(RegType)
        })
    }

    fn is_text(self) -> bool {
        matches!(self, RegType::SZ | RegType::EXPAND_SZ | RegType::LINK)
    }
}

impl fmt::Display for RegType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for RegType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// A value's type and its data: the bytes the registry itself would hold.
///
/// Strings are UTF-16LE with their NUL terminator, whatever the file's
/// encoding, because that is what importing the file stores.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Value {
    ty: RegType,
    data: Vec<u8>,
}

impl Value {
    /// A value of any type with raw data.
    pub fn new(ty: RegType, data: Vec<u8>) -> Value {
        Value { ty, data }
    }

    /// A `REG_SZ` value.
    pub fn string(text: &str) -> Value {
        Value::new(RegType::SZ, utf16z(text))
    }

    /// A `REG_EXPAND_SZ` value.
    pub fn expand_string(text: &str) -> Value {
        Value::new(RegType::EXPAND_SZ, utf16z(text))
    }

    /// A `REG_MULTI_SZ` value: each string NUL-terminated, then one more NUL.
    pub fn multi_string<S: AsRef<str>>(items: &[S]) -> Value {
        let mut data = Vec::new();
        for item in items {
            data.extend(utf16z(item.as_ref()));
        }
        data.extend([0, 0]);
        Value::new(RegType::MULTI_SZ, data)
    }

    /// A `REG_DWORD` value.
    pub fn dword(n: u32) -> Value {
        Value::new(RegType::DWORD, n.to_le_bytes().to_vec())
    }

    /// A `REG_DWORD_BIG_ENDIAN` value.
    pub fn dword_big_endian(n: u32) -> Value {
        Value::new(RegType::DWORD_BIG_ENDIAN, n.to_be_bytes().to_vec())
    }

    /// A `REG_QWORD` value.
    pub fn qword(n: u64) -> Value {
        Value::new(RegType::QWORD, n.to_le_bytes().to_vec())
    }

    /// A `REG_BINARY` value.
    pub fn binary(data: Vec<u8>) -> Value {
        Value::new(RegType::BINARY, data)
    }

    /// The value's type.
    pub fn ty(&self) -> RegType {
        self.ty
    }

    /// The raw data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Consumes the value, returning its raw data.
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// The text of a `REG_SZ`, `REG_EXPAND_SZ` or `REG_LINK` value, up to the
    /// first NUL (as Windows reads it). Unpaired surrogates become U+FFFD.
    pub fn as_str(&self) -> Result<String, Error> {
        if !self.ty.is_text() {
            return Err(self.mismatch("a string (REG_SZ, REG_EXPAND_SZ or REG_LINK)"));
        }
        let units = self.units()?;
        let end = units.iter().position(|&u| u == 0).unwrap_or(units.len());
        Ok(String::from_utf16_lossy(
            units.get(..end).unwrap_or_default(),
        ))
    }

    /// The strings of a `REG_MULTI_SZ` value. The list ends at the first
    /// empty string, as Windows reads it.
    pub fn as_multi_string(&self) -> Result<Vec<String>, Error> {
        if self.ty != RegType::MULTI_SZ {
            return Err(self.mismatch("REG_MULTI_SZ"));
        }
        let units = self.units()?;
        Ok(units
            .split(|&u| u == 0)
            .take_while(|s| !s.is_empty())
            .map(String::from_utf16_lossy)
            .collect())
    }

    /// The number in a `REG_DWORD` (little-endian) or `REG_DWORD_BIG_ENDIAN` value.
    pub fn as_u32(&self) -> Result<u32, Error> {
        let bytes: [u8; 4] = match self.ty {
            RegType::DWORD | RegType::DWORD_BIG_ENDIAN => {
                self.data
                    .as_slice()
                    .try_into()
                    .map_err(|_| Error::BadData {
                        ty: self.ty,
                        reason: "a DWORD must be exactly 4 bytes",
                    })?
            }
            _ => return Err(self.mismatch("REG_DWORD")),
        };
        Ok(if self.ty == RegType::DWORD {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        })
    }

    /// The number in a `REG_QWORD` value.
    pub fn as_u64(&self) -> Result<u64, Error> {
        if self.ty != RegType::QWORD {
            return Err(self.mismatch("REG_QWORD"));
        }
        let bytes: [u8; 8] = self
            .data
            .as_slice()
            .try_into()
            .map_err(|_| Error::BadData {
                ty: self.ty,
                reason: "a QWORD must be exactly 8 bytes",
            })?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn units(&self) -> Result<Vec<u16>, Error> {
        if !self.data.len().is_multiple_of(2) {
            return Err(Error::BadData {
                ty: self.ty,
                reason: "UTF-16 data has an odd number of bytes",
            });
        }
        Ok(le_units(&self.data))
    }

    fn mismatch(&self, expected: &'static str) -> Error {
        Error::TypeMismatch {
            expected,
            found: self.ty,
        }
    }
}

/// UTF-16LE bytes of `text` plus a NUL terminator.
pub(crate) fn utf16z(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 2 + 2);
    for unit in text.encode_utf16().chain([0]) {
        out.extend(unit.to_le_bytes());
    }
    out
}

/// Reads little-endian UTF-16 units; a trailing odd byte is ignored.
pub(crate) fn le_units(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .filter_map(|pair| <[u8; 2]>::try_from(pair).ok())
        .map(u16::from_le_bytes)
        .collect()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn type_names_round_trip() {
        for n in (0..=12).chain([0x100, 0xffff_ffff]) {
            let ty = RegType(n);
            assert_eq!(RegType::from_name(&ty.name()), Some(ty));
        }
        assert_eq!(RegType(0x1f).name(), "REG_0x1f");
        assert_eq!(RegType::from_name("REG_NOPE"), None);
    }

    #[test]
    fn typed_accessors() {
        assert_eq!(Value::string("abc").data(), b"a\0b\0c\0\0\0");
        assert_eq!(
            Value::string("Grüße").as_str().ok().as_deref(),
            Some("Grüße")
        );
        assert_eq!(Value::dword(0x1234_5678).as_u32().ok(), Some(0x1234_5678));
        assert_eq!(Value::dword_big_endian(7).data(), [0, 0, 0, 7]);
        assert_eq!(Value::dword_big_endian(7).as_u32().ok(), Some(7));
        assert_eq!(Value::qword(u64::MAX - 1).as_u64().ok(), Some(u64::MAX - 1));
        let multi = Value::multi_string(&["a", "bc"]);
        assert_eq!(multi.data(), b"a\0\0\0b\0c\0\0\0\0\0");
        assert_eq!(
            multi.as_multi_string().ok(),
            Some(vec!["a".to_string(), "bc".to_string()])
        );
        assert_eq!(
            Value::multi_string::<&str>(&[]).as_multi_string().ok(),
            Some(vec![])
        );
    }

    #[test]
    fn accessor_errors() {
        assert!(matches!(
            Value::dword(1).as_str(),
            Err(Error::TypeMismatch { .. })
        ));
        assert!(matches!(
            Value::new(RegType::DWORD, vec![1, 2]).as_u32(),
            Err(Error::BadData { .. })
        ));
        assert!(matches!(
            Value::new(RegType::SZ, vec![b'a']).as_str(),
            Err(Error::BadData { .. })
        ));
        // Unterminated strings read to the end, as Windows does.
        assert_eq!(
            Value::new(RegType::SZ, vec![b'a', 0])
                .as_str()
                .ok()
                .as_deref(),
            Some("a")
        );
    }
}
