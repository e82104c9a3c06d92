//! The service and account view that `.reg` profiles and `.prf` files
//! share: what an administrator asks of a profile (which message services,
//! which accounts, on which servers), whatever file it came from.

use crate::Uid;

/// Where an item was read from, so that reports and edits can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(tag = "in", rename_all = "snake_case")
)]
pub enum Location {
    /// A registry key of a `.reg` export.
    Reg {
        /// The full key path.
        key: String,
    },
    /// A section of a `.prf` file.
    Prf {
        /// The section name, without brackets (`Service2`).
        section: String,
    },
}

/// A message service of a profile (Exchange, a PST, KOC, KOFF, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Service {
    /// The service's section UID (registry), when known.
    pub uid: Option<Uid>,
    /// PR_SERVICE_NAME, the name in MAPISVC.INF (`MSEMS`, `MSUPST MS`,
    /// `KERIO_KOFF`), or the `.prf` service name.
    pub name: Option<String>,
    /// The name Outlook shows (PR_DISPLAY_NAME).
    pub display_name: Option<String>,
    /// PR_SERVICE_DLL_NAME.
    pub dll: Option<String>,
    /// The providers of the service.
    pub providers: Vec<Provider>,
    /// Where it was read.
    pub location: Location,
}

/// What a provider provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum ProviderKind {
    /// A message store.
    Store,
    /// An address book.
    AddressBook,
    /// A transport.
    Transport,
    /// Not known.
    Other,
}

/// A provider section of a message service.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Provider {
    /// The provider's section UID, when known.
    pub uid: Option<Uid>,
    /// What it provides.
    pub kind: ProviderKind,
    /// PR_PROVIDER_DLL_NAME.
    pub dll: Option<String>,
    /// PR_DISPLAY_NAME / PR_PROVIDER_DISPLAY.
    pub display_name: Option<String>,
    /// Where it was read.
    pub location: Location,
}

/// The kind of an Account Manager account.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum AccountClass {
    /// A POP3 account.
    Pop3,
    /// An IMAP account.
    Imap,
    /// An account of a MAPI message service (Exchange, KOC, KOFF, ...),
    /// bound to its service by `service_uid`.
    MapiService,
    /// An LDAP directory.
    Ldap,
    /// Another class, by its CLSID or `.prf` type text.
    Other(String),
}

/// An account of the Account Manager (registry key
/// `9375CFF0413111d3B88A00104B2A6676\NNNNNNNN`) or of a `.prf` file's
/// `[Internet Account List]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Account {
    /// The account's id (`00000001`, or the `.prf` section name).
    pub id: String,
    /// "Account Name".
    pub name: Option<String>,
    /// Its class.
    pub class: AccountClass,
    /// The message service it belongs to (MAPI service accounts).
    pub service_uid: Option<Uid>,
    /// The e-mail address.
    pub email: Option<String>,
    /// The incoming server (POP3 Server, IMAP Server, or the service's server).
    pub server: Option<String>,
    /// The user name on that server.
    pub user: Option<String>,
    /// Where it was read.
    pub location: Location,
}
