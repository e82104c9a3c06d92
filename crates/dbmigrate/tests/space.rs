//! Free space: the preflight against an injected probe (the shortfall is
//! scheduled, nothing else is written, the next start upgrades), and a real
//! small tmpfs (where mounting is permitted): the real probe, and a lying
//! probe so that the disk really fills during the build.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use olkit_dbmigrate::koc::{self, Sample};
use olkit_dbmigrate::{
    check, default_marker_path, detect, detect_with, migrate, Error, MigrateOptions, MigrationSet,
    Outcome, Scheduled, State, Verify,
};
use support::toy::{self, Data};
use support::{assert_unchanged, dir_names, go_on, names, snapshot};

fn scheduled(outcome: Outcome) -> Scheduled {
    match outcome {
        Outcome::InsufficientSpace(s) => s,
        other => panic!("expected insufficient space, got {other:?}"),
    }
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

#[test]
fn a_shortfall_is_scheduled_with_nothing_else_written_and_the_next_start_upgrades() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let data = Data::generate(1, 500);
    data.write_format1(&path);
    let size = size_of(&path);
    let before = snapshot(&path);

    let asked = Mutex::new(Vec::<PathBuf>::new());
    let short = |dir: &Path| {
        asked.lock().unwrap().push(dir.to_path_buf());
        Ok(2 * size - 1)
    };
    let options = MigrateOptions {
        space_probe: Some(&short),
        ..MigrateOptions::default()
    };
    let s = scheduled(migrate(&path, &set, &options, &mut go_on).unwrap());
    assert_eq!(s.needed_bytes, 2 * size);
    assert_eq!(s.available_bytes, 2 * size - 1);
    assert_eq!(s.marker, default_marker_path(&path));
    assert_eq!(s.marker, dir.path().join("a.db.olkit-scheduled"));
    assert!(s.since_unix > 1_600_000_000);
    // The probe measured the database's own directory.
    assert_eq!(*asked.lock().unwrap(), vec![dir.path().to_path_buf()]);
    assert_unchanged(&path, &before, "after the shortfall");
    assert_eq!(
        dir_names(dir.path()),
        names(&["a.db", "a.db.olkit-lock", "a.db.olkit-scheduled"])
    );

    // The next start sees the schedule.
    let status = detect(&path, &set).unwrap();
    assert_eq!(status.scheduled, Some(s.clone()));
    assert_eq!(status.state, State::NeedsUpgrade { from: 1, to: 3 });
    assert_eq!(status.space_needed_bytes, 2 * size);

    // Still short: scheduled again, the database still untouched.
    let again = scheduled(migrate(&path, &set, &options, &mut go_on).unwrap());
    assert_eq!(again.needed_bytes, 2 * size);
    assert_unchanged(&path, &before, "after the second shortfall");

    // Exactly enough: the upgrade runs and the schedule goes.
    let exact = |_: &Path| Ok(2 * size);
    let options = MigrateOptions {
        space_probe: Some(&exact),
        ..MigrateOptions::default()
    };
    let outcome = migrate(&path, &set, &options, &mut go_on).unwrap();
    assert!(matches!(outcome, Outcome::Upgraded(_)), "{outcome:?}");
    data.assert_format3(&path);
    assert_eq!(dir_names(dir.path()), names(&["a.db", "a.db.olkit-lock"]));
    assert_eq!(detect(&path, &set).unwrap().scheduled, None);
}

#[test]
fn the_space_margin_counts() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let data = Data::generate(2, 200);
    data.write_format1(&path);
    let size = size_of(&path);
    let margin = 1_000_000;
    let below = |_: &Path| Ok(2 * size + margin - 1);
    let options = MigrateOptions {
        space_margin: margin,
        space_probe: Some(&below),
        ..MigrateOptions::default()
    };
    let s = scheduled(migrate(&path, &set, &options, &mut go_on).unwrap());
    assert_eq!(
        (s.needed_bytes, s.available_bytes),
        (2 * size + margin, 2 * size + margin - 1)
    );
    let status = detect_with(&path, &set, &options).unwrap();
    assert_eq!(status.space_needed_bytes, 2 * size + margin);

    // Without the margin the same space is plenty.
    let options = MigrateOptions {
        space_probe: Some(&below),
        ..MigrateOptions::default()
    };
    assert!(matches!(
        migrate(&path, &set, &options, &mut go_on).unwrap(),
        Outcome::Upgraded(_)
    ));
    data.assert_format3(&path);
}

