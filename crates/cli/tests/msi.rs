//! `olkit msi` on packages built at test time by msitools (`wixl`,
//! `msibuild`), checked against msitools' own reading (`msiinfo`,
//! `msidump`). msitools is required: run `.ci/install-deps` if missing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
// The package builders of olkit-msi-query's tests.
#[path = "../../msi-query/tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{olkit, olkit_in};
use olkit_msi_query::Guid;

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs an msitools program in `cwd` (UTC, as olkit writes dates).
fn msitools(program: &str, cwd: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new(program)
        .current_dir(cwd)
        .env("TZ", "UTC")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}): run .ci/install-deps"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The data rows of `msiinfo export` (after the three header lines).
fn msiinfo_rows(package: &Path, table: &str) -> Vec<String> {
    let cwd = tempfile::tempdir().unwrap();
    let text = String::from_utf8(msitools(
        "msiinfo",
        cwd.path(),
        &["export", arg(package), table],
    ))
    .unwrap();
    text.split("\r\n")
        .skip(3)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn query_prints_rows_as_msiinfo_exports_them() {
    let (_dir, path) = support::sample_msi();
    for table in [
        "Property",
        "File",
        "Registry",
        "Upgrade",
        "InstallExecuteSequence",
    ] {
        let run = olkit(&[
            "msi",
            "query",
            arg(&path),
            &format!("SELECT * FROM `{table}`"),
        ])
        .ok();
        let lines: Vec<String> = run.text().lines().map(str::to_owned).collect();
        assert_eq!(lines, msiinfo_rows(&path, table), "{table}");
    }
    // Stream columns print as [stream]; --header names the columns.
    let run = olkit(&[
        "msi",
        "query",
        "--header",
        arg(&path),
        "SELECT * FROM Binary",
    ])
    .ok();
    assert_eq!(run.text(), "Name\tData\nCustomBits\t[stream]\n");
}

#[test]
fn query_binds_parameters_in_order() {
    let (_dir, path) = support::sample_msi();
    let sql = "SELECT `Value` FROM `Property` WHERE `Property` = ? OR `Property` = ?";
    let run = olkit(&[
        "msi",
        "query",
        arg(&path),
        sql,
        "--param",
        "ProductVersion",
        "--param",
        "ProductName",
    ])
    .ok();
    let expected: Vec<String> = msiinfo_rows(&path, "Property")
        .into_iter()
        .filter_map(|row| {
            let (name, value) = row.split_once('\t').unwrap();
            (name == "ProductVersion" || name == "ProductName").then(|| value.to_owned())
        })
        .collect();
    assert_eq!(run.text().lines().collect::<Vec<_>>(), expected);
    assert_eq!(expected.len(), 2);
    // A string parameter against an integer column is read as a number.
    let run = olkit(&[
        "msi",
        "query",
        arg(&path),
        "SELECT `File` FROM `File` WHERE `Sequence` = ?",
        "--param",
        "2",
    ])
    .ok();
    assert_eq!(run.text(), "readme.txt\n");
}

#[test]
fn query_json_has_types_values_and_streams() {
    let (_dir, path) = support::sample_msi();
    let doc = olkit(&[
        "msi",
        "query",
        "--json",
        arg(&path),
        "SELECT `File`, `FileSize`, `Version`, `Sequence` FROM `File`",
    ])
    .ok()
    .json();
    let types: Vec<&str> = doc["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["s72", "i4", "S72", "i4"]);
    let rows = doc["rows"].as_array().unwrap();
    let expected = msiinfo_rows(&path, "File");
    assert_eq!(rows.len(), expected.len());
    for (row, line) in rows.iter().zip(&expected) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(row[0], fields[0]);
        assert_eq!(row[1].as_i64().unwrap().to_string(), fields[3]);
        assert!(row[2].is_null() && fields[4].is_empty());
        assert_eq!(row[3].as_i64().unwrap().to_string(), fields[7]);
    }
    let doc = olkit(&["msi", "query", "--json", arg(&path), "SELECT * FROM `Icon`"])
        .ok()
        .json();
    assert_eq!(doc["rows"][0][1]["stream"], "Icon.app.ico");
}

#[test]
fn query_errors_say_where() {
    let (_dir, path) = support::sample_msi();
    let sql = "SELECT * FROM `Property` WHERE `Value` < 3";
    let run = olkit(&["msi", "query", arg(&path), sql]);
    assert_eq!(run.code, Some(1));
    let at = sql.find("`Value`").unwrap();
    assert!(run.stderr.contains(&format!("byte {at}")), "{}", run.stderr);
    // The caret stands under the column named.
    let caret = run.stderr.lines().last().unwrap();
    assert_eq!(caret.find('^').unwrap(), at + 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot compare strings"),
        "{}",
        run.stderr
    );
    let run = olkit(&["msi", "query", arg(&path), "SELECT * FROM NoSuchTable"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("NoSuchTable"), "{}", run.stderr);
    let run = olkit(&["msi", "query", "/nonexistent.msi", "SELECT * FROM Property"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("/nonexistent.msi"), "{}", run.stderr);
    let run = olkit(&["msi", "query", arg(&path)]);
    assert_eq!(run.code, Some(2));
}

#[test]
fn tables_lists_names_rows_and_types() {
    let (_dir, path) = support::sample_msi();
    let run = olkit(&["msi", "tables", arg(&path)]).ok();
    let names = support::msiinfo_tables(&path);
    let lines: Vec<String> = run.text().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), names.len());
    let cwd = tempfile::tempdir().unwrap();
    for (line, name) in lines.iter().zip(&names) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields[0], name);
        assert_eq!(
            fields[1],
            msiinfo_rows(&path, name).len().to_string(),
            "{name}"
        );
        // The column list carries the IDT header's names and types.
        let idt = String::from_utf8(msitools(
            "msiinfo",
            cwd.path(),
            &["export", arg(&path), name],
        ))
        .unwrap();
        let mut header = idt.split("\r\n");
        let (columns, types) = (header.next().unwrap(), header.next().unwrap());
        let shown: Vec<String> = columns
            .split('\t')
            .zip(types.split('\t'))
            .map(|(c, t)| format!("{c}:{t}"))
            .collect();
        assert_eq!(fields[2].replace('*', ""), shown.join(" "), "{name}");
    }
    let doc = olkit(&["msi", "tables", "--json", arg(&path)]).ok().json();
    let property = doc["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Property")
        .unwrap();
    assert_eq!(property["columns"][0]["key"], true);
    assert_eq!(property["columns"][1]["localizable"], true);
}

