//! Builds the example updaters (`examples/cpp-updater/updater.cpp` with
//! g++ and `olkit.hpp`, `examples/dotnet-updater/Updater.cs` with mcs and
//! `bindings/dotnet/Olkit.cs`) against the `libolkit.so` of this test run
//! and runs them against an HTTP server on 127.0.0.1 started here
//! (std::net, with Range requests and connections it can cut). It serves
//! manifests made from `examples/manifest.xml` whose package URLs point
//! at the server, signed with minisign keys made for this run, and the
//! example packages (`examples/oxtender-sample.msi`,
//! `examples/olkit-sample.msi`) at those URLs.
//!
//! Each program must: list the upgrade of Olkit Sample 1.1.0 (the newest
//! of `examples/installed-products.reg`) to the offered version after the
//! install of the OXtender; download and verify both packages; refuse a
//! tampered package keeping no file of it;
//! keep the `.part` of a download cut halfway and resume it with a Range
//! request on the next run; refuse an unsigned manifest, an expired one,
//! one signed with another key, and an older serial than its state file
//! holds (leaving the state file as it was); report an unreachable server
//! and a missing manifest clearly, changing nothing. Both programs print
//! the same list.
//!
//! Skipped (with a message) when g++, mcs or mono is missing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    reason = "tests"
)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

mod common;
use common::{
    compile, library_dir, run, scratch_dir, tool, which, Finished, RUN_TIMEOUT, WARNINGS,
};

/// What the server serves and does, changeable while it runs, and what
/// it was asked.
#[derive(Default)]
struct Server {
    /// Path -> body.
    files: Mutex<HashMap<String, Vec<u8>>>,
    /// Path -> how many body bytes to send before closing the connection
    /// (the headers announce them all).
    cut_after: Mutex<HashMap<String, usize>>,
    /// Answer a Range request with the whole body (200), as some servers do.
    ignore_range: AtomicBool,
    /// (path, Range header) of every request.
    requests: Mutex<Vec<(String, Option<String>)>>,
}

impl Server {
    fn put(&self, path: &str, body: Vec<u8>) {
        self.files.lock().unwrap().insert(path.to_owned(), body);
    }

    fn ranges(&self, path: &str) -> Vec<Option<String>> {
        let requests = self.requests.lock().unwrap();
        let asked = requests.iter().filter(|(p, _)| p == path);
        asked.map(|(_, range)| range.clone()).collect()
    }
}

/// Serves `server` over HTTP/1.1 on 127.0.0.1 (any free port): GET of a
/// known path is 200 with Content-Length, or 206 for `Range: bytes=N-`
/// (416 when N is past the end); anything else 404; one request per
/// connection. Returns the base URL
/// (`http://127.0.0.1:PORT`).
fn serve(server: Arc<Server>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let server = Arc::clone(&server);
            thread::spawn(move || answer(stream, &server));
        }
    });
    base
}

fn answer(stream: TcpStream, server: &Server) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut range = None;
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return,
            Ok(_) if header == "\r\n" => break,
            Ok(_) => {
                if let Some((name, value)) = header.split_once(':') {
                    if name.eq_ignore_ascii_case("range") {
                        range = Some(value.trim().to_owned());
                    }
                }
            }
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_owned();
    server
        .requests
        .lock()
        .unwrap()
        .push((path.clone(), range.clone()));
    let body = server.files.lock().unwrap().get(&path).cloned();
    let cut_after = server.cut_after.lock().unwrap().get(&path).copied();
    let mut stream = stream;
    let Some(body) = body else {
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    };
    let from = range
        .filter(|_| !server.ignore_range.load(Ordering::SeqCst))
        .and_then(|r| {
            r.strip_prefix("bytes=")?
                .strip_suffix('-')?
                .parse::<usize>()
                .ok()
        });
    if from.is_some_and(|n| n >= body.len()) {
        let _ = write!(
            stream,
            "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{}\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n",
            body.len()
        );
        return;
    }
    let head = match from {
        Some(n) => format!(
            "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {n}-{}/{}\r\n",
            body.len() - 1,
            body.len()
        ),
        None => "HTTP/1.1 200 OK\r\n".to_owned(),
    };
    let part = &body[from.unwrap_or(0)..];
    let sent = cut_after.map_or(part.len(), |n| n.min(part.len()));
    let _ = write!(
        stream,
        "{head}Content-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        part.len()
    )
    .and_then(|()| stream.write_all(&part[..sent]))
    .and_then(|()| stream.flush());
    // Dropping the stream closes the connection, cut or not.
}

