//! Failures inside exports ([`FfiError`]) and the per-thread last error.
//!
//! Semantics, as documented in the header:
//!
//! - every function that returns `olk_status` runs in
//!   [`boundary`](crate::boundary::boundary): on failure it stores the
//!   message of that failure as this thread's last error, on success it
//!   clears it (so "no error" reads as an empty message);
//! - `olk_last_error_message` itself never changes the last error, not even
//!   when it fails, so a caller can retry with a bigger buffer;
//! - functions that do not return `olk_status` (`olk_status_str`,
//!   `olk_version`, the `*_free` functions...) never change it either: a
//!   .NET finalizer freeing a handle on another thread, or a C++ destructor
//!   running during stack unwinding, cannot clobber it.

use std::cell::Cell;
use std::ffi::{c_char, CString};
use std::str::Utf8Error;

use crate::boundary::boundary_value;
use crate::status::{
    olk_status, OLK_BUFFER_TOO_SMALL, OLK_EMBEDDED_NUL, OLK_INVALID_ARGUMENT, OLK_INVALID_UTF8,
    OLK_IO, OLK_NULL_ARGUMENT, OLK_OK, OLK_OUT_OF_RANGE, OLK_PANIC,
};
use crate::util::{Out, OutBuf};

/// Why an export failed: the status it returns and the message stored as
/// the last error. Crate errors get a `From` impl mapping them into their
/// crate's status range, so export bodies can use `?` on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FfiError {
    status: olk_status,
    message: String,
}

impl FfiError {
    /// A failure with `status` (never `OLK_OK`) and a message that says what
    /// was wrong and where.
    pub(crate) fn new(status: olk_status, message: impl Into<String>) -> Self {
        debug_assert_ne!(status, OLK_OK, "an FfiError must carry a failure status");
        Self {
            status,
            message: message.into(),
        }
    }

    /// `OLK_NULL_ARGUMENT` for the parameter `name`.
    pub(crate) fn null_argument(name: &str) -> Self {
        Self::new(OLK_NULL_ARGUMENT, format!("argument `{name}` is NULL"))
    }

    /// `OLK_INVALID_UTF8` for the parameter `name`.
    pub(crate) fn invalid_utf8(name: &str, err: Utf8Error) -> Self {
        Self::new(
            OLK_INVALID_UTF8,
            format!(
                "argument `{name}` is not valid UTF-8: invalid byte at offset {}",
                err.valid_up_to()
            ),
        )
    }

    /// `OLK_INVALID_ARGUMENT` with the given explanation.
    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(OLK_INVALID_ARGUMENT, message)
    }

    /// `OLK_EMBEDDED_NUL`: `what` cannot be returned as a C string.
    pub(crate) fn embedded_nul(what: &str, offset: usize) -> Self {
        Self::new(
            OLK_EMBEDDED_NUL,
            format!("{what} contains a NUL byte at offset {offset}"),
        )
    }

    /// `OLK_OUT_OF_RANGE` with the given explanation (the index, and the
    /// count it must stay under).
    pub(crate) fn out_of_range(message: impl Into<String>) -> Self {
        Self::new(OLK_OUT_OF_RANGE, message)
    }

    /// The same failure with `prefix: ` in front of its message, to say
    /// which file or value it concerns.
    pub(crate) fn context(mut self, prefix: &str) -> Self {
        self.message = format!("{prefix}: {}", self.message);
        self
    }

    /// `OLK_BUFFER_TOO_SMALL`: `needed` bytes are needed, `len` were given.
    pub(crate) fn buffer_too_small(name: &str, needed: usize, len: usize) -> Self {
        Self::new(
            OLK_BUFFER_TOO_SMALL,
            format!("buffer `{name}` holds {len} bytes, {needed} are needed"),
        )
    }

    /// The status the export returns.
    pub(crate) fn status(&self) -> olk_status {
        self.status
    }

    /// The message stored as the last error.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl From<std::io::Error> for FfiError {
    fn from(err: std::io::Error) -> Self {
        Self::new(OLK_IO, err.to_string())
    }
}

thread_local! {
    /// This thread's last error; `None` means "no error". A `Cell` (take and
    /// put back) rather than a `RefCell`, so no access can panic.
    static LAST_ERROR: Cell<Option<CString>> = const { Cell::new(None) };
}

/// Stores `message` as this thread's last error. A NUL byte inside the
/// message (it may quote user data) is written as `\0` so C sees all of it.
pub(crate) fn set_last_error(message: impl Into<String>) {
    let mut message = message.into();
    if message.contains('\0') {
        message = message.replace('\0', "\\0");
    }
    // Cannot fail after the replacement above; an empty message is the
    // harmless fallback should it ever.
    let message = CString::new(message).unwrap_or_default();
    // `try_with` fails only while the thread is being torn down; then there
    // is nobody left to read the message.
    let _ = LAST_ERROR.try_with(|cell| cell.set(Some(message)));
}

/// Clears this thread's last error.
pub(crate) fn clear_last_error() {
    let _ = LAST_ERROR.try_with(|cell| cell.set(None));
}

/// Calls `f` with this thread's last error message (empty if none) as
/// bytes including the terminating NUL.
pub(crate) fn with_last_error<R>(f: impl FnOnce(&[u8]) -> R) -> R {
    let stored = LAST_ERROR.try_with(Cell::take).ok().flatten();
    let result = f(stored.as_ref().map_or(b"\0", |m| m.as_bytes_with_nul()));
    if let Some(message) = stored {
        let _ = LAST_ERROR.try_with(|cell| cell.set(Some(message)));
    }
    result
}

