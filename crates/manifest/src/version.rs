//! Versions as vendors write them, in one total order.
//!
//! Accepted forms (case-insensitive, surrounding whitespace ignored):
//!
//! - numbers separated by dots, one to [`MAX_FIELDS`] of them: `7.2`,
//!   `6.15.1`, `7.2.0.4567`; an optional leading `v`: `v1.2.3`;
//! - then optionally one pre-release tag, `alpha`, `beta` or `rc`, with an
//!   optional number: `7.2.0 beta 2`, `7.2.0-rc1`, `7.2.0-beta.2`,
//!   `7.2.0 Beta`, `7.2.0 RC 1`;
//! - or one post-release tag, `patch`, `hotfix`, `sp` or `post`, with an
//!   optional number: `7.2.0 patch 1`, `7.2.0 SP2`.
//!
//! The tag may follow the numbers directly or after `-`, `.`, `_` or
//! spaces, and its number likewise.
//!
//! Order: numeric fields compare as numbers (`6.15 > 6.5`) and missing
//! fields count as zero (`7.2 == 7.2.0 == 7.2.0.0`). With equal numbers,
//! `alpha < beta < rc < release < post-release`; a tag without a number
//! sorts below the same tag with any number (`beta < beta 0 < beta 2`),
//! as in semver. The post-release tags are synonyms of one another: a
//! vendor's "patch 1" comes after its release and before the next release
//! (`7.2.0 < 7.2.0 patch 1 < 7.2.1`), whatever it calls it.
//!
//! Equality and hashing follow the order, not the text: `7.2` and
//! `v7.2.0` are equal versions with different texts. Compare
//! [`Version::text`] when the spelling matters.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::{Error, Result};

/// The most numeric fields a version may have.
pub const MAX_FIELDS: usize = 16;

/// The longest version text accepted, in bytes, surrounding whitespace
/// included.
pub const MAX_TEXT_LEN: usize = 256;

/// How far along the release cycle a version is, beyond its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Stage {
    // Declaration order is the order of the stages.
    Alpha(Option<u64>),
    Beta(Option<u64>),
    Rc(Option<u64>),
    Release,
    Post(Option<u64>),
}

/// A version as a vendor wrote it, with the text kept for display.
///
/// See the [module documentation](self) for the accepted forms and the
/// order.
///
/// ```
/// use olkit_manifest::Version;
/// let v = |s: &str| Version::parse(s).unwrap();
/// assert!(v("6.15.1") > v("6.5.0"));
/// assert!(v("7.2.0 beta 2") < v("7.2.0-rc1"));
/// assert!(v("7.2.0-rc1") < v("7.2"));
/// assert_eq!(v("7.2"), v("v7.2.0"));
/// assert_eq!(v("7.2.0.4567").installer_view(), Some((7, 2, 0)));
/// assert_eq!(v("7.2.0 Beta").text(), "7.2.0 Beta");
/// ```
#[derive(Debug, Clone)]
pub struct Version {
    text: String,
    fields: Vec<u64>,
    stage: Stage,
}

impl Version {
    /// Reads a version; see the [module documentation](self) for the
    /// accepted forms.
    pub fn parse(text: &str) -> Result<Version> {
        let (fields, stage) = Parser::new(text).version()?;
        Ok(Version {
            text: text.to_owned(),
            fields,
            stage,
        })
    }

    /// The text the version was read from, exactly.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The numeric fields as written, leading `v` and tag left out.
    pub fn fields(&self) -> &[u64] {
        &self.fields
    }

    /// Whether this is an alpha, beta or release candidate.
    pub fn is_prerelease(&self) -> bool {
        matches!(self.stage, Stage::Alpha(_) | Stage::Beta(_) | Stage::Rc(_))
    }

    /// Whether this carries a post-release tag (`patch 1`, `SP2`...).
    pub fn is_postrelease(&self) -> bool {
        matches!(self.stage, Stage::Post(_))
    }

