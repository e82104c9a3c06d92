//! Records the version of `olkit-regfile` this binary is built with, read
//! from the workspace's `Cargo.lock`, for `olkit version`.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;

fn main() {
    let lock = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(|dir| PathBuf::from(dir).join("../../Cargo.lock"))
        .unwrap_or_default();
    println!("cargo:rerun-if-changed={}", lock.display());
    let text = std::fs::read_to_string(&lock).unwrap_or_default();
    let version = locked_version(&text, "olkit-regfile").unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=OLKIT_REGFILE_VERSION={version}");
}

/// The version of package `name` in a `Cargo.lock`.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines().map(str::trim);
    lines.find(|line| *line == wanted)?;
    let version = lines
        .next()?
        .strip_prefix("version = \"")?
        .strip_suffix('"')?;
    Some(version.to_string())
}
