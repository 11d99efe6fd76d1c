//! What the allocator sees: the keyed state is wiped before its memory is freed, and one
//! signature costs a pinned number of heap allocations.
//!
//! A global allocator records, for blocks it is asked to watch, their bytes at the moment they
//! are freed, and counts allocations on this thread.

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
}

unsafe impl GlobalAlloc for Recorder {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
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

/// Boxes `value`, drops the box, and returns its bytes before the drop and at the free.
fn bytes_at_free<T>(value: T) -> (Vec<u8>, Vec<u8>) {
    let _one = ONE_WATCH.lock().unwrap_or_else(|e| e.into_inner());
    let boxed = Box::new(value);
    let ptr = &*boxed as *const T as *const u8;
    let live = unsafe { std::slice::from_raw_parts(ptr, std::mem::size_of::<T>()) }.to_vec();
    *WATCHED.lock().unwrap() = Some((ptr as usize, Vec::new()));
    drop(boxed);
    let freed = WATCHED.lock().unwrap().take().unwrap().1;
    (live, freed)
}

#[test]
fn signer_state_is_zeroized_on_drop() {
    let (live, freed) = bytes_at_free(Signer::new("AKIDexample", b"a secret key that must not linger").unwrap());
    assert_eq!(freed.len(), live.len(), "the watched block was not freed");
    // Alive, the keyed HMAC state fills the block; freed, only the secretId's pointer and
    // length (two words, not secret) may remain.
    assert!(nonzero(&live) > 40, "the keyed state should be inline: {live:?}");
    assert!(nonzero(&freed) <= 16, "keyed state left in freed memory: {freed:?}");
}

/// The same through the C ABI: `vodsign_signer_free` wipes the handle before freeing it.
#[test]
fn c_signer_handle_is_zeroized_when_freed() {
    use vodsign::capi::{VODSIGN_OK, vodsign_signer, vodsign_signer_free, vodsign_signer_new};
    let (id, key) = ("AKIDexample", b"a secret key that must not linger");
    let _one = ONE_WATCH.lock().unwrap_or_else(|e| e.into_inner());
    let mut handle: *mut vodsign_signer = std::ptr::null_mut();
    // SAFETY: valid pointers and lengths; `handle` is written on success.
    let status = unsafe { vodsign_signer_new(id.as_ptr().cast(), id.len(), key.as_ptr(), key.len(), &mut handle) };
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
    assert!(nonzero(&freed) <= 16, "keyed state left in the freed handle: {freed:?}");
}

#[test]
fn verifier_state_is_zeroized_on_drop() {
    let (live, freed) = bytes_at_free(Verifier::new(b"a secret key that must not linger").unwrap());
    assert!(nonzero(&live) > 40);
    // The skew (300) stays; the keyed state is gone.
    assert!(nonzero(&freed) <= 8, "keyed state left in freed memory: {freed:?}");
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
