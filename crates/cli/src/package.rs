//! `olkit package verify`: a downloaded package against a (signed)
//! manifest's size and digest.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use olkit_manifest::{
    verify_file, verify_manifest, DigestStrength, Limits, Product, TrustPolicy, TrustedKey,
    VerifiedManifest,
};
use serde::Serialize;

use crate::output::{self, CliError, CliResult};

/// The verbs of `olkit package`.
#[derive(Debug, Subcommand)]
pub(crate) enum PackageCommand {
    /// Check a downloaded package against the size and digest its manifest declares.
    #[command(long_about = VERIFY_LONG_ABOUT)]
    Verify(VerifyArgs),
}

const VERIFY_LONG_ABOUT: &str = "\
Check a downloaded package against the size and digest its manifest declares.

The manifest is verified first: its minisign signature (--sig, by default
MANIFEST.minisig) must be made by one of the --pubkey keys, it must not be
expired, and with --last-serial its serial must not be lower. Only then is
the package read, at most up to its declared size plus one byte, and
compared with the manifest's SHA-256; a legacy manifest without SHA-256 is
checked against its MD5, which is reported as weak.

--pubkey takes the base64 line of a minisign .pub file or the path of the
file; give it several times to trust several keys (key rotation).
--allow-unsigned accepts a manifest without signature (with a warning); a
signature that is present is still verified.

With --json, one JSON document:
  {
    \"file\": \"setup.msi\",
    \"product\": \"OXtender for Microsoft Outlook\",
    \"version\": \"7.2.0.4567\",
    \"bytes\": 31457280,
    \"strength\": \"sha256\" | \"weak_md5\",
    \"size_checked\": true,
    \"manifest\": {
      \"file\": \"products.xml\",
      \"signed\": true,
      \"key_id\": \"2CCECDA4776F5AEB\" | null,
      \"trusted_comment\": \"timestamp:...\" | null,
      \"serial\": 42 | null,
      \"serial_to_store\": 42 | null,
      \"expires\": \"2030-01-01T00:00:00Z\" | null
    },
    \"warnings\": [\"the manifest is not signed\", ...]
  }
Any failed check is exit code 1 with the reason on standard error.";

/// Arguments of `olkit package verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The downloaded package.
    file: PathBuf,
    /// The manifest (XML) that describes it.
    #[arg(long, value_name = "FILE")]
    manifest: PathBuf,
    /// The product's <Name> in the manifest.
    #[arg(long, value_name = "NAME")]
    product: String,
    /// The product's <Version>, when the manifest lists several of that name.
    #[arg(long, value_name = "VERSION")]
    product_version: Option<String>,
    /// The manifest's minisign signature (default: MANIFEST.minisig).
    #[arg(long, value_name = "FILE")]
    sig: Option<PathBuf>,
    /// A trusted minisign public key: base64 line or .pub file (repeatable).
    #[arg(long, value_name = "KEY", required_unless_present = "allow_unsigned")]
    pubkey: Vec<String>,
    /// Accept an unsigned manifest, with a warning.
    #[arg(long)]
    allow_unsigned: bool,
    /// Refuse a manifest whose serial is lower than this (rollback).
    #[arg(long, value_name = "N")]
    last_serial: Option<u64>,
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// Runs an `olkit package` verb.
pub(crate) fn run(command: PackageCommand) -> CliResult {
    match command {
        PackageCommand::Verify(args) => verify(&args),
    }
}

/// An error of the library about `path`.
pub(crate) fn manifest_error(path: &Path, error: olkit_manifest::Error) -> CliError {
    match error {
        olkit_manifest::Error::Io { path, source } => CliError::io(&path, source),
        other => CliError::io(path, io::Error::other(other)),
    }
}

/// Reads a file of at most `limit` bytes.
fn read_limited(path: &Path, limit: usize) -> Result<Vec<u8>, CliError> {
    let file = std::fs::File::open(path).map_err(|e| CliError::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::io(path, e))?;
    if bytes.len() > limit {
        return Err(CliError::io(
            path,
            io::Error::other(format!("larger than {limit} bytes")),
        ));
    }
    Ok(bytes)
}

/// A key given as a `.pub` file path or as its base64 line.
fn read_key(text: &str) -> Result<TrustedKey, CliError> {
    let path = Path::new(text);
    if path.is_file() {
        let contents = read_limited(path, 4096)?;
        let contents = String::from_utf8_lossy(&contents);
        return TrustedKey::parse(&contents).map_err(|e| manifest_error(path, e));
    }
    TrustedKey::parse(text).map_err(|e| {
        CliError::io(
            Path::new("--pubkey"),
            io::Error::other(format!("{e} (and no file {text:?} exists)")),
        )
    })
}

