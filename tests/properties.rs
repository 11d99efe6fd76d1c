//! Property tests over the whole parameter space: every optional parameter present or absent,
//! strings from all of Unicode (plus the characters escaping cares about), integers at their
//! edges.
//!
//! * decode(sign(x)) gives back x: every parameter, in canonical order, and the original is
//!   Node's querystring encoding of them (the checks are `check_sign` in
//!   `fuzz/support/src/options.rs`, shared with the `sign` fuzz target);
//! * verify accepts what sign made, with the same key, at any now inside the window (skew
//!   included), and rejects it with any other key (bad_mac), with any single flipped bit (of the
//!   Base64 text or of the decoded bytes), and with a clock outside the window (expired,
//!   not_yet_valid, with the skew's exact boundary);
//! * changing any single parameter (value or presence) changes the signature;
//! * no input to decode or verify panics, and what they return keeps their invariants.
//!
//! Reproducible: the RNG seed is fixed (set PROPTEST_RNG_SEED to explore others, PROPTEST_CASES
//! for more cases), and failures persist to `tests/properties.proptest-regressions` (committed;
//! its `cc` lines are replayed first on every run: commit any line a failure adds).

use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, RngSeed};
use vodsign::{
    DEFAULT_SKEW, DEFAULT_VALIDITY, ErrorKind, MAC_LEN, MAX_SESSION_CONTEXT_CHARS, MAX_SOURCE_CONTEXT_CHARS,
    MAX_STORAGE_REGION_CHARS, MAX_VALIDITY, Options, Param, ParamValue, Signer, TASK_NOTIFY_MODES, Verifier,
};
use vodsign_fuzz_support::{input, invariants, options, oracles};

const SEED: u64 = 0x766f_6473_6967_6e00;

fn config(cases: u32) -> ProptestConfig {
    let mut c = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = cases;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        c.rng_seed = RngSeed::Fixed(SEED);
    }
    if std::env::var_os("PROPTEST_DISABLE_FAILURE_PERSISTENCE").is_none() {
        c.failure_persistence = Some(Box::new(FileFailurePersistence::Direct("tests/properties.proptest-regressions")));
    }
    c
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Any scalar value, weighted towards what escaping and parsing care about.
fn wide_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        2 => prop::sample::select(vec![
            '&', '=', '%', '+', ' ', '~', '*', '\'', '(', ')', '!', '-', '_', '.', '/', '?', '#', '\0', '\n', '\r', '\t',
            '\u{7f}', '\u{80}', '\u{ff}', '\u{2028}', '\u{fffd}', '\u{feff}', '\u{10ffff}', 'é', '中', '😀',
        ]),
        3 => prop::char::range('a', 'z'),
        1 => prop::char::range('0', '9'),
    ]
}

fn text(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(wide_char(), len).prop_map(String::from_iter)
}

/// Short text, or text at the given limit (in characters) and just below it.
fn text_up_to(limit: usize) -> impl Strategy<Value = String> {
    prop_oneof![3 => text(0..=24), 1 => text(limit - 2..=limit)]
}

fn region() -> impl Strategy<Value = String> {
    let part = prop::collection::vec(prop_oneof![prop::char::range('a', 'z'), prop::char::range('0', '9')], 1..=8)
        .prop_map(String::from_iter);
    let first = prop::collection::vec(prop::char::range('a', 'z'), 1..=8).prop_map(String::from_iter);
    prop_oneof![
        1 => Just(String::new()),
        6 => (first, prop::collection::vec(part, 1..=4)).prop_map(|(f, rest)| format!("{f}-{}", rest.join("-"))),
        // Exactly the longest allowed.
        1 => prop::collection::vec(prop::char::range('a', 'z'), MAX_STORAGE_REGION_CHARS - 3..=MAX_STORAGE_REGION_CHARS - 3)
            .prop_map(|t| format!("ap-{}", String::from_iter(t))),
    ]
}

fn u64_edges() -> impl Strategy<Value = u64> {
    prop_oneof![
        1 => Just(0u64),
        1 => Just(1u64),
        1 => Just(u64::MAX),
        1 => Just(u64::MAX - 1),
        1 => Just(i64::MAX as u64),
        1 => Just((1u64 << 53) - 1),
        1 => Just(u64::from(u32::MAX)),
        2 => 1_500_000_000u64..2_000_000_000,
        3 => any::<u64>(),
    ]
}

fn u32_edges() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0u32), Just(1), Just(u32::MAX), any::<u32>()]
}

