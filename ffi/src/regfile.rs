//! The C ABI of olkit-regfile: the `olk_reg_file` handle, a `.reg` file
//! (REGEDIT4 or version 5) parsed losslessly, with its accessors and edits.
//!
//! Status codes 1000-1999 belong to this module (`OLK_REG_*`); every
//! `olkit_regfile::Error` maps to one of them (`Io` to `OLK_IO`) and keeps
//! the library's message, line and column included, as the last error.
//!
//! Numbers that are not status codes (formats, encodings, parse flags,
//! value types) are C enums (`olk_reg_format`, ...). Functions take and
//! return them as `uint32_t`, so a number the library does not know is a
//! checked error, never undefined behaviour.

use std::ffi::c_char;

use olkit_regfile::{Encoding, Entry, Error, Format, Key, ParseOptions, RegFile, Value};

use crate::boundary::boundary;
use crate::error::FfiError;
use crate::status::{olk_status, OLK_INVALID_ARGUMENT, OLK_IO};
use crate::util::{
    bytes_arg, c_string, export_args, free_handle, handle_arg, handle_arg_mut, path_arg, slice_arg,
    str_arg, write_bytes, Out, Output,
};

/// The first line is neither `REGEDIT4` nor `Windows Registry Editor
/// Version 5.00`: not a `.reg` file.
pub const OLK_REG_BAD_HEADER: olk_status = 1000;
/// A line does not follow the `.reg` grammar (strict reading); the message
/// gives its line and column.
pub const OLK_REG_SYNTAX: olk_status = 1001;
/// The bytes are not valid in the file's encoding (UTF-16LE, UTF-8); the
/// message gives the line and byte offset.
pub const OLK_REG_ENCODING: olk_status = 1002;
/// The input is larger than the size limit (`max_bytes`).
pub const OLK_REG_TOO_LARGE: olk_status = 1003;
/// The key or value is not in the file.
pub const OLK_REG_NOT_FOUND: olk_status = 1004;
/// A rename would overwrite a value that exists already.
pub const OLK_REG_VALUE_EXISTS: olk_status = 1005;
/// A key path cannot be written to a `.reg` file (no registry root such as
/// `HKEY_CURRENT_USER`, a line break or NUL).
pub const OLK_REG_INVALID_KEY_PATH: olk_status = 1006;
/// A value name cannot be written to a `.reg` file (today only a name with
/// a NUL character, which a C string cannot carry).
pub const OLK_REG_INVALID_VALUE_NAME: olk_status = 1007;
/// Text the file's encoding cannot represent (Windows-1252 for `REGEDIT4`).
pub const OLK_REG_UNENCODABLE: olk_status = 1008;
/// A typed accessor was used on a value of another type.
pub const OLK_REG_TYPE_MISMATCH: olk_status = 1009;
/// The value has the right type but its bytes do not decode as that type
/// (a `REG_DWORD` that is not 4 bytes, UTF-16 with an odd length...).
pub const OLK_REG_BAD_DATA: olk_status = 1010;

/// A `.reg` file (`REGEDIT4` or `Windows Registry Editor Version 5.00`),
/// parsed losslessly: writing it back without edits gives the input byte
/// for byte, and edits change only the lines they concern.
///
/// Created by `olk_reg_file_parse`, `olk_reg_file_open` or
/// `olk_reg_file_new`; released by `olk_reg_file_free`.
///
/// Thread safety: functions that take a `const olk_reg_file *` only read
/// the file and may run concurrently on one handle from several threads;
/// a function that takes a non-const `olk_reg_file *` (an edit, or
/// `olk_reg_file_free`) must not run concurrently with any other call on
/// the same handle. Different handles are independent.
#[allow(non_camel_case_types, reason = "C name")]
pub struct olk_reg_file {
    file: RegFile,
}

/// The two `.reg` file formats (`uint32_t` values in function signatures).
#[repr(u32)]
#[allow(non_camel_case_types, reason = "C names")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_reg_format {
    /// `REGEDIT4`: text in the ANSI code page (Windows-1252).
    OLK_REG_FORMAT_REGEDIT4 = 4,
    /// `Windows Registry Editor Version 5.00`: Unicode text.
    OLK_REG_FORMAT_REGEDIT5 = 5,
}

/// The text encodings of `.reg` files (`uint32_t` values in function
/// signatures). The `OLK_REG_ENC_` prefix keeps them apart from the status
/// code `OLK_REG_ENCODING`.
#[repr(u32)]
#[allow(non_camel_case_types, reason = "C names")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_reg_encoding {
    /// Windows-1252, the ANSI code page of `REGEDIT4` files.
    OLK_REG_ENC_WINDOWS_1252 = 1,
    /// UTF-16 little-endian with a byte order mark: what regedit writes for
    /// version 5.
    OLK_REG_ENC_UTF16LE = 2,
    /// UTF-8 without a byte order mark.
    OLK_REG_ENC_UTF8 = 3,
    /// UTF-8 with a byte order mark.
    OLK_REG_ENC_UTF8_BOM = 4,
}

/// Flags of `olk_reg_file_parse` and `olk_reg_file_open`, combined with `|`
/// into a `uint32_t`; 0 is strict reading.
#[repr(u32)]
#[allow(non_camel_case_types, reason = "C names")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_reg_parse_flags {
    /// Lenient reading: lines that do not parse are skipped, as regedit's
    /// import skips them, and reported as warnings
    /// (`olk_reg_file_warning`). Without it the first such line fails with
    /// `OLK_REG_SYNTAX`.
    OLK_REG_PARSE_LENIENT = 1,
}

/// All the bits of `olk_reg_parse_flags`.
const KNOWN_PARSE_FLAGS: u32 = olk_reg_parse_flags::OLK_REG_PARSE_LENIENT as u32;

