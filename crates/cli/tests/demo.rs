//! `olkit demo`, run as a user runs it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{olkit, utf16, write};

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
