// olkit::RegFile (olkit.hpp over olk_reg_file) from C++17: parsing both
// formats, byte-identical output, keys and entries, every getter and setter
// with the exact lines they write, renames and deletions, lenient warnings,
// errors as olkit::Error (status + message), NULL and invalid UTF-8
// arguments, failed edits that leave the file unchanged, save and open.
// Inputs are built here (UTF-16LE with BOM, REGEDIT4) or read from
// $OLKIT_SOURCE_DIR (examples/outlook-profiles.reg, the Wine fixtures).
// Built and run, natively and under valgrind, by ffi/tests/languages.rs.
#include "olkit.hpp"

#include "check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

const std::string KEY = "HKEY_CURRENT_USER\\Software\\Kerio\\Connector";

const std::string V5_ONE_KEY = "Windows Registry Editor Version 5.00\r\n"  // 1
                               "\r\n"                                      // 2
                               "[" + KEY + "]\r\n"                         // 3
                               "; connection settings\r\n"                 // 4
                               "\"Server\"=\"mail.example.com\"\r\n"       // 5
                               "\"Port\"=dword:000001bb\r\n"               // 6
                               "@=\"default\"\r\n"                         // 7
                               "\"Path\"=hex(2):25,00,41,00,25,00,00,00\r\n"
                               "\"List\"=hex(7):61,00,00,00,62,00,63,00,00,00,00,00\r\n"
                               "\"Big\"=hex(b):ef,cd,ab,89,67,45,23,01\r\n"  // 10
                               "\"Blob\"=hex:01,02,03\r\n"                   // 11
                               "\"Gone\"=-\r\n"                              // 12
                               "\"" + GRUESSE + "\"=\"Stra\xc3\x9f" "e\"\r\n" // 13
                               "\"Odd\"=hex(4):01,02\r\n";                    // 14

const std::string V5_TEXT = V5_ONE_KEY +
                            "\r\n"                                            // 15
                            "[-HKEY_CURRENT_USER\\Software\\Kerio\\Old]\r\n"  // 16
                            "\r\n"                                            // 17
                            "[" + KEY + "]\r\n"                               // 18
                            "\"Server\"=\"override.example.com\"\r\n";        // 19

const std::string V4_TEXT = "REGEDIT4\r\n"
                            "\r\n"
                            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio]\r\n"
                            "\"Name\"=\"Caf\xe9\"\r\n"
                            "\"Count\"=dword:0000000a\r\n";

// UTF-8 text (trusted) as UTF-16LE, with a byte order mark if bom.
Bytes utf16le(const std::string &utf8, bool bom) {
    Bytes out;
    if (bom) {
        out = {0xff, 0xfe};
    }
    for (std::size_t i = 0; i < utf8.size();) {
        std::uint32_t c = static_cast<std::uint8_t>(utf8[i]);
        std::size_t extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
        if (extra > 0) {
            c &= 0x3fu >> extra;
        }
        for (std::size_t k = 1; k <= extra && i + k < utf8.size(); k++) {
            c = (c << 6) | (static_cast<std::uint8_t>(utf8[i + k]) & 0x3fu);
        }
        i += extra + 1;
        auto unit = [&out](std::uint32_t u) {
            out.push_back(static_cast<std::uint8_t>(u & 0xff));
            out.push_back(static_cast<std::uint8_t>(u >> 8));
        };
        if (c >= 0x10000) {
            unit(0xd800 + ((c - 0x10000) >> 10));
            unit(0xdc00 + ((c - 0x10000) & 0x3ff));
        } else {
            unit(c);
        }
    }
    return out;
}

// How many times the file's bytes hold `text` (UTF-8, encoded like the file).
std::size_t count_in(const olkit::RegFile &file, const std::string &text) {
    const Bytes hay = file.to_bytes();
    const Bytes needle =
        file.encoding() == OLK_REG_ENC_UTF16LE ? utf16le(text, false) : bytes_of(text);
    std::size_t count = 0;
    for (std::size_t i = 0; needle.size() <= hay.size() && i + needle.size() <= hay.size(); i++) {
        if (std::equal(needle.begin(), needle.end(), hay.begin() + static_cast<std::ptrdiff_t>(i))) {
            count++;
        }
    }
    return count;
}

