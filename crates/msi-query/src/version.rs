//! Product versions the Windows Installer way.
//!
//! A `ProductVersion` is `major.minor.build` with an optional fourth field:
//! major and minor go up to 255, build up to 65,535 (Microsoft's
//! `ProductVersion` property page), and Windows Installer ignores the fourth
//! field whenever it compares products for an upgrade. The registry keeps the
//! first three fields as one DWORD, `major << 24 | minor << 16 | build`.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::{Error, Result};

/// A Windows Installer product version, `major.minor.build[.revision]`.
///
/// Equality and ordering compare the numbers of all four fields (a missing
/// field counts as 0, so `1.2` equals `1.2.0.0`); use
/// [`cmp_for_upgrade`](ProductVersion::cmp_for_upgrade) for the three-field
/// comparison Windows Installer makes between products.
///
/// ```
/// use olkit_msi_query::ProductVersion;
///
/// let v: ProductVersion = "7.01.4".parse()?;
/// assert_eq!(v.to_string(), "7.1.4");
/// assert_eq!(v.to_dword(), 0x0701_0004);
/// let patched: ProductVersion = "7.1.4.9".parse()?;
/// assert!(patched > v);
/// assert_eq!(patched.cmp_for_upgrade(&v), std::cmp::Ordering::Equal);
/// # Ok::<(), olkit_msi_query::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ProductVersion {
    major: u8,
    minor: u8,
    build: u16,
    revision: u16,
    /// How many fields the text had (1 to 4); only Display looks at it.
    fields: u8,
}

impl ProductVersion {
    /// The largest major and minor version Windows Installer accepts.
    pub const MAX_MAJOR_MINOR: u8 = 255;
    /// The largest build (and revision) number.
    pub const MAX_BUILD: u16 = 65_535;

    /// A three-field version `major.minor.build`.
    pub fn new(major: u8, minor: u8, build: u16) -> ProductVersion {
        ProductVersion {
            major,
            minor,
            build,
            revision: 0,
            fields: 3,
        }
    }

    /// A four-field version `major.minor.build.revision`.
    pub fn with_revision(major: u8, minor: u8, build: u16, revision: u16) -> ProductVersion {
        ProductVersion {
            major,
            minor,
            build,
            revision,
            fields: 4,
        }
    }

