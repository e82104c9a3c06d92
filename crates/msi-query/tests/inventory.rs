//! The installed-product inventory against registrations written by an
//! independent implementation: `fixtures/inventory/installed-products.reg`
//! holds what Wine's msi.dll wrote when it installed wixl-built packages,
//! exported by Wine's `reg export`, plus a few registrations of contexts Wine
//! cannot produce (see `fixtures/inventory/make.sh`).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use olkit_msi_query::{
    Contexts, Error, Guid, InstallContext, InstalledProduct, Inventory, ProductState,
    ProductVersion, UserFilter,
};
use olkit_regfile::RegFile;

const FIXTURE: &[u8] = include_bytes!("fixtures/inventory/installed-products.reg");
const EXAMPLE: &[u8] = include_bytes!("../../../examples/installed-products.reg");

const WINE_USER: &str = "S-1-5-21-0-0-0-1000";
const JANE: &str = "S-1-5-21-3623811015-3361044348-30300820-1013";
const BOB: &str = "S-1-5-21-3623811015-3361044348-30300820-1014";
const SAMPLE_UPGRADE: &str = "{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}";

fn g(text: &str) -> Guid {
    Guid::parse(text).unwrap()
}

fn inventory() -> Inventory {
    Inventory::from_reg_bytes(FIXTURE).unwrap()
}

fn summary(
    p: &InstalledProduct,
) -> (
    String,
    InstallContext,
    Option<&str>,
    ProductState,
    Option<&str>,
    Option<String>,
) {
    (
        p.product_code.to_string(),
        p.context,
        p.user_sid.as_deref(),
        p.state,
        p.display_name(),
        p.version.map(|v| v.to_string()),
    )
}

#[test]
fn fixtures_are_regedit_v5_exports() {
    for bytes in [FIXTURE, EXAMPLE] {
        assert_eq!(&bytes[..2], b"\xFF\xFE", "UTF-16LE with BOM");
        let file = RegFile::parse(bytes).unwrap();
        assert_eq!(
            file.to_canonical_bytes().unwrap(),
            bytes,
            "written as regedit writes"
        );
    }
}

#[test]
fn every_product_in_every_context() {
    let inv = inventory();
    let got: Vec<_> = inv.products().iter().map(summary).collect();
    use InstallContext::*;
    use ProductState::*;
    let s = |t: &str| Some(t.to_string());
    assert_eq!(
        got,
        vec![
            (
                "{6A7B8C9D-0E1F-4A2B-9C3D-4E5F60718293}".into(),
                UserManaged,
                Some(JANE),
                Installed,
                Some("Contoso VPN Client"),
                s("3.2.1")
            ),
            (
                "{4E8B2D13-6A5C-4B7D-9E0F-1A2B3C4D5E6F}".into(),
                UserUnmanaged,
                Some(WINE_USER),
                Installed,
                Some("Olkit Sample"),
                s("1.0.5")
            ),
            (
                "{7C4D9E2A-3B1F-4C5D-8E6F-708192A3B4C5}".into(),
                UserUnmanaged,
                Some(BOB),
                Installed,
                Some("Olkit Sample"),
                s("2.0.0")
            ),
            (
                "{C0FFEE00-1234-4567-89AB-CDEF01234567}".into(),
                Machine,
                None,
                Advertised,
                Some("Olkit Odd Registration"),
                None
            ),
            (
                "{5D6E7F80-91A2-4B3C-8D4E-F5061728394A}".into(),
                Machine,
                None,
                Installed,
                Some("Olkit Notizen"),
                s("3.0.2")
            ),
            (
                "{3F9A7C21-8B4D-4E6F-A1B2-C3D4E5F60718}".into(),
                Machine,
                None,
                Installed,
                Some("Olkit Sample"),
                s("1.1.0")
            ),
            (
                "{2D6E9B41-7C3A-4F58-A1E2-6B9C0D3E5F70}".into(),
                Machine,
                None,
                Installed,
                Some("Kerio Outlook Connector"),
                s("7.1.4")
            ),
            (
                "{8A3F6C12-5B7E-4D21-9C84-3E0F1A2B4C5D}".into(),
                Machine,
                None,
                Installed,
                Some("Kerio Outlook Connector (Offline Edition)"),
                s("7.1.4")
            ),
            (
                "{A1B2C3D4-E5F6-4789-8ABC-DEF012345678}".into(),
                Machine,
                None,
                Advertised,
                Some("Olkit Admin Tools"),
                s("2.0.0")
            ),
            (
                "{0A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9}".into(),
                Machine,
                None,
                Absent,
                Some("Contoso Legacy Agent"),
                s("1.4.0")
            ),
        ]
    );
    assert_eq!(inv.current_user_sid(), Some(WINE_USER));
}

