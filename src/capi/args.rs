//! Argument and output helpers: pointers and lengths in, values, text and handles out.

use core::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::failure::Fail;
use super::status::VODSIGN_ERR_OUT_OF_RANGE;

// ---------------------------------------------------------------------------------------------
// Argument helpers
//
// The ones used by many exports are `#[inline(never)]`: one shared copy instead of one in every
// export (the library's size budget; a call costs nothing next to signing or decoding).
// ---------------------------------------------------------------------------------------------

/// Bytes from (pointer, length). The pointer must not be NULL, even for length 0.
#[inline(never)]
pub(super) unsafe fn bytes_arg<'a>(ptr: *const u8, len: usize, name: &'static str) -> Result<&'a [u8], Fail> {
    if ptr.is_null() {
        return Err(Fail::null(name));
    }
    if len > isize::MAX as usize {
        return Err(Fail::call(
            VODSIGN_ERR_OUT_OF_RANGE,
            format_args!("the length of {name} is larger than PTRDIFF_MAX"),
        ));
    }
    // SAFETY: the caller promises `ptr` points to `len` readable bytes (checked non-NULL above).
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// UTF-8 text from (pointer, length).
#[inline(never)]
pub(super) unsafe fn str_arg<'a>(ptr: *const c_char, len: usize, name: &'static str) -> Result<&'a str, Fail> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { bytes_arg(ptr.cast::<u8>(), len, name) }?;
    core::str::from_utf8(bytes).map_err(|e| Fail::utf8(name, e))
}

pub(super) unsafe fn ref_arg<'a, T>(ptr: *const T, name: &'static str) -> Result<&'a T, Fail> {
    // SAFETY: the caller promises a non-NULL `ptr` is a live handle from this library.
    unsafe { ptr.as_ref() }.ok_or_else(|| Fail::null(name))
}

pub(super) unsafe fn mut_arg<'a, T>(ptr: *mut T, name: &'static str) -> Result<&'a mut T, Fail> {
    // SAFETY: the caller promises a non-NULL `ptr` is a live handle used by this thread only.
    unsafe { ptr.as_mut() }.ok_or_else(|| Fail::null(name))
}

/// A place for one plain value, written only on success.
pub(super) struct ValueOut<T>(*mut T);

impl<T> ValueOut<T> {
    pub(super) fn new(ptr: *mut T, name: &'static str) -> Result<Self, Fail> {
        if ptr.is_null() {
            Err(Fail::null(name))
        } else {
            Ok(ValueOut(ptr))
        }
    }

    pub(super) fn write(self, value: T) -> Result<(), Fail> {
        // SAFETY: checked non-NULL; the caller promises it is writable and aligned.
        unsafe { self.0.write(value) };
        Ok(())
    }
}

/// The `(char *out, size_t cap, size_t *out_len)` triple.
#[derive(Clone, Copy)]
pub(super) struct StrOut {
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
}

impl StrOut {
    /// `out` may be NULL only when `cap` is 0 (to ask for the length).
    #[inline(never)]
    pub(super) fn new(out: *mut c_char, cap: usize, out_len: *mut usize) -> Result<Self, Fail> {
        if out_len.is_null() {
            return Err(Fail::null("out_len"));
        }
        if out.is_null() && cap != 0 {
            return Err(Fail::null("out"));
        }
        Ok(StrOut {
            out: out.cast::<u8>(),
            cap,
            out_len,
        })
    }

    /// Copies `bytes` and a NUL when they fit; else only sets `*out_len`.
    #[inline(never)]
    pub(super) fn write(self, bytes: &[u8]) -> Result<(), Fail> {
        let n = bytes.len();
        // SAFETY: `out_len` is checked non-NULL; `out` has `cap` writable bytes and n < cap.
        unsafe {
            self.out_len.write(n);
            if n >= self.cap {
                return Err(Fail::too_small(n + 1, self.cap, true));
            }
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.out, n);
            self.out.add(n).write(0);
        }
        Ok(())
    }
}

/// A place for a new handle.
pub(super) struct HandleOut<T>(*mut *mut T);

impl<T> HandleOut<T> {
    pub(super) fn new(ptr: *mut *mut T, name: &'static str) -> Result<Self, Fail> {
        if ptr.is_null() {
            Err(Fail::null(name))
        } else {
            Ok(HandleOut(ptr))
        }
    }

    pub(super) fn write(self, value: T) -> Result<(), Fail> {
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { self.0.write(Box::into_raw(Box::new(value))) };
        Ok(())
    }
}

/// Frees a handle made by `HandleOut::write`, catching a panic in its Drop.
pub(super) unsafe fn free_handle<T>(ptr: *mut T) {
    if ptr.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller promises `ptr` came from this library and is freed once.
        drop(unsafe { Box::from_raw(ptr) })
    }));
}
