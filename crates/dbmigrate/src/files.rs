//! The files next to a database: temporary builds, the lock, the
//! "scheduled" marker, the copy set aside by a rebuild; and the durable
//! file operations (fsync, atomic rename) the swap is made of.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::Error;

/// Suffix of the databases built by a migration before the swap.
const TEMP_INFIX: &str = ".olkit-tmp";
/// SQLite's own files beside a database.
const SQLITE_SIDE_FILES: [&str; 3] = ["-journal", "-wal", "-shm"];

/// `path` with `suffix` appended to its file name.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = path.file_name().map(OsString::from).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

/// Where the migration to `format` is built.
pub(crate) fn temp_path(db: &Path, format: u32) -> PathBuf {
    sibling(db, &format!("{TEMP_INFIX}{format}"))
}

/// The lock file of `db`'s migrations.
pub(crate) fn lock_path(db: &Path) -> PathBuf {
    sibling(db, ".olkit-lock")
}

/// The default "scheduled" marker of `db`.
pub fn default_marker_path(db: &Path) -> PathBuf {
    sibling(db, ".olkit-scheduled")
}

/// The directory holding `path` ("." for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Temporary databases (and their SQLite side files) left by an earlier,
/// interrupted migration of `db`.
pub(crate) fn leftovers(db: &Path) -> Vec<PathBuf> {
    let Some(name) = db.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    let prefix = format!("{name}{TEMP_INFIX}");
    let Ok(entries) = fs::read_dir(parent_dir(db)) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| {
            entry.file_name().to_str().is_some_and(|entry_name| {
                entry_name.strip_prefix(&prefix).is_some_and(is_temp_suffix)
            })
        })
        .map(|entry| db.with_file_name(entry.file_name()))
        .collect();
    found.sort();
    found
}

/// `"2"`, `"2-journal"`, `"2-wal"`, `"2-shm"`: what follows the temp infix.
fn is_temp_suffix(rest: &str) -> bool {
    let digits = rest.trim_end_matches(|c: char| !c.is_ascii_digit());
    let side = rest.get(digits.len()..).unwrap_or_default();
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (side.is_empty() || SQLITE_SIDE_FILES.contains(&side))
}

/// Removes a database file and its SQLite side files; missing ones are fine.
pub(crate) fn remove_database(path: &Path) -> Result<(), Error> {
    remove_if_exists(path)?;
    for side in SQLITE_SIDE_FILES {
        remove_if_exists(&sibling(path, side))?;
    }
    Ok(())
}

pub(crate) fn remove_if_exists(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Flushes a file's data and metadata to the disk.
pub(crate) fn sync_file(path: &Path) -> Result<(), Error> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// Flushes a directory, so that a rename in it survives a power cut.
/// Windows has no such operation (its renames are journaled by NTFS).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), Error> {
    if cfg!(unix) {
        File::open(dir)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(dir, e))
    } else {
        Ok(())
    }
}

/// Replaces `to` with `from` in one atomic rename, then makes the rename
/// durable.
pub(crate) fn replace(from: &Path, to: &Path) -> Result<(), Error> {
    fs::rename(from, to).map_err(|e| Error::io(to, e))?;
    sync_dir(&parent_dir(to))
}

/// Keeps `db` under a new name that is not taken yet
/// (`NAME.pre-rebuild`, `NAME.pre-rebuild.2`, ...), while `db` itself
/// stays in place: a hard link where the file system has them, so that the
/// data is under at least one name at every moment.
pub(crate) fn set_aside(db: &Path) -> Result<PathBuf, Error> {
    for n in 1..1000u32 {
        let suffix = if n == 1 {
            ".pre-rebuild".to_owned()
        } else {
            format!(".pre-rebuild.{n}")
        };
        let aside = sibling(db, &suffix);
        if aside.exists() {
            continue;
        }
        return match fs::hard_link(db, &aside) {
            Ok(()) => Ok(aside),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            // No hard links here (FAT, some network shares): a copy keeps
            // the same promise, at the cost of the space.
            Err(_) => {
                fs::copy(db, &aside).map_err(|e| Error::io(&aside, e))?;
                sync_file(&aside)?;
                Ok(aside)
            }
        };
    }
    Err(Error::io(
        sibling(db, ".pre-rebuild"),
        std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "999 earlier .pre-rebuild copies are in the way",
        ),
    ))
}

