//! The package reader against msitools' own view of real packages built at
//! test time (`wixl`, `msibuild`), read back with `msiinfo`.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::path::Path;

use olkit_msi_query::{
    decode_stream_name, encode_stream_name, pid, Column, ColumnType, Error, Package, PackageKind,
    SummaryValue, Table, Value,
};

/// The IDT type code of a column (`s72`, `L0`, `i2`, `V0`, ...).
fn idt_type(ty: ColumnType) -> String {
    let nullable = ty.is_nullable();
    let (letter, size) = if ty.is_stream() {
        ('v', 0)
    } else if ty.is_string() {
        (if ty.is_localizable() { 'l' } else { 's' }, ty.size())
    } else {
        ('i', ty.size())
    };
    let letter = if nullable {
        letter.to_ascii_uppercase()
    } else {
        letter
    };
    format!("{letter}{size}")
}

fn cell_text(table: &Table, row: usize, col: usize) -> String {
    match table.value(row, col).unwrap() {
        Value::Null => String::new(),
        Value::Int(i) => i.to_string(),
        Value::Str(s) => s.to_owned(),
        Value::Stream => table.stream_name(row, col).unwrap(),
    }
}

/// Renders a table as `msiinfo export` does (header lines, then rows, CR
/// LF), for values without tabs or line breaks.
fn render_idt(table: &Table) -> String {
    let columns: &[Column] = table.columns();
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let types: Vec<String> = columns.iter().map(|c| idt_type(c.ty)).collect();
    let mut keys = vec![table.name()];
    keys.extend(
        columns
            .iter()
            .filter(|c| c.ty.is_key())
            .map(|c| c.name.as_str()),
    );
    let mut out = format!(
        "{}\r\n{}\r\n{}\r\n",
        names.join("\t"),
        types.join("\t"),
        keys.join("\t")
    );
    for row in 0..table.row_count() {
        let fields: Vec<String> = (0..columns.len())
            .map(|col| cell_text(table, row, col))
            .collect();
        out.push_str(&fields.join("\t"));
        out.push_str("\r\n");
    }
    out
}

fn assert_tables_match_msiinfo(path: &Path) {
    let package = Package::open(path).unwrap();
    let names = package.table_names().unwrap();
    assert_eq!(names, support::msiinfo_tables(path));
    for name in &names {
        let table = package.table(name).unwrap();
        let expected = String::from_utf8(support::msiinfo_export(path, name)).unwrap();
        assert_eq!(render_idt(&table), expected, "table {name}");
        assert_eq!(&package.columns(name).unwrap(), table.columns());
    }
}

#[test]
fn fixtures_build() {
    let (_dir, path) = support::sample_msi();
    assert!(support::msiinfo_tables(&path)
        .iter()
        .any(|t| t == "Property"));
    let (_dir, path) = support::msibuild_from_idt(
        &[(
            "Property.idt",
            &support::idt(
                "Property\tValue",
                "s72\tl0",
                "Property\tProperty",
                &["A\tone", "B\ttwo"],
            ),
        )],
        &["Title"],
    );
    assert!(
        String::from_utf8_lossy(&support::msiinfo_export(&path, "Property")).contains("B\ttwo")
    );
}

#[test]
fn sample_opens_and_reads_properties() {
    let (_dir, path) = support::sample_msi();
    let package = Package::open(&path).unwrap();
    assert_eq!(package.kind(), PackageKind::Database);
    assert_eq!(
        package.property("ProductVersion").unwrap().as_deref(),
        Some(support::SAMPLE_VERSION)
    );
    assert_eq!(
        package.property("ProductCode").unwrap().as_deref(),
        Some(support::SAMPLE_PRODUCT_CODE)
    );
    assert_eq!(package.property("NoSuchProperty").unwrap(), None);
    // Names are case-sensitive.
    assert_eq!(package.property("productversion").unwrap(), None);
    // The fast path decodes no table.
    assert!(package.cached_tables().is_empty());
    let property = package.table("Property").unwrap();
    assert_eq!(package.cached_tables(), ["Property"]);
    let value = property.column_index("Value").unwrap();
    let key = property.column_index("Property").unwrap();
    let row = (0..property.row_count())
        .find(|&r| property.value(r, key) == Some(Value::Str("UpgradeCode")))
        .unwrap();
    assert_eq!(
        property.value(row, value),
        Some(Value::Str(support::SAMPLE_UPGRADE_CODE))
    );
    // Once the table is cached, property() answers from it the same way.
    assert_eq!(
        package.property("ProductVersion").unwrap().as_deref(),
        Some(support::SAMPLE_VERSION)
    );
    assert!(std::sync::Arc::ptr_eq(
        &property,
        &package.table("Property").unwrap()
    ));
}

