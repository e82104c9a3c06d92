#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The invariants the `msi_open` and `msi_sql` fuzz targets check, run over
//! every input kept in `tests/fuzz-corpus/msi_open/` and
//! `tests/fuzz-corpus/msi_sql/` (crashes the fuzzers found and
//! coverage-diverse samples of their corpora).
//!
//! `fuzz/fuzz_targets/msi_open.rs` and `fuzz/fuzz_targets/msi_sql.rs`
//! include this file with `#[path]`, so [`check_open`] and [`check_sql`]
//! are the one copy of the checks; the tests below are compiled only under
//! `cargo test`.

use std::collections::HashSet;
use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use olkit_msi_query::sql::{
    ColumnRef, Expr, Name, Operand, Param, Query, QueryLimits, Select, SelectItem, SqlErrorKind,
    View,
};
use olkit_msi_query::{
    export_table, export_table_names, idt_column_type, Error, OpenOptions, Package, PackageKind,
    Table, Value, FORCE_CODEPAGE, SUMMARY_INFORMATION,
};

/// The virtual tables every package answers for.
const VIRTUAL_TABLES: [&str; 4] = ["_Tables", "_Columns", "_Streams", "_Storages"];

/// Limits small enough that no input makes the differential opening (see
/// [`check_limits`]) read much; most tables of the seeds fit in them.
const SMALL: OpenOptions = OpenOptions {
    max_stream_bytes: 512,
    max_pool_bytes: 512,
};

/// Query limits of the fuzzers: joins of the fixture's small tables are
/// bounded well inside the time an input may take.
const LIMITS: QueryLimits = QueryLimits {
    max_rows: 20_000,
    max_evaluations: 200_000,
};

/// Bytes for a panic message: lossy text, escaped, cut at 300 characters.
fn show(bytes: &[u8]) -> String {
    let text = format!("{:?}", String::from_utf8_lossy(bytes));
    match text.char_indices().nth(300) {
        Some((cut, _)) => format!("{}... ({} bytes)", &text[..cut], bytes.len()),
        None => text,
    }
}

/// A name as a backquoted SQL identifier, when it can be one: a backquote
/// cannot be quoted and a NUL is refused, and in a query with `WHERE` or
/// `ORDER BY` libmsi splits table names at spaces.
fn quoted(name: &str, filtered: bool) -> Option<String> {
    let usable = !(name.contains(['`', '\0']) || filtered && name.contains(' '));
    usable.then(|| format!("`{name}`"))
}

// -- msi_open

