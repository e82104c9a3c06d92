//! `olkit db` on connector caches generated at test time
//! (`koc::Sample`), checked with the `sqlite3` command-line tool.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::olkit;
use olkit_dbmigrate::koc;
use serde_json::Value;

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs `sqlite3 DB SQL` and gives its output, trimmed.
fn sqlite3(db: &Path, sql: &str) -> String {
    let output = Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("sqlite3 runs (apt-get install sqlite3)");
    assert!(
        output.status.success(),
        "sqlite3 {sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn count(db: &Path, table: &str) -> u64 {
    sqlite3(db, &format!("SELECT count(*) FROM {table}"))
        .parse()
        .unwrap()
}

/// Every pending change, as text (payloads are blobs).
const PENDING_CHANGES: &str =
    "SELECT id, message_id, op, quote(payload), created FROM pending_changes ORDER BY id";

/// A small format-1 cache at `dir/koc-cache.db`.
fn format1(dir: &Path) -> PathBuf {
    let path = dir.join("koc-cache.db");
    koc::Sample::small().write_format1(&path).unwrap();
    path
}

/// An empty format-2 cache made by the sqlite3 tool from the spec's schema.
fn empty_format2(dir: &Path) -> PathBuf {
    let path = dir.join("format2.db");
    sqlite3(
        &path,
        &format!(
            "PRAGMA application_id = {}; PRAGMA user_version = 2; {}",
            koc::APPLICATION_ID,
            koc::FORMAT_2_SCHEMA
        ),
    );
    path
}

/// Another application's database.
fn not_ours(dir: &Path) -> PathBuf {
    let path = dir.join("other.db");
    sqlite3(
        &path,
        "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2); PRAGMA user_version = 1;",
    );
    path
}

/// Overwrites the first bytes of every `step`-th page from the middle of
/// the file on, so that SQLite finds its b-tree and overflow pages damaged
/// while the header (application_id, user_version) stays readable.
fn damage(path: &Path, step: usize) {
    let mut bytes = fs::read(path).unwrap();
    let page_size = match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65_536,
        n => usize::from(n),
    };
    let pages = bytes.len() / page_size;
    assert!(pages >= 4, "{} has only {pages} pages", path.display());
    for page in (pages / 2..pages).step_by(step) {
        let at = page * page_size;
        bytes[at..at + 8].fill(0xFF);
    }
    fs::write(path, bytes).unwrap();
}

/// The temporary builds a migration leaves beside `db` when interrupted.
fn temp_files(db: &Path) -> Vec<String> {
    let name = db.file_name().unwrap().to_str().unwrap().to_owned();
    fs::read_dir(db.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(&format!("{name}.olkit-tmp")))
        .collect()
}

#[test]
fn status_says_what_each_file_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = format1(dir.path());
    let before = fs::read(&path).unwrap();
    let size = before.len() as u64;

    let json = olkit(&["db", "status", "--json", arg(&path)]).ok().json();
    assert_eq!(json["path"], arg(&path));
    assert_eq!(json["state"], "needs_upgrade");
    assert_eq!(json["from"], 1);
    assert_eq!(json["to"], 2);
    assert_eq!(json["size_bytes"], size);
    assert_eq!(json["space_needed_bytes"], 2 * size);
    assert_eq!(json["scheduled"], Value::Null);
    assert_eq!(json["leftovers"], serde_json::json!([]));
    let json = olkit(&["db", "status", "--json", "--margin", "1000", arg(&path)])
        .ok()
        .json();
    assert_eq!(json["space_needed_bytes"], 2 * size + 1000);
    let text = olkit(&["db", "status", arg(&path)]).ok().text();
    assert!(
        text.contains("needs an upgrade from format 1 to 2"),
        "{text}"
    );
    assert!(text.contains(&format!("({size} bytes)")), "{text}");
    assert!(text.contains("scheduled: no"), "{text}");
    assert_eq!(fs::read(&path).unwrap(), before, "status changed the file");

    let json = olkit(&["db", "status", "--json", arg(&empty_format2(dir.path()))])
        .ok()
        .json();
    assert_eq!(json["state"], "up_to_date");
    assert_eq!(json["format"], 2);

    let other = not_ours(dir.path());
    let json = olkit(&["db", "status", "--json", arg(&other)]).ok().json();
    assert_eq!(json["state"], "not_ours");
    assert_eq!(json["application_id"], 0);
    let text = olkit(&["db", "status", arg(&other)]).ok().text();
    assert!(text.contains("not a KOC cache database"), "{text}");

    let garbage = dir.path().join("garbage.db");
    fs::write(&garbage, "this is not a database, ".repeat(200)).unwrap();
    let json = olkit(&["db", "status", "--json", arg(&garbage)])
        .ok()
        .json();
    assert_eq!(json["state"], "unreadable");
    assert!(!json["reason"].as_str().unwrap().is_empty(), "{json}");
    let text = olkit(&["db", "status", arg(&garbage)]).ok().text();
    assert!(text.contains("unreadable: "), "{text}");

    let missing = dir.path().join("missing.db");
    let run = olkit(&["db", "status", "--json", arg(&missing)]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("missing.db"), "{}", run.stderr);
}

