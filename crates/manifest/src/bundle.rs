//! Safe extraction of update bundles (zip archives).
//!
//! Every entry is checked from the central directory before anything is
//! written: names (no `..`, no absolute paths, drive letters or
//! backslashes, nothing Windows would read differently), types (plain
//! files and directories only: no symbolic links, no special files, no
//! encryption), duplicates (also differing only in case, since the targets
//! are Windows) and the declared sizes against the limits. While inflating,
//! the bytes actually produced are counted against the same limits and the
//! compression ratio, since headers can lie. Extraction goes to a new
//! directory next to the destination, every file and directory is synced,
//! and the directory is renamed into place only when all of it succeeded;
//! on any error it is removed.
//!
//! The destination must not exist: merging into an existing directory
//! could not be undone on failure. (The check and the rename are two
//! steps; a destination created in between by someone else is replaced if
//! it is an empty directory, as `rename(2)` does.)

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use zip::{CompressionMethod, ZipArchive};

use crate::{Error, Result};

/// Limits of [`extract_bundle`]. The defaults fit update bundles of
/// Outlook connectors (a few installers and documents) with a wide margin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleLimits {
    /// The largest zip file: 2 GiB.
    pub max_archive_size: u64,
    /// The most entries (files and directories): 10,000.
    pub max_entries: usize,
    /// The largest uncompressed entry: 1 GiB.
    pub max_entry_size: u64,
    /// The most uncompressed bytes in all: 4 GiB.
    pub max_total_size: u64,
    /// The highest compression ratio (uncompressed bytes per compressed
    /// byte) of an entry larger than [`BundleLimits::ratio_floor`]: 100.
    /// Installers compress by 1 to 5; a million zeros by 1000.
    pub max_ratio: u64,
    /// Entries up to this size are not held to the ratio (small text files
    /// compress well): 1 MiB.
    pub ratio_floor: u64,
    /// The longest entry name in bytes: 240, inside Windows' `MAX_PATH` of
    /// 260 with room for a destination directory.
    pub max_name_len: usize,
    /// The most path components of an entry: 32.
    pub max_depth: usize,
}

impl Default for BundleLimits {
    fn default() -> BundleLimits {
        BundleLimits {
            max_archive_size: 2 << 30,
            max_entries: 10_000,
            max_entry_size: 1 << 30,
            max_total_size: 4 << 30,
            max_ratio: 100,
            ratio_floor: 1 << 20,
            max_name_len: 240,
            max_depth: 32,
        }
    }
}

/// One extracted entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedEntry {
    /// The entry's path, `/`-separated, relative to the destination
    /// (directories end in `/`).
    pub path: String,
    /// Uncompressed bytes (0 for directories).
    pub size: u64,
    /// True for a directory.
    pub is_dir: bool,
}

/// What [`extract_bundle`] extracted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractReport {
    /// The destination directory, now holding the bundle.
    pub dest: PathBuf,
    /// The entries, in archive order.
    pub entries: Vec<ExtractedEntry>,
    /// Files extracted.
    pub files: usize,
    /// Directories extracted (those named by entries; parents created for
    /// files are not counted).
    pub directories: usize,
    /// Uncompressed bytes written.
    pub bytes: u64,
}

/// An entry that passed the checks of the central directory.
struct Planned {
    index: usize,
    name: String,
    components: Vec<String>,
    is_dir: bool,
    declared_size: u64,
    compressed_size: u64,
}

