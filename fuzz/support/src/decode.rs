//! The `decode` target: any text through `vodsign::decode`, checked by
//! [`check_decode`](crate::invariants::check_decode).
//!
//! Input: `mode rest...`. `mode % 3`: 0 gives `rest` as the signature text (lossy UTF-8), 1
//! gives `Base64(rest)`, 2 gives `Base64([0; 20] ‖ rest)` so that `rest` is the signed query
//! string itself and the fuzzer works on the query parser directly.

use vodsign::MAC_LEN;

use crate::input::Input;
use crate::invariants::check_decode;
use crate::oracles::base64;

/// A `decode` input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeInput {
    pub mode: u8,
    pub rest: Vec<u8>,
}

impl DecodeInput {
    pub fn read(data: &[u8]) -> DecodeInput {
        let mut input = Input::new(data);
        DecodeInput { mode: input.u8(), rest: input.rest().to_vec() }
    }

    /// The bytes [`DecodeInput::read`] reads back as this input.
    pub fn write(&self) -> Vec<u8> {
        let mut out = vec![self.mode];
        out.extend_from_slice(&self.rest);
        out
    }

    /// Mode 0: this signature text.
    pub fn text(signature: &str) -> DecodeInput {
        DecodeInput { mode: 0, rest: signature.as_bytes().to_vec() }
    }

    /// Mode 2: this query string after a zero MAC.
    pub fn query(original: &str) -> DecodeInput {
        DecodeInput { mode: 2, rest: original.as_bytes().to_vec() }
    }

    /// The signature text this input stands for.
    pub fn signature(&self) -> String {
        signature_text(self.mode, &self.rest)
    }
}

/// The signature text for `mode` and `rest` (shared with the `verify` target's raw mode).
pub fn signature_text(mode: u8, rest: &[u8]) -> String {
    match mode % 3 {
        0 => String::from_utf8_lossy(rest).into_owned(),
        1 => base64(rest),
        _ => {
            let mut raw = vec![0u8; MAC_LEN];
            raw.extend_from_slice(rest);
            base64(&raw)
        }
    }
}

pub fn target(data: &[u8]) {
    check_decode(&DecodeInput::read(data).signature());
}