#[test]
fn every_sample_table_matches_msiinfo_export() {
    let (_dir, path) = support::sample_msi();
    assert_tables_match_msiinfo(&path);
}

#[test]
fn properties_agree_with_the_property_table() {
    let (_dir, path) = support::sample_msi();
    let package = Package::open(&path).unwrap();
    let export = String::from_utf8(support::msiinfo_export(&path, "Property")).unwrap();
    for line in export.lines().skip(3) {
        let (name, value) = line.split_once('\t').unwrap();
        assert_eq!(
            package.property(name).unwrap().as_deref(),
            Some(value),
            "{name}"
        );
    }
}

#[test]
fn virtual_tables() {
    let (_dir, path) = support::sample_msi();
    let package = Package::open(&path).unwrap();
    let tables = package.table("_Tables").unwrap();
    assert_eq!(tables.columns().len(), 1);
    let names: Vec<String> = (0..tables.row_count())
        .map(|r| cell_text(&tables, r, 0))
        .collect();
    assert_eq!(names, package.table_names().unwrap());

    let columns = package.table("_Columns").unwrap();
    let header: Vec<&str> = columns.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(header, ["Table", "Number", "Name", "Type"]);
    // Every (table, number) row agrees with columns().
    let mut seen = 0;
    for row in 0..columns.row_count() {
        let table = cell_text(&columns, row, 0);
        let Value::Int(number) = columns.value(row, 1).unwrap() else {
            panic!("Number is an integer")
        };
        let defined = package.columns(&table).unwrap();
        let column = &defined[number as usize - 1];
        assert_eq!(column.name, cell_text(&columns, row, 2));
        assert_eq!(
            Value::Int(i32::from(column.ty.bits())),
            columns.value(row, 3).unwrap()
        );
        seen += 1;
    }
    let total: usize = package
        .table_names()
        .unwrap()
        .iter()
        .map(|t| package.columns(t).unwrap().len())
        .sum();
    assert_eq!(seen, total);

    let streams = package.table("_Streams").unwrap();
    let listed: Vec<String> = (0..streams.row_count())
        .map(|r| cell_text(&streams, r, 0))
        .collect();
    assert_eq!(listed, support::msiinfo_streams(&path));
    assert_eq!(listed, package.stream_names().unwrap());
    assert!((0..streams.row_count()).all(|r| streams.value(r, 1) == Some(Value::Stream)));
    assert_eq!(package.table("_Storages").unwrap().row_count(), 0);
    assert!(matches!(
        package.table("NoSuchTable"),
        Err(Error::NoSuchTable { name }) if name == "NoSuchTable"
    ));
    assert!(matches!(
        package.table("property"),
        Err(Error::NoSuchTable { .. })
    ));
}

#[test]
fn streams_match_msiinfo_and_the_sources() {
    let (dir, path) = support::sample_msi();
    let package = Package::open(&path).unwrap();
    let names = package.stream_names().unwrap();
    assert_eq!(names, support::msiinfo_streams(&path));
    assert!(names.contains(&"\u{5}SummaryInformation".to_owned()));
    let icon = package.read_stream("Icon.app.ico").unwrap();
    assert_eq!(icon, std::fs::read(dir.path().join("app.ico")).unwrap());
    let bits = package.read_stream("Binary.CustomBits").unwrap();
    assert_eq!(bits, std::fs::read(dir.path().join("bits.bin")).unwrap());
    // The Binary table's stream cell names that stream.
    let binary = package.table("Binary").unwrap();
    let data = binary.column_index("Data").unwrap();
    assert_eq!(
        binary.stream_name(0, data).as_deref(),
        Some("Binary.CustomBits")
    );
    assert!(matches!(
        package.read_stream("Binary.Missing"),
        Err(Error::NoSuchStream { .. })
    ));
    assert!(package.storage_names().unwrap().is_empty());
}

