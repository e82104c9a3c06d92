#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The profile model and graph over the fixtures (as regedit writes
//! exports) and the real example export.

#[path = "support/profile_fixtures.rs"]
mod profile_fixtures;

use std::path::PathBuf;

use olkit_profile_convert::{
    AccountClass, Error, IssueKind, OrderList, ProfileList, ProfileSet, ProviderKind, ReadOptions,
    RootKind, Uid, Values,
};
use olkit_regfile::RegFile;
use profile_fixtures::*;
use proptest::prelude::*;

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap()
}

fn read(name: &str) -> (RegFile, ProfileSet) {
    let file = RegFile::parse(&fixture(name)).unwrap();
    let set = ProfileSet::from_reg(&file).unwrap();
    (file, set)
}

fn uid(hex: &str) -> Uid {
    Uid::parse(hex).unwrap()
}

/// The file's lines as text (UTF-16LE with BOM), numbered from 1.
fn lines(bytes: &[u8]) -> Vec<String> {
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

#[test]
#[ignore = "writes tests/fixtures; run after changing tests/support/profile_fixtures.rs"]
fn regenerate_profile_fixtures() {
    for (name, build) in FIXTURES {
        std::fs::write(fixture_path(name), build().to_bytes()).unwrap();
    }
}

#[test]
fn fixtures_are_what_the_generator_writes_as_regedit_writes() {
    for (name, build) in FIXTURES {
        let bytes = fixture(name);
        assert_eq!(
            bytes,
            build().to_bytes(),
            "{name} differs from its generator"
        );
        assert_eq!(&bytes[..2], &[0xff, 0xfe], "{name}: UTF-16LE BOM");
        let text = lines(&bytes);
        assert_eq!(text[0], "Windows Registry Editor Version 5.00");
        // Round trip through the reader is lossless.
        assert_eq!(RegFile::parse(&bytes).unwrap().to_bytes(), bytes);
    }
}

#[test]
fn one_user_office16_reads_exactly() {
    let (file, set) = read("kerio-one-user.reg");
    let text = lines(&file.to_bytes());
    assert_eq!(set.users.len(), 1);
    let user = &set.users[0];
    assert_eq!(user.hive, "HKEY_CURRENT_USER");
    assert_eq!(user.sid, None);
    assert_eq!(user.roots.len(), 1);
    let root = &user.roots[0];
    assert_eq!(root.key, format!(r"{OFFICE16}\Profiles"));
    assert_eq!(
        root.kind,
        RootKind::Office {
            version: "16.0".into()
        }
    );
    assert_eq!(root.default_profile.as_deref(), Some("Kerio"));
    let at = root.default_profile_at.as_ref().unwrap();
    assert_eq!(text[at.line - 1], "\"DefaultProfile\"=\"Kerio\"");
    let names: Vec<_> = root
        .profiles
        .iter()
        .map(|p| (p.name.as_str(), p.is_default))
        .collect();
    assert_eq!(names, [("Kerio", true), ("Outlook", false)]);

    let kerio = &root.profiles[0];
    assert_eq!(kerio.key, format!(r"{OFFICE16}\Profiles\Kerio"));
    assert_eq!(text[kerio.line - 1], format!("[{}]", kerio.key));
    let mut expected: Vec<Uid> = [
        KOC_SVC, KOC_STORE, KOC_XP, PST_SVC, PST_STORE, EX_SVC, EX_STORE, EX_AB, EX_XP, GLOBAL,
        OUTLOOK,
    ]
    .iter()
    .map(|u| uid(u))
    .collect();
    expected.sort_by_key(|u| u.to_string());
    // The generator writes the Account Manager's key after the sections.
    expected.push(uid(ACCOUNTS));
    let found: Vec<Uid> = kerio.sections.iter().map(|s| s.uid).collect();
    assert_eq!(found, expected);
    // Every key and value points at its own line.
    for section in &kerio.sections {
        assert_eq!(text[section.line - 1], format!("[{}]", section.key));
        for prop in &section.props {
            assert!(text[prop.line - 1].starts_with(&format!("\"{}\"=", prop.name)));
        }
        for sub in &section.subkeys {
            assert_eq!(text[sub.line - 1], format!("[{}]", sub.key));
            for value in &sub.named {
                assert!(text[value.line - 1].starts_with(&format!("\"{}\"=", value.name)));
            }
        }
    }

    let services = kerio.services();
    let summary: Vec<_> = services
        .iter()
        .map(|s| {
            (
                s.name.clone().unwrap(),
                s.dll.clone().unwrap(),
                s.providers
                    .iter()
                    .map(|p| {
                        (
                            p.kind,
                            p.dll.clone().unwrap(),
                            p.display_name.clone().unwrap(),
                        )
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let p = |k, d: &str, n: &str| (k, d.to_string(), n.to_string());
    assert_eq!(
        summary,
        [
            (
                "MSEMS".to_string(),
                "emsui.dll".to_string(),
                vec![
                    p(ProviderKind::Store, "emsmdb.dll", "Mailbox - Jane Doe"),
                    p(
                        ProviderKind::AddressBook,
                        "emsabp.dll",
                        "Microsoft Exchange Address Book"
                    ),
                    p(
                        ProviderKind::Transport,
                        "emsmdb.dll",
                        "Microsoft Exchange Transport"
                    ),
                ]
            ),
            (
                "KERIO_KOC".to_string(),
                "koc.dll".to_string(),
                vec![
                    p(ProviderKind::Store, "koc.dll", "Kerio Mailbox - Jane Doe"),
                    p(ProviderKind::Transport, "koc.dll", "Kerio Transport"),
                ]
            ),
            (
                "MSUPST MS".to_string(),
                "mspst.dll".to_string(),
                vec![p(ProviderKind::Store, "mspst.dll", "Archive")]
            ),
        ]
    );
    assert_eq!(services[1].uid, Some(uid(KOC_SVC)));
    assert_eq!(
        services[1].display_name.as_deref(),
        Some("Kerio Outlook Connector")
    );

    let accounts = kerio.accounts();
    let summary: Vec<_> = accounts
        .iter()
        .map(|a| {
            (
                a.id.as_str(),
                a.name.clone().unwrap(),
                a.class.clone(),
                a.server.clone(),
                a.user.clone(),
                a.service_uid,
            )
        })
        .collect();
    let s = |t: &str| Some(t.to_string());
    assert_eq!(
        summary,
        [
            (
                "00000001",
                "jane.doe@example.com".into(),
                AccountClass::MapiService,
                None,
                None,
                Some(uid(KOC_SVC))
            ),
            (
                "00000002",
                "Home IMAP".into(),
                AccountClass::Imap,
                s("imap.example.org"),
                s("jane"),
                None
            ),
            (
                "00000003",
                "Old POP3".into(),
                AccountClass::Pop3,
                s("pop.example.net"),
                s("jdoe"),
                None
            ),
            (
                "00000004",
                "jane@corp.example".into(),
                AccountClass::MapiService,
                None,
                None,
                Some(uid(EX_SVC))
            ),
            (
                "00000005",
                "Company directory".into(),
                AccountClass::Ldap,
                s("ldap.corp.example"),
                None,
                None
            ),
        ]
    );
    assert_eq!(accounts[1].email.as_deref(), Some("jane@example.org"));
    let order: Vec<_> = kerio
        .account_order()
        .into_iter()
        .map(|o| (o.list, o.ids.unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            (OrderList::Mail, vec![1, 2, 3, 4]),
            (OrderList::AddressBook, vec![5])
        ]
    );
    assert_eq!(kerio.default_store().unwrap().uids, [uid(KOC_STORE)]);

    let outlook = &root.profiles[1];
    assert_eq!(outlook.services().len(), 1);
    assert!(outlook.accounts().is_empty());
    for (_, _, profile) in set.profiles() {
        assert_eq!(profile.validate(), [], "{}", profile.name);
    }
}

#[test]
fn secrets_are_kept_but_never_decoded_or_shown() {
    let (_, set) = read("kerio-one-user.reg");
    let kerio = &set.users[0].roots[0].profiles[0];
    let service = kerio.section(&uid(KOC_SVC)).unwrap();
    let blob_prop = service.props.iter().find(|p| p.name == "010267f0").unwrap();
    assert!(blob_prop.is_secret());
    assert_eq!(blob_prop.raw, blob(7));
    assert!(blob_prop.value().unwrap().is_secret());
    assert_eq!(blob_prop.binary(), None);
    let manager = kerio.account_manager().unwrap();
    let imap = manager
        .subkeys
        .iter()
        .find(|s| s.name == "00000002")
        .unwrap();
    let password = imap.named_value("imap password").unwrap();
    assert!(password.is_secret());
    assert_eq!(password.text(), None);
    assert_eq!(password.raw, blob(11));
    let shown = format!("{set:?}");
    assert!(shown.contains("<secret, 40 bytes>"));
    for secret in [blob(7), blob(11), blob(13)] {
        let data = format!("{:?}", secret.data());
        assert!(
            !shown.contains(&data[1..data.len() - 1]),
            "a secret's bytes are shown"
        );
    }
}

#[test]
fn two_sids_both_roots_and_both_string_spellings() {
    let (_, set) = read("two-users-both-roots.reg");
    let users: Vec<_> = set
        .users
        .iter()
        .map(|u| (u.hive.clone(), u.sid.clone()))
        .collect();
    assert_eq!(
        users,
        [
            (format!(r"HKEY_USERS\{SID_A}"), Some(SID_A.to_string())),
            (format!(r"HKEY_USERS\{SID_B}"), Some(SID_B.to_string())),
        ]
    );
    let a = &set.users[0].roots[0];
    assert_eq!(
        a.kind,
        RootKind::Office {
            version: "15.0".into()
        }
    );
    assert_eq!(a.default_profile.as_deref(), Some("Work"));
    let work = &a.profiles[0];
    assert!(work.is_default);
    // REG_SZ spellings of PT_STRING8 and PT_UNICODE.
    let services = work.services();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0].name.as_deref(), Some("KERIO_KOC"));
    assert_eq!(
        services[0].display_name.as_deref(),
        Some("Kerio Outlook Connector")
    );
    assert_eq!(
        services[0].providers[0].display_name.as_deref(),
        Some("Kerio Mailbox - Joe Bloggs")
    );
    let service = work.section(&uid(KOC_SVC)).unwrap();
    assert_eq!(
        service.text_prop(0x6602).as_deref(),
        Some("mail.example.com")
    );
    let classes: Vec<_> = work
        .accounts()
        .into_iter()
        .map(|a| (a.class, a.server))
        .collect();
    assert_eq!(
        classes,
        [
            (AccountClass::MapiService, None),
            (AccountClass::Imap, Some("imap.example.org".into()))
        ]
    );

    let b = &set.users[1].roots[0];
    assert_eq!(b.kind, RootKind::Legacy);
    assert!(b.key.ends_with(r"Windows Messaging Subsystem\Profiles"));
    assert_eq!(b.default_profile.as_deref(), Some("MS Exchange Settings"));
    assert_eq!(b.default_profile_at.as_ref().unwrap().key, b.key);
    let legacy = &b.profiles[0];
    assert!(legacy.is_default);
    assert_eq!(legacy.services()[0].name.as_deref(), Some("MSUPST MS"));
    let accounts = legacy.accounts();
    assert_eq!(accounts[0].class, AccountClass::Pop3);
    assert_eq!(accounts[0].user.as_deref(), Some("ann"));
    for (_, _, profile) in set.profiles() {
        assert_eq!(profile.validate(), [], "{}", profile.name);
    }
}

#[test]
fn validation_finds_every_planted_problem() {
    let (_, set) = read("damaged.reg");
    let root = &set.users[0].roots[0];
    let broken = &root.profiles[0];
    let mut kinds: Vec<String> = broken
        .validate()
        .iter()
        .map(|i| format!("{:?}", i.kind))
        .collect();
    kinds.sort();
    let mut expected: Vec<String> = [
        IssueKind::StoreWithoutSection {
            uid: uid(MISSING_STORE),
        },
        IssueKind::DanglingListEntry {
            list: ProfileList::Services,
            uid: uid(MISSING_SVC),
        },
        IssueKind::DanglingServiceUid {
            uid: uid(MISSING_OWNER),
        },
        IssueKind::DefaultStoreWithoutSection {
            uid: uid(MISSING_DEFAULT),
        },
        IssueKind::TwoDefaultStores {
            uids: vec![uid(KOC_STORE), uid(PST_STORE)],
        },
        IssueKind::AccountOfUnknownService {
            account: "00000001".into(),
            uid: uid(MISSING_ACCOUNT_SVC),
        },
        IssueKind::OrderedAccountWithoutKey {
            list: OrderList::Mail,
            id: 7,
        },
        IssueKind::MalformedValue {
            reason: "PR_TRANSPORT_PROVIDERS is 20 bytes, not a list of 16-byte UIDs".into(),
        },
    ]
    .iter()
    .map(|k| format!("{k:?}"))
    .collect();
    expected.sort();
    assert_eq!(kinds, expected);
    // Each names the key (and value) it is in.
    for issue in broken.validate() {
        assert!(issue.key.starts_with(&broken.key), "{issue}");
        if let IssueKind::StoreWithoutSection { .. } = issue.kind {
            assert_eq!(issue.key, format!(r"{}\{GLOBAL}", broken.key));
            assert_eq!(issue.value.as_deref(), Some("01023d00"));
            assert!(issue.line > 0);
        }
    }
    let broken2 = &root.profiles[1];
    let issues = broken2.validate();
    assert_eq!(issues.len(), 1);
    assert_eq!(
        issues[0].kind,
        IssueKind::TwoDefaultStores {
            uids: vec![uid(PST_STORE), uid(PST_SVC)]
        }
    );
    assert!(issues[0]
        .to_string()
        .contains("more than one default store"));
}

#[test]
fn the_example_export_reads_exactly() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/outlook-profiles.reg"
    ))
    .unwrap();
    let set = ProfileSet::parse(&bytes).unwrap();
    assert_eq!(set.users.len(), 1);
    let root = &set.users[0].roots[0];
    assert_eq!(
        root.kind,
        RootKind::Office {
            version: "16.0".into()
        }
    );
    assert_eq!(root.default_profile.as_deref(), Some("Kerio"));
    let names: Vec<_> = root
        .profiles
        .iter()
        .map(|p| (p.name.as_str(), p.is_default))
        .collect();
    assert_eq!(names, [("Home", false), ("Kerio", true)]);

    let home = &root.profiles[0];
    let services = home.services();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0].name.as_deref(), Some("MSUPST MS"));
    assert_eq!(
        services[0].uid,
        Some(uid("8c2a4e6f10b3d54798e1f0a2b4c6d8e9"))
    );
    assert_eq!(services[0].providers.len(), 1);
    assert_eq!(
        services[0].providers[0].uid,
        Some(uid("e1d2c3b4a5968778695a4b3c2d1e0f10"))
    );
    assert_eq!(
        services[0].providers[0].display_name.as_deref(),
        Some("Home")
    );
    let accounts = home.accounts();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].class, AccountClass::Pop3);
    assert_eq!(accounts[0].server.as_deref(), Some("pop.example.net"));
    assert_eq!(accounts[0].user.as_deref(), Some("jane"));
    assert_eq!(accounts[0].email.as_deref(), Some("jane@example.net"));
    assert_eq!(
        home.default_store().unwrap().uids,
        [uid("e1d2c3b4a5968778695a4b3c2d1e0f10")]
    );

    let kerio = &root.profiles[1];
    let services = kerio.services();
    assert_eq!(services.len(), 1);
    let koff = &services[0];
    assert_eq!(koff.name.as_deref(), Some("KERIO_KOFF"));
    assert_eq!(koff.dll.as_deref(), Some("koff.dll"));
    assert_eq!(
        koff.display_name.as_deref(),
        Some("Kerio Outlook Connector (Offline Edition)")
    );
    assert_eq!(koff.providers.len(), 1);
    assert_eq!(
        koff.providers[0].uid,
        Some(uid("3f1a77c2d8e4b04fa1e6c2d9f0b35a61"))
    );
    let accounts = kerio.accounts();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].name.as_deref(), Some("jane.doe@example.com"));
    assert_eq!(accounts[0].service_uid, koff.uid);
    // A MAPI-service account: its server is in the service section.
    assert_eq!(accounts[0].class, AccountClass::MapiService);
    assert_eq!(accounts[0].server, None);
    let service_section = kerio.section(&koff.uid.unwrap()).unwrap();
    assert_eq!(
        service_section.text_prop(0x6602).as_deref(),
        Some("mail.example.com")
    );
    // The profile-wide lists name the store providers and the services.
    for profile in [home, kerio] {
        let issues = profile.validate();
        assert!(issues.is_empty(), "{issues:?}");
    }
}