/// Checks every invariant on one input opened as a package, panicking on a
/// violation:
///
/// 1. opening and every reader call return a value or a typed error, never
///    a panic; a package that opens opens again the same;
/// 2. every table that loads is consistent: its columns are numbered
///    `1..=n` and are what [`Package::columns`] says, every cell in range is
///    readable and decodes to a value of its column's kind, nothing past the
///    last row or column is, stream names go with stream values, and a
///    second load returns the cached table;
/// 3. the virtual tables agree with the reader: `_Tables` is
///    [`Package::table_names`] before de-duplication, `_Streams` and
///    `_Storages` are [`Package::stream_names`] and
///    [`Package::storage_names`];
/// 4. IDT export succeeds exactly for the tables that load (and for the
///    pseudo-tables when the summary information reads), with the header
///    lines of the table's columns and a line per row;
/// 5. `SELECT *` of a table is the table, cell for cell; `IS NULL` and
///    `IS NOT NULL` split its rows by cells stored as 0; `ORDER BY` keeps
///    every row;
/// 6. [`Package::property`], answered from the raw `Property` stream before
///    any table is decoded, agrees with the decoded `Property` table;
///    [`Package::identity`] with [`Package::property`];
/// 7. no stream reads longer than the file;
/// 8. smaller limits only turn answers into [`Error::TooLarge`]: whatever
///    reads under them reads the same as under the default limits.
pub fn check_open(data: &[u8]) {
    let package = match Package::from_bytes(data.to_vec()) {
        Ok(package) => package,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let fresh = Package::from_bytes(data.to_vec())
        .unwrap_or_else(|e| panic!("opens once, then fails: {e}"));
    assert_eq!(fresh.kind(), package.kind());
    assert_eq!(fresh.codepage(), package.codepage());
    assert!(
        package.cached_tables().is_empty(),
        "opening decoded tables: {:?}",
        package.cached_tables()
    );
    let _ = format!("{package:?}");

    let names = package.table_names();
    match (&names, package.kind()) {
        (Ok(names), PackageKind::MergeModule) => {
            assert!(names.iter().any(|n| n == "ModuleSignature"));
        }
        (Ok(names), PackageKind::Database) => {
            assert!(!names.iter().any(|n| n == "ModuleSignature"));
        }
        (Err(e), PackageKind::Database | PackageKind::MergeModule) => {
            panic!("a database opened without its catalog: {e}")
        }
        _ => {}
    }
    match (&names, export_table_names(&package)) {
        (Ok(names), Ok(exported)) => {
            assert_eq!(&exported[..2], [SUMMARY_INFORMATION, FORCE_CODEPAGE]);
            assert_eq!(&exported[2..], names.as_slice());
        }
        (Err(_), Err(_)) => {}
        (names, exported) => panic!("table_names {names:?}, export_table_names {exported:?}"),
    }

    check_properties(&package, &fresh);

    let mut all: Vec<String> = VIRTUAL_TABLES.iter().map(|s| (*s).to_owned()).collect();
    if let Ok(names) = &names {
        for name in names {
            assert!(package.has_table(name).unwrap(), "{name:?} listed, not had");
            all.push(name.clone());
        }
    }
    for name in &all {
        check_table(&package, name, data.len());
    }
    if let (Ok(names), Ok(tables)) = (&names, package.table("_Tables")) {
        // The catalog keeps the first row of each string id.
        let mut seen = HashSet::new();
        let expected: Vec<String> = (0..tables.row_count())
            .filter(|&row| seen.insert(tables.raw(row, 0).unwrap()))
            .map(|row| match tables.value(row, 0).unwrap() {
                Value::Str(s) => s.to_owned(),
                other => panic!("_Tables row {row} is {other:?}"),
            })
            .collect();
        assert_eq!(&expected, names, "_Tables rows and table_names differ");
    }
    let stream_names = package.stream_names().unwrap();
    let storage_names = package.storage_names().unwrap();
    for (table, expected) in [("_Streams", &stream_names), ("_Storages", &storage_names)] {
        let listed = package.table(table).unwrap();
        let listed: Vec<String> = (0..listed.row_count())
            .map(|row| match listed.value(row, 0).unwrap() {
                Value::Str(s) => s.to_owned(),
                Value::Null => String::new(),
                other => panic!("{table} row {row} is {other:?}"),
            })
            .collect();
        assert_eq!(&listed, expected, "{table} lists other names");
    }
    for name in &stream_names {
        if let Ok(bytes) = package.read_stream(name) {
            assert!(
                bytes.len() <= data.len(),
                "stream {name:?} reads {} bytes from a {}-byte file",
                bytes.len(),
                data.len()
            );
        }
    }

    let summary = package.summary_info();
    if let Ok(summary) = &summary {
        for (id, _) in summary.properties() {
            assert!(summary.get(*id).is_some());
        }
        let _ = (summary.title(), summary.template(), summary.package_code());
        let _ = (
            summary.create_time().map(|t| t.to_iso8601()),
            summary.codepage(),
        );
        let _ = summary
            .last_save_time()
            .map(|t| (t.to_iso8601(), t.unix_seconds()));
        let _ = summary.last_printed().map(|t| t.to_iso8601());
    }
    let mut out = Vec::new();
    let exported = export_table(&package, SUMMARY_INFORMATION, &mut out);
    assert_eq!(
        exported.is_ok(),
        summary.is_ok(),
        "_SummaryInformation export {exported:?}, summary {summary:?}"
    );
    out.clear();
    export_table(&package, FORCE_CODEPAGE, &mut out).unwrap();
    assert_eq!(
        out,
        format!("\r\n\r\n{}\t_ForceCodepage\r\n\0", package.codepage()).into_bytes()
    );

    check_limits(data, &package, &all, &stream_names);
}

/// Invariant 6: `fresh` has decoded no table, so its answers come from the
/// raw `Property` stream; `package` decodes the table.
fn check_properties(package: &Package, fresh: &Package) {
    let version = fresh.property("ProductVersion");
    let name = fresh.property("ProductName");
    let identity = fresh.identity();
    if let (Ok(identity), Ok(name)) = (&identity, &name) {
        assert_eq!(&identity.product_name, name);
        let _ = (identity.architecture(), identity.languages());
        let _ = identity.minimum_installer_version_string();
    }
    if let (Ok(identity), Ok(Some(version))) = (&identity, &version) {
        let shown = identity.product_version.map(|v| v.to_string());
        if version.is_empty() {
            assert_eq!(shown, None);
        } else {
            assert!(shown.is_some(), "ProductVersion {version:?} read as none");
        }
    }
    let Ok(table) = package.table("Property") else {
        return;
    };
    let mut names = vec!["ProductVersion".to_owned(), "ProductCode".to_owned()];
    if let Some(key) = table.column_index("Property") {
        names.extend(
            (0..table.row_count())
                .filter_map(|row| match table.value(row, key) {
                    Some(Value::Str(s)) => Some(s.to_owned()),
                    _ => None,
                })
                .take(16),
        );
    }
    for name in &names {
        let expected = decoded_property(&table, name);
        match fresh.property(name) {
            Ok(found) => assert_eq!(found, expected, "property {name:?}"),
            Err(e) => panic!("property {name:?} fails ({e}) where the table reads"),
        }
    }
    if let Ok(version) = version {
        assert_eq!(version, decoded_property(&table, "ProductVersion"));
    }
}

/// A property's value looked up in the decoded table: the first row whose
/// `Property` is `name`; a NULL value reads as the empty string.
fn decoded_property(table: &Table, name: &str) -> Option<String> {
    let key = table.column_index("Property")?;
    let value = table.column_index("Value")?;
    (0..table.row_count()).find_map(|row| match table.value(row, key) {
        Some(Value::Str(s)) if s == name => Some(match table.value(row, value) {
            Some(Value::Str(v)) => v.to_owned(),
            _ => String::new(),
        }),
        _ => None,
    })
}

/// Invariants 2, 4 and 5 for one table.
fn check_table(package: &Package, name: &str, file_len: usize) {
    let columns = package.columns(name);
    let table = package.table(name);
    let mut out = Vec::new();
    let exported = export_table(package, name, &mut out);
    let table = match (table, exported) {
        (Ok(table), Ok(())) => table,
        (Err(_), Err(_)) => return,
        (table, exported) => panic!(
            "table {name:?}: table() {:?} but export {exported:?}",
            table.map(|t| t.row_count())
        ),
    };
    let columns = columns.unwrap_or_else(|e| panic!("table {name:?} loads, columns fail: {e}"));
    assert_eq!(table.name(), name);
    assert_eq!(table.columns(), columns.as_slice(), "table {name:?}");
    assert!(Arc::ptr_eq(&table, &package.table(name).unwrap()));
    assert!(package.cached_tables().iter().any(|n| n == name));

    let width = columns.len();
    assert!(width > 0, "table {name:?} has no columns");
    for (i, column) in columns.iter().enumerate() {
        assert_eq!(usize::from(column.number), i + 1, "table {name:?}");
        assert_eq!(table.column_index(&column.name).map(|c| c <= i), Some(true));
    }
    let rows = table.row_count();
    // The cells are read from the file's bytes (2 or more each).
    assert!(
        rows.saturating_mul(2) <= file_len || VIRTUAL_TABLES.contains(&name),
        "table {name:?}: {rows} rows from a {file_len}-byte file"
    );
    for row in 0..rows {
        for (col, column) in columns.iter().enumerate() {
            let raw = table.raw(row, col).unwrap();
            let value = table.value(row, col).unwrap();
            let ty = column.ty;
            match value {
                Value::Null => {}
                Value::Int(_) => assert!(ty.is_integer(), "{name}.{}: Int", column.name),
                Value::Str(_) => {
                    assert!(ty.is_string(), "{name}.{}: Str", column.name);
                }
                Value::Stream => assert!(ty.is_stream(), "{name}.{}: Stream", column.name),
            }
            if ty.is_string() && raw != 0 {
                assert!(
                    table.strings().get(raw).is_some(),
                    "{name}: string id {raw}"
                );
            }
            assert_eq!(
                table.stream_name(row, col).is_some(),
                value == Value::Stream,
                "{name}.{} row {row}",
                column.name
            );
        }
        assert_eq!(table.raw(row, width), None);
        assert_eq!(table.value(row, width), None);
    }
    assert_eq!(table.raw(rows, 0), None);
    assert_eq!(table.value(rows, 0), None);

    check_idt(name, &table, &out);
    check_queries(package, name, &table);
}

/// The IDT text of a table: the three header lines, then at least one line
/// per row.
fn check_idt(name: &str, table: &Table, out: &[u8]) {
    let columns = table.columns();
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let types: Vec<String> = columns.iter().map(|c| idt_column_type(c.ty)).collect();
    let mut keys = vec![name];
    if !VIRTUAL_TABLES.contains(&name) {
        keys.extend(
            columns
                .iter()
                .filter(|c| c.ty.is_key())
                .map(|c| c.name.as_str()),
        );
    }
    let header = format!(
        "{}\r\n{}\r\n{}\r\n",
        names.join("\t"),
        types.join("\t"),
        keys.join("\t")
    );
    assert!(
        out.starts_with(header.as_bytes()),
        "export of {name:?} starts {}, not {}",
        show(out),
        show(header.as_bytes())
    );
    let lines = out.windows(2).filter(|w| w == b"\r\n").count();
    assert!(
        lines >= 3 + table.row_count(),
        "export of {name:?}: {lines} lines for {} rows",
        table.row_count()
    );
    assert!(out.ends_with(b"\r\n"));
}

/// Invariant 5, on the first columns of a table.
fn check_queries(package: &Package, name: &str, table: &Table) {
    let rows = table.row_count();
    if let Some(from) = quoted(name, false) {
        let view = package
            .query(&format!("SELECT * FROM {from}"))
            .unwrap_or_else(|e| panic!("SELECT * FROM {from}: {e}"));
        assert_eq!(view.len(), rows, "SELECT * FROM {from}");
        assert_eq!(view.columns().len(), table.columns().len());
        for (r, row) in view.rows().enumerate() {
            for c in 0..table.columns().len() {
                // libmsi cannot read a storage as a stream: always NULL.
                let expected = if name == "_Storages" && c == 1 {
                    Value::Null
                } else {
                    table.value(r, c).unwrap()
                };
                assert_eq!(row.get(c), Some(expected), "SELECT * FROM {from}: {r}, {c}");
            }
        }
    }
    let Some(from) = quoted(name, true) else {
        return;
    };
    for (index, column) in table.columns().iter().enumerate().take(4) {
        let Some(col) = quoted(&column.name, true) else {
            continue;
        };
        // A name used twice means its first column.
        let index = table.column_index(&column.name).unwrap_or(index);
        let null = package.query(&format!("SELECT * FROM {from} WHERE {col} IS NULL"));
        let not_null = package.query(&format!("SELECT * FROM {from} WHERE {col} IS NOT NULL"));
        match (null, not_null) {
            (Ok(null), Ok(not_null)) => {
                // libmsi's IS NULL tests the stored cell for 0; a string id
                // of an empty string (never written by Windows) is not NULL
                // there, though it reads as NULL.
                let nulls = (0..rows)
                    .filter(|&r| table.raw(r, index) == Some(0))
                    .count();
                assert_eq!(null.len(), nulls, "{from}.{col} IS NULL");
                assert_eq!(not_null.len(), rows - nulls, "{from}.{col} IS NOT NULL");
            }
            (Err(Error::Sql(a)), Err(Error::Sql(b))) => {
                assert_eq!(a.kind, b.kind);
                assert!(
                    matches!(a.kind, SqlErrorKind::NotComparable { .. }),
                    "{from}.{col}: {a}"
                );
            }
            (a, b) => panic!(
                "{from}.{col}: IS NULL {:?}, IS NOT NULL {:?}",
                a.map(|v| v.len()),
                b.map(|v| v.len())
            ),
        }
        match package.query(&format!("SELECT * FROM {from} ORDER BY {col}")) {
            Ok(view) => assert_eq!(view.len(), rows, "{from} ORDER BY {col}"),
            Err(Error::Sql(e)) if matches!(e.kind, SqlErrorKind::NotComparable { .. }) => {}
            Err(e) => panic!("{from} ORDER BY {col}: {e}"),
        }
    }
}

/// Invariant 8: the package opened again with [`SMALL`] limits.
fn check_limits(data: &[u8], package: &Package, tables: &[String], streams: &[String]) {
    let small = match Package::from_reader(Box::new(Cursor::new(data.to_vec())), SMALL) {
        Ok(small) => small,
        Err(Error::TooLarge { .. }) => return,
        Err(e) => panic!("fails under small limits with {e}, opens under the default ones"),
    };
    assert_eq!(small.options(), SMALL);
    assert_eq!(small.kind(), package.kind());
    for name in tables {
        match (small.table(name), package.table(name)) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.columns(), b.columns(), "{name:?}");
                assert_eq!(a.row_count(), b.row_count(), "{name:?}");
                for row in 0..a.row_count() {
                    for col in 0..a.columns().len() {
                        assert_eq!(a.value(row, col), b.value(row, col), "{name:?} {row} {col}");
                    }
                }
            }
            (Err(Error::TooLarge { .. }), _) | (Err(_), Err(_)) => {}
            (Err(e), Ok(_)) => panic!("{name:?} fails under small limits with {e}"),
            (Ok(_), Err(e)) => panic!("{name:?} reads under small limits only ({e})"),
        }
    }
    for name in streams {
        match (small.read_stream(name), package.read_stream(name)) {
            (Ok(a), Ok(b)) => assert!(a == b, "stream {name:?} differs under small limits"),
            (Err(Error::TooLarge { .. }), _) | (Err(_), Err(_)) => {}
            (Err(e), Ok(_)) => panic!("stream {name:?} fails under small limits with {e}"),
            (Ok(_), Err(e)) => panic!("stream {name:?} reads under small limits only ({e})"),
        }
    }
}