olkit::RegFile v5(const std::string &text) { return olkit::RegFile::parse(utf16le(text, true)); }

void test_types() {
    static_assert(is_move_only_v<olkit::RegFile>, "move-only");
    olkit::RegFile a = olkit::RegFile::create(OLK_REG_FORMAT_REGEDIT5);
    CHECK(static_cast<bool>(a));
    olkit::RegFile b = std::move(a);
    CHECK(!a); // NOLINT(bugprone-use-after-move): moved-from handles are empty
    CHECK(b.format() == OLK_REG_FORMAT_REGEDIT5);
    // A moved-from object passes NULL: olkit answers, nothing crashes.
    CHECK_THROWS(a.format(), OLK_NULL_ARGUMENT, "argument `file` is NULL");
    CHECK_THROWS(a.set_u32(KEY, "x", 1), OLK_NULL_ARGUMENT, "`file`");
    b = olkit::RegFile::create(OLK_REG_FORMAT_REGEDIT4); // frees the first
    CHECK(b.format() == OLK_REG_FORMAT_REGEDIT4);
    CHECK(b.encoding() == OLK_REG_ENC_WINDOWS_1252);
    CHECK(b.to_bytes() == bytes_of("REGEDIT4\r\n"));
    CHECK(olkit::RegFile::create(OLK_REG_FORMAT_REGEDIT5).to_bytes() ==
          utf16le("Windows Registry Editor Version 5.00\r\n", true));
    CHECK_THROWS(olkit::RegFile::create(static_cast<olk_reg_format>(6)), OLK_INVALID_ARGUMENT,
                 "`format`");
}

void test_parse_both_formats() {
    const Bytes input = utf16le(V5_TEXT, true);
    olkit::RegFile file = olkit::RegFile::parse(input);
    CHECK(file.format() == OLK_REG_FORMAT_REGEDIT5);
    CHECK(file.encoding() == OLK_REG_ENC_UTF16LE);
    CHECK(file.warnings().empty());
    CHECK(file.to_bytes() == input);

    const Bytes v4_input = bytes_of(V4_TEXT);
    olkit::RegFile v4 = olkit::RegFile::parse(v4_input);
    CHECK(v4.format() == OLK_REG_FORMAT_REGEDIT4);
    CHECK(v4.encoding() == OLK_REG_ENC_WINDOWS_1252);
    CHECK(v4.to_bytes() == v4_input);
    CHECK(v4.get_string("HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio", "name") == "Caf\xc3\xa9");
    v4.set_u32("HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio", "Count", 993);
    CHECK(count_in(v4, "\"Count\"=dword:000003e1\r\n") == 1);
    const Bytes canonical = v4.to_canonical_bytes();
    CHECK(canonical == bytes_of("REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio]\r\n"
                                "\"Name\"=\"Caf\xe9\"\r\n\"Count\"=dword:000003e1\r\n\r\n"));

    const Bytes utf8 = bytes_of("Windows Registry Editor Version 5.00\n\n[HKEY_USERS\\x]\n");
    CHECK(olkit::RegFile::parse(utf8).encoding() == OLK_REG_ENC_UTF8);
    const Bytes utf8_bom = bytes_of("\xef\xbb\xbfWindows Registry Editor Version 5.00\r\n");
    CHECK(olkit::RegFile::parse(utf8_bom).encoding() == OLK_REG_ENC_UTF8_BOM);
}

