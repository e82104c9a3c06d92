/*
 * olk_profile_* (olkit-profile-convert, KOC to KOFF profile conversion)
 * from C99: a .reg export and a .prf file read into a set (counts, the
 * JSON listing with its keys, no secret in it), plans with probes that
 * answer reachable, unreachable and too old (each asked once, about the
 * KOC profile's server), a probe that cancels and one that breaks its
 * contract, conversions (converted bytes that differ from the input, an
 * undo export that is a .reg file, a second conversion of the converted
 * export that reports "already KOFF" and changes nothing, a blocked
 * profile that leaves the input as it was), the scope options (named
 * profiles, the default one, one user), caller rules (the built-in rules
 * file passed back, and a malformed one: OLK_PROFILE_RULES with its
 * line), a .prf conversion, NULL arguments and a struct_size too small.
 *
 * Inputs: $OLKIT_PROFILE_FIXTURES, copied for each run by
 * ffi/tests/languages.rs (Harness::profile_fixtures) from
 * crates/profile-convert/tests/fixtures: kerio-one-user.reg (profile
 * "Kerio", the default, with KOC on mail.example.com besides Exchange, a
 * PST and IMAP/POP3/LDAP accounts; profile "Outlook" with a PST),
 * two-users-both-roots.reg (KOC in profile "Work" of the first SID), and
 * koc.prf. Run natively and under valgrind.
 */
#include "olkit.h"

#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SID_A "S-1-5-21-1004336348-1177238915-682003330-1001"
#define SID_B "S-1-5-21-1004336348-1177238915-682003330-1002"
#define KOC_SERVICE \
    "HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Kerio\\" \
    "6e1c2a0b9f3d4e8aa1b2c3d4e5f60718"

static bytes fixture(const char *name) { return read_file(env_path("OLKIT_PROFILE_FIXTURES", name)); }

/* The number of times `needle` occurs in `text`. */
static int occurrences(const char *text, const char *needle) {
    int n = 0;
    const char *at = text;
    while (at != NULL && (at = strstr(at, needle)) != NULL) {
        n++;
        at += strlen(needle);
    }
    return n;
}

/* What the probe saw and how it answers. */
typedef struct {
    int calls;
    int answer;            /* what it returns: 1, 0, or something else (cancel) */
    const char *version;   /* written when answering 1 (NULL: nothing written) */
    char server[128];      /* the last query's server ("(null)" for NULL) */
    char profile[128];
    char user[128];
    uint32_t port;
    int32_t ssl;
    int sizes_right;       /* struct_size was sizeof(olk_profile_server_query) */
    size_t version_len;
} probe_state;

static probe_state new_probe(int answer, const char *version) {
    probe_state p;
    memset(&p, 0, sizeof p);
    p.answer = answer;
    p.version = version;
    p.sizes_right = 1;
    return p;
}

static int32_t probe(void *userdata, const olk_profile_server_query *query, char *version_buf,
                     size_t version_len) {
    probe_state *p = (probe_state *)userdata;
    p->calls++;
    p->sizes_right = p->sizes_right && query->struct_size == sizeof(olk_profile_server_query);
    snprintf(p->server, sizeof p->server, "%s", query->server ? query->server : "(null)");
    snprintf(p->profile, sizeof p->profile, "%s", query->profile);
    snprintf(p->user, sizeof p->user, "%s", query->user);
    p->port = query->port;
    p->ssl = query->ssl;
    p->version_len = version_len;
    if (p->answer == 1 && p->version != NULL) {
        snprintf(version_buf, version_len, "%s", p->version);
    }
    return p->answer;
}

static olk_profile_options default_options(void) {
    olk_profile_options options;
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    return options;
}

/* The plan JSON of `export` with `options` and the probe state `p`
   (NULL: no probe); NULL (reported) on failure. Free with olk_string_free. */
static char *plan_of(bytes export, const olk_profile_options *options, probe_state *p) {
    char *json = NULL;
    CHECK_STATUS(olk_profile_plan(export.data, export.len, options, p != NULL ? probe : NULL, p,
                                  &json),
                 OLK_OK);
    return json;
}

typedef struct {
    size_t converted, blocked, already;
} counts;

