//! The syntax tree of a `SELECT` and its canonical SQL text.
//!
//! [`Display`](std::fmt::Display) prints every name backquoted and every
//! operand of `AND`/`OR` parenthesized, so parsing the printed text gives the
//! same tree back (names containing a backquote, which only a `[...]` name
//! can, are printed as they are; strings cannot contain a single quote).

use std::fmt;

/// Where a piece of the query is, in bytes. Positions are information for
/// error messages and take no part in equality: a tree parsed from its own
/// printed text compares equal to the original.
#[derive(Debug, Clone, Copy, Default, Eq)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl PartialEq for Span {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

/// A whole `SELECT` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Select {
    /// `SELECT DISTINCT`.
    pub distinct: bool,
    /// The select list; empty means `*`.
    pub columns: Vec<SelectItem>,
    /// The tables after `FROM`, in order (at least one).
    pub from: Vec<Name>,
    /// The `WHERE` condition.
    pub condition: Option<Expr>,
    /// `ORDER BY` columns; `Some(vec![])` is `ORDER BY *` (which sorts
    /// nothing).
    pub order_by: Option<Vec<ColumnRef>>,
}

/// A name (table or column) as written, quotes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The name (case-sensitive).
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

impl Name {
    /// A name without position (for trees built by hand).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            span: Span::default(),
        }
    }
}

/// A column, optionally qualified by its table (`table.column`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    /// The table qualifier.
    pub table: Option<Name>,
    /// The column.
    pub column: Name,
}

/// One entry of the select list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectItem {
    /// A column.
    Column(ColumnRef),
    /// A single-quoted string: libmsi (and this crate) take it as a column
    /// name; the empty string (like an empty backquoted name) selects a
    /// column of NULLs with an empty name.
    Literal(Name),
}

/// A `WHERE` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `a AND b AND ...`: two or more operands, grouped from the left as
    /// libmsi evaluates them (a chain is one node, so long chains do not
    /// make deep trees).
    And(Vec<Expr>),
    /// `a OR b OR ...`: two or more operands, grouped from the left.
    Or(Vec<Expr>),
    /// `column op operand` (the left side is always a column).
    Compare {
        /// The column on the left.
        left: ColumnRef,
        /// The operator.
        op: CompareOp,
        /// The right side.
        right: Operand,
    },
    /// `column IS NULL` or `column IS NOT NULL`.
    IsNull {
        /// The column tested.
        column: ColumnRef,
        /// `IS NOT NULL`.
        negated: bool,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `<>` (also written `!=`)
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

impl CompareOp {
    /// The operator's SQL spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "<>",
            Self::Lt => "<",
            Self::Gt => ">",
            Self::Le => "<=",
            Self::Ge => ">=",
        }
    }
}

/// The right side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// Another column.
    Column(ColumnRef),
    /// An integer literal (`-` applied, wrapped to 32 bits as libmsi does).
    Int(i32),
    /// A single-quoted string.
    Str(String),
    /// `?`: the next parameter.
    Marker,
}

fn write_name(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    if name.contains('`') {
        f.write_str(name)
    } else {
        write!(f, "`{name}`")
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_name(f, &self.name)
    }
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(table) = &self.table {
            write!(f, "{table}.")?;
        }
        write!(f, "{}", self.column)
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Column(c) => write!(f, "{c}"),
            // i32::MIN prints as -2147483648, which reads back as itself
            // through libmsi's wrapping arithmetic.
            Self::Int(i) => write!(f, "{i}"),
            Self::Str(s) => write!(f, "'{s}'"),
            Self::Marker => f.write_str("?"),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::And(operands) | Self::Or(operands) => {
                let op = if matches!(self, Self::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                for (i, operand) in operands.iter().enumerate() {
                    if i > 0 {
                        f.write_str(op)?;
                    }
                    write!(f, "({operand})")?;
                }
                Ok(())
            }
            Self::Compare { left, op, right } => write!(f, "{left} {} {right}", op.as_str()),
            Self::IsNull { column, negated } => {
                write!(f, "{column} IS {}NULL", if *negated { "NOT " } else { "" })
            }
        }
    }
}

impl fmt::Display for Select {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SELECT ")?;
        if self.distinct {
            f.write_str("DISTINCT ")?;
        }
        if self.columns.is_empty() {
            f.write_str("*")?;
        }
        for (i, item) in self.columns.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match item {
                SelectItem::Column(c) => write!(f, "{c}")?,
                SelectItem::Literal(s) => write!(f, "'{}'", s.name)?,
            }
        }
        f.write_str(" FROM ")?;
        for (i, table) in self.from.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{table}")?;
        }
        if let Some(condition) = &self.condition {
            write!(f, " WHERE {condition}")?;
        }
        if let Some(order) = &self.order_by {
            f.write_str(" ORDER BY ")?;
            if order.is_empty() {
                f.write_str("*")?;
            }
            for (i, c) in order.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}
