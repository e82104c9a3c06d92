//! `olkit updates download`: the chosen packages of a verified manifest,
//! fetched with a progress bar, verified (size and SHA-256) while they
//! stream, resumed after an interruption, and kept under their final name
//! only once verified.
//!
//! Each package is written to `DIR/NAME.part`, where NAME is the last
//! segment of its URL; only a package whose size and digest matched the
//! manifest is renamed to `DIR/NAME`. A `.part` left by an interrupted run
//! is continued with an HTTP `Range: bytes=N-` request after its first N
//! bytes were fed to the check; a server that answers the whole package
//! instead (200) is read from the start.

use std::fs::{self, File, OpenOptions};
use std::io::{self, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use olkit_manifest::{
    verify_file, Error as ManifestError, PackageCheck, PackageVerdict, Product, Timestamp,
};
use serde::Serialize;

use super::check::{installed_products, load_manifest, EnvArgs};
use super::http::{self, HttpArgs, HttpOptions};
use super::state::{self, State};
use crate::output::{self, CliError, CliResult, Hex};
use crate::trust::{ManifestJson, TrustArgs};

/// The size of one read from the network or a file.
const CHUNK: usize = 64 << 10;

/// The longest file name made from a URL.
const MAX_NAME: usize = 128;

/// The `--help` text of `olkit updates download`.
pub(crate) const DOWNLOAD_LONG_ABOUT: &str = "\
Download the chosen packages of a verified manifest into DIR.

The manifest (a file or an http(s) URL) is verified first, as by
`olkit updates check`: signature, expiry, serial (--state as in check: a
replayed older manifest is refused, a newer serial stored). Then, for each
package (--product NAME, repeatable, or --all-offered: every package the
plan offers for the machine that --installed and --env or the machine flags
describe, as in check), its URL is fetched (a relative URL is resolved against
the manifest's URL; next to a manifest file, it names a local file), with a
progress bar on standard error when it is a terminal. Size and SHA-256 (MD5
for legacy manifests, reported as weak) are checked while the package
streams into DIR/NAME.part, NAME being the last segment of its URL; only a
verified package is renamed to DIR/NAME. Nothing unverified ever has its
final name.

An interrupted download leaves DIR/NAME.part: run the same command again to
resume it (an HTTP Range request; a server that ignores Range sends it all
again). A verified DIR/NAME already present is not downloaded again. A
package that does not match the manifest (size or SHA-256) is deleted.

With --json, one JSON document:
  {\"source\": \"URL or file\", \"manifest\": {...}, \"dir\": \"...\",
   \"packages\": [{\"product\", \"version\", \"url\", \"path\", \"status\":
     \"downloaded\" | \"present\" | \"failed\", \"bytes\", \"sha256\",
     \"strength\", \"resumed_from\": N | null, \"error\": null | \"...\"}],
   \"warnings\": [...]}

On a refused manifest: {\"error\": {\"source\", \"message\"}}.

Exit codes: 0 every package downloaded and verified, 1 the manifest was
refused or a package failed (the others are still downloaded), 2 usage
error.";

/// `olkit updates download`.
#[derive(Debug, Args)]
pub(crate) struct DownloadArgs {
    /// The manifest: a file, or an http(s) URL.
    manifest: String,
    #[command(flatten)]
    trust: TrustArgs,
    /// The state file of `olkit updates check`: a manifest with a serial
    /// below its last accepted one is refused; an accepted higher serial
    /// is written back.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// A product to download, by its manifest name (every package of that
    /// name). Repeatable.
    #[arg(
        long = "product",
        value_name = "NAME",
        required_unless_present = "all_offered"
    )]
    products: Vec<String>,
    /// Every package the plan for this machine offers (with --installed and the machine as in check).
    #[arg(long, conflicts_with = "products", requires = "installed")]
    all_offered: bool,
    /// The installed products: a .reg export of the Windows Installer keys, or a JSON list.
    #[arg(long, value_name = "FILE.reg|FILE.json")]
    installed: Option<PathBuf>,
    #[command(flatten)]
    env: EnvArgs,
    /// Where the packages are written.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// One JSON document on standard output.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    http: HttpArgs,
}

/// The `--json` document.
#[derive(Serialize)]
struct DownloadJson<'a> {
    source: &'a str,
    manifest: ManifestJson<'a>,
    dir: String,
    packages: Vec<PackageJson>,
    warnings: Vec<String>,
}

/// Runs `olkit updates download`.
pub(crate) fn run(mut args: DownloadArgs) -> CliResult {
    match download(&mut args) {
        Ok(true) => Ok(()),
        Ok(false) => Err(CliError::io(
            &args.dir,
            io::Error::other("not every package was downloaded and verified (see above)"),
        )),
        Err(error) => super::check::fail_json(args.json, &args.manifest, error),
    }
}

/// Whether every package was downloaded and verified.
fn download(args: &mut DownloadArgs) -> Result<bool, CliError> {
    let options = args.http.options()?;
    // Every input is read before anything is fetched or written.
    let stored = state::last_serial(args.state.as_deref())?;
    args.trust.last_serial = args.trust.last_serial.max(stored);
    let machine = match (&args.installed, args.all_offered) {
        (Some(path), true) => Some((installed_products(path)?, args.env.environment()?)),
        _ => None,
    };

    let loaded = load_manifest(&args.manifest, &mut args.trust, &options)?;
    let trusted = &loaded.trusted;
    let base = if http::is_url(&args.manifest) {
        Base::Url(args.manifest.clone())
    } else {
        Base::File(PathBuf::from(&args.manifest))
    };
    if let Some(path) = &args.state {
        let serial_to_store = trusted.verified.serial_to_store();
        if serial_to_store > stored {
            let state = State {
                last_serial: serial_to_store,
                manifest: Some(loaded.source.clone()),
                checked_at: Some(Timestamp::now().to_string()),
            };
            state::write(path, &state)?;
        }
    }
    let warnings = trusted.warnings();
    for warning in &warnings {
        output::message(&format!("warning: {warning}"));
    }
    let manifest = trusted.verified.manifest();
    let chosen: Vec<&Product> = if let Some((installed, env)) = &machine {
        let plan = olkit_manifest::plan(manifest, installed, env);
        plan.to_apply()
            .filter_map(|item| manifest.products.get(item.index))
            .collect()
    } else {
        let mut chosen = Vec::new();
        for name in &args.products {
            let before = chosen.len();
            chosen.extend(
                manifest
                    .products
                    .iter()
                    .filter(|p| p.name.eq_ignore_ascii_case(name.trim())),
            );
            if chosen.len() == before {
                let names: Vec<&str> = manifest.products.iter().map(|p| p.name.as_str()).collect();
                return Err(usage(&format!(
                    "the manifest offers no product {name:?} (it offers {names:?})"
                )));
            }
        }
        chosen
    };
    let mut jobs: Vec<Job<'_>> = Vec::with_capacity(chosen.len());
    for product in chosen {
        let source = package_source(&base, product).map_err(|e| usage(&e))?;
        let name = file_name(&source, product);
        if let Some(other) = jobs.iter().find(|j| j.name.eq_ignore_ascii_case(&name)) {
            // The same product named twice (--product X --product x).
            if std::ptr::eq(other.product, product) {
                continue;
            }
            return Err(usage(&format!(
                "{:?} {} and {:?} {} would both be saved as {name}",
                other.product.name, other.product.version, product.name, product.version
            )));
        }
        jobs.push(Job {
            product,
            source,
            name,
        });
    }
    if jobs.is_empty() {
        output::message("nothing to download: the plan offers no package");
    }
    let packages = download_all(&jobs, &args.dir, &options, Messages::Stderr)?;
    let ok = packages.iter().all(|p| p.status != Status::Failed);
    let mut out = output::stdout();
    if args.json {
        let doc = DownloadJson {
            source: &loaded.source,
            manifest: trusted.json(),
            dir: output::path_text(&args.dir),
            packages,
            warnings,
        };
        output::write_json(&mut out, &doc)?;
    } else {
        writeln!(out, "manifest {}: {}", loaded.source, trusted.provenance())?;
        for p in &packages {
            match p.status {
                Status::Failed => writeln!(
                    out,
                    "FAILED      {} {}: {}",
                    p.product,
                    p.version,
                    p.error.as_deref().unwrap_or_default()
                )?,
                status => writeln!(
                    out,
                    "{:<11} {} {} -> {} ({} bytes, {})",
                    match status {
                        Status::Present => "present",
                        _ => "downloaded",
                    },
                    p.product,
                    p.version,
                    p.path,
                    p.bytes.unwrap_or_default(),
                    p.strength.unwrap_or_default()
                )?,
            }
        }
        out.flush()?;
    }
    Ok(ok)
}

fn usage(message: &str) -> CliError {
    CliError::io(
        Path::new("olkit updates download"),
        io::Error::other(message.to_owned()),
    )
}

/// Where a package comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// An http(s) URL.
    Url(String),
    /// A local file (a relative package path beside a manifest file).
    File(PathBuf),
}

