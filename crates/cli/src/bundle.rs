//! `olkit bundle extract`: an update bundle (zip), extracted all or nothing.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use olkit_manifest::{extract_bundle, BundleLimits};
use serde::Serialize;

use crate::output::{self, CliResult};
use crate::trust::manifest_error;

/// The verbs of `olkit bundle`.
#[derive(Debug, Subcommand)]
pub(crate) enum BundleCommand {
    /// Extract an update bundle (zip) into a new directory, all or nothing.
    #[command(long_about = EXTRACT_LONG_ABOUT)]
    Extract(ExtractArgs),
}

const EXTRACT_LONG_ABOUT: &str = "\
Extract an update bundle (zip) into a new directory, all or nothing.

Refused, before anything is written: entry names that leave the directory
(..), absolute paths, drive letters, backslashes and other names Windows
reads differently (CON, trailing dots, ...); symbolic links, special files
and encrypted entries; duplicate entries, also when they differ only in
case; more than 10,000 entries. While inflating: an entry over 1 GiB, over
4 GiB in all, or a compression ratio over 100 (for entries over 1 MiB),
counted on the bytes actually produced. The files are written into a
temporary directory next to DIR, synced, and renamed to DIR only when all
succeeded; DIR must not exist.

With --json, one JSON document:
  {
    \"zip\": \"bundle.zip\",
    \"dest\": \"out\",
    \"files\": 3,
    \"directories\": 1,
    \"bytes\": 31457280,
    \"entries\": [
      {\"path\": \"setup.msi\", \"size\": 31457000, \"is_dir\": false},
      {\"path\": \"docs/\", \"size\": 0, \"is_dir\": true}
    ]
  }";

/// Arguments of `olkit bundle extract`.
#[derive(Debug, Args)]
pub(crate) struct ExtractArgs {
    /// The bundle (zip).
    zip: PathBuf,
    /// The directory to create.
    dir: PathBuf,
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// Runs an `olkit bundle` verb.
pub(crate) fn run(command: BundleCommand) -> CliResult {
    match command {
        BundleCommand::Extract(args) => extract(&args),
    }
}

fn extract(args: &ExtractArgs) -> CliResult {
    let report = extract_bundle(&args.zip, &args.dir, &BundleLimits::default())
        .map_err(|e| manifest_error(&args.zip, e))?;
    let mut out = output::stdout();
    if args.json {
        return output::write_json(
            &mut out,
            &ExtractJson {
                zip: output::path_text(&args.zip),
                dest: output::path_text(&args.dir),
                files: report.files,
                directories: report.directories,
                bytes: report.bytes,
                entries: report
                    .entries
                    .iter()
                    .map(|e| EntryJson {
                        path: &e.path,
                        size: e.size,
                        is_dir: e.is_dir,
                    })
                    .collect(),
            },
        );
    }
    writeln!(
        out,
        "extracted {} files and {} directories, {} bytes, to {}",
        report.files,
        report.directories,
        report.bytes,
        args.dir.display()
    )?;
    out.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct ExtractJson<'a> {
    zip: String,
    dest: String,
    files: usize,
    directories: usize,
    bytes: u64,
    entries: Vec<EntryJson<'a>>,
}

#[derive(Serialize)]
struct EntryJson<'a> {
    path: &'a str,
    size: u64,
    is_dir: bool,
}
