// olkit::ManifestPolicy, Manifest, ManifestInstalled, ManifestPlan,
// ManifestCheck and olkit::extract_bundle (olkit.hpp over olk_manifest_*)
// from C++17, on the fixtures ffi/tests/languages.rs makes for each run
// ($OLKIT_MANIFEST_FIXTURES: manifest.xml signed by the minisign command,
// manifest.pub, package.bin, bundle.zip and slip.zip made by python3):
// verification (signed, tampered, unsigned with and without a signature
// required, expired, rollback), products, the plan, package checks from a
// path and in chunks (good, flipped, one byte too many), bundles (and a
// zip-slip one refused), moved-from (NULL) handles, invalid UTF-8 and
// embedded NULs. Built and run, natively and under valgrind.
#include "olkit.hpp"

#include "check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

// What ffi/tests/languages.rs puts in manifest.xml.
constexpr std::uint64_t SERIAL = 42;
constexpr std::int64_t EXPIRES = 4070908800; // 2099-01-01T00:00:00Z
const std::string CONNECTOR_UPGRADE_CODE = "{5A7D0F22-6A4B-4F3E-9C1D-2B8E7F6A5C41}";
const std::string LEGACY_UPGRADE_CODE = "{0E5C3A8B-94F1-4D62-A7B3-C1D2E3F4A5B6}";
enum : std::size_t { CONNECTOR = 0, LEGACY = 1, BETA = 2, SERVER_PLUGIN = 3, HELPER = 4 };
constexpr std::size_t PRODUCTS = 5;

std::string fixture(const std::string &name) { return env_path("OLKIT_MANIFEST_FIXTURES", name); }

// The text of manifest.xml after the first `open` up to the next '<'.
std::string manifest_element(const std::string &open) {
    const std::string xml = text_of(read_file(fixture("manifest.xml")));
    const std::size_t at = xml.find(open);
    if (at == std::string::npos) {
        return std::string();
    }
    const std::size_t start = at + open.size();
    return xml.substr(start, xml.find('<', start) - start);
}

olkit::ManifestPolicy pinned_policy() {
    olkit::ManifestPolicy policy = olkit::ManifestPolicy::create();
    policy.add_key(text_of(read_file(fixture("manifest.pub"))));
    return policy;
}

Bytes manifest_bytes() { return read_file(fixture("manifest.xml")); }
Bytes signature_bytes() { return read_file(fixture("manifest.xml.minisig")); }

olkit::Manifest signed_manifest() {
    return olkit::Manifest::verify(manifest_bytes(), signature_bytes(), pinned_policy());
}

void write_file(const std::string &path, const Bytes &data) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char *>(data.data()), static_cast<std::streamsize>(data.size()));
}

void test_types() {
    static_assert(is_move_only_v<olkit::ManifestPolicy> && is_move_only_v<olkit::Manifest> &&
                      is_move_only_v<olkit::ManifestInstalled> &&
                      is_move_only_v<olkit::ManifestPlan> && is_move_only_v<olkit::ManifestCheck>,
                  "move-only");
    CHECK(OLK_MANIFEST_FORMAT == 2000 && OLK_MANIFEST_DESTINATION_EXISTS == 2014);
    CHECK(olkit::status_str(OLK_MANIFEST_ROLLBACK) != "unknown status");
    CHECK(olkit::status_str(2015) == "unknown status");
}

