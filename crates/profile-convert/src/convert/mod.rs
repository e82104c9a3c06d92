//! The KOC -> KOFF conversion: finds the Kerio Outlook Connector services
//! of a `.reg` export or `.prf` file as the [`Rules`] describe them, checks
//! each profile's server through the caller's probe, and rewrites only the
//! values the rules name, in place: the service and its providers keep
//! their UIDs and sections, so every list, the account's Service UID and
//! the default store stay valid, and every other line of the file stays
//! byte for byte as it was. Secrets are carried, never decoded or shown.
//!
//! [`plan`] is the dry run; [`convert`] also gives the converted file and
//! an undo file that restores the original when imported after it.

mod prf;
mod reg;
mod rules;

use std::fmt::Write as _;

pub use rules::{Rules, BUILTIN_RULES};

use crate::mapi::utf16le_units;
use crate::Error;

/// What the caller's probe says about a profile's Kerio MailServer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerStatus {
    /// The server answered with its version (`7.4.1`).
    Reachable {
        /// The version it reports.
        version: String,
    },
    /// The server could not be reached: the profile is converted and marked
    /// as needing its server configuration finished.
    Unreachable {
        /// Why (shown in the plan).
        reason: String,
    },
}

/// What the probe is asked about: one KOC profile's server settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerQuery<'a> {
    /// The user (`HKEY_CURRENT_USER`, `HKEY_USERS\<SID>`; empty for a `.prf`).
    pub user: &'a str,
    /// The profile name.
    pub profile: &'a str,
    /// The server the KOC service names.
    pub server: Option<&'a str>,
    /// Its port, when the service sets one.
    pub port: Option<u32>,
    /// Whether it uses SSL, when the service says.
    pub ssl: Option<bool>,
}

/// Which profiles to convert.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProfileScope {
    /// Every profile.
    #[default]
    All,
    /// The default profile of each root.
    Default,
    /// The profiles of these names (compared as Windows compares them).
    Named(Vec<String>),
}

/// Whose profiles to convert.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum UserScope {
    /// Every user in the export.
    #[default]
    All,
    /// One user: a SID (`S-1-5-21-...`) or a hive prefix
    /// (`HKEY_CURRENT_USER`, `HKEY_USERS\S-1-5-21-...`).
    Only(String),
}

/// How to convert.
pub struct ConvertOptions<'a> {
    /// The rules.
    pub rules: &'a Rules,
    /// Which profiles.
    pub profiles: ProfileScope,
    /// Whose profiles.
    pub users: UserScope,
    /// Asked once per KOC profile in scope.
    pub probe: &'a mut dyn FnMut(&ServerQuery<'_>) -> ServerStatus,
}

impl std::fmt::Debug for ConvertOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConvertOptions")
            .field("rules", &self.rules)
            .field("profiles", &self.profiles)
            .field("users", &self.users)
            .finish_non_exhaustive()
    }
}

/// The kind of file converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum ExportKind {
    /// A registry export (`.reg`).
    Reg,
    /// An Outlook profile file (`.prf`).
    Prf,
}

impl ExportKind {
    /// What `bytes` are: a `.reg` export when they start (after a byte
    /// order mark and blank space) with a `REGEDIT4` or `Windows Registry
    /// Editor Version 5.00` header, in UTF-16LE or an 8-bit encoding;
    /// otherwise taken as a `.prf` file.
    pub fn detect(bytes: &[u8]) -> ExportKind {
        if is_reg(bytes) {
            ExportKind::Reg
        } else {
            ExportKind::Prf
        }
    }
}

/// The dry run: what happens to each profile and every change to make.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Plan {
    /// The kind of file.
    pub kind: ExportKind,
    /// Every profile of the file, in file order.
    pub profiles: Vec<ProfilePlan>,
    /// Every change, in the order it is made.
    pub changes: Vec<Change>,
}

/// What happens to one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ProfilePlan {
    /// The user (hive prefix as spelled in the file; empty for a `.prf`).
    pub user: String,
    /// The `Profiles` key (empty for a `.prf`).
    pub root: String,
    /// The profile name.
    pub profile: String,
    /// The outcome.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub outcome: ProfileOutcome,
    /// What still needs the server, and where to finish it.
    pub finish_later: Vec<String>,
}

/// The outcome for one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(tag = "outcome", rename_all = "snake_case")
)]
pub enum ProfileOutcome {
    /// Its KOC services are converted.
    Converted {
        /// Whether the server was reachable and recent enough; if not, the
        /// account's server configuration is to finish (`finish_later`).
        server_configured: bool,
    },
    /// It has a KOFF service and no KOC one: nothing to do.
    AlreadyKoff,
    /// It has no KOC service.
    NoKoc,
    /// It was not converted, and nothing of it changes.
    Blocked {
        /// Why (the server is older than the rules' minimum version, ...).
        reason: String,
    },
    /// Outside the profile or user scope: not looked at.
    OutOfScope,
}

