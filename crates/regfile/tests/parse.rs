//! The grammar, the semantic model and the errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use olkit_regfile::{
    Encoding, Entry, Error, Format, LineEnding, ParseOptions, Problem, RegFile, RegType, Value,
};

fn utf16(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend(u.to_le_bytes());
    }
    out
}

const V5: &str = "Windows Registry Editor Version 5.00\r\n\r\n";
const KEY: &str = "HKEY_CURRENT_USER\\Software\\Olkit";

fn v5(body: &str) -> RegFile {
    let text = format!("{V5}[{KEY}]\r\n{body}");
    let bytes = utf16(&text);
    let file = RegFile::parse(&bytes).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(file.to_bytes(), bytes);
    file
}

fn one(body: &str) -> Value {
    let file = v5(body);
    let key = file.keys().next().unwrap();
    let entries: Vec<_> = key.entries().collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries[0].value().unwrap().clone()
}

fn syntax_error(text: &str) -> (usize, usize, Problem) {
    match RegFile::parse(text.as_bytes()) {
        Err(Error::Syntax {
            line,
            column,
            problem,
        }) => (line, column, problem),
        other => panic!("expected a syntax error for {text:?}, got {other:?}"),
    }
}

#[test]
fn detects_formats_and_encodings() {
    let f = RegFile::parse(&utf16(V5)).unwrap();
    assert_eq!(
        (f.format(), f.encoding()),
        (Format::Regedit5, Encoding::Utf16Le)
    );
    let f = RegFile::parse(V5.as_bytes()).unwrap();
    assert_eq!(
        (f.format(), f.encoding()),
        (Format::Regedit5, Encoding::Utf8)
    );
    let f = RegFile::parse(format!("\u{feff}{V5}").as_bytes()).unwrap();
    assert_eq!(
        (f.format(), f.encoding()),
        (Format::Regedit5, Encoding::Utf8Bom)
    );
    let f = RegFile::parse(b"REGEDIT4\n\n").unwrap();
    assert_eq!(
        (f.format(), f.encoding()),
        (Format::Regedit4, Encoding::Windows1252)
    );
    assert_eq!(f.line_ending(), LineEnding::Lf);
    assert_eq!(
        RegFile::parse(b"REGEDIT4\r").unwrap().line_ending(),
        LineEnding::Cr
    );
    assert_eq!(
        RegFile::parse(b"REGEDIT4").unwrap().line_ending(),
        LineEnding::CrLf
    );
    // Spaces around the header are tolerated, anything else is not a .reg file.
    assert!(RegFile::parse(b"  REGEDIT4 \t\r\n").is_ok());
    for bad in [
        &b""[..],
        b"REGEDIT",
        b"REGEDIT5\r\n",
        b"\r\nREGEDIT4\r\n",
        b"[HKEY_USERS\\x]",
    ] {
        assert!(
            matches!(RegFile::parse(bad), Err(Error::BadHeader)),
            "{bad:?}"
        );
    }
}

#[test]
fn strings_are_utf16_with_terminator() {
    assert_eq!(one("\"x\"=\"abc\"\r\n").data(), b"a\0b\0c\0\0\0");
    assert_eq!(one("\"x\"=\"\"\r\n").data(), b"\0\0");
    let v = one("\"x\"=\"a\\\\b\\\"c\\n\\r\\t\\0\"\r\n");
    assert_eq!(
        v.as_str().unwrap(),
        "a\\b\"c\n\r\\t\\0",
        "\\n and \\r are line breaks, other backslashes stay"
    );
    assert_eq!(
        one("\"x\"=\"Grüße 日本 😀\"").as_str().unwrap(),
        "Grüße 日本 😀"
    );
    // A string may hold `;` and `"` escapes; a comment may follow it.
    assert_eq!(
        one("\"x\"=\"a;b\\\"\" ; note\r\n").as_str().unwrap(),
        "a;b\""
    );
}

