//! The package reader against msitools' own view of real packages.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod support;

#[test]
fn fixtures_build() {
    let (_dir, path) = support::sample_msi();
    assert!(support::msiinfo_tables(&path)
        .iter()
        .any(|t| t == "Property"));
    let (_dir, path) = support::msibuild_from_idt(
        &[(
            "Property.idt",
            &support::idt(
                "Property\tValue",
                "s72\tl0",
                "Property\tProperty",
                &["A\tone", "B\ttwo"],
            ),
        )],
        &["Title"],
    );
    assert!(
        String::from_utf8_lossy(&support::msiinfo_export(&path, "Property")).contains("B\ttwo")
    );
}

use olkit_msi_query::{Package, PackageKind, Value};

#[test]
fn sample_opens_and_reads_properties() {
    let (_dir, path) = support::sample_msi();
    let package = Package::open(&path).unwrap();
    assert_eq!(package.kind(), PackageKind::Database);
    assert_eq!(
        package.property("ProductVersion").unwrap().as_deref(),
        Some(support::SAMPLE_VERSION)
    );
    assert_eq!(
        package.property("ProductCode").unwrap().as_deref(),
        Some(support::SAMPLE_PRODUCT_CODE)
    );
    assert_eq!(package.property("NoSuchProperty").unwrap(), None);
    assert!(package.cached_tables().is_empty());
    assert_eq!(
        package.table_names().unwrap(),
        support::msiinfo_tables(&path)
    );
    let property = package.table("Property").unwrap();
    let value = property.column_index("Value").unwrap();
    let key = property.column_index("Property").unwrap();
    let row = (0..property.row_count())
        .find(|&r| property.value(r, key) == Some(Value::Str("UpgradeCode")))
        .unwrap();
    assert_eq!(
        property.value(row, value),
        Some(Value::Str(support::SAMPLE_UPGRADE_CODE))
    );
}
