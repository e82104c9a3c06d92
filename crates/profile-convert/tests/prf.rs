#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! `.prf` files: byte-identical round trips, edits that change only their
//! lines, the service/account view, and bounded handling of any input.

use olkit_profile_convert::{
    AccountClass, Error, LineEnding, Location, PrfEncoding, PrfFile, PrfLimits,
};
use proptest::prelude::*;

const FIXTURES: [&str; 5] = [
    "exchange.prf",
    "pop3-pst.prf",
    "imap.prf",
    "koc.prf",
    "hand-edited.prf",
];

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/prf/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The lines of a file, each with its terminator; UTF-16 files are split
/// on `0A 00` units.
fn raw_lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    let width = if bytes.starts_with(&[0xFF, 0xFE]) {
        2
    } else {
        1
    };
    let mut lines = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    while pos + width <= bytes.len() {
        let lf = if width == 2 {
            bytes[pos..pos + 2] == [b'\n', 0]
        } else {
            bytes[pos] == b'\n'
        };
        pos += width;
        if lf {
            lines.push(bytes[start..pos].to_vec());
            start = pos;
        }
    }
    if start < bytes.len() {
        lines.push(bytes[start..].to_vec());
    }
    lines
}

/// The lines only in `before` and only in `after`, by a longest common
/// subsequence: every other line is byte-identical and in the same order.
fn line_diff(before: &[u8], after: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let a = raw_lines(before);
    let b = raw_lines(after);
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            added.push(b[j].clone());
            j += 1;
        } else {
            removed.push(a[i].clone());
            i += 1;
        }
    }
    (removed, added)
}

/// Text in the fixture's encoding, for comparing expected lines.
fn encoded(prf: &PrfFile, text: &str) -> Vec<u8> {
    match prf.encoding() {
        PrfEncoding::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        PrfEncoding::Utf8 { .. } => text.as_bytes().to_vec(),
        PrfEncoding::Windows1252 => encoding_rs::WINDOWS_1252.encode(text).0.into_owned(),
    }
}

/// A line of the file as text.
fn decoded(prf: &PrfFile, line: &[u8]) -> String {
    match prf.encoding() {
        PrfEncoding::Utf16Le => String::from_utf16_lossy(
            &line
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect::<Vec<_>>(),
        ),
        PrfEncoding::Utf8 { .. } => String::from_utf8_lossy(line).into_owned(),
        PrfEncoding::Windows1252 => encoding_rs::WINDOWS_1252.decode(line).0.into_owned(),
    }
}

#[test]
fn every_fixture_round_trips_byte_for_byte() {
    for name in FIXTURES {
        let bytes = fixture(name);
        let prf = PrfFile::parse(&bytes).unwrap();
        assert_eq!(prf.to_bytes(), bytes, "{name}");
        assert!(prf.line_count() > 10, "{name}");
    }
}

#[test]
fn encodings_and_line_endings_are_detected() {
    let expect = [
        ("exchange.prf", PrfEncoding::Windows1252),
        ("pop3-pst.prf", PrfEncoding::Utf16Le),
        ("imap.prf", PrfEncoding::Utf8 { bom: false }),
        ("koc.prf", PrfEncoding::Windows1252),
        ("hand-edited.prf", PrfEncoding::Utf8 { bom: true }),
    ];
    for (name, encoding) in expect {
        let prf = PrfFile::parse(&fixture(name)).unwrap();
        assert_eq!(prf.encoding(), encoding, "{name}");
        assert_eq!(prf.line_ending(), LineEnding::CrLf, "{name}");
    }
}

#[test]
fn text_is_decoded_in_each_encoding() {
    let exchange = PrfFile::parse(&fixture("exchange.prf")).unwrap();
    assert_eq!(exchange.profile_name(), Some("Büro Müller"));
    assert_eq!(
        exchange.get("ServiceEGS", "mailboxname"),
        Some("Jürgen Müller")
    );
    let pop = PrfFile::parse(&fixture("pop3-pst.prf")).unwrap();
    assert_eq!(pop.get("Service1", "Name"), Some("Ελένη's mail"));
    let imap = PrfFile::parse(&fixture("imap.prf")).unwrap();
    assert_eq!(imap.profile_name(), Some("Почта"));
}