/// Extracts the zip archive `zip` into the new directory `dest` (which
/// must not exist; its parent must), all or nothing.
pub fn extract_bundle(zip: &Path, dest: &Path, limits: &BundleLimits) -> Result<ExtractReport> {
    let _span = tracing::info_span!("extract_bundle", zip = %zip.display()).entered();
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    if fs::symlink_metadata(dest).is_ok() {
        return Err(Error::DestinationExists {
            path: dest.to_path_buf(),
        });
    }
    let file = File::open(zip).map_err(io_error(zip))?;
    let size = file.metadata().map_err(io_error(zip))?.len();
    if size > limits.max_archive_size {
        return Err(limit(None, "archive size", size, limits.max_archive_size));
    }
    let mut reader = BufReader::new(file);
    check_entry_count(&mut reader, limits).map_err(|e| match e {
        CountError::Io(source) => Error::Io {
            path: zip.to_path_buf(),
            source,
        },
        CountError::Limit(e) => e,
    })?;
    reader.rewind().map_err(io_error(zip))?;
    let mut archive = ZipArchive::new(reader).map_err(|e| corrupt(None, &e))?;
    let plan = plan(&archive, limits)?;

    let parent = match dest.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let staging = Staging::create(&parent, dest)?;
    let report = extract_into(&mut archive, &plan, staging.path(), limits)?;
    staging.commit(dest, &parent)?;
    tracing::info!(
        files = report.files,
        bytes = report.bytes,
        "bundle extracted"
    );
    Ok(ExtractReport {
        dest: dest.to_path_buf(),
        ..report
    })
}

fn limit(entry: Option<&str>, what: &'static str, actual: u64, limit: u64) -> Error {
    Error::BundleLimit {
        entry: entry.map(str::to_owned),
        what,
        actual,
        limit,
    }
}

fn corrupt(entry: Option<&str>, error: &dyn std::fmt::Display) -> Error {
    Error::BundleCorrupt {
        entry: entry.map(str::to_owned),
        reason: error.to_string(),
    }
}

fn unsafe_path(entry: &str, reason: &'static str) -> Error {
    Error::BundleUnsafePath {
        entry: entry.to_owned(),
        reason,
    }
}

fn special(entry: &str, kind: &'static str) -> Error {
    Error::BundleSpecialEntry {
        entry: entry.to_owned(),
        kind,
    }
}

enum CountError {
    Io(io::Error),
    Limit(Error),
}

impl From<io::Error> for CountError {
    fn from(e: io::Error) -> CountError {
        CountError::Io(e)
    }
}

/// Reads the entry count from the end of central directory record (and
/// its zip64 twin) before the zip reader builds its table of every entry,
/// so a central directory of millions of entries costs no memory. A
/// record that cannot be found is left to the zip reader to report.
fn check_entry_count(
    reader: &mut (impl Read + Seek),
    limits: &BundleLimits,
) -> std::result::Result<(), CountError> {
    const EOCD: &[u8; 4] = b"PK\x05\x06";
    const ZIP64_LOCATOR: &[u8; 4] = b"PK\x06\x07";
    const ZIP64_EOCD: &[u8; 4] = b"PK\x06\x06";
    // The record is 22 bytes plus a comment of at most 65535.
    let len = reader.seek(io::SeekFrom::End(0))?;
    let tail_len = len.min(22 + 65535);
    let tail_start = len - tail_len;
    reader.seek(io::SeekFrom::Start(tail_start))?;
    let mut tail = Vec::new();
    reader.take(tail_len).read_to_end(&mut tail)?;
    let Some(at) = tail.windows(4).rposition(|w| w == EOCD) else {
        return Ok(());
    };
    let field = |offset: usize| -> Option<u16> {
        let bytes = tail.get(at + offset..at + offset + 2)?;
        Some(u16::from_le_bytes([*bytes.first()?, *bytes.get(1)?]))
    };
    let mut count = u64::from(field(10).unwrap_or(0));
    if count == 0xFFFF {
        // Zip64: the locator (20 bytes) precedes the record and points at
        // the zip64 record, whose total entry count is at offset 32.
        let locator = at
            .checked_sub(20)
            .and_then(|start| tail.get(start..start + 20))
            .filter(|l| l.get(..4) == Some(ZIP64_LOCATOR));
        if let Some(offset) = locator
            .and_then(|l| l.get(8..16))
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
        {
            reader.seek(io::SeekFrom::Start(u64::from_le_bytes(offset)))?;
            let mut record = [0u8; 40];
            if reader.read_exact(&mut record).is_ok() && record.get(..4) == Some(ZIP64_EOCD) {
                if let Some(total) = record.get(32..40).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
                    count = u64::from_le_bytes(total);
                }
            }
        }
    }
    let max = u64::try_from(limits.max_entries).unwrap_or(u64::MAX);
    if count > max {
        return Err(CountError::Limit(limit(None, "entry count", count, max)));
    }
    Ok(())
}