#[test]
fn a_marker_elsewhere_is_written_there_and_read_back_from_there() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    Data::generate(3, 100).write_format1(&path);
    let size = size_of(&path);
    let none = |_: &Path| Ok(size);
    let marker = state.path().join("upgrade.scheduled");
    let options = MigrateOptions {
        scheduled_marker: Some(marker.clone()),
        space_probe: Some(&none),
        ..MigrateOptions::default()
    };
    let s = scheduled(migrate(&path, &set, &options, &mut go_on).unwrap());
    assert_eq!(s.marker, marker);
    assert_eq!(dir_names(dir.path()), names(&["a.db", "a.db.olkit-lock"]));
    assert_eq!(dir_names(state.path()), names(&["upgrade.scheduled"]));
    assert_eq!(
        detect_with(&path, &set, &options).unwrap().scheduled,
        Some(s)
    );
    assert_eq!(detect(&path, &set).unwrap().scheduled, None);

    let options = MigrateOptions {
        scheduled_marker: Some(marker.clone()),
        ..MigrateOptions::default()
    };
    assert!(matches!(
        migrate(&path, &set, &options, &mut go_on).unwrap(),
        Outcome::Upgraded(_)
    ));
    assert!(!marker.exists());
}

#[test]
fn a_failing_probe_is_an_error_and_the_database_is_untouched() {
    let set = toy::set();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    Data::generate(4, 50).write_format1(&path);
    let before = snapshot(&path);
    let broken = |_: &Path| Err(std::io::Error::other("statvfs failed"));
    let options = MigrateOptions {
        space_probe: Some(&broken),
        ..MigrateOptions::default()
    };
    let result = migrate(&path, &set, &options, &mut go_on);
    assert!(matches!(result, Err(Error::Io { .. })), "{result:?}");
    assert_unchanged(&path, &before, "after a failed probe");
    assert_eq!(dir_names(dir.path()), names(&["a.db", "a.db.olkit-lock"]));
}

