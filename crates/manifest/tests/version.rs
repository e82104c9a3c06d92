//! The version type: what it reads, its order, and its views.

// Helpers outside #[test] functions assert too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use olkit_manifest::{Error, Version};
use proptest::prelude::*;

fn v(text: &str) -> Version {
    Version::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn hash_of(version: &Version) -> u64 {
    let mut hasher = DefaultHasher::new();
    version.hash(&mut hasher);
    hasher.finish()
}

#[test]
fn reads_what_vendors_write() {
    // text, fields, prerelease, postrelease
    let table: &[(&str, &[u64], bool, bool)] = &[
        ("6.5.0", &[6, 5, 0], false, false),
        ("7.2.0.4567", &[7, 2, 0, 4567], false, false),
        ("7.2", &[7, 2], false, false),
        ("v1.2.3", &[1, 2, 3], false, false),
        ("V1.2.3", &[1, 2, 3], false, false),
        ("7.2.0 beta 2", &[7, 2, 0], true, false),
        ("7.2.0-rc1", &[7, 2, 0], true, false),
        ("6.15.1", &[6, 15, 1], false, false),
        ("7.2.0 Beta", &[7, 2, 0], true, false),
        ("7.2.0-beta.2", &[7, 2, 0], true, false),
        ("7.2.0 RC 1", &[7, 2, 0], true, false),
        ("7.2.0 patch 1", &[7, 2, 0], false, true),
        ("7.2.0 SP2", &[7, 2, 0], false, true),
        ("7.2.0alpha", &[7, 2, 0], true, false),
        ("7.2.0.beta", &[7, 2, 0], true, false),
        ("7.2.0_rc_3", &[7, 2, 0], true, false),
        ("  7.2.0  ", &[7, 2, 0], false, false),
        ("007.02", &[7, 2], false, false),
        ("18446744073709551615", &[u64::MAX], false, false),
    ];
    for &(text, fields, pre, post) in table {
        let version = v(text);
        assert_eq!(version.text(), text);
        assert_eq!(version.to_string(), text);
        assert_eq!(version.fields(), fields, "{text:?}");
        assert_eq!(version.is_prerelease(), pre, "{text:?}");
        assert_eq!(version.is_postrelease(), post, "{text:?}");
        let via_from_str: Version = text.parse().unwrap();
        assert_eq!(via_from_str.text(), text);
    }
}

#[test]
fn rejects_what_is_not_a_version_with_where_and_what() {
    // text, byte offset of the problem
    let table: &[(&str, usize)] = &[
        ("", 0),
        ("   ", 3),
        ("beta", 0),
        ("v", 0),
        ("7.", 2),
        ("7..2", 2),
        (".7", 0),
        ("7.2.0-", 6),
        ("7.2.0 gamma", 6),
        ("7.2.0 beta x", 11),
        ("7.2.0 beta 2 3", 12),
        ("7.2.0 beta 2 patch 1", 12),
        ("7.2.0 (build 5)", 6),
        ("18446744073709551616", 19),
        ("1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17", 39),
        ("7.2.0+build.5", 5),
        ("7,2", 1),
        ("٣.2", 0),
    ];
    for &(text, expected_position) in table {
        match Version::parse(text) {
            Err(Error::InvalidVersion {
                text: shown,
                position,
                problem,
            }) => {
                assert_eq!(shown, text);
                assert_eq!(position, expected_position, "{text:?}: {problem}");
                assert!(!problem.is_empty());
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    let long = "1".repeat(300);
    assert!(matches!(
        Version::parse(&long),
        Err(Error::InvalidVersion { text, .. }) if text.len() == 64
    ));
}

#[test]
fn orders_as_documented() {
    // Each strictly below the next.
    let chain = [
        "0.9",
        "1.0 alpha",
        "1.0 alpha 1",
        "1.0 alpha 2",
        "1.0 alpha 10",
        "1.0 beta",
        "1.0-beta.0",
        "1.0 beta 2",
        "1.0 rc",
        "1.0-rc1",
        "1.0 RC 2",
        "1.0",
        "1.0 patch",
        "1.0 patch 1",
        "1.0 hotfix 2",
        "1.0.0.1",
        "1.0.1",
        "6.5.0",
        "6.15.1",
        "7.2.0.4567",
        "7.2.0.4568",
        "7.10",
        "18446744073709551615",
    ];
    for (i, a) in chain.iter().enumerate() {
        for (j, b) in chain.iter().enumerate() {
            assert_eq!(v(a).cmp(&v(b)), i.cmp(&j), "{a:?} vs {b:?}");
        }
    }
}

#[test]
fn equal_versions_with_different_texts() {
    let groups: &[&[&str]] = &[
        &["7.2", "7.2.0", "v7.2.0.0", "007.2", " 7.2 "],
        &["7.2.0-rc1", "7.2 RC 1", "7.2.0.rc.01", "v7.2rc1"],
        &["7.2.0 patch 1", "7.2 SP1", "7.2.0-hotfix.1", "7.2.0 post 1"],
        &["0", "0.0.0", "v0"],
    ];
    for group in groups {
        let first = v(group[0]);
        for text in *group {
            let other = v(text);
            assert_eq!(first, other, "{:?} vs {text:?}", group[0]);
            assert_eq!(hash_of(&first), hash_of(&other), "{text:?}");
            assert_eq!(first.canonical(), other.canonical(), "{text:?}");
            assert_eq!(other.text(), *text);
        }
    }
    assert_ne!(v("7.2 beta"), v("7.2 beta 0"));
    assert_ne!(v("7.2"), v("7.2.0.1"));
}

#[test]
fn semver_view() {
    // text, semver text (None: not expressible)
    let table: &[(&str, Option<&str>)] = &[
        ("6.5.0", Some("6.5.0")),
        ("7.2", Some("7.2.0")),
        ("v1.2.3", Some("1.2.3")),
        ("7.2.0.0", Some("7.2.0")),
        ("7.2.0.4567", None),
        ("7.2.0 beta 2", Some("7.2.0-beta.2")),
        ("7.2.0-rc1", Some("7.2.0-rc.1")),
        ("7.2.0 Beta", Some("7.2.0-beta")),
        ("7.2.0 RC 1", Some("7.2.0-rc.1")),
        ("7.2.0 alpha", Some("7.2.0-alpha")),
        ("7.2.0 patch 1", None),
    ];
    for &(text, expected) in table {
        let expected = expected.map(|s| semver::Version::parse(s).unwrap());
        assert_eq!(v(text).to_semver(), expected, "{text:?}");
    }
}

type InstallerView = Option<(u8, u8, u16)>;

#[test]
fn windows_installer_view() {
    let table: &[(&str, InstallerView)] = &[
        ("7.2.0.4567", Some((7, 2, 0))),
        ("7.2", Some((7, 2, 0))),
        ("255.255.65535.65535", Some((255, 255, 65535))),
        ("256.0.0", None),
        ("1.256.0", None),
        ("1.2.65536", None),
        ("1.2.3.65536", None),
        ("1.2.3.4.5", None),
        ("7.2.0 beta 2", Some((7, 2, 0))),
        ("7.2.0 patch 1", Some((7, 2, 0))),
    ];
    for &(text, expected) in table {
        assert_eq!(v(text).installer_view(), expected, "{text:?}");
    }
}

/// Version texts in every spelling the parser accepts, with small
/// numbers so that equal and near versions come up often.
fn version_text() -> impl Strategy<Value = String> {
    let field = prop_oneof![0u64..4, Just(10u64), Just(u64::MAX)];
    let zero_pad = prop_oneof![Just(""), Just("0")];
    let fields = prop::collection::vec((zero_pad, field), 1..6).prop_map(|fields| {
        fields
            .iter()
            .map(|(pad, n)| format!("{pad}{n}"))
            .collect::<Vec<_>>()
            .join(".")
    });
    let tag = prop_oneof![
        Just("alpha"),
        Just("Beta"),
        Just("beta"),
        Just("RC"),
        Just("rc"),
        Just("patch"),
        Just("SP"),
        Just("hotfix"),
    ];
    let sep = prop_oneof![
        Just(""),
        Just("-"),
        Just("."),
        Just("_"),
        Just(" "),
        Just("  ")
    ];
    let suffix = prop_oneof![
        Just(String::new()),
        (sep.clone(), tag, prop::option::of((sep, 0u64..12))).prop_map(|(s1, tag, number)| {
            match number {
                Some((s2, n)) => format!("{s1}{tag}{s2}{n}"),
                None => format!("{s1}{tag}"),
            }
        }),
    ];
    (prop::bool::ANY, fields, suffix)
        .prop_map(|(vee, fields, suffix)| format!("{}{fields}{suffix}", if vee { "v" } else { "" }))
}

/// Version texts that semver reads too, spelled the way `to_semver`
/// writes them.
fn semver_text() -> impl Strategy<Value = String> {
    let pre = prop_oneof![
        Just(String::new()),
        (
            prop_oneof![Just("alpha"), Just("beta"), Just("rc")],
            prop::option::of(0u64..12)
        )
            .prop_map(|(tag, n)| match n {
                Some(n) => format!("-{tag}.{n}"),
                None => format!("-{tag}"),
            }),
    ];
    (0u64..3, 0u64..3, 0u64..3, pre).prop_map(|(a, b, c, pre)| format!("{a}.{b}.{c}{pre}"))
}

proptest! {
    #[test]
    fn text_round_trips(text in version_text()) {
        let version = Version::parse(&text).unwrap();
        prop_assert_eq!(version.text(), text.as_str());
        prop_assert_eq!(version.to_string(), text);
    }

    #[test]
    fn any_text_is_read_or_refused_without_panicking(text in "\\PC{0,40}") {
        if let Ok(version) = Version::parse(&text) {
            prop_assert_eq!(version.text(), text.as_str());
        }
    }

    #[test]
    fn order_is_total_antisymmetric_and_agrees_with_eq_and_hash(
        a in version_text(), b in version_text()
    ) {
        let (a, b) = (v(&a), v(&b));
        prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
        prop_assert_eq!(a.partial_cmp(&b), Some(a.cmp(&b)));
        prop_assert_eq!(a == b, a.cmp(&b) == Ordering::Equal);
        if a == b {
            prop_assert_eq!(hash_of(&a), hash_of(&b));
            prop_assert_eq!(a.canonical(), b.canonical());
        }
        // The canonical spelling reads back as an equal version.
        prop_assert_eq!(&v(&a.canonical()), &a);
    }

    #[test]
    fn order_is_transitive(a in version_text(), b in version_text(), c in version_text()) {
        let all = [v(&a), v(&b), v(&c)];
        for x in &all {
            for y in &all {
                for z in &all {
                    if x <= y && y <= z {
                        prop_assert!(x <= z, "{} <= {} <= {}", x, y, z);
                    }
                    if x == y && y == z {
                        prop_assert_eq!(x, z);
                    }
                }
            }
        }
    }

    #[test]
    fn order_agrees_with_semver_where_both_read_the_text(a in semver_text(), b in semver_text()) {
        let (sa, sb) = (semver::Version::parse(&a).unwrap(), semver::Version::parse(&b).unwrap());
        let (va, vb) = (v(&a), v(&b));
        prop_assert_eq!(va.cmp(&vb), sa.cmp(&sb), "{} vs {}", a, b);
        prop_assert_eq!(va.to_semver(), Some(sa));
    }

    #[test]
    fn order_agrees_with_the_semver_view(a in version_text(), b in version_text()) {
        let (va, vb) = (v(&a), v(&b));
        if let (Some(sa), Some(sb)) = (va.to_semver(), vb.to_semver()) {
            prop_assert_eq!(va.cmp(&vb), sa.cmp(&sb), "{} vs {}", a, b);
        }
    }

    #[test]
    fn installer_view_never_contradicts_the_order(a in version_text(), b in version_text()) {
        let (va, vb) = (v(&a), v(&b));
        if let (Some(ia), Some(ib)) = (va.installer_view(), vb.installer_view()) {
            // Windows Installer sees less, so it may call two versions equal
            // that differ, but never orders them the other way round.
            if ia != ib {
                prop_assert_eq!(ia.cmp(&ib), va.cmp(&vb));
            }
        }
    }
}
