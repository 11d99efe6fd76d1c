//! `capi`: the C ABI's exported functions with fuzzed bytes, lengths, capacities and NULLs; see
//! the input layout and the invariants in `fuzz/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vodsign_fuzz::capi_target(data));
