//! The toolkit of every export: reading arguments, writing results, and
//! handing owned memory to the caller and taking it back.
//!
//! Reading arguments (each answers NULL with `OLK_NULL_ARGUMENT`):
//! [`str_arg`], [`path_arg`], [`bytes_arg`], [`slice_arg`], [`handle_arg`],
//! [`handle_arg_mut`]; [`optional_str_arg`] (NULL is `None`) and
//! [`CEnum::from_code`] for C enum values. Writing results, only once
//! everything has succeeded: [`Out`] (`write`, `write_string`,
//! `write_handle`; [`Out::optional`] for outputs the caller may pass as
//! NULL), [`write_bytes`], [`OutBuf`] for caller-provided buffers.
//! Conversions that may fail are done before the first write: [`c_string`].
//! Taking memory back: `olk_string_free`, `olk_bytes_free`, [`free_handle`].
//!
//! Whole bodies of the common exports, in the panic boundary: [`export`]
//! (one result computed from a handle), [`export_bytes`] (bytes computed
//! from a handle), [`export_args`] (one result computed from any
//! arguments); the result is an [`Output`]: a number, a string
//! (`Option<CString>`, `None` for NULL) or a [`NewHandle`].
//!
//! Every allocation handed to the caller is released by the matching free
//! function here, so the pairs `CString::into_raw`/`CString::from_raw` and
//! `Box::into_raw`/`Box::from_raw` live side by side.
use std::ffi::{c_char, CStr, CString};
use std::path::Path;
use std::ptr::{self, NonNull};

use crate::boundary::{boundary, boundary_value};
use crate::error::FfiError;
use crate::status::olk_status;

/// Reads the NUL-terminated UTF-8 string argument `name`.
///
/// # Safety
///
/// `ptr` must be NULL or point to a NUL-terminated string that stays valid
/// and unmodified for `'a` (in practice: the export's call).
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null_argument(name));
    }
    // SAFETY: `ptr` is not NULL, and the caller guarantees it is a
    // NUL-terminated string valid for 'a.
    let c_str = unsafe { CStr::from_ptr(ptr) };
    c_str
        .to_str()
        .map_err(|err| FfiError::invalid_utf8(name, err))
}

/// Reads the UTF-8 path argument `name` (paths cross the ABI as UTF-8 on
/// every platform and are converted here).
///
/// # Safety
///
/// As for [`str_arg`].
pub(crate) unsafe fn path_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a Path, FfiError> {
    // SAFETY: same contract as ours.
    let path = unsafe { str_arg(ptr, name) }?;
    Ok(Path::new(path))
}

/// Reads the byte buffer argument `name` of `len` bytes; `ptr` may be NULL
/// when `len` is 0.
///
/// # Safety
///
/// `ptr` must be NULL or valid for reads of `len` bytes that stay unmodified
/// for `'a`.
pub(crate) unsafe fn bytes_arg<'a>(
    ptr: *const u8,
    len: usize,
    name: &str,
) -> Result<&'a [u8], FfiError> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(FfiError::null_argument(name));
    }
    if isize::try_from(len).is_err() {
        return Err(FfiError::invalid_argument(format!(
            "argument `{name}`: length {len} is larger than any buffer"
        )));
    }
    // SAFETY: `ptr` is not NULL (u8 needs no alignment), `len` fits in
    // isize, and the caller guarantees `len` readable bytes valid for 'a.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Reads the array argument `name` of `len` elements (for example the
/// `const char *const *items, size_t count` of a list of strings); `ptr`
/// may be NULL when `len` is 0.
///
/// # Safety
///
/// `ptr` must be NULL or valid, aligned, for reads of `len` initialised
/// elements that stay unmodified for `'a`.
pub(crate) unsafe fn slice_arg<'a, T>(
    ptr: *const T,
    len: usize,
    name: &str,
) -> Result<&'a [T], FfiError> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(FfiError::null_argument(name));
    }
    let fits = len
        .checked_mul(std::mem::size_of::<T>())
        .is_some_and(|bytes| isize::try_from(bytes).is_ok());
    if !fits {
        return Err(FfiError::invalid_argument(format!(
            "argument `{name}`: {len} elements are more than any array holds"
        )));
    }
    // SAFETY: `ptr` is not NULL, `len` elements fit in isize bytes, and
    // the caller guarantees they are aligned, initialised and valid for 'a.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows the handle argument `name`.
