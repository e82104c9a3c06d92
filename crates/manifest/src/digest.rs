//! Checking a downloaded package against its manifest entry while it
//! streams: size first (more bytes than declared stop the download at
//! once), then SHA-256, or MD5 when a legacy manifest offers nothing
//! better (reported as weak).

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use md5::Md5;
use sha2::{Digest as _, Sha256};

use crate::{Error, Product, Result};

/// Read size of [`verify_reader`] and [`verify_file`]: large enough that
/// SHA-256 (SHA-NI, about 2 GB/s) and not system calls dominates.
const READ_BUFFER: usize = 1 << 20;

/// What a package must be, taken from its manifest entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedPackage {
    /// The product's name, for messages.
    pub product: String,
    /// The declared size in bytes.
    pub size: Option<u64>,
    /// The declared SHA-256.
    pub sha256: Option<[u8; 32]>,
    /// The declared MD5 digests (the legacy `<MD5>` and `<MSIMD5>`; the
    /// package may be either download).
    pub md5: Vec<[u8; 16]>,
    /// The most bytes accepted when no size is declared.
    pub max_undeclared_size: u64,
}

impl ExpectedPackage {
    /// The cap on packages of legacy manifests, which declare no size:
    /// 4 GiB, far above any Outlook connector installer.
    pub const DEFAULT_MAX_UNDECLARED_SIZE: u64 = 4 << 30;

    /// What the manifest says of `product`'s package.
    pub fn from_product(product: &Product) -> ExpectedPackage {
        ExpectedPackage {
            product: product.name.clone(),
            size: product.size,
            sha256: product.sha256,
            md5: product
                .md5
                .iter()
                .chain(&product.msi_md5)
                .copied()
                .collect(),
            max_undeclared_size: Self::DEFAULT_MAX_UNDECLARED_SIZE,
        }
    }

    /// The most bytes the package may have.
    fn limit(&self) -> (u64, &'static str) {
        match self.size {
            Some(size) => (size, "the size the manifest declares"),
            None => (self.max_undeclared_size, "no size declared: the cap"),
        }
    }
}

impl From<&Product> for ExpectedPackage {
    fn from(product: &Product) -> ExpectedPackage {
        ExpectedPackage::from_product(product)
    }
}

/// How strongly a package was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum DigestStrength {
    /// SHA-256 matched.
    Sha256,
    /// Only MD5 was available and matched: it detects accidents, not
    /// attackers (MD5 collisions are cheap), unless the manifest itself is
    /// signed and the download is over a channel the attacker cannot
    /// influence.
    WeakMd5,
}

impl DigestStrength {
    /// `sha256` or `weak_md5`.
    pub fn as_str(self) -> &'static str {
        match self {
            DigestStrength::Sha256 => "sha256",
            DigestStrength::WeakMd5 => "weak_md5",
        }
    }
}

/// A package that matched its manifest entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageVerdict {
    /// Which digest matched.
    pub strength: DigestStrength,
    /// The package's size in bytes.
    pub bytes: u64,
    /// Whether the manifest declared the size (and it matched).
    pub size_checked: bool,
}

enum Hasher {
    Sha256(Box<Sha256>),
    Md5(Box<Md5>),
}

/// A package check fed chunk by chunk, as the download arrives.
///
/// ```
/// # use olkit_manifest::{ExpectedPackage, PackageCheck, DigestStrength};
/// let expected = ExpectedPackage {
///     product: "demo".into(),
///     size: Some(3),
///     // SHA-256 of "abc"
///     sha256: Some([
///         0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
///         0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
///         0xf2, 0x00, 0x15, 0xad,
///     ]),
///     md5: vec![],
///     max_undeclared_size: ExpectedPackage::DEFAULT_MAX_UNDECLARED_SIZE,
/// };
/// let mut check = PackageCheck::with_expected(expected)?;
/// check.update(b"ab")?;
/// check.update(b"c")?;
/// assert_eq!(check.finish()?.strength, DigestStrength::Sha256);
/// # Ok::<(), olkit_manifest::Error>(())
/// ```
pub struct PackageCheck {
    expected: ExpectedPackage,
    hasher: Hasher,
    bytes: u64,
}

impl std::fmt::Debug for PackageCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackageCheck")
            .field("expected", &self.expected)
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

impl PackageCheck {
    /// A check of `product`'s package. Errors when the product declares
    /// no digest at all.
    pub fn new(product: &Product) -> Result<PackageCheck> {
        PackageCheck::with_expected(ExpectedPackage::from_product(product))
    }

    /// A check against explicit expectations. Errors when there is no
    /// digest to check against.
    pub fn with_expected(expected: ExpectedPackage) -> Result<PackageCheck> {
        // Only the strongest digest is computed: MD5 beside SHA-256 would add
        // nothing but time.
        let hasher = if expected.sha256.is_some() {
            Hasher::Sha256(Box::default())
        } else if !expected.md5.is_empty() {
            Hasher::Md5(Box::default())
        } else {
            return Err(Error::NoPackageDigest {
                product: expected.product,
            });
        };
        Ok(PackageCheck {
            expected,
            hasher,
            bytes: 0,
        })
    }

