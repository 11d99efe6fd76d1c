//! `vodsign_options`: the optional parameters of a signature.

use core::ffi::c_char;

use super::args::*;
use super::failure::guard;
use super::status::vodsign_status;
use crate::Options;

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
pub struct vodsign_options(pub(super) Options);

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
