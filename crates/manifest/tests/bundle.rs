//! Bundle extraction against hostile zips made by python3's `zipfile` and
//! the `zip` command: each refusal is a typed error within a second and
//! leaves nothing behind.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use olkit_manifest::{extract_bundle, BundleLimits, Error};
use tempfile::TempDir;

/// Runs a python3 script that gets the zip's path as `sys.argv[1]`, with
/// `zipfile` imported and `z` open for writing.
fn python_zip(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    let script = format!(
        "import sys, zipfile, warnings\nwarnings.simplefilter('ignore')\n\
         with zipfile.ZipFile(sys.argv[1], 'w', compression=zipfile.ZIP_DEFLATED) as z:\n{}",
        body.lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Extracts `zip` (in `dir`) to `dir/out` and expects a refusal matching
/// `check`, within a second, with nothing left behind in `dir`.
fn refused(dir: &Path, zip: &Path, limits: &BundleLimits, check: impl Fn(&Error) -> bool) -> Error {
    let before = listing(dir);
    let start = Instant::now();
    let result = extract_bundle(zip, &dir.join("out"), limits);
    let elapsed = start.elapsed();
    let error = result.expect_err("refused");
    assert!(check(&error), "unexpected error: {error:?}");
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?} for {error}");
    assert_eq!(listing(dir), before, "something was left behind");
    error
}

fn unsafe_path(name: &str) -> impl Fn(&Error) -> bool + '_ {
    move |e| matches!(e, Error::BundleUnsafePath { entry, .. } if entry == name)
}

#[test]
fn a_plain_bundle_is_extracted_whole() {
    let dir = TempDir::new().unwrap();
    let zip = python_zip(
        dir.path(),
        "bundle.zip",
        "z.writestr('setup.msi', bytes(range(256)) * 1000)\n\
         z.writestr('docs/', b'')\n\
         z.writestr('docs/readme.txt', 'Read me\\n')\n\
         z.writestr('lang/de/strings.txt', 'Gr\\u00fc\\u00dfe')",
    );
    let dest = dir.path().join("out");
    let report = extract_bundle(&zip, &dest, &BundleLimits::default()).unwrap();
    assert_eq!(report.files, 3);
    assert_eq!(report.directories, 1);
    assert_eq!(report.bytes, 256_000 + 8 + "Grüße".len() as u64);
    let expected: Vec<u8> = (0..=255u8).cycle().take(256_000).collect();
    assert_eq!(std::fs::read(dest.join("setup.msi")).unwrap(), expected);
    assert_eq!(
        std::fs::read_to_string(dest.join("docs/readme.txt")).unwrap(),
        "Read me\n"
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("lang/de/strings.txt")).unwrap(),
        "Grüße"
    );
    // Only the destination next to the zip: the staging directory is gone.
    assert_eq!(listing(dir.path()), ["bundle.zip", "out"]);
    let names: Vec<&str> = report.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        names,
        [
            "setup.msi",
            "docs/",
            "docs/readme.txt",
            "lang/de/strings.txt"
        ]
    );
}

#[test]
fn a_bundle_made_by_the_zip_command_is_extracted() {
    // Info-ZIP writes Unix modes of regular files and directories.
    let dir = TempDir::new().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("a.txt"), "a").unwrap();
    std::fs::write(src.join("sub/b.txt"), "b".repeat(5000)).unwrap();
    let zip = dir.path().join("bundle.zip");
    let out = Command::new("zip")
        .arg("-qr")
        .arg(&zip)
        .arg(".")
        .current_dir(&src)
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::remove_dir_all(&src).unwrap();
    let report = extract_bundle(&zip, &dir.path().join("out"), &BundleLimits::default()).unwrap();
    assert_eq!(report.files, 2);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/sub/b.txt")).unwrap(),
        "b".repeat(5000)
    );
}

#[test]
fn zip_slip_is_refused() {
    let dir = TempDir::new().unwrap();
    let zip = python_zip(
        dir.path(),
        "slip.zip",
        "z.writestr('ok.txt', 'fine')\nz.writestr('../evil.txt', 'gotcha')",
    );
    refused(
        dir.path(),
        &zip,
        &BundleLimits::default(),
        unsafe_path("../evil.txt"),
    );
    assert!(!dir.path().parent().unwrap().join("evil.txt").exists());
    let zip = python_zip(
        dir.path(),
        "deep.zip",
        "z.writestr('a/b/../../../evil.txt', 'x')",
    );
    refused(
        dir.path(),
        &zip,
        &BundleLimits::default(),
        unsafe_path("a/b/../../../evil.txt"),
    );
}

