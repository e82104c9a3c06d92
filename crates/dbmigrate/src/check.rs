//! `check`: is a database sound, and does it follow its format's rules?

use std::path::{Path, PathBuf};

use crate::detect::{classify, open_with_header, State};
use crate::migrate::{foreign_key_problems, integrity_problems, level_name, table_rows};
use crate::{Error, MigrationSet, TableRows, Verify};

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CheckReport {
    /// The database file.
    pub path: PathBuf,
    /// What it is.
    pub state: State,
    /// Everything wrong, one line each; empty when sound.
    pub problems: Vec<String>,
    /// Rows per table (empty when the file is unreadable).
    pub tables: Vec<TableRows>,
}

impl CheckReport {
    /// True when the database is readable, ours, in a known format and
    /// nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks the database at `path` read-only: SQLite's own check at `level`,
/// foreign keys, and the rules `set` gives for its format.
///
/// Errors only when the file cannot be examined at all; a damaged or
/// foreign file is a report with problems.
pub fn check(path: &Path, set: &MigrationSet, level: Verify) -> Result<CheckReport, Error> {
    crate::detect::database_size(path)?;
    let (db, application_id, format) = match open_with_header(path)? {
        Ok(opened) => opened,
        Err(reason) => {
            return Ok(CheckReport {
                path: path.to_path_buf(),
                problems: vec![format!("unreadable: {reason}")],
                state: State::Unreadable { reason },
                tables: Vec::new(),
            })
        }
    };
    let mut report = CheckReport {
        path: path.to_path_buf(),
        state: classify(set, application_id, format),
        problems: Vec::new(),
        tables: Vec::new(),
    };
    match &report.state {
        State::NotOurs { application_id } => report.problems.push(format!(
            "not a {} database (application_id {application_id:#010x}, expected {:#010x})",
            set.name(),
            set.application_id()
        )),
        State::Newer { found, known } => report.problems.push(format!(
            "format {found} is newer than the newest this code knows ({known})"
        )),
        State::TooOld { found, oldest } => report.problems.push(format!(
            "format {found} is older than the oldest this code knows ({oldest})"
        )),
        _ => {}
    }
    let sqlite = |what: &str, e: rusqlite::Error| format!("{what}: {e}");
    match integrity_problems(&db, level) {
        Ok(lines) => report.problems.extend(
            lines
                .into_iter()
                .map(|l| format!("{}: {l}", level_name(level))),
        ),
        Err(e) => report.problems.push(sqlite(level_name(level), e)),
    }
    match foreign_key_problems(&db) {
        Ok(lines) => report
            .problems
            .extend(lines.into_iter().map(|l| format!("foreign_key_check: {l}"))),
        // A damaged file fails here for the reason the integrity check
        // already gave; say it once.
        Err(_) if !report.problems.is_empty() => {}
        Err(e) => report.problems.push(sqlite("foreign_key_check", e)),
    }
    if matches!(
        report.state,
        State::UpToDate { .. } | State::NeedsUpgrade { .. }
    ) {
        for rule in set.checks_for(format) {
            match db.query_row(&rule.sql, [], |r| r.get::<_, i64>(0)) {
                Ok(0) => {}
                Ok(broken) => report
                    .problems
                    .push(format!("{}: {broken} rows break it", rule.description)),
                Err(e) => report.problems.push(sqlite(&rule.description, e)),
            }
        }
    }
    match table_rows(&db) {
        Ok(tables) => report.tables = tables,
        Err(e) => report.problems.push(sqlite("counting rows", e)),
    }
    Ok(report)
}
