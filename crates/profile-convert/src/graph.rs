//! The graph of a profile: message services and their provider sections,
//! the profile-wide provider and service lists, the Account Manager's
//! accounts and their order, the default store; and its validation.
//!
//! What the layout rests on (sources; the registry layout of profiles is
//! not documented by Microsoft as a format, so parts are observed
//! convention):
//! - PR_SERVICE_UID (0x3D0C) on a provider section names the service it
//!   belongs to ("MAPI uses it to group all the providers that belong to
//!   the same message service", Microsoft's PidTagServiceUid page).
//!   PR_SERVICES (0x3D0E), PR_STORE_PROVIDERS (0x3D00), PR_AB_PROVIDERS
//!   (0x3D01) and PR_TRANSPORT_PROVIDERS (0x3D02) are lists of UIDs,
//!   16 bytes each ("reserved for use by MAPI" per their pages); the
//!   profile-wide lists sit in section `9207f3e0a3b11019908b08002b2a56c2`
//!   and a service section may list its own providers the same way
//!   (observed in public administration scripts that add an LDAP address
//!   book by appending UIDs to exactly these values).
//! - PR_RESOURCE_TYPE (0x3E03): 33 store, 35 address book, 36 transport
//!   provider (mapidefs.h: MAPI_STORE_PROVIDER, MAPI_AB_PROVIDER,
//!   MAPI_TRANSPORT_PROVIDER). PR_RESOURCE_FLAGS (0x3009) of a store
//!   provider: STATUS_DEFAULT_STORE = 0x2.
//! - The default store: the UID in PR_... `01023d15` of section
//!   `0a0d020000000000c000000000000046` (Outlook's own section), as public
//!   scripts read it to find the default data file.
//! - The Account Manager key `9375CFF0413111d3B88A00104B2A6676`: accounts
//!   are its subkeys named by 8 hex digits; their "clsid" is one of the
//!   Account Management API's classes (actMgmt.h: POP3
//!   `{ED475411-...}`, IMAP `{ED475412-...}`, MAPI `{ED475414-...}`, LDAP
//!   `{4DB5CBF2-3B77-4852-BC8E-BB81908861F3}`); "Service UID" binds a MAPI
//!   account to its service; the values `{ED475418-...}` (mail),
//!   `{ED475419-...}` (address books) and `{ED475420-...}` (stores) of the
//!   key list account ids in order, 4 bytes little-endian each.

use std::collections::HashSet;
use std::fmt;

use crate::mapi::PropTag;
use crate::profiles::{Profile, Section, SubKey, ValueRef, Values};
use crate::{Account, AccountClass, Location, Provider, ProviderKind, Service, Uid};

/// The profile-wide section holding the service and provider lists.
pub const GLOBAL_SECTION: Uid = Uid([
    0x92, 0x07, 0xf3, 0xe0, 0xa3, 0xb1, 0x10, 0x19, 0x90, 0x8b, 0x08, 0x00, 0x2b, 0x2a, 0x56, 0xc2,
]);
/// Outlook's own section, holding the default store (`01023d15`).
pub const OUTLOOK_SECTION: Uid = Uid([
    0x0a, 0x0d, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
]);
/// The Account Manager's key.
pub const ACCOUNT_MANAGER: Uid = Uid([
    0x93, 0x75, 0xcf, 0xf0, 0x41, 0x31, 0x11, 0xd3, 0xb8, 0x8a, 0x00, 0x10, 0x4b, 0x2a, 0x66, 0x76,
]);

/// The default store's UID in Outlook's section.
const DEFAULT_STORE_PROP: u16 = 0x3D15;

const MAPI_STORE_PROVIDER: i32 = 33;
const MAPI_AB_PROVIDER: i32 = 35;
const MAPI_TRANSPORT_PROVIDER: i32 = 36;
const STATUS_DEFAULT_STORE: i32 = 0x2;

const CLSID_POP3: &str = "{ED475411-B0D6-11D2-8C3B-00104B2A6676}";
const CLSID_IMAP: &str = "{ED475412-B0D6-11D2-8C3B-00104B2A6676}";
const CLSID_MAPI: &str = "{ED475414-B0D6-11D2-8C3B-00104B2A6676}";
const CLSID_LDAP: &str = "{4DB5CBF2-3B77-4852-BC8E-BB81908861F3}";

