//! The SQL engine on hand-made tables (no package file): API shape,
//! errors with positions, libmsi behaviours the oracle cannot show (it
//! crashes on them), limits.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::HashMap;
use std::sync::Arc;

use olkit_msi_query::sql::{QueryLimits, SqlErrorKind};
use olkit_msi_query::{
    encode_int, Column, ColumnType, Error, Param, Query, StringPool, Table, Value, View,
};

const S32: u16 = ColumnType::VALID | ColumnType::STRING | 32;
const KEY_S32: u16 = S32 | ColumnType::KEY;
const I2N: u16 = ColumnType::VALID | ColumnType::NULLABLE | 2;
const STREAM: u16 = ColumnType::VALID | ColumnType::STRING | ColumnType::NULLABLE;

fn column(name: &str, number: u16, bits: u16) -> Column {
    Column {
        name: name.into(),
        number,
        ty: ColumnType::from_bits(bits),
    }
}

/// `Files(Name KEY s32, Size I2, Data stream)` with three rows, one of
/// them without size and stream.
fn tables() -> HashMap<String, Arc<Table>> {
    let mut pool = StringPool::new(1252);
    let a = pool.push("a.txt");
    let b = pool.push("b.txt");
    let c = pool.push("c.txt");
    let i2 = ColumnType::from_bits(I2N);
    let files = Table::new(
        "Files".into(),
        vec![
            column("Name", 1, KEY_S32),
            column("Size", 2, I2N),
            column("Data", 3, STREAM),
        ],
        vec![a, encode_int(10, i2), 1, b, 0, 0, c, encode_int(10, i2), 1],
        Arc::new(pool),
    );
    let mut map = HashMap::new();
    map.insert("Files".to_owned(), Arc::new(files));
    map
}

fn run(sql: &str, params: &[Param]) -> Result<Vec<Vec<String>>, Error> {
    let source = tables();
    let view = View::open(&source, &Query::prepare(sql)?, params)?;
    Ok(view
        .rows()
        .map(|row| {
            (0..row.len())
                .map(|i| match row.get(i).unwrap() {
                    Value::Null => "NULL".to_owned(),
                    Value::Int(v) => v.to_string(),
                    Value::Str(s) => s.to_owned(),
                    Value::Stream => format!("[{}]", row.stream_name(i).unwrap()),
                })
                .collect()
        })
        .collect())
}

fn sql_kind(err: Error) -> (usize, String, SqlErrorKind) {
    match err {
        Error::Sql(e) => (e.offset, e.token, e.kind),
        other => panic!("not an SQL error: {other}"),
    }
}

#[test]
fn rows_values_and_streams() {
    let source = tables();
    let query = Query::prepare("SELECT Name, Data, '' FROM Files WHERE Size = ?").unwrap();
    assert_eq!(query.marker_count(), 1);
    let view = View::open(&source, &query, &[Param::Int(10)]).unwrap();
    let names: Vec<_> = view.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Name", "Data", ""]);
    assert!(view.columns()[1].ty.is_stream());
    assert_eq!(view.columns()[2].ty.bits(), 0x8000 | ColumnType::VALID);
    assert_eq!(view.len(), 2);
    let row = view.row(1).unwrap();
    assert_eq!(
        row.values(),
        [Value::Str("c.txt"), Value::Stream, Value::Null]
    );
    assert_eq!(row.stream_name(1).as_deref(), Some("Files.c.txt"));
    assert_eq!(row.stream_name(0), None);
    assert!(view.row(2).is_none());
}

#[test]
fn distinct_over_streams_keeps_first_rows() {
    // libmsi crashes here (its DISTINCT view cannot fetch streams); the
    // natural answer is the first of equal rows.
    assert_eq!(
        run("SELECT DISTINCT Size, Data FROM Files", &[]).unwrap(),
        [vec!["10", "[Files.a.txt]"], vec!["NULL", "NULL"]]
    );
}

