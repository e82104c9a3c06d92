//! The Upgrade table and what the FindRelatedProducts action makes of it.
//!
//! FindRelatedProducts goes through the Upgrade table row by row. For each
//! row it looks up the products registered under the row's UpgradeCode and
//! keeps those whose version lies within VersionMin/VersionMax (the
//! inclusive bits decide the ends; a NULL bound is no bound) and whose
//! language passes the row's Language list (empty is any language;
//! LanguagesExclusive turns the list into the languages *not* detected).
//! Versions are compared on `major.minor.build` only, the registry `Version`
//! DWORD of the installed product against the row's bounds. Each product
//! found has its ProductCode appended (once, `;`-separated) to the row's
//! ActionProperty; RemoveExistingProducts later removes it unless the row
//! has OnlyDetect. The action does not run at all when the package's own
//! ProductCode is already installed (maintenance mode).

use std::cmp::Ordering;
use std::fmt;

use crate::inventory::{InstallContext, InstalledProduct};
use crate::model::{Table, Value};
use crate::{Error, Guid, Package, ProductVersion, Result};

/// The bit flags of the Upgrade table's Attributes column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UpgradeAttributes(pub u32);

impl UpgradeAttributes {
    /// `msidbUpgradeAttributesMigrateFeatures`: MigrateFeatureStates copies
    /// the feature states of the product found.
    pub const MIGRATE_FEATURES: u32 = 0x1;
    /// `msidbUpgradeAttributesOnlyDetect`: the product is detected, not removed.
    pub const ONLY_DETECT: u32 = 0x2;
    /// `msidbUpgradeAttributesIgnoreRemoveFailure`: a failure to remove the
    /// product does not stop the installation.
    pub const IGNORE_REMOVE_FAILURE: u32 = 0x4;
    /// `msidbUpgradeAttributesVersionMinInclusive`: VersionMin itself is in the range.
    pub const VERSION_MIN_INCLUSIVE: u32 = 0x100;
    /// `msidbUpgradeAttributesVersionMaxInclusive`: VersionMax itself is in the range.
    pub const VERSION_MAX_INCLUSIVE: u32 = 0x200;
    /// `msidbUpgradeAttributesLanguagesExclusive`: detect every language
    /// except those listed.
    pub const LANGUAGES_EXCLUSIVE: u32 = 0x400;

    /// Whether every bit of `flag` is set.
    pub fn has(self, flag: u32) -> bool {
        self.0 & flag == flag
    }
}

/// One row of a package's Upgrade table, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UpgradeRow {
    /// The UpgradeCode of the products this row looks for.
    pub upgrade_code: Guid,
    /// Lower version bound; `None` (NULL) is no lower bound.
    pub version_min: Option<ProductVersion>,
    /// Upper version bound; `None` (NULL) is no upper bound.
    pub version_max: Option<ProductVersion>,
    /// The LANGIDs of the Language column; empty (NULL) matches any language.
    pub languages: Vec<u16>,
    /// The Attributes bits.
    #[cfg_attr(feature = "serde", serde(serialize_with = "attributes_as_number"))]
    pub attributes: UpgradeAttributes,
    /// The Remove column (formatted text naming the features to remove);
    /// `None` removes every feature.
    pub remove: Option<String>,
    /// The property FindRelatedProducts appends the product codes it finds to.
    pub action_property: String,
}

#[cfg(feature = "serde")]
fn attributes_as_number<S: serde::Serializer>(
    attributes: &UpgradeAttributes,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_u32(attributes.0)
}

impl UpgradeRow {
    /// Reads every row of an Upgrade table, in table order. Each value is
    /// checked: an UpgradeCode that is not a braced GUID, a version bound
    /// that is not a version, or a Language entry that is not a LANGID is an
    /// [`Error::InvalidField`] naming the row (1-based) and column.
    pub fn from_table(table: &Table) -> Result<Vec<UpgradeRow>> {
        let find = |name: &'static str| -> Result<usize> {
            table.column_index(name).ok_or_else(|| Error::BadColumns {
                table: table.name().to_string(),
                detail: format!("no column {name}"),
            })
        };
        let upgrade_code = find("UpgradeCode")?;
        let version_min = find("VersionMin")?;
        let version_max = find("VersionMax")?;
        let language = find("Language")?;
        let attributes = find("Attributes")?;
        let remove = find("Remove")?;
        let action_property = find("ActionProperty")?;

