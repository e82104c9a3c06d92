//! The conversion rules: what makes a message service KOC or KOFF and how a
//! KOC service becomes a KOFF one. They are data (an INI file, read with
//! the crate's own `.prf` reader), documented in `docs/profile-rules.md`,
//! because the vendor never published them: the built-in file holds our
//! best knowledge and a caller can replace it.

use std::fmt;

use crate::mapi::{PropTag, PropType};
use crate::prf::{is_secret_key, PrfFile};
use crate::Error;

/// The built-in rules (`rules/koc-to-koff.ini`): our best knowledge of the
/// KOC and KOFF identifiers, which Kerio never published.
pub const BUILTIN_RULES: &str = include_str!("../../rules/koc-to-koff.ini");

/// The largest rules file accepted.
const MAX_RULES_BYTES: usize = 1 << 20;

/// Parsed conversion rules ([`Rules::builtin`], or a caller's file through
/// [`Rules::parse`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Rules {
    pub(crate) min_version: Vec<u64>,
    pub(crate) min_version_text: String,
    pub(crate) koc: Recognize,
    pub(crate) koff: Recognize,
    pub(crate) display_name: Option<String>,
    pub(crate) service_sets: Vec<PropSet>,
    pub(crate) provider_sets: Vec<PropSet>,
    pub(crate) settings: Vec<Setting>,
    pub(crate) account_sets: Vec<NamedSet>,
    pub(crate) unreachable_sets: Vec<PropSet>,
    pub(crate) finish: Vec<String>,
    pub(crate) prf_settings: Vec<(String, String)>,
    pub(crate) prf_keys: Vec<(u16, String)>,
}

impl fmt::Debug for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rules")
            .field("min_version", &self.min_version_text)
            .field("koc", &self.koc)
            .field("koff", &self.koff)
            .finish_non_exhaustive()
    }
}

/// How a service is recognised (any match counts; names compare without
/// regard to case).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Recognize {
    pub(crate) service_names: Vec<String>,
    pub(crate) service_dlls: Vec<String>,
    pub(crate) provider_dlls: Vec<String>,
    pub(crate) display_names: Vec<String>,
}

/// A property a rule writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PropSet {
    pub(crate) tag: PropTag,
    /// The text, with `{profile}` and `{Role}` placeholders.
    pub(crate) value: String,
    /// `Replace.`: only where the section has the property already.
    pub(crate) only_if_present: bool,
}

/// A named (Account Manager) value a rule writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NamedSet {
    pub(crate) name: String,
    pub(crate) value: String,
}

/// A setting the conversion carries over (or moves), by role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Setting {
    pub(crate) role: String,
    pub(crate) from: u16,
    pub(crate) to: u16,
}

fn bad(line: usize, reason: impl Into<String>) -> Error {
    Error::Rules {
        line,
        reason: reason.into(),
    }
}

/// Reads `6602` or `0x6602` as a property id.
fn prop_id(text: &str) -> Option<u16> {
    let text = text.trim();
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if hex.is_empty() || hex.len() > 4 {
        return None;
    }
    u16::from_str_radix(hex, 16).ok()
}

/// The dotted numbers of a version (`7.4.1`, `6.5.0 build 123`, `v6.5`),
/// or `None` when it starts with none.
pub(crate) fn version_numbers(text: &str) -> Option<Vec<u64>> {
    let text = text.trim();
    let text = text
        .strip_prefix('v')
        .or_else(|| text.strip_prefix('V'))
        .unwrap_or(text);
    let first = text.split_whitespace().next()?;
    let mut numbers = Vec::new();
    for part in first.split(['.', '-', '+']) {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            break;
        }
        numbers.push(digits.parse::<u64>().ok()?);
        if digits.len() != part.len() || numbers.len() == 4 {
            break;
        }
    }
    (!numbers.is_empty()).then_some(numbers)
}

/// Compares versions as semver does, missing parts read as 0 (`6.5` is
/// `6.5.0`); a fourth part (a build) breaks ties.
pub(crate) fn version_at_least(version: &[u64], minimum: &[u64]) -> bool {
    let part = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    let semver = |v: &[u64]| semver::Version::new(part(v, 0), part(v, 1), part(v, 2));
    match semver(version).cmp(&semver(minimum)) {
        std::cmp::Ordering::Equal => part(version, 3) >= part(minimum, 3),
        other => other.is_gt(),
    }
}

