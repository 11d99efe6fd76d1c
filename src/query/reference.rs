//! The parser decoding had before the one-pass block scan, kept as a test oracle: the current
//! parser ([`super::parse`]) must accept and refuse the same inputs, with the same errors
//! (kind, parameter and message). Straightforward on purpose: split on `&`, then on the first `=`.

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

pub(crate) fn decode(signature: &str) -> Result<Outcome> {
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
        if pairs.len() == crate::query::parse::MAX_PARAMS {
            return Err(Error::new(
                ErrorKind::MalformedQuery,
                None,
                format_args!("the signed text has more than {} parameters", crate::query::parse::MAX_PARAMS),
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

/// What a decode gives, in a form both parsers can fill in.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) mac: [u8; MAC_LEN],
    pub(crate) original: String,
    pub(crate) params: Vec<(String, String)>,
    /// For each parameter, its value text and 64-bit value.
    pub(crate) values: Vec<Option<(String, u64)>>,
}
