//! `olkit reg dump` and `olkit reg fmt`, run as a user runs them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::Read;
use std::process::{Command, Stdio};

use common::{olkit, utf16, write};

/// One value of every type, a value deletion, a key without values and a key deletion.
const ALL_TYPES: &str = "Windows Registry Editor Version 5.00\r\n\
\r\n\
[HKEY_CURRENT_USER\\Software\\Olkit]\r\n\
@=\"default\"\r\n\
\"sz\"=\"a\\\"b\"\r\n\
\"dw\"=dword:000001bb\r\n\
\"bin\"=hex:01,ff\r\n\
\"none\"=hex(0):\r\n\
\"exp\"=hex(2):25,00,00,00\r\n\
\"multi\"=hex(7):61,00,00,00,00,00\r\n\
\"qw\"=hex(b):01,00,00,00,00,00,00,00\r\n\
\"be\"=hex(5):00,00,00,01\r\n\
\"odd\"=hex(100):ab,\\\r\n\
  cd\r\n\
\"gone\"=-\r\n\
\r\n\
[HKEY_CURRENT_USER\\Software\\Empty]\r\n\
\r\n\
[-HKEY_CURRENT_USER\\Software\\Old]\r\n\
\r\n";

const ALL_TYPES_DUMP: &str = "\
HKEY_CURRENT_USER\\Software\\Olkit\t\tREG_SZ\t640065006600610075006c0074000000
HKEY_CURRENT_USER\\Software\\Olkit\tsz\tREG_SZ\t6100220062000000
HKEY_CURRENT_USER\\Software\\Olkit\tdw\tREG_DWORD\tbb010000
HKEY_CURRENT_USER\\Software\\Olkit\tbin\tREG_BINARY\t01ff
HKEY_CURRENT_USER\\Software\\Olkit\tnone\tREG_NONE\t
HKEY_CURRENT_USER\\Software\\Olkit\texp\tREG_EXPAND_SZ\t25000000
HKEY_CURRENT_USER\\Software\\Olkit\tmulti\tREG_MULTI_SZ\t610000000000
HKEY_CURRENT_USER\\Software\\Olkit\tqw\tREG_QWORD\t0100000000000000
HKEY_CURRENT_USER\\Software\\Olkit\tbe\tREG_DWORD_BIG_ENDIAN\t00000001
HKEY_CURRENT_USER\\Software\\Olkit\todd\tREG_0x100\tabcd
HKEY_CURRENT_USER\\Software\\Olkit\tgone\tDELETE\t
HKEY_CURRENT_USER\\Software\\Old\t\tDELETE_KEY\t
";

/// A key line, a value line and a line that is neither.
const BROKEN: &str = "Windows Registry Editor Version 5.00\r\n\
\r\n\
[HKEY_CURRENT_USER\\X]\r\n\
\"a\"=dword:zz\r\n\
\"b\"=dword:00000002\r\n\
bogus\r\n";

#[test]
fn dump_prints_every_type_and_the_deletions() {
    let dir = tempfile::tempdir().unwrap();
    let utf8 = write(dir.path(), "utf8.reg", ALL_TYPES.as_bytes());
    assert_eq!(olkit(&["reg", "dump", &utf8]).ok().text(), ALL_TYPES_DUMP);
}

#[test]
fn dump_reads_utf16le_files() {
    let dir = tempfile::tempdir().unwrap();
    let wide = write(dir.path(), "wide.reg", &utf16(ALL_TYPES));
    assert_eq!(olkit(&["reg", "dump", &wide]).ok().text(), ALL_TYPES_DUMP);
}

#[test]
fn dump_reads_regedit4_windows_1252() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Caf".to_vec();
    bytes.push(0xE9); // é
    bytes.extend_from_slice(b"]\r\n\"euro\"=\"");
    bytes.push(0x80); // €
    bytes.extend_from_slice(b"\"\r\n\r\n");
    let path = write(dir.path(), "ansi.reg", &bytes);
    assert_eq!(
        olkit(&["reg", "dump", &path]).ok().text(),
        "HKEY_CURRENT_USER\\Café\teuro\tREG_SZ\tac200000\n"
    );
}

#[test]
fn dump_shows_control_characters_in_names_as_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\x64]\r\n\"a\tb\"=dword:00000001\r\n";
    let path = write(dir.path(), "tab.reg", text.as_bytes());
    assert_eq!(
        olkit(&["reg", "dump", &path]).ok().text(),
        "HKEY_CURRENT_USER\\x64\ta\u{2409}b\tREG_DWORD\t01000000\n"
    );
    // JSON keeps the name exactly.
    let json = olkit(&["reg", "dump", "--json", &path]).ok().json();
    assert_eq!(json["entries"][0]["name"], "a\tb");
}

