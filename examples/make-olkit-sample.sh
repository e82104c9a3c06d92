#!/usr/bin/env bash
# Rebuilds olkit-sample.msi (the package of `olkit demo`) from
# olkit-sample.wxs with msitools' wixl (Debian package `wixl`;
# .ci/install-deps installs it). The two payload files are written here, so
# the .wxs is all the source there is. wixl stamps the build time into the
# summary information; everything else comes out the same on every run.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

printf 'MZ olkit sample add-in (placeholder, not a real DLL)\n' >"$work/OlkitAddIn.dll"
printf 'Olkit Sample 1.5.0: example package of olkit demo.\n' >"$work/readme.txt"
cp "$here/olkit-sample.wxs" "$work/"
(cd "$work" && wixl -o olkit-sample.msi olkit-sample.wxs)
mv "$work/olkit-sample.msi" "$here/olkit-sample.msi"
echo "wrote $here/olkit-sample.msi"
