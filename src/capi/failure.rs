//! The failure boundary: why a call failed, the per-thread last-error detail, and the panic
//! guard every export runs its body in.

use core::ffi::c_char;
use std::cell::RefCell;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::args::StrOut;
use super::status::*;
use crate::Error;

// ---------------------------------------------------------------------------------------------
// Failures, the last-error detail and the panic guard
// ---------------------------------------------------------------------------------------------

/// Why a call failed: an error of the core, or a failure of the call itself (a status from 100
/// and its detail). Two words wide, so that passing it along with `?` costs little (the size
/// budget), and built by cold, shared constructors.
pub(super) enum Fail {
    Core(Error),
    Call(Box<(vodsign_status, String)>),
}

impl Fail {
    /// A failure of the call itself. The detail never contains a key: it only names arguments
    /// and sizes.
    #[cold]
    #[inline(never)]
    pub(super) fn call(status: vodsign_status, detail: fmt::Arguments<'_>) -> Fail {
        Fail::Call(Box::new((status, fmt::format(detail))))
    }

    #[cold]
    #[inline(never)]
    pub(super) fn null(arg: &'static str) -> Fail {
        Fail::call(VODSIGN_ERR_NULL_ARGUMENT, format_args!("{arg} is NULL"))
    }

    #[cold]
    #[inline(never)]
    pub(super) fn utf8(arg: &'static str, e: core::str::Utf8Error) -> Fail {
        Fail::call(
            VODSIGN_ERR_INVALID_UTF8_ARGUMENT,
            format_args!("{arg} is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        )
    }

    /// `cap` bytes given, `needed` needed (`nul`: counting the terminating NUL).
    #[cold]
    #[inline(never)]
    pub(super) fn too_small(needed: usize, cap: usize, nul: bool) -> Fail {
        let nul = if nul { " including the terminating NUL" } else { "" };
        Fail::call(
            VODSIGN_ERR_BUFFER_TOO_SMALL,
            format_args!("output buffer too small: {cap} bytes given, {needed} needed{nul}"),
        )
    }

    #[cold]
    #[inline(never)]
    pub(super) fn not_present(param: &str) -> Fail {
        Fail::call(VODSIGN_ERR_NOT_PRESENT, format_args!("the signature has no {param}"))
    }

    pub(super) fn status(&self) -> vodsign_status {
        match self {
            Fail::Core(e) => kind_status(e.kind()),
            Fail::Call(call) => call.0,
        }
    }

    pub(super) fn message(&self) -> &str {
        match self {
            Fail::Core(e) => e.message(),
            Fail::Call(call) => &call.1,
        }
    }

    pub(super) fn param(&self) -> Option<&str> {
        match self {
            Fail::Core(e) => e.param(),
            Fail::Call(_) => None,
        }
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Core(e)
    }
}

#[derive(Default)]
pub(super) struct LastError {
    message: String,
    param: String,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::new(LastError::default());
}

pub(super) fn record(func: &str, message: &str, param: Option<&str>) {
    let _ = LAST_ERROR.try_with(|cell| {
        if let Ok(mut last) = cell.try_borrow_mut() {
            last.message.clear();
            last.message.push_str(func);
            last.message.push_str(": ");
            last.message.push_str(message);
            last.param.clear();
            last.param.push_str(param.unwrap_or(""));
        }
    });
}

/// An export's body, run by [`guard_dyn`] through a trait object. A trait of its own rather than
/// `dyn FnMut`: the vtable of a closure trait object also carries a `call_once` shim, a second
/// copy of every body.
trait Body {
    fn run(&mut self) -> Result<(), Fail>;
}

impl<F: FnMut() -> Result<(), Fail>> Body for F {
    fn run(&mut self) -> Result<(), Fail> {
        self()
    }
}

/// Runs `f`, catching panics; on failure records the detail under `func` and returns the status.
#[inline]
pub(super) fn guard(func: &'static str, mut f: impl FnMut() -> Result<(), Fail>) -> vodsign_status {
    guard_dyn(func, &mut f)
}

/// The body of [`guard`], shared by every export instead of copied into each (the library's
/// size budget): one panic boundary and one error path.
#[inline(never)]
fn guard_dyn(func: &'static str, f: &mut dyn Body) -> vodsign_status {
    match catch_unwind(AssertUnwindSafe(|| f.run())) {
        Ok(Ok(())) => VODSIGN_OK,
        Ok(Err(fail)) => {
            // Recording allocates; a panic there must not escape either.
            let recorded = catch_unwind(AssertUnwindSafe(|| record(func, fail.message(), fail.param())));
            if recorded.is_err() {
                record_panic(func);
            }
            fail.status()
        }
        Err(payload) => {
            // Dropping the payload runs foreign code (its Drop); keep that inside a guard too.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            record_panic(func);
            VODSIGN_ERR_PANIC
        }
    }
}

fn record_panic(func: &'static str) {
    let _ = catch_unwind(|| record(func, "internal panic (a bug in vodsign); no output was written", None));
}

// ---------------------------------------------------------------------------------------------
// Last error
// ---------------------------------------------------------------------------------------------

/// Copies the detail of the last failed call on this thread, such as
/// `"vodsign_signer_sign: sourceContext has 251 characters; at most 250"`: the function, then the
/// parameter and the rule that failed. Empty when no call on this thread has failed yet.
/// Successful calls leave it as it was. The text never contains a secret key.
///
/// Calling this function (or `vodsign_last_error_param`) never changes the recorded error, even
/// when it fails, so a caller may retry with a larger buffer.
///
/// # Safety
/// `out` must have `cap` writable bytes (it may be NULL when `cap` is 0); `out_len` must be
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_last_error_message(
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    last_error_field(out, cap, out_len, |e| &e.message)
}

/// Copies the name of the signature parameter the last failed call on this thread is about
/// (`"sourceContext"`, `"expireTime"`, an unknown key for `duplicate_parameter`, ...): empty when
/// that error names no parameter, or when no call has failed yet. Set only for the core's errors
/// (codes 1 to 99), never for argument errors such as NULL or invalid UTF-8.
///
/// # Safety
/// As `vodsign_last_error_message`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_last_error_param(out: *mut c_char, cap: usize, out_len: *mut usize) -> vodsign_status {
    last_error_field(out, cap, out_len, |e| &e.param)
}

/// Reads the last error without recording a new one.
fn last_error_field(
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    field: fn(&LastError) -> &String,
) -> vodsign_status {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let sink = StrOut::new(out, cap, out_len)?;
        // Empty when the thread's record is gone (thread exit) or busy.
        LAST_ERROR
            .try_with(|cell| cell.try_borrow().ok().map(|last| sink.write(field(&last).as_bytes())))
            .ok()
            .flatten()
            .unwrap_or_else(|| sink.write(b""))
    }));
    match result {
        Ok(Ok(())) => VODSIGN_OK,
        Ok(Err(fail)) => fail.status(),
        Err(payload) => {
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            VODSIGN_ERR_PANIC
        }
    }
}
