//! Manifest trust: signatures made by the real `minisign` tool, tampering,
//! wrong keys, expiry and rollback.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod trust_support;

use olkit_manifest::{
    verify_manifest, verify_signature, Error, SignatureKind, Timestamp, TrustPolicy, TrustWarning,
    TrustedKey,
};
use trust_support::{manifest, Keys};

const EXPIRES: &str = "2030-06-01T00:00:00Z";

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn policy(keys: &[&Keys]) -> TrustPolicy {
    let keys = keys
        .iter()
        .map(|k| TrustedKey::parse(&k.public).unwrap())
        .collect();
    TrustPolicy::new(keys).at(at("2030-01-01T00:00:00Z"))
}

#[test]
fn prehashed_and_legacy_signatures_by_minisign_verify() {
    let keys = Keys::generate();
    let xml = manifest(Some(7), Some(EXPIRES));
    for legacy in [false, true] {
        let sig = keys.sign("manifest.xml", &xml, legacy);
        let verified = verify_manifest(&xml, Some(&sig), &policy(&[&keys])).unwrap();
        assert_eq!(verified.key_id().unwrap().to_string(), keys.id());
        let info = verified.signature().unwrap();
        let kind = if legacy {
            SignatureKind::Legacy
        } else {
            SignatureKind::Prehashed
        };
        assert_eq!(info.kind, kind);
        // minisign's default trusted comment names the file it signed.
        assert!(
            info.trusted_comment.contains("file:manifest.xml"),
            "{}",
            info.trusted_comment
        );
        assert_eq!(verified.serial_to_store(), Some(7));
        assert!(verified.warnings().is_empty(), "{:?}", verified.warnings());
        let manifest = verified.manifest();
        assert_eq!(manifest.serial, Some(7));
        assert_eq!(manifest.products.len(), 1);
        assert_eq!(manifest.products[0].name, "OXtender for Microsoft Outlook");
    }
}

#[test]
fn keys_are_read_as_a_pub_file_or_its_base64_line() {
    let keys = Keys::generate();
    let from_file = TrustedKey::parse(&keys.public).unwrap();
    let from_line = TrustedKey::parse(keys.base64()).unwrap();
    assert_eq!(from_file, from_line);
    assert_eq!(from_line.id().to_string(), keys.id());
    let crlf = keys.public.replace('\n', "\r\n");
    assert_eq!(TrustedKey::parse(&crlf).unwrap(), from_file);
}

#[test]
fn one_flipped_byte_fails() {
    let keys = Keys::generate();
    let xml = manifest(Some(7), Some(EXPIRES));
    let sig = keys.sign("manifest.xml", &xml, false);
    let position = xml.windows(5).position(|w| w == b"7.2.0").unwrap();
    let mut tampered = xml.clone();
    tampered[position] = b'9';
    assert!(matches!(
        verify_manifest(&tampered, Some(&sig), &policy(&[&keys])),
        Err(Error::SignatureMismatch { .. })
    ));
    // The same for a legacy signature.
    let legacy = keys.sign("manifest.xml", &xml, true);
    assert!(matches!(
        verify_manifest(&tampered, Some(&legacy), &policy(&[&keys])),
        Err(Error::SignatureMismatch { .. })
    ));
}

#[test]
fn an_edited_trusted_comment_fails() {
    let keys = Keys::generate();
    let xml = manifest(Some(7), Some(EXPIRES));
    let sig = String::from_utf8(keys.sign("manifest.xml", &xml, false)).unwrap();
    let edited = sig.replace("file:manifest.xml", "file:evil.xml");
    assert_ne!(edited, sig);
    assert!(matches!(
        verify_manifest(&xml, Some(edited.as_bytes()), &policy(&[&keys])),
        Err(Error::SignatureMismatch { .. })
    ));
}

#[test]
fn a_key_not_pinned_fails_and_any_pinned_key_may_sign() {
    let publisher = Keys::generate();
    let other = Keys::generate();
    let xml = manifest(Some(1), Some(EXPIRES));
    let sig = publisher.sign("manifest.xml", &xml, false);
    match verify_manifest(&xml, Some(&sig), &policy(&[&other])) {
        Err(Error::UntrustedKey { key_id }) => assert_eq!(key_id, publisher.id()),
        other => panic!("{other:?}"),
    }
    // Key rotation: both the old and the new key pinned.
    let verified = verify_manifest(&xml, Some(&sig), &policy(&[&other, &publisher])).unwrap();
    assert_eq!(verified.key_id().unwrap().to_string(), publisher.id());
    // The same key id with another key's bytes: a forged public key does
    // not make the signature valid.
    let mut forged = base64_decode(other.base64());
    let publisher_raw = base64_decode(publisher.base64());
    forged[2..10].copy_from_slice(&publisher_raw[2..10]);
    let forged_key = TrustedKey::parse(&base64_encode(&forged)).unwrap();
    let policy = TrustPolicy::new(vec![forged_key]).at(at("2030-01-01T00:00:00Z"));
    assert!(matches!(
        verify_manifest(&xml, Some(&sig), &policy),
        Err(Error::SignatureMismatch { .. })
    ));
}

