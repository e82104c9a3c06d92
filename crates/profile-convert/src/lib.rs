//! Outlook profiles as administrators have them, `.reg` exports and `.prf`
//! files, read without Windows: the MAPI profile model (users, profiles,
//! sections named by UIDs, properties named by tags), the graph of
//! message services, providers and accounts with its validation, and the
//! conversion of Kerio Outlook Connector (KOC) profiles to the Offline
//! Edition (KOFF) that leaves every other line of the export as it was.
//!
//! What counts as KOC and what KOFF needs is data: a rules file (built in:
//! [`BUILTIN_RULES`], documented in `docs/profile-rules.md`), replaceable
//! by the caller. The server check is the caller's: a probe says whether
//! Kerio MailServer is reachable and which version it runs.
//!
//! ```
//! use olkit_profile_convert::{
//!     convert, ConvertOptions, ProfileOutcome, ProfileScope, ProfileSet, Rules, ServerStatus,
//!     UserScope,
//! };
//!
//! let export = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/koc-profiles.reg"))?;
//!
//! // The model: users, profiles, services and accounts.
//! let set = ProfileSet::parse(&export)?;
//! for (_user, _root, profile) in set.profiles() {
//!     for service in profile.services() {
//!         println!("{}: {:?} ({:?})", profile.name, service.name, service.dll);
//!     }
//!     assert!(profile.validate().is_empty());
//! }
//!
//! // The conversion, with the server down: converted, configuration to finish later.
//! let rules = Rules::builtin();
//! let mut probe = |_: &olkit_profile_convert::ServerQuery<'_>| ServerStatus::Unreachable {
//!     reason: "no answer on port 443".into(),
//! };
//! let mut options = ConvertOptions {
//!     rules: &rules,
//!     profiles: ProfileScope::All,
//!     users: UserScope::All,
//!     probe: &mut probe,
//! };
//! let conversion = convert(&export, &mut options)?;
//! let kerio = conversion.plan.profiles.iter().find(|p| p.profile == "Kerio").expect("listed");
//! assert_eq!(kerio.outcome, ProfileOutcome::Converted { server_configured: false });
//! assert!(!kerio.finish_later.is_empty());
//! // `converted` is imported with `reg import`; `undo` restores the original.
//! assert_ne!(conversion.converted, export);
//!
//! // Converting again changes nothing.
//! let again = convert(&conversion.converted, &mut options)?;
//! assert!(again.plan.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

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
