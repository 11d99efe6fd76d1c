//! Standard Base64 (RFC 4648: the `+` and `/` alphabet, `=` padding), strict: the only form a
//! signature may take.
//!
//! Written here rather than taken from a crate because the library needs one alphabet and one
//! mode, and the size budget of the shared library (issue 5) counts every byte. Decoding refuses
//! exactly what the `base64` crate's `STANDARD` engine refuses (the library used it before), with
//! the same detail texts; the tests below compare the two on many inputs.

use core::fmt;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Marks a byte outside the alphabet in [`DECODE`].
const INVALID: u8 = 0xFF;

/// The value of each alphabet byte, [`INVALID`] for every other byte (`=` included).
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The length of the Base64 text of `n` bytes.
pub(crate) const fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// The symbol for the low 6 bits of `n`.
#[inline]
fn symbol(n: u32) -> u8 {
    ALPHABET[(n & 63) as usize]
}

/// Appends the padded Base64 of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + encoded_len(bytes.len()), 0);
    let out = &mut out[start..];
    // Twelve bytes (sixteen symbols) at a time with SSSE3 where the CPU has it; elsewhere six
    // bytes (eight symbols) at a time, read as one big-endian word while eight bytes are left:
    // the speed of signing depends on these loops. (x86-64 leaves the word loop out: it has
    // SSSE3 in practice, and the library's size budget counts every loop.)
    #[allow(unused_mut)]
    let (mut read, mut written) = simd::encode(bytes, out);
    #[cfg(not(target_arch = "x86_64"))]
    while let (Some(word), Some(dst)) = (bytes.get(read..read + 8), out.get_mut(written..written + 8)) {
        let n = u64::from_be_bytes(word.try_into().unwrap_or_default());
        for (i, d) in dst.iter_mut().enumerate() {
            *d = symbol((n >> (58 - 6 * i)) as u32);
        }
        (read, written) = (read + 6, written + 8);
    }
    // The rest, three bytes at a time.
    let mut groups = bytes[read..].chunks_exact(3);
    let mut quads = out[written..].chunks_exact_mut(4);
    for (src, dst) in (&mut groups).zip(&mut quads) {
        let n = u32::from(src[0]) << 16 | u32::from(src[1]) << 8 | u32::from(src[2]);
        dst[0] = symbol(n >> 18);
        dst[1] = symbol(n >> 12);
        dst[2] = symbol(n >> 6);
        dst[3] = symbol(n);
    }
    // A short last group: zero bits complete its last symbol, and '=' its missing ones.
    if let ([first, rest @ ..], Some(dst)) = (groups.remainder(), quads.next()) {
        let n = u32::from(*first) << 16 | rest.first().map_or(0, |&b| u32::from(b) << 8);
        let third = if rest.is_empty() { b'=' } else { symbol(n >> 6) };
        dst.copy_from_slice(&[symbol(n >> 18), symbol(n >> 12), third, b'=']);
    }
}

/// Appends the padded Base64 of `bytes` to `out`, with no UTF-8 check of the result.
pub(crate) fn encode_into_string(bytes: &[u8], out: &mut String) {
    // SAFETY: `encode_into` only appends bytes of ALPHABET and '=' (and, were it to stop half
    // way, the zeros it reserved): all ASCII, so `out` stays UTF-8.
    encode_into(bytes, unsafe { out.as_mut_vec() });
}

/// Why a text is not standard padded Base64. `Display` gives the `base64` crate's wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// A byte outside the alphabet, or a misplaced `=`: (offset, byte).
    Symbol(usize, u8),
    /// The last group has a single symbol: the length in symbols.
    Length(usize),
    /// The last symbol carries bits that decode to nothing: (offset, symbol, its value).
    LastSymbol(usize, u8, u8),
    /// The text does not end with the padding that makes its length a multiple of 4.
    Padding,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DecodeError::Symbol(offset, byte) => write!(f, "Invalid symbol {byte}, offset {offset}."),
            DecodeError::Length(len) => write!(f, "Invalid input length: {len}"),
            DecodeError::LastSymbol(offset, symbol, value) => write!(
                f,
                "Invalid last symbol {symbol:#4x} ('{}') at offset {offset}, decoded as {value:#010b}.",
                char::from(symbol)
            ),
            DecodeError::Padding => f.write_str("Invalid padding"),
        }
    }
}

