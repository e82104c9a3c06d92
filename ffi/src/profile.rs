//! The C ABI of olkit-profile-convert: Outlook profiles read from a `.reg`
//! export or a `.prf` file (`olk_profile_set`: counts and a JSON listing
//! of users, profiles, services, accounts and graph issues), and the
//! conversion of Kerio Outlook Connector (KOC) profiles to the Offline
//! Edition (KOFF): a dry run (`olk_profile_plan`) and the conversion
//! itself (`olk_profile_convert`, an `olk_profile_conversion` holding the
//! converted export, the undo export and the report).
//!
//! The server check is the caller's: an `olk_profile_probe_cb` is asked,
//! on the caller's thread and during the call only, whether the Kerio
//! server of each KOC profile in scope is reachable and which version it
//! runs. olkit itself never opens a network connection.
//!
//! Status codes 4000-4999 belong to this module (`OLK_PROFILE_*`); every
//! `olkit_profile_convert::Error` maps to one of them (`Io` to `OLK_IO`)
//! and keeps the library's message, line included, as the last error.
//! Secrets (password blobs) never appear in any JSON or message.

// Every struct and type of this module has its C name (`olk_profile_*`).
#![allow(non_camel_case_types, reason = "C names")]

use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr;

use olkit_profile_convert::{
    convert, plan, Account, AccountClass, Conversion, ConvertOptions, Error, Issue, Plan, PrfFile,
    ProfileOutcome, ProfileScope, ProfileSet, Provider, RootKind, Rules, ServerQuery, ServerStatus,
    Service, UserScope,
};
use serde::Serialize;
use serde_json::{json, Value as Json};

use crate::boundary::boundary;
use crate::error::FfiError;
use crate::progress::struct_size;
use crate::status::{olk_status, OLK_CANCELLED, OLK_IO};
use crate::util::{
    bytes_arg, c_string, check_struct_size, export, free_handle, handle_arg, optional_str_arg,
    slice_arg, str_arg, Out,
};

/// The export cannot be read: neither a `.reg` export nor a `.prf` file,
/// a `.reg` syntax or encoding error, a profile value that cannot be
/// decoded. The message says where (line, key, value).
pub const OLK_PROFILE_SYNTAX: olk_status = 4000;
/// The rules file (`olk_profile_options.rules`) cannot be read; the
/// message gives its line.
pub const OLK_PROFILE_RULES: olk_status = 4001;
/// The export is over a size or count limit (bytes, lines, profiles).
pub const OLK_PROFILE_TOO_LARGE: olk_status = 4002;
/// The conversion cannot be written into the export (an edit its format
/// cannot hold, such as text a `REGEDIT4` file cannot encode).
pub const OLK_PROFILE_FAILED: olk_status = 4003;

impl From<Error> for FfiError {
    fn from(err: Error) -> Self {
        use olkit_regfile::Error as RegError;
        let status = match &err {
            Error::Io { .. } => OLK_IO,
            Error::Reg(RegError::Io { .. }) => OLK_IO,
            Error::Reg(RegError::TooLarge { .. }) | Error::TooLarge { .. } => OLK_PROFILE_TOO_LARGE,
            Error::Reg(
                RegError::BadHeader | RegError::Encoding { .. } | RegError::Syntax { .. },
            )
            | Error::MapiValue { .. }
            | Error::Prf { .. } => OLK_PROFILE_SYNTAX,
            Error::Rules { .. } => OLK_PROFILE_RULES,
            Error::Convert { .. } | Error::PrfEdit { .. } => OLK_PROFILE_FAILED,
            // The .reg writer's other errors (an edit it cannot write), and
            // variants added to the library later (`Error` is
            // #[non_exhaustive]).
            _ => OLK_PROFILE_FAILED,
        };
        FfiError::new(status, err.to_string())
    }
}

// ---------------------------------------------------------------------------
// Types

/// Outlook profiles read from a `.reg` export or a `.prf` file.
///
/// Created by `olk_profile_set_parse`, released by `olk_profile_set_free`.
/// It is never changed after its creation: every function may use one
/// handle from several threads at once.
pub struct olk_profile_set {
    source: Source,
}

enum Source {
    Reg(ProfileSet),
    Prf(PrfFile),
}

/// The result of `olk_profile_convert`: the converted export, the undo
/// export and the report. Created by `olk_profile_convert`, released by
/// `olk_profile_conversion_free`; never changed in between, so every
/// function may use one handle from several threads at once.
pub struct olk_profile_conversion {
    conversion: Conversion,
}