/// Registry value types: Windows's own `REG_*` numbers (`uint32_t` values
/// in function signatures). A `.reg` file may hold any 32-bit type number
/// (`hex(N):`), so values outside this list can occur and are kept.
#[repr(u32)]
#[allow(non_camel_case_types, reason = "C names")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_reg_type {
    /// `REG_NONE`.
    OLK_REG_NONE = 0,
    /// `REG_SZ`: a NUL-terminated UTF-16LE string.
    OLK_REG_SZ = 1,
    /// `REG_EXPAND_SZ`: a UTF-16LE string with `%VARIABLE%` references.
    OLK_REG_EXPAND_SZ = 2,
    /// `REG_BINARY`.
    OLK_REG_BINARY = 3,
    /// `REG_DWORD`: a little-endian 32-bit number.
    OLK_REG_DWORD = 4,
    /// `REG_DWORD_BIG_ENDIAN`: a big-endian 32-bit number.
    OLK_REG_DWORD_BIG_ENDIAN = 5,
    /// `REG_LINK`: a UTF-16LE symbolic link target.
    OLK_REG_LINK = 6,
    /// `REG_MULTI_SZ`: NUL-terminated UTF-16LE strings, then one more NUL.
    OLK_REG_MULTI_SZ = 7,
    /// `REG_RESOURCE_LIST`.
    OLK_REG_RESOURCE_LIST = 8,
    /// `REG_FULL_RESOURCE_DESCRIPTOR`.
    OLK_REG_FULL_RESOURCE_DESCRIPTOR = 9,
    /// `REG_RESOURCE_REQUIREMENTS_LIST`.
    OLK_REG_RESOURCE_REQUIREMENTS_LIST = 10,
    /// `REG_QWORD`: a little-endian 64-bit number.
    OLK_REG_QWORD = 11,
}

impl From<Error> for FfiError {
    fn from(err: Error) -> Self {
        let status = match &err {
            Error::Io { .. } => OLK_IO,
            Error::TooLarge { .. } => OLK_REG_TOO_LARGE,
            Error::BadHeader => OLK_REG_BAD_HEADER,
            Error::Encoding { .. } => OLK_REG_ENCODING,
            Error::Syntax { .. } => OLK_REG_SYNTAX,
            Error::InvalidKeyPath { .. } => OLK_REG_INVALID_KEY_PATH,
            Error::InvalidValueName { .. } => OLK_REG_INVALID_VALUE_NAME,
            Error::KeyNotFound { .. } | Error::ValueNotFound { .. } => OLK_REG_NOT_FOUND,
            Error::ValueExists { .. } => OLK_REG_VALUE_EXISTS,
            Error::Unencodable { .. } => OLK_REG_UNENCODABLE,
            Error::TypeMismatch { .. } => OLK_REG_TYPE_MISMATCH,
            Error::BadData { .. } => OLK_REG_BAD_DATA,
            // `Error` is #[non_exhaustive]: a variant added to the library
            // later fails with a general code until it gets its own here.
            _ => OLK_INVALID_ARGUMENT,
        };
        FfiError::new(status, err.to_string())
    }
}

fn format_code(format: Format) -> u32 {
    match format {
        Format::Regedit4 => olk_reg_format::OLK_REG_FORMAT_REGEDIT4 as u32,
        Format::Regedit5 => olk_reg_format::OLK_REG_FORMAT_REGEDIT5 as u32,
    }
}

fn format_from_code(code: u32) -> Result<Format, FfiError> {
    match code {
        c if c == olk_reg_format::OLK_REG_FORMAT_REGEDIT4 as u32 => Ok(Format::Regedit4),
        c if c == olk_reg_format::OLK_REG_FORMAT_REGEDIT5 as u32 => Ok(Format::Regedit5),
        _ => Err(FfiError::invalid_argument(format!(
            "argument `format`: {code} is not a .reg format \
             (OLK_REG_FORMAT_REGEDIT4 = 4 or OLK_REG_FORMAT_REGEDIT5 = 5)"
        ))),
    }
}

fn encoding_code(encoding: Encoding) -> u32 {
    let code = match encoding {
        Encoding::Windows1252 => olk_reg_encoding::OLK_REG_ENC_WINDOWS_1252,
        Encoding::Utf16Le => olk_reg_encoding::OLK_REG_ENC_UTF16LE,
        Encoding::Utf8 => olk_reg_encoding::OLK_REG_ENC_UTF8,
        Encoding::Utf8Bom => olk_reg_encoding::OLK_REG_ENC_UTF8_BOM,
    };
    code as u32
}

/// The parse options of `flags` and `max_bytes` (0: the default limit).
fn parse_options(flags: u32, max_bytes: u64) -> Result<ParseOptions, FfiError> {
    let unknown = flags & !KNOWN_PARSE_FLAGS;
    if unknown != 0 {
        return Err(FfiError::invalid_argument(format!(
            "argument `flags`: unknown flag bits {unknown:#x} (known: OLK_REG_PARSE_LENIENT = 1)"
        )));
    }
    let limit = if max_bytes == 0 {
        ParseOptions::DEFAULT_MAX_INPUT_BYTES
    } else {
        max_bytes
    };
    Ok(ParseOptions::new()
        .lenient(flags & KNOWN_PARSE_FLAGS != 0)
        .max_input_bytes(limit))
}

fn key_at(file: &RegFile, index: usize) -> Result<Key<'_>, FfiError> {
    file.key_at(index).ok_or_else(|| {
        FfiError::out_of_range(format!(
            "key index {index} is out of range: the file has {} key lines",
            file.key_count()
        ))
    })
}

fn entry_at<'a>(key: &Key<'a>, key_index: usize, index: usize) -> Result<Entry<'a>, FfiError> {
    key.entries().nth(index).ok_or_else(|| {
        FfiError::out_of_range(format!(
            "entry index {index} is out of range: key line {key_index} ({:?}) has {} entries",
            key.path(),
            key.entries().count()
        ))
    })
}

/// The value `name` of `key` as importing the file would leave it, or
/// `OLK_REG_NOT_FOUND` naming both.
fn lookup<'f>(file: &'f RegFile, key: &str, name: &str) -> Result<&'f Value, FfiError> {
    file.get(key, name).ok_or_else(|| {
        Error::ValueNotFound {
            key: key.to_owned(),
            name: name.to_owned(),
        }
        .into()
    })
}

/// A typed accessor's error, saying which value it was about.
fn about_value<'a>(key: &'a str, name: &'a str) -> impl FnOnce(Error) -> FfiError + 'a {
    move |err| FfiError::from(err).context(&format!("value {name:?} of {key:?}"))
}

/// The body of a typed getter: looks up value `name` of `key`, reads it
/// with the typed accessor `typed` (whose error names the value) and stores
/// what `output` makes of that in `*out`.
///
/// # Safety
///
/// `file` must be NULL or a live handle; `key` and `name` must be NULL or
/// NUL-terminated; `out` must be NULL or writable.
unsafe fn get_typed<U, T: Output>(
    file: *const olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    out: *mut T::Raw,
    typed: impl FnOnce(&Value) -> Result<U, Error>,
    output: impl FnOnce(U) -> Result<T, FfiError>,
) -> olk_status {
    // SAFETY: the caller guarantees `file` is NULL or a live handle, `key`
    // and `name` NULL or NUL-terminated, and `out` NULL or writable.
    unsafe {
        export_args(
            || {
                Ok((
                    handle_arg(file, "file")?,
                    str_arg(key, "key")?,
                    str_arg(name, "name")?,
                ))
            },
            out,
            |(file, key, name)| {
                output(typed(lookup(&file.file, key, name)?).map_err(about_value(key, name))?)
            },
        )
    }
}

