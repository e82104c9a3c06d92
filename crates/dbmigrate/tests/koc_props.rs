//! Property test of the KOC cache migration: random small format-1 caches
//! (senders mixing every form with random text, random flags, NULL, empty,
//! repeated and random contents, ids with gaps) migrate to format-2 caches
//! that an oracle written here from the spec, independently of the
//! library's mapping functions, predicts row by row.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use olkit_dbmigrate::rusqlite::{params, Connection, Row};
use olkit_dbmigrate::{check, koc, Verify};
use proptest::prelude::*;
use proptest::sample::Index;
use support::koc::{migrate_path, sha256};
use support::open_ro;

#[derive(Debug, Clone)]
struct Folder {
    id: i64,
    parent: Option<i64>,
    name: String,
    kind: String,
    token: Option<String>,
}

#[derive(Debug, Clone)]
struct Message {
    id: i64,
    folder_id: i64,
    server_uid: String,
    subject: Option<String>,
    sender: Option<String>,
    received: Option<i64>,
    flags: i64,
    size: Option<i64>,
    headers: Option<String>,
    body: Content,
}

#[derive(Debug, Clone)]
struct Attachment {
    id: i64,
    message_id: i64,
    filename: Option<String>,
    mime_type: Option<String>,
    data: Content,
}

/// A body or attachment: NULL, or bytes stored as a blob or (when they
/// are UTF-8) as text.
#[derive(Debug, Clone)]
enum Content {
    Null,
    Blob(Vec<u8>),
    Text(String),
}

impl Content {
    fn bytes(&self) -> Option<&[u8]> {
        match self {
            Content::Null => None,
            Content::Blob(b) => Some(b),
            Content::Text(t) => Some(t.as_bytes()),
        }
    }
}

#[derive(Debug, Clone)]
struct Pending {
    id: i64,
    message_id: Option<i64>,
    op: String,
    payload: Option<Vec<u8>>,
    created: i64,
}

#[derive(Debug, Clone)]
struct Cache {
    folders: Vec<Folder>,
    messages: Vec<Message>,
    attachments: Vec<Attachment>,
    pending: Vec<Pending>,
    settings: Vec<(String, Option<String>)>,
}

// ---------------------------------------------------------------- strategies

fn text(pattern: &'static str) -> BoxedStrategy<String> {
    proptest::string::string_regex(pattern).unwrap().boxed()
}

fn white() -> BoxedStrategy<String> {
    text("[ \t\r\n]{0,2}")
}

fn address() -> BoxedStrategy<String> {
    prop_oneof![
        4 => text("[a-z.]{1,5}@[a-z]{1,5}\\.[a-z]{2,3}"),
        1 => text("[a-z@]{0,6}"),
        1 => text("[a-z]{1,3}[ <>@]{1,2}[a-z]{0,3}"),
    ]
    .boxed()
}

fn name() -> BoxedStrategy<String> {
    prop_oneof![
        3 => text("[A-Za-z]{1,6}( [A-Za-z]{1,6})?"),
        1 => text("[A-Za-z ,\"<>@.]{0,8}"),
        1 => Just(String::new()),
    ]
    .boxed()
}

/// Every form of the spec, with random parts and surrounding white space.
fn sender() -> BoxedStrategy<Option<String>> {
    let quoted = (white(), name(), white(), address(), white())
        .prop_map(|(a, n, b, addr, c)| format!("{a}\"{n}\"{b}<{addr}>{c}"));
    let bare_name = (white(), name(), address(), white())
        .prop_map(|(a, n, addr, c)| format!("{a}{n} <{addr}>{c}"));
    let angle_only =
        (white(), address(), white()).prop_map(|(a, addr, c)| format!("{a}<{addr}>{c}"));
    let bare = (white(), address(), white()).prop_map(|(a, addr, c)| format!("{a}{addr}{c}"));
    let two = (name(), address(), address()).prop_map(|(n, x, y)| format!("{n} <{x}> <{y}>"));
    prop_oneof![
        1 => Just(None),
        1 => white().prop_map(Some),
        3 => quoted.prop_map(Some),
        3 => bare_name.prop_map(Some),
        2 => angle_only.prop_map(Some),
        2 => bare.prop_map(Some),
        1 => two.prop_map(Some),
        2 => text("[ -~\t\n]{0,16}").prop_map(Some),
        1 => text("[a-zé<>@\" ]{0,10}").prop_map(Some),
    ]
    .boxed()
}

