//! The C ABI (`include/vodsign.h`, generated from this file by `scripts/gen-header.sh`).
//!
//! A thin layer over the core: it checks pointers, converts strings and errors, and holds no
//! signing, decoding or verification rule of its own. Every exported function:
//!
//! * returns a [`vodsign_status`] (0 is [`VODSIGN_OK`]) unless it cannot fail;
//! * catches panics (`VODSIGN_ERR_PANIC`), so no unwind crosses into C;
//! * checks every pointer before using it (`VODSIGN_ERR_NULL_ARGUMENT`);
//! * writes its outputs only on success (the one exception: `*out_len` on
//!   `VODSIGN_ERR_BUFFER_TOO_SMALL`, which tells the caller how much room to make);
//! * on failure records a detail message for [`vodsign_last_error_message`] on the calling thread.
//!
//! cbindgen reads this single file, so everything the header shows is defined here.

#![allow(non_camel_case_types)]
// Each `unsafe extern "C" fn` documents its contract in its `# Safety` section, in the header.
#![allow(clippy::missing_safety_doc)]

use core::ffi::c_char;
use std::fmt;
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::{Decoded, Error, ErrorKind, Options, Signer, Verifier};

// ---------------------------------------------------------------------------------------------
// Version
// ---------------------------------------------------------------------------------------------

/// Major version of the library this header belongs to (checked against Cargo.toml at build time).
pub const VODSIGN_VERSION_MAJOR: u32 = 0;
/// Minor version of the library this header belongs to.
pub const VODSIGN_VERSION_MINOR: u32 = 1;
/// Patch version of the library this header belongs to.
pub const VODSIGN_VERSION_PATCH: u32 = 0;

const fn parse_version_part(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut i = 0;
    let mut v: u32 = 0;
    while i < b.len() {
        assert!(b[i].is_ascii_digit(), "version part is not a number");
        v = v * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    v
}

/// Length of the MAC at the front of every signature, in bytes.
pub const VODSIGN_MAC_LEN: usize = 20;

// ---------------------------------------------------------------------------------------------
// Status codes
// ---------------------------------------------------------------------------------------------

/// The result of every fallible call: `VODSIGN_OK` (0) or one of the `VODSIGN_ERR_*` codes.
///
/// Codes are fixed numbers and never reused. Codes 1 to 99 mirror the core's error kinds (new
/// kinds get new numbers in that range); codes from 100 are about the C call itself. A caller
/// must be ready for codes this header does not list (treat them as errors;
/// `vodsign_status_message` still describes them as unknown).
pub type vodsign_status = u32;

/// Success.
pub const VODSIGN_OK: vodsign_status = 0;
/// `invalid_parameter`: a parameter value breaks its documented rule (`vodsign_last_error_param` names it).
pub const VODSIGN_ERR_INVALID_PARAMETER: vodsign_status = 1;
/// `validity_too_long`: expireTime - currentTimeStamp is more than 7,776,000 seconds (90 days).
pub const VODSIGN_ERR_VALIDITY_TOO_LONG: vodsign_status = 2;
/// `not_base64`: the signature is not standard padded Base64.
pub const VODSIGN_ERR_NOT_BASE64: vodsign_status = 3;
/// `too_short`: the signature decodes to fewer than 21 bytes.
pub const VODSIGN_ERR_TOO_SHORT: vodsign_status = 4;
/// `not_utf8`: the embedded original, or a percent-decoded key or value, is not UTF-8.
pub const VODSIGN_ERR_NOT_UTF8: vodsign_status = 5;
/// `malformed_query`: a bad percent escape (or too many parameters) in the signed text.
pub const VODSIGN_ERR_MALFORMED_QUERY: vodsign_status = 6;
/// `missing_parameter`: a required parameter is absent (`vodsign_last_error_param` names it).
pub const VODSIGN_ERR_MISSING_PARAMETER: vodsign_status = 7;
/// `not_an_integer`: an integer parameter is not `-?[0-9]+` (`vodsign_last_error_param` names it).
pub const VODSIGN_ERR_NOT_AN_INTEGER: vodsign_status = 8;
/// `duplicate_parameter`: a key appears twice (`vodsign_last_error_param` names it).
pub const VODSIGN_ERR_DUPLICATE_PARAMETER: vodsign_status = 9;
/// `bad_mac`: the MAC does not match the key (forged, altered, or another key).
pub const VODSIGN_ERR_BAD_MAC: vodsign_status = 10;
/// `expired`: now >= expireTime.
pub const VODSIGN_ERR_EXPIRED: vodsign_status = 11;
/// `not_yet_valid`: currentTimeStamp > now + skew.
pub const VODSIGN_ERR_NOT_YET_VALID: vodsign_status = 12;
/// `clock`: the system clock is before 1970.
pub const VODSIGN_ERR_CLOCK: vodsign_status = 13;
/// `random`: the operating system's random generator failed.
pub const VODSIGN_ERR_RANDOM: vodsign_status = 14;
/// `null_argument`: a pointer argument that must not be NULL was NULL.
pub const VODSIGN_ERR_NULL_ARGUMENT: vodsign_status = 100;
/// `invalid_utf8_argument`: a text argument is not valid UTF-8.
pub const VODSIGN_ERR_INVALID_UTF8_ARGUMENT: vodsign_status = 101;
/// `buffer_too_small`: the output buffer cannot hold the result and its terminating NUL;
/// `*out_len` was set to the length needed (without the NUL).
pub const VODSIGN_ERR_BUFFER_TOO_SMALL: vodsign_status = 102;
/// `panic`: an internal error (a bug in vodsign) was caught; nothing was written.
pub const VODSIGN_ERR_PANIC: vodsign_status = 103;
/// `not_present`: the decoded signature does not carry the optional parameter asked for.
pub const VODSIGN_ERR_NOT_PRESENT: vodsign_status = 104;
/// `out_of_range`: an index is not below the count, or a length is larger than PTRDIFF_MAX.
pub const VODSIGN_ERR_OUT_OF_RANGE: vodsign_status = 105;

fn kind_status(kind: ErrorKind) -> vodsign_status {
    match kind {
        ErrorKind::InvalidParameter => VODSIGN_ERR_INVALID_PARAMETER,
        ErrorKind::ValidityTooLong => VODSIGN_ERR_VALIDITY_TOO_LONG,
        ErrorKind::NotBase64 => VODSIGN_ERR_NOT_BASE64,
        ErrorKind::TooShort => VODSIGN_ERR_TOO_SHORT,
        ErrorKind::NotUtf8 => VODSIGN_ERR_NOT_UTF8,
        ErrorKind::MalformedQuery => VODSIGN_ERR_MALFORMED_QUERY,
        ErrorKind::MissingParameter => VODSIGN_ERR_MISSING_PARAMETER,
        ErrorKind::NotAnInteger => VODSIGN_ERR_NOT_AN_INTEGER,
        ErrorKind::DuplicateParameter => VODSIGN_ERR_DUPLICATE_PARAMETER,
        ErrorKind::BadMac => VODSIGN_ERR_BAD_MAC,
        ErrorKind::Expired => VODSIGN_ERR_EXPIRED,
        ErrorKind::NotYetValid => VODSIGN_ERR_NOT_YET_VALID,
        ErrorKind::Clock => VODSIGN_ERR_CLOCK,
        ErrorKind::Random => VODSIGN_ERR_RANDOM,
    }
}

/// (name, message) of a status code, both NUL-terminated and static.
fn status_strings(code: vodsign_status) -> (&'static core::ffi::CStr, &'static core::ffi::CStr) {
    match code {
        VODSIGN_OK => (c"ok", c"success"),
        VODSIGN_ERR_INVALID_PARAMETER => (c"invalid_parameter", c"a parameter breaks its documented rule"),
        VODSIGN_ERR_VALIDITY_TOO_LONG => (
            c"validity_too_long",
            c"validity is longer than 90 days (7776000 seconds)",
        ),
        VODSIGN_ERR_NOT_BASE64 => (c"not_base64", c"signature is not standard padded Base64"),
        VODSIGN_ERR_TOO_SHORT => (c"too_short", c"signature is shorter than 21 bytes"),
        VODSIGN_ERR_NOT_UTF8 => (c"not_utf8", c"signature text is not UTF-8"),
        VODSIGN_ERR_MALFORMED_QUERY => (c"malformed_query", c"signature has a bad percent escape"),
        VODSIGN_ERR_MISSING_PARAMETER => (c"missing_parameter", c"a required parameter is missing"),
        VODSIGN_ERR_NOT_AN_INTEGER => (c"not_an_integer", c"an integer parameter is not a whole number"),
        VODSIGN_ERR_DUPLICATE_PARAMETER => (c"duplicate_parameter", c"a parameter appears more than once"),
        VODSIGN_ERR_BAD_MAC => (c"bad_mac", c"signature MAC does not match the key"),
        VODSIGN_ERR_EXPIRED => (c"expired", c"signature has expired"),
        VODSIGN_ERR_NOT_YET_VALID => (c"not_yet_valid", c"signature is not valid yet"),
        VODSIGN_ERR_CLOCK => (c"clock", c"system clock is before 1970"),
        VODSIGN_ERR_RANDOM => (c"random", c"operating system random generator failed"),
        VODSIGN_ERR_NULL_ARGUMENT => (c"null_argument", c"a pointer argument is NULL"),
        VODSIGN_ERR_INVALID_UTF8_ARGUMENT => (c"invalid_utf8_argument", c"a text argument is not valid UTF-8"),
        VODSIGN_ERR_BUFFER_TOO_SMALL => (c"buffer_too_small", c"the output buffer is too small"),
        VODSIGN_ERR_PANIC => (c"panic", c"internal error (a bug in vodsign)"),
        VODSIGN_ERR_NOT_PRESENT => (c"not_present", c"the signature does not carry this parameter"),
        VODSIGN_ERR_OUT_OF_RANGE => (c"out_of_range", c"an index or length argument is out of range"),
        _ => (c"unknown", c"unknown status code"),
    }
}

/// A fixed English sentence describing `status` (any value; an unknown one gives
/// "unknown status code"). Static storage: never free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn vodsign_status_message(status: vodsign_status) -> *const c_char {
    status_strings(status).1.as_ptr()
}

