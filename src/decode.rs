//! Decoding a signature without the key: Base64, the MAC, the original text and its parameters.
//!
//! Accepts what every official sample emits: Node's `querystring` (`%20`), PHP's
//! `http_build_query` and Python's `urlencode` (`+` for space, `%7E`), unescaped concatenation
//! (Java, Go), any hex case and any parameter order. Unknown parameters are kept.
//!
//! The signed text is parsed in one pass over blocks of 16 bytes, each classified at once: where
//! its `&` and `=` are (visited one by one), whether it has a `%` or `+` (so whether a key or
//! value needs decoding), and whether it has bytes that are not ASCII. Keys and values without
//! escapes stay in the decoded signature; the others are percent-decoded into room after the text,
//! in the same buffer.

use core::fmt;

use crate::b64;
use crate::error::{Error, ErrorKind, Result};
use crate::mac::MAC_LEN;
use crate::params::{Param, ParamType, check_window, shown};
use crate::simd::classify::{Classes, classify};

/// A decoded signature: the MAC, the signed text and its parameters.
///
/// Decoding checks the format and each parameter's own rule (types, ranges, lengths); it does not
/// check the MAC (that needs the key: see [`Verifier`](crate::Verifier)) nor the time window.
#[derive(Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The decoded signature (the MAC, then the original text, which ends at `text_end`), then
    /// the percent-decoded text of the keys and values that have escapes: one allocation.
    bytes: Vec<u8>,
    text_end: usize,
    /// Each pair's key and value.
    ///
    /// Invariant (what [`Decoded::text`] relies on): the original text is UTF-8, and so is the
    /// text of every span.
    pairs: Vec<[Span; 2]>,
    /// For each [`Param`], the index of its pair (below [`MAX_PARAMS`]).
    known: [Option<u8>; Param::ALL.len()],
    /// For each integer [`Param`], its value as 64 bits: every range fits `u64` but that of
    /// taskPriority, whose negative values are kept in two's complement (read back as `i64`).
    ints: [u64; Param::ALL.len()],
}

/// Where a decoded key or value lives: `buf[start..end]` when it has no escapes; otherwise, with
/// positions counted on from the end of `buf`, in `decoded`. In a [`Decoded`], where `decoded`
/// follows `buf` in one buffer, simply `bytes[start..end]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
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
fn check_utf8(text: &[u8]) -> Result<()> {
    match core::str::from_utf8(text) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::new(
            ErrorKind::NotUtf8,
            None,
            format_args!("the signed text is not UTF-8 (at byte {})", e.valid_up_to()),
        )),
    }
}

/// Decodes a signature. See [`Decoded`].
///
/// ```
/// let d = vodsign::decode("j3IeOdRPWwKegeytZdde4djeEStzZWNyZXRJZD1JYW1TZWNyZXRJZCZjdXJyZW50VGltZVN0YW1wPTE1NzEyMTUwOTUmZXhwaXJlVGltZT0xNTcxMzAxNDk1JnJhbmRvbT0yMjA2MjUmcHJvY2VkdXJlPSZjbGFzc0lkPTAmb25lVGltZVZhbGlkPTAmc291cmNlQ29udGV4dD0=")?;
/// assert_eq!(d.secret_id(), "IamSecretId");
/// assert_eq!(d.expire_time() - d.current_time_stamp(), 86_400);
/// assert_eq!(d.procedure(), Some(""));
/// # Ok::<(), vodsign::Error>(())
/// ```
pub fn decode(signature: &str) -> Result<Decoded> {
    // Capacity for the decoded keys and values too (see `parse`).
    let buf = b64::decode(signature.as_bytes(), signature.len() / 4 * 3 + 16).map_err(|e| {
        Error::new(ErrorKind::NotBase64, None, format_args!("signature is not standard padded Base64: {e}"))
    })?;
    if buf.len() <= MAC_LEN {
        return Err(Error::new(
            ErrorKind::TooShort,
            None,
            format_args!(
                "signature decodes to {} bytes; needs at least {} (a {MAC_LEN}-byte MAC and the parameters)",
                buf.len(),
                MAC_LEN + 1
            ),
        ));
    }
    Decoded::parse(buf)
}

