//! The text layer of a `.prf` file: its encoding, its lines (content and
//! terminator kept as the file's own bytes) and what each line is.
//!
//! Lines are read as code units (bytes, or little-endian UTF-16 units) so
//! that the structural characters (`[`, `]`, `=`, `;`, blanks), all ASCII,
//! are found at exact byte offsets whatever the encoding; only the key,
//! value and section-name slices are decoded to text.

use crate::mapi::{string_to_windows_1252, utf16le_units, windows_1252_to_string};

/// The character encoding of a `.prf` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum PrfEncoding {
    /// UTF-16 little-endian with a byte order mark (what "Unicode" Notepad
    /// writes; Windows' profile APIs read it as Unicode).
    Utf16Le,
    /// UTF-8, with or without a byte order mark. Without one, chosen only
    /// when the file is valid UTF-8 and holds a non-ASCII byte.
    Utf8 {
        /// Whether the file starts with `EF BB BF`.
        bom: bool,
    },
    /// Windows-1252 ("ANSI"), what the Office Customization Tool writes;
    /// also any file that is neither of the above, pure ASCII included.
    Windows1252,
}

impl PrfEncoding {
    /// Finds the encoding of `bytes` and the length of its byte order mark.
    pub(crate) fn detect(bytes: &[u8]) -> (PrfEncoding, usize) {
        if bytes.starts_with(&[0xFF, 0xFE]) {
            (PrfEncoding::Utf16Le, 2)
        } else if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
            (PrfEncoding::Utf8 { bom: true }, 3)
        } else if !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok() {
            (PrfEncoding::Utf8 { bom: false }, 0)
        } else {
            (PrfEncoding::Windows1252, 0)
        }
    }

    /// Bytes per code unit.
    pub(crate) fn unit_width(self) -> usize {
        match self {
            PrfEncoding::Utf16Le => 2,
            _ => 1,
        }
    }

    /// The code units of `bytes` (a trailing odd byte of UTF-16 is not a unit).
    pub(crate) fn units(self, bytes: &[u8]) -> Vec<u16> {
        match self {
            PrfEncoding::Utf16Le => utf16le_units(bytes).collect(),
            _ => bytes.iter().map(|&b| u16::from(b)).collect(),
        }
    }

    /// Decodes units to text; what cannot be decoded becomes U+FFFD (the
    /// file's bytes themselves are never rewritten from this text).
    pub(crate) fn decode(self, units: &[u16]) -> String {
        match self {
            PrfEncoding::Utf16Le => char::decode_utf16(units.iter().copied())
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect(),
            PrfEncoding::Utf8 { .. } => {
                let bytes: Vec<u8> = units.iter().map(|&u| u.to_le_bytes()[0]).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            PrfEncoding::Windows1252 => {
                let bytes: Vec<u8> = units.iter().map(|&u| u.to_le_bytes()[0]).collect();
                windows_1252_to_string(&bytes)
            }
        }
    }

    /// Encodes text, or `None` when a character has no Windows-1252 byte.
    pub(crate) fn encode(self, text: &str) -> Option<Vec<u8>> {
        match self {
            PrfEncoding::Utf16Le => Some(text.encode_utf16().flat_map(u16::to_le_bytes).collect()),
            PrfEncoding::Utf8 { .. } => Some(text.as_bytes().to_vec()),
            PrfEncoding::Windows1252 => string_to_windows_1252(text),
        }
    }

    /// The name used in reports (`UTF-16LE`, `UTF-8`, `Windows-1252`).
    pub fn name(self) -> &'static str {
        match self {
            PrfEncoding::Utf16Le => "UTF-16LE",
            PrfEncoding::Utf8 { .. } => "UTF-8",
            PrfEncoding::Windows1252 => "Windows-1252",
        }
    }
}

/// How a line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum LineEnding {
    /// `CR LF`, what Windows tools write.
    CrLf,
    /// A lone `LF`.
    Lf,
    /// Nothing: the last line of a file without a final line break.
    None,
}

