//! Builds and runs the C, C++ and C# tests of the C ABI against the
//! `libolkit.so` cargo built for this very test run.
//!
//! - every `tests/c/*.c` is a C99 program, run natively and under valgrind;
//! - every `tests/cpp/*.cpp` is a C++17 program using `olkit.hpp`, run
//!   natively and under valgrind;
//! - every `tests/dotnet/Test*.cs` is a C# program, compiled by mcs with
//!   `bindings/dotnet/Olkit.cs` and the other (support) `tests/dotnet/*.cs`,
//!   run by mono;
//! - `olkit.h` alone compiles as C99 and C++17, `olkit.hpp` as C++17.
//!
//! A program passes when it exits 0 and its last line is `N passed, 0 failed`
//! with N > 0. Programs run in a fresh scratch directory (their working
//! directory, for files they write) with `OLKIT_SOURCE_DIR` set to the
//! repository root, where they find their inputs (`examples/`, fixtures),
//! and `OLKIT_MSI_FIXTURES` set to a directory of files made for this run
//! (see [`Harness::msi_fixtures`]; the package is built by the fixture
//! builders of olkit-msi-query's tests, `support`), and
//! `OLKIT_MANIFEST_FIXTURES` set to the signed manifest, package and zips
//! made for this run by python3 and minisign (see
//! [`Harness::manifest_fixtures`]), and `OLKIT_DB_FIXTURES` set to the
//! cache databases made for this test (see [`Harness::db_fixtures`]; each
//! test gets its own, and the programs copy them before changing them),
//! and `OLKIT_PROFILE_FIXTURES` set to a copy of olkit-profile-convert's
//! profile fixtures (see [`Harness::profile_fixtures`]).
//! Shared helpers:
//! `tests/c/check.h` (C, and the CHECK macros of C++), `tests/cpp/check.hpp`,
//! `tests/dotnet/Check.cs`. New handle types add test files; this harness
//! picks them up. Build outputs go to `target/tmp/olkit-ffi/<profile>/`.
//!
//! The library is found next to the test executable, in
//! `target/<profile>/deps/` (see [`common::deps_dir`]); the programs link and load
//! a checked private copy of it (see [`common::library_dir`]). A missing compiler,
//! mono, valgrind, nm, python3, minisign or sqlite3 fails the test, naming `.ci/install-deps`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    reason = "tests"
)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

// The library, scratch directory, tool and command helpers, shared with
// updaters.rs.
mod common;
use common::{
    compile, library_dir, run, scratch_dir, test_panic_define, tool, COMPILE_TIMEOUT, RUN_TIMEOUT,
    WARNINGS,
};

// The package builders of olkit-msi-query's tests.
#[path = "../../crates/msi-query/tests/support/mod.rs"]
mod support;

/// The fixture package of the msi tests (tests/*/test_msi.*), built by
/// wixl for every run from the source files of [`support::SAMPLE_FILES`]:
/// the tests assert these values (ProductCode, UpgradeCode, version,
/// properties) and compare the `Binary.Blob` stream with `bits.bin` (NUL and
/// high bytes included, so that it must come back as bytes) and the File
/// table with `readme.txt`. Its UpgradeCode is
/// the "Olkit Sample" one of the inventory fixture
/// (crates/msi-query/tests/fixtures/inventory/installed-products.reg),
/// which registers versions 1.1.0, 1.0.5 and 2.0.0 of it: upgrades and a
/// downgrade to find. wixl chooses the package code and the dates.
const MSI_FIXTURE_WXS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="{1B7E2C90-3D4F-4A5B-9C6D-7E8F90A1B2C3}" Name="Olkit FFI Fixture" Language="1033"
           Version="1.5.2.7" Manufacturer="Olkit Test Co" UpgradeCode="{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}">
    <Package Description="Olkit FFI fixture" Comments="Built by ffi/tests/languages.rs"
             Manufacturer="Olkit Test Co" InstallerVersion="405" InstallScope="perMachine" Compressed="yes"/>
    <Media Id="1" Cabinet="fixture.cab" EmbedCab="yes"/>
    <MajorUpgrade DowngradeErrorMessage="A newer version is installed."/>
    <Binary Id="Blob" SourceFile="bits.bin"/>
    <Property Id="SERVERURL" Value="https://mail.example.com/olkit"/>
    <Property Id="GREETING" Value="Grüße"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="Olkit Fixture">
          <Component Id="Readme" Guid="{8C4D2E3F-5A6B-4C7D-9E8F-0A1B2C3D4E60}" Win64="yes">
            <File Id="readme.txt" Name="readme.txt" Source="readme.txt" KeyPath="yes"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Complete" Title="Fixture" Level="1">
      <ComponentRef Id="Readme"/>
    </Feature>
  </Product>
