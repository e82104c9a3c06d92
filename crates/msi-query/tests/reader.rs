//! The package reader against msitools' own view of real packages.

mod support;

#[test]
fn fixtures_build() {
    let (_dir, path) = support::sample_msi();
    assert!(support::msiinfo_tables(&path).iter().any(|t| t == "Property"));
    let (_dir, path) = support::msibuild_from_idt(
        &[(
            "Property.idt",
            &support::idt("Property\tValue", "s72\tl0", "Property\tProperty", &["A\tone", "B\ttwo"]),
        )],
        &["Title"],
    );
    assert!(String::from_utf8_lossy(&support::msiinfo_export(&path, "Property")).contains("B\ttwo"));
}
