//! The KOC cache mapping (spec `koc-cache.md`, "Mapping 1 → 2"), rule by
//! rule, on hand-built format-1 caches migrated by `migrate` and read back
//! with rusqlite; the format-2 rules of `check`; the sample generator.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use olkit_dbmigrate::rusqlite::types::Value;
use olkit_dbmigrate::rusqlite::{params, Connection};
use olkit_dbmigrate::{
    check, detect, koc, migrate, Control, MigrateOptions, Outcome, Phase, State, Verify,
};
use support::koc::{migrate_path, sha256, Format1};
use support::{open_ro, rows};

/// SHA-256 of nothing (FIPS 180-4 test vector).
const SHA256_EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sender text -> (name, address), as the spec's three rules give them.
const SENDERS: &[(&str, Option<&str>, Option<&str>)] = &[
    // Rule 1: text ending with <ADDR>.
    (
        "\"Doe, Jane\" <jane@example.com>",
        Some("Doe, Jane"),
        Some("jane@example.com"),
    ),
    (
        "Jane Doe <jane@example.com>",
        Some("Jane Doe"),
        Some("jane@example.com"),
    ),
    ("<jane@example.com>", None, Some("jane@example.com")),
    ("\"\" <a@b>", None, Some("a@b")),
    ("  <a@b>", None, Some("a@b")),
    (
        "Jane<jane@example.com>",
        Some("Jane"),
        Some("jane@example.com"),
    ),
    (
        "\t \"Jane\" \t<jane@x.org>\r\n",
        Some("Jane"),
        Some("jane@x.org"),
    ),
    (
        "Jane Doe <jane@example.com>   ",
        Some("Jane Doe"),
        Some("jane@example.com"),
    ),
    ("A <x@y> <z@w>", Some("A <x@y>"), Some("z@w")),
    ("<a@b@c>", None, Some("a@b@c")),
    ("<@>", None, Some("@")),
    ("\"\"Jane\"\" <j@x>", Some("\"Jane\""), Some("j@x")),
    ("\" Jane \" <j@x>", Some(" Jane "), Some("j@x")),
    ("\"Jane\" Doe <j@x>", Some("\"Jane\" Doe"), Some("j@x")),
    ("\"Jane <j@x>", Some("\"Jane"), Some("j@x")),
    ("\" <j@x>", Some("\""), Some("j@x")),
    ("N <<a@b>", Some("N <"), Some("a@b")),
    (
        "Jiří Dvořák <jiri@example.cz>",
        Some("Jiří Dvořák"),
        Some("jiri@example.cz"),
    ),
    // Rule 2: a bare LOCAL@DOMAIN.
    ("jane@example.com", None, Some("jane@example.com")),
    ("  jane@example.com \n", None, Some("jane@example.com")),
    (
        "\u{a0}jane@example.com\u{3000}",
        None,
        Some("jane@example.com"),
    ),
    // Rule 3: no address found.
    ("MAILER-DAEMON", Some("MAILER-DAEMON"), None),
    ("Name <not an address>", Some("Name <not an address>"), None),
    ("a@b@c", Some("a@b@c"), None),
    ("Jane <j @x>", Some("Jane <j @x>"), None),
    ("Jane <j@x>.", Some("Jane <j@x>."), None),
    ("Jane <j<k@x>", Some("Jane <j"), Some("k@x")),
    ("Jane <j>k@x>", Some("Jane <j>k@x>"), None),
    ("a@b>", Some("a@b>"), None),
    ("<a@b", Some("<a@b"), None),
    ("<>", Some("<>"), None),
    ("jane doe@example.com", Some("jane doe@example.com"), None),
    ("user@", Some("user@"), None),
    ("@example.com", Some("@example.com"), None),
    ("\"Quoted Only\"", Some("\"Quoted Only\""), None),
    ("  spaced   out  ", Some("spaced   out"), None),
    ("", None, None),
    (" \t\r\n ", None, None),
];

