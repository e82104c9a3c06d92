//! The KOC set keeps the host informed: reports at least every 100 ms
//! through a whole upgrade of a realistic sample, rows that never go back,
//! and every table named while it is copied.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

use std::time::{Duration, Instant};

use olkit_dbmigrate::{koc, migrate, Control, MigrateOptions, Outcome, Phase};

#[test]
fn koc_upgrade_reports_at_least_every_100_ms() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    // Big enough that each transform runs for many reporting periods in a
    // debug build, with long values (attachments of some 100 KB) among them.
    let stats = koc::Sample::sized(24_000_000).write_format1(&path).unwrap();

    let mut reports: Vec<(Instant, Phase, Option<String>, u64, u64)> = Vec::new();
    let started = Instant::now();
    let outcome = migrate(
        &path,
        &koc::migration_set(),
        &MigrateOptions::default(),
        &mut |p| {
            reports.push((
                Instant::now(),
                p.phase,
                p.table.map(str::to_owned),
                p.rows_done,
                p.rows_total,
            ));
            Control::Continue
        },
    )
    .unwrap();
    let ended = Instant::now();
    let Outcome::Upgraded(upgrade) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        upgrade.rows,
        u64::from(stats.folders)
            + stats.messages
            + stats.attachments
            + u64::from(stats.pending_changes)
            + settings_rows(&path)
    );

    let copied: Vec<&str> = reports
        .iter()
        .filter(|r| r.1 == Phase::Copy)
        .filter_map(|r| r.2.as_deref())
        .fold(Vec::new(), |mut seen, table| {
            if seen.last() != Some(&table) {
                seen.push(table);
            }
            seen
        });
    assert_eq!(
        copied,
        [
            "folders",
            "messages",
            "attachments",
            "pending_changes",
            "settings"
        ]
    );
    assert!(reports.windows(2).all(|w| w[0].3 <= w[1].3), "rows go back");
    let messages_reports = reports
        .iter()
        .filter(|r| r.2.as_deref() == Some("messages"))
        .count();
    assert!(
        messages_reports > 3,
        "{messages_reports} reports during messages"
    );

    let mut times = vec![(started, "start".to_owned())];
    times.extend(
        reports
            .iter()
            .map(|r| (r.0, format!("{:?} {:?} {}/{}", r.1, r.2, r.3, r.4))),
    );
    times.push((ended, "end".to_owned()));
    let (gap, before) = times
        .windows(2)
        .map(|w| (w[1].0 - w[0].0, w[1].1.clone()))
        .max_by_key(|(gap, _)| *gap)
        .unwrap();
    eprintln!(
        "{} reports over {:?} for {} messages; longest gap {gap:?}, before {before}",
        reports.len(),
        ended - started,
        stats.messages
    );
    assert!(
        gap <= Duration::from_millis(100),
        "a gap of {gap:?} before {before}"
    );
}

fn settings_rows(path: &std::path::Path) -> u64 {
    let db = olkit_dbmigrate::rusqlite::Connection::open(path).unwrap();
    db.query_row("SELECT count(*) FROM settings", [], |r| r.get::<_, i64>(0))
        .unwrap() as u64
}
