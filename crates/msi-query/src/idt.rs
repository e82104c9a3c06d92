//! IDT export: tables as the tab-separated text `msiinfo export` writes,
//! and whole packages laid out the way `msidump` lays them out.
//!
//! An IDT file is three header lines and one line per row, every line
//! ending in CR LF:
//!
//! ```text
//! Property<TAB>Value              column names
//! s72<TAB>l0                      column types
//! Property<TAB>Property           table name, then the primary key columns
//! ProductName<TAB>Olkit Sample    the rows, in stored order
//! ```
//!
//! The bytes are libmsi's (msitools 0.101), which differ from what Windows'
//! `MsiDatabaseExport` writes in a few ways this module reproduces on
//! purpose: text is UTF-8 whatever the database code page; tabs, CR and LF
//! inside values are written as they are (no `\x11`/`\x19`/`\x1b` escapes);
//! a stream cell is written as the stream's full name (`Binary.Logo`, the
//! table name and the key values joined by dots), and the stream itself
//! goes to `<Table>/<that name>`; `_ForceCodepage` ends with a NUL byte;
//! `_SummaryInformation` is a table of `PropertyId`/`Value` rows.
//!
//! Where msiinfo fails instead of writing something, olkit writes what its
//! output would plainly be (see [`export_table`]).

use std::collections::HashSet;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::model::{Column, ColumnType, Table};
use crate::summary::{SummaryInfo, SummaryValue};
use crate::{pool, Error, Package, Result};

/// The pseudo-table holding the database code page.
pub const FORCE_CODEPAGE: &str = "_ForceCodepage";
/// The pseudo-table holding the summary information.
pub const SUMMARY_INFORMATION: &str = "_SummaryInformation";
/// The directory `msidump -s` (and [`export_all`]) puts the package's
/// streams in, one file per stream named by its decoded name.
pub const STREAMS_DIR: &str = "_Streams";

/// What `msiinfo tables` lists and `msidump` exports, in that order: the two
/// pseudo-tables, then the stored tables in `_Tables` order.
pub fn export_table_names(package: &Package) -> Result<Vec<String>> {
    let mut names = vec![SUMMARY_INFORMATION.to_owned(), FORCE_CODEPAGE.to_owned()];
    names.extend(package.table_names()?);
    Ok(names)
}

/// Writes table `table` of `package` to `out` as IDT text, byte for byte
/// what `msiinfo export PACKAGE TABLE` writes to its standard output.
///
/// `table` may be a stored table, one of the virtual tables `_Tables`,
/// `_Columns`, `_Streams`, `_Storages`, or a pseudo-table:
/// [`FORCE_CODEPAGE`] (`\r\n\r\n<codepage>\t_ForceCodepage\r\n` and a NUL
/// byte, as msiinfo writes it) or [`SUMMARY_INFORMATION`] (one
/// `PropertyId<TAB>Value` row per summary property in id order; dates as
/// `YYYY/MM/DD hh:mm:ss`).
///
/// Stream cells are written as the stream's name; the stream files
/// themselves are written by [`export_table_with_streams`] only.
///
/// Known differences from msiinfo, all where msiinfo gives no usable
/// output: msiinfo formats summary dates in the local time zone, olkit in
/// UTC (the same bytes when `TZ=UTC`), and olkit also writes dates before
/// 1970, where msiinfo stops with an error, and reads a number stored as
/// a string (`VT_LPSTR` for an integer property) as libmsi's code means
/// to, where msiinfo 0.101 crashes; for `_Streams`, whose export
/// msiinfo abandons at the first row, olkit writes each stream's name in
/// the `Data` column (the file [`export_table_with_streams`] writes under
/// `_Streams/`), and for `_Storages` an empty `Data` column.
pub fn export_table(package: &Package, table: &str, out: &mut impl Write) -> Result<()> {
    let _span = tracing::debug_span!("idt_export", table).entered();
    write_idt(package, table, out, None).map(|_| ())
}

/// [`export_table`], and also every stream the table's stream cells refer
/// to, written to `dir/<Table>/<stream name>` as msiinfo writes them (to
/// `./<Table>/` relative to its working directory). `_Streams` writes
/// every stream of the package to `dir/_Streams/<name>`, the layout of
/// `msidump -s`. Returns the number of stream files written.
///
/// A stream whose name is not a plain file name (empty, `.`, `..`, or with
/// a `/` or a NUL) is an error rather than a file written elsewhere.
pub fn export_table_with_streams(
    package: &Package,
    table: &str,
    out: &mut impl Write,
    dir: &Path,
) -> Result<usize> {
    let _span = tracing::debug_span!("idt_export", table, dir = %dir.display()).entered();
    write_idt(package, table, out, Some(dir))
}

