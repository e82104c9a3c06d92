//! The manifest format: fixtures made by tools (see
//! tests/fixtures/make-format-fixtures.sh), every field, every error with
//! its line and column, hostile documents.

// Helpers outside #[test] functions unwrap and panic too: a failure is their job.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use md5::{Digest as _, Md5};
use olkit_manifest::{
    parse, parse_with, parse_with_notes, to_xml, Architecture, Error, FormatError, Limits,
    Manifest, Timestamp, Version,
};
use sha2::Sha256;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn md5_of(name: &str) -> [u8; 16] {
    Md5::digest(fixture(name)).into()
}

fn sha256_of(name: &str) -> [u8; 32] {
    Sha256::digest(fixture(name)).into()
}

fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

/// The error's line, column and kind.
fn error_of(xml: &str) -> (u64, u64, FormatError) {
    error_with(xml.as_bytes(), &Limits::default())
}

fn error_with(bytes: &[u8], limits: &Limits) -> (u64, u64, FormatError) {
    match parse_with(bytes, limits) {
        Err(Error::Manifest { line, column, kind }) => (line, column, kind),
        other => panic!("expected a manifest error, got {other:?}"),
    }
}

#[test]
fn legacy_manifest_as_open_xchange_publishes_it() {
    let m = parse(&fixture("manifest-legacy.xml")).unwrap();
    assert!(m.legacy);
    assert_eq!((m.serial, m.issued, m.expires), (None, None, None));
    assert_eq!(m.products.len(), 2);

    let ox = &m.products[0];
    assert_eq!(ox.name, "OXtender 2 for Microsoft Outlook");
    assert_eq!(ox.version.to_string(), "7.10.6");
    assert_eq!(
        ox.upgrade_code.as_deref(),
        Some("{5A7D0F22-6A4B-4F3E-9C1D-2B8E7F6A5C41}")
    );
    assert_eq!(ox.md5, Some(md5_of("oxtender2-7.10.6.msi")));
    assert_eq!(ox.release_date.as_deref(), Some("2021-10-14"));
    assert_eq!(
        ox.url.as_deref(),
        Some("https://ox.example.com/updater/products/oxtender2-7.10.6.msi")
    );
    assert_eq!(
        ox.info_url.as_deref(),
        Some("https://ox.example.com/updater/info/oxtender2.html")
    );
    // The base64 is wrapped over several CRLF lines; it decodes to the .ico convert made.
    assert_eq!(ox.icon.as_deref(), Some(&fixture("oxtender.ico")[..]));
    assert_eq!(
        ox.install_params.as_deref(),
        Some("/qb REBOOT=ReallySuppress")
    );
    assert_eq!(ox.importance.as_deref(), Some("Normal"));
    assert_eq!((ox.msi_url.as_deref(), ox.msi_md5), (None, None));
    assert!(!ox.has_extension());

    let drive = &m.products[1];
    assert_eq!(drive.name, "OX Drive");
    // Lower case without braces in the file, normalized here.
    assert_eq!(
        drive.upgrade_code.as_deref(),
        Some("{0E5C3A8B-94F1-4D62-A7B3-C1D2E3F4A5B6}")
    );
    assert_eq!(drive.md5, Some(md5_of("oxdrive-1.3.0.exe")));
    // Empty legacy elements mean "not given".
    assert_eq!(
        (drive.info_url.as_deref(), drive.icon.as_deref()),
        (None, None)
    );
    assert_eq!(drive.install_params, None);
    assert_eq!(
        drive.msi_url.as_deref(),
        Some("https://ox.example.com/updater/products/oxdrive-1.3.0.msi")
    );
    assert_eq!(drive.msi_md5, Some(md5_of("oxdrive-1.3.0.msi")));
}

