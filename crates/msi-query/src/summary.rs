//! The summary information stream (`\u{5}SummaryInformation`), an OLE
//! property set: a header naming one or more sections, then in the first
//! section a table of `(property id, offset)` and the typed values.

use crate::pool;
use crate::{Error, Result};

/// A FILETIME: 100-nanosecond intervals since 1601-01-01 00:00:00 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileTime(pub u64);

impl FileTime {
    /// Whole seconds since 1601-01-01 00:00:00 UTC.
    pub fn seconds_since_1601(self) -> u64 {
        self.0 / 10_000_000
    }

    /// Seconds since the Unix epoch (negative before 1970).
    pub fn unix_seconds(self) -> i64 {
        i64::try_from(self.seconds_since_1601()).unwrap_or(i64::MAX) - 11_644_473_600
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds).
    pub fn to_iso8601(self) -> String {
        let secs = self.seconds_since_1601();
        let days = secs / 86_400;
        let rest = secs % 86_400;
        let (year, month, day) = civil_from_days_since_1601(days);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            rest / 3600,
            rest / 60 % 60,
            rest % 60
        )
    }
}

/// The proleptic Gregorian date `days` after 1601-01-01 (the start of a
/// 400-year cycle, which keeps the arithmetic simple).
fn civil_from_days_since_1601(days: u64) -> (u64, u64, u64) {
    const DAYS_PER_400Y: u64 = 146_097;
    let mut year = 1601 + 400 * (days / DAYS_PER_400Y);
    let mut days = days % DAYS_PER_400Y;
    // Centuries of 36,524 days (the fourth, ending on a leap year at the
    // end of the cycle, is one longer); then 4-year blocks; then years.
    let centuries = (days / 36_524).min(3);
    year += 100 * centuries;
    days -= 36_524 * centuries;
    let quads = days / 1461;
    year += 4 * quads;
    days -= 1461 * quads;
    let years = (days / 365).min(3);
    year += years;
    days -= 365 * years;
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let lengths = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut month = 1;
    for length in lengths {
        if days < length {
            break;
        }
        days -= length;
        month += 1;
    }
    (year, month, days + 1)
}

/// One property value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryValue {
    /// `VT_EMPTY`.
    Empty,
    /// `VT_I2`.
    I2(i16),
    /// `VT_I4`.
    I4(i32),
    /// `VT_LPSTR`, decoded from the summary's code page.
    Str(String),
    /// `VT_FILETIME`.
    FileTime(FileTime),
}

/// The summary information of a package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SummaryInfo {
    properties: Vec<(u32, SummaryValue)>,
}

/// Property ids of the summary information.
pub mod pid {
    /// Code page of the strings (`VT_I2`).
    pub const CODEPAGE: u32 = 1;
    /// Title.
    pub const TITLE: u32 = 2;
    /// Subject (usually the product name).
    pub const SUBJECT: u32 = 3;
    /// Author (usually the manufacturer).
    pub const AUTHOR: u32 = 4;
    /// Keywords.
    pub const KEYWORDS: u32 = 5;
    /// Comments.
    pub const COMMENTS: u32 = 6;
    /// Template: `platform;language,language...`.
    pub const TEMPLATE: u32 = 7;
    /// Last saved by (in transforms and patches: their languages/products).
    pub const LAST_SAVED_BY: u32 = 8;
    /// Revision number: the package code GUID (patches: GUID list).
    pub const REVISION_NUMBER: u32 = 9;
    /// Last printed (`VT_FILETIME`).
    pub const LAST_PRINTED: u32 = 11;
    /// Create time (`VT_FILETIME`).
    pub const CREATE_TIME: u32 = 12;
    /// Last save time (`VT_FILETIME`).
    pub const LAST_SAVE_TIME: u32 = 13;
    /// Page count: the minimum installer version (e.g. 200 = 2.0).
    pub const PAGE_COUNT: u32 = 14;
    /// Word count: source image flags.
    pub const WORD_COUNT: u32 = 15;
    /// Character count (transforms: validation flags).
    pub const CHARACTER_COUNT: u32 = 16;
    /// Creating application.
    pub const CREATING_APPLICATION: u32 = 18;
    /// Security (`VT_I4`): 0 none, 2 read-only recommended, 4 enforced.
    pub const SECURITY: u32 = 19;
}

const VT_EMPTY: u32 = 0;
const VT_I2: u32 = 2;
const VT_I4: u32 = 3;
const VT_LPSTR: u32 = 30;
const VT_FILETIME: u32 = 64;
/// More properties than any property set holds (there are 19 ids).
const MAX_PROPERTIES: usize = 1024;

fn bad(detail: String) -> Error {
    Error::SummaryInfo { detail }
}

