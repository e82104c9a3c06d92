//! MAPI property tags and the values profile sections hold, decoded from
//! and encoded back to the registry values a `.reg` export carries.
//!
//! Sources relied on (reference only, nothing copied):
//! - Microsoft's MAPI reference (`mapidefs.h`/`mapitags.h` as documented on
//!   learn.microsoft.com, e.g. "PidTagStoreProviders Canonical Property":
//!   id 0x3D00, PT_BINARY, area "MAPI profile"; "PidTagServiceSupportFiles":
//!   0x3D0F, PT_MV_STRING8/PT_MV_UNICODE): type codes and property ids.
//! - MFCMAPI (github.com/microsoft/mfcmapi, `core/propertyBag/registryProperty.cpp`,
//!   and its issue #437 "reg key MV parsing"): how profile section values
//!   are laid out in the registry. Value names are the tag with type first
//!   (`001f3001`); single values are the property's own bytes (PT_BOOLEAN 2
//!   bytes, PT_UNICODE with its NUL); PT_MV_LONG is the numbers packed with
//!   no count; PT_MV_STRING8/PT_MV_UNICODE are a 32-bit count, 32-bit
//!   offsets from the start of the blob, then the NUL-terminated strings
//!   packed tight; PT_MV_BINARY is a 32-bit count, (32-bit length, 32-bit
//!   offset) pairs, then the items each starting on a 4-byte boundary.
//!   Names starting with `S` are "secure" properties, stored encrypted.
//! - The 64-bit layout (offsets widened to 64 bits, everything else as in
//!   the 32-bit one; a 4-byte PT_BOOLEAN) is what this crate was asked to
//!   accept; no public source describing it was found, so it is read and
//!   written only as documented on [`Spelling::Binary`].

use std::fmt;

use olkit_regfile::{RegType, Value};

/// A MAPI property type (the low 16 bits of a property tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropType(pub u16);

impl PropType {
    /// `PT_UNSPECIFIED`.
    pub const PT_UNSPECIFIED: PropType = PropType(0x0000);
    /// `PT_NULL`.
    pub const PT_NULL: PropType = PropType(0x0001);
    /// `PT_SHORT` (`PT_I2`): a 16-bit signed number.
    pub const PT_SHORT: PropType = PropType(0x0002);
    /// `PT_LONG` (`PT_I4`): a 32-bit signed number.
    pub const PT_LONG: PropType = PropType(0x0003);
    /// `PT_FLOAT` (`PT_R4`).
    pub const PT_FLOAT: PropType = PropType(0x0004);
    /// `PT_DOUBLE` (`PT_R8`).
    pub const PT_DOUBLE: PropType = PropType(0x0005);
    /// `PT_CURRENCY`.
    pub const PT_CURRENCY: PropType = PropType(0x0006);
    /// `PT_APPTIME`.
    pub const PT_APPTIME: PropType = PropType(0x0007);
    /// `PT_ERROR`.
    pub const PT_ERROR: PropType = PropType(0x000A);
    /// `PT_BOOLEAN`: 16 bits, 0 or 1.
    pub const PT_BOOLEAN: PropType = PropType(0x000B);
    /// `PT_OBJECT`.
    pub const PT_OBJECT: PropType = PropType(0x000D);
    /// `PT_I8`: a 64-bit signed number.
    pub const PT_I8: PropType = PropType(0x0014);
    /// `PT_STRING8`: an ANSI string.
    pub const PT_STRING8: PropType = PropType(0x001E);
    /// `PT_UNICODE`: a UTF-16 string.
    pub const PT_UNICODE: PropType = PropType(0x001F);
    /// `PT_SYSTIME`: a FILETIME.
    pub const PT_SYSTIME: PropType = PropType(0x0040);
    /// `PT_CLSID`: a GUID.
    pub const PT_CLSID: PropType = PropType(0x0048);
    /// `PT_BINARY`: bytes.
    pub const PT_BINARY: PropType = PropType(0x0102);
    /// The multi-valued flag (`MV_FLAG`).
    pub const MV_FLAG: PropType = PropType(0x1000);
    /// `PT_MV_LONG`.
    pub const PT_MV_LONG: PropType = PropType(0x1003);
    /// `PT_MV_STRING8`.
    pub const PT_MV_STRING8: PropType = PropType(0x101E);
    /// `PT_MV_UNICODE`.
    pub const PT_MV_UNICODE: PropType = PropType(0x101F);
    /// `PT_MV_BINARY`.
    pub const PT_MV_BINARY: PropType = PropType(0x1102);

    /// Whether the multi-valued flag is set.
    pub fn is_multi(self) -> bool {
        self.0 & Self::MV_FLAG.0 != 0
    }

    /// The type without the multi-valued flag.
    pub fn base(self) -> PropType {
        PropType(self.0 & !Self::MV_FLAG.0)
    }

    /// The name as the MAPI headers spell it (`PT_UNICODE`,
    /// `PT_MV_BINARY`), or `0x1234` for a type without one.
    pub fn name(self) -> String {
        let base = match self.base() {
            Self::PT_UNSPECIFIED => "UNSPECIFIED",
            Self::PT_NULL => "NULL",
            Self::PT_SHORT => "SHORT",
            Self::PT_LONG => "LONG",
            Self::PT_FLOAT => "FLOAT",
            Self::PT_DOUBLE => "DOUBLE",
            Self::PT_CURRENCY => "CURRENCY",
            Self::PT_APPTIME => "APPTIME",
            Self::PT_ERROR => "ERROR",
            Self::PT_BOOLEAN => "BOOLEAN",
            Self::PT_OBJECT => "OBJECT",
            Self::PT_I8 => "I8",
            Self::PT_STRING8 => "STRING8",
            Self::PT_UNICODE => "UNICODE",
            Self::PT_SYSTIME => "SYSTIME",
            Self::PT_CLSID => "CLSID",
            Self::PT_BINARY => "BINARY",
            _ => return format!("0x{:04x}", self.0),
        };
        if self.is_multi() {
            format!("PT_MV_{base}")
        } else {
            format!("PT_{base}")
        }
    }
}