void test_keys_and_entries() {
    olkit::RegFile file = v5(V5_TEXT);
    const std::vector<olkit::RegFile::Key> keys = file.keys();
    CHECK(keys.size() == 3);
    if (keys.size() == 3) {
        CHECK(keys[0].path == KEY && !keys[0].is_deletion && keys[0].line == 3);
        CHECK(keys[1].path == "HKEY_CURRENT_USER\\Software\\Kerio\\Old" && keys[1].is_deletion &&
              keys[1].line == 16);
        CHECK(keys[2].path == KEY && keys[2].line == 18);
    }
    const std::vector<olkit::RegFile::Entry> entries = file.entries(0);
    CHECK(entries.size() == 10);
    if (entries.size() == 10) {
        CHECK(entries[0].name == "Server" && entries[0].type == OLK_REG_SZ &&
              entries[0].line == 5 && !entries[0].is_deletion);
        Bytes server = utf16le("mail.example.com", false);
        server.push_back(0);
        server.push_back(0);
        CHECK(entries[0].data == server);
        CHECK(entries[1].name == "Port" && entries[1].type == OLK_REG_DWORD &&
              entries[1].data == Bytes({0xbb, 0x01, 0, 0}));
        CHECK(entries[2].name.empty() && entries[2].line == 7);
        CHECK(entries[6].name == "Blob" && entries[6].data == Bytes({1, 2, 3}));
        CHECK(entries[7].name == "Gone" && entries[7].is_deletion && entries[7].type == 0 &&
              entries[7].data.empty() && entries[7].line == 12);
        CHECK(entries[8].name == GRUESSE);
    }
    CHECK(file.entries(1).empty());
    CHECK(file.entries(2).size() == 1);
    CHECK_THROWS(file.entries(3), OLK_OUT_OF_RANGE, "key index 3");
    CHECK_THROWS(olkit::check(olk_reg_file_entry(file.get(), 0, 10, nullptr, nullptr, nullptr,
                                                 nullptr, nullptr, nullptr)),
                 OLK_NULL_ARGUMENT, "`name`");
    char *name = nullptr;
    std::uint32_t type = 0;
    std::uint8_t deletion = 0;
    std::uint8_t *data = nullptr;
    std::size_t len = 0;
    std::size_t line = 0;
    CHECK_THROWS(olkit::check(olk_reg_file_entry(file.get(), 0, 10, &name, &type, &deletion, &data,
                                                 &len, &line)),
                 OLK_OUT_OF_RANGE, "entry index 10");
    CHECK(name == nullptr && data == nullptr);
}

void test_getters() {
    olkit::RegFile file = v5(V5_TEXT);
    const std::string lower = "hkey_current_user\\software\\kerio\\CONNECTOR";
    CHECK(file.get_u32(lower, "PORT") == 443);
    CHECK(file.get_u64(KEY, "Big") == 0x0123456789abcdefULL);
    CHECK(file.get_string(KEY, "Server") == "override.example.com"); // the last one wins
    CHECK(file.get_string(KEY, "") == "default");
    CHECK(file.get_string(KEY, "Path") == "%A%");
    CHECK(file.try_get_string(KEY, GRUESSE) == std::optional<std::string>("Stra\xc3\x9f" "e"));
    CHECK(file.get_multi_string(KEY, "List") == std::vector<std::string>({"a", "bc"}));
    const std::optional<olkit::RegFile::Value> blob = file.get_value(KEY, "blob");
    CHECK(blob && blob->type == OLK_REG_BINARY && blob->data == Bytes({1, 2, 3}));

    // Missing: nullopt from get_value and try_get_string, olkit::Error from the others.
    CHECK(!file.get_value(KEY, "Gone"));
    CHECK(!file.get_value("HKEY_CURRENT_USER\\Software\\Kerio\\Old", "x"));
    CHECK(!file.try_get_string(KEY, "Nope"));
    CHECK_THROWS(file.get_string(KEY, "Nope"), OLK_REG_NOT_FOUND, "\"Nope\" not found");
    CHECK_THROWS(file.get_u32(KEY, "Gone"), OLK_REG_NOT_FOUND, "\"Gone\"");
    CHECK_THROWS(file.get_u64("HKEY_USERS\\x", "Big"), OLK_REG_NOT_FOUND, "not found");
    CHECK_THROWS(file.get_multi_string(KEY, "Nope"), OLK_REG_NOT_FOUND, "not found");
    // Other errors throw from every getter, try_get_string included.
    CHECK_THROWS(file.get_u32(KEY, "Server"), OLK_REG_TYPE_MISMATCH, "value \"Server\"");
    CHECK_THROWS(file.try_get_string(KEY, "Port"), OLK_REG_TYPE_MISMATCH, "REG_DWORD");
    CHECK_THROWS(file.get_u64(KEY, "Port"), OLK_REG_TYPE_MISMATCH, "REG_QWORD");
    CHECK_THROWS(file.get_multi_string(KEY, "Blob"), OLK_REG_TYPE_MISMATCH, "REG_MULTI_SZ");
    CHECK_THROWS(file.get_u32(KEY, "Odd"), OLK_REG_BAD_DATA, "exactly 4 bytes");
    CHECK_THROWS(file.get_value(KEY, std::string("a\0b", 3)), OLK_EMBEDDED_NUL, "NUL");
}

