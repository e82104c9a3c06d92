//! The engine with a toy migration set (formats 1 -> 2 -> 3, defined in
//! tests/support, nothing of KOC): exact results, detection of every state
//! without side effects, refusals that leave the file alone, the lock,
//! leftovers, WAL databases, the rebuild fallback and progress reports.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod support;

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use olkit_dbmigrate::rusqlite::Connection;
use olkit_dbmigrate::{
    check, detect, migrate, Error, MigrateOptions, Outcome, Phase, State, TableRows, Verify,
};
use support::toy::{self, Data};
use support::{
    assert_unchanged, count, dir_names, go_on, migrate_recording, names, open_ro, pragma_i64,
    sibling, snapshot, Report,
};

fn upgraded(outcome: &Outcome) -> &olkit_dbmigrate::Upgrade {
    match outcome {
        Outcome::Upgraded(upgrade) => upgrade,
        other => panic!("expected an upgrade, got {other:?}"),
    }
}

fn table_rows(list: &[(&str, usize)]) -> Vec<TableRows> {
    list.iter()
        .map(|(table, rows)| TableRows {
            table: (*table).to_owned(),
            rows: u64::try_from(*rows).unwrap(),
        })
        .collect()
}

#[test]
fn migrates_from_format_1_and_from_format_2_exactly() {
    let data = Data::generate(1, 400);
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    for from in [1u32, 2] {
        let path = dir.path().join(format!("from{from}.db"));
        match from {
            1 => data.write_format1(&path),
            _ => data.write_format2(&path),
        }
        let old_bytes = std::fs::metadata(&path).unwrap().len();
        assert_eq!(
            detect(&path, &set).unwrap().state,
            State::NeedsUpgrade { from, to: 3 }
        );

        let outcome = migrate(&path, &set, &MigrateOptions::default(), &mut go_on).unwrap();
        let upgrade = upgraded(&outcome);
        assert_eq!((upgrade.from, upgrade.to), (from, 3));
        assert_eq!(upgrade.old_bytes, old_bytes);
        assert_eq!(upgrade.new_bytes, std::fs::metadata(&path).unwrap().len());
        let steps = u64::from(3 - from);
        assert_eq!(
            upgrade.rows,
            steps * data.rows_per_step(),
            "rows copied over {steps} step(s)"
        );
        assert_eq!(
            upgrade.tables,
            table_rows(&[
                ("items", data.items.len()),
                ("outbox", data.outbox.len()),
                ("tags", data.tags.len())
            ])
        );
        data.assert_format3(&path);

        let report = check(&path, &set, Verify::Full).unwrap();
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.state, State::UpToDate { format: 3 });
        let again = migrate(&path, &set, &MigrateOptions::default(), &mut go_on).unwrap();
        assert_eq!(again, Outcome::UpToDate { format: 3 });
    }
    // Nothing left beside the databases but their lock files.
    assert_eq!(
        dir_names(dir.path()),
        names(&[
            "from1.db",
            "from1.db.olkit-lock",
            "from2.db",
            "from2.db.olkit-lock"
        ])
    );
}

/// Writes an empty database with these pragmas.
fn write_header_only(path: &Path, application_id: i32, user_version: i32) {
    let db = Connection::open(path).unwrap();
    db.execute_batch(&format!(
        "PRAGMA application_id = {application_id}; PRAGMA user_version = {user_version};
         CREATE TABLE t(x);"
    ))
    .unwrap();
}

