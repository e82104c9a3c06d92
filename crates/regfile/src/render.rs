//! Writing items exactly as regedit writes them.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::encoding::{cp1252_encode, Encoding};
use crate::value::le_units;
use crate::{Error, Format, RegType, Value};

/// Regedit breaks a hex line once it reaches this many characters
/// (the trailing `\` not counted); continuation lines start with two spaces.
const HEX_LINE_LIMIT: usize = 77;
const HEX_INDENT: &str = "  ";

/// `"name"=` with regedit's escaping, or `@=` for the default value.
fn name_prefix(name: &str, out: &mut String) {
    if name.is_empty() {
        out.push_str("@=");
    } else {
        out.push('"');
        escape_into(name, out);
        out.push_str("\"=");
    }
}

/// Escapes as regedit (Wine's) writes: `\\`, `\"`, and line breaks as `\r`, `\n`.
fn escape_into(text: &str, out: &mut String) {
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            _ => out.push(ch),
        }
    }
}

/// The text of a value line, without its final line break. `eol` is used
/// inside wrapped hex data.
pub(crate) fn value_line(
    format: Format,
    name: &str,
    value: &Value,
    eol: &str,
) -> Result<String, Error> {
    let mut out = String::new();
    name_prefix(name, &mut out);
    let data = value.data();
    match value.ty() {
        RegType::SZ => {
            if let Some(text) = plain_string(format, data) {
                out.push('"');
                escape_into(&text, &mut out);
                out.push('"');
                return Ok(out);
            }
        }
        RegType::DWORD => {
            if let Ok(n) = value.as_u32() {
                let _ = write!(out, "dword:{n:08x}");
                return Ok(out);
            }
        }
        _ => {}
    }
    let bytes: Cow<'_, [u8]> = if format == Format::Regedit4
        && matches!(value.ty(), RegType::EXPAND_SZ | RegType::MULTI_SZ)
    {
        Cow::Owned(to_ansi(value)?)
    } else {
        Cow::Borrowed(data)
    };
    if value.ty() == RegType::BINARY {
        out.push_str("hex:");
    } else {
        let _ = write!(out, "hex({:x}):", value.ty().0);
    }
    push_hex(&mut out, &bytes, eol);
    Ok(out)
}

/// A `"name"=-` line.
pub(crate) fn deletion_line(name: &str) -> String {
    let mut out = String::new();
    name_prefix(name, &mut out);
    out.push('-');
    out
}

/// A `[path]` or `[-path]` line.
pub(crate) fn key_line(path: &str, deletion: bool) -> String {
    format!("[{}{path}]", if deletion { "-" } else { "" })
}

/// Appends comma-separated hex bytes, wrapped the way regedit wraps them:
/// the line length counts from the start of the line (name and type prefix
/// included, in UTF-16 units), and after each `xx,` that brings it to the
/// limit the line ends with `\` and the next starts with two spaces.
fn push_hex(out: &mut String, bytes: &[u8], eol: &str) {
    let line_start = out.rfind(['\r', '\n']).map_or(0, |i| i + 1);
    let mut line_len = out
        .get(line_start..)
        .unwrap_or_default()
        .encode_utf16()
        .count();
    out.reserve(bytes.len() * 3 + bytes.len() / 24 * (eol.len() + 3));
    let last = bytes.len().saturating_sub(1);
    for (i, byte) in bytes.iter().enumerate() {
        let _ = write!(out, "{byte:02x}");
        if i == last {
            break;
        }
        out.push(',');
        line_len += 3;
        if line_len >= HEX_LINE_LIMIT {
            out.push('\\');
            out.push_str(eol);
            out.push_str(HEX_INDENT);
            line_len = HEX_INDENT.len();
        }
    }
}

/// The text of `REG_SZ` data when it can be written as `"..."` without
/// losing anything: exactly one terminating NUL and no other, valid UTF-16,
/// and (for `REGEDIT4`) only Windows-1252 characters.
/// Anything else is written as `hex(1):`, which imports back byte for byte.
fn plain_string(format: Format, data: &[u8]) -> Option<String> {
    if !data.len().is_multiple_of(2) {
        return None;
    }
    let units = le_units(data);
    let (&last, body) = units.split_last()?;
    if last != 0 || body.contains(&0) {
        return None;
    }
    let text = String::from_utf16(body).ok()?;
    if format == Format::Regedit4 && text.chars().any(|c| cp1252_encode(c).is_none()) {
        return None;
    }
    Some(text)
}