///
/// # Safety
///
/// `ptr` must be NULL or a handle created by this library (through
/// [`Out::write_handle`]), not yet freed, and not used mutably elsewhere
/// during `'a`.
pub(crate) unsafe fn handle_arg<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, FfiError> {
    // SAFETY: the caller guarantees that a non-NULL `ptr` is a live handle,
    // i.e. a valid, aligned, initialised `T` from `Box::into_raw`.
    unsafe { ptr.as_ref() }.ok_or_else(|| FfiError::null_argument(name))
}

/// Reads an optional string argument: NULL is `None`.
///
/// # Safety
///
/// As for [`str_arg`].
pub(crate) unsafe fn optional_str_arg<'a>(
    ptr: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, FfiError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL, and NUL-terminated per the caller.
    unsafe { str_arg(ptr, name) }.map(Some)
}

/// A `uint32_t` argument that must be one of a C enum's values.
pub(crate) trait CEnum: Copy + 'static {
    /// Every value, to look codes up in.
    const ALL: &'static [Self];
    /// The C name of the enum, for messages.
    const NAME: &'static str;
    /// The value's number in C.
    fn code(self) -> u32;

    /// The value numbered `code`, or `OLK_INVALID_ARGUMENT` naming the
    /// argument and the enum.
    fn from_code(code: u32, argument: &str) -> Result<Self, FfiError> {
        Self::ALL
            .iter()
            .copied()
            .find(|value| value.code() == code)
            .ok_or_else(|| {
                FfiError::invalid_argument(format!(
                    "argument `{argument}`: {code} is not a value of {}",
                    Self::NAME
                ))
            })
    }
}

/// Implements [`CEnum`] for a `#[repr(u32)]` enum with the listed variants
/// (cbindgen reads the enum itself, so it cannot be declared by a macro).
macro_rules! c_enum {
    ($name:ident, [$($variant:ident),* $(,)?]) => {
        impl $crate::util::CEnum for $name {
            const ALL: &'static [Self] = &[$($name::$variant),*];
            const NAME: &'static str = stringify!($name);
            fn code(self) -> u32 {
                self as u32
            }
        }
    };
}
pub(crate) use c_enum;

/// Mutably borrows the handle argument `name`.
///
/// # Safety
///
/// As for [`handle_arg`], and no other reference to the handle may exist
/// during `'a` (C callers must not share a handle across threads while
/// mutating it).
pub(crate) unsafe fn handle_arg_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, FfiError> {
    // SAFETY: as in `handle_arg`, plus exclusivity guaranteed by the caller.
    unsafe { ptr.as_mut() }.ok_or_else(|| FfiError::null_argument(name))
}

/// Frees a handle created by [`Out::write_handle`]; NULL is a no-op. The
/// body of every `olk_x_free`:
///
/// ```ignore
/// #[unsafe(no_mangle)]
/// pub unsafe extern "C" fn olk_thing_free(thing: *mut olk_thing) {
///     // SAFETY: the caller passes NULL or a live handle, and never uses it again.
///     unsafe { free_handle(thing) }
/// }
/// ```
///
/// # Safety
///
/// `ptr` must be NULL or a live handle of type `T` that is not used again.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    boundary_value((), || {
        if !ptr.is_null() {
            // SAFETY: a live handle comes from `Box::into_raw` in
            // `Out::write_handle` and is freed once, as the caller guarantees.
            drop(unsafe { Box::from_raw(ptr) });
        }
    });
}

/// Converts a string for the caller, failing with `OLK_EMBEDDED_NUL` if it
/// contains a NUL byte (`what` names it in the message). Convert every
/// result before writing the first output.
pub(crate) fn c_string(text: impl Into<Vec<u8>>, what: &str) -> Result<CString, FfiError> {
    CString::new(text).map_err(|err| FfiError::embedded_nul(what, err.nul_position()))
}

/// An output parameter, checked for NULL up front and written at the end.
///
/// [`Out::new`] is the only unsafe step: it takes the caller's promise that
/// the pointer is writable. Writing never reads or drops the old value (it
/// may be uninitialised C memory). Use an `Out` only inside the export
/// that received the pointer.
#[must_use = "an output must be written before the export returns OLK_OK"]
pub(crate) struct Out<T> {
    ptr: NonNull<T>,
}

