//! Unit tests of the C ABI's Rust side: status codes, version, the panic guard, a round trip.

use super::*;
use super::failure::guard;
use super::status::kind_status;
use core::ffi::{CStr, c_char};

use crate::ErrorKind;

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