#[test]
fn exchange_view() {
    let prf = PrfFile::parse(&fixture("exchange.prf")).unwrap();
    assert_eq!(prf.default_profile(), Some(true));
    let services = prf.services();
    let names: Vec<_> = services.iter().map(|s| s.name.as_deref()).collect();
    // ServiceX and ServiceEGS name fixed profile sections, not services.
    assert_eq!(names, [Some("MSEMS"), Some("CONTAB")]);
    assert_eq!(
        services[0].location,
        Location::Prf {
            section: "Service1".into()
        }
    );
    assert!(prf.accounts().is_empty());
}

#[test]
fn pop3_and_pst_view() {
    let prf = PrfFile::parse(&fixture("pop3-pst.prf")).unwrap();
    assert_eq!(prf.profile_name(), Some("Home"));
    assert_eq!(prf.default_profile(), Some(false));
    let services = prf.services();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0].name.as_deref(), Some("MSUPST MS"));
    assert_eq!(services[0].display_name.as_deref(), Some("Ελένη's mail"));
    let accounts = prf.accounts();
    assert_eq!(accounts.len(), 1);
    let account = &accounts[0];
    assert_eq!(account.id, "Account1");
    assert_eq!(account.class, AccountClass::Pop3);
    assert_eq!(account.name.as_deref(), Some("Ελένη Παπαδοπούλου"));
    assert_eq!(account.email.as_deref(), Some("eleni@isp.example"));
    assert_eq!(account.server.as_deref(), Some("pop.isp.example"));
    assert_eq!(account.user.as_deref(), Some("eleni"));
}

#[test]
fn imap_view() {
    let prf = PrfFile::parse(&fixture("imap.prf")).unwrap();
    assert!(prf.services().is_empty());
    let accounts = prf.accounts();
    let summary: Vec<_> = accounts
        .iter()
        .map(|a| {
            (
                a.id.as_str(),
                a.class.clone(),
                a.server.as_deref(),
                a.user.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "Account1",
                AccountClass::Imap,
                Some("imap.branch.example"),
                Some("ivan")
            ),
            (
                "Account2",
                AccountClass::Imap,
                Some("imap.branch.example"),
                Some("helpdesk")
            ),
        ]
    );
    assert_eq!(accounts[0].name.as_deref(), Some("Иван Петров"));
}

#[test]
fn koc_view() {
    let prf = PrfFile::parse(&fixture("koc.prf")).unwrap();
    let services = prf.services();
    let summary: Vec<_> = services
        .iter()
        .map(|s| (s.name.as_deref(), s.display_name.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                Some("KERIO_KOC"),
                Some("Kerio Outlook Connector - René Dubois")
            ),
            (Some("MSUPST MS"), Some("Archive 2009")),
        ]
    );
    let accounts = prf.accounts();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].class, AccountClass::Imap);
    assert_eq!(accounts[0].server.as_deref(), Some("imap.private.example"));
}

#[test]
fn hand_edited_file_reads_as_windows_does() {
    let prf = PrfFile::parse(&fixture("hand-edited.prf")).unwrap();
    // Quotes dropped, blanks trimmed, the first duplicate wins.
    assert_eq!(prf.profile_name(), Some("Sales (Zürich)"));
    assert_eq!(prf.default_profile(), Some(true));
    assert_eq!(prf.get("GENERAL", "overwriteprofile"), Some("No"));
    // "[Service List" has no "]": not a section; the first "[service list]"
    // shadows the later "[Service List]".
    assert_eq!(
        prf.sections()
            .iter()
            .filter(|s| s.eq_ignore_ascii_case("service list"))
            .count(),
        2
    );
    let services = prf.services();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0].name.as_deref(), Some("MSUPST MS"));
    assert_eq!(services[0].display_name.as_deref(), Some("Zürich archive"));
    let accounts = prf.accounts();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].class, AccountClass::Pop3);
    assert_eq!(accounts[0].server.as_deref(), Some("pop.sales.example"));
    assert_eq!(accounts[0].name.as_deref(), Some("Sales"));
}

