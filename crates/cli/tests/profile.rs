//! `olkit profile` on olkit-profile-convert's fixtures, run as a user runs
//! it, checked against what the library itself reads from the same files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use common::olkit;
use olkit_profile_convert::{AccountClass, Location, PrfFile, ProfileSet};
use serde_json::Value;

const SID_A: &str = "S-1-5-21-1004336348-1177238915-682003330-1001";
const SID_B: &str = "S-1-5-21-1004336348-1177238915-682003330-1002";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../profile-convert/tests/fixtures")
        .join(name)
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The fixture copied into `dir`, so that nothing writes beside the original.
fn copy(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(Path::new(name).file_name().unwrap());
    fs::copy(fixture(name), &to).unwrap();
    to
}

/// The text of a file: UTF-16LE with a byte order mark, UTF-8, or else
/// Windows-1252 read as Latin-1 (enough to compare lines).
fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        return String::from_utf16(&units).unwrap();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Every line with the key or section it is in (lowercase; "" before the
/// first), line breaks kept.
fn keyed_lines(bytes: &[u8]) -> Vec<(String, String)> {
    let mut current = String::new();
    decode(bytes)
        .split_inclusive('\n')
        .map(|line| {
            let t = line.trim();
            if t.starts_with('[') && t.ends_with(']') {
                current = t[1..t.len() - 1].trim_start_matches('-').to_lowercase();
            }
            (current.clone(), line.to_owned())
        })
        .collect()
}

/// The lines of `a` missing from `b`, compared as multisets.
fn missing(a: &[(String, String)], b: &[(String, String)]) -> Vec<(String, String)> {
    let mut counts: HashMap<&(String, String), usize> = HashMap::new();
    for line in b {
        *counts.entry(line).or_default() += 1;
    }
    a.iter()
        .filter(|line| match counts.get_mut(line) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .cloned()
        .collect()
}

fn location_key(location: &Location) -> String {
    match location {
        Location::Reg { key } => key.to_lowercase(),
        Location::Prf { section } => section.to_lowercase(),
    }
}

/// The keys (or sections) of the services and accounts a conversion must
/// leave alone: every service but KOC and KOFF ones, with its providers,
/// and every POP3, IMAP and LDAP account.
fn untouchable_keys(bytes: &[u8]) -> HashSet<String> {
    let is_kerio = |name: &Option<String>| {
        name.as_deref()
            .is_some_and(|n| n.to_uppercase().starts_with("KERIO_"))
    };
    let mut keys = HashSet::new();
    let mut add = |services: Vec<olkit_profile_convert::Service>,
                   accounts: Vec<olkit_profile_convert::Account>| {
        for s in services.iter().filter(|s| !is_kerio(&s.name)) {
            keys.insert(location_key(&s.location));
            for p in &s.providers {
                keys.insert(location_key(&p.location));
            }
        }
        for a in accounts.iter().filter(|a| {
            matches!(
                a.class,
                AccountClass::Pop3 | AccountClass::Imap | AccountClass::Ldap
            )
        }) {
            keys.insert(location_key(&a.location));
        }
    };
    if bytes.starts_with(&[0xFF, 0xFE]) && decode(bytes).starts_with("Windows Registry") {
        let set = ProfileSet::parse(bytes).unwrap();
        for (_, _, p) in set.profiles() {
            add(p.services(), p.accounts());
        }
    } else {
        let prf = PrfFile::parse(bytes).unwrap();
        add(prf.services(), prf.accounts());
    }
    keys
}

fn changed_keys(plan: &Value) -> HashSet<String> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_lowercase())
        .collect()
}

fn outcomes(plan: &Value) -> Vec<(String, String)> {
    plan["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["profile"].as_str().unwrap().to_owned(),
                p["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The element of the array `list` whose `key` is `value`.
fn find<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e[key] == value)
        .unwrap_or_else(|| panic!("no {key} {value:?} in {list:#}"))
}

fn outcome_of<'a>(plan: &'a Value, profile: &str) -> &'a Value {
    find(&plan["profiles"], "profile", profile)
}

// -- list

