//! Running a query: name resolution and the evaluation rules of libmsi's
//! `where.c`, `select.c` and `distinct.c`, reproduced step for step where
//! they decide which rows come back and in what order.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;

use super::ast::{ColumnRef, CompareOp, Expr, Name, Operand, SelectItem, Span};
use super::{Param, Query, QueryLimits, SqlError, SqlErrorKind, TableSource};
use crate::{ColumnType, Error, Result, Table, Value};

/// libmsi's type for a select-list column of NULLs (`''`): `MSITYPE_UNKNOWN
/// | MSITYPE_VALID`, shown as `f0`.
const NULL_COLUMN_TYPE: u16 = 0x8000 | ColumnType::VALID;

/// A result column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultColumn {
    /// The column's name (empty for a `''` column).
    pub name: String,
    /// Its type; a `''` column has `0x8000 | VALID` (libmsi's `f0`).
    pub ty: ColumnType,
    /// The table it comes from (`None` for a `''` column).
    pub table: Option<String>,
}

/// Where a result column's values come from.
#[derive(Debug, Clone, Copy)]
enum Output {
    Null,
    Cell { pos: usize, col: usize },
}

/// The rows of a query, in libmsi's order.
#[derive(Debug, Clone)]
pub struct View {
    columns: Vec<ResultColumn>,
    outputs: Vec<Output>,
    /// The joined tables, in `FROM` order.
    tables: Vec<Arc<Table>>,
    /// `rows[i * tables.len() + pos]` is the row of table `pos` in result
    /// row `i`.
    rows: Vec<u32>,
}

/// One result row.
#[derive(Debug, Clone, Copy)]
pub struct Row<'v> {
    view: &'v View,
    index: usize,
}

/// Iterator over a view's rows.
#[derive(Debug, Clone)]
pub struct Rows<'v> {
    view: &'v View,
    next: usize,
}

impl View {
    /// Resolves `query` against `source`, binds `params` to its markers in
    /// order and runs it, with the default [`QueryLimits`].
    pub fn open<S: TableSource + ?Sized>(
        source: &S,
        query: &Query,
        params: &[Param],
    ) -> Result<View> {
        Self::open_with_limits(source, query, params, QueryLimits::default())
    }

    /// [`View::open`] with explicit limits.
    pub fn open_with_limits<S: TableSource + ?Sized>(
        source: &S,
        query: &Query,
        params: &[Param],
        limits: QueryLimits,
    ) -> Result<View> {
        let _span = tracing::debug_span!("msi_query", sql = query.sql()).entered();
        let plan = Plan::resolve(source, query)?;
        plan.run(params, limits)
    }

    /// The result columns.
    pub fn columns(&self) -> &[ResultColumn] {
        &self.columns
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len() / self.tables.len().max(1)
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `index` (0-based).
    pub fn row(&self, index: usize) -> Option<Row<'_>> {
        (index < self.len()).then_some(Row { view: self, index })
    }

    /// All rows, in order.
    pub fn rows(&self) -> Rows<'_> {
        Rows {
            view: self,
            next: 0,
        }
    }

    fn table_row(&self, index: usize, pos: usize) -> Option<usize> {
        let at = index.checked_mul(self.tables.len())?.checked_add(pos)?;
        self.rows.get(at).map(|&r| r as usize)
    }
}

impl<'v> Iterator for Rows<'v> {
    type Item = Row<'v>;

    fn next(&mut self) -> Option<Row<'v>> {
        let row = self.view.row(self.next)?;
        self.next += 1;
        Some(row)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.view.len().saturating_sub(self.next);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Rows<'_> {}

impl<'v> Row<'v> {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.view.outputs.len()
    }

    /// True when the row has no fields (never: a query selects at least
    /// one column).
    pub fn is_empty(&self) -> bool {
        self.view.outputs.is_empty()
    }

    /// Field `field` (0-based); `None` past the last field.
    pub fn get(&self, field: usize) -> Option<Value<'v>> {
        match *self.view.outputs.get(field)? {
            Output::Null => Some(Value::Null),
            Output::Cell { pos, col } => {
                let table = self.view.tables.get(pos)?;
                let row = self.view.table_row(self.index, pos)?;
                // libmsi cannot open a storage as a stream: always NULL.
                if table.name() == "_Storages" && col == 1 {
                    return Some(Value::Null);
                }
                table.value(row, col)
            }
        }
    }

    /// All fields.
    pub fn values(&self) -> Vec<Value<'v>> {
        (0..self.len()).filter_map(|i| self.get(i)).collect()
    }

    /// The name of the stream a [`Value::Stream`] field holds, for
    /// [`Package::read_stream`](crate::Package::read_stream).
    pub fn stream_name(&self, field: usize) -> Option<String> {
        let Output::Cell { pos, col } = *self.view.outputs.get(field)? else {
            return None;
        };
        let table = self.view.tables.get(pos)?;
        let row = self.view.table_row(self.index, pos)?;
        if table.name() == "_Streams" {
            if col != 1 || table.raw(row, 1)? == 0 {
                return None;
            }
            return match table.value(row, 0)? {
                Value::Str(name) => Some(name.to_owned()),
                _ => None,
            };
        }
        table.stream_name(row, col)
    }
}

/// How a column's cells compare in a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// 2-byte integer: value is `raw - 0x8000`.
    Int16,
    /// 4-byte integer: value is `raw - 0x8000_0000`.
    Int32,
    /// String or stream column: raw is a string id.
    Str,
}

#[derive(Debug, Clone, Copy)]
struct Col {
    pos: usize,
    col: usize,
    kind: Kind,
}

