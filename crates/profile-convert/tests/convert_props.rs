#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Property tests of the conversion on generated exports, written as
//! regedit writes them: random users (HKEY_CURRENT_USER, HKEY_USERS SIDs),
//! roots (Office 16, Office 15, legacy), profiles and services (KOC with
//! its strings in REG_BINARY or REG_SZ, PST, Exchange) and accounts (the
//! KOC service's, IMAP and POP3 with password blobs), converted with a
//! random server answer (reachable and recent, unreachable, too old).
//!
//! - every line outside the keys the plan changes is byte-identical, and
//!   the plan changes only keys of the KOC services it converts (the
//!   service, its providers, its account);
//! - importing the converted export over the original, then the undo
//!   export, leaves the registry as the original left it; applying the undo
//!   export's values to the converted file gives the original bytes;
//! - converting the converted export changes nothing;
//! - an export without KOC comes back unchanged, with an empty plan;
//! - secrets are byte-identical and never shown in the plan.

#[path = "support/profile_fixtures.rs"]
mod profile_fixtures;

use std::collections::{BTreeMap, BTreeSet};

use olkit_profile_convert::{
    convert, plan, AccountClass, Conversion, ConvertOptions, ProfileOutcome, ProfileScope,
    ProfileSet, Rules, ServerQuery, ServerStatus, UserScope,
};
use olkit_regfile::{Format, RegFile, Value};
use profile_fixtures as fx;
use proptest::prelude::*;

