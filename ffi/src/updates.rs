//! The C ABI of the update check: what an updater (the OX Updater, a
//! connector updating itself at Outlook start) does in one call, and the
//! check of each download as the host's own HTTP stack receives it.
//!
//! `olk_updates_check` takes the manifest bytes, their signature, the
//! pinned keys, the installed products (a `.reg` export of the Windows
//! Installer registrations, or a JSON list) and the machine (JSON), and
//! returns the plan as an `olk_manifest_plan` (its `olk_manifest_plan_*`
//! accessors apply) with the list an updater shows as JSON.
//! `olk_updates_package_check_new` starts the chunked check of an item's
//! package from that plan; `olk_manifest_check_update` and
//! `olk_manifest_check_finish` continue it.
//!
//! The manifest is refused exactly as `olk_manifest_verify` refuses it
//! (codes `OLK_MANIFEST_*`); this module has no status codes of its own.
//!
//! The glue between the inventory of olkit-msi-query and the planner of
//! olkit-manifest lives here (the crates do not depend on each other).

// The request struct has its C name.
#![allow(non_camel_case_types, reason = "C names")]

use std::ffi::c_char;

use olkit_manifest::{
    plan, verify_manifest, Architecture, Environment, InstalledProduct, LocalizedText,
    PackageCheck, Plan, Product, Timestamp, TrustPolicy, TrustedKey, VerifiedManifest, Version,
};
use olkit_msi_query::Inventory;

use crate::boundary::boundary;
use crate::error::FfiError;
use crate::manifest::{at, hex, olk_manifest_check, olk_manifest_plan};
use crate::status::olk_status;
use crate::util::{
    bytes_arg, check_struct_size, export, optional_str_arg, slice_arg, str_arg, NewHandle, Out,
};

/// A JSON list of installed products is about 200 bytes a product; 16 MiB
/// is far above any machine's (and the cap of `olkit manifest plan`).
const JSON_INVENTORY_LIMIT: usize = 16 << 20;

/// An environment is a few hundred bytes.
const ENVIRONMENT_LIMIT: usize = 64 << 10;

/// At most this many pinned keys (a key rotation needs two or three).
const MAX_KEYS: usize = 64;

/// What `olk_updates_check` checks and plans. Set `struct_size` to
/// `sizeof(olk_updates_request)`: later versions only append fields, and
/// olkit reads no further than `struct_size` (smaller than this version's
/// size is `OLK_INVALID_ARGUMENT`). Flags (`uint8_t`) are 0 or 1.
#[repr(C)]
pub struct olk_updates_request {
    /// `sizeof(olk_updates_request)`.
    pub struct_size: u32,
    /// The manifest as the server sent it (UTF-8 or UTF-16 XML).
    pub manifest: *const u8,
    /// Its length in bytes.
    pub manifest_len: usize,
    /// The text of its detached minisign signature (`.minisig`); NULL with
    /// length 0 for none (refused unless `allow_unsigned` is 1).
    pub signature: *const u8,
    /// Its length in bytes.
    pub signature_len: usize,
    /// The pinned minisign public keys, each the base64 line (`RWT...`)
    /// or the whole `.pub` file text; NULL with count 0 for none.
    pub public_keys: *const *const c_char,
    /// How many (at most 64).
    pub public_key_count: usize,
    /// 1: accept a manifest without signature (a signature that is given
    /// is still verified); 0: a signature by a pinned key is required.
    pub allow_unsigned: u8,
    /// 1: `last_serial` is the serial stored after the last accepted
    /// manifest, and a lower one is refused (`OLK_MANIFEST_ROLLBACK`); 0:
    /// none stored yet.
    pub has_last_serial: u8,
    /// See `has_last_serial`.
    pub last_serial: u64,
    /// The installed products: a `.reg` export of the Windows Installer
    /// registrations (any encoding regedit writes; the current user's and
    /// the machine's installed or advertised products count), or a UTF-8
    /// JSON list as `olkit manifest plan --installed` reads
    /// (`[{"upgrade_code", "product_code", "version", "name"}]`); NULL
    /// with length 0: nothing installed.
    pub inventory: *const u8,
    /// Its length in bytes.
    pub inventory_len: usize,
    /// The machine as `olkit manifest plan --env` reads it (UTF-8 JSON:
    /// `{"server_version", "outlook_version", "outlook_bitness",
    /// "windows_version", "architecture", "channel", "machine_id"}`); NULL:
    /// Windows of this library's bitness, channel `stable`, machine id
    /// empty, everything else unknown (so packages that need it are
    /// blocked).
    pub environment_json: *const c_char,
    /// 1: check expiry at `now_unix`; 0: at the system clock.
    pub has_now: u8,
    /// Seconds since the Unix epoch; see `has_now`.
    pub now_unix: i64,
}

