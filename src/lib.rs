//! # vodsign
//!
//! Make, decode and verify Tencent Cloud VOD client-upload signatures: the short-lived token a
//! backend "signature distribution service" hands to the upload SDKs (UGSV, web, mobile).
//!
//! A signature is `Base64(HMAC-SHA1(secretKey, original) ‖ original)`, where `original` is a
//! query string of `secretId`, `currentTimeStamp`, `expireTime`, `random` and the optional
//! parameters, escaped exactly as the documented Node sample's `querystring.stringify`.
//!
//! ```
//! use vodsign::{Options, Signer, Verifier, decode};
//!
//! let signer = Signer::new("AKIDexample", b"the-secret-key")?;      // once, at start-up
//! let opts = Options::new().procedure("LongVideoPreset").one_time_valid(1);
//! let signature = signer.sign(&opts)?;                               // per upload request
//!
//! let d = decode(&signature)?;                                       // no key needed
//! assert_eq!(d.procedure(), Some("LongVideoPreset"));
//! let now = vodsign::unix_now()?;
//! Verifier::new(b"the-secret-key")?.verify(&signature, now)?;        // MAC and time window
//! # Ok::<(), vodsign::Error>(())
//! ```
//!
//! The C ABI (`include/vodsign.h`) and the Kotlin and Swift bindings are thin layers over this API.
#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod b64;
mod decode;
mod query;
mod error;
mod mac;
mod options;
mod os;
mod params;
mod sign;
mod simd;
mod verify;
mod warnings;
pub mod capi;
#[cfg(feature = "uniffi")]
mod uniffi_api;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub use decode::{Decoded, decode};
pub use error::{Error, ErrorKind, Result};
pub use mac::MAC_LEN;
pub use params::{
    DEFAULT_SKEW, DEFAULT_VALIDITY, MAX_DECODED_RANDOM, MAX_SESSION_CONTEXT_CHARS, MAX_SOURCE_CONTEXT_CHARS,
    MAX_STORAGE_REGION_CHARS, MAX_VALIDITY, Param, ParamType, ParamValue, TASK_NOTIFY_MODES, random_for_signing,
};
pub use os::{random_u32, unix_now};
pub use options::Options;
pub use sign::Signer;
pub use query::escape::escape;
pub use query::parse::MAX_PARAMS;
pub use verify::{Verifier, check_window, seconds_left, verify};
pub use warnings::{Warning, WarningKind};
