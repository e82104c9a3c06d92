//! `olkit reg`: registry export (`.reg`) files.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use olkit_regfile::{Encoding, Entry, Format, Key, LineEnding, ParseOptions, RegFile};
use serde::Serialize;

use crate::output::{self, CliError, CliResult, Field, Hex, WarningJson};

/// The verbs of `olkit reg`.
#[derive(Debug, Subcommand)]
pub(crate) enum RegCommand {
    /// Print every value of a .reg file, one line per value, in file order.
    #[command(long_about = DUMP_LONG_ABOUT)]
    Dump(DumpArgs),
    /// Write a .reg file back: byte for byte, or the way regedit writes it.
    #[command(long_about = FMT_LONG_ABOUT)]
    Fmt(FmtArgs),
}

const DUMP_LONG_ABOUT: &str = "\
Print every value of a .reg file, one line per value, in file order.

Each line is KEY<TAB>NAME<TAB>TYPE<TAB>HEX:
  KEY   the key path as spelled in the file
  NAME  the value name, empty for the default value (@)
  TYPE  the Windows type name (REG_SZ, REG_DWORD, ...; REG_0xN for a type
        Windows has no name for)
  HEX   the data the registry would hold, in lowercase hexadecimal without
        separators (strings are UTF-16LE with their terminating NUL)
