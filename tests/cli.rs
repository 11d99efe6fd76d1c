//! The `vodsign` command: every sign vector through `sign --batch`, decode and verify vectors
//! through the commands, exit codes, and the secret key never in arguments or output.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{cases, hex};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_vodsign");
/// A key unlike any other text, so that a search of the output for it means something.
const KEY: &str = "k3y-Th4t-Must-N0t-Leak-9f1c";

fn run(args: &[&str], key: Option<&str>, stdin: &str) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("VODSIGN_SECRET_KEY").env_remove("VODSIGN_SECRET_ID");
    if let Some(k) = key {
        cmd.env("VODSIGN_SECRET_KEY", k);
    }
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // A command may end before reading all of its input (a refusal): a closed pipe here is fine.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    let out = child.wait_with_output().unwrap();
    for stream in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(stream).contains(KEY), "the key appeared in the output of {args:?}");
    }
    out
}

/// Pairs two sequences and fails when their lengths differ, so that a comparison cannot pass
/// by looking at fewer items than there are.
fn zip_exact<A: IntoIterator, B: IntoIterator>(a: A, b: B) -> Vec<(A::Item, B::Item)> {
    let (a, b): (Vec<_>, Vec<_>) = (a.into_iter().collect(), b.into_iter().collect());
    assert_eq!(a.len(), b.len(), "the compared sequences differ in length");
    a.into_iter().zip(b).collect()
}