/// Holds the migration lock of one database until dropped.
#[derive(Debug)]
pub(crate) struct Lock {
    // Dropping the file releases the lock. The file itself stays: deleting
    // it would let a second process lock a new file while a third still
    // holds the old one.
    _file: File,
}

impl Lock {
    /// Takes the lock without waiting; [`Error::Busy`] if another process
    /// (or another migration in this one) holds it.
    pub(crate) fn acquire(db: &Path) -> Result<Lock, Error> {
        let path = lock_path(db);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Lock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(Error::Busy {
                path,
                reason: "another migration of this database is running".into(),
            }),
            Err(fs::TryLockError::Error(e)) => Err(Error::io(path, e)),
        }
    }
}

/// What the "scheduled" marker says: an upgrade was due and could not run
/// for lack of space; the next start tries again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Scheduled {
    /// The marker file.
    pub marker: PathBuf,
    /// The free space the upgrade needed, in bytes.
    pub needed_bytes: u64,
    /// The free space there was, in bytes.
    pub available_bytes: u64,
    /// When the upgrade was scheduled, in seconds since 1970 (UTC).
    pub since_unix: u64,
}

const MARKER_HEADER: &str = "olkit-dbmigrate scheduled upgrade";

/// Writes the marker atomically (a temporary file renamed into place).
pub(crate) fn write_marker(
    marker: &Path,
    db: &Path,
    needed: u64,
    available: u64,
) -> Result<Scheduled, Error> {
    let since_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let text = format!(
        "{MARKER_HEADER}\ndatabase={}\nneeded_bytes={needed}\navailable_bytes={available}\nsince_unix={since_unix}\n",
        db.display()
    );
    let temp = sibling(marker, ".tmp");
    let write = || -> std::io::Result<()> {
        let mut file = File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    };
    write().map_err(|e| Error::io(&temp, e))?;
    replace(&temp, marker)?;
    Ok(Scheduled {
        marker: marker.to_path_buf(),
        needed_bytes: needed,
        available_bytes: available,
        since_unix,
    })
}

/// Reads the marker if there is one. A marker that cannot be read or
/// understood still says "scheduled", with zero figures.
pub(crate) fn read_marker(marker: &Path) -> Option<Scheduled> {
    if !marker.is_file() {
        return None;
    }
    let text = fs::read_to_string(marker).unwrap_or_default();
    let field = |key: &str| -> u64 {
        text.lines()
            .filter_map(|line| line.split_once('='))
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0)
    };
    Some(Scheduled {
        marker: marker.to_path_buf(),
        needed_bytes: field("needed_bytes"),
        available_bytes: field("available_bytes"),
        since_unix: field("since_unix"),
    })
}

/// A `file:` URI for SQLite (`ATTACH 'file:...?mode=ro'`): absolute, with
/// every byte outside the unreserved set percent-encoded.
pub(crate) fn file_uri(path: &Path, query: &str) -> Result<String, Error> {
    let absolute = std::path::absolute(path).map_err(|e| Error::io(path, e))?;
    let text = absolute.to_string_lossy().replace('\\', "/");
    let mut uri = String::from("file:");
    if !text.starts_with('/') {
        // C:/dir/file.db -> file:///C:/dir/file.db
        uri.push_str("///");
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/:".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push('?');
    uri.push_str(query);
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_suffixes() {
        assert!(is_temp_suffix("2"));
        assert!(is_temp_suffix("12-journal"));
        assert!(is_temp_suffix("2-wal"));
        assert!(!is_temp_suffix(""));
        assert!(!is_temp_suffix("-wal"));
        assert!(!is_temp_suffix("2.bak"));
    }

    #[test]
    fn uri_escapes() {
        let uri = file_uri(Path::new("/a b/c?d#e%.db"), "mode=ro").unwrap();
        assert_eq!(uri, "file:/a%20b/c%3Fd%23e%25.db?mode=ro");
    }

    #[test]
    fn marker_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("m");
        let written = write_marker(&marker, Path::new("/x.db"), 10, 3);
        let read = read_marker(&marker);
        assert_eq!(written.ok(), read);
    }
}
