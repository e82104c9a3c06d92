//! `olkit bundle extract`, run as a user runs it, on zips made by python3's
//! `zipfile`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::Path;
use std::process::Command;

use common::olkit;
use tempfile::TempDir;

fn python_zip(path: &Path, entries: &[(&str, &str)]) {
    let mut script = String::from(
        "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w', compression=zipfile.ZIP_DEFLATED) as z:\n",
    );
    for (name, data) in entries {
        script.push_str(&format!("    z.writestr({name:?}, {data:?})\n"));
    }
    let out = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `olkit bundle extract ZIP DIR` with `extra` arguments.
fn extract(zip: &Path, dir: &Path, extra: &[&str]) -> common::Run {
    let mut args = vec![
        "bundle",
        "extract",
        zip.to_str().unwrap(),
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    olkit(&args)
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_bundle_is_extracted() {
    let dir = TempDir::new().unwrap();
    let zip = dir.path().join("bundle.zip");
    python_zip(
        &zip,
        &[
            ("setup.msi", "MSI bytes"),
            ("docs/", ""),
            ("docs/notes.txt", "notes"),
        ],
    );
    let out = dir.path().join("out");
    let run = extract(&zip, &out, &[]).ok();
    assert!(
        run.text()
            .starts_with("extracted 2 files and 1 directories, 14 bytes"),
        "{}",
        run.text()
    );
    assert_eq!(
        std::fs::read_to_string(out.join("setup.msi")).unwrap(),
        "MSI bytes"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("docs/notes.txt")).unwrap(),
        "notes"
    );

    let out2 = dir.path().join("out2");
    let json = extract(&zip, &out2, &["--json"]).ok().json();
    assert_eq!(json["files"], 2);
    assert_eq!(json["bytes"], 14);
    assert_eq!(json["entries"][1]["path"], "docs/");
    assert_eq!(json["entries"][1]["is_dir"], true);
    assert_eq!(json["entries"][2]["size"], 5);
}

#[test]
fn a_hostile_bundle_is_refused_and_leaves_nothing() {
    let dir = TempDir::new().unwrap();
    let zip = dir.path().join("slip.zip");
    python_zip(&zip, &[("fine.txt", "x"), ("../../evil.txt", "gotcha")]);
    let out = dir.path().join("out");
    let run = extract(&zip, &out, &[]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("\"../../evil.txt\": unsafe path"),
        "{}",
        run.stderr
    );
    assert_eq!(listing(dir.path()), ["slip.zip"]);

    let zip = dir.path().join("case.zip");
    python_zip(&zip, &[("Setup.msi", "a"), ("SETUP.msi", "b")]);
    let run = extract(&zip, &out, &[]);
    run.fails(1, "collides with \"Setup.msi\"");
    assert_eq!(listing(dir.path()), ["case.zip", "slip.zip"]);
}

#[test]
fn an_existing_destination_and_bad_usage_are_refused() {
    let dir = TempDir::new().unwrap();
    let zip = dir.path().join("b.zip");
    python_zip(&zip, &[("a.txt", "a")]);
    let run = extract(&zip, dir.path(), &[]);
    run.fails(1, "exists already");
    assert_eq!(
        olkit(&["bundle", "extract", zip.to_str().unwrap()]).code,
        Some(2)
    );
    let run = olkit(&["bundle", "extract", "/no/such.zip", "/tmp/olkit-never"]);
    run.fails(1, "/no/such.zip");
}
