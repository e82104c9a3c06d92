//! Package checks against digests computed by `sha256sum` and `md5sum`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Read;
use std::path::Path;
use std::process::Command;

use olkit_manifest::{
    verify_file, verify_reader, DigestStrength, Error, PackageCheck, Product, Version,
};

/// The digest a coreutils tool prints for `path`.
fn tool_digest<const N: usize>(tool: &str, path: &Path) -> [u8; N] {
    let out = Command::new(tool).arg(path).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let hex = text.split_whitespace().next().unwrap();
    let mut digest = [0u8; N];
    for (i, byte) in digest.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    digest
}

/// A package file of pseudo-random bytes and its product, as a manifest
/// with olkit's extension describes it.
struct Package {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    bytes: Vec<u8>,
}

fn package(len: usize) -> Package {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("setup.msi");
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(&path, &bytes).unwrap();
    Package {
        _dir: dir,
        path,
        bytes,
    }
}

fn product() -> Product {
    Product::new("OXtender", Version::parse("7.2.0").unwrap())
}

fn sha256_product(package: &Package) -> Product {
    let mut product = product();
    product.sha256 = Some(tool_digest("sha256sum", &package.path));
    product.size = Some(package.bytes.len() as u64);
    product
}

#[test]
fn a_matching_package_passes_whole_and_in_chunks() {
    let package = package(300_000);
    let product = sha256_product(&package);
    let verdict = verify_file(&package.path, &product).unwrap();
    assert_eq!(verdict.strength, DigestStrength::Sha256);
    assert_eq!(verdict.bytes, 300_000);
    assert!(verdict.size_checked);
    for chunk in [1, 7, 4096, 65_537, 300_000] {
        let mut check = PackageCheck::new(&product).unwrap();
        for part in package.bytes.chunks(chunk) {
            check.update(part).unwrap();
        }
        assert_eq!(check.finish().unwrap(), verdict);
    }
    let verdict = verify_reader(&package.bytes[..], &product).unwrap();
    assert_eq!(verdict.strength, DigestStrength::Sha256);
}

#[test]
fn one_changed_byte_is_a_mismatch_naming_both_digests() {
    let package = package(10_000);
    let product = sha256_product(&package);
    let mut tampered = package.bytes.clone();
    tampered[5_000] ^= 1;
    std::fs::write(&package.path, &tampered).unwrap();
    let actual: [u8; 32] = tool_digest("sha256sum", &package.path);
    match verify_file(&package.path, &product) {
        Err(Error::PackageDigestMismatch {
            algorithm,
            expected,
            actual: reported,
        }) => {
            assert_eq!(algorithm, "SHA-256");
            assert_eq!(expected, hex(&product.sha256.unwrap()));
            assert_eq!(reported, hex(&actual));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn more_bytes_than_declared_stop_at_once() {
    let package = package(1000);
    let product = sha256_product(&package);
    let mut check = PackageCheck::new(&product).unwrap();
    check.update(&package.bytes[..999]).unwrap();
    assert_eq!(check.remaining(), 1);
    assert!(matches!(
        check.update(&[0, 0]),
        Err(Error::PackageTooLarge { limit: 1000, .. })
    ));
    // An endless stream is read up to the declared size plus one byte.
    struct Counting<R>(R, u64);
    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1 += n as u64;
            Ok(n)
        }
    }
    let mut endless = Counting(std::io::repeat(7), 0);
    assert!(matches!(
        verify_reader(&mut endless, &product),
        Err(Error::PackageTooLarge { limit: 1000, .. })
    ));
    assert_eq!(endless.1, 1001);
}

#[test]
fn fewer_bytes_than_declared_are_a_truncation() {
    let package = package(1000);
    let product = sha256_product(&package);
    assert!(matches!(
        verify_reader(&package.bytes[..900], &product),
        Err(Error::PackageTruncated {
            expected: 1000,
            received: 900
        })
    ));
}

#[test]
fn legacy_md5_is_used_only_without_sha256_and_reported_weak() {
    let package = package(50_000);
    let md5: [u8; 16] = tool_digest("md5sum", &package.path);
    let mut legacy = product();
    legacy.md5 = Some(md5);
    let verdict = verify_file(&package.path, &legacy).unwrap();
    assert_eq!(verdict.strength, DigestStrength::WeakMd5);
    assert!(!verdict.size_checked);
    // The OX Drive variant's <MSIMD5> names the .msi download.
    let mut drive = product();
    drive.md5 = Some([0; 16]);
    drive.msi_md5 = Some(md5);
    assert_eq!(
        verify_file(&package.path, &drive).unwrap().strength,
        DigestStrength::WeakMd5
    );
    let mut wrong = product();
    wrong.md5 = Some([0; 16]);
    match verify_file(&package.path, &wrong) {
        Err(Error::PackageDigestMismatch {
            algorithm, actual, ..
        }) => {
            assert_eq!(algorithm, "MD5");
            assert_eq!(actual, hex(&md5));
        }
        other => panic!("{other:?}"),
    }
    // With SHA-256 present a wrong MD5 does not matter: only the strongest
    // digest is checked.
    let mut both = sha256_product(&package);
    both.md5 = Some([0; 16]);
    assert_eq!(
        verify_file(&package.path, &both).unwrap().strength,
        DigestStrength::Sha256
    );
}

#[test]
fn nothing_to_verify_against_is_an_error() {
    let package = package(10);
    let mut product = product();
    product.size = Some(10);
    assert!(matches!(
        verify_file(&package.path, &product),
        Err(Error::NoPackageDigest { product }) if product == "OXtender"
    ));
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let package = package(10);
    let product = sha256_product(&package);
    let missing = package.path.with_extension("gone");
    match verify_file(&missing, &product) {
        Err(Error::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("{other:?}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