void test_verify() {
    olkit::Manifest manifest = signed_manifest();
    const std::string pub = text_of(read_file(fixture("manifest.pub")));
    const std::string marker = "minisign public key ";
    const std::size_t at = pub.find(marker) + marker.size();
    CHECK(manifest.key_id() == pub.substr(at, pub.find('\n', at) - at));
    CHECK(manifest.warnings().empty());
    CHECK(manifest.serial_to_store() == SERIAL);
    CHECK(manifest.product_count() == PRODUCTS);

    // Tampered: one byte changed.
    Bytes tampered = manifest_bytes();
    tampered[tampered.size() / 2] ^= 0x01;
    CHECK_THROWS(olkit::Manifest::verify(tampered, signature_bytes(), pinned_policy()),
                 OLK_MANIFEST_BAD_SIGNATURE, "does not match");
    // Unsigned.
    CHECK_THROWS(olkit::Manifest::verify(manifest_bytes(), std::nullopt, pinned_policy()),
                 OLK_MANIFEST_UNSIGNED, "not signed");
    olkit::ManifestPolicy optional = olkit::ManifestPolicy::create();
    optional.signature(OLK_MANIFEST_SIGNATURE_OPTIONAL);
    olkit::Manifest unsigned_manifest =
        olkit::Manifest::verify(manifest_bytes(), std::nullopt, optional);
    CHECK(unsigned_manifest.warnings() == std::vector<std::string>{"the manifest is not signed"});
    CHECK(!unsigned_manifest.key_id());
    CHECK_THROWS(olkit::Manifest::verify(manifest_bytes(), signature_bytes(), optional),
                 OLK_MANIFEST_KEY, "no trusted public key");
    // Expired, then not yet.
    olkit::ManifestPolicy policy = pinned_policy();
    policy.now(EXPIRES + 1);
    CHECK_THROWS(olkit::Manifest::verify(manifest_bytes(), signature_bytes(), policy),
                 OLK_MANIFEST_EXPIRED, "expired");
    policy.now(EXPIRES - 1);
    CHECK(olkit::Manifest::verify(manifest_bytes(), signature_bytes(), policy).product_count() ==
          PRODUCTS);
    // Rollback.
    policy.now(0).last_serial(SERIAL + 1);
    CHECK_THROWS(olkit::Manifest::verify(manifest_bytes(), signature_bytes(), policy),
                 OLK_MANIFEST_ROLLBACK, "rollback");
    policy.last_serial(SERIAL);
    CHECK(olkit::Manifest::verify(manifest_bytes(), signature_bytes(), policy).serial_to_store() ==
          SERIAL);
    policy.last_serial(std::nullopt);
    CHECK(olkit::Manifest::verify(manifest_bytes(), signature_bytes(), policy).product_count() ==
          PRODUCTS);
    // Format errors say where.
    CHECK_THROWS(olkit::Manifest::verify(bytes_of("<Products><Product>"), std::nullopt, optional),
                 OLK_MANIFEST_FORMAT, "line 1");
    // Policy errors.
    CHECK_THROWS(policy.add_key("not a key"), OLK_MANIFEST_KEY, "minisign public key");
    CHECK_THROWS(policy.signature(static_cast<olk_manifest_signature_policy>(9)),
                 OLK_INVALID_ARGUMENT, "olk_manifest_signature_policy");
    CHECK_THROWS(policy.now(INT64_MAX), OLK_OUT_OF_RANGE, "unix_seconds");
}

void test_products() {
    const olkit::Manifest m = signed_manifest();
    const Bytes package = read_file(fixture("package.bin"));
    CHECK(m.product(CONNECTOR, OLK_MANIFEST_PRODUCT_NAME) == std::string("Olkit Connector"));
    CHECK(m.product(CONNECTOR, OLK_MANIFEST_PRODUCT_VERSION) == std::string("7.2.0.4567"));
    CHECK(m.product(CONNECTOR, OLK_MANIFEST_PRODUCT_UPGRADE_CODE) == CONNECTOR_UPGRADE_CODE);
    CHECK(m.product(CONNECTOR, OLK_MANIFEST_PRODUCT_SHA256) == manifest_element("<olkit:Sha256>"));
    CHECK(m.product(LEGACY, OLK_MANIFEST_PRODUCT_MD5) == manifest_element("<MD5>"));
    CHECK(m.product(CONNECTOR, OLK_MANIFEST_PRODUCT_ARCHITECTURE) == std::string("x64"));
    CHECK(m.product(BETA, OLK_MANIFEST_PRODUCT_CHANNEL) == std::string("beta"));
    CHECK(m.product(HELPER, OLK_MANIFEST_PRODUCT_CHANNEL) == std::string("stable"));
    CHECK(!m.product(HELPER, OLK_MANIFEST_PRODUCT_URL));
    CHECK(m.product_number(CONNECTOR, OLK_MANIFEST_PRODUCT_SIZE) == package.size());
    CHECK(m.product_number(CONNECTOR, OLK_MANIFEST_PRODUCT_CRITICAL) == 1u);
    CHECK(m.product_number(CONNECTOR, OLK_MANIFEST_PRODUCT_REQUIRED_CACHE_FORMAT) == 3u);
    CHECK(!m.product_number(CONNECTOR, OLK_MANIFEST_PRODUCT_ROLLOUT_PERCENT));
    const std::string json = m.product_json(CONNECTOR);
    CHECK(contains(json, "\"text\":\"Schnellerer Abgleich. " + GRUESSE + "\""));
    CHECK(contains(json, "\"size\":" + std::to_string(package.size())));
    CHECK_THROWS(m.product(PRODUCTS, OLK_MANIFEST_PRODUCT_NAME), OLK_OUT_OF_RANGE,
                 "product index 5 is out of range");
    CHECK_THROWS(m.product_number(0, static_cast<olk_manifest_product_number_field>(0)),
                 OLK_INVALID_ARGUMENT, "olk_manifest_product_number_field");
    CHECK_THROWS(m.product_json(PRODUCTS), OLK_OUT_OF_RANGE, "product index");
}