#[test]
fn set_existing_key_changes_only_its_line() {
    for name in FIXTURES {
        let before = fixture(name);
        let mut prf = PrfFile::parse(&before).unwrap();
        let old = prf.entry("General", "ProfileName").unwrap();
        let old_line = raw_lines(&before)[old.line - 1].clone();
        prf.set("general", "PROFILENAME", "Kerio (converted)")
            .unwrap();
        assert_eq!(prf.profile_name(), Some("Kerio (converted)"), "{name}");
        let (removed, added) = line_diff(&before, &prf.to_bytes());
        assert_eq!(removed, std::slice::from_ref(&old_line), "{name}");
        assert_eq!(added.len(), 1, "{name}");
        // The key's spelling and spacing stay; only the value differs.
        let old_text = String::from_utf8_lossy(&old_line).into_owned();
        let new_text = String::from_utf8_lossy(&added[0]).into_owned();
        let prefix_len = old_text.find('=').unwrap();
        assert_eq!(old_text[..prefix_len], new_text[..prefix_len], "{name}");
    }
}

#[test]
fn set_missing_key_appends_one_line_at_the_end_of_its_section() {
    for name in FIXTURES {
        let before = fixture(name);
        let mut prf = PrfFile::parse(&before).unwrap();
        // After the section's last entry, or after the unreadable lines
        // that follow it ("this line has no equals sign", "[Service List").
        let last_entry_line = prf.entries("General").last().unwrap().line
            + if name == "hand-edited.prf" { 2 } else { 0 };
        prf.set("General", "BackupProfileName", "Before KOFF")
            .unwrap();
        let after = prf.to_bytes();
        let (removed, added) = line_diff(&before, &after);
        assert!(removed.is_empty(), "{name}: {removed:?}");
        assert_eq!(
            added,
            [encoded(&prf, "BackupProfileName=Before KOFF\r\n")],
            "{name}"
        );
        assert_eq!(
            prf.entry("General", "BackupProfileName").unwrap().line,
            last_entry_line + 1,
            "{name}"
        );
    }
}

#[test]
fn remove_takes_every_duplicate_and_nothing_else() {
    let before = fixture("hand-edited.prf");
    let mut prf = PrfFile::parse(&before).unwrap();
    assert_eq!(prf.remove("General", "ProfileName"), 2);
    assert_eq!(prf.profile_name(), None);
    let (removed, added) = line_diff(&before, &prf.to_bytes());
    assert_eq!(
        removed,
        [
            "ProfileName = \"Sales (Zürich)\"  \r\n".as_bytes().to_vec(),
            b"profilename=ignored duplicate\r\n".to_vec()
        ]
    );
    assert!(added.is_empty());
    assert_eq!(prf.remove("General", "ProfileName"), 0);
}

#[test]
fn add_section_appends_before_trailing_blank_lines() {
    let header = "[Kerio Outlook Connector Offline Edition]";
    let entry = "ServiceName=KERIO_KOFF";
    for name in FIXTURES {
        let before = fixture(name);
        let mut prf = PrfFile::parse(&before).unwrap();
        assert!(prf
            .add_section("Kerio Outlook Connector Offline Edition")
            .unwrap());
        assert!(!prf
            .add_section("kerio outlook connector offline edition")
            .unwrap());
        prf.set(
            "Kerio Outlook Connector Offline Edition",
            "ServiceName",
            "KERIO_KOFF",
        )
        .unwrap();
        let lines = raw_lines(&before);
        let blank = |l: &Vec<u8>| decoded(&prf, l).trim().is_empty();
        let last = lines.iter().rposition(|l| !blank(l)).unwrap();
        let mut expected: Vec<Vec<u8>> = lines[..=last].to_vec();
        if name == "hand-edited.prf" {
            // No final line break: the old last line gets one, the new
            // last line goes without.
            assert_eq!(last + 1, lines.len());
            expected[last].extend(encoded(&prf, "\r\n"));
            expected.extend([
                encoded(&prf, "\r\n"),
                encoded(&prf, &format!("{header}\r\n")),
                encoded(&prf, entry),
            ]);
        } else {
            expected.extend([
                encoded(&prf, "\r\n"),
                encoded(&prf, &format!("{header}\r\n")),
                encoded(&prf, &format!("{entry}\r\n")),
            ]);
        }
        expected.extend(lines[last + 1..].iter().cloned());
        // (The first line carries the byte order mark.)
        assert_eq!(prf.to_bytes(), expected.concat(), "{name}");
        assert_eq!(
            prf.sections().last(),
            Some(&"Kerio Outlook Connector Offline Edition"),
            "{name}"
        );
        let services_before = PrfFile::parse(&before).unwrap().services();
        assert_eq!(prf.services(), services_before, "{name}");
    }
}

