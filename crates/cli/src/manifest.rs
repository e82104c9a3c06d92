//! `olkit manifest`: update manifests (the Open-Xchange `<Products>` XML and
//! olkit's signed extension).

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use olkit_manifest::{
    parse_with_notes, Limits, Manifest, Product, Timestamp, TrustPolicy, TrustedKey,
    VerifiedManifest, OLKIT_NAMESPACE,
};
use serde::Serialize;

use crate::output::{self, CliError, CliResult};

/// The verbs of `olkit manifest`.
#[derive(Debug, Subcommand)]
pub(crate) enum ManifestCommand {
    /// Validate a manifest (format, signature, freshness) and explain it.
    #[command(long_about = CHECK_LONG_ABOUT)]
    Check(CheckArgs),
}

const CHECK_LONG_ABOUT: &str = "\
Validate an update manifest and explain it: its products and versions, which
parts are the legacy Open-Xchange format and which the olkit extension, and
what deserves a warning (MD5 only, no expiry, no serial, plain HTTP, ignored
elements).

The signature is checked first: FILE.minisig (or --sig) against the
--pubkey keys (minisign public keys, as the key text or a .pub file). A
signature is required unless --allow-unsigned is given; an expired manifest,
or one whose serial is below --last-serial, is refused. Nothing is reported
from a manifest that fails these checks.

  olkit manifest check products.xml --pubkey olkit.pub
  olkit manifest check products.xml --allow-unsigned --json

Exit codes: 0 valid (warnings allowed), 1 invalid, 2 usage error.
The format: docs/manifest-format.md.";

/// `olkit manifest check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The manifest (XML, UTF-8 or UTF-16).
    file: PathBuf,
    /// The detached minisign signature [default: FILE.minisig if it exists].
    #[arg(long, value_name = "FILE", requires = "pubkey")]
    sig: Option<PathBuf>,
    /// A trusted minisign public key: the base64 key or a .pub file. Repeatable.
    #[arg(long, value_name = "KEY")]
    pubkey: Vec<String>,
    /// Accept a manifest without signature (with a warning).
    #[arg(long)]
    allow_unsigned: bool,
    /// Refuse a manifest whose serial is lower than this one.
    #[arg(long, value_name = "N")]
    last_serial: Option<u64>,
    /// Check expiry at this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME", value_parser = parse_timestamp)]
    at: Option<Timestamp>,
    /// One JSON document on standard output.
    #[arg(long)]
    json: bool,
}

fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text).map_err(|e| e.to_string())
}

pub(crate) fn run(command: ManifestCommand) -> CliResult {
    match command {
        ManifestCommand::Check(args) => check(&args),
    }
}

fn failed(path: &Path, error: impl std::fmt::Display) -> CliError {
    CliError::io(path, io::Error::other(error.to_string()))
}

/// Reads at most `limit + 1` bytes: the parser refuses anything longer.
fn read_capped(path: &Path, limit: usize) -> Result<Vec<u8>, CliError> {
    let file = fs::File::open(path).map_err(|e| CliError::io(path, e))?;
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    file.take(cap)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::io(path, e))?;
    Ok(bytes)
}

fn trusted_key(text: &str) -> Result<TrustedKey, CliError> {
    let path = Path::new(text);
    if path.is_file() {
        let content = fs::read_to_string(path).map_err(|e| CliError::io(path, e))?;
        TrustedKey::parse(&content).map_err(|e| failed(path, e))
    } else {
        TrustedKey::parse(text).map_err(|e| failed(Path::new("--pubkey"), e))
    }
}

fn check(args: &CheckArgs) -> CliResult {
    let limits = Limits::default();
    match verify(args, &limits) {
        Ok((verified, notes, sig_path, unchecked_sig)) => {
            let report = Report::new(args, &verified, &notes, sig_path.as_deref(), unchecked_sig);
            let mut out = output::stdout();
            if args.json {
                output::write_json(&mut out, &report)?;
            } else {
                report.write_human(&mut out)?;
                out.flush()?;
            }
            Ok(())
        }
        Err(error) => {
            if args.json {
                let mut out = output::stdout();
                let (line, column) = match &error {
                    CheckError::Manifest(olkit_manifest::Error::Manifest {
                        line, column, ..
                    }) => (Some(*line), Some(*column)),
                    _ => (None, None),
                };
                let doc = FailureJson {
                    file: output::path_text(&args.file),
                    valid: false,
                    error: ErrorJson {
                        message: error.to_string(),
                        line,
                        column,
                    },
                };
                output::write_json(&mut out, &doc)?;
            }
            Err(match error {
                CheckError::Cli(e) => e,
                CheckError::Manifest(e) => failed(&args.file, e),
            })
        }
    }
}

