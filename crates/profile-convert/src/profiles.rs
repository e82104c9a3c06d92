//! The profile model over `.reg` exports: users, profile roots, profiles,
//! sections named by MAPI UIDs and the values in them, each with the key
//! path and line it was read from, so that a conversion can edit exactly
//! those lines and nothing else.
//!
//! The model follows what importing the export would leave in the
//! registry: a key written twice is one key, the last assignment of a
//! value wins (at the line of that assignment), and `"name"=-` and
//! `[-KEY]` remove what came before them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use olkit_regfile::{ParseOptions, RegFile, RegType, Value};

use crate::mapi::{utf16le_units, MapiValue, PropTag, PropType};
use crate::{Error, Uid};

/// The profiles of every user in an export.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileSet {
    /// The users, in the order their first key appears in the file.
    pub users: Vec<User>,
}

/// One user's part of an export: `HKEY_CURRENT_USER` or one
/// `HKEY_USERS\<SID>`.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The key prefix as spelled in the file (`HKEY_CURRENT_USER`,
    /// `HKEY_USERS\S-1-5-21-...`).
    pub hive: String,
    /// The SID, for `HKEY_USERS\<SID>`.
    pub sid: Option<String>,
    /// The profile roots found for this user.
    pub roots: Vec<ProfileRoot>,
}

/// Which of the two places Outlook keeps profiles in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootKind {
    /// `Software\Microsoft\Office\<version>\Outlook\Profiles` (Outlook
    /// 2013 and later).
    Office {
        /// The Office version as spelled in the key (`16.0`).
        version: String,
    },
    /// `Software\Microsoft\Windows NT\CurrentVersion\Windows Messaging
    /// Subsystem\Profiles` (Outlook 2010 and earlier).
    Legacy,
}

/// Where one value was read: its key, its name and its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRef {
    /// The full key path as spelled in the file.
    pub key: String,
    /// The value name as spelled in the file.
    pub name: String,
    /// The 1-based line of the assignment in effect.
    pub line: usize,
}

/// A `...\Profiles` key and the profiles under it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileRoot {
    /// The full path of the `Profiles` key.
    pub key: String,
    /// Which root it is.
    pub kind: RootKind,
    /// The DefaultProfile value: in `...\Office\<version>\Outlook` for an
    /// Office root, in the `Profiles` key itself for the legacy root.
    pub default_profile: Option<String>,
    /// Where DefaultProfile was read.
    pub default_profile_at: Option<ValueRef>,
    /// The profiles, in file order.
    pub profiles: Vec<Profile>,
}

/// An Outlook profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The profile's name (its key name).
    pub name: String,
    /// The full key path.
    pub key: String,
    /// The key's line; 0 when the file has no line for the key itself
    /// (only for keys below it).
    pub line: usize,
    /// Whether the root's DefaultProfile names it (names compare as
    /// Windows compares them).
    pub is_default: bool,
    /// Values on the profile key itself (rarely any).
    pub values: Vec<NamedValue>,
    /// The sections (subkeys named by 32 hex digits), in file order.
    pub sections: Vec<Section>,
    /// Subkeys of the profile not named by a UID, with all below them.
    pub other_keys: Vec<SubKey>,
}

/// A profile section: a subkey of a profile named by a MAPI UID.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The UID its key name spells.
    pub uid: Uid,
    /// The full key path.
    pub key: String,
    /// The key's line; 0 when the file has no line for it.
    pub line: usize,
    /// Values named by property tags (`001f3001`).
    pub props: Vec<Prop>,
    /// Other values (the Account Manager's `NextAccountID`, ...).
    pub named: Vec<NamedValue>,
    /// Keys below the section (the Account Manager's accounts), at any
    /// depth, in file order.
    pub subkeys: Vec<SubKey>,
}