</Wix>
"#;

/// The tables of the fixture exported with `msiinfo export` for the tests
/// to compare with (`<table>.idt`).
const MSI_FIXTURE_EXPORTS: [&str; 6] = [
    "Property",
    "Upgrade",
    "Binary",
    "File",
    "_SummaryInformation",
    "_ForceCodepage",
];

/// Writes, in the directory given as its argument, the inputs of the
/// manifest tests (tests/*/test_manifest.*): `package.bin` (100,000 bytes)
/// and the unsigned `manifest.xml` whose products declare its SHA-256 and
/// size (computed here by hashlib, independently of olkit's digests),
/// `bundle.zip` (a directory and two files, whose contents are also
/// written beside it as `bundle-readme.txt` and `bundle-setup.bin`) and
/// `slip.zip` (an entry named `../evil.txt`), both made by zipfile.
///
/// The manifest: serial 42, expires 2099-01-01T00:00:00Z (4070908800), and
///  0. "Olkit Connector" 7.2.0.4567: x64, critical, cache format 3, needs
///     server 6.5.0, SHA-256 and size of package.bin, notes in en and de;
///  1. "Olkit Legacy Add-in" 1.0.5: only the MD5 of package.bin;
///  2. "Olkit Beta Tools" 2.0.0-rc1: the beta channel;
///  3. "Olkit Server Plugin" 3.1: needs server 9.0.0, no digest;
///  4. "Olkit Helper" 1.0: no codes, nothing else.
const MANIFEST_FIXTURE_PY: &str = r#"
import hashlib, sys, zipfile, os
os.chdir(sys.argv[1])
package = bytes((i * 31 + 7) % 251 for i in range(100000))
open("package.bin", "wb").write(package)
sha, md5 = hashlib.sha256(package).hexdigest(), hashlib.md5(package).hexdigest()
open("manifest.xml", "w", encoding="utf-8").write(f"""<?xml version="1.0" encoding="UTF-8"?>
<Products xmlns:olkit="urn:olkit:manifest:1" olkit:serial="42"
          olkit:issued="2026-01-01T00:00:00Z" olkit:expires="2099-01-01T00:00:00Z">
  <Product>
    <Name>Olkit Connector</Name>
    <Version>7.2.0.4567</Version>
    <UpgradeCode>{{5A7D0F22-6A4B-4F3E-9C1D-2B8E7F6A5C41}}</UpgradeCode>
    <URL>https://updates.example.com/connector-7.2.0.msi</URL>
    <olkit:ProductCode>{{9B1C2D3E-4F50-4617-8293-A4B5C6D7E8F9}}</olkit:ProductCode>
    <olkit:Sha256>{sha}</olkit:Sha256>
    <olkit:Size>{len(package)}</olkit:Size>
    <olkit:MinServerVersion>6.5.0</olkit:MinServerVersion>
    <olkit:OutlookVersions>2016 365</olkit:OutlookVersions>
    <olkit:Architecture>x64</olkit:Architecture>
    <olkit:Critical>true</olkit:Critical>
    <olkit:RequiredCacheFormat>3</olkit:RequiredCacheFormat>
    <olkit:ReleaseNotes xml:lang="en">Faster calendar sync.</olkit:ReleaseNotes>
    <olkit:ReleaseNotes xml:lang="de">Schnellerer Abgleich. Grüße</olkit:ReleaseNotes>
  </Product>
  <Product>
    <Name>Olkit Legacy Add-in</Name>
    <Version>1.0.5</Version>
    <UpgradeCode>{{0E5C3A8B-94F1-4D62-A7B3-C1D2E3F4A5B6}}</UpgradeCode>
    <MD5>{md5}</MD5>
  </Product>
  <Product>
    <Name>Olkit Beta Tools</Name>
    <Version>2.0.0-rc1</Version>
    <olkit:Sha256>{sha}</olkit:Sha256>
    <olkit:Channel>beta</olkit:Channel>
  </Product>
  <Product>
    <Name>Olkit Server Plugin</Name>
    <Version>3.1</Version>
    <olkit:MinServerVersion>9.0.0</olkit:MinServerVersion>
  </Product>
  <Product>
    <Name>Olkit Helper</Name>
    <Version>1.0</Version>
  </Product>
</Products>
""")
readme, setup = b"olkit bundle readme\n", package[:5000]
open("bundle-readme.txt", "wb").write(readme)
open("bundle-setup.bin", "wb").write(setup)
with zipfile.ZipFile("bundle.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("docs/", b"")
    z.writestr("docs/readme.txt", readme)
    z.writestr("setup.bin", setup)
with zipfile.ZipFile("slip.zip", "w") as z:
    z.writestr("../evil.txt", b"outside")
"#;

/// Where things are for one test.
struct Harness {
    root: PathBuf,
    lib_dir: PathBuf,
    /// Fresh output directory of this test.
    out: PathBuf,
}

impl Harness {
    fn new(test: &str) -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_owned();
        let lib_dir = library_dir().to_owned();
        let out = scratch_dir().join(test);
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        Self { root, lib_dir, out }
    }

    /// `LD_LIBRARY_PATH` for the programs: our library first. (`cargo test`
    /// puts `target/<profile>/deps` on it, and it takes precedence over
    /// the programs' rpath.)
    fn library_path(&self) -> OsString {
        let mut path = OsString::from(&self.lib_dir);
        if let Some(existing) = std::env::var_os("LD_LIBRARY_PATH") {
            path.push(":");
            path.push(existing);
        }
        path
    }

    /// Builds, in `<out>/msi`, the files of the msi tests:
    /// `fixture.msi` (wixl -a x64, from [`MSI_FIXTURE_WXS`]), its source
    /// files ([`support::SAMPLE_FILES`]), `tables.txt` (`msiinfo tables`) and
    /// `<table>.idt` for each of [`MSI_FIXTURE_EXPORTS`] (`msiinfo export`,
    /// dates in UTC). The programs find the directory in
    /// `OLKIT_MSI_FIXTURES`.
    fn msi_fixtures(&self) -> PathBuf {
        let dir = self.out.join("msi");
        std::fs::create_dir_all(&dir).unwrap();
        tool("wixl"); // fails with the install hint if it is missing
        let (_sources, package) = support::wixl_build_args(MSI_FIXTURE_WXS, &["-a", "x64"]);
        std::fs::copy(package, dir.join("fixture.msi")).unwrap();
        for (name, bytes) in support::SAMPLE_FILES {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        let msiinfo = tool("msiinfo");
        let exports = MSI_FIXTURE_EXPORTS
            .iter()
            .map(|t| (vec!["export", t], format!("{t}.idt")));
        for (args, file) in exports.chain([(vec!["tables"], "tables.txt".to_owned())]) {
            // Through a file, not a pipe: the tests compare bytes.
            let mut cmd = Command::new(&msiinfo);
            cmd.arg(args[0])
                .arg("fixture.msi")
                .args(&args[1..])
                .current_dir(&dir)
                .env("TZ", "UTC")
                .stdout(std::fs::File::create(dir.join(&file)).unwrap());
            let status = cmd.status().unwrap();
            assert!(status.success(), "{cmd:?} failed ({status})");
        }
        dir
    }

    /// Builds, in `<out>/manifest`, the files of the manifest tests:
    /// those of [`MANIFEST_FIXTURE_PY`] (python3), a minisign key pair
    /// without password (`manifest.pub`, `manifest.sec`) and
    /// `manifest.xml.minisig` (`minisign -S`). The programs find the
    /// directory in `OLKIT_MANIFEST_FIXTURES`.
    fn manifest_fixtures(&self) -> PathBuf {
        let dir = self.out.join("manifest");
        std::fs::create_dir_all(&dir).unwrap();
        let minisign = tool("minisign");
        let commands: [(PathBuf, Vec<&str>); 3] = [
            (tool("python3"), vec!["-c", MANIFEST_FIXTURE_PY, "."]),
            (
                minisign.clone(),
                vec!["-G", "-W", "-p", "manifest.pub", "-s", "manifest.sec"],
            ),
            (
                minisign,
                vec!["-S", "-s", "manifest.sec", "-m", "manifest.xml"],
            ),
        ];
        for (program, args) in commands {
            let mut cmd = Command::new(program);
            cmd.args(args).current_dir(&dir);
            let done = run(cmd, COMPILE_TIMEOUT);
            assert!(
                done.status.success(),
                "making the manifest fixtures failed: {}",
                done.stderr
            );
        }
        dir
    }

    /// Builds, in `<out>/db`, the databases of the db tests
    /// (tests/*/test_db.*):
    ///
    /// - `koc1.db`: a KOC cache in format 1, `koc::Sample::small()` with 60
    ///   messages in 6 folders and 12 pending changes;
    /// - `counts.txt`: `TABLE ROWS` lines for its `messages` and
    ///   `pending_changes`, counted by the sqlite3 command;
    /// - `corrupt.db`: a copy of `koc1.db` whose `messages` table has its
    ///   root page overwritten with garbage (page and page size found by
    ///   the sqlite3 command), so that the upgrade fails and the rebuild
    ///   salvages every pending change;
    /// - `other.db`: another application's database (application_id
    ///   0x12345678, one table) and `newer.db`: a KOC cache of format 3,
    ///   both made by the sqlite3 command;
    /// - `garbage.db`: text, not a database.
    ///
    /// The programs find the directory in `OLKIT_DB_FIXTURES`.
    fn db_fixtures(&self) -> PathBuf {
        let dir = self.out.join("db");
        std::fs::create_dir_all(&dir).unwrap();
        let sqlite3 = tool("sqlite3");
        let query = |db: &str, sql: &str| -> String {
            let mut cmd = Command::new(&sqlite3);
            cmd.arg(db).arg(sql).current_dir(&dir);
            let done = run(cmd, COMPILE_TIMEOUT);
            assert!(
                done.status.success(),
                "sqlite3 {db} {sql:?} failed: {}",
                done.stderr
            );
            done.stdout.trim().to_owned()
        };
        let koc1 = dir.join("koc1.db");
        // A fifth of `Sample::small()`: the programs migrate it five times
        // each, and a debug build under valgrind hashes slowly.
        let sample = olkit_dbmigrate::koc::Sample {
            folders: 6,
            messages: 60,
            pending_changes: 12,
            ..olkit_dbmigrate::koc::Sample::small()
        };
        sample
            .write_format1(&koc1)
            .unwrap_or_else(|e| panic!("writing {}: {e}", koc1.display()));
        let mut counts = String::new();
        for table in ["messages", "pending_changes"] {
            let rows = query("koc1.db", &format!("SELECT count(*) FROM {table}"));
            assert!(
                rows.parse::<u64>().unwrap() > 0,
                "{table} of koc1.db is empty"
            );
            counts.push_str(&format!("{table} {rows}\n"));
        }
        std::fs::write(dir.join("counts.txt"), counts).unwrap();

        let page_size: usize = query("koc1.db", "PRAGMA page_size").parse().unwrap();
        let root: usize = query(
            "koc1.db",
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'messages'",
        )
        .parse()
        .unwrap();
        let mut bytes = std::fs::read(&koc1).unwrap();
        let page = (root - 1) * page_size..root * page_size;
        assert!(
            root > 1 && page.end <= bytes.len(),
            "messages' root page {root}"
        );
        bytes[page].fill(0xA5);
        std::fs::write(dir.join("corrupt.db"), bytes).unwrap();

        query(
            "other.db",
            "PRAGMA application_id = 305419896; \
             CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); \
             INSERT INTO notes(body) VALUES ('not a cache');",
        );
        query(
            "newer.db",
            "PRAGMA application_id = 1263486534; PRAGMA user_version = 3; CREATE TABLE t(x);",
        );
        std::fs::write(
            dir.join("garbage.db"),
            "this is not a database\n".repeat(200),
        )
        .unwrap();
        dir
    }

    /// Copies, into `<out>/profile`, the profile exports of the profile
    /// tests (tests/*/test_profile.*): olkit-profile-convert's fixtures
    /// (crates/profile-convert/tests/fixtures), written as regedit writes
    /// exports by that crate's fixture builder and checked by its tests:
    /// `kerio-one-user.reg` (profile "Kerio": KOC on mail.example.com +
    /// Exchange + PST + IMAP/POP3/LDAP accounts; profile "Outlook": a PST),
    /// `two-users-both-roots.reg`, `damaged.reg`, and the `.prf` files
    /// (`koc.prf`, `imap.prf`, ...). The programs find the directory in
    /// `OLKIT_PROFILE_FIXTURES`.
    fn profile_fixtures(&self) -> PathBuf {
        let dir = self.out.join("profile");
        std::fs::create_dir_all(&dir).unwrap();
        let source = self.root.join("crates/profile-convert/tests/fixtures");
        for sub in [source.clone(), source.join("prf")] {
            for entry in std::fs::read_dir(&sub).unwrap() {
                let path = entry.unwrap().path();
                let ext = path.extension().and_then(|e| e.to_str());
                if path.is_file() && matches!(ext, Some("reg" | "prf")) {
                    std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
                }
            }
        }
        for needed in ["kerio-one-user.reg", "koc.prf"] {
            assert!(
                dir.join(needed).is_file(),
                "{needed} missing in {}",
                source.display()
            );
        }
        dir
    }

    fn include_dir(&self) -> PathBuf {
        self.root.join("include")
    }

    /// `dir/*` files of the repository whose name satisfies `wanted`, sorted.
    fn sources(&self, dir: &str, wanted: impl Fn(&str) -> bool) -> Vec<PathBuf> {
        let dir = self.root.join(dir);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .filter(|p| p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(&wanted))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no test sources in {}", dir.display());
        files
    }

    /// Compiles each C or C++ test program in `dir` with `compiler` and
    /// `flags`, linked against libolkit.so; returns the executables.
    fn build_native(&self, compiler: &str, flags: &[&str], dir: &str, ext: &str) -> Vec<PathBuf> {
        let compiler = tool(compiler);
        let suffix = format!(".{ext}");
        self.sources(dir, |name| name.ends_with(&suffix))
            .into_iter()
            .map(|src| {
                let exe = self.out.join(src.file_stem().unwrap());
                let mut cmd = Command::new(&compiler);
                cmd.args(flags)
                    .args(WARNINGS)
                    .arg("-g")
                    .args(test_panic_define())
                    .arg(format!(
                        "-DOLKIT_EXPECTED_VERSION=\"{}\"",
                        env!("CARGO_PKG_VERSION")
                    ))
                    .arg("-I")
                    .arg(self.include_dir())
                    .arg("-I")
                    .arg(self.root.join("tests/c"))
                    .arg(&src)
                    .arg("-o")
                    .arg(&exe)
                    .arg("-L")
                    .arg(&self.lib_dir)
                    .arg("-lolkit")
                    .arg(format!("-Wl,-rpath,{}", self.lib_dir.display()));
                compile(cmd);
                exe
            })
            .collect()
    }

    fn build_c(&self) -> Vec<PathBuf> {
        self.build_native("gcc", &["-std=c99"], "tests/c", "c")
    }

    fn build_cpp(&self) -> Vec<PathBuf> {
        self.build_native("g++", &["-std=c++17"], "tests/cpp", "cpp")
    }

    /// Runs each program directly, or under valgrind.
    fn run_native(&self, programs: &[PathBuf], under_valgrind: bool) {
        let valgrind = under_valgrind.then(|| tool("valgrind"));
        let msi_fixtures = self.msi_fixtures();
        let manifest_fixtures = self.manifest_fixtures();
        let db_fixtures = self.db_fixtures();
        let profile_fixtures = self.profile_fixtures();
        for exe in programs {
            let mut cmd = match &valgrind {
                Some(valgrind) => {
                    let mut cmd = Command::new(valgrind);
                    cmd.args([
                        "--error-exitcode=99",
                        "--leak-check=full",
                        "--errors-for-leak-kinds=definite",
                    ])
                    .arg(exe);
                    cmd
                }
                None => Command::new(exe),
            };
            cmd.current_dir(&self.out)
                .env("LD_LIBRARY_PATH", self.library_path())
                .env("OLKIT_SOURCE_DIR", &self.root)
                .env("OLKIT_MSI_FIXTURES", &msi_fixtures)
                .env("OLKIT_MANIFEST_FIXTURES", &manifest_fixtures)
                .env("OLKIT_DB_FIXTURES", &db_fixtures)
                .env("OLKIT_PROFILE_FIXTURES", &profile_fixtures);
            expect_all_passed(cmd);
        }
    }
}

/// Runs a test program: it must exit 0 with the last line `N passed, 0 failed`.
fn expect_all_passed(cmd: Command) {
    let shown = format!("{cmd:?}");
    let done = run(cmd, RUN_TIMEOUT);
    let last = done
        .stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let passed = last
        .strip_suffix(" passed, 0 failed")
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| n > 0);
    assert!(
        done.status.success() && passed,
        "{shown} failed ({}); last line {last:?}\n--- stdout\n{}--- stderr\n{}",
        done.status,
        done.stdout,
        done.stderr
    );
}

