//! The `messages` and `attachments` transforms of step 1 → 2.
//!
//! A pipeline of two threads. The reader, on its own read-only connection,
//! walks the old table in id order, applies the value mappings and computes
//! the SHA-256 of each body or attachment, and sends batches (bounded in
//! rows and bytes) through a bounded channel. The writer, on the step's
//! connection, looks each hash up in the unique index of `blobs.sha256`,
//! stores the content when it is new (blob ids follow first appearance,
//! so the result is deterministic) and inserts the row with its old id.
//!
//! Values above [`STREAM_ABOVE`] bytes never travel whole: the reader
//! hashes them in chunks and the writer copies them, chunk by chunk, from
//! the attached old database into a zero-filled blob. Memory is bounded by
//! the batch size, the channel's depth and the chunk size, whatever the
//! database holds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row};
use sha2::{Digest, Sha256};

use super::mapping::{flags, parse_sender};
use crate::error::BareError;
use crate::{Error, Transform, TransformContext};

/// Values longer than this are hashed and copied in chunks.
const STREAM_ABOVE: usize = 1 << 20;
/// The chunk size of streamed values.
const CHUNK: usize = 1 << 20;
/// A batch closes at this many bytes of row data...
const BATCH_BYTES: usize = 2 << 20;
/// ... or this many rows.
const BATCH_ROWS: usize = 2048;
/// Batches waiting in the channel. With the one being filled and the one
/// being written, at most four batches exist at once.
const CHANNEL_DEPTH: usize = 2;
/// The writer reports progress (and hears a cancel) at least this often,
/// also while it copies a long value or waits for the reader (hashing
/// one).
const TICK: Duration = Duration::from_millis(20);

/// Fills format 2's `messages` (and `blobs`) from format 1's `messages`.
pub(crate) struct Messages;

/// Fills format 2's `attachments` (and `blobs`) from format 1's
/// `attachments`.
pub(crate) struct Attachments;

impl Transform for Messages {
    fn table(&self) -> &str {
        "messages"
    }

    fn source_rows(&self, db: &Connection) -> Result<u64, Error> {
        count_old(db, "messages")
    }

    fn run(&self, ctx: &mut TransformContext<'_>) -> Result<(), Error> {
        run(ctx, &MESSAGES)
    }
}

impl Transform for Attachments {
    fn table(&self) -> &str {
        "attachments"
    }

    fn source_rows(&self, db: &Connection) -> Result<u64, Error> {
        count_old(db, "attachments")
    }

    fn run(&self, ctx: &mut TransformContext<'_>) -> Result<(), Error> {
        run(ctx, &ATTACHMENTS)
    }
}

fn count_old(db: &Connection, table: &str) -> Result<u64, Error> {
    let sql = format!("SELECT count(*) FROM old.{table}");
    let rows: i64 = db.query_row(&sql, [], |r| r.get(0)).map_err(|e| {
        Error::sqlite(
            db.path().unwrap_or_default(),
            format!("counting table {table}"),
            e,
        )
    })?;
    Ok(u64::try_from(rows).unwrap_or(0))
}

