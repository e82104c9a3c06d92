/*
 * olk_manifest_* (olkit-manifest) from C99: a manifest signed by the
 * minisign command verified under a policy with the pinned key, a tampered
 * copy, unsigned manifests with and without a signature required, expiry
 * (with the policy's time), rollback (last serial), format errors, the
 * products' fields, text, numbers and JSON, the update plan for an
 * environment struct and installed products, package verification from a
 * path and chunk by chunk (good, one byte flipped, one byte too many, one
 * byte short, MD5 only), bundle extraction (and a zip-slip bundle
 * refused), NULL for every pointer argument and invalid UTF-8 in string
 * arguments.
 *
 * Inputs: $OLKIT_MANIFEST_FIXTURES, made for each run by
 * ffi/tests/languages.rs (MANIFEST_FIXTURE_PY): manifest.xml (serial 42,
 * expiring 2099-01-01, the five products below), its signature
 * manifest.xml.minisig and the key manifest.pub (minisign), package.bin
 * (whose SHA-256, size and MD5 the manifest declares), bundle.zip and
 * slip.zip (python3 zipfile). Run natively and under valgrind; files are
 * written to the working directory.
 */
#include "olkit.h"

#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What ffi/tests/languages.rs puts in manifest.xml. */
#define SERIAL 42
#define EXPIRES 4070908800LL /* 2099-01-01T00:00:00Z */
#define CONNECTOR_UPGRADE_CODE "{5A7D0F22-6A4B-4F3E-9C1D-2B8E7F6A5C41}"
#define CONNECTOR_PRODUCT_CODE "{9B1C2D3E-4F50-4617-8293-A4B5C6D7E8F9}"
#define LEGACY_UPGRADE_CODE "{0E5C3A8B-94F1-4D62-A7B3-C1D2E3F4A5B6}"
enum { CONNECTOR = 0, LEGACY = 1, BETA = 2, SERVER_PLUGIN = 3, HELPER = 4, PRODUCTS = 5 };

static const char *fixture(const char *name) { return env_path("OLKIT_MANIFEST_FIXTURES", name); }

static bytes read_fixture(const char *name) { return read_file(fixture(name)); }

/* `contains`, then frees `text`. */
static int take_has(char *text, const char *needle) {
    int found = contains(text, needle);
    olk_string_free(text);
    return found;
}

/* The text of fixture `name` after the first `marker` up to the first of
   `stop`, into `buf`. */
static int text_after(const char *name, const char *marker, const char *stop, char *buf,
                      size_t cap) {
    bytes file = read_fixture(name);
    const char *at = file.data != NULL ? strstr((const char *)file.data, marker) : NULL;
    size_t len;
    int ok = 0;
    if (at != NULL) {
        at += strlen(marker);
        len = strcspn(at, stop);
        if (len < cap) {
            memcpy(buf, at, len);
            buf[len] = '\0';
            ok = 1;
        }
    }
    bytes_free(file);
    return ok;
}

/* The text of manifest.xml after the first `open` tag. */
static int manifest_element(const char *open, char *buf, size_t cap) {
    return text_after("manifest.xml", open, "<", buf, cap);
}

/* The key id minisign wrote in manifest.pub ("minisign public key ID"). */
static int pub_key_id(char *buf, size_t cap) {
    return text_after("manifest.pub", "minisign public key ", "\r\n", buf, cap);
}

/* A policy with the key of manifest.pub pinned (the whole file's text). */
static olk_manifest_policy *pinned_policy(void) {
    olk_manifest_policy *policy = NULL;
    bytes pub = read_fixture("manifest.pub");
    CHECK_STATUS(olk_manifest_policy_new(&policy), OLK_OK);
    CHECK_STATUS(olk_manifest_policy_add_key(policy, (const char *)pub.data), OLK_OK);
    bytes_free(pub);
    return policy;
}

/* Verifies `xml` with `sig` (data NULL: none) under `policy`, expecting
   `expected`; on failure checks that no manifest was handed out. */
static olk_manifest *verify(bytes xml, bytes sig, const olk_manifest_policy *policy,
                            olk_status expected) {
    olk_manifest *manifest = NULL;
    CHECK_STATUS(olk_manifest_verify(xml.data, xml.len, sig.data, sig.len, policy, &manifest),
                 expected);
    CHECK((manifest != NULL) == (expected == OLK_OK));
    return manifest;
}

/* The signed manifest, verified under the pinned policy. */
static olk_manifest *signed_manifest(void) {
    bytes xml = read_fixture("manifest.xml");
    bytes sig = read_fixture("manifest.xml.minisig");
    olk_manifest_policy *policy = pinned_policy();
    olk_manifest *manifest = verify(xml, sig, policy, OLK_OK);
    olk_manifest_policy_free(policy);
    bytes_free(xml);
    bytes_free(sig);
    return manifest;
}

