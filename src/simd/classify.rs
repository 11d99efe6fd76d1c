//! The decoder's block scanner: which of 16 bytes are `&` or `=`, `%` or `+`, and whether any is
//! not ASCII. SSE2 on x86-64 (three compares and three `pmovmskb`); a byte loop elsewhere, which
//! the compiler does not turn into the same (it costs 1.68 times the instructions of a whole
//! decode: docs/decisions.md).

/// What [`classify`] finds in 16 bytes: bit `i` of a mask stands for byte `i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Classes {
    /// `&` and `=`.
    pub(crate) bounds: u32,
    /// `%` and `+`.
    pub(crate) escapes: u32,
    /// Whether any byte is not ASCII.
    pub(crate) high: bool,
}

/// Classifies 16 bytes.
#[inline]
pub(crate) fn classify(block: [u8; 16]) -> Classes {
    #[cfg(target_arch = "x86_64")]
    if super::sse2() {
        return classify_sse2(block);
    }
    classify_portable(block)
}

/// [`classify`] with SSE2.
#[cfg(target_arch = "x86_64")]
#[inline]
fn classify_sse2(block: [u8; 16]) -> Classes {
    use core::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    // SAFETY: SSE2 is part of the x86_64 baseline, so these intrinsics are always available, and
    // the unaligned load reads exactly the 16 bytes of `block`.
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast());
        let is = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
        Classes {
            bounds: _mm_movemask_epi8(_mm_or_si128(is(b'&'), is(b'='))) as u32,
            escapes: _mm_movemask_epi8(_mm_or_si128(is(b'%'), is(b'+'))) as u32,
            high: _mm_movemask_epi8(v) != 0,
        }
    }
}

/// [`classify`] one byte at a time.
#[inline]
fn classify_portable(block: [u8; 16]) -> Classes {
    let (mut bounds, mut escapes, mut high) = (0, 0, 0);
    for (i, b) in block.into_iter().enumerate() {
        bounds |= u32::from(b == b'&' || b == b'=') << i;
        escapes |= u32::from(b == b'%' || b == b'+') << i;
        high |= b;
    }
    Classes { bounds, escapes, high: high >= 0x80 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_switch_chooses_the_loop() {
        assert!(super::super::sse2());
        super::super::force_portable(true);
        assert!(!super::super::sse2());
        super::super::force_portable(false);
    }

    #[test]
    fn finds_the_special_bytes_on_both_paths() {
        super::super::both_paths(finds_the_special_bytes);
    }

    fn finds_the_special_bytes() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for round in 0..20_000 {
            let mut block = [0u8; 16];
            for b in &mut block {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Mostly the interesting bytes, sometimes any byte.
                *b = match seed % 8 {
                    0 => b'&',
                    1 => b'=',
                    2 => b'%',
                    3 => b'+',
                    4 => (seed >> 8) as u8,
                    _ => b'a' + (seed >> 8) as u8 % 26,
                };
            }
            if round == 0 {
                block = [0; 16];
            }
            let mask = |set: &[u8]| block.iter().enumerate().fold(0u32, |m, (i, b)| m | u32::from(set.contains(b)) << i);
            let want = Classes { bounds: mask(b"&="), escapes: mask(b"%+"), high: block.iter().any(|&b| b >= 0x80) };
            assert_eq!(classify(block), want, "{block:?}");
        }
    }
}
