// olkit::MsiPackage, MsiQuery, MsiView, MsiRecord, MsiIdentity and
// MsiInventory (olkit.hpp over olk_msi_*) from C++17: the fixture package
// that ffi/tests/languages.rs builds with wixl ($OLKIT_MSI_FIXTURES, with
// msiinfo's exports to compare with) read through every wrapper: tables and
// columns, IDT export byte for byte, properties, streams, summary
// information, identity, queries with bound records and every field type,
// SQL, record and corrupt-package errors as olkit::Error, moved-from (NULL)
// handles, invalid UTF-8, the inventory fixture
// (crates/msi-query/tests/fixtures/inventory/installed-products.reg) and
// FindRelatedProducts. Built and run, natively and under valgrind.
#include "olkit.hpp"

#include "check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

// What ffi/tests/languages.rs puts in the fixture package.
const std::string PRODUCT_CODE = "{1B7E2C90-3D4F-4A5B-9C6D-7E8F90A1B2C3}";
const std::string UPGRADE_CODE = "{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}";
const std::string PRODUCT_VERSION = "1.5.2.7";
// The inventory fixture's products under UPGRADE_CODE.
const std::string SAMPLE_MACHINE = "{3F9A7C21-8B4D-4E6F-A1B2-C3D4E5F60718}"; // 1.1.0
const std::string SAMPLE_USER = "{4E8B2D13-6A5C-4B7D-9E0F-1A2B3C4D5E6F}";    // 1.0.5
const std::string SAMPLE_NEWER = "{7C4D9E2A-3B1F-4C5D-8E6F-708192A3B4C5}";   // 2.0.0
const std::string OTHER_USER = "S-1-5-21-3623811015-3361044348-30300820-1014";
const std::string EMPTY_REG = "Windows Registry Editor Version 5.00\r\n\r\n";

std::string fixture(const std::string &name) { return env_path("OLKIT_MSI_FIXTURES", name); }

// The sources of the fixture's Binary.Blob stream and of its one file.
Bytes blob_source() { return read_file(fixture("bits.bin")); }
Bytes readme_source() { return read_file(fixture("readme.txt")); }

// The lines of an IDT text (CR LF), without their line ends.
std::vector<std::string> lines_of(const std::string &text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        lines.push_back(line);
    }
    return lines;
}

std::vector<std::string> tab_fields(const std::string &line) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (;;) {
        const std::size_t tab = line.find('\t', start);
        fields.push_back(line.substr(start, tab == std::string::npos ? tab : tab - start));
        if (tab == std::string::npos) {
            return fields;
        }
        start = tab + 1;
    }
}

std::vector<std::string> idt_lines(const std::string &table) {
    return lines_of(text_of(read_file(fixture(table + ".idt"))));
}

// The value of summary property pid in msiinfo's _SummaryInformation export.
std::string summary_idt_value(const std::string &pid) {
    for (const std::string &line : idt_lines("_SummaryInformation")) {
        const std::vector<std::string> fields = tab_fields(line);
        if (fields.size() == 2 && fields[0] == pid) {
            return fields[1];
        }
    }
    return std::string();
}

bool has(const std::string &text, const std::string &needle) {
    const bool found = text.find(needle) != std::string::npos;
    if (!found) {
        std::fprintf(stderr, "    \"%s\" not found in %s\n", needle.c_str(), text.c_str());
    }
    return found;
}

std::size_t count_of(const std::string &text, const std::string &needle) {
    std::size_t count = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + needle.size())) {
        count++;
    }
    return count;
}

olkit::MsiPackage open_fixture() { return olkit::MsiPackage::open(fixture("fixture.msi")); }

olkit::MsiInventory inventory_fixture() {
    return olkit::MsiInventory::parse(read_file(
        source_path("crates/msi-query/tests/fixtures/inventory/installed-products.reg")));
}

olkit::MsiView run(const olkit::MsiPackage &package, const std::string &sql) {
    return olkit::MsiQuery::prepare(sql).execute(package);
}

void test_types() {
    static_assert(is_move_only_v<olkit::MsiPackage> && is_move_only_v<olkit::MsiQuery> &&
                      is_move_only_v<olkit::MsiView> && is_move_only_v<olkit::MsiRecord> &&
                      is_move_only_v<olkit::MsiIdentity> && is_move_only_v<olkit::MsiInventory>,
                  "move-only");
    CHECK(OLK_MSI_CONTAINER == 3000 && OLK_MSI_UNKNOWN_PROPERTY == 3014);
    CHECK(olkit::status_str(OLK_MSI_NO_MORE_ROWS) != "unknown status");
    CHECK(olkit::status_str(3015) == "unknown status");
}

