//! Whether to believe a manifest: its signature, its expiry and its serial,
//! all checked before a [`Manifest`] is handed out.
//!
//! Failure is closed: the signature is verified over the raw bytes before
//! they are parsed, and any failure (signature, parse, freshness) yields an
//! error and no manifest at all.
//!
//! Freshness decisions:
//! - expired (`now > expires`): refused; a manifest without `expires` is
//!   accepted with a warning (legacy manifests have none).
//! - serial lower than the last accepted one: refused (rollback).
//! - serial equal to the last accepted one: accepted. Fetching the same
//!   manifest again is the normal case between two publications; the worst
//!   a replay of the current manifest can do is delay the next one, which
//!   `expires` bounds.
//! - no serial although the caller accepted a serial before: refused, or an
//!   old legacy manifest could be replayed in place of any newer one. With
//!   no serial on either side it is accepted with a warning.

use crate::signature::{verify_signature, KeyId, SignatureInfo, SignatureKind, TrustedKey};
use crate::{parse_with, Error, Limits, Manifest, Result, Timestamp};

/// Whether a manifest must be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignaturePolicy {
    /// A valid signature by a trusted key is required.
    #[default]
    Required,
    /// An unsigned manifest is accepted, with a warning. A signature that
    /// is given is still verified, and a bad one is still an error.
    AllowUnsigned,
}

/// The caller's trust decisions for [`verify_manifest`].
#[derive(Debug, Clone)]
pub struct TrustPolicy {
    /// The pinned public keys; a signature must be made by one of them.
    pub keys: Vec<TrustedKey>,
    /// Whether a signature is required.
    pub signature: SignaturePolicy,
    /// Whether legacy minisign signatures (`minisign -S -l`: Ed25519 over
    /// the data instead of its BLAKE2b hash) are accepted. They are as
    /// strong for small files; on by default.
    pub allow_legacy_signatures: bool,
    /// The serial of the last manifest the caller accepted (and stored).
    pub last_serial: Option<u64>,
    /// The time to check expiry against.
    pub now: Timestamp,
    /// The parser's limits for the (verified) document.
    pub limits: Limits,
}

impl TrustPolicy {
    /// Requires a signature by one of `keys`; no serial seen yet; the
    /// current time.
    pub fn new(keys: Vec<TrustedKey>) -> TrustPolicy {
        TrustPolicy {
            keys,
            signature: SignaturePolicy::Required,
            allow_legacy_signatures: true,
            last_serial: None,
            now: Timestamp::now(),
            limits: Limits::default(),
        }
    }

    /// Accepts unsigned manifests, with a warning.
    pub fn allow_unsigned(mut self) -> TrustPolicy {
        self.signature = SignaturePolicy::AllowUnsigned;
        self
    }

    /// Refuses manifests whose serial is lower than `serial`.
    pub fn last_serial(mut self, serial: u64) -> TrustPolicy {
        self.last_serial = Some(serial);
        self
    }

    /// Checks expiry against `now` instead of the current time.
    pub fn at(mut self, now: Timestamp) -> TrustPolicy {
        self.now = now;
        self
    }
}

/// Something the caller should know about an accepted manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustWarning {
    /// No signature: the manifest's origin is not proven.
    Unsigned,
    /// No `expires`: an old copy never goes stale.
    NoExpiry,
    /// No serial: rollback to an older manifest cannot be detected.
    NoSerial,
    /// `issued` lies in the future: the publisher's or this machine's
    /// clock is wrong.
    IssuedInFuture {
        /// The manifest's `issued`.
        issued: Timestamp,
    },
}

impl std::fmt::Display for TrustWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrustWarning::Unsigned => f.write_str("the manifest is not signed"),
            TrustWarning::NoExpiry => f.write_str("the manifest has no expiry date"),
            TrustWarning::NoSerial => {
                f.write_str("the manifest has no serial: rollback cannot be detected")
            }
            TrustWarning::IssuedInFuture { issued } => {
                write!(f, "the manifest is issued in the future ({issued})")
            }
        }
    }
}

