//! IDT export against msitools: for real packages built at test time
//! (`wixl`, `msibuild`), every table olkit exports must be byte for byte
//! what `msiinfo export` writes, stream files included, and a whole-package
//! export must equal the tree `msidump -t -s` makes.
//!
//! msitools is required: run `.ci/install-deps` if it is missing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use olkit_msi_query::{
    export_all, export_table, export_table_names, export_table_with_streams, Error, Package,
};
use support::idt;

/// Runs an msitools program in `cwd` with the time zone fixed to UTC
/// (msiinfo formats summary dates in local time, olkit in UTC).
fn msitools(program: &str, cwd: &Path, args: &[&str]) -> std::process::Output {
    Command::new(program)
        .current_dir(cwd)
        .env("TZ", "UTC")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}): install msitools with .ci/install-deps")
        })
}

/// `msiinfo export` of one table, run in an empty directory: its standard
/// output, whether it succeeded, and the stream files it wrote there.
struct MsiinfoExport {
    stdout: Vec<u8>,
    ok: bool,
    files: BTreeMap<PathBuf, Vec<u8>>,
}

fn msiinfo_export(package: &Path, table: &str) -> MsiinfoExport {
    let cwd = tempfile::tempdir().unwrap();
    let output = msitools(
        "msiinfo",
        cwd.path(),
        &["export", package.to_str().unwrap(), table],
    );
    MsiinfoExport {
        stdout: output.stdout,
        ok: output.status.success(),
        files: support::tree(cwd.path()),
    }
}

/// olkit's export of one table: IDT bytes and the stream files written.
fn olkit_export(package: &Package, table: &str) -> (Vec<u8>, BTreeMap<PathBuf, Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    let written = export_table_with_streams(package, table, &mut bytes, dir.path()).unwrap();
    let files = support::tree(dir.path());
    assert_eq!(written, files.len(), "{table}: files reported");
    let mut plain = Vec::new();
    export_table(package, table, &mut plain).unwrap();
    assert_eq!(
        plain, bytes,
        "{table}: export_table and export_table_with_streams"
    );
    (bytes, files)
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).escape_debug().to_string()
}

/// Every table msiinfo lists (the pseudo-tables included) and the virtual
/// tables: olkit's bytes and stream files equal msiinfo's. Returns the
/// number of tables compared.
fn assert_every_table_matches(path: &Path) -> usize {
    let package = Package::open(path).unwrap();
    let listed = support::msiinfo(&["tables", path.to_str().unwrap()]);
    let listed: Vec<String> = listed.lines().map(str::to_owned).collect();
    assert_eq!(export_table_names(&package).unwrap(), listed);
    let mut compared = 0;
    for table in listed
        .iter()
        .map(String::as_str)
        .chain(["_Tables", "_Columns", "_Storages"])
    {
        let reference = msiinfo_export(path, table);
        assert!(reference.ok, "msiinfo export {table} failed");
        let (bytes, files) = olkit_export(&package, table);
        assert!(
            bytes == reference.stdout,
            "{}: table {table}\nolkit:   {}\nmsiinfo: {}",
            path.display(),
            show(&bytes),
            show(&reference.stdout)
        );
        assert_eq!(files, reference.files, "{table}: stream files");
        compared += 1;
    }
    // msiinfo gives up on `_Streams` at the first stream; what it wrote up
    // to there is the start of olkit's.
    let reference = msiinfo_export(path, "_Streams");
    let (bytes, files) = olkit_export(&package, "_Streams");
    let streams = package.stream_names().unwrap();
    assert!(!reference.ok && !streams.is_empty());
    assert!(
        bytes.starts_with(&reference.stdout) && bytes.len() > reference.stdout.len(),
        "_Streams\nolkit:   {}\nmsiinfo: {}",
        show(&bytes),
        show(&reference.stdout)
    );
    assert_eq!(files.len(), streams.len());
    for name in &streams {
        let file = PathBuf::from("_Streams").join(name);
        assert_eq!(files[&file], package.read_stream(name).unwrap(), "{name}");
    }
    compared
}

