//! The installed-product inventory of a Windows machine, read from a `.reg`
//! export of its Windows Installer registrations instead of from msi.dll.
//!
//! Where Windows Installer keeps what it installed (all product and upgrade
//! codes in these key names are *packed*, see [`Guid::to_packed`]):
//!
//! | context | products | upgrade codes | install properties |
//! | --- | --- | --- | --- |
//! | per-machine | `HKLM\SOFTWARE\Classes\Installer\Products\<P>` (also seen as `HKEY_CLASSES_ROOT\Installer\Products\<P>`) | `HKLM\SOFTWARE\Classes\Installer\UpgradeCodes\<U>` and `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Installer\UpgradeCodes\<U>` | `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Installer\UserData\S-1-5-18\Products\<P>\InstallProperties` |
//! | per-user managed | `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Installer\Managed\<SID>\Installer\Products\<P>` | `...\Managed\<SID>\Installer\UpgradeCodes\<U>` | `...\Installer\UserData\<SID>\Products\<P>\InstallProperties` |
//! | per-user unmanaged | `HKCU\Software\Microsoft\Installer\Products\<P>` or `HKEY_USERS\<SID>\Software\Microsoft\Installer\Products\<P>` | `HKCU\Software\Microsoft\Installer\UpgradeCodes\<U>` (or under `HKEY_USERS\<SID>`) | `...\Installer\UserData\<SID>\Products\<P>\InstallProperties` |
//!
//! A product key holds what advertising published (`ProductName`,
//! `PackageCode` packed, `Language` and `Version` DWORDs, `Assignment`...,
//! and `SourceList\PackageName`); `InstallProperties` holds what installing
//! wrote (`DisplayName`, `DisplayVersion`, `Publisher`, `InstallDate`,
//! `LocalPackage` — `ManagedLocalPackage` for managed installs —,
//! `InstallLocation`...). An `UpgradeCodes\<U>` key has one value per
//! product, named by the packed product code.
//!
//! The file is read as importing it would leave the registry: later
//! assignments win, `"name"=-` and `[-KEY]` lines delete. `Wow6432Node`
//! after `SOFTWARE` is accepted and read like the key without it (the
//! Installer keys are shared between the 32- and 64-bit views).
//!
//! Malformed registrations (a key name that is not a packed GUID, a value
//! of the wrong type) do not stop the reading: they are skipped and listed
//! in [`Inventory::warnings`], because Windows Installer itself passes over
//! such entries and one bad key should not hide the rest of the machine.
//! Only a file that is not a `.reg` export at all is an error.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use olkit_regfile::{RegFile, RegType, Value as RegValue};

use crate::{Error, Guid, ProductVersion, Result};

/// The SID of LocalSystem, under which per-machine installs keep their
/// `UserData`.
pub const MACHINE_SID: &str = "S-1-5-18";

/// An installation context, as `MSIINSTALLCONTEXT` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstallContext {
    /// Per-user, managed (installed with elevated privileges by policy):
    /// `MSIINSTALLCONTEXT_USERMANAGED` (1).
    UserManaged,
    /// Per-user, unmanaged: `MSIINSTALLCONTEXT_USERUNMANAGED` (2).
    UserUnmanaged,
    /// Per-machine: `MSIINSTALLCONTEXT_MACHINE` (4).
    Machine,
}

impl InstallContext {
    /// The `MSIINSTALLCONTEXT` value (1, 2 or 4).
    pub fn bit(self) -> u32 {
        match self {
            InstallContext::UserManaged => 1,
            InstallContext::UserUnmanaged => 2,
            InstallContext::Machine => 4,
        }
    }

    /// `machine`, `user-managed` or `user-unmanaged`.
    pub fn as_str(self) -> &'static str {
        match self {
            InstallContext::UserManaged => "user-managed",
            InstallContext::UserUnmanaged => "user-unmanaged",
            InstallContext::Machine => "machine",
        }
    }

    /// Whether this is one of the per-user contexts.
    pub fn is_per_user(self) -> bool {
        self != InstallContext::Machine
    }
}