#[test]
fn verification_comes_before_parsing() {
    let keys = Keys::generate();
    let other = Keys::generate();
    let broken = b"<Products><Product><Name>x</Name>".to_vec();
    let sig = other.sign("broken.xml", &broken, false);
    // An untrusted signature over broken XML is a signature error, and an
    // unsigned one a missing signature: the bytes are never parsed.
    assert!(matches!(
        verify_manifest(&broken, Some(&sig), &policy(&[&keys])),
        Err(Error::UntrustedKey { .. })
    ));
    assert!(matches!(
        verify_manifest(&broken, None, &policy(&[&keys])),
        Err(Error::SignatureMissing)
    ));
    // Signed by the trusted key, the same bytes reach the parser.
    let sig = keys.sign("broken.xml", &broken, false);
    assert!(matches!(
        verify_manifest(&broken, Some(&sig), &policy(&[&keys])),
        Err(Error::Manifest { .. })
    ));
}

#[test]
fn unsigned_manifests_need_the_policy_and_carry_a_warning() {
    let keys = Keys::generate();
    let xml = manifest(Some(3), Some(EXPIRES));
    assert!(matches!(
        verify_manifest(&xml, None, &policy(&[&keys])),
        Err(Error::SignatureMissing)
    ));
    assert!(matches!(
        verify_manifest(&xml, None, &policy(&[])),
        Err(Error::NoTrustedKeys)
    ));
    let verified = verify_manifest(&xml, None, &policy(&[]).allow_unsigned()).unwrap();
    assert_eq!(verified.warnings(), [TrustWarning::Unsigned]);
    assert_eq!(verified.key_id(), None);
    assert_eq!(verified.serial_to_store(), Some(3));
    // A signature given is still checked.
    let other = Keys::generate();
    let sig = other.sign("manifest.xml", &xml, false);
    assert!(matches!(
        verify_manifest(&xml, Some(&sig), &policy(&[&keys]).allow_unsigned()),
        Err(Error::UntrustedKey { .. })
    ));
}

#[test]
fn legacy_signatures_can_be_refused() {
    let keys = Keys::generate();
    let xml = manifest(Some(3), Some(EXPIRES));
    let sig = keys.sign("manifest.xml", &xml, true);
    let mut strict = policy(&[&keys]);
    strict.allow_legacy_signatures = false;
    assert!(matches!(
        verify_manifest(&xml, Some(&sig), &strict),
        Err(Error::LegacySignatureRefused)
    ));
    let prehashed = keys.sign("manifest.xml", &xml, false);
    verify_manifest(&xml, Some(&prehashed), &strict).unwrap();
}

#[test]
fn expired_manifests_fail_even_when_signed() {
    let keys = Keys::generate();
    let xml = manifest(Some(3), Some("2029-12-31T23:59:59Z"));
    let sig = keys.sign("manifest.xml", &xml, false);
    match verify_manifest(&xml, Some(&sig), &policy(&[&keys])) {
        Err(Error::ManifestExpired { expires, now }) => {
            assert_eq!(expires, at("2029-12-31T23:59:59Z"));
            assert_eq!(now, at("2030-01-01T00:00:00Z"));
        }
        other => panic!("{other:?}"),
    }
    // At the instant of expiry it is still valid.
    let policy = policy(&[&keys]).at(at("2029-12-31T23:59:59Z"));
    verify_manifest(&xml, Some(&sig), &policy).unwrap();
}

#[test]
fn no_expiry_is_a_warning() {
    let keys = Keys::generate();
    let xml = manifest(Some(3), None);
    let sig = keys.sign("manifest.xml", &xml, false);
    let verified = verify_manifest(&xml, Some(&sig), &policy(&[&keys])).unwrap();
    assert_eq!(verified.warnings(), [TrustWarning::NoExpiry]);
}

#[test]
fn older_serials_are_rollbacks() {
    let keys = Keys::generate();
    let xml = manifest(Some(41), Some(EXPIRES));
    let sig = keys.sign("manifest.xml", &xml, false);
    match verify_manifest(&xml, Some(&sig), &policy(&[&keys]).last_serial(42)) {
        Err(Error::ManifestRollback {
            serial,
            last_serial,
        }) => assert_eq!((serial, last_serial), (41, 42)),
        other => panic!("{other:?}"),
    }
    // The same manifest again is fine; a newer one moves the serial on.
    let same = verify_manifest(&xml, Some(&sig), &policy(&[&keys]).last_serial(41)).unwrap();
    assert_eq!(same.serial_to_store(), Some(41));
    let newer = verify_manifest(&xml, Some(&sig), &policy(&[&keys]).last_serial(40)).unwrap();
    assert_eq!(newer.serial_to_store(), Some(41));
}

#[test]
fn a_manifest_without_serial_cannot_follow_one_with_a_serial() {
    let keys = Keys::generate();
    let xml = manifest(None, Some(EXPIRES));
    let sig = keys.sign("manifest.xml", &xml, false);
    assert!(matches!(
        verify_manifest(&xml, Some(&sig), &policy(&[&keys]).last_serial(1)),
        Err(Error::ManifestSerialMissing { last_serial: 1 })
    ));
    let first = verify_manifest(&xml, Some(&sig), &policy(&[&keys])).unwrap();
    assert_eq!(first.warnings(), [TrustWarning::NoSerial]);
    assert_eq!(first.serial_to_store(), None);
}

#[test]
fn signatures_of_other_files_verify_too() {
    // verify_signature is not tied to manifests: a package signed by the
    // publisher verifies the same way.
    let keys = Keys::generate();
    let package: Vec<u8> = (0..100_000u32).flat_map(|n| n.to_le_bytes()).collect();
    let sig = keys.sign("package.msi", &package, false);
    let trusted = [TrustedKey::parse(keys.base64()).unwrap()];
    let info = verify_signature(&package, &sig, &trusted, false).unwrap();
    assert_eq!(info.key_id.to_string(), keys.id());
    assert!(verify_signature(&package[1..], &sig, &trusted, false).is_err());
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
