//! The signature's parameters, their canonical order and their documented rules.
//!
//! One table serves signing (which checks what it is about to emit) and decoding (which checks
//! what it read), so a rule is written once.

use crate::query::escape::Decimal;
use crate::error::{Error, ErrorKind, Result};

/// The longest validity the VOD server accepts: 90 days, in seconds.
pub const MAX_VALIDITY: u64 = 7_776_000;
/// The validity [`Options`](crate::Options) use unless told otherwise: one day, in seconds.
pub const DEFAULT_VALIDITY: u64 = 86_400;
/// The clock skew a [`Verifier`](crate::Verifier) allows unless told otherwise, in seconds.
pub const DEFAULT_SKEW: u64 = 300;
/// The most characters (Unicode scalar values) `sourceContext` may have.
pub const MAX_SOURCE_CONTEXT_CHARS: usize = 250;
/// The most characters (Unicode scalar values) `sessionContext` may have.
pub const MAX_SESSION_CONTEXT_CHARS: usize = 1000;
/// The most characters `storageRegion` may have.
pub const MAX_STORAGE_REGION_CHARS: usize = 64;
/// The values `taskNotifyMode` may take.
pub const TASK_NOTIFY_MODES: [&str; 3] = ["Finish", "Change", "None"];
/// The largest `random` a decoded signature may carry: 2^32, which the documented Node sample
/// (`Math.round(Math.random() * 2 ** 32)`) can produce. Signing takes a `u32`.
pub const MAX_DECODED_RANDOM: u64 = 1 << 32;

/// A parameter of the signature, in canonical emission order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Param {
    /// `secretId` (required string): the API SecretId, visible in the signature.
    SecretId,
    /// `currentTimeStamp` (required integer): Unix time of signing, whole seconds.
    CurrentTimeStamp,
    /// `expireTime` (required integer): Unix time the signature expires.
    ExpireTime,
    /// `random` (required integer): unsigned 32-bit nonce.
    Random,
    /// `procedure` (string): task-flow template run after upload.
    Procedure,
    /// `classId` (unsigned integer): media category.
    ClassId,
    /// `oneTimeValid` (0 or 1): the signature may be used once.
    OneTimeValid,
    /// `sourceContext` (string, at most 250 characters): echoed in the upload callback.
    SourceContext,
    /// `taskPriority` (integer, -10 to 10).
    TaskPriority,
    /// `taskNotifyMode` (`Finish`, `Change` or `None`).
    TaskNotifyMode,
    /// `vodSubAppId` (unsigned integer): the sub-application.
    VodSubAppId,
    /// `sessionContext` (string, at most 1000 characters): echoed in the task-flow callback.
    SessionContext,
    /// `storageRegion` (string): region short name such as `ap-chongqing`.
    StorageRegion,
}

/// The type of a parameter's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    /// Text, percent-escaped on the wire.
    String,
    /// A whole number in plain decimal, within the inclusive range given.
    Integer {
        /// Smallest allowed value.
        min: i128,
        /// Largest allowed value.
        max: i128,
    },
}

/// A parameter's value: text or a whole number (as [`Options::set`](crate::Options::set) takes it
/// and [`Options::get`](crate::Options::get) gives it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamValue<'a> {
    /// Text.
    Str(&'a str),
    /// A whole number.
    Int(i128),
}

/// The slot of a name of `len` bytes whose second byte is `second` (0 if it has none) in
/// [`SLOTS`]: the length and the second byte tell the known names apart.
const fn slot(len: usize, second: u8) -> usize {
    (len + 7 * second as usize) % 32
}

/// For each slot, the index in [`Param::ALL`] of the name in it, or `u8::MAX`. Built from
/// [`Param::name`], so the names are written once; two names in one slot fail the build.
const SLOTS: [u8; 32] = {
    let mut table = [u8::MAX; 32];
    let mut i = 0;
    while i < Param::ALL.len() {
        let name = Param::ALL[i].name().as_bytes();
        assert!(name.len() >= 2 && name.len() <= 16 && Param::ALL[i] as usize == i);
        let s = slot(name.len(), name[1]);
        assert!(table[s] == u8::MAX, "two parameter names share a slot: change slot()");
        table[s] = i as u8;
        i += 1;
    }
    table
};

/// Each name of [`Param::ALL`] as a number: its bytes little-endian, zeros after them (the
/// look-up compares with it, and signing copies it).
const WORDS: [u128; Param::ALL.len()] = {
    let mut words = [0; Param::ALL.len()];
    let mut i = 0;
    while i < Param::ALL.len() {
        let name = Param::ALL[i].name().as_bytes();
        let mut j = 0;
        while j < name.len() {
            words[i] |= (name[j] as u128) << (8 * j);
            j += 1;
        }
        i += 1;
    }
    words
};

