//! The in-memory shape of a table: columns with their Windows Installer
//! types, rows of raw cells, and the string pool the cells point into.
//!
//! Stored tables and the virtual ones (`_Tables`, `_Columns`, `_Streams`,
//! `_Storages`) share this model, so the SQL engine and the IDT exporter see
//! one kind of table.

use std::sync::Arc;

/// A column type as `_Columns.Type` stores it: flag bits plus a size in the
/// low byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColumnType(u16);

impl ColumnType {
    /// The type is known (set on every column of a valid database).
    pub const VALID: u16 = 0x0100;
    /// Strings of the column are localizable (IDT `l`/`L`).
    pub const LOCALIZABLE: u16 = 0x0200;
    /// The column holds string references (or, with size 0 and no other
    /// flags but `VALID`/`NULLABLE`, stream references).
    pub const STRING: u16 = 0x0800;
    /// The column accepts NULL.
    pub const NULLABLE: u16 = 0x1000;
    /// The column is part of the primary key.
    pub const KEY: u16 = 0x2000;
    /// The column exists only in memory (never in a saved database).
    pub const TEMPORARY: u16 = 0x4000;

    /// The type from its stored bits.
    pub const fn from_bits(bits: u16) -> Self {
        Self(bits)
    }

    /// The stored bits.
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// A stream (binary) column: `STRING | VALID`, optionally `NULLABLE`,
    /// nothing else.
    pub const fn is_stream(self) -> bool {
        self.0 & !Self::NULLABLE == Self::STRING | Self::VALID
    }

    /// A column of string references (not a stream column).
    pub const fn is_string(self) -> bool {
        self.0 & Self::STRING != 0 && !self.is_stream()
    }

    /// A column of integers (2- or 4-byte).
    pub const fn is_integer(self) -> bool {
        self.0 & Self::STRING == 0
    }

    /// The column accepts NULL.
    pub const fn is_nullable(self) -> bool {
        self.0 & Self::NULLABLE != 0
    }

    /// The column belongs to the primary key.
    pub const fn is_key(self) -> bool {
        self.0 & Self::KEY != 0
    }

    /// The column is localizable.
    pub const fn is_localizable(self) -> bool {
        self.0 & Self::LOCALIZABLE != 0
    }

    /// An integer column stored in 4 bytes: declared sizes 1 and 2 take two
    /// bytes, anything larger four (as Windows and libmsi store them).
    pub const fn is_wide_integer(self) -> bool {
        self.is_integer() && self.size() > 2
    }

    /// The declared size: maximum characters for strings (0 = unlimited),
    /// bytes for integers (2 or 4).
    pub const fn size(self) -> u16 {
        self.0 & 0xff
    }
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The column's name (case-sensitive).
    pub name: String,
    /// 1-based position, as `_Columns.Number` holds it.
    pub number: u16,
    /// Its type.
    pub ty: ColumnType,
}

/// A field value as the SQL engine and the exporters see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// No value (the empty string is NULL too).
    Null,
    /// An integer, already un-biased.
    Int(i32),
    /// A string from the pool.
    Str(&'a str),
    /// A stream column that has a stream; [`Table::stream_name`] names it.
    Stream,
}

/// A table's strings, decoded from the database code page, addressed by the
/// 1-based ids that cells hold (0 is NULL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StringPool {
    codepage: u32,
    text: String,
    /// `spans[id - 1]` is the byte range of string `id` in `text`.
    spans: Vec<(usize, usize)>,
}

impl StringPool {
    /// An empty pool for the given code page.
    pub fn new(codepage: u32) -> Self {
        Self {
            codepage,
            text: String::new(),
            spans: Vec::new(),
        }
    }

    /// Appends a string and returns its id (ids start at 1).
    pub fn push(&mut self, s: &str) -> u32 {
        let start = self.text.len();
        self.text.push_str(s);
        self.spans.push((start, self.text.len()));
        u32::try_from(self.spans.len()).unwrap_or(u32::MAX)
    }

    /// The string with this id; `None` for id 0 and for ids past the end.
    pub fn get(&self, id: u32) -> Option<&str> {
        let index = usize::try_from(id).ok()?.checked_sub(1)?;
        let &(start, end) = self.spans.get(index)?;
        self.text.get(start..end)
    }

    /// Number of ids in the pool (the highest valid id).
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when the pool holds no strings.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The code page the strings were stored in (0 = neutral).
    pub fn codepage(&self) -> u32 {
        self.codepage
    }
}

/// A decoded table: columns and rows of raw cells.
///
/// Cells are kept as stored: string columns hold pool ids (0 = NULL),
/// integer columns hold the biased value (0 = NULL; 2-byte values are
/// stored `+ 0x8000`, 4-byte values `^ 0x8000_0000`), stream columns hold
/// non-zero when the row has a stream.
#[derive(Debug, Clone)]
pub struct Table {
    name: String,
    columns: Vec<Column>,
    /// Row-major: `cells[row * columns.len() + col]`.
    cells: Vec<u32>,
    pool: Arc<StringPool>,
}

