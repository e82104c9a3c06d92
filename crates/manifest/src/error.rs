//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong reading, verifying or planning from a
/// manifest, checking a package or extracting a bundle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    // Each area adds its variants below, in its own block.
    // -- format
    /// The manifest document is not a well-formed, valid manifest: where and
    /// what (1-based line and column; columns count characters).
    #[error("manifest line {line}, column {column}: {kind}")]
    Manifest {
        /// The line, from 1.
        line: u64,
        /// The column, from 1, in characters.
        column: u64,
        /// What is wrong.
        kind: crate::FormatError,
    },
    /// A timestamp is not an RFC 3339 date-time.
    #[error("invalid timestamp {text:?}: {reason}")]
    InvalidTimestamp {
        /// The text given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    // -- versions and planning
    /// A version text is not one this crate can read.
    #[error("invalid version {text:?} at byte {position}: {problem}")]
    InvalidVersion {
        /// The text given (its first 64 characters).
        text: String,
        /// The byte offset of the problem in the text.
        position: usize,
        /// What is wrong.
        problem: &'static str,
    },
    // -- trust
    /// A public key is neither a minisign public key line nor a minisign
    /// `.pub` file.
    #[error("invalid minisign public key: {reason}")]
    InvalidPublicKey {
        /// What is wrong with it.
        reason: String,
    },
    /// A signature is required but the policy pins no public key.
    #[error("a signature is required but no trusted public key is configured")]
    NoTrustedKeys,
    /// The policy requires a signature and none was given.
    #[error("the manifest is not signed and the policy requires a signature")]
    SignatureMissing,
    /// The signature is not a minisign signature file.
    #[error("invalid minisign signature: {reason}")]
    InvalidSignature {
        /// What is wrong with it.
        reason: String,
    },
    /// The signature was made with a key that is not among the trusted ones.
    #[error("the signature was made with key {key_id}, which is not trusted")]
    UntrustedKey {
        /// The signing key's id, as minisign prints it.
        key_id: String,
    },
    /// The signature does not match the signed bytes (tampered data or a
    /// forged signature).
    #[error("the signature by key {key_id} does not match the data")]
    SignatureMismatch {
        /// The key the signature names.
        key_id: String,
    },
    /// A legacy (non-prehashed) minisign signature where the policy refuses
    /// them.
    #[error("legacy minisign signatures (made with -l) are refused by the policy")]
    LegacySignatureRefused,
    /// The manifest expired.
    #[error("the manifest expired at {expires} (now {now})")]
    ManifestExpired {
        /// When it expired.
        expires: crate::Timestamp,
        /// The time it was checked at.
        now: crate::Timestamp,
    },
    /// The manifest's serial is lower than one accepted before: an older
    /// manifest replayed.
    #[error(
        "manifest serial {serial} is lower than the last accepted serial {last_serial} (rollback)"
    )]
    ManifestRollback {
        /// The manifest's serial.
        serial: u64,
        /// The last serial the caller accepted.
        last_serial: u64,
    },
    /// The manifest has no serial although the caller accepted a serial
    /// before: a legacy manifest cannot replace a serial-numbered one.
    #[error("the manifest has no serial but serial {last_serial} was accepted before (rollback)")]
    ManifestSerialMissing {
        /// The last serial the caller accepted.
        last_serial: u64,
    },
    /// A product offers no digest to check its package against.
    #[error(
        "product {product:?} declares neither a SHA-256 nor an MD5 digest: nothing to verify against"
    )]
    NoPackageDigest {
        /// The product's name.
        product: String,
    },
    /// More bytes than the declared size (or, with no declared size, the
    /// cap) arrived.
    #[error("the package is larger than {limit} bytes ({what})")]
    PackageTooLarge {
        /// The size that was exceeded.
        limit: u64,
        /// Whether the limit is the manifest's size or the cap.
        what: &'static str,
    },
    /// Fewer bytes than the declared size arrived.
    #[error("the package is truncated: {received} of {expected} bytes")]
    PackageTruncated {
        /// The declared size.
        expected: u64,
        /// The bytes received.
        received: u64,
    },
    /// The package's digest differs from the manifest's.
    #[error("the package's {algorithm} is {actual}, the manifest says {expected}")]
    PackageDigestMismatch {
        /// `SHA-256` or `MD5`.
        algorithm: &'static str,
        /// The manifest's digest (for MD5: each digest it declares), lowercase hex.
        expected: String,
        /// The package's digest, lowercase hex.
        actual: String,
    },
    /// The bundle is not a zip archive this crate can read, or an entry's
    /// data is damaged (CRC, sizes that differ from the headers).
    #[error("bundle{}: {reason}", entry_text(entry.as_deref()))]
    BundleCorrupt {
        /// The entry concerned, if any.
        entry: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// The bundle breaks one of the extraction limits.
    #[error("bundle{}: {what} is {actual}, the limit is {limit}", entry_text(entry.as_deref()))]
    BundleLimit {
        /// The entry concerned, if the limit is per entry.
        entry: Option<String>,
        /// Which limit: `archive size`, `entry count`, `entry size`,
        /// `total size`, `compression ratio`, `name length`, `path depth`.
        what: &'static str,
        /// The value found, at least (for the ratio: uncompressed bytes per
        /// compressed byte).
        actual: u64,
        /// The limit.
        limit: u64,
    },
    /// An entry's name could escape the destination or is not a portable
    /// Windows file name.
    #[error("bundle entry {entry:?}: unsafe path: {reason}")]
    BundleUnsafePath {
        /// The entry's name.
        entry: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// An entry is a symbolic link, encrypted, or otherwise not a plain file
    /// or directory.
    #[error("bundle entry {entry:?}: {kind} entries are refused")]
    BundleSpecialEntry {
        /// The entry's name.
        entry: String,
        /// `symbolic link`, `encrypted`, `special file`, ...
        kind: &'static str,
    },
    /// Two entries name the same file (exactly or differing in case only,
    /// which is the same file on Windows), or a file and a directory collide.
    #[error("bundle entry {entry:?} collides with {first:?}")]
    BundleDuplicateEntry {
        /// The later entry.
        entry: String,
        /// The earlier one it collides with.
        first: String,
    },
    /// The extraction destination exists already.
    #[error("{}: the destination exists already", path.display())]
    DestinationExists {
        /// The destination.
        path: PathBuf,
    },
}

/// ` entry "NAME"` for bundle errors about one entry, nothing otherwise.
fn entry_text(entry: Option<&str>) -> String {
    entry.map(|e| format!(" entry {e:?}")).unwrap_or_default()
}