impl fmt::Display for InstallContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for InstallContext {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A set of installation contexts, with the bits of `MSIINSTALLCONTEXT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Contexts(pub u32);

impl Contexts {
    /// `MSIINSTALLCONTEXT_USERMANAGED`.
    pub const USER_MANAGED: Contexts = Contexts(1);
    /// `MSIINSTALLCONTEXT_USERUNMANAGED`.
    pub const USER_UNMANAGED: Contexts = Contexts(2);
    /// `MSIINSTALLCONTEXT_MACHINE`.
    pub const MACHINE: Contexts = Contexts(4);
    /// `MSIINSTALLCONTEXT_ALL`.
    pub const ALL: Contexts = Contexts(7);

    /// Whether the set holds `context`.
    pub fn contains(self, context: InstallContext) -> bool {
        self.0 & context.bit() != 0
    }
}

/// Whose per-user products to list, as the `szUserSid` argument of
/// `MsiEnumProductsEx` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserFilter {
    /// The current user (`NULL`): the `HKEY_CURRENT_USER` registrations and
    /// those of the current user's SID, when the export tells it.
    Current,
    /// Every user (`s-1-1-0`, Everyone).
    All,
    /// The user with this SID (compared ignoring case).
    Sid(String),
}

impl UserFilter {
    /// The filter `MsiEnumProductsEx` makes of its `szUserSid` argument:
    /// none is the current user, `s-1-1-0` (any case) every user.
    pub fn from_sid_argument(sid: Option<&str>) -> UserFilter {
        match sid {
            None => UserFilter::Current,
            Some(s) if s.eq_ignore_ascii_case("s-1-1-0") => UserFilter::All,
            Some(s) => UserFilter::Sid(s.to_string()),
        }
    }
}

/// What Windows Installer would say of a registered product
/// (`INSTALLPROPERTY_PRODUCTSTATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProductState {
    /// Installed: `InstallProperties` has a local package
    /// (`INSTALLSTATE_DEFAULT`, 5).
    Installed,
    /// Advertised only: a product key without an installed local package
    /// (`INSTALLSTATE_ADVERTISED`, 1).
    Advertised,
    /// Only leftovers: `InstallProperties` without a local package and no
    /// product key (`INSTALLSTATE_ABSENT`, 2).
    Absent,
}

impl ProductState {
    /// The `INSTALLSTATE` number (5, 1 or 2).
    pub fn code(self) -> i32 {
        match self {
            ProductState::Installed => 5,
            ProductState::Advertised => 1,
            ProductState::Absent => 2,
        }
    }

    /// `installed`, `advertised` or `absent`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProductState::Installed => "installed",
            ProductState::Advertised => "advertised",
            ProductState::Absent => "absent",
        }
    }
}

impl fmt::Display for ProductState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ProductState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One row of [`Inventory::planning_rows`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanningRow<'a> {
    /// The ProductCode.
    pub product_code: Guid,
    /// One UpgradeCode it is registered under.
    pub upgrade_code: Option<Guid>,
    /// Its version as text (the `Version` DWORD, else `DisplayVersion`).
    pub version: String,
    /// Its name as Windows shows it.
    pub name: &'a str,
}

/// One product instance registered with Windows Installer: a product code
/// in one context (and, per user, for one user).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct InstalledProduct {
    /// The ProductCode.
    pub product_code: Guid,
    /// Where it is registered.
    pub context: InstallContext,
    /// The user's SID for the per-user contexts; `None` per machine, and
    /// for `HKEY_CURRENT_USER` registrations when the export does not tell
    /// whose they are.
    pub user_sid: Option<String>,
    /// Installed, advertised or absent.
    pub state: ProductState,
    /// The UpgradeCodes it is registered under (usually one).
    pub upgrade_codes: Vec<Guid>,
    /// `ProductName` of the product key (what advertising published).
    pub product_name: Option<String>,
    /// `DisplayName` of `InstallProperties` (`InstalledProductName`).
    pub installed_product_name: Option<String>,
    /// The `Version` DWORD (product key, else `InstallProperties`).
    pub version: Option<ProductVersion>,
    /// `DisplayVersion` of `InstallProperties` (`VersionString`).
    pub version_string: Option<String>,
    /// The `Language` DWORD (product key, else `InstallProperties`).
    pub language: Option<u16>,
    /// `PackageCode` of the product key, unpacked.
    pub package_code: Option<Guid>,
    /// `Publisher`.
    pub publisher: Option<String>,
    /// `InstallDate` (`YYYYMMDD`).
    pub install_date: Option<String>,
    /// `InstallLocation`.
    pub install_location: Option<String>,
    /// `InstallSource`.
    pub install_source: Option<String>,
    /// The cached package (`LocalPackage`, or `ManagedLocalPackage` for
    /// managed installs).
    pub local_package: Option<String>,
    /// `SourceList\PackageName`: the original package's file name.
    pub package_name: Option<String>,
    /// The product key's path as the file spells it.
    pub product_key: Option<String>,
    /// The `InstallProperties` key's path as the file spells it.
    pub install_properties_key: Option<String>,
    /// Product key values (name, text as msi.dll renders it).
    #[cfg_attr(feature = "serde", serde(skip))]
    advertised: Vec<(String, String)>,
    /// `InstallProperties` values, likewise.
    #[cfg_attr(feature = "serde", serde(skip))]
    install_properties: Vec<(String, String)>,
}

/// The properties `MsiGetProductInfoEx` reads from `InstallProperties`
/// (installed products only), with the value name each is stored under.
const INSTALLED_PROPERTIES: &[(&str, &str)] = &[
    ("HelpLink", "HelpLink"),
    ("HelpTelephone", "HelpTelephone"),
    ("InstallDate", "InstallDate"),
    ("InstalledProductName", "DisplayName"),
    ("InstallLocation", "InstallLocation"),
    ("InstallSource", "InstallSource"),
    ("LocalPackage", "LocalPackage"),
    ("Publisher", "Publisher"),
    ("URLInfoAbout", "URLInfoAbout"),
    ("URLUpdateInfo", "URLUpdateInfo"),
    ("VersionMinor", "VersionMinor"),
    ("VersionMajor", "VersionMajor"),
    ("VersionString", "DisplayVersion"),
    ("ProductID", "ProductID"),
    ("RegCompany", "RegCompany"),
    ("RegOwner", "RegOwner"),
];

