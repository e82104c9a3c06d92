//! Loading, planning and converting a generated export of about 20 MB
//! holding 200 profiles, against `olkit_regfile`'s plain parse of the same
//! bytes in the same run (the floor: every step starts by reading the
//! `.reg` text).
//!
//! The export is written as regedit writes one (UTF-16LE with BOM, CRLF,
//! hex lines wrapped) through olkit-regfile's writer, from the profiles of
//! the test fixtures (`tests/support/profile_fixtures.rs`): four users
//! (Office 16, Office 16, Office 15 with REG_SZ strings, the legacy root),
//! 50 profiles each, half of them with a KOC service (KOC + PST + Exchange
//! with IMAP, POP3 and LDAP accounts, or KOC + IMAP), the others PST only;
//! each profile is filled up to about 90 KB with the kind of sections
//! Outlook keeps besides its services (names, flags, entry ids, binary
//! state), 20 to 30 values each.
//!
//! - **regfile parse**: `RegFile::parse`, the floor;
//! - **load**: `ProfileSet::parse` (the `.reg` reader, then the model);
//! - **plan**: `plan` with the built-in rules (the dry run);
//! - **convert**: `convert`, end to end: plan, converted and undo exports.
//!
//! Goal (issue 6): converting the 20 MB export in under 200 ms.
//!
//! `cargo bench -p olkit-profile-convert --bench convert`;
//! `OLKIT_BENCH_PROFILES` sets the number of profiles (default 200),
//! `OLKIT_BENCH_PROFILE_KB` the size of each (default 90),
//! `OLKIT_BENCH_RUNS` the timed runs of each step (default 7; the median
//! is reported).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

#[path = "../tests/support/profile_fixtures.rs"]
mod profile_fixtures;

#[allow(dead_code, reason = "each bench uses a part of the helpers")]
#[path = "../../../tests/rust/bench_support.rs"]
mod bench_support;
use bench_support::{env_number, verdict};

use std::time::{Duration, Instant};

use olkit_profile_convert::{
    convert, plan, ConvertOptions, ProfileOutcome, ProfileScope, ProfileSet, Rules, ServerQuery,
    ServerStatus, UserScope,
};
use olkit_regfile::{Format, RegFile, Value};
use profile_fixtures as fx;

const MB: f64 = 1e6;
const GOAL: Duration = Duration::from_millis(200);

fn main() {
    // `cargo bench` passes `--bench`; a plain `cargo test --benches` run
    // passes nothing and checks a small export once, quickly.
    let bench = std::env::args().any(|a| a == "--bench");
    let profiles: usize = env_number("OLKIT_BENCH_PROFILES", if bench { 200 } else { 8 });
    let profile_kb: usize = env_number("OLKIT_BENCH_PROFILE_KB", if bench { 90 } else { 10 });
    let runs: usize = env_number("OLKIT_BENCH_RUNS", if bench { 7 } else { 1 });

    let started = Instant::now();
    let (export, koc_profiles) = generate(profiles, profile_kb * 1000);
    eprintln!(
        "generated {:.1} MB, {profiles} profiles ({koc_profiles} with KOC) in {:.1} s",
        export.len() as f64 / MB,
        started.elapsed().as_secs_f64()
    );

    // What is timed is checked once first: the model sees every profile,
    // the conversion converts exactly the KOC ones and its undo export is
    // as large as what it replaces.
    let set = ProfileSet::parse(&export).unwrap();
    assert_eq!(set.profile_count(), profiles);
    let rules = Rules::builtin();
    let conversion = convert(&export, &mut options(&rules, &mut reachable)).unwrap();
    let converted = conversion
        .plan
        .profiles
        .iter()
        .filter(|p| matches!(p.outcome, ProfileOutcome::Converted { .. }))
        .count();
    assert_eq!(converted, koc_profiles, "{}", conversion.plan.render_text());
    assert_eq!(conversion.plan.converted_count(), koc_profiles);
    assert!(!conversion.plan.changes.is_empty());
    eprintln!(
        "plan: {} changes; converted export {:.1} MB, undo export {:.1} MB",
        conversion.plan.changes.len(),
        conversion.converted.len() as f64 / MB,
        conversion.undo.len() as f64 / MB
    );
    drop(conversion);

    let floor = time(runs, || {
        RegFile::parse(&export).unwrap();
    });
    let load = time(runs, || {
        ProfileSet::parse(&export).unwrap();
    });
    let planned = time(runs, || {
        plan(&export, &mut options(&rules, &mut reachable)).unwrap();
    });
    let converted = time(runs, || {
        convert(&export, &mut options(&rules, &mut reachable)).unwrap();
    });

    println!();
    println!(
        "| {:.1} MB, {profiles} profiles ({koc_profiles} KOC), median of {runs} | time | MB/s | vs regfile parse |",
        export.len() as f64 / MB
    );
    println!("|---|---|---|---|");
    for (name, t) in [
        ("regfile parse (floor)", floor),
        ("load (ProfileSet::parse)", load),
        ("plan", planned),
        ("convert (plan + converted + undo)", converted),
    ] {
        println!(
            "| {name} | {:.1} ms | {:.0} | {:.2}x |",
            t.as_secs_f64() * 1e3,
            export.len() as f64 / MB / t.as_secs_f64(),
            t.as_secs_f64() / floor.as_secs_f64()
        );
    }
    println!();
    println!(
        "goal: converting the {:.0} MB export in under {} ms: {:.1} ms ({})",
        export.len() as f64 / MB,
        GOAL.as_millis(),
        converted.as_secs_f64() * 1e3,
        verdict(converted < GOAL)
    );
    if !bench {
        println!("(a small export: run with `cargo bench` to measure the 20 MB one)");
    }
}

