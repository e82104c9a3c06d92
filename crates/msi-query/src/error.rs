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
    /// A version string that is not a Windows Installer version
    /// (`major.minor.build[.revision]`, at most 255.255.65535.65535).
    #[error("invalid version {text:?}: {reason}")]
    InvalidVersion {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A GUID that is not in the form asked for (braced, packed or squished).
    #[error("invalid GUID {text:?}: {reason}")]
    InvalidGuid {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A summary `Template` (`platform;languages`) that cannot be read.
    #[error("invalid Template {text:?}: {reason}")]
    InvalidTemplate {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A language list (`1033,1031`) with an entry that is not a LANGID.
    #[error("invalid language list {text:?}: {reason}")]
    InvalidLanguage {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A package value that product identity or upgrade matching needs is
    /// malformed; `location` names it (a property, or an Upgrade table row
    /// and column).
    #[error("{location}: {source}")]
    InvalidField {
        /// Where the value is, e.g. `Property ProductVersion` or `Upgrade row 2, VersionMin`.
        location: String,
        /// What is wrong with it.
        #[source]
        source: Box<Error>,
    },
    /// No product with this code is registered in the context asked for
    /// (`ERROR_UNKNOWN_PRODUCT` of `MsiGetProductInfoEx`).
    #[error("unknown product {product_code} in the {context} context")]
    UnknownProduct {
        /// The product code asked for.
        product_code: String,
        /// The installation context asked for.
        context: String,
    },
    /// The product exists but has no such property, or the property is not
    /// one `MsiGetProductInfoEx` knows (`ERROR_UNKNOWN_PROPERTY`).
    #[error("product {product_code} has no property {property:?}")]
    UnknownProperty {
        /// The product code asked for.
        product_code: String,
        /// The property asked for.
        property: String,
    },
    /// A `.reg` export could not be read.
    #[error(transparent)]
    Reg(#[from] olkit_regfile::Error),
    /// A Windows Installer SQL query that is not valid (syntax, or names
    /// and types against the package), with where and why.
    #[error(transparent)]
    Sql(#[from] crate::sql::SqlError),
}