/// Checks every entry of the central directory; gives the entries to
/// extract.
fn plan<R: Read + Seek>(archive: &ZipArchive<R>, limits: &BundleLimits) -> Result<Vec<Planned>> {
    let max_entries = u64::try_from(limits.max_entries).unwrap_or(u64::MAX);
    if archive.len() > limits.max_entries {
        return Err(limit(
            None,
            "entry count",
            archive.len() as u64,
            max_entries,
        ));
    }
    if archive.has_duplicate_names() {
        // The zip reader keeps one entry per name and does not say which
        // name was repeated.
        return Err(Error::BundleDuplicateEntry {
            entry: "(an entry)".to_owned(),
            first: "an entry of the same name".to_owned(),
        });
    }
    let metadata = archive.metadata();
    let mut plan = Vec::with_capacity(archive.len());
    // Case-folded path -> (original name, is a directory).
    let mut seen: HashMap<String, (String, bool)> = HashMap::new();
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = metadata.entry(index).map_err(|e| corrupt(None, &e))?;
        let name = entry.name().map_err(|e| corrupt(None, &e))?.into_owned();
        let is_dir = name.ends_with('/');
        let components = check_name(&name, limits)?;
        check_type(&name, is_dir, entry.external_attributes())?;
        if entry.encrypted() {
            return Err(special(&name, "encrypted"));
        }
        if !matches!(
            entry.compression(),
            CompressionMethod::Stored | CompressionMethod::Deflated
        ) {
            return Err(special(
                &name,
                "compression method other than stored or deflate",
            ));
        }
        let declared_size = entry.size();
        let compressed_size = entry.compressed_size();
        if is_dir && declared_size > 0 {
            return Err(corrupt(Some(&name), &"a directory entry with data"));
        }
        if declared_size > limits.max_entry_size {
            return Err(limit(
                Some(&name),
                "entry size",
                declared_size,
                limits.max_entry_size,
            ));
        }
        total = total.saturating_add(declared_size);
        if total > limits.max_total_size {
            return Err(limit(None, "total size", total, limits.max_total_size));
        }
        check_ratio(&name, declared_size, compressed_size, limits)?;
        register(&mut seen, &name, &components, is_dir)?;
        plan.push(Planned {
            index,
            name,
            components,
            is_dir,
            declared_size,
            compressed_size,
        });
    }
    Ok(plan)
}

fn check_ratio(name: &str, size: u64, compressed: u64, limits: &BundleLimits) -> Result<()> {
    if size <= limits.ratio_floor {
        return Ok(());
    }
    let ratio = size / compressed.max(1);
    if ratio > limits.max_ratio {
        return Err(limit(
            Some(name),
            "compression ratio",
            ratio,
            limits.max_ratio,
        ));
    }
    Ok(())
}

/// Records an entry's path and its parent directories, case-folded:
/// Windows file systems do not tell `A.msi` from `a.msi`, and a file
/// cannot also be a directory.
fn register(
    seen: &mut HashMap<String, (String, bool)>,
    name: &str,
    components: &[String],
    is_dir: bool,
) -> Result<()> {
    let mut key = String::new();
    let last = components.len().saturating_sub(1);
    for (i, component) in components.iter().enumerate() {
        if i > 0 {
            key.push('/');
        }
        key.push_str(&component.to_lowercase());
        let this_is_dir = i < last || is_dir;
        match seen.get(&key) {
            // Directories are shared by their files; an explicit directory
            // entry may follow or precede its files, but not twice.
            Some((_, true)) if this_is_dir && i < last => {}
            Some((first, _)) => {
                return Err(Error::BundleDuplicateEntry {
                    entry: name.to_owned(),
                    first: first.clone(),
                })
            }
            None => {
                let shown = if i == last {
                    name.to_owned()
                } else {
                    format!("{}/", components.get(..=i).unwrap_or_default().join("/"))
                };
                seen.insert(key.clone(), (shown, this_is_dir));
            }
        }
    }
    Ok(())
}

