// Helpers of the C++ tests (C++17), on top of check.h (CHECK, CHECK_STATUS,
// check_summary): CHECK_THROWS for olkit::Error, the test runner, move-only
// checks of handle classes, and the inputs every test reads (files under
// $OLKIT_SOURCE_DIR, test strings, byte buffers).
#ifndef OLKIT_TEST_CHECK_HPP
#define OLKIT_TEST_CHECK_HPP

#include "olkit.hpp"

#include "check.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// Runs f, which must throw olkit::Error with `status` and a message
// containing `needle`.
template <typename F>
void check_throws(F &&f, olk_status status, const std::string &needle, const char *file,
                  int line) {
    try {
        std::forward<F>(f)();
        check_record(0, file, line, "expected olkit::Error, nothing was thrown");
    } catch (const olkit::Error &e) {
        const bool ok =
            e.status() == status && std::string(e.what()).find(needle) != std::string::npos;
        check_record(ok, file, line, "olkit::Error with the expected status and message");
        if (!ok) {
            std::fprintf(stderr, "    got status %d, message \"%s\"; expected %d, \"...%s...\"\n",
                         static_cast<int>(e.status()), e.what(), static_cast<int>(status),
                         needle.c_str());
        }
    } catch (const std::exception &e) {
        check_record(0, file, line, "expected olkit::Error, another exception was thrown");
        std::fprintf(stderr, "    %s\n", e.what());
    }
}
#define CHECK_THROWS(expr, status, needle) \
    check_throws([&] { expr; }, (status), (needle), __FILE__, __LINE__)

// A test function and its name.
using Test = std::pair<void (*)(), const char *>;

// Runs every test (an exception fails the test that threw it, not the
// others) and returns check_summary(): the end of main().
inline int run_tests(std::initializer_list<Test> tests) {
    for (const Test &test : tests) {
        try {
            test.first();
        } catch (const std::exception &e) {
            check_record(0, __FILE__, __LINE__, test.second);
            std::fprintf(stderr, "    unexpected exception in %s: %s\n", test.second, e.what());
        }
    }
    return check_summary();
}

// Whether T is a move-only handle class: not copyable, movable without
// throwing.
template <typename T>
inline constexpr bool is_move_only_v =
    !std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T> &&
    std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_assignable_v<T>;

using Bytes = std::vector<std::uint8_t>;

// "Grüße" in UTF-8 bytes, so the sources stay ASCII.
inline const std::string GRUESSE = "Gr\xc3\xbc\xc3\x9f" "e";
// A lone continuation byte at offset 2: not UTF-8.
inline const std::string BAD_UTF8 = "ab\xff";

inline Bytes bytes_of(const std::string &text) { return Bytes(text.begin(), text.end()); }

inline std::string text_of(const Bytes &bytes) { return std::string(bytes.begin(), bytes.end()); }

// Whether text contains needle, reported if not.
inline bool contains(const std::string &text, const std::string &needle) {
    const bool found = text.find(needle) != std::string::npos;
    if (!found) {
        std::fprintf(stderr, "    \"%s\" not found in %s\n", needle.c_str(), text.c_str());
    }
    return found;
}

// $variable/relative ("./relative" if unset).
inline std::string env_path(const char *variable, const std::string &relative) {
    const char *root = std::getenv(variable);
    return std::string(root != nullptr ? root : ".") + "/" + relative;
}

// A file of the repository: $OLKIT_SOURCE_DIR/relative.
inline std::string source_path(const std::string &relative) {
    return env_path("OLKIT_SOURCE_DIR", relative);
}

// The file's bytes; empty if it cannot be read.
inline Bytes read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

#endif // OLKIT_TEST_CHECK_HPP
