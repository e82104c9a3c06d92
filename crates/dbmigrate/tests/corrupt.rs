//! Damaged KOC format-1 caches end in a rebuild: an empty format-2
//! database with every pending change that can still be read, the old file
//! kept aside byte-identical. Never a panic, never a hang (each case runs
//! under a time limit). Which pages belong to which table is asked of the
//! `sqlite3` command-line tool (its `dbstat` table), independently of the
//! code under test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use olkit_dbmigrate::rusqlite::types::Value;
use olkit_dbmigrate::{check, koc, migrate, MigrateOptions, Outcome, State, TableRows, Verify};
use support::{assert_unchanged, count, dir_names, go_on, names, open_ro, rows, sibling, snapshot};

const LIMIT: Duration = Duration::from_secs(60);

/// A small KOC sample in format 1, with its pending changes and the pages
/// of each table (from `sqlite3`'s dbstat).
struct Original {
    _dir: tempfile::TempDir,
    path: PathBuf,
    bytes: Vec<u8>,
    page_size: usize,
    pending: Vec<Vec<Value>>,
    /// Table or index name -> its pages (1-based), in page order.
    pages: BTreeMap<String, Vec<usize>>,
    /// Table name -> its leaf pages.
    leaves: BTreeMap<String, Vec<usize>>,
}

fn original() -> Original {
    original_of(&koc::Sample::small())
}

fn original_of(sample: &koc::Sample) -> Original {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("original.db");
    let stats = sample.write_format1(&path).unwrap();
    let db = open_ro(&path);
    let pending = rows(&db, "SELECT * FROM pending_changes ORDER BY id");
    assert_eq!(
        pending.len(),
        usize::try_from(stats.pending_changes).unwrap()
    );
    assert!(!pending.is_empty());
    let page_size = usize::try_from(support::pragma_i64(&db, "page_size")).unwrap();
    drop(db);

    let output = Command::new("/usr/bin/sqlite3")
        .arg("-readonly")
        .arg(&path)
        .arg("SELECT name, pageno, pagetype FROM dbstat ORDER BY pageno")
        .output()
        .expect("the sqlite3 command-line tool (/usr/bin/sqlite3) is needed");
    assert!(
        output.status.success(),
        "sqlite3: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut pages: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut leaves: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let mut fields = line.rsplitn(3, '|');
        let (kind, page, name) = (
            fields.next().unwrap(),
            fields.next().unwrap(),
            fields.next().unwrap(),
        );
        let page: usize = page.parse().unwrap();
        pages.entry(name.to_owned()).or_default().push(page);
        if kind == "leaf" {
            leaves.entry(name.to_owned()).or_default().push(page);
        }
    }
    Original {
        bytes: std::fs::read(&path).unwrap(),
        _dir: dir,
        path,
        page_size,
        pending,
        pages,
        leaves,
    }
}

impl Original {
    fn pages_of(&self, name: &str) -> &[usize] {
        self.pages.get(name).map_or(&[], Vec::as_slice)
    }

    /// The rowids stored on a leaf page of a table b-tree, read from the
    /// file format directly (header byte 0x0D, cell count at offset 3, the
    /// cell pointers after the 8-byte header; a cell starts with the payload
    /// length and the rowid as varints).
    fn rowids_on_leaf(&self, page: usize) -> Vec<i64> {
        let start = (page - 1) * self.page_size;
        let data = &self.bytes[start..start + self.page_size];
        assert_eq!(data[0], 0x0D, "page {page} is not a table leaf");
        let cells = usize::from(u16::from_be_bytes([data[3], data[4]]));
        (0..cells)
            .map(|i| {
                let at = usize::from(u16::from_be_bytes([data[8 + 2 * i], data[9 + 2 * i]]));
                let (_, len) = varint(&data[at..]);
                let (rowid, _) = varint(&data[at + len..]);
                i64::try_from(rowid).unwrap()
            })
            .collect()
    }

    /// The bytes with the given pages zeroed.
    fn zeroed(&self, pages: &[usize]) -> Vec<u8> {
        let mut bytes = self.bytes.clone();
        for page in pages {
            let start = (page - 1) * self.page_size;
            bytes[start..start + self.page_size].fill(0);
        }
        bytes
    }
}

/// SQLite's variable-length integer: the value and its length.
fn varint(bytes: &[u8]) -> (u64, usize) {
    let mut value = 0u64;
    for (i, b) in bytes.iter().take(9).enumerate() {
        if i == 8 {
            return ((value << 8) | u64::from(*b), 9);
        }
        value = (value << 7) | u64::from(b & 0x7F);
        if b & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    panic!("truncated varint")
}

/// What a damaged case promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// Every pending change survives.
    All,
    /// Some may be lost; those copied are exact.
    Some,
    /// Nothing can be read.
    None,
}

