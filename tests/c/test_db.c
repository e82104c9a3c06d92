/*
 * olk_db_* (olkit-dbmigrate, the KOC cache database) from C99: the status
 * of a format-1 cache (struct and JSON), its upgrade with a progress
 * callback that records every report (phases in order, rows that only
 * grow), the status and a second migration afterwards, a cancel from the
 * callback at the first copy report (the file byte for byte as it was),
 * insufficient space (a huge space margin, the scheduled marker, then the
 * upgrade that clears it), a damaged cache rebuilt with every pending
 * change salvaged, checks that pass and fail, another application's
 * database, a newer format, a file that is not a database, a missing file,
 * a migration lock held by someone else, NULL and invalid arguments, and
 * struct sizes too small.
 *
 * Inputs: $OLKIT_DB_FIXTURES, made for each run by ffi/tests/languages.rs
 * (Harness::db_fixtures): koc1.db (a small koc::Sample, format 1),
 * counts.txt (its messages and pending_changes rows, counted by sqlite3),
 * corrupt.db (koc1.db with the root page of messages overwritten),
 * other.db, newer.db and garbage.db. The tests copy them into the working
 * directory before changing them. Run natively and under valgrind.
 */
#include "olkit.h"

#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define KOC_APPLICATION_ID 0x4B4F4646
#define OTHER_APPLICATION_ID 0x12345678

static const char *fixture(const char *name) { return env_path("OLKIT_DB_FIXTURES", name); }

static bytes read_fixture_bytes(const char *name) { return read_file(fixture(name)); }

/* Copies fixture `name` to `path` in the working directory (replacing it). */
static void copy_fixture(const char *name, const char *path) {
    bytes data = read_fixture_bytes(name);
    CHECK(data.data != NULL && write_file(path, data.data, data.len));
    bytes_free(data);
}

/* Whether the file at `path` holds exactly `expected`. */
static int file_is(const char *path, bytes expected) {
    bytes actual = read_file(path);
    int same = actual.data != NULL && expected.data != NULL &&
               same_bytes(actual.data, actual.len, expected.data, expected.len);
    bytes_free(actual);
    return same;
}

static int file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f != NULL) {
        fclose(f);
    }
    return f != NULL;
}

/* The rows of `table` in counts.txt ("TABLE ROWS" lines); 0 if absent. */
static uint64_t fixture_rows(const char *table) {
    bytes counts = read_file(fixture("counts.txt"));
    const char *at = counts.data != NULL ? strstr((const char *)counts.data, table) : NULL;
    unsigned long long rows = 0;
    if (at == NULL || sscanf(at + strlen(table), " %llu", &rows) != 1) {
        fprintf(stderr, "    no rows of %s in counts.txt\n", table);
    }
    bytes_free(counts);
    return (uint64_t)rows;
}

static olk_db_options default_options(void) {
    olk_db_options options;
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    return options;
}

static olk_db_status_info status_of(const char *path, const olk_db_options *options) {
    olk_db_status_info info;
    memset(&info, 0xEE, sizeof info);
    info.struct_size = sizeof info;
    CHECK_STATUS(olk_db_status(path, options, &info), OLK_OK);
    return info;
}

/* What the progress callback saw. */
typedef struct {
    int calls;
    uint32_t phases_seen; /* bit `phase` for each phase reported */
    uint32_t last_phase;
    uint64_t last_items;
    int in_order;           /* phases never went back, rows never shrank */
    int within_totals;      /* items_done <= items_total in every COPY report */
    int copies_named;       /* every COPY report named its table */
    int sizes_right;        /* struct_size was sizeof(olk_progress) */
    uint32_t cancel_in;     /* phase to cancel in (0: never) */
    char first_table[64];   /* the table of the first COPY report */
} recorder;

static recorder new_recorder(uint32_t cancel_in) {
    recorder r;
    memset(&r, 0, sizeof r);
    r.in_order = r.within_totals = r.copies_named = r.sizes_right = 1;
    r.cancel_in = cancel_in;
    return r;
}

