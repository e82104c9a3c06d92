/*
 * Tiny assertion helpers of the C and C++ tests (C99 and C++17).
 *
 * CHECK(cond) and CHECK_STATUS(call, expected) count passes and failures and
 * print file:line for each failure; the program ends with
 * `return check_summary();`, which prints the line "N passed, M failed" that
 * ffi/tests/languages.rs looks for, and returns non-zero on any failure.
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

#endif /* OLKIT_TEST_CHECK_H */
