//! The library's vector code, and the one run-time switch that chooses it.
//!
//! Hand-written vector code stays only where it makes a whole operation (a signature, a decode)
//! at least 1.3 times faster than the portable code or a crate; docs/decisions.md has the
//! measurements. What is left:
//!
//! - [`classify`]: the decoder's 16-byte block scanner, SSE2 on x86-64 (part of its baseline),
//!   with its portable twin;
//! - the `base64` crate's AVX2 engine, which [`crate::b64`] uses where [`avx2`] says so (the
//!   crate's vector code, not ours; NEON on 64-bit ARM needs no check).
//!
//! Every choice goes through the functions below. In tests, `force_portable` (built for tests
//! only) turns the vector code off on the calling thread, so that the portable code runs, and is
//! checked, on x86-64 too.

pub(crate) mod classify;

#[cfg(target_arch = "x86_64")]
cpufeatures::new!(avx2_cpuid, "avx2");

/// Whether AVX2 may be used (the `base64` crate's vector engine): asked once and cached.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn avx2() -> bool {
    vector_allowed() && avx2_cpuid::get()
}

/// Whether SSE2 may be used: always on x86-64, whose baseline it is (no run-time check).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn sse2() -> bool {
    vector_allowed()
}

/// False while a test has turned the vector code off on this thread; always true otherwise.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn vector_allowed() -> bool {
    #[cfg(test)]
    if PORTABLE.with(|p| p.get()) {
        return false;
    }
    true
}

#[cfg(test)]
thread_local! {
    static PORTABLE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `check` with the vector code (where the CPU has it), then with the portable code.
#[cfg(test)]
pub(crate) fn both_paths(check: impl Fn()) {
    check();
    force_portable(true);
    check();
    force_portable(false);
}

/// Turns the vector code off (`true`) or back on for the calling thread.
#[cfg(test)]
pub(crate) fn force_portable(on: bool) {
    PORTABLE.with(|p| p.set(on));
}