static void test_status_codes_and_enums(void) {
    static const olk_status codes[] = {
        OLK_MANIFEST_FORMAT,           OLK_MANIFEST_INVALID_VERSION,
        OLK_MANIFEST_KEY,              OLK_MANIFEST_UNSIGNED,
        OLK_MANIFEST_BAD_SIGNATURE,    OLK_MANIFEST_EXPIRED,
        OLK_MANIFEST_ROLLBACK,         OLK_MANIFEST_NO_DIGEST,
        OLK_MANIFEST_PACKAGE_TOO_LARGE, OLK_MANIFEST_PACKAGE_TRUNCATED,
        OLK_MANIFEST_PACKAGE_MISMATCH, OLK_MANIFEST_BUNDLE_CORRUPT,
        OLK_MANIFEST_BUNDLE_LIMIT,     OLK_MANIFEST_BUNDLE_UNSAFE,
        OLK_MANIFEST_DESTINATION_EXISTS,
    };
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        CHECK(codes[i] == (olk_status)(2000 + i));
        CHECK(strcmp(olk_status_str(codes[i]), "unknown status") != 0);
    }
    CHECK(strcmp(olk_status_str(2015), "unknown status") == 0);
    CHECK(OLK_MANIFEST_SIGNATURE_REQUIRED == 1 && OLK_MANIFEST_SIGNATURE_OPTIONAL == 2);
    CHECK(OLK_MANIFEST_ARCH_UNKNOWN == 0 && OLK_MANIFEST_ARCH_X86 == 1 && OLK_MANIFEST_ARCH_X64 == 2);
    CHECK(OLK_MANIFEST_ACTION_INSTALL == 1 && OLK_MANIFEST_ACTION_BLOCKED == 5);
    CHECK(OLK_MANIFEST_DIGEST_SHA256 == 1 && OLK_MANIFEST_DIGEST_WEAK_MD5 == 2);
}

static void test_policy(void) {
    olk_manifest_policy *policy = NULL;
    CHECK_NULL_ARG(olk_manifest_policy_new(NULL), "out");
    CHECK_STATUS(olk_manifest_policy_new(&policy), OLK_OK);
    CHECK_NULL_ARG(olk_manifest_policy_add_key(NULL, "RWQ"), "policy");
    CHECK_NULL_ARG(olk_manifest_policy_add_key(policy, NULL), "key");
    CHECK_BAD_UTF8_ARG(olk_manifest_policy_add_key(policy, BAD_UTF8), "key");
    CHECK_STATUS(olk_manifest_policy_add_key(policy, "not a key"), OLK_MANIFEST_KEY);
    CHECK(check_last_error_contains("minisign public key"));
    CHECK_NULL_ARG(olk_manifest_policy_set_signature(NULL, OLK_MANIFEST_SIGNATURE_OPTIONAL),
                   "policy");
    CHECK_STATUS(olk_manifest_policy_set_signature(policy, 7), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("olk_manifest_signature_policy"));
    CHECK_STATUS(olk_manifest_policy_set_signature(policy, OLK_MANIFEST_SIGNATURE_OPTIONAL), OLK_OK);
    CHECK_NULL_ARG(olk_manifest_policy_set_last_serial(NULL, 1, 5), "policy");
    CHECK_STATUS(olk_manifest_policy_set_last_serial(policy, 2, 5), OLK_INVALID_ARGUMENT);
    CHECK_STATUS(olk_manifest_policy_set_last_serial(policy, 1, 5), OLK_OK);
    CHECK_NULL_ARG(olk_manifest_policy_set_now(NULL, 1), "policy");
    CHECK_STATUS(olk_manifest_policy_set_now(policy, INT64_MAX), OLK_OUT_OF_RANGE);
    CHECK_STATUS(olk_manifest_policy_set_now(policy, EXPIRES), OLK_OK);
    olk_manifest_policy_free(policy);
    olk_manifest_policy_free(NULL);
}

static void test_signed_manifest(void) {
    olk_manifest *manifest = signed_manifest();
    char id[64];
    char *key_id = NULL;
    size_t count = 99;
    uint8_t has_serial = 9;
    uint64_t serial = 0;
    CHECK_STATUS(olk_manifest_key_id(manifest, &key_id), OLK_OK);
    CHECK(pub_key_id(id, sizeof id) && string_is(key_id, id));
    CHECK_STATUS(olk_manifest_warning_count(manifest, &count), OLK_OK);
    CHECK(count == 0);
    CHECK_STATUS(olk_manifest_serial_to_store(manifest, &has_serial, &serial), OLK_OK);
    CHECK(has_serial == 1 && serial == SERIAL);
    CHECK_STATUS(olk_manifest_product_count(manifest, &count), OLK_OK);
    CHECK(count == PRODUCTS);
    /* NULL arguments. */
    CHECK_NULL_ARG(olk_manifest_key_id(NULL, &key_id), "manifest");
    CHECK_NULL_ARG(olk_manifest_key_id(manifest, NULL), "out");
    CHECK_NULL_ARG(olk_manifest_warning_count(NULL, &count), "manifest");
    CHECK_NULL_ARG(olk_manifest_warning(manifest, 0, NULL), "out");
    CHECK_NULL_ARG(olk_manifest_serial_to_store(NULL, &has_serial, &serial), "manifest");
    CHECK_NULL_ARG(olk_manifest_serial_to_store(manifest, NULL, &serial), "has_value");
    CHECK_NULL_ARG(olk_manifest_serial_to_store(manifest, &has_serial, NULL), "value");
    CHECK_NULL_ARG(olk_manifest_product_count(manifest, NULL), "out");
    olk_manifest_free(manifest);
    olk_manifest_free(NULL);
}