/// A few contents shared between rows, so that deduplication has work.
const POOL: &[&[u8]] = &[b"", b"hello", b"\x00\xff\x00", b"shared logo bytes"];

fn content() -> BoxedStrategy<Content> {
    prop_oneof![
        2 => Just(Content::Null),
        1 => Just(Content::Blob(Vec::new())),
        1 => Just(Content::Text(String::new())),
        3 => (0..POOL.len()).prop_map(|i| Content::Blob(POOL[i].to_vec())),
        1 => Just(Content::Text("hello".into())),
        3 => proptest::collection::vec(any::<u8>(), 0..48).prop_map(Content::Blob),
        1 => text("[ -~é]{0,20}").prop_map(Content::Text),
    ]
    .boxed()
}

fn kind() -> BoxedStrategy<String> {
    prop_oneof![
        3 => Just("mail".to_owned()),
        1 => Just("calendar".to_owned()),
        1 => Just("contacts".to_owned()),
        1 => Just("tasks".to_owned()),
        1 => Just("notes".to_owned()),
        2 => text("[a-zA-Z ]{0,8}"),
    ]
    .boxed()
}

/// Ascending ids with gaps.
fn ids(count: std::ops::Range<usize>) -> BoxedStrategy<Vec<i64>> {
    proptest::collection::vec(1i64..4, count)
        .prop_map(|steps| {
            steps
                .iter()
                .scan(0, |id, step| {
                    *id += step;
                    Some(*id)
                })
                .collect()
        })
        .boxed()
}

fn cache() -> impl Strategy<Value = Cache> {
    let folders = ids(1..5).prop_flat_map(|ids| {
        let n = ids.len();
        (
            Just(ids),
            proptest::collection::vec(
                (
                    proptest::option::of(any::<Index>()),
                    text("[A-Za-z ]{1,8}"),
                    kind(),
                    proptest::option::of(text("[a-f0-9]{4}")),
                ),
                n,
            ),
        )
    });
    let messages = ids(0..14).prop_flat_map(|ids| {
        let n = ids.len();
        (
            Just(ids),
            proptest::collection::vec(
                (
                    any::<Index>(),
                    text("[a-z0-9]{1,6}"),
                    proptest::option::of(text("[ -~]{0,10}")),
                    sender(),
                    proptest::option::of(any::<i64>()),
                    any::<i64>(),
                    proptest::option::of(0i64..100_000),
                    proptest::option::of(text("[ -~\r\n]{0,30}")),
                    content(),
                ),
                n,
            ),
        )
    });
    let attachments = ids(0..10).prop_flat_map(|ids| {
        let n = ids.len();
        (
            Just(ids),
            proptest::collection::vec(
                (
                    any::<Index>(),
                    proptest::option::of(text("[a-z]{1,6}\\.[a-z]{3}")),
                    proptest::option::of(text("[a-z]{1,5}/[a-z]{1,5}")),
                    content(),
                ),
                n,
            ),
        )
    });
    let pending = proptest::collection::vec(
        (
            proptest::option::of(0i64..40),
            text("[a-z]{1,6}"),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..12)),
            any::<i64>(),
        ),
        0..5,
    );
    let settings = proptest::collection::btree_map(
        text("[a-z.]{1,8}"),
        proptest::option::of(text("[ -~]{0,8}")),
        0..4,
    );
    (folders, messages, attachments, pending, settings).prop_map(
        |(
            (folder_ids, folders),
            (message_ids, messages),
            (attachment_ids, attachments),
            pending,
            settings,
        )| {
            let folders: Vec<Folder> = folder_ids
                .iter()
                .zip(folders)
                .enumerate()
                .map(|(i, (&id, (parent, name, kind, token)))| Folder {
                    id,
                    // Any folder, itself included, as in a real tree's ids.
                    parent: parent.map(|p| folder_ids[p.index(i + 1)]),
                    name,
                    kind,
                    token,
                })
                .collect();
            let messages: Vec<Message> = message_ids
                .into_iter()
                .zip(messages)
                .map(
                    |(
                        id,
                        (folder, server_uid, subject, sender, received, flags, size, headers, body),
                    )| Message {
                        id,
                        folder_id: folders[folder.index(folders.len())].id,
                        server_uid,
                        subject,
                        sender,
                        received,
                        flags,
                        size,
                        headers,
                        body,
                    },
                )
                .collect();
            let attachments = if messages.is_empty() {
                Vec::new()
            } else {
                attachment_ids
                    .into_iter()
                    .zip(attachments)
                    .map(|(id, (message, filename, mime_type, data))| Attachment {
                        id,
                        message_id: messages[message.index(messages.len())].id,
                        filename,
                        mime_type,
                        data,
                    })
                    .collect()
            };
            let pending = pending
                .into_iter()
                .enumerate()
                .map(|(i, (message_id, op, payload, created))| Pending {
                    id: 2 * i as i64 + 1,
                    message_id,
                    op,
                    payload,
                    created,
                })
                .collect();
            Cache {
                folders,
                messages,
                attachments,
                pending,
                settings: settings.into_iter().collect(),
            }
        },
    )
}

