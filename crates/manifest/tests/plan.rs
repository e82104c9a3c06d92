//! The update planner: every action and reason, matching, superseding,
//! order, rollout buckets, and properties over random inputs.

// Helpers outside #[test] functions assert too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::Command;

use olkit_manifest::{
    channel_includes, plan, rollout_bucket, Action, Architecture, Environment, InstalledProduct,
    Manifest, Product, Reason, Version,
};
use proptest::prelude::*;

const KOFF: &str = "{1B4D6F0A-2C3E-4F50-8A9B-0C1D2E3F4A5B}";
const KOFF_PRODUCT: &str = "{99999999-2C3E-4F50-8A9B-0C1D2E3F4A5B}";

fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

fn koff(version: &str) -> Product {
    let mut product = Product::new("Kerio Outlook Connector", v(version));
    product.upgrade_code = Some(KOFF.to_owned());
    product
}

fn env() -> Environment {
    Environment {
        server_version: Some(v("7.0.0")),
        outlook_version: Some("2016".to_owned()),
        outlook_bitness: Some(Architecture::X64),
        windows_version: Some(v("10.0.19045")),
        architecture: Architecture::X64,
        channel: "stable".to_owned(),
        machine_id: "machine-0001".to_owned(),
    }
}

fn installed(version: &str) -> InstalledProduct {
    InstalledProduct {
        // As Windows Installer's inventory may spell it: lower case.
        product_code: Some(KOFF_PRODUCT.to_lowercase()),
        upgrade_code: Some(KOFF.to_lowercase()),
        version: v(version),
        name: "Kerio Outlook Connector (Offline Edition)".to_owned(),
    }
}

fn manifest(products: Vec<Product>) -> Manifest {
    Manifest {
        products,
        ..Manifest::default()
    }
}

/// A machine id whose bucket for `product` is at least (or, with
/// `below`, below) `percent`.
fn machine_for(product: &Product, percent: u8, below: bool) -> String {
    let key = format!("upgrade:{}", KOFF.trim_matches(['{', '}']));
    (0..)
        .map(|n| format!("machine-{n}"))
        .find(|id| (rollout_bucket(id, &key, &product.version) < percent) == below)
        .unwrap()
}

type Tweak = fn(&mut Product, &mut Environment, &mut Vec<InstalledProduct>);

