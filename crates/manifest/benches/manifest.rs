//! Three measurements, each next to a reference run in the same process:
//!
//! 1. parse throughput on a generated manifest of 10,000 packages with
//!    every field (about 20 MB, under raised [`Limits`]), against
//!    quick-xml merely tokenizing the same text (the floor under any
//!    parser built on it);
//! 2. planning those 10,000 packages against 10,000 installed products
//!    (time per plan; no reference);
//! 3. package verification (`verify_file`, size and SHA-256) of a 1 GiB
//!    file against `sha256sum` on the same file, both with the file in
//!    the page cache; the goal is a ratio of at least 0.9.
//!
//! `cargo bench -p olkit-manifest --bench manifest`; `OLKIT_BENCH_VERIFY_MB`
//! sets the size of the verified file in MiB (default 1024). Each figure
//! is the median of several timed runs.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

#[allow(dead_code, reason = "each bench uses a part of the helpers")]
#[path = "../../../tests/rust/bench_support.rs"]
mod bench_support;
use bench_support::median;

use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use olkit_manifest::{
    parse_with, plan, verify_file, Architecture, Environment, InstalledProduct, Limits, Manifest,
    Version,
};

const PACKAGES: usize = 10_000;
const INSTALLED: usize = 10_000;
const MB: f64 = 1e6;

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

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn guid(rng: &mut Rng) -> String {
    let (a, b) = (rng.next(), rng.next());
    format!(
        "{{{:08X}-{:04X}-{:04X}-{:04X}-{:012X}}}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFFF,
        b >> 48,
        b & 0xFFFF_FFFF_FFFF
    )
}

fn hex(rng: &mut Rng, bytes: usize) -> String {
    (0..bytes).fold(String::new(), |mut s, _| {
        let _ = write!(s, "{:02x}", rng.next() as u8);
        s
    })
}

/// A package of the generated manifest, as the installed list needs it.
struct Generated {
    upgrade_code: String,
    product_code: String,
    name: String,
    version: (u64, u64, u64),
}

/// A legal manifest with every field: pairs of packages share an upgrade
/// code (two versions of one product), every 50th carries a small base64
/// icon, notes and details in two languages with escaped markup.
fn generate(rng: &mut Rng) -> (String, Vec<Generated>) {
    let icon = {
        let raw: Vec<u8> = (0..318).map(|_| rng.next() as u8).collect();
        base64_lines(&raw)
    };
    let mut xml = String::from(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<Products xmlns:olkit=\"urn:olkit:manifest:1\" olkit:serial=\"2025060101\"",
        " olkit:issued=\"2025-06-01T00:00:00Z\" olkit:expires=\"2025-07-01T00:00:00Z\">\n"
    ));
    let mut generated = Vec::with_capacity(PACKAGES);
    let mut upgrade_code = String::new();
    for i in 0..PACKAGES {
        if i % 2 == 0 {
            upgrade_code = guid(rng);
        }
        let product_code = guid(rng);
        let name = format!("Connector {} for Microsoft Outlook", i / 2);
        let version = (7, rng.below(20), rng.below(2000));
        let (major, minor, build) = version;
        let _ = write!(
            xml,
            concat!(
                "  <Product>\n",
                "    <Name>{name}</Name>\n",
                "    <Version>{major}.{minor}.{build}.{revision}</Version>\n",
                "    <UpgradeCode>{upgrade}</UpgradeCode>\n",
                "    <MD5>{md5}</MD5>\n",
                "    <ReleaseDate>2025-05-{day:02}</ReleaseDate>\n",
                "    <URL>https://updates.example.com/products/connector-{i}-{major}.{minor}.{build}.msi</URL>\n",
                "    <InfoUrl>https://updates.example.com/info/connector-{i}.html?lang=en&amp;ref=updater</InfoUrl>\n",
                "    <InstallParams>/qb REBOOT=ReallySuppress</InstallParams>\n",
                "    <Importance>{importance}</Importance>\n",
            ),
            name = name,
            major = major,
            minor = minor,
            build = build,
            revision = rng.below(10_000),
            upgrade = upgrade_code,
            md5 = hex(rng, 16),
            day = 1 + i % 28,
            i = i,
            importance = ["Low", "Normal", "High"][i % 3],
        );
        if i % 50 == 0 {
            let _ = writeln!(xml, "    <Icon>\n{icon}    </Icon>");
        }
        let _ = write!(
            xml,
            concat!(
                "    <olkit:ProductCode>{code}</olkit:ProductCode>\n",
                "    <olkit:Sha256>{sha}</olkit:Sha256>\n",
                "    <olkit:Size>{size}</olkit:Size>\n",
                "    <olkit:MinServerVersion>7.{min_server}.0</olkit:MinServerVersion>\n",
                "    <olkit:MaxServerVersion>8.0</olkit:MaxServerVersion>\n",
                "    <olkit:OutlookVersions>2016 2019 2021 365</olkit:OutlookVersions>\n",
                "    <olkit:MinWindowsVersion>10.0</olkit:MinWindowsVersion>\n",
                "    <olkit:Architecture>{arch}</olkit:Architecture>\n",
                "    <olkit:Channel>{channel}</olkit:Channel>\n",
                "    <olkit:RolloutPercent>{rollout}</olkit:RolloutPercent>\n",
                "    <olkit:Critical>{critical}</olkit:Critical>\n",
                "    <olkit:RequiredCacheFormat>{cache}</olkit:RequiredCacheFormat>\n",
                "    <olkit:ReleaseNotes xml:lang=\"en\">Fixes the sync of shared calendars &amp; recurring meetings (#{i}).</olkit:ReleaseNotes>\n",
                "    <olkit:ReleaseNotes xml:lang=\"de\">Behebt den Abgleich freigegebener Kalender &amp; Serientermine (#{i}).</olkit:ReleaseNotes>\n",
                "    <olkit:Details xml:lang=\"en\">Outlook must be closed &lt;before&gt; the update starts.</olkit:Details>\n",
                "  </Product>\n",
            ),
            code = product_code,
            sha = hex(rng, 32),
            size = 1_000_000 + rng.below(50_000_000),
            min_server = rng.below(12),
            arch = if i % 5 == 0 { "x86" } else { "x64" },
            channel = if i % 7 == 0 { "beta" } else { "stable" },
            rollout = 10 + rng.below(91),
            critical = i % 13 == 0,
            cache = 1 + i % 4,
            i = i,
        );
        generated.push(Generated {
            upgrade_code: upgrade_code.clone(),
            product_code,
            name,
            version,
        });
    }
    xml.push_str("</Products>\n");
    (xml, generated)
}