static counts counts_of(const olk_profile_conversion *conv) {
    counts c = {99, 99, 99};
    CHECK_STATUS(olk_profile_conversion_counts(conv, &c.converted, &c.blocked, &c.already), OLK_OK);
    return c;
}

/* Converts `export`; NULL (reported) on failure. */
static olk_profile_conversion *convert_of(bytes export, const olk_profile_options *options,
                                          probe_state *p) {
    olk_profile_conversion *conv = NULL;
    CHECK_STATUS(olk_profile_convert(export.data, export.len, options, p != NULL ? probe : NULL, p,
                                     &conv),
                 OLK_OK);
    return conv;
}

/* A copy of the converted export (free with bytes_free). */
static bytes converted_of(const olk_profile_conversion *conv) {
    const uint8_t *data = NULL;
    size_t len = 0;
    bytes copy = {NULL, 0};
    CHECK_STATUS(olk_profile_conversion_converted(conv, &data, &len), OLK_OK);
    copy.data = (uint8_t *)malloc(len + 1);
    if (len > 0) {
        memcpy(copy.data, data, len);
    }
    copy.len = len;
    return copy;
}

/* The data of value `name` of `key` in the .reg export `export` (free with
   olk_bytes_free via bytes_free_olk); {NULL, 0} (reported) if absent. */
static bytes reg_value(const uint8_t *export, size_t export_len, const char *key, const char *name) {
    olk_reg_file *file = NULL;
    bytes value = {NULL, 0};
    uint32_t type = 0;
    CHECK_STATUS(olk_reg_file_parse(export, export_len, 0, 0, &file), OLK_OK);
    CHECK_STATUS(olk_reg_file_get_value(file, key, name, &type, &value.data, &value.len), OLK_OK);
    olk_reg_file_free(file);
    return value;
}

static int value_is(bytes value, const char *expected, size_t expected_len) {
    int same = value.data != NULL &&
               same_bytes(value.data, value.len, (const uint8_t *)expected, expected_len);
    olk_bytes_free(value.data, value.len);
    return same;
}

static void test_codes(void) {
    CHECK(OLK_PROFILE_SYNTAX == 4000 && OLK_PROFILE_RULES == 4001 &&
          OLK_PROFILE_TOO_LARGE == 4002 && OLK_PROFILE_FAILED == 4003);
    CHECK(strcmp(olk_status_str(OLK_PROFILE_RULES), "unknown status") != 0);
    CHECK(strcmp(olk_status_str(4004), "unknown status") == 0);
}

