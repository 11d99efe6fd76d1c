//! Decode warnings: what the server would refuse, reported by a successful decode. The expected
//! codes of every decode vector come from the Node reference's model.

mod common;

use common::cases;
use hmac::{Hmac, KeyInit, Mac};
use vodsign::{WarningKind, decode};

fn signed(original: &str) -> String {
    use base64::Engine;
    let mut m = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(b"k").unwrap();
    m.update(original.as_bytes());
    let mut raw = m.finalize().into_bytes().to_vec();
    raw.extend_from_slice(original.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(raw)
}

#[test]
fn every_decode_vector_has_the_reference_warnings() {
    let mut checked = 0;
    for c in cases("decode") {
        if c.get("error").is_some() {
            assert!(c.get("warnings").is_none(), "{}: a refused case has warnings", c["name"]);
            continue;
        }
        let want: Vec<&str> = c["warnings"].as_array().unwrap_or_else(|| panic!("{}: no warnings list", c["name"]))
            .iter().map(|w| w.as_str().unwrap()).collect();
        let d = decode(c["signature"].as_str().unwrap()).unwrap();
        let got: Vec<&str> = d.warnings().iter().map(|w| w.code()).collect();
        assert_eq!(got, want, "{}", c["name"]);
        checked += 1;
    }
    assert!(checked >= 40, "{checked} accepted cases");
}

#[test]
fn codes_are_stable() {
    assert_eq!(WarningKind::ValidityTooLong.code(), "validity_too_long");
    assert_eq!(WarningKind::ExpireNotAfterCurrent.code(), "expire_not_after_current");
    assert_eq!(WarningKind::UnknownParameter.code(), "unknown_parameter");
}

#[test]
fn window_first_then_unknown_keys_in_order() {
    let d = decode(&signed("zeta=1&secretId=A&currentTimeStamp=100&expireTime=100&a%0Ab=2&random=1&isTranscode=1")).unwrap();
    let w = d.warnings();
    let got: Vec<_> = w.iter().map(|w| (w.kind(), w.param())).collect();
    assert_eq!(
        got,
        [
            (WarningKind::ExpireNotAfterCurrent, Some("expireTime")),
            (WarningKind::UnknownParameter, Some("zeta")),
            (WarningKind::UnknownParameter, Some("a\nb")),
            (WarningKind::UnknownParameter, Some("isTranscode")),
        ]
    );
    // The window message is check_window's.
    assert_eq!(w[0].message(), vodsign::check_window(100, 100).unwrap_err().message());
    assert_eq!(w[1].message(), "zeta is an unknown parameter: the server does not document it");
    // An odd key is shown quoted and escaped, on one line.
    assert_eq!(w[2].message(), "\"a\\nb\" is an unknown parameter: the server does not document it");
    assert_eq!(w[3].to_string(), w[3].message());

    let d = decode(&signed("secretId=A&currentTimeStamp=100&expireTime=7776101&random=1")).unwrap();
    let w = d.warnings();
    assert_eq!((w.len(), w[0].kind(), w[0].param()), (1, WarningKind::ValidityTooLong, None));
    assert_eq!(w[0].message(), vodsign::check_window(100, 7_776_101).unwrap_err().message());

    let d = decode(&signed("secretId=A&currentTimeStamp=100&expireTime=7776100&random=1&vodSubAppId=")).unwrap();
    assert_eq!(d.warnings(), []);
}

#[test]
fn a_too_long_context_stays_a_decode_error() {
    let e = decode(&signed(&format!("secretId=A&currentTimeStamp=1&expireTime=2&random=1&sourceContext={}", "a".repeat(251))))
        .unwrap_err();
    assert_eq!((e.kind(), e.param()), (vodsign::ErrorKind::InvalidParameter, Some("sourceContext")));
}