    /// The same version as a [`semver::Version`], where that keeps its
    /// place in the order: at most three fields (or more that are all
    /// zero) and no post-release tag, which semver cannot express. A
    /// pre-release becomes `alpha`, `beta` or `rc`, followed by `.N` when
    /// it has a number: `7.2.0-rc1` becomes `7.2.0-rc.1`, which semver
    /// orders numerically like this type does (semver itself would read
    /// `rc1` as one word and sort `rc10` below `rc2`).
    pub fn to_semver(&self) -> Option<semver::Version> {
        if self.fields.iter().skip(3).any(|&field| field != 0) {
            return None;
        }
        let (tag, number) = match self.stage {
            Stage::Release => return Some(self.semver_core()),
            Stage::Post(_) => return None,
            Stage::Alpha(number) => ("alpha", number),
            Stage::Beta(number) => ("beta", number),
            Stage::Rc(number) => ("rc", number),
        };
        let pre = match number {
            Some(number) => format!("{tag}.{number}"),
            None => tag.to_owned(),
        };
        let mut version = self.semver_core();
        version.pre = semver::Prerelease::new(&pre).ok()?;
        Some(version)
    }

    fn semver_core(&self) -> semver::Version {
        semver::Version::new(self.field(0), self.field(1), self.field(2))
    }

    fn field(&self, index: usize) -> u64 {
        self.fields.get(index).copied().unwrap_or(0)
    }

    /// What Windows Installer sees of this version: major (0 to 255),
    /// minor (0 to 255) and build (0 to 65535). Windows Installer ignores
    /// a fourth field when it compares versions and has no tags, so both
    /// are left out here. `None` when a field is out of range or there are
    /// more than four fields, which a `ProductVersion` cannot have.
    pub fn installer_view(&self) -> Option<(u8, u8, u16)> {
        if self.fields.len() > 4 || self.field(3) > u64::from(u16::MAX) {
            return None;
        }
        let major = u8::try_from(self.field(0)).ok()?;
        let minor = u8::try_from(self.field(1)).ok()?;
        let build = u16::try_from(self.field(2)).ok()?;
        Some((major, minor, build))
    }

    /// The fields without the trailing zeros, which do not count in the
    /// order.
    fn significant_fields(&self) -> &[u64] {
        let len = self
            .fields
            .iter()
            .rposition(|&field| field != 0)
            .map_or(0, |last| last + 1);
        self.fields.get(..len).unwrap_or(&self.fields)
    }