static int32_t record(void *userdata, const olk_progress *p) {
    recorder *r = (recorder *)userdata;
    r->calls++;
    r->sizes_right = r->sizes_right && p->struct_size == sizeof(olk_progress);
    if (p->phase < 32) {
        r->phases_seen |= 1u << p->phase;
    }
    if (p->phase < r->last_phase || p->items_done < r->last_items) {
        r->in_order = 0;
    }
    r->last_phase = p->phase;
    r->last_items = p->items_done;
    if (p->phase == OLK_DB_PHASE_COPY) {
        r->within_totals = r->within_totals && p->items_done <= p->items_total &&
                           p->items_total > 0 && p->bytes_total > 0;
        r->copies_named = r->copies_named && p->item != NULL && p->item[0] != '\0';
        if (r->first_table[0] == '\0' && p->item != NULL) {
            snprintf(r->first_table, sizeof r->first_table, "%s", p->item);
        }
    }
    return p->phase == r->cancel_in ? 1 : 0;
}

static int saw(const recorder *r, uint32_t phase) { return (r->phases_seen >> phase) & 1u; }

static void test_codes_and_enums(void) {
    static const olk_status codes[] = {OLK_DB_NOT_OURS, OLK_DB_NEWER, OLK_DB_BUSY, OLK_DB_SQLITE,
                                       OLK_DB_FAILED};
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        CHECK(codes[i] == (olk_status)(5000 + i));
        CHECK(strcmp(olk_status_str(codes[i]), "unknown status") != 0);
    }
    CHECK(strcmp(olk_status_str(5005), "unknown status") == 0);
    CHECK(OLK_DB_PHASE_PREFLIGHT == 1 && OLK_DB_PHASE_COPY == 2 && OLK_DB_PHASE_SWAP == 6 &&
          OLK_DB_PHASE_REBUILD == 7);
    CHECK(OLK_DB_STATE_UP_TO_DATE == 1 && OLK_DB_STATE_UNREADABLE == 6);
    CHECK(OLK_DB_OUTCOME_UP_TO_DATE == 1 && OLK_DB_OUTCOME_CANCELLED == 5);
}

static void test_status(void) {
    const char *path = "db-status.db";
    bytes original = read_fixture_bytes("koc1.db");
    olk_db_options options = default_options();
    olk_db_status_info info;
    char *json = NULL;

    copy_fixture("koc1.db", path);
    info = status_of(path, NULL);
    CHECK(info.struct_size == sizeof info);
    CHECK(info.state == OLK_DB_STATE_NEEDS_UPGRADE);
    CHECK(info.format == 1 && info.current_format == 2);
    CHECK(info.application_id == KOC_APPLICATION_ID);
    CHECK(info.size_bytes == original.len);
    CHECK(info.space_needed_bytes == 2 * (uint64_t)original.len);
    CHECK(info.scheduled == 0 && info.scheduled_needed_bytes == 0 &&
          info.scheduled_available_bytes == 0);
    CHECK(info.leftovers == 0);
    /* The margin counts in the space needed. */
    options.space_margin = 1000;
    info = status_of(path, &options);
    CHECK(info.space_needed_bytes == 2 * (uint64_t)original.len + 1000);

    CHECK_STATUS(olk_db_status_json(path, NULL, &json), OLK_OK);
    CHECK(contains(json, "\"state\":\"needs_upgrade\""));
    CHECK(contains(json, "\"from\":1"));
    CHECK(contains(json, "\"to\":2"));
    CHECK(contains(json, "\"path\":\"db-status.db\""));
    CHECK(contains(json, "\"scheduled\":null"));
    olk_string_free(json);
    /* Status changes nothing. */
    CHECK(file_is(path, original));
    bytes_free(original);
}