static void test_verify_failures(void) {
    bytes xml = read_fixture("manifest.xml");
    bytes sig = read_fixture("manifest.xml.minisig");
    bytes none = {NULL, 0};
    bytes garbage = {(uint8_t *)"<Products><Product>", 19};
    olk_manifest_policy *policy = pinned_policy();
    olk_manifest_policy *keyless = NULL;
    olk_manifest *manifest = NULL;
    uint8_t *tampered = (uint8_t *)malloc(xml.len);
    size_t count = 0;
    char *warning = NULL;

    /* One byte changed: the signature no longer matches, no manifest. */
    memcpy(tampered, xml.data, xml.len);
    tampered[xml.len / 2] ^= 0x01;
    {
        bytes copy = {tampered, xml.len};
        verify(copy, sig, policy, OLK_MANIFEST_BAD_SIGNATURE);
        CHECK(check_last_error_contains("does not match"));
    }
    /* Unsigned: refused while a signature is required, accepted with a warning otherwise. */
    verify(xml, none, policy, OLK_MANIFEST_UNSIGNED);
    CHECK_STATUS(olk_manifest_policy_new(&keyless), OLK_OK);
    verify(xml, sig, keyless, OLK_MANIFEST_KEY);
    CHECK_STATUS(olk_manifest_policy_set_signature(keyless, OLK_MANIFEST_SIGNATURE_OPTIONAL),
                 OLK_OK);
    manifest = verify(xml, none, keyless, OLK_OK);
    CHECK_STATUS(olk_manifest_warning_count(manifest, &count), OLK_OK);
    CHECK(count == 1);
    CHECK_STATUS(olk_manifest_warning(manifest, 0, &warning), OLK_OK);
    CHECK(string_is(warning, "the manifest is not signed"));
    CHECK_STATUS(olk_manifest_warning(manifest, 1, &warning), OLK_OUT_OF_RANGE);
    CHECK_STATUS(olk_manifest_key_id(manifest, &warning), OLK_OK);
    CHECK(warning == NULL);
    olk_manifest_free(manifest);
    /* A signature that is given is checked even when optional. */
    {
        bytes copy = {tampered, xml.len};
        CHECK_STATUS(olk_manifest_policy_set_signature(policy, OLK_MANIFEST_SIGNATURE_OPTIONAL),
                     OLK_OK);
        verify(copy, sig, policy, OLK_MANIFEST_BAD_SIGNATURE);
        CHECK_STATUS(olk_manifest_policy_set_signature(policy, OLK_MANIFEST_SIGNATURE_REQUIRED),
                     OLK_OK);
    }
    /* Format errors say where. */
    verify(garbage, none, keyless, OLK_MANIFEST_FORMAT);
    CHECK(check_last_error_contains("line 1"));

    /* Expiry against the policy's time. */
    CHECK_STATUS(olk_manifest_policy_set_now(policy, EXPIRES + 1), OLK_OK);
    verify(xml, sig, policy, OLK_MANIFEST_EXPIRED);
    CHECK(check_last_error_contains("expired"));
    CHECK_STATUS(olk_manifest_policy_set_now(policy, EXPIRES - 1), OLK_OK);
    olk_manifest_free(verify(xml, sig, policy, OLK_OK));
    CHECK_STATUS(olk_manifest_policy_set_now(policy, 0), OLK_OK);

    /* Rollback: a lower serial than the last accepted one. */
    CHECK_STATUS(olk_manifest_policy_set_last_serial(policy, 1, SERIAL + 1), OLK_OK);
    verify(xml, sig, policy, OLK_MANIFEST_ROLLBACK);
    CHECK(check_last_error_contains("rollback"));
    CHECK_STATUS(olk_manifest_policy_set_last_serial(policy, 1, SERIAL), OLK_OK);
    olk_manifest_free(verify(xml, sig, policy, OLK_OK));
    CHECK_STATUS(olk_manifest_policy_set_last_serial(policy, 0, SERIAL + 1), OLK_OK);
    olk_manifest_free(verify(xml, sig, policy, OLK_OK));

    /* NULL arguments. */
    CHECK_NULL_ARG(olk_manifest_verify(NULL, 5, NULL, 0, policy, &manifest), "data");
    CHECK_NULL_ARG(olk_manifest_verify(xml.data, xml.len, NULL, 5, policy, &manifest),
                   "signature");
    CHECK_NULL_ARG(olk_manifest_verify(xml.data, xml.len, sig.data, sig.len, NULL, &manifest),
                   "policy");
    CHECK_NULL_ARG(olk_manifest_verify(xml.data, xml.len, sig.data, sig.len, policy, NULL), "out");

    free(tampered);
    olk_manifest_policy_free(keyless);
    olk_manifest_policy_free(policy);
    bytes_free(xml);
    bytes_free(sig);
}

static int field_is(const olk_manifest *m, size_t index, uint32_t field, const char *expected) {
    char *text = NULL;
    if (olk_manifest_product_get(m, index, field, &text) != OLK_OK) {
        fprintf(stderr, "    product_get(%u, %u): %s\n", (unsigned)index, (unsigned)field,
                check_last_error());
        return 0;
    }
    if (expected == NULL) {
        olk_string_free(text);
        return text == NULL;
    }
    return string_is(text, expected);
}

static int number_is(const olk_manifest *m, size_t index, uint32_t field, uint8_t has,
                     uint64_t expected) {
    uint8_t has_value = 9;
    uint64_t value = 99;
    return olk_manifest_product_number(m, index, field, &has_value, &value) == OLK_OK &&
           has_value == has && value == expected;
}