/// The stable snake_case name of `status`, as used in the conformance vectors and by every other
/// binding (`"ok"`, `"invalid_parameter"`, `"bad_mac"`, ...; `"unknown"` for an unknown value).
/// Static storage: never free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn vodsign_status_name(status: vodsign_status) -> *const c_char {
    status_strings(status).0.as_ptr()
}

/// The library's version, `"MAJOR.MINOR.PATCH"`. Static storage: never free it. Thread-safe.
/// Compare with the `VODSIGN_VERSION_*` macros to detect a header/library mismatch.
#[unsafe(no_mangle)]
pub extern "C" fn vodsign_version() -> *const c_char {
    // Build-time checks that the header's constants match Cargo.toml and the core. They live in
    // this body because cbindgen reads only items, and would warn about `const _` items.
    const {
        assert!(
            parse_version_part(env!("CARGO_PKG_VERSION_MAJOR")) == VODSIGN_VERSION_MAJOR
                && parse_version_part(env!("CARGO_PKG_VERSION_MINOR")) == VODSIGN_VERSION_MINOR
                && parse_version_part(env!("CARGO_PKG_VERSION_PATCH")) == VODSIGN_VERSION_PATCH,
            "VODSIGN_VERSION_* in src/capi.rs differ from the version in Cargo.toml"
        );
        assert!(VODSIGN_MAC_LEN == crate::MAC_LEN);
    }
    const V: &core::ffi::CStr =
        match core::ffi::CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => panic!("version has a NUL"),
        };
    V.as_ptr()
}

// ---------------------------------------------------------------------------------------------
// Failures, the last-error detail and the panic guard
// ---------------------------------------------------------------------------------------------

/// Why a call failed: an error of the core, or a failure of the call itself (a status from 100
/// and its detail). Two words wide, so that passing it along with `?` costs little (the size
/// budget), and built by cold, shared constructors.
enum Fail {
    Core(Error),
    Call(Box<(vodsign_status, String)>),
}

impl Fail {
    /// A failure of the call itself. The detail never contains a key: it only names arguments
    /// and sizes.
    #[cold]
    #[inline(never)]
    fn call(status: vodsign_status, detail: fmt::Arguments<'_>) -> Fail {
        Fail::Call(Box::new((status, fmt::format(detail))))
    }

    #[cold]
    #[inline(never)]
    fn null(arg: &'static str) -> Fail {
        Fail::call(VODSIGN_ERR_NULL_ARGUMENT, format_args!("{arg} is NULL"))
    }

