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
}
