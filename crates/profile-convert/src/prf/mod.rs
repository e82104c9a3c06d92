//! Outlook profile files (`.prf`): the INI files the Office Customization
//! Tool writes and `outlook.exe /importprf` reads, kept byte for byte.
//!
//! A `.prf` file has, by convention, the sections `[General]` (profile
//! name and what to do with an existing profile), `[Service List]`
//! (`ServiceN=<mapping section>`), one `[ServiceN]` per service with its
//! settings, `[Internet Account List]` (`AccountN=<mapping section>`), one
//! `[AccountN]` per account, and the mapping sections (`[Microsoft Exchange
//! Server]`, `[Unicode Personal Folders]`, `[I_Mail]`, ...) that give each
//! setting's MAPI property (`Name=PT_TYPE,0xTAG`) and the service's
//! MAPISVC.INF name (`ServiceName=MSEMS`) or the account's type
//! (`AccountType=POP3`).
//!
//! [`PrfFile`] keeps every line as the file's own bytes; reading finds
//! sections and keys as Windows' profile functions do (case-insensitive,
//! blanks trimmed, the first of duplicates wins), and each edit rewrites
//! only the lines it concerns, in the file's encoding and line ending.

mod text;
mod view;

use std::fmt;

pub use text::{LineEnding, PrfEncoding};

use crate::Error;
use text::{Line, LineKind};

/// Size limits for reading a `.prf` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrfLimits {
    /// The largest file accepted, in bytes (default 8 MiB; the Office
    /// Customization Tool writes about 20 KB).
    pub max_bytes: usize,
    /// The most lines accepted (default 200 000).
    pub max_lines: usize,
}

impl Default for PrfLimits {
    fn default() -> Self {
        PrfLimits {
            max_bytes: 8 << 20,
            max_lines: 200_000,
        }
    }
}

/// A `.prf` file, every byte kept: [`PrfFile::to_bytes`] gives back the
/// input exactly until an edit changes the lines it concerns.
///
/// ```
/// use olkit_profile_convert::PrfFile;
///
/// let bytes = b"[General]\r\nProfileName = Kerio\r\n\r\n[Service List]\r\nService1=Kerio Outlook Connector\r\n";
/// let mut prf = PrfFile::parse(bytes)?;
/// assert_eq!(prf.to_bytes(), bytes);
/// assert_eq!(prf.profile_name(), Some("Kerio"));
/// prf.set("general", "profilename", "Kerio (KOFF)")?;
/// assert!(prf.to_bytes().starts_with(b"[General]\r\nProfileName = Kerio (KOFF)\r\n\r\n"));
/// # Ok::<(), olkit_profile_convert::Error>(())
/// ```
#[derive(Clone)]
pub struct PrfFile {
    encoding: PrfEncoding,
    bom: Vec<u8>,
    lines: Vec<Line>,
}

/// A `key=value` line of a section.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PrfEntry<'a> {
    /// The key as spelled in the file, blanks trimmed.
    pub key: &'a str,
    /// The value, blanks trimmed and one pair of enclosing quotes removed
    /// (as GetPrivateProfileString returns it).
    pub value: &'a str,
    /// The line, from 1.
    pub line: usize,
}

impl PrfEntry<'_> {
    /// Whether the value is a secret (a password), which is never shown.
    pub fn is_secret(&self) -> bool {
        is_secret_key(self.key)
    }
}

/// Keys (and registry value names) naming passwords, any case: their
/// values are carried, never shown or set.
pub(crate) fn is_secret_key(key: &str) -> bool {
    key.to_ascii_lowercase().contains("password")
}

impl fmt::Debug for PrfEntry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value: &dyn fmt::Debug = if self.is_secret() {
            &"<redacted>"
        } else {
            &self.value
        };
        f.debug_struct("PrfEntry")
            .field("key", &self.key)
            .field("value", value)
            .field("line", &self.line)
            .finish()
    }
}

impl fmt::Debug for PrfFile {
    // The content may hold passwords: only the shape is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrfFile")
            .field("encoding", &self.encoding)
            .field("lines", &self.lines.len())
            .field("sections", &self.sections())
            .finish()
    }
}

/// Windows compares section and key names without regard to case.
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// A name folded as [`same_name`] compares it, for hashing.
pub(crate) fn folded(name: &str) -> String {
    name.chars().flat_map(char::to_lowercase).collect()
}

impl PrfFile {
    /// Reads a `.prf` file with the default [`PrfLimits`].
    pub fn parse(bytes: &[u8]) -> Result<PrfFile, Error> {
        PrfFile::parse_with(bytes, &PrfLimits::default())
    }