/// The properties it reads from the product key (advertised or installed).
const ADVERTISED_PROPERTIES: &[(&str, &str)] = &[
    ("Transforms", "Transforms"),
    ("Language", "Language"),
    ("ProductName", "ProductName"),
    ("AssignmentType", "Assignment"),
    ("PackageCode", "PackageCode"),
    ("Version", "Version"),
    ("ProductIcon", "ProductIcon"),
    ("PackageName", "PackageName"),
    ("AuthorizedLUAApp", "AuthorizedLUAApp"),
    ("InstanceType", "InstanceType"),
];

impl InstalledProduct {
    /// A product with nothing but its code, context and state, for callers
    /// that build their own list (e.g. from another inventory source).
    pub fn new(product_code: Guid, context: InstallContext, state: ProductState) -> Self {
        InstalledProduct {
            product_code,
            context,
            user_sid: None,
            state,
            upgrade_codes: Vec::new(),
            product_name: None,
            installed_product_name: None,
            version: None,
            version_string: None,
            language: None,
            package_code: None,
            publisher: None,
            install_date: None,
            install_location: None,
            install_source: None,
            local_package: None,
            package_name: None,
            product_key: None,
            install_properties_key: None,
            advertised: Vec::new(),
            install_properties: Vec::new(),
        }
    }

    /// The name to show: the installed name, else the advertised one.
    pub fn display_name(&self) -> Option<&str> {
        self.installed_product_name
            .as_deref()
            .or(self.product_name.as_deref())
    }

    /// One product property by its `INSTALLPROPERTY_*` name, the way
    /// `MsiGetProductInfoEx` answers (names are case-sensitive):
    ///
    /// - `State`: `5` installed, `1` advertised.
    /// - `InstalledProductName`, `VersionString`, `Publisher`, `InstallDate`,
    ///   `LocalPackage`, `InstallLocation`, `InstallSource`, `HelpLink`,
    ///   `HelpTelephone`, `URLInfoAbout`, `URLUpdateInfo`, `VersionMajor`,
    ///   `VersionMinor`, `ProductID`, `RegCompany`, `RegOwner`: from
    ///   `InstallProperties`; [`Error::UnknownProperty`] when the product
    ///   is not installed.
    /// - `ProductName`, `Language`, `Version`, `PackageCode` (unpacked),
    ///   `AssignmentType`, `Transforms`, `ProductIcon`, `PackageName`,
    ///   `AuthorizedLUAApp`, `InstanceType`: from the product key;
    ///   [`Error::UnknownProduct`] when there is none.
    ///
    /// A property the key does not hold reads as the empty string, DWORDs
    /// as decimal text. Any other name is [`Error::UnknownProperty`].
    pub fn info(&self, property: &str) -> Result<String> {
        let unknown_property = || Error::UnknownProperty {
            product_code: self.product_code.to_string(),
            property: property.to_string(),
        };
        if property == "State" {
            return match self.state {
                ProductState::Absent => Err(self.unknown_product()),
                state => Ok(state.code().to_string()),
            };
        }
        if let Some((_, value_name)) = INSTALLED_PROPERTIES.iter().find(|(p, _)| *p == property) {
            if self.state != ProductState::Installed {
                return Err(if self.product_key.is_some() {
                    unknown_property()
                } else {
                    self.unknown_product()
                });
            }
            return Ok(lookup(&self.install_properties, value_name)
                .unwrap_or_default()
                .to_string());
        }
        if let Some((_, value_name)) = ADVERTISED_PROPERTIES.iter().find(|(p, _)| *p == property) {
            if self.product_key.is_none() {
                return Err(self.unknown_product());
            }
            let value = lookup(&self.advertised, value_name).unwrap_or_default();
            return match property {
                "PackageCode" if !value.is_empty() => {
                    Guid::from_packed(value).map(|g| g.to_string())
                }
                _ => Ok(value.to_string()),
            };
        }
        Err(unknown_property())
    }

    fn unknown_product(&self) -> Error {
        Error::UnknownProduct {
            product_code: self.product_code.to_string(),
            context: self.context.to_string(),
        }
    }
}

fn lookup<'a>(values: &'a [(String, String)], name: &str) -> Option<&'a str> {
    values
        .iter()
        .rev()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A registration that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct InventoryWarning {
    /// The key concerned, as the file spells it.
    pub key: String,
    /// 1-based line of the key in the file.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for InventoryWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: [{}]: {}", self.line, self.key, self.message)
    }
}

/// The products a `.reg` export shows installed or advertised.
///
/// ```
/// use olkit_msi_query::{Contexts, Guid, Inventory, UserFilter};
///
/// let reg = "Windows Registry Editor Version 5.00\r\n\r\n\
///     [HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\44C1F2B6E1D7B0E4B9A1C3D5E2F7A810]\r\n\
///     \"ProductName\"=\"Olkit Sample\"\r\n\
///     \"Version\"=dword:01010000\r\n\r\n";
/// let inventory = Inventory::from_reg_bytes(reg.as_bytes())?;
/// let code = Guid::parse("{6B2F1C44-7D1E-4E0B-9B1A-3C5D2E7F8A01}")?;
/// let found = inventory.enum_products(Some(&code), &UserFilter::All, Contexts::ALL);
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].version.map(|v| v.to_string()).as_deref(), Some("1.1.0"));
/// assert_eq!(found[0].info("State")?, "1"); // advertised: no InstallProperties
/// # Ok::<(), olkit_msi_query::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    products: Vec<InstalledProduct>,
    /// `(packed upgrade code, product codes)` in file order of the values.
    related: Vec<(Guid, Vec<Guid>)>,
    current_user_sid: Option<String>,
    warnings: Vec<InventoryWarning>,
}

