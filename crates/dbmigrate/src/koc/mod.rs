//! The Kerio Outlook Connector cache database: format 1 (connectors before
//! 7.2.0) to format 2, as `shared/spec/koc-cache.md` fixes them.
//!
//! [`migration_set`] is the set the engine runs: one step, 1 → 2.
//! `folders` is filled by SQL (`kind` text becomes a number),
//! `pending_changes` and `settings` are copied untouched, and `messages`
//! and `attachments` by Rust transforms that split senders, map flag bits
//! and move bodies and attachment data into `blobs`, stored once per
//! distinct content (keyed by SHA-256). Every row keeps its id.
//!
//! The transforms are a two-thread pipeline: a reader (its own read-only
//! connection) parses and hashes rows in order and hands bounded batches
//! to the writer (the step's connection), which deduplicates through the
//! unique index on `blobs.sha256`. Memory stays bounded whatever the
//! database's size; values above 1 MiB are hashed and copied in chunks
//! rather than held whole.
//!
//! [`Sample`] writes realistic format-1 databases (tests, demo, benchmark).
//!
//! ```
//! use olkit_dbmigrate::rusqlite::Connection;
//! use olkit_dbmigrate::{check, detect, koc, migrate, Control, MigrateOptions, Outcome, State, Verify};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("cache.db");
//! let stats = koc::Sample::small().write_format1(&path)?;
//!
//! let set = koc::migration_set();
//! assert_eq!(detect(&path, &set)?.state, State::NeedsUpgrade { from: 1, to: 2 });
//! let outcome = migrate(&path, &set, &MigrateOptions::default(), &mut |_| Control::Continue)?;
//! assert!(matches!(outcome, Outcome::Upgraded(_)));
//! assert!(check(&path, &set, Verify::Quick)?.is_ok());
//!
//! let db = Connection::open(&path)?;
//! let messages: i64 = db.query_row("SELECT count(*) FROM messages", [], |r| r.get(0))?;
//! assert_eq!(messages as u64, stats.messages);
//! // Senders are split, bodies and attachments stored once each.
//! let split: i64 = db.query_row(
//!     "SELECT count(*) FROM messages WHERE sender_name IS NOT NULL AND sender_address LIKE '%@%'",
//!     [],
//!     |r| r.get(0),
//! )?;
//! assert!(split > 0);
//! let (blobs, contents): (i64, i64) = db.query_row(
//!     "SELECT count(*), count(DISTINCT sha256) FROM blobs",
//!     [],
//!     |r| Ok((r.get(0)?, r.get(1)?)),
//! )?;
//! assert_eq!(blobs, contents);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod mapping;
mod sample;
mod transform;

pub use mapping::{flags, folder_kind, parse_sender, Flags, Sender};
pub use sample::{Sample, SampleStats};

use crate::{MigrationSet, Step};

/// `PRAGMA application_id` of KOC caches (0x4B4F4646, "KOFF").
pub const APPLICATION_ID: i32 = 0x4B4F_4646;

macro_rules! format1_tables {
    () => {
        "CREATE TABLE folders(id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES folders(id), name TEXT NOT NULL, kind TEXT NOT NULL, server_path TEXT NOT NULL UNIQUE, sync_token TEXT);
CREATE TABLE messages(id INTEGER PRIMARY KEY, folder_id INTEGER NOT NULL REFERENCES folders(id), server_uid TEXT NOT NULL, subject TEXT, sender TEXT, received INTEGER, flags INTEGER NOT NULL DEFAULT 0, size INTEGER, headers TEXT, body BLOB);
CREATE TABLE attachments(id INTEGER PRIMARY KEY, message_id INTEGER NOT NULL REFERENCES messages(id), filename TEXT, mime_type TEXT, data BLOB);
CREATE TABLE pending_changes(id INTEGER PRIMARY KEY, message_id INTEGER, op TEXT NOT NULL, payload BLOB, created INTEGER NOT NULL);
CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT);
"
    };
}

macro_rules! format1_indexes {
    () => {
        "CREATE INDEX messages_folder ON messages(folder_id);\n"
    };
}

