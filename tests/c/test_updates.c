/*
 * olk_updates_* (the update check) from C99: the signed example manifest
 * (examples/manifest.xml, its minisign signature and key) planned against
 * the Windows Installer registrations of examples/installed-products.reg
 * and the machine of examples/manifest-env.json in one call; the report
 * JSON and the serial to store; an unsigned manifest refused unless
 * allowed; another key (the one made for this run in
 * $OLKIT_MANIFEST_FIXTURES) refused; rollback and expiry refused; a
 * tampered copy refused; the download of examples/olkit-sample.msi checked
 * chunk by chunk from the plan (and a copy with one byte flipped refused);
 * NULL arguments, bad flags and a small struct_size. Run natively and
 * under valgrind.
 */
#include "olkit.h"

#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The example manifest: products in this order, its serial and expiry. */
enum { OXTENDER = 0, OX_DRIVE = 1, SAMPLE = 2, PRODUCTS = 3 };
#define SERIAL 2025060101ULL
#define AFTER_EXPIRY 2082758400LL /* 2036-01-01T00:00:00Z; it expires 2035-06-01 */

typedef struct {
    bytes manifest, signature, key, reg, env, package, other_key;
} inputs;

static inputs load(void) {
    inputs in;
    in.manifest = read_file(source_path("examples/manifest.xml"));
    in.signature = read_file(source_path("examples/manifest.xml.minisig"));
    in.key = read_file(source_path("examples/manifest.pub"));
    in.reg = read_file(source_path("examples/installed-products.reg"));
    in.env = read_file(source_path("examples/manifest-env.json"));
    in.package = read_file(source_path("examples/olkit-sample.msi"));
    in.other_key = read_file(env_path("OLKIT_MANIFEST_FIXTURES", "manifest.pub"));
    return in;
}

static void unload(inputs in) {
    bytes_free(in.manifest);
    bytes_free(in.signature);
    bytes_free(in.key);
    bytes_free(in.reg);
    bytes_free(in.env);
    bytes_free(in.package);
    bytes_free(in.other_key);
}

static const char *keys[1];

/* The request of the example: signed, the example key, the .reg, the env. */
static olk_updates_request request_for(const inputs *in) {
    olk_updates_request r;
    memset(&r, 0, sizeof r);
    r.struct_size = (uint32_t)sizeof r;
    r.manifest = in->manifest.data;
    r.manifest_len = in->manifest.len;
    r.signature = in->signature.data;
    r.signature_len = in->signature.len;
    keys[0] = (const char *)in->key.data;
    r.public_keys = keys;
    r.public_key_count = 1;
    r.inventory = in->reg.data;
    r.inventory_len = in->reg.len;
    r.environment_json = (const char *)in->env.data;
    return r;
}

/* The call fails with `expected` and writes none of its outputs. */
static void check_refused(const olk_updates_request *r, olk_status expected, const char *message,
                          int line) {
    olk_manifest_plan *plan = NULL;
    char *report = NULL;
    uint64_t serial = 7;
    olk_status status = olk_updates_check(r, &plan, &report, &serial);
    check_status(status, expected, __FILE__, line, "olk_updates_check");
    check_record(plan == NULL && report == NULL && serial == 7, __FILE__, line, "no output written");
    check_record(check_last_error_contains(message), __FILE__, line, message);
    if (!check_last_error_contains(message)) {
        fprintf(stderr, "    last error: %s\n", check_last_error());
    }
}
#define CHECK_REFUSED(r, expected, message) check_refused((r), (expected), (message), __LINE__)

