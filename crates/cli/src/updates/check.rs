//! `olkit updates check`: what is new for one machine, as an updater
//! shows it, from a manifest file or URL verified exactly as
//! `olkit manifest plan` verifies it, with the accepted serial kept in a
//! state file against replayed older manifests.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use olkit_manifest::{
    Architecture, Environment, InstalledProduct, Limits, LocalizedText, Manifest, Plan, PlanItem,
    Product, Timestamp, Version,
};
use serde::Serialize;

use super::http::{self, HttpArgs, HttpOptions};
use super::state::{self, State};
use crate::output::{self, CliError, CliResult};
use crate::trust::{
    read_limited, read_trusted, ManifestJson, TrustArgs, TrustError, Trusted, JSON_INPUT_LIMIT,
};

pub(crate) const CHECK_LONG_ABOUT: &str = "\
What is new for this machine: the list an updater shows.

MANIFEST is a file or an http(s) URL. Its signature is --sig (a file or a
URL), else MANIFEST.minisig, fetched the same way (a server without one
answers 404: the manifest is then unsigned). The manifest is verified
exactly as `olkit manifest plan` does (signature against the --pubkey keys,
or --allow-unsigned; expiry; --last-serial) and planned for the machine:
--installed is a .reg export of the Windows Installer keys (as
`olkit msi installed` reads; the current user's and the machine's products)
or a JSON list (as `olkit manifest plan --installed` reads; a .json name or
a document starting with `[`); --env is the machine as a JSON object (as
`olkit manifest plan --env` reads), and the --server-version ...
--machine-id flags set or override its fields. Without --installed nothing
is installed; without --env the machine is x64, channel stable, the rest
unknown.