/// The bits of a run of at most ten symbols, first symbol highest; `offset` is the position of
/// the run in the text, for the error.
#[inline(always)]
fn symbols(run: &[u8], offset: usize) -> Result<u64, DecodeError> {
    let (mut n, mut any_invalid) = (0u64, 0u8);
    for &b in run {
        let v = DECODE[usize::from(b)];
        any_invalid |= v;
        n = n << 6 | u64::from(v);
    }
    // Values are below 64; INVALID is not.
    if any_invalid >= 64 {
        let i = run.iter().position(|&b| DECODE[usize::from(b)] == INVALID).unwrap_or(0);
        return Err(DecodeError::Symbol(offset + i, run[i]));
    }
    Ok(n)
}

/// Symbols per step of the portable decoding loop: eight (six bytes) where it does the bulk of
/// the work; four on x86-64, where SSSE3 does (the size budget counts every loop).
const GROUP: usize = if cfg!(target_arch = "x86_64") { 4 } else { 8 };

/// Decodes standard padded Base64: the alphabet only, no whitespace, `=` only at the end and
/// exactly as much as makes the length a multiple of 4, and zero bits after the last byte.
///
/// Errors are found in the order the `base64` crate finds them: a bad lone last byte first, then
/// the first bad byte of the complete groups, then the last group.
pub(crate) fn decode(text: &[u8], room: usize) -> Result<Vec<u8>, DecodeError> {
    let len = text.len();
    let rem = len % 4;
    if rem == 1 {
        let last = text[len - 1];
        if last != b'=' && DECODE[usize::from(last)] == INVALID {
            return Err(DecodeError::Symbol(len - 1, last));
        }
    }
    // Every group of four but the last one, which may be padded (or short).
    let body = len.saturating_sub(if rem == 0 { 4 } else { rem });
    // Room for the last group's bytes too, and `room` bytes more for the caller: one allocation.
    let mut out = Vec::with_capacity(body / 4 * 3 + 3 + room);
    out.resize(body / 4 * 3, 0);
    // SSSE3 first, sixteen symbols at a time; it stops before the first group of sixteen with a
    // byte outside the alphabet, which the loop below then finds and reports. The portable loop
    // takes GROUP symbols at a time.
    let done = simd::decode(&text[..body], &mut out);
    let mut src = text[done..body].chunks_exact(GROUP);
    let mut dst = out[done / 4 * 3..].chunks_exact_mut(GROUP / 4 * 3);
    for ((g, s), d) in (&mut src).enumerate().zip(&mut dst) {
        d.copy_from_slice(&symbols(s, done + g * GROUP)?.to_be_bytes()[8 - GROUP / 4 * 3..]);
    }
    if body % GROUP == 4 {
        let at = body - 4;
        out[at / 4 * 3..].copy_from_slice(&symbols(&text[at..body], at)?.to_be_bytes()[5..]);
    }
    // The last group: two to four symbols, then padding (never in its first two places).
    let (mut n, mut symbols, mut pads, mut first_pad, mut last) = (0u32, 0, 0, 0, (0u8, 0u8));
    for (i, &b) in text[body..].iter().enumerate() {
        if b == b'=' {
            if i < 2 {
                return Err(DecodeError::Symbol(body + i, b));
            }
            if pads == 0 {
                first_pad = i;
            }
            pads += 1;
            continue;
        }
        if pads > 0 {
            return Err(DecodeError::Symbol(body + first_pad, b'='));
        }
        let v = DECODE[usize::from(b)];
        if v == INVALID {
            return Err(DecodeError::Symbol(body + i, b));
        }
        n = n << 6 | u32::from(v);
        symbols += 1;
        last = (b, v);
    }
    if len > 0 && symbols < 2 {
        return Err(DecodeError::Length(body + symbols));
    }
    if (symbols + pads) % 4 != 0 {
        return Err(DecodeError::Padding);
    }
    // 2, 3 or 4 symbols (12, 18 or 24 bits) give 1, 2 or 3 bytes; the 4, 2 or 0 bits left over
    // must be zero, or two texts would decode to the same bytes.
    let bytes = symbols * 6 / 8;
    let spare = symbols * 6 - bytes * 8;
    if n & ((1 << spare) - 1) != 0 {
        return Err(DecodeError::LastSymbol(body + symbols - 1, last.0, last.1));
    }
    out.extend_from_slice(&(n >> spare).to_be_bytes()[4 - bytes..]);
    Ok(out)
}

