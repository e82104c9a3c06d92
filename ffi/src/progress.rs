//! Progress reports and cancel of long operations: the `olk_progress`
//! struct and the `olk_progress_cb` callback every long export takes
//! (`olk_db_migrate` first; downloads later), and [`ProgressCallback`],
//! which calls it from Rust.
//!
//! The callback is C code: it is called on the caller's thread, during the
//! export only, and never kept. It must return normally (no C++ exception,
//! no `longjmp` through olkit): olk_progress's wrappers in olkit.hpp and
//! Olkit.cs catch what their callbacks throw, cancel, and rethrow after
//! the call.

// The struct and the callback type have their C names.
#![allow(non_camel_case_types, reason = "C names")]

use std::ffi::{c_char, c_void, CString};
use std::ptr;

/// One progress report of a long operation, valid during the callback
/// only (copy what you keep).
///
/// `struct_size` is `sizeof(olk_progress)` of the library that filled it:
/// later versions only append fields, so read a field only when
/// `struct_size` covers it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct olk_progress {
    /// `sizeof(olk_progress)` as olkit filled it.
    pub struct_size: u32,
    /// What is being done; the values are the operation's
    /// (`olk_db_phase` for `olk_db_migrate`); 0 for a phase this header
    /// does not know.
    pub phase: u32,
    /// The item being worked on (for `olk_db_migrate`, the table being
    /// copied), UTF-8, or NULL; valid during the callback only.
    pub item: *const c_char,
    /// Items (for `olk_db_migrate`: source rows) done so far.
    pub items_done: u64,
    /// Items in all; 0 when not known yet.
    pub items_total: u64,
    /// Bytes done so far (for `olk_db_migrate`: written to the new
    /// database).
    pub bytes_done: u64,
    /// Bytes in all, or an estimate (for `olk_db_migrate`: the old
    /// database's size); 0 when not known.
    pub bytes_total: u64,
}

/// The progress callback of long operations: called with the caller's
/// `userdata` on the caller's thread, at least every 100 ms of work, and
/// never after the call that received it returns. Return 0 to go on,
/// anything else to cancel. It must not unwind (throw) into olkit.
pub type olk_progress_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, progress: *const olk_progress) -> i32>;

/// `size_of::<T>()` as a `uint32_t struct_size` (the ABI's structs are far
/// smaller than 4 GiB).
pub(crate) const fn struct_size<T>() -> u32 {
    let size = std::mem::size_of::<T>();
    if size > u32::MAX as usize {
        u32::MAX
    } else {
        size as u32
    }
}

/// What a report carries, in Rust terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Report<'a> {
    /// The operation's phase code.
    pub(crate) phase: u32,
    /// The item being worked on.
    pub(crate) item: Option<&'a str>,
    /// As in [`olk_progress`].
    pub(crate) items_done: u64,
    /// As in [`olk_progress`].
    pub(crate) items_total: u64,
    /// As in [`olk_progress`].
    pub(crate) bytes_done: u64,
    /// As in [`olk_progress`].
    pub(crate) bytes_total: u64,
}

/// The caller's callback and userdata, for the duration of one export.
pub(crate) struct ProgressCallback {
    callback: olk_progress_cb,
    userdata: *mut c_void,
}

impl ProgressCallback {
    /// Wraps the callback arguments of an export; a NULL callback hears
    /// nothing and never cancels.
    ///
    /// # Safety
    ///
    /// `callback` must be NULL or a function that may be called with
    /// `userdata` and a report, from this thread, until the export returns;
    /// and the `ProgressCallback` must not outlive the export.
    pub(crate) unsafe fn new(callback: olk_progress_cb, userdata: *mut c_void) -> Self {
        Self { callback, userdata }
    }

    /// Reports `report`; true when the callback asks to cancel.
    pub(crate) fn report(&self, report: &Report<'_>) -> bool {
        let Some(callback) = self.callback else {
            return false;
        };
        // An item with a NUL byte cannot be a C string: it is reported as
        // NULL rather than cut short.
        let item = report.item.and_then(|item| CString::new(item).ok());
        let progress = olk_progress {
            struct_size: struct_size::<olk_progress>(),
            phase: report.phase,
            item: item.as_ref().map_or(ptr::null(), |item| item.as_ptr()),
            items_done: report.items_done,
            items_total: report.items_total,
            bytes_done: report.bytes_done,
            bytes_total: report.bytes_total,
        };
        // SAFETY: `new`'s caller guarantees that the callback may be called
        // with `userdata` from this thread during the export, which is
        // still running; `progress` and `item` outlive the call.
        let answer = unsafe { callback(self.userdata, &progress) };
        answer != 0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use std::ffi::CStr;

    /// What the test callback saw: (phase, item, items_done, struct_size).
    type Seen = Vec<(u32, Option<String>, u64, u32)>;

    unsafe extern "C" fn record(userdata: *mut c_void, progress: *const olk_progress) -> i32 {
        // SAFETY: the tests pass a `Seen` as userdata and a valid report.
        let (seen, progress) = unsafe { (&mut *userdata.cast::<Seen>(), &*progress) };
        let item = match progress.item.is_null() {
            true => None,
            // SAFETY: `item` is NULL or a C string valid during the call.
            false => Some(unsafe { CStr::from_ptr(progress.item) }),
        };
        let item = item.map(|item| item.to_str().unwrap().to_owned());
        seen.push((
            progress.phase,
            item,
            progress.items_done,
            progress.struct_size,
        ));
        i32::from(progress.items_done >= 10)
    }

    fn report(item: Option<&str>, items_done: u64) -> Report<'_> {
        Report {
            phase: 2,
            item,
            items_done,
            items_total: 20,
            bytes_done: 0,
            bytes_total: 0,
        }
    }

    #[test]
    fn reports_reach_the_callback_and_non_zero_cancels() {
        let mut seen: Seen = Vec::new();
        // SAFETY: `record` takes a `Seen`, which outlives `callback`.
        let callback =
            unsafe { ProgressCallback::new(Some(record), (&raw mut seen).cast::<c_void>()) };
        assert!(!callback.report(&report(Some("messages"), 3)));
        assert!(callback.report(&report(None, 10)));
        // A NUL byte: the item is NULL, not a shorter string.
        assert!(callback.report(&report(Some("a\0b"), 11)));
        let size = struct_size::<olk_progress>();
        assert_eq!(
            seen,
            vec![
                (2, Some("messages".to_owned()), 3, size),
                (2, None, 10, size),
                (2, None, 11, size)
            ]
        );
    }

    #[test]
    fn a_null_callback_never_cancels() {
        // SAFETY: no callback at all.
        let callback = unsafe { ProgressCallback::new(None, ptr::null_mut()) };
        assert!(!callback.report(&report(Some("messages"), 100)));
    }
}