/// The right side of an integer comparison (the left is always a column).
#[derive(Debug, Clone)]
enum IntOperand {
    Col(Col),
    Value(i32),
    Marker,
}

/// A side of a string comparison.
#[derive(Debug, Clone)]
enum StrOperand {
    /// A string (or stream) column.
    Col(Col),
    /// An integer column: libmsi reads it as no string at all (NULL)
    /// without fetching it.
    IntCol(Col),
    Literal(String),
    Marker,
    /// An integer literal: NULL as a string.
    Int,
}

#[derive(Debug, Clone)]
enum Cond {
    /// An `AND`/`OR` chain, evaluated as libmsi's left-grouped binary
    /// tree.
    Logic {
        and: bool,
        operands: Vec<Cond>,
    },
    IntCmp {
        op: CompareOp,
        left: Col,
        right: IntOperand,
    },
    StrCmp {
        ne: bool,
        left: StrOperand,
        right: StrOperand,
        /// Slot of this comparison's memo of string ids.
        memo: usize,
    },
    IsNull {
        not_null: bool,
        col: Col,
    },
}

/// A resolved query.
struct Plan {
    /// Tables in `FROM` order (libmsi's `wv->tables`).
    tables: Vec<Arc<Table>>,
    /// libmsi's `table_index` of each table: the row tuples sort by it.
    table_index: Vec<usize>,
    /// `_Streams`/`_Storages` `Data` cells cannot be fetched as integers.
    unfetchable: Vec<bool>,
    columns: Vec<ResultColumn>,
    outputs: Vec<Output>,
    condition: Option<Cond>,
    memos: usize,
    /// Resolved `ORDER BY` columns; `None` when no sort happens.
    order: Option<Vec<Col>>,
    distinct: bool,
    /// Whether libmsi's where view runs (as opposed to reading one table
    /// straight).
    filtered: bool,
}

fn sql_error(span: Span, token: &str, kind: SqlErrorKind) -> Error {
    Error::Sql(SqlError {
        offset: span.start,
        token: token.to_owned(),
        kind,
    })
}

fn kind_of(ty: ColumnType) -> Kind {
    if ty.bits() & ColumnType::STRING != 0 {
        Kind::Str
    } else if ty.is_wide_integer() {
        Kind::Int32
    } else {
        Kind::Int16
    }
}

fn qualified(column: &ColumnRef) -> String {
    match &column.table {
        Some(t) => format!("{}.{}", t.name, column.column.name),
        None => column.column.name.clone(),
    }
}

impl Plan {
    fn resolve<S: TableSource + ?Sized>(source: &S, query: &Query) -> Result<Plan> {
        let select = query.select();
        let filtered =
            select.condition.is_some() || select.order_by.is_some() || select.from.len() != 1;
        // libmsi passes a join's tables as one space-separated string and
        // splits it again, last table first: a name with spaces becomes
        // several tables, and an empty name ends the list.
        let mut segments: Vec<(&str, Span)> = Vec::new();
        if filtered {
            for name in select.from.iter().rev() {
                segments.extend(name.name.split(' ').map(|part| (part, name.span)));
            }
            if segments.len() > 1 && segments.last().is_some_and(|(s, _)| s.is_empty()) {
                segments.pop();
            }
            if segments.len() == 1 && segments.first().is_some_and(|(s, _)| s.is_empty()) {
                let span = select.from.first().map_or_else(Span::default, |n| n.span);
                return Err(sql_error(span, "``", SqlErrorKind::NoTables));
            }
        } else {
            segments.extend(select.from.iter().map(|n| (n.name.as_str(), n.span)));
        }
        let count = segments.len();
        let mut tables = Vec::with_capacity(count);
        let mut table_index = Vec::with_capacity(count);
        for (index, (name, span)) in segments.iter().enumerate().rev() {
            let table = match source.table(name) {
                Ok(table) => table,
                Err(Error::NoSuchTable { .. }) => {
                    return Err(sql_error(
                        *span,
                        name,
                        SqlErrorKind::UnknownTable {
                            name: (*name).to_owned(),
                        },
                    ))
                }
                Err(other) => return Err(other),
            };
            tables.push(table);
            table_index.push(index);
        }
        let names: Vec<&str> = segments.iter().rev().map(|(name, _)| *name).collect();
        let unfetchable = names
            .iter()
            .map(|n| *n == "_Streams" || *n == "_Storages")
            .collect();
        let mut plan = Plan {
            tables,
            table_index,
            unfetchable,
            columns: Vec::new(),
            outputs: Vec::new(),
            condition: None,
            memos: 0,
            order: None,
            distinct: select.distinct,
            filtered,
        };
        let find = |plan: &Plan, column: &ColumnRef| -> Result<Col> {
            plan.find(&names, column.table.as_ref(), &column.column.name)
                .ok_or_else(|| {
                    sql_error(
                        column.column.span,
                        &column.column.name,
                        SqlErrorKind::UnknownColumn {
                            name: qualified(column),
                        },
                    )
                })
        };
        if let Some(condition) = &select.condition {
            plan.condition = Some(plan.verify(condition, &find)?);
        }
        if let Some(order) = &select.order_by {
            if !order.is_empty() {
                let cols = order
                    .iter()
                    .map(|c| find(&plan, c))
                    .collect::<Result<Vec<_>>>()?;
                plan.order = Some(cols);
            }
        }
        if select.columns.is_empty() {
            for (pos, table) in plan.tables.iter().enumerate() {
                for (col, column) in table.columns().iter().enumerate() {
                    plan.outputs.push(Output::Cell { pos, col });
                    plan.columns.push(ResultColumn {
                        name: column.name.clone(),
                        ty: column.ty,
                        table: names.get(pos).map(|n| (*n).to_owned()),
                    });
                }
            }
        } else {
            for item in &select.columns {
                let column = match item {
                    SelectItem::Column(c) => c.clone(),
                    SelectItem::Literal(name) => ColumnRef {
                        table: None,
                        column: name.clone(),
                    },
                };
                if column.column.name.is_empty() {
                    plan.outputs.push(Output::Null);
                    plan.columns.push(ResultColumn {
                        name: String::new(),
                        ty: ColumnType::from_bits(NULL_COLUMN_TYPE),
                        table: None,
                    });
                    continue;
                }
                let Col { pos, col, .. } = find(&plan, &column)?;
                let source_column = plan.tables.get(pos).and_then(|t| t.columns().get(col));
                plan.outputs.push(Output::Cell { pos, col });
                plan.columns.push(ResultColumn {
                    name: column.column.name.clone(),
                    ty: source_column.map_or(ColumnType::from_bits(0), |c| c.ty),
                    table: names.get(pos).map(|n| (*n).to_owned()),
                });
            }
        }
        Ok(plan)
    }

