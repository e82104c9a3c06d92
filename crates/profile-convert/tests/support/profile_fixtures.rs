//! Builds the profile fixtures of tests/fixtures/ the way regedit writes
//! exports (UTF-16LE with BOM, CRLF, keys parent first, hex lines wrapped),
//! through olkit-regfile's writer. `model.rs` checks that the committed
//! files are exactly what this builds; `regenerate_profile_fixtures`
//! (ignored) writes them again after a change here.
//!
//! The KOC identifiers are our best knowledge, not vendor-published:
//! PR_SERVICE_NAME "KERIO_KOC" and DLL "koc.dll" follow the shape of the
//! KOFF service in examples/outlook-profiles.reg ("KERIO_KOFF", "koff.dll").

#![allow(dead_code)]

use olkit_regfile::{Format, RegFile, Value};

/// A fixture's file name and its builder.
pub(crate) type Fixture = (&'static str, fn() -> RegFile);

pub(crate) const FIXTURES: [Fixture; 3] = [
    ("kerio-one-user.reg", kerio_one_user),
    ("two-users-both-roots.reg", two_users),
    ("damaged.reg", damaged),
];

pub(crate) const OFFICE16: &str = r"HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Outlook";
pub(crate) const SID_A: &str = "S-1-5-21-1004336348-1177238915-682003330-1001";
pub(crate) const SID_B: &str = "S-1-5-21-1004336348-1177238915-682003330-1002";

pub(crate) const GLOBAL: &str = "9207f3e0a3b11019908b08002b2a56c2";
pub(crate) const OUTLOOK: &str = "0a0d020000000000c000000000000046";
pub(crate) const ACCOUNTS: &str = "9375CFF0413111d3B88A00104B2A6676";

pub(crate) const KOC_SVC: &str = "6e1c2a0b9f3d4e8aa1b2c3d4e5f60718";
pub(crate) const KOC_STORE: &str = "7a41c9e2035b4d6f8e91a2b3c4d5e6f7";
pub(crate) const KOC_XP: &str = "8b52dae3146c4e70af02b3c4d5e6f708";
pub(crate) const PST_SVC: &str = "a2b3c4d5e6f708192a3b4c5d6e7f8091";
pub(crate) const PST_STORE: &str = "b3c4d5e6f708192a3b4c5d6e7f8091a2";
pub(crate) const EX_SVC: &str = "5f3c0e1a7b2d4c69b8e0a1f2c3d4e5f6";
pub(crate) const EX_STORE: &str = "c4d5e6f708192a3b4c5d6e7f8091a2b3";
pub(crate) const EX_AB: &str = "d5e6f708192a3b4c5d6e7f8091a2b3c4";
pub(crate) const EX_XP: &str = "e6f708192a3b4c5d6e7f8091a2b3c4d5";
/// UIDs the damaged fixture names without sections.
pub(crate) const MISSING_STORE: &str = "0badc0de0badc0de0badc0de00000001";
pub(crate) const MISSING_SVC: &str = "0badc0de0badc0de0badc0de00000002";
pub(crate) const MISSING_OWNER: &str = "0badc0de0badc0de0badc0de00000003";
pub(crate) const MISSING_DEFAULT: &str = "0badc0de0badc0de0badc0de00000004";
pub(crate) const MISSING_ACCOUNT_SVC: &str = "0badc0de0badc0de0badc0de00000005";

pub(crate) const CLSID_POP3: &str = "{ED475411-B0D6-11D2-8C3B-00104B2A6676}";
pub(crate) const CLSID_IMAP: &str = "{ED475412-B0D6-11D2-8C3B-00104B2A6676}";
pub(crate) const CLSID_MAPI: &str = "{ED475414-B0D6-11D2-8C3B-00104B2A6676}";
pub(crate) const CLSID_LDAP: &str = "{4DB5CBF2-3B77-4852-BC8E-BB81908861F3}";
pub(crate) const ORDER_MAIL: &str = "{ED475418-B0D6-11D2-8C3B-00104B2A6676}";
pub(crate) const ORDER_AB: &str = "{ED475419-B0D6-11D2-8C3B-00104B2A6676}";

/// Value data the way MAPI stores it.
pub(crate) fn unicode(text: &str) -> Value {
    let mut data: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    data.extend_from_slice(&[0, 0]);
    Value::binary(data)
}
pub(crate) fn string8(text: &str) -> Value {
    let mut data = text.as_bytes().to_vec();
    data.push(0);
    Value::binary(data)
}
pub(crate) fn long(n: u32) -> Value {
    Value::binary(n.to_le_bytes().to_vec())
}
pub(crate) fn uid_bytes(hex: &str) -> Vec<u8> {
    (0..16)
        .map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).unwrap())
        .collect()
}
pub(crate) fn uids(list: &[&str]) -> Value {
    Value::binary(list.iter().flat_map(|u| uid_bytes(u)).collect())
}
pub(crate) fn ids(list: &[u32]) -> Value {
    Value::binary(list.iter().flat_map(|n| n.to_le_bytes()).collect())
}
/// A stand-in for an encrypted password blob: bytes no decoder can read.
pub(crate) fn blob(seed: u8) -> Value {
    Value::binary(
        (0..40u8)
            .map(|i| i.wrapping_mul(37).wrapping_add(seed))
            .collect(),
    )
}