/// Migrates `bytes` written as a cache and checks the rebuild.
fn assert_rebuilt(
    original: &Original,
    case: &str,
    bytes: Vec<u8>,
    pending: Pending,
) -> Vec<Vec<Value>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    std::fs::write(&path, &bytes).unwrap();
    let before = snapshot(&path);
    let run_path = path.clone();
    let outcome = support::with_timeout(case, LIMIT, move || {
        migrate(
            &run_path,
            &koc::migration_set(),
            &MigrateOptions::default(),
            &mut go_on,
        )
    })
    .unwrap_or_else(|e| panic!("{case}: an error instead of a rebuild: {e}"));
    let Outcome::Rebuilt(rebuild) = outcome else {
        panic!("{case}: expected a rebuild, got {outcome:?}")
    };
    assert!(!rebuild.reason.trim().is_empty(), "{case}: no reason");
    assert_eq!(rebuild.format, 2);
    assert_eq!(rebuild.set_aside, sibling(&path, ".pre-rebuild"));
    assert_unchanged(
        &rebuild.set_aside,
        &before,
        &format!("{case}: the old file, set aside"),
    );
    assert_eq!(
        dir_names(dir.path()),
        names(&["cache.db", "cache.db.olkit-lock", "cache.db.pre-rebuild"]),
        "{case}"
    );

    let report = check(&path, &koc::migration_set(), Verify::Full).unwrap();
    assert!(report.is_ok(), "{case}: {:?}", report.problems);
    assert_eq!(report.state, State::UpToDate { format: 2 });
    let db = open_ro(&path);
    assert_eq!(
        support::pragma_i64(&db, "application_id"),
        i64::from(koc::APPLICATION_ID)
    );
    for table in ["folders", "messages", "attachments", "blobs", "settings"] {
        assert_eq!(count(&db, table), 0, "{case}: {table} is not empty");
    }
    let copied = rows(&db, "SELECT * FROM pending_changes ORDER BY id");
    assert_eq!(
        rebuild.salvaged,
        vec![TableRows {
            table: "pending_changes".into(),
            rows: u64::try_from(copied.len()).unwrap()
        }],
        "{case}"
    );
    // Every row copied is a row of the original, unchanged.
    for row in &copied {
        assert!(
            original.pending.contains(row),
            "{case}: a pending change that was not there: {row:?}"
        );
    }
    match pending {
        Pending::All => {
            assert_eq!(copied, original.pending, "{case}: pending changes lost");
            assert_eq!(rebuild.unreadable_rows, 0, "{case}");
        }
        Pending::Some => {}
        Pending::None => assert!(copied.is_empty(), "{case}"),
    }
    eprintln!(
        "{case}: rebuilt, {} of {} pending changes kept, {} read failures; reason: {}",
        copied.len(),
        original.pending.len(),
        rebuild.unreadable_rows,
        rebuild.reason
    );
    copied
}

#[test]
fn zeroed_pages_in_the_middle() {
    let original = original();
    let total = original.bytes.len() / original.page_size;
    for (from, to) in [
        (total / 3, total / 3 + 1),
        (total / 2, total / 2 + 8),
        (total / 4, total * 3 / 4),
    ] {
        let pages: Vec<usize> = (from..to).collect();
        let case = format!("pages {from}..{to} of {total} zeroed");
        let survivors: Vec<usize> = original.pages_of("pending_changes").to_vec();
        let hits_pending = pages.iter().any(|p| survivors.contains(p));
        assert_rebuilt(
            &original,
            &case,
            original.zeroed(&pages),
            if hits_pending {
                Pending::Some
            } else {
                Pending::All
            },
        );
    }
}

#[test]
fn damage_to_message_pages_only_keeps_every_pending_change() {
    let original = original();
    let messages = original.pages_of("messages");
    assert!(messages.len() > 4, "{:?}", original.pages);
    // A few leaf pages from the middle of the messages table, then every
    // other page of it.
    let middle: Vec<usize> = messages[messages.len() / 2..messages.len() / 2 + 3].to_vec();
    assert_rebuilt(
        &original,
        "three message pages zeroed",
        original.zeroed(&middle),
        Pending::All,
    );
    let half: Vec<usize> = messages.iter().copied().skip(1).step_by(2).collect();
    assert_rebuilt(
        &original,
        "every other message page zeroed",
        original.zeroed(&half),
        Pending::All,
    );
    // Garbage instead of zeros.
    let mut bytes = original.bytes.clone();
    let mut rng = support::Rng::new(31);
    for page in &middle {
        let start = (page - 1) * original.page_size;
        for b in &mut bytes[start..start + original.page_size] {
            *b = u8::try_from(rng.below(256)).unwrap();
        }
    }
    assert_rebuilt(
        &original,
        "three message pages overwritten with noise",
        bytes,
        Pending::All,
    );
    // An attachment's overflow page (the data of one attachment).
    let attachments = original.pages_of("attachments");
    let overflow = attachments[attachments.len() / 2];
    assert_rebuilt(
        &original,
        "one attachment page zeroed",
        original.zeroed(&[overflow]),
        Pending::All,
    );
}

