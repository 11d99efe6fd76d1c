//! The `verify` target: signatures verified with fuzzed keys, clocks and skews, either as given
//! or made here and then tampered with; checked by
//! [`check_verify`](crate::invariants::check_verify).
//!
//! Input: `mode key now:u64 skew:u64 ...`. Even `mode`: the rest is the signature (the text
//! itself, or Base64 of the rest when `mode & 2`). Odd `mode`: the rest is
//! `secret_id:str cts:u64 validity:u32 random:u32 tamper:u8 pos:u16 bit:u8 ops...`; the input
//! is signed here with `key` (`b"k"` when empty; expireTime = cts + validity, wrapping),
//! optionally tampered with (`tamper % 4`: 0 none, 1 another key, 2 a bit of the decoded bytes,
//! 3 a bit of the Base64 text), and verified at `now = cts + now` (wrapping, so "before cts" is
//! reachable).

use vodsign::{ErrorKind, Options, Signer};

use crate::decode::signature_text;
use crate::input::{Input, Op, put_key, put_str};
use crate::invariants::{check_error, check_verify, expected_time, kind_of, other_key, verifier, verify_any_key};
use crate::oracles::base64;
use crate::options::apply;
use crate::sign::SignInput;

/// A `verify` input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyInput {
    /// A signature given as bytes (as text, or Base64 of them when `base64`).
    Raw { base64: bool, key: Vec<u8>, now: u64, skew: u64, rest: Vec<u8> },
    /// A signature made here from these parts.
    Signed(SignedVerify),
}

/// The parts of a `verify` input in signing mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedVerify {
    pub key: Vec<u8>,
    /// Verified at `cts + now_offset` (wrapping).
    pub now_offset: u64,
    pub skew: u64,
    pub secret_id: String,
    pub cts: u64,
    pub validity: u32,
    pub random: u32,
    /// 0 none, 1 another key, 2 a bit of the decoded bytes, 3 a bit of the Base64 text.
    pub tamper: u8,
    pub pos: u16,
    pub bit: u8,
    pub ops: Vec<Op>,
}

impl VerifyInput {
    pub fn read(data: &[u8]) -> VerifyInput {
        let mut input = Input::new(data);
        let mode = input.u8();
        let key = input.key().to_vec();
        let now = input.u64();
        let skew = input.u64();
        if mode % 2 == 0 {
            return VerifyInput::Raw { base64: mode & 2 != 0, key, now, skew, rest: input.rest().to_vec() };
        }
        VerifyInput::Signed(SignedVerify {
            key,
            now_offset: now,
            skew,
            secret_id: input.string(),
            cts: input.u64(),
            validity: input.u32(),
            random: input.u32(),
            tamper: input.u8() % 4,
            pos: input.u16(),
            bit: input.u8(),
            ops: input.ops(Op::read),
        })
    }

    /// The bytes [`VerifyInput::read`] reads back as this input; None when a part does not fit
    /// the layout (or `tamper` is above 3).
    pub fn write(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        match self {
            VerifyInput::Raw { base64, key, now, skew, rest } => {
                out.push(if *base64 { 2 } else { 0 });
                put_key(&mut out, key)?;
                out.extend_from_slice(&now.to_le_bytes());
                out.extend_from_slice(&skew.to_le_bytes());
                out.extend_from_slice(rest);
            }
            VerifyInput::Signed(s) => {
                if s.tamper > 3 {
                    return None;
                }
                out.push(1);
                put_key(&mut out, &s.key)?;
                out.extend_from_slice(&s.now_offset.to_le_bytes());
                out.extend_from_slice(&s.skew.to_le_bytes());
                put_str(&mut out, &s.secret_id)?;
                out.extend_from_slice(&s.cts.to_le_bytes());
                out.extend_from_slice(&s.validity.to_le_bytes());
                out.extend_from_slice(&s.random.to_le_bytes());
                out.push(s.tamper);
                out.extend_from_slice(&s.pos.to_le_bytes());
                out.push(s.bit);
                for op in &s.ops {
                    op.write(&mut out)?;
                }
            }
        }
        Some(out)
    }