    /// Reads a `.prf` file. Any bytes are accepted within the limits: lines
    /// that are neither sections, entries, comments nor blank are kept and
    /// ignored, as Windows ignores them.
    pub fn parse_with(bytes: &[u8], limits: &PrfLimits) -> Result<PrfFile, Error> {
        let _span = tracing::debug_span!("prf_parse", bytes = bytes.len()).entered();
        if bytes.len() > limits.max_bytes {
            return Err(Error::TooLarge {
                what: "a .prf file (bytes)",
                limit: limits.max_bytes as u64,
            });
        }
        let (encoding, bom_len) = PrfEncoding::detect(bytes);
        let (bom, body) = bytes.split_at(bom_len.min(bytes.len()));
        let raw_lines = text::split_lines(body, encoding);
        if raw_lines.len() > limits.max_lines {
            return Err(Error::TooLarge {
                what: "a .prf file (lines)",
                limit: limits.max_lines as u64,
            });
        }
        let lines = raw_lines
            .into_iter()
            .map(|(content, ending)| Line::new(content, ending, encoding))
            .collect();
        Ok(PrfFile {
            encoding,
            bom: bom.to_vec(),
            lines,
        })
    }

    /// The file's bytes: the input exactly, with the edited lines changed.
    pub fn to_bytes(&self) -> Vec<u8> {
        let size = self.bom.len()
            + self
                .lines
                .iter()
                .map(|l| l.content.len() + 4)
                .sum::<usize>();
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(&self.bom);
        for line in &self.lines {
            out.extend_from_slice(&line.content);
            out.extend_from_slice(line.ending.bytes(self.encoding));
        }
        out
    }

    /// The file's encoding.
    pub fn encoding(&self) -> PrfEncoding {
        self.encoding
    }

    /// The number of lines.
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// The line ending new lines get: the file's most frequent one, `CR LF`
    /// on a tie or in a file without line breaks.
    pub fn line_ending(&self) -> LineEnding {
        let lf = self
            .lines
            .iter()
            .filter(|l| l.ending == LineEnding::Lf)
            .count();
        let crlf = self
            .lines
            .iter()
            .filter(|l| l.ending == LineEnding::CrLf)
            .count();
        if lf > crlf {
            LineEnding::Lf
        } else {
            LineEnding::CrLf
        }
    }

    /// The section names in file order (duplicates included).
    pub fn sections(&self) -> Vec<&str> {
        self.lines.iter().filter_map(Line::section_name).collect()
    }

    /// The line (from 1) of the first section called `name`.
    pub fn section_line(&self, name: &str) -> Option<usize> {
        self.section_ranges(name).first().map(|r| r.header + 1)
    }

