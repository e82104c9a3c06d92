//! Builds the example updaters (`examples/cpp-updater/updater.cpp` with
//! g++ and `olkit.hpp`, `examples/dotnet-updater/Updater.cs` with mcs and
//! `bindings/dotnet/Olkit.cs`) against the `libolkit.so` of this test run
//! and runs them against an HTTP server on 127.0.0.1 started here
//! (std::net). It serves a manifest made from `examples/manifest.xml`
//! whose "Olkit Sample" package URL points at the server (the OXtender
//! product, whose package does not exist, is left out), signed with a
//! minisign key made for this run, and `examples/olkit-sample.msi` at that
//! URL. The programs must list the upgrade of Olkit Sample 1.1.0 (the
//! newest of `examples/installed-products.reg`) to the offered version,
//! download and verify the package, refuse a tampered package (one byte
//! flipped) keeping no file, and refuse the manifest signed with another
//! key. Both programs print the same list.
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
use std::sync::{Arc, Mutex};
use std::thread;

mod common;
use common::{
    compile, library_dir, run, scratch_dir, tool, which, Finished, RUN_TIMEOUT, WARNINGS,
};

/// The paths a server serves and their bodies, changeable while it runs.
type Files = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// Serves `files` over HTTP/1.1 on 127.0.0.1 (any free port): GET of a
/// known path is 200 with Content-Length, anything else 404; one request
/// per connection. Returns the base URL (`http://127.0.0.1:PORT`).
fn serve(files: Files) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let files = Arc::clone(&files);
            thread::spawn(move || answer(stream, &files));
        }
    });
    base
}

