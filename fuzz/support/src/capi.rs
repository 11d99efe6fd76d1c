//! The `capi` target: the C ABI's exported functions (`vodsign::capi`) with fuzzed bytes,
//! lengths, capacities and NULLs.
//!
//! Input: `mode flags cap:u16 ...`. `mode % 3`: 0 decode (the rest is the signature's bytes,
//! UTF-8 or not), 1 verify (`key now:u64 skew:u64 rest`), 2 sign (`secret_id:raw key cts:u64
//! validity:u32 random:u32 ops...`, see [`CapiOp`]; text arrives as raw bytes `len:u8 bytes` so
//! that invalid UTF-8 reaches the C setters). `flags & 1` passes NULL for the main input
//! pointer, `flags & 2` NULL for the out handle. `cap % 600` sizes every output buffer first
//! (0 passes NULL), then the exact size is used, so both BUFFER_TOO_SMALL and success are
//! checked for every getter.
//!
//! Pointers are always valid or NULL (the ABI's contract); lengths, capacities, bytes and NULLs
//! are fuzzed. Every status is compared with what the Rust API gives for the same input, the
//! last-error detail with the Rust error, and no status is ever VODSIGN_ERR_PANIC. Handles are
//! freed, so LeakSanitizer in the fuzz build sees a leak.

use core::ptr::null_mut;

use vodsign::capi as c;
use vodsign::{Options, Param, ParamType, Signer};

use crate::capi_checks::{
    c_check_decoded, c_check_last_error, c_expected, c_last_error, c_status, c_text, c_text_arg, ptr_or_null,
};
use crate::input::{Input, Op, Val, optional_count, optional_params, put_key, put_raw};
use crate::invariants::verify_any_key;
use crate::options::{apply, set_field};
use crate::sign::SignInput;

/// A `capi` input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapiInput {
    pub flags: u8,
    pub cap: u16,
    pub body: CapiBody,
}

/// What a `capi` input calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CapiBody {
    /// `vodsign_decode` and `vodsign_seconds_left` on these bytes.
    Decode { sig: Vec<u8> },
    /// `vodsign_verify` on these bytes.
    Verify { key: Vec<u8>, now: u64, skew: u64, sig: Vec<u8> },
    /// Options set through the C setters, then `vodsign_signer_new` and `vodsign_signer_sign_at`.
    Sign(CapiSign),
}

/// The parts of a `capi` input in sign mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapiSign {
    pub secret_id: Vec<u8>,
    pub key: Vec<u8>,
    pub cts: u64,
    /// expireTime is `cts + validity` (wrapping).
    pub validity: u32,
    pub random: u32,
    pub ops: Vec<CapiOp>,
}

/// One call of a C options setter.
///
/// Layout: `op:u8 ...`; the optional parameter `p` is `(op & 0x1f) % 9` in canonical order (the
/// flag bits 0x20, 0x40 and 0x80 never change which parameter).
/// `op & 0x80` set: the typed setter of `p`, then `text:raw n:u64` (the text for a string
/// parameter, `n` cast to the setter's type for an integer one). Clear: by name, where the name
/// is `p`'s, or a `raw` that follows when `op & 0x40`; then `vodsign_options_set_str` with a
/// `raw` value, or `vodsign_options_set_int` with an `i64` when `op & 0x20`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CapiOp {
    SetStr { name: Vec<u8>, value: Vec<u8> },
    SetInt { name: Vec<u8>, value: i64 },
    Typed { param: Param, text: Vec<u8>, n: u64 },
}

impl CapiOp {
    pub fn read(input: &mut Input<'_>) -> CapiOp {
        let op = input.u8();
        let p = optional_params().nth(usize::from(op & 0x1f) % optional_count()).expect("an optional parameter");
        if op & 0x80 != 0 {
            let text = input.raw_text().to_vec();
            return CapiOp::Typed { param: p, text, n: input.u64() };
        }
        let name = if op & 0x40 != 0 { input.raw_text().to_vec() } else { p.name().as_bytes().to_vec() };
        if op & 0x20 == 0 {
            CapiOp::SetStr { name, value: input.raw_text().to_vec() }
        } else {
            CapiOp::SetInt { name, value: input.u64() as i64 }
        }
    }

