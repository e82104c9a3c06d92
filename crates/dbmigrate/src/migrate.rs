//! The engine: preflight, out-of-place build, verify, sync, atomic swap;
//! and the rebuild fallback.
//!
//! The database path always names a complete database: the old one until
//! the single rename that puts the new, verified, synced one in its place.
//! Everything before that rename writes only temporary files beside it,
//! which the next run removes, so killing the process at any moment loses
//! nothing and the rerun starts over.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use crate::detect::{classify, database_size, open_with_header, read_header, State};
use crate::error::BareError;
use crate::files::{self, Lock, Scheduled};
use crate::progress::{join, Control, Phase, Progress, Reporter};
use crate::set::{quote_name, Copy, MigrationSet, Step, TransformContext};
use crate::Error;

/// How [`migrate`] works. `Default` gives the documented behaviour.
pub struct MigrateOptions<'a> {
    /// Where the "scheduled" marker lives; default: beside the database,
    /// `NAME.olkit-scheduled`.
    pub scheduled_marker: Option<PathBuf>,
    /// Free space demanded beyond twice the database size, in bytes.
    pub space_margin: u64,
    /// Measures the free space of a directory's volume; default
    /// `fs4::available_space`. Tests inject a small figure here.
    // The signature says what a probe is; an alias would only hide it.
    #[allow(clippy::type_complexity)]
    pub space_probe: Option<&'a dyn Fn(&Path) -> std::io::Result<u64>>,
    /// How thoroughly the new database is checked before the swap.
    pub verify: Verify,
    /// The longest time between two progress reports; default 40 ms, so
    /// that reports come at least every 100 ms even when one unit of work
    /// runs long.
    pub progress_every: Duration,
    /// SQLite page cache per connection, in KiB; default 32 MiB. Memory use
    /// does not grow with the database, it is bounded by this.
    pub cache_kib: u32,
}

impl Default for MigrateOptions<'_> {
    fn default() -> Self {
        MigrateOptions {
            scheduled_marker: None,
            space_margin: 0,
            space_probe: None,
            verify: Verify::Quick,
            progress_every: Duration::from_millis(40),
            cache_kib: 32 * 1024,
        }
    }
}

impl MigrateOptions<'_> {
    /// The "scheduled" marker of the database at `db`.
    pub(crate) fn marker_path(&self, db: &Path) -> PathBuf {
        self.scheduled_marker
            .clone()
            .unwrap_or_else(|| files::default_marker_path(db))
    }
}

impl std::fmt::Debug for MigrateOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MigrateOptions")
            .field("scheduled_marker", &self.scheduled_marker)
            .field("space_margin", &self.space_margin)
            .field("space_probe", &self.space_probe.map(|_| "custom"))
            .field("verify", &self.verify)
            .field("progress_every", &self.progress_every)
            .field("cache_kib", &self.cache_kib)
            .finish()
    }
}

/// How the new database is checked before it replaces the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum Verify {
    /// `PRAGMA quick_check`: every page and record well formed.
    #[default]
    Quick,
    /// `PRAGMA integrity_check`: also every index agrees with its table.
    Full,
}

/// The free space an upgrade of a `size`-byte database demands: twice its
/// size (the vendor's rule: the new database beside the old one, plus as
/// much again for SQLite's temporary files and the index builds), plus
/// `margin`. This is the rule for a set of one step (the KOC set); each
/// further step builds another database while the previous one exists,
/// so give sets of several steps a margin of the database size per extra
/// step. A disk that fills anyway ends as
/// [`Outcome::InsufficientSpace`], with nothing lost.
pub fn space_needed(size: u64, margin: u64) -> u64 {
    size.saturating_mul(2).saturating_add(margin)
}

/// Rows of one table of the new database.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TableRows {
    /// The table.
    pub table: String,
    /// Its rows.
    pub rows: u64,
}

/// Figures of a finished upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Upgrade {
    /// The format upgraded from.
    pub from: u32,
    /// The format upgraded to.
    pub to: u32,
    /// The old database's size in bytes.
    pub old_bytes: u64,
    /// The new database's size in bytes.
    pub new_bytes: u64,
    /// Source rows copied, over all tables and steps.
    pub rows: u64,
    /// Rows of each table of the new database.
    pub tables: Vec<TableRows>,
    /// Wall time of the whole upgrade, in milliseconds.
    pub elapsed_ms: u64,
}