#[test]
fn full_manifest_every_extension_field() {
    let m = parse(&fixture("manifest-full.xml")).unwrap();
    assert!(!m.legacy);
    assert_eq!(m.serial, Some(2_024_031_501));
    assert_eq!(
        m.issued,
        Some(Timestamp::parse("2024-03-15T09:30:00Z").unwrap())
    );
    assert_eq!(
        m.expires,
        Some(Timestamp::parse("2024-04-15T09:30:00Z").unwrap())
    );
    assert_eq!(m.products.len(), 2);

    let p = &m.products[0];
    assert_eq!(
        p.product_code.as_deref(),
        Some("{9B1C2D3E-4F50-4617-8293-A4B5C6D7E8F9}")
    );
    assert_eq!(p.sha256, Some(sha256_of("oxtender2-7.10.6.msi")));
    assert_eq!(p.size, Some(fixture("oxtender2-7.10.6.msi").len() as u64));
    assert_eq!(p.min_server_version, Some(v("7.10.0")));
    assert_eq!(p.max_server_version, Some(v("7.10.6")));
    assert_eq!(p.outlook_versions, ["2016", "2019", "2021", "365"]);
    assert_eq!(p.min_windows_version, Some(v("10.0")));
    assert_eq!(p.architecture, Some(Architecture::X64));
    assert_eq!(p.channel.as_deref(), Some("stable"));
    assert_eq!(p.rollout_percent, Some(25));
    assert!(p.critical);
    assert_eq!(p.required_cache_format, Some(3));
    let langs = |texts: &[olkit_manifest::LocalizedText]| {
        texts.iter().map(|t| t.lang.clone()).collect::<Vec<_>>()
    };
    assert_eq!(langs(&p.release_notes), ["en", "de"]);
    assert_eq!(
        p.release_notes[0].text,
        "Fixes the calendar sync of recurring meetings & shared folders."
    );
    assert!(p.release_notes[1]
        .text
        .starts_with("Behebt den Kalenderabgleich"));
    assert_eq!(langs(&p.details), ["en", "de"]);
    assert!(p.details[1].text.contains("Format 3"));
    assert_eq!(p.md5, Some(md5_of("oxtender2-7.10.6.msi")));
    assert_eq!(p.icon.as_deref(), Some(&fixture("oxtender.ico")[..]));

    let drive = &m.products[1];
    assert_eq!(drive.version.to_string(), "1.3.0-rc1");
    assert!(drive.version < v("1.3.0"));
    assert_eq!(drive.sha256, Some(sha256_of("oxdrive-1.3.0.exe")));
    assert_eq!(drive.architecture, Some(Architecture::X86));
    assert_eq!(drive.channel_or_stable(), "beta");
    assert_eq!((drive.rollout_percent, drive.critical), (None, false));
    assert!(drive.outlook_versions.is_empty() && drive.release_notes.is_empty());
}

#[test]
fn utf16_copies_read_the_same() {
    for name in ["manifest-legacy", "manifest-full"] {
        let utf8 = parse(&fixture(&format!("{name}.xml"))).unwrap();
        for variant in ["utf16le", "utf16be"] {
            let bytes = fixture(&format!("{name}.{variant}.xml"));
            assert_eq!(parse(&bytes).unwrap(), utf8, "{name}.{variant}");
        }
    }
}

#[test]
fn utf8_byte_order_mark_is_accepted() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(fixture("manifest-full.xml"));
    assert_eq!(
        parse(&bytes).unwrap(),
        parse(&fixture("manifest-full.xml")).unwrap()
    );
}

#[test]
fn written_fixture_reads_back_equal() {
    for name in ["manifest-legacy.xml", "manifest-full.xml"] {
        let m = parse(&fixture(name)).unwrap();
        let again = parse(&to_xml(&m)).unwrap();
        assert_eq!(again, m, "{name}");
        assert_eq!(again.legacy, m.legacy);
    }
}

