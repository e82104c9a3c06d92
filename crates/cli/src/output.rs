//! What every command shares: the error type and exit codes, standard
//! output, warnings, and the small formatting helpers of dumps.

use std::fmt;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

/// Why a command failed. Every variant is exit code 1, except a closed
/// standard output, which ends the program quietly.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// Reading or parsing a `.reg` file failed.
    #[error("{}", in_file(path, source))]
    Reg {
        path: PathBuf,
        source: olkit_regfile::Error,
    },
    /// Reading or writing some other file failed.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// Writing to standard output failed.
    #[error("writing to standard output: {0}")]
    Stdout(#[source] io::Error),
    /// An edit or conversion the library refused.
    #[error("{0}")]
    Edit(#[source] olkit_regfile::Error),
    /// A step of `olkit demo` did not give what it should.
    #[error("demo: {0}")]
    Demo(String),
}

/// The library's I/O errors name their file already; the others do not.
fn in_file(path: &Path, error: &olkit_regfile::Error) -> String {
    match error {
        olkit_regfile::Error::Io { .. } => error.to_string(),
        _ => format!("{}: {error}", path.display()),
    }
}

impl CliError {
    /// A `.reg` file error with the file it concerns.
    pub(crate) fn reg(path: &Path, source: olkit_regfile::Error) -> CliError {
        CliError::Reg {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A failed read or write of a file.
    pub(crate) fn io(path: &Path, source: io::Error) -> CliError {
        CliError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Whether the error is standard output being closed under us (as by
    /// `olkit reg dump big.reg | head`), which is not a failure.
    fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Stdout(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }

    /// Prints the error on standard error and gives the exit code.
    pub(crate) fn report(&self) -> ExitCode {
        if self.is_broken_pipe() {
            return ExitCode::SUCCESS;
        }
        message(&format!("{self}"));
        ExitCode::from(1)
    }
}

impl From<io::Error> for CliError {
    /// Bare I/O errors in commands come from writing to standard output.
    fn from(e: io::Error) -> CliError {
        CliError::Stdout(e)
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> CliError {
        CliError::Stdout(io::Error::from(e))
    }
}

/// Result of a command.
pub(crate) type CliResult = Result<(), CliError>;

/// Buffered standard output: files can be tens of megabytes.
pub(crate) fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(64 * 1024, io::stdout().lock())
}

/// Prints `olkit: <text>` on standard error. A closed standard error is ignored.
pub(crate) fn message(text: &str) {
    let _ = writeln!(io::stderr().lock(), "olkit: {text}");
}

/// Writes `value` as one pretty-printed JSON document and a line break.
pub(crate) fn write_json(out: &mut impl Write, value: &impl Serialize) -> CliResult {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// A path as text for JSON and messages (not valid Unicode: lossily).
pub(crate) fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// `1 key`, `2 keys`: a count with the word for it.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The last component of a path shown in a message (the whole text when
/// it has none).
pub(crate) fn file_name(path: &str) -> &str {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}

/// A lenient-reading warning as JSON: `{"line", "column", "problem", "message"}`.
#[derive(Serialize)]
pub(crate) struct WarningJson<'a> {
    #[serde(flatten)]
    warning: &'a olkit_regfile::Warning,
    message: String,
}

/// The warnings of a file, for JSON output.
pub(crate) fn warnings_json(file: &olkit_regfile::RegFile) -> Vec<WarningJson<'_>> {
    file.warnings()
        .iter()
        .map(|warning| WarningJson {
            warning,
            message: warning.to_string(),
        })
        .collect()
}

/// Prints the warnings of a leniently read file on standard error.
pub(crate) fn print_warnings(path: &Path, file: &olkit_regfile::RegFile) {
    for warning in file.warnings() {
        message(&format!("warning: {}: {warning}", path.display()));
    }
}

/// Bytes as lowercase hexadecimal without separators, formatted without
/// allocating.
#[derive(Clone, Copy)]
pub(crate) struct Hex<'a>(pub(crate) &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 256];
        for chunk in self.0.chunks(buf.len() / 2) {
            for (pair, &byte) in buf.chunks_exact_mut(2).zip(chunk) {
                pair.copy_from_slice(&[nibble(byte >> 4), nibble(byte & 0xf)]);
            }
            let text = buf.get(..chunk.len() * 2).unwrap_or_default();
            f.write_str(std::str::from_utf8(text).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

impl Serialize for Hex<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn nibble(n: u8) -> u8 {
    if n < 10 {
        b'0' + n
    } else {
        b'a' + (n - 10)
    }
}

/// Text for one tab-separated field: the C0 control characters (tab and
/// line breaks among them) and DEL become their Unicode control pictures
/// (U+2400..U+2421, e.g. `␉`), so that every record stays one line of
/// four fields.
pub(crate) struct Field<'a>(pub(crate) &'a str);

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.chars().any(is_control) {
            return f.write_str(self.0);
        }
        for c in self.0.chars() {
            let shown = match u32::from(c) {
                n @ 0..=0x1f => char::from_u32(0x2400 + n).unwrap_or(c),
                0x7f => '\u{2421}',
                _ => c,
            };
            fmt::Write::write_char(f, shown)?;
        }
        Ok(())
    }
}

fn is_control(c: char) -> bool {
    matches!(u32::from(c), 0..=0x1f | 0x7f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_without_separators() {
        assert_eq!(Hex(&[]).to_string(), "");
        assert_eq!(Hex(&[0x00, 0x0f, 0xab, 0xff]).to_string(), "000fabff");
        let long: Vec<u8> = (0..=255).cycle().take(1000).collect();
        let text = Hex(&long).to_string();
        assert_eq!(text.len(), 2000);
        assert!(text.starts_with("000102"));
        assert!(text.ends_with(&format!("{:02x}", 999 % 256)));
    }

    #[test]
    fn fields_show_control_characters_as_pictures() {
        assert_eq!(
            Field("HKEY_CURRENT_USER\\x64").to_string(),
            "HKEY_CURRENT_USER\\x64"
        );
        assert_eq!(
            Field("a\tb\nc\u{7f}").to_string(),
            "a\u{2409}b\u{240a}c\u{2421}"
        );
    }
}