olkit::ManifestEnvironment environment() {
    olkit::ManifestEnvironment env;
    env.server_version = "7.0.0";
    env.outlook_version = "2016";
    env.outlook_bitness = OLK_MANIFEST_ARCH_X64;
    env.windows_version = "10.0.19045";
    env.architecture = OLK_MANIFEST_ARCH_X64;
    env.machine_id = "WS-0001";
    return env;
}

bool has_reason(const olkit::ManifestPlan::Item &item, const std::string &needle) {
    for (const std::string &reason : item.reasons) {
        if (reason.find(needle) != std::string::npos) {
            return true;
        }
    }
    std::fprintf(stderr, "    no reason contains \"%s\"\n", needle.c_str());
    return false;
}

void test_plan() {
    const olkit::Manifest m = signed_manifest();
    olkit::ManifestInstalled installed = olkit::ManifestInstalled::create();
    installed.add(std::nullopt, CONNECTOR_UPGRADE_CODE, "7.1.0", "Olkit Connector")
        .add(std::nullopt, LEGACY_UPGRADE_CODE, "1.0.5", "Olkit Legacy Add-in");
    const olkit::ManifestPlan plan = m.plan(environment(), &installed);
    CHECK(plan.size() == PRODUCTS);
    const olkit::ManifestPlan::Item connector = plan.item(CONNECTOR);
    CHECK(connector.action == OLK_MANIFEST_ACTION_UPGRADE);
    CHECK(connector.installed == std::string("7.1.0"));
    CHECK(connector.cache_upgrade == 3u);
    CHECK(has_reason(connector, "replaces version 7.1.0"));
    CHECK(plan.item(LEGACY).action == OLK_MANIFEST_ACTION_UP_TO_DATE);
    CHECK(!plan.item(LEGACY).cache_upgrade);
    CHECK(plan.item(BETA).action == OLK_MANIFEST_ACTION_NOT_APPLICABLE);
    const olkit::ManifestPlan::Item plugin = plan.item(SERVER_PLUGIN);
    CHECK(plugin.action == OLK_MANIFEST_ACTION_BLOCKED);
    CHECK(has_reason(plugin, "needs server version 9.0.0 or later; the server runs 7.0.0"));
    CHECK(plan.item(HELPER).action == OLK_MANIFEST_ACTION_INSTALL && !plan.item(HELPER).installed);
    CHECK(plan.apply_order() == std::vector<std::size_t>({CONNECTOR, HELPER}));
    CHECK(contains(plan.json(), "\"order\":[0,4]"));
    CHECK_THROWS(plan.item(PRODUCTS), OLK_OUT_OF_RANGE, "plan item index 5");
    // Nothing installed.
    CHECK(m.plan(environment()).item(CONNECTOR).action == OLK_MANIFEST_ACTION_INSTALL);
    // Environment errors.
    olkit::ManifestEnvironment env = environment();
    env.server_version = "seven";
    CHECK_THROWS(m.plan(env), OLK_MANIFEST_INVALID_VERSION, "environment.server_version");
    env = environment();
    env.channel = BAD_UTF8;
    CHECK_THROWS(m.plan(env), OLK_INVALID_UTF8, "environment.channel");
    env = environment();
    env.architecture = OLK_MANIFEST_ARCH_UNKNOWN;
    CHECK_THROWS(m.plan(env), OLK_INVALID_ARGUMENT, "environment.architecture");
    env = environment();
    env.machine_id = std::string("WS\0-1", 5);
    CHECK_THROWS(m.plan(env), OLK_EMBEDDED_NUL, "NUL");
    CHECK_THROWS(installed.add(std::nullopt, std::nullopt, "1..0", "x"),
                 OLK_MANIFEST_INVALID_VERSION, "version");
    CHECK_THROWS(installed.add(BAD_UTF8, std::nullopt, "1.0", "x"), OLK_INVALID_UTF8,
                 "product_code");
}