#[test]
fn written_manifest_is_valid_for_xmllint() {
    // The writer's output checked by libxml2, an independent parser.
    let Ok(out) = std::process::Command::new("xmllint")
        .arg("--version")
        .output()
    else {
        eprintln!("xmllint missing (Debian package libxml2-utils): skipped");
        return;
    };
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.xml");
    std::fs::write(
        &path,
        to_xml(&parse(&fixture("manifest-full.xml")).unwrap()),
    )
    .unwrap();
    let status = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn unknown_elements_and_attributes_are_ignored_with_notes() {
    let xml = r#"<?xml version="1.0"?>
<Products generator="ox" xmlns:x="urn:other">
  <Banner>hello <b>world</b></Banner>
  <Product id="1">
    <Name>A</Name>
    <Version>1.0</Version>
    <Sha256>not ours: no namespace</Sha256>
    <x:Name>other namespace</x:Name>
    <Future><Deeper/></Future>
  </Product>
</Products>"#;
    let (m, notes) = parse_with_notes(xml.as_bytes(), &Limits::default()).unwrap();
    assert!(m.legacy);
    assert_eq!(m.products.len(), 1);
    assert_eq!(m.products[0].name, "A");
    assert_eq!(m.products[0].sha256, None);
    let at: Vec<(u64, u64)> = notes.iter().map(|n| (n.line, n.column)).collect();
    assert_eq!(
        at,
        [(2, 1), (3, 3), (4, 3), (7, 5), (8, 5), (9, 5)],
        "{notes:?}"
    );
    assert!(notes[0].message.contains("generator"));
    assert!(notes[3].message.contains("<Sha256>"));
}

#[test]
fn an_unknown_olkit_element_makes_the_manifest_non_legacy() {
    let xml = r#"<Products xmlns:o="urn:olkit:manifest:1"><Product><Name>A</Name><Version>1</Version><o:Future>x</o:Future></Product></Products>"#;
    let m = parse(xml.as_bytes()).unwrap();
    assert!(!m.legacy);
    assert!(!m.has_extension());
}

#[test]
fn prefix_is_free_and_default_namespace_works_for_extension_children() {
    let xml = r#"<Products xmlns:ext="urn:olkit:manifest:1" ext:serial="7"><Product><Name>A</Name><Version>1</Version><Size xmlns="urn:olkit:manifest:1">12</Size></Product></Products>"#;
    let m = parse(xml.as_bytes()).unwrap();
    assert_eq!(m.serial, Some(7));
    assert_eq!(m.products[0].size, Some(12));
}

#[test]
fn entities_and_character_references() {
    let xml = "<Products><Product><Name>A &lt;&gt;&amp;&apos;&quot; &#x41;&#66;</Name><Version>1</Version><URL><![CDATA[https://x/?a=1&b=<2>]]></URL></Product></Products>";
    let p = &parse(xml.as_bytes()).unwrap().products[0];
    assert_eq!(p.name, "A <>&'\" AB");
    assert_eq!(p.url.as_deref(), Some("https://x/?a=1&b=<2>"));
}

fn product(body: &str) -> String {
    format!(
        "<Products xmlns:olkit=\"urn:olkit:manifest:1\">\n<Product>\n<Name>A</Name><Version>1.0</Version>\n{body}\n</Product>\n</Products>"
    )
}

#[test]
fn duplicates_name_the_element_line_and_column() {
    let (line, column, kind) = error_of(&product("<URL>a</URL>\n  <URL>b</URL>"));
    assert_eq!((line, column), (5, 3));
    assert_eq!(kind, FormatError::Duplicate("<URL>".into()));
    let (line, column, kind) = error_of(&product(
        "<olkit:Size>1</olkit:Size><olkit:Size>1</olkit:Size>",
    ));
    assert_eq!(
        (line, column, kind),
        (4, 27, FormatError::Duplicate("<olkit:Size>".into()))
    );
    let (line, column, kind) = error_of(&product(
        "<olkit:Details xml:lang=\"de\">a</olkit:Details>\n<olkit:Details xml:lang=\"DE\">b</olkit:Details>",
    ));
    assert_eq!((line, column), (5, 1));
    assert_eq!(
        kind,
        FormatError::Duplicate("<olkit:Details> xml:lang=\"DE\"".into())
    );
    // An attribute twice is not well-formed XML.
    let (line, column, kind) =
        error_of("<Products xmlns:o=\"urn:olkit:manifest:1\" o:serial=\"1\" o:serial=\"2\"/>");
    assert_eq!((line, column), (1, 1));
    assert!(matches!(kind, FormatError::Syntax(_)), "{kind:?}");
    // Name given twice: the first <Name> is in product().
    let (line, column, kind) = error_of(&product("<Name>B</Name>"));
    assert_eq!(
        (line, column, kind),
        (4, 1, FormatError::Duplicate("<Name>".into()))
    );
}

#[test]
fn every_invalid_value_is_refused_where_it_is() {
    let cases: &[(&str, &str)] = &[
        (
            "<UpgradeCode>{5A7D0F22-6A4B-4F3E-9C1D}</UpgradeCode>",
            "<UpgradeCode>",
        ),
        (
            "<UpgradeCode>{5A7D0F22-6A4B-4F3E-9C1D-2B8E7F6A5C41</UpgradeCode>",
            "<UpgradeCode>",
        ),
        ("<MD5>0123</MD5>", "<MD5>"),
        ("<MD5>zz23456789abcdef0123456789abcdef</MD5>", "<MD5>"),
        (
            "<MSIMD5>0123456789abcdef0123456789abcdef00</MSIMD5>",
            "<MSIMD5>",
        ),
        ("<Icon>not*base64</Icon>", "<Icon>"),
        (
            "<olkit:ProductCode>nope</olkit:ProductCode>",
            "<olkit:ProductCode>",
        ),
        ("<olkit:Sha256>00</olkit:Sha256>", "<olkit:Sha256>"),
        ("<olkit:Size>-1</olkit:Size>", "<olkit:Size>"),
        (
            "<olkit:Size>18446744073709551616</olkit:Size>",
            "<olkit:Size>",
        ),
        ("<olkit:Size></olkit:Size>", "<olkit:Size>"),
        (
            "<olkit:MinServerVersion>seven</olkit:MinServerVersion>",
            "<olkit:MinServerVersion>",
        ),
        (
            "<olkit:MaxServerVersion>x</olkit:MaxServerVersion>",
            "<olkit:MaxServerVersion>",
        ),
        (
            "<olkit:OutlookVersions>2016 Outlook2019</olkit:OutlookVersions>",
            "<olkit:OutlookVersions>",
        ),
        (
            "<olkit:OutlookVersions>2016 2016</olkit:OutlookVersions>",
            "<olkit:OutlookVersions>",
        ),
        (
            "<olkit:MinWindowsVersion>Windows 10</olkit:MinWindowsVersion>",
            "<olkit:MinWindowsVersion>",
        ),
        (
            "<olkit:Architecture>arm64</olkit:Architecture>",
            "<olkit:Architecture>",
        ),
        (
            "<olkit:Architecture>X64</olkit:Architecture>",
            "<olkit:Architecture>",
        ),
        (
            "<olkit:Channel>early access</olkit:Channel>",
            "<olkit:Channel>",
        ),
        (
            "<olkit:RolloutPercent>101</olkit:RolloutPercent>",
            "<olkit:RolloutPercent>",
        ),
        (
            "<olkit:RolloutPercent>5%</olkit:RolloutPercent>",
            "<olkit:RolloutPercent>",
        ),
        ("<olkit:Critical>yes</olkit:Critical>", "<olkit:Critical>"),
        (
            "<olkit:RequiredCacheFormat>4294967296</olkit:RequiredCacheFormat>",
            "<olkit:RequiredCacheFormat>",
        ),
    ];
    for (body, name) in cases {
        let (line, column, kind) = error_of(&product(&format!("  {body}")));
        assert_eq!((line, column), (4, 3), "{body}");
        match kind {
            FormatError::InvalidValue { name: n, .. } => assert_eq!(&n, name, "{body}"),
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[test]
fn version_errors_and_ranges() {
    let xml = "<Products>\n <Product>\n  <Name>A</Name>\n  <Version>not a version</Version>\n </Product>\n</Products>";
    let (line, column, kind) = error_of(xml);
    assert_eq!((line, column), (4, 3));
    assert!(
        matches!(kind, FormatError::InvalidValue { ref name, .. } if name == "<Version>"),
        "{kind:?}"
    );
    let (line, column, kind) = error_of(&product(
        "<olkit:MinServerVersion>7.2</olkit:MinServerVersion>\n<olkit:MaxServerVersion>7.1.9</olkit:MaxServerVersion>",
    ));
    assert_eq!((line, column), (5, 1));
    assert!(kind.to_string().contains("below"), "{kind}");
}

#[test]
fn missing_required_parts() {
    let (line, column, kind) =
        error_of("<Products>\n  <Product><Version>1</Version></Product>\n</Products>");
    assert_eq!((line, column), (2, 3));
    assert_eq!(
        kind,
        FormatError::Missing {
            name: "<Name>".into(),
            parent: "Product".into()
        }
    );
    let (_, _, kind) =
        error_of("<Products><Product><Name>A</Name><Version> </Version></Product></Products>");
    assert_eq!(
        kind,
        FormatError::Missing {
            name: "<Version>".into(),
            parent: "Product".into()
        }
    );
    let (_, _, kind) =
        error_of("<Products><Product><Name/><Version>1</Version></Product></Products>");
    assert_eq!(
        kind,
        FormatError::Missing {
            name: "<Name>".into(),
            parent: "Product".into()
        }
    );
    let (line, column, kind) = error_of(&product("<olkit:ReleaseNotes>x</olkit:ReleaseNotes>"));
    assert_eq!((line, column), (4, 1));
    assert_eq!(
        kind,
        FormatError::Missing {
            name: "attribute xml:lang".into(),
            parent: "olkit:ReleaseNotes".into()
        }
    );
    let (_, _, kind) = error_of(&product(
        "<olkit:ReleaseNotes xml:lang=\"english please\">x</olkit:ReleaseNotes>",
    ));
    assert!(matches!(kind, FormatError::InvalidValue { .. }), "{kind:?}");
    let (line, column, kind) = error_of("<!-- nothing -->\n");
    assert_eq!((line, column), (2, 1));
    assert!(matches!(kind, FormatError::Missing { .. }), "{kind:?}");
}

#[test]
fn manifest_attributes() {
    let root = |attrs: &str| format!("<Products xmlns:olkit=\"urn:olkit:manifest:1\"\n  {attrs}/>");
    let m = parse(root("olkit:serial=\" 42 \"").as_bytes()).unwrap();
    assert_eq!(m.serial, Some(42));
    assert!(!m.legacy && m.products.is_empty());
    for bad in [
        "olkit:serial=\"-1\"",
        "olkit:serial=\"0x10\"",
        "olkit:issued=\"yesterday\"",
        "olkit:expires=\"2024-02-30T00:00:00Z\"",
        "olkit:issued=\"2024-03-01T00:00:00Z\" olkit:expires=\"2024-03-01T00:00:00Z\"",
    ] {
        let (line, column, kind) = error_of(&root(bad));
        assert_eq!((line, column), (1, 1), "{bad}");
        assert!(
            matches!(kind, FormatError::InvalidValue { .. }),
            "{bad}: {kind:?}"
        );
    }
}

#[test]
fn structure_errors() {
    let (line, column, kind) = error_of("<?xml version=\"1.0\"?>\n<products/>");
    assert_eq!(
        (line, column, kind),
        (2, 1, FormatError::WrongRoot("products".into()))
    );
    let (_, _, kind) = error_of("<Products xmlns=\"urn:ox\"/>");
    assert_eq!(kind, FormatError::WrongRoot("Products".into()));
    let (line, column, kind) = error_of("<Products/>\n<Products/>");
    assert_eq!((line, column), (2, 1));
    assert!(matches!(kind, FormatError::OutsideRoot(_)), "{kind:?}");
    let (line, column, kind) = error_of("<Products/>\n  junk");
    assert_eq!((line, column), (1, 12));
    assert!(matches!(kind, FormatError::OutsideRoot(_)), "{kind:?}");
    let (line, column, kind) =
        error_of("<Products><Product><Name>A<b>bold</b></Name></Product></Products>");
    assert_eq!((line, column), (1, 27));
    assert_eq!(
        kind,
        FormatError::UnexpectedElement {
            name: "b".into(),
            parent: "Name".into()
        }
    );
    let (line, column, kind) = error_of("<Products>\n<Product>\n<Name>A</Nam>");
    assert_eq!(line, 3);
    assert!(column >= 8, "{column}");
    assert!(matches!(kind, FormatError::Syntax(_)), "{kind:?}");
    let (line, _, kind) = error_of("<Products>\n<Product>\n");
    assert_eq!(line, 3);
    assert!(matches!(kind, FormatError::Syntax(_)), "{kind:?}");
}

#[test]
fn dtds_and_entities_are_refused() {
    let (line, column, kind) = error_of(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Products SYSTEM \"file:///etc/passwd\">\n<Products/>",
    );
    assert_eq!((line, column, kind), (2, 1, FormatError::Doctype));
    let (line, column, kind) = error_of(
        "<Products><Product><Name>a &nbsp; b</Name><Version>1</Version></Product></Products>",
    );
    assert_eq!(
        (line, column, kind),
        (1, 28, FormatError::UndefinedEntity("nbsp".into()))
    );
    let (line, column, kind) = error_of("<Products>\n  <Unknown a=\"&ent;\"/></Products>");
    assert_eq!(
        (line, column, kind),
        (2, 3, FormatError::UndefinedEntity("ent".into()))
    );
    // Inside an element that is otherwise ignored, too.
    let (line, column, kind) = error_of("<Products><Skip>&xxe;</Skip></Products>");
    assert_eq!(
        (line, column, kind),
        (1, 17, FormatError::UndefinedEntity("xxe".into()))
    );
}

#[test]
fn encoding_errors() {
    let (line, column, kind) = error_with(
        b"<Products>\n  <Product>\xff</Product></Products>",
        &Limits::default(),
    );
    assert_eq!((line, column), (2, 12));
    assert!(matches!(kind, FormatError::Encoding(_)), "{kind:?}");
    // UTF-16LE with an unpaired high surrogate after "<Products>\n<".
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "<Products>\n<".encode_utf16().chain([0xD800, 0x0041]) {
        bytes.extend(unit.to_le_bytes());
    }
    let (line, column, kind) = error_with(&bytes, &Limits::default());
    assert_eq!((line, column), (2, 2));
    assert!(matches!(kind, FormatError::Encoding(_)), "{kind:?}");
    let mut odd = vec![0xFF, 0xFE];
    odd.extend("<Products/>".encode_utf16().flat_map(u16::to_le_bytes));
    odd.push(b'\n');
    assert!(matches!(
        error_with(&odd, &Limits::default()).2,
        FormatError::Encoding(_)
    ));
    // The declaration must agree with the bytes.
    let (line, column, kind) = error_of("<?xml version=\"1.0\" encoding=\"UTF-16\"?><Products/>");
    assert_eq!((line, column), (1, 1));
    assert!(matches!(kind, FormatError::Encoding(_)), "{kind:?}");
    let (_, _, kind) = error_of("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Products><Product><Name>Grüße</Name><Version>1</Version></Product></Products>");
    assert!(matches!(kind, FormatError::Encoding(_)), "{kind:?}");
    // ...but an ASCII document reads the same in any ASCII-compatible encoding.
    assert!(parse(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Products/>").is_ok());
}

#[test]
fn limits_are_enforced_with_positions() {
    let small = Limits {
        max_bytes: 64,
        ..Limits::default()
    };
    let (line, column, kind) = error_with(&[b' '; 65], &small);
    assert_eq!(
        (line, column, kind),
        (1, 1, FormatError::TooLarge { limit: 64 })
    );

    let deep = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let (line, column, kind) = error_with(b"<Products>\n <Product>\n  <Name><x/></Name>", &deep);
    assert_eq!(
        (line, column, kind),
        (3, 9, FormatError::TooDeep { limit: 3 })
    );

    let few = Limits {
        max_elements: 4,
        ..Limits::default()
    };
    let xml =
        "<Products>\n<Product><Name>A</Name><Version>1</Version><URL>u</URL></Product></Products>";
    let (line, column, kind) = error_with(xml.as_bytes(), &few);
    assert_eq!(
        (line, column, kind),
        (2, 44, FormatError::TooManyElements { limit: 4 })
    );

    let short = Limits {
        max_text_bytes: 8,
        ..Limits::default()
    };
    let xml = "<Products>\n<Product><Name>ABCDEFGHI</Name></Product></Products>";
    let (line, column, kind) = error_with(xml.as_bytes(), &short);
    assert_eq!((line, column), (2, 16));
    assert_eq!(
        kind,
        FormatError::TextTooLong {
            name: "<Name>".into(),
            limit: 8
        }
    );
    let xml = "<Products a=\"123456789\"/>";
    assert!(matches!(
        error_with(xml.as_bytes(), &short).2,
        FormatError::TextTooLong { .. }
    ));
}

/// Runs `f` and checks it ends within a second.
fn within_a_second<T>(what: &str, f: impl FnOnce() -> T) -> T {
    within(Duration::from_secs(1), what, f)
}

/// Runs `f` and checks it ends within `limit`.
fn within<T>(limit: Duration, what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < limit, "{what} took {took:?}");
    out
}

#[test]
fn billion_laughs_is_refused_at_the_doctype() {
    let mut xml =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE Products [\n <!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", i - 1)
        };
        xml.push_str(&format!(
            " <!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    xml.push_str(
        "]>\n<Products><Product><Name>&lol9;</Name><Version>1</Version></Product></Products>\n",
    );
    let (line, column, kind) = within_a_second("billion laughs", || error_of(&xml));
    assert_eq!((line, column, kind), (2, 1, FormatError::Doctype));
    // Without the DTD the reference is an undefined entity, not an expansion.
    let body = xml.split("]>\n").nth(1).unwrap();
    let (_, _, kind) = error_of(body);
    assert_eq!(kind, FormatError::UndefinedEntity("lol9".into()));
}

#[test]
fn hundred_megabyte_document_is_refused_before_reading() {
    let mut xml = b"<Products><Product><Name>".to_vec();
    xml.resize(100 << 20, b'A');
    let (line, column, kind) = within_a_second("100 MB", || error_with(&xml, &Limits::default()));
    assert_eq!((line, column), (1, 1));
    assert_eq!(
        kind,
        FormatError::TooLarge {
            limit: Limits::default().max_bytes
        }
    );
    // Through a reader, at most the limit plus one byte is read.
    let (line, column, kind) = within_a_second("100 MB stream", || {
        match olkit_manifest::parse_reader(std::io::Cursor::new(&xml), &Limits::default()) {
            Err(Error::Manifest { line, column, kind }) => (line, column, kind),
            other => panic!("{other:?}"),
        }
    });
    assert_eq!((line, column), (1, 1));
    assert!(matches!(kind, FormatError::TooLarge { .. }));
    // Raised limits: a 100 MB text is refused by the text limit, not
    // copied. quick-xml still scans it once to find where it ends before
    // the limit can apply: about 0.5 s in a debug build, hence the looser
    // bound (this case is beyond the issue's default-limit one).
    let raised = Limits {
        max_bytes: 200 << 20,
        ..Limits::default()
    };
    let (_, _, kind) = within(Duration::from_secs(5), "100 MB text", || {
        error_with(&xml, &raised)
    });
    assert!(matches!(kind, FormatError::TextTooLong { .. }), "{kind:?}");
}

#[test]
fn hundred_thousand_levels_of_nesting_are_refused() {
    let mut xml = String::from("<Products>");
    xml.push_str(&"<a>".repeat(100_000));
    xml.push_str(&"</a>".repeat(100_000));
    xml.push_str("</Products>");
    let (line, column, kind) = within_a_second("100,000 levels", || error_of(&xml));
    let depth = Limits::default().max_depth;
    assert_eq!((line, column), (1, 11 + 3 * (depth as u64 - 1)));
    assert_eq!(kind, FormatError::TooDeep { limit: depth });
    // With the depth limit lifted, the element limit still ends it.
    let lifted = Limits {
        max_depth: usize::MAX,
        ..Limits::default()
    };
    let (_, _, kind) = within_a_second("100,000 levels, depth unlimited", || {
        error_with(
            xml.as_bytes(),
            &Limits {
                max_elements: 50_000,
                ..lifted
            },
        )
    });
    assert_eq!(kind, FormatError::TooManyElements { limit: 50_000 });
}

#[test]
fn errors_display_line_and_column() {
    let err = parse(
        b"<Products>\n<Product><Name>A</Name><Version>1</Version><URL/><URL/></Product></Products>",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "manifest line 2, column 50: <URL> given more than once"
    );
}

#[test]
fn empty_manifest_round_trips() {
    let m = Manifest {
        legacy: true,
        ..Manifest::default()
    };
    assert_eq!(parse(&to_xml(&m)).unwrap(), m);
}
