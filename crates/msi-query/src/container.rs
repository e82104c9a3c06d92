//! The compound-file container (MS-CFB) that holds a package's streams,
//! read through the `cfb` crate.
//!
//! `cfb` reads and checks the whole FAT when it opens a file (about 4 ms for
//! a 100 MB package on the reference machine), so opening costs grow with the
//! file; everything above the container (string pool, tables) stays lazy.
//!
//! `cfb` reports damaged files as I/O errors; they become
//! [`Error::Container`]. Its calls also run under `catch_unwind`, so that a
//! crafted file that trips an assertion inside `cfb` still ends in a typed
//! error rather than a panic in the caller.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use crate::streamname::{decode_stream_name, TABLE_PREFIX};
use crate::{Error, Result};

/// A seekable byte source a package can be read from.
pub trait ReadSeek: Read + Seek {}

impl<T: Read + Seek> ReadSeek for T {}

type Reader = Box<dyn ReadSeek + Send + Sync>;

/// One child of the root storage.
#[derive(Debug, Clone)]
pub(crate) struct EntryInfo {
    /// The name as stored (compressed).
    pub(crate) stored: String,
    /// The decoded name (table streams keep their `U+4840` prefix).
    pub(crate) name: String,
    /// A stream (else a storage).
    pub(crate) is_stream: bool,
    /// Stream length in bytes (0 for storages).
    pub(crate) len: u64,
}

/// The opened compound file.
pub(crate) struct Container {
    file: cfb::CompoundFile<Reader>,
    /// The file's length: no stream can be longer.
    file_len: u64,
    clsid: String,
    entries: Vec<EntryInfo>,
}

fn corrupt(detail: impl Into<String>) -> Error {
    Error::Container {
        detail: detail.into(),
    }
}

/// Runs a `cfb` call, turning its I/O errors and any panic into
/// [`Error::Container`].
fn guarded<T>(what: &str, call: impl FnOnce() -> std::io::Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(corrupt(format!("{what}: {e}"))),
        Err(_) => Err(corrupt(format!("{what}: the compound file is malformed"))),
    }
}

impl Container {
    /// Opens the file at `path`.
    pub(crate) fn open_path(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::open(Box::new(file))
    }

    /// Opens a compound file from any reader.
    pub(crate) fn open(mut reader: Reader) -> Result<Self> {
        let file_len = guarded("measuring the file", || reader.seek(SeekFrom::End(0)))?;
        let file = guarded("opening the compound file", || {
            cfb::CompoundFile::open(reader)
        })?;
        let clsid = format!(
            "{{{}}}",
            file.root_entry()
                .clsid()
                .hyphenated()
                .to_string()
                .to_uppercase()
        );
        let entries = guarded("reading the root storage", || {
            Ok(file
                .read_root_storage()
                .map(|entry| EntryInfo {
                    stored: entry.name().to_owned(),
                    name: decode_stream_name(entry.name()),
                    is_stream: entry.is_stream(),
                    len: if entry.is_stream() { entry.len() } else { 0 },
                })
                .collect())
        })?;
        Ok(Container {
            file,
            file_len,
            clsid,
            entries,
        })
    }

    /// The root storage's CLSID, `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
    pub(crate) fn clsid(&self) -> String {
        self.clsid.clone()
    }

    /// The root storage's children, in directory order.
    pub(crate) fn entries(&self) -> &[EntryInfo] {
        &self.entries
    }

    /// Reads a whole root stream by its stored name; `None` when there is no
    /// such stream. Streams over `limit` bytes are refused before reading.
    pub(crate) fn read_stream(&mut self, stored: &str, limit: u64) -> Result<Option<Vec<u8>>> {
        let Some(entry) = self
            .entries
            .iter()
            .find(|e| e.is_stream && e.stored == stored)
        else {
            return Ok(None);
        };
        let what = match entry.name.strip_prefix(TABLE_PREFIX) {
            Some(table) => format!("the stream of table {table}"),
            None => format!("stream {:?}", entry.name),
        };
        if entry.len > limit {
            return Err(Error::TooLarge {
                what,
                size: entry.len,
                limit,
            });
        }
        // Checked before allocating: a crafted directory entry can claim
        // any length.
        if entry.len > self.file_len {
            return Err(corrupt(format!(
                "{what} claims {} bytes in a file of {}",
                entry.len, self.file_len
            )));
        }
        let len = entry.len;
        let path = format!("/{stored}");
        let file = &mut self.file;
        let bytes = guarded(&what, || {
            let mut stream = file.open_stream(&path)?;
            let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
            stream.by_ref().take(len).read_to_end(&mut bytes)?;
            Ok(bytes)
        })?;
        if bytes.len() as u64 != len {
            return Err(corrupt(format!(
                "{what}: {} of {len} bytes could be read (truncated file?)",
                bytes.len()
            )));
        }
        Ok(Some(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_or_foreign_files_are_errors() {
        for bytes in [Vec::new(), vec![0u8; 100], vec![0u8; 4096]] {
            let result = Container::open(Box::new(std::io::Cursor::new(bytes)));
            assert!(matches!(result, Err(Error::Container { .. })));
        }
    }
}