/// What the probe callback is asked about: the Kerio server of one KOC
/// profile, as its settings name it. Valid during the callback only (copy
/// what you keep).
///
/// `struct_size` is `sizeof(olk_profile_server_query)` of the library that
/// filled it: later versions only append fields, so read a field only
/// when `struct_size` covers it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct olk_profile_server_query {
    /// `sizeof(olk_profile_server_query)` as olkit filled it.
    pub struct_size: u32,
    /// The user the profile belongs to, as the export spells its hive
    /// (`HKEY_CURRENT_USER`, `HKEY_USERS\S-1-5-21-...`); `""` for a
    /// `.prf` file. UTF-8, never NULL.
    pub user: *const c_char,
    /// The profile's name, UTF-8, never NULL.
    pub profile: *const c_char,
    /// The server the KOC service names (host name or address), UTF-8;
    /// NULL when the profile names none.
    pub server: *const c_char,
    /// The server's port; 0 when the profile does not say.
    pub port: u32,
    /// 1: SSL, 0: no SSL, -1: the profile does not say.
    pub ssl: i32,
}

/// The server check of `olk_profile_plan` and `olk_profile_convert`,
/// called with the caller's `userdata` once per KOC profile in scope, on
/// the caller's thread, never after the call that received it returns.
///
/// Return 1 when the server is reachable, after writing its version
/// (`"7.4.1"`) as a NUL-terminated UTF-8 string into `version_buf`
/// (`version_len` bytes, at least 64); 0 when it is unreachable (the
/// profile is converted and marked as needing the server's
/// configuration); any other value cancels the call, which returns
/// `OLK_CANCELLED` without calling the probe again. A reachable server
/// older than the rules' minimum (6.5.0) blocks that profile. The callback
/// must not unwind (throw) into olkit.
pub type olk_profile_probe_cb = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        query: *const olk_profile_server_query,
        version_buf: *mut c_char,
        version_len: usize,
    ) -> i32,
>;

/// Options of `olk_profile_plan` and `olk_profile_convert`; NULL means the
/// defaults (every field 0 or NULL): the built-in rules, every profile of
/// every user. Set `struct_size` to `sizeof(olk_profile_options)`: later
/// versions only append fields, and olkit reads no further than
/// `struct_size` (smaller than this version's size is
/// `OLK_INVALID_ARGUMENT`).
#[repr(C)]
pub struct olk_profile_options {
    /// `sizeof(olk_profile_options)`.
    pub struct_size: u32,
    /// A rules file (`docs/profile-rules.md`) of `rules_len` bytes, which
    /// replaces the built-in rules; NULL: the built-in rules.
    pub rules: *const u8,
    /// The length of `rules` in bytes.
    pub rules_len: usize,
    /// The names (UTF-8) of the profiles to convert; NULL with
    /// `profile_count` 0: every profile (or the default one).
    pub profiles: *const *const c_char,
    /// The number of names in `profiles`.
    pub profile_count: usize,
    /// 1: only the default profile (of each user); 0: the profiles
    /// above. 1 together with names is `OLK_INVALID_ARGUMENT`.
    pub default_only: u8,
    /// The one user to convert, UTF-8: a SID (`S-1-5-21-...`) or a hive
    /// (`HKEY_CURRENT_USER`, `HKEY_USERS\S-1-5-21-...`); NULL: every user
    /// of the export.
    pub user: *const c_char,
}

/// The smallest version buffer handed to the probe.
const VERSION_BUF_LEN: usize = 64;

// ---------------------------------------------------------------------------
// Helpers

/// The options of one call, read from an `olk_profile_options`.
struct CallOptions {
    rules: Rules,
    profiles: ProfileScope,
    users: UserScope,
}