struct Builder {
    file: RegFile,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            file: RegFile::new(Format::Regedit5),
        }
    }
    fn key(&mut self, path: &str) {
        self.file.add_key(path).unwrap();
    }
    fn set(&mut self, key: &str, name: &str, value: Value) {
        self.file.add_key(key).unwrap();
        self.file.set_value(key, name, value).unwrap();
    }
    /// A profile: its key, then its sections sorted as regedit lists them.
    fn profile(&mut self, root: &str, name: &str, sections: Vec<(&str, Vec<(&str, Value)>)>) {
        let profile = format!(r"{root}\{name}");
        self.key(&profile);
        let mut sections = sections;
        sections.sort_by_key(|(uid, _)| uid.to_ascii_lowercase());
        for (uid, values) in sections {
            let key = format!(r"{profile}\{uid}");
            self.key(&key);
            for (value_name, value) in values {
                self.set(&key, value_name, value);
            }
        }
    }
    fn accounts(
        &mut self,
        root: &str,
        profile: &str,
        manager: Vec<(&str, Value)>,
        accounts: Vec<(&str, Vec<(&str, Value)>)>,
    ) {
        let key = format!(r"{root}\{profile}\{ACCOUNTS}");
        self.key(&key);
        for (name, value) in manager {
            self.set(&key, name, value);
        }
        for (id, values) in accounts {
            let sub = format!(r"{key}\{id}");
            self.key(&sub);
            for (name, value) in values {
                self.set(&sub, name, value);
            }
        }
    }
}

fn koc_sections() -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
    vec![
        (
            KOC_SVC,
            vec![
                ("00033009", long(0)),
                ("001e3001", string8("Kerio Outlook Connector")),
                ("001e3d09", string8("KERIO_KOC")),
                ("001e3d0a", string8("koc.dll")),
                ("001e3d0b", string8("ServiceEntry")),
                ("001f6602", unicode("mail.example.com")),
                ("001f6603", unicode("jane.doe")),
                ("000b6606", Value::binary(vec![1, 0])),
                ("01023d00", uids(&[KOC_STORE])),
                ("01023d02", uids(&[KOC_XP])),
                ("01023d0c", uids(&[KOC_SVC])),
                ("010267f0", blob(7)),
            ],
        ),
        (
            KOC_STORE,
            vec![
                ("00033009", long(0x2)),
                ("00033e03", long(33)),
                ("001e300a", string8("koc.dll")),
                ("001f3001", unicode("Kerio Mailbox - Jane Doe")),
                ("01023d0c", uids(&[KOC_SVC])),
            ],
        ),
        (
            KOC_XP,
            vec![
                ("00033e03", long(36)),
                ("001e300a", string8("koc.dll")),
                ("001f3001", unicode("Kerio Transport")),
                ("01023d0c", uids(&[KOC_SVC])),
            ],
        ),
    ]
}

