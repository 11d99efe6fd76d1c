//! `decode`: see the input layout and the invariants in `fuzz/support/src/decode.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vodsign_fuzz_support::decode::target(data));