/// What [`export_all`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportReport {
    /// The IDT files written (`<Table>.idt` in the directory), in the
    /// order of [`export_table_names`].
    pub tables: Vec<PathBuf>,
    /// Number of stream files written for stream columns (under
    /// `<Table>/`).
    pub table_streams: usize,
    /// The stream files written under `_Streams/`, in `_Streams` order.
    pub streams: Vec<PathBuf>,
}

/// Exports a whole package into `dir` (which must exist) the way
/// `msidump --tables --streams` does when run inside `dir`: every table of
/// [`export_table_names`] as `<Table>.idt`, the streams of its stream
/// columns under `<Table>/`, and every stream of the package under
/// `_Streams/`. (msidump writes the stream-column files into its working
/// directory rather than its `-d` directory; olkit keeps everything in
/// `dir`.) The `-S` digital-signature dump of msidump, an `openssl
/// asn1parse` listing, is not written.
///
/// Files are replaced if they exist; nothing outside `dir` is touched.
pub fn export_all(package: &Package, dir: &Path) -> Result<ExportReport> {
    let _span = tracing::info_span!("idt_export_all", dir = %dir.display()).entered();
    let mut report = ExportReport::default();
    for table in export_table_names(package)? {
        let path = dir.join(format!("{table}.idt"));
        let file = fs::File::create(&path).map_err(|source| io_error(&path, source))?;
        let mut out = BufWriter::with_capacity(64 * 1024, file);
        report.table_streams +=
            write_idt(package, &table, &mut out, Some(dir)).map_err(|e| relabel(e, &path))?;
        out.flush().map_err(|source| io_error(&path, source))?;
        report.tables.push(path);
    }
    let streams_dir = dir.join(STREAMS_DIR);
    for name in package.stream_names()? {
        let path = stream_file(&streams_dir, &name)?;
        write_file(&path, &package.read_stream(&name)?)?;
        report.streams.push(path);
    }
    Ok(report)
}

/// The IDT type of a column as msiinfo writes it in the second header
/// line: a letter for the kind (`s` string, `l` localizable string, `i`
/// integer, `v` stream; `g`/`j` for temporary string/integer columns, `f`
/// for types with the unknown bit 0x8000), in upper case when the column
/// accepts NULL, then the size in decimal (`s72`, `L0`, `I4`, `V0`).
pub fn idt_column_type(ty: ColumnType) -> String {
    let bits = ty.bits();
    let temporary = bits & ColumnType::TEMPORARY != 0;
    let letter = if ty.is_stream() {
        'v'
    } else if ty.is_localizable() {
        'l'
    } else if bits & 0x8000 != 0 {
        'f'
    } else if bits & ColumnType::STRING != 0 {
        if temporary {
            'g'
        } else {
            's'
        }
    } else if temporary {
        'j'
    } else {
        'i'
    };
    let letter = if ty.is_nullable() {
        letter.to_ascii_uppercase()
    } else {
        letter
    };
    format!("{letter}{}", ty.size())
}

/// Where IDT text goes: errors while writing it name this.
const OUTPUT: &str = "IDT output";

fn io_error(path: &Path, source: io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A write error on the caller's writer, re-labelled with the file it was.
fn relabel(error: Error, path: &Path) -> Error {
    match error {
        Error::Io { path: p, source } if p == Path::new(OUTPUT) => io_error(path, source),
        other => other,
    }
}

fn write_error(source: io::Error) -> Error {
    io_error(Path::new(OUTPUT), source)
}

/// `dir/name` for a stream named `name`, refusing names that would leave
/// `dir` or are not file names.
fn stream_file(dir: &Path, name: &str) -> Result<PathBuf> {
    let unsafe_name = name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']);
    if unsafe_name {
        return Err(io_error(
            &dir.join(name.replace(['/', '\0'], "_")),
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("stream name {name:?} is not a file name"),
            ),
        ));
    }
    Ok(dir.join(name))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|source| io_error(parent, source))?;
    }
    fs::write(path, bytes).map_err(|source| io_error(path, source))
}