--state FILE keeps the serial of the last accepted manifest:
  {\"last_serial\": 2025060101, \"manifest\": \"https://...\",
   \"checked_at\": \"2025-06-02T08:00:00Z\"}
It is read as --last-serial (the higher of the two counts), so a replayed
older manifest is refused, and written back (a temporary file renamed over
it) after a successful check. A failed check writes nothing.

HTTP: --user with --password-env (or --password), or --bearer-env (or
--bearer); --timeout for connecting and each read; HTTPS is verified with
the bundled Mozilla roots, or with the roots of --ca-file. Passwords and
tokens are never printed.

Output: the updates offered, in the order to apply them, each with the
installed and offered versions, importance, critical, details, the cache
format it upgrades to, the package URL and size; then the packages not
offered and why. With --json, one JSON document:
  {\"source\": \"https://.../products.xml\", \"manifest\": {...},
   \"serial_to_store\": N | null,
   \"state\": {\"file\", \"last_serial\", \"written\"} | null,
   \"updates\": [{\"index\", \"name\", \"installed\", \"offered\", \"action\",
                \"importance\", \"critical\", \"details\": [{\"lang\", \"text\"}],
                \"release_notes\": [...], \"reasons\": [...], \"cache_upgrade\",
                \"url\", \"size\", \"size_text\", \"install_params\"}],
   \"not_offered\": [{\"index\", \"name\", \"offered\", \"installed\", \"action\",
                    \"reasons\"}],
   \"cache_upgrade\": N | null, \"warnings\": [...]}
On failure, with --json: {\"error\": {\"source\", \"message\"}}.

Exit codes: 0 checked (also when nothing is new), 1 the manifest could not
be fetched or was refused, or an input is invalid (nothing written), 2
usage error.";

/// A `.minisig` file is a few hundred bytes.
const SIGNATURE_LIMIT: u64 = 64 << 10;

/// `olkit updates check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The manifest: a file or an http(s) URL.
    manifest: String,
    #[command(flatten)]
    trust: TrustArgs,
    /// The state file: the last accepted serial, read and written back.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// The installed products: a .reg export of the Windows Installer keys, or a JSON list.
    #[arg(long, value_name = "FILE.reg|FILE.json")]
    installed: Option<PathBuf>,
    #[command(flatten)]
    env: EnvArgs,
    /// One JSON document on standard output (shape: see --help).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    http: HttpArgs,
}

/// The machine: a JSON file and flags that set its fields.
#[derive(Debug, Args)]
pub(crate) struct EnvArgs {
    /// The machine, a JSON object (as `olkit manifest plan --env` reads).
    #[arg(long, value_name = "FILE.json")]
    env: Option<PathBuf>,
    /// The groupware server's version.
    #[arg(long, value_name = "VERSION")]
    server_version: Option<Version>,
    /// Outlook's release (2016, 365, ...) or version (16.0.17328.20000).
    #[arg(long, value_name = "RELEASE")]
    outlook_version: Option<String>,
    /// Outlook's bitness: x86 or x64.
    #[arg(long, value_name = "x86|x64", value_parser = parse_architecture)]
    outlook_bitness: Option<Architecture>,
    /// Windows' version (10.0.19045).
    #[arg(long, value_name = "VERSION")]
    windows_version: Option<Version>,
    /// Windows' architecture: x86 or x64 [default: x64].
    #[arg(long, value_name = "x86|x64", value_parser = parse_architecture)]
    architecture: Option<Architecture>,
    /// The release channel the machine follows [default: stable].
    #[arg(long, value_name = "NAME")]
    channel: Option<String>,
    /// A stable identifier of the machine (rollout buckets).
    #[arg(long, value_name = "ID")]
    machine_id: Option<String>,
}

fn parse_architecture(text: &str) -> Result<Architecture, String> {
    match text.to_ascii_lowercase().as_str() {
        "x86" => Ok(Architecture::X86),
        "x64" => Ok(Architecture::X64),
        _ => Err(format!("{text:?}: x86 or x64")),
    }
}

impl EnvArgs {
    /// The machine of a JSON file, as `--env FILE` alone gives it.
    pub(crate) fn from_file(path: PathBuf) -> Self {
        EnvArgs {
            env: Some(path),
            server_version: None,
            outlook_version: None,
            outlook_bitness: None,
            windows_version: None,
            architecture: None,
            channel: None,
            machine_id: None,
        }
    }

    /// The environment of the file, with the flags applied.
    pub(crate) fn environment(&self) -> Result<Environment, CliError> {
        let mut env = match &self.env {
            Some(path) => read_json::<Environment>(path)?,
            None => Environment {
                server_version: None,
                outlook_version: None,
                outlook_bitness: None,
                windows_version: None,
                architecture: Architecture::X64,
                channel: "stable".to_owned(),
                machine_id: String::new(),
            },
        };
        if let Some(v) = &self.server_version {
            env.server_version = Some(v.clone());
        }
        if let Some(v) = &self.outlook_version {
            env.outlook_version = Some(v.clone());
        }
        if let Some(v) = self.outlook_bitness {
            env.outlook_bitness = Some(v);
        }
        if let Some(v) = &self.windows_version {
            env.windows_version = Some(v.clone());
        }
        if let Some(v) = self.architecture {
            env.architecture = v;
        }
        if let Some(v) = &self.channel {
            env.channel = v.clone();
        }
        if let Some(v) = &self.machine_id {
            env.machine_id = v.clone();
        }
        Ok(env)
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, CliError> {
    let bytes = read_limited(path, JSON_INPUT_LIMIT)?;
    serde_json::from_slice(&bytes).map_err(|e| CliError::io(path, io::Error::other(e)))
}

/// Whether the installed-products file is a JSON list: by its name, else
/// by its first character.
fn is_json_list(path: &Path, bytes: &[u8]) -> bool {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        return true;
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'[')
}

/// The installed products of `path`: a JSON list as is, or the products
/// Windows Installer knows for the current user and the machine in a
/// `.reg` export (installed or advertised, with a version olkit can
/// compare), once per upgrade code they are registered under.
pub(crate) fn installed_products(path: &Path) -> Result<Vec<InstalledProduct>, CliError> {
    let bytes = read_limited(path, JSON_INPUT_LIMIT)?;
    if is_json_list(path, &bytes) {
        return serde_json::from_slice(&bytes).map_err(|e| CliError::io(path, io::Error::other(e)));
    }
    let inventory = crate::msi::read_inventory(path)?;
    Ok(planned_products(&inventory))
}

/// The inventory's planning rows as the planner's installed products; a
/// version olkit cannot read cannot be compared and is left out.
pub(crate) fn planned_products(inventory: &olkit_msi_query::Inventory) -> Vec<InstalledProduct> {
    inventory
        .planning_rows()
        .into_iter()
        .filter_map(|row| {
            Some(InstalledProduct {
                product_code: Some(row.product_code.to_string()),
                upgrade_code: row.upgrade_code.map(|c| c.to_string()),
                version: Version::parse(&row.version).ok()?,
                name: row.name.to_owned(),
            })
        })
        .collect()
}

/// A verified manifest, wherever it came from.
pub(crate) struct Loaded {
    /// The manifest, verified.
    pub(crate) trusted: Trusted,
    /// Where it came from: the URL (without credentials) or the path.
    pub(crate) source: String,
    /// Holds what was fetched while `trusted` refers to it.
    _fetched: Option<tempfile::TempDir>,
}

fn temp_dir(slot: &mut Option<tempfile::TempDir>) -> Result<&Path, CliError> {
    if slot.is_none() {
        *slot = Some(
            tempfile::Builder::new()
                .prefix("olkit-updates-")
                .tempdir()
                .map_err(|e| CliError::io(&std::env::temp_dir(), e))?,
        );
    }
    slot.as_ref()
        .map(tempfile::TempDir::path)
        .ok_or_else(|| CliError::io(&std::env::temp_dir(), io::Error::other("no directory")))
}

fn save(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(|e| CliError::io(path, e))
}

/// The manifest as messages name it: a URL without its credentials, or
/// the path as given.
fn shown_source(manifest: &str) -> String {
    if http::is_url(manifest) {
        http::shown_url(manifest)
    } else {
        manifest.to_owned()
    }
}

/// Reads (or fetches) `manifest` and its signature and verifies them as
/// `trust` says. A signature URL in `trust.sig` is fetched too, and
/// `trust.sig` then names the fetched copy.
pub(crate) fn load_manifest(
    manifest: &str,
    trust: &mut TrustArgs,
    http_options: &HttpOptions,
) -> Result<Loaded, CliError> {
    let mut fetched = None;
    let remote = http::is_url(manifest);
    let mut signature_source = None;
    let sig_text = trust
        .sig
        .as_ref()
        .and_then(|s| s.to_str())
        .map(str::to_owned);
    if let Some(sig) = sig_text.as_deref() {
        if http::is_url(sig) {
            let bytes = http::get_bytes(sig, http_options, SIGNATURE_LIMIT)?;
            let path = temp_dir(&mut fetched)?.join("signature.minisig");
            save(&path, &bytes)?;
            trust.sig = Some(path);
            signature_source = Some(http::shown_url(sig));
        }
    }
    let path = if remote {
        let limit = u64::try_from(Limits::default().max_bytes).unwrap_or(u64::MAX);
        let bytes = http::get_bytes(manifest, http_options, limit)?;
        let dir = temp_dir(&mut fetched)?.to_path_buf();
        let path = dir.join("manifest.xml");
        save(&path, &bytes)?;
        if trust.sig.is_none() {
            let sig_url = format!("{manifest}.minisig");
            match http::get_bytes_if_present(&sig_url, http_options, SIGNATURE_LIMIT)? {
                Some(bytes) => {
                    save(&dir.join("manifest.xml.minisig"), &bytes)?;
                    signature_source = Some(http::shown_url(&sig_url));
                }
                None if !trust.allow_unsigned => {
                    return Err(http::url_error(
                        manifest,
                        format!(
                            "the manifest is not signed ({} answered 404 and no --sig); give --allow-unsigned to accept it unsigned",
                            http::shown_url(&sig_url)
                        ),
                    ))
                }
                None => {}
            }
        }
        path
    } else {
        PathBuf::from(manifest)
    };
    let source = shown_source(manifest);
    let mut trusted = read_trusted(&path, trust).map_err(|e| match e {
        TrustError::Manifest { error, .. } if remote => {
            CliError::io(Path::new(&source), io::Error::other(error))
        }
        other => other.into(),
    })?;
    // What was fetched is named by its URL, not by the temporary copy.
    if remote {
        trusted.path = PathBuf::from(&source);
    }
    if let Some(shown) = signature_source {
        if trusted.signature.is_some() {
            trusted.signature = Some(PathBuf::from(&shown));
        }
        if trusted.unchecked_signature.is_some() {
            trusted.unchecked_signature = Some(PathBuf::from(&shown));
        }
    }
    Ok(Loaded {
        trusted,
        source,
        _fetched: fetched,
    })
}

/// The text in `lang`, else the first.
fn pick<'a>(texts: &[TextJson<'a>], lang: &str) -> Option<&'a str> {
    texts
        .iter()
        .find(|t| t.lang.eq_ignore_ascii_case(lang))
        .or_else(|| texts.first())
        .map(|t| t.text)
}