#[test]
fn remove_section_takes_its_lines_and_keeps_the_next_banner() {
    let before = fixture("koc.prf");
    let mut prf = PrfFile::parse(&before).unwrap();
    assert_eq!(prf.remove_section("Account1"), 1);
    let (removed, added) = line_diff(&before, &prf.to_bytes());
    assert!(added.is_empty());
    let removed_text: Vec<String> = removed.iter().map(|l| decoded(&prf, l)).collect();
    assert_eq!(
        removed_text.first().map(String::as_str),
        Some("[Account1]\r\n")
    );
    assert_eq!(removed_text.last().map(String::as_str), Some("\r\n"));
    assert_eq!(removed_text.len(), 11);
    assert!(!removed_text.iter().any(|l| l.starts_with(';')));
    assert!(prf.entries("Account1").is_empty());
    assert!(prf.accounts()[0].server.is_none());
}

#[test]
fn edits_keep_utf16() {
    let before = fixture("pop3-pst.prf");
    let mut prf = PrfFile::parse(&before).unwrap();
    prf.set("Account1", "POP3Server", "pop.νέος.example")
        .unwrap();
    let after = prf.to_bytes();
    assert!(after.starts_with(&[0xFF, 0xFE]));
    let (removed, added) = line_diff(&before, &after);
    assert_eq!(removed, [encoded(&prf, "POP3Server=pop.isp.example\r\n")]);
    assert_eq!(added, [encoded(&prf, "POP3Server=pop.νέος.example\r\n")]);
    let again = PrfFile::parse(&after).unwrap();
    assert_eq!(
        again.accounts()[0].server.as_deref(),
        Some("pop.νέος.example")
    );
}

#[test]
fn windows_1252_refuses_what_it_cannot_hold() {
    let before = fixture("exchange.prf");
    let mut prf = PrfFile::parse(&before).unwrap();
    let err = prf.set("General", "ProfileName", "Почта").unwrap_err();
    assert!(matches!(err, Error::PrfEdit { .. }), "{err}");
    assert!(prf.set("General", "ProfileName", "a\r\nb").is_err());
    assert!(prf.set("General", "New=Key", "x").is_err());
    assert!(prf.add_section("bad]name").is_err());
    assert_eq!(prf.to_bytes(), before, "a refused edit changes nothing");
}

#[test]
fn limits_are_enforced() {
    let bytes = fixture("exchange.prf");
    let small = PrfLimits {
        max_bytes: 100,
        ..PrfLimits::default()
    };
    assert!(matches!(
        PrfFile::parse_with(&bytes, &small),
        Err(Error::TooLarge { limit: 100, .. })
    ));
    let few = PrfLimits {
        max_lines: 10,
        ..PrfLimits::default()
    };
    assert!(matches!(
        PrfFile::parse_with(&bytes, &few),
        Err(Error::TooLarge { limit: 10, .. })
    ));
    assert!(PrfFile::parse_with(&bytes, &PrfLimits::default()).is_ok());
}

#[test]
fn passwords_are_never_shown() {
    let mut prf = PrfFile::parse(&fixture("koc.prf")).unwrap();
    prf.set("Service1", "Password", "s3cret-KOC").unwrap();
    let entries = prf.entries("Service1");
    let shown = format!("{prf:?} {entries:?}");
    assert!(!shown.contains("s3cret-KOC"), "{shown}");
    assert!(entries
        .iter()
        .any(|e| e.is_secret() && e.value == "s3cret-KOC"));
}

