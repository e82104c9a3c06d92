//! The document: a `.reg` file as lines that remember their bytes.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use crate::encoding::{Encoding, LineEnding};
use crate::parse::{self, has_known_root};
use crate::render;
use crate::{Error, Format, ParseOptions, Value, Warning};

/// Where a line's bytes are: still in the source, or written by an edit.
#[derive(Clone)]
pub(crate) enum Raw {
    Source(Range<usize>),
    Owned(Vec<u8>),
}

#[derive(Clone)]
pub(crate) enum LineKind {
    /// Blank lines, comments, the header.
    Trivia,
    /// A line lenient reading skipped.
    Skipped,
    Value {
        name: String,
        value: Value,
    },
    Delete {
        name: String,
    },
}

#[derive(Clone)]
pub(crate) struct Line {
    pub(crate) raw: Raw,
    /// 1-based number of the line's first physical line; 0 when an edit wrote it.
    pub(crate) number: usize,
    pub(crate) kind: LineKind,
    /// For a value whose hex data ends in a `\` continuation at the end of
    /// the file, the byte offset (in the source) of that `\`: any line added
    /// after it would be read as more data.
    pub(crate) open_continuation: Option<usize>,
}

impl Line {
    fn entry_name(&self) -> Option<&str> {
        match &self.kind {
            LineKind::Value { name, .. } | LineKind::Delete { name } => Some(name),
            LineKind::Trivia | LineKind::Skipped => None,
        }
    }
}

#[derive(Clone)]
pub(crate) struct KeyHead {
    pub(crate) path: String,
    pub(crate) deletion: bool,
}

/// A key line and the lines after it up to the next key line. The first
/// section of a file has no key: its head is the header line.
#[derive(Clone)]
pub(crate) struct Section {
    pub(crate) head: Line,
    pub(crate) key: Option<KeyHead>,
    pub(crate) lines: Vec<Line>,
}

/// Case-insensitive lookup of sections by key path.
#[derive(Clone, Default)]
struct Index {
    by_path: HashMap<String, Vec<usize>>,
    /// Sections that are `[-KEY]` deletions, in file order.
    deletions: Vec<usize>,
}

/// Upper-cases the way Windows compares key and value names: character by
/// character, leaving characters whose upper case is longer than one
/// character as they are. Two names are the same name to Windows when
/// their folds are equal.
///
/// ```
/// assert_eq!(olkit_regfile::fold_name("Profiles\\Straße"), "PROFILES\\STRAßE");
/// ```
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_uppercase();
    }
    text.chars()
        .map(|c| {
            let mut upper = c.to_uppercase();
            match (upper.next(), upper.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        })
        .collect()
}

fn names_equal(a: &str, b: &str) -> bool {
    a == b || fold(a) == fold(b)
}

/// A Windows registry export (`.reg` file), parsed losslessly.
///
/// Writing it back with [`to_bytes`](RegFile::to_bytes) gives the input byte
/// for byte; edits change only the lines they concern, which are written the
/// way regedit writes them.
#[derive(Clone)]
pub struct RegFile {
    source: Vec<u8>,
    encoding: Encoding,
    format: Format,
    line_ending: LineEnding,
    sections: Vec<Section>,
    warnings: Vec<Warning>,
    index: OnceLock<Index>,
}

impl fmt::Debug for RegFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegFile")
            .field("format", &self.format)
            .field("encoding", &self.encoding)
            .field("line_ending", &self.line_ending)
            .field("keys", &self.key_count())
            .field("warnings", &self.warnings.len())
            .finish()
    }
}

impl RegFile {
    /// Parses a file strictly with the default limits.
    pub fn parse(bytes: &[u8]) -> Result<RegFile, Error> {
        RegFile::parse_with(bytes, &ParseOptions::default())
    }

    /// Parses a file with the given options.
    pub fn parse_with(bytes: &[u8], options: &ParseOptions) -> Result<RegFile, Error> {
        if bytes.len() as u64 > options.input_limit() {
            return Err(Error::TooLarge {
                size: bytes.len() as u64,
                limit: options.input_limit(),
            });
        }
        RegFile::parse_owned(bytes.to_vec(), options)
    }

