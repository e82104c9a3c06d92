//! Outlook profiles as administrators have them, `.reg` exports and `.prf`
//! files, read without Windows: the MAPI profile model (users, profiles,
//! sections named by UIDs, properties named by tags), the graph of
//! message services, providers and accounts with its validation, and the
//! conversion of Kerio Outlook Connector (KOC) profiles to the Offline
//! Edition (KOFF) that leaves every other line of the export as it was.
//!
//! (Being built: issue 6.)

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod uid;
mod view;
pub use error::Error;
pub use uid::Uid;
pub use view::{Account, AccountClass, Location, Provider, ProviderKind, Service};

// -- MAPI property tags and values (mapi.rs)
mod mapi;
pub use mapi::{
    string_to_windows_1252, windows_1252_to_string, MapiValue, PropTag, PropType, Secret, Spelling,
};

// -- the profile model over .reg exports, the graph and its validation (profiles.rs, graph.rs)
mod graph;
mod profiles;
pub use graph::{
    AccountOrder, DefaultStore, Issue, IssueKind, OrderList, ProfileList, ACCOUNT_MANAGER,
    GLOBAL_SECTION, OUTLOOK_SECTION,
};
pub use profiles::{
    NamedValue, Profile, ProfileRoot, ProfileSet, Prop, ReadOptions, RootKind, Section, SubKey,
    User, ValueRef, Values,
};

// -- .prf files (prf.rs)
mod prf;
pub use prf::{LineEnding, PrfEncoding, PrfEntry, PrfFile, PrfLimits};

// -- the KOC -> KOFF conversion (convert/)
mod convert;
pub use convert::{
    convert, plan, Change, ChangeAction, Conversion, ConvertOptions, ExportKind, Plan,
    ProfileOutcome, ProfilePlan, ProfileScope, Rules, ServerQuery, ServerStatus, UserScope,
    BUILTIN_RULES,
};