        let mut rows = Vec::with_capacity(table.row_count());
        for row in 0..table.row_count() {
            let text = |col: usize| -> Option<&str> {
                match table.value(row, col) {
                    Some(Value::Str(s)) if !s.is_empty() => Some(s),
                    _ => None,
                }
            };
            let located = |name: &str, source: Error| Error::InvalidField {
                location: format!("{} row {}, {name}", table.name(), row + 1),
                source: Box::new(source),
            };
            let code = text(upgrade_code).unwrap_or_default();
            let parsed = UpgradeRow {
                upgrade_code: Guid::parse(code).map_err(|e| located("UpgradeCode", e))?,
                version_min: text(version_min)
                    .map(ProductVersion::parse)
                    .transpose()
                    .map_err(|e| located("VersionMin", e))?,
                version_max: text(version_max)
                    .map(ProductVersion::parse)
                    .transpose()
                    .map_err(|e| located("VersionMax", e))?,
                languages: parse_language_list(text(language).unwrap_or_default())
                    .map_err(|e| located("Language", e))?,
                attributes: UpgradeAttributes(match table.value(row, attributes) {
                    // The bits, whatever the sign of the stored integer.
                    Some(Value::Int(n)) => n as u32,
                    _ => 0,
                }),
                remove: text(remove).map(str::to_owned),
                action_property: text(action_property).unwrap_or_default().to_owned(),
            };
            rows.push(parsed);
        }
        Ok(rows)
    }

    /// Whether OnlyDetect is set: the product found is detected, not removed.
    pub fn only_detect(&self) -> bool {
        self.attributes.has(UpgradeAttributes::ONLY_DETECT)
    }

    /// Whether an installed product of this version (compared on three
    /// fields) lies within the row's range.
    pub fn version_in_range(&self, installed: &ProductVersion) -> bool {
        let min_ok = self
            .version_min
            .is_none_or(|min| match installed.cmp_for_upgrade(&min) {
                Ordering::Greater => true,
                Ordering::Equal => self
                    .attributes
                    .has(UpgradeAttributes::VERSION_MIN_INCLUSIVE),
                Ordering::Less => false,
            });
        let max_ok = self
            .version_max
            .is_none_or(|max| match installed.cmp_for_upgrade(&max) {
                Ordering::Less => true,
                Ordering::Equal => self
                    .attributes
                    .has(UpgradeAttributes::VERSION_MAX_INCLUSIVE),
                Ordering::Greater => false,
            });
        min_ok && max_ok
    }

    /// Whether an installed product of this language passes the row's
    /// Language list. An empty list passes every product. A product whose
    /// language is unknown is not in any list: it fails an inclusive list and
    /// passes an exclusive one.
    pub fn language_matches(&self, installed: Option<u16>) -> bool {
        if self.languages.is_empty() {
            return true;
        }
        let listed = installed.is_some_and(|lang| self.languages.contains(&lang));
        listed != self.attributes.has(UpgradeAttributes::LANGUAGES_EXCLUSIVE)
    }

    /// Whether this row detects the installed product: same upgrade code,
    /// version in range, language passes. A product with no registered
    /// version is compared as 0.0.0, which is what msi.dll's failed DWORD
    /// read leaves.
    pub fn detects(&self, product: &InstalledProduct) -> bool {
        product.upgrade_codes.contains(&self.upgrade_code)
            && self.version_in_range(&product.version.unwrap_or(ProductVersion::new(0, 0, 0)))
            && self.language_matches(product.language)
    }
}

/// Which installed products FindRelatedProducts can see.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    /// Every product given (the default).
    #[default]
    All,
    /// Per-machine products only, as a per-machine installation
    /// (`ALLUSERS=1`) sees them.
    PerMachine,
    /// Per-user products only, as a per-user installation sees them: those
    /// of the user with this SID, or with `None` those whose user is
    /// unknown or any user.
    PerUser(Option<String>),
}

impl Scope {
    fn includes(&self, product: &InstalledProduct) -> bool {
        match self {
            Scope::All => true,
            Scope::PerMachine => product.context == InstallContext::Machine,
            Scope::PerUser(None) => product.context.is_per_user(),
            Scope::PerUser(Some(sid)) => {
                product.context.is_per_user()
                    && product
                        .user_sid
                        .as_deref()
                        .is_none_or(|s| s.eq_ignore_ascii_case(sid))
            }
        }
    }
}

