#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The invariants the `profile_load` fuzz target checks, run over every
//! input kept in `tests/fuzz-corpus/` (crashes the fuzzer found and a
//! coverage-diverse sample of its corpus).
//!
//! `fuzz/fuzz_targets/profile_load.rs` includes this file with `#[path]`,
//! so [`check`] is the one copy of the checks; the tests below are compiled
//! only under `cargo test`.

use olkit_profile_convert::{
    convert, plan, ConvertOptions, Location, PrfFile, Profile, ProfileScope, ProfileSet,
    ReadOptions, Rules, ServerQuery, ServerStatus, UserScope,
};
use olkit_regfile::{ParseOptions, RegFile};

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
/// 1. reading the bytes as a `.reg` export never panics, and fails only
///    where the `.reg` reader itself fails (the profile reader adds no
///    failure of its own below its profile limit);
/// 2. for what reads, every profile's graph (services, accounts, order
///    lists, default store, validation) is computed without panicking, and
///    the model agrees with the `.reg` reader: every value it holds is the
///    value importing the file would leave (`RegFile::get`), at a line of
///    the file; every service and provider it reports is a section of its
///    profile; a smaller profile limit only turns the answer into
///    `TooLarge`;
/// 3. reading the bytes as a `.prf` file never panics; for what reads,
///    `to_bytes()` is the input byte for byte, and the service and account
///    view is computed without panicking;
/// 4. planning and converting (built-in rules, server unreachable) never
///    panic and agree; an empty plan leaves the bytes as they are; a
///    converted file converts again to nothing.
pub fn check(data: &[u8]) {
    check_reg(data);
    check_prf(data);
    check_conversion(data);
}

/// Invariants 1 and 2.
fn check_reg(data: &[u8]) {
    let lenient = ParseOptions::new().lenient(true);
    let file = RegFile::parse_with(data, &lenient);
    let set = ProfileSet::parse(data);
    let (file, set) = match (file, set) {
        (Ok(file), Ok(set)) => (file, set),
        (Err(_), Err(_)) => return,
        (Ok(_), Err(e)) => panic!("the .reg reader reads it, the profile reader fails: {e:?}"),
        (Err(e), Ok(_)) => panic!("the profile reader reads what the .reg reader refuses: {e:?}"),
    };
    let lines = line_count(data);
    for (user, root, profile) in set.profiles() {
        assert!(
            root.key
                .to_ascii_lowercase()
                .starts_with(&user.hive.to_ascii_lowercase()),
            "root {:?} outside its user {:?}",
            root.key,
            user.hive
        );
        check_profile(&file, profile, lines);
    }
    // Debug output of the whole model is part of the API (secrets redacted).
    let _ = format!("{set:?}");

    let count = set.profile_count();
    if count > 0 {
        let options = ReadOptions {
            max_profiles: count - 1,
            ..ReadOptions::default()
        };
        match ProfileSet::parse_with(data, &options) {
            Err(olkit_profile_convert::Error::TooLarge { .. }) => {}
            other => panic!(
                "{count} profiles read with a limit of {}: {other:?}",
                count - 1
            ),
        }
    }
}

/// Invariant 2 for one profile.
fn check_profile(file: &RegFile, profile: &Profile, lines: usize) {
    let mut section_keys = Vec::new();
    for section in &profile.sections {
        section_keys.push(section.key.to_ascii_lowercase());
        assert!(
            section.line <= lines,
            "section line {} of {lines}",
            section.line
        );
        for prop in &section.props {
            agrees(file, &section.key, &prop.name, &prop.raw, prop.line, lines);
        }
        for named in &section.named {
            agrees(
                file,
                &section.key,
                &named.name,
                &named.raw,
                named.line,
                lines,
            );
        }
        for sub in &section.subkeys {
            for prop in &sub.props {
                agrees(file, &sub.key, &prop.name, &prop.raw, prop.line, lines);
            }
            for named in &sub.named {
                agrees(file, &sub.key, &named.name, &named.raw, named.line, lines);
            }
        }
        let _ = profile.service_of(section);
    }
    for named in &profile.values {
        agrees(
            file,
            &profile.key,
            &named.name,
            &named.raw,
            named.line,
            lines,
        );
    }

    let is_section = |location: &Location| match location {
        Location::Reg { key } => section_keys.contains(&key.to_ascii_lowercase()),
        Location::Prf { .. } => false,
    };
    for service in profile.services() {
        assert!(
            is_section(&service.location),
            "service at {:?}, not a section of {:?}",
            service.location,
            profile.key
        );
        for provider in &service.providers {
            assert!(
                is_section(&provider.location),
                "provider at {:?}, not a section of {:?}",
                provider.location,
                profile.key
            );
        }
    }
    for account in profile.accounts() {
        let _ = format!("{account:?}");
    }
    let _ = profile.account_order();
    let _ = profile.default_store();
    for issue in profile.validate() {
        assert!(issue.line <= lines, "issue line {} of {lines}", issue.line);
        let _ = issue.to_string();
    }
}

