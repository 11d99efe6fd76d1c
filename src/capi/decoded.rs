//! `vodsign_decoded`: a decoded signature and its getters.

use core::ffi::c_char;

use super::args::*;
use super::failure::{Fail, guard};
use super::status::*;
use crate::Decoded;

/// A decoded signature: its MAC, the signed text and its parameters.
///
/// Made by `vodsign_decode` or `vodsign_verify`, freed by `vodsign_decoded_free`. Immutable:
/// its getters may be called from any number of threads at once, as long as none frees it.
pub struct vodsign_decoded(pub(super) Decoded);

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
