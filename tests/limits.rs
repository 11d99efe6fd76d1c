//! Each documented limit on both sides of its boundary, through the public API. (The vectors
//! cover the same limits against the reference; these also cover what only the API has: the
//! validity option, the parameter count, the signer's own checks.)

use vodsign::{ErrorKind, MAX_PARAMS, MAX_VALIDITY, Options, Param, ParamValue, Signer, Verifier, decode};

fn signer() -> Signer {
    Signer::new("AKIDexample", b"key").unwrap()
}

fn kind<T: std::fmt::Debug>(r: vodsign::Result<T>) -> ErrorKind {
    r.unwrap_err().kind()
}

#[test]
fn validity_option() {
    let s = signer();
    for ok in [1, 86_400, MAX_VALIDITY] {
        let d = decode(&s.sign(&Options::new().validity(ok)).unwrap()).unwrap();
        assert_eq!(d.expire_time() - d.current_time_stamp(), ok);
    }
    assert_eq!(kind(s.sign(&Options::new().validity(0))), ErrorKind::InvalidParameter);
    let e = s.sign(&Options::new().validity(MAX_VALIDITY + 1)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ValidityTooLong);
    assert_eq!(e.to_string(), "validity is 7776001 seconds; at most 7776000 (90 days)");
}

#[test]
fn explicit_window() {
    let s = signer();
    assert!(s.sign_at(&Options::new(), 100, 101, 0).is_ok());
    assert!(s.sign_at(&Options::new(), 100, 100 + MAX_VALIDITY, 0).is_ok());
    assert_eq!(kind(s.sign_at(&Options::new(), 100, 100, 0)), ErrorKind::InvalidParameter);
    assert_eq!(kind(s.sign_at(&Options::new(), 100, 101 + MAX_VALIDITY, 0)), ErrorKind::ValidityTooLong);
}

#[test]
fn string_lengths_count_characters_not_bytes() {
    let s = signer();
    for (param, max) in [(Param::SourceContext, 250), (Param::SessionContext, 1000), (Param::StorageRegion, 64)] {
        let fill = |n: usize| if param == Param::StorageRegion { format!("ap-{}", "x".repeat(n - 3)) } else { "视".repeat(n) };
        let mut at = Options::new();
        at.set(param.name(), ParamValue::Str(&fill(max))).unwrap();
        assert!(s.sign_at(&at, 1, 2, 3).is_ok(), "{param:?} at {max}");
        let mut over = Options::new();
        let e = over.set(param.name(), ParamValue::Str(&fill(max + 1))).unwrap_err();
        assert_eq!(e.param(), Some(param.name()));
        assert!(e.to_string().contains(&format!("has {} characters; at most {max}", max + 1)), "{e}");
        // The same rule holds when the field is set directly and checked at signing.
        let mut direct = Options::new();
        match param {
            Param::SourceContext => direct.source_context = Some(fill(max + 1)),
            Param::SessionContext => direct.session_context = Some(fill(max + 1)),
            _ => direct.storage_region = Some(fill(max + 1)),
        }
        assert_eq!(kind(s.sign_at(&direct, 1, 2, 3)), ErrorKind::InvalidParameter);
    }
}

#[test]
fn integer_ranges() {
    let s = signer();
    for (name, ok, bad) in [
        ("taskPriority", [-10i128, 10], [-11i128, 11]),
        ("oneTimeValid", [0, 1], [-1, 2]),
        ("classId", [0, u64::MAX as i128], [-1, u64::MAX as i128 + 1]),
        ("vodSubAppId", [0, u64::MAX as i128], [-1, u64::MAX as i128 + 1]),
    ] {
        for v in ok {
            let mut o = Options::new();
            o.set(name, ParamValue::Int(v)).unwrap();
            assert_eq!(decode(&s.sign_at(&o, 1, 2, 3).unwrap()).unwrap().get(name), Some(v.to_string().as_str()));
        }
        for v in bad {
            let e = Options::new().set(name, ParamValue::Int(v)).unwrap_err();
            assert_eq!((e.kind(), e.param()), (ErrorKind::InvalidParameter, Some(name)), "{name}={v}");
        }
    }
    assert_eq!(kind(s.sign_at(&Options::new().task_priority(11), 1, 2, 3)), ErrorKind::InvalidParameter);
    assert_eq!(kind(s.sign_at(&Options::new().one_time_valid(2), 1, 2, 3)), ErrorKind::InvalidParameter);
    assert_eq!(vodsign::random_for_signing(4_294_967_295).unwrap(), u32::MAX);
    assert_eq!(vodsign::random_for_signing(4_294_967_296).unwrap_err().param(), Some("random"));
    assert_eq!(vodsign::random_for_signing(-1).unwrap_err().param(), Some("random"));
}

