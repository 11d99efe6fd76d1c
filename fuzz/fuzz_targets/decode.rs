//! `decode`: see the input layout and the invariants in `fuzz/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vodsign_fuzz::decode_target(data));
