//! The report: a summary table with the failing cases (text), or every failing case with a
//! minimal reproduction (`--json`). Text shows what came from the child escaped, so that an
//! answer cannot forge lines or drive the terminal.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use serde_json::{Map, Value, json};

use super::cases::Expect;
use super::classify::{Class, DIFFERENCES, OTHER_DIFFERENCE, clip};
use super::{Outcome, Report, Settings};
use crate::escape::shown;
use crate::{CliResult, out};

/// Failing cases listed in the text report; `--json` lists every one.
const TEXT_FAILURES: usize = 10;

fn failing(s: &Settings, o: &Outcome) -> bool {
    if s.strict { !o.verdict.class.passes_strict() } else { !o.verdict.class.passes() }
}

/// A shell command that sends `request` to the command under test. The request is written as
/// printable ASCII (`\uXXXX` escapes beyond it), so the command can be shown on a terminal as it
/// is and pasted back.
fn reproduce(s: &Settings, request: &Value) -> String {
    let q = |t: &str| format!("'{}'", t.replace('\'', r"'\''"));
    let cmd: Vec<String> = s.command.iter().map(|a| q(&shown(a))).collect();
    format!("printf '%s\\n' {} | {}", q(&ascii_json(request)), cmd.join(" "))
}

/// `v` as JSON text with DEL and every character beyond ASCII written as `\uXXXX` (JSON escapes
/// the other control characters already, and these occur only inside strings).
fn ascii_json(v: &Value) -> String {
    let mut out = String::new();
    for c in v.to_string().chars() {
        if c.is_ascii() && c != '\x7f' {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    out
}

pub fn print(s: &Settings, r: &Report) -> CliResult<()> {
    let text = if s.json { json_report(s, r).to_string() + "\n" } else { text_report(s, r) };
    let mut w = out::stdout()?;
    w.write_all(text.as_bytes()).and_then(|()| w.flush()).map_err(out::failed)
}

fn counts(r: &Report) -> (BTreeMap<Class, usize>, BTreeMap<&'static str, usize>) {
    let mut classes = BTreeMap::new();
    let mut diffs = BTreeMap::new();
    for o in &r.outcomes {
        *classes.entry(o.verdict.class).or_insert(0) += 1;
        if o.verdict.class == Class::Compatible {
            for n in &o.verdict.notes {
                *diffs.entry(n.code).or_insert(0) += 1;
            }
        }
    }
    (classes, diffs)
}

fn verdict_line(s: &Settings, r: &Report) -> (bool, String) {
    let total = r.outcomes.len();
    let bad = r.outcomes.iter().filter(|o| failing(s, o)).count();
    let what = if s.strict { "byte-identical to the documented sample (or rightly refused)" } else { "server-compatible" };
    if bad == 0 {
        (true, format!("PASS: all {total} answers are {what}"))
    } else {
        (false, format!("FAIL: {bad} of {total} answers are not {what}"))
    }
}

fn text_report(s: &Settings, r: &Report) -> String {
    let mut t = String::new();
    if s.signatures.is_some() {
        let _ = writeln!(t, "vodsign conformance: {} signatures from {}", r.outcomes.len(), shown(s.signatures.as_deref().unwrap_or("")));
    } else {
        let _ = writeln!(t, "vodsign conformance: {}", shown(&s.command.join(" ")));
        let _ = writeln!(
            t,
            "cases: {} vectors, {} random (seed {}; rerun with --seed {} --cases {})",
            r.vectors, r.random, s.seed, s.seed, r.random
        );
    }
    let (classes, diffs) = counts(r);
    let _ = writeln!(t, "\n  {:<48} {:>6}  verdict", "result", "cases");
    for c in Class::ALL {
        let n = classes.get(&c).copied().unwrap_or(0);
        if n == 0 && matches!(c, Class::NotRun | Class::BadAnswer | Class::Timeout | Class::ChildExited) && s.signatures.is_some() {
            continue;
        }
        let verdict = match (c.passes_strict(), c.passes()) {
            (true, _) => "pass",
            (false, true) if s.strict => "FAIL (--strict)",
            (false, true) => "pass (not with --strict)",
            _ if n > 0 => "FAIL",
            _ => "",
        };
        let _ = writeln!(t, "  {:<48} {:>6}  {}", c.label(), n, verdict);
        if c == Class::Compatible {
            for (code, label) in DIFFERENCES.iter().copied().chain([(OTHER_DIFFERENCE, "other differences")]) {
                if let Some(n) = diffs.get(code) {
                    let _ = writeln!(t, "    {:<46} {:>6}", label, n);
                }
            }
        }
    }
    let _ = writeln!(t, "  {:<48} {:>6}", "total", r.outcomes.len());
    if r.starts > 1 {
        let _ = writeln!(t, "\nthe child was started {} times (it was restarted after each timeout or exit)", r.starts);
    }
    // One example of each difference, so that a compatible implementation sees what differs.
    let mut seen = Vec::new();
    let examples: Vec<&Outcome> = r
        .outcomes
        .iter()
        .filter(|o| o.verdict.class == Class::Compatible)
        .filter(|o| {
            let new = o.verdict.notes.iter().any(|n| !seen.contains(&n.code));
            seen.extend(o.verdict.notes.iter().map(|n| n.code));
            new
        })
        .collect();
    if !examples.is_empty() && !s.strict {
        let _ = writeln!(t, "\ndifferences from the documented sample (one example each):");
        for o in examples {
            let _ = writeln!(t, "  {}", shown(&o.name));
            for n in &o.verdict.notes {
                let _ = writeln!(t, "      {}: {}", n.code, shown(&clip(&n.message, 300)));
            }
        }
    }
    let failures: Vec<&Outcome> = r.outcomes.iter().filter(|o| failing(s, o)).collect();
    if !failures.is_empty() {
        let _ = writeln!(
            t,
            "\nfailing cases ({} of {}{}):",
            failures.len().min(TEXT_FAILURES),
            failures.len(),
            if failures.len() > TEXT_FAILURES { "; --json lists every one" } else { "" }
        );
        for o in failures.iter().take(TEXT_FAILURES) {
            let _ = writeln!(t, "  {}: {}", shown(&o.name), o.verdict.class.label());
            for n in &o.verdict.notes {
                let _ = writeln!(t, "      {}: {}", n.code, shown(&clip(&n.message, 300)));
            }
            if let Some(a) = &o.answer {
                let _ = writeln!(t, "      answer: {}", shown(&clip(a, 200)));
            }
            if s.signatures.is_none() {
                if let Some(req) = o.minimal.as_ref().or(o.request.as_ref()) {
                    let _ = writeln!(t, "      reproduce: {}", reproduce(s, req));
                }
            }
        }
    }
    let (_, line) = verdict_line(s, r);
    let _ = writeln!(t, "\n{line}");
    t
}

fn json_report(s: &Settings, r: &Report) -> Value {
    let (classes, diffs) = counts(r);
    let (pass, verdict) = verdict_line(s, r);
    let mut report = Map::new();
    if let Some(f) = &s.signatures {
        report.insert("mode".into(), json!("signatures"));
        report.insert("file".into(), json!(f));
    } else {
        report.insert("mode".into(), json!("child"));
        report.insert("command".into(), json!(s.command));
        report.insert("seed".into(), json!(s.seed));
        report.insert("vectors".into(), json!(r.vectors));
        report.insert("random".into(), json!(r.random));
        report.insert("childStarts".into(), json!(r.starts));
    }
    report.insert("total".into(), json!(r.outcomes.len()));
    report.insert("strict".into(), json!(s.strict));
    report.insert("pass".into(), json!(pass));
    report.insert("verdict".into(), json!(verdict));
    let counts: Map<String, Value> = Class::ALL.iter().map(|c| (c.code().to_string(), json!(classes.get(c).copied().unwrap_or(0)))).collect();
    report.insert("counts".into(), Value::Object(counts));
    let d: Map<String, Value> = diffs.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    report.insert("differences".into(), Value::Object(d));
    let cases = |want: &dyn Fn(&Outcome) -> bool| -> Vec<Value> {
        r.outcomes.iter().filter(|o| want(o)).map(|o| case_json(s, o)).collect()
    };
    report.insert("failures".into(), Value::Array(cases(&|o| failing(s, o))));
    if !s.strict {
        report.insert("compatible".into(), Value::Array(cases(&|o| o.verdict.class == Class::Compatible)));
    }
    Value::Object(report)
}

fn case_json(s: &Settings, o: &Outcome) -> Value {
    let mut c = Map::new();
    c.insert("name".into(), json!(o.name));
    c.insert("class".into(), json!(o.verdict.class.code()));
    let notes: Vec<Value> = o.verdict.notes.iter().map(|n| json!({ "code": n.code, "message": n.message })).collect();
    c.insert("notes".into(), Value::Array(notes));
    if let Some(r) = &o.request {
        c.insert(if s.signatures.is_some() { "params" } else { "request" }.into(), r.clone());
    }
    c.insert("answer".into(), o.answer.as_ref().map_or(Value::Null, |a| json!(a)));
    match &o.expect {
        // In signatures mode the expected signature would be made with the user's key: only the
        // text is shown.
        Some(Expect::Sign { original, signature }) if s.signatures.is_none() => {
            c.insert("expected".into(), json!({ "original": original, "signature": signature }));
        }
        Some(Expect::Sign { original, .. }) => {
            c.insert("expected".into(), json!({ "original": original }));
        }
        Some(Expect::Refuse { reason }) => {
            c.insert("expected".into(), json!({ "refusal": reason }));
        }
        None => {}
    }
    if s.signatures.is_none() {
        if let Some(req) = o.minimal.as_ref().or(o.request.as_ref()) {
            c.insert("reproduce".into(), json!({ "request": req, "command": reproduce(s, req) }));
        }
    }
    Value::Object(c)
}
