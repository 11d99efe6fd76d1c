//! Classifying one answer: identical to the documented sample, server-compatible but encoded
//! differently (naming each difference), or one of the failures.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha1::Sha1;
use vodsign::{ErrorKind, Param, ParamType, check_window, decode};

use crate::escape::quoted;

/// The class of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Identical,
    Refused,
    Compatible,
    NotBase64,
    NotAQuery,
    BadMac,
    SignsRefused,
    WrongContent,
    RefusesAccepted,
    BadAnswer,
    Timeout,
    ChildExited,
    NotRun,
}

impl Class {
    pub const ALL: [Class; 13] = [
        Class::Identical,
        Class::Refused,
        Class::Compatible,
        Class::NotBase64,
        Class::NotAQuery,
        Class::BadMac,
        Class::SignsRefused,
        Class::WrongContent,
        Class::RefusesAccepted,
        Class::BadAnswer,
        Class::Timeout,
        Class::ChildExited,
        Class::NotRun,
    ];

    /// The stable code used in the JSON report.
    pub const fn code(self) -> &'static str {
        match self {
            Class::Identical => "identical",
            Class::Refused => "refused",
            Class::Compatible => "compatible",
            Class::NotBase64 => "not_base64",
            Class::NotAQuery => "not_a_query",
            Class::BadMac => "bad_mac",
            Class::SignsRefused => "signs_refused",
            Class::WrongContent => "wrong_content",
            Class::RefusesAccepted => "refuses_accepted",
            Class::BadAnswer => "bad_answer",
            Class::Timeout => "timeout",
            Class::ChildExited => "child_exited",
            Class::NotRun => "not_run",
        }
    }

    /// The row of the summary table.
    pub const fn label(self) -> &'static str {
        match self {
            Class::Identical => "identical to the documented sample",
            Class::Refused => "refused, as the server would",
            Class::Compatible => "server-compatible, encoded differently",
            Class::NotBase64 => "not Base64",
            Class::NotAQuery => "not a query string",
            Class::BadMac => "wrong MAC for the key",
            Class::SignsRefused => "signs what the server refuses",
            Class::WrongContent => "signs other parameters than asked",
            Class::RefusesAccepted => "refuses what the server accepts",
            Class::BadAnswer => "answer is not a protocol line",
            Class::Timeout => "no answer in time",
            Class::ChildExited => "child exited before answering",
            Class::NotRun => "not run (the child stopped answering)",
        }
    }

    /// Server-compatible: the server accepts what was answered (or refusal was right).
    pub const fn passes(self) -> bool {
        matches!(self, Class::Identical | Class::Refused | Class::Compatible)
    }

    /// Byte-identical to the documented sample (or refusal was right).
    pub const fn passes_strict(self) -> bool {
        matches!(self, Class::Identical | Class::Refused)
    }
}

/// A finding about an answer: a stable code and one sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub code: &'static str,
    pub message: String,
}

fn note(code: &'static str, message: impl Into<String>) -> Note {
    Note { code, message: message.into() }
}

/// The verdict on one answer.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub class: Class,
    /// For a compatible answer, the differences from the documented sample; otherwise what is
    /// wrong (the first note explains the class).
    pub notes: Vec<Note>,
}

impl Verdict {
    pub fn new(class: Class, notes: Vec<Note>) -> Self {
        Verdict { class, notes }
    }
}

/// The difference codes a compatible answer may carry, with their table labels.
pub const DIFFERENCES: [(&str, &str); 13] = [
    ("plus_for_space", "+ for a space"),
    ("tilde_escaped", "%7E for ~"),
    ("sub_delims_escaped", "! * ' ( ) escaped"),
    ("unreserved_escaped", "other unreserved characters escaped"),
    ("unescaped_reserved", "reserved characters left unescaped"),
    ("unescaped_non_ascii", "non-ASCII left unescaped (raw UTF-8)"),
    ("lowercase_hex", "lowercase hex in escapes"),
    ("parameter_order", "parameter order"),
    ("parameters_emitted", "parameters emitted with default values"),
    ("parameters_left_out", "parameters left out (empty or default)"),
    ("unknown_parameters", "parameters that are not signature parameters"),
    ("number_format", "numbers written differently"),
    ("empty_segments", "empty segments (&&)"),
];

