/*
 * olk_msi_* (olkit-msi-query) from C99: packages opened from a path and
 * from bytes, tables and columns checked against `msiinfo tables` and the
 * headers of `msiinfo export`, IDT export byte for byte against msiinfo,
 * properties, streams, summary information, product identity, queries with
 * bound parameters, typed record fields, stream fields, every SQL and
 * record error, corrupt packages, the installed-product inventory of a .reg
 * export, FindRelatedProducts in every scope, NULL for every pointer
 * argument and invalid UTF-8 in every string argument.
 *
 * Inputs: $OLKIT_MSI_FIXTURES (made for each run by ffi/tests/languages.rs:
 * fixture.msi built by wixl with the ProductCode, UpgradeCode and version
 * below from the source files bits.bin (its Binary.Blob stream) and
 * readme.txt (its one file), tables.txt and <table>.idt written by msiinfo)
 * and the inventory fixture crates/msi-query/tests/fixtures/inventory/
 * installed-products.reg (Wine-written registrations) under
 * $OLKIT_SOURCE_DIR. Run natively and under valgrind.
 */
#include "olkit.h"

#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What ffi/tests/languages.rs puts in the fixture package. */
#define PRODUCT_CODE "{1B7E2C90-3D4F-4A5B-9C6D-7E8F90A1B2C3}"
#define UPGRADE_CODE "{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}"
#define PRODUCT_VERSION "1.5.2.7"

/* Products of the inventory fixture registered under UPGRADE_CODE. */
#define SAMPLE_MACHINE "{3F9A7C21-8B4D-4E6F-A1B2-C3D4E5F60718}" /* 1.1.0 per machine */
#define SAMPLE_USER "{4E8B2D13-6A5C-4B7D-9E0F-1A2B3C4D5E6F}"    /* 1.0.5, the HKCU user */
#define SAMPLE_NEWER "{7C4D9E2A-3B1F-4C5D-8E6F-708192A3B4C5}"   /* 2.0.0, OTHER_USER */
#define CURRENT_USER "S-1-5-21-0-0-0-1000"
#define OTHER_USER "S-1-5-21-3623811015-3361044348-30300820-1014"
#define INVENTORY "crates/msi-query/tests/fixtures/inventory/installed-products.reg"

static const char *fixture(const char *name) { return env_path("OLKIT_MSI_FIXTURES", name); }

static bytes read_fixture(const char *name) { return read_file(fixture(name)); }

/* Whether data/len are the bytes of bits.bin, the source of the Binary.Blob stream. */
static int is_blob(const uint8_t *data, size_t len) {
    bytes blob = read_fixture("bits.bin");
    int same = blob.len > 0 && same_bytes(data, len, blob.data, blob.len);
    bytes_free(blob);
    return same;
}

/* Whether `text` contains `needle` (reported if not); does not free. */
static int has(const char *text, const char *needle) {
    int found = text != NULL && strstr(text, needle) != NULL;
    if (!found) {
        fprintf(stderr, "    \"%s\" not found in %s\n", needle, text ? text : "(null)");
    }
    return found;
}

static size_t count_of(const char *text, const char *needle) {
    size_t count = 0;
    const char *at = text;
    while (at != NULL && (at = strstr(at, needle)) != NULL) {
        count++;
        at += strlen(needle);
    }
    return count;
}

/* Line `n` (0-based) of an IDT text (CR LF line ends) into `buf`; 0 if missing. */
static int line_of(const char *text, size_t n, char *buf, size_t cap) {
    const char *start = text;
    const char *end;
    size_t len;
    while (n-- > 0) {
        start = strchr(start, '\n');
        if (start == NULL) {
            return 0;
        }
        start++;
    }
    if (*start == '\0') {
        return 0;
    }
    end = strchr(start, '\n');
    len = end != NULL ? (size_t)(end - start) : strlen(start);
    if (len > 0 && start[len - 1] == '\r') {
        len--;
    }
    if (len >= cap) {
        return 0;
    }
    memcpy(buf, start, len);
    buf[len] = '\0';
    return 1;
}

/* Tab-separated field `n` (0-based) of `line` into `buf`; 0 if missing. */
static int tab_field(const char *line, size_t n, char *buf, size_t cap) {
    const char *start = line;
    size_t len;
    while (n-- > 0) {
        start = strchr(start, '\t');
        if (start == NULL) {
            return 0;
        }
        start++;
    }
    len = strcspn(start, "\t");
    if (len >= cap) {
        return 0;
    }
    memcpy(buf, start, len);
    buf[len] = '\0';
    return 1;
}

/* The value of summary property `pid` in _SummaryInformation.idt. */
static int summary_idt_value(const char *pid, char *buf, size_t cap) {
    bytes idt = read_fixture("_SummaryInformation.idt");
    char line[512], id[16];
    size_t n;
    int found = 0;
    for (n = 3; idt.data != NULL && !found && line_of((const char *)idt.data, n, line, sizeof line); n++) {
        found = tab_field(line, 0, id, sizeof id) && strcmp(id, pid) == 0 &&
                tab_field(line, 1, buf, cap);
    }
    bytes_free(idt);
    return found;
}

static olk_msi_package *open_fixture(void) {
    olk_msi_package *package = NULL;
    CHECK_STATUS(olk_msi_package_open(fixture("fixture.msi"), &package), OLK_OK);
    return package;
}

static olk_msi_query *prepare(const char *sql) {
    olk_msi_query *query = NULL;
    CHECK_STATUS(olk_msi_query_prepare(sql, &query), OLK_OK);
    return query;
}

/* Runs `sql` with `params` (may be NULL); NULL if it failed. */
static olk_msi_view *run(const olk_msi_package *package, const char *sql,
                         const olk_msi_record *params) {
    olk_msi_query *query = prepare(sql);
    olk_msi_view *view = NULL;
    CHECK_STATUS(olk_msi_query_execute(query, package, params, &view), OLK_OK);
    olk_msi_query_free(query);
    return view;
}

/* The status executing `sql` (which must parse) against `package` gives. */
static olk_status execute_status(const olk_msi_package *package, const char *sql,
                                 const olk_msi_record *params) {
    olk_msi_query *query = prepare(sql);
    olk_msi_view *view = (olk_msi_view *)&query;
    olk_status status = olk_msi_query_execute(query, package, params, &view);
    CHECK(status == OLK_OK || view == (olk_msi_view *)&query); /* untouched on failure */
    if (status == OLK_OK) {
        olk_msi_view_free(view);
    }
    olk_msi_query_free(query);
    return status;
}

static olk_msi_record *fetch(olk_msi_view *view) {
    olk_msi_record *record = NULL;
    CHECK_STATUS(olk_msi_view_fetch(view, &record), OLK_OK);
    return record;
}

static int field_is_string(const olk_msi_record *record, size_t field, const char *expected) {
    char *text = NULL;
    uint32_t type = 99;
    CHECK_STATUS(olk_msi_record_field_type(record, field, &type), OLK_OK);
    CHECK_STATUS(olk_msi_record_get_string(record, field, &text), OLK_OK);
    return type == OLK_MSI_FIELD_STRING && string_is(text, expected);
}

static olk_msi_inventory *parse_inventory_file(void) {
    bytes reg = read_file(source_path(INVENTORY));
    olk_msi_inventory *inventory = NULL;
    CHECK(reg.len > 0);
    CHECK_STATUS(olk_msi_inventory_parse(reg.data, reg.len, &inventory), OLK_OK);
    bytes_free(reg);
    return inventory;
}

static olk_msi_inventory *parse_inventory_text(const char *text) {
    olk_msi_inventory *inventory = NULL;
    CHECK_STATUS(olk_msi_inventory_parse((const uint8_t *)text, strlen(text), &inventory), OLK_OK);
    return inventory;
}

/* ------------------------------------------------------------------------ */

