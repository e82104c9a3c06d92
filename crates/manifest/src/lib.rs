//! Update manifests for Outlook connectors, read carefully: the XML that
//! Open-Xchange update servers publish today plus olkit's signed,
//! expiring, serial-numbered extension; package checks while downloading;
//! safe extraction of update bundles; vendor version order; and the update
//! plan for one machine.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;

// -- format (model, XML reading and writing)
mod model;
mod parse;
mod timestamp;
mod write;
pub use model::{Architecture, LocalizedText, Manifest, Product, OLKIT_NAMESPACE};
pub use parse::{parse, parse_reader, parse_with, parse_with_notes, FormatError, Limits, Note};
pub use timestamp::Timestamp;
pub use write::to_xml;

// -- trust (signatures, freshness, package digests, bundles)
mod bundle;
mod digest;
mod signature;
mod trust;
pub use bundle::{extract_bundle, BundleLimits, ExtractReport, ExtractedEntry};
pub use digest::{
    verify_file, verify_reader, verify_reader_with, DigestStrength, ExpectedPackage, PackageCheck,
    PackageVerdict,
};
pub use signature::{verify_signature, KeyId, SignatureInfo, SignatureKind, TrustedKey};
pub use trust::{verify_manifest, SignaturePolicy, TrustPolicy, TrustWarning, VerifiedManifest};

// -- versions and planning
pub mod version;
pub mod plan;
pub use plan::{
    channel_includes, plan, rollout_bucket, Action, Environment, InstalledProduct, Plan, PlanItem,
    Reason,
};
pub use version::{Version, MAX_FIELDS, MAX_TEXT_LEN};

pub use error::Error;

/// This crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