/// A UID list of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum ProfileList {
    /// PR_SERVICES (0x3D0E).
    Services,
    /// PR_STORE_PROVIDERS (0x3D00).
    StoreProviders,
    /// PR_AB_PROVIDERS (0x3D01).
    AbProviders,
    /// PR_TRANSPORT_PROVIDERS (0x3D02).
    TransportProviders,
}

impl ProfileList {
    const ALL: [ProfileList; 4] = [
        ProfileList::Services,
        ProfileList::StoreProviders,
        ProfileList::AbProviders,
        ProfileList::TransportProviders,
    ];

    /// The property id.
    pub fn prop_id(self) -> u16 {
        match self {
            ProfileList::Services => PropTag::PR_SERVICES,
            ProfileList::StoreProviders => PropTag::PR_STORE_PROVIDERS,
            ProfileList::AbProviders => PropTag::PR_AB_PROVIDERS,
            ProfileList::TransportProviders => PropTag::PR_TRANSPORT_PROVIDERS,
        }
    }

    /// The MAPI name.
    pub fn name(self) -> &'static str {
        match self {
            ProfileList::Services => "PR_SERVICES",
            ProfileList::StoreProviders => "PR_STORE_PROVIDERS",
            ProfileList::AbProviders => "PR_AB_PROVIDERS",
            ProfileList::TransportProviders => "PR_TRANSPORT_PROVIDERS",
        }
    }

    fn provider_kind(self) -> Option<ProviderKind> {
        match self {
            ProfileList::Services => None,
            ProfileList::StoreProviders => Some(ProviderKind::Store),
            ProfileList::AbProviders => Some(ProviderKind::AddressBook),
            ProfileList::TransportProviders => Some(ProviderKind::Transport),
        }
    }
}

/// One of the Account Manager's order lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum OrderList {
    /// `{ED475418-B0D6-11D2-8C3B-00104B2A6676}`: mail accounts.
    Mail,
    /// `{ED475419-B0D6-11D2-8C3B-00104B2A6676}`: address books.
    AddressBook,
    /// `{ED475420-B0D6-11D2-8C3B-00104B2A6676}`: stores.
    Store,
}

impl OrderList {
    /// The list for a value name of the Account Manager key.
    pub fn from_value_name(name: &str) -> Option<OrderList> {
        let upper = name.to_ascii_uppercase();
        match upper.as_str() {
            "{ED475418-B0D6-11D2-8C3B-00104B2A6676}" => Some(OrderList::Mail),
            "{ED475419-B0D6-11D2-8C3B-00104B2A6676}" => Some(OrderList::AddressBook),
            "{ED475420-B0D6-11D2-8C3B-00104B2A6676}" => Some(OrderList::Store),
            _ => None,
        }
    }
}

/// An order list of the Account Manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountOrder {
    /// Which list.
    pub list: OrderList,
    /// Where it was read.
    pub at: ValueRef,
    /// The account ids in order (`00000001` is 1); `None` when the value
    /// is not a list of 4-byte ids.
    pub ids: Option<Vec<u32>>,
}

/// The default store as Outlook records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultStore {
    /// The UIDs in the value (one when it is well formed).
    pub uids: Vec<Uid>,
    /// Where it was read.
    pub at: ValueRef,
}

