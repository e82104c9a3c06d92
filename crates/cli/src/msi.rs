//! `olkit msi`: Windows Installer packages (`.msi`, `.msm`, `.mst`, `.msp`)
//! and the installed-product inventory of a `.reg` export.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use olkit_msi_query::{
    Error as MsiError, Guid, InstalledProduct, Inventory, Package, PackageKind, Param,
    ProductIdentity, ProductVerdict, Relation, Scope, SummaryInfo, SummaryValue, UpgradeAction,
    UpgradeReport, Value,
};
use serde::Serialize;

use crate::demo::{load_example, DemoFile, INSTALLED_PRODUCTS_REG, OLKIT_SAMPLE_MSI};
use crate::output::{self, CliError, CliResult, Field};

/// The verbs of `olkit msi`.
#[derive(Debug, Subcommand)]
pub(crate) enum MsiCommand {
    /// Run a Windows Installer SQL query (SELECT) and print the rows.
    #[command(long_about = QUERY_LONG_ABOUT)]
    Query(QueryArgs),
    /// List the tables of a package with their row counts and columns.
    #[command(long_about = TABLES_LONG_ABOUT)]
    Tables(TablesArgs),
    /// Show a package's product identity and summary information.
    #[command(long_about = INFO_LONG_ABOUT)]
    Info(InfoArgs),
    /// Export a table as IDT text (as `msiinfo export`), or every table and
    /// stream (as `msidump`).
    #[command(long_about = EXPORT_LONG_ABOUT)]
    Export(ExportArgs),
    /// Tell which installed products a package would detect, upgrade or
    /// downgrade (FindRelatedProducts).
    #[command(long_about = UPGRADES_LONG_ABOUT)]
    Upgrades(UpgradesArgs),
    /// List the products a .reg export shows installed (MsiEnumProductsEx).
    #[command(long_about = INSTALLED_LONG_ABOUT)]
    Installed(InstalledArgs),
}

const QUERY_LONG_ABOUT: &str = "\
Run a Windows Installer SQL query (the SELECT dialect of MsiDatabaseOpenView,
with libmsi's results, row order and errors) and print the rows.

One row per line, fields separated by TAB: NULL is empty, integers are
decimal, a stream column is [stream]. Control characters inside values (tab,
line breaks) are shown as their Unicode control pictures (U+2400..U+241F) so
that every row stays one line; --json gives values exactly. --header prints
the column names first.

Each --param binds the next ? marker, in order, as a string (as
MsiRecordSetString does: an integer column reads it as a decimal number; the
empty string is NULL). Missing parameters are NULL.

  olkit msi query app.msi \"SELECT `Value` FROM `Property` WHERE `Property` = ?\" --param ProductVersion

