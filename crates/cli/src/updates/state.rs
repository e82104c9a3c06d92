//! The state file of `olkit updates check --state`: the serial of the last
//! accepted manifest, so that a replayed older manifest is refused next
//! time.
//!
//! ```json
//! {"last_serial": 2025060101, "manifest": "https://...", "checked_at": "2025-06-02T08:00:00Z"}
//! ```
//!
//! Written next to its final name, flushed to disk, then renamed over the
//! old one: an interrupted write leaves the old state, never half a file.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::output::CliError;
use crate::trust::read_limited;

/// A state file is a few dozen bytes; a large one is not ours.
const STATE_LIMIT: usize = 64 << 10;

/// What the state file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct State {
    /// The serial of the last accepted manifest.
    pub(crate) last_serial: Option<u64>,
    /// Where that manifest came from (URL or path).
    #[serde(default)]
    pub(crate) manifest: Option<String>,
    /// When it was accepted (RFC 3339).
    #[serde(default)]
    pub(crate) checked_at: Option<String>,
}

/// The state in `path`; `None` when the file does not exist yet (the
/// first check). A file that exists and is not a state is an error, not
/// a fresh start: that would let an old manifest in.
pub(crate) fn read(path: &Path) -> Result<Option<State>, CliError> {
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CliError::io(path, e)),
        Ok(_) => {}
    }
    let bytes = read_limited(path, STATE_LIMIT)?;
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        CliError::io(
            path,
            io::Error::other(format!("not an olkit updates state file: {e}")),
        )
    })
}

/// The last accepted serial of the state file `path`, when one is given
/// and holds one.
pub(crate) fn last_serial(path: Option<&Path>) -> Result<Option<u64>, CliError> {
    Ok(match path {
        Some(path) => read(path)?.and_then(|s| s.last_serial),
        None => None,
    })
}

/// Writes `state` to `path` atomically: a temporary file in the same
/// directory, synced, then renamed over `path`.
pub(crate) fn write(path: &Path, state: &State) -> Result<(), CliError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".olkit-state-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| CliError::io(dir, e))?;
    let mut text =
        serde_json::to_vec_pretty(state).map_err(|e| CliError::io(path, io::Error::other(e)))?;
    text.push(b'\n');
    temp.write_all(&text)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| CliError::io(temp.path(), e))?;
    temp.persist(path)
        .map_err(|e| CliError::io(path, e.error))?;
    // The rename is durable once the directory is synced (not possible
    // on every platform; the file itself is complete either way).
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_a_missing_file_is_a_first_check() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(read(&path).unwrap(), None);
        let state = State {
            last_serial: Some(42),
            manifest: Some("https://h/products.xml".to_owned()),
            checked_at: Some("2025-06-02T08:00:00Z".to_owned()),
        };
        write(&path, &state).unwrap();
        assert_eq!(read(&path).unwrap(), Some(state.clone()));
        // Overwritten in place, and no temporary file is left behind.
        let newer = State {
            last_serial: Some(43),
            ..state
        };
        write(&path, &newer).unwrap();
        assert_eq!(read(&path).unwrap(), Some(newer));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_file_that_is_not_a_state_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        fs::write(&path, b"last_serial=5").unwrap();
        let message = read(&path).unwrap_err().to_string();
        assert!(
            message.contains("not an olkit updates state file"),
            "{message}"
        );
    }
}
