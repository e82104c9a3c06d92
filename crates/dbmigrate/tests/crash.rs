//! Kill and rerun: a child process (this test binary, running the ignored
//! test `child_migrates`) upgrades a KOC cache and is killed with SIGKILL
//! at random moments of the run and right after it enters each phase.
//! After every kill the database path holds either the byte-identical
//! original or a complete format-2 database, never anything else; a rerun
//! in this process then completes the upgrade and removes the leftovers.
//!
//! `OLKIT_CRASH_SEED=N` repeats a run's random delays.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use olkit_dbmigrate::{check, koc, migrate, Control, MigrateOptions, Outcome, State, Verify};
use support::{dir_names, go_on, names, Rng};

/// Where the child finds the database to migrate.
const DB_ENV: &str = "OLKIT_CRASH_DB";
/// Messages of the sample: a migration of about half a second in a debug build.
const MESSAGES: u64 = 1_200;
/// Kills at random moments, besides one right after each phase line.
const RANDOM_KILLS: usize = 32;

/// The child: migrates the database named by `OLKIT_CRASH_DB`, printing
/// each phase (and table) it enters. Ignored, so that a normal run skips
/// it; without the variable it does nothing.
#[test]
#[ignore = "run by kill_and_rerun as a child process"]
fn child_migrates() {
    let Some(path) = std::env::var_os(DB_ENV) else {
        return;
    };
    let path = PathBuf::from(path);
    let mut last = None;
    let outcome = migrate(
        &path,
        &koc::migration_set(),
        &MigrateOptions::default(),
        &mut |p| {
            let key = (p.phase, p.table.map(str::to_owned));
            if last.as_ref() != Some(&key) {
                // println! flushes at the newline (stdout is line-buffered).
                println!("phase {} {}", p.phase.as_str(), p.table.unwrap_or("-"));
                last = Some(key);
            }
            Control::Continue
        },
    )
    .unwrap();
    println!("done {}", outcome.name());
}

/// The original cache and what it holds.
struct Original {
    bytes: Vec<u8>,
    messages: u64,
    attachments: u64,
    pending: u64,
    folders: u64,
}

fn sample() -> koc::Sample {
    koc::Sample {
        messages: MESSAGES,
        pending_changes: 200,
        ..koc::Sample::small()
    }
}

/// A child migrating `path`; its stdout lines arrive on the channel.
fn spawn(path: &Path) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_migrates",
            "--nocapture",
            "--include-ignored",
        ])
        .env(DB_ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// What the database path holds after a kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Found {
    Original,
    Upgraded,
}

/// Panics unless `path` is the original, byte for byte, or a complete
/// format-2 database with all the original's rows.
fn assert_whole(path: &Path, original: &Original, what: &str) -> Found {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{what}: the database is gone: {e}"));
    if bytes == original.bytes {
        return Found::Original;
    }
    let report = check(path, &koc::migration_set(), Verify::Quick).unwrap();
    assert_eq!(
        report.state,
        State::UpToDate { format: 2 },
        "{what}: neither the original nor a format-2 database ({} bytes)",
        bytes.len()
    );
    assert!(report.is_ok(), "{what}: {:?}", report.problems);
    assert_counts(&report, original, what);
    Found::Upgraded
}

fn assert_counts(report: &olkit_dbmigrate::CheckReport, original: &Original, what: &str) {
    let rows = |table: &str| {
        report
            .tables
            .iter()
            .find(|t| t.table == table)
            .map_or(0, |t| t.rows)
    };
    assert_eq!(rows("messages"), original.messages, "{what}: messages");
    assert_eq!(
        rows("attachments"),
        original.attachments,
        "{what}: attachments"
    );
    assert_eq!(
        rows("pending_changes"),
        original.pending,
        "{what}: pending changes"
    );
    assert_eq!(rows("folders"), original.folders, "{what}: folders");
}

/// Reruns the upgrade in this process and checks the end state.
fn rerun(path: &Path, dir: &Path, original: &Original, what: &str) -> Outcome {
    let outcome = migrate(
        path,
        &koc::migration_set(),
        &MigrateOptions::default(),
        &mut go_on,
    )
    .unwrap_or_else(|e| panic!("{what}: the rerun failed: {e}"));
    assert!(
        matches!(
            outcome,
            Outcome::Upgraded(_) | Outcome::UpToDate { format: 2 }
        ),
        "{what}: rerun gave {outcome:?}"
    );
    // Leftovers of the killed run are gone; the lock file stays.
    assert_eq!(
        dir_names(dir),
        names(&["cache.db", "cache.db.olkit-lock"]),
        "{what}: after the rerun"
    );
    let report = check(path, &koc::migration_set(), Verify::Quick).unwrap();
    assert!(report.is_ok(), "{what}: {:?}", report.problems);
    assert_eq!(report.state, State::UpToDate { format: 2 });
    assert_counts(&report, original, what);
    outcome
}

#[derive(Default)]
struct Tally {
    kills: usize,
    found: BTreeMap<Found, usize>,
    /// The last phase line read before each kill.
    phases: BTreeMap<String, usize>,
    leftovers: usize,
    reruns_upgraded: usize,
}

