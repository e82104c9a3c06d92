//! The C ABI of olkit-manifest: signed update manifests, their packages,
//! the update plan for one machine, package verification (from a path or
//! chunk by chunk while downloading) and safe extraction of update bundles.
//!
//! Handles: `olk_manifest_policy` (the caller's trust decisions: pinned
//! keys, signature required or not, last accepted serial, the time),
//! `olk_manifest` (a manifest that passed the policy; there is no way to
//! get a manifest that did not), `olk_manifest_installed` (the installed
//! products a plan is made against), `olk_manifest_plan` (the plan) and
//! `olk_manifest_check` (a package verified chunk by chunk).
//!
//! Status codes 2000-2999 belong to this module (`OLK_MANIFEST_*`); every
//! `olkit_manifest::Error` maps to one of them (`Io` to `OLK_IO`) and keeps
//! the library's message as the last error (a format error says where:
//! `manifest line 3, column 5: ...`).
//!
//! Products and plan items are numbered from 0 in manifest order.

// Every handle and enum of this module has its C name (`olk_manifest_*`).
#![allow(non_camel_case_types, reason = "C names")]

use std::ffi::{c_char, CString};

use olkit_manifest::{
    extract_bundle, plan, verify_file, verify_manifest, Action, Architecture, BundleLimits,
    DigestStrength, Environment, Error, ExpectedPackage, InstalledProduct, LocalizedText,
    PackageCheck, PackageVerdict, Plan, Product, Timestamp, TrustPolicy, TrustedKey,
    VerifiedManifest, Version,
};

use crate::boundary::boundary;
use crate::error::FfiError;
use crate::status::{olk_status, OLK_INVALID_ARGUMENT, OLK_IO};
use crate::util::{
    bytes_arg, c_enum, c_string, export, export_args, free_handle, handle_arg, handle_arg_mut,
    optional_str_arg, path_arg, str_arg, CEnum, NewHandle, Out,
};

/// The manifest is not a well-formed, valid manifest (the message gives the
/// line and column), or a timestamp in it is malformed.
pub const OLK_MANIFEST_FORMAT: olk_status = 2000;
/// A version text (of the manifest, the environment or an installed
/// product) is not one olkit can read.
pub const OLK_MANIFEST_INVALID_VERSION: olk_status = 2001;
/// A public key is not a minisign public key, or a signature is required
/// and the policy pins no key.
pub const OLK_MANIFEST_KEY: olk_status = 2002;
/// The policy requires a signature and none was given.
pub const OLK_MANIFEST_UNSIGNED: olk_status = 2003;
/// The signature is malformed, made by an untrusted key, does not match
/// the manifest (tampered), or is a legacy signature the policy refuses.
pub const OLK_MANIFEST_BAD_SIGNATURE: olk_status = 2004;
/// The manifest expired.
pub const OLK_MANIFEST_EXPIRED: olk_status = 2005;
/// The manifest's serial is lower than the last accepted one, or it has
/// none although one was accepted before (an older manifest replayed).
pub const OLK_MANIFEST_ROLLBACK: olk_status = 2006;
/// The product declares no digest (neither SHA-256 nor MD5) to verify its
/// package against.
pub const OLK_MANIFEST_NO_DIGEST: olk_status = 2007;
/// The package is larger than the manifest declares (or than the cap, when
/// it declares no size).
pub const OLK_MANIFEST_PACKAGE_TOO_LARGE: olk_status = 2008;
/// The package is smaller than the manifest declares.
pub const OLK_MANIFEST_PACKAGE_TRUNCATED: olk_status = 2009;
/// The package's digest differs from the manifest's.
pub const OLK_MANIFEST_PACKAGE_MISMATCH: olk_status = 2010;
/// The bundle is not a readable zip archive, or an entry is damaged.
pub const OLK_MANIFEST_BUNDLE_CORRUPT: olk_status = 2011;
/// The bundle breaks an extraction limit (entry count, sizes, compression
/// ratio, name length, depth).
pub const OLK_MANIFEST_BUNDLE_LIMIT: olk_status = 2012;
/// A bundle entry is refused: a path that could escape the destination, a
/// symbolic link or other special entry, or a duplicate.
pub const OLK_MANIFEST_BUNDLE_UNSAFE: olk_status = 2013;
/// The extraction destination exists already.
pub const OLK_MANIFEST_DESTINATION_EXISTS: olk_status = 2014;

impl From<Error> for FfiError {
    fn from(err: Error) -> Self {
        let status = match &err {
            Error::Io { .. } => OLK_IO,
            Error::Manifest { .. } | Error::InvalidTimestamp { .. } => OLK_MANIFEST_FORMAT,
            Error::InvalidVersion { .. } => OLK_MANIFEST_INVALID_VERSION,
            Error::InvalidPublicKey { .. } | Error::NoTrustedKeys => OLK_MANIFEST_KEY,
            Error::SignatureMissing => OLK_MANIFEST_UNSIGNED,
            Error::InvalidSignature { .. }
            | Error::UntrustedKey { .. }
            | Error::SignatureMismatch { .. }
            | Error::LegacySignatureRefused => OLK_MANIFEST_BAD_SIGNATURE,
            Error::ManifestExpired { .. } => OLK_MANIFEST_EXPIRED,
            Error::ManifestRollback { .. } | Error::ManifestSerialMissing { .. } => {
                OLK_MANIFEST_ROLLBACK
            }
            Error::NoPackageDigest { .. } => OLK_MANIFEST_NO_DIGEST,
            Error::PackageTooLarge { .. } => OLK_MANIFEST_PACKAGE_TOO_LARGE,
            Error::PackageTruncated { .. } => OLK_MANIFEST_PACKAGE_TRUNCATED,
            Error::PackageDigestMismatch { .. } => OLK_MANIFEST_PACKAGE_MISMATCH,
            Error::BundleCorrupt { .. } => OLK_MANIFEST_BUNDLE_CORRUPT,
            Error::BundleLimit { .. } => OLK_MANIFEST_BUNDLE_LIMIT,
            Error::BundleUnsafePath { .. }
            | Error::BundleSpecialEntry { .. }
            | Error::BundleDuplicateEntry { .. } => OLK_MANIFEST_BUNDLE_UNSAFE,
            Error::DestinationExists { .. } => OLK_MANIFEST_DESTINATION_EXISTS,
            // `Error` is #[non_exhaustive]: a variant added to the library
            // later fails with a general code until it gets its own here.
            _ => OLK_INVALID_ARGUMENT,
        };
        FfiError::new(status, err.to_string())
    }
}

// ---------------------------------------------------------------------------
// Handles and enums

