// olkit::ProfileSet, profile_plan and ProfileConversion (olkit.hpp over
// olk_profile_*, KOC to KOFF profile conversion) from C++17, on the
// fixtures ffi/tests/languages.rs copies for each run from
// crates/profile-convert/tests/fixtures ($OLKIT_PROFILE_FIXTURES:
// kerio-one-user.reg with the KOC profile "Kerio" on mail.example.com,
// two-users-both-roots.reg, koc.prf): the set's counts and JSON, plans with
// std::function probes answering reachable, unreachable and too old (asked
// about the KOC profile's server), an exception thrown by the probe (a
// cancel, rethrown), the conversion (converted bytes that differ, an undo
// export that olkit::RegFile reads, "already KOFF" on the converted
// export), scope options, caller rules good and bad (OLK_PROFILE_RULES
// with its line), a .prf conversion, and NULLs and sizes through the C
// functions. Built and run, natively and under valgrind.
#include "olkit.hpp"

#include "check.hpp"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

const std::string SID_A = "S-1-5-21-1004336348-1177238915-682003330-1001";
const std::string SID_B = "S-1-5-21-1004336348-1177238915-682003330-1002";

Bytes fixture(const std::string &name) {
    const Bytes data = read_file(env_path("OLKIT_PROFILE_FIXTURES", name));
    CHECK(!data.empty());
    return data;
}

// A probe that records its queries and answers `version`.
struct Recorder {
    std::vector<olkit::ServerQuery> queries;
    std::optional<std::string> version;

    olkit::ServerProbe probe() {
        return [this](const olkit::ServerQuery &q) {
            queries.push_back(q);
            return version;
        };
    }
};

void test_types() {
    CHECK(OLK_PROFILE_SYNTAX == 4000 && OLK_PROFILE_FAILED == 4003);
    CHECK(olkit::status_str(OLK_PROFILE_TOO_LARGE) != "unknown status");
    CHECK(is_move_only_v<olkit::ProfileSet>);
    CHECK(is_move_only_v<olkit::ProfileConversion>);
}

void test_set() {
    const olkit::ProfileSet set = olkit::ProfileSet::parse(fixture("kerio-one-user.reg"));
    CHECK(set.count() == 2);
    const std::string json = set.list_json();
    for (const char *key : {"\"kind\":\"reg\"", "\"users\":[", "\"profiles\":[", "\"services\":[",
                            "\"accounts\":[", "\"issues\":[", "\"name\":\"KERIO_KOC\""}) {
        CHECK(contains(json, key));
    }
    CHECK(json.find("Password") == std::string::npos);

    const olkit::ProfileSet two = olkit::ProfileSet::parse(fixture("two-users-both-roots.reg"));
    CHECK(two.count() == 2);
    CHECK(contains(two.list_json(), "\"sid\":\"" + SID_B + "\""));

    const olkit::ProfileSet prf = olkit::ProfileSet::parse(fixture("koc.prf"));
    CHECK(prf.count() == 1);
    CHECK(contains(prf.list_json(), "\"kind\":\"prf\""));

    CHECK_THROWS(olkit::ProfileSet::parse(bytes_of("hello\n")), OLK_PROFILE_SYNTAX,
                 "neither a .reg export");
}

void test_plan() {
    const Bytes reg = fixture("kerio-one-user.reg");
    Recorder r;
    r.version = "7.4.1";
    std::string plan = olkit::profile_plan(reg, olkit::ProfileOptions(), r.probe());
    CHECK(r.queries.size() == 1);
    if (!r.queries.empty()) {
        const olkit::ServerQuery &q = r.queries.front();
        CHECK(q.server == std::optional<std::string>("mail.example.com"));
        CHECK(q.profile == "Kerio" && q.user == "HKEY_CURRENT_USER");
    }
    CHECK(contains(plan, "\"outcome\":\"converted\""));
    CHECK(contains(plan, "\"server_configured\":true"));

    Recorder down;
    plan = olkit::profile_plan(reg, olkit::ProfileOptions(), down.probe());
    CHECK(down.queries.size() == 1);
    CHECK(contains(plan, "\"server_configured\":false"));
    CHECK(contains(olkit::profile_plan(reg), "\"server_configured\":false"));

    Recorder old;
    old.version = "6.0.0";
    plan = olkit::profile_plan(reg, olkit::ProfileOptions(), old.probe());
    CHECK(contains(plan, "\"outcome\":\"blocked\""));

    // An exception from the probe cancels, and comes back out here.
    try {
        olkit::profile_plan(reg, olkit::ProfileOptions(),
                            [](const olkit::ServerQuery &) -> std::optional<std::string> {
                                throw std::logic_error("no network here");
                            });
        CHECK(false);
    } catch (const std::logic_error &e) {
        CHECK(std::string(e.what()) == "no network here");
    }
    try {
        olkit::ProfileConversion::convert(reg, olkit::ProfileOptions(),
                                          [](const olkit::ServerQuery &) {
                                              return std::optional<std::string>(std::string(100, '7'));
                                          });
        CHECK(false);
    } catch (const olkit::Error &e) {
        CHECK(e.status() == OLK_INVALID_ARGUMENT);
        CHECK(contains(e.what(), "does not fit"));
    }
}

