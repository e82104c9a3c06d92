//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong reading profiles and converting them.
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
    /// The `.reg` export itself could not be read or edited.
    #[error(transparent)]
    Reg(#[from] olkit_regfile::Error),
    // Each area adds its variants below, in its own block.
    // -- MAPI values (mapi.rs)
    /// A registry value holding a MAPI property cannot be decoded as its
    /// property type says.
    #[error("[{key}] \"{name}\": {reason}")]
    MapiValue {
        /// The registry key (a profile section).
        key: String,
        /// The value name (the property tag, `001f3001`).
        name: String,
        /// What is wrong.
        reason: String,
    },
    // -- the profile model (profiles.rs, graph.rs)
    // -- .prf files (prf.rs)
    /// An edit of a `.prf` file that cannot be written as asked.
    #[error("[{section}] {key}: {reason}")]
    PrfEdit {
        /// The section.
        section: String,
        /// The key (empty for a section edit).
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A `.prf` file is not one this crate can read: where and what.
    #[error("line {line}: {reason}")]
    Prf {
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    // -- conversion
    /// A rules file (`docs/profile-rules.md`) that cannot be used: where
    /// and why.
    #[error("rules, line {line}: {reason}")]
    Rules {
        /// The line, from 1 (0 when no line is concerned).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A conversion that cannot be written as asked.
    #[error("conversion: {reason}")]
    Convert {
        /// What is wrong.
        reason: String,
    },
    /// An input is over a size or count limit.
    #[error("{what} is over the limit of {limit}")]
    TooLarge {
        /// What was counted.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
}