impl Source {
    fn text(&self) -> String {
        match self {
            Source::Url(url) => url.clone(),
            Source::File(path) => output::path_text(path),
        }
    }
}

/// The manifest's location, against which package URLs are resolved.
#[derive(Debug, Clone)]
pub(crate) enum Base {
    /// The manifest was fetched from this URL.
    Url(String),
    /// The manifest is this file.
    File(PathBuf),
}

/// Where `product`'s package comes from: its `<URL>` (else `<MSIURL>`),
/// resolved against the manifest's location.
pub(crate) fn package_source(base: &Base, product: &Product) -> Result<Source, String> {
    let Some(url) = product
        .url
        .as_deref()
        .or(product.msi_url.as_deref())
        .map(str::trim)
        .filter(|u| !u.is_empty())
    else {
        return Err(format!(
            "product {:?} {} has no URL: nothing to download",
            product.name, product.version
        ));
    };
    if http::is_url(url) {
        return Ok(Source::Url(url.to_owned()));
    }
    if has_scheme(url) {
        return Err(format!(
            "product {:?}: unsupported URL {url:?} (only http and https)",
            product.name
        ));
    }
    match base {
        Base::Url(base) => Ok(Source::Url(resolve(base, url))),
        Base::File(manifest) => {
            let dir = manifest.parent().unwrap_or(Path::new(""));
            let path = url.split(['?', '#']).next().unwrap_or(url);
            Ok(Source::File(dir.join(path)))
        }
    }
}

