//! `vodsign`: sign, decode and verify Tencent Cloud VOD client-upload signatures from a shell.
//!
//! The secret key is read only from the `VODSIGN_SECRET_KEY` environment variable: arguments
//! show in `ps` and shell history. A client of the library's public API only.
//!
//! Exit codes: 0 success; 1 rejected or refused (including a failed write of the output);
//! 2 usage error; 141 when the reader of the output went away (a closed pipe, as `head` does).

mod args;
mod batch;
mod conformance;
mod escape;
mod inspect;
mod out;
#[cfg(feature = "serve")]
mod serve;
mod sign;

use std::process::ExitCode;

use vodsign::Error;

pub(crate) const KEY_ENV: &str = "VODSIGN_SECRET_KEY";
pub(crate) const ID_ENV: &str = "VODSIGN_SECRET_ID";

pub(crate) const HELP: &str = "\
vodsign: make, decode and verify Tencent Cloud VOD client-upload signatures

USAGE:
  vodsign sign [OPTIONS]              print a signature (key from VODSIGN_SECRET_KEY)
  vodsign sign --batch [OPTIONS]      JSON Lines on stdin, one result line per input line
  vodsign decode [--json] [SIGNATURE] show what a signature says (no key needed; stdin when absent)
  vodsign verify [--now UNIX] [--skew SECONDS] [--json] [SIGNATURE]
                                      check MAC and time window (key from VODSIGN_SECRET_KEY)
  vodsign conformance [OPTIONS] -- CMD [ARGS...]
                                      check another signer, run as a JSON Lines child
  vodsign conformance [--json] [--strict] --signatures FILE
                                      check signatures it made (key from VODSIGN_SECRET_KEY)
  vodsign serve --config FILE         the signature distribution service (cargo feature serve;
                                      vodsign serve --help)

SIGN OPTIONS (in any order; --name=value works too):
  --secret-id ID            secretId (default: VODSIGN_SECRET_ID)
  --valid SECONDS           validity, 1 to 7776000 (default 86400)
  --time UNIX               currentTimeStamp (default: now)
  --expire-time UNIX        expireTime (default: --time plus --valid)
  --random N                random, 0 to 4294967295 (default: from the OS generator)
  --procedure NAME          --class-id N          --one-time-valid 0|1
  --source-context TEXT     --task-priority N     --task-notify-mode Finish|Change|None
  --vod-sub-app-id N        --session-context TEXT --storage-region REGION
  --sample-defaults         procedure='', classId=0, oneTimeValid=0, sourceContext='' like the
                            documented Node sample, where no option above sets them

Numbers: text that is not a whole number (-?[0-9]+) is a usage error (exit 2); a whole number
outside the option's range is refused (exit 1) with the message naming the parameter and rule.