#[test]
fn detect_tells_every_state_and_changes_nothing() {
    let set = toy::set();
    let data = Data::generate(2, 50);
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name);

    data.write_format1(&at("v1.db"));
    data.write_format2(&at("v2.db"));
    data.write_format2(&at("v3.db"));
    migrate(&at("v3.db"), &set, &MigrateOptions::default(), &mut go_on).unwrap();
    std::fs::remove_file(at("v3.db.olkit-lock")).unwrap();
    write_header_only(&at("v4.db"), toy::APPLICATION_ID, 4);
    write_header_only(&at("v0.db"), toy::APPLICATION_ID, 0);
    write_header_only(&at("other.db"), 0x1234_5678, 3);
    File::create(at("empty.db")).unwrap();
    let mut rng = support::Rng::new(7);
    let garbage: Vec<u8> = (0..8192)
        .map(|_| u8::try_from(rng.below(256)).unwrap())
        .collect();
    std::fs::write(at("garbage.db"), &garbage).unwrap();
    let whole = std::fs::read(at("v1.db")).unwrap();
    std::fs::write(at("cut50.db"), &whole[..50]).unwrap();
    std::fs::write(at("cut1000.db"), &whole[..1000]).unwrap();
    // A "database" that is the header of one with nothing after it.
    std::fs::write(at("cut100.db"), &whole[..100]).unwrap();

    type Expect = Box<dyn Fn(&State) -> bool>;
    let cases: Vec<(&str, Expect)> = vec![
        ("v3.db", Box::new(|s| *s == State::UpToDate { format: 3 })),
        (
            "v1.db",
            Box::new(|s| *s == State::NeedsUpgrade { from: 1, to: 3 }),
        ),
        (
            "v2.db",
            Box::new(|s| *s == State::NeedsUpgrade { from: 2, to: 3 }),
        ),
        (
            "v4.db",
            Box::new(|s| *s == State::Newer { found: 4, known: 3 }),
        ),
        (
            "v0.db",
            Box::new(|s| {
                *s == State::TooOld {
                    found: 0,
                    oldest: 1,
                }
            }),
        ),
        (
            "other.db",
            Box::new(|s| {
                *s == State::NotOurs {
                    application_id: 0x1234_5678,
                }
            }),
        ),
        (
            "empty.db",
            Box::new(|s| *s == State::NotOurs { application_id: 0 }),
        ),
        (
            "garbage.db",
            Box::new(|s| matches!(s, State::Unreadable { reason } if !reason.is_empty())),
        ),
        (
            "cut50.db",
            Box::new(|s| matches!(s, State::Unreadable { reason } if !reason.is_empty())),
        ),
        (
            "cut100.db",
            Box::new(|s| matches!(s, State::Unreadable { reason } if !reason.is_empty())),
        ),
        (
            "cut1000.db",
            Box::new(|s| matches!(s, State::Unreadable { reason } if !reason.is_empty())),
        ),
    ];
    let listing = dir_names(dir.path());
    for (name, expected) in &cases {
        let path = at(name);
        let before = snapshot(&path);
        let status = detect(&path, &set).unwrap();
        assert!(expected(&status.state), "{name}: {:?}", status.state);
        assert_eq!(
            status.size_bytes,
            u64::try_from(before.bytes.len()).unwrap(),
            "{name}"
        );
        assert_eq!(status.space_needed_bytes, 2 * status.size_bytes, "{name}");
        assert_eq!(status.scheduled, None, "{name}");
        assert!(status.leftovers.is_empty(), "{name}");
        assert_unchanged(&path, &before, name);
        assert_eq!(
            dir_names(dir.path()),
            listing,
            "{name}: detect created or removed a file"
        );
    }

    // A missing file is an error, not a state.
    assert!(matches!(
        detect(&at("missing.db"), &set),
        Err(Error::Io { .. })
    ));
    // So is a directory.
    assert!(matches!(detect(dir.path(), &set), Err(Error::Io { .. })));
}

#[test]
fn detect_reads_a_wal_database_without_folding_its_log() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let data = Data::generate(3, 200);
    let path = dir.path().join("w.db");
    let _writer = write_wal_copy(&data, dir.path(), &path);
    let wal = sibling(&path, "-wal");
    let (db_before, wal_before) = (snapshot(&path), snapshot(&wal));
    let status = detect(&path, &set).unwrap();
    assert_eq!(status.state, State::NeedsUpgrade { from: 1, to: 3 });
    assert_eq!(
        status.size_bytes,
        u64::try_from(db_before.bytes.len() + wal_before.bytes.len()).unwrap()
    );
    assert_unchanged(&path, &db_before, "database");
    assert_unchanged(&wal, &wal_before, "write-ahead log");
}

