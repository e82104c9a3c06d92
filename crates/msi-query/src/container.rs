//! A read-only, lazy reader of the compound-file container (MS-CFB) that
//! holds a package's streams.
//!
//! Opening reads the header, the DIFAT (where the FAT sectors are) and the
//! directory; FAT sectors are read only when a chain runs through them, and
//! the mini stream only where a small stream lives in it. So opening a
//! package and reading a few small streams costs the same for a 1 MB and a
//! 1 GB file. (The `cfb` crate reads and checks the whole FAT at open: about
//! 4 ms for 100 MB, growing with the file.)
//!
//! Every chain walk is bounded by the file's sector count and checked for
//! revisits, every sector number against the file's size, so damaged or
//! crafted files give [`Error::Container`], never a hang.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::streamname::{decode_stream_name, TABLE_PREFIX};
use crate::{Error, Result};

/// A seekable byte source a package can be read from.
pub trait ReadSeek: Read + Seek {}

impl<T: Read + Seek> ReadSeek for T {}

const SIGNATURE: [u8; 8] = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const HEADER_LEN: usize = 512;
const DIR_ENTRY_LEN: usize = 128;
const MAX_REGULAR_SECTOR: u32 = 0xffff_fffa;
const END_OF_CHAIN: u32 = 0xffff_fffe;
const FREE_SECTOR: u32 = 0xffff_ffff;
const NO_STREAM: u32 = 0xffff_ffff;
const MINI_SECTOR_LEN: u64 = 64;
const TYPE_STORAGE: u8 = 1;
const TYPE_STREAM: u8 = 2;
const TYPE_ROOT: u8 = 5;

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
    /// First sector of the stream.
    start: u32,
}

/// A directory entry as stored.
#[derive(Debug, Clone)]
struct DirEntry {
    name: String,
    kind: u8,
    left: u32,
    right: u32,
    child: u32,
    clsid: [u8; 16],
    start: u32,
    size: u64,
}

/// The opened compound file.
pub(crate) struct Container {
    reader: Box<dyn ReadSeek + Send + Sync>,
    file_len: u64,
    sector_shift: u32,
    mini_cutoff: u64,
    /// Sectors the file holds (a partial last sector counts).
    num_sectors: u32,
    /// Where each FAT sector is, from the DIFAT.
    fat_sectors: Vec<u32>,
    /// FAT sectors read so far, by their index in `fat_sectors`.
    fat_cache: HashMap<usize, Vec<u32>>,
    first_minifat_sector: u32,
    minifat: Option<Vec<u32>>,
    /// The sectors of the mini stream (the root entry's chain), once needed.
    mini_stream_sectors: Option<Vec<u32>>,
    root: DirEntry,
    entries: Vec<EntryInfo>,
}