/// `REG_EXPAND_SZ` and `REG_MULTI_SZ` data in the ANSI code page, the way
/// `REGEDIT4` files spell them.
fn to_ansi(value: &Value) -> Result<Vec<u8>, Error> {
    if !value.data().len().is_multiple_of(2) {
        return Err(Error::BadData {
            ty: value.ty(),
            reason: "UTF-16 data has an odd number of bytes",
        });
    }
    let unencodable = |ch| Error::Unencodable {
        what: "value data",
        ch,
        encoding: Encoding::Windows1252.name(),
    };
    char::decode_utf16(le_units(value.data()))
        .map(|c| {
            let c = c.map_err(|_| unencodable(char::REPLACEMENT_CHARACTER))?;
            cp1252_encode(c).ok_or_else(|| unencodable(c))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn line(name: &str, value: Value) -> String {
        value_line(Format::Regedit5, name, &value, "\r\n").unwrap_or_default()
    }

    #[test]
    fn spells_each_type_like_regedit() {
        assert_eq!(line("", Value::string("a\\b\"c")), r#"@="a\\b\"c""#);
        assert_eq!(line("n\"x", Value::dword(0xff)), r#""n\"x"=dword:000000ff"#);
        assert_eq!(line("b", Value::binary(vec![])), r#""b"=hex:"#);
        assert_eq!(line("b", Value::binary(vec![0xab, 1])), r#""b"=hex:ab,01"#);
        assert_eq!(
            line("q", Value::qword(1)),
            r#""q"=hex(b):01,00,00,00,00,00,00,00"#
        );
        assert_eq!(
            line("d", Value::new(RegType::DWORD, vec![1])),
            r#""d"=hex(4):01"#
        );
        assert_eq!(
            line("x", Value::new(RegType(0x1234), vec![7])),
            r#""x"=hex(1234):07"#
        );
        assert_eq!(deletion_line("x"), r#""x"=-"#);
        assert_eq!(key_line("HKEY_USERS\\a", true), "[-HKEY_USERS\\a]");
    }

    #[test]
    fn strings_that_would_lose_data_become_hex() {
        // No terminator or an inner NUL: regedit would write a string that
        // does not import back; we keep every byte.
        assert_eq!(
            line("s", Value::new(RegType::SZ, vec![b'a', 0])),
            r#""s"=hex(1):61,00"#
        );
        assert_eq!(
            line(
                "s",
                Value::new(RegType::SZ, vec![b'a', 0, 0, 0, b'b', 0, 0, 0])
            ),
            r#""s"=hex(1):61,00,00,00,62,00,00,00"#
        );
        assert_eq!(line("s\r", Value::string("a\r\nb")), r#""s\r"="a\r\nb""#);
        let v4 =
            value_line(Format::Regedit4, "s", &Value::string("日"), "\r\n").unwrap_or_default();
        assert_eq!(v4, r#""s"=hex(1):e5,65,00,00"#);
    }

    #[test]
    fn regedit4_writes_expand_and_multi_strings_in_ansi() {
        let v = Value::expand_string("%A%é");
        assert_eq!(
            value_line(Format::Regedit4, "e", &v, "\r\n").unwrap_or_default(),
            r#""e"=hex(2):25,41,25,e9,00"#
        );
        assert!(matches!(
            value_line(Format::Regedit4, "e", &Value::expand_string("日"), "\r\n"),
            Err(Error::Unencodable { .. })
        ));
    }

    #[test]
    fn wraps_hex_after_the_byte_that_reaches_77_columns() {
        let text = line("v", Value::binary(vec![0; 60]));
        let lines: Vec<&str> = text.split("\r\n").collect();
        // `"v"=hex:` is 8 columns; 23 more `00,` reach 77.
        assert_eq!(lines[0].len(), 8 + 23 * 3 + 1);
        assert!(lines[0].ends_with(",\\"));
        assert!(lines[1].starts_with("  00,"));
        // Continuation lines hold 25 bytes: 2 + 25 * 3 = 77.
        assert_eq!(lines[1].len(), 2 + 25 * 3 + 1);
        assert!(!lines[2].ends_with('\\'));
        let total: usize = text.matches("00").count();
        assert_eq!(total, 60);
    }
}
