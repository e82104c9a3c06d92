//! `olkit package verify`: a downloaded package against a (signed)
//! manifest's size and digest.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use olkit_manifest::{verify_file, DigestStrength, PackageVerdict, Product};
use serde::Serialize;

use crate::output::{self, CliError, CliResult};
use crate::trust::{manifest_error, read_trusted, ManifestJson, TrustArgs};

/// The verbs of `olkit package`.
#[derive(Debug, Subcommand)]
pub(crate) enum PackageCommand {
    /// Check a downloaded package against the size and digest its manifest declares.
    #[command(long_about = VERIFY_LONG_ABOUT)]
    Verify(VerifyArgs),
}

const VERIFY_LONG_ABOUT: &str = "\
Check a downloaded package against the size and digest its manifest declares.

The manifest is verified first, as `olkit manifest check` does: its
minisign signature (--sig, by default MANIFEST.minisig) must be made by one
of the --pubkey keys, it must not be expired (now, or at --at), and
with --last-serial its serial must not be lower. Only then is the package
read, at most up to its declared size plus one byte, and
compared with the manifest's SHA-256; a legacy manifest without SHA-256 is
checked against its MD5, which is reported as weak.

--pubkey takes the base64 line of a minisign .pub file or the path of the
file; give it several times to trust several keys (key rotation).
--allow-unsigned accepts a manifest without signature (with a warning); a
signature that is present is still verified when --pubkey is given, and
left unchecked, with a warning, when not. Neither --pubkey nor
--allow-unsigned is a usage error.

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
      \"signature_file\": \"products.xml.minisig\" | null,
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
    #[command(flatten)]
    trust: TrustArgs,
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

/// The product the arguments name.
fn find_product<'a>(args: &VerifyArgs, products: &'a [Product]) -> Result<&'a Product, CliError> {
    find_named(
        &args.manifest,
        &args.product,
        args.product_version.as_deref(),
        products,
    )
}

/// The product of `manifest` named `name` (and of `version`, when given):
/// exactly one, else an error that lists what there is.
pub(crate) fn find_named<'a>(
    manifest: &Path,
    name: &str,
    version: Option<&str>,
    products: &'a [Product],
) -> Result<&'a Product, CliError> {
    let matches: Vec<&Product> = products
        .iter()
        .filter(|p| p.name == name)
        .filter(|p| version.is_none_or(|v| p.version.to_string() == v))
        .collect();
    let fail = |text: String| Err(CliError::io(manifest, io::Error::other(text)));
    match matches.as_slice() {
        [product] => Ok(product),
        [] => fail(format!(
            "no product {:?}{} in the manifest (it lists: {})",
            name,
            version
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
            name,
            several
                .iter()
                .map(|p| p.version.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `file` checked against the size and digest `product` declares; a
/// check by MD5 only adds its warning to `warnings`.
pub(crate) fn verify_package(
    file: &Path,
    product: &Product,
    warnings: &mut Vec<String>,
) -> Result<PackageVerdict, CliError> {
    let verdict = verify_file(file, product).map_err(|e| manifest_error(file, e))?;
    if verdict.strength == DigestStrength::WeakMd5 {
        warnings.push(
            "only MD5 was available: it detects damage, not a deliberately altered package"
                .to_owned(),
        );
    }
    Ok(verdict)
}

fn verify(args: &VerifyArgs) -> CliResult {
    let trusted = read_trusted(&args.manifest, &args.trust)?;
    let verified = &trusted.verified;
    let product = find_product(args, &verified.manifest().products)?;
    let mut warnings = trusted.warnings();
    let verdict = verify_package(&args.file, product, &mut warnings)?;
    if !verdict.size_checked {
        warnings.push("the manifest declares no size for this package".to_owned());
    }
    let mut out = output::stdout();
    if args.json {
        return output::write_json(
            &mut out,
            &VerifyJson {
                file: output::path_text(&args.file),
                product: &product.name,
                version: product.version.to_string(),
                bytes: verdict.bytes,
                strength: verdict.strength.as_str(),
                size_checked: verdict.size_checked,
                manifest: trusted.json(),
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
    writeln!(
        out,
        "manifest {}: {}",
        args.manifest.display(),
        trusted.provenance()
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