/// Writes a `0`/`1` flag.
/// The body of an export that reads one plain value of the file into `*out`.
///
/// # Safety
///
/// `file` must be NULL or a live handle; `out` must be NULL or writable.
unsafe fn read_into<T>(
    file: *const olk_reg_file,
    out: *mut T,
    read: impl FnOnce(&RegFile) -> T,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle.
        let file = unsafe { handle_arg(file, "file") }?;
        // SAFETY: the caller guarantees `out` is NULL or writable.
        let out = unsafe { Out::new(out, "out") }?;
        out.write(read(&file.file));
        Ok(())
    })
}

/// The body of `olk_reg_file_add_key` and `olk_reg_file_delete_key`: an
/// edit of key `path` that stores in `*changed`, unless it is NULL, whether
/// it changed the file.
///
/// # Safety
///
/// `file` must be NULL or a live handle used by no other thread; `path`
/// must be NULL or NUL-terminated; `changed` must be NULL or writable.
unsafe fn key_edit(
    file: *mut olk_reg_file,
    path: *const c_char,
    changed: *mut u8,
    edit: impl FnOnce(&mut RegFile, &str) -> Result<bool, Error>,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle used
        // by no other thread, and `path` is NULL or NUL-terminated.
        let (file, path) = unsafe { (handle_arg_mut(file, "file")?, str_arg(path, "path")?) };
        // SAFETY: the caller guarantees `changed` is NULL or writable.
        let changed_out = unsafe { Out::optional(changed) };
        let changed = edit(&mut file.file, path)?;
        if let Some(out) = changed_out {
            write_flag(out, changed);
        }
        Ok(())
    })
}

fn write_flag(out: Out<u8>, flag: bool) {
    out.write(u8::from(flag));
}

// ---------------------------------------------------------------------------
// Creating and freeing

/// Parses the `.reg` file in the `len` bytes at `data` (any encoding
/// regedit reads: UTF-16LE with BOM, UTF-8 with or without BOM, or
/// Windows-1252 for `REGEDIT4`) and returns a new handle in `*out`, to be
/// released with `olk_reg_file_free`. The bytes are copied; `data` may be
/// NULL when `len` is 0.
///
/// `flags`: 0 (strict) or `OLK_REG_PARSE_LENIENT`; other bits give
/// `OLK_INVALID_ARGUMENT`. `max_bytes`: inputs larger than this fail with
/// `OLK_REG_TOO_LARGE`; 0 means the default limit of 512 MiB.
///
/// Errors: `OLK_NULL_ARGUMENT` (`data` with `len` > 0, or `out`),
/// `OLK_INVALID_ARGUMENT`, `OLK_REG_TOO_LARGE`, `OLK_REG_BAD_HEADER`,
/// `OLK_REG_ENCODING`, `OLK_REG_SYNTAX` (strict reading; the message has
/// the line and column).
///
/// # Safety
///
/// `data` must be NULL or readable for `len` bytes; `out` must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_parse(
    data: *const u8,
    len: usize,
    flags: u32,
    max_bytes: u64,
    out: *mut *mut olk_reg_file,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `data` is NULL or readable for `len` bytes.
        let data = unsafe { bytes_arg(data, len, "data") }?;
        // SAFETY: the caller guarantees `out` is NULL or writable.
        let out = unsafe { Out::new(out, "out") }?;
        let options = parse_options(flags, max_bytes)?;
        let file = RegFile::parse_with(data, &options)?;
        out.write_handle(olk_reg_file { file });
        Ok(())
    })
}

/// Reads and parses the `.reg` file at `path` (UTF-8) and returns a new
/// handle in `*out`, to be released with `olk_reg_file_free`. `flags` and
/// `max_bytes` as for `olk_reg_file_parse`; a file over the limit is
/// refused before it is read.
///
/// Errors: those of `olk_reg_file_parse` (their messages start with the
/// path), `OLK_INVALID_UTF8` (`path`), `OLK_IO` (the file cannot be read).
///
/// # Safety
///
/// `path` must be NULL or NUL-terminated; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_open(
    path: *const c_char,
    flags: u32,
    max_bytes: u64,
    out: *mut *mut olk_reg_file,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `path` is NULL or NUL-terminated.
        let path = unsafe { path_arg(path, "path") }?;
        // SAFETY: the caller guarantees `out` is NULL or writable.
        let out = unsafe { Out::new(out, "out") }?;
        let options = parse_options(flags, max_bytes)?;
        let file = RegFile::read_with(path, &options).map_err(|err| match err {
            // An I/O error names the path already.
            Error::Io { .. } => FfiError::from(err),
            _ => FfiError::from(err).context(&path.display().to_string()),
        })?;
        out.write_handle(olk_reg_file { file });
        Ok(())
    })
}

/// Creates an empty file with just the header line of `format`
/// (`OLK_REG_FORMAT_REGEDIT4` or `OLK_REG_FORMAT_REGEDIT5`), in the
/// encoding regedit writes it in (Windows-1252, or UTF-16LE with BOM), and
/// returns it in `*out`, to be released with `olk_reg_file_free`.
///
/// Errors: `OLK_NULL_ARGUMENT` (`out`), `OLK_INVALID_ARGUMENT` (`format`).
///
/// # Safety
///
/// `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_new(format: u32, out: *mut *mut olk_reg_file) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `out` is NULL or writable.
        let out = unsafe { Out::new(out, "out") }?;
        let format = format_from_code(format)?;
        out.write_handle(olk_reg_file {
            file: RegFile::new(format),
        });
        Ok(())
    })
}

/// Releases a handle created by `olk_reg_file_parse`, `olk_reg_file_open`
/// or `olk_reg_file_new`. NULL is a no-op. Does not change the last error.
///
/// # Safety
///
/// `file` must be NULL or a live handle, not used again afterwards and not
/// in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_free(file: *mut olk_reg_file) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(file) }
}

// ---------------------------------------------------------------------------
// File information

/// Stores the file's format in `*out`: `OLK_REG_FORMAT_REGEDIT4` or
/// `OLK_REG_FORMAT_REGEDIT5`.
///
/// # Safety
///
/// `file` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_format(
    file: *const olk_reg_file,
    out: *mut u32,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { read_into(file, out, |f| format_code(f.format())) }
}

