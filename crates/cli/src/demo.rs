//! `olkit demo`: every capability on the bundled example data, in a
//! temporary directory, saying what it did.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use olkit_regfile::{Encoding, Entry, LineEnding, RegFile, Value};
use serde::Serialize;

use crate::output::{self, file_name, plural, CliError, CliResult};

/// The example Outlook profile export, built into the binary so that the
/// demo runs anywhere.
const PROFILES_NAME: &str = "outlook-profiles.reg";
const PROFILES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/outlook-profiles.reg"
));

/// An example file of the later steps, built into the binary so that the
/// demo runs anywhere; `--examples DIR` overrides it.
pub(crate) struct Example {
    pub(crate) name: &'static str,
    built_in: &'static [u8],
}

macro_rules! example {
    ($name:literal) => {
        Example {
            name: $name,
            built_in: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../examples/",
                $name
            )),
        }
    };
}

/// The wixl-built example packages (examples/make-example-packages.sh);
/// the example manifest declares their sizes and SHA-256, so rebuilding
/// them means re-running examples/make-manifest-example.sh.
pub(crate) const OLKIT_SAMPLE_MSI: Example = example!("olkit-sample.msi");
pub(crate) const OXTENDER_SAMPLE_MSI: Example = example!("oxtender-sample.msi");
pub(crate) const INSTALLED_PRODUCTS_REG: Example = example!("installed-products.reg");
pub(crate) const MANIFEST_XML: Example = example!("manifest.xml");
pub(crate) const MANIFEST_SIGNATURE: Example = example!("manifest.xml.minisig");
pub(crate) const MANIFEST_KEY: Example = example!("manifest.pub");
pub(crate) const MANIFEST_INSTALLED: Example = example!("manifest-installed.json");
pub(crate) const MANIFEST_ENV: Example = example!("manifest-env.json");
/// A copy of olkit-profile-convert's one-user KOC fixture
/// (tests/fixtures/kerio-one-user.reg).
pub(crate) const KOC_PROFILES_REG: Example = example!("koc-profiles.reg");

/// An example file as the demo used it.
#[derive(Serialize)]
pub(crate) struct DemoFile {
    file: String,
    pub(crate) bytes: usize,
    /// Where it came from: `None` for the copy built into olkit.
    source: Option<String>,
}

impl DemoFile {
    /// Where the file came from, in words.
    pub(crate) fn origin(&self) -> String {
        self.source
            .clone()
            .unwrap_or_else(|| "the copy built into olkit".to_owned())
    }
}

/// An example from `examples` when it has the file, else the built-in
/// copy; written into the work directory.
pub(crate) fn load_example(
    dir: &Path,
    examples: Option<&Path>,
    example: &Example,
) -> Result<(PathBuf, Vec<u8>, DemoFile), CliError> {
    let from = examples
        .map(|d| d.join(example.name))
        .filter(|p| p.is_file());
    let bytes = match &from {
        Some(path) => fs::read(path).map_err(|e| CliError::io(path, e))?,
        None => example.built_in.to_vec(),
    };
    let path = dir.join(example.name);
    fs::write(&path, &bytes).map_err(|e| CliError::io(&path, e))?;
    let file = DemoFile {
        file: output::path_text(&path),
        bytes: bytes.len(),
        source: from.as_deref().map(output::path_text),
    };
    Ok((path, bytes, file))
}

/// Arguments of `olkit demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Take the example files from this directory instead of the copies
    /// built into olkit.
    #[arg(long, value_name = "DIR")]
    examples: Option<PathBuf>,
    /// Keep the temporary directory (its path is printed) instead of removing it.
    #[arg(long)]
    keep: bool,
    /// Print one JSON document describing every step instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) const DEMO_LONG_ABOUT: &str = "\
Run every capability on the bundled example data and say what it did.

