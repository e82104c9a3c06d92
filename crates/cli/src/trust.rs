//! What the manifest commands share: the trust options, and reading a
//! manifest only through its signature, expiry and serial checks.
//!
//! One rule for every command: trust is configured explicitly, with
//! `--pubkey` keys or with `--allow-unsigned` (neither is a usage error,
//! exit code 2), and `--sig` needs a key to check it with. The signature is
//! `--sig`, else `MANIFEST.minisig` when it exists. Without keys (so with
//! `--allow-unsigned`) a signature beside the manifest cannot be checked:
//! it is left aside with a warning rather than trusted or refused.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use clap::Args;
use olkit_manifest::{Limits, Timestamp, TrustPolicy, TrustedKey, VerifiedManifest};
use serde::Serialize;

use crate::output::{self, CliError};

/// A `.minisig` or `.pub` file is a few hundred bytes (plus its
/// comments); anything far larger is not one.
const SMALL_FILE_LIMIT: usize = 64 << 10;

/// The JSON inputs of planning (installed products, the machine): an
/// inventory of 10,000 products is about 2 MB; 16 MiB leaves room without
/// letting a runaway file exhaust memory.
pub(crate) const JSON_INPUT_LIMIT: usize = 16 << 20;

/// The trust options of every command that reads a manifest.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("trust_source")
        .args(["pubkey", "allow_unsigned"])
        .required(true)
        .multiple(true)
))]
pub(crate) struct TrustArgs {
    /// The manifest's detached minisign signature [default: MANIFEST.minisig if it exists].
    #[arg(long, value_name = "FILE", requires = "pubkey")]
    pub(crate) sig: Option<PathBuf>,
    /// A trusted minisign public key: the base64 line or a .pub file. Repeatable.
    #[arg(long, value_name = "KEY")]
    pub(crate) pubkey: Vec<String>,
    /// Accept a manifest without signature (with a warning).
    #[arg(long)]
    pub(crate) allow_unsigned: bool,
    /// Refuse a manifest whose serial is lower than this one (rollback).
    #[arg(long, value_name = "N")]
    pub(crate) last_serial: Option<u64>,
    /// Check expiry at this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME", value_parser = parse_timestamp)]
    pub(crate) at: Option<Timestamp>,
}

fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text).map_err(|e| e.to_string())
}

/// An error of the library about `path`.
pub(crate) fn manifest_error(path: &Path, error: olkit_manifest::Error) -> CliError {
    match error {
        olkit_manifest::Error::Io { path, source } => CliError::io(&path, source),
        other => CliError::io(path, io::Error::other(other)),
    }
}

/// Reads at most `limit` bytes of `path`; a longer file is an error
/// (without reading the rest).
pub(crate) fn read_limited(path: &Path, limit: usize) -> Result<Vec<u8>, CliError> {
    let file = fs::File::open(path).map_err(|e| CliError::io(path, e))?;
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
        let contents = read_limited(path, SMALL_FILE_LIMIT)?;
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

/// Why a manifest was not accepted.
pub(crate) enum TrustError {
    /// A file could not be read, or the options do not fit the files.
    Cli(CliError),
    /// The library refused the manifest (signature, format, freshness).
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// Why.
        error: olkit_manifest::Error,
    },
}

impl TrustError {
    /// The position in the manifest, for a format error.
    pub(crate) fn line_column(&self) -> (Option<u64>, Option<u64>) {
        match self {
            TrustError::Manifest {
                error: olkit_manifest::Error::Manifest { line, column, .. },
                ..
            } => (Some(*line), Some(*column)),
            _ => (None, None),
        }
    }
}

impl From<TrustError> for CliError {
    fn from(error: TrustError) -> CliError {
        match error {
            TrustError::Cli(e) => e,
            TrustError::Manifest { path, error } => manifest_error(&path, error),
        }
    }
}

impl std::fmt::Display for TrustError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrustError::Cli(e) => e.fmt(f),
            TrustError::Manifest { error, .. } => error.fmt(f),
        }
    }
}

/// A manifest that passed the checks, with what was used to check it.
pub(crate) struct Trusted {
    /// The manifest file.
    pub(crate) path: PathBuf,
    /// Its bytes, as verified.
    pub(crate) bytes: Vec<u8>,
    /// The verified manifest.
    pub(crate) verified: VerifiedManifest,
    /// The signature file that was verified, if any.
    pub(crate) signature: Option<PathBuf>,
    /// A signature beside the manifest that was not checked (no keys).
    pub(crate) unchecked_signature: Option<PathBuf>,
}