/// The caller's trust decisions (`olk_manifest_policy_new`): the pinned
/// minisign public keys, whether a signature is required (the default),
/// the serial of the last manifest accepted and the time to check expiry
/// against. Released by `olk_manifest_policy_free`. Setters must not run
/// concurrently with other calls on the same policy.
pub struct olk_manifest_policy {
    keys: Vec<TrustedKey>,
    signature: olk_manifest_signature_policy,
    last_serial: Option<u64>,
    /// `None`: the current time of each verification.
    now: Option<Timestamp>,
}

/// A manifest that passed its policy (`olk_manifest_verify`): signature,
/// format and freshness all checked. Read-only: may be used from several
/// threads. Released by `olk_manifest_free`; plans and package checks made
/// from it stay valid.
pub struct olk_manifest {
    verified: VerifiedManifest,
}

/// The products installed on the machine (`olk_manifest_installed_new`,
/// filled by `olk_manifest_installed_add`), for `olk_manifest_plan_new`.
/// Released by `olk_manifest_installed_free`.
pub struct olk_manifest_installed {
    products: Vec<InstalledProduct>,
}

/// The update plan of a manifest for one machine (`olk_manifest_plan_new`):
/// one item per product in manifest order, and the order to apply the
/// offered ones. Read-only. Released by `olk_manifest_plan_free`.
pub struct olk_manifest_plan {
    pub(crate) plan: Plan,
    /// What the package of each item must be (item `i`: product `i`), so
    /// that a download can be checked from the plan alone
    /// (`olk_updates_package_check_new`).
    pub(crate) packages: Vec<ExpectedPackage>,
}

/// A package being verified chunk by chunk as it downloads
/// (`olk_manifest_check_new`). Released by `olk_manifest_check_free`.
/// After `olk_manifest_check_finish`, or after an update failed, the check
/// is over and every further call fails with `OLK_INVALID_ARGUMENT`.
pub struct olk_manifest_check {
    pub(crate) check: Option<PackageCheck>,
}

/// Whether a manifest must be signed (`uint32_t` values of
/// `olk_manifest_policy_set_signature`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_manifest_signature_policy {
    /// A valid signature by a pinned key is required (the default).
    OLK_MANIFEST_SIGNATURE_REQUIRED = 1,
    /// An unsigned manifest is accepted with a warning; a signature that
    /// is given is still verified.
    OLK_MANIFEST_SIGNATURE_OPTIONAL = 2,
}

/// A processor architecture or bitness (`uint32_t` fields of
/// `olk_manifest_environment`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_manifest_architecture {
    /// Not known (allowed for Outlook's bitness only).
    OLK_MANIFEST_ARCH_UNKNOWN = 0,
    /// 32-bit (`x86`).
    OLK_MANIFEST_ARCH_X86 = 1,
    /// 64-bit (`x64`).
    OLK_MANIFEST_ARCH_X64 = 2,
}

/// The text fields of a product (`uint32_t` values of
/// `olk_manifest_product_get`). Each is returned as the manifest has it,
/// or NULL when the product does not have it.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_manifest_product_field {
    /// `<Name>` (always present).
    OLK_MANIFEST_PRODUCT_NAME = 1,
    /// `<Version>` as written (always present).
    OLK_MANIFEST_PRODUCT_VERSION = 2,
    /// `<UpgradeCode>`, `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` upper case.
    OLK_MANIFEST_PRODUCT_UPGRADE_CODE = 3,
    /// `<olkit:ProductCode>`, normalized like the upgrade code.
    OLK_MANIFEST_PRODUCT_PRODUCT_CODE = 4,
    /// `<URL>`: where to download the package.
    OLK_MANIFEST_PRODUCT_URL = 5,
    /// `<InfoUrl>`.
    OLK_MANIFEST_PRODUCT_INFO_URL = 6,
    /// `<MSIURL>` (OX Drive variant).
    OLK_MANIFEST_PRODUCT_MSI_URL = 7,
    /// `<olkit:Sha256>` in lowercase hex.
    OLK_MANIFEST_PRODUCT_SHA256 = 8,
    /// `<MD5>` in lowercase hex.
    OLK_MANIFEST_PRODUCT_MD5 = 9,
    /// `<ReleaseDate>` as published.
    OLK_MANIFEST_PRODUCT_RELEASE_DATE = 10,
    /// `<InstallParams>`.
    OLK_MANIFEST_PRODUCT_INSTALL_PARAMS = 11,
    /// `<Importance>` as published.
    OLK_MANIFEST_PRODUCT_IMPORTANCE = 12,
    /// `<olkit:Channel>`; `stable` when the manifest names none.
    OLK_MANIFEST_PRODUCT_CHANNEL = 13,
    /// `<olkit:Architecture>`: `x86` or `x64`.
    OLK_MANIFEST_PRODUCT_ARCHITECTURE = 14,
    /// `<olkit:MinServerVersion>` as written.
    OLK_MANIFEST_PRODUCT_MIN_SERVER_VERSION = 15,
    /// `<olkit:MaxServerVersion>` as written.
    OLK_MANIFEST_PRODUCT_MAX_SERVER_VERSION = 16,
    /// `<olkit:MinWindowsVersion>` as written.
    OLK_MANIFEST_PRODUCT_MIN_WINDOWS_VERSION = 17,
    /// `<olkit:OutlookVersions>`, joined by `,` (`2016,365`).
    OLK_MANIFEST_PRODUCT_OUTLOOK_VERSIONS = 18,
}

/// The numeric fields of a product (`uint32_t` values of
/// `olk_manifest_product_number`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_manifest_product_number_field {
    /// `<olkit:Size>` in bytes.
    OLK_MANIFEST_PRODUCT_SIZE = 1,
    /// `<olkit:Critical>`: 1 or 0 (always present).
    OLK_MANIFEST_PRODUCT_CRITICAL = 2,
    /// `<olkit:RolloutPercent>`, 0 to 100.
    OLK_MANIFEST_PRODUCT_ROLLOUT_PERCENT = 3,
    /// `<olkit:RequiredCacheFormat>`.
    OLK_MANIFEST_PRODUCT_REQUIRED_CACHE_FORMAT = 4,
}

/// What to do with a package (`uint32_t` values of
/// `olk_manifest_plan_item_action`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_manifest_action {
    /// Not installed: install it.
    OLK_MANIFEST_ACTION_INSTALL = 1,
    /// An older version is installed: upgrade it.
    OLK_MANIFEST_ACTION_UPGRADE = 2,
    /// The same or a newer version is installed.
    OLK_MANIFEST_ACTION_UP_TO_DATE = 3,
    /// Not (or not yet) for this machine.
    OLK_MANIFEST_ACTION_NOT_APPLICABLE = 4,
    /// For this machine, but something else must change first (server,
    /// Windows), or what it needs is unknown.
    OLK_MANIFEST_ACTION_BLOCKED = 5,
}

