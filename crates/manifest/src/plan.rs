//! The update plan for one machine: what to do with every package of a
//! manifest, why, and in which order.
//!
//! # Rules
//!
//! Each product of the manifest gets one [`PlanItem`], decided in this
//! order (the first step that applies decides the [`Action`]):
//!
//! 1. **Not for this machine** ([`Action::NotApplicable`]): a 64-bit
//!    package on 32-bit Windows; a package whose bitness differs from
//!    Outlook's; an Outlook release the package does not list; a release
//!    channel the machine does not follow.
//! 2. **Installed already** ([`Action::UpToDate`]): an installed product
//!    matches and its version is the same or newer. A downgrade is never
//!    offered.
//! 3. **Not yet for this machine** ([`Action::NotApplicable`]): a staged
//!    rollout that has not reached the machine's bucket.
//! 4. **Waiting for something else** ([`Action::Blocked`]): the server's
//!    version is outside the package's range or unknown while the package
//!    names one; Windows is older than required or its version unknown; the
//!    package lists Outlook releases or names a bitness and Outlook's is
//!    unknown.
//! 5. Otherwise [`Action::Upgrade`] when an older version is installed,
//!    [`Action::Install`] when none is.
//!
//! Every step that finds something adds a [`Reason`]; its `Display` is
//! the sentence for the Updater's Details field.
//!
//! **Matching installed products.** An installed product matches a package
//! when their upgrade codes are equal, or their product codes are (codes
//! compare without braces, white space or case). A package with neither
//! code matches installed products of the same name (ignoring case). When
//! several installed products match, the highest version counts.
//!
//! **Comparing versions** follows Windows Installer: when both versions
//! have an [installer view](Version::installer_view), only its three fields
//! count, so `7.2.0.4567` is up to date against an installed `7.2.0.12`
//! and a tag like `beta 2` is not seen. When either has none (a field above
//! 255.255.65535, or five fields or more), the full [`Version`] order
//! decides.
//!
//! **One offer per product.** Packages are the same product when they
//! share an upgrade code (or, without one, a product code; without either,
//! a name). Of the packages of one product that would be offered, only the
//! highest version is; the others become [`Action::NotApplicable`] with
//! [`Reason::Superseded`]. Between equal versions the one listed first in
//! the manifest wins.
//!
//! **Channels** are ranked `stable` < `beta` < `alpha` < `dev`. A machine
//! sees the packages of its own channel and of every lower-ranked one: a
//! `beta` machine sees `beta` and `stable`, a `stable` machine only
//! `stable`. A channel of another name is seen only by machines that follow
//! that very channel, and they also see `stable`. Names ignore case; an
//! absent or empty channel is `stable`.
//!
//! **Rollout.** A package with a rollout percentage `p` is offered to the
//! machines whose [bucket](rollout_bucket), a number from 0 to 99, is below
//! `p`. The bucket is derived with SHA-256 from the machine id, the product
//! and the version, so it is the same on every platform and run, and a new
//! version reaches a different first group of machines.
//!
//! **Order of application** ([`Plan::order`]): critical packages first,
//! then by name (ignoring case, then exactly), then by version, then by
//! position in the manifest. The format has no dependencies between
//! packages, so nothing else orders them.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

use sha2::{Digest, Sha256};

use crate::{Architecture, Manifest, Product, Version};

/// The machine the plan is for. With the `serde` feature it reads from
/// JSON like `{"server_version": "6.5.0", "outlook_version": "2016",
/// "outlook_bitness": "x64", "windows_version": "10.0.19045",
/// "architecture": "x64", "channel": "stable", "machine_id": "..."}`
/// (the optional fields may be left out).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Environment {
    /// The groupware server's version, if known.
    #[cfg_attr(feature = "serde", serde(default))]
    pub server_version: Option<Version>,
    /// Outlook's release by its product name (`2016`, `365`, `Outlook
    /// 2019`...) or internal version (`16.0.17328.20000`), if known.
    #[cfg_attr(feature = "serde", serde(default))]
    pub outlook_version: Option<String>,
    /// Outlook's bitness, if known.
    #[cfg_attr(feature = "serde", serde(default, with = "serde_architecture::option"))]
    pub outlook_bitness: Option<Architecture>,
    /// Windows' version as the kernel reports it (`10.0.22631`), if known.
    #[cfg_attr(feature = "serde", serde(default))]
    pub windows_version: Option<Version>,
    /// Windows' architecture.
    #[cfg_attr(feature = "serde", serde(with = "serde_architecture"))]
    pub architecture: Architecture,
    /// The release channel the machine follows (`stable`, `beta`...).
    pub channel: String,
    /// A stable identifier of the machine, for rollout buckets.
    pub machine_id: String,
}

