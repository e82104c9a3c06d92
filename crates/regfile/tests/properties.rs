//! Property tests: round trips, semantics, canonical form and edits that
//! leave every other byte as it was.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::ops::Range;

use olkit_regfile::{Entry, Format, ParseOptions, RegFile, RegType, Value};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Enc {
    Ansi,
    Utf8,
    Utf8Bom,
    Utf16,
}

impl Enc {
    fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Enc::Ansi => text
                .chars()
                .map(|c| {
                    let n = u32::from(c);
                    match n {
                        0..=0x7f | 0xa0..=0xff => n as u8,
                        _ => match c {
                            '€' => 0x80,
                            'Š' => 0x8a,
                            'Œ' => 0x8c,
                            '™' => 0x99,
                            _ => panic!("generator produced {c:?} for ANSI"),
                        },
                    }
                })
                .collect(),
            Enc::Utf8 => text.as_bytes().to_vec(),
            Enc::Utf8Bom => text.as_bytes().to_vec(),
            Enc::Utf16 => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        }
    }

    fn bom(self) -> &'static [u8] {
        match self {
            Enc::Utf8Bom => &[0xef, 0xbb, 0xbf],
            Enc::Utf16 => &[0xff, 0xfe],
            _ => &[],
        }
    }

    fn format(self) -> Format {
        if self == Enc::Ansi {
            Format::Regedit4
        } else {
            Format::Regedit5
        }
    }
}

/// What a generated item means.
#[derive(Debug, Clone)]
enum Meaning {
    Trivia,
    Key(String),
    Set(String, Value),
    Delete(String),
}

#[derive(Debug, Clone)]
struct Doc {
    enc: Enc,
    bytes: Vec<u8>,
    items: Vec<(Meaning, Range<usize>)>,
}

fn eol() -> impl Strategy<Value = &'static str> {
    prop_oneof![6 => Just("\r\n"), 1 => Just("\n"), 1 => Just("\r")]
}

fn ws() -> impl Strategy<Value = &'static str> {
    prop_oneof![8 => Just(""), 1 => Just(" "), 1 => Just("\t "), 1 => Just("  ")]
}

