//! The C ABI of olkit-dbmigrate for the Kerio Outlook Connector cache
//! database (`olkit_dbmigrate::koc::migration_set()`, formats 1 and 2):
//! what a database file is (`olk_db_status`), its upgrade out of place with
//! progress and cancel (`olk_db_migrate`), and a soundness check
//! (`olk_db_check`).
//!
//! Figures cross the ABI in structs that start with `uint32_t
//! struct_size`; the strings (reasons, paths, per-table rows) in UTF-8 JSON
//! beside them, the serde form of olkit-dbmigrate (`olkit db ... --json`).
//!
//! Status codes 5000-5999 belong to this module (`OLK_DB_*`); every
//! `olkit_dbmigrate::Error` maps to one of them (`Io` to `OLK_IO`) and keeps
//! the library's message, which names the file, as the last error. Every
//! failure leaves the database file as it was.

// Every struct and enum of this module has its C name (`olk_db_*`).
#![allow(non_camel_case_types, reason = "C names")]

use std::ffi::{c_char, c_void, CString};
use std::path::PathBuf;
use std::time::Instant;

use olkit_dbmigrate::{
    check, detect_with, koc, migrate, CheckReport, Control, Error, MigrateOptions, MigrationSet,
    Outcome, Phase, Progress, State, Status, Verify,
};
use serde::Serialize;

use crate::boundary::boundary;
use crate::error::FfiError;
use crate::progress::{olk_progress_cb, struct_size, ProgressCallback, Report};
use crate::status::{olk_status, OLK_CANCELLED, OLK_IO};
use crate::util::{c_string, check_struct_size, optional_str_arg, path_arg, Out};

/// The file is a SQLite database of another application (its
/// `application_id` is not the KOC cache's), or an empty file. It was not
/// touched.
pub const OLK_DB_NOT_OURS: olk_status = 5000;
/// The database is in a format newer than this olkit knows (written by a
/// newer connector). It was not touched.
pub const OLK_DB_NEWER: olk_status = 5001;
/// Another migration of the database is running, or another program keeps
/// the database busy.
pub const OLK_DB_BUSY: olk_status = 5002;
/// SQLite refused to open or read the database (permissions, locking,
/// a file that cannot be opened at all).
pub const OLK_DB_SQLITE: olk_status = 5003;
/// The upgrade failed and so did its rebuild fallback (a verification or
/// data error); the database is as it was.
pub const OLK_DB_FAILED: olk_status = 5004;

impl From<Error> for FfiError {
    fn from(err: Error) -> Self {
        let status = match &err {
            Error::Io { .. } => OLK_IO,
            Error::NotOurs { .. } => OLK_DB_NOT_OURS,
            Error::Newer { .. } => OLK_DB_NEWER,
            Error::Busy { .. } => OLK_DB_BUSY,
            Error::Sqlite { .. } => OLK_DB_SQLITE,
            Error::Cancelled => OLK_CANCELLED,
            // Verification, Data, InvalidSet, and variants added to the
            // library later (`Error` is #[non_exhaustive]).
            _ => OLK_DB_FAILED,
        };
        FfiError::new(status, err.to_string())
    }
}

// ---------------------------------------------------------------------------
// Enums and structs

/// The phases of `olk_db_migrate`: the `phase` of its `olk_progress`
/// reports and the `cancelled_phase` of a cancelled outcome.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_db_phase {
    /// Lock, leftovers of an interrupted run, detection, free space.
    OLK_DB_PHASE_PREFLIGHT = 1,
    /// Rows copied into the new database (`item` names the table).
    OLK_DB_PHASE_COPY = 2,
    /// Indexes built after the load.
    OLK_DB_PHASE_INDEX = 3,
    /// The new database checked (quick or full check, foreign keys, row
    /// counts, the format's rules).
    OLK_DB_PHASE_VERIFY = 4,
    /// The new database flushed to the disk.
    OLK_DB_PHASE_SYNC = 5,
    /// The new database renamed over the old one (a cancel comes too late
    /// here: the upgrade completes).
    OLK_DB_PHASE_SWAP = 6,
    /// The fallback: an empty new database with what could be salvaged.
    OLK_DB_PHASE_REBUILD = 7,
}

