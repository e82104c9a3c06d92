//! Cancel from the progress callback: at the first report of every phase
//! (and every copied table), and after N reports for many N, with the toy
//! set (two steps) and the KOC set. Each time: the outcome is Cancelled (or
//! Upgraded once the swap has begun), the old database is byte-identical,
//! nothing is left beside it but the lock, and the next run upgrades.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use olkit_dbmigrate::{
    check, detect, koc, migrate, Control, MigrateOptions, MigrationSet, Outcome, Phase, State,
    TableRows, Verify,
};
use support::toy::{self, Data};
use support::{assert_unchanged, dir_names, go_on, names, snapshot};

/// One application's database to cancel the migration of.
struct Case {
    name: &'static str,
    set: MigrationSet,
    /// A database in the oldest format, written once and copied for each run.
    original: PathBuf,
    /// Checks the database after the final, uncancelled migration.
    verify: Box<dyn Fn(&Path)>,
    _dir: tempfile::TempDir,
}

fn toy_case() -> Case {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original.db");
    let data = Data::generate(21, 3_000);
    data.write_format1(&original);
    Case {
        name: "toy",
        set: toy::set(),
        original,
        verify: Box::new(move |path| data.assert_format3(path)),
        _dir: dir,
    }
}

fn koc_case() -> Case {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original.db");
    let stats = koc::Sample::small().write_format1(&original).unwrap();
    let set = koc::migration_set();
    let verify = move |path: &Path| {
        let report = check(path, &koc::migration_set(), Verify::Quick).unwrap();
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.state, State::UpToDate { format: 2 });
        let rows = |table: &str| {
            report
                .tables
                .iter()
                .find(|t| t.table == table)
                .map(|t| t.rows)
        };
        assert_eq!(rows("messages"), Some(stats.messages));
        assert_eq!(rows("attachments"), Some(stats.attachments));
        assert_eq!(rows("folders"), Some(u64::from(stats.folders)));
        assert_eq!(
            rows("pending_changes"),
            Some(u64::from(stats.pending_changes))
        );
    };
    Case {
        name: "koc",
        set,
        original,
        verify: Box::new(verify),
        _dir: dir,
    }
}

type Key = (Phase, Option<String>, u32);

fn options() -> MigrateOptions<'static> {
    MigrateOptions {
        // Many reports, so that "after N reports" reaches into every phase.
        progress_every: Duration::from_millis(1),
        ..MigrateOptions::default()
    }
}

/// The phases (with table and step) a full run goes through, and how many
/// reports it makes.
fn phases(case: &Case) -> (Vec<Key>, usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    std::fs::copy(&case.original, &path).unwrap();
    let mut keys: Vec<Key> = Vec::new();
    let mut reports = 0;
    let outcome = migrate(&path, &case.set, &options(), &mut |p| {
        reports += 1;
        let key = (p.phase, p.table.map(str::to_owned), p.from_format);
        if !keys.contains(&key) {
            keys.push(key);
        }
        Control::Continue
    })
    .unwrap();
    assert!(matches!(outcome, Outcome::Upgraded(_)), "{outcome:?}");
    (keys, reports)
}

/// What one cancelled run did.
struct Cancelled {
    outcome: Outcome,
    /// The report the callback cancelled at, if it came.
    at: Option<Key>,
    /// From the cancelling report to the return of migrate.
    stopped_in: Duration,
}

/// Runs a migration of a fresh copy that cancels when `stop` says so,
/// checks that the old database is as it was with nothing beside it,
/// then that the next run upgrades.
fn cancel_run(case: &Case, mut stop: impl FnMut(usize, &Key) -> bool) -> Cancelled {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    std::fs::copy(&case.original, &path).unwrap();
    let before = snapshot(&path);
    let mut n = 0;
    let mut at = None;
    let mut cancelled_at = None;
    let outcome = migrate(&path, &case.set, &options(), &mut |p| {
        n += 1;
        let key = (p.phase, p.table.map(str::to_owned), p.from_format);
        if at.is_none() && stop(n, &key) {
            at = Some(key);
            cancelled_at = Some(Instant::now());
        }
        // Once cancelled, a host keeps saying so.
        if at.is_some() {
            Control::Cancel
        } else {
            Control::Continue
        }
    })
    .unwrap();
    let stopped_in = cancelled_at.map_or(Duration::ZERO, |t| t.elapsed());

    match (&outcome, &at) {
        (Outcome::Cancelled { phase }, Some(key)) => {
            assert_eq!(*phase, key.0, "{}: cancelled in another phase", case.name);
            assert_unchanged(
                &path,
                &before,
                &format!("{}: cancelled at {key:?}", case.name),
            );
            assert_eq!(
                dir_names(dir.path()),
                names(&["a.db", "a.db.olkit-lock"]),
                "{}: cancelled at {key:?}",
                case.name
            );
            let status = detect(&path, &case.set).unwrap();
            assert!(status.leftovers.is_empty());
            assert!(matches!(status.state, State::NeedsUpgrade { .. }));
        }
        // The swap is not cancelled: it completes.
        (Outcome::Upgraded(_), Some((Phase::Swap, _, _)) | None) => {}
        _ => panic!("{}: {outcome:?} after a cancel at {at:?}", case.name),
    }

    // The next start upgrades (or finds it done).
    let next = migrate(&path, &case.set, &MigrateOptions::default(), &mut go_on).unwrap();
    assert!(
        matches!(next, Outcome::Upgraded(_) | Outcome::UpToDate { .. }),
        "{next:?}"
    );
    (case.verify)(&path);
    assert_eq!(dir_names(dir.path()), names(&["a.db", "a.db.olkit-lock"]));
    Cancelled {
        outcome,
        at,
        stopped_in,
    }
}