/// A product installed on the machine, as Windows Installer lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InstalledProduct {
    /// Its product code (a GUID, braces and case as found).
    #[cfg_attr(feature = "serde", serde(default))]
    pub product_code: Option<String>,
    /// Its upgrade code (a GUID, braces and case as found).
    #[cfg_attr(feature = "serde", serde(default))]
    pub upgrade_code: Option<String>,
    /// Its `ProductVersion`.
    pub version: Version,
    /// Its display name.
    pub name: String,
}

/// What to do with one package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "kebab-case")
)]
pub enum Action {
    /// Not installed; install it.
    Install,
    /// An older version is installed; upgrade it.
    Upgrade,
    /// The same or a newer version is installed.
    UpToDate,
    /// The package is not (or not yet) for this machine.
    NotApplicable,
    /// The package is for this machine but something else must change
    /// first (the server, Windows), or what it needs is unknown.
    Blocked,
}

impl Action {
    /// Whether the package is offered: [`Action::Install`] or
    /// [`Action::Upgrade`].
    pub fn is_offered(self) -> bool {
        matches!(self, Action::Install | Action::Upgrade)
    }

    /// A short name: `install`, `upgrade`, `up-to-date`, `not-applicable`,
    /// `blocked`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Install => "install",
            Action::Upgrade => "upgrade",
            Action::UpToDate => "up-to-date",
            Action::NotApplicable => "not-applicable",
            Action::Blocked => "blocked",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a package got its action; `Display` gives the sentence for the
/// Details field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The package is 64-bit and Windows is 32-bit.
    WindowsArchitecture {
        /// The package's architecture.
        package: Architecture,
        /// Windows'.
        windows: Architecture,
    },
    /// The package's bitness differs from Outlook's.
    OutlookBitness {
        /// The package's bitness.
        package: Architecture,
        /// Outlook's.
        outlook: Architecture,
    },
    /// The package names a bitness and Outlook's is unknown.
    OutlookBitnessUnknown {
        /// The package's bitness.
        package: Architecture,
    },
    /// The package does not list this Outlook release.
    OutlookVersion {
        /// The releases the package lists.
        supported: Vec<String>,
        /// The machine's Outlook, as the environment gave it.
        outlook: String,
    },
    /// The package lists Outlook releases and the machine's is unknown.
    OutlookVersionUnknown {
        /// The releases the package lists.
        supported: Vec<String>,
    },
    /// The package is in a channel the machine does not follow.
    Channel {
        /// The package's channel.
        package: String,
        /// The machine's.
        machine: String,
    },
    /// A staged rollout has not reached this machine.
    Rollout {
        /// The share of machines offered the package.
        percent: u8,
        /// This machine's bucket (0 to 99), not below `percent`.
        bucket: u8,
    },
    /// The server is older than the package needs.
    ServerTooOld {
        /// The oldest server version supported.
        required: Version,
        /// The server's.
        server: Version,
    },
    /// The server is newer than the package supports.
    ServerTooNew {
        /// The newest server version supported.
        supported: Version,
        /// The server's.
        server: Version,
    },
    /// The package limits the server version and the server's is unknown.
    ServerUnknown {
        /// The oldest server version supported.
        min: Option<Version>,
        /// The newest server version supported.
        max: Option<Version>,
    },
    /// Windows is older than the package needs.
    WindowsTooOld {
        /// The oldest Windows version supported.
        required: Version,
        /// The machine's.
        windows: Version,
    },
    /// The package needs a Windows version and the machine's is unknown.
    WindowsUnknown {
        /// The oldest Windows version supported.
        required: Version,
    },
    /// This very version is installed (as Windows Installer compares).
    Installed {
        /// The installed version.
        installed: Version,
    },
    /// A newer version is installed.
    NewerInstalled {
        /// The installed version.
        installed: Version,
    },
    /// A higher version of the same product in the manifest is offered
    /// instead.
    Superseded {
        /// The version offered instead.
        by: Version,
    },
    /// The package replaces an installed older version.
    Replaces {
        /// The installed version.
        installed: Version,
    },
    /// The package upgrades the local cache database.
    CacheUpgrade {
        /// The cache format it upgrades to.
        format: u32,
    },
    /// The package is a critical update.
    Critical,
}