static void test_upgrade(void) {
    const char *path = "db-upgrade.db";
    bytes original = read_fixture_bytes("koc1.db");
    recorder r = new_recorder(OLK_DB_PHASE_COPY);
    olk_db_outcome outcome;
    olk_db_status_info info;
    char *json = NULL;
    char needle[96];
    uint8_t ok = 9;

    copy_fixture("koc1.db", path);

    /* Cancelled at the first copy report: OLK_OK, CANCELLED, the file as it was. */
    memset(&outcome, 0, sizeof outcome);
    outcome.struct_size = sizeof outcome;
    CHECK_STATUS(olk_db_migrate(path, NULL, record, &r, &outcome, &json), OLK_OK);
    CHECK(outcome.struct_size == sizeof outcome);
    CHECK(outcome.outcome == OLK_DB_OUTCOME_CANCELLED);
    CHECK(outcome.cancelled_phase == OLK_DB_PHASE_COPY);
    CHECK(outcome.rows == 0 && outcome.to_format == 0);
    CHECK(saw(&r, OLK_DB_PHASE_PREFLIGHT) && saw(&r, OLK_DB_PHASE_COPY));
    CHECK(!saw(&r, OLK_DB_PHASE_INDEX) && !saw(&r, OLK_DB_PHASE_SWAP));
    CHECK(contains(json, "\"outcome\":\"cancelled\""));
    CHECK(contains(json, "\"phase\":\"copy\""));
    olk_string_free(json);
    CHECK(file_is(path, original));
    info = status_of(path, NULL);
    CHECK(info.state == OLK_DB_STATE_NEEDS_UPGRADE && info.leftovers == 0);

    /* The upgrade, every report recorded. */
    r = new_recorder(0);
    memset(&outcome, 0, sizeof outcome);
    outcome.struct_size = sizeof outcome;
    json = NULL;
    CHECK_STATUS(olk_db_migrate(path, NULL, record, &r, &outcome, &json), OLK_OK);
    CHECK(outcome.outcome == OLK_DB_OUTCOME_UPGRADED);
    CHECK(outcome.from_format == 1 && outcome.to_format == 2);
    CHECK(outcome.old_bytes == original.len && outcome.new_bytes > 0);
    CHECK(outcome.rows >= fixture_rows("messages") + fixture_rows("pending_changes"));
    CHECK(outcome.cancelled_phase == 0 && outcome.salvaged_rows == 0);
    CHECK(r.calls >= 6 && r.sizes_right && r.in_order && r.within_totals && r.copies_named);
    CHECK(saw(&r, OLK_DB_PHASE_PREFLIGHT) && saw(&r, OLK_DB_PHASE_COPY) &&
          saw(&r, OLK_DB_PHASE_INDEX) && saw(&r, OLK_DB_PHASE_VERIFY) &&
          saw(&r, OLK_DB_PHASE_SYNC) && saw(&r, OLK_DB_PHASE_SWAP));
    CHECK(!saw(&r, OLK_DB_PHASE_REBUILD));
    CHECK(r.last_phase == OLK_DB_PHASE_SWAP);
    CHECK(contains(json, "\"outcome\":\"upgraded\""));
    snprintf(needle, sizeof needle, "{\"table\":\"messages\",\"rows\":%llu}",
             (unsigned long long)fixture_rows("messages"));
    CHECK(contains(json, needle));
    snprintf(needle, sizeof needle, "{\"table\":\"pending_changes\",\"rows\":%llu}",
             (unsigned long long)fixture_rows("pending_changes"));
    CHECK(contains(json, needle));
    olk_string_free(json);

    info = status_of(path, NULL);
    CHECK(info.state == OLK_DB_STATE_UP_TO_DATE && info.format == 2 && info.leftovers == 0);
    CHECK(info.size_bytes == outcome.new_bytes);

    /* Again: nothing to do. No callback, no JSON wanted. */
    memset(&outcome, 0, sizeof outcome);
    outcome.struct_size = sizeof outcome;
    CHECK_STATUS(olk_db_migrate(path, NULL, NULL, NULL, &outcome, NULL), OLK_OK);
    CHECK(outcome.outcome == OLK_DB_OUTCOME_UP_TO_DATE);
    CHECK(outcome.from_format == 2 && outcome.to_format == 2 && outcome.rows == 0);

    /* The upgraded database passes both checks. */
    json = NULL;
    CHECK_STATUS(olk_db_check(path, 0, &json, &ok), OLK_OK);
    CHECK(ok == 1);
    CHECK(contains(json, "\"problems\":[]"));
    CHECK(contains(json, "\"state\":\"up_to_date\""));
    CHECK(contains(json, needle));
    olk_string_free(json);
    ok = 9;
    CHECK_STATUS(olk_db_check(path, 1, NULL, &ok), OLK_OK);
    CHECK(ok == 1);
    bytes_free(original);
}