static void test_status_codes_and_enums(void) {
    static const olk_status codes[] = {
        OLK_MSI_CONTAINER,     OLK_MSI_NOT_A_PACKAGE, OLK_MSI_CORRUPT,
        OLK_MSI_UNSUPPORTED_CODEPAGE, OLK_MSI_NO_SUCH_TABLE, OLK_MSI_NO_SUCH_STREAM,
        OLK_MSI_TOO_LARGE,     OLK_MSI_SQL_SYNTAX,    OLK_MSI_SQL_INVALID,
        OLK_MSI_MARKER_COUNT,  OLK_MSI_NO_MORE_ROWS,  OLK_MSI_TYPE_MISMATCH,
        OLK_MSI_INVALID_VALUE, OLK_MSI_UNKNOWN_PRODUCT, OLK_MSI_UNKNOWN_PROPERTY,
    };
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        CHECK(codes[i] == (olk_status)(3000 + i));
        CHECK(strcmp(olk_status_str(codes[i]), "unknown status") != 0);
    }
    CHECK(strcmp(olk_status_str(3015), "unknown status") == 0);
    CHECK(OLK_MSI_KIND_DATABASE == 1 && OLK_MSI_KIND_MERGE_MODULE == 2);
    CHECK(OLK_MSI_KIND_TRANSFORM == 3 && OLK_MSI_KIND_PATCH == 4);
    CHECK(OLK_MSI_FIELD_NULL == 0 && OLK_MSI_FIELD_INT == 1);
    CHECK(OLK_MSI_FIELD_STRING == 2 && OLK_MSI_FIELD_STREAM == 3);
    CHECK(OLK_MSI_IDENTITY_PRODUCT_CODE == 1 && OLK_MSI_IDENTITY_MINIMUM_INSTALLER_VERSION == 10);
    CHECK(OLK_MSI_SCOPE_ALL == 1 && OLK_MSI_SCOPE_MACHINE == 2 && OLK_MSI_SCOPE_USER == 3);
    CHECK(OLK_MSI_VERDICT_INSTALL == 1 && OLK_MSI_VERDICT_MAINTENANCE == 4);
    CHECK(OLK_MSI_CONTEXT_USER_MANAGED == 1 && OLK_MSI_CONTEXT_USER_UNMANAGED == 2);
    CHECK(OLK_MSI_CONTEXT_MACHINE == 4);
}

static void test_open_path_and_bytes(void) {
    bytes msi = read_fixture("fixture.msi");
    bytes force = read_fixture("_ForceCodepage.idt");
    olk_msi_package *from_path = open_fixture();
    olk_msi_package *from_bytes = NULL;
    uint32_t kind = 0, codepage = 99, codepage2 = 98;
    char line[64];
    CHECK(msi.len > 4096);
    CHECK_STATUS(olk_msi_package_open_bytes(msi.data, msi.len, &from_bytes), OLK_OK);
    if (from_path == NULL || from_bytes == NULL) {
        bytes_free(msi);
        bytes_free(force);
        return;
    }
    CHECK_STATUS(olk_msi_package_kind(from_path, &kind), OLK_OK);
    CHECK(kind == OLK_MSI_KIND_DATABASE);
    kind = 0;
    CHECK_STATUS(olk_msi_package_kind(from_bytes, &kind), OLK_OK);
    CHECK(kind == OLK_MSI_KIND_DATABASE);
    /* The code page msiinfo reports ("\r\n\r\n<codepage>\t_ForceCodepage\r\n"). */
    CHECK(line_of((const char *)force.data, 2, line, sizeof line));
    CHECK_STATUS(olk_msi_package_codepage(from_path, &codepage), OLK_OK);
    CHECK_STATUS(olk_msi_package_codepage(from_bytes, &codepage2), OLK_OK);
    CHECK(codepage == (uint32_t)strtoul(line, NULL, 10) && codepage2 == codepage);
    olk_msi_package_free(from_bytes);
    olk_msi_package_free(from_path);
    olk_msi_package_free(NULL); /* a no-op */
    bytes_free(msi);
    bytes_free(force);
}

static void test_open_errors(void) {
    olk_msi_package *package = NULL;
    const char *reg = source_path(INVENTORY);
    static const uint8_t garbage[] = "this is not a compound file, but it is long enough to look";
    CHECK_STATUS(olk_msi_package_open(fixture("no-such.msi"), &package), OLK_IO);
    CHECK(check_last_error_contains("no-such.msi"));
    /* Not a compound file: the message starts with the path. */
    CHECK_STATUS(olk_msi_package_open(reg, &package), OLK_MSI_CONTAINER);
    CHECK(check_last_error_contains(reg));
    CHECK_STATUS(olk_msi_package_open_bytes(garbage, sizeof garbage, &package), OLK_MSI_CONTAINER);
    CHECK_STATUS(olk_msi_package_open_bytes(NULL, 0, &package), OLK_MSI_CONTAINER);
    CHECK(package == NULL);
}

static void test_corrupt_packages(void) {
    bytes msi = read_fixture("fixture.msi");
    olk_msi_package *package = NULL;
    size_t cut;
    if (msi.len < 4096) {
        bytes_free(msi);
        return;
    }
    /* Truncated: a typed error, never a crash (valgrind watches). */
    CHECK_STATUS(olk_msi_package_open_bytes(msi.data, msi.len / 2, &package), OLK_MSI_CONTAINER);
    CHECK(check_last_error_contains("compound file"));
    CHECK_STATUS(olk_msi_package_open_bytes(msi.data, 512, &package), OLK_MSI_CONTAINER);
    CHECK_STATUS(olk_msi_package_open_bytes(msi.data, 100, &package), OLK_MSI_CONTAINER);
    for (cut = 1; cut < msi.len; cut += msi.len / 7) {
        olk_status status = olk_msi_package_open_bytes(msi.data, cut, &package);
        CHECK(status == OLK_MSI_CONTAINER || status == OLK_MSI_CORRUPT);
    }
    CHECK(package == NULL);
    /* A damaged header signature. */
    msi.data[0] ^= 0xff;
    CHECK_STATUS(olk_msi_package_open_bytes(msi.data, msi.len, &package), OLK_MSI_CONTAINER);
    CHECK(package == NULL);
    bytes_free(msi);
}

static void test_tables_match_msiinfo(void) {
    olk_msi_package *package = open_fixture();
    bytes listed = read_fixture("tables.txt");
    char line[256];
    size_t count = 0, i;
    char *name = NULL;
    if (package == NULL) {
        bytes_free(listed);
        return;
    }
    CHECK_STATUS(olk_msi_package_table_count(package, &count), OLK_OK);
    /* msiinfo lists _SummaryInformation and _ForceCodepage first. */
    CHECK(line_of((const char *)listed.data, 0, line, sizeof line) &&
          strcmp(line, "_SummaryInformation") == 0);
    CHECK(count > 10);
    for (i = 0; i < count; i++) {
        CHECK(line_of((const char *)listed.data, i + 2, line, sizeof line));
        CHECK_STATUS(olk_msi_package_table_name(package, i, &name), OLK_OK);
        CHECK(string_is(name, line));
    }
    CHECK(!line_of((const char *)listed.data, count + 2, line, sizeof line));
    name = (char *)&count;
    CHECK_STATUS(olk_msi_package_table_name(package, count, &name), OLK_OUT_OF_RANGE);
    CHECK(check_last_error_contains("out of range"));
    CHECK(name == (char *)&count);
    olk_msi_package_free(package);
    bytes_free(listed);
}

/* The columns of `table` against the three header lines of its msiinfo export. */
static void check_columns(const olk_msi_package *package, const char *table) {
    char file[64], names[512], types[512], keys[512], expected[128], key[128];
    bytes idt;
    size_t count = 0, i, k;
    snprintf(file, sizeof file, "%s.idt", table);
    idt = read_fixture(file);
    CHECK(line_of((const char *)idt.data, 0, names, sizeof names));
    CHECK(line_of((const char *)idt.data, 1, types, sizeof types));
    CHECK(line_of((const char *)idt.data, 2, keys, sizeof keys));
    CHECK_STATUS(olk_msi_package_column_count(package, table, &count), OLK_OK);
    CHECK(count > 0 && !tab_field(names, count, expected, sizeof expected));
    for (i = 0; i < count; i++) {
        char *name = NULL, *type = NULL;
        uint8_t is_key = 9, listed = 0;
        CHECK_STATUS(olk_msi_package_column(package, table, i, &name, &type, &is_key), OLK_OK);
        CHECK(tab_field(names, i, expected, sizeof expected));
        for (k = 1; tab_field(keys, k, key, sizeof key); k++) {
            listed |= strcmp(key, expected) == 0;
        }
        CHECK(string_is(name, expected));
        CHECK(tab_field(types, i, expected, sizeof expected));
        CHECK(string_is(type, expected));
        CHECK(is_key == listed);
    }
    bytes_free(idt);
}

static void test_columns(void) {
    olk_msi_package *package = open_fixture();
    size_t count = 0;
    char *name = NULL, *type = NULL;
    uint8_t is_key = 0;
    if (package == NULL) {
        return;
    }
    check_columns(package, "Property");
    check_columns(package, "Upgrade");
    check_columns(package, "Binary");
    check_columns(package, "File");
    /* Virtual tables have columns too. */
    CHECK_STATUS(olk_msi_package_column_count(package, "_Columns", &count), OLK_OK);
    CHECK(count == 4);
    CHECK_STATUS(olk_msi_package_column(package, "_Streams", 1, &name, &type, &is_key), OLK_OK);
    CHECK(string_is(name, "Data"));
    CHECK(string_is(type, "V0"));
    CHECK(is_key == 0);
    CHECK_STATUS(olk_msi_package_column_count(package, "Nope", &count), OLK_MSI_NO_SUCH_TABLE);
    CHECK(check_last_error_contains("Nope"));
    CHECK_STATUS(olk_msi_package_column_count(package, "property", &count), OLK_MSI_NO_SUCH_TABLE);
    CHECK_STATUS(olk_msi_package_column(package, "Property", 2, &name, &type, &is_key),
                 OLK_OUT_OF_RANGE);
    CHECK_STATUS(olk_msi_package_column(package, "Nope", 0, &name, &type, &is_key),
                 OLK_MSI_NO_SUCH_TABLE);
    olk_msi_package_free(package);
}

