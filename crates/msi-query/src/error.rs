//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong reading or querying an installer database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    // -- reading packages
    /// The bytes are not a readable compound file (OLE2 container): bad
    /// header, truncated, cyclic or out-of-range sector chains.
    #[error("not a readable compound file: {detail}")]
    Container {
        /// What was wrong.
        detail: String,
    },
    /// The root storage's CLSID is not one of a Windows Installer database,
    /// transform or patch.
    #[error("not a Windows Installer package (root storage CLSID {clsid})")]
    UnknownPackageKind {
        /// The CLSID found, `{XXXXXXXX-...}`.
        clsid: String,
    },
    /// `_StringPool`/`_StringData` disagree or are malformed.
    #[error("corrupt string pool: {detail}")]
    StringPool {
        /// What was wrong.
        detail: String,
    },
    /// The string pool's code page is one this crate cannot decode and a
    /// string needing it is not plain ASCII.
    #[error("code page {codepage} is not supported (string id {id} is not ASCII)")]
    UnsupportedCodepage {
        /// The code page of the string pool.
        codepage: u32,
        /// The string that could not be decoded.
        id: u32,
    },
    /// A table's stream is not a whole number of rows.
    #[error("table {table}: stream of {len} bytes is not a multiple of the row width {row_width}")]
    TableSize {
        /// The table.
        table: String,
        /// Stream length in bytes.
        len: u64,
        /// Bytes per row.
        row_width: usize,
    },
    /// A string cell refers to an id the string pool does not have.
    #[error(
        "table {table}, row {row}, column {column}: string id {id} is beyond the string pool ({pool_len} strings)"
    )]
    BadStringRef {
        /// The table.
        table: String,
        /// 0-based row.
        row: usize,
        /// The column's name.
        column: String,
        /// The id found.
        id: u32,
        /// Number of ids in the pool.
        pool_len: usize,
    },
    /// `_Tables`/`_Columns` describe a table inconsistently.
    #[error("table {table}: bad column definitions: {detail}")]
    BadColumns {
        /// The table.
        table: String,
        /// What was wrong.
        detail: String,
    },
    /// No table of that name (names are case-sensitive).
    #[error("no table named {name:?}")]
    NoSuchTable {
        /// The name asked for.
        name: String,
    },
    /// No stream of that (decoded) name in the root storage.
    #[error("no stream named {name:?}")]
    NoSuchStream {
        /// The name asked for.
        name: String,
    },
    /// Something is larger than the configured limit.
    #[error("{what} is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// What was too large.
        what: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The summary information property set is malformed.
    #[error("corrupt summary information: {detail}")]
    SummaryInfo {
        /// What was wrong.
        detail: String,
    },
    // -- end of reading packages
}