void test_convert() {
    const Bytes reg = fixture("kerio-one-user.reg");
    Recorder r;
    r.version = "7.4.1";
    const olkit::ProfileConversion conv =
        olkit::ProfileConversion::convert(reg, olkit::ProfileOptions(), r.probe());
    CHECK(r.queries.size() == 1);
    olkit::ProfileCounts counts = conv.counts();
    CHECK(counts.converted == 1 && counts.blocked == 0 && counts.already == 0);
    const Bytes converted = conv.converted();
    CHECK(!converted.empty() && converted != reg);
    // The undo export is a .reg file.
    const olkit::RegFile undo = olkit::RegFile::parse(conv.undo());
    CHECK(undo.format() == OLK_REG_FORMAT_REGEDIT5);
    CHECK(contains(conv.report_json(), "\"outcome\":\"converted\""));
    CHECK(contains(conv.report_text(), "Kerio"));
    CHECK(contains(olkit::ProfileSet::parse(converted).list_json(), "KERIO_KOFF"));

    // Again: already KOFF, nothing changes.
    Recorder again;
    const olkit::ProfileConversion twice =
        olkit::ProfileConversion::convert(converted, olkit::ProfileOptions(), again.probe());
    counts = twice.counts();
    CHECK(counts.converted == 0 && counts.already == 1 && again.queries.empty());
    CHECK(twice.converted() == converted);
    CHECK(contains(twice.report_json(), "\"outcome\":\"already_koff\""));

    // Blocked: the input back as it was.
    Recorder old;
    old.version = "6.4.0";
    const olkit::ProfileConversion blocked =
        olkit::ProfileConversion::convert(reg, olkit::ProfileOptions(), old.probe());
    CHECK(blocked.counts().blocked == 1 && blocked.converted() == reg);
}

void test_scope_and_rules() {
    const Bytes reg = fixture("kerio-one-user.reg");
    olkit::ProfileOptions options;
    options.profiles = {"Outlook"};
    CHECK(olkit::ProfileConversion::convert(reg, options).counts().converted == 0);
    options.profiles = {"Kerio"};
    CHECK(olkit::ProfileConversion::convert(reg, options).counts().converted == 1);
    options = olkit::ProfileOptions();
    options.default_only = true;
    CHECK(olkit::ProfileConversion::convert(reg, options).counts().converted == 1);
    options.profiles = {"Kerio"};
    CHECK_THROWS(olkit::ProfileConversion::convert(reg, options), OLK_INVALID_ARGUMENT,
                 "default_only");

    const Bytes two = fixture("two-users-both-roots.reg");
    options = olkit::ProfileOptions();
    options.user = SID_B;
    CHECK(olkit::ProfileConversion::convert(two, options).counts().converted == 0);
    options.user = SID_A;
    Recorder r;
    CHECK(olkit::ProfileConversion::convert(two, options, r.probe()).counts().converted == 1);
    CHECK(r.queries.size() == 1 && r.queries.front().user == "HKEY_USERS\\" + SID_A);
    options.user = BAD_UTF8;
    CHECK_THROWS(olkit::profile_plan(two, options), OLK_INVALID_UTF8, "options.user");
    options.user = std::string("a\0b", 3);
    CHECK_THROWS(olkit::profile_plan(two, options), OLK_EMBEDDED_NUL, "NUL");

    options = olkit::ProfileOptions();
    options.rules = read_file(source_path("crates/profile-convert/rules/koc-to-koff.ini"));
    CHECK(!options.rules->empty());
    CHECK(olkit::ProfileConversion::convert(reg, options).counts().converted == 1);
    options.rules = bytes_of("[Rules]\nFormat=1\nNoSuchKey=1\n");
    CHECK_THROWS(olkit::ProfileConversion::convert(reg, options), OLK_PROFILE_RULES, "line 3");
    CHECK_THROWS(olkit::profile_plan(reg, options), OLK_PROFILE_RULES, "options.rules");
}

void test_prf() {
    const Bytes prf = fixture("koc.prf");
    Recorder r;
    r.version = "7.0.0";
    const olkit::ProfileConversion conv =
        olkit::ProfileConversion::convert(prf, olkit::ProfileOptions(), r.probe());
    CHECK(r.queries.size() == 1);
    if (!r.queries.empty()) {
        CHECK(r.queries.front().server == std::optional<std::string>("mail.kerio.example"));
        CHECK(r.queries.front().ssl == std::optional<bool>(true));
    }
    CHECK(conv.counts().converted == 1);
    CHECK(conv.converted() != prf);
    CHECK(contains(conv.report_json(), "\"kind\":\"prf\""));
}

void test_arguments() {
    const Bytes reg = fixture("kerio-one-user.reg");
    olk_profile_options raw{};
    raw.struct_size = 4;
    char *json = nullptr;
    CHECK_STATUS(olk_profile_plan(reg.data(), reg.size(), &raw, nullptr, nullptr, &json),
                 OLK_INVALID_ARGUMENT);
    CHECK(check_last_error_contains("sizeof(olk_profile_options)"));
    CHECK_STATUS(olk_profile_plan(nullptr, 4, nullptr, nullptr, nullptr, &json), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_profile_convert(reg.data(), reg.size(), nullptr, nullptr, nullptr, nullptr),
                 OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_profile_set_count(nullptr, nullptr), OLK_NULL_ARGUMENT);
    CHECK_STATUS(olk_profile_conversion_counts(nullptr, nullptr, nullptr, nullptr),
                 OLK_NULL_ARGUMENT);
    CHECK(json == nullptr);
}

} // namespace

int main() {
    return run_tests({
        {test_types, "types"},
        {test_set, "set"},
        {test_plan, "plan"},
        {test_convert, "convert"},
        {test_scope_and_rules, "scope_and_rules"},
        {test_prf, "prf"},
        {test_arguments, "arguments"},
    });
}
