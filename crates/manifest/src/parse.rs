//! Reading manifests: quick-xml under limits, no DTDs, no entities beyond
//! the five predefined ones.

use std::fmt;
use std::io::Read;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use crate::model::OLKIT_NAMESPACE;
use crate::{Architecture, Error, LocalizedText, Manifest, Product, Result, Timestamp, Version};

/// Bounds on what [`parse_with`] reads; the defaults suit any real manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest document, in bytes as given (default 16 MiB).
    pub max_bytes: usize,
    /// Deepest element nesting, the root counting 1 (default 32).
    pub max_depth: usize,
    /// Most elements in the document (default 100,000).
    pub max_elements: usize,
    /// Longest text of one element or attribute, in bytes of UTF-8
    /// (default 4 MiB, room for a base64 icon).
    pub max_text_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 16 << 20,
            max_depth: 32,
            max_elements: 100_000,
            max_text_bytes: 4 << 20,
        }
    }
}

/// What is wrong with a manifest document (inside [`Error::Manifest`],
/// which adds the line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// The document is larger than [`Limits::max_bytes`].
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Elements nest deeper than [`Limits::max_depth`].
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// More elements than [`Limits::max_elements`].
    TooManyElements {
        /// The limit.
        limit: usize,
    },
    /// A text or attribute value longer than [`Limits::max_text_bytes`].
    TextTooLong {
        /// The element or attribute.
        name: String,
        /// The limit.
        limit: usize,
    },
    /// A document type declaration: refused, since DTDs declare entities
    /// (billion laughs, external files).
    Doctype,
    /// A reference to an entity other than `lt`, `gt`, `amp`, `apos`,
    /// `quot` or a character reference.
    UndefinedEntity(String),
    /// The bytes are not valid in the document's encoding, or the encoding
    /// is not UTF-8 or UTF-16.
    Encoding(String),
    /// Not well-formed XML (quick-xml's description).
    Syntax(String),
    /// The root element is not `<Products>` (without namespace).
    WrongRoot(String),
    /// Something other than comments or processing instructions outside
    /// the root element.
    OutsideRoot(String),
    /// A known element or attribute given twice where it may appear once.
    Duplicate(String),
    /// A required element or attribute is missing.
    Missing {
        /// What is missing.
        name: String,
        /// The element that should contain it.
        parent: String,
    },
    /// An element inside one whose content is text.
    UnexpectedElement {
        /// The element found.
        name: String,
        /// The element whose content is text.
        parent: String,
    },
    /// A known element or attribute whose value is not valid.
    InvalidValue {
        /// The element or attribute.
        name: String,
        /// Why the value is refused.
        reason: String,
    },
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::TooLarge { limit } => {
                write!(f, "document larger than the limit of {limit} bytes")
            }
            FormatError::TooDeep { limit } => {
                write!(f, "elements nested deeper than the limit of {limit}")
            }
            FormatError::TooManyElements { limit } => {
                write!(f, "more elements than the limit of {limit}")
            }
            FormatError::TextTooLong { name, limit } => {
                write!(f, "text of {name} longer than the limit of {limit} bytes")
            }
            FormatError::Doctype => f.write_str(
                "document type declarations (<!DOCTYPE ...>) are refused: manifests take no DTD",
            ),
            FormatError::UndefinedEntity(name) => write!(
                f,
                "entity &{name}; refused: only &lt; &gt; &amp; &apos; &quot; and character references are allowed"
            ),
            FormatError::Encoding(what) => write!(f, "encoding: {what}"),
            FormatError::Syntax(what) => write!(f, "not well-formed XML: {what}"),
            FormatError::WrongRoot(name) => {
                write!(f, "the root element is <{name}>, expected <Products> without namespace")
            }
            FormatError::OutsideRoot(what) => write!(f, "{what} outside the root element"),
            FormatError::Duplicate(name) => write!(f, "{name} given more than once"),
            FormatError::Missing { name, parent } => write!(f, "<{parent}> lacks {name}"),
            FormatError::UnexpectedElement { name, parent } => {
                write!(f, "element <{name}> inside <{parent}>, which takes text only")
            }
            FormatError::InvalidValue { name, reason } => write!(f, "{name}: {reason}"),
        }
    }
}

/// Something the parser let pass but a publisher should know: an unknown
/// element or attribute that was ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The line, from 1.
    pub line: u64,
    /// The column, from 1, in characters.
    pub column: u64,
    /// What was noticed.
    pub message: String,
}

