//! What a signature carries: the configuration's policy, the few fields a client may choose
//! (each allow-listed), and the authenticated user bound into sourceContext/sessionContext.

use serde_json::Value;
use vodsign::{MAX_SESSION_CONTEXT_CHARS, MAX_SOURCE_CONTEXT_CHARS, Options};

use super::config::{self, Preset};
use super::reply::Refusal;

/// The fields a request body may carry.
#[derive(Debug, Default)]
pub struct ClientFields {
    pub source_context: Option<String>,
    pub session_context: Option<String>,
    pub procedure: Option<String>,
    pub class_id: Option<u64>,
    /// The short-video preset's `Token` (a JWT sent in the body).
    pub token: Option<String>,
}

/// Fields every preset takes; the rest depend on what that preset's clients send.
const COMMON: [&str; 4] = ["sourceContext", "sessionContext", "procedure", "classId"];

fn known(preset: Preset) -> &'static [&'static str] {
    match preset {
        // The UGSV apps send these; the user id comes from authentication, never from here.
        Preset::Ugsv => &["userid", "timestamp", "expires"],
        Preset::TencentDemo => &["Action"],
        Preset::ShortVideo => &["Token", "SourceContext"],
        _ => &[],
    }
}

fn bad(reason: &'static str, m: String) -> Refusal {
    Refusal::new(400, reason, m)
}