/// `msiinfo suminfo` (run with TZ=UTC), rendered from our summary.
fn render_suminfo(package: &Package) -> String {
    let summary = package.summary_info().unwrap();
    let labels = [
        (pid::TITLE, "Title"),
        (pid::SUBJECT, "Subject"),
        (pid::AUTHOR, "Author"),
        (pid::KEYWORDS, "Keywords"),
        (pid::COMMENTS, "Comments"),
        (pid::TEMPLATE, "Template"),
        (pid::LAST_SAVED_BY, "Last author"),
        (pid::REVISION_NUMBER, "Revision number (UUID)"),
        (10, "Edittime"),
        (pid::LAST_PRINTED, "Last printed"),
        (pid::CREATE_TIME, "Created"),
        (pid::LAST_SAVE_TIME, "Last saved"),
        (pid::PAGE_COUNT, "Version"),
        (pid::WORD_COUNT, "Source"),
        (pid::CHARACTER_COUNT, "Restrict"),
        (17, "Thumbnail"),
        (pid::CREATING_APPLICATION, "Application"),
        (pid::SECURITY, "Security"),
    ];
    let mut out = String::new();
    for (id, label) in labels {
        let Some(value) = summary.get(id) else {
            continue;
        };
        match value {
            SummaryValue::Empty => {}
            SummaryValue::I2(v) => out.push_str(&format!("{label}: {v} ({v:x})\n")),
            SummaryValue::I4(v) => out.push_str(&format!("{label}: {v} ({v:x})\n")),
            SummaryValue::Str(s) => out.push_str(&format!("{label}: {s}\n")),
            SummaryValue::FileTime(t) => {
                const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
                const MONTHS: [&str; 12] = [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec",
                ];
                let iso = t.to_iso8601();
                let month: usize = iso[5..7].parse().unwrap();
                let day: u32 = iso[8..10].parse().unwrap();
                let weekday = DAYS[t.unix_seconds().div_euclid(86_400).rem_euclid(7) as usize];
                out.push_str(&format!(
                    "{label}: {weekday} {} {day:2} {} {}\n",
                    MONTHS[month - 1],
                    &iso[11..19],
                    &iso[0..4]
                ));
            }
        }
    }
    out
}

#[test]
fn summary_information_matches_msiinfo() {
    let (_dir, path) = support::sample_msi();
    let package = Package::open(&path).unwrap();
    let summary = package.summary_info().unwrap();
    assert_eq!(summary.template(), Some("x64;1033"));
    assert_eq!(summary.author(), Some("Olkit Test Co"));
    assert_eq!(summary.subject(), Some("Olkit sample package"));
    assert_eq!(summary.page_count(), Some(200));
    assert_eq!(summary.minimum_installer_version(), Some(200));
    let code = summary.package_code().unwrap();
    assert_eq!(code.len(), 38);
    assert!(summary.create_time().is_some());
    assert_eq!(summary.codepage(), Some(1252));
    assert!(!summary.properties().is_empty());
    let expected = std::process::Command::new("msiinfo")
        .env("TZ", "UTC")
        .arg("suminfo")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        render_suminfo(&package),
        String::from_utf8(expected.stdout).unwrap()
    );
}