void test_packages() {
    const olkit::Manifest m = signed_manifest();
    Bytes package = read_file(fixture("package.bin"));
    const olkit::ManifestVerdict verdict = m.verify_package(CONNECTOR, fixture("package.bin"));
    CHECK(verdict.strength == OLK_MANIFEST_DIGEST_SHA256 && verdict.bytes == package.size());
    CHECK(m.verify_package(LEGACY, fixture("package.bin")).strength ==
          OLK_MANIFEST_DIGEST_WEAK_MD5);
    CHECK_THROWS(m.verify_package(SERVER_PLUGIN, fixture("package.bin")), OLK_MANIFEST_NO_DIGEST,
                 "neither");

    // In chunks: good.
    olkit::ManifestCheck good = m.check_package(CONNECTOR);
    for (std::size_t at = 0; at < package.size(); at += 4096) {
        good.update(package.data() + at, std::min<std::size_t>(4096, package.size() - at));
    }
    const olkit::ManifestVerdict chunked = good.finish();
    CHECK(chunked.strength == OLK_MANIFEST_DIGEST_SHA256 && chunked.bytes == package.size());
    CHECK_THROWS(good.finish(), OLK_INVALID_ARGUMENT, "over");
    // One byte too many.
    olkit::ManifestCheck longer = m.check_package(CONNECTOR);
    longer.update(package);
    CHECK_THROWS(longer.update(Bytes{0x42}), OLK_MANIFEST_PACKAGE_TOO_LARGE, "larger than");
    // One byte flipped, from memory and from a file.
    package[777] ^= 0x10;
    olkit::ManifestCheck flipped = m.check_package(CONNECTOR);
    flipped.update(package);
    CHECK_THROWS(flipped.finish(), OLK_MANIFEST_PACKAGE_MISMATCH, "SHA-256");
    write_file("manifest-flipped-cpp.bin", package);
    CHECK_THROWS(m.verify_package(CONNECTOR, "manifest-flipped-cpp.bin"),
                 OLK_MANIFEST_PACKAGE_MISMATCH, "SHA-256");
    CHECK_THROWS(m.verify_package(CONNECTOR, BAD_UTF8), OLK_INVALID_UTF8, "path");
    CHECK_THROWS(m.check_package(SERVER_PLUGIN), OLK_MANIFEST_NO_DIGEST, "neither");
}

void test_bundles() {
    const std::string report = olkit::extract_bundle(fixture("bundle.zip"), "manifest-bundle-cpp");
    CHECK(contains(report, "\"files\":2") && contains(report, "\"directories\":1"));
    CHECK(read_file("manifest-bundle-cpp/docs/readme.txt") ==
          read_file(fixture("bundle-readme.txt")));
    CHECK(read_file("manifest-bundle-cpp/setup.bin") == read_file(fixture("bundle-setup.bin")));
    CHECK_THROWS(olkit::extract_bundle(fixture("bundle.zip"), "manifest-bundle-cpp"),
                 OLK_MANIFEST_DESTINATION_EXISTS, "exists");
    CHECK_THROWS(olkit::extract_bundle(fixture("slip.zip"), "manifest-slip-cpp"),
                 OLK_MANIFEST_BUNDLE_UNSAFE, "../evil.txt");
    CHECK(contains(olkit::extract_bundle(fixture("bundle.zip"), "manifest-slip-cpp"),
                   "\"files\":2"));
    CHECK_THROWS(olkit::extract_bundle(BAD_UTF8, "x"), OLK_INVALID_UTF8, "zip");
}

void test_null_handles() {
    olkit::ManifestPolicy policy = olkit::ManifestPolicy::create();
    olkit::ManifestPolicy p = std::move(policy);
    olkit::Manifest manifest = signed_manifest();
    olkit::Manifest m = std::move(manifest);
    olkit::ManifestInstalled installed = olkit::ManifestInstalled::create();
    olkit::ManifestInstalled i = std::move(installed);
    olkit::ManifestPlan plan = m.plan(environment(), &i);
    olkit::ManifestPlan pl = std::move(plan);
    olkit::ManifestCheck check = m.check_package(CONNECTOR);
    olkit::ManifestCheck c = std::move(check);
    CHECK(!policy && !manifest && !installed && !plan && !check); // NOLINT(bugprone-use-after-move)

    CHECK_THROWS(policy.add_key("x"), OLK_NULL_ARGUMENT, "argument `policy` is NULL");
    CHECK_THROWS(olkit::Manifest::verify(manifest_bytes(), std::nullopt, policy), OLK_NULL_ARGUMENT,
                 "`policy`");
    CHECK_THROWS(manifest.product_count(), OLK_NULL_ARGUMENT, "`manifest`");
    CHECK_THROWS(manifest.serial_to_store(), OLK_NULL_ARGUMENT, "`manifest`");
    CHECK_THROWS(manifest.plan(environment()), OLK_NULL_ARGUMENT, "`manifest`");
    CHECK_THROWS(installed.add(std::nullopt, std::nullopt, "1.0", "x"), OLK_NULL_ARGUMENT,
                 "`installed`");
    CHECK_THROWS(plan.size(), OLK_NULL_ARGUMENT, "`plan`");
    CHECK_THROWS(plan.apply_order(), OLK_NULL_ARGUMENT, "`plan`");
    CHECK_THROWS(check.update(Bytes{1}), OLK_NULL_ARGUMENT, "`check`");
    CHECK_THROWS(check.finish(), OLK_NULL_ARGUMENT, "`check`");
    CHECK(pl.size() == PRODUCTS); // the moved-to handles still work
}

} // namespace

int main() {
    return run_tests({
        {test_types, "types"},
        {test_verify, "verify"},
        {test_products, "products"},
        {test_plan, "plan"},
        {test_packages, "packages"},
        {test_bundles, "bundles"},
        {test_null_handles, "null_handles"},
    });
}