static void test_plan_and_report(const inputs *in) {
    olk_updates_request r = request_for(in);
    olk_manifest_plan *plan = NULL;
    char *report = NULL, *text = NULL;
    uint64_t serial = 0;
    size_t count = 0, first = 99, second = 99;
    uint32_t action = 0;
    CHECK_STATUS(olk_updates_check(&r, &plan, &report, &serial), OLK_OK);
    CHECK(serial == SERIAL);
    CHECK_STATUS(olk_manifest_plan_item_count(plan, &count), OLK_OK);
    CHECK(count == PRODUCTS);
    /* Olkit Sample: 1.0.5 for this user and 1.1.0 for the machine in the
       .reg (2.0.0 is another user's): the manifest's 1.5.0 upgrades 1.1.0. */
    CHECK_STATUS(olk_manifest_plan_item_action(plan, SAMPLE, &action), OLK_OK);
    CHECK(action == OLK_MANIFEST_ACTION_UPGRADE);
    CHECK_STATUS(olk_manifest_plan_item_installed(plan, SAMPLE, &text), OLK_OK);
    CHECK(string_is(text, "1.1.0"));
    /* The OXtender is not in the .reg: installed, critical, so applied first. */
    CHECK_STATUS(olk_manifest_plan_item_action(plan, OXTENDER, &action), OLK_OK);
    CHECK(action == OLK_MANIFEST_ACTION_INSTALL);
    CHECK_STATUS(olk_manifest_plan_item_installed(plan, OXTENDER, &text), OLK_OK);
    CHECK(text == NULL);
    CHECK_STATUS(olk_manifest_plan_item_action(plan, OX_DRIVE, &action), OLK_OK);
    CHECK(action == OLK_MANIFEST_ACTION_NOT_APPLICABLE);
    CHECK_STATUS(olk_manifest_plan_apply_count(plan, &count), OLK_OK);
    CHECK(count == 2);
    CHECK_STATUS(olk_manifest_plan_apply_index(plan, 0, &first), OLK_OK);
    CHECK_STATUS(olk_manifest_plan_apply_index(plan, 1, &second), OLK_OK);
    CHECK(first == OXTENDER && second == SAMPLE);

    CHECK(report != NULL);
    if (report != NULL) {
        const char *keys_wanted[] = {"\"signed\":true", "\"serial\":2025060101",
                                     "\"serial_to_store\":2025060101", "\"key_id\":",
                                     "\"items\":[", "\"order\":[0,2]", "\"product\":\"Olkit Sample\"",
                                     "\"installed\":\"1.1.0\"", "\"offered\":\"1.5.0\"",
                                     "\"action\":\"upgrade\"", "\"importance\":\"Normal\"",
                                     "\"critical\":false", "\"details\":[", "\"cache_upgrade\":3",
                                     "\"url\":\"https://ox.example.com/updater/products/olkit-sample-1.5.0.msi\"",
                                     "\"size\":11264", "\"sha256\":\"1b077eb6", "\"reasons\":[",
                                     "\"action\":\"install\"", "\"action\":\"not-applicable\""};
        size_t i;
        for (i = 0; i < sizeof keys_wanted / sizeof keys_wanted[0]; i++) {
            CHECK(contains(report, keys_wanted[i]));
        }
    }
    olk_string_free(report);
    olk_manifest_plan_free(plan);

    /* Outputs other than the plan are optional; the same JSON list as
       `olkit manifest plan --installed` reads gives the same plan. */
    {
        static const char installed_json[] =
            " [{\"upgrade_code\": \"{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}\", \"version\": "
            "\"1.1.0\", \"name\": \"Olkit Sample\"}]";
        r.inventory = (const uint8_t *)installed_json;
        r.inventory_len = strlen(installed_json);
        plan = NULL;
        CHECK_STATUS(olk_updates_check(&r, &plan, NULL, NULL), OLK_OK);
        CHECK_STATUS(olk_manifest_plan_item_action(plan, SAMPLE, &action), OLK_OK);
        CHECK(action == OLK_MANIFEST_ACTION_UPGRADE);
        olk_manifest_plan_free(plan);
        /* Nothing installed: Olkit Sample is an install. */
        r.inventory = NULL;
        r.inventory_len = 0;
        plan = NULL;
        CHECK_STATUS(olk_updates_check(&r, &plan, NULL, NULL), OLK_OK);
        CHECK_STATUS(olk_manifest_plan_item_action(plan, SAMPLE, &action), OLK_OK);
        CHECK(action == OLK_MANIFEST_ACTION_INSTALL);
        olk_manifest_plan_free(plan);
        /* A JSON list that is not valid says where. */
        r.inventory = (const uint8_t *)"[{\"version\": 1}]";
        r.inventory_len = strlen("[{\"version\": 1}]");
        CHECK_REFUSED(&r, OLK_INVALID_ARGUMENT, "argument `request.inventory`");
        CHECK(check_last_error_contains("line 1"));
        /* Neither JSON nor .reg. */
        r.inventory = (const uint8_t *)"hello";
        r.inventory_len = 5;
        CHECK_REFUSED(&r, OLK_REG_BAD_HEADER, "argument `request.inventory`");
    }
}