/// A manifest that passed the policy.
#[derive(Debug, Clone)]
pub struct VerifiedManifest {
    manifest: Manifest,
    signature: Option<SignatureInfo>,
    warnings: Vec<TrustWarning>,
    serial_to_store: Option<u64>,
}

impl VerifiedManifest {
    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The manifest, owned.
    pub fn into_manifest(self) -> Manifest {
        self.manifest
    }

    /// The signature's details, if the manifest was signed.
    pub fn signature(&self) -> Option<&SignatureInfo> {
        self.signature.as_ref()
    }

    /// The trusted key that signed the manifest, if it was signed.
    pub fn key_id(&self) -> Option<KeyId> {
        self.signature.as_ref().map(|s| s.key_id)
    }

    /// What the caller should know (unsigned, no expiry, ...).
    pub fn warnings(&self) -> &[TrustWarning] {
        &self.warnings
    }

    /// The serial the caller should store and pass as
    /// [`TrustPolicy::last_serial`] next time: the manifest's, or the
    /// previous one if the manifest has none (which only happens when none
    /// was stored).
    pub fn serial_to_store(&self) -> Option<u64> {
        self.serial_to_store
    }
}

/// Verifies and reads a manifest: the signature over the raw `xml` bytes
/// first (nothing is parsed from unverified bytes), then the document,
/// then its freshness. `signature` is the text of the `.minisig` file.
pub fn verify_manifest(
    xml: &[u8],
    signature: Option<&[u8]>,
    policy: &TrustPolicy,
) -> Result<VerifiedManifest> {
    let _span = tracing::info_span!("verify_manifest", bytes = xml.len()).entered();
    let mut warnings = Vec::new();
    let signature = match (signature, policy.signature) {
        (Some(signature), _) => {
            if policy.keys.is_empty() {
                return Err(Error::NoTrustedKeys);
            }
            Some(verify_signature(
                xml,
                signature,
                &policy.keys,
                policy.allow_legacy_signatures,
            )?)
        }
        (None, SignaturePolicy::Required) => {
            return Err(if policy.keys.is_empty() {
                Error::NoTrustedKeys
            } else {
                Error::SignatureMissing
            })
        }
        (None, SignaturePolicy::AllowUnsigned) => {
            warnings.push(TrustWarning::Unsigned);
            None
        }
    };
    let manifest = parse_with(xml, &policy.limits)?;
    let serial_to_store = check_freshness(&manifest, policy, &mut warnings)?;
    if let Some(signature) = &signature {
        tracing::debug!(key = %signature.key_id, legacy = signature.kind == SignatureKind::Legacy, "manifest signature verified");
    }
    Ok(VerifiedManifest {
        manifest,
        signature,
        warnings,
        serial_to_store,
    })
}

/// Expiry and rollback; gives the serial to store.
fn check_freshness(
    manifest: &Manifest,
    policy: &TrustPolicy,
    warnings: &mut Vec<TrustWarning>,
) -> Result<Option<u64>> {
    match manifest.expires {
        Some(expires) if policy.now > expires => {
            return Err(Error::ManifestExpired {
                expires,
                now: policy.now,
            })
        }
        Some(_) => {}
        None => warnings.push(TrustWarning::NoExpiry),
    }
    if let Some(issued) = manifest.issued {
        if issued > policy.now {
            warnings.push(TrustWarning::IssuedInFuture { issued });
        }
    }
    match (manifest.serial, policy.last_serial) {
        (Some(serial), Some(last_serial)) if serial < last_serial => Err(Error::ManifestRollback {
            serial,
            last_serial,
        }),
        (Some(serial), _) => Ok(Some(serial)),
        (None, Some(last_serial)) => Err(Error::ManifestSerialMissing { last_serial }),
        (None, None) => {
            warnings.push(TrustWarning::NoSerial);
            Ok(None)
        }
    }
}
