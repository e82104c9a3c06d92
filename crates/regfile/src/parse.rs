//! The `.reg` grammar, read as regedit's import reads it.
//!
//! The parser works on code units (bytes for Windows-1252 and UTF-8, 16-bit
//! units for UTF-16LE) so that string data is taken from the file exactly,
//! and every line keeps the byte range it came from: writing those ranges
//! back gives the input byte for byte.

use std::borrow::Cow;

use crate::doc::{KeyHead, Line, LineKind, Raw, Section};
use crate::encoding::{cp1252_decode, Encoding, LineEnding};
use crate::value::RegType;
use crate::{Error, Format, ParseOptions, Problem, Value, Warning};

/// What the parser hands to [`RegFile`](crate::RegFile).
pub(crate) struct Parsed {
    pub(crate) encoding: Encoding,
    pub(crate) format: Format,
    pub(crate) line_ending: LineEnding,
    pub(crate) sections: Vec<Section>,
    pub(crate) warnings: Vec<Warning>,
}

/// The registry roots a key line may start with.
pub(crate) const ROOTS: [&str; 6] = [
    "HKEY_LOCAL_MACHINE",
    "HKEY_CURRENT_USER",
    "HKEY_CLASSES_ROOT",
    "HKEY_USERS",
    "HKEY_CURRENT_CONFIG",
    "HKEY_DYN_DATA",
];

/// Whether a key path starts with a registry root (case-insensitively, as Windows compares).
pub(crate) fn has_known_root(path: &str) -> bool {
    let root = path.split('\\').next().unwrap_or(path);
    ROOTS.iter().any(|r| r.eq_ignore_ascii_case(root))
}

pub(crate) fn parse(bytes: &[u8], options: &ParseOptions) -> Result<Parsed, Error> {
    let size = bytes.len() as u64;
    if size > options.input_limit() {
        return Err(Error::TooLarge {
            size,
            limit: options.input_limit(),
        });
    }
    if let Some(body) = bytes.strip_prefix(Encoding::Utf16Le.bom()) {
        if !body.len().is_multiple_of(2) {
            return Err(Error::Encoding {
                encoding: Encoding::Utf16Le.name(),
                offset: bytes.len() - 1,
                line: line_of_offset(bytes, bytes.len() - 1),
            });
        }
        // Parsed in place: the length is even, so there is no remainder.
        let (units, _) = body.as_chunks::<2>();
        return Parser::new(units, Encoding::Utf16Le, options).run();
    }
    let (encoding, body) = match bytes.strip_prefix(Encoding::Utf8Bom.bom()) {
        Some(body) => (Encoding::Utf8Bom, body),
        None if first_line_is(bytes, Format::Regedit5.header()) => (Encoding::Utf8, bytes),
        None => (Encoding::Windows1252, bytes),
    };
    if encoding != Encoding::Windows1252 {
        if let Err(e) = std::str::from_utf8(body) {
            let offset = bytes.len() - body.len() + e.valid_up_to();
            return Err(Error::Encoding {
                encoding: encoding.name(),
                offset,
                line: line_of_offset(bytes, offset),
            });
        }
    }
    Parser::new(body, encoding, options).run()
}

fn first_line_is(bytes: &[u8], header: &str) -> bool {
    let end = bytes
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(bytes.len());
    let line = bytes.get(..end).unwrap_or_default();
    trim_ascii_ws(line) == header.as_bytes()
}

