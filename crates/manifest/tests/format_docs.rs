//! The example of docs/manifest-format.md parses with every field set, and
//! it and the fixtures validate against docs/olkit-manifest.xsd (xmllint,
//! Debian package libxml2-utils).

// Helpers outside #[test] functions unwrap and panic too: a failure is their job.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use olkit_manifest::parse;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn doc_example() -> String {
    let doc = std::fs::read_to_string(repo().join("docs/manifest-format.md")).unwrap();
    let start = doc.find("```xml\n").unwrap() + "```xml\n".len();
    let len = doc[start..].find("```").unwrap();
    doc[start..start + len].to_owned()
}

#[test]
fn doc_example_sets_every_field() {
    let m = parse(doc_example().as_bytes()).unwrap();
    assert!(!m.legacy);
    assert!(m.serial.is_some() && m.issued.is_some() && m.expires.is_some());
    let p = &m.products[0];
    // Every optional field of the model is present in the example.
    assert!(p.upgrade_code.is_some() && p.md5.is_some() && p.release_date.is_some());
    assert!(p.url.is_some() && p.info_url.is_some() && p.install_params.is_some());
    assert!(p.importance.is_some() && p.msi_url.is_some() && p.msi_md5.is_some());
    assert!(p.product_code.is_some() && p.sha256.is_some() && p.size.is_some());
    assert!(p.min_server_version.is_some() && p.max_server_version.is_some());
    assert!(!p.outlook_versions.is_empty() && p.min_windows_version.is_some());
    assert!(p.architecture.is_some() && p.channel.is_some() && p.rollout_percent.is_some());
    assert!(p.critical && p.required_cache_format.is_some());
    assert!(!p.release_notes.is_empty() && !p.details.is_empty());
    // The icon is a real .ico: reserved 0, type 1 (icon), one image.
    assert_eq!(&p.icon.as_deref().unwrap()[..6], &[0, 0, 1, 0, 1, 0]);
}

fn xmllint_validates(file: &Path) -> Option<bool> {
    let schema = repo().join("docs/olkit-manifest.xsd");
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(file)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    }
    Some(out.status.success())
}

#[test]
fn schema_validates_the_example_and_fixtures_and_refuses_bad_values() {
    let dir = tempfile::tempdir().unwrap();
    let example = dir.path().join("example.xml");
    std::fs::write(&example, doc_example()).unwrap();
    let Some(ok) = xmllint_validates(&example) else {
        // A missing validator must not pass silently: CI installs it.
        assert!(
            std::env::var_os("OLKIT_SKIP_XMLLINT").is_some(),
            "xmllint is missing: run .ci/install-deps (Debian package libxml2-utils), \
             or set OLKIT_SKIP_XMLLINT=1 to skip the schema check"
        );
        return;
    };
    assert!(ok, "the documented example");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in [
        "manifest-legacy.xml",
        "manifest-full.xml",
        "manifest-full.utf16le.xml",
    ] {
        assert_eq!(
            xmllint_validates(&fixtures.join(name)),
            Some(true),
            "{name}"
        );
    }
    // The schema is not a rubber stamp: values the parser refuses, it refuses too.
    for (from, to) in [
        ("<olkit:Architecture>x64<", "<olkit:Architecture>arm64<"),
        ("<olkit:RolloutPercent>25<", "<olkit:RolloutPercent>101<"),
        ("<olkit:Sha256>f0", "<olkit:Sha256>"),
        (
            "olkit:issued=\"2024-03-15T09:30:00Z\"",
            "olkit:issued=\"2024-03-15T09:30:00\"",
        ),
        (
            "<olkit:OutlookVersions>2016 ",
            "<olkit:OutlookVersions>Outlook2016 ",
        ),
    ] {
        let bad = doc_example().replacen(from, to, 1);
        assert_ne!(bad, doc_example(), "{from}");
        assert!(parse(bad.as_bytes()).is_err(), "parser accepts {to}");
        let path = dir.path().join("bad.xml");
        std::fs::write(&path, bad).unwrap();
        assert_eq!(xmllint_validates(&path), Some(false), "schema accepts {to}");
    }
}