static void test_export_matches_msiinfo(void) {
    static const char *const tables[] = {"Property", "Upgrade", "Binary", "File",
                                         "_SummaryInformation", "_ForceCodepage"};
    olk_msi_package *package = open_fixture();
    uint8_t *data = NULL;
    size_t len = 0, i;
    if (package == NULL) {
        return;
    }
    for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char file[64];
        bytes expected;
        snprintf(file, sizeof file, "%s.idt", tables[i]);
        expected = read_fixture(file);
        CHECK(expected.len > 0);
        CHECK_STATUS(olk_msi_package_export_table(package, tables[i], &data, &len), OLK_OK);
        CHECK(same_bytes(data, len, expected.data, expected.len));
        if (!same_bytes(data, len, expected.data, expected.len)) {
            fprintf(stderr, "    table %s differs from msiinfo export\n", tables[i]);
        }
        olk_bytes_free(data, len);
        bytes_free(expected);
    }
    data = (uint8_t *)&len;
    CHECK_STATUS(olk_msi_package_export_table(package, "Nope", &data, &len), OLK_MSI_NO_SUCH_TABLE);
    CHECK(data == (uint8_t *)&len);
    olk_msi_package_free(package);
}

static void test_properties_and_streams(void) {
    olk_msi_package *package = open_fixture();
    char *value = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    if (package == NULL) {
        return;
    }
    CHECK_STATUS(olk_msi_package_property(package, "ProductVersion", &value), OLK_OK);
    CHECK(string_is(value, PRODUCT_VERSION));
    CHECK_STATUS(olk_msi_package_property(package, "GREETING", &value), OLK_OK);
    CHECK(string_is(value, GRUESSE));
    value = (char *)&len;
    CHECK_STATUS(olk_msi_package_property(package, "NoSuchProperty", &value), OLK_OK);
    CHECK(value == NULL);
    CHECK_STATUS(olk_msi_package_property(package, "productversion", &value), OLK_OK);
    CHECK(value == NULL); /* names are case-sensitive */

    CHECK_STATUS(olk_msi_package_read_stream(package, "Binary.Blob", &data, &len), OLK_OK);
    CHECK(is_blob(data, len));
    olk_bytes_free(data, len);
    CHECK_STATUS(olk_msi_package_read_stream(package, "\005SummaryInformation", &data, &len), OLK_OK);
    CHECK(len > 48 && data != NULL && data[0] == 0xfe && data[1] == 0xff);
    olk_bytes_free(data, len);
    CHECK_STATUS(olk_msi_package_read_stream(package, "Binary.Nope", &data, &len),
                 OLK_MSI_NO_SUCH_STREAM);
    CHECK(check_last_error_contains("Binary.Nope"));
    olk_msi_package_free(package);
}

static void test_summary_json(void) {
    olk_msi_package *package = open_fixture();
    char *json = NULL;
    char code[64], created[64], expected[256];
    size_t i;
    if (package == NULL) {
        return;
    }
    CHECK(summary_idt_value("9", code, sizeof code));
    CHECK(summary_idt_value("12", created, sizeof created)); /* YYYY/MM/DD hh:mm:ss, UTC */
    for (i = 0; created[i] != '\0'; i++) {
        created[i] = created[i] == '/' ? '-' : created[i] == ' ' ? 'T' : created[i];
    }
    CHECK_STATUS(olk_msi_package_summary_json(package, &json), OLK_OK);
    CHECK(json != NULL && json[0] == '[');
    CHECK(has(json, "{\"id\":1,\"name\":\"Codepage\",\"value\":1252}"));
    CHECK(has(json, "{\"id\":2,\"name\":\"Title\",\"value\":\"Installation Database\"}"));
    CHECK(has(json, "{\"id\":3,\"name\":\"Subject\",\"value\":\"Olkit FFI fixture\"}"));
    CHECK(has(json, "{\"id\":4,\"name\":\"Author\",\"value\":\"Olkit Test Co\"}"));
    CHECK(has(json, "{\"id\":6,\"name\":\"Comments\",\"value\":\"Built by ffi/tests/languages.rs\"}"));
    CHECK(has(json, "{\"id\":7,\"name\":\"Template\",\"value\":\"x64;1033\"}"));
    snprintf(expected, sizeof expected, "{\"id\":9,\"name\":\"RevisionNumber\",\"value\":\"%s\"}", code);
    CHECK(has(json, expected));
    snprintf(expected, sizeof expected, "{\"id\":12,\"name\":\"CreateTime\",\"value\":\"%sZ\"}", created);
    CHECK(has(json, expected));
    CHECK(has(json, "{\"id\":14,\"name\":\"PageCount\",\"value\":405}"));
    CHECK(has(json, "{\"id\":19,\"name\":\"Security\",\"value\":2}"));
    olk_string_free(json);
    olk_msi_package_free(package);
}

static void test_identity(void) {
    olk_msi_package *package = open_fixture();
    olk_msi_identity *identity = NULL;
    char *value = NULL;
    char code[64];
    if (package == NULL) {
        return;
    }
    CHECK(summary_idt_value("9", code, sizeof code));
    CHECK_STATUS(olk_msi_package_identity(package, &identity), OLK_OK);
    /* The identity outlives the package handle. */
    olk_msi_package_free(package);
    if (identity == NULL) {
        return;
    }
#define FIELD_IS(field, expected)                                               \
    do {                                                                        \
        CHECK_STATUS(olk_msi_identity_get(identity, field, &value), OLK_OK);    \
        CHECK(string_is(value, expected));                                      \
    } while (0)
    FIELD_IS(OLK_MSI_IDENTITY_PRODUCT_CODE, PRODUCT_CODE);
    FIELD_IS(OLK_MSI_IDENTITY_PRODUCT_VERSION, PRODUCT_VERSION);
    FIELD_IS(OLK_MSI_IDENTITY_UPGRADE_CODE, UPGRADE_CODE);
    FIELD_IS(OLK_MSI_IDENTITY_PRODUCT_NAME, "Olkit FFI Fixture");
    FIELD_IS(OLK_MSI_IDENTITY_MANUFACTURER, "Olkit Test Co");
    FIELD_IS(OLK_MSI_IDENTITY_PRODUCT_LANGUAGE, "1033");
    FIELD_IS(OLK_MSI_IDENTITY_PACKAGE_CODE, code);
    FIELD_IS(OLK_MSI_IDENTITY_ARCHITECTURE, "x64");
    FIELD_IS(OLK_MSI_IDENTITY_LANGUAGES, "1033");
    FIELD_IS(OLK_MSI_IDENTITY_MINIMUM_INSTALLER_VERSION, "4.5");
#undef FIELD_IS
    value = (char *)&code;
    CHECK_STATUS(olk_msi_identity_get(identity, 0, &value), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("olk_msi_identity_field"));
    CHECK_STATUS(olk_msi_identity_get(identity, 11, &value), OLK_INVALID_ARGUMENT);
    CHECK(value == (char *)&code);
    olk_msi_identity_free(identity);
    olk_msi_identity_free(NULL);
}

