//! Exports written by an independent writer, Wine's `reg export` (see
//! tests/fixtures/wine/README.md): read losslessly, and written again
//! byte for byte by our own regedit-style writer.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};

use olkit_regfile::{Encoding, Entry, Format, RegFile, RegType};

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/wine")
        .join(dir);
    let Ok(entries) = std::fs::read_dir(&root) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "reg"))
        .collect();
    files.sort();
    files
}

fn values(file: &RegFile) -> Vec<(String, String, olkit_regfile::Value)> {
    file.keys()
        .flat_map(|k| {
            k.entries().filter_map(move |e| match e {
                Entry::Set { name, value, .. } => {
                    Some((k.path().to_string(), name.to_string(), value.clone()))
                }
                Entry::Delete { .. } => None,
            })
        })
        .collect()
}

#[test]
fn wine_v5_exports_round_trip_and_match_our_writer() {
    let files = fixtures("v5");
    assert!(files.len() >= 5, "the Wine fixtures are missing: {files:?}");
    let mut checked_values = 0;
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let file = RegFile::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            (file.format(), file.encoding()),
            (Format::Regedit5, Encoding::Utf16Le)
        );
        assert_eq!(file.to_bytes(), bytes, "{}: not lossless", path.display());
        // Everything Wine wrote, our writer writes the same way: layout, escaping, hex wrapping.
        let canonical = file.to_canonical_bytes().unwrap();
        assert!(
            canonical == bytes,
            "{}: our regedit-style writer differs from Wine's export",
            path.display()
        );
        // Re-setting every value rewrites its line in place: the file must not change.
        let mut edited = file.clone();
        for (key, name, value) in values(&file) {
            edited.set_value(&key, &name, value).unwrap();
            checked_values += 1;
        }
        assert!(
            edited.to_bytes() == bytes,
            "{}: re-rendering the values changed the file",
            path.display()
        );
    }
    assert!(checked_values > 100, "only {checked_values} values checked");
}

#[test]
fn wine_regedit4_exports_round_trip_and_match_our_writer() {
    let files = fixtures("regedit4");
    assert!(
        files.len() >= 5,
        "the Wine REGEDIT4 fixtures are missing: {files:?}"
    );
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let file = RegFile::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            (file.format(), file.encoding()),
            (Format::Regedit4, Encoding::Windows1252)
        );
        assert_eq!(file.to_bytes(), bytes, "{}: not lossless", path.display());
        let canonical = file.to_canonical_bytes().unwrap();
        assert!(
            canonical == bytes,
            "{}: our REGEDIT4 writer differs from Wine's export",
            path.display()
        );
        let mut edited = file.clone();
        for (key, name, value) in values(&file) {
            edited.set_value(&key, &name, value).unwrap();
        }
        assert!(
            edited.to_bytes() == bytes,
            "{}: re-rendering the values changed the file",
            path.display()
        );
    }
}

/// The same registry content exported both ways holds the same registry
/// bytes, except where REGEDIT4 itself loses characters outside Windows-1252.
#[test]
fn both_formats_hold_the_same_values() {
    for v5 in fixtures("v5") {
        let v4 = v5
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("regedit4")
            .join(v5.file_name().unwrap());
        let a = RegFile::parse(&std::fs::read(&v5).unwrap()).unwrap();
        let b = RegFile::parse(&std::fs::read(&v4).unwrap()).unwrap();
        let (a, b) = (values(&a), values(&b));
        assert_eq!(a.len(), b.len(), "{}", v5.display());
        let mut same = 0;
        for (x, y) in a.iter().zip(&b) {
            let representable = |s: &str| {
                s.chars().all(|c| {
                    u32::from(c) < 0x80 || "àâäéèêëîïôöùûüçÀÂÄÉÈÊËÎÏÔÖÙÛÜÇßñÑáíóú€".contains(c)
                })
            };
            let text = matches!(
                x.2.ty(),
                RegType::SZ | RegType::EXPAND_SZ | RegType::MULTI_SZ
            )
            .then(|| {
                let units: Vec<u16> =
                    x.2.data()
                        .chunks_exact(2)
                        .map(|p| u16::from_le_bytes([p[0], p[1]]))
                        .collect();
                String::from_utf16_lossy(&units)
            });
            if representable(&x.0) && representable(&x.1) && text.is_none_or(|t| representable(&t))
            {
                assert_eq!(x, y, "{}: {} {}", v5.display(), x.0, x.1);
                same += 1;
            }
        }
        assert!(
            same * 2 > a.len(),
            "{}: too few comparable values",
            v5.display()
        );
    }
}
