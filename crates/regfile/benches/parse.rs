//! Parse throughput over a generated `Windows Registry Editor Version 5.00`
//! export (UTF-16LE with BOM, CRLF, about 50 MB), against the `regashii`
//! crate parsing the same bytes in the same run.
//!
//! `cargo bench -p olkit-regfile --bench parse`; `OLKIT_BENCH_MB` sets the
//! input size in MB (10^6 bytes, default 50) and `OLKIT_BENCH_ITERS` the
//! number of timed runs per measurement (default 5, at least 5);
//! `OLKIT_BENCH_DUMP=path` also writes the generated input to `path`.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use olkit_regfile::{Entry, RegFile, RegType};

const DEFAULT_MB: f64 = 50.0;
const MIN_ITERS: usize = 5;
const SEED: u64 = 0x9E37_79B9_7F4A_7C15;
const COMMENT: &str = "; exported by olkit bench generator, do not edit";
const MB: f64 = 1e6;

// ---------------------------------------------------------------------------
// Deterministic generator
// ---------------------------------------------------------------------------

/// Marsaglia's xorshift64 (13, 7, 17).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_mille` / 1000.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn byte(&mut self) -> u8 {
        (self.next() >> 32) as u8
    }
}

const VENDORS: &[&str] = &[
    "Kerio Technologies",
    "Microsoft",
    "Open-Xchange",
    "Mozilla",
    "Adobe",
    "Google",
    "7-Zip",
    "Notepad++",
    "Citrix",
    "Oracle",
    "VMware, Inc.",
    "Zimbra",
    "Novell",
    "Sophos",
    "Škoda Software",
    "Société Générale Informatique",
];

/// Subkey names: distinct even when compared case-insensitively.
const KEY_WORDS: &[&str] = &[
    "Outlook Connector",
    "Profiles",
    "Accounts",
    "Settings",
    "Options",
    "Cache",
    "Sync",
    "Folders",
    "Calendar",
    "Contacts",
    "Tasks",
    "Notes",
    "Journal",
    "Security",
    "Proxy",
    "Logging",
    "Updates",
    "Recent File List",
    "Window Placement",
    "Toolbars",
    "AddIns",
    "Preferences",
    "Identities",
    "Mail",
    "Signatures",
    "Stationery",
    "Rules",
    "Filters",
    "Účty",
    "Předvolby",
    "Données",
    "Einstellungen",
    "Пользователи",
    "設定",
    "Configuración",
    "Shell Extensions",
    "FileAssociations",
    "Capabilities",
    "InstallProperties",
    "Components",
];

/// Value names: distinct even when compared case-insensitively.
const VALUE_NAMES: &[&str] = &[
    "Server",
    "Port",
    "UseSSL",
    "LastSync",
    "DisplayName",
    "InstallPath",
    "Version",
    "Flags",
    "Options",
    "AccountGUID",
    "Signature",
    "Data",
    "Timeout",
    "ProxyServer",
    "Language",
    "Theme",
    "WindowPos",
    "MRUList",
    "Enabled",
    "CacheSize",
    "LogLevel",
    "UserName",
    "Email",
    "Folder",
    "Identity",
    "Description",
    "Název účtu",
    "Benutzername",
    "Priorität",
    "Répertoire",
    "Имя",
    "表示名",
    "Path",
    "Mode",
    "Count",
    "Recent",
    "Color",
    "Font",
    "Culture",
    "Store ID",
];

const TEXTS: &[&str] = &[
    "Doručená pošta",
    "Boîte de réception",
    "Posteingang für Müller",
    "受信トレイ",
    "Входящие",
    "Elementos enviados",
    "📧 Inbox",
    "Ελληνικά",
    "Outlook Today",
    "Personal Folders",
    "Deleted Items",
    "Calendar",
    "Jürgen Groß",
    "Zoë Ångström",
];