// -- the generated exports

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServiceKind {
    /// KOC, its strings as REG_BINARY (`false`) or REG_SZ (`true`).
    Koc {
        sz: bool,
    },
    Pst,
    Exchange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AccountKind {
    Imap,
    Pop3,
}

#[derive(Debug, Clone)]
struct ProfileSpec {
    services: Vec<ServiceKind>,
    accounts: Vec<AccountKind>,
}

#[derive(Debug, Clone, Copy)]
enum RootSpec {
    Office16,
    Office15,
    Legacy,
}

#[derive(Debug, Clone)]
struct UserSpec {
    root: RootSpec,
    profiles: Vec<ProfileSpec>,
}

#[derive(Debug, Clone, Copy)]
enum Server {
    Recent,
    Unreachable,
    TooOld,
}

fn service_kind() -> impl Strategy<Value = ServiceKind> {
    prop_oneof![
        any::<bool>().prop_map(|sz| ServiceKind::Koc { sz }),
        Just(ServiceKind::Pst),
        Just(ServiceKind::Exchange),
    ]
}

fn profile_spec(koc: bool) -> impl Strategy<Value = ProfileSpec> {
    let services = if koc {
        prop::collection::vec(service_kind(), 0..4).boxed()
    } else {
        prop::collection::vec(
            prop_oneof![Just(ServiceKind::Pst), Just(ServiceKind::Exchange)],
            0..3,
        )
        .boxed()
    };
    let accounts = prop::collection::vec(
        prop_oneof![Just(AccountKind::Imap), Just(AccountKind::Pop3)],
        0..3,
    );
    (services, accounts).prop_map(|(services, accounts)| ProfileSpec { services, accounts })
}

fn users(koc: bool) -> impl Strategy<Value = Vec<UserSpec>> {
    let root = prop_oneof![
        Just(RootSpec::Office16),
        Just(RootSpec::Office15),
        Just(RootSpec::Legacy)
    ];
    prop::collection::vec(
        (root, prop::collection::vec(profile_spec(koc), 1..4))
            .prop_map(|(root, profiles)| UserSpec { root, profiles }),
        1..4,
    )
}

fn server() -> impl Strategy<Value = Server> {
    prop_oneof![
        Just(Server::Recent),
        Just(Server::Unreachable),
        Just(Server::TooOld)
    ]
}

/// A 32-hex-digit UID, distinct for each (user, profile, service, role).
fn uid(user: usize, profile: usize, service: usize, role: u8) -> String {
    format!(
        "{:08x}{:08x}{:08x}{:08x}",
        0x5eed_0000 + user,
        0x0bad_f00d_u32 ^ (profile as u32 * 0x0101_0101),
        service,
        0x1000 + u32::from(role)
    )
}

/// A section and its values, as the fixture generator lists them.
type SectionSpec = (String, Vec<(String, Value)>);

/// The sections, Account Manager values and accounts of one profile.
struct Built {
    sections: Vec<SectionSpec>,
    manager: Vec<(String, Value)>,
    accounts: Vec<(String, Vec<(String, Value)>)>,
}

fn build_profile(user: usize, index: usize, spec: &ProfileSpec) -> Built {
    let name = |n: &str| n.to_string();
    let mut sections: Vec<SectionSpec> = Vec::new();
    let mut stores = Vec::new();
    let mut transports = Vec::new();
    let mut address_books = Vec::new();
    let mut services = Vec::new();
    let mut accounts: Vec<(String, Vec<(String, Value)>)> = Vec::new();
    let mut account_id = 1u32;
    for (s, kind) in spec.services.iter().enumerate() {
        let svc = uid(user, index, s, 0);
        let store = uid(user, index, s, 1);
        services.push(svc.clone());
        stores.push(store.clone());
        match *kind {
            ServiceKind::Koc { sz } => {
                let xp = uid(user, index, s, 2);
                transports.push(xp.clone());
                let text8 = |t: &str| if sz { Value::string(t) } else { fx::string8(t) };
                let text16 = |t: &str| if sz { Value::string(t) } else { fx::unicode(t) };
                sections.push((
                    svc.clone(),
                    vec![
                        (name("00033009"), fx::long(0)),
                        (name("001e3001"), text8("Kerio Outlook Connector")),
                        (name("001e3d09"), text8("KERIO_KOC")),
                        (name("001e3d0a"), text8("koc.dll")),
                        (name("001e3d0b"), text8("ServiceEntry")),
                        (name("001f6602"), text16(&format!("mail{user}.example.com"))),
                        (name("001f6603"), text16(&format!("user{index}"))),
                        (name("00036605"), fx::long(443)),
                        (name("000b6606"), Value::binary(vec![1, 0])),
                        (name("01023d00"), fx::uids(&[&store])),
                        (name("01023d02"), fx::uids(&[&xp])),
                        (name("01023d0c"), fx::uids(&[&svc])),
                        (name("010267f0"), fx::blob((user * 16 + index + s) as u8)),
                    ],
                ));
                sections.push((
                    store.clone(),
                    vec![
                        (name("00033e03"), fx::long(33)),
                        (name("001e300a"), text8("koc.dll")),
                        (name("001f3001"), text16("Kerio Mailbox")),
                        (name("01023d0c"), fx::uids(&[&svc])),
                    ],
                ));
                sections.push((
                    xp,
                    vec![
                        (name("00033e03"), fx::long(36)),
                        (name("001e300a"), text8("koc.dll")),
                        (name("001f3001"), text16("Kerio Transport")),
                        (name("01023d0c"), fx::uids(&[&svc])),
                    ],
                ));
                accounts.push((
                    format!("{account_id:08x}"),
                    vec![
                        (
                            name("Account Name"),
                            text16(&format!("user{index}@example.com")),
                        ),
                        (name("clsid"), Value::string(fx::CLSID_MAPI)),
                        (name("Service UID"), fx::uids(&[&svc])),
                    ],
                ));
                account_id += 1;
            }
            ServiceKind::Pst => {
                sections.push((
                    svc.clone(),
                    vec![
                        (name("001e3001"), fx::string8("Outlook Data File")),
                        (name("001e3d09"), fx::string8("MSUPST MS")),
                        (name("001e3d0a"), fx::string8("mspst.dll")),
                        (name("01023d00"), fx::uids(&[&store])),
                        (name("01023d0c"), fx::uids(&[&svc])),
                    ],
                ));
                sections.push((
                    store,
                    vec![
                        (name("00033e03"), fx::long(33)),
                        (name("001e300a"), fx::string8("mspst.dll")),
                        (
                            name("001f6700"),
                            fx::unicode(&format!(r"C:\pst\{user}-{index}-{s}.pst")),
                        ),
                        (name("01023d0c"), fx::uids(&[&svc])),
                    ],
                ));
            }
            ServiceKind::Exchange => {
                let ab = uid(user, index, s, 3);
                address_books.push(ab.clone());
                sections.push((
                    svc.clone(),
                    vec![
                        (name("001e3001"), fx::string8("Microsoft Exchange")),
                        (name("001e3d09"), fx::string8("MSEMS")),
                        (name("001e3d0a"), fx::string8("emsui.dll")),
                        (name("01023d00"), fx::uids(&[&store])),
                        (name("01023d01"), fx::uids(&[&ab])),
                        (name("01023d0c"), fx::uids(&[&svc])),
                    ],
                ));
                sections.push((
                    store,
                    vec![
                        (name("00033e03"), fx::long(33)),
                        (name("001e300a"), fx::string8("emsmdb.dll")),
                        (name("01023d0c"), fx::uids(&[&svc])),
                    ],
                ));
                sections.push((
                    ab,
                    vec![
                        (name("00033e03"), fx::long(35)),
                        (name("001e300a"), fx::string8("emsabp.dll")),
                        (name("01023d0c"), fx::uids(&[&svc])),
                    ],
                ));
                accounts.push((
                    format!("{account_id:08x}"),
                    vec![
                        (name("Account Name"), fx::unicode("exchange")),
                        (name("clsid"), Value::string(fx::CLSID_MAPI)),
                        (name("Service UID"), fx::uids(&[&svc])),
                    ],
                ));
                account_id += 1;
            }
        }
    }
    for kind in &spec.accounts {
        let (prefix, clsid) = match kind {
            AccountKind::Imap => ("IMAP", fx::CLSID_IMAP),
            AccountKind::Pop3 => ("POP3", fx::CLSID_POP3),
        };
        accounts.push((
            format!("{account_id:08x}"),
            vec![
                (
                    name("Account Name"),
                    fx::unicode(&format!("{prefix} {account_id}")),
                ),
                (name("clsid"), Value::string(clsid)),
                (
                    format!("{prefix} Password"),
                    fx::blob(account_id as u8 + 100),
                ),
                (format!("{prefix} Server"), fx::unicode("mail.example.org")),
                (format!("{prefix} User"), fx::unicode("someone")),
            ],
        ));
        account_id += 1;
    }
    let store_refs: Vec<&str> = stores.iter().map(String::as_str).collect();
    let mut global = vec![(name("01023d00"), fx::uids(&store_refs))];
    if !address_books.is_empty() {
        let refs: Vec<&str> = address_books.iter().map(String::as_str).collect();
        global.push((name("01023d01"), fx::uids(&refs)));
    }
    if !transports.is_empty() {
        let refs: Vec<&str> = transports.iter().map(String::as_str).collect();
        global.push((name("01023d02"), fx::uids(&refs)));
    }
    let service_refs: Vec<&str> = services.iter().map(String::as_str).collect();
    global.push((name("01023d0e"), fx::uids(&service_refs)));
    sections.push((fx::GLOBAL.to_string(), global));
    if let Some(first) = stores.first() {
        sections.push((
            fx::OUTLOOK.to_string(),
            vec![(name("01023d15"), fx::uids(&[first]))],
        ));
    }
    let ids: Vec<u32> = (1..account_id).collect();
    let manager = vec![
        (name("NextAccountID"), Value::dword(account_id)),
        (fx::ORDER_MAIL.to_string(), fx::ids(&ids)),
    ];
    Built {
        sections,
        manager,
        accounts,
    }
}

/// The export of `users`, keys parent first and sorted as regedit writes
/// them.
fn export(users: &[UserSpec]) -> Vec<u8> {
    let mut file = RegFile::new(Format::Regedit5);
    for (u, user) in users.iter().enumerate() {
        let hive = if u == 0 {
            "HKEY_CURRENT_USER".to_string()
        } else {
            format!(r"HKEY_USERS\S-1-5-21-7-8-9-{}", 1000 + u)
        };
        let (outlook, root, default_at) = match user.root {
            RootSpec::Office16 | RootSpec::Office15 => {
                let version = if matches!(user.root, RootSpec::Office16) {
                    "16.0"
                } else {
                    "15.0"
                };
                let outlook = format!(r"{hive}\Software\Microsoft\Office\{version}\Outlook");
                let root = format!(r"{outlook}\Profiles");
                (outlook.clone(), root, outlook)
            }
            RootSpec::Legacy => {
                let parent = format!(
                    r"{hive}\Software\Microsoft\Windows NT\CurrentVersion\Windows Messaging Subsystem"
                );
                let root = format!(r"{parent}\Profiles");
                (parent, root.clone(), root)
            }
        };
        file.add_key(&outlook).unwrap();
        file.add_key(&root).unwrap();
        file.set_value(&default_at, "DefaultProfile", Value::string("Profile 0"))
            .unwrap();
        for (p, spec) in user.profiles.iter().enumerate() {
            let profile = format!(r"{root}\Profile {p}");
            file.add_key(&profile).unwrap();
            let built = build_profile(u, p, spec);
            let mut keys: Vec<(String, Vec<(String, Value)>)> = built
                .sections
                .into_iter()
                .map(|(uid, values)| (format!(r"{profile}\{uid}"), values))
                .collect();
            let manager = format!(r"{profile}\{}", fx::ACCOUNTS);
            keys.push((manager.clone(), built.manager));
            for (id, values) in built.accounts {
                keys.push((format!(r"{manager}\{id}"), values));
            }
            keys.sort_by_key(|(k, _)| k.to_ascii_lowercase());
            for (key, values) in keys {
                file.add_key(&key).unwrap();
                for (name, value) in values {
                    file.set_value(&key, &name, value).unwrap();
                }
            }
        }
    }
    file.to_bytes()
}

// -- what the properties compare

fn probe_for(server: Server) -> impl FnMut(&ServerQuery<'_>) -> ServerStatus {
    move |_query| match server {
        Server::Recent => ServerStatus::Reachable {
            version: "7.4.1".to_string(),
        },
        Server::Unreachable => ServerStatus::Unreachable {
            reason: "test".to_string(),
        },
        Server::TooOld => ServerStatus::Reachable {
            version: "6.4.2".to_string(),
        },
    }
}

fn run(bytes: &[u8], server: Server) -> Conversion {
    let rules = Rules::builtin();
    let mut probe = probe_for(server);
    let mut options = ConvertOptions {
        rules: &rules,
        profiles: ProfileScope::All,
        users: UserScope::All,
        probe: &mut probe,
    };
    let planned = plan(bytes, &mut options).unwrap();
    let conversion = convert(bytes, &mut options).unwrap();
    assert_eq!(planned, conversion.plan, "plan and convert disagree");
    conversion
}

/// The registry as importing exports leaves it: folded key path -> folded
/// value name -> value. Every key's parents exist.
type Registry = BTreeMap<String, BTreeMap<String, Value>>;

fn fold(text: &str) -> String {
    text.to_uppercase()
}

/// Imports `bytes` into `registry` as `reg import` does.
fn import(registry: &mut Registry, bytes: &[u8]) {
    let file = RegFile::parse(bytes).unwrap();
    for key in file.keys() {
        let path = fold(key.path());
        if key.is_deletion() {
            let below = format!("{path}\\");
            registry.retain(|k, _| *k != path && !k.starts_with(&below));
            continue;
        }
        let mut parent = String::new();
        for part in path.split('\\') {
            if !parent.is_empty() {
                parent.push('\\');
            }
            parent.push_str(part);
            registry.entry(parent.clone()).or_default();
        }
        let values = registry.get_mut(&path).unwrap();
        for entry in key.entries() {
            match entry.value() {
                Some(value) => {
                    values.insert(fold(entry.name()), value.clone());
                }
                None => {
                    values.remove(&fold(entry.name()));
                }
            }
        }
    }
}

fn imported(exports: &[&[u8]]) -> Registry {
    let mut registry = Registry::new();
    for bytes in exports {
        import(&mut registry, bytes);
    }
    registry
}

/// A regedit-written export as items: (folded key, folded value name or
/// `None` for the key line and blank lines, the item's text). A value
/// spanning continuation lines is one item.
fn items(bytes: &[u8]) -> Vec<(String, Option<String>, String)> {
    assert_eq!(&bytes[..2], &[0xFF, 0xFE], "not UTF-16LE with BOM");
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let text = String::from_utf16(&units).unwrap();
    let mut out: Vec<(String, Option<String>, String)> = Vec::new();
    let mut key = String::new();
    let mut open = false;
    for line in text.split_inclusive("\r\n") {
        if open {
            out.last_mut().unwrap().2.push_str(line);
            open = line.trim_end().ends_with('\\');
            continue;
        }
        if let Some(path) = line.trim_end().strip_prefix('[') {
            key = fold(path.trim_end_matches(']'));
            out.push((key.clone(), None, line.to_string()));
        } else if let Some(rest) = line.strip_prefix('"') {
            let mut name = String::new();
            let mut chars = rest.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => name.extend(chars.next()),
                    '"' => break,
                    c => name.push(c),
                }
            }
            open = line.trim_end().ends_with('\\');
            out.push((key.clone(), Some(fold(&name)), line.to_string()));
        } else {
            out.push((key.clone(), None, line.to_string()));
        }
    }
    out
}

