//! Damaged and crafted packages: every one gives a typed error (or reads),
//! never a panic, a hang or an unbounded allocation.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::io::Write;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use olkit_msi_query::{encode_stream_name, Error, OpenOptions, Package, PackageKind};

/// Reads everything a package offers; the first error ends the walk.
fn walk(bytes: Vec<u8>) -> Result<(), Error> {
    let package = Package::from_bytes(bytes)?;
    package.property("ProductVersion")?;
    package.summary_info()?;
    for name in package.table_names()? {
        package.table(&name)?;
    }
    for name in ["_Tables", "_Columns", "_Streams", "_Storages"] {
        package.table(name)?;
    }
    for name in package.stream_names()? {
        package.read_stream(&name)?;
    }
    Ok(())
}

/// Runs `f` on another thread and fails the test if it takes longer than
/// `limit` (a hang) or panics.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("no answer within {limit:?}: a hang"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the reader panicked"),
    }
}

fn sample_bytes() -> Vec<u8> {
    let (_dir, path) = support::sample_msi();
    std::fs::read(path).unwrap()
}

/// Raw compound-file layout, read directly so tests can damage it.
#[derive(Clone, Copy)]
struct Layout {
    shift: u32,
}

impl Layout {
    fn of(bytes: &[u8]) -> Layout {
        Layout {
            shift: u32::from(u16::from_le_bytes([bytes[0x1e], bytes[0x1f]])),
        }
    }
    fn sector_len(&self) -> usize {
        1 << self.shift
    }
    fn offset(&self, sector: u32) -> usize {
        (sector as usize + 1) << self.shift
    }
    fn first_fat_sector(&self, bytes: &[u8]) -> u32 {
        u32_at(bytes, 0x4c)
    }
    fn first_dir_sector(&self, bytes: &[u8]) -> u32 {
        u32_at(bytes, 0x30)
    }
    /// Byte offset of FAT entry `index` (first FAT sector only).
    fn fat_entry(&self, bytes: &[u8], index: usize) -> usize {
        assert!(index < self.sector_len() / 4);
        self.offset(self.first_fat_sector(bytes)) + index * 4
    }
    /// Byte offset of directory entry `index` (first directory sector).
    fn dir_entry(&self, bytes: &[u8], index: usize) -> usize {
        self.offset(self.first_dir_sector(bytes)) + index * 128
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn intact_sample_walks_clean() {
    walk(sample_bytes()).unwrap();
}

#[test]
fn truncated_files_are_errors() {
    let bytes = sample_bytes();
    let len = bytes.len();
    within(Duration::from_secs(120), move || {
        let mut cuts: Vec<usize> = (0..len).step_by(509).collect();
        cuts.extend([0, 1, 8, 511, 512, 513, len / 2, len - 1]);
        for cut in cuts {
            let result = walk(bytes[..cut].to_vec());
            if cut < len / 2 {
                let err = result.expect_err("half a package cannot read");
                assert!(
                    matches!(err, Error::Container { .. }),
                    "cut at {cut}: {err:?}"
                );
            }
        }
    });
}

#[test]
fn fat_cycles_and_out_of_range_sectors_are_errors() {
    let bytes = sample_bytes();
    let layout = Layout::of(&bytes);
    let sectors = (bytes.len() / layout.sector_len()) as u32;
    within(Duration::from_secs(120), move || {
        let mut failures = 0;
        for index in 0..(sectors as usize).min(layout.sector_len() / 4) {
            for value in [index as u32, 0, sectors + 3, 0xffff_fff0, 0xffff_fffd] {
                let mut damaged = bytes.clone();
                let at = layout.fat_entry(&damaged, index);
                if u32_at(&damaged, at) == value {
                    continue;
                }
                put_u32(&mut damaged, at, value);
                if let Err(err) = walk(damaged) {
                    assert!(
                        matches!(
                            err,
                            Error::Container { .. }
                                | Error::StringPool { .. }
                                | Error::TableSize { .. }
                                | Error::BadStringRef { .. }
                                | Error::BadColumns { .. }
                                | Error::SummaryInfo { .. }
                                | Error::UnknownPackageKind { .. }
                        ),
                        "FAT[{index}] = {value:#x}: {err:?}"
                    );
                    failures += 1;
                }
            }
        }
        assert!(failures > 0);
    });
    // A chain that points back at itself is a loop, named as one.
    let mut looped = sample_bytes();
    let dir = layout.first_dir_sector(&looped) as usize;
    let at = layout.fat_entry(&looped, dir);
    put_u32(&mut looped, at, dir as u32);
    let err = Package::from_bytes(looped).unwrap_err();
    assert!(matches!(err, Error::Container { .. }), "{err:?}");
    assert!(err.to_string().contains("duplicate sector"), "{err}");
}

#[test]
fn directory_damage_is_an_error() {
    let bytes = sample_bytes();
    let layout = Layout::of(&bytes);
    // The root's child points into a loop: entry 1's left sibling is itself.
    let mut looped = bytes.clone();
    let child = u32_at(&looped, layout.dir_entry(&looped, 0) + 0x4c) as usize;
    let at = layout.dir_entry(&looped, child) + 0x44;
    put_u32(&mut looped, at, child as u32);
    let err = Package::from_bytes(looped).unwrap_err();
    assert!(matches!(err, Error::Container { .. }), "{err:?}");

    // A sibling id past the directory.
    let mut dangling = bytes.clone();
    put_u32(&mut dangling, at, 100_000);
    assert!(matches!(
        Package::from_bytes(dangling),
        Err(Error::Container { .. })
    ));

    // A stream claiming 4 GiB: refused before anything is allocated.
    let mut huge = bytes.clone();
    for index in 1..4 {
        let entry = layout.dir_entry(&huge, index);
        if huge[entry + 0x42] == 2 {
            put_u32(&mut huge, entry + 0x78, u32::MAX);
        }
    }
    within(Duration::from_secs(30), move || {
        assert!(walk(huge).is_err());
    });
}

#[test]
fn random_damage_never_panics_or_hangs() {
    let bytes = sample_bytes();
    within(Duration::from_secs(240), move || {
        // xorshift: a fixed, reproducible sequence.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut errors = 0;
        for _ in 0..5000 {
            let mut damaged = bytes.clone();
            for _ in 0..1 + next() % 8 {
                let at = (next() % damaged.len() as u64) as usize;
                damaged[at] ^= 1 << (next() % 8);
            }
            if walk(damaged).is_err() {
                errors += 1;
            }
        }
        assert!(errors > 0);
    });
}

/// Replaces the bytes of a root stream (by decoded name) in a copy of the
/// package, using the `cfb` crate as an independent writer.
fn rewrite_stream(path: &Path, decoded: &str, edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let copy = path.with_extension("damaged.msi");
    std::fs::copy(path, &copy).unwrap();
    let mut file = cfb::open_rw(&copy).unwrap();
    let stored = format!("/{}", encode_stream_name(decoded));
    let mut data = Vec::new();
    {
        use std::io::Read;
        file.open_stream(&stored)
            .unwrap()
            .read_to_end(&mut data)
            .unwrap();
    }
    edit(&mut data);
    let mut stream = file.create_stream(&stored).unwrap();
    stream.write_all(&data).unwrap();
    drop(stream);
    file.flush().unwrap();
    drop(file);
    std::fs::read(&copy).unwrap()
}

#[test]
fn string_pool_inconsistent_with_its_data() {
    let (_dir, path) = support::sample_msi();
    // First string claims more bytes than _StringData holds.
    let damaged = rewrite_stream(&path, "\u{4840}_StringPool", |pool| {
        pool[4..6].copy_from_slice(&0xfff0u16.to_le_bytes());
        pool[6..8].copy_from_slice(&1u16.to_le_bytes());
    });
    let err = Package::from_bytes(damaged).unwrap_err();
    assert!(matches!(err, Error::StringPool { .. }), "{err:?}");
    // _StringData shorter than the lengths.
    let damaged = rewrite_stream(&path, "\u{4840}_StringData", |data| {
        data.truncate(data.len() / 2);
    });
    let err = Package::from_bytes(damaged).unwrap_err();
    assert!(matches!(err, Error::StringPool { .. }), "{err:?}");
    // A pool that is not whole entries.
    let damaged = rewrite_stream(&path, "\u{4840}_StringPool", |pool| pool.push(0));
    assert!(matches!(
        Package::from_bytes(damaged),
        Err(Error::StringPool { .. })
    ));
}

#[test]
fn table_stream_not_a_whole_number_of_rows() {
    let (_dir, path) = support::sample_msi();
    let damaged = rewrite_stream(&path, "\u{4840}Property", |rows| rows.push(0));
    let package = Package::from_bytes(damaged).unwrap();
    let err = package.table("Property").unwrap_err();
    assert!(
        matches!(&err, Error::TableSize { table, .. } if table == "Property"),
        "{err:?}"
    );
    assert!(err.to_string().contains("Property"));
    assert!(package.property("ProductVersion").is_err());
    // Other tables still read.
    package.table("File").unwrap();
}

#[test]
fn string_id_beyond_the_pool_names_table_row_and_column() {
    let (_dir, path) = support::sample_msi();
    let rows = Package::open(&path)
        .unwrap()
        .table("Property")
        .unwrap()
        .row_count();
    // Column-major, 2-byte ids: the Value column starts after `rows` keys;
    // damage the value of row 1.
    let damaged = rewrite_stream(&path, "\u{4840}Property", |data| {
        let at = rows * 2 + 2;
        data[at..at + 2].copy_from_slice(&0xfffeu16.to_le_bytes());
    });
    let package = Package::from_bytes(damaged).unwrap();
    let err = package.table("Property").unwrap_err();
    match &err {
        Error::BadStringRef {
            table,
            row,
            column,
            id,
            ..
        } => {
            assert_eq!(
                (table.as_str(), *row, column.as_str(), *id),
                ("Property", 1, "Value", 0xfffe)
            );
        }
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("Property") && message.contains("row 1") && message.contains("Value"));
}

#[test]
fn limits_refuse_large_streams() {
    let (_dir, path) = support::sample_msi();
    support::msibuild_add_stream(&path, "Binary.Large", &vec![7u8; 100_000]);
    let options = OpenOptions {
        max_stream_bytes: 64 * 1024,
        ..OpenOptions::default()
    };
    let package = Package::open_with(&path, options).unwrap();
    assert_eq!(
        package.read_stream("Binary.CustomBits").unwrap(),
        support::SAMPLE_FILES[3].1
    );
    match package.read_stream("Binary.Large") {
        Err(Error::TooLarge { size, limit, .. }) => assert_eq!((size, limit), (100_000, 65_536)),
        other => panic!("{other:?}"),
    }
    let tight_pool = OpenOptions {
        max_pool_bytes: 8,
        ..OpenOptions::default()
    };
    assert!(matches!(
        Package::open_with(&path, tight_pool),
        Err(Error::TooLarge { .. })
    ));
    // Within the default limits the large stream reads whole.
    let package = Package::open(&path).unwrap();
    assert_eq!(
        package.read_stream("Binary.Large").unwrap(),
        vec![7u8; 100_000]
    );
}

#[test]
fn package_kind_comes_from_the_root_clsid() {
    let bytes = sample_bytes();
    let layout = Layout::of(&bytes);
    let clsid_at = layout.dir_entry(&bytes, 0) + 0x50;
    let with_clsid = |first: u8| {
        let mut copy = bytes.clone();
        copy[clsid_at] = first;
        copy
    };
    assert_eq!(
        Package::from_bytes(with_clsid(0x84)).unwrap().kind(),
        PackageKind::Database
    );
    assert_eq!(
        Package::from_bytes(with_clsid(0x82)).unwrap().kind(),
        PackageKind::Transform
    );
    assert_eq!(
        Package::from_bytes(with_clsid(0x86)).unwrap().kind(),
        PackageKind::Patch
    );
    match Package::from_bytes(with_clsid(0x99)) {
        Err(Error::UnknownPackageKind { clsid }) => {
            assert_eq!(clsid, "{000C1099-0000-0000-C000-000000000046}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Package::from_bytes(b"not a compound file at all".to_vec()),
        Err(Error::Container { .. })
    ));
}

#[test]
fn missing_files_are_io_errors() {
    let err = Package::open("/nonexistent/dir/package.msi").unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
}
