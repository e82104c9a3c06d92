#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The KOC -> KOFF conversion over the committed fixtures: exactly the
//! values the rules name change, every other line stays byte-identical,
//! secrets are carried, the probe's three outcomes, scopes, idempotence,
//! undo, custom and broken rules, and `.prf` files.

#[path = "support/profile_fixtures.rs"]
mod profile_fixtures;

use std::path::PathBuf;

use olkit_profile_convert::{
    convert, plan, ChangeAction, Conversion, ConvertOptions, Error, ExportKind, MapiValue, Plan,
    PrfFile, ProfileOutcome, ProfilePlan, ProfileScope, ProfileSet, PropTag, Rules, ServerQuery,
    ServerStatus, UserScope, Values,
};
use olkit_regfile::{RegFile, Value};
use profile_fixtures::*;
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(path).unwrap()
}

fn reachable(version: &str) -> impl FnMut(&ServerQuery<'_>) -> ServerStatus + '_ {
    move |_| ServerStatus::Reachable {
        version: version.to_string(),
    }
}

fn unreachable(_: &ServerQuery<'_>) -> ServerStatus {
    ServerStatus::Unreachable {
        reason: "connection refused".to_string(),
    }
}

/// Converts with the given rules, scopes and probe.
fn run_with(
    bytes: &[u8],
    rules: &Rules,
    profiles: ProfileScope,
    users: UserScope,
    probe: &mut dyn FnMut(&ServerQuery<'_>) -> ServerStatus,
) -> Conversion {
    let mut options = ConvertOptions {
        rules,
        profiles,
        users,
        probe,
    };
    convert(bytes, &mut options).unwrap()
}

fn run(bytes: &[u8], probe: &mut dyn FnMut(&ServerQuery<'_>) -> ServerStatus) -> Conversion {
    run_with(
        bytes,
        &Rules::builtin(),
        ProfileScope::All,
        UserScope::All,
        probe,
    )
}

/// The plan of the profile called `name`.
fn profile_plan<'a>(plan: &'a Plan, name: &str) -> &'a ProfilePlan {
    plan.profiles.iter().find(|p| p.profile == name).unwrap()
}

/// The file's lines as text (UTF-16LE with BOM, CRLF), numbered from 1.
fn lines(bytes: &[u8]) -> Vec<String> {
    assert_eq!(&bytes[..2], &[0xFF, 0xFE]);
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16(&units)
        .unwrap()
        .split("\r\n")
        .map(str::to_string)
        .collect()
}

/// Values of a file as importing it leaves them: (key, name) -> value,
/// names folded as Windows compares them.
fn semantics(bytes: &[u8]) -> Vec<(String, String, Value)> {
    let file = RegFile::parse(bytes).unwrap();
    let mut out = Vec::new();
    for key in file.keys() {
        assert!(!key.is_deletion());
        for entry in key.entries() {
            let value = file.get(key.path(), entry.name()).unwrap().clone();
            out.push((
                key.path().to_ascii_uppercase(),
                entry.name().to_ascii_uppercase(),
                value,
            ));
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    out
}

/// Imports `undo` over `converted` with olkit-regfile's edits, as `reg
/// import` would: values set, `"name"=-` deleted, `[-KEY]` removed.
fn import(converted: &[u8], undo: &[u8]) -> RegFile {
    let mut file = RegFile::parse(converted).unwrap();
    let undo = RegFile::parse(undo).unwrap();
    for key in undo.keys() {
        if key.is_deletion() {
            file.delete_key(key.path()).unwrap();
            continue;
        }
        for entry in key.entries() {
            match entry.value() {
                Some(value) => file
                    .set_value(key.path(), entry.name(), value.clone())
                    .unwrap(),
                None => {
                    assert!(file.delete_value(key.path(), entry.name()).unwrap());
                }
            }
        }
    }
    file
}

const KERIO: &str = r"HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Outlook\Profiles\Kerio";

fn key(profile: &str, section: &str) -> String {
    format!(r"{profile}\{section}")
}

/// What the built-in rules write into the fixture's KOC service, provider
/// sections and nothing else, as the lines regedit writes for them.
fn expected_kerio_lines(server_configured: bool) -> Vec<(String, String)> {
    expected_kerio(server_configured).1
}

fn expected_file(server_configured: bool) -> RegFile {
    expected_kerio(server_configured).0
}

fn expected_kerio(server_configured: bool) -> (RegFile, Vec<(String, String)>) {
    let svc = key(KERIO, KOC_SVC);
    let store = key(KERIO, KOC_STORE);
    let xp = key(KERIO, KOC_XP);
    let mut file = RegFile::new(olkit_regfile::Format::Regedit5);
    let mut out = Vec::new();
    let mut put = |k: &str, name: &str, value: Value| {
        file.add_key(k).unwrap();
        file.set_value(k, name, value).unwrap();
        out.push((k.to_string(), name.to_string()));
    };
    put(
        &svc,
        "001e3001",
        string8("Kerio Outlook Connector (Offline Edition)"),
    );
    put(&svc, "001e3d09", string8("KERIO_KOFF"));
    put(&svc, "001e3d0a", string8("koff.dll"));
    put(
        &svc,
        "001f6607",
        unicode(r"%LOCALAPPDATA%\Kerio\Outlook Connector\Kerio"),
    );
    if !server_configured {
        put(&svc, "000b6650", Value::binary(vec![1, 0]));
    }
    put(&store, "001e300a", string8("koff.dll"));
    put(&xp, "001e300a", string8("koff.dll"));
    (file, out)
}

#[test]
fn builtin_rules_parse_and_name_the_minimum() {
    let rules = Rules::parse(olkit_profile_convert::BUILTIN_RULES.as_bytes()).unwrap();
    assert_eq!(rules.minimum_server_version(), "6.5.0");
    assert_eq!(rules, Rules::builtin());
}

#[test]
fn koc_profile_converts_exactly_as_the_rules_say() {
    let original = fixture("kerio-one-user.reg");
    let done = run(&original, &mut reachable("7.4.1"));
    let plan = &done.plan;
    assert_eq!(plan.kind, ExportKind::Reg);
    assert_eq!(plan.converted_count(), 1);
    assert_eq!(plan.blocked_count(), 0);
    let kerio = profile_plan(plan, "Kerio");
    assert_eq!(
        kerio.outcome,
        ProfileOutcome::Converted {
            server_configured: true
        }
    );
    assert!(kerio.finish_later.is_empty());
    let outlook = profile_plan(plan, "Outlook");
    assert_eq!(outlook.outcome, ProfileOutcome::NoKoc);

    // The plan names exactly the expected values.
    let expected = expected_kerio_lines(true);
    let planned: Vec<(String, String)> = plan
        .changes
        .iter()
        .map(|c| (c.key.clone(), c.value.clone().unwrap()))
        .collect();
    let mut a = planned.clone();
    let mut b = expected.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b, "{}", plan.render_text());
    let display = plan
        .changes
        .iter()
        .find(|c| c.value.as_deref() == Some("001e3d09"))
        .unwrap();
    assert_eq!(display.action, ChangeAction::Set);
    assert_eq!(display.old.as_deref(), Some("\"KERIO_KOC\""));
    assert_eq!(display.new.as_deref(), Some("\"KERIO_KOFF\""));

    // The converted file reads back with those values, every other value as it was.
    let before = ProfileSet::parse(&original).unwrap();
    let after = ProfileSet::parse(&done.converted).unwrap();
    let (_, _, p) = after
        .profiles()
        .find(|(_, _, p)| p.name == "Kerio")
        .unwrap();
    let svc = p
        .section(&olkit_profile_convert::Uid::parse(KOC_SVC).unwrap())
        .unwrap();
    assert_eq!(
        svc.text_prop(PropTag::PR_SERVICE_NAME).unwrap(),
        "KERIO_KOFF"
    );
    assert_eq!(
        svc.text_prop(PropTag::PR_SERVICE_DLL_NAME).unwrap(),
        "koff.dll"
    );
    assert_eq!(
        svc.text_prop(0x6607).unwrap(),
        r"%LOCALAPPDATA%\Kerio\Outlook Connector\Kerio"
    );
    let services = p.services();
    let koff = services
        .iter()
        .find(|s| s.name.as_deref() == Some("KERIO_KOFF"))
        .unwrap();
    assert_eq!(koff.uid, olkit_profile_convert::Uid::parse(KOC_SVC));
    assert_eq!(koff.providers.len(), 2);
    assert!(koff
        .providers
        .iter()
        .all(|p| p.dll.as_deref() == Some("koff.dll")));
    assert!(p.validate().is_empty(), "{:?}", p.validate());
    // The KOC account still points at the (same) service; the default store is unchanged.
    let account = p
        .accounts()
        .into_iter()
        .find(|a| a.id == "00000001")
        .unwrap();
    assert_eq!(account.service_uid, koff.uid);
    assert_eq!(
        p.default_store().unwrap().uids,
        vec![olkit_profile_convert::Uid::parse(KOC_STORE).unwrap()]
    );
    let count = |s: &ProfileSet| s.profile_count();
    assert_eq!(count(&before), count(&after));

    // Line by line: outside the touched values' lines, both files are
    // byte-identical; the touched lines are exactly what regedit writes
    // for the new values.
    let (old_rest, _) = split_lines(&original, &expected);
    let (new_rest, new_touched) = split_lines(&done.converted, &expected);
    assert_eq!(old_rest.len(), new_rest.len());
    for (a, b) in old_rest.iter().zip(&new_rest) {
        assert_eq!(a, b);
    }
    let reference = expected_file(true).to_bytes();
    let (_, wanted) = split_lines(&reference, &expected);
    assert_eq!(new_touched, wanted);
}

/// A touched value's key, name and lines.
type Touched = (String, String, Vec<String>);

/// The lines of `bytes` outside the assignments of `values` (each with its
/// continuation lines), and those assignments' lines, by value.
fn split_lines(bytes: &[u8], values: &[(String, String)]) -> (Vec<String>, Vec<Touched>) {
    let all = lines(bytes);
    let file = RegFile::parse(bytes).unwrap();
    let mut spans = Vec::new();
    for (k, name) in values {
        let Some(key) = file.keys().rev().find(|x| x.path() == k.as_str()) else {
            continue;
        };
        let Some(entry) = key.entries().find(|e| e.name() == name) else {
            continue;
        };
        let start = entry.line() - 1;
        let mut end = start;
        while all[end].ends_with('\\') {
            end += 1;
        }
        spans.push((k.clone(), name.clone(), start, end));
    }
    let mut rest = Vec::new();
    for (i, line) in all.iter().enumerate() {
        if !spans.iter().any(|(_, _, s, e)| (*s..=*e).contains(&i)) {
            rest.push(line.clone());
        }
    }
    let mut touched: Vec<Touched> = spans
        .into_iter()
        .map(|(k, n, s, e)| (k, n, all[s..=e].to_vec()))
        .collect();
    touched.sort();
    (rest, touched)
}

#[test]
fn other_accounts_services_users_and_secrets_stay_byte_identical() {
    for name in ["kerio-one-user.reg", "two-users-both-roots.reg"] {
        let original = fixture(name);
        let done = run(&original, &mut unreachable);
        let before = semantics(&original);
        let after = semantics(&done.converted);
        let touched: Vec<(String, String)> = done
            .plan
            .changes
            .iter()
            .map(|c| {
                (
                    c.key.to_ascii_uppercase(),
                    c.value.clone().unwrap().to_ascii_uppercase(),
                )
            })
            .collect();
        for (k, n, v) in &before {
            if touched.contains(&(k.clone(), n.clone())) {
                continue;
            }
            let kept = after.iter().find(|(k2, n2, _)| k2 == k && n2 == n).unwrap();
            assert_eq!(&kept.2, v, "[{k}] {n}");
        }
        // Secrets are never touched and never shown.
        for c in &done.plan.changes {
            let tag = PropTag::parse(c.value.as_deref().unwrap()).unwrap();
            assert!(!tag.is_secret());
        }
        let text = done.plan.render_text();
        assert!(!text.to_lowercase().contains("password"), "{text}");
        // Only the KOC service's own sections change.
        for c in &done.plan.changes {
            assert!(
                [KOC_SVC, KOC_STORE, KOC_XP]
                    .iter()
                    .any(|s| c.key.ends_with(s)),
                "{}",
                c.key
            );
        }
    }
}

#[test]
fn unreachable_server_converts_and_says_what_to_finish() {
    let original = fixture("kerio-one-user.reg");
    let mut asked = Vec::new();
    let mut probe = |q: &ServerQuery<'_>| {
        asked.push((
            q.user.to_string(),
            q.profile.to_string(),
            q.server.map(str::to_string),
            q.ssl,
        ));
        ServerStatus::Unreachable {
            reason: "timed out".to_string(),
        }
    };
    let done = run(&original, &mut probe);
    assert_eq!(
        asked,
        vec![(
            "HKEY_CURRENT_USER".to_string(),
            "Kerio".to_string(),
            Some("mail.example.com".to_string()),
            Some(true)
        )]
    );
    let kerio = &done.plan.profiles[0];
    assert_eq!(
        kerio.outcome,
        ProfileOutcome::Converted {
            server_configured: false
        }
    );
    let finish = kerio.finish_later.join("\n");
    assert!(finish.contains("timed out"), "{finish}");
    assert!(finish.contains("mail.example.com"), "{finish}");
    assert!(finish.contains("\"Kerio\""), "{finish}");
    let mut planned: Vec<(String, String)> = done
        .plan
        .changes
        .iter()
        .map(|c| (c.key.clone(), c.value.clone().unwrap()))
        .collect();
    let mut expected = expected_kerio_lines(false);
    planned.sort();
    expected.sort();
    assert_eq!(planned, expected);
    let text = done.plan.render_text();
    assert!(text.contains("server configuration to finish"), "{text}");
}

#[test]
fn old_server_blocks_the_profile_and_changes_nothing() {
    let original = fixture("kerio-one-user.reg");
    for version in ["6.4.1", "5.0", "not a version"] {
        let done = run(&original, &mut reachable(version));
        assert_eq!(done.converted, original, "{version}");
        assert!(done.plan.is_empty());
        assert_eq!(done.plan.blocked_count(), 1);
        let ProfileOutcome::Blocked { reason } = &done.plan.profiles[0].outcome else {
            panic!("{:?}", done.plan.profiles[0]);
        };
        assert!(reason.contains("6.5.0"), "{reason}");
    }
    let done = run(&original, &mut reachable("6.5.0"));
    assert_eq!(done.plan.converted_count(), 1);
}

#[test]
fn scopes_choose_profiles_and_users() {
    let original = fixture("two-users-both-roots.reg");
    let all = run(&original, &mut unreachable);
    assert_eq!(all.plan.converted_count(), 1);
    let work = profile_plan(&all.plan, "Work");
    assert_eq!(work.user, format!(r"HKEY_USERS\{SID_A}"));

    let rules = Rules::builtin();
    for users in [
        UserScope::Only(SID_B.to_string()),
        UserScope::Only(format!(r"HKEY_USERS\{SID_B}")),
        UserScope::Only("HKEY_CURRENT_USER".to_string()),
    ] {
        let done = run_with(
            &original,
            &rules,
            ProfileScope::All,
            users.clone(),
            &mut unreachable,
        );
        assert!(done.plan.is_empty(), "{users:?}");
        assert_eq!(done.converted, original);
        let work = profile_plan(&done.plan, "Work");
        assert_eq!(work.outcome, ProfileOutcome::OutOfScope);
    }
    let done = run_with(
        &original,
        &rules,
        ProfileScope::All,
        UserScope::Only(SID_A.to_lowercase()),
        &mut unreachable,
    );
    assert_eq!(done.plan.converted_count(), 1);

    let kerio = fixture("kerio-one-user.reg");
    let named = |names: &[&str]| ProfileScope::Named(names.iter().map(|s| s.to_string()).collect());
    let done = run_with(
        &kerio,
        &rules,
        named(&["outlook"]),
        UserScope::All,
        &mut unreachable,
    );
    assert!(done.plan.is_empty());
    let done = run_with(
        &kerio,
        &rules,
        named(&["KERIO"]),
        UserScope::All,
        &mut unreachable,
    );
    assert_eq!(done.plan.converted_count(), 1);
    let done = run_with(
        &kerio,
        &rules,
        ProfileScope::Default,
        UserScope::All,
        &mut unreachable,
    );
    assert_eq!(done.plan.converted_count(), 1);
    let outlook = profile_plan(&done.plan, "Outlook");
    assert_eq!(outlook.outcome, ProfileOutcome::OutOfScope);
}

#[test]
fn converting_twice_changes_nothing_and_says_already_koff() {
    for name in ["kerio-one-user.reg", "two-users-both-roots.reg"] {
        let original = fixture(name);
        let once = run(&original, &mut unreachable);
        let twice = run(&once.converted, &mut reachable("7.0"));
        assert!(twice.plan.is_empty(), "{}", twice.plan.render_text());
        assert_eq!(twice.converted, once.converted);
        let outcomes: Vec<&ProfileOutcome> =
            twice.plan.profiles.iter().map(|p| &p.outcome).collect();
        assert!(
            outcomes.contains(&&ProfileOutcome::AlreadyKoff),
            "{outcomes:?}"
        );
    }
    // The real KOFF profile of the example export is recognised too.
    let example = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/outlook-profiles.reg"),
    )
    .unwrap();
    let done = run(&example, &mut unreachable);
    assert!(done.plan.is_empty());
    assert_eq!(done.converted, example);
    let kerio = profile_plan(&done.plan, "Kerio");
    assert_eq!(kerio.outcome, ProfileOutcome::AlreadyKoff);
}

