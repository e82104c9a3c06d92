#!/usr/bin/env bash
# Rebuilds the signed example manifest of `olkit manifest check/plan`:
# manifest.xml is the documentation's full manifest
# (crates/manifest/tests/fixtures/manifest-full.xml) with a new serial and a
# validity long enough for an example; manifest.xml.minisig is its minisign
# signature (Debian package `minisign`) by a throwaway key made here, whose
# public half is manifest.pub. The secret key is deleted on exit: nobody can
# sign with it again, so a new run makes a new key.
#
#   olkit manifest plan examples/manifest.xml --pubkey examples/manifest.pub \
#     --installed examples/manifest-installed.json --env examples/manifest-env.json
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
fixture="$here/../crates/manifest/tests/fixtures/manifest-full.xml"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

sed -e 's/olkit:serial="2024031501"/olkit:serial="2025060101"/' \
    -e 's/olkit:issued="2024-03-15T09:30:00Z"/olkit:issued="2025-06-01T08:00:00Z"/' \
    -e 's/olkit:expires="2024-04-15T09:30:00Z"/olkit:expires="2035-06-01T08:00:00Z"/' \
    -e 's|<!-- Published by .*-->|<!-- The example of docs/manifest-format.md, re-dated for examples/ by make-manifest-example.sh. -->|' \
    "$fixture" >"$work/manifest.xml"
grep -q 'olkit:serial="2025060101"' "$work/manifest.xml"
grep -q 'olkit:expires="2035-06-01T08:00:00Z"' "$work/manifest.xml"

minisign -G -W -p "$work/manifest.pub" -s "$work/manifest.key" >/dev/null
minisign -S -s "$work/manifest.key" -m "$work/manifest.xml" \
    -t "olkit example manifest, serial 2025060101" >/dev/null
minisign -V -p "$work/manifest.pub" -m "$work/manifest.xml" >/dev/null

mv "$work/manifest.xml" "$work/manifest.xml.minisig" "$work/manifest.pub" "$here/"
echo "wrote $here/manifest.xml, manifest.xml.minisig, manifest.pub"