/// A key below a section (or a non-section key below a profile).
#[derive(Debug, Clone, PartialEq)]
pub struct SubKey {
    /// The path below the section or profile (`00000001`).
    pub name: String,
    /// The full key path.
    pub key: String,
    /// The key's line; 0 when the file has no line for it.
    pub line: usize,
    /// Values named by property tags.
    pub props: Vec<Prop>,
    /// Other values.
    pub named: Vec<NamedValue>,
}

/// A value named by a MAPI property tag. Secret properties (password
/// blobs) are kept byte for byte and never decoded or shown.
#[derive(Clone, PartialEq)]
pub struct Prop {
    /// The tag the name spells.
    pub tag: PropTag,
    /// The value name as written.
    pub name: String,
    /// The 1-based line of the assignment in effect.
    pub line: usize,
    /// The registry value, as the file holds it.
    pub raw: Value,
    /// Whether the name is a secure property's (`S` and the tag), which
    /// MAPI stores encrypted.
    pub protected: bool,
}

impl Prop {
    /// Whether this is a secret (a password blob or a secure `S`
    /// property): never decoded or shown.
    pub fn is_secret(&self) -> bool {
        self.protected || self.tag.is_secret()
    }

    /// The decoded value ([`MapiValue::Secret`] for a secret, carried as it
    /// is); an error when the data does not fit the tag's type.
    pub fn value(&self) -> Result<MapiValue, String> {
        if self.is_secret() {
            return Ok(MapiValue::secret(self.raw.clone()));
        }
        MapiValue::decode(self.tag, &self.raw)
    }

    /// The text of a string property (PT_STRING8 or PT_UNICODE, REG_BINARY
    /// or REG_SZ spelling); `None` for other types and secrets.
    pub fn text(&self) -> Option<String> {
        self.value().ok()?.as_text()
    }

    /// The bytes of a binary property; `None` for other types and secrets.
    pub fn binary(&self) -> Option<Vec<u8>> {
        self.value().ok()?.as_binary().map(<[u8]>::to_vec)
    }

    /// The number in a PT_LONG property.
    pub fn long(&self) -> Option<i32> {
        self.value().ok()?.as_i32()
    }
}

impl fmt::Debug for Prop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prop")
            .field("name", &self.name)
            .field("line", &self.line)
            .field("raw", &DebugRaw(&self.raw, self.is_secret()))
            .finish()
    }
}

/// A value not named by a property tag (the Account Manager's values).
/// Values named like `*Password*` are secrets: kept byte for byte, never
/// decoded or shown.
#[derive(Clone, PartialEq)]
pub struct NamedValue {
    /// The value name as written (empty for the default value).
    pub name: String,
    /// The 1-based line of the assignment in effect.
    pub line: usize,
    /// The registry value, as the file holds it.
    pub raw: Value,
}

impl NamedValue {
    /// Whether the name marks a secret (`*Password*`, any case).
    pub fn is_secret(&self) -> bool {
        crate::prf::is_secret_key(&self.name)
    }

    /// The text: a `REG_SZ`, or a `REG_BINARY` holding UTF-16LE text up to
    /// its NUL (how the Account Manager stores strings). `None` for secrets
    /// and other types.
    pub fn text(&self) -> Option<String> {
        if self.is_secret() {
            return None;
        }
        value_text(&self.raw)
    }

    /// A 32-bit number: a `REG_DWORD`, or a 4-byte little-endian
    /// `REG_BINARY`. `None` for secrets.
    pub fn dword(&self) -> Option<u32> {
        if self.is_secret() {
            return None;
        }
        match self.raw.ty() {
            RegType::DWORD | RegType::DWORD_BIG_ENDIAN => self.raw.as_u32().ok(),
            RegType::BINARY => <[u8; 4]>::try_from(self.raw.data())
                .ok()
                .map(u32::from_le_bytes),
            _ => None,
        }
    }

    /// A UID: a 16-byte `REG_BINARY`.
    pub fn uid(&self) -> Option<Uid> {
        if self.is_secret() || self.raw.ty() != RegType::BINARY {
            return None;
        }
        <[u8; 16]>::try_from(self.raw.data()).ok().map(Uid)
    }
}