enum CheckError {
    Cli(CliError),
    Manifest(olkit_manifest::Error),
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::Cli(e) => e.fmt(f),
            CheckError::Manifest(e) => e.fmt(f),
        }
    }
}

type Verified = (
    VerifiedManifest,
    Vec<olkit_manifest::Note>,
    Option<PathBuf>,
    Option<PathBuf>,
);

fn verify(args: &CheckArgs, limits: &Limits) -> Result<Verified, CheckError> {
    let bytes = read_capped(&args.file, limits.max_bytes).map_err(CheckError::Cli)?;
    let keys = args
        .pubkey
        .iter()
        .map(|k| trusted_key(k))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CheckError::Cli)?;
    let beside = {
        let mut name = args.file.clone().into_os_string();
        name.push(".minisig");
        PathBuf::from(name)
    };
    // A signature beside the file is used when there are keys to check it
    // with; without keys it is reported as not checked.
    let (sig_path, unchecked_sig) = match &args.sig {
        Some(path) => (Some(path.clone()), None),
        None if beside.is_file() && !keys.is_empty() => (Some(beside), None),
        None if beside.is_file() => (None, Some(beside)),
        None => (None, None),
    };
    if sig_path.is_none() && !args.allow_unsigned {
        let hint = if unchecked_sig.is_some() {
            "a signature is beside it, but no --pubkey to check it with"
        } else {
            "no signature (FILE.minisig or --sig)"
        };
        return Err(CheckError::Cli(failed(
            &args.file,
            format!("{hint}; give --allow-unsigned to check the format alone"),
        )));
    }
    let signature = match &sig_path {
        // A signature file is a few hundred bytes; 64 KiB is plenty.
        Some(path) => Some(read_capped(path, 64 << 10).map_err(CheckError::Cli)?),
        None => None,
    };
    let mut policy = TrustPolicy::new(keys);
    if args.allow_unsigned {
        policy = policy.allow_unsigned();
    }
    if let Some(serial) = args.last_serial {
        policy = policy.last_serial(serial);
    }
    if let Some(at) = args.at {
        policy = policy.at(at);
    }
    let verified = olkit_manifest::verify_manifest(&bytes, signature.as_deref(), &policy)
        .map_err(CheckError::Manifest)?;
    // Parsed again for what the parser ignored; it passed once already.
    let (_, notes) = parse_with_notes(&bytes, limits).map_err(CheckError::Manifest)?;
    Ok((verified, notes, sig_path, unchecked_sig))
}

#[derive(Serialize)]
struct FailureJson {
    file: String,
    valid: bool,
    error: ErrorJson,
}

#[derive(Serialize)]
struct ErrorJson {
    message: String,
    line: Option<u64>,
    column: Option<u64>,
}

#[derive(Serialize)]
struct Report {
    file: String,
    valid: bool,
    /// True when the manifest uses nothing of the olkit extension.
    legacy: bool,
    namespace: &'static str,
    serial: Option<u64>,
    issued: Option<String>,
    expires: Option<String>,
    signature: Option<SignatureJson>,
    products: Vec<ProductJson>,
    warnings: Vec<WarningJson>,
    ignored: Vec<IgnoredJson>,
}

#[derive(Serialize)]
struct SignatureJson {
    file: String,
    key_id: String,
    kind: &'static str,
    trusted_comment: String,
}

#[derive(Serialize)]
struct WarningJson {
    /// 1-based index into `products`, when the warning is about one.
    product: Option<usize>,
    message: String,
}

#[derive(Serialize)]
struct IgnoredJson {
    line: u64,
    column: u64,
    message: String,
}

#[derive(Serialize)]
struct TextJson {
    lang: String,
    text: String,
}