/// How an installed product relates to the package, apart from the
/// Upgrade table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// The same ProductCode: the package is already installed, so
    /// installing it again is maintenance (repair, modify, remove).
    SameProduct,
    /// Same UpgradeCode, a higher `major.minor.build`: installing the
    /// package would be a downgrade.
    NewerVersion,
    /// Same UpgradeCode, the same `major.minor.build` (the fourth field is
    /// ignored).
    SameVersion,
    /// Same UpgradeCode, a lower `major.minor.build`.
    OlderVersion,
    /// Another UpgradeCode, or the package has no UpgradeCode or no
    /// ProductVersion to compare with.
    Unrelated,
}

impl Relation {
    /// `same-product`, `newer-version`, `same-version`, `older-version`, `unrelated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::SameProduct => "same-product",
            Relation::NewerVersion => "newer-version",
            Relation::SameVersion => "same-version",
            Relation::OlderVersion => "older-version",
            Relation::Unrelated => "unrelated",
        }
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Relation {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// An Upgrade table row that detects an installed product.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UpgradeMatch {
    /// 0-based index of the row in [`UpgradeReport::rows`] (table order).
    pub row: usize,
    /// The property the product code is appended to.
    pub action_property: String,
    /// OnlyDetect: detected, not removed.
    pub only_detect: bool,
}

/// What FindRelatedProducts (and the version checks around it) make of
/// one installed product.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ProductVerdict {
    /// The installed product.
    pub product: InstalledProduct,
    /// Whether the [`Scope`] let FindRelatedProducts see it.
    pub in_scope: bool,
    /// The rows that detect it, in table order (empty when out of scope,
    /// and in maintenance mode, where FindRelatedProducts does not run).
    pub matches: Vec<UpgradeMatch>,
    /// How it relates to the package.
    pub relation: Relation,
}

/// What happens to an installed product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpgradeAction {
    /// No row detects it.
    None,
    /// Detected by rows that all have OnlyDetect: listed in their
    /// ActionProperty, left installed.
    Detect,
    /// Detected by a row without OnlyDetect: RemoveExistingProducts removes
    /// it (a major upgrade).
    Remove,
}

impl UpgradeAction {
    /// `none`, `detect` or `remove`.
    pub fn as_str(self) -> &'static str {
        match self {
            UpgradeAction::None => "none",
            UpgradeAction::Detect => "detect",
            UpgradeAction::Remove => "remove",
        }
    }
}

impl fmt::Display for UpgradeAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ProductVerdict {
    /// Removed, detected only, or untouched.
    pub fn action(&self) -> UpgradeAction {
        if self.matches.is_empty() {
            UpgradeAction::None
        } else if self.matches.iter().all(|m| m.only_detect) {
            UpgradeAction::Detect
        } else {
            UpgradeAction::Remove
        }
    }
}

/// The outcome of matching a package against installed products.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UpgradeReport {
    /// The package's ProductCode.
    pub product_code: Option<Guid>,
    /// The package's UpgradeCode.
    pub upgrade_code: Option<Guid>,
    /// The package's ProductVersion.
    pub product_version: Option<ProductVersion>,
    /// Its Upgrade table, in table order.
    pub rows: Vec<UpgradeRow>,
    /// One verdict per installed product given, in the order given.
    pub products: Vec<ProductVerdict>,
    /// The properties FindRelatedProducts sets, in the order it first sets
    /// them, with their values (product codes joined by `;`). Empty in
    /// maintenance mode, where the action does not run.
    pub action_properties: Vec<(String, String)>,
    /// The package's ProductCode is installed (in scope): Windows Installer
    /// runs it in maintenance mode and FindRelatedProducts does not run.
    pub maintenance: bool,
    /// A product in scope with the package's UpgradeCode has a higher
    /// `major.minor.build` than the package.
    pub downgrade: bool,
}

impl UpgradeReport {
    /// The products RemoveExistingProducts would remove.
    pub fn removed(&self) -> impl Iterator<Item = &ProductVerdict> {
        self.products
            .iter()
            .filter(|v| v.action() == UpgradeAction::Remove)
    }

    /// The value FindRelatedProducts leaves in `property`, if it sets it.
    pub fn action_property(&self, property: &str) -> Option<&str> {
        self.action_properties
            .iter()
            .find(|(name, _)| name == property)
            .map(|(_, value)| value.as_str())
    }
}

