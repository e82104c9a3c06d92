//! Helpers shared by the engine's integration tests: file snapshots,
//! directory listings, row reads, a timeout guard, and a toy migration set
//! (formats 1 -> 2 -> 3) that has nothing to do with KOC.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use olkit_dbmigrate::rusqlite::types::Value;
use olkit_dbmigrate::rusqlite::{params, Connection, OpenFlags};
use olkit_dbmigrate::{
    migrate, Control, Error, MigrateOptions, MigrationSet, Outcome, Phase, Progress,
};

pub mod koc;

/// A file's bytes and modification time, to prove it was not touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub bytes: Vec<u8>,
    pub modified: SystemTime,
}

pub fn snapshot(path: &Path) -> Snapshot {
    Snapshot {
        bytes: std::fs::read(path).unwrap(),
        modified: std::fs::metadata(path).unwrap().modified().unwrap(),
    }
}

/// Panics unless `path` holds exactly the snapshot's bytes (and mtime).
pub fn assert_unchanged(path: &Path, before: &Snapshot, what: &str) {
    let now = snapshot(path);
    assert!(
        now.bytes == before.bytes,
        "{what}: {} changed ({} bytes before, {} after)",
        path.display(),
        before.bytes.len(),
        now.bytes.len()
    );
    assert_eq!(
        now.modified,
        before.modified,
        "{what}: mtime of {} changed",
        path.display()
    );
}

/// The file names in `dir`.
pub fn dir_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

pub fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// `path` with `suffix` appended to its file name.
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

pub fn open_ro(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

/// Every row `sql` returns, as values.
pub fn rows(db: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut statement = db.prepare(sql).unwrap();
    let columns = statement.column_count();
    statement
        .query_map([], |r| (0..columns).map(|i| r.get::<_, Value>(i)).collect())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

pub fn count(db: &Connection, table: &str) -> u64 {
    db.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| u64::try_from(n).unwrap())
    .unwrap()
}

pub fn pragma_i64(db: &Connection, pragma: &str) -> i64 {
    db.query_row(&format!("PRAGMA {pragma}"), [], |r| r.get(0))
        .unwrap()
}

/// Names of the indexes in the database (not SQLite's automatic ones).
pub fn index_names(db: &Connection) -> BTreeSet<String> {
    rows(
        db,
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'",
    )
    .into_iter()
    .map(|r| match &r[0] {
        Value::Text(t) => t.clone(),
        other => panic!("index name {other:?}"),
    })
    .collect()
}

/// A progress callback that never cancels.
pub fn go_on(_: &Progress<'_>) -> Control {
    Control::Continue
}

/// One progress report as the callback saw it, and when it came.
#[derive(Debug, Clone)]
pub struct Report {
    pub at: Instant,
    pub phase: Phase,
    pub table: Option<String>,
    pub from: u32,
    pub rows_done: u64,
    pub rows_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// A migration that kept every progress report.
pub struct Recorded {
    pub outcome: Outcome,
    pub reports: Vec<Report>,
    pub started: Instant,
    pub ended: Instant,
}

/// Migrates `path` with the default options, keeping every report.
pub fn migrate_recording(path: &Path, set: &MigrationSet) -> Recorded {
    let mut reports = Vec::new();
    let started = Instant::now();
    let outcome = migrate(path, set, &MigrateOptions::default(), &mut |p| {
        reports.push(Report {
            at: Instant::now(),
            phase: p.phase,
            table: p.table.map(str::to_owned),
            from: p.from_format,
            rows_done: p.rows_done,
            rows_total: p.rows_total,
            bytes_done: p.bytes_done,
            bytes_total: p.bytes_total,
        });
        Control::Continue
    })
    .unwrap();
    Recorded {
        outcome,
        reports,
        started,
        ended: Instant::now(),
    }
}

impl Recorded {
    /// The longest time without a report, from the start to the end, and
    /// the index of the report that ended it (`reports.len()`: the end).
    pub fn longest_gap(&self) -> (Duration, usize) {
        let mut times = vec![self.started];
        times.extend(self.reports.iter().map(|r| r.at));
        times.push(self.ended);
        times
            .windows(2)
            .enumerate()
            .map(|(i, w)| (w[1] - w[0], i))
            .max()
            .unwrap()
    }
}

/// Runs `work` on a thread and panics if it takes longer than `limit`
/// (a hang is a failure, not a stuck test run), or re-raises its panic.
pub fn with_timeout<T: Send + 'static>(
    what: &str,
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name(what.to_owned())
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let _ = tx.send(());
            result
        })
        .unwrap();
    match rx.recv_timeout(limit) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join().unwrap() {
            Ok(value) => value,
            Err(payload) => std::panic::resume_unwind(payload),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: still running after {limit:?}"),
    }
}

