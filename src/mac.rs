//! The keyed HMAC-SHA1 state: made once from the secret key, cloned for each MAC, zeroized on drop.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use crate::error::{Error, ErrorKind, Result};

/// Length of the MAC at the front of every signature.
pub const MAC_LEN: usize = 20;

/// HMAC-SHA1 keyed with the secret key. The key itself is not kept: only the two hash states
/// derived from it, which are wiped when this value is dropped (`sha1`'s `zeroize` feature).
#[derive(Clone)]
pub(crate) struct Key(Hmac<Sha1>);

impl Key {
    /// The keyed state for `secret_key`; refuses an empty key, for signing and verifying alike:
    /// anyone can compute a MAC under the empty key, so a verifier holding it would accept forgeries.
    pub(crate) fn new(secret_key: &[u8]) -> Result<Self> {
        if secret_key.is_empty() {
            return Err(Error::at(ErrorKind::InvalidParameter, "secretKey", format_args!("secretKey is empty; it must not be")));
        }
        // HMAC takes a key of any length, so this cannot fail.
        Ok(Key(<Hmac<Sha1> as KeyInit>::new_from_slice(secret_key).unwrap_or_else(|_| unreachable!())))
    }

    /// The MAC of `data`.
    pub(crate) fn mac(&self, data: &[u8]) -> [u8; MAC_LEN] {
        let mut state = self.0.clone();
        state.update(data);
        state.finalize().into_bytes().into()
    }

    /// Whether `tag` is the MAC of `data`, compared in constant time.
    pub(crate) fn verify(&self, data: &[u8], tag: &[u8; MAC_LEN]) -> bool {
        let mut state = self.0.clone();
        state.update(data);
        state.verify_slice(tag).is_ok()
    }
}

impl core::fmt::Debug for Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("<redacted>")
    }
}