impl Inventory {
    /// Reads the inventory of a `.reg` export given as bytes (any encoding
    /// regedit writes). A file that does not parse as `.reg` is
    /// [`Error::Reg`].
    pub fn from_reg_bytes(bytes: &[u8]) -> Result<Inventory> {
        Ok(Inventory::from_reg_file(&RegFile::parse(bytes)?))
    }

    /// Reads the inventory of a `.reg` file on disk.
    pub fn read(path: impl AsRef<Path>) -> Result<Inventory> {
        Ok(Inventory::from_reg_file(&RegFile::read(path)?))
    }

    /// Reads the inventory of an already parsed `.reg` file.
    pub fn from_reg_file(file: &RegFile) -> Inventory {
        let _span = tracing::debug_span!("inventory_from_reg", keys = file.key_count()).entered();
        Builder::default().build(file)
    }

    /// Every registered product instance: per-user managed first, then
    /// per-user unmanaged, then per-machine (the order in which Windows
    /// Installer searches the contexts), each in file order.
    pub fn products(&self) -> &[InstalledProduct] {
        &self.products
    }

    /// The registrations skipped as malformed.
    pub fn warnings(&self) -> &[InventoryWarning] {
        &self.warnings
    }

    /// The SID of the `HKEY_CURRENT_USER` registrations, when the export
    /// tells it (their `UserData` is under exactly one user SID).
    pub fn current_user_sid(&self) -> Option<&str> {
        self.current_user_sid.as_deref()
    }

    /// What an update planner compares a manifest with: the products of
    /// the current user and the machine that are installed or advertised
    /// and have a version, one row per UpgradeCode they are registered
    /// under (one row without an UpgradeCode when they have none).
    pub fn planning_rows(&self) -> Vec<PlanningRow<'_>> {
        let mut rows = Vec::new();
        for p in self.enum_products(None, &UserFilter::Current, Contexts::ALL) {
            if p.state == ProductState::Absent {
                continue;
            }
            let version = match (&p.version, &p.version_string) {
                (Some(v), _) => v.to_string(),
                (None, Some(text)) => text.clone(),
                // Without a version it cannot be compared.
                (None, None) => continue,
            };
            let name = p.display_name().unwrap_or_default();
            let mut push = |upgrade_code: Option<Guid>| {
                rows.push(PlanningRow {
                    product_code: p.product_code,
                    upgrade_code,
                    version: version.clone(),
                    name,
                });
            };
            match p.upgrade_codes.as_slice() {
                [] => push(None),
                codes => codes.iter().copied().for_each(|c| push(Some(c))),
            }
        }
        rows
    }

    /// `MsiEnumProductsEx`: the product instances in `contexts` for the
    /// users `user` selects (per-machine products whatever `user` is),
    /// optionally only those with `product_code`.
    pub fn enum_products(
        &self,
        product_code: Option<&Guid>,
        user: &UserFilter,
        contexts: Contexts,
    ) -> Vec<&InstalledProduct> {
        self.products
            .iter()
            .filter(|p| contexts.contains(p.context))
            .filter(|p| product_code.is_none_or(|code| p.product_code == *code))
            .filter(|p| p.context == InstallContext::Machine || self.user_matches(p, user))
            .collect()
    }

    fn user_matches(&self, product: &InstalledProduct, user: &UserFilter) -> bool {
        let sid = product.user_sid.as_deref();
        match user {
            UserFilter::All => true,
            UserFilter::Sid(wanted) => sid.is_some_and(|s| s.eq_ignore_ascii_case(wanted)),
            UserFilter::Current => match (sid, self.current_user_sid.as_deref()) {
                (None, _) => true,
                (Some(s), Some(current)) => s.eq_ignore_ascii_case(current),
                (Some(_), None) => false,
            },
        }
    }

    /// The product instance `MsiGetProductInfoEx` would look at: `product_code`
    /// in `context`, for the user `user_sid` (`None` is the current user;
    /// ignored per machine).
    pub fn product(
        &self,
        product_code: &Guid,
        user_sid: Option<&str>,
        context: InstallContext,
    ) -> Option<&InstalledProduct> {
        let user = match user_sid {
            None => UserFilter::Current,
            Some(sid) => UserFilter::Sid(sid.to_string()),
        };
        self.products.iter().find(|p| {
            p.product_code == *product_code
                && p.context == context
                && (context == InstallContext::Machine || self.user_matches(p, &user))
        })
    }

    /// `MsiGetProductInfoEx`: one property of a product instance (see
    /// [`InstalledProduct::info`] for the names);
    /// [`Error::UnknownProduct`] when the instance is not registered.
    pub fn product_info(
        &self,
        product_code: &Guid,
        user_sid: Option<&str>,
        context: InstallContext,
        property: &str,
    ) -> Result<String> {
        self.product(product_code, user_sid, context)
            .ok_or_else(|| Error::UnknownProduct {
                product_code: product_code.to_string(),
                context: context.to_string(),
            })?
            .info(property)
    }

    /// `MsiEnumRelatedProducts`: the product instances registered under
    /// `upgrade_code`, in the order of the `UpgradeCodes` values (every
    /// context and user; filter on [`InstalledProduct::context`] and
    /// [`InstalledProduct::user_sid`] for one view).
    pub fn related_products(&self, upgrade_code: &Guid) -> Vec<&InstalledProduct> {
        let mut order: HashMap<Guid, usize> = HashMap::new();
        for (code, products) in &self.related {
            if code == upgrade_code {
                for product_code in products {
                    let next = order.len();
                    order.entry(*product_code).or_insert(next);
                }
            }
        }
        let mut out: Vec<(usize, &InstalledProduct)> = self
            .products
            .iter()
            .filter_map(|p| order.get(&p.product_code).map(|&at| (at, p)))
            .collect();
        out.sort_by_key(|(at, _)| *at);
        out.into_iter().map(|(_, p)| p).collect()
    }
}

