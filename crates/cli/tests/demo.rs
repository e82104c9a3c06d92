//! `olkit demo`, run as a user runs it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
#[path = "../../manifest/tests/trust_support/mod.rs"]
mod trust_support;

use std::path::{Path, PathBuf};

use common::{olkit, sha256sum, utf16, write};
use trust_support::Keys;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// --examples DIR needs outlook-profiles.reg; the other files default to
/// the built-in copies.
fn copy_profiles(dir: &Path) {
    std::fs::copy(
        examples().join("outlook-profiles.reg"),
        dir.join("outlook-profiles.reg"),
    )
    .unwrap();
}

/// `xml` as manifest.xml in `dir`, signed with a new key (manifest.xml.minisig
/// beside it) whose public key is written as manifest.pub; the path and the key.
fn signed_manifest(dir: &Path, xml: &str) -> (String, Keys) {
    let manifest = write(dir, "manifest.xml", xml.as_bytes());
    let keys = Keys::generate();
    keys.sign_file(Path::new(&manifest), false);
    write(dir, "manifest.pub", keys.public.as_bytes());
    (manifest, keys)
}

#[test]
fn demo_runs_on_the_built_in_examples() {
    let run = olkit(&["demo"]).ok();
    let text = run.text();
    for expected in [
        "outlook-profiles.reg",
        "Outlook profiles:",
        "DefaultProfile = ",
        "Installed products:",
        "byte-identical",
        "6. Update manifest manifest.xml",
        "verified with the pinned key manifest.pub",
        "manifest-tampered.xml, a copy with byte ",
        "1. upgrade: OXtender 2 for Microsoft Outlook 7.10.2 -> 7.10.6",
        "2. upgrade: Olkit Sample 1.1.0 -> 1.5.0",
        "- not-applicable: OX Drive 1.3.0-rc1",
        "is the manifest's Olkit Sample 1.5.0",
        "checked while streaming it in 3 chunks",
        "olkit-sample-tampered.msi, a copy with byte ",
        "Done: ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn demo_json_reports_every_step() {
    let json = olkit(&["demo", "--json"]).ok().json();
    assert_eq!(json["kept"], false);
    assert_eq!(json["source"], serde_json::Value::Null);
    assert!(!std::path::Path::new(json["workdir"].as_str().unwrap()).exists());

    let summary = &json["summary"];
    assert_eq!(summary["format"], "regedit5");
    assert!(summary["keys"].as_u64().unwrap() > 0);
    assert!(summary["values"].as_u64().unwrap() > 0);
    assert!(!summary["profiles"].as_array().unwrap().is_empty());
    assert!(!summary["products"].as_array().unwrap().is_empty());
    for profile in summary["profiles"].as_array().unwrap() {
        assert!(profile["key"]
            .as_str()
            .unwrap()
            .ends_with(profile["name"].as_str().unwrap()));
    }

    assert_eq!(json["round_trip"]["identical"], true);
    assert_eq!(json["round_trip"]["bytes"], summary["bytes"]);
    assert_eq!(json["canonical"]["same_values"], true);

    let edit = &json["edit"];
    assert_eq!(edit["lines_removed"].as_array().unwrap().len(), 1);
    assert_eq!(edit["lines_added"].as_array().unwrap().len(), 1);
    assert_eq!(edit["reread"], edit["new"]);
    assert_ne!(edit["old"], edit["new"]);

    // The manifest step, against what minisign and sha256sum say of the
    // committed examples.
    let m = &json["manifest"];
    let public = std::fs::read_to_string(examples().join("manifest.pub")).unwrap();
    let key_id = public
        .lines()
        .next()
        .unwrap()
        .strip_prefix("untrusted comment: minisign public key ")
        .unwrap();
    assert_eq!(m["key_id"], key_id);
    let xml = std::fs::read_to_string(examples().join("manifest.xml")).unwrap();
    let serial = m["serial"].as_u64().unwrap();
    assert!(xml.contains(&format!("olkit:serial=\"{serial}\"")));
    assert_eq!(m["serial_to_store"], serial);
    assert_eq!(m["manifest"]["bytes"], xml.len());
    assert_eq!(m["source"], serde_json::Value::Null);
    assert!(
        m["tampered"]["error"]
            .as_str()
            .unwrap()
            .contains(&format!("signature by key {key_id} does not match")),
        "{}",
        m["tampered"]
    );
    assert_ne!(m["tampered"]["old"], m["tampered"]["new"]);
    let names: Vec<&str> = m["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "OXtender 2 for Microsoft Outlook",
            "OX Drive",
            "Olkit Sample"
        ]
    );
    assert_eq!(m["installed_products"], 3);
    assert_eq!(m["order"], serde_json::json!([0, 2]));
    let sample = &m["items"][2];
    assert_eq!(sample["name"], "Olkit Sample");
    assert_eq!(sample["action"], "upgrade");
    assert_eq!(sample["installed"], "1.1.0");
    assert_eq!(
        sample["reasons"],
        serde_json::json!(["replaces version 1.1.0"])
    );
    assert_eq!(m["items"][1]["action"], "not-applicable");
    assert_eq!(m["cache_upgrade"], 3);

    let msi = examples().join("olkit-sample.msi");
    let size = std::fs::metadata(&msi).unwrap().len();
    assert_eq!(
        m["package"]["product_code"],
        "{9C1E5A37-2B4D-4F60-8A71-C2D3E4F5A6B7}"
    );
    assert_eq!(
        m["package"]["product_code"],
        json["msi"]["identity"]["product_code"]
    );
    let package = &m["package"]["check"];
    assert_eq!(package["product"], "Olkit Sample");
    assert_eq!(package["version"], "1.5.0");
    assert_eq!(package["sha256"], sha256sum(&msi));
    assert_eq!(package["strength"], "sha256");
    assert_eq!(package["verified_bytes"], size);
    assert_eq!(package["size_checked"], true);
    let chunk = package["chunk_size"].as_u64().unwrap();
    assert_eq!(package["chunks"], size.div_ceil(chunk));
    assert!(package["chunks"].as_u64().unwrap() > 1);
    let refused = package["tampered"]["error"].as_str().unwrap();
    assert!(
        refused.contains(&format!("the manifest says {}", sha256sum(&msi))),
        "{refused}"
    );
}

