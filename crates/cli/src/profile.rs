//! `olkit profile`: Outlook profiles in `.reg` exports and `.prf` files:
//! list them, plan the conversion of Kerio Outlook Connector (KOC)
//! profiles to the Offline Edition (KOFF), and convert.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use olkit_profile_convert::{
    convert, plan, Account, AccountClass, ConvertOptions, ExportKind, Issue, Location, Plan,
    PrfFile, Profile, ProfileOutcome, ProfileScope, ProfileSet, ProviderKind, RootKind, Rules,
    ServerQuery, ServerStatus, Service, Uid, UserScope,
};
use olkit_regfile::{ParseOptions, RegFile};
use serde::Serialize;

use crate::output::{self, file_name, plural, CliError, Field};

/// The verbs of `olkit profile`.
#[derive(Debug, Subcommand)]
pub(crate) enum ProfileCommand {
    /// List the users, profiles, message services and accounts of a .reg
    /// export or .prf file, and what is wrong in them.
    #[command(long_about = LIST_LONG_ABOUT)]
    List(ListArgs),
    /// Say what converting the KOC profiles to KOFF would change, without
    /// writing anything.
    #[command(long_about = PLAN_LONG_ABOUT)]
    Plan(PlanArgs),
    /// Convert the KOC profiles to KOFF: write the converted file and an
    /// undo file.
    #[command(long_about = CONVERT_LONG_ABOUT)]
    Convert(ConvertArgs),
}

const LIST_LONG_ABOUT: &str = "\
List what a .reg export (of HKEY_CURRENT_USER or of HKEY_USERS\\<SID>, both
profile roots: ...\\Office\\<version>\\Outlook\\Profiles and the legacy
...\\Windows Messaging Subsystem\\Profiles) or a .prf file (Office
Customization Tool) holds: the users, the profile roots with their
DefaultProfile, the profiles (the default one marked), their message
services (name, display name, DLL) and accounts (class, name, e-mail,
server, user), and the problems of each profile's graph (a list naming a
section that does not exist, two default stores, ...). Passwords and other
secrets are never shown. FILE is told apart by its content.

Lines of a .reg export that do not parse are skipped, as regedit's import
skips them, with a warning on standard error. Exits with 0 when the file
could be read, whatever problems it lists; 1 when it cannot be read or is
neither a .reg export nor a .prf file.

With --json, one JSON document:
  {\"file\", \"kind\": \"reg\" | \"prf\",
   \"users\": [{\"hive\", \"sid\", \"roots\": [{\"key\", \"kind\": \"office\" | \"legacy\",
     \"office_version\", \"default_profile\", \"profiles\"}]}],
   \"profiles\": [{\"user\", \"root\", \"name\", \"key\", \"is_default\",
     \"services\": [{\"uid\", \"name\", \"display_name\", \"dll\", \"location\",
       \"providers\": [{\"uid\", \"kind\", \"dll\", \"display_name\"}]}],
     \"accounts\": [{\"id\", \"class\", \"name\", \"email\", \"server\", \"user\",
       \"service_uid\", \"location\"}],
     \"issues\": [{\"kind\", \"key\", \"value\", \"line\", \"message\"}]}],
   \"warnings\": [as in olkit reg dump --json]}
For a .prf file \"users\" is empty, the one profile has no user, root or key,
and its name is [General] ProfileName.";

const PLAN_LONG_ABOUT: &str = "\
Say what converting the Kerio Outlook Connector (KOC) profiles of FILE (a
.reg export or a .prf file, told apart by its content) to the Offline
Edition (KOFF) would change, writing nothing: for each profile its outcome
(converted, already KOFF, no KOC service, blocked and why, out of scope)
and what must still be finished once the server is known, then every key
and value to add, change and delete. Every other line of FILE would stay
byte-identical; secrets are shown as <secret>.

The server check is given on the command line: --server-version V says the
Kerio server answered with version V (the accounts are fully configured;
a version older than the rules' minimum, 6.5.0, blocks the profile and it
is left as it is). Without --server-version, or with --server-unreachable,
the server is taken as unreachable: the profiles are converted and marked
as needing their server configuration, and the plan says what to finish.

Scope: every profile of every user by default; --default-profile or
--profile NAME (repeatable) for some; --user SID (or HKEY_CURRENT_USER)
for one user of an HKEY_USERS export. --rules FILE replaces the built-in
conversion rules (see docs/profile-rules.md).

