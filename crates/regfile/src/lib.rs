//! Lossless reading, editing and writing of Windows registry export files
//! (`.reg`), both `REGEDIT4` (Windows-1252) and `Windows Registry Editor
//! Version 5.00` (UTF-16LE with BOM, or UTF-8).
//!
//! Parsing then writing with no edits gives back the input byte for byte,
//! comments, spacing and odd line breaks included. Edits touch only the
//! lines they concern and write them the way regedit does.
//!
//! ```
//! use olkit_regfile::{RegFile, Value};
//!
//! let input = b"Windows Registry Editor Version 5.00\r\n\r\n\
//!     [HKEY_CURRENT_USER\\Software\\Kerio]\r\n\
//!     ; keep this comment\r\n\
//!     \"Server\"=\"mail.example.com\"\r\n\
//!     \"Port\"=dword:000001bb\r\n\r\n";
//! let mut file = RegFile::parse(input)?;
//! assert_eq!(file.to_bytes(), input);
//!
//! let key = "HKEY_CURRENT_USER\\Software\\Kerio";
//! assert_eq!(file.get(key, "port").map(|v| v.as_u32()).transpose()?, Some(443));
//!
//! file.set_value(key, "Port", Value::dword(993))?;
//! file.set_value(key, "Blob", Value::binary(vec![1, 2, 3]))?;
//! let text = String::from_utf8(file.to_bytes()).unwrap();
//! assert!(text.contains("; keep this comment\r\n\"Server\"=\"mail.example.com\"\r\n"));
//! assert!(text.contains("\"Port\"=dword:000003e1\r\n\"Blob\"=hex:01,02,03\r\n"));
//! # Ok::<(), olkit_regfile::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod doc;
mod encoding;
mod error;
mod parse;
mod render;
mod value;

pub use doc::{fold as fold_name, Entry, Key, RegFile};
pub use encoding::{Encoding, LineEnding};
pub use error::{Error, Problem, Warning};
pub use value::{RegType, Value};

/// This crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The two `.reg` file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Format {
    /// `REGEDIT4`: Windows 9x/NT4 format, text in the ANSI code page.
    Regedit4,
    /// `Windows Registry Editor Version 5.00`: Unicode text.
    Regedit5,
}

impl Format {
    /// The header line (first line) of the format.
    pub fn header(self) -> &'static str {
        match self {
            Format::Regedit4 => "REGEDIT4",
            Format::Regedit5 => "Windows Registry Editor Version 5.00",
        }
    }

    /// The encoding regedit writes the format in.
    pub fn regedit_encoding(self) -> Encoding {
        match self {
            Format::Regedit4 => Encoding::Windows1252,
            Format::Regedit5 => Encoding::Utf16Le,
        }
    }
}

/// How to read a file: strictly or leniently, and within which limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    lenient: bool,
    max_input_bytes: u64,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            lenient: false,
            max_input_bytes: ParseOptions::DEFAULT_MAX_INPUT_BYTES,
        }
    }
}

impl ParseOptions {
    /// The default input size limit: 512 MiB.
    pub const DEFAULT_MAX_INPUT_BYTES: u64 = 512 << 20;

    /// Strict reading with the default limit.
    pub fn new() -> Self {
        Self::default()
    }

    /// Lenient reading skips lines that do not parse, as regedit's import
    /// does, and reports them as [`Warning`]s; strict reading (the default)
    /// stops at the first with [`Error::Syntax`].
    pub fn lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }

    /// Refuse inputs larger than this many bytes.
    pub fn max_input_bytes(mut self, limit: u64) -> Self {
        self.max_input_bytes = limit;
        self
    }

    /// Whether reading is lenient.
    pub fn is_lenient(&self) -> bool {
        self.lenient
    }

    /// The input size limit in bytes.
    pub fn input_limit(&self) -> u64 {
        self.max_input_bytes
    }
}

/// The README's example, compiled as a doctest so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