static void test_set(void) {
    bytes reg = fixture("kerio-one-user.reg");
    bytes two = fixture("two-users-both-roots.reg");
    bytes prf = fixture("koc.prf");
    olk_profile_set *set = NULL;
    size_t count = 0;
    char *json = NULL;

    CHECK_STATUS(olk_profile_set_parse(reg.data, reg.len, &set), OLK_OK);
    CHECK_STATUS(olk_profile_set_count(set, &count), OLK_OK);
    CHECK(count == 2);
    CHECK_STATUS(olk_profile_set_list_json(set, &json), OLK_OK);
    CHECK(contains(json, "\"kind\":\"reg\""));
    CHECK(contains(json, "\"users\":[{\"hive\":\"HKEY_CURRENT_USER\""));
    CHECK(contains(json, "\"name\":\"Kerio\""));
    CHECK(contains(json, "\"name\":\"Outlook\""));
    CHECK(contains(json, "\"is_default\":true"));
    CHECK(contains(json, "\"services\":["));
    CHECK(contains(json, "\"accounts\":["));
    CHECK(contains(json, "\"issues\":["));
    CHECK(contains(json, "\"name\":\"KERIO_KOC\""));
    CHECK(contains(json, "\"uid\":\"6e1c2a0b9f3d4e8aa1b2c3d4e5f60718\""));
    CHECK(contains(json, "\"class\":\"imap\""));
    CHECK(contains(json, "\"server\":\"imap.example.org\""));
    CHECK(occurrences(json, "\"services\":") == 2);
    /* No secret, not even a name hinting at one. */
    CHECK(strstr(json, "Password") == NULL && strstr(json, "67f0") == NULL);
    olk_string_free(json);
    olk_profile_set_free(set);

    /* Several users, both roots. */
    set = NULL;
    CHECK_STATUS(olk_profile_set_parse(two.data, two.len, &set), OLK_OK);
    CHECK_STATUS(olk_profile_set_count(set, &count), OLK_OK);
    CHECK(count == 2);
    json = NULL;
    CHECK_STATUS(olk_profile_set_list_json(set, &json), OLK_OK);
    CHECK(contains(json, "\"sid\":\"" SID_A "\""));
    CHECK(contains(json, "\"sid\":\"" SID_B "\""));
    CHECK(contains(json, "\"kind\":\"legacy\""));
    CHECK(contains(json, "\"office_version\":\"15.0\""));
    olk_string_free(json);
    olk_profile_set_free(set);

    /* A .prf file: one profile. */
    set = NULL;
    CHECK_STATUS(olk_profile_set_parse(prf.data, prf.len, &set), OLK_OK);
    CHECK_STATUS(olk_profile_set_count(set, &count), OLK_OK);
    CHECK(count == 1);
    json = NULL;
    CHECK_STATUS(olk_profile_set_list_json(set, &json), OLK_OK);
    CHECK(contains(json, "\"kind\":\"prf\""));
    CHECK(contains(json, "\"name\":\"Kerio\""));
    CHECK(contains(json, "\"location\":{\"in\":\"prf\",\"section\":\"Service1\"}"));
    olk_string_free(json);
    olk_profile_set_free(set);

    /* A damaged export: its graph issues, each with its key and line. */
    {
        bytes damaged = fixture("damaged.reg");
        set = NULL;
        CHECK_STATUS(olk_profile_set_parse(damaged.data, damaged.len, &set), OLK_OK);
        json = NULL;
        CHECK_STATUS(olk_profile_set_list_json(set, &json), OLK_OK);
        CHECK(contains(json, "\"kind\":\"store_without_section\",\"line\":"));
        CHECK(contains(json, "0badc0de0badc0de0badc0de00000001"));
        CHECK(contains(json, "\"kind\":\"two_default_stores\""));
        olk_string_free(json);
        olk_profile_set_free(set);
        bytes_free(damaged);
    }

    /* Nothing at all: a syntax error too. */
    CHECK_STATUS(olk_profile_set_parse(NULL, 0, &set), OLK_PROFILE_SYNTAX);

    /* Neither: a syntax error, nothing written. */
    set = (olk_profile_set *)&count;
    CHECK_STATUS(olk_profile_set_parse((const uint8_t *)"hello\n", 6, &set), OLK_PROFILE_SYNTAX);
    CHECK(check_last_error_contains("neither a .reg export"));
    CHECK(set == (olk_profile_set *)&count);
    olk_profile_set_free(NULL);
    bytes_free(reg);
    bytes_free(two);
    bytes_free(prf);
}