    /// Parses a file whose bytes the caller hands over, saving a copy.
    pub fn parse_owned(bytes: Vec<u8>, options: &ParseOptions) -> Result<RegFile, Error> {
        let _span = tracing::debug_span!("regfile_parse", bytes = bytes.len()).entered();
        let parsed = parse::parse(&bytes, options)?;
        Ok(RegFile {
            source: bytes,
            encoding: parsed.encoding,
            format: parsed.format,
            line_ending: parsed.line_ending,
            sections: parsed.sections,
            warnings: parsed.warnings,
            index: OnceLock::new(),
        })
    }

    /// Reads and parses a file strictly with the default limits.
    pub fn read(path: impl AsRef<Path>) -> Result<RegFile, Error> {
        RegFile::read_with(path, &ParseOptions::default())
    }

    /// Reads and parses a file with the given options. Files over the size
    /// limit are refused before they are read.
    pub fn read_with(path: impl AsRef<Path>, options: &ParseOptions) -> Result<RegFile, Error> {
        let path = path.as_ref();
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > options.input_limit() {
            return Err(Error::TooLarge {
                size,
                limit: options.input_limit(),
            });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        RegFile::parse_owned(bytes, options)
    }

    /// An empty file with just the header, in the encoding regedit uses for
    /// the format (UTF-16LE for version 5, Windows-1252 for `REGEDIT4`).
    pub fn new(format: Format) -> RegFile {
        let encoding = format.regedit_encoding();
        let mut head = encoding.bom().to_vec();
        // The header is ASCII: every encoding can write it.
        let _ = encoding.encode(format.header(), &mut head);
        let _ = encoding.encode(LineEnding::CrLf.as_str(), &mut head);
        RegFile {
            source: Vec::new(),
            encoding,
            format,
            line_ending: LineEnding::CrLf,
            sections: vec![Section {
                head: Line {
                    raw: Raw::Owned(head),
                    number: 0,
                    kind: LineKind::Trivia,
                    open_continuation: None,
                },
                key: None,
                lines: Vec::new(),
            }],
            warnings: Vec::new(),
            index: OnceLock::new(),
        }
    }

    /// `REGEDIT4` or version 5.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The text encoding of the file.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The line break the file uses (the first one in it; CRLF if it has none).
    pub fn line_ending(&self) -> LineEnding {
        self.line_ending
    }

    /// Lines that lenient reading skipped.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The number of key lines (`[KEY]` and `[-KEY]`).
    pub fn key_count(&self) -> usize {
        self.sections.len().saturating_sub(1)
    }

    /// Every key line in file order. A key may appear more than once.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = Key<'_>> + ExactSizeIterator {
        self.sections.iter().skip(1).map(Key::new)
    }