/// Matches a package (its identity and Upgrade table rows) against
/// installed products, as FindRelatedProducts does, and tells for each
/// product how it relates to the package.
///
/// Rows are processed in order; for each row, the products are taken in the
/// order given (the order of the `UpgradeCodes` registry values, with an
/// [`Inventory`](crate::Inventory)'s products). A product code is appended
/// to an ActionProperty once.
pub fn find_related_products(
    product_code: Option<&Guid>,
    upgrade_code: Option<&Guid>,
    product_version: Option<&ProductVersion>,
    rows: &[UpgradeRow],
    installed: &[InstalledProduct],
    scope: &Scope,
) -> UpgradeReport {
    let _span = tracing::debug_span!(
        "find_related_products",
        rows = rows.len(),
        installed = installed.len()
    )
    .entered();
    let mut products: Vec<ProductVerdict> = installed
        .iter()
        .map(|product| {
            let in_scope = scope.includes(product);
            let relation = relation(product, product_code, upgrade_code, product_version);
            ProductVerdict {
                product: product.clone(),
                in_scope,
                matches: Vec::new(),
                relation,
            }
        })
        .collect();
    let maintenance = products
        .iter()
        .any(|v| v.in_scope && v.relation == Relation::SameProduct);
    let downgrade = products
        .iter()
        .any(|v| v.in_scope && v.relation == Relation::NewerVersion);

    let mut action_properties: Vec<(String, String)> = Vec::new();
    // In maintenance mode FindRelatedProducts does not run: nothing is
    // detected, nothing removed.
    let rows_to_run = if maintenance { &[][..] } else { rows };
    for (index, row) in rows_to_run.iter().enumerate() {
        for verdict in products.iter_mut().filter(|v| v.in_scope) {
            if !row.detects(&verdict.product) {
                continue;
            }
            verdict.matches.push(UpgradeMatch {
                row: index,
                action_property: row.action_property.clone(),
                only_detect: row.only_detect(),
            });
            if row.action_property.is_empty() {
                continue;
            }
            let code = verdict.product.product_code.to_string();
            match action_properties
                .iter_mut()
                .find(|(name, _)| *name == row.action_property)
            {
                Some((_, value)) => {
                    if !value.split(';').any(|c| c == code) {
                        value.push(';');
                        value.push_str(&code);
                    }
                }
                None => action_properties.push((row.action_property.clone(), code)),
            }
        }
    }
    UpgradeReport {
        product_code: product_code.copied(),
        upgrade_code: upgrade_code.copied(),
        product_version: product_version.copied(),
        rows: rows.to_vec(),
        products,
        action_properties,
        maintenance,
        downgrade,
    }
}

impl Package {
    /// The package's Upgrade table, parsed (empty when it has none); see
    /// [`UpgradeRow::from_table`].
    pub fn upgrade_rows(&self) -> Result<Vec<UpgradeRow>> {
        if !self.has_table("Upgrade")? {
            return Ok(Vec::new());
        }
        UpgradeRow::from_table(&*self.table("Upgrade")?)
    }

    /// [`find_related_products`] for this package: its ProductCode,
    /// UpgradeCode, ProductVersion and Upgrade table against `installed`
    /// (for instance [`Inventory::products`](crate::Inventory::products)).
    pub fn find_related_products(
        &self,
        installed: &[InstalledProduct],
        scope: &Scope,
    ) -> Result<UpgradeReport> {
        let identity = self.identity()?;
        let rows = self.upgrade_rows()?;
        Ok(find_related_products(
            identity.product_code.as_ref(),
            identity.upgrade_code.as_ref(),
            identity.product_version.as_ref(),
            &rows,
            installed,
            scope,
        ))
    }
}

fn relation(
    product: &InstalledProduct,
    product_code: Option<&Guid>,
    upgrade_code: Option<&Guid>,
    version: Option<&ProductVersion>,
) -> Relation {
    if product_code.is_some_and(|code| *code == product.product_code) {
        return Relation::SameProduct;
    }
    let Some(upgrade_code) = upgrade_code else {
        return Relation::Unrelated;
    };
    if !product.upgrade_codes.contains(upgrade_code) {
        return Relation::Unrelated;
    }
    let Some(package) = version else {
        return Relation::Unrelated;
    };
    // No registered version reads as 0.0.0, as in `detects`.
    let installed = product.version.unwrap_or(ProductVersion::new(0, 0, 0));
    match installed.cmp_for_upgrade(package) {
        Ordering::Greater => Relation::NewerVersion,
        Ordering::Equal => Relation::SameVersion,
        Ordering::Less => Relation::OlderVersion,
    }
}

