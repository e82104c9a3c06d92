//! The tokenizer: byte for byte the rules of libmsi's `tokenize.c` (the
//! SQLite-derived tokenizer Wine's msi.dll also uses), so that the same
//! text splits into the same tokens.
//!
//! Rules worth knowing, all observed in libmsi:
//! - a token starts a blank only on space, TAB, LF or FF; CR and VT are
//!   illegal there (VT, but not CR, may continue a blank);
//! - identifiers are ASCII letters, digits, `_`, `-` (not first), byte 0x05
//!   and every byte >= 0x80 (so any non-ASCII character);
//! - `` `name` `` quotes an identifier; `[name]` is an identifier whose name
//!   keeps its brackets; an unquoted identifier directly followed by a
//!   backquote swallows that backquote;
//! - `'text'` is a string (no escapes: a quote always ends it); `"` is an
//!   illegal character;
//! - numbers are decimal digits (or `.` then digits, worth 0), wrapping on
//!   overflow as libmsi's `int` arithmetic does;
//! - keywords are case-insensitive ASCII.

use super::{SqlError, SqlErrorKind};

/// Reserved words of the dialect (libmsi's keyword table). Any of them used
/// as a name must be backquoted.
pub(crate) const KEYWORDS: &[&str] = &[
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

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A keyword, by its upper-case spelling from [`KEYWORDS`].
    Keyword(&'static str),
    /// A name (unquoted, backquoted without its quotes, or bracketed with
    /// its brackets).
    Id(String),
    /// A single-quoted string, without its quotes.
    Str(String),
    /// An unsigned integer literal, already converted (wrapping).
    Int(i32),
    Star,
    Comma,
    Dot,
    LParen,
    RParen,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Minus,
    /// `?`, a parameter marker.
    Marker,
    /// End of input.
    End,
}

/// A token and where it is in the query (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Identifier characters of libmsi's `isIdChar` table.
fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == 0x05 || b >= 0x80
}

/// Bytes that continue a blank once one has started (C `isspace` minus CR).
fn continues_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c)
}

fn keyword(text: &[u8]) -> Option<&'static str> {
    KEYWORDS
        .iter()
        .copied()
        .find(|k| k.as_bytes().eq_ignore_ascii_case(text))
}

/// libmsi's `sql_atoi`: decimal digits with wrapping `int` arithmetic,
/// stopping at the first non-digit (the `.` of a `.5` token gives 0).
fn atoi(text: &[u8]) -> i32 {
    let mut value: i32 = 0;
    for &b in text {
        if !b.is_ascii_digit() {
            break;
        }
        value = value.wrapping_mul(10).wrapping_add(i32::from(b - b'0'));
    }
    value
}