/// How strongly a package was verified (`uint32_t` outputs of the package
/// checks).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_manifest_digest {
    /// SHA-256 matched.
    OLK_MANIFEST_DIGEST_SHA256 = 1,
    /// Only MD5 was available (a legacy manifest) and matched: weak, it
    /// detects accidents, not attackers.
    OLK_MANIFEST_DIGEST_WEAK_MD5 = 2,
}

c_enum!(
    olk_manifest_signature_policy,
    [
        OLK_MANIFEST_SIGNATURE_REQUIRED,
        OLK_MANIFEST_SIGNATURE_OPTIONAL
    ]
);
c_enum!(
    olk_manifest_architecture,
    [
        OLK_MANIFEST_ARCH_UNKNOWN,
        OLK_MANIFEST_ARCH_X86,
        OLK_MANIFEST_ARCH_X64
    ]
);
c_enum!(
    olk_manifest_product_field,
    [
        OLK_MANIFEST_PRODUCT_NAME,
        OLK_MANIFEST_PRODUCT_VERSION,
        OLK_MANIFEST_PRODUCT_UPGRADE_CODE,
        OLK_MANIFEST_PRODUCT_PRODUCT_CODE,
        OLK_MANIFEST_PRODUCT_URL,
        OLK_MANIFEST_PRODUCT_INFO_URL,
        OLK_MANIFEST_PRODUCT_MSI_URL,
        OLK_MANIFEST_PRODUCT_SHA256,
        OLK_MANIFEST_PRODUCT_MD5,
        OLK_MANIFEST_PRODUCT_RELEASE_DATE,
        OLK_MANIFEST_PRODUCT_INSTALL_PARAMS,
        OLK_MANIFEST_PRODUCT_IMPORTANCE,
        OLK_MANIFEST_PRODUCT_CHANNEL,
        OLK_MANIFEST_PRODUCT_ARCHITECTURE,
        OLK_MANIFEST_PRODUCT_MIN_SERVER_VERSION,
        OLK_MANIFEST_PRODUCT_MAX_SERVER_VERSION,
        OLK_MANIFEST_PRODUCT_MIN_WINDOWS_VERSION,
        OLK_MANIFEST_PRODUCT_OUTLOOK_VERSIONS
    ]
);
c_enum!(
    olk_manifest_product_number_field,
    [
        OLK_MANIFEST_PRODUCT_SIZE,
        OLK_MANIFEST_PRODUCT_CRITICAL,
        OLK_MANIFEST_PRODUCT_ROLLOUT_PERCENT,
        OLK_MANIFEST_PRODUCT_REQUIRED_CACHE_FORMAT
    ]
);

/// The machine a plan is made for (`olk_manifest_plan_new`). Set
/// `struct_size` to `sizeof(olk_manifest_environment)`: later versions
/// only append fields, and olkit reads no further than `struct_size`
/// (smaller than this version's size is `OLK_INVALID_ARGUMENT`).
///
/// Strings are UTF-8; NULL means unknown where the field says so.
#[repr(C)]
pub struct olk_manifest_environment {
    /// `sizeof(olk_manifest_environment)`.
    pub struct_size: u32,
    /// The groupware server's version (`6.5.0`); NULL: unknown.
    pub server_version: *const c_char,
    /// Outlook's release by product name (`2016`, `365`) or internal
    /// version (`16.0.17328.20000`); NULL: unknown.
    pub outlook_version: *const c_char,
    /// Outlook's bitness: an `olk_manifest_architecture`, 0 for unknown.
    pub outlook_bitness: u32,
    /// Windows' version as the kernel reports it (`10.0.22631`); NULL:
    /// unknown.
    pub windows_version: *const c_char,
    /// Windows' architecture: `OLK_MANIFEST_ARCH_X86` or `_X64`.
    pub architecture: u32,
    /// The release channel the machine follows; NULL: `stable`.
    pub channel: *const c_char,
    /// A stable identifier of the machine, for staged rollout (required).
    pub machine_id: *const c_char,
}

// ---------------------------------------------------------------------------
// Helpers

/// A C string result.
fn text(value: impl Into<Vec<u8>>, what: &str) -> Result<Option<CString>, FfiError> {
    c_string(value, what).map(Some)
}

/// A result as compact JSON text (JSON escapes NUL, so this cannot fail).
fn json(value: &serde_json::Value) -> Result<Option<CString>, FfiError> {
    text(value.to_string(), "the JSON text")
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Element `index` of `items` (`what`s), or `OLK_OUT_OF_RANGE`.
pub(crate) fn at<'a, T>(items: &'a [T], index: usize, what: &str) -> Result<&'a T, FfiError> {
    items.get(index).ok_or_else(|| {
        FfiError::out_of_range(format!(
            "{what} index {index} is out of range: there are {}",
            items.len()
        ))
    })
}

impl olk_manifest {
    fn product(&self, index: usize) -> Result<&Product, FfiError> {
        at(&self.verified.manifest().products, index, "product")
    }
}

impl olk_manifest_plan {
    fn item(&self, index: usize) -> Result<&olkit_manifest::PlanItem, FfiError> {
        at(&self.plan.items, index, "plan item")
    }
}

fn version_arg(text: &str, name: &str) -> Result<Version, FfiError> {
    Version::parse(text).map_err(|err| FfiError::from(err).context(&format!("argument `{name}`")))
}

/// An optional version argument: NULL is `None`.
///
/// # Safety
///
/// `ptr` must be NULL or NUL-terminated.
unsafe fn optional_version_arg(
    ptr: *const c_char,
    name: &str,
) -> Result<Option<Version>, FfiError> {
    // SAFETY: forwarded from our caller.
    let text = unsafe { optional_str_arg(ptr, name) }?;
    text.map(|t| version_arg(t, name)).transpose()
}

fn architecture_arg(code: u32, name: &str) -> Result<Option<Architecture>, FfiError> {
    Ok(match olk_manifest_architecture::from_code(code, name)? {
        olk_manifest_architecture::OLK_MANIFEST_ARCH_UNKNOWN => None,
        olk_manifest_architecture::OLK_MANIFEST_ARCH_X86 => Some(Architecture::X86),
        olk_manifest_architecture::OLK_MANIFEST_ARCH_X64 => Some(Architecture::X64),
    })
}