impl<T> Out<T> {
    /// Checks the output parameter `name`.
    ///
    /// # Safety
    ///
    /// `ptr` must be NULL or valid for a write of one `T` (aligned) until
    /// the export returns.
    pub(crate) unsafe fn new(ptr: *mut T, name: &str) -> Result<Self, FfiError> {
        NonNull::new(ptr)
            .map(|ptr| Self { ptr })
            .ok_or_else(|| FfiError::null_argument(name))
    }

    /// An output parameter the caller may pass as NULL when it does not
    /// want that result: `None` for NULL.
    ///
    /// # Safety
    ///
    /// As for [`Out::new`].
    pub(crate) unsafe fn optional(ptr: *mut T) -> Option<Self> {
        NonNull::new(ptr).map(|ptr| Self { ptr })
    }

    /// Writes the result.
    pub(crate) fn write(self, value: T) {
        // SAFETY: `Out::new`'s caller guaranteed the pointer is valid for a
        // write of one aligned `T`; `ptr::write` does not read the old value.
        unsafe { self.ptr.as_ptr().write(value) }
    }
}

impl Out<*mut c_char> {
    /// Hands `text` to the caller, who frees it with `olk_string_free`.
    pub(crate) fn write_string(self, text: CString) {
        self.write(text.into_raw());
    }
}

impl<H> Out<*mut H> {
    /// Hands a new handle to the caller, who frees it with the handle's
    /// `olk_x_free` (whose body is [`free_handle`]).
    pub(crate) fn write_handle(self, handle: H) {
        self.write(Box::into_raw(Box::new(handle)));
    }
}

/// Hands `bytes` to the caller, who frees them with
/// `olk_bytes_free(ptr, len)`. An empty buffer is NULL with length 0.
pub(crate) fn write_bytes(ptr_out: Out<*mut u8>, len_out: Out<usize>, bytes: Vec<u8>) {
    if bytes.is_empty() {
        ptr_out.write(ptr::null_mut());
        len_out.write(0);
        return;
    }
    let bytes = bytes.into_boxed_slice();
    let len = bytes.len();
    // The allocation is taken back by `olk_bytes_free` with this length.
    ptr_out.write(Box::into_raw(bytes).cast::<u8>());
    len_out.write(len);
}

/// A caller-provided character buffer (`char *buf, size_t len`), filled
/// with a NUL-terminated string with the size reported in `*needed`.
pub(crate) struct OutBuf {
    ptr: *mut u8,
    len: usize,
    name: &'static str,
}

impl OutBuf {
    /// Checks the buffer argument `name`: NULL is allowed only with `len` 0.
    ///
    /// # Safety
    ///
    /// `ptr` must be NULL or valid for writes of `len` bytes until the
    /// export returns.
    pub(crate) unsafe fn new(
        ptr: *mut c_char,
        len: usize,
        name: &'static str,
    ) -> Result<Self, FfiError> {
        if ptr.is_null() && len != 0 {
            return Err(FfiError::null_argument(name));
        }
        Ok(Self {
            ptr: ptr.cast(),
            len,
            name,
        })
    }

    /// Copies `text_with_nul` (a C string's bytes, NUL included) into the
    /// buffer if it fits, and stores its length in `needed` in every case.
    /// Fails with `OLK_BUFFER_TOO_SMALL`, copying nothing, if it does not.
    pub(crate) fn write_c_str(
        self,
        text_with_nul: &[u8],
        needed: Out<usize>,
    ) -> Result<(), FfiError> {
        let size = text_with_nul.len();
        needed.write(size);
        if size > self.len {
            return Err(FfiError::buffer_too_small(self.name, size, self.len));
        }
        // SAFETY: `size <= self.len`, so the buffer is non-NULL (a NULL
        // buffer has length 0 and every C string has at least its NUL) and
        // writable for `size` bytes per `OutBuf::new`'s contract; the
        // source is a Rust slice, which cannot overlap caller memory we
        // were given for writing.
        unsafe { ptr::copy_nonoverlapping(text_with_nul.as_ptr(), self.ptr, size) };
        Ok(())
    }
}

/// A result an export hands to the caller through one output pointer of
/// type `*mut Self::Raw`.
pub(crate) trait Output {
    /// What the output pointer points to.
    type Raw;
    /// Writes the result.
    fn write_to(self, out: Out<Self::Raw>);
}

macro_rules! plain_output {
    ($($t:ty),*) => {
        $(impl Output for $t {
            type Raw = $t;
            fn write_to(self, out: Out<$t>) {
                out.write(self);
            }
        })*
    };
}
plain_output!(u8, u32, u64, i32, usize);