    /// Parses `major[.minor[.build[.revision]]]` strictly: one to four fields
    /// of ASCII digits, each within its limit. Missing trailing fields are 0,
    /// as Windows Installer reads `1.2` as `1.2.0`; leading zeros are only
    /// that (`01.02` is `1.2.0`). Spaces, signs, empty fields and anything
    /// after the fourth field are errors: Windows' own reading of such text
    /// is undocumented, so this refuses to guess (see
    /// [`parse_lenient`](ProductVersion::parse_lenient) for Wine's reading).
    pub fn parse(text: &str) -> Result<ProductVersion> {
        let invalid = |reason| Error::InvalidVersion {
            text: text.to_string(),
            reason,
        };
        if text.is_empty() {
            return Err(invalid("it is empty"));
        }
        let mut numbers = [0u32; 4];
        let mut fields = 0usize;
        for part in text.split('.') {
            let slot = numbers
                .get_mut(fields)
                .ok_or_else(|| invalid("it has more than four fields"))?;
            if part.is_empty() {
                return Err(invalid("a field is empty"));
            }
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("a field is not a decimal number"));
            }
            // Leading zeros carry no value; skipping them keeps long
            // zero-padded fields from overflowing the accumulator.
            let digits = part.trim_start_matches('0');
            if digits.len() > 5 {
                return Err(invalid("a field is too large"));
            }
            *slot = digits
                .bytes()
                .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
            fields += 1;
        }
        let [major, minor, build, revision] = numbers;
        let major = u8::try_from(major).map_err(|_| invalid("the major version is over 255"))?;
        let minor = u8::try_from(minor).map_err(|_| invalid("the minor version is over 255"))?;
        let build = u16::try_from(build).map_err(|_| invalid("the build version is over 65535"))?;
        let revision =
            u16::try_from(revision).map_err(|_| invalid("the fourth field is over 65535"))?;
        Ok(ProductVersion {
            major,
            minor,
            build,
            revision,
            fields: u8::try_from(fields).unwrap_or(4),
        })
    }

    /// Reads any text the way Wine's msi.dll turns a version string into the
    /// registry DWORD (`msi_version_str_to_dword`), which is how it compares
    /// the Upgrade table's VersionMin and VersionMax: each of the first three
    /// fields is read like C's `wcstol` (leading white space and a sign
    /// skipped, digits up to the first other character, 0 when there are
    /// none) and truncated to its width (major and minor to 8 bits, build to
    /// 16), so `256.1` reads as `0.1.0`. A fourth field is ignored. Never
    /// fails.
    pub fn parse_lenient(text: &str) -> ProductVersion {
        let mut fields = text.splitn(4, '.');
        let mut next = || fields.next().map_or(0, wcstol_like);
        let major = next();
        let minor = next();
        let build = next();
        // Truncation is the point: it reproduces the DWORD packing.
        ProductVersion::new(major as u8, minor as u8, build as u16)
    }

    /// The version held in a registry `Version` DWORD
    /// (`major << 24 | minor << 16 | build`); three fields.
    pub fn from_dword(dword: u32) -> ProductVersion {
        let [major, minor, high, low] = dword.to_be_bytes();
        ProductVersion::new(major, minor, u16::from_be_bytes([high, low]))
    }

    /// The registry `Version` DWORD: `major << 24 | minor << 16 | build`
    /// (the fourth field is not stored).
    pub fn to_dword(&self) -> u32 {
        u32::from(self.major) << 24 | u32::from(self.minor) << 16 | u32::from(self.build)
    }

    /// The major version (0 to 255).
    pub fn major(&self) -> u8 {
        self.major
    }

    /// The minor version (0 to 255).
    pub fn minor(&self) -> u8 {
        self.minor
    }

    /// The build version (0 to 65,535).
    pub fn build(&self) -> u16 {
        self.build
    }

    /// The fourth field (0 when absent).
    pub fn revision(&self) -> u16 {
        self.revision
    }

    /// Whether the text had a fourth field.
    pub fn has_revision(&self) -> bool {
        self.fields > 3
    }

    /// The version without its fourth field, as Windows Installer sees it
    /// when it compares products.
    pub fn without_revision(&self) -> ProductVersion {
        ProductVersion::new(self.major, self.minor, self.build)
    }

    /// Compares `major.minor.build` only, as FindRelatedProducts and the
    /// downgrade checks do: `1.2.3.9` and `1.2.3.0` are the same version.
    pub fn cmp_for_upgrade(&self, other: &ProductVersion) -> Ordering {
        self.to_dword().cmp(&other.to_dword())
    }

    fn key(&self) -> (u8, u8, u16, u16) {
        (self.major, self.minor, self.build, self.revision)
    }
}

/// The number at the start of `text` as C's `wcstol(text, NULL, 10)` reads
/// it on Windows (32-bit `long`, saturating at `LONG_MAX`/`LONG_MIN`), as
/// the bits of the `long`.
fn wcstol_like(text: &str) -> u32 {
    const LONG_MAX: u64 = 0x7FFF_FFFF;
    const LONG_MIN_MAGNITUDE: u64 = 0x8000_0000;
    let rest = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, rest) = match rest.as_bytes().first() {
        Some(b'-') => (true, rest.get(1..).unwrap_or("")),
        Some(b'+') => (false, rest.get(1..).unwrap_or("")),
        _ => (false, rest),
    };
    let magnitude = rest
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u64, |n, b| {
            (n * 10 + u64::from(b - b'0')).min(LONG_MIN_MAGNITUDE)
        });
    if negative {
        // Two's complement of the magnitude; LONG_MIN's bits are 0x8000_0000.
        (magnitude as u32).wrapping_neg()
    } else {
        magnitude.min(LONG_MAX) as u32
    }
}

impl PartialEq for ProductVersion {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for ProductVersion {}

impl Hash for ProductVersion {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl PartialOrd for ProductVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ProductVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl fmt::Display for ProductVersion {
    /// `major.minor.build`, plus `.revision` when the version has a fourth
    /// field; no leading zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.build)?;
        if self.has_revision() {
            write!(f, ".{}", self.revision)?;
        }
        Ok(())
    }
}

impl FromStr for ProductVersion {
    type Err = Error;

