//! `olkit updates download`, through the real binary, against a small
//! HTTP server on 127.0.0.1 written here with std::net: it honours
//! `Range: bytes=N-` (or ignores it when told), can cut the connection
//! after K bytes of a body, and records the Range header of every request.
//! The package is the real example .msi (built by wixl), its digest taken
//! by `sha256sum`; signatures are made by `minisign` (trust_support's Keys).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
#[path = "../../manifest/tests/trust_support/mod.rs"]
mod trust_support;

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;

use common::{olkit, sha256sum};
use trust_support::Keys;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

fn package() -> Vec<u8> {
    fs::read(example("olkit-sample.msi")).unwrap()
}

/// What the server does, changeable between runs.
#[derive(Default)]
struct Behaviour {
    /// Path -> body.
    files: HashMap<String, Vec<u8>>,
    /// Answer every request with the whole body (200), Range or not.
    ignore_range: bool,
    /// Close the connection after this many body bytes (the headers
    /// announce them all).
    cut_after: Option<usize>,
}

#[derive(Default)]
struct Seen {
    /// (path, Range header) of every request.
    requests: Vec<(String, Option<String>)>,
}

struct Server {
    port: u16,
    behaviour: Arc<Mutex<Behaviour>>,
    seen: Arc<Mutex<Seen>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let behaviour = Arc::new(Mutex::new(Behaviour::default()));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (b, s) = (Arc::clone(&behaviour), Arc::clone(&seen));
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let _ = serve(stream, &b, &s);
            }
        });
        Server {
            port,
            behaviour,
            seen,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn put(&self, path: &str, body: &[u8]) {
        self.behaviour
            .lock()
            .unwrap()
            .files
            .insert(path.to_owned(), body.to_vec());
    }

    fn set(&self, f: impl FnOnce(&mut Behaviour)) {
        f(&mut self.behaviour.lock().unwrap());
    }

    fn ranges(&self, path: &str) -> Vec<Option<String>> {
        self.seen
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, r)| r.clone())
            .collect()
    }
}

fn serve(
    stream: TcpStream,
    behaviour: &Mutex<Behaviour>,
    seen: &Mutex<Seen>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("range") {
                range = Some(value.trim().to_owned());
            }
        }
    }
    seen.lock()
        .unwrap()
        .requests
        .push((path.clone(), range.clone()));
    let (body, ignore_range, cut_after) = {
        let b = behaviour.lock().unwrap();
        (b.files.get(&path).cloned(), b.ignore_range, b.cut_after)
    };
    let mut stream = stream;
    let Some(body) = body else {
        stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
        return Ok(());
    };
    let from = range
        .as_deref()
        .filter(|_| !ignore_range)
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n < body.len());
    let (head, part) = match from {
        Some(n) => (
            format!(
                "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {n}-{}/{}\r\nContent-Length: {}\r\n",
                body.len() - 1,
                body.len(),
                body.len() - n
            ),
            &body[n..],
        ),
        None => (
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n", body.len()),
            &body[..],
        ),
    };
    stream.write_all(format!("{head}Connection: close\r\n\r\n").as_bytes())?;
    let sent = cut_after.map_or(part.len(), |k| k.min(part.len()));
    stream.write_all(&part[..sent])?;
    stream.flush()?;
    // Dropping the stream closes the connection, cut or not.
    Ok(())
}

/// A manifest offering one package at `url`, of `size` bytes with digest
/// `sha256`.
fn manifest_xml(url: &str, sha256: &str, size: usize) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Products xmlns:olkit="urn:olkit:manifest:1" olkit:serial="7" olkit:expires="2099-01-01T00:00:00Z">
  <Product>
    <Name>Olkit Sample</Name>
    <Version>1.5.0</Version>
    <UpgradeCode>{{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}}</UpgradeCode>
    <URL>{url}</URL>
    <olkit:Sha256>{sha256}</olkit:Sha256>
    <olkit:Size>{size}</olkit:Size>
  </Product>
</Products>
"#
    )
}

/// A temporary directory with `manifest.xml` offering the example package
/// at `url`.
fn setup(url: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let sha = sha256sum(example("olkit-sample.msi"));
    let manifest = dir.path().join("manifest.xml");
    fs::write(&manifest, manifest_xml(url, &sha, package().len())).unwrap();
    let out = dir.path().join("out");
    (dir, manifest, out)
}