fn pst_sections(path: &str) -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
    vec![
        (
            PST_SVC,
            vec![
                ("001e3001", string8("Outlook Data File")),
                ("001e3d09", string8("MSUPST MS")),
                ("001e3d0a", string8("mspst.dll")),
                ("01023d00", uids(&[PST_STORE])),
                ("01023d0c", uids(&[PST_SVC])),
            ],
        ),
        (
            PST_STORE,
            vec![
                ("00033e03", long(33)),
                ("001e300a", string8("mspst.dll")),
                ("001f3001", unicode("Archive")),
                ("001f6700", unicode(path)),
                ("01023d0c", uids(&[PST_SVC])),
            ],
        ),
    ]
}

fn exchange_sections() -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
    vec![
        (
            EX_SVC,
            vec![
                ("001e3001", string8("Microsoft Exchange")),
                ("001e3d09", string8("MSEMS")),
                ("001e3d0a", string8("emsui.dll")),
                (
                    "001f6610",
                    unicode(r"C:\Users\jane\AppData\Local\Microsoft\Outlook\jane@corp.example.ost"),
                ),
                ("01023d00", uids(&[EX_STORE])),
                ("01023d01", uids(&[EX_AB])),
                ("01023d02", uids(&[EX_XP])),
                ("01023d0c", uids(&[EX_SVC])),
            ],
        ),
        (
            EX_STORE,
            vec![
                ("00033e03", long(33)),
                ("001e300a", string8("emsmdb.dll")),
                ("001f3001", unicode("Mailbox - Jane Doe")),
                ("01023d0c", uids(&[EX_SVC])),
            ],
        ),
        (
            EX_AB,
            vec![
                ("00033e03", long(35)),
                ("001e300a", string8("emsabp.dll")),
                ("001f3001", unicode("Microsoft Exchange Address Book")),
                ("01023d0c", uids(&[EX_SVC])),
            ],
        ),
        (
            EX_XP,
            vec![
                ("00033e03", long(36)),
                ("001e300a", string8("emsmdb.dll")),
                ("001f3001", unicode("Microsoft Exchange Transport")),
                ("01023d0c", uids(&[EX_SVC])),
            ],
        ),
    ]
}

/// (1) One user, the Office 16 root, profile "Kerio" (KOC + PST +
/// Exchange services; KOC, IMAP, POP3, Exchange and LDAP accounts) and
/// profile "Outlook" (a PST only); "Kerio" is the default.
pub(crate) fn kerio_one_user() -> RegFile {
    let mut b = Builder::new();
    let root = format!(r"{OFFICE16}\Profiles");
    b.set(OFFICE16, "DefaultProfile", Value::string("Kerio"));
    b.key(&root);
    let mut sections = koc_sections();
    sections.extend(pst_sections(
        r"C:\Users\jane\Documents\Outlook Files\archive.pst",
    ));
    sections.extend(exchange_sections());
    sections.push((
        GLOBAL,
        vec![
            ("01023d00", uids(&[KOC_STORE, PST_STORE, EX_STORE])),
            ("01023d01", uids(&[EX_AB])),
            ("01023d02", uids(&[KOC_XP, EX_XP])),
            ("01023d0e", uids(&[KOC_SVC, PST_SVC, EX_SVC])),
        ],
    ));
    sections.push((
        OUTLOOK,
        vec![
            ("001f0324", unicode("Kerio")),
            ("01023d15", uids(&[KOC_STORE])),
        ],
    ));
    b.profile(&root, "Kerio", sections);
    b.accounts(
        &root,
        "Kerio",
        vec![
            (
                "LastChangeVer",
                Value::binary(vec![0x0c, 0, 0, 0, 0, 0, 0, 0]),
            ),
            ("NextAccountID", Value::dword(6)),
            (ORDER_MAIL, ids(&[1, 2, 3, 4])),
            (ORDER_AB, ids(&[5])),
        ],
        vec![
            (
                "00000001",
                vec![
                    ("Account Name", unicode("jane.doe@example.com")),
                    ("clsid", Value::string(CLSID_MAPI)),
                    ("Email", unicode("jane.doe@example.com")),
                    ("Mini UID", Value::dword(0x3c1e_2f3a)),
                    ("Service UID", uids(&[KOC_SVC])),
                ],
            ),
            (
                "00000002",
                vec![
                    ("Account Name", unicode("Home IMAP")),
                    ("clsid", Value::string(CLSID_IMAP)),
                    ("Email", unicode("jane@example.org")),
                    ("IMAP Password", blob(11)),
                    ("IMAP Port", Value::dword(993)),
                    ("IMAP Server", unicode("imap.example.org")),
                    ("IMAP Use SSL", Value::dword(1)),
                    ("IMAP User", unicode("jane")),
                    ("SMTP Server", unicode("smtp.example.org")),
                ],
            ),
            (
                "00000003",
                vec![
                    ("Account Name", unicode("Old POP3")),
                    ("clsid", Value::string(CLSID_POP3)),
                    ("Email", unicode("jdoe@example.net")),
                    ("POP3 Password", blob(13)),
                    ("POP3 Port", Value::dword(995)),
                    ("POP3 Server", unicode("pop.example.net")),
                    ("POP3 User", unicode("jdoe")),
                    ("SMTP Server", unicode("smtp.example.net")),
                ],
            ),
            (
                "00000004",
                vec![
                    ("Account Name", unicode("jane@corp.example")),
                    ("clsid", Value::string(CLSID_MAPI)),
                    ("Email", unicode("jane@corp.example")),
                    ("Service UID", uids(&[EX_SVC])),
                ],
            ),
            (
                "00000005",
                vec![
                    ("Account Name", unicode("Company directory")),
                    ("clsid", Value::string(CLSID_LDAP)),
                    ("LDAP Server", unicode("ldap.corp.example")),
                ],
            ),
        ],
    );
    let mut outlook = pst_sections(r"C:\Users\jane\Documents\Outlook Files\Outlook.pst");
    outlook.push((
        GLOBAL,
        vec![
            ("01023d00", uids(&[PST_STORE])),
            ("01023d0e", uids(&[PST_SVC])),
        ],
    ));
    outlook.push((OUTLOOK, vec![("01023d15", uids(&[PST_STORE]))]));
    b.profile(&root, "Outlook", outlook);
    b.file
}

