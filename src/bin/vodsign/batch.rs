//! `vodsign sign --batch`: JSON Lines in, one result line out per input line.
//!
//! Each line is read with a bound ([`MAX_LINE`]) and parsed as an ordered list of key/value
//! pairs with each value's JSON text kept, so that duplicate keys are seen (a JSON map would keep
//! only the last) and numbers reach the library's integer rule as written (`-0`, `1e3`,
//! `18446744073709551616`), the rule decoding applies to the same text.

use std::fmt;
use std::io::{self, BufRead, BufReader, Write};
use std::process::ExitCode;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::json;
use vodsign::{Error, Options, Param, ParamType, ParamValue, Signer, random_for_signing};

use crate::escape::quoted;
use crate::sign::{SignArgs, signature_for};
use crate::{CliResult, Fail, out};

/// The longest line read, in bytes, without its line ending: 1 MiB. A longer line is answered
/// with `line_too_long` and skipped without being held in memory.
pub const MAX_LINE: usize = 1 << 20;

/// A line's refusal: a code, the parameter it names (for the library's errors that name one)
/// and a message.
struct LineError {
    code: &'static str,
    param: Option<String>,
    message: String,
}

impl LineError {
    fn new(code: &'static str, message: String) -> Self {
        LineError { code, param: None, message }
    }
    fn request(message: String) -> Self {
        LineError::new("invalid_request", message)
    }
}

impl From<Error> for LineError {
    fn from(e: Error) -> Self {
        LineError { code: e.kind().code(), param: e.param().map(str::to_string), message: e.message().to_string() }
    }
}

/// The signer of the last line, reused while the secretId and key stay the same.
type Cache = Option<(String, Vec<u8>, Signer)>;

pub fn run(defaults: &SignArgs) -> CliResult {
    let mut out = out::stdout()?;
    // Our own buffer, to know when the next read may wait for input: the answers so far are
    // flushed then, so that a process writing a line and waiting for its answer gets it.
    let mut input = BufReader::with_capacity(64 * 1024, io::stdin().lock());
    let mut cache: Cache = None;
    let mut line = Vec::new();
    // One output line for every input line, blank, broken and overlong ones included, so that
    // output line N always answers input line N.
    while let Some(fits) = read_line(&mut input, &mut line, || out.flush().map_err(out::failed))? {
        let result = if !fits {
            Err(LineError::new("line_too_long", format!("the line is longer than {MAX_LINE} bytes")))
        } else {
            match std::str::from_utf8(&line) {
                Err(_) => Err(LineError::new("invalid_json", "the line is not UTF-8".into())),
                Ok(text) => sign_line(text, defaults, &mut cache),
            }
        };
        let result = match result {
            Ok(sig) => json!({ "signature": sig }),
            Err(e) => {
                let mut error = serde_json::Map::new();
                error.insert("code".into(), e.code.into());
                if let Some(p) = e.param {
                    error.insert("param".into(), p.into());
                }
                error.insert("message".into(), e.message.into());
                json!({ "error": error })
            }
        };
        writeln!(out, "{result}").map_err(out::failed)?;
    }
    out.flush().map_err(out::failed)?;
    Ok(ExitCode::SUCCESS)
}

/// Reads the next line into `line` (cleared first), without its `\n` or `\r\n`. `None` at the
/// end of the input; `Some(false)` when the line is longer than [`MAX_LINE`], in which case
/// the rest of it was read and dropped and `line` is empty. Calls `before_wait` before each
/// read that may block.
fn read_line<R: io::Read>(
    input: &mut BufReader<R>,
    line: &mut Vec<u8>,
    mut before_wait: impl FnMut() -> CliResult<()>,
) -> CliResult<Option<bool>> {
    line.clear();
    let (mut started, mut fits) = (false, true);
    loop {
        if input.buffer().is_empty() {
            before_wait()?;
        }
        let buf = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Fail::Refused(format!("reading stdin: {e}"))),
        };
        if buf.is_empty() {
            break;
        }
        started = true;
        let (part, end) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        // Room for one byte more than the bound: a `\r` that the line ending removes.
        if fits && line.len() + part.len() <= MAX_LINE + 1 {
            line.extend_from_slice(part);
        } else if fits {
            fits = false;
            line.clear();
            line.shrink_to(MAX_LINE + 1);
        }
        let used = end.unwrap_or(buf.len());
        input.consume(used);
        if end.is_some() {
            break;
        }
    }
    if !started {
        return Ok(None);
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(fits && line.len() <= MAX_LINE))
}

