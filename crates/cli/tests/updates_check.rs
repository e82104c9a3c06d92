//! `olkit updates check` and `olkit updates install-command`, through the
//! real binary. Manifests are served by a small HTTP server on 127.0.0.1
//! written here with std::net (it records the Authorization header of
//! every request and can demand one), HTTPS by python3's ssl module with a
//! certificate `openssl` makes here. Signatures are made by `minisign`
//! with a key made here; manifests are the example manifest re-dated.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::olkit;

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// The example manifest with another serial and expiry, issued in 2023.
fn manifest(serial: u64, expires: &str) -> Vec<u8> {
    let text = fs::read_to_string(example("manifest.xml")).unwrap();
    assert!(text.contains("olkit:serial=\"2025060101\""));
    assert!(text.contains("olkit:issued=\"2025-06-01T08:00:00Z\""));
    assert!(text.contains("olkit:expires=\"2035-06-01T08:00:00Z\""));
    text.replace(
        "olkit:issued=\"2025-06-01T08:00:00Z\"",
        "olkit:issued=\"2023-01-01T00:00:00Z\"",
    )
    .replace(
        "olkit:serial=\"2025060101\"",
        &format!("olkit:serial=\"{serial}\""),
    )
    .replace(
        "olkit:expires=\"2035-06-01T08:00:00Z\"",
        &format!("olkit:expires=\"{expires}\""),
    )
    .into_bytes()
}

/// A minisign key pair in `dir`: (secret key path, public key path).
fn keypair(dir: &Path) -> (PathBuf, PathBuf) {
    let (secret, public) = (dir.join("test.key"), dir.join("test.pub"));
    let status = Command::new("minisign")
        .args(["-G", "-W", "-p"])
        .arg(&public)
        .arg("-s")
        .arg(&secret)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    (secret, public)
}

/// The minisign signature of `bytes`.
fn sign(secret: &Path, bytes: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.xml");
    fs::write(&file, bytes).unwrap();
    let status = Command::new("minisign")
        .arg("-S")
        .arg("-s")
        .arg(secret)
        .arg("-m")
        .arg(&file)
        .args(["-t", "olkit updates check test"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    fs::read(dir.path().join("m.xml.minisig")).unwrap()
}

/// A tiny HTTP/1.1 server: GET of the files it holds, one request per
/// connection; with `auth`, a request without exactly that Authorization
/// header is answered 401. Every Authorization header is recorded.
/// (path, Authorization header) of every request.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

struct Server {
    port: u16,
    seen: Seen,
}

impl Server {
    fn start(files: HashMap<String, Vec<u8>>, auth: Option<String>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let _ = serve(stream, &files, auth.as_deref(), &log);
            }
        });
        Server { port, seen }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn authorizations(&self) -> Vec<Option<String>> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(_, a)| a.clone())
            .collect()
    }
}

fn serve(
    mut stream: TcpStream,
    files: &HashMap<String, Vec<u8>>,
    auth: Option<&str>,
    seen: &Mutex<Vec<(String, Option<String>)>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let mut authorization = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value.trim().to_owned());
            }
        }
    }
    seen.lock()
        .unwrap()
        .push((path.clone(), authorization.clone()));
    let (status, body): (&str, &[u8]) = if auth.is_some() && authorization.as_deref() != auth {
        ("401 Unauthorized", b"who are you?")
    } else if let Some(body) = files.get(&path) {
        ("200 OK", body)
    } else {
        ("404 Not Found", b"no such file")
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()
}

/// A signed manifest of `serial` and its signature, served as
/// /products.xml and /products.xml.minisig.
fn signed_files(secret: &Path, serial: u64) -> HashMap<String, Vec<u8>> {
    let xml = manifest(serial, "2035-06-01T08:00:00Z");
    let sig = sign(secret, &xml);
    HashMap::from([
        ("/products.xml".to_owned(), xml),
        ("/products.xml.minisig".to_owned(), sig),
    ])
}

fn check_args<'a>(url: &'a str, public: &'a str) -> Vec<&'a str> {
    vec![
        "updates",
        "check",
        url,
        "--pubkey",
        public,
        "--installed",
        EXAMPLE_INSTALLED.get_or_init(|| example("installed-products.reg")),
        "--env",
        EXAMPLE_ENV.get_or_init(|| example("manifest-env.json")),
    ]
}