/// Stores the file's text encoding in `*out`: one of `olk_reg_encoding`
/// (`OLK_REG_ENC_WINDOWS_1252`, `OLK_REG_ENC_UTF16LE`, `OLK_REG_ENC_UTF8`,
/// `OLK_REG_ENC_UTF8_BOM`). Edits write new lines in it.
///
/// # Safety
///
/// `file` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_encoding(
    file: *const olk_reg_file,
    out: *mut u32,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { read_into(file, out, |f| encoding_code(f.encoding())) }
}

/// Stores in `*out` the number of lines lenient reading skipped (always 0
/// for a file read strictly or created by `olk_reg_file_new`).
///
/// # Safety
///
/// `file` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_warning_count(
    file: *const olk_reg_file,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { read_into(file, out, |f| f.warnings().len()) }
}

/// Describes the line lenient reading skipped at position `index` (0-based,
/// in file order): its 1-based `*line` and `*column` (in characters) and
/// `*message`, the full English text ("line 4, column 1: ... (line
/// skipped)"), to be freed with `olk_string_free`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE` (`index` >= the count
/// of `olk_reg_file_warning_count`).
///
/// # Safety
///
/// `file` must be NULL or a live handle; `line`, `column` and `message`
/// must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_warning(
    file: *const olk_reg_file,
    index: usize,
    line: *mut usize,
    column: *mut usize,
    message: *mut *mut c_char,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle.
        let file = unsafe { handle_arg(file, "file") }?;
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (line, column, message) = unsafe {
            (
                Out::new(line, "line")?,
                Out::new(column, "column")?,
                Out::new(message, "message")?,
            )
        };
        let warnings = file.file.warnings();
        let warning = warnings.get(index).ok_or_else(|| {
            FfiError::out_of_range(format!(
                "warning index {index} is out of range: the file has {} warnings",
                warnings.len()
            ))
        })?;
        let text = c_string(warning.to_string(), "the warning")?;
        line.write(warning.line);
        column.write(warning.column);
        message.write_string(text);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Iteration: key lines and their entries, in file order

/// Stores in `*out` the number of key lines (`[KEY]` and `[-KEY]`) of the
/// file. A key may have several key lines; they are numbered 0 to
/// `*out` - 1 in file order.
///
/// # Safety
///
/// `file` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_key_count(
    file: *const olk_reg_file,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { read_into(file, out, |f| f.key_count()) }
}

/// Describes key line `key_index` (0-based, file order): `*path`, the key
/// path as spelled in the file without `[`, `]` or `-`, to be freed with
/// `olk_string_free`; `*is_deletion`, 1 for a `[-KEY]` line (which deletes
/// the key and its subkeys) and 0 otherwise; `*line`, its 1-based line
/// number in the input, or 0 for a key an edit added.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE` (`key_index`),
/// `OLK_EMBEDDED_NUL` (a path with a NUL character).
///
/// # Safety
///
/// `file` must be NULL or a live handle; `path`, `is_deletion` and `line`
/// must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_key(
    file: *const olk_reg_file,
    key_index: usize,
    path: *mut *mut c_char,
    is_deletion: *mut u8,
    line: *mut usize,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle.
        let file = unsafe { handle_arg(file, "file") }?;
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (path, is_deletion, line) = unsafe {
            (
                Out::new(path, "path")?,
                Out::new(is_deletion, "is_deletion")?,
                Out::new(line, "line")?,
            )
        };
        let key = key_at(&file.file, key_index)?;
        let text = c_string(key.path(), "the key path")?;
        path.write_string(text);
        write_flag(is_deletion, key.is_deletion());
        line.write(key.line());
        Ok(())
    })
}

/// Stores in `*out` the number of entries (value assignments `"name"=...`
/// and value deletions `"name"=-`) under key line `key_index`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE` (`key_index`).
///
/// # Safety
///
/// `file` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_entry_count(
    file: *const olk_reg_file,
    key_index: usize,
    out: *mut usize,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle.
        let file = unsafe { handle_arg(file, "file") }?;
        // SAFETY: the caller guarantees `out` is NULL or writable.
        let out = unsafe { Out::new(out, "out") }?;
        let key = key_at(&file.file, key_index)?;
        out.write(key.entries().count());
        Ok(())
    })
}

