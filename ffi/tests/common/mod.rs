//! Helpers shared by the integration tests that build programs against
//! the `libolkit.so` of this test run (languages.rs, updaters.rs): where
//! the library is and a checked private copy of it, the scratch
//! directory, finding tools, and running commands with a timeout.
#![allow(dead_code, reason = "each test file uses a part of these helpers")]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

pub(crate) const INSTALL_HINT: &str =
    "run `.ci/install-deps`, the project's installer of the test \
     tools (these tests need gcc, g++, nm, mcs, mono, valgrind, and msitools' wixl and \
     msiinfo), then `cargo test --workspace --all-features`";
pub(crate) const COMPILE_TIMEOUT: Duration = Duration::from_secs(180);
pub(crate) const RUN_TIMEOUT: Duration = Duration::from_secs(300);
pub(crate) const WARNINGS: [&str; 4] = ["-Wall", "-Wextra", "-pedantic", "-Werror"];

/// `target/<profile>/deps`, where cargo builds the library for this run.
/// The test executable is `target/<profile>/deps/languages-<hash>`, next to
/// `libolkit.so`: the lib target has crate-type cdylib, so building it as a
/// dependency of this test builds the shared library too. (It is copied
/// up to `target/<profile>/` only by builds that ask for the lib itself,
/// such as `cargo build`, so it is not looked for there.)
pub(crate) fn deps_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        exe.parent()
            .unwrap_or_else(|| panic!("unexpected test executable path {}", exe.display()))
            .to_owned()
    })
}

/// The profile directory name (`debug`, `release`...): the parent of `deps`.
pub(crate) fn profile_name() -> String {
    let profile_dir = deps_dir().parent().and_then(Path::file_name);
    profile_dir.unwrap().to_string_lossy().into_owned()
}

/// `target/tmp/olkit-ffi/<profile>`: every build output of this harness.
pub(crate) fn scratch_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("olkit-ffi")
        .join(profile_name())
}

/// The directory of the libolkit.so the programs link and load: a private
/// copy, made once per run, of `target/<profile>/deps/libolkit.so`.
///
/// Cargo gives a cdylib the same file name whatever its features, so a
/// build of olkit-ffi without `test-panic` (a plain `cargo build`, or
/// another cargo run sharing the target directory) replaces the library
/// this run built, and cargo does not notice when it considers its own
/// build fresh. The copy is checked for the exports this run expects; if
/// they are missing, the library is rebuilt with cargo in a separate
/// target directory.
pub(crate) fn library_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch_dir().join("lib");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let copy = dir.join(LIBRARY);
        let built = deps_dir().join(LIBRARY);
        assert!(
            built.is_file(),
            "{} does not exist: cargo builds it for the tests of olkit-ffi (crate-type cdylib); \
             run `cargo build -p olkit-ffi --all-features` and retry",
            built.display()
        );
        std::fs::copy(&built, &copy).unwrap();
        if let Some(missing) = missing_export(&copy) {
            eprintln!(
                "note: {} lacks `{missing}` (it was built with other features); \
                 rebuilding olkit-ffi in a separate target directory",
                built.display()
            );
            std::fs::copy(rebuild_library(), &copy).unwrap();
            if let Some(missing) = missing_export(&copy) {
                panic!("the rebuilt {LIBRARY} still lacks `{missing}`");
            }
        }
        dir
    })
}

pub(crate) const LIBRARY: &str = "libolkit.so";

/// An export this test run needs that `lib` does not define, if any.
pub(crate) fn missing_export(lib: &Path) -> Option<&'static str> {
    let mut cmd = Command::new(tool("nm"));
    cmd.args(["-D", "--defined-only"]).arg(lib);
    let done = run(cmd, COMPILE_TIMEOUT);
    assert!(
        done.status.success(),
        "nm -D {} failed: {}",
        lib.display(),
        done.stderr
    );
    let defined: Vec<&str> = done
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    let mut needed = vec![
        "olk_version",
        "olk_last_error_message",
        "olk_reg_file_parse",
    ];
    if cfg!(feature = "test-panic") {
        needed.push("olk_test_panic");
    }
    needed.into_iter().find(|name| !defined.contains(name))
}

/// Builds the library with this run's features and profile in
/// `target/tmp/olkit-ffi/<profile>/cargo`; returns its path.
pub(crate) fn rebuild_library() -> PathBuf {
    let target_dir = scratch_dir().join("cargo");
    let profile = profile_name();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--lib", "-p", "olkit-ffi", "--profile"])
        .arg(if profile == "debug" { "dev" } else { &profile })
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")));
    if cfg!(feature = "test-panic") {
        cmd.args(["--features", "test-panic"]);
    }
    let done = run(cmd, Duration::from_secs(1200));
    assert!(
        done.status.success(),
        "rebuilding olkit-ffi failed:\n{}",
        done.stderr
    );
    target_dir.join(profile).join(LIBRARY)
}

/// `-DOLKIT_TEST_PANIC` when the library has the test exports.
pub(crate) fn test_panic_define() -> Option<&'static str> {
    cfg!(feature = "test-panic").then_some("-DOLKIT_TEST_PANIC")
}

/// The path of `name` on PATH; a missing tool fails the test.
pub(crate) fn tool(name: &str) -> PathBuf {
    which(name)
        .unwrap_or_else(|| panic!("`{name}` is not installed (not found on PATH): {INSTALL_HINT}"))
}

/// The path of `name` on PATH, if it is there.
pub(crate) fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

pub(crate) struct Finished {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `cmd` to completion, killing it after `timeout`.
pub(crate) fn run(mut cmd: Command, timeout: Duration) -> Finished {
    let shown = format!("{cmd:?}");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child: Child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {shown}: {e}"));
    let read_all = |stream: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut stream) = stream {
                let _ = stream.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = read_all(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let stderr = read_all(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{shown} did not finish within {timeout:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    Finished {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// Runs a compiler; any diagnostic fails the test.
pub(crate) fn compile(cmd: Command) {
    let shown = format!("{cmd:?}");
    let done = run(cmd, COMPILE_TIMEOUT);
    assert!(
        done.status.success(),
        "compilation failed ({}): {shown}\n{}{}",
        done.status,
        done.stdout,
        done.stderr
    );
}