/// Writes `data` in format 1 in WAL mode, never checkpointed, and copies
/// the database and its log to `path` while the writer is still open (so
/// the copy's rows exist only in its -wal). Returns the open writer.
fn write_wal_copy(data: &Data, dir: &Path, path: &Path) -> Connection {
    let source = dir.join("writer.db");
    let writer = Connection::open(&source).unwrap();
    writer
        .execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
             PRAGMA application_id = {}; PRAGMA user_version = 1;",
            toy::APPLICATION_ID
        ))
        .unwrap();
    drop(writer);
    // The rows are written on a connection of their own; keep one open
    // meanwhile, so that closing it does not checkpoint.
    let keeper = Connection::open(&source).unwrap();
    keeper
        .execute_batch("PRAGMA wal_autocheckpoint = 0; SELECT 1")
        .unwrap();
    {
        let db = Connection::open(&source).unwrap();
        db.execute_batch("PRAGMA wal_autocheckpoint = 0").unwrap();
        data.fill_format1(&db);
    }
    std::fs::copy(&source, path).unwrap();
    std::fs::copy(sibling(&source, "-wal"), sibling(path, "-wal")).unwrap();
    // The copied file alone holds none of the rows: they are all in the log.
    let alone = dir.join("alone.db");
    std::fs::copy(&source, &alone).unwrap();
    let tables: i64 = open_ro(&alone)
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'items'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0, "the rows must be in the -wal only");
    std::fs::remove_file(&alone).unwrap();
    keeper
}

#[test]
fn a_wal_database_migrates_with_all_rows_and_no_stale_log() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let data = Data::generate(4, 300);
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let path = work.join("w.db");
    let writer = write_wal_copy(&data, dir.path(), &path);
    drop(writer);

    let outcome = migrate(&path, &set, &MigrateOptions::default(), &mut go_on).unwrap();
    assert_eq!(upgraded(&outcome).rows, 2 * data.rows_per_step());
    assert!(!sibling(&path, "-wal").exists(), "a stale -wal is left");
    assert!(!sibling(&path, "-shm").exists(), "a stale -shm is left");
    assert_eq!(dir_names(&work), names(&["w.db", "w.db.olkit-lock"]));
    data.assert_format3(&path);
    // The database keeps the journal mode it had.
    let mode: String = open_ro(&path)
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn an_up_to_date_wal_database_is_left_as_it_is() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let data = Data::generate(11, 100);
    let path = dir.path().join("w.db");
    let writer = write_wal_copy(&data, dir.path(), &path);
    drop(writer);
    upgraded(&migrate(&path, &set, &MigrateOptions::default(), &mut go_on).unwrap());
    // The application writes to it in WAL mode again, and keeps the log.
    let app = Connection::open(&path).unwrap();
    app.execute_batch("PRAGMA wal_autocheckpoint = 0; INSERT INTO outbox VALUES (1, x'01', 5)")
        .unwrap();
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();
    std::fs::copy(sibling(&path, "-wal"), sibling(&copy, "-wal")).unwrap();
    drop(app);
    let (db_before, wal_before) = (snapshot(&copy), snapshot(&sibling(&copy, "-wal")));

    assert_eq!(
        migrate(&copy, &set, &MigrateOptions::default(), &mut go_on).unwrap(),
        Outcome::UpToDate { format: 3 }
    );
    assert_unchanged(&copy, &db_before, "up-to-date database");
    assert_unchanged(&sibling(&copy, "-wal"), &wal_before, "its log");
}