/// The SSSE3 loops (`pshufb`), chosen at run time; elsewhere, and on a CPU without SSSE3, they
/// do nothing and the portable loops do all the work.
mod simd {
    #[cfg(target_arch = "x86_64")]
    use core::arch::x86_64::*;

    #[cfg(target_arch = "x86_64")]
    use crate::cpu::ssse3 as available;

    /// Encodes the longest prefix of `src` it can, twelve bytes at a time, into the start of
    /// `dst` (room for all of `src`'s symbols); returns (bytes read, symbols written).
    #[inline]
    pub(super) fn encode(src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        #[cfg(target_arch = "x86_64")]
        if available() {
            // SAFETY: the CPU has SSSE3.
            return unsafe { encode_ssse3(src, dst) };
        }
        let _ = (src, dst);
        (0, 0)
    }

    /// Decodes the longest prefix of `text` (whole groups, no padding) made of groups of sixteen
    /// alphabet symbols into the start of `out` (room for all of `text`'s bytes); returns the
    /// symbols read, a multiple of 16.
    #[inline]
    pub(super) fn decode(text: &[u8], out: &mut [u8]) -> usize {
        #[cfg(target_arch = "x86_64")]
        if available() {
            // SAFETY: the CPU has SSSE3.
            return unsafe { decode_ssse3(text, out) };
        }
        let _ = (text, out);
        0
    }

    /// Each step reads 16 bytes and uses 12; writes 16 symbols.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "ssse3")]
    fn encode_ssse3(src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        // Per 32-bit lane, input bytes s0 s1 s2 placed as s1 s0 s2 s1, so that each 16-bit half
        // holds two whole symbols that a mask and a multiply move into place.
        let spread = _mm_set_epi8(10, 11, 9, 10, 7, 8, 6, 7, 4, 5, 3, 4, 1, 2, 0, 1);
        // Added to a symbol's value, by its range: A-Z (13), a-z (0), 0-9 (1 to 10), + (11), / (12).
        let offsets = _mm_setr_epi8(71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 65, 0, 0);
        let (mut read, mut written) = (0, 0);
        while let (Some(s), Some(d)) = (src.get(read..read + 16), dst.get_mut(written..written + 16)) {
            // SAFETY: `s` has 16 readable bytes and `d` 16 writable ones.
            let input = unsafe { _mm_loadu_si128(s.as_ptr().cast()) };
            let x = _mm_shuffle_epi8(input, spread);
            // The first and third symbols by shifts (a multiply-high by the equivalent constants
            // is what LLVM would turn into a longer shift sequence).
            let a = _mm_srli_epi32(_mm_and_si128(x, _mm_set1_epi32(0x0000_fc00)), 10);
            let c = _mm_srli_epi32(_mm_and_si128(x, _mm_set1_epi32(0x0fc0_0000)), 6);
            let ac = _mm_or_si128(a, c);
            let bd = _mm_mullo_epi16(_mm_and_si128(x, _mm_set1_epi32(0x003f_03f0)), _mm_set1_epi32(0x0100_0010));
            let values = _mm_or_si128(ac, bd);
            let mut range = _mm_subs_epu8(values, _mm_set1_epi8(51));
            range = _mm_or_si128(range, _mm_and_si128(_mm_cmpgt_epi8(_mm_set1_epi8(26), values), _mm_set1_epi8(13)));
            let symbols = _mm_add_epi8(values, _mm_shuffle_epi8(offsets, range));
            // SAFETY: as above.
            unsafe { _mm_storeu_si128(d.as_mut_ptr().cast(), symbols) };
            (read, written) = (read + 12, written + 16);
        }
        (read, written)
    }