/// The manifest step reads the manifest, its signature and key from
/// --examples DIR: a manifest signed by another key passes with that key;
/// the same manifest with the built-in signature (by the built-in key)
/// fails the demo.
#[test]
fn demo_verifies_a_manifest_from_another_examples_directory() {
    let dir = tempfile::tempdir().unwrap();
    copy_profiles(dir.path());
    let xml = std::fs::read_to_string(examples().join("manifest.xml"))
        .unwrap()
        .replace("olkit:serial=\"2025060101\"", "olkit:serial=\"2025060102\"");
    assert!(xml.contains("2025060102"));
    let (manifest, keys) = signed_manifest(dir.path(), &xml);
    let examples_dir = dir.path().to_str().unwrap();
    let json = olkit(&["demo", "--json", "--examples", examples_dir])
        .ok()
        .json();
    let m = &json["manifest"];
    assert_eq!(m["key_id"], keys.id());
    assert_eq!(m["serial"], 2025060102u64);
    assert_eq!(m["manifest"]["source"], manifest.as_str());
    // Taken from the built-in copies: the machine and the package.
    assert_eq!(m["environment"]["source"], serde_json::Value::Null);
    assert_eq!(m["package"]["source"], serde_json::Value::Null);

    std::fs::remove_file(dir.path().join("manifest.xml.minisig")).unwrap();
    let run = olkit(&["demo", "--examples", examples_dir]);
    run.fails(1, "manifest.xml");
    assert!(run.stderr.contains("not trusted"), "{}", run.stderr);
}

/// A package that differs from the manifest's entry fails the demo.
#[test]
fn demo_fails_on_a_package_the_manifest_does_not_describe() {
    let dir = tempfile::tempdir().unwrap();
    copy_profiles(dir.path());
    let mut msi = std::fs::read(examples().join("olkit-sample.msi")).unwrap();
    msi.extend_from_slice(&[0; 512]);
    write(dir.path(), "olkit-sample.msi", &msi);
    let run = olkit(&["demo", "--examples", dir.path().to_str().unwrap()]);
    run.fails(1, "olkit-sample.msi");
    assert!(run.stderr.contains("larger than"), "{}", run.stderr);
}

