//! Writing manifests as XML.

use std::fmt::Write as _;

use base64::Engine as _;

use crate::digest::hex;
use crate::{LocalizedText, Manifest, Product, OLKIT_NAMESPACE};

/// The manifest as a UTF-8 XML document that [`crate::parse`] reads back
/// to an equal [`Manifest`] (the `legacy` flag comes out as
/// `!manifest.has_extension()`). The olkit namespace is declared only when
/// an extension field is set, so a legacy manifest stays legacy.
pub fn to_xml(manifest: &Manifest) -> Vec<u8> {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Products");
    if manifest.has_extension() {
        let _ = write!(out, " xmlns:olkit=\"{OLKIT_NAMESPACE}\"");
    }
    if let Some(serial) = manifest.serial {
        let _ = write!(out, " olkit:serial=\"{serial}\"");
    }
    if let Some(issued) = manifest.issued {
        let _ = write!(out, " olkit:issued=\"{issued}\"");
    }
    if let Some(expires) = manifest.expires {
        let _ = write!(out, " olkit:expires=\"{expires}\"");
    }
    out.push_str(">\n");
    for product in &manifest.products {
        write_product(&mut out, product);
    }
    out.push_str("</Products>\n");
    out.into_bytes()
}

fn write_product(out: &mut String, p: &Product) {
    out.push_str("  <Product>\n");
    element(out, "Name", Some(&p.name));
    element(out, "Version", Some(&p.version.to_string()));
    element(out, "UpgradeCode", p.upgrade_code.as_deref());
    element(out, "MD5", p.md5.as_ref().map(|d| hex(d)).as_deref());
    element(out, "ReleaseDate", p.release_date.as_deref());
    element(out, "URL", p.url.as_deref());
    element(out, "InfoUrl", p.info_url.as_deref());
    let icon = p
        .icon
        .as_ref()
        .map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes));
    element(out, "Icon", icon.as_deref());
    element(out, "InstallParams", p.install_params.as_deref());
    element(out, "Importance", p.importance.as_deref());
    element(out, "MSIURL", p.msi_url.as_deref());
    element(out, "MSIMD5", p.msi_md5.as_ref().map(|d| hex(d)).as_deref());

    element(out, "olkit:ProductCode", p.product_code.as_deref());
    element(
        out,
        "olkit:Sha256",
        p.sha256.as_ref().map(|d| hex(d)).as_deref(),
    );
    element(out, "olkit:Size", p.size.map(|s| s.to_string()).as_deref());
    let version = |v: &Option<crate::Version>| v.as_ref().map(ToString::to_string);
    element(
        out,
        "olkit:MinServerVersion",
        version(&p.min_server_version).as_deref(),
    );
    element(
        out,
        "olkit:MaxServerVersion",
        version(&p.max_server_version).as_deref(),
    );
    if !p.outlook_versions.is_empty() {
        element(
            out,
            "olkit:OutlookVersions",
            Some(&p.outlook_versions.join(" ")),
        );
    }
    element(
        out,
        "olkit:MinWindowsVersion",
        version(&p.min_windows_version).as_deref(),
    );
    element(
        out,
        "olkit:Architecture",
        p.architecture.map(|a| a.as_str()),
    );
    element(out, "olkit:Channel", p.channel.as_deref());
    element(
        out,
        "olkit:RolloutPercent",
        p.rollout_percent.map(|r| r.to_string()).as_deref(),
    );
    if p.critical {
        element(out, "olkit:Critical", Some("true"));
    }
    element(
        out,
        "olkit:RequiredCacheFormat",
        p.required_cache_format.map(|f| f.to_string()).as_deref(),
    );
    localized(out, "olkit:ReleaseNotes", &p.release_notes);
    localized(out, "olkit:Details", &p.details);
    out.push_str("  </Product>\n");
}

fn element(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(value) = value {
        let _ = writeln!(out, "    <{name}>{}</{name}>", escape(value));
    }
}

fn localized(out: &mut String, name: &str, texts: &[LocalizedText]) {
    for t in texts {
        let _ = writeln!(
            out,
            "    <{name} xml:lang=\"{}\">{}</{name}>",
            escape(&t.lang),
            escape(&t.text)
        );
    }
}

/// Escapes markup characters, and carriage returns as character
/// references so that the XML end-of-line normalization keeps them (tabs
/// in element text survive parsing as they are).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}