void test_setters() {
    olkit::RegFile file = v5(V5_ONE_KEY);
    file.set_u32(KEY, "Port", 993);
    CHECK(count_in(file, "\r\n\"Port\"=dword:000003e1\r\n@=\"default\"\r\n") == 1);
    CHECK(count_in(file, "000001bb") == 0);
    CHECK(file.get_u32(KEY, "Port") == 993);
    file.set_string(KEY, "Server", "imap.example.com");
    CHECK(count_in(file, "\"Server\"=\"imap.example.com\"\r\n") == 1);
    file.set_string(KEY, "", "new default");
    CHECK(count_in(file, "@=\"new default\"\r\n") == 1);
    file.set_expand_string(KEY, "Path", "%A%B");
    CHECK(count_in(file, "\"Path\"=hex(2):25,00,41,00,25,00,42,00,00,00\r\n") == 1);
    CHECK(file.get_string(KEY, "Path") == "%A%B");
    file.set_multi_string(KEY, "List", {"x", "yz"});
    CHECK(count_in(file, "\"List\"=hex(7):78,00,00,00,79,00,7a,00,00,00,00,00\r\n") == 1);
    CHECK(file.get_multi_string(KEY, "List") == std::vector<std::string>({"x", "yz"}));
    file.set_multi_string(KEY, "None", {});
    CHECK(count_in(file, "\"None\"=hex(7):00,00\r\n") == 1);
    CHECK(file.get_multi_string(KEY, "None").empty());
    file.set_u64(KEY, "Big", 1);
    CHECK(count_in(file, "\"Big\"=hex(b):01,00,00,00,00,00,00,00\r\n") == 1);
    CHECK(file.get_u64(KEY, "Big") == 1);
    file.set_value(KEY, "Blob", OLK_REG_BINARY, {0xde, 0xad});
    CHECK(count_in(file, "\"Blob\"=hex:de,ad\r\n") == 1);
    file.set_value(KEY, "Empty", OLK_REG_BINARY, {});
    CHECK(count_in(file, "\"Empty\"=hex:\r\n") == 1);
    file.set_value(KEY, "Custom", 0x1234, {7});
    CHECK(count_in(file, "\"Custom\"=hex(1234):07\r\n") == 1);
    const std::optional<olkit::RegFile::Value> custom = file.get_value(KEY, "custom");
    CHECK(custom && custom->type == 0x1234 && custom->data == Bytes({7}));
    file.set_string("HKEY_CURRENT_USER\\Software\\New", "A", "b");
    CHECK(count_in(file, "\r\n\r\n[HKEY_CURRENT_USER\\Software\\New]\r\n\"A\"=\"b\"\r\n") == 1);
}