#[test]
fn info_shows_identity_and_summary() {
    let (_dir, path) = support::sample_msi();
    let text = olkit(&["msi", "info", arg(&path)]).ok().text();
    assert!(text.contains(&format!("ProductCode: {}\n", support::SAMPLE_PRODUCT_CODE)));
    assert!(text.contains(&format!("UpgradeCode: {}\n", support::SAMPLE_UPGRADE_CODE)));
    assert!(text.contains(&format!("ProductVersion: {}\n", support::SAMPLE_VERSION)));
    assert!(text.contains("Architecture: x64\n"));
    let suminfo = support::msiinfo(&["suminfo", arg(&path)]);
    let template = suminfo
        .lines()
        .find_map(|l| l.strip_prefix("Template: "))
        .unwrap();
    assert!(
        text.contains(&format!("  7 Template: {template}\n")),
        "{text}"
    );
    let uuid = suminfo
        .lines()
        .find_map(|l| l.strip_prefix("Revision number (UUID): "))
        .unwrap();
    assert!(text.contains(&format!("PackageCode: {uuid}\n")));

    let doc = olkit(&["msi", "info", "--json", arg(&path)]).ok().json();
    assert_eq!(doc["kind"], "database");
    assert_eq!(
        doc["identity"]["product_code"],
        support::SAMPLE_PRODUCT_CODE
    );
    assert_eq!(doc["identity"]["template"]["architecture"], "x64");
    assert_eq!(doc["identity"]["minimum_installer_version"], 200);
    let title = doc["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == 2)
        .unwrap();
    assert_eq!(
        title["value"].as_str().unwrap(),
        suminfo
            .lines()
            .find_map(|l| l.strip_prefix("Title: "))
            .unwrap()
    );
}

#[test]
fn export_writes_msiinfo_bytes_and_stream_files() {
    let (_dir, path) = support::sample_msi();
    for table in [
        "Property",
        "Binary",
        "_SummaryInformation",
        "_ForceCodepage",
        "_Columns",
    ] {
        let reference = tempfile::tempdir().unwrap();
        let expected = msitools("msiinfo", reference.path(), &["export", arg(&path), table]);
        // To standard output, stream files in the working directory.
        let cwd = tempfile::tempdir().unwrap();
        let run = olkit_in(cwd.path(), &["msi", "export", arg(&path), table]).ok();
        assert_eq!(run.stdout, expected, "{table}");
        assert_eq!(
            support::tree(cwd.path()),
            support::tree(reference.path()),
            "{table}"
        );
        // To a file, stream files beside it.
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join(format!("{table}.idt"));
        olkit(&["msi", "export", arg(&path), table, "-o", arg(&target)]).ok();
        let mut files = support::tree(out.path());
        assert_eq!(
            files.remove(Path::new(&format!("{table}.idt"))).unwrap(),
            expected
        );
        assert_eq!(files, support::tree(reference.path()), "{table}");
    }
    let run = olkit(&["msi", "export", arg(&path), "NoSuchTable"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("NoSuchTable"));
}

#[test]
fn export_all_equals_msidump() {
    let (_dir, path) = support::sample_msi();
    let reference = tempfile::tempdir().unwrap();
    msitools(
        "msidump",
        reference.path(),
        &["-t", "-s", "-d", ".", arg(&path)],
    );
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("dump");
    let doc = olkit(&["msi", "export", arg(&path), "--all", arg(&dir), "--json"])
        .ok()
        .json();
    assert_eq!(support::tree(&dir), support::tree(reference.path()));
    assert_eq!(doc["table_streams"], 2);
    assert_eq!(
        doc["streams"].as_array().unwrap().len(),
        support::msiinfo_streams(&path).len()
    );
    let run = olkit(&["msi", "export", arg(&path), "Property", "--all", arg(&dir)]);
    assert_eq!(run.code, Some(2), "a table and --all together");
}

/// A regedit export registering one product per machine with the sample's
/// UpgradeCode.
fn inventory_reg(product_code: &str, version: (u8, u8, u16), name: &str) -> String {
    let product = Guid::parse(product_code).unwrap().to_packed();
    let upgrade = Guid::parse(support::SAMPLE_UPGRADE_CODE)
        .unwrap()
        .to_packed();
    let dword = (u32::from(version.0) << 24) | (u32::from(version.1) << 16) | u32::from(version.2);
    let display = format!("{}.{}.{}", version.0, version.1, version.2);
    [
        "Windows Registry Editor Version 5.00".to_owned(),
        String::new(),
        format!("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\{product}]"),
        format!("\"ProductName\"=\"{name}\""),
        format!("\"Version\"=dword:{dword:08x}"),
        "\"Language\"=dword:00000409".to_owned(),
        String::new(),
        format!("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\UpgradeCodes\\{upgrade}]"),
        format!("\"{product}\"=\"\""),
        String::new(),
        format!(
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Installer\\UserData\\S-1-5-18\\Products\\{product}\\InstallProperties]"
        ),
        format!("\"DisplayName\"=\"{name}\""),
        format!("\"DisplayVersion\"=\"{display}\""),
        "\"Publisher\"=\"Olkit Test Co\"".to_owned(),
        "\"LocalPackage\"=\"C:\\\\Windows\\\\Installer\\\\1a2b3c.msi\"".to_owned(),
        "\"InstallDate\"=\"20260101\"".to_owned(),
        String::new(),
    ]
    .join("\r\n")
}

#[test]
fn upgrades_tell_upgrade_downgrade_and_maintenance() {
    let (_dir, path) = support::sample_msi();
    let other_code = "{A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF}";
    let reg_dir = tempfile::tempdir().unwrap();
    let cases = [
        (other_code, (1, 0, 0), "older-version", "remove", "upgrade"),
        (other_code, (1, 2, 3), "same-version", "none", "install"),
        (
            other_code,
            (2, 0, 0),
            "newer-version",
            "detect",
            "downgrade",
        ),
        (
            support::SAMPLE_PRODUCT_CODE,
            (1, 2, 3),
            "same-product",
            "none",
            "maintenance",
        ),
    ];
    for (code, version, relation, action, verdict) in cases {
        let reg = reg_dir.path().join("installed.reg");
        std::fs::write(&reg, inventory_reg(code, version, "Olkit Old")).unwrap();
        let run = olkit(&["msi", "upgrades", arg(&path), "--inventory", arg(&reg)]).ok();
        let text = run.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            format!(
                "package\t{}\t{}\t{}",
                support::SAMPLE_PRODUCT_CODE,
                support::SAMPLE_VERSION,
                support::SAMPLE_UPGRADE_CODE
            )
        );
        let display = format!("{}.{}.{}", version.0, version.1, version.2);
        assert_eq!(
            lines[1],
            format!("product\t{action}\t{relation}\t{code}\tmachine\t{display}\tOlkit Old"),
            "{text}"
        );
        assert_eq!(lines.last().unwrap(), &format!("verdict\t{verdict}"));
        let property = match action {
            "remove" => Some("WIX_UPGRADE_DETECTED"),
            "detect" => Some("WIX_DOWNGRADE_DETECTED"),
            _ => None,
        };
        let set: Vec<&str> = lines
            .iter()
            .filter(|l| l.starts_with("property\t"))
            .copied()
            .collect();
        match property {
            Some(name) => assert_eq!(set, [format!("property\t{name}\t{code}")]),
            None => assert!(set.is_empty(), "{text}"),
        }
        let doc = olkit(&[
            "msi",
            "upgrades",
            "--json",
            arg(&path),
            "--inventory",
            arg(&reg),
        ])
        .ok()
        .json();
        assert_eq!(doc["verdict"], verdict);
        assert_eq!(doc["report"]["products"][0]["action"], action);
        assert_eq!(doc["report"]["products"][0]["relation"], relation);
    }
    // A per-user install does not see per-machine products.
    let reg = reg_dir.path().join("installed.reg");
    std::fs::write(&reg, inventory_reg(other_code, (1, 0, 0), "Olkit Old")).unwrap();
    let run = olkit(&[
        "msi",
        "upgrades",
        arg(&path),
        "--inventory",
        arg(&reg),
        "--scope",
        "user",
    ])
    .ok();
    assert!(run.text().ends_with("verdict\tinstall\n"), "{}", run.text());
    let run = olkit(&[
        "msi",
        "upgrades",
        arg(&path),
        "--inventory",
        arg(&reg),
        "--scope",
        "nobody",
    ]);
    assert_eq!(run.code, Some(2));
}