void test_open_tables_and_columns() {
    olkit::MsiPackage package = open_fixture();
    olkit::MsiPackage copy = olkit::MsiPackage::open_bytes(read_file(fixture("fixture.msi")));
    CHECK(package.kind() == OLK_MSI_KIND_DATABASE && copy.kind() == OLK_MSI_KIND_DATABASE);
    const std::vector<std::string> force = idt_lines("_ForceCodepage");
    CHECK(force.size() >= 3 && package.codepage() == std::stoul(tab_fields(force[2])[0]));
    CHECK(copy.codepage() == package.codepage());

    // The tables msiinfo lists after its two pseudo-tables, in order.
    std::vector<std::string> listed = lines_of(text_of(read_file(fixture("tables.txt"))));
    CHECK(listed.size() > 12 && listed[0] == "_SummaryInformation" && listed[1] == "_ForceCodepage");
    listed.erase(listed.begin(), listed.begin() + 2);
    CHECK(package.table_names() == listed);
    CHECK(copy.table_names() == listed);

    // Columns against the three header lines of msiinfo's exports.
    for (const std::string table : {"Property", "Upgrade", "Binary", "File"}) {
        const std::vector<std::string> idt = idt_lines(table);
        const std::vector<olkit::MsiPackage::Column> columns = package.columns(table);
        const std::vector<std::string> names = tab_fields(idt.at(0));
        const std::vector<std::string> types = tab_fields(idt.at(1));
        const std::vector<std::string> keys = tab_fields(idt.at(2));
        CHECK(columns.size() == names.size() && keys.at(0) == table);
        for (std::size_t i = 0; i < columns.size() && i < names.size(); i++) {
            bool key = false;
            for (std::size_t k = 1; k < keys.size(); k++) {
                key = key || keys[k] == names[i];
            }
            CHECK(columns[i].name == names[i] && columns[i].type == types[i]);
            CHECK(columns[i].is_key == key);
        }
    }
    const std::vector<olkit::MsiPackage::Column> streams = package.columns("_Streams");
    CHECK(streams.size() == 2 && streams[1].name == "Data" && streams[1].type == "V0");
    CHECK_THROWS(package.columns("Nope"), OLK_MSI_NO_SUCH_TABLE, "\"Nope\"");
    CHECK_THROWS(olkit::check(olk_msi_package_table_name(package.get(), listed.size(), nullptr)),
                 OLK_NULL_ARGUMENT, "argument `out`");
    char *name = nullptr;
    CHECK_THROWS(olkit::check(olk_msi_package_table_name(package.get(), listed.size(), &name)),
                 OLK_OUT_OF_RANGE, "out of range");
    CHECK(name == nullptr);
}

void test_open_errors_and_corruption() {
    CHECK_THROWS(olkit::MsiPackage::open(fixture("no-such.msi")), OLK_IO, "no-such.msi");
    const std::string reg =
        source_path("crates/msi-query/tests/fixtures/inventory/installed-products.reg");
    CHECK_THROWS(olkit::MsiPackage::open(reg), OLK_MSI_CONTAINER, reg);
    CHECK_THROWS(olkit::MsiPackage::open_bytes({}), OLK_MSI_CONTAINER, "compound file");
    Bytes msi = read_file(fixture("fixture.msi"));
    CHECK(msi.size() > 4096);
    const Bytes half(msi.begin(), msi.begin() + static_cast<std::ptrdiff_t>(msi.size() / 2));
    CHECK_THROWS(olkit::MsiPackage::open_bytes(half), OLK_MSI_CONTAINER, "compound file");
    msi[0] ^= 0xff;
    CHECK_THROWS(olkit::MsiPackage::open_bytes(msi), OLK_MSI_CONTAINER, "compound file");
}