#[test]
fn every_reason_in_words() {
    // name, change to the baseline (KOFF 7.2.0, not installed, fitting
    // machine), action, reasons (their Display)
    let table: &[(&str, Tweak, Action, &[&str])] = &[
        ("baseline", |_, _, _| {}, Action::Install, &[]),
        (
            "upgrade",
            |_, _, i| i.push(installed("7.1.0")),
            Action::Upgrade,
            &["replaces version 7.1.0"],
        ),
        (
            "same version",
            |_, _, i| i.push(installed("7.2.0")),
            Action::UpToDate,
            &["version 7.2.0 is installed"],
        ),
        (
            "newer installed",
            |_, _, i| i.push(installed("7.3.0")),
            Action::UpToDate,
            &["a newer version 7.3.0 is installed"],
        ),
        (
            "server too old",
            |p, e, _| {
                p.min_server_version = Some(v("6.5.0"));
                e.server_version = Some(v("6.4.2"));
            },
            Action::Blocked,
            &["needs server version 6.5.0 or later; the server runs 6.4.2"],
        ),
        (
            "server too new",
            |p, e, _| {
                p.max_server_version = Some(v("7.4"));
                e.server_version = Some(v("8.0.1"));
            },
            Action::Blocked,
            &["supports server versions up to 7.4; the server runs 8.0.1"],
        ),
        (
            "server unknown",
            |p, e, _| {
                p.min_server_version = Some(v("6.5.0"));
                e.server_version = None;
            },
            Action::Blocked,
            &["needs server version 6.5.0 or later; the server version is unknown"],
        ),
        (
            "server range unknown",
            |p, e, _| {
                p.min_server_version = Some(v("6.5.0"));
                p.max_server_version = Some(v("7.4"));
                e.server_version = None;
            },
            Action::Blocked,
            &["needs server version 6.5.0 to 7.4; the server version is unknown"],
        ),
        (
            "windows too old",
            |p, e, _| {
                p.min_windows_version = Some(v("10.0"));
                e.windows_version = Some(v("6.1.7601"));
            },
            Action::Blocked,
            &["needs Windows 10.0 or later; this machine runs Windows 6.1.7601"],
        ),
        (
            "windows unknown",
            |p, e, _| {
                p.min_windows_version = Some(v("10.0"));
                e.windows_version = None;
            },
            Action::Blocked,
            &["needs Windows 10.0 or later; the Windows version is unknown"],
        ),
        (
            "64-bit package, 32-bit Outlook",
            |p, e, _| {
                p.architecture = Some(Architecture::X64);
                e.outlook_bitness = Some(Architecture::X86);
            },
            Action::NotApplicable,
            &["for 64-bit Outlook; this Outlook is 32-bit"],
        ),
        (
            "32-bit package, 64-bit Outlook",
            |p, _, _| p.architecture = Some(Architecture::X86),
            Action::NotApplicable,
            &["for 32-bit Outlook; this Outlook is 64-bit"],
        ),
        (
            "64-bit package, 32-bit Windows",
            |p, e, _| {
                p.architecture = Some(Architecture::X64);
                e.architecture = Architecture::X86;
                e.outlook_bitness = Some(Architecture::X86);
            },
            Action::NotApplicable,
            &[
                "for 64-bit Windows; this Windows is 32-bit",
                "for 64-bit Outlook; this Outlook is 32-bit",
            ],
        ),
        (
            "bitness unknown",
            |p, e, _| {
                p.architecture = Some(Architecture::X64);
                e.outlook_bitness = None;
            },
            Action::Blocked,
            &["for 64-bit Outlook; Outlook's bitness is unknown"],
        ),
        (
            "outlook not listed",
            |p, e, _| {
                p.outlook_versions = vec!["2019".to_owned(), "365".to_owned()];
                e.outlook_version = Some("Outlook 2010".to_owned());
            },
            Action::NotApplicable,
            &["for Outlook 2019, 365; this Outlook is Outlook 2010"],
        ),
        (
            "outlook listed with other words",
            |p, e, _| {
                p.outlook_versions = vec!["Microsoft Outlook 2007".to_owned(), "2010".to_owned()];
                e.outlook_version = Some("outlook 2007".to_owned());
            },
            Action::Install,
            &[],
        ),
        (
            "outlook internal version 14 is 2010",
            |p, e, _| {
                p.outlook_versions = vec!["2010".to_owned()];
                e.outlook_version = Some("14.0.7268.5000".to_owned());
            },
            Action::Install,
            &[],
        ),
        (
            "outlook internal version 15 is not 2010",
            |p, e, _| {
                p.outlook_versions = vec!["2010".to_owned()];
                e.outlook_version = Some("15.0.4569.1506".to_owned());
            },
            Action::NotApplicable,
            &["for Outlook 2010; this Outlook is 15.0.4569.1506"],
        ),
        (
            "outlook unknown",
            |p, e, _| {
                p.outlook_versions = vec!["2016".to_owned()];
                e.outlook_version = None;
            },
            Action::Blocked,
            &["for Outlook 2016; the Outlook version is unknown"],
        ),
        (
            "beta package, stable machine",
            |p, _, _| p.channel = Some("beta".to_owned()),
            Action::NotApplicable,
            &["in the beta channel; this machine follows stable"],
        ),
        (
            "beta package, beta machine",
            |p, e, _| {
                p.channel = Some("Beta".to_owned());
                e.channel = "beta".to_owned();
            },
            Action::Install,
            &[],
        ),
        (
            "stable package, beta machine",
            |_, e, _| e.channel = "beta".to_owned(),
            Action::Install,
            &[],
        ),
        (
            "outside the rollout group",
            |p, e, _| {
                p.rollout_percent = Some(37);
                e.machine_id = machine_for(p, 37, false);
            },
            Action::NotApplicable,
            &["not in your rollout group (37% of machines)"],
        ),
        (
            "inside the rollout group",
            |p, e, _| {
                p.rollout_percent = Some(37);
                e.machine_id = machine_for(p, 37, true);
            },
            Action::Install,
            &[],
        ),
        (
            "critical with a cache upgrade",
            |p, _, i| {
                p.critical = true;
                p.required_cache_format = Some(3);
                i.push(installed("7.1.0"));
            },
            Action::Upgrade,
            &[
                "replaces version 7.1.0",
                "a critical update",
                "upgrades the local cache database to format 3",
            ],
        ),
        (
            "up to date wins over a blocker",
            |p, e, i| {
                p.min_server_version = Some(v("9.0"));
                e.server_version = Some(v("7.0"));
                i.push(installed("7.2.0"));
            },
            Action::UpToDate,
            &["version 7.2.0 is installed"],
        ),
        (
            "not for this machine wins over installed",
            |p, _, i| {
                p.channel = Some("beta".to_owned());
                i.push(installed("7.1.0"));
            },
            Action::NotApplicable,
            &["in the beta channel; this machine follows stable"],
        ),
    ];
    for (name, tweak, action, reasons) in table {
        let mut product = koff("7.2.0");
        let mut environment = env();
        let mut inventory = Vec::new();
        tweak(&mut product, &mut environment, &mut inventory);
        let cache = product.required_cache_format;
        let result = plan(&manifest(vec![product]), &inventory, &environment);
        assert_eq!(result.items.len(), 1);
        let item = &result.items[0];
        let words: Vec<String> = item.reasons.iter().map(ToString::to_string).collect();
        assert_eq!(item.action, *action, "{name}: {words:?}");
        assert_eq!(words, *reasons, "{name}");
        assert_eq!(item.index, 0);
        assert_eq!(
            item.installed,
            inventory.first().map(|i| i.version.clone()),
            "{name}"
        );
        let offered = action.is_offered();
        assert_eq!(
            result.order,
            if offered { vec![0] } else { vec![] },
            "{name}"
        );
        assert_eq!(result.cache_upgrade(), cache.filter(|_| offered), "{name}");
    }
}