/// Deterministic pseudo-random numbers (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// A toy application, to prove the engine knows nothing of KOC.
///
/// - format 1: `items(id, name, price_cents INTEGER)`, `tags`, `outbox`;
/// - format 2: the price becomes text, `"12.34"` (SQL step, `copy_sql`);
/// - format 3: items gain `words` and `initials`, computed in Rust (a
///   [`Transform`]) which refuses a name without words; a format-3 rule says
///   a name has at most 8 words.
///
/// `outbox` (offline work, like KOC's pending changes) is salvaged by a rebuild.
pub mod toy {
    use super::*;
    use olkit_dbmigrate::{MigrationSet, Step, Transform, TransformContext};

    pub const APPLICATION_ID: i32 = 0x544F_5931; // "TOY1"

    pub const FORMAT_1_SCHEMA: &str = "
        CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER);
        CREATE TABLE tags(id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id), tag TEXT NOT NULL);
        CREATE TABLE outbox(id INTEGER PRIMARY KEY, payload BLOB, created INTEGER NOT NULL);
        CREATE INDEX tags_item ON tags(item_id);";

    const FORMAT_2_TABLES: &str = "
        CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL, price TEXT);
        CREATE TABLE tags(id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id), tag TEXT NOT NULL);
        CREATE TABLE outbox(id INTEGER PRIMARY KEY, payload BLOB, created INTEGER NOT NULL);";
    const FORMAT_2_INDEXES: &str = "CREATE INDEX tags_item2 ON tags(item_id, tag);";

    const FORMAT_3_TABLES: &str = "
        CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL, price TEXT, words INTEGER NOT NULL, initials TEXT NOT NULL);
        CREATE TABLE tags(id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id), tag TEXT NOT NULL);
        CREATE TABLE outbox(id INTEGER PRIMARY KEY, payload BLOB, created INTEGER NOT NULL);";
    const FORMAT_3_INDEXES: &str =
        "CREATE INDEX tags_item3 ON tags(item_id); CREATE INDEX items_initials ON items(initials);";

    pub fn format_2_schema() -> String {
        format!("{FORMAT_2_TABLES}\n{FORMAT_2_INDEXES}")
    }
    pub fn format_3_schema() -> String {
        format!("{FORMAT_3_TABLES}\n{FORMAT_3_INDEXES}")
    }
    /// The indexes a migrated format-3 database has.
    pub fn format_3_index_names() -> BTreeSet<String> {
        names(&["tags_item3", "items_initials"])
    }

    /// What the transform computes from a name: (words, initials).
    pub fn words_and_initials(name: &str) -> (i64, String) {
        let words: Vec<&str> = name.split_whitespace().collect();
        let initials = words
            .iter()
            .filter_map(|w| w.chars().next())
            .flat_map(char::to_uppercase)
            .collect();
        (i64::try_from(words.len()).unwrap(), initials)
    }

    pub fn price_text(cents: Option<i64>) -> Option<String> {
        cents.map(|c| format!("{}.{:02}", c / 100, c % 100))
    }

    /// Format 2 -> 3 items, in Rust.
    struct Items;

    fn sqlite(db: &Path, what: &str) -> impl FnOnce(olkit_dbmigrate::rusqlite::Error) -> Error {
        let path = db.to_path_buf();
        let what = what.to_owned();
        move |source| Error::Sqlite { path, what, source }
    }

    impl Transform for Items {
        fn table(&self) -> &str {
            "items"
        }

        fn source_rows(&self, db: &Connection) -> Result<u64, Error> {
            let n: i64 = db
                .query_row("SELECT count(*) FROM old.items", [], |r| r.get(0))
                .map_err(|e| Error::Sqlite {
                    path: PathBuf::from("old"),
                    what: "counting items".into(),
                    source: e,
                })?;
            Ok(u64::try_from(n).unwrap_or(0))
        }

        fn run(&self, ctx: &mut TransformContext<'_>) -> Result<(), Error> {
            let source = ctx.source_path().to_path_buf();
            let db = ctx.target();
            let mut read = db
                .prepare("SELECT id, name, price FROM old.items ORDER BY id")
                .map_err(sqlite(&source, "reading items"))?;
            let mut write = db
                .prepare("INSERT INTO main.items(id, name, price, words, initials) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(sqlite(&source, "preparing the insert"))?;
            let mut rows = read.query([]).map_err(sqlite(&source, "reading items"))?;
            while let Some(row) = rows.next().map_err(sqlite(&source, "reading items"))? {
                let id: i64 = row.get(0).map_err(sqlite(&source, "reading items"))?;
                let name: String = row.get(1).map_err(sqlite(&source, "reading items"))?;
                let price: Option<String> = row.get(2).map_err(sqlite(&source, "reading items"))?;
                let (words, initials) = words_and_initials(&name);
                if words == 0 {
                    return Err(Error::Data {
                        from: ctx.from_format(),
                        table: "items".into(),
                        row: id,
                        reason: "a name without words".into(),
                    });
                }
                write
                    .execute(params![id, name, price, words, initials])
                    .map_err(sqlite(&source, "writing items"))?;
                ctx.advance(1)?;
            }
            Ok(())
        }
    }

    /// The set: 1 -> 2 (SQL), 2 -> 3 (Rust), outbox salvaged.
    pub fn set() -> MigrationSet {
        MigrationSet::new("toy", APPLICATION_ID, 3, format_3_schema())
            .step(
                Step::new(1, "prices as text")
                    .schema(FORMAT_2_TABLES)
                    .copy_sql(
                        "items",
                        "INSERT INTO main.items(id, name, price)
                         SELECT id, name, CASE WHEN price_cents IS NULL THEN NULL
                                               ELSE printf('%d.%02d', price_cents / 100, price_cents % 100) END
                         FROM old.items",
                        "SELECT count(*) FROM old.items",
                    )
                    .copy_table("tags")
                    .copy_table("outbox")
                    .finish(FORMAT_2_INDEXES),
            )
            .step(
                Step::new(2, "words and initials")
                    .schema(FORMAT_3_TABLES)
                    .transform(Items)
                    .expect_rows("items", "SELECT count(*) FROM old.items")
                    .copy_table("tags")
                    .copy_table("outbox")
                    .finish(FORMAT_3_INDEXES),
            )
            .salvage("outbox")
            .format_check(3, "a name has at most 8 words", "SELECT count(*) FROM items WHERE words > 8")
    }

    #[derive(Debug, Clone, PartialEq)]
    pub struct Item {
        pub id: i64,
        pub name: String,
        pub price_cents: Option<i64>,
    }

    #[derive(Debug, Clone, PartialEq)]
    pub struct Data {
        pub items: Vec<Item>,
        /// (id, item_id, tag)
        pub tags: Vec<(i64, i64, String)>,
        /// (id, payload, created)
        pub outbox: Vec<(i64, Option<Vec<u8>>, i64)>,
    }

    const WORDS: [&str; 9] = [
        "red", "green", "blue", "tea", "cup", "lamp", "chair", "ötzi", "émile",
    ];

    impl Data {
        /// `items` items with names of 1 to 5 words, some NULL prices,
        /// 0 to 2 tags each, and an outbox of one row per 10 items (some
        /// NULL or empty payloads).
        pub fn generate(seed: u64, items: usize) -> Data {
            let mut rng = Rng::new(seed);
            let mut data = Data {
                items: Vec::new(),
                tags: Vec::new(),
                outbox: Vec::new(),
            };
            for n in 1..=items {
                let id = i64::try_from(n).unwrap() * 3; // ids with gaps are kept as they are
                let words = 1 + rng.below(5);
                let name = (0..words)
                    .map(|_| WORDS[usize::try_from(rng.below(9)).unwrap()])
                    .collect::<Vec<_>>()
                    .join(if rng.below(4) == 0 { "  " } else { " " });
                let price_cents =
                    (rng.below(10) != 0).then(|| i64::try_from(rng.below(100_000)).unwrap());
                data.items.push(Item {
                    id,
                    name,
                    price_cents,
                });
                for _ in 0..rng.below(3) {
                    let tag_id = i64::try_from(data.tags.len()).unwrap() + 1;
                    data.tags.push((
                        tag_id,
                        id,
                        WORDS[usize::try_from(rng.below(9)).unwrap()].to_owned(),
                    ));
                }
                if n % 10 == 0 {
                    let payload = match rng.below(5) {
                        0 => None,
                        1 => Some(Vec::new()),
                        _ => Some(
                            (0..rng.below(200))
                                .map(|_| u8::try_from(rng.below(256)).unwrap())
                                .collect(),
                        ),
                    };
                    let outbox_id = i64::try_from(data.outbox.len()).unwrap() + 100;
                    data.outbox.push((
                        outbox_id,
                        payload,
                        1_700_000_000 + i64::try_from(n).unwrap(),
                    ));
                }
            }
            data
        }

        /// Source rows a migration from format 1 copies (both steps).
        pub fn rows_per_step(&self) -> u64 {
            u64::try_from(self.items.len() + self.tags.len() + self.outbox.len()).unwrap()
        }

        fn write_common(&self, db: &Connection) {
            let mut tag = db.prepare("INSERT INTO tags VALUES (?1, ?2, ?3)").unwrap();
            for (id, item, text) in &self.tags {
                tag.execute(params![id, item, text]).unwrap();
            }
            let mut outbox = db
                .prepare("INSERT INTO outbox VALUES (?1, ?2, ?3)")
                .unwrap();
            for (id, payload, created) in &self.outbox {
                outbox.execute(params![id, payload, created]).unwrap();
            }
        }

        /// A new format-1 database at `path`.
        pub fn write_format1(&self, path: &Path) {
            self.fill_format1(&Connection::open(path).unwrap());
        }

        /// Writes this data in format 1 (pragmas, tables, rows) into the
        /// empty database `db`, in one transaction.
        pub fn fill_format1(&self, db: &Connection) {
            db.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1; BEGIN; {FORMAT_1_SCHEMA}"
            ))
            .unwrap();
            {
                let mut item = db.prepare("INSERT INTO items VALUES (?1, ?2, ?3)").unwrap();
                for i in &self.items {
                    item.execute(params![i.id, i.name, i.price_cents]).unwrap();
                }
            }
            self.write_common(db);
            db.execute_batch("COMMIT").unwrap();
        }

        /// A new format-2 database at `path`, as a migration to 2 would
        /// leave it (written independently of the engine).
        pub fn write_format2(&self, path: &Path) {
            let db = Connection::open(path).unwrap();
            db.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 2; BEGIN; {}",
                format_2_schema()
            ))
            .unwrap();
            {
                let mut item = db.prepare("INSERT INTO items VALUES (?1, ?2, ?3)").unwrap();
                for i in &self.items {
                    item.execute(params![i.id, i.name, price_text(i.price_cents)])
                        .unwrap();
                }
            }
            self.write_common(&db);
            db.execute_batch("COMMIT").unwrap();
        }

        /// Asserts that `path` is exactly this data in format 3.
        pub fn assert_format3(&self, path: &Path) {
            let db = open_ro(path);
            assert_eq!(pragma_i64(&db, "application_id"), i64::from(APPLICATION_ID));
            assert_eq!(pragma_i64(&db, "user_version"), 3);
            let items = rows(
                &db,
                "SELECT id, name, price, words, initials FROM items ORDER BY id",
            );
            let expected: Vec<Vec<Value>> = self
                .items
                .iter()
                .map(|i| {
                    let (words, initials) = words_and_initials(&i.name);
                    vec![
                        Value::Integer(i.id),
                        Value::Text(i.name.clone()),
                        price_text(i.price_cents).map_or(Value::Null, Value::Text),
                        Value::Integer(words),
                        Value::Text(initials),
                    ]
                })
                .collect();
            assert_eq!(items.len(), expected.len(), "items");
            assert!(items == expected, "items differ from the expected format 3");
            self.assert_common(&db);
            assert_eq!(index_names(&db), format_3_index_names());
        }

        /// Asserts that `db` holds exactly these tags and outbox rows.
        pub fn assert_common(&self, db: &Connection) {
            let tags = rows(db, "SELECT id, item_id, tag FROM tags ORDER BY id");
            let expected: Vec<Vec<Value>> = self
                .tags
                .iter()
                .map(|(id, item, tag)| {
                    vec![
                        Value::Integer(*id),
                        Value::Integer(*item),
                        Value::Text(tag.clone()),
                    ]
                })
                .collect();
            assert!(tags == expected, "tags differ");
            self.assert_outbox(db);
        }

        pub fn assert_outbox(&self, db: &Connection) {
            let outbox = rows(db, "SELECT id, payload, created FROM outbox ORDER BY id");
            assert_eq!(outbox, self.outbox_values(), "outbox differs");
        }

        pub fn outbox_values(&self) -> Vec<Vec<Value>> {
            self.outbox
                .iter()
                .map(|(id, payload, created)| {
                    vec![
                        Value::Integer(*id),
                        payload.clone().map_or(Value::Null, Value::Blob),
                        Value::Integer(*created),
                    ]
                })
                .collect()
        }
    }
}
