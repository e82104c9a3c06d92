#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The invariants the `manifest_parse` and `bundle_read` fuzz targets
//! check, run over every input kept in `tests/fuzz-corpus/manifest_parse/`
//! and `tests/fuzz-corpus/bundle_read/` (seeds, crashes the fuzzers found
//! and coverage-diverse samples of their corpora).
//!
//! `fuzz/fuzz_targets/manifest_parse.rs` and
//! `fuzz/fuzz_targets/bundle_read.rs` include this file with `#[path]`, so
//! [`check_manifest`] and [`check_bundle`] are the one copy of the checks;
//! the tests below are compiled only under `cargo test`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use olkit_manifest::{
    extract_bundle, parse, parse_with, parse_with_notes, plan, to_xml, verify_manifest,
    Architecture, BundleLimits, Environment, Error, InstalledProduct, Limits, Manifest, Product,
    Timestamp, TrustPolicy, TrustWarning, Version,
};

// -- manifest_parse

/// Limits small enough that the fuzzer meets each of them on short inputs.
fn small_limits() -> Limits {
    Limits {
        max_bytes: 4096,
        max_depth: 4,
        max_elements: 64,
        max_text_bytes: 256,
    }
}

fn version(text: &str) -> Version {
    Version::parse(text).unwrap()
}

fn installed(
    upgrade: Option<&str>,
    code: Option<&str>,
    version_text: &str,
    name: &str,
) -> InstalledProduct {
    InstalledProduct {
        product_code: code.map(str::to_owned),
        upgrade_code: upgrade.map(str::to_owned),
        version: version(version_text),
        name: name.to_owned(),
    }
}

/// The fixed part of the installed list: the products of the seed
/// manifests, older, equal and newer (installer-equal too), with codes
/// spelled in the ways Windows Installer lists them.
fn fixed_installed() -> &'static [InstalledProduct] {
    static LIST: OnceLock<Vec<InstalledProduct>> = OnceLock::new();
    LIST.get_or_init(|| {
        vec![
            installed(
                Some("{5A7D0F22-6A4B-4F3E-9C1D-2B8E7F6A5C41}"),
                Some("{3C4D5E6F-7081-4293-A4B5-C6D7E8F90A1B}"),
                "7.10.2",
                "OXtender 2 for Microsoft Outlook",
            ),
            installed(
                Some("5a7d0f22-6a4b-4f3e-9c1d-2b8e7f6a5c41"),
                None,
                "7.10.5.9999",
                "OXtender 2",
            ),
            installed(
                None,
                Some(" {9b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9} "),
                "7.10.6.1",
                "OXtender (by product code)",
            ),
            installed(
                Some("{0E5C3A8B-94F1-4D62-A7B3-C1D2E3F4A5B6}"),
                None,
                "1.3.0-beta1",
                "OX Drive",
            ),
            installed(None, None, "2.0", "ox drive"),
            installed(None, None, "1.0 beta 2", "A"),
            installed(None, None, "256.0.0", "B"),
            installed(
                Some("{90160000-008C-0000-1000-0000000FF1CE}"),
                None,
                "16.0.17328.20000",
                "Office",
            ),
        ]
    })
}

/// The installed list for a manifest: the fixed part plus, for the first
/// products, an installed copy of the same version (by its codes) or an
/// old one (by its name), so that packages of any name meet both cases.
fn installed_for(manifest: &Manifest) -> Vec<InstalledProduct> {
    let mut list = fixed_installed().to_vec();
    for (i, product) in manifest.products.iter().take(16).enumerate() {
        if i % 2 == 0 {
            list.push(InstalledProduct {
                product_code: product.product_code.clone(),
                upgrade_code: product.upgrade_code.clone(),
                version: product.version.clone(),
                name: format!("same version of {}", product.name),
            });
        } else {
            list.push(installed(None, None, "1.0", &product.name));
        }
    }
    list
}

