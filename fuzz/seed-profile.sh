#!/usr/bin/env bash
# Fills fuzz/corpus/profile_load with the seed corpus: the profile fixtures
# (.reg as regedit writes them, UTF-16LE, and the same in UTF-8, which
# mutates into more shapes), the example export, the .prf fixtures, the
# inputs kept by earlier runs and a few small hand-written profiles. The
# corpus directory is gitignored; run this once before the first
# `cargo fuzz run profile_load`:
#
#   bash fuzz/seed-profile.sh
#   RUSTC_BOOTSTRAP=1 cargo fuzz run profile_load -- -max_total_time=600 -max_len=65536
#
# Needs: bash, iconv.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
OUT="$HERE/corpus/profile_load"
mkdir -p "$OUT"
CRATE="$REPO/crates/profile-convert"

shopt -s nullglob
for f in "$CRATE"/tests/fixtures/*.reg "$REPO"/examples/outlook-profiles.reg; do
  rel=${f#"$REPO"/}
  cp "$f" "$OUT/seed-${rel//\//_}"
  # The UTF-8 spelling of the same export (regedit reads both).
  { printf '\xef\xbb\xbf'; iconv -f UTF-16 -t UTF-8 "$f"; } >"$OUT/seed-utf8-${rel//\//_}"
done
for f in "$CRATE"/tests/fixtures/prf/*.prf; do
  cp "$f" "$OUT/seed-prf-$(basename "$f")"
done
for f in "$CRATE"/tests/fuzz-corpus/*; do
  cp "$f" "$OUT/kept-$(basename "$f")"
done

# Small hand-written profiles, UTF-8, so that short mutations reach the
# graph: a KOC service with its store, the global section's lists, the
# default store and an account.
put() { printf "$2" >"$OUT/hand-$1"; }
V5='Windows Registry Editor Version 5.00\r\n\r\n'
P='HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook'
S='11111111111111111111111111111111'
T='22222222222222222222222222222222'
put koc-small.reg "$V5"\
"[$P]\r\n\"DefaultProfile\"=\"K\"\r\n\r\n"\
"[$P\\\\Profiles\\\\K\\\\$S]\r\n"\
'"001e3d09"=hex:4b,45,52,49,4f,5f,4b,4f,43,00\r\n'\
'"001e3d0a"="koc.dll"\r\n'\
'"001f6602"=hex:6d,00,78,00,00,00\r\n'\
"\"01023d00\"=hex:22,22,22,22,22,22,22,22,22,22,22,22,22,22,22,22\r\n"\
"\"01023d0c\"=hex:11,11,11,11,11,11,11,11,11,11,11,11,11,11,11,11\r\n"\
'"010267f0"=hex:de,ad,be,ef\r\n\r\n'\
"[$P\\\\Profiles\\\\K\\\\$T]\r\n"\
'"00033e03"=hex:21,00,00,00\r\n"00033009"=dword:00000002\r\n'\
"\"01023d0c\"=hex:11,11,11,11,11,11,11,11,11,11,11,11,11,11,11,11\r\n\r\n"\
"[$P\\\\Profiles\\\\K\\\\9207f3e0a3b11019908b08002b2a56c2]\r\n"\
"\"01023d00\"=hex:22,22,22,22,22,22,22,22,22,22,22,22,22,22,22,22\r\n"\
"\"01023d0e\"=hex:11,11,11,11,11,11,11,11,11,11,11,11,11,11,11,11\r\n\r\n"\
"[$P\\\\Profiles\\\\K\\\\0a0d020000000000c000000000000046]\r\n"\
"\"01023d15\"=hex:22,22,22,22,22,22,22,22,22,22,22,22,22,22,22,22\r\n\r\n"\
"[$P\\\\Profiles\\\\K\\\\9375CFF0413111d3B88A00104B2A6676]\r\n"\
'"{ED475418-B0D6-11D2-8C3B-00104B2A6676}"=hex:01,00,00,00,02,00,00,00\r\n\r\n'\
"[$P\\\\Profiles\\\\K\\\\9375CFF0413111d3B88A00104B2A6676\\\\00000001]\r\n"\
'"clsid"="{ED475414-B0D6-11D2-8C3B-00104B2A6676}"\r\n'\
"\"Service UID\"=hex:11,11,11,11,11,11,11,11,11,11,11,11,11,11,11,11\r\n"\
'"IMAP Password"=hex:01,02\r\n\r\n'
put legacy-users.reg "$V5"\
'[HKEY_USERS\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging Subsystem\\Profiles]\r\n"DefaultProfile"="A"\r\n\r\n'\
"[HKEY_USERS\\\\S-1-5-21-1-2-3-1001\\\\Software\\\\Microsoft\\\\Windows NT\\\\CurrentVersion\\\\Windows Messaging Subsystem\\\\Profiles\\\\A\\\\$S]\r\n"\
'"101f6800"=hex:02,00,00,00,00,00,00,00,10,00,00,00,00,00,00,00,14,00,00,00,00,00,00,00,61,00,00,00,62,00,00,00\r\n'\
'"00403000"=hex:00,00,00,00,00,00,00,00\r\n"000b3000"=hex:01,00\r\n"001f3001"="plain"\r\n\r\n'\
"[-HKEY_USERS\\\\S-1-5-21-1-2-3-1001\\\\Software\\\\Microsoft\\\\Windows NT\\\\CurrentVersion\\\\Windows Messaging Subsystem\\\\Profiles\\\\A\\\\$T]\r\n"
put tiny.prf '[General]\r\nProfileName=K\r\nDefaultProfile=Yes\r\n[Service List]\r\nService1=Kerio\r\n[Service1]\r\nServer=mx\r\n[Kerio]\r\nServiceName=KERIO_KOC\r\n[Internet Account List]\r\nAccount1=I_Mail\r\n[Account1]\r\nAccountName=x\r\nPOP3Password=y\r\n[I_Mail]\r\nAccountType=POP3\r\n'

echo "seeded $(find "$OUT" -type f | wc -l) inputs in ${OUT#"$REPO"/}"