fn download(manifest: &Path, out: &Path, extra: &[&str]) -> common::Run {
    let mut args = vec![
        "updates",
        "download",
        manifest.to_str().unwrap(),
        "--allow-unsigned",
        "--product",
        "Olkit Sample",
        "--dir",
        out.to_str().unwrap(),
        "--timeout",
        "5",
    ];
    args.extend_from_slice(extra);
    olkit(&args)
}

fn names(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_package_is_downloaded_verified_and_equal_byte_for_byte() {
    let server = Server::start();
    server.put("/pkg/olkit-sample.msi", &package());
    let (_dir, manifest, out) = setup(&server.url("/pkg/olkit-sample.msi"));
    let run = download(&manifest, &out, &["--json"]).ok();
    assert_eq!(names(&out), ["olkit-sample.msi"]);
    let target = out.join("olkit-sample.msi");
    assert_eq!(fs::read(&target).unwrap(), package());
    let doc = run.json();
    let p = &doc["packages"][0];
    assert_eq!(p["status"], "downloaded");
    assert_eq!(p["bytes"], package().len() as u64);
    assert_eq!(p["sha256"], sha256sum(&target));
    assert_eq!(p["strength"], "sha256");
    assert_eq!(p["path"], target.to_str().unwrap());
    assert!(p["resumed_from"].is_null());
    assert_eq!(server.ranges("/pkg/olkit-sample.msi"), [None]);

    // A second run finds it verified and asks the server nothing.
    let run = download(&manifest, &out, &["--json"]).ok();
    assert_eq!(run.json()["packages"][0]["status"], "present");
    assert_eq!(server.ranges("/pkg/olkit-sample.msi").len(), 1);
}

#[test]
fn a_cut_download_leaves_a_part_and_is_resumed_with_a_range_request() {
    let server = Server::start();
    let bytes = package();
    server.put("/pkg/olkit-sample.msi", &bytes);
    server.set(|b| b.cut_after = Some(5000));
    let (_dir, manifest, out) = setup(&server.url("/pkg/olkit-sample.msi"));

    let run = download(&manifest, &out, &[]);
    run.fails(1, "Olkit Sample");
    assert!(run.stderr.contains("resume"), "{}", run.stderr);
    assert_eq!(names(&out), ["olkit-sample.msi.part"]);
    assert_eq!(
        fs::read(out.join("olkit-sample.msi.part")).unwrap(),
        &bytes[..5000]
    );

    server.set(|b| b.cut_after = None);
    let run = download(&manifest, &out, &["--json"]).ok();
    assert_eq!(
        server.ranges("/pkg/olkit-sample.msi"),
        [None, Some("bytes=5000-".to_owned())]
    );
    let p = &run.json()["packages"][0];
    assert_eq!(p["status"], "downloaded");
    assert_eq!(p["resumed_from"], 5000);
    assert_eq!(names(&out), ["olkit-sample.msi"]);
    assert_eq!(fs::read(out.join("olkit-sample.msi")).unwrap(), bytes);
}

#[test]
fn a_server_ignoring_range_sends_it_all_again_and_it_still_verifies() {
    let server = Server::start();
    let bytes = package();
    server.put("/pkg/olkit-sample.msi", &bytes);
    server.set(|b| {
        b.cut_after = Some(3000);
        b.ignore_range = true;
    });
    let (_dir, manifest, out) = setup(&server.url("/pkg/olkit-sample.msi"));
    assert_eq!(download(&manifest, &out, &[]).code, Some(1));
    assert_eq!(names(&out), ["olkit-sample.msi.part"]);

    server.set(|b| b.cut_after = None);
    let run = download(&manifest, &out, &["--json"]).ok();
    assert!(run.stderr.contains("starting again"), "{}", run.stderr);
    assert_eq!(
        server.ranges("/pkg/olkit-sample.msi"),
        [None, Some("bytes=3000-".to_owned())]
    );
    let p = &run.json()["packages"][0];
    assert!(p["resumed_from"].is_null());
    assert_eq!(fs::read(out.join("olkit-sample.msi")).unwrap(), bytes);
    assert_eq!(names(&out), ["olkit-sample.msi"]);
}

#[test]
fn a_part_longer_than_the_package_is_discarded() {
    let server = Server::start();
    let bytes = package();
    server.put("/pkg/olkit-sample.msi", &bytes);
    let (_dir, manifest, out) = setup(&server.url("/pkg/olkit-sample.msi"));
    fs::create_dir_all(&out).unwrap();
    fs::write(
        out.join("olkit-sample.msi.part"),
        vec![0u8; bytes.len() + 1],
    )
    .unwrap();
    let run = download(&manifest, &out, &[]).ok();
    assert!(run.stderr.contains("discarded"), "{}", run.stderr);
    assert_eq!(server.ranges("/pkg/olkit-sample.msi"), [None]);
    assert_eq!(fs::read(out.join("olkit-sample.msi")).unwrap(), bytes);
}

#[test]
fn a_tampered_package_is_deleted_and_named() {
    let server = Server::start();
    let mut bytes = package();
    bytes[4000] ^= 0x01;
    server.put("/pkg/olkit-sample.msi", &bytes);
    let (_dir, manifest, out) = setup(&server.url("/pkg/olkit-sample.msi"));
    let run = download(&manifest, &out, &["--json"]);
    run.fails(1, "Olkit Sample");
    assert!(run.stderr.contains("SHA-256 mismatch"), "{}", run.stderr);
    let p = &run.json()["packages"][0];
    assert_eq!(p["status"], "failed");
    assert!(p["error"].as_str().unwrap().contains("SHA-256"));
    assert!(names(&out).is_empty(), "{:?}", names(&out));

    // Longer than declared: a size failure, stopped at the declared size.
    let mut longer = package();
    longer.extend_from_slice(b"appended");
    server.put("/pkg/olkit-sample.msi", &longer);
    let run = download(&manifest, &out, &[]);
    run.fails(1, "size mismatch");
    assert!(names(&out).is_empty(), "{:?}", names(&out));

    // Shorter, and the server says that is all (Content-Length): a size
    // failure too, not an interruption to resume.
    server.put("/pkg/olkit-sample.msi", &package()[..10_000]);
    let run = download(&manifest, &out, &[]);
    run.fails(1, "size mismatch");
    assert!(run.stderr.contains("10000 of 11264"), "{}", run.stderr);
    assert!(names(&out).is_empty(), "{:?}", names(&out));
}

#[test]
fn an_unreachable_server_writes_nothing() {
    // A port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_dir, manifest, out) = setup(&format!("http://127.0.0.1:{port}/olkit-sample.msi"));
    let run = download(&manifest, &out, &[]);
    run.fails(1, "Olkit Sample");
    assert!(run.stderr.contains("127.0.0.1"), "{}", run.stderr);
    assert!(!out.exists() || names(&out).is_empty());
}

#[test]
fn a_signed_manifest_from_the_server_with_a_relative_package_url() {
    let server = Server::start();
    let bytes = package();
    let dir = tempfile::tempdir().unwrap();
    let sha = sha256sum(example("olkit-sample.msi"));
    let manifest = dir.path().join("manifest.xml");
    fs::write(
        &manifest,
        manifest_xml("pkg/olkit-sample.msi", &sha, bytes.len()),
    )
    .unwrap();
    let keys = Keys::generate();
    let public = keys.public_path();
    let signature = keys.sign_file(&manifest, false);
    let xml = fs::read(&manifest).unwrap();
    server.put("/updates/manifest.xml", &xml);
    server.put("/updates/manifest.xml.minisig", &signature);
    server.put("/updates/pkg/olkit-sample.msi", &bytes);
    let out = dir.path().join("out");
    let url = server.url("/updates/manifest.xml");
    let run = olkit(&[
        "updates",
        "download",
        &url,
        "--pubkey",
        public.to_str().unwrap(),
        "--product",
        "olkit sample",
        "--dir",
        out.to_str().unwrap(),
        "--json",
    ])
    .ok();
    let doc = run.json();
    assert_eq!(doc["manifest"]["signed"], true);
    assert_eq!(doc["manifest"]["serial"], 7);
    assert_eq!(
        doc["packages"][0]["url"],
        server.url("/updates/pkg/olkit-sample.msi")
    );
    assert_eq!(fs::read(out.join("olkit-sample.msi")).unwrap(), bytes);

    // The same manifest with one byte changed is refused: nothing fetched.
    let mut tampered = xml.clone();
    let at = tampered.windows(5).position(|w| w == b"1.5.0").unwrap();
    tampered[at] = b'9';
    server.put("/updates/manifest.xml", &tampered);
    let out2 = dir.path().join("out2");
    let before = server.ranges("/updates/pkg/olkit-sample.msi").len();
    let run = olkit(&[
        "updates",
        "download",
        &url,
        "--pubkey",
        public.to_str().unwrap(),
        "--product",
        "Olkit Sample",
        "--dir",
        out2.to_str().unwrap(),
        "--json",
    ]);
    run.fails(1, "does not match");
    let doc = run.json();
    assert_eq!(doc["error"]["source"], url);
    assert!(doc["error"]["message"]
        .as_str()
        .unwrap()
        .contains("does not match"));
    assert_eq!(server.ranges("/updates/pkg/olkit-sample.msi").len(), before);
    assert!(!out2.exists());
}

#[test]
fn a_manifest_file_with_a_relative_path_reads_the_local_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("pkg")).unwrap();
    fs::copy(
        example("olkit-sample.msi"),
        dir.path().join("pkg/olkit-sample.msi"),
    )
    .unwrap();
    let sha = sha256sum(example("olkit-sample.msi"));
    let manifest = dir.path().join("manifest.xml");
    fs::write(
        &manifest,
        manifest_xml("pkg/olkit-sample.msi", &sha, package().len()),
    )
    .unwrap();
    let out = dir.path().join("out");
    download(&manifest, &out, &[]).ok();
    assert_eq!(fs::read(out.join("olkit-sample.msi")).unwrap(), package());
}