    /// The first column of the joined tables with this name (and table).
    fn find(&self, names: &[&str], table: Option<&Name>, column: &str) -> Option<Col> {
        for (pos, t) in self.tables.iter().enumerate() {
            if let Some(qualifier) = table {
                if names.get(pos).copied() != Some(qualifier.name.as_str()) {
                    continue;
                }
            }
            if let Some(col) = t.column_index(column) {
                let ty = t.columns().get(col)?.ty;
                return Some(Col {
                    pos,
                    col,
                    kind: kind_of(ty),
                });
            }
        }
        None
    }

    /// libmsi's `where_view_verify_condition`: resolves names and decides
    /// between integer and string comparison.
    fn verify(
        &mut self,
        expr: &Expr,
        find: &impl Fn(&Plan, &ColumnRef) -> Result<Col>,
    ) -> Result<Cond> {
        Ok(match expr {
            Expr::And(operands) | Expr::Or(operands) => Cond::Logic {
                and: matches!(expr, Expr::And(..)),
                operands: operands
                    .iter()
                    .map(|e| self.verify(e, find))
                    .collect::<Result<_>>()?,
            },
            Expr::IsNull { column, negated } => Cond::IsNull {
                not_null: *negated,
                col: find(self, column)?,
            },
            Expr::Compare { left, op, right } => {
                let left_col = find(self, left)?;
                let right_col = match right {
                    Operand::Column(c) => Some(find(self, c)?),
                    _ => None,
                };
                let stringy = left_col.kind == Kind::Str
                    || matches!(right, Operand::Str(_))
                    || right_col.is_some_and(|c| c.kind == Kind::Str);
                if !stringy {
                    let right = match (right, right_col) {
                        (_, Some(c)) => IntOperand::Col(c),
                        (Operand::Int(v), None) => IntOperand::Value(*v),
                        _ => IntOperand::Marker,
                    };
                    return Ok(Cond::IntCmp {
                        op: *op,
                        left: left_col,
                        right,
                    });
                }
                let ne = match op {
                    CompareOp::Eq => false,
                    CompareOp::Ne => true,
                    _ => {
                        return Err(sql_error(
                            left.column.span,
                            &left.column.name,
                            SqlErrorKind::StringComparison { op: op.as_str() },
                        ))
                    }
                };
                let side = |col: Col| match col.kind {
                    Kind::Str => StrOperand::Col(col),
                    _ => StrOperand::IntCol(col),
                };
                let right = match (right, right_col) {
                    (_, Some(c)) => side(c),
                    (Operand::Str(s), None) => StrOperand::Literal(s.clone()),
                    (Operand::Marker, None) => StrOperand::Marker,
                    _ => StrOperand::Int,
                };
                let memo = self.memos;
                self.memos += 1;
                Cond::StrCmp {
                    ne,
                    left: side(left_col),
                    right,
                    memo,
                }
            }
        })
    }

    /// libmsi's `ordertables`: tables compared with constants first (in
    /// the order its walk finds them), then tables joined to those, then
    /// the rest in `FROM` order.
    fn join_order(&self) -> Vec<usize> {
        let mut ordered = Vec::with_capacity(self.tables.len());
        if let Some(cond) = &self.condition {
            let mut last = None;
            reorder_check(cond, &mut ordered, false, &mut last);
            let mut last = None;
            reorder_check(cond, &mut ordered, true, &mut last);
        }
        for pos in 0..self.tables.len() {
            if !ordered.contains(&pos) {
                ordered.push(pos);
            }
        }
        ordered
    }

    fn run(self, params: &[Param], limits: QueryLimits) -> Result<View> {
        let width = self.tables.len();
        let mut rows: Vec<u32> = Vec::new();
        let any_empty = self.tables.iter().any(|t| t.row_count() == 0);
        if !self.filtered {
            let count = self.tables.first().map_or(0, |t| t.row_count());
            check_rows(count, limits)?;
            rows.reserve(count);
            for row in 0..count {
                rows.push(row_u32(row)?);
            }
        } else if !any_empty {
            let mut exec = Exec {
                plan: &self,
                params,
                memos: (0..self.memos).map(|_| Memo::default()).collect(),
                evaluations: 0,
                limits,
                current: vec![None; width],
                out: Vec::new(),
            };
            let mut status = match self.single_table_filter(params) {
                Some(mut filter) => {
                    rows = filter.run(&self, limits);
                    Ok(Flow::Success)
                }
                None => {
                    let order = self.join_order();
                    let status = exec.check(&order, 0);
                    rows = std::mem::take(&mut exec.out);
                    status
                }
            };
            if let Some(order_cols) = &self.order {
                // libmsi's qsort reports a comparison failure, and that
                // result replaces the condition's (even an error).
                status = self.sort(&mut rows, order_cols);
            } else {
                self.sort_by_rows(&mut rows);
            }
            let status = status.and_then(|flow| match rows.len() {
                n if n > limits.max_rows.saturating_mul(width.max(1)) => {
                    Err(self.runtime_error(SqlErrorKind::TooManyRows {
                        limit: limits.max_rows,
                    }))
                }
                _ => Ok(flow),
            });
            match status {
                Ok(Flow::Success) => {}
                Ok(Flow::Continue) => return Err(self.runtime_error(SqlErrorKind::Undecided)),
                Err(e) => return Err(e),
            }
        }
        let mut view = View {
            columns: self.columns.clone(),
            outputs: self.outputs.clone(),
            tables: self.tables.clone(),
            rows,
        };
        if self.distinct {
            self.distinct(&mut view)?;
        }
        Ok(view)
    }