/// What a database file is (`state` of `olk_db_status_info`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_db_state {
    /// Already in the newest format.
    OLK_DB_STATE_UP_TO_DATE = 1,
    /// In an older format that `olk_db_migrate` upgrades.
    OLK_DB_STATE_NEEDS_UPGRADE = 2,
    /// In a format newer than this olkit knows: leave it alone.
    OLK_DB_STATE_NEWER = 3,
    /// A KOC cache older than any format olkit upgrades: only a rebuild.
    OLK_DB_STATE_TOO_OLD = 4,
    /// Another application's database (or an empty file): never touched.
    OLK_DB_STATE_NOT_OURS = 5,
    /// Not readable as a SQLite database (damaged, truncated, encrypted);
    /// the reason is in `olk_db_status_json`. `olk_db_migrate` rebuilds it.
    OLK_DB_STATE_UNREADABLE = 6,
}

/// How `olk_db_migrate` ended (`outcome` of `olk_db_outcome`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_db_outcome_kind {
    /// Nothing to do: the database was in the newest format.
    OLK_DB_OUTCOME_UP_TO_DATE = 1,
    /// The new database replaced the old one.
    OLK_DB_OUTCOME_UPGRADED = 2,
    /// Not enough free space: nothing was written but the "scheduled"
    /// marker, which the next `olk_db_status` reports.
    OLK_DB_OUTCOME_INSUFFICIENT_SPACE = 3,
    /// The old database could not be upgraded: an empty one of the newest
    /// format took its place with the pending changes that could be read,
    /// the old file was kept aside, and a full resynchronisation from the
    /// server is needed.
    OLK_DB_OUTCOME_REBUILT = 4,
    /// The progress callback cancelled; the database is as it was.
    OLK_DB_OUTCOME_CANCELLED = 5,
}

/// Options of `olk_db_status` and `olk_db_migrate`; NULL means the
/// defaults (all fields 0). Set `struct_size` to `sizeof(olk_db_options)`:
/// later versions only append fields, and olkit reads no further than
/// `struct_size` (smaller than this version's size is
/// `OLK_INVALID_ARGUMENT`).
#[repr(C)]
pub struct olk_db_options {
    /// `sizeof(olk_db_options)`.
    pub struct_size: u32,
    /// The "scheduled" marker file, UTF-8; NULL: beside the database,
    /// `NAME.olkit-scheduled`.
    pub scheduled_marker: *const c_char,
    /// Free space demanded beyond twice the database size, in bytes.
    pub space_margin: u64,
    /// 1: check the new database with SQLite's `integrity_check` (slower,
    /// also compares every index with its table); 0: `quick_check`.
    pub full_check: u8,
}

/// What `olk_db_status` found. Set `struct_size` to
/// `sizeof(olk_db_status_info)` before the call (at least this version's
/// size); on success olkit sets it to the size it filled.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct olk_db_status_info {
    /// `sizeof(olk_db_status_info)`.
    pub struct_size: u32,
    /// An `olk_db_state`; 0 for a state this header does not know.
    pub state: u32,
    /// The format found (`user_version`); 0 when not ours or unreadable.
    pub format: u32,
    /// The newest format olkit knows (what an upgrade produces).
    pub current_format: u32,
    /// The `application_id` found; 0 when unreadable.
    pub application_id: i32,
    /// The database's size in bytes, with its write-ahead log.
    pub size_bytes: u64,
    /// The free space an upgrade needs: twice the size plus the margin.
    pub space_needed_bytes: u64,
    /// 1 when an earlier migration lacked space and left the "scheduled"
    /// marker; 0 otherwise.
    pub scheduled: u8,
    /// The free space that earlier migration needed (0 if not scheduled).
    pub scheduled_needed_bytes: u64,
    /// The free space it found (0 if not scheduled).
    pub scheduled_available_bytes: u64,
    /// Temporary files of an interrupted migration beside the database
    /// (the next migration removes them).
    pub leftovers: u32,
}