fn validity() -> impl Strategy<Value = u64> {
    prop_oneof![Just(1u64), Just(MAX_VALIDITY), Just(MAX_VALIDITY - 1), Just(DEFAULT_VALIDITY), 1..=MAX_VALIDITY]
}

fn options() -> impl Strategy<Value = Options> {
    use prop::option::of as o;
    (
        (o(text(0..=24)), o(u64_edges()), o(0u8..=1), o(text_up_to(MAX_SOURCE_CONTEXT_CHARS)), o(-10i64..=10)),
        (
            o(prop::sample::select(TASK_NOTIFY_MODES.to_vec()).prop_map(String::from)),
            o(u64_edges()),
            o(text_up_to(MAX_SESSION_CONTEXT_CHARS)),
            o(region()),
        ),
    )
        .prop_map(|((procedure, class_id, one_time_valid, source_context, task_priority), rest)| {
            let (task_notify_mode, vod_sub_app_id, session_context, storage_region) = rest;
            Options {
                procedure,
                class_id,
                one_time_valid,
                source_context,
                task_priority,
                task_notify_mode,
                vod_sub_app_id,
                session_context,
                storage_region,
                validity: DEFAULT_VALIDITY,
            }
        })
}

/// A complete, valid set of signing inputs.
#[derive(Clone, Debug)]
struct X {
    secret_id: String,
    key: Vec<u8>,
    cts: u64,
    exp: u64,
    random: u32,
    opts: Options,
}

impl X {
    fn sign(&self) -> String {
        options::check_sign(&self.secret_id, &self.key, &self.opts, self.cts, self.exp, self.random)
            .expect("valid inputs must sign")
    }
}

fn inputs() -> impl Strategy<Value = X> {
    (text(1..=24), prop::collection::vec(any::<u8>(), 1..=100), u64_edges(), validity(), u32_edges(), options()).prop_map(
        |(secret_id, key, cts, validity, random, opts)| {
            let cts = cts.min(u64::MAX - validity);
            X { secret_id, key, cts, exp: cts + validity, random, opts }
        },
    )
}

/// Whether HMAC treats two keys as the same: keys up to the block size (64 bytes) are
/// zero-padded, so trailing zero bytes do not count; longer keys are hashed first.
fn hmac_equivalent(a: &[u8], b: &[u8]) -> bool {
    let trim = |k: &[u8]| k[..k.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1)].to_vec();
    match (a.len() > 64, b.len() > 64) {
        (false, false) => trim(a) == trim(b),
        (true, true) => a == b,
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Round trip
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(192))]

    /// decode(sign(x)) gives back x, parameter by parameter in canonical order; the same options
    /// built through `Options::set` by wire name are equal and give the same signature.
    #[test]
    fn decode_of_sign_gives_back_the_parameters(x in inputs()) {
        let sig = x.sign();
        let d = vodsign::decode(&sig).unwrap();
        let names: Vec<&str> = d.params().map(|(k, _)| k).collect();
        let canonical: Vec<&str> = Param::ALL.iter().map(|p| p.name()).filter(|n| names.contains(n)).collect();
        prop_assert_eq!(&names, &canonical, "not in canonical order");

        let mut by_name = Options::new();
        for p in input::optional_params() {
            match options::field(&x.opts, p) {
                Some(input::Val::Str(s)) => by_name.set(p.name(), ParamValue::Str(&s)).unwrap(),
                Some(input::Val::Int(n)) => by_name.set(p.name(), ParamValue::Int(n)).unwrap(),
                None => {}
            }
        }
        prop_assert_eq!(&by_name, &x.opts);
        let signer = Signer::new(&x.secret_id, &x.key).unwrap();
        prop_assert_eq!(signer.sign_at(&by_name, x.cts, x.exp, x.random).unwrap(), sig);
    }
}

/// Every combination of optional parameters present and absent (2^9), with values at their
/// limits, signs and decodes back.
#[test]
fn every_presence_combination_round_trips() {
    let full = Options {
        procedure: Some("a b&c=d%e+f~中😀".into()),
        class_id: Some(u64::MAX),
        one_time_valid: Some(1),
        source_context: Some("é".repeat(MAX_SOURCE_CONTEXT_CHARS)),
        task_priority: Some(-10),
        task_notify_mode: Some("Change".into()),
        vod_sub_app_id: Some(0),
        session_context: Some("😀".repeat(MAX_SESSION_CONTEXT_CHARS)),
        storage_region: Some(format!("ap-{}", "z".repeat(MAX_STORAGE_REGION_CHARS - 3))),
        validity: DEFAULT_VALIDITY,
    };
    let params: Vec<Param> = input::optional_params().collect();
    for mask in 0u32..1 << params.len() {
        let mut opts = full.clone();
        for (i, p) in params.iter().enumerate() {
            if mask & (1 << i) == 0 {
                opts.clear(*p);
            }
        }
        let sig = options::check_sign("AKID", b"key", &opts, u64::MAX - MAX_VALIDITY, u64::MAX, u32::MAX)
            .unwrap_or_else(|| panic!("mask {mask:#x} refused"));
        assert_eq!(vodsign::decode(&sig).unwrap().len(), 4 + mask.count_ones() as usize);
    }
}


// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(128))]

    /// Any now from currentTimeStamp - skew to expireTime - 1 verifies, with exactly
    /// expireTime - now seconds left; the boundaries themselves included.
    #[test]
    fn verify_accepts_any_now_inside_the_window(x in inputs(), offset in any::<u64>(), early in any::<u64>(),
                                                skew in prop_oneof![Just(0u64), Just(DEFAULT_SKEW), 0..100_000u64, Just(u64::MAX)]) {
        let sig = x.sign();
        let v = Verifier::new(&x.key).unwrap().with_skew(skew);
        let earliest = x.cts.saturating_sub(skew);
        let inside = [
            x.cts + offset % (x.exp - x.cts),
            x.cts - early % (x.cts - earliest + 1),
            x.cts,
            earliest,
            x.exp - 1,
        ];
        for now in inside {
            let d = v.verify(&sig, now).map_err(|e| TestCaseError::fail(format!("now {now}: {e}")))?;
            prop_assert_eq!(d.seconds_left(now), x.exp - now);
            prop_assert_eq!(vodsign::seconds_left(&sig, now).unwrap(), x.exp - now);
            invariants::check_verify(&Ok(d), &sig, &x.key, now, skew);
        }
        if skew == DEFAULT_SKEW {
            prop_assert!(vodsign::verify(&sig, &x.key, inside[0]).is_ok());
        }
    }

    /// Outside the window: now >= expireTime is expired; currentTimeStamp > now + skew is
    /// not_yet_valid (one second past the skew, and anything earlier).
    #[test]
    fn verify_rejects_a_clock_outside_the_window(x in inputs(), late in any::<u64>(), early in any::<u64>(),
                                                 skew in prop_oneof![Just(0u64), Just(DEFAULT_SKEW), 0..100_000u64]) {
        let sig = x.sign();
        let v = Verifier::new(&x.key).unwrap().with_skew(skew);
        for now in [x.exp, x.exp.saturating_add(late), u64::MAX] {
            prop_assert_eq!(v.verify(&sig, now).unwrap_err().kind(), ErrorKind::Expired, "now {}", now);
            prop_assert_eq!(vodsign::seconds_left(&sig, now).unwrap(), 0);
        }
        if x.cts > skew {
            let latest_early = x.cts - skew - 1;
            for now in [latest_early, latest_early - early % (latest_early + 1), 0] {
                prop_assert_eq!(v.verify(&sig, now).unwrap_err().kind(), ErrorKind::NotYetValid, "now {}", now);
            }
            // A skew just wide enough accepts the earliest of them.
            prop_assert!(Verifier::new(&x.key).unwrap().with_skew(skew + 1).verify(&sig, latest_early).is_ok());
        }
    }

    /// Any key HMAC does not treat as the same key gives bad_mac, whatever the clock.
    #[test]
    fn verify_rejects_any_other_key(x in inputs(), other in prop::collection::vec(any::<u8>(), 0..=100),
                                    now in any::<u64>()) {
        let sig = x.sign();
        prop_assume!(!hmac_equivalent(&x.key, &other));
        for now in [x.cts, now] {
            let e = Verifier::new(&other).and_then(|v| v.verify(&sig, now)).unwrap_err();
            // The empty key is refused before the MAC is looked at.
            let want = if other.is_empty() { ErrorKind::InvalidParameter } else { ErrorKind::BadMac };
            prop_assert_eq!(e.kind(), want);
        }
        if let Some(near) = invariants::other_key(&x.key) {
            prop_assert_eq!(Verifier::new(&near).unwrap().verify(&sig, x.cts).unwrap_err().kind(), ErrorKind::BadMac);
        }
    }

    /// Any single flipped bit, of the decoded bytes (then re-encoded) or of the Base64 text
    /// (staying ASCII), never verifies: it fails to decode, or gives bad_mac.
    #[test]
    fn verify_rejects_any_flipped_bit(x in inputs(), pos in any::<usize>(), bit in 0u8..8) {
        let sig = x.sign();
        let d = vodsign::decode(&sig).unwrap();
        let mut raw = d.mac().to_vec();
        raw.extend_from_slice(d.original().as_bytes());
        let i = pos % raw.len();
        raw[i] ^= 1 << bit;
        let mut text = sig.clone().into_bytes();
        let j = pos % text.len();
        text[j] ^= 1 << (bit % 7);
        for tampered in [oracles::base64(&raw), String::from_utf8(text).unwrap()] {
            let r = Verifier::new(&x.key).unwrap().verify(&tampered, x.cts);
            match vodsign::decode(&tampered) {
                Ok(_) => prop_assert_eq!(r.as_ref().map_err(|e| e.kind()).err(), Some(ErrorKind::BadMac), "{}", tampered),
                Err(e) => prop_assert_eq!(r.as_ref().err(), Some(&e)),
            }
            invariants::check_verify(&r, &tampered, &x.key, x.cts, DEFAULT_SKEW);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Changing one parameter
// ---------------------------------------------------------------------------------------------

/// Material for a new value of any parameter.
#[derive(Clone, Debug)]
struct Alt {
    text: String,
    region: String,
    n: u64,
    toggle: bool,
}

fn alt() -> impl Strategy<Value = Alt> {
    (text(1..=12), region(), any::<u64>(), any::<bool>()).prop_map(|(text, region, n, toggle)| Alt { text, region, n, toggle })
}

/// `x` with exactly one parameter changed (its value, or for an optional one its presence), or
/// None when `alt` does not give a different valid value.
fn change(x: &X, p: Param, alt: &Alt) -> Option<X> {
    let mut y = x.clone();
    let o = &mut y.opts;
    let other_str = |cur: &Option<String>, new: String| -> Option<Option<String>> {
        match cur {
            Some(_) if alt.toggle => Some(None),
            Some(c) if *c == new => None,
            _ => Some(Some(new)),
        }
    };
    let other_int = |cur: Option<i128>, new: i128| -> Option<Option<i128>> {
        match cur {
            Some(_) if alt.toggle => Some(None),
            Some(c) if c == new => None,
            _ => Some(Some(new)),
        }
    };
    let n = i128::from(alt.n);
    match p {
        Param::SecretId => y.secret_id = Some(alt.text.clone()).filter(|t| *t != x.secret_id)?,
        Param::CurrentTimeStamp => {
            let lo = x.exp.saturating_sub(MAX_VALIDITY);
            y.cts = lo + alt.n % (x.exp - lo);
        }
        Param::ExpireTime => y.exp = x.cts + 1 + alt.n % (u64::MAX - x.cts).min(MAX_VALIDITY),
        Param::Random => y.random = alt.n as u32,
        Param::Procedure => o.procedure = other_str(&o.procedure, alt.text.clone())?,
        Param::SourceContext => o.source_context = other_str(&o.source_context, alt.text.clone())?,
        Param::SessionContext => o.session_context = other_str(&o.session_context, alt.text.clone())?,
        Param::StorageRegion => o.storage_region = other_str(&o.storage_region, alt.region.clone())?,
        Param::TaskNotifyMode => {
            let mode = TASK_NOTIFY_MODES[alt.n as usize % 3].to_string();
            o.task_notify_mode = other_str(&o.task_notify_mode, mode)?;
        }
        Param::ClassId => o.class_id = other_int(o.class_id.map(i128::from), n)?.map(|v| v as u64),
        Param::VodSubAppId => o.vod_sub_app_id = other_int(o.vod_sub_app_id.map(i128::from), n)?.map(|v| v as u64),
        Param::OneTimeValid => o.one_time_valid = other_int(o.one_time_valid.map(i128::from), n % 2)?.map(|v| v as u8),
        Param::TaskPriority => o.task_priority = other_int(o.task_priority.map(i128::from), n % 21 - 10)?.map(|v| v as i64),
        _ => unreachable!(),
    }
    let same = y.secret_id == x.secret_id && y.cts == x.cts && y.exp == x.exp && y.random == x.random && y.opts == x.opts;
    (!same).then_some(y)
}

proptest! {
    #![proptest_config(config(192))]

    /// Changing any single parameter (its value, or an optional one's presence) changes the
    /// signature, its MAC and its original, and the decoded parameters differ in that one only.
    #[test]
    fn changing_any_one_parameter_changes_the_signature(x in inputs(), which in 0..Param::ALL.len(), alt in alt()) {
        let p = Param::ALL[which];
        let y = change(&x, p, &alt);
        prop_assume!(y.is_some());
        let y = y.unwrap();
        let (sx, sy) = (x.sign(), y.sign());
        prop_assert_ne!(&sx, &sy);
        let (dx, dy) = (vodsign::decode(&sx).unwrap(), vodsign::decode(&sy).unwrap());
        prop_assert_ne!(dx.mac(), dy.mac(), "same MAC for different parameters");
        prop_assert_ne!(dx.original(), dy.original());
        for q in Param::ALL {
            if q == p {
                prop_assert_ne!(dx.get_param(q), dy.get_param(q), "{} did not change", q.name());
            } else {
                prop_assert_eq!(dx.get_param(q), dy.get_param(q), "{} changed too", q.name());
            }
        }
        // Each signature verifies only as itself: y's MAC on x's text is refused.
        let mut spliced = dy.mac().to_vec();
        spliced.extend_from_slice(dx.original().as_bytes());
        let e = Verifier::new(&x.key).unwrap().verify(&oracles::base64(&spliced), x.cts).unwrap_err();
        prop_assert_eq!(e.kind(), ErrorKind::BadMac);
    }
}

// ---------------------------------------------------------------------------------------------
// Untrusted input
// ---------------------------------------------------------------------------------------------

/// Query-string fragments that steer the parser to its interesting cases.
fn query() -> impl Strategy<Value = String> {
    let names = prop::sample::select(
        Param::ALL.iter().map(|p| p.name().to_string()).chain(["secretid".into(), "x".into(), String::new()]).collect::<Vec<_>>(),
    );
    let value = prop_oneof![
        u64_edges().prop_map(|n| n.to_string()),
        Just("18446744073709551616".to_string()),
        Just("4294967296".to_string()),
        Just("-0".to_string()),
        Just("007".to_string()),
        Just("1.5".to_string()),
        (-20i64..=20).prop_map(|n| n.to_string()),
        prop::sample::select(vec!["Finish", "Change", "None", "ap-chongqing", "%", "%2", "%zz", "%C3%A9", "%FF", "+", "%26"])
            .prop_map(String::from),
        text(0..=8).prop_map(|t| oracles::node_escape(&t)),
        text(0..=8),
    ];
    let pair = (names, prop::option::of(value)).prop_map(|(k, v)| match v {
        Some(v) => format!("{k}={v}"),
        None => k,
    });
    prop::collection::vec(pair, 0..=16).prop_map(|pairs| pairs.join("&"))
}

/// Text made of Base64's alphabet (and a few strays), so that decoding gets past the Base64.
fn base64ish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".to_vec()).prop_map(char::from),
            1 => prop::sample::select(vec!['=', ' ', '\n', '-', '_', '.', 'é']),
        ],
        0..=200,
    )
    .prop_map(String::from_iter)
}