const WORDS: &[&str] = &[
    "kerio",
    "connector",
    "profile",
    "mailbox",
    "offline",
    "store",
    "sync",
    "cache",
    "outlook",
    "addin",
    "setup",
    "update",
    "server",
    "client",
    "proxy",
    "user",
    "default",
    "backup",
    "archive",
    "search",
    "index",
    "calendar",
    "contacts",
    "notes",
];

#[derive(Default, Debug)]
struct Stats {
    keys: usize,
    key_deletions: usize,
    values: usize,
    value_deletions: usize,
    sz: usize,
    defaults: usize,
    dwords: usize,
    binaries: usize,
    expand: usize,
    multi: usize,
    qwords: usize,
    comments: usize,
    lines: usize,
}

struct Gen {
    rng: Rng,
    out: Vec<u8>,
    stats: Stats,
    obsolete: usize,
}

/// Regedit's escaping of names and string data.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for ch in text.chars() {
        if ch == '\\' || ch == '"' {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

fn utf16z(text: &str, out: &mut Vec<u8>) {
    for unit in text.encode_utf16().chain([0]) {
        out.extend_from_slice(&unit.to_le_bytes());
    }
}

/// `prefix` (`"name"=hex:` or `"name"=hex(N):`) followed by the bytes,
/// wrapped as regedit wraps them: the line length counts from the start of
/// the line (UTF-16 units, prefix included); after each `xx,` it grows by 3
/// and once it reaches 77 the line ends with `\` and the next starts with
/// two spaces. The last byte has no comma.
fn hex_line(prefix: &str, bytes: &[u8]) -> String {
    let mut s = String::with_capacity(prefix.len() + bytes.len() * 3 + bytes.len() / 8 + 4);
    s.push_str(prefix);
    let mut len = prefix.encode_utf16().count();
    for (i, b) in bytes.iter().enumerate() {
        let _ = write!(s, "{b:02x}");
        if i + 1 == bytes.len() {
            break;
        }
        s.push(',');
        len += 3;
        if len >= 77 {
            s.push_str("\\\r\n  ");
            len = 2;
        }
    }
    s
}

impl Gen {
    fn line(&mut self, text: &str) {
        for unit in text.encode_utf16().chain("\r\n".encode_utf16()) {
            self.out.extend_from_slice(&unit.to_le_bytes());
        }
        self.stats.lines += 1 + text.matches('\n').count();
    }

    fn guid(&mut self) -> String {
        let a = self.rng.next();
        let b = self.rng.next();
        format!(
            "{{{:08X}-{:04X}-{:04X}-{:04X}-{:012X}}}",
            a >> 32,
            (a >> 16) & 0xFFFF,
            a & 0xFFFF,
            b >> 48,
            b & 0xFFFF_FFFF_FFFF
        )
    }

    fn sz_text(&mut self) -> String {
        let r = &mut self.rng;
        match r.below(10) {
            0 | 1 => format!(
                r"C:\Program Files\{}\{}\{}.exe",
                r.pick(VENDORS),
                r.pick(WORDS),
                r.pick(WORDS)
            ),
            2 => format!("mail{}.example.com", r.below(1000)),
            3 => r.pick(TEXTS).to_string(),
            4 => format!(
                "\"{}\" /{} \"{}\"",
                r.pick(WORDS),
                r.pick(WORDS),
                r.pick(TEXTS)
            ),
            5 => self.guid(),
            6 => format!("16.0.{}.{}", r.range(1000, 19999), r.range(1000, 9999)),
            7 => String::new(),
            8 => {
                let mut s = String::new();
                for i in 0..r.range(8, 30) {
                    if i > 0 {
                        s.push(' ');
                    }
                    s.push_str(if r.chance(100) {
                        r.pick(TEXTS)
                    } else {
                        r.pick(WORDS)
                    });
                }
                s
            }
            _ => format!(
                "https://{}.example.org/{}?user={}&lang=cs",
                r.pick(WORDS),
                r.pick(WORDS),
                r.below(100_000)
            ),
        }
    }

    fn values(&mut self) {
        let count = self.rng.range(0, 12);
        if self.rng.chance(10) {
            self.line(COMMENT);
            self.stats.comments += 1;
        }
        if self.rng.chance(250) {
            let text = self.sz_text();
            self.line(&format!("@=\"{}\"", escape(&text)));
            self.stats.values += 1;
            self.stats.defaults += 1;
        }
        let start = self.rng.below(VALUE_NAMES.len());
        for v in 0..count {
            let name = if self.rng.chance(30) {
                format!(
                    r"C:\Program Files\Common Files\{}\{}{v}.dll",
                    self.rng.pick(VENDORS),
                    self.rng.pick(WORDS)
                )
            } else {
                VALUE_NAMES[(start + v) % VALUE_NAMES.len()].to_string()
            };
            let prefix = format!("\"{}\"=", escape(&name));
            let kind = self.rng.below(1000);
            let text = match kind {
                0..=379 => {
                    self.stats.sz += 1;
                    let text = self.sz_text();
                    format!("{prefix}\"{}\"", escape(&text))
                }
                380..=629 => {
                    self.stats.dwords += 1;
                    let n = if self.rng.chance(500) {
                        self.rng.below(2) as u32
                    } else {
                        self.rng.next() as u32
                    };
                    format!("{prefix}dword:{n:08x}")
                }
                630..=769 => {
                    self.stats.binaries += 1;
                    let len = self.rng.range(10, 400);
                    let bytes: Vec<u8> = (0..len).map(|_| self.rng.byte()).collect();
                    hex_line(&format!("{prefix}hex:"), &bytes)
                }
                770..=849 => {
                    self.stats.expand += 1;
                    let text = if self.rng.chance(500) {
                        format!(r"%SystemRoot%\system32\{}.dll", self.rng.pick(WORDS))
                    } else {
                        format!(
                            r"%USERPROFILE%\AppData\Local\{}\{}",
                            self.rng.pick(VENDORS),
                            self.rng.pick(TEXTS)
                        )
                    };
                    let mut bytes = Vec::new();
                    utf16z(&text, &mut bytes);
                    hex_line(&format!("{prefix}hex(2):"), &bytes)
                }
                850..=929 => {
                    self.stats.multi += 1;
                    let mut bytes = Vec::new();
                    for _ in 0..self.rng.range(1, 4) {
                        let item = if self.rng.chance(500) {
                            format!("mail{}.example.com", self.rng.below(1000))
                        } else {
                            self.rng.pick(TEXTS).to_string()
                        };
                        utf16z(&item, &mut bytes);
                    }
                    bytes.extend_from_slice(&[0, 0]);
                    hex_line(&format!("{prefix}hex(7):"), &bytes)
                }
                _ => {
                    self.stats.qwords += 1;
                    let bytes = self.rng.next().to_le_bytes();
                    hex_line(&format!("{prefix}hex(b):"), &bytes)
                }
            };
            self.line(&text);
            self.stats.values += 1;
        }
        if self.rng.chance(8) {
            // A name no other line of the key uses.
            self.line("\"Obsolete Setting\"=-");
            self.stats.values += 1;
            self.stats.value_deletions += 1;
        }
    }

    fn key(&mut self, path: &str, depth: usize) {
        self.line(&format!("[{path}]"));
        self.stats.keys += 1;
        self.values();
        self.line("");
        if self.rng.chance(3) {
            self.obsolete += 1;
            let n = self.obsolete;
            self.line(&format!("[-{path}\\Obsolete {n}]"));
            self.line("");
            self.stats.keys += 1;
            self.stats.key_deletions += 1;
        }
        let children = match depth {
            0 => self.rng.range(3, 8),
            1..=4 => match self.rng.below(100) {
                0..=44 => 0,
                45..=79 => self.rng.range(1, 2),
                _ => self.rng.range(3, 5),
            },
            _ => 0,
        };
        let start = self.rng.below(KEY_WORDS.len());
        for c in 0..children {
            let name = match self.rng.below(10) {
                0 => self.guid(),
                1 => format!("{c:08}"),
                _ => KEY_WORDS[(start + c) % KEY_WORDS.len()].to_string(),
            };
            self.key(&format!("{path}\\{name}"), depth + 1);
        }
    }
}

/// A v5 export of at least `target` bytes (UTF-16LE with BOM, CRLF).
fn generate(target: usize) -> (Vec<u8>, Stats) {
    let mut g = Gen {
        rng: Rng(SEED),
        out: Vec::with_capacity(target + (1 << 20)),
        stats: Stats::default(),
        obsolete: 0,
    };
    g.out.extend_from_slice(&[0xFF, 0xFE]);
    g.line("Windows Registry Editor Version 5.00");
    g.line("");
    let mut tree = 0;
    while g.out.len() < target {
        let vendor = VENDORS[tree % VENDORS.len()];
        let root = match tree / VENDORS.len() {
            0 => format!("HKEY_CURRENT_USER\\Software\\{vendor}"),
            n => format!("HKEY_CURRENT_USER\\Software\\{vendor} {n}"),
        };
        g.key(&root, 0);
        tree += 1;
    }
    (g.out, g.stats)
}

// ---------------------------------------------------------------------------
// The reference: regashii
// ---------------------------------------------------------------------------

/// What `regashii::Registry::deserialize_file` does to the file's bytes
/// before parsing, step for step (its private `etc::read_bytes`, with the
/// same `utf16string` calls): clone and try UTF-8, clone again, validate and
/// decode as UTF-16LE, strip the BOM into a new String. `bytes` stands for
/// the Vec that `fs::read` returns (made outside the timing).
fn regashii_read_bytes(bytes: Vec<u8>) -> String {
    if let Ok(raw) = String::from_utf8(bytes.clone()) {
        return raw;
    }
    let raw = utf16string::WString::from_utf16le(bytes.clone())
        .expect("generated input is valid UTF-16LE");
    let utf8 = raw.to_utf8();
    utf8.strip_prefix('\u{feff}')
        .map(|x| x.to_string())
        .unwrap_or(utf8)
}

/// The memory-speed floor: one plain decode of the same bytes to a String.
fn plain_decode(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16(&units).expect("generated input is valid UTF-16")
}

// ---------------------------------------------------------------------------
// Sanity check: both parsers read the same keys and values
// ---------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
enum Norm {
    Delete,
    Sz(String),
    Expand(String),
    Binary(Vec<u8>),
    Dword(u32),
    Multi(Vec<String>),
    Qword(u64),
    Other,
}

fn norm_olkit(entry: &Entry<'_>) -> Norm {
    let Some(v) = entry.value() else {
        return Norm::Delete;
    };
    match v.ty() {
        RegType::SZ => Norm::Sz(v.as_str().unwrap()),
        RegType::EXPAND_SZ => Norm::Expand(v.as_str().unwrap()),
        RegType::BINARY => Norm::Binary(v.data().to_vec()),
        RegType::DWORD => Norm::Dword(v.as_u32().unwrap()),
        RegType::MULTI_SZ => Norm::Multi(v.as_multi_string().unwrap()),
        RegType::QWORD => Norm::Qword(v.as_u64().unwrap()),
        _ => Norm::Other,
    }
}

fn norm_regashii(v: &regashii::Value) -> Norm {
    match v {
        regashii::Value::Delete => Norm::Delete,
        regashii::Value::Sz(s) => Norm::Sz(s.clone()),
        regashii::Value::ExpandSz(s) => Norm::Expand(s.clone()),
        regashii::Value::Binary(b) => Norm::Binary(b.clone()),
        regashii::Value::Dword(n) => Norm::Dword(*n),
        regashii::Value::MultiSz(items) => Norm::Multi(items.clone()),
        regashii::Value::Qword(n) => Norm::Qword(*n),
        _ => Norm::Other,
    }
}

fn abort(message: &str) -> ! {
    eprintln!("parse bench: sanity check failed: {message}");
    eprintln!("parse bench: the generated input is not read the same by both parsers; no numbers reported");
    std::process::exit(1);
}

/// Checks that olkit (strict) and regashii both parse the input and see the
/// same keys, the same values and the same data; returns the counts and
/// whether the input is laid out as olkit's regedit writer lays it out.
fn sanity(bytes: &[u8], stats: &Stats) -> (usize, usize, bool) {
    let file = RegFile::parse(bytes).unwrap_or_else(|e| {
        abort(&format!(
            "olkit RegFile::parse (strict) refused the input: {e}"
        ))
    });
    let raw = regashii_read_bytes(bytes.to_vec());
    let reg = regashii::Registry::deserialize(&raw).unwrap_or_else(|e| {
        abort(&format!(
            "regashii Registry::deserialize refused the input: {e}"
        ))
    });
    if file.format() != olkit_regfile::Format::Regedit5
        || reg.format() != regashii::Format::Regedit5
    {
        abort("a parser did not recognise the version 5 header");
    }
    let olkit_keys = file.key_count();
    let regashii_keys = reg.keys().len();
    if olkit_keys != stats.keys || regashii_keys != stats.keys {
        abort(&format!(
            "key count differs: generated {}, olkit saw {olkit_keys}, regashii saw {regashii_keys}",
            stats.keys
        ));
    }
    let olkit_values: usize = file.keys().map(|k| k.entries().count()).sum();
    let regashii_values: usize = reg.keys().values().map(|k| k.values().len()).sum();
    if olkit_values != stats.values || regashii_values != stats.values {
        abort(&format!(
            "value count differs: generated {}, olkit saw {olkit_values}, regashii saw {regashii_values}",
            stats.values
        ));
    }
    for key in file.keys() {
        let Some(rkey) = reg.keys().get(&regashii::KeyName::new(key.path())) else {
            abort(&format!(
                "regashii has no key {:?} (olkit line {})",
                key.path(),
                key.line()
            ));
        };
        if key.is_deletion() != (rkey.kind() == regashii::KeyKind::Delete) {
            abort(&format!(
                "key {:?}: olkit and regashii disagree on deletion",
                key.path()
            ));
        }
        let theirs: BTreeMap<_, _> = rkey
            .values()
            .iter()
            .map(|(n, v)| (n.clone(), norm_regashii(v)))
            .collect();
        for entry in key.entries() {
            let name = match entry.name() {
                "" => regashii::ValueName::Default,
                n => regashii::ValueName::named(n),
            };
            let ours = norm_olkit(&entry);
            match theirs.get(&name) {
                Some(t) if *t == ours && ours != Norm::Other => {}
                other => abort(&format!(
                    "key {:?} value {:?} (olkit line {}): olkit read {ours:?}, regashii read {other:?}",
                    key.path(),
                    entry.name(),
                    entry.line()
                )),
            }
        }
    }
    if file.to_bytes() != bytes {
        abort("olkit to_bytes() did not give the input back byte for byte");
    }
    (olkit_keys, olkit_values, same_as_writer(&file, bytes))
}

/// Whether the input, less its comment lines (which regedit never writes),
/// is exactly what olkit's regedit writer (`to_canonical_bytes`) produces:
/// an independent check of the generator's layout and hex wrapping.
/// Informative only: a difference is reported, not fatal.
fn same_as_writer(file: &RegFile, bytes: &[u8]) -> bool {
    let Ok(canonical) = file.to_canonical_bytes() else {
        return false;
    };
    let mut comment = Vec::new();
    for unit in COMMENT.encode_utf16().chain("\r\n".encode_utf16()) {
        comment.extend_from_slice(&unit.to_le_bytes());
    }
    let mut stripped = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        // Comment lines start at an even offset (UTF-16 units).
        if rest.starts_with(&comment) && (bytes.len() - rest.len()).is_multiple_of(2) {
            rest = &rest[comment.len()..];
        } else {
            stripped.push(rest[0]);
            rest = &rest[1..];
        }
    }
    stripped == canonical
}