/// Parses a comma-separated list of LANGIDs (the Upgrade table's Language
/// column and the Template summary property's language part). Spaces around
/// entries are allowed; an empty text is an empty list.
pub(crate) fn parse_language_list(text: &str) -> Result<Vec<u16>> {
    let invalid = |reason| Error::InvalidLanguage {
        text: text.to_string(),
        reason,
    };
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|item| {
            let item = item.trim();
            if item.is_empty() {
                return Err(invalid("an entry is empty"));
            }
            if !item.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("an entry is not a decimal number"));
            }
            let value = item.bytes().fold(0u32, |n, b| {
                n.saturating_mul(10).saturating_add(u32::from(b - b'0'))
            });
            u16::try_from(value).map_err(|_| invalid("an entry is over 65535"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::{Column, ColumnType, StringPool};

    const CODE: &str = "{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}";
    const OTHER: &str = "{AAAAAAAA-1F3D-4A5B-8C7D-9E0F1A2B3C4D}";

    fn g(text: &str) -> Guid {
        Guid::parse(text).unwrap()
    }

    fn v(text: &str) -> ProductVersion {
        ProductVersion::parse(text).unwrap()
    }

    fn row(min: Option<&str>, max: Option<&str>, languages: &[u16], attributes: u32) -> UpgradeRow {
        UpgradeRow {
            upgrade_code: g(CODE),
            version_min: min.map(v),
            version_max: max.map(v),
            languages: languages.to_vec(),
            attributes: UpgradeAttributes(attributes),
            remove: None,
            action_property: "OLDPRODUCTS".into(),
        }
    }

    fn installed(code: &str, version: Option<&str>, language: Option<u16>) -> InstalledProduct {
        let mut p = InstalledProduct::new(
            g(code),
            InstallContext::Machine,
            crate::ProductState::Installed,
        );
        p.upgrade_codes = vec![g(CODE)];
        p.version = version.map(|t| ProductVersion::from_dword(v(t).to_dword()));
        p.language = language;
        p
    }

    const MIN_INC: u32 = UpgradeAttributes::VERSION_MIN_INCLUSIVE;
    const MAX_INC: u32 = UpgradeAttributes::VERSION_MAX_INCLUSIVE;
    const LANG_EXCL: u32 = UpgradeAttributes::LANGUAGES_EXCLUSIVE;

    #[test]
    fn version_range_and_inclusive_bits() {
        // (min, max, attributes, installed version, detected)
        type Case<'a> = (Option<&'a str>, Option<&'a str>, u32, &'a str, bool);
        let cases: &[Case<'_>] = &[
            (None, None, 0, "0.0.0", true),
            (None, None, 0, "255.255.65535", true),
            (Some("1.0.0"), None, 0, "1.0.0", false),
            (Some("1.0.0"), None, MIN_INC, "1.0.0", true),
            (Some("1.0.0"), None, 0, "1.0.1", true),
            (Some("1.0.0"), None, MIN_INC, "0.255.65535", false),
            (None, Some("2.0.0"), 0, "2.0.0", false),
            (None, Some("2.0.0"), MAX_INC, "2.0.0", true),
            (None, Some("2.0.0"), MAX_INC, "2.0.1", false),
            (None, Some("2.0.0"), 0, "1.255.65535", true),
            (Some("1.0"), Some("2.0"), MIN_INC | MAX_INC, "1.5.7", true),
            (Some("1.0"), Some("1.0"), MIN_INC | MAX_INC, "1.0.0", true),
            (Some("1.0"), Some("1.0"), MIN_INC, "1.0.0", false),
            (Some("1.0"), Some("1.0"), MAX_INC, "1.0.0", false),
            // The fourth field of a bound is ignored: 2.0.0.5 is 2.0.0.
            (None, Some("2.0.0.5"), 0, "2.0.0", false),
            (None, Some("2.0.0.5"), MAX_INC, "2.0.0", true),
            (Some("1.2.3.4"), None, 0, "1.2.3", false),
            (Some("1.2.3.4"), None, MIN_INC, "1.2.3", true),
            // Version fields compare as numbers, major first.
            (Some("1.10.0"), None, 0, "1.9.65535", false),
            (Some("1.9.0"), None, 0, "1.10.0", true),
            (None, Some("200.0.0"), 0, "199.255.65535", true),
        ];
        for &(min, max, attributes, version, expected) in cases {
            let r = row(min, max, &[], attributes);
            assert_eq!(
                r.version_in_range(&v(version)),
                expected,
                "min {min:?} max {max:?} attributes {attributes:#x} installed {version}"
            );
            assert_eq!(
                r.detects(&installed(OTHER, Some(version), Some(1033))),
                expected
            );
        }
    }

    #[test]
    fn languages_and_exclusive_bit() {
        // (languages, attributes, installed language, detected)
        let cases: &[(&[u16], u32, Option<u16>, bool)] = &[
            (&[], 0, Some(1033), true),
            (&[], 0, None, true),
            (&[], LANG_EXCL, Some(1033), true),
            (&[1033], 0, Some(1033), true),
            (&[1033], 0, Some(1031), false),
            (&[1033], 0, None, false),
            (&[1033, 1031], 0, Some(1031), true),
            (&[1033], LANG_EXCL, Some(1033), false),
            (&[1033], LANG_EXCL, Some(1031), true),
            (&[1033, 1031], LANG_EXCL, Some(1031), false),
            (&[1033], LANG_EXCL, None, true),
        ];
        for &(languages, attributes, language, expected) in cases {
            let r = row(None, None, languages, attributes);
            assert_eq!(
                r.language_matches(language),
                expected,
                "{languages:?} {attributes:#x} {language:?}"
            );
            assert_eq!(
                r.detects(&installed(OTHER, Some("1.0"), language)),
                expected
            );
        }
    }

    #[test]
    fn attribute_bits() {
        let all = [
            (UpgradeAttributes::MIGRATE_FEATURES, 1),
            (UpgradeAttributes::ONLY_DETECT, 2),
            (UpgradeAttributes::IGNORE_REMOVE_FAILURE, 4),
            (UpgradeAttributes::VERSION_MIN_INCLUSIVE, 256),
            (UpgradeAttributes::VERSION_MAX_INCLUSIVE, 512),
            (UpgradeAttributes::LANGUAGES_EXCLUSIVE, 1024),
        ];
        for (flag, value) in all {
            assert_eq!(flag, value);
            assert!(UpgradeAttributes(value).has(flag));
            assert!(!UpgradeAttributes(0x7FF & !value).has(flag));
        }
        assert!(row(None, None, &[], 2).only_detect());
        assert!(!row(None, None, &[], 0x707 & !2).only_detect());
        // Bits that do not decide detection leave it alone.
        let plain = installed(OTHER, Some("1.0"), Some(1033));
        for bits in [1, 2, 4, 1 | 2 | 4] {
            assert!(row(Some("0.5"), Some("2.0"), &[1033], bits).detects(&plain));
        }
    }

    #[test]
    fn other_upgrade_code_and_missing_version() {
        let mut p = installed(OTHER, Some("1.0"), Some(1033));
        p.upgrade_codes = vec![g(OTHER)];
        assert!(!row(None, None, &[], 0).detects(&p));
        // No registered version compares as 0.0.0.
        let p = installed(OTHER, None, Some(1033));
        assert!(row(None, Some("1.0"), &[], 0).detects(&p));
        assert!(!row(Some("0.0.1"), None, &[], 0).detects(&p));
        assert!(row(Some("0.0.0"), None, &[], MIN_INC).detects(&p));
    }

    fn report(rows: &[UpgradeRow], products: &[InstalledProduct], version: &str) -> UpgradeReport {
        find_related_products(
            Some(&g("{6B2F1C44-7D1E-4E0B-9B1A-3C5D2E7F8A01}")),
            Some(&g(CODE)),
            Some(&v(version)),
            rows,
            products,
            &Scope::All,
        )
    }

    #[test]
    fn action_properties_append_once_in_order() {
        let a = installed(
            "{11111111-0000-0000-0000-000000000001}",
            Some("1.0"),
            Some(1033),
        );
        let b = installed(
            "{11111111-0000-0000-0000-000000000002}",
            Some("1.1"),
            Some(1033),
        );
        let mut detect = row(None, Some("1.2"), &[], 0);
        detect.action_property = "DETECTED".into();
        let mut again = row(Some("1.0"), Some("1.2"), &[], MIN_INC);
        again.action_property = "DETECTED".into();
        let mut only_b = row(
            Some("1.1"),
            None,
            &[],
            MIN_INC | UpgradeAttributes::ONLY_DETECT,
        );
        only_b.action_property = "NEWER".into();
        let r = report(&[detect, again, only_b], &[a, b], "1.2.3");
        assert_eq!(
            r.action_properties,
            vec![
                (
                    "DETECTED".to_string(),
                    "{11111111-0000-0000-0000-000000000001};{11111111-0000-0000-0000-000000000002}"
                        .to_string()
                ),
                (
                    "NEWER".to_string(),
                    "{11111111-0000-0000-0000-000000000002}".to_string()
                ),
            ]
        );
        assert_eq!(
            r.products[0]
                .matches
                .iter()
                .map(|m| m.row)
                .collect::<Vec<_>>(),
            [0, 1]
        );
        assert_eq!(
            r.products[1]
                .matches
                .iter()
                .map(|m| m.row)
                .collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert_eq!(r.products[0].action(), UpgradeAction::Remove);
        assert_eq!(r.products[1].action(), UpgradeAction::Remove);
        assert_eq!(
            r.action_property("NEWER"),
            Some("{11111111-0000-0000-0000-000000000002}")
        );
        assert_eq!(r.removed().count(), 2);
        assert!(!r.downgrade && !r.maintenance);
    }

    #[test]
    fn relation_downgrade_and_maintenance() {
        let newer = installed(
            "{11111111-0000-0000-0000-000000000003}",
            Some("1.2.4"),
            Some(1033),
        );
        let same = installed(
            "{11111111-0000-0000-0000-000000000004}",
            Some("1.2.3.9"),
            Some(1033),
        );
        let older = installed(
            "{11111111-0000-0000-0000-000000000005}",
            Some("1.2.2"),
            Some(1033),
        );
        let mut unrelated = installed(
            "{11111111-0000-0000-0000-000000000006}",
            Some("9.0"),
            Some(1033),
        );
        unrelated.upgrade_codes = vec![g(OTHER)];
        let detect_newer = row(Some("1.2.3"), None, &[], UpgradeAttributes::ONLY_DETECT);
        let r = report(
            std::slice::from_ref(&detect_newer),
            &[
                newer.clone(),
                same.clone(),
                older.clone(),
                unrelated.clone(),
            ],
            "1.2.3.4",
        );
        let relations: Vec<Relation> = r.products.iter().map(|p| p.relation).collect();
        assert_eq!(
            relations,
            [
                Relation::NewerVersion,
                Relation::SameVersion,
                Relation::OlderVersion,
                Relation::Unrelated
            ]
        );
        assert!(r.downgrade);
        assert_eq!(r.products[0].action(), UpgradeAction::Detect);
        assert_eq!(r.products[2].action(), UpgradeAction::None);
        // Without the newer one, no downgrade.
        let r = report(&[detect_newer], &[same, older], "1.2.3.4");
        assert!(!r.downgrade);

        // The package's own ProductCode installed: maintenance, nothing detected.
        let mut this = installed(
            "{6B2F1C44-7D1E-4E0B-9B1A-3C5D2E7F8A01}",
            Some("1.2.3"),
            Some(1033),
        );
        this.upgrade_codes = vec![g(CODE)];
        let r = report(&[row(None, None, &[], 0)], &[this, newer], "1.2.3.4");
        assert!(r.maintenance);
        assert_eq!(r.products[0].relation, Relation::SameProduct);
        assert!(r.products.iter().all(|p| p.matches.is_empty()));
        assert!(r.action_properties.is_empty());
    }

    #[test]
    fn scope_limits_what_is_seen() {
        let machine = installed(
            "{11111111-0000-0000-0000-000000000007}",
            Some("1.0"),
            Some(1033),
        );
        let mut user = installed(
            "{11111111-0000-0000-0000-000000000008}",
            Some("1.0"),
            Some(1033),
        );
        user.context = InstallContext::UserUnmanaged;
        user.user_sid = Some("S-1-5-21-1-2-3-1001".into());
        let rows = [row(None, None, &[], 0)];
        let products = [machine, user];
        let seen = |scope: Scope| {
            let r = find_related_products(
                None,
                Some(&g(CODE)),
                Some(&v("2.0")),
                &rows,
                &products,
                &scope,
            );
            r.products
                .iter()
                .map(|p| !p.matches.is_empty())
                .collect::<Vec<_>>()
        };
        assert_eq!(seen(Scope::All), [true, true]);
        assert_eq!(seen(Scope::PerMachine), [true, false]);
        assert_eq!(seen(Scope::PerUser(None)), [false, true]);
        assert_eq!(
            seen(Scope::PerUser(Some("s-1-5-21-1-2-3-1001".into()))),
            [false, true]
        );
        assert_eq!(
            seen(Scope::PerUser(Some("S-1-5-21-1-2-3-1002".into()))),
            [false, false]
        );
    }

    /// An Upgrade table as the loader would give it.
    fn table(rows: &[[Option<&str>; 7]]) -> Table {
        let s = |bits: u16| ColumnType::from_bits(ColumnType::VALID | ColumnType::STRING | bits);
        let columns = vec![
            Column {
                name: "UpgradeCode".into(),
                number: 1,
                ty: s(ColumnType::KEY | 38),
            },
            Column {
                name: "VersionMin".into(),
                number: 2,
                ty: s(ColumnType::KEY | ColumnType::NULLABLE | 20),
            },
            Column {
                name: "VersionMax".into(),
                number: 3,
                ty: s(ColumnType::KEY | ColumnType::NULLABLE | 20),
            },
            Column {
                name: "Language".into(),
                number: 4,
                ty: s(ColumnType::KEY | ColumnType::NULLABLE | 255),
            },
            Column {
                name: "Attributes".into(),
                number: 5,
                ty: ColumnType::from_bits(ColumnType::VALID | ColumnType::KEY | 4),
            },
            Column {
                name: "Remove".into(),
                number: 6,
                ty: s(ColumnType::NULLABLE | 255),
            },
            Column {
                name: "ActionProperty".into(),
                number: 7,
                ty: s(72),
            },
        ];
        let mut pool = StringPool::new(0);
        let mut cells = Vec::new();
        for r in rows {
            for (i, cell) in r.iter().enumerate() {
                cells.push(match (i, cell) {
                    (_, None) => 0,
                    (4, Some(n)) => crate::model::encode_int(n.parse().unwrap(), columns[4].ty),
                    (_, Some(text)) => pool.push(text),
                });
            }
        }
        Table::new("Upgrade".into(), columns, cells, Arc::new(pool))
    }

    #[test]
    fn rows_from_a_table() {
        let t = table(&[
            [
                Some(CODE),
                None,
                Some("1.2.3.4"),
                None,
                Some("1"),
                None,
                Some("WIX_UPGRADE_DETECTED"),
            ],
            [
                Some(OTHER),
                Some("1.0"),
                Some("2.0"),
                Some("1033, 1031"),
                Some("1794"),
                Some("A,B"),
                Some("P"),
            ],
        ]);
        let rows = UpgradeRow::from_table(&t).unwrap();
        assert_eq!(
            rows[0],
            UpgradeRow {
                upgrade_code: g(CODE),
                version_min: None,
                version_max: Some(v("1.2.3.4")),
                languages: vec![],
                attributes: UpgradeAttributes(1),
                remove: None,
                action_property: "WIX_UPGRADE_DETECTED".into(),
            }
        );
        assert_eq!(rows[1].languages, [1033, 1031]);
        assert_eq!(rows[1].attributes, UpgradeAttributes(0x702));
        assert_eq!(rows[1].remove.as_deref(), Some("A,B"));

        for (bad, location) in [
            (
                [Some("{nope}"), None, None, None, Some("0"), None, Some("P")],
                "Upgrade row 1, UpgradeCode",
            ),
            (
                [
                    Some(CODE),
                    Some("1.x"),
                    None,
                    None,
                    Some("0"),
                    None,
                    Some("P"),
                ],
                "Upgrade row 1, VersionMin",
            ),
            (
                [
                    Some(CODE),
                    None,
                    Some("256.0"),
                    None,
                    Some("0"),
                    None,
                    Some("P"),
                ],
                "Upgrade row 1, VersionMax",
            ),
            (
                [
                    Some(CODE),
                    None,
                    None,
                    Some("en-US"),
                    Some("0"),
                    None,
                    Some("P"),
                ],
                "Upgrade row 1, Language",
            ),
        ] {
            match UpgradeRow::from_table(&table(&[bad])) {
                Err(Error::InvalidField { location: l, .. }) => assert_eq!(l, location),
                other => panic!("{location}: {other:?}"),
            }
        }
    }
}