#[test]
fn utf16_strings_keep_unpaired_surrogates() {
    let mut bytes = utf16(&format!("{V5}[{KEY}]\r\n\"x\"=\""));
    bytes.extend([0x00, 0xD8]); // a lone high surrogate
    bytes.extend(&utf16("\"\r\n")[2..]);
    let file = RegFile::parse(&bytes).unwrap();
    assert_eq!(file.to_bytes(), bytes);
    assert_eq!(file.get(KEY, "x").unwrap().data(), [0x00, 0xD8, 0, 0]);
}

#[test]
fn numbers_and_hex() {
    assert_eq!(one("\"d\"=dword:0000ffff").as_u32().unwrap(), 0xffff);
    assert_eq!(one("\"d\"=dword:FFFFFFFF").as_u32().unwrap(), u32::MAX);
    assert_eq!(one("\"d\"=dword: 1 ; one").as_u32().unwrap(), 1);
    let v = one("\"b\"=hex:00,ff,A,7f");
    assert_eq!(
        (v.ty(), v.data()),
        (RegType::BINARY, &[0, 0xff, 0xa, 0x7f][..])
    );
    assert_eq!(one("\"b\"=hex:").data(), b"");
    assert_eq!(one("\"b\"=hex: 01 , 02 ,").data(), [1, 2]);
    let q = one("\"q\"=hex(b):01,00,00,00,00,00,00,80");
    assert_eq!(q.as_u64().unwrap(), 0x8000_0000_0000_0001);
    let big_endian = one("\"q\"=hex(5):00,00,01,00");
    assert_eq!(big_endian.as_u32().unwrap(), 256);
    for (spelling, ty) in [
        ("0", 0u32),
        ("7", 7),
        ("100", 0x100),
        ("ffffffff", u32::MAX),
        ("Ab", 0xab),
    ] {
        assert_eq!(one(&format!("\"n\"=hex({spelling}):01")).ty(), RegType(ty));
    }
    let multi = one("\"m\"=hex(7):61,00,00,00,62,00,00,00,00,00");
    assert_eq!(multi.as_multi_string().unwrap(), ["a", "b"]);
}

#[test]
fn continuation_lines() {
    let v = one("\"b\"=hex:01,02,\\\r\n  03,\\\r\n\r\n ; comment between\r\n\t04\r\n");
    assert_eq!(v.data(), [1, 2, 3, 4]);
    // The file may end inside a continuation: the data read so far counts, as in regedit.
    assert_eq!(one("\"b\"=hex:01,\\\r\n").data(), [1]);
    assert_eq!(one("\"b\"=hex:\\\r\n  05").data(), [5]);
}

#[test]
fn mixed_line_endings_round_trip() {
    let text = "REGEDIT4\r\n\n[HKEY_USERS\\a]\r\"x\"=hex:01,\\\n 02\r\n\"y\"=\"z\"";
    let file = RegFile::parse(text.as_bytes()).unwrap();
    assert_eq!(file.to_bytes(), text.as_bytes());
    assert_eq!(file.get("HKEY_USERS\\a", "x").unwrap().data(), [1, 2]);
    assert_eq!(
        file.get("HKEY_USERS\\a", "y").unwrap().as_str().unwrap(),
        "z"
    );
    assert_eq!(file.line_ending(), LineEnding::CrLf);
}

#[test]
fn keys_deletions_and_defaults() {
    let text = format!(
        "{V5}[{KEY}]\r\n@=\"default\"\r\n\"gone\"=-\r\n\r\n[-{KEY}\\Old]\r\n\r\n  [{KEY}\\Sub] trailing\r\n\r\n"
    );
    let file = RegFile::parse(text.as_bytes()).unwrap();
    let keys: Vec<_> = file
        .keys()
        .map(|k| (k.path(), k.is_deletion(), k.line()))
        .collect();
    assert_eq!(
        keys,
        [
            (KEY, false, 3),
            (&*format!("{KEY}\\Old"), true, 7),
            (&*format!("{KEY}\\Sub"), false, 9)
        ]
    );
    let entries: Vec<_> = file.keys().next().unwrap().entries().collect();
    assert_eq!(entries[0].name(), "");
    assert_eq!(entries[0].value().unwrap().as_str().unwrap(), "default");
    assert_eq!(entries[0].line(), 4);
    assert_eq!(
        entries[1],
        Entry::Delete {
            name: "gone",
            line: 5
        }
    );
    assert_eq!(file.key_count(), 3);
    assert_eq!(file.key_at(1).unwrap().path(), format!("{KEY}\\Old"));
    assert!(file.key_at(3).is_none());
}

