//! Out-of-place, crash-safe upgrades of SQLite databases from one format
//! to the next, and the Kerio Outlook Connector cache migration built on
//! them ([`koc`]).
//!
//! The engine is generic: a [`MigrationSet`] names an application (its
//! `application_id`), its formats (`user_version`) and the [`Step`]s between
//! them, each SQL and/or a Rust [`Transform`]. [`migrate`] then:
//!
//! 1. locks the database's migrations and removes what an interrupted
//!    earlier run left beside it;
//! 2. detects the format (see [`detect`], which changes nothing);
//! 3. checks the free space on the volume (twice the database size, see
//!    [`space_needed`]); a shortfall is [`Outcome::InsufficientSpace`],
//!    with a "scheduled" marker the next start sees, and nothing else
//!    written;
//! 4. builds the new database beside the old one, verifies it
//!    (quick_check, foreign keys, row counts, the set's rules), syncs it and
//!    renames it over the old one: the path always names one complete
//!    database, so a crash at any moment loses nothing and a rerun finishes
//!    the job;
//! 5. on any other failure builds an empty database of the newest format
//!    with what can be salvaged, keeps the old file aside and reports
//!    [`Outcome::Rebuilt`] (a full resynchronisation is needed).
//!
//! Progress reaches a callback at least every 100 ms; returning
//! [`Control::Cancel`] leaves the old database as it was.
//!
//! ```
//! use olkit_dbmigrate::{detect, migrate, Control, MigrateOptions, MigrationSet, Outcome, State, Step};
//! use rusqlite::Connection;
//!
//! // A toy application: format 1 keeps notes as text, format 2 adds a title.
//! let set = MigrationSet::new(
//!     "notes",
//!     0x4E4F5445,
//!     2,
//!     "CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT, body TEXT);",
//! )
//! .step(
//!     Step::new(1, "notes get a title")
//!         .schema("CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT, body TEXT);")
//!         .copy_sql(
//!             "notes",
//!             "INSERT INTO main.notes SELECT id, substr(body, 1, 5), body FROM old.notes",
//!             "SELECT count(*) FROM old.notes",
//!         ),
//! );
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("notes.db");
//! let db = Connection::open(&path)?;
//! db.execute_batch(
//!     "PRAGMA application_id = 0x4E4F5445; PRAGMA user_version = 1;
//!      CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);
//!      INSERT INTO notes(body) VALUES ('hello, world');",
//! )?;
//! drop(db);
//!
//! assert_eq!(detect(&path, &set)?.state, State::NeedsUpgrade { from: 1, to: 2 });
//! let outcome = migrate(&path, &set, &MigrateOptions::default(), &mut |p| {
//!     eprintln!("{:?} {}/{} rows", p.phase, p.rows_done, p.rows_total);
//!     Control::Continue
//! })?;
//! assert!(matches!(outcome, Outcome::Upgraded(ref u) if u.from == 1 && u.to == 2));
//! let title: String = Connection::open(&path)?.query_row("SELECT title FROM notes", [], |r| r.get(0))?;
//! assert_eq!(title, "hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
pub use error::Error;

// -- the engine: sets, detection, migration, checks
mod check;
mod detect;
mod files;
mod migrate;
mod progress;
mod salvage;
mod set;
pub use check::{check, CheckReport};
pub use detect::{detect, detect_with, State, Status};
pub use files::{default_marker_path, Scheduled};
pub use migrate::{
    migrate, space_needed, MigrateOptions, Outcome, Rebuild, TableRows, Upgrade, Verify,
};
pub use progress::{Control, Phase, Progress};
pub use set::{Check, MigrationSet, Step, Transform, TransformContext};

// -- the Kerio Outlook Connector cache (format 1 to 2)
pub mod koc;

/// Re-exported so that [`Transform`] implementations and callers use the
/// same SQLite binding as the engine.
pub use rusqlite;