// ---------------------------------------------------------------------------
// Reading the file

/// A key as importing the file leaves it: path, first line, values.
struct KeyState {
    path: String,
    line: usize,
    values: Vec<(String, RegValue)>,
    deleted: bool,
}

/// Replays the file's key and value lines in order, as regedit's import
/// would, so that later assignments win and deletions delete.
fn effective_keys(file: &RegFile) -> Vec<KeyState> {
    let mut keys: Vec<KeyState> = Vec::new();
    // Ordered, so that a `[-KEY]` finds the keys below it as one range.
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for key in file.keys() {
        let folded = key.path().to_ascii_lowercase();
        if key.is_deletion() {
            // Keys below `k` sort between `k\` and `k]` (`]` follows `\`).
            let mut gone: Vec<String> = index
                .range(format!("{folded}\\")..format!("{folded}]"))
                .map(|(path, _)| path.clone())
                .collect();
            gone.push(folded);
            for path in gone {
                if let Some(state) = index.remove(&path).and_then(|i| keys.get_mut(i)) {
                    state.deleted = true;
                }
            }
            continue;
        }
        let slot = match index.get(&folded) {
            Some(&i) => i,
            None => {
                keys.push(KeyState {
                    path: key.path().to_string(),
                    line: key.line(),
                    values: Vec::new(),
                    deleted: false,
                });
                let i = keys.len() - 1;
                index.insert(folded, i);
                i
            }
        };
        let Some(state) = keys.get_mut(slot) else {
            continue;
        };
        for entry in key.entries() {
            let name = entry.name();
            let existing = state
                .values
                .iter()
                .position(|(n, _)| n.eq_ignore_ascii_case(name));
            match (entry.value(), existing) {
                (Some(value), Some(at)) => {
                    if let Some(slot) = state.values.get_mut(at) {
                        slot.1 = value.clone();
                    }
                }
                (Some(value), None) => state.values.push((name.to_string(), value.clone())),
                (None, Some(at)) => {
                    state.values.remove(at);
                }
                (None, None) => {}
            }
        }
    }
    keys.retain(|k| !k.deleted);
    keys
}

/// Where a key sits in the Installer layout.
enum Place {
    /// A product key (or its `SourceList` subkey).
    Product {
        context: InstallContext,
        /// `None`: `HKEY_CURRENT_USER`.
        sid: Option<String>,
        packed: String,
        source_list: bool,
    },
    /// An `UpgradeCodes\<U>` key.
    UpgradeCode { packed: String },
    /// `UserData\<SID>\Products\<P>\InstallProperties`.
    InstallProperties { sid: String, packed: String },
    /// A key directly holding product or upgrade-code keys, or anything else.
    Other,
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Splits a key path into its hive and the components below, with
/// `HKEY_CLASSES_ROOT\X` read as `HKEY_LOCAL_MACHINE\SOFTWARE\Classes\X`
/// and a `Wow6432Node` after `SOFTWARE` dropped.
fn normalized(path: &str) -> (String, Vec<&str>) {
    let mut parts = path.split('\\').filter(|p| !p.is_empty());
    let hive = parts.next().unwrap_or_default().to_ascii_uppercase();
    let mut rest: Vec<&str> = parts.collect();
    let hive = match hive.as_str() {
        "HKLM" => "HKEY_LOCAL_MACHINE".to_string(),
        "HKCU" => "HKEY_CURRENT_USER".to_string(),
        "HKU" => "HKEY_USERS".to_string(),
        "HKEY_CLASSES_ROOT" | "HKCR" => {
            rest.splice(0..0, ["SOFTWARE", "Classes"]);
            "HKEY_LOCAL_MACHINE".to_string()
        }
        _ => hive,
    };
    let software_at = if hive == "HKEY_USERS" { 1 } else { 0 };
    if rest.get(software_at).is_some_and(|p| eq(p, "SOFTWARE"))
        && rest
            .get(software_at + 1)
            .is_some_and(|p| eq(p, "Wow6432Node"))
    {
        rest.remove(software_at + 1);
    }
    (hive, rest)
}

fn matches_prefix(parts: &[&str], prefix: &[&str]) -> bool {
    parts.len() >= prefix.len() && parts.iter().zip(prefix).all(|(a, b)| eq(a, b))
}

/// The packed code and what follows it, for keys below `prefix`.
fn below<'a>(parts: &[&'a str], prefix: &[&str]) -> Option<(&'a str, Vec<&'a str>)> {
    if !matches_prefix(parts, prefix) {
        return None;
    }
    let rest = parts.get(prefix.len()..)?;
    let (first, tail) = rest.split_first()?;
    Some((first, tail.to_vec()))
}