/// How `olk_db_migrate` ended. Set `struct_size` to
/// `sizeof(olk_db_outcome)` before the call (at least this version's
/// size); on success olkit sets it to the size it filled. Fields that do
/// not apply to the outcome are 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct olk_db_outcome {
    /// `sizeof(olk_db_outcome)`.
    pub struct_size: u32,
    /// An `olk_db_outcome_kind`; 0 for an outcome this header does not
    /// know (the JSON names it).
    pub outcome: u32,
    /// UP_TO_DATE: the format; UPGRADED: the format upgraded from.
    pub from_format: u32,
    /// UP_TO_DATE, UPGRADED, REBUILT: the format the database now has.
    pub to_format: u32,
    /// UPGRADED: the old database's size in bytes.
    pub old_bytes: u64,
    /// UPGRADED: the new database's size in bytes.
    pub new_bytes: u64,
    /// UPGRADED: source rows copied, over all tables.
    pub rows: u64,
    /// Every outcome: the wall time of the call, in milliseconds.
    pub elapsed_ms: u64,
    /// INSUFFICIENT_SPACE: the free space needed, in bytes.
    pub needed_bytes: u64,
    /// INSUFFICIENT_SPACE: the free space available, in bytes.
    pub available_bytes: u64,
    /// REBUILT: rows (pending changes) salvaged into the new database.
    pub salvaged_rows: u64,
    /// REBUILT: rows of the salvaged tables that could not be read.
    pub unreadable_rows: u64,
    /// CANCELLED: the `olk_db_phase` that was cancelled.
    pub cancelled_phase: u32,
}

// ---------------------------------------------------------------------------
// Helpers

/// The options of one call, read from an `olk_db_options`.
struct DbOptions {
    marker: Option<PathBuf>,
    margin: u64,
    verify: Verify,
}

impl DbOptions {
    fn migrate_options(&self) -> MigrateOptions<'static> {
        MigrateOptions {
            scheduled_marker: self.marker.clone(),
            space_margin: self.margin,
            verify: self.verify,
            ..MigrateOptions::default()
        }
    }
}

/// Reads the options argument `options`: NULL gives the defaults.
///
/// # Safety
///
/// `ptr` must be NULL or point to a readable `olk_db_options` of at least
/// `struct_size` bytes whose `scheduled_marker` is NULL or NUL-terminated.
unsafe fn options_arg(ptr: *const olk_db_options) -> Result<DbOptions, FfiError> {
    if ptr.is_null() {
        return Ok(DbOptions {
            marker: None,
            margin: 0,
            verify: Verify::Quick,
        });
    }
    // SAFETY: not NULL; the caller guarantees a readable struct.
    unsafe { check_struct_size(ptr, "options", "olk_db_options") }?;
    // SAFETY: the caller guarantees `struct_size` readable bytes, which
    // cover the whole struct as checked above.
    let options = unsafe { &*ptr };
    // SAFETY: the caller guarantees the marker is NULL or NUL-terminated.
    let marker = unsafe { optional_str_arg(options.scheduled_marker, "options.scheduled_marker") }?;
    let verify = match options.full_check {
        0 => Verify::Quick,
        1 => Verify::Full,
        other => {
            return Err(FfiError::invalid_argument(format!(
                "argument `options.full_check`: {other} is neither 0 nor 1"
            )))
        }
    };
    Ok(DbOptions {
        marker: marker.map(PathBuf::from),
        margin: options.space_margin,
        verify,
    })
}

/// Checks the output struct argument `name`: not NULL, and a
/// `struct_size` of at least this version's size.
///
/// # Safety
///
/// `ptr` must be NULL or valid for reads of its `uint32_t struct_size` and
/// a write of one `T` until the export returns.
unsafe fn struct_out<T>(ptr: *mut T, name: &str, c_type: &str) -> Result<Out<T>, FfiError> {
    // SAFETY: forwarded from our caller.
    let out = unsafe { Out::new(ptr, name) }?;
    // SAFETY: not NULL, and the caller guarantees `struct_size` is readable.
    unsafe { check_struct_size(ptr.cast_const(), name, c_type) }?;
    Ok(out)
}

