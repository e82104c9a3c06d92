//! Status codes: what every fallible export returns.
//!
//! `olk_status` is an `int32_t`. `OLK_OK` (0) is success; every other value
//! is a failure whose detail is in `olk_last_error_message`. Codes are never
//! negative and never reused: a code keeps its meaning forever, a retired
//! code stays retired. Each crate owns a range:
//!
//! | range     | owner                          |
//! |-----------|--------------------------------|
//! | 0         | `OLK_OK`                       |
//! | 1-999     | general (this module)          |
//! | 1000-1999 | olkit-regfile                  |
//! | 2000-2999 | olkit-manifest                 |
//! | 3000-3999 | olkit-msi-query                |
//! | 4000-4999 | olkit-profile-convert          |
//! | 5000-5999 | olkit-dbmigrate                |
//!
//! A new code is a `pub const OLK_...: olk_status` (cbindgen turns it into a
//! `#define`) in the module of its crate (`regfile.rs` for 1000-1999), an
//! arm in [`describe`], and a constant in `bindings/dotnet/Olkit.cs`
//! (`Olkit.Status`); the header tests check the three agree. Other numbers
//! of the ABI (formats, flags, types) are C enums, not `#define`s, so they
//! are never mistaken for status codes.

use std::ffi::{c_char, CStr};

use crate::boundary::boundary_value;
use crate::db::{OLK_DB_BUSY, OLK_DB_FAILED, OLK_DB_NEWER, OLK_DB_NOT_OURS, OLK_DB_SQLITE};
use crate::manifest::{
    OLK_MANIFEST_BAD_SIGNATURE, OLK_MANIFEST_BUNDLE_CORRUPT, OLK_MANIFEST_BUNDLE_LIMIT,
    OLK_MANIFEST_BUNDLE_UNSAFE, OLK_MANIFEST_DESTINATION_EXISTS, OLK_MANIFEST_EXPIRED,
    OLK_MANIFEST_FORMAT, OLK_MANIFEST_INVALID_VERSION, OLK_MANIFEST_KEY, OLK_MANIFEST_NO_DIGEST,
    OLK_MANIFEST_PACKAGE_MISMATCH, OLK_MANIFEST_PACKAGE_TOO_LARGE, OLK_MANIFEST_PACKAGE_TRUNCATED,
    OLK_MANIFEST_ROLLBACK, OLK_MANIFEST_UNSIGNED,
};
use crate::msi::{
    OLK_MSI_CONTAINER, OLK_MSI_CORRUPT, OLK_MSI_INVALID_VALUE, OLK_MSI_MARKER_COUNT,
    OLK_MSI_NOT_A_PACKAGE, OLK_MSI_NO_MORE_ROWS, OLK_MSI_NO_SUCH_STREAM, OLK_MSI_NO_SUCH_TABLE,
    OLK_MSI_SQL_INVALID, OLK_MSI_SQL_SYNTAX, OLK_MSI_TOO_LARGE, OLK_MSI_TYPE_MISMATCH,
    OLK_MSI_UNKNOWN_PRODUCT, OLK_MSI_UNKNOWN_PROPERTY, OLK_MSI_UNSUPPORTED_CODEPAGE,
};
use crate::profile::{
    OLK_PROFILE_FAILED, OLK_PROFILE_RULES, OLK_PROFILE_SYNTAX, OLK_PROFILE_TOO_LARGE,
};
use crate::regfile::{
    OLK_REG_BAD_DATA, OLK_REG_BAD_HEADER, OLK_REG_ENCODING, OLK_REG_INVALID_KEY_PATH,
    OLK_REG_INVALID_VALUE_NAME, OLK_REG_NOT_FOUND, OLK_REG_SYNTAX, OLK_REG_TOO_LARGE,
    OLK_REG_TYPE_MISMATCH, OLK_REG_UNENCODABLE, OLK_REG_VALUE_EXISTS,
};

/// Result of every fallible olkit function: `OLK_OK` (0) on success, a
/// positive code on failure, with the detail in `olk_last_error_message`.
///
/// Codes are never negative and never reused. Ranges: 1-999 general,
/// 1000-1999 regfile, 2000-2999 manifest, 3000-3999 msi-query,
/// 4000-4999 profile-convert, 5000-5999 dbmigrate.
#[allow(non_camel_case_types)]
pub type olk_status = i32;