/// Copies this thread's last error message, UTF-8 and NUL-terminated, into
/// `buf` (`len` bytes) and stores in `*needed` the bytes it takes including
/// the NUL. The message is empty if the last call that returns `olk_status`
/// on this thread succeeded (or if there was none).
///
/// Returns `OLK_OK` when the message was copied; `OLK_BUFFER_TOO_SMALL`
/// when it does not fit (nothing is copied, `*needed` is still set: call
/// with `buf` NULL and `len` 0 to query the size); `OLK_NULL_ARGUMENT` when
/// `needed` is NULL, or `buf` is NULL while `len` is not 0.
///
/// Never changes the last error, not even when it fails.
///
/// # Safety
///
/// `buf` must be NULL or valid for writes of `len` bytes; `needed` must be
/// NULL or valid for a write of one `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_last_error_message(
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> olk_status {
    // Not `boundary`: that would overwrite the message being asked for.
    boundary_value(OLK_PANIC, || {
        // SAFETY: the caller guarantees `needed` is NULL or writable.
        let needed = match unsafe { Out::new(needed, "needed") } {
            Ok(needed) => needed,
            Err(err) => return err.status(),
        };
        // SAFETY: the caller guarantees `buf` is NULL or writable for `len` bytes.
        let buf = match unsafe { OutBuf::new(buf, len, "buf") } {
            Ok(buf) => buf,
            Err(err) => return err.status(),
        };
        with_last_error(|message| match buf.write_c_str(message, needed) {
            Ok(()) => OLK_OK,
            Err(err) => err.status(),
        })
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use std::ptr;

    /// Reads the last error through the export, checking the size protocol.
    fn last_error() -> String {
        let mut needed = 0;
        // SAFETY: NULL buffer with length 0, `needed` is a valid local.
        let status = unsafe { olk_last_error_message(ptr::null_mut(), 0, &mut needed) };
        assert_eq!(status, OLK_BUFFER_TOO_SMALL);
        let mut buf = vec![0x55_u8; needed];
        let mut needed_again = 0;
        // SAFETY: `buf` is valid for `buf.len()` bytes.
        let status = unsafe {
            olk_last_error_message(buf.as_mut_ptr().cast(), buf.len(), &mut needed_again)
        };
        assert_eq!(status, OLK_OK);
        assert_eq!(needed_again, needed);
        assert_eq!(buf.pop(), Some(0), "NUL-terminated");
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn empty_when_nothing_failed() {
        clear_last_error();
        assert_eq!(last_error(), "");
    }

    #[test]
    fn set_and_clear() {
        set_last_error("argument `x` is NULL");
        assert_eq!(last_error(), "argument `x` is NULL");
        // Reading does not consume it.
        assert_eq!(last_error(), "argument `x` is NULL");
        clear_last_error();
        assert_eq!(last_error(), "");
    }

    #[test]
    fn embedded_nul_is_escaped() {
        set_last_error("a\0b");
        assert_eq!(last_error(), "a\\0b");
    }

    #[test]
    fn per_thread() {
        set_last_error("main thread");
        std::thread::spawn(|| {
            assert_eq!(last_error(), "");
            set_last_error("other thread");
        })
        .join()
        .unwrap();
        assert_eq!(last_error(), "main thread");
    }

    #[test]
    fn too_small_copies_nothing_and_keeps_the_message() {
        set_last_error("hello");
        let mut buf = [b'x'; 5];
        let mut needed = 0;
        // SAFETY: `buf` is valid for 5 bytes.
        let status = unsafe { olk_last_error_message(buf.as_mut_ptr().cast(), 5, &mut needed) };
        assert_eq!(status, OLK_BUFFER_TOO_SMALL);
        assert_eq!(needed, 6);
        assert_eq!(&buf, b"xxxxx");
        assert_eq!(last_error(), "hello");
    }

    #[test]
    fn null_arguments_keep_the_message() {
        set_last_error("kept");
        let mut buf = [0_u8; 16];
        // SAFETY: NULL `needed` is answered before anything is written.
        let status =
            unsafe { olk_last_error_message(buf.as_mut_ptr().cast(), 16, ptr::null_mut()) };
        assert_eq!(status, OLK_NULL_ARGUMENT);
        let mut needed = 7;
        // SAFETY: NULL buffer with a non-zero length is rejected, `needed` untouched.
        let status = unsafe { olk_last_error_message(ptr::null_mut(), 16, &mut needed) };
        assert_eq!(status, OLK_NULL_ARGUMENT);
        assert_eq!(needed, 7, "outputs are not written on failure");
        assert_eq!(last_error(), "kept");
    }

    #[test]
    fn constructors_say_what_and_where() {
        let err = FfiError::null_argument("text");
        assert_eq!(err.status(), OLK_NULL_ARGUMENT);
        assert_eq!(err.message(), "argument `text` is NULL");
        let bytes = vec![b'a', b'b', 0xff, b'c'];
        let utf8 = std::str::from_utf8(&bytes).unwrap_err();
        let err = FfiError::invalid_utf8("text", utf8);
        assert_eq!(err.status(), OLK_INVALID_UTF8);
        assert!(err.message().contains("offset 2"), "{}", err.message());
        let err = FfiError::from(std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(err.status(), OLK_IO);
        let err = FfiError::out_of_range("index 3 is out of range: there are 2").context("a.reg");
        assert_eq!(err.status(), OLK_OUT_OF_RANGE);
        assert_eq!(err.message(), "a.reg: index 3 is out of range: there are 2");
    }
}