/// One change to the file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Change {
    /// The registry key, or the `.prf` section.
    pub key: String,
    /// The value (or `.prf` key); `None`: the key itself.
    pub value: Option<String>,
    /// What is done.
    pub action: ChangeAction,
    /// The old data, as display text (`<secret>` for secrets).
    pub old: Option<String>,
    /// The new data, as display text (`<secret>` for secrets).
    pub new: Option<String>,
}

/// What a change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum ChangeAction {
    /// Adds a key (section).
    AddKey,
    /// Deletes a key (section).
    DeleteKey,
    /// Adds a value.
    Add,
    /// Changes a value.
    Set,
    /// Deletes a value.
    Delete,
}

/// The result of [`convert`].
#[derive(Clone, PartialEq, Eq)]
pub struct Conversion {
    /// What was done.
    pub plan: Plan,
    /// The converted file (for `reg import`, or `outlook.exe /importprf`).
    pub converted: Vec<u8>,
    /// The undo file: for a `.reg`, an export in the input's format that
    /// restores the original when imported after the converted one; for a
    /// `.prf`, the original bytes.
    pub undo: Vec<u8>,
}

impl std::fmt::Debug for Conversion {
    // The bytes may hold secrets: only their sizes are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversion")
            .field("plan", &self.plan)
            .field("converted", &self.converted.len())
            .field("undo", &self.undo.len())
            .finish()
    }
}

/// The text secrets are shown as.
pub(crate) const SECRET_TEXT: &str = "<secret>";

impl Plan {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The number of profiles converted.
    pub fn converted_count(&self) -> usize {
        self.profiles
            .iter()
            .filter(|p| matches!(p.outcome, ProfileOutcome::Converted { .. }))
            .count()
    }

    /// The number of profiles blocked.
    pub fn blocked_count(&self) -> usize {
        self.profiles
            .iter()
            .filter(|p| matches!(p.outcome, ProfileOutcome::Blocked { .. }))
            .count()
    }

    /// The plan for people: each profile's outcome, what to finish later,
    /// then every change.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for p in &self.profiles {
            let outcome = match &p.outcome {
                ProfileOutcome::Converted {
                    server_configured: true,
                } => "converted, server configured".to_string(),
                ProfileOutcome::Converted {
                    server_configured: false,
                } => "converted, server configuration to finish".to_string(),
                ProfileOutcome::AlreadyKoff => "already KOFF".to_string(),
                ProfileOutcome::NoKoc => "no KOC service".to_string(),
                ProfileOutcome::Blocked { reason } => format!("blocked: {reason}"),
                ProfileOutcome::OutOfScope => "out of scope".to_string(),
            };
            let _ = write!(out, "profile {:?}", p.profile);
            if !p.user.is_empty() {
                let _ = write!(out, " of {}", p.user);
            }
            if !p.root.is_empty() {
                let _ = write!(out, " ({})", p.root);
            }
            let _ = writeln!(out, ": {outcome}");
            for item in &p.finish_later {
                let _ = writeln!(out, "  to finish: {item}");
            }
        }
        if self.changes.is_empty() {
            out.push_str("no changes\n");
            return out;
        }
        let _ = writeln!(out, "{} changes:", self.changes.len());
        for c in &self.changes {
            let action = match c.action {
                ChangeAction::AddKey => "add key",
                ChangeAction::DeleteKey => "delete key",
                ChangeAction::Add => "add",
                ChangeAction::Set => "set",
                ChangeAction::Delete => "delete",
            };
            let _ = write!(out, "  {action:<10} [{}]", c.key);
            if let Some(value) = &c.value {
                let _ = write!(out, " {value:?}");
            }
            match (&c.old, &c.new) {
                (Some(old), Some(new)) => {
                    let _ = write!(out, ": {old} -> {new}");
                }
                (None, Some(new)) => {
                    let _ = write!(out, ": {new}");
                }
                (Some(old), None) => {
                    let _ = write!(out, " (was {old})");
                }
                (None, None) => {}
            }
            out.push('\n');
        }
        out
    }
}

/// Whether the bytes are a `.reg` export (by its header) rather than a `.prf`.
fn is_reg(bytes: &[u8]) -> bool {
    let text: String = if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = utf16le_units(rest).take(40).collect();
        String::from_utf16_lossy(&units)
    } else {
        let rest = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
        String::from_utf8_lossy(rest.get(..40).unwrap_or(rest)).into_owned()
    };
    let head = text.trim_start().to_ascii_lowercase();
    head.starts_with("regedit4") || head.starts_with("windows registry editor version 5.00")
}

