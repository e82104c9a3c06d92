//! Sample format-1 caches: realistic mailboxes for tests, the demo and the
//! benchmark, the same bytes for the same [`Sample`].

use std::fmt::Write as _;
use std::path::Path;

use rusqlite::{params, Connection};

use super::{APPLICATION_ID, FORMAT_1_INDEXES, FORMAT_1_TABLES};
use crate::Error;

/// The shape of a sample mailbox; [`Sample::write_format1`] writes it.
///
/// Everything is derived from `seed` by a small deterministic generator:
/// the same `Sample` writes the same database on every machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// The generator's seed.
    pub seed: u64,
    /// Folders: the standard ones (Inbox, Sent Items, Calendar, Contacts,
    /// Tasks, Notes, a journal of an unknown kind, ...), then mail
    /// subfolders nested up to three deep.
    pub folders: u32,
    /// Messages, spread over the folders (mostly mail folders, the Inbox
    /// most of all).
    pub messages: u64,
    /// The average body length in bytes (lengths vary from a quarter to
    /// seven quarters of it; about 2 % of bodies are NULL, 1 % empty).
    pub body_bytes: u32,
    /// The share of messages with attachments (one to three each, four and a half
    /// times `body_bytes` long on average; about 1 % NULL, 1 % empty).
    pub attachment_percent: u32,
    /// The share of bodies and of attachments whose content repeats
    /// content found elsewhere (newsletters; the same logo or signature
    /// file in many messages).
    pub repeated_percent: u32,
    /// Offline edits not yet sent (rows of `pending_changes`).
    pub pending_changes: u32,
}

/// What [`Sample::write_format1`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleStats {
    /// Rows of `folders`.
    pub folders: u32,
    /// Rows of `messages`.
    pub messages: u64,
    /// Rows of `attachments`.
    pub attachments: u64,
    /// Rows of `pending_changes`.
    pub pending_changes: u32,
    /// The database file's size.
    pub bytes: u64,
}

/// Attachments average this many halves of `body_bytes`.
const ATTACHMENT_HALVES: u64 = 9;
/// Per message, besides body and attachments: headers, subject, sender,
/// row and index overhead, page slack (measured on written samples).
const MESSAGE_OVERHEAD: u64 = 1380;
/// Per attachment, besides its data.
const ATTACHMENT_OVERHEAD: u64 = 90;

impl Sample {
    /// A few hundred messages in two dozen folders: for tests and the demo
    /// (about 1.5 MB, written in well under a second).
    pub fn small() -> Sample {
        Sample {
            seed: 0x4B4F_4646,
            folders: 24,
            messages: 300,
            body_bytes: 2000,
            attachment_percent: 25,
            repeated_percent: 15,
            pending_changes: 20,
        }
    }

    /// A realistic mailbox of about `total_bytes` bytes: about 100,000
    /// messages per GB in three dozen folders, bodies of about 3 KB,
    /// attachments on a quarter of the messages (most of the bytes), a
    /// tenth of the contents repeated.
    pub fn sized(total_bytes: u64) -> Sample {
        let mut sample = Sample {
            seed: 0x4B4F_4646,
            folders: 36,
            messages: 0,
            body_bytes: 3000,
            attachment_percent: 25,
            repeated_percent: 10,
            pending_changes: 0,
        };
        sample.messages = (total_bytes / sample.estimated_message_bytes()).max(1);
        sample.pending_changes = u32::try_from(sample.messages / 200)
            .unwrap_or(u32::MAX)
            .clamp(10, 5000);
        sample
    }

    /// The average bytes one message adds to the file, attachments
    /// included.
    fn estimated_message_bytes(&self) -> u64 {
        let body = u64::from(self.body_bytes);
        let attachment = body * ATTACHMENT_HALVES / 2 + ATTACHMENT_OVERHEAD;
        // 1.7 attachments per message that has any.
        MESSAGE_OVERHEAD + body + u64::from(self.attachment_percent) * 17 * attachment / 1000
    }

