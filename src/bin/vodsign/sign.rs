//! `vodsign sign`: the options, and one signature (or, with `--batch`, the defaults of a batch).

use std::process::ExitCode;

use vodsign::{Error, MAX_VALIDITY, Options, Param, ParamType, ParamValue, Signer, random_for_signing, random_u32, unix_now};

use crate::args::{Arg, Args, clip_number, param_int, unknown};
use crate::escape::quoted;
use crate::{CliResult, Fail, ID_ENV, KEY_ENV, batch, out};

/// The sign options, checked: for one signature, or the defaults of every line of a batch.
pub struct SignArgs {
    pub batch: bool,
    /// `--secret-id`, else `VODSIGN_SECRET_ID`.
    pub secret_id: Option<String>,
    /// The key from `VODSIGN_SECRET_KEY`, for one signature (a batch reads it from each line).
    pub key: Option<Vec<u8>>,
    pub time: Option<u64>,
    pub expire: Option<u64>,
    pub random: Option<u32>,
    /// The optional parameters: `--sample-defaults` first, then every explicit option over it
    /// (the last of a repeated option wins), and the validity.
    pub opts: Options,
}

/// Parses and checks the options of `sign`. Usage errors come first, whatever their place (a
/// missing secretId or key included); then the values are checked in canonical parameter
/// order, then the validity.
pub fn parse(rest: &[String]) -> CliResult<SignArgs> {
    let mut args = Args::new(rest);
    let (mut batch, mut sample, mut secret_id) = (false, false, None);
    let (mut time, mut expire, mut random, mut valid) = (None, None, None, None);
    let mut explicit: Vec<(Param, &str)> = Vec::new();
    while let Some(arg) = args.next()? {
        let flag = match arg {
            Arg::Positional(p) => return Err(Fail::Usage(format!("sign takes no argument {}; options only", quoted(p)))),
            Arg::Opt(flag) => flag,
        };
        match flag {
            "--batch" => batch = true,
            "--sample-defaults" => sample = true,
            "--secret-id" => secret_id = Some(args.value()?),
            "--valid" => valid = Some(args.whole()?),
            "--time" => time = Some(args.whole()?),
            "--expire-time" => expire = Some(args.whole()?),
            "--random" => random = Some(args.whole()?),
            _ => match flag.strip_prefix("--").and_then(param_of_flag) {
                Some(p) => {
                    let v = match p.ty() {
                        ParamType::String => args.value()?,
                        ParamType::Integer { .. } => args.whole()?,
                    };
                    explicit.push((p, v));
                }
                None => return Err(unknown(flag, "sign")),
            },
        }
    }
    let secret_id = secret_id.map(str::to_string).or_else(|| std::env::var(ID_ENV).ok());
    // One signature needs a secretId and the key: their absence is a usage error, reported
    // before any value is checked. A batch takes both from its lines.
    let key = if batch {
        None
    } else {
        if secret_id.is_none() {
            return Err(Fail::Usage(format!("secretId is needed: --secret-id ID or {ID_ENV}")));
        }
        Some(secret_key()?)
    };
    if let Some(id) = &secret_id {
        Param::SecretId.check_str(id)?;
    }
    let time = time.map(|t| param_int(Param::CurrentTimeStamp, t)).transpose()?.map(|v| v as u64);
    let expire = expire.map(|t| param_int(Param::ExpireTime, t)).transpose()?.map(|v| v as u64);
    let random = match random {
        Some(r) => Some(random_for_signing(param_int(Param::Random, r)?)?),
        None => None,
    };
    let mut opts = if sample { Options::sample_defaults() } else { Options::new() };
    // A stable sort: canonical order for the checks, the order given within one parameter.
    explicit.sort_by_key(|&(p, _)| p);
    for (p, v) in explicit {
        let value = match p.ty() {
            ParamType::String => ParamValue::Str(v),
            ParamType::Integer { .. } => ParamValue::Int(param_int(p, v)?),
        };
        opts.set(p.name(), value)?;
    }
    if let Some(v) = valid {
        opts.validity = validity(v)?;
    }
    Ok(SignArgs { batch, secret_id, key, time, expire, random, opts })
}

/// `--valid`: 1 to [`MAX_VALIDITY`] seconds, refused with the library's codes otherwise.
fn validity(text: &str) -> CliResult<u64> {
    let shown = clip_number(text);
    match text.parse::<u64>() {
        Ok(0) => Err(Fail::Refused("invalid_parameter: validity is 0 seconds; must be at least 1".into())),
        Ok(v) if v <= MAX_VALIDITY => Ok(v),
        _ if text.starts_with('-') => {
            Err(Fail::Refused(format!("invalid_parameter: validity is {shown}; must be from 1 to {MAX_VALIDITY}")))
        }
        _ => Err(Fail::Refused(format!("validity_too_long: validity is {shown} seconds; at most {MAX_VALIDITY} (90 days)"))),
    }
}

pub fn cmd_sign(rest: &[String]) -> CliResult {
    let a = parse(rest)?;
    if a.batch {
        return batch::run(&a);
    }
    let (Some(secret_id), Some(key)) = (&a.secret_id, &a.key) else {
        return Err(Fail::Usage(format!("secretId is needed: --secret-id ID or {ID_ENV}")));
    };
    let signer = Signer::new(secret_id, key)?;
    let signature = signature_for(&signer, &a.opts, a.time, a.expire, a.random)?;
    out::print(&format!("{signature}\n"))?;
    Ok(ExitCode::SUCCESS)
}

/// Signs with whatever of the required values were given, the rest from the clock
/// (expireTime from the validity) and the OS generator.
pub fn signature_for(signer: &Signer, opts: &Options, time: Option<u64>, expire: Option<u64>, random: Option<u32>) -> Result<String, Error> {
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

/// The optional parameter a `--kebab-case` option names.
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

/// The key from `VODSIGN_SECRET_KEY`, as bytes.
pub fn secret_key() -> CliResult<Vec<u8>> {
    match std::env::var_os(KEY_ENV) {
        Some(k) if !k.is_empty() => Ok(k.into_encoded_bytes()),
        _ => Err(Fail::Usage(format!("the secret key is needed in the environment variable {KEY_ENV}"))),
    }
}