/// Whether `text` starts with a URL scheme (`name:`), a drive letter
/// (`C:`) aside.
fn has_scheme(text: &str) -> bool {
    match text.split_once(':') {
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// `reference` resolved against the absolute URL `base` (RFC 3986 section
/// 5.2, for the references a manifest has: network-path, absolute-path
/// and relative-path, with dot segments removed).
pub(crate) fn resolve(base: &str, reference: &str) -> String {
    let (scheme, rest) = base.split_once("://").unwrap_or(("http", base));
    if let Some(network) = reference.strip_prefix("//") {
        return format!("{scheme}://{network}");
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (authority, base_path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let (reference_path, tail) = match reference.find(['?', '#']) {
        Some(i) => reference.split_at(i),
        None => (reference, ""),
    };
    let merged = if reference_path.starts_with('/') {
        reference_path.to_owned()
    } else if reference_path.is_empty() {
        base_path.to_owned()
    } else {
        let dir = base_path
            .rfind('/')
            .and_then(|i| base_path.get(..=i))
            .unwrap_or("/");
        format!("{dir}{reference_path}")
    };
    format!(
        "{scheme}://{authority}{}{tail}",
        remove_dot_segments(&merged)
    )
}

fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// The file name of a package: the last segment of its URL or path, with
/// anything but letters, digits, `.`, `-`, `_` and `+` replaced by `_`
/// (no directory, no hidden file, no Windows reserved name); the product's
/// name and version when that leaves nothing.
pub(crate) fn file_name(source: &Source, product: &Product) -> String {
    let text = source.text();
    let path = text.split(['?', '#']).next().unwrap_or(&text);
    let last = path.rsplit(['/', '\\']).next().unwrap_or("");
    let name = sanitize(last);
    if name.is_empty() || is_reserved(&name) {
        let fallback = sanitize(&format!("{}-{}", product.name, product.version));
        if fallback.is_empty() || is_reserved(&fallback) {
            return "package".to_owned();
        }
        return fallback;
    }
    name
}

fn sanitize(text: &str) -> String {
    let replaced: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_NAME)
        .collect();
    replaced
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .to_owned()
}

/// CON, NUL, COM1, ... (with or without an extension) name devices on
/// Windows.
fn is_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).to_ascii_uppercase();
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.ends_with(|c: char| c.is_ascii_digit()))
}

