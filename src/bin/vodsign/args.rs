//! Argument parsing shared by the commands: options with values (`--name value` or
//! `--name=value`), boolean options, positionals, and the number rule.
//!
//! The number rule, the same for every numeric option: text that is not a whole number
//! (`-?[0-9]+`, the rule the library applies to a decoded integer) is a usage error; a whole
//! number outside the option's range is a refusal (exit 1) with the library's message.

use vodsign::{ErrorKind, Param};

use crate::escape::quoted;
use crate::{CliResult, Fail};

/// The name of an option as it may be echoed: what comes before any `=`, never the value.
pub fn option_name(arg: &str) -> &str {
    match arg.strip_prefix('-') {
        Some(_) => arg.split('=').next().unwrap_or(arg),
        None => arg,
    }
}

/// Whether `arg` tries to pass the secret key: `--secret-key`, `--secret_key`, `--secretKey`,
/// `--key`, `-k`, `--api-key`, `--sk` in any case, with or without `=value`.
pub fn is_key_flag(arg: &str) -> bool {
    if !arg.starts_with('-') {
        return false;
    }
    let name: String =
        option_name(arg).chars().filter(|c| !matches!(c, '-' | '_')).flat_map(char::to_lowercase).collect();
    matches!(name.as_str(), "secretkey" | "key" | "k" | "apikey" | "sk")
}

/// An unknown option, named without its value.
pub fn unknown(arg: &str, command: &str) -> Fail {
    Fail::Usage(format!("unknown option {} for {command}", quoted(option_name(arg))))
}

/// One argument after the command.
pub enum Arg<'a> {
    /// An option (`--name`; a value given as `--name=value` is taken by [`Args::value`]).
    Opt(&'a str),
    /// Anything not starting with `-`.
    Positional(&'a str),
}

/// The arguments after the command.
pub struct Args<'a> {
    rest: std::slice::Iter<'a, String>,
    /// The value given with `=` to the option just returned, until taken.
    inline: Option<&'a str>,
    /// The option just returned, for messages.
    flag: &'a str,
}

impl<'a> Args<'a> {
    pub fn new(rest: &'a [String]) -> Self {
        Args { rest: rest.iter(), inline: None, flag: "" }
    }

    pub fn next(&mut self) -> CliResult<Option<Arg<'a>>> {
        if self.inline.take().is_some() {
            return Err(Fail::Usage(format!("{} takes no value", self.flag)));
        }
        let Some(a) = self.rest.next().map(String::as_str) else { return Ok(None) };
        if a.starts_with('-') && a.len() > 1 {
            let (name, value) = match a.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n, Some(v)),
                _ => (a, None),
            };
            self.flag = name;
            self.inline = value;
            return Ok(Some(Arg::Opt(name)));
        }
        Ok(Some(Arg::Positional(a)))
    }

    /// The value of the option just returned.
    pub fn value(&mut self) -> CliResult<&'a str> {
        if let Some(v) = self.inline.take() {
            return Ok(v);
        }
        self.rest.next().map(String::as_str).ok_or_else(|| Fail::Usage(format!("{} needs a value", self.flag)))
    }

    /// The value of the option just returned, which must be a whole number (`-?[0-9]+`); its
    /// range is checked later, by [`param_int`] or [`u64_in`].
    pub fn whole(&mut self) -> CliResult<&'a str> {
        let flag = self.flag;
        let v = self.value()?;
        let digits = v.strip_prefix('-').unwrap_or(v);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Fail::Usage(format!("{flag} takes a whole number, not {}", quoted(v))));
        }
        Ok(v)
    }
}

/// A whole number for parameter `p`, checked against its range by the library
/// (`invalid_parameter` naming `p` and the rule).
pub fn param_int(p: Param, text: &str) -> CliResult<i128> {
    p.parse_int(text).map_err(|e| match e.kind() {
        // `Args::whole` already refused what is not a whole number.
        ErrorKind::NotAnInteger => Fail::Usage(format!("{} takes a whole number, not {}", p.name(), quoted(text))),
        _ => Fail::from(e),
    })
}

/// A whole number that must be a `u64`, for the options that are not parameters (`--now`,
/// `--skew`): `invalid_parameter` naming `name` otherwise.
pub fn u64_of(name: &str, text: &str) -> CliResult<u64> {
    text.parse::<u64>().map_err(|_| {
        Fail::Refused(format!(
            "invalid_parameter: {name} is {}; must be a non-negative whole number below 2^64",
            clip_number(text)
        ))
    })
}

/// A whole number as written, shortened when very long.
pub fn clip_number(text: &str) -> String {
    if text.len() <= 40 { text.to_string() } else { format!("{}...", &text[..40]) }
}