/// Writes the IDT text of `table`; with `streams`, also the stream files
/// under `streams/<Table>/`. Returns the number of stream files written.
fn write_idt(
    package: &Package,
    table: &str,
    out: &mut impl Write,
    streams: Option<&Path>,
) -> Result<usize> {
    let mut out = BufWriter::with_capacity(64 * 1024, out);
    let written = match table {
        FORCE_CODEPAGE => {
            // msiinfo writes the terminating NUL of its buffer too.
            let text = format!("\r\n\r\n{}\t_ForceCodepage\r\n\0", package.codepage());
            out.write_all(text.as_bytes()).map_err(write_error)?;
            0
        }
        SUMMARY_INFORMATION => {
            write_summary(&package.summary_info()?, &mut out)?;
            0
        }
        _ => write_table(package, &*package.table(table)?, &mut out, streams)?,
    };
    out.flush().map_err(write_error)?;
    Ok(written)
}

/// Whether libmsi lists the table's key columns in the third header line:
/// its virtual tables have no `_Columns` rows, so only their name is there.
fn lists_keys(table: &str) -> bool {
    !matches!(table, "_Tables" | "_Columns" | "_Streams" | "_Storages")
}

fn write_line<'a>(out: &mut impl Write, fields: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut line = Vec::with_capacity(128);
    for (i, field) in fields.enumerate() {
        if i > 0 {
            line.push(b'\t');
        }
        line.extend_from_slice(field.as_bytes());
    }
    line.extend_from_slice(b"\r\n");
    out.write_all(&line).map_err(write_error)
}

fn write_table(
    package: &Package,
    table: &Table,
    out: &mut impl Write,
    streams: Option<&Path>,
) -> Result<usize> {
    let name = table.name();
    let columns = table.columns();
    write_line(out, columns.iter().map(|c| c.name.as_str()))?;
    let types: Vec<String> = columns.iter().map(|c| idt_column_type(c.ty)).collect();
    write_line(out, types.iter().map(String::as_str))?;
    let keys = columns
        .iter()
        .filter(|c| lists_keys(name) && c.ty.is_key())
        .map(|c| c.name.as_str());
    write_line(out, std::iter::once(name).chain(keys))?;

    let mut rows = RowWriter::new(package, table, streams)?;
    let mut line = Vec::with_capacity(256);
    for row in 0..table.row_count() {
        line.clear();
        for (col, column) in columns.iter().enumerate() {
            if col > 0 {
                line.push(b'\t');
            }
            rows.field(&mut line, row, col, column)?;
        }
        line.extend_from_slice(b"\r\n");
        out.write_all(&line).map_err(write_error)?;
    }
    Ok(rows.files_written)
}

/// Writes the fields of one table's rows, and the files of its streams.
struct RowWriter<'p> {
    package: &'p Package,
    table: &'p Table,
    /// The streams the package has, when the table has a stream column
    /// (libmsi writes a stream cell's name when the stream exists, whatever
    /// the cell holds).
    existing: HashSet<String>,
    /// `dir/<Table>` when stream files are wanted.
    stream_dir: Option<PathBuf>,
    files_written: usize,
}

impl<'p> RowWriter<'p> {
    fn new(package: &'p Package, table: &'p Table, streams: Option<&Path>) -> Result<Self> {
        let has_streams = table.columns().iter().any(|c| c.ty.is_stream());
        let existing = if has_streams {
            package.stream_names()?.into_iter().collect()
        } else {
            HashSet::new()
        };
        Ok(Self {
            package,
            table,
            existing,
            stream_dir: streams.map(|dir| dir.join(table.name())),
            files_written: 0,
        })
    }

    fn field(&mut self, line: &mut Vec<u8>, row: usize, col: usize, column: &Column) -> Result<()> {
        let raw = self.table.raw(row, col).unwrap_or(0);
        let ty = column.ty;
        if ty.is_stream() {
            return self.stream_field(line, row);
        }
        if raw == 0 {
            return Ok(());
        }
        if ty.bits() & ColumnType::STRING != 0 {
            let text = self.table.strings().get(raw).unwrap_or("");
            // libmsi keeps strings as C strings: a NUL ends them.
            let text = text.split('\0').next().unwrap_or("");
            line.extend_from_slice(text.as_bytes());
        } else {
            push_int(line, libmsi_int(raw, ty));
        }
        Ok(())
    }

