//! Windows Installer SQL, read side: the `SELECT` dialect of
//! `MsiDatabaseOpenView`, with the results, row order and errors of libmsi
//! (the engine of msitools, shared with Wine's msi.dll).
//!
//! [`Query::prepare`] parses (no package needed); [`View::open`] resolves
//! the names against a [`TableSource`] (a [`Package`](crate::Package) or
//! any map of tables), binds the `?` markers from a slice of [`Param`] and
//! runs the query. Rows come in exactly libmsi's order.
//!
//! What libmsi does, and so this module (all checked against libmsi by the
//! `sql_oracle` test):
//! - joins are nested loops whose final order is by the row numbers of the
//!   `FROM` tables, the last table varying slowest;
//! - a column name that several `FROM` tables have means the first such
//!   table's (no ambiguity error);
//! - integer columns compare as signed 32-bit values where NULL is the
//!   column's smallest value (-32768 for 2-byte, -2147483648 for 4-byte
//!   columns), so `x < 0` includes NULLs; `IS NULL` is the reliable test;
//! - strings compare by bytes with `=` and `<>` only; NULL and the empty
//!   string are equal; a string compared with an integer column or an
//!   integer literal behaves as NULL;
//! - `ORDER BY` sorts ascending by the stored cell: string columns by
//!   string-pool id (not alphabetically), integers numerically with NULL
//!   first;
//! - `DISTINCT` keeps the first of rows whose selected cells are equal;
//! - a missing parameter is NULL; an integer parameter compared with a
//!   string column is NULL; a string parameter compared with an integer
//!   column is read as a decimal number (NULL if it is not one); extra
//!   parameters are ignored;
//! - `'name'` in the select list names a column; `''` or `` `` `` selects a
//!   column of NULLs; `SELECT a, *` is `SELECT a`; `ORDER BY *` sorts
//!   nothing;
//! - `[name]` is a name that includes its brackets (so it never matches a
//!   real table or column); backquotes quote names.
//!
//! Where this module deliberately differs from libmsi:
//! - `ORDER BY a, b` sorts by every column and checks every name (libmsi,
//!   and Wine, sort by the first column only and ignore the rest);
//! - queries on which libmsi hangs or crashes get an error or an answer: a
//!   query ending in `-` (libmsi loops forever), a lone `` ` `` or `'` at
//!   the end, a `WHERE` over an empty backquoted table name (crashes),
//!   `DISTINCT` with a stream column in the result (crashes; here the first
//!   of equal rows);
//! - a NUL character is an error (the C API cannot pass one);
//! - a stream field is [`Value::Stream`](crate::Value::Stream) when its
//!   cell is non-zero (libmsi opens the stream by name whatever the cell);
//! - `ORDER BY` on `_Streams.Name` sorts by the ids of this crate's own
//!   pool of stream names (libmsi adds the names to the database pool);
//! - parentheses nest at most [`MAX_DEPTH`] deep and queries are at most
//!   [`MAX_QUERY_LEN`] bytes; [`QueryLimits`] bounds joins.

mod ast;
mod eval;
mod lexer;
mod parser;

use std::fmt;
use std::sync::Arc;

pub use ast::{ColumnRef, CompareOp, Expr, Name, Operand, Select, SelectItem, Span};
pub use eval::{ResultColumn, Row, Rows, View};

use crate::{Result, Table};

/// Longest query text accepted, in bytes.
pub const MAX_QUERY_LEN: usize = 1 << 20;

/// Deepest nesting of parentheses accepted in a condition, so that every
/// walk over the tree stays well inside the stack.
pub const MAX_DEPTH: usize = 64;

/// A parsed `SELECT`, ready to run against any package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    sql: String,
    select: Select,
    markers: usize,
}

impl Query {
    /// Parses `sql`. Errors say where (byte offset) and why.
    pub fn prepare(sql: &str) -> Result<Query> {
        Ok(Self::parse(sql)?)
    }