void test_export_properties_streams() {
    olkit::MsiPackage package = open_fixture();
    for (const std::string table :
         {"Property", "Upgrade", "Binary", "File", "_SummaryInformation", "_ForceCodepage"}) {
        const Bytes expected = read_file(fixture(table + ".idt"));
        CHECK(!expected.empty() && package.export_table(table) == expected);
    }
    CHECK_THROWS(package.export_table("Nope"), OLK_MSI_NO_SUCH_TABLE, "Nope");
    CHECK(package.property("ProductVersion") == PRODUCT_VERSION);
    CHECK(package.property("GREETING") == GRUESSE);
    CHECK(!package.property("NoSuchProperty"));
    CHECK(!blob_source().empty() && package.read_stream("Binary.Blob") == blob_source());
    CHECK_THROWS(package.read_stream("Binary.Nope"), OLK_MSI_NO_SUCH_STREAM, "Binary.Nope");
}

void test_summary_and_identity() {
    olkit::MsiPackage package = open_fixture();
    const std::string code = summary_idt_value("9");
    std::string created = summary_idt_value("12"); // YYYY/MM/DD hh:mm:ss, UTC
    for (char &c : created) {
        c = c == '/' ? '-' : c == ' ' ? 'T' : c;
    }
    CHECK(code.size() == 38 && created.size() == 19);
    const std::string json = package.summary_json();
    CHECK(has(json, "{\"id\":7,\"name\":\"Template\",\"value\":\"x64;1033\"}"));
    CHECK(has(json, "{\"id\":9,\"name\":\"RevisionNumber\",\"value\":\"" + code + "\"}"));
    CHECK(has(json, "{\"id\":12,\"name\":\"CreateTime\",\"value\":\"" + created + "Z\"}"));
    CHECK(has(json, "{\"id\":14,\"name\":\"PageCount\",\"value\":405}"));

    std::optional<olkit::MsiIdentity> identity = package.identity();
    { olkit::MsiPackage gone = std::move(package); } // the identity outlives the package
    CHECK(identity->value(OLK_MSI_IDENTITY_PRODUCT_CODE) == PRODUCT_CODE);
    CHECK(identity->value(OLK_MSI_IDENTITY_PRODUCT_VERSION) == PRODUCT_VERSION);
    CHECK(identity->value(OLK_MSI_IDENTITY_UPGRADE_CODE) == UPGRADE_CODE);
    CHECK(identity->value(OLK_MSI_IDENTITY_PRODUCT_NAME) == std::string("Olkit FFI Fixture"));
    CHECK(identity->value(OLK_MSI_IDENTITY_MANUFACTURER) == std::string("Olkit Test Co"));
    CHECK(identity->value(OLK_MSI_IDENTITY_PRODUCT_LANGUAGE) == std::string("1033"));
    CHECK(identity->value(OLK_MSI_IDENTITY_PACKAGE_CODE) == code);
    CHECK(identity->value(OLK_MSI_IDENTITY_ARCHITECTURE) == std::string("x64"));
    CHECK(identity->value(OLK_MSI_IDENTITY_LANGUAGES) == std::string("1033"));
    CHECK(identity->value(OLK_MSI_IDENTITY_MINIMUM_INSTALLER_VERSION) == std::string("4.5"));
    CHECK_THROWS(identity->value(static_cast<olk_msi_identity_field>(0)), OLK_INVALID_ARGUMENT,
                 "olk_msi_identity_field");
}

