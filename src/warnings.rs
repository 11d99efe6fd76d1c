//! Decode warnings: what a decoded signature carries that the VOD server would refuse, reported
//! without failing the decode (decoding stays keyless and lenient; verification fails on the
//! window findings).

use core::fmt;

use crate::decode::Decoded;
use crate::error::ErrorKind;
use crate::params::{Param, shown};
use crate::verify::check_window;

/// What a [`Warning`] is about, as a stable category.
///
/// Each kind has a stable snake_case [`code`](WarningKind::code) shared by every language binding,
/// the C ABI and the CLI's JSON. New kinds may be added; existing ones never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// `expireTime - currentTimeStamp` is more than 7,776,000 seconds (90 days), as the official
    /// Python and Go samples sign.
    ValidityTooLong,
    /// `expireTime` is not later than `currentTimeStamp`.
    ExpireNotAfterCurrent,
    /// A key that is not one of the documented signature parameters.
    UnknownParameter,
}

impl WarningKind {
    /// The stable snake_case code, as used in `tests/vectors/` and the CLI's JSON.
    pub const fn code(self) -> &'static str {
        match self {
            WarningKind::ValidityTooLong => "validity_too_long",
            WarningKind::ExpireNotAfterCurrent => "expire_not_after_current",
            WarningKind::UnknownParameter => "unknown_parameter",
        }
    }
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A finding about a decoded signature that the VOD server would refuse: its kind, the
/// parameter it is about (where there is one) and a one-sentence message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    kind: WarningKind,
    param: Option<Box<str>>,
    message: Box<str>,
}

impl Warning {
    /// The category of the warning.
    pub fn kind(&self) -> WarningKind {
        self.kind
    }

    /// The stable snake_case code of its kind.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The parameter the warning is about (`expireTime`, or the unknown key as decoded), where
    /// there is one.
    pub fn param(&self) -> Option<&str> {
        self.param.as_deref()
    }

    /// The message: one sentence naming the parameter and the rule.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Decoded {
    /// What the VOD server would refuse in this signature, computed on demand (decoding itself
    /// does not look): first the time window (at most one of [`WarningKind::ExpireNotAfterCurrent`]
    /// and [`WarningKind::ValidityTooLong`], with the wording of [`check_window`]'s errors), then
    /// each unknown parameter in order of appearance. Empty for a signature the server accepts
    /// as to its form. A value breaking its parameter's own rule (a sourceContext over 250
    /// characters, say) is not a warning: decoding refuses it.
    ///
    /// ```
    /// // The official Python sample: a 10-year validity.
    /// let d = vodsign::decode("aG6ZX3aZf+6tg/yRDZdRSNtM39lzZWNyZXRJZD1JYW1TZWNyZXRJZCZjdXJyZW50VGltZVN0YW1wPTE1NzEyMTUwOTUmZXhwaXJlVGltZT0xODg2NTc1MDk1JnJhbmRvbT0yMjA2MjU=")?;
    /// let w = d.warnings();
    /// assert_eq!(w.len(), 1);
    /// assert_eq!(w[0].kind(), vodsign::WarningKind::ValidityTooLong);
    /// assert_eq!(w[0].code(), "validity_too_long");
    /// # Ok::<(), vodsign::Error>(())
    /// ```
    pub fn warnings(&self) -> Vec<Warning> {
        let mut out = Vec::new();
        if let Err(e) = check_window(self.current_time_stamp(), self.expire_time()) {
            let kind = match e.kind() {
                ErrorKind::ValidityTooLong => WarningKind::ValidityTooLong,
                _ => WarningKind::ExpireNotAfterCurrent,
            };
            out.push(Warning { kind, param: e.param().map(Into::into), message: e.message().into() });
        }
        for (key, _) in self.params() {
            if Param::from_name(key).is_none() {
                out.push(Warning {
                    kind: WarningKind::UnknownParameter,
                    param: Some(key.into()),
                    message: format!("{} is an unknown parameter: the server does not document it", shown(key)).into(),
                });
            }
        }
        out
    }
}