/// What differs between the two tables.
struct TableSpec {
    /// The table, in both formats.
    table: &'static str,
    /// Format 1's content column (moved into `blobs`).
    content: &'static str,
    /// Over the old database as `main`: the id, the mapped columns, then
    /// the content (NULL when longer than [`STREAM_ABOVE`]) and its length
    /// in bytes; in id order.
    select: &'static str,
    /// Reads the mapped columns (1 up to the content) of a `select` row,
    /// in the order `insert` binds them after the id.
    map: fn(&Row<'_>) -> rusqlite::Result<Vec<Owned>>,
    /// Binds the id, the mapped columns and the blob id.
    insert: &'static str,
}

const MESSAGES: TableSpec = TableSpec {
    table: "messages",
    content: "body",
    select: "SELECT id, folder_id, server_uid, subject, CAST(sender AS TEXT), received, \
             CAST(flags AS INTEGER), size, headers, \
             CASE WHEN octet_length(body) > 1048576 THEN NULL ELSE CAST(body AS BLOB) END, \
             octet_length(body) \
             FROM messages ORDER BY id",
    map: map_message,
    insert: "INSERT INTO main.messages(id, folder_id, server_uid, subject, sender_name, \
             sender_address, received, is_read, is_flagged, is_answered, is_deleted, size, \
             headers, body_blob) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
};

const ATTACHMENTS: TableSpec = TableSpec {
    table: "attachments",
    content: "data",
    select: "SELECT id, message_id, filename, mime_type, \
             CASE WHEN octet_length(data) > 1048576 THEN NULL ELSE CAST(data AS BLOB) END, \
             octet_length(data) \
             FROM attachments ORDER BY id",
    map: map_attachment,
    insert: "INSERT INTO main.attachments(id, message_id, filename, mime_type, blob_id) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
};

// The literal 1048576 in the SELECTs is STREAM_ABOVE.
const _: () = assert!(STREAM_ABOVE == 1_048_576);

fn map_message(row: &Row<'_>) -> rusqlite::Result<Vec<Owned>> {
    let sender = match row.get_ref(4)? {
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
        // CAST(... AS TEXT) leaves only NULL.
        _ => None,
    };
    let sender = parse_sender(sender.as_deref());
    let flags = flags(row.get::<_, Option<i64>>(6)?.unwrap_or(0));
    Ok(vec![
        Owned::from(row.get_ref(1)?),
        Owned::from(row.get_ref(2)?),
        Owned::from(row.get_ref(3)?),
        sender
            .name
            .map_or(Owned::Null, |s| Owned::Text(s.into_bytes())),
        sender
            .address
            .map_or(Owned::Null, |s| Owned::Text(s.into_bytes())),
        Owned::from(row.get_ref(5)?),
        Owned::Integer(i64::from(flags.is_read)),
        Owned::Integer(i64::from(flags.is_flagged)),
        Owned::Integer(i64::from(flags.is_answered)),
        Owned::Integer(i64::from(flags.is_deleted)),
        Owned::from(row.get_ref(7)?),
        Owned::from(row.get_ref(8)?),
    ])
}

fn map_attachment(row: &Row<'_>) -> rusqlite::Result<Vec<Owned>> {
    Ok(vec![
        Owned::from(row.get_ref(1)?),
        Owned::from(row.get_ref(2)?),
        Owned::from(row.get_ref(3)?),
    ])
}

/// A column value carried to the writer as it was read: text keeps its
/// exact bytes, even when they are not valid UTF-8.
#[derive(Debug)]
enum Owned {
    Null,
    Integer(i64),
    Real(f64),
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

impl From<ValueRef<'_>> for Owned {
    fn from(value: ValueRef<'_>) -> Self {
        match value {
            ValueRef::Null => Owned::Null,
            ValueRef::Integer(i) => Owned::Integer(i),
            ValueRef::Real(r) => Owned::Real(r),
            ValueRef::Text(t) => Owned::Text(t.to_vec()),
            ValueRef::Blob(b) => Owned::Blob(b.to_vec()),
        }
    }
}

impl Owned {
    fn len(&self) -> usize {
        match self {
            Owned::Text(bytes) | Owned::Blob(bytes) => bytes.len(),
            _ => 8,
        }
    }
}

impl ToSql for Owned {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Owned::Null => ValueRef::Null,
            Owned::Integer(i) => ValueRef::Integer(*i),
            Owned::Real(r) => ValueRef::Real(*r),
            Owned::Text(t) => ValueRef::Text(t),
            Owned::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// A body or attachment as the reader found it.
enum Content {
    /// NULL: no blob.
    Null,
    /// Carried whole.
    Inline { sha256: [u8; 32], data: Vec<u8> },
    /// Too long to carry: the writer copies it from the old database.
    Streamed { sha256: [u8; 32], size: usize },
}

struct SourceRow {
    id: i64,
    values: Vec<Owned>,
    content: Content,
}

type Batch = Vec<SourceRow>;

fn run(ctx: &mut TransformContext<'_>, spec: &TableSpec) -> Result<(), Error> {
    let span = tracing::debug_span!("koc_transform", table = spec.table);
    let _entered = span.enter();
    let source = ctx.open_source()?;
    let source_path = ctx.source_path().to_path_buf();
    let path_in_reader = source_path.clone();
    let from = ctx.from_format();
    let (sender, receiver) = sync_channel::<Batch>(CHANNEL_DEPTH);
    let (give_back, given_back) = sync_channel::<Batch>(CHANNEL_DEPTH + 2);
    let stop = AtomicBool::new(false);
    let stop = &stop;
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name(format!("koc-read-{}", spec.table))
            .spawn_scoped(scope, move || {
                read_rows(&source, spec, &sender, &given_back, stop).map_err(|e| {
                    Error::sqlite(&path_in_reader, format!("reading table {}", spec.table), e)
                })
            })
            .map_err(|e| Error::io(&source_path, e))?;
        // `write_rows` owns the receiver and drops it on return, which
        // stops a reader still sending.
        let written = write_rows(ctx, spec, receiver, &give_back);
        stop.store(true, Ordering::Relaxed);
        let read = reader.join().unwrap_or_else(|_| {
            Err(Error::Data {
                from,
                table: spec.table.to_owned(),
                row: 0,
                reason: "the reading thread failed unexpectedly".into(),
            })
        });
        match (read, written) {
            (_, Err(Error::Cancelled)) => Err(Error::Cancelled),
            // A reader failure ends the writer early and quietly: report it.
            (Err(e), _) => Err(e),
            (Ok(()), written) => written,
        }
    })
}