/// A JSON text for the caller.
fn to_json(value: &impl Serialize) -> Result<CString, FfiError> {
    let document = serde_json::to_string(value)
        .map_err(|err| FfiError::invalid_argument(format!("cannot write JSON: {err}")))?;
    // JSON escapes NUL characters, so this cannot fail.
    c_string(document, "the JSON text")
}

fn phase_code(phase: Phase) -> u32 {
    use olk_db_phase as P;
    let code = match phase {
        Phase::Preflight => P::OLK_DB_PHASE_PREFLIGHT,
        Phase::Copy => P::OLK_DB_PHASE_COPY,
        Phase::Index => P::OLK_DB_PHASE_INDEX,
        Phase::Verify => P::OLK_DB_PHASE_VERIFY,
        Phase::Sync => P::OLK_DB_PHASE_SYNC,
        Phase::Swap => P::OLK_DB_PHASE_SWAP,
        Phase::Rebuild => P::OLK_DB_PHASE_REBUILD,
        // A phase added to the library later: 0, "not known to this header".
        _ => return 0,
    };
    code as u32
}

fn status_info(status: &Status, set: &MigrationSet) -> olk_db_status_info {
    use olk_db_state as S;
    let ours = set.application_id();
    let (state, format, application_id) = match &status.state {
        State::UpToDate { format } => (S::OLK_DB_STATE_UP_TO_DATE as u32, *format, ours),
        State::NeedsUpgrade { from, .. } => (S::OLK_DB_STATE_NEEDS_UPGRADE as u32, *from, ours),
        State::Newer { found, .. } => (S::OLK_DB_STATE_NEWER as u32, *found, ours),
        State::TooOld { found, .. } => (S::OLK_DB_STATE_TOO_OLD as u32, *found, ours),
        State::NotOurs { application_id } => (S::OLK_DB_STATE_NOT_OURS as u32, 0, *application_id),
        State::Unreadable { .. } => (S::OLK_DB_STATE_UNREADABLE as u32, 0, 0),
        _ => (0, 0, 0),
    };
    let scheduled = status.scheduled.as_ref();
    olk_db_status_info {
        struct_size: struct_size::<olk_db_status_info>(),
        state,
        format,
        current_format: set.current_format(),
        application_id,
        size_bytes: status.size_bytes,
        space_needed_bytes: status.space_needed_bytes,
        scheduled: u8::from(scheduled.is_some()),
        scheduled_needed_bytes: scheduled.map_or(0, |s| s.needed_bytes),
        scheduled_available_bytes: scheduled.map_or(0, |s| s.available_bytes),
        leftovers: u32::try_from(status.leftovers.len()).unwrap_or(u32::MAX),
    }
}

fn outcome_struct(outcome: &Outcome, elapsed_ms: u64) -> olk_db_outcome {
    use olk_db_outcome_kind as K;
    let mut out = olk_db_outcome {
        struct_size: struct_size::<olk_db_outcome>(),
        outcome: 0,
        from_format: 0,
        to_format: 0,
        old_bytes: 0,
        new_bytes: 0,
        rows: 0,
        elapsed_ms,
        needed_bytes: 0,
        available_bytes: 0,
        salvaged_rows: 0,
        unreadable_rows: 0,
        cancelled_phase: 0,
    };
    match outcome {
        Outcome::UpToDate { format } => {
            out.outcome = K::OLK_DB_OUTCOME_UP_TO_DATE as u32;
            out.from_format = *format;
            out.to_format = *format;
        }
        Outcome::Upgraded(upgrade) => {
            out.outcome = K::OLK_DB_OUTCOME_UPGRADED as u32;
            out.from_format = upgrade.from;
            out.to_format = upgrade.to;
            out.old_bytes = upgrade.old_bytes;
            out.new_bytes = upgrade.new_bytes;
            out.rows = upgrade.rows;
        }
        Outcome::InsufficientSpace(scheduled) => {
            out.outcome = K::OLK_DB_OUTCOME_INSUFFICIENT_SPACE as u32;
            out.needed_bytes = scheduled.needed_bytes;
            out.available_bytes = scheduled.available_bytes;
        }
        Outcome::Rebuilt(rebuild) => {
            out.outcome = K::OLK_DB_OUTCOME_REBUILT as u32;
            out.to_format = rebuild.format;
            out.salvaged_rows = rebuild.salvaged.iter().map(|t| t.rows).sum();
            out.unreadable_rows = rebuild.unreadable_rows;
        }
        Outcome::Cancelled { phase } => {
            out.outcome = K::OLK_DB_OUTCOME_CANCELLED as u32;
            out.cancelled_phase = phase_code(*phase);
        }
        // An outcome added to the library later: 0, and the JSON names it.
        _ => {}
    }
    out
}