static void test_plan(void) {
    bytes reg = fixture("kerio-one-user.reg");
    probe_state p = new_probe(1, "7.4.1");
    char *json = plan_of(reg, NULL, &p);

    /* Asked once, about the KOC profile's server. */
    CHECK(p.calls == 1 && p.sizes_right && p.version_len >= 64);
    CHECK(strcmp(p.server, "mail.example.com") == 0);
    CHECK(strcmp(p.profile, "Kerio") == 0);
    CHECK(strcmp(p.user, "HKEY_CURRENT_USER") == 0);
    CHECK(p.ssl == -1 || p.ssl == 0 || p.ssl == 1);
    CHECK(contains(json, "\"kind\":\"reg\""));
    CHECK(contains(json, "\"outcome\":\"converted\""));
    CHECK(contains(json, "\"server_configured\":true"));
    CHECK(contains(json, "\"changes\":[{"));
    CHECK(contains(json, "\"action\":\""));
    CHECK(strstr(json, "\"outcome\":\"blocked\"") == NULL);
    /* The KOC service's password blob (0x67f0) is never shown. */
    CHECK(strstr(json, "072c5176") == NULL && strstr(json, "07,2c,51") == NULL &&
          strstr(json, "07 2c 51") == NULL);
    olk_string_free(json);

    /* Unreachable: converted, the server's configuration left to finish. */
    p = new_probe(0, NULL);
    json = plan_of(reg, NULL, &p);
    CHECK(p.calls == 1);
    CHECK(contains(json, "\"outcome\":\"converted\""));
    CHECK(contains(json, "\"server_configured\":false"));
    CHECK(contains(json, "\"finish_later\":[\""));
    olk_string_free(json);
    /* No probe at all: the same. */
    json = plan_of(reg, NULL, NULL);
    CHECK(contains(json, "\"server_configured\":false"));
    olk_string_free(json);

    /* Older than 6.5.0: blocked, with the reason. */
    p = new_probe(1, "6.4.9");
    json = plan_of(reg, NULL, &p);
    CHECK(p.calls == 1);
    CHECK(contains(json, "\"outcome\":\"blocked\""));
    CHECK(contains(json, "\"reason\":\""));
    CHECK(strstr(json, "\"outcome\":\"converted\"") == NULL);
    olk_string_free(json);

    /* A probe that cancels: OLK_CANCELLED, nothing written. */
    p = new_probe(-1, NULL);
    json = NULL;
    CHECK_STATUS(olk_profile_plan(reg.data, reg.len, NULL, probe, &p, &json), OLK_CANCELLED);
    CHECK(check_last_error_contains("cancel"));
    CHECK(json == NULL && p.calls == 1);
    /* One that says reachable but writes no version. */
    p = new_probe(1, NULL);
    CHECK_STATUS(olk_profile_plan(reg.data, reg.len, NULL, probe, &p, &json), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("version"));
    CHECK(json == NULL);
    bytes_free(reg);
}

static void test_convert(void) {
    bytes reg = fixture("kerio-one-user.reg");
    probe_state p = new_probe(1, "7.4.1");
    olk_profile_conversion *conv = convert_of(reg, NULL, &p);
    olk_profile_conversion *again;
    olk_reg_file *undo_file = NULL;
    const uint8_t *undo = NULL;
    size_t undo_len = 0;
    uint32_t format = 0;
    char *json = NULL;
    char *text = NULL;
    counts c;
    bytes converted;
    olk_profile_set *set = NULL;

    CHECK(p.calls == 1);
    c = counts_of(conv);
    CHECK(c.converted == 1 && c.blocked == 0 && c.already == 0);
    converted = converted_of(conv);
    CHECK(converted.len > 0 && !same_bytes(converted.data, converted.len, reg.data, reg.len));
    /* The undo export is a .reg file, version 5 like the input. */
    CHECK_STATUS(olk_profile_conversion_undo(conv, &undo, &undo_len), OLK_OK);
    CHECK(undo != NULL && undo_len > 0);
    CHECK_STATUS(olk_reg_file_parse(undo, undo_len, 0, 0, &undo_file), OLK_OK);
    CHECK_STATUS(olk_reg_file_format(undo_file, &format), OLK_OK);
    CHECK(format == OLK_REG_FORMAT_REGEDIT5);
    olk_reg_file_free(undo_file);
    /* The service is KERIO_KOFF in the converted export (PR_SERVICE_NAME,
       PT_STRING8) and KERIO_KOC again in the undo export; its password blob
       (0x67f0) is carried over byte for byte. */
    CHECK(value_is(reg_value(converted.data, converted.len, KOC_SERVICE, "001e3d09"), "KERIO_KOFF", 11));
    CHECK(value_is(reg_value(undo, undo_len, KOC_SERVICE, "001e3d09"), "KERIO_KOC", 10));
    {
        bytes before = reg_value(reg.data, reg.len, KOC_SERVICE, "010267f0");
        bytes after = reg_value(converted.data, converted.len, KOC_SERVICE, "010267f0");
        CHECK(before.len > 0 && same_bytes(after.data, after.len, before.data, before.len));
        olk_bytes_free(before.data, before.len);
        olk_bytes_free(after.data, after.len);
    }
    /* The report, as JSON and as text. */
    CHECK_STATUS(olk_profile_conversion_report_json(conv, &json), OLK_OK);
    CHECK(contains(json, "\"outcome\":\"converted\""));
    CHECK(contains(json, "\"server_configured\":true"));
    olk_string_free(json);
    CHECK_STATUS(olk_profile_conversion_report_text(conv, &text), OLK_OK);
    CHECK(contains(text, "Kerio"));
    olk_string_free(text);
    /* Counts one at a time. */
    c.converted = 7;
    CHECK_STATUS(olk_profile_conversion_counts(conv, NULL, NULL, &c.already), OLK_OK);
    CHECK(c.already == 0 && c.converted == 7);
    olk_profile_conversion_free(conv);

    /* The converted export lists a KOFF service and no KOC one. */
    CHECK_STATUS(olk_profile_set_parse(converted.data, converted.len, &set), OLK_OK);
    CHECK_STATUS(olk_profile_set_list_json(set, &json), OLK_OK);
    CHECK(strstr(json, "\"name\":\"KERIO_KOC\"") == NULL);
    CHECK(contains(json, "KERIO_KOFF"));
    olk_string_free(json);
    olk_profile_set_free(set);

    /* Converting it again: already KOFF, nothing changes, nobody asked. */
    p = new_probe(1, "7.4.1");
    again = convert_of(converted, NULL, &p);
    c = counts_of(again);
    CHECK(c.converted == 0 && c.blocked == 0 && c.already == 1);
    CHECK(p.calls == 0);
    {
        bytes twice = converted_of(again);
        CHECK(same_bytes(twice.data, twice.len, converted.data, converted.len));
        bytes_free(twice);
    }
    json = NULL;
    CHECK_STATUS(olk_profile_conversion_report_json(again, &json), OLK_OK);
    CHECK(contains(json, "\"outcome\":\"already_koff\""));
    olk_string_free(json);
    olk_profile_conversion_free(again);
    bytes_free(converted);

    /* Blocked: the export comes back as it was. */
    p = new_probe(1, "6.0.0");
    conv = convert_of(reg, NULL, &p);
    c = counts_of(conv);
    CHECK(c.converted == 0 && c.blocked == 1 && c.already == 0);
    converted = converted_of(conv);
    CHECK(same_bytes(converted.data, converted.len, reg.data, reg.len));
    bytes_free(converted);
    olk_profile_conversion_free(conv);

    /* Unreachable: converted all the same. */
    conv = convert_of(reg, NULL, NULL);
    c = counts_of(conv);
    CHECK(c.converted == 1 && c.blocked == 0);
    olk_profile_conversion_free(conv);
    bytes_free(reg);
}

