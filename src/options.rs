//! [`Options`]: the optional parameters of a signature, and the validity [`Signer::sign`] uses.
//!
//! Every optional parameter's field is named once, in the table of `fields!`: setting by name,
//! reading, clearing and the canonical emission order all come from it, so adding a parameter
//! here is one field and one line of that table (its rule lives in [`crate::params`]).
//!
//! [`Signer::sign`]: crate::Signer::sign

use crate::error::{Error, ErrorKind, Result};
use crate::params::{DEFAULT_VALIDITY, MAX_VALIDITY, Param, ParamType, ParamValue, shown};

/// The optional parameters of a signature, and the validity `sign` uses.
///
/// A parameter that is set is emitted even when empty or zero (`procedure=`, `classId=0`); one
/// left unset (`None`, `null`, `nil`) is left out. Values are checked when signing, against the
/// documented rules. The same record serves Rust (`Options`), Kotlin and Swift (`SignOptions`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi(name = "SignOptions"))]
pub struct Options {
    /// `procedure`: task-flow template name.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub procedure: Option<String>,
    /// `classId`: media category.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub class_id: Option<u64>,
    /// `oneTimeValid`: 0 or 1.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub one_time_valid: Option<u8>,
    /// `sourceContext`: at most 250 characters.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub source_context: Option<String>,
    /// `taskPriority`: -10 to 10.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub task_priority: Option<i64>,
    /// `taskNotifyMode`: `Finish`, `Change` or `None`.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub task_notify_mode: Option<String>,
    /// `vodSubAppId`: sub-application id.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub vod_sub_app_id: Option<u64>,
    /// `sessionContext`: at most 1000 characters.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_context: Option<String>,
    /// `storageRegion`: region short name such as `ap-chongqing`.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub storage_region: Option<String>,
    /// Seconds from `currentTimeStamp` to `expireTime` for `sign`: 1 to 7,776,000, default
    /// 86,400. `sign_at` (`signAt`) takes an explicit expireTime instead.
    #[cfg_attr(feature = "uniffi", uniffi(default = 86400))]
    pub validity: u64,
}

/// The table: each optional parameter and its field. `$m` is called with the whole list.
macro_rules! fields {
    ($m:ident) => {
        $m! {
            Procedure => procedure,
            ClassId => class_id,
            OneTimeValid => one_time_valid,
            SourceContext => source_context,
            TaskPriority => task_priority,
            TaskNotifyMode => task_notify_mode,
            VodSubAppId => vod_sub_app_id,
            SessionContext => session_context,
            StorageRegion => storage_region,
        }
    };
}

/// A field's type: how its value reads as a [`ParamValue`] and is made from one that the
/// parameter's rule has accepted.
trait Field: Sized {
    fn value(&self) -> ParamValue<'_>;
    fn from_value(value: ParamValue<'_>) -> Option<Self>;
}

impl Field for String {
    fn value(&self) -> ParamValue<'_> {
        ParamValue::Str(self)
    }
    fn from_value(value: ParamValue<'_>) -> Option<Self> {
        match value {
            ParamValue::Str(s) => Some(s.to_owned()),
            ParamValue::Int(_) => None,
        }
    }
}

macro_rules! int_field {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn value(&self) -> ParamValue<'_> {
                ParamValue::Int(i128::from(*self))
            }
            fn from_value(value: ParamValue<'_>) -> Option<Self> {
                match value {
                    ParamValue::Int(n) => <$t>::try_from(n).ok(),
                    ParamValue::Str(_) => None,
                }
            }
        }
    )*};
}
int_field!(u8, u64, i64);