static void test_products(void) {
    olk_manifest *m = signed_manifest();
    bytes package = read_fixture("package.bin");
    char sha[80], md5[40], json_size[40];
    char *text = NULL;
    uint8_t has_value = 0;
    uint64_t value = 0;

    CHECK(manifest_element("<olkit:Sha256>", sha, sizeof sha));
    CHECK(manifest_element("<MD5>", md5, sizeof md5));
    CHECK(field_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_NAME, "Olkit Connector"));
    CHECK(field_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_VERSION, "7.2.0.4567"));
    CHECK(field_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_UPGRADE_CODE, CONNECTOR_UPGRADE_CODE));
    CHECK(field_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_PRODUCT_CODE, CONNECTOR_PRODUCT_CODE));
    CHECK(field_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_URL,
                   "https://updates.example.com/connector-7.2.0.msi"));
    CHECK(field_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_SHA256, sha));
    CHECK(field_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_MD5, NULL));
    CHECK(field_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_CHANNEL, "stable"));
    CHECK(field_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_ARCHITECTURE, "x64"));
    CHECK(field_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_MIN_SERVER_VERSION, "6.5.0"));
    CHECK(field_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_MAX_SERVER_VERSION, NULL));
    CHECK(field_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_OUTLOOK_VERSIONS, "2016,365"));
    CHECK(field_is(m, LEGACY, OLK_MANIFEST_PRODUCT_MD5, md5));
    CHECK(field_is(m, LEGACY, OLK_MANIFEST_PRODUCT_UPGRADE_CODE, LEGACY_UPGRADE_CODE));
    CHECK(field_is(m, BETA, OLK_MANIFEST_PRODUCT_CHANNEL, "beta"));
    CHECK(field_is(m, BETA, OLK_MANIFEST_PRODUCT_VERSION, "2.0.0-rc1"));
    CHECK(field_is(m, HELPER, OLK_MANIFEST_PRODUCT_URL, NULL));
    CHECK(field_is(m, HELPER, OLK_MANIFEST_PRODUCT_UPGRADE_CODE, NULL));

    CHECK(number_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_SIZE, 1, package.len));
    CHECK(number_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_CRITICAL, 1, 1));
    CHECK(number_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_REQUIRED_CACHE_FORMAT, 1, 3));
    CHECK(number_is(m, CONNECTOR, OLK_MANIFEST_PRODUCT_ROLLOUT_PERCENT, 0, 0));
    CHECK(number_is(m, HELPER, OLK_MANIFEST_PRODUCT_CRITICAL, 1, 0));
    CHECK(number_is(m, HELPER, OLK_MANIFEST_PRODUCT_SIZE, 0, 0));

    CHECK_STATUS(olk_manifest_product_json(m, CONNECTOR, &text), OLK_OK);
    snprintf(json_size, sizeof json_size, "\"size\":%u", (unsigned)package.len);
    CHECK(contains(text, json_size));
    CHECK(contains(text, "\"critical\":true"));
    CHECK(contains(text, "\"required_cache_format\":3"));
    CHECK(contains(text, "\"outlook_versions\":[\"2016\",\"365\"]"));
    /* (Key order inside objects is not part of the shape.) */
    CHECK(contains(text, "\"lang\":\"de\""));
    CHECK(contains(text, "\"text\":\"Faster calendar sync.\""));
    CHECK(contains(text, "\"text\":\"Schnellerer Abgleich. " GRUESSE "\""));
    CHECK(contains(text, "\"details\":[]"));
    olk_string_free(text);
    CHECK_STATUS(olk_manifest_product_json(m, HELPER, &text), OLK_OK);
    CHECK(take_has(text, "\"upgrade_code\":null"));

    /* Errors. */
    CHECK_STATUS(olk_manifest_product_get(m, PRODUCTS, OLK_MANIFEST_PRODUCT_NAME, &text),
                 OLK_OUT_OF_RANGE);
    CHECK(check_last_error_contains("product index 5 is out of range: there are 5"));
    CHECK_STATUS(olk_manifest_product_get(m, 0, 99, &text), OLK_INVALID_ARGUMENT);
    CHECK_STATUS(olk_manifest_product_number(m, 0, 99, &has_value, &value), OLK_INVALID_ARGUMENT);
    CHECK_STATUS(olk_manifest_product_number(m, PRODUCTS, OLK_MANIFEST_PRODUCT_SIZE, &has_value, &value),
                 OLK_OUT_OF_RANGE);
    CHECK_STATUS(olk_manifest_product_json(m, PRODUCTS, &text), OLK_OUT_OF_RANGE);
    CHECK_NULL_ARG(olk_manifest_product_get(NULL, 0, OLK_MANIFEST_PRODUCT_NAME, &text), "manifest");
    CHECK_NULL_ARG(olk_manifest_product_get(m, 0, OLK_MANIFEST_PRODUCT_NAME, NULL), "out");
    CHECK_NULL_ARG(olk_manifest_product_number(NULL, 0, OLK_MANIFEST_PRODUCT_SIZE, &has_value, &value),
                   "manifest");
    CHECK_NULL_ARG(olk_manifest_product_number(m, 0, OLK_MANIFEST_PRODUCT_SIZE, NULL, &value),
                   "has_value");
    CHECK_NULL_ARG(olk_manifest_product_json(NULL, 0, &text), "manifest");
    CHECK_NULL_ARG(olk_manifest_product_json(m, 0, NULL), "out");
    bytes_free(package);
    olk_manifest_free(m);
}

/* The environment of the plan tests: server 7.0.0, Outlook 2016 64-bit on
   64-bit Windows 10, the stable channel. */
