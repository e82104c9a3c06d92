//! `olkit updates install-command`: the exact msiexec command line that
//! installs a package, printed only once the package matched its
//! manifest (installing needs Windows; olkit only says how).
//!
//! Quoting follows msiexec's own reading of its command line, which is
//! not `CommandLineToArgvW`'s: an argument that is empty or holds white
//! space or a double quote is put in double quotes, a double quote in it
//! is doubled, and backslashes are ordinary characters. A property is
//! written `NAME=value`, with only the value quoted when needed, as
//! Microsoft's "Command-Line Options" page shows:
//! `PROPERTY="Embedded ""Quotes"" White Space"`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;

use super::check::load_manifest;
use super::http::HttpArgs;
use crate::output::{self, CliError, CliResult};
use crate::trust::{ManifestJson, TrustArgs};

pub(crate) const INSTALL_LONG_ABOUT: &str = "\
Print the msiexec command line that installs a package, after checking it.

The package is verified first, as `olkit package verify` does: the manifest
(--manifest, a file or an http(s) URL, with the trust options of
`olkit updates check`) must pass its checks, and the package must have the
size and SHA-256 (MD5 for a legacy manifest, reported as weak) the
manifest declares for --product. A package that does not match prints no
command.

The command:
  msiexec /i \"C:\\path with spaces\\x.msi\" /qn /norestart /l*v \"log\" PROPERTY=value ...
/qn by default or with --quiet, /passive with --passive; /l*v only with
--log; then the product's InstallParams from the manifest. Their own UI
switches (/q..., /passive, /quiet) and restart switches give way to the
ones above, and their log switch to --log (each said on standard error);
an action switch (/i, /x, /a, /f, /p, /j, /update, /uninstall, /package)
in them is refused. The package is named by its absolute path, or by
--package-path (the path it will have on the Windows machine).

Quoting follows msiexec's own reading of its command line (not the C
runtime's): an argument that is empty or holds white space or a double
quote is put in double quotes, an embedded double quote is doubled, and
backslashes stay as they are; a property's value is quoted on its own:
PROPERTY=\"a \"\"quoted\"\" word\", INSTALLDIR=\"C:\\Program Files\\OX\\\".

With --json, one JSON document:
  {\"package\", \"product\", \"version\", \"bytes\", \"strength\",
   \"command_line\": \"msiexec /i ...\", \"argv\": [\"msiexec\", \"/i\", ...],
   \"dropped\": [\"/qb\", ...], \"manifest\": {...}, \"warnings\": [...]}

Exit codes: 0 verified (the command is printed), 1 the manifest or the
package was refused, or the InstallParams cannot be used, 2 usage error.";

/// `olkit updates install-command`.
#[derive(Debug, Args)]
pub(crate) struct InstallArgs {
    /// The downloaded package (.msi).
    package: PathBuf,
    /// The manifest that describes it: a file or an http(s) URL.
    #[arg(long, value_name = "FILE|URL")]
    manifest: String,
    /// The product's <Name> in the manifest.
    #[arg(long, value_name = "NAME")]
    product: String,
    /// The product's <Version>, when the manifest lists several of that name.
    #[arg(long, value_name = "VERSION")]
    product_version: Option<String>,
    #[command(flatten)]
    trust: TrustArgs,
    /// Write a verbose msiexec log to this file (/l*v).
    #[arg(long, value_name = "FILE")]
    log: Option<String>,
    /// No user interface at all: /qn (the default).
    #[arg(long, conflicts_with = "passive")]
    quiet: bool,
    /// A progress bar only, no questions: /passive.
    #[arg(long)]
    passive: bool,
    /// The package's path in the command, when it is not the local path
    /// (the path on the Windows machine).
    #[arg(long, value_name = "PATH")]
    package_path: Option<String>,
    /// One JSON document on standard output (shape: see --help).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    http: HttpArgs,
}

/// One argument as msiexec reads it back (see `split_params`).
pub(crate) fn quote_arg(arg: &str) -> String {
    let needs_quotes = arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || c == '"');
    if needs_quotes {
        format!("\"{}\"", arg.replace('"', "\"\""))
    } else {
        arg.to_owned()
    }
}

/// Whether `name` is a Windows Installer property name (letters, digits,
/// underscores and periods, not starting with a digit or period).
fn is_property_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// One argument of the command line: a property is quoted as
/// `NAME="value"`, anything else as a whole.
pub(crate) fn quote_command_arg(arg: &str) -> String {
    match arg.split_once('=') {
        Some((name, value)) if is_property_name(name) => {
            let quoted = quote_arg(value);
            format!("{name}={quoted}")
        }
        _ => quote_arg(arg),
    }
}

