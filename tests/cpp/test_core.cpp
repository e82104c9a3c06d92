// The core C ABI through olkit.hpp (C++17): exceptions carry the status and
// the message, owners free what olkit returns (the harness also runs this
// under valgrind), handles are move-only RAII objects. Built and run by
// ffi/tests/languages.rs.
#include "olkit.hpp"

#include "check.hpp"

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

void test_versions() {
    CHECK(olkit::version() == OLKIT_EXPECTED_VERSION);
    CHECK(olkit::abi_version() == OLKIT_ABI_VERSION);
    CHECK(olkit::abi_compatible());
}

void test_status_str() {
    CHECK(olkit::status_str(OLK_OK) == "success");
    CHECK(olkit::status_str(OLK_NULL_ARGUMENT) != "unknown status");
    CHECK(olkit::status_str(-5) == "unknown status");
}

void test_check_and_error() {
    // The thread has no last error yet: the message falls back to the status description.
    CHECK(olkit::last_error_message().empty());
    olkit::check(OLK_OK);
    CHECK_THROWS(olkit::check(OLK_OUT_OF_RANGE), OLK_OUT_OF_RANGE, "value out of range");
    // olkit::Error is a std::runtime_error.
    static_assert(std::is_base_of<std::runtime_error, olkit::Error>::value, "Error is a runtime_error");
    try {
        olkit::check(OLK_IO);
        CHECK(false);
    } catch (const std::runtime_error &e) {
        CHECK(std::string(e.what()) == olkit::status_str(OLK_IO));
    }
    // NULL arguments through the raw C functions.
    std::size_t needed = 0;
    CHECK_STATUS(olk_last_error_message(nullptr, 4, &needed), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_last_error_message(nullptr, 0, nullptr), OLK_NULL_ARGUMENT);
}

void test_owners_accept_null() {
    CHECK(olkit::take_string(nullptr).empty());
    CHECK(olkit::take_bytes(nullptr, 0).empty());
    olkit::OwnedString none;
    CHECK(!none);
}

void test_c_str_refuses_embedded_nul() {
    const std::string ok = "plain";
    CHECK(olkit::c_str(ok) == ok.c_str());
    CHECK_THROWS(olkit::c_str(std::string("a\0b", 3)), OLK_EMBEDDED_NUL, "offset 1");
}

#if defined(OLKIT_TEST_PANIC)

// Wrappers of the test exports, written the way olkit.hpp wraps real ones.
std::string echo_string(const std::string &text) {
    return olkit::call_string(olk_test_echo_string, olkit::c_str(text));
}

std::vector<std::uint8_t> echo_bytes(const std::vector<std::uint8_t> &data) {
    return olkit::call_bytes(olk_test_echo_bytes, data.data(), data.size());
}

// A handle class over a string, as olk_reg_file and friends will be.
class EchoHandle : public olkit::Handle<char, olk_string_free> {
public:
    static EchoHandle create(const std::string &text) {
        return EchoHandle(olkit::call<char *>(olk_test_echo_string, olkit::c_str(text)));
    }
    std::string text() const { return get() ? std::string(get()) : std::string(); }

private:
    using Handle::Handle;
};

void test_strings_and_bytes() {
    CHECK(echo_string(GRUESSE) == GRUESSE);
    CHECK(echo_string("").empty());
    const std::vector<std::uint8_t> data = {0, 1, 2, 0xfe, 0xff};
    CHECK(echo_bytes(data) == data);
    CHECK(echo_bytes({}).empty());
}

void test_errors_carry_status_and_message() {
    CHECK_THROWS(echo_string(BAD_UTF8), OLK_INVALID_UTF8, "not valid UTF-8");
    CHECK(olkit::last_error_message().find("offset 2") != std::string::npos);
    CHECK_THROWS(olkit::check(olk_test_echo_string(nullptr, nullptr)), OLK_NULL_ARGUMENT,
                 "argument `text` is NULL");
    CHECK_THROWS(olkit::check(olk_test_echo_bytes(nullptr, 1, nullptr, nullptr)),
                 OLK_NULL_ARGUMENT, "`data`");
    // A success clears the last error.
    CHECK(echo_string("ok") == "ok");
    CHECK(olkit::last_error_message().empty());
}

void test_panic_becomes_error() {
    CHECK_THROWS(olkit::check(olk_test_panic()), OLK_PANIC, "panic: ");
    CHECK(echo_string("still works") == "still works");
}

void test_handles() {
    static_assert(is_move_only_v<EchoHandle>, "handles are move-only");
    EchoHandle a = EchoHandle::create("first");
    CHECK(a && a.text() == "first");
    EchoHandle b = std::move(a);
    CHECK(!a); // NOLINT(bugprone-use-after-move): moved-from handles are empty
    CHECK(b.text() == "first");
    b = EchoHandle::create("second"); // frees "first"
    CHECK(b.text() == "second");
    char *raw = b.release();
    CHECK(!b && raw != nullptr);
    olk_string_free(raw);
    CHECK_THROWS(EchoHandle::create(std::string("x\0y", 3)), OLK_EMBEDDED_NUL, "NUL");
}

#endif // OLKIT_TEST_PANIC

} // namespace

int main() {
#if !defined(OLKIT_TEST_PANIC)
    std::printf("note: built without OLKIT_TEST_PANIC, the olk_test_* exports were not tested\n");
#endif
    return run_tests({
        {test_versions, "versions"},
        {test_status_str, "status_str"},
        {test_check_and_error, "check_and_error"},
        {test_owners_accept_null, "owners_accept_null"},
        {test_c_str_refuses_embedded_nul, "c_str_refuses_embedded_nul"},
#if defined(OLKIT_TEST_PANIC)
        {test_strings_and_bytes, "strings_and_bytes"},
        {test_errors_carry_status_and_message, "errors_carry_status_and_message"},
        {test_panic_becomes_error, "panic_becomes_error"},
        {test_handles, "handles"},
#endif
    });
}