static olk_manifest_environment environment(void) {
    olk_manifest_environment env;
    memset(&env, 0, sizeof env);
    env.struct_size = (uint32_t)sizeof env;
    env.server_version = "7.0.0";
    env.outlook_version = "2016";
    env.outlook_bitness = OLK_MANIFEST_ARCH_X64;
    env.windows_version = "10.0.19045";
    env.architecture = OLK_MANIFEST_ARCH_X64;
    env.channel = NULL; /* stable */
    env.machine_id = "WS-0001";
    return env;
}

static uint32_t action_of(const olk_manifest_plan *plan, size_t index) {
    uint32_t action = 0;
    CHECK_STATUS(olk_manifest_plan_item_action(plan, index, &action), OLK_OK);
    return action;
}

/* Whether some reason of item `index` contains `needle`. */
static int has_reason(const olk_manifest_plan *plan, size_t index, const char *needle) {
    size_t count = 0, i;
    int found = 0;
    if (olk_manifest_plan_item_reason_count(plan, index, &count) != OLK_OK) {
        return 0;
    }
    for (i = 0; i < count && !found; i++) {
        char *reason = NULL;
        if (olk_manifest_plan_item_reason(plan, index, i, &reason) == OLK_OK) {
            found = strstr(reason, needle) != NULL;
            olk_string_free(reason);
        }
    }
    if (!found) {
        fprintf(stderr, "    no reason of item %u contains \"%s\"\n", (unsigned)index, needle);
    }
    return found;
}