#[test]
fn every_sender_form() {
    let f = Format1::new();
    f.folder(1, None, "Inbox", "mail");
    for (i, (sender, ..)) in SENDERS.iter().enumerate() {
        f.message(i as i64 + 1, 1, Some(sender), 0, None);
    }
    let null_id = SENDERS.len() as i64 + 1;
    f.message(null_id, 1, None, 0, None);
    // Not TEXT: a blob holding text is read as that text, a number as its
    // decimal form.
    f.exec(
        "INSERT INTO messages(id, folder_id, server_uid, sender) VALUES (?1, 1, 'b', CAST(?2 AS BLOB))",
        params![null_id + 1, "Blob Sender <blob@example.com>"],
    );
    f.exec(
        "INSERT INTO messages(id, folder_id, server_uid, sender) VALUES (?1, 1, 'n', 42)",
        [null_id + 2],
    );
    let m = f.migrate();
    for (i, (sender, name, address)) in SENDERS.iter().enumerate() {
        let row = m.message(i as i64 + 1);
        assert_eq!(
            (row.sender_name.as_deref(), row.sender_address.as_deref()),
            (*name, *address),
            "sender {sender:?}"
        );
    }
    let row = m.message(null_id);
    assert_eq!((row.sender_name, row.sender_address), (None, None), "NULL");
    let row = m.message(null_id + 1);
    assert_eq!(
        (row.sender_name.as_deref(), row.sender_address.as_deref()),
        (Some("Blob Sender"), Some("blob@example.com"))
    );
    let row = m.message(null_id + 2);
    assert_eq!(
        (row.sender_name.as_deref(), row.sender_address),
        (Some("42"), None)
    );
    // The library function agrees with what the migration wrote.
    for (sender, name, address) in SENDERS {
        let s = koc::parse_sender(Some(sender));
        assert_eq!(
            (s.name.as_deref(), s.address.as_deref()),
            (*name, *address),
            "{sender:?}"
        );
    }
}

#[test]
fn every_folder_kind_and_the_tree() {
    let kinds = [
        ("mail", 1),
        ("calendar", 2),
        ("contacts", 3),
        ("tasks", 4),
        ("notes", 5),
        ("journal", 0),
        ("Mail", 0),
        (" mail", 0),
        ("mail ", 0),
        ("", 0),
        ("rss", 0),
    ];
    let f = Format1::new();
    // Ids with gaps, children before and after their parents.
    f.folder(10, None, "Root", "mail");
    for (i, (kind, _)) in kinds.iter().enumerate() {
        let id = 100 + 7 * i as i64;
        f.folder(
            id,
            Some(if i % 2 == 0 { 10 } else { 100 }),
            &format!("f{i}"),
            kind,
        );
    }
    f.folder(3, Some(100), "Early child", "mail");
    f.exec(
        "INSERT INTO folders(id, parent_id, name, kind, server_path, sync_token) VALUES (2, NULL, 'No token', 'notes', '/2', NULL)",
        [],
    );
    let before = f.keep_copy();
    let m = f.migrate();
    for (i, (kind, number)) in kinds.iter().enumerate() {
        let id = 100 + 7 * i as i64;
        let found: i64 =
            m.db.query_row("SELECT kind FROM folders WHERE id = ?1", [id], |r| r.get(0))
                .unwrap();
        assert_eq!(found, *number, "kind {kind:?}");
        assert_eq!(koc::folder_kind(kind), *number, "folder_kind({kind:?})");
    }
    // Every other column as it was: ids, parents, names, paths, tokens.
    m.db.execute("ATTACH DATABASE ?1 AS before", [before.to_str().unwrap()])
        .unwrap();
    let same = "SELECT id, parent_id, name, server_path, sync_token FROM main.folders";
    let old = "SELECT id, parent_id, name, server_path, sync_token FROM before.folders";
    assert_eq!(
        rows(&m.db, &format!("{same} ORDER BY id")),
        rows(&m.db, &format!("{old} ORDER BY id"))
    );
    assert_eq!(
        m.count("SELECT count(*) FROM folders"),
        kinds.len() as i64 + 3
    );
    assert_eq!(
        m.count("SELECT typeof(kind) = 'integer' FROM folders WHERE id = 2"),
        1
    );
}

