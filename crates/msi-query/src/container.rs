//! The compound-file container, through the `cfb` crate: the root storage's
//! CLSID and entries, and bounded stream reads.
//!
//! Every `cfb` call goes through [`guard`], so a panic inside `cfb` on a
//! crafted file becomes [`Error::Container`] instead of unwinding into the
//! caller.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use crate::streamname::decode_stream_name;
use crate::{Error, Result};

/// A seekable byte source a package can be read from.
pub trait ReadSeek: Read + Seek {}

impl<T: Read + Seek> ReadSeek for T {}

type Cfb = cfb::CompoundFile<Box<dyn ReadSeek + Send + Sync>>;

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
    cfb: Cfb,
    clsid: String,
    entries: Vec<EntryInfo>,
}

fn container_error(err: &io::Error) -> Error {
    Error::Container {
        detail: err.to_string(),
    }
}

/// Runs a `cfb` call, turning a panic into an error. The state `cfb` leaves
/// behind after a panic is only ever used to report more errors.
fn guard<T>(what: &str, f: impl FnOnce() -> io::Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(container_error(&err)),
        Err(_) => Err(Error::Container {
            detail: format!("the compound file reader failed on {what}"),
        }),
    }
}

impl Container {
    /// Opens the file at `path`.
    pub(crate) fn open_path(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let reader = BlockCache::new(file).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::open(Box::new(reader))
    }

    /// Opens a compound file from any reader.
    pub(crate) fn open(reader: Box<dyn ReadSeek + Send + Sync>) -> Result<Self> {
        let cfb = guard("the header, FAT or directory", || {
            cfb::CompoundFile::open(reader)
        })?;
        let clsid = format!("{{{}}}", cfb.root_entry().clsid()).to_ascii_uppercase();
        let entries = guard("the root storage", || {
            Ok(cfb
                .read_root_storage()
                .map(|entry| EntryInfo {
                    stored: entry.name().to_owned(),
                    name: decode_stream_name(entry.name()),
                    is_stream: entry.is_stream(),
                    len: if entry.is_stream() { entry.len() } else { 0 },
                })
                .collect())
        })?;
        Ok(Self {
            cfb,
            clsid,
            entries,
        })
    }

    /// The root storage's CLSID, `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
    pub(crate) fn clsid(&self) -> &str {
        &self.clsid
    }

    /// The root storage's children, in directory order.
    pub(crate) fn entries(&self) -> &[EntryInfo] {
        &self.entries
    }

    /// The root stream with this stored name, if any.
    pub(crate) fn stream_entry(&self, stored: &str) -> Option<&EntryInfo> {
        self.entries
            .iter()
            .find(|e| e.is_stream && e.stored == stored)
    }

    /// Reads a whole root stream by its stored name; `None` when there is no
    /// such stream. Streams over `limit` bytes are refused before reading.
    pub(crate) fn read_stream(&mut self, stored: &str, limit: u64) -> Result<Option<Vec<u8>>> {
        let Some(entry) = self.stream_entry(stored) else {
            return Ok(None);
        };
        let len = entry.len;
        let name = entry.name.clone();
        if len > limit {
            return Err(Error::TooLarge {
                what: format!("stream {name:?}"),
                size: len,
                limit,
            });
        }
        let path = format!("/{stored}");
        let cfb = &mut self.cfb;
        let bytes = guard("a stream", || {
            let stream = cfb.open_stream(&path)?;
            let mut bytes = Vec::new();
            // The directory's length is trusted only up to the limit: the
            // buffer grows with what the sector chain really holds.
            stream.take(limit).read_to_end(&mut bytes)?;
            Ok(bytes)
        })?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) != len {
            return Err(Error::Container {
                detail: format!(
                    "stream {name:?} holds {} bytes, its directory entry says {len}",
                    bytes.len()
                ),
            });
        }
        Ok(Some(bytes))
    }
}

/// A file reader that keeps the blocks it read, so that `cfb`'s many small
/// seek-and-read calls (one per FAT and directory sector) cost a memory
/// copy instead of two system calls each.
struct BlockCache {
    file: File,
    len: u64,
    pos: u64,
    blocks: std::collections::HashMap<u64, Vec<u8>>,
}

const BLOCK_SIZE: u64 = 64 * 1024;
/// Blocks kept before the cache is emptied (4 MiB).
const MAX_BLOCKS: usize = 64;

impl BlockCache {
    fn new(mut file: File) -> io::Result<Self> {
        let len = file.seek(SeekFrom::End(0))?;
        Ok(Self {
            file,
            len,
            pos: 0,
            blocks: std::collections::HashMap::new(),
        })
    }

    fn block(&mut self, index: u64) -> io::Result<&[u8]> {
        if !self.blocks.contains_key(&index) {
            if self.blocks.len() >= MAX_BLOCKS {
                self.blocks.clear();
            }
            let start = index * BLOCK_SIZE;
            let size = usize::try_from(BLOCK_SIZE.min(self.len.saturating_sub(start))).unwrap_or(0);
            let mut buf = vec![0; size];
            self.file.seek(SeekFrom::Start(start))?;
            self.file.read_exact(&mut buf)?;
            self.blocks.insert(index, buf);
        }
        Ok(self.blocks.get(&index).map_or(&[][..], Vec::as_slice))
    }
}

impl Read for BlockCache {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || buf.is_empty() {
            return Ok(0);
        }
        // Large reads (stream bodies) go straight to the file.
        if u64::try_from(buf.len()).unwrap_or(u64::MAX) >= BLOCK_SIZE {
            self.file.seek(SeekFrom::Start(self.pos))?;
            let n = self.file.read(buf)?;
            self.pos += n as u64;
            return Ok(n);
        }
        let index = self.pos / BLOCK_SIZE;
        let offset = usize::try_from(self.pos % BLOCK_SIZE).unwrap_or(0);
        let block = self.block(index)?;
        let available = block.get(offset..).unwrap_or(&[]);
        let n = available.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for BlockCache {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match target {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_cache_reads_like_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bytes");
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let mut cache = BlockCache::new(File::open(&path).unwrap()).unwrap();
        for (start, len) in [(0usize, 10usize), (65_530, 20), (199_990, 50), (3, 100_000)] {
            cache.seek(SeekFrom::Start(start as u64)).unwrap();
            let mut buf = vec![0; len];
            let mut got = 0;
            while got < len {
                let n = cache.read(&mut buf[got..]).unwrap();
                if n == 0 {
                    break;
                }
                got += n;
            }
            let end = (start + len).min(data.len());
            assert_eq!(&buf[..got], &data[start..end]);
        }
        assert!(cache.seek(SeekFrom::Current(-1_000_000)).is_err());
    }
}