/// Figures of a rebuild: the old database could not be migrated, an empty
/// one of the newest format took its place, and a full resynchronisation
/// from the server is needed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Rebuild {
    /// Why the upgrade could not be done.
    pub reason: String,
    /// The format of the new, empty database.
    pub format: u32,
    /// Where the old database now is (never deleted).
    pub set_aside: PathBuf,
    /// Rows salvaged into the new database, per salvaged table.
    pub salvaged: Vec<TableRows>,
    /// Rows of salvaged tables that could not be read.
    pub unreadable_rows: u64,
}

/// How a migration ended. Failures that leave the database untouched are
/// [`Error`]s instead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(tag = "outcome", rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum Outcome {
    /// Nothing to do.
    UpToDate {
        /// The format.
        format: u32,
    },
    /// The new database replaced the old one.
    Upgraded(Upgrade),
    /// Not enough free space: nothing was written but the "scheduled"
    /// marker, so the next start tries again.
    InsufficientSpace(Scheduled),
    /// The fallback ran: see [`Rebuild`].
    Rebuilt(Rebuild),
    /// The callback cancelled; the old database is as it was.
    Cancelled {
        /// The phase that was cancelled.
        phase: Phase,
    },
}

impl Outcome {
    /// The outcome's name in snake case, as `--json` prints it.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::UpToDate { .. } => "up_to_date",
            Outcome::Upgraded(_) => "upgraded",
            Outcome::InsufficientSpace(_) => "insufficient_space",
            Outcome::Rebuilt(_) => "rebuilt",
            Outcome::Cancelled { .. } => "cancelled",
        }
    }
}