#[test]
fn lookup_is_case_insensitive_and_follows_import_order() {
    let text = format!(
        "{V5}[{KEY}]\r\n\"Name\"=\"first\"\r\n\"Del\"=\"x\"\r\n\"Sub\"=\"y\"\r\n\r\n\
         [{KEY}\\Child]\r\n\"c\"=dword:00000001\r\n\r\n\
         [{}]\r\n\"NAME\"=\"second\"\r\n\"del\"=-\r\n\r\n\
         [-{KEY}\\child]\r\n\r\n",
        KEY.to_lowercase()
    );
    let file = RegFile::parse(text.as_bytes()).unwrap();
    assert_eq!(
        file.get(&KEY.to_uppercase(), "name")
            .unwrap()
            .as_str()
            .unwrap(),
        "second"
    );
    assert!(
        file.get(KEY, "del").is_none(),
        "deleted by a later \"del\"=-"
    );
    assert_eq!(file.get(KEY, "Sub").unwrap().as_str().unwrap(), "y");
    assert!(
        file.get(&format!("{KEY}\\Child"), "c").is_none(),
        "deleted by a later [-KEY]"
    );
    assert!(file.get(KEY, "missing").is_none());
    assert!(file.get("HKEY_USERS\\nope", "x").is_none());
    // Keys keep their spelling.
    assert_eq!(file.key(KEY).unwrap().path(), KEY.to_lowercase());
    assert_eq!(
        file.key(KEY)
            .unwrap()
            .value("name")
            .unwrap()
            .as_str()
            .unwrap(),
        "second"
    );
    let under: Vec<_> = file
        .keys_under(&format!("{KEY}\\"))
        .map(|k| k.line())
        .collect();
    assert_eq!(under, [3, 8, 11, 15]);
    assert_eq!(
        file.keys_under("HKEY_CURRENT_USER\\Soft").count(),
        0,
        "prefix is by whole components"
    );
}

#[test]
fn non_ascii_lookup_folds_case() {
    let text = format!("{V5}[HKEY_CURRENT_USER\\Ünïcode]\r\n\"Größe\"=dword:00000002\r\n");
    let file = RegFile::parse(&utf16(&text)).unwrap();
    assert_eq!(
        file.get("hkey_current_user\\üNÏCODE", "GRÖSSE"),
        None,
        "ß has no one-character upper case"
    );
    assert_eq!(
        file.get("hkey_current_user\\üNÏCODE", "GRößE")
            .unwrap()
            .as_u32()
            .unwrap(),
        2
    );
}

#[test]
fn regedit4_is_windows_1252_and_converts_ansi_hex_strings() {
    let mut bytes =
        b"REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Caf\xe9]\r\n\"\x80\"=\"\xe9t\xe9\"\r\n".to_vec();
    bytes.extend(
        b"\"e\"=hex(2):25,41,25,e9,00\r\n\"m\"=hex(7):61,00,62,00,00\r\n\"b\"=hex(1):e9,00\r\n",
    );
    let file = RegFile::parse(&bytes).unwrap();
    assert_eq!(file.to_bytes(), bytes);
    let key = "HKEY_CURRENT_USER\\Café";
    assert_eq!(file.keys().next().unwrap().path(), key);
    assert_eq!(file.get(key, "€").unwrap().as_str().unwrap(), "été");
    assert_eq!(file.get(key, "e").unwrap().as_str().unwrap(), "%A%é");
    assert_eq!(
        file.get(key, "e").unwrap().data(),
        [0x25, 0, 0x41, 0, 0x25, 0, 0xe9, 0, 0, 0]
    );
    assert_eq!(
        file.get(key, "m").unwrap().as_multi_string().unwrap(),
        ["a", "b"]
    );
    // hex(1) is not converted: regedit stores those bytes as they are.
    assert_eq!(file.get(key, "b").unwrap().data(), [0xe9, 0]);
}

