//! An empty value for an optional integer parameter (`vodSubAppId=`, `classId=`, as real signers
//! emit) is accepted by decode and verify, kept as written in the parameter list, and reported as
//! not set by the typed accessors. Required integers stay strict.

use hmac::{Hmac, KeyInit, Mac};
use vodsign::{ErrorKind, capi, decode};

const KEY: &[u8] = b"IamSecretKey";
const REQUIRED: &str = "secretId=AKID&currentTimeStamp=1700000000&expireTime=1700086400&random=7";

fn signed(original: &str) -> String {
    use base64::Engine;
    let mut m = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(KEY).unwrap();
    m.update(original.as_bytes());
    let mut raw = m.finalize().into_bytes().to_vec();
    raw.extend_from_slice(original.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(raw)
}

#[test]
fn empty_optional_integers_decode_as_not_set() {
    for tail in ["&classId=&oneTimeValid=&taskPriority=&vodSubAppId=", "&classId&oneTimeValid&taskPriority&vodSubAppId"] {
        let sig = signed(&format!("{REQUIRED}{tail}"));
        let d = decode(&sig).unwrap_or_else(|e| panic!("{tail}: {e}"));
        for name in ["classId", "oneTimeValid", "taskPriority", "vodSubAppId"] {
            assert_eq!(d.get(name), Some(""), "{name}");
            assert!(d.params().any(|(k, v)| k == name && v.is_empty()), "{name}");
        }
        assert_eq!((d.class_id(), d.one_time_valid(), d.task_priority(), d.vod_sub_app_id()), (None, None, None, None));
        let v = vodsign::verify(&sig, KEY, 1_700_000_100).unwrap();
        assert_eq!(v, d);
    }
    // Others stay as they are.
    let d = decode(&signed(&format!("{REQUIRED}&vodSubAppId=&classId=5"))).unwrap();
    assert_eq!((d.vod_sub_app_id(), d.class_id()), (None, Some(5)));
}

#[test]
fn empty_required_integers_stay_refused() {
    for p in ["currentTimeStamp", "expireTime", "random"] {
        let text = REQUIRED.split('&').map(|kv| if kv.starts_with(p) { format!("{p}=") } else { kv.to_string() });
        let e = decode(&signed(&text.collect::<Vec<_>>().join("&"))).unwrap_err();
        assert_eq!((e.kind(), e.param()), (ErrorKind::NotAnInteger, Some(p)));
    }
}

#[test]
fn c_getters_say_not_present() {
    let sig = signed(&format!("{REQUIRED}&vodSubAppId=&classId="));
    let mut d = core::ptr::null_mut();
    // SAFETY: valid pointers and lengths; the handle is freed once.
    unsafe {
        assert_eq!(capi::vodsign_decode(sig.as_ptr().cast(), sig.len(), &mut d), capi::VODSIGN_OK);
        let mut u = 99u64;
        assert_eq!(capi::vodsign_decoded_vod_sub_app_id(d, &mut u), capi::VODSIGN_ERR_NOT_PRESENT);
        assert_eq!(capi::vodsign_decoded_class_id(d, &mut u), capi::VODSIGN_ERR_NOT_PRESENT);
        assert_eq!(u, 99);
        let mut buf = [0 as core::ffi::c_char; 8];
        let mut len = 9;
        let name = "vodSubAppId";
        let st = capi::vodsign_decoded_get(d, name.as_ptr().cast(), name.len(), buf.as_mut_ptr(), buf.len(), &mut len);
        assert_eq!((st, len), (capi::VODSIGN_OK, 0));
        capi::vodsign_decoded_free(d);
    }
}
