#!/usr/bin/env bash
# Fills the seed corpora of the olkit-manifest fuzz targets (both
# gitignored): fuzz/corpus/manifest_parse with the manifest fixtures, the
# example and a few hand-written documents, and fuzz/corpus/bundle_read
# with small zips written by python3's zipfile (plain, nested directories,
# stored and deflated, zip64, and refused ones: a slip attempt, an absolute
# name, a symlink entry, names equal but for case, a deflate bomb over the
# fuzzers' ratio limit). The inputs kept in crates/manifest/tests/fuzz-corpus/
# are added too. Run it once before the first `cargo fuzz run`:
#
#   bash fuzz/seed-manifest.sh
#   cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run manifest_parse -- -max_total_time=600 -max_len=65536
#
# `bash fuzz/seed-manifest.sh --write-kept` also writes the zips and the
# hand-written manifests into crates/manifest/tests/fuzz-corpus/ (the zips
# have fixed timestamps, so they come out the same every time).
#
# Needs: bash, python3, iconv.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
KEPT="$REPO/crates/manifest/tests/fuzz-corpus"
MANIFESTS="$HERE/corpus/manifest_parse"
BUNDLES="$HERE/corpus/bundle_read"
mkdir -p "$MANIFESTS" "$BUNDLES"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/manifest_parse" "$WORK/bundle_read"

# -- manifests