/// The signature: --sig, else MANIFEST.minisig if it exists.
fn read_signature(args: &VerifyArgs) -> Result<Option<Vec<u8>>, CliError> {
    if let Some(sig) = &args.sig {
        return read_limited(sig, 4096).map(Some);
    }
    let mut default = args.manifest.clone().into_os_string();
    default.push(".minisig");
    let default = PathBuf::from(default);
    if default.is_file() {
        return read_limited(&default, 4096).map(Some);
    }
    Ok(None)
}

/// Reads and verifies the manifest as the arguments say.
fn verified_manifest(args: &VerifyArgs) -> Result<VerifiedManifest, CliError> {
    let keys = args
        .pubkey
        .iter()
        .map(|k| read_key(k))
        .collect::<Result<Vec<_>, _>>()?;
    let mut policy = TrustPolicy::new(keys);
    if args.allow_unsigned {
        policy = policy.allow_unsigned();
    }
    if let Some(serial) = args.last_serial {
        policy = policy.last_serial(serial);
    }
    let xml = read_limited(&args.manifest, Limits::default().max_bytes)?;
    let signature = read_signature(args)?;
    verify_manifest(&xml, signature.as_deref(), &policy)
        .map_err(|e| manifest_error(&args.manifest, e))
}

/// The product the arguments name.
fn find_product<'a>(args: &VerifyArgs, products: &'a [Product]) -> Result<&'a Product, CliError> {
    let matches: Vec<&Product> = products
        .iter()
        .filter(|p| p.name == args.product)
        .filter(|p| {
            args.product_version
                .as_ref()
                .is_none_or(|v| p.version.to_string() == *v)
        })
        .collect();
    let fail = |text: String| Err(CliError::io(&args.manifest, io::Error::other(text)));
    match matches.as_slice() {
        [product] => Ok(product),
        [] => fail(format!(
            "no product {:?}{} in the manifest (it lists: {})",
            args.product,
            args.product_version
                .as_ref()
                .map(|v| format!(" version {v:?}"))
                .unwrap_or_default(),
            products
                .iter()
                .map(|p| format!("{:?} {}", p.name, p.version))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        several => fail(format!(
            "{} products named {:?} (versions {}): choose one with --product-version",
            several.len(),
            args.product,
            several
                .iter()
                .map(|p| p.version.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn verify(args: &VerifyArgs) -> CliResult {
    let verified = verified_manifest(args)?;
    let product = find_product(args, &verified.manifest().products)?;
    let verdict = verify_file(&args.file, product).map_err(|e| manifest_error(&args.file, e))?;
    let mut warnings: Vec<String> = verified
        .warnings()
        .iter()
        .map(ToString::to_string)
        .collect();
    if verdict.strength == DigestStrength::WeakMd5 {
        warnings.push(
            "only MD5 was available: it detects damage, not a deliberately altered package"
                .to_owned(),
        );
    }
    if !verdict.size_checked {
        warnings.push("the manifest declares no size for this package".to_owned());
    }
    let mut out = output::stdout();
    if args.json {
        let signature = verified.signature();
        return output::write_json(
            &mut out,
            &VerifyJson {
                file: output::path_text(&args.file),
                product: &product.name,
                version: product.version.to_string(),
                bytes: verdict.bytes,
                strength: verdict.strength.as_str(),
                size_checked: verdict.size_checked,
                manifest: ManifestJson {
                    file: output::path_text(&args.manifest),
                    signed: signature.is_some(),
                    key_id: verified.key_id().map(|k| k.to_string()),
                    trusted_comment: signature.map(|s| s.trusted_comment.as_str()),
                    serial: verified.manifest().serial,
                    serial_to_store: verified.serial_to_store(),
                    expires: verified.manifest().expires.map(|t| t.to_string()),
                },
                warnings,
            },
        );
    }
    for warning in &warnings {
        output::message(&format!("warning: {warning}"));
    }
    let digest = match verdict.strength {
        DigestStrength::Sha256 => "SHA-256",
        DigestStrength::WeakMd5 => "MD5 (weak)",
    };
    writeln!(
        out,
        "OK {}: {} {}, {} bytes, {digest} matches",
        args.file.display(),
        product.name,
        product.version,
        verdict.bytes
    )?;
    let signer = match verified.key_id() {
        Some(key) => format!("signed by key {key}"),
        None => "unsigned".to_owned(),
    };
    let serial = verified
        .manifest()
        .serial
        .map(|s| format!("serial {s}"))
        .unwrap_or_else(|| "no serial".to_owned());
    writeln!(
        out,
        "manifest {}: {signer}, {serial}",
        args.manifest.display()
    )?;
    out.flush()?;
    Ok(())
}

/// `olkit package verify --json`.
#[derive(Serialize)]
struct VerifyJson<'a> {
    file: String,
    product: &'a str,
    version: String,
    bytes: u64,
    strength: &'static str,
    size_checked: bool,
    manifest: ManifestJson<'a>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct ManifestJson<'a> {
    file: String,
    signed: bool,
    key_id: Option<String>,
    trusted_comment: Option<&'a str>,
    serial: Option<u64>,
    serial_to_store: Option<u64>,
    expires: Option<String>,
}