/// The test `test`: builds the programs of one language with `build` and
/// runs them, directly or under valgrind.
fn native_programs_pass(test: &str, build: fn(&Harness) -> Vec<PathBuf>, under_valgrind: bool) {
    let h = Harness::new(test);
    let programs = build(&h);
    h.run_native(&programs, under_valgrind);
}

#[test]
fn c_programs_pass() {
    native_programs_pass("c", Harness::build_c, false);
}

#[test]
fn c_programs_pass_under_valgrind() {
    native_programs_pass("c-valgrind", Harness::build_c, true);
}

#[test]
fn cpp_programs_pass() {
    native_programs_pass("cpp", Harness::build_cpp, false);
}

#[test]
fn cpp_programs_pass_under_valgrind() {
    native_programs_pass("cpp-valgrind", Harness::build_cpp, true);
}

#[test]
fn header_compiles_alone_as_c99_and_cpp17() {
    let h = Harness::new("header");
    let c_unit = h.out.join("olkit_h.c");
    std::fs::write(
        &c_unit,
        "#include \"olkit.h\"\n#include \"olkit.h\" /* include guard */\n\
         int main(void) { return OLK_OK + (int)OLKIT_ABI_VERSION - 1; }\n",
    )
    .unwrap();
    let cpp_unit = h.out.join("olkit_hpp.cpp");
    std::fs::write(
        &cpp_unit,
        "#include \"olkit.h\"\n#include \"olkit.hpp\"\n#include \"olkit.hpp\"\n\
         int main() { return OLK_OK; }\n",
    )
    .unwrap();
    let (gcc, gxx) = (tool("gcc"), tool("g++"));
    for define in [None, Some("-DOLKIT_TEST_PANIC")] {
        for (compiler, std, unit) in [(&gcc, "-std=c99", &c_unit), (&gxx, "-std=c++17", &cpp_unit)]
        {
            let mut cmd = Command::new(compiler);
            cmd.arg(std)
                .args(WARNINGS)
                .args(define)
                .arg("-I")
                .arg(h.include_dir())
                .arg("-c")
                .arg(unit)
                .arg("-o")
                .arg(h.out.join("unit.o"));
            if std == "-std=c99" {
                cmd.arg("-Wstrict-prototypes");
            }
            compile(cmd);
        }
    }
}