#[test]
fn not_ours_and_newer_are_refused_and_left_byte_identical() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name);
    write_header_only(&at("other.db"), 0x1234_5678, 1);
    write_header_only(&at("newer.db"), toy::APPLICATION_ID, 9);
    File::create(at("empty.db")).unwrap();
    for (name, wal) in [
        ("other-wal.db", 0x1234_5678),
        ("newer-wal.db", toy::APPLICATION_ID),
    ] {
        // Same, in WAL mode with rows in an un-checkpointed log.
        let source = at("source.db");
        let db = Connection::open(&source).unwrap();
        db.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
             PRAGMA application_id = {wal}; PRAGMA user_version = {};
             CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);",
            if wal == toy::APPLICATION_ID { 9 } else { 1 }
        ))
        .unwrap();
        std::fs::copy(&source, at(name)).unwrap();
        std::fs::copy(sibling(&source, "-wal"), sibling(&at(name), "-wal")).unwrap();
        drop(db);
        std::fs::remove_file(&source).unwrap();
    }
    let listing = dir_names(dir.path());

    for name in [
        "other.db",
        "newer.db",
        "empty.db",
        "other-wal.db",
        "newer-wal.db",
    ] {
        let path = at(name);
        let wal = sibling(&path, "-wal");
        let before = snapshot(&path);
        let wal_before = wal.exists().then(|| snapshot(&wal));
        let result = migrate(&path, &set, &MigrateOptions::default(), &mut go_on);
        match (name.starts_with("newer"), &result) {
            (
                false,
                Err(Error::NotOurs {
                    found, expected, ..
                }),
            ) => {
                assert_eq!(*found, if name == "empty.db" { 0 } else { 0x1234_5678 });
                assert_eq!(*expected, toy::APPLICATION_ID);
            }
            (
                true,
                Err(Error::Newer {
                    found: 9, known: 3, ..
                }),
            ) => {}
            _ => panic!("{name}: {result:?}"),
        }
        assert_unchanged(&path, &before, name);
        if let Some(wal_before) = wal_before {
            assert_unchanged(&wal, &wal_before, &format!("{name}-wal"));
        }
    }
    // Only the lock files are new.
    let mut expected = listing;
    for name in [
        "other.db",
        "newer.db",
        "empty.db",
        "other-wal.db",
        "newer-wal.db",
    ] {
        expected.insert(format!("{name}.olkit-lock"));
        // SQLite's shared-memory index of a WAL database may appear; it
        // holds no data.
        if name.ends_with("-wal.db") {
            expected.insert(format!("{name}-shm"));
        }
    }
    let found = dir_names(dir.path());
    assert!(
        found.is_subset(&expected),
        "unexpected files: {:?}",
        found.difference(&expected)
    );
}

#[test]
fn a_second_migration_of_the_same_database_is_busy() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let data = Data::generate(5, 30);
    data.write_format1(&path);
    let before = snapshot(&path);

    let lock = File::create(sibling(&path, ".olkit-lock")).unwrap();
    lock.try_lock().unwrap();
    let result = migrate(&path, &set, &MigrateOptions::default(), &mut go_on);
    assert!(matches!(result, Err(Error::Busy { .. })), "{result:?}");
    assert_unchanged(&path, &before, "while locked");
    assert_eq!(dir_names(dir.path()), names(&["a.db", "a.db.olkit-lock"]));

    // And while an application holds a write transaction on the database.
    drop(lock);
    let app = Connection::open(&path).unwrap();
    app.execute_batch("BEGIN IMMEDIATE; INSERT INTO outbox VALUES (1, NULL, 0)")
        .unwrap();
    let started = Instant::now();
    let result = migrate(&path, &set, &MigrateOptions::default(), &mut go_on);
    assert!(matches!(result, Err(Error::Busy { .. })), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    app.execute_batch("ROLLBACK").unwrap();
    drop(app);
    assert_eq!(std::fs::read(&path).unwrap(), before.bytes);

    // Released: the migration runs.
    let outcome = migrate(&path, &set, &MigrateOptions::default(), &mut go_on).unwrap();
    upgraded(&outcome);
    data.assert_format3(&path);
}