    #[cold]
    #[inline(never)]
    fn utf8(arg: &'static str, e: core::str::Utf8Error) -> Fail {
        Fail::call(
            VODSIGN_ERR_INVALID_UTF8_ARGUMENT,
            format_args!("{arg} is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        )
    }

    /// `cap` bytes given, `needed` needed (`nul`: counting the terminating NUL).
    #[cold]
    #[inline(never)]
    fn too_small(needed: usize, cap: usize, nul: bool) -> Fail {
        let nul = if nul { " including the terminating NUL" } else { "" };
        Fail::call(
            VODSIGN_ERR_BUFFER_TOO_SMALL,
            format_args!("output buffer too small: {cap} bytes given, {needed} needed{nul}"),
        )
    }

    #[cold]
    #[inline(never)]
    fn not_present(param: &str) -> Fail {
        Fail::call(VODSIGN_ERR_NOT_PRESENT, format_args!("the signature has no {param}"))
    }

    fn status(&self) -> vodsign_status {
        match self {
            Fail::Core(e) => kind_status(e.kind()),
            Fail::Call(call) => call.0,
        }
    }

    fn message(&self) -> &str {
        match self {
            Fail::Core(e) => e.message(),
            Fail::Call(call) => &call.1,
        }
    }

    fn param(&self) -> Option<&str> {
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
struct LastError {
    message: String,
    param: String,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::new(LastError::default());
}

fn record(func: &str, message: &str, param: Option<&str>) {
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
fn guard(func: &'static str, mut f: impl FnMut() -> Result<(), Fail>) -> vodsign_status {
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
// Argument helpers
//
// The ones used by many exports are `#[inline(never)]`: one shared copy instead of one in every
// export (the library's size budget; a call costs nothing next to signing or decoding).
// ---------------------------------------------------------------------------------------------

/// Bytes from (pointer, length). The pointer must not be NULL, even for length 0.
#[inline(never)]
unsafe fn bytes_arg<'a>(ptr: *const u8, len: usize, name: &'static str) -> Result<&'a [u8], Fail> {
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
unsafe fn str_arg<'a>(ptr: *const c_char, len: usize, name: &'static str) -> Result<&'a str, Fail> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { bytes_arg(ptr.cast::<u8>(), len, name) }?;
    core::str::from_utf8(bytes).map_err(|e| Fail::utf8(name, e))
}

unsafe fn ref_arg<'a, T>(ptr: *const T, name: &'static str) -> Result<&'a T, Fail> {
    // SAFETY: the caller promises a non-NULL `ptr` is a live handle from this library.
    unsafe { ptr.as_ref() }.ok_or_else(|| Fail::null(name))
}

unsafe fn mut_arg<'a, T>(ptr: *mut T, name: &'static str) -> Result<&'a mut T, Fail> {
    // SAFETY: the caller promises a non-NULL `ptr` is a live handle used by this thread only.
    unsafe { ptr.as_mut() }.ok_or_else(|| Fail::null(name))
}

/// A place for one plain value, written only on success.
struct ValueOut<T>(*mut T);

impl<T> ValueOut<T> {
    fn new(ptr: *mut T, name: &'static str) -> Result<Self, Fail> {
        if ptr.is_null() {
            Err(Fail::null(name))
        } else {
            Ok(ValueOut(ptr))
        }
    }

    fn write(self, value: T) -> Result<(), Fail> {
        // SAFETY: checked non-NULL; the caller promises it is writable and aligned.
        unsafe { self.0.write(value) };
        Ok(())
    }
}

/// The `(char *out, size_t cap, size_t *out_len)` triple.
#[derive(Clone, Copy)]
struct StrOut {
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
}

impl StrOut {
    /// `out` may be NULL only when `cap` is 0 (to ask for the length).
    #[inline(never)]
    fn new(out: *mut c_char, cap: usize, out_len: *mut usize) -> Result<Self, Fail> {
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
    fn write(self, bytes: &[u8]) -> Result<(), Fail> {
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
struct HandleOut<T>(*mut *mut T);

impl<T> HandleOut<T> {
    fn new(ptr: *mut *mut T, name: &'static str) -> Result<Self, Fail> {
        if ptr.is_null() {
            Err(Fail::null(name))
        } else {
            Ok(HandleOut(ptr))
        }
    }

    fn write(self, value: T) -> Result<(), Fail> {
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { self.0.write(Box::into_raw(Box::new(value))) };
        Ok(())
    }
}

/// Frees a handle made by `HandleOut::write`, catching a panic in its Drop.
unsafe fn free_handle<T>(ptr: *mut T) {
    if ptr.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller promises `ptr` came from this library and is freed once.
        drop(unsafe { Box::from_raw(ptr) })
    }));
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

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/// The optional parameters of a signature, and the validity `vodsign_signer_sign` uses.
///
/// Made by `vodsign_options_new` (nothing set, validity 86400 seconds), freed by
/// `vodsign_options_free`. A parameter that is set is emitted even when empty or zero; one that
/// is not set is left out. Setters store the value; its rule is checked when signing.
///
/// Not thread-safe for writing: a setter needs exclusive use of the handle. Functions that take a
/// `const vodsign_options *` (signing) may run on many threads at once while nobody sets.
pub struct vodsign_options(Options);

/// Body of the typed text setters; `field` picks the option to set. A function pointer rather
/// than a closure type, so that the five setters share one body.
unsafe fn set_text(
    func: &'static str,
    options: *mut vodsign_options,
    value: *const c_char,
    value_len: usize,
    field: fn(&mut Options) -> &mut Option<String>,
) -> vodsign_status {
    guard(func, move || {
        // SAFETY: forwarded contract.
        let options = unsafe { mut_arg(options, "options") }?;
        // SAFETY: forwarded contract.
        let value = unsafe { str_arg(value, value_len, "value") }?;
        *field(&mut options.0) = Some(value.to_owned());
        Ok(())
    })
}

/// Body of the typed integer setters and of `vodsign_options_set_validity` (one per integer
/// type); `set` stores the value.
unsafe fn set_value<T: Copy>(
    func: &'static str,
    options: *mut vodsign_options,
    value: T,
    set: fn(&mut Options, T),
) -> vodsign_status {
    guard(func, move || {
        // SAFETY: forwarded contract.
        let options = unsafe { mut_arg(options, "options") }?;
        set(&mut options.0, value);
        Ok(())
    })
}

/// Makes an options handle with no optional parameter set and validity 86400 seconds.
///
/// # Safety
/// `out` must be writable. On success `*out` owns a handle; free it with `vodsign_options_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_new(out: *mut *mut vodsign_options) -> vodsign_status {
    guard("vodsign_options_new", move || {
        HandleOut::new(out, "out")?.write(vodsign_options(Options::new()))
    })
}

/// Frees an options handle. NULL is ignored. The handle must not be used afterwards.
///
/// # Safety
/// `options` must be NULL or a handle from `vodsign_options_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_free(options: *mut vodsign_options) {
    // SAFETY: forwarded contract.
    unsafe { free_handle(options) }
}

/// Sets `procedure` (task-flow template name), UTF-8, any length.
///
/// # Safety
/// `options` must be a live handle not used by another thread during the call; `value` must point
/// to `value_len` readable bytes (not NULL, even when `value_len` is 0; no NUL is needed or read).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_set_procedure(
    options: *mut vodsign_options,
    value: *const c_char,
    value_len: usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        set_text("vodsign_options_set_procedure", options, value, value_len, |o| &mut o.procedure)
    }
}

/// Sets `classId` (media category).
///
/// # Safety
/// `options` must be a live handle not used by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_set_class_id(options: *mut vodsign_options, value: u64) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe { set_value("vodsign_options_set_class_id", options, value, |o, v| o.class_id = Some(v)) }
}

/// Sets `oneTimeValid`: 0 or 1 (any other value is refused when signing).
///
/// # Safety
/// `options` must be a live handle not used by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_set_one_time_valid(
    options: *mut vodsign_options,
    value: u8,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        set_value("vodsign_options_set_one_time_valid", options, value, |o, v| o.one_time_valid = Some(v))
    }
}

