//! `vodsign conformance`: the example adapters (Python, PHP) pass with their encoding differences
//! named; a deviant signer's known mistakes are each classified and named; a child that hangs,
//! crashes, prints garbage or exits early gets a clear report without hanging the tool; the
//! --signatures mode; the key stays out of every output.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn path(rel: &str) -> String {
    root().join(rel).to_string_lossy().into_owned()
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vodsign"));
    cmd.args(args).env_remove("VODSIGN_SECRET_KEY").stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("vodsign runs")
}

/// Runs `vodsign conformance --json OPTIONS -- CHILD...` and returns the exit code and report.
fn report(options: &[&str], child: &[&str]) -> (i32, Value) {
    let mut args = vec!["conformance", "--json"];
    args.extend_from_slice(options);
    args.push("--");
    args.extend_from_slice(child);
    let out = run(&args, &[]);
    let text = String::from_utf8(out.stdout).unwrap();
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {text}\nstderr: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), v)
}

fn deviant(mode: &str, options: &[&str]) -> (i32, Value) {
    let script = path("tests/conformance/deviant_signer.py");
    report(options, &["python3", &script, mode])
}

fn count(r: &Value, class: &str) -> u64 {
    r["counts"][class].as_u64().unwrap_or_else(|| panic!("no count for {class}: {r}"))
}

/// The failing or compatible case named `name`.
fn case<'a>(r: &'a Value, name: &str) -> &'a Value {
    ["failures", "compatible"]
        .iter()
        .filter_map(|k| r[k].as_array())
        .flatten()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no failing or compatible case {name} in {r}"))
}

/// Asserts that case `name` is of `class` with a note of `code` whose message has `text`.
fn assert_case(r: &Value, name: &str, class: &str, code: &str, text: &str) {
    let c = case(r, name);
    assert_eq!(c["class"], class, "{name}: {c}");
    let notes = c["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n["code"] == code && n["message"].as_str().unwrap().contains(text)),
        "{name}: no note {code} containing {text:?}: {c}"
    );
}

const FAILURES: [&str; 10] = [
    "not_base64",
    "not_a_query",
    "bad_mac",
    "signs_refused",
    "wrong_content",
    "refuses_accepted",
    "bad_answer",
    "timeout",
    "child_exited",
    "not_run",
];

fn failures(r: &Value) -> u64 {
    FAILURES.iter().map(|c| count(r, c)).sum()
}

