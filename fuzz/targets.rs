//! The fuzz targets' logic: shared by `fuzz/fuzz_targets/*.rs` (cargo-fuzz, nightly) and by
//! `tests/corpus_replay.rs` and `tests/properties.rs` (stable `cargo test`, which include this
//! file with `#[path]`), so an input the fuzzer once found is replayed by the normal suite.
//!
//! Every target asserts invariants, not only "no panic". Inputs are read by [`Input`], which
//! yields zeros (or nothing) past the end, so every byte string is a valid input.
//!
//! Input layouts (integers little-endian; `str` is a [`Input::string`]):
//!
//! * `decode`: `mode rest...`. `mode % 3`: 0 gives `rest` as the signature text (lossy UTF-8),
//!   1 gives `Base64(rest)`, 2 gives `Base64([0; 20] ‖ rest)` so that `rest` is the signed query
//!   string itself and the fuzzer works on the query parser directly.
//! * `verify`: `mode key_len key[key_len] now:u64 skew:u64 ...`. Even `mode`: the rest is the
//!   signature (as `decode`'s mode 0, or Base64 of it when `mode & 2`). Odd `mode`: the rest is
//!   `secret_id:str cts:u64 validity:u32 random:u32 tamper:u8 pos:u16 bit:u8 ops...`; the input
//!   is signed here with `key` (expireTime = cts + validity, wrapping), optionally tampered with
//!   (`tamper % 4`: 0 none, 1 another key, 2 a bit of the decoded bytes, 3 a bit of the Base64
//!   text), and verified at `now = cts + now` (wrapping, so "before cts" is reachable).
//! * `sign`: `secret_id:str key_len key[key_len] cts:u64 exp_mode:u8 exp:u64 random:u32 ops...`.
//!   `exp_mode & 1` makes `exp` relative to `cts` (wrapping). Each op is `op:u8 ...`: `op & 0x80`
//!   clear is [`Options::set`] by wire name (`op & 0x1f` below 13 names `Param::ALL[i]`, else a
//!   `str` follows with the name), set is a direct assignment of the public field of the optional
//!   parameter `(op & 0x1f) % 9` (no check, so sign_at's own checks are reached); then a value:
//!   `kind:u8` with `kind % 4`: 0 `str`, 1 `i128`, 2 `i8`, 3 `u64`.
//! * `capi`: the C ABI's exported functions (`vodsign::capi`); layout at [`capi_target`].
#![allow(dead_code)]

use vodsign::{
    Decoded, Error, ErrorKind, MAC_LEN, MAX_PARAMS, MAX_VALIDITY, Options, Param, ParamType, ParamValue, Signer,
    Verifier,
};

/// The targets, by name: the name is the cargo-fuzz target and its corpus folder.
pub const TARGETS: &[(&str, fn(&[u8]))] =
    &[("decode", decode_target), ("verify", verify_target), ("sign", sign_target), ("capi", capi_target)];

/// The target logic for a corpus folder name.
pub fn target(name: &str) -> Option<fn(&[u8])> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// At most this many option operations are read from one input (bounds the work per input).
pub const MAX_OPS: usize = 40;
/// At most this many characters in a string read in character mode.
pub const MAX_CHARS: usize = 1100;

// ---------------------------------------------------------------------------------------------
// Reading inputs
// ---------------------------------------------------------------------------------------------

