//! Migration sets: what a format is, and the steps from each format to the
//! next. The engine ([`crate::migrate`]) runs them; it knows nothing of the
//! tables themselves.
//!
//! Inside a step the new database is schema `main` and the database the
//! step reads is attached read-only as schema `old`, so the step's SQL says
//! `INSERT INTO main.t SELECT ... FROM old.t`.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::Error;

/// A step's data work that SQL alone cannot do: read rows of the old
/// database, transform them in Rust, write the new database.
///
/// The transform must stream (memory independent of the database size)
/// and call [`TransformContext::advance`] as it goes, at least every few
/// milliseconds of work: that drives progress and cancel.
pub trait Transform: Send + Sync {
    /// The table this transform fills, as progress shows it.
    fn table(&self) -> &str;

    /// How many source rows [`Transform::run`] will read: the total its
    /// [`TransformContext::advance`] calls add up to. `db` has the old
    /// database attached as `old`.
    fn source_rows(&self, db: &Connection) -> Result<u64, Error>;

    /// Reads the old database and writes the new one.
    fn run(&self, ctx: &mut TransformContext<'_>) -> Result<(), Error>;
}

/// What a [`Transform`] works with.
pub struct TransformContext<'a> {
    pub(crate) target: &'a Connection,
    pub(crate) source_path: &'a Path,
    pub(crate) from: u32,
    pub(crate) advance: &'a mut dyn FnMut(u64) -> Result<(), Error>,
}

impl std::fmt::Debug for TransformContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransformContext")
            .field("source_path", &self.source_path)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl<'a> TransformContext<'a> {
    /// The new database (schema `main`), with the old one attached as
    /// `old`. A transaction is open: write freely, do not commit.
    ///
    /// The connection outlives this borrow of the context, so statements
    /// prepared on it stay usable across [`TransformContext::advance`].
    pub fn target(&self) -> &'a Connection {
        self.target
    }

    /// The database this step reads.
    pub fn source_path(&self) -> &Path {
        self.source_path
    }

    /// The format this step starts from.
    pub fn from_format(&self) -> u32 {
        self.from
    }

    /// A new read-only connection to the database this step reads, to use
    /// on another thread (reading and hashing while this thread writes).
    pub fn open_source(&self) -> Result<Connection, Error> {
        open_read_only(self.source_path)
    }

    /// Records `rows` more source rows as done. Returns
    /// [`Error::Cancelled`] once the caller asked to stop: return it from
    /// [`Transform::run`] at once. Cheap enough to call for every row.
    pub fn advance(&mut self, rows: u64) -> Result<(), Error> {
        (self.advance)(rows)
    }
}

/// Opens a database read-only, without creating it.
pub(crate) fn open_read_only(path: &Path) -> Result<Connection, Error> {
    let db = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| Error::sqlite(path, "opening read-only", e))?;
    register_functions(&db).map_err(|e| Error::sqlite(path, "registering functions", e))?;
    Ok(db)
}

/// How one table of the new database gets its rows.
pub(crate) enum Copy {
    /// Same table, same columns: `INSERT INTO main.t SELECT * FROM old.t`.
    Table(String),
    /// One `INSERT ... SELECT` statement, and the SQL counting its source rows.
    Sql {
        table: String,
        insert: String,
        source_rows: String,
    },
    /// Rust code.
    Transform(Box<dyn Transform>),
}

impl Copy {
    pub(crate) fn table(&self) -> &str {
        match self {
            Copy::Table(table) | Copy::Sql { table, .. } => table,
            Copy::Transform(transform) => transform.table(),
        }
    }
}

/// A verification query: SQL over the new database (schema `main`) that
/// returns one integer, the number of rows breaking a rule; 0 passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What the rule is, for the report ("every blob is referenced").
    pub description: String,
    /// The query.
    pub sql: String,
    /// Checked only by [`crate::check`] and by migrations with
    /// [`crate::Verify::Full`]: a rule that reads every value (re-hashing
    /// every blob, say) and would double the time of a routine upgrade.
    pub full_only: bool,
}

/// A row-count check: `main.<table>` must hold as many rows as `expected`
/// (SQL over the old database, attached as `old`) counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowCheck {
    pub(crate) table: String,
    pub(crate) expected: String,
}

