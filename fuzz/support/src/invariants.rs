//! Invariants every decode, verify and error must meet, whatever the input: typed errors with
//! one-line messages, decoded values that agree with an independent parse and with every
//! accessor, and time checks that follow the documented order.

use vodsign::{Decoded, Error, ErrorKind, MAC_LEN, MAX_PARAMS, MAX_VALIDITY, Param, ParamType, Verifier};

use crate::oracles::{base64, parse_query};

/// The verifier every check and target uses for a `key` that is not empty, with `skew` (one place
/// to follow the core's constructor).
pub fn verifier(key: &[u8], skew: u64) -> Verifier {
    Verifier::new(key).expect("a key that is not empty").with_skew(skew)
}

/// Verifies `signature` with any `key`, the empty one included (refused by the constructor).
pub fn verify_any_key(key: &[u8], skew: u64, signature: &str, now: u64) -> Result<Decoded, Error> {
    Verifier::new(key).and_then(|v| v.with_skew(skew).verify(signature, now))
}

/// The kinds decoding may fail with.
pub const DECODE_KINDS: &[ErrorKind] = &[
    ErrorKind::NotBase64,
    ErrorKind::TooShort,
    ErrorKind::NotUtf8,
    ErrorKind::MalformedQuery,
    ErrorKind::MissingParameter,
    ErrorKind::NotAnInteger,
    ErrorKind::DuplicateParameter,
    ErrorKind::InvalidParameter,
];

/// The kinds verification adds after a successful decode.
pub const VERIFY_KINDS: &[ErrorKind] = &[
    ErrorKind::BadMac,
    ErrorKind::InvalidParameter,
    ErrorKind::ValidityTooLong,
    ErrorKind::NotYetValid,
    ErrorKind::Expired,
];

/// An error is typed and well-formed: its kind is one of `kinds`, it names a parameter exactly
/// for the four kinds that do (as the vectors' README says), and its message is one line.
pub fn check_error(e: &Error, kinds: &[ErrorKind]) {
    assert!(kinds.contains(&e.kind()), "unexpected error kind {:?} ({e}); expected one of {kinds:?}", e.kind());
    let names = matches!(
        e.kind(),
        ErrorKind::InvalidParameter | ErrorKind::MissingParameter | ErrorKind::NotAnInteger | ErrorKind::DuplicateParameter
    );
    assert_eq!(e.param().is_some(), names, "param presence for {:?}: {:?} ({e})", e.kind(), e.param());
    assert!(!e.message().is_empty(), "empty message for {:?}", e.kind());
    // One line of reasonable size, whatever the input: keys and values are quoted escaped and
    // clipped (the decode fuzzer once found raw keys in messages; regression input
    // fuzz/regressions/decode/raw-key-in-message).
    assert!(
        !e.message().chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}'),
        "line break or control character in the message: {:?}",
        e.message()
    );
    assert!(e.message().chars().count() <= MAX_MESSAGE_CHARS, "message of {} characters", e.message().chars().count());
    assert_eq!(e.to_string(), e.message());
}

/// The longest message allowed: a sentence with a clipped, escaped value in it.
pub const MAX_MESSAGE_CHARS: usize = 512;

/// What `check_time(now, skew)` must give for a decoded currentTimeStamp and expireTime:
/// the window first, then not-yet-valid (`cts > now + skew`, saturating), then expired
/// (`now >= exp`). `Ok(())` or the kind.
pub fn expected_time(cts: u64, exp: u64, now: u64, skew: u64) -> Result<(), ErrorKind> {
    if exp <= cts {
        Err(ErrorKind::InvalidParameter)
    } else if exp - cts > MAX_VALIDITY {
        Err(ErrorKind::ValidityTooLong)
    } else if cts > now.saturating_add(skew) {
        Err(ErrorKind::NotYetValid)
    } else if now >= exp {
        Err(ErrorKind::Expired)
    } else {
        Ok(())
    }
}

/// The outcome of a result as `Ok(())` or its error kind.
pub fn kind_of<T>(r: &Result<T, Error>) -> Result<(), ErrorKind> {
    r.as_ref().map(|_| ()).map_err(Error::kind)
}