    fn stream_field(&mut self, line: &mut Vec<u8>, row: usize) -> Result<()> {
        let name = match self.table.name() {
            // The virtual stream list: each row is a stream of the package
            // (a storage has no bytes to write).
            "_Streams" => self.list_name(row),
            "_Storages" => return Ok(()),
            _ => stream_name(self.table, row),
        };
        if !self.existing.contains(&name) {
            return Ok(());
        }
        if let Some(dir) = &self.stream_dir {
            let path = stream_file(dir, &name)?;
            write_file(&path, &self.package.read_stream(&name)?)?;
            self.files_written += 1;
        }
        line.extend_from_slice(name.as_bytes());
        Ok(())
    }

    fn list_name(&self, row: usize) -> String {
        let id = self.table.raw(row, 0).unwrap_or(0);
        self.table.strings().get(id).unwrap_or("").to_owned()
    }
}

/// An integer cell as libmsi's `msi_view_get_row` reads it: size-2 columns
/// are biased by 0x8000, every other size by 0x8000_0000 (for 4-byte
/// columns the same as flipping the top bit; sizes 0 and 1, stored in 2
/// bytes, come out as large negative numbers, as in msiinfo).
fn libmsi_int(raw: u32, ty: ColumnType) -> i64 {
    if ty.size() == 2 {
        i64::from(raw) - 0x8000
    } else {
        i64::from(raw.wrapping_sub(0x8000_0000) as i32)
    }
}

/// The name libmsi gives the stream of a row: the table name and each
/// primary key value, joined by `.`. Integer keys are written with their
/// bias removed even when NULL, as libmsi does.
fn stream_name(table: &Table, row: usize) -> String {
    let mut name = table.name().to_owned();
    for (col, column) in table.columns().iter().enumerate() {
        if !column.ty.is_key() {
            continue;
        }
        name.push('.');
        let raw = table.raw(row, col).unwrap_or(0);
        if column.ty.bits() & ColumnType::STRING != 0 {
            name.push_str(table.strings().get(raw).unwrap_or(""));
        } else if column.ty.size() <= 2 {
            // By stored width here (2 bytes up to size 2), unlike values.
            name.push_str(&(i64::from(raw) - 0x8000).to_string());
        } else {
            name.push_str(&((raw ^ 0x8000_0000) as i32).to_string());
        }
    }
    name
}

/// Appends `value` in decimal.
fn push_int(line: &mut Vec<u8>, value: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = value.unsigned_abs();
    loop {
        at -= 1;
        if let Some(d) = digits.get_mut(at) {
            *d = b'0' + (rest % 10) as u8;
        }
        rest /= 10;
        if rest == 0 || at == 0 {
            break;
        }
    }
    if value < 0 {
        line.push(b'-');
    }
    line.extend_from_slice(digits.get(at..).unwrap_or_default());
}