void test_queries_and_records() {
    olkit::MsiPackage package = open_fixture();
    olkit::MsiQuery query =
        olkit::MsiQuery::prepare("SELECT `Property`, `Value` FROM `Property` WHERE `Property` = ?");
    CHECK(query.marker_count() == 1);
    olkit::MsiRecord params = olkit::MsiRecord::create(1);
    CHECK(params.field_count() == 1 && params.is_null(1));
    params.set_string(1, "GREETING");
    olkit::MsiView view = query.execute(package, params);
    const std::vector<olkit::MsiView::Column> columns = view.columns();
    CHECK(columns.size() == 2 && columns[0].name == "Property" && columns[0].type == "s72" &&
          columns[1].name == "Value" && columns[1].type == "l0");
    CHECK(view.row_count() == 1);
    std::optional<olkit::MsiRecord> row = view.fetch();
    CHECK(row && row->field_count() == 2 && row->type(2) == OLK_MSI_FIELD_STRING &&
          row->get_string(2) == GRUESSE);
    CHECK(!view.fetch() && !view.fetch()); // OLK_MSI_NO_MORE_ROWS, repeatedly

    // Every row of SELECT * in msiinfo's order.
    const std::vector<std::string> idt = idt_lines("Property");
    olkit::MsiView all = run(package, "SELECT * FROM `Property`");
    CHECK(all.row_count() + 3 == idt.size());
    std::size_t n = 3;
    while (std::optional<olkit::MsiRecord> next = all.fetch()) {
        CHECK(n < idt.size() && next->get_string(1) + "\t" + next->get_string(2) == idt[n]);
        n++;
    }
    CHECK(n == idt.size());

    // Integers, NULL, an integer parameter.
    olkit::MsiRecord sequence = olkit::MsiRecord::create(1);
    sequence.set_int(1, 1);
    olkit::MsiView files = olkit::MsiQuery::prepare(
        "SELECT `FileSize`, `Attributes`, `Version` FROM `File` WHERE `Sequence` = ?")
                               .execute(package, sequence);
    std::optional<olkit::MsiRecord> file = files.fetch();
    CHECK(!readme_source().empty() && file && file->type(1) == OLK_MSI_FIELD_INT &&
          static_cast<std::size_t>(file->get_int(1)) == readme_source().size() &&
          file->get_int(2) == 512);
    CHECK(file && file->is_null(3) && file->type(3) == OLK_MSI_FIELD_NULL && file->get_string(3).empty());
    CHECK_THROWS(file->get_int(3), OLK_MSI_TYPE_MISMATCH, "field 3 is NULL, not an integer");
    CHECK_THROWS(file->get_string(1), OLK_MSI_TYPE_MISMATCH, "field 1 is an integer");
    CHECK_THROWS(file->stream_name(1), OLK_MSI_TYPE_MISMATCH, "not a stream");
    CHECK_THROWS(file->read_stream(2), OLK_MSI_TYPE_MISMATCH, "not a stream");
    CHECK_THROWS(file->get_int(4), OLK_OUT_OF_RANGE, "field 4 is out of range");
    sequence.set_int(1, 2);
    CHECK(olkit::MsiQuery::prepare("SELECT `File` FROM `File` WHERE `Sequence` = ?")
              .execute(package, sequence)
              .row_count() == 0);

    // A stream field, readable after the package and the view are gone.
    std::optional<olkit::MsiRecord> blob;
    {
        olkit::MsiPackage own = open_fixture();
        olkit::MsiView binary = run(own, "SELECT `Name`, `Data` FROM `Binary`");
        blob = binary.fetch();
    }
    CHECK(blob && blob->get_string(1) == "Blob" && blob->type(2) == OLK_MSI_FIELD_STREAM);
    CHECK(blob && blob->stream_name(2) == "Binary.Blob" && blob->read_stream(2) == blob_source());
    CHECK_THROWS(blob->get_string(2), OLK_MSI_TYPE_MISMATCH, "field 2 is a stream");

    // Setters.
    olkit::MsiRecord record = olkit::MsiRecord::create(2);
    record.set_int(1, -7);
    CHECK(record.get_int(1) == -7 && !record.is_null(1));
    record.set_null(1);
    CHECK(record.is_null(1));
    record.set_string(2, "");
    CHECK(record.is_null(2)); // the empty string is NULL
    CHECK_THROWS(record.set_int(0, 1), OLK_OUT_OF_RANGE, "numbered from 1");
    CHECK_THROWS(record.set_string(3, "x"), OLK_OUT_OF_RANGE, "field 3");
    CHECK_THROWS(olkit::MsiRecord::create(65536), OLK_OUT_OF_RANGE, "65535");
}

void test_sql_errors() {
    olkit::MsiPackage package = open_fixture();
    CHECK_THROWS(olkit::MsiQuery::prepare("SELECT * FRM `Property`"), OLK_MSI_SQL_SYNTAX,
                 "SQL error at byte 9 (\"FRM\")");
    CHECK_THROWS(olkit::MsiQuery::prepare("SELECT * FROM `Property` WHERE `Value` = \"x\""),
                 OLK_MSI_SQL_SYNTAX, "double quotes");
    CHECK_THROWS(run(package, "SELECT * FROM `Nope`"), OLK_MSI_NO_SUCH_TABLE, "no table named \"Nope\"");
    CHECK_THROWS(run(package, "SELECT `Nope` FROM `Property`"), OLK_MSI_SQL_INVALID, "no column");
    CHECK_THROWS(run(package, "SELECT * FROM `Property` WHERE `Value` < 'a'"), OLK_MSI_SQL_INVALID,
                 "cannot compare strings");
    const olkit::MsiQuery two =
        olkit::MsiQuery::prepare("SELECT * FROM `Property` WHERE `Property` = ? OR `Value` = ?");
    CHECK_THROWS(two.execute(package), OLK_MSI_MARKER_COUNT, "2 ? markers");
    CHECK_THROWS(two.execute(package, olkit::MsiRecord::create(1)), OLK_MSI_MARKER_COUNT,
                 "record has 1 fields");
    olkit::MsiView binary = run(package, "SELECT `Name`, `Data` FROM `Binary`");
    const std::optional<olkit::MsiRecord> row = binary.fetch();
    CHECK_THROWS(two.execute(package, *row), OLK_INVALID_ARGUMENT, "holds a stream");
}

