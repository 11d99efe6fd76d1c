//! Parsing a signed text as Node's `querystring.parse` reads it, with the strictness a signature
//! needs: `&`-separated pairs, the first `=` splits key from value, `%XX` (any hex case) and `+`
//! (a space) are decoded, empty segments are skipped, a segment without `=` has an empty value.
//! Unlike Node, a bad escape, a key seen twice, more than [`MAX_PARAMS`] pairs and text that is
//! not UTF-8 are errors (Node would pass them through or keep the last).
//!
//! The text is parsed in one pass over blocks of 16 bytes, each classified at once
//! ([`crate::simd::classify`]): where its `&` and `=` are (visited one by one), whether it has a
//! `%` or `+` (so whether a key or value needs decoding), and whether it has bytes that are not
//! ASCII. Keys and values without escapes stay where they are; the others are percent-decoded into
//! room after the text, in the same buffer.

use crate::error::{Error, ErrorKind, Result};
use crate::mac::MAC_LEN;
use crate::params::{Param, shown};
use crate::simd::classify::{Classes, classify};

/// Where a decoded key or value lives: `buf[start..end]` when it has no escapes; otherwise, with
/// positions counted on from the end of `buf`, in `decoded`. In a [`Decoded`](crate::Decoded), where `decoded`
/// follows `buf` in one buffer, simply `bytes[start..end]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// The text of `span`: see [`Span`].
#[inline]
fn span_bytes<'a>(buf: &'a [u8], decoded: &'a [u8], span: Span) -> &'a [u8] {
    match span.start.checked_sub(buf.len()) {
        Some(start) => &decoded[start..span.end - buf.len()],
        None => &buf[span.start..span.end],
    }
}

/// The most parameters a signature may carry (13 are defined); more is refused as malformed,
/// which bounds the work an untrusted signature can cause.
pub const MAX_PARAMS: usize = 64;

/// The 16 bytes of `buf` from `at` (at most `buf.len()`), zeros after its end.
#[inline]
fn block(buf: &[u8], at: usize) -> [u8; 16] {
    match buf.get(at..at + 16) {
        Some(bytes) => bytes.try_into().unwrap_or_default(),
        None => last_block(buf, at),
    }
}

/// [`block`] near the end: `buf` has at least 16 bytes (a decoded signature starts with the
/// MAC), so the last 16, shifted.
#[inline(never)]
fn last_block(buf: &[u8], at: usize) -> [u8; 16] {
    let last = buf.len().saturating_sub(16);
    let word = u128::from_le_bytes(buf.get(last..).and_then(|b| b.try_into().ok()).unwrap_or_default());
    word.checked_shr(8 * at.saturating_sub(last) as u32).unwrap_or(0).to_le_bytes()
}

/// The value of a hex digit, any case.
#[inline]
fn hex(b: u8) -> Option<u8> {
    let digit = b.wrapping_sub(b'0');
    let letter = (b | 0x20).wrapping_sub(b'a');
    if digit < 10 {
        Some(digit)
    } else if letter < 6 {
        Some(letter + 10)
    } else {
        None
    }
}

/// Percent-decodes `buf[start..end]` (`+` is a space) into `out`; returns the length written
/// and the decoded bytes OR-ed together (for the UTF-8 check).
fn unescape_into(buf: &[u8], start: usize, end: usize, out: &mut [u8]) -> Parsed<(usize, u8)> {
    let src = buf.get(start..end).unwrap_or_default();
    let (mut i, mut len, mut high) = (0, 0, 0);
    while let (Some(&b), Some(dst)) = (src.get(i), out.get_mut(len)) {
        *dst = match b {
            b'+' => b' ',
            b'%' => match (src.get(i + 1).copied().and_then(hex), src.get(i + 2).copied().and_then(hex)) {
                (Some(h), Some(l)) => {
                    i += 2;
                    h << 4 | l
                }
                _ => return Err(Fault::BadEscape(start + i)),
            },
            b => b,
        };
        high |= *dst;
        (i, len) = (i + 1, len + 1);
    }
    Ok((len, high))
}

/// A problem found while parsing the signed text, about the current key or, when
/// [`Parser::key`] is set, the value of that key (made into an [`Error`] by [`Parser::error`]).
enum Fault {
    /// A `%` not followed by two hex digits, at this position of `buf`.
    BadEscape(usize),
    /// Escapes that decode to bytes that are not UTF-8.
    NotUtf8,
    /// A key seen before.
    Duplicate,
    /// More than [`MAX_PARAMS`] pairs.
    TooMany,
}

type Parsed<T> = core::result::Result<T, Fault>;