/// A size in words: `512 bytes`, `30.0 MiB`.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    // Precision is not needed for display.
    #[allow(clippy::cast_precision_loss)]
    let mut value = bytes as f64 / 1024.0;
    let mut unit = "KiB";
    for next in UNITS.iter().skip(1) {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

#[derive(Serialize)]
struct TextJson<'a> {
    lang: &'a str,
    text: &'a str,
}

fn texts(list: &[LocalizedText]) -> Vec<TextJson<'_>> {
    list.iter()
        .map(|t| TextJson {
            lang: &t.lang,
            text: &t.text,
        })
        .collect()
}

/// One update the machine is offered.
#[derive(Serialize)]
pub(super) struct UpdateJson<'a> {
    index: usize,
    name: &'a str,
    installed: Option<&'a str>,
    offered: &'a str,
    action: &'static str,
    importance: Option<&'a str>,
    critical: bool,
    details: Vec<TextJson<'a>>,
    release_notes: Vec<TextJson<'a>>,
    reasons: Vec<String>,
    cache_upgrade: Option<u32>,
    url: Option<&'a str>,
    size: Option<u64>,
    size_text: Option<String>,
    install_params: Option<&'a str>,
}

impl<'a> UpdateJson<'a> {
    fn new(item: &'a PlanItem, product: Option<&'a Product>) -> Self {
        let size = product.and_then(|p| p.size);
        UpdateJson {
            index: item.index,
            name: &item.name,
            installed: item.installed.as_ref().map(Version::text),
            offered: item.version.text(),
            action: item.action.as_str(),
            importance: product.and_then(|p| p.importance.as_deref()),
            critical: item.critical,
            details: product.map(|p| texts(&p.details)).unwrap_or_default(),
            release_notes: product.map(|p| texts(&p.release_notes)).unwrap_or_default(),
            reasons: item.reasons.iter().map(ToString::to_string).collect(),
            cache_upgrade: item.cache_upgrade,
            url: product.and_then(|p| p.url.as_deref().or(p.msi_url.as_deref())),
            size,
            size_text: size.map(human_size),
            install_params: product.and_then(|p| p.install_params.as_deref()),
        }
    }
}