// ------------------------------------------------------------------- writing

fn write_format1(cache: &Cache, db: &Connection) {
    db.execute_batch(&format!(
        "PRAGMA synchronous = OFF; PRAGMA application_id = {}; PRAGMA user_version = 1; BEGIN; {}",
        koc::APPLICATION_ID,
        koc::FORMAT_1_SCHEMA
    ))
    .unwrap();
    for f in &cache.folders {
        db.execute(
            "INSERT INTO folders VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                f.id,
                f.parent,
                f.name,
                f.kind,
                format!("/{}", f.id),
                f.token
            ],
        )
        .unwrap();
    }
    let content = |c: &Content| -> olkit_dbmigrate::rusqlite::types::Value {
        use olkit_dbmigrate::rusqlite::types::Value;
        match c {
            Content::Null => Value::Null,
            Content::Blob(b) => Value::Blob(b.clone()),
            Content::Text(t) => Value::Text(t.clone()),
        }
    };
    for m in &cache.messages {
        db.execute(
            "INSERT INTO messages VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                m.id,
                m.folder_id,
                m.server_uid,
                m.subject,
                m.sender,
                m.received,
                m.flags,
                m.size,
                m.headers,
                content(&m.body)
            ],
        )
        .unwrap();
    }
    for a in &cache.attachments {
        db.execute(
            "INSERT INTO attachments VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                a.id,
                a.message_id,
                a.filename,
                a.mime_type,
                content(&a.data)
            ],
        )
        .unwrap();
    }
    for p in &cache.pending {
        db.execute(
            "INSERT INTO pending_changes VALUES (?1, ?2, ?3, ?4, ?5)",
            params![p.id, p.message_id, p.op, p.payload, p.created],
        )
        .unwrap();
    }
    for (key, value) in &cache.settings {
        db.execute("INSERT INTO settings VALUES (?1, ?2)", params![key, value])
            .unwrap();
    }
    db.execute_batch("COMMIT").unwrap();
}

// -------------------------------------------------------------------- oracle

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// A usable address: at least one `@`, no white space, no angle brackets.
fn usable(address: &str) -> bool {
    address.contains('@') && !address.chars().any(|c| is_space(c) || c == '<' || c == '>')
}