// ---------------------------------------------------------------------------
// Exports

/// Examines the KOC cache database at `path` (UTF-8) without changing it
/// (a read-only open) and fills `*out` (set its `struct_size` first).
/// `options` may be NULL; its `scheduled_marker` says where to look for
/// the marker of an upgrade scheduled for lack of space, and its
/// `space_margin` counts in `space_needed_bytes`.
///
/// A file that is not a readable database is not an error: it is
/// `OLK_DB_STATE_UNREADABLE` (`olk_db_status_json` says why).
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_INVALID_ARGUMENT`
/// (a `struct_size` too small, `full_check` not 0 or 1), `OLK_IO` (the file
/// does not exist or is not a regular file).
///
/// # Safety
///
/// `path` must be NULL or NUL-terminated; `options` NULL or as
/// `olk_db_options` describes; `out` NULL or a writable
/// `olk_db_status_info` whose `struct_size` is set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_db_status(
    path: *const c_char,
    options: *const olk_db_options,
    out: *mut olk_db_status_info,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees the contract above.
        let (path, options, out) = unsafe {
            (
                path_arg(path, "path")?,
                options_arg(options)?,
                struct_out(out, "out", "olk_db_status_info")?,
            )
        };
        let set = koc::migration_set();
        let status = detect_with(path, &set, &options.migrate_options())?;
        out.write(status_info(&status, &set));
        Ok(())
    })
}

/// `olk_db_status` as UTF-8 JSON in `*out`, to be freed with
/// `olk_string_free`: `{"path", "state" (`up_to_date`, `needs_upgrade`,
/// `newer`, `too_old`, `not_ours`, `unreadable`) and its figures ("format";
/// "from", "to"; "found", "known"; "found", "oldest"; "application_id";
/// "reason": what SQLite said), "size_bytes", "space_needed_bytes",
/// "scheduled" (null or {"marker", "needed_bytes", "available_bytes",
/// "since_unix"}), "leftovers" (paths)}`, the shape of
/// `olkit db status --json`.
///
/// Errors: as `olk_db_status`.
///
/// # Safety
///
/// `path` must be NULL or NUL-terminated; `options` NULL or as
/// `olk_db_options` describes; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_db_status_json(
    path: *const c_char,
    options: *const olk_db_options,
    out: *mut *mut c_char,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees the contract above.
        let (path, options, out) = unsafe {
            (
                path_arg(path, "path")?,
                options_arg(options)?,
                Out::new(out, "out")?,
            )
        };
        let set = koc::migration_set();
        let status = detect_with(path, &set, &options.migrate_options())?;
        out.write_string(to_json(&status)?);
        Ok(())
    })
}