/// One step: from format `from` to `from + 1`.
///
/// ```
/// use olkit_dbmigrate::Step;
///
/// let step = Step::new(1, "notes get a title")
///     .schema("CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT, body TEXT);")
///     .copy_sql(
///         "notes",
///         "INSERT INTO main.notes(id, title, body) SELECT id, substr(body, 1, 20), body FROM old.notes",
///         "SELECT count(*) FROM old.notes",
///     )
///     .finish("CREATE INDEX notes_title ON notes(title);");
/// assert_eq!(step.from_format(), 1);
/// ```
pub struct Step {
    pub(crate) from: u32,
    pub(crate) description: String,
    pub(crate) schema: String,
    pub(crate) copies: Vec<Copy>,
    pub(crate) finish: String,
    pub(crate) row_checks: Vec<RowCheck>,
    pub(crate) checks: Vec<Check>,
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step")
            .field("from", &self.from)
            .field("description", &self.description)
            .field(
                "tables",
                &self.copies.iter().map(Copy::table).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Step {
    /// A step from format `from` to `from + 1`.
    pub fn new(from: u32, description: impl Into<String>) -> Self {
        Step {
            from,
            description: description.into(),
            schema: String::new(),
            copies: Vec::new(),
            finish: String::new(),
            row_checks: Vec::new(),
            checks: Vec::new(),
        }
    }

    /// SQL creating the new format's tables, run on the empty new database
    /// before any data. Secondary indexes belong in [`Step::finish`], so
    /// they are built once after the load.
    pub fn schema(mut self, sql: impl Into<String>) -> Self {
        self.schema = sql.into();
        self
    }

    /// A table that does not change: same name, same columns, rows copied
    /// as they are (one `INSERT ... SELECT *`) and counted afterwards.
    pub fn copy_table(mut self, table: impl Into<String>) -> Self {
        let table = table.into();
        self.row_checks.push(RowCheck {
            expected: format!("SELECT count(*) FROM old.{}", quote_name(&table)),
            table: table.clone(),
        });
        self.copies.push(Copy::Table(table));
        self
    }

    /// A table filled by one `INSERT ... SELECT` statement; `source_rows`
    /// counts the rows it reads (for progress), and `main.<table>` must end
    /// with that many rows.
    pub fn copy_sql(
        mut self,
        table: impl Into<String>,
        insert: impl Into<String>,
        source_rows: impl Into<String>,
    ) -> Self {
        let table = table.into();
        let source_rows = source_rows.into();
        self.row_checks.push(RowCheck {
            table: table.clone(),
            expected: source_rows.clone(),
        });
        self.copies.push(Copy::Sql {
            table,
            insert: insert.into(),
            source_rows,
        });
        self
    }

    /// Rows written by Rust code. Add [`Step::expect_rows`] for the tables
    /// it fills.
    pub fn transform(mut self, transform: impl Transform + 'static) -> Self {
        self.copies.push(Copy::Transform(Box::new(transform)));
        self
    }

    /// SQL run after all data is in: indexes, triggers.
    pub fn finish(mut self, sql: impl Into<String>) -> Self {
        self.finish = sql.into();
        self
    }

    /// After the load, `main.<table>` must hold as many rows as `expected`
    /// (SQL over `old`) counts.
    pub fn expect_rows(mut self, table: impl Into<String>, expected: impl Into<String>) -> Self {
        self.row_checks.push(RowCheck {
            table: table.into(),
            expected: expected.into(),
        });
        self
    }

    /// A rule the new database must satisfy after this step: `sql` returns
    /// the number of rows breaking it.
    pub fn check(mut self, description: impl Into<String>, sql: impl Into<String>) -> Self {
        self.checks.push(Check {
            description: description.into(),
            sql: sql.into(),
            full_only: false,
        });
        self
    }

    /// The format this step starts from.
    pub fn from_format(&self) -> u32 {
        self.from
    }

    /// What the step does.
    pub fn description(&self) -> &str {
        &self.description
    }
}

/// The formats of one application's database and the steps between them.
///
/// A format is `PRAGMA user_version`; the application is
/// `PRAGMA application_id`. The set also says how to build an empty
/// database of the newest format (the rebuild fallback) and which tables
/// to salvage from an old database that cannot be migrated.
///
/// ```
/// use olkit_dbmigrate::{MigrationSet, Step};
///
/// let set = MigrationSet::new("notes", 0x4E4F5445, 2, "CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT, body TEXT);")
///     .step(
///         Step::new(1, "notes get a title")
///             .schema("CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT, body TEXT);")
///             .copy_sql("notes", "INSERT INTO main.notes SELECT id, NULL, body FROM old.notes", "SELECT count(*) FROM old.notes"),
///     )
///     .salvage("notes");
/// assert_eq!(set.current_format(), 2);
/// assert_eq!(set.oldest_format(), 1);
/// ```
pub struct MigrationSet {
    pub(crate) name: String,
    pub(crate) application_id: i32,
    pub(crate) current: u32,
    pub(crate) current_schema: String,
    pub(crate) steps: Vec<Step>,
    pub(crate) salvage: Vec<String>,
    pub(crate) format_checks: Vec<(u32, Check)>,
}

impl std::fmt::Debug for MigrationSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MigrationSet")
            .field("name", &self.name)
            .field("application_id", &self.application_id)
            .field("current", &self.current)
            .field("steps", &self.steps)
            .field("salvage", &self.salvage)
            .finish_non_exhaustive()
    }
}