/// A problem in a profile's graph, with the key (and value) it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Issue {
    /// What is wrong.
    pub kind: IssueKind,
    /// The key it is in.
    pub key: String,
    /// The value, when one value is concerned.
    pub value: Option<String>,
    /// The value's (or else the key's) line; 0 when it has none.
    pub line: usize,
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(tag = "kind", rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum IssueKind {
    /// PR_STORE_PROVIDERS names a UID that has no section.
    StoreWithoutSection {
        /// The missing section.
        uid: Uid,
    },
    /// Another UID list names a UID that has no section.
    DanglingListEntry {
        /// Which list.
        list: ProfileList,
        /// The missing section.
        uid: Uid,
    },
    /// A section's PR_SERVICE_UID names no section.
    DanglingServiceUid {
        /// The missing service section.
        uid: Uid,
    },
    /// The default store names no section.
    DefaultStoreWithoutSection {
        /// The missing section.
        uid: Uid,
    },
    /// More than one default store: several store providers flagged
    /// STATUS_DEFAULT_STORE, or several UIDs in the default store value.
    TwoDefaultStores {
        /// The stores claiming it.
        uids: Vec<Uid>,
    },
    /// An account's "Service UID" names no service of the profile.
    AccountOfUnknownService {
        /// The account id.
        account: String,
        /// The missing service.
        uid: Uid,
    },
    /// An order list names an account id that has no key.
    OrderedAccountWithoutKey {
        /// Which list.
        list: OrderList,
        /// The missing id.
        id: u32,
    },
    /// A value the graph needs cannot be read (a list whose length is not
    /// a multiple of 16, a UID not of 16 bytes, ...).
    MalformedValue {
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.key)?;
        if let Some(value) = &self.value {
            write!(f, " \"{value}\"")?;
        }
        if self.line > 0 {
            write!(f, " (line {})", self.line)?;
        }
        f.write_str(": ")?;
        match &self.kind {
            IssueKind::StoreWithoutSection { uid } => {
                write!(f, "store provider {uid} is listed but has no section")
            }
            IssueKind::DanglingListEntry { list, uid } => {
                write!(f, "{} lists {uid}, which has no section", list.name())
            }
            IssueKind::DanglingServiceUid { uid } => {
                write!(f, "PR_SERVICE_UID names {uid}, which has no section")
            }
            IssueKind::DefaultStoreWithoutSection { uid } => {
                write!(f, "the default store {uid} has no section")
            }
            IssueKind::TwoDefaultStores { uids } => {
                let list: Vec<String> = uids.iter().map(Uid::to_string).collect();
                write!(f, "more than one default store: {}", list.join(", "))
            }
            IssueKind::AccountOfUnknownService { account, uid } => {
                write!(
                    f,
                    "account {account} belongs to service {uid}, which is not in the profile"
                )
            }
            IssueKind::OrderedAccountWithoutKey { list, id } => {
                write!(
                    f,
                    "the {list:?} order lists account {id:08x}, which has no key"
                )
            }
            IssueKind::MalformedValue { reason } => f.write_str(reason),
        }
    }
}

/// How a UID-list value reads.
enum UidList {
    Absent,
    Malformed(ValueRef, usize),
    Uids(ValueRef, Vec<Uid>),
}

fn value_ref(section_key: &str, name: &str, line: usize) -> ValueRef {
    ValueRef {
        key: section_key.to_string(),
        name: name.to_string(),
        line,
    }
}

fn uid_list(section: &Section, id: u16) -> UidList {
    let Some(prop) = section.props_with_id(id).next() else {
        return UidList::Absent;
    };
    let at = value_ref(&section.key, &prop.name, prop.line);
    let Some(bytes) = prop.binary() else {
        return UidList::Malformed(at, prop.raw.data().len());
    };
    match Uid::list(&bytes) {
        Some(uids) => UidList::Uids(at, uids),
        None => UidList::Malformed(at, bytes.len()),
    }
}

fn listed(section: &Section, id: u16) -> Vec<Uid> {
    match uid_list(section, id) {
        UidList::Uids(_, uids) => uids,
        _ => Vec::new(),
    }
}

/// PR_SERVICE_UID of a section, when it is a well-formed UID.
fn service_uid(section: &Section) -> Option<Uid> {
    let bytes = section.binary_prop(PropTag::PR_SERVICE_UID)?;
    <[u8; 16]>::try_from(bytes.as_slice()).ok().map(Uid)
}

fn is_special(uid: &Uid) -> bool {
    *uid == GLOBAL_SECTION || *uid == OUTLOOK_SECTION || *uid == ACCOUNT_MANAGER
}

fn location(key: &str) -> Location {
    Location::Reg {
        key: key.to_string(),
    }
}

fn account_class(clsid: Option<&str>) -> AccountClass {
    let Some(clsid) = clsid else {
        return AccountClass::Other(String::new());
    };
    let upper = clsid.trim().to_ascii_uppercase();
    match upper.as_str() {
        CLSID_POP3 => AccountClass::Pop3,
        CLSID_IMAP => AccountClass::Imap,
        CLSID_MAPI => AccountClass::MapiService,
        CLSID_LDAP => AccountClass::Ldap,
        _ => AccountClass::Other(clsid.trim().to_string()),
    }
}