static EXAMPLE_INSTALLED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
static EXAMPLE_ENV: std::sync::OnceLock<String> = std::sync::OnceLock::new();

#[test]
fn a_signed_manifest_from_a_url_lists_the_updates_and_a_replayed_older_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (secret, public) = keypair(dir.path());
    let public = public.to_str().unwrap().to_owned();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap().to_owned();

    let server = Server::start(signed_files(&secret, 2025070101), None);
    let url = server.url("/products.xml");
    let mut args = check_args(&url, &public);
    args.extend(["--state", &state_arg, "--json"]);
    let run = olkit(&args).ok();
    let doc = run.json();
    assert_eq!(doc["source"], url.as_str());
    assert_eq!(doc["manifest"]["signed"], true);
    assert_eq!(doc["manifest"]["serial"], 2025070101);
    let updates = doc["updates"].as_array().unwrap();
    let names: Vec<&str> = updates
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["OXtender 2 for Microsoft Outlook", "Olkit Sample"]);
    // The OXtender package: critical, High, details, cache format 3.
    assert_eq!(updates[0]["critical"], true);
    assert_eq!(updates[0]["importance"], "High");
    assert_eq!(updates[0]["cache_upgrade"], 3);
    assert!(updates[0]["details"][0]["text"]
        .as_str()
        .unwrap()
        .contains("Outlook must be closed"));
    // Olkit Sample 1.1.0 is installed in the .reg export; 1.5.0 is offered,
    // with the real size of the example package.
    let sample_size = fs::metadata(example("olkit-sample.msi")).unwrap().len();
    assert_eq!(updates[1]["installed"], "1.1.0");
    assert_eq!(updates[1]["offered"], "1.5.0");
    assert_eq!(updates[1]["action"], "upgrade");
    assert_eq!(updates[1]["size"], sample_size);
    assert_eq!(doc["not_offered"][0]["name"], "OX Drive");
    assert_eq!(doc["state"]["last_serial"], 2025070101);
    let stored: serde_json::Value = serde_json::from_slice(&fs::read(&state).unwrap()).unwrap();
    assert_eq!(stored["last_serial"], 2025070101);
    assert_eq!(stored["manifest"], url.as_str());
    assert!(stored["checked_at"].as_str().unwrap().ends_with('Z'));

    // The human list says the same.
    let text = olkit(&check_args(&url, &public)).ok().text();
    assert!(text.contains("signed by key"), "{text}");
    assert!(
        text.contains(
            "1. OXtender 2 for Microsoft Outlook: 7.10.6 (not installed) [install, CRITICAL]"
        ),
        "{text}"
    );
    assert!(
        text.contains("2. Olkit Sample: 1.1.0 -> 1.5.0 [upgrade]"),
        "{text}"
    );
    assert!(text.contains("importance: High"), "{text}");
    assert!(text.contains("cache upgrade"), "{text}");

    // An older manifest, properly signed, replayed by the server: refused
    // through the state file, which stays as it was.
    let before = fs::read(&state).unwrap();
    let old = Server::start(signed_files(&secret, 2025060101), None);
    let old_url = old.url("/products.xml");
    let mut args = check_args(&old_url, &public);
    args.extend(["--state", &state_arg]);
    let run = olkit(&args);
    run.fails(1, "2025060101");
    assert!(run.stdout.is_empty());
    assert_eq!(fs::read(&state).unwrap(), before);
    // Without the state file the same manifest is accepted: the state did it.
    olkit(&check_args(&old_url, &public)).ok();
    // A newer one moves the state on.
    let newer = Server::start(signed_files(&secret, 2025080101), None);
    let newer_url = newer.url("/products.xml");
    let mut args = check_args(&newer_url, &public);
    args.extend(["--state", &state_arg]);
    let text = olkit(&args).ok().text();
    assert!(text.contains("serial 2025080101 stored"), "{text}");
    let stored: serde_json::Value = serde_json::from_slice(&fs::read(&state).unwrap()).unwrap();
    assert_eq!(stored["last_serial"], 2025080101);
}

