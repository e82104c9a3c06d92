//! `olkit`: the administrator's command line for Outlook connector
//! deployment. One subcommand group per library crate, plus `demo` and
//! `version`.
//!
//! ```text
//! olkit demo                                  # every capability on the bundled examples
//! olkit reg dump profiles.reg                 # KEY<TAB>NAME<TAB>TYPE<TAB>HEX per value
//! olkit reg dump --json --lenient broken.reg  # one JSON document, bad lines as warnings
//! olkit reg fmt --canonical in.reg -o out.reg # rewrite as regedit writes it
//! olkit msi query app.msi "SELECT * FROM `Property`"  # rows, TAB-separated
//! olkit msi export app.msi Property -o Property.idt   # as msiinfo export
//! olkit package verify setup.msi --manifest products.xml --product OXtender --pubkey key.pub
//! olkit bundle extract bundle.zip out/        # all or nothing, hostile entries refused
//! olkit manifest check products.xml --pubkey olkit.pub # signature, format, warnings
//! olkit db migrate --json cache.db            # upgrade the connector cache, progress on a terminal
//! olkit profile convert hkcu.reg --out koff.reg --undo undo.reg --server-version 7.4.1
//! ```
//!
//! Exit codes: 0 success, 1 the operation failed (message on stderr),
//! 2 usage error; `olkit db migrate` adds 3 not enough free space (upgrade
//! scheduled), 4 rebuilt (full resynchronisation needed), 5 cancelled.

#![allow(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

mod bundle;
mod db;
mod demo;
mod manifest;
mod msi;
mod output;
mod package;
mod profile;
mod reg;
mod trust;
mod updates;
mod version;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// olkit: tooling for Outlook mail connector deployment.
#[derive(Debug, Parser)]
#[command(name = "olkit", version, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 success, 1 the operation failed, 2 usage error; olkit db migrate: 3 not enough free space (upgrade scheduled), 4 rebuilt (full resynchronisation needed), 5 cancelled."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Windows registry export (.reg) files.
    #[command(subcommand)]
    Reg(reg::RegCommand),
    /// Windows Installer packages (.msi) and installed-product inventories.
    #[command(subcommand)]
    Msi(msi::MsiCommand),
    /// Update manifests: validate and explain.
    #[command(subcommand)]
    Manifest(manifest::ManifestCommand),
    /// Update check: what is new for this machine, download it verified, the msiexec command line.
    #[command(subcommand)]
    Updates(updates::UpdatesCommand),
    /// Downloaded packages checked against their manifest.
    #[command(subcommand)]
    Package(package::PackageCommand),
    /// Update bundles (zip), extracted safely.
    #[command(subcommand)]
    Bundle(bundle::BundleCommand),
    /// Local cache databases of the connector: status, upgrade, check.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Outlook profiles (.reg exports, .prf files): list, plan and convert KOC to KOFF.
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// Run every capability on the bundled example data and say what it did.
    #[command(long_about = demo::DEMO_LONG_ABOUT)]
    Demo(demo::DemoArgs),
    /// Print the versions of olkit and its libraries.
    #[command(long_about = version::VERSION_LONG_ABOUT)]
    Version(version::VersionArgs),
}

fn main() -> ExitCode {
    // Usage errors print clap's message and exit with code 2.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Reg(command) => reg::run(command),
        Command::Msi(command) => msi::run(command),
        Command::Manifest(command) => manifest::run(command),
        Command::Updates(command) => updates::run(command),
        Command::Package(command) => package::run(command),
        Command::Bundle(command) => bundle::run(command),
        // Its own exit codes: 3, 4 and 5 are outcomes of `db migrate`.
        Command::Db(command) => return db::run(command),
        // Its own exit codes: 2 for outputs that would overwrite the input.
        Command::Profile(command) => return profile::run(command),
        Command::Demo(args) => demo::run(&args),
        Command::Version(args) => version::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}