// ---------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------

struct Series {
    label: &'static str,
    times: Vec<Duration>,
}

impl Series {
    fn new(label: &'static str) -> Self {
        Series {
            label,
            times: Vec::new(),
        }
    }

    fn median(&self) -> Duration {
        let mut t = self.times.clone();
        t.sort();
        let n = t.len();
        if n % 2 == 1 {
            t[n / 2]
        } else {
            (t[n / 2 - 1] + t[n / 2]) / 2
        }
    }

    fn min(&self) -> Duration {
        self.times.iter().copied().min().unwrap()
    }
}

fn mbps(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / MB / t.as_secs_f64()
}

fn env_number(name: &str) -> Option<f64> {
    let raw = std::env::var(name).ok()?;
    match raw.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Some(n),
        _ => {
            eprintln!("parse bench: {name}={raw:?} is not a positive number");
            std::process::exit(2);
        }
    }
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

/// What each line of the output measures.
const WHAT: &str = "\
what each line measures (all from the same in-memory bytes, no file I/O; results dropped outside the timing):
  olkit parse:    RegFile::parse(&bytes), strict: BOM detection, UTF-16 units, the lossless line model,
                  typed values, and the copy of the input the RegFile keeps for write-back
  olkit to_bytes: writing the parsed, unedited file back (output = input size)
  regashii:       what Registry::deserialize_file does after fs::read, step for step (its private
                  etc::read_bytes, the same utf16string calls): two copies of the bytes, a failed
                  UTF-8 check, UTF-16LE validate + decode, BOM strip into a new String; then
                  Registry::deserialize(&str) (nom grammar + BTreeMap model); the 'of which' lines
                  split the two. MB/s are over the input bytes on every line
  floor:          little-endian bytes to Vec<u16>, then String::from_utf16: a decode, no parsing