#[test]
fn unsigned_expired_and_tampered_manifests_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (secret, public) = keypair(dir.path());
    let public = public.to_str().unwrap().to_owned();
    let xml = manifest(2025070101, "2035-06-01T08:00:00Z");
    let expired = manifest(2025070101, "2024-01-01T00:00:00Z");
    let mut tampered = xml.clone();
    let at = tampered.windows(6).position(|w| w == b"7.10.6").unwrap();
    tampered[at + 5] = b'9';
    let files = HashMap::from([
        ("/unsigned.xml".to_owned(), xml.clone()),
        ("/expired.xml".to_owned(), expired.clone()),
        ("/expired.xml.minisig".to_owned(), sign(&secret, &expired)),
        ("/tampered.xml".to_owned(), tampered),
        ("/tampered.xml.minisig".to_owned(), sign(&secret, &xml)),
    ]);
    let server = Server::start(files, None);

    // Unsigned: refused with keys, accepted with --allow-unsigned.
    let url = server.url("/unsigned.xml");
    let run = olkit(&check_args(&url, &public));
    run.fails(1, "not signed");
    assert!(run.stderr.contains("--allow-unsigned"), "{}", run.stderr);
    let run = olkit(&["updates", "check", &url, "--allow-unsigned", "--json"]).ok();
    let doc = run.json();
    assert_eq!(doc["manifest"]["signed"], false);
    assert!(!doc["updates"].as_array().unwrap().is_empty());
    // Neither keys nor --allow-unsigned is a usage error.
    assert_eq!(olkit(&["updates", "check", &url]).code, Some(2));

    // Expired: refused, even though the signature is good.
    let url = server.url("/expired.xml");
    let run = olkit(&check_args(&url, &public));
    run.fails(1, "expired");
    assert!(run.stderr.contains(&url), "{}", run.stderr);
    // ... but not when checked as of a time before the expiry.
    let mut args = check_args(&url, &public);
    args.extend(["--at", "2023-12-01T00:00:00Z"]);
    olkit(&args).ok();

    // Tampered after signing: the signature does not match.
    let url = server.url("/tampered.xml");
    let mut args = check_args(&url, &public);
    args.push("--json");
    let run = olkit(&args);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.to_lowercase().contains("signature"),
        "{}",
        run.stderr
    );
    let doc = run.json();
    assert_eq!(doc["error"]["source"], url.as_str());
    assert!(doc.get("updates").is_none());

    // A local file with a signature URL (--sig) works the same way.
    let local = dir.path().join("products.xml");
    fs::write(&local, &expired).unwrap();
    let sig_url = server.url("/expired.xml.minisig");
    let local = local.to_str().unwrap();
    let mut args = check_args(local, &public);
    args.extend(["--sig", &sig_url, "--at", "2023-12-01T00:00:00Z"]);
    olkit(&args).ok();
    let mut args = check_args(local, &public);
    args.extend(["--sig", &sig_url]);
    assert_eq!(olkit(&args).code, Some(1));
}

#[test]
fn an_unreachable_server_is_a_clear_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keypair(dir.path());
    let public = public.to_str().unwrap().to_owned();
    // A port that was just free and is closed now.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/products.xml");
    let state = dir.path().join("state.json");
    let old_state = br#"{"last_serial": 7, "manifest": "x", "checked_at": "2025-01-01T00:00:00Z"}"#;
    fs::write(&state, old_state).unwrap();
    let mut args = check_args(&url, &public);
    args.extend(["--state", state.to_str().unwrap(), "--timeout", "5"]);
    let started = Instant::now();
    let run = olkit(&args);
    assert!(started.elapsed() < Duration::from_secs(5));
    run.fails(1, &url);
    assert!(run.stderr.contains("cannot fetch"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert_eq!(fs::read(&state).unwrap(), old_state);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        3,
        "no file left behind"
    );
}