Exits with 0 when the plan could be made, also when nothing needs
converting or a profile is blocked (the plan says so); 1 when FILE or the
rules cannot be read.

With --json, one JSON document: {\"file\", \"server_version\" (null:
unreachable), \"converted_profiles\", \"blocked_profiles\", \"kind\": \"reg\" |
\"prf\", \"profiles\": [{\"user\", \"root\", \"profile\", \"outcome\": \"converted\"
(with \"server_configured\") | \"already_koff\" | \"no_koc\" | \"blocked\" (with
\"reason\") | \"out_of_scope\", \"finish_later\": [text]}], \"changes\": [{\"key\", \"value\", \"action\": \"add_key\" |
\"delete_key\" | \"add\" | \"set\" | \"delete\", \"old\", \"new\"}]}.";

const CONVERT_LONG_ABOUT: &str = "\
Convert the Kerio Outlook Connector (KOC) profiles of FILE (a .reg export or
a .prf file) to the Offline Edition (KOFF), as olkit profile plan describes,
and write two files: --out NEW, the converted file (import a .reg with
`reg import NEW`), and --undo UNDO, which restores the original exactly.
Every line of FILE that does not belong to a converted KOC service is
carried over byte for byte, secrets included. Converting a converted file
changes nothing and says \"already KOFF\".

Each file is written beside its final name and then renamed over it, so
that neither is ever left half-written; UNDO is in place before NEW. NEW
and UNDO must be two files other than FILE. Options as for olkit profile
plan; without --server-version the server is taken as unreachable.

Exits with 0 when both files were written, also when nothing needed
converting (NEW is then the same as FILE) or a profile is blocked (left as
it was; the summary says why); 1 when FILE or the rules cannot be read or
a file cannot be written; 2 on a usage error.

With --json, one JSON document: the plan as olkit profile plan --json
gives it, with \"out\", \"out_bytes\", \"undo\" and \"undo_bytes\".";

/// Arguments of `olkit profile list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The .reg export or .prf file.
    file: PathBuf,
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// The options `plan` and `convert` share: the server check, the scope and
/// the rules.
#[derive(Debug, Args)]
pub(crate) struct ScopeArgs {
    /// The Kerio server answered with this version (e.g. 7.4.1): accounts
    /// are fully configured; older than 6.5.0 blocks the profile.
    #[arg(long, value_name = "V", value_parser = parse_version)]
    server_version: Option<String>,
    /// The Kerio server cannot be reached (the default when no
    /// --server-version is given): profiles are converted and marked as
    /// needing their server configuration.
    #[arg(long, conflicts_with = "server_version")]
    server_unreachable: bool,
    /// Convert only this profile (repeatable).
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,
    /// Convert only the default profile.
    #[arg(long, conflicts_with = "profiles")]
    default_profile: bool,
    /// Only this user of the export: a SID (HKEY_USERS\<SID>) or
    /// HKEY_CURRENT_USER.
    #[arg(long, value_name = "SID")]
    user: Option<String>,
    /// Conversion rules replacing the built-in ones (docs/profile-rules.md).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
}

/// Arguments of `olkit profile plan`.
#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    /// The .reg export or .prf file.
    file: PathBuf,
    #[command(flatten)]
    scope: ScopeArgs,
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// Arguments of `olkit profile convert`.
#[derive(Debug, Args)]
pub(crate) struct ConvertArgs {
    /// The .reg export or .prf file; never overwritten.
    file: PathBuf,
    /// Where to write the converted file.
    #[arg(long, value_name = "NEW")]
    out: PathBuf,
    /// Where to write the file that restores the original.
    #[arg(long, value_name = "UNDO")]
    undo: PathBuf,
    #[command(flatten)]
    scope: ScopeArgs,
    /// Print one JSON document (shape: see --help).
    #[arg(long)]
    json: bool,
}

/// A server version as the probe flag takes it: numbers separated by dots.
fn parse_version(text: &str) -> Result<String, String> {
    let valid = !text.is_empty()
        && text
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if valid {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?} is not a version (numbers separated by dots, e.g. 7.4.1)"
        ))
    }
}

/// Why an `olkit profile` verb failed.
enum Failure {
    /// Exit code 1, the message as `CliError` words it.
    Cli(CliError),
    /// Exit code 1: a file the library could not read (FILE or the rules).
    Input {
        path: PathBuf,
        source: olkit_profile_convert::Error,
    },
    /// Exit code 2: arguments that cannot be carried out as given.
    Usage(String),
}