/// Upgrades the database at `path` to the newest format of `set`.
///
/// Locks the database's migrations, removes what an interrupted earlier run
/// left, detects the format, checks the free space, builds each step's
/// database beside the old one, verifies it, syncs it and renames it over
/// the old one. `progress` is called at least every 100 ms of work;
/// returning [`Control::Cancel`] stops and leaves the old database as it
/// was (once the swap has begun, it completes).
///
/// Errors leave the database untouched: another application's database,
/// a newer format, a migration already running, a file that cannot be
/// opened. Every other failure of the upgrade itself (damaged database,
/// failed step, failed verification) ends in [`Outcome::Rebuilt`].
pub fn migrate(
    path: &Path,
    set: &MigrationSet,
    options: &MigrateOptions<'_>,
    progress: &mut dyn FnMut(&Progress<'_>) -> Control,
) -> Result<Outcome, Error> {
    let started = Instant::now();
    set.validate()?;
    let span = tracing::info_span!("migrate", path = %path.display(), set = set.name());
    let _entered = span.enter();
    let mut reporter = Reporter::new(progress, options.progress_every);
    let marker = options.marker_path(path);

    let old_bytes = database_size(path)?;
    // Another application's database, or a newer format, is refused before
    // anything (even the lock file) is written beside it.
    let mut up_to_date = None;
    if let Ok(Ok((_db, application_id, format))) = open_with_header(path) {
        match classify(set, application_id, format) {
            State::NotOurs { application_id } => return Err(not_ours(path, set, application_id)),
            State::Newer { found, known } => return Err(newer(path, found, known)),
            // Nothing to do, and no read-write open: the guard would
            // fold the application's write-ahead log and leave WAL mode.
            State::UpToDate { format } => up_to_date = Some(format),
            _ => {}
        }
    }
    let _lock = Lock::acquire(path)?;
    for leftover in files::leftovers(path) {
        tracing::info!(file = %leftover.display(), "removing a leftover of an interrupted migration");
        files::remove_if_exists(&leftover)?;
    }
    reporter.bytes_total = old_bytes;
    if reporter.enter(Phase::Preflight, None).is_err() {
        return Ok(Outcome::Cancelled {
            phase: Phase::Preflight,
        });
    }
    if let Some(format) = up_to_date {
        files::remove_if_exists(&marker)?;
        return Ok(Outcome::UpToDate { format });
    }

    // A read-write connection: it recovers a hot journal, folds a
    // write-ahead log into the file, and holds the write lock so that
    // nobody changes the old database while it is being copied.
    // Waiting for an application's write to end (up to the busy timeout)
    // is no reason to fall silent.
    let cache_kib = options.cache_kib;
    let opened = match reporter.run_ticking(&[], || Guard::open(path, cache_kib)) {
        Ok(opened) => opened,
        Err(_) => {
            return Ok(Outcome::Cancelled {
                phase: Phase::Preflight,
            })
        }
    };
    let guard = match opened {
        Ok(guard) => guard,
        Err(GuardError::Unreadable(reason)) => {
            return rebuild(path, set, options, &marker, &mut reporter, reason);
        }
        Err(GuardError::Failed(e)) => return Err(e),
    };
    let from = match classify(set, guard.application_id, guard.format) {
        State::UpToDate { format } => {
            drop(guard);
            files::remove_if_exists(&marker)?;
            return Ok(Outcome::UpToDate { format });
        }
        State::NeedsUpgrade { from, .. } => from,
        State::NotOurs { application_id } => return Err(not_ours(path, set, application_id)),
        State::Newer { found, known } => return Err(newer(path, found, known)),
        State::TooOld { found, oldest } => {
            drop(guard);
            let reason =
                format!("format {found} is older than the oldest this code upgrades ({oldest})");
            return rebuild(path, set, options, &marker, &mut reporter, reason);
        }
        State::Unreadable { reason } => {
            drop(guard);
            return rebuild(path, set, options, &marker, &mut reporter, reason);
        }
    };

    // The space after the fold of the log, which can only have shrunk it.
    let size = database_size(path)?;
    let needed = space_needed(size, options.space_margin);
    let available = available_space(path, options)?;
    if available < needed {
        drop(guard);
        tracing::warn!(
            needed,
            available,
            "not enough free space; upgrade scheduled"
        );
        return files::write_marker(&marker, path, needed, available)
            .map(Outcome::InsufficientSpace);
    }

    let mut source = path.to_path_buf();
    let mut rows = 0;
    let mut tables = Vec::new();
    for step in set.steps().iter().filter(|s| s.from >= from) {
        let target = files::temp_path(path, step.from + 1);
        let built = build_step(step, set, &source, &target, options, &mut reporter);
        let keep_wal = guard.was_wal && step.from + 1 == set.current_format();
        let built = built.and_then(|b| finish_file(&target, keep_wal, &mut reporter).map(|()| b));
        if source != path {
            files::remove_database(&source)?;
        }
        match built {
            Ok(built) => {
                rows += built.rows;
                tables = built.tables;
                source = target;
            }
            Err(e) => {
                files::remove_database(&target)?;
                drop(guard);
                return match e {
                    Error::Cancelled => Ok(Outcome::Cancelled {
                        phase: reporter.phase,
                    }),
                    e if e.is_disk_full() => {
                        let available = available_space(path, options)?;
                        files::write_marker(&marker, path, needed, available)
                            .map(Outcome::InsufficientSpace)
                    }
                    e => {
                        tracing::warn!(error = %e, "upgrade failed; rebuilding");
                        rebuild(path, set, options, &marker, &mut reporter, e.to_string())
                    }
                };
            }
        }
    }

    // The swap. Connections to the old database close first: Windows
    // cannot rename over an open file.
    let _ = reporter.enter(Phase::Swap, None);
    drop(guard);
    files::replace(&source, path)?;
    files::remove_if_exists(&marker)?;
    let new_bytes = database_size(path)?;
    tracing::info!(from, to = set.current_format(), rows, "upgraded");
    Ok(Outcome::Upgraded(Upgrade {
        from,
        to: set.current_format(),
        old_bytes,
        new_bytes,
        rows,
        tables,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }))
}

fn not_ours(path: &Path, set: &MigrationSet, application_id: i32) -> Error {
    Error::NotOurs {
        path: path.to_path_buf(),
        set: set.name().to_owned(),
        found: application_id,
        expected: set.application_id(),
    }
}

fn newer(path: &Path, found: u32, known: u32) -> Error {
    Error::Newer {
        path: path.to_path_buf(),
        found,
        known,
    }
}

fn available_space(path: &Path, options: &MigrateOptions<'_>) -> Result<u64, Error> {
    let dir = files::parent_dir(path);
    match options.space_probe {
        Some(probe) => probe(&dir),
        None => fs4::available_space(&dir),
    }
    .map_err(|e| Error::io(dir, e))
}

/// The read-write connection that holds the old database still.
struct Guard {
    _db: Connection,
    application_id: i32,
    format: u32,
    was_wal: bool,
}

enum GuardError {
    /// The file is not a readable database: a case for the rebuild.
    Unreadable(String),
    /// Anything else: the file stays as it is.
    Failed(Error),
}

impl Guard {
    fn open(path: &Path, cache_kib: u32) -> Result<Guard, GuardError> {
        let failed =
            |what: &str, e: rusqlite::Error| GuardError::Failed(Error::sqlite(path, what, e));
        let db = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| failed("opening", e))?;
        db.busy_timeout(Duration::from_secs(2))
            .map_err(|e| failed("setting the busy timeout", e))?;
        // The header first: it is what finds a damaged file (any pragma,
        // the cache size too, reads the schema and fails on one).
        let (application_id, format) = match read_header(&db) {
            Ok(header) => header,
            Err(e) if is_damage(&e) => return Err(GuardError::Unreadable(e.to_string())),
            Err(e) => return Err(failed("reading the header", e)),
        };
        set_cache(&db, cache_kib).map_err(|e| failed("setting the cache", e))?;
        let mode: String = db
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(|e| failed("reading the journal mode", e))?;
        let was_wal = mode.eq_ignore_ascii_case("wal");
        if was_wal {
            // Folds the log into the file and removes it, so that no stale
            // -wal can ever be applied to the database renamed in later.
            db.query_row("PRAGMA journal_mode=DELETE", [], |_| Ok(()))
                .map_err(|e| busy_or(path, "leaving WAL mode (is the database in use?)", e))
                .map_err(GuardError::Failed)?;
        }
        db.execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| busy_or(path, "taking the write lock (is the database in use?)", e))
            .map_err(GuardError::Failed)?;
        Ok(Guard {
            _db: db,
            application_id,
            format,
            was_wal,
        })
    }
}

