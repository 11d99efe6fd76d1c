//! Errors: one type for every surface, with a stable kind and a message that names the parameter
//! and the rule. Messages never contain the secret key.

use std::fmt;

/// What went wrong, as a stable category.
///
/// Each kind has a stable snake_case [`code`](ErrorKind::code) shared by every language binding,
/// the C status codes and the CLI's JSON output. New kinds may be added; existing ones never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A parameter value breaks its documented rule (length, range, allowed values).
    InvalidParameter,
    /// `expireTime - currentTimeStamp` is more than 7,776,000 seconds (90 days).
    ValidityTooLong,
    /// The signature is not standard, padded Base64.
    NotBase64,
    /// The decoded signature is shorter than 21 bytes (a 20-byte MAC and at least one byte).
    TooShort,
    /// The embedded original, or a percent-decoded key or value, is not UTF-8.
    NotUtf8,
    /// The embedded query string has a bad percent escape.
    MalformedQuery,
    /// A required parameter is absent.
    MissingParameter,
    /// An integer parameter is not a whole number (`-?[0-9]+`); fractional timestamps included.
    NotAnInteger,
    /// A key appears more than once.
    DuplicateParameter,
    /// The MAC does not match the key: forged, tampered with, or signed with another key.
    BadMac,
    /// The signature's `expireTime` has passed.
    Expired,
    /// The signature's `currentTimeStamp` is later than now plus the allowed clock skew.
    NotYetValid,
    /// The system clock is before the Unix epoch.
    Clock,
    /// The operating system's random number generator failed.
    Random,
}

impl ErrorKind {
    /// Every kind, in the order of their C status codes.
    pub const ALL: [ErrorKind; 14] = [
        ErrorKind::InvalidParameter,
        ErrorKind::ValidityTooLong,
        ErrorKind::NotBase64,
        ErrorKind::TooShort,
        ErrorKind::NotUtf8,
        ErrorKind::MalformedQuery,
        ErrorKind::MissingParameter,
        ErrorKind::NotAnInteger,
        ErrorKind::DuplicateParameter,
        ErrorKind::BadMac,
        ErrorKind::Expired,
        ErrorKind::NotYetValid,
        ErrorKind::Clock,
        ErrorKind::Random,
    ];

    /// The stable snake_case code, as used in `tests/vectors/` and the CLI's JSON.
    pub const fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidParameter => "invalid_parameter",
            ErrorKind::ValidityTooLong => "validity_too_long",
            ErrorKind::NotBase64 => "not_base64",
            ErrorKind::TooShort => "too_short",
            ErrorKind::NotUtf8 => "not_utf8",
            ErrorKind::MalformedQuery => "malformed_query",
            ErrorKind::MissingParameter => "missing_parameter",
            ErrorKind::NotAnInteger => "not_an_integer",
            ErrorKind::DuplicateParameter => "duplicate_parameter",
            ErrorKind::BadMac => "bad_mac",
            ErrorKind::Expired => "expired",
            ErrorKind::NotYetValid => "not_yet_valid",
            ErrorKind::Clock => "clock",
            ErrorKind::Random => "random",
        }
    }

    /// A short, fixed description of the kind.
    pub const fn description(self) -> &'static str {
        match self {
            ErrorKind::InvalidParameter => "a parameter breaks its documented rule",
            ErrorKind::ValidityTooLong => "validity is longer than 90 days (7776000 seconds)",
            ErrorKind::NotBase64 => "signature is not standard padded Base64",
            ErrorKind::TooShort => "signature is shorter than 21 bytes",
            ErrorKind::NotUtf8 => "signature text is not UTF-8",
            ErrorKind::MalformedQuery => "signature has a bad percent escape",
            ErrorKind::MissingParameter => "a required parameter is missing",
            ErrorKind::NotAnInteger => "an integer parameter is not a whole number",
            ErrorKind::DuplicateParameter => "a parameter appears more than once",
            ErrorKind::BadMac => "signature MAC does not match the key",
            ErrorKind::Expired => "signature has expired",
            ErrorKind::NotYetValid => "signature is not valid yet",
            ErrorKind::Clock => "system clock is before 1970",
            ErrorKind::Random => "operating system random generator failed",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An error from signing, decoding or verifying.
///
/// `Display` gives one sentence that names the parameter and the rule, for example
/// `sourceContext has 251 characters; at most 250`.
///
/// One pointer wide (the details live in a box): a `Result` of this crate costs its callers
/// little to pass along, which keeps the hot paths lean.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Details>);

#[derive(Clone, PartialEq, Eq)]
struct Details {
    kind: ErrorKind,
    param: Option<Box<str>>,
    message: Box<str>,
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("param", &self.0.param)
            .field("message", &self.0.message)
            .finish()
    }
}

impl Error {
    /// An error whose message is written with `format_args!`.
    ///
    /// Cold and never inlined: errors are the rare path, and building every message in this one
    /// place, rather than at each call site, keeps the callers small.
    #[cold]
    #[inline(never)]
    pub(crate) fn new(kind: ErrorKind, param: Option<&str>, message: fmt::Arguments<'_>) -> Self {
        Error(Box::new(Details { kind, param: param.map(Into::into), message: fmt::format(message).into_boxed_str() }))
    }

    /// An error about the parameter `param`.
    #[cold]
    #[inline(never)]
    pub(crate) fn at(kind: ErrorKind, param: &str, message: fmt::Arguments<'_>) -> Self {
        Error::new(kind, Some(param), message)
    }

    /// The category of the error.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The parameter the error is about, where there is one.
    pub fn param(&self) -> Option<&str> {
        self.0.param.as_deref()
    }

    /// The full message (the same text as `Display`).
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}

/// The result type of this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_fields() {
        let e = Error::at(ErrorKind::InvalidParameter, "classId", format_args!("classId is bad"));
        assert_eq!(
            format!("{e:?}"),
            r#"Error { kind: InvalidParameter, param: Some("classId"), message: "classId is bad" }"#
        );
        assert_eq!(size_of::<Result<()>>(), size_of::<usize>());
    }
}