/// A cursor over fuzzer bytes: past the end it yields zeros and empty slices.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// Up to `n` bytes.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.data.split_at(n.min(self.data.len()));
        self.data = tail;
        head
    }
    pub fn rest(&mut self) -> &'a [u8] {
        self.bytes(self.data.len())
    }
    fn le<const N: usize>(&mut self) -> [u8; N] {
        let mut buf = [0u8; N];
        let b = self.bytes(N);
        buf[..b.len()].copy_from_slice(b);
        buf
    }
    pub fn u8(&mut self) -> u8 {
        self.le::<1>()[0]
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.le())
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.le())
    }
    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.le())
    }
    pub fn i128(&mut self) -> i128 {
        i128::from_le_bytes(self.le())
    }
    /// `kind:u8 len:u16` then, for even `kind`, `len` bytes read as lossy UTF-8; for odd `kind`,
    /// up to `min(len, MAX_CHARS)` characters of 3 bytes each (the code point modulo 0x110000,
    /// U+FFFD for a surrogate), which reaches every plane.
    pub fn string(&mut self) -> String {
        let kind = self.u8();
        let len = self.u16() as usize;
        if kind % 2 == 0 {
            return String::from_utf8_lossy(self.bytes(len)).into_owned();
        }
        let mut s = String::new();
        for _ in 0..len.min(MAX_CHARS) {
            let b = self.bytes(3);
            if b.len() < 3 {
                break;
            }
            let v = u32::from_le_bytes([b[0], b[1], b[2], 0]) % 0x11_0000;
            s.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
        }
        s
    }
    /// `len:u8` then `len` bytes.
    pub fn key(&mut self) -> &'a [u8] {
        let n = self.u8() as usize;
        self.bytes(n)
    }
    /// A value for an option: `kind:u8` then a `str`, an `i128`, an `i8` or a `u64`.
    pub fn value(&mut self) -> Val {
        match self.u8() % 4 {
            0 => Val::Str(self.string()),
            1 => Val::Int(self.i128()),
            2 => Val::Int(self.u8() as i8 as i128),
            _ => Val::Int(self.u64() as i128),
        }
    }
}

/// An owned option value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    Str(String),
    Int(i128),
}

impl Val {
    fn as_param_value(&self) -> ParamValue<'_> {
        match self {
            Val::Str(s) => ParamValue::Str(s),
            Val::Int(n) => ParamValue::Int(*n),
        }
    }
    fn wire(&self) -> String {
        match self {
            Val::Str(s) => s.clone(),
            Val::Int(n) => n.to_string(),
        }
    }
}

/// One change to the options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `Options::set(name, value)`.
    Set(String, Val),
    /// Assigns the public field of this optional parameter directly, unchecked.
    Field(Param, Val),
}

/// The optional parameters in canonical order.
pub fn optional_params() -> impl Iterator<Item = Param> {
    Param::ALL.into_iter().filter(|p| !p.is_required())
}

impl Op {
    pub fn read(input: &mut Input<'_>) -> Op {
        let op = input.u8();
        let index = (op & 0x1f) as usize;
        if op & 0x80 == 0 {
            let name = match Param::ALL.get(index) {
                Some(p) => p.name().to_string(),
                None => input.string(),
            };
            Op::Set(name, input.value())
        } else {
            let p = optional_params().nth(index % 9).unwrap_or(Param::Procedure);
            Op::Field(p, input.value())
        }
    }

    /// The bytes [`Op::read`] reads back as this op.
    pub fn write(&self, out: &mut Vec<u8>) {
        let value = match self {
            Op::Set(name, value) => {
                match Param::ALL.iter().position(|p| p.name() == name) {
                    Some(i) => out.push(i as u8),
                    None => {
                        out.push(0x1f);
                        put_str(out, name);
                    }
                }
                value
            }
            Op::Field(p, value) => {
                let i = optional_params().position(|q| q == *p).unwrap_or(0);
                out.push(0x80 | i as u8);
                value
            }
        };
        match value {
            Val::Str(s) => {
                out.push(0);
                put_str(out, s);
            }
            Val::Int(n) => {
                out.push(1);
                out.extend_from_slice(&n.to_le_bytes());
            }
        }
    }
}