/// The placeholders a value may hold: `{profile}` and the roles of `[Settings]`.
fn check_placeholders(text: &str, roles: &[String], line: usize) -> Result<(), Error> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = rest.get(open + 1..).unwrap_or_default();
        let close = after
            .find('}')
            .ok_or_else(|| bad(line, "a '{' without its '}'"))?;
        let name = after.get(..close).unwrap_or_default();
        if name != "profile" && !roles.iter().any(|r| r == name) {
            return Err(bad(
                line,
                format!("unknown placeholder {{{name}}}: use {{profile}} or a role of [Settings]"),
            ));
        }
        rest = after.get(close + 1..).unwrap_or_default();
    }
    Ok(())
}

/// Checks that a Set value can be written as its tag's type.
fn check_value_type(tag: PropTag, value: &str, line: usize) -> Result<(), Error> {
    let ok = match tag.ty {
        PropType::PT_STRING8 | PropType::PT_UNICODE => true,
        PropType::PT_LONG => parse_long(value).is_some() || value.contains('{'),
        PropType::PT_BOOLEAN => parse_bool(value).is_some() || value.contains('{'),
        PropType::PT_BINARY => parse_hex(value).is_some(),
        _ => {
            return Err(bad(
                line,
                format!(
                    "{}: only PT_STRING8, PT_UNICODE, PT_LONG, PT_BOOLEAN and PT_BINARY can be set",
                    tag.ty
                ),
            ))
        }
    };
    if tag.is_secret() {
        return Err(bad(
            line,
            "password properties (0x67F0-0x67FF) are carried, never set",
        ));
    }
    if ok {
        Ok(())
    } else {
        Err(bad(line, format!("{value:?} is not a {}", tag.ty)))
    }
}

/// A PT_LONG in decimal or `0x` hex.
pub(crate) fn parse_long(text: &str) -> Option<i32> {
    let text = text.trim();
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16)
            .ok()
            .map(|n| i32::from_le_bytes(n.to_le_bytes())),
        None => text.parse().ok(),
    }
}

/// A PT_BOOLEAN: 1/0, true/false, yes/no.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Some(true),
        "0" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// Hex bytes, optionally separated by blanks or commas.
pub(crate) fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let hi = pair.first()?.to_digit(16)?;
            let lo = pair.get(1)?.to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

const SECTIONS: [&str; 9] = [
    "Rules",
    "Recognize KOC",
    "Recognize KOFF",
    "KOFF Service",
    "KOFF Providers",
    "KOFF Account",
    "Settings",
    "Server Unreachable",
    "Prf",
];

impl Rules {
    /// The built-in rules ([`BUILTIN_RULES`]).
    pub fn builtin() -> Rules {
        // The built-in file is tested to parse; should it ever not, an
        // empty rule set converts nothing rather than panicking.
        Rules::parse(BUILTIN_RULES.as_bytes()).unwrap_or_else(|_| Rules::empty())
    }

    fn empty() -> Rules {
        Rules {
            min_version: vec![6, 5, 0],
            min_version_text: "6.5.0".to_string(),
            koc: Recognize::default(),
            koff: Recognize::default(),
            display_name: None,
            service_sets: Vec::new(),
            provider_sets: Vec::new(),
            settings: Vec::new(),
            account_sets: Vec::new(),
            unreachable_sets: Vec::new(),
            finish: Vec::new(),
            prf_settings: Vec::new(),
            prf_keys: Vec::new(),
        }
    }