static void test_query_with_a_string_parameter(void) {
    olk_msi_package *package = open_fixture();
    olk_msi_query *query = prepare("SELECT `Property`, `Value` FROM `Property` WHERE `Property` = ?");
    olk_msi_record *params = NULL, *row = NULL;
    olk_msi_view *view = NULL;
    size_t markers = 0, columns = 0, rows = 0, fields = 0;
    char *name = NULL, *type = NULL;
    if (package == NULL || query == NULL) {
        olk_msi_package_free(package);
        olk_msi_query_free(query);
        return;
    }
    CHECK_STATUS(olk_msi_query_marker_count(query, &markers), OLK_OK);
    CHECK(markers == 1);
    CHECK_STATUS(olk_msi_record_new(1, &params), OLK_OK);
    CHECK_STATUS(olk_msi_record_set_string(params, 1, "ProductVersion"), OLK_OK);
    CHECK_STATUS(olk_msi_query_execute(query, package, params, &view), OLK_OK);
    if (view != NULL) {
        CHECK_STATUS(olk_msi_view_column_count(view, &columns), OLK_OK);
        CHECK(columns == 2);
        CHECK_STATUS(olk_msi_view_column(view, 1, &name, &type), OLK_OK);
        CHECK(string_is(name, "Property") && string_is(type, "s72"));
        CHECK_STATUS(olk_msi_view_column(view, 2, &name, &type), OLK_OK);
        CHECK(string_is(name, "Value") && string_is(type, "l0"));
        CHECK_STATUS(olk_msi_view_column(view, 0, &name, &type), OLK_OUT_OF_RANGE);
        CHECK_STATUS(olk_msi_view_column(view, 3, &name, &type), OLK_OUT_OF_RANGE);
        CHECK(check_last_error_contains("numbered from 1"));
        CHECK_STATUS(olk_msi_view_row_count(view, &rows), OLK_OK);
        CHECK(rows == 1);
        row = fetch(view);
        if (row != NULL) {
            CHECK_STATUS(olk_msi_record_field_count(row, &fields), OLK_OK);
            CHECK(fields == 2);
            CHECK(field_is_string(row, 1, "ProductVersion"));
            CHECK(field_is_string(row, 2, PRODUCT_VERSION));
            olk_msi_record_free(row);
        }
        row = (olk_msi_record *)&rows;
        CHECK_STATUS(olk_msi_view_fetch(view, &row), OLK_MSI_NO_MORE_ROWS);
        CHECK_STATUS(olk_msi_view_fetch(view, &row), OLK_MSI_NO_MORE_ROWS);
        CHECK(row == (olk_msi_record *)&rows);
        olk_msi_view_free(view);
    }
    /* The same query again, another value: a non-ASCII one. */
    CHECK_STATUS(olk_msi_record_set_string(params, 1, "GREETING"), OLK_OK);
    CHECK_STATUS(olk_msi_query_execute(query, package, params, &view), OLK_OK);
    row = fetch(view);
    CHECK(row != NULL && field_is_string(row, 2, GRUESSE));
    olk_msi_record_free(row);
    olk_msi_view_free(view);
    /* Fields past the markers are ignored. */
    olk_msi_record_free(params);
    CHECK_STATUS(olk_msi_record_new(3, &params), OLK_OK);
    CHECK_STATUS(olk_msi_record_set_string(params, 1, "ProductCode"), OLK_OK);
    CHECK_STATUS(olk_msi_record_set_int(params, 3, 7), OLK_OK);
    CHECK_STATUS(olk_msi_query_execute(query, package, params, &view), OLK_OK);
    row = fetch(view);
    CHECK(row != NULL && field_is_string(row, 2, PRODUCT_CODE));
    olk_msi_record_free(row);
    olk_msi_view_free(view);
    olk_msi_record_free(params);
    olk_msi_query_free(query);
    olk_msi_query_free(NULL);
    olk_msi_view_free(NULL);
    olk_msi_package_free(package);
}

/* SELECT * FROM Property gives the rows msiinfo exports, in its order. */
static void test_rows_match_msiinfo(void) {
    olk_msi_package *package = open_fixture();
    olk_msi_view *view = NULL;
    bytes idt = read_fixture("Property.idt");
    char line[512], expected[256];
    size_t rows = 0, n;
    if (package == NULL) {
        bytes_free(idt);
        return;
    }
    view = run(package, "SELECT * FROM `Property`", NULL);
    CHECK_STATUS(olk_msi_view_row_count(view, &rows), OLK_OK);
    CHECK(rows > 8);
    for (n = 0; n < rows; n++) {
        olk_msi_record *row = fetch(view);
        CHECK(line_of((const char *)idt.data, n + 3, line, sizeof line));
        CHECK(tab_field(line, 0, expected, sizeof expected) && field_is_string(row, 1, expected));
        CHECK(tab_field(line, 1, expected, sizeof expected) && field_is_string(row, 2, expected));
        olk_msi_record_free(row);
    }
    CHECK(!line_of((const char *)idt.data, rows + 3, line, sizeof line));
    olk_msi_view_free(view);
    bytes_free(idt);
    olk_msi_package_free(package);
}

static void test_integer_null_and_stream_fields(void) {
    olk_msi_package *package = open_fixture();
    olk_msi_view *view = NULL;
    olk_msi_record *row = NULL, *params = NULL;
    bytes file_idt = read_fixture("File.idt");
    bytes readme = read_fixture("readme.txt");
    char line[512], size_text[32];
    int32_t number = 0;
    uint32_t type = 99;
    uint8_t is_null = 9, *data = NULL;
    size_t len = 0;
    char *text = NULL;
    if (package == NULL) {
        bytes_free(file_idt);
        bytes_free(readme);
        return;
    }
    CHECK(line_of((const char *)file_idt.data, 3, line, sizeof line));
    CHECK(tab_field(line, 3, size_text, sizeof size_text));
    view = run(package, "SELECT `FileSize`, `Attributes`, `Version`, `File` FROM `File`", NULL);
    row = fetch(view);
    if (row != NULL) {
        CHECK_STATUS(olk_msi_record_field_type(row, 1, &type), OLK_OK);
        CHECK(type == OLK_MSI_FIELD_INT);
        CHECK_STATUS(olk_msi_record_get_int(row, 1, &number), OLK_OK);
        CHECK(number == atoi(size_text) && readme.len > 0 && (size_t)number == readme.len);
        CHECK_STATUS(olk_msi_record_get_int(row, 2, &number), OLK_OK);
        CHECK(number == 512);
        CHECK_STATUS(olk_msi_record_is_null(row, 2, &is_null), OLK_OK);
        CHECK(is_null == 0);
        /* A NULL field: type NULL, "" as a string, no integer. */
        CHECK_STATUS(olk_msi_record_field_type(row, 3, &type), OLK_OK);
        CHECK(type == OLK_MSI_FIELD_NULL);
        CHECK_STATUS(olk_msi_record_is_null(row, 3, &is_null), OLK_OK);
        CHECK(is_null == 1);
        CHECK_STATUS(olk_msi_record_get_string(row, 3, &text), OLK_OK);
        CHECK(string_is(text, ""));
        number = 77;
        CHECK_STATUS(olk_msi_record_get_int(row, 3, &number), OLK_MSI_TYPE_MISMATCH);
        CHECK(check_last_error_contains("field 3 is NULL, not an integer"));
        CHECK_STATUS(olk_msi_record_get_int(row, 4, &number), OLK_MSI_TYPE_MISMATCH);
        CHECK(number == 77);
        text = (char *)&number;
        CHECK_STATUS(olk_msi_record_get_string(row, 1, &text), OLK_MSI_TYPE_MISMATCH);
        CHECK(check_last_error_contains("field 1 is an integer, not a string"));
        CHECK(text == (char *)&number);
        CHECK_STATUS(olk_msi_record_stream_name(row, 1, &text), OLK_MSI_TYPE_MISMATCH);
        CHECK_STATUS(olk_msi_record_read_stream(row, 4, &data, &len), OLK_MSI_TYPE_MISMATCH);
        CHECK_STATUS(olk_msi_record_get_int(row, 5, &number), OLK_OUT_OF_RANGE);
        CHECK_STATUS(olk_msi_record_is_null(row, 0, &is_null), OLK_OUT_OF_RANGE);
        olk_msi_record_free(row);
    }
    olk_msi_view_free(view);

    /* An integer parameter. */
    CHECK_STATUS(olk_msi_record_new(1, &params), OLK_OK);
    CHECK_STATUS(olk_msi_record_set_int(params, 1, 1), OLK_OK);
    view = run(package, "SELECT `File` FROM `File` WHERE `Sequence` = ?", params);
    row = fetch(view);
    CHECK(row != NULL && field_is_string(row, 1, "readme.txt"));
    olk_msi_record_free(row);
    olk_msi_view_free(view);
    CHECK_STATUS(olk_msi_record_set_int(params, 1, 2), OLK_OK);
    view = run(package, "SELECT `File` FROM `File` WHERE `Sequence` = ?", params);
    CHECK_STATUS(olk_msi_view_row_count(view, &len), OLK_OK);
    CHECK(len == 0);
    CHECK_STATUS(olk_msi_view_fetch(view, &row), OLK_MSI_NO_MORE_ROWS);
    olk_msi_view_free(view);
    /* A NULL parameter matches nothing with = (as in Windows). */
    CHECK_STATUS(olk_msi_record_set_null(params, 1), OLK_OK);
    CHECK_STATUS(olk_msi_record_is_null(params, 1, &is_null), OLK_OK);
    CHECK(is_null == 1);
    olk_msi_record_free(params);

    /* A stream column: its name, and its bytes, also after the package and
       the view are gone. */
    view = run(package, "SELECT `Name`, `Data` FROM `Binary`", NULL);
    olk_msi_package_free(package);
    row = fetch(view);
    olk_msi_view_free(view);
    if (row != NULL) {
        CHECK(field_is_string(row, 1, "Blob"));
        CHECK_STATUS(olk_msi_record_field_type(row, 2, &type), OLK_OK);
        CHECK(type == OLK_MSI_FIELD_STREAM);
        CHECK_STATUS(olk_msi_record_stream_name(row, 2, &text), OLK_OK);
        CHECK(string_is(text, "Binary.Blob"));
        CHECK_STATUS(olk_msi_record_read_stream(row, 2, &data, &len), OLK_OK);
        CHECK(is_blob(data, len));
        olk_bytes_free(data, len);
        CHECK_STATUS(olk_msi_record_get_string(row, 2, &text), OLK_MSI_TYPE_MISMATCH);
        CHECK(check_last_error_contains("field 2 is a stream, not a string"));
        olk_msi_record_free(row);
    }
    bytes_free(file_idt);
    bytes_free(readme);
}