/// `base64` of coreutils, as a check independent of olkit's encoder.
fn base64(text: &str) -> String {
    let mut child = Command::new("base64")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn basic_and_bearer_credentials_reach_the_server_and_are_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let (secret, public) = keypair(dir.path());
    let public = public.to_str().unwrap().to_owned();
    let password = "pa ss:w0rd-SECRET";
    let basic = format!("Basic {}", base64(&format!("admin:{password}")));
    let server = Server::start(signed_files(&secret, 2025070101), Some(basic.clone()));
    let url = server.url("/products.xml");

    // Without credentials: 401, said with a hint.
    let run = olkit(&check_args(&url, &public));
    run.fails(1, "401");
    assert!(run.stderr.contains("authentication"), "{}", run.stderr);

    // Basic, the password from the environment: the header arrives, on
    // the manifest and on its signature.
    let mut args = check_args(&url, &public);
    args.extend([
        "--user",
        "admin",
        "--password-env",
        "OLKIT_TEST_PASSWORD",
        "--json",
    ]);
    let out = Command::new(env!("CARGO_BIN_EXE_olkit"))
        .args(&args)
        .env("OLKIT_TEST_PASSWORD", password)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("Olkit Sample"));
    for shown in [&stdout, &stderr] {
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(
            !shown.contains(basic.trim_start_matches("Basic ")),
            "{shown}"
        );
    }
    let seen = server.authorizations();
    assert_eq!(seen.last(), Some(&Some(basic.clone())));
    assert_eq!(
        seen.iter().filter(|a| a.as_deref() == Some(&basic)).count(),
        2
    );

    // A wrong password: refused, and neither password is shown.
    let mut args = check_args(&url, &public);
    args.extend(["--user", "admin", "--password", "wrong-SECRET", "--json"]);
    let run = olkit(&args);
    run.fails(1, "401");
    assert!(run.stderr.contains("not accepted"), "{}", run.stderr);
    let stdout = run.text();
    assert!(!run.stderr.contains("SECRET") && !stdout.contains("SECRET"));
    // A missing variable names the variable only.
    let mut args = check_args(&url, &public);
    args.extend([
        "--user",
        "admin",
        "--password-env",
        "OLKIT_TEST_UNSET_VARIABLE",
    ]);
    let run = olkit(&args);
    run.fails(1, "OLKIT_TEST_UNSET_VARIABLE is not set");

    // Bearer.
    let token = "tok-SECRET-123";
    let bearer_server = Server::start(
        signed_files(&secret, 2025070101),
        Some(format!("Bearer {token}")),
    );
    let url = bearer_server.url("/products.xml");
    let mut args = check_args(&url, &public);
    args.extend(["--bearer", token]);
    let run = olkit(&args).ok();
    assert!(!run.text().contains("SECRET") && !run.stderr.contains("SECRET"));
    assert!(bearer_server
        .authorizations()
        .iter()
        .all(|a| a.as_deref() == Some("Bearer tok-SECRET-123")));
    // Basic and bearer together is a usage error.
    let mut args = check_args(&url, &public);
    args.extend(["--bearer", token, "--user", "a", "--password", "b"]);
    assert_eq!(olkit(&args).code, Some(2));
}

/// python3 serving `dir` over HTTPS with `cert`/`key` on a free port.
struct HttpsServer {
    child: Child,
    port: u16,
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn https_server(dir: &Path, cert: &Path, key: &Path) -> HttpsServer {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = format!(
        "import http.server, ssl, functools\n\
         handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory={dir:?})\n\
         server = http.server.HTTPServer(('127.0.0.1', {port}), handler)\n\
         context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
         context.load_cert_chain({cert:?}, {key:?})\n\
         server.socket = context.wrap_socket(server.socket, server_side=True)\n\
         server.serve_forever()\n",
        dir = dir.to_str().unwrap(),
        cert = cert.to_str().unwrap(),
        key = key.to_str().unwrap(),
    );
    let child = Command::new("python3")
        .args(["-c", &script])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = HttpsServer { child, port };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the HTTPS server did not start");
        thread::sleep(Duration::from_millis(20));
    }
    server
}