#[test]
fn task_notify_mode_and_region_values() {
    for ok in ["Finish", "Change", "None"] {
        assert!(Options::new().task_notify_mode(ok).validate().is_ok());
    }
    for bad in ["finish", "", "Always"] {
        assert_eq!(kind(Options::new().task_notify_mode(bad).validate()), ErrorKind::InvalidParameter);
    }
    for ok in ["", "ap-chongqing", "ap-shanghai-fsi", "na-siliconvalley"] {
        assert!(Options::new().storage_region(ok).validate().is_ok(), "{ok}");
    }
    for bad in ["AP-Chongqing", "chongqing", "ap-", "-ap", "ap_cq", "ap chongqing"] {
        assert_eq!(kind(Options::new().storage_region(bad).validate()), ErrorKind::InvalidParameter, "{bad}");
    }
}

#[test]
fn signer_needs_an_id_and_a_key() {
    assert_eq!(Signer::new("", b"k").unwrap_err().param(), Some("secretId"));
    assert_eq!(Signer::new("id", b"").unwrap_err().param(), Some("secretKey"));
}

#[test]
fn options_set_refuses_what_is_not_an_option() {
    let mut o = Options::new();
    for name in ["secretId", "random", "nope", "secretKey"] {
        assert_eq!(o.set(name, ParamValue::Int(1)).unwrap_err().kind(), ErrorKind::InvalidParameter, "{name}");
    }
    assert!(o.set("procedure", ParamValue::Int(1)).is_err());
    assert!(o.set("classId", ParamValue::Str("1")).is_err());
    assert_eq!(o, Options::new(), "a refused set changes nothing");
}

#[test]
fn parameter_count() {
    let sig = |extra: usize| {
        let mut original = "secretId=a&currentTimeStamp=1&expireTime=2&random=3".to_string();
        for i in 0..extra {
            original.push_str(&format!("&x{i}=1"));
        }
        let mut raw = vec![0u8; 20];
        raw.extend_from_slice(original.as_bytes());
        base64_encode(&raw)
    };
    assert_eq!(decode(&sig(MAX_PARAMS - 4)).unwrap().len(), MAX_PARAMS);
    assert_eq!(decode(&sig(MAX_PARAMS - 3)).unwrap_err().kind(), ErrorKind::MalformedQuery);
}

#[test]
fn skew_boundary() {
    let sig = signer().sign_at(&Options::new(), 1000, 2000, 1).unwrap();
    let v = Verifier::new(b"key").unwrap().with_skew(10);
    assert!(v.verify(&sig, 990).is_ok());
    assert_eq!(kind(v.verify(&sig, 989)), ErrorKind::NotYetValid);
    assert!(v.verify(&sig, 1999).is_ok());
    assert_eq!(kind(v.verify(&sig, 2000)), ErrorKind::Expired);
    assert_eq!(Verifier::new(b"key").unwrap().skew(), vodsign::DEFAULT_SKEW);
}

#[test]
fn max_signature_len_is_a_tight_upper_bound() {
    let s = signer();
    let opts = Options::sample_defaults().source_context("😀 ".repeat(125)).session_context("&".repeat(1000)).task_priority(-10);
    // The longest timestamps and random there are.
    let sig = s.sign_at(&opts, u64::MAX - 1, u64::MAX, u32::MAX).unwrap();
    let bound = s.max_signature_len(&opts);
    assert_eq!(sig.len(), bound, "the bound is exact for the longest values");
    assert!(s.sign_at(&opts, 1, 2, 3).unwrap().len() < bound);
}

fn base64_encode(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() { T[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}