#[test]
fn summary_information_of_msibuild_packages() {
    let (_dir, path) = support::msibuild_from_idt(
        &[],
        &[
            "Product name",
            "Some Author",
            "Intel;1031,1033",
            "{11111111-2222-3333-4444-555555555555}",
        ],
    );
    let package = Package::open(&path).unwrap();
    let summary = package.summary_info().unwrap();
    assert_eq!(summary.subject(), Some("Product name"));
    assert_eq!(summary.template(), Some("Intel;1031,1033"));
    assert_eq!(
        summary.revision_number(),
        Some("{11111111-2222-3333-4444-555555555555}")
    );
    let expected = std::process::Command::new("msiinfo")
        .env("TZ", "UTC")
        .arg("suminfo")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        render_suminfo(&package),
        String::from_utf8(expected.stdout).unwrap()
    );
}

fn big_table_idt(rows: usize) -> String {
    let mut lines = vec![
        "Key\tValue\tNumber".to_owned(),
        "s72\tS0\tI4".to_owned(),
        "Big\tKey".to_owned(),
    ];
    for i in 0..rows {
        lines.push(format!("k{i:06}\tvalue number {i}\t{}", i as i64 - 40_000));
    }
    lines.join("\r\n") + "\r\n"
}

#[test]
fn long_string_references_and_more_than_65536_rows() {
    const ROWS: usize = 70_000;
    let idt = big_table_idt(ROWS);
    let (_dir, path) = support::msibuild_from_idt(
        &[
            ("Big.idt", &idt),
            (
                "Property.idt",
                &support::idt(
                    "Property\tValue",
                    "s72\tl0",
                    "Property\tProperty",
                    &["ProductVersion\t9.8.7"],
                ),
            ),
        ],
        &[],
    );
    let package = Package::open(&path).unwrap();
    // The pool has > 65,536 strings, so cells hold 3-byte references.
    assert_eq!(
        package.property("ProductVersion").unwrap().as_deref(),
        Some("9.8.7")
    );
    let table = package.table("Big").unwrap();
    assert_eq!(table.row_count(), ROWS);
    assert!(table.strings().len() > 0x10000);
    for row in [0, 1, 65_535, 65_536, 65_537, ROWS - 1] {
        assert_eq!(cell_text(&table, row, 0), format!("k{row:06}"));
        assert_eq!(cell_text(&table, row, 1), format!("value number {row}"));
        assert_eq!(table.value(row, 2), Some(Value::Int(row as i32 - 40_000)));
    }
    let expected = String::from_utf8(support::msiinfo_export(&path, "Big")).unwrap();
    assert_eq!(render_idt(&table), expected);
}

#[test]
fn strings_of_64_kib_and_more() {
    let long = "ab".repeat(35_000) + "end";
    let exact = "x".repeat(65_536);
    let (_dir, path) = support::msibuild_from_idt(
        &[(
            "Long.idt",
            &support::idt(
                "Key\tValue",
                "s72\tL0",
                "Long\tKey",
                &[
                    "short\tbefore",
                    &format!("long\t{long}"),
                    &format!("exact\t{exact}"),
                    "after\ty",
                ],
            ),
        )],
        &[],
    );
    let package = Package::open(&path).unwrap();
    let table = package.table("Long").unwrap();
    // libmsi's own reader misreads these pools (it takes the length from
    // the wrong words), so the expectation is the text that went in.
    let rows: Vec<(String, String)> = (0..table.row_count())
        .map(|r| (cell_text(&table, r, 0), cell_text(&table, r, 1)))
        .collect();
    let mut rows_sorted = rows.clone();
    rows_sorted.sort();
    let mut expected = vec![
        ("after".to_owned(), "y".to_owned()),
        ("exact".to_owned(), exact.clone()),
        ("long".to_owned(), long.clone()),
        ("short".to_owned(), "before".to_owned()),
    ];
    expected.sort();
    assert_eq!(rows_sorted, expected);
}

