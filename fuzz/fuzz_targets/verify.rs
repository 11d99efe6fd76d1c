//! `verify`: see the input layout and the invariants in `fuzz/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vodsign_fuzz::verify_target(data));