/// The spec's sender rules, written out independently of the library:
/// rule 1 tries every `<` as the start of a final `<ADDR>`.
fn expected_sender(sender: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(sender) = sender else {
        return (None, None);
    };
    let text = sender
        .trim_start_matches(is_space)
        .trim_end_matches(is_space);
    let empty_is_null = |s: &str| {
        if s.is_empty() {
            None
        } else {
            Some(s.to_owned())
        }
    };
    for (at, _) in text.match_indices('<') {
        let rest = &text[at..];
        if rest.len() >= 2 && rest.ends_with('>') {
            let address = &rest[1..rest.len() - 1];
            if usable(address) {
                let before = text[..at]
                    .trim_start_matches(is_space)
                    .trim_end_matches(is_space);
                let chars: Vec<char> = before.chars().collect();
                let name: String =
                    if chars.len() >= 2 && chars[0] == '"' && chars[chars.len() - 1] == '"' {
                        chars[1..chars.len() - 1].iter().collect()
                    } else {
                        before.to_owned()
                    };
                return (empty_is_null(&name), Some(address.to_owned()));
            }
        }
    }
    let parts: Vec<&str> = text.split('@').collect();
    if parts.len() == 2 && !parts[0].is_empty() && !parts[1].is_empty() && usable(text) {
        return (None, Some(text.to_owned()));
    }
    (empty_is_null(text), None)
}

fn expected_kind(kind: &str) -> i64 {
    ["mail", "calendar", "contacts", "tasks", "notes"]
        .iter()
        .position(|k| *k == kind)
        .map_or(0, |i| i as i64 + 1)
}

fn bit(flags: i64, n: u32) -> i64 {
    (flags >> n) & 1
}