/// The keys that belong to the KOC services of `set` (the service, its
/// providers and the accounts naming it), folded.
fn koc_keys(original: &[u8]) -> BTreeSet<String> {
    let set = ProfileSet::parse(original).unwrap();
    let mut keys = BTreeSet::new();
    for (_, _, profile) in set.profiles() {
        for service in profile.services() {
            if service.name.as_deref() != Some("KERIO_KOC") {
                continue;
            }
            if let olkit_profile_convert::Location::Reg { key } = &service.location {
                keys.insert(fold(key));
            }
            for provider in &service.providers {
                if let olkit_profile_convert::Location::Reg { key } = &provider.location {
                    keys.insert(fold(key));
                }
            }
            for account in profile.accounts() {
                if account.service_uid.is_some() && account.service_uid == service.uid {
                    assert_eq!(account.class, AccountClass::MapiService);
                    if let olkit_profile_convert::Location::Reg { key } = &account.location {
                        keys.insert(fold(key));
                    }
                }
            }
        }
    }
    keys
}

/// Every secret of the export: (folded key, folded name) -> value.
fn secrets(bytes: &[u8]) -> BTreeMap<(String, String), Value> {
    let set = ProfileSet::parse(bytes).unwrap();
    let mut out = BTreeMap::new();
    for (_, _, profile) in set.profiles() {
        for section in &profile.sections {
            for prop in section.props.iter().filter(|p| p.is_secret()) {
                out.insert((fold(&section.key), fold(&prop.name)), prop.raw.clone());
            }
            for sub in &section.subkeys {
                for named in sub.named.iter().filter(|n| n.is_secret()) {
                    out.insert((fold(&sub.key), fold(&named.name)), named.raw.clone());
                }
            }
        }
    }
    out
}