static void test_scope(void) {
    bytes reg = fixture("kerio-one-user.reg");
    bytes two = fixture("two-users-both-roots.reg");
    olk_profile_options options = default_options();
    const char *outlook[] = {"Outlook"};
    const char *kerio[] = {"Kerio"};
    probe_state p = new_probe(1, "7.4.1");
    olk_profile_conversion *conv;
    counts c;

    /* Only "Outlook", which has no KOC: nothing converted, nobody asked. */
    options.profiles = outlook;
    options.profile_count = 1;
    conv = convert_of(reg, &options, &p);
    c = counts_of(conv);
    CHECK(c.converted == 0 && p.calls == 0);
    olk_profile_conversion_free(conv);
    options.profiles = kerio;
    conv = convert_of(reg, &options, &p);
    CHECK(counts_of(conv).converted == 1 && p.calls == 1);
    olk_profile_conversion_free(conv);
    /* The default profile ("Kerio"). */
    options = default_options();
    options.default_only = 1;
    conv = convert_of(reg, &options, NULL);
    CHECK(counts_of(conv).converted == 1);
    olk_profile_conversion_free(conv);

    /* One user of two: the KOC profile "Work" belongs to SID_A. */
    options = default_options();
    options.user = SID_B;
    conv = convert_of(two, &options, NULL);
    CHECK(counts_of(conv).converted == 0);
    olk_profile_conversion_free(conv);
    options.user = SID_A;
    p = new_probe(0, NULL);
    conv = convert_of(two, &options, &p);
    CHECK(counts_of(conv).converted == 1);
    CHECK(p.calls == 1 && strcmp(p.user, "HKEY_USERS\\" SID_A) == 0 &&
          strcmp(p.profile, "Work") == 0);
    CHECK(strcmp(p.server, "mail.example.com") == 0);
    olk_profile_conversion_free(conv);
    bytes_free(reg);
    bytes_free(two);
}

