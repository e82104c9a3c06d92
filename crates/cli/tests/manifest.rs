//! `olkit manifest check` and `olkit manifest plan` on manifests signed by
//! the real `minisign` tool (Debian package minisign), with keys made at
//! test time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod common;
#[path = "../../manifest/tests/trust_support/mod.rs"]
mod trust_support;

use std::path::Path;

use common::{olkit, write};
use trust_support::Keys;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../manifest/tests/fixtures")
        .join(name);
    std::fs::read(path).unwrap()
}

/// Before the full fixture's expiry.
const AT: &str = "2024-03-20T00:00:00Z";

#[test]
fn signed_full_manifest_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::generate();
    let file = write(dir.path(), "products.xml", &fixture("manifest-full.xml"));
    keys.sign_file(Path::new(&file), false);
    let public = keys.public_path();
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
    expired.fails(1, "expired");
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
    // Neither a key nor --allow-unsigned: a usage error naming both (the
    // rule `olkit package verify` and `olkit manifest plan` share).
    let refused = olkit(&["manifest", "check", &file]);
    refused.fails(2, "--pubkey").fails(2, "--allow-unsigned");
    // A key but no signature: refused, with the way out.
    let keys = Keys::generate();
    let pubkey = keys.public_path();
    let refused = olkit(&[
        "manifest",
        "check",
        &file,
        "--pubkey",
        pubkey.to_str().unwrap(),
    ]);
    refused.fails(1, "not signed").fails(1, "--allow-unsigned");
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

const KERIO_UPGRADE_CODE: &str = "{1B4D6F0A-2C3E-4F50-8A9B-0C1D2E3F4A5B}";
const SYNC_PRODUCT_CODE: &str = "{7E8F9A0B-1C2D-4E3F-9051-62738495A6B7}";

/// Four packages for a machine on server 6.4.2: OX Drive (not installed),
/// KOFF (needs server 6.5.0), the Kerio connector (critical, cache format
/// 4, an older version installed) and a sync tool (installed as is).
fn plan_manifest(serial: u64) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Products xmlns:olkit=\"urn:olkit:manifest:1\" olkit:serial=\"{serial}\" olkit:expires=\"2099-01-01T00:00:00Z\">\n\
         <Product><Name>OX Drive</Name><Version>2.1.0</Version>\
         <UpgradeCode>{{0E5C3A8B-94F1-4D62-A7B3-C1D2E3F4A5B6}}</UpgradeCode></Product>\n\
         <Product><Name>KOFF</Name><Version>7.2.0</Version>\
         <olkit:MinServerVersion>6.5.0</olkit:MinServerVersion></Product>\n\
         <Product><Name>Kerio Outlook Connector</Name><Version>7.2.0.4567</Version>\
         <UpgradeCode>{KERIO_UPGRADE_CODE}</UpgradeCode>\
         <olkit:Critical>true</olkit:Critical>\
         <olkit:RequiredCacheFormat>4</olkit:RequiredCacheFormat></Product>\n\
         <Product><Name>Sync Tool</Name><Version>3.0</Version>\
         <olkit:ProductCode>{SYNC_PRODUCT_CODE}</olkit:ProductCode></Product>\n\
         </Products>\n"
    )
}

/// A signed plan manifest (MANIFEST.minisig beside it), the installed
/// list and the environment, in a temporary directory.
struct PlanSetup {
    dir: tempfile::TempDir,
    keys: Keys,
    manifest: String,
    installed: String,
    env: String,
}

fn plan_setup() -> PlanSetup {
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(dir.path(), "products.xml", plan_manifest(42).as_bytes());
    let keys = Keys::generate();
    keys.sign_file(Path::new(&manifest), false);
    // Lower-case codes without braces: matching ignores both.
    let installed = format!(
        r#"[
  {{"upgrade_code": "{}", "version": "7.1.0.12", "name": "Kerio Outlook Connector"}},
  {{"product_code": "{}", "version": "3.0.0", "name": "Sync Tool (renamed)"}}
]
"#,
        KERIO_UPGRADE_CODE
            .trim_matches(|c| c == '{' || c == '}')
            .to_lowercase(),
        SYNC_PRODUCT_CODE
    );
    let installed = write(dir.path(), "installed.json", installed.as_bytes());
    let env = write(
        dir.path(),
        "env.json",
        br#"{"server_version": "6.4.2", "architecture": "x64", "channel": "stable", "machine_id": "pc-17"}"#,
    );
    PlanSetup {
        dir,
        keys,
        manifest,
        installed,
        env,
    }
}

impl PlanSetup {
    fn plan(&self, extra: &[&str]) -> common::Run {
        let pubkey = self.keys.public_path();
        let mut args = vec![
            "manifest",
            "plan",
            &self.manifest,
            "--installed",
            &self.installed,
            "--env",
            &self.env,
        ];
        if !extra.contains(&"--allow-unsigned") {
            args.extend_from_slice(&["--pubkey", pubkey.to_str().unwrap()]);
        }
        args.extend_from_slice(extra);
        olkit(&args)
    }
}