#[test]
fn packed_codes_agree_with_wine() {
    // Wine's squash_guid named these keys from the ProductCode and
    // UpgradeCode given to wixl.
    for (code, packed) in [
        (
            "{3F9A7C21-8B4D-4E6F-A1B2-C3D4E5F60718}",
            "12C7A9F3D4B8F6E41A2B3C4D5E6F7081",
        ),
        (
            "{4E8B2D13-6A5C-4B7D-9E0F-1A2B3C4D5E6F}",
            "31D2B8E4C5A6D7B4E9F0A1B2C3D4E5F6",
        ),
        (
            "{8A3F6C12-5B7E-4D21-9C84-3E0F1A2B4C5D}",
            "21C6F3A8E7B512D4C948E3F0A1B2C4D5",
        ),
        (SAMPLE_UPGRADE, "A6B8C2E0D3F1B5A4C8D7E9F0A1B2C3D4"),
    ] {
        assert_eq!(g(code).to_packed(), packed);
        assert_eq!(Guid::from_packed(packed).unwrap(), g(code));
        let text = String::from_utf16(
            &FIXTURE[2..]
                .chunks(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        assert!(text.contains(packed), "{packed} is in the export");
    }
}

#[test]
fn squished_guids_agree_with_wine() {
    // Wine records an installed feature's components as squished GUIDs
    // (UserData\...\Features) and names the component keys packed.
    let file = RegFile::parse(FIXTURE).unwrap();
    let base =
        r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Installer\UserData\S-1-5-18";
    let mut checked = 0;
    for product in [
        "12C7A9F3D4B8F6E41A2B3C4D5E6F7081",
        "08F7E6D52A19C3B4D8E45F60718293A4",
    ] {
        let squished = file
            .get(&format!(r"{base}\Products\{product}\Features"), "Complete")
            .unwrap()
            .as_str()
            .unwrap();
        let component = Guid::from_squished(&squished).unwrap();
        assert_eq!(component.to_squished(), squished);
        let key = format!(r"{base}\Components\{}", component.to_packed());
        assert!(file.get(&key, product).is_some(), "{key} lists {product}");
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn version_dword_agrees_with_the_version_string() {
    // Wine wrote both from ProductVersion: DisplayVersion as text, Version
    // as the DWORD.
    let inv = inventory();
    let installed: Vec<_> = inv
        .products()
        .iter()
        .filter(|p| p.state == ProductState::Installed)
        .collect();
    assert_eq!(installed.len(), 7);
    for p in installed {
        let text = p.version_string.as_deref().unwrap();
        assert_eq!(
            ProductVersion::parse(text).unwrap().to_dword(),
            p.version.unwrap().to_dword()
        );
        assert_eq!(p.info("VersionString").unwrap(), text);
        assert_eq!(
            p.info("Version").unwrap(),
            p.version.unwrap().to_dword().to_string()
        );
    }
}

#[test]
fn enum_products_by_user_and_context() {
    let inv = inventory();
    let codes = |found: Vec<&InstalledProduct>| -> Vec<String> {
        found
            .iter()
            .map(|p| p.product_code.to_string()[1..9].to_string())
            .collect()
    };
    let machine = [
        "C0FFEE00", "5D6E7F80", "3F9A7C21", "2D6E9B41", "8A3F6C12", "A1B2C3D4", "0A1B2C3D",
    ];
    let with = |first: &[&str]| {
        first
            .iter()
            .chain(machine.iter())
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };

    assert_eq!(
        codes(inv.enum_products(None, &UserFilter::All, Contexts::ALL)),
        with(&["6A7B8C9D", "4E8B2D13", "7C4D9E2A"])
    );
    assert_eq!(
        codes(inv.enum_products(None, &UserFilter::Current, Contexts::ALL)),
        with(&["4E8B2D13"])
    );
    assert_eq!(
        codes(inv.enum_products(None, &UserFilter::Sid(JANE.to_lowercase()), Contexts::ALL)),
        with(&["6A7B8C9D"])
    );
    assert_eq!(
        codes(inv.enum_products(None, &UserFilter::Sid(BOB.into()), Contexts::ALL)),
        with(&["7C4D9E2A"])
    );
    assert_eq!(
        codes(inv.enum_products(None, &UserFilter::All, Contexts::MACHINE)),
        with(&[])
    );
    assert_eq!(
        codes(inv.enum_products(None, &UserFilter::All, Contexts::USER_MANAGED)),
        ["6A7B8C9D"]
    );
    assert_eq!(
        codes(inv.enum_products(
            None,
            &UserFilter::All,
            Contexts(Contexts::USER_MANAGED.0 | Contexts::USER_UNMANAGED.0)
        )),
        ["6A7B8C9D", "4E8B2D13", "7C4D9E2A"]
    );
    assert!(inv
        .enum_products(None, &UserFilter::Current, Contexts::USER_MANAGED)
        .is_empty());
    let one = g("{7C4D9E2A-3B1F-4C5D-8E6F-708192A3B4C5}");
    assert_eq!(
        codes(inv.enum_products(Some(&one), &UserFilter::All, Contexts::ALL)),
        ["7C4D9E2A"]
    );
    assert!(inv
        .enum_products(Some(&one), &UserFilter::Current, Contexts::ALL)
        .is_empty());
    assert_eq!(UserFilter::from_sid_argument(None), UserFilter::Current);
    assert_eq!(
        UserFilter::from_sid_argument(Some("S-1-1-0")),
        UserFilter::All
    );
    assert_eq!(
        UserFilter::from_sid_argument(Some(BOB)),
        UserFilter::Sid(BOB.into())
    );
}

#[test]
fn product_info_like_msi_get_product_info_ex() {
    let inv = inventory();
    let machine = InstallContext::Machine;
    let sample = g("{3F9A7C21-8B4D-4E6F-A1B2-C3D4E5F60718}");
    let info =
        |code: &Guid, sid: Option<&str>, ctx, prop: &str| inv.product_info(code, sid, ctx, prop);

    assert_eq!(
        info(&sample, None, machine, "InstalledProductName").unwrap(),
        "Olkit Sample"
    );
    assert_eq!(
        info(&sample, None, machine, "ProductName").unwrap(),
        "Olkit Sample"
    );
    assert_eq!(
        info(&sample, None, machine, "VersionString").unwrap(),
        "1.1.0"
    );
    assert_eq!(
        info(&sample, None, machine, "Version").unwrap(),
        (0x0101_0000u32).to_string()
    );
    assert_eq!(info(&sample, None, machine, "VersionMajor").unwrap(), "1");
    assert_eq!(info(&sample, None, machine, "VersionMinor").unwrap(), "1");
    assert_eq!(
        info(&sample, None, machine, "Publisher").unwrap(),
        "Olkit Test Co"
    );
    assert_eq!(info(&sample, None, machine, "Language").unwrap(), "1033");
    assert_eq!(info(&sample, None, machine, "State").unwrap(), "5");
    assert_eq!(
        info(&sample, None, machine, "PackageName").unwrap(),
        "sample-1.1.0.msi"
    );
    assert_eq!(
        info(&sample, None, machine, "InstallSource").unwrap(),
        r"Z:\tmp\olkit-msi-inventory\src\"
    );
    assert_eq!(info(&sample, None, machine, "InstallLocation").unwrap(), "");
    assert_eq!(info(&sample, None, machine, "URLInfoAbout").unwrap(), "");
    // The stored `Assignment` value: Wine 8.0 writes 0 even per machine
    // (Windows documents 1 for per-machine); the value is reported as stored.
    assert_eq!(info(&sample, None, machine, "AssignmentType").unwrap(), "0");
    // Not written by Wine: empty, as msi.dll answers for a missing value.
    assert_eq!(info(&sample, None, machine, "Transforms").unwrap(), "");
    assert_eq!(info(&sample, None, machine, "RegOwner").unwrap(), "");
    let date = info(&sample, None, machine, "InstallDate").unwrap();
    assert!(
        date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()),
        "{date}"
    );
    let local = info(&sample, None, machine, "LocalPackage").unwrap();
    assert!(
        local.starts_with(r"C:\windows\Installer\") && local.ends_with(".msi"),
        "{local}"
    );
    let package_code = info(&sample, None, machine, "PackageCode").unwrap();
    assert_eq!(
        Guid::parse(&package_code).unwrap().to_string(),
        package_code
    );

    let product = inv.product(&sample, None, machine).unwrap();
    assert_eq!(product.local_package.as_deref(), Some(local.as_str()));
    assert_eq!(product.install_date.as_deref(), Some(date.as_str()));
    assert_eq!(product.publisher.as_deref(), Some("Olkit Test Co"));
    assert_eq!(product.language, Some(1033));
    assert_eq!(product.package_name.as_deref(), Some("sample-1.1.0.msi"));
    assert_eq!(product.upgrade_codes, [g(SAMPLE_UPGRADE)]);
    assert_eq!(
        product.package_code.map(|c| c.to_string()),
        Some(package_code)
    );

    // Advertised: product key only.
    let admin = g("{A1B2C3D4-E5F6-4789-8ABC-DEF012345678}");
    assert_eq!(info(&admin, None, machine, "State").unwrap(), "1");
    assert_eq!(
        info(&admin, None, machine, "PackageCode").unwrap(),
        "{0F1E2D3C-4B5A-4968-8776-655443322110}"
    );
    assert_eq!(info(&admin, None, machine, "AssignmentType").unwrap(), "1");
    assert_eq!(
        info(&admin, None, machine, "PackageName").unwrap(),
        "olkit-admin.msi"
    );
    assert!(matches!(
        info(&admin, None, machine, "InstalledProductName"),
        Err(Error::UnknownProperty { property, .. }) if property == "InstalledProductName"
    ));

    // Per-user managed: ManagedLocalPackage makes it installed.
    let vpn = g("{6A7B8C9D-0E1F-4A2B-9C3D-4E5F60718293}");
    let managed = InstallContext::UserManaged;
    assert_eq!(info(&vpn, Some(JANE), managed, "State").unwrap(), "5");
    assert_eq!(info(&vpn, Some(JANE), managed, "Language").unwrap(), "1031");
    assert_eq!(
        info(&vpn, Some(JANE), managed, "InstallDate").unwrap(),
        "20240115"
    );
    assert_eq!(
        inv.product(&vpn, Some(JANE), managed)
            .unwrap()
            .local_package
            .as_deref(),
        Some(r"C:\Windows\Installer\1f2e3d.msi")
    );
    // Not the current user's, and not in the other contexts.
    assert!(matches!(
        info(&vpn, None, managed, "State"),
        Err(Error::UnknownProduct { .. })
    ));
    assert!(matches!(
        info(&vpn, Some(JANE), InstallContext::UserUnmanaged, "State"),
        Err(Error::UnknownProduct { .. })
    ));
    assert!(matches!(
        info(&vpn, None, machine, "State"),
        Err(Error::UnknownProduct { .. })
    ));

    // The current user's per-user install, with and without its SID.
    let mine = g("{4E8B2D13-6A5C-4B7D-9E0F-1A2B3C4D5E6F}");
    let unmanaged = InstallContext::UserUnmanaged;
    assert_eq!(
        info(&mine, None, unmanaged, "VersionString").unwrap(),
        "1.0.5"
    );
    assert_eq!(
        info(&mine, Some(WINE_USER), unmanaged, "VersionString").unwrap(),
        "1.0.5"
    );
    assert!(matches!(
        info(&mine, Some(BOB), unmanaged, "State"),
        Err(Error::UnknownProduct { .. })
    ));
    let bobs = g("{7C4D9E2A-3B1F-4C5D-8E6F-708192A3B4C5}");
    assert_eq!(
        info(&bobs, Some(BOB), unmanaged, "PackageName").unwrap(),
        "olkit-sample-2.0.0.msi"
    );

    // Leftovers are no product; unknown names are unknown properties.
    let legacy = g("{0A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9}");
    assert!(matches!(
        info(&legacy, None, machine, "State"),
        Err(Error::UnknownProduct { .. })
    ));
    assert!(matches!(
        info(&legacy, None, machine, "VersionString"),
        Err(Error::UnknownProduct { .. })
    ));
    assert!(matches!(
        info(&sample, None, machine, "Colour"),
        Err(Error::UnknownProperty { .. })
    ));
    // Names are case-sensitive, as msi.dll compares them.
    assert!(matches!(
        info(&sample, None, machine, "productname"),
        Err(Error::UnknownProperty { .. })
    ));
}

#[test]
fn related_products_like_msi_enum_related_products() {
    let inv = inventory();
    let related: Vec<String> = inv
        .related_products(&g(SAMPLE_UPGRADE))
        .iter()
        .map(|p| format!("{} {}", p.context, p.version.unwrap()))
        .collect();
    assert_eq!(
        related,
        [
            "user-unmanaged 1.0.5",
            "machine 1.1.0",
            "user-unmanaged 2.0.0"
        ]
    );
    let vpn: Vec<_> = inv.related_products(&g("{F0E1D2C3-B4A5-4968-8776-5A4B3C2D1E0F}"));
    assert_eq!(vpn.len(), 1);
    assert_eq!(vpn[0].user_sid.as_deref(), Some(JANE));
    assert!(inv
        .related_products(&g("{00000000-0000-0000-0000-000000000000}"))
        .is_empty());
    // Kerio's UpgradeCodes key also holds a malformed value: skipped.
    let kerio = inv.related_products(&g("{C1D2E3F4-A5B6-4C7D-8E9F-0A1B2C3D4E5F}"));
    assert_eq!(
        kerio
            .iter()
            .map(|p| p.product_code.to_string())
            .collect::<Vec<_>>(),
        ["{8A3F6C12-5B7E-4D21-9C84-3E0F1A2B4C5D}"]
    );
}

#[test]
fn malformed_registrations_are_warnings() {
    let inv = inventory();
    let got: Vec<(String, String)> = inv
        .warnings()
        .iter()
        .map(|w| {
            (
                w.key.rsplit('\\').next().unwrap().to_string(),
                w.message.clone(),
            )
        })
        .collect();
    let odd = "00EEFF0C4321765498BADCFE10325476".to_string();
    assert_eq!(
        got,
        vec![
            ("NotAPackedGuid".into(), "skipped: the product key name is not a packed GUID (invalid GUID \"NotAPackedGuid\": a packed GUID is 32 hex digits)".into()),
            ("4F3E2D1C6B5AD7C4E8F9A0B1C2D3E4F5".into(), "skipped value \"junk\": not a packed product code (invalid GUID \"junk\": a packed GUID is 32 hex digits)".into()),
            (odd.clone(), "product key: Version ignored: it is REG_SZ, not a REG_DWORD".into()),
            (odd.clone(), "product key: Language ignored: 66569 is not a LANGID".into()),
            (odd, "PackageCode ignored: invalid GUID \"XYZ\": a packed GUID is 32 hex digits".into()),
        ]
    );
    let file = RegFile::parse(FIXTURE).unwrap();
    for w in inv.warnings() {
        let key = file.key(&w.key).unwrap();
        assert_eq!(key.line(), w.line, "{w}");
    }
    // The example has none of them.
    assert!(Inventory::from_reg_bytes(EXAMPLE)
        .unwrap()
        .warnings()
        .is_empty());
}

#[test]
fn example_has_an_older_sample_per_machine() {
    let inv = Inventory::from_reg_bytes(EXAMPLE).unwrap();
    let sample = inv
        .related_products(&g(SAMPLE_UPGRADE))
        .into_iter()
        .find(|p| p.context == InstallContext::Machine)
        .unwrap();
    assert!(sample.version.unwrap() < ProductVersion::parse("1.2.3").unwrap());
    assert_eq!(sample.state, ProductState::Installed);
}

#[test]
fn read_from_disk_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inv.reg");
    std::fs::write(&path, FIXTURE).unwrap();
    assert_eq!(Inventory::read(&path).unwrap().products().len(), 10);
    assert!(matches!(
        Inventory::read(dir.path().join("missing.reg")),
        Err(Error::Reg(_))
    ));
    assert!(matches!(
        Inventory::from_reg_bytes(b"not a registry file"),
        Err(Error::Reg(_))
    ));
    let empty = Inventory::from_reg_bytes(b"Windows Registry Editor Version 5.00\r\n\r\n").unwrap();
    assert!(empty.products().is_empty() && empty.warnings().is_empty());
}

/// A small v5 file (UTF-8 is accepted as well as regedit's UTF-16).
fn reg(body: &str) -> Inventory {
    Inventory::from_reg_bytes(
        format!("Windows Registry Editor Version 5.00\r\n\r\n{body}").as_bytes(),
    )
    .unwrap()
}

const P1: &str = "12C7A9F3D4B8F6E41A2B3C4D5E6F7081"; // {3F9A7C21-8B4D-4E6F-A1B2-C3D4E5F60718}
const P2: &str = "31D2B8E4C5A6D7B4E9F0A1B2C3D4E5F6"; // {4E8B2D13-6A5C-4B7D-9E0F-1A2B3C4D5E6F}

#[test]
fn import_semantics_deletions_and_later_values() {
    let inv = reg(&format!(
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\{P1}]\r\n\"ProductName\"=\"First\"\r\n\"Version\"=dword:01000000\r\n\r\n\
         [HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\{P2}]\r\n\"ProductName\"=\"Gone\"\r\n\r\n\
         [-HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\{P2}]\r\n\r\n\
         [HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\{P1}]\r\n\"ProductName\"=\"Second\"\r\n\"Version\"=-\r\n\r\n"
    ));
    assert_eq!(inv.products().len(), 1);
    let p = &inv.products()[0];
    assert_eq!(p.product_name.as_deref(), Some("Second"));
    assert_eq!(p.version, None);
    assert_eq!(
        p.product_key.as_deref(),
        Some(&*format!(
            "HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\{P1}"
        ))
    );

    // Deleting a parent deletes the keys below; a key added again afterwards lives.
    let inv = reg(&format!(
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\{P1}]\r\n\"ProductName\"=\"A\"\r\n\r\n\
         [HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\{P2}]\r\n\"ProductName\"=\"B\"\r\n\r\n\
         [-HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer]\r\n\r\n\
         [HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\{P2}]\r\n\"ProductName\"=\"B again\"\r\n\r\n"
    ));
    let names: Vec<_> = inv
        .products()
        .iter()
        .map(|p| p.product_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["B again"]);
}

#[test]
fn key_spellings_hkcr_wow6432node_and_case() {
    let inv = reg(&format!(
        "[HKEY_CLASSES_ROOT\\Installer\\Products\\{P1}]\r\n\"ProductName\"=\"Via HKCR\"\r\n\r\n\
         [HKEY_CLASSES_ROOT\\Installer\\UpgradeCodes\\A6B8C2E0D3F1B5A4C8D7E9F0A1B2C3D4]\r\n\"{P1}\"=\"\"\r\n\r\n\
         [hkey_local_machine\\software\\wow6432node\\microsoft\\windows\\currentversion\\installer\\userdata\\s-1-5-18\\products\\{P1}\\installproperties]\r\n\"LocalPackage\"=\"C:\\\\Windows\\\\Installer\\\\1.msi\"\r\n\r\n"
    ));
    assert_eq!(inv.products().len(), 1);
    let p = &inv.products()[0];
    assert_eq!(
        (p.context, p.state),
        (InstallContext::Machine, ProductState::Installed)
    );
    assert_eq!(p.upgrade_codes, [g(SAMPLE_UPGRADE)]);
    assert_eq!(
        p.local_package.as_deref(),
        Some(r"C:\Windows\Installer\1.msi")
    );
}

#[test]
fn current_user_sid_only_when_unambiguous() {
    let user_data = |sid: &str, packed: &str| {
        format!(
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Installer\\UserData\\{sid}\\Products\\{packed}\\InstallProperties]\r\n\"LocalPackage\"=\"x.msi\"\r\n\r\n"
        )
    };
    let hkcu = |packed: &str| {
        format!("[HKEY_CURRENT_USER\\Software\\Microsoft\\Installer\\Products\\{packed}]\r\n\"ProductName\"=\"P\"\r\n\r\n")
    };
    let one = reg(&format!("{}{}", hkcu(P1), user_data(JANE, P1)));
    assert_eq!(one.current_user_sid(), Some(JANE));
    assert_eq!(one.products().len(), 1);
    assert_eq!(one.products()[0].state, ProductState::Installed);

    // Two users have it: whose HKCU this is cannot be told.
    let two = reg(&format!(
        "{}{}{}",
        hkcu(P1),
        user_data(JANE, P1),
        user_data(BOB, P1)
    ));
    assert_eq!(two.current_user_sid(), None);
    let states: Vec<_> = two
        .products()
        .iter()
        .map(|p| (p.user_sid.as_deref(), p.state))
        .collect();
    assert_eq!(
        states,
        [
            (None, ProductState::Advertised),
            (Some(JANE), ProductState::Installed),
            (Some(BOB), ProductState::Installed)
        ]
    );
    // HKCU is the current user whatever the SID.
    assert_eq!(
        two.enum_products(None, &UserFilter::Current, Contexts::ALL)
            .len(),
        1
    );

    // The same user's hive seen as HKCU and as HKEY_USERS\<SID>: one product.
    let both = reg(&format!(
        "{}[HKEY_USERS\\{JANE}\\Software\\Microsoft\\Installer\\Products\\{P1}]\r\n\"ProductName\"=\"P\"\r\n\r\n{}",
        hkcu(P1),
        user_data(JANE, P1)
    ));
    assert_eq!(both.products().len(), 1);
    assert_eq!(both.products()[0].user_sid.as_deref(), Some(JANE));
}

