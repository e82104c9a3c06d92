//! The service and account view of a `.prf` file.
//!
//! `[Service List]` names each service's mapping section
//! (`Service1=Microsoft Exchange Server`); that section's `ServiceName`
//! is the MAPISVC.INF name (`MSEMS`). `[Internet Account List]` names each
//! account's mapping section (`Account1=I_Mail`), whose `AccountType` says
//! POP3 or IMAP. The settings themselves are in `[ServiceN]` and
//! `[AccountN]`, named by the list's keys.

use std::collections::{HashMap, HashSet};

use super::text::LineKind;
use super::{folded, same_name, PrfEntry, PrfFile};
use crate::{Account, AccountClass, Location, Service};

/// Sections that `[Service List]` names but that are fixed profile
/// sections, not message services: the Outlook client section
/// (`ServiceX`) and the Exchange global section (`ServiceEGS`).
const FIXED_SECTIONS: [&str; 2] = ["Microsoft Outlook Client", "Exchange Global Section"];

impl PrfFile {
    /// `[General] ProfileName`.
    pub fn profile_name(&self) -> Option<&str> {
        self.get("General", "ProfileName")
    }

    /// `[General] DefaultProfile`: whether the profile becomes the default
    /// one (`Yes`/`No`, also `true`/`false`, `1`/`0`); `None` when absent
    /// or not readable.
    pub fn default_profile(&self) -> Option<bool> {
        let value = self.get("General", "DefaultProfile")?;
        match value.to_ascii_lowercase().as_str() {
            "yes" | "true" | "1" => Some(true),
            "no" | "false" | "0" => Some(false),
            _ => None,
        }
    }

    /// The message services of `[Service List]`, in its order (the first
    /// of duplicate keys). The fixed
    /// profile sections it also names (`Microsoft Outlook Client`,
    /// `Exchange Global Section`, or any mapping section with a
    /// `SectionGUID`) are not services and are left out. The name is the
    /// mapping section's `ServiceName`, else the list's value; the display
    /// name is `[ServiceN]`'s `DisplayName`, else its `Name` (what the
    /// Office Customization Tool writes for a PST).
    pub fn services(&self) -> Vec<Service> {
        let index = Index::new(self);
        listed_services(self, &index)
            .into_iter()
            .map(|listed| Service {
                uid: None,
                name: Some(listed.name.to_owned()),
                display_name: index
                    .get(listed.settings, "DisplayName")
                    .or_else(|| index.get(listed.settings, "Name"))
                    .map(str::to_owned),
                dll: None,
                providers: Vec::new(),
                location: Location::Prf {
                    section: listed.settings.to_owned(),
                },
            })
            .collect()
    }

    /// The message services of `[Service List]` as [`PrfFile::services`]
    /// finds them, with the sections the conversion edits.
    pub(crate) fn listed_services(&self) -> Vec<ListedService<'_>> {
        listed_services(self, &Index::new(self))
    }

    /// The accounts of `[Internet Account List]`, in its order (the first
    /// of duplicate keys). The class
    /// is the mapping section's `AccountType` (`POP3` or `POP`, `IMAP`,
    /// `LDAP`; another text is kept as [`AccountClass::Other`]); without
    /// one, it is read from `[AccountN]`'s keys (`IMAPServer`,
    /// `POP3Server`). Server and user are the keys of that class.
    pub fn accounts(&self) -> Vec<Account> {
        let index = Index::new(self);
        first_of_each_key(self.entries("Internet Account List"))
            .into_iter()
            .map(|item| {
                let settings = item.key;
                let class = match index.get(item.value, "AccountType") {
                    Some(kind) => class_of(kind),
                    None if index.get(settings, "IMAPServer").is_some() => AccountClass::Imap,
                    None if index.get(settings, "POP3Server").is_some() => AccountClass::Pop3,
                    None => AccountClass::Other(item.value.to_owned()),
                };
                let (server_key, user_key) = match class {
                    AccountClass::Imap => ("IMAPServer", "IMAPUserName"),
                    AccountClass::Pop3 => ("POP3Server", "POP3UserName"),
                    _ => ("ServerName", "UserName"),
                };
                let text = |key: &str| index.get(settings, key).map(str::to_owned);
                Account {
                    id: settings.to_owned(),
                    name: text("AccountName"),
                    class,
                    service_uid: None,
                    email: text("EmailAddress"),
                    server: text(server_key),
                    user: text(user_key),
                    location: Location::Prf {
                        section: settings.to_owned(),
                    },
                }
            })
            .collect()
    }
}

/// A message service `[Service List]` names.
pub(crate) struct ListedService<'a> {
    /// The `[ServiceN]` section holding its settings (the list's key).
    pub(crate) settings: &'a str,
    /// Its mapping section (the list's value).
    pub(crate) mapping: &'a str,
    /// The mapping section's `ServiceName`, else the list's value.
    pub(crate) name: &'a str,
}

/// The services of `[Service List]`, in its order (the first of duplicate
/// keys), without the fixed profile sections it also names.
fn listed_services<'a>(prf: &'a PrfFile, index: &Index<'a>) -> Vec<ListedService<'a>> {
    first_of_each_key(prf.entries("Service List"))
        .into_iter()
        .filter(|item| {
            !FIXED_SECTIONS.iter().any(|f| same_name(f, item.value))
                && index.get(item.value, "SectionGUID").is_none()
        })
        .map(|item| ListedService {
            settings: item.key,
            mapping: item.value,
            name: index.get(item.value, "ServiceName").unwrap_or(item.value),
        })
        .collect()
}

/// Windows reads a key's first occurrence only: later duplicates
/// (`Service1=` twice) are not in the list.
fn first_of_each_key(entries: Vec<PrfEntry<'_>>) -> Vec<PrfEntry<'_>> {
    let mut seen = HashSet::new();
    entries
        .into_iter()
        .filter(|e| seen.insert(folded(e.key)))
        .collect()
}

/// Each section's first occurrence and, in it, each key's first value, by
/// folded names: the view looks many names up, and a file of many
/// sections must not be scanned once per lookup.
struct Index<'a> {
    sections: HashMap<String, HashMap<String, &'a str>>,
}

impl<'a> Index<'a> {
    fn new(prf: &'a PrfFile) -> Index<'a> {
        let mut sections: HashMap<String, HashMap<String, &'a str>> = HashMap::new();
        let mut current: Option<String> = None;
        for line in &prf.lines {
            match &line.kind {
                LineKind::Section { name } => {
                    let name = folded(name);
                    current = if sections.contains_key(&name) {
                        None
                    } else {
                        sections.insert(name.clone(), HashMap::new());
                        Some(name)
                    };
                }
                LineKind::Entry { key, value, .. } => {
                    if let Some(keys) = current.as_ref().and_then(|c| sections.get_mut(c)) {
                        keys.entry(folded(key)).or_insert(value.as_str());
                    }
                }
                _ => {}
            }
        }
        Index { sections }
    }

    fn get(&self, section: &str, key: &str) -> Option<&'a str> {
        self.sections
            .get(&folded(section))?
            .get(&folded(key))
            .copied()
    }
}

fn class_of(account_type: &str) -> AccountClass {
    match account_type.to_ascii_uppercase().as_str() {
        "POP3" | "POP" => AccountClass::Pop3,
        "IMAP" => AccountClass::Imap,
        "LDAP" => AccountClass::Ldap,
        _ => AccountClass::Other(account_type.to_owned()),
    }
}