BATCH (sign --batch): each input line is a JSON object whose keys are parameter names
(secretId, currentTimeStamp, expireTime, random, procedure, classId, ...) plus secretKey;
integers are JSON numbers. The sign options above are defaults for every line; a line's own
value wins. currentTimeStamp, expireTime and random default as above. Answers are written
out whenever the command waits for input. Lines longer than 1 MiB are answered with
line_too_long without being read into memory; a bad line never stops the batch.
Each output line is {\"signature\":\"...\"} or {\"error\":{\"code\":\"...\",\"param\":\"...\",\"message\":\"...\"}}
(param only where the error names one).

DECODE shows control and format characters escaped (\\n, \\x1b, \\u{202e}; a backslash as \\\\),
and warns about what the VOD server would refuse; --json gives the exact values.

CONFORMANCE runs CMD and writes one request per line to its stdin (the object sign --batch
reads, with secretKey: a test key made by the tool); CMD answers each with one line, flushed:
a bare signature, {\"signature\":\"...\"} or {\"error\":...} to refuse. Each answer is
classified: identical to the documented sample, server-compatible but encoded differently (each
difference named), or failing (not Base64, not a query, wrong MAC, signs what the server refuses,
signs other parameters, refuses what the server accepts, no answer).
  --cases N        seeded random cases after the sign vectors (default 100)
  --seed S         the seed (default: random, printed)
  --timeout SECS   per answer (default 10); a child that hangs is ended and restarted
  --vectors FILE   sign vectors to use (default: the built-in tests/vectors/sign.json)
  --json           the machine report: counts, every failing case, a minimal reproduction
  --strict         exit 0 only when every answer is byte-identical (default: server-compatible)
--signatures FILE: one signature per line, or {\"signature\":\"...\",\"params\":{...}} lines.

EXIT: 0 success, 1 rejected or refused (also when the output cannot be written),
2 usage error, 141 the reader of the output went away (closed pipe).
";

/// Why the command stopped.
pub(crate) enum Fail {
    /// Bad arguments: exit 2.
    Usage(String),
    /// A refusal, with `code: message`: exit 1.
    Refused(String),
    /// Standard output is closed (`>&-`): exit 1.
    Closed,
    /// Writing the output failed (a full disk, an I/O error): exit 1.
    Write(std::io::Error),
    /// The reader of the output went away: exit 141 without a message.
    Pipe,
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Refused(format!("{}: {e}", e.kind().code()))
    }
}

pub(crate) type CliResult<T = ExitCode> = Result<T, Fail>;

fn main() -> ExitCode {
    let args: Result<Vec<String>, _> = std::env::args_os().skip(1).map(|a| a.into_string()).collect();
    let result = match args {
        Ok(args) => run(&args),
        Err(_) => Err(Fail::Usage("an argument is not valid UTF-8".into())),
    };
    match result {
        Ok(code) => code,
        Err(Fail::Usage(m)) => {
            out::error(&format!("vodsign: {m}\nRun 'vodsign --help' for usage."));
            ExitCode::from(2)
        }
        Err(Fail::Refused(m)) => {
            out::error(&format!("vodsign: {m}"));
            ExitCode::from(1)
        }
        Err(Fail::Closed) => {
            out::error("vodsign: standard output is closed; nothing was written");
            ExitCode::from(1)
        }
        Err(Fail::Write(e)) => {
            out::error(&format!("vodsign: writing the output: {e}"));
            ExitCode::from(1)
        }
        Err(Fail::Pipe) => ExitCode::from(out::PIPE_EXIT),
    }
}

fn run(args: &[String]) -> CliResult {
    if args.iter().take_while(|a| *a != "--").any(|a| args::is_key_flag(a)) {
        return Err(Fail::Usage(format!(
            "the secret key is never taken from arguments (they show in process lists and shell history); set {KEY_ENV}"
        )));
    }
    let (cmd, rest) = match args.split_first() {
        None => return Err(Fail::Usage("a command is needed: sign, decode, verify or conformance".into())),
        Some((c, rest)) => (c.as_str(), rest),
    };
    match cmd {
        "-h" | "--help" | "help" => {
            out::print(HELP)?;
            Ok(ExitCode::SUCCESS)
        }
        "-V" | "--version" => {
            out::print(&format!("vodsign {}\n", env!("CARGO_PKG_VERSION")))?;
            Ok(ExitCode::SUCCESS)
        }
        "sign" => sign::cmd_sign(rest),
        "decode" => inspect::cmd_decode(rest),
        "verify" => inspect::cmd_verify(rest),
        "conformance" => conformance::cmd_conformance(rest),
        #[cfg(feature = "serve")]
        "serve" => serve::cmd_serve(rest),
        #[cfg(not(feature = "serve"))]
        "serve" => Err(Fail::Usage("this vodsign was built without the serve feature (cargo build --features serve)".into())),
        other => Err(Fail::Usage(format!(
            "unknown command {}; expected sign, decode, verify or conformance",
            escape::quoted(args::option_name(other))
        ))),
    }
}