/// Writes a `str` as [`Input::string`] reads it (byte mode). Panics past 65535 bytes.
pub fn put_str(out: &mut Vec<u8>, s: &str) {
    out.push(0);
    out.extend_from_slice(&u16::try_from(s.len()).expect("string too long for a seed").to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Writes a key as [`Input::key`] reads it. Panics past 255 bytes.
pub fn put_key(out: &mut Vec<u8>, key: &[u8]) {
    out.push(u8::try_from(key.len()).expect("key too long for a seed"));
    out.extend_from_slice(key);
}

// ---------------------------------------------------------------------------------------------
// Independent oracles: Base64, Node's querystring escape and a query parser
// ---------------------------------------------------------------------------------------------

/// Standard padded Base64.
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Node's `querystring.escape`: UTF-8, everything but `A-Za-z0-9-_.!~*'()` as `%XX` (uppercase).
pub fn node_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The query string vodsign must sign for these pairs.
pub fn node_query(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", node_escape(v))).collect::<Vec<_>>().join("&")
}

/// Percent-decodes (`+` is a space) and reads UTF-8; None for a bad escape or bad UTF-8.
pub fn unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The pairs of a query string as the vectors' README defines them: split on `&`, empty
/// segments skipped, split at the first `=` (none gives an empty value), percent-decoded.
pub fn parse_query(q: &str) -> Option<Vec<(String, String)>> {
    q.split('&')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (k, v) = s.split_once('=').unwrap_or((s, ""));
            Some((unescape(k)?, unescape(v)?))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

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
    // fuzz/corpus/decode/regress-raw-key-in-message).
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

fn kind_of<T>(r: &Result<T, Error>) -> Result<(), ErrorKind> {
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
/// `Verifier::new(key)?.with_skew(300)`.
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
    if mac_ok {
        if let Some(other) = other_key(key) {
            let e = verifier(&other, skew).verify(signature, now).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::BadMac, "verified with another key");
        }
    }
    if skew == vodsign::DEFAULT_SKEW {
        assert_eq!(&vodsign::verify(signature, key, now), r);
    }
}

/// A verifier for a key that is not empty, with `skew`.
pub fn verifier(key: &[u8], skew: u64) -> Verifier {
    Verifier::new(key).expect("a key that is not empty").with_skew(skew)
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

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

/// The signature text `decode` and `verify` (raw mode) try for `mode` and `rest`.
fn signature_text(mode: u8, rest: &[u8]) -> String {
    match mode % 3 {
        0 => String::from_utf8_lossy(rest).into_owned(),
        1 => base64(rest),
        _ => {
            let mut raw = vec![0u8; MAC_LEN];
            raw.extend_from_slice(rest);
            base64(&raw)
        }
    }
}

pub fn decode_target(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.u8();
    check_decode(&signature_text(mode, input.rest()));
}

pub fn verify_target(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.u8();
    let key = input.key();
    let now = input.u64();
    let skew = input.u64();
    if mode % 2 == 0 {
        let sig = signature_text(if mode & 2 == 0 { 0 } else { 1 }, input.rest());
        let r = Verifier::new(key).and_then(|v| v.with_skew(skew).verify(&sig, now));
        check_verify(&r, &sig, key, now, skew);
        return;
    }
    let secret_id = input.string();
    let cts = input.u64();
    let exp = cts.wrapping_add(u64::from(input.u32()));
    let random = input.u32();
    let tamper = input.u8() % 4;
    let pos = input.u16() as usize;
    let bit = input.u8();
    let ops: Vec<Op> = (0..MAX_OPS).map_while(|_| (!input.is_empty()).then(|| Op::read(&mut input))).collect();
    let key: Vec<u8> = if key.is_empty() { b"k".to_vec() } else { key.to_vec() };
    let now = cts.wrapping_add(now);

    let mut opts = Options::new();
    for op in &ops {
        apply(&mut opts, op);
    }
    let Ok(signer) = Signer::new(&secret_id, &key) else { return };
    let sig = match signer.sign_at(&opts, cts, exp, random) {
        Ok(sig) => sig,
        Err(e) => return check_error(&e, &[ErrorKind::InvalidParameter, ErrorKind::ValidityTooLong]),
    };
    let verifier = verifier(&key, skew);
    match tamper {
        0 => {
            let r = verifier.verify(&sig, now);
            assert_eq!(kind_of(&r), expected_time(cts, exp, now, skew), "untampered at now {now} skew {skew}");
            check_verify(&r, &sig, &key, now, skew);
        }
        1 => {
            let Some(other) = other_key(&key) else { return };
            let r = self::verifier(&other, skew).verify(&sig, now);
            assert_eq!(kind_of(&r), Err(ErrorKind::BadMac), "verified with another key");
        }
        _ => {
            let tampered = if tamper == 2 {
                let d = vodsign::decode(&sig).expect("decode what sign made");
                let mut raw = d.mac().to_vec();
                raw.extend_from_slice(d.original().as_bytes());
                let i = pos % raw.len();
                raw[i] ^= 1 << (bit % 8);
                base64(&raw)
            } else {
                let mut b = sig.clone().into_bytes();
                let i = pos % b.len();
                b[i] ^= 1 << (bit % 7); // stays ASCII
                String::from_utf8(b).expect("ASCII")
            };
            let r = verifier.verify(&tampered, now);
            assert!(r.is_err(), "a signature with a flipped bit verified: {tampered}");
            if vodsign::decode(&tampered).is_ok() {
                assert_eq!(kind_of(&r), Err(ErrorKind::BadMac), "flipped bit in {tampered}");
            }
            check_verify(&r, &tampered, &key, now, skew);
        }
    }
}

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
    let s = |v: &Option<String>| v.clone().map(Val::Str);
    match p {
        Param::Procedure => s(&opts.procedure),
        Param::ClassId => opts.class_id.map(|v| Val::Int(v.into())),
        Param::OneTimeValid => opts.one_time_valid.map(|v| Val::Int(v.into())),
        Param::SourceContext => s(&opts.source_context),
        Param::TaskPriority => opts.task_priority.map(|v| Val::Int(v.into())),
        Param::TaskNotifyMode => s(&opts.task_notify_mode),
        Param::VodSubAppId => opts.vod_sub_app_id.map(|v| Val::Int(v.into())),
        Param::SessionContext => s(&opts.session_context),
        Param::StorageRegion => s(&opts.storage_region),
        _ => None,
    }
}

/// Assigns a field without checks; a value that does not fit the field's Rust type (text for a
/// number, a number that does not fit) is ignored.
fn set_field(opts: &mut Options, p: Param, value: &Val) {
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

/// The parts of a `sign` input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInput {
    pub secret_id: String,
    pub key: Vec<u8>,
    pub cts: u64,
    pub exp: u64,
    pub random: u32,
    pub ops: Vec<Op>,
}

impl SignInput {
    pub fn read(data: &[u8]) -> SignInput {
        let mut input = Input::new(data);
        let secret_id = input.string();
        let key = input.key().to_vec();
        let cts = input.u64();
        let relative = input.u8() & 1 == 1;
        let exp = input.u64();
        let exp = if relative { cts.wrapping_add(exp) } else { exp };
        let random = input.u32();
        let ops = (0..MAX_OPS).map_while(|_| (!input.is_empty()).then(|| Op::read(&mut input))).collect();
        SignInput { secret_id, key, cts, exp, random, ops }
    }

    /// The bytes [`SignInput::read`] reads back as this input (expireTime written relative).
    pub fn write(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_str(&mut out, &self.secret_id);
        put_key(&mut out, &self.key);
        out.extend_from_slice(&self.cts.to_le_bytes());
        out.push(1);
        out.extend_from_slice(&self.exp.wrapping_sub(self.cts).to_le_bytes());
        out.extend_from_slice(&self.random.to_le_bytes());
        for op in &self.ops {
            op.write(&mut out);
        }
        out
    }
}

pub fn sign_target(data: &[u8]) {
    let input = SignInput::read(data);
    let mut opts = Options::new();
    for op in &input.ops {
        apply(&mut opts, op);
    }
    check_sign(&input.secret_id, &input.key, &opts, input.cts, input.exp, input.random);
}

/// A `verify` input in raw mode: this signature text with this key, now and skew.
pub fn verify_raw_input(signature: &str, key: &[u8], now: u64, skew: u64) -> Vec<u8> {
    let mut out = vec![0u8];
    put_key(&mut out, key);
    out.extend_from_slice(&now.to_le_bytes());
    out.extend_from_slice(&skew.to_le_bytes());
    out.extend_from_slice(signature.as_bytes());
    out
}

/// A `verify` input in signing mode: `s` is signed with `s.key`, tampered with as `tamper`
/// says, and verified at `s.cts + now_offset` (wrapping) with `skew`.
pub fn verify_signed_input(s: &SignInput, now_offset: u64, skew: u64, tamper: u8, pos: u16, bit: u8) -> Vec<u8> {
    let mut out = vec![1u8];
    put_key(&mut out, &s.key);
    out.extend_from_slice(&now_offset.to_le_bytes());
    out.extend_from_slice(&skew.to_le_bytes());
    put_str(&mut out, &s.secret_id);
    out.extend_from_slice(&s.cts.to_le_bytes());
    out.extend_from_slice(&(s.exp.wrapping_sub(s.cts) as u32).to_le_bytes());
    out.extend_from_slice(&s.random.to_le_bytes());
    out.push(tamper);
    out.extend_from_slice(&pos.to_le_bytes());
    out.push(bit);
    for op in &s.ops {
        op.write(&mut out);
    }
    out
}

/// A `decode` input: mode 0 (the text) for a signature.
pub fn decode_text_input(signature: &str) -> Vec<u8> {
    let mut out = vec![0u8];
    out.extend_from_slice(signature.as_bytes());
    out
}

/// A `decode` input: mode 2 (the query string after a zero MAC).
pub fn decode_query_input(original: &str) -> Vec<u8> {
    let mut out = vec![2u8];
    out.extend_from_slice(original.as_bytes());
    out
}

// ---------------------------------------------------------------------------------------------
// capi: the C ABI (src/capi.rs), called through the Rust crate
// ---------------------------------------------------------------------------------------------
//
// Input: `mode flags cap:u16 ...`. `mode % 3`: 0 decode (`rest` is the signature's bytes, UTF-8
// or not), 1 verify (`key now:u64 skew:u64 rest`), 2 sign (`secret_id:bytes key cts:u64
// exp:u64 random:u32 ops...`, where text arrives as raw bytes `len:u8 bytes` so that invalid
// UTF-8 reaches the C setters). `flags & 1` passes NULL for the main input pointer, `flags & 2`
// NULL for the out handle. `cap` sizes every output buffer first (0 passes NULL), then the
// exact size is used, so both BUFFER_TOO_SMALL and success are checked for every getter.
//
// Pointers are always valid or NULL (the ABI's contract); lengths, capacities, bytes and NULLs
// are fuzzed. Every status is compared with what the Rust API gives for the same input, the
// last-error detail with the Rust error, and no status is ever VODSIGN_ERR_PANIC. Handles are
// freed, so LeakSanitizer in the fuzz build sees a leak.

use core::ffi::c_char;
use core::ptr::{null, null_mut};
use vodsign::capi as c;

/// The C status for a core error kind: 1 + its index in `ErrorKind::ALL` (the documented order
/// of the C status codes).
pub fn c_status(kind: ErrorKind) -> c::vodsign_status {
    ErrorKind::ALL.iter().position(|k| *k == kind).expect("every kind has a code") as c::vodsign_status + 1
}

fn c_expected<T>(r: &Result<T, Error>) -> c::vodsign_status {
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
fn c_check_last_error(func: &str, e: &Error) {
    let (message, param) = c_last_error();
    assert_eq!(message, format!("{func}: {}", e.message()));
    assert_eq!(param, e.param().unwrap_or(""));
}

/// Calls a `(out, cap, out_len)` getter with `cap` (NULL for 0), then with exactly enough room,
/// checking BUFFER_TOO_SMALL leaves the buffer untouched and reports the length, and success
/// writes the bytes and a NUL. Returns (status, bytes); status is not OK only for errors other
/// than BUFFER_TOO_SMALL.
fn c_text(cap: usize, mut f: impl FnMut(*mut c_char, usize, *mut usize) -> c::vodsign_status) -> (c::vodsign_status, Vec<u8>) {
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

/// Raw bytes `len:u8 bytes`, which may not be UTF-8.
fn raw_text<'a>(input: &mut Input<'a>) -> &'a [u8] {
    let n = input.u8() as usize;
    input.bytes(n)
}

/// A pointer for a byte string, or NULL.
fn ptr_or_null(bytes: &[u8], null_it: bool) -> *const c_char {
    if null_it { null() } else { bytes.as_ptr().cast() }
}

/// Checks every getter of a decoded handle against the Rust decoding of the same signature.
fn c_check_decoded(h: *const c::vodsign_decoded, d: &Decoded, cap: usize, now: u64) {
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
fn c_text_arg<T>(bytes: &[u8], null_it: bool, f: impl FnOnce(&str) -> Result<T, Error>) -> (c::vodsign_status, Option<Result<T, Error>>) {
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

pub fn capi_target(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.u8() % 3;
    let flags = input.u8();
    let cap = input.u16() as usize % 600;
    let (null_in, null_out) = (flags & 1 != 0, flags & 2 != 0);
    match mode {
        0 | 1 => {
            let (key, now, skew) = if mode == 1 { (input.key(), input.u64(), input.u64()) } else { (&[][..], 0, 0) };
            let sig = input.rest();
            let mut h: *mut c::vodsign_decoded = null_mut();
            let out = if null_out { null_mut() } else { &mut h as *mut _ };
            let (func, st, (want, r)) = if mode == 0 {
                // SAFETY: `sig` is readable for its length (or NULL); `out` is NULL or a local.
                let st = unsafe { c::vodsign_decode(ptr_or_null(sig, null_in), sig.len(), out) };
                ("vodsign_decode", st, c_text_arg(sig, null_in, vodsign::decode))
            } else {
                // SAFETY: as above; `key` is readable for its length.
                let st = unsafe { c::vodsign_verify(ptr_or_null(sig, null_in), sig.len(), key.as_ptr(), key.len(), now, skew, out) };
                ("vodsign_verify", st, c_text_arg(sig, null_in, |s| Verifier::new(key).and_then(|v| v.with_skew(skew).verify(s, now))))
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
            if mode == 0 && !null_in {
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
        _ => c_sign(&mut input, null_in, null_out, cap),
    }
}

fn c_sign(input: &mut Input<'_>, null_in: bool, null_out: bool, cap: usize) {
    let secret_id = raw_text(input);
    let key = input.key();
    let cts = input.u64();
    let exp = cts.wrapping_add(u64::from(input.u32()));
    let random = input.u32();

    let mut opts_h: *mut c::vodsign_options = null_mut();
    // SAFETY: local out.
    assert_eq!(unsafe { c::vodsign_options_new(&mut opts_h) }, c::VODSIGN_OK);
    let mut opts = Options::new();
    for _ in 0..MAX_OPS {
        if input.is_empty() {
            break;
        }
        let op = input.u8();
        let p = optional_params().nth(op as usize % 9).unwrap_or(Param::Procedure);
        let name_bytes: Vec<u8> = if op & 0x40 != 0 { raw_text(input).to_vec() } else { p.name().as_bytes().to_vec() };
        // SAFETY (this block): `opts_h` is live; texts are readable for their lengths.
        unsafe {
            if op & 0x80 == 0 {
                // By wire name: set_str or set_int, compared with Options::set.
                let (st, want, name) = if op & 0x20 == 0 {
                    let value = raw_text(input);
                    let st = c::vodsign_options_set_str(opts_h, name_bytes.as_ptr().cast(), name_bytes.len(), value.as_ptr().cast(), value.len());
                    let name = std::str::from_utf8(&name_bytes).ok();
                    let want = match (name, std::str::from_utf8(value)) {
                        (Some(n), Ok(v)) => {
                            let mut o = opts.clone();
                            let w = c_expected(&o.set(n, ParamValue::Str(v)));
                            apply(&mut opts, &Op::Set(n.to_string(), Val::Str(v.to_string())));
                            w
                        }
                        _ => c::VODSIGN_ERR_INVALID_UTF8_ARGUMENT,
                    };
                    (st, want, name)
                } else {
                    let value = input.u64() as i64;
                    let st = c::vodsign_options_set_int(opts_h, name_bytes.as_ptr().cast(), name_bytes.len(), value);
                    let name = std::str::from_utf8(&name_bytes).ok();
                    let want = match name {
                        Some(n) => {
                            let mut o = opts.clone();
                            let w = c_expected(&o.set(n, ParamValue::Int(value.into())));
                            apply(&mut opts, &Op::Set(n.to_string(), Val::Int(value.into())));
                            w
                        }
                        None => c::VODSIGN_ERR_INVALID_UTF8_ARGUMENT,
                    };
                    (st, want, name)
                };
                assert_eq!(st, want, "set by name {name:?}");
                if st != c::VODSIGN_OK && st != c::VODSIGN_ERR_INVALID_UTF8_ARGUMENT {
                    let (_, param) = c_last_error();
                    assert_eq!(Some(param.as_str()), name, "last error param after a refused set");
                }
            } else {
                // A typed setter: stores the value unchecked, as the field assignment does.
                let value = raw_text(input);
                let n = input.u64();
                let st = match p {
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
                        f(opts_h, value.as_ptr().cast(), value.len())
                    }
                };
                let val = match p.ty() {
                    ParamType::String => std::str::from_utf8(value).ok().map(|v| Val::Str(v.to_string())),
                    ParamType::Integer { .. } => Some(Val::Int(match p {
                        Param::OneTimeValid => (n as u8).into(),
                        Param::TaskPriority => (n as i64).into(),
                        _ => n.into(),
                    })),
                };
                match val {
                    Some(v) => {
                        assert_eq!(st, c::VODSIGN_OK, "typed setter for {}", p.name());
                        set_field(&mut opts, p, &v);
                    }
                    None => assert_eq!(st, c::VODSIGN_ERR_INVALID_UTF8_ARGUMENT),
                }
            }
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

/// A `capi` input: this mode (0 decode, 1 verify, 2 sign) and flags, a getter capacity, then `rest`.
pub fn capi_input(mode: u8, flags: u8, cap: u16, rest: &[u8]) -> Vec<u8> {
    let mut out = vec![mode, flags];
    out.extend_from_slice(&cap.to_le_bytes());
    out.extend_from_slice(rest);
    out
}

/// The `capi` sign-mode body for a sign input: ops go through `vodsign_options_set_str`/`_int`.
pub fn capi_sign_rest(s: &SignInput) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    out.push(u8::try_from(s.secret_id.len()).ok()?);
    out.extend_from_slice(s.secret_id.as_bytes());
    put_key(&mut out, &s.key);
    out.extend_from_slice(&s.cts.to_le_bytes());
    out.extend_from_slice(&u32::try_from(s.exp.wrapping_sub(s.cts)).ok()?.to_le_bytes());
    out.extend_from_slice(&s.random.to_le_bytes());
    for op in &s.ops {
        let Op::Set(name, value) = op else { return None };
        let p = optional_params().position(|p| p.name() == name);
        let named = |flag: u8, out: &mut Vec<u8>| match p {
            Some(i) => out.push(i as u8 | flag),
            None => {
                out.push(0x40 | flag);
                out.push(u8::try_from(name.len()).unwrap_or(255));
                out.extend_from_slice(&name.as_bytes()[..name.len().min(255)]);
            }
        };
        match value {
            Val::Str(v) => {
                named(0, &mut out);
                out.push(u8::try_from(v.len()).ok()?);
                out.extend_from_slice(v.as_bytes());
            }
            Val::Int(n) => {
                named(0x20, &mut out);
                out.extend_from_slice(&i64::try_from(*n).ok()?.to_le_bytes());
            }
        }
    }
    Some(out)
}