static void test_plan(void) {
    olk_manifest *m = signed_manifest();
    olk_manifest_environment env = environment();
    olk_manifest_installed *installed = NULL;
    olk_manifest_plan *plan = NULL;
    size_t count = 0, index = 99;
    uint8_t has_value = 9;
    uint32_t format = 0;
    char *text = NULL;

    CHECK_STATUS(olk_manifest_installed_new(&installed), OLK_OK);
    CHECK_STATUS(olk_manifest_installed_add(installed, NULL, CONNECTOR_UPGRADE_CODE, "7.1.0",
                                            "Olkit Connector"),
                 OLK_OK);
    CHECK_STATUS(olk_manifest_installed_add(installed, "{3C4D5E6F-7081-4293-A4B5-C6D7E8F90A1B}",
                                            LEGACY_UPGRADE_CODE, "1.0.5", "Olkit Legacy Add-in"),
                 OLK_OK);
    CHECK_STATUS(olk_manifest_plan_new(m, &env, installed, &plan), OLK_OK);

    CHECK_STATUS(olk_manifest_plan_item_count(plan, &count), OLK_OK);
    CHECK(count == PRODUCTS);
    CHECK(action_of(plan, CONNECTOR) == OLK_MANIFEST_ACTION_UPGRADE);
    CHECK(has_reason(plan, CONNECTOR, "replaces version 7.1.0"));
    CHECK(has_reason(plan, CONNECTOR, "cache database to format 3"));
    CHECK(has_reason(plan, CONNECTOR, "critical"));
    CHECK_STATUS(olk_manifest_plan_item_installed(plan, CONNECTOR, &text), OLK_OK);
    CHECK(string_is(text, "7.1.0"));
    CHECK_STATUS(olk_manifest_plan_item_cache_upgrade(plan, CONNECTOR, &has_value, &format), OLK_OK);
    CHECK(has_value == 1 && format == 3);
    CHECK(action_of(plan, LEGACY) == OLK_MANIFEST_ACTION_UP_TO_DATE);
    CHECK(has_reason(plan, LEGACY, "version 1.0.5 is installed"));
    CHECK_STATUS(olk_manifest_plan_item_cache_upgrade(plan, LEGACY, &has_value, &format), OLK_OK);
    CHECK(has_value == 0 && format == 0);
    CHECK(action_of(plan, BETA) == OLK_MANIFEST_ACTION_NOT_APPLICABLE);
    CHECK(has_reason(plan, BETA, "beta channel"));
    CHECK(action_of(plan, SERVER_PLUGIN) == OLK_MANIFEST_ACTION_BLOCKED);
    CHECK(has_reason(plan, SERVER_PLUGIN, "needs server version 9.0.0 or later; the server runs 7.0.0"));
    CHECK(action_of(plan, HELPER) == OLK_MANIFEST_ACTION_INSTALL);
    CHECK_STATUS(olk_manifest_plan_item_installed(plan, HELPER, &text), OLK_OK);
    CHECK(text == NULL);
    /* Apply order: the critical upgrade first, then the new install. */
    CHECK_STATUS(olk_manifest_plan_apply_count(plan, &count), OLK_OK);
    CHECK(count == 2);
    CHECK_STATUS(olk_manifest_plan_apply_index(plan, 0, &index), OLK_OK);
    CHECK(index == CONNECTOR);
    CHECK_STATUS(olk_manifest_plan_apply_index(plan, 1, &index), OLK_OK);
    CHECK(index == HELPER);
    CHECK_STATUS(olk_manifest_plan_apply_index(plan, 2, &index), OLK_OUT_OF_RANGE);
    CHECK_STATUS(olk_manifest_plan_json(plan, &text), OLK_OK);
    CHECK(contains(text, "\"order\":[0,4]"));
    CHECK(contains(text, "\"action\":\"blocked\""));
    CHECK(take_has(text, "\"cache_upgrade\":3"));
    /* Item errors. */
    CHECK_STATUS(olk_manifest_plan_item_action(plan, PRODUCTS, &format), OLK_OUT_OF_RANGE);
    CHECK_STATUS(olk_manifest_plan_item_reason(plan, CONNECTOR, 99, &text), OLK_OUT_OF_RANGE);
    CHECK_STATUS(olk_manifest_plan_item_reason_count(plan, PRODUCTS, &count), OLK_OUT_OF_RANGE);
    CHECK_STATUS(olk_manifest_plan_item_installed(plan, PRODUCTS, &text), OLK_OUT_OF_RANGE);
    CHECK_STATUS(olk_manifest_plan_item_cache_upgrade(plan, PRODUCTS, &has_value, &format),
                 OLK_OUT_OF_RANGE);
    CHECK_NULL_ARG(olk_manifest_plan_item_count(NULL, &count), "plan");
    CHECK_NULL_ARG(olk_manifest_plan_apply_count(plan, NULL), "out");
    CHECK_NULL_ARG(olk_manifest_plan_apply_index(NULL, 0, &index), "plan");
    CHECK_NULL_ARG(olk_manifest_plan_item_action(plan, 0, NULL), "out");
    CHECK_NULL_ARG(olk_manifest_plan_item_reason_count(NULL, 0, &count), "plan");
    CHECK_NULL_ARG(olk_manifest_plan_item_reason(plan, 0, 0, NULL), "out");
    CHECK_NULL_ARG(olk_manifest_plan_item_installed(NULL, 0, &text), "plan");
    CHECK_NULL_ARG(olk_manifest_plan_item_cache_upgrade(plan, 0, &has_value, NULL), "value");
    CHECK_NULL_ARG(olk_manifest_plan_json(NULL, &text), "plan");
    olk_manifest_plan_free(plan);
    olk_manifest_plan_free(NULL);

    /* Nothing installed (NULL): the connector is a new install. */
    CHECK_STATUS(olk_manifest_plan_new(m, &env, NULL, &plan), OLK_OK);
    CHECK(action_of(plan, CONNECTOR) == OLK_MANIFEST_ACTION_INSTALL);
    olk_manifest_plan_free(plan);
    /* A 32-bit Outlook: the x64 package is not applicable. */
    env.outlook_bitness = OLK_MANIFEST_ARCH_X86;
    CHECK_STATUS(olk_manifest_plan_new(m, &env, installed, &plan), OLK_OK);
    CHECK(action_of(plan, CONNECTOR) == OLK_MANIFEST_ACTION_NOT_APPLICABLE);
    CHECK(has_reason(plan, CONNECTOR, "this Outlook is 32-bit"));
    olk_manifest_plan_free(plan);

    /* Environment errors; no plan is handed out. */
    plan = NULL;
    env = environment();
    env.struct_size = 4;
    CHECK_STATUS(olk_manifest_plan_new(m, &env, installed, &plan), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("struct_size"));
    env = environment();
    env.machine_id = NULL;
    CHECK_NULL_ARG(olk_manifest_plan_new(m, &env, installed, &plan), "environment.machine_id");
    env = environment();
    env.channel = BAD_UTF8;
    CHECK_BAD_UTF8_ARG(olk_manifest_plan_new(m, &env, installed, &plan), "environment.channel");
    env = environment();
    env.server_version = "seven";
    CHECK_STATUS(olk_manifest_plan_new(m, &env, installed, &plan), OLK_MANIFEST_INVALID_VERSION);
    CHECK(check_last_error_contains("environment.server_version"));
    env = environment();
    env.architecture = OLK_MANIFEST_ARCH_UNKNOWN;
    CHECK_STATUS(olk_manifest_plan_new(m, &env, installed, &plan), OLK_INVALID_ARGUMENT);
    env = environment();
    env.outlook_bitness = 7;
    CHECK_STATUS(olk_manifest_plan_new(m, &env, installed, &plan), OLK_INVALID_ARGUMENT);
    env = environment();
    CHECK_NULL_ARG(olk_manifest_plan_new(NULL, &env, installed, &plan), "manifest");
    CHECK_NULL_ARG(olk_manifest_plan_new(m, NULL, installed, &plan), "environment");
    CHECK_NULL_ARG(olk_manifest_plan_new(m, &env, installed, NULL), "out");
    CHECK(plan == NULL);

    /* Installed-product errors. */
    CHECK_NULL_ARG(olk_manifest_installed_new(NULL), "out");
    CHECK_NULL_ARG(olk_manifest_installed_add(NULL, NULL, NULL, "1.0", "x"), "installed");
    CHECK_NULL_ARG(olk_manifest_installed_add(installed, NULL, NULL, NULL, "x"), "version");
    CHECK_NULL_ARG(olk_manifest_installed_add(installed, NULL, NULL, "1.0", NULL), "name");
    CHECK_BAD_UTF8_ARG(olk_manifest_installed_add(installed, BAD_UTF8, NULL, "1.0", "x"),
                       "product_code");
    CHECK_BAD_UTF8_ARG(olk_manifest_installed_add(installed, NULL, NULL, "1.0", BAD_UTF8), "name");
    CHECK_STATUS(olk_manifest_installed_add(installed, NULL, NULL, "1..0", "x"),
                 OLK_MANIFEST_INVALID_VERSION);
    olk_manifest_installed_free(installed);
    olk_manifest_installed_free(NULL);
    olk_manifest_free(m);
}