void test_rename_delete_add() {
    olkit::RegFile file = v5(V5_TEXT);
    file.rename_value(KEY, "Server", "Host");
    CHECK(count_in(file, "\"Host\"=") == 2 && count_in(file, "\"Server\"") == 0);
    CHECK(file.get_string(KEY, "host") == "override.example.com");
    CHECK(file.delete_value(KEY, "HOST"));
    CHECK(!file.delete_value(KEY, "HOST"));
    CHECK(count_in(file, "Host") == 0);
    CHECK(file.add_key("HKEY_CURRENT_USER\\Software\\Added"));
    CHECK(!file.add_key("hkey_current_user\\software\\added"));
    CHECK(count_in(file, "[HKEY_CURRENT_USER\\Software\\Added]\r\n") == 1);
    CHECK(file.keys().size() == 4);
    CHECK(file.delete_key("HKEY_CURRENT_USER\\Software\\Kerio"));
    CHECK(!file.delete_key("HKEY_CURRENT_USER\\Software\\Kerio"));
    CHECK(file.keys().size() == 1 && file.keys()[0].line == 0); // added by an edit
}

void test_failed_edits_leave_the_file_unchanged() {
    olkit::RegFile file = v5(V5_TEXT);
    const Bytes before = file.to_bytes();
    CHECK_THROWS(file.rename_value(KEY, "Blob", "PORT"), OLK_REG_VALUE_EXISTS, "already exists");
    CHECK_THROWS(file.rename_value(KEY, "Nope", "x"), OLK_REG_NOT_FOUND, "\"Nope\"");
    CHECK_THROWS(file.set_u32("Software\\Kerio", "x", 1), OLK_REG_INVALID_KEY_PATH, "registry root");
    CHECK_THROWS(file.add_key("HKEY_USERS\\x\ny"), OLK_REG_INVALID_KEY_PATH, "line break");
    CHECK_THROWS(file.set_multi_string(KEY, "List", {"a", ""}), OLK_INVALID_ARGUMENT, "`items[1]`");
    CHECK_THROWS(file.set_string(KEY, "x", std::string("a\0b", 3)), OLK_EMBEDDED_NUL, "offset 1");
    CHECK(file.to_bytes() == before);

    olkit::RegFile v4 = olkit::RegFile::parse(bytes_of(V4_TEXT));
    const Bytes v4_before = v4.to_bytes();
    CHECK_THROWS(v4.set_expand_string("HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio", "e", "\xe6\x97\xa5"),
                 OLK_REG_UNENCODABLE, "Windows-1252");
    CHECK_THROWS(v4.add_key("HKEY_LOCAL_MACHINE\\\xe6\x97\xa5"), OLK_REG_UNENCODABLE, "key path");
    CHECK(v4.to_bytes() == v4_before);
}

void test_lenient_and_errors() {
    const Bytes text = bytes_of("Windows Registry Editor Version 5.00\r\n"
                                "\r\n"
                                "[HKEY_CURRENT_USER\\Software\\Test]\r\n"
                                "\"Bad\"=dword:xyz\r\n"
                                "\"Good\"=\"yes\"\r\n");
    CHECK_THROWS(olkit::RegFile::parse(text), OLK_REG_SYNTAX, "line 4, column ");
    olkit::RegFile file = olkit::RegFile::parse(text, OLK_REG_PARSE_LENIENT);
    const std::vector<olkit::RegFile::Warning> warnings = file.warnings();
    CHECK(warnings.size() == 1);
    if (warnings.size() == 1) {
        CHECK(warnings[0].line == 4 && warnings[0].column >= 1);
        CHECK(warnings[0].message.rfind("line 4, column " + std::to_string(warnings[0].column), 0) ==
              0);
    }
    CHECK(file.get_string("HKEY_CURRENT_USER\\Software\\Test", "Good") == "yes");
    CHECK(file.to_bytes() == text);

    CHECK_THROWS(olkit::RegFile::parse(bytes_of("REGEDIT5\r\n")), OLK_REG_BAD_HEADER, "line 1");
    CHECK_THROWS(olkit::RegFile::parse({}), OLK_REG_BAD_HEADER, "REGEDIT4");
    CHECK_THROWS(olkit::RegFile::parse(text, 0, 10), OLK_REG_TOO_LARGE, "limit of 10 bytes");
    CHECK_THROWS(olkit::RegFile::parse(text, 8), OLK_INVALID_ARGUMENT, "0x8");
    Bytes odd = utf16le("Windows Registry Editor Version 5.00\r\n", true);
    odd.push_back('x');
    CHECK_THROWS(olkit::RegFile::parse(odd), OLK_REG_ENCODING, "UTF-16LE");
    CHECK_THROWS(olkit::RegFile::parse(bytes_of("\xef\xbb\xbf")), OLK_REG_BAD_HEADER, "line 1");
}