#[test]
fn regedit4_exports_work_too() {
    let text = format!(
        "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\{P1}]\r\n\"ProductName\"=\"Gr\u{fc}\u{df}e\"\r\n\"Language\"=dword:00000407\r\n\r\n"
    );
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect(); // Windows-1252 for these
    let inv = Inventory::from_reg_bytes(&bytes).unwrap();
    assert_eq!(inv.products()[0].product_name.as_deref(), Some("Grüße"));
    assert_eq!(inv.products()[0].language, Some(1031));
}

#[test]
fn installed_product_new_for_other_sources() {
    let mut p = InstalledProduct::new(
        g(SAMPLE_UPGRADE),
        InstallContext::Machine,
        ProductState::Installed,
    );
    assert_eq!(p.display_name(), None);
    p.product_name = Some("Advertised name".into());
    assert_eq!(p.display_name(), Some("Advertised name"));
    p.installed_product_name = Some("Installed name".into());
    assert_eq!(p.display_name(), Some("Installed name"));
    // Without registry values behind it, properties read as msi.dll's
    // unknown-product answer.
    assert!(matches!(
        p.info("ProductName"),
        Err(Error::UnknownProduct { .. })
    ));
    assert_eq!(p.info("State").unwrap(), "5");
}

mod properties {
    use std::collections::HashSet;