static void test_virtual_tables(void) {
    olk_msi_package *package = open_fixture();
    olk_msi_view *view;
    olk_msi_record *row;
    size_t rows = 0;
    if (package == NULL) {
        return;
    }
    view = run(package, "SELECT `Name`, `Data` FROM `_Streams` WHERE `Name` = 'Binary.Blob'", NULL);
    CHECK_STATUS(olk_msi_view_row_count(view, &rows), OLK_OK);
    CHECK(rows == 1);
    row = fetch(view);
    if (row != NULL) {
        uint8_t *data = NULL;
        size_t len = 0;
        CHECK(field_is_string(row, 1, "Binary.Blob"));
        CHECK_STATUS(olk_msi_record_read_stream(row, 2, &data, &len), OLK_OK);
        CHECK(is_blob(data, len));
        olk_bytes_free(data, len);
        olk_msi_record_free(row);
    }
    olk_msi_view_free(view);
    view = run(package, "SELECT `Number`, `Type` FROM `_Columns` WHERE `Table` = 'Property' AND `Name` = 'Value'", NULL);
    row = fetch(view);
    if (row != NULL) {
        int32_t number = 0;
        CHECK_STATUS(olk_msi_record_get_int(row, 1, &number), OLK_OK);
        CHECK(number == 2);
        olk_msi_record_free(row);
    }
    olk_msi_view_free(view);
    olk_msi_package_free(package);
}

static void test_sql_errors(void) {
    olk_msi_package *package = open_fixture();
    olk_msi_query *query = (olk_msi_query *)&package;
    olk_msi_record *params = NULL, *row = NULL;
    olk_msi_view *view = NULL;
    if (package == NULL) {
        return;
    }
    /* Syntax: the message says where. */
    CHECK_STATUS(olk_msi_query_prepare("SELECT * FRM `Property`", &query), OLK_MSI_SQL_SYNTAX);
    CHECK(check_last_error_contains("SQL error at byte 9 (\"FRM\")"));
    CHECK_STATUS(olk_msi_query_prepare("SELECT * FROM `Property` WHERE `Value` = \"x\"", &query),
                 OLK_MSI_SQL_SYNTAX);
    CHECK(check_last_error_contains("double quotes"));
    CHECK_STATUS(olk_msi_query_prepare("SELECT * FROM Property WHERE Property = 'x", &query),
                 OLK_MSI_SQL_SYNTAX);
    CHECK_STATUS(olk_msi_query_prepare("", &query), OLK_MSI_SQL_SYNTAX);
    CHECK(query == (olk_msi_query *)&package);

    /* Names are checked against the package. */
    CHECK(execute_status(package, "SELECT * FROM `Nope`", NULL) == OLK_MSI_NO_SUCH_TABLE);
    CHECK(check_last_error_contains("no table named \"Nope\""));
    CHECK(execute_status(package, "SELECT `Nope` FROM `Property`", NULL) == OLK_MSI_SQL_INVALID);
    CHECK(check_last_error_contains("no column named \"Nope\""));
    CHECK(execute_status(package, "SELECT * FROM `Property` WHERE `Value` < 'a'", NULL) ==
          OLK_MSI_SQL_INVALID);
    CHECK(check_last_error_contains("cannot compare strings"));

    /* Parameters must cover the markers. */
    CHECK_STATUS(olk_msi_record_new(1, &params), OLK_OK);
    CHECK(execute_status(package, "SELECT * FROM `Property` WHERE `Property` = ? OR `Value` = ?",
                         params) == OLK_MSI_MARKER_COUNT);
    CHECK(check_last_error_contains("2 ? markers but the parameter record has 1 fields"));
    CHECK(execute_status(package, "SELECT * FROM `Property` WHERE `Property` = ?", NULL) ==
          OLK_MSI_MARKER_COUNT);
    CHECK(execute_status(package, "SELECT * FROM `Property`", NULL) == OLK_OK);
    olk_msi_record_free(params);
    /* A fetched stream field cannot be a parameter. */
    view = run(package, "SELECT `Name`, `Data` FROM `Binary`", NULL);
    row = fetch(view);
    CHECK(execute_status(package, "SELECT * FROM `Property` WHERE `Property` = ? OR `Value` = ?",
                         row) == OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("parameter field 2 holds a stream"));
    olk_msi_record_free(row);
    olk_msi_view_free(view);
    olk_msi_package_free(package);
}

static void test_records(void) {
    olk_msi_record *record = NULL;
    olk_msi_record *out = (olk_msi_record *)&record;
    size_t count = 0;
    uint32_t type = 0;
    uint8_t is_null = 0;
    int32_t number = 0;
    char *text = NULL;
    CHECK_STATUS(olk_msi_record_new(65536, &out), OLK_OUT_OF_RANGE);
    CHECK(out == (olk_msi_record *)&record);
    CHECK_STATUS(olk_msi_record_new(0, &record), OLK_OK);
    CHECK_STATUS(olk_msi_record_field_count(record, &count), OLK_OK);
    CHECK(count == 0);
    CHECK_STATUS(olk_msi_record_set_int(record, 1, 5), OLK_OUT_OF_RANGE);
    olk_msi_record_free(record);
    CHECK_STATUS(olk_msi_record_new(3, &record), OLK_OK);
    if (record == NULL) {
        return;
    }
    CHECK_STATUS(olk_msi_record_field_count(record, &count), OLK_OK);
    CHECK(count == 3);
    CHECK_STATUS(olk_msi_record_field_type(record, 2, &type), OLK_OK);
    CHECK(type == OLK_MSI_FIELD_NULL); /* new fields are NULL */
    CHECK_STATUS(olk_msi_record_set_int(record, 1, -2147483647 - 1), OLK_OK);
    CHECK_STATUS(olk_msi_record_get_int(record, 1, &number), OLK_OK);
    CHECK(number == INT32_MIN);
    CHECK_STATUS(olk_msi_record_set_string(record, 2, GRUESSE), OLK_OK);
    CHECK(field_is_string(record, 2, GRUESSE));
    /* The empty string is NULL, as MsiRecordSetString makes it. */
    CHECK_STATUS(olk_msi_record_set_string(record, 2, ""), OLK_OK);
    CHECK_STATUS(olk_msi_record_is_null(record, 2, &is_null), OLK_OK);
    CHECK(is_null == 1);
    CHECK_STATUS(olk_msi_record_set_null(record, 1), OLK_OK);
    CHECK_STATUS(olk_msi_record_field_type(record, 1, &type), OLK_OK);
    CHECK(type == OLK_MSI_FIELD_NULL);
    CHECK_STATUS(olk_msi_record_set_null(record, 0), OLK_OUT_OF_RANGE);
    CHECK_STATUS(olk_msi_record_set_null(record, 4), OLK_OUT_OF_RANGE);
    CHECK_STATUS(olk_msi_record_set_string(record, 4, "x"), OLK_OUT_OF_RANGE);
    CHECK(check_last_error_contains("field 4 is out of range: there are 3"));
    /* A record made here has no streams to read. */
    CHECK_STATUS(olk_msi_record_stream_name(record, 3, &text), OLK_MSI_TYPE_MISMATCH);
    olk_msi_record_free(record);
    olk_msi_record_free(NULL);
}