    /// The entries of the first section called `name` (Windows reads only
    /// the first of sections with the same name), in file order.
    pub fn entries(&self, section: &str) -> Vec<PrfEntry<'_>> {
        let Some(range) = self.section_ranges(section).into_iter().next() else {
            return Vec::new();
        };
        (range.header + 1..range.end)
            .filter_map(|i| self.entry_at(i))
            .collect()
    }

    /// The value of `key` in the first section called `section`: the first
    /// such key, names compared without regard to case.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.entry(section, key).map(|e| e.value)
    }

    /// The entry of `key` in `section`, with its line.
    pub fn entry(&self, section: &str, key: &str) -> Option<PrfEntry<'_>> {
        self.entries(section)
            .into_iter()
            .find(|e| same_name(e.key, key))
    }

    fn entry_at(&self, index: usize) -> Option<PrfEntry<'_>> {
        match &self.lines.get(index)?.kind {
            LineKind::Entry { key, value, .. } => Some(PrfEntry {
                key,
                value,
                line: index + 1,
            }),
            _ => None,
        }
    }

    /// Sets `key` in the first section called `section`. An existing key
    /// (its first occurrence) keeps its spelling and the blanks around `=`;
    /// only its value changes. A missing key is added after the section's
    /// last entry; a missing section is added first ([`PrfFile::add_section`]).
    /// The value is quoted when Windows would otherwise read it back
    /// differently (blanks at its ends, enclosing quotes).
    pub fn set(&mut self, section: &str, key: &str, value: &str) -> Result<(), Error> {
        let bad = |reason: &str| Error::PrfEdit {
            section: section.to_owned(),
            key: key.to_owned(),
            reason: reason.to_owned(),
        };
        if value.contains(['\r', '\n', '\0']) {
            return Err(bad("a value cannot hold a line break or NUL"));
        }
        let written = if text::needs_quotes(value) {
            format!("\"{value}\"")
        } else {
            value.to_owned()
        };
        let encoded = self.encoding.encode(&written).ok_or_else(|| {
            bad(&format!(
                "the value has characters {} cannot hold",
                self.encoding.name()
            ))
        })?;
        if self.section_ranges(section).is_empty() {
            self.add_section(section)?;
        }
        let range = self
            .section_ranges(section)
            .into_iter()
            .next()
            .ok_or_else(|| bad("the section could not be added"))?;
        let existing = (range.header + 1..range.end).find(|&i| {
            matches!(&self.lines.get(i).map(|l| &l.kind),
                Some(LineKind::Entry { key: k, .. }) if same_name(k, key))
        });
        if let Some(index) = existing {
            let encoding = self.encoding;
            if let Some(line) = self.lines.get_mut(index) {
                if let LineKind::Entry {
                    value_start,
                    value_end,
                    ..
                } = line.kind
                {
                    let mut content = line.content.get(..value_start).unwrap_or_default().to_vec();
                    content.extend_from_slice(&encoded);
                    content.extend_from_slice(line.content.get(value_end..).unwrap_or_default());
                    *line = Line::new(content, line.ending, encoding);
                }
            }
            return Ok(());
        }
        validate_key(key).map_err(bad)?;
        let mut content = self.encoding.encode(&format!("{key}=")).ok_or_else(|| {
            bad(&format!(
                "the key has characters {} cannot hold",
                self.encoding.name()
            ))
        })?;
        content.extend_from_slice(&encoded);
        let at = (range.header + 1..range.end)
            .rev()
            .find(|&i| self.lines.get(i).is_some_and(Line::is_content))
            .map_or(range.header + 1, |i| i + 1);
        self.insert_line(at, content);
        Ok(())
    }

    /// Removes `key` from every section called `section` (every duplicate,
    /// so that [`PrfFile::get`] finds it no more). Returns how many lines
    /// were removed.
    pub fn remove(&mut self, section: &str, key: &str) -> usize {
        let mut doomed = vec![false; self.lines.len()];
        for range in self.section_ranges(section) {
            for i in range.header + 1..range.end {
                if matches!(&self.lines.get(i).map(|l| &l.kind),
                    Some(LineKind::Entry { key: k, .. }) if same_name(k, key))
                {
                    if let Some(flag) = doomed.get_mut(i) {
                        *flag = true;
                    }
                }
            }
        }
        self.drop_lines(&doomed)
    }

    /// Adds `[name]` at the end of the file, before its trailing blank
    /// lines, after a blank line as the Office Customization Tool separates
    /// sections. Returns `false` (and changes nothing) when the section
    /// exists.
    pub fn add_section(&mut self, name: &str) -> Result<bool, Error> {
        let bad = |reason: &str| Error::PrfEdit {
            section: name.to_owned(),
            key: String::new(),
            reason: reason.to_owned(),
        };
        if name.contains([']', '\r', '\n', '\0'])
            || name.trim() != name
            || name.is_empty()
            || text::needs_quotes(name)
        {
            return Err(bad(
                "a section name must be non-empty, without ], line breaks or blanks at its ends",
            ));
        }
        if !self.section_ranges(name).is_empty() {
            return Ok(false);
        }
        let header = self.encoding.encode(&format!("[{name}]")).ok_or_else(|| {
            bad(&format!(
                "the name has characters {} cannot hold",
                self.encoding.name()
            ))
        })?;
        let at = self
            .lines
            .iter()
            .rposition(|l| l.kind != LineKind::Blank)
            .map_or(0, |i| i + 1);
        if at > 0 {
            self.insert_line(at, Vec::new());
            self.insert_line(at + 1, header);
        } else {
            self.insert_line(at, header);
        }
        Ok(true)
    }

    /// Removes every section called `name`: its header, its entries (and
    /// the comments among them) and the blank lines after its last entry;
    /// comments after those (a banner over the next section) stay. Returns
    /// how many sections were removed.
    pub fn remove_section(&mut self, name: &str) -> usize {
        let ranges = self.section_ranges(name);
        let mut doomed = vec![false; self.lines.len()];
        for range in &ranges {
            let last_content = (range.header + 1..range.end)
                .rev()
                .find(|&i| self.lines.get(i).is_some_and(Line::is_content))
                .unwrap_or(range.header);
            let mut end = last_content + 1;
            while end < range.end
                && self
                    .lines
                    .get(end)
                    .is_some_and(|l| l.kind == LineKind::Blank)
            {
                end += 1;
            }
            for flag in doomed.iter_mut().take(end).skip(range.header) {
                *flag = true;
            }
        }
        self.drop_lines(&doomed);
        ranges.len()
    }

    /// Removes the lines flagged, in one pass; returns how many.
    fn drop_lines(&mut self, doomed: &[bool]) -> usize {
        let mut index = 0;
        let before = self.lines.len();
        self.lines.retain(|_| {
            let keep = !doomed.get(index).copied().unwrap_or(false);
            index += 1;
            keep
        });
        before - self.lines.len()
    }

    /// Inserts a line of `content` before line index `at`, ending it as the
    /// file does. Only the last line of a file can lack a terminator: a new
    /// last line takes that over so the file still ends the same way.
    fn insert_line(&mut self, at: usize, content: Vec<u8>) {
        let ending = self.line_ending();
        let at = at.min(self.lines.len());
        let mut new_ending = ending;
        if at == self.lines.len() {
            if let Some(last) = self.lines.last_mut() {
                if last.ending == LineEnding::None {
                    last.ending = ending;
                    new_ending = LineEnding::None;
                }
            }
        }
        self.lines
            .insert(at, Line::new(content, new_ending, self.encoding));
    }

    /// Every section called `name`: its header index and the index where
    /// the next section starts (or the line count).
    fn section_ranges(&self, name: &str) -> Vec<SectionRange> {
        let headers: Vec<usize> = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.section_name().is_some())
            .map(|(i, _)| i)
            .collect();
        headers
            .iter()
            .enumerate()
            .filter(|(_, &h)| {
                self.lines
                    .get(h)
                    .and_then(Line::section_name)
                    .is_some_and(|n| same_name(n, name))
            })
            .map(|(k, &header)| SectionRange {
                header,
                end: headers.get(k + 1).copied().unwrap_or(self.lines.len()),
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy)]
struct SectionRange {
    header: usize,
    end: usize,
}

