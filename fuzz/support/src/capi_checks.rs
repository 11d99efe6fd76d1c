//! Checks for the C ABI's calling conventions, shared by the `capi` target: statuses against the
//! Rust API's results, the per-thread last error, and `(out, cap, out_len)` text getters.

use core::ffi::c_char;
use core::ptr::{null, null_mut};

use vodsign::capi as c;
use vodsign::{Decoded, Error, ErrorKind, MAC_LEN, Param};

/// The C status for a core error kind: 1 + its index in `ErrorKind::ALL` (the documented order
/// of the C status codes).
pub fn c_status(kind: ErrorKind) -> c::vodsign_status {
    ErrorKind::ALL.iter().position(|k| *k == kind).expect("every kind has a code") as c::vodsign_status + 1
}

pub fn c_expected<T>(r: &Result<T, Error>) -> c::vodsign_status {
    match r {
        Ok(_) => c::VODSIGN_OK,
        Err(e) => c_status(e.kind()),
    }
}

/// The last-error detail and parameter on this thread.
pub fn c_last_error() -> (String, String) {
    let read = |f: unsafe extern "C" fn(*mut c_char, usize, *mut usize) -> c::vodsign_status| {
        let mut len = 0usize;
        // SAFETY: NULL with cap 0 asks for the length; `len` is writable.
        let st = unsafe { f(null_mut(), 0, &mut len) };
        assert!(st == c::VODSIGN_ERR_BUFFER_TOO_SMALL || (st == c::VODSIGN_OK && len == 0), "last error status {st}");
        let mut buf = vec![0u8; len + 1];
        // SAFETY: `buf` has len + 1 writable bytes.
        let st = unsafe { f(buf.as_mut_ptr().cast(), buf.len(), &mut len) };
        assert_eq!(st, c::VODSIGN_OK);
        buf.truncate(len);
        String::from_utf8(buf).expect("last error is UTF-8")
    };
    (read(c::vodsign_last_error_message), read(c::vodsign_last_error_param))
}

/// After a call named `func` failed with a core error, the detail is `func: message` and the
/// parameter is the error's (or empty).
pub fn c_check_last_error(func: &str, e: &Error) {
    let (message, param) = c_last_error();
    assert_eq!(message, format!("{func}: {}", e.message()));
    assert_eq!(param, e.param().unwrap_or(""));
}

/// Calls a `(out, cap, out_len)` getter with `cap` (NULL for 0), then with exactly enough room,
/// checking BUFFER_TOO_SMALL leaves the buffer untouched and reports the length, and success
/// writes the bytes and a NUL. Returns (status, bytes); status is not OK only for errors other
/// than BUFFER_TOO_SMALL.
pub fn c_text(cap: usize, mut f: impl FnMut(*mut c_char, usize, *mut usize) -> c::vodsign_status) -> (c::vodsign_status, Vec<u8>) {
    const SENTINEL: u8 = 0xA5;
    let mut buf = vec![SENTINEL; cap];
    let mut len = usize::MAX;
    let ptr = if cap == 0 { null_mut() } else { buf.as_mut_ptr().cast() };
    let st = f(ptr, cap, &mut len);
    assert_ne!(st, c::VODSIGN_ERR_PANIC);
    let len = match st {
        c::VODSIGN_OK => {
            assert!(len < cap, "OK with out_len {len} and cap {cap}");
            assert_eq!(buf[len], 0, "no NUL after the text");
            assert!(buf[len + 1..].iter().all(|&b| b == SENTINEL), "wrote past the NUL");
            buf.truncate(len);
            return (st, buf);
        }
        c::VODSIGN_ERR_BUFFER_TOO_SMALL => {
            assert!(len >= cap && len != usize::MAX, "BUFFER_TOO_SMALL with out_len {len} and cap {cap}");
            assert!(buf.iter().all(|&b| b == SENTINEL), "BUFFER_TOO_SMALL wrote into the buffer");
            len
        }
        other => return (other, Vec::new()),
    };
    let mut buf = vec![SENTINEL; len + 1];
    let mut len2 = 0usize;
    let st = f(buf.as_mut_ptr().cast(), len + 1, &mut len2);
    assert_eq!(st, c::VODSIGN_OK, "with the reported length + 1");
    assert_eq!((len2, buf[len]), (len, 0));
    buf.truncate(len);
    (st, buf)
}

/// A pointer for a byte string, or NULL.
pub fn ptr_or_null(bytes: &[u8], null_it: bool) -> *const c_char {
    if null_it { null() } else { bytes.as_ptr().cast() }
}