impl Param {
    /// Every parameter, in canonical order.
    pub const ALL: [Param; 13] = [
        Param::SecretId,
        Param::CurrentTimeStamp,
        Param::ExpireTime,
        Param::Random,
        Param::Procedure,
        Param::ClassId,
        Param::OneTimeValid,
        Param::SourceContext,
        Param::TaskPriority,
        Param::TaskNotifyMode,
        Param::VodSubAppId,
        Param::SessionContext,
        Param::StorageRegion,
    ];

    /// The four parameters every signature carries: the first four of [`Param::ALL`].
    pub const REQUIRED: [Param; 4] =
        [Param::SecretId, Param::CurrentTimeStamp, Param::ExpireTime, Param::Random];

    /// The optional parameters, in canonical order: every parameter after the required four.
    pub const OPTIONAL: [Param; Param::ALL.len() - Param::REQUIRED.len()] = {
        let mut out = [Param::Procedure; Param::ALL.len() - Param::REQUIRED.len()];
        let mut i = 0;
        while i < out.len() {
            out[i] = Param::ALL[i + Param::REQUIRED.len()];
            i += 1;
        }
        out
    };

    /// The name on the wire, for example `currentTimeStamp`.
    pub const fn name(self) -> &'static str {
        match self {
            Param::SecretId => "secretId",
            Param::CurrentTimeStamp => "currentTimeStamp",
            Param::ExpireTime => "expireTime",
            Param::Random => "random",
            Param::Procedure => "procedure",
            Param::ClassId => "classId",
            Param::OneTimeValid => "oneTimeValid",
            Param::SourceContext => "sourceContext",
            Param::TaskPriority => "taskPriority",
            Param::TaskNotifyMode => "taskNotifyMode",
            Param::VodSubAppId => "vodSubAppId",
            Param::SessionContext => "sessionContext",
            Param::StorageRegion => "storageRegion",
        }
    }

    /// The parameter with this wire name (case-sensitive).
    #[inline(never)]
    pub fn from_name(name: &str) -> Option<Param> {
        let bytes = name.as_bytes();
        let mut block = [0u8; 16];
        block[..bytes.len().min(16)].copy_from_slice(&bytes[..bytes.len().min(16)]);
        Param::from_block(block, bytes.len())
    }

    /// The known parameter named by the first `len` bytes of `block` (zeros after them), with
    /// one table look-up and one comparison: the one name look-up of the library, which decoding
    /// calls on the 16 bytes it already holds. `len` may exceed 16: then no name matches.
    #[inline]
    pub(crate) fn from_block(block: [u8; 16], len: usize) -> Option<Param> {
        let w = u128::from_le_bytes(block) & u128::MAX.checked_shr(128 - 8 * len.min(16) as u32).unwrap_or(0);
        let p = *Param::ALL.get(usize::from(SLOTS[slot(len, (w >> 8) as u8)]))?;
        (WORDS[p as usize] == w && p.name().len() == len).then_some(p)
    }

    /// The wire name's bytes, zeros after them: 16 bytes to copy whole (a copy of a fixed size
    /// needs no call) and then cut to the name's length.
    #[inline]
    pub(crate) fn name_block(self) -> [u8; 16] {
        WORDS[self as usize].to_le_bytes()
    }

    /// Whether every signature must carry it.
    pub const fn is_required(self) -> bool {
        matches!(self, Param::SecretId | Param::CurrentTimeStamp | Param::ExpireTime | Param::Random)
    }

    /// The value's type and, for integers, the range a decoded value must lie in.
    pub const fn ty(self) -> ParamType {
        const U64: i128 = u64::MAX as i128;
        match self {
            Param::CurrentTimeStamp | Param::ExpireTime | Param::ClassId | Param::VodSubAppId => {
                ParamType::Integer { min: 0, max: U64 }
            }
            Param::Random => ParamType::Integer { min: 0, max: MAX_DECODED_RANDOM as i128 },
            Param::OneTimeValid => ParamType::Integer { min: 0, max: 1 },
            Param::TaskPriority => ParamType::Integer { min: -10, max: 10 },
            Param::SecretId
            | Param::Procedure
            | Param::SourceContext
            | Param::TaskNotifyMode
            | Param::SessionContext
            | Param::StorageRegion => ParamType::String,
        }
    }

    /// Checks an integer value against this parameter's range.
    pub fn check_int(self, value: i128) -> Result<()> {
        let ParamType::Integer { min, max } = self.ty() else {
            return Err(self.invalid(format_args!("{} takes text, not a number", self.name())));
        };
        if value < min || value > max {
            let (name, value) = (self.name(), Decimal(value));
            return Err(match (self, min) {
                (Param::OneTimeValid, _) => self.invalid(format_args!("{name} is {value}; must be 0 or 1")),
                (_, 0) if max == u64::MAX as i128 => self.invalid(format_args!(
                    "{name} is {value}; must be a non-negative whole number below 2^64"
                )),
                _ => self.invalid(format_args!("{name} is {value}; must be from {} to {}", Decimal(min), Decimal(max))),
            });
        }
        Ok(())
    }

    /// The most characters a text value may have, for the parameters with a limit.
    const fn max_chars(self) -> Option<usize> {
        match self {
            Param::SourceContext => Some(MAX_SOURCE_CONTEXT_CHARS),
            Param::SessionContext => Some(MAX_SESSION_CONTEXT_CHARS),
            Param::StorageRegion => Some(MAX_STORAGE_REGION_CHARS),
            _ => None,
        }
    }

    /// Checks a text value against this parameter's rule.
    pub fn check_str(self, value: &str) -> Result<()> {
        let name = self.name();
        // A text has at most as many characters as bytes: count them only when that could be too many.
        if let Some(max) = self.max_chars().filter(|&max| value.len() > max) {
            let n = value.chars().count();
            if n > max {
                return Err(self.invalid(format_args!("{name} has {n} characters; at most {max}")));
            }
        }
        match self {
            Param::SecretId if value.is_empty() => Err(self.invalid(format_args!("secretId is empty; it must not be"))),
            Param::TaskNotifyMode if !TASK_NOTIFY_MODES.contains(&value) => Err(self.invalid(format_args!(
                "taskNotifyMode is {:?}; must be Finish, Change or None",
                clip(value)
            ))),
            Param::StorageRegion if !value.is_empty() && !is_region(value) => Err(self.invalid(format_args!(
                "storageRegion is {:?}; must be a region short name such as ap-chongqing (lowercase letters, digits and '-')",
                clip(value)
            ))),
            _ if matches!(self.ty(), ParamType::Integer { .. }) => {
                Err(self.invalid(format_args!("{name} takes a number, not text")))
            }
            _ => Ok(()),
        }
    }

    /// Parses a decimal integer as it appears on the wire (`-?[0-9]+`) and checks its range.
    pub fn parse_int(self, text: &str) -> Result<i128> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::at(
                ErrorKind::NotAnInteger,
                self.name(),
                format_args!("{} is {:?}; must be a whole number", self.name(), clip(text)),
            ));
        }
        let significant = digits.trim_start_matches('0');
        let magnitude = if significant.len() <= 19 {
            // Fits u64: the common case, without 128-bit arithmetic.
            Some(i128::from(significant.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0'))))
        } else if significant.len() <= 38 {
            // Below 10^38, well inside i128.
            Some(significant.bytes().fold(0i128, |n, b| n * 10 + i128::from(b - b'0')))
        } else {
            None
        };
        let value = magnitude.map(|m| if text.starts_with('-') { -m } else { m });
        let value = value.ok_or_else(|| {
            self.invalid(format_args!("{} is {:?}; out of range", self.name(), clip(text)))
        })?;
        self.check_int(value)?;
        Ok(value)
    }

    /// An [`ErrorKind::InvalidParameter`] error about this parameter.
    #[cold]
    #[inline(never)]
    pub(crate) fn invalid(self, message: std::fmt::Arguments<'_>) -> Error {
        Error::at(ErrorKind::InvalidParameter, self.name(), message)
    }
}

