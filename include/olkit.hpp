/*
 * olkit.hpp: header-only C++17 RAII wrappers over the olkit C ABI (olkit.h).
 *
 * - Every failed call throws olkit::Error (a std::runtime_error) carrying the
 *   olk_status and the thread's last error message: wrap each call returning
 *   olk_status in olkit::check().
 * - Strings and byte buffers returned by olkit are converted to std::string /
 *   std::vector and freed at once: olkit::take_string(), olkit::take_bytes().
 * - String arguments go through olkit::c_str(), which refuses embedded NULs.
 * - A function whose last parameter is its one output is called through
 *   olkit::call<R>() (a number or a handle), call_string(),
 *   call_optional_string() or call_bytes() (a data/length pair), which
 *   check the status and convert the result.
 * - Handles are classes derived from olkit::Handle<T, olk_x_free>: move-only,
 *   freed by their destructor.
 *
 * Adding a handle type (olkit::RegFile below, over olk_reg_file, is the
 * complete version of this outline):
 *
 *     class Thing : public Handle<olk_thing, olk_thing_free> {
 *     public:
 *         static Thing parse(const std::string &text) {
 *             return Thing(call<olk_thing *>(olk_thing_parse, c_str(text)));
 *         }
 *         std::string to_string() const { return call_string(olk_thing_to_string, get()); }
 *     private:
 *         using Handle::Handle;  // the adopting constructor stays private
 *     };
 *
 * Every olkit function is callable from any thread; a handle must not be used
 * from two threads at once.
 *
 * Handle classes: olkit::RegFile (.reg files); olkit::MsiPackage, MsiQuery,
 * MsiView, MsiRecord, MsiIdentity, MsiInventory (Windows Installer);
 * olkit::ManifestPolicy, Manifest, ManifestInstalled, ManifestPlan,
 * ManifestCheck (update manifests), olkit::UpdatesCheck::run (the update
 * check in one call, olk_updates_check). KOC cache databases have no handle:
 * olkit::db_status, db_migrate (with an olkit::ProgressCallback) and
 * db_check. Outlook profiles: olkit::ProfileSet (a .reg export or .prf
 * file read), olkit::profile_plan and olkit::ProfileConversion (KOC to
 * KOFF, with an olkit::ServerProbe).
 */
#ifndef OLKIT_HPP
#define OLKIT_HPP

#include "olkit.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
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
 * Calls f(args..., &result), where f's last parameter is its one output, and
 * returns the result (throws olkit::Error on failure, like check()).
 */
template <typename R, typename F, typename... Args>
R call(F f, Args... args) {
    R result{};
    check(f(args..., &result));
    return result;
}

/** call() for a string output: converted and freed (NULL gives ""). */
template <typename F, typename... Args>
std::string call_string(F f, Args... args) {
    return take_string(call<char *>(f, args...));
}

/** call() for a string output that may be NULL: std::nullopt for NULL. */
template <typename F, typename... Args>
std::optional<std::string> call_optional_string(F f, Args... args) {
    char *text = call<char *>(f, args...);
    if (text == nullptr) {
        return std::nullopt;
    }
    return take_string(text);
}

/** For f(args..., &data, &len), a byte buffer output: copied and freed. */
template <typename F, typename... Args>
std::vector<std::uint8_t> call_bytes(F f, Args... args) {
    std::uint8_t *data = nullptr;
    std::size_t len = 0;
    check(f(args..., &data, &len));
    return take_bytes(data, len);
}

/**
 * check() for a call where the status absent means "not there" (such as
 * OLK_REG_NOT_FOUND): false for it, true for OLK_OK; throws for the rest.
 */