#[test]
fn dump_json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let wide = write(dir.path(), "wide.reg", &utf16(ALL_TYPES));
    let json = olkit(&["reg", "dump", "--json", &wide]).ok().json();
    assert_eq!(json["file"], wide.as_str());
    assert_eq!(json["format"], "regedit5");
    assert_eq!(json["encoding"], "utf-16le");
    assert_eq!(json["line_ending"], "crlf");
    assert_eq!(json["keys"], 3);
    assert_eq!(json["warnings"], serde_json::json!([]));
    let entries = json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 12);
    let key = "HKEY_CURRENT_USER\\Software\\Olkit";
    assert_eq!(
        entries[0],
        serde_json::json!({"key": key, "name": "", "type": "REG_SZ",
            "hex": "640065006600610075006c0074000000", "line": 4})
    );
    assert_eq!(
        entries[2],
        serde_json::json!({"key": key, "name": "dw", "type": "REG_DWORD", "hex": "bb010000", "line": 6})
    );
    assert_eq!(
        entries[9],
        serde_json::json!({"key": key, "name": "odd", "type": "REG_0x100", "hex": "abcd", "line": 13})
    );
    assert_eq!(
        entries[10],
        serde_json::json!({"key": key, "name": "gone", "type": "DELETE", "hex": null, "line": 15})
    );
    assert_eq!(
        entries[11],
        serde_json::json!({"key": "HKEY_CURRENT_USER\\Software\\Old", "name": null,
            "type": "DELETE_KEY", "hex": null, "line": 19})
    );
    // The same records as the text output, in the same order.
    let text = olkit(&["reg", "dump", &wide]).ok().text();
    for (line, entry) in text.lines().zip(entries) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields[0], entry["key"]);
        assert_eq!(fields[2], entry["type"]);
        assert_eq!(fields[3], entry["hex"].as_str().unwrap_or(""));
    }
}

#[test]
fn lenient_dump_warns_on_stderr_and_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "broken.reg", BROKEN.as_bytes());
    let run = olkit(&["reg", "dump", "--lenient", &path]).ok();
    assert_eq!(run.text(), "HKEY_CURRENT_USER\\X\tb\tREG_DWORD\t02000000\n");
    assert!(run
        .stderr
        .contains(&format!("olkit: warning: {path}: line 4, column 11:")));
    assert!(run.stderr.contains("line 6, column 1:"), "{}", run.stderr);

    let json = olkit(&["reg", "dump", "--lenient", "--json", &path])
        .ok()
        .json();
    let warnings = json["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 2);
    assert_eq!(warnings[0]["line"], 4);
    assert_eq!(warnings[0]["column"], 11);
    assert_eq!(warnings[0]["problem"], "bad_dword");
    assert!(warnings[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("line 4, column 11: "));
    assert_eq!(warnings[1]["problem"], "unexpected_line");
}

#[test]
fn bad_input_fails_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "broken.reg", BROKEN.as_bytes());
    for args in [
        vec!["reg", "dump", &path],
        vec!["reg", "dump", "--json", &path],
        vec!["reg", "fmt", &path],
    ] {
        let run = olkit(&args);
        assert_eq!(run.code, Some(1), "{args:?}");
        assert!(run.stdout.is_empty());
        assert!(
            run.stderr
                .starts_with(&format!("olkit: {path}: line 4, column 11: ")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn unreadable_and_garbage_inputs_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.reg");
    let missing = missing.to_str().unwrap();
    let run = olkit(&["reg", "dump", missing]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.starts_with(&format!("olkit: {missing}: ")),
        "{}",
        run.stderr
    );

    let garbage = write(dir.path(), "garbage.reg", &[0x00, 0xFF, 0x13, 0x37, 0xC0]);
    let run = olkit(&["reg", "dump", &garbage]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("line 1"), "{}", run.stderr);

    // An odd number of bytes after a UTF-16LE byte order mark.
    let mut odd = utf16(ALL_TYPES);
    odd.push(b'x');
    let odd = write(dir.path(), "odd.reg", &odd);
    let run = olkit(&["reg", "fmt", &odd]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("UTF-16LE"), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["reg", "dump", "--frobnicate", "x.reg"],
        vec!["reg", "dump"],
        vec!["reg", "fmt", "--json", "x.reg"],
        vec!["reg"],
        vec!["nope"],
        vec![],
    ] {
        let run = olkit(&args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}");
    }
}

/// UTF-16LE with a comment, odd spacing, mixed line breaks, a continued
/// hex line and no line break at the end.
fn quirky_utf16() -> Vec<u8> {
    utf16(
        "Windows Registry Editor Version 5.00\r\n\
         ; exported by hand\r\n\
         \r\n\n\
         [HKEY_CURRENT_USER\\Software\\Kerio]   \r\n\
         \"Server\" =  \"mail.example.com\" ; the server\n\
         \"Port\"=dword:1BB\r\n\
         \"Blob\"=hex:01,  02,\\\r\n      03\r\n\
         \r\n\
         [-HKEY_CURRENT_USER\\Software\\Old]",
    )
}

#[test]
fn fmt_writes_the_file_back_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let input = quirky_utf16();
    let path = write(dir.path(), "quirky.reg", &input);
    assert_eq!(olkit(&["reg", "fmt", &path]).ok().stdout, input);

    // To a file, atomically, with a JSON report.
    let out = dir.path().join("out.reg");
    let out = out.to_str().unwrap();
    let run = olkit(&["reg", "fmt", &path, "-o", out, "--json"]).ok();
    assert_eq!(std::fs::read(out).unwrap(), input);
    assert_eq!(
        run.json(),
        serde_json::json!({"input": path, "output": out, "bytes": input.len(),
            "canonical": false, "warnings": []})
    );
    // Without --json: nothing on stdout, a message on stderr.
    let run = olkit(&["reg", "fmt", &path, "--output", out]).ok();
    assert!(run.stdout.is_empty());
    assert!(run
        .stderr
        .contains(&format!("wrote {} bytes to {out}", input.len())));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn fmt_canonical_writes_what_regedit_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "quirky.reg", &quirky_utf16());
    let expected = utf16(
        "Windows Registry Editor Version 5.00\r\n\
         \r\n\
         [HKEY_CURRENT_USER\\Software\\Kerio]\r\n\
         \"Server\"=\"mail.example.com\"\r\n\
         \"Port\"=dword:000001bb\r\n\
         \"Blob\"=hex:01,02,03\r\n\
         \r\n\
         [-HKEY_CURRENT_USER\\Software\\Old]\r\n\
         \r\n",
    );
    assert_eq!(
        olkit(&["reg", "fmt", "--canonical", &path]).ok().stdout,
        expected
    );

    let out = dir.path().join("canonical.reg");
    let out = out.to_str().unwrap();
    let json = olkit(&["reg", "fmt", "--canonical", &path, "-o", out, "--json"])
        .ok()
        .json();
    assert_eq!(json["canonical"], true);
    assert_eq!(json["bytes"], expected.len());
    assert_eq!(std::fs::read(out).unwrap(), expected);
    // Canonical output is a fixed point.
    assert_eq!(
        olkit(&["reg", "fmt", "--canonical", out]).ok().stdout,
        expected
    );
    assert_eq!(olkit(&["reg", "fmt", out]).ok().stdout, expected);
}

