/*
 * olkit.hpp: header-only C++17 RAII wrappers over the olkit C ABI (olkit.h).
 *
 * - Every failed call throws olkit::Error (a std::runtime_error) carrying the
 *   olk_status and the thread's last error message: wrap each call returning
 *   olk_status in olkit::check().
 * - Strings and byte buffers returned by olkit are converted to std::string /
 *   std::vector and freed at once: olkit::take_string(), olkit::take_bytes().
 * - String arguments go through olkit::c_str(), which refuses embedded NULs.
 * - Handles are classes derived from olkit::Handle<T, olk_x_free>: move-only,
 *   freed by their destructor.
 *
 * Adding a handle type (for example olk_reg_file, created by
 * olk_reg_file_parse and released by olk_reg_file_free):
 *
 *     class RegFile : public Handle<olk_reg_file, olk_reg_file_free> {
 *     public:
 *         static RegFile parse(const std::string &text) {
 *             olk_reg_file *raw = nullptr;
 *             check(olk_reg_file_parse(c_str(text), &raw));
 *             return RegFile(raw);
 *         }
 *         std::string to_string() const {
 *             char *text = nullptr;
 *             check(olk_reg_file_to_string(get(), &text));
 *             return take_string(text);
 *         }
 *     private:
 *         using Handle::Handle;  // the adopting constructor stays private
 *     };
 *
 * Every olkit function is callable from any thread; a handle must not be used
 * from two threads at once.
 */
#ifndef OLKIT_HPP
#define OLKIT_HPP

#include "olkit.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace olkit {

/** A failed olkit call: its status code and the message olkit gave. */
class Error : public std::runtime_error {
public:
    Error(olk_status status, const std::string &message)
        : std::runtime_error(message), status_(status) {}

    /** The OLK_* code the call returned. */
    olk_status status() const noexcept { return status_; }

private:
    olk_status status_;
};

/** Static English description of a status code ("unknown status" if unknown). */
inline std::string status_str(olk_status status) { return olk_status_str(status); }

/** The olkit library version ("MAJOR.MINOR.PATCH"). */
inline std::string version() { return olk_version(); }

/** The ABI version of the loaded library; OLKIT_ABI_VERSION is the header's. */
inline std::uint32_t abi_version() noexcept { return olk_abi_version(); }

/** Whether the loaded library implements the ABI this header describes. */
inline bool abi_compatible() noexcept { return olk_abi_version() == OLKIT_ABI_VERSION; }

/** This thread's last error message; empty if the last call succeeded. */
inline std::string last_error_message() {
    std::size_t needed = 0;
    if (olk_last_error_message(nullptr, 0, &needed) != OLK_BUFFER_TOO_SMALL || needed == 0) {
        return std::string();
    }
    std::string message(needed, '\0');
    if (olk_last_error_message(message.data(), message.size(), &needed) != OLK_OK) {
        return std::string();
    }
    message.resize(needed - 1); /* drop the NUL */
    return message;
}

/**
 * Throws olkit::Error unless status is OLK_OK. Call it right after the
 * failing function: the message is the thread's last error (or the status
 * description if olkit left none).
 */
inline void check(olk_status status) {
    if (status == OLK_OK) {
        return;
    }
    std::string message = last_error_message();
    if (message.empty()) {
        message = status_str(status);
    }
    throw Error(status, message);
}

/**
 * A std::string as a C string argument. Throws olkit::Error with
 * OLK_EMBEDDED_NUL if it contains a NUL byte, which C would cut it at.
 */
inline const char *c_str(const std::string &text) {
    if (text.find('\0') != std::string::npos) {
        throw Error(OLK_EMBEDDED_NUL, "string argument contains a NUL byte at offset " +
                                          std::to_string(text.find('\0')));
    }
    return text.c_str();
}

/** Calls Free on the pointer: the deleter of olkit-owned memory. */
template <typename T, void (*Free)(T *)>
struct Deleter {
    void operator()(T *ptr) const noexcept { Free(ptr); }
};

/** A std::unique_ptr that releases its T with Free (NULL-safe like every olk_*_free). */
template <typename T, void (*Free)(T *)>
using Owned = std::unique_ptr<T, Deleter<T, Free>>;

/** Owner of a string returned by olkit. */
using OwnedString = Owned<char, olk_string_free>;

/** Converts a string returned by olkit and frees it (NULL gives ""). */
inline std::string take_string(char *text) {
    OwnedString owner(text);
    return owner ? std::string(owner.get()) : std::string();
}

/** Frees a byte buffer returned by olkit, which needs its length back. */
struct BytesDeleter {
    std::size_t size = 0;
    void operator()(std::uint8_t *data) const noexcept { olk_bytes_free(data, size); }
};

/** Owner of a byte buffer returned by olkit. */
using OwnedBytes = std::unique_ptr<std::uint8_t, BytesDeleter>;

/** Copies a byte buffer returned by olkit and frees it (NULL gives {}). */
inline std::vector<std::uint8_t> take_bytes(std::uint8_t *data, std::size_t size) {
    OwnedBytes owner(data, BytesDeleter{size});
    return owner ? std::vector<std::uint8_t>(owner.get(), owner.get() + size)
                 : std::vector<std::uint8_t>();
}

/**
 * Base of the RAII handle classes: owns one T *, freed with Free by the
 * destructor; movable, not copyable. Derived classes create the handle in
 * static factory functions and adopt it through the protected constructor.
 */
template <typename T, void (*Free)(T *)>
class Handle {
public:
    using native_type = T;

    /** The raw handle, still owned by this object (NULL after a move). */
    T *get() const noexcept { return ptr_.get(); }

    /** Gives up ownership: the caller must free the handle. */
    T *release() noexcept { return ptr_.release(); }

    explicit operator bool() const noexcept { return static_cast<bool>(ptr_); }

protected:
    Handle() noexcept = default;
    explicit Handle(T *ptr) noexcept : ptr_(ptr) {}
    Handle(Handle &&) noexcept = default;
    Handle &operator=(Handle &&) noexcept = default;
    /* Protected and non-virtual: a handle is never deleted through a Handle *. */
    ~Handle() = default;

private:
    Owned<T, Free> ptr_;
};

} // namespace olkit

#endif /* OLKIT_HPP */
