// updater: the update check of an Outlook connector updater through
// olkit.hpp, the C++ wrapper of the olkit C ABI.
//
//   updater <manifest-url> <pubkey-file> <installed.reg> <env.json> [--state FILE] [--download DIR]
//
// 1. fetches the manifest and its signature (<manifest-url>.minisig) over
//    HTTP with the program's own HTTP client (below: HTTP/1.1 GET over
//    sockets, http:// only; a real updater uses its own stack, with its
//    proxy and authentication settings); a .minisig answered 404 leaves
//    the manifest unsigned, which olkit refuses;
// 2. olkit::UpdatesCheck::run verifies the signature by the pinned key,
//    refuses a manifest older than the serial stored in the --state file,
//    reads the installed products of the .reg export and plans the
//    updates for the machine of env.json, in one call; the new serial is
//    then stored in the --state file;
// 3. prints the list an updater shows, from the check's report (JSON);
// 4. with --download: fetches each offered package, feeding every chunk
//    to olkit::ManifestCheck as it arrives, and keeps the file (DIR/name)
//    only when its size and SHA-256 match the manifest; an interrupted
//    download leaves DIR/name.part, which the next run resumes (Range).
//
// Exit status: 0 when the check (and every download) succeeded, 1 otherwise.
// Build and run: README.md beside this file.
#include "olkit.hpp"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
using socket_t = SOCKET;
const socket_t no_socket = INVALID_SOCKET;
static void close_socket(socket_t s) { closesocket(s); }
#else
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
using socket_t = int;
const socket_t no_socket = -1;
static void close_socket(socket_t s) { close(s); }
#endif

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ---------------------------------------------------------------------------
// A minimal HTTP/1.1 client: GET of an http:// URL, the body handed over
// chunk by chunk as it arrives; Content-Length or connection close ends it.

/** A failed transfer (no connection, refused status, cut or stalled body), as
 *  opposed to an olkit::Error thrown by a chunk callback. */
struct TransferError : std::runtime_error {
    int status; /**< the HTTP status that was refused; 0: another failure */

    explicit TransferError(const std::string &message, int http_status = 0)
        : std::runtime_error(message), status(http_status) {}
};

/** Closes the socket on every way out, a throwing chunk callback included. */
class Socket {
public:
    explicit Socket(socket_t s) : s_(s) {}
    Socket(const Socket &) = delete;
    Socket &operator=(const Socket &) = delete;
    ~Socket() { close_socket(s_); }
    socket_t get() const { return s_; }

private:
    socket_t s_;
};

/**
 * GETs url, with extra_header (one "Name: value" line, e.g. a Range) unless
 * empty. on_status gets the status (200 or 206) before the body, on_chunk
 * each piece of the body. Transfer failures throw TransferError; whatever
 * the callbacks throw goes through unchanged.
 */
void http_get(const std::string &url, const std::string &extra_header,
              const std::function<void(int)> &on_status,
              const std::function<void(const char *, std::size_t)> &on_chunk) {
    const std::string scheme = "http://";
    if (url.compare(0, scheme.size(), scheme) != 0) {
        throw TransferError(url + ": only http:// URLs are supported by this example");
    }
    const std::string rest = url.substr(scheme.size());
    const std::size_t slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
    const std::size_t colon = authority.rfind(':');
    const std::string host = authority.substr(0, colon);
    const std::string port = colon == std::string::npos ? "80" : authority.substr(colon + 1);

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *addresses = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &addresses) != 0 || addresses == nullptr) {
        throw TransferError(url + ": cannot resolve " + host);
    }
    Socket s(socket(addresses->ai_family, addresses->ai_socktype, addresses->ai_protocol));
    const bool connected =
        s.get() != no_socket &&
        connect(s.get(), addresses->ai_addr, static_cast<socklen_t>(addresses->ai_addrlen)) == 0;
    freeaddrinfo(addresses);
    if (!connected) {
        throw TransferError(url + ": cannot connect to " + authority);
    }
    // A stalled server must not hang the updater.
#ifdef _WIN32
    DWORD timeout = 30000;
    setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char *>(&timeout), sizeof timeout);
#else
    timeval timeout{30, 0};
    setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
