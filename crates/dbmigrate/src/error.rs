//! The crate's error type.

use std::path::{Path, PathBuf};

/// Why a database could not be examined or migrated. When [`crate::migrate`]
/// returns one of these, the database file is as it was: the failures that
/// do change it (a rebuild) are outcomes, not errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read, written, renamed or synced.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// SQLite refused an operation on a database.
    #[error("{}: {what}: {source}", path.display())]
    Sqlite {
        /// The database file concerned.
        path: PathBuf,
        /// What was being done ("reading user_version", "copying table messages", ...).
        what: String,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The file is a SQLite database of another application: its
    /// `application_id` is not the migration set's. It is never touched.
    #[error("{}: not a {set} database (application_id {found:#010x}, expected {expected:#010x})", path.display())]
    NotOurs {
        /// The database file.
        path: PathBuf,
        /// The migration set's name.
        set: String,
        /// The application_id found.
        found: i32,
        /// The application_id the set expects.
        expected: i32,
    },
    /// The database is in a format newer than the migration set knows
    /// (written by a newer application). It is never touched.
    #[error("{}: format {found} is newer than the newest this code knows ({known})", path.display())]
    Newer {
        /// The database file.
        path: PathBuf,
        /// The format found (`user_version`).
        found: u32,
        /// The newest format the set knows.
        known: u32,
    },
    /// Another process holds the migration lock of this database, or keeps
    /// the database itself busy.
    #[error("{}: {reason}", path.display())]
    Busy {
        /// The lock file or database concerned.
        path: PathBuf,
        /// Who holds it, as far as known.
        reason: String,
    },
    /// A migration set is not usable as built: its steps do not follow
    /// each other, or a step has no schema.
    #[error("migration set {set}: {reason}")]
    InvalidSet {
        /// The migration set's name.
        set: String,
        /// What is wrong.
        reason: String,
    },
    /// A step's transform met data it cannot migrate.
    #[error("step {from} -> {}, table {table}, row {row}: {reason}", from + 1)]
    Data {
        /// The format the step starts from.
        from: u32,
        /// The table concerned.
        table: String,
        /// The row (its rowid) concerned.
        row: i64,
        /// What is wrong.
        reason: String,
    },
    /// The migrated database failed verification.
    #[error("verification of {} failed: {reason}", path.display())]
    Verification {
        /// The database that failed.
        path: PathBuf,
        /// Which check failed and how.
        reason: String,
    },
    /// The progress callback asked to stop. [`crate::migrate`] turns this into
    /// [`crate::Outcome::Cancelled`]; a [`crate::Transform`] returns it from
    /// [`crate::TransformContext::advance`] to its caller.
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Wraps a SQLite error with the database and what was being done.
    pub(crate) fn sqlite(
        path: impl Into<PathBuf>,
        what: impl Into<String>,
        source: rusqlite::Error,
    ) -> Self {
        Error::Sqlite {
            path: path.into(),
            what: what.into(),
            source,
        }
    }

    /// True when SQLite or the OS reported a full disk: the migration then
    /// ends as "insufficient space", not as a failure needing a rebuild.
    pub(crate) fn is_disk_full(&self) -> bool {
        match self {
            Error::Sqlite { source, .. } => {
                source.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull)
            }
            Error::Io { source, .. } => source.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }
}

/// A failure met before its context is known: SQLite's, which
/// [`BareError::context`] wraps with the database and what was being done,
/// or the engine's own (a cancel, say), which passes as it is.
pub(crate) enum BareError {
    Sqlite(rusqlite::Error),
    Engine(Error),
}

impl From<rusqlite::Error> for BareError {
    fn from(e: rusqlite::Error) -> Self {
        BareError::Sqlite(e)
    }
}

impl BareError {
    pub(crate) fn context(self, path: &Path, what: impl Into<String>) -> Error {
        match self {
            BareError::Sqlite(e) => Error::sqlite(path, what, e),
            BareError::Engine(e) => e,
        }
    }
}
