//! `vodsign conformance`: checks another implementation of the signature against the documented
//! sample's behaviour, either by running it as a child that speaks JSON Lines (`-- CMD ARGS`)
//! or on signatures it already produced (`--signatures FILE`).
//!
//! Modules: [`cases`] makes the requests and their expected outcomes, [`child`] runs the command
//! under test, [`classify`] judges each answer, [`report`] prints the summary or the JSON report.

mod cases;
mod child;
mod classify;
mod report;

use std::process::ExitCode;
use std::time::Duration;

use serde_json::Value;

use crate::args::{Arg, Args, unknown};
use crate::escape::quoted;
use crate::{CliResult, Fail};
use cases::{Case, Expect};
use child::{Child, Reply};
use classify::{Against, Class, Note, Verdict, check_signature};

/// Random cases unless `--cases` says otherwise.
const DEFAULT_CASES: usize = 100;
/// Seconds to wait for each answer unless `--timeout` says otherwise.
const DEFAULT_TIMEOUT: f64 = 10.0;
/// After this many requests in a row without an answer, the remaining cases are not run.
const MAX_SILENT: usize = 3;
/// At most this many failing cases are reduced to a minimal reproduction.
const MAX_SHRUNK: usize = 20;

/// What was asked for on the command line.
pub struct Settings {
    pub cases: usize,
    pub seed: u64,
    pub seed_given: bool,
    pub timeout: Duration,
    pub json: bool,
    pub strict: bool,
    pub vectors: Option<String>,
    pub signatures: Option<String>,
    pub command: Vec<String>,
}

/// One case and its verdict.
pub struct Outcome {
    pub name: String,
    /// The request line sent (child mode), or the input line (signatures mode).
    pub request: Option<Value>,
    pub answer: Option<String>,
    pub expect: Option<Expect>,
    pub verdict: Verdict,
    /// A smaller request that fails the same way (child mode).
    pub minimal: Option<Value>,
}