impl Trusted {
    /// The library's warnings, then an unchecked signature's.
    pub(crate) fn warnings(&self) -> Vec<String> {
        let mut warnings: Vec<String> = self
            .verified
            .warnings()
            .iter()
            .map(ToString::to_string)
            .collect();
        if let Some(path) = &self.unchecked_signature {
            warnings.push(format!(
                "{} not checked: no --pubkey given",
                output::path_text(path)
            ));
        }
        warnings
    }

    /// Who signed the manifest and its serial, in words: `signed by key
    /// 2CCECDA4776F5AEB, serial 42` or `unsigned, no serial`.
    pub(crate) fn provenance(&self) -> String {
        let signer = match self.verified.key_id() {
            Some(key) => format!("signed by key {key}"),
            None => "unsigned".to_owned(),
        };
        match self.verified.manifest().serial {
            Some(serial) => format!("{signer}, serial {serial}"),
            None => format!("{signer}, no serial"),
        }
    }

    /// What the manifest is and how it was trusted, for JSON output.
    pub(crate) fn json(&self) -> ManifestJson<'_> {
        let signature = self.verified.signature();
        let manifest = self.verified.manifest();
        ManifestJson {
            file: output::path_text(&self.path),
            signed: signature.is_some(),
            signature_file: self.signature.as_deref().map(output::path_text),
            key_id: self.verified.key_id().map(|k| k.to_string()),
            trusted_comment: signature.map(|s| s.trusted_comment.as_str()),
            serial: manifest.serial,
            serial_to_store: self.verified.serial_to_store(),
            expires: manifest.expires.map(|t| t.to_string()),
        }
    }
}

/// The `manifest` object of the commands' JSON output.
#[derive(Serialize)]
pub(crate) struct ManifestJson<'a> {
    file: String,
    signed: bool,
    signature_file: Option<String>,
    key_id: Option<String>,
    trusted_comment: Option<&'a str>,
    serial: Option<u64>,
    serial_to_store: Option<u64>,
    expires: Option<String>,
}

/// Reads `manifest` (at most the parser's size limit) and its signature
/// and verifies them as `args` say. Nothing of the manifest is returned
/// unless every check passed.
pub(crate) fn read_trusted(manifest: &Path, args: &TrustArgs) -> Result<Trusted, TrustError> {
    let limits = Limits::default();
    let bytes = read_limited(manifest, limits.max_bytes).map_err(TrustError::Cli)?;
    let keys = args
        .pubkey
        .iter()
        .map(|k| read_key(k))
        .collect::<Result<Vec<_>, _>>()
        .map_err(TrustError::Cli)?;
    let beside = {
        let mut name = manifest.as_os_str().to_owned();
        name.push(".minisig");
        PathBuf::from(name)
    };
    let (signature, unchecked_signature) = match &args.sig {
        Some(path) => (Some(path.clone()), None),
        None if beside.is_file() && !keys.is_empty() => (Some(beside.clone()), None),
        None if beside.is_file() => (None, Some(beside.clone())),
        None => (None, None),
    };
    if signature.is_none() && !args.allow_unsigned {
        return Err(TrustError::Cli(CliError::io(
            manifest,
            io::Error::other(format!(
                "the manifest is not signed (no {} and no --sig); give --allow-unsigned to accept it unsigned",
                output::path_text(&beside)
            )),
        )));
    }
    let signature_bytes = match &signature {
        Some(path) => Some(read_limited(path, SMALL_FILE_LIMIT).map_err(TrustError::Cli)?),
        None => None,
    };
    let mut policy = TrustPolicy::new(keys);
    policy.limits = limits;
    if args.allow_unsigned {
        policy = policy.allow_unsigned();
    }
    if let Some(serial) = args.last_serial {
        policy = policy.last_serial(serial);
    }
    if let Some(at) = args.at {
        policy = policy.at(at);
    }
    let verified = olkit_manifest::verify_manifest(&bytes, signature_bytes.as_deref(), &policy)
        .map_err(|error| TrustError::Manifest {
            path: manifest.to_path_buf(),
            error,
        })?;
    Ok(Trusted {
        path: manifest.to_path_buf(),
        bytes,
        verified,
        signature,
        unchecked_signature,
    })
}
