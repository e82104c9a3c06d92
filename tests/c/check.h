/*
 * Tiny assertion helpers of the C and C++ tests (C99 and C++17).
 *
 * CHECK(cond) and CHECK_STATUS(call, expected) count passes and failures and
 * print file:line for each failure; the program ends with
 * `return check_summary();`, which prints the line "N passed, M failed" that
 * ffi/tests/languages.rs looks for, and returns non-zero on any failure.
 * CHECK_NULL_ARG and CHECK_BAD_UTF8_ARG check the status and the message of
 * a call given a NULL or an invalid UTF-8 argument.
 *
 * The C tests also share byte buffers, files and paths below; the C++ tests
 * have their counterparts in tests/cpp/check.hpp.
 */
#ifndef OLKIT_TEST_CHECK_H
#define OLKIT_TEST_CHECK_H

#include "olkit.h"

#include <stdio.h>
#include <string.h>

static int check_passed = 0;
static int check_failed = 0;

static inline void check_record(int ok, const char *file, int line, const char *what) {
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
    }
}

/* This thread's last error message, in a static buffer. */
static inline const char *check_last_error(void) {
    static char message[1024];
    size_t needed = 0;
    if (olk_last_error_message(message, sizeof message, &needed) != OLK_OK) {
        return "<olk_last_error_message failed>";
    }
    return message;
}

static inline void check_status(olk_status actual, olk_status expected, const char *file, int line,
                         const char *call) {
    check_record(actual == expected, file, line, call);
    if (actual != expected) {
        fprintf(stderr, "    returned %d (%s), expected %d (%s); last error: %s\n", (int)actual,
                olk_status_str(actual), (int)expected, olk_status_str(expected),
                check_last_error());
    }
}

/* Whether the last error message contains `needle`. */
static inline int check_last_error_contains(const char *needle) {
    return strstr(check_last_error(), needle) != NULL;
}

static inline int check_summary(void) {
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed == 0 && check_passed > 0 ? 0 : 1;
}

#define CHECK(cond) check_record((cond) ? 1 : 0, __FILE__, __LINE__, #cond)
#define CHECK_STATUS(call, expected) check_status((call), (expected), __FILE__, __LINE__, #call)

/* The call, given NULL for argument `arg`, fails with OLK_NULL_ARGUMENT naming it. */
#define CHECK_NULL_ARG(call, arg)                               \
    do {                                                        \
        CHECK_STATUS(call, OLK_NULL_ARGUMENT);                  \
        CHECK(check_last_error_contains("argument `" arg "`")); \
    } while (0)

/* The call, given BAD_UTF8 for argument `arg`, fails with OLK_INVALID_UTF8 naming it. */
#define CHECK_BAD_UTF8_ARG(call, arg)                                                         \
    do {                                                                                      \
        CHECK_STATUS(call, OLK_INVALID_UTF8);                                                 \
        CHECK(check_last_error_contains("argument `" arg "` is not valid UTF-8: invalid byte at offset 2")); \
    } while (0)

#ifndef __cplusplus

#include <stdint.h>
#include <stdlib.h>

/* "Grüße" in UTF-8 bytes, so the sources stay ASCII. */
#define GRUESSE "Gr\xc3\xbc\xc3\x9f" "e"
/* A lone continuation byte at offset 2: not UTF-8. */
#define BAD_UTF8 "ab\xff"

/* A malloc'ed byte buffer (bytes_free frees it). */
typedef struct {
    uint8_t *data;
    size_t len;
} bytes;

static inline void bytes_free(bytes b) { free(b.data); }

/* The file's bytes, NUL-terminated past `len` so that text can be read as a
   string; {NULL, 0} (reported) if it cannot be opened. */
static inline bytes read_file(const char *path) {
    bytes out = {NULL, 0};
    FILE *f = fopen(path, "rb");
    long size;
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return out;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        out.data = (uint8_t *)malloc((size_t)size + 1);
        out.len = fread(out.data, 1, (size_t)size, f);
        out.data[out.len] = 0;
    }
    fclose(f);
    return out;
}

/* $variable/relative ("./relative" if unset), in one of two static buffers
   (two may be in use at once). */
static inline const char *env_path(const char *variable, const char *relative) {
    static char paths[2][4096];
    static int which = 0;
    const char *root = getenv(variable);
    char *path = paths[which];
    which = 1 - which;
    snprintf(path, sizeof paths[0], "%s/%s", root != NULL ? root : ".", relative);
    return path;
}

/* A file of the repository: $OLKIT_SOURCE_DIR/relative, as env_path. */
static inline const char *source_path(const char *relative) {
    return env_path("OLKIT_SOURCE_DIR", relative);
}

static inline int same_bytes(const uint8_t *data, size_t len, const uint8_t *expected,
                             size_t expected_len) {
    return len == expected_len && (len == 0 || memcmp(data, expected, len) == 0);
}

/* Whether `text` (returned by olkit) is `expected`, reported if not; frees `text`. */
static inline int string_is(char *text, const char *expected) {
    int same = text != NULL && strcmp(text, expected) == 0;
    if (!same) {
        fprintf(stderr, "    got \"%s\", expected \"%s\"\n", text ? text : "(null)", expected);
    }
    olk_string_free(text);
    return same;
}

/* Whether `text` contains `needle` (reported if not); does not free. */
static inline int contains(const char *text, const char *needle) {
    int found = text != NULL && strstr(text, needle) != NULL;
    if (!found) {
        fprintf(stderr, "    \"%s\" not found in %s\n", needle, text ? text : "(null)");
    }
    return found;
}

/* Writes `data` to `path`; whether it worked. */
static inline int write_file(const char *path, const uint8_t *data, size_t len) {
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && fwrite(data, 1, len, f) == len;
    if (f != NULL) {
        ok = fclose(f) == 0 && ok;
    }
    return ok;
}

#endif /* __cplusplus */

#endif /* OLKIT_TEST_CHECK_H */