static void test_refusals(const inputs *in) {
    olk_updates_request r = request_for(in);
    olk_manifest_plan *plan = NULL;
    uint64_t serial = 0;
    uint8_t *tampered;

    /* Unsigned: refused unless allowed. */
    r.signature = NULL;
    r.signature_len = 0;
    CHECK_REFUSED(&r, OLK_MANIFEST_UNSIGNED, "not signed");
    r.allow_unsigned = 1;
    CHECK_STATUS(olk_updates_check(&r, &plan, NULL, &serial), OLK_OK);
    CHECK(plan != NULL && serial == SERIAL);
    olk_manifest_plan_free(plan);
    plan = NULL;
    /* Allowed unsigned, a signature given is still checked. */
    r = request_for(in);
    r.allow_unsigned = 1;
    keys[0] = (const char *)in->other_key.data;
    CHECK_REFUSED(&r, OLK_MANIFEST_BAD_SIGNATURE, "");

    /* Another key. */
    r = request_for(in);
    keys[0] = (const char *)in->other_key.data;
    CHECK_REFUSED(&r, OLK_MANIFEST_BAD_SIGNATURE, "");
    /* Not a key at all. */
    keys[0] = "not a key";
    CHECK_REFUSED(&r, OLK_MANIFEST_KEY, "argument `request.public_keys[0]`");
    /* No key and a signature. */
    r = request_for(in);
    r.public_keys = NULL;
    r.public_key_count = 0;
    CHECK_REFUSED(&r, OLK_MANIFEST_KEY, "");

    /* Rollback: a higher serial was stored; the same one is accepted. */
    r = request_for(in);
    r.has_last_serial = 1;
    r.last_serial = SERIAL + 1;
    CHECK_REFUSED(&r, OLK_MANIFEST_ROLLBACK, "2025060101");
    r.last_serial = SERIAL;
    CHECK_STATUS(olk_updates_check(&r, &plan, NULL, NULL), OLK_OK);
    olk_manifest_plan_free(plan);
    plan = NULL;

    /* Expired at a later clock; fine at an earlier one. */
    r = request_for(in);
    r.has_now = 1;
    r.now_unix = AFTER_EXPIRY;
    CHECK_REFUSED(&r, OLK_MANIFEST_EXPIRED, "expired");
    r.now_unix = 1767225600LL; /* 2026-01-01 */
    CHECK_STATUS(olk_updates_check(&r, &plan, NULL, NULL), OLK_OK);
    olk_manifest_plan_free(plan);
    plan = NULL;
    r.now_unix = INT64_MAX;
    CHECK_REFUSED(&r, OLK_OUT_OF_RANGE, "request.now_unix");

    /* Tampered: one byte of the manifest changed (a digit of the first
       <Version>). */
    r = request_for(in);
    tampered = (uint8_t *)malloc(in->manifest.len);
    if (tampered != NULL && in->manifest.len > 0) {
        const char *at = strstr((const char *)in->manifest.data, "<Version>7.10.6");
        memcpy(tampered, in->manifest.data, in->manifest.len);
        CHECK(at != NULL);
        if (at != NULL) {
            size_t offset = (size_t)(at - (const char *)in->manifest.data) + strlen("<Version>7.10.");
            tampered[offset] = '7';
        }
        r.manifest = tampered;
        CHECK_REFUSED(&r, OLK_MANIFEST_BAD_SIGNATURE, "");
        /* Accepted unsigned, the change shows. */
        r.signature = NULL;
        r.signature_len = 0;
        r.allow_unsigned = 1;
        CHECK_STATUS(olk_updates_check(&r, &plan, NULL, NULL), OLK_OK);
        olk_manifest_plan_free(plan);
        plan = NULL;
    }
    free(tampered);

    /* Bad environment JSON. */
    r = request_for(in);
    r.environment_json = "{\"architecture\": \"arm\"}";
    CHECK_REFUSED(&r, OLK_INVALID_ARGUMENT, "argument `request.environment_json`");
    /* No environment: the defaults (nothing known blocks the OXtender). */
    r.environment_json = NULL;
    CHECK_STATUS(olk_updates_check(&r, &plan, NULL, NULL), OLK_OK);
    {
        uint32_t action = 0;
        CHECK_STATUS(olk_manifest_plan_item_action(plan, OXTENDER, &action), OLK_OK);
        CHECK(action == OLK_MANIFEST_ACTION_BLOCKED || action == OLK_MANIFEST_ACTION_NOT_APPLICABLE);
    }
    olk_manifest_plan_free(plan);
}