#[derive(Serialize)]
struct ProductJson {
    name: String,
    version: String,
    upgrade_code: Option<String>,
    md5: Option<String>,
    release_date: Option<String>,
    url: Option<String>,
    info_url: Option<String>,
    icon_bytes: Option<usize>,
    install_params: Option<String>,
    importance: Option<String>,
    msi_url: Option<String>,
    msi_md5: Option<String>,
    product_code: Option<String>,
    sha256: Option<String>,
    size: Option<u64>,
    min_server_version: Option<String>,
    max_server_version: Option<String>,
    outlook_versions: Vec<String>,
    min_windows_version: Option<String>,
    architecture: Option<String>,
    channel: String,
    rollout_percent: u8,
    critical: bool,
    required_cache_format: Option<u32>,
    release_notes: Vec<TextJson>,
    details: Vec<TextJson>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl ProductJson {
    fn new(p: &Product) -> Self {
        let texts = |list: &[olkit_manifest::LocalizedText]| {
            list.iter()
                .map(|t| TextJson {
                    lang: t.lang.clone(),
                    text: t.text.clone(),
                })
                .collect()
        };
        ProductJson {
            name: p.name.clone(),
            version: p.version.to_string(),
            upgrade_code: p.upgrade_code.clone(),
            md5: p.md5.as_ref().map(|d| hex(d)),
            release_date: p.release_date.clone(),
            url: p.url.clone(),
            info_url: p.info_url.clone(),
            icon_bytes: p.icon.as_ref().map(Vec::len),
            install_params: p.install_params.clone(),
            importance: p.importance.clone(),
            msi_url: p.msi_url.clone(),
            msi_md5: p.msi_md5.as_ref().map(|d| hex(d)),
            product_code: p.product_code.clone(),
            sha256: p.sha256.as_ref().map(|d| hex(d)),
            size: p.size,
            min_server_version: p.min_server_version.as_ref().map(ToString::to_string),
            max_server_version: p.max_server_version.as_ref().map(ToString::to_string),
            outlook_versions: p.outlook_versions.clone(),
            min_windows_version: p.min_windows_version.as_ref().map(ToString::to_string),
            architecture: p.architecture.map(|a| a.as_str().to_owned()),
            channel: p.channel_or_stable().to_owned(),
            rollout_percent: p.rollout_percent.unwrap_or(100),
            critical: p.critical,
            required_cache_format: p.required_cache_format,
            release_notes: texts(&p.release_notes),
            details: texts(&p.details),
        }
    }
}

/// What a careful administrator should know about one product.
fn product_warnings(p: &Product) -> Vec<String> {
    let mut warnings = Vec::new();
    match (p.sha256.is_some(), p.md5.is_some()) {
        (false, true) => warnings.push(
            "MD5 only: the package digest is weak (add olkit:Sha256 and olkit:Size)".to_owned(),
        ),
        (false, false) if p.url.is_some() => {
            warnings.push("no digest: the download cannot be verified".to_owned())
        }
        _ => {}
    }
    if p.sha256.is_some() && p.size.is_none() {
        warnings.push("no olkit:Size: downloads cannot be cut off at the declared size".to_owned());
    }
    if p.msi_url.is_some() && p.msi_md5.is_some() {
        warnings.push("the MSIURL package has an MSI MD5 only (weak)".to_owned());
    }
    if p.url.is_none() && p.msi_url.is_none() {
        warnings.push("no URL: nothing to download".to_owned());
    }
    for url in [&p.url, &p.msi_url, &p.info_url].into_iter().flatten() {
        if url
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
        {
            warnings.push(format!("plain HTTP: {url}"));
        }
    }
    if p.upgrade_code.is_none() && p.product_code.is_none() {
        warnings.push(
            "neither UpgradeCode nor olkit:ProductCode: installed versions cannot be matched"
                .to_owned(),
        );
    }
    warnings
}

impl Report {
    fn new(
        args: &CheckArgs,
        verified: &VerifiedManifest,
        notes: &[olkit_manifest::Note],
        sig_path: Option<&Path>,
        unchecked_sig: Option<PathBuf>,
    ) -> Self {
        let m: &Manifest = verified.manifest();
        let mut warnings: Vec<WarningJson> = verified
            .warnings()
            .iter()
            .map(|w| WarningJson {
                product: None,
                message: w.to_string(),
            })
            .collect();
        if let Some(path) = unchecked_sig {
            warnings.push(WarningJson {
                product: None,
                message: format!(
                    "{} not checked: no --pubkey given",
                    output::path_text(&path)
                ),
            });
        }
        if m.legacy {
            warnings.push(WarningJson {
                product: None,
                message: "legacy manifest: the Open-Xchange format without the olkit extension"
                    .to_owned(),
            });
        }
        for (i, p) in m.products.iter().enumerate() {
            warnings.extend(product_warnings(p).into_iter().map(|message| WarningJson {
                product: Some(i + 1),
                message,
            }));
        }
        Report {
            file: output::path_text(&args.file),
            valid: true,
            legacy: m.legacy,
            namespace: OLKIT_NAMESPACE,
            serial: m.serial,
            issued: m.issued.map(|t| t.to_string()),
            expires: m.expires.map(|t| t.to_string()),
            signature: verified.signature().map(|s| SignatureJson {
                file: sig_path.map(output::path_text).unwrap_or_default(),
                key_id: s.key_id.to_string(),
                kind: match s.kind {
                    olkit_manifest::SignatureKind::Prehashed => "prehashed",
                    olkit_manifest::SignatureKind::Legacy => "legacy",
                },
                trusted_comment: s.trusted_comment.clone(),
            }),
            products: m.products.iter().map(ProductJson::new).collect(),
            warnings,
            ignored: notes
                .iter()
                .map(|n| IgnoredJson {
                    line: n.line,
                    column: n.column,
                    message: n.message.clone(),
                })
                .collect(),
        }
    }