fn reachable(_query: &ServerQuery<'_>) -> ServerStatus {
    ServerStatus::Reachable {
        version: "7.4.1".to_string(),
    }
}

fn options<'a>(
    rules: &'a Rules,
    probe: &'a mut dyn FnMut(&ServerQuery<'_>) -> ServerStatus,
) -> ConvertOptions<'a> {
    ConvertOptions {
        rules,
        profiles: ProfileScope::All,
        users: UserScope::All,
        probe,
    }
}

/// The median of `runs` timed calls.
fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// A template profile: the fixture that holds it, its profile key there and
/// whether it has a KOC service.
struct Template {
    file: RegFile,
    key: String,
    koc: bool,
}

fn templates() -> Vec<Template> {
    let office16 = format!(r"{}\Profiles", fx::OFFICE16);
    let users = r"HKEY_USERS";
    vec![
        Template {
            file: fx::kerio_one_user(),
            key: format!(r"{office16}\Kerio"),
            koc: true,
        },
        Template {
            file: fx::kerio_one_user(),
            key: format!(r"{office16}\Outlook"),
            koc: false,
        },
        Template {
            file: fx::two_users(),
            key: format!(
                r"{users}\{}\Software\Microsoft\Office\15.0\Outlook\Profiles\Work",
                fx::SID_A
            ),
            koc: true,
        },
        Template {
            file: fx::two_users(),
            key: format!(
                r"{users}\{}\Software\Microsoft\Windows NT\CurrentVersion\Windows Messaging Subsystem\Profiles\MS Exchange Settings",
                fx::SID_B
            ),
            koc: false,
        },
    ]
}

/// Four users, each with its root; `profiles` are spread over them.
const ROOTS: [(&str, &str, bool); 4] = [
    (
        r"HKEY_USERS\S-1-5-21-2000000001-1000000001-100000001-1001\Software\Microsoft\Office\16.0\Outlook",
        r"Profiles",
        false,
    ),
    (
        r"HKEY_USERS\S-1-5-21-2000000001-1000000001-100000001-1002\Software\Microsoft\Office\16.0\Outlook",
        r"Profiles",
        false,
    ),
    (
        r"HKEY_USERS\S-1-5-21-2000000001-1000000001-100000001-1003\Software\Microsoft\Office\15.0\Outlook",
        r"Profiles",
        false,
    ),
    (
        r"HKEY_USERS\S-1-5-21-2000000001-1000000001-100000001-1004\Software\Microsoft\Windows NT\CurrentVersion\Windows Messaging Subsystem",
        r"Profiles",
        true,
    ),
];