/// One package to download.
pub(crate) struct Job<'a> {
    pub(crate) product: &'a Product,
    pub(crate) source: Source,
    pub(crate) name: String,
}

/// How a package ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
    /// Fetched (or resumed) and verified.
    Downloaded,
    /// Already present under its final name, and verified.
    Present,
    /// Not downloaded: see the error.
    Failed,
}

/// One package of the `--json` document.
#[derive(Debug, Serialize)]
pub(crate) struct PackageJson {
    pub(crate) product: String,
    pub(crate) version: String,
    pub(crate) url: String,
    pub(crate) path: String,
    pub(crate) status: Status,
    pub(crate) bytes: Option<u64>,
    pub(crate) sha256: Option<String>,
    pub(crate) strength: Option<&'static str>,
    pub(crate) resumed_from: Option<u64>,
    pub(crate) error: Option<String>,
}

/// Why a package failed.
enum Failure {
    /// The bytes do not match the manifest; the `.part` was deleted.
    Mismatch(String),
    /// The transfer stopped; the `.part` is kept for the next run.
    Interrupted(String),
    /// Anything else (a file could not be written, the server refused).
    Other(String),
}

impl Failure {
    fn text(&self) -> &str {
        match self {
            Failure::Mismatch(t) | Failure::Interrupted(t) | Failure::Other(t) => t,
        }
    }
}

/// What a successful package gives.
struct Done {
    status: Status,
    verdict: PackageVerdict,
    resumed_from: Option<u64>,
}

/// Whether `download_all` says what became of each package on standard
/// error (the command does; the demo shows its own account).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Messages {
    Stderr,
    Silent,
}

/// Downloads what `jobs` name into `dir`, one after the other; a failed
/// package does not stop the others.
pub(crate) fn download_all(
    jobs: &[Job<'_>],
    dir: &Path,
    options: &HttpOptions,
    messages: Messages,
) -> Result<Vec<PackageJson>, CliError> {
    let say = |text: &str| {
        if messages == Messages::Stderr {
            output::message(text);
        }
    };
    let agent = if jobs.iter().any(|j| matches!(j.source, Source::Url(_))) {
        Some(http::agent(options)?)
    } else {
        None
    };
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        let path = dir.join(&job.name);
        let outcome = download_one(job, dir, agent.as_ref(), options);
        let what = format!("{:?} {}", job.product.name, job.product.version);
        let mut json = PackageJson {
            product: job.product.name.clone(),
            version: job.product.version.to_string(),
            url: job.source.text(),
            path: output::path_text(&path),
            status: Status::Failed,
            bytes: None,
            sha256: None,
            strength: None,
            resumed_from: None,
            error: None,
        };
        match outcome {
            Ok(done) => {
                let how = match (done.status, done.resumed_from) {
                    (Status::Present, _) => "already present, verified".to_owned(),
                    (_, Some(n)) => format!("downloaded (resumed from byte {n}), verified"),
                    _ => "downloaded, verified".to_owned(),
                };
                say(&format!(
                    "{what}: {}: {how} ({} bytes, {})",
                    output::path_text(&path),
                    done.verdict.bytes,
                    done.verdict.strength.as_str()
                ));
                json.status = done.status;
                json.bytes = Some(done.verdict.bytes);
                json.sha256 = match done.verdict.strength {
                    olkit_manifest::DigestStrength::Sha256 => {
                        job.product.sha256.as_ref().map(|d| Hex(d).to_string())
                    }
                    olkit_manifest::DigestStrength::WeakMd5 => None,
                };
                json.strength = Some(done.verdict.strength.as_str());
                json.resumed_from = done.resumed_from;
            }
            Err(failure) => {
                let text = format!("package {what}: {}", failure.text());
                say(&text);
                json.error = Some(text);
            }
        }
        results.push(json);
    }
    Ok(results)
}