#[test]
fn import_semantics_duplicates_and_deletions() {
    let text = "Windows Registry Editor Version 5.00\r\n\r\n\
[HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\P\\11111111111111111111111111111111]\r\n\
\"001e3001\"=\"first\"\r\n\"001e3d09\"=\"GONE\"\r\n\r\n\
[HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\P\\22222222222222222222222222222222]\r\n\
\"001e3001\"=\"deleted key\"\r\n\r\n\
[hkey_current_user\\software\\microsoft\\office\\16.0\\outlook\\profiles\\p\\11111111111111111111111111111111]\r\n\
\"001E3001\"=\"second\"\r\n\"001e3d09\"=-\r\n\r\n\
[-HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\P\\22222222222222222222222222222222]\r\n\r\n";
    let set = ProfileSet::parse(text.as_bytes()).unwrap();
    assert_eq!(set.users.len(), 1);
    let profile = &set.users[0].roots[0].profiles[0];
    assert_eq!(profile.sections.len(), 1);
    let section = &profile.sections[0];
    assert_eq!(section.props.len(), 1);
    assert_eq!(section.props[0].line, 11);
    assert_eq!(section.text_prop(0x3001).as_deref(), Some("second"));
}

#[test]
fn editing_a_value_at_its_line_changes_only_that_line() {
    let (mut file, set) = read("kerio-one-user.reg");
    let before = lines(&file.to_bytes());
    let kerio = &set.users[0].roots[0].profiles[0];
    let service = kerio.section(&uid(KOC_SVC)).unwrap();
    let prop = service.props_with_id(0x3D09).next().unwrap();
    file.set_value(&service.key, &prop.name, string8("KERIO_KOFF"))
        .unwrap();
    let after = lines(&file.to_bytes());
    assert_eq!(before.len(), after.len());
    for (n, (a, b)) in before.iter().zip(&after).enumerate() {
        if n + 1 == prop.line {
            assert_ne!(a, b);
        } else {
            assert_eq!(a, b, "line {}", n + 1);
        }
    }
    let again = ProfileSet::from_reg(&file).unwrap();
    let names: Vec<_> = again.users[0].roots[0].profiles[0]
        .services()
        .into_iter()
        .filter_map(|s| s.name)
        .collect();
    assert!(names.contains(&"KERIO_KOFF".to_string()));
}