#[test]
fn migrate_upgrades_and_then_has_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = format1(dir.path());
    let old_bytes = fs::metadata(&path).unwrap().len();
    let tables = [
        "folders",
        "messages",
        "attachments",
        "pending_changes",
        "settings",
    ];
    let old_counts: Vec<u64> = tables.iter().map(|t| count(&path, t)).collect();
    let old_pending = sqlite3(&path, PENDING_CHANGES);

    let run = olkit(&["db", "migrate", "--json", arg(&path)]).ok();
    assert!(
        run.stderr.is_empty(),
        "no progress bar off a terminal: {}",
        run.stderr
    );
    let json = run.json();
    assert_eq!(json["path"], arg(&path));
    assert_eq!(json["outcome"], "upgraded");
    assert_eq!(json["from"], 1);
    assert_eq!(json["to"], 2);
    assert_eq!(json["old_bytes"], old_bytes);
    assert_eq!(json["new_bytes"], fs::metadata(&path).unwrap().len());
    assert_eq!(json["rows"], old_counts.iter().sum::<u64>());
    assert!(json["elapsed_ms"].is_u64(), "{json}");
    // The table figures are what sqlite3 counts in the new database, and
    // every row of the old tables is there (ids kept, blobs added).
    let reported = json["tables"].as_array().unwrap();
    for entry in reported {
        let table = entry["table"].as_str().unwrap();
        assert_eq!(entry["rows"], count(&path, table), "{table}");
    }
    for (table, old) in tables.iter().zip(&old_counts) {
        assert_eq!(count(&path, table), *old, "{table}");
    }
    assert!(reported.iter().any(|t| t["table"] == "blobs"), "{json}");
    assert_eq!(sqlite3(&path, "PRAGMA user_version"), "2");
    assert_eq!(
        sqlite3(&path, "PRAGMA application_id"),
        koc::APPLICATION_ID.to_string()
    );
    assert_eq!(sqlite3(&path, PENDING_CHANGES), old_pending);
    assert_eq!(temp_files(&path), Vec::<String>::new());

    let status = olkit(&["db", "status", "--json", arg(&path)]).ok().json();
    assert_eq!(status["state"], "up_to_date");
    assert_eq!(status["leftovers"], serde_json::json!([]));
    let check = olkit(&["db", "check", "--json", arg(&path)]).ok().json();
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(check["problems"], serde_json::json!([]));
    assert_eq!(check["tables"], json["tables"]);
    let text = olkit(&["db", "check", "--full", arg(&path)]).ok().text();
    assert!(
        text.contains(": sound (up to date (format 2); integrity_check"),
        "{text}"
    );

    let again = fs::read(&path).unwrap();
    let json = olkit(&["db", "migrate", "--json", arg(&path)]).ok().json();
    assert_eq!(json["outcome"], "up_to_date");
    assert_eq!(json["format"], 2);
    let text = olkit(&["db", "migrate", arg(&path)]).ok().text();
    assert!(
        text.contains("up to date (format 2), nothing to do"),
        "{text}"
    );
    assert_eq!(fs::read(&path).unwrap(), again);
}

#[test]
fn migrate_says_in_words_what_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let path = format1(dir.path());
    let messages = count(&path, "messages");
    let text = olkit(&["db", "migrate", "--full-check", arg(&path)])
        .ok()
        .text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(&format!("{}: upgraded from format 1 to 2 in ", arg(&path))),
        "{text}"
    );
    assert!(lines[1].contains(&format!("messages {messages}")), "{text}");
}

#[test]
fn migrate_leaves_what_is_not_a_koc_cache_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let other = not_ours(dir.path());
    let before = fs::read(&other).unwrap();
    let run = olkit(&["db", "migrate", "--json", arg(&other)]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("not a "), "{}", run.stderr);
    assert_eq!(fs::read(&other).unwrap(), before);
    assert_eq!(temp_files(&other), Vec::<String>::new());

    // A newer format than this olkit knows.
    let newer = empty_format2(dir.path());
    sqlite3(&newer, "PRAGMA user_version = 3");
    let before = fs::read(&newer).unwrap();
    let run = olkit(&["db", "migrate", arg(&newer)]);
    run.fails(1, "format 3 is newer");
    assert_eq!(fs::read(&newer).unwrap(), before);

    let run = olkit(&["db", "migrate", arg(&dir.path().join("missing.db"))]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(!dir.path().join("missing.db").exists());

    // Usage errors are 2.
    assert_eq!(olkit(&["db", "migrate"]).code, Some(2));
    assert_eq!(
        olkit(&["db", "migrate", "--margin", "lots", arg(&other)]).code,
        Some(2)
    );
}

