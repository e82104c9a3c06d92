//! Who a package is: the product it installs, in one call.

use std::fmt;

use crate::upgrade::parse_language_list;
use crate::{Error, Guid, Package, PackageKind, ProductVersion, Result};

/// The processor architecture the `Template` summary property names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Architecture {
    /// `Intel`: 32-bit x86.
    X86,
    /// `x64`, or its older spelling `AMD64`.
    X64,
    /// `Intel64`: Itanium.
    Ia64,
    /// `Arm`: 32-bit ARM.
    Arm,
    /// `Arm64`.
    Arm64,
    /// No platform named (the part before `;` is empty), as merge modules
    /// and transforms may have it.
    Unspecified,
    /// Any other text, kept as written (Windows Installer refuses to install
    /// such a package).
    Other(String),
}

impl Architecture {
    /// The platform as the Template spells it, for the known ones in
    /// Microsoft's case (`Intel`, `x64`, `Intel64`, `Arm`, `Arm64`).
    pub fn as_str(&self) -> &str {
        match self {
            Architecture::X86 => "Intel",
            Architecture::X64 => "x64",
            Architecture::Ia64 => "Intel64",
            Architecture::Arm => "Arm",
            Architecture::Arm64 => "Arm64",
            Architecture::Unspecified => "",
            Architecture::Other(text) => text,
        }
    }

    /// Whether the package is 64-bit (x64, Itanium or Arm64).
    pub fn is_64_bit(&self) -> bool {
        matches!(
            self,
            Architecture::X64 | Architecture::Ia64 | Architecture::Arm64
        )
    }

    fn from_platform(text: &str) -> Architecture {
        // Compared ignoring case: authoring tools differ (`X64`, `x64`).
        let known = [
            ("Intel", Architecture::X86),
            ("x64", Architecture::X64),
            ("AMD64", Architecture::X64),
            ("Intel64", Architecture::Ia64),
            ("Arm", Architecture::Arm),
            ("Arm64", Architecture::Arm64),
        ];
        if text.is_empty() {
            return Architecture::Unspecified;
        }
        known
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text))
            .map_or_else(|| Architecture::Other(text.to_string()), |(_, arch)| arch)
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Architecture {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The `Template` summary property of a package or merge module:
/// `platform;language,language,...` (e.g. `x64;1033,1031`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Template {
    /// The platform before the `;`.
    pub architecture: Architecture,
    /// The LANGIDs after it, in order (`0` is language-neutral).
    pub languages: Vec<u16>,
}

impl Template {
    /// Parses `platform;languages`. The platform is matched ignoring case;
    /// one the installer does not know is kept as [`Architecture::Other`].
    /// Text without `;` is a platform with no languages. Languages that are
    /// not decimal LANGIDs are an [`Error::InvalidTemplate`].
    ///
    /// ```
    /// use olkit_msi_query::{Architecture, Template};
    ///
    /// let t = Template::parse("x64;1033,1031")?;
    /// assert_eq!(t.architecture, Architecture::X64);
    /// assert_eq!(t.languages, [1033, 1031]);
    /// # Ok::<(), olkit_msi_query::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<Template> {
        let (platform, languages) = text.split_once(';').unwrap_or((text, ""));
        let languages = parse_language_list(languages).map_err(|e| Error::InvalidTemplate {
            text: text.to_string(),
            reason: match e {
                Error::InvalidLanguage { reason, .. } => reason,
                _ => "the language list is not LANGIDs",
            },
        })?;
        Ok(Template {
            architecture: Architecture::from_platform(platform.trim()),
            languages,
        })
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{};", self.architecture)?;
        for (index, lang) in self.languages.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            write!(f, "{lang}")?;
        }
        Ok(())
    }
}