/// Reads the options argument `options`: NULL gives the defaults.
///
/// # Safety
///
/// `ptr` must be NULL or point to a readable `olk_profile_options` of at
/// least `struct_size` bytes whose pointers are as its fields describe.
unsafe fn options_arg(ptr: *const olk_profile_options) -> Result<CallOptions, FfiError> {
    if ptr.is_null() {
        return Ok(CallOptions {
            rules: Rules::builtin(),
            profiles: ProfileScope::All,
            users: UserScope::All,
        });
    }
    // SAFETY: not NULL; the caller guarantees a readable struct.
    unsafe { check_struct_size(ptr, "options", "olk_profile_options") }?;
    // SAFETY: the caller guarantees `struct_size` readable bytes, which
    // cover the whole struct as checked above.
    let options = unsafe { &*ptr };
    let rules = match options.rules.is_null() {
        true if options.rules_len != 0 => return Err(FfiError::null_argument("options.rules")),
        true => Rules::builtin(),
        false => {
            // SAFETY: the caller guarantees `rules_len` readable bytes.
            let text = unsafe { bytes_arg(options.rules, options.rules_len, "options.rules") }?;
            Rules::parse(text).map_err(|err| FfiError::from(err).context("options.rules"))?
        }
    };
    // SAFETY: the caller guarantees `profile_count` readable pointers.
    let names = unsafe { slice_arg(options.profiles, options.profile_count, "options.profiles") }?;
    let mut profiles = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let arg = format!("options.profiles[{i}]");
        // SAFETY: the caller guarantees NUL-terminated names.
        profiles.push(unsafe { str_arg(*name, &arg) }?.to_owned());
    }
    let profiles = match (options.default_only, profiles.is_empty()) {
        (0, true) => ProfileScope::All,
        (0, false) => ProfileScope::Named(profiles),
        (1, true) => ProfileScope::Default,
        (1, false) => {
            return Err(FfiError::invalid_argument(
                "argument `options`: default_only is 1 and profiles are named; choose one",
            ))
        }
        (other, _) => {
            return Err(FfiError::invalid_argument(format!(
                "argument `options.default_only`: {other} is neither 0 nor 1"
            )))
        }
    };
    // SAFETY: the caller guarantees NULL or a NUL-terminated string.
    let users = match unsafe { optional_str_arg(options.user, "options.user") }? {
        Some(user) => UserScope::Only(user.to_owned()),
        None => UserScope::All,
    };
    Ok(CallOptions {
        rules,
        profiles,
        users,
    })
}

/// A C string for the probe: text with a NUL byte (which no profile name
/// should hold) is passed with `\0` spelled out rather than cut short.
fn query_text(text: &str) -> CString {
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}

/// The caller's probe callback and userdata for the duration of one
/// export, with what went wrong in it.
struct Probe {
    callback: olk_profile_probe_cb,
    userdata: *mut c_void,
    /// Set when the callback cancelled or broke its contract: the call
    /// fails with this once the library returns, and the callback is not
    /// called again.
    failure: Option<FfiError>,
    calls: usize,
}

impl Probe {
    /// Wraps the callback arguments of an export.
    ///
    /// # Safety
    ///
    /// `callback` must be NULL or a function that may be called with
    /// `userdata`, a query and a writable buffer, from this thread, until
    /// the export returns; the `Probe` must not outlive the export.
    unsafe fn new(callback: olk_profile_probe_cb, userdata: *mut c_void) -> Self {
        Self {
            callback,
            userdata,
            failure: None,
            calls: 0,
        }
    }

    fn unreachable(reason: &str) -> ServerStatus {
        ServerStatus::Unreachable {
            reason: reason.to_owned(),
        }
    }

    fn ask(&mut self, query: &ServerQuery<'_>) -> ServerStatus {
        if self.failure.is_some() {
            return Self::unreachable("the call was cancelled");
        }
        let Some(callback) = self.callback else {
            return Self::unreachable("no server probe was given");
        };
        let (user, profile) = (query_text(query.user), query_text(query.profile));
        let server = query.server.map(query_text);
        let raw = olk_profile_server_query {
            struct_size: struct_size::<olk_profile_server_query>(),
            user: user.as_ptr(),
            profile: profile.as_ptr(),
            server: server.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            port: query.port.unwrap_or(0),
            ssl: query.ssl.map_or(-1, i32::from),
        };
        let mut version = [0_u8; VERSION_BUF_LEN];
        self.calls += 1;
        // SAFETY: `new`'s caller guarantees that the callback may be called
        // with `userdata` from this thread during the export, which is
        // still running; `raw`, the strings it points to and `version`
        // (VERSION_BUF_LEN writable bytes) outlive the call.
        let answer = unsafe {
            callback(
                self.userdata,
                &raw,
                version.as_mut_ptr().cast(),
                version.len(),
            )
        };
        match answer {
            0 => Self::unreachable("the probe reported the server unreachable"),
            1 => match read_version(&version) {
                Ok(version) => ServerStatus::Reachable { version },
                Err(err) => {
                    self.failure = Some(err);
                    Self::unreachable("the probe wrote no readable version")
                }
            },
            other => {
                self.failure = Some(FfiError::new(
                    OLK_CANCELLED,
                    format!(
                        "the probe cancelled (it returned {other} for profile \"{}\")",
                        query.profile
                    ),
                ));
                Self::unreachable("the call was cancelled")
            }
        }
    }

