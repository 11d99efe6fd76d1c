//! `vodsign decode` and `vodsign verify`: reading a signature and showing what it says, as
//! text (every value escaped, see [`crate::escape`]) or as JSON (exact values).

use std::process::ExitCode;

use serde_json::{Map, Value, json};
use vodsign::{Decoded, Param, ParamType, Verifier, decode, unix_now};

use crate::args::{Arg, Args, u64_of, unknown};
use crate::escape::shown;
use crate::sign::secret_key;
use crate::{CliResult, Fail, out};

/// The signature from the argument exactly as given, or else from stdin without the
/// surrounding whitespace (`echo SIG | vodsign decode`).
fn signature_arg(positional: Option<&str>) -> CliResult<String> {
    use std::io::Read;
    match positional {
        Some(s) => Ok(s.to_string()),
        None => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Fail::Usage(format!("reading the signature from stdin: {e}")))?;
            Ok(s.trim().to_string())
        }
    }
}

pub fn cmd_decode(rest: &[String]) -> CliResult {
    let mut args = Args::new(rest);
    let (mut json_out, mut positional) = (false, None);
    while let Some(a) = args.next()? {
        match a {
            Arg::Opt("--json") => json_out = true,
            Arg::Opt(flag) => return Err(unknown(flag, "decode")),
            Arg::Positional(p) if positional.is_none() => positional = Some(p),
            Arg::Positional(_) => return Err(Fail::Usage("decode takes one signature".into())),
        }
    }
    let d = decode(&signature_arg(positional)?)?;
    if json_out {
        out::print(&format!("{}\n", decoded_json(&d)))?;
    } else {
        out::print(&decoded_text(&d))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn cmd_verify(rest: &[String]) -> CliResult {
    let mut args = Args::new(rest);
    let (mut json_out, mut positional, mut now, mut skew) = (false, None, None, None);
    while let Some(a) = args.next()? {
        match a {
            Arg::Opt("--json") => json_out = true,
            Arg::Opt("--now") => now = Some(args.whole()?),
            Arg::Opt("--skew") => skew = Some(args.whole()?),
            Arg::Opt(flag) => return Err(unknown(flag, "verify")),
            Arg::Positional(p) if positional.is_none() => positional = Some(p),
            Arg::Positional(_) => return Err(Fail::Usage("verify takes one signature".into())),
        }
    }
    let now = now.map(|n| u64_of("now", n)).transpose()?;
    let skew = skew.map(|s| u64_of("skew", s)).transpose()?;
    let key = secret_key()?;
    let signature = signature_arg(positional)?;
    let now = match now {
        Some(n) => n,
        None => unix_now()?,
    };
    let mut verifier = Verifier::new(&key)?;
    if let Some(s) = skew {
        verifier = verifier.with_skew(s);
    }
    match verifier.verify(&signature, now) {
        Ok(d) => {
            let left = d.seconds_left(now);
            if json_out {
                out::print(&format!("{}\n", json!({ "valid": true, "secondsLeft": left, "decoded": decoded_json(&d) })))?;
            } else {
                out::print(&format!("valid: {left} seconds left (expires {})\n", utc(d.expire_time())))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if json_out {
                let mut error = Map::new();
                error.insert("code".into(), e.kind().code().into());
                if let Some(p) = e.param() {
                    error.insert("param".into(), p.into());
                }
                error.insert("message".into(), e.message().into());
                out::print(&format!("{}\n", json!({ "valid": false, "error": error })))?;
            } else {
                out::print(&crate::escape::inert(&format!("rejected: {}: {e}\n", e.kind().code())))?;
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn decoded_json(d: &Decoded) -> Value {
    let mut params = Map::new();
    for (k, v) in d.params() {
        let typed = match Param::from_name(k).map(Param::ty) {
            Some(ParamType::Integer { .. }) => v.parse::<i128>().ok().and_then(|n| {
                i64::try_from(n).ok().map(Value::from).or_else(|| u64::try_from(n).ok().map(Value::from))
            }),
            _ => None,
        };
        params.insert(k.to_string(), typed.unwrap_or_else(|| Value::String(v.to_string())));
    }
    json!({ "mac": hex(&d.mac()), "original": d.original(), "params": params })
}

fn decoded_text(d: &Decoded) -> String {
    let keys: Vec<String> = d.params().map(|(k, _)| shown(k)).collect();
    let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0).max(8);
    let mut s = format!("{:width$}  {}\n{:width$}  {}\n\n", "mac", hex(&d.mac()), "original", shown(d.original()));
    for (key, (k, v)) in keys.iter().zip(d.params()) {
        let note = match Param::from_name(k) {
            Some(Param::CurrentTimeStamp) => format!("  ({})", utc(d.current_time_stamp())),
            Some(Param::ExpireTime) => {
                let (cts, exp) = (d.current_time_stamp(), d.expire_time());
                if exp > cts {
                    format!("  ({}; valid for {} s)", utc(exp), exp - cts)
                } else {
                    format!("  ({}; not after currentTimeStamp: never valid)", utc(exp))
                }
            }
            Some(_) => String::new(),
            None => "  (not a documented parameter)".to_string(),
        };
        let value = if v.is_empty() { "(empty)".to_string() } else { shown(v) };
        s.push_str(&format!("{key:width$}  {value}{note}\n"));
    }
    s
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Unix seconds as an ISO 8601 UTC time.
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}