/// Sets `sourceContext`, UTF-8, at most 250 characters (checked when signing).
///
/// # Safety
/// `options` must be a live handle not used by another thread during the call; `value` must point
/// to `value_len` readable bytes (not NULL, even when `value_len` is 0; no NUL is needed or read).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_set_source_context(
    options: *mut vodsign_options,
    value: *const c_char,
    value_len: usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        set_text(
            "vodsign_options_set_source_context",
            options,
            value,
            value_len,
            |o| &mut o.source_context,
        )
    }
}

/// Sets `taskPriority`: -10 to 10 (checked when signing).
///
/// # Safety
/// `options` must be a live handle not used by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_set_task_priority(
    options: *mut vodsign_options,
    value: i64,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        set_value("vodsign_options_set_task_priority", options, value, |o, v| o.task_priority = Some(v))
    }
}

/// Sets `taskNotifyMode`: `Finish`, `Change` or `None` (checked when signing).
///
/// # Safety
/// `options` must be a live handle not used by another thread during the call; `value` must point
/// to `value_len` readable bytes (not NULL, even when `value_len` is 0; no NUL is needed or read).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_set_task_notify_mode(
    options: *mut vodsign_options,
    value: *const c_char,
    value_len: usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        set_text(
            "vodsign_options_set_task_notify_mode",
            options,
            value,
            value_len,
            |o| &mut o.task_notify_mode,
        )
    }
}

/// Sets `vodSubAppId` (sub-application id).
///
/// # Safety
/// `options` must be a live handle not used by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_set_vod_sub_app_id(
    options: *mut vodsign_options,
    value: u64,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        set_value("vodsign_options_set_vod_sub_app_id", options, value, |o, v| o.vod_sub_app_id = Some(v))
    }
}

/// Sets `sessionContext`, UTF-8, at most 1000 characters (checked when signing).
///
/// # Safety
/// `options` must be a live handle not used by another thread during the call; `value` must point
/// to `value_len` readable bytes (not NULL, even when `value_len` is 0; no NUL is needed or read).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_set_session_context(
    options: *mut vodsign_options,
    value: *const c_char,
    value_len: usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        set_text(
            "vodsign_options_set_session_context",
            options,
            value,
            value_len,
            |o| &mut o.session_context,
        )
    }
}

/// Sets `storageRegion`: a region short name such as `ap-chongqing`, at most 64 characters
/// (checked when signing).
///
/// # Safety
/// `options` must be a live handle not used by another thread during the call; `value` must point
/// to `value_len` readable bytes (not NULL, even when `value_len` is 0; no NUL is needed or read).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_set_storage_region(
    options: *mut vodsign_options,
    value: *const c_char,
    value_len: usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        set_text(
            "vodsign_options_set_storage_region",
            options,
            value,
            value_len,
            |o| &mut o.storage_region,
        )
    }
}

/// Sets the validity `vodsign_signer_sign` uses: expireTime = now + `seconds`; 1 to 7,776,000
/// (checked when signing). `vodsign_signer_sign_at` takes an explicit expireTime instead.
///
/// # Safety
/// `options` must be a live handle not used by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_set_validity(options: *mut vodsign_options, seconds: u64) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe { set_value("vodsign_options_set_validity", options, seconds, |o, v| o.validity = v) }
}

/// Sets an optional text parameter by its wire name (`"procedure"`, `"sourceContext"`,
/// `"taskNotifyMode"`, `"sessionContext"`, `"storageRegion"`), for callers driven by
/// configuration. An unknown or required name, or an integer parameter, gives
/// `VODSIGN_ERR_INVALID_PARAMETER` and leaves the options unchanged.
///
/// # Safety
/// `options` must be a live handle not used by another thread during the call; `name` and
/// `value` must point to `name_len` and `value_len` readable bytes (never NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_set_str(
    options: *mut vodsign_options,
    name: *const c_char,
    name_len: usize,
    value: *const c_char,
    value_len: usize,
) -> vodsign_status {
    guard("vodsign_options_set_str", move || {
        // SAFETY: forwarded contract.
        let options = unsafe { mut_arg(options, "options") }?;
        // SAFETY: forwarded contract.
        let name = unsafe { str_arg(name, name_len, "name") }?;
        // SAFETY: forwarded contract.
        let value = unsafe { str_arg(value, value_len, "value") }?;
        options.0.set(name, crate::ParamValue::Str(value))?;
        Ok(())
    })
}

/// Sets an optional integer parameter by its wire name (`"classId"`, `"oneTimeValid"`,
/// `"taskPriority"`, `"vodSubAppId"`), checking the value's range now. An unknown or required
/// name, a text parameter, or a value out of range gives `VODSIGN_ERR_INVALID_PARAMETER` and
/// leaves the options unchanged. (A `classId` or `vodSubAppId` above INT64_MAX needs the typed
/// setter.)
///
/// # Safety
/// `options` must be a live handle not used by another thread during the call; `name` must point
/// to `name_len` readable bytes (never NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_options_set_int(
    options: *mut vodsign_options,
    name: *const c_char,
    name_len: usize,
    value: i64,
) -> vodsign_status {
    guard("vodsign_options_set_int", move || {
        // SAFETY: forwarded contract.
        let options = unsafe { mut_arg(options, "options") }?;
        // SAFETY: forwarded contract.
        let name = unsafe { str_arg(name, name_len, "name") }?;
        options.0.set(name, crate::ParamValue::Int(value.into()))?;
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Signer
// ---------------------------------------------------------------------------------------------

/// Makes signatures for one secretId and secret key.
///
/// Made once by `vodsign_signer_new` (which derives the keyed HMAC state; the key bytes are not
/// kept), freed by `vodsign_signer_free` (which wipes that state). Thread-safe: one signer may be
/// used by any number of threads at once, as long as none of them frees it.
pub struct vodsign_signer(Signer);

/// Makes a signer. `secret_id` is UTF-8 and must not be empty; `secret_key` is any non-empty byte
/// string (the SecretKey's text, used as the HMAC key). Both are copied or digested: the caller may
/// wipe and free its buffers as soon as this returns.
///
/// # Safety
/// `secret_id` and `secret_key` must point to `secret_id_len` and `secret_key_len` readable bytes
/// (never NULL, even for length 0); `out` must be writable. On success `*out` owns a handle; free
/// it with `vodsign_signer_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_signer_new(
    secret_id: *const c_char,
    secret_id_len: usize,
    secret_key: *const u8,
    secret_key_len: usize,
    out: *mut *mut vodsign_signer,
) -> vodsign_status {
    guard("vodsign_signer_new", move || {
        // SAFETY: forwarded contract.
        let secret_id = unsafe { str_arg(secret_id, secret_id_len, "secret_id") }?;
        // SAFETY: forwarded contract.
        let secret_key = unsafe { bytes_arg(secret_key, secret_key_len, "secret_key") }?;
        let out = HandleOut::new(out, "out")?;
        out.write(vodsign_signer(Signer::new(secret_id, secret_key)?))
    })
}

/// Frees a signer and wipes its keyed state. NULL is ignored. The handle must not be used
/// afterwards, and no other thread may be using it during the call.
///
/// # Safety
/// `signer` must be NULL or a handle from `vodsign_signer_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_signer_free(signer: *mut vodsign_signer) {
    // SAFETY: forwarded contract.
    unsafe { free_handle(signer) }
}

/// An upper bound on the length (without the terminating NUL) of any signature this signer makes
/// with these options, whatever the time and random: a buffer of `*out + 1` bytes always fits
/// the result of `vodsign_signer_sign` and `vodsign_signer_sign_at`. There is no fixed maximum
/// because `secretId` and `procedure` have no length limit.
///
/// # Safety
/// `signer` and `options` must be live handles; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_signer_max_signature_len(
    signer: *const vodsign_signer,
    options: *const vodsign_options,
    out: *mut usize,
) -> vodsign_status {
    guard("vodsign_signer_max_signature_len", move || {
        // SAFETY: forwarded contract.
        let signer = unsafe { ref_arg(signer, "signer") }?;
        // SAFETY: forwarded contract.
        let options = unsafe { ref_arg(options, "options") }?;
        ValueOut::new(out, "out")?.write(signer.0.max_signature_len(&options.0))
    })
}