    fn runtime_error(&self, kind: SqlErrorKind) -> Error {
        sql_error(Span::default(), "", kind)
    }

    fn not_comparable(&self, col: usize, pos: usize) -> Error {
        let table = self.tables.get(pos).map_or("", |t| t.name());
        let column = self
            .tables
            .get(pos)
            .and_then(|t| t.columns().get(col))
            .map_or("", |c| c.name.as_str());
        self.runtime_error(SqlErrorKind::NotComparable {
            column: format!("{table}.{column}"),
        })
    }

    /// libmsi's `fetch_int`: the raw cell, or an error for the cells of
    /// `_Streams`/`_Storages` other than the name.
    fn fetch(&self, pos: usize, col: usize, row: usize) -> Result<u32> {
        if col != 0 && self.unfetchable.get(pos).copied().unwrap_or(false) {
            return Err(self.not_comparable(col, pos));
        }
        Ok(self
            .tables
            .get(pos)
            .and_then(|t| t.raw(row, col))
            .unwrap_or(0))
    }

    fn positions_by_index(&self) -> Vec<usize> {
        let mut by_index: Vec<(usize, usize)> = self
            .table_index
            .iter()
            .copied()
            .enumerate()
            .map(|(pos, index)| (index, pos))
            .collect();
        by_index.sort_unstable();
        by_index.into_iter().map(|(_, pos)| pos).collect()
    }

    fn sort_by_rows(&self, rows: &mut Vec<u32>) {
        let width = self.tables.len();
        if width <= 1 {
            // A single table's rows are already in order.
            return;
        }
        let keys = self.positions_by_index();
        let mut tuples: Vec<&[u32]> = rows.chunks_exact(width).collect();
        tuples.sort_unstable_by(|a, b| {
            keys.iter()
                .map(|&pos| a.get(pos).cmp(&b.get(pos)))
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal)
        });
        *rows = tuples.concat();
    }

    fn sort(&self, rows: &mut Vec<u32>, order: &[Col]) -> Result<Flow> {
        let width = self.tables.len().max(1);
        let count = rows.len() / width;
        if count < 2 {
            return Ok(Flow::Success);
        }
        for c in order {
            if c.col != 0 && self.unfetchable.get(c.pos).copied().unwrap_or(false) {
                return Err(self.not_comparable(c.col, c.pos));
            }
        }
        // Flat keys (the ORDER BY cells of each row) and a permutation.
        let key_width = order.len();
        let mut keys = Vec::with_capacity(count * key_width);
        for tuple in rows.chunks_exact(width) {
            for c in order {
                let row = tuple.get(c.pos).map_or(0, |&r| r as usize);
                keys.push(
                    self.tables
                        .get(c.pos)
                        .and_then(|t| t.raw(row, c.col))
                        .unwrap_or(0),
                );
            }
        }
        // libmsi's compare_entry: the ORDER BY cells, then the row numbers
        // by table index.
        let positions = self.positions_by_index();
        let key = |i: usize| keys.get(i * key_width..(i + 1) * key_width).unwrap_or(&[]);
        let tuple = |i: usize| rows.get(i * width..(i + 1) * width).unwrap_or(&[]);
        let mut permutation: Vec<usize> = (0..count).collect();
        permutation.sort_unstable_by(|&a, &b| {
            key(a).cmp(key(b)).then_with(|| {
                let (ta, tb) = (tuple(a), tuple(b));
                positions
                    .iter()
                    .map(|&pos| ta.get(pos).cmp(&tb.get(pos)))
                    .find(|o| *o != Ordering::Equal)
                    .unwrap_or(Ordering::Equal)
            })
        });
        let sorted: Vec<u32> = permutation
            .iter()
            .flat_map(|&i| tuple(i).iter().copied())
            .collect();
        *rows = sorted;
        Ok(Flow::Success)
    }

    /// libmsi's `distinct.c`: keeps the first of rows whose selected raw
    /// cells are all equal.
    fn distinct(&self, view: &mut View) -> Result<()> {
        let width = self.tables.len().max(1);
        if view.rows.is_empty() {
            return Ok(());
        }
        for output in &self.outputs {
            if let Output::Cell { pos, col } = *output {
                if col != 0 && self.unfetchable.get(pos).copied().unwrap_or(false) {
                    return Err(self.not_comparable(col, pos));
                }
            }
        }
        let key_width = self.outputs.len();
        let mut keys = Vec::with_capacity(view.rows.len() / width * key_width);
        for tuple in view.rows.chunks_exact(width) {
            for output in &self.outputs {
                keys.push(match *output {
                    Output::Null => 0,
                    Output::Cell { pos, col } => {
                        let row = tuple.get(pos).map_or(0, |&r| r as usize);
                        self.tables
                            .get(pos)
                            .and_then(|t| t.raw(row, col))
                            .unwrap_or(0)
                    }
                });
            }
        }
        let mut seen: HashSet<&[u32]> = HashSet::new();
        let mut kept = Vec::new();
        for (tuple, key) in view
            .rows
            .chunks_exact(width)
            .zip(keys.chunks_exact(key_width.max(1)))
        {
            if seen.insert(key) {
                kept.extend_from_slice(tuple);
            }
        }
        view.rows = kept;
        Ok(())
    }
}

