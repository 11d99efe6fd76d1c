//! The `random` of each signature: a sequence that never repeats within a process.
//!
//! Values are `start + k·step` modulo 2^b, with a random start and a random odd step: an odd step
//! is coprime with 2^b, so the first 2^b values are all different. With `replica_bits` = r, the
//! top r bits hold the replica id and the sequence runs in the low b = 32 - r bits, so two
//! replicas never hand out the same value either.

use std::sync::atomic::{AtomicU32, Ordering};

pub struct Sequence {
    next: AtomicU32,
    step: u32,
    low_bits: u32,
    replica: u32,
}

impl Sequence {
    pub fn new(replica_id: u32, replica_bits: u32) -> std::io::Result<Sequence> {
        let start = vodsign::random_u32().map_err(|e| std::io::Error::other(e.message().to_owned()))?;
        let step = vodsign::random_u32().map_err(|e| std::io::Error::other(e.message().to_owned()))? | 1;
        Ok(Sequence::with(start, step, replica_id, replica_bits))
    }

    pub fn with(start: u32, step: u32, replica_id: u32, replica_bits: u32) -> Sequence {
        assert!(replica_bits <= 16 && step % 2 == 1);
        let low_bits = 32 - replica_bits;
        let replica = if replica_bits == 0 { 0 } else { replica_id << low_bits };
        Sequence { next: AtomicU32::new(start), step, low_bits, replica }
    }

    pub fn next(&self) -> u32 {
        let v = self.next.fetch_add(self.step, Ordering::Relaxed);
        let mask = if self.low_bits == 32 { u32::MAX } else { (1u32 << self.low_bits) - 1 };
        self.replica | (v & mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_period_has_no_repeat() {
        // With 16 low bits the whole period fits in a test: 65,536 values, all different.
        let s = Sequence::with(12_345, 40_001, 3, 16);
        let mut seen = vec![false; 1 << 16];
        for _ in 0..1 << 16 {
            let v = s.next();
            assert_eq!(v >> 16, 3, "the replica id is in the top bits");
            assert!(!std::mem::replace(&mut seen[(v & 0xffff) as usize], true), "repeated {v}");
        }
        assert_eq!(s.next() & 0xffff, 12_345 & 0xffff, "the period is exactly 2^16");
    }

    #[test]
    fn thirty_two_bits_and_threads() {
        let s = std::sync::Arc::new(Sequence::with(u32::MAX - 5, 7, 0, 0));
        let handles: Vec<_> =
            (0..4).map(|_| {
                let s = s.clone();
                std::thread::spawn(move || (0..10_000).map(|_| s.next()).collect::<Vec<_>>())
            }).collect();
        let mut all: Vec<u32> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 40_000);
    }
}