/// A `uint8_t` flag of the request: 0 or 1.
fn flag(value: u8, name: &str) -> Result<bool, FfiError> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(FfiError::invalid_argument(format!(
            "argument `request.{name}`: {other} is neither 0 nor 1"
        ))),
    }
}

/// The request's arguments, read and checked.
struct Request<'a> {
    manifest: &'a [u8],
    signature: Option<&'a [u8]>,
    policy: TrustPolicy,
    inventory: Option<&'a [u8]>,
    environment: Option<&'a str>,
}

/// Reads the request at `ptr`.
///
/// # Safety
///
/// `ptr` must be NULL or point to a readable `olk_updates_request` of at
/// least `struct_size` bytes whose pointers are valid as it documents.
unsafe fn request_arg<'a>(ptr: *const olk_updates_request) -> Result<Request<'a>, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null_argument("request"));
    }
    // SAFETY: not NULL; the struct starts with `uint32_t struct_size`.
    unsafe { check_struct_size(ptr, "request", "olk_updates_request") }?;
    // SAFETY: the caller guarantees `struct_size` readable bytes, which
    // cover the whole struct as checked above.
    let r = unsafe { &*ptr };
    // SAFETY: the caller guarantees each buffer is NULL or readable for its
    // length, and the strings NULL or NUL-terminated.
    let (manifest, signature, keys, inventory, environment) = unsafe {
        (
            bytes_arg(r.manifest, r.manifest_len, "request.manifest")?,
            bytes_arg(r.signature, r.signature_len, "request.signature")?,
            slice_arg(r.public_keys, r.public_key_count, "request.public_keys")?,
            bytes_arg(r.inventory, r.inventory_len, "request.inventory")?,
            optional_str_arg(r.environment_json, "request.environment_json")?,
        )
    };
    if r.manifest.is_null() {
        return Err(FfiError::null_argument("request.manifest"));
    }
    if keys.len() > MAX_KEYS {
        return Err(FfiError::out_of_range(format!(
            "argument `request.public_key_count`: {} keys, at most {MAX_KEYS} are accepted",
            keys.len()
        )));
    }
    let keys = keys
        .iter()
        .enumerate()
        .map(|(i, &key)| {
            let name = format!("request.public_keys[{i}]");
            // SAFETY: the caller guarantees `public_key_count` NULL or
            // NUL-terminated strings.
            let text = unsafe { str_arg(key, &name) }?;
            TrustedKey::parse(text)
                .map_err(|e| FfiError::from(e).context(&format!("argument `{name}`")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut policy = TrustPolicy::new(keys);
    if flag(r.allow_unsigned, "allow_unsigned")? {
        policy = policy.allow_unsigned();
    }
    if flag(r.has_last_serial, "has_last_serial")? {
        policy = policy.last_serial(r.last_serial);
    }
    if flag(r.has_now, "has_now")? {
        let now = Timestamp::from_unix_seconds(r.now_unix).ok_or_else(|| {
            FfiError::out_of_range(format!(
                "argument `request.now_unix`: {} is outside years 0000 to 9999",
                r.now_unix
            ))
        })?;
        policy = policy.at(now);
    }
    Ok(Request {
        manifest,
        signature: (!r.signature.is_null() || !signature.is_empty()).then_some(signature),
        policy,
        inventory: (!r.inventory.is_null() || !inventory.is_empty()).then_some(inventory),
        environment,
    })
}

/// Whether `bytes` are a JSON list rather than a `.reg` export (which
/// starts with `Windows Registry Editor` or `REGEDIT4`, after a byte order
/// mark in any encoding).
fn is_json_list(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'[')
}

/// A serde_json error about argument `name`, with its line and column.
fn json_error(name: &str, err: &serde_json::Error) -> FfiError {
    FfiError::invalid_argument(format!("argument `{name}`: {err}"))
}

/// The installed products of the inventory: a JSON list as is, or the
/// products Windows Installer knows for the current user and the machine
/// in a `.reg` export (installed or advertised, with a version), one per
/// upgrade code they are registered under.
fn installed_products(bytes: &[u8]) -> Result<Vec<InstalledProduct>, FfiError> {
    const NAME: &str = "request.inventory";
    if is_json_list(bytes) {
        if bytes.len() > JSON_INVENTORY_LIMIT {
            return Err(FfiError::out_of_range(format!(
                "argument `{NAME}`: a JSON list of {} bytes, at most {JSON_INVENTORY_LIMIT} are accepted",
                bytes.len()
            )));
        }
        return serde_json::from_slice(bytes).map_err(|e| json_error(NAME, &e));
    }
    let inventory = Inventory::from_reg_bytes(bytes)
        .map_err(|e| FfiError::from(e).context(&format!("argument `{NAME}`")))?;
    // A version olkit cannot read cannot be compared: left out.
    Ok(inventory
        .planning_rows()
        .into_iter()
        .filter_map(|row| {
            Some(InstalledProduct {
                product_code: Some(row.product_code.to_string()),
                upgrade_code: row.upgrade_code.map(|c| c.to_string()),
                version: Version::parse(&row.version).ok()?,
                name: row.name.to_owned(),
            })
        })
        .collect())
}

/// The environment of the request, or the defaults.
fn environment(json: Option<&str>) -> Result<Environment, FfiError> {
    const NAME: &str = "request.environment_json";
    match json {
        Some(text) if text.len() > ENVIRONMENT_LIMIT => Err(FfiError::out_of_range(format!(
            "argument `{NAME}`: {} bytes, at most {ENVIRONMENT_LIMIT} are accepted",
            text.len()
        ))),
        Some(text) => serde_json::from_str(text).map_err(|e| json_error(NAME, &e)),
        None => Ok(Environment {
            server_version: None,
            outlook_version: None,
            outlook_bitness: None,
            windows_version: None,
            architecture: if cfg!(target_pointer_width = "64") {
                Architecture::X64
            } else {
                Architecture::X86
            },
            channel: "stable".to_owned(),
            machine_id: String::new(),
        }),
    }
}

/// The list an updater shows (see `olk_updates_check`).
fn report(verified: &VerifiedManifest, plan: &Plan) -> serde_json::Value {
    let texts = |list: &[LocalizedText]| -> Vec<serde_json::Value> {
        list.iter()
            .map(|t| serde_json::json!({"lang": t.lang, "text": t.text}))
            .collect()
    };
    let products: &[Product] = &verified.manifest().products;
    let items: Vec<serde_json::Value> = plan
        .items
        .iter()
        .map(|item| {
            let product = products.get(item.index);
            let field = |f: fn(&Product) -> Option<String>| product.and_then(f);
            serde_json::json!({
                "index": item.index,
                "product": item.name,
                "installed": item.installed.as_ref().map(Version::text),
                "offered": item.version.text(),
                "action": item.action.as_str(),
                "importance": field(|p| p.importance.clone()),
                "critical": item.critical,
                "details": product.map(|p| texts(&p.details)).unwrap_or_default(),
                "release_notes": product.map(|p| texts(&p.release_notes)).unwrap_or_default(),
                "reasons": item.reasons.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "cache_upgrade": item.cache_upgrade,
                "url": field(|p| p.url.clone()),
                "msi_url": field(|p| p.msi_url.clone()),
                "info_url": field(|p| p.info_url.clone()),
                "size": product.and_then(|p| p.size),
                "sha256": field(|p| p.sha256.map(|d| hex(&d))),
                "install_params": field(|p| p.install_params.clone()),
                "upgrade_code": field(|p| p.upgrade_code.clone()),
                "product_code": field(|p| p.product_code.clone()),
            })
        })
        .collect();
    let manifest = verified.manifest();
    serde_json::json!({
        "signed": verified.signature().is_some(),
        "key_id": verified.key_id().map(|k| k.to_string()),
        "serial": manifest.serial,
        "serial_to_store": verified.serial_to_store(),
        "expires": manifest.expires.map(|t| t.to_string()),
        "warnings": verified.warnings().iter().map(ToString::to_string).collect::<Vec<_>>(),
        "items": items,
        "order": plan.order,
        "cache_upgrade": plan.cache_upgrade(),
    })
}

/// The update check in one call: verifies the manifest of `request`
/// (signature over the raw bytes by a pinned key, then format, expiry and
/// rollback, exactly as `olk_manifest_verify`), reads the installed
/// products and the machine, and plans. Stores the plan in `*plan_out`
/// (released by `olk_manifest_plan_free`; item `i` is the manifest's
/// product `i`), and, when the pointers are not NULL:
///
/// - in `*report_json` the list an updater shows, UTF-8 JSON to be freed
///   with `olk_string_free`: `{"signed", "key_id", "serial",
///   "serial_to_store", "expires", "warnings": [...], "items": [{"index",
///   "product" (name), "installed" (version or null), "offered"
///   (version), "action" (`install`, `upgrade`, `up-to-date`,
///   `not-applicable`, `blocked`), "importance", "critical", "details" and
///   "release_notes" (`[{"lang", "text"}]`), "reasons" (sentences),
///   "cache_upgrade" (the cache format applying it upgrades to, or null),
///   "url", "msi_url", "info_url", "size", "sha256", "install_params",
///   "upgrade_code", "product_code"}, ...], "order": [item indexes to
///   apply, in order], "cache_upgrade"}`; absent fields are null;
/// - in `*serial_to_store` the serial to store and pass as
///   `last_serial` next time (the manifest's, else the request's
///   `last_serial`), or 0 when there is none (then pass `has_last_serial`
///   0).
///
/// Nothing is written on failure.
///
/// Errors: `OLK_NULL_ARGUMENT` (`request`, `request.manifest`, a
/// buffer or key with a length but NULL, `plan_out`), `OLK_INVALID_UTF8`,
/// `OLK_INVALID_ARGUMENT` (`struct_size` too small, a flag not 0 or 1, a
/// JSON inventory or environment that is not valid: the message has the
/// line and column), `OLK_OUT_OF_RANGE` (`now_unix`, too many keys, JSON
/// too large), `OLK_MANIFEST_KEY` (a key is not a minisign public key, or
/// a signature and no key), `OLK_MANIFEST_UNSIGNED`,
/// `OLK_MANIFEST_BAD_SIGNATURE` (wrong key, tampered manifest),
/// `OLK_MANIFEST_FORMAT`, `OLK_MANIFEST_INVALID_VERSION`,
/// `OLK_MANIFEST_EXPIRED`, `OLK_MANIFEST_ROLLBACK`, the `OLK_REG_*` codes
/// of a `.reg` inventory that does not parse.
///
/// # Safety
///
/// `request` must be NULL or as `olk_updates_request` describes;
/// `plan_out` NULL or writable; `report_json` and `serial_to_store` NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_updates_check(
    request: *const olk_updates_request,
    plan_out: *mut *mut olk_manifest_plan,
    report_json: *mut *mut c_char,
    serial_to_store: *mut u64,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `request` is NULL or valid.
        let request = unsafe { request_arg(request) }?;
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (plan_out, report_out, serial_out) = unsafe {
            (
                Out::new(plan_out, "plan_out")?,
                Out::optional(report_json),
                Out::optional(serial_to_store),
            )
        };
        let verified = verify_manifest(request.manifest, request.signature, &request.policy)?;
        let installed = match request.inventory {
            Some(bytes) => installed_products(bytes)?,
            None => Vec::new(),
        };
        let environment = environment(request.environment)?;
        let manifest = verified.manifest();
        let plan = plan(manifest, &installed, &environment);
        let report = match report_out {
            Some(out) => Some((
                out,
                crate::util::c_string(report(&verified, &plan).to_string(), "the report")?,
            )),
            None => None,
        };
        let packages = manifest
            .products
            .iter()
            .map(olkit_manifest::ExpectedPackage::from_product)
            .collect();
        plan_out.write_handle(olk_manifest_plan { plan, packages });
        if let Some((out, text)) = report {
            out.write_string(text);
        }
        if let Some(out) = serial_out {
            out.write(verified.serial_to_store().unwrap_or(0));
        }
        Ok(())
    })
}