impl Reason {
    /// The action this reason leads to when it is the deciding one.
    fn action(&self) -> Option<Action> {
        match self {
            Reason::WindowsArchitecture { .. }
            | Reason::OutlookBitness { .. }
            | Reason::OutlookVersion { .. }
            | Reason::Channel { .. }
            | Reason::Rollout { .. }
            | Reason::Superseded { .. } => Some(Action::NotApplicable),
            Reason::OutlookBitnessUnknown { .. }
            | Reason::OutlookVersionUnknown { .. }
            | Reason::ServerTooOld { .. }
            | Reason::ServerTooNew { .. }
            | Reason::ServerUnknown { .. }
            | Reason::WindowsTooOld { .. }
            | Reason::WindowsUnknown { .. } => Some(Action::Blocked),
            Reason::Installed { .. } | Reason::NewerInstalled { .. } => Some(Action::UpToDate),
            Reason::Replaces { .. } | Reason::CacheUpgrade { .. } | Reason::Critical => None,
        }
    }
}

fn bits(architecture: Architecture) -> &'static str {
    match architecture {
        Architecture::X86 => "32-bit",
        Architecture::X64 => "64-bit",
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::WindowsArchitecture { package, windows } => write!(
                f,
                "for {} Windows; this Windows is {}",
                bits(*package),
                bits(*windows)
            ),
            Reason::OutlookBitness { package, outlook } => write!(
                f,
                "for {} Outlook; this Outlook is {}",
                bits(*package),
                bits(*outlook)
            ),
            Reason::OutlookBitnessUnknown { package } => write!(
                f,
                "for {} Outlook; Outlook's bitness is unknown",
                bits(*package)
            ),
            Reason::OutlookVersion { supported, outlook } => write!(
                f,
                "for Outlook {}; this Outlook is {outlook}",
                supported.join(", ")
            ),
            Reason::OutlookVersionUnknown { supported } => write!(
                f,
                "for Outlook {}; the Outlook version is unknown",
                supported.join(", ")
            ),
            Reason::Channel { package, machine } => write!(
                f,
                "in the {package} channel; this machine follows {machine}"
            ),
            Reason::Rollout { percent, .. } => {
                write!(f, "not in your rollout group ({percent}% of machines)")
            }
            Reason::ServerTooOld { required, server } => write!(
                f,
                "needs server version {required} or later; the server runs {server}"
            ),
            Reason::ServerTooNew { supported, server } => write!(
                f,
                "supports server versions up to {supported}; the server runs {server}"
            ),
            Reason::ServerUnknown { min, max } => {
                match (min, max) {
                    (Some(min), Some(max)) => write!(f, "needs server version {min} to {max}")?,
                    (Some(min), None) => write!(f, "needs server version {min} or later")?,
                    (None, Some(max)) => write!(f, "supports server versions up to {max}")?,
                    (None, None) => f.write_str("needs a known server version")?,
                }
                f.write_str("; the server version is unknown")
            }
            Reason::WindowsTooOld { required, windows } => write!(
                f,
                "needs Windows {required} or later; this machine runs Windows {windows}"
            ),
            Reason::WindowsUnknown { required } => write!(
                f,
                "needs Windows {required} or later; the Windows version is unknown"
            ),
            Reason::Installed { installed } => write!(f, "version {installed} is installed"),
            Reason::NewerInstalled { installed } => {
                write!(f, "a newer version {installed} is installed")
            }
            Reason::Superseded { by } => {
                write!(f, "version {by} of the same product is offered instead")
            }
            Reason::Replaces { installed } => write!(f, "replaces version {installed}"),
            Reason::CacheUpgrade { format } => {
                write!(f, "upgrades the local cache database to format {format}")
            }
            Reason::Critical => f.write_str("a critical update"),
        }
    }
}

