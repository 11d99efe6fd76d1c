//! `verify`: see the input layout and the invariants in `fuzz/support/src/verify.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vodsign_fuzz_support::verify::target(data));