/// Upgrades the KOC cache database at `path` (UTF-8) to the newest format,
/// out of place: the new database is built beside the old one, verified,
/// synced and renamed over it, so that the path always names one complete
/// database, whatever happens to the process. `options` may be NULL (the
/// defaults).
///
/// `progress` (may be NULL) is called with `userdata` on this thread at
/// least every 100 ms of work, with an `olk_progress` whose `phase` is an
/// `olk_db_phase`, `item` the table being copied, `items_*` source rows and
/// `bytes_*` the bytes written against the old database's size. Returning
/// non-zero cancels: the call returns `OLK_OK` with the outcome
/// `OLK_DB_OUTCOME_CANCELLED` and the database as it was (from the swap on
/// the upgrade completes instead). The callback must not unwind into
/// olkit.
///
/// Returns `OLK_OK` whenever the migration reached an outcome, written to
/// `*out` (set its `struct_size` first): up to date, upgraded, insufficient
/// space (nothing written but the scheduled marker), rebuilt (the old file
/// kept aside, a full resynchronisation needed), cancelled. When `json` is
/// not NULL, `*json` receives the outcome as UTF-8 JSON, to be freed with
/// `olk_string_free`, the shape of `olkit db migrate --json`:
/// `{"outcome": "up_to_date", "format"}`, `{"outcome": "upgraded", "from",
/// "to", "old_bytes", "new_bytes", "rows", "tables": [{"table", "rows"}],
/// "elapsed_ms"}`, `{"outcome": "insufficient_space", "marker",
/// "needed_bytes", "available_bytes", "since_unix"}`, `{"outcome":
/// "rebuilt", "reason", "format", "set_aside" (where the old file is),
/// "salvaged": [{"table", "rows"}], "unreadable_rows"}`, `{"outcome":
/// "cancelled", "phase"}`.
///
/// Errors, the database untouched: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`,
/// `OLK_INVALID_ARGUMENT` (a `struct_size` too small, `full_check` not 0
/// or 1), `OLK_IO`, `OLK_DB_NOT_OURS`, `OLK_DB_NEWER`, `OLK_DB_BUSY`,
/// `OLK_DB_SQLITE`, `OLK_DB_FAILED`; the message, which names the file, is
/// in `olk_last_error_message`.
///
/// # Safety
///
/// `path` must be NULL or NUL-terminated; `options` NULL or as
/// `olk_db_options` describes; `progress` NULL or a function that may be
/// called with `userdata` from this thread during the call; `out` NULL or
/// a writable `olk_db_outcome` whose `struct_size` is set; `json` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_db_migrate(
    path: *const c_char,
    options: *const olk_db_options,
    progress: olk_progress_cb,
    userdata: *mut c_void,
    out: *mut olk_db_outcome,
    json: *mut *mut c_char,
) -> olk_status {
    boundary(|| {
        let started = Instant::now();
        // SAFETY: the caller guarantees the contract above; the callback
        // wrapper lives in this call only.
        let (path, options, out, json_out, callback) = unsafe {
            (
                path_arg(path, "path")?,
                options_arg(options)?,
                struct_out(out, "out", "olk_db_outcome")?,
                Out::optional(json),
                ProgressCallback::new(progress, userdata),
            )
        };
        let set = koc::migration_set();
        let mut report = |p: &Progress<'_>| {
            let cancel = callback.report(&Report {
                phase: phase_code(p.phase),
                item: p.table,
                items_done: p.rows_done,
                items_total: p.rows_total,
                bytes_done: p.bytes_done,
                bytes_total: p.bytes_total,
            });
            match cancel {
                true => Control::Cancel,
                false => Control::Continue,
            }
        };
        let outcome = migrate(path, &set, &options.migrate_options(), &mut report)?;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        // Everything that can fail is done before the first output is written.
        let text = match json_out {
            Some(_) => Some(to_json(&outcome)?),
            None => None,
        };
        out.write(outcome_struct(&outcome, elapsed_ms));
        if let (Some(json_out), Some(text)) = (json_out, text) {
            json_out.write_string(text);
        }
        Ok(())
    })
}