/// The reader thread. Returns early, without error, when the writer has
/// gone (it failed or was cancelled, and says so itself; `stop` tells a
/// long hash to give up).
///
/// The writer gives written batches back: their memory is freed here,
/// where it was allocated, because frees from the other thread contend
/// for the allocator's lock with every allocation here.
fn read_rows(
    db: &Connection,
    spec: &TableSpec,
    sender: &SyncSender<Batch>,
    given_back: &Receiver<Batch>,
    stop: &AtomicBool,
) -> rusqlite::Result<()> {
    let mut statement = db.prepare(spec.select)?;
    let content_column = statement.column_count().saturating_sub(2);
    let mut rows = statement.query([])?;
    let mut batch = Vec::new();
    let mut bytes = 0;
    let mut chunk = Vec::new();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let values = (spec.map)(row)?;
        let content = match row.get_ref(content_column)? {
            ValueRef::Blob(data) => Content::Inline {
                sha256: Sha256::digest(data).into(),
                data: data.to_vec(),
            },
            // Only NULL is left: NULL content, or content too long to carry.
            _ => match row.get::<_, Option<i64>>(content_column + 1)? {
                None => Content::Null,
                Some(size) => match hash_in_chunks(db, spec, id, &mut chunk, stop)? {
                    Some(sha256) => Content::Streamed {
                        sha256,
                        size: usize::try_from(size).unwrap_or(0),
                    },
                    None => return Ok(()),
                },
            },
        };
        bytes += values.iter().map(Owned::len).sum::<usize>()
            + match &content {
                Content::Inline { data, .. } => data.len(),
                _ => 0,
            }
            + 64;
        batch.push(SourceRow {
            id,
            values,
            content,
        });
        if bytes >= BATCH_BYTES || batch.len() >= BATCH_ROWS {
            given_back.try_iter().for_each(drop);
            if sender.send(std::mem::take(&mut batch)).is_err() {
                return Ok(());
            }
            bytes = 0;
        }
    }
    if !batch.is_empty() {
        // A gone writer reports its own failure.
        let _ = sender.send(batch);
    }
    Ok(())
}

/// The SHA-256 of a long value, read through incremental blob I/O; `None`
/// when `stop` was raised meanwhile.
fn hash_in_chunks(
    db: &Connection,
    spec: &TableSpec,
    id: i64,
    chunk: &mut Vec<u8>,
    stop: &AtomicBool,
) -> rusqlite::Result<Option<[u8; 32]>> {
    let blob = db.blob_open("main", spec.table, spec.content, id, true)?;
    let size = blob.len();
    chunk.resize(CHUNK.min(size), 0);
    let mut hasher = Sha256::new();
    let mut offset = 0;
    while offset < size {
        if stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let n = CHUNK.min(size - offset);
        let part = chunk.get_mut(..n).unwrap_or_default();
        blob.read_at_exact(part, offset)?;
        hasher.update(&*part);
        offset += n;
    }
    Ok(Some(hasher.finalize().into()))
}

const FIND_BLOB: &str = "SELECT id FROM main.blobs WHERE sha256 = ?1";
const ADD_BLOB: &str = "INSERT INTO main.blobs(sha256, size, data) VALUES (?1, ?2, ?3)";
const ADD_ZERO_BLOB: &str =
    "INSERT INTO main.blobs(sha256, size, data) VALUES (?1, ?2, zeroblob(?2))";

