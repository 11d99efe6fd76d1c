//! Secret hygiene: the key never appears in `Debug`, `Display` or an error message, and the
//! nonce comes from the operating system's generator. (Zeroizing on drop: tests/memory.rs; the
//! CLI: tests/cli.rs; the C ABI: tests/c/conformance.c.)

mod common;

use std::collections::HashSet;

use common::cases;
use vodsign::{Options, Signer, Verifier, decode};

const KEY: &str = "k3y-Th4t-Must-N0t-Leak-9f1c";

fn assert_clean(text: &str, context: &str) {
    assert!(!text.contains(KEY), "{context}: the key appears in {text:?}");
    let hex_key: String = KEY.bytes().map(|b| format!("{b:02x}")).collect();
    assert!(!text.contains(&hex_key), "{context}: the key appears in hex");
    assert!(!text.contains(&format!("{:?}", KEY.as_bytes())), "{context}: the key appears as bytes");
}

#[test]
fn debug_never_shows_the_key() {
    let signer = Signer::new("AKIDexample", KEY.as_bytes()).unwrap();
    let verifier = Verifier::new(KEY.as_bytes()).unwrap();
    for text in [format!("{signer:?}"), format!("{signer:#?}"), format!("{verifier:?}"), format!("{verifier:#?}")] {
        assert_clean(&text, "Debug");
        assert!(text.contains("redacted"), "{text}");
    }
    assert!(format!("{signer:?}").contains("AKIDexample"), "the secretId is public and shown");
}

#[test]
fn no_error_message_contains_the_key() {
    let signer = Signer::new("AKIDexample", KEY.as_bytes()).unwrap();
    let verifier = Verifier::new(KEY.as_bytes()).unwrap();
    let mut messages = Vec::new();
    // Every refusal the vectors know, made with this key.
    for c in cases("sign") {
        if c.get("error").is_some() {
            let mut params = c["params"].as_object().unwrap().clone();
            params.insert("secretId".into(), "AKIDexample".into());
            if let Err(e) = common::sign_params(KEY, &params) {
                messages.push(e);
            }
        }
    }
    for c in cases("decode").iter().chain(cases("verify").iter()) {
        if let Err(e) = verifier.verify(c["signature"].as_str().unwrap(), c["now"].as_u64().unwrap_or(1_571_215_100)) {
            messages.push(e);
        }
    }
    let good = signer.sign_at(&Options::new(), 1000, 2000, 1).unwrap();
    messages.push(verifier.verify(&good, 5000).unwrap_err());
    messages.push(Verifier::new(b"other").unwrap().verify(&good, 1500).unwrap_err());
    assert!(messages.len() > 100);
    for e in &messages {
        assert_clean(&e.to_string(), "Display");
        assert_clean(&format!("{e:?}"), "Debug");
        assert_clean(e.param().unwrap_or(""), "param");
    }
}

/// Signatures made in the same second get independent randoms: 2000 of them, all different
/// but for a chance collision (expected about 0.0005 of a pair). A time-seeded generator would
/// repeat within the second.
#[test]
fn random_comes_from_the_os_generator() {
    let signer = Signer::new("AKIDexample", KEY.as_bytes()).unwrap();
    let randoms: HashSet<u64> =
        (0..2000).map(|_| decode(&signer.sign(&Options::new()).unwrap()).unwrap().random()).collect();
    assert!(randoms.len() >= 1999, "{} distinct randoms of 2000", randoms.len());
    let high_bit = randoms.iter().filter(|&&r| r >= 1 << 31).count();
    assert!((800..=1200).contains(&high_bit), "random's top bit set in {high_bit} of 2000");
}