const INSTALLER: &[&str] = &[
    "SOFTWARE",
    "Microsoft",
    "Windows",
    "CurrentVersion",
    "Installer",
];

fn classify(path: &str) -> Place {
    let (hive, parts) = normalized(path);
    let product = |context, sid: Option<String>, packed: &str, tail: &[&str]| match tail {
        [] => Place::Product {
            context,
            sid,
            packed: packed.to_string(),
            source_list: false,
        },
        [sub] if eq(sub, "SourceList") => Place::Product {
            context,
            sid,
            packed: packed.to_string(),
            source_list: true,
        },
        _ => Place::Other,
    };
    let upgrade = |packed: &str, tail: &[&str]| {
        if tail.is_empty() {
            Place::UpgradeCode {
                packed: packed.to_string(),
            }
        } else {
            Place::Other
        }
    };
    match hive.as_str() {
        "HKEY_LOCAL_MACHINE" => {
            let classes = ["SOFTWARE", "Classes", "Installer"];
            if let Some((p, tail)) = below(&parts, &[&classes[..], &["Products"]].concat()) {
                return product(InstallContext::Machine, None, p, &tail);
            }
            if let Some((p, tail)) = below(&parts, &[&classes[..], &["UpgradeCodes"]].concat()) {
                return upgrade(p, &tail);
            }
            if let Some((p, tail)) = below(&parts, &[INSTALLER, &["UpgradeCodes"]].concat()) {
                return upgrade(p, &tail);
            }
            if let Some((sid, tail)) = below(&parts, &[INSTALLER, &["UserData"]].concat()) {
                return match tail.as_slice() {
                    [products, p, props]
                        if eq(products, "Products") && eq(props, "InstallProperties") =>
                    {
                        Place::InstallProperties {
                            sid: sid.to_string(),
                            packed: p.to_string(),
                        }
                    }
                    _ => Place::Other,
                };
            }
            if let Some((sid, tail)) = below(&parts, &[INSTALLER, &["Managed"]].concat()) {
                return match tail.as_slice() {
                    [installer, products, p, rest @ ..]
                        if eq(installer, "Installer") && eq(products, "Products") =>
                    {
                        product(InstallContext::UserManaged, Some(sid.to_string()), p, rest)
                    }
                    [installer, codes, u, rest @ ..]
                        if eq(installer, "Installer") && eq(codes, "UpgradeCodes") =>
                    {
                        upgrade(u, rest)
                    }
                    _ => Place::Other,
                };
            }
            Place::Other
        }
        "HKEY_CURRENT_USER" | "HKEY_USERS" => {
            let (sid, parts) = if hive == "HKEY_USERS" {
                match parts.split_first() {
                    Some((sid, rest)) => (Some(sid.to_string()), rest.to_vec()),
                    None => return Place::Other,
                }
            } else {
                (None, parts)
            };
            let base = ["SOFTWARE", "Microsoft", "Installer"];
            if let Some((p, tail)) = below(&parts, &[&base[..], &["Products"]].concat()) {
                return product(InstallContext::UserUnmanaged, sid, p, &tail);
            }
            if let Some((u, tail)) = below(&parts, &[&base[..], &["UpgradeCodes"]].concat()) {
                return upgrade(u, &tail);
            }
            Place::Other
        }
        _ => Place::Other,
    }
}

/// Renders a registry value the way msi.dll hands it out as text.
fn render(value: &RegValue) -> Option<String> {
    match value.ty() {
        RegType::SZ | RegType::EXPAND_SZ => value.as_str().ok(),
        RegType::DWORD | RegType::DWORD_BIG_ENDIAN => value.as_u32().ok().map(|n| n.to_string()),
        RegType::MULTI_SZ => value.as_multi_string().ok().map(|items| items.join("\n")),
        _ => None,
    }
}

/// What the product key and its `SourceList` hold.
#[derive(Default)]
struct ProductKey {
    path: String,
    line: usize,
    values: Vec<(String, RegValue)>,
    source_list: Vec<(String, RegValue)>,
}

/// A product instance: context, user (`None` per machine or unknown), code.
type ProductId = (InstallContext, Option<String>, Guid);

/// A key's values as importing leaves them.
type Values = [(String, RegValue)];

#[derive(Default)]
struct Builder {
    /// `(context, sid, product code)` -> product key, in file order.
    product_keys: Vec<(ProductId, ProductKey)>,
    product_index: HashMap<ProductId, usize>,
    /// `(sid, product code)` -> `InstallProperties` key, in file order.
    props: Vec<((String, Guid), KeyState)>,
    props_index: HashMap<(String, Guid), usize>,
    related: Vec<(Guid, Vec<Guid>)>,
    related_index: HashMap<Guid, usize>,
    related_pairs: HashSet<(Guid, Guid)>,
    warnings: Vec<InventoryWarning>,
}

impl Builder {
    fn warn(&mut self, key: &KeyState, message: String) {
        self.warnings.push(InventoryWarning {
            key: key.path.clone(),
            line: key.line,
            message,
        });
    }