// -- msi_sql

/// The package the `msi_sql` target runs its queries on, built by
/// `fuzz/seed-msi.sh --write-fixture` (msibuild): code page 1252, tables
/// `Property`, `Num` (2- and 4-byte integers, NULLs, localizable), `Component`,
/// `Registry`, `Upgrade`, `Select` (reserved words as names), `Binary`
/// (streams) and `_Validation`, and a stream outside any table.
pub fn fixture() -> &'static Package {
    static FIXTURE: OnceLock<Package> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let bytes = include_bytes!("fuzz-corpus/msi_open/sql-fixture.msi");
        Package::from_bytes(bytes.to_vec()).expect("the SQL fixture opens")
    })
}

/// A view's columns and rows as text, for comparisons: a stream field is
/// its stream's name.
type Snapshot = (Vec<String>, Vec<Vec<String>>);

fn snapshot(view: &View) -> Snapshot {
    let columns = view
        .columns()
        .iter()
        .map(|c| format!("{:?} {:#x} {:?}", c.name, c.ty.bits(), c.table))
        .collect();
    let rows = view
        .rows()
        .map(|row| {
            (0..row.len())
                .map(|i| match row.get(i).unwrap() {
                    Value::Stream => format!("stream {:?}", row.stream_name(i)),
                    other => format!("{other:?}"),
                })
                .collect()
        })
        .collect();
    (columns, rows)
}

