/*
 * The core C ABI from C99: versions, status strings, the last error, the
 * free functions, and (with OLKIT_TEST_PANIC) the test exports that exercise
 * string and byte results, NULL and invalid UTF-8 arguments, and the panic
 * boundary. Built and run, natively and under valgrind, by
 * ffi/tests/languages.rs.
 */
#include "olkit.h"

#include "check.h"

#include <stdint.h>
#include <string.h>

#ifndef OLKIT_EXPECTED_VERSION
#error "build with -DOLKIT_EXPECTED_VERSION=\"x.y.z\" (the olkit-ffi package version)"
#endif

static void test_versions(void) {
    CHECK(olk_version() != NULL);
    CHECK(strcmp(olk_version(), OLKIT_EXPECTED_VERSION) == 0);
    CHECK(olk_version() == olk_version()); /* static */
    CHECK(olk_abi_version() == OLKIT_ABI_VERSION);
    CHECK(OLKIT_ABI_VERSION >= 1);
}

static void test_status_str(void) {
    static const olk_status known[] = {
        OLK_OK,  OLK_NULL_ARGUMENT, OLK_INVALID_UTF8,  OLK_INVALID_ARGUMENT, OLK_BUFFER_TOO_SMALL,
        OLK_IO,  OLK_PANIC,         OLK_OUT_OF_RANGE,  OLK_CANCELLED,        OLK_EMBEDDED_NUL,
    };
    size_t i;
    for (i = 0; i < sizeof known / sizeof known[0]; i++) {
        const char *text = olk_status_str(known[i]);
        CHECK(text != NULL && text[0] != '\0');
        CHECK(text != NULL && strcmp(text, "unknown status") != 0);
        CHECK(text == olk_status_str(known[i])); /* static */
    }
    CHECK(strcmp(olk_status_str(OLK_OK), "success") == 0);
    CHECK(strcmp(olk_status_str(-1), "unknown status") == 0);
    CHECK(strcmp(olk_status_str(999), "unknown status") == 0);
    CHECK(strcmp(olk_status_str(INT32_MAX), "unknown status") == 0);
    CHECK(strcmp(olk_status_str(INT32_MIN), "unknown status") == 0);
}

static void test_last_error_message_without_error(void) {
    char buf[16];
    size_t needed = 12345;
    /* Nothing failed on this thread yet: the message is empty. */
    CHECK_STATUS(olk_last_error_message(NULL, 0, &needed), OLK_BUFFER_TOO_SMALL);
    CHECK(needed == 1);
    memset(buf, 'x', sizeof buf);
    needed = 0;
    CHECK_STATUS(olk_last_error_message(buf, sizeof buf, &needed), OLK_OK);
    CHECK(needed == 1);
    CHECK(buf[0] == '\0');
    CHECK(buf[1] == 'x');
    /* A buffer of exactly one byte holds the empty message. */
    buf[0] = 'x';
    CHECK_STATUS(olk_last_error_message(buf, 1, &needed), OLK_OK);
    CHECK(buf[0] == '\0');
}

static void test_last_error_message_null_arguments(void) {
    char buf[16];
    size_t needed = 777;
    CHECK_STATUS(olk_last_error_message(buf, sizeof buf, NULL), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_last_error_message(NULL, 0, NULL), OLK_NULL_ARGUMENT);
    /* NULL buffer with a length: rejected, and outputs are not written. */
    CHECK_STATUS(olk_last_error_message(NULL, 5, &needed), OLK_NULL_ARGUMENT);
    CHECK(needed == 777);
}

static void test_free_functions_accept_null(void) {
    olk_string_free(NULL);
    olk_bytes_free(NULL, 0);
    olk_bytes_free(NULL, 42);
    CHECK(1);
}

#if defined(OLKIT_TEST_PANIC)

static void test_echo_string(void) {
    char sentinel = 's';
    char *out = NULL;
    CHECK_STATUS(olk_test_echo_string(GRUESSE ", world", &out), OLK_OK);
    CHECK(out != NULL && strcmp(out, GRUESSE ", world") == 0);
    olk_string_free(out);
    CHECK(strcmp(check_last_error(), "") == 0);

    out = NULL;
    CHECK_STATUS(olk_test_echo_string("", &out), OLK_OK);
    CHECK(out != NULL && out[0] == '\0');
    olk_string_free(out);

    /* NULL arguments: the status, a message naming the argument, no output. */
    out = &sentinel;
    CHECK_STATUS(olk_test_echo_string(NULL, &out), OLK_NULL_ARGUMENT);
    CHECK(out == &sentinel);
    CHECK(check_last_error_contains("`text`"));
    CHECK_STATUS(olk_test_echo_string("x", NULL), OLK_NULL_ARGUMENT);
    CHECK(check_last_error_contains("`out`"));

    /* Invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong NUL. */
    CHECK_STATUS(olk_test_echo_string("ab\xff", &out), OLK_INVALID_UTF8);
    CHECK(out == &sentinel);
    CHECK(check_last_error_contains("`text`"));
    CHECK(check_last_error_contains("offset 2"));
    CHECK_STATUS(olk_test_echo_string("Gr\xc3", &out), OLK_INVALID_UTF8);
    CHECK_STATUS(olk_test_echo_string("\xc0\x80", &out), OLK_INVALID_UTF8);
    CHECK(out == &sentinel);
}