/// Checks the KOC cache database at `path` (UTF-8) read-only: SQLite's
/// `integrity_check` when `full` is 1, `quick_check` when 0; foreign keys;
/// and the rules of its format (for format 2: every blob referenced, the
/// hashes right). Stores in `*ok` 1 when nothing is wrong, 0 otherwise (a
/// damaged, foreign or newer database is a report, not an error). When
/// `json` is not NULL, `*json` receives the report as UTF-8 JSON, to be
/// freed with `olk_string_free`, the shape of `olkit db check --json`:
/// `{"path", "state": {"state", ...figures as in olk_db_status_json},
/// "problems": [one sentence each], "tables": [{"table", "rows"}]}`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_INVALID_ARGUMENT`
/// (`full` not 0 or 1), `OLK_IO` (the file does not exist).
///
/// # Safety
///
/// `path` must be NULL or NUL-terminated; `json` NULL or writable; `ok`
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_db_check(
    path: *const c_char,
    full: u8,
    json: *mut *mut c_char,
    ok: *mut u8,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees the contract above.
        let (path, json_out, ok) = unsafe {
            (
                path_arg(path, "path")?,
                Out::optional(json),
                Out::new(ok, "ok")?,
            )
        };
        let level = match full {
            0 => Verify::Quick,
            1 => Verify::Full,
            other => {
                return Err(FfiError::invalid_argument(format!(
                    "argument `full`: {other} is neither 0 nor 1"
                )))
            }
        };
        let report: CheckReport = check(path, &koc::migration_set(), level)?;
        let text = match json_out {
            Some(_) => Some(to_json(&report)?),
            None => None,
        };
        ok.write(u8::from(report.is_ok()));
        if let (Some(json_out), Some(text)) = (json_out, text) {
            json_out.write_string(text);
        }
        Ok(())
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::status::describe;

    #[test]
    fn every_code_is_in_the_db_range_and_described() {
        for code in OLK_DB_NOT_OURS..=OLK_DB_FAILED {
            assert!((5000..6000).contains(&code));
            assert_ne!(describe(code).to_bytes(), b"unknown status", "code {code}");
        }
    }

    #[test]
    fn errors_map_to_their_codes_with_the_library_message() {
        let err = FfiError::from(Error::Newer {
            path: PathBuf::from("cache.db"),
            found: 3,
            known: 2,
        });
        assert_eq!(err.status(), OLK_DB_NEWER);
        assert!(err.message().contains("cache.db"), "{}", err.message());
        let err = FfiError::from(Error::Busy {
            path: PathBuf::from("cache.db.olkit-lock"),
            reason: "another migration".into(),
        });
        assert_eq!(err.status(), OLK_DB_BUSY);
        assert_eq!(FfiError::from(Error::Cancelled).status(), OLK_CANCELLED);
        let err = FfiError::from(Error::Verification {
            path: PathBuf::from("x"),
            reason: "quick_check".into(),
        });
        assert_eq!(err.status(), OLK_DB_FAILED);
    }

    #[test]
    fn every_phase_has_its_own_code() {
        let phases = [
            Phase::Preflight,
            Phase::Copy,
            Phase::Index,
            Phase::Verify,
            Phase::Sync,
            Phase::Swap,
            Phase::Rebuild,
        ];
        let codes: Vec<u32> = phases.into_iter().map(phase_code).collect();
        assert_eq!(codes, (1..=7).collect::<Vec<u32>>());
        for (phase, code) in phases.into_iter().zip(codes) {
            // The C names follow the library's names.
            let name = format!("{:?}", phase_enum(code));
            assert!(
                name.ends_with(&phase.as_str().to_uppercase()),
                "{name} for {}",
                phase.as_str()
            );
        }
    }

    fn phase_enum(code: u32) -> olk_db_phase {
        use olk_db_phase as P;
        [
            P::OLK_DB_PHASE_PREFLIGHT,
            P::OLK_DB_PHASE_COPY,
            P::OLK_DB_PHASE_INDEX,
            P::OLK_DB_PHASE_VERIFY,
            P::OLK_DB_PHASE_SYNC,
            P::OLK_DB_PHASE_SWAP,
            P::OLK_DB_PHASE_REBUILD,
        ]
        .into_iter()
        .find(|p| *p as u32 == code)
        .unwrap()
    }
}