void test_inventory_and_upgrades() {
    olkit::MsiInventory inventory = inventory_fixture();
    const std::string all = inventory.products_json();
    CHECK(count_of(all, "{\"product_code\":") == 10 && count_of(all, "{\"key\":") == 5);
    CHECK(has(all, "{\"product_code\":\"" + SAMPLE_MACHINE + "\",\"context\":\"machine\""));
    const std::string related = inventory.products_json(UPGRADE_CODE);
    CHECK(count_of(related, "{\"product_code\":") == 3 && has(related, SAMPLE_NEWER));
    CHECK_THROWS(inventory.products_json(std::string("nope")), OLK_INVALID_ARGUMENT, "upgrade_code");
    CHECK(inventory.product_info(SAMPLE_MACHINE, OLK_MSI_CONTEXT_MACHINE, "VersionString") == "1.1.0");
    CHECK(inventory.product_info(SAMPLE_NEWER, OLK_MSI_CONTEXT_USER_UNMANAGED, "State", OTHER_USER) ==
          "5");
    CHECK_THROWS(inventory.product_info(SAMPLE_NEWER, OLK_MSI_CONTEXT_USER_UNMANAGED, "State"),
                 OLK_MSI_UNKNOWN_PRODUCT, SAMPLE_NEWER);
    CHECK_THROWS(inventory.product_info(SAMPLE_MACHINE, OLK_MSI_CONTEXT_MACHINE, "Colour"),
                 OLK_MSI_UNKNOWN_PROPERTY, "Colour");
    CHECK_THROWS(olkit::MsiInventory::parse(bytes_of("REGEDIT9\r\n")), OLK_REG_BAD_HEADER, "");

    olkit::MsiPackage package = open_fixture();
    olkit::MsiPackage::Related result = package.find_related_products(inventory);
    CHECK(result.verdict == OLK_MSI_VERDICT_DOWNGRADE);
    CHECK(has(result.report_json, "{\"verdict\":\"downgrade\",\"maintenance\":false,\"downgrade\":true,"));
    CHECK(has(result.report_json, "[\"WIX_UPGRADE_DETECTED\",\"" + SAMPLE_USER + ";" + SAMPLE_MACHINE + "\"]"));
    CHECK(has(result.report_json, "{\"action\":\"detect\",\"product\":{\"product_code\":\"" + SAMPLE_NEWER));
    result = package.find_related_products(inventory, OLK_MSI_SCOPE_MACHINE);
    CHECK(result.verdict == OLK_MSI_VERDICT_UPGRADE);
    CHECK(has(result.report_json, "\"action_properties\":[[\"WIX_UPGRADE_DETECTED\",\"" + SAMPLE_MACHINE + "\"]]"));
    result = package.find_related_products(inventory, OLK_MSI_SCOPE_USER, OTHER_USER);
    CHECK(result.verdict == OLK_MSI_VERDICT_DOWNGRADE && count_of(result.report_json, "\"action\":\"remove\"") == 0);
    olkit::MsiInventory empty = olkit::MsiInventory::parse(bytes_of(EMPTY_REG));
    CHECK(empty.products_json() == "{\"current_user_sid\":null,\"products\":[],\"warnings\":[]}");
    CHECK(package.find_related_products(empty).verdict == OLK_MSI_VERDICT_INSTALL);
    olkit::MsiInventory own = olkit::MsiInventory::parse(bytes_of(
        EMPTY_REG +
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\09C2E7B1F4D3B5A4C9D6E7F8091A2B3C]\r\n"
        "\"Version\"=dword:01050002\r\n"));
    CHECK(package.find_related_products(own).verdict == OLK_MSI_VERDICT_MAINTENANCE);
    CHECK_THROWS(package.find_related_products(inventory, static_cast<olk_msi_scope>(9)),
                 OLK_INVALID_ARGUMENT, "olk_msi_scope");
    CHECK_THROWS(package.find_related_products(inventory, OLK_MSI_SCOPE_MACHINE, OTHER_USER),
                 OLK_INVALID_ARGUMENT, "user_sid");
}

