//! olkit-msi-query against msitools, measured side by side in one run:
//!
//! 1. IDT export of a 100,000-row table: `msiinfo export PKG Big > file`
//!    against the same export by olkit in its own process (this bench
//!    binary re-run as a child that opens the package and writes the IDT to
//!    standard output), both spawned the same way with standard output
//!    redirected to a file. olkit's in-process time is shown too. The two
//!    outputs are checked to be identical.
//! 2. Selective `WHERE` queries over that table against libmsi, driven from
//!    Debian's `/usr/bin/python3` through GObject introspection and timed
//!    inside the Python process (interpreter start-up is not charged):
//!    "open + query" opens the database and runs the query (nothing cached),
//!    "query" runs it again on the opened database (tables loaded).
//! 3. Opening a package and reading ProductVersion, for a 1 MB and a 100 MB
//!    package (a `Binary` row holding a 1 MB or 100 MB stream), against
//!    libmsi doing the same (database open plus a `Property` query).
//!
//! The packages are generated at bench time with `msibuild` in a temporary
//! directory. `cargo bench -p olkit-msi-query --bench msi`;
//! `OLKIT_BENCH_ROWS` sets the row count (default 100,000) and
//! `OLKIT_BENCH_LARGE_MB` the large package's stream size (default 100).
//! Needs msitools and python3-gi with gir1.2-libmsi-1.0
//! (`.ci/install-deps`).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

#[allow(dead_code, reason = "each bench uses a part of the helpers")]
#[path = "../../../tests/rust/bench_support.rs"]
mod bench_support;
use bench_support::{env_number, median};

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use olkit_msi_query::{export_table, Package, Param};

/// Set in the child process that does olkit's export: `PACKAGE\tTABLE`.
const CHILD_ENV: &str = "OLKIT_BENCH_EXPORT_CHILD";
const TABLE: &str = "Big";
const EXPORT_RUNS: usize = 5;
const QUERY_RUNS: usize = 15;
const OPEN_RUNS: usize = 300;
const LIBMSI_OPEN_RUNS: usize = 50;

/// libmsi from Python: `query PKG RUNS SQL [PARAM...]` prints the cold and
/// warm times (ns) and the row count; `property PKG RUNS` the times of
/// open + ProductVersion and the value.
const PYTHON: &str = r#"
import sys, time, json
import gi
gi.require_version('Libmsi', '1.0')
from gi.repository import Libmsi

def run(db, sql, params):
    query = Libmsi.Query.new(db, sql)
    record = None
    if params:
        record = Libmsi.Record.new(len(params))
        for i, p in enumerate(params, 1):
            record.set_string(i, p)
    query.execute(record)
    rows = []
    while True:
        r = query.fetch()
        if r is None:
            break
        rows.append(r)
    return rows

mode, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == 'query':
    sql, params = sys.argv[4], sys.argv[5:]
    cold, warm, count = [], [], 0
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        db = Libmsi.Database.new(path, Libmsi.DbFlags.READONLY, None)
        count = len(run(db, sql, params))
        t1 = time.perf_counter_ns()
        run(db, sql, params)
        t2 = time.perf_counter_ns()
        cold.append(t1 - t0)
        warm.append(t2 - t1)
    print(json.dumps({'cold': cold, 'warm': warm, 'rows': count}))
else:
    times, value = [], None
    sql = "SELECT `Value` FROM `Property` WHERE `Property` = 'ProductVersion'"
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        db = Libmsi.Database.new(path, Libmsi.DbFlags.READONLY, None)
        value = run(db, sql, [])[0].get_string(1)
        t1 = time.perf_counter_ns()
        times.append(t1 - t0)
    print(json.dumps({'times': times, 'value': value}))