/// Reads the environment struct `environment`.
///
/// # Safety
///
/// `ptr` must be NULL or point to a readable `olk_manifest_environment` of
/// at least `struct_size` bytes whose strings are NULL or NUL-terminated.
unsafe fn environment_arg(ptr: *const olk_manifest_environment) -> Result<Environment, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null_argument("environment"));
    }
    // SAFETY: not NULL; every version of the struct starts with
    // `uint32_t struct_size`, so its first 4 bytes are readable and aligned.
    let size = unsafe { ptr.cast::<u32>().read() };
    let needed = std::mem::size_of::<olk_manifest_environment>();
    if usize::try_from(size).map_or(true, |size| size < needed) {
        return Err(FfiError::invalid_argument(format!(
            "argument `environment`: struct_size is {size}, at least {needed} \
             (sizeof(olk_manifest_environment)) is needed"
        )));
    }
    // SAFETY: the caller guarantees `struct_size` readable bytes, which
    // cover the whole struct as checked above.
    let env = unsafe { &*ptr };
    // SAFETY: the caller guarantees the strings are NULL or NUL-terminated.
    let (server_version, outlook_version, windows_version, channel, machine_id) = unsafe {
        (
            optional_version_arg(env.server_version, "environment.server_version")?,
            optional_str_arg(env.outlook_version, "environment.outlook_version")?,
            optional_version_arg(env.windows_version, "environment.windows_version")?,
            optional_str_arg(env.channel, "environment.channel")?,
            str_arg(env.machine_id, "environment.machine_id")?,
        )
    };
    let architecture =
        architecture_arg(env.architecture, "environment.architecture")?.ok_or_else(|| {
            FfiError::invalid_argument(
                "argument `environment.architecture`: Windows' architecture must be known",
            )
        })?;
    Ok(Environment {
        server_version,
        outlook_version: outlook_version.map(str::to_owned),
        outlook_bitness: architecture_arg(env.outlook_bitness, "environment.outlook_bitness")?,
        windows_version,
        architecture,
        channel: channel.unwrap_or("stable").to_owned(),
        machine_id: machine_id.to_owned(),
    })
}

fn product_text(product: &Product, field: olk_manifest_product_field) -> Option<String> {
    use olk_manifest_product_field as F;
    let version = |v: &Option<Version>| v.as_ref().map(|v| v.text().to_owned());
    match field {
        F::OLK_MANIFEST_PRODUCT_NAME => Some(product.name.clone()),
        F::OLK_MANIFEST_PRODUCT_VERSION => Some(product.version.text().to_owned()),
        F::OLK_MANIFEST_PRODUCT_UPGRADE_CODE => product.upgrade_code.clone(),
        F::OLK_MANIFEST_PRODUCT_PRODUCT_CODE => product.product_code.clone(),
        F::OLK_MANIFEST_PRODUCT_URL => product.url.clone(),
        F::OLK_MANIFEST_PRODUCT_INFO_URL => product.info_url.clone(),
        F::OLK_MANIFEST_PRODUCT_MSI_URL => product.msi_url.clone(),
        F::OLK_MANIFEST_PRODUCT_SHA256 => product.sha256.map(|d| hex(&d)),
        F::OLK_MANIFEST_PRODUCT_MD5 => product.md5.map(|d| hex(&d)),
        F::OLK_MANIFEST_PRODUCT_RELEASE_DATE => product.release_date.clone(),
        F::OLK_MANIFEST_PRODUCT_INSTALL_PARAMS => product.install_params.clone(),
        F::OLK_MANIFEST_PRODUCT_IMPORTANCE => product.importance.clone(),
        F::OLK_MANIFEST_PRODUCT_CHANNEL => Some(product.channel_or_stable().to_owned()),
        F::OLK_MANIFEST_PRODUCT_ARCHITECTURE => product.architecture.map(|a| a.to_string()),
        F::OLK_MANIFEST_PRODUCT_MIN_SERVER_VERSION => version(&product.min_server_version),
        F::OLK_MANIFEST_PRODUCT_MAX_SERVER_VERSION => version(&product.max_server_version),
        F::OLK_MANIFEST_PRODUCT_MIN_WINDOWS_VERSION => version(&product.min_windows_version),
        F::OLK_MANIFEST_PRODUCT_OUTLOOK_VERSIONS => {
            (!product.outlook_versions.is_empty()).then(|| product.outlook_versions.join(","))
        }
    }
}

fn product_number(product: &Product, field: olk_manifest_product_number_field) -> Option<u64> {
    use olk_manifest_product_number_field as F;
    match field {
        F::OLK_MANIFEST_PRODUCT_SIZE => product.size,
        F::OLK_MANIFEST_PRODUCT_CRITICAL => Some(u64::from(product.critical)),
        F::OLK_MANIFEST_PRODUCT_ROLLOUT_PERCENT => product.rollout_percent.map(u64::from),
        F::OLK_MANIFEST_PRODUCT_REQUIRED_CACHE_FORMAT => {
            product.required_cache_format.map(u64::from)
        }
    }
}

fn product_json(product: &Product) -> serde_json::Value {
    let texts = |list: &[LocalizedText]| -> Vec<serde_json::Value> {
        list.iter()
            .map(|t| serde_json::json!({"lang": t.lang, "text": t.text}))
            .collect()
    };
    let field = |f| product_text(product, f);
    use olk_manifest_product_field as F;
    serde_json::json!({
        "name": product.name,
        "version": product.version.text(),
        "upgrade_code": field(F::OLK_MANIFEST_PRODUCT_UPGRADE_CODE),
        "product_code": field(F::OLK_MANIFEST_PRODUCT_PRODUCT_CODE),
        "url": product.url,
        "info_url": product.info_url,
        "msi_url": product.msi_url,
        "sha256": field(F::OLK_MANIFEST_PRODUCT_SHA256),
        "md5": field(F::OLK_MANIFEST_PRODUCT_MD5),
        "msi_md5": product.msi_md5.map(|d| hex(&d)),
        "size": product.size,
        "release_date": product.release_date,
        "install_params": product.install_params,
        "importance": product.importance,
        "has_icon": product.icon.is_some(),
        "min_server_version": field(F::OLK_MANIFEST_PRODUCT_MIN_SERVER_VERSION),
        "max_server_version": field(F::OLK_MANIFEST_PRODUCT_MAX_SERVER_VERSION),
        "outlook_versions": product.outlook_versions,
        "min_windows_version": field(F::OLK_MANIFEST_PRODUCT_MIN_WINDOWS_VERSION),
        "architecture": field(F::OLK_MANIFEST_PRODUCT_ARCHITECTURE),
        "channel": product.channel_or_stable(),
        "rollout_percent": product.rollout_percent,
        "critical": product.critical,
        "required_cache_format": product.required_cache_format,
        "release_notes": texts(&product.release_notes),
        "details": texts(&product.details),
    })
}

fn action_code(action: Action) -> olk_manifest_action {
    use olk_manifest_action as A;
    match action {
        Action::Install => A::OLK_MANIFEST_ACTION_INSTALL,
        Action::Upgrade => A::OLK_MANIFEST_ACTION_UPGRADE,
        Action::UpToDate => A::OLK_MANIFEST_ACTION_UP_TO_DATE,
        Action::NotApplicable => A::OLK_MANIFEST_ACTION_NOT_APPLICABLE,
        Action::Blocked => A::OLK_MANIFEST_ACTION_BLOCKED,
    }
}

/// Writes an optional number as a has-value flag and a value (0 when
/// absent).
fn write_optional<T: Default>(has: Out<u8>, value: Out<T>, number: Option<T>) {
    has.write(u8::from(number.is_some()));
    value.write(number.unwrap_or_default());
}

