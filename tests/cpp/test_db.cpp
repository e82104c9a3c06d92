// olkit::db_status, db_status_json, db_migrate and db_check (olkit.hpp over
// olk_db_*, the KOC cache database) from C++17, on the fixtures
// ffi/tests/languages.rs makes for each run ($OLKIT_DB_FIXTURES: koc1.db in
// format 1, counts.txt, corrupt.db, other.db, newer.db, garbage.db), copied
// into the working directory first: status before and after, the upgrade
// with a std::function callback that records phases and rows, a second
// migration, a cancel at the first copy report (the file as it was), an
// exception thrown by the callback (a cancel, rethrown), insufficient space
// and the scheduled marker, a damaged cache rebuilt with its pending
// changes, checks, refusals (another application, a newer format, a
// missing file, a held lock) and invalid arguments. Built and run,
// natively and under valgrind.
#include "olkit.hpp"

#include "check.hpp"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace {

constexpr std::int32_t KOC_APPLICATION_ID = 0x4B4F4646;
constexpr std::int32_t OTHER_APPLICATION_ID = 0x12345678;

std::string fixture(const std::string &name) { return env_path("OLKIT_DB_FIXTURES", name); }

void write_file(const std::string &path, const Bytes &data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(data.data()), static_cast<std::streamsize>(data.size()));
}

// Copies fixture `name` to `path` in the working directory; returns its bytes.
Bytes copy_fixture(const std::string &name, const std::string &path) {
    const Bytes data = read_file(fixture(name));
    CHECK(!data.empty());
    write_file(path, data);
    return data;
}

bool file_exists(const std::string &path) { return std::ifstream(path).good(); }

// The rows of `table` in counts.txt ("TABLE ROWS" lines); 0 if absent.
std::uint64_t fixture_rows(const std::string &table) {
    const Bytes counts = read_file(fixture("counts.txt"));
    std::istringstream lines(std::string(counts.begin(), counts.end()));
    std::string name;
    std::uint64_t rows = 0;
    while (lines >> name >> rows) {
        if (name == table) {
            return rows;
        }
    }
    std::fprintf(stderr, "    no rows of %s in counts.txt\n", table.c_str());
    return 0;
}

std::string table_rows(const std::string &table, std::uint64_t rows) {
    return "{\"table\":\"" + table + "\",\"rows\":" + std::to_string(rows) + "}";
}

// What the progress callback saw.
struct Recorder {
    std::vector<std::uint32_t> phases; // each phase once, in the order first seen
    std::vector<std::string> tables;   // the tables of the COPY reports, once each
    bool in_order = true;              // phases never went back, rows never shrank
    bool within_totals = true;         // items_done <= items_total while copying
    std::uint32_t last_phase = 0;
    std::uint64_t last_items = 0;
    int calls = 0;

    olkit::ProgressCallback callback(std::uint32_t cancel_in = 0) {
        return [this, cancel_in](const olkit::Progress &p) {
            calls++;
            in_order = in_order && p.phase >= last_phase && p.items_done >= last_items;
            last_phase = p.phase;
            last_items = p.items_done;
            if (phases.empty() || phases.back() != p.phase) {
                phases.push_back(p.phase);
            }
            if (p.phase == OLK_DB_PHASE_COPY) {
                within_totals = within_totals && p.item && p.items_done <= p.items_total &&
                                p.items_total > 0 && p.bytes_total > 0;
                if (p.item && (tables.empty() || tables.back() != *p.item)) {
                    tables.push_back(*p.item);
                }
            }
            return p.phase == cancel_in ? olkit::Control::Cancel : olkit::Control::Continue;
        };
    }
};

void test_codes() {
    CHECK(OLK_DB_NOT_OURS == 5000 && OLK_DB_FAILED == 5004);
    CHECK(olkit::status_str(OLK_DB_BUSY) != "unknown status");
    CHECK(olkit::status_str(5005) == "unknown status");
}

void test_status() {
    const Bytes original = copy_fixture("koc1.db", "dbpp-status.db");
    const olkit::DbStatus status = olkit::db_status("dbpp-status.db");
    CHECK(status.state == OLK_DB_STATE_NEEDS_UPGRADE);
    CHECK(status.format == 1 && status.current_format == 2);
    CHECK(status.application_id == KOC_APPLICATION_ID);
    CHECK(status.size_bytes == original.size());
    CHECK(status.space_needed_bytes == 2 * original.size());
    CHECK(!status.scheduled && status.leftovers == 0);
    olkit::DbOptions options;
    options.space_margin = 4096;
    CHECK(olkit::db_status("dbpp-status.db", options).space_needed_bytes ==
          2 * original.size() + 4096);
    const std::string json = olkit::db_status_json("dbpp-status.db");
    CHECK(contains(json, "\"state\":\"needs_upgrade\""));
    CHECK(contains(json, "\"from\":1,\"to\":2"));
    CHECK(read_file("dbpp-status.db") == original);
}