/// Checks every getter of a decoded handle against the Rust decoding of the same signature.
pub fn c_check_decoded(h: *const c::vodsign_decoded, d: &Decoded, cap: usize, now: u64) {
    // SAFETY (all calls below): `h` is a live handle; every out pointer is a local.
    unsafe {
        let mut n = 0usize;
        assert_eq!(c::vodsign_decoded_param_count(h, &mut n), c::VODSIGN_OK);
        assert_eq!(n, d.len());
        for (i, (k, v)) in d.params().enumerate() {
            assert_eq!(c_text(cap, |o, cp, l| c::vodsign_decoded_param_key(h, i, o, cp, l)), (c::VODSIGN_OK, k.as_bytes().to_vec()));
            assert_eq!(c_text(cap, |o, cp, l| c::vodsign_decoded_param_value(h, i, o, cp, l)), (c::VODSIGN_OK, v.as_bytes().to_vec()));
        }
        assert_eq!(c_text(cap, |o, cp, l| c::vodsign_decoded_param_key(h, n, o, cp, l)).0, c::VODSIGN_ERR_OUT_OF_RANGE);
        assert_eq!(c_text(cap, |o, cp, l| c::vodsign_decoded_original(h, o, cp, l)), (c::VODSIGN_OK, d.original().as_bytes().to_vec()));
        assert_eq!(c_text(cap, |o, cp, l| c::vodsign_decoded_secret_id(h, o, cp, l)), (c::VODSIGN_OK, d.secret_id().as_bytes().to_vec()));

        let mut mac = vec![0u8; cap.max(MAC_LEN)];
        let mut len = 0usize;
        let st = c::vodsign_decoded_mac(h, if cap == 0 { null_mut() } else { mac.as_mut_ptr() }, cap, &mut len);
        assert_eq!(len, MAC_LEN);
        if cap < MAC_LEN {
            assert_eq!(st, c::VODSIGN_ERR_BUFFER_TOO_SMALL);
        } else {
            assert_eq!((st, &mac[..MAC_LEN]), (c::VODSIGN_OK, &d.mac()[..]));
        }

        for p in Param::ALL {
            let name = p.name();
            let got = c_text(cap, |o, cp, l| c::vodsign_decoded_get(h, name.as_ptr().cast(), name.len(), o, cp, l));
            match d.get(name) {
                Some(v) => assert_eq!(got, (c::VODSIGN_OK, v.as_bytes().to_vec())),
                None => assert_eq!(got.0, c::VODSIGN_ERR_NOT_PRESENT),
            }
        }
        let texts: [(unsafe extern "C" fn(_, _, _, _) -> _, Option<&str>); 5] = [
            (c::vodsign_decoded_procedure, d.procedure()),
            (c::vodsign_decoded_source_context, d.source_context()),
            (c::vodsign_decoded_task_notify_mode, d.task_notify_mode()),
            (c::vodsign_decoded_session_context, d.session_context()),
            (c::vodsign_decoded_storage_region, d.storage_region()),
        ];
        for (f, want) in texts {
            let got = c_text(cap, |o, cp, l| f(h, o, cp, l));
            match want {
                Some(v) => assert_eq!(got, (c::VODSIGN_OK, v.as_bytes().to_vec())),
                None => assert_eq!(got.0, c::VODSIGN_ERR_NOT_PRESENT),
            }
        }
        fn int<T: Default + PartialEq + core::fmt::Debug>(
            f: unsafe extern "C" fn(*const c::vodsign_decoded, *mut T) -> c::vodsign_status,
            h: *const c::vodsign_decoded,
            want: Option<T>,
        ) {
            let mut v = T::default();
            // SAFETY: live handle, local out.
            let st = unsafe { f(h, &mut v) };
            match want {
                Some(w) => assert_eq!((st, v), (c::VODSIGN_OK, w)),
                None => assert_eq!(st, c::VODSIGN_ERR_NOT_PRESENT),
            }
        }
        int(c::vodsign_decoded_current_time_stamp, h, Some(d.current_time_stamp()));
        int(c::vodsign_decoded_expire_time, h, Some(d.expire_time()));
        int(c::vodsign_decoded_random, h, Some(d.random()));
        int(c::vodsign_decoded_class_id, h, d.class_id());
        int(c::vodsign_decoded_one_time_valid, h, d.one_time_valid());
        int(c::vodsign_decoded_task_priority, h, d.task_priority());
        int(c::vodsign_decoded_vod_sub_app_id, h, d.vod_sub_app_id());
        let mut left = 0u64;
        assert_eq!(c::vodsign_decoded_seconds_left(h, now, &mut left), c::VODSIGN_OK);
        assert_eq!(left, d.seconds_left(now));
        // NULL handles and outs are refused, never dereferenced.
        assert_eq!(c::vodsign_decoded_param_count(null(), &mut n), c::VODSIGN_ERR_NULL_ARGUMENT);
        assert_eq!(c::vodsign_decoded_param_count(h, null_mut()), c::VODSIGN_ERR_NULL_ARGUMENT);
        assert_eq!(c::vodsign_decoded_original(h, null_mut(), 1, &mut len), c::VODSIGN_ERR_NULL_ARGUMENT);
    }
}

/// The status a C call taking text must give: NULL, then not UTF-8, then what `f` gives.
pub fn c_text_arg<T>(bytes: &[u8], null_it: bool, f: impl FnOnce(&str) -> Result<T, Error>) -> (c::vodsign_status, Option<Result<T, Error>>) {
    if null_it {
        return (c::VODSIGN_ERR_NULL_ARGUMENT, None);
    }
    match std::str::from_utf8(bytes) {
        Err(_) => (c::VODSIGN_ERR_INVALID_UTF8_ARGUMENT, None),
        Ok(s) => {
            let r = f(s);
            (c_expected(&r), Some(r))
        }
    }
}
