//! The conversion of a `.prf` file: a KOC service is a `[Service List]`
//! entry whose mapping section's `ServiceName` the rules recognise; its
//! settings are in the `[ServiceN]` section the entry's key names, each
//! mapped to a MAPI property by a `Key=PT_TYPE,0xID` line of the mapping
//! section. The conversion edits those lines through [`PrfFile`], which
//! rewrites only them; the undo is the original file (a `.prf` is imported
//! whole, never on top of another).

use super::rules::PropSet;
use super::{
    check_server, expand, finish_lines, profile_in_scope, Change, ChangeAction, Conversion,
    ConvertOptions, ExportKind, Plan, ProfileOutcome, ProfilePlan, ServerQuery, Verdict,
    SECRET_TEXT,
};
use crate::mapi::PropTag;
use crate::prf::is_secret_key;
use crate::{Error, PrfFile};

/// Ids a `.prf` cannot set: the service's identity is its mapping
/// section's `ServiceName`, and its DLL and entry come from MAPISVC.INF.
const IDENTITY_IDS: [u16; 3] = [
    PropTag::PR_SERVICE_NAME,
    PropTag::PR_SERVICE_DLL_NAME,
    PropTag::PR_SERVICE_ENTRY_NAME,
];

/// A service of `[Service List]`: its settings and mapping sections.
struct PrfService {
    settings: String,
    mapping: String,
    name: String,
}

/// Reads `PT_UNICODE,0x6602` as (type name, id).
fn mapped_id(value: &str) -> Option<(&str, u16)> {
    let (ty, id) = value.split_once(',')?;
    let id = id.trim();
    let hex = id.strip_prefix("0x").or_else(|| id.strip_prefix("0X"))?;
    Some((ty.trim(), u16::from_str_radix(hex, 16).ok()?))
}

/// The services as [`PrfFile::services`] finds them, owned: the file is
/// edited while they are in use.
fn services(prf: &PrfFile) -> Vec<PrfService> {
    prf.listed_services()
        .into_iter()
        .map(|listed| PrfService {
            settings: listed.settings.to_owned(),
            mapping: listed.mapping.to_owned(),
            name: listed.name.to_owned(),
        })
        .collect()
}

/// The `[ServiceN]` key mapped to property `id`, with its mapping line's type.
fn key_for_id(prf: &PrfFile, mapping: &str, id: u16) -> Option<(String, String)> {
    prf.entries(mapping).into_iter().find_map(|e| {
        let (ty, mapped) = mapped_id(e.value)?;
        (mapped == id).then(|| (e.key.to_string(), ty.to_string()))
    })
}

fn shown(key: &str, value: &str) -> String {
    if is_secret_key(key) {
        SECRET_TEXT.to_string()
    } else {
        format!("{value:?}")
    }
}

/// Sets `section`'s `key` to `value` and records the change, unless it
/// holds that value already.
fn set(
    prf: &mut PrfFile,
    changes: &mut Vec<Change>,
    section: &str,
    key: &str,
    value: &str,
) -> Result<(), Error> {
    let old = prf.get(section, key).map(str::to_string);
    if old.as_deref() == Some(value) {
        return Ok(());
    }
    prf.set(section, key, value)?;
    changes.push(Change {
        key: section.to_string(),
        value: Some(key.to_string()),
        action: if old.is_some() {
            ChangeAction::Set
        } else {
            ChangeAction::Add
        },
        old: old.map(|o| shown(key, &o)),
        new: Some(shown(key, value)),
    });
    Ok(())
}

/// Writes one rule's property into the service's settings, through its
/// mapping line, adding the mapping under the rules' `[Prf] Key.<id>` name
/// when the file has none.
fn apply_set(
    prf: &mut PrfFile,
    changes: &mut Vec<Change>,
    options: &ConvertOptions<'_>,
    service: &PrfService,
    rule: &PropSet,
    text: &str,
) -> Result<(), Error> {
    if IDENTITY_IDS.contains(&rule.tag.id) {
        return Ok(());
    }
    if let Some((key, _)) = key_for_id(prf, &service.mapping, rule.tag.id) {
        return set_setting(prf, changes, &service.settings, &key, text);
    }
    if rule.only_if_present {
        return Ok(());
    }
    let Some((_, key)) = options
        .rules
        .prf_keys
        .iter()
        .find(|(id, _)| *id == rule.tag.id)
    else {
        return Ok(());
    };
    let mapping = format!("{},0x{:04X}", rule.tag.ty.name(), rule.tag.id);
    set(prf, changes, &service.mapping, key, &mapping)?;
    set_setting(prf, changes, &service.settings, key, text)
}

fn set_setting(
    prf: &mut PrfFile,
    changes: &mut Vec<Change>,
    section: &str,
    key: &str,
    text: &str,
) -> Result<(), Error> {
    // Passwords are carried, never set.
    if is_secret_key(key) {
        return Ok(());
    }
    set(prf, changes, section, key, text)
}

