//! The crate's error type.

use std::fmt;
use std::path::PathBuf;

use crate::RegType;

/// Everything that can go wrong reading, querying or editing a `.reg` file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The input is larger than [`ParseOptions::max_input_bytes`](crate::ParseOptions::max_input_bytes).
    #[error("input is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Size of the input in bytes.
        size: u64,
        /// The configured limit.
        limit: u64,
    },
    /// The first line is neither `REGEDIT4` nor `Windows Registry Editor Version 5.00`.
    #[error(
        "line 1: not a registry export: the first line must be `REGEDIT4` or \
         `Windows Registry Editor Version 5.00`"
    )]
    BadHeader,
    /// The bytes are not valid in the file's encoding.
    #[error("line {line}: invalid {encoding} at byte offset {offset}")]
    Encoding {
        /// The encoding the file declared or was detected in.
        encoding: &'static str,
        /// Byte offset of the first bad byte.
        offset: usize,
        /// 1-based line of that byte.
        line: usize,
    },
    /// A line does not follow the `.reg` grammar (strict reading only;
    /// lenient reading turns these into [`Warning`]s).
    #[error("line {line}, column {column}: {problem}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What is wrong.
        problem: Problem,
    },
    /// An edit named a key path that cannot be written to a `.reg` file.
    #[error("invalid key path \"{path}\": {reason}")]
    InvalidKeyPath {
        /// The path given.
        path: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// An edit named a value name that cannot be written to a `.reg` file.
    #[error("invalid value name \"{name}\": {reason}")]
    InvalidValueName {
        /// The name given.
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The key named by an edit is not in the file.
    #[error("key \"{key}\" not found")]
    KeyNotFound {
        /// The key path.
        key: String,
    },
    /// The value named by an edit is not in the file.
    #[error("value \"{name}\" not found under \"{key}\"")]
    ValueNotFound {
        /// The key path.
        key: String,
        /// The value name (empty for the default value).
        name: String,
    },
    /// A rename would overwrite a value that exists already.
    #[error("value \"{name}\" already exists under \"{key}\"")]
    ValueExists {
        /// The key path.
        key: String,
        /// The value name.
        name: String,
    },
    /// Text that the file's encoding (Windows-1252 for `REGEDIT4`) cannot represent.
    #[error("{what} contains {ch:?}, which {encoding} cannot represent")]
    Unencodable {
        /// What was being written: a key path, value name or value data.
        what: &'static str,
        /// The first character that does not fit.
        ch: char,
        /// The target encoding.
        encoding: &'static str,
    },
    /// A typed accessor was used on a value of another type.
    #[error("value is {found}, not {expected}")]
    TypeMismatch {
        /// The type the accessor reads.
        expected: &'static str,
        /// The value's type.
        found: RegType,
    },
    /// The value has the right type but its bytes do not decode as that type.
    #[error("{ty} data is malformed: {reason}")]
    BadData {
        /// The value's type.
        ty: RegType,
        /// What is wrong with the bytes.
        reason: &'static str,
    },
}

/// What is wrong with a line of a `.reg` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Problem {
    /// `[` without a closing `]`.
    UnterminatedKey,
    /// A key path that does not start with a registry root such as `HKEY_CURRENT_USER`.
    UnknownRoot,
    /// A value line before the first key line.
    ValueOutsideKey,
    /// A line that is not a key, a value, a comment or blank.
    UnexpectedLine,
    /// A quoted value name or string without its closing quote.
    UnterminatedString,
    /// No `=` after a value name.
    ExpectedEquals,
    /// The data after `=` is not `"..."`, `-`, `dword:`, `hex:` or `hex(N):`.
    UnknownDataType,
    /// `dword:` not followed by one to eight hexadecimal digits.
    BadDword,
    /// `hex(N):` with a type number that is not hexadecimal or over 32 bits.
    BadHexType,
    /// A byte in `hex:` data that is not one or two hexadecimal digits.
    BadHexByte,
    /// Characters after the end of the data that are not a `;` comment.
    TrailingCharacters,
    /// A NUL character in a key path or value name, which the registry
    /// cannot hold (its names are NUL-terminated).
    NulInName,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Problem::UnterminatedKey => "key line has no closing `]`",
            Problem::UnknownRoot => {
                "key path does not start with a registry root (HKEY_LOCAL_MACHINE, \
                 HKEY_CURRENT_USER, HKEY_CLASSES_ROOT, HKEY_USERS, HKEY_CURRENT_CONFIG, \
                 HKEY_DYN_DATA)"
            }
            Problem::ValueOutsideKey => "value before the first key",
            Problem::UnexpectedLine => {
                "expected a key `[...]`, a value `\"name\"=...` or `@=...`, a comment or a blank line"
            }
            Problem::UnterminatedString => "string has no closing `\"`",
            Problem::ExpectedEquals => "expected `=` after the value name",
            Problem::UnknownDataType => {
                "unknown data type: expected `\"`, `-`, `dword:`, `hex:` or `hex(N):`"
            }
            Problem::BadDword => "`dword:` needs one to eight hexadecimal digits",
            Problem::BadHexType => "`hex(N):` needs a hexadecimal type number of at most 32 bits",
            Problem::BadHexByte => "hex data must be bytes of one or two hexadecimal digits separated by commas",
            Problem::TrailingCharacters => "unexpected characters after the data",
            Problem::NulInName => "a key path or value name cannot contain a NUL character",
        })
    }
}

/// A line that lenient reading skipped, as regedit's import skips it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Warning {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {} (line skipped)",
            self.line, self.column, self.problem
        )
    }
}
