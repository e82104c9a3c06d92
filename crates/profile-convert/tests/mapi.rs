#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The MAPI value codec against the real example export, every type in
//! every spelling, malformed data, and secrets.

use olkit_profile_convert::{MapiValue, PropTag, PropType, Spelling, Uid};
use olkit_regfile::{RegFile, RegType, Value};
use proptest::prelude::*;

const PROFILES: &str = r"HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Outlook\Profiles";

fn example() -> RegFile {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/outlook-profiles.reg"
    );
    RegFile::parse(&std::fs::read(path).unwrap()).unwrap()
}

fn tag(name: &str) -> PropTag {
    PropTag::parse(name).unwrap()
}

fn decode_in(file: &RegFile, key: &str, name: &str) -> (MapiValue, Spelling) {
    let value = file.get(&format!(r"{PROFILES}\{key}"), name).unwrap();
    MapiValue::decode_spelled(tag(name), value).unwrap()
}

#[test]
fn example_values_decode_to_what_outlook_shows() {
    let file = example();
    let koff = r"Kerio\b5fbcd0c39e0e64a9b5e0a1e8a4a6c3f";
    let text = |name| decode_in(&file, koff, name).0.as_text().unwrap();
    assert_eq!(text("001e3d09"), "KERIO_KOFF");
    assert_eq!(text("001e3d0a"), "koff.dll");
    assert_eq!(text("001e3d0b"), "ServiceEntry");
    assert_eq!(
        text("001f3001"),
        "Kerio Outlook Connector (Offline Edition)"
    );
    assert_eq!(text("001f6603"), "jane.doe");
    assert_eq!(
        text("001e3001"),
        "Kerio Outlook Connector (Offline Edition)"
    );

    let (uid, spelling) = decode_in(&file, koff, "01023d0c");
    assert_eq!(spelling, Spelling::BINARY);
    assert_eq!(
        uid.as_binary().unwrap(),
        Uid::parse("b5fbcd0c39e0e64a9b5e0a1e8a4a6c3f")
            .unwrap()
            .as_bytes()
    );
    assert_eq!(decode_in(&file, koff, "00036601").0.as_i32(), Some(4));
    assert_eq!(decode_in(&file, koff, "00033009").0.as_i32(), Some(6));
    assert_eq!(decode_in(&file, koff, "00036605").0.as_i32(), Some(443));
    assert_eq!(decode_in(&file, koff, "000b6606").0.as_bool(), Some(true));

    // The profile-wide lists: the store provider, and the service.
    let lists = r"Kerio\9207f3e0a3b11019908b08002b2a56c2";
    let listed = |name| {
        let value = decode_in(&file, lists, name).0;
        Uid::list(value.as_binary().unwrap()).unwrap()
    };
    assert_eq!(
        listed("01023d00"),
        [Uid::parse("3f1a77c2d8e4b04fa1e6c2d9f0b35a61").unwrap()]
    );
    assert_eq!(
        listed("01023d0e"),
        [Uid::parse("b5fbcd0c39e0e64a9b5e0a1e8a4a6c3f").unwrap()]
    );

    let global = r"Kerio\0a0d020000000000c000000000000046";
    assert_eq!(
        decode_in(&file, global, "000b0414").0.as_bool(),
        Some(false)
    );
    assert_eq!(
        decode_in(&file, global, "001f0324").0.as_text().unwrap(),
        "Kerio"
    );
    assert_eq!(
        decode_in(&file, r"Home\8c2a4e6f10b3d54798e1f0a2b4c6d8e9", "001e3d09")
            .0
            .as_text()
            .unwrap(),
        "MSUPST MS"
    );
}

#[test]
fn every_tagged_value_of_the_example_round_trips() {
    let file = example();
    let mut seen = 0;
    for key in file.keys().filter(|k| k.path().starts_with(PROFILES)) {
        for entry in key.entries() {
            let (Some(tag), Some(value)) = (PropTag::parse(entry.name()), entry.value()) else {
                continue;
            };
            let (decoded, spelling) = MapiValue::decode_spelled(tag, value)
                .unwrap_or_else(|e| panic!("[{}] {}: {e}", key.path(), entry.name()));
            assert_eq!(decoded.prop_type(), Some(tag.ty), "{}", entry.name());
            assert_eq!(&decoded.encode(spelling), value, "{}", entry.name());
            assert_eq!(MapiValue::spelling_of(tag, value), spelling);
            seen += 1;
        }
    }
    assert!(seen > 30, "only {seen} tagged values");
}

