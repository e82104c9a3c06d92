//! `olkit db`: the connector's local cache databases (the KOC cache):
//! status, upgrade, check.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use olkit_dbmigrate::{
    check, detect_with, koc, migrate, CheckReport, Control, MigrateOptions, MigrationSet, Outcome,
    Phase, Progress, Scheduled, State, Status, TableRows, Verify,
};
use serde::Serialize;

use crate::output::{self, file_name, plural, CliError};

/// Exit code of `olkit db migrate`: not enough free space, the upgrade is
/// scheduled for the next start.
const EXIT_INSUFFICIENT_SPACE: u8 = 3;
/// Exit code of `olkit db migrate`: rebuilt, a full resynchronisation from
/// the server is needed.
const EXIT_REBUILT: u8 = 4;
/// Exit code of `olkit db migrate`: cancelled, the database is as it was.
const EXIT_CANCELLED: u8 = 5;

/// The verbs of `olkit db`.
#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// Say what a cache database is: up to date, needing an upgrade, newer,
    /// not a KOC cache, unreadable; its size and the space an upgrade needs.
    #[command(long_about = STATUS_LONG_ABOUT)]
    Status(StatusArgs),
    /// Upgrade a cache database to the newest format, out of place and
    /// crash-safe.
    #[command(long_about = MIGRATE_LONG_ABOUT)]
    Migrate(MigrateArgs),
    /// Check a cache database: SQLite's own check, foreign keys, the rules
    /// of its format.
    #[command(long_about = CHECK_LONG_ABOUT)]
    Check(CheckArgs),
}

const STATUS_LONG_ABOUT: &str = "\
Say what a Kerio Outlook Connector cache database is, without changing it
(read-only open): up to date, needs an upgrade from one format to another,
newer than this olkit knows, older than it can upgrade, not a KOC cache
(another application_id), or unreadable (and why). Also its size, the free
space an upgrade needs (twice the size, plus --margin), an upgrade scheduled
by an earlier run that lacked space (the marker: beside the database as
NAME.olkit-scheduled, or --marker FILE), and the temporary files an
interrupted migration left (the next migration removes them).

Exits with 0 whenever the file could be examined, whatever its state; 1 when
it cannot be read at all (missing, no permission).

