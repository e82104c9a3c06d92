//! Property tests of the Windows Installer SQL tokenizer and parser:
//! printing a tree and parsing it back gives the same tree, and any text
//! either parses or is rejected with an error inside the text (never a
//! panic).

use olkit_msi_query::sql::{
    ColumnRef, CompareOp, Expr, Name, Operand, Query, Select, SelectItem, SqlErrorKind,
};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = Name> {
    prop_oneof![
        "[A-Za-z_][A-Za-z0-9_]{0,6}",
        // Reserved words and odd characters are fine once backquoted.
        Just("Key".to_owned()),
        Just("SELECT".to_owned()),
        Just("order".to_owned()),
        Just(String::new()),
        "[a-z é.,()'=?*-]{1,6}",
        "\\[[a-z ]{0,4}\\]",
    ]
    .prop_map(Name::new)
}

fn column() -> impl Strategy<Value = ColumnRef> {
    (proptest::option::of(name()), name()).prop_map(|(table, column)| ColumnRef { table, column })
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Ne),
        Just(CompareOp::Lt),
        Just(CompareOp::Gt),
        Just(CompareOp::Le),
        Just(CompareOp::Ge),
    ]
}

fn operand() -> impl Strategy<Value = Operand> {
    prop_oneof![
        column().prop_map(Operand::Column),
        any::<i32>().prop_map(Operand::Int),
        "[^'\\x00]{0,8}".prop_map(Operand::Str),
        Just(Operand::Marker),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        (column(), op(), operand()).prop_map(|(left, op, right)| Expr::Compare { left, op, right }),
        (column(), any::<bool>()).prop_map(|(column, negated)| Expr::IsNull { column, negated }),
    ];
    leaf.prop_recursive(5, 32, 2, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            proptest::collection::vec(inner, 2..4).prop_map(Expr::Or),
        ]
    })
}

fn select() -> impl Strategy<Value = Select> {
    let item = prop_oneof![
        column().prop_map(SelectItem::Column),
        "[^'\\x00]{0,6}".prop_map(|s| SelectItem::Literal(Name::new(s))),
    ];
    (
        any::<bool>(),
        proptest::collection::vec(item, 0..4),
        proptest::collection::vec(name(), 1..4),
        proptest::option::of(expr()),
        proptest::option::of(proptest::collection::vec(column(), 0..3)),
    )
        .prop_map(|(distinct, columns, from, condition, order_by)| Select {
            distinct,
            columns,
            from,
            condition,
            order_by,
        })
}

fn markers(expr: &Expr) -> usize {
    match expr {
        Expr::And(operands) | Expr::Or(operands) => operands.iter().map(markers).sum(),
        Expr::Compare {
            right: Operand::Marker,
            ..
        } => 1,
        _ => 0,
    }
}

/// Fragments that make up plausible and implausible queries.
fn soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("SELECT "),
        Just("DISTINCT "),
        Just("* "),
        Just("FROM "),
        Just("WHERE "),
        Just("ORDER BY "),
        Just("AND "),
        Just("OR "),
        Just("IS "),
        Just("NOT "),
        Just("NULL "),
        Just("Tab "),
        Just("Col "),
        Just("`Key` "),
        Just("T.C "),
        Just(", "),
        Just("= "),
        Just("<> "),
        Just("< "),
        Just(">="),
        Just("? "),
        Just("'s' "),
        Just("-"),
        Just("12 "),
        Just("( "),
        Just(") "),
        Just("["),
        Just("]"),
        Just("`"),
        Just("'"),
        Just("\""),
        Just("!"),
        Just("\r"),
        Just("é"),
        Just("."),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn printed_trees_parse_back(tree in select()) {
        let text = tree.to_string();
        let query = Query::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(query.select(), &tree, "{}", text);
        prop_assert_eq!(query.marker_count(), tree.condition.as_ref().map_or(0, markers));
        // Canonical text is a fixed point.
        prop_assert_eq!(query.to_string(), text);
    }

    #[test]
    fn any_text_parses_or_fails_inside_it(text in any::<String>()) {
        match Query::parse(&text) {
            Ok(query) => {
                let again = Query::parse(&query.to_string()).unwrap();
                prop_assert_eq!(again.select(), query.select());
            }
            Err(e) => prop_assert!(e.offset <= text.len()),
        }
    }

    #[test]
    fn query_soup_parses_or_fails_inside_it(text in soup()) {
        match Query::parse(&text) {
            Ok(query) => {
                let again = Query::parse(&query.to_string()).unwrap();
                prop_assert_eq!(again.select(), query.select());
            }
            Err(e) => {
                prop_assert!(e.offset <= text.len());
                prop_assert!(text.get(e.offset..e.offset + e.token.len()).is_some_and(|t| t == e.token)
                    || e.token.is_empty() || !e.token.is_char_boundary(0), "{text:?} {e:?}");
            }
        }
    }
}