#[test]
fn strings_spelled_as_reg_sz_and_numbers_as_reg_dword() {
    let sz = Value::string("Text é");
    let (unicode, spelling) = MapiValue::decode_spelled(tag("001f3001"), &sz).unwrap();
    assert_eq!(unicode, MapiValue::Unicode("Text é".into()));
    assert_eq!(spelling, Spelling::String);
    assert_eq!(unicode.encode(spelling), sz);
    // The same text in the binary spelling is the same bytes as REG_BINARY.
    assert_eq!(
        unicode.encode(Spelling::BINARY),
        Value::binary(sz.data().to_vec())
    );

    let (ansi, spelling) = MapiValue::decode_spelled(tag("001e3d09"), &sz).unwrap();
    assert_eq!(ansi, MapiValue::String8(b"Text \xe9".to_vec()));
    assert_eq!(ansi.encode(spelling), sz);
    assert_eq!(ansi.encode(Spelling::BINARY).data(), b"Text \xe9\0");
    let err = MapiValue::decode(tag("001e3d09"), &Value::string("日本")).unwrap_err();
    assert!(err.contains("Windows-1252"), "{err}");

    let (long, spelling) = MapiValue::decode_spelled(tag("00033009"), &Value::dword(6)).unwrap();
    assert_eq!(
        (long.clone(), spelling),
        (MapiValue::Long(6), Spelling::Dword)
    );
    assert_eq!(long.encode(spelling), Value::dword(6));
    let flag = MapiValue::decode(tag("000b6606"), &Value::dword(1)).unwrap();
    assert_eq!(flag, MapiValue::Boolean(true));
    let time = MapiValue::decode(tag("00403000"), &Value::qword(0x01d5_0000_0000_0000)).unwrap();
    assert_eq!(time, MapiValue::SysTime(0x01d5_0000_0000_0000));

    // A spelling that cannot hold the value falls back to REG_BINARY.
    let bin = MapiValue::Binary(vec![1, 2]);
    assert_eq!(bin.encode(Spelling::String), Value::binary(vec![1, 2]));
}

#[test]
fn malformed_data_is_an_error_with_a_reason() {
    let bad = |name: &str, value: Value| {
        let result = MapiValue::decode(tag(name), &value);
        assert!(result.is_err(), "{name} {value:?} decoded as {result:?}");
        result.unwrap_err()
    };
    assert!(bad("00033009", Value::binary(vec![1, 2, 3])).contains("4 bytes"));
    assert!(bad("00023009", Value::binary(vec![1])).contains("2 bytes"));
    assert!(bad("000b6606", Value::binary(vec![1, 0, 0])).contains("2 or 4"));
    assert!(bad("000b6606", Value::binary(vec![2, 0])).contains("0 or 1"));
    bad("00143009", Value::binary(vec![0; 7]));
    bad("00403009", Value::binary(vec![0; 9]));
    bad("00483009", Value::binary(vec![0; 15]));
    assert!(bad("001f3001", Value::binary(vec![0x41, 0, 0])).contains("odd"));
    assert!(bad("001f3001", Value::binary(vec![0x41, 0])).contains("NUL"));
    assert!(bad(
        "001f3001",
        Value::binary(vec![0x41, 0, 0, 0, 0x42, 0, 0, 0])
    )
    .contains("NUL"));
    assert!(bad("001f3001", Value::binary(vec![0x00, 0xd8, 0, 0])).contains("surrogate"));
    bad("001f3001", Value::binary(vec![]));
    bad("001e3001", Value::binary(b"abc".to_vec()));
    bad("001e3001", Value::binary(b"a\0c\0".to_vec()));
    bad("001e3001", Value::binary(vec![]));
    bad("01023d0c", Value::dword(1));
    bad("01023d0c", Value::string("x"));
    bad("00033009", Value::new(RegType::MULTI_SZ, vec![0, 0]));
    bad("10033009", Value::binary(vec![1, 0, 0]));

    // Multi-valued: offsets that do not point where the items are.
    let mut strings = MapiValue::MultiString8(vec![b"ab".to_vec(), b"c".to_vec()])
        .encode(Spelling::BINARY)
        .into_data();
    strings[8] += 1;
    bad("101e3d0f", Value::binary(strings.clone()));
    strings[8] -= 1;
    strings.push(0);
    assert!(bad("101e3d0f", Value::binary(strings)).contains("follow"));
    // A count far beyond the data, an offset past the end, a missing NUL.
    bad(
        "101f6613",
        Value::binary(vec![0xff, 0xff, 0xff, 0x7f, 8, 0, 0, 0]),
    );
    bad(
        "101f6613",
        Value::binary(vec![1, 0, 0, 0, 200, 0, 0, 0, 0x41, 0]),
    );
    bad(
        "101e6613",
        Value::binary(vec![1, 0, 0, 0, 8, 0, 0, 0, b'a']),
    );
    bad("101e6613", Value::binary(vec![1, 0]));
    let mut blobs = MapiValue::MultiBinary(vec![vec![1, 2, 3], vec![4]])
        .encode(Spelling::BINARY)
        .into_data();
    blobs[4] = 9; // the first length runs into the second item
    bad("11023d05", Value::binary(blobs.clone()));
    blobs[4] = 3;
    blobs[23] = 7; // non-zero padding
    assert!(bad("11023d05", Value::binary(blobs)).contains("padded"));
    bad("10033009", Value::binary(vec![1, 0, 0, 0, 2]));
}

