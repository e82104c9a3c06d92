//! `olkit manifest check` on the manifest fixtures, signed by the real
//! `minisign` tool (Debian package minisign).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{olkit, write};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../manifest/tests/fixtures")
        .join(name);
    std::fs::read(path).unwrap()
}

/// Before the full fixture's expiry.
const AT: &str = "2024-03-20T00:00:00Z";

/// A key pair made by `minisign -G` (no password), or None without minisign.
fn keypair(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let (public, secret) = (dir.join("olkit.pub"), dir.join("olkit.key"));
    let status = Command::new("minisign")
        .args(["-G", "-W", "-p"])
        .arg(&public)
        .arg("-s")
        .arg(&secret)
        .output()
        .ok()?
        .status;
    assert!(status.success());
    Some((public, secret))
}

fn sign(secret: &Path, file: &str) {
    let status = Command::new("minisign")
        .args(["-S", "-s"])
        .arg(secret)
        .args(["-m", file])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn signed_full_manifest_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let Some((public, secret)) = keypair(dir.path()) else {
        eprintln!("minisign missing: skipped");
        return;
    };
    let file = write(dir.path(), "products.xml", &fixture("manifest-full.xml"));
    sign(&secret, &file);
    let public = public.to_str().unwrap();

    // FILE.minisig beside the file is found without --sig.
    let json = olkit(&[
        "manifest", "check", &file, "--pubkey", public, "--at", AT, "--json",
    ])
    .ok()
    .json();
    assert_eq!(json["valid"], true);
    assert_eq!(json["legacy"], false);
    assert_eq!(json["serial"], 2_024_031_501u64);
    assert_eq!(json["signature"]["kind"], "prehashed");
    assert!(json["signature"]["trusted_comment"]
        .as_str()
        .unwrap()
        .contains("products.xml"));
    assert_eq!(json["products"].as_array().unwrap().len(), 2);
    assert_eq!(json["products"][0]["rollout_percent"], 25);
    assert_eq!(json["products"][1]["channel"], "beta");
    assert_eq!(json["products"][1]["version"], "1.3.0-rc1");
    let warnings: Vec<&str> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert!(
        !warnings.iter().any(|w| w.contains("not signed")),
        "{warnings:?}"
    );

    let text = olkit(&["manifest", "check", &file, "--pubkey", public, "--at", AT])
        .ok()
        .text();
    assert!(text.contains("signature: good"), "{text}");
    assert!(text.contains("server 7.10.0 to 7.10.6"), "{text}");

    // One changed byte: the signature fails and nothing is explained.
    let mut tampered = fixture("manifest-full.xml");
    let at = tampered.windows(2).position(|w| w == b"25").unwrap();
    tampered[at] = b'9';
    std::fs::write(&file, tampered).unwrap();
    let run = olkit(&["manifest", "check", &file, "--pubkey", public, "--at", AT]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(!run.stderr.is_empty());
}

#[test]
fn expiry_and_rollback_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "products.xml", &fixture("manifest-full.xml"));
    let ok = olkit(&["manifest", "check", &file, "--allow-unsigned", "--at", AT]);
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
    let expired = olkit(&[
        "manifest",
        "check",
        &file,
        "--allow-unsigned",
        "--at",
        "2024-05-01T00:00:00Z",
    ]);
    assert_eq!(expired.code, Some(1));
    assert!(expired.stderr.contains("expired"), "{}", expired.stderr);
    let rollback = olkit(&[
        "manifest",
        "check",
        &file,
        "--allow-unsigned",
        "--at",
        AT,
        "--last-serial",
        "2024031502",
    ]);
    assert_eq!(rollback.code, Some(1), "{}", rollback.stderr);
}

#[test]
fn legacy_manifest_needs_allow_unsigned_and_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "products.xml",
        &fixture("manifest-legacy.utf16le.xml"),
    );
    let refused = olkit(&["manifest", "check", &file]);
    assert_eq!(refused.code, Some(1));
    assert!(
        refused.stderr.contains("--allow-unsigned"),
        "{}",
        refused.stderr
    );
    let json = olkit(&["manifest", "check", &file, "--allow-unsigned", "--json"])
        .ok()
        .json();
    assert_eq!(json["legacy"], true);
    assert_eq!(
        json["products"][0]["name"],
        "OXtender 2 for Microsoft Outlook"
    );
    let warnings = json["warnings"].to_string();
    for expected in ["not signed", "no expiry", "no serial", "MD5 only"] {
        assert!(warnings.contains(expected), "{expected}: {warnings}");
    }
}

#[test]
fn invalid_manifest_reports_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let xml = "<Products>\n  <Product>\n    <Name>A</Name>\n    <Name>B</Name>\n  </Product>\n</Products>\n";
    let file = write(dir.path(), "products.xml", xml.as_bytes());
    let run = olkit(&["manifest", "check", &file, "--allow-unsigned", "--json"]);
    assert_eq!(run.code, Some(1));
    let json = run.json();
    assert_eq!(json["valid"], false);
    assert_eq!(
        (
            json["error"]["line"].as_u64(),
            json["error"]["column"].as_u64()
        ),
        (Some(4), Some(5))
    );
    assert!(run.stderr.contains("line 4, column 5"), "{}", run.stderr);

    let ignored = write(
        dir.path(),
        "ignored.xml",
        b"<Products><Product><Name>A</Name><Version>1</Version><Sha256>x</Sha256></Product></Products>",
    );
    let text = olkit(&["manifest", "check", &ignored, "--allow-unsigned"])
        .ok()
        .text();
    assert!(
        text.contains("ignored:") && text.contains("<Sha256>"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(olkit(&["manifest", "check"]).code, Some(2));
    assert_eq!(
        olkit(&["manifest", "check", "x.xml", "--sig", "x.minisig"]).code,
        Some(2)
    );
    assert_eq!(
        olkit(&["manifest", "check", "x.xml", "--at", "tomorrow"]).code,
        Some(2)
    );
}