/// The dry run: what [`convert`] would do. `.reg` or `.prf`, told apart by
/// content. The probe is asked once per KOC profile in scope.
pub fn plan(export: &[u8], options: &mut ConvertOptions<'_>) -> Result<Plan, Error> {
    let _span = tracing::info_span!("profile_plan", bytes = export.len()).entered();
    if is_reg(export) {
        reg::convert(export, options, false).map(|c| c.plan)
    } else {
        prf::convert(export, options).map(|c| c.plan)
    }
}

/// Converts the KOC profiles in scope: the plan, the converted file and
/// the undo file. A file without KOC services comes back byte-identical
/// with an empty plan.
pub fn convert(export: &[u8], options: &mut ConvertOptions<'_>) -> Result<Conversion, Error> {
    let _span = tracing::info_span!("profile_convert", bytes = export.len()).entered();
    if is_reg(export) {
        reg::convert(export, options, true)
    } else {
        prf::convert(export, options)
    }
}

/// What the server check decided for one profile.
pub(crate) enum Verdict {
    Configured,
    Unreachable(String),
    Blocked(String),
}

/// Asks the probe and compares the version with the rules' minimum.
pub(crate) fn check_server(options: &mut ConvertOptions<'_>, query: &ServerQuery<'_>) -> Verdict {
    match (options.probe)(query) {
        ServerStatus::Unreachable { reason } => Verdict::Unreachable(reason),
        ServerStatus::Reachable { version } => {
            let server = query.server.unwrap_or("(no server set)");
            match rules::version_numbers(&version) {
                None => Verdict::Blocked(format!(
                    "the server {server} reports version {version:?}, which cannot be read; KOFF needs Kerio MailServer {} or newer",
                    options.rules.min_version_text
                )),
                Some(numbers) if !rules::version_at_least(&numbers, &options.rules.min_version) => {
                    Verdict::Blocked(format!(
                        "the server {server} runs Kerio MailServer {version}; KOFF needs {} or newer",
                        options.rules.min_version_text
                    ))
                }
                Some(_) => Verdict::Configured,
            }
        }
    }
}

/// Replaces `{profile}` and `{Role}` placeholders; `None` when a role has
/// no value (the rule is then skipped).
pub(crate) fn expand(
    template: &str,
    profile: &str,
    role_value: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(rest.get(..open)?);
        let after = rest.get(open + 1..)?;
        let close = after.find('}')?;
        let name = after.get(..close)?;
        if name == "profile" {
            out.push_str(profile);
        } else {
            out.push_str(&role_value(name)?);
        }
        rest = after.get(close + 1..)?;
    }
    out.push_str(rest);
    Some(out)
}

/// The `finish_later` lines of an unreachable server.
pub(crate) fn finish_lines(
    rules: &Rules,
    profile: &str,
    reason: &str,
    role_value: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    let mut lines = vec![format!(
        "the server could not be checked ({reason}): the account's server configuration is to finish"
    )];
    let shown = |role: &str| Some(role_value(role).unwrap_or_else(|| "not set".to_string()));
    lines.extend(
        rules
            .finish
            .iter()
            .filter_map(|t| expand(t, profile, &shown)),
    );
    lines
}

/// Whether a profile name is in scope.
pub(crate) fn profile_in_scope(scope: &ProfileScope, name: &str, is_default: bool) -> bool {
    match scope {
        ProfileScope::All => true,
        ProfileScope::Default => is_default,
        ProfileScope::Named(names) => names
            .iter()
            .any(|n| crate::profiles::fold(n) == crate::profiles::fold(name)),
    }
}

/// Whether a user is in scope.
pub(crate) fn user_in_scope(scope: &UserScope, hive: &str, sid: Option<&str>) -> bool {
    match scope {
        UserScope::All => true,
        UserScope::Only(wanted) => {
            let fold = crate::profiles::fold;
            let wanted = fold(wanted.trim_end_matches('\\'));
            let is_cu = |h: &str| h == "HKEY_CURRENT_USER" || h == "HKCU";
            fold(hive) == wanted
                || (is_cu(&fold(hive)) && is_cu(&wanted))
                || sid.is_some_and(|s| fold(s) == wanted)
        }
    }
}

fn name_matches(list: &[String], value: Option<&str>) -> bool {
    value.is_some_and(|v| list.iter().any(|n| n.eq_ignore_ascii_case(v.trim())))
}

impl rules::Recognize {
    /// Whether a service (name, DLL, provider DLLs) matches.
    pub(crate) fn matches<'a>(
        &self,
        name: Option<&str>,
        dll: Option<&str>,
        mut provider_dlls: impl Iterator<Item = &'a str>,
    ) -> bool {
        name_matches(&self.service_names, name)
            || name_matches(&self.service_dlls, dll)
            || provider_dlls.any(|d| name_matches(&self.provider_dlls, Some(d)))
    }

    /// Whether a service's display name is one KOC gives it (any name when
    /// the rules list none), not one the user chose.
    pub(crate) fn is_default_display_name(&self, name: &str) -> bool {
        self.display_names.is_empty() || name_matches(&self.display_names, Some(name))
    }
}
