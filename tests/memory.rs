//! What the allocator sees: the keyed state is wiped before its memory is freed, and one
//! signature costs a pinned number of heap allocations.
//!
//! A global allocator records, for blocks it is asked to watch, their bytes at the moment they
//! are freed, and counts allocations on this thread.
//!
//! The wipe tests fill the heap block and the stack below the caller with a pattern before the
//! state is built, so that padding bytes inside the state (which no field's drop clears) are
//! never zero by chance: a wipe that misses any byte of the block fails every time, on every
//! architecture.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Mutex;

use vodsign::{Options, Signer, Verifier};

struct Recorder;

static WATCHED: Mutex<Option<(usize, Vec<u8>)>> = Mutex::new(None);
/// One watched block at a time: the tests run on parallel threads.
static ONE_WATCH: Mutex<()> = Mutex::new(());

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    /// While set, every block this thread allocates starts filled with [`PATTERN`].
    static FILL: Cell<bool> = const { Cell::new(false) };
}

const PATTERN: u8 = 0xA5;

unsafe impl GlobalAlloc for Recorder {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() && FILL.try_with(Cell::get).unwrap_or(false) {
            // SAFETY: a fresh block of `layout.size()` writable bytes.
            unsafe { std::ptr::write_bytes(ptr, PATTERN, layout.size()) };
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Ok(mut w) = WATCHED.try_lock() {
            if let Some((addr, bytes)) = w.as_mut() {
                if *addr == ptr as usize && bytes.is_empty() {
                    // Still ours to read: the block is freed just below.
                    *bytes = unsafe { std::slice::from_raw_parts(ptr, layout.size()) }.to_vec();
                }
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Recorder = Recorder;

fn nonzero(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b != 0).count()
}

/// Fills the next 16 KiB of stack with [`PATTERN`]: what a value built afterwards copies from
/// uninitialized stack slots (its padding) is then the pattern, not whatever was there.
#[inline(never)]
fn scribble_stack() {
    let mut area = [0u8; 16 * 1024];
    for b in area.iter_mut() {
        // SAFETY: a valid, aligned `u8` place; volatile so that the writes are not elided.
        unsafe { std::ptr::write_volatile(b, PATTERN) };
    }
    std::hint::black_box(&area);
}

/// `make()` built with the stack and the heap blocks it allocates pre-filled with [`PATTERN`].
fn built_on_pattern<T>(make: impl FnOnce() -> T) -> T {
    scribble_stack();
    FILL.with(|f| f.set(true));
    let value = make();
    FILL.with(|f| f.set(false));
    value
}

/// `bytes` with every `W`-byte word (at offsets aligned to `W`'s alignment) equal to one of
/// `allowed` cleared: the non-secret fields that may outlive the drop.
fn without_words<const W: usize>(bytes: &[u8], align: usize, allowed: &[[u8; W]]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut at = 0;
    while at + W <= out.len() {
        if allowed.iter().any(|w| out[at..at + W] == w[..]) {
            out[at..at + W].fill(0);
        }
        at += align;
    }
    out
}

/// The offsets of the bytes that are not zero, for the failure message.
fn stale_offsets(bytes: &[u8]) -> Vec<usize> {
    bytes.iter().enumerate().filter(|(_, b)| **b != 0).map(|(i, _)| i).collect()
}

/// Where a `Signer` keeps its secretId's pointer and length (not secret): the offsets of the
/// two words of a live signer that hold them.
fn secret_id_offsets() -> Vec<usize> {
    let signer = Signer::new("AKIDexample", b"key").unwrap();
    // SAFETY: reads the initialized fields of a live value; only the offsets of two known word
    // values are kept.
    let bytes = unsafe { std::slice::from_raw_parts(&signer as *const Signer as *const u8, size_of::<Signer>()) };
    let words = [(signer.secret_id().as_ptr() as usize).to_ne_bytes(), signer.secret_id().len().to_ne_bytes()];
    let offsets: Vec<usize> = (0..bytes.len() - size_of::<usize>() + 1)
        .step_by(align_of::<usize>())
        .filter(|&at| words.iter().any(|w| bytes[at..at + size_of::<usize>()] == w[..]))
        .collect();
    assert_eq!(offsets.len(), 2, "the secretId's pointer and length were not found in a Signer");
    offsets
}

/// A signer's freed block with its secretId's pointer and length cleared.
fn signer_leftovers(freed: &[u8]) -> Vec<u8> {
    let mut left = freed.to_vec();
    for at in secret_id_offsets() {
        left[at..at + size_of::<usize>()].fill(0);
    }
    left
}

/// Boxes `make()` (built on the pattern), drops the box, and returns its bytes before the drop
/// and at the free.
fn bytes_at_free<T>(make: impl FnOnce() -> T) -> (Vec<u8>, Vec<u8>) {
    let _one = ONE_WATCH.lock().unwrap_or_else(|e| e.into_inner());
    let boxed = built_on_pattern(|| Box::new(make()));
    let ptr = &*boxed as *const T as *const u8;
    let live = unsafe { std::slice::from_raw_parts(ptr, std::mem::size_of::<T>()) }.to_vec();
    *WATCHED.lock().unwrap() = Some((ptr as usize, Vec::new()));
    drop(boxed);
    let freed = WATCHED.lock().unwrap().take().unwrap().1;
    (live, freed)
}

#[test]
fn signer_state_is_zeroized_on_drop() {
    let (live, freed) = bytes_at_free(|| Signer::new("AKIDexample", b"a secret key that must not linger").unwrap());
    assert_eq!(freed.len(), live.len(), "the watched block was not freed");
    // Alive, the keyed HMAC state fills the block; freed, every byte is zero but the secretId's
    // pointer and length (not secret).
    assert!(nonzero(&live) > 40, "the keyed state should be inline: {live:?}");
    let left = signer_leftovers(&freed);
    assert!(nonzero(&left) == 0, "keyed state left in freed memory at {:?}: {freed:?}", stale_offsets(&left));
}

/// The same through the C ABI: `vodsign_signer_free` wipes the handle before freeing it.
#[test]
fn c_signer_handle_is_zeroized_when_freed() {
    use vodsign::capi::{VODSIGN_OK, vodsign_signer, vodsign_signer_free, vodsign_signer_new};
    let (id, key) = ("AKIDexample", b"a secret key that must not linger");
    let _one = ONE_WATCH.lock().unwrap_or_else(|e| e.into_inner());
    let mut handle: *mut vodsign_signer = std::ptr::null_mut();
    // SAFETY: valid pointers and lengths; `handle` is written on success.
    let status = built_on_pattern(|| unsafe {
        vodsign_signer_new(id.as_ptr().cast(), id.len(), key.as_ptr(), key.len(), &mut handle)
    });
    assert_eq!(status, VODSIGN_OK);
    let size = std::mem::size_of::<vodsign_signer>();
    // SAFETY: the handle is live and `size` bytes long.
    let live = unsafe { std::slice::from_raw_parts(handle as *const u8, size) }.to_vec();
    *WATCHED.lock().unwrap() = Some((handle as usize, Vec::new()));
    // SAFETY: a live handle from vodsign_signer_new, freed once.
    unsafe { vodsign_signer_free(handle) };
    let freed = WATCHED.lock().unwrap().take().unwrap().1;
    assert_eq!(freed.len(), size, "the handle's block was not freed");
    assert!(nonzero(&live) > 40);
    let left = signer_leftovers(&freed);
    assert!(nonzero(&left) == 0, "keyed state left in the freed handle at {:?}: {freed:?}", stale_offsets(&left));
}

#[test]
fn verifier_state_is_zeroized_on_drop() {
    let (live, freed) = bytes_at_free(|| Verifier::new(b"a secret key that must not linger").unwrap());
    assert!(nonzero(&live) > 40);
    // The skew (300, not secret) stays; every byte of the keyed state is zero.
    let left = without_words(&freed, std::mem::align_of::<u64>(), &[300u64.to_ne_bytes()]);
    assert!(nonzero(&left) == 0, "keyed state left in freed memory at {:?}: {freed:?}", stale_offsets(&left));
}

fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCS.with(Cell::get);
    f();
    ALLOCS.with(Cell::get) - before
}

/// One signature costs one allocation: the returned String. The scratch buffer is reused.
#[test]
fn one_allocation_per_signature() {
    let signer = Signer::new("AKIDexample", b"key").unwrap();
    let opts = Options::sample_defaults().source_context("x".repeat(200));
    let sign = || drop(signer.sign_at(&opts, 1_700_000_000, 1_700_086_400, 220625).unwrap());
    sign(); // warm the thread's scratch buffer
    assert_eq!(allocations(sign), 1);
    let mut out = String::with_capacity(1024);
    assert_eq!(
        allocations(|| {
            out.clear();
            signer.sign_at_into(&opts, 1_700_000_000, 1_700_086_400, 220625, &mut out).unwrap()
        }),
        0
    );
}

/// Decoding allocates two buffers, escapes or not: the decoded bytes (the original text, with
/// room after it for the decoded text of escaped keys and values) and the pair table.
#[test]
fn decode_allocations_are_pinned() {
    let signer = Signer::new("AKIDexample", b"key").unwrap();
    let plain = signer.sign_at(&Options::sample_defaults(), 1_700_000_000, 1_700_086_400, 1).unwrap();
    let escaped = signer.sign_at(&Options::new().source_context("a b/c"), 1_700_000_000, 1_700_086_400, 1).unwrap();
    assert_eq!(allocations(|| drop(vodsign::decode(&plain).unwrap())), 2);
    assert_eq!(allocations(|| drop(vodsign::decode(&escaped).unwrap())), 2);
}
