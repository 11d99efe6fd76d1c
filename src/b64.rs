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

/// Appends the padded Base64 of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + encoded_len(bytes.len()), 0);
    for (src, dst) in bytes.chunks(3).zip(out[start..].chunks_exact_mut(4)) {
        // A short last group is padded with zero bits, and its missing symbols with '='.
        let byte = |i: usize| u32::from(src.get(i).copied().unwrap_or(0));
        let n = byte(0) << 16 | byte(1) << 8 | byte(2);
        for (i, d) in dst.iter_mut().enumerate() {
            *d = if i <= src.len() { ALPHABET[(n >> (18 - 6 * i)) as usize & 63] } else { b'=' };
        }
    }
}

/// Why a text is not standard padded Base64. `Display` gives the `base64` crate's wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// A byte outside the alphabet, or a misplaced `=`: (offset, byte).
    InvalidByte(usize, u8),
    /// The last group has a single symbol: the length in symbols.
    InvalidLength(usize),
    /// The last symbol carries bits that decode to nothing: (offset, symbol, its value).
    InvalidLastSymbol(usize, u8, u8),
    /// The text does not end with the padding that makes its length a multiple of 4.
    InvalidPadding,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DecodeError::InvalidByte(offset, byte) => write!(f, "Invalid symbol {byte}, offset {offset}."),
            DecodeError::InvalidLength(len) => write!(f, "Invalid input length: {len}"),
            DecodeError::InvalidLastSymbol(offset, symbol, value) => write!(
                f,
                "Invalid last symbol {symbol:#4x} ('{}') at offset {offset}, decoded as {value:#010b}.",
                char::from(symbol)
            ),
            DecodeError::InvalidPadding => f.write_str("Invalid padding"),
        }
    }
}

/// Decodes standard padded Base64: the alphabet only, no whitespace, `=` only at the end and
/// exactly as much as makes the length a multiple of 4, and zero bits after the last byte.
///
/// Errors are found in the order the `base64` crate finds them: a bad lone last byte first, then
/// the first bad byte of the complete groups, then the last group.
pub(crate) fn decode(text: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let len = text.len();
    let rem = len % 4;
    if rem == 1 {
        let last = text[len - 1];
        if last != b'=' && DECODE[usize::from(last)] == INVALID {
            return Err(DecodeError::InvalidByte(len - 1, last));
        }
    }
    // Every group of four but the last one, which may be padded (or short).
    let body = len.saturating_sub(if rem == 0 { 4 } else { rem });
    let mut out = Vec::with_capacity(len / 4 * 3 + 3);
    for (g, group) in text[..body].chunks_exact(4).enumerate() {
        let mut n = 0u32;
        for (i, &b) in group.iter().enumerate() {
            let v = DECODE[usize::from(b)];
            if v == INVALID {
                return Err(DecodeError::InvalidByte(g * 4 + i, b));
            }
            n = n << 6 | u32::from(v);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..]);
    }
    // The last group: two to four symbols, then padding (never in its first two places).
    let (mut n, mut symbols, mut pads, mut first_pad, mut last) = (0u32, 0, 0, 0, (0u8, 0u8));
    for (i, &b) in text[body..].iter().enumerate() {
        if b == b'=' {
            if i < 2 {
                return Err(DecodeError::InvalidByte(body + i, b));
            }
            if pads == 0 {
                first_pad = i;
            }
            pads += 1;
            continue;
        }
        if pads > 0 {
            return Err(DecodeError::InvalidByte(body + first_pad, b'='));
        }
        let v = DECODE[usize::from(b)];
        if v == INVALID {
            return Err(DecodeError::InvalidByte(body + i, b));
        }
        n = n << 6 | u32::from(v);
        symbols += 1;
        last = (b, v);
    }
    if len > 0 && symbols < 2 {
        return Err(DecodeError::InvalidLength(body + symbols));
    }
    if (symbols + pads) % 4 != 0 {
        return Err(DecodeError::InvalidPadding);
    }
    // 2, 3 or 4 symbols (12, 18 or 24 bits) give 1, 2 or 3 bytes; the 4, 2 or 0 bits left over
    // must be zero, or two texts would decode to the same bytes.
    let bytes = symbols * 6 / 8;
    let spare = symbols * 6 - bytes * 8;
    if n & ((1 << spare) - 1) != 0 {
        return Err(DecodeError::InvalidLastSymbol(body + symbols - 1, last.0, last.1));
    }
    out.extend_from_slice(&(n >> spare).to_be_bytes()[4 - bytes..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    fn same_as_the_crate(text: &[u8]) {
        let ours = decode(text).map_err(|e| e.to_string());
        let theirs = STANDARD.decode(text).map_err(|e| e.to_string());
        assert_eq!(ours, theirs, "decoding {:?}", String::from_utf8_lossy(text));
        if let Ok(bytes) = &ours {
            let mut encoded = Vec::new();
            encode_into(bytes, &mut encoded);
            assert_eq!(encoded, STANDARD.encode(bytes).as_bytes());
        }
    }

    #[test]
    fn encodes_like_the_crate() {
        for n in 0..200usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + n * 11) as u8).collect();
            let mut out = b"prefix".to_vec();
            encode_into(&bytes, &mut out);
            assert_eq!(&out[6..], STANDARD.encode(&bytes).as_bytes());
            assert_eq!(out.len() - 6, encoded_len(n));
        }
    }

    #[test]
    fn refuses_what_the_crate_refuses_with_its_words() {
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

    #[test]
    fn longer_texts_with_one_change() {
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
