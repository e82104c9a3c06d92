#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The invariants the `regfile_parse` fuzz target checks, run over every
//! input kept in `tests/fuzz-corpus/` (crashes the fuzzer found and a
//! coverage-diverse sample of its corpus).
//!
//! `fuzz/fuzz_targets/regfile_parse.rs` includes this file with `#[path]`,
//! so [`check`] is the one copy of the checks; the tests below are compiled
//! only under `cargo test`.

use olkit_regfile::{Entry, Error, ParseOptions, RegFile, Value};

/// Keys and entries of a file, in order: the path, whether it is `[-KEY]`,
/// the line number (0 when line numbers are not compared) and the entries.
type KeySnapshot = (String, bool, usize, Vec<EntrySnapshot>);
/// An entry: its name, its value (`None` for `"name"=-`) and its line number.
type EntrySnapshot = (String, Option<Value>, usize);

/// Every key line and entry of `file` in order; line numbers only if `lines`.
fn snapshot(file: &RegFile, lines: bool) -> Vec<KeySnapshot> {
    let line = |n: usize| if lines { n } else { 0 };
    file.keys()
        .map(|key| {
            let entries = key
                .entries()
                .map(|e| (e.name().to_owned(), e.value().cloned(), line(e.line())))
                .collect();
            (
                key.path().to_owned(),
                key.is_deletion(),
                line(key.line()),
                entries,
            )
        })
        .collect()
}

/// Bytes for a panic message: lossy text, escaped, cut at 2000 characters.
fn show(bytes: &[u8]) -> String {
    let text = format!("{:?}", String::from_utf8_lossy(bytes));
    match text.char_indices().nth(2000) {
        Some((cut, _)) => format!("{}... ({} bytes)", &text[..cut], bytes.len()),
        None => text,
    }
}

/// Checks every invariant on one input, panicking on a violation:
///
/// 1. strict and lenient parsing never panic; lenient parsing fails only
///    for a bad header, bad encoding or size, and when it succeeds
///    `to_bytes()` gives the input back byte for byte;
/// 2. if strict parsing succeeds, lenient parsing gives no warnings and the
///    same keys and entries; the canonical form, if it can be written,
///    parses strictly to the same keys and entries and is its own
///    canonical form;
/// 3. edits keep the file parseable (strictly too if it was) and `get`
///    returns what they set: the first value set to itself, a new value
///    under the first key, a value under a new key.
pub fn check(data: &[u8]) {
    let strict = RegFile::parse(data);
    let lenient_options = ParseOptions::new().lenient(true);
    let lenient = match RegFile::parse_with(data, &lenient_options) {
        Ok(file) => file,
        Err(Error::BadHeader | Error::Encoding { .. } | Error::TooLarge { .. }) => {
            assert!(strict.is_err(), "strict parse succeeded, lenient failed");
            return;
        }
        Err(e) => panic!("lenient parse failed with {e:?}"),
    };
    let bytes = lenient.to_bytes();
    assert!(
        bytes == data,
        "lenient to_bytes() is not the input:\n  input:  {}\n  output: {}",
        show(data),
        show(&bytes),
    );

    let strict_ok = match &strict {
        Ok(file) => {
            check_strict(file, &lenient, data);
            true
        }
        Err(Error::Syntax { .. }) => {
            assert!(
                !lenient.warnings().is_empty(),
                "strict parse failed with {strict:?}, lenient gave no warning"
            );
            false
        }
        Err(e) => panic!("strict parse failed with {e:?} where lenient succeeded"),
    };

    check_edit(&lenient, &lenient_options, strict_ok);
}