/// The pairs of a signed text, as they are parsed. Positions are in `buf`.
struct Parser<'a> {
    /// The decoded signature: the MAC, then the text.
    buf: &'a [u8],
    /// Whether the text is ASCII, as far as it has been classified.
    ascii: bool,
    /// Room for the decoded keys and values (after `buf` in the same allocation), and how much of
    /// it is used. It is at least 16 bytes long, so that [`block`] can read a decoded key.
    decoded: &'a mut [u8],
    used: usize,
    /// The key of the current pair, once decoded.
    key: Option<Span>,
    pairs: Vec<[Span; 2]>,
    known: [Option<u8>; Param::ALL.len()],
}

impl Parser<'_> {
    /// Parses the whole text.
    fn run(&mut self) -> Parsed<()> {
        let buf = self.buf;
        // The current pair's start, its first '=' and whether the key before it has escapes;
        // whether the current key or value has escapes in the blocks before this one.
        let (mut pair, mut equals, mut key_escapes, mut carry) = (MAC_LEN, None, false, false);
        let mut pos = MAC_LEN;
        while pos < buf.len() {
            let Classes { mut bounds, escapes, high } = classify(block(buf, pos));
            self.ascii &= !high;
            // Where the current key or value starts in this block.
            let mut from = 0;
            while bounds != 0 {
                let i = bounds.trailing_zeros();
                bounds &= bounds - 1;
                let at = pos + i as usize;
                let escaped = carry || (escapes & ((1 << i) - 1)) >> from != 0;
                if buf.get(at) == Some(&b'&') {
                    self.pair(pair, equals, key_escapes, at, escaped)?;
                    (pair, equals) = (at + 1, None);
                } else if equals.is_none() {
                    (equals, key_escapes) = (Some(at), escaped);
                } else {
                    // A '=' in a value.
                    continue;
                }
                (from, carry) = (i + 1, false);
            }
            carry |= escapes >> from != 0;
            pos += 16;
        }
        self.pair(pair, equals, key_escapes, buf.len(), carry)
    }

    /// Adds the pair `buf[start..end]`, whose first '=' (if any) is at `equals`.
    #[inline]
    fn pair(&mut self, start: usize, equals: Option<usize>, key_escapes: bool, end: usize, escaped: bool) -> Parsed<()> {
        if end == start {
            return Ok(());
        }
        self.key = None;
        let (key_end, key_escapes) = match equals {
            Some(e) => (e, key_escapes),
            None => (end, escaped),
        };
        let key = self.part(start, key_end, key_escapes)?;
        self.key = Some(key);
        // Without '=', the value is empty (at the end of the pair).
        let value = self.part(end.min(key_end + 1), end, escaped && equals.is_some())?;
        let param = match key.start.checked_sub(self.buf.len()) {
            None => Param::from_block(block(self.buf, key.start), key.end - key.start),
            Some(at) => Param::from_block(block(self.decoded, at), key.end - key.start),
        };
        let seen = match param {
            Some(p) => self.known[p as usize].is_some(),
            None => self.seen(key),
        };
        if seen {
            return Err(Fault::Duplicate);
        }
        if self.pairs.len() == MAX_PARAMS {
            return Err(Fault::TooMany);
        }
        if let Some(p) = param {
            self.known[p as usize] = Some(self.pairs.len() as u8);
        }
        self.pairs.push([key, value]);
        Ok(())
    }

    /// The span of the key or value `buf[start..end]`, percent-decoded if it has escapes.
    #[inline]
    fn part(&mut self, start: usize, end: usize, escaped: bool) -> Parsed<Span> {
        if escaped { self.unescape(start, end) } else { Ok(Span { start, end }) }
    }

    /// Percent-decodes `buf[start..end]` (`+` is a space) to the end of `decoded`.
    #[inline(never)]
    fn unescape(&mut self, start: usize, end: usize) -> Parsed<Span> {
        let buf = self.buf;
        let first = self.used;
        let out = self.decoded.get_mut(first..).unwrap_or_default();
        let (len, high) = unescape_into(buf, start, end, out)?;
        let decoded = out.get(..len).unwrap_or_default();
        // ASCII decoded from ASCII is UTF-8: check only what may not be.
        if (high >= 0x80 || !self.ascii) && core::str::from_utf8(decoded).is_err() {
            return Err(Fault::NotUtf8);
        }
        self.used = first + len;
        Ok(Span { start: buf.len() + first, end: buf.len() + first + len })
    }

    /// Whether an unknown key is among the keys before it. Unknown keys are rare: this
    /// compares with each (at most MAX_PARAMS).
    #[inline(never)]
    fn seen(&self, key: Span) -> bool {
        self.pairs.iter().any(|[k, _]| self.bytes(*k) == self.bytes(key))
    }

    #[inline(never)]
    fn bytes(&self, span: Span) -> &[u8] {
        span_bytes(self.buf, self.decoded, span)
    }

    /// The error for `fault`, unless the original text is not UTF-8 (found first, as if the
    /// whole text had been checked before parsing).
    #[cold]
    #[inline(never)]
    fn error(&self, fault: Fault) -> Error {
        if let Err(e) = check_utf8(&self.buf[MAC_LEN..]) {
            return e;
        }
        let key = self.key.map(|k| core::str::from_utf8(self.bytes(k)).unwrap_or_default());
        // "a key", or "the value of" the key.
        let shown_key = key.map(shown);
        let (whose, key_shown) = match &shown_key {
            Some(k) => ("the value of ", k.as_str()),
            None => ("a key", ""),
        };
        match fault {
            Fault::BadEscape(at) => Error::new(
                ErrorKind::MalformedQuery,
                None,
                format_args!(
                    "bad percent escape in {whose}{key_shown} at byte {} of the signed text; '%' must be followed by two hex digits",
                    at - MAC_LEN
                ),
            ),
            Fault::NotUtf8 => {
                Error::new(ErrorKind::NotUtf8, None, format_args!("{whose}{key_shown} percent-decodes to bytes that are not UTF-8"))
            }
            Fault::Duplicate => Error::at(
                ErrorKind::DuplicateParameter,
                key.unwrap_or_default(),
                format_args!("{key_shown} appears more than once"),
            ),
            Fault::TooMany => Error::new(
                ErrorKind::MalformedQuery,
                None,
                format_args!("the signed text has more than {MAX_PARAMS} parameters"),
            ),
        }
    }
}

