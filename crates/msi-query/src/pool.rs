//! The string pool as stored: `_StringPool` (a code page header, then one
//! `(length, refcount)` pair of u16 per string) and `_StringData` (the
//! strings' bytes, back to back, in the pool's code page).
//!
//! Opening keeps the raw bytes and each id's byte range; strings are decoded
//! one by one on demand, or all at once when a whole table is read.

use std::borrow::Cow;

use crate::model::StringPool;
use crate::{Error, Result};

/// Set in the header's high word when cells hold 3-byte string ids.
const LONG_REFS: u32 = 0x8000_0000;

/// The undecoded string pool.
#[derive(Debug, Clone)]
pub(crate) struct RawPool {
    codepage: u32,
    long_refs: bool,
    data: Vec<u8>,
    /// `spans[id - 1]` = byte range of string `id` in `data`.
    spans: Vec<(usize, usize)>,
}

fn corrupt(detail: String) -> Error {
    Error::StringPool { detail }
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    match bytes.get(at..at + 2) {
        Some(&[lo, hi]) => u16::from_le_bytes([lo, hi]),
        _ => 0,
    }
}

impl RawPool {
    /// A pool with no strings (a database without `_StringPool`).
    pub(crate) fn empty() -> Self {
        Self {
            codepage: 0,
            long_refs: false,
            data: Vec::new(),
            spans: Vec::new(),
        }
    }

    /// Parses the two streams. One pass over the entries; no decoding.
    pub(crate) fn parse(pool: &[u8], data: Vec<u8>) -> Result<Self> {
        if !pool.len().is_multiple_of(4) {
            return Err(corrupt(format!(
                "_StringPool is {} bytes, not a whole number of 4-byte entries",
                pool.len()
            )));
        }
        let header = match pool.get(..4) {
            Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
            _ => 0,
        };
        let count = pool.len() / 4;
        let mut spans = Vec::with_capacity(count.saturating_sub(1));
        let mut offset = 0usize;
        let mut entry = 1usize;
        while entry < count {
            let len = u16_at(pool, entry * 4);
            let refs = u16_at(pool, entry * 4 + 2);
            let size = if len == 0 && refs != 0 {
                // A string of 64 KiB or more: this entry's refcount field
                // holds the high word of the length, the next entry the low
                // word and the real refcount (the layout Windows and
                // libmsi's writer use).
                entry += 1;
                if entry >= count {
                    return Err(corrupt(format!(
                        "string id {} announces a long string but the pool ends",
                        spans.len() + 1
                    )));
                }
                (usize::from(refs) << 16) | usize::from(u16_at(pool, entry * 4))
            } else {
                usize::from(len)
            };
            entry += 1;
            let end = offset.checked_add(size).filter(|&end| end <= data.len());
            let Some(end) = end else {
                return Err(corrupt(format!(
                    "string id {} needs bytes {offset}..{} but _StringData has {}",
                    spans.len() + 1,
                    offset.saturating_add(size),
                    data.len()
                )));
            };
            spans.push((offset, end));
            offset = end;
        }
        if offset != data.len() {
            tracing::warn!(
                used = offset,
                len = data.len(),
                "_StringData is longer than its strings"
            );
        }
        Ok(Self {
            codepage: header & !LONG_REFS,
            long_refs: header & LONG_REFS != 0,
            data,
            spans,
        })
    }

    /// The code page of the strings (0 = neutral).
    pub(crate) fn codepage(&self) -> u32 {
        self.codepage
    }

    /// Bytes per string reference in table cells: 3 with long references.
    pub(crate) fn ref_width(&self) -> usize {
        if self.long_refs {
            3
        } else {
            2
        }
    }

    /// Number of ids (the highest valid id).
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The stored bytes of string `id`.
    pub(crate) fn bytes(&self, id: u32) -> Option<&[u8]> {
        let index = usize::try_from(id).ok()?.checked_sub(1)?;
        let &(start, end) = self.spans.get(index)?;
        self.data.get(start..end)
    }

    /// Decodes string `id`; `None` for 0 or an id past the end.
    pub(crate) fn get(&self, id: u32) -> Result<Option<String>> {
        match self.bytes(id) {
            None => Ok(None),
            Some(bytes) => decode(self.codepage, bytes, id).map(|s| Some(s.into_owned())),
        }
    }