/// The command line of `argv`.
pub(crate) fn command_line(argv: &[String]) -> String {
    argv.iter()
        .map(|a| quote_command_arg(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits an InstallParams text the way msiexec reads its own command
/// line: white space separates, double quotes group (and are removed), a
/// doubled double quote inside quotes is one double quote. Backslashes
/// are ordinary characters (`INSTALLDIR="C:\Program Files\"` is common).
fn split_params(text: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut in_arg = false;
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            '"' => {
                quoted = !quoted;
                in_arg = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_arg {
                    args.push(std::mem::take(&mut current));
                    in_arg = false;
                }
            }
            c if c.is_control() => {
                return Err(format!("a control character (U+{:04X})", u32::from(c)));
            }
            c => {
                current.push(c);
                in_arg = true;
            }
        }
    }
    if quoted {
        return Err("a double quote is not closed".to_owned());
    }
    if in_arg {
        args.push(current);
    }
    Ok(args)
}

/// What the command line is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ui {
    Quiet,
    Passive,
}

/// The msiexec arguments: ours, then the manifest's InstallParams with
/// the switches ours replace left out (and listed in `dropped`).
pub(super) fn build_argv(
    package: &str,
    ui: Ui,
    log: Option<&str>,
    install_params: Option<&str>,
) -> Result<(Vec<String>, Vec<String>), String> {
    let mut argv: Vec<String> = vec!["msiexec".into(), "/i".into(), package.to_owned()];
    argv.push(
        match ui {
            Ui::Quiet => "/qn",
            Ui::Passive => "/passive",
        }
        .to_owned(),
    );
    argv.push("/norestart".to_owned());
    if let Some(log) = log {
        argv.push("/l*v".to_owned());
        argv.push(log.to_owned());
    }
    let mut dropped = Vec::new();
    let params = match install_params {
        Some(text) => split_params(text).map_err(|e| format!("InstallParams {text:?}: {e}"))?,
        None => Vec::new(),
    };
    let mut params = params.into_iter();
    while let Some(arg) = params.next() {
        let switch = arg
            .strip_prefix('/')
            .or_else(|| arg.strip_prefix('-'))
            .map(str::to_ascii_lowercase);
        let Some(switch) = switch else {
            if arg
                .split_once('=')
                .is_some_and(|(n, _)| is_property_name(n))
            {
                argv.push(arg);
                continue;
            }
            return Err(format!(
                "InstallParams: {arg:?} is neither a switch nor a PROPERTY=value"
            ));
        };
        let is_ui = switch.starts_with('q') || switch == "passive" || switch == "quiet";
        let is_restart = matches!(
            switch.as_str(),
            "norestart" | "forcerestart" | "promptrestart"
        );
        let is_log = switch.starts_with('l');
        let is_action = !is_restart
            && (matches!(
                switch.as_str(),
                "i" | "x" | "a" | "p" | "update" | "uninstall" | "package" | "y" | "z"
            ) || switch.starts_with('f')
                || switch.starts_with('j'));
        if is_action {
            return Err(format!(
                "InstallParams: the action switch {arg:?} would change what msiexec does"
            ));
        }
        if is_log {
            // The log switch takes the file as the next argument.
            let file = params.next();
            if log.is_some() {
                dropped.push(arg);
                dropped.extend(file);
            } else {
                argv.push(arg);
                argv.extend(file);
            }
        } else if is_ui || is_restart {
            dropped.push(arg);
        } else {
            argv.push(arg);
        }
    }
    Ok((argv, dropped))
}

#[derive(Serialize)]
struct InstallJson<'a> {
    package: String,
    product: &'a str,
    version: String,
    bytes: u64,
    strength: &'static str,
    command_line: String,
    argv: Vec<String>,
    dropped: Vec<String>,
    manifest: ManifestJson<'a>,
    warnings: Vec<String>,
}