    /// The failure of the call, if the callback cancelled or broke its
    /// contract.
    fn finish(self) -> Result<(), FfiError> {
        match self.failure {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}

/// The version the probe wrote: UTF-8 up to its NUL, not empty.
fn read_version(buf: &[u8]) -> Result<String, FfiError> {
    let bad = |what: &str| {
        FfiError::invalid_argument(format!(
            "the probe returned 1 (reachable) but {what} in version_buf"
        ))
    };
    let text = CStr::from_bytes_until_nul(buf).map_err(|_| bad("wrote no NUL"))?;
    let text = text
        .to_str()
        .map_err(|err| FfiError::invalid_utf8("version_buf", err))?;
    if text.trim().is_empty() {
        return Err(bad("wrote an empty version"));
    }
    Ok(text.to_owned())
}

/// Runs `f` (plan or convert) with the options and the probe; a cancel or
/// a broken probe contract wins over the library's result.
///
/// # Safety
///
/// As for [`options_arg`] and [`Probe::new`].
unsafe fn with_conversion_args<T>(
    options: *const olk_profile_options,
    probe: olk_profile_probe_cb,
    userdata: *mut c_void,
    f: impl FnOnce(&mut ConvertOptions<'_>) -> Result<T, Error>,
) -> Result<T, FfiError> {
    // SAFETY: forwarded from our caller.
    let (options, mut probe) = unsafe { (options_arg(options)?, Probe::new(probe, userdata)) };
    let mut ask = |query: &ServerQuery<'_>| probe.ask(query);
    let mut convert_options = ConvertOptions {
        rules: &options.rules,
        profiles: options.profiles,
        users: options.users,
        probe: &mut ask,
    };
    let result = f(&mut convert_options);
    probe.finish()?;
    Ok(result?)
}

/// A JSON text for the caller.
fn to_json(value: &impl Serialize) -> Result<CString, FfiError> {
    let document = serde_json::to_string(value)
        .map_err(|err| FfiError::invalid_argument(format!("cannot write JSON: {err}")))?;
    // JSON escapes NUL characters, so this cannot fail.
    c_string(document, "the JSON text")
}

fn uid_json(uid: Option<olkit_profile_convert::Uid>) -> Json {
    uid.map_or(Json::Null, |uid| Json::String(uid.to_string()))
}

fn provider_json(provider: &Provider) -> Json {
    json!({
        "uid": uid_json(provider.uid),
        "kind": provider.kind,
        "dll": provider.dll,
        "display_name": provider.display_name,
        "location": provider.location,
    })
}

fn service_json(service: &Service) -> Json {
    json!({
        "uid": uid_json(service.uid),
        "name": service.name,
        "display_name": service.display_name,
        "dll": service.dll,
        "providers": service.providers.iter().map(provider_json).collect::<Vec<_>>(),
        "location": service.location,
    })
}

fn account_json(account: &Account) -> Json {
    let class = match &account.class {
        AccountClass::Pop3 => "pop3".to_owned(),
        AccountClass::Imap => "imap".to_owned(),
        AccountClass::MapiService => "mapi_service".to_owned(),
        AccountClass::Ldap => "ldap".to_owned(),
        AccountClass::Other(other) => other.clone(),
        // A class added to the library later.
        #[allow(unreachable_patterns, reason = "AccountClass may grow")]
        _ => "other".to_owned(),
    };
    json!({
        "id": account.id,
        "name": account.name,
        "class": class,
        "service_uid": uid_json(account.service_uid),
        "email": account.email,
        "server": account.server,
        "user": account.user,
        "location": account.location,
    })
}

fn issue_json(issue: &Issue) -> Json {
    // The kind's tag from its serde form; its fields (UIDs) are in the
    // message, which spells them as section keys are spelled.
    let kind = serde_json::to_value(&issue.kind)
        .ok()
        .and_then(|v| v.get("kind").cloned())
        .unwrap_or(Json::Null);
    json!({
        "kind": kind,
        "key": issue.key,
        "value": issue.value,
        "line": issue.line,
        "message": issue.to_string(),
    })
}

/// The listing of `olk_profile_set_list_json` (shape documented there).
fn list_json(source: &Source) -> Json {
    match source {
        Source::Reg(set) => {
            let users: Vec<Json> = set
                .users
                .iter()
                .map(|user| {
                    let roots: Vec<Json> = user
                        .roots
                        .iter()
                        .map(|root| {
                            let (kind, version) = match &root.kind {
                                RootKind::Office { version } => ("office", Some(version.clone())),
                                RootKind::Legacy => ("legacy", None),
                            };
                            json!({
                                "key": root.key,
                                "kind": kind,
                                "office_version": version,
                                "default_profile": root.default_profile,
                                "profiles": root.profiles.len(),
                            })
                        })
                        .collect();
                    json!({ "hive": user.hive, "sid": user.sid, "roots": roots })
                })
                .collect();
            let profiles: Vec<Json> = set
                .profiles()
                .map(|(user, root, profile)| {
                    json!({
                        "user": user.hive,
                        "sid": user.sid,
                        "root": root.key,
                        "name": profile.name,
                        "key": profile.key,
                        "line": profile.line,
                        "is_default": profile.is_default,
                        "services": profile.services().iter().map(service_json).collect::<Vec<_>>(),
                        "accounts": profile.accounts().iter().map(account_json).collect::<Vec<_>>(),
                        "issues": profile.validate().iter().map(issue_json).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({ "kind": "reg", "users": users, "profiles": profiles })
        }
        Source::Prf(file) => {
            let profile = json!({
                "user": Json::Null,
                "sid": Json::Null,
                "root": Json::Null,
                "name": file.profile_name(),
                "key": Json::Null,
                "line": file.section_line("General").unwrap_or(0),
                "is_default": file.default_profile().unwrap_or(false),
                "services": file.services().iter().map(service_json).collect::<Vec<_>>(),
                "accounts": file.accounts().iter().map(account_json).collect::<Vec<_>>(),
                "issues": Vec::<Json>::new(),
            });
            json!({ "kind": "prf", "users": Vec::<Json>::new(), "profiles": [profile] })
        }
    }
}

/// The sections that make bytes without a `.reg` header a `.prf` file.
const PRF_SECTIONS: [&str; 3] = ["General", "Service List", "Internet Account List"];

/// Reads an export: a `.reg` export by its header, else a `.prf` file
/// with at least one of [`PRF_SECTIONS`].
fn parse_source(bytes: &[u8]) -> Result<Source, FfiError> {
    match ProfileSet::parse(bytes) {
        Ok(set) => Ok(Source::Reg(set)),
        Err(Error::Reg(olkit_regfile::Error::BadHeader)) => {
            let file = PrfFile::parse(bytes)?;
            if PRF_SECTIONS.iter().all(|s| file.section_line(s).is_none()) {
                return Err(FfiError::new(
                    OLK_PROFILE_SYNTAX,
                    "neither a .reg export (no REGEDIT4 or Windows Registry Editor \
                     Version 5.00 header) nor a .prf file (no [General], [Service List] \
                     or [Internet Account List] section)",
                ));
            }
            Ok(Source::Prf(file))
        }
        Err(err) => Err(err.into()),
    }
}

fn already_count(plan: &Plan) -> usize {
    plan.profiles
        .iter()
        .filter(|p| matches!(p.outcome, ProfileOutcome::AlreadyKoff))
        .count()
}

/// Hands a borrowed buffer to the caller: NULL for an empty one.
fn borrowed(bytes: &[u8]) -> *const u8 {
    match bytes.is_empty() {
        true => ptr::null(),
        false => bytes.as_ptr(),
    }
}

// ---------------------------------------------------------------------------
// Exports: the profile set

/// Reads the Outlook profiles of an export in the `len` bytes at `bytes`:
/// a `.reg` export (any encoding regedit writes; bad lines are skipped as
/// regedit's import skips them) or, without a `.reg` header, a `.prf` file
/// (Windows-1252, UTF-8 or UTF-16). The bytes are copied. The new handle
/// is written to `*out`, to be released with `olk_profile_set_free`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_PROFILE_SYNTAX` (neither a `.reg`
/// export nor a `.prf` file with a `[General]`, `[Service List]` or
/// `[Internet Account List]` section; a `.reg` encoding error),
/// `OLK_PROFILE_TOO_LARGE`.
///
/// # Safety
///
/// `bytes` must be NULL or valid for reads of `len` bytes; `out` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_profile_set_parse(
    bytes: *const u8,
    len: usize,
    out: *mut *mut olk_profile_set,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees the contract above.
        let (bytes, out) = unsafe { (bytes_arg(bytes, len, "bytes")?, Out::new(out, "out")?) };
        let source = parse_source(bytes)?;
        out.write_handle(olk_profile_set { source });
        Ok(())
    })
}

/// Releases a profile set; NULL is a no-op. Does not change the last
/// error.
///
/// # Safety
///
/// `set` must be NULL or a live handle that is not used again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_profile_set_free(set: *mut olk_profile_set) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(set) }
}

/// Stores in `*profiles` the number of profiles of the set, over all users
/// and both roots (1 for a `.prf` file).
///
/// Errors: `OLK_NULL_ARGUMENT`.
///
/// # Safety
///
/// `set` must be NULL or a live handle; `profiles` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_profile_set_count(
    set: *const olk_profile_set,
    profiles: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller.
    unsafe {
        export(set, "set", profiles, |set| {
            Ok(match &set.source {
                Source::Reg(set) => set.profile_count(),
                Source::Prf(_) => 1,
            })
        })
    }
}

/// The set as UTF-8 JSON in `*json`, to be freed with `olk_string_free`.
/// It never contains a secret (no password, no password blob).
///
/// `{"kind": "reg" | "prf",
///   "users": [{"hive", "sid" (null for HKEY_CURRENT_USER), "roots":
///     [{"key", "kind": "office" | "legacy", "office_version",
///       "default_profile", "profiles" (count)}]}],
///   "profiles": [{"user" (hive), "sid", "root" (key), "name", "key",
///     "line", "is_default",
///     "services": [{"uid" (32 hex digits or null), "name"
///       (PR_SERVICE_NAME: "MSEMS", "KERIO_KOC"...), "display_name",
///       "dll", "providers": [{"uid", "kind": "store" | "address_book" |
///       "transport" | "other", "dll", "display_name", "location"}],
///       "location": {"in": "reg", "key"} | {"in": "prf", "section"}}],
///     "accounts": [{"id", "name", "class": "pop3" | "imap" |
///       "mapi_service" | "ldap" | other text, "service_uid", "email",
///       "server", "user", "location"}],
///     "issues": [{"kind" ("store_without_section", "dangling_list_entry",
///       "two_default_stores"...), "key", "value", "line", "message"}]}]}`
///
/// A `.prf` file has no users and one profile whose `user`, `sid`, `root`
/// and `key` are null and whose `issues` are empty.
///
/// Errors: `OLK_NULL_ARGUMENT`.
///
/// # Safety
///
/// `set` must be NULL or a live handle; `json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_profile_set_list_json(
    set: *const olk_profile_set,
    json: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller.
    unsafe {
        export(set, "set", json, |set| {
            Ok(Some(to_json(&list_json(&set.source))?))
        })
    }
}

// ---------------------------------------------------------------------------
// Exports: plan and conversion

/// The dry run of `olk_profile_convert` on the export in the `len` bytes
/// at `bytes` (`.reg` or `.prf`, told apart by content): what would be
/// converted and every key and value that would be added, changed or
/// deleted, as UTF-8 JSON in `*plan_json`, to be freed with
/// `olk_string_free`. Nothing is written anywhere.
///
/// `options` may be NULL (the built-in rules, every profile of every
/// user). `probe` (may be NULL: every server unreachable) is called with
/// `userdata` once per KOC profile in scope, as `olk_profile_probe_cb`
/// describes.
///
/// The JSON: `{"kind": "reg" | "prf", "profiles": [{"user" (the hive;
/// "" for a .prf), "root", "profile", "outcome": "converted" (with
/// "server_configured": true or false) | "already_koff" | "no_koc" |
/// "blocked" (with "reason") | "out_of_scope", "finish_later": [what
/// still needs the server, and where to finish it]}], "changes":
/// [{"key" (registry key or .prf section), "value" (null: the key
/// itself), "action": "add_key" | "delete_key" | "add" | "set" |
/// "delete", "old", "new" (display text; "<secret>" for secrets)}]}`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_INVALID_ARGUMENT`
/// (a `struct_size` too small, `default_only` not 0 or 1 or together with
/// names, a probe that returned 1 without a version), `OLK_CANCELLED` (the
/// probe returned neither 0 nor 1), `OLK_PROFILE_SYNTAX`,
/// `OLK_PROFILE_RULES`, `OLK_PROFILE_TOO_LARGE`.
///
/// # Safety
///
/// `bytes` must be NULL or valid for reads of `len` bytes; `options` NULL
/// or as `olk_profile_options` describes; `probe` NULL or a function that
/// may be called with `userdata` from this thread during the call;
/// `plan_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_profile_plan(
    bytes: *const u8,
    len: usize,
    options: *const olk_profile_options,
    probe: olk_profile_probe_cb,
    userdata: *mut c_void,
    plan_json: *mut *mut c_char,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees the contract above.
        let (bytes, out) = unsafe {
            (
                bytes_arg(bytes, len, "bytes")?,
                Out::new(plan_json, "plan_json")?,
            )
        };
        // SAFETY: forwarded from our caller.
        let result = unsafe {
            with_conversion_args(options, probe, userdata, |options| plan(bytes, options))
        }?;
        out.write_string(to_json(&result)?);
        Ok(())
    })
}