/// SQLite's "busy" as [`Error::Busy`], anything else as [`Error::Sqlite`].
fn busy_or(path: &Path, what: &str, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            Error::Busy {
                path: path.to_path_buf(),
                reason: format!("{what}: {e}"),
            }
        }
        _ => Error::sqlite(path, what, e),
    }
}

/// The errors that mean "this file is damaged", as opposed to "this file
/// cannot be opened now".
fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

fn set_cache(db: &Connection, kib: u32) -> rusqlite::Result<()> {
    db.execute_batch(&format!("PRAGMA cache_size = -{kib}"))
}

/// A new database for a step or a rebuild: no journal (a crash leaves a
/// temporary file the next run deletes, so there is nothing to roll back),
/// no syncs until the end.
fn create_target(
    target: &Path,
    page_size: i64,
    options: &MigrateOptions<'_>,
) -> Result<Connection, Error> {
    files::remove_database(target)?;
    let db = Connection::open_with_flags(
        target,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| Error::sqlite(target, "creating", e))?;
    set_cache(&db, options.cache_kib).map_err(|e| Error::sqlite(target, "setting the cache", e))?;
    crate::set::register_functions(&db)
        .map_err(|e| Error::sqlite(target, "registering functions", e))?;
    db.execute_batch(&format!(
        "PRAGMA page_size = {page_size};
         PRAGMA journal_mode = OFF;
         PRAGMA synchronous = OFF;
         PRAGMA foreign_keys = OFF;"
    ))
    .map_err(|e| Error::sqlite(target, "setting up", e))?;
    Ok(db)
}

struct Built {
    rows: u64,
    tables: Vec<TableRows>,
}

