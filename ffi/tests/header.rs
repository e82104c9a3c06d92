//! `include/olkit.h` is generated from ffi/src by cbindgen (pinned version,
//! ffi/cbindgen.toml) and committed. These tests regenerate it and fail on
//! any difference, and check that the header, the library and the .NET
//! binding agree on status codes and versions.
//!
//! Regenerate the header: `OLKIT_BLESS=1 cargo test -p olkit-ffi --test header`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::collections::BTreeMap;
use std::ffi::CStr;
use std::path::{Path, PathBuf};

const REGENERATE: &str = "OLKIT_BLESS=1 cargo test -p olkit-ffi --test header";

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn workspace_root() -> &'static Path {
    crate_dir().parent().expect("ffi/ has a parent")
}

fn header_path() -> PathBuf {
    workspace_root().join("include").join("olkit.h")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The header as cbindgen generates it from the sources right now.
fn generate() -> String {
    let config = cbindgen::Config::from_file(crate_dir().join("cbindgen.toml"))
        .unwrap_or_else(|e| panic!("ffi/cbindgen.toml: {e}"));
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir())
        .with_config(config)
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen failed: {e}"));
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("cbindgen writes UTF-8")
}

#[test]
fn committed_header_is_what_cbindgen_generates() {
    let generated = generate();
    let path = header_path();
    if std::env::var_os("OLKIT_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == generated {
        return;
    }
    let first_difference = committed
        .lines()
        .zip(generated.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
    let line = |text: &str| {
        text.lines()
            .nth(first_difference)
            .unwrap_or("<end of file>")
            .to_owned()
    };
    panic!(
        "{} is out of date with ffi/src (first difference at line {}):\n  committed: {}\n  generated: {}\n\
         Regenerate it with `{REGENERATE}` and commit it.",
        path.display(),
        first_difference + 1,
        line(&committed),
        line(&generated),
    );
}

/// `#define OLK_NAME value` lines of the committed header.
fn header_status_codes() -> BTreeMap<String, i32> {
    let mut codes = BTreeMap::new();
    for line in read(&header_path()).lines() {
        let mut words = line.split_whitespace();
        if let (Some("#define"), Some(name), Some(value), None) =
            (words.next(), words.next(), words.next(), words.next())
        {
            if name.starts_with("OLK_") {
                let value = value
                    .parse()
                    .unwrap_or_else(|_| panic!("{line}: not a number"));
                assert!(
                    codes.insert(name.to_owned(), value).is_none(),
                    "{name} twice"
                );
            }
        }
    }
    codes
}

#[test]
fn status_codes_are_unique_in_their_ranges_and_described() {
    let codes = header_status_codes();
    assert_eq!(codes.get("OLK_OK"), Some(&0));
    assert!(codes.len() >= 9, "{codes:?}");
    let mut seen = BTreeMap::new();
    for (name, &code) in &codes {
        assert!(
            (0..6000).contains(&code),
            "{name} = {code} is outside every reserved range"
        );
        if let Some(other) = seen.insert(code, name) {
            panic!("{name} and {other} share the code {code}: codes are never reused");
        }
        assert_ne!(
            olkit::describe(code),
            c"unknown status",
            "{name} = {code} has no description in status::describe"
        );
    }
}

/// `OLK_NULL_ARGUMENT` -> `NullArgument`, the name in `Olkit.Status`.
fn dotnet_name(c_name: &str) -> String {
    let mut name = String::new();
    for word in c_name.trim_start_matches("OLK_").split('_') {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.push(first);
            name.extend(chars.flat_map(char::to_lowercase));
        }
    }
    name
}

#[test]
fn dotnet_status_constants_match_the_header() {
    let source = read(&workspace_root().join("bindings/dotnet/Olkit.cs"));
    let class = source
        .split("public static class Status")
        .nth(1)
        .expect("Olkit.cs defines `public static class Status`");
    let class = class.split('}').next().unwrap_or_default();
    let mut dotnet = BTreeMap::new();
    for line in class.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("public const int ") {
            let (name, value) = rest
                .trim_end_matches(';')
                .split_once('=')
                .expect("NAME = value");
            let value: i32 = value.trim().parse().unwrap_or_else(|_| panic!("{line}"));
            dotnet.insert(name.trim().to_owned(), value);
        }
    }
    let expected: BTreeMap<String, i32> = header_status_codes()
        .into_iter()
        .map(|(name, code)| (dotnet_name(&name), code))
        .collect();
    assert_eq!(
        dotnet, expected,
        "Olkit.Status in bindings/dotnet/Olkit.cs differs from include/olkit.h"
    );
}

#[test]
fn versions_agree_with_cargo_toml_and_the_header() {
    // SAFETY: olk_version returns a static NUL-terminated string.
    let version = unsafe { CStr::from_ptr(olkit::olk_version()) };
    assert_eq!(version.to_str(), Ok(env!("CARGO_PKG_VERSION")));
    let header = read(&header_path());
    assert!(
        header.contains(&format!(
            "#define OLKIT_ABI_VERSION {}\n",
            olkit::olk_abi_version()
        )),
        "OLKIT_ABI_VERSION in include/olkit.h differs from olk_abi_version(); run `{REGENERATE}`"
    );
}