/// Signs with the current time (whole seconds), expireTime = now + the options' validity, and a
/// `random` from the operating system's secure generator.
///
/// Writes the signature (ASCII Base64) and a NUL to `out` and its length to `*out_len`. Since
/// every call makes a new signature, size `out` with `vodsign_signer_max_signature_len` rather
/// than by retrying after `VODSIGN_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `signer` and `options` must be live handles (`options` not being set by another thread);
/// `out` must have `cap` writable bytes (NULL allowed when `cap` is 0); `out_len` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_signer_sign(
    signer: *const vodsign_signer,
    options: *const vodsign_options,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe { sign_body("vodsign_signer_sign", signer, options, None, out, cap, out_len) }
}

/// Signs with explicit `currentTimeStamp`, `expireTime` and `random` (the options' validity is not
/// used): the same inputs always give the same signature. For reproduction and tests.
///
/// # Safety
/// As `vodsign_signer_sign`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_signer_sign_at(
    signer: *const vodsign_signer,
    options: *const vodsign_options,
    current_time_stamp: u64,
    expire_time: u64,
    random: u32,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    let at = Some((current_time_stamp, expire_time, random));
    // SAFETY: forwarded contract.
    unsafe { sign_body("vodsign_signer_sign_at", signer, options, at, out, cap, out_len) }
}

/// Body of `vodsign_signer_sign` (`at` is `None`: the clock and the OS random) and
/// `vodsign_signer_sign_at` (`at` holds currentTimeStamp, expireTime and random).
unsafe fn sign_body(
    func: &'static str,
    signer: *const vodsign_signer,
    options: *const vodsign_options,
    at: Option<(u64, u64, u32)>,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    guard(func, move || {
        // SAFETY: forwarded contract.
        let signer = unsafe { ref_arg(signer, "signer") }?;
        // SAFETY: forwarded contract.
        let options = unsafe { ref_arg(options, "options") }?;
        let sink = StrOut::new(out, cap, out_len)?;
        let signature = match at {
            None => signer.0.sign(&options.0)?,
            Some((current_time_stamp, expire_time, random)) => {
                signer.0.sign_at(&options.0, current_time_stamp, expire_time, random)?
            }
        };
        sink.write(signature.as_bytes())
    })
}

// ---------------------------------------------------------------------------------------------
// Decoding and verifying
// ---------------------------------------------------------------------------------------------

/// A decoded signature: its MAC, the signed text and its parameters.
///
/// Made by `vodsign_decode` or `vodsign_verify`, freed by `vodsign_decoded_free`. Immutable:
/// its getters may be called from any number of threads at once, as long as none frees it.
pub struct vodsign_decoded(Decoded);

/// Decodes a signature without the key: checks its format and each parameter's own rule, but
/// neither the MAC nor the time window (use `vodsign_verify` for those).
///
/// # Safety
/// `signature` must point to `signature_len` readable bytes (never NULL; no NUL needed); `out`
/// must be writable. On success `*out` owns a handle; free it with `vodsign_decoded_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decode(
    signature: *const c_char,
    signature_len: usize,
    out: *mut *mut vodsign_decoded,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe { decode_body("vodsign_decode", signature, signature_len, None, out) }
}

/// Body of `vodsign_decode` and (`key` holds the secret key, its length, now and the skew)
/// `vodsign_verify`.
unsafe fn decode_body(
    func: &'static str,
    signature: *const c_char,
    signature_len: usize,
    key: Option<(*const u8, usize, u64, u64)>,
    out: *mut *mut vodsign_decoded,
) -> vodsign_status {
    guard(func, move || {
        // SAFETY: forwarded contract.
        let signature = unsafe { str_arg(signature, signature_len, "signature") }?;
        // Arguments are checked in order (signature, key, out) before any decoding.
        let (out, decoded) = match key {
            None => (HandleOut::new(out, "out")?, crate::decode(signature)?),
            Some((secret_key, secret_key_len, now, skew)) => {
                // SAFETY: forwarded contract.
                let secret_key = unsafe { bytes_arg(secret_key, secret_key_len, "secret_key") }?;
                (HandleOut::new(out, "out")?, Verifier::new(secret_key)?.with_skew(skew).verify(signature, now)?)
            }
        };
        out.write(vodsign_decoded(decoded))
    })
}

/// Verifies a signature with the secret key at `now` (Unix seconds), allowing `currentTimeStamp`
/// to be up to `skew` seconds ahead of `now` (the library's default is 300). An empty key
/// (`secret_key_len` 0) is refused first with `VODSIGN_ERR_INVALID_PARAMETER` (parameter
/// `secretKey`), as `vodsign_signer_new` refuses it: anyone can make a MAC under the empty key.
/// Then checks, in order: the format (the errors of `vodsign_decode`), the MAC (`VODSIGN_ERR_BAD_MAC`, compared in constant
/// time), expireTime after currentTimeStamp (`VODSIGN_ERR_INVALID_PARAMETER`) and at most 90 days
/// after it (`VODSIGN_ERR_VALIDITY_TOO_LONG`), then `VODSIGN_ERR_NOT_YET_VALID`, then
/// `VODSIGN_ERR_EXPIRED` (now >= expireTime).
///
/// # Safety
/// `signature` and `secret_key` must point to `signature_len` and `secret_key_len` readable
/// bytes (never NULL); `out` must be writable. On success `*out` owns the decoded signature;
/// free it with `vodsign_decoded_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_verify(
    signature: *const c_char,
    signature_len: usize,
    secret_key: *const u8,
    secret_key_len: usize,
    now: u64,
    skew: u64,
    out: *mut *mut vodsign_decoded,
) -> vodsign_status {
    let key = Some((secret_key, secret_key_len, now, skew));
    // SAFETY: forwarded contract.
    unsafe { decode_body("vodsign_verify", signature, signature_len, key, out) }
}

