//! The text encodings `.reg` files come in, and the line endings they use.

/// How a `.reg` file's text is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Encoding {
    /// Windows-1252, the ANSI code page of `REGEDIT4` files.
    #[cfg_attr(feature = "serde", serde(rename = "windows-1252"))]
    Windows1252,
    /// UTF-16 little-endian with a byte order mark: what regedit writes for version 5.
    #[cfg_attr(feature = "serde", serde(rename = "utf-16le"))]
    Utf16Le,
    /// UTF-8 without a byte order mark (accepted by regedit for version 5).
    #[cfg_attr(feature = "serde", serde(rename = "utf-8"))]
    Utf8,
    /// UTF-8 with a byte order mark.
    #[cfg_attr(feature = "serde", serde(rename = "utf-8-bom"))]
    Utf8Bom,
}

impl Encoding {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Windows1252 => "Windows-1252",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
        }
    }

    /// `bytes` in this encoding as text, for display: what does not decode
    /// becomes U+FFFD, and a trailing odd byte of UTF-16 is left out. A
    /// byte order mark is kept (as U+FEFF).
    pub fn decode_lossy(self, bytes: &[u8]) -> String {
        match self {
            Encoding::Utf16Le => String::from_utf16_lossy(&crate::value::le_units(bytes)),
            Encoding::Utf8 | Encoding::Utf8Bom => String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Windows1252 => bytes.iter().map(|&b| cp1252_decode(b)).collect(),
        }
    }

    pub(crate) fn bom(self) -> &'static [u8] {
        match self {
            Encoding::Utf16Le => &[0xFF, 0xFE],
            Encoding::Utf8Bom => &[0xEF, 0xBB, 0xBF],
            Encoding::Windows1252 | Encoding::Utf8 => &[],
        }
    }

    /// Encodes text. Only Windows-1252 can fail, with the first character it lacks.
    pub(crate) fn encode(self, text: &str, out: &mut Vec<u8>) -> Result<(), char> {
        match self {
            Encoding::Utf16Le => {
                for unit in text.encode_utf16() {
                    out.extend(unit.to_le_bytes());
                }
            }
            Encoding::Utf8 | Encoding::Utf8Bom => out.extend_from_slice(text.as_bytes()),
            Encoding::Windows1252 => {
                for ch in text.chars() {
                    out.push(cp1252_encode(ch).ok_or(ch)?);
                }
            }
        }
        Ok(())
    }
}

/// The characters of bytes 0x80..=0x9F in Windows-1252. The five bytes the
/// code page leaves undefined map to the C1 control of the same number, as
/// Windows' own conversion does, so every byte round-trips.
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// The character of one Windows-1252 byte.
pub(crate) fn cp1252_decode(byte: u8) -> char {
    match byte {
        0x80..=0x9F => CP1252_HIGH
            .get(usize::from(byte - 0x80))
            .copied()
            .unwrap_or(char::REPLACEMENT_CHARACTER),
        _ => char::from(byte),
    }
}

/// The Windows-1252 byte of a character, if it has one.
pub(crate) fn cp1252_encode(ch: char) -> Option<u8> {
    match u32::from(ch) {
        n @ (0..=0x7F | 0xA0..=0xFF) => u8::try_from(n).ok(),
        _ => CP1252_HIGH
            .iter()
            .position(|&c| c == ch)
            .and_then(|i| u8::try_from(i + 0x80).ok()),
    }
}

/// The line break a file uses; new lines are written with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum LineEnding {
    /// `\r\n`, what regedit writes.
    CrLf,
    /// `\n`.
    Lf,
    /// `\r`.
    Cr,
}

impl LineEnding {
    /// `CRLF`, `LF` or `CR`.
    pub fn name(self) -> &'static str {
        match self {
            LineEnding::CrLf => "CRLF",
            LineEnding::Lf => "LF",
            LineEnding::Cr => "CR",
        }
    }

    /// The characters of the line break.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::CrLf => "\r\n",
            LineEnding::Lf => "\n",
            LineEnding::Cr => "\r",
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cp1252_round_trips_every_byte() {
        for b in 0..=255u8 {
            assert_eq!(cp1252_encode(cp1252_decode(b)), Some(b), "byte {b:#x}");
        }
        assert_eq!(cp1252_decode(0x80), '€');
        assert_eq!(cp1252_encode('€'), Some(0x80));
        assert_eq!(cp1252_encode('日'), None);
    }

    #[test]
    fn encode_reports_the_first_unencodable_char() {
        let mut out = Vec::new();
        assert_eq!(Encoding::Windows1252.encode("aé日b", &mut out), Err('日'));
        let mut out = Vec::new();
        assert_eq!(Encoding::Utf16Le.encode("a€", &mut out), Ok(()));
        assert_eq!(out, [b'a', 0, 0xAC, 0x20]);
    }

    #[test]
    fn decode_lossy_reads_each_encoding() {
        let mut utf16 = Vec::new();
        Encoding::Utf16Le
            .encode("\u{feff}a€\r\n", &mut utf16)
            .unwrap();
        assert_eq!(Encoding::Utf16Le.decode_lossy(&utf16), "\u{feff}a€\r\n");
        utf16.push(b'x');
        assert_eq!(Encoding::Utf16Le.decode_lossy(&utf16), "\u{feff}a€\r\n");
        assert_eq!(Encoding::Utf16Le.decode_lossy(&[0x00, 0xD8]), "\u{fffd}");
        assert_eq!(Encoding::Utf8.decode_lossy(b"a\xff"), "a\u{fffd}");
        assert_eq!(
            Encoding::Windows1252.decode_lossy(&[b'a', 0x80, 0xE9]),
            "a€é"
        );
    }
}
