#!/usr/bin/env bash
# Fills the seed corpora of the olkit-msi-query fuzz targets (both
# gitignored): fuzz/corpus/msi_open with small real packages built by
# msitools (wixl from WiX source, msibuild from IDT files; a few KB each),
# and fuzz/corpus/msi_sql with queries. The inputs kept in
# crates/msi-query/tests/fuzz-corpus/ are added too. Run it once before the
# first `cargo fuzz run`:
#
#   bash fuzz/seed-msi.sh
#   cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run msi_open -- -max_total_time=600 -max_len=65536
#
# `bash fuzz/seed-msi.sh --write-fixture` also rewrites
# crates/msi-query/tests/fuzz-corpus/msi_open/sql-fixture.msi, the package
# the msi_sql target runs its queries on (committed, since the target embeds
# it; msibuild stamps every build, so it is rewritten only on demand).
#
# Needs: bash, wixl and msibuild (msitools), python3.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
KEPT="$REPO/crates/msi-query/tests/fuzz-corpus"
OPEN="$HERE/corpus/msi_open"
SQL="$HERE/corpus/msi_sql"
mkdir -p "$OPEN" "$SQL"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

PRODUCT_CODE='{6B2F1C44-7D1E-4E0B-9B1A-3C5D2E7F8A01}'
UPGRADE_CODE='{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}'

# `idt FILE COLUMNS TYPES TABLE_AND_KEYS ROW...` writes an IDT file: fields
# separated by TAB (`\t` in the arguments), lines ended by CR LF.
idt() {
  local file=$1
  shift
  { for line in "$@"; do printf '%b\r\n' "$line"; done; } >"$file"
}

# -- msibuild packages

# The smallest useful package: a Property table and summary information.
idt tiny-Property.idt 'Property\tValue' 's72\tl0' 'Property\tProperty' \
  "ProductCode\t$PRODUCT_CODE" 'ProductVersion\t1.2.3' \
  "UpgradeCode\t$UPGRADE_CODE" 'ProductName\tTiny' 'ProductLanguage\t1033'
msibuild tiny.msi -i tiny-Property.idt -s Tiny Olkit 'Intel;1033' '{11111111-2222-3333-4444-555555555555}'

# An empty database (summary information only).
msibuild empty.msi -s Empty

# Legacy code pages: the strings are stored in 1251 and 932.
printf '\r\n\r\n1251\t_ForceCodepage\r\n' >cp1251-force.idt
idt cp1251-Property.idt 'Property\tValue' 's72\tl0' 'Property\tProperty' \
  'ProductName\tПривет, мир' 'ProductVersion\t2.0.0' 'Manufacturer\tОлкит'
msibuild cp1251.msi -i cp1251-force.idt -i cp1251-Property.idt -s 'Пакет' 'Автор' 'Intel;1049'
printf '\r\n\r\n932\t_ForceCodepage\r\n' >cp932-force.idt
idt cp932-Property.idt 'Property\tValue' 's72\tl0' 'Property\tProperty' \
  'ProductName\tこんにちは 日本語' 'ProductVersion\t3.1.4'
msibuild cp932.msi -i cp932-force.idt -i cp932-Property.idt -s 'パッケージ' Olkit 'x64;1041'

# The SQL fixture: every column kind (2- and 4-byte integers, nullable,
# localizable, stream), NULLs, negative numbers, non-ASCII text, a table
# and columns named by reserved words, tables sharing column names for
# joins, an Upgrade table and a _Validation table. Few rows, so that
# joins of several tables stay small.
printf '\r\n\r\n1252\t_ForceCodepage\r\n' >fx-force.idt
idt fx-Property.idt 'Property\tValue' 's72\tl0' 'Property\tProperty' \
  "ProductCode\t$PRODUCT_CODE" 'ProductVersion\t1.2.3.4' "UpgradeCode\t$UPGRADE_CODE" \
  'ProductName\tCafé Olkit' 'Manufacturer\tOlkit' 'ProductLanguage\t1033' 'EMPTYISH\t '
idt fx-Num.idt 'Id\tSmall\tBig\tName\tLoc' 'i2\tI2\tI4\tS32\tL64' 'Num\tId' \
  '1\t-5\t100000\talpha\tAlpha' '2\t\t-2147483647\tbeta\t' '3\t32767\t\talpha\tGamma' \
  '-32767\t0\t0\t\tDelta' '4\t7\t-1\tgamma\tAlpha'
idt fx-Component.idt 'Component\tComponentId\tDirectory_\tAttributes\tCondition\tKeyPath' \
  's72\tS38\ts72\ti2\tS255\tS72' 'Component\tComponent' \
  'Main\t{11111111-2222-3333-4444-555555555555}\tINSTALLDIR\t256\t\tmain.exe' \
  'Readme\t{22222222-3333-4444-5555-666666666666}\tINSTALLDIR\t0\tVersionNT\t'