/// Invariant 2, for an input that parses strictly.
fn check_strict(file: &RegFile, lenient: &RegFile, data: &[u8]) {
    assert!(
        file.to_bytes() == data,
        "strict to_bytes() is not the input"
    );
    assert_eq!(lenient.warnings(), &[], "lenient warned on a strict file");
    let keys = snapshot(file, true);
    assert_eq!(snapshot(lenient, true), keys, "strict and lenient differ");
    assert_eq!(file.format(), lenient.format());

    let Ok(canonical) = file.to_canonical_bytes() else {
        // Data the format's encoding cannot hold (a `REGEDIT4` file read as
        // UTF-16, say): refused, not written wrongly.
        return;
    };
    let reparsed = match RegFile::parse(&canonical) {
        Ok(reparsed) => reparsed,
        Err(e) => panic!(
            "canonical form does not parse strictly: {e:?}\n  canonical: {}",
            show(&canonical)
        ),
    };
    assert_eq!(reparsed.format(), file.format(), "canonical changed format");
    assert_eq!(
        snapshot(&reparsed, false),
        snapshot(file, false),
        "canonical form has other keys or entries\n  canonical: {}",
        show(&canonical)
    );
    match reparsed.to_canonical_bytes() {
        Ok(again) => assert!(
            again == canonical,
            "canonical form is not stable:\n  first:  {}\n  second: {}",
            show(&canonical),
            show(&again)
        ),
        Err(e) => panic!("canonical form has no canonical form: {e:?}"),
    }
}

/// Invariant 3: edits keep the file readable and `get` sees them. Three
/// edits, each on its own copy of the file: the first value in the file set
/// to itself (a rewrite in place), a new value under the first key and a
/// value under a new key (lines added).
fn check_edit(file: &RegFile, options: &ParseOptions, strict: bool) {
    let first = file.keys().find_map(|key| {
        key.entries().find_map(|e| match e {
            Entry::Set { name, value, .. } => {
                Some((key.path().to_owned(), name.to_owned(), value.clone()))
            }
            Entry::Delete { .. } => None,
        })
    });
    if let Some((key, name, value)) = first {
        check_set(file.clone(), &key, &name, value, options, strict);
    }
    let added = Value::dword(0x1234_5678);
    if let Some(key) = file.key_at(0) {
        check_set(
            file.clone(),
            key.path(),
            "olkit fuzz new value",
            added.clone(),
            options,
            strict,
        );
    }
    check_set(
        file.clone(),
        "HKEY_CURRENT_USER\\Software\\olkit fuzz new key",
        "",
        added,
        options,
        strict,
    );
}

/// Sets `name` of `key` to `value`; the edited file must parse (strictly
/// too if `strict`) and `get` must return `value`.
fn check_set(
    mut file: RegFile,
    key: &str,
    name: &str,
    value: Value,
    options: &ParseOptions,
    strict: bool,
) {
    if let Err(e) = file.set_value(key, name, value.clone()) {
        panic!("set_value({key:?}, {name:?}, {value:?}) failed: {e:?}");
    }
    let bytes = file.to_bytes();
    let reparsed = match RegFile::parse_with(&bytes, options) {
        Ok(reparsed) => reparsed,
        Err(e) => panic!(
            "edited file does not parse: {e:?}\n  edited: {}",
            show(&bytes)
        ),
    };
    assert_eq!(
        reparsed.get(key, name),
        Some(&value),
        "get({key:?}, {name:?}) after set_value\n  edited: {}",
        show(&bytes)
    );
    if strict {
        if let Err(e) = RegFile::parse(&bytes) {
            panic!(
                "set_value({key:?}, {name:?}, {value:?}): edited file no longer parses strictly: {e:?}\n  edited: {}",
                show(&bytes)
            );
        }
    }
}

// The corpus runner shared by every crate's fuzz regression test.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../tests/rust/fuzz_corpus.rs"]
mod fuzz_corpus;

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every input in `tests/fuzz-corpus/` passes [`super::check`].
    #[test]
    fn fuzz_corpus_inputs_keep_the_invariants() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
        super::fuzz_corpus::assert_corpus_passes(&dir, super::check);
    }
}
