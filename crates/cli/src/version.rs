//! `olkit version`.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use crate::output::{self, CliResult};

pub(crate) const VERSION_LONG_ABOUT: &str = "\
Print the versions of olkit and of the library crates built into it.

With --json: {\"olkit\": \"0.1.0\", \"crates\": {\"olkit-regfile\": \"0.1.0\"}}
(one member of \"crates\" per library).";

/// Arguments of `olkit version`.
#[derive(Debug, Args)]
pub(crate) struct VersionArgs {
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// The version of the `olkit` binary.
pub(crate) const OLKIT: &str = env!("CARGO_PKG_VERSION");

/// The library crates built into the binary and their versions.
pub(crate) const CRATES: [(&str, &str); 2] = [
    ("olkit-regfile", olkit_regfile::VERSION),
    ("olkit-msi-query", olkit_msi_query::VERSION),
];

#[derive(Serialize)]
struct VersionJson {
    olkit: &'static str,
    crates: std::collections::BTreeMap<&'static str, &'static str>,
}

/// Prints the versions.
pub(crate) fn run(args: &VersionArgs) -> CliResult {
    let mut out = output::stdout();
    if args.json {
        let doc = VersionJson {
            olkit: OLKIT,
            crates: CRATES.into_iter().collect(),
        };
        return output::write_json(&mut out, &doc);
    }
    writeln!(out, "olkit {OLKIT}")?;
    for (name, version) in CRATES {
        writeln!(out, "{name} {version}")?;
    }
    out.flush()?;
    Ok(())
}