/// A JSON object as its key/value pairs in order, each value's JSON text as written.
struct Pairs(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, Box<RawValue>>()? {
                    pairs.push(pair);
                }
                Ok(Pairs(pairs))
            }
        }
        d.deserialize_map(PairsVisitor)
    }
}

/// A value of a line: its JSON text.
enum Given<'a> {
    Text(String),
    /// A JSON number, as written.
    Number(&'a str),
    Other,
}

fn given(raw: &RawValue) -> Given<'_> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text).map_or(Given::Other, Given::Text),
        Some(b'-' | b'0'..=b'9') => Given::Number(text),
        _ => Given::Other,
    }
}

/// The signature for one line, or its refusal.
///
/// Order of the checks: the line's form (JSON, an object, no key twice, only known keys,
/// secretKey present and text, each value of its parameter's JSON type); then each parameter
/// in canonical order, the line's value or else the default, against its rule; then the key,
/// then the time window. So the refusal does not depend on the order of the line's keys.
fn sign_line(line: &str, defaults: &SignArgs, cache: &mut Cache) -> Result<String, LineError> {
    let raw: Box<RawValue> =
        serde_json::from_str(line).map_err(|e| LineError::new("invalid_json", format!("not JSON: {e}")))?;
    if !raw.get().starts_with('{') {
        return Err(LineError::request("each line must be a JSON object".into()));
    }
    let Pairs(pairs) = serde_json::from_str(raw.get()).map_err(|e| LineError::new("invalid_json", format!("not JSON: {e}")))?;
    let mut seen = std::collections::HashSet::with_capacity(pairs.len());
    if let Some((k, _)) = pairs.iter().find(|(k, _)| !seen.insert(k.as_str())) {
        return Err(LineError::request(format!("{} appears more than once", quoted(k))));
    }
    let mut key = None;
    let mut values: [Option<Given<'_>>; Param::ALL.len()] = Default::default();
    for (k, v) in &pairs {
        let value = given(v);
        if k == "secretKey" {
            match value {
                Given::Text(s) => key = Some(s.into_bytes()),
                _ => return Err(LineError::request("secretKey must be a JSON string".into())),
            }
            continue;
        }
        let Some(p) = Param::from_name(k) else {
            return Err(LineError::request(format!("{} is not a signature parameter", quoted(k))));
        };
        match (p.ty(), &value) {
            (ParamType::String, Given::Text(_)) | (ParamType::Integer { .. }, Given::Number(_)) => {}
            (ParamType::String, _) => return Err(LineError::request(format!("{k} must be a JSON string"))),
            (ParamType::Integer { .. }, _) => return Err(LineError::request(format!("{k} must be a JSON number"))),
        }
        values[p as usize] = Some(value);
    }
    let key = key.ok_or_else(|| LineError::request("secretKey is missing".into()))?;

    let int = |p: Param| -> Result<Option<i128>, LineError> {
        match &values[p as usize] {
            Some(Given::Number(n)) => Ok(Some(p.parse_int(n)?)),
            _ => Ok(None),
        }
    };
    let secret_id = match &values[Param::SecretId as usize] {
        Some(Given::Text(s)) => s.clone(),
        _ => defaults.secret_id.clone().ok_or_else(|| {
            LineError { code: "missing_parameter", param: Some("secretId".into()), message: "secretId is missing".into() }
        })?,
    };
    Param::SecretId.check_str(&secret_id)?;
    let time = int(Param::CurrentTimeStamp)?.map(|v| v as u64).or(defaults.time);
    let expire = int(Param::ExpireTime)?.map(|v| v as u64).or(defaults.expire);
    let random = match int(Param::Random)? {
        Some(r) => Some(random_for_signing(r)?),
        None => defaults.random,
    };
    let mut opts: Options = defaults.opts.clone();
    for p in Param::ALL.into_iter().filter(|p| !p.is_required()) {
        let value = match &values[p as usize] {
            Some(Given::Text(s)) => ParamValue::Str(s),
            Some(Given::Number(_)) => ParamValue::Int(int(p)?.unwrap_or_default()),
            _ => continue,
        };
        opts.set(p.name(), value)?;
    }

    if !matches!(cache, Some((id, k, _)) if *id == secret_id && *k == key) {
        *cache = None;
    }
    let (_, _, signer) = match cache {
        Some(same) => &*same,
        None => {
            let signer = Signer::new(&secret_id, &key)?;
            cache.insert((secret_id, key, signer))
        }
    };
    Ok(signature_for(signer, &opts, time, expire, random)?)
}
