//! The compression Windows Installer applies to stream names.
//!
//! Compound-file names are limited to 31 UTF-16 units, so the installer
//! packs pairs of characters from a 64-letter alphabet (`0-9A-Za-z._`) into
//! one code unit: a pair becomes `0x3800 + first + (second << 6)`, a lone
//! letter `0x4800 + letter`. Table streams carry an extra `U+4840` prefix.
//! Any other character is stored as itself.

/// The prefix of the stream that holds a table's rows.
pub(crate) const TABLE_PREFIX: char = '\u{4840}';

fn letter_index(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
        'a'..='z' => Some(c as u32 - 'a' as u32 + 36),
        '.' => Some(62),
        '_' => Some(63),
        _ => None,
    }
}

fn letter(index: u32) -> char {
    let c = match index {
        0..=9 => '0' as u32 + index,
        10..=35 => 'A' as u32 + index - 10,
        36..=61 => 'a' as u32 + index - 36,
        62 => '.' as u32,
        _ => '_' as u32,
    };
    char::from_u32(c).unwrap_or('_')
}

/// Decodes a stored stream name: packed characters are expanded, anything
/// else (including the table prefix `U+4840`) is kept.
pub fn decode_stream_name(stored: &str) -> String {
    let mut out = String::with_capacity(stored.len());
    for c in stored.chars() {
        let code = c as u32;
        if (0x3800..0x4800).contains(&code) {
            let pair = code - 0x3800;
            out.push(letter(pair & 0x3f));
            out.push(letter((pair >> 6) & 0x3f));
        } else if (0x4800..0x4840).contains(&code) {
            out.push(letter(code - 0x4800));
        } else {
            out.push(c);
        }
    }
    out
}

/// Encodes a name the way Windows Installer stores it. A table's stream is
/// `encode_stream_name(&format!("\u{4840}{table}"))`: the prefix is kept as
/// it is, like every character outside the packing alphabet.
pub fn encode_stream_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        let Some(first) = letter_index(c) else {
            out.push(c);
            continue;
        };
        let code = match chars.peek().copied().and_then(letter_index) {
            Some(second) => {
                chars.next();
                0x3800 + first + (second << 6)
            }
            None => 0x4800 + first,
        };
        out.push(char::from_u32(code).unwrap_or(c));
    }
    out
}

/// The stored stream name of a table.
pub(crate) fn table_stream_name(table: &str) -> String {
    let mut name = String::with_capacity(table.len() + 3);
    name.push(TABLE_PREFIX);
    name.push_str(table);
    encode_stream_name(&name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_names() {
        // "_StringPool" as every MSI stores it.
        let stored = table_stream_name("_StringPool");
        let units: Vec<u32> = stored.chars().map(|c| c as u32).collect();
        assert_eq!(
            units,
            [0x4840, 0x3f3f, 0x4577, 0x446c, 0x3e6a, 0x44b2, 0x482f]
        );
        assert_eq!(decode_stream_name(&stored), "\u{4840}_StringPool");
        assert_eq!(
            encode_stream_name("\u{5}SummaryInformation").chars().next(),
            Some('\u{5}')
        );
        // Odd length: the last letter is stored alone.
        assert_eq!(encode_stream_name("abc").chars().count(), 2);
        assert_eq!(decode_stream_name(&encode_stream_name("a-b")), "a-b");
    }

    proptest! {
        #[test]
        fn round_trip(name in "[0-9A-Za-z._\\-/ \u{5}\u{4840}\u{e9}\u{4e2d}]{0,40}") {
            prop_assert_eq!(decode_stream_name(&encode_stream_name(&name)), name);
        }

        #[test]
        fn packs_to_at_most_half_plus_one(name in "[0-9A-Za-z._]{0,60}") {
            let stored = encode_stream_name(&name);
            prop_assert_eq!(stored.chars().count(), name.len().div_ceil(2));
        }
    }
}