/// Converts the KOC profiles in scope of the export in the `len` bytes at
/// `bytes` (`.reg` or `.prf`, told apart by content) to KOFF, touching
/// nothing else: the new handle in `*out` (released with
/// `olk_profile_conversion_free`) holds the converted export, the undo
/// export that restores the original exactly, and the report. Converting
/// an export already converted changes nothing and reports the profiles as
/// already KOFF.
///
/// `options` and `probe` are as for `olk_profile_plan`: a reachable server
/// of 6.5.0 or newer gets its account fully configured; an unreachable one
/// (or no probe) gets the profile converted and marked as needing the
/// server's configuration (the report's `finish_later` says what and
/// where); an older server blocks that profile.
///
/// Errors: as `olk_profile_plan`, and `OLK_PROFILE_FAILED` (the converted
/// export cannot be written in the export's format).
///
/// # Safety
///
/// As for `olk_profile_plan`, with `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_profile_convert(
    bytes: *const u8,
    len: usize,
    options: *const olk_profile_options,
    probe: olk_profile_probe_cb,
    userdata: *mut c_void,
    out: *mut *mut olk_profile_conversion,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees the contract above.
        let (bytes, out) = unsafe { (bytes_arg(bytes, len, "bytes")?, Out::new(out, "out")?) };
        // SAFETY: forwarded from our caller.
        let conversion = unsafe {
            with_conversion_args(options, probe, userdata, |options| convert(bytes, options))
        }?;
        out.write_handle(olk_profile_conversion { conversion });
        Ok(())
    })
}