static void test_insufficient_space(void) {
    const char *path = "db-space.db";
    const char *marker = "db-space.marker";
    bytes original = read_fixture_bytes("koc1.db");
    olk_db_options options = default_options();
    olk_db_outcome outcome;
    olk_db_status_info info;
    char *json = NULL;

    copy_fixture("koc1.db", path);
    remove(marker);
    options.scheduled_marker = marker;
    options.space_margin = UINT64_MAX / 4; /* more than any disk has */
    memset(&outcome, 0, sizeof outcome);
    outcome.struct_size = sizeof outcome;
    CHECK_STATUS(olk_db_migrate(path, &options, NULL, NULL, &outcome, &json), OLK_OK);
    CHECK(outcome.outcome == OLK_DB_OUTCOME_INSUFFICIENT_SPACE);
    CHECK(outcome.needed_bytes == 2 * (uint64_t)original.len + options.space_margin);
    CHECK(outcome.available_bytes < outcome.needed_bytes);
    CHECK(contains(json, "\"outcome\":\"insufficient_space\""));
    CHECK(contains(json, "\"marker\":\"db-space.marker\""));
    olk_string_free(json);
    CHECK(file_is(path, original));
    CHECK(file_exists(marker));

    /* The next start sees the schedule. */
    info = status_of(path, &options);
    CHECK(info.state == OLK_DB_STATE_NEEDS_UPGRADE);
    CHECK(info.scheduled == 1);
    CHECK(info.scheduled_needed_bytes == outcome.needed_bytes);
    CHECK(info.scheduled_available_bytes == outcome.available_bytes);
    /* Not beside the database: the default marker is elsewhere. */
    info = status_of(path, NULL);
    CHECK(info.scheduled == 0);

    /* With room, the upgrade runs and clears the marker. */
    options.space_margin = 0;
    CHECK_STATUS(olk_db_migrate(path, &options, NULL, NULL, &outcome, NULL), OLK_OK);
    CHECK(outcome.outcome == OLK_DB_OUTCOME_UPGRADED);
    CHECK(!file_exists(marker));
    info = status_of(path, &options);
    CHECK(info.scheduled == 0 && info.state == OLK_DB_STATE_UP_TO_DATE);
    bytes_free(original);
}

static void test_rebuild(void) {
    const char *path = "db-corrupt.db";
    bytes damaged = read_fixture_bytes("corrupt.db");
    recorder r = new_recorder(0);
    olk_db_outcome outcome;
    olk_db_status_info info;
    uint64_t pending = fixture_rows("pending_changes");
    char *json = NULL;
    char needle[96];
    uint8_t ok = 9;

    copy_fixture("corrupt.db", path);
    remove("db-corrupt.db.pre-rebuild");
    /* The check finds the damage. */
    CHECK_STATUS(olk_db_check(path, 0, &json, &ok), OLK_OK);
    CHECK(ok == 0);
    CHECK(contains(json, "quick_check"));
    olk_string_free(json);

    memset(&outcome, 0, sizeof outcome);
    outcome.struct_size = sizeof outcome;
    json = NULL;
    CHECK_STATUS(olk_db_migrate(path, NULL, record, &r, &outcome, &json), OLK_OK);
    CHECK(outcome.outcome == OLK_DB_OUTCOME_REBUILT);
    CHECK(outcome.to_format == 2);
    /* Every pending change was salvaged: none is on a damaged page. */
    CHECK(outcome.salvaged_rows >= pending && pending > 0);
    CHECK(saw(&r, OLK_DB_PHASE_REBUILD));
    CHECK(contains(json, "\"outcome\":\"rebuilt\""));
    CHECK(contains(json, "\"reason\":\""));
    CHECK(contains(json, "\"set_aside\":\"db-corrupt.db.pre-rebuild\""));
    snprintf(needle, sizeof needle, "{\"table\":\"pending_changes\",\"rows\":%llu}",
             (unsigned long long)pending);
    CHECK(contains(json, needle));
    olk_string_free(json);
    /* The old file is kept aside, unchanged; the new one is sound. */
    CHECK(file_is("db-corrupt.db.pre-rebuild", damaged));
    info = status_of(path, NULL);
    CHECK(info.state == OLK_DB_STATE_UP_TO_DATE && info.format == 2);
    CHECK_STATUS(olk_db_check(path, 1, NULL, &ok), OLK_OK);
    CHECK(ok == 1);
    bytes_free(damaged);
}

