//! The Kotlin and Swift surface, through uniffi. A thin layer: it converts types and errors and
//! holds no signing, decoding or verification rule of its own (those live in the core).
//!
//! Generated bindings live in `bindings/` (`scripts/gen-bindings.sh`).

use std::sync::Arc;

use crate::{Decoded, Error, ErrorKind, Options};

/// Every failure of signing, decoding or verifying. One case per core error kind; the message
/// is the core's full text (Kotlin `e.message`, Swift `message`), which names the parameter and
/// the rule it breaks.
#[derive(Debug, uniffi::Error)]
#[uniffi(flat_error)]
pub enum VodsignError {
    /// A parameter value breaks its documented rule.
    InvalidParameter(String),
    /// `expireTime - currentTimeStamp` is more than 7,776,000 seconds (90 days).
    ValidityTooLong(String),
    /// The signature is not standard, padded Base64.
    NotBase64(String),
    /// The decoded signature is shorter than 21 bytes.
    TooShort(String),
    /// The embedded original, or a percent-decoded key or value, is not UTF-8.
    NotUtf8(String),
    /// The embedded query string has a bad percent escape.
    MalformedQuery(String),
    /// A required parameter is absent.
    MissingParameter(String),
    /// An integer parameter is not a whole number.
    NotAnInteger(String),
    /// A key appears more than once.
    DuplicateParameter(String),
    /// The MAC does not match the key.
    BadMac(String),
    /// The signature's `expireTime` has passed.
    Expired(String),
    /// The signature's `currentTimeStamp` is later than now plus the allowed clock skew.
    NotYetValid(String),
    /// The system clock is before the Unix epoch.
    Clock(String),
    /// The operating system's random number generator failed.
    Random(String),
}

impl std::fmt::Display for VodsignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use VodsignError::*;
        let (InvalidParameter(m) | ValidityTooLong(m) | NotBase64(m) | TooShort(m) | NotUtf8(m)
        | MalformedQuery(m) | MissingParameter(m) | NotAnInteger(m) | DuplicateParameter(m) | BadMac(m)
        | Expired(m) | NotYetValid(m) | Clock(m) | Random(m)) = self;
        f.write_str(m)
    }
}

impl std::error::Error for VodsignError {}

impl From<Error> for VodsignError {
    fn from(e: Error) -> Self {
        let m = e.message().to_owned();
        match e.kind() {
            ErrorKind::InvalidParameter => VodsignError::InvalidParameter(m),
            ErrorKind::ValidityTooLong => VodsignError::ValidityTooLong(m),
            ErrorKind::NotBase64 => VodsignError::NotBase64(m),
            ErrorKind::TooShort => VodsignError::TooShort(m),
            ErrorKind::NotUtf8 => VodsignError::NotUtf8(m),
            ErrorKind::MalformedQuery => VodsignError::MalformedQuery(m),
            ErrorKind::MissingParameter => VodsignError::MissingParameter(m),
            ErrorKind::NotAnInteger => VodsignError::NotAnInteger(m),
            ErrorKind::DuplicateParameter => VodsignError::DuplicateParameter(m),
            ErrorKind::BadMac => VodsignError::BadMac(m),
            ErrorKind::Expired => VodsignError::Expired(m),
            ErrorKind::NotYetValid => VodsignError::NotYetValid(m),
            ErrorKind::Clock => VodsignError::Clock(m),
            ErrorKind::Random => VodsignError::Random(m),
        }
    }
}

type Result<T, E = VodsignError> = std::result::Result<T, E>;


/// One key/value pair of a decoded signature, percent-decoded.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct QueryParam {
    pub key: String,
    pub value: String,
}

/// A finding about a decoded signature that the VOD server would refuse although decoding
/// accepts it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DecodeWarning {
    /// Stable snake_case code: `validity_too_long`, `expire_not_after_current` or
    /// `unknown_parameter` (new codes may be added).
    pub code: String,
    /// The parameter it is about (`expireTime`, or the unknown key), where there is one.
    pub param: Option<String>,
    /// One sentence naming the parameter and the rule.
    pub message: String,
}

