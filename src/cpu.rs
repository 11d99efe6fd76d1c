//! Which vector instructions the CPU has, asked once and cached: the one switch for the SSSE3
//! loops of Base64 ([`crate::b64`]) and escaping ([`crate::encode`]).
//!
//! Tests can turn the vector loops off on their thread (`force_portable`, built for tests only)
//! to run the portable loops on a CPU that has SSSE3.

#[cfg(target_arch = "x86_64")]
cpufeatures::new!(ssse3_cpuid, "ssse3");

/// Whether SSSE3 (`pshufb`) may be used.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn ssse3() -> bool {
    #[cfg(test)]
    if PORTABLE.with(|p| p.get()) {
        return false;
    }
    ssse3_cpuid::get()
}

#[cfg(test)]
thread_local! {
    static PORTABLE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `check` with the vector loops (where the CPU has them), then with the portable ones.
#[cfg(test)]
pub(crate) fn both_paths(check: impl Fn()) {
    check();
    force_portable(true);
    check();
    force_portable(false);
}

/// Turns the vector loops off (`true`) or back on for the calling thread.
#[cfg(test)]
pub(crate) fn force_portable(on: bool) {
    PORTABLE.with(|p| p.set(on));
}
