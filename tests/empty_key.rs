//! An empty secret key is refused by verification exactly as by signing: HMAC-SHA1 under the
//! empty key is computable by anyone, so accepting it would let forged signatures verify.

use vodsign::{Error, ErrorKind, Signer, capi};

/// A signature "forged" with the empty key: a valid MAC under b"".
fn forged() -> (String, u64) {
    use hmac::{Hmac, KeyInit, Mac};
    let original = "secretId=AKIDforged&currentTimeStamp=1700000000&expireTime=1700000600&random=1";
    let mut m = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(b"").unwrap();
    m.update(original.as_bytes());
    let mut raw = m.finalize().into_bytes().to_vec();
    raw.extend_from_slice(original.as_bytes());
    use base64::Engine;
    (base64::engine::general_purpose::STANDARD.encode(raw), 1_700_000_100)
}

fn signer_error() -> Error {
    Signer::new("AKIDexample", b"").unwrap_err()
}

fn assert_same_as_signer(e: &Error) {
    let want = signer_error();
    assert_eq!(e.kind(), ErrorKind::InvalidParameter);
    assert_eq!((e.kind(), e.param(), e.message()), (want.kind(), want.param(), want.message()));
    assert_eq!(e.param(), Some("secretKey"));
}

#[test]
fn verify_refuses_the_empty_key() {
    let (sig, now) = forged();
    let e = vodsign::verify(&sig, b"", now).unwrap_err();
    assert_same_as_signer(&e);
}

#[test]
fn verifier_refuses_the_empty_key() {
    let e = vodsign::Verifier::new(b"").unwrap_err();
    assert_same_as_signer(&e);
    assert!(vodsign::Verifier::new(b"k").is_ok());
}

#[test]
fn c_verify_refuses_the_empty_key() {
    let (sig, now) = forged();
    let key = [0u8; 1];
    let mut out = core::ptr::null_mut();
    // SAFETY: valid pointers and lengths; `out` is freed if set.
    let st = unsafe { capi::vodsign_verify(sig.as_ptr().cast(), sig.len(), key.as_ptr(), 0, now, 300, &mut out) };
    let mut buf = [0 as core::ffi::c_char; 256];
    let mut len = 0;
    // SAFETY: buf has 256 bytes.
    unsafe { capi::vodsign_last_error_message(buf.as_mut_ptr(), buf.len(), &mut len) };
    let message = String::from_utf8(buf[..len].iter().map(|&c| c as u8).collect()).unwrap();
    // SAFETY: `out` is NULL or a live handle.
    unsafe { capi::vodsign_decoded_free(out) };
    assert!(out.is_null(), "verify wrote a handle for the empty key");
    assert_eq!(st, capi::VODSIGN_ERR_INVALID_PARAMETER);
    assert_eq!(message, format!("vodsign_verify: {}", signer_error().message()));
}