#[test]
fn kill_and_rerun() {
    let started = Instant::now();
    let staging = tempfile::tempdir().unwrap();
    let original_path = staging.path().join("original.db");
    let stats = sample().write_format1(&original_path).unwrap();
    let original = Original {
        bytes: std::fs::read(&original_path).unwrap(),
        messages: stats.messages,
        attachments: stats.attachments,
        pending: u64::from(stats.pending_changes),
        folders: u64::from(stats.folders),
    };
    let seed = std::env::var("OLKIT_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x0C0F_FEE5_u64);
    println!(
        "kill_and_rerun: seed {seed} (OLKIT_CRASH_SEED), sample of {} bytes, {} messages, {} attachments, {} pending changes",
        stats.bytes, stats.messages, stats.attachments, stats.pending_changes
    );
    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();

    // A full child run, not killed: how long a run takes, and its phases.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    std::fs::write(&path, &original.bytes).unwrap();
    let spawned = Instant::now();
    let (mut child, lines) = spawn(&path);
    assert!(child.wait().unwrap().success(), "the child failed");
    let full_run = spawned.elapsed();
    let phases: Vec<String> = lines
        .iter()
        .filter(|l| l.starts_with("phase ") || l.starts_with("done "))
        .collect();
    let expected: Vec<String> = [
        "phase preflight -",
        "phase copy folders",
        "phase copy messages",
        "phase copy attachments",
        "phase copy pending_changes",
        "phase copy settings",
        "phase index -",
        "phase verify -",
        "phase sync -",
        "phase swap -",
        "done upgraded",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(phases, expected);
    assert_eq!(assert_whole(&path, &original, "full run"), Found::Upgraded);
    println!("kill_and_rerun: a full child run takes {full_run:?}: {phases:?}");

    let kill = |at: Kill, tally: &mut Tally| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        std::fs::write(&path, &original.bytes).unwrap();
        let (mut child, lines) = spawn(&path);
        let mut last_phase = String::from("(none yet)");
        match &at {
            Kill::After(delay) => {
                std::thread::sleep(*delay);
            }
            Kill::AtLine(wanted) => loop {
                match lines.recv_timeout(Duration::from_secs(30)) {
                    Ok(line) if line == *wanted => {
                        last_phase.clone_from(&line);
                        break;
                    }
                    Ok(line) if line.starts_with("phase ") => last_phase = line,
                    Ok(_) => {}
                    Err(_) => panic!("the child never printed {wanted:?}"),
                }
            },
        }
        child.kill().unwrap();
        let status = child.wait().unwrap();
        for line in lines.try_iter() {
            if line.starts_with("phase ") || line.starts_with("done ") {
                last_phase = line;
            }
        }
        let what = format!(
            "kill {} ({at:?}, last line {last_phase:?}, {status})",
            tally.kills + 1
        );
        tally.kills += 1;
        *tally.phases.entry(last_phase).or_default() += 1;
        let found = assert_whole(&path, &original, &what);
        *tally.found.entry(found).or_default() += 1;
        let beside = dir_names(dir.path());
        // No journal or log beside it that SQLite would apply on the next open.
        for side in ["cache.db-journal", "cache.db-wal"] {
            assert!(!beside.contains(side), "{what}: {side} beside the database");
        }
        if beside.iter().any(|n| n.contains(".olkit-tmp")) {
            tally.leftovers += 1;
        }
        if let Outcome::Upgraded(_) = rerun(&path, dir.path(), &original, &what) {
            tally.reruns_upgraded += 1;
        }
    };

    // Right after each phase line, and after the child says it is done (so
    // that, however slow the machine, at least one kill finds the new
    // database in place).
    for line in &phases {
        kill(Kill::AtLine(line.clone()), &mut tally);
    }
    // At random moments over the whole run (process start included).
    // Half as long again as the measured run: a loaded machine runs the
    // children slower than the measurement.
    let span = u64::try_from(full_run.as_micros()).unwrap() * 3 / 2;
    for _ in 0..RANDOM_KILLS {
        kill(
            Kill::After(Duration::from_micros(rng.below(span))),
            &mut tally,
        );
    }

    println!(
        "kill_and_rerun: {} kills in {:?}: found {:?}; {} with temporary files left (removed by the rerun); {} reruns upgraded, the rest found it done",
        tally.kills,
        started.elapsed(),
        tally.found,
        tally.leftovers,
        tally.reruns_upgraded
    );
    println!(
        "kill_and_rerun: last phase line before the kill: {:?}",
        tally.phases
    );
    assert!(tally.kills >= 40);
    // The kills hit both sides of the swap.
    assert!(tally.found.get(&Found::Original).copied().unwrap_or(0) > 0);
    assert!(tally.found.get(&Found::Upgraded).copied().unwrap_or(0) > 0);
    assert!(
        tally.leftovers > 0,
        "no kill left a half-built database to clean up"
    );
}

#[derive(Debug)]
enum Kill {
    /// After this long from the spawn.
    After(Duration),
    /// Right after the child printed this line.
    AtLine(String),
}