    /// The bytes [`CapiOp::read`] reads back as this op; None for a typed op on a required
    /// parameter or text too long for the layout.
    pub fn write(&self, out: &mut Vec<u8>) -> Option<()> {
        let index = |name: &[u8]| optional_params().position(|p| p.name().as_bytes() == name);
        let by_name = |out: &mut Vec<u8>, name: &[u8], flag: u8| match index(name) {
            Some(i) => {
                out.push(i as u8 | flag);
                Some(())
            }
            None => {
                out.push(0x40 | flag);
                put_raw(out, name)
            }
        };
        match self {
            CapiOp::SetStr { name, value } => {
                by_name(out, name, 0)?;
                put_raw(out, value)
            }
            CapiOp::SetInt { name, value } => {
                by_name(out, name, 0x20)?;
                out.extend_from_slice(&value.to_le_bytes());
                Some(())
            }
            CapiOp::Typed { param, text, n } => {
                out.push(0x80 | index(param.name().as_bytes())? as u8);
                put_raw(out, text)?;
                out.extend_from_slice(&n.to_le_bytes());
                Some(())
            }
        }
    }
}

impl CapiSign {
    fn read(input: &mut Input<'_>) -> CapiSign {
        CapiSign {
            secret_id: input.raw_text().to_vec(),
            key: input.key().to_vec(),
            cts: input.u64(),
            validity: input.u32(),
            random: input.u32(),
            ops: input.ops(CapiOp::read),
        }
    }

    fn write(&self, out: &mut Vec<u8>) -> Option<()> {
        put_raw(out, &self.secret_id)?;
        put_key(out, &self.key)?;
        out.extend_from_slice(&self.cts.to_le_bytes());
        out.extend_from_slice(&self.validity.to_le_bytes());
        out.extend_from_slice(&self.random.to_le_bytes());
        for op in &self.ops {
            op.write(out)?;
        }
        Some(())
    }