    fn write_human(&self, out: &mut impl Write) -> io::Result<()> {
        let kind = if self.legacy {
            "legacy Open-Xchange format".to_owned()
        } else {
            format!(
                "Open-Xchange format with the olkit extension ({})",
                self.namespace
            )
        };
        writeln!(out, "{}: valid manifest, {kind}", self.file)?;
        match &self.signature {
            Some(s) => writeln!(
                out,
                "  signature: good ({}), key {}, {}; trusted comment: {}",
                s.file, s.key_id, s.kind, s.trusted_comment
            )?,
            None => writeln!(out, "  signature: none")?,
        }
        let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_owned());
        writeln!(
            out,
            "  serial: {}, issued: {}, expires: {}",
            self.serial
                .map_or_else(|| "none".to_owned(), |s| s.to_string()),
            or_none(&self.issued),
            or_none(&self.expires)
        )?;
        writeln!(out, "  products: {}", self.products.len())?;
        for (i, p) in self.products.iter().enumerate() {
            let mut tags = Vec::new();
            if let Some(a) = &p.architecture {
                tags.push(a.clone());
            }
            tags.push(p.channel.clone());
            if p.rollout_percent < 100 {
                tags.push(format!("rollout {}%", p.rollout_percent));
            }
            if p.critical {
                tags.push("critical".to_owned());
            }
            writeln!(
                out,
                "  {}. {} {} [{}]",
                i + 1,
                p.name,
                p.version,
                tags.join(", ")
            )?;
            let mut line = |label: &str, value: Option<String>| -> io::Result<()> {
                match value {
                    Some(v) => writeln!(out, "     {label}: {v}"),
                    None => Ok(()),
                }
            };
            line("upgrade code", p.upgrade_code.clone())?;
            line("product code (olkit)", p.product_code.clone())?;
            line("URL", p.url.clone())?;
            line("digest", digest_text(p))?;
            line(
                "MSI",
                p.msi_url.as_ref().map(|u| match &p.msi_md5 {
                    Some(md5) => format!("{u} (MD5 {md5})"),
                    None => u.clone(),
                }),
            )?;
            line("requires (olkit)", requirements(p))?;
            line("release date", p.release_date.clone())?;
            line("info", p.info_url.clone())?;
            line("importance", p.importance.clone())?;
            line("install parameters", p.install_params.clone())?;
            line("icon", p.icon_bytes.map(|n| format!("{n} bytes")))?;
            let langs = |list: &[TextJson]| {
                (!list.is_empty()).then(|| {
                    list.iter()
                        .map(|t| t.lang.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
            };
            line("release notes (olkit)", langs(&p.release_notes))?;
            line("details (olkit)", langs(&p.details))?;
        }
        if !self.warnings.is_empty() {
            writeln!(out, "warnings:")?;
            for w in &self.warnings {
                match w.product {
                    Some(i) => writeln!(out, "  product {i}: {}", w.message)?,
                    None => writeln!(out, "  {}", w.message)?,
                }
            }
        }
        if !self.ignored.is_empty() {
            writeln!(out, "ignored:")?;
            for n in &self.ignored {
                writeln!(out, "  line {}, column {}: {}", n.line, n.column, n.message)?;
            }
        }
        Ok(())
    }
}

fn digest_text(p: &ProductJson) -> Option<String> {
    match (&p.sha256, &p.md5, p.size) {
        (Some(sha), _, Some(size)) => Some(format!("SHA-256 {sha}, {size} bytes")),
        (Some(sha), _, None) => Some(format!("SHA-256 {sha}")),
        (None, Some(md5), _) => Some(format!("MD5 {md5} (weak)")),
        (None, None, _) => None,
    }
}

fn requirements(p: &ProductJson) -> Option<String> {
    let mut parts = Vec::new();
    match (&p.min_server_version, &p.max_server_version) {
        (Some(min), Some(max)) => parts.push(format!("server {min} to {max}")),
        (Some(min), None) => parts.push(format!("server {min} or later")),
        (None, Some(max)) => parts.push(format!("server up to {max}")),
        (None, None) => {}
    }
    if !p.outlook_versions.is_empty() {
        parts.push(format!("Outlook {}", p.outlook_versions.join(", ")));
    }
    if let Some(w) = &p.min_windows_version {
        parts.push(format!("Windows {w} or later"));
    }
    if let Some(f) = p.required_cache_format {
        parts.push(format!("cache format {f} (upgraded on install)"));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}