/// Standard base64 in lines of 76 characters, indented like the fixtures.
fn base64_lines(data: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    text.as_bytes()
        .chunks(76)
        .map(|line| format!("      {}\n", std::str::from_utf8(line).unwrap()))
        .collect()
}

/// The installed products: for three of every four packages one of the
/// same product (by upgrade code, product code or name) that is older,
/// installer-equal or newer; the rest unrelated products.
fn installed(rng: &mut Rng, packages: &[Generated]) -> Vec<InstalledProduct> {
    (0..INSTALLED)
        .map(|i| {
            let package = &packages[i % packages.len()];
            let (major, minor, build) = package.version;
            let version = match i % 3 {
                0 => format!("{major}.{minor}.{}", build.saturating_sub(1)),
                1 => format!("{major}.{minor}.{build}.{}", rng.below(100)),
                _ => format!("{major}.{}.0", minor + 1),
            };
            let version = Version::parse(&version).unwrap();
            match i % 4 {
                0 => InstalledProduct {
                    product_code: Some(guid(rng)),
                    upgrade_code: Some(package.upgrade_code.to_lowercase()),
                    version,
                    name: package.name.clone(),
                },
                1 => InstalledProduct {
                    product_code: Some(package.product_code.clone()),
                    upgrade_code: None,
                    version,
                    name: package.name.clone(),
                },
                2 => InstalledProduct {
                    product_code: None,
                    upgrade_code: None,
                    version,
                    name: package.name.to_uppercase(),
                },
                _ => InstalledProduct {
                    product_code: Some(guid(rng)),
                    upgrade_code: Some(guid(rng)),
                    version,
                    name: format!("Unrelated product {i}"),
                },
            }
        })
        .collect()
}

/// Runs `f` `runs` times; the median time and the last result.
fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let value = black_box(f());
        times.push(start.elapsed());
        last = Some(value);
    }
    (median(times), last.unwrap())
}

/// Tokenizes `text` with quick-xml and nothing else; the event count.
fn tokenize(text: &str) -> usize {
    let mut reader = quick_xml::NsReader::from_str(text);
    let mut events = 0;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Eof => return events,
            event => {
                black_box(&event);
                events += 1;
            }
        }
    }
}