/// A compatible text that differs in a way none of the named differences explains.
pub const OTHER_DIFFERENCE: &str = "other_difference";

/// What an answer is checked against.
pub struct Against<'a> {
    /// The key the signature must be made with.
    pub key: &'a [u8],
    /// The documented sample's text for the request, when known.
    pub original: Option<&'a str>,
    /// The parameters asked for, when known.
    pub asked: Option<&'a [(String, Value)]>,
}

/// The HMAC-SHA1 of `text` under `key`.
fn mac(key: &[u8], text: &[u8]) -> [u8; 20] {
    let mut m = <Hmac<Sha1> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    m.update(text);
    m.finalize().into_bytes().into()
}

/// Checks a signature against the key and, where known, the documented text and the
/// parameters asked for.
pub fn check_signature(sig: &str, with: &Against<'_>) -> Verdict {
    let bytes = match STANDARD.decode(sig) {
        Ok(b) => b,
        Err(_) => return Verdict::new(Class::NotBase64, vec![note("not_base64", base64_diagnosis(sig))]),
    };
    if bytes.len() <= 20 {
        return Verdict::new(
            Class::NotAQuery,
            vec![note("too_short", format!("decodes to {} bytes: no room for a 20-byte MAC and a query", bytes.len()))],
        );
    }
    let (tag, text) = bytes.split_at(20);
    let mac_ok = mac(with.key, text) == tag;
    let mut wrong: Vec<(Class, Note)> = Vec::new();
    if !mac_ok {
        let why = match with.original {
            Some(o) if o.as_bytes() == text => {
                "the text is byte-identical to the documented sample's, so the MAC was made with another key or another hash".to_string()
            }
            Some(o) if mac(with.key, o.as_bytes()) == tag => {
                "the MAC is that of the documented sample's text, but other text is appended after it".to_string()
            }
            _ => "the first 20 bytes are not the HMAC-SHA1 of the text after them under the key".to_string(),
        };
        wrong.push((Class::BadMac, note("bad_mac", why)));
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return pick(wrong, Class::NotAQuery, note("not_utf8", "the text after the MAC is not UTF-8"));
    };
    let d = match decode(sig) {
        Ok(d) => d,
        Err(e) => {
            let class = match e.kind() {
                ErrorKind::MalformedQuery | ErrorKind::NotUtf8 | ErrorKind::TooShort | ErrorKind::NotBase64 => Class::NotAQuery,
                _ => Class::SignsRefused,
            };
            let mut message = e.message().to_string();
            if e.kind() == ErrorKind::NotAnInteger && e.message().contains('.') {
                message.push_str(" (a fractional number; the server takes whole seconds and integers only)");
            }
            return pick(wrong, class, note(e.kind().code(), message));
        }
    };
    if let Err(e) = check_window(d.current_time_stamp(), d.expire_time()) {
        wrong.push((Class::SignsRefused, note(e.kind().code(), e.message())));
    }
    let mut diffs = Vec::new();
    if let Some(asked) = with.asked {
        content(&d, asked, &mut wrong, &mut diffs);
    }
    for (k, _) in d.params() {
        if Param::from_name(k).is_none() {
            diffs.push(note("unknown_parameters", format!("{} is not a signature parameter", quoted(k))));
        }
    }
    let canonical;
    let expected = match with.original {
        Some(o) => o,
        None => {
            canonical = canonical_text(&d);
            &canonical
        }
    };
    if text != expected {
        encoding(text, expected, &mut diffs);
    }
    if let Some(first) = wrong.iter().map(|(c, _)| *c).min() {
        let mut notes: Vec<Note> = wrong.iter().filter(|(c, _)| *c == first).map(|(_, n)| n.clone()).collect();
        notes.extend(wrong.into_iter().filter(|(c, _)| *c != first).map(|(_, n)| n));
        return Verdict::new(first, notes);
    }
    if text == expected {
        return Verdict::new(Class::Identical, Vec::new());
    }
    if diffs.is_empty() {
        diffs.push(note(OTHER_DIFFERENCE, format!("the text differs from the documented sample's: {}", quoted(&clip(text, 200)))));
    }
    merge(&mut diffs);
    Verdict::new(Class::Compatible, diffs)
}