/// Seconds a signature has left at `now` (expireTime - now, 0 once expired), without the key: for a
/// client deciding whether to fetch a fresh signature before a long upload. Fails as
/// `vodsign_decode` does.
///
/// # Safety
/// `signature` must point to `signature_len` readable bytes (never NULL); `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_seconds_left(
    signature: *const c_char,
    signature_len: usize,
    now: u64,
    out: *mut u64,
) -> vodsign_status {
    guard("vodsign_seconds_left", move || {
        // SAFETY: forwarded contract.
        let signature = unsafe { str_arg(signature, signature_len, "signature") }?;
        let out = ValueOut::new(out, "out")?;
        out.write(crate::seconds_left(signature, now)?)
    })
}

/// Frees a decoded signature. NULL is ignored. The handle must not be used afterwards.
///
/// # Safety
/// `decoded` must be NULL or a handle from `vodsign_decode`/`vodsign_verify` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_free(decoded: *mut vodsign_decoded) {
    // SAFETY: forwarded contract.
    unsafe { free_handle(decoded) }
}

/// Seconds the decoded signature has left at `now` (expireTime - now, 0 once expired).
///
/// # Safety
/// `decoded` must be a live handle; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_seconds_left(
    decoded: *const vodsign_decoded,
    now: u64,
    out: *mut u64,
) -> vodsign_status {
    guard("vodsign_decoded_seconds_left", move || {
        // SAFETY: forwarded contract.
        let decoded = unsafe { ref_arg(decoded, "decoded") }?;
        ValueOut::new(out, "out")?.write(decoded.0.seconds_left(now))
    })
}

/// Copies the 20-byte HMAC-SHA1 at the front of the signature to `out` (no NUL is added) and sets
/// `*out_len` to 20. `cap` below `VODSIGN_MAC_LEN` gives `VODSIGN_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `decoded` must be a live handle; `out` must have `cap` writable bytes (NULL allowed when `cap`
/// is 0); `out_len` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_mac(
    decoded: *const vodsign_decoded,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    guard("vodsign_decoded_mac", move || {
        // SAFETY: forwarded contract.
        let decoded = unsafe { ref_arg(decoded, "decoded") }?;
        if out_len.is_null() {
            return Err(Fail::null("out_len"));
        }
        if out.is_null() && cap != 0 {
            return Err(Fail::null("out"));
        }
        let mac = decoded.0.mac();
        // SAFETY: `out_len` checked non-NULL; `out` has `cap` >= mac.len() writable bytes.
        unsafe {
            out_len.write(mac.len());
            if cap < mac.len() {
                return Err(Fail::too_small(mac.len(), cap, false));
            }
            core::ptr::copy_nonoverlapping(mac.as_ptr(), out, mac.len());
        }
        Ok(())
    })
}

/// Copies the signed text: the query string exactly as it was signed (percent-escaped).
///
/// # Safety
/// `decoded` must be a live handle; `out` must have `cap` writable bytes (NULL allowed when `cap`
/// is 0); `out_len` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_original(
    decoded: *const vodsign_decoded,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe { get_text("vodsign_decoded_original", decoded, out, cap, out_len, |d| Some(d.original()), "") }
}

/// Sets `*out` to the number of parameters, unknown ones included (at least 4).
///
/// # Safety
/// `decoded` must be a live handle; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_param_count(
    decoded: *const vodsign_decoded,
    out: *mut usize,
) -> vodsign_status {
    guard("vodsign_decoded_param_count", move || {
        // SAFETY: forwarded contract.
        let decoded = unsafe { ref_arg(decoded, "decoded") }?;
        ValueOut::new(out, "out")?.write(decoded.0.len())
    })
}

fn param_at(decoded: &vodsign_decoded, index: usize) -> Result<(&str, &str), Fail> {
    decoded.0.param_at(index).ok_or_else(|| {
        Fail::call(
            VODSIGN_ERR_OUT_OF_RANGE,
            format_args!("index {index} is not below the parameter count {}", decoded.0.len()),
        )
    })
}

/// Body of `vodsign_decoded_param_key` and (`value` true) `vodsign_decoded_param_value`.
unsafe fn param_text(
    func: &'static str,
    decoded: *const vodsign_decoded,
    index: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    value: bool,
) -> vodsign_status {
    guard(func, move || {
        // SAFETY: forwarded contract.
        let decoded = unsafe { ref_arg(decoded, "decoded") }?;
        let sink = StrOut::new(out, cap, out_len)?;
        let (k, v) = param_at(decoded, index)?;
        sink.write(if value { v } else { k }.as_bytes())
    })
}

/// Copies the percent-decoded key of the parameter at `index` (0-based, in the order of the signed
/// text; `index` must be below the count from `vodsign_decoded_param_count`).
///
/// # Safety
/// As `vodsign_decoded_original`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_param_key(
    decoded: *const vodsign_decoded,
    index: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe { param_text("vodsign_decoded_param_key", decoded, index, out, cap, out_len, false) }
}

/// Copies the percent-decoded value of the parameter at `index` (as text: integers are not
/// normalised, `random=007` gives `"007"`). A value may contain NUL bytes (`%00`); use `*out_len`.
///
/// # Safety
/// As `vodsign_decoded_original`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_param_value(
    decoded: *const vodsign_decoded,
    index: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe { param_text("vodsign_decoded_param_value", decoded, index, out, cap, out_len, true) }
}

/// Copies the percent-decoded value of the parameter with this wire name (known or not,
/// case-sensitive), as text. `VODSIGN_ERR_NOT_PRESENT` when there is none.
///
/// # Safety
/// As `vodsign_decoded_original`; `name` must point to `name_len` readable bytes (never NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_get(
    decoded: *const vodsign_decoded,
    name: *const c_char,
    name_len: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    guard("vodsign_decoded_get", move || {
        // SAFETY: forwarded contract.
        let decoded = unsafe { ref_arg(decoded, "decoded") }?;
        // SAFETY: forwarded contract.
        let name = unsafe { str_arg(name, name_len, "name") }?;
        let sink = StrOut::new(out, cap, out_len)?;
        match decoded.0.get(name) {
            Some(v) => sink.write(v.as_bytes()),
            None => Err(Fail::not_present(name)),
        }
    })
}