inline bool check_found(olk_status status, olk_status absent) {
    if (status == absent) {
        return false;
    }
    check(status);
    return true;
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

/**
 * A .reg file (REGEDIT4 or version 5) over olk_reg_file, parsed losslessly:
 * to_bytes() gives the input back byte for byte, and edits change only the
 * lines they concern. Lookups compare key and value names case-insensitively
 * and follow import order; the value name "" is the default value (@).
 * Failures throw olkit::Error (status OLK_REG_SYNTAX, OLK_REG_NOT_FOUND...).
 * Const members may run on several threads at once; a non-const member must
 * not run concurrently with any other call on the same object.
 */
class RegFile : public Handle<olk_reg_file, olk_reg_file_free> {
public:
    /** A line lenient reading skipped. */
    struct Warning {
        std::size_t line = 0;   /**< 1-based line */
        std::size_t column = 0; /**< 1-based column, in characters */
        std::string message;    /**< "line 4, column 1: ... (line skipped)" */
    };

    /** A key line: [path] or [-path]. */
    struct Key {
        std::string path;
        bool is_deletion = false; /**< a [-path] line, which deletes the key and its subkeys */
        std::size_t line = 0;     /**< 1-based line in the input; 0 if an edit added it */
    };

    /** A value's type (olk_reg_type or any other number) and raw data. */
    struct Value {
        std::uint32_t type = 0;
        std::vector<std::uint8_t> data;
    };

    /** An entry under a key line: "name"=data, or "name"=- (a deletion). */
    struct Entry {
        std::string name; /**< "" for the default value (@) */
        std::uint32_t type = 0; /**< 0 for a deletion */
        bool is_deletion = false;
        std::vector<std::uint8_t> data; /**< empty for a deletion */
        std::size_t line = 0; /**< 1-based line in the input; 0 if an edit wrote it */
    };

    /**
     * Parses a .reg file from its bytes (any encoding regedit reads). flags:
     * 0 or OLK_REG_PARSE_LENIENT; max_bytes 0 is the default limit (512 MiB).
     */
    static RegFile parse(const std::vector<std::uint8_t> &data, std::uint32_t flags = 0,
                         std::uint64_t max_bytes = 0) {
        return RegFile(
            call<olk_reg_file *>(olk_reg_file_parse, data.data(), data.size(), flags, max_bytes));
    }

    /** Reads and parses the .reg file at path (UTF-8). */
    static RegFile open(const std::string &path, std::uint32_t flags = 0,
                        std::uint64_t max_bytes = 0) {
        return RegFile(call<olk_reg_file *>(olk_reg_file_open, c_str(path), flags, max_bytes));
    }

    /** An empty file with just the header line of format. */
    static RegFile create(olk_reg_format format) {
        return RegFile(call<olk_reg_file *>(olk_reg_file_new, static_cast<std::uint32_t>(format)));
    }

    olk_reg_format format() const {
        return static_cast<olk_reg_format>(call<std::uint32_t>(olk_reg_file_format, get()));
    }

    olk_reg_encoding encoding() const {
        return static_cast<olk_reg_encoding>(call<std::uint32_t>(olk_reg_file_encoding, get()));
    }

    /** The lines lenient reading skipped, in file order. */
    std::vector<Warning> warnings() const {
        std::vector<Warning> warnings(call<std::size_t>(olk_reg_file_warning_count, get()));
        for (std::size_t i = 0; i < warnings.size(); i++) {
            char *message = nullptr;
            check(olk_reg_file_warning(get(), i, &warnings[i].line, &warnings[i].column, &message));
            warnings[i].message = take_string(message);
        }
        return warnings;
    }

    /** Every key line in file order (a key may have several). */
    std::vector<Key> keys() const {
        std::vector<Key> keys(call<std::size_t>(olk_reg_file_key_count, get()));
        for (std::size_t i = 0; i < keys.size(); i++) {
            char *path = nullptr;
            std::uint8_t deletion = 0;
            check(olk_reg_file_key(get(), i, &path, &deletion, &keys[i].line));
            keys[i].path = take_string(path);
            keys[i].is_deletion = deletion != 0;
        }
        return keys;
    }

    /** The entries under key line key_index (an index into keys()), in file order. */
    std::vector<Entry> entries(std::size_t key_index) const {
        std::vector<Entry> entries(call<std::size_t>(olk_reg_file_entry_count, get(), key_index));
        for (std::size_t i = 0; i < entries.size(); i++) {
            char *name = nullptr;
            std::uint8_t deletion = 0;
            std::uint8_t *data = nullptr;
            std::size_t len = 0;
            Entry &entry = entries[i];
            check(olk_reg_file_entry(get(), key_index, i, &name, &entry.type, &deletion, &data, &len,
                                     &entry.line));
            entry.name = take_string(name);
            entry.data = take_bytes(data, len);
            entry.is_deletion = deletion != 0;
        }
        return entries;
    }

    /** Value name of key as importing the file would leave it; nullopt if it is not there. */
    std::optional<Value> get_value(const std::string &key, const std::string &name) const {
        Value value;
        std::uint8_t *data = nullptr;
        std::size_t len = 0;
        if (!check_found(olk_reg_file_get_value(get(), c_str(key), c_str(name), &value.type, &data,
                                                &len),
                         OLK_REG_NOT_FOUND)) {
            return std::nullopt;
        }
        value.data = take_bytes(data, len);
        return value;
    }

    /** The text of a REG_SZ, REG_EXPAND_SZ or REG_LINK value; nullopt if it is not there. */
    std::optional<std::string> try_get_string(const std::string &key, const std::string &name) const {
        char *text = nullptr;
        if (!check_found(olk_reg_file_get_string(get(), c_str(key), c_str(name), &text),
                         OLK_REG_NOT_FOUND)) {
            return std::nullopt;
        }
        return take_string(text);
    }

    /** The text of a REG_SZ, REG_EXPAND_SZ or REG_LINK value (throws OLK_REG_NOT_FOUND). */
    std::string get_string(const std::string &key, const std::string &name) const {
        return call_string(olk_reg_file_get_string, get(), c_str(key), c_str(name));
    }

    /** The strings of a REG_MULTI_SZ value. */
    std::vector<std::string> get_multi_string(const std::string &key, const std::string &name) const {
        std::uint8_t *data = nullptr;
        std::size_t len = 0;
        std::size_t count = 0;
        check(olk_reg_file_get_multi_string(get(), c_str(key), c_str(name), &data, &len, &count));
        const std::vector<std::uint8_t> bytes = take_bytes(data, len);
        std::vector<std::string> items;
        items.reserve(count);
        std::size_t start = 0;
        for (std::size_t i = 0; i < count && start < bytes.size(); i++) {
            std::size_t end = start;
            while (end < bytes.size() && bytes[end] != 0) {
                end++;
            }
            items.emplace_back(reinterpret_cast<const char *>(bytes.data()) + start, end - start);
            start = end + 1;
        }
        return items;
    }

    /** The number of a REG_DWORD or REG_DWORD_BIG_ENDIAN value. */
    std::uint32_t get_u32(const std::string &key, const std::string &name) const {
        return call<std::uint32_t>(olk_reg_file_get_u32, get(), c_str(key), c_str(name));
    }

    /** The number of a REG_QWORD value. */
    std::uint64_t get_u64(const std::string &key, const std::string &name) const {
        return call<std::uint64_t>(olk_reg_file_get_u64, get(), c_str(key), c_str(name));
    }

    /** Sets a REG_SZ value: the line that assigns it last is rewritten, or a line or a [key] section is added. */
    void set_string(const std::string &key, const std::string &name, const std::string &text) {
        check(olk_reg_file_set_string(get(), c_str(key), c_str(name), c_str(text)));
    }

    /** Sets a REG_EXPAND_SZ value. */
    void set_expand_string(const std::string &key, const std::string &name, const std::string &text) {
        check(olk_reg_file_set_expand_string(get(), c_str(key), c_str(name), c_str(text)));
    }

    /** Sets a REG_MULTI_SZ value (no item may be empty). */
    void set_multi_string(const std::string &key, const std::string &name,
                          const std::vector<std::string> &items) {
        std::vector<const char *> pointers;
        pointers.reserve(items.size());
        for (const std::string &item : items) {
            pointers.push_back(c_str(item));
        }
        check(olk_reg_file_set_multi_string(get(), c_str(key), c_str(name), pointers.data(),
                                            pointers.size()));
    }

    /** Sets a REG_DWORD value. */
    void set_u32(const std::string &key, const std::string &name, std::uint32_t number) {
        check(olk_reg_file_set_u32(get(), c_str(key), c_str(name), number));
    }

    /** Sets a REG_QWORD value. */
    void set_u64(const std::string &key, const std::string &name, std::uint64_t number) {
        check(olk_reg_file_set_u64(get(), c_str(key), c_str(name), number));
    }

    /** Sets a value of any type (olk_reg_type or another number) to raw data. */
    void set_value(const std::string &key, const std::string &name, std::uint32_t type,
                   const std::vector<std::uint8_t> &data) {
        check(olk_reg_file_set_value(get(), c_str(key), c_str(name), type, data.data(), data.size()));
    }

    /** Renames value from of key to to wherever the file assigns or deletes it. */
    void rename_value(const std::string &key, const std::string &from, const std::string &to) {
        check(olk_reg_file_rename_value(get(), c_str(key), c_str(from), c_str(to)));
    }

    /** Removes every line that assigns or deletes the value; whether there was any. */
    bool delete_value(const std::string &key, const std::string &name) {
        return call<std::uint8_t>(olk_reg_file_delete_value, get(), c_str(key), c_str(name)) != 0;
    }

    /** Adds an empty [path] section unless the key is there; whether it was added. */
    bool add_key(const std::string &path) {
        return call<std::uint8_t>(olk_reg_file_add_key, get(), c_str(path)) != 0;
    }

    /** Removes the key lines of path and of every key below it; whether there was any. */
    bool delete_key(const std::string &path) {
        return call<std::uint8_t>(olk_reg_file_delete_key, get(), c_str(path)) != 0;
    }

    /** The file's bytes: the input unchanged where nothing was edited. */
    std::vector<std::uint8_t> to_bytes() const { return call_bytes(olk_reg_file_to_bytes, get()); }

    /** The whole file written the way regedit writes it. */
    std::vector<std::uint8_t> to_canonical_bytes() const {
        return call_bytes(olk_reg_file_to_canonical_bytes, get());
    }

    /** Writes to_bytes() to path atomically (a temporary file next to it, renamed over it). */
    void save(const std::string &path) const { check(olk_reg_file_save(get(), c_str(path))); }

private:
    using Handle::Handle; // the adopting constructor stays private
};

/*
 * Windows Installer packages (olkit-msi-query), over olk_msi_*:
 *
 *     olkit::MsiPackage package = olkit::MsiPackage::open("product.msi");
 *     std::optional<std::string> version = package.property("ProductVersion");
 *     olkit::MsiRecord params = olkit::MsiRecord::create(1);
 *     params.set_string(1, "Binary");
 *     olkit::MsiView view = olkit::MsiQuery::prepare(
 *         "SELECT `Name`, `Data` FROM `Binary` WHERE `Name` <> ?").execute(package, params);
 *     while (std::optional<olkit::MsiRecord> row = view.fetch()) {
 *         std::vector<std::uint8_t> data = row->read_stream(2);
 *     }
 *
 * Record fields and view columns are numbered from 1, as in Windows
 * Installer records. Failures throw olkit::Error (OLK_MSI_SQL_SYNTAX,
 * OLK_MSI_NO_SUCH_TABLE...). Views and records keep what they need of the
 * package alive. Const members may run on several threads at once.
 */

/**
 * A record (olk_msi_record): numbered fields, each NULL, an integer, a
 * string or (in fetched rows) a stream. Made by create() to bind the ?
 * markers of a query, or by MsiView::fetch().
 */
class MsiRecord : public Handle<olk_msi_record, olk_msi_record_free> {
public:
    /** A record of field_count fields, all NULL (at most 65535). */
    static MsiRecord create(std::size_t field_count) {
        return MsiRecord(call<olk_msi_record *>(olk_msi_record_new, field_count));
    }

    std::size_t field_count() const { return call<std::size_t>(olk_msi_record_field_count, get()); }

    /** The type of field (from 1). */
    olk_msi_field_type type(std::size_t field) const {
        return static_cast<olk_msi_field_type>(
            call<std::uint32_t>(olk_msi_record_field_type, get(), field));
    }

    bool is_null(std::size_t field) const {
        return call<std::uint8_t>(olk_msi_record_is_null, get(), field) != 0;
    }

    /** The integer of field (throws OLK_MSI_TYPE_MISMATCH for other types, NULL included). */
    std::int32_t get_int(std::size_t field) const {
        return call<std::int32_t>(olk_msi_record_get_int, get(), field);
    }

    /** The string of field; "" for NULL (throws OLK_MSI_TYPE_MISMATCH for integers and streams). */
    std::string get_string(std::size_t field) const {
        return call_string(olk_msi_record_get_string, get(), field);
    }

    /** The name of the stream in field (what MsiPackage::read_stream reads it by). */
    std::string stream_name(std::size_t field) const {
        return call_string(olk_msi_record_stream_name, get(), field);
    }

    /** The bytes of the stream in field. */
    std::vector<std::uint8_t> read_stream(std::size_t field) const {
        return call_bytes(olk_msi_record_read_stream, get(), field);
    }

    void set_null(std::size_t field) { check(olk_msi_record_set_null(get(), field)); }

    void set_int(std::size_t field, std::int32_t value) {
        check(olk_msi_record_set_int(get(), field, value));
    }

    /** Sets a string; "" makes the field NULL, as MsiRecordSetString does. */
    void set_string(std::size_t field, const std::string &value) {
        check(olk_msi_record_set_string(get(), field, c_str(value)));
    }

private:
    friend class MsiView;
    using Handle::Handle;
};

/** The rows of a query run against a package (olk_msi_view), with a fetch cursor. */
class MsiView : public Handle<olk_msi_view, olk_msi_view_free> {
public:
    /** A result column: its name and IDT type (s72, I2, v0...). */
    struct Column {
        std::string name;
        std::string type;
    };

    /** The result columns (field i + 1 of each row is columns()[i]). */
    std::vector<Column> columns() const {
        std::vector<Column> columns(call<std::size_t>(olk_msi_view_column_count, get()));
        for (std::size_t i = 0; i < columns.size(); i++) {
            char *name = nullptr;
            char *type = nullptr;
            check(olk_msi_view_column(get(), i + 1, &name, &type));
            columns[i].name = take_string(name);
            columns[i].type = take_string(type);
        }
        return columns;
    }

    std::size_t row_count() const { return call<std::size_t>(olk_msi_view_row_count, get()); }

    /** The next row; std::nullopt after the last (OLK_MSI_NO_MORE_ROWS). */
    std::optional<MsiRecord> fetch() {
        olk_msi_record *raw = nullptr;
        if (!check_found(olk_msi_view_fetch(get(), &raw), OLK_MSI_NO_MORE_ROWS)) {
            return std::nullopt;
        }
        return MsiRecord(raw);
    }

private:
    friend class MsiQuery;
    using Handle::Handle;
};

/** The product identity of a package (olk_msi_identity). */
class MsiIdentity : public Handle<olk_msi_identity, olk_msi_identity_free> {
public:
    /** One value as text; std::nullopt when the package does not have it. */
    std::optional<std::string> value(olk_msi_identity_field field) const {
        return call_optional_string(olk_msi_identity_get, get(), static_cast<std::uint32_t>(field));
    }

private:
    friend class MsiPackage;
    using Handle::Handle;
};

/** The products a .reg export of the Windows Installer keys shows registered (olk_msi_inventory). */
class MsiInventory : public Handle<olk_msi_inventory, olk_msi_inventory_free> {
public:
    /** Reads the registrations of a .reg export (throws the .reg reader's OLK_REG_* codes). */
    static MsiInventory parse(const std::vector<std::uint8_t> &data) {
        return MsiInventory(
            call<olk_msi_inventory *>(olk_msi_inventory_parse, data.data(), data.size()));
    }

    /**
     * Every registered product, or with upgrade_code those registered under
     * it, as JSON (shape: olk_msi_inventory_products_json in olkit.h).
     */
    std::string products_json(const std::optional<std::string> &upgrade_code = std::nullopt) const {
        return call_string(olk_msi_inventory_products_json, get(),
                           upgrade_code ? c_str(*upgrade_code) : nullptr);
    }

    /** MsiGetProductInfoEx: one property of a registered product. */
    std::string product_info(const std::string &product_code, olk_msi_context context,
                             const std::string &property,
                             const std::optional<std::string> &user_sid = std::nullopt) const {
        return call_string(olk_msi_inventory_product_info, get(), c_str(product_code),
                           user_sid ? c_str(*user_sid) : nullptr,
                           static_cast<std::uint32_t>(context), c_str(property));
    }

private:
    using Handle::Handle;
};

/** An opened Windows Installer package (olk_msi_package): .msi, .msm, .mst, .msp. */
class MsiPackage : public Handle<olk_msi_package, olk_msi_package_free> {
public:
    /** A column of a table. */
    struct Column {
        std::string name;
        std::string type; /**< the IDT type: s72, l0, i2, V0... */
        bool is_key = false;
    };

    /** What FindRelatedProducts makes of the installed products. */
    struct Related {
        olk_msi_verdict verdict = OLK_MSI_VERDICT_INSTALL;
        std::string report_json; /**< shape: olk_msi_package_find_related_products in olkit.h */
    };

    static MsiPackage open(const std::string &path) {
        return MsiPackage(call<olk_msi_package *>(olk_msi_package_open, c_str(path)));
    }

    static MsiPackage open_bytes(const std::vector<std::uint8_t> &data) {
        return MsiPackage(
            call<olk_msi_package *>(olk_msi_package_open_bytes, data.data(), data.size()));
    }

    olk_msi_kind kind() const {
        return static_cast<olk_msi_kind>(call<std::uint32_t>(olk_msi_package_kind, get()));
    }

    std::uint32_t codepage() const { return call<std::uint32_t>(olk_msi_package_codepage, get()); }

    /** The stored tables in _Tables order. */
    std::vector<std::string> table_names() const {
        std::vector<std::string> names(call<std::size_t>(olk_msi_package_table_count, get()));
        for (std::size_t i = 0; i < names.size(); i++) {
            names[i] = call_string(olk_msi_package_table_name, get(), i);
        }
        return names;
    }

    /** The columns of a stored or virtual table, without reading its rows. */
    std::vector<Column> columns(const std::string &table) const {
        std::vector<Column> columns(
            call<std::size_t>(olk_msi_package_column_count, get(), c_str(table)));
        for (std::size_t i = 0; i < columns.size(); i++) {
            char *name = nullptr;
            char *type = nullptr;
            std::uint8_t is_key = 0;
            check(olk_msi_package_column(get(), table.c_str(), i, &name, &type, &is_key));
            columns[i].name = take_string(name);
            columns[i].type = take_string(type);
            columns[i].is_key = is_key != 0;
        }
        return columns;
    }

    /** A property of the Property table; std::nullopt if the package has none of that name. */
    std::optional<std::string> property(const std::string &name) const {
        return call_optional_string(olk_msi_package_property, get(), c_str(name));
    }

    /** A stream by its decoded name (Binary.Logo). */
    std::vector<std::uint8_t> read_stream(const std::string &name) const {
        return call_bytes(olk_msi_package_read_stream, get(), c_str(name));
    }

    /** A table as IDT text, byte for byte what msiinfo export writes. */
    std::vector<std::uint8_t> export_table(const std::string &table) const {
        return call_bytes(olk_msi_package_export_table, get(), c_str(table));
    }

    /** The summary information as JSON: [{"id":2,"name":"Title","value":"..."}, ...]. */
    std::string summary_json() const { return call_string(olk_msi_package_summary_json, get()); }

    /** The product identity, read in one call. */
    MsiIdentity identity() const {
        return MsiIdentity(call<olk_msi_identity *>(olk_msi_package_identity, get()));
    }

    /**
     * FindRelatedProducts against the inventory's products that scope lets
     * it see (with OLK_MSI_SCOPE_USER, user_sid picks one user).
     */
    Related find_related_products(const MsiInventory &inventory,
                                  olk_msi_scope scope = OLK_MSI_SCOPE_ALL,
                                  const std::optional<std::string> &user_sid = std::nullopt) const {
        std::uint32_t verdict = 0;
        char *report = nullptr;
        check(olk_msi_package_find_related_products(get(), inventory.get(),
                                                    static_cast<std::uint32_t>(scope),
                                                    user_sid ? c_str(*user_sid) : nullptr,
                                                    &verdict, &report));
        Related related;
        related.verdict = static_cast<olk_msi_verdict>(verdict);
        related.report_json = take_string(report);
        return related;
    }

private:
    using Handle::Handle;
};

/** A parsed Windows Installer SQL SELECT (olk_msi_query), runnable against any package. */
class MsiQuery : public Handle<olk_msi_query, olk_msi_query_free> {
public:
    /** Parses sql (throws OLK_MSI_SQL_SYNTAX with the byte offset in the message). */
    static MsiQuery prepare(const std::string &sql) {
        return MsiQuery(call<olk_msi_query *>(olk_msi_query_prepare, c_str(sql)));
    }

    /** The number of ? markers. */
    std::size_t marker_count() const {
        return call<std::size_t>(olk_msi_query_marker_count, get());
    }

    /** Runs the query (which must have no markers) against package. */
    MsiView execute(const MsiPackage &package) const {
        return MsiView(call<olk_msi_view *>(olk_msi_query_execute, get(), package.get(), nullptr));
    }

    /** Runs the query with its markers bound to fields 1, 2... of params. */
    MsiView execute(const MsiPackage &package, const MsiRecord &params) const {
        return MsiView(
            call<olk_msi_view *>(olk_msi_query_execute, get(), package.get(), params.get()));
    }

private:
    using Handle::Handle;
};

/* ---------------------------------------------------------------------------
 * Update manifests (olk_manifest_*): trust policy, verified manifests, plans,
 * package checks, bundles.
 */

/**
 * call() for an optional number output pair f(args..., &has_value, &value):
 * std::nullopt when has_value is 0.
 */
template <typename T, typename F, typename... Args>
std::optional<T> call_optional_number(F f, Args... args) {
    std::uint8_t has_value = 0;
    T value{};
    check(f(args..., &has_value, &value));
    return has_value != 0 ? std::optional<T>(value) : std::nullopt;
}

/**
 * The trust decisions a manifest is verified under (olk_manifest_policy):
 * pinned minisign public keys, whether a signature is required (by
 * default it is), the last serial accepted, the time to check expiry
 * against. The setters return *this so that they chain.
 */
class ManifestPolicy : public Handle<olk_manifest_policy, olk_manifest_policy_free> {
public:
    static ManifestPolicy create() {
        return ManifestPolicy(call<olk_manifest_policy *>(olk_manifest_policy_new));
    }

    /** Pins a key: a .pub file's text or its base64 line (throws OLK_MANIFEST_KEY). */
    ManifestPolicy &add_key(const std::string &key) {
        check(olk_manifest_policy_add_key(get(), c_str(key)));
        return *this;
    }

    ManifestPolicy &signature(olk_manifest_signature_policy policy) {
        check(olk_manifest_policy_set_signature(get(), static_cast<std::uint32_t>(policy)));
        return *this;
    }

    /** The serial last accepted; std::nullopt forgets it. */
    ManifestPolicy &last_serial(std::optional<std::uint64_t> serial) {
        check(olk_manifest_policy_set_last_serial(get(), serial ? 1 : 0, serial.value_or(0)));
        return *this;
    }

    /** The time to check expiry against (Unix seconds); 0: the current time. */
    ManifestPolicy &now(std::int64_t unix_seconds) {
        check(olk_manifest_policy_set_now(get(), unix_seconds));
        return *this;
    }

private:
    using Handle::Handle;
};

/** The installed products a plan is made against (olk_manifest_installed). */
class ManifestInstalled : public Handle<olk_manifest_installed, olk_manifest_installed_free> {
public:
    static ManifestInstalled create() {
        return ManifestInstalled(call<olk_manifest_installed *>(olk_manifest_installed_new));
    }

    ManifestInstalled &add(const std::optional<std::string> &product_code,
                           const std::optional<std::string> &upgrade_code,
                           const std::string &version, const std::string &name) {
        check(olk_manifest_installed_add(get(), product_code ? c_str(*product_code) : nullptr,
                                         upgrade_code ? c_str(*upgrade_code) : nullptr,
                                         c_str(version), c_str(name)));
        return *this;
    }

private:
    using Handle::Handle;
};

/** The machine a plan is for (olk_manifest_environment); std::nullopt: unknown. */
struct ManifestEnvironment {
    std::optional<std::string> server_version;
    std::optional<std::string> outlook_version;
    olk_manifest_architecture outlook_bitness = OLK_MANIFEST_ARCH_UNKNOWN;
    std::optional<std::string> windows_version;
    olk_manifest_architecture architecture = OLK_MANIFEST_ARCH_X64;
    std::optional<std::string> channel; /**< std::nullopt: stable */
    std::string machine_id;
};

/** A package that matched its manifest entry. */
struct ManifestVerdict {
    olk_manifest_digest strength = OLK_MANIFEST_DIGEST_SHA256;
    std::uint64_t bytes = 0;
};

/** The update plan of a manifest for one machine (olk_manifest_plan). */
class ManifestPlan : public Handle<olk_manifest_plan, olk_manifest_plan_free> {
public:
    /** The decision for one product (item i is product i of the manifest). */
    struct Item {
        olk_manifest_action action = OLK_MANIFEST_ACTION_INSTALL;
        std::vector<std::string> reasons; /**< sentences, deciding ones first */
        std::optional<std::string> installed;
        std::optional<std::uint32_t> cache_upgrade;
    };

    std::size_t size() const { return call<std::size_t>(olk_manifest_plan_item_count, get()); }

    Item item(std::size_t index) const {
        Item item;
        item.action = static_cast<olk_manifest_action>(
            call<std::uint32_t>(olk_manifest_plan_item_action, get(), index));
        item.reasons.resize(call<std::size_t>(olk_manifest_plan_item_reason_count, get(), index));
        for (std::size_t i = 0; i < item.reasons.size(); i++) {
            item.reasons[i] = call_string(olk_manifest_plan_item_reason, get(), index, i);
        }
        item.installed = call_optional_string(olk_manifest_plan_item_installed, get(), index);
        item.cache_upgrade =
            call_optional_number<std::uint32_t>(olk_manifest_plan_item_cache_upgrade, get(), index);
        return item;
    }

    /** The indexes of the offered items, in the order to apply them. */
    std::vector<std::size_t> apply_order() const {
        std::vector<std::size_t> order(call<std::size_t>(olk_manifest_plan_apply_count, get()));
        for (std::size_t i = 0; i < order.size(); i++) {
            order[i] = call<std::size_t>(olk_manifest_plan_apply_index, get(), i);
        }
        return order;
    }

    /** The plan as JSON (shape: olk_manifest_plan_json in olkit.h). */
    std::string json() const { return call_string(olk_manifest_plan_json, get()); }

    /**
     * Starts a chunk-by-chunk check of item's package as the host's HTTP
     * stack receives it (olk_updates_package_check_new; defined below).
     */
    inline class ManifestCheck check_package(std::size_t item) const;

private:
    friend class Manifest;
    friend struct UpdatesCheck;
    using Handle::Handle;
};

/** Reads the outputs of a package check: f(args..., &strength, &bytes). */
template <typename F, typename... Args>
ManifestVerdict call_verdict(F f, Args... args) {
    std::uint32_t strength = 0;
    ManifestVerdict verdict;
    check(f(args..., &strength, &verdict.bytes));
    verdict.strength = static_cast<olk_manifest_digest>(strength);
    return verdict;
}

/** A package verified chunk by chunk as it downloads (olk_manifest_check). */
class ManifestCheck : public Handle<olk_manifest_check, olk_manifest_check_free> {
public:
    /** Feeds the next chunk (throws OLK_MANIFEST_PACKAGE_TOO_LARGE past the declared size). */
    void update(const std::uint8_t *data, std::size_t size) {
        check(olk_manifest_check_update(get(), data, size));
    }

    void update(const std::vector<std::uint8_t> &chunk) { update(chunk.data(), chunk.size()); }

    /** Ends the check: size and digest must match. The check is over afterwards. */
    ManifestVerdict finish() { return call_verdict(olk_manifest_check_finish, get()); }

private:
    friend class Manifest;
    friend class ManifestPlan;
    using Handle::Handle;
};

inline ManifestCheck ManifestPlan::check_package(std::size_t item) const {
    return ManifestCheck(
        call<olk_manifest_check *>(olk_updates_package_check_new, get(), item));
}

/** A manifest that passed its trust policy (olk_manifest). */
class Manifest : public Handle<olk_manifest, olk_manifest_free> {
public:
    /** Verifies and reads data, signed by signature (std::nullopt: unsigned). */
    static Manifest verify(const std::vector<std::uint8_t> &data,
                           const std::optional<std::vector<std::uint8_t>> &signature,
                           const ManifestPolicy &policy) {
        return Manifest(call<olk_manifest *>(olk_manifest_verify, data.data(), data.size(),
                                             signature ? signature->data() : nullptr,
                                             signature ? signature->size() : 0, policy.get()));
    }

    /** The serial to store and pass to ManifestPolicy::last_serial next time. */
    std::optional<std::uint64_t> serial_to_store() const {
        return call_optional_number<std::uint64_t>(olk_manifest_serial_to_store, get());
    }

    /** The id of the key that signed it; std::nullopt if unsigned. */
    std::optional<std::string> key_id() const {
        return call_optional_string(olk_manifest_key_id, get());
    }

    std::vector<std::string> warnings() const {
        std::vector<std::string> warnings(call<std::size_t>(olk_manifest_warning_count, get()));
        for (std::size_t i = 0; i < warnings.size(); i++) {
            warnings[i] = call_string(olk_manifest_warning, get(), i);
        }
        return warnings;
    }

    std::size_t product_count() const {
        return call<std::size_t>(olk_manifest_product_count, get());
    }

    /** A text field of a product; std::nullopt when it does not have it. */
    std::optional<std::string> product(std::size_t index, olk_manifest_product_field field) const {
        return call_optional_string(olk_manifest_product_get, get(), index,
                                    static_cast<std::uint32_t>(field));
    }

    /** A numeric field of a product; std::nullopt when it does not have it. */
    std::optional<std::uint64_t> product_number(std::size_t index,
                                                olk_manifest_product_number_field field) const {
        return call_optional_number<std::uint64_t>(olk_manifest_product_number, get(), index,
                                                   static_cast<std::uint32_t>(field));
    }

    /** A product as JSON (shape: olk_manifest_product_json in olkit.h). */
    std::string product_json(std::size_t index) const {
        return call_string(olk_manifest_product_json, get(), index);
    }

    /** The update plan for env with installed (nullptr: nothing installed). */
    ManifestPlan plan(const ManifestEnvironment &env,
                      const ManifestInstalled *installed = nullptr) const {
        auto text = [](const std::optional<std::string> &s) { return s ? c_str(*s) : nullptr; };
        olk_manifest_environment raw{};
        raw.struct_size = static_cast<std::uint32_t>(sizeof raw);
        raw.server_version = text(env.server_version);
        raw.outlook_version = text(env.outlook_version);
        raw.outlook_bitness = static_cast<std::uint32_t>(env.outlook_bitness);
        raw.windows_version = text(env.windows_version);
        raw.architecture = static_cast<std::uint32_t>(env.architecture);
        raw.channel = text(env.channel);
        raw.machine_id = c_str(env.machine_id);
        return ManifestPlan(call<olk_manifest_plan *>(olk_manifest_plan_new, get(), &raw,
                                                      installed ? installed->get() : nullptr));
    }

    /** Verifies the package file at path against product index. */
    ManifestVerdict verify_package(std::size_t index, const std::string &path) const {
        return call_verdict(olk_manifest_verify_package, get(), index, c_str(path));
    }

    /** Starts a chunk-by-chunk check of product index's package. */
    ManifestCheck check_package(std::size_t index) const {
        return ManifestCheck(call<olk_manifest_check *>(olk_manifest_check_new, get(), index));
    }

private:
    using Handle::Handle;
};

/**
 * Extracts the update bundle (zip) into the new directory dest, all or
 * nothing; returns the JSON report (shape: olk_manifest_extract_bundle).
 */
inline std::string extract_bundle(const std::string &zip, const std::string &dest) {
    return call_string(olk_manifest_extract_bundle, c_str(zip), c_str(dest));
}

/* ---------------------------------------------------------------------------
 * The update check in one call (olk_updates_check).
 */

/** What olkit::UpdatesCheck::run checks and plans (olk_updates_request). */
struct UpdatesRequest {
    std::vector<std::uint8_t> manifest;
    std::optional<std::vector<std::uint8_t>> signature; /**< std::nullopt: unsigned */
    std::vector<std::string> public_keys;               /**< base64 lines or .pub texts */
    bool allow_unsigned = false;
    std::optional<std::uint64_t> last_serial;
    /** A .reg export of the installer registrations or a JSON list; std::nullopt: nothing. */
    std::optional<std::vector<std::uint8_t>> inventory;
    std::optional<std::string> environment_json; /**< std::nullopt: the defaults */
    std::optional<std::int64_t> now_unix;         /**< std::nullopt: the system clock */
};

/** The result of the update check: the plan, the updater's list and the serial. */
struct UpdatesCheck {
    ManifestPlan plan;
    std::string report_json;               /**< shape: olk_updates_check in olkit.h */
    std::optional<std::uint64_t> serial_to_store; /**< std::nullopt: none */

    /** Verifies, reads and plans (throws olkit::Error: OLK_MANIFEST_* and others). */
    static UpdatesCheck run(const UpdatesRequest &request) {
        std::vector<const char *> keys;
        for (const std::string &key : request.public_keys) {
            keys.push_back(c_str(key));
        }
        olk_updates_request raw{};
        raw.struct_size = static_cast<std::uint32_t>(sizeof raw);
        raw.manifest = request.manifest.data();
        raw.manifest_len = request.manifest.size();
        if (request.signature) {
            raw.signature = request.signature->data();
            raw.signature_len = request.signature->size();
        }
        raw.public_keys = keys.empty() ? nullptr : keys.data();
        raw.public_key_count = keys.size();
        raw.allow_unsigned = request.allow_unsigned ? 1 : 0;
        raw.has_last_serial = request.last_serial ? 1 : 0;
        raw.last_serial = request.last_serial.value_or(0);
        if (request.inventory) {
            raw.inventory = request.inventory->data();
            raw.inventory_len = request.inventory->size();
        }
        raw.environment_json = request.environment_json ? c_str(*request.environment_json) : nullptr;
        raw.has_now = request.now_unix ? 1 : 0;
        raw.now_unix = request.now_unix.value_or(0);
        olk_manifest_plan *plan = nullptr;
        char *report = nullptr;
        std::uint64_t serial = 0;
        check(olk_updates_check(&raw, &plan, &report, &serial));
        ManifestPlan owned(plan);
        std::string text = take_string(report);
        return UpdatesCheck{std::move(owned), std::move(text),
                            serial == 0 ? std::nullopt : std::optional<std::uint64_t>(serial)};
    }
};

/* ---------------------------------------------------------------------------
 * Progress and cancel of long operations (olk_progress, olk_progress_cb).
 */

/** One progress report (olk_progress), copied for the callback. */
struct Progress {
    /** The operation's phase (an olk_db_phase for db_migrate); 0: unknown. */
    std::uint32_t phase = 0;
    /** The item being worked on (the table being copied); std::nullopt: none. */
    std::optional<std::string> item;
    std::uint64_t items_done = 0;
    std::uint64_t items_total = 0;
    std::uint64_t bytes_done = 0;
    std::uint64_t bytes_total = 0;
};

/** What a progress callback wants. */
enum class Control { Continue, Cancel };

/**
 * A progress callback, called on the calling thread during the call only.
 * An exception it throws cancels the operation and is rethrown by the call
 * once olkit has returned (it never crosses olkit's C frames).
 */
using ProgressCallback = std::function<Control(const Progress &)>;

namespace detail {

/** The userdata of progress_trampoline: the callback and what it threw. */
struct ProgressContext {
    const ProgressCallback *callback = nullptr;
    std::exception_ptr error;
};

/** The olk_progress_cb that calls a ProgressCallback; never throws. */
inline std::int32_t progress_trampoline(void *userdata, const olk_progress *raw) noexcept {
    ProgressContext *context = static_cast<ProgressContext *>(userdata);
    try {
        Progress progress;
        progress.phase = raw->phase;
        if (raw->item != nullptr) {
            progress.item = std::string(raw->item);
        }
        progress.items_done = raw->items_done;
        progress.items_total = raw->items_total;
        progress.bytes_done = raw->bytes_done;
        progress.bytes_total = raw->bytes_total;
        return (*context->callback)(progress) == Control::Cancel ? 1 : 0;
    } catch (...) {
        context->error = std::current_exception();
        return 1;
    }
}

/**
 * Calls f(cb, userdata) with the trampoline of callback (NULL for an empty
 * one), then rethrows what the callback threw, before the status is checked.
 */
template <typename F>
void with_progress(const ProgressCallback &callback, F f) {
    ProgressContext context;
    context.callback = &callback;
    const olk_status status = callback ? f(&progress_trampoline, static_cast<void *>(&context))
                                       : f(nullptr, nullptr);
    if (context.error) {
        std::rethrow_exception(context.error);
    }
    check(status);
}

} // namespace detail

/* ---------------------------------------------------------------------------
 * KOC cache databases (olk_db_*): status, upgrade out of place with progress
 * and cancel, check. Failures throw olkit::Error (OLK_DB_NOT_OURS,
 * OLK_DB_NEWER, OLK_DB_BUSY, OLK_DB_SQLITE, OLK_DB_FAILED, OLK_IO...) and
 * leave the database as it was.
 */

/** Options of db_status and db_migrate (olk_db_options). */
struct DbOptions {
    /** The "scheduled" marker file; std::nullopt: beside the database. */
    std::optional<std::string> scheduled_marker;
    /** Free space demanded beyond twice the database size, in bytes. */
    std::uint64_t space_margin = 0;
    /** integrity_check instead of quick_check for the new database. */
    bool full_check = false;
};

/** What a database file is (olk_db_status_info; the reasons are in db_status_json). */
struct DbStatus {
    olk_db_state state = OLK_DB_STATE_UNREADABLE;
    std::uint32_t format = 0; /**< found; 0 when not ours or unreadable */
    std::uint32_t current_format = 0;
    std::int32_t application_id = 0;
    std::uint64_t size_bytes = 0;
    std::uint64_t space_needed_bytes = 0;
    bool scheduled = false; /**< an earlier upgrade lacked space */
    std::uint64_t scheduled_needed_bytes = 0;
    std::uint64_t scheduled_available_bytes = 0;
    std::uint32_t leftovers = 0;
};

/** How db_migrate ended (olk_db_outcome) and its JSON (reasons, paths, tables). */
struct DbOutcome {
    olk_db_outcome_kind outcome = OLK_DB_OUTCOME_UP_TO_DATE;
    std::uint32_t from_format = 0;
    std::uint32_t to_format = 0;
    std::uint64_t old_bytes = 0;
    std::uint64_t new_bytes = 0;
    std::uint64_t rows = 0;
    std::uint64_t elapsed_ms = 0;
    std::uint64_t needed_bytes = 0;
    std::uint64_t available_bytes = 0;
    std::uint64_t salvaged_rows = 0;
    std::uint64_t unreadable_rows = 0;
    /** CANCELLED: the phase cancelled (an olk_db_phase); 0 otherwise. */
    std::uint32_t cancelled_phase = 0;
    /** The outcome as JSON (shape: olk_db_migrate in olkit.h). */
    std::string json;
};

/** What db_check found. */
struct DbCheck {
    bool ok = false;
    /** The report as JSON (shape: olk_db_check in olkit.h). */
    std::string json;
};

namespace detail {

/**
 * An olk_db_options for options, valid while options lives (NULL marker for
 * std::nullopt; throws OLK_EMBEDDED_NUL for a marker with a NUL).
 */
inline olk_db_options raw_db_options(const DbOptions &options) {
    olk_db_options raw{};
    raw.struct_size = static_cast<std::uint32_t>(sizeof raw);
    raw.scheduled_marker = options.scheduled_marker ? c_str(*options.scheduled_marker) : nullptr;
    raw.space_margin = options.space_margin;
    raw.full_check = options.full_check ? 1 : 0;
    return raw;
}

} // namespace detail

/** Examines the database at path without changing it. */
inline DbStatus db_status(const std::string &path, const DbOptions &options = DbOptions()) {
    const olk_db_options raw_options = detail::raw_db_options(options);
    olk_db_status_info raw{};
    raw.struct_size = static_cast<std::uint32_t>(sizeof raw);
    check(olk_db_status(c_str(path), &raw_options, &raw));
    DbStatus status;
    status.state = static_cast<olk_db_state>(raw.state);
    status.format = raw.format;
    status.current_format = raw.current_format;
    status.application_id = raw.application_id;
    status.size_bytes = raw.size_bytes;
    status.space_needed_bytes = raw.space_needed_bytes;
    status.scheduled = raw.scheduled != 0;
    status.scheduled_needed_bytes = raw.scheduled_needed_bytes;
    status.scheduled_available_bytes = raw.scheduled_available_bytes;
    status.leftovers = raw.leftovers;
    return status;
}

/** db_status as JSON, with the reason of an unreadable file (shape: olk_db_status_json). */
inline std::string db_status_json(const std::string &path, const DbOptions &options = DbOptions()) {
    const olk_db_options raw_options = detail::raw_db_options(options);
    return call_string(olk_db_status_json, c_str(path), &raw_options);
}

/**
 * Upgrades the database at path to the newest format, out of place,
 * reporting to progress (may be empty). A cancel (Control::Cancel) is an
 * outcome, OLK_DB_OUTCOME_CANCELLED, with the database as it was; so is an
 * exception from progress, which is rethrown here.
 */
inline DbOutcome db_migrate(const std::string &path, const DbOptions &options = DbOptions(),
                            const ProgressCallback &progress = ProgressCallback()) {
    const olk_db_options raw_options = detail::raw_db_options(options);
    const char *raw_path = c_str(path);
    olk_db_outcome raw{};
    raw.struct_size = static_cast<std::uint32_t>(sizeof raw);
    OwnedString json; // owned before a callback's exception is rethrown
    detail::with_progress(progress, [&](olk_progress_cb cb, void *userdata) {
        char *text = nullptr;
        const olk_status status = olk_db_migrate(raw_path, &raw_options, cb, userdata, &raw, &text);
        json.reset(text);
        return status;
    });
    DbOutcome outcome;
    outcome.json = take_string(json.release());
    outcome.outcome = static_cast<olk_db_outcome_kind>(raw.outcome);
    outcome.from_format = raw.from_format;
    outcome.to_format = raw.to_format;
    outcome.old_bytes = raw.old_bytes;
    outcome.new_bytes = raw.new_bytes;
    outcome.rows = raw.rows;
    outcome.elapsed_ms = raw.elapsed_ms;
    outcome.needed_bytes = raw.needed_bytes;
    outcome.available_bytes = raw.available_bytes;
    outcome.salvaged_rows = raw.salvaged_rows;
    outcome.unreadable_rows = raw.unreadable_rows;
    outcome.cancelled_phase = raw.cancelled_phase;
    return outcome;
}

/** Checks the database at path read-only (full: integrity_check). */
inline DbCheck db_check(const std::string &path, bool full = false) {
    std::uint8_t ok = 0;
    char *json = nullptr;
    check(olk_db_check(c_str(path), full ? 1 : 0, &json, &ok));
    DbCheck result;
    result.json = take_string(json);
    result.ok = ok != 0;
    return result;
}

/* ---------------------------------------------------------------------------
 * Outlook profiles (olk_profile_*): a .reg export or .prf file read into an
 * olkit::ProfileSet, and the conversion of KOC profiles to KOFF, planned
 * (profile_plan) or done (ProfileConversion::convert). Failures throw
 * olkit::Error (OLK_PROFILE_SYNTAX, OLK_PROFILE_RULES,
 * OLK_PROFILE_TOO_LARGE, OLK_PROFILE_FAILED, OLK_CANCELLED...).
 */

/** Outlook profiles read from a .reg export or a .prf file (olk_profile_set). */
class ProfileSet : public Handle<olk_profile_set, olk_profile_set_free> {
public:
    /** Reads a .reg export or, without a .reg header, a .prf file. */
    static ProfileSet parse(const std::vector<std::uint8_t> &data) {
        return ProfileSet(call<olk_profile_set *>(olk_profile_set_parse, data.data(), data.size()));
    }

    /** The number of profiles, over all users and roots (1 for a .prf file). */
    std::size_t count() const { return call<std::size_t>(olk_profile_set_count, get()); }

    /** Users, profiles, services, accounts and issues as JSON (shape: olk_profile_set_list_json). */
    std::string list_json() const { return call_string(olk_profile_set_list_json, get()); }

private:
    using Handle::Handle;
};

/** What the server probe is asked about (olk_profile_server_query). */
struct ServerQuery {
    std::string user;    /**< HKEY_CURRENT_USER, a SID, or "" for a .prf file */
    std::string profile; /**< the profile's name */
    std::optional<std::string> server; /**< std::nullopt: the profile names none */
    std::uint32_t port = 0;            /**< 0: unknown */
    std::optional<bool> ssl;           /**< std::nullopt: unknown */
};

/**
 * The server check of a conversion: the server's version ("7.4.1") when it
 * is reachable, std::nullopt when it is not. Called on the calling thread
 * during the call only; an exception it throws cancels the call and is
 * rethrown by it once olkit has returned.
 */
using ServerProbe = std::function<std::optional<std::string>(const ServerQuery &)>;

/** Options of profile_plan and ProfileConversion::convert (olk_profile_options). */
struct ProfileOptions {
    /** A rules file replacing the built-in rules; std::nullopt: the built-in ones. */
    std::optional<std::vector<std::uint8_t>> rules;
    /** The profiles to convert; empty: every profile (or the default one). */
    std::vector<std::string> profiles;
    /** Only the default profile of each user (not together with profiles). */
    bool default_only = false;
    /** The one user to convert (a SID or a hive); std::nullopt: every user. */
    std::optional<std::string> user;
};

/** The profile counts of a conversion. */
struct ProfileCounts {
    std::size_t converted = 0;
    std::size_t blocked = 0; /**< a server older than the rules' minimum */
    std::size_t already = 0; /**< already KOFF */
};

namespace detail {

/** The userdata of probe_trampoline: the probe and what it threw. */
struct ProbeContext {
    const ServerProbe *probe = nullptr;
    std::exception_ptr error;
};

/** The olk_profile_probe_cb that calls a ServerProbe; never throws. */
inline std::int32_t probe_trampoline(void *userdata, const olk_profile_server_query *raw,
                                     char *version_buf, std::size_t version_len) noexcept {
    ProbeContext *context = static_cast<ProbeContext *>(userdata);
    try {
        ServerQuery query;
        query.user = raw->user;
        query.profile = raw->profile;
        if (raw->server != nullptr) {
            query.server = std::string(raw->server);
        }
        query.port = raw->port;
        if (raw->ssl >= 0) {
            query.ssl = raw->ssl != 0;
        }
        const std::optional<std::string> version = (*context->probe)(query);
        if (!version) {
            return 0;
        }
        if (version->size() >= version_len || version->find('\0') != std::string::npos) {
            throw Error(OLK_INVALID_ARGUMENT, "the probe's server version does not fit in " +
                                                  std::to_string(version_len - 1) + " bytes");
        }
        std::memcpy(version_buf, version->c_str(), version->size() + 1);
        return 1;
    } catch (...) {
        context->error = std::current_exception();
        return -1;
    }
}

/** An olk_profile_options for options, valid while it and options live. */
class RawProfileOptions {
public:
    explicit RawProfileOptions(const ProfileOptions &options) {
        for (const std::string &name : options.profiles) {
            names_.push_back(c_str(name));
        }
        raw_.struct_size = static_cast<std::uint32_t>(sizeof raw_);
        if (options.rules) {
            // A non-NULL pointer even for an empty file: "these rules", not "the built-in ones".
            static const std::uint8_t empty = 0;
            raw_.rules = options.rules->empty() ? &empty : options.rules->data();
            raw_.rules_len = options.rules->size();
        }
        raw_.profiles = names_.empty() ? nullptr : names_.data();
        raw_.profile_count = names_.size();
        raw_.default_only = options.default_only ? 1 : 0;
        raw_.user = options.user ? c_str(*options.user) : nullptr;
    }
    RawProfileOptions(const RawProfileOptions &) = delete;
    RawProfileOptions &operator=(const RawProfileOptions &) = delete;

    const olk_profile_options *get() const noexcept { return &raw_; }

private:
    std::vector<const char *> names_;
    olk_profile_options raw_{};
};

/**
 * Calls f(cb, userdata) with the trampoline of probe (NULL for an empty
 * one), then rethrows what the probe threw, before the status is checked.
 */
template <typename F>
void with_probe(const ServerProbe &probe, F f) {
    ProbeContext context;
    context.probe = &probe;
    const olk_status status =
        probe ? f(&probe_trampoline, static_cast<void *>(&context)) : f(nullptr, nullptr);
    if (context.error) {
        std::rethrow_exception(context.error);
    }
    check(status);
}

} // namespace detail

/**
 * The dry run of a conversion of the export in data (.reg or .prf): what
 * would be converted and every change, as JSON (shape: olk_profile_plan).
 */
inline std::string profile_plan(const std::vector<std::uint8_t> &data,
                                const ProfileOptions &options = ProfileOptions(),
                                const ServerProbe &probe = ServerProbe()) {
    const detail::RawProfileOptions raw(options);
    OwnedString json; // owned before a probe's exception is rethrown
    detail::with_probe(probe, [&](olk_profile_probe_cb cb, void *userdata) {
        char *text = nullptr;
        const olk_status status =
            olk_profile_plan(data.data(), data.size(), raw.get(), cb, userdata, &text);
        json.reset(text);
        return status;
    });
    return take_string(json.release());
}

/** A conversion's result (olk_profile_conversion): converted and undo exports, report. */
class ProfileConversion : public Handle<olk_profile_conversion, olk_profile_conversion_free> {
public:
    /**
     * Converts the KOC profiles in scope of the export in data (.reg or
     * .prf) to KOFF, touching nothing else.
     */
    static ProfileConversion convert(const std::vector<std::uint8_t> &data,
                                     const ProfileOptions &options = ProfileOptions(),
                                     const ServerProbe &probe = ServerProbe()) {
        const detail::RawProfileOptions raw(options);
        ProfileConversion conversion; // owns the handle before a probe's exception is rethrown
        detail::with_probe(probe, [&](olk_profile_probe_cb cb, void *userdata) {
            olk_profile_conversion *handle = nullptr;
            const olk_status status =
                olk_profile_convert(data.data(), data.size(), raw.get(), cb, userdata, &handle);
            conversion = ProfileConversion(handle);
            return status;
        });
        return conversion;
    }

    /** The converted export (a copy). */
    std::vector<std::uint8_t> converted() const { return copy(olk_profile_conversion_converted); }

    /** The undo export, which restores the original exactly (a copy). */
    std::vector<std::uint8_t> undo() const { return copy(olk_profile_conversion_undo); }

    /** The report as JSON (shape: olk_profile_plan). */
    std::string report_json() const { return call_string(olk_profile_conversion_report_json, get()); }

    /** The report as text for people. */
    std::string report_text() const { return call_string(olk_profile_conversion_report_text, get()); }

    ProfileCounts counts() const {
        ProfileCounts counts;
        check(olk_profile_conversion_counts(get(), &counts.converted, &counts.blocked,
                                            &counts.already));
        return counts;
    }

private:
    using Handle::Handle;
    ProfileConversion() noexcept = default;

    using Borrow = olk_status (*)(const olk_profile_conversion *, const std::uint8_t **,
                                  std::size_t *);
    std::vector<std::uint8_t> copy(Borrow borrow) const {
        const std::uint8_t *data = nullptr;
        std::size_t len = 0;
        check(borrow(get(), &data, &len));
        return data == nullptr ? std::vector<std::uint8_t>()
                               : std::vector<std::uint8_t>(data, data + len);
    }
};

} // namespace olkit

#endif /* OLKIT_HPP */