/// Where the package `name` is written until it is verified.
pub(crate) fn part_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.part"))
}

/// What failed in a check, in words that name it: size or digest.
fn check_failure(error: &ManifestError) -> String {
    match error {
        ManifestError::PackageDigestMismatch { algorithm, .. } => {
            format!("{algorithm} mismatch: {error}")
        }
        ManifestError::PackageTooLarge { .. } | ManifestError::PackageTruncated { .. } => {
            format!("size mismatch: {error}")
        }
        other => other.to_string(),
    }
}

fn remove(path: &Path) {
    if let Err(e) = fs::remove_file(path) {
        if e.kind() != io::ErrorKind::NotFound {
            output::message(&format!(
                "warning: {}: could not be deleted: {e}",
                output::path_text(path)
            ));
        }
    }
}

fn io_text(path: &Path, e: &io::Error) -> String {
    format!("{}: {e}", output::path_text(path))
}

fn download_one(
    job: &Job<'_>,
    dir: &Path,
    agent: Option<&ureq::Agent>,
    options: &HttpOptions,
) -> Result<Done, Failure> {
    let product = job.product;
    let target = dir.join(&job.name);
    let part = part_path(dir, &job.name);
    // Refused before anything is fetched: nothing to verify against.
    let mut check = PackageCheck::new(product).map_err(|e| Failure::Other(e.to_string()))?;

    if target.is_file() {
        match verify_file(&target, product) {
            Ok(verdict) => {
                return Ok(Done {
                    status: Status::Present,
                    verdict,
                    resumed_from: None,
                })
            }
            Err(ManifestError::Io { path, source }) => {
                return Err(Failure::Other(io_text(&path, &source)))
            }
            Err(e) => {
                output::message(&format!(
                    "warning: {} does not match the manifest ({}): deleted, downloading it again",
                    output::path_text(&target),
                    check_failure(&e)
                ));
                fs::remove_file(&target).map_err(|e| Failure::Other(io_text(&target, &e)))?;
            }
        }
    }

    // A `.part` of an earlier run: its bytes are checked first.
    let mut from = 0u64;
    match fs::metadata(&part) {
        Ok(meta) if meta.len() > 0 => {
            let len = meta.len();
            if product.size.is_some_and(|size| len > size) {
                output::message(&format!(
                    "{}: {len} bytes, more than the {} the manifest declares: discarded",
                    output::path_text(&part),
                    product.size.unwrap_or_default()
                ));
                remove(&part);
            } else {
                match feed_part(&part, len, &mut check) {
                    Ok(()) => from = len,
                    Err(Failure::Mismatch(why)) => {
                        output::message(&format!("{}: {why}: discarded", output::path_text(&part)));
                        remove(&part);
                        check = PackageCheck::new(product)
                            .map_err(|e| Failure::Other(e.to_string()))?;
                    }
                    Err(other) => return Err(other),
                }
            }
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Failure::Other(io_text(&part, &e))),
    }

    // The whole package is in the `.part` already: nothing to ask for.
    if from > 0 && product.size == Some(from) {
        return finish(check, &part, &target, Some(from), true);
    }

    let opened = open_source(&job.source, agent, options, from)?;
    let resumed = if from > 0 && opened.from == 0 {
        output::message(&format!(
            "{}: the server sent the whole package instead of bytes {from}-: starting again",
            job.source.text()
        ));
        check = PackageCheck::new(product).map_err(|e| Failure::Other(e.to_string()))?;
        None
    } else if from > 0 {
        Some(from)
    } else {
        None
    };
    let from = opened.from;

    // Only now, with an answer in hand, is anything written.
    fs::create_dir_all(dir).map_err(|e| Failure::Other(io_text(dir, &e)))?;
    let mut file = if from > 0 {
        let mut file = OpenOptions::new()
            .write(true)
            .open(&part)
            .map_err(|e| Failure::Other(io_text(&part, &e)))?;
        file.set_len(from)
            .and_then(|()| file.seek(SeekFrom::Start(from)))
            .map_err(|e| Failure::Other(io_text(&part, &e)))?;
        file
    } else {
        File::create(&part).map_err(|e| Failure::Other(io_text(&part, &e)))?
    };

    let total = product
        .size
        .or(opened.length.map(|n| n.saturating_add(from)));
    let bar = Bar::on_terminal(&job.name, total, from);
    // One byte more than may arrive proves the package too large.
    let mut reader = opened.reader.take(check.remaining().saturating_add(1));
    let mut buffer = vec![0u8; CHUNK];
    let mut this_transfer = 0u64;
    let streamed = loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(e),
        };
        let chunk = buffer.get(..n).unwrap_or_default();
        if let Err(e) = check.update(chunk) {
            bar.clear();
            drop(file);
            remove(&part);
            return Err(Failure::Mismatch(format!(
                "{}; {} deleted",
                check_failure(&e),
                output::path_text(&part)
            )));
        }
        if let Err(e) = file.write_all(chunk) {
            bar.clear();
            return Err(Failure::Other(io_text(&part, &e)));
        }
        bar.inc(n);
        this_transfer = this_transfer.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
    };
    bar.clear();
    file.sync_all()
        .map_err(|e| Failure::Other(io_text(&part, &e)))?;
    drop(file);
    if let Err(e) = streamed {
        return Err(Failure::Interrupted(format!(
            "the transfer from {} stopped after {} bytes ({e}); {} kept: run again to resume",
            job.source.text(),
            check.bytes(),
            output::path_text(&part)
        )));
    }
    // Everything the source announced arrived: short of the declared size
    // is then the package's size, not an interruption.
    let complete = opened.length == Some(this_transfer);
    finish(check, &part, &target, resumed, complete)
}