/// `olkit`'s whole-package export equals `msidump -t -s` run inside the
/// directory (so that its stream-column files land there too).
fn assert_export_all_matches_msidump(path: &Path) {
    let reference = tempfile::tempdir().unwrap();
    let output = msitools(
        "msidump",
        reference.path(),
        &["-t", "-s", "-d", ".", path.to_str().unwrap()],
    );
    assert!(
        output.status.success(),
        "msidump: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let ours = tempfile::tempdir().unwrap();
    let package = Package::open(path).unwrap();
    let report = export_all(&package, ours.path()).unwrap();
    let expected = support::tree(reference.path());
    let got = support::tree(ours.path());
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (file, bytes) in &expected {
        assert!(
            &got[file] == bytes,
            "{}: {}\nolkit:   {}\nmsidump: {}",
            path.display(),
            file.display(),
            show(&got[file]),
            show(bytes)
        );
    }
    assert_eq!(
        report.tables.len(),
        export_table_names(&package).unwrap().len()
    );
    assert_eq!(report.streams.len(), package.stream_names().unwrap().len());
    assert_eq!(
        report.tables.len() + report.streams.len() + report.table_streams,
        got.len()
    );
}

fn check(path: &Path) {
    let tables = assert_every_table_matches(path);
    assert!(tables >= 5);
    assert_export_all_matches_msidump(path);
}

#[test]
fn wixl_sample_every_table() {
    let (_dir, path) = support::sample_msi();
    let tables = assert_every_table_matches(&path);
    // The sample has Binary and Icon streams, an Upgrade table, registry.
    assert!(tables > 25, "{tables} tables");
    assert_export_all_matches_msidump(&path);
}

#[test]
fn wixl_sample_x86_and_merge_module_tables() {
    let (_dir, path) = support::wixl_build(&support::sample_wxs());
    check(&path);
    // wixl cannot build merge modules: their tables, three-column keys
    // included, made with msibuild.
    let signature = idt(
        "ModuleID\tLanguage\tVersion",
        "s72\ti2\ts32",
        "ModuleSignature\tModuleID\tLanguage",
        &["OlkitModule.AAAAAAAA_BBBB_CCCC_DDDD_EEEEEEEEEEEE\t1033\t1.0.0.0"],
    );
    let components = idt(
        "Component\tModuleID\tLanguage",
        "s72\ts72\ti2",
        "ModuleComponents\tComponent\tModuleID\tLanguage",
        &[
            "ModFile\tOlkitModule.AAAAAAAA_BBBB_CCCC_DDDD_EEEEEEEEEEEE\t1033",
            "ModReg\tOlkitModule.AAAAAAAA_BBBB_CCCC_DDDD_EEEEEEEEEEEE\t0",
        ],
    );
    let (_module_dir, module_path) = support::msibuild_from_idt(
        &[
            ("ModuleSignature.idt", &signature),
            ("ModuleComponents.idt", &components),
        ],
        &["Olkit module", "Olkit Test Co", ";1033"],
    );
    check(&module_path);
}

/// Data msiinfo writes as it is: LF (an IDT NUL byte imports as LF), CR
/// LF (`\x11\x19`), a tab (inserted with SQL), non-ASCII, NULLs in every
/// kind of column, negative and extreme integers, rows in insertion (not
/// key) order.
#[test]
fn tricky_values() {
    let text = idt(
        "Key\tNum\tBig\tText\tRequired",
        "s72\tI2\tI4\tL0\ti4",
        "Tricky\tKey",
        &[
            "b\t-5\t-2147483647\tline1\u{0}line2\t0",
            "a\t32767\t2147483647\tcr\u{11}\u{19}lf\t-1",
            "c\t\t\t\t7",
            "d\t0\t0\tnon-ascii é ü ß\t2147483647",
            "e\t-32767\t-1\t   spaces   \t-2147483647",
        ],
    );
    let (_dir, path) = support::msibuild_from_idt(&[("Tricky.idt", &text)], &[]);
    support::msibuild_query(
        &path,
        "INSERT INTO `Tricky` (`Key`, `Text`, `Required`) VALUES ('f', 'tab\there', 1)",
    );
    check(&path);
    let package = Package::open(&path).unwrap();
    let mut bytes = Vec::new();
    export_table(&package, "Tricky", &mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("line1\nline2") && text.contains("cr\r\nlf"));
    assert!(text.contains("f\t\t\ttab\there\t1\r\n"));
}

/// Stream columns: string and integer keys (negative, NULL), a second key,
/// a row without a stream, streams written under `<Table>/`.
#[test]
fn stream_columns() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("Binary")).unwrap();
    std::fs::write(dir.path().join("Binary/logo.bin"), b"logo\0bytes\xff").unwrap();
    std::fs::create_dir(dir.path().join("Numbered")).unwrap();
    std::fs::write(dir.path().join("Numbered/n.bin"), b"numbered stream").unwrap();
    std::fs::write(dir.path().join("Numbered/m.bin"), vec![7u8; 100_000]).unwrap();
    let binary = idt(
        "Name\tData",
        "s72\tv0",
        "Binary\tName",
        &["Logo\tlogo.bin", "Empty\t"],
    );
    let numbered = idt(
        "Id\tSeq\tBlob",
        "i2\tI4\tV0",
        "Numbered\tId\tSeq",
        &["-3\t-70000\tn.bin", "5\t\t", "6\t100000\tm.bin"],
    );
    std::fs::write(dir.path().join("Binary.idt"), binary).unwrap();
    std::fs::write(dir.path().join("Numbered.idt"), numbered).unwrap();
    let path = dir.path().join("streams.msi");
    let status = Command::new("msibuild")
        .current_dir(dir.path())
        .arg(&path)
        .args(["-i", "Binary.idt", "-i", "Numbered.idt"])
        .status()
        .unwrap();
    assert!(status.success());
    check(&path);
    let package = Package::open(&path).unwrap();
    let (bytes, files) = olkit_export(&package, "Numbered");
    assert!(show(&bytes).contains("-3\\t-70000\\tNumbered.-3.-70000\\r\\n5\\t\\t\\r\\n"));
    assert_eq!(
        files[Path::new("Numbered/Numbered.6.100000")],
        vec![7u8; 100_000]
    );
}