fn environments() -> &'static [Environment] {
    static ENVS: OnceLock<Vec<Environment>> = OnceLock::new();
    ENVS.get_or_init(|| {
        vec![
            Environment {
                server_version: Some(version("7.10.5")),
                outlook_version: Some("2016".to_owned()),
                outlook_bitness: Some(Architecture::X64),
                windows_version: Some(version("10.0.19045")),
                architecture: Architecture::X64,
                channel: "beta".to_owned(),
                machine_id: "fuzz-machine-1".to_owned(),
            },
            // Everything optional unknown.
            Environment {
                server_version: None,
                outlook_version: None,
                outlook_bitness: None,
                windows_version: None,
                architecture: Architecture::X86,
                channel: String::new(),
                machine_id: String::new(),
            },
        ]
    })
}

/// A GUID as the planner compares it: no braces, no white space, upper case.
fn guid_key(guid: Option<&str>) -> Option<String> {
    let key: String = guid?
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '{' && *c != '}')
        .collect::<String>()
        .to_ascii_uppercase();
    (!key.is_empty()).then_some(key)
}

/// Whether `installed` is the package's product, by the documented rules:
/// equal upgrade codes or product codes; by name only for a package with
/// neither code.
fn matches(product: &Product, installed: &InstalledProduct) -> bool {
    let upgrade = guid_key(product.upgrade_code.as_deref());
    let code = guid_key(product.product_code.as_deref());
    if upgrade.is_none() && code.is_none() {
        return installed.name.trim().to_lowercase() == product.name.trim().to_lowercase();
    }
    (upgrade.is_some() && upgrade == guid_key(installed.upgrade_code.as_deref()))
        || (code.is_some() && code == guid_key(installed.product_code.as_deref()))
}

/// What makes packages one product for "one offer per product".
fn product_key(product: &Product) -> String {
    if let Some(key) = guid_key(product.upgrade_code.as_deref()) {
        return format!("upgrade:{key}");
    }
    if let Some(key) = guid_key(product.product_code.as_deref()) {
        return format!("product:{key}");
    }
    format!("name:{}", product.name.trim().to_lowercase())
}

/// The planner's invariants for one manifest, installed list and machine.
fn check_plan(manifest: &Manifest, installed: &[InstalledProduct], env: &Environment) {
    let result = plan(manifest, installed, env);
    assert_eq!(
        result.items.len(),
        manifest.products.len(),
        "one item per product"
    );
    let mut offered_keys = HashSet::new();
    for (position, (item, product)) in result.items.iter().zip(&manifest.products).enumerate() {
        assert_eq!(item.index, position);
        assert_eq!(item.name, product.name);
        assert_eq!(item.version, product.version);
        assert_eq!(item.critical, product.critical);
        if item.action.is_offered() {
            for i in installed.iter().filter(|i| matches(product, i)) {
                assert!(
                    product.version > i.version,
                    "offers {} over installed {} ({})",
                    product.version,
                    i.version,
                    i.name
                );
                if let (Some(offered), Some(have)) =
                    (product.version.installer_view(), i.version.installer_view())
                {
                    assert!(
                        offered > have,
                        "offers {} over installer-equal {}",
                        product.version,
                        i.version
                    );
                }
            }
            assert!(
                offered_keys.insert(product_key(product)),
                "two offers for {}",
                product_key(product)
            );
            assert_eq!(item.cache_upgrade, product.required_cache_format);
        } else {
            assert!(!item.reasons.is_empty(), "{} without a reason", item.action);
            assert_eq!(item.cache_upgrade, None);
        }
        for reason in &item.reasons {
            assert!(!reason.to_string().is_empty());
        }
    }
    let offered: BTreeSet<usize> = (0..result.items.len())
        .filter(|&i| result.items[i].action.is_offered())
        .collect();
    let order: BTreeSet<usize> = result.order.iter().copied().collect();
    assert_eq!(
        order.len(),
        result.order.len(),
        "an item twice in the order"
    );
    assert_eq!(order, offered, "the order is not the offered items");
    // Deterministic, whatever the order of the installed list.
    let mut reversed = installed.to_vec();
    reversed.reverse();
    assert_eq!(
        plan(manifest, &reversed, env),
        result,
        "depends on the installed order"
    );
}