#[test]
fn secrets_are_carried_as_they_are_and_never_shown() {
    let password = "hunter2-S3cret";
    let raw = Value::binary(password.encode_utf16().flat_map(u16::to_le_bytes).collect());
    let secret_tag = tag("010267f0");
    assert!(secret_tag.is_secret());
    for spelling in [Spelling::BINARY, Spelling::String, Spelling::Dword] {
        let (value, read_as) = MapiValue::decode_spelled(secret_tag, &raw).unwrap();
        assert!(value.is_secret());
        assert_eq!(value.as_text(), None);
        assert_eq!(value.as_binary(), None);
        assert_eq!(value.encode(spelling), raw);
        assert_eq!(value.encode(read_as), raw);
    }
    let also = MapiValue::secret(Value::string(password));
    for value in [MapiValue::decode(secret_tag, &raw).unwrap(), also] {
        let shown = format!("{value} {value:?} {value:#?}");
        let hex: String = password.bytes().map(|b| format!("{b:02x}")).collect();
        let decimal = format!("{}, 0, {}", password.as_bytes()[0], password.as_bytes()[1]);
        for leak in [
            password,
            "hunter",
            hex.as_str(),
            &hex[..8],
            decimal.as_str(),
        ] {
            assert!(!shown.contains(leak), "{shown:?} shows {leak:?}");
        }
        assert!(shown.contains("redacted"), "{shown}");
    }
}

#[test]
fn other_types_are_carried_as_bytes() {
    let double = tag("00053000");
    let raw = Value::binary(1.5f64.to_le_bytes().to_vec());
    let (value, spelling) = MapiValue::decode_spelled(double, &raw).unwrap();
    assert_eq!(
        value,
        MapiValue::Other {
            ty: PropType::PT_DOUBLE,
            bytes: raw.data().to_vec()
        }
    );
    assert_eq!(value.encode(spelling), raw);
    let odd = Value::new(RegType::EXPAND_SZ, vec![0x41, 0, 0, 0]);
    let (value, spelling) = MapiValue::decode_spelled(tag("12343000"), &odd).unwrap();
    assert_eq!(spelling, Spelling::Raw(RegType::EXPAND_SZ));
    assert_eq!(value.encode(spelling), odd);
}

#[test]
fn display_is_short_and_readable() {
    assert_eq!(MapiValue::Long(-3).to_string(), "-3");
    assert_eq!(
        MapiValue::String8(b"caf\xe9".to_vec()).to_string(),
        "\"café\""
    );
    assert_eq!(MapiValue::Binary(vec![0xab, 1]).to_string(), "ab01");
    assert_eq!(
        MapiValue::MultiUnicode(vec!["a".into(), "b".into()]).to_string(),
        "[\"a\", \"b\"]"
    );
}

