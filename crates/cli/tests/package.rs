//! `olkit package verify`, run as a user runs it, with keys and signatures
//! made by the real `minisign` tool and digests by `sha256sum`/`md5sum`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
#[path = "../../manifest/tests/trust_support/mod.rs"]
mod trust_support;

use std::path::Path;

use common::{olkit, tool_hex, write};
use tempfile::TempDir;
use trust_support::Keys;

/// A package, a manifest describing it (signed as MANIFEST.minisig) and
/// the key pair.
struct Setup {
    dir: TempDir,
    keys: Keys,
    package: String,
    manifest: String,
}

fn manifest_text(serial: u64, expires: &str, digest_elements: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Products xmlns:olkit=\"urn:olkit:manifest:1\" olkit:serial=\"{serial}\" olkit:expires=\"{expires}\">\n\
         <Product><Name>OXtender</Name><Version>7.2.0.4567</Version>{digest_elements}</Product>\n\
         <Product><Name>OX Drive</Name><Version>2.1</Version><olkit:Size>1</olkit:Size><olkit:Sha256>{}</olkit:Sha256></Product>\n\
         </Products>\n",
        "00".repeat(32)
    )
}

fn setup(serial: u64, expires: &str) -> Setup {
    let dir = TempDir::new().unwrap();
    let bytes: Vec<u8> = (0..200_000u32).map(|n| ((n * 7919) >> 3) as u8).collect();
    let package = write(dir.path(), "setup.msi", &bytes);
    let digests = format!(
        "<olkit:Sha256>{}</olkit:Sha256><olkit:Size>{}</olkit:Size>",
        tool_hex("sha256sum", &package),
        bytes.len()
    );
    let manifest = write(
        dir.path(),
        "products.xml",
        manifest_text(serial, expires, &digests).as_bytes(),
    );
    let keys = Keys::generate();
    keys.sign_file(Path::new(&manifest), false);
    Setup {
        dir,
        keys,
        package,
        manifest,
    }
}

impl Setup {
    fn pubkey(&self) -> String {
        self.keys.public_path().to_str().unwrap().to_owned()
    }

    fn verify(&self, extra: &[&str]) -> common::Run {
        let pubkey = self.pubkey();
        let mut args = vec![
            "package",
            "verify",
            &self.package,
            "--manifest",
            &self.manifest,
            "--product",
            "OXtender",
        ];
        args.extend_from_slice(extra);
        if !extra.contains(&"--allow-unsigned") && !extra.contains(&"--pubkey") {
            args.extend_from_slice(&["--pubkey", &pubkey]);
        }
        olkit(&args)
    }
}

