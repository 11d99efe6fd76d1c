//! Query-string encoding, byte for byte as Node's `querystring.stringify` (and `encodeURIComponent`).
//!
//! UTF-8 bytes; `A-Z a-z 0-9 - _ . ! ~ * ' ( )` are kept, every other byte becomes `%XX` with
//! uppercase hex (a space is `%20`). Integers are plain decimal.

/// Whether Node's `querystring.escape` leaves this byte as it is.
#[inline]
pub(crate) const fn is_unreserved(b: u8) -> bool {
    UNRESERVED[b as usize]
}

/// [`is_unreserved`] for every byte: one load per byte, in the loops that escape text.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(b as u8, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')');
        b += 1;
    }
    table
};

use crate::params::Param;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `s`, escaped, to `out`.
///
/// Makes room for the worst case (every byte escaped) once and writes into it by index: no
/// per-byte capacity checks, no length pre-pass. SSSE3 escapes sixteen bytes at a time where the
/// CPU has it; the loop below does the rest.
pub(crate) fn escape_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let start = out.len();
    // The vector loop stores 16 bytes wherever an escaped group may end: SLACK bytes of room.
    out.resize(start + 3 * bytes.len() + simd::SLACK, 0);
    let dst = &mut out[start..];
    let (read, mut j) = simd::escape(bytes, dst);
    for &b in &bytes[read..] {
        if is_unreserved(b) {
            dst[j] = b;
            j += 1;
        } else {
            dst[j..j + 3].copy_from_slice(&[b'%', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
            j += 3;
        }
    }
    out.truncate(start + j);
}

/// The SSSE3 escaping loop, chosen at run time ([`crate::cpu`]); elsewhere it does nothing.
mod simd {
    #[cfg(target_arch = "x86_64")]
    use core::arch::x86_64::*;

    /// Room the vector loop needs past the worst case of the bytes it escapes.
    pub(super) const SLACK: usize = if cfg!(target_arch = "x86_64") { 4 } else { 0 };

    /// Escapes the longest prefix of `src` it can, sixteen bytes at a time, into the start of
    /// `dst` (room for every byte of `src` escaped, plus [`SLACK`]); returns (bytes read, bytes
    /// written).
    #[inline]
    pub(super) fn escape(src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        #[cfg(target_arch = "x86_64")]
        if crate::cpu::ssse3() {
            // SAFETY: the CPU has SSSE3.
            return unsafe { escape_ssse3(src, dst) };
        }
        let _ = (src, dst);
        (0, 0)
    }

    /// For each low nibble, bit `h` is set when the byte `h << 4 | nibble` is kept: with the bit
    /// of each high nibble (none for 8 to 15), one `pshufb` each classifies sixteen bytes.
    #[cfg(target_arch = "x86_64")]
    const KEPT_ROWS: [u8; 16] = {
        let mut rows = [0u8; 16];
        let mut b = 0;
        while b < 128 {
            if super::UNRESERVED[b] {
                rows[b & 15] |= 1 << (b >> 4);
            }
            b += 1;
        }
        rows
    };

    /// A `pshufb` control that takes nothing: index bytes with the top bit set give zero.
    #[cfg(target_arch = "x86_64")]
    const NONE: u8 = 0x80;

    /// The `pshufb` controls that lay out four bytes of a group as triplets: `x h` pairs (the byte
    /// or '%', then the high hex digit) from the interleaved vector, for the first and the second
    /// four pairs of a half; the low hex digit of group g's byte i goes to 3i + 2.
    #[cfg(target_arch = "x86_64")]
    const PAIRS: [[u8; 16]; 2] = {
        let mut m = [[NONE; 16]; 2];
        let mut i = 0;
        while i < 4 {
            m[0][3 * i] = 2 * i as u8;
            m[0][3 * i + 1] = 2 * i as u8 + 1;
            m[1][3 * i] = 8 + 2 * i as u8;
            m[1][3 * i + 1] = 8 + 2 * i as u8 + 1;
            i += 1;
        }
        m
    };
    #[cfg(target_arch = "x86_64")]
    const LOW_DIGITS: [[u8; 16]; 4] = {
        let mut m = [[NONE; 16]; 4];
        let mut g = 0;
        while g < 4 {
            let mut i = 0;
            while i < 4 {
                m[g][3 * i + 2] = (4 * g + i) as u8;
                i += 1;
            }
            g += 1;
        }
        m
    };

    /// For each 4-bit mask of escaped bytes in a group, the `pshufb` control that keeps the
    /// whole triplet of an escaped byte and only the first byte of a kept one.
    #[cfg(target_arch = "x86_64")]
    const COMPACT: [[u8; 16]; 16] = {
        let mut m = [[NONE; 16]; 16];
        let mut mask = 0;
        while mask < 16 {
            let mut n = 0;
            let mut i = 0;
            while i < 4 {
                m[mask][n] = 3 * i as u8;
                n += 1;
                if mask >> i & 1 == 1 {
                    m[mask][n] = 3 * i as u8 + 1;
                    m[mask][n + 1] = 3 * i as u8 + 2;
                    n += 2;
                }
                i += 1;
            }
            mask += 1;
        }
        m
    };

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn load(bytes: &[u8; 16]) -> __m128i {
        // SAFETY: sixteen readable bytes; `loadu` takes any alignment.
        unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) }
    }

    /// Each step reads 16 bytes and writes 16 to 48: four groups of four, each stored as 16
    /// bytes at the point where the previous group ended.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "ssse3")]
    fn escape_ssse3(src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        let rows = load(&KEPT_ROWS);
        let bits = _mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
        let hex = load(super::HEX);
        let nibble = _mm_set1_epi8(0x0f);
        let (mut read, mut written) = (0, 0);
        // The last group of a step starts at most 36 bytes in and stores 16.
        while let (Some(s), Some(d)) = (src.get(read..read + 16), dst.get_mut(written..written + 52)) {
            // SAFETY: `s` has 16 readable bytes.
            let v = unsafe { _mm_loadu_si128(s.as_ptr().cast()) };
            let high = _mm_and_si128(_mm_srli_epi16(v, 4), nibble);
            let low = _mm_and_si128(v, nibble);
            let kept = _mm_and_si128(_mm_shuffle_epi8(rows, low), _mm_shuffle_epi8(bits, high));
            let escaped = _mm_cmpeq_epi8(kept, _mm_setzero_si128());
            let mask = _mm_movemask_epi8(escaped) as u32;
            if mask == 0 {
                // SAFETY: `d` has 52 writable bytes.
                unsafe { _mm_storeu_si128(d.as_mut_ptr().cast(), v) };
                (read, written) = (read + 16, written + 16);
                continue;
            }
            let first = _mm_or_si128(_mm_andnot_si128(escaped, v), _mm_and_si128(escaped, _mm_set1_epi8(b'%' as i8)));
            let high_digits = _mm_shuffle_epi8(hex, high);
            let low_digits = _mm_shuffle_epi8(hex, low);
            let halves = [_mm_unpacklo_epi8(first, high_digits), _mm_unpackhi_epi8(first, high_digits)];
            let mut at = 0;
            for g in 0..4 {
                let triplets = _mm_or_si128(
                    _mm_shuffle_epi8(halves[g / 2], load(&PAIRS[g % 2])),
                    _mm_shuffle_epi8(low_digits, load(&LOW_DIGITS[g])),
                );
                let escapes = (mask >> (4 * g) & 15) as usize;
                let group = _mm_shuffle_epi8(triplets, load(&COMPACT[escapes]));
                // SAFETY: `at` is at most 36 (three groups of at most 12), so `at + 16 <= 52`.
                unsafe { _mm_storeu_si128(d.as_mut_ptr().add(at).cast(), group) };
                // 4 bytes and 2 more per escape: the escapes counted from a nibble table in a
                // register, so that the next store's place waits on no memory load.
                at += 4 + 2 * (0x4332_3221_3221_2110_u64 >> (4 * escapes) & 15) as usize;
            }
            (read, written) = (read + 16, written + at);
        }
        (read, written)
    }
}