/// A decoded signature: its MAC, the signed text, every parameter in order (unknown ones
/// included), the known parameters typed (an empty optional integer is `null`/`nil`), and the
/// warnings.
#[derive(Clone, Debug, uniffi::Record)]
pub struct DecodedSignature {
    /// The 20-byte HMAC-SHA1, as 40 lowercase hex digits.
    pub mac_hex: String,
    /// The signed query string, as embedded in the signature.
    pub original: String,
    /// Every key/value pair in order, percent-decoded.
    pub params: Vec<QueryParam>,
    pub secret_id: String,
    pub current_time_stamp: u64,
    pub expire_time: u64,
    pub random: u64,
    pub procedure: Option<String>,
    pub class_id: Option<u64>,
    pub one_time_valid: Option<u8>,
    pub source_context: Option<String>,
    pub task_priority: Option<i64>,
    pub task_notify_mode: Option<String>,
    pub vod_sub_app_id: Option<u64>,
    pub session_context: Option<String>,
    pub storage_region: Option<String>,
    /// What the VOD server would refuse: the window first, then each unknown parameter in order.
    pub warnings: Vec<DecodeWarning>,
}

impl From<Decoded> for DecodedSignature {
    fn from(d: Decoded) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut mac_hex = String::with_capacity(2 * d.mac().len());
        for b in d.mac() {
            mac_hex.push(char::from(HEX[usize::from(b >> 4)]));
            mac_hex.push(char::from(HEX[usize::from(b & 15)]));
        }
        DecodedSignature {
            mac_hex,
            original: d.original().to_owned(),
            params: d.params().map(|(k, v)| QueryParam { key: k.to_owned(), value: v.to_owned() }).collect(),
            secret_id: d.secret_id().to_owned(),
            current_time_stamp: d.current_time_stamp(),
            expire_time: d.expire_time(),
            random: d.random(),
            procedure: d.procedure().map(str::to_owned),
            class_id: d.class_id(),
            one_time_valid: d.one_time_valid(),
            source_context: d.source_context().map(str::to_owned),
            task_priority: d.task_priority(),
            task_notify_mode: d.task_notify_mode().map(str::to_owned),
            vod_sub_app_id: d.vod_sub_app_id(),
            session_context: d.session_context().map(str::to_owned),
            storage_region: d.storage_region().map(str::to_owned),
            warnings: d
                .warnings()
                .iter()
                .map(|w| DecodeWarning {
                    code: w.code().to_owned(),
                    param: w.param().map(str::to_owned),
                    message: w.message().to_owned(),
                })
                .collect(),
        }
    }
}

/// Makes signatures for one secretId and secret key. Safe to share between threads.
#[derive(Debug, uniffi::Object)]
pub struct Signer {
    inner: crate::Signer,
}

#[uniffi::export]
impl Signer {
    /// A signer for this secretId and secret key (the key's UTF-8 bytes). Fails when either is empty.
    #[uniffi::constructor]
    pub fn new(secret_id: String, secret_key: String) -> Result<Arc<Self>> {
        Self::with_key_bytes(secret_id, secret_key.into_bytes())
    }

    /// A signer for this secretId and a secret key given as raw bytes.
    #[uniffi::constructor]
    pub fn with_key_bytes(secret_id: String, secret_key: Vec<u8>) -> Result<Arc<Self>> {
        Ok(Arc::new(Signer { inner: crate::Signer::new(&secret_id, &secret_key)? }))
    }

    /// The secretId this signer puts in every signature.
    pub fn secret_id(&self) -> String {
        self.inner.secret_id().to_owned()
    }

    /// Signs with the current time, expireTime = now + `options.validity`, and a random number
    /// from the operating system's secure generator.
    pub fn sign(&self, options: Options) -> Result<String> {
        Ok(self.inner.sign(&options)?)
    }

    /// Signs with explicit currentTimeStamp, expireTime and random (reproduction and tests).
    /// `options.validity` is not used.
    pub fn sign_at(&self, options: Options, current_time_stamp: u64, expire_time: u64, random: u32) -> Result<String> {
        Ok(self.inner.sign_at(&options, current_time_stamp, expire_time, random)?)
    }