/// The text of `<tag>...</tag>` in `block`.
fn element<'a>(block: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = block.find(&open).unwrap() + open.len();
    let end = block[start..].find(&format!("</{tag}>")).unwrap();
    &block[start..start + end]
}

/// The `<Product>` block of `manifest` named `name`.
fn product_block<'a>(manifest: &'a str, name: &str) -> &'a str {
    manifest
        .split("<Product>")
        .skip(1)
        .map(|b| &b[..b.find("</Product>").unwrap()])
        .find(|b| element(b, "Name") == name)
        .unwrap_or_else(|| panic!("no product {name:?} in the manifest"))
}

/// Runs minisign in `dir`; it must succeed.
fn minisign(dir: &Path, args: &[&str]) {
    let mut cmd = Command::new(tool("minisign"));
    cmd.args(args).current_dir(dir);
    let done = run(cmd, RUN_TIMEOUT);
    assert!(
        done.status.success(),
        "minisign {args:?} failed: {}",
        done.stderr
    );
}

/// An example updater, built: how to run it with arguments.
struct Updater {
    name: &'static str,
    command: Box<dyn Fn() -> Command>,
}

impl Updater {
    fn run(&self, args: &[&str]) -> Finished {
        let mut cmd = (self.command)();
        cmd.args(args);
        let shown = format!("{} {args:?}", self.name);
        let done = run(cmd, RUN_TIMEOUT);
        eprintln!(
            "--- {shown}: {}\n{}{}",
            done.status, done.stdout, done.stderr
        );
        done
    }
}

fn build_cpp(root: &Path, out: &Path, lib_dir: &Path) -> Updater {
    let exe = out.join("cpp-updater");
    let mut cmd = Command::new(tool("g++"));
    cmd.arg("-std=c++17")
        .args(WARNINGS)
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("examples/cpp-updater/updater.cpp"))
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(lib_dir)
        .arg("-lolkit")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()));
    compile(cmd);
    let (out, lib_dir) = (out.to_owned(), lib_dir.to_owned());
    Updater {
        name: "cpp-updater",
        command: Box::new(move || {
            let mut cmd = Command::new(&exe);
            cmd.current_dir(&out).env("LD_LIBRARY_PATH", &lib_dir);
            cmd
        }),
    }
}

fn build_dotnet(root: &Path, out: &Path, lib_dir: &Path) -> Updater {
    let exe = out.join("Updater.exe");
    let mut cmd = Command::new(tool("mcs"));
    cmd.args(["-nologo", "-warnaserror+", "-langversion:7", "-target:exe"])
        .arg(format!("-out:{}", exe.display()))
        .arg(root.join("bindings/dotnet/Olkit.cs"))
        .arg(root.join("examples/dotnet-updater/Updater.cs"));
    compile(cmd);
    let (out, lib_dir, mono) = (out.to_owned(), lib_dir.to_owned(), tool("mono"));
    Updater {
        name: "dotnet-updater",
        command: Box::new(move || {
            let mut cmd = Command::new(&mono);
            cmd.arg("--debug")
                .arg(&exe)
                .current_dir(&out)
                .env("LD_LIBRARY_PATH", &lib_dir);
            cmd
        }),
    }
}

/// The files of a download directory.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `text` with `from` replaced by `to`, which must be there.
fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not found");
    text.replace(from, to)
}

/// A URL on 127.0.0.1 where nothing listens (a port just released).
fn unreachable_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/manifest.xml")
}