    /// The key line at `index` in file order.
    pub fn key_at(&self, index: usize) -> Option<Key<'_>> {
        self.sections.get(index.checked_add(1)?).map(Key::new)
    }

    /// The key lines for `prefix` and every key below it, in file order
    /// (case-insensitive, as Windows compares).
    pub fn keys_under<'a>(&'a self, prefix: &str) -> impl Iterator<Item = Key<'a>> + 'a {
        let prefix = fold(prefix.trim_end_matches('\\'));
        self.keys()
            .filter(move |k| is_at_or_below(&fold(k.path()), &prefix))
    }

    /// The last key line for `path` that is not a deletion.
    pub fn key(&self, path: &str) -> Option<Key<'_>> {
        let sections = self.index().by_path.get(&fold(path))?;
        sections
            .iter()
            .rev()
            .filter_map(|&i| self.sections.get(i))
            .find(|s| s.key.as_ref().is_some_and(|k| !k.deletion))
            .map(Key::new)
    }

    /// The value `name` (empty for the default value) of `key` as importing
    /// the file would leave it: the last assignment in the file wins, and a
    /// later `"name"=-`, `[-KEY]` or `[-PARENT]` removes it.
    pub fn get(&self, key: &str, name: &str) -> Option<&Value> {
        let (s, i) = self.last_mention(key, name)?;
        match &self.sections.get(s)?.lines.get(i)?.kind {
            LineKind::Value { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The file's bytes: the input unchanged where nothing was edited.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.source.len() + 256);
        for line in self.all_lines() {
            out.extend_from_slice(self.raw(line));
        }
        out
    }

    /// Writes [`to_bytes`](RegFile::to_bytes) to a writer.
    pub fn write_to(&self, mut writer: impl Write) -> std::io::Result<()> {
        for line in self.all_lines() {
            writer.write_all(self.raw(line))?;
        }
        writer.flush()
    }

    /// Writes the file next to `path`, flushes it to disk and renames it over
    /// `path`, so that `path` holds either the old or the new file, never a part.
    /// A replaced file's permissions are kept. Returns the number of bytes written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<u64, Error> {
        save_atomically(path.as_ref(), |out| self.write_to(out))
    }

    /// As [`save`](RegFile::save), with the bytes of
    /// [`to_canonical_bytes`](RegFile::to_canonical_bytes).
    pub fn save_canonical(&self, path: impl AsRef<Path>) -> Result<u64, Error> {
        let bytes = self.to_canonical_bytes()?;
        save_atomically(path.as_ref(), |out| out.write_all(&bytes))
    }

    /// The whole file written the way regedit writes it: its format's
    /// encoding (UTF-16LE with BOM, or Windows-1252), CRLF, a blank line
    /// before every key and at the end. Comments and skipped lines are dropped.
    pub fn to_canonical_bytes(&self) -> Result<Vec<u8>, Error> {
        let encoding = self.format.regedit_encoding();
        let eol = LineEnding::CrLf.as_str();
        let mut out = encoding.bom().to_vec();
        let mut put = |text: &str, what| encode(encoding, text, what, &mut out);
        put(self.format.header(), "header")?;
        put(eol, "line break")?;
        for section in self.sections.iter().skip(1) {
            let Some(key) = &section.key else { continue };
            put(eol, "line break")?;
            put(&render::key_line(&key.path, key.deletion), "key path")?;
            put(eol, "line break")?;
            for line in &section.lines {
                let text = match &line.kind {
                    LineKind::Value { name, value } => {
                        render::value_line(self.format, name, value, eol)?
                    }
                    LineKind::Delete { name } => render::deletion_line(name),
                    LineKind::Trivia | LineKind::Skipped => continue,
                };
                put(&text, "value")?;
                put(eol, "line break")?;
            }
        }
        put(eol, "line break")?;
        Ok(out)
    }

    /// Sets value `name` (empty for the default value) of `key`: the line
    /// that assigns or deletes it last is rewritten (unless a later `[-KEY]`
    /// voids it), or a line is added after the last value of the key's last
    /// section, or a new section is added at the end of the file.
    pub fn set_value(&mut self, key: &str, name: &str, value: Value) -> Result<(), Error> {
        check_key_path(key)?;
        check_value_name(name)?;
        let eol = self.line_ending.as_str();
        let text = render::value_line(self.format, name, &value, eol)?;
        let line = self.new_line(
            &text,
            "value",
            LineKind::Value {
                name: name.to_string(),
                value,
            },
        )?;
        let Some(live) = self.live_section(key) else {
            return self.append_section(key, vec![line]);
        };
        if let Some((s, i)) = self.last_mention(key, name) {
            let Some(old) = self.sections.get(s).and_then(|sec| sec.lines.get(i)) else {
                return Ok(());
            };
            let line = self.replacement_line(old, &text, "value", line.kind)?;
            if let Some(slot) = self
                .sections
                .get_mut(s)
                .and_then(|sec| sec.lines.get_mut(i))
            {
                *slot = line;
            }
            return Ok(());
        }
        // After the key's last value: before trailing blank lines and
        // comments, and before lines lenient reading skipped (a broken key
        // line or continuation there would swallow the new line).
        let at = self.sections.get(live).map_or(0, |section| {
            section
                .lines
                .iter()
                .rposition(|l| l.entry_name().is_some())
                .map_or(0, |i| i + 1)
        });
        self.insert_line(live, at, line)
    }

    /// The section and line that assign or delete value `name` of `key`
    /// last, if no later `[-KEY]` (or `[-PARENT]`) voids them.
    fn last_mention(&self, key: &str, name: &str) -> Option<(usize, usize)> {
        let index = self.index();
        for &s in index.by_path.get(&fold(key))?.iter().rev() {
            let section = self.sections.get(s)?;
            if section.key.as_ref()?.deletion {
                return None;
            }
            let found = section
                .lines
                .iter()
                .rposition(|l| l.entry_name().is_some_and(|n| names_equal(n, name)));
            if let Some(i) = found {
                return (!self.deleted_after(index, key, s)).then_some((s, i));
            }
        }
        None
    }

    /// Renames value `from` of `key` to `to` wherever the file assigns or
    /// deletes it. Fails if `to` exists already (a change of case only is allowed).
    pub fn rename_value(&mut self, key: &str, from: &str, to: &str) -> Result<(), Error> {
        check_value_name(to)?;
        let sections = self
            .index()
            .by_path
            .get(&fold(key))
            .cloned()
            .unwrap_or_default();
        let exists = |name: &str| {
            sections
                .iter()
                .filter_map(|&s| self.sections.get(s))
                .any(|section| {
                    section
                        .lines
                        .iter()
                        .any(|l| l.entry_name().is_some_and(|n| names_equal(n, name)))
                })
        };
        if !exists(from) {
            return Err(Error::ValueNotFound {
                key: key.to_string(),
                name: from.to_string(),
            });
        }
        if !names_equal(from, to) && exists(to) {
            return Err(Error::ValueExists {
                key: key.to_string(),
                name: to.to_string(),
            });
        }
        let eol = self.line_ending.as_str();
        let mut renamed = Vec::new();
        for &s in &sections {
            let Some(section) = self.sections.get(s) else {
                continue;
            };
            for (i, line) in section.lines.iter().enumerate() {
                let text = match &line.kind {
                    LineKind::Value { name, value } if names_equal(name, from) => {
                        render::value_line(self.format, to, value, eol)?
                    }
                    LineKind::Delete { name } if names_equal(name, from) => {
                        render::deletion_line(to)
                    }
                    _ => continue,
                };
                let kind = match &line.kind {
                    LineKind::Value { value, .. } => LineKind::Value {
                        name: to.to_string(),
                        value: value.clone(),
                    },
                    _ => LineKind::Delete {
                        name: to.to_string(),
                    },
                };
                renamed.push((s, i, self.replacement_line(line, &text, "value", kind)?));
            }
        }
        for (s, i, line) in renamed {
            if let Some(slot) = self
                .sections
                .get_mut(s)
                .and_then(|sec| sec.lines.get_mut(i))
            {
                *slot = line;
            }
        }
        Ok(())
    }

    /// Removes every line that assigns or deletes value `name` of `key`.
    /// Returns whether there was any.
    pub fn delete_value(&mut self, key: &str, name: &str) -> Result<bool, Error> {
        let sections = self
            .index()
            .by_path
            .get(&fold(key))
            .cloned()
            .unwrap_or_default();
        let mut removed = false;
        for s in sections {
            if let Some(section) = self.sections.get_mut(s) {
                let before = section.lines.len();
                section
                    .lines
                    .retain(|l| !l.entry_name().is_some_and(|n| names_equal(n, name)));
                removed |= section.lines.len() != before;
            }
        }
        Ok(removed)
    }

    /// Adds an empty `[path]` section at the end of the file unless the key
    /// is already there. Returns whether it was added.
    pub fn add_key(&mut self, path: &str) -> Result<bool, Error> {
        check_key_path(path)?;
        if self.live_section(path).is_some() {
            return Ok(false);
        }
        self.append_section(path, Vec::new())?;
        Ok(true)
    }

    /// Removes the sections of `path` and of every key below it (their
    /// `[-KEY]` lines included). Returns whether there was any.
    pub fn delete_key(&mut self, path: &str) -> Result<bool, Error> {
        let prefix = fold(path.trim_end_matches('\\'));
        let before = self.sections.len();
        let mut first = true;
        self.sections.retain(|section| {
            let keep = std::mem::take(&mut first)
                || !section
                    .key
                    .as_ref()
                    .is_some_and(|k| is_at_or_below(&fold(&k.path), &prefix));
            keep
        });
        let removed = self.sections.len() != before;
        if removed {
            self.index = OnceLock::new();
        }
        Ok(removed)
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut index = Index::default();
            for (i, section) in self.sections.iter().enumerate() {
                if let Some(key) = &section.key {
                    index.by_path.entry(fold(&key.path)).or_default().push(i);
                    if key.deletion {
                        index.deletions.push(i);
                    }
                }
            }
            index
        })
    }

    /// Whether a `[-KEY]` of `key` or of a parent comes after section `after`.
    fn deleted_after(&self, index: &Index, key: &str, after: usize) -> bool {
        let folded = fold(key);
        index
            .deletions
            .iter()
            .filter(|&&d| d > after)
            .filter_map(|&d| self.sections.get(d)?.key.as_ref())
            .any(|k| is_at_or_below(&folded, &fold(&k.path)))
    }

    /// The last section of `key` if importing the file leaves the key in place.
    fn live_section(&self, key: &str) -> Option<usize> {
        let index = self.index();
        let &last = index.by_path.get(&fold(key))?.last()?;
        let section = self.sections.get(last)?;
        let alive = section.key.as_ref().is_some_and(|k| !k.deletion)
            && !self.deleted_after(index, key, last);
        alive.then_some(last)
    }

    fn all_lines(&self) -> impl Iterator<Item = &Line> {
        self.sections
            .iter()
            .flat_map(|s| std::iter::once(&s.head).chain(&s.lines))
    }

    fn raw<'a>(&'a self, line: &'a Line) -> &'a [u8] {
        match &line.raw {
            Raw::Source(range) => self.source.get(range.clone()).unwrap_or_default(),
            Raw::Owned(bytes) => bytes,
        }
    }

    /// A line written by an edit, ending in the file's line break.
    fn new_line(&self, text: &str, what: &'static str, kind: LineKind) -> Result<Line, Error> {
        let mut bytes = Vec::with_capacity(text.len() + 2);
        encode(self.encoding, text, what, &mut bytes)?;
        encode(
            self.encoding,
            self.line_ending.as_str(),
            "line break",
            &mut bytes,
        )?;
        Ok(Line {
            raw: Raw::Owned(bytes),
            number: 0,
            kind,
            open_continuation: None,
        })
    }

    /// A line that rewrites `old`, keeping the line break `old` ended with
    /// (none for a last line without one), so the lines around it stay as they were.
    fn replacement_line(
        &self,
        old: &Line,
        text: &str,
        what: &'static str,
        kind: LineKind,
    ) -> Result<Line, Error> {
        let mut bytes = Vec::with_capacity(text.len() + 2);
        encode(self.encoding, text, what, &mut bytes)?;
        bytes.extend_from_slice(self.terminator(self.raw(old)));
        Ok(Line {
            raw: Raw::Owned(bytes),
            number: old.number,
            kind,
            open_continuation: None,
        })
    }

    /// The line break at the end of a line's bytes, if any.
    fn terminator<'r>(&self, raw: &'r [u8]) -> &'r [u8] {
        let unit = if self.encoding == Encoding::Utf16Le {
            2
        } else {
            1
        };
        let is_unit = |bytes: Option<&[u8]>, ascii: u8| match bytes {
            Some([b]) => *b == ascii,
            Some([b, 0]) => *b == ascii,
            _ => false,
        };
        let last = raw.len().checked_sub(unit).and_then(|i| raw.get(i..));
        let len = if is_unit(last, b'\n') {
            let before = raw
                .len()
                .checked_sub(2 * unit)
                .and_then(|i| raw.get(i..i + unit));
            if is_unit(before, b'\r') {
                2 * unit
            } else {
                unit
            }
        } else if is_unit(last, b'\r') {
            unit
        } else {
            0
        };
        raw.get(raw.len() - len..).unwrap_or_default()
    }

    fn eol_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = self.encoding.encode(self.line_ending.as_str(), &mut out);
        out
    }

    /// Inserts a line into a section, first ending the line before it if
    /// that line is the last of a file without a final line break.
    fn insert_line(&mut self, section: usize, at: usize, line: Line) -> Result<(), Error> {
        self.end_line_before(section, at)?;
        if let Some(s) = self.sections.get_mut(section) {
            s.lines.insert(at.min(s.lines.len()), line);
        }
        Ok(())
    }

    /// Makes the line before position `at` of a section safe to write after:
    /// a value left open by a `\` continuation at the end of the file loses
    /// that one `\` (`hex:01,` is the same data as `hex:01,\`), or the new line
    /// would be read as more of its data; a last line without a line break
    /// gets one. Nothing else of the line changes.
    fn end_line_before(&mut self, section: usize, at: usize) -> Result<(), Error> {
        let Some(s) = self.sections.get(section) else {
            return Ok(());
        };
        let before = match at.checked_sub(1) {
            Some(i) => s.lines.get(i),
            None => Some(&s.head),
        };
        let Some(before) = before else { return Ok(()) };
        let mut bytes = self.raw(before).to_vec();
        if let (Some(backslash), Raw::Source(range)) = (before.open_continuation, &before.raw) {
            let unit = if self.encoding == Encoding::Utf16Le {
                2
            } else {
                1
            };
            let at = backslash.saturating_sub(range.start);
            bytes.drain(at.min(bytes.len())..(at + unit).min(bytes.len()));
        }
        if !self.ends_with_line_break(&bytes) {
            bytes.extend(self.eol_bytes());
        }
        if bytes.as_slice() == self.raw(before) {
            return Ok(());
        }
        if let Some(s) = self.sections.get_mut(section) {
            let slot = match at.checked_sub(1) {
                Some(i) => s.lines.get_mut(i),
                None => Some(&mut s.head),
            };
            if let Some(slot) = slot {
                slot.raw = Raw::Owned(bytes);
                slot.open_continuation = None;
            }
        }
        Ok(())
    }

    fn ends_with_line_break(&self, raw: &[u8]) -> bool {
        match self.encoding {
            Encoding::Utf16Le => matches!(raw, [.., b'\r' | b'\n', 0]),
            _ => matches!(raw, [.., b'\r' | b'\n']),
        }
    }

    fn is_blank(&self, line: &Line) -> bool {
        let raw = self.raw(line);
        matches!(line.kind, LineKind::Trivia)
            && [LineEnding::CrLf, LineEnding::Lf, LineEnding::Cr]
                .iter()
                .any(|e| {
                    let mut eol = Vec::new();
                    let _ = self.encoding.encode(e.as_str(), &mut eol);
                    raw == eol.as_slice()
                })
    }

    /// Adds `[path]`, `lines` and a blank line at the end of the file,
    /// after a blank line as regedit separates keys.
    fn append_section(&mut self, path: &str, lines: Vec<Line>) -> Result<(), Error> {
        let head = self.new_line(&render::key_line(path, false), "key path", LineKind::Trivia)?;
        let last = self.sections.len() - 1;
        let at = self.sections.get(last).map_or(0, |s| s.lines.len());
        self.end_line_before(last, at)?;
        let last_line = self
            .sections
            .get(last)
            .and_then(|s| s.lines.last().or(Some(&s.head)));
        if !last_line.is_some_and(|l| self.is_blank(l)) {
            let blank = self.new_line("", "line break", LineKind::Trivia)?;
            if let Some(s) = self.sections.get_mut(last) {
                s.lines.push(blank);
            }
        }
        let mut lines = lines;
        lines.push(self.new_line("", "line break", LineKind::Trivia)?);
        self.sections.push(Section {
            head,
            key: Some(KeyHead {
                path: path.to_string(),
                deletion: false,
            }),
            lines,
        });
        self.index = OnceLock::new();
        Ok(())
    }
}