#[test]
fn every_flag_bit() {
    let mut cases: Vec<(i64, [i64; 4])> = vec![
        (0, [0, 0, 0, 0]),
        (1, [1, 0, 0, 0]),
        (2, [0, 1, 0, 0]),
        (4, [0, 0, 1, 0]),
        (8, [0, 0, 0, 1]),
        (15, [1, 1, 1, 1]),
        (0b1010, [0, 1, 0, 1]),
        (0b0101, [1, 0, 1, 0]),
        (-1, [1, 1, 1, 1]),
        (i64::MIN, [0, 0, 0, 0]),
        (i64::MAX, [1, 1, 1, 1]),
        (16 | 4, [0, 0, 1, 0]),
    ];
    // Every bit above 3, alone and with bit 0: dropped.
    for bit in 4..63 {
        cases.push((1 << bit, [0, 0, 0, 0]));
        cases.push((1 << bit | 1, [1, 0, 0, 0]));
    }
    let f = Format1::new();
    f.folder(1, None, "Inbox", "mail");
    for (i, (bits, _)) in cases.iter().enumerate() {
        f.message(i as i64 + 1, 1, None, *bits, None);
    }
    // The column's default.
    let default_id = cases.len() as i64 + 1;
    f.exec(
        "INSERT INTO messages(id, folder_id, server_uid) VALUES (?1, 1, 'd')",
        [default_id],
    );
    let m = f.migrate();
    for (i, (bits, expected)) in cases.iter().enumerate() {
        let row = m.message(i as i64 + 1);
        assert_eq!(
            [row.is_read, row.is_flagged, row.is_answered, row.is_deleted],
            *expected,
            "flags {bits:#x}"
        );
        let f = koc::flags(*bits);
        let from_fn = [f.is_read, f.is_flagged, f.is_answered, f.is_deleted].map(i64::from);
        assert_eq!(from_fn, *expected, "koc::flags({bits:#x})");
    }
    let row = m.message(default_id);
    assert_eq!(
        [row.is_read, row.is_flagged, row.is_answered, row.is_deleted],
        [0; 4]
    );
}

#[test]
fn null_and_empty_contents() {
    let f = Format1::new();
    f.folder(1, None, "Inbox", "mail");
    f.message(1, 1, None, 0, None);
    f.message(2, 1, None, 0, Some(b""));
    f.message(3, 1, None, 0, Some(b"x"));
    f.attachment(1, 1, None);
    f.attachment(2, 1, Some(b""));
    f.attachment(3, 3, Some(b"y"));
    let m = f.migrate();

    let null_body = m.message(1);
    assert_eq!((null_body.body_blob, null_body.body), (None, None));
    assert_eq!(m.attachment(1), (None, None));

    // Zero-length content is content: one blob, the hash of nothing,
    // shared by the empty body and the empty attachment.
    let empty_body = m.message(2);
    let empty_blob = empty_body.body_blob.expect("an empty body has a blob");
    assert_eq!(empty_body.body.as_deref(), Some(&b""[..]));
    assert_eq!(m.attachment(2), (Some(empty_blob), Some(Vec::new())));
    let (hash, size, kind): (Vec<u8>, i64, String) =
        m.db.query_row(
            "SELECT sha256, size, typeof(data) FROM blobs WHERE id = ?1",
            [empty_blob],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (hex(&hash).as_str(), size, kind.as_str()),
        (SHA256_EMPTY, 0, "blob")
    );

    assert_eq!(m.message(3).body.as_deref(), Some(&b"x"[..]));
    assert_eq!(m.attachment(3).1.as_deref(), Some(&b"y"[..]));
    assert_eq!(m.count("SELECT count(*) FROM blobs"), 3);
}

#[test]
fn contents_are_stored_once_in_order_of_first_appearance() {
    let shared: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
    let logo: Vec<u8> = (0..500u32).map(|i| (i % 13) as u8).collect();
    let f = Format1::new();
    f.folder(1, None, "Inbox", "mail");
    f.message(1, 1, None, 0, Some(b"first body"));
    f.message(2, 1, None, 0, Some(&shared));
    f.message(3, 1, None, 0, Some(b"first body"));
    f.message(4, 1, None, 0, Some(&shared));
    f.message(5, 1, None, 0, Some(b"own body"));
    f.attachment(1, 5, Some(&logo));
    f.attachment(2, 1, Some(&shared));
    f.attachment(3, 2, Some(&logo));
    f.attachment(4, 3, Some(b"first body"));
    f.attachment(5, 4, Some(b"own attachment"));
    // Text and blob of the same bytes are the same content.
    f.exec(
        "INSERT INTO attachments(id, message_id, data) VALUES (6, 4, 'own body')",
        [],
    );
    let m = f.migrate();

    // Messages first (by id), then attachments (by id).
    let expected: Vec<&[u8]> = vec![
        b"first body",
        &shared,
        b"own body",
        &logo,
        b"own attachment",
    ];
    let blobs = m.rows("SELECT id, sha256, size, data FROM blobs ORDER BY id");
    assert_eq!(blobs.len(), expected.len());
    for (i, (row, content)) in blobs.iter().zip(&expected).enumerate() {
        assert_eq!(row[0], Value::Integer(i as i64 + 1));
        assert_eq!(row[1], Value::Blob(sha256(content)));
        assert_eq!(row[2], Value::Integer(content.len() as i64));
        assert_eq!(row[3], Value::Blob(content.to_vec()));
    }
    let bodies: Vec<Option<i64>> = (1..=5).map(|id| m.message(id).body_blob).collect();
    assert_eq!(bodies, [Some(1), Some(2), Some(1), Some(2), Some(3)]);
    let attachments: Vec<Option<i64>> = (1..=6).map(|id| m.attachment(id).0).collect();
    assert_eq!(
        attachments,
        [Some(4), Some(2), Some(4), Some(1), Some(5), Some(3)]
    );
}

