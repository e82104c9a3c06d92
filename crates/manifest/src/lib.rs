//! Update manifests for Outlook connectors, read carefully: the XML that
//! Open-Xchange update servers publish today plus olkit's signed,
//! expiring, serial-numbered extension; package checks while downloading;
//! safe extraction of update bundles; vendor version order; and the update
//! plan for one machine.
//!
//! The signature is checked over the raw bytes before anything is parsed,
//! and a manifest that fails any check (signature, expiry, rollback, format
//! limits) yields nothing. The format: `docs/manifest-format.md`.
//!
//! ```
//! use olkit_manifest::{
//!     plan, verify_manifest, Action, Architecture, Environment, InstalledProduct, PackageCheck,
//!     TrustPolicy, TrustedKey, Version,
//! };
//!
//! let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
//! let read = |name: &str| std::fs::read(format!("{examples}/{name}")).expect(name);
//!
//! // The pinned key, the manifest and its detached minisign signature.
//! let key = TrustedKey::parse(&String::from_utf8_lossy(&read("manifest.pub")))?;
//! let policy = TrustPolicy::new(vec![key]); // signature required; the caller's last serial goes here
//! let verified = verify_manifest(&read("manifest.xml"), Some(&read("manifest.xml.minisig")), &policy)?;
//! let manifest = verified.manifest();
//!
//! // What to offer this machine.
//! let env = Environment {
//!     server_version: Some(Version::parse("7.10.5")?),
//!     outlook_version: Some("2016".into()),
//!     outlook_bitness: Some(Architecture::X64),
//!     windows_version: Some(Version::parse("10.0.19045")?),
//!     architecture: Architecture::X64,
//!     channel: "stable".into(),
//!     machine_id: "WS-0003".into(),
//! };
//! let installed = [InstalledProduct {
//!     product_code: None,
//!     upgrade_code: Some("{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}".into()),
//!     version: Version::parse("1.1.0")?,
//!     name: "Olkit Sample".into(),
//! }];
//! let plan = plan(manifest, &installed, &env);
//! let sample = plan.items.iter().find(|i| i.name == "Olkit Sample").expect("listed");
//! assert_eq!(sample.action, Action::Upgrade);
//!
//! // The download, checked while it streams in (size and SHA-256).
//! let product = &manifest.products[sample.index];
//! let mut check = PackageCheck::new(product)?;
//! for chunk in read("olkit-sample.msi").chunks(64 * 1024) {
//!     check.update(chunk)?;
//! }
//! check.finish()?;
//! # Ok::<(), olkit_manifest::Error>(())
//! ```

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
pub mod plan;
pub mod version;
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
