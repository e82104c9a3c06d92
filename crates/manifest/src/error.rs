//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong reading, verifying or planning from a
/// manifest, checking a package or extracting a bundle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    // Each area adds its variants below, in its own block.
    // -- format
    /// The manifest document is not a well-formed, valid manifest: where and
    /// what (1-based line and column; columns count characters).
    #[error("manifest line {line}, column {column}: {kind}")]
    Manifest {
        /// The line, from 1.
        line: u64,
        /// The column, from 1, in characters.
        column: u64,
        /// What is wrong.
        kind: crate::FormatError,
    },
    /// A timestamp is not an RFC 3339 date-time.
    #[error("invalid timestamp {text:?}: {reason}")]
    InvalidTimestamp {
        /// The text given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    // -- versions and planning
    /// A version text is not one this crate can read.
    #[error("invalid version {text:?} at byte {position}: {problem}")]
    InvalidVersion {
        /// The text given (its first 64 characters).
        text: String,
        /// The byte offset of the problem in the text.
        position: usize,
        /// What is wrong.
        problem: &'static str,
    },
}