/// Every row `sql` returns, as `row` reads it.
fn all<T>(
    db: &Connection,
    sql: &str,
    row: impl FnMut(&Row<'_>) -> olkit_dbmigrate::rusqlite::Result<T>,
) -> Vec<T> {
    db.prepare(sql)
        .unwrap()
        .query_map([], row)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn check_migration(cache: &Cache) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let db = Connection::open(&path).unwrap();
    write_format1(cache, &db);
    db.close().unwrap();
    let outcome = migrate_path(&path);
    prop_assert_eq!(outcome.name(), "upgraded", "{:?}", outcome);
    let report = check(&path, &koc::migration_set(), Verify::Full).unwrap();
    prop_assert!(report.is_ok(), "{:?}", report.problems);
    let db = open_ro(&path);

    // Blobs: each distinct content once, numbered by first appearance
    // (message bodies by id, then attachments by id).
    let mut contents: Vec<Vec<u8>> = Vec::new();
    let mut blob_of = |c: &Content| -> Option<i64> {
        let bytes = c.bytes()?;
        let at = match contents.iter().position(|known| known == bytes) {
            Some(at) => at,
            None => {
                contents.push(bytes.to_vec());
                contents.len() - 1
            }
        };
        Some(at as i64 + 1)
    };
    let body_blobs: Vec<Option<i64>> = cache.messages.iter().map(|m| blob_of(&m.body)).collect();
    let data_blobs: Vec<Option<i64>> = cache.attachments.iter().map(|a| blob_of(&a.data)).collect();

    type Blob = (i64, Vec<u8>, i64, Vec<u8>, String);
    let blobs: Vec<Blob> = all(
        &db,
        "SELECT id, sha256, size, data, typeof(data) FROM blobs ORDER BY id",
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    );
    let expected_blobs: Vec<Blob> = contents
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                i as i64 + 1,
                sha256(c),
                c.len() as i64,
                c.clone(),
                "blob".to_owned(),
            )
        })
        .collect();
    prop_assert_eq!(&blobs, &expected_blobs);

    // Folders.
    type FolderRow = (i64, Option<i64>, String, i64, String, Option<String>);
    let folders: Vec<FolderRow> = all(&db, "SELECT * FROM folders ORDER BY id", |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    });
    let expected_folders: Vec<FolderRow> = cache
        .folders
        .iter()
        .map(|f| {
            (
                f.id,
                f.parent,
                f.name.clone(),
                expected_kind(&f.kind),
                format!("/{}", f.id),
                f.token.clone(),
            )
        })
        .collect();
    prop_assert_eq!(folders, expected_folders);

    // Messages, every column.
    let mut statement = db.prepare("SELECT * FROM messages ORDER BY id").unwrap();
    let mut rows = statement.query([]).unwrap();
    for (m, body_blob) in cache.messages.iter().zip(&body_blobs) {
        let r = rows.next().unwrap().expect("a row per message");
        let (name, address) = expected_sender(m.sender.as_deref());
        prop_assert_eq!(r.get::<_, i64>(0).unwrap(), m.id);
        prop_assert_eq!(r.get::<_, i64>(1).unwrap(), m.folder_id);
        prop_assert_eq!(r.get::<_, String>(2).unwrap(), m.server_uid.clone());
        prop_assert_eq!(r.get::<_, Option<String>>(3).unwrap(), m.subject.clone());
        prop_assert_eq!(
            (
                r.get::<_, Option<String>>(4).unwrap(),
                r.get::<_, Option<String>>(5).unwrap()
            ),
            (name, address),
            "sender {:?}",
            m.sender
        );
        prop_assert_eq!(r.get::<_, Option<i64>>(6).unwrap(), m.received);
        let states: Vec<i64> = (7..11).map(|i| r.get(i).unwrap()).collect();
        prop_assert_eq!(
            states,
            (0..4).map(|n| bit(m.flags, n)).collect::<Vec<_>>(),
            "flags {:#x}",
            m.flags
        );
        prop_assert_eq!(r.get::<_, Option<i64>>(11).unwrap(), m.size);
        prop_assert_eq!(r.get::<_, Option<String>>(12).unwrap(), m.headers.clone());
        prop_assert_eq!(r.get::<_, Option<i64>>(13).unwrap(), *body_blob);
    }
    prop_assert!(rows.next().unwrap().is_none(), "more messages than written");
    drop(rows);

    // Attachments, every column.
    let mut statement = db.prepare("SELECT * FROM attachments ORDER BY id").unwrap();
    let mut rows = statement.query([]).unwrap();
    for (a, blob) in cache.attachments.iter().zip(&data_blobs) {
        let r = rows.next().unwrap().expect("a row per attachment");
        prop_assert_eq!(r.get::<_, i64>(0).unwrap(), a.id);
        prop_assert_eq!(r.get::<_, i64>(1).unwrap(), a.message_id);
        prop_assert_eq!(r.get::<_, Option<String>>(2).unwrap(), a.filename.clone());
        prop_assert_eq!(r.get::<_, Option<String>>(3).unwrap(), a.mime_type.clone());
        prop_assert_eq!(r.get::<_, Option<i64>>(4).unwrap(), *blob);
    }
    prop_assert!(
        rows.next().unwrap().is_none(),
        "more attachments than written"
    );
    drop(rows);

    // Pending changes and settings, exactly as written.
    type PendingRow = (i64, Option<i64>, String, Option<Vec<u8>>, i64);
    let pending: Vec<PendingRow> = all(&db, "SELECT * FROM pending_changes ORDER BY id", |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    });
    let expected_pending: Vec<PendingRow> = cache
        .pending
        .iter()
        .map(|p| {
            (
                p.id,
                p.message_id,
                p.op.clone(),
                p.payload.clone(),
                p.created,
            )
        })
        .collect();
    prop_assert_eq!(pending, expected_pending);
    let settings: Vec<(String, Option<String>)> =
        all(&db, "SELECT * FROM settings ORDER BY key", |r| {
            Ok((r.get(0)?, r.get(1)?))
        });
    prop_assert_eq!(&settings, &cache.settings);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_format_1_caches_migrate_as_the_spec_says(cache in cache()) {
        check_migration(&cache)?;
    }

    /// The oracle itself, on many more senders than the migrations see:
    /// it must agree with the library.
    #[test]
    fn sender_oracle_and_library_agree(senders in proptest::collection::vec(sender(), 64)) {
        for s in &senders {
            let lib = koc::parse_sender(s.as_deref());
            prop_assert_eq!((lib.name, lib.address), expected_sender(s.as_deref()), "{:?}", s);
        }
    }
}
