//! The kept inputs of a fuzz target, run through its check by `cargo test`.
//! Each crate's `tests/fuzz_regressions.rs` includes this file with
//! `#[path]` (one copy of the runner for every target).

use std::path::{Path, PathBuf};

/// `tests/fuzz-corpus/<target>/` of the crate whose test includes this
/// file (`env!` expands there): the kept inputs of fuzz target `target`.
pub(crate) fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-corpus")
        .join(target)
}

/// The files in `dir`, sorted; dot files (`.gitattributes`, which keeps
/// the inputs' bytes as they are) are left out. At least one is required.
pub(crate) fn corpus(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no inputs in {}", dir.display());
    paths
}

/// Runs `check` over every input in `dir` and fails with the first line of
/// each failing input's panic message.
pub(crate) fn assert_corpus_passes(dir: &Path, check: fn(&[u8])) {
    let mut failed = Vec::new();
    for path in corpus(dir) {
        let data = std::fs::read(&path).unwrap();
        if let Err(panic) = std::panic::catch_unwind(|| check(&data)) {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            let name = path.file_name().unwrap().to_string_lossy();
            failed.push(format!("{name}: {}", message.lines().next().unwrap_or("")));
        }
    }
    assert!(
        failed.is_empty(),
        "inputs break an invariant:\n{}",
        failed.join("\n")
    );
}