#[test]
fn leftovers_of_an_interrupted_run_are_reported_then_removed() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let data = Data::generate(6, 60);
    data.write_format1(&path);
    let left = [
        "a.db.olkit-tmp2",
        "a.db.olkit-tmp2-journal",
        "a.db.olkit-tmp3",
        "a.db.olkit-tmp3-wal",
    ];
    for name in left {
        std::fs::write(dir.path().join(name), b"half a database").unwrap();
    }
    // Not ours to remove: another database's build, other suffixes.
    let unrelated = [
        "b.db.olkit-tmp2",
        "a.db.olkit-tmp2.bak",
        "a.db.olkit-tmp",
        "a.db-journal.txt",
    ];
    for name in unrelated {
        std::fs::write(dir.path().join(name), b"keep me").unwrap();
    }

    let status = detect(&path, &set).unwrap();
    let mut expected: Vec<_> = left.iter().map(|n| dir.path().join(n)).collect();
    expected.sort();
    assert_eq!(status.leftovers, expected);
    assert_eq!(status.state, State::NeedsUpgrade { from: 1, to: 3 });

    upgraded(&migrate(&path, &set, &MigrateOptions::default(), &mut go_on).unwrap());
    data.assert_format3(&path);
    let mut expected = names(&["a.db", "a.db.olkit-lock"]);
    expected.extend(unrelated.iter().map(|n| (*n).to_owned()));
    assert_eq!(dir_names(dir.path()), expected);
    assert!(detect(&path, &set).unwrap().leftovers.is_empty());

    // Leftovers beside an up-to-date database go too.
    std::fs::write(dir.path().join("a.db.olkit-tmp3"), b"half").unwrap();
    assert_eq!(
        migrate(&path, &set, &MigrateOptions::default(), &mut go_on).unwrap(),
        Outcome::UpToDate { format: 3 }
    );
    assert_eq!(dir_names(dir.path()), expected);
}

#[test]
fn a_hot_journal_of_an_interrupted_application_write_is_rolled_back_first() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let data = Data::generate(13, 2_000);
    let source = dir.path().join("app.db");
    data.write_format1(&source);
    // The application dies in the middle of a large write: a tiny cache
    // spills changed pages into the file while the journal holds the old
    // ones. Copying both while the transaction is open is that crash.
    let app = Connection::open(&source).unwrap();
    app.execute_batch(
        "PRAGMA journal_mode = DELETE; PRAGMA cache_size = 2;
         BEGIN; UPDATE items SET name = 'half written ' || name; DELETE FROM outbox;",
    )
    .unwrap();
    let path = dir.path().join("a.db");
    std::fs::copy(&source, &path).unwrap();
    std::fs::copy(sibling(&source, "-journal"), sibling(&path, "-journal")).unwrap();
    app.execute_batch("ROLLBACK").unwrap();
    drop(app);
    assert_ne!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&source).unwrap(),
        "the copy must hold half-written pages"
    );

    // detect cannot roll back (read-only) and changes nothing.
    let (db_before, journal_before) = (snapshot(&path), snapshot(&sibling(&path, "-journal")));
    let status = detect(&path, &set).unwrap();
    // As documented: the recovery needs a read-write open.
    assert!(
        matches!(status.state, State::Unreadable { .. }),
        "{:?}",
        status.state
    );
    assert_unchanged(&path, &db_before, "detect with a hot journal");
    assert_unchanged(
        &sibling(&path, "-journal"),
        &journal_before,
        "the hot journal",
    );

    let outcome = migrate(&path, &set, &MigrateOptions::default(), &mut go_on).unwrap();
    upgraded(&outcome);
    data.assert_format3(&path);
    assert_eq!(
        dir_names(dir.path()),
        names(&["a.db", "a.db.olkit-lock", "app.db"])
    );
}

