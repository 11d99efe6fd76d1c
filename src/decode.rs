//! Decoding a signature without the key: Base64, the MAC, the original text and its parameters.
//!
//! Accepts what every official sample emits: Node's `querystring` (`%20`), PHP's
//! `http_build_query` and Python's `urlencode` (`+` for space, `%7E`), unescaped concatenation
//! (Java, Go), any hex case and any parameter order. Unknown parameters are kept.

use std::ops::Range;

use crate::b64;
use crate::error::{Error, ErrorKind, Result};
use crate::mac::MAC_LEN;
use crate::params::{Param, ParamType, check_window, shown};

/// A decoded signature: the MAC, the signed text and its parameters.
///
/// Decoding checks the format and each parameter's own rule (types, ranges, lengths); it does not
/// check the MAC (that needs the key: see [`Verifier`](crate::Verifier)) nor the time window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    mac: [u8; MAC_LEN],
    original: String,
    /// Percent-decoded keys and values that differ from their text in `original`.
    unescaped: String,
    /// Each pair's key and value.
    pairs: Vec<[Span; 2]>,
    /// For each [`Param`], the index of its pair (below [`MAX_PARAMS`]).
    known: [Option<u8>; Param::ALL.len()],
    /// For each integer [`Param`], its value as 64 bits: every range fits `u64` but that of
    /// taskPriority, whose negative values are kept in two's complement (read back as `i64`).
    ints: [u64; Param::ALL.len()],
}

/// Where a decoded key or value lives: a slice of `original` or of `unescaped`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    escaped: bool,
    start: u32,
    end: u32,
}

/// The most parameters a signature may carry (13 are defined); more is refused as malformed,
/// which bounds the work an untrusted signature can cause.
pub const MAX_PARAMS: usize = 64;

fn span_text<'a>(original: &'a str, unescaped: &'a str, span: Span) -> &'a str {
    let src = if span.escaped { unescaped } else { original };
    &src[span.start as usize..span.end as usize]
}

/// Percent-decodes `text[range]` (`+` is a space) into `buf`, or keeps it in place when there is
/// nothing to decode. `key` is the span of the key when decoding a value (for the message).
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
                    _ => return Err(escape_error(key.map(|k| span_text(text, buf, k)), Some(range.start + i))),
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

/// The error for a bad percent escape at byte `at` of the signed text, or (`at` is `None`) for
/// escapes that decode to bytes that are not UTF-8: in a key, or in the value of the key `key`.
#[cold]
#[inline(never)]
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
        None => Error::new(ErrorKind::NotUtf8, None, format_args!("{what} percent-decodes to bytes that are not UTF-8")),
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
    let mut raw = b64::decode(signature.as_bytes()).map_err(|e| {
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
    let original = String::from_utf8(raw).map_err(|e| {
        Error::new(ErrorKind::NotUtf8, None, format_args!("the signed text is not UTF-8 (at byte {})", e.utf8_error().valid_up_to()))
    })?;
    Decoded::parse(mac, original)
}

impl Decoded {
    fn parse(mac: [u8; MAC_LEN], original: String) -> Result<Decoded> {
        if u32::try_from(original.len()).is_err() {
            return Err(Error::new(ErrorKind::MalformedQuery, None, format_args!("the signed text is longer than 4 GiB")));
        }
        let mut d = Decoded {
            mac,
            original,
            unescaped: String::new(),
            pairs: Vec::with_capacity(16),
            known: [None; Param::ALL.len()],
            ints: [0; Param::ALL.len()],
        };
        let text = core::mem::take(&mut d.original);
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
            let key = unescape(&text, k, &mut d.unescaped, None)?;
            let value = unescape(&text, v, &mut d.unescaped, Some(key))?;
            let key_text = span_text(&text, &d.unescaped, key);
            let param = Param::from_name(key_text);
            let seen = match param {
                Some(p) => d.known[p as usize].is_some(),
                // Unknown keys are rare: compare with the others (at most MAX_PARAMS).
                None => d.pairs.iter().any(|[k, _]| span_text(&text, &d.unescaped, *k) == key_text),
            };
            if seen {
                return Err(Error::at(
                    ErrorKind::DuplicateParameter,
                    key_text,
                    format_args!("{} appears more than once", shown(key_text)),
                ));
            }
            if d.pairs.len() == MAX_PARAMS {
                return Err(Error::new(
                    ErrorKind::MalformedQuery,
                    None,
                    format_args!("the signed text has more than {MAX_PARAMS} parameters"),
                ));
            }
            if let Some(p) = param {
                d.known[p as usize] = Some(d.pairs.len() as u8);
            }
            d.pairs.push([key, value]);
        }
        d.original = text;
        for p in Param::REQUIRED {
            if d.known[p as usize].is_none() {
                return Err(Error::at(ErrorKind::MissingParameter, p.name(), format_args!("{} is missing", p.name())));
            }
        }
        for p in Param::ALL {
            let Some(value) = d.get_param(p) else { continue };
            match p.ty() {
                ParamType::Integer { .. } => d.ints[p as usize] = p.parse_int(value)? as u64,
                ParamType::String => p.check_str(value)?,
            }
        }
        Ok(d)
    }

    fn text(&self, span: Span) -> &str {
        span_text(&self.original, &self.unescaped, span)
    }

    /// The 20-byte HMAC-SHA1 at the front of the signature.
    pub fn mac(&self) -> [u8; MAC_LEN] {
        self.mac
    }

    /// The signed text: the query string exactly as it was signed.
    pub fn original(&self) -> &str {
        &self.original
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

    fn int(&self, p: Param) -> Option<u64> {
        self.known[p as usize].map(|_| self.ints[p as usize])
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
    /// `classId`, if present.
    pub fn class_id(&self) -> Option<u64> {
        self.int(Param::ClassId)
    }
    /// `oneTimeValid`, if present (0 or 1).
    pub fn one_time_valid(&self) -> Option<u8> {
        self.int(Param::OneTimeValid).map(|v| v as u8)
    }
    /// `sourceContext`, if present.
    pub fn source_context(&self) -> Option<&str> {
        self.get_param(Param::SourceContext)
    }
    /// `taskPriority`, if present (-10 to 10).
    pub fn task_priority(&self) -> Option<i64> {
        self.int(Param::TaskPriority).map(|v| v as i64)
    }
    /// `taskNotifyMode`, if present.
    pub fn task_notify_mode(&self) -> Option<&str> {
        self.get_param(Param::TaskNotifyMode)
    }
    /// `vodSubAppId`, if present.
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