"#;

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child_export(&spec);
        return;
    }
    let started = Instant::now();
    let rows: usize = env_number("OLKIT_BENCH_ROWS", 100_000);
    let large_mb: usize = env_number("OLKIT_BENCH_LARGE_MB", 100);
    require_tools();
    let dir = tempfile::tempdir().unwrap();
    println!("olkit-msi-query bench (inputs in {})", dir.path().display());

    let big = build_big_table(dir.path(), rows);
    bench_export(dir.path(), &big, rows);
    bench_queries(&big, rows);
    bench_open(dir.path(), large_mb);
    println!(
        "\ntotal bench time {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn require_tools() {
    for tool in ["msibuild", "msiinfo", "/usr/bin/python3"] {
        let found = Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !found {
            eprintln!("{tool} is missing: run .ci/install-deps");
            std::process::exit(1);
        }
    }
}

/// The child process of the export measurement: open, export, exit.
fn child_export(spec: &str) {
    let (path, table) = spec.split_once('\t').unwrap();
    let package = Package::open(path).unwrap();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    export_table(&package, table, &mut out).unwrap();
    out.flush().unwrap();
}

fn run_ok(command: &mut Command) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A package with one table `Big` of `rows` rows: a string key, a 2-byte
/// and a 4-byte integer (negative values and NULLs), a localizable string
/// and a nullable string (every third NULL).
fn build_big_table(dir: &Path, rows: usize) -> PathBuf {
    let t = Instant::now();
    let idt = dir.join("Big.idt");
    let mut out = BufWriter::new(File::create(&idt).unwrap());
    out.write_all(b"Id\tNum\tWide\tName\tNote\r\ns72\ti2\tI4\tl255\tS0\r\nBig\tId\r\n")
        .unwrap();
    for i in 0..rows {
        let num = (i % 30_000) as i64 - 15_000;
        let wide = (i as i64 * 7919) % 2_000_000_000 - 1_000_000_000;
        let note = if i % 3 == 0 {
            String::new()
        } else {
            format!("note {}", i % 1000)
        };
        let wide = if i % 7 == 0 {
            String::new()
        } else {
            wide.to_string()
        };
        write!(out, "K{i:06}\t{num}\t{wide}\tName number {i}\t{note}\r\n").unwrap();
    }
    out.flush().unwrap();
    drop(out);
    let path = dir.join("big.msi");
    run_ok(Command::new("msibuild").arg(&path).arg("-i").arg(&idt));
    println!(
        "built {} ({rows} rows, {:.1} MB) in {:.1} s",
        path.display(),
        file_mb(&path),
        t.elapsed().as_secs_f64()
    );
    path
}