shopt -s nullglob
for f in "$REPO"/crates/manifest/tests/fixtures/*.xml "$REPO"/examples/manifest.xml; do
  rel=${f#"$REPO"/}
  cp "$f" "$MANIFESTS/seed-${rel//\//_}"
done

put() { printf '%s' "$2" >"$WORK/manifest_parse/hand-$1.xml"; }
NS='xmlns:olkit="urn:olkit:manifest:1"'
UP='{0E5C3A8B-94F1-4D62-A7B3-C1D2E3F4A5B6}'
put minimal '<Products><Product><Name>A</Name><Version>1.0</Version></Product></Products>'
put extension "<Products $NS olkit:serial=\"7\" olkit:issued=\"2025-01-01T00:00:00Z\" olkit:expires=\"2030-01-01T00:00:00+01:00\"><Product><Name>OX Drive</Name><Version>v1.3.0 beta 2</Version><UpgradeCode>$UP</UpgradeCode><olkit:ProductCode>{9B1C2D3E-4F50-4617-8293-A4B5C6D7E8F9}</olkit:ProductCode><olkit:Size>36</olkit:Size><olkit:Architecture>x86</olkit:Architecture><olkit:Channel>beta</olkit:Channel><olkit:RolloutPercent>50</olkit:RolloutPercent><olkit:Critical>1</olkit:Critical><olkit:RequiredCacheFormat>2</olkit:RequiredCacheFormat><olkit:MinServerVersion>7.2</olkit:MinServerVersion><olkit:MinWindowsVersion>6.1</olkit:MinWindowsVersion><olkit:OutlookVersions>2016 365</olkit:OutlookVersions><olkit:Details xml:lang=\"de\">Text</olkit:Details></Product><Product><Name>OX Drive</Name><Version>1.3.1</Version><UpgradeCode>$UP</UpgradeCode></Product></Products>"
put unknown-and-comments '<?xml version="1.0"?><!-- c --><Products x="1"><?pi data?><Extra><Deep/></Extra><Product a="b"><Name><![CDATA[<A & B>]]></Name><Version>7.2.0.4567</Version><Other>x</Other><URL>http://h/a?b=1&amp;c=&#x32;</URL></Product></Products>'
put errors-duplicate '<Products><Product><Name>A</Name><Name>B</Name><Version>1</Version></Product></Products>'
put errors-doctype '<!DOCTYPE Products [<!ENTITY a "aaaa">]><Products>&a;</Products>'
put errors-entity '<Products><Product><Name>&nbsp;</Name></Product></Products>'
put errors-version '<Products><Product><Name>A</Name><Version>one</Version></Product></Products>'
put errors-nested '<Products><Product><Name>A<b/></Name><Version>1</Version></Product></Products>'
{ printf '\xff\xfe'; printf '<Products><Product><Name>Ünï</Name><Version>6.15.1</Version></Product></Products>' | iconv -f UTF-8 -t UTF-16LE; } \
  >"$WORK/manifest_parse/hand-utf16le.xml"
cp "$WORK"/manifest_parse/* "$MANIFESTS/"

# -- bundles

python3 - "$WORK/bundle_read" <<'EOF'
import os
import sys
import zipfile

out = sys.argv[1]
WHEN = (2024, 3, 15, 9, 30, 0)


def bundle(name, entries, **options):
    """entries: (name, bytes or None for a directory, method, unix mode)."""
    with zipfile.ZipFile(os.path.join(out, name), "w", **options) as z:
        for entry, data, method, mode in entries:
            info = zipfile.ZipInfo(entry, WHEN)
            info.compress_type = method
            if mode is not None:
                info.external_attr = mode << 16
            z.writestr(info, b"" if data is None else data)


S, D = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
msi = bytes((i * 131 + 7) % 256 for i in range(3000))
readme = b"OXtender 2 update bundle\r\n" * 20
bundle("plain.zip", [("setup.msi", msi, D, 0o100644), ("README.txt", readme, D, 0o100644)])
bundle("nested.zip", [("docs/", None, S, 0o40755), ("docs/de/", None, S, 0o40755),
                      ("docs/de/liesmich.txt", "Grüße".encode(), D, 0o100644),
                      ("bin/x64/setup.msi", msi[:500], S, None),
                      ("docs/en.txt", readme, S, 0o100644)])
bundle("stored-and-deflated.zip", [("a.bin", msi, S, None), ("b.bin", msi, D, None),
                                   ("empty.txt", b"", S, None)])
with zipfile.ZipFile(os.path.join(out, "zip64.zip"), "w") as z:
    info = zipfile.ZipInfo("setup.msi", WHEN)
    with z.open(info, "w", force_zip64=True) as f:
        f.write(msi)
bundle("empty.zip", [])
with zipfile.ZipFile(os.path.join(out, "comment.zip"), "w") as z:
    z.comment = b"olkit bundle 7.10.6"
    z.writestr(zipfile.ZipInfo("a.txt", WHEN), b"a")
bundle("slip.zip", [("ok.txt", b"ok", S, None), ("../evil.txt", b"evil", S, None)])
bundle("absolute.zip", [("/tmp/evil.txt", b"evil", S, None)])
bundle("symlink.zip", [("link", b"/etc/passwd", S, 0o120777), ("file.txt", b"x", S, None)])
bundle("case-duplicate.zip", [("Setup.msi", b"1", S, None), ("setup.MSI", b"2", S, None)])
bundle("ratio-bomb.zip", [("zeros.bin", bytes(200_000), D, None)])
EOF
cp "$WORK"/bundle_read/* "$BUNDLES/"

if [[ ${1:-} == --write-kept ]]; then
  mkdir -p "$KEPT/manifest_parse" "$KEPT/bundle_read"
  cp "$WORK"/manifest_parse/* "$KEPT/manifest_parse/"
  cp "$WORK"/bundle_read/* "$KEPT/bundle_read/"
  echo "wrote the hand-written inputs into ${KEPT#"$REPO"/}"
fi
for target in manifest_parse bundle_read; do
  for f in "$KEPT"/$target/*; do
    [[ -f $f ]] && cp "$f" "$HERE/corpus/$target/kept-$(basename "$f")"
  done
done

echo "seeded $(find "$MANIFESTS" -type f | wc -l) inputs in ${MANIFESTS#"$REPO"/}," \
  "$(find "$BUNDLES" -type f | wc -l) in ${BUNDLES#"$REPO"/}"