fn row_u32(row: usize) -> Result<u32> {
    u32::try_from(row).map_err(|_| {
        Error::Sql(SqlError {
            offset: 0,
            token: String::new(),
            kind: SqlErrorKind::TooManyRows {
                limit: u32::MAX as usize,
            },
        })
    })
}

fn check_rows(count: usize, limits: QueryLimits) -> Result<()> {
    if count > limits.max_rows {
        return Err(Error::Sql(SqlError {
            offset: 0,
            token: String::new(),
            kind: SqlErrorKind::TooManyRows {
                limit: limits.max_rows,
            },
        }));
    }
    Ok(())
}

const CONST_EXPR: u32 = 1;
const JOIN_TO_CONST_EXPR: u32 = 0x10000;

/// libmsi's `reorder_check`, on the verified condition.
fn reorder_check(
    cond: &Cond,
    ordered: &mut Vec<usize>,
    process_joins: bool,
    last: &mut Option<usize>,
) -> u32 {
    fn column(col: Col, ordered: &[usize], last: &mut Option<usize>) -> u32 {
        if ordered.contains(&col.pos) {
            return JOIN_TO_CONST_EXPR;
        }
        *last = Some(col.pos);
        CONST_EXPR
    }
    fn str_side(side: &StrOperand, ordered: &[usize], last: &mut Option<usize>) -> u32 {
        match side {
            StrOperand::Col(c) | StrOperand::IntCol(c) => column(*c, ordered, last),
            _ => 0,
        }
    }
    let res = match cond {
        Cond::Logic { operands, .. } => {
            // The chain is libmsi's left-grouped tree: every operand is
            // visited right to left, then each inner node's sum gets the
            // common tail, innermost first.
            let results: Vec<u32> = operands
                .iter()
                .rev()
                .map(|op| reorder_check(op, ordered, process_joins, last))
                .collect();
            let mut inner = results.iter().rev();
            let mut acc = inner.next().copied().unwrap_or(0);
            let outer_results: Vec<u32> = inner.copied().collect();
            let Some((&outermost, middle)) = outer_results.split_last() else {
                return acc;
            };
            for &r in middle {
                acc = reorder_tail(r.wrapping_add(acc), ordered, process_joins, *last);
            }
            outermost.wrapping_add(acc)
        }
        Cond::IntCmp { left, right, .. } => {
            let r = match right {
                IntOperand::Col(c) => column(*c, ordered, last),
                _ => 0,
            };
            r.wrapping_add(column(*left, ordered, last))
        }
        Cond::StrCmp { left, right, .. } => {
            let r = str_side(right, ordered, last);
            r.wrapping_add(str_side(left, ordered, last))
        }
        Cond::IsNull { col, .. } => column(*col, ordered, last),
    };
    reorder_tail(res, ordered, process_joins, *last)
}

/// The end of libmsi's `reorder_check` for a comparison or a binary node.
fn reorder_tail(
    res: u32,
    ordered: &mut Vec<usize>,
    process_joins: bool,
    last: Option<usize>,
) -> u32 {
    if res == 0 {
        return 0;
    }
    let add = res == CONST_EXPR || (process_joins && res == JOIN_TO_CONST_EXPR + CONST_EXPR);
    if add {
        if let Some(pos) = last {
            if !ordered.contains(&pos) {
                ordered.push(pos);
            }
        }
    }
    res
}

/// libmsi's `LIBMSI_RESULT_SUCCESS` / `LIBMSI_RESULT_CONTINUE`: whether
/// a condition was decided, or depends on a table whose row is not chosen
/// yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Success,
    Continue,
}

/// Per-comparison cache: for a string column against one constant, whether
/// each string id equals it.
#[derive(Debug, Default)]
struct Memo {
    /// The constant the states are for: the marker number, or 0 for a
    /// literal.
    key: Option<usize>,
    /// 0 = not computed, 1 = equal, 2 = different; index = string id.
    states: Vec<u8>,
}

struct Exec<'p> {
    plan: &'p Plan,
    params: &'p [Param],
    memos: Vec<Memo>,
    evaluations: u64,
    limits: QueryLimits,
    /// The chosen row of each table (`None` while not chosen).
    current: Vec<Option<usize>>,
    out: Vec<u32>,
}

/// A string side's value: `Err(())` means "not decided yet".
type StrValue<'a> = std::result::Result<Option<&'a str>, ()>;

fn nullish(s: Option<&str>) -> bool {
    s.is_none_or(str::is_empty)
}

/// libmsi's `expr_eval_strcmp` equality.
fn strings_equal(l: Option<&str>, r: Option<&str>) -> bool {
    if nullish(l) && nullish(r) {
        return true;
    }
    matches!((l, r), (Some(a), Some(b)) if a == b)
}