/// A string result; `None` is written as NULL.
impl Output for Option<CString> {
    type Raw = *mut c_char;
    fn write_to(self, out: Out<*mut c_char>) {
        match self {
            Some(text) => out.write_string(text),
            None => out.write(ptr::null_mut()),
        }
    }
}

/// A new handle for the caller.
pub(crate) struct NewHandle<H>(pub(crate) H);

impl<H> Output for NewHandle<H> {
    type Raw = *mut H;
    fn write_to(self, out: Out<*mut H>) {
        out.write_handle(self.0);
    }
}

/// The body of an export that computes one result from its arguments:
/// reads them with `args` (before `out` is checked, so a NULL argument is
/// reported first), checks the output `out` (named `out`), computes the
/// result from the arguments, then writes it.
///
/// ```ignore
/// // SAFETY: forwarded from our caller, who guarantees the same contract.
/// unsafe {
///     export_args(|| str_arg(text, "text"), out, |text| {
///         Ok(NewHandle(olk_thing(Thing::parse(text)?)))
///     })
/// }
/// ```
///
/// # Safety
///
/// `out` must be NULL or writable; `args` is run in the export's unsafe
/// context, so the export's contract must make its reads sound.
pub(crate) unsafe fn export_args<A, T: Output>(
    args: impl FnOnce() -> Result<A, FfiError>,
    out: *mut T::Raw,
    compute: impl FnOnce(A) -> Result<T, FfiError>,
) -> olk_status {
    boundary(|| {
        let args = args()?;
        // SAFETY: the caller guarantees `out` is NULL or writable.
        let out = unsafe { Out::new(out, "out") }?;
        compute(args)?.write_to(out);
        Ok(())
    })
}

/// The body of an export that computes one result from the handle `name`
/// (checked first), into `out`.
///
/// # Safety
///
/// `handle` must be NULL or a live handle; `out` must be NULL or writable.
pub(crate) unsafe fn export<H, T: Output>(
    handle: *const H,
    name: &str,
    out: *mut T::Raw,
    compute: impl FnOnce(&H) -> Result<T, FfiError>,
) -> olk_status {
    // SAFETY: the caller guarantees `handle` is NULL or a live handle and
    // `out` NULL or writable.
    unsafe { export_args(|| handle_arg(handle, name), out, compute) }
}

/// The body of an export that computes bytes from the handle `name` into
/// `*data` / `*len`.
///
/// # Safety
///
/// `handle` must be NULL or a live handle; `data` and `len` must be NULL or
/// writable.
pub(crate) unsafe fn export_bytes<H>(
    handle: *const H,
    name: &str,
    data: *mut *mut u8,
    len: *mut usize,
    compute: impl FnOnce(&H) -> Result<Vec<u8>, FfiError>,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `handle` is NULL or a live handle.
        let handle = unsafe { handle_arg(handle, name) }?;
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (data, len) = unsafe { (Out::new(data, "data")?, Out::new(len, "len")?) };
        write_bytes(data, len, compute(handle)?);
        Ok(())
    })
}

/// Frees a string returned by olkit (any `char *` result or output).
/// NULL is a no-op. Does not change the last error.
///
/// # Safety
///
/// `s` must be NULL or a string returned by olkit and not yet freed; it
/// must not be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_string_free(s: *mut c_char) {
    boundary_value((), || {
        if !s.is_null() {
            // SAFETY: olkit returns strings only through
            // `Out::write_string` (`CString::into_raw`), and the caller
            // frees each once.
            drop(unsafe { CString::from_raw(s) });
        }
    });
}

/// Frees a byte buffer returned by olkit together with its length (a
/// `uint8_t **out, size_t *out_len` result). NULL is a no-op. Does not
/// change the last error.
///
/// # Safety
///
/// `ptr` must be NULL or a buffer returned by olkit and not yet freed, and
/// `len` exactly the length returned with it; it must not be used
/// afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_bytes_free(ptr: *mut u8, len: usize) {
    boundary_value((), || {
        if !ptr.is_null() {
            let slice = ptr::slice_from_raw_parts_mut(ptr, len);
            // SAFETY: olkit returns non-NULL buffers only through
            // `write_bytes` (`Box::<[u8]>::into_raw`) with this length, and
            // the caller frees each once.
            drop(unsafe { Box::from_raw(slice) });
        }
    });
}