    /// Each step reads 16 symbols and writes 16 bytes, of which the first 12 are kept: it stops
    /// while fewer than 16 bytes of `out` are left past the ones written.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "ssse3")]
    fn decode_ssse3(text: &[u8], out: &mut [u8]) -> usize {
        // A byte is in the alphabet when its low-nibble class and high-nibble class share no bit.
        let low_class = _mm_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
        let high_class = _mm_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
        // Added to a symbol to give its value, by high nibble ('/' apart).
        let offsets = _mm_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
        let pack = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
        let (mut read, mut written) = (0, 0);
        while let (Some(s), Some(d)) = (text.get(read..read + 16), out.get_mut(written..written + 16)) {
            // SAFETY: `s` has 16 readable bytes.
            let input = unsafe { _mm_loadu_si128(s.as_ptr().cast()) };
            let high = _mm_and_si128(_mm_srli_epi32(input, 4), _mm_set1_epi8(0x0f));
            let low = _mm_and_si128(input, _mm_set1_epi8(0x0f));
            let bad = _mm_and_si128(_mm_shuffle_epi8(low_class, low), _mm_shuffle_epi8(high_class, high));
            if _mm_movemask_epi8(_mm_cmpgt_epi8(bad, _mm_setzero_si128())) != 0 {
                break;
            }
            let slash = _mm_cmpeq_epi8(input, _mm_set1_epi8(b'/' as i8));
            let values = _mm_add_epi8(input, _mm_shuffle_epi8(offsets, _mm_add_epi8(slash, high)));
            // Pairs of 6-bit values into 12 bits, pairs of those into 24, then the three bytes
            // of each lane in order.
            let pairs = _mm_maddubs_epi16(values, _mm_set1_epi32(0x0140_0140));
            let lanes = _mm_madd_epi16(pairs, _mm_set1_epi32(0x0001_1000));
            let bytes = _mm_shuffle_epi8(lanes, pack);
            // SAFETY: `d` has 16 writable bytes.
            unsafe { _mm_storeu_si128(d.as_mut_ptr().cast(), bytes) };
            (read, written) = (read + 16, written + 12);
        }
        read
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    fn same_as_the_crate(text: &[u8]) {
        let ours = decode(text, 0).map_err(|e| e.to_string());
        let theirs = STANDARD.decode(text).map_err(|e| e.to_string());
        assert_eq!(ours, theirs, "decoding {:?}", String::from_utf8_lossy(text));
        if let Ok(bytes) = &ours {
            let mut encoded = Vec::new();
            encode_into(bytes, &mut encoded);
            assert_eq!(encoded, STANDARD.encode(bytes).as_bytes());
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_switch_chooses_the_loops() {
        if std::arch::is_x86_feature_detected!("ssse3") {
            assert_eq!(simd::encode(&[0; 24], &mut [0; 32]), (12, 16));
            assert_eq!(simd::decode(&[b'A'; 32], &mut [0; 24]), 16);
        }
        crate::cpu::force_portable(true);
        assert_eq!(simd::encode(&[0; 24], &mut [0; 32]), (0, 0));
        assert_eq!(simd::decode(&[b'A'; 32], &mut [0; 28]), 0);
        crate::cpu::force_portable(false);
    }

    #[test]
    fn encodes_like_the_crate() {
        crate::cpu::both_paths(encodes_like_the_crate_once);
    }

    #[test]
    fn refuses_what_the_crate_refuses_with_its_words() {
        crate::cpu::both_paths(refuses_what_the_crate_refuses_once);
    }

    #[test]
    fn longer_texts_with_one_change() {
        crate::cpu::both_paths(longer_texts_with_one_change_once);
    }

    fn encodes_like_the_crate_once() {
        for n in 0..200usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + n * 11) as u8).collect();
            let mut out = b"prefix".to_vec();
            encode_into(&bytes, &mut out);
            assert_eq!(&out[6..], STANDARD.encode(&bytes).as_bytes());
            assert_eq!(out.len() - 6, encoded_len(n));
        }
    }

    fn refuses_what_the_crate_refuses_once() {
        // Every text of up to 6 bytes over the interesting cases: symbols whose low 2 and 4 bits
        // are zero or not (A, Q, E, +), padding, and bytes outside the alphabet.
        let symbols = b"AQE+/w=_\n\xC3";
        let mut text = Vec::new();
        fn all(text: &mut Vec<u8>, symbols: &[u8], left: usize) {
            same_as_the_crate(text);
            if left > 0 {
                for &s in symbols {
                    text.push(s);
                    all(text, symbols, left - 1);
                    text.pop();
                }
            }
        }
        all(&mut text, symbols, 6);
    }

    fn longer_texts_with_one_change_once() {
        let good = STANDARD.encode((0..=255u8).collect::<Vec<_>>());
        for len in [good.len(), good.len() - 1, good.len() - 2, good.len() - 3, 40, 41, 42, 43, 44] {
            let text = &good.as_bytes()[..len];
            same_as_the_crate(text);
            for i in 0..len {
                for b in [b'=', b'*', b'A', b'B', 0, 0xFF] {
                    let mut t = text.to_vec();
                    t[i] = b;
                    same_as_the_crate(&t);
                }
            }
            for tail in [&b"="[..], b"==", b"===", b"A", b"AA=", b"\n"] {
                same_as_the_crate(&[text, tail].concat());
            }
        }
    }
}