fn u16_at(bytes: &[u8], at: usize) -> Result<u16> {
    match bytes.get(at..at.saturating_add(2)) {
        Some(&[a, b]) => Ok(u16::from_le_bytes([a, b])),
        _ => Err(bad(format!("truncated at byte {at}"))),
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32> {
    match bytes.get(at..at.saturating_add(4)) {
        Some(&[a, b, c, d]) => Ok(u32::from_le_bytes([a, b, c, d])),
        _ => Err(bad(format!("truncated at byte {at}"))),
    }
}

fn usize_at(bytes: &[u8], at: usize) -> Result<usize> {
    Ok(usize::try_from(u32_at(bytes, at)?).unwrap_or(usize::MAX))
}

impl SummaryInfo {
    /// Parses the property set stream.
    pub fn parse(bytes: &[u8]) -> Result<SummaryInfo> {
        if u16_at(bytes, 0)? != 0xfffe {
            return Err(bad("no 0xFFFE byte-order mark".to_owned()));
        }
        if u32_at(bytes, 24)? == 0 {
            return Ok(SummaryInfo::default());
        }
        // The first section is the summary information (FMTID at 28).
        let section = usize_at(bytes, 44)?;
        let count = usize_at(bytes, section.saturating_add(4))?;
        if count > MAX_PROPERTIES {
            return Err(bad(format!("{count} properties")));
        }
        let mut raw = Vec::with_capacity(count);
        for i in 0..count {
            let entry = section.saturating_add(8).saturating_add(i * 8);
            let id = u32_at(bytes, entry)?;
            let offset = section.saturating_add(usize_at(bytes, entry.saturating_add(4))?);
            raw.push((id, offset));
        }
        // Strings are decoded with the code page property, wherever it is.
        let mut codepage = 0u32;
        for &(id, offset) in &raw {
            if id == pid::CODEPAGE && u32_at(bytes, offset)? == VT_I2 {
                codepage = u32::from(u16_at(bytes, offset.saturating_add(4))?);
            }
        }
        let mut properties = Vec::with_capacity(count);
        for (id, offset) in raw {
            let value = match u32_at(bytes, offset)? {
                VT_EMPTY => SummaryValue::Empty,
                VT_I2 => SummaryValue::I2(u16_at(bytes, offset.saturating_add(4))? as i16),
                VT_I4 => SummaryValue::I4(u32_at(bytes, offset.saturating_add(4))? as i32),
                VT_FILETIME => {
                    let low = u64::from(u32_at(bytes, offset.saturating_add(4))?);
                    let high = u64::from(u32_at(bytes, offset.saturating_add(8))?);
                    SummaryValue::FileTime(FileTime(high << 32 | low))
                }
                VT_LPSTR => {
                    let len = usize_at(bytes, offset.saturating_add(4))?;
                    let start = offset.saturating_add(8);
                    let text = bytes
                        .get(start..start.saturating_add(len))
                        .ok_or_else(|| bad(format!("string of property {id} runs past the end")))?;
                    let text = match text.iter().position(|&b| b == 0) {
                        Some(nul) => text.get(..nul).unwrap_or(text),
                        None => text,
                    };
                    // A code page this crate cannot decode costs only the
                    // non-ASCII characters of one string, not the summary.
                    let decoded = pool::decode(codepage, text, 0)
                        .unwrap_or_else(|_| String::from_utf8_lossy(text));
                    SummaryValue::Str(decoded.into_owned())
                }
                other => {
                    return Err(bad(format!(
                        "property {id} has type {other}, not one a summary holds"
                    )))
                }
            };
            properties.push((id, value));
        }
        Ok(SummaryInfo { properties })
    }

    /// Every property, in stored order.
    pub fn properties(&self) -> &[(u32, SummaryValue)] {
        &self.properties
    }

    /// The value of property `id`.
    pub fn get(&self, id: u32) -> Option<&SummaryValue> {
        self.properties
            .iter()
            .find(|(pid, _)| *pid == id)
            .map(|(_, v)| v)
    }

    fn text(&self, id: u32) -> Option<&str> {
        match self.get(id)? {
            SummaryValue::Str(s) => Some(s),
            _ => None,
        }
    }

    fn int(&self, id: u32) -> Option<i32> {
        match *self.get(id)? {
            SummaryValue::I2(v) => Some(i32::from(v)),
            SummaryValue::I4(v) => Some(v),
            _ => None,
        }
    }

    fn time(&self, id: u32) -> Option<FileTime> {
        match *self.get(id)? {
            SummaryValue::FileTime(t) => Some(t),
            _ => None,
        }
    }

    /// PID 1: the code page of the summary strings (stored as a signed
    /// 16-bit value; 65001 comes back as 65001).
    pub fn codepage(&self) -> Option<u32> {
        match *self.get(pid::CODEPAGE)? {
            SummaryValue::I2(v) => Some(u32::from(v as u16)),
            SummaryValue::I4(v) => u32::try_from(v).ok(),
            _ => None,
        }
    }
    /// PID 2.
    pub fn title(&self) -> Option<&str> {
        self.text(pid::TITLE)
    }
    /// PID 3.
    pub fn subject(&self) -> Option<&str> {
        self.text(pid::SUBJECT)
    }
    /// PID 4.
    pub fn author(&self) -> Option<&str> {
        self.text(pid::AUTHOR)
    }
    /// PID 5.
    pub fn keywords(&self) -> Option<&str> {
        self.text(pid::KEYWORDS)
    }
    /// PID 6.
    pub fn comments(&self) -> Option<&str> {
        self.text(pid::COMMENTS)
    }
    /// PID 7: `platform;languages`, e.g. `x64;1033`.
    pub fn template(&self) -> Option<&str> {
        self.text(pid::TEMPLATE)
    }
    /// PID 8.
    pub fn last_saved_by(&self) -> Option<&str> {
        self.text(pid::LAST_SAVED_BY)
    }
    /// PID 9: the revision number, for a database the package code.
    pub fn revision_number(&self) -> Option<&str> {
        self.text(pid::REVISION_NUMBER)
    }
    /// The package code (PID 9 of a database).
    pub fn package_code(&self) -> Option<&str> {
        self.revision_number()
    }
    /// PID 11.
    pub fn last_printed(&self) -> Option<FileTime> {
        self.time(pid::LAST_PRINTED)
    }
    /// PID 12.
    pub fn create_time(&self) -> Option<FileTime> {
        self.time(pid::CREATE_TIME)
    }
    /// PID 13.
    pub fn last_save_time(&self) -> Option<FileTime> {
        self.time(pid::LAST_SAVE_TIME)
    }
    /// PID 14: the page count, for a database the minimum installer
    /// version times 100 (200 = 2.0).
    pub fn page_count(&self) -> Option<i32> {
        self.int(pid::PAGE_COUNT)
    }
    /// The minimum installer version (PID 14 of a database).
    pub fn minimum_installer_version(&self) -> Option<i32> {
        self.page_count()
    }
    /// PID 15: the word count (source image flags).
    pub fn word_count(&self) -> Option<i32> {
        self.int(pid::WORD_COUNT)
    }
    /// PID 16.
    pub fn character_count(&self) -> Option<i32> {
        self.int(pid::CHARACTER_COUNT)
    }
    /// PID 18.
    pub fn creating_application(&self) -> Option<&str> {
        self.text(pid::CREATING_APPLICATION)
    }
    /// PID 19.
    pub fn security(&self) -> Option<i32> {
        self.int(pid::SECURITY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetime_to_iso8601() {
        assert_eq!(FileTime(0).to_iso8601(), "1601-01-01T00:00:00Z");
        // 2000-02-29T12:34:56Z (a leap day in a year divisible by 400).
        let unix = 951_827_696u64;
        let ft = FileTime((unix + 11_644_473_600) * 10_000_000);
        assert_eq!(ft.to_iso8601(), "2000-02-29T12:34:56Z");
        assert_eq!(ft.unix_seconds(), 951_827_696);
        // 2100-03-01 (2100 is not a leap year), 2024-12-31.
        let ft = FileTime((4_107_542_400 + 11_644_473_600) * 10_000_000);
        assert_eq!(ft.to_iso8601(), "2100-03-01T00:00:00Z");
        let ft = FileTime((1_735_603_200 + 11_644_473_600) * 10_000_000);
        assert_eq!(ft.to_iso8601(), "2024-12-31T00:00:00Z");
    }

    #[test]
    fn truncated_or_odd_streams_are_errors() {
        assert!(SummaryInfo::parse(&[]).is_err());
        assert!(SummaryInfo::parse(&[0xfe, 0xff, 0, 0]).is_err());
        let mut header = vec![0xfe, 0xff];
        header.resize(48, 0);
        header[24] = 1;
        header[44] = 200;
        assert!(matches!(
            SummaryInfo::parse(&header),
            Err(Error::SummaryInfo { .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_streams_never_panic(bytes in proptest::collection::vec(0u8..=255, 0..512)) {
            let _ = SummaryInfo::parse(&bytes);
        }

        #[test]
        fn damaged_headers_never_panic(at in 0usize..64, value in 0u8..=255) {
            // A valid header (one section at 48) with one property, damaged.
            let mut bytes = vec![0xfe, 0xff];
            bytes.resize(48, 0);
            bytes[24] = 1;
            bytes[44] = 48;
            bytes.extend(24u32.to_le_bytes()); // section size
            bytes.extend(1u32.to_le_bytes()); // count
            bytes.extend(2u32.to_le_bytes()); // PID title
            bytes.extend(16u32.to_le_bytes()); // offset
            bytes.extend(30u32.to_le_bytes()); // VT_LPSTR
            bytes.extend(2u32.to_le_bytes());
            bytes.extend(b"T\0");
            let intact = SummaryInfo::parse(&bytes).unwrap();
            assert_eq!(intact.title(), Some("T"));
            if let Some(b) = bytes.get_mut(at) {
                *b = value;
            }
            let _ = SummaryInfo::parse(&bytes);
        }
    }
}