#[test]
fn reasons_carry_their_values() {
    let mut product = koff("7.2.0");
    product.rollout_percent = Some(10);
    let mut environment = env();
    environment.machine_id = machine_for(&product, 10, false);
    let result = plan(&manifest(vec![product.clone()]), &[], &environment);
    let key = format!("upgrade:{}", KOFF.trim_matches(['{', '}']));
    let bucket = rollout_bucket(&environment.machine_id, &key, &product.version);
    assert!(bucket >= 10);
    assert_eq!(
        result.items[0].reasons,
        vec![Reason::Rollout {
            percent: 10,
            bucket
        }]
    );
}

#[test]
fn windows_installer_semantics_ignore_the_fourth_field() {
    // offered, installed, action
    let table: &[(&str, &str, Action)] = &[
        ("7.2.0.4567", "7.2.0.12", Action::UpToDate),
        ("7.2.0.12", "7.2.0.4567", Action::UpToDate),
        ("7.2.1.0", "7.2.0.4567", Action::Upgrade),
        ("7.2.0 beta 2", "7.2.0", Action::UpToDate),
        ("7.2.0 patch 1", "7.2.0", Action::UpToDate),
        ("7.2.0", "7.3", Action::UpToDate),
        // Beyond 255.255.65535: the full order decides.
        ("300.0.0.2", "300.0.0.1", Action::Upgrade),
        ("7.2.0.1", "300.0.0", Action::UpToDate),
        ("1.2.3.4.5", "1.2.3.4", Action::Upgrade),
    ];
    for &(offered, on_machine, action) in table {
        let result = plan(
            &manifest(vec![koff(offered)]),
            &[installed(on_machine)],
            &env(),
        );
        assert_eq!(
            result.items[0].action, action,
            "{offered} over {on_machine}"
        );
    }
}

#[test]
fn matches_by_upgrade_code_product_code_or_name() {
    let other_code = "{00000000-0000-0000-0000-000000000001}";
    // manifest codes (upgrade, product), installed codes (upgrade,
    // product), installed name, matches
    type Row = (
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        &'static str,
        bool,
    );
    let table: &[Row] = &[
        (Some(KOFF), None, Some(KOFF), None, "x", true),
        (
            Some(KOFF),
            None,
            Some("1b4d6f0a-2c3e-4f50-8a9b-0c1d2e3f4a5b"),
            None,
            "x",
            true,
        ),
        (
            Some(KOFF),
            None,
            Some(other_code),
            None,
            "Kerio Outlook Connector",
            false,
        ),
        (
            Some(KOFF),
            Some(KOFF_PRODUCT),
            None,
            Some(KOFF_PRODUCT),
            "x",
            true,
        ),
        (
            None,
            Some(KOFF_PRODUCT),
            Some(KOFF),
            Some(KOFF_PRODUCT),
            "x",
            true,
        ),
        (None, Some(KOFF_PRODUCT), Some(KOFF), None, "x", false),
        (
            None,
            None,
            Some(KOFF),
            None,
            " kerio outlook CONNECTOR ",
            true,
        ),
        (None, None, None, None, "Kerio Connector", false),
    ];
    for (i, &(up, code, inst_up, inst_code, name, matches)) in table.iter().enumerate() {
        let mut product = koff("7.2.0");
        product.upgrade_code = up.map(str::to_owned);
        product.product_code = code.map(str::to_owned);
        let on_machine = InstalledProduct {
            upgrade_code: inst_up.map(str::to_owned),
            product_code: inst_code.map(str::to_owned),
            version: v("7.1"),
            name: name.to_owned(),
        };
        let result = plan(&manifest(vec![product]), &[on_machine], &env());
        let expected = if matches {
            Action::Upgrade
        } else {
            Action::Install
        };
        assert_eq!(result.items[0].action, expected, "row {i}");
    }
}

