// updater: the update check of an Outlook connector updater through
// olkit.hpp, the C++ wrapper of the olkit C ABI.
//
//   updater <manifest-url> <pubkey-file> <installed.reg> <env.json> [--download DIR]
//
// 1. fetches the manifest and its signature (<manifest-url>.minisig) over
//    HTTP with the program's own HTTP client (below: HTTP/1.1 GET over
//    sockets, http:// only; a real updater uses its own stack, with its
//    proxy and authentication settings);
// 2. olkit::UpdatesCheck::run verifies the signature by the pinned key,
//    reads the installed products of the .reg export and plans the
//    updates for the machine of env.json, in one call;
// 3. prints the list an updater shows, from the check's report (JSON);
// 4. with --download: fetches each offered package, feeding every chunk
//    to olkit::ManifestCheck as it arrives, and keeps the file (DIR/name)
//    only when its size and SHA-256 match the manifest.
//
// Exit status: 0 when the check (and every download) succeeded, 1 otherwise.
// Build and run: README.md beside this file.
#include "olkit.hpp"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
using socket_t = SOCKET;
static void close_socket(socket_t s) { closesocket(s); }
#else
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
using socket_t = int;
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

/** Calls on_chunk for each piece of the body of url; throws on any failure. */
void http_get(const std::string &url, const std::function<void(const char *, std::size_t)> &on_chunk) {
    const std::string scheme = "http://";
    if (url.compare(0, scheme.size(), scheme) != 0) {
        throw std::runtime_error(url + ": only http:// URLs are supported by this example");
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
        throw std::runtime_error(url + ": cannot resolve " + host);
    }
    socket_t s = socket(addresses->ai_family, addresses->ai_socktype, addresses->ai_protocol);
    const bool connected =
        connect(s, addresses->ai_addr, static_cast<socklen_t>(addresses->ai_addrlen)) == 0;
    freeaddrinfo(addresses);
    if (!connected) {
        close_socket(s);
        throw std::runtime_error(url + ": cannot connect to " + authority);
    }
#ifndef _WIN32
    timeval timeout{30, 0}; // a stalled server must not hang the updater
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
#endif
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + authority +
                                "\r\nUser-Agent: olkit-cpp-updater\r\nConnection: close\r\n\r\n";
    if (send(s, request.data(), static_cast<int>(request.size()), 0) !=
        static_cast<int>(request.size())) {
        close_socket(s);
        throw std::runtime_error(url + ": cannot send the request");
    }

    std::string head;           // status line and headers, until the blank line
    bool in_body = false;
    long long remaining = -1;   // Content-Length still to come; -1: until close
    char buffer[8192];
    for (;;) {
        const auto got = recv(s, buffer, sizeof buffer, 0);
        if (got < 0) {
            close_socket(s);
            throw std::runtime_error(url + ": receive failed or timed out");
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
                    close_socket(s);
                    throw std::runtime_error(url + ": response headers too long");
                }
                continue;
            }
            std::string body_start = head.substr(end + 4);
            head.resize(end);
            // "HTTP/1.1 200 OK"
            const std::size_t space = head.find(' ');
            const int status = space == std::string::npos ? 0 : std::atoi(head.c_str() + space + 1);
            if (status != 200) {
                close_socket(s);
                throw std::runtime_error(url + ": HTTP status " + std::to_string(status));
            }
            std::string lower = head;
            for (char &c : lower) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            if (lower.find("\r\ntransfer-encoding:") != std::string::npos) {
                close_socket(s);
                throw std::runtime_error(url + ": chunked transfer encoding is not supported");
            }
            const std::size_t length = lower.find("\r\ncontent-length:");
            if (length != std::string::npos) {
                remaining = std::atoll(lower.c_str() + length + 17);
            }
            in_body = true;
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
    close_socket(s);
    if (!in_body) {
        throw std::runtime_error(url + ": the connection closed before the response");
    }
    if (remaining > 0) {
        throw std::runtime_error(url + ": the connection closed " + std::to_string(remaining) +
                                 " bytes before the end of the body");
    }
}

Bytes http_get_all(const std::string &url) {
    Bytes body;
    http_get(url, [&body](const char *data, std::size_t size) { body.insert(body.end(), data, data + size); });
    return body;
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

/** Downloads the package of plan item index into dir; true when verified and kept. */
bool download(const olkit::ManifestPlan &plan, std::size_t index, const Json &item,
              const std::string &dir) {
    const std::string name = item["product"].text;
    const Json &url = item["url"].kind != Json::Null ? item["url"] : item["msi_url"];
    if (url.kind == Json::Null) {
        std::cout << name << ": no package URL\n";
        return false;
    }
    const std::string file_name = url.text.substr(url.text.find_last_of('/') + 1);
    const std::string final_path = dir + "/" + file_name;
    const std::string part_path = final_path + ".part";
    std::cout << "download " << name << ": " << url.text << "\n";
    try {
        olkit::ManifestCheck check = plan.check_package(index);
        {
            std::ofstream out(part_path, std::ios::binary | std::ios::trunc);
            if (!out) {
                throw std::runtime_error("cannot write " + part_path);
            }
            http_get(url.text, [&](const char *data, std::size_t size) {
                // Each chunk is checked as it arrives: a package longer than
                // the manifest says stops the download at once.
                check.update(reinterpret_cast<const std::uint8_t *>(data), size);
                out.write(data, static_cast<std::streamsize>(size));
            });
            out.close();
            if (!out) {
                throw std::runtime_error("cannot write " + part_path);
            }
        }
        const olkit::ManifestVerdict verdict = check.finish();
        if (std::rename(part_path.c_str(), final_path.c_str()) != 0) {
            throw std::runtime_error("cannot rename " + part_path);
        }
        std::cout << name << ": verified, " << verdict.bytes << " bytes ("
                  << (verdict.strength == OLK_MANIFEST_DIGEST_SHA256 ? "SHA-256" : "MD5 only, weak")
                  << "), saved as " << final_path << "\n";
        return true;
    } catch (const std::exception &e) {
        std::remove(part_path.c_str());
        std::cout << name << ": NOT verified: " << e.what() << "; nothing kept\n";
        return false;
    }
}

int run(int argc, char **argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string download_dir;
    if (args.size() == 6 && args[4] == "--download") {
        download_dir = args[5];
    } else if (args.size() != 4) {
        std::cerr << "usage: updater <manifest-url> <pubkey-file> <installed.reg> <env.json> "
                     "[--download DIR]\n";
        return 1;
    }
    olkit::UpdatesRequest request;
    request.manifest = http_get_all(args[0]);
    request.signature = http_get_all(args[0] + ".minisig");
    const Bytes key = read_file(args[1]);
    request.public_keys = {std::string(key.begin(), key.end())};
    request.inventory = read_file(args[2]);
    const Bytes env = read_file(args[3]);
    request.environment_json = std::string(env.begin(), env.end());
    // A real updater also stores the serial and passes it as last_serial
    // next time, so that an older manifest replayed later is refused.

    olkit::UpdatesCheck result = [&] {
        try {
            return olkit::UpdatesCheck::run(request);
        } catch (const olkit::Error &e) {
            throw std::runtime_error(std::string("manifest refused (") + olkit::status_str(e.status()) +
                                     "): " + e.what());
        }
    }();
    const Json report = JsonReader(result.report_json).read();
    print_list(report);
    if (download_dir.empty()) {
        return 0;
    }
    bool all_verified = true;
    for (const Json &index : report["order"].items) {
        const std::size_t i = std::stoul(index.text);
        all_verified = download(result.plan, i, report["items"].items.at(i), download_dir) && all_verified;
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