/// The Windows device names, which open the device whatever the
/// directory and extension (`aux.txt` is `AUX`).
const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Checks an entry name; gives its components.
fn check_name(name: &str, limits: &BundleLimits) -> Result<Vec<String>> {
    if name.len() > limits.max_name_len {
        return Err(limit(
            Some(name),
            "name length",
            name.len() as u64,
            limits.max_name_len as u64,
        ));
    }
    if name.is_empty() {
        return Err(unsafe_path(name, "empty name"));
    }
    if name.starts_with('/') {
        return Err(unsafe_path(name, "absolute path"));
    }
    if name.contains('\\') {
        return Err(unsafe_path(
            name,
            "backslash (a directory separator on Windows)",
        ));
    }
    if name.contains(':') {
        return Err(unsafe_path(
            name,
            "colon (a drive letter or an NTFS alternate data stream)",
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| c < ' ' || c == '\u{7f}' || "<>\"|?*".contains(c))
    {
        return Err(unsafe_path(
            name,
            if c < ' ' || c == '\u{7f}' {
                "control character"
            } else {
                "character not allowed in Windows file names"
            },
        ));
    }
    let body = name.strip_suffix('/').unwrap_or(name);
    let mut components = Vec::new();
    for component in body.split('/') {
        match component {
            "" => return Err(unsafe_path(name, "empty path component")),
            ".." => return Err(unsafe_path(name, "parent directory component (..)")),
            "." => return Err(unsafe_path(name, "current directory component (.)")),
            _ => {}
        }
        if component.ends_with('.') || component.ends_with(' ') {
            // Windows drops them: `a.` and `a ` are `a`.
            return Err(unsafe_path(name, "component ending in a dot or space"));
        }
        let stem = component
            .split('.')
            .next()
            .unwrap_or(component)
            .trim_end_matches(' ')
            .to_ascii_lowercase();
        if RESERVED.contains(&stem.as_str()) {
            return Err(unsafe_path(
                name,
                "Windows device name (CON, NUL, COM1, ...)",
            ));
        }
        components.push(component.to_owned());
    }
    if components.len() > limits.max_depth {
        return Err(limit(
            Some(name),
            "path depth",
            components.len() as u64,
            limits.max_depth as u64,
        ));
    }
    Ok(components)
}

/// Refuses symbolic links and other special files: the Unix file type is
/// the top 4 bits of the high 16 bits of the external attributes (written
/// by Unix zip tools, zero elsewhere), and MS-DOS attribute 0x400 marks a
/// Windows reparse point (junction or link).
fn check_type(name: &str, is_dir: bool, attributes: u32) -> Result<()> {
    const S_IFMT: u32 = 0o170_000;
    const S_IFLNK: u32 = 0o120_000;
    const S_IFREG: u32 = 0o100_000;
    const S_IFDIR: u32 = 0o040_000;
    const REPARSE_POINT: u32 = 0x400;
    let mode = attributes >> 16;
    match mode & S_IFMT {
        0 => {}
        S_IFLNK => return Err(special(name, "symbolic link")),
        S_IFREG if !is_dir => {}
        S_IFDIR if is_dir => {}
        S_IFREG | S_IFDIR => {
            return Err(corrupt(
                Some(name),
                &"the file type in the attributes contradicts the name",
            ))
        }
        _ => return Err(special(name, "special file (device, fifo or socket)")),
    }
    if attributes & REPARSE_POINT != 0 {
        return Err(special(name, "Windows reparse point"));
    }
    Ok(())
}

/// Writes the planned entries under `root`.
fn extract_into<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    plan: &[Planned],
    root: &Path,
    limits: &BundleLimits,
) -> Result<ExtractReport> {
    let mut report = ExtractReport {
        dest: root.to_path_buf(),
        entries: Vec::with_capacity(plan.len()),
        files: 0,
        directories: 0,
        bytes: 0,
    };
    let mut directories = vec![root.to_path_buf()];
    let mut buffer = vec![0u8; 256 * 1024];
    for entry in plan {
        let path = entry
            .components
            .iter()
            .fold(root.to_path_buf(), |path, c| path.join(c));
        let io_error = |source| Error::Io {
            path: path.clone(),
            source,
        };
        // Parent directories first (entries need not list them).
        let mut dir = root.to_path_buf();
        let parents = entry.components.len() - usize::from(!entry.is_dir);
        for component in entry.components.iter().take(parents) {
            dir.push(component);
            match fs::create_dir(&dir) {
                Ok(()) => directories.push(dir.clone()),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => {}
                Err(source) => {
                    return Err(Error::Io {
                        path: dir.clone(),
                        source,
                    })
                }
            }
        }
        if entry.is_dir {
            report.directories += 1;
            report.entries.push(ExtractedEntry {
                path: entry.name.clone(),
                size: 0,
                is_dir: true,
            });
            continue;
        }
        let mut input = archive
            .by_index(entry.index)
            .map_err(|e| corrupt(Some(&entry.name), &e))?;
        // create_new: nothing in the fresh staging directory is overwritten.
        let mut output = File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_error)?;
        let mut written: u64 = 0;
        loop {
            let n = match input.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(corrupt(Some(&entry.name), &e)),
            };
            written = written.saturating_add(n as u64);
            check_actual(entry, written, report.bytes.saturating_add(written), limits)?;
            output
                .write_all(buffer.get(..n).unwrap_or_default())
                .map_err(io_error)?;
        }
        if written != entry.declared_size {
            return Err(corrupt(
                Some(&entry.name),
                &format!("{written} bytes, the header says {}", entry.declared_size),
            ));
        }
        output.sync_all().map_err(io_error)?;
        report.bytes = report.bytes.saturating_add(written);
        report.files += 1;
        report.entries.push(ExtractedEntry {
            path: entry.name.clone(),
            size: written,
            is_dir: false,
        });
    }
    // Directory entries must reach the disk too before the rename makes
    // them visible.
    for dir in directories.iter().rev() {
        sync_dir(dir)?;
    }
    Ok(report)
}