/// The decision for one package of the manifest. With the `serde`
/// feature it serializes with the reasons as their sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PlanItem {
    /// The package's position in [`Manifest::products`].
    pub index: usize,
    /// The package's name.
    pub name: String,
    /// The package's version.
    pub version: Version,
    /// What to do.
    pub action: Action,
    /// Why, in the order found; the ones that decided the action first.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serialize_reasons"))]
    pub reasons: Vec<Reason>,
    /// The installed version of the same product, if any (the highest).
    pub installed: Option<Version>,
    /// The cache format the package upgrades the local cache database to,
    /// when it is offered and needs one.
    pub cache_upgrade: Option<u32>,
    /// Whether the manifest marks the package critical.
    pub critical: bool,
}

/// The update plan: one item per package, and the order to apply the
/// offered ones.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Plan {
    /// One item per product of the manifest, in manifest order.
    pub items: Vec<PlanItem>,
    /// Indexes into [`Plan::items`] of the offered packages, in the order
    /// to apply them (see the [module documentation](self)).
    pub order: Vec<usize>,
}

impl Plan {
    /// The offered packages in the order to apply them.
    pub fn to_apply(&self) -> impl Iterator<Item = &PlanItem> + '_ {
        self.order.iter().filter_map(|&index| self.items.get(index))
    }

    /// The cache format the plan upgrades the local cache database to: the
    /// highest one any offered package needs.
    pub fn cache_upgrade(&self) -> Option<u32> {
        self.to_apply().filter_map(|item| item.cache_upgrade).max()
    }
}

/// The rank of the channels this module knows; see the [module
/// documentation](self).
const CHANNELS: [&str; 4] = ["stable", "beta", "alpha", "dev"];

fn channel_name(channel: &str) -> String {
    let channel = channel.trim();
    if channel.is_empty() {
        "stable".to_owned()
    } else {
        channel.to_lowercase()
    }
}

/// Whether a machine following channel `machine` sees packages of channel
/// `package`; see the [module documentation](self).
pub fn channel_includes(machine: &str, package: &str) -> bool {
    let (machine, package) = (channel_name(machine), channel_name(package));
    if machine == package || package == "stable" {
        return true;
    }
    let rank = |name: &str| CHANNELS.iter().position(|known| *known == name);
    matches!((rank(&machine), rank(&package)), (Some(m), Some(p)) if p <= m)
}

/// The machine's rollout bucket for a version of a product, from 0 to 99:
/// the first eight bytes of the SHA-256 digest of `machine_id`, a line
/// feed, `product_key`, a line feed and the version's
/// [canonical](Version::canonical) spelling, read as a big-endian
/// number, modulo 100. The planner's product key is `upgrade:` followed
/// by the package's upgrade code (upper case, no braces), else `product:`
/// and its product code likewise, else `name:` and its name in lower case
/// (surrounding white space removed).
pub fn rollout_bucket(machine_id: &str, product_key: &str, version: &Version) -> u8 {
    let mut hasher = Sha256::new();
    hasher.update(machine_id.as_bytes());
    hasher.update(b"\n");
    hasher.update(product_key.as_bytes());
    hasher.update(b"\n");
    hasher.update(version.canonical().as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    for (to, from) in first.iter_mut().zip(digest.iter()) {
        *to = *from;
    }
    // Below 100, so the conversion cannot fail.
    u8::try_from(u64::from_be_bytes(first) % 100).unwrap_or(0)
}

/// A GUID as a comparison key: no braces, no white space, upper case.
fn guid_key(guid: &str) -> Option<String> {
    let key: String = guid
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '{' && *c != '}')
        .collect::<String>()
        .to_ascii_uppercase();
    (!key.is_empty()).then_some(key)
}

/// What makes packages the same product, and names it in rollout buckets.
fn product_key(product: &Product) -> String {
    if let Some(key) = product.upgrade_code.as_deref().and_then(guid_key) {
        return format!("upgrade:{key}");
    }
    if let Some(key) = product.product_code.as_deref().and_then(guid_key) {
        return format!("product:{key}");
    }
    format!("name:{}", product.name.trim().to_lowercase())
}