#[test]
fn https_is_verified_against_the_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let (secret, public) = keypair(dir.path());
    let public = public.to_str().unwrap().to_owned();
    // A test CA and a server certificate for 127.0.0.1 it signed (webpki
    // refuses a self-signed server certificate as its own root).
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let (ca, ca_key, cert, key) = (
        path("ca.pem"),
        path("ca.key"),
        path("cert.pem"),
        path("key.pem"),
    );
    let (csr, ext) = (path("server.csr"), path("server.ext"));
    fs::write(
        &ext,
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n",
    )
    .unwrap();
    let openssl = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "openssl {args:?}");
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=olkit test CA",
        "-keyout",
        &ca_key,
        "-out",
        &ca,
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        &key,
        "-out",
        &csr,
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        &ca,
        "-CAkey",
        &ca_key,
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &ext,
        "-out",
        &cert,
    ]);
    let (cert, key) = (PathBuf::from(cert), PathBuf::from(key));
    let www = dir.path().join("www");
    fs::create_dir(&www).unwrap();
    for (name, bytes) in signed_files(&secret, 2025070101) {
        fs::write(www.join(name.trim_start_matches('/')), bytes).unwrap();
    }
    let server = https_server(&www, &cert, &key);
    let url = format!("https://127.0.0.1:{}/products.xml", server.port);

    let mut args = check_args(&url, &public);
    args.extend(["--ca-file", &ca, "--json"]);
    let doc = olkit(&args).ok().json();
    assert_eq!(doc["manifest"]["serial"], 2025070101);
    assert_eq!(doc["manifest"]["signed"], true);

    // Without it the self-signed certificate does not verify.
    let run = olkit(&check_args(&url, &public));
    run.fails(1, &url);
    assert!(
        run.stderr.to_lowercase().contains("certificate"),
        "{}",
        run.stderr
    );
    // A file without a certificate is refused as a CA file.
    let mut args = check_args(&url, &public);
    args.extend(["--ca-file", key.to_str().unwrap()]);
    let run = olkit(&args);
    run.fails(1, "no PEM certificate");
}

#[test]
fn install_command_verifies_the_package_then_prints_the_msiexec_line() {
    let msi = example("olkit-sample.msi");
    let manifest = example("manifest.xml");
    let public = example("manifest.pub");
    let base = [
        "updates",
        "install-command",
        msi.as_str(),
        "--manifest",
        manifest.as_str(),
        "--pubkey",
        public.as_str(),
        "--product",
        "Olkit Sample",
    ];
    let mut args = base.to_vec();
    args.extend([
        "--package-path",
        "C:\\Users\\Jo Smith\\Downloads\\olkit-sample.msi",
        "--log",
        "C:\\Logs\\olkit \"sample\".log",
        "--json",
    ]);
    let doc = olkit(&args).ok().json();
    // The manifest's InstallParams are "/qn": it gives way to ours.
    assert_eq!(
        doc["argv"],
        serde_json::json!([
            "msiexec",
            "/i",
            "C:\\Users\\Jo Smith\\Downloads\\olkit-sample.msi",
            "/qn",
            "/norestart",
            "/l*v",
            "C:\\Logs\\olkit \"sample\".log"
        ])
    );
    assert_eq!(
        doc["command_line"],
        "msiexec /i \"C:\\Users\\Jo Smith\\Downloads\\olkit-sample.msi\" /qn /norestart /l*v \"C:\\Logs\\olkit \"\"sample\"\".log\""
    );
    assert_eq!(doc["dropped"], serde_json::json!(["/qn"]));
    assert_eq!(doc["strength"], "sha256");
    assert_eq!(doc["bytes"], fs::metadata(&msi).unwrap().len());

    // Human: the line alone on stdout, the local absolute path, /passive.
    let mut args = base.to_vec();
    args.push("--passive");
    let run = olkit(&args).ok();
    let line = run.text();
    let absolute = fs::canonicalize(&msi).unwrap();
    assert_eq!(line.lines().count(), 1);
    assert!(line.starts_with("msiexec /i "), "{line}");
    assert!(line.contains("/passive /norestart"), "{line}");
    assert!(line.contains("olkit-sample.msi"), "{line}");
    assert!(
        fs::canonicalize(line.split_whitespace().nth(2).unwrap()).unwrap() == absolute,
        "{line}"
    );
    assert!(run.stderr.contains("verified"), "{}", run.stderr);

    // A package that does not match prints no command.
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = fs::read(&msi).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    let tampered = common::write(dir.path(), "olkit-sample.msi", &bytes);
    let mut args = base.to_vec();
    args[2] = &tampered;
    let run = olkit(&args);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("olkit-sample.msi"), "{}", run.stderr);
    // --quiet and --passive together is a usage error.
    let mut args = base.to_vec();
    args.extend(["--quiet", "--passive"]);
    assert_eq!(olkit(&args).code, Some(2));
}