/// Checks that the signed text is UTF-8.
#[inline(never)]
pub(crate) fn check_utf8(text: &[u8]) -> Result<()> {
    match core::str::from_utf8(text) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::new(
            ErrorKind::NotUtf8,
            None,
            format_args!("the signed text is not UTF-8 (at byte {})", e.valid_up_to()),
        )),
    }
}

/// The pairs of a signed text: what [`parse`] gives.
pub(crate) struct Pairs {
    /// Each pair's key and value. Invariant: the text of every span is UTF-8.
    pub(crate) pairs: Vec<[Span; 2]>,
    /// For each [`Param`], the index of its pair.
    pub(crate) known: [Option<u8>; Param::ALL.len()],
    /// How much of the room after the text the decoded keys and values use.
    pub(crate) used: usize,
}

/// Parses the signed text of `buf` (the MAC, then the text), decoding escaped keys and values
/// into `decoded`, which must be at least as long as the text and 16 bytes more (decoding never
/// lengthens a text; [`block`] reads 16 bytes of a decoded key). Checks that the text is UTF-8.
pub(crate) fn parse(buf: &[u8], decoded: &mut [u8]) -> Result<Pairs> {
    let mut parser =
        Parser { buf, ascii: true, decoded, used: 0, key: None, pairs: Vec::with_capacity(16), known: [None; Param::ALL.len()] };
    if let Err(fault) = parser.run() {
        return Err(parser.error(fault));
    }
    if !parser.ascii {
        check_utf8(&buf[MAC_LEN..])?;
    }
    let Parser { used, pairs, known, .. } = parser;
    Ok(Pairs { pairs, known, used })
}


#[cfg(test)]
mod tests {
    use super::*;


    #[test]
    fn lookup_matches_from_name() {
        let find = |name: &[u8], then: &[u8]| {
            let buf = [&[0xA5; MAC_LEN][..], name, then].concat();
            Param::from_block(block(&buf, MAC_LEN), name.len())
        };
        for p in Param::ALL {
            let name = p.name().as_bytes();
            for then in [&b""[..], b"=1", b"&x=yyyyyyyyyyyyyyyyyyyyyyy"] {
                assert_eq!(find(name, then), Some(p));
                assert_eq!(find(&name[1..], then), None);
                assert_eq!(find(&name[..name.len() - 1], then), None);
                assert_eq!(find(&[name, b"x"].concat(), then), None);
            }
        }
        for name in ["", "s", "secretid", "SecretId", "secretIe", "sessionContexT", "\u{e9}\u{e9}", "currentTimeStampX"] {
            assert_eq!(find(name.as_bytes(), b"=1"), Param::from_name(name), "{name:?}");
        }
    }

    #[test]
    fn blocks_read_zeros_after_the_end() {
        for len in 16..60 {
            let buf: Vec<u8> = (1..=len as u8).collect();
            for at in 0..=len {
                let mut want = [0u8; 16];
                let n = (len - at).min(16);
                want[..n].copy_from_slice(&buf[at..at + n]);
                assert_eq!(block(&buf, at), want, "len {len} at {at}");
            }
        }
    }

    #[test]
    fn hex_digits() {
        for b in 0..=255u8 {
            assert_eq!(hex(b), (b as char).to_digit(16).map(|d| d as u8), "{b:#x}");
        }
    }
}