/// Checks every invariant on one input read as a manifest, panicking on a
/// violation:
///
/// 1. parsing never panics; a failure is [`Error::Manifest`] with a line
///    and column from 1; parsing with notes reads the same;
/// 2. small [`Limits`] only refuse more: what parses under them parses
///    equal under the defaults;
/// 3. a manifest that parses is written by `to_xml` to a document that
///    reads back equal (the legacy flag as `!has_extension()`, as `to_xml`
///    documents) and is written again the same;
/// 4. the planner, for fixed machines and an installed list that meets
///    the manifest's products, gives one item per product, never offers a
///    downgrade or two versions of one product, gives reasons for what it
///    does not offer, orders exactly the offered items, and does not depend
///    on the order of the installed list;
/// 5. `verify_manifest` with unsigned manifests allowed gives the same
///    manifest, refusing it only as expired or rolled back exactly when it
///    is.
pub fn check_manifest(data: &[u8]) {
    let default = parse(data);
    let small = parse_with(data, &small_limits());
    for result in [&default, &small] {
        if let Err(e) = result {
            match e {
                Error::Manifest { line, column, .. } => {
                    assert!(*line >= 1 && *column >= 1, "position {line}:{column}: {e}");
                }
                other => panic!("parse failed with a non-format error: {other:?}"),
            }
        }
    }
    match (&default, &small) {
        (Ok(d), Ok(s)) => assert_eq!(d, s, "small limits read differently"),
        (Err(e), Ok(_)) => panic!("small limits accept what the defaults refuse: {e}"),
        _ => {}
    }
    let with_notes = parse_with_notes(data, &Limits::default());
    assert_eq!(
        with_notes.as_ref().map(|(m, _)| m).ok(),
        default.as_ref().ok(),
        "parse_with_notes reads differently"
    );
    let Ok(manifest) = default else {
        return;
    };

    let xml = to_xml(&manifest);
    let again = match parse(&xml) {
        Ok(again) => again,
        Err(e) => panic!(
            "to_xml output does not parse: {e}\n{}",
            String::from_utf8_lossy(&xml)
        ),
    };
    // `to_xml` writes what was read; the legacy flag comes back as
    // `!has_extension()` (olkit items this version ignores, which make a
    // parsed manifest non-legacy, are not written).
    let expected = Manifest {
        legacy: !manifest.has_extension(),
        ..manifest.clone()
    };
    assert_eq!(again, expected, "to_xml does not round-trip");
    assert_eq!(to_xml(&again), xml, "to_xml is not stable");

    let installed = installed_for(&manifest);
    for env in environments() {
        check_plan(&manifest, &installed, env);
    }

    let epoch = Timestamp::from_unix_seconds(0).unwrap();
    let expired = manifest.expires.is_some_and(|expires| expires < epoch);
    match verify_manifest(
        data,
        None,
        &TrustPolicy::new(Vec::new()).allow_unsigned().at(epoch),
    ) {
        Ok(verified) => {
            assert!(!expired, "an expired manifest accepted");
            assert_eq!(verified.manifest(), &manifest);
            assert!(verified.warnings().contains(&TrustWarning::Unsigned));
            assert_eq!(verified.serial_to_store(), manifest.serial);
        }
        Err(Error::ManifestExpired { .. }) => assert!(expired, "refused as expired"),
        Err(e) => panic!("verify_manifest refused a manifest that parses: {e}"),
    }
    let last_serial = 5;
    let policy = TrustPolicy::new(Vec::new())
        .allow_unsigned()
        .at(epoch)
        .last_serial(last_serial);
    match (verify_manifest(data, None, &policy), manifest.serial) {
        (Err(Error::ManifestExpired { .. }), _) => assert!(expired),
        (Err(Error::ManifestSerialMissing { .. }), None) => assert!(!expired),
        (Err(Error::ManifestRollback { serial, .. }), Some(s)) => {
            assert!(!expired && s < last_serial && serial == s);
        }
        (Ok(verified), Some(s)) => {
            assert!(!expired && s >= last_serial);
            assert_eq!(verified.manifest(), &manifest);
        }
        (other, serial) => panic!("serial {serial:?} against {last_serial}: {other:?}"),
    }
}