/// A view's result, comparable across runs: the snapshot, or the error's
/// kind (positions differ between a query and its canonical text).
fn outcome(result: &Result<View, Error>) -> Result<Snapshot, SqlErrorKind> {
    match result {
        Ok(view) => Ok(snapshot(view)),
        Err(Error::Sql(e)) => Err(e.kind.clone()),
        Err(e) => panic!("a query on the fixture fails with a non-SQL error: {e}"),
    }
}

/// Checks every invariant on one input taken as a query, panicking on a
/// violation:
///
/// 1. parsing never panics; a rejected query's error points inside the text
///    at the token it names, and `Query::prepare` gives the same error;
/// 2. the canonical text of a parsed query parses to the same tree and the
///    same number of markers, and is its own canonical text (except for a
///    tree the text cannot hold, see [`has_open_bracket_name`]);
/// 3. running it on the [`fixture`] gives rows or an SQL error, never a
///    panic or another error, with every parameter set (none, NULLs,
///    integers, numeric and other strings, mixed); missing parameters are
///    NULLs and extra ones are ignored;
/// 4. the canonical text runs to the same rows (or the same error);
/// 5. each view is consistent: as many fields per row as columns, values of
///    their column's kind, no row or field past the end; without `WHERE`
///    and `DISTINCT` a join has the product of its tables' rows, with
///    `WHERE` no more; `DISTINCT` rows differ.
pub fn check_sql(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let query = match Query::parse(text) {
        Ok(query) => query,
        Err(e) => {
            assert!(e.offset <= text.len(), "{e:?} outside {}", show(data));
            if !e.token.is_empty() {
                assert_eq!(
                    text.get(e.offset..e.offset + e.token.len()),
                    Some(e.token.as_str()),
                    "{e:?} in {}",
                    show(data)
                );
            }
            match Query::prepare(text) {
                Err(Error::Sql(again)) => assert_eq!(again, e),
                other => panic!("parse gives {e:?}, prepare {other:?}"),
            }
            let _ = e.to_string();
            return;
        }
    };
    assert_eq!(query.sql(), text);
    let canonical = query.to_string();
    let again = match Query::parse(&canonical) {
        Ok(again) => again,
        // Known limit of the canonical text (reported): such a name takes
        // the rest of any text it is printed in.
        Err(_) if has_open_bracket_name(query.select()) => return,
        Err(e) => panic!("canonical text {canonical:?} does not parse: {e}"),
    };
    assert_eq!(again.select(), query.select(), "canonical {canonical:?}");
    assert_eq!(again.marker_count(), query.marker_count());
    assert_eq!(again.to_string(), canonical, "canonical text is not stable");

    let package = fixture();
    let markers = query.marker_count();
    let run = |q: &Query, params: &[Param]| View::open_with_limits(package, q, params, LIMITS);
    let param_sets: Vec<Vec<Param>> = vec![
        vec![],
        vec![Param::Null; markers],
        (0..markers).map(|i| Param::Int(i as i32 - 1)).collect(),
        vec![Param::Str("1".into()); markers],
        vec![Param::Str("alpha".into()); markers],
        (0..markers)
            .map(|i| match i % 3 {
                0 => Param::Str("Main".into()),
                1 => Param::Int(-32767),
                _ => Param::Str(String::new()),
            })
            .collect(),
    ];
    let mut first = None;
    for params in &param_sets {
        let result = run(&query, params);
        let seen = outcome(&result);
        assert_eq!(
            outcome(&run(&again, params)),
            seen,
            "{text:?} and its canonical text {canonical:?} differ with {params:?}"
        );
        let mut extra = params.clone();
        extra.resize(markers, Param::Null);
        extra.push(Param::Int(7));
        extra.push(Param::Str("extra".into()));
        assert_eq!(
            outcome(&run(&query, &extra)),
            seen,
            "{text:?}: parameters {params:?} then extra ones"
        );
        if let Ok(view) = &result {
            check_view(package, query.select(), view);
        }
        match &first {
            None => first = Some(seen),
            // The first two sets are no parameters and all NULL.
            Some(none) if params.iter().all(|p| *p == Param::Null) => {
                assert_eq!(&seen, none, "{text:?}: missing parameters are not NULL");
            }
            Some(_) => {}
        }
    }
}