static void test_arguments(const inputs *in) {
    olk_updates_request r = request_for(in);
    olk_manifest_plan *plan = NULL;
    CHECK_NULL_ARG(olk_updates_check(NULL, &plan, NULL, NULL), "request");
    CHECK_NULL_ARG(olk_updates_check(&r, NULL, NULL, NULL), "plan_out");
    r.manifest = NULL;
    r.manifest_len = 0;
    CHECK_NULL_ARG(olk_updates_check(&r, &plan, NULL, NULL), "request.manifest");
    r = request_for(in);
    r.signature = NULL; /* with a length */
    CHECK_NULL_ARG(olk_updates_check(&r, &plan, NULL, NULL), "request.signature");
    r = request_for(in);
    r.public_keys = NULL;
    CHECK_NULL_ARG(olk_updates_check(&r, &plan, NULL, NULL), "request.public_keys");
    r = request_for(in);
    keys[0] = NULL;
    CHECK_NULL_ARG(olk_updates_check(&r, &plan, NULL, NULL), "request.public_keys[0]");
    r = request_for(in);
    r.inventory = NULL;
    CHECK_NULL_ARG(olk_updates_check(&r, &plan, NULL, NULL), "request.inventory");
    r = request_for(in);
    r.environment_json = BAD_UTF8;
    CHECK_BAD_UTF8_ARG(olk_updates_check(&r, &plan, NULL, NULL), "request.environment_json");
    r = request_for(in);
    r.struct_size = (uint32_t)sizeof r - 1;
    CHECK_REFUSED(&r, OLK_INVALID_ARGUMENT, "sizeof(olk_updates_request)");
    r = request_for(in);
    r.allow_unsigned = 2;
    CHECK_REFUSED(&r, OLK_INVALID_ARGUMENT, "request.allow_unsigned");
    r = request_for(in);
    r.has_last_serial = 255;
    CHECK_REFUSED(&r, OLK_INVALID_ARGUMENT, "request.has_last_serial");
    CHECK(plan == NULL);
}

/* Feeds `len` bytes to the check of item `item` of `plan` in chunks of
   `chunk`; returns the status of the first failing call or of finish. */