static void test_refused(void) {
    bytes other = read_fixture_bytes("other.db");
    bytes newer = read_fixture_bytes("newer.db");
    olk_db_status_info info;
    olk_db_outcome outcome;
    char *json = NULL;
    uint8_t ok = 9;

    /* Another application's database: reported, never touched. */
    copy_fixture("other.db", "db-other.db");
    info = status_of("db-other.db", NULL);
    CHECK(info.state == OLK_DB_STATE_NOT_OURS);
    CHECK(info.application_id == OTHER_APPLICATION_ID && info.format == 0);
    memset(&outcome, 0x77, sizeof outcome);
    outcome.struct_size = sizeof outcome;
    json = NULL;
    CHECK_STATUS(olk_db_migrate("db-other.db", NULL, NULL, NULL, &outcome, &json),
                 OLK_DB_NOT_OURS);
    CHECK(check_last_error_contains("db-other.db"));
    CHECK(check_last_error_contains("application_id 0x12345678"));
    CHECK(outcome.outcome == 0x77777777u && json == NULL); /* outputs untouched */
    CHECK(file_is("db-other.db", other));
    CHECK_STATUS(olk_db_check("db-other.db", 0, NULL, &ok), OLK_OK);
    CHECK(ok == 0);

    /* A newer format. */
    copy_fixture("newer.db", "db-newer.db");
    info = status_of("db-newer.db", NULL);
    CHECK(info.state == OLK_DB_STATE_NEWER && info.format == 3 && info.current_format == 2);
    CHECK_STATUS(olk_db_migrate("db-newer.db", NULL, NULL, NULL, &outcome, NULL), OLK_DB_NEWER);
    CHECK(check_last_error_contains("format 3 is newer"));
    CHECK(file_is("db-newer.db", newer));

    /* Not a database: unreadable, and the JSON says why. */
    info = status_of(fixture("garbage.db"), NULL);
    CHECK(info.state == OLK_DB_STATE_UNREADABLE && info.format == 0 && info.application_id == 0);
    CHECK_STATUS(olk_db_status_json(fixture("garbage.db"), NULL, &json), OLK_OK);
    CHECK(contains(json, "\"state\":\"unreadable\""));
    CHECK(contains(json, "\"reason\":\""));
    CHECK(contains(json, "not a database"));
    olk_string_free(json);

    /* Missing. */
    CHECK_STATUS(olk_db_status("db-missing.db", NULL, &info), OLK_IO);
    CHECK(check_last_error_contains("db-missing.db"));
    CHECK_STATUS(olk_db_migrate("db-missing.db", NULL, NULL, NULL, &outcome, NULL), OLK_IO);
    CHECK_STATUS(olk_db_check("db-missing.db", 0, NULL, &ok), OLK_IO);
    CHECK(!file_exists("db-missing.db"));
    bytes_free(other);
    bytes_free(newer);
}

static void test_busy(void) {
    const char *path = "db-busy.db";
    bytes original = read_fixture_bytes("koc1.db");
    olk_db_outcome outcome;
    int fd;

    copy_fixture("koc1.db", path);
    /* Someone else holds the migration lock (olkit locks NAME.olkit-lock). */
    fd = open("db-busy.db.olkit-lock", O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0);
    memset(&outcome, 0, sizeof outcome);
    outcome.struct_size = sizeof outcome;
    CHECK_STATUS(olk_db_migrate(path, NULL, NULL, NULL, &outcome, NULL), OLK_DB_BUSY);
    CHECK(check_last_error_contains("another migration"));
    CHECK(file_is(path, original));
    /* Released: the upgrade runs. */
    CHECK(flock(fd, LOCK_UN) == 0 && close(fd) == 0);
    CHECK_STATUS(olk_db_migrate(path, NULL, NULL, NULL, &outcome, NULL), OLK_OK);
    CHECK(outcome.outcome == OLK_DB_OUTCOME_UPGRADED);
    bytes_free(original);
}