#[test]
fn a_signed_manifest_and_a_matching_package_pass() {
    let s = setup(42, "2099-01-01T00:00:00Z");
    let run = s.verify(&[]).ok();
    let text = run.text();
    assert!(text.starts_with("OK "), "{text}");
    assert!(text.contains("200000 bytes, SHA-256 matches"), "{text}");
    assert!(
        text.contains(&format!("signed by key {}", s.keys.id())),
        "{text}"
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // The key as its base64 line, and --json.
    let json = s
        .verify(&["--pubkey", s.keys.base64(), "--json"])
        .ok()
        .json();
    assert_eq!(json["strength"], "sha256");
    assert_eq!(json["bytes"], 200_000);
    assert_eq!(json["size_checked"], true);
    assert_eq!(json["version"], "7.2.0.4567");
    assert_eq!(json["manifest"]["signed"], true);
    assert_eq!(json["manifest"]["key_id"], s.keys.id());
    assert_eq!(json["manifest"]["serial_to_store"], 42);
    assert!(json["manifest"]["trusted_comment"]
        .as_str()
        .unwrap()
        .contains("file:products.xml"));
    assert_eq!(json["warnings"], serde_json::json!([]));
}

#[test]
fn a_changed_package_fails_with_both_digests() {
    let s = setup(1, "2099-01-01T00:00:00Z");
    let expected = tool_hex("sha256sum", &s.package);
    let mut bytes = std::fs::read(&s.package).unwrap();
    bytes[100_000] ^= 0x80;
    std::fs::write(&s.package, &bytes).unwrap();
    let run = s.verify(&[]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(
        run.stderr.contains(&tool_hex("sha256sum", &s.package)),
        "{}",
        run.stderr
    );
    // One byte more than declared.
    bytes[100_000] ^= 0x80;
    bytes.push(0);
    std::fs::write(&s.package, &bytes).unwrap();
    let run = s.verify(&[]);
    run.fails(1, "larger than 200000 bytes");
}

#[test]
fn a_changed_manifest_or_a_foreign_key_fails() {
    let s = setup(1, "2099-01-01T00:00:00Z");
    let text = std::fs::read_to_string(&s.manifest).unwrap();
    std::fs::write(&s.manifest, text.replace("7.2.0.4567", "7.2.0.4568")).unwrap();
    let run = s.verify(&[]);
    run.fails(1, "does not match");
    std::fs::write(&s.manifest, text).unwrap();
    let stranger = Keys::generate();
    let run = s.verify(&["--pubkey", stranger.base64()]);
    run.fails(
        1,
        &format!("made with key {}, which is not trusted", s.keys.id()),
    );
    // Both keys trusted: fine.
    let pubkey = s.pubkey();
    s.verify(&["--pubkey", stranger.base64(), "--pubkey", &pubkey])
        .ok();
    let run = s.verify(&["--pubkey", "not a key"]);
    run.fails(1, "invalid minisign public key");
}

#[test]
fn expired_and_rolled_back_manifests_fail() {
    let s = setup(7, "2001-01-01T00:00:00Z");
    let run = s.verify(&[]);
    run.fails(1, "expired at 2001-01-01T00:00:00Z");
    let s = setup(7, "2099-01-01T00:00:00Z");
    let run = s.verify(&["--last-serial", "8"]);
    run.fails(1, "rollback");
    s.verify(&["--last-serial", "7"]).ok();
}

#[test]
fn unsigned_manifests_need_allow_unsigned() {
    let s = setup(1, "2099-01-01T00:00:00Z");
    std::fs::remove_file(format!("{}.minisig", s.manifest)).unwrap();
    let run = s.verify(&[]);
    run.fails(1, "not signed");
    // Neither a key nor --allow-unsigned: a usage error.
    let run = olkit(&[
        "package",
        "verify",
        &s.package,
        "--manifest",
        &s.manifest,
        "--product",
        "OXtender",
    ]);
    assert_eq!(run.code, Some(2));
    let run = s.verify(&["--allow-unsigned"]).ok();
    assert!(
        run.stderr.contains("warning: the manifest is not signed"),
        "{}",
        run.stderr
    );
    let json = s.verify(&["--allow-unsigned", "--json"]).ok().json();
    assert_eq!(json["manifest"]["signed"], false);
    assert_eq!(json["manifest"]["key_id"], serde_json::Value::Null);
    assert_eq!(json["warnings"][0], "the manifest is not signed");
}

/// The trust options are those of `olkit manifest check`: without a key a
/// signature beside the manifest is left unchecked (and said so), --sig
/// needs a key, and --at moves the expiry check.
#[test]
fn trust_options_are_shared_with_manifest_check() {
    let s = setup(3, "2030-01-01T00:00:00Z");
    let json = s.verify(&["--allow-unsigned", "--json"]).ok().json();
    assert_eq!(json["manifest"]["signed"], false);
    let warnings = json["warnings"].to_string();
    assert!(
        warnings.contains(&format!(
            "{}.minisig not checked: no --pubkey given",
            s.manifest
        )),
        "{warnings}"
    );
    // With a key the same signature is verified, under --allow-unsigned too.
    let pubkey = s.pubkey();
    let json = s
        .verify(&["--allow-unsigned", "--pubkey", &pubkey, "--json"])
        .ok()
        .json();
    assert_eq!(json["manifest"]["signed"], true);
    assert_eq!(
        json["manifest"]["signature_file"],
        format!("{}.minisig", s.manifest)
    );
    // --sig without a key to check it with: a usage error.
    let sig = format!("{}.minisig", s.manifest);
    let run = s.verify(&["--allow-unsigned", "--sig", &sig]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let run = s.verify(&["--pubkey", &pubkey, "--at", "2030-01-02T00:00:00Z"]);
    run.fails(1, "expired at 2030-01-01T00:00:00Z");
    s.verify(&["--pubkey", &pubkey, "--at", "2029-12-31T00:00:00Z"])
        .ok();
}

#[test]
fn a_legacy_md5_manifest_is_reported_weak() {
    let dir = TempDir::new().unwrap();
    let package = write(dir.path(), "setup.exe", b"legacy installer bytes");
    let manifest = write(
        dir.path(),
        "products.xml",
        format!(
            "<Products><Product><Name>OXtender</Name><Version>6.5.0</Version><MD5>{}</MD5></Product></Products>",
            tool_hex("md5sum", &package)
        )
        .as_bytes(),
    );
    let keys = Keys::generate();
    keys.sign_file(Path::new(&manifest), true);
    let pubkey = keys.public_path();
    let run = olkit(&[
        "package",
        "verify",
        &package,
        "--manifest",
        &manifest,
        "--product",
        "OXtender",
        "--pubkey",
        pubkey.to_str().unwrap(),
        "--json",
    ])
    .ok();
    let json = run.json();
    assert_eq!(json["strength"], "weak_md5");
    assert_eq!(json["size_checked"], false);
    let warnings = json["warnings"].to_string();
    for expected in ["no expiry", "no serial", "only MD5", "no size"] {
        assert!(warnings.contains(expected), "{warnings}");
    }
}

#[test]
fn the_product_must_be_in_the_manifest() {
    let s = setup(1, "2099-01-01T00:00:00Z");
    let pubkey = s.pubkey();
    let run = olkit(&[
        "package",
        "verify",
        &s.package,
        "--manifest",
        &s.manifest,
        "--product",
        "Nothing",
        "--pubkey",
        &pubkey,
    ]);
    run.fails(1, "no product \"Nothing\"");
    // Another product's digest does not match this file.
    let run = olkit(&[
        "package",
        "verify",
        &s.package,
        "--manifest",
        &s.manifest,
        "--product",
        "OX Drive",
        "--pubkey",
        &pubkey,
    ]);
    run.fails(1, "larger than 1 bytes");
    let _ = &s.dir;
}