/// A value of a known type with a spelling that can hold it, and the tag
/// to decode it with.
fn spelled_value() -> impl Strategy<Value = (PropTag, MapiValue, Spelling)> {
    let text = "[^\u{0}]{0,12}";
    let ansi = proptest::collection::vec(1u8..=255, 0..12);
    let bytes = proptest::collection::vec(any::<u8>(), 0..24);
    let wide = any::<bool>().prop_map(|wide| Spelling::Binary { wide });
    let binary = Just(Spelling::BINARY);
    let t = |ty: u16| PropTag::new(0x3001, PropType(ty));
    prop_oneof![
        any::<i16>().prop_map(move |n| (t(0x0002), MapiValue::Short(n), Spelling::BINARY)),
        (any::<i32>(), prop_oneof![binary, Just(Spelling::Dword)]).prop_map(move |(n, s)| (
            t(0x0003),
            MapiValue::Long(n),
            s
        )),
        (
            any::<bool>(),
            prop_oneof![wide.clone(), Just(Spelling::Dword)]
        )
            .prop_map(move |(b, s)| (t(0x000B), MapiValue::Boolean(b), s)),
        (any::<i64>(), prop_oneof![binary, Just(Spelling::Qword)]).prop_map(move |(n, s)| (
            t(0x0014),
            MapiValue::I8(n),
            s
        )),
        (any::<u64>(), prop_oneof![binary, Just(Spelling::Qword)]).prop_map(move |(n, s)| (
            t(0x0040),
            MapiValue::SysTime(n),
            s
        )),
        any::<[u8; 16]>().prop_map(move |g| (t(0x0048), MapiValue::Clsid(g), Spelling::BINARY)),
        bytes
            .clone()
            .prop_map(move |b| (t(0x0102), MapiValue::Binary(b), Spelling::BINARY)),
        (ansi.clone(), prop_oneof![binary, Just(Spelling::String)]).prop_map(move |(b, s)| (
            t(0x001E),
            MapiValue::String8(b),
            s
        )),
        (text, prop_oneof![binary, Just(Spelling::String)]).prop_map(move |(x, s)| (
            t(0x001F),
            MapiValue::Unicode(x),
            s
        )),
        proptest::collection::vec(any::<i32>(), 0..6).prop_map(move |v| (
            t(0x1003),
            MapiValue::MultiLong(v),
            Spelling::BINARY
        )),
        (proptest::collection::vec(ansi, 0..5), wide.clone()).prop_map(move |(v, s)| (
            t(0x101E),
            MapiValue::MultiString8(v),
            s
        )),
        (proptest::collection::vec(text, 0..5), wide.clone()).prop_map(move |(v, s)| (
            t(0x101F),
            MapiValue::MultiUnicode(v),
            s
        )),
        (proptest::collection::vec(bytes, 0..5), wide).prop_map(move |(v, s)| (
            t(0x1102),
            MapiValue::MultiBinary(v),
            s
        )),
    ]
}

proptest! {
    #[test]
    fn encode_then_decode_gives_the_value_and_spelling_back(
        (tag, value, spelling) in spelled_value()
    ) {
        let encoded = value.encode(spelling);
        prop_assert_eq!(encoded.ty(), spelling.reg_type());
        let (decoded, read_as) = MapiValue::decode_spelled(tag, &encoded).unwrap();
        prop_assert_eq!(&decoded, &value);
        prop_assert_eq!(decoded.encode(read_as), encoded);
        let empty_list = matches!(&value,
            MapiValue::MultiString8(v) | MapiValue::MultiBinary(v) if v.is_empty())
            || matches!(&value, MapiValue::MultiUnicode(v) if v.is_empty());
        // An empty list is the same 4 bytes in both layouts.
        if !empty_list {
            prop_assert_eq!(read_as, spelling);
        }
    }

    #[test]
    fn whatever_decodes_encodes_back_to_the_same_bytes(
        ty in prop::sample::select(vec![
            0x0002u16, 0x0003, 0x000B, 0x0014, 0x001E, 0x001F, 0x0040, 0x0048, 0x0102,
            0x1003, 0x101E, 0x101F, 0x1102, 0x0005,
        ]),
        reg in prop::sample::select(vec![RegType::BINARY, RegType::SZ, RegType::DWORD, RegType::QWORD]),
        data in proptest::collection::vec(
            prop_oneof![Just(0u8), Just(1u8), Just(4u8), Just(8u8), any::<u8>()], 0..40),
    ) {
        let tag = PropTag::new(0x3001, PropType(ty));
        let value = Value::new(reg, data);
        if let Ok((decoded, spelling)) = MapiValue::decode_spelled(tag, &value) {
            prop_assert_eq!(decoded.encode(spelling), value);
        }
    }

    #[test]
    fn tag_names_round_trip(id in any::<u16>(), ty in any::<u16>(), upper in any::<bool>()) {
        let tag = PropTag::new(id, PropType(ty));
        let name = tag.to_string();
        prop_assert_eq!(name.len(), 8);
        let name = if upper { name.to_uppercase() } else { name };
        prop_assert_eq!(PropTag::parse(&name), Some(tag));
        prop_assert_eq!(tag.tag(), (u32::from(id) << 16) | u32::from(ty));
        prop_assert_eq!(tag.is_secret(), (0x67F0..=0x67FF).contains(&id));
    }
}