/// Body of the integer getters (one per integer type); `wire` names an optional parameter for
/// `VODSIGN_ERR_NOT_PRESENT`.
unsafe fn get_value<T>(
    func: &'static str,
    decoded: *const vodsign_decoded,
    out: *mut T,
    get: fn(&Decoded) -> Option<T>,
    wire: &'static str,
) -> vodsign_status {
    guard(func, move || {
        // SAFETY: forwarded contract.
        let decoded = unsafe { ref_arg(decoded, "decoded") }?;
        let out = ValueOut::new(out, "out")?;
        out.write(get(&decoded.0).ok_or_else(|| Fail::not_present(wire))?)
    })
}

/// Body of the text getters, shared by all of them (`get` is a function pointer, not a closure
/// type).
unsafe fn get_text(
    func: &'static str,
    decoded: *const vodsign_decoded,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    get: fn(&Decoded) -> Option<&str>,
    wire: &'static str,
) -> vodsign_status {
    guard(func, move || {
        // SAFETY: forwarded contract.
        let decoded = unsafe { ref_arg(decoded, "decoded") }?;
        let sink = StrOut::new(out, cap, out_len)?;
        sink.write(
            get(&decoded.0)
                .ok_or_else(|| Fail::not_present(wire))?
                .as_bytes(),
        )
    })
}

/// Copies `secretId` (always present).
///
/// # Safety
/// As `vodsign_decoded_original`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_secret_id(
    decoded: *const vodsign_decoded,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "vodsign_decoded_secret_id",
            decoded,
            out,
            cap,
            out_len,
            |d| Some(d.secret_id()),
            "secretId",
        )
    }
}

/// Sets `*out` to `currentTimeStamp` (always present).
///
/// # Safety
/// `decoded` must be a live handle; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_current_time_stamp(
    decoded: *const vodsign_decoded,
    out: *mut u64,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "vodsign_decoded_current_time_stamp",
            decoded,
            out,
            |d| Some(d.current_time_stamp()),
            "",
        )
    }
}

/// Sets `*out` to `expireTime` (always present).
///
/// # Safety
/// `decoded` must be a live handle; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_expire_time(decoded: *const vodsign_decoded, out: *mut u64) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "vodsign_decoded_expire_time",
            decoded,
            out,
            |d| Some(d.expire_time()),
            "",
        )
    }
}

/// Sets `*out` to `random` (always present; up to 2^32, which the documented Node sample can
/// produce, hence 64 bits).
///
/// # Safety
/// `decoded` must be a live handle; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_random(decoded: *const vodsign_decoded, out: *mut u64) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe { get_value("vodsign_decoded_random", decoded, out, |d| Some(d.random()), "") }
}

/// Copies `procedure`.
/// `VODSIGN_ERR_NOT_PRESENT` when the signature does not carry it (an empty value is present).
///
/// # Safety
/// `decoded` must be a live handle; `out` must have `cap` writable bytes (NULL allowed when `cap`
/// is 0); `out_len` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_procedure(
    decoded: *const vodsign_decoded,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "vodsign_decoded_procedure",
            decoded,
            out,
            cap,
            out_len,
            |d| d.procedure(),
            "procedure",
        )
    }
}

/// Sets `*out` to `classId`.
/// `VODSIGN_ERR_NOT_PRESENT` when the signature does not carry it or carries it empty.
///
/// # Safety
/// `decoded` must be a live handle; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_class_id(decoded: *const vodsign_decoded, out: *mut u64) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe { get_value("vodsign_decoded_class_id", decoded, out, |d| d.class_id(), "classId") }
}

/// Sets `*out` to `oneTimeValid` (0 or 1).
/// `VODSIGN_ERR_NOT_PRESENT` when the signature does not carry it or carries it empty.
///
/// # Safety
/// `decoded` must be a live handle; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_one_time_valid(
    decoded: *const vodsign_decoded,
    out: *mut u8,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "vodsign_decoded_one_time_valid",
            decoded,
            out,
            |d| d.one_time_valid(),
            "oneTimeValid",
        )
    }
}

/// Copies `sourceContext`.
/// `VODSIGN_ERR_NOT_PRESENT` when the signature does not carry it (an empty value is present).
///
/// # Safety
/// `decoded` must be a live handle; `out` must have `cap` writable bytes (NULL allowed when `cap`
/// is 0); `out_len` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_source_context(
    decoded: *const vodsign_decoded,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "vodsign_decoded_source_context",
            decoded,
            out,
            cap,
            out_len,
            |d| d.source_context(),
            "sourceContext",
        )
    }
}

/// Sets `*out` to `taskPriority` (-10 to 10).
/// `VODSIGN_ERR_NOT_PRESENT` when the signature does not carry it or carries it empty.
///
/// # Safety
/// `decoded` must be a live handle; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_task_priority(
    decoded: *const vodsign_decoded,
    out: *mut i64,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "vodsign_decoded_task_priority",
            decoded,
            out,
            |d| d.task_priority(),
            "taskPriority",
        )
    }
}

/// Copies `taskNotifyMode`.
/// `VODSIGN_ERR_NOT_PRESENT` when the signature does not carry it (an empty value is present).
///
/// # Safety
/// `decoded` must be a live handle; `out` must have `cap` writable bytes (NULL allowed when `cap`
/// is 0); `out_len` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_task_notify_mode(
    decoded: *const vodsign_decoded,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "vodsign_decoded_task_notify_mode",
            decoded,
            out,
            cap,
            out_len,
            |d| d.task_notify_mode(),
            "taskNotifyMode",
        )
    }
}

/// Sets `*out` to `vodSubAppId`.
/// `VODSIGN_ERR_NOT_PRESENT` when the signature does not carry it or carries it empty.
///
/// # Safety
/// `decoded` must be a live handle; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_vod_sub_app_id(
    decoded: *const vodsign_decoded,
    out: *mut u64,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "vodsign_decoded_vod_sub_app_id",
            decoded,
            out,
            |d| d.vod_sub_app_id(),
            "vodSubAppId",
        )
    }
}

/// Copies `sessionContext`.
/// `VODSIGN_ERR_NOT_PRESENT` when the signature does not carry it (an empty value is present).
///
/// # Safety
/// `decoded` must be a live handle; `out` must have `cap` writable bytes (NULL allowed when `cap`
/// is 0); `out_len` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_session_context(
    decoded: *const vodsign_decoded,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "vodsign_decoded_session_context",
            decoded,
            out,
            cap,
            out_len,
            |d| d.session_context(),
            "sessionContext",
        )
    }
}

/// Copies `storageRegion`.
/// `VODSIGN_ERR_NOT_PRESENT` when the signature does not carry it (an empty value is present).
///
/// # Safety
/// `decoded` must be a live handle; `out` must have `cap` writable bytes (NULL allowed when `cap`
/// is 0); `out_len` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_storage_region(
    decoded: *const vodsign_decoded,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "vodsign_decoded_storage_region",
            decoded,
            out,
            cap,
            out_len,
            |d| d.storage_region(),
            "storageRegion",
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Decode warnings
// ---------------------------------------------------------------------------------------------