static void test_inventory(void) {
    olk_msi_inventory *inventory = parse_inventory_file();
    olk_msi_inventory *bad = (olk_msi_inventory *)&inventory;
    char *json = NULL, *value = NULL;
    if (inventory == NULL) {
        return;
    }
    CHECK_STATUS(olk_msi_inventory_products_json(inventory, NULL, &json), OLK_OK);
    CHECK(has(json, "{\"current_user_sid\":\"" CURRENT_USER "\",\"products\":[{"));
    CHECK(has(json, "{\"product_code\":\"" SAMPLE_MACHINE "\",\"context\":\"machine\",\"user_sid\":null,"
                    "\"state\":\"installed\",\"upgrade_codes\":[\"" UPGRADE_CODE "\"]"));
    CHECK(has(json, "{\"product_code\":\"" SAMPLE_USER "\",\"context\":\"user-unmanaged\",\"user_sid\":\"" CURRENT_USER "\""));
    CHECK(has(json, "\"context\":\"user-managed\""));
    CHECK(has(json, "\"state\":\"advertised\"") && has(json, "\"state\":\"absent\""));
    CHECK(count_of(json, "{\"product_code\":") == 10);
    CHECK(has(json, "\"warnings\":[{\"key\":"));
    CHECK(count_of(json, "{\"key\":") == 5);
    olk_string_free(json);
    /* MsiEnumRelatedProducts. */
    CHECK_STATUS(olk_msi_inventory_products_json(inventory, UPGRADE_CODE, &json), OLK_OK);
    CHECK(count_of(json, "{\"product_code\":") == 3);
    CHECK(has(json, SAMPLE_MACHINE) && has(json, SAMPLE_USER) && has(json, SAMPLE_NEWER));
    CHECK(has(json, "\"version\":\"2.0.0\""));
    olk_string_free(json);
    json = (char *)&bad;
    CHECK_STATUS(olk_msi_inventory_products_json(inventory, "not-a-guid", &json), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("upgrade_code"));
    CHECK(json == (char *)&bad);

    /* MsiGetProductInfoEx. */
    CHECK_STATUS(olk_msi_inventory_product_info(inventory, SAMPLE_MACHINE, NULL, OLK_MSI_CONTEXT_MACHINE,
                                                "VersionString", &value),
                 OLK_OK);
    CHECK(string_is(value, "1.1.0"));
    CHECK_STATUS(olk_msi_inventory_product_info(inventory, SAMPLE_MACHINE, NULL, OLK_MSI_CONTEXT_MACHINE,
                                                "State", &value),
                 OLK_OK);
    CHECK(string_is(value, "5"));
    CHECK_STATUS(olk_msi_inventory_product_info(inventory, SAMPLE_NEWER, OTHER_USER,
                                                OLK_MSI_CONTEXT_USER_UNMANAGED, "VersionString", &value),
                 OLK_OK);
    CHECK(string_is(value, "2.0.0"));
    CHECK_STATUS(olk_msi_inventory_product_info(inventory, SAMPLE_USER, NULL,
                                                OLK_MSI_CONTEXT_USER_UNMANAGED, "InstalledProductName", &value),
                 OLK_OK);
    CHECK(string_is(value, "Olkit Sample"));
    value = (char *)&bad;
    CHECK_STATUS(olk_msi_inventory_product_info(inventory, SAMPLE_NEWER, NULL,
                                                OLK_MSI_CONTEXT_USER_UNMANAGED, "VersionString", &value),
                 OLK_MSI_UNKNOWN_PRODUCT);
    CHECK_STATUS(olk_msi_inventory_product_info(inventory, SAMPLE_MACHINE, NULL, OLK_MSI_CONTEXT_USER_MANAGED,
                                                "State", &value),
                 OLK_MSI_UNKNOWN_PRODUCT);
    CHECK_STATUS(olk_msi_inventory_product_info(inventory, SAMPLE_MACHINE, NULL, OLK_MSI_CONTEXT_MACHINE,
                                                "Colour", &value),
                 OLK_MSI_UNKNOWN_PROPERTY);
    CHECK(check_last_error_contains("Colour"));
    CHECK_STATUS(olk_msi_inventory_product_info(inventory, SAMPLE_MACHINE, NULL, 3, "State", &value),
                 OLK_INVALID_ARGUMENT);
    CHECK_STATUS(olk_msi_inventory_product_info(inventory, "{nope}", NULL, OLK_MSI_CONTEXT_MACHINE,
                                                "State", &value),
                 OLK_INVALID_ARGUMENT);
    CHECK(value == (char *)&bad);
    olk_msi_inventory_free(inventory);
    olk_msi_inventory_free(NULL);

    /* Not a .reg file: the .reg reader's own code. */
    CHECK_STATUS(olk_msi_inventory_parse((const uint8_t *)"REGEDIT9\r\n", 10, &bad), OLK_REG_BAD_HEADER);
    CHECK(bad == (olk_msi_inventory *)&inventory);
    /* An empty export registers nothing. */
    inventory = parse_inventory_text("Windows Registry Editor Version 5.00\r\n\r\n");
    CHECK_STATUS(olk_msi_inventory_products_json(inventory, NULL, &json), OLK_OK);
    CHECK(string_is(json, "{\"current_user_sid\":null,\"products\":[],\"warnings\":[]}"));
    olk_msi_inventory_free(inventory);
}

/* FindRelatedProducts with `scope`/`sid`: the verdict and the report. */
static char *related(const olk_msi_package *package, const olk_msi_inventory *inventory,
                     uint32_t scope, const char *sid, uint32_t expected_verdict) {
    uint32_t verdict = 0;
    char *report = NULL;
    CHECK_STATUS(olk_msi_package_find_related_products(package, inventory, scope, sid, &verdict, &report),
                 OLK_OK);
    CHECK(verdict == expected_verdict);
    return report;
}

static void test_find_related_products(void) {
    olk_msi_package *package = open_fixture();
    olk_msi_inventory *inventory = parse_inventory_file();
    olk_msi_inventory *own;
    uint32_t verdict = 77;
    char *report = NULL;
    if (package == NULL || inventory == NULL) {
        olk_msi_package_free(package);
        olk_msi_inventory_free(inventory);
        return;
    }
    /* Every product: 1.1.0 and 1.0.5 are upgraded, 2.0.0 makes it a downgrade. */
    report = related(package, inventory, OLK_MSI_SCOPE_ALL, NULL, OLK_MSI_VERDICT_DOWNGRADE);
    CHECK(has(report, "{\"verdict\":\"downgrade\",\"maintenance\":false,\"downgrade\":true,"));
    CHECK(has(report, "\"action_properties\":[[\"WIX_UPGRADE_DETECTED\",\"" SAMPLE_USER ";" SAMPLE_MACHINE
                      "\"],[\"WIX_DOWNGRADE_DETECTED\",\"" SAMPLE_NEWER "\"]]"));
    CHECK(has(report, "{\"action\":\"remove\",\"product\":{\"product_code\":\"" SAMPLE_MACHINE "\""));
    CHECK(has(report, "{\"action\":\"remove\",\"product\":{\"product_code\":\"" SAMPLE_USER "\""));
    CHECK(has(report, "{\"action\":\"detect\",\"product\":{\"product_code\":\"" SAMPLE_NEWER "\""));
    CHECK(count_of(report, "{\"action\":\"none\"") == 7);
    CHECK(has(report, "\"relation\":\"newer-version\""));
    CHECK(has(report, "\"rows\":[{\"upgrade_code\":\"" UPGRADE_CODE "\",\"version_min\":null,"
                      "\"version_max\":\"" PRODUCT_VERSION "\""));
    olk_string_free(report);
    /* Per machine: only 1.1.0, an upgrade. */
    report = related(package, inventory, OLK_MSI_SCOPE_MACHINE, NULL, OLK_MSI_VERDICT_UPGRADE);
    CHECK(has(report, "{\"verdict\":\"upgrade\",\"maintenance\":false,\"downgrade\":false,"));
    CHECK(has(report, "\"action_properties\":[[\"WIX_UPGRADE_DETECTED\",\"" SAMPLE_MACHINE "\"]]"));
    CHECK(count_of(report, "{\"action\":\"remove\"") == 1);
    olk_string_free(report);
    /* One other user: only that user's 2.0.0. */
    report = related(package, inventory, OLK_MSI_SCOPE_USER, OTHER_USER, OLK_MSI_VERDICT_DOWNGRADE);
    CHECK(has(report, "\"action_properties\":[[\"WIX_DOWNGRADE_DETECTED\",\"" SAMPLE_NEWER "\"]]"));
    CHECK(count_of(report, "{\"action\":\"remove\"") == 0);
    olk_string_free(report);
    /* Any user. */
    report = related(package, inventory, OLK_MSI_SCOPE_USER, NULL, OLK_MSI_VERDICT_DOWNGRADE);
    CHECK(count_of(report, "{\"action\":\"remove\"") == 1);
    olk_string_free(report);

    /* Nothing related installed: a plain installation. */
    own = parse_inventory_text("Windows Registry Editor Version 5.00\r\n\r\n");
    report = related(package, own, OLK_MSI_SCOPE_ALL, NULL, OLK_MSI_VERDICT_INSTALL);
    CHECK(string_is(report, "{\"verdict\":\"install\",\"maintenance\":false,\"downgrade\":false,"
                            "\"action_properties\":[],\"products\":[],\"rows\":"
                            "[{\"upgrade_code\":\"" UPGRADE_CODE "\",\"version_min\":null,\"version_max\":\""
                            PRODUCT_VERSION "\",\"languages\":[],\"attributes\":1,\"remove\":null,"
                            "\"action_property\":\"WIX_UPGRADE_DETECTED\"},{\"upgrade_code\":\"" UPGRADE_CODE
                            "\",\"version_min\":\"" PRODUCT_VERSION "\",\"version_max\":null,\"languages\":[],"
                            "\"attributes\":2,\"remove\":null,\"action_property\":\"WIX_DOWNGRADE_DETECTED\"}]}"));
    olk_msi_inventory_free(own);
    /* The package's own ProductCode registered per machine: maintenance.
       (Its packed form: each group reversed, then each byte's digits swapped.) */
    own = parse_inventory_text(
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\09C2E7B1F4D3B5A4C9D6E7F8091A2B3C]\r\n"
        "\"ProductName\"=\"Olkit FFI Fixture\"\r\n"
        "\"Version\"=dword:01050002\r\n\r\n");
    report = related(package, own, OLK_MSI_SCOPE_ALL, NULL, OLK_MSI_VERDICT_MAINTENANCE);
    CHECK(has(report, "{\"verdict\":\"maintenance\",\"maintenance\":true,"));
    CHECK(has(report, "{\"action\":\"none\",\"product\":{\"product_code\":\"" PRODUCT_CODE "\""));
    CHECK(has(report, "\"relation\":\"same-product\""));
    olk_string_free(report);
    olk_msi_inventory_free(own);

    /* Arguments. */
    report = (char *)&verdict;
    CHECK_STATUS(olk_msi_package_find_related_products(package, inventory, 0, NULL, &verdict, &report),
                 OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("olk_msi_scope"));
    CHECK_STATUS(olk_msi_package_find_related_products(package, inventory, OLK_MSI_SCOPE_ALL, OTHER_USER,
                                                       &verdict, &report),
                 OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("user_sid"));
    CHECK(verdict == 77 && report == (char *)&verdict);
    olk_msi_inventory_free(inventory);
    olk_msi_package_free(package);
}

