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
        "SELECT rowid, * FROM {} WHERE rowid > ?1 ORDER BY rowid",
        quote_name(table)
    );
    let mut copied = 0u64;
    let mut failures = 0u32;
    let mut after = i64::MIN;
    let mut jump = 1i64;
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
        let Ok(mut rows) = statement.query([after]) else {
            failures += 1;
            after = after.saturating_add(jump);
            jump = jump.saturating_mul(2);
            continue 'resume;
        };
        loop {
            match rows.next() {
                Ok(Some(row)) => {
                    let read = (0..=columns)
                        .map(|i| row.get::<_, Value>(i))
                        .collect::<rusqlite::Result<Vec<Value>>>();
                    let Ok(values) = read else {
                        failures += 1;
                        after = after.saturating_add(1);
                        continue 'resume;
                    };
                    let mut values = values.into_iter();
                    if let Some(Value::Integer(rowid)) = values.next() {
                        after = rowid;
                    }
                    insert.execute(rusqlite::params_from_iter(values))?;
                    copied += 1;
                    jump = 1;
                    tick();
                }
                Ok(None) => return Ok((copied, u64::from(failures))),
                Err(_) => {
                    // A damaged page: step past the last good row, further
                    // each time the same place fails again.
                    failures += 1;
                    after = after.saturating_add(jump);
                    jump = jump.saturating_mul(2);
                    continue 'resume;
                }
            }
        }
    }
    Ok((copied, u64::from(failures)))
}