The example files (built into olkit; --examples DIR reads them from DIR) are
copied into a temporary directory, removed at the end unless --keep is
given; nothing else is touched. Steps:
  1. read outlook-profiles.reg and summarise it: format, encoding, keys and
     values, the Outlook profiles (keys ...\\Outlook\\Profiles\\NAME or
     ...\\Windows Messaging Subsystem\\Profiles\\NAME) with the number of
     keys below each, the DefaultProfile values, the installed products
     (keys ...\\Uninstall\\ID) with DisplayName and DisplayVersion;
  2. write it back unchanged and check the result is byte-identical;
  3. write it the way regedit does (olkit reg fmt --canonical) and check
     the keys and values are the same;
  4. point DefaultProfile at another profile in a copy (without a
     DefaultProfile: add a value) and show that only that line changed;
  5. open the example package olkit-sample.msi (built by wixl from
     examples/olkit-sample.wxs): its product identity, a SQL query (its
     HKLM registry rows, the Outlook add-in registration), the products
     installed-products.reg registers, and the upgrade check of the package
     against them (FindRelatedProducts), per machine and seeing every
     product;
  6. verify the update manifest manifest.xml against manifest.xml.minisig
     with the pinned key manifest.pub (made by
     examples/make-manifest-example.sh), show its key, serial and products,
     and refuse a copy with one byte changed; plan its updates for the
     machine of manifest-env.json with the products of
     manifest-installed.json (actions and reasons, in the order to apply
     them); check olkit-sample.msi against the manifest's entry with its
     ProductCode (if the manifest lists none, it is not checked) while
     streaming it in chunks (size and SHA-256), and refuse a copy with one
     byte changed;
  7. generate a small connector cache database of format 1 (koc-cache.db),
     show its status (olkit db status), upgrade it to format 2 (olkit db
     migrate), counting the progress reports, show the figures, its status
     after, and check it (olkit db check);
  8. list the profiles of koc-profiles.reg (a KOC profile with Exchange, a
     PST, IMAP and POP3 accounts), plan their conversion to KOFF with the
     server unreachable (olkit profile plan), convert (olkit profile
     convert) into koc-profiles-koff.reg and koc-profiles-undo.reg, count
     the lines kept byte for byte, and check that converting the result
     again changes nothing and says already KOFF;
  9. run the update check on the examples as olkit updates check does
     (manifest.xml verified with manifest.xml.minisig and manifest.pub, the
     products of installed-products.reg, the machine of manifest-env.json;
     nothing is fetched from the network) and show its list; for each of
     the example packages oxtender-sample.msi and olkit-sample.msi (built
     by wixl) whose ProductCode is an entry the check offers, download it
     from its local copy as olkit updates download does (into updates/
     downloads/, streamed through the size and SHA-256 check into a .part
     renamed once verified) and show the msiexec command line olkit
     updates install-command gives for it.
Example files missing from --examples DIR are taken from the copies built
into olkit. Exits with 1 if a check fails.