/// Whether a subkey of the Account Manager is an account (8 hex digits).
fn is_account_key(sub: &SubKey) -> bool {
    sub.name.len() == 8 && sub.name.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Profile {
    /// The profile-wide section (`9207f3e0a3b11019908b08002b2a56c2`).
    pub fn global_section(&self) -> Option<&Section> {
        self.section(&GLOBAL_SECTION)
    }

    /// The Account Manager's section (`9375CFF0413111d3B88A00104B2A6676`).
    pub fn account_manager(&self) -> Option<&Section> {
        self.section(&ACCOUNT_MANAGER)
    }

    /// The UIDs of the message service sections, in section order: a
    /// section is a service when PR_SERVICES lists it, when its
    /// PR_SERVICE_UID names itself, or when it has PR_SERVICE_NAME but
    /// neither PR_SERVICE_UID nor PR_RESOURCE_TYPE (which providers carry).
    pub fn service_uids(&self) -> Vec<Uid> {
        let listed: HashSet<Uid> = self
            .global_section()
            .map(|g| listed(g, PropTag::PR_SERVICES).into_iter().collect())
            .unwrap_or_default();
        self.sections
            .iter()
            .filter(|s| !is_special(&s.uid))
            .filter(|s| {
                listed.contains(&s.uid)
                    || service_uid(s) == Some(s.uid)
                    || (s.props_with_id(PropTag::PR_SERVICE_NAME).next().is_some()
                        && s.props_with_id(PropTag::PR_SERVICE_UID).next().is_none()
                        && s.props_with_id(PropTag::PR_RESOURCE_TYPE).next().is_none())
            })
            .map(|s| s.uid)
            .collect()
    }

    /// The message services with their providers.
    pub fn services(&self) -> Vec<Service> {
        let service_uids = self.service_uids();
        let services: HashSet<Uid> = service_uids.iter().copied().collect();
        let global = self.global_section();
        let kind_by_list = |uid: &Uid, own: Option<&Section>| {
            for list in ProfileList::ALL {
                let Some(kind) = list.provider_kind() else {
                    continue;
                };
                let in_global = global.is_some_and(|g| listed(g, list.prop_id()).contains(uid));
                let in_own = own.is_some_and(|s| listed(s, list.prop_id()).contains(uid));
                if in_global || in_own {
                    return Some(kind);
                }
            }
            None
        };
        service_uids
            .iter()
            .filter_map(|uid| self.section(uid))
            .map(|service| {
                let own_lists: Vec<Uid> = ProfileList::ALL
                    .iter()
                    .filter(|l| l.provider_kind().is_some())
                    .flat_map(|l| listed(service, l.prop_id()))
                    .collect();
                let providers = self
                    .sections
                    .iter()
                    .filter(|s| {
                        s.uid != service.uid && !services.contains(&s.uid) && !is_special(&s.uid)
                    })
                    .filter(|s| service_uid(s) == Some(service.uid) || own_lists.contains(&s.uid))
                    .map(|s| {
                        let kind = match s.long_prop(PropTag::PR_RESOURCE_TYPE) {
                            Some(MAPI_STORE_PROVIDER) => ProviderKind::Store,
                            Some(MAPI_AB_PROVIDER) => ProviderKind::AddressBook,
                            Some(MAPI_TRANSPORT_PROVIDER) => ProviderKind::Transport,
                            _ => kind_by_list(&s.uid, Some(service)).unwrap_or(ProviderKind::Other),
                        };
                        Provider {
                            uid: Some(s.uid),
                            kind,
                            dll: s.text_prop(PropTag::PR_PROVIDER_DLL_NAME),
                            display_name: s
                                .text_prop(PropTag::PR_DISPLAY_NAME)
                                .or_else(|| s.text_prop(PropTag::PR_PROVIDER_DISPLAY)),
                            location: location(&s.key),
                        }
                    })
                    .collect();
                Service {
                    uid: Some(service.uid),
                    name: service.text_prop(PropTag::PR_SERVICE_NAME),
                    display_name: service
                        .text_prop(PropTag::PR_DISPLAY_NAME)
                        .or_else(|| service.text_prop(PropTag::PR_PROVIDER_DISPLAY)),
                    dll: service.text_prop(PropTag::PR_SERVICE_DLL_NAME),
                    providers,
                    location: location(&service.key),
                }
            })
            .collect()
    }

    /// The Account Manager's accounts, in key order.
    pub fn accounts(&self) -> Vec<Account> {
        let Some(manager) = self.account_manager() else {
            return Vec::new();
        };
        manager
            .subkeys
            .iter()
            .filter(|s| is_account_key(s))
            .map(|sub| {
                let text = |name: &str| sub.named_value(name).and_then(|v| v.text());
                let class = account_class(text("clsid").as_deref());
                // The class's own server first; an account of another class
                // (a MAPI service's) may still carry one of these values.
                let (server, user) = match class {
                    AccountClass::Pop3 => (text("POP3 Server"), text("POP3 User")),
                    AccountClass::Imap => (text("IMAP Server"), text("IMAP User")),
                    AccountClass::Ldap => (text("LDAP Server"), text("LDAP User")),
                    _ => ["IMAP", "POP3", "LDAP"]
                        .iter()
                        .find_map(|p| {
                            text(&format!("{p} Server"))
                                .map(|s| (Some(s), text(&format!("{p} User"))))
                        })
                        .unwrap_or((None, None)),
                };
                Account {
                    id: sub.name.clone(),
                    name: text("Account Name"),
                    class,
                    service_uid: sub.named_value("Service UID").and_then(|v| v.uid()),
                    email: text("Email"),
                    server,
                    user,
                    location: location(&sub.key),
                }
            })
            .collect()
    }

    /// The Account Manager's order lists.
    pub fn account_order(&self) -> Vec<AccountOrder> {
        let Some(manager) = self.account_manager() else {
            return Vec::new();
        };
        manager
            .named
            .iter()
            .filter_map(|v| {
                let list = OrderList::from_value_name(&v.name)?;
                let data = v.raw.data();
                let ids = data.len().is_multiple_of(4).then(|| {
                    data.chunks_exact(4)
                        .filter_map(|c| <[u8; 4]>::try_from(c).ok().map(u32::from_le_bytes))
                        .collect()
                });
                Some(AccountOrder {
                    list,
                    at: value_ref(&manager.key, &v.name, v.line),
                    ids,
                })
            })
            .collect()
    }

    /// The default store as Outlook records it (`01023d15` in section
    /// `0a0d020000000000c000000000000046`).
    pub fn default_store(&self) -> Option<DefaultStore> {
        let outlook = self.section(&OUTLOOK_SECTION)?;
        let prop = outlook.props_with_id(DEFAULT_STORE_PROP).next()?;
        let uids = prop
            .binary()
            .and_then(|b| Uid::list(&b))
            .unwrap_or_default();
        Some(DefaultStore {
            uids,
            at: value_ref(&outlook.key, &prop.name, prop.line),
        })
    }

    /// The service a section belongs to (its PR_SERVICE_UID).
    pub fn service_of(&self, section: &Section) -> Option<Uid> {
        service_uid(section)
    }

    /// Checks the graph: every UID a list, PR_SERVICE_UID, account or the
    /// default store names has its section; one default store; every
    /// ordered account has its key; the values the graph reads are well
    /// formed.
    pub fn validate(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        let present: HashSet<Uid> = self.sections.iter().map(|s| s.uid).collect();
        let services: HashSet<Uid> = self.service_uids().into_iter().collect();

        // UID lists, profile-wide and per service.
        let list_holders = self
            .global_section()
            .into_iter()
            .chain(services.iter().filter_map(|u| self.section(u)));
        for section in list_holders {
            for list in ProfileList::ALL {
                if list == ProfileList::Services && section.uid != GLOBAL_SECTION {
                    continue;
                }
                match uid_list(section, list.prop_id()) {
                    UidList::Absent => {}
                    UidList::Malformed(at, len) => issues.push(Issue {
                        kind: IssueKind::MalformedValue {
                            reason: format!(
                                "{} is {len} bytes, not a list of 16-byte UIDs",
                                list.name()
                            ),
                        },
                        key: at.key,
                        value: Some(at.name),
                        line: at.line,
                    }),
                    UidList::Uids(at, uids) => {
                        for uid in uids.into_iter().filter(|u| !present.contains(u)) {
                            let kind = if list == ProfileList::StoreProviders {
                                IssueKind::StoreWithoutSection { uid }
                            } else {
                                IssueKind::DanglingListEntry { list, uid }
                            };
                            issues.push(Issue {
                                kind,
                                key: at.key.clone(),
                                value: Some(at.name.clone()),
                                line: at.line,
                            });
                        }
                    }
                }
            }
        }

        // PR_SERVICE_UID of every section.
        for section in self.sections.iter().filter(|s| !is_special(&s.uid)) {
            let Some(prop) = section.props_with_id(PropTag::PR_SERVICE_UID).next() else {
                continue;
            };
            match service_uid(section) {
                Some(uid) if !present.contains(&uid) => issues.push(Issue {
                    kind: IssueKind::DanglingServiceUid { uid },
                    key: section.key.clone(),
                    value: Some(prop.name.clone()),
                    line: prop.line,
                }),
                Some(_) => {}
                None => issues.push(Issue {
                    kind: IssueKind::MalformedValue {
                        reason: "PR_SERVICE_UID is not a 16-byte UID".to_string(),
                    },
                    key: section.key.clone(),
                    value: Some(prop.name.clone()),
                    line: prop.line,
                }),
            }
        }

        // The default store.
        if let Some(store) = self.default_store() {
            if store.uids.len() > 1 {
                issues.push(Issue {
                    kind: IssueKind::TwoDefaultStores {
                        uids: store.uids.clone(),
                    },
                    key: store.at.key.clone(),
                    value: Some(store.at.name.clone()),
                    line: store.at.line,
                });
            } else if store.uids.is_empty() {
                issues.push(Issue {
                    kind: IssueKind::MalformedValue {
                        reason: "the default store is not a 16-byte UID".to_string(),
                    },
                    key: store.at.key.clone(),
                    value: Some(store.at.name.clone()),
                    line: store.at.line,
                });
            }
            for uid in store.uids.iter().filter(|u| !present.contains(u)) {
                issues.push(Issue {
                    kind: IssueKind::DefaultStoreWithoutSection { uid: *uid },
                    key: store.at.key.clone(),
                    value: Some(store.at.name.clone()),
                    line: store.at.line,
                });
            }
        }
        let flagged: Vec<Uid> = self
            .sections
            .iter()
            .filter(|s| !services.contains(&s.uid) && !is_special(&s.uid))
            .filter(|s| {
                s.long_prop(PropTag::PR_RESOURCE_FLAGS)
                    .is_some_and(|f| f & STATUS_DEFAULT_STORE != 0)
            })
            .map(|s| s.uid)
            .collect();
        if flagged.len() > 1 {
            issues.push(Issue {
                kind: IssueKind::TwoDefaultStores { uids: flagged },
                key: self.key.clone(),
                value: None,
                line: self.line,
            });
        }

        // Accounts and their order.
        if let Some(manager) = self.account_manager() {
            let mut ids = HashSet::new();
            for sub in manager.subkeys.iter().filter(|s| is_account_key(s)) {
                if let Ok(id) = u32::from_str_radix(&sub.name, 16) {
                    ids.insert(id);
                }
                let Some(value) = sub.named_value("Service UID") else {
                    continue;
                };
                match value.uid() {
                    Some(uid) if !services.contains(&uid) => issues.push(Issue {
                        kind: IssueKind::AccountOfUnknownService {
                            account: sub.name.clone(),
                            uid,
                        },
                        key: sub.key.clone(),
                        value: Some(value.name.clone()),
                        line: value.line,
                    }),
                    Some(_) => {}
                    None => issues.push(Issue {
                        kind: IssueKind::MalformedValue {
                            reason: "\"Service UID\" is not a 16-byte binary UID".to_string(),
                        },
                        key: sub.key.clone(),
                        value: Some(value.name.clone()),
                        line: value.line,
                    }),
                }
            }
            for order in self.account_order() {
                match &order.ids {
                    None => issues.push(Issue {
                        kind: IssueKind::MalformedValue {
                            reason: "an account order list is not a list of 4-byte ids".to_string(),
                        },
                        key: order.at.key.clone(),
                        value: Some(order.at.name.clone()),
                        line: order.at.line,
                    }),
                    Some(list) => {
                        for id in list.iter().filter(|id| !ids.contains(id)) {
                            issues.push(Issue {
                                kind: IssueKind::OrderedAccountWithoutKey {
                                    list: order.list,
                                    id: *id,
                                },
                                key: order.at.key.clone(),
                                value: Some(order.at.name.clone()),
                                line: order.at.line,
                            });
                        }
                    }
                }
            }
        }
        issues
    }
}