fn file_mb(path: &Path) -> f64 {
    std::fs::metadata(path).unwrap().len() as f64 / 1e6
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn ratio(reference: Duration, ours: Duration) -> f64 {
    reference.as_secs_f64() / ours.as_secs_f64().max(1e-12)
}

/// `olkit 3.2x faster` or `olkit 1.5x slower`.
fn compare(reference: Duration, ours: Duration) -> String {
    let r = ratio(reference, ours);
    if r >= 1.0 {
        format!("olkit {r:.1}x faster")
    } else {
        format!("olkit {:.1}x slower", 1.0 / r.max(1e-12))
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "goal met"
    } else {
        "GOAL NOT MET"
    }
}

/// Runs `command` with standard output to `out`, `runs` times; the median.
fn time_process(mut make: impl FnMut() -> Command, out: &Path, runs: usize) -> Duration {
    let times = (0..runs)
        .map(|_| {
            let file = File::create(out).unwrap();
            let mut command = make();
            command.stdout(Stdio::from(file)).stderr(Stdio::null());
            let t = Instant::now();
            let status = command.status().unwrap();
            let elapsed = t.elapsed();
            assert!(status.success(), "{command:?}");
            elapsed
        })
        .collect();
    median(times)
}

fn bench_export(dir: &Path, package: &Path, rows: usize) {
    println!(
        "\n1. IDT export of the {rows}-row table (median of {EXPORT_RUNS} runs, output to a file)"
    );
    let msiinfo_out = dir.join("msiinfo.idt");
    let olkit_out = dir.join("olkit.idt");
    let msiinfo = time_process(
        || {
            let mut c = Command::new("msiinfo");
            c.arg("export").arg(package).arg(TABLE);
            c
        },
        &msiinfo_out,
        EXPORT_RUNS,
    );
    let exe = std::env::current_exe().unwrap();
    let spec = format!("{}\t{TABLE}", package.display());
    let olkit = time_process(
        || {
            let mut c = Command::new(&exe);
            c.env(CHILD_ENV, &spec);
            c
        },
        &olkit_out,
        EXPORT_RUNS,
    );
    let expected = std::fs::read(&msiinfo_out).unwrap();
    assert!(
        std::fs::read(&olkit_out).unwrap() == expected,
        "olkit's export differs from msiinfo's"
    );
    let in_process = median(
        (0..EXPORT_RUNS)
            .map(|_| {
                let t = Instant::now();
                let package = Package::open(package).unwrap();
                let mut out = BufWriter::new(File::create(&olkit_out).unwrap());
                export_table(&package, TABLE, &mut out).unwrap();
                out.flush().unwrap();
                t.elapsed()
            })
            .collect(),
    );
    let spawn = time_process(|| Command::new("true"), &dir.join("true.out"), EXPORT_RUNS);
    println!(
        "   msiinfo export (process)         {:>12}   ({:.1} MB written)",
        ms(msiinfo),
        expected.len() as f64 / 1e6
    );
    println!("   olkit export (process)           {:>12}", ms(olkit));
    println!(
        "   olkit export (in process)        {:>12}   (spawning `true` alone: {})",
        ms(in_process),
        ms(spawn)
    );
    let r = ratio(msiinfo, olkit);
    println!(
        "   olkit is {r:.1}x faster than msiinfo, process against process (outputs identical); goal >= 5x: {}",
        verdict(r >= 5.0)
    );
}

fn python(args: &[&str]) -> serde_json::Value {
    let output = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(PYTHON)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "libmsi via python3 failed (install python3-gi and gir1.2-libmsi-1.0): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn nanos(values: &serde_json::Value) -> Vec<Duration> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|n| Duration::from_nanos(n.as_u64().unwrap()))
        .collect()
}

fn bench_queries(package: &Path, rows: usize) {
    println!("\n2. Selective WHERE queries over the {rows}-row table against libmsi (median of {QUERY_RUNS})");
    let key = format!("K{:06}", rows * 2 / 3);
    let cases: [(&str, Vec<String>); 3] = [
        ("SELECT * FROM `Big` WHERE `Id` = ?", vec![key]),
        (
            "SELECT `Id`, `Name` FROM `Big` WHERE `Num` = 1234 AND `Wide` <> 0",
            vec![],
        ),
        (
            "SELECT `Id` FROM `Big` WHERE `Note` = 'note 7' OR `Num` = -15000",
            vec![],
        ),
    ];
    let mut worst = f64::INFINITY;
    for (sql, params) in &cases {
        let mut args = vec!["query", package.to_str().unwrap(), "15", sql];
        args.extend(params.iter().map(String::as_str));
        let reference = python(&args);
        let libmsi_cold = median(nanos(&reference["cold"]));
        let libmsi_warm = median(nanos(&reference["warm"]));
        let libmsi_rows = reference["rows"].as_u64().unwrap() as usize;

        let bound: Vec<Param> = params.iter().map(|p| Param::from(p.as_str())).collect();
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        let mut count = 0;
        for _ in 0..QUERY_RUNS {
            let t = Instant::now();
            let opened = Package::open(package).unwrap();
            let view = opened.query_with(sql, &bound).unwrap();
            count = black_box(view.len());
            let t1 = Instant::now();
            let view = opened.query_with(sql, &bound).unwrap();
            black_box(view.len());
            warm.push(t1.elapsed());
            cold.push(t1 - t);
        }
        let (cold, warm) = (median(cold), median(warm));
        assert_eq!(count, libmsi_rows, "{sql}: row counts differ");
        println!("   {sql} {params:?} -> {count} rows");
        println!(
            "      open + query: libmsi {:>12}  olkit {:>12}  {}",
            ms(libmsi_cold),
            ms(cold),
            compare(libmsi_cold, cold)
        );
        println!(
            "      query:        libmsi {:>12}  olkit {:>12}  {}",
            ms(libmsi_warm),
            ms(warm),
            compare(libmsi_warm, warm)
        );
        worst = worst
            .min(ratio(libmsi_cold, cold))
            .min(ratio(libmsi_warm, warm));
    }
    println!(
        "   slowest case: olkit at {worst:.1}x libmsi's speed; goal faster: {}",
        verdict(worst > 1.0)
    );
}

/// A package with a Property table (ProductVersion) and a Binary row
/// holding a stream of `mb` MB.
fn build_sized_package(dir: &Path, mb: usize) -> PathBuf {
    let work = dir.join(format!("sized{mb}"));
    std::fs::create_dir_all(work.join("Binary")).unwrap();
    // Incompressible, deterministic bytes.
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ mb as u64;
    let mut data = Vec::with_capacity(mb * 1_000_000);
    while data.len() < mb * 1_000_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data.extend_from_slice(&state.to_le_bytes());
    }
    std::fs::write(work.join("Binary/payload.bin"), &data).unwrap();
    std::fs::write(
        work.join("Binary.idt"),
        "Name\tData\r\ns72\tv0\r\nBinary\tName\r\nPayload\tpayload.bin\r\n",
    )
    .unwrap();
    std::fs::write(
        work.join("Property.idt"),
        "Property\tValue\r\ns72\tl0\r\nProperty\tProperty\r\n\
         ProductCode\t{6B2F1C44-7D1E-4E0B-9B1A-3C5D2E7F8A01}\r\n\
         ProductName\tOlkit Bench\r\nProductVersion\t3.1.4159\r\n",
    )
    .unwrap();
    let path = dir.join(format!("package-{mb}mb.msi"));
    run_ok(
        Command::new("msibuild")
            .current_dir(&work)
            .arg(&path)
            .args(["-i", "Property.idt", "-i", "Binary.idt"]),
    );
    std::fs::remove_dir_all(&work).unwrap();
    path
}