impl LineEnding {
    pub(crate) fn bytes(self, encoding: PrfEncoding) -> &'static [u8] {
        match (self, encoding) {
            (LineEnding::CrLf, PrfEncoding::Utf16Le) => &[b'\r', 0, b'\n', 0],
            (LineEnding::Lf, PrfEncoding::Utf16Le) => &[b'\n', 0],
            (LineEnding::CrLf, _) => b"\r\n",
            (LineEnding::Lf, _) => b"\n",
            (LineEnding::None, _) => b"",
        }
    }
}

/// What a line is, as Windows' profile functions read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// Empty or only blanks.
    Blank,
    /// Starts (after blanks) with `;`.
    Comment,
    /// `[name]`: the name between `[` and the last `]`, trimmed.
    Section { name: String },
    /// `key=value`.
    Entry {
        /// Before the first `=`, trimmed.
        key: String,
        /// After it, trimmed, one pair of enclosing quotes removed.
        value: String,
        /// Byte range of the trimmed value (quotes included) in the content.
        value_start: usize,
        value_end: usize,
    },
    /// Anything else (a `[` without `]`, text without `=`): kept, ignored.
    Other,
}

/// One line: its content bytes, its terminator, and what it is.
#[derive(Clone)]
pub(crate) struct Line {
    pub(crate) content: Vec<u8>,
    pub(crate) ending: LineEnding,
    pub(crate) kind: LineKind,
}

/// The blanks Windows trims around keys, values and section names.
fn is_blank(unit: u16) -> bool {
    matches!(unit, 0x20 | 0x09 | 0x0B | 0x0C | 0x0D)
}

impl Line {
    pub(crate) fn new(content: Vec<u8>, ending: LineEnding, encoding: PrfEncoding) -> Line {
        let kind = classify(&content, encoding);
        Line {
            content,
            ending,
            kind,
        }
    }

    pub(crate) fn section_name(&self) -> Option<&str> {
        match &self.kind {
            LineKind::Section { name } => Some(name),
            _ => None,
        }
    }

    /// An entry or an unreadable line: what a section's body is made of,
    /// as opposed to the blank lines and comments between sections.
    pub(crate) fn is_content(&self) -> bool {
        matches!(self.kind, LineKind::Entry { .. } | LineKind::Other)
    }
}

fn classify(content: &[u8], encoding: PrfEncoding) -> LineKind {
    let units = encoding.units(content);
    let width = encoding.unit_width();
    let Some(start) = units.iter().position(|&u| !is_blank(u)) else {
        return LineKind::Blank;
    };
    let rest = units.get(start..).unwrap_or_default();
    match rest.first() {
        Some(&u) if u == u16::from(b';') => return LineKind::Comment,
        Some(&u) if u == u16::from(b'[') => {
            return match rest.iter().rposition(|&u| u == u16::from(b']')) {
                Some(close) => LineKind::Section {
                    name: encoding.decode(trim(rest.get(1..close).unwrap_or_default()).1),
                },
                None => LineKind::Other,
            };
        }
        _ => {}
    }
    let Some(eq) = units.iter().position(|&u| u == u16::from(b'=')) else {
        return LineKind::Other;
    };
    let key = encoding.decode(trim(units.get(..eq).unwrap_or_default()).1);
    let after = units.get(eq + 1..).unwrap_or_default();
    let (offset, value_units) = trim(after);
    let value_start = (eq + 1 + offset) * width;
    let value_end = value_start + value_units.len() * width;
    LineKind::Entry {
        key,
        value: encoding.decode(unquote(value_units)),
        value_start,
        value_end,
    }
}

/// The slice without leading and trailing blanks, and where it starts.
fn trim(units: &[u16]) -> (usize, &[u16]) {
    let Some(start) = units.iter().position(|&u| !is_blank(u)) else {
        return (units.len(), &[]);
    };
    let end = units
        .iter()
        .rposition(|&u| !is_blank(u))
        .map_or(start, |e| e + 1);
    (start, units.get(start..end).unwrap_or_default())
}

/// GetPrivateProfileString drops one pair of enclosing quotes (`"` or `'`).
fn unquote(units: &[u16]) -> &[u16] {
    match units {
        [first, inner @ .., last]
            if first == last && (*first == u16::from(b'"') || *first == u16::from(b'\'')) =>
        {
            inner
        }
        _ => units,
    }
}