    /// Reads a rules file (INI text in Windows-1252, UTF-8 or UTF-16LE, as
    /// `docs/profile-rules.md` describes). Anything it does not know is an
    /// [`Error::Rules`] with the line: an unknown section or key, a
    /// malformed property tag, id, version or value, an unknown
    /// placeholder, no `[Recognize KOC]` criterion.
    pub fn parse(text: &[u8]) -> Result<Rules, Error> {
        if text.len() > MAX_RULES_BYTES {
            return Err(Error::TooLarge {
                what: "a rules file (bytes)",
                limit: MAX_RULES_BYTES as u64,
            });
        }
        let ini = PrfFile::parse(text).map_err(|e| match e {
            Error::Prf { line, reason } => bad(line, reason),
            other => bad(0, other.to_string()),
        })?;
        let mut rules = Rules::empty();
        let mut seen: Vec<String> = Vec::new();
        for name in ini.sections() {
            let line = ini.section_line(name).unwrap_or(0);
            let Some(known) = SECTIONS.iter().find(|s| s.eq_ignore_ascii_case(name)) else {
                return Err(bad(
                    line,
                    format!("unknown section [{name}] (known: {})", SECTIONS.join(", ")),
                ));
            };
            if seen.iter().any(|s| s == known) {
                return Err(bad(line, format!("section [{name}] appears twice")));
            }
            seen.push((*known).to_string());
        }
        let has = |section: &str| seen.iter().any(|s| s == section);
        if !has("Rules") {
            return Err(bad(1, "the [Rules] section (Format=1) is missing"));
        }

        // Roles first: other sections' placeholders name them.
        for entry in ini.entries("Settings") {
            let (from, to) = match entry.value.split_once("->") {
                Some((from, to)) => (prop_id(from), prop_id(to)),
                None => (prop_id(entry.value), prop_id(entry.value)),
            };
            let (Some(from), Some(to)) = (from, to) else {
                return Err(bad(
                    entry.line,
                    format!(
                        "{}: {:?} is not a property id (6602) or a move (6600->6602)",
                        entry.key, entry.value
                    ),
                ));
            };
            if entry.key.contains(['{', '}', '.']) {
                return Err(bad(entry.line, "a role name cannot hold '{', '}' or '.'"));
            }
            if rules.settings.iter().any(|s| s.role == entry.key) {
                return Err(bad(entry.line, format!("role {} given twice", entry.key)));
            }
            rules.settings.push(Setting {
                role: entry.key.to_string(),
                from,
                to,
            });
        }
        let roles: Vec<String> = rules.settings.iter().map(|s| s.role.clone()).collect();

        let mut format_seen = false;
        for entry in ini.entries("Rules") {
            match entry.key.to_ascii_lowercase().as_str() {
                "format" => {
                    if entry.value != "1" {
                        return Err(bad(
                            entry.line,
                            format!(
                                "Format={} is not known; this reader reads Format=1",
                                entry.value
                            ),
                        ));
                    }
                    format_seen = true;
                }
                "minimumserverversion" => {
                    rules.min_version = version_numbers(entry.value).ok_or_else(|| {
                        bad(entry.line, format!("{:?} is not a version", entry.value))
                    })?;
                    rules.min_version_text = entry.value.to_string();
                }
                _ => return Err(unknown_key(&entry, "Rules")),
            }
        }
        if !format_seen {
            let line = ini.section_line("Rules").unwrap_or(1);
            return Err(bad(line, "[Rules] lacks Format=1"));
        }

        for (section, target) in [("Recognize KOC", true), ("Recognize KOFF", false)] {
            let recognize = if target {
                &mut rules.koc
            } else {
                &mut rules.koff
            };
            for entry in ini.entries(section) {
                let list = match entry.key.to_ascii_lowercase().as_str() {
                    "servicename" => &mut recognize.service_names,
                    "servicedll" => &mut recognize.service_dlls,
                    "providerdll" => &mut recognize.provider_dlls,
                    "displayname" => &mut recognize.display_names,
                    _ => return Err(unknown_key(&entry, section)),
                };
                if entry.value.is_empty() {
                    return Err(bad(entry.line, format!("{} is empty", entry.key)));
                }
                list.push(entry.value.to_string());
            }
        }
        if rules.koc.service_names.is_empty()
            && rules.koc.service_dlls.is_empty()
            && rules.koc.provider_dlls.is_empty()
        {
            let line = ini.section_line("Recognize KOC").unwrap_or(1);
            return Err(bad(
                line,
                "[Recognize KOC] needs a ServiceName, ServiceDll or ProviderDll",
            ));
        }

        for entry in ini.entries("KOFF Service") {
            if entry.key.eq_ignore_ascii_case("DisplayName") {
                check_placeholders(entry.value, &roles, entry.line)?;
                rules.display_name = Some(entry.value.to_string());
            } else {
                rules
                    .service_sets
                    .push(prop_set(&entry, &roles, "KOFF Service")?);
            }
        }
        for entry in ini.entries("KOFF Providers") {
            rules
                .provider_sets
                .push(prop_set(&entry, &roles, "KOFF Providers")?);
        }
        for entry in ini.entries("KOFF Account") {
            let Some(name) = strip_prefix_ci(entry.key, "Set.") else {
                return Err(unknown_key(&entry, "KOFF Account"));
            };
            if name.is_empty() || is_secret_key(name) {
                return Err(bad(
                    entry.line,
                    "an account value to set needs a name, and passwords are never set",
                ));
            }
            check_placeholders(entry.value, &roles, entry.line)?;
            rules.account_sets.push(NamedSet {
                name: name.to_string(),
                value: entry.value.to_string(),
            });
        }
        for entry in ini.entries("Server Unreachable") {
            if entry.key.eq_ignore_ascii_case("Finish") {
                check_placeholders(entry.value, &roles, entry.line)?;
                rules.finish.push(entry.value.to_string());
            } else {
                rules
                    .unreachable_sets
                    .push(prop_set(&entry, &roles, "Server Unreachable")?);
            }
        }
        for entry in ini.entries("Prf") {
            if let Some(id) = strip_prefix_ci(entry.key, "Key.") {
                let id = prop_id(id).ok_or_else(|| {
                    bad(entry.line, format!("{:?} is not a property id", entry.key))
                })?;
                if entry.value.is_empty() || entry.value.contains(['=', '[', ']']) {
                    return Err(bad(
                        entry.line,
                        "a .prf key name cannot be empty or hold = [ ]",
                    ));
                }
                rules.prf_keys.push((id, entry.value.to_string()));
            } else if roles.iter().any(|r| r.eq_ignore_ascii_case(entry.key)) {
                rules
                    .prf_settings
                    .push((entry.key.to_string(), entry.value.to_string()));
            } else {
                return Err(bad(
                    entry.line,
                    format!(
                        "[Prf] {}: neither Key.<id> nor a role of [Settings]",
                        entry.key
                    ),
                ));
            }
        }
        Ok(rules)
    }