fn text(enc: Enc, max: usize) -> BoxedStrategy<String> {
    let ansi = prop_oneof![
        8 => proptest::char::range('a', 'z'),
        2 => proptest::sample::select(vec![' ', '\\', '"', ';', '[', ']', '=', '@', '-', ',', '#', '\r', '\n']),
        1 => proptest::sample::select(vec!['é', 'ß', '€', 'Š', 'Œ', '™', 'ÿ']),
    ];
    if enc == Enc::Ansi {
        proptest::collection::vec(ansi, 0..max)
            .prop_map(|v| v.into_iter().collect())
            .boxed()
    } else {
        let wide = prop_oneof![
            10 => ansi,
            1 => proptest::sample::select(vec!['日', '本', '😀', 'Ж', '\u{2028}']),
        ];
        proptest::collection::vec(wide, 0..max)
            .prop_map(|v| v.into_iter().collect())
            .boxed()
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\r', "\\r")
        .replace('\n', "\\n")
}

fn hex_spelling(bytes: &[u8], breaks: &[bool], upper: bool) -> String {
    let mut out = String::new();
    for (i, b) in bytes.iter().enumerate() {
        out.push_str(&if upper {
            format!("{b:02X}")
        } else {
            format!("{b:02x}")
        });
        if i + 1 < bytes.len() {
            out.push(',');
            if breaks.get(i).copied().unwrap_or(false) {
                out.push_str("\\\r\n  ");
            }
        }
    }
    out
}

/// A value's spelling and meaning (registry bytes) in a file of `enc`.
fn value(enc: Enc) -> BoxedStrategy<(String, Value)> {
    let string = text(enc, 20).prop_map(|s| (format!("\"{}\"", escape(&s)), Value::string(&s)));
    let dword = (any::<u32>(), any::<bool>(), ws()).prop_map(|(n, upper, sp)| {
        let digits = if upper {
            format!("{n:X}")
        } else {
            format!("{n:08x}")
        };
        (format!("dword:{sp}{digits}"), Value::dword(n))
    });
    let hex = (
        proptest::collection::vec(any::<u8>(), 0..120),
        proptest::collection::vec(any::<bool>(), 120),
        any::<bool>(),
        prop_oneof![
            Just(None),
            Just(Some(0u32)),
            Just(Some(2)),
            Just(Some(7)),
            Just(Some(0xb)),
            Just(Some(0x12345))
        ],
    )
        .prop_map(move |(bytes, breaks, upper, ty)| {
            let body = hex_spelling(&bytes, &breaks, upper);
            match ty {
                None => (format!("hex:{body}"), Value::binary(bytes)),
                Some(n) => {
                    let data = if enc == Enc::Ansi && (n == 2 || n == 7) {
                        // REGEDIT4 stores these converted from the ANSI code page.
                        let text: String = bytes.iter().map(|&b| ansi_char(b)).collect();
                        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
                    } else {
                        bytes
                    };
                    (format!("hex({n:x}):{body}"), Value::new(RegType(n), data))
                }
            }
        });
    prop_oneof![3 => string, 2 => dword, 3 => hex].boxed()
}

fn ansi_char(b: u8) -> char {
    // Enough of Windows-1252 for the test: the generator's bytes outside
    // 0x80..=0x9f are Latin-1, and those inside go through a full file parse.
    let high = "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8d}Ž\u{8f}\u{90}‘’“”•–—˜™š›œ\u{9d}žŸ";
    match b {
        0x80..=0x9f => high.chars().nth(usize::from(b - 0x80)).unwrap(),
        _ => char::from(b),
    }
}

#[derive(Debug, Clone)]
enum Item {
    Blank(&'static str),
    Comment(String),
    Key(usize, bool),
    Set(String, (String, Value)),
    Delete(String),
}

fn item(enc: Enc) -> BoxedStrategy<Item> {
    prop_oneof![
        2 => ws().prop_map(Item::Blank),
        1 => text(enc, 15).prop_map(|t| Item::Comment(format!("; {}", t.replace(['\r', '\n'], " ")))),
        2 => (0usize..6, proptest::bool::weighted(0.1)).prop_map(|(k, del)| Item::Key(k, del)),
        6 => (text(enc, 8), value(enc)).prop_map(|(n, v)| Item::Set(n, v)),
        1 => text(enc, 8).prop_map(Item::Delete),
    ]
    .boxed()
}

fn doc() -> impl Strategy<Value = Doc> {
    prop_oneof![
        Just(Enc::Ansi),
        Just(Enc::Utf8),
        Just(Enc::Utf8Bom),
        Just(Enc::Utf16)
    ]
    .prop_flat_map(|enc| {
        (
            proptest::collection::vec((item(enc), eol(), ws()), 0..40),
            eol(),
            any::<bool>(),
        )
            .prop_map(move |(items, header_eol, final_eol)| {
                build(enc, items, header_eol, final_eol)
            })
    })
}

fn build(
    enc: Enc,
    items: Vec<(Item, &'static str, &'static str)>,
    header_eol: &str,
    final_eol: bool,
) -> Doc {
    let mut bytes = enc.bom().to_vec();
    bytes.extend(enc.encode(enc.format().header()));
    bytes.extend(enc.encode(header_eol));
    let mut out = Doc {
        enc,
        bytes,
        items: Vec::new(),
    };
    let mut in_key = false;
    let count = items.len();
    for (i, (item, eol, indent)) in items.into_iter().enumerate() {
        let eol = if i + 1 == count && !final_eol {
            ""
        } else {
            eol
        };
        let (line, meaning) = match item {
            Item::Blank(ws) => (ws.to_string(), Meaning::Trivia),
            Item::Comment(c) => (format!("{indent}{c}"), Meaning::Trivia),
            Item::Key(k, deletion) => {
                let path = format!("HKEY_CURRENT_USER\\Software\\Olkit\\K{k}");
                in_key = !deletion;
                let line = format!("{indent}[{}{path}]", if deletion { "-" } else { "" });
                (
                    line,
                    if deletion {
                        Meaning::Trivia
                    } else {
                        Meaning::Key(path)
                    },
                )
            }
            // Values are only generated where a key is open, so strict reading accepts the file.
            Item::Set(..) | Item::Delete(..) if !in_key => continue,
            Item::Set(name, (spelling, value)) => {
                let lhs = if name.is_empty() {
                    "@".to_string()
                } else {
                    format!("\"{}\"", escape(&name))
                };
                (
                    format!("{indent}{lhs}={spelling}"),
                    Meaning::Set(name, value),
                )
            }
            Item::Delete(name) => {
                let lhs = if name.is_empty() {
                    "@".to_string()
                } else {
                    format!("\"{}\"", escape(&name))
                };
                (format!("{indent}{lhs}=-"), Meaning::Delete(name))
            }
        };
        // Wrapped hex uses CRLF inside; keep the file's own line break for the end.
        let start = out.bytes.len();
        out.bytes.extend(enc.encode(&line));
        out.bytes.extend(enc.encode(eol));
        out.items.push((meaning, start..out.bytes.len()));
    }
    out
}

/// (key, name, type, data or None for a deletion) in file order.
type Flat = Vec<(String, String, Option<(RegType, Vec<u8>)>)>;

fn flatten(file: &RegFile) -> Flat {
    let mut out = Vec::new();
    for key in file.keys().filter(|k| !k.is_deletion()) {
        for entry in key.entries() {
            let data = match entry {
                Entry::Set { value, .. } => Some((value.ty(), value.data().to_vec())),
                Entry::Delete { .. } => None,
            };
            out.push((key.path().to_string(), entry.name().to_string(), data));
        }
    }
    out
}

fn expected(doc: &Doc) -> Flat {
    let mut out = Vec::new();
    let mut key = String::new();
    for (meaning, _) in &doc.items {
        match meaning {
            Meaning::Key(k) => key = k.clone(),
            Meaning::Set(name, v) => {
                out.push((key.clone(), name.clone(), Some((v.ty(), v.data().to_vec()))))
            }
            Meaning::Delete(name) => out.push((key.clone(), name.clone(), None)),
            Meaning::Trivia => {}
        }
    }
    out
}

/// Asserts `new` is `old` with only `old[region]` replaced.
fn only_changed(old: &[u8], new: &[u8], region: Range<usize>) {
    let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(
        new[..region.start.min(new.len())] == old[..region.start],
        "bytes before the edit changed:\n{}\n---\n{}",
        show(old),
        show(new)
    );
    let tail = old.len() - region.end;
    assert!(new.len() >= region.start + tail);
    assert!(
        new[new.len() - tail..] == old[region.end..],
        "bytes after the edit changed:\n{}\n---\n{}",
        show(old),
        show(new)
    );
}

fn new_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[a-zA-Z0-9 \\\\\"é€]{0,30}".prop_map(|s| Value::string(&s)),
        any::<u32>().prop_map(Value::dword),
        any::<u64>().prop_map(Value::qword),
        proptest::collection::vec(any::<u8>(), 0..200).prop_map(Value::binary),
        "[a-z%\\\\]{0,20}".prop_map(|s| Value::expand_string(&s)),
        proptest::collection::vec("[a-zé]{1,8}", 0..4).prop_map(|v| Value::multi_string(&v)),
        (any::<u32>(), proptest::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(t, d)| Value::new(RegType(t), d)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, max_global_rejects: 1_000_000, ..ProptestConfig::default() })]

    #[test]
    fn parse_then_write_is_byte_identical(doc in doc()) {
        let file = RegFile::parse(&doc.bytes).unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&doc.bytes)));
        prop_assert_eq!(file.to_bytes(), doc.bytes.clone());
        let mut written = Vec::new();
        file.write_to(&mut written).unwrap();
        prop_assert_eq!(written, doc.bytes.clone());
        prop_assert!(file.warnings().is_empty());
    }

    #[test]
    fn the_model_holds_the_registry_bytes(doc in doc()) {
        let file = RegFile::parse(&doc.bytes).unwrap();
        prop_assert_eq!(flatten(&file), expected(&doc));
    }

    #[test]
    fn canonical_form_keeps_meaning_and_is_stable(doc in doc()) {
        let file = RegFile::parse(&doc.bytes).unwrap();
        let canonical = file.to_canonical_bytes().unwrap();
        let again = RegFile::parse(&canonical).unwrap();
        prop_assert_eq!(flatten(&again), flatten(&file));
        prop_assert_eq!(again.to_canonical_bytes().unwrap(), canonical.clone());
        prop_assert_eq!(again.encoding(), file.format().regedit_encoding());
    }

    #[test]
    fn setting_an_existing_value_rewrites_only_its_line(doc in doc(), pick in any::<prop::sample::Index>(), value in new_value()) {
        let mut key = String::new();
        let mut sets = Vec::new();
        for (meaning, range) in &doc.items {
            match meaning {
                Meaning::Key(k) => key = k.clone(),
                Meaning::Set(name, _) | Meaning::Delete(name) => sets.push((key.clone(), name.clone(), range.clone())),
                Meaning::Trivia => {}
            }
        }
        prop_assume!(!sets.is_empty());
        let (key, name, _) = pick.get(&sets).clone();
        // The line set_value rewrites: the last one naming the value in the key's last section.
        let mut file = RegFile::parse(&doc.bytes).unwrap();
        // The line rewritten is the value's last mention after the key's last
        // `[-KEY]`; when the key's last line is a `[-KEY]`, a new section is added.
        let last_section = file.keys().rev().find(|k| k.path() == key).unwrap();
        let voided_up_to = file.keys().rev().find(|k| k.path() == key && k.is_deletion()).map_or(0, |k| k.line());
        let folded = |s: &str| s.to_uppercase();
        let target = sets.iter().rev().find(|(k, n, r)| *k == key && folded(n) == folded(&name)
            && line_of(&doc.bytes, doc.enc, r.start) > voided_up_to)
            .filter(|_| !last_section.is_deletion());
        let result = file.set_value(&key, &name, value.clone());
        if doc.enc == Enc::Ansi {
            if let Err(olkit_regfile::Error::Unencodable { .. }) = result {
                prop_assert_eq!(file.to_bytes(), doc.bytes.clone(), "a refused edit changes nothing");
                return Ok(());
            }
        }
        result.unwrap();
        let new = file.to_bytes();
        match target {
            Some((_, _, range)) => only_changed(&doc.bytes, &new, range.clone()),
            None => {
                // Inserted: the old bytes are a prefix and a suffix of the new.
                let p = new.iter().zip(&doc.bytes).take_while(|(a, b)| a == b).count();
                let q = new.iter().rev().zip(doc.bytes.iter().rev()).take_while(|(a, b)| a == b).count();
                prop_assert!(p + q >= doc.bytes.len(), "an insertion changed existing bytes");
            }
        }
        let reparsed = RegFile::parse(&new).unwrap();
        prop_assert_eq!(reparsed.get(&key, &name), Some(&value));
        prop_assert_eq!(file.get(&key, &name), Some(&value));
    }

    #[test]
    fn adding_values_and_keys_only_appends_lines(doc in doc(), k in 0usize..8, name in "[A-Za-z\"\\\\ ]{0,12}", value in new_value()) {
        let mut file = RegFile::parse(&doc.bytes).unwrap();
        let key = format!("HKEY_CURRENT_USER\\Software\\Olkit\\K{k}");
        prop_assume!(file.get(&key, &name).is_none());
        // Nothing in any section of the key names the value yet (not even a `"x"=-`).
        prop_assume!(file.keys().filter(|k| k.path() == key).all(|k| k.entries().all(|e| e.name().to_uppercase() != name.to_uppercase())));
        match file.set_value(&key, &name, value.clone()) {
            Err(olkit_regfile::Error::Unencodable { .. }) if doc.enc == Enc::Ansi => return Ok(()),
            other => other.unwrap(),
        }
        let new = file.to_bytes();
        let p = new.iter().zip(&doc.bytes).take_while(|(a, b)| a == b).count();
        let q = new.iter().rev().zip(doc.bytes.iter().rev()).take_while(|(a, b)| a == b).count();
        // A file without a final line break gets one before the new line.
        let eol_added = usize::from(!doc.bytes.is_empty() && !matches!(doc.bytes.last(), Some(b'\n' | b'\r' | 0)));
        prop_assert!(p + q + eol_added >= doc.bytes.len(), "existing bytes changed");
        let reparsed = RegFile::parse(&new).unwrap();
        prop_assert_eq!(reparsed.get(&key, &name), Some(&value));
        prop_assert_eq!(flatten(&reparsed).len(), flatten(&file).len());
    }

    #[test]
    fn deleting_removes_exactly_the_items(doc in doc(), k in 0usize..6) {
        let key = format!("HKEY_CURRENT_USER\\Software\\Olkit\\K{k}");
        let mut file = RegFile::parse(&doc.bytes).unwrap();
        prop_assume!(file.key(&key).is_some());
        file.delete_key(&key).unwrap();
        prop_assert!(file.key(&key).is_none());
        let reparsed = RegFile::parse(&file.to_bytes()).unwrap();
        let left: Flat = flatten(&RegFile::parse(&doc.bytes).unwrap()).into_iter().filter(|e| e.0 != key).collect();
        prop_assert_eq!(flatten(&reparsed), left);
    }

    #[test]
    fn lenient_reading_never_panics_and_stays_lossless(lines in proptest::collection::vec(("[ -~\u{e9}\u{65e5}]{0,40}", eol()), 0..30), enc in 0..3u8) {
        let mut text = String::from(if enc == 0 { "REGEDIT4" } else { "Windows Registry Editor Version 5.00" });
        text.push_str("\r\n");
        for (line, eol) in lines {
            text.push_str(&line);
            text.push_str(eol);
        }
        let bytes = match enc {
            0 => text.chars().map(|c| if u32::from(c) < 256 { c as u8 } else { b'?' }).collect(),
            1 => text.into_bytes(),
            _ => Enc::Utf16.bom().iter().copied().chain(Enc::Utf16.encode(&text)).collect(),
        };
        let lenient = RegFile::parse_with(&bytes, &ParseOptions::new().lenient(true)).unwrap();
        prop_assert_eq!(lenient.to_bytes(), bytes.clone());
        if let Ok(strict) = RegFile::parse(&bytes) {
            prop_assert!(lenient.warnings().is_empty());
            prop_assert_eq!(flatten(&strict), flatten(&lenient));
        } else {
            prop_assert!(!lenient.warnings().is_empty());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), header in 0..3u8) {
        let mut input: Vec<u8> = match header {
            0 => b"REGEDIT4\r\n".to_vec(),
            1 => [0xff, 0xfe].to_vec(),
            _ => Vec::new(),
        };
        input.extend(bytes);
        let _ = RegFile::parse(&input);
        if let Ok(file) = RegFile::parse_with(&input, &ParseOptions::new().lenient(true)) {
            prop_assert_eq!(file.to_bytes(), input);
            let _ = file.to_canonical_bytes();
        }
    }
}

/// 1-based line of a byte offset in a generated document.
fn line_of(bytes: &[u8], enc: Enc, offset: usize) -> usize {
    let text: String = match enc {
        Enc::Utf16 => String::from_utf16_lossy(
            &bytes[2..offset]
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect::<Vec<_>>(),
        ),
        _ => String::from_utf8_lossy(&bytes[..offset]).into_owned(),
    };
    1 + text.matches("\r\n").count() + text.replace("\r\n", "").matches(['\r', '\n']).count()
}
