//! Fixture builders shared by the integration tests: real packages made at
//! test time by msitools (`wixl` from WiX source, `msibuild` from IDT files)
//! and the `msiinfo` reference output to compare against.
//!
//! Use from a test file as `mod support;`. Not every test uses every helper.

// Test helpers: a failed fixture build is a failed test, so they panic.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// ProductCode of [`sample_wxs`].
pub const SAMPLE_PRODUCT_CODE: &str = "{6B2F1C44-7D1E-4E0B-9B1A-3C5D2E7F8A01}";
/// UpgradeCode of [`sample_wxs`].
pub const SAMPLE_UPGRADE_CODE: &str = "{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}";
/// ProductVersion of [`sample_wxs`].
pub const SAMPLE_VERSION: &str = "1.2.3.4";

/// Source files the sample product (and any WiX source) may refer to; they
/// are written beside the `.wxs` before `wixl` runs.
pub const SAMPLE_FILES: &[(&str, &[u8])] = &[
    ("main.exe", b"MZ olkit sample executable\n"),
    ("readme.txt", b"Olkit sample readme\n"),
    ("app.ico", b"\0\0\x01\0olkit icon bytes"),
    ("bits.bin", b"custom action binary\0\x01\x02\xff"),
];

/// A small but rich product for `wixl -a x64`: ProductCode, UpgradeCode,
/// Version 1.2.3.4, two files in two components, registry values, an Icon
/// and a Binary (stream columns), several Property rows and a MajorUpgrade
/// (so the Upgrade table has a detect and a downgrade row).
pub fn sample_wxs() -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="{SAMPLE_PRODUCT_CODE}" Name="Olkit Sample" Language="1033"
           Version="{SAMPLE_VERSION}" Manufacturer="Olkit Test Co" UpgradeCode="{SAMPLE_UPGRADE_CODE}">
    <Package Description="Olkit sample package" Comments="Built by the test suite"
             Manufacturer="Olkit Test Co" InstallerVersion="200" Compressed="yes" Keywords="olkit,test"/>
    <Media Id="1" Cabinet="sample.cab" EmbedCab="yes"/>
    <MajorUpgrade DowngradeErrorMessage="A newer version is already installed."/>
    <Binary Id="CustomBits" SourceFile="bits.bin"/>
    <Icon Id="app.ico" SourceFile="app.ico"/>
    <Property Id="ARPPRODUCTICON" Value="app.ico"/>
    <Property Id="ARPCONTACT" Value="support@example.com"/>
    <Property Id="SERVERURL" Value="https://updates.example.com/manifest"/>
    <Property Id="CONNECTORMODE" Value="2"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="Olkit Sample">
          <Component Id="MainExe" Guid="{{11111111-2222-3333-4444-555555555555}}" Win64="yes">
            <File Id="main.exe" Name="main.exe" Source="main.exe" KeyPath="yes"/>
            <RegistryValue Root="HKLM" Key="Software\Olkit\Sample" Name="Version" Type="string" Value="{SAMPLE_VERSION}"/>
          </Component>
          <Component Id="Readme" Guid="{{22222222-3333-4444-5555-666666666666}}" Win64="yes">
            <File Id="readme.txt" Name="readme.txt" Source="readme.txt" KeyPath="yes"/>
            <RegistryValue Root="HKCU" Key="Software\Olkit\Sample" Name="Installed" Type="integer" Value="1"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Complete" Title="Olkit Sample" Level="1">
      <ComponentRef Id="MainExe"/>
      <ComponentRef Id="Readme"/>
    </Feature>
  </Product>
</Wix>
"#
    )
}

/// Builds the sample product ([`sample_wxs`], x64).
pub fn sample_msi() -> (TempDir, PathBuf) {
    wixl_build_args(&sample_wxs(), &["-a", "x64"])
}

/// Builds `package.msi` from WiX source with `wixl` (default architecture,
/// x86). The [`SAMPLE_FILES`] are available as sources.
pub fn wixl_build(wxs: &str) -> (TempDir, PathBuf) {
    wixl_build_args(wxs, &[])
}