/// Runs `olkit updates install-command`.
pub(crate) fn run(mut args: InstallArgs) -> CliResult {
    let options = args.http.options()?;
    let loaded = load_manifest(&args.manifest, &mut args.trust, &options)?;
    let trusted = &loaded.trusted;
    let product = crate::package::find_named(
        Path::new(&loaded.source),
        &args.product,
        args.product_version.as_deref(),
        &trusted.verified.manifest().products,
    )?;
    let mut warnings = trusted.warnings();
    let verdict = crate::package::verify_package(&args.package, product, &mut warnings)?;
    let package = match &args.package_path {
        Some(path) => path.clone(),
        None => output::path_text(
            &std::path::absolute(&args.package).map_err(|e| CliError::io(&args.package, e))?,
        ),
    };
    let ui = if args.passive { Ui::Passive } else { Ui::Quiet };
    let (argv, dropped) = build_argv(
        &package,
        ui,
        args.log.as_deref(),
        product.install_params.as_deref(),
    )
    .map_err(|e| CliError::io(Path::new(&loaded.source), io::Error::other(e)))?;
    for arg in &dropped {
        warnings.push(format!(
            "{arg:?} of the manifest's InstallParams left out: the command's own switch applies"
        ));
    }
    let line = command_line(&argv);
    let mut out = output::stdout();
    if args.json {
        return output::write_json(
            &mut out,
            &InstallJson {
                package,
                product: &product.name,
                version: product.version.to_string(),
                bytes: verdict.bytes,
                strength: verdict.strength.as_str(),
                command_line: line,
                argv,
                dropped,
                manifest: trusted.json(),
                warnings,
            },
        );
    }
    for warning in &warnings {
        output::message(&format!("warning: {warning}"));
    }
    output::message(&format!(
        "{}: {} {}, {} bytes, verified against {} ({})",
        args.package.display(),
        product.name,
        product.version,
        verdict.bytes,
        loaded.source,
        trusted.provenance()
    ));
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRICKY: &[&str] = &[
        "C:\\path with spaces\\x.msi",
        "C:\\Program Files\\Olkit\\",
        "C:\\trailing\\\\",
        "say \"hi\"",
        "a\\\"b",
        "\\\\server\\share\\pkg.msi",
        "",
        "plain",
        "\"",
        "\"\"",
        "\\",
        "ends with space ",
    ];

    #[test]
    fn quoted_arguments_read_back_as_msiexec_reads_them() {
        for arg in TRICKY {
            let line = quote_arg(arg);
            assert_eq!(split_params(&line).unwrap(), [*arg], "{line}");
        }
        let argv: Vec<String> = TRICKY.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(split_params(&command_line(&argv)).unwrap(), argv);
    }

    #[test]
    fn properties_are_quoted_on_their_value() {
        // Microsoft's "Command-Line Options" page: literal quotes doubled,
        // a property cleared with PROPERTY="".
        for (arg, quoted) in [
            ("REBOOT=ReallySuppress", "REBOOT=ReallySuppress"),
            (
                "INSTALLDIR=C:\\Program Files\\Olkit\\",
                "INSTALLDIR=\"C:\\Program Files\\Olkit\\\"",
            ),
            (
                "PROPERTY=Embedded \"Quotes\" White Space",
                "PROPERTY=\"Embedded \"\"Quotes\"\" White Space\"",
            ),
            ("PROPERTY=", "PROPERTY=\"\""),
        ] {
            assert_eq!(quote_command_arg(arg), quoted);
            assert_eq!(split_params(quoted).unwrap(), [arg], "{quoted}");
        }
    }

    #[test]
    fn the_command_line_of_a_package_with_install_params() {
        let (argv, dropped) = build_argv(
            "C:\\Users\\Jo Smith\\Downloads\\ox.msi",
            Ui::Quiet,
            Some("C:\\Logs\\ox install.log"),
            Some("/qb REBOOT=ReallySuppress INSTALLDIR=\"C:\\Program Files\\OX\\\" /l*v old.log"),
        )
        .unwrap();
        assert_eq!(dropped, ["/qb", "/l*v", "old.log"]);
        let line = command_line(&argv);
        assert_eq!(
            line,
            "msiexec /i \"C:\\Users\\Jo Smith\\Downloads\\ox.msi\" /qn /norestart /l*v \
             \"C:\\Logs\\ox install.log\" REBOOT=ReallySuppress \
             INSTALLDIR=\"C:\\Program Files\\OX\\\""
        );
        assert_eq!(split_params(&line).unwrap(), argv);
        assert_eq!(argv.last().unwrap(), "INSTALLDIR=C:\\Program Files\\OX\\");
    }

    #[test]
    fn install_params_that_change_the_action_or_do_not_parse_are_refused() {
        for bad in [
            "/x {GUID}",
            "/uninstall",
            "/fa",
            "stray",
            "A=\"open",
            "/i other.msi",
        ] {
            assert!(
                build_argv("x.msi", Ui::Passive, None, Some(bad)).is_err(),
                "{bad}"
            );
        }
        let (argv, dropped) = build_argv(
            "x.msi",
            Ui::Passive,
            None,
            Some("/quiet /forcerestart A=\"x \"\"y\"\"\""),
        )
        .unwrap();
        assert_eq!(dropped, ["/quiet", "/forcerestart"]);
        assert_eq!(
            argv,
            [
                "msiexec",
                "/i",
                "x.msi",
                "/passive",
                "/norestart",
                "A=x \"y\""
            ]
        );
    }
}