#[test]
fn code_pages() {
    // 0 is the neutral code page: msibuild (libmsi) then stores strings in
    // the system's ANSI code page, Western European here, as Windows does.
    let cases: &[(u32, &str)] = &[
        (0, "Grüße"),
        (1252, "Grüße, café"),
        (65001, "Grüße ✓ 日本 Привет"),
        (1251, "Привет, мир"),
        (932, "日本語のテキスト"),
    ];
    for &(codepage, text) in cases {
        let force = format!("\r\n\r\n{codepage}\t_ForceCodepage\r\n");
        let mut tables = vec![("Property.idt", String::new())];
        if codepage != 0 {
            tables.push(("_ForceCodepage.idt", force));
        }
        let property = support::idt(
            "Property\tValue",
            "s72\tl0",
            "Property\tProperty",
            &[&format!("Greeting\t{text}"), "ProductVersion\t1.0"],
        );
        tables[0].1 = property;
        let tables: Vec<(&str, &str)> = tables.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let (_dir, path) = support::msibuild_from_idt(&tables, &[]);
        let package = Package::open(&path).unwrap();
        assert_eq!(package.codepage(), codepage);
        assert_eq!(
            package.property("Greeting").unwrap().as_deref(),
            Some(text),
            "code page {codepage}"
        );
        assert_tables_match_msiinfo(&path);
    }
}

#[test]
fn a_table_stream_holds_what_its_columns_say() {
    // Integers of both widths, nullable columns, a localizable column.
    let idt = support::idt(
        "A\tB\tC\tD\tE",
        "s38\ti2\tI2\tI4\tL64",
        "Mixed\tA",
        &[
            "one\t-32767\t\t2147483647\tloc",
            "two\t0\t32767\t-2147483647\t",
            "three\t1\t-1\t\t",
        ],
    );
    let (_dir, path) = support::msibuild_from_idt(&[("Mixed.idt", &idt)], &[]);
    assert_tables_match_msiinfo(&path);
    let package = Package::open(&path).unwrap();
    let table = package.table("Mixed").unwrap();
    assert_eq!(table.value(0, 3), Some(Value::Int(i32::MAX)));
    assert_eq!(table.value(0, 2), Some(Value::Null));
    assert_eq!(table.value(1, 4), Some(Value::Null));
}

#[test]
fn validation_table_reads() {
    let validation = support::idt(
        "Table\tColumn\tNullable\tMinValue\tMaxValue\tKeyTable\tKeyColumn\tCategory\tSet\tDescription",
        "s32\ts32\ts4\tI4\tI4\tS255\tI2\tS32\tS255\tS255",
        "_Validation\tTable\tColumn",
        &[
            "Property\tProperty\tN\t\t\t\t\tIdentifier\t\tName of property",
            "Property\tValue\tN\t\t\t\t\tText\t\tString value for property.",
        ],
    );
    let (_dir, path) = support::msibuild_from_idt(&[("_Validation.idt", &validation)], &[]);
    assert_tables_match_msiinfo(&path);
    let package = Package::open(&path).unwrap();
    assert_eq!(package.table("_Validation").unwrap().row_count(), 2);
}

#[test]
fn merge_modules_are_told_apart() {
    // wixl cannot build modules; a database with a ModuleSignature table is one.
    let signature = support::idt(
        "ModuleID\tLanguage\tVersion",
        "s72\ti2\ts32",
        "ModuleSignature\tModuleID\tLanguage",
        &["OlkitModule.AAAAAAAA_BBBB_CCCC_DDDD_EEEEEEEEEEEE\t1033\t1.0.0.0"],
    );
    let (_dir, path) = support::msibuild_from_idt(&[("ModuleSignature.idt", &signature)], &[]);
    let package = Package::open(&path).unwrap();
    assert_eq!(package.kind(), PackageKind::MergeModule);
    assert!(package.has_table("ModuleSignature").unwrap());
    assert_tables_match_msiinfo(&path);
    let (_dir, path) = support::sample_msi();
    assert!(!Package::open(&path)
        .unwrap()
        .has_table("ModuleSignature")
        .unwrap());
}

#[test]
fn from_bytes_reads_like_open() {
    let (_dir, path) = support::sample_msi();
    let from_file = Package::open(&path).unwrap();
    let from_bytes = Package::from_bytes(std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        from_file.table_names().unwrap(),
        from_bytes.table_names().unwrap()
    );
    assert_eq!(
        render_idt(&from_file.table("File").unwrap()),
        render_idt(&from_bytes.table("File").unwrap())
    );
    assert_eq!(
        from_file.summary_info().unwrap(),
        from_bytes.summary_info().unwrap()
    );
}

