//! The conversion of a `.reg` export: edits through olkit-regfile, which
//! rewrites only the lines it touches, and the undo export.

use std::collections::HashMap;

use olkit_regfile::{Encoding, ParseOptions, RegFile, RegType, Value};

use super::rules::{parse_bool, parse_hex, parse_long, PropSet};
use super::{
    check_server, expand, finish_lines, profile_in_scope, user_in_scope, Change, ChangeAction,
    Conversion, ConvertOptions, ExportKind, Plan, ProfileOutcome, ProfilePlan, ServerQuery,
    Verdict, SECRET_TEXT,
};
use crate::mapi::{string_to_windows_1252, utf16z, Hex, MapiValue, PropTag, PropType, Spelling};
use crate::profiles::{fold, NamedValue, Profile, Prop, Section, Values};
use crate::{Error, ProfileSet, Service};

/// One value edit: `new` `None` deletes it.
#[derive(Clone)]
struct Edit {
    key: String,
    name: String,
    old: Option<Value>,
    new: Option<Value>,
}

/// The edits of one profile and their plan lines.
#[derive(Default)]
struct Edits {
    edits: Vec<Edit>,
    changes: Vec<Change>,
}

impl Edits {
    fn push(&mut self, edit: Edit, shown: (Option<String>, Option<String>)) {
        let action = match (&edit.old, &edit.new) {
            (None, Some(_)) => ChangeAction::Add,
            (Some(_), None) => ChangeAction::Delete,
            _ => ChangeAction::Set,
        };
        self.changes.push(Change {
            key: edit.key.clone(),
            value: Some(edit.name.clone()),
            action,
            old: shown.0,
            new: shown.1,
        });
        self.edits.push(edit);
    }

    /// Whether a value of `key` is already being written (a rule must not
    /// undo what an earlier rule of the same run wrote).
    fn touches(&self, key: &str, name: &str) -> bool {
        self.edits
            .iter()
            .any(|e| fold(&e.key) == fold(key) && fold(&e.name) == fold(name))
    }
}

/// A property value as the plan shows it.
fn shown_prop(tag: PropTag, protected: bool, value: &Value) -> String {
    if protected || tag.is_secret() {
        return SECRET_TEXT.to_string();
    }
    match MapiValue::decode(tag, value) {
        Ok(decoded) => decoded.to_string(),
        Err(_) => Hex(value.data()).to_string(),
    }
}

/// A named (Account Manager) value as the plan shows it.
fn shown_named(name: &str, value: &Value) -> String {
    let named = NamedValue {
        name: name.to_string(),
        line: 0,
        raw: value.clone(),
    };
    if named.is_secret() {
        return SECRET_TEXT.to_string();
    }
    match value.ty() {
        RegType::SZ | RegType::EXPAND_SZ => named.text().map(|t| format!("{t:?}")),
        RegType::DWORD => named.dword().map(|n| format!("0x{n:08x}")),
        _ => None,
    }
    .unwrap_or_else(|| Hex(value.data()).to_string())
}

/// The MAPI value a rule's text gives for a property type; `None` when the
/// text does not read as that type.
fn typed_value(ty: PropType, text: &str) -> Option<MapiValue> {
    Some(match ty {
        PropType::PT_UNICODE => MapiValue::Unicode(text.to_string()),
        PropType::PT_STRING8 => MapiValue::String8(string_to_windows_1252(text)?),
        PropType::PT_LONG => MapiValue::Long(parse_long(text)?),
        PropType::PT_BOOLEAN => MapiValue::Boolean(parse_bool(text)?),
        PropType::PT_BINARY => MapiValue::Binary(parse_hex(text)?),
        _ => return None,
    })
}

fn is_string(ty: PropType) -> bool {
    ty == PropType::PT_UNICODE || ty == PropType::PT_STRING8
}

/// How a new property of the section is spelled: strings as `REG_SZ` when
/// the section already spells its strings so, else `REG_BINARY`.
fn new_spelling(section: &Section, ty: PropType) -> Spelling {
    let sz_strings = section
        .props
        .iter()
        .any(|p| is_string(p.tag.ty) && p.raw.ty() == RegType::SZ);
    if is_string(ty) && sz_strings {
        Spelling::String
    } else {
        Spelling::BINARY
    }
}

