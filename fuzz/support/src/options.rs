//! Signing options as the targets change them, and what a signature made with them must be.

use vodsign::{ErrorKind, MAX_VALIDITY, Options, Param, ParamType, ParamValue, Signer};

use crate::input::{Op, Val, optional_params};
use crate::invariants::{check_decoded, check_error, kind_of, other_key, verifier};
use crate::oracles::node_query;

/// Applies an op to `opts`, checking `Options::set`: it succeeds exactly for an optional
/// parameter's name with a value of its type that meets its rule, and then stores that value;
/// otherwise it fails with invalid_parameter naming `name` and leaves `opts` unchanged.
pub fn apply(opts: &mut Options, op: &Op) {
    match op {
        Op::Set(name, value) => {
            let before = opts.clone();
            let r = opts.set(name, value.as_param_value());
            let expected = match Param::from_name(name) {
                Some(p) if !p.is_required() => match (p.ty(), value) {
                    (ParamType::String, Val::Str(s)) => p.check_str(s).is_ok(),
                    (ParamType::Integer { .. }, Val::Int(n)) => p.check_int(*n).is_ok(),
                    _ => false,
                },
                _ => false,
            };
            match r {
                Ok(()) => {
                    assert!(expected, "set({name:?}, {value:?}) accepted");
                    let p = Param::from_name(name).expect("known");
                    assert_eq!(field(opts, p), Some(value.clone()), "set({name:?}) stored another value");
                    for q in optional_params().filter(|q| *q != p) {
                        assert_eq!(field(opts, q), field(&before, q), "set({name:?}) changed {}", q.name());
                    }
                }
                Err(e) => {
                    assert!(!expected, "set({name:?}, {value:?}) refused: {e}");
                    check_error(&e, &[ErrorKind::InvalidParameter]);
                    assert_eq!(e.param(), Some(name.as_str()), "{e}");
                    assert_eq!(*opts, before, "a refused set changed the options");
                }
            }
        }
        Op::Field(p, value) => set_field(opts, *p, value),
    }
}

/// The value of an optional parameter's field, as a [`Val`].
pub fn field(opts: &Options, p: Param) -> Option<Val> {
    opts.get(p).map(|v| match v {
        ParamValue::Str(s) => Val::Str(s.to_string()),
        ParamValue::Int(n) => Val::Int(n),
    })
}

/// Assigns a field without checks; a value that does not fit the field's Rust type (text for a
/// number, a number that does not fit) is ignored.
pub fn set_field(opts: &mut Options, p: Param, value: &Val) {
    match (p, value) {
        (Param::Procedure, Val::Str(s)) => opts.procedure = Some(s.clone()),
        (Param::SourceContext, Val::Str(s)) => opts.source_context = Some(s.clone()),
        (Param::TaskNotifyMode, Val::Str(s)) => opts.task_notify_mode = Some(s.clone()),
        (Param::SessionContext, Val::Str(s)) => opts.session_context = Some(s.clone()),
        (Param::StorageRegion, Val::Str(s)) => opts.storage_region = Some(s.clone()),
        (Param::ClassId, Val::Int(n)) => opts.class_id = u64::try_from(*n).ok().or(opts.class_id),
        (Param::OneTimeValid, Val::Int(n)) => opts.one_time_valid = u8::try_from(*n).ok().or(opts.one_time_valid),
        (Param::TaskPriority, Val::Int(n)) => opts.task_priority = i64::try_from(*n).ok().or(opts.task_priority),
        (Param::VodSubAppId, Val::Int(n)) => opts.vod_sub_app_id = u64::try_from(*n).ok().or(opts.vod_sub_app_id),
        _ => {}
    }
}

/// The first optional parameter in canonical order whose value breaks its rule.
pub fn first_invalid(opts: &Options) -> Option<Param> {
    optional_params().find(|&p| match field(opts, p) {
        None => false,
        Some(Val::Str(s)) => p.check_str(&s).is_err(),
        Some(Val::Int(n)) => p.check_int(n).is_err(),
    })
}

/// The pairs a signature with these inputs must carry, in canonical order, values as on the wire
/// before escaping.
pub fn expected_pairs(secret_id: &str, opts: &Options, cts: u64, exp: u64, random: u32) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("secretId".to_string(), secret_id.to_string()),
        ("currentTimeStamp".to_string(), cts.to_string()),
        ("expireTime".to_string(), exp.to_string()),
        ("random".to_string(), random.to_string()),
    ];
    for p in optional_params() {
        if let Some(v) = field(opts, p) {
            pairs.push((p.name().to_string(), v.wire()));
        }
    }
    pairs
}

