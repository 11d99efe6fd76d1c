//! Signing: [`Options`] for the optional parameters and [`Signer`], which holds the keyed state.

use std::cell::RefCell;

use crate::b64;
use crate::query::escape::{Value, pair_into, pair_len_bound};
use crate::error::{Error, ErrorKind, Result};
use crate::mac::{Key, MAC_LEN};
use crate::os::{random_u32, unix_now};
use crate::params::{DEFAULT_VALIDITY, MAX_VALIDITY, Param, ParamType};
use crate::verify::check_window;

/// The optional parameters of a signature, and the validity [`Signer::sign`] uses.
///
/// A parameter that is `Some` is emitted even when empty or zero (`procedure=`, `classId=0`);
/// `None` leaves it out. Values are checked when signing, against the documented rules.
///
/// ```
/// let opts = vodsign::Options::new().procedure("LongVideoPreset").class_id(3).one_time_valid(1);
/// assert_eq!(opts.validity, 86_400);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// `procedure`: task-flow template name.
    pub procedure: Option<String>,
    /// `classId`: media category.
    pub class_id: Option<u64>,
    /// `oneTimeValid`: 0 or 1.
    pub one_time_valid: Option<u8>,
    /// `sourceContext`: at most 250 characters.
    pub source_context: Option<String>,
    /// `taskPriority`: -10 to 10.
    pub task_priority: Option<i64>,
    /// `taskNotifyMode`: `Finish`, `Change` or `None`.
    pub task_notify_mode: Option<String>,
    /// `vodSubAppId`: sub-application id.
    pub vod_sub_app_id: Option<u64>,
    /// `sessionContext`: at most 1000 characters.
    pub session_context: Option<String>,
    /// `storageRegion`: region short name such as `ap-chongqing`.
    pub storage_region: Option<String>,
    /// Seconds from `currentTimeStamp` to `expireTime` for [`Signer::sign`]: 1 to 7,776,000,
    /// default 86,400. [`Signer::sign_at`] takes an explicit expireTime instead.
    pub validity: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            procedure: None,
            class_id: None,
            one_time_valid: None,
            source_context: None,
            task_priority: None,
            task_notify_mode: None,
            vod_sub_app_id: None,
            session_context: None,
            storage_region: None,
            validity: DEFAULT_VALIDITY,
        }
    }
}

/// A value for [`Options::set`]: text or a whole number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamValue<'a> {
    /// Text.
    Str(&'a str),
    /// A whole number.
    Int(i128),
}

impl Options {
    /// No optional parameter set, validity one day.
    pub fn new() -> Self {
        Self::default()
    }

    /// The defaults of the documented Node sample: `procedure=''`, `classId=0`,
    /// `oneTimeValid=0`, `sourceContext=''`, validity one day.
    pub fn sample_defaults() -> Self {
        Options::new().procedure("").class_id(0).one_time_valid(0).source_context("")
    }

    /// Sets `procedure`.
    pub fn procedure(mut self, v: impl Into<String>) -> Self {
        self.procedure = Some(v.into());
        self
    }
    /// Sets `classId`.
    pub fn class_id(mut self, v: u64) -> Self {
        self.class_id = Some(v);
        self
    }
    /// Sets `oneTimeValid` (0 or 1).
    pub fn one_time_valid(mut self, v: u8) -> Self {
        self.one_time_valid = Some(v);
        self
    }
    /// Sets `sourceContext`.
    pub fn source_context(mut self, v: impl Into<String>) -> Self {
        self.source_context = Some(v.into());
        self
    }
    /// Sets `taskPriority` (-10 to 10).
    pub fn task_priority(mut self, v: i64) -> Self {
        self.task_priority = Some(v);
        self
    }
    /// Sets `taskNotifyMode` (`Finish`, `Change` or `None`).
    pub fn task_notify_mode(mut self, v: impl Into<String>) -> Self {
        self.task_notify_mode = Some(v.into());
        self
    }
    /// Sets `vodSubAppId`.
    pub fn vod_sub_app_id(mut self, v: u64) -> Self {
        self.vod_sub_app_id = Some(v);
        self
    }
    /// Sets `sessionContext`.
    pub fn session_context(mut self, v: impl Into<String>) -> Self {
        self.session_context = Some(v.into());
        self
    }
    /// Sets `storageRegion`.
    pub fn storage_region(mut self, v: impl Into<String>) -> Self {
        self.storage_region = Some(v.into());
        self
    }
    /// Sets the validity in seconds used by [`Signer::sign`].
    pub fn validity(mut self, seconds: u64) -> Self {
        self.validity = seconds;
        self
    }

