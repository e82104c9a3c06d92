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

mod support;

use std::time::Duration;

use olkit_dbmigrate::{koc, Outcome, Phase};
use support::{count, migrate_recording, open_ro};

#[test]
fn koc_upgrade_reports_at_least_every_100_ms() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    // Big enough that each transform runs for many reporting periods in a
    // debug build, with long values (attachments of some 100 KB) among them.
    let stats = koc::Sample::sized(24_000_000).write_format1(&path).unwrap();

    let recorded = migrate_recording(&path, &koc::migration_set());
    let Outcome::Upgraded(upgrade) = &recorded.outcome else {
        panic!("{:?}", recorded.outcome)
    };
    assert_eq!(
        upgrade.rows,
        u64::from(stats.folders)
            + stats.messages
            + stats.attachments
            + u64::from(stats.pending_changes)
            + count(&open_ro(&path), "settings")
    );

    let reports = &recorded.reports;
    let copied: Vec<&str> = reports
        .iter()
        .filter(|r| r.phase == Phase::Copy)
        .filter_map(|r| r.table.as_deref())
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
    assert!(
        reports.windows(2).all(|w| w[0].rows_done <= w[1].rows_done),
        "rows go back"
    );
    let messages_reports = reports
        .iter()
        .filter(|r| r.table.as_deref() == Some("messages"))
        .count();
    assert!(
        messages_reports > 3,
        "{messages_reports} reports during messages"
    );

    let (gap, at) = recorded.longest_gap();
    let before = reports.get(at).map_or("end".to_owned(), |r| {
        format!(
            "{:?} {:?} {}/{}",
            r.phase, r.table, r.rows_done, r.rows_total
        )
    });
    eprintln!(
        "{} reports over {:?} for {} messages; longest gap {gap:?}, before {before}",
        reports.len(),
        recorded.ended - recorded.started,
        stats.messages
    );
    assert!(
        gap <= Duration::from_millis(100),
        "a gap of {gap:?} before {before}"
    );
}