/// Sets `*out` to the number of warnings of the decoded signature: findings the VOD server would
/// refuse although decoding accepts them (the window first, then each unknown parameter in order
/// of appearance). 0 for a signature the server accepts as to its form.
///
/// # Safety
/// `decoded` must be a live handle; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_warning_count(
    decoded: *const vodsign_decoded,
    out: *mut usize,
) -> vodsign_status {
    guard("vodsign_decoded_warning_count", move || {
        // SAFETY: forwarded contract.
        let decoded = unsafe { ref_arg(decoded, "decoded") }?;
        ValueOut::new(out, "out")?.write(decoded.0.warnings().len())
    })
}

/// Body of the warning getters; `field` picks the text (`None`: `VODSIGN_ERR_NOT_PRESENT`).
unsafe fn warning_text(
    func: &'static str,
    decoded: *const vodsign_decoded,
    index: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    field: fn(&crate::Warning) -> Option<&str>,
) -> vodsign_status {
    guard(func, move || {
        // SAFETY: forwarded contract.
        let decoded = unsafe { ref_arg(decoded, "decoded") }?;
        let sink = StrOut::new(out, cap, out_len)?;
        let warnings = decoded.0.warnings();
        let warning = warnings.get(index).ok_or_else(|| {
            Fail::call(
                VODSIGN_ERR_OUT_OF_RANGE,
                format_args!("index {index} is not below the warning count {}", warnings.len()),
            )
        })?;
        let text = field(warning).ok_or_else(|| Fail::call(VODSIGN_ERR_NOT_PRESENT, format_args!("warning {index} names no parameter")))?;
        sink.write(text.as_bytes())
    })
}

/// Copies the stable snake_case code of the warning at `index` (0-based, below the count from
/// `vodsign_decoded_warning_count`): `"validity_too_long"`, `"expire_not_after_current"` or
/// `"unknown_parameter"` (new codes may be added).
///
/// # Safety
/// As `vodsign_decoded_original`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_warning_code(
    decoded: *const vodsign_decoded,
    index: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe { warning_text("vodsign_decoded_warning_code", decoded, index, out, cap, out_len, |w| Some(w.code())) }
}

/// Copies the parameter the warning at `index` is about (`"expireTime"`, or an unknown key as
/// decoded, which may be empty or contain NUL bytes: use `*out_len`). `VODSIGN_ERR_NOT_PRESENT`
/// when the warning names none (`validity_too_long`).
///
/// # Safety
/// As `vodsign_decoded_original`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_warning_param(
    decoded: *const vodsign_decoded,
    index: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe { warning_text("vodsign_decoded_warning_param", decoded, index, out, cap, out_len, |w| w.param()) }
}

/// Copies the message of the warning at `index`: one line naming the parameter and the rule.
///
/// # Safety
/// As `vodsign_decoded_original`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vodsign_decoded_warning_message(
    decoded: *const vodsign_decoded,
    index: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> vodsign_status {
    // SAFETY: forwarded contract.
    unsafe { warning_text("vodsign_decoded_warning_message", decoded, index, out, cap, out_len, |w| Some(w.message())) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::ffi::CStr;

    fn cstr(p: *const c_char) -> &'static str {
        // SAFETY: the functions under test return static NUL-terminated strings.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap()
    }

    fn last_message() -> String {
        let mut buf = [0 as c_char; 512];
        let mut len = 0;
        // SAFETY: buf has 512 bytes.
        assert_eq!(unsafe { vodsign_last_error_message(buf.as_mut_ptr(), buf.len(), &mut len) }, VODSIGN_OK);
        // SAFETY: NUL-terminated on success.
        unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_string()
    }

    #[test]
    fn status_codes_follow_the_core_kinds() {
        for (i, kind) in ErrorKind::ALL.into_iter().enumerate() {
            let code = kind_status(kind);
            assert_eq!(code, i as u32 + 1, "{kind:?}");
            assert_eq!(cstr(vodsign_status_name(code)), kind.code());
            assert_eq!(cstr(vodsign_status_message(code)), kind.description());
        }
        assert_eq!(cstr(vodsign_status_name(VODSIGN_OK)), "ok");
        assert_eq!(cstr(vodsign_status_name(99)), "unknown");
        assert_eq!(cstr(vodsign_status_message(u32::MAX)), "unknown status code");
    }

    #[test]
    fn version_matches_cargo() {
        assert_eq!(cstr(vodsign_version()), env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let status = guard("vodsign_test_fn", || panic!("boom"));
        assert_eq!(status, VODSIGN_ERR_PANIC);
        let msg = last_message();
        assert!(msg.starts_with("vodsign_test_fn: internal panic"), "{msg}");
        assert!(!msg.contains("boom"));
    }

    #[test]
    fn sign_decode_verify_through_the_abi() {
        let (id, key) = ("IamSecretId", b"IamSecretKey");
        let mut signer = core::ptr::null_mut();
        let mut options = core::ptr::null_mut();
        // SAFETY: valid pointers and lengths throughout; every handle is freed once.
        unsafe {
            assert_eq!(vodsign_signer_new(id.as_ptr().cast(), id.len(), key.as_ptr(), key.len(), &mut signer), 0);
            assert_eq!(vodsign_options_new(&mut options), 0);
            assert_eq!(vodsign_options_set_procedure(options, c"".as_ptr(), 0), 0);
            assert_eq!(vodsign_options_set_class_id(options, 0), 0);
            assert_eq!(vodsign_options_set_one_time_valid(options, 0), 0);
            assert_eq!(vodsign_options_set_source_context(options, c"".as_ptr(), 0), 0);
            let mut buf = [0 as c_char; 512];
            let mut len = 0;
            let st = vodsign_signer_sign_at(
                signer,
                options,
                1571215095,
                1571301495,
                220625,
                buf.as_mut_ptr(),
                buf.len(),
                &mut len,
            );
            assert_eq!(st, VODSIGN_OK);
            let sig = CStr::from_ptr(buf.as_ptr()).to_str().unwrap();
            assert_eq!(sig.len(), len);
            assert!(sig.starts_with("j3IeOdRPWwKegeytZdde4djeEStz"));

            let mut decoded = core::ptr::null_mut();
            let st = vodsign_verify(buf.as_ptr(), len, key.as_ptr(), key.len(), 1571215100, 300, &mut decoded);
            assert_eq!(st, VODSIGN_OK);
            let mut left = 0;
            assert_eq!(vodsign_decoded_seconds_left(decoded, 1571215100, &mut left), 0);
            assert_eq!(left, 86395);
            vodsign_decoded_free(decoded);

            let mut other = core::ptr::null_mut();
            let st = vodsign_verify(buf.as_ptr(), len, b"nope".as_ptr(), 4, 1571215100, 300, &mut other);
            assert_eq!(st, VODSIGN_ERR_BAD_MAC);
            assert!(other.is_null());
            assert!(!last_message().contains("IamSecretKey"));

            vodsign_options_free(options);
            vodsign_signer_free(signer);
            vodsign_signer_free(core::ptr::null_mut());
        }
    }
}