/// Ends the check of a complete `.part`: renamed to `target` when it
/// matches, deleted when it does not. A clean end of data short of the
/// declared size, when the source did not announce that it was all
/// (`complete`), keeps it to be resumed.
fn finish(
    check: PackageCheck,
    part: &Path,
    target: &Path,
    resumed_from: Option<u64>,
    complete: bool,
) -> Result<Done, Failure> {
    let received = check.bytes();
    match check.finish() {
        Ok(verdict) => {
            fs::rename(part, target).map_err(|e| Failure::Other(io_text(target, &e)))?;
            sync_dir(target);
            Ok(Done {
                status: Status::Downloaded,
                verdict,
                resumed_from,
            })
        }
        Err(ManifestError::PackageTruncated { expected, .. }) if !complete => {
            Err(Failure::Interrupted(format!(
                "the transfer ended after {received} of {expected} bytes; {} kept: run again to resume",
                output::path_text(part)
            )))
        }
        Err(e) => {
            remove(part);
            Err(Failure::Mismatch(format!(
                "{}; {} deleted",
                check_failure(&e),
                output::path_text(part)
            )))
        }
    }
}

/// Makes a rename durable where the system allows it (directories cannot
/// be opened on Windows).
fn sync_dir(target: &Path) {
    if let Some(dir) = target.parent() {
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
    }
}

/// Feeds the first `len` bytes of `part` to `check`.
fn feed_part(part: &Path, len: u64, check: &mut PackageCheck) -> Result<(), Failure> {
    let file = File::open(part).map_err(|e| Failure::Other(io_text(part, &e)))?;
    let mut reader = file.take(len);
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Failure::Other(io_text(part, &e))),
        };
        check
            .update(buffer.get(..n).unwrap_or_default())
            .map_err(|e| Failure::Mismatch(check_failure(&e)))?;
    }
    if check.bytes() != len {
        return Err(Failure::Other(format!(
            "{}: shorter than {len} bytes while reading it",
            output::path_text(part)
        )));
    }
    Ok(())
}

/// An open package stream.
struct Opened {
    reader: Box<dyn Read>,
    /// The offset of its first byte in the package.
    from: u64,
    /// The bytes it announces, when known.
    length: Option<u64>,
}