/// The body of an export with an optional-number result `*has` /
/// `*value` computed from the handle `name`.
///
/// # Safety
///
/// `handle` must be NULL or a live handle; `has` and `value` must be NULL
/// or writable.
unsafe fn export_optional<H, T: Default>(
    handle: *const H,
    name: &str,
    has: *mut u8,
    value: *mut T,
    compute: impl FnOnce(&H) -> Result<Option<T>, FfiError>,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `handle` is NULL or a live handle.
        let handle = unsafe { handle_arg(handle, name) }?;
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (has, value) = unsafe { (Out::new(has, "has_value")?, Out::new(value, "value")?) };
        write_optional(has, value, compute(handle)?);
        Ok(())
    })
}

/// The body of an export that ends in a package verdict `*strength` /
/// `*bytes`, computed from the arguments read by `args`.
///
/// # Safety
///
/// `strength` and `bytes` must be NULL or writable; `args` runs in the
/// export's unsafe context.
unsafe fn export_verdict<A>(
    args: impl FnOnce() -> Result<A, FfiError>,
    strength: *mut u32,
    bytes: *mut u64,
    compute: impl FnOnce(A) -> Result<PackageVerdict, FfiError>,
) -> olk_status {
    boundary(|| {
        let args = args()?;
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (strength, bytes) =
            unsafe { (Out::new(strength, "strength")?, Out::new(bytes, "bytes")?) };
        let verdict = compute(args)?;
        let code = match verdict.strength {
            DigestStrength::Sha256 => olk_manifest_digest::OLK_MANIFEST_DIGEST_SHA256,
            DigestStrength::WeakMd5 => olk_manifest_digest::OLK_MANIFEST_DIGEST_WEAK_MD5,
        };
        strength.write(code as u32);
        bytes.write(verdict.bytes);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Trust policy

/// Returns in `*out` a new policy: no pinned key, a signature required,
/// no serial accepted before, the current time. Released by
/// `olk_manifest_policy_free`.
///
/// # Safety
///
/// `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_policy_new(out: *mut *mut olk_manifest_policy) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_args(
            || Ok(()),
            out,
            |()| {
                Ok(NewHandle(olk_manifest_policy {
                    keys: Vec::new(),
                    signature: olk_manifest_signature_policy::OLK_MANIFEST_SIGNATURE_REQUIRED,
                    last_serial: None,
                    now: None,
                }))
            },
        )
    }
}

/// Releases a policy. NULL is a no-op. Does not change the last error.
///
/// # Safety
///
/// `policy` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_policy_free(policy: *mut olk_manifest_policy) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(policy) }
}

/// Runs `edit` on the policy `policy`.
///
/// # Safety
///
/// `policy` must be NULL or a live handle with no other user.
unsafe fn edit_policy(
    policy: *mut olk_manifest_policy,
    edit: impl FnOnce(&mut olk_manifest_policy) -> Result<(), FfiError>,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `policy` is NULL or a live handle
        // it does not use elsewhere during the call.
        let policy = unsafe { handle_arg_mut(policy, "policy") }?;
        edit(policy)
    })
}

/// Pins the minisign public key `key`: the base64 line of a `.pub` file
/// (`RWT...`) or the whole `.pub` file text.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_MANIFEST_KEY` (not
/// a minisign public key; nothing is added).
///
/// # Safety
///
/// `policy` must be NULL or a live handle not used concurrently; `key` must
/// be NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_policy_add_key(
    policy: *mut olk_manifest_policy,
    key: *const c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        edit_policy(policy, |p| {
            // SAFETY: the caller guarantees `key` is NULL or NUL-terminated.
            let key = TrustedKey::parse(str_arg(key, "key")?)?;
            p.keys.push(key);
            Ok(())
        })
    }
}

/// Sets whether a signature is required: `signature` is one of
/// `olk_manifest_signature_policy`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_ARGUMENT` (an unknown value).
///
/// # Safety
///
/// `policy` must be NULL or a live handle not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_policy_set_signature(
    policy: *mut olk_manifest_policy,
    signature: u32,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        edit_policy(policy, |p| {
            p.signature = olk_manifest_signature_policy::from_code(signature, "signature")?;
            Ok(())
        })
    }
}

/// Sets the serial of the last manifest the caller accepted (with
/// `has_serial` 1) or forgets it (with `has_serial` 0; `serial` is then
/// ignored): manifests with a lower serial fail with
/// `OLK_MANIFEST_ROLLBACK`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_ARGUMENT` (`has_serial` not 0
/// or 1).
///
/// # Safety
///
/// `policy` must be NULL or a live handle not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_policy_set_last_serial(
    policy: *mut olk_manifest_policy,
    has_serial: u8,
    serial: u64,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        edit_policy(policy, |p| {
            p.last_serial = match has_serial {
                0 => None,
                1 => Some(serial),
                other => {
                    return Err(FfiError::invalid_argument(format!(
                        "argument `has_serial`: {other} is neither 0 nor 1"
                    )))
                }
            };
            Ok(())
        })
    }
}

/// Sets the time expiry is checked against, in seconds since the Unix
/// epoch; 0 (the default) means the current time of each verification.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE` (outside years 0000 to
/// 9999).
///
/// # Safety
///
/// `policy` must be NULL or a live handle not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_policy_set_now(
    policy: *mut olk_manifest_policy,
    unix_seconds: i64,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        edit_policy(policy, |p| {
            p.now = match unix_seconds {
                0 => None,
                seconds => Some(Timestamp::from_unix_seconds(seconds).ok_or_else(|| {
                    FfiError::out_of_range(format!(
                        "argument `unix_seconds`: {seconds} is outside years 0000 to 9999"
                    ))
                })?),
            };
            Ok(())
        })
    }
}

impl olk_manifest_policy {
    fn trust_policy(&self) -> TrustPolicy {
        let mut policy = TrustPolicy::new(self.keys.clone());
        if self.signature == olk_manifest_signature_policy::OLK_MANIFEST_SIGNATURE_OPTIONAL {
            policy = policy.allow_unsigned();
        }
        if let Some(serial) = self.last_serial {
            policy = policy.last_serial(serial);
        }
        if let Some(now) = self.now {
            policy = policy.at(now);
        }
        policy
    }
}

// ---------------------------------------------------------------------------
// Manifests