    /// The minimum Kerio MailServer version, as the rules spell it.
    pub fn minimum_server_version(&self) -> &str {
        &self.min_version_text
    }

    /// The id a role's setting is read from in a KOC service.
    pub(crate) fn role_id(&self, role: &str) -> Option<u16> {
        self.settings
            .iter()
            .find(|s| s.role.eq_ignore_ascii_case(role))
            .map(|s| s.from)
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

fn unknown_key(entry: &crate::PrfEntry<'_>, section: &str) -> Error {
    bad(
        entry.line,
        format!("unknown key {} in [{section}]", entry.key),
    )
}

fn prop_set(
    entry: &crate::PrfEntry<'_>,
    roles: &[String],
    section: &str,
) -> Result<PropSet, Error> {
    let (tag, only_if_present) = if let Some(tag) = strip_prefix_ci(entry.key, "Set.") {
        (tag, false)
    } else if let Some(tag) = strip_prefix_ci(entry.key, "Replace.") {
        (tag, true)
    } else {
        return Err(unknown_key(entry, section));
    };
    let tag = PropTag::parse(tag).ok_or_else(|| {
        bad(
            entry.line,
            format!("{tag:?} is not a property tag (8 hex digits, type first: 001f3001)"),
        )
    })?;
    check_placeholders(entry.value, roles, entry.line)?;
    check_value_type(tag, entry.value, entry.line)?;
    Ok(PropSet {
        tag,
        value: entry.value.to_string(),
        only_if_present,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_parses() {
        let rules = Rules::parse(BUILTIN_RULES.as_bytes()).unwrap();
        assert_eq!(rules.min_version, vec![6, 5, 0]);
        assert_eq!(rules.koc.service_names, ["KERIO_KOC"]);
        assert_eq!(rules.role_id("server"), Some(0x6602));
        assert_eq!(Rules::builtin(), rules);
    }

    #[test]
    fn versions() {
        assert_eq!(version_numbers("7.4.1"), Some(vec![7, 4, 1]));
        assert_eq!(version_numbers("6.5 build 12"), Some(vec![6, 5]));
        assert_eq!(version_numbers("v6.5.0-beta"), Some(vec![6, 5, 0]));
        assert_eq!(version_numbers("x"), None);
        assert!(version_at_least(&[6, 5], &[6, 5, 0]));
        assert!(version_at_least(&[10, 0], &[6, 5, 0]));
        assert!(!version_at_least(&[6, 4, 99], &[6, 5, 0]));
    }
}