fn open_source(
    source: &Source,
    agent: Option<&ureq::Agent>,
    options: &HttpOptions,
    from: u64,
) -> Result<Opened, Failure> {
    match source {
        Source::File(path) => {
            let mut file = File::open(path).map_err(|e| Failure::Other(io_text(path, &e)))?;
            let length = file.metadata().ok().map(|m| m.len().saturating_sub(from));
            file.seek(SeekFrom::Start(from))
                .map_err(|e| Failure::Other(io_text(path, &e)))?;
            Ok(Opened {
                reader: Box::new(file),
                from,
                length,
            })
        }
        Source::Url(url) => {
            let Some(agent) = agent else {
                return Err(Failure::Other(format!("{url}: no HTTP client")));
            };
            let range = (from > 0).then_some(from);
            let response =
                http::get(agent, url, options, range).map_err(|e| Failure::Other(e.to_string()))?;
            let status = response.status().as_u16();
            let start = match status {
                206 => {
                    let header = response
                        .headers()
                        .get("content-range")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    let start = content_range_start(header);
                    if start != Some(from) {
                        return Err(Failure::Other(format!(
                            "{url}: asked for bytes {from}-, the server sent {header:?}"
                        )));
                    }
                    from
                }
                200 => 0,
                other => {
                    return Err(Failure::Other(format!(
                        "{url}: the server answered HTTP {other}"
                    )))
                }
            };
            let body = response.into_body();
            let length = body.content_length();
            Ok(Opened {
                reader: Box::new(body.into_reader()),
                from: start,
                length,
            })
        }
    }
}

/// The first byte of `Content-Range: bytes START-END/TOTAL`.
fn content_range_start(header: &str) -> Option<u64> {
    let rest = header.trim().strip_prefix("bytes")?.trim_start();
    let (start, _) = rest.split_once('-')?;
    start.trim().parse().ok()
}

/// The progress bar of one package on standard error; nothing when it is
/// not a terminal.
struct Bar(Option<ProgressBar>);

impl Bar {
    fn on_terminal(name: &str, total: Option<u64>, from: u64) -> Bar {
        if !io::stderr().is_terminal() {
            return Bar(None);
        }
        let style = ProgressStyle::with_template(
            "{prefix} [{wide_bar}] {bytes}/{total_bytes}  {bytes_per_sec}  ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr())
            .with_style(style)
            .with_prefix(name.to_owned());
        bar.set_position(from);
        bar.enable_steady_tick(Duration::from_millis(250));
        Bar(Some(bar))
    }

    fn inc(&self, n: usize) {
        if let Some(bar) = &self.0 {
            bar.inc(u64::try_from(n).unwrap_or(u64::MAX));
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_resolve_against_the_manifest() {
        let base = "https://ox.example.com/updater/products.xml?x=1";
        assert_eq!(
            resolve(base, "pkg/a.msi"),
            "https://ox.example.com/updater/pkg/a.msi"
        );
        assert_eq!(resolve(base, "../a.msi"), "https://ox.example.com/a.msi");
        assert_eq!(resolve(base, "/x/a.msi"), "https://ox.example.com/x/a.msi");
        assert_eq!(
            resolve(base, "//cdn.example.net/a.msi"),
            "https://cdn.example.net/a.msi"
        );
        assert_eq!(
            resolve("http://127.0.0.1:8080", "a.msi?v=2"),
            "http://127.0.0.1:8080/a.msi?v=2"
        );
    }

    #[test]
    fn file_names_stay_in_the_directory() {
        let product = Product::new("Olkit Sample", "1.5.0".parse().unwrap());
        let name = |url: &str| file_name(&Source::Url(url.to_owned()), &product);
        assert_eq!(name("https://h/p/olkit-1.5.0.msi?x=1"), "olkit-1.5.0.msi");
        assert_eq!(name("https://h/p/..%2F..%2Fx.msi"), "_2F.._2Fx.msi");
        assert_eq!(name("https://h/p/"), "Olkit_Sample-1.5.0");
        assert_eq!(name("https://h/p/NUL.msi"), "Olkit_Sample-1.5.0");
        assert_eq!(name("https://h/p/.hidden"), "hidden");
    }

    #[test]
    fn content_range_is_read() {
        assert_eq!(content_range_start("bytes 100-199/200"), Some(100));
        assert_eq!(content_range_start("bytes */200"), None);
    }
}