#endif
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + authority +
                          "\r\nUser-Agent: olkit-cpp-updater\r\nConnection: close\r\n";
    if (!extra_header.empty()) {
        request += extra_header + "\r\n";
    }
    request += "\r\n";
    if (send(s.get(), request.data(), static_cast<int>(request.size()), 0) !=
        static_cast<int>(request.size())) {
        throw TransferError(url + ": cannot send the request");
    }

    std::string head;           // status line and headers, until the blank line
    bool in_body = false;
    long long remaining = -1;   // Content-Length still to come; -1: until close
    char buffer[8192];
    for (;;) {
        const auto got = recv(s.get(), buffer, sizeof buffer, 0);
        if (got < 0) {
            throw TransferError(url + ": receive failed or timed out");
        }
        if (got == 0) {
            break;
        }
        const char *data = buffer;
        std::size_t size = static_cast<std::size_t>(got);
        if (!in_body) {
            head.append(data, size);
            const std::size_t end = head.find("\r\n\r\n");
            if (end == std::string::npos) {
                if (head.size() > 65536) {
                    throw TransferError(url + ": response headers too long");
                }
                continue;
            }
            std::string body_start = head.substr(end + 4);
            head.resize(end);
            // "HTTP/1.1 200 OK"
            const std::size_t space = head.find(' ');
            const int status = space == std::string::npos ? 0 : std::atoi(head.c_str() + space + 1);
            if (status != 200 && status != 206) {
                throw TransferError(url + ": HTTP status " + std::to_string(status), status);
            }
            std::string lower = head;
            for (char &c : lower) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            if (lower.find("\r\ntransfer-encoding:") != std::string::npos) {
                throw TransferError(url + ": chunked transfer encoding is not supported");
            }
            const std::size_t length = lower.find("\r\ncontent-length:");
            if (length != std::string::npos) {
                remaining = std::atoll(lower.c_str() + length + 17);
            }
            in_body = true;
            on_status(status);
            head = std::move(body_start); // the first bytes of the body
            data = head.data();
            size = head.size();
        }
        if (remaining >= 0 && static_cast<long long>(size) > remaining) {
            size = static_cast<std::size_t>(remaining); // ignore anything past the body
        }
        if (size > 0) {
            on_chunk(data, size);
        }
        if (remaining >= 0) {
            remaining -= static_cast<long long>(size);
            if (remaining == 0) {
                break;
            }
        }
    }
    if (!in_body) {
        throw TransferError(url + ": the connection closed before the response");
    }
    if (remaining > 0) {
        throw TransferError(url + ": the connection closed " + std::to_string(remaining) +
                            " bytes before the end of the body");
    }
}

Bytes http_get_all(const std::string &url) {
    Bytes body;
    http_get(url, "", [](int) {},
             [&body](const char *data, std::size_t size) { body.insert(body.end(), data, data + size); });
    return body;
}

/** The detached signature of the manifest at url; std::nullopt when the server has none (404). */
std::optional<Bytes> fetch_signature(const std::string &url) {
    try {
        return http_get_all(url + ".minisig");
    } catch (const TransferError &e) {
        if (e.status == 404) {
            return std::nullopt; // unsigned: olkit refuses it unless unsigned manifests are allowed
        }
        throw;
    }
}

// ---------------------------------------------------------------------------
// A minimal JSON reader for the report of olk_updates_check.

struct Json {
    enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
    bool boolean = false;
    std::string text; // a string's value, a number's digits
    std::vector<Json> items;
    std::vector<std::pair<std::string, Json>> fields;

    /** The field key of an object; null when absent. */
    const Json &operator[](const std::string &key) const {
        static const Json null;
        for (const auto &field : fields) {
            if (field.first == key) {
                return field.second;
            }
        }
        return null;
    }
};

class JsonReader {
public:
    explicit JsonReader(const std::string &text) : s_(text) {}

    Json read() {
        Json value = value_();
        skip_space();
        if (i_ != s_.size()) {
            fail();
        }
        return value;
    }

private:
    const std::string &s_;
    std::size_t i_ = 0;