/// (2) HKEY_USERS with two SIDs: the first with an Office 15 root whose
/// strings are REG_SZ ("Work": KOC + IMAP), the second with the legacy
/// root ("MS Exchange Settings": a PST, strings in REG_BINARY) and its
/// DefaultProfile in the Profiles key.
pub(crate) fn two_users() -> RegFile {
    let mut b = Builder::new();
    let outlook = format!(r"HKEY_USERS\{SID_A}\Software\Microsoft\Office\15.0\Outlook");
    let root = format!(r"{outlook}\Profiles");
    b.set(&outlook, "DefaultProfile", Value::string("Work"));
    b.key(&root);
    let sz = Value::string;
    b.profile(
        &root,
        "Work",
        vec![
            (
                KOC_SVC,
                vec![
                    ("001e3001", sz("Kerio Outlook Connector")),
                    ("001e3d09", sz("KERIO_KOC")),
                    ("001e3d0a", sz("koc.dll")),
                    ("001f6602", sz("mail.example.com")),
                    ("01023d0c", uids(&[KOC_SVC])),
                    ("010267f1", blob(3)),
                ],
            ),
            (
                KOC_STORE,
                vec![
                    ("00033e03", long(33)),
                    ("001e300a", sz("koc.dll")),
                    ("001f3001", sz("Kerio Mailbox - Joe Bloggs")),
                    ("01023d0c", uids(&[KOC_SVC])),
                ],
            ),
            (
                GLOBAL,
                vec![
                    ("01023d00", uids(&[KOC_STORE])),
                    ("01023d0e", uids(&[KOC_SVC])),
                ],
            ),
            (OUTLOOK, vec![("01023d15", uids(&[KOC_STORE]))]),
        ],
    );
    b.accounts(
        &root,
        "Work",
        vec![
            ("NextAccountID", Value::dword(3)),
            (ORDER_MAIL, ids(&[1, 2])),
        ],
        vec![
            (
                "00000001",
                vec![
                    ("Account Name", sz("joe@example.com")),
                    ("clsid", sz(CLSID_MAPI)),
                    ("Service UID", uids(&[KOC_SVC])),
                ],
            ),
            (
                "00000002",
                vec![
                    ("Account Name", sz("Private")),
                    ("clsid", sz(CLSID_IMAP)),
                    ("IMAP Server", sz("imap.example.org")),
                    ("IMAP User", sz("joe")),
                ],
            ),
        ],
    );

    let legacy = format!(
        r"HKEY_USERS\{SID_B}\Software\Microsoft\Windows NT\CurrentVersion\Windows Messaging Subsystem\Profiles"
    );
    b.set(
        &legacy,
        "DefaultProfile",
        Value::string("MS Exchange Settings"),
    );
    let mut sections = pst_sections(
        r"C:\Documents and Settings\ann\Local Settings\Application Data\Microsoft\Outlook\Personal Folders.pst",
    );
    sections.push((
        GLOBAL,
        vec![
            ("01023d00", uids(&[PST_STORE])),
            ("01023d0e", uids(&[PST_SVC])),
        ],
    ));
    sections.push((OUTLOOK, vec![("01023d15", uids(&[PST_STORE]))]));
    b.profile(&legacy, "MS Exchange Settings", sections);
    b.accounts(
        &legacy,
        "MS Exchange Settings",
        vec![(ORDER_MAIL, ids(&[1]))],
        vec![(
            "00000001",
            vec![
                ("Account Name", unicode("ann@example.net")),
                ("clsid", Value::string(CLSID_POP3)),
                ("POP3 Server", unicode("pop.example.net")),
                ("POP3 User", unicode("ann")),
            ],
        )],
    );
    b.file
}