/// Releases a conversion; NULL is a no-op. The buffers borrowed from it
/// become invalid. Does not change the last error.
///
/// # Safety
///
/// `conversion` must be NULL or a live handle that is not used again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_profile_conversion_free(conversion: *mut olk_profile_conversion) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(conversion) }
}

/// Borrows the converted export (the input with the KOC profiles in
/// scope converted, every other byte as it was; the input itself when
/// nothing was converted): `*data` and `*len`, valid until the conversion
/// is freed, not to be freed by the caller. NULL with length 0 when empty.
///
/// Errors: `OLK_NULL_ARGUMENT`.
///
/// # Safety
///
/// `conversion` must be NULL or a live handle; `data` and `len` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_profile_conversion_converted(
    conversion: *const olk_profile_conversion,
    data: *mut *const u8,
    len: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller.
    unsafe { borrow_bytes(conversion, data, len, |c| &c.converted) }
}

/// Borrows the undo export: a `.reg` export (or `.prf` file, for a `.prf`
/// input) that, imported after the converted one, restores the original
/// exactly. `*data` and `*len` as for `olk_profile_conversion_converted`.
///
/// Errors: `OLK_NULL_ARGUMENT`.
///
/// # Safety
///
/// As for `olk_profile_conversion_converted`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_profile_conversion_undo(
    conversion: *const olk_profile_conversion,
    data: *mut *const u8,
    len: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller.
    unsafe { borrow_bytes(conversion, data, len, |c| &c.undo) }
}