impl<'p> Exec<'p> {
    /// libmsi's `check_condition`: nested loops over the tables in join
    /// order, pruning with the partly decidable condition at each level.
    fn check(&mut self, order: &[usize], level: usize) -> Result<Flow> {
        let Some(&pos) = order.get(level) else {
            return Ok(Flow::Success);
        };
        let count = self.plan.tables.get(pos).map_or(0, |t| t.row_count());
        let last = level + 1 == order.len();
        let mut status: Result<Flow> = Ok(Flow::Success);
        for row in 0..count {
            if let Some(slot) = self.current.get_mut(pos) {
                *slot = Some(row);
            }
            self.evaluations += 1;
            if self.evaluations > self.limits.max_evaluations {
                status = Err(self.plan.runtime_error(SqlErrorKind::TooMuchWork {
                    limit: self.limits.max_evaluations,
                }));
                break;
            }
            let mut marker = 0usize;
            let plan: &'p Plan = self.plan;
            let evaluated = match &plan.condition {
                Some(cond) => self.eval(cond, &mut marker),
                None => Ok((Flow::Success, 1)),
            };
            let (flow, value) = match evaluated {
                Ok(v) => v,
                Err(e) => {
                    status = Err(e);
                    break;
                }
            };
            status = Ok(flow);
            if value == 0 {
                continue;
            }
            if !last {
                status = self.check(order, level + 1);
                if !matches!(status, Ok(Flow::Success)) {
                    break;
                }
            } else {
                if flow != Flow::Success {
                    break;
                }
                if let Err(e) = self.add_row() {
                    status = Err(e);
                    break;
                }
            }
        }
        if let Some(slot) = self.current.get_mut(pos) {
            *slot = None;
        }
        status
    }

    fn add_row(&mut self) -> Result<()> {
        let width = self.current.len().max(1);
        check_rows(self.out.len() / width + 1, self.limits)?;
        for &row in &self.current {
            self.out.push(row_u32(row.unwrap_or(0))?);
        }
        Ok(())
    }

    /// The raw cell of `col` in the current row, `None` when its table's
    /// row is not chosen yet.
    fn fetch(&self, col: Col) -> Result<Option<u32>> {
        match self.current.get(col.pos).copied().flatten() {
            None => Ok(None),
            Some(row) => self.plan.fetch(col.pos, col.col, row).map(Some),
        }
    }

    fn int_value(col: Col, raw: u32) -> i32 {
        match col.kind {
            Kind::Int32 => raw.wrapping_sub(0x8000_0000) as i32,
            _ => raw.wrapping_sub(0x8000) as i32,
        }
    }

    /// libmsi's `libmsi_record_get_int` on the parameter record.
    fn param_int(&self, number: usize) -> i32 {
        const NULL_INT: i32 = i32::MIN;
        match number.checked_sub(1).and_then(|i| self.params.get(i)) {
            Some(Param::Int(v)) => *v,
            Some(Param::Str(s)) if !s.is_empty() => {
                let (negative, digits) = match s.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, s.as_str()),
                };
                let mut value: i32 = 0;
                for b in digits.bytes() {
                    if !b.is_ascii_digit() {
                        return NULL_INT;
                    }
                    value = value.wrapping_mul(10).wrapping_add(i32::from(b - b'0'));
                }
                if negative {
                    value.wrapping_neg()
                } else {
                    value
                }
            }
            _ => NULL_INT,
        }
    }

    /// libmsi's `_libmsi_record_get_string_raw`: only string fields.
    fn param_str(&self, number: usize) -> Option<&'p str> {
        let params: &'p [Param] = self.params;
        match number.checked_sub(1).and_then(|i| params.get(i)) {
            Some(Param::Str(s)) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        }
    }

    /// libmsi's `where_view_evaluate`: the flow and the value (0 = false).
    fn eval(&mut self, cond: &'p Cond, marker: &mut usize) -> Result<(Flow, i32)> {
        match cond {
            Cond::Logic { and, operands } => {
                let op = if *and { Op::And } else { Op::Or };
                let mut operands = operands.iter();
                let mut acc = match operands.next() {
                    Some(first) => self.eval(first, marker)?,
                    None => (Flow::Success, 1),
                };
                for operand in operands {
                    let next = self.eval(operand, marker)?;
                    acc = combine(op, acc, next);
                }
                Ok(acc)
            }
            Cond::IntCmp { op, left, right } => {
                let l = match self.fetch(*left)? {
                    None => (Flow::Continue, 0),
                    Some(raw) => (Flow::Success, Self::int_value(*left, raw)),
                };
                let r = match right {
                    IntOperand::Col(c) => match self.fetch(*c)? {
                        None => (Flow::Continue, 0),
                        Some(raw) => (Flow::Success, Self::int_value(*c, raw)),
                    },
                    IntOperand::Value(v) => (Flow::Success, *v),
                    IntOperand::Marker => {
                        *marker += 1;
                        (Flow::Success, self.param_int(*marker))
                    }
                };
                Ok(combine(Op::Cmp(*op), l, r))
            }
            Cond::IsNull { not_null, col } => Ok(match self.fetch(*col)? {
                // libmsi leaves the value unset: the caller's 0 stands.
                None => (Flow::Continue, 0),
                Some(raw) => (Flow::Success, i32::from((raw != 0) == *not_null)),
            }),
            Cond::StrCmp {
                ne,
                left,
                right,
                memo,
            } => self.eval_strcmp(*ne, left, right, *memo, marker),
        }
    }

    fn eval_strcmp(
        &mut self,
        ne: bool,
        left: &'p StrOperand,
        right: &'p StrOperand,
        memo: usize,
        marker: &mut usize,
    ) -> Result<(Flow, i32)> {
        let truth = |equal: bool| i32::from(equal != ne);
        // Fast path: a string column against a constant, decided once per
        // string id.
        if let StrOperand::Col(col) = left {
            let constant_key = match right {
                StrOperand::Literal(_) | StrOperand::Int | StrOperand::IntCol(_) => Some(0),
                StrOperand::Marker => Some(*marker + 1),
                StrOperand::Col(_) => None,
            };
            if let Some(key) = constant_key {
                let Some(raw) = self.fetch_for_string(*col) else {
                    // Not decided: libmsi returns before reading the right
                    // side, so a marker there is not consumed.
                    return Ok((Flow::Continue, 1));
                };
                if matches!(right, StrOperand::Marker) {
                    *marker += 1;
                }
                let equal = self.memo_equal(memo, key, *col, raw, right);
                return Ok((Flow::Success, truth(equal)));
            }
        }
        let l = match self.string_side(left, marker) {
            Ok(v) => v,
            Err(()) => return Ok((Flow::Continue, 1)),
        };
        let r = match self.string_side(right, marker) {
            Ok(v) => v,
            Err(()) => return Ok((Flow::Continue, 1)),
        };
        Ok((Flow::Success, truth(strings_equal(l, r))))
    }

    /// The raw id for a string comparison: `None` when undecided; a cell
    /// that cannot be fetched reads as NULL (libmsi ignores that error
    /// here).
    fn fetch_for_string(&self, col: Col) -> Option<u32> {
        match self.fetch(col) {
            Ok(None) => None,
            Ok(Some(raw)) => Some(raw),
            Err(_) => Some(0),
        }
    }

    fn string_at(&self, col: Col, raw: u32) -> Option<&'p str> {
        if raw == 0 {
            return Some("");
        }
        let plan: &'p Plan = self.plan;
        plan.tables.get(col.pos)?.strings().get(raw)
    }

    fn string_side<'s>(&'s self, side: &'s StrOperand, marker: &mut usize) -> StrValue<'s> {
        match side {
            StrOperand::Col(col) => {
                let raw = self.fetch_for_string(*col).ok_or(())?;
                Ok(self.string_at(*col, raw))
            }
            StrOperand::IntCol(_) | StrOperand::Int => Ok(None),
            StrOperand::Literal(s) => Ok(Some(s.as_str())),
            StrOperand::Marker => {
                *marker += 1;
                Ok(self.param_str(*marker))
            }
        }
    }

    fn memo_equal(
        &mut self,
        memo: usize,
        key: usize,
        col: Col,
        raw: u32,
        right: &'p StrOperand,
    ) -> bool {
        let plan: &'p Plan = self.plan;
        let pool_len = plan.tables.get(col.pos).map_or(0, |t| t.strings().len());
        let index = raw as usize;
        if index <= pool_len {
            if let Some(slot) = self.memos.get_mut(memo) {
                if slot.key != Some(key) || slot.states.len() != pool_len + 1 {
                    slot.key = Some(key);
                    slot.states = vec![0; pool_len + 1];
                }
                match slot.states.get(index) {
                    Some(1) => return true,
                    Some(2) => return false,
                    _ => {}
                }
            }
        }
        let constant = match right {
            StrOperand::Literal(s) => Some(s.as_str()),
            StrOperand::Marker => self.param_str(key),
            _ => None,
        };
        if index > pool_len {
            return nullish(constant);
        }
        let equal = strings_equal(self.string_at(col, raw), constant);
        if let Some(state) = self
            .memos
            .get_mut(memo)
            .and_then(|m| m.states.get_mut(index))
        {
            *state = if equal { 1 } else { 2 };
        }
        equal
    }
}