#[test]
fn migrate_rebuilds_a_damaged_cache_and_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = format1(dir.path());
    let pending = count(&path, "pending_changes");
    damage(&path, 1);
    let damaged = fs::read(&path).unwrap();

    let run = olkit(&["db", "migrate", "--json", arg(&path)]);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["outcome"], "rebuilt");
    assert_eq!(json["format"], 2);
    assert!(!json["reason"].as_str().unwrap().is_empty(), "{json}");
    let set_aside = PathBuf::from(json["set_aside"].as_str().unwrap());
    assert_eq!(set_aside.parent(), path.parent());
    assert_eq!(
        fs::read(&set_aside).unwrap(),
        damaged,
        "the old file, as it was"
    );
    for salvaged in json["salvaged"].as_array().unwrap() {
        let table = salvaged["table"].as_str().unwrap();
        assert_eq!(salvaged["rows"], count(&path, table), "{table}");
    }
    assert!(count(&path, "pending_changes") <= pending);
    assert_eq!(count(&path, "messages"), 0);
    let status = olkit(&["db", "status", "--json", arg(&path)]).ok().json();
    assert_eq!(status["state"], "up_to_date");
    olkit(&["db", "check", arg(&path)]).ok();

    // In words: what happened and where the old file is.
    let path = format1(&dir.path().join("words").tap_mkdir());
    damage(&path, 1);
    let run = olkit(&["db", "migrate", arg(&path)]);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    let text = run.text();
    assert!(
        text.contains("a full resynchronisation from the server is needed"),
        "{text}"
    );
    assert!(
        text.contains(&format!("the old file was kept as {}", arg(&path))),
        "{text}"
    );
}

/// `create_dir_all` in an expression.
trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for PathBuf {
    fn tap_mkdir(self) -> Self {
        fs::create_dir_all(&self).unwrap();
        self
    }
}

#[test]
fn migrate_schedules_the_upgrade_when_the_margin_cannot_be_met() {
    let dir = tempfile::tempdir().unwrap();
    let path = format1(dir.path());
    let before = fs::read(&path).unwrap();
    let size = before.len() as u64;
    // No disk has an exabyte free.
    let margin = 1_000_000_000_000_000_000u64;
    let marker = dir.path().join("elsewhere").tap_mkdir().join("marker");
    let run = olkit(&[
        "db",
        "migrate",
        "--json",
        "--margin",
        &margin.to_string(),
        "--marker",
        arg(&marker),
        arg(&path),
    ]);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["outcome"], "insufficient_space");
    assert_eq!(json["needed_bytes"], 2 * size + margin);
    assert!(json["available_bytes"].as_u64().unwrap() < margin);
    assert_eq!(json["marker"], arg(&marker));
    assert!(marker.exists());
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(temp_files(&path), Vec::<String>::new());

    // The marker is where --marker says; status finds it only there.
    let status = olkit(&[
        "db",
        "status",
        "--json",
        "--marker",
        arg(&marker),
        arg(&path),
    ])
    .ok()
    .json();
    assert_eq!(status["scheduled"]["needed_bytes"], json["needed_bytes"]);
    assert_eq!(
        status["scheduled"]["available_bytes"],
        json["available_bytes"]
    );
    assert_eq!(status["scheduled"]["since_unix"], json["since_unix"]);
    let status = olkit(&["db", "status", "--json", arg(&path)]).ok().json();
    assert_eq!(status["scheduled"], Value::Null);
}