/// The limits against the bytes actually inflated so far.
fn check_actual(entry: &Planned, written: u64, total: u64, limits: &BundleLimits) -> Result<()> {
    if written > entry.declared_size {
        return Err(corrupt(
            Some(&entry.name),
            &format!(
                "more data than the {} bytes the header declares",
                entry.declared_size
            ),
        ));
    }
    if written > limits.max_entry_size {
        return Err(limit(
            Some(&entry.name),
            "entry size",
            written,
            limits.max_entry_size,
        ));
    }
    if total > limits.max_total_size {
        return Err(limit(None, "total size", total, limits.max_total_size));
    }
    // The reader cannot consume more than the declared compressed size, so
    // output per declared compressed byte bounds the real ratio.
    check_ratio(&entry.name, written, entry.compressed_size, limits)
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })
}

/// The directory extraction goes to, removed unless committed.
struct Staging {
    path: Option<PathBuf>,
}

impl Staging {
    /// A new, empty directory in `parent`, named after `dest`.
    fn create(parent: &Path, dest: &Path) -> Result<Staging> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let base = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bundle".to_owned());
        let mut attempt = 0;
        loop {
            let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = parent.join(format!(
                ".{base}.olkit-partial-{}-{unique}",
                std::process::id()
            ));
            match fs::create_dir(&path) {
                Ok(()) => return Ok(Staging { path: Some(path) }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(source) => return Err(Error::Io { path, source }),
            }
        }
    }

    fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new("."))
    }

    /// Renames the directory to `dest` and syncs `parent`, recording the
    /// new name.
    fn commit(mut self, dest: &Path, parent: &Path) -> Result<()> {
        let Some(path) = self.path.take() else {
            return Ok(());
        };
        if fs::symlink_metadata(dest).is_ok() {
            self.path = Some(path);
            return Err(Error::DestinationExists {
                path: dest.to_path_buf(),
            });
        }
        if let Err(source) = fs::rename(&path, dest) {
            self.path = Some(path);
            return Err(Error::Io {
                path: dest.to_path_buf(),
                source,
            });
        }
        sync_dir(parent)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            if let Err(e) = fs::remove_dir_all(&path) {
                tracing::warn!(path = %path.display(), error = %e, "could not remove the partial extraction");
            }
        }
    }
}