fn trim_ascii_ws(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// 1-based line of a byte offset, for encoding errors (counts LF and lone CR).
fn line_of_offset(bytes: &[u8], offset: usize) -> usize {
    let before = bytes.get(..offset).unwrap_or(bytes);
    let mut line = 1;
    let mut prev_cr = false;
    for &b in before {
        match b {
            b'\n' if prev_cr => {}
            b'\n' | b'\r' => line += 1,
            _ => {}
        }
        prev_cr = b == b'\r';
    }
    line
}

/// A code unit of the file: a byte, or a little-endian UTF-16 unit as its
/// two bytes (so the input is parsed where it lies, without a copy).
pub(crate) trait Unit: Copy {
    /// Bytes per unit.
    const SIZE: usize;
    /// The unit's numeric value.
    fn code(self) -> u32;
    /// The unit of an ASCII character.
    fn from_ascii(ascii: u8) -> Self;
    /// Text of a run of units.
    fn decode(encoding: Encoding, units: &[Self]) -> String;
    /// Appends the UTF-16 units of a run of units.
    fn push_utf16(encoding: Encoding, units: &[Self], out: &mut Vec<u16>);
    /// Appends the UTF-16LE bytes of a run of units.
    fn push_utf16le(encoding: Encoding, units: &[Self], out: &mut Vec<u8>) {
        let mut utf16 = Vec::with_capacity(units.len());
        Self::push_utf16(encoding, units, &mut utf16);
        out.extend(utf16.iter().flat_map(|u| u.to_le_bytes()));
    }
}

impl Unit for u8 {
    const SIZE: usize = 1;

    fn code(self) -> u32 {
        u32::from(self)
    }

    fn from_ascii(ascii: u8) -> u8 {
        ascii
    }

    fn decode(encoding: Encoding, units: &[u8]) -> String {
        match encoding {
            Encoding::Windows1252 => units.iter().map(|&b| cp1252_decode(b)).collect(),
            _ => String::from_utf8_lossy(units).into_owned(),
        }
    }

    fn push_utf16(encoding: Encoding, units: &[u8], out: &mut Vec<u16>) {
        let mut buf = [0u16; 2];
        match encoding {
            Encoding::Windows1252 => {
                for &b in units {
                    out.extend_from_slice(cp1252_decode(b).encode_utf16(&mut buf));
                }
            }
            _ => out.extend(String::from_utf8_lossy(units).encode_utf16()),
        }
    }
}

impl Unit for [u8; 2] {
    const SIZE: usize = 2;

    fn code(self) -> u32 {
        u32::from(u16::from_le_bytes(self))
    }

    fn from_ascii(ascii: u8) -> [u8; 2] {
        [ascii, 0]
    }

    fn decode(_: Encoding, units: &[[u8; 2]]) -> String {
        // Sized up front: names and strings are mostly ASCII, one byte a unit.
        let mut text = String::with_capacity(units.len());
        text.extend(
            char::decode_utf16(units.iter().map(|&u| u16::from_le_bytes(u)))
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)),
        );
        text
    }

    fn push_utf16(_: Encoding, units: &[[u8; 2]], out: &mut Vec<u16>) {
        out.extend(units.iter().map(|&u| u16::from_le_bytes(u)));
    }

    fn push_utf16le(_: Encoding, units: &[[u8; 2]], out: &mut Vec<u8>) {
        out.extend_from_slice(units.as_flattened());
    }
}

fn is<U: Unit>(unit: U, ascii: u8) -> bool {
    unit.code() == u32::from(ascii)
}

fn is_ws<U: Unit>(unit: U) -> bool {
    matches!(unit.code(), 0x20 | 0x09)
}

fn hex_digit<U: Unit>(unit: U) -> Option<u8> {
    let digit = match unit.code() {
        c @ 0x30..=0x39 => c - 0x30,
        c @ 0x41..=0x46 => c - 0x41 + 10,
        c @ 0x61..=0x66 => c - 0x61 + 10,
        _ => return None,
    };
    u8::try_from(digit).ok()
}

/// One physical line: its content `start..end` and where the next one starts.
#[derive(Clone, Copy)]
struct PhysLine {
    start: usize,
    end: usize,
    next: usize,
    number: usize,
}

/// A problem found at a line and column.
struct At {
    problem: Problem,
    line: usize,
    column: usize,
}

enum Parsed1 {
    Trivia,
    Key(KeyHead),
    Value { name: String, value: Value },
    Delete { name: String },
}