/// What a package says about the product it installs.
///
/// Every field is `None` (or empty) when the package does not have it: a
/// merge module has no ProductCode, a transform may have no Property table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ProductIdentity {
    /// The `ProductCode` property.
    pub product_code: Option<Guid>,
    /// The `ProductVersion` property.
    pub product_version: Option<ProductVersion>,
    /// The `UpgradeCode` property.
    pub upgrade_code: Option<Guid>,
    /// The `ProductName` property.
    pub product_name: Option<String>,
    /// The `Manufacturer` property.
    pub manufacturer: Option<String>,
    /// The `ProductLanguage` property (a LANGID).
    pub product_language: Option<u16>,
    /// The package code: summary property 9 (Revision Number), a GUID that
    /// differs for every build of a package.
    pub package_code: Option<Guid>,
    /// The summary `Template`: architecture and languages.
    pub template: Option<Template>,
    /// The minimum Windows Installer version (summary property 14, Page
    /// Count), as the integer `major * 100 + minor` (200 is 2.0).
    pub minimum_installer_version: Option<u32>,
}

impl ProductIdentity {
    /// The architecture the Template names, if there is a Template.
    pub fn architecture(&self) -> Option<&Architecture> {
        self.template.as_ref().map(|t| &t.architecture)
    }

    /// The languages the Template lists (empty without a Template).
    pub fn languages(&self) -> &[u16] {
        self.template.as_ref().map_or(&[], |t| &t.languages)
    }

    /// The minimum installer version as `major.minor` (`200` is `2.0`,
    /// `405` is `4.5`).
    pub fn minimum_installer_version_string(&self) -> Option<String> {
        self.minimum_installer_version
            .map(|v| format!("{}.{}", v / 100, v % 100))
    }
}

impl Package {
    /// The product identity in one call: the ProductCode, ProductVersion,
    /// UpgradeCode, ProductName, Manufacturer and ProductLanguage
    /// properties, the package code (summary PID 9), the Template (summary
    /// PID 7: architecture and languages) and the minimum installer
    /// version (summary PID 14). Reads only the Property table's stream
    /// and the summary information, never the other tables.
    ///
    /// A value that is present but malformed (a ProductCode that is not a
    /// braced GUID, a ProductVersion over 255.255.65535...) is an
    /// [`Error::InvalidField`] naming it. For a transform, PID 9 lists
    /// product codes and versions rather than a package code, so
    /// `package_code` is `None`; for a patch it is the patch code (the
    /// first GUID of PID 9) and the Template (a list of target product
    /// codes) is not read.
    pub fn identity(&self) -> Result<ProductIdentity> {
        let _span = tracing::debug_span!("identity").entered();
        let property = |name: &str| self.property(name);
        let summary = self.summary_info()?;
        let summary_field = |name: &str, source: Error| Error::InvalidField {
            location: format!("summary information {name}"),
            source: Box::new(source),
        };
        let kind = self.kind();
        let package_code = match (kind, summary.revision_number().map(str::trim)) {
            (_, None | Some("")) | (PackageKind::Transform, _) => None,
            (PackageKind::Patch, Some(text)) => Some(
                Guid::parse(text.get(..38).unwrap_or(text))
                    .map_err(|e| summary_field("Revision Number (patch code)", e))?,
            ),
            (_, Some(text)) => Some(
                Guid::parse(text)
                    .map_err(|e| summary_field("Revision Number (package code)", e))?,
            ),
        };
        let template = match (kind, summary.template()) {
            (PackageKind::Patch, _) | (_, None) => None,
            (_, Some(text)) => Some(Template::parse(text)?),
        };
        Ok(ProductIdentity {
            product_code: property_value("ProductCode", property("ProductCode")?, Guid::parse)?,
            product_version: property_value(
                "ProductVersion",
                property("ProductVersion")?,
                ProductVersion::parse,
            )?,
            upgrade_code: property_value("UpgradeCode", property("UpgradeCode")?, Guid::parse)?,
            product_name: property("ProductName")?,
            manufacturer: property("Manufacturer")?,
            product_language: property_value(
                "ProductLanguage",
                property("ProductLanguage")?,
                parse_langid,
            )?,
            package_code,
            template,
            minimum_installer_version: summary
                .minimum_installer_version()
                .and_then(|v| u32::try_from(v).ok()),
        })
    }
}