const KOFF_BLOCKED: &str = "needs server version 6.5.0 or later; the server runs 6.4.2";

#[test]
fn plan_prints_a_table_in_apply_order_with_reasons() {
    let s = plan_setup();
    let run = s.plan(&[]).ok();
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let text = run.text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].contains(&format!("signed by key {}", s.keys.id()))
            && lines[0].contains("serial 42"),
        "{text}"
    );
    let columns = |line: &str| {
        line.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        columns(lines[1]),
        [
            "#",
            "PRODUCT",
            "OFFERED",
            "INSTALLED",
            "ACTION",
            "CRITICAL",
            "CACHE",
            "UPGRADE"
        ]
    );
    let row = |name: &str| {
        let at = lines
            .iter()
            .position(|l| l.contains(name) && !l.starts_with(' '))
            .unwrap_or_else(|| panic!("no row {name}: {text}"));
        (at, columns(&lines[at].replace(name, "NAME")))
    };
    // The critical upgrade first, then the install; then the others as
    // the manifest lists them.
    let (kerio, kerio_cells) = row("Kerio Outlook Connector");
    assert_eq!(
        kerio_cells,
        [
            "1",
            "NAME",
            "7.2.0.4567",
            "7.1.0.12",
            "upgrade",
            "yes",
            "format",
            "4"
        ]
    );
    let (drive, drive_cells) = row("OX Drive");
    assert_eq!(
        drive_cells,
        ["2", "NAME", "2.1.0", "-", "install", "no", "-"]
    );
    let (koff, koff_cells) = row("KOFF");
    assert_eq!(
        koff_cells,
        ["-", "NAME", "7.2.0", "-", "blocked", "no", "-"]
    );
    let (sync, sync_cells) = row("Sync Tool");
    assert_eq!(
        sync_cells,
        ["-", "NAME", "3.0", "3.0.0", "up-to-date", "no", "-"]
    );
    assert!(kerio < drive && drive < koff && koff < sync, "{text}");
    // The reasons follow their row, indented.
    assert_eq!(lines[kerio + 1].trim(), "replaces version 7.1.0.12");
    assert!(lines[kerio + 1].starts_with("   "), "{text}");
    assert!(
        lines[kerio + 1..drive].contains(&"      a critical update"),
        "{text}"
    );
    assert_eq!(lines[koff + 1].trim(), KOFF_BLOCKED);
    assert!(lines[koff + 1].starts_with("   "), "{text}");
    assert_eq!(lines[sync + 1].trim(), "version 3.0.0 is installed");
    assert!(text.contains("upgraded to format 4"), "{text}");
    assert!(text.contains("store serial 42"), "{text}");
}

#[test]
fn plan_json_is_the_plan_and_the_serial_to_store() {
    let s = plan_setup();
    let json = s.plan(&["--json"]).ok().json();
    let actions: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["install", "blocked", "upgrade", "up-to-date"]);
    assert_eq!(json["order"], serde_json::json!([2, 0]));
    let kerio = &json["items"][2];
    assert_eq!(kerio["index"], 2);
    assert_eq!(kerio["version"], "7.2.0.4567");
    assert_eq!(kerio["installed"], "7.1.0.12");
    assert_eq!(kerio["critical"], true);
    assert_eq!(kerio["cache_upgrade"], 4);
    assert_eq!(kerio["reasons"][0], "replaces version 7.1.0.12");
    assert_eq!(
        json["items"][1]["reasons"],
        serde_json::json!([KOFF_BLOCKED])
    );
    assert_eq!(json["items"][0]["installed"], serde_json::Value::Null);
    assert_eq!(json["cache_upgrade"], 4);
    assert_eq!(json["serial_to_store"], 42);
    assert_eq!(json["manifest"]["serial_to_store"], 42);
    assert_eq!(json["manifest"]["signed"], true);
    assert_eq!(json["manifest"]["key_id"], s.keys.id());
    assert_eq!(
        json["manifest"]["signature_file"],
        format!("{}.minisig", s.manifest)
    );
    assert_eq!(json["warnings"], serde_json::json!([]));

    // A rollback is refused like `check` refuses it; the same serial is not.
    s.plan(&["--last-serial", "42"]).ok();
    let run = s.plan(&["--last-serial", "43", "--json"]);
    run.fails(1, "rollback");
    assert_eq!(run.json()["error"]["file"], s.manifest.as_str());
}