// -- bundle_read

/// Limits small enough that the fuzzer meets each of them: a few dozen
/// entries of a few KiB, ratios checked from 4 KiB on.
fn bundle_limits() -> BundleLimits {
    BundleLimits {
        max_archive_size: 1 << 20,
        max_entries: 64,
        max_entry_size: 256 << 10,
        max_total_size: 1 << 20,
        max_ratio: 100,
        ratio_floor: 4 << 10,
        max_name_len: 120,
        max_depth: 8,
    }
}

/// A fresh directory of this process: in memory where there is
/// `/dev/shm` (extraction syncs every file), else in the temp directory.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let path = base.join(format!(
            "olkit-bundle-fuzz-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        // A leftover of a killed run of the same pid is not ours to keep.
        let _ = fs::remove_dir_all(&path);
        fs::create_dir(&path).unwrap();
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn names_in(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Every file and directory under `root`, by `/`-separated relative path
/// (directories ending in `/`), with the size of files; panics on anything
/// else (a symbolic link, a device).
fn walk(root: &Path, prefix: &str, out: &mut BTreeMap<String, Option<u64>>) {
    for entry in fs::read_dir(root).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let meta = fs::symlink_metadata(entry.path()).unwrap();
        if meta.is_dir() {
            let path = format!("{prefix}{name}/");
            out.insert(path.clone(), None);
            walk(&entry.path(), &path, out);
        } else if meta.is_file() {
            out.insert(format!("{prefix}{name}"), Some(meta.len()));
        } else {
            panic!("extracted something other than a file or directory: {prefix}{name}");
        }
    }
}

/// Checks every invariant on one input extracted as a bundle, panicking on
/// a violation:
///
/// 1. extraction never panics;
/// 2. on error nothing is left next to the input (no destination, no
///    partial directory);
/// 3. on success the destination holds exactly the reported entries: every
///    reported path is inside it with the reported kind and size, every
///    file on disk is reported and every directory is reported or the
///    parent of one; the counts and byte total add up; no two entries
///    differ only in case.
pub fn check_bundle(data: &[u8]) {
    let scratch = Scratch::new();
    let input = scratch.0.join("input.zip");
    fs::write(&input, data).unwrap();
    let dest = scratch.0.join("out");
    let result = extract_bundle(&input, &dest, &bundle_limits());
    let left = names_in(&scratch.0);
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            assert_eq!(
                left,
                BTreeSet::from(["input.zip".to_owned()]),
                "left behind after {e}"
            );
            return;
        }
    };
    assert_eq!(
        left,
        BTreeSet::from(["input.zip".to_owned(), "out".to_owned()]),
        "left next to the destination"
    );
    assert_eq!(report.dest, dest);
    let root = fs::canonicalize(&dest).unwrap();
    let mut on_disk = BTreeMap::new();
    walk(&dest, "", &mut on_disk);

    let mut reported = BTreeMap::new();
    let mut folded = HashSet::new();
    let (mut files, mut directories, mut bytes) = (0, 0, 0u64);
    for entry in &report.entries {
        let path = dest.join(entry.path.trim_end_matches('/'));
        let real = fs::canonicalize(&path)
            .unwrap_or_else(|e| panic!("reported {:?} is not there: {e}", entry.path));
        assert!(real.starts_with(&root), "{:?} lies outside", entry.path);
        assert_ne!(real, root, "{:?} is the destination itself", entry.path);
        assert!(
            folded.insert(entry.path.to_lowercase()),
            "{:?} reported twice (ignoring case)",
            entry.path
        );
        assert_eq!(entry.is_dir, entry.path.ends_with('/'), "{:?}", entry.path);
        if entry.is_dir {
            directories += 1;
            assert_eq!(entry.size, 0);
            reported.insert(entry.path.clone(), None);
        } else {
            files += 1;
            bytes += entry.size;
            reported.insert(entry.path.clone(), Some(entry.size));
        }
    }
    assert_eq!(report.files, files);
    assert_eq!(report.directories, directories);
    assert_eq!(report.bytes, bytes);
    for (path, size) in &on_disk {
        match (size, reported.get(path)) {
            (Some(size), Some(Some(declared))) => assert_eq!(size, declared, "{path}"),
            (Some(_), _) => panic!("{path} on disk is not a reported file"),
            (None, Some(None)) => {}
            (None, Some(Some(_))) => panic!("{path} is a directory, reported as a file"),
            (None, None) => assert!(
                reported.keys().any(|r| r.starts_with(path.as_str())),
                "directory {path} holds no reported entry"
            ),
        }
    }
    for path in reported.keys() {
        assert!(on_disk.contains_key(path), "{path} reported, not on disk");
    }
}