    /// Raw mode: this signature text with this key, now and skew.
    pub fn raw(signature: &str, key: &[u8], now: u64, skew: u64) -> VerifyInput {
        VerifyInput::Raw { base64: false, key: key.to_vec(), now, skew, rest: signature.as_bytes().to_vec() }
    }

    /// Signing mode: `s` is signed with `s.key`, tampered with as `tamper` says, and verified at
    /// `s.cts + now_offset` (wrapping) with `skew`. None when `s`'s window does not fit a u32.
    pub fn signed(s: &SignInput, now_offset: u64, skew: u64, tamper: u8, pos: u16, bit: u8) -> Option<VerifyInput> {
        Some(VerifyInput::Signed(SignedVerify {
            key: s.key.clone(),
            now_offset,
            skew,
            secret_id: s.secret_id.clone(),
            cts: s.cts,
            validity: u32::try_from(s.exp.wrapping_sub(s.cts)).ok()?,
            random: s.random,
            tamper,
            pos,
            bit,
            ops: s.ops.clone(),
        }))
    }
}

pub fn target(data: &[u8]) {
    match VerifyInput::read(data) {
        VerifyInput::Raw { base64, key, now, skew, rest } => {
            let sig = signature_text(u8::from(base64), &rest);
            let r = verify_any_key(&key, skew, &sig, now);
            check_verify(&r, &sig, &key, now, skew);
        }
        VerifyInput::Signed(s) => {
            signed(&s);
        }
    }
}

fn signed(s: &SignedVerify) -> Option<()> {
    let key: Vec<u8> = if s.key.is_empty() { b"k".to_vec() } else { s.key.clone() };
    let (cts, skew) = (s.cts, s.skew);
    let exp = cts.wrapping_add(u64::from(s.validity));
    let now = cts.wrapping_add(s.now_offset);
    let mut opts = Options::new();
    for op in &s.ops {
        apply(&mut opts, op);
    }
    let signer = Signer::new(&s.secret_id, &key).ok()?;
    let sig = match signer.sign_at(&opts, cts, exp, s.random) {
        Ok(sig) => sig,
        Err(e) => {
            check_error(&e, &[ErrorKind::InvalidParameter, ErrorKind::ValidityTooLong]);
            return None;
        }
    };
    match s.tamper {
        0 => {
            let r = verifier(&key, skew).verify(&sig, now);
            assert_eq!(kind_of(&r), expected_time(cts, exp, now, skew), "untampered at now {now} skew {skew}");
            check_verify(&r, &sig, &key, now, skew);
        }
        1 => {
            let other = other_key(&key)?;
            let r = verifier(&other, skew).verify(&sig, now);
            assert_eq!(kind_of(&r), Err(ErrorKind::BadMac), "verified with another key");
        }
        _ => {
            let pos = usize::from(s.pos);
            let tampered = if s.tamper == 2 {
                let d = vodsign::decode(&sig).expect("decode what sign made");
                let mut raw = d.mac().to_vec();
                raw.extend_from_slice(d.original().as_bytes());
                let i = pos % raw.len();
                raw[i] ^= 1 << (s.bit % 8);
                base64(&raw)
            } else {
                let mut b = sig.clone().into_bytes();
                let i = pos % b.len();
                b[i] ^= 1 << (s.bit % 7); // stays ASCII
                String::from_utf8(b).expect("ASCII")
            };
            let r = verifier(&key, skew).verify(&tampered, now);
            assert!(r.is_err(), "a signature with a flipped bit verified: {tampered}");
            if vodsign::decode(&tampered).is_ok() {
                assert_eq!(kind_of(&r), Err(ErrorKind::BadMac), "flipped bit in {tampered}");
            }
            check_verify(&r, &tampered, &key, now, skew);
        }
    }
    Some(())
}
