//! `olkit manifest`: update manifests (the Open-Xchange `<Products>` XML and
//! olkit's signed extension): checked and explained, and planned for one
//! machine.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use olkit_manifest::{
    parse_with_notes, verify_manifest, DigestStrength, Environment, InstalledProduct, Limits,
    Manifest, PackageCheck, PackageVerdict, Plan, PlanItem, Product, TrustPolicy, TrustedKey,
    OLKIT_NAMESPACE,
};
use serde::Serialize;

use crate::demo::{
    load_example, DemoFile, MANIFEST_ENV, MANIFEST_INSTALLED, MANIFEST_KEY, MANIFEST_SIGNATURE,
    MANIFEST_XML, OLKIT_SAMPLE_MSI,
};
use crate::output::{self, file_name, plural, CliError, CliResult};
use crate::trust::{
    read_limited, read_trusted, ManifestJson, TrustArgs, TrustError, Trusted, JSON_INPUT_LIMIT,
};

/// The verbs of `olkit manifest`.
#[derive(Debug, Subcommand)]
pub(crate) enum ManifestCommand {
    /// Validate a manifest (format, signature, freshness) and explain it.
    #[command(long_about = CHECK_LONG_ABOUT)]
    Check(CheckArgs),
    /// What to install or upgrade on one machine, and why (from a verified manifest).
    #[command(long_about = PLAN_LONG_ABOUT)]
    Plan(PlanArgs),
}

const CHECK_LONG_ABOUT: &str = "\
Validate an update manifest and explain it: its products and versions, which
parts are the legacy Open-Xchange format and which the olkit extension, and
what deserves a warning (MD5 only, no expiry, no serial, plain HTTP, ignored
elements).

The signature is checked first: FILE.minisig (or --sig) against the
--pubkey keys (minisign public keys, as the key text or a .pub file). Give
--pubkey, or --allow-unsigned to accept a manifest without signature (with
a warning; a signature beside it is then left unchecked, with a warning);
neither is a usage error. An expired manifest, or one whose serial is below
--last-serial, is refused. Nothing is reported from a manifest that fails
these checks.

  olkit manifest check products.xml --pubkey olkit.pub
  olkit manifest check products.xml --allow-unsigned --json

Exit codes: 0 valid (warnings allowed), 1 invalid, 2 usage error.
The format: docs/manifest-format.md.";

const PLAN_LONG_ABOUT: &str = "\
Plan the updates of one machine: for every package of the manifest, what to
do (install, upgrade, up-to-date, not-applicable, blocked) and why, in the
order to apply them. The manifest is verified first, exactly as
`olkit manifest check` does (signature, expiry, --last-serial); nothing is
planned from a manifest that fails.