#[test]
fn absolute_paths_drive_letters_and_windows_tricks_are_refused() {
    let dir = TempDir::new().unwrap();
    for name in [
        "/etc/cron.d/evil",
        "C:/Windows/evil.dll",
        "C:evil.dll",
        "..\\\\evil.dll",
        "a\\\\b.txt",
        "setup.msi:Zone.Identifier",
        "a/./b",
        "a//b",
        "CON",
        "docs/aux.txt",
        "lpt1.log",
        "setup.msi.",
        "setup.msi ",
        "tab\\tname",
        "what?.txt",
    ] {
        let zip = python_zip(
            dir.path(),
            "bad.zip",
            &format!("z.writestr(zipfile.ZipInfo('{name}'), 'x')"),
        );
        let error = refused(dir.path(), &zip, &BundleLimits::default(), |e| {
            matches!(e, Error::BundleUnsafePath { .. })
        });
        std::fs::remove_file(&zip).unwrap();
        assert!(error.to_string().contains("unsafe path"), "{error}");
    }
}

#[test]
fn symbolic_links_are_refused() {
    let dir = TempDir::new().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("a.txt"), "a").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", src.join("link")).unwrap();
    let zip = dir.path().join("links.zip");
    // -y stores the link itself, as a link.
    let out = Command::new("zip")
        .args(["-qy"])
        .arg(&zip)
        .args(["a.txt", "link"])
        .current_dir(&src)
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::remove_dir_all(&src).unwrap();
    refused(
        dir.path(),
        &zip,
        &BundleLimits::default(),
        |e| matches!(e, Error::BundleSpecialEntry { entry, kind } if entry == "link" && *kind == "symbolic link"),
    );
    // The same made by python: mode bits 0o120777 in the external attributes.
    let zip = python_zip(
        dir.path(),
        "py-link.zip",
        "i = zipfile.ZipInfo('docs/link')\ni.create_system = 3\ni.external_attr = 0o120777 << 16\n\
         z.writestr(i, '../../etc/passwd')",
    );
    refused(
        dir.path(),
        &zip,
        &BundleLimits::default(),
        |e| matches!(e, Error::BundleSpecialEntry { kind, .. } if *kind == "symbolic link"),
    );
    // A fifo.
    let zip = python_zip(
        dir.path(),
        "fifo.zip",
        "i = zipfile.ZipInfo('pipe')\ni.create_system = 3\ni.external_attr = 0o010644 << 16\n\
         z.writestr(i, '')",
    );
    refused(dir.path(), &zip, &BundleLimits::default(), |e| {
        matches!(e, Error::BundleSpecialEntry { .. })
    });
}

#[test]
fn duplicates_are_refused_also_when_differing_in_case() {
    let dir = TempDir::new().unwrap();
    let zip = python_zip(
        dir.path(),
        "dup.zip",
        "z.writestr('setup.msi', 'one')\nz.writestr('setup.msi', 'two')",
    );
    refused(dir.path(), &zip, &BundleLimits::default(), |e| {
        matches!(e, Error::BundleDuplicateEntry { .. })
    });
    let zip = python_zip(
        dir.path(),
        "case.zip",
        "z.writestr('Docs/Setup.msi', 'one')\nz.writestr('docs/SETUP.MSI', 'two')",
    );
    refused(dir.path(), &zip, &BundleLimits::default(), |e| {
        matches!(e, Error::BundleDuplicateEntry { entry, first }
            if entry == "docs/SETUP.MSI" && first == "Docs/Setup.msi")
    });
    // A file and a directory of the same name.
    let zip = python_zip(
        dir.path(),
        "file-dir.zip",
        "z.writestr('lang', 'file')\nz.writestr('LANG/de.txt', 'x')",
    );
    refused(dir.path(), &zip, &BundleLimits::default(), |e| {
        matches!(e, Error::BundleDuplicateEntry { .. })
    });
}

/// 1 GiB of zeros deflated to about 1 MB, made once per test run.
fn bomb() -> &'static Path {
    static BOMB: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = BOMB.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        let path = python_zip(
            dir.path(),
            "bomb.zip",
            "with z.open('zeros.bin', 'w', force_zip64=True) as f:\n    \
             block = bytes(1 << 20)\n    \
             for _ in range(1024): f.write(block)",
        );
        (dir, path)
    });
    path
}

#[test]
fn a_zip_bomb_is_refused_quickly() {
    let dir = TempDir::new().unwrap();
    let zip = dir.path().join("bomb.zip");
    std::fs::copy(bomb(), &zip).unwrap();
    refused(
        dir.path(),
        &zip,
        &BundleLimits::default(),
        |e| matches!(e, Error::BundleLimit { what, actual, .. } if *what == "compression ratio" && *actual > 500),
    );
    // With the ratio allowed, the size limits still hold while inflating.
    let limits = BundleLimits {
        max_ratio: u64::MAX,
        max_entry_size: 1 << 40,
        max_total_size: 1 << 40,
        ..BundleLimits::default()
    };
    let small = BundleLimits {
        max_entry_size: 50 << 20,
        ..limits.clone()
    };
    refused(
        dir.path(),
        &zip,
        &small,
        |e| matches!(e, Error::BundleLimit { what, .. } if *what == "entry size"),
    );
    let small = BundleLimits {
        max_total_size: 50 << 20,
        ..limits
    };
    refused(
        dir.path(),
        &zip,
        &small,
        |e| matches!(e, Error::BundleLimit { what, .. } if *what == "total size"),
    );
}