#[test]
fn demo_reads_another_examples_directory_and_keeps_its_workdir() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Windows Registry Editor Version 5.00\r\n\r\n\
        [HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook]\r\n\
        \"DefaultProfile\"=\"Work\"\r\n\r\n\
        [HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Work\\9375CFF0413111d3B88A00104B2A6676]\r\n\
        \"NextAccountID\"=dword:00000002\r\n\r\n\
        [HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Work\\9375CFF0413111d3B88A00104B2A6676\\00000001]\r\n\
        \"clsid\"=\"{ED475419-B0D6-11D2-8C3B-00104B2A6676}\"\r\n\r\n\
        [HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Private]\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{1}]\r\n\
        \"DisplayName\"=\"Connector\"\r\n\
        \"DisplayVersion\"=\"1.2.3\"\r\n\r\n";
    let path = write(dir.path(), "outlook-profiles.reg", &utf16(text));
    let json = olkit(&[
        "demo",
        "--json",
        "--keep",
        "--examples",
        dir.path().to_str().unwrap(),
    ])
    .ok()
    .json();
    assert_eq!(json["source"], path.as_str());
    assert_eq!(json["kept"], true);
    let workdir = std::path::PathBuf::from(json["workdir"].as_str().unwrap());
    assert!(workdir.join("edited.reg").exists());
    std::fs::remove_dir_all(&workdir).unwrap();

    let summary = &json["summary"];
    assert_eq!(
        summary["profiles"],
        serde_json::json!([
            {"name": "Work", "key": "HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Work", "subkeys": 2},
            {"name": "Private", "key": "HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Private", "subkeys": 0},
        ])
    );
    assert_eq!(
        summary["default_profiles"],
        serde_json::json!([{"key": "HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook", "value": "Work"}])
    );
    assert_eq!(
        summary["products"],
        serde_json::json!([{"key": "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{1}",
            "display_name": "Connector", "display_version": "1.2.3"}])
    );
    let edit = &json["edit"];
    assert_eq!(edit["old"], "Work");
    assert_eq!(edit["new"], "Private");
    assert_eq!(edit["first_changed_line"], 4);
    assert_eq!(
        edit["lines_removed"],
        serde_json::json!(["\"DefaultProfile\"=\"Work\""])
    );
    assert_eq!(
        edit["lines_added"],
        serde_json::json!(["\"DefaultProfile\"=\"Private\""])
    );
    assert_eq!(edit["lines_unchanged"], 16);
}

#[test]
fn demo_fails_on_a_missing_examples_directory() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let run = olkit(&["demo", "--examples", missing.to_str().unwrap()]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.starts_with("olkit: "), "{}", run.stderr);
    assert!(
        run.stderr.contains("outlook-profiles.reg"),
        "{}",
        run.stderr
    );
}