#[test]
fn dotnet_programs_pass_on_mono() {
    let h = Harness::new("dotnet");
    let (mcs, mono) = (tool("mcs"), tool("mono"));
    let support = h.sources("tests/dotnet", |n| {
        n.ends_with(".cs") && !n.starts_with("Test")
    });
    let programs = h.sources("tests/dotnet", |n| {
        n.ends_with(".cs") && n.starts_with("Test")
    });
    let msi_fixtures = h.msi_fixtures();
    let manifest_fixtures = h.manifest_fixtures();
    let db_fixtures = h.db_fixtures();
    let profile_fixtures = h.profile_fixtures();
    for src in programs {
        let exe = h.out.join(src.file_stem().unwrap()).with_extension("exe");
        let mut cmd = Command::new(&mcs);
        cmd.args(["-nologo", "-warnaserror+", "-langversion:7", "-target:exe"])
            .arg(format!("-out:{}", exe.display()))
            .arg(h.root.join("bindings/dotnet/Olkit.cs"))
            .args(&support)
            .arg(&src);
        compile(cmd);
        let mut cmd = Command::new(&mono);
        cmd.arg("--debug")
            .arg(&exe)
            .current_dir(&h.out)
            .env("LD_LIBRARY_PATH", h.library_path())
            .env("OLKIT_SOURCE_DIR", &h.root)
            .env("OLKIT_MSI_FIXTURES", &msi_fixtures)
            .env("OLKIT_MANIFEST_FIXTURES", &manifest_fixtures)
            .env("OLKIT_DB_FIXTURES", &db_fixtures)
            .env("OLKIT_PROFILE_FIXTURES", &profile_fixtures)
            .env("OLKIT_EXPECTED_VERSION", env!("CARGO_PKG_VERSION"))
            .env(
                "OLKIT_TEST_PANIC",
                if cfg!(feature = "test-panic") {
                    "1"
                } else {
                    "0"
                },
            );
        expect_all_passed(cmd);
    }
}