/// The writer: the step's thread and connection.
fn write_rows(
    ctx: &mut TransformContext<'_>,
    spec: &TableSpec,
    receiver: Receiver<Batch>,
    give_back: &SyncSender<Batch>,
) -> Result<(), Error> {
    let target_path = ctx
        .target()
        .path()
        .map_or_else(|| ctx.source_path().to_path_buf(), Into::into);
    let what = format!("writing table {}", spec.table);
    let sql = |e| Error::sqlite(&target_path, &what, e);
    loop {
        let batch = match receiver.recv_timeout(TICK) {
            Ok(batch) => batch,
            // The reader is busy (hashing a long value, say): keep the
            // progress reports, and the cancel, going.
            Err(RecvTimeoutError::Timeout) => {
                ctx.advance(0)?;
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut rows = batch.iter().peekable();
        loop {
            let mut done = 0;
            {
                let db = ctx.target();
                let mut find = db.prepare_cached(FIND_BLOB).map_err(sql)?;
                let mut add = db.prepare_cached(ADD_BLOB).map_err(sql)?;
                let mut insert = db.prepare_cached(spec.insert).map_err(sql)?;
                while let Some(row) =
                    rows.next_if(|r| !matches!(r.content, Content::Streamed { .. }))
                {
                    let blob = match &row.content {
                        Content::Inline { sha256, data } => {
                            let found = find
                                .query_row([&sha256[..]], |r| r.get::<_, i64>(0))
                                .optional()
                                .map_err(sql)?;
                            match found {
                                Some(id) => Some(id),
                                None => {
                                    add.execute((&sha256[..], data.len() as i64, &data[..]))
                                        .map_err(sql)?;
                                    Some(db.last_insert_rowid())
                                }
                            }
                        }
                        _ => None,
                    };
                    insert_row(&mut insert, row, blob).map_err(sql)?;
                    done += 1;
                }
            }
            ctx.advance(done)?;
            let Some(row) = rows.next() else { break };
            let Content::Streamed { sha256, size } = &row.content else {
                continue;
            };
            let blob = stream_blob(ctx, spec, row.id, sha256, *size)
                .map_err(|e| e.context(&target_path, &what))?;
            let mut insert = ctx.target().prepare_cached(spec.insert).map_err(sql)?;
            insert_row(&mut insert, row, Some(blob)).map_err(sql)?;
            drop(insert);
            ctx.advance(1)?;
        }
        // Freed by the reader; here only when it has gone or lags.
        let _ = give_back.try_send(batch);
    }
    Ok(())
}

fn insert_row(
    insert: &mut rusqlite::CachedStatement<'_>,
    row: &SourceRow,
    blob: Option<i64>,
) -> rusqlite::Result<()> {
    let id: &dyn ToSql = &row.id;
    let blob: &dyn ToSql = &blob;
    let params = std::iter::once(id)
        .chain(row.values.iter().map(|v| v as &dyn ToSql))
        .chain(std::iter::once(blob));
    insert.execute(rusqlite::params_from_iter(params))?;
    Ok(())
}

/// The blob id of a long value: the one already stored with its hash, or
/// a new one copied chunk by chunk from `old.<table>.<content>` of row `id`.
fn stream_blob(
    ctx: &mut TransformContext<'_>,
    spec: &TableSpec,
    id: i64,
    sha256: &[u8; 32],
    size: usize,
) -> Result<i64, BareError> {
    let blob_id = {
        let db = ctx.target();
        let found = db
            .prepare_cached(FIND_BLOB)?
            .query_row([&sha256[..]], |r| r.get::<_, i64>(0))
            .optional()?;
        if let Some(found) = found {
            return Ok(found);
        }
        db.prepare_cached(ADD_ZERO_BLOB)?
            .execute((&sha256[..], size as i64))?;
        db.last_insert_rowid()
    };
    let mut chunk = vec![0; CHUNK.min(size)];
    let mut offset = 0;
    while offset < size {
        {
            // Blob handles borrow the connection, which `advance` needs:
            // reopen them after each pause.
            let db = ctx.target();
            let from = db.blob_open("old", spec.table, spec.content, id, true)?;
            let mut to = db.blob_open("main", "blobs", "data", blob_id, false)?;
            if from.len() != size {
                // The old database changed under the step: it is locked, so
                // this is damage.
                return Err(BareError::Engine(Error::Data {
                    from: ctx.from_format(),
                    table: spec.table.to_owned(),
                    row: id,
                    reason: format!("{} changed length while being copied", spec.content),
                }));
            }
            let started = Instant::now();
            while offset < size && started.elapsed() < TICK {
                let n = CHUNK.min(size - offset);
                let part = chunk.get_mut(..n).unwrap_or_default();
                from.read_at_exact(part, offset)?;
                to.write_all_at(part, offset)?;
                offset += n;
            }
        }
        ctx.advance(0).map_err(BareError::Engine)?;
    }
    Ok(blob_id)
}