macro_rules! accessors {
    ($($p:ident => $f:ident,)*) => {
        impl Options {
            /// The value of an optional parameter, `None` when it is not set (and for the
            /// required parameters, which are not options).
            ///
            /// ```
            /// use vodsign::{Options, Param, ParamValue};
            /// let mut opts = Options::new().procedure("LongVideoPreset").class_id(3);
            /// assert_eq!(opts.get(Param::ClassId), Some(ParamValue::Int(3)));
            /// for p in Param::OPTIONAL {
            ///     opts.clear(p);
            /// }
            /// assert_eq!(opts, Options::new());
            /// ```
            pub fn get(&self, param: Param) -> Option<ParamValue<'_>> {
                match param {
                    $(Param::$p => self.$f.as_ref().map(Field::value),)*
                    _ => None,
                }
            }

            /// Leaves an optional parameter out (a required parameter is not an option: nothing
            /// changes).
            pub fn clear(&mut self, param: Param) {
                match param {
                    $(Param::$p => self.$f = None,)*
                    _ => {}
                }
            }

            /// Stores a value its parameter's rule has accepted, so that it fits the field's type.
            fn store(&mut self, param: Param, value: ParamValue<'_>) {
                match param {
                    $(Param::$p => {
                        if let Some(v) = Field::from_value(value) {
                            self.$f = Some(v);
                        }
                    })*
                    _ => {}
                }
            }
        }

        impl Default for Options {
            fn default() -> Self {
                Options { $($f: None,)* validity: DEFAULT_VALIDITY }
            }
        }
    };
}
fields!(accessors);

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
    /// Sets the validity in seconds used by [`Signer::sign`](crate::Signer::sign).
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
            Error::at(ErrorKind::InvalidParameter, name, format_args!("{} is not an optional signature parameter", shown(name)))
        })?;
        if param.is_required() {
            return Err(param.invalid(format_args!("{name} is required and set by the signer, not an option")));
        }
        match value {
            // Refuses text for an integer parameter ("takes a number, not text").
            ParamValue::Str(s) => param.check_str(s)?,
            ParamValue::Int(n) => {
                // A number for a text parameter is checked as empty text first (so taskNotifyMode
                // refuses it as not one of its values), then refused by `check_int` ("takes text,
                // not a number").
                if param.ty() == ParamType::String {
                    param.check_str("")?;
                }
                param.check_int(n)?;
            }
        }
        self.store(param, value);
        Ok(())
    }

    /// Every optional parameter in canonical order, `None` where it is not set: iterate
    /// `.iter().flatten()` for the ones that are.
    pub(crate) fn pairs(&self) -> [Option<(Param, ParamValue<'_>)>; Param::OPTIONAL.len()] {
        Param::OPTIONAL.map(|p| self.get(p).map(|v| (p, v)))
    }

    /// Checks every parameter that is set against its documented rule, in canonical order.
    pub fn validate(&self) -> Result<()> {
        self.pairs().iter().flatten().try_for_each(|&(p, v)| match v {
            ParamValue::Str(s) => p.check_str(s),
            ParamValue::Int(n) => p.check_int(n),
        })
    }

    /// Checks the validity [`Signer::sign`](crate::Signer::sign) uses.
    pub(crate) fn check_validity(&self) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_optional_parameter_has_a_field() {
        // Each optional parameter, set by name, reads back by `get`, is emitted in canonical
        // order, and is cleared by `clear`; a required one is none of these.
        let mut opts = Options::new();
        for p in Param::OPTIONAL {
            let value = match p.ty() {
                ParamType::Integer { min, .. } => ParamValue::Int(min.max(0)),
                ParamType::String if p == Param::TaskNotifyMode => ParamValue::Str("Finish"),
                ParamType::String if p == Param::StorageRegion => ParamValue::Str("ap-chongqing"),
                ParamType::String => ParamValue::Str("x"),
            };
            opts.set(p.name(), value).unwrap();
            assert_eq!(opts.get(p), Some(value), "{p:?}");
        }
        let order: Vec<Param> = opts.pairs().iter().flatten().map(|&(p, _)| p).collect();
        assert_eq!(order, Param::OPTIONAL);
        for p in Param::OPTIONAL {
            opts.clear(p);
            assert_eq!(opts.get(p), None, "{p:?}");
        }
        assert_eq!(opts, Options::new());
        for p in Param::REQUIRED {
            assert_eq!(Options::sample_defaults().get(p), None);
        }
    }
}
