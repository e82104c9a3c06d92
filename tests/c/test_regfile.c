/*
 * olk_reg_file (olkit-regfile) from C99: parsing both formats and every
 * encoding, byte-identical output, iteration of keys and entries, every
 * getter and setter with the exact lines they write, renames and deletions,
 * lenient warnings, every error status, NULL for every pointer argument,
 * invalid UTF-8 in every string argument, failed edits that leave the file
 * unchanged, saving and reading back. Inputs: texts built here (UTF-16LE
 * with BOM, REGEDIT4 in Windows-1252, UTF-8), the bundled
 * examples/outlook-profiles.reg and the Wine fixture types.reg, found
 * through the environment variable OLKIT_SOURCE_DIR (the repository root,
 * set by ffi/tests/languages.rs). Run natively and under valgrind.
 */
#include "olkit.h"

#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY "HKEY_CURRENT_USER\\Software\\Kerio\\Connector"
/* "Straße 日本" in UTF-8 bytes, so the source stays ASCII. */
#define STRASSE_NIHON "Stra\xc3\x9f" "e \xe6\x97\xa5\xe6\x9c\xac"

/* A version 5 file; line numbers on the right. V5_ONE_KEY is its first
   section alone. */
#define V5_ONE_KEY                                                   \
    "Windows Registry Editor Version 5.00\r\n"               /* 1 */ \
    "\r\n"                                                   /* 2 */ \
    "[" KEY "]\r\n"                                          /* 3 */ \
    "; connection settings\r\n"                              /* 4 */ \
    "\"Server\"=\"mail.example.com\"\r\n"                    /* 5 */ \
    "\"Port\"=dword:000001bb\r\n"                            /* 6 */ \
    "@=\"default\"\r\n"                                      /* 7 */ \
    "\"Path\"=hex(2):25,00,41,00,25,00,00,00\r\n"            /* 8 */ \
    "\"List\"=hex(7):61,00,00,00,62,00,63,00,00,00,00,00\r\n" /* 9 */ \
    "\"Big\"=hex(b):ef,cd,ab,89,67,45,23,01\r\n"             /* 10 */ \
    "\"BE\"=hex(5):12,34,56,78\r\n"                          /* 11 */ \
    "\"Blob\"=hex:01,02,03\r\n"                              /* 12 */ \
    "\"Gone\"=-\r\n"                                         /* 13 */ \
    "\"" GRUESSE "\"=\"" STRASSE_NIHON "\"\r\n"              /* 14 */ \
    "\"Odd\"=hex(4):01,02\r\n"                               /* 15 */ \
    "\"OddSz\"=hex(1):61\r\n"                                /* 16 */

static const char V5_ONE_KEY_TEXT[] = V5_ONE_KEY "\r\n";

static const char V5_TEXT[] = V5_ONE_KEY
    "\r\n"                                                   /* 17 */
    "[-HKEY_CURRENT_USER\\Software\\Kerio\\Old]\r\n"         /* 18 */
    "\r\n"                                                   /* 19 */
    "[" KEY "]\r\n"                                          /* 20 */
    "\"Server\"=\"override.example.com\"\r\n"                /* 21 */
    "\r\n";                                                  /* 22 */

/* A REGEDIT4 file in Windows-1252 ("Caf\xe9" is "Café"). */
static const char V4_TEXT[] =
    "REGEDIT4\r\n"
    "\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio]\r\n"
    "\"Name\"=\"Caf\xe9\"\r\n"
    "\"Count\"=dword:0000000a\r\n"
    "\r\n";

/* UTF-8 text (trusted) as UTF-16LE, with a byte order mark if bom. */
static bytes utf16le(const char *utf8, int bom) {
    size_t n = strlen(utf8);
    bytes out;
    size_t i = 0;
    out.data = (uint8_t *)malloc(2 * n + 2);
    out.len = 0;
    if (bom) {
        out.data[out.len++] = 0xff;
        out.data[out.len++] = 0xfe;
    }
    while (i < n) {
        uint32_t c = (uint8_t)utf8[i];
        size_t extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
        size_t k;
        if (extra > 0) {
            c &= 0x3fu >> extra;
        }
        for (k = 1; k <= extra && i + k < n; k++) {
            c = (c << 6) | ((uint8_t)utf8[i + k] & 0x3fu);
        }
        i += extra + 1;
        if (c >= 0x10000) {
            uint32_t v = c - 0x10000;
            uint32_t hi = 0xd800 + (v >> 10);
            uint32_t lo = 0xdc00 + (v & 0x3ff);
            out.data[out.len++] = (uint8_t)(hi & 0xff);
            out.data[out.len++] = (uint8_t)(hi >> 8);
            c = lo;
        }
        out.data[out.len++] = (uint8_t)(c & 0xff);
        out.data[out.len++] = (uint8_t)(c >> 8);
    }
    return out;
}

static bytes ascii(const char *text) {
    bytes out;
    out.len = strlen(text);
    out.data = (uint8_t *)malloc(out.len + 1);
    memcpy(out.data, text, out.len + 1);
    return out;
}

static size_t occurrences(bytes hay, bytes needle) {
    size_t count = 0;
    size_t i;
    if (needle.len == 0 || needle.len > hay.len) {
        return 0;
    }
    for (i = 0; i + needle.len <= hay.len; i++) {
        if (memcmp(hay.data + i, needle.data, needle.len) == 0) {
            count++;
        }
    }
    return count;
}

static olk_reg_file *parse_bytes(bytes input, uint32_t flags) {
    olk_reg_file *file = NULL;
    CHECK_STATUS(olk_reg_file_parse(input.data, input.len, flags, 0, &file), OLK_OK);
    return file;
}

/* Parses UTF-8 text as UTF-16LE with BOM (what regedit writes). */
static olk_reg_file *parse_v5(const char *text) {
    bytes input = utf16le(text, 1);
    olk_reg_file *file = parse_bytes(input, 0);
    bytes_free(input);
    return file;
}

/* The file's bytes, as a malloc'ed copy (olk_bytes_free'd here). */
static bytes file_bytes(const olk_reg_file *file) {
    uint8_t *data = NULL;
    size_t len = 0;
    bytes out = {NULL, 0};
    CHECK_STATUS(olk_reg_file_to_bytes(file, &data, &len), OLK_OK);
    out.data = (uint8_t *)malloc(len + 1);
    if (len > 0) {
        memcpy(out.data, data, len);
    }
    out.len = len;
    olk_bytes_free(data, len);
    return out;
}

/* How many times the file's bytes hold `text` (UTF-8, encoded like the file). */
static size_t count_in_file(const olk_reg_file *file, const char *text) {
    uint32_t encoding = 0;
    bytes hay = file_bytes(file);
    bytes needle;
    size_t count;
    CHECK_STATUS(olk_reg_file_encoding(file, &encoding), OLK_OK);
    needle = encoding == OLK_REG_ENC_UTF16LE ? utf16le(text, 0) : ascii(text);
    count = occurrences(hay, needle);
    bytes_free(hay);
    bytes_free(needle);
    return count;
}

/* Whether the file's bytes still equal `before` (which is kept). */
static int unchanged(const olk_reg_file *file, bytes before) {
    bytes now = file_bytes(file);
    int same = same_bytes(now.data, now.len, before.data, before.len);
    bytes_free(now);
    return same;
}

/* ------------------------------------------------------------------------ */

static void test_status_codes(void) {
    static const olk_status codes[] = {
        OLK_REG_BAD_HEADER,       OLK_REG_SYNTAX,           OLK_REG_ENCODING,
        OLK_REG_TOO_LARGE,        OLK_REG_NOT_FOUND,        OLK_REG_VALUE_EXISTS,
        OLK_REG_INVALID_KEY_PATH, OLK_REG_INVALID_VALUE_NAME, OLK_REG_UNENCODABLE,
        OLK_REG_TYPE_MISMATCH,    OLK_REG_BAD_DATA,
    };
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        CHECK(codes[i] == (olk_status)(1000 + i));
        CHECK(strcmp(olk_status_str(codes[i]), "unknown status") != 0);
    }
    CHECK(strcmp(olk_status_str(1011), "unknown status") == 0);
    CHECK(OLK_REG_FORMAT_REGEDIT4 == 4 && OLK_REG_FORMAT_REGEDIT5 == 5);
    CHECK(OLK_REG_ENC_WINDOWS_1252 == 1 && OLK_REG_ENC_UTF16LE == 2);
    CHECK(OLK_REG_ENC_UTF8 == 3 && OLK_REG_ENC_UTF8_BOM == 4);
    CHECK(OLK_REG_PARSE_LENIENT == 1);
    CHECK(OLK_REG_SZ == 1 && OLK_REG_MULTI_SZ == 7 && OLK_REG_QWORD == 11);
}