/// Success.
pub const OLK_OK: olk_status = 0;
/// A pointer argument that must not be NULL was NULL.
pub const OLK_NULL_ARGUMENT: olk_status = 1;
/// A string argument was not valid UTF-8.
pub const OLK_INVALID_UTF8: olk_status = 2;
/// An argument had a value the function does not accept.
pub const OLK_INVALID_ARGUMENT: olk_status = 3;
/// A caller-provided buffer is too small; the size needed was reported.
pub const OLK_BUFFER_TOO_SMALL: olk_status = 4;
/// An input/output operation failed (file not found, permission denied...).
pub const OLK_IO: olk_status = 5;
/// olkit panicked (a bug in olkit); the panic was stopped at the boundary.
pub const OLK_PANIC: olk_status = 6;
/// A numeric argument or index is out of range.
pub const OLK_OUT_OF_RANGE: olk_status = 7;
/// A progress callback returned non-zero: the operation was cancelled.
pub const OLK_CANCELLED: olk_status = 8;
/// A string to return contains a NUL byte, so it cannot be a C string.
pub const OLK_EMBEDDED_NUL: olk_status = 9;

/// The text `olk_status_str` returns for a code no arm of [`describe`] knows.
/// (Not `pub`: cbindgen would try to export it.)
const UNKNOWN_STATUS: &CStr = c"unknown status";

/// Static description of a status code; `"unknown status"` for codes this
/// library does not know.
pub fn describe(status: olk_status) -> &'static CStr {
    match status {
        OLK_OK => c"success",
        OLK_NULL_ARGUMENT => c"a required pointer argument was NULL",
        OLK_INVALID_UTF8 => c"a string argument is not valid UTF-8",
        OLK_INVALID_ARGUMENT => c"invalid argument",
        OLK_BUFFER_TOO_SMALL => c"the output buffer is too small",
        OLK_IO => c"input/output error",
        OLK_PANIC => c"internal error: olkit panicked (this is a bug in olkit)",
        OLK_OUT_OF_RANGE => c"value out of range",
        OLK_CANCELLED => c"cancelled by the progress callback",
        OLK_EMBEDDED_NUL => c"a string contains an embedded NUL byte",
        OLK_REG_BAD_HEADER => {
            c"not a .reg file: the first line is neither REGEDIT4 nor \
              Windows Registry Editor Version 5.00"
        }
        OLK_REG_SYNTAX => c".reg syntax error",
        OLK_REG_ENCODING => c"the .reg file's bytes are not valid in its encoding",
        OLK_REG_TOO_LARGE => c"the .reg input is over the size limit",
        OLK_REG_NOT_FOUND => c"the key or value is not in the .reg file",
        OLK_REG_VALUE_EXISTS => c"a value of that name already exists",
        OLK_REG_INVALID_KEY_PATH => c"invalid registry key path",
        OLK_REG_INVALID_VALUE_NAME => c"invalid registry value name",
        OLK_REG_UNENCODABLE => c"the text cannot be written in the .reg file's encoding",
        OLK_REG_TYPE_MISMATCH => c"the registry value has another type",
        OLK_REG_BAD_DATA => c"the registry value's data is malformed for its type",
        OLK_MANIFEST_FORMAT => c"the update manifest is malformed",
        OLK_MANIFEST_INVALID_VERSION => c"a version text cannot be read",
        OLK_MANIFEST_KEY => c"invalid or missing trusted minisign public key",
        OLK_MANIFEST_UNSIGNED => c"the manifest is not signed and a signature is required",
        OLK_MANIFEST_BAD_SIGNATURE => {
            c"the manifest's signature is invalid or not by a trusted key"
        }
        OLK_MANIFEST_EXPIRED => c"the manifest expired",
        OLK_MANIFEST_ROLLBACK => c"the manifest is older than one accepted before (rollback)",
        OLK_MANIFEST_NO_DIGEST => c"the product declares no digest to verify its package against",
        OLK_MANIFEST_PACKAGE_TOO_LARGE => c"the package is larger than the manifest declares",
        OLK_MANIFEST_PACKAGE_TRUNCATED => c"the package is smaller than the manifest declares",
        OLK_MANIFEST_PACKAGE_MISMATCH => c"the package's digest differs from the manifest's",
        OLK_MANIFEST_BUNDLE_CORRUPT => c"the bundle is not a readable zip archive",
        OLK_MANIFEST_BUNDLE_LIMIT => c"the bundle breaks an extraction limit",
        OLK_MANIFEST_BUNDLE_UNSAFE => {
            c"a bundle entry is unsafe (path traversal, symbolic link or duplicate)"
        }
        OLK_MANIFEST_DESTINATION_EXISTS => c"the extraction destination exists already",
        OLK_MSI_CONTAINER => c"not a readable compound file (truncated or corrupt container)",
        OLK_MSI_NOT_A_PACKAGE => c"not a Windows Installer package (unknown root storage CLSID)",
        OLK_MSI_CORRUPT => c"the Windows Installer package is corrupt",
        OLK_MSI_UNSUPPORTED_CODEPAGE => c"a string of the package is in an unsupported code page",
        OLK_MSI_NO_SUCH_TABLE => c"no table of that name in the package",
        OLK_MSI_NO_SUCH_STREAM => c"no stream of that name in the package",
        OLK_MSI_TOO_LARGE => c"over a size or work limit of the package reader",
        OLK_MSI_SQL_SYNTAX => c"Windows Installer SQL syntax error",
        OLK_MSI_SQL_INVALID => c"the query does not fit the package (column or comparison)",
        OLK_MSI_MARKER_COUNT => c"the parameter record has fewer fields than the query has markers",
        OLK_MSI_NO_MORE_ROWS => c"no more rows in the view",
        OLK_MSI_TYPE_MISMATCH => c"the record field has another type",
        OLK_MSI_INVALID_VALUE => c"a version, GUID, Template or language list is malformed",
        OLK_MSI_UNKNOWN_PRODUCT => c"the product is not registered in that context",
        OLK_MSI_UNKNOWN_PROPERTY => c"the product has no such property",
        OLK_PROFILE_SYNTAX => {
            c"the profile export is neither a readable .reg export nor a .prf file"
        }
        OLK_PROFILE_RULES => c"the conversion rules file is malformed",
        OLK_PROFILE_TOO_LARGE => c"the profile export is over a size or count limit",
        OLK_PROFILE_FAILED => c"the conversion cannot be written into the export",
        OLK_DB_NOT_OURS => c"not a database of this application (another application_id)",
        OLK_DB_NEWER => c"the database's format is newer than this olkit knows",
        OLK_DB_BUSY => c"the database is busy (another migration or program holds it)",
        OLK_DB_SQLITE => c"SQLite could not open or read the database",
        OLK_DB_FAILED => c"the upgrade and its rebuild fallback both failed",
        _ => UNKNOWN_STATUS,
    }
}