impl Table {
    /// A table from row-major raw cells. `cells.len()` must be a multiple
    /// of the column count (extra cells are dropped).
    pub fn new(
        name: String,
        columns: Vec<Column>,
        mut cells: Vec<u32>,
        pool: Arc<StringPool>,
    ) -> Self {
        let width = columns.len().max(1);
        cells.truncate(cells.len() / width * width);
        Self {
            name,
            columns,
            cells,
            pool,
        }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its columns, in `Number` order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The index of the column with exactly this name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Number of rows.
    pub fn row_count(&self) -> usize {
        if self.columns.is_empty() {
            0
        } else {
            self.cells.len() / self.columns.len()
        }
    }

    /// The string pool the cells refer to.
    pub fn strings(&self) -> &Arc<StringPool> {
        &self.pool
    }

    /// The raw cell, or `None` when `row`/`col` is out of range.
    pub fn raw(&self, row: usize, col: usize) -> Option<u32> {
        if col >= self.columns.len() {
            return None;
        }
        let index = row.checked_mul(self.columns.len())?.checked_add(col)?;
        self.cells.get(index).copied()
    }

    /// The cell's value, or `None` when `row`/`col` is out of range. A
    /// string id missing from the pool reads as NULL (the loader has
    /// already rejected such tables).
    pub fn value(&self, row: usize, col: usize) -> Option<Value<'_>> {
        let raw = self.raw(row, col)?;
        let ty = self.columns.get(col)?.ty;
        Some(decode_cell(raw, ty, &self.pool))
    }

    /// The name of the stream a stream cell refers to: the table name and
    /// the row's primary key values joined by `.` (as Windows names them).
    /// `None` when the cell is not a stream cell holding a stream.
    pub fn stream_name(&self, row: usize, col: usize) -> Option<String> {
        if !self.columns.get(col)?.ty.is_stream() || self.raw(row, col)? == 0 {
            return None;
        }
        let mut name = self.name.clone();
        for (index, column) in self.columns.iter().enumerate() {
            if !column.ty.is_key() {
                continue;
            }
            name.push('.');
            match self.value(row, index)? {
                Value::Null | Value::Stream => {}
                Value::Int(i) => name.push_str(&i.to_string()),
                Value::Str(s) => name.push_str(s),
            }
        }
        Some(name)
    }
}

/// Decodes one raw cell of a column of type `ty`.
pub fn decode_cell(raw: u32, ty: ColumnType, pool: &StringPool) -> Value<'_> {
    if raw == 0 {
        return Value::Null;
    }
    if ty.is_stream() {
        return Value::Stream;
    }
    if ty.is_string() {
        return match pool.get(raw) {
            Some("") | None => Value::Null,
            Some(s) => Value::Str(s),
        };
    }
    if ty.is_wide_integer() {
        Value::Int((raw ^ 0x8000_0000) as i32)
    } else {
        Value::Int(raw as i32 - 0x8000)
    }
}

/// Encodes an integer the way a cell of type `ty` stores it (the inverse of
/// [`decode_cell`] for integer columns).
pub fn encode_int(value: i32, ty: ColumnType) -> u32 {
    if ty.is_wide_integer() {
        (value as u32) ^ 0x8000_0000
    } else {
        (value.wrapping_add(0x8000) as u32) & 0xffff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_bias_round_trips() {
        let i2 = ColumnType::from_bits(ColumnType::VALID | 2);
        let i4 = ColumnType::from_bits(ColumnType::VALID | 4);
        let pool = StringPool::new(0);
        for v in [-32767, -1, 0, 1, 32767] {
            assert_eq!(decode_cell(encode_int(v, i2), i2, &pool), Value::Int(v));
        }
        for v in [i32::MIN + 1, -1, 0, 1, i32::MAX] {
            assert_eq!(decode_cell(encode_int(v, i4), i4, &pool), Value::Int(v));
        }
        assert_eq!(decode_cell(0, i4, &pool), Value::Null);
    }

    #[test]
    fn stream_names_join_the_primary_key() {
        let s72 =
            ColumnType::from_bits(ColumnType::VALID | ColumnType::STRING | ColumnType::KEY | 72);
        let v0 =
            ColumnType::from_bits(ColumnType::VALID | ColumnType::STRING | ColumnType::NULLABLE);
        let mut pool = StringPool::new(1252);
        let icon = pool.push("app.ico");
        let columns = vec![
            Column {
                name: "Name".into(),
                number: 1,
                ty: s72,
            },
            Column {
                name: "Data".into(),
                number: 2,
                ty: v0,
            },
        ];
        let table = Table::new("Icon".into(), columns, vec![icon, 1, 0, 0], Arc::new(pool));
        assert_eq!(table.row_count(), 2);
        assert!(v0.is_stream() && !v0.is_string());
        assert_eq!(table.value(0, 1), Some(Value::Stream));
        assert_eq!(table.stream_name(0, 1).as_deref(), Some("Icon.app.ico"));
        assert_eq!(table.stream_name(1, 1), None);
        assert_eq!(table.value(2, 0), None);
    }
}