#[derive(Serialize)]
pub(super) struct OtherJson<'a> {
    index: usize,
    name: &'a str,
    offered: &'a str,
    installed: Option<&'a str>,
    action: &'static str,
    reasons: Vec<String>,
}

#[derive(Serialize)]
pub(super) struct StateJson {
    file: String,
    last_serial: Option<u64>,
    written: bool,
}

#[derive(Serialize)]
struct CheckJson<'a> {
    source: &'a str,
    manifest: ManifestJson<'a>,
    serial_to_store: Option<u64>,
    state: Option<StateJson>,
    updates: Vec<UpdateJson<'a>>,
    not_offered: Vec<OtherJson<'a>>,
    cache_upgrade: Option<u32>,
    warnings: Vec<String>,
}

/// The `--json` document of a failure before any result: the manifest
/// (a URL shown without credentials) and the message.
#[derive(Serialize)]
struct FailureJson {
    error: ErrorJson,
}

#[derive(Serialize)]
struct ErrorJson {
    source: String,
    message: String,
}

/// Prints the `--json` failure document of `error` when `json` is set, and
/// hands the error on.
pub(crate) fn fail_json(json: bool, manifest: &str, error: CliError) -> CliResult {
    if json {
        let doc = FailureJson {
            error: ErrorJson {
                source: shown_source(manifest),
                message: error.to_string(),
            },
        };
        output::write_json(&mut output::stdout(), &doc)?;
    }
    Err(error)
}