/// Offsets of `signature` in `bytes`.
fn find_all(bytes: &[u8], signature: &[u8]) -> Vec<usize> {
    bytes
        .windows(signature.len())
        .enumerate()
        .filter(|(_, w)| *w == signature)
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn headers_that_understate_the_size_do_not_help_a_bomb() {
    let dir = TempDir::new().unwrap();
    let zip = python_zip(
        dir.path(),
        "liar.zip",
        "z.writestr('zeros.bin', bytes(200 << 20))",
    );
    // Declare 1000 bytes in both the local and the central header.
    let mut bytes = std::fs::read(&zip).unwrap();
    for at in find_all(&bytes, b"PK\x03\x04") {
        bytes[at + 22..at + 26].copy_from_slice(&1000u32.to_le_bytes());
    }
    for at in find_all(&bytes, b"PK\x01\x02") {
        bytes[at + 24..at + 28].copy_from_slice(&1000u32.to_le_bytes());
    }
    std::fs::write(&zip, bytes).unwrap();
    refused(
        dir.path(),
        &zip,
        &BundleLimits::default(),
        |e| matches!(e, Error::BundleCorrupt { entry: Some(entry), .. } if entry == "zeros.bin"),
    );
}

#[test]
fn too_many_entries_are_refused_before_reading_them() {
    let dir = TempDir::new().unwrap();
    let zip = python_zip(
        dir.path(),
        "many.zip",
        "for i in range(10001): z.writestr(f'f{i}', b'')",
    );
    refused(
        dir.path(),
        &zip,
        &BundleLimits::default(),
        |e| matches!(e, Error::BundleLimit { what, actual: 10001, limit: 10000, .. } if *what == "entry count"),
    );
    let few = BundleLimits {
        max_entries: 5,
        ..BundleLimits::default()
    };
    let zip = python_zip(
        dir.path(),
        "six.zip",
        "for i in range(6): z.writestr(f'f{i}', b'')",
    );
    refused(
        dir.path(),
        &zip,
        &few,
        |e| matches!(e, Error::BundleLimit { what, actual: 6, .. } if *what == "entry count"),
    );
}

#[test]
fn damaged_data_is_refused_and_nothing_is_left() {
    let dir = TempDir::new().unwrap();
    let zip = python_zip(
        dir.path(),
        "crc.zip",
        "z.writestr('first.txt', 'fine')\n\
         z.writestr(zipfile.ZipInfo('second.txt'), 'hello world, stored')",
    );
    let mut bytes = std::fs::read(&zip).unwrap();
    let at = find_all(&bytes, b"hello world").pop().unwrap();
    bytes[at] = b'j';
    std::fs::write(&zip, bytes).unwrap();
    refused(
        dir.path(),
        &zip,
        &BundleLimits::default(),
        |e| matches!(e, Error::BundleCorrupt { entry: Some(entry), .. } if entry == "second.txt"),
    );
    std::fs::write(dir.path().join("crc.zip"), b"not a zip at all").unwrap();
    refused(dir.path(), &zip, &BundleLimits::default(), |e| {
        matches!(e, Error::BundleCorrupt { entry: None, .. })
    });
}

#[test]
fn encrypted_entries_are_refused() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
    let out = Command::new("zip")
        .args(["-q", "-P", "password", "enc.zip", "secret.txt"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::remove_file(dir.path().join("secret.txt")).unwrap();
    refused(
        dir.path(),
        &dir.path().join("enc.zip"),
        &BundleLimits::default(),
        |e| matches!(e, Error::BundleSpecialEntry { kind, .. } if *kind == "encrypted"),
    );
}

#[test]
fn the_destination_must_not_exist() {
    let dir = TempDir::new().unwrap();
    let zip = python_zip(dir.path(), "b.zip", "z.writestr('a.txt', 'a')");
    std::fs::create_dir(dir.path().join("out")).unwrap();
    refused(dir.path(), &zip, &BundleLimits::default(), |e| {
        matches!(e, Error::DestinationExists { .. })
    });
    let missing_parent = dir.path().join("no/such/dir");
    assert!(matches!(
        extract_bundle(&zip, &missing_parent, &BundleLimits::default()),
        Err(Error::Io { .. })
    ));
}

#[test]
fn long_and_deep_names_are_limited() {
    let dir = TempDir::new().unwrap();
    let zip = python_zip(dir.path(), "long.zip", "z.writestr('a' * 241, 'x')");
    refused(
        dir.path(),
        &zip,
        &BundleLimits::default(),
        |e| matches!(e, Error::BundleLimit { what, actual: 241, .. } if *what == "name length"),
    );
    let zip = python_zip(dir.path(), "deep.zip", "z.writestr('d/' * 33 + 'f', 'x')");
    refused(
        dir.path(),
        &zip,
        &BundleLimits::default(),
        |e| matches!(e, Error::BundleLimit { what, actual: 34, .. } if *what == "path depth"),
    );
}