/// Describes entry `entry_index` (0-based, file order) under key line
/// `key_index`:
///
/// - `*name`: the value name, "" for the default value (`@`), to be freed
///   with `olk_string_free`;
/// - `*type`: the value type (`olk_reg_type`, or any other number the file
///   gave with `hex(N):`); 0 for a deletion;
/// - `*is_deletion`: 1 for a `"name"=-` line, else 0;
/// - `*data` / `*data_len`: the bytes the registry would hold (strings are
///   UTF-16LE with their NUL), to be freed with
///   `olk_bytes_free(*data, *data_len)`; NULL and 0 for a deletion or empty
///   data;
/// - `*line`: the 1-based line number in the input, 0 for a line an edit
///   wrote.
///
/// Each call walks the key line's entries up to `entry_index`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE` (`key_index` or
/// `entry_index`), `OLK_EMBEDDED_NUL` (a name with a NUL character).
///
/// # Safety
///
/// `file` must be NULL or a live handle; every output must be NULL or
/// writable.
#[allow(clippy::too_many_arguments, reason = "C out-parameters")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_entry(
    file: *const olk_reg_file,
    key_index: usize,
    entry_index: usize,
    name: *mut *mut c_char,
    r#type: *mut u32,
    is_deletion: *mut u8,
    data: *mut *mut u8,
    data_len: *mut usize,
    line: *mut usize,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle.
        let file = unsafe { handle_arg(file, "file") }?;
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (name, ty, is_deletion, data, data_len, line) = unsafe {
            (
                Out::new(name, "name")?,
                Out::new(r#type, "type")?,
                Out::new(is_deletion, "is_deletion")?,
                Out::new(data, "data")?,
                Out::new(data_len, "data_len")?,
                Out::new(line, "line")?,
            )
        };
        let key = key_at(&file.file, key_index)?;
        let entry = entry_at(&key, key_index, entry_index)?;
        let text = c_string(entry.name(), "the value name")?;
        name.write_string(text);
        let value = entry.value();
        ty.write(value.map_or(0, |v| v.ty().0));
        write_flag(is_deletion, value.is_none());
        write_bytes(
            data,
            data_len,
            value.map(|v| v.data().to_vec()).unwrap_or_default(),
        );
        line.write(entry.line());
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Lookup

/// Looks up value `name` of `key` as importing the file would leave it:
/// key and value names compare case-insensitively (as Windows compares
/// them), the last assignment in the file wins, and a later `"name"=-`,
/// `[-KEY]` or `[-PARENT]` removes it. `name` "" is the default value (`@`);
/// it must not be NULL.
///
/// Stores the type in `*type` and the data, the bytes the registry would
/// hold, in `*data` / `*len`, to be freed with `olk_bytes_free(*data,
/// *len)` (NULL and 0 for empty data).
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8` (`key`, `name`),
/// `OLK_REG_NOT_FOUND` (the message names the key and the value).
///
/// # Safety
///
/// `file` must be NULL or a live handle; `key` and `name` must be NULL or
/// NUL-terminated; the outputs must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_get_value(
    file: *const olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    r#type: *mut u32,
    data: *mut *mut u8,
    len: *mut usize,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle, and
        // `key` and `name` are NULL or NUL-terminated.
        let (file, key, name) = unsafe {
            (
                handle_arg(file, "file")?,
                str_arg(key, "key")?,
                str_arg(name, "name")?,
            )
        };
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (ty, data, len) = unsafe {
            (
                Out::new(r#type, "type")?,
                Out::new(data, "data")?,
                Out::new(len, "len")?,
            )
        };
        let value = lookup(&file.file, key, name)?;
        ty.write(value.ty().0);
        write_bytes(data, len, value.data().to_vec());
        Ok(())
    })
}

/// Looks up value `name` of `key` (as `olk_reg_file_get_value`) and stores
/// its text in `*out` as UTF-8, to be freed with `olk_string_free`. The
/// value must be `REG_SZ`, `REG_EXPAND_SZ` (returned unexpanded) or
/// `REG_LINK`; its text ends at its first NUL, as Windows reads it, and
/// unpaired UTF-16 surrogates become U+FFFD.
///
/// Errors: those of `olk_reg_file_get_value`, `OLK_REG_TYPE_MISMATCH`
/// (another type), `OLK_REG_BAD_DATA` (an odd number of bytes).
///
/// # Safety
///
/// `file` must be NULL or a live handle; `key` and `name` must be NULL or
/// NUL-terminated; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_get_string(
    file: *const olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        get_typed(file, key, name, out, Value::as_str, |text| {
            Ok(Some(c_string(text, "the string")?))
        })
    }
}

/// Looks up the `REG_MULTI_SZ` value `name` of `key` (as
/// `olk_reg_file_get_value`) and returns its strings as one buffer of
/// `*len` bytes at `*data`: `*count` UTF-8 strings, each followed by a NUL
/// byte, in order (no string contains a NUL; the list ends at the value's
/// first empty string, as Windows reads it). Read it in C with
/// `for (p = data; count--; p += strlen(p) + 1)`. Free it with
/// `olk_bytes_free(*data, *len)`; an empty list is NULL, 0 bytes, count 0.
///
/// Errors: those of `olk_reg_file_get_value`, `OLK_REG_TYPE_MISMATCH`
/// (another type), `OLK_REG_BAD_DATA` (an odd number of bytes).
///
/// # Safety
///
/// `file` must be NULL or a live handle; `key` and `name` must be NULL or
/// NUL-terminated; the outputs must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_get_multi_string(
    file: *const olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    data: *mut *mut u8,
    len: *mut usize,
    count: *mut usize,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle, and
        // `key` and `name` are NULL or NUL-terminated.
        let (file, key, name) = unsafe {
            (
                handle_arg(file, "file")?,
                str_arg(key, "key")?,
                str_arg(name, "name")?,
            )
        };
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (data, len, count) = unsafe {
            (
                Out::new(data, "data")?,
                Out::new(len, "len")?,
                Out::new(count, "count")?,
            )
        };
        let items = lookup(&file.file, key, name)?
            .as_multi_string()
            .map_err(about_value(key, name))?;
        let mut buffer = Vec::with_capacity(items.iter().map(|s| s.len() + 1).sum());
        for item in &items {
            // `as_multi_string` splits at NULs, so no item holds one.
            buffer.extend(c_string(item.as_str(), "a string of the list")?.as_bytes_with_nul());
        }
        count.write(items.len());
        write_bytes(data, len, buffer);
        Ok(())
    })
}

/// Looks up value `name` of `key` (as `olk_reg_file_get_value`) and stores
/// its number in `*out`. The value must be `REG_DWORD` (little-endian) or
/// `REG_DWORD_BIG_ENDIAN`, of exactly 4 bytes.
///
/// Errors: those of `olk_reg_file_get_value`, `OLK_REG_TYPE_MISMATCH`,
/// `OLK_REG_BAD_DATA` (not 4 bytes).
///
/// # Safety
///
/// `file` must be NULL or a live handle; `key` and `name` must be NULL or
/// NUL-terminated; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_get_u32(
    file: *const olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    out: *mut u32,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { get_typed(file, key, name, out, Value::as_u32, Ok) }
}

/// Looks up value `name` of `key` (as `olk_reg_file_get_value`) and stores
/// its number in `*out`. The value must be `REG_QWORD` (little-endian), of
/// exactly 8 bytes.
///
/// Errors: those of `olk_reg_file_get_value`, `OLK_REG_TYPE_MISMATCH`,
/// `OLK_REG_BAD_DATA` (not 8 bytes).
///
/// # Safety
///
/// `file` must be NULL or a live handle; `key` and `name` must be NULL or
/// NUL-terminated; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_get_u64(
    file: *const olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    out: *mut u64,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { get_typed(file, key, name, out, Value::as_u64, Ok) }
}

// ---------------------------------------------------------------------------
// Edits. A failed edit leaves the file unchanged.

/// The body of the exports that set a text value: `text` read as UTF-8 and
/// made a value by `make` (`Value::string`, `Value::expand_string`).
///
/// # Safety
///
/// As for `set_with`; `text` must be NULL or NUL-terminated.
unsafe fn set_text(
    file: *mut olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    text: *const c_char,
    make: fn(&str) -> Value,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        set_with(file, key, name, || {
            // SAFETY: the caller guarantees `text` is NULL or NUL-terminated.
            let text = str_arg(text, "text")?;
            Ok(make(text))
        })
    }
}

/// The common part of the `olk_reg_file_set_*` functions: checks the
/// handle, key and name, builds the value (which may fail), sets it.
///
/// # Safety
///
/// As for the exports: `file` NULL or a live handle used by no other
/// thread; `key` and `name` NULL or NUL-terminated.
unsafe fn set_with(
    file: *mut olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    value: impl FnOnce() -> Result<Value, FfiError>,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle used
        // by no other thread, and `key` and `name` are NULL or NUL-terminated.
        let (file, key, name) = unsafe {
            (
                handle_arg_mut(file, "file")?,
                str_arg(key, "key")?,
                str_arg(name, "name")?,
            )
        };
        let value = value()?;
        file.file.set_value(key, name, value)?;
        Ok(())
    })
}

/// Sets value `name` ("" for the default value) of `key` to the `REG_SZ`
/// string `text` (UTF-8). The line that assigns the value last is
/// rewritten, or a line is added at the end of the key's last section, or
/// a new `[key]` section is added at the end of the file; the new line is
/// written as regedit writes it (`"name"="text"`, or `hex(1):` when the
/// text cannot be written as a quoted string).
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_REG_INVALID_KEY_PATH`
/// (not under a registry root such as `HKEY_CURRENT_USER`, an empty
/// component, a line break), `OLK_REG_INVALID_VALUE_NAME` (a name the file
/// cannot hold), `OLK_REG_UNENCODABLE` (text a `REGEDIT4` file cannot hold:
/// a key path or name outside Windows-1252, or such `REG_EXPAND_SZ` or
/// `REG_MULTI_SZ` data; `REG_SZ` data is then written as `hex(1):`).
/// On failure the file is unchanged.
///
/// # Safety
///
/// `file` must be NULL or a live handle used by no other thread; `key`,
/// `name` and `text` must be NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_set_string(
    file: *mut olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    text: *const c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { set_text(file, key, name, text, Value::string) }
}