/// Reads the body as JSON whatever its Content-Type says (axios sends a JSON string as a form).
/// An empty body asks with no field.
pub fn parse_body(body: &[u8], preset: Preset) -> Result<ClientFields, Refusal> {
    let mut f = ClientFields::default();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(f);
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| bad("not_json", format!("the body is not JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(bad("wrong_type", "the body must be a JSON object".into()));
    };
    let extra = known(preset);
    for (k, v) in &map {
        if !COMMON.contains(&k.as_str()) && !extra.contains(&k.as_str()) {
            let mut all: Vec<&str> = COMMON.to_vec();
            all.extend_from_slice(extra);
            return Err(bad("unknown_field", format!("unknown field {:?}; this service takes {}", shown(k), all.join(", "))));
        }
        let text = |name: &str| match v {
            Value::String(s) => Ok(s.clone()),
            _ => Err(bad("wrong_type", format!("{name} must be text"))),
        };
        match k.as_str() {
            "sourceContext" | "SourceContext" => f.source_context = Some(text(k)?),
            "sessionContext" => f.session_context = Some(text(k)?),
            "procedure" => f.procedure = Some(text(k)?),
            "Token" => f.token = Some(text(k)?),
            "classId" => {
                f.class_id = Some(v.as_u64().ok_or_else(|| bad("wrong_type", "classId must be a whole number, 0 or more".into()))?)
            }
            "Action" => {
                text(k)?;
            }
            "userid" if !(v.is_string() || v.is_number()) => {
                return Err(bad("wrong_type", "userid must be text or a number".into()));
            }
            "timestamp" | "expires" if !v.is_number() => {
                return Err(bad("wrong_type", format!("{k} must be a number")));
            }
            _ => {}
        }
    }
    Ok(f)
}

/// A field name as shown in a message: at most 64 characters, control characters escaped.
fn shown(k: &str) -> String {
    let mut s: String = k.chars().take(64).flat_map(char::escape_default).collect();
    if k.chars().count() > 64 {
        s.push('…');
    }
    s
}

/// The text of `s` as it goes inside a JSON string (quotes, backslashes and controls escaped).
fn json_inner(s: &str) -> String {
    let quoted = Value::from(s).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

pub struct Policy {
    base: Options,
    source_template: Option<String>,
    session_template: Option<String>,
    client: config::Client,
}

impl Policy {
    pub fn new(s: &config::Signing, client: &config::Client) -> Policy {
        let mut o = Options::new().validity(s.validity_seconds);
        o.procedure = s.procedure.clone();
        o.class_id = s.class_id;
        o.vod_sub_app_id = s.vod_sub_app_id;
        o.storage_region = s.storage_region.clone();
        o.one_time_valid = s.one_time_valid.then_some(1);
        o.task_priority = s.task_priority;
        o.task_notify_mode = s.task_notify_mode.clone();
        Policy { base: o, source_template: s.source_context.clone(), session_template: s.session_context.clone(), client: client.clone() }
    }

    pub fn validity(&self) -> u64 {
        self.base.validity
    }

    /// The options for one signature for `user`.
    pub fn options(&self, user: &str, f: &ClientFields) -> Result<Options, Refusal> {
        let forbidden = |name: &str, why: String| Refusal::new(403, "field_not_allowed", format!("{name}: {why}"));
        let mut o = self.base.clone();
        if let Some(p) = &f.procedure {
            if !self.client.procedures.iter().any(|a| a == p) {
                return Err(forbidden("procedure", "not one of the procedures the configuration lets clients choose (client.procedures)".into()));
            }
            o.procedure = Some(p.clone());
        }
        if let Some(c) = f.class_id {
            if !self.client.class_ids.contains(&c) {
                return Err(forbidden("classId", "not one of the classes the configuration lets clients choose (client.class_ids)".into()));
            }
            o.class_id = Some(c);
        }
        o.source_context = context(
            "sourceContext",
            f.source_context.as_deref(),
            self.client.source_context,
            self.client.source_context_max_chars.unwrap_or(MAX_SOURCE_CONTEXT_CHARS),
            self.source_template.as_deref(),
            user,
        )?;
        o.session_context = context(
            "sessionContext",
            f.session_context.as_deref(),
            self.client.session_context,
            self.client.session_context_max_chars.unwrap_or(MAX_SESSION_CONTEXT_CHARS),
            self.session_template.as_deref(),
            user,
        )?;
        o.validate().map_err(|e| Refusal::new(400, "invalid_parameter", e.message().to_owned()))?;
        Ok(o)
    }
}

fn context(name: &str, client: Option<&str>, allowed: bool, max: usize, template: Option<&str>, user: &str) -> Result<Option<String>, Refusal> {
    if let Some(c) = client {
        if !allowed {
            return Err(Refusal::new(403, "field_not_allowed", format!("{name}: the configuration does not let clients set it")));
        }
        let n = c.chars().count();
        if n > max {
            return Err(Refusal::new(400, "too_long", format!("{name} is {n} characters; at most {max}")));
        }
    }
    Ok(match template {
        Some(t) => Some(t.replace("{{user}}", &json_inner(user)).replace("{{client}}", &json_inner(client.unwrap_or("")))),
        None => client.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signing(src: Option<&str>) -> config::Signing {
        let toml = format!("secret_id = \"AKID\"\n{}", src.map(|s| format!("source_context = '{s}'")).unwrap_or_default());
        toml::from_str(&toml).unwrap()
    }

    #[test]
    fn user_is_bound_and_escaped() {
        let client = config::Client { source_context: true, ..Default::default() };
        let p = Policy::new(&signing(Some(r#"{"uid":"{{user}}","ctx":"{{client}}"}"#)), &client);
        let f = ClientFields { source_context: Some("a\"b".into()), ..Default::default() };
        let o = p.options("4\"2", &f).unwrap();
        assert_eq!(o.source_context.as_deref(), Some(r#"{"uid":"4\"2","ctx":"a\"b"}"#));
        let v: Value = serde_json::from_str(o.source_context.as_deref().unwrap()).unwrap();
        assert_eq!(v["uid"], "4\"2");
    }

    #[test]
    fn limits_and_allow_lists() {
        let p = Policy::new(&signing(Some(r#"{"uid":"{{user}}","ctx":"{{client}}"}"#)), &config::Client::default());
        let f = ClientFields { source_context: Some("x".into()), ..Default::default() };
        assert_eq!(p.options("u", &f).unwrap_err().status, 403);
        let f = ClientFields { procedure: Some("X".into()), ..Default::default() };
        assert_eq!(p.options("u", &f).unwrap_err().reason, "field_not_allowed");
        let client = config::Client { source_context: true, ..Default::default() };
        let p = Policy::new(&signing(Some(r#"{"uid":"{{user}}","ctx":"{{client}}"}"#)), &client);
        // Within the client's 250 but over 250 once bound: the library's rule names sourceContext.
        let f = ClientFields { source_context: Some("x".repeat(240)), ..Default::default() };
        let e = p.options("u", &f).unwrap_err();
        assert_eq!((e.status, e.reason), (400, "invalid_parameter"));
        assert!(e.message.contains("sourceContext"), "{}", e.message);
        let f = ClientFields { source_context: Some("x".repeat(251)), ..Default::default() };
        assert_eq!(p.options("u", &f).unwrap_err().reason, "too_long");
    }

    #[test]
    fn bodies() {
        assert!(parse_body(b"", Preset::Seed).unwrap().source_context.is_none());
        assert_eq!(parse_body(b"{", Preset::Seed).unwrap_err().reason, "not_json");
        assert_eq!(parse_body(b"[1]", Preset::Seed).unwrap_err().reason, "wrong_type");
        assert_eq!(parse_body(br#"{"classId":"3"}"#, Preset::Seed).unwrap_err().reason, "wrong_type");
        assert_eq!(parse_body(br#"{"Action":"x"}"#, Preset::Seed).unwrap_err().reason, "unknown_field");
        assert!(parse_body(br#"{"Action":"GetUgcUploadSign"}"#, Preset::TencentDemo).is_ok());
        assert_eq!(parse_body(br#"{"Token":"t","SourceContext":"s"}"#, Preset::ShortVideo).unwrap().token.as_deref(), Some("t"));
        assert!(parse_body(br#"{"userid":"1","timestamp":1,"expires":2}"#, Preset::Ugsv).is_ok());
    }
}