/// `olkit updates check` on the committed examples, as a user runs it.
fn updates_check(extra: &[&str]) -> common::Run {
    let ex = examples();
    let (manifest, key, reg, env) = (
        ex.join("manifest.xml"),
        ex.join("manifest.pub"),
        ex.join("installed-products.reg"),
        ex.join("manifest-env.json"),
    );
    let mut args = vec![
        "updates",
        "check",
        manifest.to_str().unwrap(),
        "--pubkey",
        key.to_str().unwrap(),
        "--installed",
        reg.to_str().unwrap(),
        "--env",
        env.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    olkit(&args).ok()
}

/// Step 9 shows what `olkit updates check` says of the examples, downloads
/// the example package as `olkit updates download` does, and prints the
/// command `olkit updates install-command` prints for the downloaded file.
#[test]
fn demo_runs_the_update_check_on_the_examples() {
    let json = olkit(&["demo", "--json", "--keep"]).ok().json();
    let workdir = PathBuf::from(json["workdir"].as_str().unwrap());
    let u = &json["updates"];

    // The list and its JSON are those of `olkit updates check`; only the
    // manifest's path (the demo's copy) differs in the first line.
    let check = updates_check(&["--json"]).json();
    assert_eq!(u["updates"], check["updates"]);
    assert_eq!(u["not_offered"], check["not_offered"]);
    assert_eq!(u["cache_upgrade"], check["cache_upgrade"]);
    let names: Vec<&str> = u["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["OXtender 2 for Microsoft Outlook", "Olkit Sample"]);
    let printed = updates_check(&[]).text();
    let printed: Vec<&str> = printed.lines().collect();
    let list: Vec<&str> = u["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(list.len(), printed.len());
    assert_eq!(list[1..], printed[1..]);
    assert_eq!(
        list[0].split_once(": ").unwrap().1,
        printed[0].split_once(": ").unwrap().1
    );
    assert!(list[0].starts_with(
        workdir
            .join("updates")
            .join("manifest.xml")
            .to_str()
            .unwrap()
    ));

    // Both packages, in the order to install them, downloaded from their
    // local copies under the names of their URLs.
    let packages = u["packages"].as_array().unwrap();
    let names: Vec<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["oxtender-sample.msi", "olkit-sample.msi"]);
    let expected = [
        (
            "OXtender 2 for Microsoft Outlook",
            "7.10.6",
            "oxtender2-7.10.6.msi",
            &["REBOOT=ReallySuppress"][..],
            "/qb",
        ),
        (
            "Olkit Sample",
            "1.5.0",
            "olkit-sample-1.5.0.msi",
            &[][..],
            "/qn",
        ),
    ];
    let mut downloaded_names = Vec::new();
    for (p, (product, version, saved_as, params, dropped)) in packages.iter().zip(expected) {
        let msi = examples().join(p["name"].as_str().unwrap());
        assert_eq!(p["product"], product);
        assert_eq!(p["version"], version);
        assert_eq!(p["offered"], true);
        let identity = olkit(&["msi", "info", msi.to_str().unwrap(), "--json"])
            .ok()
            .json();
        assert_eq!(p["product_code"], identity["identity"]["product_code"]);
        let d = &p["download"];
        assert_eq!(d["status"], "downloaded");
        assert_eq!(d["sha256"], sha256sum(&msi));
        assert_eq!(d["bytes"], std::fs::metadata(&msi).unwrap().len());
        let downloaded = PathBuf::from(d["path"].as_str().unwrap());
        assert_eq!(downloaded, workdir.join("updates/downloads").join(saved_as));
        assert_eq!(
            std::fs::read(&downloaded).unwrap(),
            std::fs::read(&msi).unwrap()
        );
        downloaded_names.push(std::ffi::OsString::from(saved_as));

        // The command is the one `olkit updates install-command` prints.
        let install = olkit(&[
            "updates",
            "install-command",
            downloaded.to_str().unwrap(),
            "--manifest",
            examples().join("manifest.xml").to_str().unwrap(),
            "--pubkey",
            examples().join("manifest.pub").to_str().unwrap(),
            "--product",
            product,
        ])
        .ok();
        assert_eq!(p["install"]["command_line"], install.text().trim_end());
        let mut argv = vec![
            serde_json::json!("msiexec"),
            serde_json::json!("/i"),
            d["path"].clone(),
            serde_json::json!("/qn"),
            serde_json::json!("/norestart"),
        ];
        argv.extend(params.iter().map(|a| serde_json::json!(a)));
        assert_eq!(p["install"]["argv"], serde_json::Value::Array(argv));
        assert_eq!(p["install"]["dropped"], serde_json::json!([dropped]));
    }
    // Nothing else in the download directory: no .part left.
    let mut files: Vec<_> = std::fs::read_dir(workdir.join("updates/downloads"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    downloaded_names.sort();
    assert_eq!(files, downloaded_names);
    std::fs::remove_dir_all(&workdir).unwrap();

    let text = olkit(&["demo"]).ok().text();
    for expected in [
        "9. Update check: manifest.xml",
        "   | 2. Olkit Sample: 1.1.0 -> 1.5.0 [upgrade]",
        "the manifest's Olkit Sample 1.5.0",
        "downloaded from its local copy as `olkit updates download` does: oxtender2-7.10.6.msi",
        "downloaded from its local copy as `olkit updates download` does: olkit-sample-1.5.0.msi",
        "       msiexec /i ",
        "downloaded and verified oxtender-sample.msi and olkit-sample.msi and gave their msiexec command lines",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

/// A manifest (signed by another key) whose Olkit Sample is older than the
/// installed one: the check does not offer it, and step 9 neither
/// downloads it nor prints a command.
#[test]
fn demo_downloads_nothing_the_update_check_does_not_offer() {
    let dir = tempfile::tempdir().unwrap();
    copy_profiles(dir.path());
    let xml = std::fs::read_to_string(examples().join("manifest.xml")).unwrap();
    let older = xml.replace(
        "<Name>Olkit Sample</Name>\n    <Version>1.5.0</Version>",
        "<Name>Olkit Sample</Name>\n    <Version>1.0.0</Version>",
    );
    assert_ne!(older, xml);
    let (manifest, _keys) = signed_manifest(dir.path(), &older);
    let examples_dir = dir.path().to_str().unwrap();

    let json = olkit(&["demo", "--json", "--examples", examples_dir])
        .ok()
        .json();
    let u = &json["updates"];
    assert_eq!(u["manifest"]["source"], manifest.as_str());
    let names: Vec<&str> = u["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["OXtender 2 for Microsoft Outlook"]);
    assert!(u["not_offered"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "Olkit Sample" && p["installed"] == "1.1.0"));
    // The OXtender is still offered and downloaded; the sample is not.
    let packages = u["packages"].as_array().unwrap();
    let sample = packages
        .iter()
        .find(|p| p["name"] == "olkit-sample.msi")
        .unwrap();
    assert_eq!(sample["version"], "1.0.0");
    assert_eq!(sample["offered"], false);
    assert_eq!(sample["download"], serde_json::Value::Null);
    assert_eq!(sample["install"], serde_json::Value::Null);
    let oxtender = packages
        .iter()
        .find(|p| p["name"] == "oxtender-sample.msi")
        .unwrap();
    assert_eq!(oxtender["offered"], true);
    assert_eq!(oxtender["download"]["status"], "downloaded");

    let run = olkit(&["demo", "--examples", examples_dir]).ok();
    let text = run.text();
    assert!(
        text.contains("not offered to this machine: not downloaded, no install command"),
        "{text}"
    );
    let commands: Vec<&str> = text.lines().filter(|l| l.contains("msiexec /i")).collect();
    assert_eq!(commands.len(), 1, "{text}");
    assert!(commands[0].contains("oxtender2-7.10.6.msi"), "{text}");
}