static void test_rules(void) {
    bytes reg = fixture("kerio-one-user.reg");
    bytes builtin = read_file(source_path("crates/profile-convert/rules/koc-to-koff.ini"));
    static const char bad[] = "; rules\n[Rules]\nFormat=1\nNoSuchKey=1\n";
    olk_profile_options options = default_options();
    olk_profile_conversion *conv = NULL;
    char *json = NULL;

    /* The built-in rules file, given by the caller: the same conversion. */
    CHECK(builtin.data != NULL && builtin.len > 0);
    options.rules = builtin.data;
    options.rules_len = builtin.len;
    conv = convert_of(reg, &options, NULL);
    CHECK(counts_of(conv).converted == 1);
    olk_profile_conversion_free(conv);

    /* A malformed one: OLK_PROFILE_RULES with its line, nothing written. */
    options.rules = (const uint8_t *)bad;
    options.rules_len = sizeof bad - 1;
    conv = NULL;
    CHECK_STATUS(olk_profile_convert(reg.data, reg.len, &options, NULL, NULL, &conv),
                 OLK_PROFILE_RULES);
    CHECK(check_last_error_contains("options.rules"));
    CHECK(check_last_error_contains("line 4"));
    CHECK(conv == NULL);
    CHECK_STATUS(olk_profile_plan(reg.data, reg.len, &options, NULL, NULL, &json),
                 OLK_PROFILE_RULES);
    CHECK(json == NULL);
    bytes_free(builtin);
    bytes_free(reg);
}

static void test_prf(void) {
    bytes prf = fixture("koc.prf");
    probe_state p = new_probe(1, "7.4.1");
    olk_profile_conversion *conv = convert_of(prf, NULL, &p);
    olk_profile_set *set = NULL;
    bytes converted;
    char *json = NULL;

    CHECK(p.calls == 1 && strcmp(p.profile, "Kerio") == 0 && strcmp(p.user, "") == 0);
    CHECK(strcmp(p.server, "mail.kerio.example") == 0);
    CHECK(p.ssl == 1);
    CHECK(counts_of(conv).converted == 1);
    converted = converted_of(conv);
    CHECK(converted.len > 0 && !same_bytes(converted.data, converted.len, prf.data, prf.len));
    CHECK_STATUS(olk_profile_conversion_report_json(conv, &json), OLK_OK);
    CHECK(contains(json, "\"kind\":\"prf\""));
    olk_string_free(json);
    /* Still a .prf file. */
    CHECK_STATUS(olk_profile_set_parse(converted.data, converted.len, &set), OLK_OK);
    json = NULL;
    CHECK_STATUS(olk_profile_set_list_json(set, &json), OLK_OK);
    CHECK(contains(json, "\"kind\":\"prf\""));
    olk_string_free(json);
    olk_profile_set_free(set);
    bytes_free(converted);
    olk_profile_conversion_free(conv);
    bytes_free(prf);
}