#[test]
fn the_highest_installed_version_counts() {
    let result = plan(
        &manifest(vec![koff("7.2.0")]),
        &[installed("7.1.0"), installed("7.3.0"), installed("6.5")],
        &env(),
    );
    assert_eq!(result.items[0].action, Action::UpToDate);
    assert_eq!(result.items[0].installed, Some(v("7.3.0")));
}

#[test]
fn one_offer_per_product_the_highest_applicable() {
    let mut blocked = koff("7.4.0");
    blocked.min_server_version = Some(v("8.0"));
    let mut beta = koff("7.5.0 beta 1");
    beta.channel = Some("beta".to_owned());
    let mut other = Product::new("OX Drive", v("2.0"));
    other.upgrade_code = Some("{00000000-0000-0000-0000-0000000000AA}".to_owned());
    let products = vec![
        koff("7.2.0"),
        koff("7.3.0"),
        blocked,
        beta,
        koff("7.3.0.1"),
        koff("7.1.0"),
        other,
    ];
    let result = plan(&manifest(products), &[installed("7.0")], &env());
    let actions: Vec<(Action, Vec<String>)> = result
        .items
        .iter()
        .map(|item| {
            (
                item.action,
                item.reasons.iter().map(ToString::to_string).collect(),
            )
        })
        .collect();
    // 7.3.0.1 is the same as 7.3.0 to Windows Installer, but the newer
    // build of the two: the full order picks the offer.
    let superseded = || {
        (
            Action::NotApplicable,
            vec!["version 7.3.0.1 of the same product is offered instead".to_owned()],
        )
    };
    assert_eq!(
        actions,
        vec![
            superseded(),
            superseded(),
            (
                Action::Blocked,
                vec!["needs server version 8.0 or later; the server runs 7.0.0".to_owned()]
            ),
            (
                Action::NotApplicable,
                vec!["in the beta channel; this machine follows stable".to_owned()]
            ),
            (Action::Upgrade, vec!["replaces version 7.0".to_owned()]),
            superseded(),
            (Action::Install, vec![]),
        ]
    );
    assert_eq!(result.order, vec![4, 6]);
}

#[test]
fn order_is_critical_first_then_by_name() {
    let names = [
        ("zeta", false),
        ("Alpha", false),
        ("beta", true),
        ("alpha", false),
        ("Gamma", true),
    ];
    let products = names
        .iter()
        .enumerate()
        .map(|(i, (name, critical))| {
            let mut product = Product::new(*name, v("1.0"));
            product.upgrade_code = Some(format!("{{00000000-0000-0000-0000-00000000000{i}}}"));
            product.critical = *critical;
            product
        })
        .collect();
    let result = plan(&manifest(products), &[], &env());
    let order: Vec<&str> = result.to_apply().map(|item| item.name.as_str()).collect();
    assert_eq!(order, ["beta", "Gamma", "Alpha", "alpha", "zeta"]);
}

#[test]
fn cache_upgrade_of_the_plan_is_the_highest_offered() {
    let mut a = Product::new("A", v("1"));
    a.required_cache_format = Some(2);
    let mut b = Product::new("B", v("1"));
    b.required_cache_format = Some(5);
    b.channel = Some("beta".to_owned());
    let mut c = Product::new("C", v("1"));
    c.required_cache_format = Some(4);
    let result = plan(&manifest(vec![a, b, c]), &[], &env());
    assert_eq!(result.cache_upgrade(), Some(4));
    assert_eq!(result.items[1].cache_upgrade, None);
    let none = plan(&manifest(vec![Product::new("D", v("1"))]), &[], &env());
    assert_eq!(none.cache_upgrade(), None);
}