/// Outlook releases by internal major version; 16 is shared by several.
const OUTLOOK_RELEASES: [(u64, &[&str]); 6] = [
    (10, &["2002", "xp"]),
    (11, &["2003"]),
    (12, &["2007"]),
    (14, &["2010"]),
    (15, &["2013"]),
    (16, &["2016", "2019", "2021", "2024", "365"]),
];

/// An Outlook release name without the words around it: `Microsoft
/// Outlook 2016` and `2016` both give `2016`; `Microsoft 365` gives `365`.
fn outlook_name(text: &str) -> String {
    text.split_whitespace()
        .filter(|word| {
            !["microsoft", "outlook", "office"]
                .iter()
                .any(|skip| word.eq_ignore_ascii_case(skip))
        })
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether the machine's Outlook is one of the releases listed. A name
/// matches the same name; an internal version (`16.0.x`) matches the
/// releases that carry that major version, so `16.0` matches any of 2016,
/// 2019, 2021, 2024 and 365, which it cannot tell apart.
fn outlook_supported(supported: &[String], outlook: &str) -> bool {
    let outlook = outlook_name(outlook);
    let names: Vec<String> = supported.iter().map(|name| outlook_name(name)).collect();
    if names.contains(&outlook) {
        return true;
    }
    let Ok(internal) = Version::parse(&outlook) else {
        return false;
    };
    // Years parse as versions too: only small majors are internal numbers.
    let major = internal.fields().first().copied().unwrap_or(0);
    OUTLOOK_RELEASES
        .iter()
        .filter(|(release_major, _)| *release_major == major)
        .flat_map(|(_, releases)| releases.iter())
        .any(|release| names.iter().any(|name| name == release))
}

/// Windows Installer's comparison where both versions allow it, else the
/// full order.
fn compare_installed(offered: &Version, installed: &Version) -> Ordering {
    match (offered.installer_view(), installed.installer_view()) {
        (Some(offered), Some(installed)) => offered.cmp(&installed),
        _ => offered.cmp(installed),
    }
}

/// The installed products by the keys a package can match them with.
struct Inventory<'a> {
    by_upgrade_code: HashMap<String, Vec<&'a InstalledProduct>>,
    by_product_code: HashMap<String, Vec<&'a InstalledProduct>>,
    by_name: HashMap<String, Vec<&'a InstalledProduct>>,
}

impl<'a> Inventory<'a> {
    fn new(installed: &'a [InstalledProduct]) -> Self {
        let mut inventory = Inventory {
            by_upgrade_code: HashMap::new(),
            by_product_code: HashMap::new(),
            by_name: HashMap::new(),
        };
        for product in installed {
            if let Some(key) = product.upgrade_code.as_deref().and_then(guid_key) {
                inventory
                    .by_upgrade_code
                    .entry(key)
                    .or_default()
                    .push(product);
            }
            if let Some(key) = product.product_code.as_deref().and_then(guid_key) {
                inventory
                    .by_product_code
                    .entry(key)
                    .or_default()
                    .push(product);
            }
            inventory
                .by_name
                .entry(product.name.trim().to_lowercase())
                .or_default()
                .push(product);
        }
        inventory
    }

    /// The highest installed version matching the package. Ties between
    /// equal versions spelled differently go to the greatest text, so the
    /// answer does not depend on the order of the installed list.
    fn installed_version(&self, product: &Product) -> Option<&'a Version> {
        fn lookup<'m, 'a>(
            map: &'m HashMap<String, Vec<&'a InstalledProduct>>,
            key: Option<String>,
        ) -> impl Iterator<Item = &'a InstalledProduct> + 'm {
            key.and_then(|key| map.get(&key))
                .into_iter()
                .flatten()
                .copied()
        }
        let upgrade = product.upgrade_code.as_deref().and_then(guid_key);
        let code = product.product_code.as_deref().and_then(guid_key);
        let by_name = if upgrade.is_none() && code.is_none() {
            Some(product.name.trim().to_lowercase())
        } else {
            None
        };
        lookup(&self.by_upgrade_code, upgrade)
            .chain(lookup(&self.by_product_code, code))
            .chain(lookup(&self.by_name, by_name))
            .map(|installed| &installed.version)
            .max_by(|a, b| a.cmp(b).then_with(|| a.text().cmp(b.text())))
    }
}