static void test_parse_v5_utf16(void) {
    bytes input = utf16le(V5_TEXT, 1);
    olk_reg_file *file = parse_bytes(input, 0);
    uint32_t format = 0, encoding = 0;
    size_t warnings = 99;
    bytes out;
    if (file == NULL) {
        bytes_free(input);
        return;
    }
    CHECK_STATUS(olk_reg_file_format(file, &format), OLK_OK);
    CHECK(format == OLK_REG_FORMAT_REGEDIT5);
    CHECK_STATUS(olk_reg_file_encoding(file, &encoding), OLK_OK);
    CHECK(encoding == OLK_REG_ENC_UTF16LE);
    CHECK_STATUS(olk_reg_file_warning_count(file, &warnings), OLK_OK);
    CHECK(warnings == 0);
    out = file_bytes(file);
    CHECK(same_bytes(out.data, out.len, input.data, input.len)); /* byte for byte */
    bytes_free(out);
    olk_reg_file_free(file);
    bytes_free(input);
}

static void test_parse_regedit4(void) {
    bytes input = ascii(V4_TEXT);
    olk_reg_file *file = parse_bytes(input, 0);
    uint32_t format = 0, encoding = 0, count = 0;
    char *text = NULL;
    bytes out;
    if (file == NULL) {
        bytes_free(input);
        return;
    }
    CHECK_STATUS(olk_reg_file_format(file, &format), OLK_OK);
    CHECK(format == OLK_REG_FORMAT_REGEDIT4);
    CHECK_STATUS(olk_reg_file_encoding(file, &encoding), OLK_OK);
    CHECK(encoding == OLK_REG_ENC_WINDOWS_1252);
    out = file_bytes(file);
    CHECK(same_bytes(out.data, out.len, input.data, input.len));
    bytes_free(out);
    /* Windows-1252 comes out as UTF-8. */
    CHECK_STATUS(olk_reg_file_get_string(file, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio", "Name", &text),
                 OLK_OK);
    CHECK(string_is(text, "Caf\xc3\xa9"));
    CHECK_STATUS(olk_reg_file_get_u32(file, "hkey_local_machine\\software\\kerio", "COUNT", &count),
                 OLK_OK);
    CHECK(count == 10);
    /* Edits are written in Windows-1252, as regedit writes REGEDIT4. */
    CHECK_STATUS(olk_reg_file_set_u32(file, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio", "Count", 993),
                 OLK_OK);
    CHECK(count_in_file(file, "\"Count\"=dword:000003e1\r\n") == 1);
    CHECK_STATUS(olk_reg_file_set_string(file, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio", "Name",
                                         "Cr\xc3\xa8me"),
                 OLK_OK);
    CHECK(count_in_file(file, "\"Name\"=\"Cr\xe8me\"\r\n") == 1);
    /* A REG_SZ outside Windows-1252 is kept as hex(1): UTF-16LE. */
    CHECK_STATUS(olk_reg_file_set_string(file, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio", "Nihon",
                                         "\xe6\x97\xa5"),
                 OLK_OK);
    CHECK(count_in_file(file, "\"Nihon\"=hex(1):e5,65,00,00\r\n") == 1);
    CHECK_STATUS(olk_reg_file_get_string(file, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio", "Nihon", &text),
                 OLK_OK);
    CHECK(string_is(text, "\xe6\x97\xa5"));
    olk_reg_file_free(file);
    bytes_free(input);
}

static void test_parse_utf8_encodings(void) {
    bytes plain = ascii("Windows Registry Editor Version 5.00\n\n[HKEY_USERS\\x]\n\"a\"=\"b\"\n");
    bytes bom = ascii("\xef\xbb\xbfWindows Registry Editor Version 5.00\r\n\r\n[HKEY_USERS\\x]\r\n");
    olk_reg_file *file = parse_bytes(plain, 0);
    uint32_t encoding = 0;
    bytes out;
    if (file != NULL) {
        CHECK_STATUS(olk_reg_file_encoding(file, &encoding), OLK_OK);
        CHECK(encoding == OLK_REG_ENC_UTF8);
        /* New lines use the file's LF line breaks. */
        CHECK_STATUS(olk_reg_file_set_u32(file, "HKEY_USERS\\x", "n", 1), OLK_OK);
        CHECK(count_in_file(file, "\"a\"=\"b\"\n\"n\"=dword:00000001\n") == 1);
        olk_reg_file_free(file);
    }
    file = parse_bytes(bom, 0);
    if (file != NULL) {
        CHECK_STATUS(olk_reg_file_encoding(file, &encoding), OLK_OK);
        CHECK(encoding == OLK_REG_ENC_UTF8_BOM);
        out = file_bytes(file);
        CHECK(same_bytes(out.data, out.len, bom.data, bom.len));
        bytes_free(out);
        olk_reg_file_free(file);
    }
    bytes_free(plain);
    bytes_free(bom);
}

static void test_iteration(void) {
    olk_reg_file *file = parse_v5(V5_TEXT);
    size_t count = 0, line = 0, len = 99;
    char *path = NULL, *name = NULL;
    uint8_t deletion = 9, *data = NULL;
    uint32_t type = 99;
    bytes server;
    if (file == NULL) {
        return;
    }
    CHECK_STATUS(olk_reg_file_key_count(file, &count), OLK_OK);
    CHECK(count == 3);

    CHECK_STATUS(olk_reg_file_key(file, 0, &path, &deletion, &line), OLK_OK);
    CHECK(string_is(path, KEY));
    CHECK(deletion == 0 && line == 3);
    CHECK_STATUS(olk_reg_file_key(file, 1, &path, &deletion, &line), OLK_OK);
    CHECK(string_is(path, "HKEY_CURRENT_USER\\Software\\Kerio\\Old"));
    CHECK(deletion == 1 && line == 18);
    CHECK_STATUS(olk_reg_file_key(file, 2, &path, &deletion, &line), OLK_OK);
    CHECK(string_is(path, KEY));
    CHECK(deletion == 0 && line == 20);

    /* Comments are not entries; deletions are. */
    CHECK_STATUS(olk_reg_file_entry_count(file, 0, &count), OLK_OK);
    CHECK(count == 12);
    CHECK_STATUS(olk_reg_file_entry_count(file, 1, &count), OLK_OK);
    CHECK(count == 0);
    CHECK_STATUS(olk_reg_file_entry_count(file, 2, &count), OLK_OK);
    CHECK(count == 1);

    CHECK_STATUS(olk_reg_file_entry(file, 0, 0, &name, &type, &deletion, &data, &len, &line), OLK_OK);
    CHECK(string_is(name, "Server"));
    CHECK(type == OLK_REG_SZ && deletion == 0 && line == 5);
    server = utf16le("mail.example.com", 0);
    CHECK(len == server.len + 2 && data != NULL && memcmp(data, server.data, server.len) == 0 &&
          data[server.len] == 0 && data[server.len + 1] == 0);
    bytes_free(server);
    olk_bytes_free(data, len);

    CHECK_STATUS(olk_reg_file_entry(file, 0, 2, &name, &type, &deletion, &data, &len, &line), OLK_OK);
    CHECK(string_is(name, "")); /* @ */
    CHECK(type == OLK_REG_SZ && line == 7);
    olk_bytes_free(data, len);

    CHECK_STATUS(olk_reg_file_entry(file, 0, 7, &name, &type, &deletion, &data, &len, &line), OLK_OK);
    CHECK(string_is(name, "Blob"));
    CHECK(type == OLK_REG_BINARY && len == 3 && data != NULL && data[0] == 1 && data[2] == 3);
    olk_bytes_free(data, len);

    /* A deletion: type 0, NULL data, length 0. */
    CHECK_STATUS(olk_reg_file_entry(file, 0, 8, &name, &type, &deletion, &data, &len, &line), OLK_OK);
    CHECK(string_is(name, "Gone"));
    CHECK(type == 0 && deletion == 1 && data == NULL && len == 0 && line == 13);

    CHECK_STATUS(olk_reg_file_entry(file, 0, 9, &name, &type, &deletion, &data, &len, &line), OLK_OK);
    CHECK(string_is(name, GRUESSE));
    CHECK(type == OLK_REG_SZ && deletion == 0 && line == 14);
    olk_bytes_free(data, len);

    CHECK_STATUS(olk_reg_file_entry(file, 2, 0, &name, &type, &deletion, &data, &len, &line), OLK_OK);
    CHECK(string_is(name, "Server"));
    CHECK(line == 21);
    olk_bytes_free(data, len);

    /* Out of range: the status, a message with the index, no output. */
    path = NULL;
    name = NULL;
    count = 77;
    line = 77;
    CHECK_STATUS(olk_reg_file_key(file, 3, &path, &deletion, &line), OLK_OUT_OF_RANGE);
    CHECK(path == NULL && line == 77);
    CHECK(check_last_error_contains("key index 3") && check_last_error_contains("3 key lines"));
    CHECK_STATUS(olk_reg_file_key(file, (size_t)-1, &path, &deletion, &line), OLK_OUT_OF_RANGE);
    CHECK_STATUS(olk_reg_file_entry_count(file, 3, &count), OLK_OUT_OF_RANGE);
    CHECK(count == 77);
    CHECK_STATUS(olk_reg_file_entry(file, 0, 12, &name, &type, &deletion, &data, &len, &line),
                 OLK_OUT_OF_RANGE);
    CHECK(check_last_error_contains("entry index 12") && check_last_error_contains("12 entries"));
    CHECK_STATUS(olk_reg_file_entry(file, 1, 0, &name, &type, &deletion, &data, &len, &line),
                 OLK_OUT_OF_RANGE);
    CHECK_STATUS(olk_reg_file_entry(file, 3, 0, &name, &type, &deletion, &data, &len, &line),
                 OLK_OUT_OF_RANGE);
    CHECK(name == NULL && line == 77);
    olk_reg_file_free(file);
}

static void test_getters(void) {
    olk_reg_file *file = parse_v5(V5_TEXT);
    uint32_t number = 0, type = 0;
    uint64_t big = 0;
    uint8_t *data = NULL;
    size_t len = 0, count = 0;
    char *text = NULL;
    const char *p;
    if (file == NULL) {
        return;
    }
    /* Case-insensitive key and value names. */
    CHECK_STATUS(olk_reg_file_get_u32(file, "hkey_current_user\\SOFTWARE\\kerio\\connector", "port",
                                      &number),
                 OLK_OK);
    CHECK(number == 443);
    CHECK_STATUS(olk_reg_file_get_u32(file, KEY, "BE", &number), OLK_OK);
    CHECK(number == 0x12345678u);
    CHECK_STATUS(olk_reg_file_get_u64(file, KEY, "Big", &big), OLK_OK);
    CHECK(big == 0x0123456789abcdefULL);
    /* The last assignment in the file wins. */
    CHECK_STATUS(olk_reg_file_get_string(file, KEY, "Server", &text), OLK_OK);
    CHECK(string_is(text, "override.example.com"));
    CHECK_STATUS(olk_reg_file_get_string(file, KEY, "", &text), OLK_OK);
    CHECK(string_is(text, "default"));
    CHECK_STATUS(olk_reg_file_get_string(file, KEY, "Path", &text), OLK_OK); /* REG_EXPAND_SZ */
    CHECK(string_is(text, "%A%"));
    CHECK_STATUS(olk_reg_file_get_string(file, KEY, "gr\xc3\xbc\xc3\x9f" "e", &text), OLK_OK);
    CHECK(string_is(text, STRASSE_NIHON));

    CHECK_STATUS(olk_reg_file_get_multi_string(file, KEY, "List", &data, &len, &count), OLK_OK);
    CHECK(count == 2 && len == 5 && data != NULL);
    if (data != NULL && count == 2) {
        p = (const char *)data;
        CHECK(strcmp(p, "a") == 0);
        p += strlen(p) + 1;
        CHECK(strcmp(p, "bc") == 0);
    }
    olk_bytes_free(data, len);

    CHECK_STATUS(olk_reg_file_get_value(file, KEY, "BLOB", &type, &data, &len), OLK_OK);
    CHECK(type == OLK_REG_BINARY && len == 3 && data != NULL && data[1] == 2);
    olk_bytes_free(data, len);
    CHECK_STATUS(olk_reg_file_get_value(file, KEY, "Port", &type, &data, &len), OLK_OK);
    CHECK(type == OLK_REG_DWORD && len == 4 && data != NULL && data[0] == 0xbb && data[1] == 0x01);
    olk_bytes_free(data, len);

    /* Missing: a deleted value, an unknown value, an unknown key, a deleted key. */
    text = NULL;
    number = 5;
    CHECK_STATUS(olk_reg_file_get_value(file, KEY, "Gone", &type, &data, &len), OLK_REG_NOT_FOUND);
    CHECK(check_last_error_contains("\"Gone\"") && check_last_error_contains("Connector"));
    CHECK_STATUS(olk_reg_file_get_string(file, KEY, "Nope", &text), OLK_REG_NOT_FOUND);
    CHECK(text == NULL);
    CHECK(check_last_error_contains("\"Nope\"") && check_last_error_contains("Kerio"));
    CHECK_STATUS(olk_reg_file_get_u32(file, "HKEY_CURRENT_USER\\Nope", "Port", &number),
                 OLK_REG_NOT_FOUND);
    CHECK(number == 5);
    CHECK_STATUS(olk_reg_file_get_u64(file, "HKEY_CURRENT_USER\\Software\\Kerio\\Old", "x", &big),
                 OLK_REG_NOT_FOUND);
    CHECK_STATUS(olk_reg_file_get_multi_string(file, KEY, "Nope", &data, &len, &count),
                 OLK_REG_NOT_FOUND);

    /* Wrong type, malformed data. */
    CHECK_STATUS(olk_reg_file_get_u32(file, KEY, "Server", &number), OLK_REG_TYPE_MISMATCH);
    CHECK(check_last_error_contains("value \"Server\"") && check_last_error_contains("REG_SZ"));
    CHECK(number == 5);
    CHECK_STATUS(olk_reg_file_get_u64(file, KEY, "Port", &big), OLK_REG_TYPE_MISMATCH);
    CHECK_STATUS(olk_reg_file_get_string(file, KEY, "Blob", &text), OLK_REG_TYPE_MISMATCH);
    CHECK_STATUS(olk_reg_file_get_multi_string(file, KEY, "Server", &data, &len, &count),
                 OLK_REG_TYPE_MISMATCH);
    CHECK_STATUS(olk_reg_file_get_u32(file, KEY, "Odd", &number), OLK_REG_BAD_DATA);
    CHECK(check_last_error_contains("4 bytes"));
    CHECK_STATUS(olk_reg_file_get_string(file, KEY, "OddSz", &text), OLK_REG_BAD_DATA);
    CHECK(text == NULL && number == 5);
    olk_reg_file_free(file);
}

static void test_setters_write_regedit_lines(void) {
    olk_reg_file *file = parse_v5(V5_ONE_KEY_TEXT);
    static const char *const items[] = {"x", "yz"};
    static const uint8_t dead[] = {0xde, 0xad};
    static const uint8_t seven[] = {7};
    static const uint8_t dword[] = {0x01, 0x00, 0x00, 0x00};
    uint32_t number = 0;
    uint64_t big = 0;
    size_t count = 0, len = 0;
    uint8_t *data = NULL;
    char *text = NULL;
    if (file == NULL) {
        return;
    }
    /* In place: the line that assigns the value (last) is rewritten. */
    CHECK_STATUS(olk_reg_file_set_u32(file, KEY, "Port", 993), OLK_OK);
    CHECK(count_in_file(file, "\r\n\"Port\"=dword:000003e1\r\n@=\"default\"\r\n") == 1);
    CHECK(count_in_file(file, "dword:000001bb") == 0);
    CHECK_STATUS(olk_reg_file_get_u32(file, KEY, "port", &number), OLK_OK);
    CHECK(number == 993);

    CHECK_STATUS(olk_reg_file_set_string(file, KEY, "SERVER", "new \"quoted\" \\ path"), OLK_OK);
    CHECK(count_in_file(file, "\"SERVER\"=\"new \\\"quoted\\\" \\\\ path\"\r\n\"Port\"=") == 1);
    CHECK(count_in_file(file, "mail.example.com") == 0);
    CHECK_STATUS(olk_reg_file_get_string(file, KEY, "Server", &text), OLK_OK);
    CHECK(string_is(text, "new \"quoted\" \\ path"));

    CHECK_STATUS(olk_reg_file_set_string(file, KEY, "", "new default"), OLK_OK);
    CHECK(count_in_file(file, "\r\n@=\"new default\"\r\n") == 1);

    CHECK_STATUS(olk_reg_file_set_expand_string(file, KEY, "Path", "%A%B"), OLK_OK);
    CHECK(count_in_file(file, "\"Path\"=hex(2):25,00,41,00,25,00,42,00,00,00\r\n") == 1);
    CHECK_STATUS(olk_reg_file_get_string(file, KEY, "Path", &text), OLK_OK);
    CHECK(string_is(text, "%A%B"));

    CHECK_STATUS(olk_reg_file_set_multi_string(file, KEY, "List", items, 2), OLK_OK);
    CHECK(count_in_file(file, "\"List\"=hex(7):78,00,00,00,79,00,7a,00,00,00,00,00\r\n") == 1);
    CHECK_STATUS(olk_reg_file_set_multi_string(file, KEY, "Empty list", NULL, 0), OLK_OK);
    CHECK(count_in_file(file, "\"Empty list\"=hex(7):00,00\r\n") == 1);
    data = (uint8_t *)&number;
    CHECK_STATUS(olk_reg_file_get_multi_string(file, KEY, "empty LIST", &data, &len, &count), OLK_OK);
    CHECK(data == NULL && len == 0 && count == 0);

    CHECK_STATUS(olk_reg_file_set_u64(file, KEY, "Big", 1), OLK_OK);
    CHECK(count_in_file(file, "\"Big\"=hex(b):01,00,00,00,00,00,00,00\r\n") == 1);
    CHECK_STATUS(olk_reg_file_get_u64(file, KEY, "Big", &big), OLK_OK);
    CHECK(big == 1);

    CHECK_STATUS(olk_reg_file_set_value(file, KEY, "Blob", OLK_REG_BINARY, dead, sizeof dead), OLK_OK);
    CHECK(count_in_file(file, "\"Blob\"=hex:de,ad\r\n") == 1);
    CHECK_STATUS(olk_reg_file_set_value(file, KEY, "Custom", 0x1234, seven, 1), OLK_OK);
    CHECK(count_in_file(file, "\"Custom\"=hex(1234):07\r\n") == 1);
    CHECK_STATUS(olk_reg_file_set_value(file, KEY, "D", OLK_REG_DWORD, dword, 4), OLK_OK);
    CHECK(count_in_file(file, "\"D\"=dword:00000001\r\n") == 1);
    /* NULL data with length 0: an empty value. */
    CHECK_STATUS(olk_reg_file_set_value(file, KEY, "Nothing", OLK_REG_NONE, NULL, 0), OLK_OK);
    CHECK(count_in_file(file, "\"Nothing\"=hex(0):\r\n") == 1);
    /* New values go to the end of the key's section, in the order they were set. */
    CHECK(count_in_file(file, "\"OddSz\"=hex(1):61\r\n\"Empty list\"=hex(7):00,00\r\n\"Custom\"=") == 1);

    /* A new key: a section at the end of the file, after a blank line. */
    CHECK_STATUS(olk_reg_file_set_u32(file, "HKEY_CURRENT_USER\\Software\\New", "A", 1), OLK_OK);
    CHECK(count_in_file(file, "\r\n\r\n[HKEY_CURRENT_USER\\Software\\New]\r\n\"A\"=dword:00000001\r\n") ==
          1);
    olk_reg_file_free(file);
}

/* A key with several sections: edits follow import order. */
static void test_setters_on_a_key_with_several_sections(void) {
    olk_reg_file *file = parse_v5(V5_TEXT);
    uint32_t number = 0;
    char *text = NULL;
    if (file == NULL) {
        return;
    }
    /* The assignment that wins (the last one) is rewritten; the first stays. */
    CHECK_STATUS(olk_reg_file_set_string(file, KEY, "Server", "new.example.com"), OLK_OK);
    CHECK(count_in_file(file, "\"Server\"=\"mail.example.com\"\r\n") == 1);
    CHECK(count_in_file(file, "\"Server\"=\"new.example.com\"\r\n") == 1);
    CHECK(count_in_file(file, "override") == 0);
    CHECK_STATUS(olk_reg_file_get_string(file, KEY, "Server", &text), OLK_OK);
    CHECK(string_is(text, "new.example.com"));
    /* A value of an earlier section: the new value is what import gives. */
    CHECK_STATUS(olk_reg_file_set_u32(file, KEY, "Port", 993), OLK_OK);
    CHECK(count_in_file(file, "\"Port\"=dword:000003e1\r\n") == 1);
    CHECK_STATUS(olk_reg_file_get_u32(file, KEY, "port", &number), OLK_OK);
    CHECK(number == 993);
    olk_reg_file_free(file);
}

static void test_rename_delete_add(void) {
    olk_reg_file *file = parse_v5(V5_TEXT);
    uint8_t flag = 9;
    size_t count = 0;
    char *text = NULL;
    if (file == NULL) {
        return;
    }
    CHECK_STATUS(olk_reg_file_rename_value(file, KEY, "blob", "Blob2"), OLK_OK);
    CHECK(count_in_file(file, "\"Blob2\"=hex:01,02,03\r\n") == 1);
    /* Every assignment and deletion of the name is renamed. */
    CHECK_STATUS(olk_reg_file_rename_value(file, KEY, "Server", "Host"), OLK_OK);
    CHECK(count_in_file(file, "\"Host\"=") == 2 && count_in_file(file, "\"Server\"") == 0);
    CHECK_STATUS(olk_reg_file_get_string(file, KEY, "host", &text), OLK_OK);
    CHECK(string_is(text, "override.example.com"));
    /* A change of case only is allowed. */
    CHECK_STATUS(olk_reg_file_rename_value(file, KEY, "Host", "HOST"), OLK_OK);
    CHECK(count_in_file(file, "\"HOST\"=") == 2);

    CHECK_STATUS(olk_reg_file_delete_value(file, KEY, "host", &flag), OLK_OK);
    CHECK(flag == 1 && count_in_file(file, "HOST") == 0);
    CHECK_STATUS(olk_reg_file_delete_value(file, KEY, "host", &flag), OLK_OK);
    CHECK(flag == 0);
    CHECK_STATUS(olk_reg_file_delete_value(file, KEY, "Gone", NULL), OLK_OK); /* NULL: not wanted */
    CHECK(count_in_file(file, "Gone") == 0);
    CHECK_STATUS(olk_reg_file_delete_value(file, KEY, "", &flag), OLK_OK);
    CHECK(flag == 1 && count_in_file(file, "@=") == 0);

    CHECK_STATUS(olk_reg_file_add_key(file, "HKEY_CURRENT_USER\\Software\\Added", &flag), OLK_OK);
    CHECK(flag == 1);
    CHECK(count_in_file(file, "[HKEY_CURRENT_USER\\Software\\Added]\r\n") == 1);
    CHECK_STATUS(olk_reg_file_add_key(file, "hkey_current_user\\software\\ADDED", &flag), OLK_OK);
    CHECK(flag == 0);
    CHECK_STATUS(olk_reg_file_add_key(file, KEY, NULL), OLK_OK);
    CHECK_STATUS(olk_reg_file_key_count(file, &count), OLK_OK);
    CHECK(count == 4);

    /* Deleting a key removes the keys below it, [-KEY] lines included. */
    CHECK_STATUS(olk_reg_file_delete_key(file, "HKEY_CURRENT_USER\\Software\\Kerio", &flag), OLK_OK);
    CHECK(flag == 1);
    CHECK_STATUS(olk_reg_file_key_count(file, &count), OLK_OK);
    CHECK(count == 1);
    CHECK(count_in_file(file, "Kerio") == 0);
    CHECK_STATUS(olk_reg_file_delete_key(file, "HKEY_CURRENT_USER\\Software\\Kerio", &flag), OLK_OK);
    CHECK(flag == 0);
    CHECK_STATUS(olk_reg_file_delete_key(file, "HKEY_CURRENT_USER\\Software\\Added", NULL), OLK_OK);
    CHECK_STATUS(olk_reg_file_key_count(file, &count), OLK_OK);
    CHECK(count == 0);
    olk_reg_file_free(file);
}

static void test_failed_edits_leave_the_file_unchanged(void) {
    olk_reg_file *file = parse_v5(V5_TEXT);
    olk_reg_file *v4 = NULL;
    static const char *const empty_item[] = {"a", ""};
    static const char *const null_item[] = {"a", NULL};
    static const char *const bad_item[] = {"a", BAD_UTF8};
    uint8_t flag = 7;
    bytes before, v4_input = ascii(V4_TEXT);
    if (file == NULL) {
        bytes_free(v4_input);
        return;
    }
    before = file_bytes(file);

    CHECK_STATUS(olk_reg_file_rename_value(file, KEY, "Blob", "port"), OLK_REG_VALUE_EXISTS);
    CHECK(check_last_error_contains("\"port\" already exists"));
    CHECK(unchanged(file, before));
    CHECK_STATUS(olk_reg_file_rename_value(file, KEY, "Nope", "Other"), OLK_REG_NOT_FOUND);
    CHECK(unchanged(file, before));
    CHECK_STATUS(olk_reg_file_rename_value(file, "HKEY_USERS\\Nope", "Blob", "Other"),
                 OLK_REG_NOT_FOUND);
    CHECK(unchanged(file, before));

    CHECK_STATUS(olk_reg_file_set_string(file, "Software\\Kerio", "x", "y"), OLK_REG_INVALID_KEY_PATH);
    CHECK(check_last_error_contains("registry root"));
    CHECK_STATUS(olk_reg_file_set_u32(file, "HKEY_CURRENT_USER\\Kerio\r", "x", 1),
                 OLK_REG_INVALID_KEY_PATH);
    CHECK_STATUS(olk_reg_file_set_u64(file, "HKEY_CURRENT_USER\\a\nb", "x", 1),
                 OLK_REG_INVALID_KEY_PATH);
    CHECK_STATUS(olk_reg_file_set_expand_string(file, "HKEY_NOWHERE", "x", "y"),
                 OLK_REG_INVALID_KEY_PATH);
    CHECK_STATUS(olk_reg_file_set_value(file, "", "x", OLK_REG_BINARY, NULL, 0),
                 OLK_REG_INVALID_KEY_PATH);
    CHECK_STATUS(olk_reg_file_add_key(file, "NOPE\\x", &flag), OLK_REG_INVALID_KEY_PATH);
    CHECK(flag == 7);
    CHECK(unchanged(file, before));

    CHECK_STATUS(olk_reg_file_set_multi_string(file, KEY, "List", empty_item, 2), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("`items[1]`"));
    CHECK_STATUS(olk_reg_file_set_multi_string(file, KEY, "List", null_item, 2), OLK_NULL_ARGUMENT);
    CHECK(check_last_error_contains("`items[1]`"));
    CHECK_STATUS(olk_reg_file_set_multi_string(file, KEY, "List", bad_item, 2), OLK_INVALID_UTF8);
    CHECK(check_last_error_contains("`items[1]`"));
    CHECK_STATUS(olk_reg_file_set_multi_string(file, KEY, "List", NULL, 2), OLK_NULL_ARGUMENT);
    CHECK(unchanged(file, before));
    bytes_free(before);
    olk_reg_file_free(file);

    /* REGEDIT4 cannot hold every character. */
    v4 = parse_bytes(v4_input, 0);
    if (v4 != NULL) {
        before = file_bytes(v4);
        CHECK_STATUS(olk_reg_file_set_expand_string(v4, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio", "e",
                                                    "\xe6\x97\xa5"),
                     OLK_REG_UNENCODABLE);
        CHECK(check_last_error_contains("Windows-1252"));
        CHECK_STATUS(olk_reg_file_set_u32(v4, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio", "\xe6\x97\xa5", 1),
                     OLK_REG_UNENCODABLE);
        CHECK_STATUS(olk_reg_file_add_key(v4, "HKEY_LOCAL_MACHINE\\\xe6\x97\xa5", &flag),
                     OLK_REG_UNENCODABLE);
        CHECK_STATUS(olk_reg_file_rename_value(v4, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio", "Name",
                                               "\xe6\x97\xa5"),
                     OLK_REG_UNENCODABLE);
        CHECK(unchanged(v4, before));
        bytes_free(before);
        olk_reg_file_free(v4);
    }
    bytes_free(v4_input);
}

static void test_lenient_and_strict(void) {
    static const char text[] = "Windows Registry Editor Version 5.00\n"
                               "\n"
                               "[HKEY_CURRENT_USER\\Software\\Test]\n"
                               "\"Bad\"=dword:xyz\n"
                               "\"Good\"=\"yes\"\n"
                               "garbage\n";
    bytes input = ascii(text);
    olk_reg_file *file = (olk_reg_file *)&input; /* a sentinel: must stay untouched */
    size_t count = 0, line = 0, column = 0, column_in_message = 0, line_in_message = 0;
    uint32_t number = 0;
    char *message = NULL, *value = NULL;
    bytes out;

    CHECK_STATUS(olk_reg_file_parse(input.data, input.len, 0, 0, &file), OLK_REG_SYNTAX);
    CHECK(file == (olk_reg_file *)&input);
    CHECK(check_last_error_contains("line 4, column "));

    file = NULL;
    CHECK_STATUS(olk_reg_file_parse(input.data, input.len, OLK_REG_PARSE_LENIENT, 0, &file), OLK_OK);
    if (file != NULL) {
        CHECK_STATUS(olk_reg_file_warning_count(file, &count), OLK_OK);
        CHECK(count == 2);
        CHECK_STATUS(olk_reg_file_warning(file, 0, &line, &column, &message), OLK_OK);
        CHECK(line == 4 && column >= 1);
        CHECK(message != NULL && sscanf(message, "line %zu, column %zu:", &line_in_message,
                                        &column_in_message) == 2);
        CHECK(line_in_message == 4 && column_in_message == column);
        CHECK(message != NULL && strstr(message, "(line skipped)") != NULL);
        olk_string_free(message);
        CHECK_STATUS(olk_reg_file_warning(file, 1, &line, &column, &message), OLK_OK);
        CHECK(line == 6);
        olk_string_free(message);
        message = NULL;
        line = 55;
        CHECK_STATUS(olk_reg_file_warning(file, 2, &line, &column, &message), OLK_OUT_OF_RANGE);
        CHECK(message == NULL && line == 55);
        CHECK(check_last_error_contains("warning index 2") && check_last_error_contains("2 warnings"));
        CHECK_STATUS(olk_reg_file_get_string(file, "HKEY_CURRENT_USER\\Software\\Test", "Good", &value),
                     OLK_OK);
        CHECK(string_is(value, "yes"));
        CHECK_STATUS(olk_reg_file_get_u32(file, "HKEY_CURRENT_USER\\Software\\Test", "Bad", &number),
                     OLK_REG_NOT_FOUND);
        /* Skipped lines are kept byte for byte. */
        out = file_bytes(file);
        CHECK(same_bytes(out.data, out.len, input.data, input.len));
        bytes_free(out);
        olk_reg_file_free(file);
    }
    bytes_free(input);
}

static void test_parse_errors(void) {
    olk_reg_file *file = NULL;
    bytes v5 = utf16le(V5_TEXT, 1);
    bytes bad_header = ascii("REGEDIT5\r\n\r\n");
    bytes bad_utf8 = ascii("\xef\xbb\xbfWindows Registry Editor Version 5.00\r\n\r\n[HKEY_USERS\\\xff]\r\n");
    char *text = NULL;
    bytes out;

    CHECK_STATUS(olk_reg_file_parse(bad_header.data, bad_header.len, 0, 0, &file), OLK_REG_BAD_HEADER);
    CHECK(check_last_error_contains("line 1"));
    CHECK_STATUS(olk_reg_file_parse(NULL, 0, 0, 0, &file), OLK_REG_BAD_HEADER); /* empty input */
    CHECK_STATUS(olk_reg_file_parse(bad_utf8.data, bad_utf8.len, 0, 0, &file), OLK_REG_ENCODING);
    CHECK(check_last_error_contains("line 3"));
    /* UTF-16LE with an odd number of bytes. */
    CHECK_STATUS(olk_reg_file_parse(v5.data, v5.len - 1, 0, 0, &file), OLK_REG_ENCODING);
    CHECK(file == NULL);

    /* The size limit: max_bytes, 0 for the default. */
    CHECK_STATUS(olk_reg_file_parse(v5.data, v5.len, 0, 10, &file), OLK_REG_TOO_LARGE);
    CHECK(check_last_error_contains("limit of 10 bytes"));
    CHECK_STATUS(olk_reg_file_parse(v5.data, v5.len, 0, v5.len - 1, &file), OLK_REG_TOO_LARGE);
    CHECK(file == NULL);
    CHECK_STATUS(olk_reg_file_parse(v5.data, v5.len, 0, v5.len, &file), OLK_OK);
    olk_reg_file_free(file);
    file = NULL;

    /* Unknown flag bits. */
    CHECK_STATUS(olk_reg_file_parse(v5.data, v5.len, 2, 0, &file), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("`flags`") && check_last_error_contains("0x2"));
    CHECK_STATUS(olk_reg_file_parse(v5.data, v5.len, 0x80000001u, 0, &file), OLK_INVALID_ARGUMENT);
    CHECK_STATUS(olk_reg_file_open(source_path("examples/outlook-profiles.reg"), 4, 0, &file),
                 OLK_INVALID_ARGUMENT);
    CHECK(file == NULL);

    /* olk_reg_file_new: an empty file in the format's regedit encoding. */
    CHECK_STATUS(olk_reg_file_new(3, &file), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("`format`"));
    CHECK_STATUS(olk_reg_file_new(0, &file), OLK_INVALID_ARGUMENT);
    CHECK(file == NULL);
    CHECK_STATUS(olk_reg_file_new(OLK_REG_FORMAT_REGEDIT4, &file), OLK_OK);
    if (file != NULL) {
        out = file_bytes(file);
        CHECK(same_bytes(out.data, out.len, (const uint8_t *)"REGEDIT4\r\n", 10));
        bytes_free(out);
        CHECK_STATUS(olk_reg_file_set_string(file, "HKEY_CURRENT_USER\\A", "b", "c"), OLK_OK);
        out = file_bytes(file);
        CHECK(same_bytes(out.data, out.len, (const uint8_t *)"REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\A]\r\n\"b\"=\"c\"\r\n\r\n",
                         46));
        bytes_free(out);
        olk_reg_file_free(file);
        file = NULL;
    }
    CHECK_STATUS(olk_reg_file_new(OLK_REG_FORMAT_REGEDIT5, &file), OLK_OK);
    if (file != NULL) {
        bytes header = utf16le("Windows Registry Editor Version 5.00\r\n", 1);
        uint32_t encoding = 0;
        out = file_bytes(file);
        CHECK(same_bytes(out.data, out.len, header.data, header.len));
        bytes_free(out);
        bytes_free(header);
        CHECK_STATUS(olk_reg_file_encoding(file, &encoding), OLK_OK);
        CHECK(encoding == OLK_REG_ENC_UTF16LE);
        CHECK_STATUS(olk_reg_file_get_string(file, "HKEY_CURRENT_USER\\A", "b", &text), OLK_REG_NOT_FOUND);
        olk_reg_file_free(file);
    }
    bytes_free(v5);
    bytes_free(bad_header);
    bytes_free(bad_utf8);
}

static void test_canonical_bytes(void) {
    bytes input = ascii("REGEDIT4\n; comment\n[HKEY_USERS\\x]\n\"a\" = \"b\"\n\"n\"=dword: 1\n");
    static const char expected[] = "REGEDIT4\r\n\r\n[HKEY_USERS\\x]\r\n\"a\"=\"b\"\r\n\"n\"=dword:00000001\r\n\r\n";
    olk_reg_file *file = parse_bytes(input, 0);
    olk_reg_file *again = NULL;
    uint8_t *data = NULL, *data2 = NULL;
    size_t len = 0, len2 = 0;
    bytes utf8_v4 = ascii("\xef\xbb\xbfREGEDIT4\r\n\r\n[HKEY_USERS\\\xe6\x97\xa5]\r\n");
    if (file != NULL) {
        CHECK_STATUS(olk_reg_file_to_canonical_bytes(file, &data, &len), OLK_OK);
        CHECK(len == strlen(expected) && data != NULL && memcmp(data, expected, len) == 0);
        olk_bytes_free(data, len);
        olk_reg_file_free(file);
    }
    /* Version 5: UTF-16LE with BOM, and canonical output is a fixed point. */
    file = parse_v5(V5_TEXT);
    if (file != NULL) {
        CHECK_STATUS(olk_reg_file_to_canonical_bytes(file, &data, &len), OLK_OK);
        CHECK(len > 2 && data[0] == 0xff && data[1] == 0xfe);
        CHECK_STATUS(olk_reg_file_parse(data, len, 0, 0, &again), OLK_OK);
        CHECK_STATUS(olk_reg_file_to_canonical_bytes(again, &data2, &len2), OLK_OK);
        CHECK(len == len2 && memcmp(data, data2, len) == 0);
        olk_bytes_free(data, len);
        olk_bytes_free(data2, len2);
        olk_reg_file_free(again);
        olk_reg_file_free(file);
    }
    /* A REGEDIT4 file in UTF-8 may hold what Windows-1252 cannot. */
    file = NULL;
    if (olk_reg_file_parse(utf8_v4.data, utf8_v4.len, 0, 0, &file) == OLK_OK) {
        data = NULL;
        CHECK_STATUS(olk_reg_file_to_canonical_bytes(file, &data, &len), OLK_REG_UNENCODABLE);
        CHECK(data == NULL);
        olk_reg_file_free(file);
    } else {
        CHECK(0 && "a UTF-8 REGEDIT4 file parses");
    }
    bytes_free(utf8_v4);
    bytes_free(input);
}

static void test_open_and_save(void) {
    const char *saved = "test_regfile_saved.reg";
    olk_reg_file *file = parse_v5(V5_TEXT);
    olk_reg_file *back = NULL;
    bytes on_disk, expected;
    if (file == NULL) {
        return;
    }
    CHECK_STATUS(olk_reg_file_set_u32(file, KEY, "Port", 993), OLK_OK);
    remove(saved);
    CHECK_STATUS(olk_reg_file_save(file, saved), OLK_OK);
    expected = file_bytes(file);
    on_disk = read_file(saved);
    CHECK(same_bytes(on_disk.data, on_disk.len, expected.data, expected.len));
    bytes_free(on_disk);
    CHECK_STATUS(olk_reg_file_open(saved, 0, 0, &back), OLK_OK);
    if (back != NULL) {
        uint32_t port = 0;
        CHECK(unchanged(back, expected));
        CHECK_STATUS(olk_reg_file_get_u32(back, KEY, "Port", &port), OLK_OK);
        CHECK(port == 993);
        olk_reg_file_free(back);
        back = NULL;
    }
    /* Saving again replaces the file. */
    CHECK_STATUS(olk_reg_file_delete_key(file, KEY, NULL), OLK_OK);
    CHECK_STATUS(olk_reg_file_save(file, saved), OLK_OK);
    bytes_free(expected);
    expected = file_bytes(file);
    on_disk = read_file(saved);
    CHECK(same_bytes(on_disk.data, on_disk.len, expected.data, expected.len));
    bytes_free(on_disk);
    bytes_free(expected);
    /* A size limit applies to files too; messages name the path. */
    CHECK_STATUS(olk_reg_file_open(saved, 0, 8, &back), OLK_REG_TOO_LARGE);
    CHECK(check_last_error_contains(saved) && check_last_error_contains("limit of 8 bytes"));
    CHECK(back == NULL);
    remove(saved);

    CHECK_STATUS(olk_reg_file_save(file, "no-such-dir/x.reg"), OLK_IO);
    CHECK(check_last_error_contains("no-such-dir/x.reg"));
    CHECK_STATUS(olk_reg_file_save(file, ""), OLK_IO);
    CHECK_STATUS(olk_reg_file_open("no-such-file.reg", 0, 0, &back), OLK_IO);
    CHECK(check_last_error_contains("no-such-file.reg"));
    CHECK(back == NULL);
    olk_reg_file_free(file);
}

static void test_bundled_example(void) {
    const char *path = source_path("examples/outlook-profiles.reg");
    bytes input = read_file(path);
    olk_reg_file *file = NULL;
    uint32_t format = 0, encoding = 0;
    size_t keys = 0;
    char *text = NULL;
    CHECK(input.data != NULL && input.len > 0);
    CHECK_STATUS(olk_reg_file_open(path, 0, 0, &file), OLK_OK);
    if (file != NULL && input.data != NULL) {
        CHECK(unchanged(file, input));
        CHECK_STATUS(olk_reg_file_format(file, &format), OLK_OK);
        CHECK_STATUS(olk_reg_file_encoding(file, &encoding), OLK_OK);
        CHECK(format == OLK_REG_FORMAT_REGEDIT5 && encoding == OLK_REG_ENC_UTF16LE);
        CHECK_STATUS(olk_reg_file_key_count(file, &keys), OLK_OK);
        CHECK(keys > 5);
        CHECK_STATUS(olk_reg_file_get_string(file,
                                             "HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook",
                                             "DefaultProfile", &text),
                     OLK_OK);
        CHECK(string_is(text, "Kerio"));
    }
    olk_reg_file_free(file);
    bytes_free(input);
}

static void test_wine_fixture(void) {
    const char *path = source_path("crates/regfile/tests/fixtures/wine/v5/types.reg");
    const char *key = "HKEY_CURRENT_USER\\Software\\OlkitFixtures\\Types";
    bytes input = read_file(path);
    olk_reg_file *file = NULL;
    uint32_t number = 0, type = 0;
    uint64_t big = 0;
    uint8_t *data = NULL;
    size_t len = 0, count = 0;
    char *text = NULL;
    const char *p;
    CHECK(input.data != NULL);
    if (input.data == NULL) {
        return;
    }
    file = parse_bytes(input, 0);
    if (file == NULL) {
        bytes_free(input);
        return;
    }
    CHECK(unchanged(file, input));
    CHECK_STATUS(olk_reg_file_get_u32(file, key, "dword-12345678", &number), OLK_OK);
    CHECK(number == 0x12345678u);
    CHECK_STATUS(olk_reg_file_get_u32(file, key, "dword-big-endian", &number), OLK_OK);
    CHECK(number == 0x12345678u);
    CHECK_STATUS(olk_reg_file_get_u32(file, key, "dword-max", &number), OLK_OK);
    CHECK(number == 0xffffffffu);
    CHECK_STATUS(olk_reg_file_get_u32(file, key, "dword-size-0", &number), OLK_REG_BAD_DATA);
    CHECK_STATUS(olk_reg_file_get_u64(file, key, "qword", &big), OLK_OK);
    CHECK(big == 0x0123456789abcdefULL);
    CHECK_STATUS(olk_reg_file_get_u64(file, key, "qword-max", &big), OLK_OK);
    CHECK(big == UINT64_MAX);
    CHECK_STATUS(olk_reg_file_get_string(file, key, "expand-sz", &text), OLK_OK);
    CHECK(string_is(text, "%LOCALAPPDATA%\\Kerio\\Outlook Connector"));
    CHECK_STATUS(olk_reg_file_get_string(file, key, "link", &text), OLK_OK); /* REG_LINK */
    CHECK(string_is(text, "\\Registry\\Machine\\Software\\X"));
    CHECK_STATUS(olk_reg_file_get_string(file, key, "sz-unicode", &text), OLK_OK);
    CHECK(string_is(text, GRUESSE " \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80"));
    CHECK_STATUS(olk_reg_file_get_string(file, key, GRUESSE "-\xe5\x90\x8d\xe5\x89\x8d-\xf0\x9f\x98\x80",
                                         &text),
                 OLK_OK);
    CHECK(string_is(text, "non-ASCII value name"));
    CHECK_STATUS(olk_reg_file_get_string(file, key, "@", &text), OLK_OK);
    CHECK(string_is(text, "a value literally named @ (not the default)"));
    CHECK_STATUS(olk_reg_file_get_string(file, key, "", &text), OLK_OK);
    CHECK(string_is(text, "default value of Types"));

    CHECK_STATUS(olk_reg_file_get_multi_string(file, key, "multi-sz", &data, &len, &count), OLK_OK);
    CHECK(count == 3 && len == strlen("first") + strlen("second") + strlen("third") + 3);
    if (data != NULL && count == 3) {
        p = (const char *)data;
        CHECK(strcmp(p, "first") == 0);
        p += strlen(p) + 1;
        CHECK(strcmp(p, "second") == 0);
        p += strlen(p) + 1;
        CHECK(strcmp(p, "third") == 0);
    }
    olk_bytes_free(data, len);
    CHECK_STATUS(olk_reg_file_get_multi_string(file, key, "multi-sz-unicode", &data, &len, &count),
                 OLK_OK);
    CHECK(count == 3);
    if (data != NULL && count == 3) {
        p = (const char *)data;
        CHECK(strcmp(p, GRUESSE) == 0);
        p += strlen(p) + 1;
        CHECK(strcmp(p, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e") == 0);
        p += strlen(p) + 1;
        CHECK(strcmp(p, "\xf0\x9f\x98\x80") == 0);
    }
    olk_bytes_free(data, len);
    CHECK_STATUS(olk_reg_file_get_multi_string(file, key, "multi-sz-empty", &data, &len, &count), OLK_OK);
    CHECK(count == 0 && data == NULL && len == 0);

    CHECK_STATUS(olk_reg_file_get_value(file, key, "type-0xffffffff", &type, &data, &len), OLK_OK);
    CHECK(type == 0xffffffffu && len == 1 && data != NULL && data[0] == 0xaa);
    olk_bytes_free(data, len);
    CHECK_STATUS(olk_reg_file_get_value(file, key, "binary-0", &type, &data, &len), OLK_OK);
    CHECK(type == OLK_REG_BINARY && data == NULL && len == 0);
    olk_reg_file_free(file);
    bytes_free(input);
}

/* NULL for every pointer argument of every function: OLK_NULL_ARGUMENT, a
   message naming the argument, and outputs left alone. */
static void test_null_arguments(void) {
    olk_reg_file *f = parse_v5(V5_TEXT);
    olk_reg_file *out = (olk_reg_file *)&f;
    uint32_t u32 = 7;
    uint64_t u64 = 7;
    size_t size = 7, size2 = 7, size3 = 7;
    uint8_t flag = 7, byte = 0;
    uint8_t *data = &byte;
    char *text = (char *)&byte;
    static const char *const items[] = {"a"};
    if (f == NULL) {
        return;
    }
    CHECK_NULL_ARG(olk_reg_file_parse(NULL, 3, 0, 0, &out), "data");
    CHECK_NULL_ARG(olk_reg_file_parse(&byte, 1, 0, 0, NULL), "out");
    CHECK_NULL_ARG(olk_reg_file_open(NULL, 0, 0, &out), "path");
    CHECK_NULL_ARG(olk_reg_file_open("x.reg", 0, 0, NULL), "out");
    CHECK_NULL_ARG(olk_reg_file_new(OLK_REG_FORMAT_REGEDIT5, NULL), "out");
    CHECK(out == (olk_reg_file *)&f);

    CHECK_NULL_ARG(olk_reg_file_format(NULL, &u32), "file");
    CHECK_NULL_ARG(olk_reg_file_format(f, NULL), "out");
    CHECK_NULL_ARG(olk_reg_file_encoding(NULL, &u32), "file");
    CHECK_NULL_ARG(olk_reg_file_encoding(f, NULL), "out");
    CHECK_NULL_ARG(olk_reg_file_warning_count(NULL, &size), "file");
    CHECK_NULL_ARG(olk_reg_file_warning_count(f, NULL), "out");
    CHECK_NULL_ARG(olk_reg_file_warning(NULL, 0, &size, &size2, &text), "file");
    CHECK_NULL_ARG(olk_reg_file_warning(f, 0, NULL, &size2, &text), "line");
    CHECK_NULL_ARG(olk_reg_file_warning(f, 0, &size, NULL, &text), "column");
    CHECK_NULL_ARG(olk_reg_file_warning(f, 0, &size, &size2, NULL), "message");

    CHECK_NULL_ARG(olk_reg_file_key_count(NULL, &size), "file");
    CHECK_NULL_ARG(olk_reg_file_key_count(f, NULL), "out");
    CHECK_NULL_ARG(olk_reg_file_key(NULL, 0, &text, &flag, &size), "file");
    CHECK_NULL_ARG(olk_reg_file_key(f, 0, NULL, &flag, &size), "path");
    CHECK_NULL_ARG(olk_reg_file_key(f, 0, &text, NULL, &size), "is_deletion");
    CHECK_NULL_ARG(olk_reg_file_key(f, 0, &text, &flag, NULL), "line");
    CHECK_NULL_ARG(olk_reg_file_entry_count(NULL, 0, &size), "file");
    CHECK_NULL_ARG(olk_reg_file_entry_count(f, 0, NULL), "out");
    CHECK_NULL_ARG(olk_reg_file_entry(NULL, 0, 0, &text, &u32, &flag, &data, &size, &size2), "file");
    CHECK_NULL_ARG(olk_reg_file_entry(f, 0, 0, NULL, &u32, &flag, &data, &size, &size2), "name");
    CHECK_NULL_ARG(olk_reg_file_entry(f, 0, 0, &text, NULL, &flag, &data, &size, &size2), "type");
    CHECK_NULL_ARG(olk_reg_file_entry(f, 0, 0, &text, &u32, NULL, &data, &size, &size2), "is_deletion");
    CHECK_NULL_ARG(olk_reg_file_entry(f, 0, 0, &text, &u32, &flag, NULL, &size, &size2), "data");
    CHECK_NULL_ARG(olk_reg_file_entry(f, 0, 0, &text, &u32, &flag, &data, NULL, &size2), "data_len");
    CHECK_NULL_ARG(olk_reg_file_entry(f, 0, 0, &text, &u32, &flag, &data, &size, NULL), "line");

    CHECK_NULL_ARG(olk_reg_file_get_value(NULL, KEY, "Port", &u32, &data, &size), "file");
    CHECK_NULL_ARG(olk_reg_file_get_value(f, NULL, "Port", &u32, &data, &size), "key");
    CHECK_NULL_ARG(olk_reg_file_get_value(f, KEY, NULL, &u32, &data, &size), "name");
    CHECK_NULL_ARG(olk_reg_file_get_value(f, KEY, "Port", NULL, &data, &size), "type");
    CHECK_NULL_ARG(olk_reg_file_get_value(f, KEY, "Port", &u32, NULL, &size), "data");
    CHECK_NULL_ARG(olk_reg_file_get_value(f, KEY, "Port", &u32, &data, NULL), "len");
    CHECK_NULL_ARG(olk_reg_file_get_string(NULL, KEY, "Server", &text), "file");
    CHECK_NULL_ARG(olk_reg_file_get_string(f, NULL, "Server", &text), "key");
    CHECK_NULL_ARG(olk_reg_file_get_string(f, KEY, NULL, &text), "name");
    CHECK_NULL_ARG(olk_reg_file_get_string(f, KEY, "Server", NULL), "out");
    CHECK_NULL_ARG(olk_reg_file_get_multi_string(NULL, KEY, "List", &data, &size, &size2), "file");
    CHECK_NULL_ARG(olk_reg_file_get_multi_string(f, NULL, "List", &data, &size, &size2), "key");
    CHECK_NULL_ARG(olk_reg_file_get_multi_string(f, KEY, NULL, &data, &size, &size2), "name");
    CHECK_NULL_ARG(olk_reg_file_get_multi_string(f, KEY, "List", NULL, &size, &size2), "data");
    CHECK_NULL_ARG(olk_reg_file_get_multi_string(f, KEY, "List", &data, NULL, &size2), "len");
    CHECK_NULL_ARG(olk_reg_file_get_multi_string(f, KEY, "List", &data, &size, NULL), "count");
    CHECK_NULL_ARG(olk_reg_file_get_u32(NULL, KEY, "Port", &u32), "file");
    CHECK_NULL_ARG(olk_reg_file_get_u32(f, NULL, "Port", &u32), "key");
    CHECK_NULL_ARG(olk_reg_file_get_u32(f, KEY, NULL, &u32), "name");
    CHECK_NULL_ARG(olk_reg_file_get_u32(f, KEY, "Port", NULL), "out");
    CHECK_NULL_ARG(olk_reg_file_get_u64(NULL, KEY, "Big", &u64), "file");
    CHECK_NULL_ARG(olk_reg_file_get_u64(f, NULL, "Big", &u64), "key");
    CHECK_NULL_ARG(olk_reg_file_get_u64(f, KEY, NULL, &u64), "name");
    CHECK_NULL_ARG(olk_reg_file_get_u64(f, KEY, "Big", NULL), "out");

    CHECK_NULL_ARG(olk_reg_file_set_string(NULL, KEY, "a", "b"), "file");
    CHECK_NULL_ARG(olk_reg_file_set_string(f, NULL, "a", "b"), "key");
    CHECK_NULL_ARG(olk_reg_file_set_string(f, KEY, NULL, "b"), "name");
    CHECK_NULL_ARG(olk_reg_file_set_string(f, KEY, "a", NULL), "text");
    CHECK_NULL_ARG(olk_reg_file_set_expand_string(NULL, KEY, "a", "b"), "file");
    CHECK_NULL_ARG(olk_reg_file_set_expand_string(f, NULL, "a", "b"), "key");
    CHECK_NULL_ARG(olk_reg_file_set_expand_string(f, KEY, NULL, "b"), "name");
    CHECK_NULL_ARG(olk_reg_file_set_expand_string(f, KEY, "a", NULL), "text");
    CHECK_NULL_ARG(olk_reg_file_set_multi_string(NULL, KEY, "a", items, 1), "file");
    CHECK_NULL_ARG(olk_reg_file_set_multi_string(f, NULL, "a", items, 1), "key");
    CHECK_NULL_ARG(olk_reg_file_set_multi_string(f, KEY, NULL, items, 1), "name");
    CHECK_NULL_ARG(olk_reg_file_set_multi_string(f, KEY, "a", NULL, 1), "items");
    CHECK_NULL_ARG(olk_reg_file_set_u32(NULL, KEY, "a", 1), "file");
    CHECK_NULL_ARG(olk_reg_file_set_u32(f, NULL, "a", 1), "key");
    CHECK_NULL_ARG(olk_reg_file_set_u32(f, KEY, NULL, 1), "name");
    CHECK_NULL_ARG(olk_reg_file_set_u64(NULL, KEY, "a", 1), "file");
    CHECK_NULL_ARG(olk_reg_file_set_u64(f, NULL, "a", 1), "key");
    CHECK_NULL_ARG(olk_reg_file_set_u64(f, KEY, NULL, 1), "name");
    CHECK_NULL_ARG(olk_reg_file_set_value(NULL, KEY, "a", OLK_REG_BINARY, &byte, 1), "file");
    CHECK_NULL_ARG(olk_reg_file_set_value(f, NULL, "a", OLK_REG_BINARY, &byte, 1), "key");
    CHECK_NULL_ARG(olk_reg_file_set_value(f, KEY, NULL, OLK_REG_BINARY, &byte, 1), "name");
    CHECK_NULL_ARG(olk_reg_file_set_value(f, KEY, "a", OLK_REG_BINARY, NULL, 1), "data");
    CHECK_NULL_ARG(olk_reg_file_rename_value(NULL, KEY, "Port", "P"), "file");
    CHECK_NULL_ARG(olk_reg_file_rename_value(f, NULL, "Port", "P"), "key");
    CHECK_NULL_ARG(olk_reg_file_rename_value(f, KEY, NULL, "P"), "from");
    CHECK_NULL_ARG(olk_reg_file_rename_value(f, KEY, "Port", NULL), "to");
    CHECK_NULL_ARG(olk_reg_file_delete_value(NULL, KEY, "Port", &flag), "file");
    CHECK_NULL_ARG(olk_reg_file_delete_value(f, NULL, "Port", &flag), "key");
    CHECK_NULL_ARG(olk_reg_file_delete_value(f, KEY, NULL, &flag), "name");
    CHECK_NULL_ARG(olk_reg_file_add_key(NULL, "HKEY_USERS\\x", &flag), "file");
    CHECK_NULL_ARG(olk_reg_file_add_key(f, NULL, &flag), "path");
    CHECK_NULL_ARG(olk_reg_file_delete_key(NULL, KEY, &flag), "file");
    CHECK_NULL_ARG(olk_reg_file_delete_key(f, NULL, &flag), "path");

    CHECK_NULL_ARG(olk_reg_file_to_bytes(NULL, &data, &size), "file");
    CHECK_NULL_ARG(olk_reg_file_to_bytes(f, NULL, &size), "out");
    CHECK_NULL_ARG(olk_reg_file_to_bytes(f, &data, NULL), "len");
    CHECK_NULL_ARG(olk_reg_file_to_canonical_bytes(NULL, &data, &size), "file");
    CHECK_NULL_ARG(olk_reg_file_to_canonical_bytes(f, NULL, &size), "out");
    CHECK_NULL_ARG(olk_reg_file_to_canonical_bytes(f, &data, NULL), "len");
    CHECK_NULL_ARG(olk_reg_file_save(NULL, "x.reg"), "file");
    CHECK_NULL_ARG(olk_reg_file_save(f, NULL), "path");

    /* No output was written, and no failed edit changed the file. */
    CHECK(u32 == 7 && u64 == 7 && size == 7 && size2 == 7 && size3 == 7 && flag == 7);
    CHECK(data == &byte && text == (char *)&byte && out == (olk_reg_file *)&f);
    CHECK(count_in_file(f, "\"a\"=") == 0 && count_in_file(f, "HKEY_USERS") == 0);
    CHECK(count_in_file(f, "\"Port\"=dword:000001bb\r\n") == 1);

    olk_reg_file_free(NULL); /* a no-op */
    olk_reg_file_free(f);
}

/* Invalid UTF-8 in every string argument: OLK_INVALID_UTF8 naming it. */
static void test_invalid_utf8_arguments(void) {
    olk_reg_file *f = parse_v5(V5_TEXT);
    olk_reg_file *out = NULL;
    uint32_t u32 = 0;
    uint64_t u64 = 0;
    size_t size = 0, size2 = 0;
    uint8_t flag = 0, byte = 1, *data = NULL;
    char *text = NULL;
    static const char *const items[] = {"a"};
    bytes before;
    if (f == NULL) {
        return;
    }
    before = file_bytes(f);
    CHECK_BAD_UTF8_ARG(olk_reg_file_open(BAD_UTF8, 0, 0, &out), "path");
    CHECK_BAD_UTF8_ARG(olk_reg_file_get_value(f, BAD_UTF8, "Port", &u32, &data, &size), "key");
    CHECK_BAD_UTF8_ARG(olk_reg_file_get_value(f, KEY, BAD_UTF8, &u32, &data, &size), "name");
    CHECK_BAD_UTF8_ARG(olk_reg_file_get_string(f, BAD_UTF8, "Server", &text), "key");
    CHECK_BAD_UTF8_ARG(olk_reg_file_get_string(f, KEY, BAD_UTF8, &text), "name");
    CHECK_BAD_UTF8_ARG(olk_reg_file_get_multi_string(f, BAD_UTF8, "List", &data, &size, &size2), "key");
    CHECK_BAD_UTF8_ARG(olk_reg_file_get_multi_string(f, KEY, BAD_UTF8, &data, &size, &size2), "name");
    CHECK_BAD_UTF8_ARG(olk_reg_file_get_u32(f, BAD_UTF8, "Port", &u32), "key");
    CHECK_BAD_UTF8_ARG(olk_reg_file_get_u32(f, KEY, BAD_UTF8, &u32), "name");
    CHECK_BAD_UTF8_ARG(olk_reg_file_get_u64(f, BAD_UTF8, "Big", &u64), "key");
    CHECK_BAD_UTF8_ARG(olk_reg_file_get_u64(f, KEY, BAD_UTF8, &u64), "name");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_string(f, BAD_UTF8, "a", "b"), "key");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_string(f, KEY, BAD_UTF8, "b"), "name");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_string(f, KEY, "a", BAD_UTF8), "text");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_expand_string(f, BAD_UTF8, "a", "b"), "key");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_expand_string(f, KEY, BAD_UTF8, "b"), "name");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_expand_string(f, KEY, "a", BAD_UTF8), "text");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_multi_string(f, BAD_UTF8, "a", items, 1), "key");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_multi_string(f, KEY, BAD_UTF8, items, 1), "name");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_u32(f, BAD_UTF8, "a", 1), "key");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_u32(f, KEY, BAD_UTF8, 1), "name");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_u64(f, BAD_UTF8, "a", 1), "key");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_u64(f, KEY, BAD_UTF8, 1), "name");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_value(f, BAD_UTF8, "a", OLK_REG_BINARY, &byte, 1), "key");
    CHECK_BAD_UTF8_ARG(olk_reg_file_set_value(f, KEY, BAD_UTF8, OLK_REG_BINARY, &byte, 1), "name");
    CHECK_BAD_UTF8_ARG(olk_reg_file_rename_value(f, BAD_UTF8, "Port", "P"), "key");
    CHECK_BAD_UTF8_ARG(olk_reg_file_rename_value(f, KEY, BAD_UTF8, "P"), "from");
    CHECK_BAD_UTF8_ARG(olk_reg_file_rename_value(f, KEY, "Port", BAD_UTF8), "to");
    CHECK_BAD_UTF8_ARG(olk_reg_file_delete_value(f, BAD_UTF8, "Port", &flag), "key");
    CHECK_BAD_UTF8_ARG(olk_reg_file_delete_value(f, KEY, BAD_UTF8, &flag), "name");
    CHECK_BAD_UTF8_ARG(olk_reg_file_add_key(f, BAD_UTF8, &flag), "path");
    CHECK_BAD_UTF8_ARG(olk_reg_file_delete_key(f, BAD_UTF8, &flag), "path");
    CHECK_BAD_UTF8_ARG(olk_reg_file_save(f, BAD_UTF8), "path");
    CHECK(out == NULL && text == NULL && data == NULL && flag == 0 && u32 == 0 && u64 == 0);
    CHECK(unchanged(f, before));
    bytes_free(before);
    olk_reg_file_free(f);
}

int main(void) {
    test_status_codes();
    test_parse_v5_utf16();
    test_parse_regedit4();
    test_parse_utf8_encodings();
    test_iteration();
    test_getters();
    test_setters_write_regedit_lines();
    test_setters_on_a_key_with_several_sections();
    test_rename_delete_add();
    test_failed_edits_leave_the_file_unchanged();
    test_lenient_and_strict();
    test_parse_errors();
    test_canonical_bytes();
    test_open_and_save();
    test_bundled_example();
    test_wine_fixture();
    test_null_arguments();
    test_invalid_utf8_arguments();
    return check_summary();
}
