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
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    for stream in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(stream).contains(KEY), "the key appeared in the output of {args:?}");
    }
    out
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
}

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
    for (c, pair) in all.iter().zip(lines.chunks(2)) {
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
                assert_eq!(j["mac"], c["mac"]);
                assert_eq!(j["original"], c["original"]);
                let params = j["params"].as_object().unwrap();
                for (pair, (k, v)) in c["params"].as_array().unwrap().iter().zip(params) {
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