impl fmt::Display for PropType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A property tag: a type and an id. In a profile section the registry
/// value name is the tag in 8 hex digits, type first: `001f3001` is
/// `PR_DISPLAY_NAME` (id 0x3001) as `PT_UNICODE` (0x001F).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropTag {
    /// The property type.
    pub ty: PropType,
    /// The property id.
    pub id: u16,
}

impl PropTag {
    /// `PR_ENTRYID`.
    pub const PR_ENTRYID: u16 = 0x0FFF;
    /// `PR_RECORD_KEY`.
    pub const PR_RECORD_KEY: u16 = 0x0FF9;
    /// `PR_DISPLAY_NAME`.
    pub const PR_DISPLAY_NAME: u16 = 0x3001;
    /// `PR_COMMENT`.
    pub const PR_COMMENT: u16 = 0x3004;
    /// `PR_PROVIDER_DISPLAY`: the provider's display name.
    pub const PR_PROVIDER_DISPLAY: u16 = 0x3006;
    /// `PR_RESOURCE_FLAGS` (PT_LONG): `STATUS_DEFAULT_STORE` and the like.
    pub const PR_RESOURCE_FLAGS: u16 = 0x3009;
    /// `PR_PROVIDER_DLL_NAME`.
    pub const PR_PROVIDER_DLL_NAME: u16 = 0x300A;
    /// `PR_SEARCH_KEY`.
    pub const PR_SEARCH_KEY: u16 = 0x300B;
    /// `PR_PROVIDER_UID`.
    pub const PR_PROVIDER_UID: u16 = 0x300C;
    /// `PR_PROVIDER_ORDINAL`.
    pub const PR_PROVIDER_ORDINAL: u16 = 0x300D;
    /// `PR_STORE_PROVIDERS` (PT_BINARY): the store provider sections' UIDs.
    pub const PR_STORE_PROVIDERS: u16 = 0x3D00;
    /// `PR_AB_PROVIDERS` (PT_BINARY): the address book provider UIDs.
    pub const PR_AB_PROVIDERS: u16 = 0x3D01;
    /// `PR_TRANSPORT_PROVIDERS` (PT_BINARY): the transport provider UIDs.
    pub const PR_TRANSPORT_PROVIDERS: u16 = 0x3D02;
    /// `PR_DEFAULT_PROFILE` (PT_BOOLEAN).
    pub const PR_DEFAULT_PROFILE: u16 = 0x3D04;
    /// `PR_AB_SEARCH_PATH` (PT_MV_BINARY).
    pub const PR_AB_SEARCH_PATH: u16 = 0x3D05;
    /// `PR_AB_DEFAULT_DIR`.
    pub const PR_AB_DEFAULT_DIR: u16 = 0x3D06;
    /// `PR_AB_DEFAULT_PAB`.
    pub const PR_AB_DEFAULT_PAB: u16 = 0x3D07;
    /// `PR_SERVICE_NAME`: the message service's name (`MSUPST MS`).
    pub const PR_SERVICE_NAME: u16 = 0x3D09;
    /// `PR_SERVICE_DLL_NAME`.
    pub const PR_SERVICE_DLL_NAME: u16 = 0x3D0A;
    /// `PR_SERVICE_ENTRY_NAME`: the service's entry point.
    pub const PR_SERVICE_ENTRY_NAME: u16 = 0x3D0B;
    /// `PR_SERVICE_UID`.
    pub const PR_SERVICE_UID: u16 = 0x3D0C;
    /// `PR_SERVICE_EXTRA_UIDS`.
    pub const PR_SERVICE_EXTRA_UIDS: u16 = 0x3D0D;
    /// `PR_SERVICES` (PT_BINARY): the message services' UIDs.
    pub const PR_SERVICES: u16 = 0x3D0E;
    /// `PR_SERVICE_SUPPORT_FILES` (PT_MV_STRING8).
    pub const PR_SERVICE_SUPPORT_FILES: u16 = 0x3D0F;
    /// `PR_SERVICE_DELETE_FILES` (PT_MV_STRING8).
    pub const PR_SERVICE_DELETE_FILES: u16 = 0x3D10;
    /// `PR_PROFILE_NAME`.
    pub const PR_PROFILE_NAME: u16 = 0x3D12;
    /// `PR_IDENTITY_DISPLAY`.
    pub const PR_IDENTITY_DISPLAY: u16 = 0x3E00;
    /// `PR_IDENTITY_ENTRYID`.
    pub const PR_IDENTITY_ENTRYID: u16 = 0x3E01;
    /// `PR_RESOURCE_METHODS`.
    pub const PR_RESOURCE_METHODS: u16 = 0x3E02;
    /// `PR_RESOURCE_TYPE` (PT_LONG): `MAPI_STORE_PROVIDER` (33) and the like.
    pub const PR_RESOURCE_TYPE: u16 = 0x3E03;
    /// `PR_RESOURCE_PATH`.
    pub const PR_RESOURCE_PATH: u16 = 0x3E07;
    /// `PR_PST_PATH`: a PST provider's file.
    pub const PR_PST_PATH: u16 = 0x6700;

    /// The first id of the range whose values are password blobs.
    pub const SECRET_FIRST: u16 = 0x67F0;
    /// The last id of the range whose values are password blobs.
    pub const SECRET_LAST: u16 = 0x67FF;

    /// A tag from its id and type.
    pub fn new(id: u16, ty: PropType) -> PropTag {
        PropTag { ty, id }
    }

    /// Reads a registry value name of exactly 8 hex digits (either case),
    /// type first: `001f3001`. `None` for any other name.
    pub fn parse(value_name: &str) -> Option<PropTag> {
        let bytes = value_name.as_bytes();
        if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let ty = u16::from_str_radix(value_name.get(..4)?, 16).ok()?;
        let id = u16::from_str_radix(value_name.get(4..)?, 16).ok()?;
        Some(PropTag::new(id, PropType(ty)))
    }