static void test_arguments(void) {
    bytes reg = fixture("kerio-one-user.reg");
    olk_profile_options options = default_options();
    olk_profile_set *set = NULL;
    olk_profile_conversion *conv = NULL;
    const uint8_t *data = NULL;
    size_t len = 0;
    char *json = NULL;
    const char *names[] = {"Kerio", NULL};

    CHECK_NULL_ARG(olk_profile_set_parse(NULL, 5, &set), "bytes");
    CHECK_NULL_ARG(olk_profile_set_parse(reg.data, reg.len, NULL), "out");
    CHECK_NULL_ARG(olk_profile_set_count(NULL, &len), "set");
    CHECK_NULL_ARG(olk_profile_set_list_json(NULL, &json), "set");
    CHECK_NULL_ARG(olk_profile_plan(NULL, 3, NULL, NULL, NULL, &json), "bytes");
    CHECK_NULL_ARG(olk_profile_plan(reg.data, reg.len, NULL, NULL, NULL, NULL), "plan_json");
    CHECK_NULL_ARG(olk_profile_convert(NULL, 3, NULL, NULL, NULL, &conv), "bytes");
    CHECK_NULL_ARG(olk_profile_convert(reg.data, reg.len, NULL, NULL, NULL, NULL), "out");
    CHECK_NULL_ARG(olk_profile_conversion_converted(NULL, &data, &len), "conversion");
    CHECK_NULL_ARG(olk_profile_conversion_undo(NULL, &data, &len), "conversion");
    CHECK_NULL_ARG(olk_profile_conversion_report_json(NULL, &json), "conversion");
    CHECK_NULL_ARG(olk_profile_conversion_report_text(NULL, &json), "conversion");
    CHECK_NULL_ARG(olk_profile_conversion_counts(NULL, NULL, NULL, NULL), "conversion");
    CHECK(set == NULL && conv == NULL && json == NULL);

    CHECK_STATUS(olk_profile_set_parse(reg.data, reg.len, &set), OLK_OK);
    CHECK_NULL_ARG(olk_profile_set_count(set, NULL), "out");
    CHECK_NULL_ARG(olk_profile_set_list_json(set, NULL), "out");
    olk_profile_set_free(set);
    CHECK_STATUS(olk_profile_convert(reg.data, reg.len, NULL, NULL, NULL, &conv), OLK_OK);
    CHECK_NULL_ARG(olk_profile_conversion_converted(conv, NULL, &len), "data");
    CHECK_NULL_ARG(olk_profile_conversion_undo(conv, &data, NULL), "len");
    CHECK_NULL_ARG(olk_profile_conversion_report_json(conv, NULL), "out");
    olk_profile_conversion_free(conv);
    olk_profile_conversion_free(NULL);
    conv = NULL;

    /* Options: too small, flags out of range, NULL names, bad UTF-8. */
    options.struct_size = 4;
    CHECK_STATUS(olk_profile_convert(reg.data, reg.len, &options, NULL, NULL, &conv),
                 OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("argument `options`: struct_size is 4"));
    CHECK(check_last_error_contains("sizeof(olk_profile_options)"));
    CHECK_STATUS(olk_profile_plan(reg.data, reg.len, &options, NULL, NULL, &json),
                 OLK_INVALID_ARGUMENT);
    options = default_options();
    options.default_only = 2;
    CHECK_STATUS(olk_profile_plan(reg.data, reg.len, &options, NULL, NULL, &json),
                 OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("options.default_only"));
    options.default_only = 1;
    options.profiles = names;
    options.profile_count = 1;
    CHECK_STATUS(olk_profile_plan(reg.data, reg.len, &options, NULL, NULL, &json),
                 OLK_INVALID_ARGUMENT);
    options = default_options();
    options.profile_count = 2;
    CHECK_NULL_ARG(olk_profile_plan(reg.data, reg.len, &options, NULL, NULL, &json),
                   "options.profiles");
    options.profiles = names;
    CHECK_NULL_ARG(olk_profile_plan(reg.data, reg.len, &options, NULL, NULL, &json),
                   "options.profiles[1]");
    options = default_options();
    options.user = BAD_UTF8;
    CHECK_BAD_UTF8_ARG(olk_profile_plan(reg.data, reg.len, &options, NULL, NULL, &json),
                       "options.user");
    options = default_options();
    options.rules_len = 10;
    CHECK_NULL_ARG(olk_profile_plan(reg.data, reg.len, &options, NULL, NULL, &json),
                   "options.rules");
    CHECK(json == NULL && conv == NULL);

    /* A bigger struct (a newer header) is fine. */
    {
        struct {
            olk_profile_options options;
            uint64_t future[2];
        } bigger;
        memset(&bigger, 0, sizeof bigger);
        bigger.options.struct_size = sizeof bigger;
        CHECK_STATUS(olk_profile_plan(reg.data, reg.len, &bigger.options, NULL, NULL, &json),
                     OLK_OK);
        olk_string_free(json);
    }
    bytes_free(reg);
}

int main(void) {
    test_codes();
    test_set();
    test_plan();
    test_convert();
    test_scope();
    test_rules();
    test_prf();
    test_arguments();
    return check_summary();
}
