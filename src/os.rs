//! What the operating system provides: the realtime clock and the secure random generator.

use crate::error::{Error, ErrorKind, Result};

/// The current Unix time in whole seconds, from the system clock.
pub fn unix_now() -> Result<u64> {
    system_seconds()
        .ok_or_else(|| Error::new(ErrorKind::Clock, None, format_args!("the system clock is set before 1970-01-01")))
}

/// Whole seconds since 1970 from the realtime clock; `None` before 1970.
fn system_seconds() -> Option<u64> {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// A `random` for a signature, from the operating system's secure generator (never time-seeded).
pub fn random_u32() -> Result<u32> {
    secure_u32().map_err(|errno| {
        Error::new(
            ErrorKind::Random,
            None,
            format_args!("the operating system's random generator failed (errno {errno})"),
        )
    })
}

/// Four bytes from the `getrandom` crate: the getrandom(2) system call where the kernel has it,
/// /dev/urandom where it does not (Linux before 3.17, old Android devices), the platform's own
/// generator elsewhere. The error is the OS error code, or -1 for one of the crate's own.
fn secure_u32() -> core::result::Result<u32, i32> {
    getrandom::u32().map_err(|e| e.raw_os_error().unwrap_or(-1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn unix_now_reads_the_clock_system_time_reads() {
        let std_now =
            || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let before = std_now();
        let now = super::unix_now().unwrap();
        let after = std_now();
        assert!(before <= now && now <= after, "{before} <= {now} <= {after}");
    }

    #[test]
    fn random_values_differ() {
        // 32 draws of 32 bits from a working generator are never all equal, and together set
        // every bit (each bit stays zero in all 32 with probability 2^-32).
        let draws: Vec<u32> = (0..32).map(|_| super::random_u32().unwrap()).collect();
        assert!(draws.iter().any(|&d| d != draws[0]), "{draws:?}");
        assert_eq!(draws.iter().fold(0, |a, d| a | d), u32::MAX, "{draws:?}");
    }
}