/// Starts verifying the package of plan item `item` chunk by chunk, as the
/// host's own HTTP stack receives it, against what the manifest declares
/// (size, SHA-256, or MD5 reported as weak when that is all it has), and
/// returns the check in `*out`: continue with `olk_manifest_check_update`
/// for each chunk and `olk_manifest_check_finish`, release with
/// `olk_manifest_check_free`. The check keeps what it needs: the plan may
/// be freed. Works on any plan (from `olk_updates_check` or
/// `olk_manifest_plan_new`) and any item, offered or not.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`,
/// `OLK_MANIFEST_NO_DIGEST`.
///
/// # Safety
///
/// `plan` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_updates_package_check_new(
    plan: *const olk_manifest_plan,
    item: usize,
    out: *mut *mut olk_manifest_check,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(plan, "plan", out, |p| {
            let expected = at(&p.packages, item, "plan item")?.clone();
            let check = PackageCheck::with_expected(expected)?;
            Ok(NewHandle(olk_manifest_check { check: Some(check) }))
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn json_lists_are_told_from_reg_exports() {
        assert!(is_json_list(b"[]"));
        assert!(is_json_list(b"\xEF\xBB\xBF \r\n [{}]"));
        assert!(!is_json_list(b"Windows Registry Editor Version 5.00\r\n"));
        assert!(!is_json_list(b"\xFF\xFEW\0i\0"));
        assert!(!is_json_list(b""));
    }

    #[test]
    fn flags_are_zero_or_one() {
        assert!(!flag(0, "x").unwrap());
        assert!(flag(1, "x").unwrap());
        let err = flag(2, "allow_unsigned").unwrap_err();
        assert!(
            err.message().contains("request.allow_unsigned"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn the_reg_inventory_gives_the_current_user_and_machine_products() {
        let reg = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/installed-products.reg"
        ))
        .unwrap();
        let products = installed_products(&reg).unwrap();
        let sample: Vec<&str> = products
            .iter()
            .filter(|p| p.name == "Olkit Sample")
            .map(|p| p.version.text())
            .collect();
        // 2.0.0 is another user's; the absent product is left out.
        assert_eq!(sample.len(), 2, "{sample:?}");
        assert!(sample.contains(&"1.0.5") && sample.contains(&"1.1.0"));
        assert!(!products.iter().any(|p| p.name == "Contoso Legacy Agent"));
    }
}