#[test]
fn marker_binding_follows_libmsi() {
    let names = |sql: &str, params: &[Param]| -> Vec<String> {
        run(sql, params)
            .unwrap()
            .into_iter()
            .map(|r| r[0].clone())
            .collect()
    };
    // A numeric string binds to an integer column; other strings are NULL.
    assert_eq!(
        names("SELECT Name FROM Files WHERE Size = ?", &["10".into()]),
        ["a.txt", "c.txt"]
    );
    assert!(names("SELECT Name FROM Files WHERE Size = ?", &["ten".into()]).is_empty());
    // Missing markers are NULL; the empty string is NULL.
    assert_eq!(
        names("SELECT Name FROM Files WHERE Data = ?", &[]),
        ["b.txt"]
    );
    assert_eq!(
        names("SELECT Name FROM Files WHERE Name <> ?", &["".into()]).len(),
        3
    );
    // An integer bound against a string column is NULL.
    assert!(names("SELECT Name FROM Files WHERE Name = ?", &[Param::Int(1)]).is_empty());
    assert_eq!(
        names(
            "SELECT Name FROM Files WHERE Name = ?",
            &["b.txt".into(), Param::Null]
        ),
        ["b.txt"]
    );
    // 2-byte NULL is -32768 in comparisons.
    assert_eq!(
        names("SELECT Name FROM Files WHERE Size < 0", &[]),
        ["b.txt"]
    );
}

#[test]
fn errors_say_where_and_why() {
    let (offset, token, kind) = sql_kind(run("SELECT Nope FROM Files", &[]).unwrap_err());
    assert_eq!((offset, token.as_str()), (7, "Nope"));
    assert_eq!(
        kind,
        SqlErrorKind::UnknownColumn {
            name: "Nope".into()
        }
    );
    let (offset, _, kind) = sql_kind(run("SELECT * FROM Files, Other", &[]).unwrap_err());
    assert_eq!(
        (offset, kind),
        (
            21,
            SqlErrorKind::UnknownTable {
                name: "Other".into()
            }
        )
    );
    let (offset, _, kind) = sql_kind(run("SELECT * FROM Files WHERE Name < 'b'", &[]).unwrap_err());
    assert_eq!(
        (offset, kind),
        (26, SqlErrorKind::StringComparison { op: "<" })
    );
    let (_, _, kind) = sql_kind(run("SELECT * FROM Files WHERE Size > 'b'", &[]).unwrap_err());
    assert_eq!(kind, SqlErrorKind::StringComparison { op: ">" });
    let err = run("SELECT [Name] FROM Files", &[]).unwrap_err();
    assert!(err.to_string().contains("backquotes"), "{err}");
    let err = run("SELECT * FROM Files WHERE Files.Nope IS NULL", &[]).unwrap_err();
    assert_eq!(
        sql_kind(err).2,
        SqlErrorKind::UnknownColumn {
            name: "Files.Nope".into()
        }
    );
}

#[test]
fn limits_stop_large_results() {
    let source = tables();
    let query = Query::prepare("SELECT * FROM Files, Files, Files").unwrap();
    let limits = QueryLimits {
        max_rows: 5,
        max_evaluations: 1_000,
    };
    let err = View::open_with_limits(&source, &query, &[], limits).unwrap_err();
    assert_eq!(sql_kind(err).2, SqlErrorKind::TooManyRows { limit: 5 });
    let limits = QueryLimits {
        max_rows: 1_000,
        max_evaluations: 10,
    };
    let err = View::open_with_limits(&source, &query, &[], limits).unwrap_err();
    assert_eq!(sql_kind(err).2, SqlErrorKind::TooMuchWork { limit: 10 });
    assert_eq!(View::open(&source, &query, &[]).unwrap().len(), 27);
    let single = Query::prepare("SELECT * FROM Files WHERE Size IS NULL OR Size = 10").unwrap();
    let limits = QueryLimits {
        max_rows: 2,
        max_evaluations: 10,
    };
    let err = View::open_with_limits(&source, &single, &[], limits).unwrap_err();
    assert_eq!(sql_kind(err).2, SqlErrorKind::TooManyRows { limit: 2 });
}

#[test]
fn join_rows_vary_the_first_table_fastest() {
    let rows = run("SELECT * FROM Files, Files", &[]).unwrap();
    let firsts: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let seconds: Vec<&str> = rows.iter().map(|r| r[3].as_str()).collect();
    assert_eq!(firsts, ["a.txt", "b.txt", "c.txt"].repeat(3));
    assert_eq!(&seconds[..4], ["a.txt", "a.txt", "a.txt", "b.txt"]);
    // An unqualified or qualified name means the first table that has it.
    let rows = run(
        "SELECT Name FROM Files, Files WHERE Files.Size IS NULL",
        &[],
    )
    .unwrap();
    assert_eq!(
        rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ["b.txt"; 3]
    );
}
