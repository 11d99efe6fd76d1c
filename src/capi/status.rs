//! Status codes, their names and messages, and the library's version.

use core::ffi::c_char;

use crate::ErrorKind;

// ---------------------------------------------------------------------------------------------
// Version
// ---------------------------------------------------------------------------------------------

/// Major version of the library this header belongs to (checked against Cargo.toml at build time).
pub const VODSIGN_VERSION_MAJOR: u32 = 0;
/// Minor version of the library this header belongs to.
pub const VODSIGN_VERSION_MINOR: u32 = 1;
/// Patch version of the library this header belongs to.
pub const VODSIGN_VERSION_PATCH: u32 = 0;

const fn parse_version_part(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut i = 0;
    let mut v: u32 = 0;
    while i < b.len() {
        assert!(b[i].is_ascii_digit(), "version part is not a number");
        v = v * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    v
}

/// Length of the MAC at the front of every signature, in bytes.
pub const VODSIGN_MAC_LEN: usize = 20;

// ---------------------------------------------------------------------------------------------
// Status codes
// ---------------------------------------------------------------------------------------------

/// The result of every fallible call: `VODSIGN_OK` (0) or one of the `VODSIGN_ERR_*` codes.
///
/// Codes are fixed numbers and never reused. Codes 1 to 99 mirror the core's error kinds (new
/// kinds get new numbers in that range); codes from 100 are about the C call itself. A caller
/// must be ready for codes this header does not list (treat them as errors;
/// `vodsign_status_message` still describes them as unknown).
pub type vodsign_status = u32;

/// Success.
pub const VODSIGN_OK: vodsign_status = 0;
/// `invalid_parameter`: a parameter value breaks its documented rule (`vodsign_last_error_param` names it).
pub const VODSIGN_ERR_INVALID_PARAMETER: vodsign_status = 1;
/// `validity_too_long`: expireTime - currentTimeStamp is more than 7,776,000 seconds (90 days).
pub const VODSIGN_ERR_VALIDITY_TOO_LONG: vodsign_status = 2;
/// `not_base64`: the signature is not standard padded Base64.
pub const VODSIGN_ERR_NOT_BASE64: vodsign_status = 3;
/// `too_short`: the signature decodes to fewer than 21 bytes.
pub const VODSIGN_ERR_TOO_SHORT: vodsign_status = 4;
/// `not_utf8`: the embedded original, or a percent-decoded key or value, is not UTF-8.
pub const VODSIGN_ERR_NOT_UTF8: vodsign_status = 5;
/// `malformed_query`: a bad percent escape (or too many parameters) in the signed text.
pub const VODSIGN_ERR_MALFORMED_QUERY: vodsign_status = 6;
/// `missing_parameter`: a required parameter is absent (`vodsign_last_error_param` names it).
pub const VODSIGN_ERR_MISSING_PARAMETER: vodsign_status = 7;
/// `not_an_integer`: an integer parameter is not `-?[0-9]+` (`vodsign_last_error_param` names it).
pub const VODSIGN_ERR_NOT_AN_INTEGER: vodsign_status = 8;
/// `duplicate_parameter`: a key appears twice (`vodsign_last_error_param` names it).
pub const VODSIGN_ERR_DUPLICATE_PARAMETER: vodsign_status = 9;
/// `bad_mac`: the MAC does not match the key (forged, altered, or another key).
pub const VODSIGN_ERR_BAD_MAC: vodsign_status = 10;
/// `expired`: now >= expireTime.
pub const VODSIGN_ERR_EXPIRED: vodsign_status = 11;
/// `not_yet_valid`: currentTimeStamp > now + skew.
pub const VODSIGN_ERR_NOT_YET_VALID: vodsign_status = 12;
/// `clock`: the system clock is before 1970.
pub const VODSIGN_ERR_CLOCK: vodsign_status = 13;
/// `random`: the operating system's random generator failed.
pub const VODSIGN_ERR_RANDOM: vodsign_status = 14;
/// `null_argument`: a pointer argument that must not be NULL was NULL.
pub const VODSIGN_ERR_NULL_ARGUMENT: vodsign_status = 100;
/// `invalid_utf8_argument`: a text argument is not valid UTF-8.
pub const VODSIGN_ERR_INVALID_UTF8_ARGUMENT: vodsign_status = 101;
/// `buffer_too_small`: the output buffer cannot hold the result and its terminating NUL;
/// `*out_len` was set to the length needed (without the NUL).
pub const VODSIGN_ERR_BUFFER_TOO_SMALL: vodsign_status = 102;
/// `panic`: an internal error (a bug in vodsign) was caught; nothing was written.
pub const VODSIGN_ERR_PANIC: vodsign_status = 103;
/// `not_present`: the decoded signature does not carry the optional parameter asked for.
pub const VODSIGN_ERR_NOT_PRESENT: vodsign_status = 104;
/// `out_of_range`: an index is not below the count, or a length is larger than PTRDIFF_MAX.
pub const VODSIGN_ERR_OUT_OF_RANGE: vodsign_status = 105;

pub(super) fn kind_status(kind: ErrorKind) -> vodsign_status {
    match kind {
        ErrorKind::InvalidParameter => VODSIGN_ERR_INVALID_PARAMETER,
        ErrorKind::ValidityTooLong => VODSIGN_ERR_VALIDITY_TOO_LONG,
        ErrorKind::NotBase64 => VODSIGN_ERR_NOT_BASE64,
        ErrorKind::TooShort => VODSIGN_ERR_TOO_SHORT,
        ErrorKind::NotUtf8 => VODSIGN_ERR_NOT_UTF8,
        ErrorKind::MalformedQuery => VODSIGN_ERR_MALFORMED_QUERY,
        ErrorKind::MissingParameter => VODSIGN_ERR_MISSING_PARAMETER,
        ErrorKind::NotAnInteger => VODSIGN_ERR_NOT_AN_INTEGER,
        ErrorKind::DuplicateParameter => VODSIGN_ERR_DUPLICATE_PARAMETER,
        ErrorKind::BadMac => VODSIGN_ERR_BAD_MAC,
        ErrorKind::Expired => VODSIGN_ERR_EXPIRED,
        ErrorKind::NotYetValid => VODSIGN_ERR_NOT_YET_VALID,
        ErrorKind::Clock => VODSIGN_ERR_CLOCK,
        ErrorKind::Random => VODSIGN_ERR_RANDOM,
    }
}

/// (name, message) of a status code, both NUL-terminated and static.
pub(super) fn status_strings(code: vodsign_status) -> (&'static core::ffi::CStr, &'static core::ffi::CStr) {
    match code {
        VODSIGN_OK => (c"ok", c"success"),
        VODSIGN_ERR_INVALID_PARAMETER => (c"invalid_parameter", c"a parameter breaks its documented rule"),
        VODSIGN_ERR_VALIDITY_TOO_LONG => (
            c"validity_too_long",
            c"validity is longer than 90 days (7776000 seconds)",
        ),
        VODSIGN_ERR_NOT_BASE64 => (c"not_base64", c"signature is not standard padded Base64"),
        VODSIGN_ERR_TOO_SHORT => (c"too_short", c"signature is shorter than 21 bytes"),
        VODSIGN_ERR_NOT_UTF8 => (c"not_utf8", c"signature text is not UTF-8"),
        VODSIGN_ERR_MALFORMED_QUERY => (c"malformed_query", c"signature has a bad percent escape"),
        VODSIGN_ERR_MISSING_PARAMETER => (c"missing_parameter", c"a required parameter is missing"),
        VODSIGN_ERR_NOT_AN_INTEGER => (c"not_an_integer", c"an integer parameter is not a whole number"),
        VODSIGN_ERR_DUPLICATE_PARAMETER => (c"duplicate_parameter", c"a parameter appears more than once"),
        VODSIGN_ERR_BAD_MAC => (c"bad_mac", c"signature MAC does not match the key"),
        VODSIGN_ERR_EXPIRED => (c"expired", c"signature has expired"),
        VODSIGN_ERR_NOT_YET_VALID => (c"not_yet_valid", c"signature is not valid yet"),
        VODSIGN_ERR_CLOCK => (c"clock", c"system clock is before 1970"),
        VODSIGN_ERR_RANDOM => (c"random", c"operating system random generator failed"),
        VODSIGN_ERR_NULL_ARGUMENT => (c"null_argument", c"a pointer argument is NULL"),
        VODSIGN_ERR_INVALID_UTF8_ARGUMENT => (c"invalid_utf8_argument", c"a text argument is not valid UTF-8"),
        VODSIGN_ERR_BUFFER_TOO_SMALL => (c"buffer_too_small", c"the output buffer is too small"),
        VODSIGN_ERR_PANIC => (c"panic", c"internal error (a bug in vodsign)"),
        VODSIGN_ERR_NOT_PRESENT => (c"not_present", c"the signature does not carry this parameter"),
        VODSIGN_ERR_OUT_OF_RANGE => (c"out_of_range", c"an index or length argument is out of range"),
        _ => (c"unknown", c"unknown status code"),
    }
}

/// A fixed English sentence describing `status` (any value; an unknown one gives
/// "unknown status code"). Static storage: never free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn vodsign_status_message(status: vodsign_status) -> *const c_char {
    status_strings(status).1.as_ptr()
}