#[test]
fn usage_errors_exit_2() {
    let (_dir, manifest, out) = setup("http://127.0.0.1:9/x.msi");
    // Neither --product nor --all-offered.
    let run = olkit(&[
        "updates",
        "download",
        manifest.to_str().unwrap(),
        "--allow-unsigned",
        "--dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    // --all-offered without --installed and --env.
    let run = olkit(&[
        "updates",
        "download",
        manifest.to_str().unwrap(),
        "--allow-unsigned",
        "--all-offered",
        "--dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    // A product the manifest does not offer.
    let run = download(&manifest, &out, &["--product", "Nothing Such"]);
    run.fails(1, "Nothing Such");
}

#[test]
fn all_offered_downloads_what_the_plan_offers_and_nothing_else() {
    let server = Server::start();
    let bytes = package();
    server.put("/pkg/olkit-sample.msi", &bytes);
    server.put("/pkg/oxtender.msi", b"not asked for");
    let sha = sha256sum(example("olkit-sample.msi"));
    let one = manifest_xml(&server.url("/pkg/olkit-sample.msi"), &sha, bytes.len());
    // The OXtender version manifest-installed.json has: up to date.
    let other = format!(
        "  <Product>
    <Name>OXtender 2 for Microsoft Outlook</Name>
    <Version>7.10.2</Version>
    <UpgradeCode>{{5A7D0F22-6A4B-4F3E-9C1D-2B8E7F6A5C41}}</UpgradeCode>
    <URL>{}</URL>
    <olkit:Sha256>{sha}</olkit:Sha256>
    <olkit:Size>13</olkit:Size>
  </Product>
</Products>",
        server.url("/pkg/oxtender.msi")
    );
    let xml = one.replace("</Products>", &other);
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("manifest.xml");
    fs::write(&manifest, xml).unwrap();
    let out = dir.path().join("out");
    let run = olkit(&[
        "updates",
        "download",
        manifest.to_str().unwrap(),
        "--allow-unsigned",
        "--all-offered",
        "--installed",
        example("manifest-installed.json").to_str().unwrap(),
        "--env",
        example("manifest-env.json").to_str().unwrap(),
        "--dir",
        out.to_str().unwrap(),
        "--json",
    ])
    .ok();
    let doc = run.json();
    let packages = doc["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 1, "{doc}");
    assert_eq!(packages[0]["product"], "Olkit Sample");
    assert_eq!(names(&out), ["olkit-sample.msi"]);
    assert!(server.ranges("/pkg/oxtender.msi").is_empty());
}

#[test]
fn the_state_file_refuses_a_replayed_manifest_and_stores_the_serial() {
    let server = Server::start();
    server.put("/pkg/olkit-sample.msi", &package());
    let (dir, manifest, out) = setup(&server.url("/pkg/olkit-sample.msi"));
    let state = dir.path().join("state.json");

    // No state yet: accepted, and its serial (7) stored.
    download(&manifest, &out, &["--state", state.to_str().unwrap()]).ok();
    let stored: serde_json::Value = serde_json::from_slice(&fs::read(&state).unwrap()).unwrap();
    assert_eq!(stored["last_serial"], 7);

    // A later manifest (serial 8) was accepted since: serial 7 is a replay.
    fs::write(&state, r#"{"last_serial": 8}"#).unwrap();
    fs::remove_dir_all(&out).unwrap();
    let run = download(&manifest, &out, &["--state", state.to_str().unwrap()]);
    run.fails(1, "rollback");
    assert!(!out.exists());
    assert_eq!(server.ranges("/pkg/olkit-sample.msi").len(), 1);
    assert_eq!(fs::read_to_string(&state).unwrap(), r#"{"last_serial": 8}"#);
}