/// The verdict when one more finding of `class` joins those found so far.
fn pick(mut wrong: Vec<(Class, Note)>, class: Class, n: Note) -> Verdict {
    wrong.push((class, n));
    wrong.sort_by_key(|(c, _)| *c);
    let first = wrong[0].0;
    Verdict::new(first, wrong.into_iter().map(|(_, n)| n).collect())
}

/// Why `sig` is not standard padded Base64, as precisely as can be told.
fn base64_diagnosis(sig: &str) -> String {
    if sig.is_empty() {
        return "the signature is empty".into();
    }
    if sig.bytes().any(|b| b.is_ascii_whitespace()) {
        let joined: String = sig.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        if STANDARD.decode(&joined).is_ok() {
            return "Base64 with spaces or line breaks inside (wrapped output, as an old Java encoder writes)".into();
        }
    }
    if sig.contains(['-', '_']) && (URL_SAFE.decode(sig).is_ok() || URL_SAFE_NO_PAD.decode(sig).is_ok()) {
        return "URL-safe Base64 (- and _); the upload SDKs need the standard alphabet (+ and /) with = padding".into();
    }
    if STANDARD_NO_PAD.decode(sig).is_ok() {
        return "Base64 without its = padding".into();
    }
    format!("not standard padded Base64 ({} characters{})", sig.len(), if sig.len() % 4 != 0 { ", not a multiple of 4: cut short?" } else { "" })
}

/// The default value of an optional parameter, as text: leaving it out or emitting it with this
/// value means the same to the server.
fn is_default(p: Param, text: &str) -> bool {
    match p {
        Param::ClassId | Param::OneTimeValid | Param::TaskPriority | Param::VodSubAppId => text == "0" || text.is_empty(),
        Param::Procedure | Param::SourceContext | Param::SessionContext | Param::StorageRegion => text.is_empty(),
        Param::TaskNotifyMode => text == "Finish",
        _ => false,
    }
}

/// A JSON value as the documented sample writes it (before escaping).
fn asked_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Compares the decoded parameters with those asked for.
fn content(d: &vodsign::Decoded, asked: &[(String, Value)], wrong: &mut Vec<(Class, Note)>, diffs: &mut Vec<Note>) {
    let mut bad = |m: String| wrong.push((Class::WrongContent, note("wrong_content", m)));
    for (name, v) in asked {
        let want = asked_text(v);
        let Some(p) = Param::from_name(name) else { continue };
        match d.get(name) {
            None if !p.is_required() && is_default(p, &want) => {
                diffs.push(note("parameters_left_out", format!("{name} left out (asked {})", quoted(&want))))
            }
            None => bad(format!("{name} left out (asked {})", quoted(&clip(&want, 60)))),
            Some(got) if got == want => {}
            Some(got) => {
                let same_number = matches!(p.ty(), ParamType::Integer { .. })
                    && (p.parse_int(got).ok().zip(p.parse_int(&want).ok()).is_some_and(|(a, b)| a == b)
                        || (got.is_empty() && is_default(p, &want)));
                if same_number {
                    diffs.push(note("number_format", format!("{name} written {} for {want}", quoted(got))));
                } else {
                    bad(format!("{name} is {}; asked {}", quoted(&clip(got, 60)), quoted(&clip(&want, 60))));
                }
            }
        }
    }
    for (k, got) in d.params() {
        let Some(p) = Param::from_name(k) else { continue };
        if asked.iter().any(|(n, _)| n == k) {
            continue;
        }
        if is_default(p, got) {
            diffs.push(note("parameters_emitted", format!("{k}={} emitted without being asked", clip(got, 20))));
        } else {
            bad(format!("{k} is {}; not asked for", quoted(&clip(got, 60))));
        }
    }
}

