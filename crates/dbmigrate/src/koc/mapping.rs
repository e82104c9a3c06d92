//! The value mappings of format 1 to format 2 (spec: "Mapping 1 → 2"),
//! as plain functions: the transforms apply them row by row.

/// A sender split into display name and address (format 2's
/// `sender_name` and `sender_address`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sender {
    /// The display name, without surrounding quotes; `None` when there is
    /// none.
    pub name: Option<String>,
    /// The address; `None` when the text holds none.
    pub address: Option<String>,
}

/// Splits format 1's `messages.sender` as the spec says, after trimming
/// white space (Unicode `White_Space`, as [`str::trim`]):
///
/// 1. text ending with `<ADDR>`, ADDR holding an `@` and no white space or
///    angle brackets: the address is ADDR; the name is what comes before,
///    trimmed, without one pair of surrounding double quotes, `None` if
///    empty;
/// 2. otherwise a bare `LOCAL@DOMAIN` (exactly one `@`, both sides
///    non-empty, no white space or angle brackets): no name, that address;
/// 3. anything else: the trimmed text as the name (`None` if empty), no
///    address.
///
/// `None` (SQL NULL) gives neither.
///
/// ```
/// use olkit_dbmigrate::koc::{parse_sender, Sender};
///
/// let s = parse_sender(Some(" \"Doe, Jane\" <jane@example.com>\n"));
/// assert_eq!(s.name.as_deref(), Some("Doe, Jane"));
/// assert_eq!(s.address.as_deref(), Some("jane@example.com"));
/// assert_eq!(parse_sender(Some("jane@example.com")).name, None);
/// assert_eq!(parse_sender(Some("MAILER-DAEMON")).address, None);
/// assert_eq!(parse_sender(None), Sender::default());
/// ```
pub fn parse_sender(sender: Option<&str>) -> Sender {
    let Some(text) = sender.map(str::trim) else {
        return Sender::default();
    };
    if let Some((before, address)) = split_angle_address(text) {
        let before = before.trim();
        let name = before
            .strip_prefix('"')
            .and_then(|inner| inner.strip_suffix('"'))
            .unwrap_or(before);
        return Sender {
            name: non_empty(name),
            address: Some(address.to_owned()),
        };
    }
    if is_bare_address(text) {
        return Sender {
            name: None,
            address: Some(text.to_owned()),
        };
    }
    Sender {
        name: non_empty(text),
        address: None,
    }
}

/// `text` ending with `<ADDR>` (ADDR a usable address): what comes before,
/// and ADDR.
fn split_angle_address(text: &str) -> Option<(&str, &str)> {
    let inner_and_before = text.strip_suffix('>')?;
    let open = inner_and_before.rfind('<')?;
    let before = inner_and_before.get(..open)?;
    let address = inner_and_before.get(open + 1..)?;
    let usable = address.contains('@') && !address.chars().any(breaks_address);
    usable.then_some((before, address))
}

/// `LOCAL@DOMAIN`: one `@` with something on either side, no white space
/// or angle brackets.
fn is_bare_address(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !text.chars().any(breaks_address)
        }
        None => false,
    }
}

fn breaks_address(c: char) -> bool {
    c.is_whitespace() || c == '<' || c == '>'
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// Format 2's `folders.kind` for format 1's kind text: `mail` 1,
/// `calendar` 2, `contacts` 3, `tasks` 4, `notes` 5, anything else 0
/// (exact, case-sensitive match, as the migration's SQL does).
///
/// ```
/// assert_eq!(olkit_dbmigrate::koc::folder_kind("calendar"), 2);
/// assert_eq!(olkit_dbmigrate::koc::folder_kind("Mail"), 0);
/// ```
pub fn folder_kind(kind: &str) -> i64 {
    match kind {
        "mail" => 1,
        "calendar" => 2,
        "contacts" => 3,
        "tasks" => 4,
        "notes" => 5,
        _ => 0,
    }
}

/// The SQL expression computing [`folder_kind`] of column `kind`.
pub(crate) const FOLDER_KIND_SQL: &str = "CASE kind WHEN 'mail' THEN 1 WHEN 'calendar' THEN 2 \
     WHEN 'contacts' THEN 3 WHEN 'tasks' THEN 4 WHEN 'notes' THEN 5 ELSE 0 END";

/// Format 2's message state columns, from format 1's `flags` bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    /// Bit 0.
    pub is_read: bool,
    /// Bit 1.
    pub is_flagged: bool,
    /// Bit 2.
    pub is_answered: bool,
    /// Bit 3.
    pub is_deleted: bool,
}

/// Maps format 1's `messages.flags`: bit 0 read, 1 flagged, 2 answered,
/// 3 deleted; every other bit is dropped.
///
/// ```
/// let f = olkit_dbmigrate::koc::flags(0b1_0101);
/// assert!(f.is_read && !f.is_flagged && f.is_answered && !f.is_deleted);
/// ```
pub fn flags(bits: i64) -> Flags {
    Flags {
        is_read: bits & 1 != 0,
        is_flagged: bits & 2 != 0,
        is_answered: bits & 4 != 0,
        is_deleted: bits & 8 != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(sender: Option<&str>) -> (Option<String>, Option<String>) {
        let s = parse_sender(sender);
        (s.name, s.address)
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn sender_forms() {
        assert_eq!(pair(Some("\"A B\" <a@b>")), (some("A B"), some("a@b")));
        assert_eq!(pair(Some("A B <a@b>")), (some("A B"), some("a@b")));
        assert_eq!(pair(Some("<a@b>")), (None, some("a@b")));
        assert_eq!(pair(Some("\"\" <a@b>")), (None, some("a@b")));
        assert_eq!(pair(Some("a@b")), (None, some("a@b")));
        assert_eq!(pair(Some("a@b@c")), (some("a@b@c"), None));
        assert_eq!(pair(Some("<a@b@c>")), (None, some("a@b@c")));
        assert_eq!(pair(Some("@b")), (some("@b"), None));
        assert_eq!(
            pair(Some("N <not an address>")),
            (some("N <not an address>"), None)
        );
        assert_eq!(pair(Some("N <x@y> <z@w>")), (some("N <x@y>"), some("z@w")));
        assert_eq!(pair(Some("\t\"N\" <a@b>\r\n")), (some("N"), some("a@b")));
        assert_eq!(pair(Some("\"N")), (some("\"N"), None));
        assert_eq!(pair(Some("\" <a@b>")), (some("\""), some("a@b")));
        assert_eq!(pair(Some("\"\"N\"\" <a@b>")), (some("\"N\""), some("a@b")));
        assert_eq!(pair(Some("N <a@b>x")), (some("N <a@b>x"), None));
        assert_eq!(pair(Some("N <a @b>")), (some("N <a @b>"), None));
        assert_eq!(pair(Some("N <<a@b>")), (some("N <"), some("a@b")));
        assert_eq!(pair(Some("")), (None, None));
        assert_eq!(pair(Some(" \t\n")), (None, None));
        assert_eq!(pair(None), (None, None));
    }

    #[test]
    fn flag_bits() {
        assert_eq!(flags(0), Flags::default());
        assert_eq!(flags(-1), flags(15));
        assert_eq!(flags(1 << 40 | 16), Flags::default());
        assert!(flags(8).is_deleted && !flags(8).is_read);
    }
}
