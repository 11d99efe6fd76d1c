//! `vodsign`: sign, decode and verify Tencent Cloud VOD client-upload signatures from a shell.
//!
//! The secret key is read only from the `VODSIGN_SECRET_KEY` environment variable: arguments
//! show in `ps` and shell history. Exit codes: 0 success, 1 rejected or refused, 2 usage error.

use std::io::{self, BufRead, Read, Write};
use std::process::ExitCode;

use serde_json::{Map, Value, json};
use vodsign::{Decoded, Error, Options, Param, ParamType, ParamValue, Signer, Verifier, decode, random_u32, unix_now};

const KEY_ENV: &str = "VODSIGN_SECRET_KEY";
const ID_ENV: &str = "VODSIGN_SECRET_ID";

const HELP: &str = "\
vodsign: make, decode and verify Tencent Cloud VOD client-upload signatures

USAGE:
  vodsign sign [OPTIONS]              print a signature (key from VODSIGN_SECRET_KEY)
  vodsign sign --batch                JSON Lines on stdin, one result line per input line
  vodsign decode [--json] [SIGNATURE] show what a signature says (no key needed; stdin when absent)
  vodsign verify [--now UNIX] [--skew SECONDS] [--json] [SIGNATURE]
                                      check MAC and time window (key from VODSIGN_SECRET_KEY)

SIGN OPTIONS:
  --secret-id ID            secretId (default: VODSIGN_SECRET_ID)
  --valid SECONDS           validity, 1 to 7776000 (default 86400)
  --time UNIX               currentTimeStamp (default: now)
  --expire-time UNIX        expireTime (default: --time plus --valid)
  --random N                random, 0 to 4294967295 (default: from the OS generator)
  --procedure NAME          --class-id N          --one-time-valid 0|1
  --source-context TEXT     --task-priority N     --task-notify-mode Finish|Change|None
  --vod-sub-app-id N        --session-context TEXT --storage-region REGION
  --sample-defaults         set procedure='', classId=0, oneTimeValid=0, sourceContext='' like the
                            documented Node sample

BATCH (sign --batch): each input line is a JSON object whose keys are parameter names
(secretId, currentTimeStamp, expireTime, random, procedure, classId, ...) plus secretKey;
integers are JSON numbers. currentTimeStamp, expireTime and random default as above.
Each output line is {\"signature\":\"...\"} or {\"error\":{\"code\":\"...\",\"message\":\"...\"}}.

EXIT: 0 success, 1 rejected or refused, 2 usage error.
";

/// A failure of the command: a usage error (exit 2) or a refusal (exit 1).
enum Fail {
    Usage(String),
    Refused(String),
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Refused(format!("{}: {e}", e.kind().code()))
    }
}

type CliResult<T = ExitCode> = Result<T, Fail>;