/// Decides what to do with every package of `manifest` on the machine
/// described by `env`, given what is `installed`; see the [module
/// documentation](self) for the rules.
pub fn plan(manifest: &Manifest, installed: &[InstalledProduct], env: &Environment) -> Plan {
    let _span = tracing::debug_span!(
        "plan",
        products = manifest.products.len(),
        installed = installed.len()
    )
    .entered();
    let inventory = Inventory::new(installed);
    let keys: Vec<String> = manifest.products.iter().map(product_key).collect();
    let mut items: Vec<PlanItem> = manifest
        .products
        .iter()
        .zip(&keys)
        .enumerate()
        .map(|(index, (product, key))| decide(index, product, key, &inventory, env))
        .collect();
    supersede(&keys, &mut items);
    let mut order: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.action.is_offered())
        .map(|(position, _)| position)
        .collect();
    order.sort_by(|&a, &b| match (items.get(a), items.get(b)) {
        (Some(a), Some(b)) => apply_order(a, b),
        _ => Ordering::Equal,
    });
    tracing::debug!(offered = order.len(), "planned");
    Plan { items, order }
}

fn apply_order(a: &PlanItem, b: &PlanItem) -> Ordering {
    b.critical
        .cmp(&a.critical)
        .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.version.cmp(&b.version))
        .then_with(|| a.index.cmp(&b.index))
}

/// The reasons the package is not meant for this machine at all.
fn unsuitable(product: &Product, env: &Environment) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if let Some(package) = product.architecture {
        if package == Architecture::X64 && env.architecture == Architecture::X86 {
            reasons.push(Reason::WindowsArchitecture {
                package,
                windows: env.architecture,
            });
        }
        if let Some(outlook) = env.outlook_bitness {
            if outlook != package {
                reasons.push(Reason::OutlookBitness { package, outlook });
            }
        }
    }
    if !product.outlook_versions.is_empty() {
        if let Some(outlook) = &env.outlook_version {
            if !outlook_supported(&product.outlook_versions, outlook) {
                reasons.push(Reason::OutlookVersion {
                    supported: product.outlook_versions.clone(),
                    outlook: outlook.clone(),
                });
            }
        }
    }
    let package_channel = product.channel_or_stable();
    if !channel_includes(&env.channel, package_channel) {
        reasons.push(Reason::Channel {
            package: channel_name(package_channel),
            machine: channel_name(&env.channel),
        });
    }
    reasons
}

/// The reasons the package must wait for something else to change or be
/// known.
fn blockers(product: &Product, env: &Environment) -> Vec<Reason> {
    let mut reasons = Vec::new();
    let (min, max) = (&product.min_server_version, &product.max_server_version);
    match &env.server_version {
        Some(server) => {
            if let Some(required) = min.as_ref().filter(|required| server < *required) {
                reasons.push(Reason::ServerTooOld {
                    required: required.clone(),
                    server: server.clone(),
                });
            }
            if let Some(supported) = max.as_ref().filter(|supported| server > *supported) {
                reasons.push(Reason::ServerTooNew {
                    supported: supported.clone(),
                    server: server.clone(),
                });
            }
        }
        None if min.is_some() || max.is_some() => reasons.push(Reason::ServerUnknown {
            min: min.clone(),
            max: max.clone(),
        }),
        None => {}
    }
    if let Some(required) = &product.min_windows_version {
        match &env.windows_version {
            Some(windows) if windows < required => reasons.push(Reason::WindowsTooOld {
                required: required.clone(),
                windows: windows.clone(),
            }),
            Some(_) => {}
            None => reasons.push(Reason::WindowsUnknown {
                required: required.clone(),
            }),
        }
    }
    if let (Some(package), None) = (product.architecture, env.outlook_bitness) {
        reasons.push(Reason::OutlookBitnessUnknown { package });
    }
    if !product.outlook_versions.is_empty() && env.outlook_version.is_none() {
        reasons.push(Reason::OutlookVersionUnknown {
            supported: product.outlook_versions.clone(),
        });
    }
    reasons
}