static void test_arguments(void) {
    const char *path = "db-arguments.db";
    bytes original = read_fixture_bytes("koc1.db");
    olk_db_options options = default_options();
    olk_db_status_info info;
    olk_db_outcome outcome;
    char *json = NULL;
    uint8_t ok = 9;

    copy_fixture("koc1.db", path);
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    memset(&outcome, 0, sizeof outcome);
    outcome.struct_size = sizeof outcome;

    CHECK_NULL_ARG(olk_db_status(NULL, NULL, &info), "path");
    CHECK_NULL_ARG(olk_db_status(path, NULL, NULL), "out");
    CHECK_BAD_UTF8_ARG(olk_db_status(BAD_UTF8, NULL, &info), "path");
    CHECK_NULL_ARG(olk_db_status_json(NULL, NULL, &json), "path");
    CHECK_NULL_ARG(olk_db_status_json(path, NULL, NULL), "out");
    CHECK_NULL_ARG(olk_db_migrate(NULL, NULL, NULL, NULL, &outcome, NULL), "path");
    CHECK_NULL_ARG(olk_db_migrate(path, NULL, NULL, NULL, NULL, &json), "out");
    CHECK_BAD_UTF8_ARG(olk_db_migrate(BAD_UTF8, NULL, NULL, NULL, &outcome, NULL), "path");
    CHECK_NULL_ARG(olk_db_check(NULL, 0, &json, &ok), "path");
    CHECK_NULL_ARG(olk_db_check(path, 0, &json, NULL), "ok");
    CHECK(json == NULL);

    /* Structs too small (an older or wrong header). */
    options.struct_size = 4;
    CHECK_STATUS(olk_db_status(path, &options, &info), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("argument `options`: struct_size is 4"));
    CHECK_STATUS(olk_db_migrate(path, &options, NULL, NULL, &outcome, NULL), OLK_INVALID_ARGUMENT);
    options = default_options();
    info.struct_size = sizeof info - 1;
    info.state = 0x55;
    CHECK_STATUS(olk_db_status(path, &options, &info), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("sizeof(olk_db_status_info)"));
    CHECK(info.state == 0x55 && info.struct_size == sizeof info - 1); /* not written */
    outcome.struct_size = 0;
    CHECK_STATUS(olk_db_migrate(path, &options, NULL, NULL, &outcome, NULL), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("sizeof(olk_db_outcome)"));
    outcome.struct_size = sizeof outcome;

    /* Flags that are neither 0 nor 1, a marker that is not UTF-8. */
    options.full_check = 2;
    CHECK_STATUS(olk_db_migrate(path, &options, NULL, NULL, &outcome, NULL), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("options.full_check"));
    options = default_options();
    options.scheduled_marker = BAD_UTF8;
    CHECK_BAD_UTF8_ARG(olk_db_migrate(path, &options, NULL, NULL, &outcome, NULL),
                       "options.scheduled_marker");
    CHECK_STATUS(olk_db_check(path, 2, NULL, &ok), OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("argument `full`"));
    CHECK(ok == 9);
    /* None of this touched the database. */
    CHECK(file_is(path, original));

    /* A bigger struct (a newer header) is fine: olkit says what it filled. */
    {
        struct {
            olk_db_outcome outcome;
            uint64_t future[4];
        } bigger;
        memset(&bigger, 0, sizeof bigger);
        bigger.outcome.struct_size = sizeof bigger;
        options.scheduled_marker = NULL;
        options.full_check = 1;
        CHECK_STATUS(olk_db_migrate(path, &options, NULL, NULL, &bigger.outcome, NULL), OLK_OK);
        CHECK(bigger.outcome.outcome == OLK_DB_OUTCOME_UPGRADED);
        CHECK(bigger.outcome.struct_size == sizeof(olk_db_outcome));
        CHECK(bigger.future[0] == 0 && bigger.future[3] == 0);
    }
    bytes_free(original);
}

int main(void) {
    test_codes_and_enums();
    test_status();
    test_upgrade();
    test_insufficient_space();
    test_rebuild();
    test_refused();
    test_busy();
    test_arguments();
    return check_summary();
}