#[test]
fn undo_restores_the_original() {
    for name in ["kerio-one-user.reg", "two-users-both-roots.reg"] {
        let original = fixture(name);
        for probe in [true, false] {
            let done = if probe {
                run(&original, &mut reachable("7.4.1"))
            } else {
                run(&original, &mut unreachable)
            };
            assert_ne!(done.converted, original);
            // Same format and encoding as the input: UTF-16LE, regedit 5.
            let undo = RegFile::parse(&done.undo).unwrap();
            assert_eq!(undo.encoding(), olkit_regfile::Encoding::Utf16Le);
            assert_eq!(undo.format(), olkit_regfile::Format::Regedit5);
            let restored = import(&done.converted, &done.undo);
            assert_eq!(semantics(&restored.to_bytes()), semantics(&original));
            // The fixtures were written as regedit writes: byte-identical.
            assert!(
                restored.to_bytes() == original,
                "{name}: not byte-identical"
            );
        }
    }
}

#[test]
fn koc_free_exports_come_back_unchanged() {
    let original = fixture("kerio-one-user.reg");
    let mut file = RegFile::parse(&original).unwrap();
    file.delete_key(KERIO).unwrap();
    let koc_free = file.to_bytes();
    let done = run(&koc_free, &mut |_: &ServerQuery<'_>| {
        panic!("no KOC: no probe")
    });
    assert!(done.plan.is_empty());
    assert_eq!(done.plan.render_text().lines().last(), Some("no changes"));
    assert_eq!(done.converted, koc_free);
    assert!(RegFile::parse(&done.undo).unwrap().keys().next().is_none());
}