fn answer(stream: TcpStream, files: &Files) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return,
            Ok(_) if header == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("");
    let body = files.lock().unwrap().get(path).cloned();
    let mut stream = stream;
    let _ = match body {
        Some(body) => write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n\
             Connection: close\r\n\r\n",
            body.len()
        )
        .and_then(|()| stream.write_all(&body)),
        None => stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    };
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

    // The manifest: the example's, without its first product (OXtender,
    // whose package nobody has) and with the sample package on our server.
    let files: Files = Arc::default();
    let base = serve(Arc::clone(&files));
    let example = std::fs::read_to_string(examples.join("manifest.xml")).unwrap();
    let sample = product_block(&example, "Olkit Sample");
    let (offered, sha256) = (element(sample, "Version"), element(sample, "olkit:Sha256"));
    let package_url = format!("{base}/packages/olkit-sample-{offered}.msi");
    let oxtender = product_block(&example, "OXtender 2 for Microsoft Outlook");
    let manifest = example
        .replace(&format!("<Product>{oxtender}</Product>"), "")
        .replace(element(sample, "URL"), &package_url);
    assert!(!manifest.contains("OXtender") && manifest.contains(&package_url));

    let keys = out.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    for key in ["trusted", "other"] {
        minisign(
            &keys,
            &[
                "-G",
                "-W",
                "-p",
                &format!("{key}.pub"),
                "-s",
                &format!("{key}.sec"),
            ],
        );
        std::fs::write(keys.join(format!("{key}.xml")), &manifest).unwrap();
        minisign(
            &keys,
            &[
                "-S",
                "-s",
                &format!("{key}.sec"),
                "-m",
                &format!("{key}.xml"),
            ],
        );
    }
    let package = std::fs::read(examples.join("olkit-sample.msi")).unwrap();
    {
        let mut files = files.lock().unwrap();
        for (dir, key) in [("signed", "trusted"), ("other-key", "other")] {
            let signed = keys.join(format!("{key}.xml"));
            files.insert(
                format!("/{dir}/manifest.xml"),
                std::fs::read(&signed).unwrap(),
            );
            files.insert(
                format!("/{dir}/manifest.xml.minisig"),
                std::fs::read(signed.with_extension("xml.minisig")).unwrap(),
            );
        }
        files.insert(
            format!("/packages/olkit-sample-{offered}.msi"),
            package.clone(),
        );
    }
    let pubkey = keys.join("trusted.pub");
    let arg = |p: &Path| p.to_str().unwrap().to_owned();
    let common_args = |manifest_url: &str| -> Vec<String> {
        vec![
            manifest_url.to_owned(),
            arg(&pubkey),
            arg(&examples.join("installed-products.reg")),
            arg(&examples.join("manifest-env.json")),
        ]
    };
    let signed_url = format!("{base}/signed/manifest.xml");

    let updaters = [
        build_cpp(&root, &out, &lib_dir),
        build_dotnet(&root, &out, &lib_dir),
    ];
    let mut lists = Vec::new();
    for updater in &updaters {
        let args = |extra: &[&str]| -> Vec<String> {
            let mut args = common_args(&signed_url);
            args.extend(extra.iter().map(|s| (*s).to_owned()));
            args
        };
        let run =
            |args: Vec<String>| updater.run(&args.iter().map(String::as_str).collect::<Vec<_>>());

        // The check: the list, with the upgrade.
        let done = run(args(&[]));
        assert!(done.status.success(), "{}: check failed", updater.name);
        let upgrade = format!("Olkit Sample: 1.1.0 -> {offered} (upgrade)");
        assert!(
            done.stdout.contains(&upgrade),
            "{}: no {upgrade:?}",
            updater.name
        );
        assert!(
            done.stdout.contains("OX Drive: none -> "),
            "{}",
            updater.name
        );
        lists.push(done.stdout);

        // The download, verified and kept.
        let good = out.join(format!("{}-good", updater.name));
        std::fs::create_dir_all(&good).unwrap();
        let done = run(args(&["--download", good.to_str().unwrap()]));
        assert!(done.status.success(), "{}: download failed", updater.name);
        let verified = format!("Olkit Sample: verified, {} bytes (SHA-256)", package.len());
        assert!(
            done.stdout.contains(&verified),
            "{}: no {verified:?}",
            updater.name
        );
        let file_name = format!("olkit-sample-{offered}.msi");
        assert_eq!(
            listing(&good),
            std::slice::from_ref(&file_name),
            "{}",
            updater.name
        );
        assert_eq!(std::fs::read(good.join(&file_name)).unwrap(), package);

        // A tampered package: refused, nothing kept.
        let mut flipped = package.clone();
        flipped[package.len() / 3] ^= 0x01;
        files
            .lock()
            .unwrap()
            .insert(format!("/packages/{file_name}"), flipped);
        let bad = out.join(format!("{}-tampered", updater.name));
        std::fs::create_dir_all(&bad).unwrap();
        let done = run(args(&["--download", bad.to_str().unwrap()]));
        files
            .lock()
            .unwrap()
            .insert(format!("/packages/{file_name}"), package.clone());
        assert_eq!(
            done.status.code(),
            Some(1),
            "{}: tampered accepted",
            updater.name
        );
        let refused = done
            .stdout
            .lines()
            .find(|l| l.starts_with("Olkit Sample: NOT verified"))
            .unwrap_or_else(|| panic!("{}: no failure line", updater.name));
        assert!(
            refused.contains(&sha256[..8]) && refused.ends_with("nothing kept"),
            "{}: {refused}",
            updater.name
        );
        assert!(!done.stdout.contains("verified, "), "{}", updater.name);
        assert!(
            listing(&bad).is_empty(),
            "{}: {:?}",
            updater.name,
            listing(&bad)
        );

        // A manifest signed with another key: refused before any list.
        let done = run(common_args(&format!("{base}/other-key/manifest.xml")));
        assert_eq!(
            done.status.code(),
            Some(1),
            "{}: other key accepted",
            updater.name
        );
        assert!(
            done.stderr.contains("manifest refused") && done.stdout.is_empty(),
            "{}",
            updater.name
        );

        // An unreachable manifest: a clear error.
        let done = run(common_args(&format!("{base}/missing/manifest.xml")));
        assert_eq!(done.status.code(), Some(1), "{}", updater.name);
        assert!(
            done.stderr.contains("404"),
            "{}: {}",
            updater.name,
            done.stderr
        );
    }
    assert_eq!(lists[0], lists[1], "the two updaters list differently");
}