/// Writes a new file next to `path` with `write`, flushes it to disk and
/// renames it over `path`, keeping a replaced file's permissions; the
/// temporary file is removed on failure. Returns the bytes written.
fn save_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<u64, Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file_name = path.file_name().ok_or_else(|| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "path has no file name",
        ))
    })?;
    // Unique per process and per call, so concurrent saves never share a file.
    static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let serial = SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".olkit-{}-{serial}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        if let Ok(old) = std::fs::metadata(path) {
            file.set_permissions(old.permissions())?;
        }
        let mut out = std::io::BufWriter::new(&mut file);
        write(&mut out)?;
        out.flush()?;
        drop(out);
        let written = file.metadata()?.len();
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        sync_parent_dir(path)?;
        Ok(written)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

/// Makes a rename in `path`'s directory durable (POSIX needs the directory
/// itself flushed; Windows has no such step).
fn sync_parent_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        std::fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn is_at_or_below(folded_path: &str, folded_prefix: &str) -> bool {
    match folded_path.strip_prefix(folded_prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('\\'),
        None => false,
    }
}

fn encode(
    encoding: Encoding,
    text: &str,
    what: &'static str,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    encoding.encode(text, out).map_err(|ch| Error::Unencodable {
        what,
        ch,
        encoding: encoding.name(),
    })
}

