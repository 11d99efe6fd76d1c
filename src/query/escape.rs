//! Query-string encoding, byte for byte as Node's `querystring.stringify` (and `encodeURIComponent`).
//!
//! UTF-8 bytes; `A-Z a-z 0-9 - _ . ! ~ * ' ( )` are kept, every other byte becomes `%XX` with
//! uppercase hex (a space is `%20`). Integers are plain decimal.

use crate::params::{Param, ParamValue};

/// Whether Node's `querystring.escape` leaves this byte as it is.
const fn is_unreserved(b: u8) -> bool {
    matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')')
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// For each byte, what escaping writes, little-endian in the low three bytes (the byte itself,
/// or `%XX`), and how many of those count (1 or 3) in the top byte.
const ESCAPED: [u32; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = if is_unreserved(b as u8) {
            b as u32 | 1 << 24
        } else {
            b'%' as u32 | (HEX[b >> 4] as u32) << 8 | (HEX[b & 15] as u32) << 16 | 3 << 24
        };
        b += 1;
    }
    table
};

/// Writes the escaped form of `b` as four bytes at `dst[at..]`; returns how many of them count
/// (the next write overwrites the others).
#[inline(always)]
fn put(dst: &mut [u8], at: usize, b: u8) -> usize {
    let entry = ESCAPED[usize::from(b)];
    dst[at..at + 4].copy_from_slice(&entry.to_le_bytes());
    (entry >> 24) as usize
}

/// Appends `s`, escaped, to `out`.
///
/// Each byte is one table load and one 4-byte store, with no branch on its value: from one byte
/// to the next only the output position (an addition) carries over. Branching on each byte
/// costs about 40% more time on text like the benchmark's `sourceContext` (an escape every four
/// bytes), where the branches are hard to predict (docs/decisions.md).
pub(crate) fn escape_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let start = out.len();
    // Room for the worst case (every byte escaped), and one byte for the last 4-byte store.
    out.resize(start + 3 * bytes.len() + 1, 0);
    let dst = &mut out[start..];
    let mut j = 0;
    // Eight bytes at a time into a window with room for eight escapes: one bounds check a step.
    let mut groups = bytes.chunks_exact(8);
    for group in &mut groups {
        let window = &mut dst[j..j + 25];
        let mut at = 0;
        for &b in group {
            at += put(window, at, b);
        }
        j += at;
    }
    for &b in groups.remainder() {
        j += put(dst, j, b);
    }
    out.truncate(start + j);
}

/// `text` escaped byte for byte as Node's `querystring.escape` (and `encodeURIComponent`) does:
/// UTF-8, `A-Z a-z 0-9 - _ . ! ~ * ' ( )` kept, every other byte `%XX` with uppercase hex. The
/// encoding of every key and value of a signature vodsign makes.
///
/// ```
/// assert_eq!(vodsign::escape("a b~!*'()&=é"), "a%20b~!*'()%26%3D%C3%A9");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    escape_into(&mut out, text);
    // Escaping writes ASCII only.
    String::from_utf8(out).unwrap_or_default()
}

/// The length of `s` once escaped.
pub(crate) fn escaped_len(s: &str) -> usize {
    s.bytes().map(|b| (ESCAPED[usize::from(b)] >> 24) as usize).sum()
}

/// Writes `v` in plain decimal at the end of `buf` and returns the text written.
///
/// The one integer-to-text path of the library: the wire, lengths and messages all use it.
#[inline(never)]
pub(crate) fn decimal(v: i128, buf: &mut [u8; 40]) -> &[u8] {
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    // Every wire integer fits 64 bits; 128-bit division is several times slower.
    while n > u64::MAX as u128 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    // Two digits per division: the divisions are a chain, and a timestamp has ten digits.
    let mut n = n as u64;
    while n >= 100 {
        let pair = (n % 100) as u8;
        n /= 100;
        i -= 2;
        buf[i] = b'0' + pair / 10;
        buf[i + 1] = b'0' + pair % 10;
    }
    if n >= 10 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    i -= 1;
    buf[i] = b'0' + n as u8;
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// Appends an integer in plain decimal.
pub(crate) fn int_into(out: &mut Vec<u8>, v: i128) {
    out.extend_from_slice(decimal(v, &mut [0; 40]));
}

/// The number of characters `int_into` writes for `v`.
pub(crate) fn decimal_len(v: i128) -> usize {
    decimal(v, &mut [0; 40]).len()
}

/// An integer shown in a message: `{}` of it is plain decimal, through [`decimal`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Decimal(pub(crate) i128);

impl core::fmt::Display for Decimal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Digits and '-' are ASCII, so the conversion never fails.
        f.write_str(core::str::from_utf8(decimal(self.0, &mut [0; 40])).unwrap_or_default())
    }
}


/// Appends `key=value`. Keys are parameter names, which need no escaping.
pub(crate) fn pair_into(out: &mut Vec<u8>, key: Param, value: ParamValue<'_>) {
    out.extend_from_slice(&key.name_block());
    out.truncate(out.len() - 16 + key.name().len());
    out.push(b'=');
    match value {
        ParamValue::Str(s) => escape_into(out, s),
        ParamValue::Int(v) => int_into(out, v),
    }
}

/// The bytes `pair_into` appends for this key and value, with the separator.
pub(crate) fn pair_len_bound(key: &str, value: ParamValue<'_>) -> usize {
    1 + key.len()
        + 1
        + match value {
            ParamValue::Str(s) => escaped_len(s),
            ParamValue::Int(v) => decimal_len(v),
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Node's escaping rule, one byte at a time.
    fn escaped_simply(s: &str) -> Vec<u8> {
        let kept = |b: u8| matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')');
        s.bytes().flat_map(|b| if kept(b) { vec![b] } else { format!("%{b:02X}").into_bytes() }).collect()
    }

    #[test]
    fn escapes_every_byte_at_every_position() {
        // Every ASCII byte, runs of kept and escaped bytes, and multi-byte characters, behind
        // every prefix length.
        let ascii: String = (0u8..128).map(char::from).collect();
        let texts = [
            ascii.clone(),
            ascii.chars().rev().collect(),
            "uid=42&name=a b.mp4;".repeat(13),
            "é😀 ~".repeat(20),
            "a".repeat(100),
            " ".repeat(100),
        ];
        for text in &texts {
            for start in 0..text.len() {
                let Some(t) = text.get(start..) else { continue };
                let mut out = b"x=".to_vec();
                escape_into(&mut out, t);
                assert_eq!(out[2..], escaped_simply(t), "escaping {t:?}");
                assert_eq!(escaped_len(t), out.len() - 2);
            }
        }
    }

    #[test]
    fn escapes_like_encode_uri_component() {
        let mut out = Vec::new();
        escape_into(&mut out, "a b+c/~!*'()é😀");
        assert_eq!(out, b"a%20b%2Bc%2F~!*'()%C3%A9%F0%9F%98%80");
        assert_eq!(escaped_len("a b+c/~!*'()é😀"), out.len());
    }

    #[test]
    fn integers_in_plain_decimal() {
        for v in [0i128, 7, 9, 10, 99, 100, 101, 999, 1000, 12345, -10, -100, 1571215095, 4294967295, u64::MAX as i128, u64::MAX as i128 + 1, i128::MIN, i128::MAX, -(1 << 70)] {
            let mut out = Vec::new();
            int_into(&mut out, v);
            assert_eq!(out, v.to_string().as_bytes());
            assert_eq!(decimal_len(v), out.len());
            assert_eq!(Decimal(v).to_string(), v.to_string());
        }
    }
}