/// Reads a manifest (UTF-8, or UTF-16 with a byte order mark) under the
/// default [`Limits`].
pub fn parse(bytes: &[u8]) -> Result<Manifest> {
    parse_with(bytes, &Limits::default())
}

/// Reads a manifest under the given limits.
pub fn parse_with(bytes: &[u8], limits: &Limits) -> Result<Manifest> {
    parse_with_notes(bytes, limits).map(|(manifest, _)| manifest)
}

/// Reads a manifest from a stream under the given limits, reading at most
/// [`Limits::max_bytes`] plus one byte.
pub fn parse_reader(reader: impl Read, limits: &Limits) -> Result<Manifest> {
    let mut bytes = Vec::new();
    let cap = u64::try_from(limits.max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    reader
        .take(cap)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Io {
            path: "<manifest stream>".into(),
            source,
        })?;
    parse_with(&bytes, limits)
}

/// Reads a manifest under the given limits and also returns what was
/// ignored (unknown elements and attributes), for `olkit manifest check`.
pub fn parse_with_notes(bytes: &[u8], limits: &Limits) -> Result<(Manifest, Vec<Note>)> {
    let _span = tracing::debug_span!("manifest_parse", bytes = bytes.len()).entered();
    if bytes.len() > limits.max_bytes {
        return Err(Error::Manifest {
            line: 1,
            column: 1,
            kind: FormatError::TooLarge {
                limit: limits.max_bytes,
            },
        });
    }
    let (text, utf16) = decode(bytes)?;
    Parser::new(&text, utf16, limits).run()
}

/// The document as UTF-8, without byte order mark; true when it was UTF-16.
fn decode(bytes: &[u8]) -> Result<(String, bool)> {
    // UTF-16 by its byte order mark (left out of the body), or by `<?`
    // spelled in UTF-16 without one; true for little-endian.
    let utf16 = match bytes {
        [0xFF, 0xFE, body @ ..] => Some((body, true)),
        [0xFE, 0xFF, body @ ..] => Some((body, false)),
        [b'<', 0, b'?', 0, ..] => Some((bytes, true)),
        [0, b'<', 0, b'?', ..] => Some((bytes, false)),
        _ => None,
    };
    if let Some((body, utf16_le)) = utf16 {
        let units = body.chunks(2).map(|pair| match (pair, utf16_le) {
            ([a, b], true) => Ok(u16::from_le_bytes([*a, *b])),
            ([a, b], false) => Ok(u16::from_be_bytes([*a, *b])),
            _ => Err(()),
        });
        let mut text = String::with_capacity(body.len() / 2);
        for c in char::decode_utf16(units.map_while(|u| u.ok())) {
            match c {
                Ok(c) => text.push(c),
                Err(e) => {
                    let (line, column) = line_column(&text, text.len());
                    return Err(Error::Manifest {
                        line,
                        column,
                        kind: FormatError::Encoding(format!(
                            "unpaired UTF-16 surrogate {:#06x}",
                            e.unpaired_surrogate()
                        )),
                    });
                }
            }
        }
        if body.len() % 2 != 0 {
            let (line, column) = line_column(&text, text.len());
            return Err(Error::Manifest {
                line,
                column,
                kind: FormatError::Encoding("UTF-16 document of an odd number of bytes".into()),
            });
        }
        return Ok((text, true));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok((text.to_owned(), false)),
        Err(e) => {
            let valid = body.get(..e.valid_up_to()).unwrap_or_default();
            let valid = String::from_utf8_lossy(valid);
            let (line, column) = line_column(&valid, valid.len());
            Err(Error::Manifest {
                line,
                column,
                kind: FormatError::Encoding("invalid UTF-8".into()),
            })
        }
    }
}

/// 1-based line and column (in characters) of a byte offset into `text`.
fn line_column(text: &str, offset: usize) -> (u64, u64) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    (line as u64, column as u64)
}

/// The legacy elements of `<Product>` and the olkit ones, by local name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Version,
    UpgradeCode,
    Md5,
    ReleaseDate,
    Url,
    InfoUrl,
    Icon,
    InstallParams,
    Importance,
    MsiUrl,
    MsiMd5,
    ProductCode,
    Sha256,
    Size,
    MinServerVersion,
    MaxServerVersion,
    OutlookVersions,
    MinWindowsVersion,
    Architecture,
    Channel,
    RolloutPercent,
    Critical,
    RequiredCacheFormat,
    ReleaseNotes,
    Details,
}

