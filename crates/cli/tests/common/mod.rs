//! Runs the real `olkit` binary.

#![allow(dead_code, unreachable_pub)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

/// The result of one run.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout).expect("stdout is one JSON document")
    }

    /// Fails unless the run succeeded.
    pub fn ok(self) -> Run {
        assert_eq!(self.code, Some(0), "stderr: {}", self.stderr);
        self
    }

    /// Fails unless the run ended with exit code `code` and said `needle`
    /// on standard error.
    pub fn fails(&self, code: i32, needle: &str) -> &Run {
        assert_eq!(self.code, Some(code), "stderr: {}", self.stderr);
        assert!(self.stderr.contains(needle), "{}", self.stderr);
        self
    }
}

pub fn olkit(args: &[&str]) -> Run {
    olkit_in(Path::new("."), args)
}

pub fn olkit_in(dir: &Path, args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_olkit"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("olkit runs");
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    assert!(!stderr.contains("panicked"), "olkit panicked: {stderr}");
    Run {
        code: status.code(),
        stdout,
        stderr,
    }
}

/// UTF-16LE with a byte order mark, as regedit writes version 5 files.
pub fn utf16(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend(unit.to_le_bytes());
    }
    out
}

/// Writes `bytes` to `name` in `dir` and returns the path as a string.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path.to_str().expect("UTF-8 temp path").to_string()
}

/// The digest `tool` (`sha256sum`, `md5sum`) prints for `path`: its first
/// field, lowercase hexadecimal.
pub fn tool_hex(tool: &str, path: impl AsRef<OsStr>) -> String {
    let out = Command::new(tool).arg(path).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// The SHA-256 of `path` as `sha256sum` prints it.
pub fn sha256sum(path: impl AsRef<OsStr>) -> String {
    tool_hex("sha256sum", path)
}
