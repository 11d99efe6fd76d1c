//! Reading fuzzer bytes, and writing bytes that read back as a given value.
//!
//! Every reader here has its writer next to it; each target's input type (`DecodeInput`,
//! `VerifyInput`, `SignInput`, `CapiInput`) is built from these, and
//! `tests/corpus_replay.rs` checks `read(write(x)) == x` for every target.
//!
//! Integers are little-endian. A `str` is [`Input::string`]: `kind:u8 len:u16` then bytes or
//! characters. A key is `len:u8` then bytes. Past the end of the data every read gives zeros or
//! nothing, so every byte string is a valid input.

use vodsign::{Param, ParamValue};

/// At most this many option operations are read from one input (bounds the work per input).
pub const MAX_OPS: usize = 40;
/// At most this many characters in a string read in character mode.
pub const MAX_CHARS: usize = 1100;

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
    /// U+FFFD for a surrogate), which reaches every plane. Written by [`put_str`].
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
    /// `len:u8` then `len` bytes. Written by [`put_key`].
    pub fn key(&mut self) -> &'a [u8] {
        let n = self.u8() as usize;
        self.bytes(n)
    }
    /// Raw bytes `len:u8 bytes`, which may not be UTF-8 (the same layout as a key). Written by
    /// [`put_raw`].
    pub fn raw_text(&mut self) -> &'a [u8] {
        self.key()
    }
    /// A value for an option: `kind:u8` then a `str`, an `i128`, an `i8` or a `u64`. Written by
    /// [`Val::write`].
    pub fn value(&mut self) -> Val {
        match self.u8() % 4 {
            0 => Val::Str(self.string()),
            1 => Val::Int(self.i128()),
            2 => Val::Int(self.u8() as i8 as i128),
            _ => Val::Int(self.u64() as i128),
        }
    }
    /// Up to [`MAX_OPS`] items, each read by `read`, until the data ends.
    pub fn ops<T>(&mut self, mut read: impl FnMut(&mut Self) -> T) -> Vec<T> {
        let mut out = Vec::new();
        while out.len() < MAX_OPS && !self.is_empty() {
            out.push(read(self));
        }
        out
    }
}

/// Writes a `str` as [`Input::string`] reads it (byte mode). None past 65535 bytes.
pub fn put_str(out: &mut Vec<u8>, s: &str) -> Option<()> {
    out.push(0);
    out.extend_from_slice(&u16::try_from(s.len()).ok()?.to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    Some(())
}

/// Writes a key as [`Input::key`] reads it. None past 255 bytes.
pub fn put_key(out: &mut Vec<u8>, key: &[u8]) -> Option<()> {
    out.push(u8::try_from(key.len()).ok()?);
    out.extend_from_slice(key);
    Some(())
}

/// Writes raw bytes as [`Input::raw_text`] reads them. None past 255 bytes.
pub fn put_raw(out: &mut Vec<u8>, bytes: &[u8]) -> Option<()> {
    put_key(out, bytes)
}

/// An owned option value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    Str(String),
    Int(i128),
}

impl Val {
    pub fn as_param_value(&self) -> ParamValue<'_> {
        match self {
            Val::Str(s) => ParamValue::Str(s),
            Val::Int(n) => ParamValue::Int(*n),
        }
    }
    /// The value as it is written in a query string before escaping.
    pub fn wire(&self) -> String {
        match self {
            Val::Str(s) => s.clone(),
            Val::Int(n) => n.to_string(),
        }
    }
    /// The bytes [`Input::value`] reads back as this value.
    pub fn write(&self, out: &mut Vec<u8>) -> Option<()> {
        match self {
            Val::Str(s) => {
                out.push(0);
                put_str(out, s)
            }
            Val::Int(n) => {
                out.push(1);
                out.extend_from_slice(&n.to_le_bytes());
                Some(())
            }
        }
    }
}

/// The optional parameters in canonical order.
pub fn optional_params() -> impl Iterator<Item = Param> {
    Param::ALL.into_iter().filter(|p| !p.is_required())
}

/// The number of optional parameters.
pub fn optional_count() -> usize {
    optional_params().count()
}

/// One change to the options, as the `sign` and `verify` targets read it.
///
/// Layout: `op:u8 ...`. `op & 0x80` clear is [`Options::set`](vodsign::Options::set) by wire
/// name (`op & 0x1f` below the number of parameters names `Param::ALL[i]`, else a `str` follows
/// with the name); set is a direct assignment of the public field of the optional parameter
/// `(op & 0x1f) % 9` (no check, so `sign_at`'s own checks are reached). Then a value
/// ([`Input::value`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `Options::set(name, value)`.
    Set(String, Val),
    /// Assigns the public field of this optional parameter directly, unchecked.
    Field(Param, Val),
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
            let p = optional_params().nth(index % optional_count()).expect("an optional parameter");
            Op::Field(p, input.value())
        }
    }

    /// The bytes [`Op::read`] reads back as this op; None for a field op on a required
    /// parameter or a string too long for the layout.
    pub fn write(&self, out: &mut Vec<u8>) -> Option<()> {
        let value = match self {
            Op::Set(name, value) => {
                match Param::ALL.iter().position(|p| p.name() == name) {
                    Some(i) => out.push(i as u8),
                    None => {
                        out.push(0x1f);
                        put_str(out, name)?;
                    }
                }
                value
            }
            Op::Field(p, value) => {
                let i = optional_params().position(|q| q == *p)?;
                out.push(0x80 | i as u8);
                value
            }
        };
        value.write(out)
    }
}