/// As `olk_reg_file_set_string`, but the value is a `REG_EXPAND_SZ`
/// (written `hex(2):...`): `%VARIABLE%` references are kept unexpanded.
///
/// # Safety
///
/// `file` must be NULL or a live handle used by no other thread; `key`,
/// `name` and `text` must be NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_set_expand_string(
    file: *mut olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    text: *const c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { set_text(file, key, name, text, Value::expand_string) }
}

/// Sets value `name` of `key` to a `REG_MULTI_SZ` holding the `count`
/// UTF-8 strings at `items` (written `hex(7):...`); `items` may be NULL
/// when `count` is 0 (an empty list). Placement and errors as for
/// `olk_reg_file_set_string`; also `OLK_NULL_ARGUMENT` for a NULL item and
/// `OLK_INVALID_ARGUMENT` for an empty item, which Windows would read as
/// the end of the list. On failure the file is unchanged.
///
/// # Safety
///
/// `file` must be NULL or a live handle used by no other thread; `key` and
/// `name` must be NULL or NUL-terminated; `items` must be NULL or point to
/// `count` pointers, each NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_set_multi_string(
    file: *mut olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    items: *const *const c_char,
    count: usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        set_with(file, key, name, || {
            // SAFETY: the caller guarantees `items` is NULL or readable for `count` pointers.
            let pointers = slice_arg(items, count, "items")?;
            let mut strings = Vec::with_capacity(pointers.len());
            for (i, &item) in pointers.iter().enumerate() {
                let what = format!("items[{i}]");
                // SAFETY: the caller guarantees each item is NULL or NUL-terminated.
                let item = str_arg(item, &what)?;
                if item.is_empty() {
                    return Err(FfiError::invalid_argument(format!(
                        "argument `{what}` is empty: a REG_MULTI_SZ cannot hold an empty \
                         string (Windows reads it as the end of the list)"
                    )));
                }
                strings.push(item);
            }
            Ok(Value::multi_string(&strings))
        })
    }
}

/// Sets value `name` of `key` to the `REG_DWORD` `number` (written
/// `"name"=dword:xxxxxxxx`). Placement and errors as for
/// `olk_reg_file_set_string`.
///
/// # Safety
///
/// `file` must be NULL or a live handle used by no other thread; `key` and
/// `name` must be NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_set_u32(
    file: *mut olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    number: u32,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { set_with(file, key, name, || Ok(Value::dword(number))) }
}

/// Sets value `name` of `key` to the `REG_QWORD` `number` (written
/// `hex(b):` with 8 little-endian bytes). Placement and errors as for
/// `olk_reg_file_set_string`.
///
/// # Safety
///
/// `file` must be NULL or a live handle used by no other thread; `key` and
/// `name` must be NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_set_u64(
    file: *mut olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    number: u64,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { set_with(file, key, name, || Ok(Value::qword(number))) }
}

/// Sets value `name` of `key` to type `type` (any 32-bit number, usually
/// one of `olk_reg_type`) with the `len` raw bytes at `data` (copied;
/// `data` may be NULL when `len` is 0), written as regedit writes that type
/// (`dword:` for a 4-byte `REG_DWORD`, `"..."` for a `REG_SZ` that reads
/// back the same, `hex(N):` otherwise). Placement and errors as for
/// `olk_reg_file_set_string`.
///
/// # Safety
///
/// `file` must be NULL or a live handle used by no other thread; `key` and
/// `name` must be NULL or NUL-terminated; `data` must be NULL or readable
/// for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_set_value(
    file: *mut olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    r#type: u32,
    data: *const u8,
    len: usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        set_with(file, key, name, || {
            // SAFETY: the caller guarantees `data` is NULL or readable for `len` bytes.
            let data = bytes_arg(data, len, "data")?;
            Ok(Value::new(olkit_regfile::RegType(r#type), data.to_vec()))
        })
    }
}

/// Renames value `from` of `key` to `to` on every line that assigns or
/// deletes it (names compare case-insensitively; a change of case only is
/// allowed). Each renamed line is rewritten as regedit writes it.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_REG_NOT_FOUND`
/// (`from` is not under `key`), `OLK_REG_VALUE_EXISTS` (`to` is),
/// `OLK_REG_INVALID_VALUE_NAME`, `OLK_REG_UNENCODABLE`. On failure the file
/// is unchanged.
///
/// # Safety
///
/// `file` must be NULL or a live handle used by no other thread; `key`,
/// `from` and `to` must be NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_rename_value(
    file: *mut olk_reg_file,
    key: *const c_char,
    from: *const c_char,
    to: *const c_char,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle used
        // by no other thread, and the strings are NULL or NUL-terminated.
        let (file, key, from, to) = unsafe {
            (
                handle_arg_mut(file, "file")?,
                str_arg(key, "key")?,
                str_arg(from, "from")?,
                str_arg(to, "to")?,
            )
        };
        file.file.rename_value(key, from, to)?;
        Ok(())
    })
}