/// The model's value `name` of `key` is what importing the file leaves.
fn agrees(
    file: &RegFile,
    key: &str,
    name: &str,
    raw: &olkit_regfile::Value,
    line: usize,
    lines: usize,
) {
    assert!(
        (1..=lines).contains(&line),
        "{key:?} {name:?} at line {line} of {lines}"
    );
    assert!(
        file.get(key, name) == Some(raw),
        "the model's {key:?} {name:?} is not what the .reg reader's get returns"
    );
}

/// An upper bound on the number of lines, whatever the encoding: line
/// breaks in UTF-8/ANSI or UTF-16LE, counted as bytes (CR and LF each),
/// plus one for the last line.
fn line_count(data: &[u8]) -> usize {
    data.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1
}

/// Invariant 4 (see [`check`]).
fn check_conversion(data: &[u8]) {
    let rules = Rules::builtin();
    let mut probe = |_: &ServerQuery<'_>| ServerStatus::Unreachable {
        reason: "fuzzing".to_string(),
    };
    let mut options = ConvertOptions {
        rules: &rules,
        profiles: ProfileScope::All,
        users: UserScope::All,
        probe: &mut probe,
    };
    let planned = plan(data, &mut options);
    let Ok(conversion) = convert(data, &mut options) else {
        return;
    };
    assert!(
        planned.as_ref().ok() == Some(&conversion.plan),
        "plan and convert disagree"
    );
    let _ = conversion.plan.render_text();
    if conversion.plan.is_empty() {
        assert!(
            conversion.converted == data,
            "an empty plan changed the file"
        );
        return;
    }
    match convert(&conversion.converted, &mut options) {
        Ok(again) => assert!(
            again.plan.is_empty(),
            "converting the converted file changes it again:\n{}",
            again.plan.render_text()
        ),
        Err(e) => panic!("the converted file cannot be converted again: {e:?}"),
    }
}

/// Invariant 3.
fn check_prf(data: &[u8]) {
    let Ok(prf) = PrfFile::parse(data) else {
        return;
    };
    let bytes = prf.to_bytes();
    assert!(
        bytes == data,
        ".prf to_bytes() is not the input:\n  input:  {}\n  output: {}",
        show(data),
        show(&bytes)
    );
    for service in prf.services() {
        let _ = format!("{service:?}");
    }
    for account in prf.accounts() {
        let _ = format!("{account:?}");
    }
    let _ = prf.profile_name();
    let _ = prf.default_profile();
    let _ = format!("{prf:?}");
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

    /// The fixtures keep the invariants too (the check is not vacuous on
    /// realistic input: they hold profiles, services and accounts).
    #[test]
    fn fixtures_keep_the_invariants() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut profiles = 0;
        for name in [
            "kerio-one-user.reg",
            "two-users-both-roots.reg",
            "damaged.reg",
        ] {
            let data = std::fs::read(dir.join(name)).unwrap();
            super::check(&data);
            profiles += olkit_profile_convert::ProfileSet::parse(&data)
                .unwrap()
                .profile_count();
        }
        assert!(profiles >= 5, "{profiles} profiles in the fixtures");
        for entry in std::fs::read_dir(dir.join("prf")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "prf") {
                let data = std::fs::read(&path).unwrap();
                assert!(olkit_profile_convert::PrfFile::parse(&data).is_ok());
                super::check(&data);
            }
        }
    }
}