    /// The bytes seen so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// How many more bytes may arrive (the declared size, or the cap, less
    /// what has arrived): a download can stop asking after this many plus
    /// one.
    pub fn remaining(&self) -> u64 {
        self.expected.limit().0.saturating_sub(self.bytes)
    }

    /// Feeds the next chunk. Errors as soon as the package grows past its
    /// declared size (or the cap); the check is then over.
    pub fn update(&mut self, chunk: &[u8]) -> Result<()> {
        let (limit, what) = self.expected.limit();
        let total = u64::try_from(chunk.len())
            .ok()
            .and_then(|n| self.bytes.checked_add(n))
            .filter(|&total| total <= limit)
            .ok_or(Error::PackageTooLarge { limit, what })?;
        self.bytes = total;
        match &mut self.hasher {
            Hasher::Sha256(h) => h.update(chunk),
            Hasher::Md5(h) => h.update(chunk),
        }
        Ok(())
    }

    /// Ends the check: the size must be the declared one and the digest
    /// must match.
    pub fn finish(self) -> Result<PackageVerdict> {
        if let Some(expected) = self.expected.size {
            if self.bytes != expected {
                return Err(Error::PackageTruncated {
                    expected,
                    received: self.bytes,
                });
            }
        }
        let size_checked = self.expected.size.is_some();
        let strength = match self.hasher {
            Hasher::Sha256(h) => {
                let actual: [u8; 32] = h.finalize().into();
                if Some(actual) != self.expected.sha256 {
                    return Err(Error::PackageDigestMismatch {
                        algorithm: "SHA-256",
                        expected: self.expected.sha256.map(|d| hex(&d)).unwrap_or_default(),
                        actual: hex(&actual),
                    });
                }
                DigestStrength::Sha256
            }
            Hasher::Md5(h) => {
                let actual: [u8; 16] = h.finalize().into();
                if !self.expected.md5.contains(&actual) {
                    let expected: Vec<String> = self.expected.md5.iter().map(|d| hex(d)).collect();
                    return Err(Error::PackageDigestMismatch {
                        algorithm: "MD5",
                        expected: expected.join(" or "),
                        actual: hex(&actual),
                    });
                }
                DigestStrength::WeakMd5
            }
        };
        Ok(PackageVerdict {
            strength,
            bytes: self.bytes,
            size_checked,
        })
    }
}

/// Verifies a package read from `reader` against `product`'s entry. Reads
/// at most the declared size plus one byte (one more than allowed proves
/// the package too large), so a hostile endless stream costs nothing more.
pub fn verify_reader(reader: impl Read, product: &Product) -> Result<PackageVerdict> {
    verify_reader_with(
        reader,
        ExpectedPackage::from_product(product),
        Path::new("-"),
    )
}

/// Verifies the package file at `path` against `product`'s entry: as
/// [`verify_reader`].
pub fn verify_file(path: &Path, product: &Product) -> Result<PackageVerdict> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    verify_reader_with(file, ExpectedPackage::from_product(product), path)
}

/// [`verify_reader`] with explicit expectations; `path` names the source
/// in I/O errors.
pub fn verify_reader_with(
    reader: impl Read,
    expected: ExpectedPackage,
    path: &Path,
) -> Result<PackageVerdict> {
    let _span = tracing::info_span!("verify_package", product = %expected.product).entered();
    let mut check = PackageCheck::with_expected(expected)?;
    let mut reader = reader.take(check.remaining().saturating_add(1));
    let mut buffer = vec![0u8; READ_BUFFER];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(Error::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        check.update(buffer.get(..n).unwrap_or_default())?;
    }
    let verdict = check.finish()?;
    tracing::debug!(
        bytes = verdict.bytes,
        strength = verdict.strength.as_str(),
        "package verified"
    );
    Ok(verdict)
}

/// Lowercase hexadecimal, as `sha256sum` and `md5sum` print digests.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(
        size: Option<u64>,
        sha256: Option<[u8; 32]>,
        md5: Vec<[u8; 16]>,
    ) -> ExpectedPackage {
        ExpectedPackage {
            product: "p".into(),
            size,
            sha256,
            md5,
            max_undeclared_size: 10,
        }
    }

    #[test]
    fn the_cap_applies_without_a_declared_size() {
        let digest: [u8; 16] = Md5::digest(b"0123456789").into();
        let mut check = PackageCheck::with_expected(expected(None, None, vec![digest])).unwrap();
        check.update(b"0123456789").unwrap();
        assert!(matches!(
            check.update(b"x"),
            Err(Error::PackageTooLarge { limit: 10, .. })
        ));
        let mut check = PackageCheck::with_expected(expected(None, None, vec![digest])).unwrap();
        check.update(b"0123456789").unwrap();
        let verdict = check.finish().unwrap();
        assert_eq!(verdict.strength, DigestStrength::WeakMd5);
        assert!(!verdict.size_checked);
    }

    #[test]
    fn no_digest_is_an_error() {
        assert!(matches!(
            PackageCheck::with_expected(expected(Some(1), None, vec![])),
            Err(Error::NoPackageDigest { .. })
        ));
    }

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(hex(&[0x00, 0xab, 0x0f]), "00ab0f");
    }
}