/// The body of the two borrowing accessors.
///
/// # Safety
///
/// As for `olk_profile_conversion_converted`.
unsafe fn borrow_bytes(
    conversion: *const olk_profile_conversion,
    data: *mut *const u8,
    len: *mut usize,
    which: impl FnOnce(&Conversion) -> &Vec<u8>,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees the contract above.
        let (conversion, data, len) = unsafe {
            (
                handle_arg(conversion, "conversion")?,
                Out::new(data, "data")?,
                Out::new(len, "len")?,
            )
        };
        let bytes = which(&conversion.conversion);
        data.write(borrowed(bytes));
        len.write(bytes.len());
        Ok(())
    })
}

/// The report of the conversion as UTF-8 JSON in `*json`, to be freed with
/// `olk_string_free`: the shape of `olk_profile_plan`'s JSON, for what was
/// done.
///
/// Errors: `OLK_NULL_ARGUMENT`.
///
/// # Safety
///
/// `conversion` must be NULL or a live handle; `json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_profile_conversion_report_json(
    conversion: *const olk_profile_conversion,
    json: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller.
    unsafe {
        export(conversion, "conversion", json, |c| {
            Ok(Some(to_json(&c.conversion.plan)?))
        })
    }
}

/// The report of the conversion as text for people (one paragraph per
/// profile, then the changes), UTF-8, in `*text`, to be freed with
/// `olk_string_free`.
///
/// Errors: `OLK_NULL_ARGUMENT`.
///
/// # Safety
///
/// `conversion` must be NULL or a live handle; `text` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_profile_conversion_report_text(
    conversion: *const olk_profile_conversion,
    text: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller.
    unsafe {
        export(conversion, "conversion", text, |c| {
            Ok(Some(c_string(
                c.conversion.plan.render_text(),
                "the report text",
            )?))
        })
    }
}

/// Stores the number of profiles converted, blocked (a server older than
/// the rules' minimum) and already KOFF. Each output may be NULL when not
/// wanted.
///
/// Errors: `OLK_NULL_ARGUMENT` (`conversion`).
///
/// # Safety
///
/// `conversion` must be NULL or a live handle; each output NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_profile_conversion_counts(
    conversion: *const olk_profile_conversion,
    converted: *mut usize,
    blocked: *mut usize,
    already: *mut usize,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees the contract above.
        let (conversion, converted, blocked, already) = unsafe {
            (
                handle_arg(conversion, "conversion")?,
                Out::optional(converted),
                Out::optional(blocked),
                Out::optional(already),
            )
        };
        let plan = &conversion.conversion.plan;
        if let Some(out) = converted {
            out.write(plan.converted_count());
        }
        if let Some(out) = blocked {
            out.write(plan.blocked_count());
        }
        if let Some(out) = already {
            out.write(already_count(plan));
        }
        Ok(())
    })
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]
mod tests {
    use super::*;
    use crate::status::describe;