void test_invalid_utf8_and_null() {
    olkit::RegFile file = v5(V5_TEXT);
    const Bytes before = file.to_bytes();
    CHECK_THROWS(file.get_value(BAD_UTF8, "x"), OLK_INVALID_UTF8, "argument `key`");
    CHECK_THROWS(file.get_string(KEY, BAD_UTF8), OLK_INVALID_UTF8, "argument `name`");
    CHECK_THROWS(file.try_get_string(KEY, BAD_UTF8), OLK_INVALID_UTF8, "argument `name`");
    CHECK_THROWS(file.get_multi_string(BAD_UTF8, "x"), OLK_INVALID_UTF8, "argument `key`");
    CHECK_THROWS(file.get_u32(KEY, BAD_UTF8), OLK_INVALID_UTF8, "argument `name`");
    CHECK_THROWS(file.get_u64(BAD_UTF8, "x"), OLK_INVALID_UTF8, "argument `key`");
    CHECK_THROWS(file.set_string(KEY, "x", BAD_UTF8), OLK_INVALID_UTF8, "argument `text`");
    CHECK_THROWS(file.set_expand_string(KEY, BAD_UTF8, "x"), OLK_INVALID_UTF8, "argument `name`");
    CHECK_THROWS(file.set_multi_string(KEY, "x", {"ok", BAD_UTF8}), OLK_INVALID_UTF8,
                 "argument `items[1]`");
    CHECK_THROWS(file.set_u32(BAD_UTF8, "x", 1), OLK_INVALID_UTF8, "argument `key`");
    CHECK_THROWS(file.set_u64(KEY, BAD_UTF8, 1), OLK_INVALID_UTF8, "argument `name`");
    CHECK_THROWS(file.set_value(KEY, BAD_UTF8, 3, {1}), OLK_INVALID_UTF8, "argument `name`");
    CHECK_THROWS(file.rename_value(KEY, "Port", BAD_UTF8), OLK_INVALID_UTF8, "argument `to`");
    CHECK_THROWS(file.rename_value(KEY, BAD_UTF8, "x"), OLK_INVALID_UTF8, "argument `from`");
    CHECK_THROWS(file.delete_value(KEY, BAD_UTF8), OLK_INVALID_UTF8, "argument `name`");
    CHECK_THROWS(file.add_key(BAD_UTF8), OLK_INVALID_UTF8, "argument `path`");
    CHECK_THROWS(file.delete_key(BAD_UTF8), OLK_INVALID_UTF8, "argument `path`");
    CHECK_THROWS(file.save(BAD_UTF8), OLK_INVALID_UTF8, "argument `path`");
    CHECK_THROWS(olkit::RegFile::open(BAD_UTF8), OLK_INVALID_UTF8, "argument `path`");
    CHECK(file.to_bytes() == before);

    // NULL through the raw functions, as a C++ caller might pass it.
    std::uint32_t number = 5;
    CHECK_STATUS(olk_reg_file_get_u32(nullptr, "k", "n", &number), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_reg_file_get_u32(file.get(), nullptr, "n", &number), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_reg_file_get_u32(file.get(), KEY.c_str(), nullptr, &number), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_reg_file_get_u32(file.get(), KEY.c_str(), "Port", nullptr), OLK_NULL_ARGUMENT);
    CHECK(number == 5);
    CHECK_STATUS(olk_reg_file_set_multi_string(file.get(), KEY.c_str(), "x", nullptr, 1),
                 OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_reg_file_delete_key(file.get(), nullptr, nullptr), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_reg_file_parse(nullptr, 1, 0, 0, nullptr), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_reg_file_to_bytes(file.get(), nullptr, nullptr), OLK_NULL_ARGUMENT);
    CHECK(file.to_bytes() == before);
    olk_reg_file_free(nullptr);
}