fn check_key_path(path: &str) -> Result<(), Error> {
    let bad = |reason| Error::InvalidKeyPath {
        path: path.to_string(),
        reason,
    };
    if !has_known_root(path) {
        return Err(bad(
            "it must start with a registry root such as HKEY_CURRENT_USER",
        ));
    }
    if path.contains(['\r', '\n', '\0']) {
        return Err(bad("it contains a line break or NUL"));
    }
    Ok(())
}

fn check_value_name(name: &str) -> Result<(), Error> {
    if name.contains('\0') {
        return Err(Error::InvalidValueName {
            name: name.to_string(),
            reason: "it contains NUL",
        });
    }
    Ok(())
}

/// One key line of a file and the value lines under it.
#[derive(Clone, Copy)]
pub struct Key<'a> {
    section: &'a Section,
}

impl fmt::Debug for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("path", &self.path())
            .field("deletion", &self.is_deletion())
            .field("line", &self.line())
            .finish()
    }
}

impl<'a> Key<'a> {
    fn new(section: &'a Section) -> Key<'a> {
        Key { section }
    }

    /// The key path as spelled in the file (without `[`, `]` or `-`).
    pub fn path(&self) -> &'a str {
        self.section.key.as_ref().map_or("", |k| k.path.as_str())
    }