#[test]
fn installed_lists_registrations() {
    let dir = tempfile::tempdir().unwrap();
    let reg = dir.path().join("installed.reg");
    let code = "{A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF}";
    let mut text = inventory_reg(code, (3, 1, 7), "Connector");
    // A product key that is not a packed GUID: skipped with a warning.
    text.push_str("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\NotAGuid]\r\n\"ProductName\"=\"x\"\r\n\r\n");
    std::fs::write(&reg, text).unwrap();
    let run = olkit(&["msi", "installed", arg(&reg)]).ok();
    assert_eq!(
        run.text(),
        format!("{code}\tmachine\t\tinstalled\t3.1.7\tConnector\n")
    );
    assert!(run.stderr.contains("NotAGuid"), "{}", run.stderr);
    let doc = olkit(&["msi", "installed", "--json", arg(&reg)])
        .ok()
        .json();
    assert_eq!(doc["products"][0]["product_code"], code);
    assert_eq!(doc["products"][0]["publisher"], "Olkit Test Co");
    assert_eq!(
        doc["products"][0]["local_package"],
        "C:\\Windows\\Installer\\1a2b3c.msi"
    );
    assert_eq!(doc["warnings"].as_array().unwrap().len(), 1);
    let run = olkit(&[
        "msi",
        "installed",
        arg(&reg),
        "--upgrade-code",
        support::SAMPLE_UPGRADE_CODE,
    ])
    .ok();
    assert_eq!(run.text().lines().count(), 1);
    let run = olkit(&[
        "msi",
        "installed",
        arg(&reg),
        "--upgrade-code",
        support::SAMPLE_PRODUCT_CODE,
    ])
    .ok();
    assert_eq!(run.text(), "");
    let run = olkit(&["msi", "installed", arg(&reg), "--context", "user-unmanaged"]).ok();
    assert_eq!(run.text(), "");
    let run = olkit(&["msi", "installed", arg(&reg), "--product", "not-a-guid"]);
    assert_eq!(run.code, Some(1));
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

#[test]
fn demo_shows_the_example_package_and_its_upgrade_check() {
    let doc = olkit(&["demo", "--json"]).ok().json();
    let msi = &doc["msi"];
    let example = examples_dir().join("olkit-sample.msi");
    assert_eq!(
        msi["package"]["bytes"].as_u64().unwrap(),
        std::fs::metadata(&example).unwrap().len()
    );
    assert!(msi["package"]["source"].is_null());
    // The identity is the package's Property table, as msiinfo reads it.
    let properties: BTreeMap<String, String> = msiinfo_rows(&example, "Property")
        .into_iter()
        .map(|row| {
            let (name, value) = row.split_once('\t').unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect();
    let identity = &msi["identity"];
    for (field, property) in [
        ("product_code", "ProductCode"),
        ("upgrade_code", "UpgradeCode"),
        ("product_version", "ProductVersion"),
        ("product_name", "ProductName"),
        ("manufacturer", "Manufacturer"),
    ] {
        assert_eq!(identity[field], properties[property], "{field}");
    }
    // The query's rows are the HKLM (Root 2) rows of msiinfo's export.
    let expected: Vec<Vec<String>> = msiinfo_rows(&example, "Registry")
        .iter()
        .map(|row| row.split('\t').map(str::to_owned).collect::<Vec<_>>())
        .filter(|fields| fields[1] == "2")
        .map(|fields| vec![fields[2].clone(), fields[3].clone(), fields[4].clone()])
        .collect();
    let rows: Vec<Vec<String>> = msi["query"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap_or("").to_owned())
                .collect()
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(rows, expected);
    // The upgrade checks agree with `olkit msi upgrades`.
    let reg = examples_dir().join("installed-products.reg");
    for (key, scope) in [("upgrade_per_machine", "machine"), ("upgrade_all", "all")] {
        let report = olkit(&[
            "msi",
            "upgrades",
            "--json",
            arg(&example),
            "--inventory",
            arg(&reg),
            "--scope",
            scope,
        ])
        .ok()
        .json();
        assert_eq!(msi[key]["verdict"], report["verdict"], "{scope}");
        let removed = report["report"]["products"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["action"] == "remove")
            .count();
        assert_eq!(msi[key]["removed"].as_array().unwrap().len(), removed);
    }
    // The example is built to be an upgrade of the per-machine 1.1.0.
    assert_eq!(msi["upgrade_per_machine"]["verdict"], "upgrade");
    let installed = olkit(&["msi", "installed", arg(&reg)]).ok().text();
    assert_eq!(
        msi["installed"].as_array().unwrap().len(),
        installed.lines().count()
    );
    let text = olkit(&["demo"]).ok().text();
    assert!(
        text.contains("5. Windows Installer package olkit-sample.msi"),
        "{text}"
    );
    assert!(
        text.contains("upgrade check, installed per machine"),
        "{text}"
    );
}

#[test]
fn demo_takes_the_package_from_the_examples_directory() {
    let (_build, path) = support::sample_msi();
    let dir = tempfile::tempdir().unwrap();
    for name in ["outlook-profiles.reg", "installed-products.reg"] {
        std::fs::copy(examples_dir().join(name), dir.path().join(name)).unwrap();
    }
    std::fs::copy(&path, dir.path().join("olkit-sample.msi")).unwrap();
    let doc = olkit(&["demo", "--json", "--examples", arg(dir.path())])
        .ok()
        .json();
    let msi = &doc["msi"];
    assert_eq!(
        msi["identity"]["product_code"],
        support::SAMPLE_PRODUCT_CODE
    );
    assert!(msi["package"]["source"]
        .as_str()
        .unwrap()
        .ends_with("olkit-sample.msi"));
    // The sample (1.2.3.4) upgrades 1.1.0 per machine too; its query finds
    // no HKLM row of the add-in but its own registry value.
    assert_eq!(msi["upgrade_per_machine"]["verdict"], "upgrade");
    assert_eq!(msi["query"]["rows"][0][0], "Software\\Olkit\\Sample");
    // The built-in manifest does not list this package: it is not checked.
    let package = &doc["manifest"]["package"];
    assert_eq!(package["product_code"], support::SAMPLE_PRODUCT_CODE);
    assert_eq!(package["check"], serde_json::Value::Null);
}