void test_upgrade() {
    const std::string path = "dbpp-upgrade.db";
    const Bytes original = copy_fixture("koc1.db", path);

    // Cancelled at the first copy report.
    Recorder cancelled;
    olkit::DbOutcome outcome =
        olkit::db_migrate(path, olkit::DbOptions(), cancelled.callback(OLK_DB_PHASE_COPY));
    CHECK(outcome.outcome == OLK_DB_OUTCOME_CANCELLED);
    CHECK(outcome.cancelled_phase == OLK_DB_PHASE_COPY);
    CHECK(contains(outcome.json, "\"outcome\":\"cancelled\""));
    CHECK((cancelled.phases == std::vector<std::uint32_t>{OLK_DB_PHASE_PREFLIGHT, OLK_DB_PHASE_COPY}));
    CHECK(read_file(path) == original);

    // An exception from the callback cancels too, and comes back out here.
    try {
        olkit::db_migrate(path, olkit::DbOptions(), [](const olkit::Progress &p) {
            if (p.phase == OLK_DB_PHASE_COPY) {
                throw std::logic_error("stop copying");
            }
            return olkit::Control::Continue;
        });
        CHECK(false);
    } catch (const std::logic_error &e) {
        CHECK(std::string(e.what()) == "stop copying");
    }
    CHECK(read_file(path) == original);
    CHECK(olkit::db_status(path).leftovers == 0);

    // The upgrade.
    Recorder r;
    outcome = olkit::db_migrate(path, olkit::DbOptions(), r.callback());
    CHECK(outcome.outcome == OLK_DB_OUTCOME_UPGRADED);
    CHECK(outcome.from_format == 1 && outcome.to_format == 2);
    CHECK(outcome.old_bytes == original.size() && outcome.new_bytes > 0);
    CHECK(outcome.rows >= fixture_rows("messages") + fixture_rows("pending_changes"));
    CHECK(r.in_order && r.within_totals);
    CHECK((r.phases == std::vector<std::uint32_t>{
                           OLK_DB_PHASE_PREFLIGHT, OLK_DB_PHASE_COPY, OLK_DB_PHASE_INDEX,
                           OLK_DB_PHASE_VERIFY, OLK_DB_PHASE_SYNC, OLK_DB_PHASE_SWAP}));
    bool copied_messages = false;
    for (const std::string &table : r.tables) {
        copied_messages = copied_messages || table == "messages";
    }
    CHECK(copied_messages);
    CHECK(contains(outcome.json, table_rows("messages", fixture_rows("messages"))));
    CHECK(contains(outcome.json,
                   table_rows("pending_changes", fixture_rows("pending_changes"))));

    const olkit::DbStatus after = olkit::db_status(path);
    CHECK(after.state == OLK_DB_STATE_UP_TO_DATE && after.format == 2);
    CHECK(after.size_bytes == outcome.new_bytes);
    // Again: nothing to do.
    outcome = olkit::db_migrate(path);
    CHECK(outcome.outcome == OLK_DB_OUTCOME_UP_TO_DATE && outcome.to_format == 2);
    CHECK(contains(outcome.json, "\"outcome\":\"up_to_date\""));
    const olkit::DbCheck check = olkit::db_check(path, true);
    CHECK(check.ok);
    CHECK(contains(check.json, "\"problems\":[]"));
}

void test_insufficient_space() {
    const std::string path = "dbpp-space.db";
    const Bytes original = copy_fixture("koc1.db", path);
    std::remove("dbpp-space.marker");
    olkit::DbOptions options;
    options.scheduled_marker = "dbpp-space.marker";
    options.space_margin = UINT64_MAX / 4;
    olkit::DbOutcome outcome = olkit::db_migrate(path, options);
    CHECK(outcome.outcome == OLK_DB_OUTCOME_INSUFFICIENT_SPACE);
    CHECK(outcome.needed_bytes == 2 * original.size() + options.space_margin);
    CHECK(outcome.available_bytes < outcome.needed_bytes);
    CHECK(contains(outcome.json, "\"marker\":\"dbpp-space.marker\""));
    CHECK(read_file(path) == original);
    const olkit::DbStatus status = olkit::db_status(path, options);
    CHECK(status.scheduled && status.scheduled_needed_bytes == outcome.needed_bytes);
    options.space_margin = 0;
    outcome = olkit::db_migrate(path, options);
    CHECK(outcome.outcome == OLK_DB_OUTCOME_UPGRADED);
    CHECK(!file_exists("dbpp-space.marker"));
    CHECK(!olkit::db_status(path, options).scheduled);
}