#[test]
fn tables_are_shared_across_threads() {
    let (_dir, path) = support::sample_msi();
    let package = std::sync::Arc::new(Package::open(&path).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let package = std::sync::Arc::clone(&package);
            std::thread::spawn(move || {
                let name = ["File", "Component", "Registry", "Property"][i];
                render_idt(&package.table(name).unwrap())
            })
        })
        .collect();
    for handle in handles {
        assert!(!handle.join().unwrap().is_empty());
    }
    assert_eq!(package.cached_tables().len(), 4);
}

#[test]
fn stream_names_decode_what_the_container_stores() {
    // Every stored name in a real package decodes to what msiinfo lists,
    // and encodes back to the stored form.
    let (_dir, path) = support::sample_msi();
    let file = cfb::open(&path).unwrap();
    let stored: Vec<String> = file
        .read_root_storage()
        .map(|e| e.name().to_owned())
        .collect();
    let decoded: Vec<String> = stored.iter().map(|s| decode_stream_name(s)).collect();
    for (s, d) in stored.iter().zip(&decoded) {
        let packed = s.chars().any(|c| ('\u{3800}'..'\u{4840}').contains(&c));
        if packed {
            assert_eq!(&encode_stream_name(d), s);
        } else {
            assert_eq!(d, s);
        }
    }
    assert!(decoded.contains(&"\u{4840}_StringPool".to_owned()));
    assert!(decoded.contains(&"\u{4840}Property".to_owned()));
    assert!(decoded.contains(&"Binary.CustomBits".to_owned()));
}

/// A reader that counts the bytes it hands out.
struct Counting {
    inner: std::fs::File,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl std::io::Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

impl std::io::Seek for Counting {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Bytes read to open a package and answer `property("ProductVersion")`.
fn bytes_read_for_product_version(path: &Path) -> u64 {
    let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let reader = Counting {
        inner: std::fs::File::open(path).unwrap(),
        read: std::sync::Arc::clone(&read),
    };
    let package =
        Package::from_reader(Box::new(reader), olkit_msi_query::OpenOptions::default()).unwrap();
    assert_eq!(
        package.property("ProductVersion").unwrap().as_deref(),
        Some(support::SAMPLE_VERSION)
    );
    assert!(package.cached_tables().is_empty());
    read.load(std::sync::atomic::Ordering::Relaxed)
}

#[test]
fn opening_a_big_package_reads_none_of_its_big_streams() {
    let (_dir, path) = support::sample_msi();
    let small = bytes_read_for_product_version(&path);
    // 60 MB more, in one stream (like an embedded cabinet).
    let cab: Vec<u8> = (0..60_000_000u32).map(|i| (i % 251) as u8).collect();
    support::msibuild_add_stream(&path, "big.cab", &cab);
    assert!(std::fs::metadata(&path).unwrap().len() > 60_000_000);
    let big = bytes_read_for_product_version(&path);
    // cfb reads the whole FAT at open (4 bytes per 512-byte sector: 0.8% of
    // the file); beyond that, the header, the directory, the pool and three
    // small tables. Never the stream itself.
    let fat = 60_000_000 / 512 * 4;
    assert!(
        big < small + fat + 16 * 1024,
        "small {small} bytes, big {big} bytes"
    );
    // And the big stream itself reads whole and right.
    let package = Package::open(&path).unwrap();
    assert_eq!(package.read_stream("big.cab").unwrap(), cab);
}

#[test]
fn every_stream_reads_as_cfb_reads_it() {
    // The cfb crate as an independent reader of the container, on streams
    // around the mini-stream cutoff (4096 bytes) and sector boundaries.
    let (_dir, path) = support::sample_msi();
    for (name, len) in [
        ("Binary.Small", 1),
        ("Binary.Mini", 4095),
        ("Binary.Cutoff", 4096),
        ("Binary.Regular", 4097),
        ("Binary.Sectors", 512 * 9 + 7),
    ] {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 256) as u8).collect();
        support::msibuild_add_stream(&path, name, &bytes);
    }
    let package = Package::open(&path).unwrap();
    let mut file = cfb::open(&path).unwrap();
    let entries: Vec<(String, bool)> = file
        .read_root_storage()
        .map(|e| (e.name().to_owned(), e.is_stream()))
        .collect();
    let mut checked = 0;
    for (stored, is_stream) in entries {
        if !is_stream {
            continue;
        }
        let mut expected = Vec::new();
        std::io::Read::read_to_end(
            &mut file.open_stream(format!("/{stored}")).unwrap(),
            &mut expected,
        )
        .unwrap();
        let ours = package.read_stream(&decode_stream_name(&stored)).unwrap();
        assert_eq!(ours, expected, "{}", decode_stream_name(&stored));
        checked += 1;
    }
    assert!(checked > 20);
    assert_eq!(package.read_stream("Binary.Cutoff").unwrap().len(), 4096);
}