impl fmt::Debug for NamedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NamedValue")
            .field("name", &self.name)
            .field("line", &self.line)
            .field("raw", &DebugRaw(&self.raw, self.is_secret()))
            .finish()
    }
}

/// A value's data as `Debug` shows it: a secret's (`true`) only by its size.
struct DebugRaw<'a>(&'a Value, bool);

impl fmt::Debug for DebugRaw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let DebugRaw(raw, secret) = *self;
        if secret {
            write!(f, "<secret, {} bytes>", raw.data().len())
        } else {
            fmt::Debug::fmt(raw, f)
        }
    }
}

/// UTF-16LE text up to the first NUL; `None` for an odd length.
pub(crate) fn utf16z_text(bytes: &[u8]) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = utf16le_units(bytes).take_while(|&u| u != 0).collect();
    Some(String::from_utf16_lossy(&units))
}

/// Lookups shared by sections and subkeys.
pub trait Values {
    /// The values named by property tags.
    fn props(&self) -> &[Prop];
    /// The other values.
    fn named(&self) -> &[NamedValue];

    /// The properties with this property id, of any type.
    fn props_with_id(&self, id: u16) -> impl Iterator<Item = &Prop> {
        self.props().iter().filter(move |p| p.tag.id == id)
    }

    /// The text of the property with this id: the PT_UNICODE one when both
    /// spellings are there, else the first that holds text.
    fn text_prop(&self, id: u16) -> Option<String> {
        let mut first = None;
        for prop in self.props_with_id(id) {
            if let Some(text) = prop.text() {
                if prop.tag.ty == PropType::PT_UNICODE {
                    return Some(text);
                }
                first.get_or_insert(text);
            }
        }
        first
    }

    /// The bytes of the binary property with this id.
    fn binary_prop(&self, id: u16) -> Option<Vec<u8>> {
        self.props_with_id(id).find_map(Prop::binary)
    }

    /// The number in the PT_LONG property with this id.
    fn long_prop(&self, id: u16) -> Option<i32> {
        self.props_with_id(id).find_map(Prop::long)
    }

    /// The value named `name` (case-insensitive, as Windows compares).
    fn named_value(&self, name: &str) -> Option<&NamedValue> {
        let wanted = fold(name);
        self.named().iter().find(|v| fold(&v.name) == wanted)
    }
}

impl Values for Section {
    fn props(&self) -> &[Prop] {
        &self.props
    }
    fn named(&self) -> &[NamedValue] {
        &self.named
    }
}

impl Values for SubKey {
    fn props(&self) -> &[Prop] {
        &self.props
    }
    fn named(&self) -> &[NamedValue] {
        &self.named
    }
}

impl Profile {
    /// The section with this UID.
    pub fn section(&self, uid: &Uid) -> Option<&Section> {
        self.sections.iter().find(|s| &s.uid == uid)
    }
}

/// Limits for reading profiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The most profiles (over all users and roots) read before giving up
    /// with [`Error::TooLarge`].
    pub max_profiles: usize,
    /// The input size cap passed to the `.reg` reader ([`ProfileSet::parse`]).
    pub max_input_bytes: u64,
}

impl ReadOptions {
    /// 10 000 profiles, 512 MiB of input.
    pub const DEFAULT_MAX_PROFILES: usize = 10_000;
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_profiles: ReadOptions::DEFAULT_MAX_PROFILES,
            max_input_bytes: ParseOptions::DEFAULT_MAX_INPUT_BYTES,
        }
    }
}

impl ProfileSet {
    /// Reads the profiles of a parsed export with the default limits.
    pub fn from_reg(file: &RegFile) -> Result<ProfileSet, Error> {
        ProfileSet::from_reg_with(file, &ReadOptions::default())
    }

    /// Reads an export's bytes leniently (bad lines are skipped, as
    /// regedit's import skips them) with the default limits.
    pub fn parse(bytes: &[u8]) -> Result<ProfileSet, Error> {
        ProfileSet::parse_with(bytes, &ReadOptions::default())
    }