    /// [`Query::prepare`] with the SQL error itself.
    pub fn parse(sql: &str) -> Result<Query, SqlError> {
        if sql.len() > MAX_QUERY_LEN {
            return Err(SqlError {
                offset: MAX_QUERY_LEN,
                token: String::new(),
                kind: SqlErrorKind::TooLong {
                    limit: MAX_QUERY_LEN,
                },
            });
        }
        let tokens = lexer::tokenize(sql)?;
        let (select, markers) = parser::parse(sql, &tokens)?;
        Ok(Query {
            sql: sql.to_owned(),
            select,
            markers,
        })
    }

    /// The text the query was parsed from.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The syntax tree.
    pub fn select(&self) -> &Select {
        &self.select
    }

    /// Number of `?` markers.
    pub fn marker_count(&self) -> usize {
        self.markers
    }
}

impl fmt::Display for Query {
    /// The canonical text (see [`Select`]'s `Display`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.select.fmt(f)
    }
}

impl std::str::FromStr for Query {
    type Err = SqlError;

    fn from_str(sql: &str) -> Result<Self, SqlError> {
        Self::parse(sql)
    }
}

/// A value bound to a `?` marker (a field of MsiViewExecute's record).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Param {
    /// NULL.
    Null,
    /// An integer.
    Int(i32),
    /// A string (the empty string is NULL, as in a Windows Installer
    /// record).
    Str(String),
}

impl From<i32> for Param {
    fn from(value: i32) -> Self {
        Param::Int(value)
    }
}

impl From<&str> for Param {
    fn from(value: &str) -> Self {
        Param::Str(value.to_owned())
    }
}

impl From<String> for Param {
    fn from(value: String) -> Self {
        Param::Str(value)
    }
}

impl<T: Into<Param>> From<Option<T>> for Param {
    fn from(value: Option<T>) -> Self {
        value.map_or(Param::Null, Into::into)
    }
}

/// Where queries find their tables: stored tables and the virtual
/// `_Tables`, `_Columns`, `_Streams` and `_Storages`.
pub trait TableSource {
    /// The table called `name` (case-sensitive);
    /// [`Error::NoSuchTable`](crate::Error::NoSuchTable) when there is none.
    fn table(&self, name: &str) -> Result<Arc<Table>>;
}

impl TableSource for crate::Package {
    fn table(&self, name: &str) -> Result<Arc<Table>> {
        crate::Package::table(self, name)
    }
}

impl<S: std::hash::BuildHasher> TableSource for std::collections::HashMap<String, Arc<Table>, S> {
    fn table(&self, name: &str) -> Result<Arc<Table>> {
        self.get(name)
            .cloned()
            .ok_or_else(|| crate::Error::NoSuchTable {
                name: name.to_owned(),
            })
    }
}

impl crate::Package {
    /// Runs a query without parameters.
    pub fn query(&self, sql: &str) -> Result<View> {
        View::open(self, &Query::prepare(sql)?, &[])
    }

    /// Runs a query, binding its `?` markers in order from `params`.
    pub fn query_with(&self, sql: &str, params: &[Param]) -> Result<View> {
        View::open(self, &Query::prepare(sql)?, params)
    }
}

/// A query that is not valid SQL, or not valid against the package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SQL error at byte {offset}{}: {kind}", if token.is_empty() { String::new() } else { format!(" ({token:?})") })]
pub struct SqlError {
    /// Byte offset in the query text of the token concerned.
    pub offset: usize,
    /// That token as written (empty at the end of the query).
    pub token: String,
    /// What is wrong.
    pub kind: SqlErrorKind,
}

