//! Detection: what a database file is, read without changing anything.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::files::{self, Scheduled};
use crate::set::open_read_only;
use crate::{Error, MigrateOptions, MigrationSet};

/// What a database is, relative to a migration set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(tag = "state", rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum State {
    /// Already in the newest format.
    UpToDate {
        /// The format (`user_version`).
        format: u32,
    },
    /// In an older format the set's steps upgrade.
    NeedsUpgrade {
        /// The format found.
        from: u32,
        /// The newest format.
        to: u32,
    },
    /// In a format newer than the set knows: leave it alone.
    Newer {
        /// The format found.
        found: u32,
        /// The newest format the set knows.
        known: u32,
    },
    /// The set's application, but older than its oldest step: it cannot be
    /// upgraded, only rebuilt.
    TooOld {
        /// The format found.
        found: u32,
        /// The oldest format the steps start from.
        oldest: u32,
    },
    /// Another application's database (or an empty file): never touched.
    NotOurs {
        /// The `application_id` found.
        application_id: i32,
    },
    /// Not readable as a SQLite database (damaged, truncated, encrypted,
    /// or waiting for a crash recovery that needs a read-write open).
    Unreadable {
        /// What SQLite said.
        reason: String,
    },
}

/// The result of [`detect`]: the state, the size, and what an earlier run
/// left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Status {
    /// The database file.
    pub path: PathBuf,
    /// What it is.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub state: State,
    /// Its size in bytes, with its write-ahead log if it has one.
    pub size_bytes: u64,
    /// The free space an upgrade needs (see [`crate::space_needed`]).
    pub space_needed_bytes: u64,
    /// An upgrade scheduled by an earlier run that lacked space.
    pub scheduled: Option<Scheduled>,
    /// Temporary files of an interrupted earlier migration (the next
    /// migration removes them).
    pub leftovers: Vec<PathBuf>,
}

/// Examines `path` without changing it (read-only open), with the default
/// options (the scheduled marker beside the database).
pub fn detect(path: &Path, set: &MigrationSet) -> Result<Status, Error> {
    detect_with(path, set, &MigrateOptions::default())
}

/// [`detect`] with the marker path and space margin of `options`.
///
/// Errors only when the file cannot be examined at all (missing, no
/// permission); a file that is not a readable database is
/// [`State::Unreadable`].
pub fn detect_with(
    path: &Path,
    set: &MigrationSet,
    options: &MigrateOptions<'_>,
) -> Result<Status, Error> {
    let size_bytes = database_size(path)?;
    let state = match open_with_header(path)? {
        Ok((_, application_id, format)) => classify(set, application_id, format),
        Err(reason) => State::Unreadable { reason },
    };
    Ok(Status {
        path: path.to_path_buf(),
        state,
        size_bytes,
        space_needed_bytes: crate::space_needed(size_bytes, options.space_margin),
        scheduled: files::read_marker(&options.marker_path(path)),
        leftovers: files::leftovers(path),
    })
}

/// The database file's size plus its write-ahead log's; an error when the
/// file does not exist or is not a file.
pub(crate) fn database_size(path: &Path) -> Result<u64, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
        ));
    }
    let wal = std::fs::metadata(files::sibling(path, "-wal")).map_or(0, |m| m.len());
    Ok(meta.len() + wal)
}

/// Opens `path` read-only and reads its header (see [`read_header`]): the
/// connection, `application_id` and `user_version`; or, as the inner
/// error, what SQLite said of a file that is not a readable database.
pub(crate) fn open_with_header(
    path: &Path,
) -> Result<Result<(Connection, i32, u32), String>, Error> {
    let db = match open_read_only(path) {
        Ok(db) => db,
        Err(Error::Sqlite { source, .. }) => return Ok(Err(source.to_string())),
        Err(e) => return Err(e),
    };
    Ok(match read_header(&db) {
        Ok((application_id, format)) => Ok((db, application_id, format)),
        Err(e) => Err(e.to_string()),
    })
}

/// `application_id` and `user_version`, after making SQLite read the
/// schema (which is what finds a file that is not a database).
pub(crate) fn read_header(db: &Connection) -> rusqlite::Result<(i32, u32)> {
    db.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    let application_id: i32 = db.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let user_version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    // user_version is a signed 32-bit field; a negative one is no format of ours.
    let format = u32::try_from(user_version).unwrap_or(u32::MAX);
    Ok((application_id, format))
}

pub(crate) fn classify(set: &MigrationSet, application_id: i32, format: u32) -> State {
    let current = set.current_format();
    if application_id != set.application_id() {
        State::NotOurs { application_id }
    } else if format == current {
        State::UpToDate { format }
    } else if format > current {
        State::Newer {
            found: format,
            known: current,
        }
    } else if format < set.oldest_format() {
        State::TooOld {
            found: format,
            oldest: set.oldest_format(),
        }
    } else {
        State::NeedsUpgrade {
            from: format,
            to: current,
        }
    }
}