/// Writes `text` into every readable property of `section` with `tag`'s id
/// (any string type for a string tag), each in its own type and spelling;
/// adds `tag` when there is none (unless `only_if_present`).
fn set_prop(edits: &mut Edits, section: &Section, tag: PropTag, text: &str, only_if_present: bool) {
    let existing: Vec<&Prop> = section
        .props_with_id(tag.id)
        .filter(|p| !p.is_secret())
        .filter(|p| p.tag.ty == tag.ty || (is_string(tag.ty) && is_string(p.tag.ty)))
        .collect();
    if existing.is_empty() {
        if only_if_present || edits.touches(&section.key, &tag.to_string()) {
            return;
        }
        let Some(value) = typed_value(tag.ty, text) else {
            return;
        };
        let new = value.encode(new_spelling(section, tag.ty));
        let shown = value.to_string();
        edits.push(
            Edit {
                key: section.key.clone(),
                name: tag.to_string(),
                old: None,
                new: Some(new),
            },
            (None, Some(shown)),
        );
        return;
    }
    for prop in existing {
        if edits.touches(&section.key, &prop.name) {
            continue;
        }
        let Some(value) = typed_value(prop.tag.ty, text) else {
            continue;
        };
        let new = value.encode(MapiValue::spelling_of(prop.tag, &prop.raw));
        if new == prop.raw {
            continue;
        }
        edits.push(
            Edit {
                key: section.key.clone(),
                name: prop.name.clone(),
                old: Some(prop.raw.clone()),
                new: Some(new),
            },
            (
                Some(shown_prop(prop.tag, false, &prop.raw)),
                Some(value.to_string()),
            ),
        );
    }
}

/// A setting's value in a section, as text for placeholders and the probe.
fn role_text(section: &Section, id: u16) -> Option<String> {
    section
        .props_with_id(id)
        .filter(|p| !p.is_secret())
        .find_map(|p| match p.value().ok()? {
            MapiValue::Boolean(b) => Some(if b { "1" } else { "0" }.to_string()),
            MapiValue::Long(n) => Some(n.to_string()),
            MapiValue::Short(n) => Some(n.to_string()),
            other => other.as_text(),
        })
}

/// Applies the rules' sets to a section.
fn apply_sets(
    edits: &mut Edits,
    section: &Section,
    sets: &[PropSet],
    profile: &str,
    role_value: &dyn Fn(&str) -> Option<String>,
) {
    for set in sets {
        if let Some(text) = expand(&set.value, profile, role_value) {
            set_prop(edits, section, set.tag, &text, set.only_if_present);
        }
    }
}

/// The edits turning one KOC service (its section, providers and account)
/// into a KOFF one.
fn service_edits(
    edits: &mut Edits,
    options: &ConvertOptions<'_>,
    profile: &Profile,
    service: &Service,
    section: &Section,
    unreachable: bool,
) {
    let rules = options.rules;
    let role_value = |role: &str| rules.role_id(role).and_then(|id| role_text(section, id));

    // Settings KOFF keeps under another id move there, data as it was.
    for setting in rules.settings.iter().filter(|s| s.from != s.to) {
        let moving: Vec<&Prop> = section.props_with_id(setting.from).collect();
        for prop in moving {
            let tag = PropTag::new(setting.to, prop.tag.ty);
            let name = if prop.protected {
                format!("S{tag}")
            } else {
                tag.to_string()
            };
            let target = section
                .props
                .iter()
                .find(|p| p.tag == tag && p.protected == prop.protected);
            let shown = shown_prop(prop.tag, prop.protected, &prop.raw);
            match target {
                Some(target) if target.raw == prop.raw => {}
                Some(target) => edits.push(
                    Edit {
                        key: section.key.clone(),
                        name: target.name.clone(),
                        old: Some(target.raw.clone()),
                        new: Some(prop.raw.clone()),
                    },
                    (
                        Some(shown_prop(target.tag, target.protected, &target.raw)),
                        Some(shown.clone()),
                    ),
                ),
                None => edits.push(
                    Edit {
                        key: section.key.clone(),
                        name,
                        old: None,
                        new: Some(prop.raw.clone()),
                    },
                    (None, Some(shown.clone())),
                ),
            }
            edits.push(
                Edit {
                    key: section.key.clone(),
                    name: prop.name.clone(),
                    old: Some(prop.raw.clone()),
                    new: None,
                },
                (Some(shown), None),
            );
        }
    }

    // The service's display name, unless the user chose one.
    if let Some(display) = &rules.display_name {
        if let Some(display) = expand(display, &profile.name, &role_value) {
            let names: Vec<&Prop> = section
                .props_with_id(PropTag::PR_DISPLAY_NAME)
                .filter(|p| is_string(p.tag.ty))
                .collect();
            for prop in names {
                let default = match prop.text() {
                    Some(current) => rules.koc.is_default_display_name(&current),
                    None => rules.koc.display_names.is_empty(),
                };
                if default {
                    set_prop(edits, section, prop.tag, &display, true);
                }
            }
        }
    }

    apply_sets(
        edits,
        section,
        &rules.service_sets,
        &profile.name,
        &role_value,
    );
    if unreachable {
        apply_sets(
            edits,
            section,
            &rules.unreachable_sets,
            &profile.name,
            &role_value,
        );
    }
    for provider in &service.providers {
        let Some(provider) = provider.uid.and_then(|uid| profile.section(&uid)) else {
            continue;
        };
        apply_sets(
            edits,
            provider,
            &rules.provider_sets,
            &profile.name,
            &role_value,
        );
    }

    // The service's Account Manager account.
    if rules.account_sets.is_empty() {
        return;
    }
    let Some(manager) = profile.account_manager() else {
        return;
    };
    let accounts = manager.subkeys.iter().filter(|sub| {
        sub.named_value("Service UID").and_then(NamedValue::uid) == Some(section.uid)
    });
    for account in accounts {
        for set in &rules.account_sets {
            let Some(text) = expand(&set.value, &profile.name, &role_value) else {
                continue;
            };
            let existing = account.named_value(&set.name);
            let new = match existing.map(|v| v.raw.ty()) {
                Some(RegType::BINARY) => Value::binary(utf16z(&text)),
                Some(RegType::DWORD) => match parse_long(&text) {
                    Some(n) => Value::dword(u32::from_le_bytes(n.to_le_bytes())),
                    None => continue,
                },
                _ => Value::string(&text),
            };
            if existing.is_some_and(|v| v.raw == new) || edits.touches(&account.key, &set.name) {
                continue;
            }
            let name = existing.map_or_else(|| set.name.clone(), |v| v.name.clone());
            let shown_new = shown_named(&name, &new);
            edits.push(
                Edit {
                    key: account.key.clone(),
                    name: name.clone(),
                    old: existing.map(|v| v.raw.clone()),
                    new: Some(new),
                },
                (
                    existing.map(|v| shown_named(&name, &v.raw)),
                    Some(shown_new),
                ),
            );
        }
    }
}