fn cancel_at_every_phase(case: &Case, expected: &[Key]) {
    let (keys, _) = phases(case);
    assert_eq!(keys, expected, "{}: phases", case.name);
    let mut slowest = Duration::ZERO;
    for key in &keys {
        let run = cancel_run(case, |_, k| k == key);
        assert_eq!(run.at.as_ref(), Some(key));
        if key.0 == Phase::Swap {
            assert!(
                matches!(run.outcome, Outcome::Upgraded(_)),
                "{:?}",
                run.outcome
            );
        } else {
            assert_eq!(run.outcome, Outcome::Cancelled { phase: key.0 });
        }
        slowest = slowest.max(run.stopped_in);
    }
    eprintln!(
        "{}: cancelled at the first report of {} phases/tables; slowest stop {slowest:?}",
        case.name,
        keys.len()
    );
    assert!(
        slowest < Duration::from_secs(1),
        "a cancel took {slowest:?}"
    );
}

fn cancel_after_n_reports(case: &Case) {
    let (_, reports) = phases(case);
    let mut ns: Vec<usize> = vec![1, 2, 3, 4, 5, 7, 10];
    ns.extend((1..=12).map(|i| reports * i / 24));
    ns.sort_unstable();
    ns.dedup();
    let mut cancelled = 0;
    let mut slowest = Duration::ZERO;
    let mut seen = Vec::new();
    for n in ns.iter().copied().filter(|n| *n >= 1) {
        let run = cancel_run(case, |count, _| count == n);
        if let Outcome::Cancelled { phase } = run.outcome {
            cancelled += 1;
            if !seen.contains(&phase) {
                seen.push(phase);
            }
        } else {
            eprintln!(
                "{}: N = {n}: {} (cancel at {:?})",
                case.name,
                run.outcome.name(),
                run.at
            );
        }
        slowest = slowest.max(run.stopped_in);
    }
    eprintln!(
        "{}: {} of {} runs cancelled after N reports (N up to {} of ~{reports}), in phases {seen:?}; slowest stop {slowest:?}",
        case.name,
        cancelled,
        ns.len(),
        ns.last().unwrap()
    );
    // N up to half the reports of a full run: nearly all of them cancel.
    assert!(
        cancelled + 2 >= ns.len(),
        "only {cancelled} of {} cancelled",
        ns.len()
    );
    assert!(
        slowest < Duration::from_secs(1),
        "a cancel took {slowest:?}"
    );
}

fn step_keys(from: u32, tables: &[&str]) -> Vec<Key> {
    let mut keys: Vec<Key> = tables
        .iter()
        .map(|t| (Phase::Copy, Some((*t).to_owned()), from))
        .collect();
    for phase in [Phase::Index, Phase::Verify, Phase::Sync] {
        keys.push((phase, None, from));
    }
    keys
}

#[test]
fn toy_cancel_at_every_phase() {
    let case = toy_case();
    let mut expected = vec![(Phase::Preflight, None, 0)];
    expected.extend(step_keys(1, &["items", "tags", "outbox"]));
    expected.extend(step_keys(2, &["items", "tags", "outbox"]));
    expected.push((Phase::Swap, None, 2));
    cancel_at_every_phase(&case, &expected);
}

#[test]
fn toy_cancel_after_n_reports() {
    cancel_after_n_reports(&toy_case());
}

#[test]
fn koc_cancel_at_every_phase() {
    let case = koc_case();
    let mut expected = vec![(Phase::Preflight, None, 0)];
    expected.extend(step_keys(
        1,
        &[
            "folders",
            "messages",
            "attachments",
            "pending_changes",
            "settings",
        ],
    ));
    expected.push((Phase::Swap, None, 1));
    cancel_at_every_phase(&case, &expected);
}

#[test]
fn koc_cancel_after_n_reports() {
    cancel_after_n_reports(&koc_case());
}

#[test]
fn a_cancel_in_preflight_writes_nothing_but_the_lock() {
    let case = toy_case();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    std::fs::copy(&case.original, &path).unwrap();
    // Leftovers of an earlier run are removed before the first report.
    std::fs::write(dir.path().join("a.db.olkit-tmp2"), b"half").unwrap();
    let before = snapshot(&path);
    let outcome = migrate(&path, &case.set, &MigrateOptions::default(), &mut |_| {
        Control::Cancel
    })
    .unwrap();
    assert_eq!(
        outcome,
        Outcome::Cancelled {
            phase: Phase::Preflight
        }
    );
    assert_unchanged(&path, &before, "cancelled in preflight");
    assert_eq!(dir_names(dir.path()), names(&["a.db", "a.db.olkit-lock"]));
    let Outcome::Upgraded(upgrade) =
        migrate(&path, &case.set, &MigrateOptions::default(), &mut go_on).unwrap()
    else {
        panic!("expected an upgrade")
    };
    assert_eq!(
        upgrade
            .tables
            .iter()
            .map(|t| t.table.as_str())
            .collect::<Vec<_>>(),
        ["items", "outbox", "tags"]
    );
    let _: &[TableRows] = &upgrade.tables;
}