/// Whether a value written as is would read back differently (blanks at
/// its ends are trimmed, one pair of enclosing quotes is dropped).
pub(crate) fn needs_quotes(value: &str) -> bool {
    let blank = |c: char| u32::from(c) <= 0xFFFF && is_blank(c as u16);
    let starts_blank = value.chars().next().is_some_and(blank);
    let ends_blank = value.chars().next_back().is_some_and(blank);
    let quoted = value.len() >= 2
        && ((value.starts_with('"') && value.ends_with('"'))
            || (value.starts_with('\'') && value.ends_with('\'')));
    starts_blank || ends_blank || quoted
}

/// Splits the text after the byte order mark into lines. Only `LF` ends a
/// line (a `CR` before it belongs to the terminator); a lone `CR` is content.
pub(crate) fn split_lines(body: &[u8], encoding: PrfEncoding) -> Vec<(Vec<u8>, LineEnding)> {
    let width = encoding.unit_width();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    while pos + width <= body.len() {
        let is_lf = match encoding {
            PrfEncoding::Utf16Le => body.get(pos..pos + 2) == Some(&[b'\n', 0][..]),
            _ => body.get(pos) == Some(&b'\n'),
        };
        if is_lf {
            let cr_at = pos.checked_sub(width).filter(|&c| c >= start);
            let has_cr = cr_at.is_some_and(|c| match encoding {
                PrfEncoding::Utf16Le => body.get(c..c + 2) == Some(&[b'\r', 0][..]),
                _ => body.get(c) == Some(&b'\r'),
            });
            let (end, ending) = match (has_cr, cr_at) {
                (true, Some(c)) => (c, LineEnding::CrLf),
                _ => (pos, LineEnding::Lf),
            };
            lines.push((body.get(start..end).unwrap_or_default().to_vec(), ending));
            start = pos + width;
        }
        pos += width;
    }
    if start < body.len() {
        lines.push((
            body.get(start..).unwrap_or_default().to_vec(),
            LineEnding::None,
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_encoding() {
        assert_eq!(PrfEncoding::detect(b"\xFF\xFE[\0").0, PrfEncoding::Utf16Le);
        assert_eq!(
            PrfEncoding::detect(b"\xEF\xBB\xBF[a]").0,
            PrfEncoding::Utf8 { bom: true }
        );
        assert_eq!(
            PrfEncoding::detect("[Ü]".as_bytes()).0,
            PrfEncoding::Utf8 { bom: false }
        );
        assert_eq!(PrfEncoding::detect(b"[\xDC]").0, PrfEncoding::Windows1252);
        assert_eq!(PrfEncoding::detect(b"[a]").0, PrfEncoding::Windows1252);
    }

    #[test]
    fn classifies_lines() {
        let enc = PrfEncoding::Windows1252;
        assert_eq!(classify(b"  \t", enc), LineKind::Blank);
        assert_eq!(classify(b" ; x=y", enc), LineKind::Comment);
        assert_eq!(
            classify(b"[ A ] junk", enc),
            LineKind::Section { name: "A".into() }
        );
        assert_eq!(classify(b"[A", enc), LineKind::Other);
        assert_eq!(classify(b"no equals", enc), LineKind::Other);
        assert_eq!(
            classify(b" Key = \"v=1\" ", enc),
            LineKind::Entry {
                key: "Key".into(),
                value: "v=1".into(),
                value_start: 7,
                value_end: 12
            }
        );
    }

    #[test]
    fn utf16_offsets_are_bytes() {
        let enc = PrfEncoding::Utf16Le;
        let content: Vec<u8> = "k= v".encode_utf16().flat_map(u16::to_le_bytes).collect();
        match classify(&content, enc) {
            LineKind::Entry {
                value_start,
                value_end,
                ..
            } => assert_eq!((value_start, value_end), (6, 8)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn splits_mixed_endings() {
        let lines = split_lines(b"a\r\nb\nc\rd", PrfEncoding::Windows1252);
        let endings: Vec<_> = lines.iter().map(|l| l.1).collect();
        assert_eq!(
            endings,
            [LineEnding::CrLf, LineEnding::Lf, LineEnding::None]
        );
        assert_eq!(lines[2].0, b"c\rd");
    }
}