// -- property tests

/// One line of INI-like text, garbage included (never a line break).
fn line_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ \t]{0,2}\\[[A-Za-z0-9 _äЖ]{0,12}\\][ \t]{0,2}[a-z]{0,3}",
        "[ \t]{0,2}[A-Za-z0-9_ äЖ]{0,10}[ \t]{0,2}=[ \t]{0,2}[\"']?[A-Za-z0-9 ,=\\\\%äЖ]{0,16}[\"']?[ \t]{0,2}",
        "[ \t]{0,2};[^\r\n]{0,20}",
        "[ \t]{0,3}",
        "[^\r\n]{0,24}",
        "\\[[A-Za-z]{0,6}",
    ]
}

fn ending() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("\r\n"), Just("\n"), Just("\r\n"), Just("")]
}

/// Encodes text as one of the four encodings, with the file's BOM.
fn encode_as(text: &str, which: u8) -> Vec<u8> {
    match which % 4 {
        0 => {
            let mut out = vec![0xFF, 0xFE];
            out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            out
        }
        1 => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        2 => text.as_bytes().to_vec(),
        _ => encoding_rs::WINDOWS_1252.encode(text).0.into_owned(),
    }
}

fn ini_text() -> impl Strategy<Value = String> {
    prop::collection::vec((line_text(), ending()), 0..40).prop_map(|lines| {
        let count = lines.len();
        lines
            .into_iter()
            .enumerate()
            .map(|(i, (text, end))| {
                // Only the last line may go without a terminator.
                let end = if end.is_empty() && i + 1 < count {
                    "\n"
                } else {
                    end
                };
                format!("{text}{end}")
            })
            .collect()
    })
}

/// A file of known sections and keys, always ending with a line break.
fn structured() -> impl Strategy<Value = (String, u8)> {
    let section = (
        "[A-C]",
        prop::collection::vec(("[a-d]", "[a-z0-9 ]{0,8}", "[ ]{0,1}", any::<bool>()), 0..5),
        0..2usize,
    );
    (prop::collection::vec(section, 0..6), any::<u8>()).prop_map(|(sections, which)| {
        let mut text = String::from("; generated\r\n");
        for (name, entries, blanks) in sections {
            text.push_str(&format!("[{name}]\r\n"));
            for (key, value, space, comment) in entries {
                if comment {
                    text.push_str("; note\r\n");
                }
                text.push_str(&format!("{key}{space}={space}{value}\r\n"));
            }
            text.push_str(&"\r\n".repeat(blanks));
        }
        (text, which)
    })
}