impl MigrationSet {
    /// A set for databases whose `application_id` is `application_id`,
    /// whose newest format is `current`, created empty by `current_schema`
    /// (tables and indexes; the engine sets the pragmas).
    pub fn new(
        name: impl Into<String>,
        application_id: i32,
        current: u32,
        current_schema: impl Into<String>,
    ) -> Self {
        MigrationSet {
            name: name.into(),
            application_id,
            current,
            current_schema: current_schema.into(),
            steps: Vec::new(),
            salvage: Vec::new(),
            format_checks: Vec::new(),
        }
    }

    /// Adds the next step. Steps must be added in order and end at the
    /// current format; [`crate::migrate`] refuses a set where they do not.
    pub fn step(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// A table whose rows a rebuild copies from the old database, as many
    /// as can still be read. Its columns must be the same in every format
    /// (offline edits not yet sent to a server, for example).
    pub fn salvage(mut self, table: impl Into<String>) -> Self {
        self.salvage.push(table.into());
        self
    }

    /// A rule every database of `format` satisfies (checked by
    /// [`crate::check`] and after each migration ending at that format).
    pub fn format_check(
        self,
        format: u32,
        description: impl Into<String>,
        sql: impl Into<String>,
    ) -> Self {
        self.push_format_check(format, description.into(), sql.into(), false)
    }

    /// A rule like [`MigrationSet::format_check`] that is too costly for
    /// every upgrade: [`crate::check`] always checks it, a migration only
    /// with [`crate::Verify::Full`].
    pub fn full_format_check(
        self,
        format: u32,
        description: impl Into<String>,
        sql: impl Into<String>,
    ) -> Self {
        self.push_format_check(format, description.into(), sql.into(), true)
    }

    fn push_format_check(
        mut self,
        format: u32,
        description: String,
        sql: String,
        full_only: bool,
    ) -> Self {
        self.format_checks.push((
            format,
            Check {
                description,
                sql,
                full_only,
            },
        ));
        self
    }

    /// The set's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `application_id` of the set's databases.
    pub fn application_id(&self) -> i32 {
        self.application_id
    }

    /// The newest format.
    pub fn current_format(&self) -> u32 {
        self.current
    }

    /// The oldest format the steps start from (the current format when
    /// there are no steps).
    pub fn oldest_format(&self) -> u32 {
        self.steps.first().map_or(self.current, |s| s.from)
    }

    /// The steps, oldest first.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The rules of `format`.
    pub fn checks_for(&self, format: u32) -> impl Iterator<Item = &Check> {
        self.format_checks
            .iter()
            .filter(move |(f, _)| *f == format)
            .map(|(_, check)| check)
    }

    /// Refuses a set whose steps do not lead, one format at a time, to the
    /// current format.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        let invalid = |reason: String| Error::InvalidSet {
            set: self.name.clone(),
            reason,
        };
        let mut expected = self.oldest_format();
        for step in &self.steps {
            if step.from != expected {
                return Err(invalid(format!(
                    "step \"{}\" starts from format {}, expected {expected}",
                    step.description, step.from
                )));
            }
            if step.schema.trim().is_empty() {
                return Err(invalid(format!(
                    "step \"{}\" has no schema",
                    step.description
                )));
            }
            expected += 1;
        }
        if expected != self.current {
            return Err(invalid(format!(
                "the steps end at format {expected}, but the current format is {}",
                self.current
            )));
        }
        if self.current_schema.trim().is_empty() {
            return Err(invalid("no schema for the current format".into()));
        }
        Ok(())
    }
}

/// `name` as an SQL identifier, in double quotes.
pub(crate) fn quote_name(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// SQL functions every connection of the engine has, for steps and checks:
/// `sha256(X)`, the SHA-256 of a blob or text as a 32-byte blob (NULL for
/// NULL).
pub(crate) fn register_functions(db: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    use rusqlite::types::ValueRef;
    use sha2::{Digest, Sha256};
    db.create_scalar_function(
        "sha256",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let digest = match ctx.get_raw(0) {
                ValueRef::Null => return Ok(None),
                ValueRef::Blob(bytes) | ValueRef::Text(bytes) => Sha256::digest(bytes),
                ValueRef::Integer(_) | ValueRef::Real(_) => {
                    Sha256::digest(ctx.get::<String>(0)?.as_bytes())
                }
            };
            Ok(Some(digest.to_vec()))
        },
    )
}