/// The undo export's values applied to the converted file with
/// olkit-regfile's line-exact edits.
fn undo_as_edits(converted: &[u8], undo: &[u8]) -> Vec<u8> {
    let mut file = RegFile::parse(converted).unwrap();
    let undo = RegFile::parse(undo).unwrap();
    for key in undo.keys() {
        assert!(!key.is_deletion(), "the undo export deletes a key");
        for entry in key.entries() {
            match entry.value() {
                Some(value) => file
                    .set_value(key.path(), entry.name(), value.clone())
                    .unwrap(),
                None => {
                    file.delete_value(key.path(), entry.name()).unwrap();
                }
            }
        }
    }
    file.to_bytes()
}

fn check_conversion(original: &[u8], server: Server) {
    let conversion = run(original, server);
    let converted = &conversion.converted;

    // Untouched lines: the items outside the changed values (and keys) are
    // the same, in the same order, byte for byte.
    let changed: BTreeSet<(String, Option<String>)> = conversion
        .plan
        .changes
        .iter()
        .map(|c| (fold(&c.key), c.value.as_deref().map(fold)))
        .collect();
    let key_changed: BTreeSet<&String> = changed
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k)
        .collect();
    let untouched = |bytes: &[u8]| -> Vec<(String, Option<String>, String)> {
        items(bytes)
            .into_iter()
            .filter(|(key, name, _)| {
                !key_changed.contains(key)
                    && !name
                        .as_ref()
                        .is_some_and(|n| changed.contains(&(key.clone(), Some(n.clone()))))
            })
            .collect()
    };
    assert_eq!(&converted[..2], &original[..2]);
    assert!(
        untouched(original) == untouched(converted),
        "a line outside the plan's changes differs"
    );
    // And the plan changes only keys of the KOC services.
    let allowed = koc_keys(original);
    for (key, _) in &changed {
        assert!(
            allowed.contains(key),
            "the plan changes {key}, not a KOC key"
        );
    }
    let blocked = matches!(server, Server::TooOld);
    for profile in &conversion.plan.profiles {
        match &profile.outcome {
            ProfileOutcome::Converted { server_configured } => {
                assert!(!blocked);
                assert_eq!(*server_configured, matches!(server, Server::Recent));
                assert_eq!(
                    profile.finish_later.is_empty(),
                    *server_configured,
                    "{profile:?}"
                );
            }
            ProfileOutcome::Blocked { .. } => assert!(blocked),
            ProfileOutcome::NoKoc => {}
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    if blocked || allowed.is_empty() {
        assert!(conversion.plan.is_empty());
        assert_eq!(converted, original);
    } else {
        assert!(!conversion.plan.is_empty());
    }

    // Import and undo.
    let before = imported(&[original]);
    let after = imported(&[original, converted]);
    assert_eq!(
        after,
        imported(&[converted]),
        "importing the converted export over the original leaves something else"
    );
    let undone = imported(&[original, converted, &conversion.undo]);
    assert!(undone == before, "converted then undo is not the original");
    assert!(
        undo_as_edits(converted, &conversion.undo) == original,
        "the undo's values applied to the converted file are not the original bytes"
    );

    // Idempotent (with the same server answer: a blocked profile stays
    // KOC, to be converted once the server is upgraded).
    let again = run(converted, server);
    assert!(again.plan.is_empty(), "{}", again.plan.render_text());
    assert!(&again.converted == converted);
    for profile in &again.plan.profiles {
        assert!(
            match profile.outcome {
                ProfileOutcome::AlreadyKoff | ProfileOutcome::NoKoc => true,
                ProfileOutcome::Blocked { .. } => blocked,
                _ => false,
            },
            "{profile:?}"
        );
    }
    let was_converted = conversion
        .plan
        .profiles
        .iter()
        .filter(|p| matches!(p.outcome, ProfileOutcome::Converted { .. }))
        .count();
    let already = again
        .plan
        .profiles
        .iter()
        .filter(|p| p.outcome == ProfileOutcome::AlreadyKoff)
        .count();
    assert_eq!(was_converted, already);

    // Secrets: carried byte for byte, never shown.
    let kept = secrets(original);
    assert_eq!(secrets(converted), kept);
    let text = conversion.plan.render_text();
    let json = format!("{:?}", conversion.plan);
    for value in kept.values() {
        let data = value.data();
        let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
        let listed = format!("{data:?}");
        for shown in [&text, &json] {
            assert!(!shown.contains(&hex) && !shown.contains(&listed[1..listed.len() - 1]));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Exports mixing KOC with other services and accounts.
    #[test]
    fn conversion_touches_only_koc_and_undoes(users in users(true), server in server()) {
        let original = export(&users);
        check_conversion(&original, server);
    }

    /// An export without KOC comes back unchanged with an empty plan.
    #[test]
    fn koc_free_export_is_unchanged(users in users(false), server in server()) {
        let original = export(&users);
        let conversion = run(&original, server);
        prop_assert!(conversion.plan.is_empty());
        prop_assert!(conversion.converted == original);
        prop_assert!(conversion
            .plan
            .profiles
            .iter()
            .all(|p| p.outcome == ProfileOutcome::NoKoc));
        prop_assert!(imported(&[&original, &conversion.undo]) == imported(&[&original]));
    }
}

/// The generator's exports hold what the properties are about: a KOC
/// service with its secret, and a KOC-free profile next to it.
#[test]
fn generated_exports_hold_koc_and_secrets() {
    let users = vec![UserSpec {
        root: RootSpec::Office16,
        profiles: vec![
            ProfileSpec {
                services: vec![ServiceKind::Koc { sz: false }, ServiceKind::Pst],
                accounts: vec![AccountKind::Imap],
            },
            ProfileSpec {
                services: vec![ServiceKind::Exchange],
                accounts: vec![AccountKind::Pop3],
            },
        ],
    }];
    let original = export(&users);
    assert_eq!(koc_keys(&original).len(), 4);
    assert_eq!(secrets(&original).len(), 3);
    let conversion = run(&original, Server::Recent);
    assert_eq!(conversion.plan.converted_count(), 1);
    check_conversion(&original, Server::Recent);
}