#[derive(Debug, Clone)]
enum Edit {
    Set(String, String, String),
    Remove(String, String),
    AddSection(String),
    RemoveSection(String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        ("[A-D]", "[a-e]", "[a-zä0-9 ]{0,8}").prop_map(|(s, k, v)| Edit::Set(s, k, v)),
        ("[A-D]", "[a-e]").prop_map(|(s, k)| Edit::Remove(s, k)),
        "[A-E]".prop_map(Edit::AddSection),
        "[A-D]".prop_map(Edit::RemoveSection),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn ini_like_text_round_trips(text in ini_text(), which in any::<u8>()) {
        let bytes = encode_as(&text, which);
        let prf = PrfFile::parse(&bytes).unwrap();
        prop_assert_eq!(prf.to_bytes(), bytes);
    }

    #[test]
    fn any_bytes_round_trip_or_are_refused(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        prefix in prop_oneof![Just(&b""[..]), Just(&b"\xFF\xFE"[..]), Just(&b"\xEF\xBB\xBF"[..])],
    ) {
        let bytes = [prefix, &bytes[..]].concat();
        let limits = PrfLimits { max_bytes: 500, max_lines: 40 };
        match PrfFile::parse_with(&bytes, &limits) {
            Ok(prf) => {
                prop_assert_eq!(prf.to_bytes(), bytes);
                prop_assert!(prf.line_count() <= 40);
                // The view never panics on garbage.
                let _ = (prf.services(), prf.accounts(), prf.profile_name(), prf.sections());
            }
            Err(Error::TooLarge { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }

    #[test]
    fn edits_keep_untouched_lines((text, which) in structured(), edits in prop::collection::vec(edit(), 1..8)) {
        let mut prf = PrfFile::parse(&encode_as(&text, which)).unwrap();
        for edit in edits {
            let before = prf.to_bytes();
            let entry_lines = |prf: &PrfFile, s: &str, k: &str| -> usize {
                prf.entries(s).iter().filter(|e| e.key.eq_ignore_ascii_case(k)).count()
            };
            match &edit {
                Edit::Set(s, k, v) => {
                    let existed = prf.get(s, k).is_some();
                    let had_section = prf.section_line(s).is_some();
                    prf.set(s, k, v).unwrap();
                    prop_assert_eq!(prf.get(s, k), Some(v.as_str()));
                    let (removed, added) = line_diff(&before, &prf.to_bytes());
                    if existed {
                        prop_assert!(removed.len() <= 1 && removed.len() == added.len());
                    } else {
                        prop_assert!(removed.is_empty());
                        // The line, after a blank line and the header when
                        // the section was missing.
                        let expected = if had_section { 1 } else { 3 };
                        prop_assert_eq!(added.len(), expected, "{:?} added {:?}", edit, added);
                        let new_lines: Vec<String> = added.iter().map(|l| decoded(&prf, l)).collect();
                        prop_assert!(new_lines.iter().any(|l| l.starts_with(&format!("{k}="))), "{:?}", new_lines);
                    }
                }
                Edit::Remove(s, k) => {
                    let count = entry_lines(&prf, s, k);
                    let removed_count = prf.remove(s, k);
                    prop_assert!(removed_count >= count);
                    prop_assert_eq!(prf.get(s, k), None);
                    let (removed, added) = line_diff(&before, &prf.to_bytes());
                    prop_assert!(added.is_empty());
                    prop_assert_eq!(removed.len(), removed_count);
                    for line in &removed {
                        let text = decoded(&prf, line).to_lowercase();
                        prop_assert!(text.trim_start().starts_with(&k.to_lowercase()) && text.contains('='), "{}", text);
                    }
                }
                Edit::AddSection(s) => {
                    let had = prf.section_line(s).is_some();
                    prop_assert_eq!(prf.add_section(s).unwrap(), !had);
                    let (removed, added) = line_diff(&before, &prf.to_bytes());
                    prop_assert!(removed.is_empty());
                    let expected = if had { 0 } else { 2 };
                    prop_assert_eq!(added.len(), expected);
                }
                Edit::RemoveSection(s) => {
                    prf.remove_section(s);
                    prop_assert!(prf.section_line(s).is_none());
                    let (_, added) = line_diff(&before, &prf.to_bytes());
                    prop_assert!(added.is_empty());
                }
            }
            // Whatever was done, the result reads back to the same bytes.
            let bytes = prf.to_bytes();
            prop_assert_eq!(PrfFile::parse(&bytes).unwrap().to_bytes(), bytes);
        }
    }
}

#[test]
fn large_lists_are_read_in_bounded_time() {
    // 50 000 services naming one mapping section of 50 000 keys: a view that
    // rescanned the file per lookup would take minutes.
    let mut text = String::from("[Service List]\r\n");
    for i in 0..50_000 {
        text.push_str(&format!("Service{i}=Big\r\n"));
    }
    text.push_str("[Big]\r\n");
    for i in 0..50_000 {
        text.push_str(&format!("Key{i}=PT_LONG,0x{i:04x}\r\n"));
    }
    text.push_str("ServiceName=BIG\r\n");
    let prf = PrfFile::parse(text.as_bytes()).unwrap();
    let started = std::time::Instant::now();
    let services = prf.services();
    assert_eq!(services.len(), 50_000);
    assert!(services.iter().all(|s| s.name.as_deref() == Some("BIG")));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

/// What a generated file declares: services (mapping section, MAPISVC
/// name, display name) and accounts (POP3 or IMAP, name, server, user).
type Declared = (
    Vec<(String, String, Option<String>)>,
    Vec<(bool, String, String, String)>,
);

fn declared() -> impl Strategy<Value = Declared> {
    (
        prop::collection::vec(
            (
                "[A-Z][a-z]{1,6}( [A-Z][a-z]{1,6})?",
                "[A-Z_]{2,10}",
                prop::option::of("[A-Za-zé][A-Za-zé ]{0,12}[a-z]"),
            ),
            0..6,
        ),
        prop::collection::vec(
            (
                any::<bool>(),
                "[A-Za-z]{1,8}",
                "[a-z]{1,8}\\.example",
                "[a-z]{1,8}",
            ),
            0..5,
        ),
    )
}

proptest! {
    #[test]
    fn the_view_reads_what_the_file_declares((services, accounts) in declared(), which in any::<u8>()) {
        let mut text = String::from("[General]\r\nProfileName=P\r\n\r\n[Service List]\r\nServiceX=Microsoft Outlook Client\r\n");
        for (i, (mapping, _, _)) in services.iter().enumerate() {
            text.push_str(&format!("Service{}={mapping}\r\n", i + 1));
        }
        text.push_str("\r\n[Internet Account List]\r\n");
        for (i, (pop, ..)) in accounts.iter().enumerate() {
            let mapping = if *pop { "I_Mail" } else { "IMAP_I_Mail" };
            text.push_str(&format!("Account{}={mapping}\r\n", i + 1));
        }
        for (i, (_, _, display)) in services.iter().enumerate() {
            text.push_str(&format!("\r\n[Service{}]\r\nUniqueService=No\r\n", i + 1));
            if let Some(display) = display {
                text.push_str(&format!("DisplayName={display}\r\n"));
            }
        }
        for (i, (pop, name, server, user)) in accounts.iter().enumerate() {
            let proto = if *pop { "POP3" } else { "IMAP" };
            text.push_str(&format!(
                "\r\n[Account{}]\r\nAccountName={name}\r\n{proto}Server={server}\r\n{proto}UserName={user}\r\n",
                i + 1
            ));
        }
        // Mapping sections: the first declaration of a name wins, as
        // Windows reads the first of duplicate sections.
        let mut mapped: Vec<(String, String)> = Vec::new();
        for (mapping, service_name, _) in &services {
            if !mapped.iter().any(|(m, _)| m.eq_ignore_ascii_case(mapping)) {
                mapped.push((mapping.clone(), service_name.clone()));
            }
        }
        for (mapping, service_name) in &mapped {
            text.push_str(&format!("\r\n[{mapping}]\r\nServiceName={service_name}\r\nDisplayName=PT_UNICODE,0x3001\r\n"));
        }
        text.push_str("\r\n[Microsoft Outlook Client]\r\nSectionGUID=0a0d020000000000c000000000000046\r\n");
        text.push_str("\r\n[I_Mail]\r\nAccountType=POP3\r\n\r\n[IMAP_I_Mail]\r\nAccountType=IMAP\r\n");

        let prf = PrfFile::parse(&encode_as(&text, which)).unwrap();
        let read = prf.services();
        prop_assert_eq!(read.len(), services.len());
        for (i, (service, (mapping, _, display))) in read.iter().zip(&services).enumerate() {
            let expected_name = mapped
                .iter()
                .find(|(m, _)| m.eq_ignore_ascii_case(mapping))
                .map(|(_, n)| n.as_str());
            prop_assert_eq!(service.name.as_deref(), expected_name);
            prop_assert_eq!(service.display_name.as_deref(), display.as_deref());
            prop_assert_eq!(&service.location, &Location::Prf { section: format!("Service{}", i + 1) });
        }
        let read = prf.accounts();
        prop_assert_eq!(read.len(), accounts.len());
        for (account, (pop, name, server, user)) in read.iter().zip(&accounts) {
            let class = if *pop { AccountClass::Pop3 } else { AccountClass::Imap };
            prop_assert_eq!(&account.class, &class);
            prop_assert_eq!(account.name.as_deref(), Some(name.as_str()));
            prop_assert_eq!(account.server.as_deref(), Some(server.as_str()));
            prop_assert_eq!(account.user.as_deref(), Some(user.as_str()));
        }
        prop_assert_eq!(prf.profile_name(), Some("P"));
    }
}
