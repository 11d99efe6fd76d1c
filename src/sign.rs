//! Signing: [`Signer`] holds the keyed state and writes the signed text of [`Options`].

use std::cell::RefCell;

use crate::b64;
use crate::options::Options;
use crate::query::escape::{pair_into, pair_len_bound};
use crate::error::Result;
use crate::mac::{Key, MAC_LEN};
use crate::os::{random_u32, unix_now};
use crate::params::{Param, ParamValue};
use crate::verify::check_window;

/// Makes signatures for one secretId and secret key.
///
/// Made once (it derives the keyed HMAC state), then shared: each signature clones that state.
/// `Send + Sync`. The keyed state is wiped on drop, and `Debug` never shows it.
///
/// ```
/// use vodsign::{Options, Signer};
/// let signer = Signer::new("IamSecretId", b"IamSecretKey")?;
/// let sig = signer.sign_at(&Options::sample_defaults(), 1571215095, 1571301495, 220625)?;
/// assert!(sig.starts_with("j3IeOdRPWwKegeytZdde4djeEStz"));
/// let fresh = signer.sign(&Options::new().procedure("LongVideoPreset"))?; // clock and OS random
/// # let _ = fresh;
/// # Ok::<(), vodsign::Error>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    secret_id: Box<str>,
    key: Key,
}

impl core::fmt::Debug for Signer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Signer").field("secret_id", &self.secret_id).field("secret_key", &self.key).finish()
    }
}

thread_local! {
    /// Scratch space for `mac ‖ original`, reused so that a signature costs one allocation.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Signer {
    /// A signer for this secretId and secret key. Fails when either is empty.
    pub fn new(secret_id: &str, secret_key: &[u8]) -> Result<Self> {
        Param::SecretId.check_str(secret_id)?;
        Ok(Signer { secret_id: secret_id.into(), key: Key::new(secret_key)? })
    }

    /// The secretId this signer puts in every signature.
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// Signs with the current time (whole seconds), `expireTime` = now + `opts.validity`, and a
    /// `random` from the operating system's secure generator.
    pub fn sign(&self, opts: &Options) -> Result<String> {
        opts.check_validity()?;
        let now = unix_now()?;
        let random = random_u32()?;
        self.sign_at(opts, now, now.saturating_add(opts.validity), random)
    }

    /// Signs with explicit `currentTimeStamp`, `expireTime` and `random`, for reproduction and
    /// conformance tests. `opts.validity` is not used.
    pub fn sign_at(&self, opts: &Options, current_time_stamp: u64, expire_time: u64, random: u32) -> Result<String> {
        let mut out = String::new();
        self.sign_at_into(opts, current_time_stamp, expire_time, random, &mut out)?;
        Ok(out)
    }

    /// Like [`sign_at`](Self::sign_at), but appends the signature to `out` (which may keep its
    /// capacity between calls). On error `out` is left as it was.
    pub fn sign_at_into(
        &self,
        opts: &Options,
        current_time_stamp: u64,
        expire_time: u64,
        random: u32,
        out: &mut String,
    ) -> Result<()> {
        opts.validate()?;
        check_window(current_time_stamp, expire_time)?;
        let mut write = |buf: &mut Vec<u8>| {
            buf.clear();
            buf.extend_from_slice(&[0; MAC_LEN]);
            self.write_original(opts, current_time_stamp, expire_time, random, buf);
            let mac = self.key.mac(&buf[MAC_LEN..]);
            buf[..MAC_LEN].copy_from_slice(&mac);
            b64::encode_into_string(buf, out);
        };
        let reused = SCRATCH
            .try_with(|cell| cell.try_borrow_mut().map(|mut buf| write(&mut buf)).is_ok())
            .unwrap_or(false);
        if !reused {
            write(&mut Vec::new());
        }
        Ok(())
    }

    /// Appends the query string this signer signs, without checking it.
    fn write_original(&self, opts: &Options, current_time_stamp: u64, expire_time: u64, random: u32, buf: &mut Vec<u8>) {
        let optional = opts.pairs();
        let pairs = self.required(current_time_stamp, expire_time, random).chain(optional.iter().flatten().copied());
        for (i, (p, v)) in pairs.enumerate() {
            if i > 0 {
                buf.push(b'&');
            }
            pair_into(buf, p, v);
        }
    }

    fn required(&self, cts: u64, exp: u64, random: u32) -> impl Iterator<Item = (Param, ParamValue<'_>)> {
        [
            (Param::SecretId, ParamValue::Str(&self.secret_id)),
            (Param::CurrentTimeStamp, ParamValue::Int(cts.into())),
            (Param::ExpireTime, ParamValue::Int(exp.into())),
            (Param::Random, ParamValue::Int(random.into())),
        ]
        .into_iter()
    }

    /// An upper bound on the length of a signature made with these options, whatever the
    /// timestamps and random: enough to size a buffer.
    pub fn max_signature_len(&self, opts: &Options) -> usize {
        let optional = opts.pairs();
        let original: usize = self
            .required(u64::MAX, u64::MAX, u32::MAX)
            .chain(optional.iter().flatten().copied())
            .map(|(p, v)| pair_len_bound(p.name(), v))
            .sum();
        (MAC_LEN + original).div_ceil(3) * 4
    }
}
