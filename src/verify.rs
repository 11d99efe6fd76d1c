//! Verification: the MAC (constant time), then the time rules: the window a signature may span
//! (also checked before signing, and reported as a warning by decoding) and the clock.

use crate::decode::{Decoded, decode};
use crate::error::{Error, ErrorKind, Result};
use crate::mac::Key;
use crate::params::{DEFAULT_SKEW, MAX_VALIDITY, Param};

/// Verifies signatures against one secret key.
///
/// Order of checks: the format ([`decode`]'s errors), then the MAC ([`ErrorKind::BadMac`]),
/// then the window ([`ErrorKind::InvalidParameter`] for expireTime not after currentTimeStamp,
/// [`ErrorKind::ValidityTooLong`]), then the clock ([`ErrorKind::NotYetValid`], [`ErrorKind::Expired`]).
///
/// ```
/// use vodsign::{Options, Signer, Verifier};
/// let sig = Signer::new("AKIDexample", b"key")?.sign_at(&Options::new(), 1_700_000_000, 1_700_000_600, 7)?;
/// let v = Verifier::new(b"key")?;
/// assert_eq!(v.verify(&sig, 1_700_000_100)?.seconds_left(1_700_000_100), 500);
/// assert_eq!(v.verify(&sig, 1_700_000_600).unwrap_err().kind(), vodsign::ErrorKind::Expired);
/// # Ok::<(), vodsign::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Verifier {
    key: Key,
    skew: u64,
}

impl Verifier {
    /// A verifier for this key, allowing the default clock skew (300 seconds).
    ///
    /// Fails with [`ErrorKind::InvalidParameter`] (`secretKey`) for an empty key, as
    /// [`Signer::new`](crate::Signer::new) does: anyone can make a MAC under the empty key.
    pub fn new(secret_key: &[u8]) -> Result<Self> {
        Ok(Verifier { key: Key::new(secret_key)?, skew: DEFAULT_SKEW })
    }

    /// Allows `currentTimeStamp` to be up to `seconds` later than now (the signer's clock may run ahead).
    pub fn with_skew(mut self, seconds: u64) -> Self {
        self.skew = seconds;
        self
    }

    /// The allowed clock skew in seconds.
    pub fn skew(&self) -> u64 {
        self.skew
    }

    /// Decodes `signature` and checks its MAC and its time window at `now` (Unix seconds).
    pub fn verify(&self, signature: &str, now: u64) -> Result<Decoded> {
        let decoded = decode(signature)?;
        if !self.key.verify(decoded.original().as_bytes(), &decoded.mac()) {
            return Err(Error::new(
                ErrorKind::BadMac,
                None,
                format_args!("the signature's MAC does not match this key: it was made with another key or altered"),
            ));
        }
        decoded.check_time(now, self.skew)?;
        Ok(decoded)
    }
}

/// Verifies `signature` with `secret_key` at `now`, allowing the default clock skew. An empty
/// key is refused first, as [`Verifier::new`] does.
pub fn verify(signature: &str, secret_key: &[u8], now: u64) -> Result<Decoded> {
    Verifier::new(secret_key)?.verify(signature, now)
}

/// Seconds a signature has left at `now` (0 once expired), without the key: for a client that
/// wants to fetch a fresh signature before a long upload.
pub fn seconds_left(signature: &str, now: u64) -> Result<u64> {
    Ok(decode(signature)?.seconds_left(now))
}

/// Checks the relation between the two timestamps: expireTime after currentTimeStamp, and
/// no more than [`MAX_VALIDITY`] seconds after it.
pub fn check_window(current_time_stamp: u64, expire_time: u64) -> Result<()> {
    if expire_time <= current_time_stamp {
        return Err(Param::ExpireTime.invalid(format_args!(
            "expireTime {expire_time} is not later than currentTimeStamp {current_time_stamp}"
        )));
    }
    let validity = expire_time - current_time_stamp;
    if validity > MAX_VALIDITY {
        return Err(Error::new(
            ErrorKind::ValidityTooLong,
            None,
            format_args!("validity is {validity} seconds (expireTime - currentTimeStamp); at most {MAX_VALIDITY} (90 days)"),
        ));
    }
    Ok(())
}

impl Decoded {
    /// Checks the time window at `now`: expireTime after currentTimeStamp and at most 90 days
    /// later, currentTimeStamp no later than `now + skew`, and `now` before expireTime.
    pub fn check_time(&self, now: u64, skew: u64) -> Result<()> {
        let (cts, exp) = (self.current_time_stamp(), self.expire_time());
        check_window(cts, exp)?;
        if cts > now.saturating_add(skew) {
            return Err(Error::new(
                ErrorKind::NotYetValid,
                None,
                format_args!("currentTimeStamp {cts} is {} seconds after now ({now}); at most {skew} allowed", cts - now),
            ));
        }
        if now >= exp {
            return Err(Error::new(
                ErrorKind::Expired,
                None,
                format_args!("expired at {exp}, {} seconds before now ({now})", now - exp),
            ));
        }
        Ok(())
    }
}