impl Decoded {
    /// Parses the decoded signature `bytes` (the MAC, then the signed text). The decoded keys and
    /// values go after the text, in room as long as the text and 16 bytes more (decoding never
    /// lengthens a text, and `unescape_into` may store 16 bytes at the end).
    fn parse(mut bytes: Vec<u8>) -> Result<Decoded> {
        let text_end = bytes.len();
        if u32::try_from(text_end).is_err() {
            check_utf8(&bytes[MAC_LEN..])?;
            return Err(Error::new(ErrorKind::MalformedQuery, None, format_args!("the signed text is longer than 4 GiB")));
        }
        bytes.resize(2 * text_end - MAC_LEN + 16, 0);
        let (buf, decoded) = bytes.split_at_mut(text_end);
        let mut parser = Parser {
            buf,
            ascii: true,
            decoded,
            used: 0,
            key: None,
            pairs: Vec::with_capacity(16),
            known: [None; Param::ALL.len()],
        };
        if let Err(fault) = parser.run() {
            return Err(parser.error(fault));
        }
        if !parser.ascii {
            check_utf8(&parser.buf[MAC_LEN..])?;
        }
        let Parser { used, pairs, known, .. } = parser;
        bytes.truncate(text_end + used);
        let mut d = Decoded { bytes, text_end, pairs, known, ints: [0; Param::ALL.len()] };
        for p in Param::REQUIRED {
            if d.known[p as usize].is_none() {
                return Err(Error::at(ErrorKind::MissingParameter, p.name(), format_args!("{} is missing", p.name())));
            }
        }
        for p in Param::ALL {
            let Some(value) = d.get_param(p) else { continue };
            match p.ty() {
                // An optional integer may be empty (`vodSubAppId=`, as real signers emit it): kept
                // in the parameter list, not set for the typed accessors (see `int`).
                ParamType::Integer { .. } if value.is_empty() && !p.is_required() => {}
                ParamType::Integer { .. } => d.ints[p as usize] = p.parse_int(value)? as u64,
                ParamType::String => p.check_str(value)?,
            }
        }
        Ok(d)
    }

    #[inline(never)]
    fn text(&self, span: Span) -> &str {
        let bytes = &self.bytes[span.start..span.end];
        debug_assert!(core::str::from_utf8(bytes).is_ok());
        // SAFETY: the invariant of `pairs`, which `parse` establishes before making a `Decoded`:
        // it checks that the original text is UTF-8 (while parsing when it is ASCII, after
        // otherwise); a key or value without escapes is delimited by `&`, `=` (ASCII) or the ends
        // of the text, so it is UTF-8 too; decoded text is checked as it is made (`unescape`).
        unsafe { core::str::from_utf8_unchecked(bytes) }
    }

    /// The 20-byte HMAC-SHA1 at the front of the signature.
    pub fn mac(&self) -> [u8; MAC_LEN] {
        let mut mac = [0u8; MAC_LEN];
        mac.copy_from_slice(&self.bytes[..MAC_LEN]);
        mac
    }

    /// The signed text: the query string exactly as it was signed.
    pub fn original(&self) -> &str {
        self.text(Span { start: MAC_LEN, end: self.text_end })
    }