/// The stable snake_case name of `status`, as used in the conformance vectors and by every other
/// binding (`"ok"`, `"invalid_parameter"`, `"bad_mac"`, ...; `"unknown"` for an unknown value).
/// Static storage: never free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn vodsign_status_name(status: vodsign_status) -> *const c_char {
    status_strings(status).0.as_ptr()
}

/// The library's version, `"MAJOR.MINOR.PATCH"`. Static storage: never free it. Thread-safe.
/// Compare with the `VODSIGN_VERSION_*` macros to detect a header/library mismatch.
#[unsafe(no_mangle)]
pub extern "C" fn vodsign_version() -> *const c_char {
    // Build-time checks that the header's constants match Cargo.toml and the core. They live in
    // this body because cbindgen reads only items, and would warn about `const _` items.
    const {
        assert!(
            parse_version_part(env!("CARGO_PKG_VERSION_MAJOR")) == VODSIGN_VERSION_MAJOR
                && parse_version_part(env!("CARGO_PKG_VERSION_MINOR")) == VODSIGN_VERSION_MINOR
                && parse_version_part(env!("CARGO_PKG_VERSION_PATCH")) == VODSIGN_VERSION_PATCH,
            "VODSIGN_VERSION_* in src/capi/status.rs differ from the version in Cargo.toml"
        );
        assert!(VODSIGN_MAC_LEN == crate::MAC_LEN);
    }
    const V: &core::ffi::CStr =
        match core::ffi::CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => panic!("version has a NUL"),
        };
    V.as_ptr()
}