/// (3) A damaged export. Profile "Broken": the store list and PR_SERVICES
/// name missing sections, a provider's PR_SERVICE_UID names a missing
/// service, the default store names a missing section, two store
/// providers are flagged STATUS_DEFAULT_STORE, an account belongs to a
/// missing service, the order list names a missing account, and the
/// transport list is 20 bytes. Profile "Broken2": the default store value
/// holds two UIDs.
pub(crate) fn damaged() -> RegFile {
    let mut b = Builder::new();
    let root = format!(r"{OFFICE16}\Profiles");
    b.set(OFFICE16, "DefaultProfile", Value::string("Broken"));
    b.key(&root);
    let mut sections = koc_sections();
    sections.extend(pst_sections(
        r"C:\Users\jane\Documents\Outlook Files\archive.pst",
    ));
    // The PST store claims to be the default store too.
    if let Some((_, values)) = sections.iter_mut().find(|(uid, _)| *uid == PST_STORE) {
        values.insert(0, ("00033009", long(0x2)));
    }
    sections.push((
        EX_STORE,
        vec![
            ("00033e03", long(33)),
            ("001f3001", unicode("Orphan store")),
            ("01023d0c", uids(&[MISSING_OWNER])),
        ],
    ));
    sections.push((
        GLOBAL,
        vec![
            ("01023d00", uids(&[KOC_STORE, MISSING_STORE, PST_STORE])),
            ("01023d02", Value::binary(vec![0x11; 20])),
            ("01023d0e", uids(&[KOC_SVC, PST_SVC, MISSING_SVC])),
        ],
    ));
    sections.push((OUTLOOK, vec![("01023d15", uids(&[MISSING_DEFAULT]))]));
    b.profile(&root, "Broken", sections);
    b.accounts(
        &root,
        "Broken",
        vec![(ORDER_MAIL, ids(&[1, 7]))],
        vec![(
            "00000001",
            vec![
                ("Account Name", unicode("lost")),
                ("clsid", Value::string(CLSID_MAPI)),
                ("Service UID", uids(&[MISSING_ACCOUNT_SVC])),
            ],
        )],
    );
    let mut sections = pst_sections(r"C:\Users\jane\Documents\Outlook Files\two.pst");
    sections.push((
        GLOBAL,
        vec![
            ("01023d00", uids(&[PST_STORE])),
            ("01023d0e", uids(&[PST_SVC])),
        ],
    ));
    sections.push((OUTLOOK, vec![("01023d15", uids(&[PST_STORE, PST_SVC]))]));
    b.profile(&root, "Broken2", sections);
    b.file
}