#[test]
fn strict_errors_say_where() {
    let cases: &[(&str, usize, usize, Problem)] = &[
        ("[HKEY_USERS\\x", 3, 14, Problem::UnterminatedKey),
        ("[HKEY_NOWHERE\\x]", 3, 2, Problem::UnknownRoot),
        ("[-HKLM\\x]", 3, 3, Problem::UnknownRoot),
        ("[HKEY_USERS\\x]\r\nvalue", 4, 1, Problem::UnexpectedLine),
        ("[HKEY_USERS\\x]\r\n\"x", 4, 3, Problem::UnterminatedString),
        (
            "[HKEY_USERS\\x]\r\n\"x\" : 1",
            4,
            5,
            Problem::ExpectedEquals,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=\"abc",
            4,
            9,
            Problem::UnterminatedString,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=\"a\" b",
            4,
            9,
            Problem::TrailingCharacters,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=dword:123456789",
            4,
            11,
            Problem::BadDword,
        ),
        ("[HKEY_USERS\\x]\r\n\"x\"=dword:", 4, 11, Problem::BadDword),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=dword:12 34",
            4,
            14,
            Problem::TrailingCharacters,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=DWORD:1",
            4,
            5,
            Problem::UnknownDataType,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=str:\"a\"",
            4,
            5,
            Problem::UnknownDataType,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=hex(123456789):00",
            4,
            9,
            Problem::BadHexType,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=hex(g):00",
            4,
            9,
            Problem::BadHexType,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=hex:001",
            4,
            11,
            Problem::BadHexByte,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=hex:0g",
            4,
            10,
            Problem::BadHexByte,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=hex:01,,02",
            4,
            12,
            Problem::BadHexByte,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=hex:01\\",
            4,
            11,
            Problem::BadHexByte,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=hex:01,\\ x",
            4,
            14,
            Problem::TrailingCharacters,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=hex:01,\\\r\n  zz",
            5,
            3,
            Problem::BadHexByte,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"x\"=- x",
            4,
            7,
            Problem::TrailingCharacters,
        ),
        ("\"x\"=\"outside\"", 3, 1, Problem::ValueOutsideKey),
        (
            "[-HKEY_USERS\\x]\r\n\"x\"=\"after a key deletion\"",
            4,
            1,
            Problem::ValueOutsideKey,
        ),
        (
            "[HKEY_USERS\\x]\r\n\"a\0b\"=\"x\"",
            4,
            3,
            Problem::NulInName,
        ),
        ("[HKEY_USERS\\x\0y]", 3, 14, Problem::NulInName),
    ];
    for &(body, line, column, problem) in cases {
        let text = format!("REGEDIT4\r\n\r\n{body}\r\n");
        assert_eq!(syntax_error(&text), (line, column, problem), "{body:?}");
    }
    let err = RegFile::parse(b"REGEDIT4\r\n\r\n[HKEY_USERS\\x]\r\n\"x\"=hex:zz\r\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 4, column 9: hex data must be bytes of one or two hexadecimal digits separated by commas"
    );
}

#[test]
fn lenient_skips_bad_lines_like_regedit_and_stays_lossless() {
    let text = "REGEDIT4\r\n\r\n\"early\"=\"x\"\r\n[HKEY_USERS\\ok]\r\n\"a\"=dword:1\r\n\"b\"=hex:zz,\\\r\n  01\r\n\
                \"c\"=\"fine\"\r\n[BOGUS\\key]\r\n\"d\"=\"ignored\"\r\n[HKEY_USERS\\ok2]\r\n\"e\"=\"kept\"\r\n";
    let strict = RegFile::parse(text.as_bytes());
    assert!(matches!(strict, Err(Error::Syntax { line: 3, .. })));
    let file = RegFile::parse_with(text.as_bytes(), &ParseOptions::new().lenient(true)).unwrap();
    assert_eq!(file.to_bytes(), text.as_bytes());
    let warned: Vec<_> = file
        .warnings()
        .iter()
        .map(|w| (w.line, w.problem))
        .collect();
    assert_eq!(
        warned,
        [
            (3, Problem::ValueOutsideKey),
            (6, Problem::BadHexByte),
            (9, Problem::UnknownRoot),
            (10, Problem::ValueOutsideKey),
        ]
    );
    assert_eq!(
        file.get("HKEY_USERS\\ok", "a").unwrap().as_u32().unwrap(),
        1
    );
    assert!(
        file.get("HKEY_USERS\\ok", "b").is_none(),
        "the broken value and its continuation are skipped"
    );
    assert_eq!(
        file.get("HKEY_USERS\\ok", "c").unwrap().as_str().unwrap(),
        "fine"
    );
    assert_eq!(
        file.get("HKEY_USERS\\ok2", "e").unwrap().as_str().unwrap(),
        "kept"
    );
    assert_eq!(file.keys().count(), 2, "the bogus key is not a key");
    assert!(file.warnings()[1]
        .to_string()
        .starts_with("line 6, column 9: "));
}