#[test]
fn zip_exact_fails_on_a_length_difference() {
    assert_eq!(zip_exact([1, 2], ["a", "b"]).len(), 2);
    assert!(std::panic::catch_unwind(|| zip_exact([1, 2], ["a"])).is_err());
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn sign_reproduces_the_known_answer() {
    let out = run(
        &["sign", "--secret-id", "IamSecretId", "--sample-defaults", "--time", "1571215095", "--expire-time", "1571301495", "--random", "220625"],
        Some("IamSecretKey"),
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("j3IeOdRPWwKegeytZdde4djeEStz"));
}

#[test]
fn sign_then_verify_with_the_clock() {
    let out = run(&["sign", "--secret-id", "AKIDx", "--procedure", "p", "--one-time-valid", "1", "--valid", "600"], Some(KEY), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sig = text(&out.stdout).trim().to_string();
    let v = run(&["verify", "--json", &sig], Some(KEY), "");
    assert_eq!(v.status.code(), Some(0));
    let j: Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(j["valid"], true);
    assert!((595..=600).contains(&j["secondsLeft"].as_u64().unwrap()));
    assert_eq!(j["decoded"]["params"]["oneTimeValid"], 1);
}

#[test]
fn refuses_a_key_in_the_arguments() {
    for flag in ["--secret-key", "--key", "--secret-key=abc", "-k"] {
        let out = run(&["sign", "--secret-id", "x", flag, KEY], Some("env-key"), "");
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(text(&out.stderr).contains("VODSIGN_SECRET_KEY"), "{flag}: {}", text(&out.stderr));
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [vec![], vec!["frobnicate"], vec!["sign", "--class-id", "x"], vec!["sign", "--nope"], vec!["decode", "--nope"]] {
        let out = run(&args, Some(KEY), "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let out = run(&["sign", "--secret-id", "x"], None, "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("VODSIGN_SECRET_KEY"));
    let out = run(&["verify", "abc"], None, "");
    assert_eq!(out.status.code(), Some(2));
    // A usage error wins over a value outside its range, wherever it is.
    for args in [vec!["sign", "--secret-id", "x", "--class-id", "-1"], vec!["sign", "--class-id", "-1"], vec!["verify", "--now", "-1", "abc"], vec!["sign", "--time", "-1", "--nope"]] {
        let out = run(&args, if args.len() == 3 { Some(KEY) } else { None }, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
    }
}

/// Unix arguments are bytes (Windows ones are UTF-16, where this input cannot be made).
#[cfg(unix)]
#[test]
fn a_non_utf8_argument_is_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let out = Command::new(BIN)
        .arg("decode")
        .arg(std::ffi::OsStr::from_bytes(b"\xff\xfe"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not valid UTF-8"), "{}", text(&out.stderr));
}

#[test]
fn invalid_parameters_name_the_rule() {
    let long = "x".repeat(251);
    let out = run(&["sign", "--secret-id", "x", "--source-context", &long], Some(KEY), "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("sourceContext has 251 characters; at most 250"), "{}", text(&out.stderr));
    let out = run(&["sign", "--secret-id", "x", "--valid", "7776001"], Some(KEY), "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("validity_too_long"));
}

/// Every sign vector through one `sign --batch` process, in order, with bad lines in between.
#[test]
fn batch_runs_every_sign_vector() {
    let all = cases("sign");
    let mut input = String::new();
    for c in &all {
        let mut line = c["params"].as_object().unwrap().clone();
        line.insert("secretKey".into(), c["secretKey"].clone());
        input.push_str(&format!("{}\nnot json\n", Value::Object(line)));
    }
    let out = run(&["sign", "--batch"], None, &input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2 * all.len());
    for (c, pair) in zip_exact(&all, lines.chunks(2).collect::<Vec<_>>()) {
        let (got, bad) = (&pair[0], &pair[1]);
        assert_eq!(bad["error"]["code"], "invalid_json");
        match c.get("signature") {
            Some(sig) => assert_eq!(&got["signature"], sig, "{}", c["name"]),
            None => assert_eq!(got["error"]["code"], c["error"]["code"], "{}: {got}", c["name"]),
        }
    }
}

#[test]
fn batch_answers_every_line_even_broken_ones() {
    let good = json!({"secretId": "AKIDx", "secretKey": KEY, "currentTimeStamp": 1, "expireTime": 2, "random": 3}).to_string();
    let input = [good.as_bytes(), b"\n\n[1]\n\xff\xfe\n{\"secretId\":\"x\"}\n", good.as_bytes(), b"\n"].concat();
    let mut child = Command::new(BIN)
        .args(["sign", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let codes: Vec<&str> = lines.iter().map(|l| l["error"]["code"].as_str().unwrap_or("ok")).collect();
    assert_eq!(codes, ["ok", "invalid_json", "invalid_request", "invalid_json", "invalid_request", "ok"]);
    assert_eq!(lines[0], lines[5]);
}

#[test]
fn batch_fills_time_and_random() {
    let line = json!({"secretId": "AKIDx", "secretKey": KEY, "procedure": "p"}).to_string();
    let out = run(&["sign", "--batch"], None, &format!("{line}\n{line}\n"));
    let sigs: Vec<Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let a = vodsign::verify(sigs[0]["signature"].as_str().unwrap(), KEY.as_bytes(), vodsign::unix_now().unwrap()).unwrap();
    let b = vodsign::decode(sigs[1]["signature"].as_str().unwrap()).unwrap();
    assert_eq!(a.expire_time() - a.current_time_stamp(), 86_400);
    assert_ne!(a.random(), b.random(), "two signatures with the same random");
}

#[test]
fn decode_json_matches_every_decode_vector() {
    for c in cases("decode") {
        let out = run(&["decode", "--json", c["signature"].as_str().unwrap()], None, "");
        match c.get("error") {
            Some(e) => {
                assert_eq!(out.status.code(), Some(1), "{}", c["name"]);
                assert!(text(&out.stderr).contains(e["code"].as_str().unwrap()), "{}", c["name"]);
            }
            None => {
                assert_eq!(out.status.code(), Some(0), "{}: {}", c["name"], text(&out.stderr));
                let j: Value = serde_json::from_slice(&out.stdout).unwrap();
                let codes: Vec<&Value> = j["warnings"].as_array().unwrap().iter().map(|w| &w["code"]).collect();
                let expected: Vec<&Value> = c["warnings"].as_array().unwrap().iter().collect();
                assert_eq!(codes, expected, "{}", c["name"]);
                assert_eq!(j["mac"], c["mac"]);
                assert_eq!(j["original"], c["original"]);
                let params = j["params"].as_object().unwrap();
                for (pair, (k, v)) in zip_exact(c["params"].as_array().unwrap(), params) {
                    assert_eq!(pair[0], *k);
                    let shown = match v {
                        Value::String(s) => s.clone(),
                        n => n.to_string(),
                    };
                    // Integers are shown as numbers: "000220625" as 220625.
                    match v {
                        Value::Number(_) => assert_eq!(pair[1].as_str().unwrap().parse::<i128>().unwrap().to_string(), shown),
                        _ => assert_eq!(pair[1], shown),
                    }
                }
            }
        }
    }
}

#[test]
fn decode_reads_stdin_and_prints_text() {
    let c = &cases("decode")[0];
    let out = run(&["decode"], None, &format!("{}\n", c["signature"].as_str().unwrap()));
    assert!(out.status.success());
    let t = text(&out.stdout);
    assert!(t.contains(&hex(&vodsign::decode(c["signature"].as_str().unwrap()).unwrap().mac())));
    assert!(t.contains("secretId") && t.contains("currentTimeStamp"));
}

#[test]
fn verify_matches_every_verify_vector() {
    for c in cases("verify") {
        let now = c["now"].to_string();
        let skew = c["skew"].as_u64().unwrap_or(300).to_string();
        let out = run(
            &["verify", "--json", "--now", &now, "--skew", &skew, c["signature"].as_str().unwrap()],
            Some(c["secretKey"].as_str().unwrap()),
            "",
        );
        let j: Value = serde_json::from_slice(&out.stdout).unwrap();
        if c["valid"] == true {
            assert_eq!(out.status.code(), Some(0), "{}", c["name"]);
            assert_eq!(j["secondsLeft"], c["secondsLeft"]);
        } else {
            assert_eq!(out.status.code(), Some(1), "{}", c["name"]);
            assert_eq!(j["error"]["code"], c["error"]["code"], "{}", c["name"]);
        }
    }
}

#[test]
fn help_and_version() {
    let out = run(&["--help"], None, "");
    assert!(out.status.success() && text(&out.stdout).contains("vodsign sign"));
    let out = run(&["--version"], None, "");
    assert_eq!(text(&out.stdout).trim(), format!("vodsign {}", env!("CARGO_PKG_VERSION")));
}

/// A signature with a zero MAC around `original`: decode does not look at the MAC.
fn fake_sig(original: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode([&[0u8; 20][..], original.as_bytes()].concat())
}

/// The output lines of `sign --batch` (given these extra arguments) as JSON.
fn batch(extra: &[&str], input: &str) -> Vec<Value> {
    let out = run(&[&["sign", "--batch"], extra].concat(), None, input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

const FIXED: [&str; 6] = ["--time", "1571215095", "--expire-time", "1571301495", "--random", "220625"];

#[test]
fn sign_options_combine_in_any_order() {
    let sign = |args: &[&str]| {
        let out = run(&[&["sign", "--secret-id", "AKIDx"], args, &FIXED[..]].concat(), Some(KEY), "");
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout).trim().to_string()
    };
    let before = sign(&["--one-time-valid", "1", "--procedure", "P", "--class-id", "7", "--storage-region", "ap-chongqing", "--sample-defaults"]);
    let after = sign(&["--sample-defaults", "--one-time-valid", "1", "--procedure", "P", "--class-id", "7", "--storage-region", "ap-chongqing"]);
    assert_eq!(before, after);
    let d = vodsign::decode(&before).unwrap();
    assert_eq!(d.one_time_valid(), Some(1));
    assert_eq!(d.procedure(), Some("P"));
    assert_eq!(d.class_id(), Some(7));
    assert_eq!(d.source_context(), Some(""), "the sample default still applies where no option was given");
    assert_eq!(d.storage_region(), Some("ap-chongqing"));
}

#[test]
fn batch_takes_sign_options_as_defaults_for_every_line() {
    let lines = [
        json!({"secretKey": KEY}),
        json!({"secretKey": KEY, "secretId": "AKIDline", "procedure": "Y", "oneTimeValid": 0, "currentTimeStamp": 1000, "expireTime": 2000, "random": 5}),
        json!({"secretKey": KEY, "classId": 3}),
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let out = batch(
        &["--secret-id", "AKIDdefault", "--procedure", "X", "--one-time-valid", "1", "--time", "1571215095", "--valid", "600", "--random", "42", "--sample-defaults"],
        &input,
    );
    assert_eq!(out.len(), 3);
    let d: Vec<_> = out.iter().map(|l| vodsign::decode(l["signature"].as_str().unwrap_or_else(|| panic!("{l}"))).unwrap()).collect();
    assert_eq!((d[0].secret_id(), d[0].procedure(), d[0].one_time_valid()), ("AKIDdefault", Some("X"), Some(1)));
    assert_eq!((d[0].current_time_stamp(), d[0].expire_time(), d[0].random()), (1571215095, 1571215695, 42));
    assert_eq!((d[0].class_id(), d[0].source_context()), (Some(0), Some("")));
    assert_eq!((d[1].secret_id(), d[1].procedure(), d[1].one_time_valid()), ("AKIDline", Some("Y"), Some(0)));
    assert_eq!((d[1].current_time_stamp(), d[1].expire_time(), d[1].random()), (1000, 2000, 5));
    assert_eq!((d[2].class_id(), d[2].procedure()), (Some(3), Some("X")));
    // A default that breaks its rule is a refusal of the command, before any line is read.
    let out = run(&["sign", "--batch", "--task-priority", "11"], None, &input);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

/// Runs the binary with its stdout on the write end of a pipe whose read end is already closed.
#[cfg(unix)]
fn run_into_closed_pipe(args: &[&str]) -> Output {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe(2) writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: pipe(2) just opened both and nothing else owns them.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    let out = Command::new(BIN).args(args).env("VODSIGN_SECRET_KEY", KEY).stdin(Stdio::null()).stdout(write).stderr(Stdio::piped()).output().unwrap();
    assert!(!text(&out.stderr).contains(KEY));
    out
}

/// 141 is 128 + SIGPIPE: Unix only.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_quietly_with_141() {
    let sig = cases("decode")[0]["signature"].as_str().unwrap().to_string();
    for args in [vec!["decode", &sig], vec!["decode", "--json", &sig], vec!["--help"], vec!["--version"], [&["sign", "--secret-id", "x"], &FIXED[..]].concat()] {
        let out = run_into_closed_pipe(&args);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out.stderr));
    }
}

/// `/dev/full` and `sh`'s `>&-`: Linux.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_or_closed_stdout_is_exit_1() {
    let sig = cases("decode")[0]["signature"].as_str().unwrap().to_string();
    let all = [vec!["decode", &sig], vec!["--help"], [&["sign", "--secret-id", "x"], &FIXED[..]].concat(), vec!["verify", "--now", "1571215100", &sig]];
    for args in &all {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = Command::new(BIN).args(args).env("VODSIGN_SECRET_KEY", KEY).stdout(full).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?} > /dev/full: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("writing the output"), "{args:?}: {}", text(&out.stderr));
        let out = Command::new("sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" >&-")
            .arg(BIN)
            .args(args)
            .env("VODSIGN_SECRET_KEY", KEY)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?} >&-: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("standard output is closed"), "{args:?}: {}", text(&out.stderr));
        assert!(!text(&out.stderr).contains(KEY));
    }
    let input = json!({"secretId": "x", "secretKey": KEY}).to_string() + "\n";
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let mut child = Command::new(BIN).args(["sign", "--batch"]).stdin(Stdio::piped()).stdout(full).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "batch > /dev/full: {}", text(&out.stderr));
}

/// No byte or character in text output that could move the cursor, forge a line or reorder text.
fn assert_inert(out: &str) {
    for c in out.chars() {
        let bad = (c.is_control() && c != '\n')
            || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}');
        assert!(!bad, "U+{:04X} in the output:\n{out}", c as u32);
    }
}

#[test]
fn decode_text_shows_control_characters_escaped() {
    let original = "secretId=AKID%0AexpireTime%201999999999&currentTimeStamp=100&expireTime=100&random=1\
        &procedure=a%1B%5B31mred%0D%E2%80%AEevil%5Cn&evil%0Akey=%E2%81%A6x%C2%85%7F\x1b[2J";
    let out = run(&["decode", &fake_sig(original)], None, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert_inert(&t);
    assert!(t.contains("AKID\\nexpireTime 1999999999"), "{t}");
    assert!(t.contains("a\\x1b[31mred\\r\\u{202e}evil\\\\n"), "{t}");
    assert!(t.contains("evil\\nkey"), "{t}");
    assert!(t.contains("\\u{2066}x\\u{85}\\x7f"), "{t}");
    assert!(t.contains("\\x1b[2J"), "the original is escaped too: {t}");
    assert!(!t.contains("valid for 0 s"), "{t}");
    assert!(t.contains("not after currentTimeStamp"), "{t}");
    // The JSON output keeps the exact values (JSON escapes them).
    let out = run(&["decode", "--json", &fake_sig(original)], None, "");
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["params"]["procedure"], "a\u{1b}[31mred\r\u{202e}evil\\n");
}

#[test]
fn verify_and_error_text_is_escaped() {
    // A rejected signature whose values carry control characters.
    let bad_sig = fake_sig("secretId=a%1B%5B2J&currentTimeStamp=1&expireTime=2&random=1&taskNotifyMode=%1B%5B2J%E2%80%AE");
    for args in [vec!["verify", "--now", "1", &bad_sig], vec!["decode", &bad_sig], vec!["sign", "--secret-id", "x", "--task-notify-mode", "\u{1b}[2J\u{202e}"], vec!["\u{1b}[2J\u{202e}"], vec!["sign", "--\u{1b}[2J\u{202e}"]] {
        let out = run(&args, Some(KEY), "");
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert_inert(&text(&out.stdout));
        assert_inert(&text(&out.stderr));
    }
}

#[test]
fn batch_refuses_duplicate_keys() {
    for key in ["secretKey", "secretId", "classId", "procedure", "nope"] {
        let line = format!(r#"{{"secretId":"AKIDx","secretKey":"{KEY}","classId":1,"procedure":"p","{key}":1,"{key}":"again"}}"#);
        let out = batch(&[], &format!("{line}\n"));
        assert_eq!(out[0]["error"]["code"], "invalid_request", "{key}: {}", out[0]);
        let message = out[0]["error"]["message"].as_str().unwrap();
        assert!(message.contains(key) && message.contains("more than once"), "{key}: {message}");
    }
}

#[test]
fn batch_numbers_get_the_codes_and_messages_decode_gives() {
    for n in ["-0", "0", "18446744073709551615", "18446744073709551616", "99999999999999999999", "-1", "1.5", "1e3", "1E+2", "-1.0e-2", "123456789012345678901234567890123456789012"] {
        let line = format!(r#"{{"secretId":"AKIDx","secretKey":"{KEY}","currentTimeStamp":1,"expireTime":2,"random":3,"classId":{n}}}"#);
        let got = &batch(&[], &format!("{line}\n"))[0];
        let decoded = vodsign::decode(&fake_sig(&format!("secretId=AKIDx&currentTimeStamp=1&expireTime=2&random=3&classId={}", n.replace('+', "%2B"))));
        match decoded {
            Ok(d) => {
                let sig = got["signature"].as_str().unwrap_or_else(|| panic!("{n}: {got}"));
                assert_eq!(vodsign::decode(sig).unwrap().class_id(), d.class_id(), "{n}");
            }
            Err(e) => {
                assert_eq!(got["error"]["code"], e.kind().code(), "{n}: {got}");
                assert_eq!(got["error"]["message"], e.message(), "{n}: {got}");
                assert_eq!(got["error"]["param"], "classId", "{n}: {got}");
            }
        }
    }
}

#[test]
fn batch_refuses_in_canonical_order_whatever_the_key_order() {
    for c in cases("sign").iter().filter(|c| c.get("error").is_some()) {
        let params = c["params"].as_object().unwrap();
        let mut forward = params.clone();
        forward.insert("secretKey".into(), c["secretKey"].clone());
        let mut reversed = serde_json::Map::new();
        for (k, v) in forward.iter().rev() {
            reversed.insert(k.clone(), v.clone());
        }
        let out = batch(&[], &format!("{}\n{}\n", Value::Object(forward), Value::Object(reversed)));
        for got in zip_exact([0, 1], &out) {
            let e = &got.1["error"];
            assert_eq!(e["code"], c["error"]["code"], "{}: {e}", c["name"]);
            assert_eq!(e.get("param"), c["error"].get("param"), "{}: {e}", c["name"]);
        }
    }
    // Required before optional, whatever the line's order.
    let out = batch(&[], &format!("{}\n", json!({"taskPriority": 11, "secretKey": KEY, "random": 1, "expireTime": 2, "currentTimeStamp": -1, "secretId": "x"})));
    assert_eq!(out[0]["error"]["param"], "currentTimeStamp", "{}", out[0]);
}

#[test]
fn number_errors_follow_one_rule() {
    // Text that is not a whole number: usage error.
    for (flag, v) in [("--time", "1.5"), ("--random", "x"), ("--class-id", "+1"), ("--valid", ""), ("--expire-time", "1e3"), ("--task-priority", "--x")] {
        let out = run(&["sign", "--secret-id", "x", flag, v], Some(KEY), "");
        assert_eq!(out.status.code(), Some(2), "{flag} {v}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("takes a whole number"), "{flag} {v}: {}", text(&out.stderr));
    }
    // A whole number outside the range: exit 1 with the core's message.
    for (flag, v, message) in [
        ("--time", "-1", "invalid_parameter: currentTimeStamp is -1; must be a non-negative whole number below 2^64"),
        ("--expire-time", "18446744073709551616", "invalid_parameter: expireTime is 18446744073709551616; must be a non-negative whole number below 2^64"),
        ("--random", "4294967296", "invalid_parameter: random is 4294967296; a signature's random must be from 0 to 4294967295"),
        ("--random", "-1", "invalid_parameter: random is -1;"),
        ("--class-id", "-1", "invalid_parameter: classId is -1; must be a non-negative whole number below 2^64"),
        ("--valid", "-1", "invalid_parameter: validity is -1; must be from 1 to 7776000"),
        ("--valid", "0", "invalid_parameter: validity is 0"),
        ("--valid", "99999999999999999999999", "validity is 99999999999999999999999"),
    ] {
        let out = run(&["sign", "--secret-id", "x", flag, v], Some(KEY), "");
        assert_eq!(out.status.code(), Some(1), "{flag} {v}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(message), "{flag} {v}: {}", text(&out.stderr));
    }
    for (flag, v, code) in [("--now", "-1", 1), ("--skew", "-5", 1), ("--now", "x", 2), ("--skew", "1.0", 2)] {
        let out = run(&["verify", flag, v, "abc"], Some(KEY), "");
        assert_eq!(out.status.code(), Some(code), "{flag} {v}: {}", text(&out.stderr));
    }
}

#[test]
fn an_unknown_option_is_echoed_without_its_value() {
    for args in [vec!["sign", "--frob=s3cr3t-value"], vec!["decode", "--frob=s3cr3t-value"], vec!["verify", "--frob=s3cr3t-value"]] {
        let out = run(&args, Some("env-key"), "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains("--frob") && !err.contains("s3cr3t"), "{args:?}: {err}");
    }
    for flag in ["--secret_key", "--secretKey", "--SECRET-KEY", "--Secret_Key", "-K", "--key", "--api-key", "--sk"] {
        for args in [vec!["sign", "--secret-id", "x", flag, KEY], vec!["sign", &format!("{flag}={KEY}")], vec!["verify", &format!("{flag}={KEY}"), "sig"]] {
            let out = run(&args, Some("env-key"), "");
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            assert!(text(&out.stderr).contains("VODSIGN_SECRET_KEY"), "{args:?}: {}", text(&out.stderr));
        }
    }
}

#[test]
fn batch_bounds_the_line_length() {
    let good = json!({"secretId": "AKIDx", "secretKey": KEY, "currentTimeStamp": 1, "expireTime": 2, "random": 3}).to_string();
    // Exactly 1 MiB is read (and refused for its sessionContext); one byte more is not read at all.
    let at_bound = |extra: usize| {
        let pad = 1024 * 1024 - good.len() - r#","sessionContext":"""#.len() + extra;
        format!("{},\"sessionContext\":\"{}\"}}", &good[..good.len() - 1], "x".repeat(pad))
    };
    assert_eq!(at_bound(0).len(), 1024 * 1024);
    let out = batch(&[], &format!("{}\n{}\r\n{good}\n{}", at_bound(0), at_bound(1), at_bound(1)));
    let codes: Vec<&str> = out.iter().map(|l| l["error"]["code"].as_str().unwrap_or("ok")).collect();
    assert_eq!(codes, ["invalid_parameter", "line_too_long", "ok", "line_too_long"]);
}

/// A 100 MB line is not held in memory: the process's peak resident size (wait4's rusage, Linux)
/// stays under 64 MiB, and the batch goes on. Measured rather than imposed with `ulimit -v`, so
/// that it also holds when the binary runs under an emulator, whose own address-space
/// reservations an address-space limit would count.
#[cfg(target_os = "linux")]
#[test]
#[allow(clippy::zombie_processes, reason = "the child is reaped by libc::wait4, which also gives its rusage")]
fn batch_does_not_hold_a_long_line_in_memory() {
    use std::io::Read;
    let good = json!({"secretId": "AKIDx", "secretKey": KEY, "currentTimeStamp": 1, "expireTime": 2, "random": 3}).to_string();
    let mut child = Command::new(BIN)
        .args(["sign", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let good2 = good.clone();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..100 {
            if stdin.write_all(&chunk).is_err() {
                return;
            }
        }
        let _ = stdin.write_all(format!("\n{good2}\n").as_bytes());
    });
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut v = Vec::new();
        stderr.read_to_end(&mut v).unwrap();
        v
    });
    let mut stdout = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut stdout).unwrap();
    writer.join().unwrap();
    let stderr = errors.join().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 overwrites it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is this test's child, not yet waited for (`child` is never waited on after
    // this); `status` and `usage` are writable.
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "status {status:#x}: {}", text(&stderr));
    let peak_mib = usage.ru_maxrss / 1024;
    assert!(peak_mib < 64, "peak resident size {peak_mib} MiB while a 100 MB line went by");
    let lines: Vec<Value> = text(&stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["error"]["code"], "line_too_long");
    assert!(lines[1]["signature"].is_string());
}

/// The official Python sample's signature (key IamSecretKey): a 10-year validity.
const PYTHON_SAMPLE: &str = "aG6ZX3aZf+6tg/yRDZdRSNtM39lzZWNyZXRJZD1JYW1TZWNyZXRJZCZjdXJyZW50VGltZVN0YW1wPTE1NzEyMTUwOTUmZXhwaXJlVGltZT0xODg2NTc1MDk1JnJhbmRvbT0yMjA2MjU=";

#[test]
fn decode_reports_what_the_server_would_refuse() {
    let expected = vodsign::decode(PYTHON_SAMPLE).unwrap().warnings();
    assert_eq!(expected.len(), 1);
    let out = run(&["decode", PYTHON_SAMPLE], None, "");
    assert_eq!(out.status.code(), Some(0));
    let t = text(&out.stdout);
    assert!(t.contains(&format!("warning  validity_too_long: {}", expected[0].message())), "{t}");
    let out = run(&["decode", "--json", PYTHON_SAMPLE], None, "");
    assert_eq!(out.status.code(), Some(0));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let w = &expected[0];
    assert_eq!(j["warnings"], json!([{"code": w.code(), "param": w.param(), "message": w.message()}]));

    // Unknown parameters, escaped in text; a valid signature still verifies, with its warnings.
    let signer = vodsign::Signer::new("AKIDx", KEY.as_bytes()).unwrap();
    let sig = signer.sign_at(&vodsign::Options::new(), 1000, 2000, 7).unwrap();
    let d = vodsign::decode(&sig).unwrap();
    let original = format!("{}&evil%1B%5B2J=1", d.original());
    let sig = {
        use base64::Engine;
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(KEY.as_bytes()).unwrap();
        mac.update(original.as_bytes());
        base64::engine::general_purpose::STANDARD.encode([&mac.finalize().into_bytes()[..], original.as_bytes()].concat())
    };
    let out = run(&["decode", &sig], None, "");
    let t = text(&out.stdout);
    assert_inert(&t);
    assert!(t.contains("warning  unknown_parameter: ") && t.contains("evil\\x1b[2J "), "{t}");
    let out = run(&["verify", "--json", "--now", "1500", &sig], Some(KEY), "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["decoded"]["warnings"][0]["code"], "unknown_parameter", "{j}");
    assert_eq!(j["decoded"]["warnings"][0]["param"], "evil\u{1b}[2J", "{j}");
    let out = run(&["verify", "--now", "1500", &sig], Some(KEY), "");
    assert_eq!(out.status.code(), Some(0));
    let t = text(&out.stdout);
    assert_inert(&t);
    assert!(t.contains("warning  unknown_parameter"), "{t}");
}

#[test]
fn batch_finds_a_duplicate_among_many_keys_quickly() {
    // 60,000 distinct unknown keys, then a repeated one: found in linear time, well under a second.
    let mut line = String::from("{");
    for i in 0..60_000 {
        line.push_str(&format!("\"k{i}\":1,"));
    }
    line.push_str("\"k0\":2}");
    let started = std::time::Instant::now();
    let out = batch(&[], &format!("{line}\n"));
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(out[0]["error"]["message"], "\"k0\" appears more than once");
}

#[test]
fn batch_answers_a_line_before_the_input_ends() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(BIN)
        .args(["sign", "--batch", "--secret-id", "AKIDx"])
        .env_remove("VODSIGN_SECRET_ID")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut answers = BufReader::new(child.stdout.take().unwrap());
    for i in 0..3 {
        writeln!(stdin, "{}", json!({"secretKey": KEY, "random": i})).unwrap();
        stdin.flush().unwrap();
        // Answered while stdin stays open: a co-process can wait for each answer.
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut l = String::new();
            answers.read_line(&mut l).unwrap();
            tx.send(l).unwrap();
            answers
        });
        let l = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("no answer to line {i} while the input stays open")
        });
        answers = reader.join().unwrap();
        let v: Value = serde_json::from_str(&l).unwrap();
        assert_eq!(vodsign::decode(v["signature"].as_str().unwrap()).unwrap().random(), i);
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