    /// Writes the sample as a new format-1 database at `path` (refusing a
    /// path that exists): `application_id` [`super::APPLICATION_ID`],
    /// `user_version` 1, the format's tables and index, in one
    /// transaction without journal or syncs (a sample is rewritten, not
    /// recovered, if the process dies). The file is an ordinary format-1
    /// cache afterwards. On failure the file is removed.
    pub fn write_format1(&self, path: &Path) -> Result<SampleStats, Error> {
        let span =
            tracing::info_span!("write_sample", path = %path.display(), messages = self.messages);
        let _entered = span.enter();
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        let written = self.fill(path);
        if written.is_err() {
            // Half a sample is of no use; the file is ours (created above).
            let _ = std::fs::remove_file(path);
        }
        let stats = written?;
        let bytes = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        tracing::info!(bytes, "sample written");
        Ok(SampleStats { bytes, ..stats })
    }
}

impl Sample {
    /// Writes the sample into the new, empty file at `path`.
    fn fill(&self, path: &Path) -> Result<SampleStats, Error> {
        let sql = |what: &'static str| move |e| Error::sqlite(path, what, e);
        let db = Connection::open(path).map_err(sql("opening"))?;
        db.execute_batch(&format!(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;
             BEGIN;
             {FORMAT_1_TABLES}"
        ))
        .map_err(sql("creating the schema"))?;
        let mut writer = Writer::new(self);
        let stats = writer.write(&db).map_err(sql("writing the sample"))?;
        // The index after the load: one sorted build instead of as many
        // inserts as messages.
        db.execute_batch(&format!("{FORMAT_1_INDEXES} COMMIT;"))
            .map_err(sql("indexing"))?;
        db.close()
            .map_err(|(_, e)| Error::sqlite(path, "closing", e))?;
        Ok(stats)
    }
}

/// xorshift64*: fast, deterministic, good enough for test data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that nearby seeds diverge and 0 works.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (0 when n is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    fn percent(&mut self, p: u32) -> bool {
        self.below(100) < u64::from(p)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(i).copied().unwrap_or_default()
    }
}

const FIRST: &[&str] = &[
    "Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo", "Ines", "Jan", "Katrin",
    "Lukas", "Marie", "Noah", "Olga", "Paul", "Rosa", "Simon", "Tereza", "Viktor", "Zoe",
];
const LAST: &[&str] = &[
    "Novak", "Schmidt", "Dvořák", "Müller", "Svoboda", "Weber", "Horák", "Fischer", "Král",
    "Wagner", "O'Brien", "Smith", "García", "Rossi", "Jansen",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "mail.example.net",
    "corp.example",
    "lists.example.com",
];
const WORDS: &[&str] = &[
    "the",
    "meeting",
    "project",
    "report",
    "budget",
    "please",
    "review",
    "attached",
    "next",
    "week",
    "thanks",
    "regards",
    "schedule",
    "update",
    "server",
    "connector",
    "offline",
    "calendar",
    "invoice",
    "quarter",
    "team",
    "deadline",
    "draft",
    "final",
    "question",
    "call",
    "agenda",
    "notes",
    "follow",
    "up",
    "on",
    "our",
    "discussion",
    "about",
    "new",
    "release",
    "customer",
    "support",
    "ticket",
    "license",
    "renewal",
    "and",
    "for",
    "with",
    "from",
    "to",
];
const JUNK_SENDERS: &[&str] = &[
    "MAILER-DAEMON",
    "Microsoft Outlook",
    "Undisclosed recipients",
    "System Administrator",
];
const ODD_SENDERS: &[&str] = &[
    "\"\" <noreply@example.com>",
    "Helpdesk <not an address>",
    "a@b@example.com",
    " \t\"Weber, Felix\"\t<felix.weber@example.org>\r\n",
    "Lists <owner@example.com> <list@example.com>",
    "<>",
    "\"Quoted Only\"",
    "user@",
];
const OPS: &[&str] = &["flag", "move", "delete", "create", "update"];
const MIME: &[(&str, &str)] = &[
    ("report.pdf", "application/pdf"),
    ("photo.jpg", "image/jpeg"),
    (
        "budget.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("notes.txt", "text/plain"),
    ("invite.ics", "text/calendar"),
    ("archive.zip", "application/zip"),
];
/// The files many messages carry: logos, signatures, disclaimers.
const REPEATED_FILES: &[(&str, &str, usize)] = &[
    ("logo.png", "image/png", 6_100),
    ("signature.gif", "image/gif", 2_300),
    ("disclaimer.pdf", "application/pdf", 41_000),
    ("banner.jpg", "image/jpeg", 18_500),
    ("vcard.vcf", "text/vcard", 700),
    ("logo-small.png", "image/png", 1_200),
];
/// Bodies that repeat (newsletters, automatic notices).
const REPEATED_BODIES: u64 = 16;

/// The standard folders: name, kind.
const STANDARD_FOLDERS: &[(&str, &str)] = &[
    ("Inbox", "mail"),
    ("Sent Items", "mail"),
    ("Drafts", "mail"),
    ("Deleted Items", "mail"),
    ("Junk E-mail", "mail"),
    ("Calendar", "calendar"),
    ("Contacts", "contacts"),
    ("Tasks", "tasks"),
    ("Notes", "notes"),
    ("Journal", "journal"),
    ("Archive", "mail"),
    ("Outbox", "mail"),
];

struct Folder {
    id: i64,
    kind: &'static str,
}

struct Writer<'a> {
    sample: &'a Sample,
    rng: Rng,
    /// Text bodies are slices of this (plus a unique first line).
    text: Vec<u8>,
    /// Attachment data are slices of this (plus a unique prefix).
    binary: Vec<u8>,
    body: Vec<u8>,
    data: Vec<u8>,
    headers: String,
    sender: String,
    subject: String,
}