#[test]
fn limits_and_encoding_errors() {
    let opts = ParseOptions::new().max_input_bytes(10);
    assert!(matches!(
        RegFile::parse_with(b"REGEDIT4\r\n\r\n", &opts),
        Err(Error::TooLarge {
            size: 12,
            limit: 10
        })
    ));
    let mut odd = utf16(V5);
    odd.push(0);
    assert!(matches!(RegFile::parse(&odd), Err(Error::Encoding { .. })));
    let bad_utf8 = format!("{V5}[HKEY_USERS\\x]\r\n\"a\"=\"").into_bytes();
    let mut bad_utf8 = bad_utf8;
    bad_utf8.extend([0xff, b'"']);
    match RegFile::parse(&bad_utf8) {
        Err(Error::Encoding { offset, line, .. }) => {
            assert_eq!((offset, line), (bad_utf8.len() - 2, 4))
        }
        other => panic!("{other:?}"),
    }
    // REGEDIT4 takes any byte: Windows-1252 maps all 256.
    let mut all: Vec<u8> = (1..=255u8).filter(|b| !b"\r\n\"\\".contains(b)).collect();
    all.push(0);
    let mut bytes = b"REGEDIT4\r\n[HKEY_USERS\\x]\r\n\"v\"=\"".to_vec();
    bytes.extend(&all);
    bytes.extend(b"\"\r\n");
    let file = RegFile::parse(&bytes).unwrap();
    assert_eq!(file.to_bytes(), bytes);
    assert_eq!(
        file.get("HKEY_USERS\\x", "v")
            .unwrap()
            .as_str()
            .unwrap()
            .chars()
            .count(),
        all.len() - 1,
        "the string ends at NUL, as Windows reads it"
    );
}

#[test]
fn read_refuses_large_files_before_reading() {
    let dir = std::env::temp_dir().join(format!("olkit-regfile-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.reg");
    std::fs::write(&path, vec![b' '; 100]).unwrap();
    let err = RegFile::read_with(&path, &ParseOptions::new().max_input_bytes(50)).unwrap_err();
    assert!(matches!(
        err,
        Error::TooLarge {
            size: 100,
            limit: 50
        }
    ));
    let err = RegFile::read(dir.join("missing.reg")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
    assert!(err.to_string().contains("missing.reg"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn huge_lines_are_linear() {
    // A 4 MB hex value in 25-byte continuation lines and a 4 MB string: no quadratic paths.
    let mut text = String::from("REGEDIT4\r\n\r\n[HKEY_USERS\\x]\r\n\"b\"=hex:");
    for _ in 0..(4 << 20) / 75 {
        text.push_str(
            "01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,17,18,19,\\\r\n  ",
        );
    }
    text.push_str("ff\r\n\"s\"=\"");
    text.push_str(&"x".repeat(4 << 20));
    text.push_str("\"\r\n");
    let start = std::time::Instant::now();
    let file = RegFile::parse(text.as_bytes()).unwrap();
    assert!(start.elapsed().as_secs() < 20);
    assert_eq!(file.to_bytes(), text.as_bytes());
    assert_eq!(
        file.get("HKEY_USERS\\x", "s").unwrap().data().len(),
        (4 << 20) * 2 + 2
    );
}