/// Code pages: the database stores 1251, 932 or UTF-8 bytes; the export is
/// UTF-8 and `_ForceCodepage` names the code page.
#[test]
fn code_pages() {
    for (codepage, words) in [
        (1251, "Привет, мир"),
        (932, "こんにちは 日本語"),
        (65001, "漢字 emoji 🦀 and ü"),
    ] {
        let force = format!("\r\n\r\n{codepage}\t_ForceCodepage\r\n");
        let property = idt(
            "Property\tValue",
            "s72\tl0",
            "Property\tProperty",
            &[&format!("Greeting\t{words}"), "ProductVersion\t1.0.0"],
        );
        let (_dir, path) = support::msibuild_from_idt(
            &[("_ForceCodepage.idt", &force), ("Property.idt", &property)],
            &[
                words,
                "Автор",
                "Intel;1049",
                "{11111111-2222-3333-4444-555555555555}",
            ],
        );
        check(&path);
        let package = Package::open(&path).unwrap();
        assert_eq!(package.codepage(), codepage);
        let mut bytes = Vec::new();
        export_table(&package, "Property", &mut bytes).unwrap();
        assert!(String::from_utf8(bytes).unwrap().contains(words));
    }
}

/// wixl writes summary strings as UTF-8 bytes whatever `SummaryCodepage`
/// says; msiinfo copies the bytes, and so must olkit.
#[test]
fn wixl_summary_code_page() {
    let wxs = support::sample_wxs()
        .replace(
            "Name=\"Olkit Sample\" Language=\"1033\"",
            "Name=\"Olkit Sample\" Language=\"1049\" Codepage=\"1251\"",
        )
        .replace(
            "Description=\"Olkit sample package\"",
            "Description=\"Пакет олкит\" SummaryCodepage=\"1251\" Languages=\"1049\"",
        );
    assert!(wxs.contains("Пакет"));
    let (_dir, path) = support::wixl_build(&wxs);
    check(&path);
    let package = Package::open(&path).unwrap();
    assert_eq!(package.summary_info().unwrap().codepage(), Some(1251));
    let mut bytes = Vec::new();
    export_table(&package, "_SummaryInformation", &mut bytes).unwrap();
    assert!(String::from_utf8(bytes)
        .unwrap()
        .contains("\r\n3\tПакет олкит\r\n"));
}

/// A summary information property set (one section) of `(id, typed
/// value)` pairs, each value already encoded with its type.
fn property_set(properties: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let table_len = 8 + 8 * properties.len();
    let mut table = Vec::new();
    let mut values = Vec::new();
    for (id, value) in properties {
        table.extend(id.to_le_bytes());
        table.extend(((table_len + values.len()) as u32).to_le_bytes());
        values.extend(value);
        while values.len() % 4 != 0 {
            values.push(0);
        }
    }
    let mut out = vec![0xfe, 0xff, 0, 0, 5, 0, 2, 0];
    out.extend([0u8; 16]);
    out.extend(1u32.to_le_bytes());
    // FMTID_SummaryInformation {F29F85E0-4FF9-1068-AB91-08002B27B3D9}.
    out.extend([
        0xe0, 0x85, 0x9f, 0xf2, 0xf9, 0x4f, 0x68, 0x10, 0xab, 0x91, 0x08, 0x00, 0x2b, 0x27, 0xb3,
        0xd9,
    ]);
    out.extend(48u32.to_le_bytes());
    out.extend(((table_len + values.len()) as u32).to_le_bytes());
    out.extend((properties.len() as u32).to_le_bytes());
    out.extend(table);
    out.extend(values);
    out
}

fn vt_lpstr(bytes: &[u8]) -> Vec<u8> {
    let mut out = 30u32.to_le_bytes().to_vec();
    out.extend(((bytes.len() + 1) as u32).to_le_bytes());
    out.extend(bytes);
    out.push(0);
    out
}

