// Test helpers index freely: a wrong index is a failed test.
#![allow(clippy::indexing_slicing)]
//! Property tests the other test files leave out:
//!
//! - the tokenizer: however a query is spelled (keyword case, blanks,
//!   optional backquotes, `!=` for `<>`, extra parentheses, blanks around
//!   `.` and `-`), it parses to the tree its canonical text parses to, and
//!   names keep their case while keywords used as names are refused in any
//!   case;
//! - GUID packing against the definition of the packed registry form,
//!   written here digit by digit from the braced text;
//! - the registry's Version DWORD against its formula
//!   (`major << 24 | minor << 16 | build`), and the field limits.
//!
//! (`sql_parse.rs` checks that printed trees parse back and that any text
//! parses or fails inside itself; `products.rs` round-trips versions, the
//! DWORD and the three GUID forms.)

use olkit_msi_query::sql::{
    ColumnRef, CompareOp, Expr, Name, Operand, Query, Select, SelectItem, SqlErrorKind,
};
use olkit_msi_query::{Guid, ProductVersion};
use proptest::prelude::*;

/// The reserved words of the dialect (libmsi's keyword table).
const KEYWORDS: &[&str] = &[
    "ADD",
    "ALTER",
    "AND",
    "BY",
    "CHAR",
    "CHARACTER",
    "CREATE",
    "DELETE",
    "DISTINCT",
    "DROP",
    "FREE",
    "FROM",
    "HOLD",
    "INSERT",
    "INT",
    "INTEGER",
    "INTO",
    "IS",
    "KEY",
    "LIKE",
    "LOCALIZABLE",
    "LONG",
    "LONGCHAR",
    "NOT",
    "NULL",
    "OBJECT",
    "OR",
    "ORDER",
    "PRIMARY",
    "SELECT",
    "SET",
    "SHORT",
    "TABLE",
    "TEMPORARY",
    "UPDATE",
    "VALUES",
    "WHERE",
];

fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

// -- trees

fn name() -> impl Strategy<Value = Name> {
    prop_oneof![
        // Plain identifiers, which may be written without backquotes
        // unless they are keywords.
        "[A-Za-z_][A-Za-z0-9_]{0,7}",
        proptest::sample::select(KEYWORDS).prop_map(str::to_owned),
        proptest::sample::select(KEYWORDS).prop_map(|k| k.to_lowercase()),
        // Names that need their backquotes.
        "[a-z]{0,3}[ é.,()'=?*<>!-][a-z0-9]{0,3}",
        "[0-9][a-z0-9]{0,4}",
        "\\[[a-z ]{0,4}\\]",
    ]
    .prop_map(Name::new)
}

fn column() -> impl Strategy<Value = ColumnRef> {
    (proptest::option::of(name()), name()).prop_map(|(table, column)| ColumnRef { table, column })
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
    let op = proptest::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Lt,
        CompareOp::Gt,
        CompareOp::Le,
        CompareOp::Ge,
    ]);
    let leaf = prop_oneof![
        (column(), op, operand()).prop_map(|(left, op, right)| Expr::Compare { left, op, right }),
        (column(), any::<bool>()).prop_map(|(column, negated)| Expr::IsNull { column, negated }),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            proptest::collection::vec(inner, 2..4).prop_map(Expr::Or),
        ]
    })
}

fn select() -> impl Strategy<Value = Select> {
    let item = prop_oneof![
        4 => column().prop_map(SelectItem::Column),
        1 => "[^'\\x00]{0,6}".prop_map(|s| SelectItem::Literal(Name::new(s))),
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

// -- a loose printer: the same tree, spelled another way each time

/// What a token is, for deciding whether it may touch its neighbours.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Keyword, unquoted name or number: needs a blank next to another word.
    Word,
    /// Backquoted name or string.
    Quoted,
    /// Operators and punctuation.
    Punct,
}

/// Prints a tree token by token, taking each spelling decision from
/// `choices` (generated, so failures shrink).
struct Loose<'c> {
    choices: &'c [u8],
    next: usize,
    tokens: Vec<(String, Kind)>,
}

