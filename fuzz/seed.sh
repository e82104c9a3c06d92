#!/usr/bin/env bash
# Fills fuzz/corpus/regfile_parse with the seed corpus: the Wine-written
# fixtures, the examples, and a few hand-written inputs covering each
# encoding, line ending and item kind. The corpus directory is gitignored;
# run this once before the first `cargo fuzz run`:
#
#   bash fuzz/seed.sh
#   RUSTC_BOOTSTRAP=1 cargo fuzz run regfile_parse -- -max_total_time=600 -max_len=65536
#
# Needs: bash, iconv.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
OUT="$HERE/corpus/regfile_parse"
mkdir -p "$OUT"

# Files in the repository, named after their path.
shopt -s nullglob globstar
for f in "$REPO"/crates/regfile/tests/fixtures/wine/**/*.reg "$REPO"/examples/*.reg; do
  rel=${f#"$REPO"/}
  cp "$f" "$OUT/seed-${rel//\//_}"
done
# Inputs kept by earlier fuzzing runs.
for f in "$REPO"/crates/regfile/tests/fuzz-corpus/*; do
  cp "$f" "$OUT/kept-$(basename "$f")"
done

# Hand-written inputs. `put NAME TEXT` writes TEXT (printf escapes) as is;
# `put16 NAME TEXT` writes it as UTF-16LE with a BOM.
put() { printf "$2" >"$OUT/hand-$1"; }
put16() { { printf '\xff\xfe'; printf "$2" | iconv -f UTF-8 -t UTF-16LE; } >"$OUT/hand-$1"; }

V5='Windows Registry Editor Version 5.00'
BODY='[HKEY_CURRENT_USER\\Software\\Olkit]\r\n'\
'@="default"\r\n'\
'"Str"="a \\"quoted\\" \\\\ back\\r\\n"\r\n'\
'"Dw"=dword:000001bb\r\n'\
'"Bin"=hex:01,02,ab,\\\r\n  cd,ef\r\n'\
'"Exp"=hex(2):25,00,41,00,25,00,00,00\r\n'\
'"Multi"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n'\
'"Q"=hex(b):01,00,00,00,00,00,00,00\r\n'\
'"Odd"=hex(12345678):ff\r\n'\
'"Gone"=-\r\n'\
'; a comment\r\n'\
'# another\r\n'\
'\r\n'\
'[-HKEY_CURRENT_USER\\Software\\Olkit\\Old]\r\n'\
'\r\n'\
'[HKEY_LOCAL_MACHINE\\SOFTWARE\\Olkit\\Sub]\r\n'\
'"Empty"=""\r\n'\
'"Hex0"=hex:\r\n'\
'\r\n'

put v5-utf8.reg "$V5"'\r\n\r\n'"$BODY"
put v5-utf8-bom.reg '\xef\xbb\xbf'"$V5"'\r\n\r\n'"$BODY"
put16 v5-utf16.reg "$V5"'\r\n\r\n'"$BODY"
put v5-lf.reg "$V5"'\n\n[HKEY_USERS\\.DEFAULT\\x]\n"a"="b"\n"c"=dword:1\n'
put v5-cr.reg "$V5"'\r\r[HKEY_CLASSES_ROOT\\.reg]\r@="regfile"\r'
put v5-no-final-eol.reg "$V5"'\r\n\r\n[HKEY_CURRENT_CONFIG\\k]\r\n"last"="no eol"'
put v5-utf8-text.reg "$V5"'\r\n\r\n[HKEY_CURRENT_USER\\Software\\\xc3\xa9\xe6\x97\xa5]\r\n"\xc3\xbc"="\xf0\x9f\x98\x80 \xe2\x82\xac"\r\n'
put16 v5-utf16-text.reg "$V5"'\r\n\r\n[HKEY_CURRENT_USER\\Software\\\xc3\xa9\xe6\x97\xa5]\r\n"\xc3\xbc"="\xf0\x9f\x98\x80 \xe2\x82\xac"\r\n'
put v5-errors.reg "$V5"'\r\n"before"="key"\r\n[HKEY_CURRENT_USER\\a]\r\n"x"=dword:123456789\r\n"y"=hex:1,2,zz\r\n"z"\r\n"w"=bogus:1\r\n"u"="open\r\n[NOPE\\b]\r\n"in"="skipped key"\r\n[HKEY_USERS\\c\r\n  [ HKEY_USERS\\d ]  \r\n'
put v5-continuations.reg "$V5"'\r\n\r\n[HKEY_USERS\\k]\r\n"h"=hex(2):41,00,\\\r\n  42,00,\\\r\n\r\n  00,00\r\n"t"=hex:01 ; comment\r\n"s"="x" ; trailing\r\n"e"=hex:01,\\\r\n'
put regedit4.reg 'REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Olkit]\r\n"Caf\xe9"="\x80 50 \x99"\r\n"Exp"=hex(2):25,41,25,00\r\n"Multi"=hex(7):61,00,62,00,00\r\n"D"=dword:ffffffff\r\n"B"=hex:00\r\n@=-\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Olkit\\X]\r\n\r\n'
put16 regedit4-utf16.reg 'REGEDIT4\r\n\r\n[HKEY_USERS\\k]\r\n"s"="\xe6\x97\xa5"\r\n'
put header-only-v5.reg "$V5"
put header-only-4.reg '  REGEDIT4\t\r\n'
put16 odd-utf16.reg "$V5"'\r\n'
printf '\x00' >>"$OUT/hand-odd-utf16.reg"
put bad-utf8.reg "$V5"'\r\n[HKEY_USERS\\\xff]\r\n'
put bad-header.reg 'REGEDIT5\r\n'

echo "seeded $(find "$OUT" -type f | wc -l) inputs in ${OUT#"$REPO"/}"