/* NULL for every pointer argument of every function: OLK_NULL_ARGUMENT, a
   message naming the argument, and outputs left alone. */
static void test_null_arguments(void) {
    olk_msi_package *p = open_fixture();
    olk_msi_package *package_out = (olk_msi_package *)&p;
    olk_msi_query *q = prepare("SELECT `Name`, `Data` FROM `Binary`");
    olk_msi_query *query_out = (olk_msi_query *)&p;
    olk_msi_view *v = NULL;
    olk_msi_view *view_out = (olk_msi_view *)&p;
    olk_msi_record *r = NULL;
    olk_msi_record *record_out = (olk_msi_record *)&p;
    olk_msi_identity *id = NULL;
    olk_msi_identity *identity_out = (olk_msi_identity *)&p;
    olk_msi_inventory *inv = parse_inventory_text("Windows Registry Editor Version 5.00\r\n\r\n");
    olk_msi_inventory *inventory_out = (olk_msi_inventory *)&p;
    uint32_t u32 = 7;
    int32_t i32 = 7;
    size_t size = 7;
    uint8_t flag = 7, byte = 0;
    uint8_t *data = &byte;
    char *text = (char *)&byte, *text2 = (char *)&byte;
    if (p == NULL || q == NULL || inv == NULL) {
        return;
    }
    CHECK_STATUS(olk_msi_query_execute(q, p, NULL, &v), OLK_OK);
    CHECK_STATUS(olk_msi_package_identity(p, &id), OLK_OK);
    r = fetch(v);
    if (v == NULL || id == NULL || r == NULL) {
        return;
    }
    CHECK_NULL_ARG(olk_msi_package_open(NULL, &package_out), "path");
    CHECK_NULL_ARG(olk_msi_package_open(fixture("fixture.msi"), NULL), "out");
    CHECK_NULL_ARG(olk_msi_package_open_bytes(NULL, 3, &package_out), "data");
    CHECK_NULL_ARG(olk_msi_package_open_bytes(&byte, 1, NULL), "out");
    CHECK_NULL_ARG(olk_msi_package_kind(NULL, &u32), "package");
    CHECK_NULL_ARG(olk_msi_package_kind(p, NULL), "out");
    CHECK_NULL_ARG(olk_msi_package_codepage(NULL, &u32), "package");
    CHECK_NULL_ARG(olk_msi_package_codepage(p, NULL), "out");
    CHECK_NULL_ARG(olk_msi_package_table_count(NULL, &size), "package");
    CHECK_NULL_ARG(olk_msi_package_table_count(p, NULL), "out");
    CHECK_NULL_ARG(olk_msi_package_table_name(NULL, 0, &text), "package");
    CHECK_NULL_ARG(olk_msi_package_table_name(p, 0, NULL), "out");
    CHECK_NULL_ARG(olk_msi_package_column_count(NULL, "File", &size), "package");
    CHECK_NULL_ARG(olk_msi_package_column_count(p, NULL, &size), "table");
    CHECK_NULL_ARG(olk_msi_package_column_count(p, "File", NULL), "out");
    CHECK_NULL_ARG(olk_msi_package_column(NULL, "File", 0, &text, &text2, &flag), "package");
    CHECK_NULL_ARG(olk_msi_package_column(p, NULL, 0, &text, &text2, &flag), "table");
    CHECK_NULL_ARG(olk_msi_package_column(p, "File", 0, NULL, &text2, &flag), "name");
    CHECK_NULL_ARG(olk_msi_package_column(p, "File", 0, &text, NULL, &flag), "type");
    CHECK_NULL_ARG(olk_msi_package_column(p, "File", 0, &text, &text2, NULL), "is_key");
    CHECK_NULL_ARG(olk_msi_package_property(NULL, "ProductCode", &text), "package");
    CHECK_NULL_ARG(olk_msi_package_property(p, NULL, &text), "name");
    CHECK_NULL_ARG(olk_msi_package_property(p, "ProductCode", NULL), "out");
    CHECK_NULL_ARG(olk_msi_package_read_stream(NULL, "Binary.Blob", &data, &size), "package");
    CHECK_NULL_ARG(olk_msi_package_read_stream(p, NULL, &data, &size), "name");
    CHECK_NULL_ARG(olk_msi_package_read_stream(p, "Binary.Blob", NULL, &size), "data");
    CHECK_NULL_ARG(olk_msi_package_read_stream(p, "Binary.Blob", &data, NULL), "len");
    CHECK_NULL_ARG(olk_msi_package_export_table(NULL, "File", &data, &size), "package");
    CHECK_NULL_ARG(olk_msi_package_export_table(p, NULL, &data, &size), "table");
    CHECK_NULL_ARG(olk_msi_package_export_table(p, "File", NULL, &size), "data");
    CHECK_NULL_ARG(olk_msi_package_export_table(p, "File", &data, NULL), "len");
    CHECK_NULL_ARG(olk_msi_package_summary_json(NULL, &text), "package");
    CHECK_NULL_ARG(olk_msi_package_summary_json(p, NULL), "out");
    CHECK_NULL_ARG(olk_msi_package_identity(NULL, &identity_out), "package");
    CHECK_NULL_ARG(olk_msi_package_identity(p, NULL), "out");
    CHECK_NULL_ARG(olk_msi_identity_get(NULL, OLK_MSI_IDENTITY_PRODUCT_CODE, &text), "identity");
    CHECK_NULL_ARG(olk_msi_identity_get(id, OLK_MSI_IDENTITY_PRODUCT_CODE, NULL), "out");

    CHECK_NULL_ARG(olk_msi_query_prepare(NULL, &query_out), "sql");
    CHECK_NULL_ARG(olk_msi_query_prepare("SELECT * FROM `File`", NULL), "out");
    CHECK_NULL_ARG(olk_msi_query_marker_count(NULL, &size), "query");
    CHECK_NULL_ARG(olk_msi_query_marker_count(q, NULL), "out");
    CHECK_NULL_ARG(olk_msi_query_execute(NULL, p, NULL, &view_out), "query");
    CHECK_NULL_ARG(olk_msi_query_execute(q, NULL, NULL, &view_out), "package");
    CHECK_NULL_ARG(olk_msi_query_execute(q, p, NULL, NULL), "out");
    CHECK_NULL_ARG(olk_msi_view_column_count(NULL, &size), "view");
    CHECK_NULL_ARG(olk_msi_view_column_count(v, NULL), "out");
    CHECK_NULL_ARG(olk_msi_view_column(NULL, 1, &text, &text2), "view");
    CHECK_NULL_ARG(olk_msi_view_column(v, 1, NULL, &text2), "name");
    CHECK_NULL_ARG(olk_msi_view_column(v, 1, &text, NULL), "type");
    CHECK_NULL_ARG(olk_msi_view_row_count(NULL, &size), "view");
    CHECK_NULL_ARG(olk_msi_view_row_count(v, NULL), "out");
    CHECK_NULL_ARG(olk_msi_view_fetch(NULL, &record_out), "view");
    CHECK_NULL_ARG(olk_msi_view_fetch(v, NULL), "out");

    CHECK_NULL_ARG(olk_msi_record_new(1, NULL), "out");
    CHECK_NULL_ARG(olk_msi_record_field_count(NULL, &size), "record");
    CHECK_NULL_ARG(olk_msi_record_field_count(r, NULL), "out");
    CHECK_NULL_ARG(olk_msi_record_set_null(NULL, 1), "record");
    CHECK_NULL_ARG(olk_msi_record_set_int(NULL, 1, 1), "record");
    CHECK_NULL_ARG(olk_msi_record_set_string(NULL, 1, "x"), "record");
    CHECK_NULL_ARG(olk_msi_record_set_string(r, 1, NULL), "value");
    CHECK_NULL_ARG(olk_msi_record_field_type(NULL, 1, &u32), "record");
    CHECK_NULL_ARG(olk_msi_record_field_type(r, 1, NULL), "out");
    CHECK_NULL_ARG(olk_msi_record_is_null(NULL, 1, &flag), "record");
    CHECK_NULL_ARG(olk_msi_record_is_null(r, 1, NULL), "out");
    CHECK_NULL_ARG(olk_msi_record_get_int(NULL, 1, &i32), "record");
    CHECK_NULL_ARG(olk_msi_record_get_int(r, 1, NULL), "out");
    CHECK_NULL_ARG(olk_msi_record_get_string(NULL, 1, &text), "record");
    CHECK_NULL_ARG(olk_msi_record_get_string(r, 1, NULL), "out");
    CHECK_NULL_ARG(olk_msi_record_stream_name(NULL, 2, &text), "record");
    CHECK_NULL_ARG(olk_msi_record_stream_name(r, 2, NULL), "out");
    CHECK_NULL_ARG(olk_msi_record_read_stream(NULL, 2, &data, &size), "record");
    CHECK_NULL_ARG(olk_msi_record_read_stream(r, 2, NULL, &size), "data");
    CHECK_NULL_ARG(olk_msi_record_read_stream(r, 2, &data, NULL), "len");

    CHECK_NULL_ARG(olk_msi_inventory_parse(NULL, 3, &inventory_out), "data");
    CHECK_NULL_ARG(olk_msi_inventory_parse(&byte, 1, NULL), "out");
    CHECK_NULL_ARG(olk_msi_inventory_products_json(NULL, NULL, &text), "inventory");
    CHECK_NULL_ARG(olk_msi_inventory_products_json(inv, NULL, NULL), "out");
    CHECK_NULL_ARG(olk_msi_inventory_product_info(NULL, PRODUCT_CODE, NULL, OLK_MSI_CONTEXT_MACHINE, "State", &text),
                   "inventory");
    CHECK_NULL_ARG(olk_msi_inventory_product_info(inv, NULL, NULL, OLK_MSI_CONTEXT_MACHINE, "State", &text),
                   "product_code");
    CHECK_NULL_ARG(olk_msi_inventory_product_info(inv, PRODUCT_CODE, NULL, OLK_MSI_CONTEXT_MACHINE, NULL, &text),
                   "property");
    CHECK_NULL_ARG(olk_msi_inventory_product_info(inv, PRODUCT_CODE, NULL, OLK_MSI_CONTEXT_MACHINE, "State", NULL),
                   "out");
    CHECK_NULL_ARG(olk_msi_package_find_related_products(NULL, inv, OLK_MSI_SCOPE_ALL, NULL, &u32, &text), "package");
    CHECK_NULL_ARG(olk_msi_package_find_related_products(p, NULL, OLK_MSI_SCOPE_ALL, NULL, &u32, &text), "inventory");
    CHECK_NULL_ARG(olk_msi_package_find_related_products(p, inv, OLK_MSI_SCOPE_ALL, NULL, NULL, &text), "verdict");
    CHECK_NULL_ARG(olk_msi_package_find_related_products(p, inv, OLK_MSI_SCOPE_ALL, NULL, &u32, NULL), "report");

    /* No output was written, and the record was not changed. */
    CHECK(u32 == 7 && i32 == 7 && size == 7 && flag == 7);
    CHECK(data == &byte && text == (char *)&byte && text2 == (char *)&byte);
    CHECK(package_out == (olk_msi_package *)&p && query_out == (olk_msi_query *)&p);
    CHECK(view_out == (olk_msi_view *)&p && record_out == (olk_msi_record *)&p);
    CHECK(identity_out == (olk_msi_identity *)&p && inventory_out == (olk_msi_inventory *)&p);
    CHECK(field_is_string(r, 1, "Blob"));

    olk_msi_record_free(r);
    olk_msi_view_free(v);
    olk_msi_query_free(q);
    olk_msi_identity_free(id);
    olk_msi_inventory_free(inv);
    olk_msi_package_free(p);
}

