//! Every case of `tests/vectors/` through the Rust API. Expected values come from the Node
//! reference (`tests/reference/`), never from vodsign.

mod common;

use common::{cases, code_of, expected_error, hex, sign_params};
use serde_json::Value;
use vodsign::{Verifier, decode};

fn report(failures: Vec<String>, total: usize) {
    assert!(failures.is_empty(), "{} of {total} cases failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn sign_vectors() {
    let all = cases("sign");
    assert!(all.len() >= 60);
    let mut failures = Vec::new();
    for c in &all {
        let name = c["name"].as_str().unwrap();
        let got = sign_params(c["secretKey"].as_str().unwrap(), c["params"].as_object().unwrap());
        match (got, c.get("signature")) {
            (Ok(sig), Some(want)) => {
                if sig != want.as_str().unwrap() {
                    failures.push(format!("{name}: signature {sig} != {want}"));
                } else if decode(&sig).map(|d| d.original().to_string()).ok().as_deref() != c["original"].as_str() {
                    failures.push(format!("{name}: original differs"));
                }
            }
            (Err(e), None) => {
                if code_of(&e) != expected_error(c) {
                    failures.push(format!("{name}: error {:?} ({e}), want {:?}", code_of(&e), expected_error(c)));
                }
            }
            (Ok(sig), None) => failures.push(format!("{name}: signed {sig}, want error {:?}", expected_error(c))),
            (Err(e), Some(_)) => failures.push(format!("{name}: refused: {e}")),
        }
    }
    report(failures, all.len());
}

#[test]
fn decode_vectors() {
    let all = cases("decode");
    let mut failures = Vec::new();
    for c in &all {
        let name = c["name"].as_str().unwrap();
        match (decode(c["signature"].as_str().unwrap()), c.get("error")) {
            (Ok(d), None) => {
                let params: Vec<Value> = d.params().map(|(k, v)| Value::from(vec![k, v])).collect();
                if hex(&d.mac()) != c["mac"].as_str().unwrap() {
                    failures.push(format!("{name}: mac {}", hex(&d.mac())));
                }
                if d.original() != c["original"].as_str().unwrap() {
                    failures.push(format!("{name}: original {:?}", d.original()));
                }
                if Value::from(params.clone()) != c["params"] {
                    failures.push(format!("{name}: params {params:?}"));
                }
                let warnings: Vec<Value> = d.warnings().iter().map(|w| Value::from(w.code())).collect();
                if Value::from(warnings.clone()) != c["warnings"] {
                    failures.push(format!("{name}: warnings {warnings:?}, want {}", c["warnings"]));
                }
            }
            (Err(e), Some(_)) => {
                if code_of(&e) != expected_error(c) {
                    failures.push(format!("{name}: error {:?} ({e}), want {:?}", code_of(&e), expected_error(c)));
                }
            }
            (Ok(d), Some(_)) => failures.push(format!("{name}: decoded {:?}, want error {:?}", d.original(), expected_error(c))),
            (Err(e), None) => failures.push(format!("{name}: refused: {e}")),
        }
    }
    report(failures, all.len());
}

#[test]
fn verify_vectors() {
    let all = cases("verify");
    let mut failures = Vec::new();
    for c in &all {
        let name = c["name"].as_str().unwrap();
        let now = c["now"].as_u64().unwrap();
        let mut v = Verifier::new(c["secretKey"].as_str().unwrap().as_bytes()).unwrap();
        if let Some(skew) = c["skew"].as_u64() {
            v = v.with_skew(skew);
        }
        match (v.verify(c["signature"].as_str().unwrap(), now), c["valid"].as_bool().unwrap()) {
            (Ok(d), true) => {
                if Some(d.seconds_left(now)) != c["secondsLeft"].as_u64() {
                    failures.push(format!("{name}: secondsLeft {}", d.seconds_left(now)));
                }
                if vodsign::seconds_left(c["signature"].as_str().unwrap(), now).ok() != c["secondsLeft"].as_u64() {
                    failures.push(format!("{name}: seconds_left() differs"));
                }
            }
            (Err(e), false) => {
                if code_of(&e) != expected_error(c) {
                    failures.push(format!("{name}: error {:?} ({e}), want {:?}", code_of(&e), expected_error(c)));
                }
            }
            (Ok(_), false) => failures.push(format!("{name}: accepted, want {:?}", expected_error(c))),
            (Err(e), true) => failures.push(format!("{name}: rejected: {e}")),
        }
    }
    report(failures, all.len());
}

#[test]
fn known_answer() {
    let signer = vodsign::Signer::new("IamSecretId", b"IamSecretKey").unwrap();
    let sig = signer.sign_at(&vodsign::Options::sample_defaults(), 1571215095, 1571301495, 220625).unwrap();
    assert_eq!(
        sig,
        "j3IeOdRPWwKegeytZdde4djeEStzZWNyZXRJZD1JYW1TZWNyZXRJZCZjdXJyZW50VGltZVN0YW1wPTE1NzEyMTUwOTUmZXhwaXJlVGltZT0xNTcxMzAxNDk1JnJhbmRvbT0yMjA2MjUmcHJvY2VkdXJlPSZjbGFzc0lkPTAmb25lVGltZVZhbGlkPTAmc291cmNlQ29udGV4dD0="
    );
}