    [[noreturn]] void fail() const {
        throw std::runtime_error("the report is not JSON (at byte " + std::to_string(i_) + ")");
    }
    void skip_space() {
        while (i_ < s_.size() && std::strchr(" \t\r\n", s_[i_]) != nullptr) {
            i_++;
        }
    }
    bool eat(char c) {
        skip_space();
        if (i_ < s_.size() && s_[i_] == c) {
            i_++;
            return true;
        }
        return false;
    }
    bool word(const char *w) {
        const std::size_t n = std::strlen(w);
        if (s_.compare(i_, n, w) != 0) {
            return false;
        }
        i_ += n;
        return true;
    }
    unsigned hex4() {
        if (i_ + 4 > s_.size()) {
            fail();
        }
        const unsigned value = static_cast<unsigned>(std::stoul(s_.substr(i_, 4), nullptr, 16));
        i_ += 4;
        return value;
    }
    std::string string_() {
        if (!eat('"')) {
            fail();
        }
        std::string out;
        while (i_ < s_.size() && s_[i_] != '"') {
            char c = s_[i_++];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) {
                fail();
            }
            c = s_[i_++];
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            if (const char *p = std::strchr(from, c); p != nullptr && c != '\0') {
                out += to[p - from];
                continue;
            }
            if (c != 'u') {
                fail();
            }
            unsigned code = hex4();
            if (code >= 0xD800 && code < 0xDC00 && word("\\u")) { // a surrogate pair
                code = 0x10000 + ((code - 0xD800) << 10) + (hex4() - 0xDC00);
            }
            if (code < 0x80) {
                out += static_cast<char>(code);
            } else if (code < 0x800) {
                out += static_cast<char>(0xC0 | (code >> 6));
                out += static_cast<char>(0x80 | (code & 0x3F));
            } else if (code < 0x10000) {
                out += static_cast<char>(0xE0 | (code >> 12));
                out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
                out += static_cast<char>(0x80 | (code & 0x3F));
            } else {
                out += static_cast<char>(0xF0 | (code >> 18));
                out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
                out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
                out += static_cast<char>(0x80 | (code & 0x3F));
            }
        }
        if (i_++ >= s_.size()) {
            fail();
        }
        return out;
    }
    Json value_() {
        skip_space();
        Json v;
        if (i_ >= s_.size()) {
            fail();
        }
        const char c = s_[i_];
        if (c == '{') {
            v.kind = Json::Object;
            i_++;
            if (!eat('}')) {
                do {
                    std::string key = string_();
                    if (!eat(':')) {
                        fail();
                    }
                    v.fields.emplace_back(std::move(key), value_());
                } while (eat(','));
                if (!eat('}')) {
                    fail();
                }
            }
        } else if (c == '[') {
            v.kind = Json::Array;
            i_++;
            if (!eat(']')) {
                do {
                    v.items.push_back(value_());
                } while (eat(','));
                if (!eat(']')) {
                    fail();
                }
            }
        } else if (c == '"') {
            v.kind = Json::String;
            v.text = string_();
        } else if (word("true") || word("false")) {
            v.kind = Json::Bool;
            v.boolean = c == 't';
        } else if (word("null")) {
            v.kind = Json::Null;
        } else {
            v.kind = Json::Number;
            while (i_ < s_.size() && std::strchr("+-.0123456789eE", s_[i_]) != nullptr) {
                v.text += s_[i_++];
            }
            if (v.text.empty()) {
                fail();
            }
        }
        return v;
    }
};

// ---------------------------------------------------------------------------

/** A JSON string or number as text; "none" for null. */
std::string shown(const Json &value) {
    return value.kind == Json::Null ? "none" : value.text;
}

void print_list(const Json &report) {
    std::cout << "manifest serial " << shown(report["serial"]) << ", signed by key "
              << shown(report["key_id"]) << "\n";
    for (const Json &warning : report["warnings"].items) {
        std::cout << "warning: " << warning.text << "\n";
    }
    for (const Json &item : report["items"].items) {
        std::cout << item["product"].text << ": " << shown(item["installed"]) << " -> "
                  << item["offered"].text << " (" << item["action"].text << ")\n";
        std::cout << "  importance: " << shown(item["importance"]) << "\n";
        std::cout << "  critical: " << (item["critical"].boolean ? "yes" : "no") << "\n";
        std::cout << "  cache upgrade: " << shown(item["cache_upgrade"]) << "\n";
        for (const Json &text : item["details"].items) {
            std::cout << "  details [" << text["lang"].text << "]: " << text["text"].text << "\n";
        }
        for (const Json &text : item["release_notes"].items) {
            std::cout << "  release notes [" << text["lang"].text << "]: " << text["text"].text
                      << "\n";
        }
        for (const Json &reason : item["reasons"].items) {
            std::cout << "  reason: " << reason.text << "\n";
        }
    }
}