fn sha256sum(path: &Path) -> [u8; 32] {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    assert!(out.status.success(), "sha256sum failed");
    let text = String::from_utf8(out.stdout).unwrap();
    let hex = text.split_whitespace().next().unwrap();
    let mut digest = [0u8; 32];
    for (i, byte) in digest.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    digest
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

struct Row {
    what: String,
    ours: String,
    reference: String,
    ratio: String,
}

fn main() {
    // `cargo bench` passes `--bench`; a filter is not supported.
    let mut rows = Vec::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    // -- parse
    let (xml, packages) = generate(&mut rng);
    let limits = Limits {
        max_bytes: 64 << 20,
        max_elements: 1_000_000,
        ..Limits::default()
    };
    let (parse_time, manifest): (_, Manifest) =
        timed(5, || parse_with(xml.as_bytes(), &limits).unwrap());
    assert_eq!(manifest.products.len(), PACKAGES);
    let (token_time, events) = timed(5, || tokenize(&xml));
    let size = xml.len() as f64;
    let ours = size / MB / secs(parse_time);
    let reference = size / MB / secs(token_time);
    rows.push(Row {
        what: format!(
            "parse {:.1} MB, {PACKAGES} packages ({events} XML events)",
            size / MB
        ),
        ours: format!("{ours:.0} MB/s"),
        reference: format!("{reference:.0} MB/s quick-xml tokenizing"),
        ratio: format!("{:.2}", ours / reference),
    });

    // -- plan
    let installed = installed(&mut rng, &packages);
    let env = Environment {
        server_version: Some(Version::parse("7.10.5").unwrap()),
        outlook_version: Some("2016".to_owned()),
        outlook_bitness: Some(Architecture::X64),
        windows_version: Some(Version::parse("10.0.19045").unwrap()),
        architecture: Architecture::X64,
        channel: "stable".to_owned(),
        machine_id: "bench-machine".to_owned(),
    };
    let (plan_time, result) = timed(5, || plan(&manifest, &installed, &env));
    assert_eq!(result.items.len(), PACKAGES);
    rows.push(Row {
        what: format!(
            "plan {PACKAGES} packages against {INSTALLED} installed ({} offered)",
            result.order.len()
        ),
        ours: format!("{:.1} ms per plan", secs(plan_time) * 1e3),
        reference: "-".to_owned(),
        ratio: "-".to_owned(),
    });

    // -- verify
    let mib: u64 = std::env::var("OLKIT_BENCH_VERIFY_MB")
        .ok()
        .map_or(1024, |v| {
            v.parse().expect("OLKIT_BENCH_VERIFY_MB: a number")
        });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("package.bin");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..mib {
            for word in block.chunks_mut(8) {
                word.copy_from_slice(&rng.next().to_le_bytes());
            }
            file.write_all(&block).unwrap();
        }
        file.flush().unwrap();
    }
    let size = mib << 20;
    // The first run computes the digest and brings the file into the page
    // cache for both contenders.
    let digest = sha256sum(&path);
    let mut product = manifest.products[0].clone();
    product.sha256 = Some(digest);
    product.size = Some(size);
    product.md5 = None;
    product.msi_md5 = None;
    // Alternate the two, so that both see the same machine state.
    let (mut tool_times, mut our_times) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let start = Instant::now();
        assert_eq!(sha256sum(&path), digest);
        tool_times.push(start.elapsed());
        let start = Instant::now();
        let verdict = verify_file(&path, &product).unwrap();
        our_times.push(start.elapsed());
        assert_eq!(verdict.bytes, size);
    }
    let (tool, ours) = (median(tool_times), median(our_times));
    let mb = size as f64 / MB;
    rows.push(Row {
        what: format!("verify {mib} MiB file (size + SHA-256)"),
        ours: format!("{:.0} MB/s", mb / secs(ours)),
        reference: format!("{:.0} MB/s sha256sum", mb / secs(tool)),
        ratio: format!("{:.2} (goal >= 0.9)", secs(tool) / secs(ours)),
    });

    let width = |f: fn(&Row) -> &str, title: &str| {
        rows.iter()
            .map(|r| f(r).len())
            .max()
            .unwrap_or(0)
            .max(title.len())
    };
    let w = [
        width(|r| &r.what, "measurement"),
        width(|r| &r.ours, "olkit-manifest"),
        width(|r| &r.reference, "reference"),
    ];
    println!(
        "{:<a$}  {:>b$}  {:>c$}  ratio",
        "measurement",
        "olkit-manifest",
        "reference",
        a = w[0],
        b = w[1],
        c = w[2]
    );
    for r in &rows {
        println!(
            "{:<a$}  {:>b$}  {:>c$}  {}",
            r.what,
            r.ours,
            r.reference,
            r.ratio,
            a = w[0],
            b = w[1],
            c = w[2]
        );
    }
}