    use olkit_msi_query::{Guid, InstallContext, Inventory, ProductState, ProductVersion};
    use olkit_regfile::{Format, RegFile, Value};
    use proptest::prelude::*;

    const SIDS: [&str; 2] = ["S-1-5-21-1-2-3-1001", "S-1-5-21-1-2-3-1002"];
    const INSTALLER: &str =
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Installer";

    #[derive(Debug, Clone)]
    struct Registration {
        code: [u8; 16],
        upgrade: [u8; 16],
        context: InstallContext,
        sid: usize,
        version: u32,
        language: u16,
        name: String,
        installed: bool,
    }

    fn registration() -> impl Strategy<Value = Registration> {
        (
            any::<[u8; 16]>(),
            any::<[u8; 16]>(),
            prop::sample::select(vec![
                InstallContext::Machine,
                InstallContext::UserManaged,
                InstallContext::UserUnmanaged,
            ]),
            0..2usize,
            any::<u32>(),
            any::<u16>(),
            "[A-Za-z0-9 ()äö日]{1,20}",
            any::<bool>(),
        )
            .prop_map(
                |(code, upgrade, context, sid, version, language, name, installed)| Registration {
                    code,
                    upgrade,
                    context,
                    sid,
                    version,
                    language,
                    name,
                    installed,
                },
            )
    }