#[test]
fn channels() {
    // machine, package, seen
    let table = [
        ("stable", "stable", true),
        ("stable", "beta", false),
        ("beta", "stable", true),
        ("beta", "beta", true),
        ("beta", "alpha", false),
        ("alpha", "beta", true),
        ("dev", "alpha", true),
        ("", "stable", true),
        ("", "beta", false),
        ("BETA", "Beta", true),
        ("insider", "insider", true),
        ("insider", "stable", true),
        ("insider", "beta", false),
        ("dev", "insider", false),
    ];
    for (machine, package, seen) in table {
        assert_eq!(
            channel_includes(machine, package),
            seen,
            "{machine} sees {package}"
        );
    }
}

/// The bucket, computed by coreutils' `sha256sum` over the documented
/// input.
fn bucket_by_sha256sum(machine: &str, key: &str, version: &str) -> u8 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input");
    std::fs::write(&path, format!("{machine}\n{key}\n{version}")).unwrap();
    let out = Command::new("sha256sum").arg(&path).output().unwrap();
    assert!(out.status.success());
    let hex = String::from_utf8(out.stdout).unwrap();
    let first = u64::from_str_radix(&hex[..16], 16).unwrap();
    u8::try_from(first % 100).unwrap()
}

#[test]
fn rollout_bucket_is_sha256_as_documented() {
    let key = "upgrade:1B4D6F0A-2C3E-4F50-8A9B-0C1D2E3F4A5B";
    for (machine, version) in [
        ("machine-0001", "7.2.0"),
        ("3f2b9c1e-7d44-4a0b-9a51-0c6d2f1e8b77", "7.2.0-rc1"),
        ("Grüße", "6.15.1"),
    ] {
        let version = v(version);
        assert_eq!(
            rollout_bucket(machine, key, &version),
            bucket_by_sha256sum(machine, key, &version.canonical()),
            "{machine}"
        );
    }
    // Equal versions spelled differently share the bucket.
    assert_eq!(
        rollout_bucket("m", key, &v("7.2")),
        rollout_bucket("m", key, &v("v7.2.0"))
    );
}

#[test]
fn rollout_reaches_about_its_share_of_machines() {
    let key = "upgrade:1B4D6F0A-2C3E-4F50-8A9B-0C1D2E3F4A5B";
    let version = v("7.2.0");
    let mut counts = [0u32; 100];
    for n in 0..20_000 {
        counts[usize::from(rollout_bucket(&format!("machine-{n}"), key, &version))] += 1;
    }
    // 200 expected per bucket; a uniform draw stays well within 130..270.
    assert!(
        counts.iter().all(|&c| (130..270).contains(&c)),
        "{counts:?}"
    );
    let below_37: u32 = counts[..37].iter().sum();
    assert!((7_000..7_800).contains(&below_37), "{below_37}");
    // A new version reshuffles the groups.
    let same = (0..1000)
        .filter(|n| {
            let id = format!("machine-{n}");
            rollout_bucket(&id, key, &version) == rollout_bucket(&id, key, &v("7.3.0"))
        })
        .count();
    assert!(same < 50, "{same}");
}

#[test]
fn rollout_zero_and_hundred() {
    for (percent, action) in [(0, Action::NotApplicable), (100, Action::Install)] {
        let mut product = koff("7.2.0");
        product.rollout_percent = Some(percent);
        for n in 0..50 {
            let mut environment = env();
            environment.machine_id = format!("m{n}");
            let result = plan(&manifest(vec![product.clone()]), &[], &environment);
            assert_eq!(result.items[0].action, action);
        }
    }
}

// -- properties

fn any_version() -> impl Strategy<Value = Version> {
    (
        prop::collection::vec(prop_oneof![0u64..4, Just(300u64)], 1..5),
        prop_oneof![Just(""), Just(" beta 1"), Just("-rc2"), Just(" patch 1")],
    )
        .prop_map(|(fields, tag)| {
            let fields: Vec<String> = fields.iter().map(u64::to_string).collect();
            v(&format!("{}{tag}", fields.join(".")))
        })
}

const CODES: [&str; 3] = [
    "{00000000-0000-0000-0000-0000000000A1}",
    "{00000000-0000-0000-0000-0000000000A2}",
    "{00000000-0000-0000-0000-0000000000A3}",
];