/// Checks a `random` given as a wide integer for signing (0 to 4294967295) and narrows it.
///
/// Decoding accepts up to 2^32 (see [`MAX_DECODED_RANDOM`]), signing never emits it.
pub fn random_for_signing(value: i128) -> Result<u32> {
    u32::try_from(value).map_err(|_| {
        Param::Random.invalid(format_args!("random is {}; a signature's random must be from 0 to {}", Decimal(value), u32::MAX))
    })
}

/// A region short name: parts joined by '-', none empty, at least two; the first of lowercase
/// letters, the others of lowercase letters and digits (`ap-chongqing`, `na-siliconvalley`).
fn is_region(s: &str) -> bool {
    // Parts finished, and the length of the current one.
    let (mut parts, mut len) = (0, 0);
    for b in s.bytes() {
        match b {
            b'-' if len > 0 => (parts, len) = (parts + 1, 0),
            b'a'..=b'z' => len += 1,
            b'0'..=b'9' if parts > 0 => len += 1,
            _ => return false,
        }
    }
    parts > 0 && len > 0
}

/// A key as it appears in a message: as it is when short and printable, otherwise quoted with
/// escapes and shortened, so that a message is always one line of reasonable size.
pub(crate) fn shown(key: &str) -> String {
    if key.len() <= 32 && !key.is_empty() && key.chars().all(|c| !c.is_control() && !c.is_whitespace()) {
        key.to_string()
    } else {
        format!("{:?}", clip(key))
    }
}

/// Shortens a value quoted in a message so that messages stay one line of reasonable size.
fn clip(s: &str) -> String {
    const MAX: usize = 32;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_region;

    #[test]
    fn region_short_names() {
        for ok in ["ap-chongqing", "na-siliconvalley", "ap-shanghai-fsi", "eu-frankfurt1", "a-b", "a-1"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in ["", "ap", "-ap", "ap-", "ap--x", "a1-b", "Ap-x", "ap-X", "ap_x", "ap-x y", "ap-é", "1-ap"] {
            assert!(!is_region(bad), "{bad}");
        }
    }
}