const LEGACY_FIELDS: [(&str, Field); 12] = [
    ("Name", Field::Name),
    ("Version", Field::Version),
    ("UpgradeCode", Field::UpgradeCode),
    ("MD5", Field::Md5),
    ("ReleaseDate", Field::ReleaseDate),
    ("URL", Field::Url),
    ("InfoUrl", Field::InfoUrl),
    ("Icon", Field::Icon),
    ("InstallParams", Field::InstallParams),
    ("Importance", Field::Importance),
    ("MSIURL", Field::MsiUrl),
    ("MSIMD5", Field::MsiMd5),
];

const OLKIT_FIELDS: [(&str, Field); 14] = [
    ("ProductCode", Field::ProductCode),
    ("Sha256", Field::Sha256),
    ("Size", Field::Size),
    ("MinServerVersion", Field::MinServerVersion),
    ("MaxServerVersion", Field::MaxServerVersion),
    ("OutlookVersions", Field::OutlookVersions),
    ("MinWindowsVersion", Field::MinWindowsVersion),
    ("Architecture", Field::Architecture),
    ("Channel", Field::Channel),
    ("RolloutPercent", Field::RolloutPercent),
    ("Critical", Field::Critical),
    ("RequiredCacheFormat", Field::RequiredCacheFormat),
    ("ReleaseNotes", Field::ReleaseNotes),
    ("Details", Field::Details),
];

impl Field {
    fn display_name(self) -> String {
        LEGACY_FIELDS
            .iter()
            .map(|(n, f)| (n, f, ""))
            .chain(OLKIT_FIELDS.iter().map(|(n, f)| (n, f, "olkit:")))
            .find(|(_, f, _)| **f == self)
            .map(|(n, _, prefix)| format!("<{prefix}{n}>"))
            .unwrap_or_default()
    }

    fn index(self) -> usize {
        self as usize
    }
}

const FIELD_COUNT: usize = LEGACY_FIELDS.len() + OLKIT_FIELDS.len();

/// Where an element began: byte offset in the decoded text.
type Offset = usize;

enum Frame {
    Root,
    Product {
        start: Offset,
        fields: Box<ProductFields>,
    },
    Field {
        field: Field,
        start: Offset,
        lang: Option<String>,
        text: String,
    },
    /// An unknown element and everything inside it.
    Skipped,
}

#[derive(Default)]
struct ProductFields {
    /// The text of each single-occurrence field and where it began; set
    /// when the field ends, so before a second one can start.
    values: [Option<(String, Offset)>; FIELD_COUNT],
    release_notes: Vec<LocalizedText>,
    details: Vec<LocalizedText>,
}

struct Parser<'a> {
    text: &'a str,
    utf16: bool,
    limits: &'a Limits,
    reader: NsReader<&'a [u8]>,
    stack: Vec<Frame>,
    elements: usize,
    root_done: bool,
    extension_used: bool,
    manifest: Manifest,
    notes: Vec<Note>,
}