    fn packed(&mut self, key: &KeyState, packed: &str, what: &str) -> Option<Guid> {
        match Guid::from_packed(packed) {
            Ok(guid) => Some(guid),
            Err(e) => {
                self.warn(
                    key,
                    format!("skipped: the {what} key name is not a packed GUID ({e})"),
                );
                None
            }
        }
    }

    fn build(mut self, file: &RegFile) -> Inventory {
        for key in effective_keys(file) {
            match classify(&key.path) {
                Place::Product {
                    context,
                    sid,
                    packed,
                    source_list,
                } => {
                    let Some(code) = self.packed(&key, &packed, "product") else {
                        continue;
                    };
                    let id = (context, sid, code);
                    let next = self.product_keys.len();
                    let at = *self.product_index.entry(id.clone()).or_insert(next);
                    if at == next {
                        self.product_keys.push((id, ProductKey::default()));
                    }
                    if let Some((_, entry)) = self.product_keys.get_mut(at) {
                        if source_list {
                            entry.source_list = key.values;
                        } else {
                            entry.path = key.path;
                            entry.line = key.line;
                            entry.values = key.values;
                        }
                    }
                }
                Place::UpgradeCode { packed } => {
                    let Some(upgrade_code) = self.packed(&key, &packed, "upgrade code") else {
                        continue;
                    };
                    let next = self.related.len();
                    let at = *self.related_index.entry(upgrade_code).or_insert(next);
                    if at == next {
                        self.related.push((upgrade_code, Vec::new()));
                    }
                    for (name, _) in &key.values {
                        match Guid::from_packed(name) {
                            Ok(code) => {
                                if self.related_pairs.insert((upgrade_code, code)) {
                                    if let Some((_, list)) = self.related.get_mut(at) {
                                        list.push(code);
                                    }
                                }
                            }
                            // The default value (`@`) is not a product.
                            Err(_) if name.is_empty() => {}
                            Err(e) => self.warn(
                                &key,
                                format!("skipped value {name:?}: not a packed product code ({e})"),
                            ),
                        }
                    }
                }
                Place::InstallProperties { sid, packed } => {
                    let Some(code) = self.packed(&key, &packed, "UserData product") else {
                        continue;
                    };
                    let id = (sid.to_ascii_uppercase(), code);
                    match self.props_index.get(&id) {
                        // A second key line of the same path was merged by
                        // effective_keys; this is a differently spelled
                        // duplicate (e.g. via Wow6432Node): the later wins.
                        Some(&at) => {
                            if let Some(slot) = self.props.get_mut(at) {
                                slot.1 = key;
                            }
                        }
                        None => {
                            self.props_index.insert(id.clone(), self.props.len());
                            self.props.push((id, key));
                        }
                    }
                }
                Place::Other => {}
            }
        }
        self.assemble()
    }

    fn assemble(mut self) -> Inventory {
        let props = std::mem::take(&mut self.props);
        // Whose are the HKEY_CURRENT_USER registrations? The one user SID
        // whose UserData has their products, if there is exactly one.
        let mut user_sids_of: HashMap<Guid, Vec<&str>> = HashMap::new();
        for ((sid, code), _) in &props {
            if sid != MACHINE_SID {
                user_sids_of.entry(*code).or_default().push(sid);
            }
        }
        let mut candidates: Vec<String> = Vec::new();
        for ((context, sid, code), _) in &self.product_keys {
            if *context != InstallContext::UserUnmanaged || sid.is_some() {
                continue;
            }
            if candidates.len() > 1 {
                break;
            }
            for sid in user_sids_of.get(code).into_iter().flatten() {
                if !candidates.iter().any(|c| c == sid) {
                    candidates.push((*sid).to_string());
                }
            }
        }
        let current_user_sid = match candidates.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        };