fn bench_open(dir: &Path, large_mb: usize) {
    println!("\n3. Open a package and read ProductVersion (median of {OPEN_RUNS}; libmsi: {LIBMSI_OPEN_RUNS})");
    let mut results = Vec::new();
    for mb in [1, large_mb] {
        let path = build_sized_package(dir, mb);
        let times = (0..OPEN_RUNS)
            .map(|_| {
                let t = Instant::now();
                let package = Package::open(&path).unwrap();
                let version = package.property("ProductVersion").unwrap();
                let elapsed = t.elapsed();
                assert_eq!(version.as_deref(), Some("3.1.4159"));
                elapsed
            })
            .collect();
        let olkit = median(times);
        let reference = python(&[
            "property",
            path.to_str().unwrap(),
            &LIBMSI_OPEN_RUNS.to_string(),
        ]);
        assert_eq!(reference["value"], "3.1.4159");
        let libmsi = median(nanos(&reference["times"]));
        println!(
            "   {:>6.1} MB package: olkit {:>10}  libmsi {:>10}  {}",
            file_mb(&path),
            us(olkit),
            us(libmsi),
            compare(libmsi, olkit)
        );
        results.push(olkit);
    }
    let (small, large) = (results[0], results[1]);
    let growth = large.as_secs_f64() / small.as_secs_f64();
    println!(
        "   {large_mb} MB / 1 MB time: {growth:.2}x; goal < 1 ms and independent of size: {}",
        verdict(large < Duration::from_millis(1) && growth < 2.0)
    );
}
