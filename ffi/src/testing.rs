//! Test-only exports (cargo feature `test-panic`, `OLKIT_TEST_PANIC` in the
//! header): they let the C, C++ and C# tests prove the panic boundary holds
//! and exercise the argument and result helpers from every language. Never
//! enabled in a release build.

use std::ffi::c_char;

use crate::boundary::boundary;
use crate::status::olk_status;
use crate::util::{bytes_arg, c_string, str_arg, write_bytes, Out};

/// Test only: panics inside the panic boundary and so returns `OLK_PANIC`,
/// with a last error message starting with "panic: ".
#[unsafe(no_mangle)]
pub extern "C" fn olk_test_panic() -> olk_status {
    boundary(|| {
        // `resume_unwind` unwinds exactly like `panic!` but skips the panic
        // hook, so the test output carries no "thread panicked" noise.
        std::panic::resume_unwind(Box::new("olk_test_panic: deliberate panic"))
    })
}

/// Test only: returns a copy of the UTF-8 string `text` in `*out`, to be
/// freed with `olk_string_free`. `OLK_NULL_ARGUMENT` if `text` or `out` is
/// NULL, `OLK_INVALID_UTF8` if `text` is not UTF-8; `*out` is written only
/// on success.
///
/// # Safety
///
/// `text` must be NULL or NUL-terminated; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_test_echo_string(
    text: *const c_char,
    out: *mut *mut c_char,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `text` is NULL or NUL-terminated.
        let text = unsafe { str_arg(text, "text") }?;
        // SAFETY: the caller guarantees `out` is NULL or writable.
        let out = unsafe { Out::new(out, "out") }?;
        let copy = c_string(text, "the copy")?;
        out.write_string(copy);
        Ok(())
    })
}

/// Test only: returns a copy of the `len` bytes at `data` in `*out` /
/// `*out_len`, to be freed with `olk_bytes_free(*out, *out_len)`; an empty
/// copy is NULL with length 0. `data` may be NULL when `len` is 0.
/// `OLK_NULL_ARGUMENT` for other NULLs; outputs are written only on success.
///
/// # Safety
///
/// `data` must be NULL or readable for `len` bytes; `out` and `out_len`
/// must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_test_echo_bytes(
    data: *const u8,
    len: usize,
    out: *mut *mut u8,
    out_len: *mut usize,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `data` is NULL or readable for `len` bytes.
        let data = unsafe { bytes_arg(data, len, "data") }?;
        // SAFETY: the caller guarantees `out` is NULL or writable.
        let out = unsafe { Out::new(out, "out") }?;
        // SAFETY: the caller guarantees `out_len` is NULL or writable.
        let out_len = unsafe { Out::new(out_len, "out_len") }?;
        write_bytes(out, out_len, data.to_vec());
        Ok(())
    })
}
