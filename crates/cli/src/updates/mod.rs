//! `olkit updates`: the update check of one machine, end to end: what is
//! new (`check`), fetched and verified (`download`), and the msiexec
//! command line that installs it (`install-command`).

pub(crate) mod http;

use clap::Subcommand;

use crate::output::CliResult;

/// The verbs of `olkit updates`.
#[derive(Debug, Subcommand)]
pub(crate) enum UpdatesCommand {}

pub(crate) fn run(command: UpdatesCommand) -> CliResult {
    match command {}
}
