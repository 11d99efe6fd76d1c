//! `vodsign_decode`, `vodsign_verify` and `vodsign_seconds_left`: the entry points that read a
//! signature (the result is a [`vodsign_decoded`]).

use core::ffi::c_char;

use super::args::*;
use super::decoded::vodsign_decoded;
use super::failure::guard;
use super::status::vodsign_status;
use crate::Verifier;

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
/// Then checks, in order: the format (the errors of `vodsign_decode`), the MAC
/// (`VODSIGN_ERR_BAD_MAC`, compared in constant time), expireTime after currentTimeStamp
/// (`VODSIGN_ERR_INVALID_PARAMETER`) and at most 90 days after it
/// (`VODSIGN_ERR_VALIDITY_TOO_LONG`), then `VODSIGN_ERR_NOT_YET_VALID`, then
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