static void test_verify_package_file(void) {
    olk_manifest *m = signed_manifest();
    bytes package = read_fixture("package.bin");
    uint32_t strength = 0;
    uint64_t size = 0;
    const char *package_path = fixture("package.bin");

    CHECK_STATUS(olk_manifest_verify_package(m, CONNECTOR, package_path, &strength, &size), OLK_OK);
    CHECK(strength == OLK_MANIFEST_DIGEST_SHA256 && size == package.len);
    strength = 0;
    CHECK_STATUS(olk_manifest_verify_package(m, LEGACY, package_path, &strength, &size), OLK_OK);
    CHECK(strength == OLK_MANIFEST_DIGEST_WEAK_MD5 && size == package.len);
    CHECK_STATUS(olk_manifest_verify_package(m, SERVER_PLUGIN, package_path, &strength, &size),
                 OLK_MANIFEST_NO_DIGEST);
    package.data[package.len / 3] ^= 0x80;
    CHECK(write_file("manifest-flipped.bin", package.data, package.len));
    strength = 77;
    CHECK_STATUS(olk_manifest_verify_package(m, CONNECTOR, "manifest-flipped.bin", &strength, &size),
                 OLK_MANIFEST_PACKAGE_MISMATCH);
    CHECK(strength == 77);
    CHECK(check_last_error_contains("SHA-256"));
    CHECK_STATUS(olk_manifest_verify_package(m, LEGACY, "manifest-flipped.bin", &strength, &size),
                 OLK_MANIFEST_PACKAGE_MISMATCH);
    CHECK(write_file("manifest-short.bin", package.data, package.len - 1));
    CHECK_STATUS(olk_manifest_verify_package(m, CONNECTOR, "manifest-short.bin", &strength, &size),
                 OLK_MANIFEST_PACKAGE_TRUNCATED);
    CHECK_STATUS(olk_manifest_verify_package(m, CONNECTOR, "manifest-missing.bin", &strength, &size),
                 OLK_IO);
    CHECK_STATUS(olk_manifest_verify_package(m, PRODUCTS, package_path, &strength, &size),
                 OLK_OUT_OF_RANGE);
    CHECK_NULL_ARG(olk_manifest_verify_package(NULL, 0, package_path, &strength, &size), "manifest");
    CHECK_NULL_ARG(olk_manifest_verify_package(m, 0, NULL, &strength, &size), "path");
    CHECK_NULL_ARG(olk_manifest_verify_package(m, 0, package_path, NULL, &size), "strength");
    CHECK_NULL_ARG(olk_manifest_verify_package(m, 0, package_path, &strength, NULL), "bytes");
    CHECK_BAD_UTF8_ARG(olk_manifest_verify_package(m, 0, BAD_UTF8, &strength, &size), "path");
    bytes_free(package);
    olk_manifest_free(m);
}

/* Feeds `len` bytes of `data` to `check` in chunks of `chunk`; the status
   of the first failing update, or OLK_OK. */
static olk_status feed(olk_manifest_check *check, const uint8_t *data, size_t len, size_t chunk) {
    size_t at;
    for (at = 0; at < len; at += chunk) {
        size_t n = len - at < chunk ? len - at : chunk;
        olk_status status = olk_manifest_check_update(check, data + at, n);
        if (status != OLK_OK) {
            return status;
        }
    }
    return OLK_OK;
}

static void test_check_in_chunks(void) {
    olk_manifest *m = signed_manifest();
    bytes package = read_fixture("package.bin");
    uint8_t *longer = (uint8_t *)malloc(package.len + 1);
    olk_manifest_check *check = NULL;
    uint32_t strength = 0;
    uint64_t size = 0;

    /* Good, in 4 KiB chunks; the manifest may go first. */
    CHECK_STATUS(olk_manifest_check_new(m, CONNECTOR, &check), OLK_OK);
    olk_manifest_free(m);
    m = signed_manifest();
    CHECK_STATUS(olk_manifest_check_update(check, NULL, 0), OLK_OK);
    CHECK_STATUS(feed(check, package.data, package.len, 4096), OLK_OK);
    CHECK_STATUS(olk_manifest_check_finish(check, &strength, &size), OLK_OK);
    CHECK(strength == OLK_MANIFEST_DIGEST_SHA256 && size == package.len);
    /* The check is over. */
    CHECK_STATUS(olk_manifest_check_update(check, package.data, 1), OLK_INVALID_ARGUMENT);
    CHECK_STATUS(olk_manifest_check_finish(check, &strength, &size), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("over"));
    olk_manifest_check_free(check);

    /* MD5 only: weak. */
    CHECK_STATUS(olk_manifest_check_new(m, LEGACY, &check), OLK_OK);
    CHECK_STATUS(feed(check, package.data, package.len, 7777), OLK_OK);
    CHECK_STATUS(olk_manifest_check_finish(check, &strength, &size), OLK_OK);
    CHECK(strength == OLK_MANIFEST_DIGEST_WEAK_MD5 && size == package.len);
    olk_manifest_check_free(check);

    /* One byte too many: refused at once. */
    memcpy(longer, package.data, package.len);
    longer[package.len] = 0x42;
    CHECK_STATUS(olk_manifest_check_new(m, CONNECTOR, &check), OLK_OK);
    CHECK_STATUS(feed(check, longer, package.len + 1, 4096), OLK_MANIFEST_PACKAGE_TOO_LARGE);
    strength = 77;
    CHECK_STATUS(olk_manifest_check_finish(check, &strength, &size), OLK_INVALID_ARGUMENT);
    CHECK(strength == 77);
    olk_manifest_check_free(check);

    /* One byte short. */
    CHECK_STATUS(olk_manifest_check_new(m, CONNECTOR, &check), OLK_OK);
    CHECK_STATUS(feed(check, package.data, package.len - 1, 4096), OLK_OK);
    CHECK_STATUS(olk_manifest_check_finish(check, &strength, &size), OLK_MANIFEST_PACKAGE_TRUNCATED);
    olk_manifest_check_free(check);

    /* One byte flipped. */
    package.data[12345] ^= 0x01;
    CHECK_STATUS(olk_manifest_check_new(m, CONNECTOR, &check), OLK_OK);
    CHECK_STATUS(feed(check, package.data, package.len, 1000), OLK_OK);
    CHECK_STATUS(olk_manifest_check_finish(check, &strength, &size), OLK_MANIFEST_PACKAGE_MISMATCH);
    CHECK(strength == 77);
    olk_manifest_check_free(check);

    /* Errors. */
    check = NULL;
    CHECK_STATUS(olk_manifest_check_new(m, SERVER_PLUGIN, &check), OLK_MANIFEST_NO_DIGEST);
    CHECK_STATUS(olk_manifest_check_new(m, PRODUCTS, &check), OLK_OUT_OF_RANGE);
    CHECK(check == NULL);
    CHECK_NULL_ARG(olk_manifest_check_new(NULL, 0, &check), "manifest");
    CHECK_NULL_ARG(olk_manifest_check_new(m, 0, NULL), "out");
    CHECK_STATUS(olk_manifest_check_new(m, CONNECTOR, &check), OLK_OK);
    CHECK_NULL_ARG(olk_manifest_check_update(NULL, package.data, 1), "check");
    CHECK_NULL_ARG(olk_manifest_check_update(check, NULL, 1), "data");
    CHECK_NULL_ARG(olk_manifest_check_finish(NULL, &strength, &size), "check");
    CHECK_NULL_ARG(olk_manifest_check_finish(check, NULL, &size), "strength");
    CHECK_NULL_ARG(olk_manifest_check_finish(check, &strength, NULL), "bytes");
    olk_manifest_check_free(check);
    olk_manifest_check_free(NULL);

    free(longer);
    bytes_free(package);
    olk_manifest_free(m);
}