#[test]
fn the_documented_encoding_is_identical_even_under_strict() {
    let (code, r) = deviant("node", &["--strict", "--seed", "11", "--cases", "150"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(count(&r, "identical") + count(&r, "refused"), r["total"].as_u64().unwrap());
    assert!(count(&r, "refused") > 20 && count(&r, "identical") > 100, "{r}");
    assert_eq!(r["pass"], true);
}

#[test]
fn the_python_example_is_server_compatible_with_its_differences_named() {
    let script = path("examples/conformance/python_signer.py");
    let (code, r) = report(&["--seed", "12", "--cases", "150"], &["python3", &script]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(failures(&r), 0, "{r}");
    assert!(count(&r, "compatible") > 0 && count(&r, "identical") > 0 && count(&r, "refused") > 0);
    let diffs = &r["differences"];
    assert!(diffs["plus_for_space"].as_u64() > Some(0), "{r}");
    assert!(diffs["sub_delims_escaped"].as_u64() > Some(0), "{r}");
    // Python's quote_plus leaves ~ as it is, unlike PHP.
    assert!(diffs.get("tilde_escaped").is_none(), "{r}");
    assert_case(&r, "reserved-u0020", "compatible", "plus_for_space", "+ for a space");
    assert_case(&r, "params-json-order-scrambled", "compatible", "parameter_order", "storageRegion, sessionContext");
    // Not byte-identical: --strict fails.
    let (code, r) = report(&["--strict", "--seed", "12", "--cases", "20"], &["python3", &script]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["pass"], false);
}

/// The PHP interpreter, which `./build.sh test` installs: missing, the suite fails (never skips).
fn php() -> &'static str {
    match Command::new("php").arg("--version").output() {
        Ok(o) if o.status.success() => "php",
        _ => panic!(
            "php is not installed, so the PHP example adapter cannot be checked: `./build.sh test` installs php-cli \
             (or install it by hand: apt-get install php-cli)"
        ),
    }
}

#[test]
fn the_php_example_is_server_compatible_with_its_differences_named() {
    let script = path("examples/conformance/php_signer.php");
    let (code, r) = report(&["--seed", "13", "--cases", "150"], &[php(), &script]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(failures(&r), 0, "{r}");
    let diffs = &r["differences"];
    for d in ["plus_for_space", "tilde_escaped", "sub_delims_escaped"] {
        assert!(diffs[d].as_u64() > Some(0), "{d}: {r}");
    }
    assert_case(&r, "reserved-u007e", "compatible", "tilde_escaped", "%7E for ~");
    assert_case(&r, "reserved-u0021", "compatible", "sub_delims_escaped", "!");
}

#[test]
fn a_wrong_key_is_a_bad_mac_over_the_right_text() {
    let (code, r) = deviant("wrong-key", &["--cases", "0"]);
    assert_eq!(code, 1);
    assert_case(&r, "seed-defaults", "bad_mac", "bad_mac", "byte-identical to the documented sample's");
    assert_eq!(count(&r, "identical"), 0);
}

#[test]
fn a_mac_over_other_text_is_named() {
    let (code, r) = deviant("mac-of-other-text", &["--cases", "0"]);
    assert_eq!(code, 1);
    assert_case(&r, "reserved-u0020", "bad_mac", "bad_mac", "MAC is that of the documented sample's text");
}

#[test]
fn lowercase_hex_is_compatible_and_named() {
    let (code, r) = deviant("lowercase-hex", &["--cases", "0"]);
    assert_eq!(code, 0, "{r}");
    assert_case(&r, "reserved-u002f", "compatible", "lowercase_hex", "lowercase hex");
    let (code, _) = deviant("lowercase-hex", &["--cases", "0", "--strict"]);
    assert_eq!(code, 1);
}

#[test]
fn a_ten_year_validity_signs_what_the_server_refuses() {
    let (code, r) = deviant("ten-years", &["--cases", "0"]);
    assert_eq!(code, 1);
    assert_case(&r, "required-only", "signs_refused", "validity_too_long", "315360000 seconds");
    assert_case(&r, "required-only", "signs_refused", "wrong_content", "expireTime");
}

#[test]
fn a_fractional_timestamp_signs_what_the_server_refuses() {
    let (code, r) = deviant("fractional", &["--cases", "0"]);
    assert_eq!(code, 1);
    assert_case(&r, "required-only", "signs_refused", "not_an_integer", "fractional");
}

#[test]
fn requests_that_must_be_refused_are_named_when_signed() {
    let (code, r) = deviant("no-checks", &["--cases", "0"]);
    assert_eq!(code, 1);
    assert_case(&r, "sourceContext-251-ascii", "signs_refused", "must_refuse", "251 characters");
    assert_case(&r, "sessionContext-1001-ascii", "signs_refused", "must_refuse", "1001 characters");
    assert_case(&r, "random-4294967296", "signs_refused", "must_refuse", "random");
    assert_case(&r, "validity-7776001", "signs_refused", "must_refuse", "at most 7776000");
    assert_case(&r, "taskPriority-11", "signs_refused", "must_refuse", "taskPriority");
    assert_eq!(count(&r, "refused"), 0);
    // Random cases break rules too, fractional timestamps among them.
    let (_, r) = deviant("no-checks", &["--seed", "4", "--cases", "300", "--vectors", &path("tests/conformance/none.json")]);
    let names: Vec<&str> = r["failures"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.iter().any(|n| n.ends_with("fractional-currentTimeStamp")), "{names:?}");
    assert!(r["failures"].as_array().unwrap().iter().all(|c| c["class"] == "signs_refused"), "{r}");
}

#[test]
fn refusing_what_the_server_accepts_is_named() {
    let (code, r) = deviant("refuse-all", &["--cases", "0"]);
    assert_eq!(code, 1);
    assert_case(&r, "seed-defaults", "refuses_accepted", "refuses_accepted", "(no)");
    assert!(count(&r, "refused") > 20);
}

#[test]
fn broken_base64_is_named() {
    let (_, r) = deviant("truncate", &["--cases", "0"]);
    assert_case(&r, "seed-defaults", "not_base64", "not_base64", "");
    let (_, r) = deviant("urlsafe", &["--cases", "0"]);
    assert_case(&r, "only-vodSubAppId-0", "not_base64", "not_base64", "URL-safe");
    let (_, r) = deviant("garbage", &["--cases", "0"]);
    assert_case(&r, "seed-defaults", "not_base64", "not_base64", "");
    assert_eq!(case(&r, "seed-defaults")["answer"], "hello, this is not a signature");
}

#[test]
fn unescaped_text_is_compatible_only_where_it_parses_the_same() {
    let (code, r) = deviant("unescaped", &["--cases", "0"]);
    assert_eq!(code, 1);
    assert_case(&r, "reserved-u002f", "compatible", "unescaped_reserved", "/");
    assert_case(&r, "cjk", "compatible", "unescaped_non_ascii", "raw UTF-8");
    assert_case(&r, "reserved-u0026", "wrong_content", "wrong_content", "asked \"a&b\"");
    assert_case(&r, "reserved-u0025", "not_a_query", "malformed_query", "");
}

#[test]
fn parameters_emitted_left_out_and_reordered_are_compatible_and_named() {
    let (code, r) = deviant("defaults", &["--cases", "0"]);
    assert_eq!(code, 0, "{r}");
    assert_case(&r, "required-only", "compatible", "parameters_emitted", "classId=0");
    let (code, r) = deviant("skip-empty", &["--cases", "0"]);
    assert_eq!(code, 0, "{r}");
    assert_case(&r, "only-procedure-empty", "compatible", "parameters_left_out", "procedure");
    let (code, r) = deviant("sorted", &["--cases", "0"]);
    assert_eq!(code, 0, "{r}");
    assert_case(&r, "seed-defaults", "compatible", "parameter_order", "classId, currentTimeStamp");
}

#[test]
fn a_failing_random_case_comes_with_a_minimal_reproduction() {
    let (_, r) = deviant("ten-years", &["--seed", "9", "--cases", "30", "--vectors", &path("tests/conformance/none.json")]);
    let failures = r["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 30);
    let with_options = failures.iter().find(|c| c["request"].as_object().unwrap().len() > 6).expect("a case with options");
    let minimal = with_options["reproduce"]["request"].as_object().unwrap();
    // Only the key and the four required parameters are needed to show the mistake.
    let keys: Vec<&str> = minimal.keys().map(String::as_str).collect();
    assert_eq!(keys, ["secretKey", "secretId", "currentTimeStamp", "expireTime", "random"], "{with_options}");
    let command = with_options["reproduce"]["command"].as_str().unwrap();
    assert!(command.starts_with("printf '%s\\n' '{") && command.ends_with("'ten-years'"), "{command}");
}

#[test]
fn a_seed_reproduces_the_same_cases_and_a_default_seed_is_printed() {
    let (_, a) = deviant("wrong-key", &["--seed", "77", "--cases", "40"]);
    let (_, b) = deviant("wrong-key", &["--seed", "77", "--cases", "40"]);
    assert_eq!(a["failures"], b["failures"]);
    assert_eq!(a["seed"], 77);
    let out = run(&["conformance", "--cases", "3", "--", "python3", &path("tests/conformance/deviant_signer.py"), "node"], &[]);
    let text = String::from_utf8(out.stdout).unwrap();
    let seed = text.split("rerun with --seed ").nth(1).expect("the seed is printed");
    assert!(seed.split(' ').next().unwrap().parse::<u64>().is_ok(), "{text}");
}

#[test]
fn a_child_that_hangs_on_one_request_times_out_and_the_rest_run() {
    let start = Instant::now();
    // Long enough for a restarted interpreter to answer on a loaded machine.
    let (code, r) = deviant("hang-on-random-0", &["--timeout", "5", "--cases", "0"]);
    assert!(start.elapsed() < Duration::from_secs(60));
    assert_eq!(code, 1);
    assert_case(&r, "random-0", "timeout", "timeout", "no answer within 5 s");
    assert_eq!(failures(&r), 1, "{r}");
    assert!(r["childStarts"].as_u64() == Some(2), "{r}");
}

#[test]
fn a_child_that_never_answers_is_given_up_on_quickly() {
    let start = Instant::now();
    // A shell that waits on a grandchild: the whole process group is ended.
    let (code, r) = report(&["--timeout", "0.5", "--cases", "5"], &["sh", "-c", "sleep 30; echo late"]);
    assert!(start.elapsed() < Duration::from_secs(20), "took {:?}", start.elapsed());
    assert_eq!(code, 1);
    assert_eq!(count(&r, "timeout"), 3);
    assert_eq!(count(&r, "not_run"), r["total"].as_u64().unwrap() - 3);
    assert!(r["failures"][3]["notes"][0]["message"].as_str().unwrap().contains("3 requests in a row"));
}

#[test]
fn a_crashing_child_is_reported_with_its_error_output_and_restarted() {
    let (code, r) = deviant("crash-on-random-0", &["--cases", "0"]);
    assert_eq!(code, 1);
    assert_case(&r, "random-0", "child_exited", "child_exited", "exited with status 1");
    assert_case(&r, "random-0", "child_exited", "child_exited", "deliberate crash on random=0");
    assert_eq!(failures(&r), 1, "{r}");
}

#[test]
fn a_child_that_exits_early_is_reported_and_restarted() {
    let (code, r) = deviant("exit-early", &["--cases", "0"]);
    assert_eq!(code, 1);
    // It answers five requests, then exits: every sixth request finds it gone.
    let exited = count(&r, "child_exited");
    assert_eq!(exited, r["total"].as_u64().unwrap() / 6, "{r}");
    assert_case(&r, "only-classId", "child_exited", "child_exited", "exited with status 0 before answering");
    assert_eq!(failures(&r), exited);
}

#[test]
fn a_child_that_exits_at_once_or_cannot_start_is_reported() {
    let (code, r) = report(&["--cases", "2"], &["false"]);
    assert_eq!(code, 1);
    assert_eq!(count(&r, "child_exited"), 3);
    assert_eq!(count(&r, "not_run"), r["total"].as_u64().unwrap() - 3);
    let out = run(&["conformance", "--", "/nonexistent/signer"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not start /nonexistent/signer"));
}

#[test]
fn garbage_lines_are_bad_answers() {
    let (code, r) = deviant("binary", &["--cases", "0"]);
    assert_eq!(code, 1);
    assert_case(&r, "seed-defaults", "bad_answer", "bad_answer", "not UTF-8");
    let (_, r) = report(&["--cases", "0"], &["sh", "-c", "while read l; do echo '{not json'; done"]);
    assert_case(&r, "seed-defaults", "bad_answer", "bad_answer", "not JSON");
    // A child that floods its output without reading: every answer is "y".
    let (_, r) = report(&["--cases", "50"], &["yes"]);
    // (a "y" for a request that must be refused signs what the server refuses)
    assert_eq!(count(&r, "not_base64") + count(&r, "signs_refused"), r["total"].as_u64().unwrap(), "{}", r["counts"]);
    let (_, r) = report(&["--cases", "0"], &["sh", "-c", "while read l; do echo '{\"sig\": 1}'; done"]);
    assert_case(&r, "seed-defaults", "bad_answer", "bad_answer", "exactly one of");
}

#[test]
fn a_child_out_of_step_is_named() {
    // A banner line on standard output puts every later answer one request late.
    let script = path("tests/conformance/deviant_signer.py");
    let (_, r) = report(&["--cases", "0"], &["sh", "-c", &format!("echo banner; exec python3 '{script}' node")]);
    assert_case(&r, "seed-defaults", "not_base64", "not_base64", "");
    assert_case(&r, "only-classId", "wrong_content", "out_of_step", "previous request's");
}

#[test]
fn the_child_never_sees_the_users_key() {
    let secret = "user-key-must-not-reach-the-child";
    let out = run(
        &["conformance", "--cases", "0", "--", "sh", "-c", "echo \"key=[$VODSIGN_SECRET_KEY]\" >&2; exit 3"],
        &[("VODSIGN_SECRET_KEY", secret)],
    );
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(all.contains("key=[]"), "{all}");
    assert!(!all.contains(secret));
}

#[test]
fn usage_errors() {
    for args in [
        &["conformance"][..],
        &["conformance", "python3"],
        &["conformance", "--signatures", "x", "--", "python3"],
        &["conformance", "--timeout", "0", "--", "true"],
        &["conformance", "--cases", "-1", "--", "true"],
        &["conformance", "--bogus", "--", "true"],
    ] {
        let out = run(args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// A signature made by `vodsign sign` with `key`.
fn signed(key: &str, extra: &[&str]) -> String {
    let mut args = vec!["sign", "--secret-id", "AKIDsig", "--time", "1700000000", "--random", "42"];
    args.extend_from_slice(extra);
    let out = run(&args, &[("VODSIGN_SECRET_KEY", key)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn signatures_mode_checks_a_file_without_showing_the_key() {
    let key = "the-users-real-key-4f2a";
    let good = signed(key, &["--source-context", "a b"]);
    let other_key = signed("another-key", &[]);
    // The official Python sample's text: a ten-year validity.
    let ten_years =
        sign_text(key, "secretId=IamSecretId&currentTimeStamp=1571215095&expireTime=1886575095&random=220625");
    // PHP's encoding of the same parameters as `good`.
    let php_style = sign_text(
        key,
        "secretId=AKIDsig&currentTimeStamp=1700000000&expireTime=1700086400&random=42&sourceContext=a+b",
    );
    let params = r#"{"secretId":"AKIDsig","currentTimeStamp":1700000000,"expireTime":1700086400,"random":42,"sourceContext":"a b"}"#;
    let file = std::env::temp_dir().join(format!("vodsign-conformance-{}.txt", std::process::id()));
    let lines = [
        good.clone(),
        format!(r#"{{"name":"with params","signature":"{good}","params":{params}}}"#),
        format!(r#"{{"name":"php","signature":"{php_style}","params":{params}}}"#),
        other_key,
        "not a signature".to_string(),
        format!(r#"{{"signature":"{ten_years}"}}"#),
        String::new(),
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let f = file.to_string_lossy().into_owned();
    let out = run(&["conformance", "--json", "--signatures", &f], &[("VODSIGN_SECRET_KEY", key)]);
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    let r: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(r["total"], 6, "{r}");
    assert_eq!(count(&r, "identical"), 2, "{r}");
    assert_case(&r, "line 3 (php)", "compatible", "plus_for_space", "+ for a space");
    assert_case(&r, "line 4", "bad_mac", "bad_mac", "");
    assert_case(&r, "line 5", "not_base64", "not_base64", "");
    assert_case(&r, "line 6", "signs_refused", "validity_too_long", "90 days");
    let human = run(&["conformance", "--signatures", &f], &[("VODSIGN_SECRET_KEY", key)]);
    let all = [out.stdout, out.stderr, human.stdout, human.stderr].concat();
    assert!(!String::from_utf8_lossy(&all).contains(key), "the key is in the output");
    // No key: a usage error naming the variable.
    let out = run(&["conformance", "--signatures", &f], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("VODSIGN_SECRET_KEY"));
    std::fs::remove_file(&file).unwrap();
}

/// Base64(HMAC-SHA1(key, text) ‖ text), by the Python standard library (an independent signer).
fn sign_text(key: &str, text: &str) -> String {
    let script = "import base64,hashlib,hmac,sys\nk,t=sys.argv[1].encode(),sys.argv[2].encode()\nprint(base64.b64encode(hmac.new(k,t,hashlib.sha1).digest()+t).decode())";
    let out = Command::new("python3").args(["-c", script, key, text]).output().expect("python3 runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