/// `key` is the product's [`product_key`].
fn decide(
    index: usize,
    product: &Product,
    key: &str,
    inventory: &Inventory<'_>,
    env: &Environment,
) -> PlanItem {
    let installed = inventory.installed_version(product);
    let mut item = PlanItem {
        index,
        name: product.name.clone(),
        version: product.version.clone(),
        action: Action::Install,
        reasons: Vec::new(),
        installed: installed.cloned(),
        cache_upgrade: None,
        critical: product.critical,
    };
    let mut reasons = unsuitable(product, env);
    if reasons.is_empty() {
        if let Some(installed) = installed {
            match compare_installed(&product.version, installed) {
                Ordering::Greater => {}
                Ordering::Equal => reasons.push(Reason::Installed {
                    installed: installed.clone(),
                }),
                Ordering::Less => reasons.push(Reason::NewerInstalled {
                    installed: installed.clone(),
                }),
            }
        }
    }
    if reasons.is_empty() {
        if let Some(percent) = product.rollout_percent {
            let bucket = rollout_bucket(&env.machine_id, key, &product.version);
            if bucket >= percent {
                reasons.push(Reason::Rollout { percent, bucket });
            }
        }
    }
    if reasons.is_empty() {
        reasons = blockers(product, env);
    }
    item.action = reasons
        .first()
        .and_then(Reason::action)
        .unwrap_or(match installed {
            Some(_) => Action::Upgrade,
            None => Action::Install,
        });
    if item.action.is_offered() {
        if let Some(installed) = installed {
            reasons.push(Reason::Replaces {
                installed: installed.clone(),
            });
        }
        if product.critical {
            reasons.push(Reason::Critical);
        }
        if let Some(format) = product.required_cache_format {
            item.cache_upgrade = Some(format);
            reasons.push(Reason::CacheUpgrade { format });
        }
    }
    item.reasons = reasons;
    item
}

/// Keeps one offer per product: the highest version, the first listed
/// among equals. `keys` are the items' [`product_key`]s.
fn supersede(keys: &[String], items: &mut [PlanItem]) {
    let mut best: HashMap<&str, usize> = HashMap::new();
    for (position, (key, item)) in keys.iter().zip(items.iter()).enumerate() {
        if !item.action.is_offered() {
            continue;
        }
        let slot = best.entry(key).or_insert(position);
        let current = items.get(*slot).map(|current| &current.version);
        if current.is_some_and(|current| item.version > *current) {
            *slot = position;
        }
    }
    for (position, key) in keys.iter().enumerate() {
        let Some(&winner) = best.get(key.as_str()) else {
            continue;
        };
        if winner == position {
            continue;
        }
        let by = items.get(winner).map(|winner| winner.version.clone());
        if let (Some(item), Some(by)) = (items.get_mut(position), by) {
            if item.action.is_offered() {
                item.action = Action::NotApplicable;
                item.cache_upgrade = None;
                item.reasons = vec![Reason::Superseded { by }];
            }
        }
    }
}

#[cfg(feature = "serde")]
fn serialize_reasons<S: serde::Serializer>(
    reasons: &[Reason],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(reasons.iter().map(ToString::to_string))
}

/// `x86` and `x64`, as the manifest spells them.
#[cfg(feature = "serde")]
mod serde_architecture {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::Architecture;

    fn from_text<E: serde::de::Error>(text: &str) -> Result<Architecture, E> {
        match text.to_ascii_lowercase().as_str() {
            "x86" => Ok(Architecture::X86),
            "x64" => Ok(Architecture::X64),
            _ => Err(E::custom(format!(
                "unknown architecture {text:?} (x86 or x64)"
            ))),
        }
    }

    pub(super) fn serialize<S: Serializer>(
        architecture: &Architecture,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(architecture.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Architecture, D::Error> {
        from_text(&String::deserialize(deserializer)?)
    }

    pub(super) mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        use crate::Architecture;

        pub(in crate::plan) fn serialize<S: Serializer>(
            architecture: &Option<Architecture>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match architecture {
                Some(architecture) => serializer.serialize_str(architecture.as_str()),
                None => serializer.serialize_none(),
            }
        }

        pub(in crate::plan) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Architecture>, D::Error> {
            Option::<String>::deserialize(deserializer)?
                .map(|text| super::from_text(&text))
                .transpose()
        }
    }
}