static void test_last_error_message_buffer_sizes(void) {
    char small[4];
    char exact[256];
    size_t needed = 0;
    size_t expected;
    char *out = NULL;
    CHECK_STATUS(olk_test_echo_string(NULL, &out), OLK_NULL_ARGUMENT);
    expected = strlen("argument `text` is NULL") + 1;

    /* Too small: nothing copied, the size reported, the message kept. */
    memcpy(small, "xxxx", sizeof small);
    CHECK_STATUS(olk_last_error_message(small, sizeof small, &needed), OLK_BUFFER_TOO_SMALL);
    CHECK(needed == expected);
    CHECK(memcmp(small, "xxxx", sizeof small) == 0);
    CHECK_STATUS(olk_last_error_message(NULL, 0, &needed), OLK_BUFFER_TOO_SMALL);
    CHECK(needed == expected);
    /* One byte short is still too small. */
    CHECK_STATUS(olk_last_error_message(exact, expected - 1, &needed), OLK_BUFFER_TOO_SMALL);

    /* Exactly the size needed. */
    memset(exact, 'x', sizeof exact);
    CHECK_STATUS(olk_last_error_message(exact, expected, &needed), OLK_OK);
    CHECK(needed == expected);
    CHECK(strcmp(exact, "argument `text` is NULL") == 0);

    /* Failures of olk_last_error_message itself do not replace the message. */
    CHECK_STATUS(olk_last_error_message(NULL, 3, &needed), OLK_NULL_ARGUMENT);
    CHECK(strcmp(check_last_error(), "argument `text` is NULL") == 0);

    /* Functions that do not return olk_status leave it alone. */
    (void)olk_status_str(OLK_IO);
    (void)olk_version();
    (void)olk_abi_version();
    olk_string_free(NULL);
    CHECK(strcmp(check_last_error(), "argument `text` is NULL") == 0);

    /* A successful call clears it. */
    CHECK_STATUS(olk_test_echo_string("ok", &out), OLK_OK);
    olk_string_free(out);
    CHECK(strcmp(check_last_error(), "") == 0);
}

static void test_echo_bytes(void) {
    static const uint8_t data[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    uint8_t sentinel = 0;
    uint8_t *out = NULL;
    size_t len = 99;

    CHECK_STATUS(olk_test_echo_bytes(data, sizeof data, &out, &len), OLK_OK);
    CHECK(len == sizeof data);
    CHECK(out != NULL && memcmp(out, data, sizeof data) == 0);
    olk_bytes_free(out, len);

    /* Empty: NULL input allowed with length 0, NULL output with length 0. */
    out = &sentinel;
    len = 99;
    CHECK_STATUS(olk_test_echo_bytes(NULL, 0, &out, &len), OLK_OK);
    CHECK(out == NULL);
    CHECK(len == 0);
    olk_bytes_free(out, len);

    /* NULL arguments: outputs untouched. */
    out = &sentinel;
    len = 99;
    CHECK_STATUS(olk_test_echo_bytes(NULL, 3, &out, &len), OLK_NULL_ARGUMENT);
    CHECK(check_last_error_contains("`data`"));
    CHECK_STATUS(olk_test_echo_bytes(data, sizeof data, NULL, &len), OLK_NULL_ARGUMENT);
    CHECK(check_last_error_contains("`out`"));
    CHECK_STATUS(olk_test_echo_bytes(data, sizeof data, &out, NULL), OLK_NULL_ARGUMENT);
    CHECK(check_last_error_contains("`out_len`"));
    CHECK(out == &sentinel);
    CHECK(len == 99);
}

static void test_panic_boundary(void) {
    char *out = NULL;
    CHECK_STATUS(olk_test_panic(), OLK_PANIC);
    CHECK(strncmp(check_last_error(), "panic: ", 7) == 0);
    CHECK(check_last_error_contains("deliberate panic"));

    /* The library keeps working after a panic, and again after a second one. */
    CHECK_STATUS(olk_test_echo_string("after", &out), OLK_OK);
    CHECK(out != NULL && strcmp(out, "after") == 0);
    olk_string_free(out);
    CHECK(strcmp(check_last_error(), "") == 0);
    CHECK_STATUS(olk_test_panic(), OLK_PANIC);
    CHECK_STATUS(olk_test_echo_string("again", &out), OLK_OK);
    olk_string_free(out);
}

#endif /* OLKIT_TEST_PANIC */

int main(void) {
    test_versions();
    test_status_str();
    test_last_error_message_without_error();
    test_last_error_message_null_arguments();
    test_free_functions_accept_null();
#if defined(OLKIT_TEST_PANIC)
    test_echo_string();
    test_last_error_message_buffer_sizes();
    test_echo_bytes();
    test_panic_boundary();
#else
    printf("note: built without OLKIT_TEST_PANIC, the olk_test_* exports were not tested\n");
#endif
    return check_summary();
}