#[test]
fn damage_to_the_pending_changes_keeps_what_can_be_read() {
    // All pending changes on one page: that page lost, all are lost.
    let original = original();
    let pending_pages = original.pages_of("pending_changes").to_vec();
    assert_eq!(pending_pages.len(), 1);
    assert_rebuilt(
        &original,
        "the pending_changes page zeroed",
        original.zeroed(&pending_pages),
        Pending::None,
    );

    // Many pending changes over many leaves: one leaf lost, the others kept.
    let sample = koc::Sample {
        pending_changes: 3000,
        messages: 50,
        ..koc::Sample::small()
    };
    let original = original_of(&sample);
    let leaves = original.leaves.get("pending_changes").unwrap().clone();
    assert!(leaves.len() > 8, "{leaves:?}");
    for leaf in [
        leaves[0],
        leaves[leaves.len() / 2],
        leaves[leaves.len() - 1],
    ] {
        let on_leaf = original.rowids_on_leaf(leaf);
        assert!(!on_leaf.is_empty());
        let case = format!(
            "pending_changes leaf page {leaf} ({} rows) zeroed",
            on_leaf.len()
        );
        let copied = assert_rebuilt(&original, &case, original.zeroed(&[leaf]), Pending::Some);
        let id = |row: &Vec<Value>| match row[0] {
            Value::Integer(id) => id,
            ref other => panic!("id {other:?}"),
        };
        let copied_ids: Vec<i64> = copied.iter().map(id).collect();
        assert!(
            copied_ids.iter().all(|i| !on_leaf.contains(i)),
            "{case}: a row of the zeroed page came back"
        );
        // Every row of the intact pages is kept, in order.
        let expected: Vec<i64> = original
            .pending
            .iter()
            .map(id)
            .filter(|i| !on_leaf.contains(i))
            .collect();
        assert_eq!(copied_ids, expected, "{case}: rows of intact pages lost");
    }
}

#[test]
fn a_truncated_file() {
    let original = original();
    let len = original.bytes.len();
    for keep in [len / 2, len * 9 / 10, len - original.page_size, 1000, 100] {
        let case = format!("truncated to {keep} of {len} bytes");
        // The pending changes' pages are there: the salvage must find them.
        let needed =
            original.pages_of("pending_changes").iter().max().unwrap() * original.page_size;
        let pending = if keep < original.page_size {
            Pending::None
        } else if keep >= needed {
            Pending::All
        } else {
            Pending::Some
        };
        assert_rebuilt(&original, &case, original.bytes[..keep].to_vec(), pending);
    }
}

#[test]
fn an_overwritten_header() {
    let original = original();
    let mut magic = original.bytes.clone();
    magic[..16].copy_from_slice(b"not a database!\0");
    assert_rebuilt(&original, "magic string overwritten", magic, Pending::None);
    let mut header = original.bytes.clone();
    let mut rng = support::Rng::new(5);
    for b in &mut header[16..100] {
        *b = u8::try_from(rng.below(256)).unwrap();
    }
    assert_rebuilt(
        &original,
        "header fields overwritten",
        header,
        Pending::Some,
    );
    // The schema (page 1 after the file header) zeroed: no table can be found.
    let mut schema = original.bytes.clone();
    schema[100..original.page_size].fill(0);
    assert_rebuilt(&original, "schema page zeroed", schema, Pending::None);
    let mut page_size = original.bytes.clone();
    page_size[16..18].copy_from_slice(&[0x12, 0x34]);
    assert_rebuilt(&original, "invalid page size", page_size, Pending::None);
}

#[test]
fn a_garbage_file_with_the_right_name() {
    let original = original();
    let mut rng = support::Rng::new(77);
    for len in [2, 100, 512, 4096, 100_000] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| u8::try_from(rng.below(256)).unwrap())
            .collect();
        assert_rebuilt(
            &original,
            &format!("{len} bytes of noise"),
            bytes,
            Pending::None,
        );
    }
    // SQLite reads a one-byte file as an empty database, like an empty
    // file: not a KOC cache, refused and left alone.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    std::fs::write(&path, b"x").unwrap();
    let result = migrate(
        &path,
        &koc::migration_set(),
        &MigrateOptions::default(),
        &mut go_on,
    );
    assert!(
        matches!(
            result,
            Err(olkit_dbmigrate::Error::NotOurs { found: 0, .. })
        ),
        "{result:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"x");
    // A text file.
    assert_rebuilt(
        &original,
        "a text file",
        b"[settings]\nkey=value\n".repeat(200),
        Pending::None,
    );
}

#[test]
fn the_original_is_sound() {
    // The damage above is all there is: the undamaged sample migrates.
    let original = original();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    std::fs::copy(&original.path, &path).unwrap();
    let outcome = migrate(
        &path,
        &koc::migration_set(),
        &MigrateOptions::default(),
        &mut go_on,
    )
    .unwrap();
    assert!(matches!(outcome, Outcome::Upgraded(_)), "{outcome:?}");
    let copied = rows(&open_ro(&path), "SELECT * FROM pending_changes ORDER BY id");
    assert_eq!(copied, original.pending);
    let _: &Path = &original.path;
}
