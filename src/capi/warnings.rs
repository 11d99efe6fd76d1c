//! Decode warnings of a `vodsign_decoded`: findings the VOD server would refuse although decoding
//! accepts them.

use core::ffi::c_char;

use super::args::*;
use super::decoded::vodsign_decoded;
use super::failure::{Fail, guard};
use super::status::*;

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