        let mut products = Vec::new();
        let mut used_props = vec![false; props.len()];
        let product_keys = std::mem::take(&mut self.product_keys);
        for ((context, sid, code), key) in product_keys {
            let sid = match (context, sid) {
                (InstallContext::Machine, _) => None,
                (_, Some(sid)) => Some(sid),
                (_, None) => current_user_sid.clone(),
            };
            let props_sid = sid.as_deref().unwrap_or(MACHINE_SID).to_ascii_uppercase();
            let props_at = if context.is_per_user() && sid.is_none() {
                None
            } else {
                self.props_index.get(&(props_sid, code)).copied()
            };
            let props = props_at.and_then(|i| {
                if let Some(used) = used_props.get_mut(i) {
                    *used = true;
                }
                props.get(i).map(|(_, k)| k)
            });
            let product = self.product(code, context, sid, Some(&key), props);
            products.push(product);
        }
        // UserData without a product key: installed or leftover.
        for (((sid, code), key), used) in props.iter().zip(used_props) {
            if used {
                continue;
            }
            let (context, sid) = if sid == MACHINE_SID {
                (InstallContext::Machine, None)
            } else if key.values.iter().any(|(n, _)| eq(n, "ManagedLocalPackage")) {
                (InstallContext::UserManaged, Some(sid.clone()))
            } else {
                (InstallContext::UserUnmanaged, Some(sid.clone()))
            };
            let product = self.product(*code, context, sid, None, Some(key));
            products.push(product);
        }
        let mut upgrade_codes_of: HashMap<Guid, Vec<Guid>> = HashMap::new();
        for (upgrade_code, codes) in &self.related {
            for code in codes {
                let list = upgrade_codes_of.entry(*code).or_default();
                if !list.contains(upgrade_code) {
                    list.push(*upgrade_code);
                }
            }
        }
        for product in &mut products {
            if let Some(codes) = upgrade_codes_of.get(&product.product_code) {
                product.upgrade_codes.clone_from(codes);
            }
        }
        // An export holding both HKEY_CURRENT_USER and that user's
        // HKEY_USERS\<SID> shows the same registrations twice: keep the first.
        let mut seen = HashSet::new();
        products.retain(|p| {
            seen.insert((
                p.context,
                p.user_sid.as_deref().map(str::to_ascii_uppercase),
                p.product_code,
            ))
        });
        // Managed, unmanaged, machine; the sort is stable, so file order
        // stays within each context.
        products.sort_by_key(|p| p.context);
        Inventory {
            products,
            related: self.related,
            current_user_sid,
            warnings: self.warnings,
        }
    }

    fn product(
        &mut self,
        code: Guid,
        context: InstallContext,
        sid: Option<String>,
        key: Option<&ProductKey>,
        props: Option<&KeyState>,
    ) -> InstalledProduct {
        let mut product = InstalledProduct::new(code, context, ProductState::Absent);
        product.user_sid = sid;
        let rendered = |values: &Values| {
            values
                .iter()
                .filter_map(|(n, v)| render(v).map(|text| (n.clone(), text)))
                .collect::<Vec<_>>()
        };
        if let Some(key) = key {
            product.product_key = Some(key.path.clone());
            product.advertised = rendered(&key.values);
            if let Some(name) = key
                .source_list
                .iter()
                .rev()
                .find(|(n, _)| eq(n, "PackageName"))
                .and_then(|(_, v)| render(v))
            {
                product.advertised.push(("PackageName".to_string(), name));
            }
        }
        if let Some(props) = props {
            product.install_properties_key = Some(props.path.clone());
            product.install_properties = rendered(&props.values);
        }
        let local_package_name = if context == InstallContext::UserManaged {
            "ManagedLocalPackage"
        } else {
            "LocalPackage"
        };
        product.local_package = text_of(&product.install_properties, local_package_name);
        product.state = if product.local_package.is_some() {
            ProductState::Installed
        } else if key.is_some() {
            ProductState::Advertised
        } else {
            ProductState::Absent
        };
        product.product_name = text_of(&product.advertised, "ProductName");
        product.package_name = text_of(&product.advertised, "PackageName");
        product.installed_product_name = text_of(&product.install_properties, "DisplayName");
        product.version_string = text_of(&product.install_properties, "DisplayVersion");
        product.publisher = text_of(&product.install_properties, "Publisher");
        product.install_date = text_of(&product.install_properties, "InstallDate");
        product.install_location = text_of(&product.install_properties, "InstallLocation");
        product.install_source = text_of(&product.install_properties, "InstallSource");

        let sources: [(&str, Option<&Values>, usize, &str); 2] = [
            (
                "product key",
                key.map(|k| k.values.as_slice()),
                key.map_or(0, |k| k.line),
                key.map_or("", |k| k.path.as_str()),
            ),
            (
                "InstallProperties",
                props.map(|k| k.values.as_slice()),
                props.map_or(0, |k| k.line),
                props.map_or("", |k| k.path.as_str()),
            ),
        ];
        for (what, values, line, path) in sources {
            let Some(values) = values else { continue };
            let mut warn = |message: String| {
                self.warnings.push(InventoryWarning {
                    key: path.to_string(),
                    line,
                    message: format!("{what}: {message}"),
                })
            };
            if product.version.is_none() {
                match dword(values, "Version") {
                    Ok(Some(n)) => product.version = Some(ProductVersion::from_dword(n)),
                    Ok(None) => {}
                    Err(found) => warn(format!("Version ignored: it is {found}, not a REG_DWORD")),
                }
            }
            if product.language.is_none() {
                match dword(values, "Language") {
                    Ok(Some(n)) => match u16::try_from(n) {
                        Ok(lang) => product.language = Some(lang),
                        Err(_) => warn(format!("Language ignored: {n} is not a LANGID")),
                    },
                    Ok(None) => {}
                    Err(found) => warn(format!("Language ignored: it is {found}, not a REG_DWORD")),
                }
            }
        }
        if let Some(packed) = text_of(&product.advertised, "PackageCode") {
            match Guid::from_packed(&packed) {
                Ok(code) => product.package_code = Some(code),
                Err(e) => self.warnings.push(InventoryWarning {
                    key: product.product_key.clone().unwrap_or_default(),
                    line: key.map_or(0, |k| k.line),
                    message: format!("PackageCode ignored: {e}"),
                }),
            }
        }
        product
    }
}

/// A non-empty text value.
fn text_of(values: &[(String, String)], name: &str) -> Option<String> {
    lookup(values, name)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A DWORD value: `Ok(None)` when absent, `Err(type name)` when of another type.
fn dword(values: &Values, name: &str) -> std::result::Result<Option<u32>, String> {
    match values.iter().rev().find(|(n, _)| eq(n, name)) {
        None => Ok(None),
        Some((_, value)) => value
            .as_u32()
            .map(Some)
            .map_err(|_| value.ty().name().into_owned()),
    }
}
