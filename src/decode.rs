//! Decoding a signature without the key: Base64, the MAC, then the signed text's parameters
//! (parsed by [`crate::query::parse`]) checked against the parameter table.
//!
//! Accepts what every official sample emits: Node's `querystring` (`%20`), PHP's
//! `http_build_query` and Python's `urlencode` (`+` for space, `%7E`), unescaped concatenation
//! (Python, Go), any hex case and any parameter order. Unknown parameters are kept.

use core::fmt;

use crate::b64;
use crate::error::{Error, ErrorKind, Result};
use crate::mac::MAC_LEN;
use crate::params::{Param, ParamType};
use crate::query::parse::{self, Pairs, Span, check_utf8};


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
    /// For each [`Param`], the index of its pair (below [`MAX_PARAMS`](crate::MAX_PARAMS)).
    known: [Option<u8>; Param::ALL.len()],
    /// For each integer [`Param`], its value as 64 bits: every range fits `u64` but that of
    /// taskPriority, whose negative values are kept in two's complement (read back as `i64`).
    ints: [u64; Param::ALL.len()],
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
    /// lengthens a text, and the parser reads a decoded key 16 bytes at a time).
    fn parse(mut bytes: Vec<u8>) -> Result<Decoded> {
        let text_end = bytes.len();
        if u32::try_from(text_end).is_err() {
            check_utf8(&bytes[MAC_LEN..])?;
            return Err(Error::new(ErrorKind::MalformedQuery, None, format_args!("the signed text is longer than 4 GiB")));
        }
        bytes.resize(2 * text_end - MAC_LEN + 16, 0);
        let (buf, decoded) = bytes.split_at_mut(text_end);
        let Pairs { pairs, known, used } = parse::parse(buf, decoded)?;
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

    use crate::query::parse::MAX_PARAMS;
    use crate::query::reference::{self, Outcome};

    fn outcome(d: &Decoded) -> Outcome {
        Outcome {
            mac: d.mac(),
            original: d.original().to_string(),
            params: d.params().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            values: Param::ALL.iter().map(|&p| d.get_param(p).map(|v| (v.to_string(), d.ints[p as usize]))).collect(),
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