#[test]
fn long_contents_are_streamed_and_deduplicated() {
    // Above the transforms' 1 MiB threshold: hashed and copied in chunks.
    let long: Vec<u8> = (0..3 * 1024 * 1024 + 17u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut other = long.clone();
    *other.last_mut().unwrap() ^= 1;
    let f = Format1::new();
    f.folder(1, None, "Inbox", "mail");
    f.message(1, 1, None, 0, Some(b"short"));
    f.message(2, 1, None, 0, Some(&long));
    f.message(3, 1, None, 0, Some(b"short"));
    f.attachment(1, 1, Some(&other));
    f.attachment(2, 2, Some(&long));
    f.attachment(3, 3, Some(b"short"));
    let m = f.migrate();
    assert_eq!(m.message(2).body.as_deref(), Some(&long[..]));
    assert_eq!(m.message(2).body_blob, Some(2));
    assert_eq!(m.attachment(1), (Some(3), Some(other.clone())));
    assert_eq!(m.attachment(2), (Some(2), Some(long.clone())));
    assert_eq!(m.attachment(3).0, Some(1));
    let hashes = m.rows("SELECT sha256, size FROM blobs ORDER BY id");
    assert_eq!(
        hashes,
        [b"short".to_vec(), long, other]
            .iter()
            .map(|c| vec![Value::Blob(sha256(c)), Value::Integer(c.len() as i64)])
            .collect::<Vec<_>>()
    );
}

#[test]
fn ids_and_other_columns_are_kept() {
    let f = Format1::new();
    f.folder(4, None, "Inbox", "mail");
    f.folder(9, Some(4), "Sub", "mail");
    for (id, folder) in [
        (5, 4),
        (17, 9),
        (1_000_000, 4),
        (1_000_001, 9),
        (i64::MAX, 4),
    ] {
        f.message(
            id,
            folder,
            Some("a@b"),
            1,
            Some(format!("body {id}").as_bytes()),
        );
    }
    for (id, message) in [
        (3, 17),
        (99, 5),
        (100, i64::MAX),
        (7_000_000_000, 1_000_001),
    ] {
        f.attachment(id, message, Some(format!("data {id}").as_bytes()));
    }
    // Unusual values pass through as they are: NULLs, a real, text that
    // is not UTF-8, a blob where text is expected.
    f.exec(
        "INSERT INTO messages(id, folder_id, server_uid, subject, received, size, headers, body) \
         VALUES (20, 9, 'odd', CAST(X'FF00FE' AS TEXT), 1.5, NULL, X'0102', NULL)",
        [],
    );
    f.exec(
        "INSERT INTO attachments(id, message_id, filename, mime_type, data) VALUES (50, 20, NULL, CAST(X'C3' AS TEXT), X'00')",
        [],
    );
    let before = f.keep_copy();
    let m = f.migrate();
    m.db.execute("ATTACH DATABASE ?1 AS before", [before.to_str().unwrap()])
        .unwrap();
    let kept = |table: &str, columns: &str| {
        let select = |schema: &str| format!("SELECT {columns} FROM {schema}.{table} ORDER BY id");
        // quote() shows type and exact bytes (hex for blobs, text as is).
        let new = rows(&m.db, &select("main"));
        let old = rows(&m.db, &select("before"));
        assert_eq!(new, old, "{table}: {columns}");
    };
    kept(
        "messages",
        "id, folder_id, server_uid, hex(subject), typeof(subject), received, typeof(received), size, hex(headers), typeof(headers)",
    );
    kept(
        "attachments",
        "id, message_id, filename, hex(mime_type), typeof(mime_type)",
    );
    assert_eq!(m.count("SELECT count(*) FROM messages"), 6);
    assert_eq!(m.count("SELECT count(*) FROM attachments"), 5);
    assert_eq!(
        m.attachment(7_000_000_000).1.as_deref(),
        Some(&b"data 7000000000"[..])
    );
    assert_eq!(
        m.message(i64::MAX).body.as_deref(),
        Some(format!("body {}", i64::MAX).as_bytes())
    );
}

#[test]
fn pending_changes_and_settings_are_identical() {
    let f = Format1::new();
    f.folder(1, None, "Inbox", "mail");
    f.message(1, 1, None, 0, None);
    f.exec(
        "INSERT INTO pending_changes(id, message_id, op, payload, created) VALUES \
         (1, 1, 'flag', X'00FF10', 1700000000), \
         (5, NULL, 'create', NULL, 1700000001), \
         (6, 424242, 'delete', '{\"json\": true}', 1700000002), \
         (9, 1, 'move', X'', 1700000003), \
         (12, 1, 'update', 3.25, -1)",
        [],
    );
    f.exec(
        "INSERT INTO settings(key, value) VALUES ('a', 'x'), ('b', NULL), ('c', ''), \
         ('d', X'0001'), ('e', 42), ('ключ', 'значение')",
        [],
    );
    let before = f.keep_copy();
    let m = f.migrate();
    let old = open_ro(&before);
    for (table, order) in [("pending_changes", "id"), ("settings", "key")] {
        let select = format!("SELECT *, typeof(payload_or_value) FROM {table} ORDER BY {order}")
            .replace(
                "payload_or_value",
                if table == "settings" {
                    "value"
                } else {
                    "payload"
                },
            );
        let new_rows = rows(&m.db, &select);
        assert_eq!(new_rows, rows(&old, &select), "{table}");
        assert!(!new_rows.is_empty());
    }
}

#[test]
fn the_result_is_a_sound_format_2_cache() {
    let f = Format1::new();
    f.folder(1, None, "Inbox", "mail");
    f.folder(2, Some(1), "Sub", "calendar");
    f.message(1, 1, Some("A <a@b>"), 5, Some(b"one"));
    f.message(2, 2, Some("a@b"), 2, Some(b"one"));
    f.attachment(1, 2, Some(b"two"));
    f.exec(
        "INSERT INTO pending_changes(message_id, op, created) VALUES (1, 'flag', 1)",
        [],
    );
    let m = f.migrate();
    let set = koc::migration_set();
    for level in [Verify::Quick, Verify::Full] {
        let report = check(&m.path, &set, level).unwrap();
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.state, State::UpToDate { format: 2 });
    }
    assert_eq!(
        detect(&m.path, &set).unwrap().state,
        State::UpToDate { format: 2 }
    );
    let pragma = |name: &str| -> i64 {
        m.db.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(pragma("application_id"), i64::from(koc::APPLICATION_ID));
    assert_eq!(pragma("user_version"), 2);
    // The schema is the spec's, indexes included.
    let schema = rows(
        &m.db,
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
    );
    let expected: Vec<Vec<Value>> = [
        ("index", "attachments_message"),
        ("index", "messages_folder_received"),
        ("table", "attachments"),
        ("table", "blobs"),
        ("table", "folders"),
        ("table", "messages"),
        ("table", "pending_changes"),
        ("table", "settings"),
    ]
    .iter()
    .map(|(t, n)| vec![Value::Text((*t).into()), Value::Text((*n).into())])
    .collect();
    assert_eq!(schema, expected);
    let fresh = Connection::open_in_memory().unwrap();
    fresh.execute_batch(koc::FORMAT_2_SCHEMA).unwrap();
    let sql = "SELECT name, sql FROM sqlite_master ORDER BY name";
    assert_eq!(rows(&m.db, sql), rows(&fresh, sql));
    // A second run has nothing to do.
    drop(m.db);
    assert_eq!(migrate_path(&m.path), Outcome::UpToDate { format: 2 });
    match &m.outcome {
        Outcome::Upgraded(u) => {
            let table = |name: &str| u.tables.iter().find(|t| t.table == name).unwrap().rows;
            assert_eq!(
                (table("messages"), table("attachments"), table("blobs")),
                (2, 1, 2)
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn check_finds_every_broken_format_2_rule() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("format2.db");
    let db = Connection::open(&path).unwrap();
    db.execute_batch(&format!(
        "PRAGMA application_id = {}; PRAGMA user_version = 2; {}",
        koc::APPLICATION_ID,
        koc::FORMAT_2_SCHEMA
    ))
    .unwrap();
    let set = koc::migration_set();
    let sound = |db: &Connection| {
        db.execute_batch(
            "DELETE FROM attachments; DELETE FROM messages; DELETE FROM blobs; DELETE FROM folders;
             INSERT INTO folders VALUES (1, NULL, 'Inbox', 1, '/Inbox', NULL);",
        )
        .unwrap();
        db.execute(
            "INSERT INTO blobs(id, sha256, size, data) VALUES (1, ?1, 3, X'616263')",
            [sha256(b"abc")],
        )
        .unwrap();
        db.execute_batch(
            "INSERT INTO messages(id, folder_id, server_uid, is_read, is_flagged, is_answered, is_deleted, body_blob)
             VALUES (1, 1, 'u', 1, 0, 0, 1, 1);",
        )
        .unwrap();
    };
    sound(&db);
    assert!(check(&path, &set, Verify::Quick).unwrap().is_ok());

    let unreferenced =
        format!("INSERT INTO blobs(id, sha256, size, data) VALUES (2, X'{SHA256_EMPTY}', 0, X'')");
    let breakages = [
        (
            "an unreferenced blob",
            unreferenced.as_str(),
            "every blob is referenced",
        ),
        (
            "a wrong hash",
            "UPDATE blobs SET sha256 = zeroblob(32)",
            "sha256 is the SHA-256",
        ),
        (
            "a wrong size",
            "UPDATE blobs SET size = 4",
            "size is the length",
        ),
        (
            "a text blob",
            "UPDATE blobs SET data = 'abc'",
            "size is the length",
        ),
        ("is_read 2", "UPDATE messages SET is_read = 2", "are 0 or 1"),
        (
            "is_deleted -1",
            "UPDATE messages SET is_deleted = -1",
            "are 0 or 1",
        ),
        (
            "is_flagged 8",
            "UPDATE messages SET is_flagged = 8",
            "are 0 or 1",
        ),
        (
            "is_answered 'x'",
            "UPDATE messages SET is_answered = 'x'",
            "are 0 or 1",
        ),
    ];
    for (what, sql, rule) in breakages {
        sound(&db);
        db.execute_batch(sql).unwrap();
        let report = check(&path, &set, Verify::Quick).unwrap();
        assert!(
            report.problems.iter().any(|p| p.contains(rule)),
            "{what}: {:?}",
            report.problems
        );
        assert_eq!(report.problems.len(), 1, "{what}: {:?}", report.problems);
    }
}

#[test]
fn a_cache_that_cannot_migrate_is_rebuilt_with_its_pending_changes() {
    // An attachment of a message that does not exist: the new database
    // fails its foreign-key check.
    let f = Format1::new();
    f.folder(1, None, "Inbox", "mail");
    f.message(1, 1, None, 0, Some(b"body"));
    f.exec("PRAGMA foreign_keys = OFF", []);
    f.attachment(1, 77, Some(b"orphan"));
    f.exec(
        "INSERT INTO pending_changes VALUES (3, 1, 'flag', X'01', 10), (4, NULL, 'create', NULL, 11)",
        [],
    );
    let before = f.keep_copy();
    let (_dir, path) = f.close();
    let outcome = migrate_path(&path);
    let Outcome::Rebuilt(rebuild) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(rebuild.reason.contains("foreign"), "{}", rebuild.reason);
    assert_eq!(rebuild.format, 2);
    let salvaged: Vec<_> = rebuild
        .salvaged
        .iter()
        .map(|t| (t.table.as_str(), t.rows))
        .collect();
    assert_eq!(salvaged, [("pending_changes", 2)]);
    let db = open_ro(&path);
    let select = "SELECT * FROM pending_changes ORDER BY id";
    assert_eq!(rows(&db, select), rows(&open_ro(&before), select));
    assert_eq!(migrate_path(&path), Outcome::UpToDate { format: 2 });
    // The old file is kept aside, whole.
    let aside = open_ro(&rebuild.set_aside);
    assert_eq!(
        rows(&aside, "SELECT * FROM attachments"),
        rows(&open_ro(&before), "SELECT * FROM attachments")
    );
}

#[test]
fn a_read_error_in_the_reading_thread_ends_in_a_rebuild() {
    let f = Format1::new();
    f.folder(1, None, "Inbox", "mail");
    for id in 1..=10 {
        let body = if id == 5 {
            vec![b'x'; 20_000]
        } else {
            b"short".to_vec()
        };
        f.message(id, 1, None, 0, Some(&body));
    }
    f.exec(
        "INSERT INTO pending_changes VALUES (1, 5, 'flag', X'01', 10), (2, 6, 'move', NULL, 11)",
        [],
    );
    let (_dir, path) = f.close();
    // The first overflow page of the long body (sqlite3's dbstat finds
    // it); counting rows never reads it, reading the body does.
    let output = std::process::Command::new("sqlite3")
        .arg(&path)
        .arg("SELECT min(pageno) FROM dbstat WHERE name = 'messages' AND pagetype = 'overflow'; PRAGMA page_size;")
        .output()
        .expect("sqlite3 (the Debian package) runs");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let numbers: Vec<u64> = text.lines().map(|l| l.trim().parse().unwrap()).collect();
    let (page, page_size) = (numbers[0], numbers[1]);
    let mut bytes = std::fs::read(&path).unwrap();
    let start = ((page - 1) * page_size) as usize;
    // Its next-page pointer now points far past the end of the file.
    bytes[start..start + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    std::fs::write(&path, &bytes).unwrap();

    let outcome = migrate_path(&path);
    let Outcome::Rebuilt(rebuild) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        rebuild.reason.contains("reading table messages"),
        "{}",
        rebuild.reason
    );
    assert_eq!(rebuild.salvaged[0].rows, 2);
    assert_eq!(
        rows(
            &open_ro(&path),
            "SELECT id FROM pending_changes ORDER BY id"
        )
        .len(),
        2
    );
}

#[test]
fn cancel_during_a_transform_leaves_the_cache_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let sample = koc::Sample {
        messages: 6000,
        body_bytes: 200,
        ..koc::Sample::small()
    };
    sample.write_format1(&path).unwrap();
    let before = std::fs::read(&path).unwrap();
    for table in ["messages", "attachments"] {
        let mut seen = 0;
        let options = MigrateOptions {
            progress_every: std::time::Duration::ZERO,
            ..MigrateOptions::default()
        };
        let outcome = migrate(&path, &koc::migration_set(), &options, &mut |p| {
            if p.phase == Phase::Copy && p.table == Some(table) {
                seen += 1;
                // The first report after the table's start comes after a
                // batch: the reading thread is running.
                if seen == 2 {
                    return Control::Cancel;
                }
            }
            Control::Continue
        })
        .unwrap();
        assert_eq!(
            outcome,
            Outcome::Cancelled { phase: Phase::Copy },
            "{table}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), before, "{table}");
        let temporary: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.contains("tmp"))
            .collect();
        assert!(temporary.is_empty(), "{table}: {temporary:?}");
    }
}

#[test]
fn the_small_sample_migrates_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let stats = koc::Sample::small().write_format1(&path).unwrap();
    let before = dir.path().join("before.db");
    std::fs::copy(&path, &before).unwrap();
    let outcome = migrate_path(&path);
    assert!(matches!(outcome, Outcome::Upgraded(_)), "{outcome:?}");
    let db = open_ro(&path);
    db.execute("ATTACH DATABASE ?1 AS old", [before.to_str().unwrap()])
        .unwrap();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM main.messages") as u64,
        stats.messages
    );
    assert_eq!(
        count("SELECT count(*) FROM main.attachments") as u64,
        stats.attachments
    );
    // Every body and attachment is its blob, compared in SQL.
    assert_eq!(
        count(
            "SELECT count(*) FROM old.messages o JOIN main.messages n USING (id) \
             LEFT JOIN main.blobs b ON b.id = n.body_blob \
             WHERE b.data IS NOT CAST(o.body AS BLOB)"
        ),
        0
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM old.attachments o JOIN main.attachments n USING (id) \
             LEFT JOIN main.blobs b ON b.id = n.blob_id WHERE b.data IS NOT o.data"
        ),
        0
    );
    // Repeated contents were stored once.
    assert_eq!(
        count("SELECT count(*) FROM main.blobs"),
        count(
            "SELECT count(DISTINCT c) FROM (SELECT CAST(body AS BLOB) AS c FROM old.messages \
             UNION ALL SELECT data FROM old.attachments) WHERE c IS NOT NULL"
        )
    );
    assert!(
        count("SELECT count(*) FROM main.blobs")
            < count(
                "SELECT count(body) + (SELECT count(data) FROM old.attachments) FROM old.messages"
            )
    );
    assert!(check(&path, &koc::migration_set(), Verify::Full)
        .unwrap()
        .is_ok());
}

