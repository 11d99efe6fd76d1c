//! `vodsign_signer`: makes signatures for one secretId and secret key.

use core::ffi::c_char;

use super::args::*;
use super::failure::guard;
use super::options::vodsign_options;
use super::status::vodsign_status;
use crate::Signer;

// ---------------------------------------------------------------------------------------------
// Signer
// ---------------------------------------------------------------------------------------------

/// Makes signatures for one secretId and secret key.
///
/// Made once by `vodsign_signer_new` (which derives the keyed HMAC state; the key bytes are not
/// kept), freed by `vodsign_signer_free` (which wipes that state). Thread-safe: one signer may be
/// used by any number of threads at once, as long as none of them frees it.
pub struct vodsign_signer(pub(super) Signer);

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