    /// Sets an optional parameter by its wire name, for callers driven by configuration or JSON.
    ///
    /// The value is checked at once: fails with [`ErrorKind::InvalidParameter`] for an unknown or
    /// required name, a value of the wrong type, or a value that breaks the parameter's rule.
    pub fn set(&mut self, name: &str, value: ParamValue<'_>) -> Result<()> {
        let param = Param::from_name(name).ok_or_else(|| {
            Error::at(ErrorKind::InvalidParameter, name, format_args!("{} is not an optional signature parameter", crate::params::shown(name)))
        })?;
        if param.is_required() {
            return Err(param.invalid(format_args!("{name} is required and set by the signer, not an option")));
        }
        match value {
            ParamValue::Str(s) => {
                // Refuses text for an integer parameter ("takes a number, not text").
                param.check_str(s)?;
                let field = match param {
                    Param::Procedure => &mut self.procedure,
                    Param::SourceContext => &mut self.source_context,
                    Param::TaskNotifyMode => &mut self.task_notify_mode,
                    Param::SessionContext => &mut self.session_context,
                    Param::StorageRegion => &mut self.storage_region,
                    // The other parameters refused the text in `check_str`.
                    _ => return Ok(()),
                };
                *field = Some(s.to_owned());
            }
            ParamValue::Int(n) => {
                // A number for a text parameter is checked as empty text first (so taskNotifyMode
                // refuses it as not one of its values), then refused by `check_int` ("takes text,
                // not a number").
                if param.ty() == ParamType::String {
                    param.check_str("")?;
                }
                param.check_int(n)?;
                // Within the parameter's range, so every conversion is exact.
                match param {
                    Param::ClassId => self.class_id = Some(n as u64),
                    Param::OneTimeValid => self.one_time_valid = Some(n as u8),
                    Param::TaskPriority => self.task_priority = Some(n as i64),
                    Param::VodSubAppId => self.vod_sub_app_id = Some(n as u64),
                    // The other parameters refused the number in `check_int`.
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Every optional parameter in canonical order, `None` where it is not set: iterate
    /// `.iter().flatten()` for the ones that are. One function for all its users rather than an
    /// iterator chain compiled into each (the size budget of the shared library).
    #[inline(never)]
    pub(crate) fn pairs(&self) -> [Option<(Param, Value<'_>)>; 9] {
        fn s(p: Param, v: &Option<String>) -> Option<(Param, Value<'_>)> {
            v.as_deref().map(|v| (p, Value::Str(v)))
        }
        fn i(p: Param, v: Option<i128>) -> Option<(Param, Value<'static>)> {
            v.map(|v| (p, Value::Int(v)))
        }
        [
            s(Param::Procedure, &self.procedure),
            i(Param::ClassId, self.class_id.map(i128::from)),
            i(Param::OneTimeValid, self.one_time_valid.map(i128::from)),
            s(Param::SourceContext, &self.source_context),
            i(Param::TaskPriority, self.task_priority.map(i128::from)),
            s(Param::TaskNotifyMode, &self.task_notify_mode),
            i(Param::VodSubAppId, self.vod_sub_app_id.map(i128::from)),
            s(Param::SessionContext, &self.session_context),
            s(Param::StorageRegion, &self.storage_region),
        ]
    }

    /// Checks every parameter that is set against its documented rule, in canonical order.
    pub fn validate(&self) -> Result<()> {
        self.pairs().iter().flatten().try_for_each(|&(p, v)| match v {
            Value::Str(s) => p.check_str(s),
            Value::Int(n) => p.check_int(n),
        })
    }

    fn check_validity(&self) -> Result<()> {
        match self.validity {
            0 => Err(Error::at(ErrorKind::InvalidParameter, "validity", format_args!("validity is 0 seconds; must be at least 1"))),
            v if v > MAX_VALIDITY => Err(Error::new(
                ErrorKind::ValidityTooLong,
                None,
                format_args!("validity is {v} seconds; at most {MAX_VALIDITY} (90 days)"),
            )),
            _ => Ok(()),
        }
    }
}

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

    fn required(&self, cts: u64, exp: u64, random: u32) -> impl Iterator<Item = (Param, Value<'_>)> {
        [
            (Param::SecretId, Value::Str(&self.secret_id)),
            (Param::CurrentTimeStamp, Value::Int(cts.into())),
            (Param::ExpireTime, Value::Int(exp.into())),
            (Param::Random, Value::Int(random.into())),
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