/// The type libmsi expects for a summary property id; `None` for ids it
/// does not know (reading stops there).
fn summary_kind(id: u32) -> Option<SummaryKind> {
    match id {
        1 => Some(SummaryKind::I2),
        2..=9 | 18 => Some(SummaryKind::Str),
        10..=13 => Some(SummaryKind::Time),
        14..=16 | 19 => Some(SummaryKind::I4),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SummaryKind {
    I2,
    I4,
    Str,
    Time,
}

/// The `_SummaryInformation` pseudo-table, as libmsi reads the property
/// set: properties in stored order until one it cannot take (an unknown
/// id, a type it cannot convert), strings given to integer properties read
/// as numbers, then written in id order.
fn write_summary(summary: &SummaryInfo, out: &mut impl Write) -> Result<()> {
    const HEADER: &[u8] = b"PropertyId\tValue\r\ni2\tl255\r\n_SummaryInformation\tPropertyId\r\n";
    const MAX_ID: usize = 20;
    out.write_all(HEADER).map_err(write_error)?;
    let properties = summary.properties();
    if properties.len() > MAX_ID {
        // libmsi refuses the whole set.
        return Ok(());
    }
    // The code page the strings were decoded with (a `VT_I2` PID 1 only).
    let codepage = match summary.get(crate::summary::pid::CODEPAGE) {
        Some(SummaryValue::I2(cp)) => u32::from(*cp as u16),
        _ => 0,
    };
    let mut values: Vec<Option<Vec<u8>>> = vec![None; MAX_ID];
    for (id, value) in properties {
        let Some(kind) = summary_kind(*id) else { break };
        let text = match (kind, value) {
            (SummaryKind::I2, SummaryValue::I2(v)) => (*v as u16).to_string().into_bytes(),
            (SummaryKind::I4, SummaryValue::I4(v)) => v.to_string().into_bytes(),
            (SummaryKind::I2 | SummaryKind::I4, SummaryValue::Str(s)) => {
                atoi(s).to_string().into_bytes()
            }
            (SummaryKind::Str, SummaryValue::Str(s)) => summary_bytes(codepage, s),
            (SummaryKind::Time, SummaryValue::FileTime(t)) => {
                // `YYYY-MM-DDTHH:MM:SSZ` to libmsi's `YYYY/MM/DD HH:MM:SS`.
                t.to_iso8601()
                    .trim_end_matches('Z')
                    .replace('-', "/")
                    .replace('T', " ")
                    .into_bytes()
            }
            _ => break,
        };
        if let Some(slot) = usize::try_from(*id).ok().and_then(|i| values.get_mut(i)) {
            *slot = Some(text);
        }
    }
    let mut line = Vec::with_capacity(128);
    for (id, value) in values.iter().enumerate() {
        let Some(value) = value else { continue };
        line.clear();
        push_int(&mut line, id as i64);
        line.push(b'\t');
        line.extend_from_slice(value);
        line.extend_from_slice(b"\r\n");
        out.write_all(&line).map_err(write_error)?;
    }
    Ok(())
}

/// A summary string as stored: libmsi copies the stored bytes without
/// decoding them, so olkit encodes the decoded text back.
fn summary_bytes(codepage: u32, text: &str) -> Vec<u8> {
    pool::encode(codepage, text).unwrap_or_else(|| text.as_bytes().to_vec())
}

/// C's `atoi`: optional blanks and sign, then decimal digits, 0 when none.
fn atoi(text: &str) -> i32 {
    let text = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or("")),
        Some(b'+') => (false, text.get(1..).unwrap_or("")),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        value = (value * 10 + i64::from(b - b'0')).min(i64::from(u32::MAX) + 1);
    }
    let value = if negative { -value } else { value };
    value as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_types_are_written_as_msiinfo_does() {
        let t = |bits: u16| idt_column_type(ColumnType::from_bits(bits));
        let v = ColumnType::VALID;
        let s = ColumnType::STRING;
        let n = ColumnType::NULLABLE;
        let k = ColumnType::KEY;
        let l = ColumnType::LOCALIZABLE;
        assert_eq!(t(v | s | k | 72), "s72");
        assert_eq!(t(v | s | n | 255), "S255");
        assert_eq!(t(v | s | l), "l0");
        assert_eq!(t(v | s | l | n | 255), "L255");
        assert_eq!(t(v | 2), "i2");
        assert_eq!(t(v | n | 4), "I4");
        assert_eq!(t(v | s), "v0");
        assert_eq!(t(v | s | n), "V0");
        assert_eq!(t(v | s | ColumnType::TEMPORARY | 10), "g10");
        assert_eq!(t(v | ColumnType::TEMPORARY | n | 2), "J2");
    }

    #[test]
    fn integers_are_decimal() {
        for value in [
            0i64,
            7,
            -7,
            32767,
            -32768,
            i64::from(i32::MIN),
            i64::from(i32::MAX),
        ] {
            let mut line = Vec::new();
            push_int(&mut line, value);
            assert_eq!(String::from_utf8(line).unwrap(), value.to_string());
        }
    }

    #[test]
    fn atoi_reads_a_leading_number() {
        assert_eq!(atoi(" 200"), 200);
        assert_eq!(atoi("-12abc"), -12);
        assert_eq!(atoi("x1"), 0);
        assert_eq!(atoi(""), 0);
    }

    #[test]
    fn stream_files_stay_in_their_directory() {
        let dir = Path::new("out");
        assert_eq!(
            stream_file(dir, "Binary.Logo").unwrap(),
            dir.join("Binary.Logo")
        );
        for bad in ["", ".", "..", "a/b", "../x", "a\0b"] {
            assert!(stream_file(dir, bad).is_err(), "{bad:?}");
        }
    }
}
