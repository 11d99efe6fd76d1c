//! `capi`: the C ABI's exported functions with fuzzed bytes, lengths, capacities and NULLs; see
//! the input layout and the invariants in `fuzz/support/src/capi.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vodsign_fuzz_support::capi::target(data));