pub(super) fn convert(
    export: &[u8],
    options: &mut ConvertOptions<'_>,
) -> Result<Conversion, Error> {
    let mut prf = PrfFile::parse(export)?;
    let profile = prf.profile_name().unwrap_or_default().to_string();
    let mut entry = ProfilePlan {
        user: String::new(),
        root: String::new(),
        profile: profile.clone(),
        outcome: ProfileOutcome::OutOfScope,
        finish_later: Vec::new(),
    };
    let mut plan = Plan {
        kind: ExportKind::Prf,
        profiles: Vec::new(),
        changes: Vec::new(),
    };
    // A .prf belongs to no user: only the profile scope applies.
    let is_default = prf.default_profile() == Some(true);
    if !profile_in_scope(&options.profiles, &profile, is_default) {
        plan.profiles.push(entry);
        return Ok(Conversion {
            plan,
            converted: export.to_vec(),
            undo: export.to_vec(),
        });
    }
    let rules = options.rules;
    let all = services(&prf);
    let none = std::iter::empty::<&str>;
    let has_koff = all
        .iter()
        .any(|s| rules.koff.matches(Some(&s.name), None, none()));
    let koc: Vec<&PrfService> = all
        .iter()
        .filter(|s| {
            !rules.koff.matches(Some(&s.name), None, none())
                && rules.koc.matches(Some(&s.name), None, none())
        })
        .collect();
    let Some(first) = koc.first() else {
        entry.outcome = if has_koff {
            ProfileOutcome::AlreadyKoff
        } else {
            ProfileOutcome::NoKoc
        };
        plan.profiles.push(entry);
        return Ok(Conversion {
            plan,
            converted: export.to_vec(),
            undo: export.to_vec(),
        });
    };

    let role_of = |prf: &PrfFile, service: &PrfService, role: &str| -> Option<String> {
        let key = rules
            .prf_settings
            .iter()
            .find(|(r, _)| r.eq_ignore_ascii_case(role))
            .map(|(_, k)| k.clone())
            .or_else(|| {
                let id = rules.role_id(role)?;
                key_for_id(prf, &service.mapping, id).map(|(k, _)| k)
            })?;
        if is_secret_key(&key) {
            return None;
        }
        prf.get(&service.settings, &key)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let first_roles = |role: &str| role_of(&prf, first, role);
    let server = first_roles("Server");
    let query = ServerQuery {
        user: "",
        profile: &profile,
        server: server.as_deref(),
        port: first_roles("Port").and_then(|p| p.trim().parse().ok()),
        ssl: first_roles("SSL").and_then(|s| super::rules::parse_bool(&s)),
    };
    let unreachable = match check_server(options, &query) {
        Verdict::Blocked(reason) => {
            entry.outcome = ProfileOutcome::Blocked { reason };
            plan.profiles.push(entry);
            return Ok(Conversion {
                plan,
                converted: export.to_vec(),
                undo: export.to_vec(),
            });
        }
        Verdict::Unreachable(reason) => {
            entry.finish_later = finish_lines(rules, &profile, &reason, &first_roles);
            true
        }
        Verdict::Configured => false,
    };

    let mut changes = Vec::new();
    for service in koc.iter().copied() {
        // Values the rules compute from this service's settings, read
        // before any edit.
        let roles: Vec<(String, Option<String>)> = rules
            .settings
            .iter()
            .map(|s| (s.role.clone(), role_of(&prf, service, &s.role)))
            .collect();
        let role_value = |role: &str| {
            roles
                .iter()
                .find(|(r, _)| r == role)
                .and_then(|(_, v)| v.clone())
        };

        // The service's identity: its mapping section's ServiceName.
        let new_name = rules
            .service_sets
            .iter()
            .find(|s| s.tag.id == PropTag::PR_SERVICE_NAME)
            .and_then(|s| expand(&s.value, &profile, &role_value));
        if let Some(name) = new_name {
            set(
                &mut prf,
                &mut changes,
                &service.mapping,
                "ServiceName",
                &name,
            )?;
        }

        // Settings KOFF keeps under another id: their mapping lines move.
        for setting in rules.settings.iter().filter(|s| s.from != s.to) {
            if let Some((key, ty)) = key_for_id(&prf, &service.mapping, setting.from) {
                let moved = format!("{ty},0x{:04X}", setting.to);
                set(&mut prf, &mut changes, &service.mapping, &key, &moved)?;
            }
        }

        // The display name, unless the user chose one.
        if let Some(display) = rules
            .display_name
            .as_deref()
            .and_then(|d| expand(d, &profile, &role_value))
        {
            let default = prf
                .get(&service.settings, "DisplayName")
                .is_some_and(|current| rules.koc.is_default_display_name(current));
            if default {
                set(
                    &mut prf,
                    &mut changes,
                    &service.settings,
                    "DisplayName",
                    &display,
                )?;
            }
        }

        let sets = rules.service_sets.iter().chain(if unreachable {
            rules.unreachable_sets.iter()
        } else {
            [].iter()
        });
        for rule in sets {
            if let Some(text) = expand(&rule.value, &profile, &role_value) {
                apply_set(&mut prf, &mut changes, options, service, rule, &text)?;
            }
        }
    }
    tracing::debug!(profile = %profile, services = koc.len(), changes = changes.len(), "KOC .prf converted");
    entry.outcome = ProfileOutcome::Converted {
        server_configured: !unreachable,
    };
    plan.profiles.push(entry);
    plan.changes = changes;
    Ok(Conversion {
        plan,
        converted: prf.to_bytes(),
        undo: export.to_vec(),
    })
}