";

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    let mb = env_number("OLKIT_BENCH_MB").unwrap_or(DEFAULT_MB);
    let iters = env_number("OLKIT_BENCH_ITERS").map_or(MIN_ITERS, |n| (n as usize).max(MIN_ITERS));
    let target = (mb * MB) as usize;

    let t = Instant::now();
    let (bytes, stats) = generate(target);
    let gen_time = t.elapsed();
    let size = bytes.len();
    if let Some(path) = std::env::var_os("OLKIT_BENCH_DUMP") {
        std::fs::write(&path, &bytes).expect("writing OLKIT_BENCH_DUMP");
        println!("generated input written to {}", path.to_string_lossy());
    }

    println!("olkit-regfile parse benchmark (MB = 10^6 bytes; OLKIT_BENCH_MB={mb}, OLKIT_BENCH_ITERS={iters})");
    println!(
        "input: {size} bytes = {:.2} MB, generated v5 export (UTF-16LE with BOM, CRLF), seed {SEED:#x}, in {:.2} s",
        size as f64 / MB,
        gen_time.as_secs_f64()
    );
    println!(
        "       {} physical lines; {} keys ({} [-KEY] deletions); {} value lines: {} REG_SZ + {} @= defaults, \
         {} dword, {} hex (binary 10..400 bytes), {} hex(2), {} hex(7), {} hex(b), {} \"x\"=- deletions; {} ; comments",
        stats.lines,
        stats.keys,
        stats.key_deletions,
        stats.values,
        stats.sz,
        stats.defaults,
        stats.dwords,
        stats.binaries,
        stats.expand,
        stats.multi,
        stats.qwords,
        stats.value_deletions,
        stats.comments
    );

    // Sanity check, also the warm-up run of every measured operation.
    let t = Instant::now();
    let (keys, values, as_writer) = sanity(&bytes, &stats);
    black_box(plain_decode(&bytes));
    println!(
        "sanity (= warm-up run): olkit strict parse and regashii both read {keys} keys and {values} values, \
         with equal data; olkit to_bytes() gives the input back byte for byte ({:.2} s)",
        t.elapsed().as_secs_f64()
    );
    println!(
        "layout: input less its comment lines {} olkit's regedit writer output (to_canonical_bytes)",
        if as_writer { "is identical to" } else { "DIFFERS from" }
    );

    let mut olkit_parse = Series::new("olkit RegFile::parse(&bytes)");
    let mut olkit_write = Series::new("olkit RegFile::to_bytes()");
    let mut reg_total = Series::new("regashii decode + deserialize");
    let mut reg_decode = Series::new("  of which: decode as deserialize_file");
    let mut reg_parse = Series::new("  of which: Registry::deserialize(&str)");
    let mut floor = Series::new("floor: String::from_utf16 of the bytes");

    // Rounds interleave the parsers so drift affects all of them alike.
    for _ in 0..iters {
        let t = Instant::now();
        let file = RegFile::parse(black_box(&bytes)).unwrap();
        olkit_parse.times.push(t.elapsed());
        black_box(file.key_count());

        let t = Instant::now();
        let out = file.to_bytes();
        olkit_write.times.push(t.elapsed());
        black_box(out.len());
        drop(out);
        drop(file);

        let input = black_box(bytes.clone());
        let t0 = Instant::now();
        let raw = regashii_read_bytes(input);
        let t1 = Instant::now();
        let reg = regashii::Registry::deserialize(black_box(&raw)).unwrap();
        let t2 = Instant::now();
        black_box(reg.keys().len());
        reg_decode.times.push(t1 - t0);
        reg_parse.times.push(t2 - t1);
        reg_total.times.push(t2 - t0);
        drop(reg);
        drop(raw);

        let t = Instant::now();
        let text = plain_decode(black_box(&bytes));
        floor.times.push(t.elapsed());
        black_box(text.len());
    }

    println!();
    println!(
        "{:<42} {:>10} {:>10} {:>12} {:>12}",
        format!(
            "{iters} runs each, over the {:.2} MB input",
            size as f64 / MB
        ),
        "median",
        "min",
        "MB/s median",
        "MB/s best"
    );
    for s in [
        &olkit_parse,
        &olkit_write,
        &reg_total,
        &reg_decode,
        &reg_parse,
        &floor,
    ] {
        println!(
            "{:<42} {:>8.1}ms {:>8.1}ms {:>12.1} {:>12.1}",
            s.label,
            s.median().as_secs_f64() * 1e3,
            s.min().as_secs_f64() * 1e3,
            mbps(size, s.median()),
            mbps(size, s.min())
        );
    }

    let ratio = |a: &Series, b: &Series| {
        (
            b.median().as_secs_f64() / a.median().as_secs_f64(),
            b.min().as_secs_f64() / a.min().as_secs_f64(),
        )
    };
    let (r_med, r_min) = ratio(&olkit_parse, &reg_total);
    let (p_med, p_min) = ratio(&olkit_parse, &reg_parse);
    let (f_med, f_min) = ratio(&floor, &olkit_parse);
    println!();
    println!("ratio olkit/regashii (throughput, regashii = decode + deserialize): {r_med:.2}x (median), {r_min:.2}x (min)");
    println!("ratio olkit/regashii (throughput, regashii = deserialize alone):   {p_med:.2}x (median), {p_min:.2}x (min)");
    println!("olkit parse takes {f_med:.2}x (median), {f_min:.2}x (min) the time of the plain UTF-16 decode floor");
    let speed = mbps(size, olkit_parse.median());
    println!(
        "goal: >= 100 MB/s: {} ({speed:.1} MB/s median)",
        met(speed >= 100.0)
    );
    println!(
        "goal: >= 2x regashii: {} ({r_med:.2}x median, against decode + deserialize)",
        met(r_med >= 2.0)
    );

    println!();
    print!("{WHAT}");
}
