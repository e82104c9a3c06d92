//! Salvage: copy what can still be read of one table of a damaged
//! database, row by row, stepping over what cannot.

use std::path::Path;

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::set::{open_read_only, quote_name};

/// How many times reading may fail before the rest of a table is given up.
const MAX_FAILURES: u32 = 64;

/// Copies the readable rows of `table` of the database at `old` into
/// `main.<table>` of `target`. Returns the rows copied and the read
/// failures met (each is a row or a run of rows lost). Errors only when
/// writing the target fails; a source that cannot be opened at all gives
/// nothing. `tick` is called for every row read or failure (progress).
pub(crate) fn salvage_table(
    old: &Path,
    target: &Connection,
    table: &str,
    tick: &mut dyn FnMut(),
) -> rusqlite::Result<(u64, u64)> {
    let Ok(source) = open_read_only(old) else {
        return Ok((0, 0));
    };
    // SQLite refuses a whole file that is shorter than its header says (a
    // truncated one) unless the schema is "writable"; then the pages that
    // are there can be read. The connection is read-only: nothing is written.
    let _ = source.execute_batch("PRAGMA writable_schema = ON");
    let select = format!(
        "SELECT rowid, * FROM {} WHERE rowid >= ?1 ORDER BY rowid",
        quote_name(table)
    );
    let mut copied = 0u64;
    let mut failures = 0u32;
    let mut resume = Resume::new();
    'resume: while failures < MAX_FAILURES {
        tick();
        let Ok(mut statement) = source.prepare(&select) else {
            // No such table, or a schema that cannot be read.
            return Ok((copied, u64::from(failures) + 1));
        };
        let columns = statement.column_count().saturating_sub(1);
        let placeholders = vec!["?"; columns].join(", ");
        let mut insert = target.prepare_cached(&format!(
            "INSERT INTO main.{} VALUES ({placeholders})",
            quote_name(table)
        ))?;
        // `rowid >= after + 1`, not `rowid > after`: SQLite seeks to the
        // bound, and a bound inside a damaged page fails.
        let Ok(mut rows) = statement.query([resume.after.saturating_add(1)]) else {
            failures += 1;
            resume.failed();
            continue 'resume;
        };
        let mut first = true;
        loop {
            let next = rows.next();
            if first && next.is_ok() {
                first = false;
                if !resume.worked() {
                    continue 'resume;
                }
            }
            match next {
                Ok(Some(row)) => {
                    let read = (0..=columns)
                        .map(|i| row.get::<_, Value>(i))
                        .collect::<rusqlite::Result<Vec<Value>>>();
                    let Ok(values) = read else {
                        failures += 1;
                        resume.after = resume.after.saturating_add(1);
                        continue 'resume;
                    };
                    let mut values = values.into_iter();
                    if let Some(Value::Integer(rowid)) = values.next() {
                        resume.after = rowid;
                    }
                    insert.execute(rusqlite::params_from_iter(values))?;
                    copied += 1;
                    tick();
                }
                Ok(None) => return Ok((copied, u64::from(failures))),
                Err(_) => {
                    failures += 1;
                    resume.failed();
                    continue 'resume;
                }
            }
        }
    }
    Ok((copied, u64::from(failures)))
}

/// Where reading resumes after a damaged page: jumps past the last good
/// row, twice as far each time the same place fails again, until a read
/// works; then a bisection back between the last start that failed and
/// the first that worked, so that no intact row the jumps stepped over is
/// lost.
struct Resume {
    /// The next read starts after this rowid.
    after: i64,
    jump: i64,
    /// The largest start that failed since the last good row.
    failed: Option<i64>,
    /// The smallest start above `failed` known to work.
    worked: Option<i64>,
}

impl Resume {
    fn new() -> Self {
        Resume {
            after: i64::MIN,
            jump: 1,
            failed: None,
            worked: None,
        }
    }

    /// The read starting at `after` failed.
    fn failed(&mut self) {
        if let Some(worked) = self.worked {
            self.failed = Some(self.after);
            self.after = midpoint(self.after, worked);
        } else if self.after == i64::MIN {
            // Nothing read yet: straight to the rowids SQLite assigns (from
            // 1); doubling up from i64::MIN would spend every allowed
            // failure below them. Negative rowids there are given up.
            self.failed = Some(-1);
            self.after = 0;
        } else {
            self.failed = Some(self.after);
            self.after = self.after.saturating_add(self.jump);
            self.jump = self.jump.saturating_mul(2);
        }
    }

    /// The read starting at `after` read a row (or found the end). True to
    /// go on reading; false to look further back first.
    fn worked(&mut self) -> bool {
        match self.failed {
            Some(failed) if self.after.saturating_sub(failed) > 1 => {
                self.worked = Some(self.after);
                self.after = midpoint(failed, self.after);
                false
            }
            _ => {
                self.failed = None;
                self.worked = None;
                self.jump = 1;
                true
            }
        }
    }
}

/// Between `low` and `high` (low < high), rounded up so that it moves.
fn midpoint(low: i64, high: i64) -> i64 {
    let half = (i128::from(high) - i128::from(low) + 1) / 2;
    i64::try_from(i128::from(low) + half).unwrap_or(high)
}
