//! The olkit C ABI: `include/olkit.h` is generated from this crate by
//! cbindgen, and `libolkit.so` / `olkit.dll` / `libolkit.a` are built from
//! it. This is the only olkit crate that contains `unsafe`; every unsafe
//! operation sits in its own block with a `// SAFETY:` comment.
//!
//! Conventions (see "C ABI conventions" in the design document):
//!
//! - every fallible export returns [`olk_status`] and runs its body in the
//!   panic boundary (`boundary::boundary`): a panic becomes `OLK_PANIC`;
//! - status codes are never reused; ranges are reserved per crate: general
//!   1-999, regfile 1000-1999, manifest 2000-2999, msi-query 3000-3999,
//!   profile-convert 4000-4999, dbmigrate 5000-5999 (module `status`);
//! - failure detail is the per-thread last error
//!   ([`olk_last_error_message`]);
//! - strings are UTF-8 and NUL-terminated; strings and byte buffers handed
//!   to the caller are freed with `olk_string_free` / `olk_bytes_free`;
//! - outputs are written only on success.
//!
//! ```c
//! #include "olkit.h"
//!
//! olk_reg_file *file = NULL;
//! if (olk_reg_file_open("profiles.reg", 0, 0, &file) != OLK_OK) {
//!     char msg[512]; size_t needed;
//!     olk_last_error_message(msg, sizeof msg, &needed); /* "...: line 4, column 9: ..." */
//!     return 1;
//! }
//! char *server = NULL;
//! if (olk_reg_file_get_string(file, "HKEY_CURRENT_USER\\Software\\Kerio", "Server", &server) == OLK_OK) {
//!     puts(server);
//!     olk_string_free(server);
//! }
//! olk_reg_file_free(file);
//! ```
//!
//! Adding a crate's exports: a module per crate (`regfile.rs`, ...) with its
//! status codes in its range, `impl From<crate::Error> for FfiError`, and
//! exports written with the helpers of `util` inside `boundary::boundary`.

use std::ffi::{c_char, CStr};

mod boundary;
mod error;
mod progress;
mod status;
#[cfg(feature = "test-panic")]
mod testing;
mod util;

// The crates' exports, one module each. Declared after `status` so that
// cbindgen lists the general status codes first in the header.
mod db;
mod manifest;
mod msi;
mod profile;
mod regfile;
mod updates;

pub use db::*;
pub use error::olk_last_error_message;
pub use manifest::*;
pub use msi::*;
pub use profile::*;
pub use progress::{olk_progress, olk_progress_cb};
pub use regfile::*;
pub use status::*;
#[cfg(feature = "test-panic")]
pub use testing::*;
pub use updates::*;
pub use util::{olk_bytes_free, olk_string_free};

/// Version of the C ABI described by this header. It changes whenever an
/// existing declaration changes incompatibly; compare it with
/// `olk_abi_version()` to detect a header/library mismatch.
pub const OLKIT_ABI_VERSION: u32 = 1;

/// `CARGO_PKG_VERSION` as a C string.
const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => c"unknown",
    };

/// Returns the olkit version ("MAJOR.MINOR.PATCH"), a static string that
/// must not be freed. Does not change the last error.
#[unsafe(no_mangle)]
pub extern "C" fn olk_version() -> *const c_char {
    boundary::boundary_value(VERSION.as_ptr(), || VERSION.as_ptr())
}

/// Returns the `OLKIT_ABI_VERSION` this library was built with. Does not
/// change the last error.
#[unsafe(no_mangle)]
pub extern "C" fn olk_abi_version() -> u32 {
    boundary::boundary_value(OLKIT_ABI_VERSION, || OLKIT_ABI_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_the_package_version() {
        assert_eq!(VERSION.to_str(), Ok(env!("CARGO_PKG_VERSION")));
        assert_eq!(olk_version(), VERSION.as_ptr());
        assert_eq!(olk_abi_version(), OLKIT_ABI_VERSION);
    }
}