#[test]
fn example_updaters_check_download_and_refuse() {
    let missing: Vec<&str> = ["g++", "mcs", "mono"]
        .into_iter()
        .filter(|t| which(t).is_none())
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "SKIPPED: the example updaters are not built: {} not installed (see .ci/install-deps)",
            missing.join(", ")
        );
        return;
    }
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned();
    let out = scratch_dir().join("updaters");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let lib_dir = library_dir().to_owned();
    let examples = root.join("examples");

    // The manifest: the example's, with the packages on our server.
    let server = Arc::new(Server::default());
    let base = serve(Arc::clone(&server));
    let example = std::fs::read_to_string(examples.join("manifest.xml")).unwrap();
    let sample = product_block(&example, "Olkit Sample");
    let (offered, sha256) = (element(sample, "Version"), element(sample, "olkit:Sha256"));
    let package_path = format!("/packages/olkit-sample-{offered}.msi");
    let package_url = format!("{base}{package_path}");
    let oxtender = product_block(&example, "OXtender 2 for Microsoft Outlook");
    let oxtender_file = "oxtender2-7.10.6.msi".to_owned();
    let oxtender_url = format!("{base}/packages/{oxtender_file}");
    let manifest = replaced(
        &replaced(&example, element(sample, "URL"), &package_url),
        element(oxtender, "URL"),
        &oxtender_url,
    );
    let (serial, newer_serial) = ("2025060101", "2025060102");
    let serial_attribute = |s: &str| format!("olkit:serial=\"{s}\"");
    // Issued 2025-06-01: it expired the next day.
    let expired = replaced(
        &manifest,
        "olkit:expires=\"2035-06-01T08:00:00Z\"",
        "olkit:expires=\"2025-06-02T08:00:00Z\"",
    );
    let newer = replaced(
        &manifest,
        &serial_attribute(serial),
        &serial_attribute(newer_serial),
    );

    // Keys made for this run; each served manifest signed with one of them
    // (or, for /unsigned/, served without its .minisig).
    let keys = out.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    for key in ["trusted", "other"] {
        let (public, secret) = (format!("{key}.pub"), format!("{key}.sec"));
        minisign(&keys, &["-G", "-W", "-p", &public, "-s", &secret]);
    }
    for (dir, key, text) in [
        ("signed", Some("trusted"), &manifest),
        ("newer", Some("trusted"), &newer),
        ("expired", Some("trusted"), &expired),
        ("other-key", Some("other"), &manifest),
        ("unsigned", None, &manifest),
    ] {
        let file = keys.join(format!("{dir}.xml"));
        std::fs::write(&file, text).unwrap();
        server.put(&format!("/{dir}/manifest.xml"), text.as_bytes().to_vec());
        if let Some(key) = key {
            let secret = format!("{key}.sec");
            minisign(&keys, &["-S", "-s", &secret, "-m", &format!("{dir}.xml")]);
            let signature = std::fs::read(file.with_extension("xml.minisig")).unwrap();
            server.put(&format!("/{dir}/manifest.xml.minisig"), signature);
        }
    }
    let package = std::fs::read(examples.join("olkit-sample.msi")).unwrap();
    server.put(&package_path, package.clone());
    let oxtender_package = std::fs::read(examples.join("oxtender-sample.msi")).unwrap();
    server.put(
        &format!("/packages/{oxtender_file}"),
        oxtender_package.clone(),
    );
    // The files of a download directory but the OXtender's, which every
    // download run fetches and verifies too.
    let sample_files = |dir: &Path| -> Vec<String> {
        let mut names = listing(dir);
        names.retain(|n| *n != oxtender_file);
        names
    };
    let file_name = format!("olkit-sample-{offered}.msi");
    let pubkey = keys.join("trusted.pub");
    let arg = |p: &Path| p.to_str().unwrap().to_owned();
    let manifest_url = |dir: &str| format!("{base}/{dir}/manifest.xml");
    let offline_url = unreachable_url();

    let updaters = [
        build_cpp(&root, &out, &lib_dir),
        build_dotnet(&root, &out, &lib_dir),
    ];
    let mut lists = Vec::new();
    for updater in &updaters {
        let name = updater.name;
        let run = |url: &str, extra: &[&Path]| -> Finished {
            let mut args = vec![
                url.to_owned(),
                arg(&pubkey),
                arg(&examples.join("installed-products.reg")),
                arg(&examples.join("manifest-env.json")),
            ];
            args.extend(extra.iter().map(|p| p.to_str().unwrap().to_owned()));
            updater.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let scratch = |what: &str| {
            let dir = out.join(format!("{name}-{what}"));
            std::fs::create_dir_all(&dir).unwrap();
            dir
        };
        let (download, state) = (Path::new("--download"), Path::new("--state"));
        let refused = |done: &Finished, why: &str| {
            assert_eq!(done.status.code(), Some(1), "{name}: accepted");
            assert!(
                done.stderr.contains("manifest refused") && done.stderr.contains(why),
                "{name}: not refused for {why:?}: {}",
                done.stderr
            );
            assert!(done.stdout.is_empty(), "{name}: a list after a refusal");
        };

        // The check: the list, with the upgrade; the serial stored.
        let state_file = scratch("state").join("serial");
        let done = run(&manifest_url("signed"), &[state, &state_file]);
        assert!(done.status.success(), "{name}: check failed");
        let install = "OXtender 2 for Microsoft Outlook: none -> 7.10.6 (install)\n";
        let upgrade = format!("Olkit Sample: 1.1.0 -> {offered} (upgrade)\n");
        assert!(done.stdout.contains(install), "{name}: no {install:?}");
        assert!(done.stdout.contains(&upgrade), "{name}: no {upgrade:?}");
        assert!(done.stdout.contains("OX Drive: none -> "), "{name}");
        assert_eq!(
            std::fs::read_to_string(&state_file).unwrap(),
            format!("{serial}\n")
        );
        lists.push(done.stdout);

        // A newer serial is accepted and stored; the older manifest
        // replayed after it is refused, the state file unchanged.
        let done = run(&manifest_url("newer"), &[state, &state_file]);
        assert!(done.status.success(), "{name}: newer serial refused");
        let stored = format!("{newer_serial}\n");
        assert_eq!(std::fs::read_to_string(&state_file).unwrap(), stored);
        let done = run(&manifest_url("signed"), &[state, &state_file]);
        refused(&done, newer_serial);
        assert_eq!(std::fs::read_to_string(&state_file).unwrap(), stored);
        // A state file that holds no serial: nothing done.
        let garbage = scratch("state").join("garbage");
        std::fs::write(&garbage, "yesterday\n").unwrap();
        let done = run(&manifest_url("signed"), &[state, &garbage]);
        assert_eq!(done.status.code(), Some(1), "{name}");
        assert!(done.stderr.contains("not a serial"), "{name}");
        assert_eq!(std::fs::read_to_string(&garbage).unwrap(), "yesterday\n");

        // Unsigned, expired, and signed by another key: refused.
        refused(&run(&manifest_url("unsigned"), &[]), "not signed");
        refused(&run(&manifest_url("expired"), &[]), "expired");
        refused(&run(&manifest_url("other-key"), &[]), "");

        // The download, verified and kept.
        let good = scratch("good");
        let done = run(&manifest_url("signed"), &[download, &good]);
        assert!(done.status.success(), "{name}: download failed");
        let verified = format!("Olkit Sample: verified, {} bytes (SHA-256)", package.len());
        assert!(done.stdout.contains(&verified), "{name}: no {verified:?}");
        let oxtender_verified = format!(
            "OXtender 2 for Microsoft Outlook: verified, {} bytes (SHA-256)",
            oxtender_package.len()
        );
        let (first, second) = (
            done.stdout.find(&oxtender_verified),
            done.stdout.find(&verified),
        );
        assert!(
            first.is_some() && first < second,
            "{name}: not in install order"
        );
        let mut both = vec![file_name.clone(), oxtender_file.clone()];
        both.sort();
        assert_eq!(listing(&good), both, "{name}");
        assert_eq!(std::fs::read(good.join(&file_name)).unwrap(), package);
        assert_eq!(
            std::fs::read(good.join(&oxtender_file)).unwrap(),
            oxtender_package
        );

        // A tampered package: refused, nothing kept.
        let mut flipped = package.clone();
        flipped[package.len() / 3] ^= 0x01;
        server.put(&package_path, flipped);
        let bad = scratch("tampered");
        let done = run(&manifest_url("signed"), &[download, &bad]);
        server.put(&package_path, package.clone());
        assert_eq!(done.status.code(), Some(1), "{name}: tampered accepted");
        let failure = done
            .stdout
            .lines()
            .find(|l| l.starts_with("Olkit Sample: NOT verified"))
            .unwrap_or_else(|| panic!("{name}: no failure line"));
        assert!(
            failure.contains(&sha256[..8]) && failure.ends_with("nothing kept"),
            "{name}: {failure}"
        );
        assert!(!done.stdout.contains(&verified), "{name}");
        assert!(done.stdout.contains(&oxtender_verified), "{name}");
        assert!(sample_files(&bad).is_empty(), "{name}: {:?}", listing(&bad));

        // A download cut halfway keeps its .part, and the next run resumes
        // it with a Range request.
        let half = package.len() / 2;
        server
            .cut_after
            .lock()
            .unwrap()
            .insert(package_path.clone(), half);
        let cut = scratch("cut");
        let done = run(&manifest_url("signed"), &[download, &cut]);
        server.cut_after.lock().unwrap().clear();
        assert_eq!(done.status.code(), Some(1), "{name}: a cut download passed");
        let interrupted = format!("Olkit Sample: interrupted after {half} bytes: ");
        assert!(
            done.stdout.contains(&interrupted),
            "{name}: no {interrupted:?}"
        );
        assert!(done.stdout.contains("kept, run again to resume"), "{name}");
        let part_name = format!("{file_name}.part");
        assert_eq!(
            sample_files(&cut),
            std::slice::from_ref(&part_name),
            "{name}"
        );
        assert_eq!(
            std::fs::read(cut.join(&part_name)).unwrap(),
            &package[..half]
        );
        let done = run(&manifest_url("signed"), &[download, &cut]);
        assert!(done.status.success(), "{name}: the resumed download failed");
        let resuming = format!("download Olkit Sample: {package_url} (resuming at {half} bytes)");
        assert!(done.stdout.contains(&resuming), "{name}: no {resuming:?}");
        assert!(done.stdout.contains(&verified), "{name}");
        assert_eq!(
            server.ranges(&package_path).last(),
            Some(&Some(format!("bytes={half}-"))),
            "{name}: no Range request"
        );
        assert_eq!(
            sample_files(&cut),
            std::slice::from_ref(&file_name),
            "{name}"
        );
        assert_eq!(std::fs::read(cut.join(&file_name)).unwrap(), package);

        // Resumed from a .part that already holds the whole package (a run
        // stopped before its rename): the server answers 416, the bytes
        // kept are checked and kept.
        std::fs::rename(cut.join(&file_name), cut.join(&part_name)).unwrap();
        let done = run(&manifest_url("signed"), &[download, &cut]);
        assert!(done.status.success(), "{name}: a complete .part refused");
        assert!(
            done.stdout
                .contains(&format!("(resuming at {} bytes)", package.len())),
            "{name}"
        );
        assert!(done.stdout.contains(&verified), "{name}");
        assert_eq!(std::fs::read(cut.join(&file_name)).unwrap(), package);
        assert!(!cut.join(&part_name).exists(), "{name}");
        // A server that ignores Range sends it all again: started over.
        std::fs::remove_file(cut.join(&file_name)).unwrap();
        std::fs::write(cut.join(&part_name), &package[..half]).unwrap();
        server.ignore_range.store(true, Ordering::SeqCst);
        let done = run(&manifest_url("signed"), &[download, &cut]);
        server.ignore_range.store(false, Ordering::SeqCst);
        assert!(done.status.success(), "{name}: not started over");
        assert!(done.stdout.contains(&resuming), "{name}");
        assert_eq!(
            sample_files(&cut),
            std::slice::from_ref(&file_name),
            "{name}"
        );
        assert_eq!(std::fs::read(cut.join(&file_name)).unwrap(), package);
        // A .part that is not the start of the package: not verified once
        // complete, and deleted.
        std::fs::remove_file(cut.join(&file_name)).unwrap();
        let mut wrong_start = package[..half].to_vec();
        wrong_start[10] ^= 0x01;
        std::fs::write(cut.join(&part_name), wrong_start).unwrap();
        let done = run(&manifest_url("signed"), &[download, &cut]);
        assert_eq!(
            done.status.code(),
            Some(1),
            "{name}: a wrong .part accepted"
        );
        assert!(done.stdout.contains(&resuming), "{name}");
        assert!(done.stdout.contains("Olkit Sample: NOT verified"), "{name}");
        assert!(
            sample_files(&cut).is_empty(),
            "{name}: {:?}",
            sample_files(&cut)
        );

        // Server unreachable, and a manifest the server does not have: a
        // clear error, the state file and the download directory as they
        // were.
        let untouched = scratch("unreachable");
        for url in [offline_url.as_str(), &manifest_url("missing")] {
            let done = run(url, &[state, &state_file, download, &untouched]);
            assert_eq!(done.status.code(), Some(1), "{name}: {url}");
            assert!(done.stdout.is_empty(), "{name}: {url}");
            assert!(done.stderr.contains(url), "{name}: {}", done.stderr);
            assert_eq!(std::fs::read_to_string(&state_file).unwrap(), stored);
            assert!(listing(&untouched).is_empty(), "{name}: {url}");
        }
        let done = run(&manifest_url("missing"), &[]);
        assert!(done.stderr.contains("404"), "{name}: {}", done.stderr);
    }
    assert_eq!(lists[0], lists[1], "the two updaters list differently");
}