/// A tmpfs mounted on a directory, unmounted when dropped (also when the
/// test fails).
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(dir: &Path, bytes: u64) -> Result<Tmpfs, String> {
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if output.status.success() {
            Ok(Tmpfs {
                dir: dir.to_path_buf(),
            })
        } else {
            Err(format!(
                "mount -t tmpfs failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    }

    fn resize(&self, bytes: u64) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={bytes}")])
            .arg(&self.dir)
            .status()
            .unwrap();
        assert!(status.success(), "remount failed");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        }
    }
}

const PAGE: u64 = 4096;

#[test]
fn a_real_small_tmpfs_toy() {
    let data = Data::generate(5, 6_000);
    tmpfs_case(
        "toy",
        &toy::set(),
        &|path| data.write_format1(path),
        &|path| data.assert_format3(path),
    );
}

#[test]
fn a_real_small_tmpfs_koc() {
    let set = koc::migration_set();
    tmpfs_case(
        "koc",
        &set,
        &|path| {
            koc::Sample::small().write_format1(path).unwrap();
        },
        &|path| {
            let report = check(path, &koc::migration_set(), Verify::Quick).unwrap();
            assert!(report.is_ok(), "{:?}", report.problems);
            assert_eq!(report.state, State::UpToDate { format: 2 });
            let messages = report
                .tables
                .iter()
                .find(|t| t.table == "messages")
                .unwrap();
            assert_eq!(messages.rows, Sample::small().messages);
        },
    );
}

/// On a tmpfs that holds the database once, with half as much again to
/// spare, but not twice: the real probe sees the shortfall; a lying probe
/// lets the build start, and the disk really fills (with a large page
/// cache at the commit, with a small one in the middle of the copy); with
/// the volume grown, the next start upgrades.
fn tmpfs_case(name: &str, set: &MigrationSet, write: &dyn Fn(&Path), verify: &dyn Fn(&Path)) {
    // The database is made on the ordinary disk first, to size the tmpfs.
    let staging = tempfile::tempdir().unwrap();
    let original = staging.path().join("a.db");
    write(&original);
    let size = size_of(&original);
    let capacity = (size * 3 / 2).div_ceil(PAGE) * PAGE + 16 * PAGE;

    let mount_point = tempfile::tempdir().unwrap();
    let tmpfs = match Tmpfs::mount(mount_point.path(), capacity) {
        Ok(tmpfs) => tmpfs,
        Err(why) => {
            eprintln!("skipped: mounting a tmpfs is not permitted here: {why}");
            return;
        }
    };
    let path = mount_point.path().join("a.db");
    std::fs::copy(&original, &path).unwrap();
    let before = snapshot(&path);
    let from = match detect(&path, set).unwrap().state {
        State::NeedsUpgrade { from, .. } => from,
        other => panic!("{name}: {other:?}"),
    };

    // The real probe sees the shortfall.
    let s = scheduled(migrate(&path, set, &MigrateOptions::default(), &mut go_on).unwrap());
    assert_eq!(s.needed_bytes, 2 * size);
    assert!(
        s.available_bytes < size && s.available_bytes + size <= capacity,
        "{name}: available {} of a {capacity}-byte tmpfs holding {size} bytes",
        s.available_bytes
    );
    assert_unchanged(&path, &before, "real probe");
    assert_eq!(
        dir_names(mount_point.path()),
        names(&["a.db", "a.db.olkit-lock", "a.db.olkit-scheduled"])
    );
    eprintln!(
        "{name}: tmpfs of {capacity} bytes, database of {size}: needed {}, available {}",
        s.needed_bytes, s.available_bytes
    );

    // A probe that lies: the build itself runs out of space (SQLITE_FULL),
    // which is still "insufficient space", with the database untouched and
    // nothing of the build left.
    let plenty = |_: &Path| Ok(u64::MAX / 4);
    for cache_kib in [32 * 1024, 128] {
        let lying = MigrateOptions {
            space_probe: Some(&plenty),
            cache_kib,
            ..MigrateOptions::default()
        };
        let what = format!("{name}: disk full during the build, cache {cache_kib} KiB");
        let outcome = migrate(&path, set, &lying, &mut go_on).unwrap();
        let s = match outcome {
            Outcome::InsufficientSpace(s) => s,
            other => panic!("{what}: {other:?}"),
        };
        assert_eq!(s.needed_bytes, 2 * size);
        // The figure of the (lying) probe: the preflight passed, the build failed.
        assert_eq!(s.available_bytes, u64::MAX / 4);
        assert_unchanged(&path, &before, &what);
        assert_eq!(
            dir_names(mount_point.path()),
            names(&["a.db", "a.db.olkit-lock", "a.db.olkit-scheduled"]),
            "{what}"
        );
        assert_eq!(
            detect(&path, set).unwrap().state,
            State::NeedsUpgrade {
                from,
                to: set.current_format()
            }
        );
    }

    // With room (the volume grown), the next start upgrades.
    tmpfs.resize(capacity * 4);
    let outcome = migrate(&path, set, &MigrateOptions::default(), &mut go_on).unwrap();
    assert!(
        matches!(outcome, Outcome::Upgraded(_)),
        "{name}: {outcome:?}"
    );
    verify(&path);
    assert_eq!(
        dir_names(mount_point.path()),
        names(&["a.db", "a.db.olkit-lock"])
    );
    drop(tmpfs);
}