    /// A spelling of the version that is the same for all equal versions:
    /// `7.2.0-rc1` and `v7.2 RC 1` both give `7.2-rc.1`.
    pub fn canonical(&self) -> String {
        let mut numbers: Vec<String> = self
            .significant_fields()
            .iter()
            .map(u64::to_string)
            .collect();
        if numbers.is_empty() {
            numbers.push("0".to_owned());
        }
        let mut out = numbers.join(".");
        let (tag, number) = match self.stage {
            Stage::Release => return out,
            Stage::Alpha(number) => ("-alpha", number),
            Stage::Beta(number) => ("-beta", number),
            Stage::Rc(number) => ("-rc", number),
            Stage::Post(number) => ("-patch", number),
        };
        out.push_str(tag);
        if let Some(number) = number {
            out.push('.');
            out.push_str(&number.to_string());
        }
        out
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.fields.len().max(other.fields.len());
        (0..len)
            .map(|index| self.field(index).cmp(&other.field(index)))
            .find(|ordering| ordering.is_ne())
            .unwrap_or(Ordering::Equal)
            .then_with(|| self.stage.cmp(&other.stage))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Only what the order looks at, so that equal versions hash alike.
        self.significant_fields().hash(state);
        self.stage.hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Version {
    type Err = Error;

    fn from_str(text: &str) -> Result<Version> {
        Version::parse(text)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Version::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A cursor over the version text; positions are byte offsets into the
/// original text, for the error.
struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(bytes.len());
        let end = bytes
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(start, |last| last + 1);
        Parser {
            text,
            bytes,
            pos: start,
            end,
        }
    }

    fn error(&self, problem: &'static str) -> Error {
        // The text is echoed in the message: keep that bounded too.
        let shown: String = self.text.chars().take(64).collect();
        Error::InvalidVersion {
            text: shown,
            position: self.pos,
            problem,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.peek_at(0)
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        let at = self.pos.checked_add(ahead)?;
        if at < self.end {
            self.bytes.get(at).copied()
        } else {
            None
        }
    }

    fn version(mut self) -> Result<(Vec<u64>, Stage)> {
        if self.text.len() > MAX_TEXT_LEN {
            return Err(self.error("longer than 256 bytes"));
        }
        if self.pos == self.end {
            return Err(self.error("empty"));
        }
        if matches!(self.peek(), Some(b'v' | b'V'))
            && self.peek_at(1).is_some_and(|b| b.is_ascii_digit())
        {
            self.pos += 1;
        }
        let fields = self.fields()?;
        let stage = self.stage()?;
        if self.peek().is_some() {
            return Err(self.error("unexpected text after the version"));
        }
        Ok((fields, stage))
    }

    fn fields(&mut self) -> Result<Vec<u64>> {
        let mut fields = Vec::new();
        loop {
            if fields.len() == MAX_FIELDS {
                return Err(self.error("more than 16 numeric fields"));
            }
            fields.push(self.number("expected a number")?);
            // A dot continues the numbers only when a digit follows it;
            // `7.2.0.beta` ends them at the dot before the tag.
            if self.peek() == Some(b'.') && self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
                self.pos += 1;
            } else {
                return Ok(fields);
            }
        }
    }

    fn number(&mut self, missing: &'static str) -> Result<u64> {
        let start = self.pos;
        let mut value: u64 = 0;
        while let Some(digit) = self.peek().filter(u8::is_ascii_digit) {
            value = value
                .checked_mul(10)
                .and_then(|value| value.checked_add(u64::from(digit - b'0')))
                .ok_or_else(|| self.error("number too large"))?;
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error(missing));
        }
        Ok(value)
    }

    /// Skips one separator: `-`, `.`, `_` or a run of spaces. Returns
    /// whether there was one.
    fn separator(&mut self) -> bool {
        match self.peek() {
            Some(b'-' | b'.' | b'_') => {
                self.pos += 1;
                true
            }
            Some(b) if b.is_ascii_whitespace() => {
                while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
                    self.pos += 1;
                }
                true
            }
            _ => false,
        }
    }

    fn stage(&mut self) -> Result<Stage> {
        if self.peek().is_none() {
            return Ok(Stage::Release);
        }
        self.separator();
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        let word = self
            .bytes
            .get(start..self.pos)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let stage: fn(Option<u64>) -> Stage = match word.as_slice() {
            b"alpha" => Stage::Alpha,
            b"beta" => Stage::Beta,
            b"rc" => Stage::Rc,
            b"patch" | b"hotfix" | b"sp" | b"post" => Stage::Post,
            b"" => return Err(self.error("expected a tag (alpha, beta, rc, patch)")),
            _ => {
                self.pos = start;
                return Err(
                    self.error("unknown tag (known: alpha, beta, rc, patch, hotfix, sp, post)")
                );
            }
        };
        if self.peek().is_none() {
            return Ok(stage(None));
        }
        self.separator();
        let number = self.number("expected the tag's number")?;
        Ok(stage(Some(number)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_v_needs_a_digit_after_it() {
        assert!(Version::parse("v").is_err());
        assert!(Version::parse("vbeta").is_err());
        assert!(Version::parse("V2").is_ok());
    }

    #[test]
    fn error_names_the_position() {
        match Version::parse("7.2.0 gamma 1") {
            Err(Error::InvalidVersion { position, .. }) => assert_eq!(position, 6),
            other => panic!("{other:?}"),
        }
    }
}