/// Runs `olkit updates check`.
pub(crate) fn run(mut args: CheckArgs) -> CliResult {
    match check(&mut args) {
        Ok(()) => Ok(()),
        Err(error) => fail_json(args.json, &args.manifest, error),
    }
}

fn check(args: &mut CheckArgs) -> CliResult {
    let options = args.http.options()?;
    // Every input is read before anything is fetched or written.
    let stored = state::last_serial(args.state.as_deref())?;
    let installed = match &args.installed {
        Some(path) => installed_products(path)?,
        None => Vec::new(),
    };
    let env = args.env.environment()?;
    args.trust.last_serial = args.trust.last_serial.max(stored);

    let loaded = load_manifest(&args.manifest, &mut args.trust, &options)?;
    let trusted = &loaded.trusted;
    let manifest = trusted.verified.manifest();
    let plan = olkit_manifest::plan(manifest, &installed, &env);

    let serial_to_store = trusted.verified.serial_to_store();
    let state_json = match &args.state {
        Some(path) => {
            let last_serial = serial_to_store.max(stored);
            let state = State {
                last_serial,
                manifest: Some(loaded.source.clone()),
                checked_at: Some(Timestamp::now().to_string()),
            };
            state::write(path, &state)?;
            Some(StateJson {
                file: output::path_text(path),
                last_serial,
                written: true,
            })
        }
        None => None,
    };

    let (updates, not_offered) = update_list(manifest, &plan);
    let warnings = trusted.warnings();
    let mut out = output::stdout();
    if args.json {
        let manifest_json = trusted.json();
        return output::write_json(
            &mut out,
            &CheckJson {
                source: &loaded.source,
                manifest: manifest_json,
                serial_to_store,
                state: state_json,
                updates,
                not_offered,
                cache_upgrade: plan.cache_upgrade(),
                warnings,
            },
        );
    }
    for warning in &warnings {
        output::message(&format!("warning: {warning}"));
    }
    write_human(
        &mut out,
        &loaded,
        &plan,
        &updates,
        &not_offered,
        state_json.as_ref(),
    )?;
    out.flush()?;
    Ok(())
}

/// The list an updater shows: the updates `plan` offers, in the order to
/// apply them, and the packages it does not offer.
pub(super) fn update_list<'a>(
    manifest: &'a Manifest,
    plan: &'a Plan,
) -> (Vec<UpdateJson<'a>>, Vec<OtherJson<'a>>) {
    let product = |item: &PlanItem| manifest.products.get(item.index);
    let updates = plan
        .to_apply()
        .map(|item| UpdateJson::new(item, product(item)))
        .collect();
    let not_offered = plan
        .items
        .iter()
        .filter(|item| !plan.order.contains(&item.index))
        .map(|item| OtherJson {
            index: item.index,
            name: &item.name,
            offered: item.version.text(),
            installed: item.installed.as_ref().map(Version::text),
            action: item.action.as_str(),
            reasons: item.reasons.iter().map(ToString::to_string).collect(),
        })
        .collect();
    (updates, not_offered)
}