/// Splits `sql` into tokens, ending with [`Tok::End`].
pub(crate) fn tokenize(sql: &str) -> Result<Vec<Token>, SqlError> {
    let bytes = sql.as_bytes();
    let text = |start: usize, end: usize| sql.get(start..end).unwrap_or_default().to_owned();
    let error = |kind: SqlErrorKind, start: usize, end: usize| SqlError {
        offset: start,
        token: String::from_utf8_lossy(bytes.get(start..end).unwrap_or_default()).into_owned(),
        kind,
    };
    let mut tokens = Vec::new();
    let mut pos = 0usize;
    while let Some(&first) = bytes.get(pos) {
        let start = pos;
        let at = |i: usize| bytes.get(i).copied();
        let (tok, len) = match first {
            b' ' | b'\t' | b'\n' | 0x0c => {
                let mut end = pos + 1;
                while at(end).is_some_and(continues_blank) {
                    end += 1;
                }
                pos = end;
                continue;
            }
            0 => return Err(error(SqlErrorKind::NulCharacter, start, start + 1)),
            b'-' => {
                if at(pos + 1).is_none() {
                    // libmsi loops forever on a query ending in '-'.
                    return Err(error(SqlErrorKind::UnexpectedEnd, start, start + 1));
                }
                (Tok::Minus, 1)
            }
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b'*' => (Tok::Star, 1),
            b'=' => (Tok::Eq, 1),
            b'<' => match at(pos + 1) {
                Some(b'=') => (Tok::Le, 2),
                Some(b'>') => (Tok::Ne, 2),
                _ => (Tok::Lt, 1),
            },
            b'>' => match at(pos + 1) {
                Some(b'=') => (Tok::Ge, 2),
                _ => (Tok::Gt, 1),
            },
            b'!' => match at(pos + 1) {
                Some(b'=') => (Tok::Ne, 2),
                _ => return Err(error(SqlErrorKind::IllegalCharacter, start, start + 1)),
            },
            b'?' => (Tok::Marker, 1),
            b',' => (Tok::Comma, 1),
            b'`' | b'\'' => {
                let close = bytes
                    .get(pos + 1..)
                    .and_then(|rest| rest.iter().position(|&b| b == first));
                let Some(close) = close else {
                    let kind = if first == b'`' {
                        SqlErrorKind::UnterminatedName
                    } else {
                        SqlErrorKind::UnterminatedString
                    };
                    return Err(error(kind, start, bytes.len()));
                };
                let inner = text(pos + 1, pos + 1 + close);
                let tok = if first == b'`' {
                    Tok::Id(inner)
                } else {
                    Tok::Str(inner)
                };
                (tok, close + 2)
            }
            b'.' if !at(pos + 1).is_some_and(|b| b.is_ascii_digit()) => (Tok::Dot, 1),
            b'.' | b'0'..=b'9' => {
                let mut end = pos + 1;
                while at(end).is_some_and(|b| b.is_ascii_digit()) {
                    end += 1;
                }
                let value = atoi(bytes.get(pos..end).unwrap_or_default());
                (Tok::Int(value), end - pos)
            }
            b'[' => {
                // Up to and including the first ']' (or the end): libmsi keeps
                // the brackets as part of the name.
                let len = bytes
                    .get(pos + 1..)
                    .and_then(|rest| rest.iter().position(|&b| b == b']'))
                    .map_or(bytes.len() - pos, |close| close + 2);
                (Tok::Id(text(pos, pos + len)), len)
            }
            b'"' => return Err(error(SqlErrorKind::DoubleQuote, start, start + 1)),
            b if is_id_byte(b) => {
                let mut end = pos + 1;
                while at(end).is_some_and(is_id_byte) {
                    end += 1;
                }
                let word = bytes.get(pos..end).unwrap_or_default();
                let tok = match keyword(word) {
                    Some(k) => Tok::Keyword(k),
                    None => Tok::Id(text(pos, end)),
                };
                let mut consumed = end - pos;
                // libmsi skips one backquote right after a plain name.
                if matches!(tok, Tok::Id(_)) && at(end) == Some(b'`') {
                    consumed += 1;
                }
                tokens.push(Token { tok, start, end });
                pos += consumed;
                continue;
            }
            _ => {
                let width = sql
                    .get(pos..)
                    .and_then(|s| s.chars().next())
                    .map_or(1, char::len_utf8);
                return Err(error(SqlErrorKind::IllegalCharacter, start, start + width));
            }
        };
        tokens.push(Token {
            tok,
            start,
            end: start + len,
        });
        pos = start + len;
    }
    tokens.push(Token {
        tok: Tok::End,
        start: bytes.len(),
        end: bytes.len(),
    });
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(sql: &str) -> Vec<Tok> {
        tokenize(sql).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn libmsi_token_rules() {
        assert_eq!(
            toks("select `a b`,[c d] FROM T"),
            vec![
                Tok::Keyword("SELECT"),
                Tok::Id("a b".into()),
                Tok::Comma,
                Tok::Id("[c d]".into()),
                Tok::Keyword("FROM"),
                Tok::Id("T".into()),
                Tok::End
            ]
        );
        assert_eq!(
            toks("a-b`c 1AND .5 4294967297 x!=y<>z"),
            vec![
                Tok::Id("a-b".into()),
                Tok::Id("c".into()),
                Tok::Int(1),
                Tok::Keyword("AND"),
                Tok::Int(0),
                Tok::Int(1),
                Tok::Id("x".into()),
                Tok::Ne,
                Tok::Id("y".into()),
                Tok::Ne,
                Tok::Id("z".into()),
                Tok::End
            ]
        );
        assert_eq!(toks(" \x0b\n"), vec![Tok::End]);
        assert_eq!(toks("é\u{a0}x"), vec![Tok::Id("é\u{a0}x".into()), Tok::End]);
        assert_eq!(
            toks("LOCALIZABLEX"),
            vec![Tok::Id("LOCALIZABLEX".into()), Tok::End]
        );
    }

    #[test]
    fn libmsi_rejections() {
        for (sql, kind) in [
            ("a\rb", SqlErrorKind::IllegalCharacter),
            ("\x0bA", SqlErrorKind::IllegalCharacter),
            ("x = \"a\"", SqlErrorKind::DoubleQuote),
            ("x = 'a", SqlErrorKind::UnterminatedString),
            ("`a", SqlErrorKind::UnterminatedName),
            ("`", SqlErrorKind::UnterminatedName),
            ("1 -", SqlErrorKind::UnexpectedEnd),
            ("a ! b", SqlErrorKind::IllegalCharacter),
            ("a;", SqlErrorKind::IllegalCharacter),
            ("a\0", SqlErrorKind::NulCharacter),
        ] {
            let err = tokenize(sql).unwrap_err();
            assert_eq!(err.kind, kind, "{sql:?}");
        }
        let err = tokenize("ab ;x").unwrap_err();
        assert_eq!((err.offset, err.token.as_str()), (3, ";"));
    }
}
