#!/usr/bin/env bash
# Rebuilds the example packages of `olkit demo` with msitools' wixl (Debian
# package `wixl`; .ci/install-deps installs it):
#   olkit-sample.msi     from olkit-sample.wxs (32-bit, Olkit Sample 1.5.0)
#   oxtender-sample.msi  from oxtender-sample.wxs (64-bit, `wixl -a x64`,
#                        a stand-in for the manifest example's OXtender 2 7.10.6)
# The payload files are written here, so the .wxs files are all the source
# there is. wixl stamps the build time and a new package code into the
# summary information; everything else comes out the same on every run.
# Rebuilding a package changes its SHA-256: run make-manifest-example.sh
# afterwards.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

printf 'MZ olkit sample add-in (placeholder, not a real DLL)\n' >"$work/OlkitAddIn.dll"
printf 'Olkit Sample 1.5.0: example package of olkit demo.\n' >"$work/readme.txt"
printf 'MZ OXtender 2 example add-in (placeholder, not a real DLL)\n' >"$work/OXtenderAddIn.dll"
cp "$here/olkit-sample.wxs" "$here/oxtender-sample.wxs" "$work/"
(cd "$work" && wixl -o olkit-sample.msi olkit-sample.wxs)
(cd "$work" && wixl -a x64 -o oxtender-sample.msi oxtender-sample.wxs)
mv "$work/olkit-sample.msi" "$work/oxtender-sample.msi" "$here/"
echo "wrote $here/olkit-sample.msi, $here/oxtender-sample.msi"