/// The length of `s` once escaped.
pub(crate) fn escaped_len(s: &str) -> usize {
    s.bytes().map(|b| if is_unreserved(b) { 1 } else { 3 }).sum()
}

/// Writes `v` in plain decimal at the end of `buf` and returns the text written.
///
/// The one integer-to-text path of the library: the wire, lengths and messages all use it, so
/// that the shared library carries no 128-bit formatting code (issue 5's size budget), and
/// one copy of it.
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

/// A value to emit.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    Str(&'a str),
    Int(i128),
}

/// Appends `key=value`. Keys are parameter names, which need no escaping.
pub(crate) fn pair_into(out: &mut Vec<u8>, key: Param, value: Value<'_>) {
    out.extend_from_slice(&key.name_block());
    out.truncate(out.len() - 16 + key.name().len());
    out.push(b'=');
    match value {
        Value::Str(s) => escape_into(out, s),
        Value::Int(v) => int_into(out, v),
    }
}

/// The bytes `pair_into` appends for this key and value, with the separator.
pub(crate) fn pair_len_bound(key: &str, value: Value<'_>) -> usize {
    1 + key.len()
        + 1
        + match value {
            Value::Str(s) => escaped_len(s),
            Value::Int(v) => decimal_len(v),
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The escaping rule, one byte at a time.
    fn escaped_simply(s: &str) -> Vec<u8> {
        s.bytes()
            .flat_map(|b| if is_unreserved(b) { vec![b] } else { format!("%{b:02X}").into_bytes() })
            .collect()
    }

    #[test]
    fn escapes_every_byte_at_every_position_on_both_paths() {
        // Every ASCII byte, runs of kept and escaped bytes across the 16-byte steps, and
        // multi-byte characters, behind every prefix length.
        let ascii: String = (0u8..128).map(char::from).collect();
        let texts = [
            ascii.clone(),
            ascii.chars().rev().collect(),
            "uid=42&name=a b.mp4;".repeat(13),
            "é😀 ~".repeat(20),
            "a".repeat(100),
            " ".repeat(100),
        ];
        crate::cpu::both_paths(|| {
            for text in &texts {
                for start in 0..text.len() {
                    let Some(t) = text.get(start..) else { continue };
                    let mut out = b"x=".to_vec();
                    escape_into(&mut out, t);
                    assert_eq!(out[2..], escaped_simply(t), "escaping {t:?}");
                    assert_eq!(escaped_len(t), out.len() - 2);
                }
            }
        });
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
