//! A recursive-descent parser accepting exactly the `SELECT` language of
//! libmsi's `sql-parser.y`:
//!
//! ```text
//! select   := SELECT [DISTINCT] sellist FROM table {, table}
//!             [WHERE expr] [ORDER BY collist]
//! sellist  := * | selcol {, selcol} [, *]      -- a trailing ", *" adds nothing
//! selcol   := column | 'string'
//! collist  := * | column {, column} [, *]
//! column   := [name .] name
//! expr     := and {OR and}          -- one n-ary node per chain
//! and      := primary {AND primary}
//! primary  := ( expr ) | column IS [NOT] NULL | column op value
//! value    := column | [-] integer | 'string' | ?
//! ```
//!
//! The left side of a comparison must be a column (`1 = x` is a syntax
//! error in libmsi), parentheses group conditions only (`(x) = 1` is an
//! error), and keywords are never names unless backquoted.

use super::ast::{ColumnRef, CompareOp, Expr, Name, Operand, Select, SelectItem, Span};
use super::lexer::{Tok, Token};
use super::{SqlError, SqlErrorKind, MAX_DEPTH};

struct Parser<'a> {
    sql: &'a str,
    tokens: &'a [Token],
    pos: usize,
    markers: usize,
}

/// Parses a tokenized `SELECT`; returns the tree and its marker count.
pub(crate) fn parse(sql: &str, tokens: &[Token]) -> Result<(Select, usize), SqlError> {
    let mut parser = Parser {
        sql,
        tokens,
        pos: 0,
        markers: 0,
    };
    let select = parser.select()?;
    Ok((select, parser.markers))
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.pos).map_or(&Tok::End, |t| &t.tok)
    }

    fn span(&self) -> Span {
        self.tokens.get(self.pos).map_or(
            Span {
                start: self.sql.len(),
                end: self.sql.len(),
            },
            |t| Span {
                start: t.start,
                end: t.end,
            },
        )
    }

    fn bump(&mut self) {
        self.pos += 1;
    }

    fn accept(&mut self, tok: &Tok) -> bool {
        if self.peek() == tok {
            self.bump();
            true
        } else {
            false
        }
    }

    fn accept_keyword(&mut self, keyword: &str) -> bool {
        if matches!(self.peek(), Tok::Keyword(k) if *k == keyword) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// The error for the current token, which is not what `expected` says.
    fn unexpected(&self, expected: &'static str) -> SqlError {
        let span = self.span();
        let token = self
            .sql
            .get(span.start..span.end)
            .unwrap_or_default()
            .to_owned();
        let kind = match self.peek() {
            Tok::End => SqlErrorKind::UnexpectedEnd,
            Tok::Keyword(k) if expected.contains("name") => SqlErrorKind::KeywordAsName {
                keyword: (*k).to_owned(),
            },
            _ => SqlErrorKind::Syntax { expected },
        };
        SqlError {
            offset: span.start,
            token,
            kind,
        }
    }

    fn expect_keyword(&mut self, keyword: &'static str) -> Result<(), SqlError> {
        if self.accept_keyword(keyword) {
            Ok(())
        } else {
            Err(self.unexpected(keyword))
        }
    }

    fn name(&mut self) -> Result<Name, SqlError> {
        let span = self.span();
        match self.peek() {
            Tok::Id(name) => {
                let name = Name {
                    name: name.clone(),
                    span,
                };
                self.bump();
                Ok(name)
            }
            _ => Err(self.unexpected("a name")),
        }
    }

    fn column(&mut self) -> Result<ColumnRef, SqlError> {
        let first = self.name()?;
        if self.accept(&Tok::Dot) {
            let column = self.name()?;
            Ok(ColumnRef {
                table: Some(first),
                column,
            })
        } else {
            Ok(ColumnRef {
                table: None,
                column: first,
            })
        }
    }

    fn select(&mut self) -> Result<Select, SqlError> {
        self.expect_keyword("SELECT")?;
        let distinct = self.accept_keyword("DISTINCT");
        let columns = self.list(|p| {
            let span = p.span();
            if let Tok::Str(s) = p.peek() {
                let name = Name {
                    name: s.clone(),
                    span,
                };
                p.bump();
                Ok(SelectItem::Literal(name))
            } else {
                p.column().map(SelectItem::Column)
            }
        })?;
        self.expect_keyword("FROM")?;
        let mut from = vec![self.name()?];
        while self.accept(&Tok::Comma) {
            from.push(self.name()?);
        }
        let condition = if self.accept_keyword("WHERE") {
            Some(self.or(0)?)
        } else {
            None
        };
        let order_by = if self.accept_keyword("ORDER") {
            self.expect_keyword("BY")?;
            Some(self.list(Self::column)?)
        } else {
            None
        };
        if *self.peek() != Tok::End {
            return Err(self.unexpected("the end of the query"));
        }
        Ok(Select {
            distinct,
            columns,
            from,
            condition,
            order_by,
        })
    }

    /// `* | item {, item} [, *]`; a lone `*` is the empty list.
    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, SqlError>,
    ) -> Result<Vec<T>, SqlError> {
        let mut items = Vec::new();
        if self.accept(&Tok::Star) {
            return Ok(items);
        }
        loop {
            items.push(item(self)?);
            if !self.accept(&Tok::Comma) {
                return Ok(items);
            }
            if self.accept(&Tok::Star) {
                return Ok(items);
            }
        }
    }

    fn check_depth(&self, depth: usize) -> Result<(), SqlError> {
        if depth > MAX_DEPTH {
            let span = self.span();
            return Err(SqlError {
                offset: span.start,
                token: self
                    .sql
                    .get(span.start..span.end)
                    .unwrap_or_default()
                    .to_owned(),
                kind: SqlErrorKind::TooDeep { limit: MAX_DEPTH },
            });
        }
        Ok(())
    }

    /// `depth` is the number of enclosing parentheses.
    fn or(&mut self, depth: usize) -> Result<Expr, SqlError> {
        let first = self.and(depth)?;
        if !matches!(self.peek(), Tok::Keyword("OR")) {
            return Ok(first);
        }
        let mut operands = vec![first];
        while self.accept_keyword("OR") {
            operands.push(self.and(depth)?);
        }
        Ok(Expr::Or(operands))
    }

    fn and(&mut self, depth: usize) -> Result<Expr, SqlError> {
        let first = self.primary(depth)?;
        if !matches!(self.peek(), Tok::Keyword("AND")) {
            return Ok(first);
        }
        let mut operands = vec![first];
        while self.accept_keyword("AND") {
            operands.push(self.primary(depth)?);
        }
        Ok(Expr::And(operands))
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, SqlError> {
        if matches!(self.peek(), Tok::LParen) {
            self.check_depth(depth + 1)?;
            self.bump();
            let inner = self.or(depth + 1)?;
            if !self.accept(&Tok::RParen) {
                return Err(self.unexpected("')'"));
            }
            return Ok(inner);
        }
        if !matches!(self.peek(), Tok::Id(_)) {
            return Err(self.unexpected("a column name or '('"));
        }
        let left = self.column()?;
        if self.accept_keyword("IS") {
            let negated = self.accept_keyword("NOT");
            if !self.accept_keyword("NULL") {
                return Err(self.unexpected("NULL"));
            }
            return Ok(Expr::IsNull {
                column: left,
                negated,
            });
        }
        let op = match self.peek() {
            Tok::Eq => CompareOp::Eq,
            Tok::Ne => CompareOp::Ne,
            Tok::Lt => CompareOp::Lt,
            Tok::Gt => CompareOp::Gt,
            Tok::Le => CompareOp::Le,
            Tok::Ge => CompareOp::Ge,
            _ => return Err(self.unexpected("a comparison operator or IS")),
        };
        self.bump();
        let right = match self.peek().clone() {
            Tok::Id(_) => Operand::Column(self.column()?),
            Tok::Int(value) => {
                self.bump();
                Operand::Int(value)
            }
            Tok::Minus => {
                self.bump();
                match self.peek() {
                    Tok::Int(value) => {
                        let value = value.wrapping_neg();
                        self.bump();
                        Operand::Int(value)
                    }
                    _ => return Err(self.unexpected("an integer after '-'")),
                }
            }
            Tok::Str(s) => {
                self.bump();
                Operand::Str(s)
            }
            Tok::Marker => {
                self.bump();
                self.markers += 1;
                Operand::Marker
            }
            _ => return Err(self.unexpected("a column name, number, string or '?'")),
        };
        Ok(Expr::Compare { left, op, right })
    }
}