    #[test]
    fn every_code_is_in_the_profile_range_and_described() {
        for code in OLK_PROFILE_SYNTAX..=OLK_PROFILE_FAILED {
            assert!((4000..5000).contains(&code));
            assert_ne!(describe(code).to_bytes(), b"unknown status", "code {code}");
        }
    }

    #[test]
    fn versions_are_read_up_to_their_nul() {
        let mut buf = [0_u8; VERSION_BUF_LEN];
        buf[..5].copy_from_slice(b"7.4.1");
        assert_eq!(read_version(&buf).unwrap(), "7.4.1");
        assert!(read_version(&[0_u8; 4]).is_err());
        assert!(read_version(b"7.4.1").is_err());
        assert_eq!(
            read_version(b"a\xff\0").unwrap_err().status(),
            crate::status::OLK_INVALID_UTF8
        );
    }

    /// The two KOC fixtures in one export (text, UTF-8): profile "Kerio"
    /// of HKEY_CURRENT_USER and profile "Work" of the first SID.
    fn two_koc_profiles() -> Vec<u8> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/profile-convert/tests/fixtures");
        let text = |name: &str| {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .skip(1) // the byte order mark
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                .collect();
            String::from_utf16(&units).unwrap()
        };
        let first = text("kerio-one-user.reg");
        let second = text("two-users-both-roots.reg");
        let body = second.split_once("\r\n").unwrap().1;
        format!("{first}{body}").into_bytes()
    }

    /// Answers reachable 7.4.1 to the first `cancel_after` queries, then
    /// cancels (returns 2), counting its calls in the `usize` userdata.
    unsafe extern "C" fn counting_probe(
        userdata: *mut c_void,
        _query: *const olk_profile_server_query,
        version_buf: *mut c_char,
        version_len: usize,
    ) -> i32 {
        // SAFETY: the tests pass a `(usize, usize)` (calls, cancel_after).
        let state = unsafe { &mut *userdata.cast::<(usize, usize)>() };
        state.0 += 1;
        if state.0 > state.1 {
            return 2;
        }
        assert!(version_len >= VERSION_BUF_LEN);
        // SAFETY: olkit gives `version_len` (>= 6) writable bytes.
        unsafe { ptr::copy_nonoverlapping(c"7.4.1".as_ptr(), version_buf, 6) };
        1
    }

    #[test]
    fn every_koc_profile_is_asked_once_and_a_cancel_stops_the_questions() {
        let export = two_koc_profiles();
        let mut state = (0_usize, usize::MAX);
        let mut json: *mut c_char = ptr::null_mut();
        // SAFETY: valid buffers and locals; `counting_probe` takes the state.
        let status = unsafe {
            olk_profile_plan(
                export.as_ptr(),
                export.len(),
                ptr::null(),
                Some(counting_probe),
                (&raw mut state).cast(),
                &mut json,
            )
        };
        assert_eq!(status, crate::status::OLK_OK);
        assert_eq!(state.0, 2);
        // SAFETY: a string returned by olkit.
        let text = unsafe { CStr::from_ptr(json) }.to_str().unwrap().to_owned();
        // SAFETY: returned by olkit, freed once.
        unsafe { crate::util::olk_string_free(json) };
        assert_eq!(
            text.matches("\"outcome\":\"converted\"").count(),
            2,
            "{text}"
        );

        // Cancelled at the first question: asked once, nothing written.
        let mut state = (0_usize, 0_usize);
        let mut conversion: *mut olk_profile_conversion = ptr::null_mut();
        // SAFETY: as above.
        let status = unsafe {
            olk_profile_convert(
                export.as_ptr(),
                export.len(),
                ptr::null(),
                Some(counting_probe),
                (&raw mut state).cast(),
                &mut conversion,
            )
        };
        assert_eq!(status, OLK_CANCELLED);
        assert_eq!(state.0, 1);
        assert!(conversion.is_null());
    }

    #[test]
    fn bytes_without_a_header_or_prf_section_are_a_syntax_error() {
        let status = parse_source(b"hello\nworld\n").err().map(|e| e.status());
        assert_eq!(status, Some(OLK_PROFILE_SYNTAX));
        assert!(matches!(
            parse_source(b"[General]\r\nProfileName=X\r\n"),
            Ok(Source::Prf(_))
        ));
    }
}