/// Copies every root stream of `from` into a new compound file of the
/// given version (with the same root CLSID), plus extra storages.
fn copy_package(from: &Path, to: &Path, version: cfb::Version, storages: &[&str]) {
    let mut source = cfb::open(from).unwrap();
    let clsid = *source.root_entry().clsid();
    let names: Vec<String> = source
        .read_root_storage()
        .filter(|e| e.is_stream())
        .map(|e| e.name().to_owned())
        .collect();
    let mut target =
        cfb::CompoundFile::create_with_version(version, std::fs::File::create(to).unwrap())
            .unwrap();
    target.set_storage_clsid("/", clsid).unwrap();
    for name in names {
        let mut data = Vec::new();
        std::io::Read::read_to_end(
            &mut source.open_stream(format!("/{name}")).unwrap(),
            &mut data,
        )
        .unwrap();
        let mut stream = target.create_stream(format!("/{name}")).unwrap();
        std::io::Write::write_all(&mut stream, &data).unwrap();
    }
    for storage in storages {
        target.create_storage(format!("/{storage}")).unwrap();
        let mut stream = target.create_stream(format!("/{storage}/inner")).unwrap();
        std::io::Write::write_all(&mut stream, b"nested").unwrap();
    }
    target.flush().unwrap();
}

#[test]
fn version_4_files_with_4096_byte_sectors() {
    let (dir, path) = support::sample_msi();
    let v4 = dir.path().join("v4.msi");
    copy_package(&path, &v4, cfb::Version::V4, &[]);
    assert_eq!(std::fs::read(&v4).unwrap()[0x1a], 4);
    let original = Package::open(&path).unwrap();
    let copy = Package::open(&v4).unwrap();
    assert_eq!(copy.table_names().unwrap(), original.table_names().unwrap());
    for name in original.table_names().unwrap() {
        assert_eq!(
            render_idt(&copy.table(&name).unwrap()),
            render_idt(&original.table(&name).unwrap())
        );
    }
    assert_eq!(
        copy.summary_info().unwrap(),
        original.summary_info().unwrap()
    );
    // msiinfo reads the copy the same way.
    assert_tables_match_msiinfo(&v4);
}

#[test]
fn sub_storages_are_listed() {
    let (dir, path) = support::sample_msi();
    let with_storages = dir.path().join("storages.msi");
    copy_package(
        &path,
        &with_storages,
        cfb::Version::V3,
        &["Transform1", "#cab storage"],
    );
    let package = Package::open(&with_storages).unwrap();
    let mut names = package.storage_names().unwrap();
    names.sort();
    assert_eq!(names, ["#cab storage", "Transform1"]);
    let storages = package.table("_Storages").unwrap();
    assert_eq!(storages.row_count(), 2);
    let listed: Vec<String> = (0..2).map(|r| cell_text(&storages, r, 0)).collect();
    assert_eq!(listed, package.storage_names().unwrap());
    // Storages are not streams.
    assert!(!package
        .stream_names()
        .unwrap()
        .iter()
        .any(|s| s == "Transform1"));
}
