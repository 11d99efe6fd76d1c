//! Which vector instructions the CPU has, asked once and cached: the one run-time switch of the
//! library. It chooses the `base64` crate's AVX2 engine or its scalar one ([`crate::b64`]); no
//! other code depends on the CPU.
//!
//! Tests can turn the vector code off on their thread ([`force_portable`]) to run the portable
//! code on a CPU that has AVX2.

#[cfg(target_arch = "x86_64")]
cpufeatures::new!(avx2_cpuid, "avx2");

/// Whether AVX2 may be used (the `base64` crate's vector engine).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn avx2() -> bool {
    #[cfg(test)]
    if PORTABLE.with(|p| p.get()) {
        return false;
    }
    avx2_cpuid::get()
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