/// Runs a migration that must end in a rebuild and checks what the
/// fallback promises: the old file aside, byte-identical; an empty
/// format-3 database with the whole outbox.
fn assert_rebuilt(data: &Data, write: impl Fn(&Path), reason_has: &str) {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    write(&path);
    let before = snapshot(&path);

    let outcome = migrate(&path, &set, &MigrateOptions::default(), &mut go_on).unwrap();
    let Outcome::Rebuilt(rebuild) = outcome else {
        panic!("expected a rebuild, got {outcome:?}")
    };
    assert!(
        rebuild.reason.contains(reason_has),
        "reason: {}",
        rebuild.reason
    );
    assert_eq!(rebuild.format, 3);
    assert_eq!(rebuild.set_aside, sibling(&path, ".pre-rebuild"));
    assert_eq!(
        rebuild.salvaged,
        table_rows(&[("outbox", data.outbox.len())])
    );
    assert_eq!(rebuild.unreadable_rows, 0);
    assert_unchanged(&rebuild.set_aside, &before, "the old database, set aside");

    let db = open_ro(&path);
    assert_eq!(
        pragma_i64(&db, "application_id"),
        i64::from(toy::APPLICATION_ID)
    );
    assert_eq!(pragma_i64(&db, "user_version"), 3);
    assert_eq!(count(&db, "items"), 0);
    assert_eq!(count(&db, "tags"), 0);
    data.assert_outbox(&db);
    assert_eq!(support::index_names(&db), toy::format_3_index_names());
    drop(db);
    let report = check(&path, &set, Verify::Full).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(
        dir_names(dir.path()),
        names(&["a.db", "a.db.olkit-lock", "a.db.pre-rebuild"])
    );

    // The next start finds it up to date; a second rebuild keeps both old files.
    assert_eq!(
        migrate(&path, &set, &MigrateOptions::default(), &mut go_on).unwrap(),
        Outcome::UpToDate { format: 3 }
    );
    std::fs::remove_file(&path).unwrap();
    write(&path);
    let Outcome::Rebuilt(second) =
        migrate(&path, &set, &MigrateOptions::default(), &mut go_on).unwrap()
    else {
        panic!("expected a second rebuild")
    };
    assert_eq!(second.set_aside, sibling(&path, ".pre-rebuild.2"));
    assert_unchanged(&rebuild.set_aside, &before, "the first copy aside");
}

#[test]
fn a_failing_transform_ends_in_a_rebuild() {
    let mut data = Data::generate(7, 200);
    data.items[150].name = " \t ".into();
    // From format 1 (the SQL step passes, the Rust one fails) and from 2.
    assert_rebuilt(&data, |p| data.write_format1(p), "without words");
    assert_rebuilt(&data, |p| data.write_format2(p), "without words");
}

#[test]
fn a_failing_format_check_ends_in_a_rebuild() {
    let mut data = Data::generate(8, 200);
    data.items[20].name = "one two three four five six seven eight nine".into();
    assert_rebuilt(&data, |p| data.write_format1(p), "at most 8 words");
}

#[test]
fn a_database_older_than_the_oldest_step_is_rebuilt() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let data = Data::generate(9, 40);
    data.write_format1(&path);
    Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 0")
        .unwrap();
    let before = snapshot(&path);
    let Outcome::Rebuilt(rebuild) =
        migrate(&path, &set, &MigrateOptions::default(), &mut go_on).unwrap()
    else {
        panic!("expected a rebuild")
    };
    assert!(rebuild.reason.contains("older"), "{}", rebuild.reason);
    assert_unchanged(&rebuild.set_aside, &before, "set aside");
    data.assert_outbox(&open_ro(&path));
}