    /// Reads the name of a "secure" property: `S` and then 8 hex digits,
    /// as MAPI names the values it stores encrypted. Their data is only
    /// ever carried as it is ([`MapiValue::secret`]).
    pub fn parse_protected(value_name: &str) -> Option<PropTag> {
        let rest = value_name
            .strip_prefix('S')
            .or_else(|| value_name.strip_prefix('s'))?;
        PropTag::parse(rest)
    }

    /// The 32-bit tag as MAPI writes it in code (`0x3001001F`): id high, type low.
    pub fn tag(self) -> u32 {
        (u32::from(self.id) << 16) | u32::from(self.ty.0)
    }

    /// Whether the value is a password blob (ids 0x67F0-0x67FF): carried
    /// byte for byte, never decoded or shown.
    pub fn is_secret(self) -> bool {
        (Self::SECRET_FIRST..=Self::SECRET_LAST).contains(&self.id)
    }

    /// The `PR_` name of a well-known id, for messages.
    pub fn id_name(id: u16) -> Option<&'static str> {
        Some(match id {
            Self::PR_ENTRYID => "PR_ENTRYID",
            Self::PR_RECORD_KEY => "PR_RECORD_KEY",
            Self::PR_DISPLAY_NAME => "PR_DISPLAY_NAME",
            Self::PR_COMMENT => "PR_COMMENT",
            Self::PR_PROVIDER_DISPLAY => "PR_PROVIDER_DISPLAY",
            Self::PR_RESOURCE_FLAGS => "PR_RESOURCE_FLAGS",
            Self::PR_PROVIDER_DLL_NAME => "PR_PROVIDER_DLL_NAME",
            Self::PR_SEARCH_KEY => "PR_SEARCH_KEY",
            Self::PR_PROVIDER_UID => "PR_PROVIDER_UID",
            Self::PR_PROVIDER_ORDINAL => "PR_PROVIDER_ORDINAL",
            Self::PR_STORE_PROVIDERS => "PR_STORE_PROVIDERS",
            Self::PR_AB_PROVIDERS => "PR_AB_PROVIDERS",
            Self::PR_TRANSPORT_PROVIDERS => "PR_TRANSPORT_PROVIDERS",
            Self::PR_DEFAULT_PROFILE => "PR_DEFAULT_PROFILE",
            Self::PR_AB_SEARCH_PATH => "PR_AB_SEARCH_PATH",
            Self::PR_AB_DEFAULT_DIR => "PR_AB_DEFAULT_DIR",
            Self::PR_AB_DEFAULT_PAB => "PR_AB_DEFAULT_PAB",
            Self::PR_SERVICE_NAME => "PR_SERVICE_NAME",
            Self::PR_SERVICE_DLL_NAME => "PR_SERVICE_DLL_NAME",
            Self::PR_SERVICE_ENTRY_NAME => "PR_SERVICE_ENTRY_NAME",
            Self::PR_SERVICE_UID => "PR_SERVICE_UID",
            Self::PR_SERVICE_EXTRA_UIDS => "PR_SERVICE_EXTRA_UIDS",
            Self::PR_SERVICES => "PR_SERVICES",
            Self::PR_SERVICE_SUPPORT_FILES => "PR_SERVICE_SUPPORT_FILES",
            Self::PR_SERVICE_DELETE_FILES => "PR_SERVICE_DELETE_FILES",
            Self::PR_PROFILE_NAME => "PR_PROFILE_NAME",
            Self::PR_IDENTITY_DISPLAY => "PR_IDENTITY_DISPLAY",
            Self::PR_IDENTITY_ENTRYID => "PR_IDENTITY_ENTRYID",
            Self::PR_RESOURCE_METHODS => "PR_RESOURCE_METHODS",
            Self::PR_RESOURCE_TYPE => "PR_RESOURCE_TYPE",
            Self::PR_RESOURCE_PATH => "PR_RESOURCE_PATH",
            Self::PR_PST_PATH => "PR_PST_PATH",
            _ => return None,
        })
    }
}

impl fmt::Display for PropTag {
    /// The registry value name: 8 lowercase hex digits, type first.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}{:04x}", self.ty.0, self.id)
    }
}

/// How a property value is spelled in the registry, captured when decoding
/// so that encoding gives the same registry type and bytes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Spelling {
    /// `REG_BINARY` holding the property's bytes. `wide` is the 64-bit
    /// form: multi-valued strings and binaries have 64-bit offsets (the
    /// count and the binary lengths stay 32-bit) and a PT_BOOLEAN takes 4
    /// bytes instead of 2.
    Binary {
        /// The 64-bit form.
        wide: bool,
    },
    /// `REG_SZ`: a PT_UNICODE or PT_STRING8 value as registry text.
    String,
    /// `REG_DWORD`: a PT_LONG or PT_BOOLEAN.
    Dword,
    /// `REG_QWORD`: a PT_I8 or PT_SYSTIME.
    Qword,
    /// Any other registry type; only values carried as bytes
    /// ([`MapiValue::Other`], [`MapiValue::Secret`]) are read this way.
    Raw(RegType),
}

impl Spelling {
    /// `REG_BINARY` in the 32-bit form, how new values are written.
    pub const BINARY: Spelling = Spelling::Binary { wide: false };

    /// The registry type this spelling writes.
    pub fn reg_type(self) -> RegType {
        match self {
            Spelling::Binary { .. } => RegType::BINARY,
            Spelling::String => RegType::SZ,
            Spelling::Dword => RegType::DWORD,
            Spelling::Qword => RegType::QWORD,
            Spelling::Raw(ty) => ty,
        }
    }
}

/// A value that must never be decoded, printed or logged (a password blob):
/// the registry value as it was, shown only as `<redacted>`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret {
    raw: Value,
}