    /// Every parameter in the order it appears, percent-decoded, unknown ones included.
    pub fn params(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.pairs.iter().map(|[k, v]| (self.text(*k), self.text(*v)))
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no parameters (never true for a decoded signature).
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The `index`th parameter as (key, value).
    pub fn param_at(&self, index: usize) -> Option<(&str, &str)> {
        self.pairs.get(index).map(|[k, v]| (self.text(*k), self.text(*v)))
    }

    /// The value of the parameter with this wire name, known or not.
    pub fn get(&self, name: &str) -> Option<&str> {
        match Param::from_name(name) {
            Some(p) => self.get_param(p),
            None => self.params().find(|(k, _)| *k == name).map(|(_, v)| v),
        }
    }

    /// The value text of a known parameter.
    pub fn get_param(&self, p: Param) -> Option<&str> {
        self.known[p as usize].map(|i| self.text(self.pairs[i as usize][1]))
    }

    /// The value of an optional integer parameter; `None` when absent or empty.
    fn int(&self, p: Param) -> Option<u64> {
        let [_, value] = self.pairs[usize::from(self.known[p as usize]?)];
        (value.end > value.start).then_some(self.ints[p as usize])
    }

    /// `secretId`.
    pub fn secret_id(&self) -> &str {
        self.get_param(Param::SecretId).unwrap_or_default()
    }
    /// `currentTimeStamp`.
    pub fn current_time_stamp(&self) -> u64 {
        self.ints[Param::CurrentTimeStamp as usize]
    }
    /// `expireTime`.
    pub fn expire_time(&self) -> u64 {
        self.ints[Param::ExpireTime as usize]
    }
    /// `random` (up to 2^32, which the documented Node sample can produce).
    pub fn random(&self) -> u64 {
        self.ints[Param::Random as usize]
    }
    /// `procedure`, if present.
    pub fn procedure(&self) -> Option<&str> {
        self.get_param(Param::Procedure)
    }
    /// `classId`, if present and not empty.
    pub fn class_id(&self) -> Option<u64> {
        self.int(Param::ClassId)
    }
    /// `oneTimeValid`, if present and not empty (0 or 1).
    pub fn one_time_valid(&self) -> Option<u8> {
        self.int(Param::OneTimeValid).map(|v| v as u8)
    }
    /// `sourceContext`, if present.
    pub fn source_context(&self) -> Option<&str> {
        self.get_param(Param::SourceContext)
    }
    /// `taskPriority`, if present and not empty (-10 to 10).
    pub fn task_priority(&self) -> Option<i64> {
        self.int(Param::TaskPriority).map(|v| v as i64)
    }
    /// `taskNotifyMode`, if present.
    pub fn task_notify_mode(&self) -> Option<&str> {
        self.get_param(Param::TaskNotifyMode)
    }
    /// `vodSubAppId`, if present and not empty (an empty one means the primary application).
    pub fn vod_sub_app_id(&self) -> Option<u64> {
        self.int(Param::VodSubAppId)
    }
    /// `sessionContext`, if present.
    pub fn session_context(&self) -> Option<&str> {
        self.get_param(Param::SessionContext)
    }
    /// `storageRegion`, if present.
    pub fn storage_region(&self) -> Option<&str> {
        self.get_param(Param::StorageRegion)
    }

    /// Seconds until `expireTime`, 0 once it has passed: how long a client may still use the
    /// signature (fetch a fresh one before starting a long upload when this is small).
    pub fn seconds_left(&self, now: u64) -> u64 {
        self.expire_time().saturating_sub(now)
    }

    /// Checks the time window at `now`: expireTime after currentTimeStamp and at most 90 days
    /// later, currentTimeStamp no later than `now + skew`, and `now` before expireTime.
    pub fn check_time(&self, now: u64, skew: u64) -> Result<()> {
        let (cts, exp) = (self.current_time_stamp(), self.expire_time());
        check_window(cts, exp)?;
        if cts > now.saturating_add(skew) {
            return Err(Error::new(
                ErrorKind::NotYetValid,
                None,
                format_args!("currentTimeStamp {cts} is {} seconds after now ({now}); at most {skew} allowed", cts - now),
            ));
        }
        if now >= exp {
            return Err(Error::new(
                ErrorKind::Expired,
                None,
                format_args!("expired at {exp}, {} seconds before now ({now})", now - exp),
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for Decoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoded")
            .field("mac", &self.mac())
            .field("original", &self.original())
            .field("params", &self.params().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a decode gives, in a form both parsers can fill in.
    #[derive(Debug, PartialEq, Eq)]
    struct Outcome {
        mac: [u8; MAC_LEN],
        original: String,
        params: Vec<(String, String)>,
        /// For each parameter, its value text and 64-bit value.
        values: Vec<Option<(String, u64)>>,
    }

    fn outcome(d: &Decoded) -> Outcome {
        Outcome {
            mac: d.mac(),
            original: d.original().to_string(),
            params: d.params().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            values: Param::ALL.iter().map(|&p| d.get_param(p).map(|v| (v.to_string(), d.ints[p as usize]))).collect(),
        }
    }

    /// The parser this module had before the one-pass scan, kept as the reference: the new one
    /// must accept and refuse the same inputs, with the same errors.
    mod reference {
        use super::Outcome;
        use crate::error::{Error, ErrorKind, Result};
        use crate::mac::MAC_LEN;
        use crate::params::{Param, ParamType, shown};
        use std::ops::Range;

        #[derive(Clone, Copy)]
        struct Span {
            escaped: bool,
            start: u32,
            end: u32,
        }

        fn span_text<'a>(original: &'a str, unescaped: &'a str, span: Span) -> &'a str {
            let src = if span.escaped { unescaped } else { original };
            &src[span.start as usize..span.end as usize]
        }

        fn unescape(text: &str, range: Range<usize>, buf: &mut String, key: Option<Span>) -> Result<Span> {
            let s = &text.as_bytes()[range.clone()];
            if !s.iter().any(|&b| b == b'%' || b == b'+') {
                return Ok(Span { escaped: false, start: range.start as u32, end: range.end as u32 });
            }
            let mut bytes = Vec::with_capacity(s.len());
            let mut i = 0;
            while i < s.len() {
                match s[i] {
                    b'+' => bytes.push(b' '),
                    b'%' => {
                        let hex = |b: u8| (b as char).to_digit(16);
                        match (s.get(i + 1).copied().and_then(hex), s.get(i + 2).copied().and_then(hex)) {
                            (Some(h), Some(l)) => bytes.push((h * 16 + l) as u8),
                            _ => {
                                return Err(escape_error(key.map(|k| span_text(text, buf, k)), Some(range.start + i)));
                            }
                        }
                        i += 2;
                    }
                    b => bytes.push(b),
                }
                i += 1;
            }
            let decoded =
                String::from_utf8(bytes).map_err(|_| escape_error(key.map(|k| span_text(text, buf, k)), None))?;
            let start = buf.len() as u32;
            buf.push_str(&decoded);
            Ok(Span { escaped: true, start, end: buf.len() as u32 })
        }

        fn escape_error(key: Option<&str>, at: Option<usize>) -> Error {
            let what = match key {
                Some(k) => format!("the value of {}", shown(k)),
                None => "a key".to_string(),
            };
            match at {
                Some(byte) => Error::new(
                    ErrorKind::MalformedQuery,
                    None,
                    format_args!(
                        "bad percent escape in {what} at byte {byte} of the signed text; '%' must be followed by two hex digits"
                    ),
                ),
                None => Error::new(
                    ErrorKind::NotUtf8,
                    None,
                    format_args!("{what} percent-decodes to bytes that are not UTF-8"),
                ),
            }
        }

        pub(super) fn decode(signature: &str) -> Result<Outcome> {
            let mut raw = crate::b64::decode(signature.as_bytes(), 0).map_err(|e| {
                Error::new(ErrorKind::NotBase64, None, format_args!("signature is not standard padded Base64: {e}"))
            })?;
            if raw.len() <= MAC_LEN {
                return Err(Error::new(
                    ErrorKind::TooShort,
                    None,
                    format_args!(
                        "signature decodes to {} bytes; needs at least {} (a {MAC_LEN}-byte MAC and the parameters)",
                        raw.len(),
                        MAC_LEN + 1
                    ),
                ));
            }
            let mut mac = [0u8; MAC_LEN];
            mac.copy_from_slice(&raw[..MAC_LEN]);
            raw.drain(..MAC_LEN);
            let text = String::from_utf8(raw).map_err(|e| {
                Error::new(
                    ErrorKind::NotUtf8,
                    None,
                    format_args!("the signed text is not UTF-8 (at byte {})", e.utf8_error().valid_up_to()),
                )
            })?;
            let mut unescaped = String::new();
            let mut pairs: Vec<[Span; 2]> = Vec::new();
            let mut known = [None; Param::ALL.len()];
            let mut offset = 0;
            for segment in text.split('&') {
                let start = offset;
                offset += segment.len() + 1;
                if segment.is_empty() {
                    continue;
                }
                let (k, v) = match segment.find('=') {
                    Some(i) => (start..start + i, start + i + 1..start + segment.len()),
                    None => (start..start + segment.len(), start + segment.len()..start + segment.len()),
                };
                let key = unescape(&text, k, &mut unescaped, None)?;
                let value = unescape(&text, v, &mut unescaped, Some(key))?;
                let key_text = span_text(&text, &unescaped, key);
                let param = Param::from_name(key_text);
                let seen = match param {
                    Some(p) => known[p as usize].is_some(),
                    None => pairs.iter().any(|[k, _]| span_text(&text, &unescaped, *k) == key_text),
                };
                if seen {
                    return Err(Error::at(
                        ErrorKind::DuplicateParameter,
                        key_text,
                        format_args!("{} appears more than once", shown(key_text)),
                    ));
                }
                if pairs.len() == super::MAX_PARAMS {
                    return Err(Error::new(
                        ErrorKind::MalformedQuery,
                        None,
                        format_args!("the signed text has more than {} parameters", super::MAX_PARAMS),
                    ));
                }
                if let Some(p) = param {
                    known[p as usize] = Some(pairs.len());
                }
                pairs.push([key, value]);
            }
            for p in Param::REQUIRED {
                if known[p as usize].is_none() {
                    return Err(Error::at(ErrorKind::MissingParameter, p.name(), format_args!("{} is missing", p.name())));
                }
            }
            let get = |p: Param| known[p as usize].map(|i| span_text(&text, &unescaped, pairs[i][1]));
            let mut values = Vec::new();
            for p in Param::ALL {
                values.push(match get(p) {
                    None => None,
                    Some(value) => Some((
                        value.to_string(),
                        match p.ty() {
                            ParamType::Integer { .. } if value.is_empty() && !p.is_required() => 0,
                            ParamType::Integer { .. } => p.parse_int(value)? as u64,
                            ParamType::String => {
                                p.check_str(value)?;
                                0
                            }
                        },
                    )),
                });
            }
            let params = pairs
                .iter()
                .map(|[k, v]| (span_text(&text, &unescaped, *k).to_string(), span_text(&text, &unescaped, *v).to_string()))
                .collect();
            Ok(Outcome { mac, original: text, params, values })
        }
    }

    /// The signature of `text` with a MAC of 20 bytes of 0xA5.
    fn signature(text: &[u8]) -> String {
        let mut raw = vec![0xA5; MAC_LEN];
        raw.extend_from_slice(text);
        let mut out = Vec::new();
        crate::b64::encode_into(&raw, &mut out);
        String::from_utf8(out).unwrap()
    }

    /// Decodes `text` with both parsers; they must agree exactly (errors: kind, parameter, message).
    #[track_caller]
    fn same(text: &[u8]) -> Result<Outcome> {
        let sig = signature(text);
        let ours = decode(&sig).map(|d| outcome(&d));
        let theirs = reference::decode(&sig);
        let show = |r: &Result<Outcome>| match r {
            Ok(o) => format!("Ok({o:?})"),
            Err(e) => format!("Err({:?}, {:?}, {})", e.kind(), e.param(), e.message()),
        };
        assert_eq!(show(&ours), show(&theirs), "text {:?}", String::from_utf8_lossy(text));
        ours
    }

    /// [`same`], for the cases that may go either way.
    #[track_caller]
    fn check(text: &[u8]) {
        let _ = same(text);
    }

    const REQUIRED: &str = "secretId=AKID&currentTimeStamp=1700000000&expireTime=1700086400&random=7";

    fn with(extra: &str) -> Vec<u8> {
        format!("{REQUIRED}{extra}").into_bytes()
    }

    fn value_of(text: &[u8], key: &str) -> Option<String> {
        let o = same(text).unwrap_or_else(|e| panic!("{e}"));
        o.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

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

    #[test]
    fn escapes_across_the_16_byte_blocks() {
        // The text starts at byte 20 of the buffer: move an escape over every offset of two blocks.
        for pad in 0..40 {
            for esc in ["%41", "%e4%b8%ad", "+", "%2B%26%3d", "a+b%20c"] {
                let text = with(&format!("&sourceContext={}{esc}x&procedure={esc}", "p".repeat(pad)));
                let d = same(&text).unwrap();
                let decoded = esc.replace("%41", "A").replace("%e4%b8%ad", "中").replace('+', " ");
                let decoded = decoded.replace("%2B", "+").replace("%26", "&").replace("%3d", "=").replace("%20", " ");
                assert_eq!(d.values[Param::SourceContext as usize].as_ref().unwrap().0, format!("{}{decoded}x", "p".repeat(pad)));
                assert_eq!(d.values[Param::Procedure as usize].as_ref().unwrap().0, decoded);
            }
        }
    }

    #[test]
    fn percent_at_the_end() {
        for pad in 0..40 {
            let base = format!("&sourceContext={}", "q".repeat(pad));
            for tail in ["%", "%4", "%4g", "%g4", "%%41", "%41%", "%41%4", "+%", "%\u{e9}1"] {
                let e = same(&with(&format!("{base}{tail}"))).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::MalformedQuery, "{tail}: {e}");
                // The same inside the text, before another pair.
                check(&with(&format!("{base}{tail}&classId=1")));
            }
            // In a key, at the end and before the '='.
            check(&format!("{REQUIRED}&{}%", "k".repeat(pad)).into_bytes());
            check(&format!("{REQUIRED}&{}%4=1", "k".repeat(pad)).into_bytes());
            check(&format!("{}%4&{REQUIRED}", "k".repeat(pad)).into_bytes());
        }
    }

    #[test]
    fn plus_is_a_space() {
        assert_eq!(value_of(&with("&sourceContext=a+b++c+"), "sourceContext").unwrap(), "a b  c ");
        assert_eq!(value_of(&with("&a+b=+"), "a b").unwrap(), " ");
        assert_eq!(value_of(&with("&x=%2B+"), "x").unwrap(), "+ ");
    }

    #[test]
    fn empty_keys_values_and_pairs() {
        for extra in [
            "&&", "&", "&=", "&==", "&=x", "&x=", "&x", "&&&x&&", "&x==y=", "&=%41", "&%41=", "&%41", "&+", "&+=+", "&=&=",
        ] {
            check(&with(extra));
            check(&format!("{extra}{REQUIRED}{extra}").into_bytes());
        }
        let o = same(&with("&&k&=v&w=&&k=")).unwrap_err();
        assert_eq!(o.kind(), ErrorKind::DuplicateParameter);
        let o = same(&with("&&k&=v&w=")).unwrap();
        assert_eq!(&o.params[4..], [("k".into(), "".into()), ("".into(), "v".into()), ("w".into(), "".into())]);
    }

    #[test]
    fn errors_come_in_the_same_order() {
        for text in [
            // Original not UTF-8, wherever the other problem is.
            &b"secretId=%zz&\xff"[..],
            b"\xff&secretId=%zz",
            b"a=%zz&a=1&b=\xc3",
            b"\xe4\xb8",
            // A bad escape in the key before bad UTF-8 in it, and the other way round.
            b"%ff%zz=1",
            b"%zz%ff=1",
            b"%ff=%zz",
            b"k=%ff%zz",
            b"k=%c3%a9%ff",
            b"%c3%a9=%c3%a9&%c3%a9=1",
            // Valid UTF-8 split by escapes and raw bytes.
            "k=%e4\u{b8}".as_bytes(),
            b"k=\xe4%b8%ad",
            "\u{4e2d}%e6%96%87=\u{4e2d}%e6%96%87".as_bytes(),
            // Duplicates, known and unknown, before the count.
            b"secretId=1&secretId=2",
            b"x=1&y&x",
            b"x=1&x=%zz",
            b"secre%74Id=a&secretId=b",
        ] {
            check(text);
            check(&[text, b"&", REQUIRED.as_bytes()].concat());
            check(&[REQUIRED.as_bytes(), b"&", text].concat());
        }
        let many = |n: usize| (0..n).map(|i| format!("&k{i}=%41")).collect::<String>();
        let e = same(&with(&many(61))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MalformedQuery);
        check(&with(&format!("{}&k0=1", many(60))));
        check(&with(&format!("{}&k0=%", many(60))));
        check(&with(&format!("{}&k0=%", many(61))));
        check(&with(&format!("{}&\u{e9}", many(61))));
        assert_eq!(same(&with(&many(60))).unwrap().params.len(), MAX_PARAMS);
    }

    #[test]
    fn long_texts() {
        let context = "uid=42&name=a b.mp4;".repeat(10);
        let escaped = context.replace('=', "%3D").replace('&', "%26").replace(' ', "%20").replace(';', "%3B");
        let text = with(&format!("&procedure=&classId=0&oneTimeValid=0&sourceContext={escaped}"));
        assert_eq!(value_of(&text, "sourceContext").unwrap(), context);
        // Long values, with and without escapes, and one over the limit.
        for n in [0, 1, 15, 16, 17, 249, 250, 251, 4000] {
            check(&with(&format!("&sourceContext={}", "%E4%B8%AD".repeat(n))));
            check(&with(&format!("&sourceContext={}", "\u{4e2d}".repeat(n))));
            check(&with(&format!("&unknown={}&sessionContext={}", "+".repeat(n), "ab".repeat(n))));
            check(&with(&format!("&{}=1", "%41".repeat(n))));
        }
        check(&with(&format!("&x={}", "%41".repeat(100_000))));
    }

    /// Random texts built from the pieces that matter.
    #[test]
    fn agrees_with_the_reference() {
        const CLEAN: &[&str] = &[
            "&", "&", "=", "+", "%41", "%3D", "%26", "%2b", "%e4%b8%ad", "%C3%A9", "a", "0", "7", "-3", "x y", "\u{4e2d}",
            "\u{e9}", "secretId", "currentTimeStamp", "expireTime", "random", "procedure", "classId", "oneTimeValid",
            "sourceContext", "taskPriority", "taskNotifyMode", "vodSubAppId", "sessionContext", "storageRegion", "Finish",
            "ap-guangzhou", "1700000000", "1700086400", "0123456789abcdef", "&k=", "&procedure=", "&sourceContext=",
            "&taskPriority=", "&storageRegion=",
        ];
        const DIRTY: &[&str] = &["%", "%4", "%g1", "%C3", "%a9", "%ff", "\u{e9}%"];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..40_000 {
            let mut text = Vec::new();
            if round % 4 != 0 {
                text.extend_from_slice(REQUIRED.as_bytes());
            }
            // One round in three may break the text (bad escapes, bytes that are not UTF-8).
            let dirty = round % 3 == 0;
            for _ in 0..next() % 40 {
                let r = next();
                match r % 64 {
                    0 if dirty => text.push((r >> 8) as u8),
                    1..=4 if dirty => text.extend_from_slice(DIRTY[(r >> 8) as usize % DIRTY.len()].as_bytes()),
                    _ => text.extend_from_slice(CLEAN[(r >> 8) as usize % CLEAN.len()].as_bytes()),
                }
            }
            check(&text);
        }
    }
}