    /// Converts `options` and checks every parameter that is set against its documented rule,
    /// once, and returns a `PreparedSigner` that signs with them and this signer's key: its calls
    /// pass no options record, so they skip converting it (and its strings) every time. Throws
    /// what signing with these options would (`InvalidParameter`, naming the parameter);
    /// `validity` is checked when `PreparedSigner.sign` uses it, as `sign` does.
    pub fn prepare(&self, options: Options) -> Result<Arc<PreparedSigner>> {
        options.validate()?;
        Ok(Arc::new(PreparedSigner { signer: self.inner.clone(), options }))
    }
}

/// A signer bound to options converted and checked once (from `Signer.prepare`), for signing
/// many times with the same options at the lowest cost per call. It holds its own copy of the
/// signer's keyed state (wiped when it is freed), so it stays usable after the `Signer` it came
/// from is closed; close it (Kotlin) or drop it (Swift) when done. Immutable; safe to share
/// between threads.
#[derive(Debug, uniffi::Object)]
pub struct PreparedSigner {
    signer: crate::Signer,
    options: Options,
}

#[uniffi::export]
impl PreparedSigner {
    /// Signs with the current time, expireTime = now + the options' `validity`, and a random
    /// number from the operating system's secure generator: `Signer.sign` with these options.
    pub fn sign(&self) -> Result<String> {
        Ok(self.signer.sign(&self.options)?)
    }

    /// Signs with explicit currentTimeStamp, expireTime and random (reproduction and tests):
    /// `Signer.signAt` with these options. The options' `validity` is not used.
    pub fn sign_at(&self, current_time_stamp: u64, expire_time: u64, random: u32) -> Result<String> {
        Ok(self.signer.sign_at(&self.options, current_time_stamp, expire_time, random)?)
    }

    /// The options as a record, equal to the one given to `Signer.prepare`.
    pub fn options(&self) -> Options {
        self.options.clone()
    }

    /// The secretId this signer puts in every signature.
    pub fn secret_id(&self) -> String {
        self.signer.secret_id().to_owned()
    }
}

/// Verifies signatures against one secret key, allowing `skew` seconds of clock skew.
/// Safe to share between threads.
#[derive(Debug, uniffi::Object)]
pub struct Verifier {
    inner: crate::Verifier,
}

#[uniffi::export]
impl Verifier {
    /// A verifier for this secret key (its UTF-8 bytes). Fails when the key is empty, as
    /// `Signer` does (`InvalidParameter`): anyone can make a MAC under the empty key.
    #[uniffi::constructor(default(skew = 300))]
    pub fn new(secret_key: String, skew: u64) -> Result<Arc<Self>> {
        Self::with_key_bytes(secret_key.into_bytes(), skew)
    }

    /// A verifier for a secret key given as raw bytes. Fails when the key is empty.
    #[uniffi::constructor(default(skew = 300))]
    pub fn with_key_bytes(secret_key: Vec<u8>, skew: u64) -> Result<Arc<Self>> {
        Ok(Arc::new(Verifier { inner: crate::Verifier::new(&secret_key)?.with_skew(skew) }))
    }

    /// Decodes `signature` and checks its MAC and its time window at `now` (Unix seconds).
    pub fn verify(&self, signature: String, now: u64) -> Result<DecodedSignature> {
        Ok(self.inner.verify(&signature, now)?.into())
    }
}

/// Decodes a signature without the key: format and each parameter's own rule, not the MAC nor
/// the time window.
#[uniffi::export]
pub fn decode(signature: String) -> Result<DecodedSignature> {
    Ok(crate::decode(&signature)?.into())
}

/// Verifies `signature` with `secret_key` (its UTF-8 bytes) at `now` (Unix seconds), allowing
/// `skew` seconds of clock skew (default 300). An empty key is refused first (`InvalidParameter`).
#[uniffi::export(default(skew = 300))]
pub fn verify(signature: String, secret_key: String, now: u64, skew: u64) -> Result<DecodedSignature> {
    Ok(crate::Verifier::new(secret_key.as_bytes())?.with_skew(skew).verify(&signature, now)?.into())
}

