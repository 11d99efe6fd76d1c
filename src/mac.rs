//! The keyed HMAC-SHA1 state: made once from the secret key, cloned for each MAC, zeroized on drop.

use core::mem::ManuallyDrop;

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use crate::error::{Error, ErrorKind, Result};

/// Length of the MAC at the front of every signature.
pub const MAC_LEN: usize = 20;

/// HMAC-SHA1 keyed with the secret key. The key itself is not kept: only the two hash states
/// derived from it, which are wiped when this value is dropped: field by field by `sha1`'s
/// `zeroize` feature, then every byte of the value, padding included (see `Drop`).
#[derive(Clone)]
pub(crate) struct Key(ManuallyDrop<Hmac<Sha1>>);

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: the state is dropped exactly once, here; `ManuallyDrop` keeps it from being
        // dropped again, and nothing reads it afterwards.
        unsafe { ManuallyDrop::drop(&mut self.0) };
        // SAFETY: the pointer comes from `&mut self.0`, so it is valid for writes of the whole
        // value and aligned, and nothing else can reach these bytes. The value was dropped just
        // above and is never read, used or dropped again, so overwriting its bytes (padding
        // included, which no field's zeroize reaches) breaks no invariant; its fields are plain
        // arrays and integers (no pointer, reference or niche), for which zero is a valid
        // value anyway. The writes are volatile, so they are not removed as dead stores.
        unsafe { zeroize::zeroize_flat_type(&mut self.0 as *mut ManuallyDrop<Hmac<Sha1>>) };
    }
}

impl Key {
    /// The keyed state for `secret_key`; refuses an empty key, for signing and verifying alike:
    /// anyone can compute a MAC under the empty key, so a verifier holding it would accept forgeries.
    pub(crate) fn new(secret_key: &[u8]) -> Result<Self> {
        if secret_key.is_empty() {
            return Err(Error::at(ErrorKind::InvalidParameter, "secretKey", format_args!("secretKey is empty; it must not be")));
        }
        // HMAC takes a key of any length, so this cannot fail.
        Ok(Key(ManuallyDrop::new(<Hmac<Sha1> as KeyInit>::new_from_slice(secret_key).unwrap_or_else(|_| unreachable!()))))
    }

    /// The MAC of `data`.
    pub(crate) fn mac(&self, data: &[u8]) -> [u8; MAC_LEN] {
        let mut state = Hmac::<Sha1>::clone(&self.0);
        state.update(data);
        state.finalize().into_bytes().into()
    }

    /// Whether `tag` is the MAC of `data`, compared in constant time.
    pub(crate) fn verify(&self, data: &[u8], tag: &[u8; MAC_LEN]) -> bool {
        let mut state = Hmac::<Sha1>::clone(&self.0);
        state.update(data);
        state.verify_slice(tag).is_ok()
    }
}

impl core::fmt::Debug for Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("<redacted>")
    }
}