/// Checks that the struct at `ptr` (not NULL), named `name`, says it is at
/// least `size_of::<T>()` bytes.
///
/// # Safety
///
/// `ptr` must point to a readable, aligned `uint32_t struct_size`.
pub(crate) unsafe fn check_struct_size<T>(
    ptr: *const T,
    name: &str,
    c_type: &str,
) -> Result<(), FfiError> {
    // SAFETY: every version of the ABI's structs starts with `uint32_t
    // struct_size`, which the caller guarantees is readable and aligned.
    let size = unsafe { ptr.cast::<u32>().read() };
    let needed = crate::progress::struct_size::<T>();
    if size < needed {
        return Err(FfiError::invalid_argument(format!(
            "argument `{name}`: struct_size is {size}, at least {needed} \
             (sizeof({c_type})) is needed"
        )));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use crate::status::{
        OLK_BUFFER_TOO_SMALL, OLK_EMBEDDED_NUL, OLK_INVALID_UTF8, OLK_NULL_ARGUMENT,
    };

    #[test]
    fn str_arg_checks_null_and_utf8() {
        // SAFETY: NULL is allowed.
        let err = unsafe { str_arg(ptr::null(), "text") }.unwrap_err();
        assert_eq!(err.status(), OLK_NULL_ARGUMENT);
        let bad = c"ok\xC3(";
        // SAFETY: a valid C string literal.
        let err = unsafe { str_arg(bad.as_ptr(), "text") }.unwrap_err();
        assert_eq!(err.status(), OLK_INVALID_UTF8);
        assert!(err.message().contains("`text`") && err.message().contains("offset 2"));
        // SAFETY: a valid C string literal.
        let ok = unsafe { str_arg(c"Grüße".as_ptr(), "text") }.unwrap();
        assert_eq!(ok, "Grüße");
        // SAFETY: a valid C string literal.
        let path = unsafe { path_arg(c"/tmp/a.reg".as_ptr(), "path") }.unwrap();
        assert_eq!(path, Path::new("/tmp/a.reg"));
    }

    #[test]
    fn bytes_arg_allows_null_only_when_empty() {
        // SAFETY: NULL with length 0 is allowed.
        assert_eq!(unsafe { bytes_arg(ptr::null(), 0, "data") }.unwrap(), b"");
        // SAFETY: NULL is rejected before any read.
        let err = unsafe { bytes_arg(ptr::null(), 3, "data") }.unwrap_err();
        assert_eq!(err.status(), OLK_NULL_ARGUMENT);
        let data = [1_u8, 2, 3];
        // SAFETY: `data` is valid for 3 bytes.
        let read = unsafe { bytes_arg(data.as_ptr(), 3, "data") }.unwrap();
        assert_eq!(read, &data);
    }

    #[test]
    fn slice_arg_allows_null_only_when_empty() {
        // SAFETY: NULL with length 0 is allowed.
        let empty = unsafe { slice_arg::<*const c_char>(ptr::null(), 0, "items") }.unwrap();
        assert!(empty.is_empty());
        // SAFETY: NULL is rejected before any read.
        let err = unsafe { slice_arg::<u32>(ptr::null(), 2, "items") }.unwrap_err();
        assert_eq!(err.status(), OLK_NULL_ARGUMENT);
        assert!(err.message().contains("`items`"));
        let data = [1_u32, 2];
        // SAFETY: a length no array can have is rejected before any read.
        let err = unsafe { slice_arg(data.as_ptr(), usize::MAX / 2, "items") }.unwrap_err();
        assert_eq!(err.status(), crate::status::OLK_INVALID_ARGUMENT);
        // SAFETY: `data` is valid for 2 elements.
        let read = unsafe { slice_arg(data.as_ptr(), 2, "items") }.unwrap();
        assert_eq!(read, &data);
    }

    #[test]
    fn optional_out_is_none_for_null() {
        // SAFETY: NULL is allowed.
        assert!(unsafe { Out::<u8>::optional(ptr::null_mut()) }.is_none());
        let mut slot = 0_u8;
        // SAFETY: `slot` is a valid local.
        unsafe { Out::optional(&mut slot) }.unwrap().write(1);
        assert_eq!(slot, 1);
    }

    #[test]
    fn out_rejects_null_and_writes_without_reading() {
        // SAFETY: NULL is rejected.
        let err = unsafe { Out::<u32>::new(ptr::null_mut(), "out") }
            .err()
            .unwrap();
        assert_eq!(err.status(), OLK_NULL_ARGUMENT);
        let mut slot = 0_u32;
        // SAFETY: `slot` is a valid local.
        unsafe { Out::new(&mut slot, "out") }.unwrap().write(7);
        assert_eq!(slot, 7);
    }

    #[test]
    fn strings_round_trip_through_the_free_function() {
        let mut slot: *mut c_char = ptr::null_mut();
        // SAFETY: `slot` is a valid local.
        let out = unsafe { Out::new(&mut slot, "out") }.unwrap();
        out.write_string(c_string("héllo", "the greeting").unwrap());
        // SAFETY: `slot` was just written with a C string.
        assert_eq!(unsafe { CStr::from_ptr(slot) }, c"héllo");
        // SAFETY: returned by `write_string`, freed once.
        unsafe { olk_string_free(slot) };
        // SAFETY: NULL is a no-op.
        unsafe { olk_string_free(ptr::null_mut()) };
        let err = c_string("a\0b", "value `x`").unwrap_err();
        assert_eq!(err.status(), OLK_EMBEDDED_NUL);
        assert_eq!(err.message(), "value `x` contains a NUL byte at offset 1");
    }

    #[test]
    fn bytes_round_trip_through_the_free_function() {
        for data in [vec![], vec![0_u8, 1, 2, 255]] {
            let (mut ptr_slot, mut len_slot) = (ptr::dangling_mut::<u8>(), usize::MAX);
            // SAFETY: valid locals.
            let (p, l) = unsafe {
                (
                    Out::new(&mut ptr_slot, "out"),
                    Out::new(&mut len_slot, "len"),
                )
            };
            write_bytes(p.unwrap(), l.unwrap(), data.clone());
            assert_eq!(len_slot, data.len());
            if data.is_empty() {
                assert!(ptr_slot.is_null());
            } else {
                // SAFETY: `write_bytes` returned `len_slot` readable bytes.
                let copy = unsafe { std::slice::from_raw_parts(ptr_slot, len_slot) };
                assert_eq!(copy, &data[..]);
            }
            // SAFETY: returned by `write_bytes` with this length, freed once.
            unsafe { olk_bytes_free(ptr_slot, len_slot) };
        }
    }

    #[test]
    fn handles_round_trip() {
        let mut slot: *mut String = ptr::null_mut();
        // SAFETY: `slot` is a valid local.
        unsafe { Out::new(&mut slot, "out") }
            .unwrap()
            .write_handle("h".to_owned());
        // SAFETY: `slot` is a live handle with no other borrow.
        unsafe { handle_arg_mut(slot, "h") }.unwrap().push('!');
        // SAFETY: `slot` is a live handle.
        assert_eq!(unsafe { handle_arg(slot, "h") }.unwrap(), "h!");
        // SAFETY: NULL is rejected.
        let err = unsafe { handle_arg::<String>(ptr::null(), "h") }.unwrap_err();
        assert_eq!(err.status(), OLK_NULL_ARGUMENT);
        // SAFETY: live handle, freed once; NULL is a no-op.
        unsafe {
            free_handle(slot);
            free_handle::<String>(ptr::null_mut());
        }
    }

    #[test]
    fn out_buf_copies_only_what_fits() {
        let mut needed = 0;
        // SAFETY: NULL with length 0 is allowed; `needed` is a valid local.
        let (buf, n) = unsafe {
            (
                OutBuf::new(ptr::null_mut(), 0, "buf"),
                Out::new(&mut needed, "needed"),
            )
        };
        let err = buf.unwrap().write_c_str(b"abc\0", n.unwrap()).unwrap_err();
        assert_eq!((err.status(), needed), (OLK_BUFFER_TOO_SMALL, 4));
        // SAFETY: NULL with a length is rejected.
        let err = unsafe { OutBuf::new(ptr::null_mut(), 4, "buf") }
            .err()
            .unwrap();
        assert_eq!(err.status(), OLK_NULL_ARGUMENT);
        let mut storage = [b'x'; 4];
        // SAFETY: `storage` is valid for 4 bytes; `needed` is a valid local.
        let (buf, n) = unsafe {
            (
                OutBuf::new(storage.as_mut_ptr().cast(), 4, "buf"),
                Out::new(&mut needed, "needed"),
            )
        };
        buf.unwrap().write_c_str(b"abc\0", n.unwrap()).unwrap();
        assert_eq!(&storage, b"abc\0");
    }
}