// The corpus runner shared by every crate's fuzz regression test.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../tests/rust/fuzz_corpus.rs"]
mod fuzz_corpus;

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::fuzz_corpus::corpus_dir;

    fn corpus(target: &str) -> Vec<PathBuf> {
        super::fuzz_corpus::corpus(&corpus_dir(target))
    }

    /// Every input in `tests/fuzz-corpus/manifest_parse/` passes
    /// [`super::check_manifest`].
    #[test]
    fn manifest_parse_corpus_keeps_the_invariants() {
        super::fuzz_corpus::assert_corpus_passes(
            &corpus_dir("manifest_parse"),
            super::check_manifest,
        );
    }

    /// Every input in `tests/fuzz-corpus/bundle_read/` passes
    /// [`super::check_bundle`].
    #[test]
    fn bundle_read_corpus_keeps_the_invariants() {
        super::fuzz_corpus::assert_corpus_passes(&corpus_dir("bundle_read"), super::check_bundle);
    }

    /// The kept inputs reach the deep checks: some manifests parse and get
    /// offers, and some bundles extract while others are refused.
    #[test]
    fn corpus_reaches_past_the_parsers() {
        let manifests: Vec<_> = corpus("manifest_parse")
            .iter()
            .filter_map(|p| olkit_manifest::parse(&std::fs::read(p).unwrap()).ok())
            .collect();
        assert!(manifests.len() >= 3, "{} manifests parse", manifests.len());
        let offers = manifests
            .iter()
            .flat_map(|m| {
                let installed = super::installed_for(m);
                super::environments()
                    .iter()
                    .map(move |env| olkit_manifest::plan(m, &installed, env).order.len())
                    .collect::<Vec<_>>()
            })
            .sum::<usize>();
        assert!(offers > 0, "no kept manifest gets an offer");

        let (mut ok, mut refused) = (0, 0);
        for path in corpus("bundle_read") {
            let scratch = super::Scratch::new();
            let input = scratch.0.join("input.zip");
            std::fs::copy(&path, &input).unwrap();
            match olkit_manifest::extract_bundle(
                &input,
                &scratch.0.join("out"),
                &super::bundle_limits(),
            ) {
                Ok(_) => ok += 1,
                Err(_) => refused += 1,
            }
        }
        assert!(
            ok >= 2 && refused >= 2,
            "{ok} bundles extract, {refused} are refused"
        );
    }
}