A value deletion (\"name\"=-) prints TYPE DELETE and no data; a key deletion
([-KEY]) prints KEY<TAB><TAB>DELETE_KEY<TAB>. Keys without values print
nothing. Control characters (tab, line breaks) in KEY and NAME are shown as
their Unicode control pictures (U+2400..U+241F); --json gives names exactly.

With --json, one JSON document:
  {
    \"file\": \"profiles.reg\",
    \"format\": \"regedit4\" | \"regedit5\",
    \"encoding\": \"windows-1252\" | \"utf-16le\" | \"utf-8\" | \"utf-8-bom\",
    \"line_ending\": \"crlf\" | \"lf\" | \"cr\",
    \"keys\": 12,                       (key lines, [-KEY] ones included)
    \"entries\": [
      {\"key\": \"HKEY_...\", \"name\": \"Port\", \"type\": \"REG_DWORD\",
       \"hex\": \"bb010000\", \"line\": 5},
      {\"key\": \"HKEY_...\", \"name\": \"Old\", \"type\": \"DELETE\",
       \"hex\": null, \"line\": 6},
      {\"key\": \"HKEY_...\", \"name\": null, \"type\": \"DELETE_KEY\",
       \"hex\": null, \"line\": 8}
    ],
    \"warnings\": [
      {\"line\": 9, \"column\": 1, \"problem\": \"unexpected_line\",
       \"message\": \"line 9, column 1: ... (line skipped)\"}
    ]
  }
\"entries\" has the same records as the text output, in the same order;
\"line\" is the 1-based line of the record in the file. \"warnings\" lists the
lines --lenient skipped (always empty without it).";

const FMT_LONG_ABOUT: &str = "\
Write a .reg file back.

By default the file is written exactly as read, byte for byte (encoding,
comments, spacing and line breaks included): a check that olkit reads it
losslessly. With --canonical it is written the way regedit writes it: the
format's encoding (UTF-16LE with BOM for version 5, Windows-1252 for
REGEDIT4), CRLF line breaks, a blank line before every key; comments and
skipped lines are dropped.

Output goes to standard output as raw bytes, or with -o to a file, which is
replaced atomically (written next to it, flushed, renamed over it).

With --json (which needs -o), a report on standard output:
  {\"input\": \"in.reg\", \"output\": \"out.reg\", \"bytes\": 1234,
   \"canonical\": false, \"warnings\": [...]}
\"warnings\" has the shape of `olkit reg dump --json`'s.";

/// Arguments of `olkit reg dump`.
#[derive(Debug, Args)]
pub(crate) struct DumpArgs {
    /// The .reg file.
    file: PathBuf,
    /// Print one JSON document instead of lines (shape: see --help).
    #[arg(long)]
    json: bool,
    /// Skip lines that do not parse, as regedit does, with a warning on stderr.
    #[arg(long)]
    lenient: bool,
}

/// Arguments of `olkit reg fmt`.
#[derive(Debug, Args)]
pub(crate) struct FmtArgs {
    /// The .reg file.
    file: PathBuf,
    /// Write the file the way regedit writes it instead of byte for byte.
    #[arg(long)]
    canonical: bool,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Print a JSON report on standard output (needs --output).
    #[arg(long, requires = "output")]
    json: bool,
    /// Skip lines that do not parse, as regedit does, with a warning on stderr.
    #[arg(long)]
    lenient: bool,
}

/// Runs an `olkit reg` verb.
pub(crate) fn run(command: RegCommand) -> CliResult {
    match command {
        RegCommand::Dump(args) => dump(&args),
        RegCommand::Fmt(args) => fmt(&args),
    }
}

/// Reads a file, printing the warnings of lenient reading on stderr.
pub(crate) fn read(path: &Path, lenient: bool) -> Result<RegFile, CliError> {
    let options = ParseOptions::new().lenient(lenient);
    let file = RegFile::read_with(path, &options).map_err(|e| CliError::reg(path, e))?;
    output::print_warnings(path, &file);
    Ok(file)
}

fn dump(args: &DumpArgs) -> CliResult {
    let file = read(&args.file, args.lenient)?;
    let mut out = output::stdout();
    if args.json {
        return output::write_json(
            &mut out,
            &DumpJson {
                file: output::path_text(&args.file),
                format: file.format(),
                encoding: file.encoding(),
                line_ending: file.line_ending(),
                keys: file.key_count(),
                entries: Entries(&file),
                warnings: output::warnings_json(&file),
            },
        );
    }
    for key in file.keys() {
        let path = Field(key.path());
        if key.is_deletion() {
            writeln!(out, "{path}\t\tDELETE_KEY\t")?;
        }
        for entry in key.entries() {
            match entry {
                Entry::Set { name, value, .. } => writeln!(
                    out,
                    "{path}\t{}\t{}\t{}",
                    Field(name),
                    value.ty(),
                    Hex(value.data())
                )?,
                Entry::Delete { name, .. } => writeln!(out, "{path}\t{}\tDELETE\t", Field(name))?,
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// `olkit reg dump --json`.
#[derive(Serialize)]
struct DumpJson<'a> {
    file: String,
    format: Format,
    encoding: Encoding,
    line_ending: LineEnding,
    keys: usize,
    entries: Entries<'a>,
    warnings: Vec<WarningJson<'a>>,
}

/// The records of a dump, serialized as they are produced (files can be
/// large: no intermediate list).
struct Entries<'a>(&'a RegFile);

impl Serialize for Entries<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.keys().flat_map(records))
    }
}

/// One record of a dump.
#[derive(Serialize)]
struct Record<'a> {
    key: &'a str,
    name: Option<&'a str>,
    #[serde(rename = "type")]
    ty: Cow<'static, str>,
    hex: Option<Hex<'a>>,
    line: usize,
}

/// The records of one key line: `DELETE_KEY` for `[-KEY]`, then its entries.
fn records<'a>(key: Key<'a>) -> impl Iterator<Item = Record<'a>> + 'a {
    let path = key.path();
    let deletion = key.is_deletion().then(|| Record {
        key: path,
        name: None,
        ty: Cow::Borrowed("DELETE_KEY"),
        hex: None,
        line: key.line(),
    });
    deletion
        .into_iter()
        .chain(key.entries().map(move |entry| match entry {
            Entry::Set { name, value, line } => Record {
                key: path,
                name: Some(name),
                ty: value.ty().name(),
                hex: Some(Hex(value.data())),
                line,
            },
            Entry::Delete { name, line } => Record {
                key: path,
                name: Some(name),
                ty: Cow::Borrowed("DELETE"),
                hex: None,
                line,
            },
        }))
}

fn fmt(args: &FmtArgs) -> CliResult {
    let file = read(&args.file, args.lenient)?;
    let Some(target) = &args.output else {
        let mut out = output::stdout();
        if args.canonical {
            let bytes = file
                .to_canonical_bytes()
                .map_err(|e| CliError::reg(&args.file, e))?;
            out.write_all(&bytes)?;
        } else {
            file.write_to(&mut out)?;
        }
        out.flush()?;
        return Ok(());
    };
    let saved = if args.canonical {
        file.save_canonical(target)
    } else {
        file.save(target)
    };
    let bytes = saved.map_err(|e| CliError::reg(target, e))?;
    if args.json {
        let report = FmtJson {
            input: output::path_text(&args.file),
            output: output::path_text(target),
            bytes,
            canonical: args.canonical,
            warnings: output::warnings_json(&file),
        };
        return output::write_json(&mut output::stdout(), &report);
    }
    output::message(&format!("wrote {bytes} bytes to {}", target.display()));
    Ok(())
}

/// `olkit reg fmt --json`.
#[derive(Serialize)]
struct FmtJson<'a> {
    input: String,
    output: String,
    bytes: u64,
    canonical: bool,
    warnings: Vec<WarningJson<'a>>,
}