fn any_product() -> impl Strategy<Value = Product> {
    (
        0..3usize,
        prop::option::of(0..3usize),
        any_version(),
        prop::option::of(prop_oneof![
            Just(Architecture::X86),
            Just(Architecture::X64)
        ]),
        prop::option::of(prop_oneof![Just("stable"), Just("beta")]),
        prop::option::of(0u8..=100),
        any::<bool>(),
        prop::option::of(any_version()),
        prop::option::of(1u32..5),
    )
        .prop_map(
            |(name, code, version, arch, channel, rollout, critical, min_server, cache)| {
                let mut product = Product::new(["A", "b", "C"][name], version);
                product.upgrade_code = code.map(|c| CODES[c].to_owned());
                product.architecture = arch;
                product.channel = channel.map(str::to_owned);
                product.rollout_percent = rollout;
                product.critical = critical;
                product.min_server_version = min_server;
                product.required_cache_format = cache;
                product
            },
        )
}

fn any_installed() -> impl Strategy<Value = InstalledProduct> {
    // Equal versions spelled differently, so that ties between installed
    // products come up.
    let version = prop_oneof![
        any_version(),
        prop_oneof![Just("1"), Just("1.0"), Just("v1.0.0"), Just("1.0.0.0")].prop_map(v),
    ];
    (
        0..3usize,
        prop::option::of(0..3usize),
        version,
        any::<bool>(),
    )
        .prop_map(|(name, code, version, lower)| InstalledProduct {
            product_code: None,
            upgrade_code: code.map(|c| {
                if lower {
                    CODES[c].to_lowercase()
                } else {
                    CODES[c].to_owned()
                }
            }),
            version,
            name: ["a", "B", "c"][name].to_owned(),
        })
}

fn any_env() -> impl Strategy<Value = Environment> {
    (
        prop::option::of(any_version()),
        prop::option::of(prop_oneof![
            Just(Architecture::X86),
            Just(Architecture::X64)
        ]),
        prop_oneof![Just("stable"), Just("beta")],
        "[a-z0-9]{1,8}",
    )
        .prop_map(|(server, bitness, channel, machine)| Environment {
            server_version: server,
            outlook_version: Some("2016".to_owned()),
            outlook_bitness: bitness,
            windows_version: Some(v("10.0")),
            architecture: Architecture::X64,
            channel: channel.to_owned(),
            machine_id: machine,
        })
}

proptest! {
    #[test]
    fn never_a_downgrade_and_only_one_offer_per_product(
        products in prop::collection::vec(any_product(), 0..8),
        inventory in prop::collection::vec(any_installed(), 0..6),
        environment in any_env(),
    ) {
        let m = manifest(products);
        let result = plan(&m, &inventory, &environment);
        prop_assert_eq!(result.items.len(), m.products.len());
        let mut offered_keys = std::collections::HashSet::new();
        for (position, item) in result.items.iter().enumerate() {
            let product = &m.products[position];
            prop_assert_eq!(item.index, position);
            prop_assert_eq!(&item.version, &product.version);
            // Every installed product the package matches is older.
            let matching: Vec<&InstalledProduct> = inventory
                .iter()
                .filter(|i| match &product.upgrade_code {
                    Some(code) => i.upgrade_code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(code)),
                    None => i.name.eq_ignore_ascii_case(&product.name),
                })
                .collect();
            if item.action.is_offered() {
                for i in &matching {
                    prop_assert!(product.version > i.version, "{} over {}", product.version, i.version);
                }
                prop_assert_eq!(item.action == Action::Upgrade, !matching.is_empty());
                let key = product.upgrade_code.clone().unwrap_or_else(|| product.name.to_lowercase());
                prop_assert!(offered_keys.insert(key), "two offers for one product");
            }
            prop_assert_eq!(item.action.is_offered(), result.order.contains(&position));
        }
    }

    #[test]
    fn deterministic_whatever_the_order_of_the_installed_list(
        products in prop::collection::vec(any_product(), 0..8),
        inventory in prop::collection::vec(any_installed(), 0..6),
        environment in any_env(),
        rotate in 0..6usize,
    ) {
        let m = manifest(products);
        let first = plan(&m, &inventory, &environment);
        prop_assert_eq!(&first, &plan(&m, &inventory, &environment));
        let mut shuffled = inventory.clone();
        shuffled.reverse();
        if !shuffled.is_empty() {
            let by = rotate % shuffled.len();
            shuffled.rotate_left(by);
        }
        let second = plan(&m, &shuffled, &environment);
        prop_assert_eq!(first.order, second.order);
        for (a, b) in first.items.iter().zip(&second.items) {
            prop_assert_eq!(a.action, b.action);
            prop_assert_eq!(&a.reasons, &b.reasons);
            // Same text, not only equal versions.
            prop_assert_eq!(
                a.installed.as_ref().map(Version::text),
                b.installed.as_ref().map(Version::text)
            );
        }
    }
}