void test_rebuild() {
    const std::string path = "dbpp-corrupt.db";
    const Bytes damaged = copy_fixture("corrupt.db", path);
    std::remove("dbpp-corrupt.db.pre-rebuild");
    CHECK(!olkit::db_check(path).ok);
    Recorder r;
    const olkit::DbOutcome outcome = olkit::db_migrate(path, olkit::DbOptions(), r.callback());
    CHECK(outcome.outcome == OLK_DB_OUTCOME_REBUILT);
    const std::uint64_t pending = fixture_rows("pending_changes");
    CHECK(pending > 0 && outcome.salvaged_rows >= pending);
    CHECK(!r.phases.empty() && r.phases.back() == OLK_DB_PHASE_REBUILD);
    CHECK(contains(outcome.json, "\"set_aside\":\"dbpp-corrupt.db.pre-rebuild\""));
    CHECK(contains(outcome.json, table_rows("pending_changes", pending)));
    CHECK(read_file("dbpp-corrupt.db.pre-rebuild") == damaged);
    CHECK(olkit::db_status(path).state == OLK_DB_STATE_UP_TO_DATE);
    CHECK(olkit::db_check(path).ok);
}

void test_refused() {
    const Bytes other = copy_fixture("other.db", "dbpp-other.db");
    const olkit::DbStatus status = olkit::db_status("dbpp-other.db");
    CHECK(status.state == OLK_DB_STATE_NOT_OURS && status.application_id == OTHER_APPLICATION_ID);
    CHECK_THROWS(olkit::db_migrate("dbpp-other.db"), OLK_DB_NOT_OURS, "application_id 0x12345678");
    CHECK(read_file("dbpp-other.db") == other);
    CHECK(!olkit::db_check("dbpp-other.db").ok);

    copy_fixture("newer.db", "dbpp-newer.db");
    CHECK(olkit::db_status("dbpp-newer.db").state == OLK_DB_STATE_NEWER);
    CHECK_THROWS(olkit::db_migrate("dbpp-newer.db"), OLK_DB_NEWER, "format 3 is newer");

    CHECK(olkit::db_status(fixture("garbage.db")).state == OLK_DB_STATE_UNREADABLE);
    CHECK(contains(olkit::db_status_json(fixture("garbage.db")), "\"reason\":\""));

    CHECK_THROWS(olkit::db_status("dbpp-missing.db"), OLK_IO, "dbpp-missing.db");
    CHECK_THROWS(olkit::db_migrate("dbpp-missing.db"), OLK_IO, "dbpp-missing.db");
    CHECK_THROWS(olkit::db_check("dbpp-missing.db"), OLK_IO, "dbpp-missing.db");

    // Someone else holds the migration lock.
    const Bytes original = copy_fixture("koc1.db", "dbpp-busy.db");
    const int fd = open("dbpp-busy.db.olkit-lock", O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0);
    CHECK_THROWS(olkit::db_migrate("dbpp-busy.db"), OLK_DB_BUSY, "another migration");
    CHECK(read_file("dbpp-busy.db") == original);
    CHECK(flock(fd, LOCK_UN) == 0 && close(fd) == 0);
    CHECK(olkit::db_migrate("dbpp-busy.db").outcome == OLK_DB_OUTCOME_UPGRADED);
}

void test_arguments() {
    copy_fixture("koc1.db", "dbpp-arguments.db");
    CHECK_THROWS(olkit::db_status(BAD_UTF8), OLK_INVALID_UTF8, "argument `path`");
    CHECK_THROWS(olkit::db_migrate(std::string("a\0b", 3)), OLK_EMBEDDED_NUL, "NUL");
    olkit::DbOptions options;
    options.scheduled_marker = BAD_UTF8;
    CHECK_THROWS(olkit::db_migrate("dbpp-arguments.db", options), OLK_INVALID_UTF8,
                 "options.scheduled_marker");
    options.scheduled_marker = std::string("m\0", 2);
    CHECK_THROWS(olkit::db_status("dbpp-arguments.db", options), OLK_EMBEDDED_NUL, "NUL");
    // Through the C functions: NULLs and sizes the wrapper never passes.
    olk_db_outcome raw{};
    raw.struct_size = 8;
    CHECK_STATUS(olk_db_migrate("dbpp-arguments.db", nullptr, nullptr, nullptr, &raw, nullptr),
                 OLK_INVALID_ARGUMENT);
    CHECK_STATUS(olk_db_migrate(nullptr, nullptr, nullptr, nullptr, &raw, nullptr),
                 OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_db_check("dbpp-arguments.db", 0, nullptr, nullptr), OLK_NULL_ARGUMENT);
    CHECK(olkit::db_status("dbpp-arguments.db").state == OLK_DB_STATE_NEEDS_UPGRADE);
}

} // namespace

int main() {
    return run_tests({
        {test_codes, "codes"},
        {test_status, "status"},
        {test_upgrade, "upgrade"},
        {test_insufficient_space, "insufficient_space"},
        {test_rebuild, "rebuild"},
        {test_refused, "refused"},
        {test_arguments, "arguments"},
    });
}