namespace fs = std::filesystem;

/** The size of the file at path; 0 when there is none. */
std::uintmax_t size_of(const fs::path &path) {
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(path, ec);
    return ec ? 0 : size;
}

/** Feeds check the bytes already downloaded into path by an earlier run. */
void feed_file(olkit::ManifestCheck &check, const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> buffer(65536);
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
        check.update(reinterpret_cast<const std::uint8_t *>(buffer.data()),
                     static_cast<std::size_t>(in.gcount()));
    }
    if (!in.eof()) {
        throw std::runtime_error("cannot read " + path.string());
    }
}

/**
 * Downloads the package of plan item index into dir, resuming the .part an
 * interrupted run left there; true when verified and kept.
 */
bool download(const olkit::ManifestPlan &plan, std::size_t index, const Json &item,
              const fs::path &dir) {
    const std::string name = item["product"].text;
    const Json &url = item["url"].kind != Json::Null ? item["url"] : item["msi_url"];
    if (url.kind == Json::Null) {
        std::cout << name << ": no package URL\n";
        return false;
    }
    const fs::path final_path = dir / url.text.substr(url.text.find_last_of('/') + 1);
    fs::path part_path = final_path;
    part_path += ".part";
    const std::uintmax_t resume_at = size_of(part_path);
    std::cout << "download " << name << ": " << url.text;
    if (resume_at > 0) {
        std::cout << " (resuming at " << resume_at << " bytes)";
    }
    std::cout << "\n";
    try {
        olkit::ManifestCheck check = plan.check_package(index);
        std::ofstream out;
        std::string range;
        if (resume_at > 0) {
            // The check must see the whole package: first the bytes kept.
            feed_file(check, part_path);
            out.open(part_path, std::ios::binary | std::ios::app);
            range = "Range: bytes=" + std::to_string(resume_at) + "-";
        } else {
            out.open(part_path, std::ios::binary | std::ios::trunc);
        }
        if (!out) {
            throw std::runtime_error("cannot write " + part_path.string());
        }
        try {
            http_get(
                url.text, range,
                [&](int status) {
                    if (resume_at > 0 && status == 200) {
                        // The server ignored the Range and sends the whole package: start over.
                        check = plan.check_package(index);
                        out.close();
                        out.open(part_path, std::ios::binary | std::ios::trunc);
                        if (!out) {
                            throw std::runtime_error("cannot write " + part_path.string());
                        }
                    }
                },
                [&](const char *data, std::size_t size) {
                    // Each chunk is checked as it arrives: a package longer than
                    // the manifest says stops the download at once.
                    check.update(reinterpret_cast<const std::uint8_t *>(data), size);
                    if (!out.write(data, static_cast<std::streamsize>(size))) {
                        throw std::runtime_error("cannot write " + part_path.string());
                    }
                });
        } catch (const TransferError &e) {
            // 416: nothing lies past the bytes kept (a run stopped before its
            // rename), so they are the whole package or wrong: finish decides.
            if (resume_at == 0 || e.status != 416) {
                throw;
            }
        }
        out.close();
        if (!out) {
            throw std::runtime_error("cannot write " + part_path.string());
        }
        const olkit::ManifestVerdict verdict = check.finish();
        std::error_code ec;
        fs::rename(part_path, final_path, ec); // replaces an older file, also on Windows
        if (ec) {
            throw std::runtime_error("cannot rename " + part_path.string() + ": " + ec.message());
        }
        std::cout << name << ": verified, " << verdict.bytes << " bytes ("
                  << (verdict.strength == OLK_MANIFEST_DIGEST_SHA256 ? "SHA-256" : "MD5 only, weak")
                  << "), saved as " << final_path.string() << "\n";
        return true;
    } catch (const olkit::Error &e) {
        // Not the package of the manifest: no byte of it is worth keeping.
        std::error_code ignored;
        fs::remove(part_path, ignored);
        std::cout << name << ": NOT verified: " << e.what() << "; nothing kept\n";
        return false;
    } catch (const std::exception &e) {
        // A transfer (or local file) failure: what the .part holds is still
        // the start of the package, so the next run resumes from there.
        const std::uintmax_t kept = size_of(part_path);
        if (kept == 0) {
            std::error_code ignored;
            fs::remove(part_path, ignored);
            std::cout << name << ": download failed: " << e.what() << "; nothing kept\n";
        } else {
            std::cout << name << ": interrupted after " << kept << " bytes: " << e.what() << "; "
                      << part_path.string() << " kept, run again to resume\n";
        }
        return false;
    }
}