/// Prints the list as `olkit updates check` does without `--json`.
pub(super) fn write_human(
    out: &mut impl Write,
    loaded: &Loaded,
    plan: &Plan,
    updates: &[UpdateJson<'_>],
    not_offered: &[OtherJson<'_>],
    state: Option<&StateJson>,
) -> io::Result<()> {
    let field = |s: &str| output::Field(s).to_string();
    writeln!(
        out,
        "{}: {}",
        field(&loaded.source),
        loaded.trusted.provenance()
    )?;
    if updates.is_empty() {
        writeln!(
            out,
            "nothing new for this machine ({} packages in the manifest)",
            plan.items.len()
        )?;
    } else {
        writeln!(
            out,
            "{} for this machine, in the order to install them:",
            output::plural(updates.len(), "update", "updates")
        )?;
    }
    for (n, u) in updates.iter().enumerate() {
        let versions = match u.installed {
            Some(installed) => format!("{} -> {}", field(installed), field(u.offered)),
            None => format!("{} (not installed)", field(u.offered)),
        };
        let critical = if u.critical { ", CRITICAL" } else { "" };
        writeln!(
            out,
            "{}. {}: {versions} [{}{critical}]",
            n + 1,
            field(u.name),
            u.action
        )?;
        if let Some(importance) = u.importance {
            writeln!(out, "   importance: {}", field(importance))?;
        }
        if let Some(text) = pick(&u.details, "en") {
            writeln!(out, "   details: {}", field(text))?;
        }
        for reason in &u.reasons {
            writeln!(out, "   why: {}", field(reason))?;
        }
        if let Some(format) = u.cache_upgrade {
            writeln!(
                out,
                "   cache upgrade: the local cache database is upgraded to format {format}"
            )?;
        }
        match (u.url, &u.size_text) {
            (Some(url), Some(size)) => writeln!(out, "   package: {} ({size})", field(url))?,
            (Some(url), None) => writeln!(out, "   package: {} (size not declared)", field(url))?,
            (None, _) => writeln!(out, "   package: none (the manifest gives no URL)")?,
        }
    }
    if !not_offered.is_empty() {
        writeln!(out, "not offered:")?;
        for o in not_offered {
            let installed = o
                .installed
                .map(|v| format!(", installed {}", field(v)))
                .unwrap_or_default();
            writeln!(
                out,
                "  - {} {}{installed}: {}",
                field(o.name),
                field(o.offered),
                o.action
            )?;
            for reason in &o.reasons {
                writeln!(out, "      {}", field(reason))?;
            }
        }
    }
    if let Some(format) = plan.cache_upgrade() {
        writeln!(
            out,
            "the local cache database is upgraded to format {format}"
        )?;
    }
    if let Some(s) = state {
        match s.last_serial {
            Some(serial) => writeln!(
                out,
                "state {}: serial {serial} stored; an older manifest is refused next time",
                field(&s.file)
            )?,
            None => writeln!(
                out,
                "state {}: written (no serial to store)",
                field(&s.file)
            )?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_human() {
        assert_eq!(human_size(0), "0 bytes");
        assert_eq!(human_size(1023), "1023 bytes");
        assert_eq!(human_size(1024), "1.0 KiB");
        assert_eq!(human_size(31_457_280), "30.0 MiB");
        assert_eq!(human_size(3 << 30), "3.0 GiB");
    }

    #[test]
    fn json_lists_are_told_from_reg_exports() {
        let p = Path::new("installed.txt");
        assert!(is_json_list(p, b"\xEF\xBB\xBF  [ {} ]"));
        assert!(!is_json_list(
            p,
            b"Windows Registry Editor Version 5.00\r\n"
        ));
        assert!(is_json_list(Path::new("x.JSON"), b"{"));
    }
}