#[test]
fn list_json_matches_the_library_model() {
    for name in [
        "kerio-one-user.reg",
        "two-users-both-roots.reg",
        "damaged.reg",
    ] {
        let path = fixture(name);
        let json = olkit(&["profile", "list", "--json", arg(&path)])
            .ok()
            .json();
        let set = ProfileSet::parse(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(json["kind"], "reg");
        let hives: Vec<&str> = json["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["hive"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = set.users.iter().map(|u| u.hive.as_str()).collect();
        assert_eq!(hives, expected, "{name}");
        let profiles = json["profiles"].as_array().unwrap();
        assert_eq!(profiles.len(), set.profile_count(), "{name}");
        for (p, (user, root, model)) in profiles.iter().zip(set.profiles()) {
            assert_eq!(p["name"], model.name.as_str());
            assert_eq!(p["user"], user.hive.as_str());
            assert_eq!(p["root"], root.key.as_str());
            assert_eq!(p["is_default"], model.is_default);
            let services: Vec<Option<&str>> = p["services"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["name"].as_str())
                .collect();
            let expected: Vec<Option<String>> =
                model.services().into_iter().map(|s| s.name).collect();
            assert_eq!(
                services,
                expected.iter().map(Option::as_deref).collect::<Vec<_>>()
            );
            assert_eq!(
                p["accounts"].as_array().unwrap().len(),
                model.accounts().len()
            );
            assert_eq!(
                p["issues"].as_array().unwrap().len(),
                model.validate().len()
            );
        }
    }
}

#[test]
fn list_shows_users_roots_services_and_accounts() {
    let path = fixture("kerio-one-user.reg");
    let json = olkit(&["profile", "list", "--json", arg(&path)])
        .ok()
        .json();
    assert_eq!(json["users"][0]["hive"], "HKEY_CURRENT_USER");
    assert_eq!(json["users"][0]["roots"][0]["kind"], "office");
    assert_eq!(json["users"][0]["roots"][0]["office_version"], "16.0");
    assert_eq!(json["users"][0]["roots"][0]["default_profile"], "Kerio");
    let kerio = &json["profiles"][0];
    assert_eq!(kerio["name"], "Kerio");
    assert_eq!(kerio["is_default"], true);
    let koc = find(&kerio["services"], "name", "KERIO_KOC");
    assert_eq!(koc["dll"], "koc.dll");
    assert_eq!(koc["display_name"], "Kerio Outlook Connector");
    assert_eq!(koc["uid"], "6e1c2a0b9f3d4e8aa1b2c3d4e5f60718");
    let imap = find(&kerio["accounts"], "class", "imap");
    assert_eq!(imap["name"], "Home IMAP");
    assert_eq!(imap["server"], "imap.example.org");
    assert_eq!(imap["user"], "jane");
    assert!(kerio["issues"].as_array().unwrap().is_empty());

    let text = olkit(&["profile", "list", arg(&path)]).ok().text();
    for expected in [
        "1 user, 2 profiles",
        "user HKEY_CURRENT_USER",
        "DefaultProfile \"Kerio\"",
        "profile \"Kerio\" (default)",
        "\"KERIO_KOC\"",
        "DLL \"koc.dll\"",
        "server \"imap.example.org\"",
        "issues: none",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // Passwords are neither named nor shown, in any form.
    let bytes = fs::read(&path).unwrap();
    let secret_line = keyed_lines(&bytes)
        .into_iter()
        .find(|(_, l)| l.starts_with("\"IMAP Password\"="))
        .unwrap()
        .1;
    let first_bytes: String = secret_line["\"IMAP Password\"=hex:".len()..]
        .split(',')
        .take(4)
        .collect();
    for shown in [
        text.clone(),
        olkit(&["profile", "list", "--json", arg(&path)])
            .ok()
            .text(),
    ] {
        assert!(!shown.contains("Password"), "{shown}");
        assert!(!shown.to_lowercase().contains(&first_bytes), "{shown}");
    }
}

#[test]
fn list_reads_several_users_and_both_roots() {
    let path = fixture("two-users-both-roots.reg");
    let json = olkit(&["profile", "list", "--json", arg(&path)])
        .ok()
        .json();
    let users = json["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0]["sid"], SID_A);
    assert_eq!(users[0]["roots"][0]["office_version"], "15.0");
    assert_eq!(users[1]["sid"], SID_B);
    assert_eq!(users[1]["roots"][0]["kind"], "legacy");
    let names: Vec<&str> = json["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Work"), "{names:?}");
    assert!(names.contains(&"MS Exchange Settings"), "{names:?}");
    let text = olkit(&["profile", "list", arg(&path)]).ok().text();
    assert!(text.contains(&format!("(SID {SID_B})")), "{text}");
    assert!(text.contains("legacy root"), "{text}");
}

#[test]
fn list_reports_the_problems_of_a_damaged_export() {
    let path = fixture("damaged.reg");
    let run = olkit(&["profile", "list", "--json", arg(&path)]).ok();
    let json = run.json();
    let issues: Vec<&Value> = json["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["issues"].as_array().unwrap())
        .collect();
    assert!(!issues.is_empty());
    for issue in &issues {
        assert!(!issue["kind"].as_str().unwrap().is_empty(), "{issue}");
        assert!(issue["message"]
            .as_str()
            .unwrap()
            .contains(issue["key"].as_str().unwrap()));
    }
    let kinds: HashSet<&str> = issues.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains("store_without_section"), "{kinds:?}");
    let text = olkit(&["profile", "list", arg(&path)]).ok().text();
    assert!(text.contains("issues:\n"), "{text}");
    for issue in issues {
        assert!(text.contains(issue["message"].as_str().unwrap()), "{text}");
    }
}

#[test]
fn list_reads_prf_files_in_every_encoding() {
    let json = olkit(&["profile", "list", "--json", arg(&fixture("prf/koc.prf"))])
        .ok()
        .json();
    assert_eq!(json["kind"], "prf");
    assert!(json["users"].as_array().unwrap().is_empty());
    let profile = &json["profiles"][0];
    assert_eq!(profile["name"], "Kerio");
    assert_eq!(profile["is_default"], true);
    assert!(profile["services"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "KERIO_KOC"));
    assert_eq!(profile["accounts"][0]["class"], "imap");
    assert_eq!(profile["accounts"][0]["server"], "imap.private.example");

    // UTF-16LE with a byte order mark is a .prf too when it has no .reg header.
    let json = olkit(&[
        "profile",
        "list",
        "--json",
        arg(&fixture("prf/pop3-pst.prf")),
    ])
    .ok()
    .json();
    assert_eq!(json["kind"], "prf");
    let prf = PrfFile::parse(&fs::read(fixture("prf/pop3-pst.prf")).unwrap()).unwrap();
    assert_eq!(
        json["profiles"][0]["accounts"].as_array().unwrap().len(),
        prf.accounts().len()
    );
}

#[test]
fn unreadable_input_fails_with_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.reg");
    for verb in ["list", "plan"] {
        let run = olkit(&["profile", verb, arg(&missing)]);
        assert_eq!(run.code, Some(1), "{verb}");
        assert!(run.stderr.contains("missing.reg"), "{}", run.stderr);
    }
    let run = olkit(&[
        "profile",
        "convert",
        arg(&missing),
        "--out",
        arg(&dir.path().join("new.reg")),
        "--undo",
        arg(&dir.path().join("undo.reg")),
    ]);
    assert_eq!(run.code, Some(1));
    assert!(!dir.path().join("new.reg").exists());

    // A .reg export that is not valid UTF-16LE (an odd byte at the end).
    let mut odd =
        common::utf16("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\x]\r\n");
    odd.push(b'x');
    let broken = common::write(dir.path(), "broken.reg", &odd);
    for verb in ["list", "plan"] {
        let run = olkit(&["profile", verb, &broken]);
        assert_eq!(run.code, Some(1), "{verb}");
        assert!(run.stderr.contains("broken.reg"), "{}", run.stderr);
    }
    // Neither a .reg header nor a single .prf section.
    let neither = common::write(dir.path(), "neither.txt", b"\x00\x01 not a profile\n");
    for verb in ["list", "plan"] {
        let run = olkit(&["profile", verb, &neither]);
        assert_eq!(run.code, Some(1), "{verb}");
        assert!(
            run.stderr.contains("neither a .reg export"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn list_warns_about_skipped_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = decode(&fs::read(fixture("kerio-one-user.reg")).unwrap());
    text.push_str("\r\n[HKEY_CURRENT_USER\\Software\\olkit]\r\n\"bad\"=hex:zz\r\n");
    let path = common::write(dir.path(), "skipped.reg", &common::utf16(&text));
    let run = olkit(&["profile", "list", "--json", &path]).ok();
    assert!(run.stderr.contains("warning: "), "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["warnings"].as_array().unwrap().len(), 1, "{json:#}");
    assert_eq!(json["profiles"].as_array().unwrap().len(), 2);
}

// -- plan

#[test]
fn plan_without_a_server_flag_means_unreachable() {
    let path = fixture("kerio-one-user.reg");
    let default = olkit(&["profile", "plan", "--json", arg(&path)])
        .ok()
        .json();
    let unreachable = olkit(&[
        "profile",
        "plan",
        "--json",
        "--server-unreachable",
        arg(&path),
    ])
    .ok()
    .json();
    assert_eq!(default, unreachable);
    assert_eq!(default["server_version"], Value::Null);
    assert_eq!(default["kind"], "reg");
    assert_eq!(default["converted_profiles"], 1);
    let kerio = outcome_of(&default, "Kerio");
    assert_eq!(kerio["outcome"], "converted");
    assert_eq!(kerio["server_configured"], false);
    assert!(!kerio["finish_later"].as_array().unwrap().is_empty());
    assert!(!default["changes"].as_array().unwrap().is_empty());

    let text = olkit(&["profile", "plan", arg(&path)]).ok().text();
    assert!(text.contains("unreachable"), "{text}");
    assert!(text.contains("to finish: "), "{text}");
    let help = olkit(&["profile", "plan", "--help"]).ok().text();
    assert!(help.contains("unreachable"), "{help}");
}

#[test]
fn plan_with_a_recent_server_configures_the_account() {
    let path = fixture("kerio-one-user.reg");
    let json = olkit(&[
        "profile",
        "plan",
        "--json",
        "--server-version",
        "7.4.1",
        arg(&path),
    ])
    .ok()
    .json();
    assert_eq!(json["server_version"], "7.4.1");
    let kerio = outcome_of(&json, "Kerio");
    assert_eq!(kerio["outcome"], "converted");
    assert_eq!(kerio["server_configured"], true);
    assert_eq!(json["blocked_profiles"], 0);
}

#[test]
fn plan_with_an_old_server_blocks_and_exits_0() {
    let path = fixture("kerio-one-user.reg");
    let run = olkit(&[
        "profile",
        "plan",
        "--json",
        "--server-version",
        "6.4.9",
        arg(&path),
    ])
    .ok();
    let json = run.json();
    assert_eq!(outcome_of(&json, "Kerio")["outcome"], "blocked");
    assert_eq!(json["blocked_profiles"], 1);
    assert_eq!(json["converted_profiles"], 0);
    assert!(json["changes"].as_array().unwrap().is_empty());
    let text = olkit(&["profile", "plan", "--server-version", "6.4.9", arg(&path)])
        .ok()
        .text();
    assert!(text.contains("blocked"), "{text}");
}

#[test]
fn plan_flags_are_checked() {
    let path = fixture("kerio-one-user.reg");
    for args in [
        &["--server-version", "seven"][..],
        &["--server-version", "7..1"],
        &["--server-version", "7.4.1", "--server-unreachable"],
        &["--profile", "Kerio", "--default-profile"],
    ] {
        let mut all = vec!["profile", "plan", arg(&path)];
        all.extend_from_slice(args);
        assert_eq!(olkit(&all).code, Some(2), "{args:?}");
    }
}

#[test]
fn plan_scope_by_profile_and_user() {
    let path = fixture("two-users-both-roots.reg");
    let all = olkit(&["profile", "plan", "--json", arg(&path)])
        .ok()
        .json();
    assert_eq!(outcome_of(&all, "Work")["outcome"], "converted");

    let named = olkit(&[
        "profile",
        "plan",
        "--json",
        "--profile",
        "MS Exchange Settings",
        arg(&path),
    ])
    .ok()
    .json();
    assert_eq!(outcome_of(&named, "Work")["outcome"], "out_of_scope");
    assert!(named["changes"].as_array().unwrap().is_empty());

    let default = olkit(&["profile", "plan", "--json", "--default-profile", arg(&path)])
        .ok()
        .json();
    assert_eq!(outcome_of(&default, "Work")["outcome"], "converted");

    let other_user = olkit(&["profile", "plan", "--json", "--user", SID_B, arg(&path)])
        .ok()
        .json();
    assert_eq!(outcome_of(&other_user, "Work")["outcome"], "out_of_scope");
    let this_user = olkit(&["profile", "plan", "--json", "--user", SID_A, arg(&path)])
        .ok()
        .json();
    assert_eq!(outcome_of(&this_user, "Work")["outcome"], "converted");
    assert_eq!(this_user["changes"], all["changes"]);
}

#[test]
fn bad_rules_fail_with_code_1_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture("kerio-one-user.reg");
    let builtin = olkit_profile_convert::BUILTIN_RULES;
    // The built-in rules given as a file plan the same.
    let same = common::write(dir.path(), "same.ini", builtin.as_bytes());
    assert_eq!(
        olkit(&["profile", "plan", "--json", "--rules", &same, arg(&path)])
            .ok()
            .json()["changes"],
        olkit(&["profile", "plan", "--json", arg(&path)])
            .ok()
            .json()["changes"]
    );
    // An unknown section at a known line.
    let line = builtin.lines().count() + 2;
    let bad = common::write(
        dir.path(),
        "bad.ini",
        format!("{builtin}\n[No Such Section]\nKey=1\n").as_bytes(),
    );
    let run = olkit(&["profile", "plan", "--rules", &bad, arg(&path)]);
    run.fails(1, "bad.ini");
    assert!(
        run.stderr.contains(&format!("line {line}")),
        "{}",
        run.stderr
    );
    let run = olkit(&[
        "profile",
        "convert",
        "--rules",
        &bad,
        arg(&path),
        "--out",
        arg(&dir.path().join("new.reg")),
        "--undo",
        arg(&dir.path().join("undo.reg")),
    ]);
    assert_eq!(run.code, Some(1));
    assert!(!dir.path().join("new.reg").exists());
    // Rules that cannot be read at all.
    let run = olkit(&[
        "profile",
        "plan",
        "--rules",
        arg(&dir.path().join("none.ini")),
        arg(&path),
    ]);
    run.fails(1, "none.ini");
}

// -- convert

/// Converts `input` into `dir/new.EXT` and `dir/undo.EXT`, returning the
/// JSON report and both paths.
fn convert(dir: &Path, input: &Path, extra: &[&str]) -> (Value, PathBuf, PathBuf) {
    let ext = input.extension().unwrap().to_str().unwrap();
    let stem = input.file_stem().unwrap().to_str().unwrap();
    let new = dir.join(format!("{stem}-new.{ext}"));
    let undo = dir.join(format!("{stem}-undo.{ext}"));
    let mut args = vec![
        "profile",
        "convert",
        "--json",
        arg(input),
        "--out",
        arg(&new),
        "--undo",
        arg(&undo),
    ];
    args.extend_from_slice(extra);
    let json = olkit(&args).ok().json();
    (json, new, undo)
}

/// NEW differs from FILE only in keys the plan names, and never in those
/// of other services and accounts.
fn assert_only_koc_changed(before: &[u8], after: &[u8], plan: &Value) {
    let (a, b) = (keyed_lines(before), keyed_lines(after));
    let changed = changed_keys(plan);
    assert!(!changed.is_empty());
    let untouchable = untouchable_keys(before);
    assert!(!untouchable.is_empty());
    for key in &untouchable {
        assert!(!changed.contains(key), "{key} is changed: {plan:#}");
    }
    for (key, line) in missing(&a, &b).iter().chain(&missing(&b, &a)) {
        assert!(
            changed.contains(key),
            "line {line:?} of [{key}] changed, but the plan does not name that key"
        );
        assert!(!untouchable.contains(key), "[{key}] changed: {line:?}");
    }
}

#[test]
fn convert_reg_changes_only_the_koc_service() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["kerio-one-user.reg", "two-users-both-roots.reg"] {
        let input = copy(dir.path(), name);
        let before = fs::read(&input).unwrap();
        let (json, new, undo) = convert(dir.path(), &input, &[]);
        assert_eq!(fs::read(&input).unwrap(), before, "the input is left alone");
        let after = fs::read(&new).unwrap();
        assert_eq!(json["out_bytes"], after.len());
        assert_eq!(json["undo_bytes"], fs::read(&undo).unwrap().len());
        assert!(json["converted_profiles"].as_u64().unwrap() >= 1);
        assert_only_koc_changed(&before, &after, &json);
        // Both are .reg files the library reads again.
        ProfileSet::parse(&after).unwrap();
        olkit_regfile::RegFile::parse(&fs::read(&undo).unwrap()).unwrap();
        // The KOC secret is carried over byte for byte and never shown.
        let secret = keyed_lines(&before)
            .into_iter()
            .find(|(_, l)| l.starts_with("\"010267f0\"="))
            .map(|(_, l)| l);
        if let Some(secret) = secret {
            assert!(decode(&after).contains(&secret), "{name}: secret line lost");
            let hex = secret["\"010267f0\"=hex:".len()..]
                .split(',')
                .take(4)
                .collect::<String>();
            assert!(!json.to_string().contains(&hex), "{json:#}");
        }
        // No temporary file is left beside the outputs.
        for entry in fs::read_dir(dir.path()).unwrap() {
            let name = entry.unwrap().file_name();
            assert!(
                !name.to_string_lossy().ends_with(".partial"),
                "{name:?} left behind"
            );
        }
    }
}

#[test]
fn converting_again_changes_nothing_and_says_already_koff() {
    let dir = tempfile::tempdir().unwrap();
    let input = copy(dir.path(), "kerio-one-user.reg");
    let (_, new, _) = convert(dir.path(), &input, &["--server-version", "7.4.1"]);
    let plan = olkit(&["profile", "plan", "--json", arg(&new)]).ok().json();
    assert!(plan["changes"].as_array().unwrap().is_empty(), "{plan:#}");
    assert_eq!(
        outcomes(&plan),
        [
            ("Kerio".to_owned(), "already_koff".to_owned()),
            ("Outlook".to_owned(), "no_koc".to_owned())
        ]
    );
    let text = olkit(&["profile", "plan", arg(&new)]).ok().text();
    assert!(text.contains("already KOFF"), "{text}");

    let again_dir = dir.path().join("again");
    fs::create_dir(&again_dir).unwrap();
    let (json, again, _) = convert(&again_dir, &new, &[]);
    assert_eq!(json["converted_profiles"], 0);
    assert_eq!(fs::read(&again).unwrap(), fs::read(&new).unwrap());
    let out = dir.path().join("third.reg");
    let text = olkit(&[
        "profile",
        "convert",
        arg(&new),
        "--out",
        arg(&out),
        "--undo",
        arg(&dir.path().join("third-undo.reg")),
    ])
    .ok()
    .text();
    assert!(text.contains("nothing needed converting"), "{text}");
}

#[test]
fn convert_blocked_by_an_old_server_exits_0_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = copy(dir.path(), "kerio-one-user.reg");
    let (json, new, _) = convert(dir.path(), &input, &["--server-version", "6.0"]);
    assert_eq!(json["blocked_profiles"], 1);
    assert_eq!(fs::read(&new).unwrap(), fs::read(&input).unwrap());
    let text = olkit(&[
        "profile",
        "convert",
        arg(&input),
        "--server-version",
        "6.0",
        "--out",
        arg(&new),
        "--undo",
        arg(&dir.path().join("undo-2.reg")),
    ])
    .ok()
    .text();
    assert!(text.contains("blocked"), "{text}");
    assert!(text.contains("nothing was converted"), "{text}");
}

#[test]
fn convert_refuses_to_overwrite_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = copy(dir.path(), "kerio-one-user.reg");
    let before = fs::read(&input).unwrap();
    let other = dir.path().join("other.reg");
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    // The same file under another spelling.
    let spelled = sub.join("..").join("kerio-one-user.reg");
    for (out, undo) in [
        (input.clone(), other.clone()),
        (other.clone(), input.clone()),
        (spelled.clone(), other.clone()),
        (other.clone(), other.clone()),
    ] {
        let run = olkit(&[
            "profile",
            "convert",
            arg(&input),
            "--out",
            arg(&out),
            "--undo",
            arg(&undo),
        ]);
        assert_eq!(run.code, Some(2), "{out:?} {undo:?}: {}", run.stderr);
        assert!(run.stderr.contains("olkit: "), "{}", run.stderr);
        assert_eq!(fs::read(&input).unwrap(), before);
        assert!(!other.exists());
    }
    // --out and --undo are required.
    for args in [&["--out", arg(&other)][..], &["--undo", arg(&other)], &[]] {
        let mut all = vec!["profile", "convert", arg(&input)];
        all.extend_from_slice(args);
        assert_eq!(olkit(&all).code, Some(2), "{args:?}");
    }
}

#[test]
fn convert_fails_with_code_1_when_it_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let input = copy(dir.path(), "kerio-one-user.reg");
    let nowhere = dir.path().join("no-such-dir");
    let run = olkit(&[
        "profile",
        "convert",
        arg(&input),
        "--out",
        arg(&dir.path().join("new.reg")),
        "--undo",
        arg(&nowhere.join("undo.reg")),
    ]);
    run.fails(1, "no-such-dir");
    assert!(!dir.path().join("new.reg").exists(), "NEW without its UNDO");
}

#[test]
fn convert_prf() {
    let dir = tempfile::tempdir().unwrap();
    let input = copy(dir.path(), "prf/koc.prf");
    let before = fs::read(&input).unwrap();
    let (json, new, undo) = convert(dir.path(), &input, &["--server-version", "7.0.0"]);
    assert_eq!(json["kind"], "prf");
    assert_eq!(json["converted_profiles"], 1);
    let after = fs::read(&new).unwrap();
    assert_only_koc_changed(&before, &after, &json);
    let converted = PrfFile::parse(&after).unwrap();
    assert!(converted
        .services()
        .iter()
        .any(|s| s.name.as_deref() == Some("KERIO_KOFF")));
    assert!(!converted
        .services()
        .iter()
        .any(|s| s.name.as_deref() == Some("KERIO_KOC")));
    PrfFile::parse(&fs::read(&undo).unwrap()).unwrap();

    let again = olkit(&["profile", "plan", "--json", arg(&new)]).ok().json();
    assert!(again["changes"].as_array().unwrap().is_empty(), "{again:#}");
    assert_eq!(outcomes(&again)[0].1, "already_koff");

    // A .prf without KOC is left as it is.
    let imap = copy(dir.path(), "prf/imap.prf");
    let (json, new, _) = convert(dir.path(), &imap, &[]);
    assert_eq!(json["converted_profiles"], 0);
    assert_eq!(fs::read(&new).unwrap(), fs::read(&imap).unwrap());
}

#[test]
fn demo_converts_the_example_koc_profile() {
    let json = olkit(&["demo", "--json"]).ok().json();
    let p = &json["profile"];
    assert_eq!(p["plan"]["profiles"][0]["outcome"], "converted");
    assert!(!p["plan"]["changes"].as_array().unwrap().is_empty());
    assert!(p["again"]["changes"].as_array().unwrap().is_empty());
    assert_eq!(p["again"]["profiles"][0]["outcome"], "already_koff");
    assert!(p["lines_kept"].as_u64().unwrap() > p["lines_removed"].as_u64().unwrap());
    let export =
        fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/koc-profiles.reg"))
            .unwrap();
    assert_eq!(p["export"]["bytes"], export.len());
    let before: Vec<&str> = p["before"][0]["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let after: Vec<&str> = p["after"][0]["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(before.contains(&"KERIO_KOC") && !before.contains(&"KERIO_KOFF"));
    assert!(after.contains(&"KERIO_KOFF") && !after.contains(&"KERIO_KOC"));
}