    /// [`parse`](ProfileSet::parse) with the given limits.
    pub fn parse_with(bytes: &[u8], options: &ReadOptions) -> Result<ProfileSet, Error> {
        let parse = ParseOptions::new()
            .lenient(true)
            .max_input_bytes(options.max_input_bytes);
        let file = RegFile::parse_with(bytes, &parse)?;
        ProfileSet::from_reg_with(&file, options)
    }

    /// Reads the profiles of a parsed export.
    pub fn from_reg_with(file: &RegFile, options: &ReadOptions) -> Result<ProfileSet, Error> {
        let _span = tracing::debug_span!("profiles_from_reg", keys = file.key_count()).entered();
        let keys = merge_keys(file);
        build(keys, options)
    }

    /// Every profile with its user and root.
    pub fn profiles(&self) -> impl Iterator<Item = (&User, &ProfileRoot, &Profile)> {
        self.users.iter().flat_map(|u| {
            u.roots
                .iter()
                .flat_map(move |r| r.profiles.iter().map(move |p| (u, r, p)))
        })
    }

    /// The number of profiles over all users and roots.
    pub fn profile_count(&self) -> usize {
        self.users
            .iter()
            .flat_map(|u| &u.roots)
            .map(|r| r.profiles.len())
            .sum()
    }
}

/// Upper-cases each character on its own, as Windows compares key and
/// value names (olkit-regfile's rule, so that both agree).
pub(crate) use olkit_regfile::fold_name as fold;

/// One key as importing the file leaves it.
struct MergedKey {
    path: String,
    line: usize,
    values: Vec<Option<(String, usize, Value)>>,
    /// Slots by folded name, built once a key has more values than a
    /// linear search should scan (profile sections have a few dozen).
    by_name: Option<HashMap<String, usize>>,
}

/// Keys with more values than this are searched through a map.
const LINEAR_SEARCH_MAX: usize = 64;

/// Whether two names are the same name to Windows.
fn same_name(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        fold(a) == fold(b)
    }
}

impl MergedKey {
    fn slot_of(&self, name: &str) -> Option<usize> {
        match &self.by_name {
            Some(map) => map.get(&fold(name)).copied(),
            None => self
                .values
                .iter()
                .position(|v| matches!(v, Some((n, _, _)) if same_name(n, name))),
        }
    }

    fn set(&mut self, item: (String, usize, Value)) {
        if let Some(slot) = self.slot_of(&item.0) {
            if let Some(existing) = self.values.get_mut(slot) {
                *existing = Some(item);
            }
            return;
        }
        let folded = self.by_name.as_ref().map(|_| fold(&item.0));
        self.values.push(Some(item));
        let slot = self.values.len().saturating_sub(1);
        match (&mut self.by_name, folded) {
            (Some(map), Some(folded)) => {
                map.insert(folded, slot);
            }
            _ if self.values.len() > LINEAR_SEARCH_MAX => {
                let map = self
                    .values
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| v.as_ref().map(|(n, _, _)| (fold(n), i)))
                    .collect();
                self.by_name = Some(map);
            }
            _ => {}
        }
    }

    fn delete(&mut self, name: &str) {
        let slot = match &mut self.by_name {
            Some(map) => map.remove(&fold(name)),
            None => self.slot_of(name),
        };
        if let Some(existing) = slot.and_then(|slot| self.values.get_mut(slot)) {
            *existing = None;
        }
    }
}