    fn from_str(text: &str) -> Result<ProductVersion> {
        ProductVersion::parse(text)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ProductVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> ProductVersion {
        ProductVersion::parse(text).unwrap()
    }

    #[test]
    fn missing_fields_are_zero_and_display_is_canonical() {
        assert_eq!(v("1"), ProductVersion::new(1, 0, 0));
        assert_eq!(v("1").to_string(), "1.0.0");
        assert_eq!(v("1.2").to_string(), "1.2.0");
        assert_eq!(v("001.002.00003").to_string(), "1.2.3");
        assert_eq!(v("1.2.3.0004").to_string(), "1.2.3.4");
        assert_eq!(v("0000000000000255.0.0").major(), 255);
        assert!(v("1.2.3.0").has_revision());
        assert!(!v("1.2.3").has_revision());
    }

    #[test]
    fn limits() {
        assert_eq!(v("255.255.65535.65535").to_dword(), 0xFFFF_FFFF);
        for (text, reason) in [
            ("256.0.0", "the major version is over 255"),
            ("0.256.0", "the minor version is over 255"),
            ("0.0.65536", "the build version is over 65535"),
            ("0.0.0.65536", "the fourth field is over 65535"),
            ("1.2.3.4.5", "it has more than four fields"),
            ("", "it is empty"),
            ("1..2", "a field is empty"),
            ("1.2.", "a field is empty"),
            (" 1.2", "a field is not a decimal number"),
            ("1.2 ", "a field is not a decimal number"),
            ("+1.2", "a field is not a decimal number"),
            ("1.2a", "a field is not a decimal number"),
            ("1.٣", "a field is not a decimal number"),
            ("1.999999", "a field is too large"),
        ] {
            match ProductVersion::parse(text) {
                Err(Error::InvalidVersion { text: t, reason: r }) => {
                    assert_eq!((t.as_str(), r), (text, reason), "{text:?}")
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn dword_both_ways() {
        assert_eq!(v("7.1.4").to_dword(), 0x0701_0004);
        assert_eq!(v("16.0.4266.1001").to_dword(), 0x1000_10AA);
        assert_eq!(
            ProductVersion::from_dword(0x1000_10AA).to_string(),
            "16.0.4266"
        );
        // The fourth field is not stored.
        assert_eq!(v("1.2.3.4").to_dword(), v("1.2.3").to_dword());
    }

    #[test]
    fn ordering_uses_four_fields_upgrade_comparison_three() {
        assert!(v("1.2.3.4") > v("1.2.3"));
        assert_eq!(v("1.2.3"), v("1.2.3.0"));
        assert!(v("1.10") > v("1.9.65535"));
        assert_eq!(v("1.2.3.4").cmp_for_upgrade(&v("1.2.3.9")), Ordering::Equal);
        assert_eq!(v("1.2.4").cmp_for_upgrade(&v("1.2.3.9")), Ordering::Greater);
        assert_eq!(v("2").cmp_for_upgrade(&v("1.255.65535")), Ordering::Greater);
    }

    #[test]
    fn lenient_reads_like_wine() {
        let l = ProductVersion::parse_lenient;
        assert_eq!(l("1.2.3"), v("1.2.3"));
        assert_eq!(l(" 1. 2.3x"), v("1.2.3"));
        assert_eq!(l("1.2.3.4"), v("1.2.3"));
        assert_eq!(l(""), v("0"));
        assert_eq!(l("abc"), v("0"));
        assert_eq!(l("2"), v("2.0.0"));
        assert_eq!(l("256.1"), v("0.1.0"));
        assert_eq!(l("1.2.65537"), v("1.2.1"));
        assert_eq!(l("-1").to_dword() >> 24, 0xFF);
        // Overflow saturates at LONG_MAX (low byte 0xFF) and LONG_MIN (0x00).
        assert_eq!(l("99999999999999999999").major(), 0xFF);
        assert_eq!(l("3000000000").major(), 0xFF);
        assert_eq!(l("-99999999999").major(), 0x00);
        assert_eq!(l("0.0.-2").build(), 0xFFFE);
    }
}