    /// The ids whose string is exactly `text` (pools may repeat a string).
    /// `None` when `text` cannot be matched on stored bytes (its encoding in
    /// this code page is unknown): the caller falls back to decoding.
    pub(crate) fn find(&self, text: &str) -> Option<Vec<u32>> {
        let wanted = encode(self.codepage, text)?;
        let mut ids = Vec::new();
        for (index, &(start, end)) in self.spans.iter().enumerate() {
            if end - start == wanted.len() && self.data.get(start..end) == Some(&wanted[..]) {
                ids.push(u32::try_from(index + 1).unwrap_or(u32::MAX));
            }
        }
        Some(ids)
    }

    /// Decodes every string.
    pub(crate) fn decode_all(&self) -> Result<StringPool> {
        let mut pool = StringPool::new(self.codepage);
        for id in 1..=self.spans.len() {
            let id = u32::try_from(id).unwrap_or(u32::MAX);
            let bytes = self.bytes(id).unwrap_or(&[]);
            pool.push(&decode(self.codepage, bytes, id)?);
        }
        Ok(pool)
    }
}

/// The `encoding_rs` encoding of a Windows code page; `None` for code pages
/// it does not cover.
fn encoding(codepage: u32) -> Option<&'static encoding_rs::Encoding> {
    use encoding_rs::*;
    Some(match codepage {
        // Neutral: Windows uses the system's ANSI code page; Western
        // European is the common case and a superset of ASCII.
        0 | 1252 | 20127 | 28591 => WINDOWS_1252,
        65001 => UTF_8,
        874 => WINDOWS_874,
        932 => SHIFT_JIS,
        936 => GBK,
        949 => EUC_KR,
        950 => BIG5,
        1250 => WINDOWS_1250,
        1251 => WINDOWS_1251,
        1253 => WINDOWS_1253,
        1254 => WINDOWS_1254,
        1255 => WINDOWS_1255,
        1256 => WINDOWS_1256,
        1257 => WINDOWS_1257,
        1258 => WINDOWS_1258,
        866 => IBM866,
        10000 => MACINTOSH,
        10007 => X_MAC_CYRILLIC,
        20866 => KOI8_R,
        21866 => KOI8_U,
        20932 => EUC_JP,
        28592 => ISO_8859_2,
        28593 => ISO_8859_3,
        28594 => ISO_8859_4,
        28595 => ISO_8859_5,
        28596 => ISO_8859_6,
        28597 => ISO_8859_7,
        28598 => ISO_8859_8,
        28603 => ISO_8859_13,
        28605 => ISO_8859_15,
        _ => return None,
    })
}

/// Decodes stored string bytes. Unknown code pages decode ASCII only.
pub(crate) fn decode(codepage: u32, bytes: &[u8], id: u32) -> Result<Cow<'_, str>> {
    match encoding(codepage) {
        Some(enc) => Ok(enc.decode_without_bom_handling(bytes).0),
        None if bytes.is_ascii() => Ok(String::from_utf8_lossy(bytes)),
        None => Err(Error::UnsupportedCodepage { codepage, id }),
    }
}