/// Verifies and reads the manifest in the `len` bytes at `data` (UTF-8 or
/// UTF-16 XML) under `policy`, and returns it in `*out`, to be released with
/// `olk_manifest_free`. `signature` / `signature_len` is the text of the
/// detached minisign signature (`FILE.minisig`), or NULL with length 0 for
/// none. The signature is checked over the raw bytes before anything is
/// parsed; then the format; then expiry and rollback. Any failure gives no
/// manifest at all.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_MANIFEST_KEY` (a signature and no
/// pinned key), `OLK_MANIFEST_UNSIGNED`, `OLK_MANIFEST_BAD_SIGNATURE`,
/// `OLK_MANIFEST_FORMAT`, `OLK_MANIFEST_INVALID_VERSION`,
/// `OLK_MANIFEST_EXPIRED`, `OLK_MANIFEST_ROLLBACK`.
///
/// # Safety
///
/// `data` and `signature` must be NULL or readable for their lengths;
/// `policy` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_verify(
    data: *const u8,
    len: usize,
    signature: *const u8,
    signature_len: usize,
    policy: *const olk_manifest_policy,
    out: *mut *mut olk_manifest,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_args(
            || {
                let data = bytes_arg(data, len, "data")?;
                let signature = match signature.is_null() && signature_len == 0 {
                    true => None,
                    false => Some(bytes_arg(signature, signature_len, "signature")?),
                };
                Ok((data, signature, handle_arg(policy, "policy")?))
            },
            out,
            |(data, signature, policy)| {
                let verified = verify_manifest(data, signature, &policy.trust_policy())?;
                Ok(NewHandle(olk_manifest { verified }))
            },
        )
    }
}

/// Releases a manifest. NULL is a no-op. Does not change the last error.
///
/// # Safety
///
/// `manifest` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_free(manifest: *mut olk_manifest) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(manifest) }
}

/// Stores in `*has_value` 1 and in `*value` the serial the caller should
/// store and pass to `olk_manifest_policy_set_last_serial` next time (the
/// manifest's, or the previous one if it has none); `*has_value` 0 and
/// `*value` 0 when there is none.
///
/// # Safety
///
/// `manifest` must be NULL or a live handle; `has_value` and `value` must
/// be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_serial_to_store(
    manifest: *const olk_manifest,
    has_value: *mut u8,
    value: *mut u64,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_optional(manifest, "manifest", has_value, value, |m| {
            Ok(m.verified.serial_to_store())
        })
    }
}

/// Stores in `*out` the id of the pinned key that signed the manifest as
/// minisign prints it (`2CCECDA4776F5AEB`), to be freed with
/// `olk_string_free`; NULL for an unsigned manifest.
///
/// # Safety
///
/// `manifest` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_key_id(
    manifest: *const olk_manifest,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(manifest, "manifest", out, |m| match m.verified.key_id() {
            Some(id) => text(id.to_string(), "the key id"),
            None => Ok(None),
        })
    }
}

/// Stores in `*out` the number of trust warnings (unsigned, no expiry, no
/// serial, issued in the future).
///
/// # Safety
///
/// `manifest` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_warning_count(
    manifest: *const olk_manifest,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(manifest, "manifest", out, |m| {
            Ok(m.verified.warnings().len())
        })
    }
}

/// Stores in `*out` trust warning `index` (0-based) as an English sentence
/// (`the manifest is not signed`), to be freed with `olk_string_free`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`.
///
/// # Safety
///
/// `manifest` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_warning(
    manifest: *const olk_manifest,
    index: usize,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(manifest, "manifest", out, |m| {
            let warning = at(m.verified.warnings(), index, "warning")?;
            text(warning.to_string(), "the warning")
        })
    }
}

/// Stores in `*out` the number of products (packages) of the manifest.
///
/// # Safety
///
/// `manifest` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_product_count(
    manifest: *const olk_manifest,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(manifest, "manifest", out, |m| {
            Ok(m.verified.manifest().products.len())
        })
    }
}

/// Stores in `*out` text field `field` (one of
/// `olk_manifest_product_field`) of product `index`, to be freed with
/// `olk_string_free`; NULL (and `OLK_OK`) when the product does not have it.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`, `OLK_INVALID_ARGUMENT`
/// (an unknown `field`), `OLK_EMBEDDED_NUL`.
///
/// # Safety
///
/// `manifest` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_product_get(
    manifest: *const olk_manifest,
    index: usize,
    field: u32,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(manifest, "manifest", out, |m| {
            let field = olk_manifest_product_field::from_code(field, "field")?;
            match product_text(m.product(index)?, field) {
                Some(value) => text(value, "the product field"),
                None => Ok(None),
            }
        })
    }
}

/// Stores numeric field `field` (one of
/// `olk_manifest_product_number_field`) of product `index`: `*has_value`
/// 1 and `*value`, or 0 and 0 when the product does not have it.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`, `OLK_INVALID_ARGUMENT`
/// (an unknown `field`).
///
/// # Safety
///
/// `manifest` must be NULL or a live handle; `has_value` and `value` must
/// be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_product_number(
    manifest: *const olk_manifest,
    index: usize,
    field: u32,
    has_value: *mut u8,
    value: *mut u64,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_optional(manifest, "manifest", has_value, value, |m| {
            let field = olk_manifest_product_number_field::from_code(field, "field")?;
            Ok(product_number(m.product(index)?, field))
        })
    }
}

/// Stores in `*out` product `index` as UTF-8 JSON, to be freed with
/// `olk_string_free`: one object with every field, absent ones as `null`:
/// `{"name", "version", "upgrade_code", "product_code", "url", "info_url",
/// "msi_url", "sha256", "md5", "msi_md5" (lowercase hex), "size",
/// "release_date", "install_params", "importance", "has_icon" (bool),
/// "min_server_version", "max_server_version", "outlook_versions" (array
/// of strings), "min_windows_version", "architecture" (`x86`/`x64`),
/// "channel" (`stable` if absent), "rollout_percent", "critical" (bool),
/// "required_cache_format", "release_notes" and "details" (arrays of
/// `{"lang": "de", "text": "..."}` in document order)}`. Versions are as
/// written.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`.
///
/// # Safety
///
/// `manifest` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_product_json(
    manifest: *const olk_manifest,
    index: usize,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(manifest, "manifest", out, |m| {
            json(&product_json(m.product(index)?))
        })
    }
}

// ---------------------------------------------------------------------------
// Installed products and plans

/// Returns in `*out` a new, empty list of installed products, released by
/// `olk_manifest_installed_free`.
///
/// # Safety
///
/// `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_installed_new(
    out: *mut *mut olk_manifest_installed,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_args(
            || Ok(()),
            out,
            |()| {
                Ok(NewHandle(olk_manifest_installed {
                    products: Vec::new(),
                }))
            },
        )
    }
}

/// Releases a list of installed products. NULL is a no-op. Does not change
/// the last error.
///
/// # Safety
///
/// `installed` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_installed_free(installed: *mut olk_manifest_installed) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(installed) }
}