/// Builds `target` from `source` by one step, and verifies it.
fn build_step(
    step: &Step,
    set: &MigrationSet,
    source: &Path,
    target: &Path,
    options: &MigrateOptions<'_>,
    reporter: &mut Reporter<'_>,
) -> Result<Built, Error> {
    let span = tracing::info_span!("step", from = step.from, to = step.from + 1);
    let _entered = span.enter();
    let sql = |what: String| move |e| Error::sqlite(target, what, e);

    let page_size: i64 = crate::set::open_read_only(source)?
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .map_err(|e| Error::sqlite(source, "reading the page size", e))?;
    let mut db = create_target(target, page_size, options)?;
    db.execute(
        "ATTACH DATABASE ?1 AS old",
        [files::file_uri(source, "mode=ro")?],
    )
    .map_err(sql("attaching the old database".into()))?;
    db.execute_batch("BEGIN").map_err(sql("beginning".into()))?;
    db.execute_batch(&step.schema).map_err(sql(format!(
        "creating the schema of format {}",
        step.from + 1
    )))?;

    // Totals first, for the progress bar.
    let mut totals = Vec::with_capacity(step.copies.len());
    for copy in &step.copies {
        let rows = match copy {
            Copy::Table(table) => count(
                &db,
                &format!("SELECT count(*) FROM old.{}", quote_name(table)),
            )
            .map_err(sql(format!("counting table {table}")))?,
            Copy::Sql {
                table, source_rows, ..
            } => count(&db, source_rows).map_err(sql(format!("counting the rows of {table}")))?,
            Copy::Transform(transform) => transform.source_rows(&db)?,
        };
        totals.push(rows);
    }
    reporter.from_format = step.from;
    reporter.rows_done = 0;
    reporter.rows_total = totals.iter().sum();
    reporter.bytes_total = database_size(source)?;
    reporter.target = Some(target.to_path_buf());

    for (copy, rows) in step.copies.iter().zip(&totals) {
        let table = copy.table().to_owned();
        reporter.enter(Phase::Copy, Some(&table))?;
        let span = tracing::info_span!("copy", table = %table, rows);
        let _entered = span.enter();
        match copy {
            Copy::Table(name) => {
                let insert = format!(
                    "INSERT INTO main.{0} SELECT * FROM old.{0}",
                    quote_name(name)
                );
                db = run_statement(db, &insert, reporter)
                    .map_err(|e| e.context(target, format!("copying table {table}")))?;
                reporter.advance(*rows)?;
            }
            Copy::Sql { insert, .. } => {
                db = run_statement(db, insert, reporter)
                    .map_err(|e| e.context(target, format!("filling table {table}")))?;
                reporter.advance(*rows)?;
            }
            Copy::Transform(transform) => {
                let start = reporter.rows_done;
                let mut advance = |n: u64| reporter.advance(n);
                let mut ctx = TransformContext {
                    target: &db,
                    source_path: source,
                    from: step.from,
                    advance: &mut advance,
                };
                transform.run(&mut ctx)?;
                // A transform that under-reports still ends its table at 100 %.
                reporter.rows_done = reporter.rows_done.max(start + rows);
            }
        }
    }

    reporter.enter(Phase::Index, None)?;
    let pragmas = format!(
        "PRAGMA main.application_id = {}; PRAGMA main.user_version = {};",
        set.application_id(),
        step.from + 1
    );
    let finish = format!("{}\n{pragmas}\nCOMMIT;", step.finish);
    db = run_statement(db, &finish, reporter).map_err(|e| e.context(target, "building indexes"))?;

    reporter.enter(Phase::Verify, None)?;
    let level = options.verify;
    let checks: Vec<&crate::Check> = step
        .checks
        .iter()
        .chain(set.checks_for(step.from + 1))
        .filter(|check| !check.full_only || level == Verify::Full)
        .collect();
    // The file is finished: the integrity check reads it on a connection
    // and thread of its own while this connection checks keys, counts and
    // rules, and a third thread writes it back to the disk.
    let integrity_db = crate::set::open_read_only(target)?;
    let interrupts = [
        db.get_interrupt_handle(),
        integrity_db.get_interrupt_handle(),
    ];
    let (db, tables) = reporter.run_ticking(&interrupts, move || {
        let result = std::thread::scope(|scope| {
            let integrity = scope.spawn(move || integrity_problems(&integrity_db, level));
            let synced = scope.spawn(|| files::sync_file(target));
            let rest = verify_step(&db, target, &step.row_checks, &checks);
            let integrity = join(integrity)
                .map_err(|e| Error::sqlite(target, "checking integrity", e))
                .and_then(|problems| match problems.first() {
                    Some(first) => Err(Error::Verification {
                        path: target.to_path_buf(),
                        reason: format!("{}: {first}", level_name(level)),
                    }),
                    None => Ok(()),
                });
            let synced = join(synced);
            integrity
                .and(rest)
                .and_then(|tables| synced.map(|()| tables))
        });
        (db, result)
    })?;
    let tables = tables?;
    db.close()
        .map_err(|(_, e)| Error::sqlite(target, "closing", e))?;
    Ok(Built {
        rows: reporter.rows_total,
        tables,
    })
}