#[test]
fn plan_refuses_unsigned_changed_and_expired_manifests() {
    let s = plan_setup();
    // One changed byte: nothing is planned.
    let text = std::fs::read_to_string(&s.manifest).unwrap();
    std::fs::write(&s.manifest, text.replace("7.2.0.4567", "7.2.0.4568")).unwrap();
    let run = s.plan(&[]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("does not match"), "{}", run.stderr);
    std::fs::write(&s.manifest, &text).unwrap();
    s.plan(&[]).ok();

    let run = s.plan(&["--at", "2099-01-02T00:00:00Z"]);
    run.fails(1, "expired");

    std::fs::remove_file(format!("{}.minisig", s.manifest)).unwrap();
    let run = s.plan(&[]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("not signed") && run.stderr.contains("--allow-unsigned"),
        "{}",
        run.stderr
    );
    let run = s.plan(&["--json"]);
    assert_eq!(run.code, Some(1));
    let error = &run.json()["error"];
    assert!(
        error["message"].as_str().unwrap().contains("not signed"),
        "{error}"
    );
    assert_eq!(error["line"], serde_json::Value::Null);

    // Accepted unsigned only when asked, with the warning.
    let run = s.plan(&["--allow-unsigned"]).ok();
    assert!(
        run.stderr.contains("warning: the manifest is not signed"),
        "{}",
        run.stderr
    );
    let json = s.plan(&["--allow-unsigned", "--json"]).ok().json();
    assert_eq!(json["manifest"]["signed"], false);
    assert_eq!(json["warnings"][0], "the manifest is not signed");
    assert_eq!(json["order"], serde_json::json!([2, 0]));
}

#[test]
fn plan_reports_bad_json_with_line_and_column() {
    let s = plan_setup();
    // A number where the version text belongs, on line 3.
    std::fs::write(
        &s.installed,
        "[\n  {\"name\": \"Kerio Outlook Connector\",\n   \"version\": 7}\n]\n",
    )
    .unwrap();
    let run = s.plan(&[]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains(&s.installed) && run.stderr.contains("line 3 column"),
        "{}",
        run.stderr
    );
    let json = s.plan(&["--json"]).json();
    assert_eq!(json["error"]["file"], s.installed.as_str());
    assert_eq!(json["error"]["line"], 3);
    assert!(json["error"]["column"].as_u64().unwrap() > 1, "{json}");

    // A syntax error in the environment: the trailing comma on line 2.
    std::fs::write(&s.installed, "[]").unwrap();
    std::fs::write(
        &s.env,
        "{\"architecture\": \"x64\", \"channel\": \"stable\",\n \"machine_id\": \"m\",\n}\n",
    )
    .unwrap();
    let run = s.plan(&["--json"]);
    assert_eq!(run.code, Some(1));
    let json = run.json();
    assert_eq!(json["error"]["file"], s.env.as_str());
    assert_eq!(json["error"]["line"], 3);
    assert!(run.stderr.contains(&s.env), "{}", run.stderr);

    // A version the library cannot read, and an architecture it does not know.
    for (bad, expected) in [
        (
            r#"{"server_version": "six", "architecture": "x64", "channel": "", "machine_id": "m"}"#,
            "six",
        ),
        (
            r#"{"architecture": "arm64", "channel": "", "machine_id": "m"}"#,
            "arm64",
        ),
    ] {
        std::fs::write(&s.env, bad).unwrap();
        let run = s.plan(&[]);
        assert_eq!(run.code, Some(1), "{bad}");
        assert!(run.stderr.contains(expected), "{bad}: {}", run.stderr);
    }
}

#[test]
fn plan_usage_errors_exit_2() {
    let s = plan_setup();
    let pubkey = s.keys.public_path();
    let pubkey = pubkey.to_str().unwrap();
    let m = s.manifest.as_str();
    for args in [
        vec!["manifest", "plan", m, "--env", &s.env, "--pubkey", pubkey],
        vec![
            "manifest",
            "plan",
            m,
            "--installed",
            &s.installed,
            "--pubkey",
            pubkey,
        ],
        vec![
            "manifest",
            "plan",
            m,
            "--installed",
            &s.installed,
            "--env",
            &s.env,
        ],
    ] {
        let run = olkit(&args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
    let _ = &s.dir;
}

/// The committed example (examples/manifest.xml, signed by
/// examples/make-manifest-example.sh) plans as its --help says.
#[test]
fn plan_runs_on_the_examples() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let path = |name: &str| examples.join(name).to_str().unwrap().to_owned();
    let json = olkit(&[
        "manifest",
        "plan",
        &path("manifest.xml"),
        "--pubkey",
        &path("manifest.pub"),
        "--installed",
        &path("manifest-installed.json"),
        "--env",
        &path("manifest-env.json"),
        "--json",
    ])
    .ok()
    .json();
    assert_eq!(json["manifest"]["signed"], true);
    assert_eq!(json["items"][0]["name"], "OXtender 2 for Microsoft Outlook");
    assert_eq!(json["items"][0]["action"], "upgrade");
    assert_eq!(json["items"][1]["action"], "not-applicable");
    assert_eq!(json["items"][2]["name"], "Olkit Sample");
    assert_eq!(json["items"][2]["action"], "upgrade");
    assert_eq!(json["items"][2]["installed"], "1.1.0");
    assert_eq!(json["order"], serde_json::json!([0, 2]));
    assert_eq!(json["serial_to_store"], json["manifest"]["serial"]);
}