impl Failure {
    fn input(path: &Path, source: olkit_profile_convert::Error) -> Failure {
        Failure::Input {
            path: path.to_path_buf(),
            source,
        }
    }

    fn report(&self) -> ExitCode {
        match self {
            Failure::Cli(e) => e.report(),
            Failure::Input { path, source } => {
                // The library's I/O errors name their file already.
                if matches!(source, olkit_profile_convert::Error::Io { .. }) {
                    output::message(&source.to_string());
                } else {
                    output::message(&format!("{}: {source}", path.display()));
                }
                ExitCode::from(1)
            }
            Failure::Usage(text) => {
                output::message(text);
                ExitCode::from(2)
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

/// Runs an `olkit profile` verb; it chooses its exit code (2 for paths
/// that would overwrite the input).
pub(crate) fn run(command: ProfileCommand) -> ExitCode {
    let result = match command {
        ProfileCommand::List(args) => list(&args),
        ProfileCommand::Plan(args) => plan_verb(&args),
        ProfileCommand::Convert(args) => convert_verb(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    fs::read(path).map_err(|e| Failure::Cli(CliError::io(path, e)))
}

// -- olkit profile list

/// `olkit profile list --json`.
#[derive(Serialize)]
struct ListJson {
    file: String,
    kind: &'static str,
    users: Vec<UserJson>,
    profiles: Vec<ProfileJson>,
    /// Lines of a `.reg` export skipped as regedit skips them, in the
    /// shape of `olkit reg dump --json`'s warnings.
    warnings: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct UserJson {
    hive: String,
    sid: Option<String>,
    roots: Vec<RootJson>,
}

#[derive(Serialize)]
struct RootJson {
    key: String,
    kind: &'static str,
    office_version: Option<String>,
    default_profile: Option<String>,
    profiles: usize,
}

#[derive(Serialize)]
struct ProfileJson {
    user: Option<String>,
    root: Option<String>,
    name: Option<String>,
    key: Option<String>,
    is_default: bool,
    services: Vec<ServiceJson>,
    accounts: Vec<AccountJson>,
    issues: Vec<IssueJson>,
}

#[derive(Serialize)]
struct ServiceJson {
    uid: Option<String>,
    name: Option<String>,
    display_name: Option<String>,
    dll: Option<String>,
    location: Location,
    providers: Vec<ProviderJson>,
}

#[derive(Serialize)]
struct ProviderJson {
    uid: Option<String>,
    kind: ProviderKind,
    dll: Option<String>,
    display_name: Option<String>,
}

/// An account; the view holds no password, so none can be shown.
#[derive(Serialize)]
struct AccountJson {
    id: String,
    class: String,
    name: Option<String>,
    email: Option<String>,
    server: Option<String>,
    user: Option<String>,
    service_uid: Option<String>,
    location: Location,
}

#[derive(Serialize)]
struct IssueJson {
    kind: String,
    key: String,
    value: Option<String>,
    line: usize,
    message: String,
}

fn uid_text(uid: Option<Uid>) -> Option<String> {
    uid.map(|u| u.to_string())
}

fn service_json(s: Service) -> ServiceJson {
    ServiceJson {
        uid: uid_text(s.uid),
        name: s.name,
        display_name: s.display_name,
        dll: s.dll,
        location: s.location,
        providers: s
            .providers
            .into_iter()
            .map(|p| ProviderJson {
                uid: uid_text(p.uid),
                kind: p.kind,
                dll: p.dll,
                display_name: p.display_name,
            })
            .collect(),
    }
}

fn class_text(class: AccountClass) -> String {
    match class {
        AccountClass::Pop3 => "pop3".to_owned(),
        AccountClass::Imap => "imap".to_owned(),
        AccountClass::MapiService => "mapi_service".to_owned(),
        AccountClass::Ldap => "ldap".to_owned(),
        AccountClass::Other(other) => other,
    }
}

fn account_json(a: Account) -> AccountJson {
    AccountJson {
        id: a.id,
        class: class_text(a.class),
        name: a.name,
        email: a.email,
        server: a.server,
        user: a.user,
        service_uid: uid_text(a.service_uid),
        location: a.location,
    }
}

fn issue_json(issue: &Issue) -> IssueJson {
    // The kind's tag as serde spells it (`store_without_section`).
    let kind = serde_json::to_value(&issue.kind)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
        .unwrap_or_default();
    IssueJson {
        kind,
        key: issue.key.clone(),
        value: issue.value.clone(),
        line: issue.line,
        message: issue.to_string(),
    }
}

fn profile_json(user: &str, root: &str, p: &Profile) -> ProfileJson {
    ProfileJson {
        user: Some(user.to_owned()),
        root: Some(root.to_owned()),
        name: Some(p.name.clone()),
        key: Some(p.key.clone()),
        is_default: p.is_default,
        services: p.services().into_iter().map(service_json).collect(),
        accounts: p.accounts().into_iter().map(account_json).collect(),
        issues: p.validate().iter().map(issue_json).collect(),
    }
}

/// Refuses a file that is neither a `.reg` export nor a `.prf` file (no
/// header and no section: not even an empty profile), which the readers,
/// being lenient, would take as holding no profile.
fn check_kind(path: &Path, bytes: &[u8]) -> Result<Option<PrfFile>, Failure> {
    if ExportKind::detect(bytes) == ExportKind::Reg {
        return Ok(None);
    }
    let prf = PrfFile::parse(bytes).map_err(|e| Failure::input(path, e))?;
    if prf.sections().is_empty() {
        return Err(Failure::Cli(CliError::io(
            path,
            io::Error::new(
                io::ErrorKind::InvalidData,
                "neither a .reg export (no \"Windows Registry Editor Version 5.00\" or \"REGEDIT4\" header) nor a .prf file (no [section])",
            ),
        )));
    }
    Ok(Some(prf))
}

/// What `list` shows of a file.
fn listing(path: &Path, bytes: &[u8]) -> Result<ListJson, Failure> {
    let file = output::path_text(path);
    if let Some(prf) = check_kind(path, bytes)? {
        let profile = ProfileJson {
            user: None,
            root: None,
            name: prf.profile_name().map(str::to_owned),
            key: None,
            is_default: prf.default_profile() == Some(true),
            services: prf.services().into_iter().map(service_json).collect(),
            accounts: prf.accounts().into_iter().map(account_json).collect(),
            issues: Vec::new(),
        };
        return Ok(ListJson {
            file,
            kind: "prf",
            users: Vec::new(),
            profiles: vec![profile],
            warnings: Vec::new(),
        });
    }
    // Read as ProfileSet::parse reads, keeping the warnings to show them.
    let reg = RegFile::parse_with(bytes, &ParseOptions::new().lenient(true))
        .map_err(|e| Failure::Cli(CliError::reg(path, e)))?;
    output::print_warnings(path, &reg);
    let warnings = serde_json::to_value(output::warnings_json(&reg))
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    let set = ProfileSet::from_reg(&reg).map_err(|e| Failure::input(path, e))?;
    let users = set
        .users
        .iter()
        .map(|u| UserJson {
            hive: u.hive.clone(),
            sid: u.sid.clone(),
            roots: u
                .roots
                .iter()
                .map(|r| {
                    let (kind, office_version) = match &r.kind {
                        RootKind::Office { version } => ("office", Some(version.clone())),
                        RootKind::Legacy => ("legacy", None),
                    };
                    RootJson {
                        key: r.key.clone(),
                        kind,
                        office_version,
                        default_profile: r.default_profile.clone(),
                        profiles: r.profiles.len(),
                    }
                })
                .collect(),
        })
        .collect();
    let profiles = set
        .profiles()
        .map(|(u, r, p)| profile_json(&u.hive, &r.key, p))
        .collect();
    Ok(ListJson {
        file,
        kind: "reg",
        users,
        profiles,
        warnings,
    })
}

fn list(args: &ListArgs) -> Result<(), Failure> {
    let bytes = read(&args.file)?;
    let listing = listing(&args.file, &bytes)?;
    let mut out = output::stdout();
    if args.json {
        output::write_json(&mut out, &listing)?;
        return Ok(());
    }
    print_listing(&mut out, &listing)?;
    out.flush()?;
    Ok(())
}

/// Optional text for a line of output: quoted, or `-`.
fn quoted(text: Option<&str>) -> String {
    text.map_or_else(|| "-".to_owned(), |t| format!("\"{}\"", Field(t)))
}

fn print_listing(out: &mut impl Write, l: &ListJson) -> io::Result<()> {
    let kind = if l.kind == "prf" {
        ".prf file"
    } else {
        ".reg export"
    };
    writeln!(
        out,
        "{}: {kind}; {}, {}",
        l.file,
        plural(l.users.len(), "user", "users"),
        plural(l.profiles.len(), "profile", "profiles")
    )?;
    for user in &l.users {
        let sid = user
            .sid
            .as_deref()
            .map(|s| format!(" (SID {s})"))
            .unwrap_or_default();
        writeln!(out, "user {}{sid}", Field(&user.hive))?;
        for root in &user.roots {
            let kind = root
                .office_version
                .as_deref()
                .map_or_else(|| "legacy root".to_owned(), |v| format!("Office {v}"));
            writeln!(
                out,
                "  root {} ({kind}; DefaultProfile {}; {})",
                Field(&root.key),
                quoted(root.default_profile.as_deref()),
                plural(root.profiles, "profile", "profiles")
            )?;
        }
    }
    for p in &l.profiles {
        print_profile(out, p)?;
    }
    Ok(())
}

/// `  services:` over a list, or `  services: none`.
fn heading(out: &mut impl Write, name: &str, empty: bool) -> io::Result<()> {
    if empty {
        writeln!(out, "  {name}: none")
    } else {
        writeln!(out, "  {name}:")
    }
}

fn print_profile(out: &mut impl Write, p: &ProfileJson) -> io::Result<()> {
    let default = if p.is_default { " (default)" } else { "" };
    let name = p.name.as_deref().map_or_else(
        || "(no ProfileName)".to_owned(),
        |n| format!("\"{}\"", Field(n)),
    );
    match &p.user {
        Some(user) => writeln!(out, "\nprofile {name}{default} of {}", Field(user))?,
        None => writeln!(out, "\nprofile {name}{default}")?,
    }
    if let Some(key) = &p.key {
        writeln!(out, "  key {}", Field(key))?;
    }
    heading(out, "services", p.services.is_empty())?;
    for s in &p.services {
        writeln!(
            out,
            "    {}  display name {}  DLL {}  {}",
            quoted(s.name.as_deref()),
            quoted(s.display_name.as_deref()),
            quoted(s.dll.as_deref()),
            plural(s.providers.len(), "provider", "providers")
        )?;
    }
    heading(out, "accounts", p.accounts.is_empty())?;
    for a in &p.accounts {
        writeln!(
            out,
            "    {} {}  {}  e-mail {}  server {}  user {}",
            Field(&a.id),
            Field(&a.class),
            quoted(a.name.as_deref()),
            quoted(a.email.as_deref()),
            quoted(a.server.as_deref()),
            quoted(a.user.as_deref())
        )?;
    }
    heading(out, "issues", p.issues.is_empty())?;
    for issue in &p.issues {
        writeln!(out, "    - {}", Field(&issue.message))?;
    }
    Ok(())
}

// -- olkit profile plan and convert

/// The rules, the scope and the server check of a plan or conversion.
struct Setup {
    rules: Rules,
    default_profile: bool,
    profiles: Vec<String>,
    user: Option<String>,
    /// `None`: unreachable (`--server-unreachable`, or no flag at all).
    server_version: Option<String>,
}

impl Setup {
    fn new(scope: &ScopeArgs) -> Result<Setup, Failure> {
        let rules = match &scope.rules {
            Some(path) => Rules::parse(&read(path)?).map_err(|e| Failure::input(path, e))?,
            None => Rules::builtin(),
        };
        Ok(Setup {
            rules,
            default_profile: scope.default_profile,
            profiles: scope.profiles.clone(),
            user: scope.user.clone(),
            server_version: scope.server_version.clone(),
        })
    }

    /// Runs `f` with the conversion options; the probe answers every query
    /// as the command line said.
    fn with_options<T>(&self, f: impl FnOnce(&mut ConvertOptions<'_>) -> T) -> T {
        let version = self.server_version.clone();
        let mut probe = move |_query: &ServerQuery<'_>| match &version {
            Some(version) => ServerStatus::Reachable {
                version: version.clone(),
            },
            None => ServerStatus::Unreachable {
                reason: "olkit profile was given no --server-version".to_owned(),
            },
        };
        let profiles = if self.default_profile {
            ProfileScope::Default
        } else if self.profiles.is_empty() {
            ProfileScope::All
        } else {
            ProfileScope::Named(self.profiles.clone())
        };
        let users = self
            .user
            .as_ref()
            .map_or(UserScope::All, |u| UserScope::Only(u.clone()));
        let mut options = ConvertOptions {
            rules: &self.rules,
            profiles,
            users,
            probe: &mut probe,
        };
        f(&mut options)
    }
}

/// `olkit profile plan --json`.
#[derive(Serialize)]
struct PlanJson<'a> {
    file: String,
    server_version: Option<&'a str>,
    converted_profiles: usize,
    blocked_profiles: usize,
    #[serde(flatten)]
    plan: &'a Plan,
}

impl<'a> PlanJson<'a> {
    fn new(file: &Path, setup: &'a Setup, plan: &'a Plan) -> Self {
        PlanJson {
            file: output::path_text(file),
            server_version: setup.server_version.as_deref(),
            converted_profiles: plan.converted_count(),
            blocked_profiles: plan.blocked_count(),
            plan,
        }
    }
}

fn plan_verb(args: &PlanArgs) -> Result<(), Failure> {
    let bytes = read(&args.file)?;
    check_kind(&args.file, &bytes)?;
    let setup = Setup::new(&args.scope)?;
    let plan = setup
        .with_options(|options| plan(&bytes, options))
        .map_err(|e| Failure::input(&args.file, e))?;
    let mut out = output::stdout();
    if args.json {
        let doc = PlanJson::new(&args.file, &setup, &plan);
        output::write_json(&mut out, &doc)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}: {}",
        args.file.display(),
        server_words(setup.server_version.as_deref())
    )?;
    out.write_all(plan.render_text().as_bytes())?;
    out.flush()?;
    Ok(())
}

fn server_words(version: Option<&str>) -> String {
    match version {
        Some(v) => format!("planned with the Kerio server at version {v}"),
        None => "planned with the Kerio server unreachable (no --server-version)".to_owned(),
    }
}

/// `olkit profile convert --json`.
#[derive(Serialize)]
struct ConvertJson<'a> {
    out: String,
    out_bytes: usize,
    undo: String,
    undo_bytes: usize,
    #[serde(flatten)]
    plan: PlanJson<'a>,
}

/// A path as it would be opened: symbolic links and `..` resolved, also
/// for a file that does not exist yet (through its directory).
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(path) = fs::canonicalize(path) {
        return Some(path);
    }
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    Some(fs::canonicalize(dir).ok()?.join(name))
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (resolved(a), resolved(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// Refuses outputs that would overwrite the input or each other.
fn check_outputs(args: &ConvertArgs) -> Result<(), Failure> {
    for (flag, path) in [("--out", &args.out), ("--undo", &args.undo)] {
        if same_file(path, &args.file) {
            return Err(Failure::Usage(format!(
                "{flag} {} names the input file: olkit never overwrites it; write elsewhere",
                path.display()
            )));
        }
    }
    if same_file(&args.out, &args.undo) {
        return Err(Failure::Usage(format!(
            "--out and --undo name the same file {}",
            args.out.display()
        )));
    }
    Ok(())
}

/// A file written in full beside its final name, not yet renamed.
struct Staged {
    temp: tempfile::NamedTempFile,
    target: PathBuf,
}

fn stage(target: &Path, bytes: &[u8]) -> Result<Staged, Failure> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let io_error = |e| Failure::Cli(CliError::io(target, e));
    let mut temp = tempfile::Builder::new()
        .prefix(".olkit-")
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(io_error)?;
    temp.write_all(bytes).map_err(io_error)?;
    temp.as_file().sync_all().map_err(io_error)?;
    Ok(Staged {
        temp,
        target: target.to_path_buf(),
    })
}

impl Staged {
    fn commit(self) -> Result<(), Failure> {
        let target = self.target;
        self.temp
            .persist(&target)
            .map_err(|e| Failure::Cli(CliError::io(&target, e.error)))?;
        Ok(())
    }
}

/// Writes NEW and UNDO, each complete before it takes its name; UNDO
/// first, so that a NEW on disk always has its undo beside it.
fn write_outputs(out: &Path, converted: &[u8], undo: &Path, restore: &[u8]) -> Result<(), Failure> {
    let staged_undo = stage(undo, restore)?;
    let staged_out = stage(out, converted)?;
    staged_undo.commit()?;
    staged_out.commit()
}

fn convert_verb(args: &ConvertArgs) -> Result<(), Failure> {
    check_outputs(args)?;
    let bytes = read(&args.file)?;
    check_kind(&args.file, &bytes)?;
    let setup = Setup::new(&args.scope)?;
    let conversion = setup
        .with_options(|options| convert(&bytes, options))
        .map_err(|e| Failure::input(&args.file, e))?;
    write_outputs(
        &args.out,
        &conversion.converted,
        &args.undo,
        &conversion.undo,
    )?;
    let plan = &conversion.plan;
    let mut out = output::stdout();
    if args.json {
        let doc = ConvertJson {
            out: output::path_text(&args.out),
            out_bytes: conversion.converted.len(),
            undo: output::path_text(&args.undo),
            undo_bytes: conversion.undo.len(),
            plan: PlanJson::new(&args.file, &setup, plan),
        };
        output::write_json(&mut out, &doc)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}: {}",
        args.file.display(),
        server_words(setup.server_version.as_deref()).replacen("planned", "converted", 1)
    )?;
    out.write_all(plan.render_text().as_bytes())?;
    let import = if matches!(plan.kind, ExportKind::Prf) {
        "use it as the profile file (outlook.exe /importprf NEW)"
    } else {
        "import it with reg import"
    };
    let nothing = match (plan.is_empty(), plan.blocked_count()) {
        (false, _) => "",
        (true, 0) => "nothing needed converting, so it is the same as the input; ",
        (true, _) => "nothing was converted (blocked profiles are left as they were), so it is the same as the input; ",
    };
    writeln!(
        out,
        "wrote {} ({} bytes): {nothing}{import}",
        args.out.display(),
        conversion.converted.len()
    )?;
    writeln!(
        out,
        "wrote {} ({} bytes): importing it after NEW restores the original",
        args.undo.display(),
        conversion.undo.len()
    )?;
    out.flush()?;
    Ok(())
}

// -- olkit demo

/// What `olkit demo` did with the example KOC profile export.
#[derive(Serialize)]
pub(crate) struct DemoProfile {
    export: crate::demo::DemoFile,
    /// The profiles before the conversion: name, default or not, services.
    before: Vec<DemoProfileServices>,
    /// `None`: the demo has no server, so it plans as unreachable.
    server_version: Option<String>,
    plan: Plan,
    converted: DemoOutput,
    undo: DemoOutput,
    /// The lines of the export and of the converted file compared as
    /// multisets: kept, only in the export, only in the converted file.
    lines_kept: usize,
    lines_removed: usize,
    lines_added: usize,
    after: Vec<DemoProfileServices>,
    /// Converting the converted file again.
    again: Plan,
}

#[derive(Serialize)]
struct DemoProfileServices {
    name: String,
    is_default: bool,
    services: Vec<String>,
}

#[derive(Serialize)]
struct DemoOutput {
    file: String,
    bytes: usize,
}

fn demo_error(path: &Path, e: &olkit_profile_convert::Error) -> CliError {
    CliError::Demo(format!("{}: {e}", path.display()))
}

fn services_of(path: &Path, bytes: &[u8]) -> Result<Vec<DemoProfileServices>, CliError> {
    let set = ProfileSet::parse(bytes).map_err(|e| demo_error(path, &e))?;
    Ok(set
        .profiles()
        .map(|(_, _, p)| DemoProfileServices {
            name: p.name.clone(),
            is_default: p.is_default,
            services: p
                .services()
                .into_iter()
                .map(|s| s.name.unwrap_or_else(|| "(no name)".to_owned()))
                .collect(),
        })
        .collect())
}

/// Lines kept, removed and added from `a` to `b`, compared as multisets.
fn line_changes(a: &[u8], b: &[u8], encoding: olkit_regfile::Encoding) -> (usize, usize, usize) {
    let (a, b) = (
        crate::demo::split_lines(a, encoding),
        crate::demo::split_lines(b, encoding),
    );
    let mut counts: HashMap<&[u8], usize> = HashMap::new();
    for line in &a {
        *counts.entry(line).or_default() += 1;
    }
    let mut kept = 0;
    for line in &b {
        if let Some(n) = counts.get_mut(line).filter(|n| **n > 0) {
            *n -= 1;
            kept += 1;
        }
    }
    (kept, a.len() - kept, b.len() - kept)
}

/// Step of `olkit demo`: list the example KOC export, plan its conversion
/// with the server unreachable, convert it into `dir` (converted and undo
/// files), and convert the result again, which must change nothing.
pub(crate) fn demo_step(dir: &Path, examples: Option<&Path>) -> Result<DemoProfile, CliError> {
    let (path, bytes, export) =
        crate::demo::load_example(dir, examples, &crate::demo::KOC_PROFILES_REG)?;
    let before = services_of(&path, &bytes)?;
    let setup = Setup {
        rules: Rules::builtin(),
        default_profile: false,
        profiles: Vec::new(),
        user: None,
        server_version: None,
    };
    let conversion = setup
        .with_options(|options| convert(&bytes, options))
        .map_err(|e| demo_error(&path, &e))?;
    if conversion.plan.converted_count() == 0 || conversion.converted == bytes {
        return Err(CliError::Demo(format!(
            "{}: no profile was converted:\n{}",
            path.display(),
            conversion.plan.render_text()
        )));
    }
    let converted_path = dir.join("koc-profiles-koff.reg");
    let undo_path = dir.join("koc-profiles-undo.reg");
    write_outputs(
        &converted_path,
        &conversion.converted,
        &undo_path,
        &conversion.undo,
    )
    .map_err(|f| match f {
        Failure::Cli(e) => e,
        Failure::Input { path, source } => demo_error(&path, &source),
        Failure::Usage(text) => CliError::Demo(text),
    })?;
    let encoding = olkit_regfile::RegFile::parse(&bytes)
        .map_err(|e| CliError::reg(&path, e))?
        .encoding();
    let (lines_kept, lines_removed, lines_added) =
        line_changes(&bytes, &conversion.converted, encoding);
    let after = services_of(&converted_path, &conversion.converted)?;

    let again = setup
        .with_options(|options| plan(&conversion.converted, options))
        .map_err(|e| demo_error(&converted_path, &e))?;
    let already_koff = again
        .profiles
        .iter()
        .any(|p| matches!(p.outcome, ProfileOutcome::AlreadyKoff));
    if !again.is_empty() || !already_koff {
        return Err(CliError::Demo(format!(
            "{}: converting again is not a no-op saying already KOFF:\n{}",
            converted_path.display(),
            again.render_text()
        )));
    }
    Ok(DemoProfile {
        export,
        before,
        server_version: setup.server_version,
        plan: conversion.plan,
        converted: DemoOutput {
            file: output::path_text(&converted_path),
            bytes: conversion.converted.len(),
        },
        undo: DemoOutput {
            file: output::path_text(&undo_path),
            bytes: conversion.undo.len(),
        },
        lines_kept,
        lines_removed,
        lines_added,
        after,
        again,
    })
}

fn profile_services(profiles: &[DemoProfileServices]) -> String {
    profiles
        .iter()
        .map(|p| {
            let default = if p.is_default { ", default" } else { "" };
            format!("{}{default}: {}", p.name, p.services.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Prints the demo step as step `number`.
pub(crate) fn demo_print(out: &mut impl Write, number: usize, d: &DemoProfile) -> io::Result<()> {
    let name = crate::demo::KOC_PROFILES_REG.name;
    writeln!(
        out,
        "\n{number}. Profile conversion {name} (from {}, {} bytes)",
        d.export.origin(),
        d.export.bytes
    )?;
    writeln!(out, "   profile list: {}", profile_services(&d.before))?;
    let plan = &d.plan;
    writeln!(
        out,
        "   profile plan ({}): {} to convert, {} blocked, {}",
        d.server_version.as_deref().map_or_else(
            || "server unreachable, as without --server-version".to_owned(),
            |v| format!("server version {v}")
        ),
        plural(plan.converted_count(), "profile", "profiles"),
        plan.blocked_count(),
        plural(plan.changes.len(), "change", "changes")
    )?;
    for line in plan.render_text().lines() {
        writeln!(out, "     {line}")?;
    }
    writeln!(
        out,
        "   profile convert: wrote {} ({} bytes) and {} ({} bytes, restores the original)",
        file_name(&d.converted.file),
        d.converted.bytes,
        file_name(&d.undo.file),
        d.undo.bytes
    )?;
    writeln!(
        out,
        "   lines: {} kept byte for byte, {} removed, {} added",
        d.lines_kept, d.lines_removed, d.lines_added
    )?;
    writeln!(out, "   after: {}", profile_services(&d.after))?;
    writeln!(
        out,
        "   converting {} again: already KOFF, nothing to change",
        file_name(&d.converted.file)
    )
}
