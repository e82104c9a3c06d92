//! The manifest as data: what [`crate::parse`] reads and [`crate::to_xml`]
//! writes. Field by field documentation of the XML is in
//! `docs/manifest-format.md`.

use crate::{Timestamp, Version};

/// The XML namespace of olkit's extension of the Open-Xchange manifest.
pub const OLKIT_NAMESPACE: &str = "urn:olkit:manifest:1";

/// An update manifest: the `<Products>` document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    /// `olkit:serial` on `<Products>`: grows with every publication, so a
    /// client can refuse an older manifest replayed to it.
    pub serial: Option<u64>,
    /// `olkit:issued` on `<Products>`: when the manifest was published.
    pub issued: Option<Timestamp>,
    /// `olkit:expires` on `<Products>`: after this instant the manifest must
    /// not be used.
    pub expires: Option<Timestamp>,
    /// The packages offered, in document order.
    pub products: Vec<Product>,
    /// True when the document uses nothing of the olkit namespace: a
    /// manifest as Open-Xchange servers publish it today (no serial, no
    /// expiry, MD5 at best).
    pub legacy: bool,
}

/// One package offered by the manifest: a `<Product>` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    // -- the Open-Xchange format as published today
    /// `<Name>`: the product's display name (required).
    pub name: String,
    /// `<Version>`: the package's version (required).
    pub version: Version,
    /// `<UpgradeCode>`: the Windows Installer upgrade code, validated and
    /// written upper-case with braces: `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
    pub upgrade_code: Option<String>,
    /// `<MD5>`: the package's MD5 digest (weak; kept for legacy manifests).
    pub md5: Option<[u8; 16]>,
    /// `<ReleaseDate>`: as published (the legacy format does not fix its
    /// spelling).
    pub release_date: Option<String>,
    /// `<URL>`: where to download the package.
    pub url: Option<String>,
    /// `<InfoUrl>`: a web page about the release.
    pub info_url: Option<String>,
    /// `<Icon>`: the product icon, base64-decoded (an `.ico` file).
    pub icon: Option<Vec<u8>>,
    /// `<InstallParams>`: extra command line arguments for the installer.
    pub install_params: Option<String>,
    /// `<Importance>`: as published (free text in the legacy format).
    pub importance: Option<String>,
    /// `<MSIURL>` (OX Drive variant): where to download the `.msi`.
    pub msi_url: Option<String>,
    /// `<MSIMD5>` (OX Drive variant): the `.msi`'s MD5 digest.
    pub msi_md5: Option<[u8; 16]>,

    // -- olkit extension (namespace [`OLKIT_NAMESPACE`])
    /// `<olkit:ProductCode>`: the Windows Installer product code of this
    /// package, normalized like [`Product::upgrade_code`].
    pub product_code: Option<String>,
    /// `<olkit:Sha256>`: the package's SHA-256 digest.
    pub sha256: Option<[u8; 32]>,
    /// `<olkit:Size>`: the package's size in bytes.
    pub size: Option<u64>,
    /// `<olkit:MinServerVersion>`: the oldest server this package works with.
    pub min_server_version: Option<Version>,
    /// `<olkit:MaxServerVersion>`: the newest server this package works with.
    pub max_server_version: Option<Version>,
    /// `<olkit:OutlookVersions>`: the Outlook releases supported, by their
    /// product names: `"2010"`, `"2013"`, `"2016"`, `"2019"`, `"2021"`,
    /// `"2024"` or `"365"` (several share the internal version 16.0, so
    /// the internal number cannot tell them apart). Empty: not restricted.
    pub outlook_versions: Vec<String>,
    /// `<olkit:MinWindowsVersion>`: the oldest Windows version supported, as
    /// the kernel reports it (`6.1` is Windows 7, `10.0.22000` Windows 11).
    pub min_windows_version: Option<Version>,
    /// `<olkit:Architecture>`: the package's bitness, which must match
    /// Outlook's. Absent: any.
    pub architecture: Option<Architecture>,
    /// `<olkit:Channel>`: the release channel (`stable`, `beta`, ...).
    /// Absent means `stable`.
    pub channel: Option<String>,
    /// `<olkit:RolloutPercent>`: staged rollout, 0 to 100. Absent means 100.
    pub rollout_percent: Option<u8>,
    /// `<olkit:Critical>`: a security or otherwise urgent update.
    pub critical: bool,
    /// `<olkit:RequiredCacheFormat>`: the local cache database format this
    /// version needs; installing it upgrades the cache to this format.
    pub required_cache_format: Option<u32>,
    /// `<olkit:ReleaseNotes xml:lang="...">`: release notes, one per language.
    pub release_notes: Vec<LocalizedText>,
    /// `<olkit:Details xml:lang="...">`: the text for the Updater's Details
    /// field, one per language.
    pub details: Vec<LocalizedText>,
}

impl Product {
    /// A product with a name and a version and nothing else.
    pub fn new(name: impl Into<String>, version: Version) -> Self {
        Product {
            name: name.into(),
            version,
            upgrade_code: None,
            md5: None,
            release_date: None,
            url: None,
            info_url: None,
            icon: None,
            install_params: None,
            importance: None,
            msi_url: None,
            msi_md5: None,
            product_code: None,
            sha256: None,
            size: None,
            min_server_version: None,
            max_server_version: None,
            outlook_versions: Vec::new(),
            min_windows_version: None,
            architecture: None,
            channel: None,
            rollout_percent: None,
            critical: false,
            required_cache_format: None,
            release_notes: Vec::new(),
            details: Vec::new(),
        }
    }

    /// The release channel, `stable` when the manifest names none.
    pub fn channel_or_stable(&self) -> &str {
        self.channel.as_deref().unwrap_or("stable")
    }

    /// True when the product uses any olkit extension field.
    pub fn has_extension(&self) -> bool {
        self.product_code.is_some()
            || self.sha256.is_some()
            || self.size.is_some()
            || self.min_server_version.is_some()
            || self.max_server_version.is_some()
            || !self.outlook_versions.is_empty()
            || self.min_windows_version.is_some()
            || self.architecture.is_some()
            || self.channel.is_some()
            || self.rollout_percent.is_some()
            || self.critical
            || self.required_cache_format.is_some()
            || !self.release_notes.is_empty()
            || !self.details.is_empty()
    }
}

impl Manifest {
    /// True when the manifest uses any olkit extension field; what
    /// [`Manifest::legacy`] is the negation of for a parsed manifest.
    pub fn has_extension(&self) -> bool {
        self.serial.is_some()
            || self.issued.is_some()
            || self.expires.is_some()
            || self.products.iter().any(Product::has_extension)
    }
}

/// A text in one language (`xml:lang`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalizedText {
    /// The language tag as written in `xml:lang` (`en`, `de-CH`, ...).
    pub lang: String,
    /// The text, trimmed of leading and trailing white space.
    pub text: String,
}

/// The processor architecture a package is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Architecture {
    /// 32-bit: `x86`.
    X86,
    /// 64-bit: `x64`.
    X64,
}

impl Architecture {
    /// The spelling in the manifest: `x86` or `x64`.
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86 => "x86",
            Architecture::X64 => "x64",
        }
    }
}

impl std::fmt::Display for Architecture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
