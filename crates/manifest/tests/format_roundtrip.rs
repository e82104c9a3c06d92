//! Property: any manifest written by `to_xml` reads back equal, versions
//! keeping their original text.

// Helpers outside #[test] functions unwrap and panic too: a failure is their job.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

use olkit_manifest::{
    parse, to_xml, Architecture, LocalizedText, Manifest, Product, Timestamp, Version,
};
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    // Markup characters, entities' ampersand, CR/LF/TAB and non-ASCII.
    "[a-zA-Z0-9 <>&'\"/=?;:.äöüß€中\t\n\r]{1,24}"
        .prop_map(|s| s.trim().to_owned())
        .prop_filter("non-empty after trimming", |s| !s.is_empty())
}

fn version() -> impl Strategy<Value = Version> {
    (
        prop_oneof![Just(""), Just("v")],
        vec(0u32..100_000, 1..=4),
        prop_oneof![
            Just(String::new()),
            (1u8..9).prop_map(|n| format!("-rc{n}")),
            (1u8..9).prop_map(|n| format!(" beta {n}"))
        ],
    )
        .prop_map(|(prefix, fields, suffix)| {
            let numbers: Vec<String> = fields.iter().map(u32::to_string).collect();
            Version::parse(&format!("{prefix}{}{suffix}", numbers.join("."))).unwrap()
        })
}

fn guid() -> impl Strategy<Value = String> {
    "\\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\\}"
}

fn localized() -> impl Strategy<Value = Vec<LocalizedText>> {
    vec(("[a-z]{2,3}(-[A-Z]{2})?", text()), 0..4).prop_map(|items| {
        let mut seen = Vec::<String>::new();
        items
            .into_iter()
            .filter(|(lang, _)| {
                let key = lang.to_ascii_lowercase();
                let new = !seen.contains(&key);
                seen.push(key);
                new
            })
            .map(|(lang, text)| LocalizedText { lang, text })
            .collect()
    })
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..4_102_444_800).prop_map(|s| Timestamp::from_unix_seconds(s).unwrap())
}

prop_compose! {
    fn legacy_part()(
        name in text(), version in version(), upgrade_code in of(guid()),
        md5 in of(any::<[u8; 16]>()), release_date in of(text()), url in of(text()),
        info_url in of(text()), icon in of(vec(any::<u8>(), 1..300)),
        install_params in of(text()), importance in of(text()), msi_url in of(text()),
        msi_md5 in of(any::<[u8; 16]>()),
    ) -> Product {
        Product {
            upgrade_code, md5, release_date, url, info_url, icon, install_params,
            importance, msi_url, msi_md5,
            ..Product::new(name, version)
        }
    }
}

prop_compose! {
    fn product()(
        legacy in legacy_part(), product_code in of(guid()), sha256 in of(any::<[u8; 32]>()),
        size in of(any::<u64>()), servers in (of(version()), of(version())),
        outlook in proptest::sample::subsequence(vec!["2010", "2013", "2016", "2019", "2021", "2024", "365"], 0..=7),
        min_windows_version in of(version()),
        architecture in of(prop_oneof![Just(Architecture::X86), Just(Architecture::X64)]),
        channel in of("[a-z][a-z0-9._-]{0,10}"), rollout_percent in of(0u8..=100),
        critical in any::<bool>(), required_cache_format in of(any::<u32>()),
        release_notes in localized(), details in localized(),
    ) -> Product {
        let (mut min, mut max) = servers;
        if let (Some(a), Some(b)) = (&min, &max) {
            if a > b {
                std::mem::swap(&mut min, &mut max);
            }
        }
        Product {
            product_code, sha256, size,
            min_server_version: min, max_server_version: max,
            outlook_versions: outlook.into_iter().map(str::to_owned).collect(),
            min_windows_version, architecture, channel, rollout_percent, critical,
            required_cache_format, release_notes, details,
            ..legacy
        }
    }
}

prop_compose! {
    fn manifest()(
        serial in of(any::<u64>()), issued in of(timestamp()), validity in 1i64..10_000_000,
        with_expiry in any::<bool>(), products in vec(prop_oneof![legacy_part(), product()], 0..5),
    ) -> Manifest {
        let expires = match (with_expiry, issued) {
            (false, _) => None,
            (true, Some(i)) => Timestamp::from_unix_seconds(i.unix_seconds() + validity),
            (true, None) => Timestamp::from_unix_seconds(validity),
        };
        let mut m = Manifest { serial, issued, expires, products, legacy: false };
        m.legacy = !m.has_extension();
        m
    }
}

fn version_texts(m: &Manifest) -> Vec<String> {
    m.products
        .iter()
        .flat_map(|p| {
            [
                Some(&p.version),
                p.min_server_version.as_ref(),
                p.max_server_version.as_ref(),
                p.min_windows_version.as_ref(),
            ]
        })
        .flatten()
        .map(Version::to_string)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_reads_back_what_to_xml_writes(m in manifest()) {
        let xml = to_xml(&m);
        let again = parse(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{}", String::from_utf8_lossy(&xml))))?;
        prop_assert_eq!(&again, &m);
        prop_assert_eq!(version_texts(&again), version_texts(&m));
        // Writing is deterministic.
        prop_assert_eq!(to_xml(&again), xml);
    }
}