#[test]
fn the_profile_count_is_limited() {
    let options = ReadOptions {
        max_profiles: 1,
        ..ReadOptions::default()
    };
    let err = ProfileSet::parse_with(&fixture("kerio-one-user.reg"), &options).unwrap_err();
    assert!(
        matches!(
            err,
            Error::TooLarge {
                what: "profiles",
                limit: 1
            }
        ),
        "{err}"
    );
    let options = ReadOptions {
        max_profiles: 2,
        ..ReadOptions::default()
    };
    assert_eq!(
        ProfileSet::parse_with(&fixture("kerio-one-user.reg"), &options)
            .unwrap()
            .profile_count(),
        2
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn mutated_exports_never_panic(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..24),
    ) {
        let mut bytes = fixture(FIXTURES[which].0);
        for (at, byte, op) in edits {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => { bytes.remove(i); }
                _ => bytes.insert(i, byte),
            }
        }
        if let Ok(set) = ProfileSet::parse(&bytes) {
            for (_, _, profile) in set.profiles() {
                let _ = profile.services();
                let _ = profile.accounts();
                let _ = profile.account_order();
                let _ = profile.validate();
                let _ = format!("{profile:?}");
            }
        }
    }
}

/// A 20 MB export of 200 profiles read through the model. Run with
/// `cargo test --release -p olkit-profile-convert --test model -- --ignored --nocapture`.
#[test]
#[ignore = "timing; run in release"]
#[allow(clippy::print_stderr)]
fn twenty_megabytes_of_two_hundred_profiles() {
    let base = fixture("kerio-one-user.reg");
    let text = lines(&base).join("\r\n");
    let body_start = text
        .find(r"[HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Outlook\Profiles\Kerio]")
        .unwrap();
    let body_end = text
        .find(r"[HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Outlook\Profiles\Outlook]")
        .unwrap();
    let body = &text[body_start..body_end];
    // Pad each profile with a large (non-secret) binary property, as caches do.
    let pad: String = {
        let hex: Vec<String> = (0..16_000u32).map(|i| format!("{:02x}", i % 251)).collect();
        format!("\"01026640\"=hex:{}\r\n\r\n", hex.join(","))
    };
    let mut out = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    for n in 0..200 {
        let copy = body.replace(r"\Profiles\Kerio", &format!(r"\Profiles\Kerio{n:03}"));
        out.push_str(&copy);
        out.push_str(&format!(
            "[HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Kerio{n:03}\\{GLOBAL}]\r\n"
        ));
        out.push_str(&pad);
    }
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(out.encode_utf16().flat_map(u16::to_le_bytes));
    let started = std::time::Instant::now();
    let set = ProfileSet::parse(&bytes).unwrap();
    let read = started.elapsed();
    let services: usize = set.profiles().map(|(_, _, p)| p.services().len()).sum();
    let all = started.elapsed();
    eprintln!(
        "{:.1} MB, {} profiles: read in {:?}, with services of all in {:?}",
        bytes.len() as f64 / 1e6,
        set.profile_count(),
        read,
        all
    );
    assert_eq!(set.profile_count(), 200);
    assert_eq!(services, 600);
    assert!(bytes.len() > 20_000_000);
}
