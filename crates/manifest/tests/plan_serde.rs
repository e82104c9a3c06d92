//! The planner's JSON shape (feature `serde`): what `olkit manifest plan`
//! reads for the environment and installed list, and writes for `--json`.

#![cfg(feature = "serde")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use olkit_manifest::{
    plan, Architecture, Environment, InstalledProduct, Manifest, Product, Version,
};

#[test]
fn environment_and_installed_read_from_json() {
    let env: Environment = serde_json::from_str(
        r#"{"server_version": "6.4.2", "outlook_bitness": "X86", "architecture": "x64",
            "channel": "beta", "machine_id": "m1"}"#,
    )
    .unwrap();
    assert_eq!(
        env.server_version.as_ref().map(Version::text),
        Some("6.4.2")
    );
    assert_eq!(env.outlook_bitness, Some(Architecture::X86));
    assert_eq!(env.architecture, Architecture::X64);
    assert_eq!(env.outlook_version, None);
    assert_eq!(env.windows_version, None);
    let back: Environment = serde_json::from_str(&serde_json::to_string(&env).unwrap()).unwrap();
    assert_eq!(back, env);

    let installed: Vec<InstalledProduct> = serde_json::from_str(
        r#"[{"upgrade_code": "{1b4d6f0a-2c3e-4f50-8a9b-0c1d2e3f4a5b}", "version": "7.1.0.12",
             "name": "Kerio Outlook Connector"}]"#,
    )
    .unwrap();
    assert_eq!(installed[0].version.text(), "7.1.0.12");
    assert_eq!(installed[0].product_code, None);

    for bad in [
        r#"{"architecture": "arm64", "channel": "", "machine_id": ""}"#,
        r#"{"architecture": "x64", "channel": "", "machine_id": "", "server_version": "six"}"#,
        r#"{"architecture": "x64", "channel": ""}"#,
    ] {
        assert!(serde_json::from_str::<Environment>(bad).is_err(), "{bad}");
    }
}

#[test]
fn plan_writes_reasons_as_sentences() {
    let mut product = Product::new("KOFF", Version::parse("7.2.0").unwrap());
    product.min_server_version = Some(Version::parse("6.5.0").unwrap());
    let manifest = Manifest {
        products: vec![product],
        ..Manifest::default()
    };
    let env: Environment = serde_json::from_str(
        r#"{"server_version": "6.4.2", "architecture": "x64", "channel": "stable", "machine_id": "m"}"#,
    )
    .unwrap();
    let json = serde_json::to_value(plan(&manifest, &[], &env)).unwrap();
    let item = &json["items"][0];
    assert_eq!(item["action"], "blocked");
    assert_eq!(item["version"], "7.2.0");
    assert_eq!(
        item["reasons"][0],
        "needs server version 6.5.0 or later; the server runs 6.4.2"
    );
    assert_eq!(json["order"], serde_json::json!([]));
}