static olk_status check_download(const olk_manifest_plan *plan, size_t item, const uint8_t *data,
                                 size_t len, size_t chunk, uint32_t *strength, uint64_t *size) {
    olk_manifest_check *check = NULL;
    olk_status status = olk_updates_package_check_new(plan, item, &check);
    size_t at = 0;
    if (status != OLK_OK) {
        return status;
    }
    while (at < len && status == OLK_OK) {
        size_t n = len - at < chunk ? len - at : chunk;
        status = olk_manifest_check_update(check, data + at, n);
        at += n;
    }
    if (status == OLK_OK) {
        status = olk_manifest_check_finish(check, strength, size);
    }
    olk_manifest_check_free(check);
    return status;
}

static void test_download(const inputs *in) {
    olk_updates_request r = request_for(in);
    olk_manifest_plan *plan = NULL;
    olk_manifest_check *check = NULL;
    uint32_t strength = 0;
    uint64_t size = 0;
    uint8_t *flipped;
    CHECK_STATUS(olk_updates_check(&r, &plan, NULL, NULL), OLK_OK);
    CHECK(in->package.len == 11264);
    CHECK_STATUS(check_download(plan, SAMPLE, in->package.data, in->package.len, 4096, &strength,
                                &size),
                 OLK_OK);
    CHECK(strength == OLK_MANIFEST_DIGEST_SHA256 && size == in->package.len);
    /* In one chunk too. */
    CHECK_STATUS(check_download(plan, SAMPLE, in->package.data, in->package.len, in->package.len,
                                &strength, &size),
                 OLK_OK);
    flipped = (uint8_t *)malloc(in->package.len);
    if (flipped != NULL) {
        memcpy(flipped, in->package.data, in->package.len);
        flipped[in->package.len / 2] ^= 1;
        CHECK_STATUS(check_download(plan, SAMPLE, flipped, in->package.len, 1000, &strength, &size),
                     OLK_MANIFEST_PACKAGE_MISMATCH);
        CHECK(check_last_error_contains("the manifest says 1b077eb6"));
        /* One byte short, and the package of another item. */
        CHECK_STATUS(check_download(plan, SAMPLE, in->package.data, in->package.len - 1, 4096,
                                    &strength, &size),
                     OLK_MANIFEST_PACKAGE_TRUNCATED);
        CHECK_STATUS(check_download(plan, OXTENDER, in->package.data, in->package.len, 4096,
                                    &strength, &size),
                     OLK_MANIFEST_PACKAGE_TOO_LARGE);
    }
    free(flipped);
    /* The check outlives the plan. */
    CHECK_STATUS(olk_updates_package_check_new(plan, SAMPLE, &check), OLK_OK);
    olk_manifest_plan_free(plan);
    CHECK_STATUS(olk_manifest_check_update(check, in->package.data, in->package.len), OLK_OK);
    CHECK_STATUS(olk_manifest_check_finish(check, &strength, &size), OLK_OK);
    olk_manifest_check_free(check);

    CHECK_STATUS(olk_updates_check(&r, &plan, NULL, NULL), OLK_OK);
    check = NULL;
    CHECK_STATUS(olk_updates_package_check_new(plan, PRODUCTS, &check), OLK_OUT_OF_RANGE);
    CHECK(check == NULL);
    CHECK_NULL_ARG(olk_updates_package_check_new(NULL, SAMPLE, &check), "plan");
    CHECK_NULL_ARG(olk_updates_package_check_new(plan, SAMPLE, NULL), "out");
    olk_manifest_plan_free(plan);
}

int main(void) {
    inputs in = load();
    CHECK(in.manifest.data != NULL && in.signature.data != NULL && in.key.data != NULL &&
          in.reg.data != NULL && in.env.data != NULL && in.package.data != NULL &&
          in.other_key.data != NULL);
    if (in.manifest.data != NULL && in.signature.data != NULL && in.key.data != NULL &&
        in.reg.data != NULL && in.env.data != NULL && in.package.data != NULL &&
        in.other_key.data != NULL) {
        test_plan_and_report(&in);
        test_refusals(&in);
        test_arguments(&in);
        test_download(&in);
    }
    unload(in);
    return check_summary();
}