/// Whether a graph service is KOC (and not KOFF), or KOFF.
fn classify(options: &ConvertOptions<'_>, service: &Service) -> (bool, bool) {
    let dlls = || service.providers.iter().filter_map(|p| p.dll.as_deref());
    let koff = options
        .rules
        .koff
        .matches(service.name.as_deref(), service.dll.as_deref(), dlls());
    let koc = !koff
        && options
            .rules
            .koc
            .matches(service.name.as_deref(), service.dll.as_deref(), dlls());
    (koc, koff)
}

/// Plans, and with `write` also gives the converted and undo exports
/// (without, both are empty).
pub(super) fn convert(
    export: &[u8],
    options: &mut ConvertOptions<'_>,
    write: bool,
) -> Result<Conversion, Error> {
    let parse = ParseOptions::new().lenient(true);
    let mut file = RegFile::parse_with(export, &parse)?;
    let set = ProfileSet::from_reg(&file)?;
    let mut plan = Plan {
        kind: ExportKind::Reg,
        profiles: Vec::new(),
        changes: Vec::new(),
    };
    let mut all_edits: Vec<Edit> = Vec::new();
    for (user, root, profile) in set.profiles() {
        let mut entry = ProfilePlan {
            user: user.hive.clone(),
            root: root.key.clone(),
            profile: profile.name.clone(),
            outcome: ProfileOutcome::OutOfScope,
            finish_later: Vec::new(),
        };
        if !user_in_scope(&options.users, &user.hive, user.sid.as_deref())
            || !profile_in_scope(&options.profiles, &profile.name, profile.is_default)
        {
            plan.profiles.push(entry);
            continue;
        }
        let services = profile.services();
        let mut koc: Vec<(&Service, &Section)> = Vec::new();
        let mut has_koff = false;
        for service in &services {
            let (is_koc, is_koff) = classify(options, service);
            has_koff |= is_koff;
            if is_koc {
                if let Some(section) = service.uid.and_then(|uid| profile.section(&uid)) {
                    koc.push((service, section));
                }
            }
        }
        let Some((_, first)) = koc.first() else {
            entry.outcome = if has_koff {
                ProfileOutcome::AlreadyKoff
            } else {
                ProfileOutcome::NoKoc
            };
            plan.profiles.push(entry);
            continue;
        };
        let rules = options.rules;
        let role_value = |role: &str| rules.role_id(role).and_then(|id| role_text(first, id));
        let server = role_value("Server");
        let query = ServerQuery {
            user: &user.hive,
            profile: &profile.name,
            server: server.as_deref(),
            port: role_value("Port").and_then(|p| p.trim().parse().ok()),
            ssl: role_value("SSL").and_then(|s| parse_bool(&s)),
        };
        let verdict = check_server(options, &query);
        let unreachable = match verdict {
            Verdict::Blocked(reason) => {
                entry.outcome = ProfileOutcome::Blocked { reason };
                plan.profiles.push(entry);
                continue;
            }
            Verdict::Unreachable(reason) => {
                entry.finish_later = finish_lines(rules, &profile.name, &reason, &role_value);
                true
            }
            Verdict::Configured => false,
        };
        let mut edits = Edits::default();
        for (service, section) in &koc {
            service_edits(&mut edits, options, profile, service, section, unreachable);
        }
        tracing::debug!(
            profile = %profile.name,
            services = koc.len(),
            changes = edits.changes.len(),
            "KOC profile converted"
        );
        entry.outcome = ProfileOutcome::Converted {
            server_configured: !unreachable,
        };
        plan.profiles.push(entry);
        plan.changes.extend(edits.changes);
        all_edits.extend(edits.edits);
    }

    if !write {
        return Ok(Conversion {
            plan,
            converted: Vec::new(),
            undo: Vec::new(),
        });
    }
    if all_edits.is_empty() {
        return Ok(Conversion {
            plan,
            converted: export.to_vec(),
            undo: undo_bytes(&file, &[])?,
        });
    }
    let undo = undo_bytes(&file, &all_edits)?;
    for edit in &all_edits {
        match &edit.new {
            Some(value) => file.set_value(&edit.key, &edit.name, value.clone())?,
            None => {
                file.delete_value(&edit.key, &edit.name)?;
            }
        }
    }
    Ok(Conversion {
        plan,
        converted: file.to_bytes(),
        undo,
    })
}