/// Removes every line that assigns or deletes value `name` ("" for the
/// default value) of `key`, under every key line of `key`. Stores in
/// `*removed`, unless `removed` is NULL, 1 if there was any, else 0 (which
/// is not an error).
///
/// Errors: `OLK_NULL_ARGUMENT` (`file`, `key`, `name`), `OLK_INVALID_UTF8`.
///
/// # Safety
///
/// `file` must be NULL or a live handle used by no other thread; `key` and
/// `name` must be NULL or NUL-terminated; `removed` must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_delete_value(
    file: *mut olk_reg_file,
    key: *const c_char,
    name: *const c_char,
    removed: *mut u8,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle used
        // by no other thread, and the strings are NULL or NUL-terminated.
        let (file, key, name) = unsafe {
            (
                handle_arg_mut(file, "file")?,
                str_arg(key, "key")?,
                str_arg(name, "name")?,
            )
        };
        // SAFETY: the caller guarantees `removed` is NULL or writable.
        let removed_out = unsafe { Out::optional(removed) };
        let removed = file.file.delete_value(key, name)?;
        if let Some(out) = removed_out {
            write_flag(out, removed);
        }
        Ok(())
    })
}

/// Adds an empty `[path]` section at the end of the file unless importing
/// the file already leaves that key in place. Stores in `*added`, unless
/// `added` is NULL, 1 if the section was added, else 0.
///
/// Errors: `OLK_NULL_ARGUMENT` (`file`, `path`), `OLK_INVALID_UTF8`,
/// `OLK_REG_INVALID_KEY_PATH`, `OLK_REG_UNENCODABLE`. On failure the file
/// is unchanged.
///
/// # Safety
///
/// `file` must be NULL or a live handle used by no other thread; `path`
/// must be NULL or NUL-terminated; `added` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_add_key(
    file: *mut olk_reg_file,
    path: *const c_char,
    added: *mut u8,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { key_edit(file, path, added, RegFile::add_key) }
}

/// Removes the key lines of `path` and of every key below it (compared
/// case-insensitively), `[-KEY]` lines included, with all their lines.
/// Stores in `*removed`, unless `removed` is NULL, 1 if there was any,
/// else 0 (which is not an error).
///
/// Errors: `OLK_NULL_ARGUMENT` (`file`, `path`), `OLK_INVALID_UTF8`.
///
/// # Safety
///
/// `file` must be NULL or a live handle used by no other thread; `path`
/// must be NULL or NUL-terminated; `removed` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_delete_key(
    file: *mut olk_reg_file,
    path: *const c_char,
    removed: *mut u8,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { key_edit(file, path, removed, RegFile::delete_key) }
}

// ---------------------------------------------------------------------------
// Output

/// Stores the file's bytes in `*out` / `*len`, to be freed with
/// `olk_bytes_free(*out, *len)`: the input unchanged wherever nothing was
/// edited (byte for byte, encoding and line breaks included).
///
/// # Safety
///
/// `file` must be NULL or a live handle; `out` and `len` must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_to_bytes(
    file: *const olk_reg_file,
    out: *mut *mut u8,
    len: *mut usize,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle.
        let file = unsafe { handle_arg(file, "file") }?;
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (out, len) = unsafe { (Out::new(out, "out")?, Out::new(len, "len")?) };
        write_bytes(out, len, file.file.to_bytes());
        Ok(())
    })
}

/// Stores in `*out` / `*len` the whole file written the way regedit writes
/// it: its format's encoding (UTF-16LE with BOM, or Windows-1252), CRLF, a
/// blank line before every key and at the end; comments and skipped lines
/// are dropped. Free it with `olk_bytes_free(*out, *len)`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_REG_UNENCODABLE` (text the format's
/// encoding cannot hold, e.g. a UTF-8 `REGEDIT4` file).
///
/// # Safety
///
/// `file` must be NULL or a live handle; `out` and `len` must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_to_canonical_bytes(
    file: *const olk_reg_file,
    out: *mut *mut u8,
    len: *mut usize,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle.
        let file = unsafe { handle_arg(file, "file") }?;
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (out, len) = unsafe { (Out::new(out, "out")?, Out::new(len, "len")?) };
        let bytes = file.file.to_canonical_bytes()?;
        write_bytes(out, len, bytes);
        Ok(())
    })
}