/// How one decoded byte was written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Literal,
    Plus,
    Escape { lower: bool },
}

/// The bytes a raw key or value decodes to, each with how it was written.
fn units(raw: &str) -> Vec<(u8, Form)> {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (b.get(i + 1).and_then(|&c| hex(c)), b.get(i + 2).and_then(|&c| hex(c))) {
                let lower = b[i + 1..i + 3].iter().any(u8::is_ascii_lowercase);
                out.push(((h * 16 + l) as u8, Form::Escape { lower }));
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { (b' ', Form::Plus) } else { (b[i], Form::Literal) });
        i += 1;
    }
    out
}

/// The raw pairs of a query text, and how many empty segments it has.
fn raw_pairs(text: &str) -> (Vec<(&str, &str)>, usize) {
    let mut empty = 0;
    let pairs = text
        .split('&')
        .filter(|s| {
            empty += s.is_empty() as usize;
            !s.is_empty()
        })
        .map(|s| s.split_once('=').unwrap_or((s, "")))
        .collect();
    (pairs, empty)
}

fn decoded(raw: &str) -> Vec<u8> {
    units(raw).into_iter().map(|(b, _)| b).collect()
}

/// Names how `text` encodes the same parameters differently from `expected`.
fn encoding(text: &str, expected: &str, diffs: &mut Vec<Note>) {
    let (got, empty) = raw_pairs(text);
    let (want, _) = raw_pairs(expected);
    if empty > 0 {
        diffs.push(note("empty_segments", format!("{empty} empty segment(s) between & separators")));
    }
    let want_keys: Vec<Vec<u8>> = want.iter().map(|(k, _)| decoded(k)).collect();
    let got_keys: Vec<Vec<u8>> = got.iter().map(|(k, _)| decoded(k)).collect();
    let common_got: Vec<&Vec<u8>> = got_keys.iter().filter(|k| want_keys.contains(k)).collect();
    let common_want: Vec<&Vec<u8>> = want_keys.iter().filter(|k| got_keys.contains(k)).collect();
    if common_got != common_want {
        let order: Vec<String> = common_got.iter().map(|k| String::from_utf8_lossy(k).into_owned()).collect();
        diffs.push(note("parameter_order", format!("parameters in the order {}", order.join(", "))));
    }
    let (mut plus, mut tilde, mut lower, mut non_ascii) = (false, false, false, false);
    let (mut subs, mut unres, mut reserved) = (String::new(), String::new(), String::new());
    for (gk, gv) in &got {
        let Some(j) = want_keys.iter().position(|k| *k == decoded(gk)) else { continue };
        let (wk, wv) = want[j];
        for (g, w) in [(*gk, wk), (*gv, wv)] {
            let (gu, wu) = (units(g), units(w));
            if gu.len() != wu.len() || gu.iter().zip(&wu).any(|(a, b)| a.0 != b.0) {
                continue; // different values: numbers or content, reported elsewhere
            }
            for ((byte, gf), (_, wf)) in gu.into_iter().zip(wu) {
                let add = |set: &mut String, b: u8| {
                    let c = if b == b' ' { "space".to_string() } else { (b as char).to_string() };
                    if !set.split(' ').any(|x| x == c) {
                        if !set.is_empty() {
                            set.push(' ');
                        }
                        set.push_str(&c);
                    }
                };
                match (wf, gf) {
                    (Form::Escape { .. }, Form::Plus) => plus = true,
                    (Form::Escape { .. }, Form::Escape { lower: true }) => lower = true,
                    (Form::Escape { .. }, Form::Literal) if byte >= 0x80 => non_ascii = true,
                    (Form::Escape { .. }, Form::Literal) => add(&mut reserved, byte),
                    (Form::Literal, Form::Escape { lower: l }) => {
                        lower |= l && byte.is_ascii_alphabetic();
                        match byte {
                            b'~' => tilde = true,
                            b'!' | b'*' | b'\'' | b'(' | b')' => add(&mut subs, byte),
                            _ => add(&mut unres, byte),
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    if plus {
        diffs.push(note("plus_for_space", "+ for a space, where the documented sample writes %20"));
    }
    if tilde {
        diffs.push(note("tilde_escaped", "%7E for ~, which the documented sample leaves as it is"));
    }
    if !subs.is_empty() {
        diffs.push(note("sub_delims_escaped", format!("escapes {subs}, which the documented sample leaves as they are")));
    }
    if !unres.is_empty() {
        diffs.push(note("unreserved_escaped", format!("escapes unreserved characters: {unres}")));
    }
    if !reserved.is_empty() {
        diffs.push(note("unescaped_reserved", format!("leaves reserved characters unescaped: {reserved}")));
    }
    if non_ascii {
        diffs.push(note("unescaped_non_ascii", "leaves non-ASCII characters unescaped (raw UTF-8)"));
    }
    if lower {
        diffs.push(note("lowercase_hex", "lowercase hex in escapes (%2f where the documented sample writes %2F)"));
    }
    // Numbers written differently (leading zeros, an empty value for 0).
    for (gk, gv) in &got {
        let key = String::from_utf8_lossy(&decoded(gk)).into_owned();
        let Some(p) = Param::from_name(&key) else { continue };
        let Some(j) = want_keys.iter().position(|k| *k == key.as_bytes()) else { continue };
        if matches!(p.ty(), ParamType::Integer { .. }) && *gv != want[j].1 {
            let same = p.parse_int(gv).ok().zip(p.parse_int(want[j].1).ok()).is_some_and(|(a, b)| a == b);
            if same {
                diffs.push(note("number_format", format!("{key} written {} for {}", quoted(gv), want[j].1)));
            }
        }
    }
}

/// Keeps one note per code, joining the messages of repeats.
fn merge(diffs: &mut Vec<Note>) {
    let mut out: Vec<Note> = Vec::new();
    for d in diffs.drain(..) {
        match out.iter_mut().find(|o| o.code == d.code) {
            Some(o) if !o.message.contains(&d.message) => {
                o.message.push_str("; ");
                o.message.push_str(&d.message);
            }
            Some(_) => {}
            None => out.push(d),
        }
    }
    *diffs = out;
}

/// The documented sample's text for the parameters a signature carries: the known parameters in
/// canonical order, then the others as they came, each escaped as Node's `querystring` does,
/// integers in plain decimal.
fn canonical_text(d: &vodsign::Decoded) -> String {
    let mut parts = Vec::new();
    for p in Param::ALL {
        if let Some(v) = d.get_param(p) {
            let v = match p.ty() {
                ParamType::Integer { .. } => p.parse_int(v).map(|n| n.to_string()).unwrap_or_else(|_| v.to_string()),
                ParamType::String => v.to_string(),
            };
            parts.push(format!("{}={}", vodsign::escape(p.name()), vodsign::escape(&v)));
        }
    }
    for (k, v) in d.params() {
        if Param::from_name(k).is_none() {
            parts.push(format!("{}={}", vodsign::escape(k), vodsign::escape(v)));
        }
    }
    parts.join("&")
}

/// `s` cut to `max` characters, with `...` when cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signature of `text` under `key`.
    fn sig(key: &[u8], text: &str) -> String {
        let mut bytes = mac(key, text.as_bytes()).to_vec();
        bytes.extend_from_slice(text.as_bytes());
        STANDARD.encode(bytes)
    }

    fn codes(v: &Verdict) -> Vec<&'static str> {
        v.notes.iter().map(|n| n.code).collect()
    }

    const SAMPLE: &str = "secretId=id&currentTimeStamp=100&expireTime=200&random=7&classId=3";

    fn check(text: &str, key: &[u8]) -> Verdict {
        let asked: Vec<(String, Value)> = serde_json::from_str::<serde_json::Map<String, Value>>(
            r#"{"secretId":"id","currentTimeStamp":100,"expireTime":200,"random":7,"classId":3}"#,
        )
        .unwrap()
        .into_iter()
        .collect();
        check_signature(&sig(b"k", text), &Against { key, original: Some(SAMPLE), asked: Some(&asked) })
    }

    #[test]
    fn texts_are_classified_and_their_differences_named() {
        assert_eq!(check(SAMPLE, b"k").class, Class::Identical);
        let v = check(SAMPLE, b"other");
        assert_eq!((v.class, codes(&v)), (Class::BadMac, vec!["bad_mac"]));
        let v = check("secretId=id&currentTimeStamp=0100&expireTime=200&random=7&classId=3", b"k");
        assert_eq!((v.class, codes(&v)), (Class::Compatible, vec!["number_format"]));
        let v = check("secretId=id&&currentTimeStamp=100&expireTime=200&random=7&classId=3&", b"k");
        assert_eq!((v.class, codes(&v)), (Class::Compatible, vec!["empty_segments"]));
        let v = check("secretId=id&currentTimeStamp=100&expireTime=200&random=7&classId=3&isTranscode=1", b"k");
        assert_eq!((v.class, codes(&v)), (Class::Compatible, vec!["unknown_parameters"]));
        let v = check("secretId=%69d&currentTimeStamp=100&expireTime=200&random=7&classId=3", b"k");
        assert_eq!((v.class, codes(&v)), (Class::Compatible, vec!["unreserved_escaped"]));
        let v = check("secretId=id&currentTimeStamp=100&expireTime=200&random=7&classId=4", b"k");
        assert_eq!((v.class, codes(&v)), (Class::WrongContent, vec!["wrong_content"]));
        let v = check("secretId=id&currentTimeStamp=100&expireTime=200&random=7", b"k");
        assert_eq!((v.class, codes(&v)), (Class::WrongContent, vec!["wrong_content"]));
        let v = check("secretId=id&currentTimeStamp=100&expireTime=200&random=7&classId=3&procedure=", b"k");
        assert_eq!((v.class, codes(&v)), (Class::Compatible, vec!["parameters_emitted"]));
        let v = check("secretId=id&currentTimeStamp=100&expireTime=200&random=7&classId=3&random=8", b"k");
        assert_eq!((v.class, codes(&v)), (Class::SignsRefused, vec!["duplicate_parameter"]));
        let v = check("secretId=id&currentTimeStamp=100&expireTime=200&classId=3", b"k");
        assert_eq!((v.class, codes(&v)), (Class::SignsRefused, vec!["missing_parameter"]));
        let v = check("secretId=i%zzd&currentTimeStamp=100&expireTime=200&random=7&classId=3", b"k");
        assert_eq!((v.class, codes(&v)), (Class::NotAQuery, vec!["malformed_query"]));
        let v = check_signature("AAAA", &Against { key: b"k", original: None, asked: None });
        assert_eq!((v.class, codes(&v)), (Class::NotAQuery, vec!["too_short"]));
        let wrapped = format!("{}\n{}", &sig(b"k", SAMPLE)[..40], &sig(b"k", SAMPLE)[40..]);
        let v = check_signature(&wrapped, &Against { key: b"k", original: None, asked: None });
        assert!(v.class == Class::NotBase64 && v.notes[0].message.contains("line breaks"), "{v:?}");
        // Without a request, the text is compared with the documented sample's for its own content.
        let v = check_signature(&sig(b"k", "random=7&secretId=id&currentTimeStamp=100&expireTime=200"), &Against { key: b"k", original: None, asked: None });
        assert_eq!((v.class, codes(&v)), (Class::Compatible, vec!["parameter_order"]));
    }

    #[test]
    fn units_read_escapes_and_plus() {
        let u = units("a+%2f%C3%A9%");
        let bytes: Vec<u8> = u.iter().map(|x| x.0).collect();
        assert_eq!(bytes, b"a /\xC3\xA9%");
        assert!(u[2].1 == Form::Escape { lower: true });
        assert!(u[1].1 == Form::Plus);
    }
}
