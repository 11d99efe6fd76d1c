//! Standard Base64 (RFC 4648: the `+` and `/` alphabet, `=` padding), strict: the only form a
//! signature may take.
//!
//! The `base64` crate does the work, with the fastest of its engines the CPU allows: AVX2 where
//! [`crate::simd`] finds it, NEON on 64-bit ARM (part of that architecture's baseline), the scalar
//! engine otherwise. Every engine decodes and refuses alike, with the same detail texts; the tests
//! below compare the vector engine with the scalar one on many inputs, on x86-64 through the same
//! switch.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

pub(crate) use base64::DecodeError;

/// The AVX2 engine, configured as [`STANDARD`] (padding written and required, no trailing bits).
#[cfg(target_arch = "x86_64")]
// SAFETY: only used where `crate::simd::avx2()` says the CPU has AVX2 (in `engine!`).
static AVX2: base64::engine::Avx2 = unsafe { base64::engine::Avx2::standard_unchecked(base64::engine::general_purpose::PAD) };

/// The NEON engine, configured as [`STANDARD`].
#[cfg(target_arch = "aarch64")]
static NEON: base64::engine::Neon = base64::engine::Neon::standard(base64::engine::general_purpose::PAD);

/// Evaluates `$body` with `$e` bound to the engine for this CPU: one monomorphic call per engine.
macro_rules! engine {
    ($e:ident => $body:expr) => {{
        #[cfg(target_arch = "x86_64")]
        let vector = crate::simd::avx2().then_some(&AVX2);
        #[cfg(target_arch = "aarch64")]
        let vector = Some(&NEON);
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        let vector: Option<&base64::engine::GeneralPurpose> = None;
        match vector {
            Some($e) => $body,
            None => {
                let $e = &STANDARD;
                $body
            }
        }
    }};
}

/// The length of the Base64 text of `n` bytes.
pub(crate) const fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Appends the padded Base64 of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + encoded_len(bytes.len()), 0);
    let dst = &mut out[start..];
    // `dst` has exactly the room the text needs, so this never fails.
    let written = engine!(e => e.encode_slice(bytes, &mut *dst));
    debug_assert_eq!(written, Ok(dst.len()));
}

/// Appends the padded Base64 of `bytes` to `out`, with no UTF-8 check of the result.
pub(crate) fn encode_into_string(bytes: &[u8], out: &mut String) {
    // SAFETY: `encode_into` only appends bytes of the alphabet and '=' (and, were it to stop half
    // way, the zeros it reserved): all ASCII, so `out` stays UTF-8.
    encode_into(bytes, unsafe { out.as_mut_vec() });
}

/// Decodes standard padded Base64: the alphabet only, no whitespace, `=` only at the end and
/// exactly as much as makes the length a multiple of 4, and zero bits after the last byte. The
/// result has capacity for `room` bytes more, for the caller: one allocation.
pub(crate) fn decode(text: &[u8], room: usize) -> Result<Vec<u8>, DecodeError> {
    // The engines decode into room for `text.len().div_ceil(4) * 3` bytes, then shorten it.
    let mut out = Vec::with_capacity(text.len().div_ceil(4) * 3 + room);
    engine!(e => e.decode_vec(text, &mut out))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn the_switch_chooses_the_engine() {
        assert_eq!(crate::simd::avx2(), std::arch::is_x86_feature_detected!("avx2"));
        crate::simd::force_portable(true);
        assert!(!crate::simd::avx2());
        crate::simd::force_portable(false);
    }

    #[test]
    fn keeps_room_for_the_caller() {
        for n in [0usize, 1, 2, 3, 48, 100, 455] {
            let bytes: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let decoded = decode(STANDARD.encode(&bytes).as_bytes(), 77).unwrap();
            assert_eq!(decoded, bytes);
            assert!(decoded.capacity() >= n + 77, "{n}");
        }
    }

    #[test]
    fn encodes_like_the_crate() {
        crate::simd::both_paths(encodes_like_the_crate_once);
    }

    #[test]
    fn refuses_what_the_crate_refuses_with_its_words() {
        crate::simd::both_paths(refuses_what_the_crate_refuses_once);
    }

    #[test]
    fn longer_texts_with_one_change() {
        crate::simd::both_paths(longer_texts_with_one_change_once);
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