/// The keys of the file as importing it leaves them, in the order they
/// first appear.
fn merge_keys(file: &RegFile) -> Vec<MergedKey> {
    let mut keys: Vec<Option<MergedKey>> = Vec::new();
    let mut by_path: BTreeMap<String, usize> = BTreeMap::new();
    for key in file.keys() {
        let folded = fold(key.path().trim_end_matches('\\'));
        if key.is_deletion() {
            // `[-KEY]` removes the key and everything below it.
            let below = format!("{folded}\\");
            let doomed: Vec<String> = by_path
                .range(folded.clone()..)
                .take_while(|(p, _)| **p == folded || p.starts_with(&below))
                .map(|(p, _)| p.clone())
                .collect();
            for path in doomed {
                if let Some(index) = by_path.remove(&path) {
                    if let Some(slot) = keys.get_mut(index) {
                        *slot = None;
                    }
                }
            }
            continue;
        }
        let index = match by_path.get(&folded) {
            Some(&i) => i,
            None => {
                keys.push(Some(MergedKey {
                    path: key.path().trim_end_matches('\\').to_string(),
                    line: key.line(),
                    values: Vec::new(),
                    by_name: None,
                }));
                let i = keys.len().saturating_sub(1);
                by_path.insert(folded, i);
                i
            }
        };
        let Some(Some(merged)) = keys.get_mut(index) else {
            continue;
        };
        if merged.line == 0 {
            merged.line = key.line();
        }
        for entry in key.entries() {
            match entry.value() {
                Some(value) => {
                    merged.set((entry.name().to_string(), entry.line(), value.clone()));
                }
                None => merged.delete(entry.name()),
            }
        }
    }
    keys.into_iter().flatten().collect()
}

/// Where a key sits in the profile layout.
enum Place<'a> {
    /// `...\Office\<version>\Outlook` (holds DefaultProfile).
    OutlookKey { root: String },
    /// A key at or below a `Profiles` key; `below` are the components
    /// under it.
    Profiles {
        root: String,
        kind: RootKind,
        below: &'a [&'a str],
    },
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn is_version(text: &str) -> bool {
    let mut parts = text.split('.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(major), Some(minor), None) => {
            !major.is_empty()
                && !minor.is_empty()
                && major.bytes().all(|b| b.is_ascii_digit())
                && minor.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

/// The user part of a key path: (hive length in components, SID).
fn hive_of<'a>(comps: &[&'a str]) -> Option<(usize, Option<&'a str>)> {
    let first = comps.first()?;
    if eq(first, "HKEY_CURRENT_USER") || eq(first, "HKCU") {
        Some((1, None))
    } else if eq(first, "HKEY_USERS") || eq(first, "HKU") {
        comps.get(1).map(|sid| (2, Some(*sid)))
    } else {
        None
    }
}