/// `enum olk_x { NAME = value, ... }` blocks of the committed header:
/// enum name -> (variant, value) in order.
fn header_enums() -> BTreeMap<String, Vec<(String, u32)>> {
    let mut enums = BTreeMap::new();
    let mut current: Option<(String, Vec<(String, u32)>)> = None;
    for line in read(&header_path()).lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix("enum ") {
            if !line.ends_with(';') {
                current = Some((name.trim_end_matches(" {").to_owned(), Vec::new()));
            }
        } else if line == "};" {
            if let Some((name, variants)) = current.take() {
                assert!(!variants.is_empty(), "enum {name} has no variants");
                enums.insert(name, variants);
            }
        } else if let Some((_, variants)) = current.as_mut() {
            if line.starts_with('*') || line.starts_with('/') {
                continue; // documentation
            }
            if let Some((variant, value)) = line.trim_end_matches(',').split_once(" = ") {
                let value = value
                    .parse()
                    .unwrap_or_else(|_| panic!("{line}: not a number"));
                variants.push((variant.to_owned(), value));
            }
        }
    }
    enums
}

/// `DWORD_BIG_ENDIAN` and `DwordBigEndian` both give `dwordbigendian`.
fn normalized(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The variants of `public enum NAME : uint { ... }` in Olkit.cs.
fn dotnet_enum(source: &str, name: &str) -> Vec<(String, u32)> {
    let body = source
        .split(&format!("public enum {name} : uint"))
        .nth(1)
        .unwrap_or_else(|| panic!("Olkit.cs defines `public enum {name} : uint`"));
    let body = body.split('}').next().unwrap_or_default();
    body.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("///") && l.contains(" = "))
        .map(|l| {
            let (variant, value) = l.trim_end_matches(',').split_once(" = ").unwrap();
            (
                variant.to_owned(),
                value.parse().unwrap_or_else(|_| panic!("{l}")),
            )
        })
        .collect()
}

#[test]
fn dotnet_enums_match_the_header() {
    let source = read(&workspace_root().join("bindings/dotnet/Olkit.cs"));
    let enums = header_enums();
    let expected_enums = [
        "olk_db_outcome_kind",
        "olk_db_phase",
        "olk_db_state",
        "olk_manifest_action",
        "olk_manifest_architecture",
        "olk_manifest_digest",
        "olk_manifest_product_field",
        "olk_manifest_product_number_field",
        "olk_manifest_signature_policy",
        "olk_msi_context",
        "olk_msi_field_type",
        "olk_msi_identity_field",
        "olk_msi_kind",
        "olk_msi_scope",
        "olk_msi_verdict",
        "olk_reg_encoding",
        "olk_reg_format",
        "olk_reg_parse_flags",
        "olk_reg_type",
    ];
    assert_eq!(
        enums.keys().map(String::as_str).collect::<Vec<_>>(),
        expected_enums,
        "the C enums of the header; map each new one to Olkit.cs here"
    );
    for (c_name, dotnet_name) in [
        ("olk_reg_format", "RegFormat"),
        ("olk_reg_encoding", "RegEncoding"),
        ("olk_reg_type", "RegType"),
        ("olk_msi_kind", "MsiKind"),
        ("olk_msi_field_type", "MsiFieldType"),
        ("olk_msi_identity_field", "MsiIdentityField"),
        ("olk_msi_scope", "MsiScope"),
        ("olk_msi_verdict", "MsiVerdict"),
        ("olk_msi_context", "MsiContext"),
        ("olk_manifest_signature_policy", "ManifestSignaturePolicy"),
        ("olk_manifest_architecture", "ManifestArchitecture"),
        ("olk_manifest_product_field", "ManifestProductField"),
        (
            "olk_manifest_product_number_field",
            "ManifestProductNumberField",
        ),
        ("olk_manifest_action", "ManifestAction"),
        ("olk_manifest_digest", "ManifestDigest"),
        ("olk_db_phase", "DbPhase"),
        ("olk_db_state", "DbState"),
        ("olk_db_outcome_kind", "DbOutcomeKind"),
    ] {
        let c_variants = &enums[c_name];
        // The prefix all the C variants share (OLK_REG_FORMAT_, OLK_REG_ENC_...).
        let first = &c_variants[0].0;
        let prefix_len = (0..first.len())
            .filter(|&i| first.as_bytes()[i] == b'_')
            .map(|i| i + 1)
            .filter(|&n| c_variants.iter().all(|(v, _)| v.get(..n) == first.get(..n)))
            .max()
            .unwrap();
        let c_side: Vec<(String, u32)> = c_variants
            .iter()
            .map(|(v, n)| (normalized(&v[prefix_len..]), *n))
            .collect();
        let dotnet_side: Vec<(String, u32)> = dotnet_enum(&source, dotnet_name)
            .into_iter()
            .map(|(v, n)| (normalized(&v), n))
            .collect();
        assert_eq!(
            dotnet_side, c_side,
            "Olkit.{dotnet_name} differs from enum {c_name} of include/olkit.h"
        );
    }
    let lenient = &enums["olk_reg_parse_flags"];
    assert_eq!(lenient, &[("OLK_REG_PARSE_LENIENT".to_owned(), 1)]);
    assert!(source.contains("public const uint RegParseLenient = 1;"));
}