fn corrupt(detail: impl Into<String>) -> Error {
    Error::Container {
        detail: detail.into(),
    }
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    match bytes.get(at..at + 2) {
        Some(&[a, b]) => u16::from_le_bytes([a, b]),
        _ => 0,
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    match bytes.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

fn u32s(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks_exact(4).map(|c| u32_at(c, 0)).collect()
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` from the stored (mixed-endian)
/// GUID bytes.
fn format_clsid(b: &[u8; 16]) -> String {
    let [a0, a1, a2, a3, b0, b1, c0, c1, d @ ..] = *b;
    let mut s = format!(
        "{{{:08X}-{:04X}-{:04X}-",
        u32::from_le_bytes([a0, a1, a2, a3]),
        u16::from_le_bytes([b0, b1]),
        u16::from_le_bytes([c0, c1])
    );
    for (i, byte) in d.iter().enumerate() {
        if i == 2 {
            s.push('-');
        }
        s.push_str(&format!("{byte:02X}"));
    }
    s.push('}');
    s
}

fn parse_dir_entry(raw: &[u8], version: u16) -> DirEntry {
    let name_bytes = usize::from(u16_at(raw, 0x40)).min(64);
    let units: Vec<u16> = raw
        .get(..name_bytes)
        .unwrap_or(&[])
        .chunks_exact(2)
        .map(|c| u16_at(c, 0))
        .take_while(|&u| u != 0)
        .collect();
    let mut clsid = [0u8; 16];
    if let Some(bytes) = raw.get(0x50..0x60) {
        clsid.copy_from_slice(bytes);
    }
    let low = u64::from(u32_at(raw, 0x78));
    let high = u64::from(u32_at(raw, 0x7c));
    DirEntry {
        name: String::from_utf16_lossy(&units),
        kind: raw.get(0x42).copied().unwrap_or(0),
        left: u32_at(raw, 0x44),
        right: u32_at(raw, 0x48),
        child: u32_at(raw, 0x4c),
        clsid,
        start: u32_at(raw, 0x74),
        // Version 3 files may leave garbage in the high half.
        size: if version == 3 { low } else { high << 32 | low },
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
    pub(crate) fn open(mut reader: Box<dyn ReadSeek + Send + Sync>) -> Result<Self> {
        let io = |e: std::io::Error| corrupt(format!("reading the header: {e}"));
        let file_len = reader.seek(SeekFrom::End(0)).map_err(io)?;
        let mut header = [0u8; HEADER_LEN];
        if file_len < HEADER_LEN as u64 {
            return Err(corrupt(format!(
                "{file_len} bytes is shorter than a compound-file header"
            )));
        }
        reader.seek(SeekFrom::Start(0)).map_err(io)?;
        reader.read_exact(&mut header).map_err(io)?;
        if header.get(..8) != Some(&SIGNATURE[..]) {
            return Err(corrupt("no compound-file signature"));
        }
        let version = u16_at(&header, 0x1a);
        let sector_shift = u32::from(u16_at(&header, 0x1e));
        match (version, sector_shift) {
            (3, 9) | (4, 12) => {}
            _ => {
                return Err(corrupt(format!(
                    "version {version} with sector shift {sector_shift}"
                )))
            }
        }
        if u16_at(&header, 0x20) != 6 {
            return Err(corrupt("mini sectors are not 64 bytes"));
        }
        let sector_len = 1u64 << sector_shift;
        let body = file_len.saturating_sub(sector_len);
        let num_sectors = u32::try_from(body.div_ceil(sector_len))
            .unwrap_or(MAX_REGULAR_SECTOR)
            .min(MAX_REGULAR_SECTOR);
        let num_fat = u32_at(&header, 0x2c);
        if num_fat > num_sectors {
            return Err(corrupt(format!(
                "{num_fat} FAT sectors in a file of {num_sectors} sectors"
            )));
        }
        let mut container = Container {
            reader,
            file_len,
            sector_shift,
            mini_cutoff: u64::from(u32_at(&header, 0x38)),
            num_sectors,
            fat_sectors: Vec::new(),
            fat_cache: HashMap::new(),
            first_minifat_sector: u32_at(&header, 0x3c),
            minifat: None,
            mini_stream_sectors: None,
            root: parse_dir_entry(&[0u8; DIR_ENTRY_LEN], version),
            entries: Vec::new(),
        };
        container.read_difat(&header, num_fat)?;
        let directory = container.read_directory(u32_at(&header, 0x30), version)?;
        let root = directory
            .first()
            .filter(|e| e.kind == TYPE_ROOT)
            .cloned()
            .ok_or_else(|| corrupt("the first directory entry is not the root"))?;
        container.entries = children(&directory, root.child)?;
        container.root = root;
        Ok(container)
    }

    fn sector_len(&self) -> u64 {
        1 << self.sector_shift
    }

    fn check_sector(&self, sector: u32, what: &str) -> Result<()> {
        if sector >= self.num_sectors {
            return Err(corrupt(format!(
                "{what} refers to sector {sector:#x}, but the file has {} sectors",
                self.num_sectors
            )));
        }
        Ok(())
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8], what: &str) -> Result<()> {
        let end = offset.saturating_add(buf.len() as u64);
        if end > self.file_len {
            return Err(corrupt(format!(
                "{what} needs bytes up to {end}, but the file is {} bytes (truncated?)",
                self.file_len
            )));
        }
        let io = |e: std::io::Error| corrupt(format!("reading {what}: {e}"));
        self.reader.seek(SeekFrom::Start(offset)).map_err(io)?;
        self.reader.read_exact(buf).map_err(io)
    }

    fn read_sector(&mut self, sector: u32, what: &str) -> Result<Vec<u8>> {
        self.check_sector(sector, what)?;
        let mut buf = vec![0u8; 1 << self.sector_shift];
        let offset = (u64::from(sector) + 1) << self.sector_shift;
        // A file may end inside its last sector; the rest reads as zeros.
        let available = self.file_len.saturating_sub(offset).min(self.sector_len());
        let part = buf
            .get_mut(..usize::try_from(available).unwrap_or(0))
            .unwrap_or(&mut []);
        self.read_at(offset, part, what)?;
        Ok(buf)
    }

    /// Collects the FAT sector list from the header and the DIFAT chain.
    fn read_difat(&mut self, header: &[u8], num_fat: u32) -> Result<()> {
        let wanted = usize::try_from(num_fat).unwrap_or(usize::MAX);
        let mut fat_sectors: Vec<u32> = u32s(header.get(0x4c..HEADER_LEN).unwrap_or(&[]));
        fat_sectors.truncate(wanted);
        let mut next = u32_at(header, 0x44);
        let mut seen = HashSet::new();
        while fat_sectors.len() < wanted && next != END_OF_CHAIN && next != FREE_SECTOR {
            if !seen.insert(next) {
                return Err(corrupt(format!(
                    "the DIFAT chain loops at sector {next:#x}"
                )));
            }
            let sector = self.read_sector(next, "the DIFAT")?;
            let mut ids = u32s(&sector);
            next = ids.pop().unwrap_or(END_OF_CHAIN);
            fat_sectors.extend(ids.into_iter().take(wanted - fat_sectors.len()));
        }
        if fat_sectors.len() < wanted {
            return Err(corrupt(format!(
                "the header announces {wanted} FAT sectors, the DIFAT lists {}",
                fat_sectors.len()
            )));
        }
        self.fat_sectors = fat_sectors;
        Ok(())
    }

    /// The FAT entry of `sector`: the next sector of its chain.
    fn next(&mut self, sector: u32) -> Result<u32> {
        let per_sector = 1usize << (self.sector_shift - 2);
        let index = usize::try_from(sector).unwrap_or(usize::MAX);
        let fat_index = index / per_sector;
        if !self.fat_cache.contains_key(&fat_index) {
            let location = *self
                .fat_sectors
                .get(fat_index)
                .ok_or_else(|| corrupt(format!("sector {sector:#x} is beyond the FAT")))?;
            let bytes = self.read_sector(location, "the FAT")?;
            self.fat_cache.insert(fat_index, u32s(&bytes));
        }
        self.fat_cache
            .get(&fat_index)
            .and_then(|entries| entries.get(index % per_sector))
            .copied()
            .ok_or_else(|| corrupt(format!("sector {sector:#x} is beyond the FAT")))
    }

    /// Follows a chain from `start`. With `needed`, stops after that many
    /// sectors (a stream's length says how many); without, runs to the end
    /// of the chain. Out-of-range sectors, revisits and early ends are errors.
    fn chain(&mut self, start: u32, needed: Option<u64>, what: &str) -> Result<Vec<u32>> {
        let mut sectors = Vec::new();
        let mut seen = HashSet::new();
        let mut current = start;
        loop {
            if needed.is_some_and(|n| sectors.len() as u64 >= n) {
                break;
            }
            if current == END_OF_CHAIN {
                if let Some(n) = needed {
                    return Err(corrupt(format!(
                        "{what}: the chain ends after {} of {n} sectors",
                        sectors.len()
                    )));
                }
                break;
            }
            self.check_sector(current, what)?;
            if !seen.insert(current) {
                return Err(corrupt(format!(
                    "{what}: the sector chain loops at sector {current:#x}"
                )));
            }
            sectors.push(current);
            current = self.next(current)?;
        }
        Ok(sectors)
    }

    fn read_directory(&mut self, first: u32, version: u16) -> Result<Vec<DirEntry>> {
        let sectors = self.chain(first, None, "the directory")?;
        let mut entries = Vec::new();
        for sector in sectors {
            let bytes = self.read_sector(sector, "the directory")?;
            for raw in bytes.chunks_exact(DIR_ENTRY_LEN) {
                entries.push(parse_dir_entry(raw, version));
            }
        }
        Ok(entries)
    }

    /// The root storage's CLSID, `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
    pub(crate) fn clsid(&self) -> String {
        format_clsid(&self.root.clsid)
    }

    /// The root storage's children, in directory (tree) order.
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
            .cloned()
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
        if entry.len > self.file_len {
            return Err(corrupt(format!(
                "{what} claims {} bytes in a file of {}",
                entry.len, self.file_len
            )));
        }
        let bytes = if entry.len < self.mini_cutoff {
            self.read_mini(entry.start, entry.len, &what)?
        } else {
            self.read_regular(entry.start, entry.len, &what)?
        };
        Ok(Some(bytes))
    }

    /// Reads file ranges, merging adjacent ones into one read.
    fn read_ranges(&mut self, ranges: &[(u64, u64)], len: u64, what: &str) -> Result<Vec<u8>> {
        let mut out = vec![0u8; usize::try_from(len).map_err(|_| corrupt("stream too large"))?];
        let mut filled = 0usize;
        let mut index = 0;
        while let Some(&(offset, first_len)) = ranges.get(index) {
            let mut run = first_len;
            index += 1;
            while let Some(&(next, next_len)) = ranges.get(index) {
                if next != offset + run {
                    break;
                }
                run += next_len;
                index += 1;
            }
            let run = usize::try_from(run).unwrap_or(usize::MAX);
            let end = filled.saturating_add(run);
            let dst = out
                .get_mut(filled..end)
                .ok_or_else(|| corrupt(format!("{what}: sector list longer than the stream")))?;
            self.read_at(offset, dst, what)?;
            filled = end;
        }
        Ok(out)
    }

    fn read_regular(&mut self, start: u32, len: u64, what: &str) -> Result<Vec<u8>> {
        let sector_len = self.sector_len();
        let needed = len.div_ceil(sector_len);
        if needed > u64::from(self.num_sectors) {
            return Err(corrupt(format!("{what} is larger than the file")));
        }
        let sectors = self.chain(start, Some(needed), what)?;
        let mut remaining = len;
        let mut ranges = Vec::with_capacity(sectors.len());
        for sector in sectors {
            let part = remaining.min(sector_len);
            ranges.push(((u64::from(sector) + 1) << self.sector_shift, part));
            remaining -= part;
        }
        self.read_ranges(&ranges, len, what)
    }

    fn read_mini(&mut self, start: u32, len: u64, what: &str) -> Result<Vec<u8>> {
        if len == 0 {
            return Ok(Vec::new());
        }
        if self.minifat.is_none() {
            let sectors = self.chain(self.first_minifat_sector, None, "the MiniFAT")?;
            let mut minifat = Vec::with_capacity(sectors.len() << (self.sector_shift - 2));
            for sector in sectors {
                minifat.extend(u32s(&self.read_sector(sector, "the MiniFAT")?));
            }
            self.minifat = Some(minifat);
        }
        if self.mini_stream_sectors.is_none() {
            let needed = self.root.size.div_ceil(self.sector_len());
            if needed > u64::from(self.num_sectors) {
                return Err(corrupt("the mini stream is larger than the file"));
            }
            let sectors = self.chain(self.root.start, Some(needed), "the mini stream")?;
            self.mini_stream_sectors = Some(sectors);
        }
        let minifat = self.minifat.as_deref().unwrap_or(&[]);
        let stream_sectors = self.mini_stream_sectors.as_deref().unwrap_or(&[]);
        let needed = len.div_ceil(MINI_SECTOR_LEN);
        let mut ranges = Vec::new();
        let mut seen = HashSet::new();
        let mut current = start;
        let mut remaining = len;
        for _ in 0..needed {
            let index = usize::try_from(current).unwrap_or(usize::MAX);
            if current == END_OF_CHAIN || index >= minifat.len() || !seen.insert(current) {
                return Err(corrupt(format!(
                    "{what}: bad mini sector chain at {current:#x}"
                )));
            }
            let offset = u64::from(current) * MINI_SECTOR_LEN;
            if offset + MINI_SECTOR_LEN > self.root.size {
                return Err(corrupt(format!(
                    "{what}: mini sector {current:#x} is beyond the mini stream"
                )));
            }
            let sector = usize::try_from(offset >> self.sector_shift)
                .ok()
                .and_then(|i| stream_sectors.get(i))
                .copied()
                .ok_or_else(|| corrupt(format!("{what}: mini stream too short")))?;
            let within = offset & (self.sector_len() - 1);
            let part = remaining.min(MINI_SECTOR_LEN);
            ranges.push((
                ((u64::from(sector) + 1) << self.sector_shift) + within,
                part,
            ));
            remaining -= part;
            current = minifat.get(index).copied().unwrap_or(END_OF_CHAIN);
        }
        self.read_ranges(&ranges, len, what)
    }
}

/// The children of a storage in tree order (left subtree, node, right
/// subtree), which is the order of names Windows and libgsf list.
fn children(directory: &[DirEntry], first: u32) -> Result<Vec<EntryInfo>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<(u32, bool)> = Vec::new();
    if first != NO_STREAM {
        stack.push((first, false));
    }
    while let Some((id, expanded)) = stack.pop() {
        let entry = directory
            .get(usize::try_from(id).unwrap_or(usize::MAX))
            .ok_or_else(|| {
                corrupt(format!(
                    "directory entry {id} is referred to, but there are {}",
                    directory.len()
                ))
            })?;
        if expanded {
            match entry.kind {
                TYPE_STREAM | TYPE_STORAGE => out.push(EntryInfo {
                    stored: entry.name.clone(),
                    name: decode_stream_name(&entry.name),
                    is_stream: entry.kind == TYPE_STREAM,
                    len: if entry.kind == TYPE_STREAM {
                        entry.size
                    } else {
                        0
                    },
                    start: entry.start,
                }),
                _ => {
                    return Err(corrupt(format!(
                        "directory entry {id} of type {} in a storage",
                        entry.kind
                    )))
                }
            }
            continue;
        }
        if !seen.insert(id) {
            return Err(corrupt(format!("the directory tree loops at entry {id}")));
        }
        if entry.right != NO_STREAM {
            stack.push((entry.right, false));
        }
        stack.push((id, true));
        if entry.left != NO_STREAM {
            stack.push((entry.left, false));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clsid_text() {
        let bytes = [
            0x84, 0x10, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x46,
        ];
        assert_eq!(
            format_clsid(&bytes),
            "{000C1084-0000-0000-C000-000000000046}"
        );
    }

    #[test]
    fn short_or_foreign_files_are_errors() {
        for bytes in [Vec::new(), vec![0u8; 100], vec![0u8; 4096]] {
            let result = Container::open(Box::new(std::io::Cursor::new(bytes)));
            assert!(matches!(result, Err(Error::Container { .. })));
        }
    }
}