/// Everything a successfully decoded signature promises: the signature is the canonical Base64 of
/// `mac ‖ original`; the pairs are what an independent parser reads from `original`; every
/// accessor agrees with the pairs; every known value meets its parameter's rule; time helpers
/// agree with [`expected_time`].
pub fn check_decoded(d: &Decoded, signature: &str) {
    let mut raw = d.mac().to_vec();
    raw.extend_from_slice(d.original().as_bytes());
    assert_eq!(base64(&raw), signature, "signature is not the canonical Base64 of mac ‖ original");
    assert_eq!(d.mac().len(), MAC_LEN);

    let pairs: Vec<(&str, &str)> = d.params().collect();
    assert_eq!(pairs.len(), d.len());
    assert_eq!(d.params().len(), d.len());
    assert!(!d.is_empty() && d.len() <= MAX_PARAMS, "{} params", d.len());
    let reparsed = parse_query(d.original()).expect("decode accepted a query the independent parser refuses");
    let reparsed: Vec<(&str, &str)> = reparsed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(pairs, reparsed, "params differ from an independent parse of {:?}", d.original());
    for (i, &(k, v)) in pairs.iter().enumerate() {
        assert_eq!(d.param_at(i), Some((k, v)));
        assert!(pairs[..i].iter().all(|&(k2, _)| k2 != k), "duplicate key {k:?} accepted");
        assert_eq!(d.get(k), Some(v), "get({k:?})");
    }
    assert_eq!(d.param_at(d.len()), None);

    for p in Param::ALL {
        let value = d.get_param(p);
        assert_eq!(value, d.get(p.name()));
        assert_eq!(value, pairs.iter().find(|(k, _)| *k == p.name()).map(|(_, v)| *v));
        if p.is_required() {
            assert!(value.is_some(), "{} missing but decode succeeded", p.name());
        }
        let Some(value) = value else { continue };
        match p.ty() {
            ParamType::String => {
                assert!(p.check_str(value).is_ok(), "{} = {value:?} breaks its rule", p.name());
            }
            ParamType::Integer { min, max } => {
                let typed: Option<i128> = match p {
                    Param::CurrentTimeStamp => Some(d.current_time_stamp().into()),
                    Param::ExpireTime => Some(d.expire_time().into()),
                    Param::Random => Some(d.random().into()),
                    Param::ClassId => d.class_id().map(i128::from),
                    Param::OneTimeValid => d.one_time_valid().map(i128::from),
                    Param::TaskPriority => d.task_priority().map(i128::from),
                    Param::VodSubAppId => d.vod_sub_app_id().map(i128::from),
                    _ => unreachable!("{p:?} is not an integer"),
                };
                // An empty optional integer is accepted and counts as not set.
                if value.is_empty() && !p.is_required() {
                    assert_eq!(typed, None, "typed accessor of an empty {}", p.name());
                    continue;
                }
                let n = p.parse_int(value).unwrap_or_else(|e| panic!("{} = {value:?}: {e}", p.name()));
                assert!((min..=max).contains(&n));
                let digits = value.strip_prefix('-').unwrap_or(value);
                assert!(!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
                assert_eq!(typed, Some(n), "typed accessor of {}", p.name());
            }
        }
    }
    assert!(!d.secret_id().is_empty());
    assert_eq!(Some(d.secret_id()), d.get_param(Param::SecretId));
    assert_eq!(d.procedure(), d.get_param(Param::Procedure));
    assert_eq!(d.source_context(), d.get_param(Param::SourceContext));
    assert_eq!(d.task_notify_mode(), d.get_param(Param::TaskNotifyMode));
    assert_eq!(d.session_context(), d.get_param(Param::SessionContext));
    assert_eq!(d.storage_region(), d.get_param(Param::StorageRegion));

    let (cts, exp) = (d.current_time_stamp(), d.expire_time());
    assert_eq!(vodsign::seconds_left(signature, cts), Ok(exp.saturating_sub(cts)));
    for now in [0, cts, cts.saturating_sub(1), exp.saturating_sub(1), exp, exp.saturating_add(1), u64::MAX] {
        assert_eq!(d.seconds_left(now), exp.saturating_sub(now));
        for skew in [0, 1, 300, u64::MAX] {
            assert_eq!(kind_of(&d.check_time(now, skew)), expected_time(cts, exp, now, skew), "check_time({now}, {skew})");
            if let Err(e) = d.check_time(now, skew) {
                check_error(&e, VERIFY_KINDS);
            }
        }
    }
}

/// Decodes `signature` and checks the result: deterministic; Ok meets [`check_decoded`]; an
/// error is typed, and `verify` and `seconds_left` fail with the same error (decode errors
/// come first); with some key, `verify` of a decodable signature fails only with a verify kind.
pub fn check_decode(signature: &str) {
    let r = vodsign::decode(signature);
    assert_eq!(r, vodsign::decode(signature), "decode is not deterministic");
    match &r {
        Ok(d) => {
            check_decoded(d, signature);
            if let Err(e) = vodsign::verify(signature, b"fuzz-key", d.current_time_stamp()) {
                check_error(&e, VERIFY_KINDS);
            }
        }
        Err(e) => {
            check_error(e, DECODE_KINDS);
            assert_eq!(vodsign::verify(signature, b"fuzz-key", 1_700_000_000).as_ref(), Err(e));
            assert_eq!(vodsign::seconds_left(signature, 0).as_ref(), Err(e));
        }
    }
}

/// Checks a verification result against decode and the time rules: a decode error is returned as
/// it is; Ok implies the window holds at `now` with `skew` and seconds_left > 0; a time error
/// means the MAC matched, so another key gives bad_mac; verify() with the default skew is
/// [`verifier`]`(key, 300)`.
pub fn check_verify(r: &Result<Decoded, Error>, signature: &str, key: &[u8], now: u64, skew: u64) {
    if key.is_empty() {
        // Refused before the signature is looked at, as signing refuses it.
        let e = r.as_ref().expect_err("verified with the empty key");
        assert_eq!((e.kind(), e.param()), (ErrorKind::InvalidParameter, Some("secretKey")), "{e}");
        return;
    }
    let decoded = vodsign::decode(signature);
    let d = match (&decoded, r) {
        (Err(e), _) => {
            assert_eq!(r.as_ref(), Err(e), "verify must fail with decode's error");
            return;
        }
        (Ok(d), _) => d,
    };
    check_decoded(d, signature);
    let (cts, exp) = (d.current_time_stamp(), d.expire_time());
    match r {
        Ok(v) => {
            assert_eq!(v, d, "verify's result differs from decode's");
            assert_eq!(expected_time(cts, exp, now, skew), Ok(()));
            let left = vodsign::seconds_left(signature, now).expect("seconds_left after verify");
            assert!(left > 0 && left == v.seconds_left(now) && left == exp - now, "seconds_left {left}");
            // A wider skew never turns a valid signature invalid.
            assert!(verifier(key, skew.saturating_add(1)).verify(signature, now).is_ok());
            assert!(verifier(key, u64::MAX).verify(signature, now).is_ok());
        }
        Err(e) => {
            check_error(e, VERIFY_KINDS);
            if e.kind() != ErrorKind::BadMac {
                assert_eq!(Err(e.kind()), expected_time(cts, exp, now, skew), "{e}");
            }
        }
    }
    let mac_ok = !matches!(r, Err(e) if e.kind() == ErrorKind::BadMac);
    if let (true, Some(other)) = (mac_ok, other_key(key)) {
        let e = verifier(&other, skew).verify(signature, now).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadMac, "verified with another key");
    }
    if skew == vodsign::DEFAULT_SKEW {
        assert_eq!(&vodsign::verify(signature, key, now), r);
    }
}

/// A key HMAC treats as different from `key`: same length, first byte changed. None for keys
/// longer than a SHA-1 block (HMAC hashes those) and for the empty key.
pub fn other_key(key: &[u8]) -> Option<Vec<u8>> {
    if key.is_empty() || key.len() > 64 {
        return None;
    }
    let mut k = key.to_vec();
    k[0] ^= 1;
    Some(k)
}