/// Whether the tree holds a name that no text can hold except at its end:
/// a `[` name that ran to the end of the query (no `]`) and holds a
/// backquote, so that it can be printed neither backquoted nor bracketed.
fn has_open_bracket_name(select: &Select) -> bool {
    fn open(name: &Name) -> bool {
        name.name.starts_with('[') && !name.name.ends_with(']') && name.name.contains('`')
    }
    fn column(c: &ColumnRef) -> bool {
        c.table.as_ref().is_some_and(open) || open(&c.column)
    }
    fn expr(e: &Expr) -> bool {
        match e {
            Expr::And(operands) | Expr::Or(operands) => operands.iter().any(expr),
            Expr::Compare { left, right, .. } => {
                column(left) || matches!(right, Operand::Column(c) if column(c))
            }
            Expr::IsNull { column: c, .. } => column(c),
        }
    }
    select
        .columns
        .iter()
        .any(|item| matches!(item, SelectItem::Column(c) if column(c)))
        || select.from.iter().any(open)
        || select.condition.as_ref().is_some_and(expr)
        || select.order_by.iter().flatten().any(column)
}

/// Invariant 5.
fn check_view(package: &Package, select: &Select, view: &View) {
    let columns = view.columns();
    assert!(!columns.is_empty());
    assert_eq!(view.rows().count(), view.len());
    assert_eq!(view.is_empty(), view.rows().next().is_none());
    assert!(view.row(view.len()).is_none());
    for row in view.rows() {
        assert_eq!(row.len(), columns.len());
        assert!(row.get(columns.len()).is_none());
        for (i, column) in columns.iter().enumerate() {
            let ty = column.ty;
            match row.get(i).unwrap() {
                Value::Null => {}
                Value::Int(_) => assert!(ty.is_integer(), "{}: Int", column.name),
                Value::Str(_) => assert!(ty.is_string(), "{}: Str", column.name),
                Value::Stream => {
                    assert!(ty.is_stream(), "{}: Stream", column.name);
                    let name = row.stream_name(i).unwrap();
                    assert!(package.read_stream(&name).is_ok(), "stream {name:?}");
                }
            }
        }
    }
    // Table sizes, where the FROM list means its names as written.
    let simple = select
        .from
        .iter()
        .all(|n| !n.name.contains(' ') && !n.name.is_empty());
    if simple {
        let product = select.from.iter().try_fold(1usize, |acc, name| {
            acc.checked_mul(package.table(&name.name).ok()?.row_count())
        });
        if let Some(product) = product {
            if select.distinct || select.condition.is_some() {
                assert!(view.len() <= product, "{} rows of {product}", view.len());
            } else {
                assert_eq!(view.len(), product, "{select}");
            }
        }
    }
    if select.distinct {
        let (_, rows) = snapshot(view);
        let unique: HashSet<&Vec<String>> = rows.iter().collect();
        assert_eq!(unique.len(), rows.len(), "DISTINCT rows repeat: {select}");
    }
}

