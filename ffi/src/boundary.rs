//! The panic boundary every export runs in.
//!
//! A panic must never unwind into C, C++ or .NET code (since Rust 1.81 it
//! would abort the host process, Outlook included). [`catch`] is the only
//! `catch_unwind` in the crate; exports reach it through one of two doors:
//!
//! - [`boundary`] for every function that returns `olk_status`: `Ok(())`
//!   becomes `OLK_OK` and clears the last error, `Err(e)` becomes
//!   `e.status()` and stores `e.message()` as the last error, a panic
//!   becomes `OLK_PANIC` and stores `"panic: <panic message>"`;
//! - [`boundary_value`] for the few functions that return something else
//!   (`olk_status_str`, `olk_version`, the `*_free` functions): a panic
//!   returns the given fallback; the last error is never touched.
//!
//! Outputs are written only on success: an export body checks all its
//! arguments first, computes its results as Rust values, and writes them
//! through [`Out`](crate::util::Out) as its last, infallible, step.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{clear_last_error, set_last_error, FfiError};
use crate::status::{olk_status, OLK_OK, OLK_PANIC};

/// Runs the body of an export that returns `olk_status`.
///
/// ```ignore
/// #[unsafe(no_mangle)]
/// pub unsafe extern "C" fn olk_thing_parse(text: *const c_char, out: *mut *mut olk_thing) -> olk_status {
///     boundary(|| {
///         // SAFETY: the caller guarantees `text` is NULL or NUL-terminated.
///         let text = unsafe { str_arg(text, "text") }?;
///         // SAFETY: the caller guarantees `out` is NULL or writable.
///         let out = unsafe { Out::new(out, "out") }?;
///         let thing = Thing::parse(text)?; // From<thing::Error> for FfiError
///         out.write_handle(olk_thing(thing));
///         Ok(())
///     })
/// }
/// ```
pub(crate) fn boundary(body: impl FnOnce() -> Result<(), FfiError>) -> olk_status {
    match catch(body) {
        Ok(Ok(())) => {
            clear_last_error();
            OLK_OK
        }
        Ok(Err(err)) => {
            set_last_error(err.message());
            err.status()
        }
        Err(panic) => {
            set_last_error(format!("panic: {panic}"));
            OLK_PANIC
        }
    }
}

/// Runs the body of an export that does not return `olk_status`; returns
/// `on_panic` if the body panics. Never changes the last error.
pub(crate) fn boundary_value<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    catch(body).unwrap_or(on_panic)
}

/// Runs `body`, turning a panic into `Err(panic message)`.
fn catch<T>(body: impl FnOnce() -> T) -> Result<T, String> {
    // AssertUnwindSafe: after a panic the export returns at once; the only
    // state that outlives it is the last-error cell, which is replaced
    // wholesale and cannot be seen half-updated.
    catch_unwind(AssertUnwindSafe(body)).map_err(|payload| panic_message(payload.as_ref()))
}

/// The message of a `panic!`, whose payload is a `&str` or a `String`.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_owned()
    }
}

#[cfg(test)]
#[allow(clippy::panic, reason = "tests of the panic boundary")]
mod tests {
    use super::*;
    use crate::error::with_last_error;
    use crate::status::{OLK_INVALID_ARGUMENT, OLK_IO};

    fn last_error() -> String {
        with_last_error(|m| {
            String::from_utf8_lossy(m.strip_suffix(b"\0").unwrap_or(m)).into_owned()
        })
    }

    #[test]
    fn ok_clears_the_last_error() {
        set_last_error("old");
        assert_eq!(boundary(|| Ok(())), OLK_OK);
        assert_eq!(last_error(), "");
    }

    #[test]
    fn err_returns_its_status_and_stores_its_message() {
        let status = boundary(|| Err(FfiError::invalid_argument("`count` must be positive")));
        assert_eq!(status, OLK_INVALID_ARGUMENT);
        assert_eq!(last_error(), "`count` must be positive");
    }

    #[test]
    fn question_mark_converts_crate_errors() {
        let status = boundary(|| {
            std::fs::read("/nonexistent/olkit/boundary-test")?;
            Ok(())
        });
        assert_eq!(status, OLK_IO);
        assert!(!last_error().is_empty());
    }

    #[test]
    fn panic_with_str_becomes_olk_panic() {
        let status = boundary(|| panic!("boom"));
        assert_eq!(status, OLK_PANIC);
        assert_eq!(last_error(), "panic: boom");
    }

    #[test]
    fn panic_with_formatted_message_and_other_payloads() {
        let n = 42;
        assert_eq!(boundary(|| panic!("boom {n}")), OLK_PANIC);
        assert_eq!(last_error(), "panic: boom 42");
        assert_eq!(
            boundary(|| std::panic::resume_unwind(Box::new(7_u8))),
            OLK_PANIC
        );
        assert_eq!(last_error(), "panic: (no message)");
    }

    #[test]
    fn works_again_after_a_panic() {
        assert_eq!(boundary(|| panic!("first")), OLK_PANIC);
        assert_eq!(boundary(|| Ok(())), OLK_OK);
        assert_eq!(last_error(), "");
    }

    #[test]
    fn boundary_value_returns_the_fallback_and_keeps_the_last_error() {
        set_last_error("kept");
        assert_eq!(boundary_value(1, || 2), 2);
        assert_eq!(boundary_value(1, || panic!("ignored")), 1);
        assert_eq!(last_error(), "kept");
    }
}