/* Invalid UTF-8 in every string argument: OLK_INVALID_UTF8 naming it. */
static void test_invalid_utf8_arguments(void) {
    olk_msi_package *p = open_fixture();
    olk_msi_inventory *inv = parse_inventory_file();
    olk_msi_record *r = NULL;
    olk_msi_package *package_out = NULL;
    olk_msi_query *query_out = NULL;
    uint32_t u32 = 0;
    size_t size = 0;
    uint8_t flag = 0, *data = NULL;
    char *text = NULL, *text2 = NULL;
    CHECK_STATUS(olk_msi_record_new(1, &r), OLK_OK);
    if (p == NULL || inv == NULL || r == NULL) {
        return;
    }
    CHECK_BAD_UTF8_ARG(olk_msi_package_open(BAD_UTF8, &package_out), "path");
    CHECK_BAD_UTF8_ARG(olk_msi_package_column_count(p, BAD_UTF8, &size), "table");
    CHECK_BAD_UTF8_ARG(olk_msi_package_column(p, BAD_UTF8, 0, &text, &text2, &flag), "table");
    CHECK_BAD_UTF8_ARG(olk_msi_package_property(p, BAD_UTF8, &text), "name");
    CHECK_BAD_UTF8_ARG(olk_msi_package_read_stream(p, BAD_UTF8, &data, &size), "name");
    CHECK_BAD_UTF8_ARG(olk_msi_package_export_table(p, BAD_UTF8, &data, &size), "table");
    CHECK_BAD_UTF8_ARG(olk_msi_query_prepare(BAD_UTF8, &query_out), "sql");
    CHECK_BAD_UTF8_ARG(olk_msi_record_set_string(r, 1, BAD_UTF8), "value");
    CHECK_BAD_UTF8_ARG(olk_msi_inventory_products_json(inv, BAD_UTF8, &text), "upgrade_code");
    CHECK_BAD_UTF8_ARG(olk_msi_inventory_product_info(inv, BAD_UTF8, NULL, OLK_MSI_CONTEXT_MACHINE, "State", &text),
                       "product_code");
    CHECK_BAD_UTF8_ARG(olk_msi_inventory_product_info(inv, SAMPLE_USER, BAD_UTF8, OLK_MSI_CONTEXT_USER_UNMANAGED,
                                                      "State", &text),
                       "user_sid");
    CHECK_BAD_UTF8_ARG(olk_msi_inventory_product_info(inv, SAMPLE_MACHINE, NULL, OLK_MSI_CONTEXT_MACHINE, BAD_UTF8, &text),
                       "property");
    CHECK_BAD_UTF8_ARG(olk_msi_package_find_related_products(p, inv, OLK_MSI_SCOPE_USER, BAD_UTF8, &u32, &text),
                       "user_sid");
    CHECK(package_out == NULL && query_out == NULL && text == NULL && text2 == NULL && data == NULL);
    CHECK(size == 0 && flag == 0 && u32 == 0);
    CHECK_STATUS(olk_msi_record_field_type(r, 1, &u32), OLK_OK);
    CHECK(u32 == OLK_MSI_FIELD_NULL); /* unchanged */
    olk_msi_record_free(r);
    olk_msi_inventory_free(inv);
    olk_msi_package_free(p);
}

int main(void) {
    test_status_codes_and_enums();
    test_open_path_and_bytes();
    test_open_errors();
    test_corrupt_packages();
    test_tables_match_msiinfo();
    test_columns();
    test_export_matches_msiinfo();
    test_properties_and_streams();
    test_summary_json();
    test_identity();
    test_query_with_a_string_parameter();
    test_rows_match_msiinfo();
    test_integer_null_and_stream_fields();
    test_virtual_tables();
    test_sql_errors();
    test_records();
    test_inventory();
    test_find_related_products();
    test_null_arguments();
    test_invalid_utf8_arguments();
    return check_summary();
}