impl Loose<'_> {
    /// The next choice, in `0..n`.
    fn choose(&mut self, n: u8) -> u8 {
        let choice = self
            .choices
            .get(self.next % self.choices.len().max(1))
            .copied()
            .unwrap_or(0);
        self.next += 1;
        choice % n
    }

    fn coin(&mut self) -> bool {
        self.choose(2) == 1
    }

    fn push(&mut self, text: impl Into<String>, kind: Kind) {
        self.tokens.push((text.into(), kind));
    }

    fn keyword(&mut self, keyword: &str) {
        let spelled: String = keyword
            .chars()
            .map(|c| {
                if self.coin() {
                    c.to_ascii_lowercase()
                } else {
                    c
                }
            })
            .collect();
        self.push(spelled, Kind::Word);
    }

    fn name(&mut self, name: &Name) {
        let plain = name
            .name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && name
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !is_keyword(&name.name);
        if plain && self.coin() {
            self.push(name.name.clone(), Kind::Word);
        } else if name.name.contains('`') {
            // Only a `[...]` name holds a backquote; it is written as is.
            self.push(name.name.clone(), Kind::Word);
        } else {
            self.push(format!("`{}`", name.name), Kind::Quoted);
        }
    }

    fn column(&mut self, column: &ColumnRef) {
        if let Some(table) = &column.table {
            self.name(table);
            self.push(".", Kind::Punct);
        }
        self.name(&column.column);
    }

    fn open(&mut self) -> usize {
        let extra = usize::from(self.choose(4) / 2);
        for _ in 0..extra {
            self.push("(", Kind::Punct);
        }
        extra
    }

    fn close(&mut self, extra: usize) {
        for _ in 0..extra {
            self.push(")", Kind::Punct);
        }
    }

    fn expr(&mut self, expr: &Expr) {
        let extra = self.open();
        match expr {
            Expr::And(operands) | Expr::Or(operands) => {
                let op = if matches!(expr, Expr::And(_)) {
                    "AND"
                } else {
                    "OR"
                };
                for (i, operand) in operands.iter().enumerate() {
                    if i > 0 {
                        self.keyword(op);
                    }
                    // Only leaves and an AND inside an OR may lose their
                    // parentheses: an AND in an AND, or an OR anywhere,
                    // would merge into its parent or bind differently.
                    let optional = matches!(operand, Expr::Compare { .. } | Expr::IsNull { .. })
                        || matches!((expr, operand), (Expr::Or(_), Expr::And(_)));
                    let wrap = !optional || self.coin();
                    if wrap {
                        self.push("(", Kind::Punct);
                    }
                    self.expr(operand);
                    if wrap {
                        self.push(")", Kind::Punct);
                    }
                }
            }
            Expr::Compare { left, op, right } => {
                self.column(left);
                let op = match op {
                    CompareOp::Ne if self.coin() => "!=",
                    other => other.as_str(),
                };
                self.push(op, Kind::Punct);
                match right {
                    Operand::Column(c) => self.column(c),
                    Operand::Int(i) if *i < 0 => {
                        self.push("-", Kind::Punct);
                        self.push(i.unsigned_abs().to_string(), Kind::Word);
                    }
                    Operand::Int(i) => self.push(i.to_string(), Kind::Word),
                    Operand::Str(s) => self.push(format!("'{s}'"), Kind::Quoted),
                    Operand::Marker => self.push("?", Kind::Punct),
                }
            }
            Expr::IsNull { column, negated } => {
                self.column(column);
                self.keyword("IS");
                if *negated {
                    self.keyword("NOT");
                }
                self.keyword("NULL");
            }
        }
        self.close(extra);
    }

    fn select(&mut self, select: &Select) {
        self.keyword("SELECT");
        if select.distinct {
            self.keyword("DISTINCT");
        }
        if select.columns.is_empty() {
            self.push("*", Kind::Punct);
        }
        for (i, item) in select.columns.iter().enumerate() {
            if i > 0 {
                self.push(",", Kind::Punct);
            }
            match item {
                SelectItem::Column(c) => self.column(c),
                SelectItem::Literal(s) => self.push(format!("'{}'", s.name), Kind::Quoted),
            }
        }
        self.keyword("FROM");
        for (i, table) in select.from.iter().enumerate() {
            if i > 0 {
                self.push(",", Kind::Punct);
            }
            self.name(table);
        }
        if let Some(condition) = &select.condition {
            self.keyword("WHERE");
            self.expr(condition);
        }
        if let Some(order) = &select.order_by {
            self.keyword("ORDER");
            self.keyword("BY");
            if order.is_empty() {
                self.push("*", Kind::Punct);
            }
            for (i, c) in order.iter().enumerate() {
                if i > 0 {
                    self.push(",", Kind::Punct);
                }
                self.column(c);
            }
        }
    }

    /// The tokens joined by random blanks: space, TAB, LF or FF to start
    /// one (VT may continue it), or nothing where the tokens cannot merge.
    fn text(mut self) -> String {
        let tokens = std::mem::take(&mut self.tokens);
        let mut out = String::new();
        let mut previous: Option<&(String, Kind)> = None;
        for token in &tokens {
            if let Some((prev_text, prev_kind)) = previous {
                let must_separate = match (prev_kind, token.1) {
                    (Kind::Word, Kind::Word) => true,
                    // A plain name swallows a backquote right after it.
                    (Kind::Word, Kind::Quoted) => true,
                    // `<` `>` `!` would take a following `=` or `>`; `-`
                    // a following digit is fine.
                    (Kind::Punct, _) => prev_text.ends_with(['<', '>', '!']),
                    _ => false,
                };
                let blank = match self.choose(8) {
                    0 | 1 if !must_separate => "",
                    2 => "\t",
                    3 => "\n",
                    4 => "\x0c",
                    5 => " \x0b ",
                    6 => "  ",
                    _ => " ",
                };
                out.push_str(blank);
            }
            out.push_str(&token.0);
            previous = Some(token);
        }
        out
    }
}