    /// A sign input's parts as C calls: each `Options::set` op becomes `vodsign_options_set_str`
    /// or `_int` by name. None for a field op, a number outside `i64` or a part too long.
    pub fn from_sign(s: &SignInput) -> Option<CapiSign> {
        let ops = s
            .ops
            .iter()
            .map(|op| match op {
                Op::Set(name, Val::Str(v)) => Some(CapiOp::SetStr { name: name.as_bytes().to_vec(), value: v.as_bytes().to_vec() }),
                Op::Set(name, Val::Int(n)) => Some(CapiOp::SetInt { name: name.as_bytes().to_vec(), value: i64::try_from(*n).ok()? }),
                Op::Field(..) => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(CapiSign {
            secret_id: s.secret_id.as_bytes().to_vec(),
            key: s.key.clone(),
            cts: s.cts,
            validity: u32::try_from(s.exp.wrapping_sub(s.cts)).ok()?,
            random: s.random,
            ops,
        })
    }
}

impl CapiInput {
    pub fn read(data: &[u8]) -> CapiInput {
        let mut input = Input::new(data);
        let mode = input.u8() % 3;
        let flags = input.u8();
        let cap = input.u16();
        let body = match mode {
            0 => CapiBody::Decode { sig: input.rest().to_vec() },
            1 => CapiBody::Verify { key: input.key().to_vec(), now: input.u64(), skew: input.u64(), sig: input.rest().to_vec() },
            _ => CapiBody::Sign(CapiSign::read(&mut input)),
        };
        CapiInput { flags, cap, body }
    }

    /// The bytes [`CapiInput::read`] reads back as this input; None when a part does not fit
    /// the layout.
    pub fn write(&self) -> Option<Vec<u8>> {
        let mode = match self.body {
            CapiBody::Decode { .. } => 0,
            CapiBody::Verify { .. } => 1,
            CapiBody::Sign(_) => 2,
        };
        let mut out = vec![mode, self.flags];
        out.extend_from_slice(&self.cap.to_le_bytes());
        match &self.body {
            CapiBody::Decode { sig } => out.extend_from_slice(sig),
            CapiBody::Verify { key, now, skew, sig } => {
                put_key(&mut out, key)?;
                out.extend_from_slice(&now.to_le_bytes());
                out.extend_from_slice(&skew.to_le_bytes());
                out.extend_from_slice(sig);
            }
            CapiBody::Sign(s) => s.write(&mut out)?,
        }
        Some(out)
    }
}

pub fn target(data: &[u8]) {
    let input = CapiInput::read(data);
    let cap = usize::from(input.cap) % 600;
    let (null_in, null_out) = (input.flags & 1 != 0, input.flags & 2 != 0);
    match &input.body {
        CapiBody::Decode { sig } => decode_or_verify(sig, None, null_in, null_out, cap),
        CapiBody::Verify { key, now, skew, sig } => decode_or_verify(sig, Some((key, *now, *skew)), null_in, null_out, cap),
        CapiBody::Sign(s) => sign(s, null_in, null_out, cap),
    }
}

/// `vodsign_decode` (no `key`) or `vodsign_verify`, then every getter of the handle.
fn decode_or_verify(sig: &[u8], verify: Option<(&[u8], u64, u64)>, null_in: bool, null_out: bool, cap: usize) {
    let mut h: *mut c::vodsign_decoded = null_mut();
    let out = if null_out { null_mut() } else { &mut h as *mut _ };
    let (func, st, (want, r), now) = match verify {
        None => {
            // SAFETY: `sig` is readable for its length (or NULL); `out` is NULL or a local.
            let st = unsafe { c::vodsign_decode(ptr_or_null(sig, null_in), sig.len(), out) };
            ("vodsign_decode", st, c_text_arg(sig, null_in, vodsign::decode), 0)
        }
        Some((key, now, skew)) => {
            // SAFETY: as above; `key` is readable for its length.
            let st = unsafe { c::vodsign_verify(ptr_or_null(sig, null_in), sig.len(), key.as_ptr(), key.len(), now, skew, out) };
            ("vodsign_verify", st, c_text_arg(sig, null_in, |s| verify_any_key(key, skew, s, now)), now)
        }
    };
    let want = if null_out && want == c::VODSIGN_OK { c::VODSIGN_ERR_NULL_ARGUMENT } else { want };
    if null_out && matches!(r, Some(Err(_))) {
        // Either argument error or the core's error may come first: both are refusals.
        assert!(st == want || st == c::VODSIGN_ERR_NULL_ARGUMENT, "{func}: status {st}, expected {want}");
    } else {
        assert_eq!(st, want, "{func} status");
    }
    match (st, &r) {
        (c::VODSIGN_OK, Some(Ok(d))) => {
            c_check_decoded(h, d, cap, now);
            // SAFETY: `h` is a live handle from this call, freed once.
            unsafe { c::vodsign_decoded_free(h) };
        }
        (_, Some(Err(e))) if st == c_status(e.kind()) => c_check_last_error(func, e),
        _ => assert!(h.is_null(), "{func} wrote a handle on failure"),
    }
    if verify.is_none() && !null_in {
        let mut left = u64::MAX;
        // SAFETY: readable signature, local out.
        let st = unsafe { c::vodsign_seconds_left(sig.as_ptr().cast(), sig.len(), now, &mut left) };
        let (want, r) = c_text_arg(sig, false, |s| vodsign::seconds_left(s, now));
        assert_eq!(st, want);
        if let Some(Ok(l)) = r {
            assert_eq!(left, l);
        }
    }
}

/// Sets each op through the C setters and the same on an `Options` (checked by [`apply`]),
/// comparing statuses; then signs through C and Rust and compares.
fn sign(s: &CapiSign, null_in: bool, null_out: bool, cap: usize) {
    let (secret_id, key, cts, random) = (&s.secret_id[..], &s.key[..], s.cts, s.random);
    let exp = cts.wrapping_add(u64::from(s.validity));

    let mut opts_h: *mut c::vodsign_options = null_mut();
    // SAFETY: local out.
    assert_eq!(unsafe { c::vodsign_options_new(&mut opts_h) }, c::VODSIGN_OK);
    let mut opts = Options::new();
    for op in &s.ops {
        match op {
            CapiOp::SetStr { name, value } => {
                // SAFETY: `opts_h` is live; both texts are readable for their lengths.
                let st = unsafe {
                    c::vodsign_options_set_str(opts_h, name.as_ptr().cast(), name.len(), value.as_ptr().cast(), value.len())
                };
                let want = match (std::str::from_utf8(name), std::str::from_utf8(value)) {
                    (Ok(n), Ok(v)) => set_rust(&mut opts, n, Val::Str(v.to_string())),
                    _ => c::VODSIGN_ERR_INVALID_UTF8_ARGUMENT,
                };
                check_set(st, want, name);
            }
            CapiOp::SetInt { name, value } => {
                // SAFETY: `opts_h` is live; the name is readable for its length.
                let st = unsafe { c::vodsign_options_set_int(opts_h, name.as_ptr().cast(), name.len(), *value) };
                let want = match std::str::from_utf8(name) {
                    Ok(n) => set_rust(&mut opts, n, Val::Int((*value).into())),
                    Err(_) => c::VODSIGN_ERR_INVALID_UTF8_ARGUMENT,
                };
                check_set(st, want, name);
            }
            CapiOp::Typed { param, text, n } => set_typed(opts_h, &mut opts, *param, text, *n),
        }
    }

    let mut signer_h: *mut c::vodsign_signer = null_mut();
    let out = if null_out { null_mut() } else { &mut signer_h as *mut _ };
    // SAFETY: texts readable for their lengths (or NULL), `out` NULL or a local.
    let st = unsafe { c::vodsign_signer_new(ptr_or_null(secret_id, null_in), secret_id.len(), key.as_ptr(), key.len(), out) };
    let (want, signer) = c_text_arg(secret_id, null_in, |s| Signer::new(s, key));
    match (st, signer) {
        (c::VODSIGN_OK, Some(Ok(signer))) => {
            assert!(!null_out && !signer_h.is_null());
            let r = signer.sign_at(&opts, cts, exp, random);
            let (st, text) =
                // SAFETY: live handles; outs from c_text.
                c_text(cap, |o, cp, l| unsafe { c::vodsign_signer_sign_at(signer_h, opts_h, cts, exp, random, o, cp, l) });
            assert_eq!(st, c_expected(&r), "vodsign_signer_sign_at status");
            match r {
                Ok(sig) => {
                    assert_eq!(text, sig.as_bytes());
                    let mut max = 0usize;
                    // SAFETY: live handles, local out.
                    assert_eq!(unsafe { c::vodsign_signer_max_signature_len(signer_h, opts_h, &mut max) }, c::VODSIGN_OK);
                    assert!(sig.len() <= max && max == signer.max_signature_len(&opts));
                }
                Err(e) => c_check_last_error("vodsign_signer_sign_at", &e),
            }
            // SAFETY: live handles from this function, freed once.
            unsafe { c::vodsign_signer_free(signer_h) };
        }
        (st, r) => {
            let want = if null_out && want == c::VODSIGN_OK { c::VODSIGN_ERR_NULL_ARGUMENT } else { want };
            assert!(st == want || (null_out && st == c::VODSIGN_ERR_NULL_ARGUMENT), "vodsign_signer_new: {st}, expected {want}");
            assert!(signer_h.is_null());
            if let (false, Some(Err(e))) = (null_out, r) {
                c_check_last_error("vodsign_signer_new", &e);
            }
        }
    }
    // SAFETY: live handle from this function, freed once; NULL is ignored.
    unsafe {
        c::vodsign_options_free(opts_h);
        c::vodsign_options_free(null_mut());
        c::vodsign_signer_free(null_mut());
        c::vodsign_decoded_free(null_mut());
    }
}

/// `Options::set` on the Rust side (checked by [`apply`]); the status C must give for it.
fn set_rust(opts: &mut Options, name: &str, value: Val) -> c::vodsign_status {
    let want = c_expected(&opts.clone().set(name, value.as_param_value()));
    apply(opts, &Op::Set(name.to_string(), value));
    want
}

/// A by-name setter gave `st` where `want` was due; a refusal names the parameter.
fn check_set(st: c::vodsign_status, want: c::vodsign_status, name: &[u8]) {
    let name = std::str::from_utf8(name).ok();
    assert_eq!(st, want, "set by name {name:?}");
    if st != c::VODSIGN_OK && st != c::VODSIGN_ERR_INVALID_UTF8_ARGUMENT {
        let (_, param) = c_last_error();
        assert_eq!(Some(param.as_str()), name, "last error param after a refused set");
    }
}

/// A typed setter stores the value unchecked, as the field assignment does; only text that is
/// not UTF-8 is refused.
fn set_typed(opts_h: *mut c::vodsign_options, opts: &mut Options, p: Param, text: &[u8], n: u64) {
    // SAFETY: `opts_h` is live; `text` is readable for its length.
    let st = unsafe {
        match p {
            Param::ClassId => c::vodsign_options_set_class_id(opts_h, n),
            Param::OneTimeValid => c::vodsign_options_set_one_time_valid(opts_h, n as u8),
            Param::TaskPriority => c::vodsign_options_set_task_priority(opts_h, n as i64),
            Param::VodSubAppId => c::vodsign_options_set_vod_sub_app_id(opts_h, n),
            _ => {
                let f = match p {
                    Param::Procedure => c::vodsign_options_set_procedure,
                    Param::SourceContext => c::vodsign_options_set_source_context,
                    Param::TaskNotifyMode => c::vodsign_options_set_task_notify_mode,
                    Param::SessionContext => c::vodsign_options_set_session_context,
                    _ => c::vodsign_options_set_storage_region,
                };
                f(opts_h, text.as_ptr().cast(), text.len())
            }
        }
    };
    let val = match p.ty() {
        ParamType::String => std::str::from_utf8(text).ok().map(|v| Val::Str(v.to_string())),
        ParamType::Integer { .. } => Some(Val::Int(match p {
            Param::OneTimeValid => (n as u8).into(),
            Param::TaskPriority => (n as i64).into(),
            _ => n.into(),
        })),
    };
    match val {
        Some(v) => {
            assert_eq!(st, c::VODSIGN_OK, "typed setter for {}", p.name());
            set_field(opts, p, &v);
        }
        None => assert_eq!(st, c::VODSIGN_ERR_INVALID_UTF8_ARGUMENT),
    }
}