impl Secret {
    /// Wraps a registry value.
    pub fn new(raw: Value) -> Secret {
        Secret { raw }
    }

    /// The registry value, to carry it byte for byte. The name says what
    /// the caller takes on: never print or log what this returns.
    pub fn expose_raw(&self) -> &Value {
        &self.raw
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A decoded property value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MapiValue {
    /// PT_SHORT.
    Short(i16),
    /// PT_LONG.
    Long(i32),
    /// PT_BOOLEAN.
    Boolean(bool),
    /// PT_I8.
    I8(i64),
    /// PT_STRING8: the ANSI bytes without the NUL ([`windows_1252_to_string`]
    /// reads them).
    String8(Vec<u8>),
    /// PT_UNICODE, without the NUL.
    Unicode(String),
    /// PT_SYSTIME: a FILETIME (100 ns ticks since 1601).
    SysTime(u64),
    /// PT_CLSID: the GUID's 16 bytes as stored.
    Clsid([u8; 16]),
    /// PT_BINARY.
    Binary(Vec<u8>),
    /// PT_MV_LONG.
    MultiLong(Vec<i32>),
    /// PT_MV_STRING8, each without its NUL.
    MultiString8(Vec<Vec<u8>>),
    /// PT_MV_UNICODE, each without its NUL.
    MultiUnicode(Vec<String>),
    /// PT_MV_BINARY.
    MultiBinary(Vec<Vec<u8>>),
    /// Any other type, carried as its bytes.
    Other {
        /// The property type.
        ty: PropType,
        /// The registry data.
        bytes: Vec<u8>,
    },
    /// A password blob (a secret tag), carried as it is, never decoded.
    Secret(Secret),
}

impl MapiValue {
    /// Decodes a registry value as the property type of `tag` says.
    /// Secret tags give [`MapiValue::Secret`] whatever the data. The error
    /// is the reason, for the caller to wrap with the key and value name.
    pub fn decode(tag: PropTag, value: &Value) -> Result<MapiValue, String> {
        MapiValue::decode_spelled(tag, value).map(|(decoded, _)| decoded)
    }

    /// How `value` spells a property of `tag`: what [`MapiValue::encode`]
    /// needs to give the same registry value back. For data that does not
    /// decode, the 32-bit binary form.
    pub fn spelling_of(tag: PropTag, value: &Value) -> Spelling {
        match MapiValue::decode_spelled(tag, value) {
            Ok((_, spelling)) => spelling,
            Err(_) => plain_spelling(value.ty()),
        }
    }

    /// Decodes like [`MapiValue::decode`] and says how the value was spelled.
    /// Only data that encodes back to exactly the same bytes is accepted
    /// (strings end in one NUL and hold no other, booleans are 0 or 1,
    /// multi-valued offsets are where they belong), so that an unchanged
    /// value can always be written back unchanged.
    pub fn decode_spelled(tag: PropTag, value: &Value) -> Result<(MapiValue, Spelling), String> {
        let spelling = plain_spelling(value.ty());
        if tag.is_secret() {
            return Ok((MapiValue::secret(value.clone()), spelling));
        }
        let data = value.data();
        let ty = tag.ty;
        let known = matches!(
            ty,
            PropType::PT_SHORT
                | PropType::PT_LONG
                | PropType::PT_BOOLEAN
                | PropType::PT_I8
                | PropType::PT_STRING8
                | PropType::PT_UNICODE
                | PropType::PT_SYSTIME
                | PropType::PT_CLSID
                | PropType::PT_BINARY
                | PropType::PT_MV_LONG
                | PropType::PT_MV_STRING8
                | PropType::PT_MV_UNICODE
                | PropType::PT_MV_BINARY
        );
        if !known {
            let bytes = data.to_vec();
            return Ok((MapiValue::Other { ty, bytes }, spelling));
        }
        let reg = value.ty();
        let decoded = if reg == RegType::BINARY {
            return decode_binary(ty, data);
        } else if reg == RegType::SZ {
            match ty {
                PropType::PT_UNICODE => MapiValue::Unicode(utf16z_text(data)?),
                PropType::PT_STRING8 => {
                    let text = utf16z_text(data)?;
                    let bytes = string_to_windows_1252(&text).ok_or_else(|| {
                        "a PT_STRING8 spelled as REG_SZ holds a character outside Windows-1252"
                            .to_string()
                    })?;
                    MapiValue::String8(bytes)
                }
                _ => return Err(spelled_as(ty, reg)),
            }
        } else if reg == RegType::DWORD {
            let n = u32::from_le_bytes(fixed::<4>(data, "a REG_DWORD")?);
            match ty {
                PropType::PT_LONG => MapiValue::Long(i32::from_le_bytes(n.to_le_bytes())),
                PropType::PT_BOOLEAN => MapiValue::Boolean(boolean(u64::from(n))?),
                _ => return Err(spelled_as(ty, reg)),
            }
        } else if reg == RegType::QWORD {
            let bytes = fixed::<8>(data, "a REG_QWORD")?;
            match ty {
                PropType::PT_I8 => MapiValue::I8(i64::from_le_bytes(bytes)),
                PropType::PT_SYSTIME => MapiValue::SysTime(u64::from_le_bytes(bytes)),
                _ => return Err(spelled_as(ty, reg)),
            }
        } else {
            return Err(spelled_as(ty, reg));
        };
        Ok((decoded, spelling))
    }

    /// Wraps a registry value that must never be decoded or shown (a
    /// password blob, a secure `S` property, an account's password value).
    pub fn secret(raw: Value) -> MapiValue {
        MapiValue::Secret(Secret::new(raw))
    }

    /// The registry value holding this property, spelled as `spelling`
    /// says. A spelling that cannot hold the value (a binary as `REG_SZ`)
    /// gives `REG_BINARY` in the 32-bit form instead. A secret is given
    /// back exactly as it was read.
    pub fn encode(&self, spelling: Spelling) -> Value {
        let wide = matches!(spelling, Spelling::Binary { wide: true });
        let binary = |data: Vec<u8>| Value::new(RegType::BINARY, data);
        match (self, spelling) {
            (MapiValue::Secret(secret), _) => secret.raw.clone(),
            (MapiValue::Other { bytes, .. }, _) => Value::new(spelling.reg_type(), bytes.clone()),
            (MapiValue::Long(n), Spelling::Dword) => {
                Value::dword(u32::from_le_bytes(n.to_le_bytes()))
            }
            (MapiValue::Boolean(b), Spelling::Dword) => Value::dword(u32::from(*b)),
            (MapiValue::I8(n), Spelling::Qword) => {
                Value::qword(u64::from_le_bytes(n.to_le_bytes()))
            }
            (MapiValue::SysTime(t), Spelling::Qword) => Value::qword(*t),
            (MapiValue::Unicode(text), Spelling::String) => Value::string(text),
            (MapiValue::String8(bytes), Spelling::String) => {
                Value::string(&windows_1252_to_string(bytes))
            }
            (MapiValue::Short(n), _) => binary(n.to_le_bytes().to_vec()),
            (MapiValue::Long(n), _) => binary(n.to_le_bytes().to_vec()),
            (MapiValue::Boolean(b), _) => {
                let width = if wide { 4 } else { 2 };
                let mut data = vec![0u8; width];
                if let Some(first) = data.first_mut() {
                    *first = u8::from(*b);
                }
                binary(data)
            }
            (MapiValue::I8(n), _) => binary(n.to_le_bytes().to_vec()),
            (MapiValue::SysTime(t), _) => binary(t.to_le_bytes().to_vec()),
            (MapiValue::Clsid(bytes), _) => binary(bytes.to_vec()),
            (MapiValue::Binary(bytes), _) => binary(bytes.clone()),
            (MapiValue::String8(bytes), _) => binary(nul_terminated(bytes)),
            (MapiValue::Unicode(text), _) => binary(utf16z(text)),
            (MapiValue::MultiLong(items), _) => {
                binary(items.iter().flat_map(|n| n.to_le_bytes()).collect())
            }
            (MapiValue::MultiString8(items), _) => {
                let items: Vec<Vec<u8>> = items.iter().map(|i| nul_terminated(i)).collect();
                binary(encode_mv_strings(&items, wide))
            }
            (MapiValue::MultiUnicode(items), _) => {
                let items: Vec<Vec<u8>> = items.iter().map(|i| utf16z(i)).collect();
                binary(encode_mv_strings(&items, wide))
            }
            (MapiValue::MultiBinary(items), _) => binary(encode_mv_binary(items, wide)),
        }
    }

    /// The property type this value is of (for a secret or [`MapiValue::Other`],
    /// the one it was read as, when known).
    pub fn prop_type(&self) -> Option<PropType> {
        Some(match self {
            MapiValue::Short(_) => PropType::PT_SHORT,
            MapiValue::Long(_) => PropType::PT_LONG,
            MapiValue::Boolean(_) => PropType::PT_BOOLEAN,
            MapiValue::I8(_) => PropType::PT_I8,
            MapiValue::String8(_) => PropType::PT_STRING8,
            MapiValue::Unicode(_) => PropType::PT_UNICODE,
            MapiValue::SysTime(_) => PropType::PT_SYSTIME,
            MapiValue::Clsid(_) => PropType::PT_CLSID,
            MapiValue::Binary(_) => PropType::PT_BINARY,
            MapiValue::MultiLong(_) => PropType::PT_MV_LONG,
            MapiValue::MultiString8(_) => PropType::PT_MV_STRING8,
            MapiValue::MultiUnicode(_) => PropType::PT_MV_UNICODE,
            MapiValue::MultiBinary(_) => PropType::PT_MV_BINARY,
            MapiValue::Other { ty, .. } => *ty,
            MapiValue::Secret(_) => return None,
        })
    }

    /// The text of a PT_UNICODE or PT_STRING8 (read as Windows-1252) value.
    pub fn as_text(&self) -> Option<String> {
        match self {
            MapiValue::Unicode(text) => Some(text.clone()),
            MapiValue::String8(bytes) => Some(windows_1252_to_string(bytes)),
            _ => None,
        }
    }

    /// The bytes of a PT_BINARY value.
    pub fn as_binary(&self) -> Option<&[u8]> {
        match self {
            MapiValue::Binary(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// The number of a PT_LONG (or PT_SHORT) value.
    pub fn as_i32(&self) -> Option<i32> {
        match self {
            MapiValue::Long(n) => Some(*n),
            MapiValue::Short(n) => Some(i32::from(*n)),
            _ => None,
        }
    }

    /// The truth of a PT_BOOLEAN value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            MapiValue::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// Whether this is a secret, never to be shown.
    pub fn is_secret(&self) -> bool {
        matches!(self, MapiValue::Secret(_))
    }
}

impl fmt::Display for MapiValue {
    /// A short human form: numbers, quoted text, hex bytes; secrets as
    /// `<redacted>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapiValue::Short(n) => write!(f, "{n}"),
            MapiValue::Long(n) => write!(f, "{n}"),
            MapiValue::Boolean(b) => write!(f, "{b}"),
            MapiValue::I8(n) => write!(f, "{n}"),
            MapiValue::String8(bytes) => write!(f, "{:?}", windows_1252_to_string(bytes)),
            MapiValue::Unicode(text) => write!(f, "{text:?}"),
            MapiValue::SysTime(t) => write!(f, "filetime 0x{t:016x}"),
            MapiValue::Clsid(bytes) => write!(f, "{}", Hex(bytes)),
            MapiValue::Binary(bytes) => write!(f, "{}", Hex(bytes)),
            MapiValue::MultiLong(items) => write_list(f, items, |f, n| write!(f, "{n}")),
            MapiValue::MultiString8(items) => write_list(f, items, |f, i| {
                write!(f, "{:?}", windows_1252_to_string(i))
            }),
            MapiValue::MultiUnicode(items) => write_list(f, items, |f, i| write!(f, "{i:?}")),
            MapiValue::MultiBinary(items) => write_list(f, items, |f, i| write!(f, "{}", Hex(i))),
            MapiValue::Other { ty, bytes } => write!(f, "{ty} {}", Hex(bytes)),
            MapiValue::Secret(secret) => write!(f, "{secret}"),
        }
    }
}

/// Bytes as lowercase hex digits, `(empty)` for none: how data without a
/// text form is shown.
pub(crate) struct Hex<'a>(pub(crate) &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(empty)");
        }
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

fn write_list<T>(
    f: &mut fmt::Formatter<'_>,
    items: &[T],
    item: impl Fn(&mut fmt::Formatter<'_>, &T) -> fmt::Result,
) -> fmt::Result {
    f.write_str("[")?;
    for (i, one) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        item(f, one)?;
    }
    f.write_str("]")
}

/// The spelling a registry type gives before looking at the data.
fn plain_spelling(reg: RegType) -> Spelling {
    match reg {
        RegType::BINARY => Spelling::BINARY,
        RegType::SZ => Spelling::String,
        RegType::DWORD => Spelling::Dword,
        RegType::QWORD => Spelling::Qword,
        other => Spelling::Raw(other),
    }
}

fn spelled_as(ty: PropType, reg: RegType) -> String {
    format!("a {ty} property cannot be spelled as {reg}")
}

fn fixed<const N: usize>(data: &[u8], what: &str) -> Result<[u8; N], String> {
    <[u8; N]>::try_from(data).map_err(|_| format!("{what} must be {N} bytes, not {}", data.len()))
}

fn boolean(n: u64) -> Result<bool, String> {
    match n {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(format!("a PT_BOOLEAN must be 0 or 1, not {other}")),
    }
}

/// Decodes the `REG_BINARY` form of a known property type.
fn decode_binary(ty: PropType, data: &[u8]) -> Result<(MapiValue, Spelling), String> {
    let narrow = Spelling::BINARY;
    let value = match ty {
        PropType::PT_SHORT => MapiValue::Short(i16::from_le_bytes(fixed::<2>(data, "a PT_SHORT")?)),
        PropType::PT_LONG => MapiValue::Long(i32::from_le_bytes(fixed::<4>(data, "a PT_LONG")?)),
        PropType::PT_BOOLEAN => {
            return match data.len() {
                2 => {
                    let n = u16::from_le_bytes(fixed::<2>(data, "a PT_BOOLEAN")?);
                    Ok((MapiValue::Boolean(boolean(u64::from(n))?), narrow))
                }
                4 => {
                    let n = u32::from_le_bytes(fixed::<4>(data, "a PT_BOOLEAN")?);
                    let wide = Spelling::Binary { wide: true };
                    Ok((MapiValue::Boolean(boolean(u64::from(n))?), wide))
                }
                n => Err(format!("a PT_BOOLEAN must be 2 or 4 bytes, not {n}")),
            };
        }
        PropType::PT_I8 => MapiValue::I8(i64::from_le_bytes(fixed::<8>(data, "a PT_I8")?)),
        PropType::PT_SYSTIME => {
            MapiValue::SysTime(u64::from_le_bytes(fixed::<8>(data, "a PT_SYSTIME")?))
        }
        PropType::PT_CLSID => MapiValue::Clsid(fixed::<16>(data, "a PT_CLSID")?),
        PropType::PT_BINARY => MapiValue::Binary(data.to_vec()),
        PropType::PT_STRING8 => MapiValue::String8(ansiz_text(data)?),
        PropType::PT_UNICODE => MapiValue::Unicode(utf16z_text(data)?),
        PropType::PT_MV_LONG => {
            if !data.len().is_multiple_of(4) {
                return Err(format!(
                    "a PT_MV_LONG must be a multiple of 4 bytes, not {}",
                    data.len()
                ));
            }
            let items = data
                .chunks_exact(4)
                .filter_map(|c| <[u8; 4]>::try_from(c).ok().map(i32::from_le_bytes))
                .collect();
            MapiValue::MultiLong(items)
        }
        PropType::PT_MV_STRING8 => {
            let (items, wide) = decode_mv(data, MvKind::String8)?;
            let items = items
                .iter()
                .map(|item| ansiz_text(item))
                .collect::<Result<_, _>>()?;
            return Ok((MapiValue::MultiString8(items), Spelling::Binary { wide }));
        }
        PropType::PT_MV_UNICODE => {
            let (items, wide) = decode_mv(data, MvKind::Unicode)?;
            let items = items
                .iter()
                .map(|item| utf16z_text(item))
                .collect::<Result<_, _>>()?;
            return Ok((MapiValue::MultiUnicode(items), Spelling::Binary { wide }));
        }
        PropType::PT_MV_BINARY => {
            let (items, wide) = decode_mv(data, MvKind::Binary)?;
            let items = items.iter().map(|item| item.to_vec()).collect();
            return Ok((MapiValue::MultiBinary(items), Spelling::Binary { wide }));
        }
        other => {
            let bytes = data.to_vec();
            MapiValue::Other { ty: other, bytes }
        }
    };
    Ok((value, narrow))
}

/// ANSI text ending in its one NUL: the bytes before it.
fn ansiz_text(data: &[u8]) -> Result<Vec<u8>, String> {
    match data.split_last() {
        Some((0, text)) if !text.contains(&0) => Ok(text.to_vec()),
        Some((0, _)) => Err("a PT_STRING8 holds a NUL before its end".to_string()),
        _ => Err("a PT_STRING8 does not end in a NUL".to_string()),
    }
}

/// UTF-16LE text ending in its one NUL: the text before it.
fn utf16z_text(data: &[u8]) -> Result<String, String> {
    if !data.len().is_multiple_of(2) {
        return Err(format!(
            "UTF-16 text has an odd number of bytes ({})",
            data.len()
        ));
    }
    let units: Vec<u16> = utf16le_units(data).collect();
    match units.split_last() {
        Some((0, text)) if !text.contains(&0) => String::from_utf16(text)
            .map_err(|_| "UTF-16 text holds an unpaired surrogate".to_string()),
        Some((0, _)) => Err("UTF-16 text holds a NUL before its end".to_string()),
        _ => Err("UTF-16 text does not end in a NUL".to_string()),
    }
}

/// The UTF-16LE code units of `bytes` (a trailing odd byte is not one).
pub(crate) fn utf16le_units(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    bytes
        .chunks_exact(2)
        .filter_map(|c| <[u8; 2]>::try_from(c).ok().map(u16::from_le_bytes))
}

fn nul_terminated(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 1);
    out.extend_from_slice(bytes);
    out.push(0);
    out
}

/// UTF-16LE text and its NUL, as PT_UNICODE (and the Account Manager's
/// binary strings) hold it.
pub(crate) fn utf16z(text: &str) -> Vec<u8> {
    text.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum MvKind {
    String8,
    Unicode,
    Binary,
}

/// Reads a multi-valued string or binary blob in whichever of the two
/// layouts it is exactly written in: the items (strings with their NULs)
/// and whether offsets are 64-bit.
fn decode_mv(data: &[u8], kind: MvKind) -> Result<(Vec<&[u8]>, bool), String> {
    let what = match kind {
        MvKind::String8 => "PT_MV_STRING8",
        MvKind::Unicode => "PT_MV_UNICODE",
        MvKind::Binary => "PT_MV_BINARY",
    };
    let narrow = split_mv(data, kind, false);
    // An empty list reads the same in both layouts: keep the 32-bit one.
    if let Ok(items) = narrow {
        return Ok((items, false));
    }
    match split_mv(data, kind, true) {
        Ok(items) => Ok((items, true)),
        Err(reason) => match narrow {
            Err(narrow_reason) => Err(format!(
                "a {what} is in neither layout: 32-bit offsets: {narrow_reason}; 64-bit offsets: {reason}"
            )),
            Ok(_) => Err(format!("a {what}: {reason}")),
        },
    }
}

fn read_u32(data: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    data.get(at..end)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
}

fn read_u64(data: &[u8], at: usize) -> Option<u64> {
    let end = at.checked_add(8)?;
    data.get(at..end)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes)
}

fn align4(n: usize) -> Option<usize> {
    n.checked_add(3).map(|n| n & !3)
}

/// Splits a blob laid out exactly as [`encode_mv_strings`] or
/// [`encode_mv_binary`] write it; anything else is an error, so that the
/// items always encode back to the same bytes.
fn split_mv(data: &[u8], kind: MvKind, wide: bool) -> Result<Vec<&[u8]>, String> {
    let count = read_u32(data, 0).ok_or("shorter than its 4-byte count")?;
    let count = usize::try_from(count).map_err(|_| "count too large")?;
    let offset_size = if wide { 8 } else { 4 };
    let entry = if kind == MvKind::Binary {
        4 + offset_size
    } else {
        offset_size
    };
    // The table must fit in the data: this bounds every allocation below.
    let header = count
        .checked_mul(entry)
        .and_then(|n| n.checked_add(4))
        .filter(|&n| n <= data.len())
        .ok_or_else(|| format!("{count} items do not fit in {} bytes", data.len()))?;
    let mut items = Vec::with_capacity(count);
    let mut expected = header;
    for i in 0..count {
        let at = 4 + i * entry;
        let (length, offset_at) = if kind == MvKind::Binary {
            let length = read_u32(data, at).ok_or("truncated table")?;
            (Some(length), at + 4)
        } else {
            (None, at)
        };
        let offset = if wide {
            read_u64(data, offset_at)
        } else {
            read_u32(data, offset_at).map(u64::from)
        }
        .ok_or("truncated table")?;
        if u64::try_from(expected).ok() != Some(offset) {
            return Err(format!("item {i} is at offset {offset}, not {expected}"));
        }
        let start = expected;
        let rest = data.get(start..).ok_or("offset past the end")?;
        let end = match (kind, length) {
            (MvKind::Binary, Some(length)) => {
                let length = usize::try_from(length).map_err(|_| "length too large")?;
                start
                    .checked_add(length)
                    .filter(|&end| end <= data.len())
                    .ok_or_else(|| format!("item {i} runs past the end"))?
            }
            (MvKind::Unicode, _) => {
                let units = rest.chunks_exact(2).position(|u| u == [0, 0]);
                let nul = units.ok_or_else(|| format!("item {i} does not end in a NUL"))?;
                start + nul * 2 + 2
            }
            _ => {
                let nul = rest.iter().position(|&b| b == 0);
                start + nul.ok_or_else(|| format!("item {i} does not end in a NUL"))? + 1
            }
        };
        items.push(data.get(start..end).ok_or("item out of range")?);
        expected = if kind == MvKind::Binary {
            let padded = align4(end).ok_or("item out of range")?;
            // Each item is padded to 4 bytes with zeros, the last one too:
            // anything else would not encode back the same.
            let padding = data
                .get(end..padded)
                .ok_or_else(|| format!("item {i} lacks its padding"))?;
            if padding.iter().any(|&b| b != 0) {
                return Err(format!("item {i} is padded with non-zero bytes"));
            }
            padded
        } else {
            end
        };
    }
    if expected != data.len() {
        return Err(format!(
            "{} bytes follow the last item",
            data.len().saturating_sub(expected)
        ));
    }
    Ok(items)
}

fn push_offset(out: &mut Vec<u8>, offset: usize, wide: bool) {
    if wide {
        out.extend(u64::try_from(offset).unwrap_or(u64::MAX).to_le_bytes());
    } else {
        out.extend(u32::try_from(offset).unwrap_or(u32::MAX).to_le_bytes());
    }
}

fn push_count(out: &mut Vec<u8>, count: usize) {
    out.extend(u32::try_from(count).unwrap_or(u32::MAX).to_le_bytes());
}

/// Count, offsets, then the (already NUL-terminated) strings packed tight.
fn encode_mv_strings(items: &[Vec<u8>], wide: bool) -> Vec<u8> {
    let offset_size = if wide { 8 } else { 4 };
    let mut out = Vec::new();
    push_count(&mut out, items.len());
    let mut offset = 4 + items.len() * offset_size;
    for item in items {
        push_offset(&mut out, offset, wide);
        offset += item.len();
    }
    for item in items {
        out.extend_from_slice(item);
    }
    out
}

/// Count, (length, offset) pairs, then the items, each starting on a
/// 4-byte boundary with zero padding between them.
fn encode_mv_binary(items: &[Vec<u8>], wide: bool) -> Vec<u8> {
    let entry = if wide { 12 } else { 8 };
    let mut out = Vec::new();
    push_count(&mut out, items.len());
    let mut offset = 4 + items.len() * entry;
    for item in items {
        push_count(&mut out, item.len());
        push_offset(&mut out, offset, wide);
        offset = align4(offset + item.len()).unwrap_or(usize::MAX);
    }
    for item in items {
        out.extend_from_slice(item);
        out.resize(align4(out.len()).unwrap_or(out.len()), 0);
    }
    out
}

/// Reads PT_STRING8 bytes as Windows-1252, the ANSI code page of the
/// Western Windows installs these profiles come from. The five bytes
/// Windows leaves undefined read as the C1 controls, as the WHATWG encoding
/// standard (and `encoding_rs`, which the `.prf` reader also uses) has
/// them, so every byte string reads and writes back the same.
pub fn windows_1252_to_string(bytes: &[u8]) -> String {
    encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
        .into_owned()
}

/// Writes text as Windows-1252 bytes; `None` when a character has no byte.
pub fn string_to_windows_1252(text: &str) -> Option<Vec<u8>> {
    let (bytes, _, had_errors) = encoding_rs::WINDOWS_1252.encode(text);
    (!had_errors).then(|| bytes.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names() {
        let tag = PropTag::parse("001F3001").unwrap();
        assert_eq!(
            tag,
            PropTag::new(PropTag::PR_DISPLAY_NAME, PropType::PT_UNICODE)
        );
        assert_eq!(tag.to_string(), "001f3001");
        assert_eq!(tag.tag(), 0x3001_001F);
        assert_eq!(PropTag::parse("001f300"), None);
        assert_eq!(PropTag::parse("001f3001a"), None);
        assert_eq!(PropTag::parse("+01f3001"), None);
        assert_eq!(PropTag::parse("Display Name"), None);
        assert_eq!(
            PropTag::parse_protected("S01026700").map(|t| t.id),
            Some(0x6700)
        );
        assert!(PropTag::parse("010267f0").unwrap().is_secret());
        assert!(!PropTag::parse("010267ef").unwrap().is_secret());
        assert_eq!(PropType::PT_UNICODE.name(), "PT_UNICODE");
        assert_eq!(PropType(0x1102).name(), "PT_MV_BINARY");
        assert_eq!(PropType(0x1234).name(), "0x1234");
        assert!(PropType(0x101F).is_multi());
        assert_eq!(PropType(0x101F).base(), PropType::PT_UNICODE);
    }

    #[test]
    fn windows_1252_is_a_bijection_over_bytes() {
        let all: Vec<u8> = (0..=255).collect();
        let text = windows_1252_to_string(&all);
        assert_eq!(string_to_windows_1252(&text), Some(all));
        assert_eq!(windows_1252_to_string(&[0x80, 0xE9]), "€é");
        assert_eq!(string_to_windows_1252("€ž"), Some(vec![0x80, 0x9E]));
        assert_eq!(string_to_windows_1252("日本"), None);
    }

    #[test]
    fn mv_binary_layout() {
        let items = vec![vec![1u8, 2, 3], vec![], vec![4]];
        let narrow = encode_mv_binary(&items, false);
        assert_eq!(
            narrow,
            [
                3, 0, 0, 0, // count
                3, 0, 0, 0, 28, 0, 0, 0, // 3 bytes at 28
                0, 0, 0, 0, 32, 0, 0, 0, // 0 bytes at 32
                1, 0, 0, 0, 32, 0, 0, 0, // 1 byte at 32
                1, 2, 3, 0, 4, 0, 0, 0,
            ]
        );
        let split = split_mv(&narrow, MvKind::Binary, false).unwrap();
        assert_eq!(split, [&[1u8, 2, 3][..], &[], &[4]]);
        let wide = encode_mv_binary(&items, true);
        assert!(decode_mv(&wide, MvKind::Binary).unwrap().1);
        assert!(split_mv(&wide, MvKind::Binary, false).is_err());
    }

    #[test]
    fn mv_string_layout() {
        let items = vec![b"ab\0".to_vec(), b"\0".to_vec()];
        let narrow = encode_mv_strings(&items, false);
        assert_eq!(
            narrow,
            [2, 0, 0, 0, 12, 0, 0, 0, 15, 0, 0, 0, b'a', b'b', 0, 0]
        );
        assert_eq!(
            decode_mv(&narrow, MvKind::String8).unwrap(),
            (vec![&b"ab\0"[..], b"\0"], false)
        );
        let wide = encode_mv_strings(&items, true);
        assert_eq!(wide.len(), 4 + 16 + 4);
        assert!(decode_mv(&wide, MvKind::String8).unwrap().1);
    }

    #[test]
    fn huge_counts_are_errors_not_allocations() {
        let data = [0xff, 0xff, 0xff, 0xff, 8, 0, 0, 0];
        assert!(decode_mv(&data, MvKind::Binary).is_err());
        assert!(decode_mv(&data, MvKind::Unicode).is_err());
    }
}