With --json, one JSON document:
  {\"workdir\": \"/tmp/...\", \"kept\": false, \"source\": null | \"DIR/outlook-profiles.reg\",
   \"summary\": {\"file\", \"bytes\", \"format\", \"encoding\", \"line_ending\", \"keys\",
     \"values\", \"deletions\",
     \"profiles\": [{\"name\", \"key\", \"subkeys\"}],
     \"default_profiles\": [{\"key\", \"value\"}],
     \"products\": [{\"key\", \"display_name\", \"display_version\"}]},
   \"round_trip\": {\"file\", \"bytes\", \"identical\"},
   \"canonical\": {\"file\", \"bytes\", \"identical_to_input\", \"same_values\"},
   \"edit\": {\"file\", \"key\", \"name\", \"old\", \"new\", \"first_changed_line\",
     \"lines_removed\", \"lines_added\", \"lines_unchanged\", \"reread\"},
   \"msi\": {\"package\": {\"file\", \"bytes\", \"source\"}, \"kind\", \"identity\" (as in
     olkit msi info --json), \"query\": {\"sql\", \"params\", \"columns\", \"rows\"},
     \"inventory\": {\"file\", \"bytes\", \"source\"}, \"installed\": [{\"product_code\",
     \"context\", \"state\", \"version\", \"name\"}], \"upgrade_per_machine\" and
     \"upgrade_all\": {\"scope\", \"verdict\", \"removed\", \"detected\", \"newer\",
     \"properties\"}},
   \"manifest\": {\"manifest\", \"signature\", \"key\": {\"file\", \"bytes\", \"source\"},
     \"key_id\", \"trusted_comment\", \"serial\", \"serial_to_store\", \"issued\",
     \"expires\", \"tampered\": {\"file\", \"offset\", \"place\", \"old\", \"new\",
     \"error\"}, \"products\" (as in olkit manifest check --json), \"installed\" and
     \"environment\": {\"file\", \"bytes\", \"source\"}, \"installed_products\",
     \"machine\" (the environment read), \"items\", \"order\" (as in olkit
     manifest plan --json), \"cache_upgrade\", \"package\": {\"file\", \"bytes\",
     \"source\", \"product_code\", \"check\": null | {\"product\", \"version\",
     \"chunk_size\", \"chunks\", \"verified_bytes\", \"strength\", \"sha256\",
     \"size_checked\", \"tampered\": {as above}}}},
   \"db\": {\"file\", \"generated\": {\"format\", \"folders\", \"messages\",
     \"attachments\", \"pending_changes\", \"bytes\"}, \"before\" and \"after\" (as
     olkit db status --json), \"progress\": {\"reports\", \"phases\",
     \"longest_gap_ms\"}, \"outcome\" (as olkit db migrate --json), \"check\" (as
     olkit db check --json)},
   \"profile\": {\"export\": {\"file\", \"bytes\", \"source\"}, \"before\" and \"after\":
     [{\"name\", \"is_default\", \"services\"}], \"server_version\", \"plan\" and
     \"again\" (as in olkit profile plan --json), \"converted\" and \"undo\":
     {\"file\", \"bytes\"}, \"lines_kept\", \"lines_removed\", \"lines_added\"},
   \"updates\": {\"manifest\", \"signature\", \"key\", \"installed\" and \"environment\":
     {\"file\", \"bytes\", \"source\"}, \"provenance\", \"installed_products\",
     \"updates\", \"not_offered\", \"cache_upgrade\" (as in olkit updates check
     --json), \"list\" (the lines olkit updates check prints), \"package\":
     {\"file\", \"bytes\", \"source\", \"product_code\", \"product\", \"version\",
     \"offered\", \"download\": null | {as a package of olkit updates download
     --json}, \"install\": null | {\"command_line\", \"argv\", \"dropped\"}}}}
\"lines_removed\" and \"lines_added\" are the changed lines as text; \"reread\"
is the value read back from the edited file.";

/// Runs the demo.
pub(crate) fn run(args: &DemoArgs) -> CliResult {
    let workdir = tempfile::Builder::new()
        .prefix("olkit-demo-")
        .tempdir()
        .map_err(|e| CliError::io(&std::env::temp_dir(), e))?;
    let (input, source) = match &args.examples {
        Some(dir) => {
            let path = dir.join(PROFILES_NAME);
            let bytes = fs::read(&path).map_err(|e| CliError::io(&path, e))?;
            (bytes, Some(output::path_text(&path)))
        }
        None => (PROFILES.to_vec(), None),
    };
    let report = steps(workdir.path(), &input, source, args.examples.as_deref())?;
    let report = Report {
        kept: args.keep,
        ..report
    };
    if args.keep {
        let _ = workdir.keep();
    }
    let mut out = output::stdout();
    if args.json {
        return output::write_json(&mut out, &report);
    }
    print(&mut out, &report)?;
    out.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct Report {
    workdir: String,
    kept: bool,
    source: Option<String>,
    summary: Summary,
    round_trip: RoundTrip,
    canonical: Canonical,
    edit: Edit,
    msi: crate::msi::DemoMsi,
    manifest: crate::manifest::DemoManifest,
    db: crate::db::DemoDb,
    profile: crate::profile::DemoProfile,
    updates: crate::updates::demo::DemoUpdates,
}

#[derive(Serialize)]
struct Summary {
    file: String,
    bytes: usize,
    format: olkit_regfile::Format,
    encoding: Encoding,
    line_ending: LineEnding,
    keys: usize,
    values: usize,
    deletions: usize,
    profiles: Vec<Profile>,
    default_profiles: Vec<DefaultProfile>,
    products: Vec<Product>,
}

#[derive(Serialize)]
struct Profile {
    name: String,
    key: String,
    subkeys: usize,
}

#[derive(Serialize)]
struct DefaultProfile {
    key: String,
    value: String,
}

#[derive(Serialize)]
struct Product {
    key: String,
    display_name: Option<String>,
    display_version: Option<String>,
}

#[derive(Serialize)]
struct RoundTrip {
    file: String,
    bytes: usize,
    identical: bool,
}

#[derive(Serialize)]
struct Canonical {
    file: String,
    bytes: usize,
    identical_to_input: bool,
    same_values: bool,
}

#[derive(Serialize)]
struct Edit {
    file: String,
    key: String,
    name: String,
    old: Option<String>,
    new: String,
    first_changed_line: usize,
    lines_removed: Vec<String>,
    lines_added: Vec<String>,
    lines_unchanged: usize,
    reread: Option<String>,
}

fn steps(
    dir: &Path,
    input: &[u8],
    source: Option<String>,
    examples: Option<&Path>,
) -> Result<Report, CliError> {
    // 1. Copy the example into the work directory and read it.
    let path = dir.join(PROFILES_NAME);
    fs::write(&path, input).map_err(|e| CliError::io(&path, e))?;
    let file = crate::reg::read(&path, false)?;
    let summary = summarise(&path, input.len(), &file);

    // 2. Write it back unchanged.
    let round_path = dir.join("roundtrip.reg");
    file.save(&round_path)
        .map_err(|e| CliError::reg(&round_path, e))?;
    let round = fs::read(&round_path).map_err(|e| CliError::io(&round_path, e))?;
    let round_trip = RoundTrip {
        file: output::path_text(&round_path),
        bytes: round.len(),
        identical: round == input,
    };
    if !round_trip.identical {
        return Err(CliError::Demo(format!(
            "{} is not byte-identical to {}",
            round_path.display(),
            path.display()
        )));
    }

    // 3. Write it the way regedit does, read that back, compare the data.
    let canonical_path = dir.join("canonical.reg");
    let canonical_bytes = file
        .to_canonical_bytes()
        .map_err(|e| CliError::reg(&path, e))?;
    file.save_canonical(&canonical_path)
        .map_err(|e| CliError::reg(&canonical_path, e))?;
    let reread = crate::reg::read(&canonical_path, false)?;
    let canonical = Canonical {
        file: output::path_text(&canonical_path),
        bytes: canonical_bytes.len(),
        identical_to_input: canonical_bytes == input,
        same_values: records(&reread) == records(&file),
    };
    if !canonical.same_values {
        return Err(CliError::Demo(format!(
            "{} does not hold the keys and values of {}",
            canonical_path.display(),
            path.display()
        )));
    }

    // 4. Change one value in a copy and compare the lines.
    let edit = edit(dir, &file, &summary)?;

    // 5. The example package, a query, and its upgrade check.
    let msi = crate::msi::demo_step(dir, examples)?;

    // 6. The signed update manifest, a plan, and the package against it.
    let manifest = crate::manifest::demo_step(dir, examples)?;

    // 7. A generated connector cache: status, upgrade, check.
    let db = crate::db::demo_step(dir)?;

    // 8. The example KOC profile: list, plan, convert, convert again.
    let profile = crate::profile::demo_step(dir, examples)?;

    // 9. The update check on the examples: list, download, install command.
    let updates = crate::updates::demo::demo_step(dir, examples)?;
    Ok(Report {
        workdir: output::path_text(dir),
        kept: false,
        source,
        summary,
        round_trip,
        canonical,
        edit,
        msi,
        manifest,
        db,
        profile,
        updates,
    })
}

fn summarise(path: &Path, bytes: usize, file: &RegFile) -> Summary {
    let mut values = 0;
    let mut deletions = 0;
    for key in file.keys() {
        deletions += usize::from(key.is_deletion());
        for entry in key.entries() {
            match entry {
                Entry::Set { .. } => values += 1,
                Entry::Delete { .. } => deletions += 1,
            }
        }
    }
    Summary {
        file: output::path_text(path),
        bytes,
        format: file.format(),
        encoding: file.encoding(),
        line_ending: file.line_ending(),
        keys: file.key_count(),
        values,
        deletions,
        profiles: profiles(file),
        default_profiles: default_profiles(file),
        products: products(file),
    }
}

/// The distinct key paths that are not deletions, in file order.
fn live_keys(file: &RegFile) -> Vec<&str> {
    let mut seen = HashSet::new();
    file.keys()
        .filter(|k| !k.is_deletion())
        .map(|k| k.path())
        .filter(|p| seen.insert(p.to_uppercase()))
        .collect()
}

/// Whether the components before index `i` end a profiles container:
/// `...\Outlook\Profiles` (Outlook 2013 and later) or `...\Windows
/// Messaging Subsystem\Profiles` (earlier versions).
fn is_profiles_container(parts: &[&str], i: usize) -> bool {
    let at = |j: usize| parts.get(j).copied().unwrap_or_default();
    at(i).eq_ignore_ascii_case("Profiles")
        && i > 0
        && (at(i - 1).eq_ignore_ascii_case("Outlook")
            || at(i - 1).eq_ignore_ascii_case("Windows Messaging Subsystem"))
}

fn profiles(file: &RegFile) -> Vec<Profile> {
    let mut found: Vec<Profile> = Vec::new();
    for path in live_keys(file) {
        let parts: Vec<&str> = path.split('\\').collect();
        let Some(i) = (0..parts.len()).find(|&i| is_profiles_container(&parts, i)) else {
            continue;
        };
        let Some(name) = parts.get(i + 1) else {
            continue;
        };
        let key = parts.get(..i + 2).unwrap_or_default().join("\\");
        let below = parts.len() > i + 2;
        match found.iter_mut().find(|p| p.key.eq_ignore_ascii_case(&key)) {
            Some(profile) => profile.subkeys += usize::from(below),
            None => found.push(Profile {
                name: (*name).to_string(),
                key,
                subkeys: usize::from(below),
            }),
        }
    }
    found
}

fn default_profiles(file: &RegFile) -> Vec<DefaultProfile> {
    live_keys(file)
        .into_iter()
        .filter_map(|key| {
            let value = file.get(key, "DefaultProfile")?;
            Some(DefaultProfile {
                key: key.to_string(),
                value: text(value),
            })
        })
        .collect()
}

fn products(file: &RegFile) -> Vec<Product> {
    live_keys(file)
        .into_iter()
        .filter(|key| {
            let mut parts = key.rsplit('\\');
            parts.next().is_some()
                && parts
                    .next()
                    .is_some_and(|p| p.eq_ignore_ascii_case("Uninstall"))
        })
        .map(|key| Product {
            key: key.to_string(),
            display_name: file.get(key, "DisplayName").map(text),
            display_version: file.get(key, "DisplayVersion").map(text),
        })
        .collect()
}

/// A value as text: the string of a string value, else `TYPE:hex`.
fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|_| format!("{}:{}", value.ty(), output::Hex(value.data())))
}

/// A key line: its path, whether it is a deletion, and its entries (name,
/// and value or `None` for a deletion).
type KeyRecord = (String, bool, Vec<(String, Option<Value>)>);

/// What importing a file would do, line numbers aside.
fn records(file: &RegFile) -> Vec<KeyRecord> {
    file.keys()
        .map(|k| {
            let entries = k
                .entries()
                .map(|e| (e.name().to_string(), e.value().cloned()))
                .collect();
            (k.path().to_string(), k.is_deletion(), entries)
        })
        .collect()
}

fn edit(dir: &Path, file: &RegFile, summary: &Summary) -> Result<Edit, CliError> {
    // Point DefaultProfile at another profile; without one, add a value.
    let (key, name, old, new) = match summary.default_profiles.first() {
        Some(current) => {
            let other = summary
                .profiles
                .iter()
                .map(|p| p.name.as_str())
                .find(|n| !n.eq_ignore_ascii_case(&current.value))
                .map_or_else(|| format!("{} (olkit demo)", current.value), str::to_string);
            (
                current.key.clone(),
                "DefaultProfile".to_string(),
                Some(current.value.clone()),
                other,
            )
        }
        None => {
            let key = live_keys(file).first().map_or_else(
                || "HKEY_CURRENT_USER\\Software\\olkit".to_string(),
                |k| (*k).to_string(),
            );
            (
                key,
                "olkit demo".to_string(),
                None,
                "edited by olkit demo".to_string(),
            )
        }
    };
    let edited_path = dir.join("edited.reg");
    let mut edited = file.clone();
    edited
        .set_value(&key, &name, Value::string(&new))
        .map_err(CliError::Edit)?;
    edited
        .save(&edited_path)
        .map_err(|e| CliError::reg(&edited_path, e))?;

    let before = file.to_bytes();
    let after = fs::read(&edited_path).map_err(|e| CliError::io(&edited_path, e))?;
    let encoding = file.encoding();
    let (a, b) = (
        split_lines(&before, encoding),
        split_lines(&after, encoding),
    );
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    let middle = |lines: &[&[u8]]| -> Vec<String> {
        lines
            .get(prefix..lines.len() - suffix)
            .unwrap_or_default()
            .iter()
            .map(|l| decode(l, encoding))
            .collect()
    };
    let reread = crate::reg::read(&edited_path, false)?;
    Ok(Edit {
        file: output::path_text(&edited_path),
        key: key.clone(),
        name: name.clone(),
        old,
        new,
        first_changed_line: prefix + 1,
        lines_removed: middle(&a),
        lines_added: middle(&b),
        lines_unchanged: prefix + suffix,
        reread: reread.get(&key, &name).map(text),
    })
}

/// The lines of a file, each with its line break, split on CRLF, LF or CR
/// in code units of the file's encoding.
pub(crate) fn split_lines(bytes: &[u8], encoding: Encoding) -> Vec<&[u8]> {
    let unit = if encoding == Encoding::Utf16Le { 2 } else { 1 };
    let is = |at: usize, c: u8| match bytes.get(at..at + unit) {
        Some([b]) => *b == c,
        Some([lo, hi]) => *lo == c && *hi == 0,
        _ => false,
    };
    let mut lines = Vec::new();
    let (mut start, mut at) = (0, 0);
    while at < bytes.len() {
        let end = if is(at, b'\n') {
            Some(at + unit)
        } else if is(at, b'\r') {
            Some(if is(at + unit, b'\n') {
                at + 2 * unit
            } else {
                at + unit
            })
        } else {
            None
        };
        match end {
            Some(end) => {
                lines.push(bytes.get(start..end).unwrap_or_default());
                start = end;
                at = end;
            }
            None => at += unit,
        }
    }
    if start < bytes.len() {
        lines.push(bytes.get(start..).unwrap_or_default());
    }
    lines
}

/// A line as text for display, without its line break and byte order mark.
fn decode(line: &[u8], encoding: Encoding) -> String {
    encoding
        .decode_lossy(line)
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['\r', '\n'])
        .to_string()
}

fn print(out: &mut impl Write, r: &Report) -> CliResult {
    let s = &r.summary;
    let removal = if r.kept { "kept" } else { "removed at the end" };
    writeln!(out, "olkit demo: working in {} ({removal})", r.workdir)?;
    let from = r.source.as_deref().unwrap_or("the copy built into olkit");
    writeln!(
        out,
        "\n1. Read {PROFILES_NAME} (from {from}, {} bytes)",
        s.bytes
    )?;
    writeln!(
        out,
        "   {}, {}, {} line breaks",
        s.format.header(),
        s.encoding.name(),
        s.line_ending.name()
    )?;
    writeln!(
        out,
        "   {}, {}, {}",
        plural(s.keys, "key", "keys"),
        plural(s.values, "value", "values"),
        plural(s.deletions, "deletion", "deletions")
    )?;
    if s.profiles.is_empty() {
        writeln!(out, "   Outlook profiles: none")?;
    } else {
        writeln!(out, "   Outlook profiles:")?;
        let width = s
            .profiles
            .iter()
            .map(|p| p.name.chars().count())
            .max()
            .unwrap_or(0);
        for p in &s.profiles {
            writeln!(
                out,
                "     {:width$}  {}",
                p.name,
                plural(p.subkeys, "subkey", "subkeys")
            )?;
        }
    }
    if s.default_profiles.is_empty() {
        writeln!(out, "   DefaultProfile: not set")?;
    }
    for d in &s.default_profiles {
        writeln!(out, "   DefaultProfile = {:?}  ({})", d.value, d.key)?;
    }
    if s.products.is_empty() {
        writeln!(out, "   Installed products: none")?;
    } else {
        writeln!(out, "   Installed products:")?;
        for p in &s.products {
            let subkey = p.key.rsplit('\\').next().unwrap_or_default();
            writeln!(
                out,
                "     {}  {}  {subkey}",
                p.display_name.as_deref().unwrap_or("(no DisplayName)"),
                p.display_version
                    .as_deref()
                    .unwrap_or("(no DisplayVersion)"),
            )?;
        }
    }

    let rt = &r.round_trip;
    writeln!(
        out,
        "\n2. Round trip: wrote it back unchanged to {}: {} bytes, byte-identical",
        file_name(&rt.file),
        rt.bytes
    )?;

    let c = &r.canonical;
    let same = if c.identical_to_input {
        "identical to the input, which is laid out as regedit lays it out"
    } else {
        "differs from the input in layout only"
    };
    writeln!(
        out,
        "\n3. Canonical form: wrote it as regedit would to {}: {} bytes, {same}; read back, same keys and values",
        file_name(&c.file),
        c.bytes
    )?;

    let e = &r.edit;
    let old = e
        .old
        .as_deref()
        .map_or_else(|| "(not set)".to_string(), |o| format!("{o:?}"));
    writeln!(
        out,
        "\n4. Edit: set {:?} under {} from {old} to {:?} in {}",
        e.name,
        e.key,
        e.new,
        file_name(&e.file)
    )?;
    writeln!(
        out,
        "   {} removed and {} added at line {}; the other {} byte-identical:",
        plural(e.lines_removed.len(), "line", "lines"),
        plural(e.lines_added.len(), "line", "lines"),
        e.first_changed_line,
        plural(e.lines_unchanged, "line is", "lines are"),
    )?;
    for line in &e.lines_removed {
        writeln!(out, "     - {line}")?;
    }
    for line in &e.lines_added {
        writeln!(out, "     + {line}")?;
    }
    writeln!(
        out,
        "   read back: {} = {}",
        e.name,
        e.reread
            .as_deref()
            .map_or_else(|| "(missing)".to_string(), |v| format!("{v:?}"))
    )?;

    crate::msi::demo_print(out, 5, &r.msi)?;
    crate::manifest::demo_print(out, 6, &r.manifest)?;
    crate::db::demo_print(out, 7, &r.db)?;
    crate::profile::demo_print(out, 8, &r.profile)?;
    crate::updates::demo::demo_print(out, 9, &r.updates)?;

    let manifest = if r.manifest.package_checked() {
        "verified manifest.xml with its pinned key, planned its updates for manifest-env.json and checked olkit-sample.msi against it, refusing a copy of each with one byte changed"
    } else {
        "verified manifest.xml with its pinned key, refusing a copy with one byte changed, and planned its updates for manifest-env.json"
    };
    let updates = match r.updates.downloaded().as_slice() {
        [] => "checked for updates against installed-products.reg".to_owned(),
        [name] => format!("checked for updates against installed-products.reg, downloaded and verified {name} and gave its msiexec command line"),
        names => format!(
            "checked for updates against installed-products.reg, downloaded and verified {} and gave their msiexec command lines",
            names.join(" and ")
        ),
    };
    writeln!(
        out,
        "\nDone: read, summarised, round-tripped, canonicalised and edited {PROFILES_NAME}; read and queried olkit-sample.msi and matched it against installed-products.reg; {manifest}; generated a format-1 connector cache and upgraded it to format 2; converted the KOC profile of koc-profiles.reg to KOFF with its undo file, and a second conversion changed nothing; {updates}; only the temporary copies were written."
    )?;
    Ok(())
}
