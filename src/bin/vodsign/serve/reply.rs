//! Reply presets: the body shapes the real clients read, for signatures and for refusals.
//!
//! | preset | success | refusal |
//! |---|---|---|
//! | seed | `{code: 0, message: "ok", data: {signature}}` | `{code: STATUS, message, reason}` |
//! | ugsv | `{code: 200, message: "OK", data: {signature}}` | same as seed (never 200) |
//! | tencent-demo | `{code: 0, message: "ok", data: {sign, signature}}` | same as seed |
//! | plain | the signature as `text/plain` | `STATUS reason: message` as `text/plain` |
//! | short-video | `{RequestId, Code: 0, Message: "OK", Data: {UploadSign, ExpireTime}}` | `{RequestId, Code: STATUS, Message, Reason}` |
//! | custom | the template with its placeholders filled | the error template, or seed's |

use std::time::{Duration, UNIX_EPOCH};

use serde_json::{Value, json};

use super::config::Preset;

/// A signature that was made.
pub struct Issued<'a> {
    pub signature: &'a str,
    pub expire_time: u64,
    pub request_id: &'a str,
}

/// Why a request was refused: the HTTP status, a stable reason (also the metrics label) and a
/// message for people.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub status: u16,
    pub reason: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl Refusal {
    pub fn new(status: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Refusal { status, reason, message: message.into(), retry_after: None }
    }
}

pub const JSON: &str = "application/json";
pub const TEXT: &str = "text/plain; charset=utf-8";

const PLACEHOLDERS: [&str; 7] =
    ["{{signature}}", "{{expire_time}}", "{{expire_time_iso}}", "{{request_id}}", "{{status}}", "{{reason}}", "{{message}}"];

/// A custom JSON reply: any JSON document whose strings may hold placeholders. A string that is
/// exactly `{{expire_time}}` or `{{status}}` becomes a number.
#[derive(Debug, Clone)]
pub struct Template(Value);

impl Template {
    pub fn parse(text: &str) -> Result<Template, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let mut bad = None;
        walk(&v, &mut |s| {
            let mut rest = s;
            while let Some(i) = rest.find("{{") {
                let tail = &rest[i..];
                match PLACEHOLDERS.iter().find(|p| tail.starts_with(**p)) {
                    Some(p) => rest = &tail[p.len()..],
                    None => {
                        bad.get_or_insert_with(|| {
                            let end = tail.find("}}").map_or(tail.len().min(24), |e| e + 2);
                            format!("unknown placeholder {:?}; the placeholders are {}", &tail[..end], PLACEHOLDERS.join(", "))
                        });
                        return;
                    }
                }
            }
        });
        match bad {
            Some(b) => Err(b),
            None => Ok(Template(v)),
        }
    }

    fn has(&self, placeholder: &str) -> bool {
        let mut found = false;
        walk(&self.0, &mut |s| found |= s.contains(placeholder));
        found
    }

    fn render(&self, fill: &dyn Fn(&str) -> Option<Value>) -> String {
        fn go(v: &Value, fill: &dyn Fn(&str) -> Option<Value>) -> Value {
            match v {
                Value::String(s) if s.contains("{{") => {
                    if let Some(whole) = fill(s) {
                        return whole;
                    }
                    let mut out = s.clone();
                    for p in PLACEHOLDERS {
                        if out.contains(p) {
                            let with = match fill(p) {
                                Some(Value::String(t)) => t,
                                Some(other) => other.to_string(),
                                None => String::new(),
                            };
                            out = out.replace(p, &with);
                        }
                    }
                    Value::String(out)
                }
                Value::Array(a) => Value::Array(a.iter().map(|x| go(x, fill)).collect()),
                Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), go(x, fill))).collect()),
                other => other.clone(),
            }
        }
        go(&self.0, fill).to_string()
    }
}

fn walk(v: &Value, f: &mut dyn FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| walk(x, f)),
        Value::Object(o) => o.values().for_each(|x| walk(x, f)),
        _ => {}
    }
}

pub fn iso8601(unix: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(unix)).to_string()
}

/// The reply shape in force.
#[derive(Debug, Clone)]
pub struct Replier {
    preset: Preset,
    template: Option<Template>,
    error_template: Option<Template>,
}

impl Replier {
    pub fn new(preset: Preset, template: Option<&str>, error_template: Option<&str>) -> Result<Replier, String> {
        let template = template.map(Template::parse).transpose()?;
        if let Some(t) = &template {
            if !t.has("{{signature}}") {
                return Err("reply.template: has no {{signature}} placeholder".into());
            }
        }
        let error_template = error_template.map(Template::parse).transpose()?;
        Ok(Replier { preset, template, error_template })
    }

    /// The preset: which request fields it knows besides the common ones.
    pub fn preset(&self) -> Preset {
        self.preset
    }