#[test]
fn a_rebuild_reports_progress_too() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let mut data = Data::generate(12, 2_000);
    data.items[0].name = String::new();
    // A large outbox (offline work piles up): its salvage takes a while.
    for n in 0..150_000 {
        data.outbox.push((
            1_000_000 + n,
            Some(vec![u8::try_from(n % 251).unwrap(); 100]),
            n,
        ));
    }
    data.write_format2(&path);
    let recorded = migrate_recording(&path, &set);
    let Outcome::Rebuilt(rebuild) = &recorded.outcome else {
        panic!("expected a rebuild")
    };
    assert_eq!(
        rebuild.salvaged,
        table_rows(&[("outbox", data.outbox.len())])
    );
    let reports = &recorded.reports;
    let rebuild_at = reports
        .iter()
        .position(|r| r.phase == Phase::Rebuild)
        .unwrap();
    let mut times: Vec<Instant> = reports[rebuild_at..].iter().map(|r| r.at).collect();
    times.push(recorded.ended);
    let gap = times.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    eprintln!(
        "rebuild: {} reports over {:?}, {} in the rebuild, longest gap there {gap:?}",
        reports.len(),
        recorded.ended - recorded.started,
        reports.len() - rebuild_at
    );
    assert!(
        gap <= Duration::from_millis(100),
        "no report for {gap:?} during the rebuild"
    );
}

#[test]
fn progress_comes_in_phase_order_with_monotonic_rows_and_no_gap_over_100_ms() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.db");
    let data = Data::generate(10, 120_000);
    data.write_format1(&path);

    let recorded = migrate_recording(&path, &set);
    let reports = &recorded.reports;
    upgraded(&recorded.outcome);
    data.assert_format3(&path);

    // Phases, in order, each entered once per step.
    let mut sequence: Vec<(Phase, Option<String>, u32)> = Vec::new();
    for r in reports {
        let key = (r.phase, r.table.clone(), r.from);
        if sequence.last() != Some(&key) {
            sequence.push(key);
        }
    }
    let mut expected = vec![(Phase::Preflight, None, 0)];
    for from in [1, 2] {
        for table in ["items", "tags", "outbox"] {
            expected.push((Phase::Copy, Some(table.to_owned()), from));
        }
        for phase in [Phase::Index, Phase::Verify, Phase::Sync] {
            expected.push((phase, None, from));
        }
    }
    expected.push((Phase::Swap, None, 2));
    assert_eq!(sequence, expected);

    // Rows: monotonic within a step, ending at the step's total.
    for from in [1, 2] {
        let step: Vec<&Report> = reports.iter().filter(|r| r.from == from).collect();
        assert!(step.iter().all(|r| r.rows_total == data.rows_per_step()));
        assert!(
            step.windows(2).all(|w| w[0].rows_done <= w[1].rows_done),
            "rows go back in step {from}"
        );
        assert!(step.iter().all(|r| r.rows_done <= r.rows_total));
        let copy_end = step.iter().rfind(|r| r.phase == Phase::Copy).unwrap();
        let after_copy = step.iter().find(|r| r.phase == Phase::Index).unwrap();
        assert!(copy_end.rows_done <= after_copy.rows_done);
        assert_eq!(
            after_copy.rows_done, after_copy.rows_total,
            "step {from} ends short"
        );
        assert!(step.iter().all(|r| r.bytes_total > 0));
        assert!(step.last().unwrap().bytes_done > 0);
    }
    // The transform's table is reported row by row, not at the end only.
    let items_reports = reports
        .iter()
        .filter(|r| r.from == 2 && r.phase == Phase::Copy && r.table.as_deref() == Some("items"))
        .count();
    assert!(
        items_reports > 3,
        "{items_reports} reports while the transform ran"
    );

    // Gaps between reports (and from the start, and to the end).
    let (gap, at) = recorded.longest_gap();
    let phase_at = |i: usize| {
        reports.get(i).map_or("start/end".to_owned(), |r| {
            format!("{:?} {:?}", r.phase, r.table)
        })
    };
    eprintln!(
        "progress: {} reports over {:?}, longest gap {:?} (before report {}: {}), {} source rows per step",
        reports.len(),
        recorded.ended - recorded.started,
        gap,
        at,
        phase_at(at),
        data.rows_per_step()
    );
    assert!(
        gap <= Duration::from_millis(100),
        "a gap of {gap:?} before {}",
        phase_at(at)
    );
}