/// Why a query was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SqlErrorKind {
    /// A token that cannot come here.
    Syntax {
        /// What could have come instead.
        expected: &'static str,
    },
    /// The query ends too early.
    UnexpectedEnd,
    /// A reserved word where a name must be (quote it: `` `Key` ``).
    KeywordAsName {
        /// The keyword, upper-case.
        keyword: String,
    },
    /// A character that is no part of the dialect (`;`, `+`, CR, ...).
    IllegalCharacter,
    /// A double quote: strings take single quotes, names backquotes.
    DoubleQuote,
    /// A single-quoted string without its closing quote.
    UnterminatedString,
    /// A backquoted name without its closing backquote.
    UnterminatedName,
    /// A NUL character (which would end the query in the Windows API).
    NulCharacter,
    /// The query text is longer than [`MAX_QUERY_LEN`].
    TooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// Parentheses nest deeper than [`MAX_DEPTH`].
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// No table of that name.
    UnknownTable {
        /// The name.
        name: String,
    },
    /// No column of that name in the `FROM` tables (or in the qualifying
    /// table).
    UnknownColumn {
        /// The name, `table.column` when qualified.
        name: String,
    },
    /// The `FROM` list names no table (an empty backquoted name).
    NoTables,
    /// An ordering operator on a string column or string literal: strings
    /// take only `=` and `<>`.
    StringComparison {
        /// The operator.
        op: &'static str,
    },
    /// A column whose cells cannot be compared (the `Data` column of
    /// `_Streams`/`_Storages`), used in `IS NULL`, `ORDER BY` or
    /// `DISTINCT`.
    NotComparable {
        /// The column, `table.column`.
        column: String,
    },
    /// The result would have more rows than the limit.
    TooManyRows {
        /// The limit.
        limit: usize,
    },
    /// A join would evaluate its condition more often than the limit.
    TooMuchWork {
        /// The limit (condition evaluations).
        limit: u64,
    },
    /// The condition could not be decided for a row (libmsi fails such
    /// queries too; no known query reaches it).
    Undecided,
}

fn bracket_hint(name: &str) -> &'static str {
    if name.starts_with('[') {
        " (brackets are part of a name in Windows Installer SQL; quote names with backquotes)"
    } else {
        ""
    }
}

impl fmt::Display for SqlErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { expected } => write!(f, "syntax error, expected {expected}"),
            Self::UnexpectedEnd => f.write_str("unexpected end of the query"),
            Self::KeywordAsName { keyword } => write!(
                f,
                "{keyword} is a reserved word; quote it as `{keyword}` to use it as a name"
            ),
            Self::IllegalCharacter => f.write_str("character not allowed here"),
            Self::DoubleQuote => f.write_str(
                "double quotes are not allowed: strings take single quotes, names backquotes",
            ),
            Self::UnterminatedString => f.write_str("string without its closing quote"),
            Self::UnterminatedName => f.write_str("name without its closing backquote"),
            Self::NulCharacter => f.write_str("NUL character in the query"),
            Self::TooLong { limit } => write!(f, "query longer than {limit} bytes"),
            Self::TooDeep { limit } => write!(f, "parentheses nested deeper than {limit}"),
            Self::UnknownTable { name } => {
                write!(f, "no table named {name:?}{}", bracket_hint(name))
            }
            Self::UnknownColumn { name } => {
                write!(f, "no column named {name:?}{}", bracket_hint(name))
            }
            Self::NoTables => f.write_str("no table to select from"),
            Self::StringComparison { op } => write!(
                f,
                "{op} cannot compare strings (strings take only = and <>)"
            ),
            Self::NotComparable { column } => {
                write!(
                    f,
                    "column {column} cannot be compared, sorted or tested for NULL"
                )
            }
            Self::TooManyRows { limit } => write!(f, "result over the limit of {limit} rows"),
            Self::TooMuchWork { limit } => {
                write!(f, "join over the limit of {limit} condition evaluations")
            }
            Self::Undecided => f.write_str("the condition could not be decided"),
        }
    }
}

/// Resource limits of one query run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// Most result rows (default 10,000,000).
    pub max_rows: usize,
    /// Most condition evaluations of a join (default 1,000,000,000).
    pub max_evaluations: u64,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_rows: 10_000_000,
            max_evaluations: 1_000_000_000,
        }
    }
}