pub fn cmd_conformance(rest: &[String]) -> CliResult {
    let s = parse(rest)?;
    let report = if let Some(file) = &s.signatures {
        signatures_mode(file)?
    } else {
        child_mode(&s)?
    };
    report::print(&s, &report)?;
    let pass = report.outcomes.iter().all(|o| if s.strict { o.verdict.class.passes_strict() } else { o.verdict.class.passes() });
    Ok(if pass { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn parse(rest: &[String]) -> CliResult<Settings> {
    let split = rest.iter().position(|a| a == "--");
    let (opts, command) = match split {
        Some(i) => (&rest[..i], rest[i + 1..].to_vec()),
        None => (rest, Vec::new()),
    };
    let mut s = Settings {
        cases: DEFAULT_CASES,
        seed: 0,
        seed_given: false,
        timeout: Duration::from_secs_f64(DEFAULT_TIMEOUT),
        json: false,
        strict: false,
        vectors: None,
        signatures: None,
        command,
    };
    let mut args = Args::new(opts);
    while let Some(a) = args.next()? {
        match a {
            Arg::Opt("--json") => s.json = true,
            Arg::Opt("--strict") => s.strict = true,
            Arg::Opt("--cases") => {
                let v = args.whole()?;
                s.cases = v.parse().map_err(|_| Fail::Usage(format!("--cases takes a count from 0, not {}", quoted(v))))?;
            }
            Arg::Opt("--seed") => {
                let v = args.whole()?;
                s.seed = v.parse().map_err(|_| Fail::Usage(format!("--seed takes a number from 0 to 2^64-1, not {}", quoted(v))))?;
                s.seed_given = true;
            }
            Arg::Opt("--timeout") => {
                let v = args.value()?;
                let t: f64 = v.parse().ok().filter(|t: &f64| t.is_finite() && *t > 0.0 && *t <= 3600.0).ok_or_else(|| {
                    Fail::Usage(format!("--timeout takes seconds, more than 0 and at most 3600, not {}", quoted(v)))
                })?;
                s.timeout = Duration::from_secs_f64(t);
            }
            Arg::Opt("--vectors") => s.vectors = Some(args.value()?.to_string()),
            Arg::Opt("--signatures") => s.signatures = Some(args.value()?.to_string()),
            Arg::Opt(o) => return Err(unknown(o, "conformance")),
            Arg::Positional(p) => {
                return Err(Fail::Usage(format!(
                    "conformance takes the command to test after --, as in: vodsign conformance -- {}",
                    quoted(p)
                )));
            }
        }
    }
    match (&s.signatures, s.command.is_empty()) {
        (Some(_), false) => return Err(Fail::Usage("give either --signatures FILE or -- CMD, not both".into())),
        (None, true) => {
            return Err(Fail::Usage(
                "conformance needs the command to test after -- (vodsign conformance -- CMD ARGS), or --signatures FILE".into(),
            ));
        }
        _ => {}
    }
    if !s.seed_given {
        s.seed = (u64::from(vodsign::random_u32()?) << 32) | u64::from(vodsign::random_u32()?);
    }
    Ok(s)
}

/// Everything the report shows.
pub struct Report {
    pub vectors: usize,
    pub random: usize,
    pub outcomes: Vec<Outcome>,
    /// Child mode: how many times the child was started.
    pub starts: usize,
}

fn load_vectors(s: &Settings) -> CliResult<Vec<Case>> {
    let text = match &s.vectors {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Fail::Usage(format!("cannot read the vector file {}: {e}", quoted(path))))?,
        None => cases::SIGN_VECTORS.to_string(),
    };
    cases::vectors(&text).map_err(Fail::Usage)
}

/// What a protocol line answers.
enum Answer {
    Signature(String),
    Refusal(String),
    Bad(String),
}

fn parse_answer(line: &str) -> Answer {
    let t = line.trim();
    if t.is_empty() {
        return Answer::Bad("an empty line".into());
    }
    if t.starts_with('{') {
        return match serde_json::from_str::<Value>(t) {
            Err(e) => Answer::Bad(format!("a line starting with {{ that is not JSON ({e})")),
            Ok(v) => match (v.get("signature"), v.get("error")) {
                (Some(Value::String(s)), None) => Answer::Signature(s.clone()),
                (None, Some(e)) => Answer::Refusal(match e {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }),
                _ => Answer::Bad("a JSON object without exactly one of \"signature\" (a string) and \"error\"".into()),
            },
        };
    }
    if t.starts_with('"') {
        return match serde_json::from_str::<String>(t) {
            Ok(s) => Answer::Signature(s),
            Err(e) => Answer::Bad(format!("a line starting with \" that is not a JSON string ({e})")),
        };
    }
    Answer::Signature(t.to_string())
}

/// The verdict on a signature or refusal for `case`.
fn judge(case: &Case, answer: Answer) -> Verdict {
    let key = case.key.as_bytes();
    match (&case.expect, answer) {
        (_, Answer::Bad(why)) => Verdict::new(Class::BadAnswer, vec![note("bad_answer", format!("the answer is {why}"))]),
        (Expect::Sign { .. }, Answer::Refusal(e)) => Verdict::new(
            Class::RefusesAccepted,
            vec![note("refuses_accepted", format!("refused ({}) a request the server accepts", classify::clip(&e, 200)))],
        ),
        (Expect::Refuse { .. }, Answer::Refusal(_)) => Verdict::new(Class::Refused, Vec::new()),
        (Expect::Sign { original, .. }, Answer::Signature(sig)) => {
            check_signature(&sig, &Against { key, original: Some(original), asked: Some(&case.params) })
        }
        (Expect::Refuse { reason }, Answer::Signature(sig)) => refused_but_signed(reason, &sig, key, &case.params),
    }
}

/// Whether `line` is a passing answer to `case`.
fn answers_request(case: &Case, line: &str) -> bool {
    matches!(parse_answer(line), Answer::Signature(_)) && judge(case, parse_answer(line)).class.passes()
}

/// The verdict on a signature made for a request that must be refused.
fn refused_but_signed(reason: &str, sig: &str, key: &[u8], asked: &[(String, Value)]) -> Verdict {
    let mut notes = vec![note("must_refuse", format!("signed a request the server refuses: {reason}"))];
    let v = check_signature(sig, &Against { key, original: None, asked: Some(asked) });
    if !v.class.passes() {
        notes.extend(v.notes);
    }
    Verdict::new(Class::SignsRefused, notes)
}

fn note(code: &'static str, message: String) -> Note {
    Note { code, message }
}

fn child_mode(s: &Settings) -> CliResult<Report> {
    let mut all = load_vectors(s)?;
    let vectors = all.len();
    all.extend(cases::random(s.seed, s.cases));
    let mut child = Child::new(s.command.clone(), s.timeout);
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(all.len());
    let mut silent = 0;
    for (i, case) in all.iter().enumerate() {
        if silent >= MAX_SILENT {
            let v = Verdict::new(
                Class::NotRun,
                vec![note("not_run", format!("not sent: the child gave no answer to {MAX_SILENT} requests in a row"))],
            );
            outcomes.push(outcome(case, None, v));
            continue;
        }
        let request = Value::Object(case.request());
        let (answer, verdict) = ask(&mut child, case, &request, s.timeout);
        if let Reply::NotStarted(e) = &answer {
            if i == 0 {
                return Err(Fail::Usage(e.clone()));
            }
        }
        let (text, mut verdict) = (reply_text(&answer), verdict);
        if let (Some(prev), Some(line)) = (i.checked_sub(1).map(|p| &all[p]), &text) {
            if !verdict.class.passes() && answers_request(prev, line) {
                verdict.notes.insert(
                    0,
                    note(
                        "out_of_step",
                        "this answer is the previous request's: the child writes more than one line for a request \
                         (a banner or a log line on standard output?)"
                            .into(),
                    ),
                );
            }
        }
        silent = if matches!(verdict.class, Class::Timeout | Class::ChildExited) { silent + 1 } else { 0 };
        outcomes.push(outcome(case, text, verdict));
    }
    // Reduces the first failures to the fewest parameters that still fail the same way.
    let mut shrunk = 0;
    for (o, case) in outcomes.iter_mut().zip(&all) {
        let c = o.verdict.class;
        if c.passes() || matches!(c, Class::Timeout | Class::ChildExited | Class::NotRun) || shrunk >= MAX_SHRUNK {
            continue;
        }
        shrunk += 1;
        let mut best = case.clone();
        for (name, _) in &case.params {
            if Param::from_name(name).is_none_or(|p| p.is_required()) {
                continue;
            }
            let candidate = best.without(name);
            if std::mem::discriminant(&candidate.expect) != std::mem::discriminant(&best.expect) {
                continue;
            }
            let request = Value::Object(candidate.request());
            let (_, v) = ask(&mut child, &candidate, &request, s.timeout);
            if v.class == c {
                best = candidate;
            }
        }
        o.minimal = Some(Value::Object(best.request()));
    }
    let starts = child.starts;
    drop(child);
    Ok(Report { vectors, random: s.cases, outcomes, starts })
}

use vodsign::Param;

fn outcome(case: &Case, answer: Option<String>, verdict: Verdict) -> Outcome {
    Outcome {
        name: case.name.clone(),
        request: Some(Value::Object(case.request())),
        answer,
        expect: Some(case.expect.clone()),
        verdict,
        minimal: None,
    }
}

fn reply_text(r: &Reply) -> Option<String> {
    match r {
        Reply::Line(l) => Some(l.clone()),
        _ => None,
    }
}

/// Asks the child about one case and judges the reply.
fn ask(child: &mut Child, case: &Case, request: &Value, timeout: Duration) -> (Reply, Verdict) {
    let reply = child.ask(&request.to_string());
    let verdict = match &reply {
        Reply::Line(l) => judge(case, parse_answer(l)),
        Reply::Unreadable(why) => Verdict::new(Class::BadAnswer, vec![note("bad_answer", why.clone())]),
        Reply::Timeout => Verdict::new(
            Class::Timeout,
            vec![note(
                "timeout",
                format!("no answer within {} s; the child was ended (a new one answers the next case)", timeout.as_secs_f64()),
            )],
        ),
        Reply::Exited { how, stderr } => {
            let mut m = format!("the child {how} before answering");
            let tail = stderr.trim();
            if !tail.is_empty() {
                m.push_str("; the end of its standard error: ");
                m.push_str(&classify::clip(tail, 500));
            }
            Verdict::new(Class::ChildExited, vec![note("child_exited", m)])
        }
        Reply::NotStarted(e) => Verdict::new(Class::ChildExited, vec![note("child_exited", e.clone())]),
    };
    (reply, verdict)
}

fn signatures_mode(file: &str) -> CliResult<Report> {
    let key = crate::sign::secret_key()?;
    let text = std::fs::read_to_string(file).map_err(|e| Fail::Usage(format!("cannot read {}: {e}", quoted(file))))?;
    let mut outcomes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let mut name = format!("line {}", i + 1);
        let (sig, params) = if t.starts_with('{') {
            let v: Value = match serde_json::from_str(t) {
                Ok(v) => v,
                Err(e) => {
                    let v = Verdict::new(Class::BadAnswer, vec![note("bad_answer", format!("the line is not JSON ({e})"))]);
                    outcomes.push(Outcome { name, request: None, answer: Some(t.to_string()), expect: None, verdict: v, minimal: None });
                    continue;
                }
            };
            if let Some(n) = v.get("name").and_then(Value::as_str) {
                name = format!("{name} ({n})");
            }
            let params = v.get("params").and_then(Value::as_object).map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>());
            match v.get("signature").and_then(Value::as_str) {
                Some(sig) => (sig.to_string(), params),
                None => {
                    let v = Verdict::new(Class::BadAnswer, vec![note("bad_answer", "the line has no \"signature\" string".into())]);
                    outcomes.push(Outcome { name, request: None, answer: Some(t.to_string()), expect: None, verdict: v, minimal: None });
                    continue;
                }
            }
        } else {
            (t.to_string(), None)
        };
        let (verdict, expect) = match &params {
            None => (check_signature(&sig, &Against { key: &key, original: None, asked: None }), None),
            Some(p) => {
                let expect = cases::expect_for(&key, p);
                let v = match &expect {
                    Expect::Sign { original, .. } => check_signature(&sig, &Against { key: &key, original: Some(original), asked: Some(p) }),
                    Expect::Refuse { reason } => refused_but_signed(reason, &sig, &key, p),
                };
                (v, Some(expect))
            }
        };
        let request = params.map(|p| Value::Object(p.into_iter().collect()));
        outcomes.push(Outcome { name, request, answer: Some(sig), expect, verdict, minimal: None });
    }
    Ok(Report { vectors: 0, random: 0, outcomes, starts: 0 })
}