/* Whether the file at `path` holds the bytes of fixture `name`. */
static int same_as_fixture(const char *path, const char *name) {
    bytes actual = read_file(path);
    bytes expected = read_fixture(name);
    int same = actual.data != NULL && expected.data != NULL &&
               same_bytes(actual.data, actual.len, expected.data, expected.len);
    bytes_free(actual);
    bytes_free(expected);
    return same;
}

static void test_bundles(void) {
    bytes readme = read_fixture("bundle-readme.txt");
    bytes setup = read_fixture("bundle-setup.bin");
    char *report = NULL;
    char total[40];

    CHECK_STATUS(olk_manifest_extract_bundle(fixture("bundle.zip"), "manifest-bundle", &report),
                 OLK_OK);
    snprintf(total, sizeof total, "\"bytes\":%u", (unsigned)(readme.len + setup.len));
    CHECK(contains(report, total));
    CHECK(contains(report, "\"files\":2"));
    CHECK(contains(report, "\"directories\":1"));
    CHECK(contains(report, "\"path\":\"docs/\""));
    CHECK(contains(report, "\"is_dir\":true"));
    CHECK(take_has(report, "\"dest\":\"manifest-bundle\""));
    CHECK(same_as_fixture("manifest-bundle/docs/readme.txt", "bundle-readme.txt"));
    CHECK(same_as_fixture("manifest-bundle/setup.bin", "bundle-setup.bin"));

    report = NULL;
    CHECK_STATUS(olk_manifest_extract_bundle(fixture("bundle.zip"), "manifest-bundle", &report),
                 OLK_MANIFEST_DESTINATION_EXISTS);
    CHECK_STATUS(olk_manifest_extract_bundle(fixture("slip.zip"), "manifest-slip", &report),
                 OLK_MANIFEST_BUNDLE_UNSAFE);
    CHECK(check_last_error_contains("../evil.txt"));
    CHECK(report == NULL);
    /* Nothing was left behind: the destination can still be created. */
    CHECK_STATUS(olk_manifest_extract_bundle(fixture("bundle.zip"), "manifest-slip", &report),
                 OLK_OK);
    olk_string_free(report);
    CHECK_STATUS(olk_manifest_extract_bundle(fixture("package.bin"), "manifest-notzip", &report),
                 OLK_MANIFEST_BUNDLE_CORRUPT);
    CHECK_STATUS(olk_manifest_extract_bundle("manifest-missing.zip", "manifest-none", &report),
                 OLK_IO);
    CHECK_NULL_ARG(olk_manifest_extract_bundle(NULL, "x", &report), "zip");
    CHECK_NULL_ARG(olk_manifest_extract_bundle(fixture("bundle.zip"), NULL, &report), "dest");
    CHECK_NULL_ARG(olk_manifest_extract_bundle(fixture("bundle.zip"), "x", NULL), "out");
    CHECK_BAD_UTF8_ARG(olk_manifest_extract_bundle(BAD_UTF8, "x", &report), "zip");
    CHECK_BAD_UTF8_ARG(olk_manifest_extract_bundle(fixture("bundle.zip"), BAD_UTF8, &report),
                       "dest");
    bytes_free(readme);
    bytes_free(setup);
}

int main(void) {
    test_status_codes_and_enums();
    test_policy();
    test_signed_manifest();
    test_verify_failures();
    test_products();
    test_plan();
    test_verify_package_file();
    test_check_in_chunks();
    test_bundles();
    return check_summary();
}