/// A small tmpfs, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(bytes: u64) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "olkit-test"])
            .arg(dir.path())
            .output()
            .ok()?;
        if !output.status.success() {
            eprintln!(
                "skipped: cannot mount a tmpfs here ({})",
                String::from_utf8_lossy(&output.stderr).trim()
            );
            return None;
        }
        Some(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn migrate_on_a_full_volume_is_scheduled_for_the_next_start() {
    let scratch = tempfile::tempdir().unwrap();
    let source = format1(scratch.path());
    let size = fs::metadata(&source).unwrap().len();
    // Room for the database and half as much again: less than twice its size.
    let Some(tmpfs) = Tmpfs::mount((size + size / 2).next_multiple_of(4096)) else {
        return;
    };
    let path = tmpfs.path().join("koc-cache.db");
    fs::copy(&source, &path).unwrap();
    let before = fs::read(&path).unwrap();

    let run = olkit(&["db", "migrate", "--json", arg(&path)]);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["outcome"], "insufficient_space");
    assert_eq!(json["needed_bytes"], 2 * size);
    let available = json["available_bytes"].as_u64().unwrap();
    assert!(available < 2 * size, "{json}");
    // What statvfs says of the tmpfs, as `df` reads it.
    let df = Command::new("df")
        .args(["-B1", "--output=avail"])
        .arg(tmpfs.path())
        .output()
        .unwrap();
    let df_avail: u64 = String::from_utf8(df.stdout)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // The marker, written after the measure, takes at most a page or two.
    assert!(
        available >= df_avail && available - df_avail <= 8192,
        "{available} vs df {df_avail}"
    );
    let marker = tmpfs.path().join("koc-cache.db.olkit-scheduled");
    assert_eq!(json["marker"], arg(&marker));
    assert!(marker.exists());
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(temp_files(&path), Vec::<String>::new());

    let status = olkit(&["db", "status", "--json", arg(&path)]).ok().json();
    assert_eq!(status["state"], "needs_upgrade");
    assert_eq!(status["scheduled"]["needed_bytes"], 2 * size);
    assert_eq!(status["scheduled"]["available_bytes"], available);
    let text = olkit(&["db", "status", arg(&path)]).ok().text();
    assert!(
        text.contains("scheduled: an upgrade is due since "),
        "{text}"
    );

    let run = olkit(&["db", "migrate", arg(&path)]);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    let text = run.text();
    assert!(
        text.contains(&format!(
            "not enough free space to upgrade: {:.1} MB needed",
            (2 * size) as f64 / 1e6
        )),
        "{text}"
    );
    assert!(
        text.contains("the upgrade is scheduled for the next start"),
        "{text}"
    );
}

#[test]
fn check_finds_damage_and_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = format1(dir.path());
    // Upgraded by the library, checked by the command.
    let outcome = olkit_dbmigrate::migrate(
        &path,
        &koc::migration_set(),
        &olkit_dbmigrate::MigrateOptions::default(),
        &mut |_| olkit_dbmigrate::Control::Continue,
    )
    .unwrap();
    assert_eq!(outcome.name(), "upgraded");
    let json = olkit(&["db", "check", "--json", arg(&path)]).ok().json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["level"], "quick");
    assert_eq!(json["state"]["state"], "up_to_date");

    damage(&path, 3);
    let run = olkit(&["db", "check", "--json", arg(&path)]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["ok"], false);
    assert!(!json["problems"].as_array().unwrap().is_empty(), "{json}");
    let run = olkit(&["db", "check", arg(&path)]);
    assert_eq!(run.code, Some(1));
    let text = run.text();
    let first = text.lines().next().unwrap();
    assert!(first.contains(" problem"), "{text}");
    assert!(text.lines().nth(1).unwrap().starts_with("  - "), "{text}");
    // sqlite3 agrees the file is damaged.
    let output = Command::new("sqlite3")
        .arg(&path)
        .arg("PRAGMA quick_check")
        .output()
        .unwrap();
    assert_ne!(String::from_utf8_lossy(&output.stdout).trim(), "ok");

    let run = olkit(&["db", "check", "--json", arg(&not_ours(dir.path()))]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.json()["state"]["state"], "not_ours");

    let run = olkit(&["db", "check", arg(&dir.path().join("missing.db"))]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.is_empty());
}

#[test]
fn demo_generates_and_upgrades_a_cache() {
    let json = olkit(&["demo", "--json"]).ok().json();
    let db = &json["db"];
    assert_eq!(db["generated"]["format"], 1);
    assert_eq!(db["before"]["state"], "needs_upgrade");
    assert_eq!(db["outcome"]["outcome"], "upgraded");
    assert_eq!(db["after"]["state"], "up_to_date");
    assert_eq!(db["check"]["problems"], serde_json::json!([]));
    let messages = db["outcome"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "messages")
        .unwrap();
    assert_eq!(messages["rows"], db["generated"]["messages"]);
    let phases = db["progress"]["phases"].as_array().unwrap();
    assert_eq!(phases.first().unwrap(), "preflight");
    assert!(phases.contains(&Value::from("copy")), "{phases:?}");
    assert!(db["progress"]["reports"].as_u64().unwrap() >= phases.len() as u64);

    let text = olkit(&["demo"]).ok().text();
    for expected in [
        "7. Connector cache koc-cache.db (generated: format 1, ",
        "   db status: needs an upgrade from format 1 to 2",
        "   upgraded from format 1 to 2 in ",
        "   db status: up to date (format 2)",
        "   db check: sound",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}