/// The export and the number of profiles with a KOC service. Each user's
/// part is written by its own `RegFile` and the parts are joined without
/// their headers: the same bytes regedit writes for the whole tree.
fn generate(profiles: usize, profile_bytes: usize) -> (Vec<u8>, usize) {
    let templates = templates();
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut koc_profiles = 0;
    for (u, (outlook, profiles_name, legacy)) in ROOTS.iter().enumerate() {
        let mut file = RegFile::new(Format::Regedit5);
        let root = format!(r"{outlook}\{profiles_name}");
        let mut names: Vec<(String, usize)> = (u..profiles)
            .step_by(ROOTS.len())
            .map(|i| (format!("Profile {i:03}"), i))
            .collect();
        names.sort();
        let default = names.first().map(|(n, _)| n.clone()).unwrap_or_default();
        if *legacy {
            file.add_key(outlook).unwrap();
            file.set_value(&root, "DefaultProfile", Value::string(&default))
                .unwrap();
        } else {
            file.set_value(outlook, "DefaultProfile", Value::string(&default))
                .unwrap();
            file.add_key(&root).unwrap();
        }
        for (name, i) in names {
            let template = &templates[i % templates.len()];
            koc_profiles += usize::from(template.koc);
            let mut piece = RegFile::new(Format::Regedit5);
            let key = format!(r"{root}\{name}");
            copy_profile(template, &key, &mut piece);
            let mut filler = 0;
            while piece.to_bytes().len() < profile_bytes {
                for _ in 0..4 {
                    filler_section(&mut piece, &key, i, filler);
                    filler += 1;
                }
            }
            parts.push(without_header(&file.to_bytes()));
            file = RegFile::new(Format::Regedit5);
            parts.push(without_header(&piece.to_bytes()));
        }
        parts.push(without_header(&file.to_bytes()));
    }
    let mut export = RegFile::new(Format::Regedit5).to_bytes();
    for part in parts {
        export.extend_from_slice(&part);
    }
    (export, koc_profiles)
}

/// The header regedit writes (BOM, version line, blank line) is dropped
/// from every part but the first.
fn without_header(bytes: &[u8]) -> Vec<u8> {
    let header = RegFile::new(Format::Regedit5).to_bytes();
    assert!(bytes.starts_with(&header));
    bytes[header.len()..].to_vec()
}

/// Copies the template's profile key and everything below it under `key`,
/// in the template's order (regedit's).
fn copy_profile(template: &Template, key: &str, out: &mut RegFile) {
    let below = format!("{}\\", template.key.to_ascii_lowercase());
    let keys = template.file.keys().filter(|k| {
        let path = k.path().to_ascii_lowercase();
        path == template.key.to_ascii_lowercase() || path.starts_with(&below)
    });
    for k in keys {
        let path = format!("{key}{}", &k.path()[template.key.len()..]);
        out.add_key(&path).unwrap();
        for entry in k.entries() {
            if let Some(value) = entry.value() {
                out.set_value(&path, entry.name(), value.clone()).unwrap();
            }
        }
    }
}

/// A section of the kind Outlook keeps besides the services (views,
/// folders, state), 20 to 30 values: names, flags, entry ids, blobs.
fn filler_section(out: &mut RegFile, profile: &str, profile_index: usize, n: usize) {
    let uid = format!(
        "{:08x}{:08x}{:016x}",
        0xf00d_0000_u32 + n as u32,
        profile_index,
        n * 7919
    );
    let key = format!(r"{profile}\{uid}");
    out.add_key(&key).unwrap();
    let seed = (profile_index * 31 + n) as u32;
    let count = 20 + (seed % 11) as usize;
    for v in 0..count {
        let id = 0x6700 + v as u32;
        let value_seed = seed.wrapping_mul(2_654_435_761).wrapping_add(v as u32);
        let (name, value) = match v % 5 {
            0 => (
                format!("001f{id:04x}"),
                fx::unicode(&format!("Folder view {n}.{v} of profile {profile_index}")),
            ),
            1 => (format!("0003{id:04x}"), fx::long(value_seed)),
            2 => (
                format!("000b{id:04x}"),
                Value::binary(vec![(value_seed & 1) as u8, 0]),
            ),
            3 => (
                format!("0102{id:04x}"),
                Value::binary(bytes(value_seed, 46 + (value_seed % 100) as usize)),
            ),
            _ => (format!("0040{id:04x}"), Value::binary(bytes(value_seed, 8))),
        };
        out.set_value(&key, &name, value).unwrap();
    }
}

fn bytes(seed: u32, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}