/// Runs one batch of SQL on another thread while progress keeps ticking;
/// gives the connection back.
fn run_statement(
    db: Connection,
    sql: &str,
    reporter: &mut Reporter<'_>,
) -> Result<Connection, BareError> {
    let interrupt = db.get_interrupt_handle();
    let (db, result) = reporter
        .run_ticking(std::slice::from_ref(&interrupt), move || {
            let result = db.execute_batch(sql);
            (db, result)
        })
        .map_err(BareError::Engine)?;
    result.map(|()| db).map_err(BareError::Sqlite)
}

fn count(db: &Connection, sql: &str) -> rusqlite::Result<u64> {
    let n: i64 = db.query_row(sql, [], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Foreign keys, row counts, rules (the integrity check runs beside it).
fn verify_step(
    db: &Connection,
    target: &Path,
    row_checks: &[crate::set::RowCheck],
    checks: &[&crate::Check],
) -> Result<Vec<TableRows>, Error> {
    let failed = |reason: String| Error::Verification {
        path: target.to_path_buf(),
        reason,
    };
    let sql = |what: &str| {
        let what = what.to_owned();
        move |e| Error::sqlite(target, what, e)
    };
    let dangling = foreign_key_problems(db).map_err(sql("checking foreign keys"))?;
    if let Some(first) = dangling.first() {
        return Err(failed(format!("foreign_key_check: {first}")));
    }
    for check in row_checks {
        let expected = count(db, &check.expected)
            .map_err(sql(&format!("counting the old rows of {}", check.table)))?;
        let found = count(
            db,
            &format!("SELECT count(*) FROM main.{}", quote_name(&check.table)),
        )
        .map_err(sql(&format!("counting the rows of {}", check.table)))?;
        if expected != found {
            return Err(failed(format!(
                "table {}: {found} rows, expected {expected}",
                check.table
            )));
        }
    }
    for check in checks {
        let broken =
            count(db, &check.sql).map_err(sql(&format!("checking \"{}\"", check.description)))?;
        if broken != 0 {
            return Err(failed(format!(
                "{}: {broken} rows break it",
                check.description
            )));
        }
    }
    table_rows(db).map_err(sql("counting rows"))
}

pub(crate) fn level_name(level: Verify) -> &'static str {
    match level {
        Verify::Quick => "quick_check",
        Verify::Full => "integrity_check",
    }
}

/// The lines `quick_check`/`integrity_check` print other than "ok".
pub(crate) fn integrity_problems(db: &Connection, level: Verify) -> rusqlite::Result<Vec<String>> {
    let mut statement = db.prepare(&format!("PRAGMA main.{}(100)", level_name(level)))?;
    let lines = statement.query_map([], |r| r.get::<_, String>(0))?;
    let mut problems = Vec::new();
    for line in lines {
        let line = line?;
        if line != "ok" {
            problems.push(line);
        }
    }
    Ok(problems)
}

/// `foreign_key_check` rows, as text ("messages row 12: folders").
pub(crate) fn foreign_key_problems(db: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement = db.prepare("PRAGMA main.foreign_key_check")?;
    let rows = statement.query_map([], |r| {
        let table: String = r.get(0)?;
        let rowid: Option<i64> = r.get(1)?;
        let parent: String = r.get(2)?;
        Ok(format!(
            "{table} row {} refers to a missing {parent} row",
            rowid.map_or_else(|| "?".to_owned(), |id| id.to_string())
        ))
    })?;
    let mut problems = Vec::new();
    for row in rows.take(100) {
        problems.push(row?);
    }
    Ok(problems)
}

/// Rows of every table of `main`, by name.
pub(crate) fn table_rows(db: &Connection) -> rusqlite::Result<Vec<TableRows>> {
    let mut statement = db.prepare(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let names: Vec<String> = statement
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    names
        .into_iter()
        .map(|table| {
            let rows = count(
                db,
                &format!("SELECT count(*) FROM main.{}", quote_name(&table)),
            )?;
            Ok(TableRows { table, rows })
        })
        .collect()
}

/// Sets the final journal mode and syncs a built database to the disk
/// (again: verification synced it already, so this writes back at most
/// the header the journal-mode switch changed).
fn finish_file(target: &Path, wal: bool, reporter: &mut Reporter<'_>) -> Result<(), Error> {
    if wal {
        let db = Connection::open(target).map_err(|e| Error::sqlite(target, "reopening", e))?;
        db.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .map_err(|e| Error::sqlite(target, "switching to WAL", e))?;
        db.close()
            .map_err(|(_, e)| Error::sqlite(target, "closing", e))?;
    }
    reporter.enter(Phase::Sync, None)?;
    reporter
        .run_ticking(&[], || files::sync_file(target))
        .and_then(|synced| synced)
}

/// The fallback: an empty database of the newest format, with what can be
/// salvaged of the old one, takes its place; the old one is kept aside.
fn rebuild(
    path: &Path,
    set: &MigrationSet,
    options: &MigrateOptions<'_>,
    marker: &Path,
    reporter: &mut Reporter<'_>,
    reason: String,
) -> Result<Outcome, Error> {
    let span = tracing::warn_span!("rebuild", reason = %reason);
    let _entered = span.enter();
    // Cancelling the fallback would leave an unusable cache in place; the
    // callback still hears about it.
    let target = files::temp_path(path, set.current_format());
    reporter.rows_done = 0;
    reporter.rows_total = 0;
    reporter.target = Some(target.clone());
    let _ = reporter.enter(Phase::Rebuild, None);
    let result = build_rebuild(path, set, &target, options, reporter);
    let (salvaged, unreadable_rows) = match result {
        Ok(figures) => figures,
        Err(e) => {
            files::remove_database(&target)?;
            return Err(e);
        }
    };
    // A hard link, or a whole copy where there are none.
    let set_aside = reporter.run_reporting(|| files::set_aside(path))?;
    if let Err(e) = files::replace(&target, path) {
        // The old database is still in place; the copy aside is not needed.
        let _ = files::remove_if_exists(&set_aside);
        files::remove_database(&target)?;
        return Err(e);
    }
    files::remove_if_exists(marker)?;
    for side in ["-journal", "-wal", "-shm"] {
        // Side files of the old database would be applied to the new one.
        // (The guard folded them; a damaged database may still have some.)
        let stale = files::sibling(path, side);
        if stale.exists() {
            let kept = files::sibling(&set_aside, side);
            std::fs::rename(&stale, &kept).map_err(|e| Error::io(&stale, e))?;
        }
    }
    Ok(Outcome::Rebuilt(Rebuild {
        reason,
        format: set.current_format(),
        set_aside,
        salvaged,
        unreadable_rows,
    }))
}

fn build_rebuild(
    path: &Path,
    set: &MigrationSet,
    target: &Path,
    options: &MigrateOptions<'_>,
    reporter: &mut Reporter<'_>,
) -> Result<(Vec<TableRows>, u64), Error> {
    let db = create_target(target, 4096, options)?;
    let sql = |what: &str| {
        let what = what.to_owned();
        move |e| Error::sqlite(target, what, e)
    };
    db.execute_batch(&format!(
        "BEGIN;\n{}\nPRAGMA main.application_id = {}; PRAGMA main.user_version = {};",
        set.current_schema,
        set.application_id(),
        set.current_format()
    ))
    .map_err(sql("creating the empty database"))?;
    let mut salvaged = Vec::new();
    let mut unreadable = 0;
    for table in &set.salvage {
        let _ = reporter.enter(Phase::Rebuild, Some(table));
        // Salvage reads row by row: keep the host's reports coming.
        let mut tick = || {
            let _ = reporter.tick();
        };
        let (rows, lost) = crate::salvage::salvage_table(path, &db, table, &mut tick)
            .map_err(sql(&format!("salvaging table {table}")))?;
        salvaged.push(TableRows {
            table: table.clone(),
            rows,
        });
        unreadable += lost;
    }
    reporter.run_reporting(move || {
        db.execute_batch("COMMIT").map_err(sql("committing"))?;
        let problems = integrity_problems(&db, Verify::Quick).map_err(sql("checking integrity"))?;
        if let Some(first) = problems.first() {
            return Err(Error::Verification {
                path: target.to_path_buf(),
                reason: first.clone(),
            });
        }
        db.close()
            .map_err(|(_, e)| Error::sqlite(target, "closing", e))?;
        files::sync_file(target)
    })?;
    Ok((salvaged, unreadable))
}