fn vt_i2(value: u16) -> Vec<u8> {
    let mut out = 2u32.to_le_bytes().to_vec();
    out.extend(value.to_le_bytes());
    out.extend([0, 0]);
    out
}

fn vt_i4(value: i32) -> Vec<u8> {
    let mut out = 3u32.to_le_bytes().to_vec();
    out.extend(value.to_le_bytes());
    out
}

fn vt_filetime(value: u64) -> Vec<u8> {
    let mut out = 64u32.to_le_bytes().to_vec();
    out.extend(value.to_le_bytes());
    out
}

/// Summary streams libmsi reads its own way: strings in the summary code
/// page (bytes copied as they are), a code page over 32767, a date;
/// reading stops at the first property id libmsi has no type for (17), so
/// later ones are not exported. (A number stored as a string, which libmsi
/// means to convert, crashes msitools 0.101's msiinfo: not compared.)
#[test]
fn summary_streams_read_as_libmsi_reads_them() {
    let property = idt(
        "Property\tValue",
        "s72\tl0",
        "Property\tProperty",
        &["ProductVersion\t1.0"],
    );
    let cyrillic = [0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]; // "Привет" in 1251
    let cases: Vec<Vec<(u32, Vec<u8>)>> = vec![
        vec![
            (1, vt_i2(1251)),
            (2, vt_lpstr(&cyrillic)),
            (14, vt_i4(300)),
            (12, vt_filetime(134_000_000_000_000_000)),
            (19, vt_i4(-4)),
            (17, vt_i4(5)),
            (3, vt_lpstr(b"after the unknown id")),
        ],
        vec![
            (1, vt_i2(65001)),
            (3, vt_lpstr("Grüße ✓".as_bytes())),
            (7, vt_lpstr(b"x64;1033,1031")),
        ],
        vec![(9, vt_lpstr(b"{11111111-2222-3333-4444-555555555555}"))],
    ];
    for properties in cases {
        let (_dir, path) = support::msibuild_from_idt(&[("Property.idt", &property)], &[]);
        {
            let mut file = cfb::open_rw(&path).unwrap();
            let mut stream = file.create_stream("\u{5}SummaryInformation").unwrap();
            std::io::Write::write_all(&mut stream, &property_set(&properties)).unwrap();
        }
        let reference = msiinfo_export(&path, "_SummaryInformation");
        assert!(reference.ok);
        let package = Package::open(&path).unwrap();
        let (bytes, _) = olkit_export(&package, "_SummaryInformation");
        assert!(
            bytes == reference.stdout,
            "olkit:   {}\nmsiinfo: {}",
            show(&bytes),
            show(&reference.stdout)
        );
        assert!(bytes.len() > 60, "{}", show(&bytes));
    }
}

/// Strings of 64 KiB and more, and many distinct strings (long string
/// references once the pool passes 65,535 entries).
#[test]
fn long_strings_and_large_pools() {
    let long = "x".repeat(70_000);
    let mut rows: Vec<String> = (0..70_000).map(|i| format!("K{i}\tvalue {i}")).collect();
    rows.push(format!("Long\t{long}"));
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let text = idt("Key\tValue", "s72\tS0", "Big\tKey", &rows);
    let (_dir, path) = support::msibuild_from_idt(&[("Big.idt", &text)], &[]);
    let package = Package::open(&path).unwrap();
    let (bytes, _) = olkit_export(&package, "Big");
    assert_eq!(bytes, msiinfo_export(&path, "Big").stdout);
    assert!(bytes.ends_with(format!("Long\t{long}\r\n").as_bytes()));
}

#[test]
fn unknown_tables_are_errors_as_in_msiinfo() {
    let (_dir, path) = support::sample_msi();
    let package = Package::open(&path).unwrap();
    assert!(!msiinfo_export(&path, "NoSuchTable").ok);
    let mut bytes = Vec::new();
    let error = export_table(&package, "NoSuchTable", &mut bytes).unwrap_err();
    assert!(matches!(error, Error::NoSuchTable { .. }), "{error}");
    // Names are case-sensitive.
    assert!(export_table(&package, "property", &mut bytes).is_err());
}

#[test]
fn write_errors_are_reported() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "disk full",
            ))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let (_dir, path) = support::sample_msi();
    let package = Package::open(&path).unwrap();
    let error = export_table(&package, "Property", &mut Full).unwrap_err();
    assert!(error.to_string().contains("disk full"), "{error}");
    let error = export_all(&package, Path::new("/nonexistent/olkit/dir")).unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/olkit/dir"),
        "{error}"
    );
}