const TEXT_BYTES: usize = 256 << 10;
const BINARY_BYTES: usize = 1 << 20;

impl<'a> Writer<'a> {
    fn new(sample: &'a Sample) -> Writer<'a> {
        let mut rng = Rng::new(sample.seed);
        let mut text = Vec::with_capacity(TEXT_BYTES + 16);
        let mut line = 0;
        while text.len() < TEXT_BYTES {
            let word = rng.pick(WORDS);
            text.extend_from_slice(word.as_bytes());
            line += word.len() + 1;
            if line > 72 {
                text.extend_from_slice(b"\r\n");
                line = 0;
            } else {
                text.push(b' ');
            }
        }
        let mut binary = Vec::with_capacity(BINARY_BYTES);
        while binary.len() < BINARY_BYTES {
            binary.extend_from_slice(&rng.next().to_le_bytes());
        }
        Writer {
            sample,
            rng,
            text,
            binary,
            body: Vec::new(),
            data: Vec::new(),
            headers: String::new(),
            sender: String::new(),
            subject: String::new(),
        }
    }

    fn write(&mut self, db: &Connection) -> rusqlite::Result<SampleStats> {
        let folders = self.write_folders(db)?;
        let (messages, attachments, sampled_ids) = self.write_messages(db, &folders)?;
        let pending_changes = self.write_pending(db, &sampled_ids)?;
        self.write_settings(db)?;
        Ok(SampleStats {
            folders: u32::try_from(folders.len()).unwrap_or(u32::MAX),
            messages,
            attachments,
            pending_changes,
            bytes: 0,
        })
    }

    fn write_folders(&mut self, db: &Connection) -> rusqlite::Result<Vec<Folder>> {
        let count = if self.sample.messages > 0 {
            self.sample.folders.max(1)
        } else {
            self.sample.folders
        };
        let mut insert = db.prepare(
            "INSERT INTO folders(id, parent_id, name, kind, server_path, sync_token) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut folders = Vec::new();
        // (id, path, depth) of the mail folders that can hold subfolders.
        let mut parents: Vec<(i64, String, u32)> = Vec::new();
        for n in 0..count {
            let id = i64::from(n) + 1;
            let token = (!self.rng.percent(10)).then(|| format!("{:016x}", self.rng.next()));
            let (name, kind, parent, path) = match STANDARD_FOLDERS.get(n as usize) {
                Some(&(name, kind)) => (name.to_owned(), kind, None, name.to_owned()),
                None => {
                    let i = usize::try_from(self.rng.below(parents.len() as u64)).unwrap_or(0);
                    let (parent_id, parent_path, _) = parents.get(i).cloned().unwrap_or_default();
                    let name = format!("{} {}", self.rng.pick(WORDS), n);
                    let path = format!("{parent_path}/{name}");
                    (name, "mail", Some(parent_id).filter(|&p| p > 0), path)
                }
            };
            insert.execute(params![id, parent, name, kind, path, token])?;
            let depth = parent
                .and_then(|p| parents.iter().find(|(id, ..)| *id == p))
                .map_or(0, |(.., d)| d + 1);
            // Users file mail under the Inbox and the Archive.
            let filing = matches!(name.as_str(), "Inbox" | "Archive") || parent.is_some();
            if filing && depth < 3 {
                parents.push((id, path, depth));
            }
            folders.push(Folder { id, kind });
        }
        Ok(folders)
    }

    /// A folder for the next message: the Inbox a third of the time, a
    /// non-mail folder one time in twenty, else any mail folder.
    fn pick_folder(&mut self, folders: &[Folder]) -> i64 {
        let roll = self.rng.below(100);
        let candidate = if roll < 33 {
            folders.first()
        } else {
            let i = usize::try_from(self.rng.below(folders.len() as u64)).unwrap_or(0);
            let folder = folders.get(i);
            match folder {
                Some(f) if f.kind != "mail" && roll >= 38 => folders.first(),
                other => other,
            }
        };
        candidate.map_or(1, |f| f.id)
    }

    fn write_messages(
        &mut self,
        db: &Connection,
        folders: &[Folder],
    ) -> rusqlite::Result<(u64, u64, Vec<i64>)> {
        let mut insert_message = db.prepare(
            "INSERT INTO messages(id, folder_id, server_uid, subject, sender, received, flags, size, headers, body) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let mut insert_attachment = db.prepare(
            "INSERT INTO attachments(id, message_id, filename, mime_type, data) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let sample = self.sample;
        let every = (sample.messages / u64::from(sample.pending_changes.max(1))).max(1);
        let mut sampled_ids = Vec::new();
        let mut message_id = 0i64;
        let mut attachment_id = 0i64;
        let mut attachments = 0u64;
        let mut received = 1_500_000_000i64;
        for n in 0..sample.messages {
            // Gaps: messages deleted since.
            message_id += if self.rng.percent(3) {
                2 + self.rng.below(4) as i64
            } else {
                1
            };
            received += 30 + self.rng.below(600) as i64;
            if n % every == 0 {
                sampled_ids.push(message_id);
            }
            let folder_id = self.pick_folder(folders);
            let has_sender = self.make_sender();
            self.make_subject();
            let has_body = self.make_body(message_id);
            self.make_headers(message_id, received);

            let count = if self.rng.percent(sample.attachment_percent) {
                match self.rng.below(10) {
                    0..=4 => 1,
                    5..=7 => 2,
                    _ => 3,
                }
            } else {
                0
            };
            let mut attachment_rows = Vec::with_capacity(count);
            for _ in 0..count {
                attachment_id += if self.rng.percent(2) { 2 } else { 1 };
                attachment_rows.push((attachment_id, self.make_attachment(attachment_id)));
            }
            let size = self.headers.len()
                + self.body.len()
                + attachment_rows.iter().map(|(_, a)| a.len).sum::<usize>();
            let flags = self.make_flags();
            let sender = has_sender.then_some(self.sender.as_str());
            let subject = (!self.rng.percent(1)).then_some(self.subject.as_str());
            let body = has_body.then_some(self.body.as_slice());
            insert_message.execute(params![
                message_id,
                folder_id,
                format!("{folder_id}:{}", n + 1),
                subject,
                sender,
                received,
                flags,
                size as i64,
                self.headers,
                body,
            ])?;
            // The attachment bytes are rebuilt from their recipe: cheap,
            // and no message's attachments are held at once.
            for (id, recipe) in attachment_rows {
                let data = recipe.materialize(self);
                insert_attachment.execute(params![
                    id,
                    message_id,
                    recipe.filename,
                    recipe.mime_type,
                    data
                ])?;
                attachments += 1;
            }
        }
        Ok((sample.messages, attachments, sampled_ids))
    }

    /// Fills `self.sender` with one of the spec's forms; false for NULL.
    fn make_sender(&mut self) -> bool {
        let first = self.rng.pick(FIRST);
        let last = self.rng.pick(LAST);
        let domain = self.rng.pick(DOMAINS);
        let address = format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase());
        self.sender.clear();
        let s = &mut self.sender;
        let _ = match self.rng.below(100) {
            0..=39 => write!(s, "\"{last}, {first}\" <{address}>"),
            40..=69 => write!(s, "{first} {last} <{address}>"),
            70..=77 => write!(s, "<{address}>"),
            78..=85 => write!(s, "{address}"),
            86..=88 => write!(s, "{}", self.rng.pick(JUNK_SENDERS)),
            89..=90 => Ok(()),
            91..=92 => write!(s, " \t "),
            93..=95 => return false,
            _ => write!(s, "{}", self.rng.pick(ODD_SENDERS)),
        };
        true
    }

    fn make_subject(&mut self) {
        self.subject.clear();
        if self.rng.percent(30) {
            self.subject.push_str("Re: ");
        }
        let words = 2 + self.rng.below(7);
        for i in 0..words {
            if i > 0 {
                self.subject.push(' ');
            }
            let word = self.rng.pick(WORDS);
            self.subject.push_str(word);
        }
    }

    /// Fills `self.body`; false for a NULL body.
    fn make_body(&mut self, message_id: i64) -> bool {
        self.body.clear();
        let roll = self.rng.below(100);
        if roll < 2 {
            return false;
        }
        if roll < 3 {
            return true;
        }
        if self.rng.percent(self.sample.repeated_percent) {
            // One of a few newsletters: same bytes every time.
            let which = self.rng.below(REPEATED_BODIES);
            self.body
                .extend_from_slice(format!("Newsletter {which}\r\n").as_bytes());
            let len = self.body_len_for(which);
            let start = (which as usize * 7919) % TEXT_BYTES;
            extend_cycled(&mut self.body, &self.text, start, len);
            return true;
        }
        let average = u64::from(self.sample.body_bytes);
        let len = (average / 4 + self.rng.below(average * 3 / 2 + 1)) as usize;
        self.body
            .extend_from_slice(format!("Message {} {message_id}\r\n", self.sample.seed).as_bytes());
        let start = self.rng.below(TEXT_BYTES as u64) as usize;
        extend_cycled(&mut self.body, &self.text, start, len);
        true
    }

    fn body_len_for(&self, which: u64) -> usize {
        let average = u64::from(self.sample.body_bytes);
        (average / 2 + (which * 997) % (average + 1)) as usize
    }

    fn make_headers(&mut self, message_id: i64, received: i64) {
        self.headers.clear();
        let sender = self.sender.trim();
        let hops = 2 + self.rng.below(3);
        let h = &mut self.headers;
        let _ = write!(
            h,
            "From: {sender}\r\nTo: user@example.com\r\nSubject: {}\r\nDate: {received}\r\n\
             Message-ID: <{message_id}.{}@mail.example.com>\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\nX-Mailer: Olkit Sample 1.0\r\n",
            self.subject, self.sample.seed
        );
        for hop in 0..hops {
            let _ = write!(
                h,
                "Received: from relay{hop}.example.net (relay{hop}.example.net [192.0.2.{}]) \
                 by mx.example.com with ESMTPS id {:012x}; {received}\r\n",
                10 + hop,
                self.rng.next() >> 16
            );
        }
    }

    fn make_flags(&mut self) -> i64 {
        let mut flags = (self.rng.next() & 0xF) as i64;
        if self.rng.percent(60) {
            flags |= 1; // most mail has been read
        }
        if self.rng.percent(10) {
            // Bits of older connectors that format 2 drops.
            flags |= 1 << (4 + self.rng.below(40));
        }
        flags
    }

    fn make_attachment(&mut self, id: i64) -> Recipe {
        let roll = self.rng.below(100);
        if roll < 1 {
            return Recipe::null(self.rng.below(MIME.len() as u64));
        }
        if roll < 2 {
            return Recipe {
                kind: RecipeKind::Empty,
                filename: "empty.txt",
                mime_type: "text/plain",
                len: 0,
            };
        }
        if self.rng.percent(self.sample.repeated_percent) {
            let which = self.rng.below(REPEATED_FILES.len() as u64) as usize;
            let (filename, mime_type, len) =
                REPEATED_FILES.get(which).copied().unwrap_or(("x", "x", 0));
            return Recipe {
                kind: RecipeKind::Repeated(which),
                filename,
                mime_type,
                len,
            };
        }
        let average = u64::from(self.sample.body_bytes) * ATTACHMENT_HALVES / 2;
        let len = (average / 5 + self.rng.below(average * 8 / 5 + 1)) as usize;
        let (filename, mime_type) = MIME
            .get(self.rng.below(MIME.len() as u64) as usize)
            .copied()
            .unwrap_or(("x", "x"));
        Recipe {
            kind: RecipeKind::Unique {
                id,
                start: self.rng.below(BINARY_BYTES as u64) as usize,
            },
            filename,
            mime_type,
            len,
        }
    }

    fn write_pending(&mut self, db: &Connection, message_ids: &[i64]) -> rusqlite::Result<u32> {
        let mut insert = db.prepare(
            "INSERT INTO pending_changes(id, message_id, op, payload, created) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut created = 1_700_000_000i64;
        for n in 0..self.sample.pending_changes {
            let message = if message_ids.is_empty() || self.rng.percent(10) {
                None
            } else {
                message_ids
                    .get(self.rng.below(message_ids.len() as u64) as usize)
                    .copied()
            };
            let op = self.rng.pick(OPS);
            let payload = (!self.rng.percent(20)).then(|| {
                let mut p = format!(
                    "{{\"op\":\"{op}\",\"n\":{n},\"target\":\"{:x}\"}}",
                    self.rng.next()
                )
                .into_bytes();
                // Binary tails, as some edits carry.
                p.extend_from_slice(&self.rng.next().to_le_bytes());
                p
            });
            created += 1 + self.rng.below(3600) as i64;
            insert.execute(params![i64::from(n) + 1, message, op, payload, created])?;
        }
        Ok(self.sample.pending_changes)
    }

    fn write_settings(&mut self, db: &Connection) -> rusqlite::Result<()> {
        let mut insert = db.prepare("INSERT INTO settings(key, value) VALUES (?1, ?2)")?;
        let last_sync = format!("{}", 1_700_000_000 + self.rng.below(10_000_000));
        let rows: [(&str, Option<&str>); 7] = [
            ("account.address", Some("user@example.com")),
            ("server.host", Some("mail.example.com")),
            ("server.port", Some("443")),
            ("sync.last_full", Some(&last_sync)),
            ("connector.version", Some("7.1.4")),
            ("ui.preview_pane", None),
            ("ui.signature", Some("")),
        ];
        for (key, value) in rows {
            insert.execute(params![key, value])?;
        }
        Ok(())
    }
}

/// Appends `len` bytes of `source` from `start` on, wrapping around.
fn extend_cycled(out: &mut Vec<u8>, source: &[u8], start: usize, len: usize) {
    if source.is_empty() {
        return;
    }
    let mut at = start % source.len();
    let mut left = len;
    while left > 0 {
        let part = source.get(at..).unwrap_or_default();
        let n = part.len().min(left);
        out.extend_from_slice(part.get(..n).unwrap_or_default());
        left -= n;
        at = 0;
    }
}

/// How to build one attachment's data.
struct Recipe {
    kind: RecipeKind,
    filename: &'static str,
    mime_type: &'static str,
    len: usize,
}

enum RecipeKind {
    Null,
    Empty,
    /// One of [`REPEATED_FILES`]: the same bytes every time.
    Repeated(usize),
    /// Distinct bytes: the attachment's id, then random bytes.
    Unique {
        id: i64,
        start: usize,
    },
}

impl Recipe {
    fn null(mime: u64) -> Recipe {
        let (filename, mime_type) = MIME.get(mime as usize).copied().unwrap_or(("x", "x"));
        Recipe {
            kind: RecipeKind::Null,
            filename,
            mime_type,
            len: 0,
        }
    }

    fn materialize<'w>(&self, writer: &'w mut Writer<'_>) -> Option<&'w [u8]> {
        writer.data.clear();
        match self.kind {
            RecipeKind::Null => return None,
            RecipeKind::Empty => {}
            RecipeKind::Repeated(which) => {
                writer.data.extend_from_slice(b"OLKIT-SHARED-FILE");
                writer.data.extend_from_slice(&(which as u64).to_le_bytes());
                let start = which * 104_729;
                extend_cycled(
                    &mut writer.data,
                    &writer.binary,
                    start,
                    self.len.saturating_sub(25),
                );
            }
            RecipeKind::Unique { id, start } => {
                writer
                    .data
                    .extend_from_slice(&writer.sample.seed.to_le_bytes());
                writer.data.extend_from_slice(&id.to_le_bytes());
                extend_cycled(
                    &mut writer.data,
                    &writer.binary,
                    start,
                    self.len.saturating_sub(16),
                );
            }
        }
        Some(&writer.data)
    }
}
