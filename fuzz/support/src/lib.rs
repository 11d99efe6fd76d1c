//! The fuzz targets' logic as a library, shared by the cargo-fuzz binaries in
//! `fuzz/fuzz_targets/` (nightly) and by `tests/corpus_replay.rs` and `tests/properties.rs`
//! (stable `cargo test`), so an input the fuzzer once found is replayed by the normal suite.
//!
//! * [`input`]: the byte reader every target reads its input with, and the writers that make
//!   bytes reading back as a given value;
//! * [`oracles`]: Base64, Node's querystring escape and a query parser, written independently;
//! * [`invariants`]: what every error, decode and verification must meet;
//! * [`options`]: signing options as the targets change them, and what signing must give;
//! * one module per target ([`decode`], [`verify`], [`sign`], [`capi`]), each with its input
//!   type (`read` and `write`, which round-trip) and its `target` function;
//! * `capi_checks` (private): the C ABI's calling conventions, for the `capi` target.
//!
//! Every target asserts invariants, not only "no panic", and every byte string is a valid input.

pub mod capi;
mod capi_checks;
pub mod decode;
pub mod input;
pub mod invariants;
pub mod options;
pub mod oracles;
pub mod sign;
pub mod verify;

/// A target's logic: runs one input and panics when an invariant breaks.
pub type Target = fn(&[u8]);

/// The targets, by name: the name is the cargo-fuzz target and its corpus folder.
pub const TARGETS: &[(&str, Target)] =
    &[("decode", decode::target), ("verify", verify::target), ("sign", sign::target), ("capi", capi::target)];

/// The target logic for a corpus folder name.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}