void test_save_and_open() {
    const std::string path = "test_regfile_cpp.reg";
    std::remove(path.c_str());
    olkit::RegFile file = v5(V5_ONE_KEY);
    file.set_u32(KEY, "Port", 993);
    file.save(path);
    CHECK(read_file(path) == file.to_bytes());
    olkit::RegFile back = olkit::RegFile::open(path);
    CHECK(back.to_bytes() == file.to_bytes());
    CHECK(back.get_u32(KEY, "Port") == 993);
    CHECK_THROWS(olkit::RegFile::open(path, 0, 16), OLK_REG_TOO_LARGE, path);
    std::remove(path.c_str());
    CHECK_THROWS(olkit::RegFile::open(path), OLK_IO, path);
    CHECK_THROWS(file.save("no-such-dir/x.reg"), OLK_IO, "no-such-dir/x.reg");
}

void test_bundled_files() {
    const std::string example = source_path("examples/outlook-profiles.reg");
    olkit::RegFile file = olkit::RegFile::open(example);
    CHECK(file.to_bytes() == read_file(example));
    CHECK(file.format() == OLK_REG_FORMAT_REGEDIT5);
    CHECK(file.get_string("HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook",
                          "defaultprofile") == "Kerio");
    CHECK(file.keys().size() > 5);

    const std::string types = source_path("crates/regfile/tests/fixtures/wine/v5/types.reg");
    const std::string key = "HKEY_CURRENT_USER\\Software\\OlkitFixtures\\Types";
    olkit::RegFile wine = olkit::RegFile::open(types);
    CHECK(wine.to_bytes() == read_file(types));
    CHECK(wine.get_u32(key, "dword-big-endian") == 0x12345678u);
    CHECK(wine.get_u64(key, "qword-max") == UINT64_MAX);
    CHECK(wine.get_multi_string(key, "multi-sz-unicode") ==
          std::vector<std::string>({GRUESSE, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
                                    "\xf0\x9f\x98\x80"}));
    CHECK(wine.get_multi_string(key, "multi-sz-empty").empty());
    CHECK(wine.get_string(key, "link") == "\\Registry\\Machine\\Software\\X");
    const std::optional<olkit::RegFile::Value> none = wine.get_value(key, "none-empty");
    CHECK(none && none->type == OLK_REG_NONE && none->data.empty());
    // Re-rendered the way regedit writes it, the file still reads the same.
    olkit::RegFile canonical = olkit::RegFile::parse(wine.to_canonical_bytes());
    CHECK(canonical.get_string(key, "sz-unicode") == wine.get_string(key, "sz-unicode"));
    CHECK(canonical.keys().size() == wine.keys().size());
}

} // namespace

int main() {
    return run_tests({
        {test_types, "types"},
        {test_parse_both_formats, "parse_both_formats"},
        {test_keys_and_entries, "keys_and_entries"},
        {test_getters, "getters"},
        {test_setters, "setters"},
        {test_rename_delete_add, "rename_delete_add"},
        {test_failed_edits_leave_the_file_unchanged, "failed_edits"},
        {test_lenient_and_errors, "lenient_and_errors"},
        {test_invalid_utf8_and_null, "invalid_utf8_and_null"},
        {test_save_and_open, "save_and_open"},
        {test_bundled_files, "bundled_files"},
    });
}