--installed: the installed products, a JSON array:
  [{\"upgrade_code\": \"{5A7D0F22-...}\", \"product_code\": \"{9B1C...}\",
    \"version\": \"7.10.2\", \"name\": \"OXtender 2 for Microsoft Outlook\"}]
  (upgrade_code and product_code may be left out).
--env: the machine, a JSON object:
  {\"server_version\": \"7.10.5\", \"outlook_version\": \"2016\",
   \"outlook_bitness\": \"x64\", \"windows_version\": \"10.0.19045\",
   \"architecture\": \"x64\", \"channel\": \"stable\", \"machine_id\": \"...\"}
  (server_version, outlook_version, outlook_bitness and windows_version may
  be left out: what a package needs and is unknown blocks it).
Examples: examples/manifest-installed.json, examples/manifest-env.json.

The table lists the packages to apply first, numbered in their order
(critical ones first), then the others; under each, indented, the reasons:
the sentences for the updater's Details field.

With --json, one JSON document:
  {
    \"manifest\": {\"file\", \"signed\", \"signature_file\", \"key_id\",
                 \"trusted_comment\", \"serial\", \"serial_to_store\", \"expires\"},
    \"serial_to_store\": 2024031501 | null,
    \"items\": [{\"index\", \"name\", \"version\", \"action\", \"reasons\": [...],
               \"installed\", \"cache_upgrade\", \"critical\"}, ...],
    \"order\": [0, ...],
    \"cache_upgrade\": 3 | null,
    \"warnings\": [\"the manifest has no expiry date\", ...]
  }
`order` indexes `items` (which follow the manifest). On failure, with
--json: {\"error\": {\"file\", \"message\", \"line\", \"column\"}}.
Store serial_to_store and pass it as --last-serial next time.

Exit codes: 0 planned (whatever the actions), 1 the manifest was refused or
a JSON file is invalid (with its line and column), 2 usage error.";

/// `olkit manifest check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The manifest (XML, UTF-8 or UTF-16).
    file: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// One JSON document on standard output.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(command: ManifestCommand) -> CliResult {
    match command {
        ManifestCommand::Check(args) => check(&args),
        ManifestCommand::Plan(args) => plan(&args),
    }
}

fn check(args: &CheckArgs) -> CliResult {
    match read_trusted(&args.file, &args.trust).and_then(|trusted| {
        // Parsed again for what the parser ignored; it passed once already.
        let (_, notes) = parse_with_notes(&trusted.bytes, &Limits::default()).map_err(|error| {
            TrustError::Manifest {
                path: args.file.clone(),
                error,
            }
        })?;
        Ok((trusted, notes))
    }) {
        Ok((trusted, notes)) => {
            let report = Report::new(args, &trusted, &notes);
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
                let (line, column) = error.line_column();
                let doc = FailureJson {
                    file: output::path_text(&args.file),
                    valid: false,
                    error: ErrorJson {
                        file: None,
                        message: error.to_string(),
                        line,
                        column,
                    },
                };
                output::write_json(&mut output::stdout(), &doc)?;
            }
            Err(error.into())
        }
    }
}

#[derive(Serialize)]
struct FailureJson {
    file: String,
    valid: bool,
    error: ErrorJson,
}

#[derive(Serialize)]
struct ErrorJson {
    /// The file at fault, when it is not the manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
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

impl ProductJson {
    /// Architecture, channel, rollout and criticality: `x64, stable,
    /// rollout 25%, critical`.
    fn tags(&self) -> String {
        let mut tags = Vec::new();
        if let Some(a) = &self.architecture {
            tags.push(a.clone());
        }
        tags.push(self.channel.clone());
        if self.rollout_percent < 100 {
            tags.push(format!("rollout {}%", self.rollout_percent));
        }
        if self.critical {
            tags.push("critical".to_owned());
        }
        tags.join(", ")
    }

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
            md5: p.md5.as_ref().map(|d| output::Hex(d).to_string()),
            release_date: p.release_date.clone(),
            url: p.url.clone(),
            info_url: p.info_url.clone(),
            icon_bytes: p.icon.as_ref().map(Vec::len),
            install_params: p.install_params.clone(),
            importance: p.importance.clone(),
            msi_url: p.msi_url.clone(),
            msi_md5: p.msi_md5.as_ref().map(|d| output::Hex(d).to_string()),
            product_code: p.product_code.clone(),
            sha256: p.sha256.as_ref().map(|d| output::Hex(d).to_string()),
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
    fn new(args: &CheckArgs, trusted: &Trusted, notes: &[olkit_manifest::Note]) -> Self {
        let verified = &trusted.verified;
        let m: &Manifest = verified.manifest();
        let mut warnings: Vec<WarningJson> = trusted
            .warnings()
            .into_iter()
            .map(|message| WarningJson {
                product: None,
                message,
            })
            .collect();
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
                file: trusted
                    .signature
                    .as_deref()
                    .map(output::path_text)
                    .unwrap_or_default(),
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
            writeln!(out, "  {}. {} {} [{}]", i + 1, p.name, p.version, p.tags())?;
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

/// `olkit manifest plan`.
#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    /// The manifest (XML, UTF-8 or UTF-16).
    file: PathBuf,
    /// The installed products (JSON array; see --help).
    #[arg(long, value_name = "FILE.json")]
    installed: PathBuf,
    /// The machine (JSON object; see --help).
    #[arg(long, value_name = "FILE.json")]
    env: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// One JSON document on standard output (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// Why `olkit manifest plan` stopped, with the position for JSON errors.
/// Boxed where returned: it is large, and only made once.
struct PlanFailure {
    error: CliError,
    file: PathBuf,
    message: String,
    line: Option<u64>,
    column: Option<u64>,
}

impl PlanFailure {
    fn trust(path: &Path, error: TrustError) -> Box<Self> {
        let (line, column) = error.line_column();
        Box::new(PlanFailure {
            message: error.to_string(),
            file: path.to_path_buf(),
            line,
            column,
            error: error.into(),
        })
    }

    fn read(path: &Path, error: CliError) -> Box<Self> {
        Box::new(PlanFailure {
            message: error.to_string(),
            file: path.to_path_buf(),
            line: None,
            column: None,
            error,
        })
    }
}

/// Reads one JSON document; a syntax or type error names the line and
/// column (serde_json's message ends with them).
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Box<PlanFailure>> {
    let bytes = read_limited(path, JSON_INPUT_LIMIT).map_err(|e| PlanFailure::read(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let positioned = !e.is_io();
        Box::new(PlanFailure {
            message: e.to_string(),
            file: path.to_path_buf(),
            line: positioned.then(|| u64::try_from(e.line()).unwrap_or(u64::MAX)),
            column: positioned.then(|| u64::try_from(e.column()).unwrap_or(u64::MAX)),
            error: CliError::io(path, io::Error::other(e)),
        })
    })
}

fn plan(args: &PlanArgs) -> CliResult {
    let planned = read_trusted(&args.file, &args.trust)
        .map_err(|e| PlanFailure::trust(&args.file, e))
        .and_then(|trusted| {
            let installed: Vec<InstalledProduct> = read_json(&args.installed)?;
            let env: Environment = read_json(&args.env)?;
            let plan = olkit_manifest::plan(trusted.verified.manifest(), &installed, &env);
            Ok((trusted, plan))
        });
    let (trusted, plan) = match planned {
        Ok(planned) => planned,
        Err(failure) => {
            if args.json {
                let doc = PlanFailureJson {
                    error: ErrorJson {
                        file: Some(output::path_text(&failure.file)),
                        message: failure.message,
                        line: failure.line,
                        column: failure.column,
                    },
                };
                output::write_json(&mut output::stdout(), &doc)?;
            }
            return Err(failure.error);
        }
    };
    let warnings = trusted.warnings();
    let mut out = output::stdout();
    if args.json {
        return output::write_json(
            &mut out,
            &PlanJson {
                manifest: trusted.json(),
                serial_to_store: trusted.verified.serial_to_store(),
                plan: &plan,
                cache_upgrade: plan.cache_upgrade(),
                warnings,
            },
        );
    }
    for warning in &warnings {
        output::message(&format!("warning: {warning}"));
    }
    write_plan_human(&mut out, &trusted, &plan)?;
    out.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct PlanFailureJson {
    error: ErrorJson,
}

/// `olkit manifest plan --json`.
#[derive(Serialize)]
struct PlanJson<'a> {
    manifest: ManifestJson<'a>,
    serial_to_store: Option<u64>,
    #[serde(flatten)]
    plan: &'a Plan,
    cache_upgrade: Option<u32>,
    warnings: Vec<String>,
}

const PLAN_HEADINGS: [&str; 7] = [
    "#",
    "PRODUCT",
    "OFFERED",
    "INSTALLED",
    "ACTION",
    "CRITICAL",
    "CACHE UPGRADE",
];

/// One table row: the step number (for packages to apply) and the cells.
fn plan_row(step: Option<usize>, item: &PlanItem) -> [String; 7] {
    [
        step.map_or_else(|| "-".to_owned(), |n| n.to_string()),
        output::Field(&item.name).to_string(),
        output::Field(item.version.text()).to_string(),
        item.installed
            .as_ref()
            .map_or_else(|| "-".to_owned(), |v| output::Field(v.text()).to_string()),
        item.action.to_string(),
        if item.critical { "yes" } else { "no" }.to_owned(),
        item.cache_upgrade
            .map_or_else(|| "-".to_owned(), |f| format!("format {f}")),
    ]
}

fn write_plan_human(out: &mut impl Write, trusted: &Trusted, plan: &Plan) -> io::Result<()> {
    writeln!(
        out,
        "{}: {}; {} to apply of {} packages",
        trusted.path.display(),
        trusted.provenance(),
        plan.order.len(),
        plan.items.len()
    )?;
    // Packages to apply in their order, then the others as listed.
    let rest = plan
        .items
        .iter()
        .filter(|item| !plan.order.contains(&item.index));
    let rows: Vec<([String; 7], &PlanItem)> = plan
        .to_apply()
        .enumerate()
        .map(|(n, item)| (plan_row(Some(n + 1), item), item))
        .chain(rest.map(|item| (plan_row(None, item), item)))
        .collect();
    let mut widths = PLAN_HEADINGS.map(|h| h.chars().count());
    for (cells, _) in &rows {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let write_cells = |out: &mut dyn Write, cells: &[&str]| -> io::Result<()> {
        let mut line = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            line.push_str(cell);
            if i + 1 < cells.len() {
                let pad = width.saturating_sub(cell.chars().count()) + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{}", line.trim_end())
    };
    write_cells(out, &PLAN_HEADINGS)?;
    for (cells, item) in &rows {
        write_cells(out, &cells.each_ref().map(String::as_str))?;
        for reason in &item.reasons {
            writeln!(out, "      {reason}")?;
        }
    }
    if let Some(format) = plan.cache_upgrade() {
        writeln!(
            out,
            "cache: the local cache database is upgraded to format {format}"
        )?;
    }
    if let Some(serial) = trusted.verified.serial_to_store() {
        writeln!(
            out,
            "store serial {serial}: pass it as --last-serial next time"
        )?;
    }
    Ok(())
}

// -- the manifest step of `olkit demo`

/// Small enough that the example package arrives in several chunks, as a
/// download would.
const DEMO_CHUNK: usize = 4096;

/// What the manifest step of the demo did.
#[derive(Serialize)]
pub(crate) struct DemoManifest {
    manifest: DemoFile,
    signature: DemoFile,
    key: DemoFile,
    key_id: String,
    trusted_comment: String,
    serial: Option<u64>,
    /// What the caller stores and passes as the last serial next time.
    serial_to_store: Option<u64>,
    issued: Option<String>,
    expires: Option<String>,
    /// The manifest with one byte changed, verified with the same key.
    tampered: DemoRefusal,
    products: Vec<ProductJson>,
    installed: DemoFile,
    installed_products: usize,
    environment: DemoFile,
    machine: Environment,
    #[serde(flatten)]
    plan: Plan,
    cache_upgrade: Option<u32>,
    package: DemoPackage,
}

impl DemoManifest {
    /// Whether the manifest lists the package, which was then checked.
    pub(crate) fn package_checked(&self) -> bool {
        self.package.check.is_some()
    }
}

/// A copy with one byte changed, and why it was refused.
#[derive(Serialize)]
struct DemoRefusal {
    file: String,
    offset: usize,
    /// Where that byte is, in words (`in the first <Version>`), if known.
    place: Option<String>,
    old: u8,
    new: u8,
    error: String,
}

#[derive(Serialize)]
struct DemoPackage {
    #[serde(flatten)]
    file: DemoFile,
    /// The ProductCode the package itself declares, by which its manifest
    /// entry is found.
    product_code: String,
    /// The check against that entry; `None` when the manifest has none
    /// (another package in --examples DIR).
    check: Option<DemoPackageCheck>,
}

#[derive(Serialize)]
struct DemoPackageCheck {
    product: String,
    version: String,
    chunk_size: usize,
    chunks: usize,
    /// The bytes the check read.
    verified_bytes: u64,
    strength: &'static str,
    sha256: String,
    size_checked: bool,
    /// The package with one byte changed, checked against the same entry.
    tampered: DemoRefusal,
}

/// `bytes` with one byte changed: the first one after `near` (a digit
/// becomes the next digit), else (or with `near` empty) the middle one;
/// with its offset, whether it follows `near`, old and new value.
fn one_byte_changed(bytes: &[u8], near: &[u8]) -> Option<(Vec<u8>, usize, bool, u8, u8)> {
    let after_near = (!near.is_empty())
        .then(|| bytes.windows(near.len()).position(|w| w == near))
        .flatten()
        .map(|i| i + near.len())
        .filter(|&i| i < bytes.len());
    let offset = after_near.unwrap_or(bytes.len() / 2);
    let mut changed = bytes.to_vec();
    let byte = changed.get_mut(offset)?;
    let old = *byte;
    let new = if old.is_ascii_digit() {
        b'0' + (old - b'0' + 1) % 10
    } else {
        old ^ 1
    };
    *byte = new;
    Some((changed, offset, after_near.is_some(), old, new))
}

/// Writes the tampered copy `name` of `bytes` into `dir` and runs `check`
/// on it, which must fail.
fn refused_copy<E: std::fmt::Display>(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    near: &[u8],
    check: impl FnOnce(&Path, &[u8]) -> Result<Result<(), E>, CliError>,
) -> Result<DemoRefusal, CliError> {
    let path = dir.join(name);
    let (changed, offset, found, old, new) = one_byte_changed(bytes, near)
        .ok_or_else(|| CliError::Demo(format!("{}: empty, nothing to change", path.display())))?;
    fs::write(&path, &changed).map_err(|e| CliError::io(&path, e))?;
    match check(&path, &changed)? {
        Ok(()) => Err(CliError::Demo(format!(
            "{} (byte {offset} changed) was accepted",
            path.display()
        ))),
        Err(error) => Ok(DemoRefusal {
            file: output::path_text(&path),
            offset,
            place: found.then(|| format!("in the first {}", String::from_utf8_lossy(near))),
            old,
            new,
            error: error.to_string(),
        }),
    }
}

/// Streams the file at `path` through a [`PackageCheck`] in chunks of
/// [`DEMO_CHUNK`] bytes, as a download arrives: the outer error is a
/// failure to read, the inner one the check's verdict.
fn check_in_chunks(
    path: &Path,
    product: &Product,
) -> Result<Result<(PackageVerdict, usize), olkit_manifest::Error>, CliError> {
    let mut check = match PackageCheck::new(product) {
        Ok(check) => check,
        Err(e) => return Ok(Err(e)),
    };
    let file = fs::File::open(path).map_err(|e| CliError::io(path, e))?;
    // One byte more than may arrive proves the package too large.
    let mut file = file.take(check.remaining().saturating_add(1));
    let mut buffer = [0u8; DEMO_CHUNK];
    let mut chunks = 0;
    loop {
        let n = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CliError::io(path, e)),
        };
        chunks += 1;
        if let Err(e) = check.update(buffer.get(..n).unwrap_or_default()) {
            return Ok(Err(e));
        }
    }
    Ok(check.finish().map(|verdict| (verdict, chunks)))
}

/// A GUID without braces, white space or case, for comparing.
fn guid_key(text: &str) -> String {
    text.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_uppercase()
}

fn demo_json<T: serde::de::DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T, CliError> {
    serde_json::from_slice(bytes).map_err(|e| CliError::io(path, io::Error::other(e)))
}

/// The manifest step of `olkit demo`: the example manifest verified with
/// its pinned key (and a tampered copy refused), its products, the plan
/// for the example machine, and the example package checked against its
/// entry in chunks (and a tampered copy refused). Files missing from
/// `examples` are taken from the built-in copies.
pub(crate) fn demo_step(dir: &Path, examples: Option<&Path>) -> Result<DemoManifest, CliError> {
    let (manifest_path, manifest_bytes, manifest) = load_example(dir, examples, &MANIFEST_XML)?;
    let (_, signature_bytes, signature) = load_example(dir, examples, &MANIFEST_SIGNATURE)?;
    let (key_path, key_bytes, key) = load_example(dir, examples, &MANIFEST_KEY)?;
    let trusted_key = TrustedKey::parse(&String::from_utf8_lossy(&key_bytes))
        .map_err(|e| crate::trust::manifest_error(&key_path, e))?;
    // The default policy: a signature by the pinned key is required, and
    // the manifest must not have expired.
    let policy = TrustPolicy::new(vec![trusted_key]);
    let verify = |bytes: &[u8]| verify_manifest(bytes, Some(&signature_bytes), &policy);
    let verified =
        verify(&manifest_bytes).map_err(|e| crate::trust::manifest_error(&manifest_path, e))?;
    let m = verified.manifest();
    let info = verified.signature().ok_or_else(|| {
        CliError::Demo(format!(
            "{}: verified without a signature",
            manifest_path.display()
        ))
    })?;
    let tampered = refused_copy(
        dir,
        "manifest-tampered.xml",
        &manifest_bytes,
        b"<Version>",
        |_, bytes| Ok(verify(bytes).map(drop)),
    )?;

    let (installed_path, installed_bytes, installed) =
        load_example(dir, examples, &MANIFEST_INSTALLED)?;
    let installed_products: Vec<InstalledProduct> = demo_json(&installed_path, &installed_bytes)?;
    let (env_path, env_bytes, environment) = load_example(dir, examples, &MANIFEST_ENV)?;
    let machine: Environment = demo_json(&env_path, &env_bytes)?;
    let plan = olkit_manifest::plan(m, &installed_products, &machine);

    // The package's manifest entry is the one with the ProductCode the
    // package declares.
    let (package_path, package_bytes, package_file) =
        load_example(dir, examples, &OLKIT_SAMPLE_MSI)?;
    let identity = crate::msi::open(&package_path)?
        .identity()
        .map_err(|e| crate::msi::msi_error(&package_path, e))?;
    let product_code = identity
        .product_code
        .map(|g| g.to_string())
        .ok_or_else(|| CliError::Demo(format!("{}: no ProductCode", package_path.display())))?;
    let product = m.products.iter().find(|p| {
        p.product_code
            .as_deref()
            .is_some_and(|c| guid_key(c) == guid_key(&product_code))
    });
    let check = match product {
        Some(product) => {
            let (verdict, chunks) = check_in_chunks(&package_path, product)?
                .map_err(|e| crate::trust::manifest_error(&package_path, e))?;
            let tampered = refused_copy(
                dir,
                "olkit-sample-tampered.msi",
                &package_bytes,
                b"",
                |path, _| Ok(check_in_chunks(path, product)?.map(drop)),
            )?;
            Some(DemoPackageCheck {
                product: product.name.clone(),
                version: product.version.to_string(),
                chunk_size: DEMO_CHUNK,
                chunks,
                verified_bytes: verdict.bytes,
                strength: verdict.strength.as_str(),
                sha256: product
                    .sha256
                    .as_ref()
                    .map(|d| output::Hex(d).to_string())
                    .unwrap_or_default(),
                size_checked: verdict.size_checked,
                tampered,
            })
        }
        None => None,
    };
    let package = DemoPackage {
        file: package_file,
        product_code,
        check,
    };

    Ok(DemoManifest {
        key_id: info.key_id.to_string(),
        trusted_comment: info.trusted_comment.clone(),
        serial: m.serial,
        serial_to_store: verified.serial_to_store(),
        issued: m.issued.map(|t| t.to_string()),
        expires: m.expires.map(|t| t.to_string()),
        products: m.products.iter().map(ProductJson::new).collect(),
        cache_upgrade: plan.cache_upgrade(),
        manifest,
        signature,
        key,
        tampered,
        installed,
        installed_products: installed_products.len(),
        environment,
        machine,
        plan,
        package,
    })
}

/// Prints the manifest step of the demo as step `number`.
pub(crate) fn demo_print(out: &mut impl Write, number: usize, d: &DemoManifest) -> CliResult {
    let from = DemoFile::origin;
    let changed = |r: &DemoRefusal| {
        let show = |b: u8| {
            if b.is_ascii_graphic() {
                format!("{:?}", char::from(b))
            } else {
                format!("0x{b:02x}")
            }
        };
        let place = r
            .place
            .as_ref()
            .map(|p| format!(", {p}"))
            .unwrap_or_default();
        format!(
            "{}, a copy with byte {} changed ({} to {}{place}): refused: {}",
            file_name(&r.file),
            r.offset,
            show(r.old),
            show(r.new),
            r.error
        )
    };
    writeln!(
        out,
        "\n{number}. Update manifest {} (from {}, {} bytes)",
        MANIFEST_XML.name,
        from(&d.manifest),
        d.manifest.bytes
    )?;
    writeln!(
        out,
        "   signature {} verified with the pinned key {}: key {}, trusted comment {:?}",
        MANIFEST_SIGNATURE.name, MANIFEST_KEY.name, d.key_id, d.trusted_comment
    )?;
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_owned());
    writeln!(
        out,
        "   serial {}, issued {}, expires {}",
        d.serial
            .map_or_else(|| "none".to_owned(), |s| s.to_string()),
        or_none(&d.issued),
        or_none(&d.expires)
    )?;
    if let Some(serial) = d.serial_to_store {
        writeln!(
            out,
            "   store serial {serial}: given as the last serial next time, a lower one is refused (rollback)"
        )?;
    }
    writeln!(out, "   {}", changed(&d.tampered))?;
    writeln!(out, "   products:")?;
    for p in &d.products {
        writeln!(out, "     {} {} [{}]", p.name, p.version, p.tags())?;
    }

    let env = &d.machine;
    let mut machine = vec![match &env.windows_version {
        Some(w) => format!("Windows {w} {}", env.architecture.as_str()),
        None => format!("Windows {}", env.architecture.as_str()),
    }];
    match (&env.outlook_version, env.outlook_bitness) {
        (Some(v), Some(b)) => machine.push(format!("Outlook {v} {}", b.as_str())),
        (Some(v), None) => machine.push(format!("Outlook {v}")),
        _ => {}
    }
    if let Some(s) = &env.server_version {
        machine.push(format!("server {s}"));
    }
    machine.push(format!("channel {}", env.channel));
    writeln!(
        out,
        "   plan for {} ({}) with {} ({}): {} to apply of {}",
        MANIFEST_ENV.name,
        machine.join(", "),
        MANIFEST_INSTALLED.name,
        plural(
            d.installed_products,
            "installed product",
            "installed products"
        ),
        d.plan.order.len(),
        d.plan.items.len()
    )?;
    let rest = d
        .plan
        .items
        .iter()
        .filter(|item| !d.plan.order.contains(&item.index));
    let to_apply = d
        .plan
        .to_apply()
        .enumerate()
        .map(|(n, item)| (Some(n + 1), item));
    for (n, item) in to_apply.chain(rest.map(|item| (None, item))) {
        let step = n.map_or_else(|| " -".to_owned(), |n| format!("{n}."));
        let versions = match &item.installed {
            Some(installed) => format!("{} -> {}", installed.text(), item.version.text()),
            None => item.version.text().to_owned(),
        };
        writeln!(out, "     {step} {}: {} {versions}", item.action, item.name)?;
        for reason in &item.reasons {
            writeln!(out, "          {reason}")?;
        }
    }
    if let Some(format) = d.cache_upgrade {
        writeln!(
            out,
            "   the local cache database is upgraded to format {format}"
        )?;
    }

    let package = &d.package;
    write!(
        out,
        "   package {} (from {}, {} bytes): ",
        OLKIT_SAMPLE_MSI.name,
        from(&package.file),
        package.file.bytes,
    )?;
    let Some(p) = &package.check else {
        writeln!(
            out,
            "the manifest lists no product with its ProductCode {}: not checked",
            package.product_code
        )?;
        return Ok(());
    };
    writeln!(
        out,
        "its ProductCode {} is the manifest's {} {}",
        package.product_code, p.product, p.version
    )?;
    let digest = if p.strength == DigestStrength::Sha256.as_str() {
        format!("SHA-256 {}", p.sha256)
    } else {
        "MD5 (weak: the manifest declares no SHA-256)".to_owned()
    };
    let size = if p.size_checked {
        format!("{} bytes", p.verified_bytes)
    } else {
        format!("{} bytes (no size declared)", p.verified_bytes)
    };
    writeln!(
        out,
        "     checked while streaming it in {} of up to {} bytes: {size} and {digest}, as declared",
        plural(p.chunks, "chunk", "chunks"),
        p.chunk_size,
    )?;
    writeln!(out, "     {}", changed(&p.tampered))?;
    Ok(())
}