/// `"name"` as a `.reg` file quotes a value name.
fn quoted(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn encode(encoding: Encoding, text: &str) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(text.len() * 2 + 3);
    match encoding {
        Encoding::Utf16Le => {
            out.extend_from_slice(&[0xFF, 0xFE]);
            out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        }
        Encoding::Utf8Bom => {
            out.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
            out.extend_from_slice(text.as_bytes());
        }
        Encoding::Utf8 => out.extend_from_slice(text.as_bytes()),
        Encoding::Windows1252 => {
            let bytes = string_to_windows_1252(text).ok_or_else(|| Error::Convert {
                reason: "the undo file needs a character Windows-1252 lacks".to_string(),
            })?;
            out.extend_from_slice(&bytes);
        }
    }
    Ok(out)
}

/// A value the undo export restores: its name and old data (`None`: it
/// was added, and is deleted).
type Restore = (String, Option<Value>);

/// The undo export: in the original's format, encoding and line break, a
/// section per touched key restoring each value's first old data
/// (`"name"=-` for values the conversion added), written as regedit writes.
fn undo_bytes(original: &RegFile, edits: &[Edit]) -> Result<Vec<u8>, Error> {
    let eol = original.line_ending().as_str();
    // Per key, in the order first touched: each value once, with its data
    // before the first edit.
    let mut keys: Vec<(String, Vec<Restore>)> = Vec::new();
    let mut key_at: HashMap<String, usize> = HashMap::new();
    for edit in edits {
        let at = *key_at.entry(fold(&edit.key)).or_insert_with(|| {
            keys.push((edit.key.clone(), Vec::new()));
            keys.len().saturating_sub(1)
        });
        if let Some((_, values)) = keys.get_mut(at) {
            if !values.iter().any(|(n, _)| fold(n) == fold(&edit.name)) {
                values.push((edit.name.clone(), edit.old.clone()));
            }
        }
    }
    let mut text = String::new();
    text.push_str(original.format().header());
    text.push_str(eol);
    for (key, values) in &keys {
        text.push_str(eol);
        text.push('[');
        text.push_str(key);
        text.push(']');
        text.push_str(eol);
        // Placeholders: set_value below rewrites those that restore data.
        for (name, _) in values {
            text.push_str(&quoted(name));
            text.push_str("=-");
            text.push_str(eol);
        }
    }
    if !keys.is_empty() {
        text.push_str(eol);
    }
    let bytes = encode(original.encoding(), &text)?;
    let mut undo = RegFile::parse(&bytes)?;
    for (key, values) in &keys {
        for (name, old) in values {
            if let Some(old) = old {
                undo.set_value(key, name, old.clone())?;
            }
        }
    }
    Ok(undo.to_bytes())
}