/// Signs and checks the outcome: a refusal is exactly the first rule broken (signer, options in
/// canonical order, then the window); a signature decodes to exactly the expected pairs, its
/// original is Node's encoding of them, it fits `max_signature_len`, `sign_at_into` appends the
/// same text, and it verifies with the key at `cts` and not with another key.
pub fn check_sign(secret_id: &str, key: &[u8], opts: &Options, cts: u64, exp: u64, random: u32) -> Option<String> {
    let signer = match Signer::new(secret_id, key) {
        Ok(s) => s,
        Err(e) => {
            check_error(&e, &[ErrorKind::InvalidParameter]);
            let expected = if secret_id.is_empty() { "secretId" } else { "secretKey" };
            assert!(secret_id.is_empty() || key.is_empty(), "Signer::new refused: {e}");
            assert_eq!(e.param(), Some(expected));
            return None;
        }
    };
    assert_eq!(signer.secret_id(), secret_id);
    let r = signer.sign_at(opts, cts, exp, random);
    let invalid = first_invalid(opts);
    assert_eq!(opts.validate().err().and_then(|e| e.param().map(str::to_string)), invalid.map(|p| p.name().to_string()));
    let expected: Result<(), (ErrorKind, Option<&str>)> = match invalid {
        Some(p) => Err((ErrorKind::InvalidParameter, Some(p.name()))),
        None if exp <= cts => Err((ErrorKind::InvalidParameter, Some("expireTime"))),
        None if exp - cts > MAX_VALIDITY => Err((ErrorKind::ValidityTooLong, None)),
        None => Ok(()),
    };
    let sig = match r {
        Err(e) => {
            check_error(&e, &[ErrorKind::InvalidParameter, ErrorKind::ValidityTooLong]);
            assert_eq!(Err((e.kind(), e.param())), expected, "sign_at refused: {e}");
            let mut out = String::from("kept");
            assert!(signer.sign_at_into(opts, cts, exp, random, &mut out).is_err());
            assert_eq!(out, "kept", "a refused sign_at_into changed its output");
            return None;
        }
        Ok(sig) => sig,
    };
    assert_eq!(expected, Ok(()), "sign_at accepted what it must refuse");
    assert!(sig.len() <= signer.max_signature_len(opts), "{} > max_signature_len", sig.len());
    assert_eq!(signer.sign_at(opts, cts, exp, random).as_ref(), Ok(&sig), "not deterministic");
    let mut out = String::from("prefix:");
    signer.sign_at_into(opts, cts, exp, random, &mut out).expect("sign_at_into");
    assert_eq!(out.strip_prefix("prefix:"), Some(sig.as_str()));

    let d = vodsign::decode(&sig).unwrap_or_else(|e| panic!("decode(sign(x)) failed: {e}\n{sig}"));
    check_decoded(&d, &sig);
    let pairs = expected_pairs(secret_id, opts, cts, exp, random);
    let got: Vec<(String, String)> = d.params().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(got, pairs, "decode(sign(x)) gave other params");
    assert_eq!(d.original(), node_query(&pairs), "original differs from Node's querystring");
    assert_eq!((d.current_time_stamp(), d.expire_time(), d.random()), (cts, exp, u64::from(random)));
    assert_eq!(d.class_id(), opts.class_id);
    assert_eq!(d.one_time_valid(), opts.one_time_valid);
    assert_eq!(d.task_priority(), opts.task_priority);
    assert_eq!(d.vod_sub_app_id(), opts.vod_sub_app_id);
    assert_eq!(d.procedure(), opts.procedure.as_deref());
    assert_eq!(d.source_context(), opts.source_context.as_deref());
    assert_eq!(d.task_notify_mode(), opts.task_notify_mode.as_deref());
    assert_eq!(d.session_context(), opts.session_context.as_deref());
    assert_eq!(d.storage_region(), opts.storage_region.as_deref());

    let v = verifier(key, vodsign::DEFAULT_SKEW).verify(&sig, cts).unwrap_or_else(|e| panic!("verify(sign(x)) at cts failed: {e}"));
    assert_eq!(v, d);
    if let Some(other) = other_key(key) {
        assert_eq!(kind_of(&verifier(&other, vodsign::DEFAULT_SKEW).verify(&sig, cts)), Err(ErrorKind::BadMac));
    }
    Some(sig)
}