    fn write(regs: &[Registration]) -> Vec<u8> {
        let mut file = RegFile::new(Format::Regedit5);
        for r in regs {
            let code = Guid::from_binary(r.code).to_packed();
            let upgrade = Guid::from_binary(r.upgrade).to_packed();
            let sid = SIDS[r.sid];
            let (products, upgrades, user_data_sid) = match r.context {
                InstallContext::Machine => (
                    r"HKEY_LOCAL_MACHINE\SOFTWARE\Classes\Installer\Products".to_string(),
                    r"HKEY_LOCAL_MACHINE\SOFTWARE\Classes\Installer\UpgradeCodes".to_string(),
                    "S-1-5-18",
                ),
                InstallContext::UserManaged => (
                    format!(r"{INSTALLER}\Managed\{sid}\Installer\Products"),
                    format!(r"{INSTALLER}\Managed\{sid}\Installer\UpgradeCodes"),
                    sid,
                ),
                InstallContext::UserUnmanaged => (
                    format!(r"HKEY_USERS\{sid}\Software\Microsoft\Installer\Products"),
                    format!(r"HKEY_USERS\{sid}\Software\Microsoft\Installer\UpgradeCodes"),
                    sid,
                ),
            };
            let key = format!(r"{products}\{code}");
            file.set_value(&key, "ProductName", Value::string(&r.name))
                .unwrap();
            file.set_value(&key, "Version", Value::dword(r.version))
                .unwrap();
            file.set_value(&key, "Language", Value::dword(u32::from(r.language)))
                .unwrap();
            file.set_value(&format!(r"{upgrades}\{upgrade}"), &code, Value::string(""))
                .unwrap();
            if r.installed {
                let props = format!(
                    r"{INSTALLER}\UserData\{user_data_sid}\Products\{code}\InstallProperties"
                );
                let package = if r.context == InstallContext::UserManaged {
                    "ManagedLocalPackage"
                } else {
                    "LocalPackage"
                };
                file.set_value(&props, "DisplayName", Value::string(&r.name))
                    .unwrap();
                file.set_value(
                    &props,
                    package,
                    Value::string(r"C:\Windows\Installer\x.msi"),
                )
                .unwrap();
            }
        }
        file.to_bytes()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn written_registrations_read_back(regs in proptest::collection::vec(registration(), 0..8)) {
            // One registration per (context, user, product), as the registry has it.
            let mut seen = HashSet::new();
            let regs: Vec<Registration> = regs
                .into_iter()
                .filter(|r| seen.insert((r.context, if r.context == InstallContext::Machine { 0 } else { r.sid }, r.code)))
                .collect();
            let inventory = Inventory::from_reg_bytes(&write(&regs)).unwrap();
            prop_assert!(inventory.warnings().is_empty());
            prop_assert_eq!(inventory.products().len(), regs.len());
            for r in &regs {
                let code = Guid::from_binary(r.code);
                let sid = (r.context != InstallContext::Machine).then_some(SIDS[r.sid]);
                let p = inventory.product(&code, sid, r.context).unwrap();
                prop_assert_eq!(p.product_name.as_deref(), Some(r.name.as_str()));
                prop_assert_eq!(p.version, Some(ProductVersion::from_dword(r.version)));
                prop_assert_eq!(p.language, Some(r.language));
                prop_assert_eq!(p.state, if r.installed { ProductState::Installed } else { ProductState::Advertised });
                prop_assert!(p.upgrade_codes.contains(&Guid::from_binary(r.upgrade)));
                prop_assert!(inventory.related_products(&Guid::from_binary(r.upgrade)).iter().any(|q| q.product_code == code));
                prop_assert_eq!(p.info("Version").unwrap(), r.version.to_string());
            }
            // Contexts come out managed, unmanaged, machine.
            let order: Vec<InstallContext> = inventory.products().iter().map(|p| p.context).collect();
            let mut sorted = order.clone();
            sorted.sort();
            prop_assert_eq!(order, sorted);
        }
    }
}