/// Seconds a signature has left at `now` (0 once expired), without the key.
#[uniffi::export]
pub fn seconds_left(signature: String, now: u64) -> Result<u64> {
    Ok(crate::seconds_left(&signature, now)?)
}

/// The current Unix time in whole seconds, from the system clock (what `sign` uses).
#[uniffi::export]
pub fn unix_now() -> Result<u64> {
    Ok(crate::unix_now()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "k3y-Th4t-Must-N0t-Leak-9f1c";

    fn seed_options() -> Options {
        Options::sample_defaults()
    }

    #[test]
    fn prepared_signer_signs_as_the_signer_does_and_outlives_it() {
        let signer = Signer::new("IamSecretId".into(), "IamSecretKey".into()).unwrap();
        let want = signer.sign_at(seed_options(), 1571215095, 1571301495, 220625).unwrap();
        let prepared = signer.prepare(seed_options()).unwrap();
        drop(signer);
        assert_eq!(prepared.sign_at(1571215095, 1571301495, 220625).unwrap(), want);
        assert_eq!(prepared.secret_id(), "IamSecretId");
        assert_eq!(prepared.options(), Options::sample_defaults());
    }

    #[test]
    fn prepare_refuses_what_signing_refuses() {
        let signer = Signer::new("id".into(), "k".into()).unwrap();
        let bad = Options { source_context: Some("x".repeat(251)), ..seed_options() };
        let at = signer.sign_at(bad.clone(), 1, 2, 3).unwrap_err().to_string();
        let prepared = signer.prepare(bad).unwrap_err();
        assert!(matches!(prepared, VodsignError::InvalidParameter(_)), "{prepared:?}");
        assert_eq!(prepared.to_string(), at);
        // validity is checked by sign, as Signer.sign does.
        let zero = signer.prepare(Options { validity: 0, ..seed_options() }).unwrap();
        assert!(matches!(zero.sign(), Err(VodsignError::InvalidParameter(_))));
    }

    #[test]
    fn an_empty_optional_integer_is_not_set() {
        // secretId=AKID&currentTimeStamp=1700000000&expireTime=1700086400&random=7&vodSubAppId=&classId=
        let signer = crate::Signer::new("AKID", b"k").unwrap();
        let sig = signer.sign_at(&Options::new(), 1_700_000_000, 1_700_086_400, 7).unwrap();
        let mut raw = crate::decode(&sig).unwrap().mac().to_vec();
        raw.extend_from_slice(b"secretId=AKID&currentTimeStamp=1700000000&expireTime=1700086400&random=7&vodSubAppId=&classId=");
        use base64::Engine;
        let d = decode(base64::engine::general_purpose::STANDARD.encode(raw)).unwrap();
        assert_eq!((d.vod_sub_app_id, d.class_id), (None, None));
        assert_eq!(d.params[4], QueryParam { key: "vodSubAppId".into(), value: String::new() });
    }

    #[test]
    fn warnings_are_carried() {
        // The official Python sample (10-year validity).
        let sig = "aG6ZX3aZf+6tg/yRDZdRSNtM39lzZWNyZXRJZD1JYW1TZWNyZXRJZCZjdXJyZW50VGltZVN0YW1wPTE1NzEyMTUwOTUmZXhwaXJlVGltZT0xODg2NTc1MDk1JnJhbmRvbT0yMjA2MjU=";
        let d = decode(sig.into()).unwrap();
        let want = crate::decode(sig).unwrap().warnings();
        assert_eq!(d.warnings.len(), 1);
        assert_eq!(
            d.warnings[0],
            DecodeWarning { code: "validity_too_long".into(), param: None, message: want[0].message().into() }
        );
    }

    #[test]
    fn prepared_signer_debug_never_shows_the_key() {
        let prepared = Signer::new("AKIDexample".into(), KEY.into()).unwrap().prepare(seed_options()).unwrap();
        let text = format!("{prepared:?} {prepared:#?}");
        assert!(!text.contains(KEY) && text.contains("redacted") && text.contains("AKIDexample"), "{text}");
    }
}