#[test]
fn libmsi_grammar_corners() {
    let q = |s: &str| Query::parse(s).map(|q| q.to_string());
    // A trailing ", *" adds nothing; ORDER BY * sorts nothing.
    assert_eq!(q("SELECT a, * FROM t").unwrap(), "SELECT `a` FROM `t`");
    assert_eq!(
        q("select * from t order by *").unwrap(),
        "SELECT * FROM `t` ORDER BY *"
    );
    assert_eq!(
        q("SELECT 'x', `` FROM t WHERE a=-5 AND (b<>'' OR c IS NOT NULL)").unwrap(),
        "SELECT 'x', `` FROM `t` WHERE (`a` = -5) AND ((`b` <> '') OR (`c` IS NOT NULL))"
    );
    // AND binds tighter than OR.
    assert_eq!(
        q("SELECT * FROM t WHERE a=1 OR b=2 AND c=3").unwrap(),
        "SELECT * FROM `t` WHERE (`a` = 1) OR ((`b` = 2) AND (`c` = 3))"
    );
    assert_eq!(
        q("SELECT * FROM t WHERE a = 4294967297").unwrap(),
        "SELECT * FROM `t` WHERE `a` = 1"
    );
    for bad in [
        "SELECT *, a FROM t",
        "SELECT * FROM t WHERE 1 = a",
        "SELECT * FROM t WHERE (a) = 1",
        "SELECT * FROM t WHERE a = (1)",
        "SELECT * FROM t WHERE NOT a = 1",
        "SELECT * FROM t WHERE a LIKE 'x'",
        "SELECT * FROM t WHERE a = NULL",
        "SELECT * FROM t ORDER BY a DESC",
        "SELECT 1 FROM t",
        "SELECT * FROM t;",
        "SELECT * FROM t WHERE a = 1 -- c",
        "SELECT * FROM t WHERE a = 'it''s'",
        "",
    ] {
        assert!(q(bad).is_err(), "{bad:?} should be rejected");
    }
    let e = Query::parse("SELECT Key FROM Registry").unwrap_err();
    assert_eq!(
        e.kind,
        SqlErrorKind::KeywordAsName {
            keyword: "KEY".into()
        }
    );
    assert_eq!((e.offset, e.token.as_str()), (7, "Key"));
    let e = Query::parse("SELECT * FROM t WHERE a = \"x\"").unwrap_err();
    assert_eq!((e.kind, e.offset), (SqlErrorKind::DoubleQuote, 26));
    let nested = |n: usize| {
        format!(
            "SELECT * FROM t WHERE {}a=1{}",
            "(".repeat(n),
            ")".repeat(n)
        )
    };
    assert!(Query::parse(&nested(64)).is_ok());
    assert!(matches!(
        Query::parse(&nested(65)).unwrap_err().kind,
        SqlErrorKind::TooDeep { limit: 64 }
    ));
    // Long chains are one node each, not deep trees.
    let long_or = format!(
        "SELECT * FROM t WHERE a=1{}",
        " OR a=1 AND b=2".repeat(20000)
    );
    let q = Query::parse(&long_or).unwrap();
    assert_eq!(Query::parse(&q.to_string()).unwrap().select(), q.select());
}