idt fx-Registry.idt 'Registry\tRoot\tKey\tName\tValue\tComponent_' \
  's72\ti2\tl255\tL255\tL0\ts72' 'Registry\tRegistry' \
  'reg1\t2\tSoftware\\Olkit\tVersion\t1.2.3.4\tMain' \
  'reg2\t1\tSoftware\\Olkit\tInstalled\t#1\tReadme' \
  'reg3\t-1\tSoftware\\Olkit\\Sub\t\t[ProductName]\tMain'
idt fx-Upgrade.idt 'UpgradeCode\tVersionMin\tVersionMax\tLanguage\tAttributes\tRemove\tActionProperty' \
  's38\tS20\tS20\tS255\ti4\tS255\ts72' 'Upgrade\tUpgradeCode\tVersionMin\tVersionMax\tLanguage\tAttributes' \
  "$UPGRADE_CODE\t\t1.2.3.4\t\t1\t\tWIX_UPGRADE_DETECTED" \
  "$UPGRADE_CODE\t1.2.3.4\t\t\t2\t\tWIX_DOWNGRADE_DETECTED"
idt fx-Select.idt 'Key\tOrder' 's16\tI2' 'Select\tKey' 'a\t1' 'b\t' 'Main\t2'
mkdir -p Binary
printf 'MZ\0\1bits' >Binary/bits.bin
printf 'icon\377\0' >Binary/logo.ico
idt fx-Binary.idt 'Name\tData' 's72\tv0' 'Binary\tName' 'Bits\tbits.bin' 'Logo\tlogo.ico'
idt fx-Validation.idt \
  'Table\tColumn\tNullable\tMinValue\tMaxValue\tKeyTable\tKeyColumn\tCategory\tSet\tDescription' \
  's32\ts32\ts4\tI4\tI4\tS255\tI2\tS32\tS255\tS255' '_Validation\tTable\tColumn' \
  'Property\tProperty\tN\t\t\t\t\tIdentifier\t\tName of property' \
  'Property\tValue\tN\t\t\t\t\tText\t\tString value for property' \
  'Num\tSmall\tY\t-32767\t32767\t\t\t\t\t'
msibuild sql-fixture.msi -i fx-force.idt -i fx-Property.idt -i fx-Num.idt -i fx-Component.idt \
  -i fx-Registry.idt -i fx-Upgrade.idt -i fx-Select.idt -i fx-Binary.idt -i fx-Validation.idt \
  -s 'SQL fixture' Olkit 'Intel;1033,1031' '{33333333-4444-5555-6666-777777777777}'
msibuild sql-fixture.msi -a Extra.Stream Binary/bits.bin

# The same tables under another CLSID: a transform and a patch (the reader
# takes the kind from the root storage's CLSID only).
python3 - <<'EOF'
import shutil
DATABASE = bytes.fromhex("84100c0000000000c000000000000046")
for name, clsid in [("transform.mst", "82100c0000000000c000000000000046"),
                    ("patch.msp", "86100c0000000000c000000000000046")]:
    data = open("tiny.msi", "rb").read()
    assert data.count(DATABASE) == 1, "root CLSID not found once"
    open(name, "wb").write(data.replace(DATABASE, bytes.fromhex(clsid)))
EOF

# A merge module: wixl cannot build one; a database with a ModuleSignature
# table is one.
idt module-Signature.idt 'ModuleID\tLanguage\tVersion' 's72\ti2\ts32' 'ModuleSignature\tModuleID\tLanguage' \
  'OlkitModule.AAAAAAAA_BBBB_CCCC_DDDD_EEEEEEEEEEEE\t1033\t1.0.0.0'
idt module-Component.idt 'Component\tComponentId\tDirectory_\tAttributes\tCondition\tKeyPath' \
  's72\tS38\ts72\ti2\tS255\tS72' 'Component\tComponent' \
  'ModReg.AAAAAAAA_BBBB_CCCC_DDDD_EEEEEEEEEEEE\t{55555555-6666-7777-8888-999999999999}\tTARGETDIR\t4\t\t'
msibuild module.msm -i module-Signature.idt -i module-Component.idt -s Module Olkit 'Intel;1033'

# -- wixl packages

printf 'MZ olkit fuzz seed\n' >main.exe
printf 'custom action binary\0\1\2\377' >bits.bin
printf '\0\0\1\0olkit icon bytes' >app.ico