// The corpus runner shared by every crate's fuzz regression test.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../tests/rust/fuzz_corpus.rs"]
mod fuzz_corpus;

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::fuzz_corpus::corpus_dir;

    fn corpus(target: &str) -> Vec<PathBuf> {
        super::fuzz_corpus::corpus(&corpus_dir(target))
    }

    /// Every input in `tests/fuzz-corpus/msi_open/` passes
    /// [`super::check_open`].
    #[test]
    fn msi_open_corpus_keeps_the_invariants() {
        super::fuzz_corpus::assert_corpus_passes(&corpus_dir("msi_open"), super::check_open);
    }

    /// Every input in `tests/fuzz-corpus/msi_sql/` passes
    /// [`super::check_sql`].
    #[test]
    fn msi_sql_corpus_keeps_the_invariants() {
        super::fuzz_corpus::assert_corpus_passes(&corpus_dir("msi_sql"), super::check_sql);
    }

    /// The fixture is what the queries expect: the tables the seed queries
    /// name, with rows, and a query on it that has a known answer.
    #[test]
    fn sql_fixture_has_its_tables() {
        let package = super::fixture();
        for table in [
            "Property",
            "Num",
            "Component",
            "Registry",
            "Upgrade",
            "Select",
            "Binary",
        ] {
            assert!(package.table(table).unwrap().row_count() >= 2, "{table}");
        }
        let view = package
            .query("SELECT `Id` FROM `Num` WHERE `Small` IS NULL OR `Name` = 'gamma'")
            .unwrap();
        let ids: Vec<_> = view.rows().map(|r| r.get(0).unwrap()).collect();
        assert_eq!(
            ids,
            [
                olkit_msi_query::Value::Int(2),
                olkit_msi_query::Value::Int(4)
            ]
        );
    }
}