fn main() -> ExitCode {
    let args: Result<Vec<String>, _> = std::env::args_os().skip(1).map(|a| a.into_string()).collect();
    let result = match args {
        Ok(args) => run(&args),
        Err(_) => Err(Fail::Usage("an argument is not valid UTF-8".into())),
    };
    match result {
        Ok(code) => code,
        Err(Fail::Usage(m)) => {
            eprintln!("vodsign: {m}\nRun 'vodsign --help' for usage.");
            ExitCode::from(2)
        }
        Err(Fail::Refused(m)) => {
            eprintln!("vodsign: {m}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &[String]) -> CliResult {
    if args.iter().any(|a| is_key_flag(a)) {
        return Err(Fail::Usage(format!(
            "the secret key is never taken from arguments (they show in process lists and shell history); set {KEY_ENV}"
        )));
    }
    let (cmd, rest) = match args.split_first() {
        None => return Err(Fail::Usage("a command is needed: sign, decode or verify".into())),
        Some((c, rest)) => (c.as_str(), rest),
    };
    match cmd {
        "-h" | "--help" | "help" => {
            print!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        "-V" | "--version" => {
            println!("vodsign {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        "sign" => cmd_sign(rest),
        "decode" => cmd_decode(rest),
        "verify" => cmd_verify(rest),
        other => Err(Fail::Usage(format!("unknown command {other:?}; expected sign, decode or verify"))),
    }
}

fn is_key_flag(arg: &str) -> bool {
    let flag = arg.split('=').next().unwrap_or(arg).to_ascii_lowercase();
    matches!(flag.as_str(), "--secret-key" | "--secretkey" | "--key" | "-k")
}

/// Arguments after the command: flags with values, boolean flags and positionals.
struct Args<'a> {
    rest: std::slice::Iter<'a, String>,
}

impl<'a> Args<'a> {
    fn next(&mut self) -> Option<&'a str> {
        self.rest.next().map(String::as_str)
    }

    fn value(&mut self, flag: &str) -> CliResult<&'a str> {
        self.next().ok_or_else(|| Fail::Usage(format!("{flag} needs a value")))
    }

    fn number<T: std::str::FromStr>(&mut self, flag: &str) -> CliResult<T> {
        let v = self.value(flag)?;
        v.parse().map_err(|_| Fail::Usage(format!("{flag} takes a whole number, not {v:?}")))
    }
}

fn cmd_sign(rest: &[String]) -> CliResult {
    let mut args = Args { rest: rest.iter() };
    let mut opts = Options::new();
    let (mut secret_id, mut time, mut expire, mut random, mut valid) = (None, None, None, None, None);
    let mut batch = false;
    while let Some(flag) = args.next() {
        match flag {
            "--batch" => batch = true,
            "--secret-id" => secret_id = Some(args.value(flag)?.to_string()),
            "--valid" => valid = Some(args.number::<u64>(flag)?),
            "--time" => time = Some(args.number::<u64>(flag)?),
            "--expire-time" => expire = Some(args.number::<u64>(flag)?),
            "--random" => random = Some(args.number::<u32>(flag)?),
            "--sample-defaults" => {
                let d = Options::sample_defaults();
                opts = Options { validity: opts.validity, ..d };
            }
            _ => match flag.strip_prefix("--").and_then(param_of_flag) {
                Some(p) => {
                    let value = match p.ty() {
                        ParamType::String => ParamValue::Str(args.value(flag)?),
                        ParamType::Integer { .. } => ParamValue::Int(args.number::<i128>(flag)?),
                    };
                    opts.set(p.name(), value)?;
                }
                None => return Err(Fail::Usage(format!("unknown option {flag:?} for sign"))),
            },
        }
    }
    if batch {
        return sign_batch();
    }
    if let Some(v) = valid {
        opts.validity = v;
    }
    let secret_id = match secret_id.or_else(|| std::env::var(ID_ENV).ok()) {
        Some(id) => id,
        None => return Err(Fail::Usage(format!("secretId is needed: --secret-id ID or {ID_ENV}"))),
    };
    let signer = Signer::new(&secret_id, &secret_key()?)?;
    let signature = signature_for(&signer, &opts, time, expire, random)?;
    println!("{signature}");
    Ok(ExitCode::SUCCESS)
}

/// Signs with whatever of the required values were given, the rest from the clock and the OS.
fn signature_for(signer: &Signer, opts: &Options, time: Option<u64>, expire: Option<u64>, random: Option<u32>) -> Result<String, Error> {
    if time.is_none() && expire.is_none() && random.is_none() {
        return signer.sign(opts);
    }
    let now = match time {
        Some(t) => t,
        None => unix_now()?,
    };
    let expire = expire.unwrap_or(now.saturating_add(opts.validity));
    let random = match random {
        Some(r) => r,
        None => random_u32()?,
    };
    signer.sign_at(opts, now, expire, random)
}

/// The parameter a `--kebab-case` option names, for the optional ones.
fn param_of_flag(flag: &str) -> Option<Param> {
    Param::ALL.into_iter().filter(|p| !p.is_required()).find(|p| kebab(p.name()) == flag)
}

fn kebab(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn secret_key() -> CliResult<Vec<u8>> {
    match std::env::var_os(KEY_ENV) {
        Some(k) if !k.is_empty() => Ok(k.into_encoded_bytes()),
        _ => Err(Fail::Usage(format!("the secret key is needed in the environment variable {KEY_ENV}"))),
    }
}

fn sign_batch() -> CliResult {
    let stdin = io::stdin();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut cache: Option<(String, Vec<u8>, Signer)> = None;
    // One output line for every input line, blank or broken ones included, so that output line
    // N always answers input line N.
    for line in stdin.lock().split(b'\n') {
        let mut line = line.map_err(|e| Fail::Refused(format!("reading stdin: {e}")))?;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let result = match String::from_utf8(line) {
            Err(_) => Err(("invalid_json".to_string(), "the line is not UTF-8".to_string())),
            Ok(line) => batch_line(&line, &mut cache),
        };
        let result = match result {
            Ok(sig) => json!({ "signature": sig }),
            Err((code, message)) => json!({ "error": { "code": code, "message": message } }),
        };
        writeln!(out, "{result}").map_err(|e| Fail::Refused(format!("writing stdout: {e}")))?;
    }
    out.flush().map_err(|e| Fail::Refused(format!("writing stdout: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

type LineError = (String, String);

fn batch_line(line: &str, cache: &mut Option<(String, Vec<u8>, Signer)>) -> Result<String, LineError> {
    let bad = |m: String| ("invalid_request".to_string(), m);
    let core = |e: Error| (e.kind().code().to_string(), e.to_string());
    let value: Value = serde_json::from_str(line).map_err(|e| ("invalid_json".to_string(), format!("not JSON: {e}")))?;
    let Value::Object(obj) = value else { return Err(bad("each line must be a JSON object".into())) };
    let text = |k: &str| -> Result<Option<String>, LineError> {
        match obj.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(format!("{k} must be a JSON string"))),
        }
    };
    let int = |k: &str| -> Result<Option<i128>, LineError> {
        match obj.get(k) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_i64().map(i128::from).or(n.as_u64().map(i128::from)) {
                Some(v) => Ok(Some(v)),
                None => Err(("not_an_integer".into(), format!("{k} is {n}; must be a whole number"))),
            },
            Some(_) => Err(bad(format!("{k} must be a JSON number"))),
        }
    };
    let secret_id = text("secretId")?.ok_or_else(|| ("missing_parameter".to_string(), "secretId is missing".to_string()))?;
    let key = text("secretKey")?.ok_or_else(|| bad("secretKey is missing".into()))?.into_bytes();
    let mut opts = Options::new();
    for k in obj.keys() {
        match Param::from_name(k) {
            Some(p) if p.is_required() => {}
            Some(p) => {
                let value = match p.ty() {
                    ParamType::String => ParamValue::Str(obj[k].as_str().ok_or_else(|| bad(format!("{k} must be a JSON string")))?),
                    ParamType::Integer { .. } => ParamValue::Int(int(k)?.unwrap_or_default()),
                };
                opts.set(k, value).map_err(core)?;
            }
            None if k == "secretKey" => {}
            None => return Err(bad(format!("{k:?} is not a signature parameter"))),
        }
    }
    let required = |p: Param| -> Result<Option<i128>, LineError> {
        let v = int(p.name())?;
        if let Some(v) = v {
            p.check_int(v).map_err(core)?;
        }
        Ok(v)
    };
    let time = required(Param::CurrentTimeStamp)?.map(|v| v as u64);
    let expire = required(Param::ExpireTime)?.map(|v| v as u64);
    let random = required(Param::Random)?.map(vodsign::random_for_signing).transpose().map_err(core)?;
    let reuse = matches!(cache, Some((id, k, _)) if *id == secret_id && *k == key);
    if !reuse {
        let signer = Signer::new(&secret_id, &key).map_err(core)?;
        *cache = Some((secret_id, key, signer));
    }
    let (_, _, signer) = cache.as_ref().expect("set above");
    signature_for(signer, &opts, time, expire, random).map_err(core)
}

/// The signature from the argument exactly as given, or else from stdin without the
/// surrounding whitespace (`echo SIG | vodsign decode`).
fn signature_arg(positional: Option<&str>) -> CliResult<String> {
    match positional {
        Some(s) => Ok(s.to_string()),
        None => {
            let mut s = String::new();
            io::stdin().read_to_string(&mut s).map_err(|e| Fail::Usage(format!("reading the signature from stdin: {e}")))?;
            Ok(s.trim().to_string())
        }
    }
}

fn cmd_decode(rest: &[String]) -> CliResult {
    let mut args = Args { rest: rest.iter() };
    let (mut json_out, mut positional) = (false, None);
    while let Some(a) = args.next() {
        match a {
            "--json" => json_out = true,
            a if a.starts_with('-') => return Err(Fail::Usage(format!("unknown option {a:?} for decode"))),
            a if positional.is_none() => positional = Some(a),
            _ => return Err(Fail::Usage("decode takes one signature".into())),
        }
    }
    let d = decode(&signature_arg(positional)?)?;
    if json_out {
        println!("{}", decoded_json(&d));
    } else {
        print!("{}", decoded_text(&d));
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_verify(rest: &[String]) -> CliResult {
    let mut args = Args { rest: rest.iter() };
    let (mut json_out, mut positional, mut now, mut skew) = (false, None, None, None);
    while let Some(a) = args.next() {
        match a {
            "--json" => json_out = true,
            "--now" => now = Some(args.number::<u64>(a)?),
            "--skew" => skew = Some(args.number::<u64>(a)?),
            a if a.starts_with('-') => return Err(Fail::Usage(format!("unknown option {a:?} for verify"))),
            a if positional.is_none() => positional = Some(a),
            _ => return Err(Fail::Usage("verify takes one signature".into())),
        }
    }
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
                println!("{}", json!({ "valid": true, "secondsLeft": left, "decoded": decoded_json(&d) }));
            } else {
                println!("valid: {left} seconds left (expires {})", utc(d.expire_time()));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if json_out {
                println!("{}", json!({ "valid": false, "error": { "code": e.kind().code(), "message": e.to_string() } }));
            } else {
                println!("rejected: {}: {e}", e.kind().code());
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
    let width = d.params().map(|(k, _)| k.chars().count()).max().unwrap_or(0).max(8);
    let mut s = format!("{:width$}  {}\n{:width$}  {}\n\n", "mac", hex(&d.mac()), "original", d.original());
    for (k, v) in d.params() {
        let note = match Param::from_name(k) {
            Some(Param::CurrentTimeStamp) => format!("  ({})", utc(d.current_time_stamp())),
            Some(Param::ExpireTime) => format!(
                "  ({}; valid for {} s)",
                utc(d.expire_time()),
                d.expire_time().saturating_sub(d.current_time_stamp())
            ),
            Some(_) => String::new(),
            None => "  (not a documented parameter)".to_string(),
        };
        let shown = if v.is_empty() { "(empty)".to_string() } else { v.to_string() };
        s.push_str(&format!("{k:width$}  {shown}{note}\n"));
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