    /// Content type and body for a signature.
    pub fn ok(&self, i: &Issued<'_>) -> (&'static str, String) {
        let body = match self.preset {
            Preset::Seed => json!({"code": 0, "message": "ok", "data": {"signature": i.signature}}),
            Preset::Ugsv => json!({"code": 200, "message": "OK", "data": {"signature": i.signature}}),
            Preset::TencentDemo => json!({"code": 0, "message": "ok", "data": {"sign": i.signature, "signature": i.signature}}),
            Preset::Plain => return (TEXT, i.signature.to_owned()),
            Preset::ShortVideo => json!({
                "RequestId": i.request_id, "Code": 0, "Message": "OK",
                "Data": {"UploadSign": i.signature, "ExpireTime": iso8601(i.expire_time)},
            }),
            Preset::Custom => {
                let t = self.template.as_ref().expect("a custom preset has a template (checked at load)");
                return (
                    JSON,
                    t.render(&|p| match p {
                        "{{signature}}" => Some(Value::from(i.signature)),
                        "{{expire_time}}" => Some(Value::from(i.expire_time)),
                        "{{expire_time_iso}}" => Some(Value::from(iso8601(i.expire_time))),
                        "{{request_id}}" => Some(Value::from(i.request_id)),
                        "{{status}}" => Some(Value::from(200)),
                        "{{reason}}" => Some(Value::from("ok")),
                        "{{message}}" => Some(Value::from("ok")),
                        _ => None,
                    }),
                );
            }
        };
        (JSON, body.to_string())
    }

    /// Content type and body for a refusal.
    pub fn err(&self, r: &Refusal, request_id: &str) -> (&'static str, String) {
        let seed = || json!({"code": r.status, "message": r.message, "reason": r.reason});
        let body = match self.preset {
            Preset::Seed | Preset::Ugsv | Preset::TencentDemo => seed(),
            Preset::Plain => return (TEXT, format!("{} {}: {}\n", r.status, r.reason, r.message)),
            Preset::ShortVideo => json!({"RequestId": request_id, "Code": r.status, "Message": r.message, "Reason": r.reason}),
            Preset::Custom => match &self.error_template {
                Some(t) => {
                    return (
                        JSON,
                        t.render(&|p| match p {
                            "{{status}}" => Some(Value::from(r.status)),
                            "{{reason}}" => Some(Value::from(r.reason)),
                            "{{message}}" => Some(Value::from(r.message.as_str())),
                            "{{request_id}}" => Some(Value::from(request_id)),
                            "{{signature}}" | "{{expire_time_iso}}" => Some(Value::from("")),
                            "{{expire_time}}" => Some(Value::from(0)),
                            _ => None,
                        }),
                    );
                }
                None => seed(),
            },
        };
        (JSON, body.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued() -> Issued<'static> {
        Issued { signature: "SIG", expire_time: 1_700_000_000, request_id: "rid" }
    }

    #[test]
    fn presets_have_the_shapes_clients_read() {
        let r = |p| Replier::new(p, None, None).unwrap().ok(&issued()).1;
        assert_eq!(r(Preset::Seed), r#"{"code":0,"message":"ok","data":{"signature":"SIG"}}"#);
        assert_eq!(r(Preset::Ugsv), r#"{"code":200,"message":"OK","data":{"signature":"SIG"}}"#);
        assert_eq!(r(Preset::TencentDemo), r#"{"code":0,"message":"ok","data":{"sign":"SIG","signature":"SIG"}}"#);
        assert_eq!(r(Preset::Plain), "SIG");
        assert_eq!(
            r(Preset::ShortVideo),
            r#"{"RequestId":"rid","Code":0,"Message":"OK","Data":{"UploadSign":"SIG","ExpireTime":"2023-11-14T22:13:20Z"}}"#
        );
    }

    #[test]
    fn templates_fill_placeholders_and_refuse_unknown_ones() {
        let t = r#"{"s":"{{signature}}","e":"{{expire_time}}","x":"at {{expire_time_iso}}"}"#;
        let r = Replier::new(Preset::Custom, Some(t), Some(r#"{"ok":false,"c":"{{status}}","m":"{{message}}"}"#)).unwrap();
        assert_eq!(r.ok(&issued()).1, r#"{"s":"SIG","e":1700000000,"x":"at 2023-11-14T22:13:20Z"}"#);
        assert_eq!(r.err(&Refusal::new(429, "rate_limited", "slow"), "r").1, r#"{"ok":false,"c":429,"m":"slow"}"#);
        let e = Template::parse(r#"{"s":"{{sig}}"}"#).unwrap_err();
        assert!(e.contains("unknown placeholder \"{{sig}}\""), "{e}");
        assert!(Replier::new(Preset::Custom, Some(r#"{"a":1}"#), None).unwrap_err().contains("{{signature}}"));
        assert!(Template::parse("{").unwrap_err().starts_with("not JSON"));
    }
}