// Moved-from wrappers pass NULL handles: every wrapper answers with
// OLK_NULL_ARGUMENT naming the handle, nothing crashes.
void test_null_handles() {
    olkit::MsiPackage package = open_fixture();
    olkit::MsiPackage p = std::move(package);
    olkit::MsiInventory inv = olkit::MsiInventory::parse(bytes_of(EMPTY_REG));
    olkit::MsiInventory i = std::move(inv);
    olkit::MsiQuery query = olkit::MsiQuery::prepare("SELECT `Name`, `Data` FROM `Binary`");
    olkit::MsiQuery q = std::move(query);
    olkit::MsiView view = q.execute(p);
    olkit::MsiView v = std::move(view);
    olkit::MsiRecord record = olkit::MsiRecord::create(1);
    olkit::MsiRecord r = std::move(record);
    olkit::MsiIdentity identity = p.identity();
    olkit::MsiIdentity id = std::move(identity);
    CHECK(!package && !inv && !query && !view && !record && !identity); // NOLINT(bugprone-use-after-move)

    CHECK_THROWS(package.kind(), OLK_NULL_ARGUMENT, "argument `package` is NULL");
    CHECK_THROWS(package.codepage(), OLK_NULL_ARGUMENT, "`package`");
    CHECK_THROWS(package.table_names(), OLK_NULL_ARGUMENT, "`package`");
    CHECK_THROWS(package.columns("File"), OLK_NULL_ARGUMENT, "`package`");
    CHECK_THROWS(package.property("ProductCode"), OLK_NULL_ARGUMENT, "`package`");
    CHECK_THROWS(package.read_stream("Binary.Blob"), OLK_NULL_ARGUMENT, "`package`");
    CHECK_THROWS(package.export_table("File"), OLK_NULL_ARGUMENT, "`package`");
    CHECK_THROWS(package.summary_json(), OLK_NULL_ARGUMENT, "`package`");
    CHECK_THROWS(package.identity(), OLK_NULL_ARGUMENT, "`package`");
    CHECK_THROWS(package.find_related_products(i), OLK_NULL_ARGUMENT, "`package`");
    CHECK_THROWS(p.find_related_products(inv), OLK_NULL_ARGUMENT, "`inventory`");
    CHECK_THROWS(q.execute(package), OLK_NULL_ARGUMENT, "`package`");
    CHECK_THROWS(query.execute(p), OLK_NULL_ARGUMENT, "`query`");
    CHECK_THROWS(query.marker_count(), OLK_NULL_ARGUMENT, "`query`");
    CHECK_THROWS(view.columns(), OLK_NULL_ARGUMENT, "`view`");
    CHECK_THROWS(view.row_count(), OLK_NULL_ARGUMENT, "`view`");
    CHECK_THROWS(view.fetch(), OLK_NULL_ARGUMENT, "`view`");
    CHECK_THROWS(record.field_count(), OLK_NULL_ARGUMENT, "`record`");
    CHECK_THROWS(record.type(1), OLK_NULL_ARGUMENT, "`record`");
    CHECK_THROWS(record.is_null(1), OLK_NULL_ARGUMENT, "`record`");
    CHECK_THROWS(record.get_int(1), OLK_NULL_ARGUMENT, "`record`");
    CHECK_THROWS(record.get_string(1), OLK_NULL_ARGUMENT, "`record`");
    CHECK_THROWS(record.stream_name(1), OLK_NULL_ARGUMENT, "`record`");
    CHECK_THROWS(record.read_stream(1), OLK_NULL_ARGUMENT, "`record`");
    CHECK_THROWS(record.set_null(1), OLK_NULL_ARGUMENT, "`record`");
    CHECK_THROWS(record.set_int(1, 1), OLK_NULL_ARGUMENT, "`record`");
    CHECK_THROWS(record.set_string(1, "x"), OLK_NULL_ARGUMENT, "`record`");
    CHECK_THROWS(identity.value(OLK_MSI_IDENTITY_PRODUCT_CODE), OLK_NULL_ARGUMENT, "`identity`");
    CHECK_THROWS(inv.products_json(), OLK_NULL_ARGUMENT, "`inventory`");
    CHECK_THROWS(inv.product_info(PRODUCT_CODE, OLK_MSI_CONTEXT_MACHINE, "State"), OLK_NULL_ARGUMENT,
                 "`inventory`");

    // NULL outputs and strings through the raw functions, as a C++ caller might pass them.
    std::size_t count = 5;
    CHECK_STATUS(olk_msi_package_table_count(p.get(), nullptr), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_msi_package_column_count(p.get(), nullptr, &count), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_msi_query_prepare(nullptr, nullptr), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_msi_view_fetch(v.get(), nullptr), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_msi_record_set_string(r.get(), 1, nullptr), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_msi_identity_get(id.get(), OLK_MSI_IDENTITY_PRODUCT_CODE, nullptr),
                 OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_msi_inventory_parse(nullptr, 1, nullptr), OLK_NULL_ARGUMENT);
    CHECK(count == 5);
    CHECK(v.row_count() == 1 && r.is_null(1)); // unchanged
    olk_msi_package_free(nullptr);
    olk_msi_query_free(nullptr);
    olk_msi_view_free(nullptr);
    olk_msi_record_free(nullptr);
    olk_msi_identity_free(nullptr);
    olk_msi_inventory_free(nullptr);
}