# A product with a file in an embedded cabinet, registry values, a Binary
# and an Icon (stream columns) and a MajorUpgrade (x64).
cat >product.wxs <<EOF
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="$PRODUCT_CODE" Name="Olkit Fuzz" Language="1033" Version="1.2.3.4"
           Manufacturer="Olkit" UpgradeCode="$UPGRADE_CODE">
    <Package InstallerVersion="200" Compressed="yes"/>
    <Media Id="1" Cabinet="seed.cab" EmbedCab="yes"/>
    <MajorUpgrade DowngradeErrorMessage="A newer version is installed."/>
    <Binary Id="Bits" SourceFile="bits.bin"/>
    <Icon Id="app.ico" SourceFile="app.ico"/>
    <Property Id="ARPPRODUCTICON" Value="app.ico"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="Olkit Fuzz">
          <Component Id="Main" Guid="{11111111-2222-3333-4444-555555555555}" Win64="yes">
            <File Id="main.exe" Name="main.exe" Source="main.exe" KeyPath="yes"/>
            <RegistryValue Root="HKLM" Key="Software\\Olkit" Name="Version" Type="string" Value="1.2.3.4"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Complete" Level="1"><ComponentRef Id="Main"/></Feature>
  </Product>
</Wix>
EOF
wixl -a x64 -o product.msi product.wxs

# A product without files (x86).
cat >nofiles.wxs <<EOF
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="Olkit Registry Only" Language="1031" Version="0.9.1"
           Manufacturer="Olkit" UpgradeCode="$UPGRADE_CODE">
    <Package InstallerVersion="500" Compressed="yes"/>
    <Property Id="SERVERURL" Value="https://updates.example.com/manifest"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFilesFolder">
        <Directory Id="INSTALLDIR" Name="Olkit">
          <Component Id="Reg" Guid="{22222222-3333-4444-5555-666666666666}">
            <RegistryValue Root="HKCU" Key="Software\\Olkit" Name="Installed" Type="integer" Value="1" KeyPath="yes"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="F" Level="1"><ComponentRef Id="Reg"/></Feature>
  </Product>
</Wix>
EOF
wixl -o nofiles.msi nofiles.wxs


for f in tiny.msi empty.msi cp1251.msi cp932.msi sql-fixture.msi transform.mst patch.msp \
  product.msi nofiles.msi module.msm; do
  cp "$f" "$OPEN/seed-$f"
done
if [[ ${1:-} == --write-fixture ]]; then
  mkdir -p "$KEPT/msi_open"
  cp sql-fixture.msi "$KEPT/msi_open/sql-fixture.msi"
  echo "wrote ${KEPT#"$REPO"/}/msi_open/sql-fixture.msi"
fi

# -- queries, written against the SQL fixture's tables

query() { printf '%s' "$2" >"$SQL/hand-$1.sql"; }
query star 'SELECT * FROM Num'
query columns 'SELECT `Name`, Id FROM `Num` WHERE Small > 0 ORDER BY Big'
query distinct 'select distinct Name from Num where Name <> '\''alpha'\'' order by Name'
query join 'SELECT Registry.Registry, Component.ComponentId FROM Registry, Component WHERE Registry.Component_ = Component.Component'
query join3 'SELECT * FROM Num, Select, Binary WHERE Num.Id = `Select`.`Order` OR Binary.Name = ?'
query markers 'SELECT * FROM Num WHERE Id = ? AND Name = ? OR Big >= ?'
query null 'SELECT Id FROM Num WHERE Small IS NULL OR Loc IS NOT NULL AND (Big < -1 OR Big > 1)'
query keyword 'SELECT `Key`, `Order` FROM `Select` WHERE `Order` <> 2'
query keyword-bad 'SELECT Key FROM Select'
query brackets 'SELECT [Key] FROM [Select]'
query literal 'SELECT '\''Name'\'', '\'''\'', `` FROM Num ORDER BY *'
query virtual 'SELECT `Table`, `Number`, `Name`, `Type` FROM `_Columns` WHERE `Table` = '\''Num'\'''
query streams 'SELECT * FROM _Streams, _Storages, _Tables'
query stream-col 'SELECT Data FROM Binary WHERE Data IS NOT NULL ORDER BY Data'
query string-lt 'SELECT * FROM Property WHERE Value < '\''x'\'''
query double-quote 'SELECT * FROM Property WHERE Value = "x"'
query unknown 'SELECT Nope FROM Num WHERE Num.Nope = 1'
query ne 'SELECT * FROM Upgrade WHERE Attributes != 1 AND VersionMin = '\'''\'''
query numbers 'SELECT * FROM Num WHERE Big = 4294967297 OR Small = -32768 OR Id = .5'
query spaces 'SELECT * FROM `Num Select`, `` WHERE Id=1'
query nested 'SELECT * FROM Num WHERE ((((Id = 1) OR (Id = 2)) AND (Name <> '\''x'\'')))'
query validation 'SELECT `Table`, `Column` FROM `_Validation` WHERE `MinValue` < 0'
for f in "$KEPT"/msi_open/*; do
  [[ -f $f ]] && cp "$f" "$OPEN/kept-$(basename "$f")"
done
for f in "$KEPT"/msi_sql/*; do
  [[ -f $f ]] && cp "$f" "$SQL/kept-$(basename "$f")"
done

echo "seeded $(find "$OPEN" -type f | wc -l) inputs in ${OPEN#"$REPO"/}," \
  "$(find "$SQL" -type f | wc -l) in ${SQL#"$REPO"/}"