/** The serial an earlier run stored in path; std::nullopt when there is no such file. */
std::optional<std::uint64_t> read_state(const std::string &path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const char *space = " \t\r\n\f\v";
    const std::size_t first = text.find_first_not_of(space);
    const std::string digits =
        first == std::string::npos ? "" : text.substr(first, text.find_last_not_of(space) + 1 - first);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
        throw std::runtime_error(path + ": not a serial");
    }
    std::uint64_t serial = 0;
    for (const char c : digits) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (serial > (UINT64_MAX - digit) / 10) {
            throw std::runtime_error(path + ": not a serial");
        }
        serial = serial * 10 + digit;
    }
    return serial;
}

/** Stores serial in path; through a .tmp renamed over it, so a crash never leaves half a file. */
void write_state(const std::string &path, std::uint64_t serial) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << serial << "\n";
        out.close();
        if (!out) {
            throw std::runtime_error("cannot write " + tmp);
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec); // replaces path, also on Windows
    if (ec) {
        throw std::runtime_error("cannot rename " + tmp + ": " + ec.message());
    }
}

int run(int argc, char **argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    std::optional<std::string> state_path;
    std::optional<std::string> download_dir;
    bool usage_ok = args.size() >= 4;
    for (std::size_t i = 4; usage_ok && i < args.size(); i += 2) {
        std::optional<std::string> *option = args[i] == "--state"      ? &state_path
                                             : args[i] == "--download" ? &download_dir
                                                                       : nullptr;
        usage_ok = option != nullptr && !option->has_value() && i + 1 < args.size();
        if (usage_ok) {
            *option = args[i + 1];
        }
    }
    if (!usage_ok) {
        std::cerr << "usage: updater <manifest-url> <pubkey-file> <installed.reg> <env.json> "
                     "[--state FILE] [--download DIR]\n";
        return 1;
    }
    olkit::UpdatesRequest request;
    if (state_path) {
        // The serial of the last manifest accepted: an older one replayed
        // later (a rollback to a vulnerable version) is refused.
        request.last_serial = read_state(*state_path);
    }
    request.manifest = http_get_all(args[0]);
    request.signature = fetch_signature(args[0]);
    const Bytes key = read_file(args[1]);
    request.public_keys = {std::string(key.begin(), key.end())};
    request.inventory = read_file(args[2]);
    const Bytes env = read_file(args[3]);
    request.environment_json = std::string(env.begin(), env.end());

    olkit::UpdatesCheck result = [&] {
        try {
            return olkit::UpdatesCheck::run(request);
        } catch (const olkit::Error &e) {
            throw std::runtime_error(std::string("manifest refused (") + olkit::status_str(e.status()) +
                                     "): " + e.what());
        }
    }();
    if (state_path && result.serial_to_store) {
        write_state(*state_path, *result.serial_to_store);
    }
    const Json report = JsonReader(result.report_json).read();
    print_list(report);
    if (!download_dir) {
        return 0;
    }
    bool all_verified = true;
    for (const Json &index : report["order"].items) {
        const std::size_t i = std::stoul(index.text);
        all_verified = download(result.plan, i, report["items"].items.at(i), *download_dir) && all_verified;
    }
    return all_verified ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
#ifdef _WIN32
    WSADATA wsa;
    WSAStartup(MAKEWORD(2, 2), &wsa);
#endif
    try {
        return run(argc, argv);
    } catch (const std::exception &e) {
        std::cerr << "updater: " << e.what() << "\n";
        return 1;
    }
}