/// Encodes text as the pool stores it; `None` when it is not representable.
pub(crate) fn encode(codepage: u32, text: &str) -> Option<Vec<u8>> {
    match encoding(codepage) {
        Some(enc) => {
            let (bytes, _, had_errors) = enc.encode(text);
            (!had_errors).then(|| bytes.into_owned())
        }
        None => text.is_ascii().then(|| text.as_bytes().to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(header: u32, items: &[(u16, u16)]) -> Vec<u8> {
        let mut pool = header.to_le_bytes().to_vec();
        for (len, refs) in items {
            pool.extend(len.to_le_bytes());
            pool.extend(refs.to_le_bytes());
        }
        pool
    }

    #[test]
    fn parses_ids_empty_entries_and_long_strings() {
        let long = vec![b'x'; 70_000];
        let mut data = b"abcd".to_vec();
        data.extend(&long);
        data.extend(b"z");
        let pool = entries(
            1252 | LONG_REFS,
            &[
                (3, 1),
                (0, 0),
                (1, 2),
                (0, 1),
                ((70_000u32 - 65_536) as u16, 5),
                (1, 1),
            ],
        );
        let raw = RawPool::parse(&pool, data).unwrap();
        assert_eq!(raw.codepage(), 1252);
        assert_eq!(raw.ref_width(), 3);
        assert_eq!(raw.len(), 5);
        assert_eq!(raw.get(1).unwrap().as_deref(), Some("abc"));
        assert_eq!(raw.get(2).unwrap().as_deref(), Some(""));
        assert_eq!(raw.get(3).unwrap().as_deref(), Some("d"));
        assert_eq!(raw.bytes(4).unwrap().len(), 70_000);
        assert_eq!(raw.get(5).unwrap().as_deref(), Some("z"));
        assert_eq!(raw.get(6).unwrap(), None);
        assert_eq!(raw.find("d"), Some(vec![3]));
        assert_eq!(raw.decode_all().unwrap().get(5), Some("z"));
    }

    #[test]
    fn inconsistent_pools_are_errors() {
        let short = RawPool::parse(&entries(0, &[(5, 1)]), b"abc".to_vec());
        assert!(matches!(short, Err(Error::StringPool { .. })), "{short:?}");
        let ragged = RawPool::parse(&[0, 0, 0, 0, 1, 0], Vec::new());
        assert!(matches!(ragged, Err(Error::StringPool { .. })));
        let dangling = RawPool::parse(&entries(0, &[(0, 1)]), Vec::new());
        assert!(matches!(dangling, Err(Error::StringPool { .. })));
    }

    #[test]
    fn code_pages() {
        assert_eq!(decode(1251, b"\xcf\xf0\xe8", 1).unwrap(), "При");
        assert_eq!(decode(932, b"\x93\xfa\x96\x7b", 1).unwrap(), "日本");
        assert_eq!(decode(65001, "ü".as_bytes(), 1).unwrap(), "ü");
        assert_eq!(decode(437, b"plain", 1).unwrap(), "plain");
        assert!(matches!(
            decode(437, b"\x81", 7),
            Err(Error::UnsupportedCodepage {
                codepage: 437,
                id: 7
            })
        ));
        assert_eq!(encode(1251, "При").unwrap(), b"\xcf\xf0\xe8");
        assert_eq!(encode(1252, "При"), None);
    }

    /// Writes a pool the way Windows does (long strings as a `(0, high)`
    /// entry followed by `(low, refcount)`).
    fn write_pool(codepage: u32, strings: &[String]) -> (Vec<u8>, Vec<u8>) {
        let long = strings.len() > 0xffff;
        let mut items = Vec::new();
        let mut data = Vec::new();
        for s in strings {
            let bytes = encode(codepage, s).unwrap();
            let len = bytes.len();
            if len == 0 {
                items.push((0, 0));
            } else if len >= 0x10000 {
                items.push((0, (len >> 16) as u16));
                items.push(((len & 0xffff) as u16, 1));
            } else {
                items.push((len as u16, 1));
            }
            data.extend(bytes);
        }
        let header = codepage | if long { LONG_REFS } else { 0 };
        (entries(header, &items), data)
    }

    proptest::proptest! {
        #[test]
        fn written_pools_read_back(
            strings in proptest::collection::vec("[a-zA-Z0-9 äöüß€]{0,12}", 0..40),
            long_at in 0usize..40,
            long_len in 65_536usize..70_000,
            codepage in proptest::sample::select(vec![1252u32, 65001]),
        ) {
            let mut strings = strings;
            let at = long_at.min(strings.len());
            strings.insert(at, "L".repeat(long_len));
            let (pool, data) = write_pool(codepage, &strings);
            let raw = RawPool::parse(&pool, data).unwrap();
            let decoded = raw.decode_all().unwrap();
            proptest::prop_assert_eq!(decoded.len(), strings.len());
            for (i, s) in strings.iter().enumerate() {
                proptest::prop_assert_eq!(decoded.get(i as u32 + 1), Some(s.as_str()));
                let found = raw.find(s).unwrap();
                proptest::prop_assert!(found.contains(&(i as u32 + 1)));
            }
        }

        #[test]
        fn arbitrary_pools_never_panic(pool in proptest::collection::vec(0u8..=255, 0..256),
                                       data in proptest::collection::vec(0u8..=255, 0..256)) {
            if let Ok(raw) = RawPool::parse(&pool, data) {
                let _ = raw.decode_all();
            }
        }
    }
}