const CUSTOM: &str = r#"
; KOC kept the server under 0x6600; KOFF wants it under 0x6602.
[Rules]
Format=1
MinimumServerVersion=7.0

[Recognize KOC]
ServiceDll=KOC.DLL

[Recognize KOFF]
ServiceName=KERIO_KOFF

[KOFF Service]
Set.001e3d09=KERIO_KOFF
Set.0003660a=0x10
Set.001f660b={Server}:{Port}

[Settings]
Server=6602->6612
Port=6605

[KOFF Account]
Set.Converted By=olkit for {profile}
"#;

#[test]
fn custom_rules_are_followed() {
    let rules = Rules::parse(CUSTOM.as_bytes()).unwrap();
    assert_eq!(rules.minimum_server_version(), "7.0");
    let original = fixture("kerio-one-user.reg");
    let done = run_with(
        &original,
        &rules,
        ProfileScope::All,
        UserScope::All,
        &mut reachable("6.9"),
    );
    assert_eq!(done.plan.blocked_count(), 1);
    let done = run_with(
        &original,
        &rules,
        ProfileScope::All,
        UserScope::All,
        &mut reachable("7.0.0"),
    );
    let set = ProfileSet::parse(&done.converted).unwrap();
    let (_, _, p) = set.profiles().find(|(_, _, p)| p.name == "Kerio").unwrap();
    let svc = p
        .section(&olkit_profile_convert::Uid::parse(KOC_SVC).unwrap())
        .unwrap();
    // Moved, data as it was; the old one gone.
    assert_eq!(svc.text_prop(0x6612).unwrap(), "mail.example.com");
    assert!(svc.props_with_id(0x6602).next().is_none());
    assert_eq!(svc.long_prop(0x660a), Some(0x10));
    // {Port} has no value in the fixture: that Set is skipped.
    assert!(svc.props_with_id(0x660b).next().is_none());
    // Not named by these rules: kept.
    assert_eq!(
        svc.text_prop(PropTag::PR_SERVICE_DLL_NAME).unwrap(),
        "koc.dll"
    );
    let account = p
        .account_manager()
        .unwrap()
        .subkeys
        .iter()
        .find(|s| s.name == "00000001")
        .unwrap();
    assert_eq!(
        account.named_value("Converted By").unwrap().text().unwrap(),
        "olkit for Kerio"
    );
    // The undo removes the added values and restores the moved one (at
    // the end of its key: the same registry, not the same bytes).
    let restored = import(&done.converted, &done.undo);
    assert_eq!(semantics(&restored.to_bytes()), semantics(&original));
}

