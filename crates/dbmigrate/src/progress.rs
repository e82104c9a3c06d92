//! Progress reports and cancel: the callback the host (Outlook, waiting)
//! sees at least every 100 ms of work.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::Error;

/// What the migration is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum Phase {
    /// Lock, leftovers, detection, free space.
    Preflight,
    /// Rows copied into the new database.
    Copy,
    /// Indexes built after the load.
    Index,
    /// The new database checked (quick_check, foreign keys, row counts, rules).
    Verify,
    /// The new database flushed to the disk.
    Sync,
    /// The new database renamed over the old one (cannot be cancelled).
    Swap,
    /// The fallback: an empty new database, with what could be salvaged.
    Rebuild,
}

impl Phase {
    /// The phase's name in snake case (`"copy"`, `"verify"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Preflight => "preflight",
            Phase::Copy => "copy",
            Phase::Index => "index",
            Phase::Verify => "verify",
            Phase::Sync => "sync",
            Phase::Swap => "swap",
            Phase::Rebuild => "rebuild",
        }
    }
}

/// One progress report.
///
/// Rows count the source rows of every table the migration copies; bytes
/// count what has been written to the new database (its file size) against
/// the old database's size, an estimate of the new one (deduplication can
/// end it lower).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'a> {
    /// What is being done.
    pub phase: Phase,
    /// The table being copied, in [`Phase::Copy`].
    pub table: Option<&'a str>,
    /// The format the running step starts from.
    pub from_format: u32,
    /// Source rows copied so far, over all tables of the step.
    pub rows_done: u64,
    /// Source rows of all tables of the step.
    pub rows_total: u64,
    /// Bytes written to the new database so far.
    pub bytes_done: u64,
    /// The old database's size.
    pub bytes_total: u64,
}

/// What the progress callback wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Stop as soon as possible and leave the old database as it was.
    Cancel,
}

/// Calls the host's callback at most every `every`, and remembers a
/// cancel.
pub(crate) struct Reporter<'a> {
    callback: &'a mut dyn FnMut(&Progress<'_>) -> Control,
    every: Duration,
    last: Instant,
    cancelled: bool,
    pub(crate) phase: Phase,
    pub(crate) table: Option<String>,
    pub(crate) from_format: u32,
    pub(crate) rows_done: u64,
    pub(crate) rows_total: u64,
    pub(crate) bytes_total: u64,
    /// The file whose size is `bytes_done`: the database being built.
    pub(crate) target: Option<PathBuf>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(
        callback: &'a mut dyn FnMut(&Progress<'_>) -> Control,
        every: Duration,
    ) -> Self {
        Reporter {
            callback,
            every,
            last: Instant::now(),
            cancelled: false,
            phase: Phase::Preflight,
            table: None,
            from_format: 0,
            rows_done: 0,
            rows_total: 0,
            bytes_total: 0,
            target: None,
        }
    }

    /// Enters a phase (and table) and reports it at once.
    pub(crate) fn enter(&mut self, phase: Phase, table: Option<&str>) -> Result<(), Error> {
        self.phase = phase;
        self.table = table.map(str::to_owned);
        self.report()
    }

    /// Adds done rows; reports if the last report is old enough.
    pub(crate) fn advance(&mut self, rows: u64) -> Result<(), Error> {
        self.rows_done = self.rows_done.saturating_add(rows);
        self.tick()
    }

    /// Reports if the last report is old enough.
    pub(crate) fn tick(&mut self) -> Result<(), Error> {
        if self.cancelled {
            return Err(Error::Cancelled);
        }
        if self.last.elapsed() >= self.every {
            self.report()
        } else {
            Ok(())
        }
    }

    /// Reports now.
    pub(crate) fn report(&mut self) -> Result<(), Error> {
        if self.cancelled {
            return Err(Error::Cancelled);
        }
        let bytes_done = self.target.as_deref().map_or(0, file_len);
        let progress = Progress {
            phase: self.phase,
            table: self.table.as_deref(),
            from_format: self.from_format,
            rows_done: self.rows_done.min(self.rows_total),
            rows_total: self.rows_total,
            bytes_done,
            bytes_total: self.bytes_total,
        };
        self.last = Instant::now();
        match (self.callback)(&progress) {
            Control::Continue => Ok(()),
            Control::Cancel => {
                self.cancelled = true;
                Err(Error::Cancelled)
            }
        }
    }

    /// Runs `work` on another thread while this one keeps reporting; a
    /// cancel calls the `interrupts` (which make running SQLite statements
    /// fail) and the result becomes [`Error::Cancelled`].
    pub(crate) fn run_ticking<T: Send>(
        &mut self,
        interrupts: &[rusqlite::InterruptHandle],
        work: impl FnOnce() -> T + Send,
    ) -> Result<T, Error> {
        match self.run_beside(interrupts, work) {
            (_, true) => Err(Error::Cancelled),
            (result, false) => Ok(result),
        }
    }

    /// Runs `work` on another thread while this one keeps reporting, for
    /// work that must finish whatever the host says (the rebuild).
    pub(crate) fn run_reporting<T: Send>(&mut self, work: impl FnOnce() -> T + Send) -> T {
        self.run_beside(&[], work).0
    }

    /// `work`'s result, and whether the host cancelled meanwhile.
    fn run_beside<T: Send>(
        &mut self,
        interrupts: &[rusqlite::InterruptHandle],
        work: impl FnOnce() -> T + Send,
    ) -> (T, bool) {
        std::thread::scope(|scope| {
            let (done_tx, done_rx) = mpsc::channel::<()>();
            let worker = scope.spawn(move || {
                let result = work();
                // The receiver outlives the worker; a failed send is impossible.
                let _ = done_tx.send(());
                result
            });
            let mut cancelled = false;
            while let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(self.every / 4) {
                if !cancelled && self.tick().is_err() {
                    cancelled = true;
                    for interrupt in interrupts {
                        interrupt.interrupt();
                    }
                }
            }
            (join(worker), cancelled)
        })
    }
}

/// A scoped thread's result; its panic goes on unwinding here.
pub(crate) fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    match handle.join() {
        Ok(value) => value,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}