/// Adds an installed product: its `product_code` and `upgrade_code` (GUIDs,
/// braces and case as found; either may be NULL), `version` (its
/// ProductVersion) and display `name`.
///
/// Errors: `OLK_NULL_ARGUMENT` (`installed`, `version`, `name`),
/// `OLK_INVALID_UTF8`, `OLK_MANIFEST_INVALID_VERSION`; nothing is added.
///
/// # Safety
///
/// `installed` must be NULL or a live handle not used concurrently; the
/// strings must be NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_installed_add(
    installed: *mut olk_manifest_installed,
    product_code: *const c_char,
    upgrade_code: *const c_char,
    version: *const c_char,
    name: *const c_char,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees a live, unshared handle or NULL and
        // NULL or NUL-terminated strings.
        let (installed, product_code, upgrade_code, version, name) = unsafe {
            (
                handle_arg_mut(installed, "installed")?,
                optional_str_arg(product_code, "product_code")?,
                optional_str_arg(upgrade_code, "upgrade_code")?,
                str_arg(version, "version")?,
                str_arg(name, "name")?,
            )
        };
        installed.products.push(InstalledProduct {
            product_code: product_code.map(str::to_owned),
            upgrade_code: upgrade_code.map(str::to_owned),
            version: version_arg(version, "version")?,
            name: name.to_owned(),
        });
        Ok(())
    })
}

/// Plans the updates of `manifest` for the machine `environment` with the
/// products `installed` (NULL: nothing installed) and returns the plan in
/// `*out`, released by `olk_manifest_plan_free`. Deterministic; never
/// offers a downgrade.
///
/// Errors: `OLK_NULL_ARGUMENT` (also `environment.machine_id`),
/// `OLK_INVALID_UTF8`, `OLK_INVALID_ARGUMENT` (`struct_size` too small, an
/// unknown or unknown-for-Windows architecture),
/// `OLK_MANIFEST_INVALID_VERSION` (a version of the environment).
///
/// # Safety
///
/// `manifest` and `installed` must be NULL or live handles; `environment`
/// NULL or as `olk_manifest_environment` describes; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_plan_new(
    manifest: *const olk_manifest,
    environment: *const olk_manifest_environment,
    installed: *const olk_manifest_installed,
    out: *mut *mut olk_manifest_plan,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_args(
            || {
                let manifest = handle_arg(manifest, "manifest")?;
                let environment = environment_arg(environment)?;
                // NULL is allowed: nothing installed.
                let installed = installed.as_ref().map_or(&[][..], |i| &i.products[..]);
                Ok((manifest, environment, installed))
            },
            out,
            |(manifest, environment, installed)| {
                let products = &manifest.verified.manifest().products;
                let plan = plan(manifest.verified.manifest(), installed, &environment);
                let packages = products.iter().map(ExpectedPackage::from_product).collect();
                Ok(NewHandle(olk_manifest_plan { plan, packages }))
            },
        )
    }
}

/// Releases a plan. NULL is a no-op. Does not change the last error.
///
/// # Safety
///
/// `plan` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_plan_free(plan: *mut olk_manifest_plan) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(plan) }
}

/// Stores in `*out` the number of plan items: one per product of the
/// manifest, item `i` being product `i`.
///
/// # Safety
///
/// `plan` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_plan_item_count(
    plan: *const olk_manifest_plan,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { export(plan, "plan", out, |p| Ok(p.plan.items.len())) }
}

/// Stores in `*out` the number of offered packages (install or upgrade),
/// to be applied in the order of `olk_manifest_plan_apply_index`.
///
/// # Safety
///
/// `plan` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_plan_apply_count(
    plan: *const olk_manifest_plan,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { export(plan, "plan", out, |p| Ok(p.plan.order.len())) }
}

/// Stores in `*out` the item (= product) index of the `position`-th
/// package to apply (0-based): critical packages first, then by name, then
/// by version.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`.
///
/// # Safety
///
/// `plan` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_plan_apply_index(
    plan: *const olk_manifest_plan,
    position: usize,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(plan, "plan", out, |p| {
            at(&p.plan.order, position, "apply position").copied()
        })
    }
}

/// Stores in `*out` the action of item `index`: one of
/// `olk_manifest_action`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`.
///
/// # Safety
///
/// `plan` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_plan_item_action(
    plan: *const olk_manifest_plan,
    index: usize,
    out: *mut u32,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(plan, "plan", out, |p| {
            Ok(action_code(p.item(index)?.action) as u32)
        })
    }
}

/// Stores in `*out` the number of reasons of item `index`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`.
///
/// # Safety
///
/// `plan` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_plan_item_reason_count(
    plan: *const olk_manifest_plan,
    index: usize,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { export(plan, "plan", out, |p| Ok(p.item(index)?.reasons.len())) }
}

/// Stores in `*out` reason `reason` of item `index` as an English sentence
/// for the Updater's Details field (`needs server version 6.5.0 or later;
/// the server runs 6.4.0`), to be freed with `olk_string_free`. The
/// reasons that decided the action come first.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`.
///
/// # Safety
///
/// `plan` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_plan_item_reason(
    plan: *const olk_manifest_plan,
    index: usize,
    reason: usize,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(plan, "plan", out, |p| {
            let reason = at(&p.item(index)?.reasons, reason, "reason")?;
            text(reason.to_string(), "the reason")
        })
    }
}

/// Stores in `*out` the installed version of item `index`'s product (the
/// highest, as installed), to be freed with `olk_string_free`; NULL when
/// it is not installed.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`.
///
/// # Safety
///
/// `plan` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_plan_item_installed(
    plan: *const olk_manifest_plan,
    index: usize,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(plan, "plan", out, |p| match &p.item(index)?.installed {
            Some(version) => text(version.text(), "the installed version"),
            None => Ok(None),
        })
    }
}

/// Stores the cache database format item `index` upgrades the local cache
/// to when it is applied: `*has_value` 1 and `*value`, or 0 and 0 when it
/// is not offered or needs none.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`.
///
/// # Safety
///
/// `plan` must be NULL or a live handle; `has_value` and `value` must be
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_plan_item_cache_upgrade(
    plan: *const olk_manifest_plan,
    index: usize,
    has_value: *mut u8,
    value: *mut u32,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_optional(plan, "plan", has_value, value, |p| {
            Ok(p.item(index)?.cache_upgrade)
        })
    }
}

/// Stores in `*out` the whole plan as UTF-8 JSON, to be freed with
/// `olk_string_free`, the shape of `olkit manifest plan --json`:
/// `{"items": [{"index", "name", "version", "action" (`install`,
/// `upgrade`, `up-to-date`, `not-applicable`, `blocked`), "reasons"
/// (sentences), "installed" (or null), "cache_upgrade" (or null),
/// "critical"}, ...], "order": [item indexes to apply, in order]}`.
///
/// # Safety
///
/// `plan` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_plan_json(
    plan: *const olk_manifest_plan,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(plan, "plan", out, |p| {
            let value = serde_json::to_value(&p.plan)
                .map_err(|err| FfiError::invalid_argument(format!("cannot write JSON: {err}")))?;
            json(&value)
        })
    }
}