struct Parser<'a, U> {
    units: &'a [U],
    encoding: Encoding,
    options: &'a ParseOptions,
    /// Bytes before unit 0 (the byte order mark).
    base: usize,
    /// Unit index of the next physical line.
    pos: usize,
    next_number: usize,
    line_ending: Option<LineEnding>,
    scratch: Vec<U>,
    /// The byte offset of the `\` of the last continuation read.
    last_backslash: usize,
    /// Set to that offset when a value ends in a `\` continuation at the end of the file.
    open_continuation: Option<usize>,
}

impl<'a, U: Unit> Parser<'a, U> {
    fn new(units: &'a [U], encoding: Encoding, options: &'a ParseOptions) -> Self {
        Parser {
            units,
            encoding,
            options,
            base: encoding.bom().len(),
            pos: 0,
            next_number: 1,
            line_ending: None,
            scratch: Vec::new(),
            last_backslash: 0,
            open_continuation: None,
        }
    }

    fn byte(&self, unit_index: usize) -> usize {
        self.base + unit_index * U::SIZE
    }

    fn content(&self, line: PhysLine) -> &'a [U] {
        self.units.get(line.start..line.end).unwrap_or_default()
    }

    fn next_line(&mut self) -> Option<PhysLine> {
        let start = self.pos;
        let rest = self.units.get(start..).filter(|r| !r.is_empty())?;
        let (end, next) = match rest.iter().position(|&u| is(u, b'\r') || is(u, b'\n')) {
            None => (self.units.len(), self.units.len()),
            Some(i) => {
                let end = start + i;
                let crlf = rest.get(i).is_some_and(|&u| is(u, b'\r'))
                    && rest.get(i + 1).is_some_and(|&u| is(u, b'\n'));
                if self.line_ending.is_none() {
                    self.line_ending = Some(if crlf {
                        LineEnding::CrLf
                    } else if rest.get(i).is_some_and(|&u| is(u, b'\n')) {
                        LineEnding::Lf
                    } else {
                        LineEnding::Cr
                    });
                }
                (end, end + if crlf { 2 } else { 1 })
            }
        };
        self.pos = next;
        let number = self.next_number;
        self.next_number += 1;
        Some(PhysLine {
            start,
            end,
            next,
            number,
        })
    }

    fn run(mut self) -> Result<Parsed, Error> {
        let first = self.next_line().ok_or(Error::BadHeader)?;
        let header = self.content(first);
        let format = [Format::Regedit4, Format::Regedit5]
            .into_iter()
            .find(|f| trimmed_equals(header, f.header()))
            .ok_or(Error::BadHeader)?;
        let mut sections = vec![Section {
            head: Line {
                raw: Raw::Source(0..self.byte(first.next)),
                number: first.number,
                kind: LineKind::Trivia,
                open_continuation: None,
            },
            key: None,
            lines: Vec::new(),
        }];
        let mut warnings = Vec::new();
        // After a key line that lenient reading skipped, its values are skipped too.
        let mut in_skipped_key = false;
        while let Some(first) = self.next_line() {
            let (result, last) = self.logical_line(first, format);
            let raw = Raw::Source(self.byte(first.start)..self.byte(last.next));
            let number = first.number;
            let result = match result {
                // Values before the first key, after a skipped key line or
                // after a `[-KEY]` line belong to no key: regedit skips them.
                Ok(Parsed1::Value { .. } | Parsed1::Delete { .. })
                    if in_skipped_key
                        || sections
                            .last()
                            .is_none_or(|s| s.key.as_ref().is_none_or(|k| k.deletion)) =>
                {
                    let column = 1 + self
                        .content(first)
                        .iter()
                        .take_while(|&&u| is_ws(u))
                        .count();
                    Err(At {
                        problem: Problem::ValueOutsideKey,
                        line: number,
                        column,
                    })
                }
                other => other,
            };
            let kind = match result {
                Ok(Parsed1::Key(key)) => {
                    in_skipped_key = false;
                    sections.push(Section {
                        head: Line {
                            raw,
                            number,
                            kind: LineKind::Trivia,
                            open_continuation: None,
                        },
                        key: Some(key),
                        lines: Vec::new(),
                    });
                    continue;
                }
                Ok(Parsed1::Trivia) => LineKind::Trivia,
                Ok(Parsed1::Value { name, value }) => LineKind::Value { name, value },
                Ok(Parsed1::Delete { name }) => LineKind::Delete { name },
                Err(at) => {
                    if !self.options.is_lenient() {
                        return Err(Error::Syntax {
                            line: at.line,
                            column: at.column,
                            problem: at.problem,
                        });
                    }
                    if matches!(at.problem, Problem::UnterminatedKey | Problem::UnknownRoot) {
                        in_skipped_key = true;
                    }
                    warnings.push(Warning {
                        line: at.line,
                        column: at.column,
                        problem: at.problem,
                    });
                    LineKind::Skipped
                }
            };
            let open_continuation = std::mem::take(&mut self.open_continuation);
            if let Some(section) = sections.last_mut() {
                section.lines.push(Line {
                    raw,
                    number,
                    kind,
                    open_continuation,
                });
            }
        }
        Ok(Parsed {
            encoding: self.encoding,
            format,
            line_ending: self.line_ending.unwrap_or(LineEnding::CrLf),
            sections,
            warnings,
        })
    }

    /// Parses one logical line (a value may continue over several physical
    /// lines). Returns what it is and the last physical line it took.
    fn logical_line(&mut self, first: PhysLine, format: Format) -> (Result<Parsed1, At>, PhysLine) {
        let mut last = first;
        let result = self.item(first, format, &mut last);
        if result.is_err() {
            // Skip the rest of a broken value that goes on with `\` continuations.
            while ends_with_backslash(self.content(last)) {
                match self.next_line() {
                    Some(next) => last = next,
                    None => break,
                }
            }
        }
        (result, last)
    }

    fn item(
        &mut self,
        first: PhysLine,
        format: Format,
        last: &mut PhysLine,
    ) -> Result<Parsed1, At> {
        let line = self.content(first);
        let at = |problem, i: usize| At {
            problem,
            line: first.number,
            column: i + 1,
        };
        let mut i = skip_ws(line, 0);
        let Some(&c) = line.get(i) else {
            return Ok(Parsed1::Trivia);
        };
        if is(c, b';') || is(c, b'#') {
            return Ok(Parsed1::Trivia);
        }
        if is(c, b'[') {
            let close = line
                .iter()
                .rposition(|&u| is(u, b']'))
                .ok_or(at(Problem::UnterminatedKey, line.len()))?;
            let mut start = i + 1;
            let deletion = line.get(start).is_some_and(|&u| is(u, b'-'));
            if deletion {
                start += 1;
            }
            let raw_path = line.get(start..close).unwrap_or_default();
            if let Some(nul) = raw_path.iter().position(|&u| u.code() == 0) {
                return Err(at(Problem::NulInName, start + nul));
            }
            let path = U::decode(self.encoding, raw_path);
            if !has_known_root(&path) {
                return Err(at(Problem::UnknownRoot, start));
            }
            return Ok(Parsed1::Key(KeyHead { path, deletion }));
        }
        let name = if is(c, b'@') {
            i += 1;
            String::new()
        } else if is(c, b'"') {
            let (units, next) = self
                .quoted(line, i)
                .ok_or(at(Problem::UnterminatedString, line.len()))?;
            if let Some(nul) = line
                .get(i..next)
                .and_then(|n| n.iter().position(|&u| u.code() == 0))
            {
                return Err(at(Problem::NulInName, i + nul));
            }
            i = next;
            U::decode(self.encoding, &units)
        } else {
            return Err(at(Problem::UnexpectedLine, i));
        };
        i = skip_ws(line, i);
        if !line.get(i).is_some_and(|&u| is(u, b'=')) {
            return Err(at(Problem::ExpectedEquals, i));
        }
        i = skip_ws(line, i + 1);
        let expect_end = |i: usize| {
            let j = skip_ws(line, i);
            match line.get(j) {
                None => Ok(()),
                Some(&u) if is(u, b';') => Ok(()),
                Some(_) => Err(at(Problem::TrailingCharacters, j)),
            }
        };
        let data = line.get(i..).unwrap_or_default();
        if data.first().is_some_and(|&u| is(u, b'"')) {
            let (units, next) = self
                .quoted(line, i)
                .ok_or(at(Problem::UnterminatedString, line.len()))?;
            expect_end(next)?;
            let mut bytes = Vec::with_capacity(units.len() * 2 + 2);
            U::push_utf16le(self.encoding, &units, &mut bytes);
            bytes.extend([0, 0]);
            return Ok(Parsed1::Value {
                name,
                value: Value::new(RegType::SZ, bytes),
            });
        }
        if data.first().is_some_and(|&u| is(u, b'-')) {
            expect_end(i + 1)?;
            return Ok(Parsed1::Delete { name });
        }
        if starts_with(data, b"dword:") {
            let start = skip_ws(line, i + 6);
            let digits = line
                .get(start..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&u| hex_digit(u).is_some())
                .count();
            if digits == 0 || digits > 8 {
                return Err(at(Problem::BadDword, start));
            }
            expect_end(start + digits)?;
            let n = line
                .get(start..start + digits)
                .unwrap_or_default()
                .iter()
                .filter_map(|&u| hex_digit(u))
                .fold(0u32, |n, d| (n << 4) | u32::from(d));
            return Ok(Parsed1::Value {
                name,
                value: Value::dword(n),
            });
        }
        let (ty, start) = if starts_with(data, b"hex:") {
            (RegType::BINARY, i + 4)
        } else if starts_with(data, b"hex(") {
            let digits_start = i + 4;
            let digits = line
                .get(digits_start..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&u| hex_digit(u).is_some())
                .count();
            let close = digits_start + digits;
            let closed = starts_with(line.get(close..).unwrap_or_default(), b"):");
            if digits == 0 || digits > 8 || !closed {
                return Err(at(Problem::BadHexType, digits_start));
            }
            let n = line
                .get(digits_start..close)
                .unwrap_or_default()
                .iter()
                .filter_map(|&u| hex_digit(u))
                .fold(0u32, |n, d| (n << 4) | u32::from(d));
            (RegType(n), close + 2)
        } else {
            return Err(at(Problem::UnknownDataType, i));
        };
        let mut bytes = self.hex_data(first, start, last)?;
        if format == Format::Regedit4 && matches!(ty, RegType::EXPAND_SZ | RegType::MULTI_SZ) {
            // REGEDIT4 spells these in the ANSI code page; the registry holds UTF-16.
            let mut utf16 = Vec::with_capacity(bytes.len());
            <u8 as Unit>::push_utf16(Encoding::Windows1252, &bytes, &mut utf16);
            bytes = utf16.iter().flat_map(|u| u.to_le_bytes()).collect();
        }
        Ok(Parsed1::Value {
            name,
            value: Value::new(ty, bytes),
        })
    }

    /// Comma-separated hex bytes from `start` of `first`, following `\`
    /// continuations (blank and comment lines between them are skipped, and
    /// the end of the file ends the data, as regedit's import does).
    fn hex_data(
        &mut self,
        first: PhysLine,
        start: usize,
        last: &mut PhysLine,
    ) -> Result<Vec<u8>, At> {
        let mut out = Vec::with_capacity(self.content(first).len() / 3 + 1);
        let mut current = first;
        let mut line = self.content(first);
        let mut i = start;
        loop {
            let at = |problem, i: usize| At {
                problem,
                line: current.number,
                column: i + 1,
            };
            i = skip_ws(line, i);
            let Some(&c) = line.get(i) else { break };
            if is(c, b';') {
                break;
            }
            if is(c, b'\\') {
                self.last_backslash = self.byte(current.start + i);
                if skip_ws(line, i + 1) < line.len() {
                    return Err(at(Problem::TrailingCharacters, skip_ws(line, i + 1)));
                }
                loop {
                    let Some(next) = self.next_line() else {
                        self.open_continuation = Some(self.last_backslash);
                        return Ok(out);
                    };
                    *last = next;
                    current = next;
                    line = self.content(next);
                    i = skip_ws(line, 0);
                    match line.get(i) {
                        None => continue,
                        Some(&u) if is(u, b';') => continue,
                        Some(_) => break,
                    }
                }
                continue;
            }
            let high = hex_digit(c).ok_or(at(Problem::BadHexByte, i))?;
            i += 1;
            let byte = match line.get(i).and_then(|&u| hex_digit(u)) {
                Some(low) => {
                    i += 1;
                    (high << 4) | low
                }
                None => high,
            };
            out.push(byte);
            i = skip_ws(line, i);
            match line.get(i) {
                None => break,
                Some(&u) if is(u, b';') => break,
                Some(&u) if is(u, b',') => i += 1,
                Some(_) => return Err(at(Problem::BadHexByte, i)),
            }
        }
        Ok(out)
    }

    /// The unescaped content of the quoted string opening at `open`, and the
    /// index after its closing quote. The escapes are `\\`, `\"`, and `\n`
    /// and `\r` for line breaks (as Wine's regedit writes and reads them);
    /// any other backslash stays as it is.
    fn quoted(&mut self, line: &'a [U], open: usize) -> Option<(Cow<'a, [U]>, usize)> {
        let body = line.get(open + 1..)?;
        let stop = body.iter().position(|&u| is(u, b'"') || is(u, b'\\'))?;
        if body.get(stop).is_some_and(|&u| is(u, b'"')) {
            return Some((Cow::Borrowed(body.get(..stop)?), open + stop + 2));
        }
        self.scratch.clear();
        let mut i = open + 1;
        loop {
            let c = *line.get(i)?;
            if is(c, b'"') {
                return Some((Cow::Owned(self.scratch.clone()), i + 1));
            }
            if is(c, b'\\') {
                if let Some(&next) = line.get(i + 1) {
                    let unescaped = match next.code() {
                        0x5C | 0x22 => Some(next),
                        0x6E => Some(U::from_ascii(b'\n')),
                        0x72 => Some(U::from_ascii(b'\r')),
                        _ => None,
                    };
                    if let Some(u) = unescaped {
                        self.scratch.push(u);
                        i += 2;
                        continue;
                    }
                }
            }
            self.scratch.push(c);
            i += 1;
        }
    }
}

fn skip_ws<U: Unit>(line: &[U], mut i: usize) -> usize {
    while line.get(i).is_some_and(|&u| is_ws(u)) {
        i += 1;
    }
    i
}

fn starts_with<U: Unit>(units: &[U], ascii: &[u8]) -> bool {
    units.len() >= ascii.len() && units.iter().zip(ascii).all(|(&u, &a)| is(u, a))
}

fn trimmed_equals<U: Unit>(line: &[U], ascii: &str) -> bool {
    let start = skip_ws(line, 0);
    let mut end = line.len();
    while end > start && line.get(end - 1).is_some_and(|&u| is_ws(u)) {
        end -= 1;
    }
    let trimmed = line.get(start..end).unwrap_or_default();
    trimmed.len() == ascii.len() && starts_with(trimmed, ascii.as_bytes())
}

fn ends_with_backslash<U: Unit>(line: &[U]) -> bool {
    line.iter()
        .rev()
        .find(|&&u| !is_ws(u))
        .is_some_and(|&u| is(u, b'\\'))
}