/// A single table's condition compiled for speed. With one table every
/// column is always available, so libmsi's partial evaluation never
/// happens and markers are numbered in the order they are written.
enum Fast {
    All(Vec<Fast>),
    Any(Vec<Fast>),
    Const(bool),
    IsNull {
        col: usize,
        not_null: bool,
    },
    Int {
        op: CompareOp,
        col: usize,
        wide: bool,
        right: FastInt,
    },
    /// A string column against a constant, decided once per string id.
    StrConst {
        ne: bool,
        col: usize,
        constant: Option<String>,
        memo: Vec<u8>,
    },
    /// Two string sides, at least one a column (`None`: a NULL side).
    StrCols {
        ne: bool,
        left: Option<usize>,
        right: Option<usize>,
    },
}

enum FastInt {
    Col { col: usize, wide: bool },
    Value(i32),
}

struct FastFilter {
    cond: Option<Fast>,
}

fn int_of(raw: u32, wide: bool) -> i32 {
    if wide {
        raw.wrapping_sub(0x8000_0000) as i32
    } else {
        raw.wrapping_sub(0x8000) as i32
    }
}

impl Plan {
    /// The fast filter for a one-table query without `_Streams`/
    /// `_Storages` (whose cells libmsi cannot always fetch).
    fn single_table_filter(&self, params: &[Param]) -> Option<FastFilter> {
        if self.tables.len() != 1 || self.unfetchable.iter().any(|u| *u) {
            return None;
        }
        let probe = Exec {
            plan: self,
            params,
            memos: Vec::new(),
            evaluations: 0,
            limits: QueryLimits::default(),
            current: Vec::new(),
            out: Vec::new(),
        };
        let mut marker = 0usize;
        let cond = self
            .condition
            .as_ref()
            .map(|c| compile(c, &probe, &mut marker));
        Some(FastFilter { cond })
    }
}