/// Parses the value of a package property that product identity reads,
/// naming the property when it is malformed.
pub(crate) fn property_value<T>(
    name: &str,
    value: Option<String>,
    parse: impl FnOnce(&str) -> Result<T>,
) -> Result<Option<T>> {
    match value.as_deref() {
        None | Some("") => Ok(None),
        Some(text) => parse(text).map(Some).map_err(|e| Error::InvalidField {
            location: format!("Property {name}"),
            source: Box::new(e),
        }),
    }
}

/// A ProductLanguage value: one LANGID.
pub(crate) fn parse_langid(text: &str) -> Result<u16> {
    match parse_language_list(text)?.as_slice() {
        [one] => Ok(*one),
        _ => Err(Error::InvalidLanguage {
            text: text.to_string(),
            reason: "ProductLanguage is one LANGID",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        let cases: &[(&str, Architecture, &[u16])] = &[
            ("Intel;1033", Architecture::X86, &[1033]),
            ("x64;1033,1031", Architecture::X64, &[1033, 1031]),
            ("X64;1033", Architecture::X64, &[1033]),
            ("AMD64;1033", Architecture::X64, &[1033]),
            ("Intel64;1033", Architecture::Ia64, &[1033]),
            ("Arm64;1033, 1031", Architecture::Arm64, &[1033, 1031]),
            ("Arm;0", Architecture::Arm, &[0]),
            (";1033", Architecture::Unspecified, &[1033]),
            (";", Architecture::Unspecified, &[]),
            ("Intel", Architecture::X86, &[]),
            ("", Architecture::Unspecified, &[]),
            ("Alpha;1033", Architecture::Other("Alpha".into()), &[1033]),
            (
                "Intel,Alpha;1033",
                Architecture::Other("Intel,Alpha".into()),
                &[1033],
            ),
        ];
        for (text, arch, langs) in cases {
            let t = Template::parse(text).unwrap();
            assert_eq!(
                (&t.architecture, t.languages.as_slice()),
                (arch, *langs),
                "{text}"
            );
        }
        assert_eq!(
            Template::parse("x64;1033,1031").unwrap().to_string(),
            "x64;1033,1031"
        );
        assert_eq!(
            Template::parse("AMD64;1033").unwrap().to_string(),
            "x64;1033"
        );
        for (text, reason) in [
            ("Intel;en-US", "an entry is not a decimal number"),
            ("Intel;1033,,1031", "an entry is empty"),
            ("Intel;70000", "an entry is over 65535"),
        ] {
            match Template::parse(text) {
                Err(Error::InvalidTemplate { reason: r, .. }) => assert_eq!(r, reason, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn installer_version_string() {
        let mut id = ProductIdentity::default();
        assert_eq!(id.minimum_installer_version_string(), None);
        id.minimum_installer_version = Some(405);
        assert_eq!(
            id.minimum_installer_version_string().as_deref(),
            Some("4.5")
        );
        id.minimum_installer_version = Some(500);
        assert_eq!(
            id.minimum_installer_version_string().as_deref(),
            Some("5.0")
        );
    }

    #[test]
    fn product_language() {
        assert_eq!(parse_langid("1033").unwrap(), 1033);
        assert!(matches!(
            parse_langid("1033,1031"),
            Err(Error::InvalidLanguage { .. })
        ));
        assert!(matches!(
            property_value("ProductLanguage", Some("x".into()), parse_langid),
            Err(Error::InvalidField { location, .. }) if location == "Property ProductLanguage"
        ));
        assert_eq!(
            property_value("P", Some(String::new()), parse_langid).unwrap(),
            None
        );
    }
}