fn loose_text(select: &Select, choices: &[u8]) -> String {
    let mut printer = Loose {
        choices,
        next: 0,
        tokens: Vec::new(),
    };
    printer.select(select);
    printer.text()
}

// -- GUIDs

/// The packed registry form from the braced text, by its definition: the
/// digits of the first three groups in reverse order, then each pair of
/// digits of the last two groups swapped.
fn packed_by_definition(braced: &str) -> String {
    let groups: Vec<&str> = braced
        .trim_start_matches('{')
        .trim_end_matches('}')
        .split('-')
        .collect();
    let mut packed = String::new();
    for group in &groups[..3] {
        packed.extend(group.chars().rev());
    }
    let tail: Vec<char> = groups[3..].concat().chars().collect();
    for pair in tail.chunks(2) {
        packed.push(pair[1]);
        packed.push(pair[0]);
    }
    packed
}

fn braced_guid() -> impl Strategy<Value = String> {
    "\\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\\}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Keyword case, blanks, optional backquotes and parentheses, `!=`,
    /// spaced-out `-` and `.`: none of them change the tree.
    #[test]
    fn any_spelling_parses_to_the_same_tree(
        tree in select(),
        choices in proptest::collection::vec(any::<u8>(), 1..200),
    ) {
        let canonical = Query::parse(&tree.to_string())
            .map_err(|e| TestCaseError::fail(format!("{tree}: {e}")))?;
        let text = loose_text(&tree, &choices);
        let loose = Query::parse(&text)
            .map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(loose.select(), canonical.select(), "{:?}", text);
        prop_assert_eq!(loose.marker_count(), canonical.marker_count());
        prop_assert_eq!(loose.to_string(), canonical.to_string());
    }

    /// Names keep their case; a keyword is refused as a name in any case
    /// unless backquoted, and the error points at it.
    #[test]
    fn names_keep_their_case_keywords_need_quotes(
        keyword in proptest::sample::select(KEYWORDS),
        mask in any::<u16>(),
        plain in "[A-Za-z_][A-Za-z0-9_]{0,7}",
    ) {
        let spelled: String = keyword
            .chars()
            .enumerate()
            .map(|(i, c)| if mask >> (i % 16) & 1 == 1 { c.to_ascii_lowercase() } else { c })
            .collect();
        let query = Query::parse(&format!("SELECT `{spelled}` FROM `{plain}`")).unwrap();
        prop_assert_eq!(&query.select().from[0].name, &plain);
        match &query.select().columns[0] {
            SelectItem::Column(c) => prop_assert_eq!(&c.column.name, &spelled),
            other => prop_assert!(false, "{:?}", other),
        }
        // (`SELECT DISTINCT FROM` fails at FROM, the missing column.)
        if keyword != "DISTINCT" {
            let text = format!("SELECT {spelled} FROM `{plain}`");
            let error = Query::parse(&text).unwrap_err();
            prop_assert_eq!((error.offset, error.token.as_str()), (7, spelled.as_str()), "{}", text);
            prop_assert!(
                matches!(error.kind, SqlErrorKind::KeywordAsName { .. } | SqlErrorKind::Syntax { .. }),
                "{:?}", error.kind
            );
        }
        if !is_keyword(&plain) {
            let query = Query::parse(&format!("select {plain} from {plain} where {plain}.{plain} is null")).unwrap();
            prop_assert_eq!(query.to_string(), format!("SELECT `{plain}` FROM `{plain}` WHERE `{plain}`.`{plain}` IS NULL"));
        }
    }

    /// The packed form is the definition's, in upper case, from either
    /// case of input; it is read back from either case.
    #[test]
    fn packed_guids_follow_the_definition(braced in braced_guid()) {
        let guid = Guid::parse(&braced).unwrap();
        let packed = packed_by_definition(&braced).to_uppercase();
        prop_assert_eq!(guid.to_packed(), packed.as_str());
        prop_assert_eq!(guid.to_string(), braced.to_uppercase());
        prop_assert_eq!(Guid::from_packed(&packed.to_lowercase()).unwrap(), guid);
        // Packing twice is the identity on the digits.
        prop_assert_eq!(packed_by_definition(&guid.to_string()).len(), 32);
        let squished = guid.to_squished();
        prop_assert_eq!(squished.len(), 20);
        prop_assert!(!squished.contains(['"', '#', '/', ':', ';', '<', '>', '\\', '|']), "{}", squished);
    }

    /// One wrong character anywhere makes each form unreadable.
    #[test]
    fn damaged_guids_are_refused(braced in braced_guid(), at in 0usize..38, bad in "[g-zG-Z :{}]") {
        let mut damaged: Vec<char> = braced.chars().collect();
        damaged[at] = bad.chars().next().unwrap();
        let damaged: String = damaged.into_iter().collect();
        // (A brace put back where it was changes nothing.)
        prop_assert_eq!(Guid::parse(&damaged).is_ok(), damaged == braced, "{}", damaged);
        let packed = Guid::parse(&braced).unwrap().to_packed();
        let mut damaged: Vec<char> = packed.chars().collect();
        damaged[at % 32] = bad.chars().next().unwrap();
        let damaged: String = damaged.into_iter().collect();
        prop_assert!(Guid::from_packed(&damaged).is_err(), "{}", damaged);
        prop_assert!(Guid::from_packed(&packed[1..]).is_err());
        let longer = format!("{packed}0");
        prop_assert!(Guid::from_packed(&longer).is_err());
    }

    /// The DWORD is `major << 24 | minor << 16 | build`, however the
    /// version was written, and the fourth field never reaches it.
    #[test]
    fn version_dword_follows_the_formula(
        major in 0u32..=255, minor in 0u32..=255, build in 0u32..=65535,
        revision in proptest::option::of(0u32..=65535), zeros in 0usize..3,
    ) {
        let pad = "0".repeat(zeros);
        let mut text = format!("{pad}{major}.{pad}{minor}.{pad}{build}");
        if let Some(revision) = revision {
            text.push_str(&format!(".{pad}{revision}"));
        }
        let version = ProductVersion::parse(&text).unwrap();
        let dword = major << 24 | minor << 16 | build;
        prop_assert_eq!(version.to_dword(), dword, "{}", text);
        let back = ProductVersion::from_dword(dword);
        prop_assert_eq!(
            (u32::from(back.major()), u32::from(back.minor()), u32::from(back.build()), back.revision()),
            (major, minor, build, 0)
        );
        prop_assert_eq!(back.to_string(), format!("{major}.{minor}.{build}"));
        // Two fields are read as three, the build 0.
        let short = ProductVersion::parse(&format!("{major}.{minor}")).unwrap();
        prop_assert_eq!(short.to_dword(), major << 24 | minor << 16);
    }

    /// A field over its limit (255, 255, 65535, 65535) is refused, not
    /// wrapped into the DWORD.
    #[test]
    fn version_fields_over_their_limits_are_refused(
        field in 0usize..4, over in 1u32..100_000, base in proptest::collection::vec(0u32..=255, 4),
    ) {
        let limits = [255u32, 255, 65_535, 65_535];
        let mut fields = base.clone();
        fields[field] = limits[field] + over;
        let text = fields.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
        prop_assert!(ProductVersion::parse(&text).is_err(), "{}", text);
        fields[field] = limits[field];
        let text = fields.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
        prop_assert!(ProductVersion::parse(&text).is_ok(), "{}", text);
    }
}

/// Known values worked out by hand, so that the formulas above are not
/// only checked against themselves.
#[test]
fn known_values() {
    let version = ProductVersion::parse("4.5.6789.1").unwrap();
    assert_eq!(version.to_dword(), 0x0405_1A85);
    assert_eq!(
        ProductVersion::from_dword(0x0405_1A85).to_string(),
        "4.5.6789"
    );
    assert_eq!(
        packed_by_definition("{6B2F1C44-7D1E-4E0B-9B1A-3C5D2E7F8A01}"),
        "44C1F2B6E1D7B0E4B9A1C3D5E2F7A810"
    );
}