// ---------------------------------------------------------------------------
// Packages

/// Verifies the downloaded package at `path` (UTF-8) against product
/// `index`: its declared size and SHA-256 (MD5 only when the manifest has
/// nothing better, reported as weak), reading no more than the declared
/// size plus one byte. On success stores in `*strength` an
/// `olk_manifest_digest` and in `*bytes` the package's size.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_OUT_OF_RANGE`,
/// `OLK_IO`, `OLK_MANIFEST_NO_DIGEST`, `OLK_MANIFEST_PACKAGE_TOO_LARGE`,
/// `OLK_MANIFEST_PACKAGE_TRUNCATED`, `OLK_MANIFEST_PACKAGE_MISMATCH`.
///
/// # Safety
///
/// `manifest` must be NULL or a live handle; `path` NULL or NUL-terminated;
/// `strength` and `bytes` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_verify_package(
    manifest: *const olk_manifest,
    index: usize,
    path: *const c_char,
    strength: *mut u32,
    bytes: *mut u64,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_verdict(
            || Ok((handle_arg(manifest, "manifest")?, path_arg(path, "path")?)),
            strength,
            bytes,
            |(manifest, path)| Ok(verify_file(path, manifest.product(index)?)?),
        )
    }
}

/// Starts verifying the package of product `index` chunk by chunk and
/// returns the check in `*out`, released by `olk_manifest_check_free`. The
/// check keeps what it needs: the manifest may be freed.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`, `OLK_MANIFEST_NO_DIGEST`.
///
/// # Safety
///
/// `manifest` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_check_new(
    manifest: *const olk_manifest,
    index: usize,
    out: *mut *mut olk_manifest_check,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(manifest, "manifest", out, |m| {
            let check = PackageCheck::new(m.product(index)?)?;
            Ok(NewHandle(olk_manifest_check { check: Some(check) }))
        })
    }
}

/// Releases a package check. NULL is a no-op. Does not change the last
/// error.
///
/// # Safety
///
/// `check` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_check_free(check: *mut olk_manifest_check) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(check) }
}

impl olk_manifest_check {
    /// The check, unless it is over; it is taken out, so an error on the
    /// way leaves it over.
    fn take(&mut self) -> Result<PackageCheck, FfiError> {
        self.check.take().ok_or_else(|| {
            FfiError::invalid_argument("the package check is over (finished or failed)")
        })
    }
}

/// Feeds the next `len` bytes at `data` of the package (`data` may be NULL
/// when `len` is 0). More bytes than the manifest declares fail at once
/// with `OLK_MANIFEST_PACKAGE_TOO_LARGE`, and the check is over.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_ARGUMENT` (the check is over),
/// `OLK_MANIFEST_PACKAGE_TOO_LARGE`.
///
/// # Safety
///
/// `check` must be NULL or a live handle not used concurrently; `data`
/// NULL or readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_check_update(
    check: *mut olk_manifest_check,
    data: *const u8,
    len: usize,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees a live, unshared handle or NULL,
        // and `data` NULL or readable for `len` bytes.
        let (handle, data) = unsafe {
            (
                handle_arg_mut(check, "check")?,
                bytes_arg(data, len, "data")?,
            )
        };
        let mut check = handle.take()?;
        check.update(data)?;
        handle.check = Some(check);
        Ok(())
    })
}

/// Ends the check: the size must be the declared one and the digest must
/// match. On success stores in `*strength` an `olk_manifest_digest` and in
/// `*bytes` the package's size. The check is over either way.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_ARGUMENT` (the check is over),
/// `OLK_MANIFEST_PACKAGE_TRUNCATED`, `OLK_MANIFEST_PACKAGE_MISMATCH`.
///
/// # Safety
///
/// `check` must be NULL or a live handle not used concurrently; `strength`
/// and `bytes` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_check_finish(
    check: *mut olk_manifest_check,
    strength: *mut u32,
    bytes: *mut u64,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_verdict(
            || handle_arg_mut(check, "check"),
            strength,
            bytes,
            |handle| Ok(handle.take()?.finish()?),
        )
    }
}

// ---------------------------------------------------------------------------
// Bundles

/// Extracts the update bundle (zip archive) at `zip` into the new directory
/// `dest` (both UTF-8 paths; `dest` must not exist, its parent must), all
/// or nothing, with the default limits (10,000 entries, 1 GiB per entry,
/// 4 GiB in all, compression ratio 100). Refuses path traversal, absolute
/// paths, symbolic links and duplicates. Stores in `*out` a UTF-8 JSON
/// report, to be freed with `olk_string_free`: `{"dest": "...", "files": 2,
/// "directories": 1, "bytes": 1234, "entries": [{"path": "docs/",
/// "size": 0, "is_dir": true}, ...]}` (entries in archive order).
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_IO`,
/// `OLK_MANIFEST_DESTINATION_EXISTS`, `OLK_MANIFEST_BUNDLE_CORRUPT`,
/// `OLK_MANIFEST_BUNDLE_LIMIT`, `OLK_MANIFEST_BUNDLE_UNSAFE`; nothing is
/// left at `dest`.
///
/// # Safety
///
/// `zip` and `dest` must be NULL or NUL-terminated; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_manifest_extract_bundle(
    zip: *const c_char,
    dest: *const c_char,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_args(
            || Ok((path_arg(zip, "zip")?, path_arg(dest, "dest")?)),
            out,
            |(zip, dest)| {
                let report = extract_bundle(zip, dest, &BundleLimits::default())?;
                let entries: Vec<serde_json::Value> = report
                    .entries
                    .iter()
                    .map(
                        |e| serde_json::json!({"path": e.path, "size": e.size, "is_dir": e.is_dir}),
                    )
                    .collect();
                json(&serde_json::json!({
                    "dest": report.dest.display().to_string(),
                    "files": report.files,
                    "directories": report.directories,
                    "bytes": report.bytes,
                    "entries": entries,
                }))
            },
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::status::describe;

    #[test]
    fn every_code_is_in_the_manifest_range_and_described() {
        for code in OLK_MANIFEST_FORMAT..=OLK_MANIFEST_DESTINATION_EXISTS {
            assert!((2000..3000).contains(&code));
            assert_ne!(describe(code).to_bytes(), b"unknown status", "code {code}");
        }
    }

    #[test]
    fn errors_map_to_their_codes_with_the_library_message() {
        let err = FfiError::from(Error::ManifestRollback {
            serial: 3,
            last_serial: 5,
        });
        assert_eq!(err.status(), OLK_MANIFEST_ROLLBACK);
        assert!(err.message().contains("serial 3"), "{}", err.message());
        let err = FfiError::from(Error::SignatureMissing);
        assert_eq!(err.status(), OLK_MANIFEST_UNSIGNED);
    }

    #[test]
    fn hex_is_lowercase_two_digits_per_byte() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