#[test]
fn fmt_lenient_keeps_skipped_lines_unless_canonical() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "broken.reg", BROKEN.as_bytes());
    let run = olkit(&["reg", "fmt", "--lenient", &path]).ok();
    assert_eq!(run.stdout, BROKEN.as_bytes());
    assert!(run.stderr.contains("warning"));
    let canonical = olkit(&["reg", "fmt", "--lenient", "--canonical", &path]).ok();
    assert_eq!(
        canonical.stdout,
        utf16(
            "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\X]\r\n\
             \"b\"=dword:00000002\r\n\r\n"
        )
    );
}

#[test]
fn fmt_to_an_unwritable_place_fails_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "quirky.reg", &quirky_utf16());
    let target = dir.path().join("no-such-dir").join("out.reg");
    let target = target.to_str().unwrap();
    for canonical in [false, true] {
        let mut args = vec!["reg", "fmt", &path, "-o", target];
        if canonical {
            args.push("--canonical");
        }
        let run = olkit(&args);
        assert_eq!(run.code, Some(1));
        assert!(
            run.stderr.starts_with(&format!("olkit: {target}: ")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "[HKEY_CURRENT_USER\\Software\\Big\\K{i}]\r\n\"v\"=hex:00,01,02,03,04,05,06,07\r\n\r\n"
        ));
    }
    let path = write(dir.path(), "big.reg", &utf16(&text));
    for args in [
        vec!["reg", "dump", &path],
        vec!["reg", "dump", "--json", &path],
        vec!["reg", "fmt", &path],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_olkit"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 100];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{args:?}");
    }
}

#[test]
fn version_names_olkit_and_its_libraries() {
    let text = olkit(&["version"]).ok().text();
    assert!(text.starts_with(&format!("olkit {}\n", env!("CARGO_PKG_VERSION"))));
    let json = olkit(&["version", "--json"]).ok().json();
    assert_eq!(json["olkit"], env!("CARGO_PKG_VERSION"));
    for library in ["olkit-regfile", "olkit-msi-query"] {
        assert!(text.contains(&format!("{library} ")), "{text}");
        assert!(json["crates"][library].as_str().unwrap().contains('.'));
    }
}