macro_rules! format2_tables {
    () => {
        "CREATE TABLE folders(id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES folders(id), name TEXT NOT NULL, kind INTEGER NOT NULL, server_path TEXT NOT NULL UNIQUE, sync_token TEXT);
CREATE TABLE blobs(id INTEGER PRIMARY KEY, sha256 BLOB NOT NULL UNIQUE, size INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE messages(id INTEGER PRIMARY KEY, folder_id INTEGER NOT NULL REFERENCES folders(id), server_uid TEXT NOT NULL, subject TEXT, sender_name TEXT, sender_address TEXT, received INTEGER, is_read INTEGER NOT NULL, is_flagged INTEGER NOT NULL, is_answered INTEGER NOT NULL, is_deleted INTEGER NOT NULL, size INTEGER, headers TEXT, body_blob INTEGER REFERENCES blobs(id));
CREATE TABLE attachments(id INTEGER PRIMARY KEY, message_id INTEGER NOT NULL REFERENCES messages(id), filename TEXT, mime_type TEXT, blob_id INTEGER REFERENCES blobs(id));
CREATE TABLE pending_changes(id INTEGER PRIMARY KEY, message_id INTEGER, op TEXT NOT NULL, payload BLOB, created INTEGER NOT NULL);
CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT);
"
    };
}

macro_rules! format2_indexes {
    () => {
        "CREATE INDEX messages_folder_received ON messages(folder_id, received);
CREATE INDEX attachments_message ON attachments(message_id);
"
    };
}

/// The tables and index of format 1 (without the pragmas: `application_id`
/// [`APPLICATION_ID`], `user_version` 1).
pub const FORMAT_1_SCHEMA: &str = concat!(format1_tables!(), format1_indexes!());

/// The tables and indexes of format 2 (without the pragmas: `application_id`
/// [`APPLICATION_ID`], `user_version` 2).
pub const FORMAT_2_SCHEMA: &str = concat!(format2_tables!(), format2_indexes!());

/// Format 1 without its secondary index, for writers that index after the
/// load.
pub(crate) const FORMAT_1_TABLES: &str = format1_tables!();
/// Format 1's secondary index.
pub(crate) const FORMAT_1_INDEXES: &str = format1_indexes!();

/// The KOC cache's migration set: formats 1 and 2, one step between them,
/// the rules of format 2, and `pending_changes` salvaged by a rebuild (the
/// offline edits exist nowhere else).
pub fn migration_set() -> MigrationSet {
    let step = Step::new(
        1,
        "KOC cache 7.2.0: folder kinds as numbers, senders split, flag bits as columns, \
         bodies and attachments deduplicated into blobs",
    )
    .schema(format2_tables!())
    .copy_sql(
        "folders",
        format!(
            "INSERT INTO main.folders(id, parent_id, name, kind, server_path, sync_token) \
             SELECT id, parent_id, name, {}, server_path, sync_token FROM old.folders ORDER BY id",
            mapping::FOLDER_KIND_SQL
        ),
        "SELECT count(*) FROM old.folders",
    )
    .transform(transform::Messages)
    .transform(transform::Attachments)
    .copy_table("pending_changes")
    .copy_table("settings")
    .expect_rows("messages", "SELECT count(*) FROM old.messages")
    .expect_rows("attachments", "SELECT count(*) FROM old.attachments")
    .finish(format2_indexes!());

    MigrationSet::new("KOC cache", APPLICATION_ID, 2, FORMAT_2_SCHEMA)
        .step(step)
        .salvage("pending_changes")
        .format_check(
            2,
            "every blob is referenced by a message or an attachment",
            "SELECT count(*) FROM main.blobs WHERE id NOT IN \
             (SELECT body_blob FROM main.messages WHERE body_blob IS NOT NULL \
              UNION SELECT blob_id FROM main.attachments WHERE blob_id IS NOT NULL)",
        )
        // The transforms hashed every value as they wrote it; hashing the
        // new file again is for `db check` and full verification.
        .full_format_check(
            2,
            "every blob's sha256 is the SHA-256 of its data",
            "SELECT count(*) FROM main.blobs WHERE sha256 IS NOT sha256(data)",
        )
        .format_check(
            2,
            "every blob's size is the length of its data",
            "SELECT count(*) FROM main.blobs WHERE typeof(data) <> 'blob' OR size IS NOT length(data)",
        )
        .format_check(
            2,
            "message states (is_read, is_flagged, is_answered, is_deleted) are 0 or 1",
            "SELECT count(*) FROM main.messages WHERE is_read NOT IN (0, 1) \
             OR is_flagged NOT IN (0, 1) OR is_answered NOT IN (0, 1) OR is_deleted NOT IN (0, 1)",
        )
}