#[test]
fn samples_are_deterministic_realistic_format_1_caches() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, sample: &koc::Sample| {
        let path = dir.path().join(name);
        let stats = sample.write_format1(&path).unwrap();
        (path, stats)
    };
    let small = koc::Sample::small();
    let (a, stats) = write("a.db", &small);
    let (b, _) = write("b.db", &small);
    let (c, _) = write(
        "c.db",
        &koc::Sample {
            seed: 7,
            ..small.clone()
        },
    );
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&c).unwrap());
    // An existing file is refused, untouched.
    assert!(small.write_format1(&a).is_err());
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());

    let set = koc::migration_set();
    assert_eq!(
        detect(&a, &set).unwrap().state,
        State::NeedsUpgrade { from: 1, to: 2 }
    );
    let report = check(&a, &set, Verify::Full).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(stats.bytes, std::fs::metadata(&a).unwrap().len());

    let db = open_ro(&a);
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("PRAGMA user_version"), 1);
    assert_eq!(
        count(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'messages_folder'"
        ),
        1
    );
    assert_eq!(count("SELECT count(*) FROM folders") as u32, stats.folders);
    assert_eq!(
        count("SELECT count(*) FROM messages") as u64,
        stats.messages
    );
    assert_eq!(
        count("SELECT count(*) FROM attachments") as u64,
        stats.attachments
    );
    assert_eq!(
        count("SELECT count(*) FROM pending_changes") as u32,
        stats.pending_changes
    );
    assert_eq!(stats.messages, small.messages);
    assert_eq!(stats.folders, small.folders);
    // A tree of folders of every kind, unknown ones included.
    assert_eq!(count("SELECT count(DISTINCT kind) FROM folders"), 6);
    assert!(count("SELECT count(*) FROM folders WHERE kind NOT IN ('mail','calendar','contacts','tasks','notes')") > 0);
    assert!(count("SELECT count(*) FROM folders f JOIN folders p ON p.id = f.parent_id JOIN folders g ON g.id = p.parent_id") > 0);
    // Sender forms (checked in SQL, independently of the library).
    for (what, sql) in [
        ("quoted name", "sender GLOB '\"*\" <*@*>'"),
        (
            "bare name",
            "sender GLOB '[A-Z]* <*@*>' AND sender NOT GLOB '\"*'",
        ),
        ("<addr> alone", "sender GLOB '<*@*>'"),
        (
            "bare address",
            "sender GLOB '*@*' AND sender NOT GLOB '*[<> ]*'",
        ),
        ("no address", "sender <> '' AND sender NOT GLOB '*@*'"),
        ("empty", "sender = ''"),
        (
            "white space",
            "sender <> '' AND trim(sender, ' ' || char(9)) = ''",
        ),
        ("NULL", "sender IS NULL"),
    ] {
        assert!(
            count(&format!("SELECT count(*) FROM messages WHERE {sql}")) > 0,
            "{what}"
        );
    }
    // Flags with bits above 3; bodies and attachments NULL, empty, repeated.
    assert!(count("SELECT count(*) FROM messages WHERE flags >= 16") > 0);
    assert!(count("SELECT count(*) FROM messages WHERE body IS NULL") > 0);
    assert!(count("SELECT count(*) FROM messages WHERE length(body) = 0") > 0);
    assert!(
        count("SELECT count(*) - count(DISTINCT body) FROM messages WHERE length(body) > 0") > 0
    );
    assert!(
        count("SELECT count(*) FROM attachments WHERE data IS NULL")
            + count("SELECT count(*) FROM attachments WHERE length(data) = 0")
            > 0
    );
    assert!(
        count("SELECT count(*) - count(DISTINCT data) FROM attachments WHERE length(data) > 0") > 0
    );
    assert!(count("SELECT CAST(avg(length(body)) AS INTEGER) FROM messages") > 1000);
    assert!(
        count("SELECT count(*) FROM messages WHERE headers LIKE '%Message-ID:%'") as u64
            == stats.messages
    );
    assert!(count("SELECT count(*) FROM settings") > 0);
    // Pending changes name existing messages (or none).
    assert_eq!(count("SELECT count(*) FROM pending_changes WHERE message_id NOT IN (SELECT id FROM messages)"), 0);
}

#[test]
fn sized_samples_come_near_their_size() {
    let dir = tempfile::tempdir().unwrap();
    let target = 6_000_000;
    let sample = koc::Sample::sized(target);
    // About 100,000 messages per GB.
    assert!((450..=700).contains(&sample.messages), "{sample:?}");
    assert!((24..=48).contains(&sample.folders), "{sample:?}");
    let path = dir.path().join("sized.db");
    let stats = sample.write_format1(&path).unwrap();
    let ratio = stats.bytes as f64 / target as f64;
    assert!(
        (0.85..1.15).contains(&ratio),
        "{} bytes for {target}",
        stats.bytes
    );
    // Attachments make up most of the bytes.
    let db = open_ro(&path);
    let (bodies, data): (i64, i64) = db
        .query_row(
            "SELECT (SELECT sum(length(body)) FROM messages), (SELECT sum(length(data)) FROM attachments)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(data > bodies, "attachments {data}, bodies {bodies}");
}
