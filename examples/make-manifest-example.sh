#!/usr/bin/env bash
# Rebuilds the signed example manifest of `olkit manifest check/plan` and
# `olkit demo`: manifest.xml is the documentation's full manifest
# (crates/manifest/tests/fixtures/manifest-full.xml) with a new serial, a
# validity long enough for an example, the OXtender entry's package
# (MD5, SHA-256, size) being oxtender-sample.msi beside this script, and a
# third product: "Olkit Sample" 1.5.0, the package olkit-sample.msi beside
# this script, with its real SHA-256 and size (rebuild the packages first
# when they change: make-example-packages.sh). Olkit Sample carries no
# architecture: the package is 32-bit, and the plan would set it aside for
# the 64-bit Outlook of manifest-env.json. manifest.xml.minisig is its minisign signature
# (Debian package `minisign`) by a throwaway key made here, whose public
# half is manifest.pub. The secret key is deleted on exit: nobody can sign
# with it again, so a new run makes a new key.
#
#   olkit manifest plan examples/manifest.xml --pubkey examples/manifest.pub \
#     --installed examples/manifest-installed.json --env examples/manifest-env.json
#   olkit package verify examples/olkit-sample.msi --manifest examples/manifest.xml \
#     --pubkey examples/manifest.pub --product "Olkit Sample"
#   olkit package verify examples/oxtender-sample.msi --manifest examples/manifest.xml \
#     --pubkey examples/manifest.pub --product "OXtender 2 for Microsoft Outlook"
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
fixture="$here/../crates/manifest/tests/fixtures/manifest-full.xml"
package="$here/olkit-sample.msi"
oxtender="$here/oxtender-sample.msi"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

sha256="$(sha256sum "$package" | cut -d' ' -f1)"
size="$(stat -c %s "$package")"
ox_md5="$(md5sum "$oxtender" | cut -d' ' -f1)"
ox_sha256="$(sha256sum "$oxtender" | cut -d' ' -f1)"
ox_size="$(stat -c %s "$oxtender")"
# The codes are those of olkit-sample.wxs.
cat >"$work/sample.xml" <<XML
  <Product>
    <Name>Olkit Sample</Name>
    <Version>1.5.0</Version>
    <UpgradeCode>{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}</UpgradeCode>
    <ReleaseDate>2025-05-28</ReleaseDate>
    <URL>https://ox.example.com/updater/products/olkit-sample-1.5.0.msi</URL>
    <InstallParams>/qn</InstallParams>
    <Importance>Normal</Importance>
    <olkit:ProductCode>{9C1E5A37-2B4D-4F60-8A71-C2D3E4F5A6B7}</olkit:ProductCode>
    <olkit:Sha256>$sha256</olkit:Sha256>
    <olkit:Size>$size</olkit:Size>
    <olkit:Channel>stable</olkit:Channel>
    <olkit:ReleaseNotes xml:lang="en">The example package of olkit demo, built by wixl.</olkit:ReleaseNotes>
  </Product>
XML

sed -e 's/olkit:serial="2024031501"/olkit:serial="2025060101"/' \
    -e 's/olkit:issued="2024-03-15T09:30:00Z"/olkit:issued="2025-06-01T08:00:00Z"/' \
    -e 's/olkit:expires="2024-04-15T09:30:00Z"/olkit:expires="2035-06-01T08:00:00Z"/' \
    -e "s|<MD5>b66494b1edb1ba31d571693eb5be64e0</MD5>|<MD5>$ox_md5</MD5>|" \
    -e "s|<olkit:Sha256>f05745a788814f264a6f6c3b4844f0d3adb0f6c0e4bb38bb9d865daa96df9818</olkit:Sha256>|<olkit:Sha256>$ox_sha256</olkit:Sha256>|" \
    -e "s|<olkit:Size>59</olkit:Size>|<olkit:Size>$ox_size</olkit:Size>|" \
    -e 's|<!-- Published by .*-->|<!-- The example of docs/manifest-format.md, re-dated for examples/ by make-manifest-example.sh, with the package of olkit demo. -->|' \
    -e "/^<\/Products>/{
r $work/sample.xml
d
}" \
    "$fixture" >"$work/manifest.xml"
echo '</Products>' >>"$work/manifest.xml"
grep -q 'olkit:serial="2025060101"' "$work/manifest.xml"
grep -q 'olkit:expires="2035-06-01T08:00:00Z"' "$work/manifest.xml"
grep -q "<olkit:Sha256>$sha256</olkit:Sha256>" "$work/manifest.xml"
grep -q "<olkit:Sha256>$ox_sha256</olkit:Sha256>" "$work/manifest.xml"
grep -q "<MD5>$ox_md5</MD5>" "$work/manifest.xml"
grep -q "<olkit:Size>$ox_size</olkit:Size>" "$work/manifest.xml"
[ "$(grep -c '<Product>' "$work/manifest.xml")" = 3 ]

minisign -G -W -p "$work/manifest.pub" -s "$work/manifest.key" >/dev/null
minisign -S -s "$work/manifest.key" -m "$work/manifest.xml" \
    -t "olkit example manifest, serial 2025060101" >/dev/null
minisign -V -p "$work/manifest.pub" -m "$work/manifest.xml" >/dev/null

mv "$work/manifest.xml" "$work/manifest.xml.minisig" "$work/manifest.pub" "$here/"
echo "wrote $here/manifest.xml, manifest.xml.minisig, manifest.pub"