    /// Whether this is a `[-KEY]` line, which deletes the key and its subkeys.
    pub fn is_deletion(&self) -> bool {
        self.section.key.as_ref().is_some_and(|k| k.deletion)
    }

    /// 1-based line number in the input; 0 when an edit added the key.
    pub fn line(&self) -> usize {
        self.section.head.number
    }

    /// The value assignments and deletions under this key line, in file order.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = Entry<'a>> + 'a {
        self.section
            .lines
            .iter()
            .filter_map(|line| match &line.kind {
                LineKind::Value { name, value } => Some(Entry::Set {
                    name,
                    value,
                    line: line.number,
                }),
                LineKind::Delete { name } => Some(Entry::Delete {
                    name,
                    line: line.number,
                }),
                LineKind::Trivia | LineKind::Skipped => None,
            })
    }

    /// The last assignment of `name` under this key line (case-insensitive).
    pub fn value(&self, name: &str) -> Option<&'a Value> {
        self.entries()
            .rev()
            .find(|e| names_equal(e.name(), name))?
            .value()
    }
}

/// A value line: an assignment or a deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry<'a> {
    /// `"name"=data` or `@=data`.
    Set {
        /// The value name, empty for the default value.
        name: &'a str,
        /// Its type and data.
        value: &'a Value,
        /// 1-based line number, 0 when an edit wrote it.
        line: usize,
    },
    /// `"name"=-`.
    Delete {
        /// The value name, empty for the default value.
        name: &'a str,
        /// 1-based line number, 0 when an edit wrote it.
        line: usize,
    },
}

impl<'a> Entry<'a> {
    /// The value name, empty for the default value.
    pub fn name(&self) -> &'a str {
        match self {
            Entry::Set { name, .. } | Entry::Delete { name, .. } => name,
        }
    }

    /// The value, or `None` for a deletion.
    pub fn value(&self) -> Option<&'a Value> {
        match self {
            Entry::Set { value, .. } => Some(value),
            Entry::Delete { .. } => None,
        }
    }

    /// 1-based line number, 0 when an edit wrote it.
    pub fn line(&self) -> usize {
        match self {
            Entry::Set { line, .. } | Entry::Delete { line, .. } => *line,
        }
    }
}
