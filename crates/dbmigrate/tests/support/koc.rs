//! Helpers of the KOC mapping tests: hand-built format-1 caches, the
//! migration, and reads of the result.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use olkit_dbmigrate::rusqlite::types::Value;
use olkit_dbmigrate::rusqlite::{params, Connection, Params};
use olkit_dbmigrate::{koc, migrate, Control, MigrateOptions, Outcome};

use super::{open_ro, rows};

/// A format-1 cache being built in a temporary directory.
pub struct Format1 {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub db: Connection,
}

impl Format1 {
    /// An empty format-1 cache: the spec's tables, index and pragmas.
    pub fn new() -> Format1 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let db = Connection::open(&path).unwrap();
        db.execute_batch(&format!(
            "PRAGMA application_id = {}; PRAGMA user_version = 1; {}",
            koc::APPLICATION_ID,
            koc::FORMAT_1_SCHEMA
        ))
        .unwrap();
        Format1 { dir, path, db }
    }

    pub fn exec(&self, sql: &str, params: impl Params) -> &Self {
        self.db.execute(sql, params).unwrap();
        self
    }

    pub fn folder(&self, id: i64, parent: Option<i64>, name: &str, kind: &str) -> &Self {
        self.exec(
            "INSERT INTO folders(id, parent_id, name, kind, server_path, sync_token) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, parent, name, kind, format!("/{id}/{name}"), format!("token-{id}")],
        )
    }

    /// A message with only the mapped columns chosen; the rest is derived
    /// from the id.
    pub fn message(
        &self,
        id: i64,
        folder: i64,
        sender: Option<&str>,
        flags: i64,
        body: Option<&[u8]>,
    ) -> &Self {
        self.exec(
            "INSERT INTO messages(id, folder_id, server_uid, subject, sender, received, flags, size, headers, body) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                id,
                folder,
                format!("uid-{id}"),
                format!("subject {id}"),
                sender,
                1_600_000_000i64.wrapping_add(id),
                flags,
                id.wrapping_add(1000),
                format!("Message-ID: <{id}@example.com>\r\n"),
                body
            ],
        )
    }

    pub fn attachment(&self, id: i64, message: i64, data: Option<&[u8]>) -> &Self {
        self.exec(
            "INSERT INTO attachments(id, message_id, filename, mime_type, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, message, format!("file-{id}.bin"), "application/octet-stream", data],
        )
    }

    /// A copy of the database as it is now, to compare with afterwards.
    pub fn keep_copy(&self) -> PathBuf {
        let copy = self.dir.path().join("before.db");
        let _ = std::fs::remove_file(&copy);
        self.db
            .execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
            .unwrap();
        copy
    }

    /// Closes the database: its directory (removed when dropped) and path.
    pub fn close(self) -> (tempfile::TempDir, PathBuf) {
        let Format1 { dir, path, db } = self;
        db.close().unwrap();
        (dir, path)
    }

    /// Closes the database and migrates it; panics unless it is upgraded
    /// to format 2.
    pub fn migrate(self) -> Migrated {
        let (dir, path) = self.close();
        let outcome = migrate_path(&path);
        assert!(
            matches!(&outcome, Outcome::Upgraded(u) if u.from == 1 && u.to == 2),
            "{outcome:?}"
        );
        let db = open_ro(&path);
        Migrated {
            _dir: dir,
            path,
            db,
            outcome,
        }
    }
}

pub fn migrate_path(path: &Path) -> Outcome {
    migrate(
        path,
        &koc::migration_set(),
        &MigrateOptions::default(),
        &mut |_| Control::Continue,
    )
    .unwrap()
}

/// A migrated format-2 cache.
pub struct Migrated {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub db: Connection,
    pub outcome: Outcome,
}

/// One message of format 2, with its body's blob.
#[derive(Debug, Clone, PartialEq)]
pub struct Message2 {
    pub id: i64,
    pub folder_id: i64,
    pub sender_name: Option<String>,
    pub sender_address: Option<String>,
    pub is_read: i64,
    pub is_flagged: i64,
    pub is_answered: i64,
    pub is_deleted: i64,
    pub body_blob: Option<i64>,
    pub body: Option<Vec<u8>>,
}

impl Migrated {
    pub fn message(&self, id: i64) -> Message2 {
        self.db
            .query_row(
                "SELECT m.id, m.folder_id, m.sender_name, m.sender_address, m.is_read, m.is_flagged, \
                 m.is_answered, m.is_deleted, m.body_blob, b.data \
                 FROM messages m LEFT JOIN blobs b ON b.id = m.body_blob WHERE m.id = ?1",
                [id],
                |r| {
                    Ok(Message2 {
                        id: r.get(0)?,
                        folder_id: r.get(1)?,
                        sender_name: r.get(2)?,
                        sender_address: r.get(3)?,
                        is_read: r.get(4)?,
                        is_flagged: r.get(5)?,
                        is_answered: r.get(6)?,
                        is_deleted: r.get(7)?,
                        body_blob: r.get(8)?,
                        body: r.get(9)?,
                    })
                },
            )
            .unwrap_or_else(|e| panic!("message {id}: {e}"))
    }

    /// (blob id, data) of an attachment.
    pub fn attachment(&self, id: i64) -> (Option<i64>, Option<Vec<u8>>) {
        self.db
            .query_row(
                "SELECT a.blob_id, b.data FROM attachments a LEFT JOIN blobs b ON b.id = a.blob_id WHERE a.id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.db.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    pub fn rows(&self, sql: &str) -> Vec<Vec<Value>> {
        rows(&self.db, sql)
    }
}

pub fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(data).to_vec()
}