#[test]
fn bad_rules_are_errors_with_their_line() {
    let cases: [(&str, usize); 9] = [
        ("[Rules]\nFormat=2\n", 2),
        ("[Rules]\nFormat=1\n[Recognize KOC]\nServiceName=X\n[Nonsense]\n", 5),
        ("[Rules]\nFormat=1\n[Recognize KOC]\nServiceName=X\nColour=blue\n", 5),
        ("[Rules]\nFormat=1\nMinimumServerVersion=soon\n[Recognize KOC]\nServiceName=X\n", 3),
        ("[Rules]\nFormat=1\n[Recognize KOC]\nServiceName=X\n[KOFF Service]\nSet.3d09=X\n", 6),
        ("[Rules]\nFormat=1\n[Recognize KOC]\nServiceName=X\n[KOFF Service]\nSet.00036601=many\n", 6),
        ("[Rules]\nFormat=1\n[Recognize KOC]\nServiceName=X\n[KOFF Service]\nSet.001f6607={nobody}\n", 6),
        ("[Rules]\nFormat=1\n[Recognize KOC]\nServiceName=X\n[KOFF Service]\nSet.010267f0=00\n", 6),
        ("[Rules]\nFormat=1\n\n[Recognize KOC]\nDisplayName=X\n", 4),
    ];
    for (text, line) in cases {
        match Rules::parse(text.as_bytes()) {
            Err(Error::Rules { line: got, reason }) => {
                assert_eq!(got, line, "{text:?}: {reason}");
                assert!(!reason.is_empty());
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    assert!(matches!(
        Rules::parse(b"[General]\n"),
        Err(Error::Rules { .. })
    ));
}

#[test]
fn plan_is_convert_without_bytes() {
    let original = fixture("kerio-one-user.reg");
    let rules = Rules::builtin();
    let mut probe = reachable("7.4.1");
    let mut options = ConvertOptions {
        rules: &rules,
        profiles: ProfileScope::All,
        users: UserScope::All,
        probe: &mut probe,
    };
    let dry: Plan = plan(&original, &mut options).unwrap();
    let done = convert(&original, &mut options).unwrap();
    assert_eq!(dry, done.plan);
    let text = dry.render_text();
    assert!(text.contains("KERIO_KOFF"), "{text}");
    assert!(text.contains("converted, server configured"), "{text}");
}

#[cfg(feature = "serde")]
#[test]
fn plan_serializes_with_snake_case_tags() {
    let original = fixture("kerio-one-user.reg");
    let done = run(&original, &mut unreachable);
    let json = serde_json::to_value(&done.plan).unwrap();
    assert_eq!(json["kind"], "reg");
    assert_eq!(json["profiles"][0]["outcome"], "converted");
    assert_eq!(json["profiles"][0]["server_configured"], false);
    assert_eq!(json["profiles"][1]["outcome"], "no_koc");
    assert_eq!(json["changes"][0]["action"], "set");
}

#[test]
fn secrets_stay_secret_when_a_rule_moves_them() {
    let rules = Rules::parse(
        b"[Rules]\nFormat=1\n[Recognize KOC]\nServiceName=KERIO_KOC\n[Settings]\nPassword=67f0->67f1\n",
    )
    .unwrap();
    let original = fixture("kerio-one-user.reg");
    let done = run_with(
        &original,
        &rules,
        ProfileScope::All,
        UserScope::All,
        &mut unreachable,
    );
    let secret_changes: Vec<_> = done.plan.changes.iter().collect();
    assert_eq!(secret_changes.len(), 2);
    for c in secret_changes {
        assert!(c.old.as_deref().unwrap_or("<secret>") == "<secret>");
        assert!(c.new.as_deref().unwrap_or("<secret>") == "<secret>");
    }
    let before = RegFile::parse(&original).unwrap();
    let after = RegFile::parse(&done.converted).unwrap();
    let svc = key(KERIO, KOC_SVC);
    assert_eq!(
        after.get(&svc, "010267f1").unwrap(),
        before.get(&svc, "010267f0").unwrap()
    );
    assert!(after.get(&svc, "010267f0").is_none());
    let debug = format!("{done:?}");
    assert!(!debug.contains("67f0") || debug.contains("<secret>"));
}

#[test]
fn koc_prf_converts_through_its_mapping_section() {
    let original = fixture("prf/koc.prf");
    let done = run(&original, &mut unreachable);
    assert_eq!(done.plan.kind, ExportKind::Prf);
    assert_eq!(done.undo, original);
    let prf = PrfFile::parse(&done.converted).unwrap();
    assert_eq!(
        prf.get("Kerio Outlook Connector", "ServiceName"),
        Some("KERIO_KOFF")
    );
    // A display name the user chose is kept.
    assert_eq!(
        prf.get("Service1", "DisplayName"),
        PrfFile::parse(&original)
            .unwrap()
            .get("Service1", "DisplayName")
    );
    // Line by line: one line changes (ServiceName), the added ones are the
    // plan's, every other line is byte-identical and in order.
    let split =
        |b: &[u8]| -> Vec<Vec<u8>> { b.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect() };
    let old_lines = split(&original);
    let new_lines = split(&done.converted);
    let added = done
        .plan
        .changes
        .iter()
        .filter(|c| c.action == ChangeAction::Add)
        .count();
    let set = done
        .plan
        .changes
        .iter()
        .filter(|c| c.action == ChangeAction::Set)
        .count();
    assert_eq!((added, set), (4, 1), "{}", done.plan.render_text());
    assert_eq!(new_lines.len(), old_lines.len() + added);
    let kept: Vec<&Vec<u8>> = old_lines
        .iter()
        .filter(|l| !l.starts_with(b"ServiceName=KERIO_KOC"))
        .collect();
    let mut it = new_lines.iter();
    for line in &kept {
        assert!(
            it.any(|n| &n == line),
            "{:?} lost",
            String::from_utf8_lossy(line)
        );
    }
    let names: Vec<Option<String>> = prf.services().into_iter().map(|s| s.name).collect();
    assert!(names.contains(&Some("KERIO_KOFF".to_string())), "{names:?}");
    assert_eq!(
        prf.get("Service1", "CacheFolder"),
        Some(r"%LOCALAPPDATA%\Kerio\Outlook Connector\Kerio")
    );
    assert_eq!(
        prf.get("Kerio Outlook Connector", "CacheFolder"),
        Some("PT_UNICODE,0x6607")
    );
    let profile = &done.plan.profiles[0];
    assert_eq!(profile.profile, "Kerio");
    assert_eq!(
        profile.outcome,
        ProfileOutcome::Converted {
            server_configured: false
        }
    );
    assert!(profile
        .finish_later
        .join(" ")
        .contains("mail.kerio.example"));
    // The password is carried; other services and accounts are untouched.
    assert_eq!(prf.get("Service1", "Password"), Some(""));
    let old = PrfFile::parse(&original).unwrap();
    for section in [
        "Service2",
        "Account1",
        "IMAP_I_Mail",
        "Unicode Personal Folders",
        "General",
    ] {
        let pairs = |f: &PrfFile| -> Vec<(String, String)> {
            f.entries(section)
                .iter()
                .map(|e| (e.key.to_string(), e.value.to_string()))
                .collect()
        };
        assert_eq!(pairs(&prf), pairs(&old), "{section}");
    }
    // Idempotent.
    let twice = run(&done.converted, &mut reachable("7.0"));
    assert!(twice.plan.is_empty());
    assert_eq!(twice.converted, done.converted);
    assert_eq!(twice.plan.profiles[0].outcome, ProfileOutcome::AlreadyKoff);
    // Blocked.
    let blocked = run(&original, &mut reachable("6.0"));
    assert_eq!(blocked.converted, original);
    assert_eq!(blocked.plan.blocked_count(), 1);
    // Other .prf files have no KOC service: unchanged.
    for name in [
        "prf/exchange.prf",
        "prf/pop3-pst.prf",
        "prf/imap.prf",
        "prf/hand-edited.prf",
    ] {
        let bytes = fixture(name);
        let done = run(&bytes, &mut unreachable);
        assert!(done.plan.is_empty(), "{name}");
        assert_eq!(done.converted, bytes, "{name}");
    }
}

#[test]
fn mapi_value_of_the_marker_is_a_boolean() {
    let original = fixture("kerio-one-user.reg");
    let done = run(&original, &mut unreachable);
    let file = RegFile::parse(&done.converted).unwrap();
    let value = file.get(&key(KERIO, KOC_SVC), "000b6650").unwrap();
    let tag = PropTag::parse("000b6650").unwrap();
    assert_eq!(
        MapiValue::decode(tag, value).unwrap(),
        MapiValue::Boolean(true)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever unrelated values and keys an export holds besides the KOC
    /// profile, they come out byte-identical, convert twice equals convert
    /// once, and the undo gives the original bytes back.
    #[test]
    fn untouched_lines_stay_and_undo_restores(
        // Distinct names: a second value of the same name would replace
        // the first, which is what the import does, not what is tested.
        extra in proptest::collection::btree_map("[a-z]{1,8}", ("[ -~]{0,24}", any::<u32>()), 0..6),
        reachable_server in any::<bool>(),
    ) {
        let mut file = RegFile::parse(&fixture("kerio-one-user.reg")).unwrap();
        let svc = key(KERIO, KOC_SVC);
        let other = r"HKEY_CURRENT_USER\Software\Other".to_string();
        for (name, (text, n)) in &extra {
            file.set_value(&other, name, Value::string(text)).unwrap();
            file.set_value(&svc, &format!("x{name}"), Value::dword(*n)).unwrap();
        }
        let original = file.to_bytes();
        let mut probe = |_: &ServerQuery<'_>| if reachable_server {
            ServerStatus::Reachable { version: "7.1".into() }
        } else {
            ServerStatus::Unreachable { reason: "down".into() }
        };
        let once = run(&original, &mut probe);
        let converted = RegFile::parse(&once.converted).unwrap();
        for (name, (text, n)) in &extra {
            prop_assert_eq!(converted.get(&other, name), Some(&Value::string(text)));
            prop_assert_eq!(converted.get(&svc, &format!("x{name}")), Some(&Value::dword(*n)));
        }
        let twice = run(&once.converted, &mut probe);
        prop_assert!(twice.plan.is_empty());
        prop_assert_eq!(&twice.converted, &once.converted);
        let restored = import(&once.converted, &once.undo);
        prop_assert_eq!(restored.to_bytes(), original);
    }
}