With --json, one JSON document:
  {\"path\", \"state\": \"up_to_date\" | \"needs_upgrade\" | \"newer\" | \"too_old\" |
   \"not_ours\" | \"unreadable\", plus the state's figures (\"format\"; \"from\",
   \"to\"; \"found\", \"known\"; \"found\", \"oldest\"; \"application_id\";
   \"reason\"), \"size_bytes\", \"space_needed_bytes\", \"scheduled\": null |
   {\"marker\", \"needed_bytes\", \"available_bytes\", \"since_unix\"},
   \"leftovers\": [paths]}";

const MIGRATE_LONG_ABOUT: &str = "\
Upgrade a Kerio Outlook Connector cache database to the newest format.

The new database is built beside the old one, verified (quick_check, or
integrity_check with --full-check; foreign keys; row counts; the format's
rules), synced and renamed over the old one: the path always names one
complete database, so an interruption at any moment loses nothing and a
rerun finishes the job. A progress bar (phase, table, rows, bytes, time
left) goes to standard error when it is a terminal.

Outcomes and exit codes:
  0  up to date (nothing to do) or upgraded;
  3  not enough free space (twice the database size, plus --margin): nothing
     written but the scheduled marker, so the next start tries again;
  4  rebuilt: the database could not be upgraded (damaged, a failed step or
     verification), an empty database of the newest format took its place
     with the pending changes that could be read, the old file was kept
     aside (NAME.pre-rebuild), and a full resynchronisation from the server
     is needed;
  5  cancelled: the database is as it was;
  1  any other failure, the file untouched: missing, not a KOC cache,
     newer than this olkit knows, or being migrated by another process.
Interrupting olkit (Ctrl-C) ends it at once; the database is then either
the old one untouched or the new one complete, and a rerun finishes.

With --json, one JSON document (not for exit code 1, whose message goes to
standard error):
  {\"path\", \"outcome\": \"up_to_date\", \"format\"}
  {\"path\", \"outcome\": \"upgraded\", \"from\", \"to\", \"old_bytes\", \"new_bytes\",
   \"rows\", \"tables\": [{\"table\", \"rows\"}], \"elapsed_ms\"}
  {\"path\", \"outcome\": \"insufficient_space\", \"marker\", \"needed_bytes\",
   \"available_bytes\", \"since_unix\"}
  {\"path\", \"outcome\": \"rebuilt\", \"reason\", \"format\", \"set_aside\",
   \"salvaged\": [{\"table\", \"rows\"}], \"unreadable_rows\"}
  {\"path\", \"outcome\": \"cancelled\", \"phase\"}";

const CHECK_LONG_ABOUT: &str = "\
Check a Kerio Outlook Connector cache database read-only: SQLite's
quick_check (integrity_check with --full), foreign keys, and the rules of
its format (for format 2: every blob referenced, every blob's hash and size
right, ...). Prints the rows of each table, or every problem found.

Exits with 0 when the database is sound, 1 when a problem was found or the
file is not a readable KOC cache of a known format.

With --json, one JSON document:
  {\"path\", \"ok\": true | false, \"level\": \"quick\" | \"full\", \"state\": {\"state\",
   ...as in olkit db status}, \"problems\": [text], \"tables\": [{\"table\", \"rows\"}]}";

/// Where the scheduled marker lives and how much room to demand: shared
/// by `olkit db status` and `olkit db migrate`.
#[derive(Debug, Args)]
pub(crate) struct SpaceArgs {
    /// The scheduled-upgrade marker (default: beside the database,
    /// NAME.olkit-scheduled).
    #[arg(long, value_name = "FILE")]
    marker: Option<PathBuf>,
    /// Free space demanded beyond twice the database size, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 0)]
    margin: u64,
}

/// Arguments of `olkit db status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The cache database.
    path: PathBuf,
    #[command(flatten)]
    space: SpaceArgs,
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// Arguments of `olkit db migrate`.
#[derive(Debug, Args)]
pub(crate) struct MigrateArgs {
    /// The cache database.
    path: PathBuf,
    #[command(flatten)]
    space: SpaceArgs,
    /// Verify the new database with integrity_check instead of quick_check.
    #[arg(long)]
    full_check: bool,
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// Arguments of `olkit db check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The cache database.
    path: PathBuf,
    /// integrity_check (also every index against its table) instead of
    /// quick_check.
    #[arg(long)]
    full: bool,
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// Why an `olkit db` verb failed: exit code 1 either way.
enum Failure {
    Cli(CliError),
    Db(olkit_dbmigrate::Error),
}

impl Failure {
    fn report(&self) -> ExitCode {
        match self {
            Failure::Cli(e) => e.report(),
            Failure::Db(e) => {
                // The library's messages name the file already.
                output::message(&e.to_string());
                ExitCode::from(1)
            }
        }
    }
}

impl From<CliError> for Failure {
    fn from(e: CliError) -> Failure {
        Failure::Cli(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Cli(CliError::from(e))
    }
}

impl From<olkit_dbmigrate::Error> for Failure {
    fn from(e: olkit_dbmigrate::Error) -> Failure {
        Failure::Db(e)
    }
}

/// Runs an `olkit db` verb; it chooses its own exit code (3, 4 and 5 are
/// outcomes of `migrate`).
pub(crate) fn run(command: DbCommand) -> ExitCode {
    let result = match command {
        DbCommand::Status(args) => status(&args),
        DbCommand::Migrate(args) => migrate_verb(&args),
        DbCommand::Check(args) => check_verb(&args),
    };
    result.unwrap_or_else(|failure| failure.report())
}

fn options(space: &SpaceArgs, verify: Verify) -> MigrateOptions<'static> {
    MigrateOptions {
        scheduled_marker: space.marker.clone(),
        space_margin: space.margin,
        verify,
        ..MigrateOptions::default()
    }
}

fn status(args: &StatusArgs) -> Result<ExitCode, Failure> {
    let set = koc::migration_set();
    let options = options(&args.space, Verify::Quick);
    let status = detect_with(&args.path, &set, &options)?;
    let mut out = output::stdout();
    if args.json {
        output::write_json(&mut out, &status)?;
        return Ok(ExitCode::SUCCESS);
    }
    print_status(&mut out, &set, &status)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn print_status(out: &mut impl Write, set: &MigrationSet, s: &Status) -> io::Result<()> {
    writeln!(
        out,
        "{}: {}",
        s.path.display(),
        describe_state(set, &s.state)
    )?;
    writeln!(
        out,
        "  size {}; an upgrade needs {} free",
        megabytes_and_bytes(s.size_bytes),
        megabytes_and_bytes(s.space_needed_bytes)
    )?;
    match &s.scheduled {
        Some(scheduled) => writeln!(out, "  scheduled: {}", describe_scheduled(scheduled))?,
        None => writeln!(out, "  scheduled: no")?,
    }
    if s.leftovers.is_empty() {
        writeln!(out, "  leftovers of an interrupted migration: none")?;
    } else {
        writeln!(
            out,
            "  leftovers of an interrupted migration (the next migration removes them):"
        )?;
        for leftover in &s.leftovers {
            writeln!(out, "    {}", leftover.display())?;
        }
    }
    Ok(())
}

/// A state in words.
fn describe_state(set: &MigrationSet, state: &State) -> String {
    match state {
        State::UpToDate { format } => format!("up to date (format {format})"),
        State::NeedsUpgrade { from, to } => {
            format!("needs an upgrade from format {from} to {to}")
        }
        State::Newer { found, known } => format!(
            "format {found}, newer than this olkit knows ({known}): left alone"
        ),
        State::TooOld { found, oldest } => format!(
            "format {found}, older than the oldest this olkit upgrades ({oldest}): migrating rebuilds it"
        ),
        State::NotOurs { application_id } => format!(
            "not a KOC cache database (application_id {application_id:#010x}, expected {:#010x})",
            set.application_id()
        ),
        State::Unreadable { reason } => format!("unreadable: {reason}"),
        other => format!("{other:?}"),
    }
}

fn describe_scheduled(s: &Scheduled) -> String {
    format!(
        "an upgrade is due since {}: it needed {}, {} was available (marker {})",
        utc_time(s.since_unix),
        megabytes(s.needed_bytes),
        megabytes(s.available_bytes),
        s.marker.display()
    )
}

/// Megabytes (10^6 bytes) with one decimal.
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn megabytes_and_bytes(bytes: u64) -> String {
    format!("{} ({bytes} bytes)", megabytes(bytes))
}

/// Seconds since 1970 as an RFC 3339 UTC time (`2026-11-21T09:30:00Z`).
fn utc_time(unix: u64) -> String {
    i64::try_from(unix)
        .ok()
        .and_then(olkit_manifest::Timestamp::from_unix_seconds)
        .map_or_else(|| format!("{unix} s after 1970"), |t| t.to_string())
}

/// `--full` / `--full-check`: integrity_check and every rule instead of
/// quick_check and the routine rules.
fn verify_level(full: bool) -> Verify {
    if full {
        Verify::Full
    } else {
        Verify::Quick
    }
}

/// `olkit db migrate --json`: the outcome and its figures, with the path.
#[derive(Serialize)]
struct MigrateJson<'a> {
    path: String,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

fn migrate_verb(args: &MigrateArgs) -> Result<ExitCode, Failure> {
    let set = koc::migration_set();
    let options = options(&args.space, verify_level(args.full_check));
    let bar = Bar::on_terminal();
    let result = migrate(&args.path, &set, &options, &mut |p| {
        bar.show(p);
        Control::Continue
    });
    bar.clear();
    let outcome = result?;
    let mut out = output::stdout();
    if args.json {
        let doc = MigrateJson {
            path: output::path_text(&args.path),
            outcome: &outcome,
        };
        output::write_json(&mut out, &doc)?;
    } else {
        print_outcome(&mut out, &args.path, &outcome)?;
        out.flush()?;
    }
    Ok(exit_code(&outcome))
}

/// The exit code of an outcome (see MIGRATE_LONG_ABOUT).
fn exit_code(outcome: &Outcome) -> ExitCode {
    match outcome {
        Outcome::UpToDate { .. } | Outcome::Upgraded(_) => ExitCode::SUCCESS,
        Outcome::InsufficientSpace(_) => ExitCode::from(EXIT_INSUFFICIENT_SPACE),
        Outcome::Rebuilt(_) => ExitCode::from(EXIT_REBUILT),
        Outcome::Cancelled { .. } => ExitCode::from(EXIT_CANCELLED),
        _ => ExitCode::from(1),
    }
}

fn print_outcome(out: &mut impl Write, path: &Path, outcome: &Outcome) -> io::Result<()> {
    let path = path.display();
    match outcome {
        Outcome::UpToDate { format } => {
            writeln!(out, "{path}: up to date (format {format}), nothing to do")
        }
        Outcome::Upgraded(u) => {
            writeln!(
                out,
                "{path}: upgraded from format {} to {} in {}: {} -> {}, {} rows copied",
                u.from,
                u.to,
                seconds(u.elapsed_ms),
                megabytes(u.old_bytes),
                megabytes(u.new_bytes),
                u.rows
            )?;
            writeln!(out, "  tables: {}", table_list(&u.tables))
        }
        Outcome::InsufficientSpace(s) => writeln!(
            out,
            "{path}: not enough free space to upgrade: {} needed, {} available; the upgrade is scheduled for the next start (marker {})",
            megabytes(s.needed_bytes),
            megabytes(s.available_bytes),
            s.marker.display()
        ),
        Outcome::Rebuilt(r) => {
            writeln!(
                out,
                "{path}: could not be upgraded ({}); rebuilt as an empty format-{} database: a full resynchronisation from the server is needed",
                r.reason, r.format
            )?;
            let salvaged = if r.salvaged.is_empty() {
                "nothing salvaged".to_owned()
            } else {
                format!("salvaged {}", table_list(&r.salvaged))
            };
            let unreadable = if r.unreadable_rows > 0 {
                format!(", {} unreadable rows", r.unreadable_rows)
            } else {
                String::new()
            };
            writeln!(
                out,
                "  the old file was kept as {}; {salvaged}{unreadable}",
                r.set_aside.display()
            )
        }
        Outcome::Cancelled { phase } => writeln!(
            out,
            "{path}: cancelled during {}; the database is as it was",
            phase.as_str()
        ),
        other => writeln!(out, "{path}: {}", other.name()),
    }
}

/// `messages 300, blobs 250, ...`
fn table_list(tables: &[TableRows]) -> String {
    if tables.is_empty() {
        return "none".to_owned();
    }
    tables
        .iter()
        .map(|t| format!("{} {}", t.table, t.rows))
        .collect::<Vec<_>>()
        .join(", ")
}

fn seconds(ms: u64) -> String {
    format!("{:.2} s", ms as f64 / 1000.0)
}

/// The progress bar on standard error; nothing when it is not a terminal.
struct Bar(Option<ProgressBar>);

impl Bar {
    fn on_terminal() -> Bar {
        if !io::stderr().is_terminal() {
            return Bar(None);
        }
        let style = ProgressStyle::with_template(
            // The bar takes what the terminal width leaves: no wrapping.
            "{prefix:>9} [{wide_bar}] {pos}/{len} rows  {msg}  ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let bar =
            ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr()).with_style(style);
        Bar(Some(bar))
    }

    fn show(&self, p: &Progress<'_>) {
        let Some(bar) = &self.0 else {
            return;
        };
        bar.set_prefix(p.phase.as_str());
        bar.set_length(p.rows_total);
        bar.set_position(p.rows_done);
        let table = p.table.map(|t| format!("{t}  ")).unwrap_or_default();
        bar.set_message(format!(
            "{table}{:.1}/{}",
            p.bytes_done as f64 / 1e6,
            megabytes(p.bytes_total)
        ));
    }

    fn clear(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// `olkit db check --json`.
#[derive(Serialize)]
struct CheckJson<'a> {
    ok: bool,
    level: Verify,
    #[serde(flatten)]
    report: &'a CheckReport,
}

fn check_verb(args: &CheckArgs) -> Result<ExitCode, Failure> {
    let set = koc::migration_set();
    let level = verify_level(args.full);
    let report = check(&args.path, &set, level)?;
    let mut out = output::stdout();
    if args.json {
        let doc = CheckJson {
            ok: report.is_ok(),
            level,
            report: &report,
        };
        output::write_json(&mut out, &doc)?;
    } else {
        print_check(&mut out, &set, &report, level)?;
        out.flush()?;
    }
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn level_name(level: Verify) -> &'static str {
    match level {
        Verify::Quick => "quick_check",
        Verify::Full => "integrity_check",
    }
}

fn print_check(
    out: &mut impl Write,
    set: &MigrationSet,
    r: &CheckReport,
    level: Verify,
) -> io::Result<()> {
    let state = describe_state(set, &r.state);
    if r.is_ok() {
        writeln!(
            out,
            "{}: sound ({state}; {}, foreign keys, format rules)",
            r.path.display(),
            level_name(level)
        )?;
    } else {
        writeln!(
            out,
            "{}: {} ({state})",
            r.path.display(),
            plural(r.problems.len(), "problem", "problems")
        )?;
        for problem in &r.problems {
            writeln!(out, "  - {problem}")?;
        }
    }
    if !r.tables.is_empty() {
        writeln!(out, "  tables: {}", table_list(&r.tables))?;
    }
    Ok(())
}

// -- olkit demo

/// What `olkit demo` did with a generated connector cache.
#[derive(Serialize)]
pub(crate) struct DemoDb {
    file: String,
    generated: DemoSample,
    before: Status,
    progress: DemoProgress,
    outcome: Outcome,
    after: Status,
    check: CheckReport,
}

/// The sample database the demo generated.
#[derive(Serialize)]
struct DemoSample {
    format: u32,
    folders: u64,
    messages: u64,
    attachments: u64,
    pending_changes: u64,
    bytes: u64,
}

/// The progress reports of the demo's upgrade.
#[derive(Serialize)]
struct DemoProgress {
    reports: u64,
    /// The phases in the order they came.
    phases: Vec<Phase>,
    /// The longest time between two reports.
    longest_gap_ms: u64,
}

/// Step of `olkit demo`: generate a small format-1 connector cache in
/// `dir`, show its status, upgrade it and check the result.
pub(crate) fn demo_step(dir: &Path) -> Result<DemoDb, CliError> {
    let path = dir.join("koc-cache.db");
    let demo_error = |e: olkit_dbmigrate::Error| CliError::Demo(e.to_string());
    let stats = koc::Sample::small()
        .write_format1(&path)
        .map_err(demo_error)?;
    let set = koc::migration_set();
    let before = detect_with(&path, &set, &MigrateOptions::default()).map_err(demo_error)?;

    let mut progress = DemoProgress {
        reports: 0,
        phases: Vec::new(),
        longest_gap_ms: 0,
    };
    let mut last = Instant::now();
    let outcome = migrate(&path, &set, &MigrateOptions::default(), &mut |p| {
        let now = Instant::now();
        let gap = now.duration_since(last);
        last = now;
        progress.reports += 1;
        progress.longest_gap_ms = progress.longest_gap_ms.max(millis(gap));
        if progress.phases.last() != Some(&p.phase) {
            progress.phases.push(p.phase);
        }
        Control::Continue
    })
    .map_err(demo_error)?;
    if !matches!(outcome, Outcome::Upgraded(_)) {
        return Err(CliError::Demo(format!(
            "{}: the upgrade ended as {}, not upgraded",
            path.display(),
            outcome.name()
        )));
    }
    let after = detect_with(&path, &set, &MigrateOptions::default()).map_err(demo_error)?;
    let check = check(&path, &set, Verify::Quick).map_err(demo_error)?;
    if !check.is_ok() {
        return Err(CliError::Demo(format!(
            "{}: the upgraded database fails its check: {}",
            path.display(),
            check.problems.join("; ")
        )));
    }
    Ok(DemoDb {
        file: output::path_text(&path),
        generated: DemoSample {
            format: set.oldest_format(),
            folders: stats.folders.into(),
            messages: stats.messages,
            attachments: stats.attachments,
            pending_changes: stats.pending_changes.into(),
            bytes: stats.bytes,
        },
        before,
        progress,
        outcome,
        after,
        check,
    })
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Prints the demo step as step `number`.
pub(crate) fn demo_print(out: &mut impl Write, number: usize, d: &DemoDb) -> io::Result<()> {
    let set = koc::migration_set();
    let g = &d.generated;
    writeln!(
        out,
        "\n{number}. Connector cache {} (generated: format {}, {} folders, {} messages, {} attachments, {} pending changes, {})",
        file_name(&d.file),
        g.format,
        g.folders,
        g.messages,
        g.attachments,
        g.pending_changes,
        megabytes(g.bytes)
    )?;
    writeln!(
        out,
        "   db status: {}; {}, an upgrade needs {} free",
        describe_state(&set, &d.before.state),
        megabytes(d.before.size_bytes),
        megabytes(d.before.space_needed_bytes)
    )?;
    let phases: Vec<&str> = d.progress.phases.iter().map(|p| p.as_str()).collect();
    writeln!(
        out,
        "   db migrate: {} progress reports through {} (longest gap {} ms)",
        d.progress.reports,
        phases.join(", "),
        d.progress.longest_gap_ms
    )?;
    if let Outcome::Upgraded(u) = &d.outcome {
        writeln!(
            out,
            "   upgraded from format {} to {} in {}: {} -> {} (blobs stored once), {} rows copied",
            u.from,
            u.to,
            seconds(u.elapsed_ms),
            megabytes(u.old_bytes),
            megabytes(u.new_bytes),
            u.rows
        )?;
        writeln!(out, "   tables: {}", table_list(&u.tables))?;
    }
    writeln!(
        out,
        "   db status: {}",
        describe_state(&set, &d.after.state)
    )?;
    let verdict = if d.check.is_ok() {
        "sound (quick_check, foreign keys, format rules)".to_owned()
    } else {
        format!("{} problems", d.check.problems.len())
    };
    writeln!(out, "   db check: {verdict}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_time_is_rfc_3339() {
        assert_eq!(utc_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_time(951_868_799), "2000-02-29T23:59:59Z");
    }
}