fn is_olkit(ns: &ResolveResult<'_>) -> bool {
    matches!(ns, ResolveResult::Bound(n) if n.as_ref() == OLKIT_NAMESPACE)
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, utf16: bool, limits: &'a Limits) -> Self {
        let mut reader = NsReader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        Parser {
            text,
            utf16,
            limits,
            reader,
            stack: Vec::new(),
            elements: 0,
            root_done: false,
            extension_used: false,
            manifest: Manifest::default(),
            notes: Vec::new(),
        }
    }

    fn error_at(&self, offset: Offset, kind: FormatError) -> Error {
        let (line, column) = line_column(self.text, offset);
        Error::Manifest { line, column, kind }
    }

    fn note(&mut self, offset: Offset, message: String) {
        let (line, column) = line_column(self.text, offset);
        self.notes.push(Note {
            line,
            column,
            message,
        });
    }

    fn position(&self) -> Offset {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    fn run(mut self) -> Result<(Manifest, Vec<Note>)> {
        loop {
            let start = self.position();
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    let at = usize::try_from(self.reader.error_position()).unwrap_or(start);
                    let kind = match &e {
                        quick_xml::Error::Escape(
                            quick_xml::escape::EscapeError::UnrecognizedEntity(_, name),
                        ) => FormatError::UndefinedEntity(name.clone()),
                        _ => FormatError::Syntax(e.to_string()),
                    };
                    return Err(self.error_at(at, kind));
                }
            };
            match event {
                Event::Start(e) => self.open(&e, start, false)?,
                Event::Empty(e) => self.open(&e, start, true)?,
                Event::End(_) => self.close(start)?,
                Event::Text(t) => {
                    let content = t.xml10_content();
                    self.text_content(&content, start)?;
                }
                Event::CData(c) => {
                    let content = c.xml10_content();
                    self.text_content(&content, start)?;
                }
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        Ok(None) => match predefined_entity(&r) {
                            Some(c) => c,
                            None => {
                                return Err(self
                                    .error_at(start, FormatError::UndefinedEntity(r.to_string())))
                            }
                        },
                        Err(e) => {
                            return Err(self.error_at(start, FormatError::Syntax(e.to_string())))
                        }
                    };
                    self.text_content(resolved.encode_utf8(&mut [0; 4]), start)?;
                }
                Event::DocType(_) => return Err(self.error_at(start, FormatError::Doctype)),
                Event::Decl(d) => self.declaration(&d, start)?,
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => break,
            }
        }
        let end = self.text.len();
        if let Some(frame) = self.stack.last() {
            let what = match frame {
                Frame::Root => "<Products>".to_owned(),
                Frame::Product { .. } => "<Product>".to_owned(),
                Frame::Field { field, .. } => field.display_name(),
                Frame::Skipped => "an element".to_owned(),
            };
            return Err(self.error_at(
                end,
                FormatError::Syntax(format!("end of document inside {what}")),
            ));
        }
        if !self.root_done {
            return Err(self.error_at(
                end,
                FormatError::Missing {
                    name: "<Products>".into(),
                    parent: "document".into(),
                },
            ));
        }
        self.manifest.legacy = !self.extension_used;
        Ok((self.manifest, self.notes))
    }

    fn declaration(&self, decl: &quick_xml::events::BytesDecl<'_>, start: Offset) -> Result<()> {
        let Some(Ok(encoding)) = decl.encoding() else {
            return Ok(());
        };
        let encoding = encoding.to_ascii_lowercase();
        let ok = match encoding.as_str() {
            "utf-8" | "utf8" => !self.utf16,
            "utf-16" | "utf-16le" | "utf-16be" => self.utf16,
            // An ASCII document reads the same in any ASCII-compatible encoding.
            _ => !self.utf16 && self.text.is_ascii(),
        };
        if ok {
            Ok(())
        } else {
            let actual = if self.utf16 { "UTF-16" } else { "UTF-8" };
            Err(self.error_at(
                start,
                FormatError::Encoding(format!(
                    "the declaration says {encoding}, the bytes are {actual}; only UTF-8 and UTF-16 are read"
                )),
            ))
        }
    }

    fn open(&mut self, e: &BytesStart<'_>, start: Offset, empty: bool) -> Result<()> {
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(self.error_at(
                start,
                FormatError::TooManyElements {
                    limit: self.limits.max_elements,
                },
            ));
        }
        if self.stack.len() + 1 > self.limits.max_depth {
            return Err(self.error_at(
                start,
                FormatError::TooDeep {
                    limit: self.limits.max_depth,
                },
            ));
        }
        let (ns, local) = self.reader.resolver().resolve_element(e.name());
        let olkit = is_olkit(&ns);
        let unbound = matches!(ns, ResolveResult::Unbound);
        let local = local.as_ref().to_owned();
        let qname = e.name().as_ref().to_owned();
        if olkit {
            self.extension_used = true;
        }
        let frame = match self.stack.last_mut() {
            None => {
                if self.root_done {
                    return Err(self.error_at(
                        start,
                        FormatError::OutsideRoot(format!("element <{qname}>")),
                    ));
                }
                if !(unbound && local == "Products") {
                    return Err(self.error_at(start, FormatError::WrongRoot(qname)));
                }
                self.root_attributes(e, start)?;
                Frame::Root
            }
            Some(Frame::Root) => {
                if unbound && local == "Product" {
                    self.product_attributes(e, start)?;
                    Frame::Product {
                        start,
                        fields: Box::default(),
                    }
                } else {
                    self.note(
                        start,
                        format!("unknown element <{qname}> in <Products> ignored"),
                    );
                    Frame::Skipped
                }
            }
            Some(Frame::Product { fields, .. }) => {
                let table: &[(&str, Field)] = if unbound {
                    &LEGACY_FIELDS
                } else if olkit {
                    &OLKIT_FIELDS
                } else {
                    &[]
                };
                match table.iter().find(|(n, _)| *n == local).map(|(_, f)| *f) {
                    Some(field @ (Field::ReleaseNotes | Field::Details)) => {
                        let lang = self.lang_attribute(e, start, field)?;
                        Frame::Field {
                            field,
                            start,
                            lang: Some(lang),
                            text: String::new(),
                        }
                    }
                    Some(field) => {
                        if fields
                            .values
                            .get(field.index())
                            .is_some_and(Option::is_some)
                        {
                            return Err(
                                self.error_at(start, FormatError::Duplicate(field.display_name()))
                            );
                        }
                        Frame::Field {
                            field,
                            start,
                            lang: None,
                            text: String::new(),
                        }
                    }
                    None => {
                        self.note(
                            start,
                            format!("unknown element <{qname}> in <Product> ignored"),
                        );
                        Frame::Skipped
                    }
                }
            }
            Some(Frame::Field { field, .. }) => {
                let parent = field.display_name();
                return Err(self.error_at(
                    start,
                    FormatError::UnexpectedElement {
                        name: qname,
                        parent: parent.trim_matches(['<', '>']).to_owned(),
                    },
                ));
            }
            Some(Frame::Skipped) => Frame::Skipped,
        };
        self.check_attribute_values(e, start)?;
        self.stack.push(frame);
        if empty {
            self.close(start)?;
        }
        Ok(())
    }

    /// Every attribute value is read once so that undefined entities and
    /// oversized values are refused wherever they are.
    fn check_attribute_values(&mut self, e: &BytesStart<'_>, start: Offset) -> Result<()> {
        for attribute in e.attributes() {
            let (name, _) = self.attribute(attribute, start)?;
            let (ns, _) = self
                .reader
                .resolver()
                .resolve_attribute(quick_xml::name::QName(name.as_str()));
            if is_olkit(&ns) {
                self.extension_used = true;
            }
        }
        Ok(())
    }

    /// An attribute's qualified name and value (entities resolved, white
    /// space normalized as XML 1.0 says).
    fn attribute(
        &self,
        attribute: std::result::Result<
            quick_xml::events::attributes::Attribute<'_>,
            quick_xml::events::attributes::AttrError,
        >,
        start: Offset,
    ) -> Result<(String, String)> {
        let attribute =
            attribute.map_err(|e| self.error_at(start, FormatError::Syntax(e.to_string())))?;
        let name = attribute.key.as_ref().to_owned();
        if attribute.value.len() > self.limits.max_text_bytes {
            return Err(self.error_at(
                start,
                FormatError::TextTooLong {
                    name: format!("attribute {name}"),
                    limit: self.limits.max_text_bytes,
                },
            ));
        }
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| {
                let kind = match e {
                    quick_xml::Error::Escape(
                        quick_xml::escape::EscapeError::UnrecognizedEntity(_, entity),
                    ) => FormatError::UndefinedEntity(entity),
                    other => FormatError::Syntax(other.to_string()),
                };
                self.error_at(start, kind)
            })?
            .into_owned();
        Ok((name, value))
    }

    fn root_attributes(&mut self, e: &BytesStart<'_>, start: Offset) -> Result<()> {
        for attribute in e.attributes() {
            let (qname, value) = self.attribute(attribute, start)?;
            let key = quick_xml::name::QName(qname.as_str());
            if key.as_namespace_binding().is_some() {
                continue;
            }
            let (ns, local) = self.reader.resolver().resolve_attribute(key);
            if !is_olkit(&ns) {
                self.note(
                    start,
                    format!("unknown attribute {qname} on <Products> ignored"),
                );
                continue;
            }
            let invalid = |reason: String| FormatError::InvalidValue {
                name: format!("attribute {qname}"),
                reason,
            };
            match local.as_ref() {
                "serial" => {
                    let serial = parse_decimal::<u64>(value.trim())
                        .map_err(|reason| self.error_at(start, invalid(reason)))?;
                    self.manifest.serial = Some(serial);
                }
                "issued" | "expires" => {
                    let t = Timestamp::parse(value.trim())
                        .map_err(|e| self.error_at(start, invalid(e.to_string())))?;
                    if local.as_ref() == "issued" {
                        self.manifest.issued = Some(t);
                    } else {
                        self.manifest.expires = Some(t);
                    }
                }
                _ => self.note(
                    start,
                    format!("unknown attribute {qname} on <Products> ignored"),
                ),
            }
        }
        if let (Some(issued), Some(expires)) = (self.manifest.issued, self.manifest.expires) {
            if expires <= issued {
                return Err(self.error_at(
                    start,
                    FormatError::InvalidValue {
                        name: "attribute olkit:expires".into(),
                        reason: format!("{expires} is not after olkit:issued {issued}"),
                    },
                ));
            }
        }
        Ok(())
    }

    fn product_attributes(&mut self, e: &BytesStart<'_>, start: Offset) -> Result<()> {
        for attribute in e.attributes() {
            let (qname, _) = self.attribute(attribute, start)?;
            if quick_xml::name::QName(qname.as_str())
                .as_namespace_binding()
                .is_none()
            {
                self.note(
                    start,
                    format!("unknown attribute {qname} on <Product> ignored"),
                );
            }
        }
        Ok(())
    }

    fn lang_attribute(
        &mut self,
        e: &BytesStart<'_>,
        start: Offset,
        field: Field,
    ) -> Result<String> {
        let mut lang = None;
        for attribute in e.attributes() {
            let (qname, value) = self.attribute(attribute, start)?;
            if qname == "xml:lang" {
                lang = Some(value.trim().to_owned());
            }
        }
        let element = field.display_name();
        match lang {
            Some(lang) if is_language_tag(&lang) => Ok(lang),
            Some(lang) => Err(self.error_at(
                start,
                FormatError::InvalidValue {
                    name: format!("xml:lang of {element}"),
                    reason: format!("{lang:?} is not a language tag such as en or de-CH"),
                },
            )),
            None => Err(self.error_at(
                start,
                FormatError::Missing {
                    name: "attribute xml:lang".into(),
                    parent: element.trim_matches(['<', '>']).to_owned(),
                },
            )),
        }
    }

    fn text_content(&mut self, content: &str, start: Offset) -> Result<()> {
        let limit = self.limits.max_text_bytes;
        match self.stack.last_mut() {
            Some(Frame::Field { field, text, .. }) => {
                if text.len() + content.len() > limit {
                    let name = field.display_name();
                    return Err(self.error_at(start, FormatError::TextTooLong { name, limit }));
                }
                text.push_str(content);
                Ok(())
            }
            None if !content.trim().is_empty() => {
                Err(self.error_at(start, FormatError::OutsideRoot("text".into())))
            }
            // Text between elements and inside unknown elements is not kept.
            _ => Ok(()),
        }
    }

    fn close(&mut self, start: Offset) -> Result<()> {
        let Some(frame) = self.stack.pop() else {
            return Err(self.error_at(
                start,
                FormatError::Syntax("end tag without start tag".into()),
            ));
        };
        match frame {
            Frame::Root => self.root_done = true,
            Frame::Skipped => {}
            Frame::Product { start, fields } => {
                let product = self.product(start, *fields)?;
                self.manifest.products.push(product);
            }
            Frame::Field {
                field,
                start,
                lang,
                text,
            } => {
                let Some(Frame::Product { fields, .. }) = self.stack.last_mut() else {
                    return Ok(());
                };
                match (field, lang) {
                    (Field::ReleaseNotes | Field::Details, Some(lang)) => {
                        let list = if field == Field::ReleaseNotes {
                            &mut fields.release_notes
                        } else {
                            &mut fields.details
                        };
                        if list.iter().any(|t| t.lang.eq_ignore_ascii_case(&lang)) {
                            let name = format!("{} xml:lang=\"{lang}\"", field.display_name());
                            return Err(self.error_at(start, FormatError::Duplicate(name)));
                        }
                        list.push(LocalizedText {
                            lang,
                            text: text.trim().to_owned(),
                        });
                    }
                    _ => {
                        if let Some(slot) = fields.values.get_mut(field.index()) {
                            *slot = Some((text, start));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn product(&self, start: Offset, mut fields: ProductFields) -> Result<Product> {
        let mut take = |field: Field| -> Option<(String, Offset)> {
            fields
                .values
                .get_mut(field.index())
                .and_then(Option::take)
                .map(|(text, at)| (text.trim().to_owned(), at))
        };
        let missing = |field: Field| {
            self.error_at(
                start,
                FormatError::Missing {
                    name: field.display_name(),
                    parent: "Product".into(),
                },
            )
        };
        let invalid = |field: Field, at: Offset, reason: String| {
            self.error_at(
                at,
                FormatError::InvalidValue {
                    name: field.display_name(),
                    reason,
                },
            )
        };
        // Legacy text fields: an empty element means "not given", as legacy
        // servers write empty elements for what they do not know.
        let mut text = |field: Field| take(field).map(|(t, _)| t).filter(|t| !t.is_empty());
        let name = text(Field::Name).ok_or_else(|| missing(Field::Name))?;
        let release_date = text(Field::ReleaseDate);
        let url = text(Field::Url);
        let info_url = text(Field::InfoUrl);
        let install_params = text(Field::InstallParams);
        let importance = text(Field::Importance);
        let msi_url = text(Field::MsiUrl);
        let mut typed = |field: Field, extension: bool| -> Result<Option<(String, Offset)>> {
            match take(field) {
                Some((t, at)) if t.is_empty() && extension => {
                    Err(invalid(field, at, "empty".into()))
                }
                Some((t, _)) if t.is_empty() => Ok(None),
                other => Ok(other),
            }
        };
        let version_of = |field: Field,
                          value: Option<(String, Offset)>|
         -> Result<Option<Version>> {
            value
                .map(|(t, at)| Version::parse(&t).map_err(|e| invalid(field, at, e.to_string())))
                .transpose()
        };
        let version = version_of(Field::Version, typed(Field::Version, false)?)?
            .ok_or_else(|| missing(Field::Version))?;
        let guid_of = |field: Field, value: Option<(String, Offset)>| -> Result<Option<String>> {
            value
                .map(|(t, at)| {
                    normalize_guid(&t).ok_or_else(|| {
                        invalid(field, at, format!("{t:?} is not a GUID such as {{8E4F3C2A-1B0D-4F6E-9A7C-5D3B2E1F0A9C}}"))
                    })
                })
                .transpose()
        };
        let upgrade_code = guid_of(Field::UpgradeCode, typed(Field::UpgradeCode, false)?)?;
        let product_code = guid_of(Field::ProductCode, typed(Field::ProductCode, true)?)?;
        let md5_of = |field: Field, value: Option<(String, Offset)>| -> Result<Option<[u8; 16]>> {
            value
                .map(|(t, at)| hex_digest::<16>(&t).map_err(|r| invalid(field, at, r)))
                .transpose()
        };
        let md5 = md5_of(Field::Md5, typed(Field::Md5, false)?)?;
        let msi_md5 = md5_of(Field::MsiMd5, typed(Field::MsiMd5, false)?)?;
        let icon = typed(Field::Icon, false)?
            .map(|(t, at)| decode_base64(&t).map_err(|r| invalid(Field::Icon, at, r)))
            .transpose()?;
        let sha256 = typed(Field::Sha256, true)?
            .map(|(t, at)| hex_digest::<32>(&t).map_err(|r| invalid(Field::Sha256, at, r)))
            .transpose()?;
        let size = typed(Field::Size, true)?
            .map(|(t, at)| parse_decimal::<u64>(&t).map_err(|r| invalid(Field::Size, at, r)))
            .transpose()?;
        let min_server_version = version_of(
            Field::MinServerVersion,
            typed(Field::MinServerVersion, true)?,
        )?;
        let max_server = typed(Field::MaxServerVersion, true)?;
        let max_at = max_server.as_ref().map_or(start, |(_, at)| *at);
        let max_server_version = version_of(Field::MaxServerVersion, max_server)?;
        if let (Some(min), Some(max)) = (&min_server_version, &max_server_version) {
            if min > max {
                return Err(invalid(
                    Field::MaxServerVersion,
                    max_at,
                    format!("{max} is below olkit:MinServerVersion {min}"),
                ));
            }
        }
        let outlook_versions = typed(Field::OutlookVersions, true)?
            .map(|(t, at)| outlook_list(&t).map_err(|r| invalid(Field::OutlookVersions, at, r)))
            .transpose()?
            .unwrap_or_default();
        let min_windows_version = version_of(
            Field::MinWindowsVersion,
            typed(Field::MinWindowsVersion, true)?,
        )?;
        let architecture = typed(Field::Architecture, true)?
            .map(|(t, at)| match t.as_str() {
                "x86" => Ok(Architecture::X86),
                "x64" => Ok(Architecture::X64),
                _ => Err(invalid(
                    Field::Architecture,
                    at,
                    format!("{t:?} is neither x86 nor x64"),
                )),
            })
            .transpose()?;
        let channel = typed(Field::Channel, true)?
            .map(|(t, at)| {
                if is_token(&t) {
                    Ok(t)
                } else {
                    Err(invalid(
                        Field::Channel,
                        at,
                        format!("{t:?} is not a name of letters, digits, '-', '_' or '.'"),
                    ))
                }
            })
            .transpose()?;
        let rollout_percent = typed(Field::RolloutPercent, true)?
            .map(|(t, at)| match parse_decimal::<u8>(&t) {
                Ok(p) if p <= 100 => Ok(p),
                Ok(p) => Err(invalid(
                    Field::RolloutPercent,
                    at,
                    format!("{p} is above 100"),
                )),
                Err(r) => Err(invalid(Field::RolloutPercent, at, r)),
            })
            .transpose()?;
        let critical = typed(Field::Critical, true)?
            .map(|(t, at)| match t.as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(invalid(
                    Field::Critical,
                    at,
                    format!("{t:?} is not true, false, 1 or 0"),
                )),
            })
            .transpose()?
            .unwrap_or(false);
        let required_cache_format = typed(Field::RequiredCacheFormat, true)?
            .map(|(t, at)| {
                parse_decimal::<u32>(&t).map_err(|r| invalid(Field::RequiredCacheFormat, at, r))
            })
            .transpose()?;
        Ok(Product {
            name,
            version,
            upgrade_code,
            md5,
            release_date,
            url,
            info_url,
            icon,
            install_params,
            importance,
            msi_url,
            msi_md5,
            product_code,
            sha256,
            size,
            min_server_version,
            max_server_version,
            outlook_versions,
            min_windows_version,
            architecture,
            channel,
            rollout_percent,
            critical,
            required_cache_format,
            release_notes: std::mem::take(&mut fields.release_notes),
            details: std::mem::take(&mut fields.details),
        })
    }
}

fn predefined_entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

/// A decimal number of ASCII digits only (no sign, no spaces).
fn parse_decimal<T: std::str::FromStr>(text: &str) -> std::result::Result<T, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{text:?} is not a decimal number"));
    }
    text.parse().map_err(|_| format!("{text} is out of range"))
}

/// `N` bytes written as `2 * N` hexadecimal digits, either case.
fn hex_digest<const N: usize>(text: &str) -> std::result::Result<[u8; N], String> {
    let bytes = text.as_bytes();
    if bytes.len() != 2 * N {
        return Err(format!(
            "expected {} hexadecimal digits, found {} characters",
            2 * N,
            text.chars().count()
        ));
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        match pair {
            [hi, lo] => match (digit(*hi), digit(*lo)) {
                (Some(hi), Some(lo)) => *byte = (hi * 16 + lo) as u8,
                _ => return Err(format!("{text:?} is not hexadecimal")),
            },
            _ => return Err(format!("{text:?} is not hexadecimal")),
        }
    }
    Ok(out)
}

/// A GUID with or without braces, either case, as `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
pub(crate) fn normalize_guid(text: &str) -> Option<String> {
    let inner = match text.strip_prefix('{') {
        Some(rest) => rest.strip_suffix('}')?,
        None => text,
    };
    let groups: Vec<&str> = inner.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    if lengths != [8, 4, 4, 4, 12]
        || !groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return None;
    }
    Some(format!("{{{}}}", inner.to_ascii_uppercase()))
}

fn decode_base64(text: &str) -> std::result::Result<Vec<u8>, String> {
    // Servers wrap long base64 lines and some drop the padding.
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    LENIENT
        .decode(compact.as_bytes())
        .map_err(|e| format!("not base64: {e}"))
}

/// The Outlook releases, by product name, that a package supports.
fn outlook_list(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut list: Vec<String> = Vec::new();
    for name in text.split_ascii_whitespace() {
        let year = name.len() == 4 && name.bytes().all(|b| b.is_ascii_digit());
        if !(year || name == "365") {
            return Err(format!(
                "{name:?} is not an Outlook release name such as 2016, 2019, 2021, 2024 or 365"
            ));
        }
        if list.iter().any(|n| n == name) {
            return Err(format!("{name} listed twice"));
        }
        list.push(name.to_owned());
    }
    Ok(list)
}

/// A channel name: letters, digits, `-`, `_` and `.`.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A BCP 47-shaped language tag: alphanumeric subtags of 1 to 8 characters
/// joined by `-`, the first one letters.
fn is_language_tag(text: &str) -> bool {
    let mut subtags = text.split('-');
    let first_ok = subtags
        .next()
        .is_some_and(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}