/// [`wixl_build`] with extra `wixl` arguments (e.g. `["-a", "x64"]`).
pub fn wixl_build_args(wxs: &str, args: &[&str]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in SAMPLE_FILES {
        std::fs::write(dir.path().join(name), bytes).expect("write source file");
    }
    let source = dir.path().join("package.wxs");
    std::fs::write(&source, wxs).expect("write wxs");
    let out = dir.path().join("package.msi");
    let status = Command::new("wixl")
        .current_dir(dir.path())
        .args(args)
        .arg("-o")
        .arg(&out)
        .arg(&source)
        .output()
        .expect("run wixl (install msitools' wixl)");
    assert!(
        status.status.success(),
        "wixl failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    (dir, out)
}

/// Builds `package.msi` with `msibuild` from IDT files: each `(file name,
/// IDT text)` is written to the temp dir and imported with `-i` (the file
/// name decides nothing: the IDT's own third line names the table; use e.g.
/// `"Property.idt"`, or `"_ForceCodepage.idt"` for a code page line).
/// `summary` are the arguments of `msibuild -s` (name, author, template,
/// uuid; all optional, passed last since `-s` takes every argument after
/// it); an empty slice leaves out `-s`.
pub fn msibuild_from_idt(tables: &[(&str, &str)], summary: &[&str]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("package.msi");
    let mut command = Command::new("msibuild");
    command.current_dir(dir.path()).arg(&out);
    for (name, text) in tables {
        let path = dir.path().join(name);
        std::fs::write(&path, text.as_bytes()).expect("write idt");
        command.arg("-i").arg(&path);
    }
    // `-s` takes every argument after it, so it goes last.
    if !summary.is_empty() {
        command.arg("-s").args(summary);
    }
    run_ok(&mut command, "msibuild");
    (dir, out)
}

/// Like [`msibuild_from_idt`] for IDT files whose bytes are not UTF-8 (IDT
/// text in a legacy code page).
pub fn msibuild_from_idt_bytes(tables: &[(&str, &[u8])], summary: &[&str]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("package.msi");
    let mut command = Command::new("msibuild");
    command.current_dir(dir.path()).arg(&out);
    for (name, bytes) in tables {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write idt");
        command.arg("-i").arg(&path);
    }
    if !summary.is_empty() {
        command.arg("-s").args(summary);
    }
    run_ok(&mut command, "msibuild");
    (dir, out)
}

/// Adds a stream to an existing package (`msibuild PACKAGE -a NAME FILE`).
pub fn msibuild_add_stream(package: &Path, name: &str, bytes: &[u8]) {
    let file = package.with_extension(format!("stream{}", name.len()));
    std::fs::write(&file, bytes).expect("write stream file");
    run_ok(
        Command::new("msibuild")
            .arg(package)
            .arg("-a")
            .arg(name)
            .arg(&file),
        "msibuild -a",
    );
}

/// Runs SQL on an existing package (`msibuild PACKAGE -q SQL`).
pub fn msibuild_query(package: &Path, sql: &str) {
    run_ok(
        Command::new("msibuild").arg(package).arg("-q").arg(sql),
        "msibuild -q",
    );
}

/// An IDT file's text from its header lines and rows (fields joined by
/// TAB, lines by CR LF, as msiinfo writes them).
pub fn idt(columns: &str, types: &str, table_and_keys: &str, rows: &[&str]) -> String {
    let mut text = format!("{columns}\r\n{types}\r\n{table_and_keys}\r\n");
    for row in rows {
        text.push_str(row);
        text.push_str("\r\n");
    }
    text
}

/// `msiinfo ARGS...` stdout as bytes (asserts success). It runs in a
/// scratch directory: `msiinfo export` writes stream columns' files into
/// the current directory.
pub fn msiinfo_bytes(args: &[&str]) -> Vec<u8> {
    let scratch = tempfile::tempdir().expect("scratch directory");
    let output = Command::new("msiinfo")
        .args(args)
        .current_dir(scratch.path())
        .output()
        .expect("run msiinfo (install msitools)");
    assert!(
        output.status.success(),
        "msiinfo {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// `msiinfo ARGS...` stdout as text (lossy UTF-8).
pub fn msiinfo(args: &[&str]) -> String {
    String::from_utf8_lossy(&msiinfo_bytes(args)).into_owned()
}

/// `msiinfo tables PACKAGE`, one name per entry (msiinfo prints them in
/// `_Tables` order, preceded by `_SummaryInformation` and `_ForceCodepage`
/// pseudo-tables, which are left out here).
pub fn msiinfo_tables(package: &Path) -> Vec<String> {
    msiinfo(&["tables", &package.to_string_lossy()])
        .lines()
        .filter(|l| *l != "_SummaryInformation" && *l != "_ForceCodepage")
        .map(str::to_owned)
        .collect()
}

/// `msiinfo streams PACKAGE`, one decoded name per entry.
pub fn msiinfo_streams(package: &Path) -> Vec<String> {
    msiinfo(&["streams", &package.to_string_lossy()])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `msiinfo export PACKAGE TABLE` (IDT bytes, CR LF lines).
pub fn msiinfo_export(package: &Path, table: &str) -> Vec<u8> {
    msiinfo_bytes(&["export", &package.to_string_lossy(), table])
}

fn run_ok(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("run {what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file under `dir`, by path relative to it, with its bytes.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}