With --json, one JSON document:
  {\"file\": \"app.msi\", \"sql\": \"SELECT ...\", \"params\": [\"ProductVersion\"],
   \"columns\": [{\"name\": \"Value\", \"type\": \"l0\", \"table\": \"Property\"}],
   \"rows\": [[\"1.2.3.4\"]]}
Values are null, numbers, strings, or {\"stream\": \"Binary.Logo\"} for a stream
(the name to extract it by). An invalid query exits with 1 and says where
(byte offset) and why.";

const TABLES_LONG_ABOUT: &str = "\
List the stored tables of a package in _Tables order, one per line:
NAME<TAB>ROWS<TAB>COLUMNS, where COLUMNS lists name:type for each column
(IDT types: s72, L0, i2, I4, V0; upper case accepts NULL), a * after the
type marking the primary key columns.

With --json: {\"file\": \"app.msi\", \"tables\": [{\"name\": \"Property\", \"rows\": 9,
  \"columns\": [{\"name\": \"Property\", \"type\": \"s72\", \"key\": true,
  \"nullable\": false, \"localizable\": false, \"stream\": false}]}]}";

const INFO_LONG_ABOUT: &str = "\
Show a package's product identity (ProductCode, ProductVersion, UpgradeCode,
ProductName, Manufacturer, ProductLanguage, package code, architecture and
languages of the Template, minimum installer version) and every summary
information property, one \"Name: value\" line each (absent values are left
out; dates are UTC).

With --json: {\"file\", \"kind\": \"database\" | \"merge-module\" | \"transform\" |
  \"patch\", \"codepage\": 1252, \"identity\": {\"product_code\", \"product_version\",
  \"upgrade_code\", \"product_name\", \"manufacturer\", \"product_language\",
  \"package_code\", \"template\": {\"architecture\", \"languages\"},
  \"minimum_installer_version\"},
  \"summary\": [{\"id\": 2, \"name\": \"Title\", \"value\": \"Installation Database\"}]}
(absent identity values are null; summary values are strings or numbers).";

const EXPORT_LONG_ABOUT: &str = "\
Export a table as IDT text, byte for byte what `msiinfo export FILE TABLE`
writes: column names, column types, the table name and its key columns, then
one line per row, CR LF line ends, UTF-8 text whatever the code page, values
written as they are (no escaping). TABLE may also be _SummaryInformation,
_ForceCodepage, _Tables, _Columns, _Streams or _Storages.

A stream column is written as the stream's name (Binary.Logo), and the stream
itself to <Table>/<name> in the directory of the output file (of the current
directory when writing to standard output), as msiinfo does.

With --all DIR (created if missing), every table is written to DIR/<Table>.idt
(_SummaryInformation and _ForceCodepage included), the streams of stream
columns to DIR/<Table>/, and every stream of the package to DIR/_Streams/:
the tree `msidump -t -s` makes when run in DIR. A report goes to standard
error, or with --json to standard output:
  {\"file\", \"dir\", \"tables\": [\"DIR/Property.idt\", ...],
   \"table_streams\": 2, \"streams\": [\"DIR/_Streams/Binary.Logo\", ...]}";

const UPGRADES_LONG_ABOUT: &str = "\
Match a package against the products a .reg export shows installed, as
Windows Installer's FindRelatedProducts does (Upgrade table: UpgradeCode,
VersionMin/VersionMax and their inclusive bits, OnlyDetect, languages,
LanguagesExclusive), and say whether installing it would be maintenance of an
installed product, a downgrade, an upgrade or a new install.

Tab-separated records, one per line:
  package<TAB>PRODUCTCODE<TAB>VERSION<TAB>UPGRADECODE
  product<TAB>ACTION<TAB>RELATION<TAB>PRODUCTCODE<TAB>CONTEXT<TAB>VERSION<TAB>NAME
  property<TAB>NAME<TAB>VALUE
  verdict<TAB>maintenance | downgrade | upgrade | install
ACTION is remove (RemoveExistingProducts removes it), detect (OnlyDetect
rows only) or none; RELATION is same-product, newer-version, same-version,
older-version or unrelated. Only products that are related or detected are
listed, and only those --scope lets it see; `property` records are what
FindRelatedProducts sets.

--scope limits the products FindRelatedProducts sees: all (default), machine
(a per-machine install), user (a per-user install, any user) or user:SID.

With --json: {\"file\", \"inventory\", \"verdict\", \"report\": {\"product_code\",
  \"upgrade_code\", \"product_version\", \"rows\": [...], \"products\": [{\"product\",
  \"in_scope\", \"matches\", \"relation\", \"action\"}], \"action_properties\",
  \"maintenance\", \"downgrade\"}}";

const INSTALLED_LONG_ABOUT: &str = "\
List the products a .reg export of the Windows Installer keys shows
registered (HKLM\\SOFTWARE\\Classes\\Installer\\Products, ...\\UpgradeCodes,
...\\Installer\\UserData\\<SID>\\Products\\<packed>\\InstallProperties and the
per-user HKCU\\Software\\Microsoft\\Installer keys), as MsiEnumProductsEx
would for every user and context, one per line:
  PRODUCTCODE<TAB>CONTEXT<TAB>USER-SID<TAB>STATE<TAB>VERSION<TAB>NAME
CONTEXT is machine, user-managed or user-unmanaged; STATE installed,
advertised or absent; VERSION the DisplayVersion, else the Version DWORD.
--upgrade-code lists the products registered under that UpgradeCode
(MsiEnumRelatedProducts), --product one product code's registrations.
Registrations that could not be read are reported on standard error.

With --json: {\"file\", \"current_user_sid\", \"products\": [{\"product_code\",
  \"context\", \"user_sid\", \"state\", \"upgrade_codes\", \"product_name\",
  \"installed_product_name\", \"version\", \"version_string\", \"language\",
  \"package_code\", \"publisher\", \"install_date\", \"install_location\",
  \"install_source\", \"local_package\", \"package_name\", \"product_key\",
  \"install_properties_key\"}], \"warnings\": [{\"key\", \"line\", \"message\"}]}";

/// Arguments of `olkit msi query`.
#[derive(Debug, Args)]
pub(crate) struct QueryArgs {
    /// The package.
    file: PathBuf,
    /// The SELECT statement.
    sql: String,
    /// A value for the next ? marker (repeat for several, in order).
    #[arg(long = "param", value_name = "VALUE")]
    params: Vec<String>,
    /// Print the column names as the first line.
    #[arg(long, conflicts_with = "json")]
    header: bool,
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// Arguments of `olkit msi tables`.
#[derive(Debug, Args)]
pub(crate) struct TablesArgs {
    /// The package.
    file: PathBuf,
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// Arguments of `olkit msi info`.
#[derive(Debug, Args)]
pub(crate) struct InfoArgs {
    /// The package.
    file: PathBuf,
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// Arguments of `olkit msi export`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["table", "all"]))]
pub(crate) struct ExportArgs {
    /// The package.
    file: PathBuf,
    /// The table to export.
    table: Option<String>,
    /// Write the IDT text to this file instead of standard output.
    #[arg(short, long, value_name = "PATH", conflicts_with = "all")]
    output: Option<PathBuf>,
    /// Export every table and stream into this directory.
    #[arg(long, value_name = "DIR")]
    all: Option<PathBuf>,
    /// With --all, print the report as JSON on standard output.
    #[arg(long, requires = "all")]
    json: bool,
}

/// Which installed products FindRelatedProducts sees.
#[derive(Debug, Clone)]
pub(crate) struct ScopeArg(Scope);

fn parse_scope(text: &str) -> Result<ScopeArg, String> {
    Ok(ScopeArg(match text {
        "all" => Scope::All,
        "machine" => Scope::PerMachine,
        "user" => Scope::PerUser(None),
        _ => match text.strip_prefix("user:") {
            Some(sid) if !sid.is_empty() => Scope::PerUser(Some(sid.to_owned())),
            _ => return Err("expected all, machine, user or user:SID".to_owned()),
        },
    }))
}

/// Arguments of `olkit msi upgrades`.
#[derive(Debug, Args)]
pub(crate) struct UpgradesArgs {
    /// The package.
    package: PathBuf,
    /// The .reg export of the machine's Windows Installer keys.
    #[arg(long, value_name = "FILE.reg")]
    inventory: PathBuf,
    /// The products FindRelatedProducts sees: all, machine, user, user:SID.
    #[arg(long, value_name = "SCOPE", default_value = "all", value_parser = parse_scope)]
    scope: ScopeArg,
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// Installation context filter of `olkit msi installed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ContextArg {
    Machine,
    UserManaged,
    UserUnmanaged,
}

/// Arguments of `olkit msi installed`.
#[derive(Debug, Args)]
pub(crate) struct InstalledArgs {
    /// The .reg export of the machine's Windows Installer keys.
    file: PathBuf,
    /// Only the products registered under this UpgradeCode.
    #[arg(long, value_name = "GUID")]
    upgrade_code: Option<String>,
    /// Only this product code.
    #[arg(long, value_name = "GUID")]
    product: Option<String>,
    /// Only this installation context.
    #[arg(long, value_enum)]
    context: Option<ContextArg>,
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// Runs an `olkit msi` verb.
pub(crate) fn run(command: MsiCommand) -> CliResult {
    match command {
        MsiCommand::Query(args) => query(&args),
        MsiCommand::Tables(args) => tables(&args),
        MsiCommand::Info(args) => info(&args),
        MsiCommand::Export(args) => export(&args),
        MsiCommand::Upgrades(args) => upgrades(&args),
        MsiCommand::Installed(args) => installed(&args),
    }
}

/// A library error as a command error about `path`. The library's own I/O
/// errors name their file already.
pub(crate) fn msi_error(path: &Path, error: MsiError) -> CliError {
    match error {
        MsiError::Io { path, source } => CliError::io(&path, source),
        other => CliError::io(path, io::Error::other(other)),
    }
}

/// Opens a package.
pub(crate) fn open(path: &Path) -> Result<Package, CliError> {
    Package::open(path).map_err(|e| msi_error(path, e))
}

/// Reads the inventory of a .reg export, printing its warnings on stderr.
pub(crate) fn read_inventory(path: &Path) -> Result<Inventory, CliError> {
    let inventory = Inventory::read(path).map_err(|e| msi_error(path, e))?;
    for warning in inventory.warnings() {
        output::message(&format!("warning: {}: {warning}", path.display()));
    }
    Ok(inventory)
}

/// A SQL error with the query and a caret under the place it concerns.
fn sql_error(path: &Path, sql: &str, error: MsiError) -> CliError {
    let MsiError::Sql(sql_error) = &error else {
        return msi_error(path, error);
    };
    let offset = sql_error.offset.min(sql.len());
    let column = sql.get(..offset).map_or(0, |s| s.chars().count());
    let shown = Field(sql).to_string();
    let text = format!("{error}\n  {shown}\n  {}^", " ".repeat(column));
    CliError::io(path, io::Error::other(text))
}

/// `olkit msi query --json`.
#[derive(Serialize)]
struct QueryJson<'a> {
    file: String,
    sql: &'a str,
    params: &'a [String],
    columns: Vec<ColumnJson>,
    rows: Vec<Vec<FieldJson>>,
}

#[derive(Serialize)]
struct ColumnJson {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    table: Option<String>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum FieldJson {
    Null,
    Int(i32),
    Str(String),
    Stream { stream: Option<String> },
}

fn query(args: &QueryArgs) -> CliResult {
    let package = open(&args.file)?;
    let params: Vec<Param> = args
        .params
        .iter()
        .map(|p| Param::from(p.as_str()))
        .collect();
    let view = package
        .query_with(&args.sql, &params)
        .map_err(|e| sql_error(&args.file, &args.sql, e))?;
    let mut out = output::stdout();
    if args.json {
        let columns = view
            .columns()
            .iter()
            .map(|c| ColumnJson {
                name: c.name.clone(),
                ty: olkit_msi_query::idt_column_type(c.ty),
                table: c.table.clone(),
            })
            .collect();
        let rows = view
            .rows()
            .map(|row| {
                (0..row.len())
                    .map(|i| match row.get(i) {
                        None | Some(Value::Null) => FieldJson::Null,
                        Some(Value::Int(n)) => FieldJson::Int(n),
                        Some(Value::Str(s)) => FieldJson::Str(s.to_owned()),
                        Some(Value::Stream) => FieldJson::Stream {
                            stream: row.stream_name(i),
                        },
                    })
                    .collect()
            })
            .collect();
        let doc = QueryJson {
            file: output::path_text(&args.file),
            sql: &args.sql,
            params: &args.params,
            columns,
            rows,
        };
        return output::write_json(&mut out, &doc);
    }
    if args.header {
        let names: Vec<String> = view
            .columns()
            .iter()
            .map(|c| Field(&c.name).to_string())
            .collect();
        writeln!(out, "{}", names.join("\t"))?;
    }
    let mut line = String::new();
    for row in view.rows() {
        line.clear();
        for i in 0..row.len() {
            if i > 0 {
                line.push('\t');
            }
            match row.get(i) {
                None | Some(Value::Null) => {}
                Some(Value::Int(n)) => line.push_str(&n.to_string()),
                Some(Value::Str(s)) => line.push_str(&Field(s).to_string()),
                Some(Value::Stream) => line.push_str("[stream]"),
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct TablesJson {
    file: String,
    tables: Vec<TableJson>,
}

#[derive(Serialize)]
struct TableJson {
    name: String,
    rows: usize,
    columns: Vec<TableColumnJson>,
}

#[derive(Serialize)]
struct TableColumnJson {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    key: bool,
    nullable: bool,
    localizable: bool,
    stream: bool,
}

fn tables(args: &TablesArgs) -> CliResult {
    let package = open(&args.file)?;
    let error = |e| msi_error(&args.file, e);
    let mut tables = Vec::new();
    for name in package.table_names().map_err(error)? {
        let table = package.table(&name).map_err(error)?;
        let columns = table
            .columns()
            .iter()
            .map(|c| TableColumnJson {
                name: c.name.clone(),
                ty: olkit_msi_query::idt_column_type(c.ty),
                key: c.ty.is_key(),
                nullable: c.ty.is_nullable(),
                localizable: c.ty.is_localizable(),
                stream: c.ty.is_stream(),
            })
            .collect();
        tables.push(TableJson {
            name,
            rows: table.row_count(),
            columns,
        });
    }
    let mut out = output::stdout();
    if args.json {
        let doc = TablesJson {
            file: output::path_text(&args.file),
            tables,
        };
        return output::write_json(&mut out, &doc);
    }
    for table in &tables {
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|c| {
                let key = if c.key { "*" } else { "" };
                format!("{}:{}{key}", Field(&c.name), c.ty)
            })
            .collect();
        writeln!(
            out,
            "{}\t{}\t{}",
            Field(&table.name),
            table.rows,
            columns.join(" ")
        )?;
    }
    out.flush()?;
    Ok(())
}

/// The names Microsoft's documentation gives the summary properties.
fn summary_name(id: u32) -> &'static str {
    match id {
        1 => "Codepage",
        2 => "Title",
        3 => "Subject",
        4 => "Author",
        5 => "Keywords",
        6 => "Comments",
        7 => "Template",
        8 => "LastSavedBy",
        9 => "RevisionNumber",
        10 => "EditTime",
        11 => "LastPrinted",
        12 => "CreateTime",
        13 => "LastSaveTime",
        14 => "PageCount",
        15 => "WordCount",
        16 => "CharacterCount",
        17 => "Thumbnail",
        18 => "CreatingApplication",
        19 => "Security",
        _ => "Unknown",
    }
}

#[derive(Serialize)]
struct SummaryJson {
    id: u32,
    name: &'static str,
    value: SummaryValueJson,
}

#[derive(Serialize)]
#[serde(untagged)]
enum SummaryValueJson {
    Null,
    Int(i64),
    Str(String),
}

fn summary_json(summary: &SummaryInfo) -> Vec<SummaryJson> {
    summary
        .properties()
        .iter()
        .map(|(id, value)| SummaryJson {
            id: *id,
            name: summary_name(*id),
            value: match value {
                SummaryValue::Empty => SummaryValueJson::Null,
                // PID 1 is a code page, stored as a signed 16-bit value.
                SummaryValue::I2(v) if *id == 1 => SummaryValueJson::Int(i64::from(*v as u16)),
                SummaryValue::I2(v) => SummaryValueJson::Int(i64::from(*v)),
                SummaryValue::I4(v) => SummaryValueJson::Int(i64::from(*v)),
                SummaryValue::Str(s) => SummaryValueJson::Str(s.clone()),
                SummaryValue::FileTime(t) => SummaryValueJson::Str(t.to_iso8601()),
            },
        })
        .collect()
}

#[derive(Serialize)]
struct InfoJson {
    file: String,
    kind: &'static str,
    codepage: u32,
    identity: ProductIdentity,
    summary: Vec<SummaryJson>,
}

pub(crate) fn kind_name(kind: PackageKind) -> &'static str {
    match kind {
        PackageKind::Database => "database",
        PackageKind::MergeModule => "merge-module",
        PackageKind::Transform => "transform",
        PackageKind::Patch => "patch",
    }
}

/// The identity as `Name: value` lines (absent values left out).
pub(crate) fn identity_lines(identity: &ProductIdentity) -> Vec<(&'static str, String)> {
    let mut lines = Vec::new();
    let mut add = |name: &'static str, value: Option<String>| {
        if let Some(value) = value {
            lines.push((name, value));
        }
    };
    add("ProductCode", identity.product_code.map(|g| g.to_string()));
    add(
        "ProductVersion",
        identity.product_version.map(|v| v.to_string()),
    );
    add("UpgradeCode", identity.upgrade_code.map(|g| g.to_string()));
    add("ProductName", identity.product_name.clone());
    add("Manufacturer", identity.manufacturer.clone());
    add(
        "ProductLanguage",
        identity.product_language.map(|l| l.to_string()),
    );
    add("PackageCode", identity.package_code.map(|g| g.to_string()));
    add(
        "Architecture",
        identity.architecture().map(ToString::to_string),
    );
    if identity.template.is_some() {
        let languages: Vec<String> = identity.languages().iter().map(u16::to_string).collect();
        add("Languages", Some(languages.join(",")));
    }
    add(
        "MinimumInstallerVersion",
        identity.minimum_installer_version_string(),
    );
    lines
}

fn info(args: &InfoArgs) -> CliResult {
    let package = open(&args.file)?;
    let error = |e| msi_error(&args.file, e);
    let identity = package.identity().map_err(error)?;
    let summary = package.summary_info().map_err(error)?;
    let doc = InfoJson {
        file: output::path_text(&args.file),
        kind: kind_name(package.kind()),
        codepage: package.codepage(),
        identity,
        summary: summary_json(&summary),
    };
    let mut out = output::stdout();
    if args.json {
        return output::write_json(&mut out, &doc);
    }
    writeln!(out, "File: {}", Field(&doc.file))?;
    writeln!(out, "Kind: {}", doc.kind)?;
    writeln!(out, "Codepage: {}", doc.codepage)?;
    for (name, value) in identity_lines(&doc.identity) {
        writeln!(out, "{name}: {}", Field(&value))?;
    }
    writeln!(out, "Summary information:")?;
    for property in &doc.summary {
        let value = match &property.value {
            SummaryValueJson::Null => String::new(),
            SummaryValueJson::Int(n) => n.to_string(),
            SummaryValueJson::Str(s) => Field(s).to_string(),
        };
        writeln!(out, "  {} {}: {value}", property.id, property.name)?;
    }
    out.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct ExportJson {
    file: String,
    dir: String,
    tables: Vec<String>,
    table_streams: usize,
    streams: Vec<String>,
}

fn export(args: &ExportArgs) -> CliResult {
    let package = open(&args.file)?;
    if let Some(dir) = &args.all {
        fs::create_dir_all(dir).map_err(|e| CliError::io(dir, e))?;
        let report =
            olkit_msi_query::export_all(&package, dir).map_err(|e| msi_error(&args.file, e))?;
        let doc = ExportJson {
            file: output::path_text(&args.file),
            dir: output::path_text(dir),
            tables: report.tables.iter().map(|p| output::path_text(p)).collect(),
            table_streams: report.table_streams,
            streams: report
                .streams
                .iter()
                .map(|p| output::path_text(p))
                .collect(),
        };
        if args.json {
            return output::write_json(&mut output::stdout(), &doc);
        }
        output::message(&format!(
            "exported {} tables, {} stream-column files and {} streams to {}",
            doc.tables.len(),
            doc.table_streams,
            doc.streams.len(),
            dir.display()
        ));
        return Ok(());
    }
    let Some(table) = &args.table else {
        return Ok(());
    };
    let error = |e| msi_error(&args.file, e);
    match &args.output {
        None => {
            let mut out = output::stdout();
            let streams_dir = Path::new(".");
            olkit_msi_query::export_table_with_streams(&package, table, &mut out, streams_dir)
                .map_err(|e| stdout_error(&args.file, e))?;
            out.flush()?;
        }
        Some(target) => {
            let dir = match target.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            // Written next to the target and renamed over it: a failed
            // export leaves no half-written file.
            let mut temp =
                tempfile::NamedTempFile::new_in(dir).map_err(|e| CliError::io(dir, e))?;
            let mut out = io::BufWriter::new(temp.as_file_mut());
            olkit_msi_query::export_table_with_streams(&package, table, &mut out, dir)
                .map_err(error)?;
            out.flush().map_err(|e| CliError::io(target, e))?;
            drop(out);
            temp.persist(target)
                .map_err(|e| CliError::io(target, e.error))?;
        }
    }
    Ok(())
}

/// An export error while writing to standard output: a closed pipe is the
/// reader's choice, not a failure.
fn stdout_error(path: &Path, error: MsiError) -> CliError {
    match error {
        MsiError::Io { path: p, source } if p == Path::new("IDT output") => {
            CliError::Stdout(source)
        }
        other => msi_error(path, other),
    }
}

/// What installing the package amounts to.
pub(crate) fn verdict(report: &UpgradeReport) -> &'static str {
    if report.maintenance {
        "maintenance"
    } else if report.downgrade {
        "downgrade"
    } else if report.removed().next().is_some() {
        "upgrade"
    } else {
        "install"
    }
}

#[derive(Serialize)]
struct UpgradesJson<'a> {
    file: String,
    inventory: String,
    verdict: &'static str,
    report: ReportJson<'a>,
}

/// The library's report with each product's action added.
#[derive(Serialize)]
struct ReportJson<'a> {
    product_code: Option<Guid>,
    upgrade_code: Option<Guid>,
    product_version: Option<olkit_msi_query::ProductVersion>,
    rows: &'a [olkit_msi_query::UpgradeRow],
    products: Vec<VerdictJson<'a>>,
    action_properties: &'a [(String, String)],
    maintenance: bool,
    downgrade: bool,
}

#[derive(Serialize)]
struct VerdictJson<'a> {
    #[serde(flatten)]
    verdict: &'a ProductVerdict,
    action: &'static str,
}

/// Whether a product is worth a line in the text output.
pub(crate) fn is_related(verdict: &ProductVerdict) -> bool {
    verdict.relation != Relation::Unrelated || verdict.action() != UpgradeAction::None
}

/// The version to show for an installed product.
pub(crate) fn shown_version(product: &InstalledProduct) -> String {
    product
        .version_string
        .clone()
        .or_else(|| product.version.map(|v| v.to_string()))
        .unwrap_or_default()
}

fn upgrades(args: &UpgradesArgs) -> CliResult {
    let package = open(&args.package)?;
    let inventory = read_inventory(&args.inventory)?;
    let report = package
        .find_related_products(inventory.products(), &args.scope.0)
        .map_err(|e| msi_error(&args.package, e))?;
    let mut out = output::stdout();
    let verdict_text = verdict(&report);
    if args.json {
        let products = report
            .products
            .iter()
            .map(|verdict| VerdictJson {
                verdict,
                action: verdict.action().as_str(),
            })
            .collect();
        let doc = UpgradesJson {
            file: output::path_text(&args.package),
            inventory: output::path_text(&args.inventory),
            verdict: verdict_text,
            report: ReportJson {
                product_code: report.product_code,
                upgrade_code: report.upgrade_code,
                product_version: report.product_version,
                rows: &report.rows,
                products,
                action_properties: &report.action_properties,
                maintenance: report.maintenance,
                downgrade: report.downgrade,
            },
        };
        return output::write_json(&mut out, &doc);
    }
    let text = |g: Option<Guid>| g.map(|g| g.to_string()).unwrap_or_default();
    writeln!(
        out,
        "package\t{}\t{}\t{}",
        text(report.product_code),
        report
            .product_version
            .map(|v| v.to_string())
            .unwrap_or_default(),
        text(report.upgrade_code)
    )?;
    for product in report
        .products
        .iter()
        .filter(|v| v.in_scope && is_related(v))
    {
        writeln!(
            out,
            "product\t{}\t{}\t{}\t{}\t{}\t{}",
            product.action(),
            product.relation,
            product.product.product_code,
            product.product.context,
            Field(&shown_version(&product.product)),
            Field(product.product.display_name().unwrap_or(""))
        )?;
    }
    for (name, value) in &report.action_properties {
        writeln!(out, "property\t{}\t{}", Field(name), Field(value))?;
    }
    writeln!(out, "verdict\t{verdict_text}")?;
    out.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct InstalledJson<'a> {
    file: String,
    current_user_sid: Option<&'a str>,
    products: Vec<&'a InstalledProduct>,
    warnings: &'a [olkit_msi_query::InventoryWarning],
}

fn parse_guid(text: &str) -> Result<Guid, CliError> {
    Guid::parse(text).map_err(|e| CliError::io(Path::new(text), io::Error::other(e)))
}

fn installed(args: &InstalledArgs) -> CliResult {
    let inventory = read_inventory(&args.file)?;
    let upgrade_code = args.upgrade_code.as_deref().map(parse_guid).transpose()?;
    let product_code = args.product.as_deref().map(parse_guid).transpose()?;
    let context = args.context.map(|c| match c {
        ContextArg::Machine => olkit_msi_query::InstallContext::Machine,
        ContextArg::UserManaged => olkit_msi_query::InstallContext::UserManaged,
        ContextArg::UserUnmanaged => olkit_msi_query::InstallContext::UserUnmanaged,
    });
    let candidates: Vec<&InstalledProduct> = match &upgrade_code {
        Some(code) => inventory.related_products(code),
        None => inventory.products().iter().collect(),
    };
    let products: Vec<&InstalledProduct> = candidates
        .into_iter()
        .filter(|p| product_code.is_none_or(|c| p.product_code == c))
        .filter(|p| context.is_none_or(|c| p.context == c))
        .collect();
    let mut out = output::stdout();
    if args.json {
        let doc = InstalledJson {
            file: output::path_text(&args.file),
            current_user_sid: inventory.current_user_sid(),
            products,
            warnings: inventory.warnings(),
        };
        return output::write_json(&mut out, &doc);
    }
    for product in products {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}",
            product.product_code,
            product.context,
            Field(product.user_sid.as_deref().unwrap_or("")),
            product.state,
            Field(&shown_version(product)),
            Field(product.display_name().unwrap_or(""))
        )?;
    }
    out.flush()?;
    Ok(())
}

// -- the msi step of `olkit demo`

const DEMO_SQL: &str = "SELECT `Key`, `Name`, `Value` FROM `Registry` WHERE `Root` = ?";
/// `Root` 2 is HKEY_LOCAL_MACHINE.
const DEMO_PARAM: &str = "2";

/// What the msi step of the demo found.
#[derive(Serialize)]
pub(crate) struct DemoMsi {
    package: DemoFile,
    kind: &'static str,
    identity: ProductIdentity,
    query: DemoQuery,
    inventory: DemoFile,
    installed: Vec<DemoInstalled>,
    /// The upgrade check as a per-machine install sees it.
    upgrade_per_machine: DemoUpgrade,
    /// The same check seeing every registered product.
    upgrade_all: DemoUpgrade,
}

#[derive(Serialize)]
struct DemoQuery {
    sql: &'static str,
    params: [&'static str; 1],
    columns: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
}

#[derive(Serialize)]
struct DemoInstalled {
    product_code: String,
    context: String,
    state: String,
    version: String,
    name: String,
}

#[derive(Serialize)]
struct DemoUpgrade {
    scope: &'static str,
    verdict: &'static str,
    removed: Vec<String>,
    detected: Vec<String>,
    newer: Vec<String>,
    properties: Vec<(String, String)>,
}

fn demo_upgrade(report: &UpgradeReport, scope: &'static str) -> DemoUpgrade {
    let describe = |v: &ProductVerdict| {
        format!(
            "{} {} ({}, {})",
            v.product.display_name().unwrap_or("(no name)"),
            shown_version(&v.product),
            v.product.context,
            v.product.product_code
        )
    };
    let in_scope = || report.products.iter().filter(|v| v.in_scope);
    DemoUpgrade {
        scope,
        verdict: verdict(report),
        removed: in_scope()
            .filter(|v| v.action() == UpgradeAction::Remove)
            .map(describe)
            .collect(),
        detected: in_scope()
            .filter(|v| v.action() == UpgradeAction::Detect)
            .map(describe)
            .collect(),
        newer: in_scope()
            .filter(|v| v.relation == Relation::NewerVersion)
            .map(describe)
            .collect(),
        properties: report.action_properties.clone(),
    }
}

/// The msi step of `olkit demo`: the example package's identity, a query,
/// the installed products of the example inventory and the upgrade check.
/// Files missing from `examples` are taken from the built-in copies.
pub(crate) fn demo_step(dir: &Path, examples: Option<&Path>) -> Result<DemoMsi, CliError> {
    let (path, _, package_file) = load_example(dir, examples, &OLKIT_SAMPLE_MSI)?;
    let package = open(&path)?;
    let error = |e| msi_error(&path, e);
    let identity = package.identity().map_err(error)?;

    let view = package
        .query_with(DEMO_SQL, &[Param::from(DEMO_PARAM)])
        .map_err(|e| sql_error(&path, DEMO_SQL, e))?;
    let rows = view
        .rows()
        .map(|row| {
            (0..row.len())
                .map(|i| match row.get(i) {
                    None | Some(Value::Null) => None,
                    Some(Value::Int(n)) => Some(n.to_string()),
                    Some(Value::Str(s)) => Some(s.to_owned()),
                    Some(Value::Stream) => Some("[stream]".to_owned()),
                })
                .collect()
        })
        .collect();
    let query = DemoQuery {
        sql: DEMO_SQL,
        params: [DEMO_PARAM],
        columns: view.columns().iter().map(|c| c.name.clone()).collect(),
        rows,
    };
    // The lazy property reading and the SQL engine must agree.
    let version = package
        .query("SELECT `Value` FROM `Property` WHERE `Property` = 'ProductVersion'")
        .map_err(error)?;
    let by_query = version.row(0).and_then(|r| match r.get(0) {
        Some(Value::Str(s)) => Some(s.to_owned()),
        _ => None,
    });
    if by_query != identity.product_version.map(|v| v.to_string()) {
        return Err(CliError::Demo(format!(
            "{}: ProductVersion by query {by_query:?} differs from the identity's",
            path.display()
        )));
    }

    let (reg_path, _, inventory_file) = load_example(dir, examples, &INSTALLED_PRODUCTS_REG)?;
    let inventory = read_inventory(&reg_path)?;
    let installed = inventory
        .products()
        .iter()
        .map(|p| DemoInstalled {
            product_code: p.product_code.to_string(),
            context: p.context.to_string(),
            state: p.state.to_string(),
            version: shown_version(p),
            name: p.display_name().unwrap_or("").to_owned(),
        })
        .collect();
    let check = |scope: &Scope| {
        package
            .find_related_products(inventory.products(), scope)
            .map_err(|e| msi_error(&path, e))
    };
    let upgrade_per_machine = demo_upgrade(&check(&Scope::PerMachine)?, "machine");
    let upgrade_all = demo_upgrade(&check(&Scope::All)?, "all");
    Ok(DemoMsi {
        package: package_file,
        kind: kind_name(package.kind()),
        identity,
        query,
        inventory: inventory_file,
        installed,
        upgrade_per_machine,
        upgrade_all,
    })
}

/// Prints the msi step of the demo as step `number`.
pub(crate) fn demo_print(out: &mut impl Write, number: usize, m: &DemoMsi) -> CliResult {
    let from = DemoFile::origin;
    writeln!(
        out,
        "\n{number}. Windows Installer package {} (from {}, {} bytes, a {})",
        OLKIT_SAMPLE_MSI.name,
        from(&m.package),
        m.package.bytes,
        m.kind
    )?;
    for (name, value) in identity_lines(&m.identity) {
        writeln!(out, "   {name}: {value}")?;
    }
    writeln!(out, "   query: {} (? = {})", m.query.sql, m.query.params[0])?;
    for row in &m.query.rows {
        let fields: Vec<&str> = row.iter().map(|f| f.as_deref().unwrap_or("")).collect();
        writeln!(out, "     {}", Field(&fields.join("  |  ")))?;
    }
    writeln!(
        out,
        "   {} (from {}): {} registered products",
        INSTALLED_PRODUCTS_REG.name,
        from(&m.inventory),
        m.installed.len()
    )?;
    for p in &m.installed {
        writeln!(
            out,
            "     {}  {}  {} {} ({})",
            p.product_code, p.state, p.name, p.version, p.context
        )?;
    }
    for u in [&m.upgrade_per_machine, &m.upgrade_all] {
        let seen = if u.scope == "machine" {
            "installed per machine (it sees per-machine products)"
        } else {
            "seeing every registered product"
        };
        writeln!(out, "   upgrade check, {seen}: {}", u.verdict)?;
        for (what, list) in [
            ("removes", &u.removed),
            ("detects", &u.detected),
            ("finds newer", &u.newer),
        ] {
            for product in list {
                writeln!(out, "     {what} {product}")?;
            }
        }
        for (name, value) in &u.properties {
            writeln!(out, "     sets {name} = {value}")?;
        }
    }
    Ok(())
}
