//! Edits: exact output, untouched lines, errors that change nothing.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use olkit_regfile::{Error, Format, RegFile, RegType, Value};

const KEY: &str = "HKEY_CURRENT_USER\\Software\\Kerio";

fn utf16(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

fn text_of(file: &RegFile) -> String {
    let bytes = file.to_bytes();
    match bytes.strip_prefix(&[0xFF, 0xFE]) {
        Some(body) => String::from_utf16(
            &body
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect::<Vec<_>>(),
        )
        .unwrap(),
        None => String::from_utf8(bytes).unwrap(),
    }
}

const ORIGINAL: &str = "Windows Registry Editor Version 5.00\r\n\
\r\n\
[HKEY_CURRENT_USER\\Software\\Kerio]\r\n\
;  hand-written note\r\n\
\"Server\"  =  \"old.example.com\"\r\n\
\"Port\"=dword:000001bb\r\n\
\r\n\
[HKEY_CURRENT_USER\\Software\\Kerio\\Sub]\r\n\
@=\"x\"\r\n\
\r\n";

#[test]
fn set_existing_value_rewrites_only_that_line_as_regedit_would() {
    let mut file = RegFile::parse(&utf16(ORIGINAL)).unwrap();
    file.set_value(KEY, "server", Value::string("new.example.com"))
        .unwrap();
    assert_eq!(
        text_of(&file),
        ORIGINAL.replace(
            "\"Server\"  =  \"old.example.com\"",
            "\"server\"=\"new.example.com\""
        )
    );
    assert_eq!(file.to_bytes(), utf16(&text_of(&file)), "stays UTF-16LE");
}

#[test]
fn new_values_go_after_the_last_value_of_the_key() {
    let mut file = RegFile::parse(&utf16(ORIGINAL)).unwrap();
    file.set_value(KEY, "Blob", Value::binary((0..30).collect()))
        .unwrap();
    let expected = ORIGINAL.replace(
        "\"Port\"=dword:000001bb\r\n",
        "\"Port\"=dword:000001bb\r\n\"Blob\"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,\\\r\n  16,17,18,19,1a,1b,1c,1d\r\n",
    );
    assert_eq!(text_of(&file), expected);
}

#[test]
fn new_keys_are_appended_with_regedit_spacing() {
    let mut file = RegFile::parse(&utf16(ORIGINAL)).unwrap();
    file.set_value(
        "HKEY_CURRENT_USER\\Software\\New",
        "",
        Value::expand_string("%APPDATA%"),
    )
    .unwrap();
    assert!(file.add_key("HKEY_CURRENT_USER\\Software\\Empty").unwrap());
    assert!(!file.add_key("hkey_current_user\\software\\EMPTY").unwrap());
    let expected = format!(
        "{ORIGINAL}[HKEY_CURRENT_USER\\Software\\New]\r\n\
         @=hex(2):25,00,41,00,50,00,50,00,44,00,41,00,54,00,41,00,25,00,00,00\r\n\r\n\
         [HKEY_CURRENT_USER\\Software\\Empty]\r\n\r\n"
    );
    assert_eq!(text_of(&file), expected);
}

#[test]
fn edits_at_the_end_of_a_file_without_a_final_line_break() {
    let original = "REGEDIT4\n\n[HKEY_USERS\\x]\n\"a\"=\"1\"";
    let mut file = RegFile::parse(original.as_bytes()).unwrap();
    file.set_value("HKEY_USERS\\x", "b", Value::dword(2))
        .unwrap();
    assert_eq!(
        text_of(&file),
        "REGEDIT4\n\n[HKEY_USERS\\x]\n\"a\"=\"1\"\n\"b\"=dword:00000002\n"
    );
    let mut file = RegFile::parse(original.as_bytes()).unwrap();
    file.set_value("HKEY_USERS\\x", "a", Value::string("2"))
        .unwrap();
    assert_eq!(
        text_of(&file),
        "REGEDIT4\n\n[HKEY_USERS\\x]\n\"a\"=\"2\"",
        "a rewritten last line keeps having no line break"
    );
    let mut file = RegFile::parse(original.as_bytes()).unwrap();
    file.add_key("HKEY_USERS\\y").unwrap();
    assert_eq!(
        text_of(&file),
        "REGEDIT4\n\n[HKEY_USERS\\x]\n\"a\"=\"1\"\n\n[HKEY_USERS\\y]\n\n"
    );
}

#[test]
fn rename_and_delete_values() {
    let mut file = RegFile::parse(&utf16(ORIGINAL)).unwrap();
    file.rename_value(KEY, "PORT", "ImapPort").unwrap();
    assert_eq!(
        text_of(&file),
        ORIGINAL.replace("\"Port\"=", "\"ImapPort\"=")
    );
    assert!(matches!(
        file.rename_value(KEY, "ImapPort", "server"),
        Err(Error::ValueExists { .. })
    ));
    assert!(matches!(
        file.rename_value(KEY, "nope", "x"),
        Err(Error::ValueNotFound { .. })
    ));
    file.rename_value(KEY, "imapport", "IMAPPORT").unwrap();
    assert!(text_of(&file).contains("\"IMAPPORT\"=dword:000001bb"));
    assert!(file.delete_value(KEY, "imapPORT").unwrap());
    assert!(!file.delete_value(KEY, "imapPORT").unwrap());
    assert_eq!(
        text_of(&file),
        ORIGINAL.replace("\"Port\"=dword:000001bb\r\n", "")
    );
}

#[test]
fn delete_key_removes_its_subkeys_and_nothing_else() {
    let original = format!(
        "{ORIGINAL}[HKEY_CURRENT_USER\\Software\\KerioOther]\r\n\"k\"=\"v\"\r\n\r\n[-HKEY_CURRENT_USER\\Software\\Kerio\\Gone]\r\n\r\n"
    );
    let mut file = RegFile::parse(original.as_bytes()).unwrap();
    assert!(file
        .delete_key("hkey_current_user\\software\\kerio")
        .unwrap());
    assert_eq!(
        text_of(&file),
        "Windows Registry Editor Version 5.00\r\n\r\n\
         [HKEY_CURRENT_USER\\Software\\KerioOther]\r\n\"k\"=\"v\"\r\n\r\n"
    );
    assert!(!file.delete_key(KEY).unwrap());
    assert!(file.get(KEY, "Server").is_none());
    assert_eq!(
        file.get("HKEY_CURRENT_USER\\Software\\KerioOther", "k")
            .unwrap()
            .as_str()
            .unwrap(),
        "v"
    );
}

#[test]
fn setting_a_value_of_a_deleted_key_writes_a_new_section() {
    let original = format!("{ORIGINAL}[-{KEY}]\r\n\r\n");
    let mut file = RegFile::parse(original.as_bytes()).unwrap();
    assert!(file.get(KEY, "Server").is_none());
    file.set_value(KEY, "Server", Value::string("back"))
        .unwrap();
    assert_eq!(
        text_of(&file),
        format!("{original}[{KEY}]\r\n\"Server\"=\"back\"\r\n\r\n")
    );
    assert_eq!(file.get(KEY, "Server").unwrap().as_str().unwrap(), "back");
}

#[test]
fn refused_edits_change_nothing() {
    let original = "REGEDIT4\r\n\r\n[HKEY_USERS\\x]\r\n\"a\"=\"1\"\r\n\r\n";
    let mut file = RegFile::parse(original.as_bytes()).unwrap();
    let refused = [
        file.set_value("HKEY_USERS\\x", "a", Value::expand_string("日本")),
        file.set_value("HKEY_USERS\\x", "日", Value::dword(1)),
        file.set_value("HKEY_USERS\\日", "a", Value::dword(1)),
        file.set_value("NOT_A_ROOT\\x", "a", Value::dword(1)),
        file.set_value("HKEY_USERS\\x\0y", "a", Value::dword(1)),
        file.set_value("HKEY_USERS\\x", "nul\0", Value::dword(1)),
        file.set_value("HKEY_USERS\\x\ny", "a", Value::dword(1)),
        file.add_key("HKEY_USERS\\x\ry").map(|_| ()),
        file.rename_value("HKEY_USERS\\x", "a", "b\0"),
    ];
    for result in refused {
        let err = format!("{:?}", result.unwrap_err());
        assert!(
            ["Unencodable", "InvalidKeyPath", "InvalidValueName"]
                .iter()
                .any(|k| err.starts_with(k)),
            "{err}"
        );
    }
    assert_eq!(file.to_bytes(), original.as_bytes());
    // In REGEDIT4 a string outside Windows-1252 is written as hex(1), which
    // imports back as the same UTF-16 bytes.
    file.set_value("HKEY_USERS\\x", "a", Value::string("日本"))
        .unwrap();
    assert!(text_of(&file).contains("\"a\"=hex(1):e5,65,2c,67,00,00\r\n"));
    let again = RegFile::parse(&file.to_bytes()).unwrap();
    assert_eq!(
        again.get("HKEY_USERS\\x", "a").unwrap().as_str().unwrap(),
        "日本"
    );
}

#[test]
fn a_new_file_is_what_regedit_writes() {
    let mut file = RegFile::new(Format::Regedit5);
    file.set_value(KEY, "Server", Value::string("mail"))
        .unwrap();
    file.set_value(
        KEY,
        "Flags",
        Value::new(RegType::QWORD, vec![1, 0, 0, 0, 0, 0, 0, 0]),
    )
    .unwrap();
    assert_eq!(
        file.to_bytes(),
        utf16(&format!(
            "Windows Registry Editor Version 5.00\r\n\r\n[{KEY}]\r\n\"Server\"=\"mail\"\r\n\"Flags\"=hex(b):01,00,00,00,00,00,00,00\r\n\r\n"
        ))
    );
    assert_eq!(file.to_canonical_bytes().unwrap(), file.to_bytes());
    let file = RegFile::new(Format::Regedit4);
    assert_eq!(file.to_bytes(), b"REGEDIT4\r\n");
}

#[test]
fn canonical_rewrites_every_item_like_regedit() {
    let messy = "Windows Registry Editor Version 5.00\n; comment\n  [HKEY_USERS\\a]\n  \"x\" = dword: 1f ; c\n\"b\"=hex: 1 ,2,\\\n   3\n\"d\"=-\n[-HKEY_USERS\\b]\n";
    let file = RegFile::parse(messy.as_bytes()).unwrap();
    let canonical = file.to_canonical_bytes().unwrap();
    assert_eq!(
        canonical,
        utf16(
            "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_USERS\\a]\r\n\"x\"=dword:0000001f\r\n\"b\"=hex:01,02,03\r\n\"d\"=-\r\n\r\n[-HKEY_USERS\\b]\r\n\r\n"
        )
    );
}

#[test]
fn save_replaces_the_file_atomically() {
    let dir = std::env::temp_dir().join(format!("olkit-regfile-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("profile.reg");
    std::fs::write(&path, utf16(ORIGINAL)).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut file = RegFile::read(&path).unwrap();
    file.set_value(KEY, "Port", Value::dword(993)).unwrap();
    let written = file.save(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), file.to_bytes());
    assert_eq!(written, file.to_bytes().len() as u64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "permissions kept");
    }
    let canonical = dir.join("canonical.reg");
    let written = file.save_canonical(&canonical).unwrap();
    assert_eq!(
        std::fs::read(&canonical).unwrap(),
        file.to_canonical_bytes().unwrap()
    );
    assert_eq!(written, file.to_canonical_bytes().unwrap().len() as u64);
    std::fs::remove_file(&canonical).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    let err = file
        .save(dir.join("missing-dir").join("x.reg"))
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn set_value_rewrites_the_last_assignment_even_in_an_earlier_section() {
    let original = format!("{ORIGINAL}[{KEY}]\r\n\"Other\"=\"o\"\r\n\r\n");
    let mut file = RegFile::parse(original.as_bytes()).unwrap();
    file.set_value(KEY, "Server", Value::string("moved"))
        .unwrap();
    assert_eq!(
        text_of(&file),
        original.replace("\"Server\"  =  \"old.example.com\"", "\"Server\"=\"moved\""),
        "the existing line changes; nothing is added to the later section"
    );
    // A [-KEY] after that section voids its lines: the value goes into the live section.
    let voided = format!("{ORIGINAL}[-{KEY}]\r\n\r\n[{KEY}]\r\n\"Other\"=\"o\"\r\n\r\n");
    let mut file = RegFile::parse(voided.as_bytes()).unwrap();
    assert!(file.get(KEY, "Server").is_none());
    file.set_value(KEY, "Server", Value::string("new")).unwrap();
    assert_eq!(
        text_of(&file),
        voided.replace(
            "\"Other\"=\"o\"\r\n",
            "\"Other\"=\"o\"\r\n\"Server\"=\"new\"\r\n"
        )
    );
    assert_eq!(file.get(KEY, "Server").unwrap().as_str().unwrap(), "new");
}

#[test]
fn adding_after_an_open_continuation_closes_it_and_changes_nothing_else() {
    // Strict reading accepts a value whose `\` continuation runs into the end of the file.
    let original = "REGEDIT4\r\n\r\n[HKEY_USERS\\k]\r\n\"b\"=hex:01,\\\r\n; the end\r\n";
    let mut file = RegFile::parse(original.as_bytes()).unwrap();
    file.set_value("HKEY_USERS\\k", "n", Value::dword(1))
        .unwrap();
    assert_eq!(
        text_of(&file),
        "REGEDIT4\r\n\r\n[HKEY_USERS\\k]\r\n\"b\"=hex:01,\r\n; the end\r\n\"n\"=dword:00000001\r\n",
        "only the continuation's backslash goes"
    );
    let again = RegFile::parse(&file.to_bytes()).unwrap();
    assert_eq!(again.get("HKEY_USERS\\k", "b").unwrap().data(), [1]);
    assert_eq!(
        again.get("HKEY_USERS\\k", "n").unwrap().as_u32().unwrap(),
        1
    );

    let mut file = RegFile::parse(b"REGEDIT4\n[HKEY_USERS\\k]\n\"b\"=hex:01,\\").unwrap();
    file.add_key("HKEY_USERS\\j").unwrap();
    assert_eq!(
        text_of(&file),
        "REGEDIT4\n[HKEY_USERS\\k]\n\"b\"=hex:01,\n\n[HKEY_USERS\\j]\n\n"
    );
}

#[test]
fn values_are_added_before_lines_lenient_reading_skipped() {
    let lenient = olkit_regfile::ParseOptions::new().lenient(true);
    for broken in ["[HKEY_USERS\\bad\r\n", "\"b\"=hex:zz,\\\r\n"] {
        let original = format!("REGEDIT4\r\n\r\n[HKEY_USERS\\k]\r\n\"x\"=\"1\"\r\n{broken}");
        let mut file = RegFile::parse_with(original.as_bytes(), &lenient).unwrap();
        assert_eq!(file.warnings().len(), 1);
        file.set_value("HKEY_USERS\\k", "new", Value::dword(2))
            .unwrap();
        assert_eq!(
            text_of(&file),
            original.replace(
                "\"x\"=\"1\"\r\n",
                "\"x\"=\"1\"\r\n\"new\"=dword:00000002\r\n"
            )
        );
        let again = RegFile::parse_with(&file.to_bytes(), &lenient).unwrap();
        assert_eq!(
            again.get("HKEY_USERS\\k", "new").unwrap().as_u32().unwrap(),
            2
        );
    }
}