proptest! {
    #![proptest_config(config(256))]

    /// decode never panics on any string, and what it returns keeps its invariants (the
    /// checks of `check_decode`, shared with the `decode` fuzz target).
    #[test]
    fn decode_takes_any_string(s in prop_oneof![text(0..=64), base64ish()]) {
        invariants::check_decode(&s);
    }

    /// decode never panics on the Base64 of any bytes, nor on a zero MAC followed by any bytes
    /// or by a query string made of parameter names, edge values and escapes.
    #[test]
    fn decode_takes_any_bytes_base64_encoded(bytes in prop::collection::vec(any::<u8>(), 0..=160), q in query()) {
        invariants::check_decode(&oracles::base64(&bytes));
        let mut raw = vec![0u8; MAC_LEN];
        raw.extend_from_slice(&bytes);
        invariants::check_decode(&oracles::base64(&raw));
        let mut raw = vec![0u8; MAC_LEN];
        raw.extend_from_slice(q.as_bytes());
        invariants::check_decode(&oracles::base64(&raw));
    }

    /// verify never panics with any signature, key, now and skew, and agrees with decode and
    /// the time rules (`check_verify`, shared with the `verify` fuzz target).
    #[test]
    fn verify_takes_anything(s in prop_oneof![base64ish(), query().prop_map(|q| {
                                 let mut raw = vec![0u8; MAC_LEN];
                                 raw.extend_from_slice(q.as_bytes());
                                 oracles::base64(&raw)
                             })],
                             key in prop::collection::vec(any::<u8>(), 0..=80), now in u64_edges(), skew in u64_edges()) {
        let r = Verifier::new(&key).and_then(|v| v.with_skew(skew).verify(&s, now));
        invariants::check_verify(&r, &s, &key, now, skew);
    }
}