/// A key a new line can carry and read back as the same key.
fn validate_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty()
        || key.trim() != key
        || key.contains(['=', '\r', '\n', '\0'])
        || key.starts_with([';', '['])
    {
        Err("a new key must be non-empty, without =, line breaks, blanks at its ends, or a leading ; or [")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replaces_only_the_value() {
        let mut prf = PrfFile::parse(b"[A]\r\nKey = old  \r\nOther=1\r\n").unwrap();
        prf.set("a", "KEY", "new").unwrap();
        assert_eq!(prf.to_bytes(), b"[A]\r\nKey = new  \r\nOther=1\r\n");
    }

    #[test]
    fn set_appends_after_the_last_entry() {
        let mut prf = PrfFile::parse(b"[A]\nx=1\n\n; banner\n[B]\n").unwrap();
        prf.set("A", "y", "2").unwrap();
        assert_eq!(prf.to_bytes(), b"[A]\nx=1\ny=2\n\n; banner\n[B]\n");
    }

    #[test]
    fn set_quotes_values_that_would_change() {
        let mut prf = PrfFile::parse(b"[A]\r\n").unwrap();
        prf.set("A", "k", " padded ").unwrap();
        prf.set("A", "q", "\"x\"").unwrap();
        assert_eq!(prf.get("A", "k"), Some(" padded "));
        assert_eq!(prf.get("A", "q"), Some("\"x\""));
    }

    #[test]
    fn add_section_goes_before_trailing_blanks() {
        let mut prf = PrfFile::parse(b"[A]\r\nx=1\r\n\r\n").unwrap();
        assert!(prf.add_section("B").unwrap());
        assert!(!prf.add_section("b").unwrap());
        assert_eq!(prf.to_bytes(), b"[A]\r\nx=1\r\n\r\n[B]\r\n\r\n");
    }

    #[test]
    fn file_without_final_break_keeps_it_so() {
        let mut prf = PrfFile::parse(b"[A]\r\nx=1").unwrap();
        prf.set("A", "y", "2").unwrap();
        assert_eq!(prf.to_bytes(), b"[A]\r\nx=1\r\ny=2");
    }

    #[test]
    fn remove_section_keeps_the_next_banner() {
        let mut prf = PrfFile::parse(b"[A]\nx=1\n\n[S]\n;c\ny=2\n\n; banner\n[T]\n").unwrap();
        assert_eq!(prf.remove_section("s"), 1);
        assert_eq!(prf.to_bytes(), b"[A]\nx=1\n\n; banner\n[T]\n");
    }

    #[test]
    fn secrets_are_not_shown() {
        let prf = PrfFile::parse(b"[Service1]\r\nPassword=hunter2\r\n").unwrap();
        let shown = format!("{:?} {:?}", prf, prf.entries("Service1"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