/// Returns a static, NUL-terminated English description of `status`; never
/// NULL, `"unknown status"` for codes this library does not know. The string
/// must not be freed. Does not change the last error.
#[unsafe(no_mangle)]
pub extern "C" fn olk_status_str(status: olk_status) -> *const c_char {
    boundary_value(UNKNOWN_STATUS.as_ptr(), || describe(status).as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_described_and_unknown_codes_are_not() {
        let ranges = [
            OLK_OK..=OLK_EMBEDDED_NUL,
            OLK_REG_BAD_HEADER..=OLK_REG_BAD_DATA,
            OLK_MANIFEST_FORMAT..=OLK_MANIFEST_DESTINATION_EXISTS,
            OLK_MSI_CONTAINER..=OLK_MSI_UNKNOWN_PROPERTY,
            OLK_PROFILE_SYNTAX..=OLK_PROFILE_FAILED,
            OLK_DB_NOT_OURS..=OLK_DB_FAILED,
        ];
        for code in ranges.into_iter().flatten() {
            assert_ne!(describe(code), UNKNOWN_STATUS, "code {code}");
        }
        for code in [
            -1,
            OLK_EMBEDDED_NUL + 1,
            999,
            OLK_REG_BAD_DATA + 1,
            1999,
            OLK_MANIFEST_DESTINATION_EXISTS + 1,
            2999,
            OLK_MSI_UNKNOWN_PROPERTY + 1,
            3999,
            OLK_PROFILE_FAILED + 1,
            4999,
            OLK_DB_FAILED + 1,
            5999,
            i32::MAX,
            i32::MIN,
        ] {
            assert_eq!(describe(code), UNKNOWN_STATUS, "code {code}");
        }
    }

    #[test]
    fn status_str_returns_the_static_description() {
        let ptr = olk_status_str(OLK_PANIC);
        assert_eq!(ptr, describe(OLK_PANIC).as_ptr());
        assert_eq!(olk_status_str(12345), UNKNOWN_STATUS.as_ptr());
    }
}