void test_invalid_utf8_and_nul() {
    olkit::MsiPackage package = open_fixture();
    olkit::MsiInventory inventory = inventory_fixture();
    olkit::MsiRecord record = olkit::MsiRecord::create(1);
    CHECK_THROWS(olkit::MsiPackage::open(BAD_UTF8), OLK_INVALID_UTF8, "argument `path`");
    CHECK_THROWS(package.columns(BAD_UTF8), OLK_INVALID_UTF8, "argument `table`");
    CHECK_THROWS(package.property(BAD_UTF8), OLK_INVALID_UTF8, "argument `name`");
    CHECK_THROWS(package.read_stream(BAD_UTF8), OLK_INVALID_UTF8, "argument `name`");
    CHECK_THROWS(package.export_table(BAD_UTF8), OLK_INVALID_UTF8, "argument `table`");
    CHECK_THROWS(olkit::MsiQuery::prepare(BAD_UTF8), OLK_INVALID_UTF8, "argument `sql`");
    CHECK_THROWS(record.set_string(1, BAD_UTF8), OLK_INVALID_UTF8, "argument `value`");
    CHECK_THROWS(inventory.products_json(BAD_UTF8), OLK_INVALID_UTF8, "argument `upgrade_code`");
    CHECK_THROWS(inventory.product_info(BAD_UTF8, OLK_MSI_CONTEXT_MACHINE, "State"), OLK_INVALID_UTF8,
                 "argument `product_code`");
    CHECK_THROWS(inventory.product_info(SAMPLE_USER, OLK_MSI_CONTEXT_USER_UNMANAGED, "State", BAD_UTF8),
                 OLK_INVALID_UTF8, "argument `user_sid`");
    CHECK_THROWS(inventory.product_info(SAMPLE_MACHINE, OLK_MSI_CONTEXT_MACHINE, BAD_UTF8),
                 OLK_INVALID_UTF8, "argument `property`");
    CHECK_THROWS(package.find_related_products(inventory, OLK_MSI_SCOPE_USER, BAD_UTF8), OLK_INVALID_UTF8,
                 "argument `user_sid`");
    // A NUL inside a std::string is refused before C would cut it.
    CHECK_THROWS(package.property(std::string("Product\0Code", 12)), OLK_EMBEDDED_NUL, "NUL");
    CHECK(record.is_null(1));
}

} // namespace

int main() {
    return run_tests({
        {test_types, "types"},
        {test_open_tables_and_columns, "open_tables_and_columns"},
        {test_open_errors_and_corruption, "open_errors_and_corruption"},
        {test_export_properties_streams, "export_properties_streams"},
        {test_summary_and_identity, "summary_and_identity"},
        {test_queries_and_records, "queries_and_records"},
        {test_sql_errors, "sql_errors"},
        {test_inventory_and_upgrades, "inventory_and_upgrades"},
        {test_null_handles, "null_handles"},
        {test_invalid_utf8_and_nul, "invalid_utf8_and_nul"},
    });
}
