// olkit::UpdatesCheck::run and ManifestPlan::check_package (olkit.hpp over
// olk_updates_*) from C++17: the signed example manifest (examples/) with
// the registrations of examples/installed-products.reg and the machine of
// examples/manifest-env.json; unsigned, another key (made for this run in
// $OLKIT_MANIFEST_FIXTURES), rollback, expiry and a tampered copy refused;
// the download of examples/olkit-sample.msi checked in chunks (and a
// flipped byte refused); NULL handles and embedded NULs. Built and run,
// natively and under valgrind.
#include "olkit.hpp"

#include "check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

enum : std::size_t { OXTENDER = 0, OX_DRIVE = 1, SAMPLE = 2 };
constexpr std::uint64_t SERIAL = 2025060101;

olkit::UpdatesRequest example() {
    olkit::UpdatesRequest r;
    r.manifest = read_file(source_path("examples/manifest.xml"));
    r.signature = read_file(source_path("examples/manifest.xml.minisig"));
    r.public_keys = {text_of(read_file(source_path("examples/manifest.pub")))};
    r.inventory = read_file(source_path("examples/installed-products.reg"));
    r.environment_json = text_of(read_file(source_path("examples/manifest-env.json")));
    return r;
}

void test_plan() {
    static_assert(is_move_only_v<olkit::ManifestPlan>);
    olkit::UpdatesCheck result = olkit::UpdatesCheck::run(example());
    CHECK(result.serial_to_store == SERIAL);
    CHECK(result.plan.size() == 3);
    olkit::ManifestPlan::Item sample = result.plan.item(SAMPLE);
    CHECK(sample.action == OLK_MANIFEST_ACTION_UPGRADE);
    CHECK(sample.installed == std::optional<std::string>("1.1.0"));
    CHECK(result.plan.item(OXTENDER).action == OLK_MANIFEST_ACTION_INSTALL);
    CHECK(result.plan.item(OX_DRIVE).action == OLK_MANIFEST_ACTION_NOT_APPLICABLE);
    CHECK((result.plan.apply_order() == std::vector<std::size_t>{OXTENDER, SAMPLE}));
    for (const char *key : {"\"product\":\"Olkit Sample\"", "\"installed\":\"1.1.0\"",
                            "\"offered\":\"1.5.0\"", "\"action\":\"upgrade\"",
                            "\"importance\":\"Normal\"", "\"critical\":false", "\"details\":[",
                            "\"cache_upgrade\":", "\"url\":\"https://", "\"size\":11264",
                            "\"sha256\":\"1b077eb6", "\"serial_to_store\":2025060101"}) {
        CHECK(contains(result.report_json, key));
    }
}

void test_refusals() {
    olkit::UpdatesRequest r = example();
    r.signature = std::nullopt;
    CHECK_THROWS(olkit::UpdatesCheck::run(r), OLK_MANIFEST_UNSIGNED, "not signed");
    r.allow_unsigned = true;
    CHECK(olkit::UpdatesCheck::run(r).plan.size() == 3);

    r = example();
    r.public_keys = {text_of(read_file(env_path("OLKIT_MANIFEST_FIXTURES", "manifest.pub")))};
    CHECK_THROWS(olkit::UpdatesCheck::run(r), OLK_MANIFEST_BAD_SIGNATURE, "");

    r = example();
    r.last_serial = SERIAL + 1;
    CHECK_THROWS(olkit::UpdatesCheck::run(r), OLK_MANIFEST_ROLLBACK, "2025060101");
    r.last_serial = SERIAL;
    CHECK(olkit::UpdatesCheck::run(r).serial_to_store == SERIAL);

    r = example();
    r.now_unix = 2082758400; // 2036-01-01, after the expiry
    CHECK_THROWS(olkit::UpdatesCheck::run(r), OLK_MANIFEST_EXPIRED, "expired");

    r = example();
    const std::size_t at = text_of(r.manifest).find("<Version>7.10.6");
    CHECK(at != std::string::npos);
    r.manifest.at(at + std::string("<Version>7.10.").size()) = '7';
    CHECK_THROWS(olkit::UpdatesCheck::run(r), OLK_MANIFEST_BAD_SIGNATURE, "");

    r = example();
    r.public_keys = {std::string("RW\0x", 4)};
    CHECK_THROWS(olkit::UpdatesCheck::run(r), OLK_EMBEDDED_NUL, "NUL");
    r = example();
    r.environment_json = "{";
    CHECK_THROWS(olkit::UpdatesCheck::run(r), OLK_INVALID_ARGUMENT, "request.environment_json");
}

void test_download() {
    olkit::UpdatesCheck result = olkit::UpdatesCheck::run(example());
    const Bytes package = read_file(source_path("examples/olkit-sample.msi"));
    CHECK(package.size() == 11264);
    olkit::ManifestCheck check = result.plan.check_package(SAMPLE);
    for (std::size_t at = 0; at < package.size(); at += 4096) {
        check.update(package.data() + at, std::min<std::size_t>(4096, package.size() - at));
    }
    const olkit::ManifestVerdict verdict = check.finish();
    CHECK(verdict.strength == OLK_MANIFEST_DIGEST_SHA256 && verdict.bytes == package.size());

    Bytes flipped = package;
    flipped.at(flipped.size() / 3) ^= 0x80;
    olkit::ManifestCheck bad = result.plan.check_package(SAMPLE);
    bad.update(flipped);
    CHECK_THROWS(bad.finish(), OLK_MANIFEST_PACKAGE_MISMATCH, "the manifest says 1b077eb6");
    CHECK_THROWS(result.plan.check_package(3), OLK_OUT_OF_RANGE, "plan item index 3");

    olkit::ManifestPlan moved = std::move(result.plan);
    CHECK_THROWS(result.plan.check_package(SAMPLE), OLK_NULL_ARGUMENT, "`plan`"); // NOLINT
    CHECK(moved.size() == 3);
}

} // namespace

int main() {
    return run_tests({
        {test_plan, "plan"},
        {test_refusals, "refusals"},
        {test_download, "download"},
    });
}
