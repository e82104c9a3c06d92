//! `olkit updates`: the update check of one machine, end to end: what is
//! new (`check`), fetched and verified (`download`), and the msiexec
//! command line that installs it (`install-command`).

mod check;
pub(crate) mod demo;
pub(crate) mod download;
pub(crate) mod http;
mod install;
mod state;

use clap::Subcommand;

use crate::output::CliResult;

/// The verbs of `olkit updates`.
#[derive(Debug, Subcommand)]
pub(crate) enum UpdatesCommand {
    /// What is new for this machine: the list an updater shows (manifest file or URL).
    #[command(long_about = check::CHECK_LONG_ABOUT)]
    Check(Box<check::CheckArgs>),
    /// Fetch the chosen packages, resuming interrupted downloads, verified while streaming.
    #[command(long_about = download::DOWNLOAD_LONG_ABOUT)]
    Download(Box<download::DownloadArgs>),
    /// The msiexec command line that installs a verified package.
    #[command(long_about = install::INSTALL_LONG_ABOUT)]
    InstallCommand(Box<install::InstallArgs>),
}

/// Runs an `olkit updates` verb.
pub(crate) fn run(command: UpdatesCommand) -> CliResult {
    match command {
        UpdatesCommand::Check(args) => check::run(*args),
        UpdatesCommand::Download(args) => download::run(*args),
        UpdatesCommand::InstallCommand(args) => install::run(*args),
    }
}
