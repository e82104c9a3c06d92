//! Product identity and upgrade matching on real packages built at test
//! time (`wixl`, `msibuild`), checked against `msiinfo`'s reading of the
//! same packages and against the inventory fixture (registrations written
//! by Wine's msi.dll).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::path::Path;

use olkit_msi_query::{
    find_related_products, Architecture, Error, Guid, InstallContext, InstalledProduct, Inventory,
    Package, PackageKind, ProductState, ProductVersion, Relation, Scope, Template, UpgradeAction,
    UpgradeAttributes, UpgradeRow,
};

const INVENTORY: &[u8] = include_bytes!("fixtures/inventory/installed-products.reg");

fn g(text: &str) -> Guid {
    Guid::parse(text).unwrap()
}

fn v(text: &str) -> ProductVersion {
    ProductVersion::parse(text).unwrap()
}

/// `msiinfo suminfo` lines as (name, value).
fn suminfo(path: &Path) -> Vec<(String, String)> {
    support::msiinfo(&["suminfo", &path.to_string_lossy()])
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn suminfo_field(path: &Path, name: &str) -> String {
    suminfo(path)
        .into_iter()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("msiinfo suminfo has no {name}"))
        .1
}

/// The rows of `msiinfo export PACKAGE TABLE` (after the three header lines).
fn exported_rows(path: &Path, table: &str) -> Vec<Vec<String>> {
    let text = String::from_utf8(support::msiinfo_export(path, table)).unwrap();
    text.split("\r\n")
        .skip(3)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// The Property table's value of `name`, as msiinfo exports it.
fn exported_property(path: &Path, name: &str) -> Option<String> {
    exported_rows(path, "Property")
        .into_iter()
        .find(|r| r[0] == name)
        .map(|r| r[1].clone())
}

#[test]
fn identity_of_the_sample_matches_msiinfo() {
    let (_dir, path) = support::sample_msi();
    let package = Package::open(&path).unwrap();
    let id = package.identity().unwrap();

    assert_eq!(id.product_code, Some(g(support::SAMPLE_PRODUCT_CODE)));
    assert_eq!(id.upgrade_code, Some(g(support::SAMPLE_UPGRADE_CODE)));
    assert_eq!(id.product_version, Some(v(support::SAMPLE_VERSION)));
    assert_eq!(id.product_version.unwrap().to_string(), "1.2.3.4");
    // Every property against msiinfo's export of the Property table.
    for (name, ours) in [
        ("ProductCode", id.product_code.map(|c| c.to_string())),
        ("UpgradeCode", id.upgrade_code.map(|c| c.to_string())),
        ("ProductVersion", id.product_version.map(|c| c.to_string())),
        ("ProductName", id.product_name.clone()),
        ("Manufacturer", id.manufacturer.clone()),
        (
            "ProductLanguage",
            id.product_language.map(|c| c.to_string()),
        ),
    ] {
        assert_eq!(ours, exported_property(&path, name), "{name}");
    }
    // Summary information against msiinfo suminfo.
    assert_eq!(
        id.package_code.unwrap().to_string(),
        suminfo_field(&path, "Revision number (UUID)").to_uppercase()
    );
    let template = suminfo_field(&path, "Template");
    assert_eq!(id.template, Some(Template::parse(&template).unwrap()));
    assert_eq!(
        id.architecture(),
        Some(&Architecture::X64),
        "wixl -a x64 wrote {template}"
    );
    assert_eq!(id.languages(), [1033]);
    let version = suminfo_field(&path, "Version"); // "200 (c8)"
    assert_eq!(
        id.minimum_installer_version
            .map(|v| v.to_string())
            .as_deref(),
        version.split(' ').next()
    );
    assert_eq!(
        id.minimum_installer_version_string().as_deref(),
        Some("2.0")
    );

    // The default wixl architecture is Intel.
    let (_dir, path) = support::wixl_build(
        &support::sample_wxs()
            .replace("ProgramFiles64Folder", "ProgramFilesFolder")
            .replace(r#" Win64="yes""#, ""),
    );
    let id = Package::open(&path).unwrap().identity().unwrap();
    assert_eq!(id.architecture(), Some(&Architecture::X86));
    assert!(!id.architecture().unwrap().is_64_bit());
}

fn property_idt(rows: &[(&str, &str)]) -> String {
    let rows: Vec<String> = rows.iter().map(|(k, v)| format!("{k}\t{v}")).collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    support::idt("Property\tValue", "s72\tl0", "Property\tProperty", &rows)
}

#[test]
fn templates_written_by_msibuild() {
    let property = property_idt(&[("ProductCode", "{6B2F1C44-7D1E-4E0B-9B1A-3C5D2E7F8A01}")]);
    let cases: &[(&str, Architecture, &[u16])] = &[
        ("Intel;1033", Architecture::X86, &[1033]),
        ("x64;1033,1031", Architecture::X64, &[1033, 1031]),
        ("AMD64;1033", Architecture::X64, &[1033]),
        ("Intel64;1033", Architecture::Ia64, &[1033]),
        (
            "Arm64;1033,1031,1036",
            Architecture::Arm64,
            &[1033, 1031, 1036],
        ),
        ("Arm;0", Architecture::Arm, &[0]),
        (";1033", Architecture::Unspecified, &[1033]),
        ("Alpha;1033", Architecture::Other("Alpha".into()), &[1033]),
    ];
    for (template, arch, languages) in cases {
        let (_dir, path) = support::msibuild_from_idt(
            &[("Property.idt", &property)],
            &[
                "Name",
                "Author",
                template,
                "{11111111-2222-3333-4444-555555555555}",
            ],
        );
        assert_eq!(
            &suminfo_field(&path, "Template"),
            template,
            "msibuild wrote it"
        );
        let id = Package::open(&path).unwrap().identity().unwrap();
        let t = id.template.unwrap();
        assert_eq!(
            (&t.architecture, t.languages.as_slice()),
            (arch, *languages),
            "{template}"
        );
        assert_eq!(
            id.package_code,
            Some(g("{11111111-2222-3333-4444-555555555555}"))
        );
        // Nothing else was authored.
        assert_eq!(id.product_version, None);
        assert_eq!(id.upgrade_code, None);
    }

    let (_dir, path) =
        support::msibuild_from_idt(&[("Property.idt", &property)], &["N", "A", "Intel;en-US"]);
    match Package::open(&path).unwrap().identity() {
        Err(Error::InvalidTemplate { text, reason }) => {
            assert_eq!(
                (text.as_str(), reason),
                ("Intel;en-US", "an entry is not a decimal number")
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_properties_are_named() {
    let cases = [
        ("ProductVersion", "256.1.0", "Property ProductVersion"),
        ("ProductVersion", "1.2.3.4.5", "Property ProductVersion"),
        ("ProductVersion", "v1.2", "Property ProductVersion"),
        (
            "ProductCode",
            "6B2F1C44-7D1E-4E0B-9B1A-3C5D2E7F8A01",
            "Property ProductCode",
        ),
        (
            "UpgradeCode",
            "{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4}",
            "Property UpgradeCode",
        ),
        ("ProductLanguage", "1033,1031", "Property ProductLanguage"),
        ("ProductLanguage", "English", "Property ProductLanguage"),
    ];
    for (name, value, location) in cases {
        let (_dir, path) =
            support::msibuild_from_idt(&[("Property.idt", &property_idt(&[(name, value)]))], &[]);
        assert_eq!(exported_property(&path, name).as_deref(), Some(value));
        match Package::open(&path).unwrap().identity() {
            Err(Error::InvalidField { location: l, .. }) => {
                assert_eq!(l, location, "{name}={value}")
            }
            other => panic!("{name}={value}: {other:?}"),
        }
    }
    // Lower-case GUIDs, leading zeros and missing fields are accepted.
    let (_dir, path) = support::msibuild_from_idt(
        &[(
            "Property.idt",
            &property_idt(&[
                ("ProductCode", "{6b2f1c44-7d1e-4e0b-9b1a-3c5d2e7f8a01}"),
                ("ProductVersion", "07.01"),
                ("ProductLanguage", "1031"),
            ]),
        )],
        &[],
    );
    let id = Package::open(&path).unwrap().identity().unwrap();
    assert_eq!(
        id.product_code.unwrap().to_string(),
        "{6B2F1C44-7D1E-4E0B-9B1A-3C5D2E7F8A01}"
    );
    assert_eq!(id.product_version.unwrap().to_string(), "7.1.0");
    assert_eq!(id.product_language, Some(1031));
}

#[test]
fn merge_module_identity() {
    let signature = support::idt(
        "ModuleID\tLanguage\tVersion",
        "s72\ti2\ts32",
        "ModuleSignature\tModuleID\tLanguage",
        &["OlkitModule.AAAAAAAA_BBBB_CCCC_DDDD_EEEEEEEEEEEE\t1033\t1.0.0.0"],
    );
    let (_dir, path) = support::msibuild_from_idt(
        &[("ModuleSignature.idt", &signature)],
        &[
            "Module",
            "Olkit",
            ";1033",
            "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}",
        ],
    );
    let package = Package::open(&path).unwrap();
    assert_eq!(package.kind(), PackageKind::MergeModule);
    let id = package.identity().unwrap();
    assert_eq!(id.product_code, None);
    assert_eq!(id.architecture(), Some(&Architecture::Unspecified));
    assert_eq!(
        id.package_code,
        Some(g("{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}"))
    );
    assert!(
        package.upgrade_rows().unwrap().is_empty(),
        "no Upgrade table"
    );
}

/// Parses msiinfo's export of an Upgrade table row by row, independently of
/// the crate's table reader.
fn msiinfo_upgrade_rows(path: &Path) -> Vec<UpgradeRow> {
    exported_rows(path, "Upgrade")
        .into_iter()
        .map(|r| {
            let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
            UpgradeRow {
                upgrade_code: g(&r[0]),
                version_min: opt(&r[1]).map(|s| v(&s)),
                version_max: opt(&r[2]).map(|s| v(&s)),
                languages: r[3]
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.trim().parse().unwrap())
                    .collect(),
                attributes: UpgradeAttributes(r[4].parse::<i64>().unwrap() as u32),
                remove: opt(&r[5]),
                action_property: r[6].clone(),
            }
        })
        .collect()
}

#[test]
fn sample_upgrade_table_matches_msiinfo() {
    let (_dir, path) = support::sample_msi();
    let rows = Package::open(&path).unwrap().upgrade_rows().unwrap();
    assert_eq!(rows, msiinfo_upgrade_rows(&path));
    // wixl's MajorUpgrade: detect everything below this version, and
    // (OnlyDetect) anything above it.
    let upgrade = rows
        .iter()
        .find(|r| r.action_property == "WIX_UPGRADE_DETECTED")
        .unwrap();
    assert_eq!(
        (upgrade.version_min, upgrade.version_max),
        (None, Some(v("1.2.3.4")))
    );
    assert!(!upgrade.only_detect());
    let downgrade = rows
        .iter()
        .find(|r| r.action_property == "WIX_DOWNGRADE_DETECTED")
        .unwrap();
    assert_eq!(
        (downgrade.version_min, downgrade.version_max),
        (Some(v("1.2.3.4")), None)
    );
    assert!(downgrade.only_detect());
}

#[test]
fn sample_against_the_inventory() {
    let (_dir, path) = support::sample_msi();
    let package = Package::open(&path).unwrap();
    let inventory = Inventory::from_reg_bytes(INVENTORY).unwrap();

    let report = package
        .find_related_products(inventory.products(), &Scope::All)
        .unwrap();
    assert_eq!(report.product_version, Some(v("1.2.3.4")));
    assert!(!report.maintenance);
    let outcome: Vec<(String, Relation, UpgradeAction)> = report
        .products
        .iter()
        .filter(|p| p.relation != Relation::Unrelated)
        .map(|p| {
            (
                p.product.version.unwrap().to_string(),
                p.relation,
                p.action(),
            )
        })
        .collect();
    assert_eq!(
        outcome,
        [
            (
                "1.0.5".to_string(),
                Relation::OlderVersion,
                UpgradeAction::Remove
            ),
            (
                "2.0.0".to_string(),
                Relation::NewerVersion,
                UpgradeAction::Detect
            ),
            (
                "1.1.0".to_string(),
                Relation::OlderVersion,
                UpgradeAction::Remove
            ),
        ]
    );
    assert!(report.downgrade, "Bob's 2.0.0 is newer");
    assert_eq!(
        report.action_property("WIX_UPGRADE_DETECTED"),
        Some("{4E8B2D13-6A5C-4B7D-9E0F-1A2B3C4D5E6F};{3F9A7C21-8B4D-4E6F-A1B2-C3D4E5F60718}")
    );
    assert_eq!(
        report.action_property("WIX_DOWNGRADE_DETECTED"),
        Some("{7C4D9E2A-3B1F-4C5D-8E6F-708192A3B4C5}")
    );
    // Products of other upgrade codes are untouched.
    assert!(report
        .products
        .iter()
        .filter(|p| p.relation == Relation::Unrelated)
        .all(|p| p.matches.is_empty()));
    assert_eq!(report.products.len(), inventory.products().len());

    // A per-machine installation sees only the per-machine 1.1.0.
    let report = package
        .find_related_products(inventory.products(), &Scope::PerMachine)
        .unwrap();
    assert!(!report.downgrade);
    assert_eq!(
        report
            .removed()
            .map(|p| p.product.version.unwrap().to_string())
            .collect::<Vec<_>>(),
        ["1.1.0"]
    );
    assert_eq!(
        report.action_property("WIX_UPGRADE_DETECTED"),
        Some("{3F9A7C21-8B4D-4E6F-A1B2-C3D4E5F60718}")
    );
    assert_eq!(report.action_property("WIX_DOWNGRADE_DETECTED"), None);

    // The current (Wine) user's per-user installation.
    let wine_user = Scope::PerUser(Some("S-1-5-21-0-0-0-1000".into()));
    let report = package
        .find_related_products(inventory.products(), &wine_user)
        .unwrap();
    assert!(!report.downgrade);
    assert_eq!(
        report.action_properties,
        [(
            "WIX_UPGRADE_DETECTED".to_string(),
            "{4E8B2D13-6A5C-4B7D-9E0F-1A2B3C4D5E6F}".to_string()
        )]
    );
}

#[test]
fn the_same_product_installed_is_maintenance() {
    let (_dir, path) = support::sample_msi();
    let package = Package::open(&path).unwrap();
    let mut me = InstalledProduct::new(
        g(support::SAMPLE_PRODUCT_CODE),
        InstallContext::Machine,
        ProductState::Installed,
    );
    me.upgrade_codes = vec![g(support::SAMPLE_UPGRADE_CODE)];
    me.version = Some(ProductVersion::from_dword(v("1.2.3").to_dword()));
    let mut older = InstalledProduct::new(
        g("{3F9A7C21-8B4D-4E6F-A1B2-C3D4E5F60718}"),
        InstallContext::Machine,
        ProductState::Installed,
    );
    older.upgrade_codes = vec![g(support::SAMPLE_UPGRADE_CODE)];
    older.version = Some(v("1.0.0"));
    let report = package
        .find_related_products(&[me, older.clone()], &Scope::All)
        .unwrap();
    assert!(report.maintenance);
    assert_eq!(report.products[0].relation, Relation::SameProduct);
    assert!(
        report.action_properties.is_empty(),
        "FindRelatedProducts does not run"
    );
    // Without it, the older one is upgraded.
    let report = package
        .find_related_products(&[older], &Scope::All)
        .unwrap();
    assert!(!report.maintenance);
    assert_eq!(report.products[0].action(), UpgradeAction::Remove);
    // The same major.minor.build, another fourth field: not detected by
    // the exclusive bounds, not a downgrade.
    let mut same = InstalledProduct::new(
        g("{4E8B2D13-6A5C-4B7D-9E0F-1A2B3C4D5E6F}"),
        InstallContext::Machine,
        ProductState::Installed,
    );
    same.upgrade_codes = vec![g(support::SAMPLE_UPGRADE_CODE)];
    same.version = Some(v("1.2.3"));
    let report = package.find_related_products(&[same], &Scope::All).unwrap();
    assert_eq!(report.products[0].relation, Relation::SameVersion);
    assert_eq!(report.products[0].action(), UpgradeAction::None);
    assert!(!report.downgrade);
}

/// A product with an Upgrade table holding every attribute bit and
/// language form, built by msibuild from IDT files.
fn upgrade_package(rows: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let property = property_idt(&[
        ("ProductCode", "{D0D0D0D0-1111-4222-8333-444444444444}"),
        ("ProductVersion", "5.0.0"),
        ("UpgradeCode", "{E0E0E0E0-1111-4222-8333-444444444444}"),
        ("ProductLanguage", "1033"),
    ]);
    let upgrade = support::idt(
        "UpgradeCode\tVersionMin\tVersionMax\tLanguage\tAttributes\tRemove\tActionProperty",
        "s38\tS20\tS20\tS255\ti4\tS255\ts72",
        "Upgrade\tUpgradeCode\tVersionMin\tVersionMax\tLanguage\tAttributes",
        rows,
    );
    support::msibuild_from_idt(
        &[("Property.idt", &property), ("Upgrade.idt", &upgrade)],
        &["P", "A", "Intel;1033"],
    )
}

#[test]
fn every_attribute_bit_on_a_real_package() {
    // Upgrade codes in the inventory fixture: Notizen (1031, 3.0.2), Kerio
    // (1033, 7.1.4), the sample (1033: 1.0.5 HKCU, 1.1.0 machine, 2.0.0 Bob).
    const NOTES: &str = "{E1F2A3B4-C5D6-4E7F-8091-A2B3C4D5E6F7}";
    const KERIO: &str = "{D2E3F4A5-B6C7-4D8E-9F0A-1B2C3D4E5F60}";
    const SAMPLE: &str = "{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}";
    // (row, versions of the products detected)
    let cases: &[(String, &[&str])] = &[
        // Language lists and LanguagesExclusive (1024).
        (format!("{NOTES}\t\t\t1031\t0\t\tP"), &["3.0.2"]),
        (format!("{NOTES}\t\t\t1033\t0\t\tP"), &[]),
        (format!("{NOTES}\t\t\t1033,1031\t0\t\tP"), &["3.0.2"]),
        (format!("{NOTES}\t\t\t1031\t1024\t\tP"), &[]),
        (format!("{NOTES}\t\t\t1033\t1024\t\tP"), &["3.0.2"]),
        // VersionMin/VersionMax and their inclusive bits (256, 512).
        (format!("{KERIO}\t7.1.4\t\t\t0\t\tP"), &[]),
        (format!("{KERIO}\t7.1.4\t\t\t256\t\tP"), &["7.1.4"]),
        (format!("{KERIO}\t\t7.1.4\t\t0\t\tP"), &[]),
        (format!("{KERIO}\t\t7.1.4\t\t512\t\tP"), &["7.1.4"]),
        (
            format!("{KERIO}\t7.1.4.99\t7.1.4.1\t\t768\t\tP"),
            &["7.1.4"],
        ),
        (format!("{KERIO}\t7.1\t7.2\t1033\t0\t\tP"), &["7.1.4"]),
        (format!("{SAMPLE}\t1.0.5\t2.0.0\t\t0\t\tP"), &["1.1.0"]),
        (
            format!("{SAMPLE}\t1.0.5\t2.0.0\t\t768\t\tP"),
            &["1.0.5", "2.0.0", "1.1.0"],
        ),
        (format!("{SAMPLE}\t1.0.6\t\t\t0\t\tP"), &["2.0.0", "1.1.0"]),
        // Bits that do not decide detection: MigrateFeatures, OnlyDetect,
        // IgnoreRemoveFailure.
        (format!("{SAMPLE}\t\t1.1.0\t\t7\tF1,F2\tP"), &["1.0.5"]),
    ];
    let inventory = Inventory::from_reg_bytes(INVENTORY).unwrap();
    for (row, expected) in cases {
        let (_dir, path) = upgrade_package(&[row.as_str()]);
        let package = Package::open(&path).unwrap();
        let rows = package.upgrade_rows().unwrap();
        assert_eq!(rows, msiinfo_upgrade_rows(&path), "{row}");
        let report = package
            .find_related_products(inventory.products(), &Scope::All)
            .unwrap();
        let detected: Vec<String> = report
            .products
            .iter()
            .filter(|p| !p.matches.is_empty())
            .map(|p| p.product.version.unwrap().to_string())
            .collect();
        assert_eq!(detected, *expected, "{row}");
        let bits = rows[0].attributes;
        for p in report.products.iter().filter(|p| !p.matches.is_empty()) {
            let expected_action = if bits.has(UpgradeAttributes::ONLY_DETECT) {
                UpgradeAction::Detect
            } else {
                UpgradeAction::Remove
            };
            assert_eq!(p.action(), expected_action, "{row}");
            assert_eq!(p.matches[0].action_property, "P");
        }
    }
    // The Remove column and the bits, as read.
    let (_dir, path) = upgrade_package(&[&format!("{SAMPLE}\t\t1.1.0\t\t7\tF1,F2\tP")]);
    let row = &Package::open(&path).unwrap().upgrade_rows().unwrap()[0];
    assert_eq!(row.remove.as_deref(), Some("F1,F2"));
    for bit in [
        UpgradeAttributes::MIGRATE_FEATURES,
        UpgradeAttributes::ONLY_DETECT,
        UpgradeAttributes::IGNORE_REMOVE_FAILURE,
    ] {
        assert!(row.attributes.has(bit));
    }
}

#[test]
fn rows_run_in_table_order_and_append_once() {
    const SAMPLE: &str = "{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}";
    let (_dir, path) = upgrade_package(&[
        &format!("{SAMPLE}\t\t1.1.0\t\t512\t\tOLD"),
        &format!("{SAMPLE}\t1.0.0\t\t\t256\t\tOLD"),
        &format!("{SAMPLE}\t2.0.0\t\t\t258\t\tNEWER"),
    ]);
    let package = Package::open(&path).unwrap();
    let inventory = Inventory::from_reg_bytes(INVENTORY).unwrap();
    let rows = package.upgrade_rows().unwrap();
    assert_eq!(rows, msiinfo_upgrade_rows(&path));
    let report = find_related_products(
        Some(&g("{D0D0D0D0-1111-4222-8333-444444444444}")),
        Some(&g(SAMPLE)),
        Some(&v("5.0")),
        &rows,
        inventory.products(),
        &Scope::All,
    );
    let old = report.action_property("OLD").unwrap();
    let codes: Vec<&str> = old.split(';').collect();
    assert_eq!(codes.len(), 3, "{old}");
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 3, "each product once: {old}");
    assert_eq!(
        report.action_property("NEWER"),
        Some("{7C4D9E2A-3B1F-4C5D-8E6F-708192A3B4C5}")
    );
    assert!(
        !report.downgrade,
        "the package's own UpgradeCode is another one"
    );
}

#[test]
fn wixl_upgrade_version_elements() {
    let wxs = support::sample_wxs().replace(
        r#"<MajorUpgrade DowngradeErrorMessage="A newer version is already installed."/>"#,
        r#"<Upgrade Id="{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}">
             <UpgradeVersion Minimum="1.0.0" Maximum="1.2.0" IncludeMinimum="yes" IncludeMaximum="yes" Property="OLDER"/>
             <UpgradeVersion Minimum="1.2.3" IncludeMinimum="no" OnlyDetect="yes" Property="NEWER"/>
           </Upgrade>"#,
    );
    let (_dir, path) = support::wixl_build_args(&wxs, &["-a", "x64"]);
    let package = Package::open(&path).unwrap();
    let rows = package.upgrade_rows().unwrap();
    assert_eq!(rows, msiinfo_upgrade_rows(&path));
    let older = rows.iter().find(|r| r.action_property == "OLDER").unwrap();
    // wixl 0.101 writes IncludeMinimum but drops IncludeMaximum: 256 only.
    assert_eq!(
        older.attributes,
        UpgradeAttributes(UpgradeAttributes::VERSION_MIN_INCLUSIVE)
    );
    assert_eq!(
        (older.version_min, older.version_max),
        (Some(v("1.0.0")), Some(v("1.2.0")))
    );
    let newer = rows.iter().find(|r| r.action_property == "NEWER").unwrap();
    assert!(newer.only_detect());
    assert!(!newer
        .attributes
        .has(UpgradeAttributes::VERSION_MIN_INCLUSIVE));

    let inventory = Inventory::from_reg_bytes(INVENTORY).unwrap();
    let report = package
        .find_related_products(inventory.products(), &Scope::All)
        .unwrap();
    assert_eq!(
        report.action_property("OLDER"),
        Some("{4E8B2D13-6A5C-4B7D-9E0F-1A2B3C4D5E6F};{3F9A7C21-8B4D-4E6F-A1B2-C3D4E5F60718}")
    );
    assert_eq!(
        report.action_property("NEWER"),
        Some("{7C4D9E2A-3B1F-4C5D-8E6F-708192A3B4C5}")
    );
}

#[test]
fn malformed_upgrade_rows_are_named() {
    const SAMPLE: &str = "{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}";
    for (row, location) in [
        (
            format!("{SAMPLE}\t1.0.0\t1.x\t\t0\t\tP"),
            "Upgrade row 1, VersionMax",
        ),
        (
            format!("{SAMPLE}\t\t\tEnglish\t0\t\tP"),
            "Upgrade row 1, Language",
        ),
        (
            "not-a-guid\t\t\t\t0\t\tP".to_string(),
            "Upgrade row 1, UpgradeCode",
        ),
    ] {
        let (_dir, path) = upgrade_package(&[row.as_str()]);
        match Package::open(&path).unwrap().upgrade_rows() {
            Err(Error::InvalidField { location: l, .. }) => assert_eq!(l, location),
            other => panic!("{row}: {other:?}"),
        }
    }
}

mod properties {
    use std::cmp::Ordering;

    use olkit_msi_query::{Guid, ProductVersion, Template};
    use proptest::prelude::*;

    fn version() -> impl Strategy<Value = ProductVersion> {
        (
            any::<u8>(),
            any::<u8>(),
            any::<u16>(),
            proptest::option::of(any::<u16>()),
        )
            .prop_map(|(a, b, c, d)| match d {
                Some(d) => ProductVersion::with_revision(a, b, c, d),
                None => ProductVersion::new(a, b, c),
            })
    }

    proptest! {
        #[test]
        fn dword_round_trip(dword in any::<u32>()) {
            let v = ProductVersion::from_dword(dword);
            prop_assert_eq!(v.to_dword(), dword);
            prop_assert_eq!(ProductVersion::parse(&v.to_string()).unwrap(), v);
        }

        #[test]
        fn display_parses_back(v in version()) {
            let text = v.to_string();
            let back = ProductVersion::parse(&text).unwrap();
            prop_assert_eq!(back, v);
            prop_assert_eq!(back.to_string(), text.as_str());
            prop_assert_eq!(ProductVersion::from_dword(v.to_dword()), v.without_revision());
            // Leading zeros change nothing.
            let padded: Vec<String> = text.split('.').map(|f| format!("00{f}")).collect();
            prop_assert_eq!(ProductVersion::parse(&padded.join(".")).unwrap(), v);
        }

        #[test]
        fn ordering_is_consistent(a in version(), b in version()) {
            let key = |v: &ProductVersion| (v.major(), v.minor(), v.build(), v.revision());
            prop_assert_eq!(a.cmp(&b), key(&a).cmp(&key(&b)));
            prop_assert_eq!(a == b, a.cmp(&b) == Ordering::Equal);
            prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
            // The upgrade comparison is the DWORD comparison, and agrees
            // with the full one whenever the first three fields differ.
            prop_assert_eq!(a.cmp_for_upgrade(&b), a.to_dword().cmp(&b.to_dword()));
            if a.cmp_for_upgrade(&b) != Ordering::Equal {
                prop_assert_eq!(a.cmp_for_upgrade(&b), a.cmp(&b));
            }
            prop_assert_eq!(a.cmp_for_upgrade(&b), a.without_revision().cmp(&b.without_revision()));
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,30}") {
            let _ = ProductVersion::parse(&text);
            let lenient = ProductVersion::parse_lenient(&text);
            prop_assert!(!lenient.has_revision());
            if let Ok(strict) = ProductVersion::parse(&text) {
                // Where both read the text, they agree on three fields.
                prop_assert_eq!(lenient, strict.without_revision());
            }
        }

        #[test]
        fn guid_round_trips(bytes in any::<[u8; 16]>()) {
            let guid = Guid::from_binary(bytes);
            prop_assert_eq!(guid.to_binary(), bytes);
            let braced = guid.to_string();
            prop_assert_eq!(braced.len(), 38);
            prop_assert_eq!(Guid::parse(&braced).unwrap(), guid);
            prop_assert_eq!(Guid::parse(&braced.to_lowercase()).unwrap(), guid);
            let packed = guid.to_packed();
            prop_assert_eq!(packed.len(), 32);
            prop_assert_eq!(Guid::from_packed(&packed).unwrap(), guid);
            prop_assert_eq!(Guid::from_packed(&packed.to_lowercase()).unwrap(), guid);
            let squished = guid.to_squished();
            prop_assert_eq!(squished.len(), 20);
            prop_assert_eq!(Guid::from_squished(&squished).unwrap(), guid);
            // Packing reverses the first group digit by digit.
            let first: String = braced[1..9].chars().rev().collect();
            prop_assert_eq!(&packed[..8], first.as_str());
        }

        #[test]
        fn guid_parsers_never_panic(text in "\\PC{0,40}") {
            let _ = Guid::parse(&text);
            let _ = Guid::from_packed(&text);
            let _ = Guid::from_squished(&text);
        }

        #[test]
        fn template_round_trip(platform in prop::sample::select(vec!["Intel", "x64", "Intel64", "Arm", "Arm64", ""]),
                               languages in proptest::collection::vec(any::<u16>(), 0..5)) {
            let text = format!("{platform};{}", languages.iter().map(u16::to_string).collect::<Vec<_>>().join(","));
            let t = Template::parse(&text).unwrap();
            prop_assert_eq!(&t.languages, &languages);
            prop_assert_eq!(t.to_string(), text.as_str());
        }
    }
}