/// Writes the file's bytes (as `olk_reg_file_to_bytes`) to `path` (UTF-8)
/// atomically: to a temporary file next to it, flushed to disk, then
/// renamed over `path`, so `path` holds either the old or the new file,
/// never a part. A replaced file keeps its permissions. The temporary
/// file's name depends only on `path` and the process, so two threads must
/// not save to the same path at the same time.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_IO` (the message
/// names the path).
///
/// # Safety
///
/// `file` must be NULL or a live handle; `path` must be NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_reg_file_save(
    file: *const olk_reg_file,
    path: *const c_char,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `file` is NULL or a live handle and
        // `path` is NULL or NUL-terminated.
        let (file, path) = unsafe { (handle_arg(file, "file")?, path_arg(path, "path")?) };
        file.file.save(path)?;
        Ok(())
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::status::{describe, OLK_NULL_ARGUMENT, OLK_OK, OLK_OUT_OF_RANGE};
    use olkit_regfile::RegType;
    use std::ptr;

    const KEY: &str = r"HKEY_CURRENT_USER\Software\Kerio";

    fn v5(body: &str) -> Vec<u8> {
        format!("Windows Registry Editor Version 5.00\r\n\r\n{body}").into_bytes()
    }

    fn kerio() -> RegFile {
        RegFile::parse(&v5(&format!(
            "[{KEY}]\r\n\"Server\"=\"mail.example.com\"\r\n\"Port\"=dword:000001bb\r\n\"Odd\"=hex(4):01,02\r\n"
        )))
        .unwrap()
    }

    /// The status and message `err` maps to.
    fn mapped(err: Error) -> (olk_status, String) {
        let message = err.to_string();
        let ffi = FfiError::from(err);
        assert_eq!(
            ffi.message(),
            message,
            "the library's message is kept whole"
        );
        (ffi.status(), message)
    }

    #[test]
    fn parse_errors_map_to_their_codes_with_the_library_message() {
        let (status, _) = mapped(RegFile::parse(b"REGEDIT5\r\n").unwrap_err());
        assert_eq!(status, OLK_REG_BAD_HEADER);

        let bad_line = v5(&format!("[{KEY}]\r\n\"Port\"=dword:nothex\r\n"));
        let (status, message) = mapped(RegFile::parse(&bad_line).unwrap_err());
        assert_eq!(status, OLK_REG_SYNTAX);
        assert!(message.starts_with("line 4, column "), "{message}");

        let options = ParseOptions::new().max_input_bytes(10);
        let (status, message) = mapped(RegFile::parse_with(&bad_line, &options).unwrap_err());
        assert_eq!(status, OLK_REG_TOO_LARGE);
        assert!(message.contains("over the limit of 10 bytes"), "{message}");

        // UTF-16LE with an odd number of bytes.
        let mut odd = vec![0xFF, 0xFE];
        for unit in "Windows Registry Editor Version 5.00\r\n".encode_utf16() {
            odd.extend(unit.to_le_bytes());
        }
        odd.push(b'x');
        let (status, _) = mapped(RegFile::parse(&odd).unwrap_err());
        assert_eq!(status, OLK_REG_ENCODING);

        let missing = std::env::temp_dir().join("olkit-ffi-no-such-dir/none.reg");
        let (status, message) = mapped(RegFile::read(&missing).unwrap_err());
        assert_eq!(status, OLK_IO);
        assert!(message.contains("none.reg"), "{message}");
    }

    #[test]
    fn edit_and_accessor_errors_map_to_their_codes() {
        let mut file = kerio();
        let cases = [
            (
                file.set_value("HKEY_NOWHERE\\x", "a", Value::dword(1)),
                OLK_REG_INVALID_KEY_PATH,
            ),
            (
                file.set_value(KEY, "a\0b", Value::dword(1)),
                OLK_REG_INVALID_VALUE_NAME,
            ),
            (file.rename_value(KEY, "Nope", "Other"), OLK_REG_NOT_FOUND),
            (
                file.rename_value(KEY, "Port", "server"),
                OLK_REG_VALUE_EXISTS,
            ),
        ];
        for (result, status) in cases {
            assert_eq!(
                mapped(result.expect_err(&format!("status {status}"))).0,
                status
            );
        }
        let mut old = RegFile::new(Format::Regedit4);
        let err = old
            .set_value(KEY, "name", Value::expand_string("\u{65e5}"))
            .unwrap_err();
        assert_eq!(mapped(err).0, OLK_REG_UNENCODABLE);

        let port = file.get(KEY, "port").unwrap();
        assert_eq!(mapped(port.as_str().unwrap_err()).0, OLK_REG_TYPE_MISMATCH);
        let odd = file.get(KEY, "Odd").unwrap();
        assert_eq!(mapped(odd.as_u32().unwrap_err()).0, OLK_REG_BAD_DATA);

        let key = Error::KeyNotFound { key: KEY.into() };
        assert_eq!(mapped(key).0, OLK_REG_NOT_FOUND);
    }

    #[test]
    fn every_code_is_in_the_regfile_range_and_described() {
        let codes = [
            OLK_REG_BAD_HEADER,
            OLK_REG_SYNTAX,
            OLK_REG_ENCODING,
            OLK_REG_TOO_LARGE,
            OLK_REG_NOT_FOUND,
            OLK_REG_VALUE_EXISTS,
            OLK_REG_INVALID_KEY_PATH,
            OLK_REG_INVALID_VALUE_NAME,
            OLK_REG_UNENCODABLE,
            OLK_REG_TYPE_MISMATCH,
            OLK_REG_BAD_DATA,
        ];
        for (i, &code) in codes.iter().enumerate() {
            assert_eq!(
                usize::try_from(code - 1000).unwrap(),
                i,
                "consecutive from 1000"
            );
            assert_ne!(describe(code), c"unknown status");
        }
    }

    #[test]
    fn lookup_and_accessor_messages_name_the_value() {
        let file = kerio();
        let err = lookup(&file, KEY, "Missing").unwrap_err();
        assert_eq!(err.status(), OLK_REG_NOT_FOUND);
        assert!(err.message().contains("\"Missing\"") && err.message().contains("Kerio"));
        let err = about_value(KEY, "Port")(file.get(KEY, "Port").unwrap().as_u64().unwrap_err());
        assert_eq!(err.status(), OLK_REG_TYPE_MISMATCH);
        assert!(
            err.message().starts_with("value \"Port\" of "),
            "{}",
            err.message()
        );
    }

    #[test]
    fn flags_formats_and_encodings() {
        assert!(!parse_options(0, 0).unwrap().is_lenient());
        assert_eq!(
            parse_options(0, 0).unwrap().input_limit(),
            ParseOptions::DEFAULT_MAX_INPUT_BYTES
        );
        let lenient = parse_options(olk_reg_parse_flags::OLK_REG_PARSE_LENIENT as u32, 7).unwrap();
        assert!(lenient.is_lenient());
        assert_eq!(lenient.input_limit(), 7);
        for flags in [2, 3, 0x8000_0000] {
            let err = parse_options(flags, 0).unwrap_err();
            assert_eq!(err.status(), OLK_INVALID_ARGUMENT);
        }
        for format in [Format::Regedit4, Format::Regedit5] {
            assert_eq!(format_from_code(format_code(format)).unwrap(), format);
        }
        for code in [0, 1, 3, 6, u32::MAX] {
            assert_eq!(
                format_from_code(code).unwrap_err().status(),
                OLK_INVALID_ARGUMENT
            );
        }
        assert_eq!(encoding_code(Encoding::Utf16Le), 2);
        assert_eq!(olk_reg_type::OLK_REG_QWORD as u32, RegType::QWORD.0);
        assert_eq!(olk_reg_type::OLK_REG_MULTI_SZ as u32, RegType::MULTI_SZ.0);
    }

    #[test]
    fn exports_write_outputs_only_on_success() {
        let data = v5(&format!("[{KEY}]\r\n\"Port\"=dword:000001bb\r\n"));
        let mut file: *mut olk_reg_file = ptr::null_mut();
        // SAFETY: valid buffer and output.
        let status = unsafe { olk_reg_file_parse(data.as_ptr(), data.len(), 0, 0, &mut file) };
        assert_eq!(status, OLK_OK);
        let mut port = 7_u32;
        // SAFETY: a live handle, C string literals, a valid output.
        let status = unsafe {
            olk_reg_file_get_u32(
                file,
                c"hkey_current_user\\software\\KERIO".as_ptr(),
                c"PORT".as_ptr(),
                &mut port,
            )
        };
        assert_eq!((status, port), (OLK_OK, 443));
        let mut count = 99;
        // SAFETY: a live handle; NULL outputs are rejected before any write.
        let status =
            unsafe { olk_reg_file_key(file, 1, ptr::null_mut(), ptr::null_mut(), &mut count) };
        assert_eq!((status, count), (OLK_NULL_ARGUMENT, 99));
        let (mut path, mut deletion) = (ptr::null_mut(), 5_u8);
        // SAFETY: a live handle and valid outputs.
        let status = unsafe { olk_reg_file_key(file, 1, &mut path, &mut deletion, &mut count) };
        assert_eq!((status, count, deletion), (OLK_OUT_OF_RANGE, 99, 5));
        assert!(path.is_null());
        // SAFETY: the live handle, freed once.
        unsafe { olk_reg_file_free(file) };
    }
}