fn place<'a>(comps: &'a [&'a str], hive_len: usize) -> Option<Place<'a>> {
    let rest = comps.get(hive_len..)?;
    let starts =
        |words: &[&str]| rest.len() >= words.len() && rest.iter().zip(words).all(|(a, b)| eq(a, b));
    if starts(&["Software", "Microsoft", "Office"]) {
        let version = *rest.get(3)?;
        if !is_version(version) || !eq(rest.get(4)?, "Outlook") {
            return None;
        }
        let outlook_len = hive_len + 5;
        match rest.get(5) {
            None => Some(Place::OutlookKey {
                root: join(comps, outlook_len + 1, "Profiles"),
            }),
            Some(p) if eq(p, "Profiles") => Some(Place::Profiles {
                root: join(comps, outlook_len + 1, ""),
                kind: RootKind::Office {
                    version: version.to_string(),
                },
                below: comps.get(outlook_len + 1..)?,
            }),
            Some(_) => None,
        }
    } else if starts(&[
        "Software",
        "Microsoft",
        "Windows NT",
        "CurrentVersion",
        "Windows Messaging Subsystem",
        "Profiles",
    ]) {
        Some(Place::Profiles {
            root: join(comps, hive_len + 6, ""),
            kind: RootKind::Legacy,
            below: comps.get(hive_len + 6..)?,
        })
    } else {
        None
    }
}

/// The first `len` components joined, or the first `len - 1` and `last`
/// when `last` is not empty (the `Profiles` key of an `Outlook` key).
fn join(comps: &[&str], len: usize, last: &str) -> String {
    if last.is_empty() {
        comps.get(..len).unwrap_or(comps).join("\\")
    } else {
        let head = comps.get(..len.saturating_sub(1)).unwrap_or(comps);
        format!("{}\\{last}", head.join("\\"))
    }
}

fn split_values(values: Vec<Option<(String, usize, Value)>>) -> (Vec<Prop>, Vec<NamedValue>) {
    let mut props = Vec::new();
    let mut named = Vec::new();
    for (name, line, raw) in values.into_iter().flatten() {
        let tag = PropTag::parse(&name)
            .map(|tag| (tag, false))
            .or_else(|| PropTag::parse_protected(&name).map(|tag| (tag, true)));
        match tag {
            Some((tag, protected)) => props.push(Prop {
                tag,
                name,
                line,
                raw,
                protected,
            }),
            None => named.push(NamedValue { name, line, raw }),
        }
    }
    (props, named)
}

fn build(keys: Vec<MergedKey>, options: &ReadOptions) -> Result<ProfileSet, Error> {
    let mut set = ProfileSet::default();
    let mut users: HashMap<String, usize> = HashMap::new();
    // (user, folded root key) -> root index; (user, root, folded profile) -> profile index.
    let mut roots: HashMap<(usize, String), usize> = HashMap::new();
    let mut profiles: HashMap<(usize, usize, String), usize> = HashMap::new();
    let mut sections: HashMap<(usize, usize, usize, String), usize> = HashMap::new();
    // DefaultProfile values of Office `Outlook` keys, by (user, folded root key).
    let mut defaults: Vec<(usize, String, String, ValueRef)> = Vec::new();
    let mut profile_total = 0usize;

    for key in keys {
        let comps: Vec<&str> = key.path.split('\\').collect();
        let Some((hive_len, sid)) = hive_of(&comps) else {
            continue;
        };
        let Some(place) = place(&comps, hive_len) else {
            continue;
        };
        let hive = comps.get(..hive_len).unwrap_or_default().join("\\");
        let user_index = *users.entry(fold(&hive)).or_insert_with(|| {
            set.users.push(User {
                hive: hive.clone(),
                sid: sid.map(str::to_string),
                roots: Vec::new(),
            });
            set.users.len().saturating_sub(1)
        });
        let Some(user) = set.users.get_mut(user_index) else {
            continue;
        };
        let (root_key, kind, below) = match place {
            Place::OutlookKey { root } => {
                if let Some((at, Some(text))) = default_profile(&key) {
                    defaults.push((user_index, fold(&root), text, at));
                }
                continue;
            }
            Place::Profiles { root, kind, below } => (root, kind, below),
        };
        let root_index = *roots
            .entry((user_index, fold(&root_key)))
            .or_insert_with(|| {
                user.roots.push(ProfileRoot {
                    key: root_key.clone(),
                    kind: kind.clone(),
                    default_profile: None,
                    default_profile_at: None,
                    profiles: Vec::new(),
                });
                user.roots.len().saturating_sub(1)
            });
        let Some(root) = user.roots.get_mut(root_index) else {
            continue;
        };
        let Some((profile_name, below_profile)) = below.split_first() else {
            // The Profiles key itself: the legacy root keeps DefaultProfile here.
            if kind == RootKind::Legacy {
                if let Some((at, text)) = default_profile(&key) {
                    root.default_profile = text;
                    root.default_profile_at = Some(at);
                }
            }
            continue;
        };
        let profile_key = format!("{}\\{profile_name}", root.key);
        let profile_index = match profiles.get(&(user_index, root_index, fold(profile_name))) {
            Some(&i) => i,
            None => {
                profile_total = profile_total.saturating_add(1);
                if profile_total > options.max_profiles {
                    return Err(Error::TooLarge {
                        what: "profiles",
                        limit: u64::try_from(options.max_profiles).unwrap_or(u64::MAX),
                    });
                }
                root.profiles.push(Profile {
                    name: (*profile_name).to_string(),
                    key: profile_key.clone(),
                    line: 0,
                    is_default: false,
                    values: Vec::new(),
                    sections: Vec::new(),
                    other_keys: Vec::new(),
                });
                let i = root.profiles.len().saturating_sub(1);
                profiles.insert((user_index, root_index, fold(profile_name)), i);
                i
            }
        };
        let Some(profile) = root.profiles.get_mut(profile_index) else {
            continue;
        };
        let Some((section_name, below_section)) = below_profile.split_first() else {
            profile.line = key.line;
            let (props, mut named) = split_values(key.values);
            // The profile key has no properties of its own: keep any as named values.
            named.extend(props.into_iter().map(|p| NamedValue {
                name: p.name,
                line: p.line,
                raw: p.raw,
            }));
            profile.values = named;
            continue;
        };
        let Some(uid) = Uid::parse(section_name) else {
            let (props, named) = split_values(key.values);
            profile.other_keys.push(SubKey {
                name: below_profile.join("\\"),
                key: key.path.clone(),
                line: key.line,
                props,
                named,
            });
            continue;
        };
        let section_map_key = (user_index, root_index, profile_index, fold(section_name));
        let section_index = match sections.get(&section_map_key) {
            Some(&i) => i,
            None => {
                profile.sections.push(Section {
                    uid,
                    key: format!("{}\\{section_name}", profile.key),
                    line: 0,
                    props: Vec::new(),
                    named: Vec::new(),
                    subkeys: Vec::new(),
                });
                let i = profile.sections.len().saturating_sub(1);
                sections.insert(section_map_key, i);
                i
            }
        };
        let Some(section) = profile.sections.get_mut(section_index) else {
            continue;
        };
        let (props, named) = split_values(key.values);
        if below_section.is_empty() {
            section.line = key.line;
            section.props = props;
            section.named = named;
        } else {
            section.subkeys.push(SubKey {
                name: below_section.join("\\"),
                key: key.path.clone(),
                line: key.line,
                props,
                named,
            });
        }
    }

    for (user_index, root_fold, text, at) in defaults {
        let Some(user) = set.users.get_mut(user_index) else {
            continue;
        };
        match user.roots.iter_mut().find(|r| fold(&r.key) == root_fold) {
            Some(root) => {
                root.default_profile = Some(text);
                root.default_profile_at = Some(at);
            }
            None => {
                // DefaultProfile names a profile of a root the export does not hold.
                let version = at.key.rsplit('\\').nth(1).unwrap_or_default().to_string();
                user.roots.push(ProfileRoot {
                    key: format!("{}\\Profiles", at.key),
                    kind: RootKind::Office { version },
                    default_profile: Some(text),
                    default_profile_at: Some(at),
                    profiles: Vec::new(),
                });
            }
        }
    }
    for root in set.users.iter_mut().flat_map(|u| u.roots.iter_mut()) {
        if let Some(default) = root.default_profile.as_deref().map(fold) {
            for profile in &mut root.profiles {
                profile.is_default = fold(&profile.name) == default;
            }
        }
    }
    Ok(set)
}

/// A key's DefaultProfile value: where it is, and its text when it has one.
fn default_profile(key: &MergedKey) -> Option<(ValueRef, Option<String>)> {
    let (name, line, value) = key
        .values
        .iter()
        .flatten()
        .find(|(n, _, _)| eq(n, "DefaultProfile"))?;
    let at = ValueRef {
        key: key.path.clone(),
        name: name.clone(),
        line: *line,
    };
    Some((at, value_text(value)))
}

/// The text of a value: a `REG_SZ`, or a `REG_BINARY` holding UTF-16LE
/// text up to its NUL (DefaultProfile, the Account Manager's strings).
fn value_text(value: &Value) -> Option<String> {
    match value.ty() {
        RegType::SZ | RegType::EXPAND_SZ => value.as_str().ok(),
        RegType::BINARY => utf16z_text(value.data()),
        _ => None,
    }
}