fn compile(cond: &Cond, exec: &Exec<'_>, marker: &mut usize) -> Fast {
    match cond {
        Cond::Logic { and, operands } => {
            let operands = operands.iter().map(|c| compile(c, exec, marker)).collect();
            if *and {
                Fast::All(operands)
            } else {
                Fast::Any(operands)
            }
        }
        Cond::IsNull { not_null, col } => Fast::IsNull {
            col: col.col,
            not_null: *not_null,
        },
        Cond::IntCmp { op, left, right } => {
            let right = match right {
                IntOperand::Col(c) => FastInt::Col {
                    col: c.col,
                    wide: c.kind == Kind::Int32,
                },
                IntOperand::Value(v) => FastInt::Value(*v),
                IntOperand::Marker => {
                    *marker += 1;
                    FastInt::Value(exec.param_int(*marker))
                }
            };
            Fast::Int {
                op: *op,
                col: left.col,
                wide: left.kind == Kind::Int32,
                right,
            }
        }
        Cond::StrCmp {
            ne, left, right, ..
        } => {
            let mut side = |operand: &StrOperand| -> Result<Option<usize>, Option<String>> {
                match operand {
                    StrOperand::Col(c) => Ok(Some(c.col)),
                    StrOperand::IntCol(_) | StrOperand::Int => Err(None),
                    StrOperand::Literal(s) => Err(Some(s.clone())),
                    StrOperand::Marker => {
                        *marker += 1;
                        Err(exec.param_str(*marker).map(str::to_owned))
                    }
                }
            };
            let l = side(left);
            let r = side(right);
            match (l, r) {
                (Ok(Some(col)), Err(constant)) | (Err(constant), Ok(Some(col))) => Fast::StrConst {
                    ne: *ne,
                    col,
                    constant,
                    memo: Vec::new(),
                },
                (Err(a), Err(b)) => Fast::Const(strings_equal(a.as_deref(), b.as_deref()) != *ne),
                (l, r) => Fast::StrCols {
                    ne: *ne,
                    left: l.ok().flatten(),
                    right: r.ok().flatten(),
                },
            }
        }
    }
}

impl Fast {
    fn test(&mut self, table: &Table, row: usize) -> bool {
        let raw = |col: usize| table.raw(row, col).unwrap_or(0);
        match self {
            Fast::All(operands) => operands.iter_mut().all(|c| c.test(table, row)),
            Fast::Any(operands) => operands.iter_mut().any(|c| c.test(table, row)),
            Fast::Const(value) => *value,
            Fast::IsNull { col, not_null } => (raw(*col) != 0) == *not_null,
            Fast::Int {
                op,
                col,
                wide,
                right,
            } => {
                let l = int_of(raw(*col), *wide);
                let r = match right {
                    FastInt::Col { col, wide } => int_of(raw(*col), *wide),
                    FastInt::Value(v) => *v,
                };
                match op {
                    CompareOp::Eq => l == r,
                    CompareOp::Ne => l != r,
                    CompareOp::Lt => l < r,
                    CompareOp::Gt => l > r,
                    CompareOp::Le => l <= r,
                    CompareOp::Ge => l >= r,
                }
            }
            Fast::StrConst {
                ne,
                col,
                constant,
                memo,
            } => {
                let id = raw(*col) as usize;
                let pool = table.strings();
                if memo.is_empty() {
                    *memo = vec![0; pool.len() + 1];
                }
                let equal = match memo.get(id) {
                    Some(1) => true,
                    Some(2) => false,
                    _ => {
                        let value = if id == 0 {
                            Some("")
                        } else {
                            pool.get(id as u32)
                        };
                        let equal = strings_equal(value, constant.as_deref());
                        if let Some(state) = memo.get_mut(id) {
                            *state = if equal { 1 } else { 2 };
                        }
                        equal
                    }
                };
                equal != *ne
            }
            Fast::StrCols { ne, left, right } => {
                let pool = table.strings();
                let value = |side: &Option<usize>| match side {
                    Some(col) => match raw(*col) {
                        0 => Some(""),
                        id => pool.get(id),
                    },
                    None => None,
                };
                strings_equal(value(left), value(right)) != *ne
            }
        }
    }
}

impl FastFilter {
    fn run(&mut self, plan: &Plan, limits: QueryLimits) -> Vec<u32> {
        let Some(table) = plan.tables.first() else {
            return Vec::new();
        };
        let mut rows = Vec::new();
        for row in 0..table.row_count() {
            let keep = self.cond.as_mut().is_none_or(|c| c.test(table, row));
            if keep {
                // Row numbers past u32 cannot occur: tables that large are
                // rejected when read; stop at the row limit either way.
                let Ok(row) = u32::try_from(row) else { break };
                rows.push(row);
                if rows.len() > limits.max_rows {
                    break;
                }
            }
        }
        rows
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    And,
    Or,
    Cmp(CompareOp),
}

/// libmsi's `expr_eval_binary` once both sides are evaluated.
fn combine(op: Op, (lf, lval): (Flow, i32), (rf, rval): (Flow, i32)) -> (Flow, i32) {
    if lf == Flow::Continue || rf == Flow::Continue {
        if lf == rf {
            return (Flow::Continue, 1);
        }
        match op {
            Op::And
                if (lf == Flow::Continue && rval == 0) || (rf == Flow::Continue && lval == 0) =>
            {
                return (Flow::Success, 0)
            }
            Op::Or
                if (lf == Flow::Continue && rval != 0) || (rf == Flow::Continue && lval != 0) =>
            {
                return (Flow::Success, 1)
            }
            _ => {}
        }
        return (Flow::Continue, 1);
    }
    let value = match op {
        Op::And => lval != 0 && rval != 0,
        Op::Or => lval != 0 || rval != 0,
        Op::Cmp(CompareOp::Eq) => lval == rval,
        Op::Cmp(CompareOp::Ne) => lval != rval,
        Op::Cmp(CompareOp::Lt) => lval < rval,
        Op::Cmp(CompareOp::Gt) => lval > rval,
        Op::Cmp(CompareOp::Le) => lval <= rval,
        Op::Cmp(CompareOp::Ge) => lval >= rval,
    };
    (Flow::Success, i32::from(value))
}
