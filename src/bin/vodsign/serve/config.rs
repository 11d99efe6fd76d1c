//! The service's configuration: one TOML file, read whole, every field checked.
//!
//! Unknown fields are refused by serde (`deny_unknown_fields`, the message names the field and
//! its line); values are checked here and refused with the dotted name of the field.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use vodsign::{MAX_SESSION_CONTEXT_CHARS, MAX_SOURCE_CONTEXT_CHARS, MAX_VALIDITY, Options, ParamValue};

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: Server,
    #[serde(default)]
    pub key: Key,
    pub signing: Signing,
    #[serde(default)]
    pub client: Client,
    #[serde(default)]
    pub reply: Reply,
    #[serde(default)]
    pub auth: Auth,
    #[serde(default)]
    pub rate_limit: RateLimit,
    pub cors: Option<Cors>,
    #[serde(default)]
    pub log: Log,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    pub listen: String,
    pub path: String,
    pub admin_listen: Option<String>,
    pub workers: usize,
    pub max_connections: usize,
    pub body_limit_bytes: usize,
    pub header_timeout_seconds: f64,
    pub request_timeout_seconds: f64,
    pub shutdown_timeout_seconds: f64,
    pub trusted_proxies: Vec<String>,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            listen: "127.0.0.1:8080".into(),
            path: "/signature".into(),
            admin_listen: None,
            workers: 2,
            max_connections: 1024,
            body_limit_bytes: 16 * 1024,
            header_timeout_seconds: 5.0,
            request_timeout_seconds: 10.0,
            shutdown_timeout_seconds: 25.0,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Key {
    pub secret_key_file: Option<PathBuf>,
    pub watch_interval_seconds: f64,
}

impl Default for Key {
    fn default() -> Self {
        Key { secret_key_file: None, watch_interval_seconds: 5.0 }
    }
}

/// The signing policy: what every signature carries, whatever the client asks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signing {
    pub secret_id: String,
    #[serde(default = "default_validity")]
    pub validity_seconds: u64,
    pub procedure: Option<String>,
    pub class_id: Option<u64>,
    pub vod_sub_app_id: Option<u64>,
    pub storage_region: Option<String>,
    #[serde(default)]
    pub one_time_valid: bool,
    pub task_priority: Option<i64>,
    pub task_notify_mode: Option<String>,
    pub source_context: Option<String>,
    pub session_context: Option<String>,
    #[serde(default)]
    pub replica_id: u32,
    #[serde(default)]
    pub replica_bits: u32,
}

fn default_validity() -> u64 {
    600
}

/// What the client may choose.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Client {
    pub source_context: bool,
    pub source_context_max_chars: Option<usize>,
    pub session_context: bool,
    pub session_context_max_chars: Option<usize>,
    pub procedures: Vec<String>,
    pub class_ids: Vec<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    #[default]
    Seed,
    Ugsv,
    TencentDemo,
    Plain,
    ShortVideo,
    Custom,
}

impl Preset {
    pub fn name(self) -> &'static str {
        match self {
            Preset::Seed => "seed",
            Preset::Ugsv => "ugsv",
            Preset::TencentDemo => "tencent-demo",
            Preset::Plain => "plain",
            Preset::ShortVideo => "short-video",
            Preset::Custom => "custom",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Reply {
    pub preset: Preset,
    pub template: Option<String>,
    pub error_template: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Auth {
    pub jwt: Option<Jwt>,
    pub gateway: Option<Gateway>,
    pub tokens: Vec<ApiToken>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum JwtAlgorithm {
    HS256,
    RS256,
    ES256,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jwt {
    pub algorithm: JwtAlgorithm,
    pub secret_env: Option<String>,
    pub secret_file: Option<PathBuf>,
    pub public_key_file: Option<PathBuf>,
    pub jwks_file: Option<PathBuf>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    #[serde(default = "default_user_claim")]
    pub user_claim: String,
    #[serde(default = "default_leeway")]
    pub leeway_seconds: u64,
}

fn default_user_claim() -> String {
    "sub".into()
}
fn default_leeway() -> u64 {
    30
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gateway {
    pub header: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiToken {
    pub user: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub per_minute: u32,
    pub burst: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimit {
    pub enabled: bool,
    pub per_user: Option<Limit>,
    pub per_address: Option<Limit>,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            enabled: true,
            per_user: Some(Limit { per_minute: 30, burst: 8 }),
            per_address: Some(Limit { per_minute: 120, burst: 16 }),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cors {
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub allow_credentials: bool,
    #[serde(default = "default_max_age")]
    pub max_age_seconds: u64,
}

fn default_max_age() -> u64 {
    600
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Log {
    pub access: bool,
}

impl Default for Log {
    fn default() -> Self {
        Log { access: true }
    }
}

/// A configuration error: `field: what is wrong`.
pub fn bad(field: &str, why: impl std::fmt::Display) -> String {
    format!("{field}: {why}")
}

/// Reads and checks the file at `path`.
pub fn load(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses and checks configuration text.
pub fn parse(text: &str) -> Result<Config, String> {
    // A secret key written into the file is named and refused with the way to do it right.
    if let Ok(table) = text.parse::<toml::Table>() {
        for section in ["key", "signing"] {
            if let Some(t) = table.get(section).and_then(|v| v.as_table()) {
                for name in ["secret_key", "secretKey"] {
                    if t.contains_key(name) {
                        return Err(bad(
                            &format!("{section}.{name}"),
                            "the secret key is never read from the configuration's text; set VODSIGN_SECRET_KEY or key.secret_key_file",
                        ));
                    }
                }
            }
        }
    }
    let config: Config = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
    config.check()?;
    Ok(config)
}

pub fn socket_addr(field: &str, text: &str) -> Result<SocketAddr, String> {
    text.parse::<SocketAddr>()
        .map_err(|_| bad(field, format_args!("{text:?} is not an address with a port, such as 127.0.0.1:8080 or [::1]:8080")))
}

fn seconds(field: &str, v: f64, min: f64) -> Result<(), String> {
    if !(v.is_finite() && v >= min && v <= 86_400.0) {
        return Err(bad(field, format_args!("{v} seconds; must be {min} to 86400")));
    }
    Ok(())
}

/// One signing option checked by the library's own rule, so the error names the config field.
fn option(field: &str, name: &str, value: ParamValue<'_>) -> Result<(), String> {
    Options::new().set(name, value).map_err(|e| bad(field, e.message()))
}

impl Config {
    fn check(&self) -> Result<(), String> {
        let s = &self.server;
        socket_addr("server.listen", &s.listen)?;
        if let Some(a) = &s.admin_listen {
            socket_addr("server.admin_listen", a)?;
        }
        if !s.path.starts_with('/') || s.path.len() > 256 || s.path.chars().any(|c| c.is_control() || c == '?' || c == '#' || c == ' ') {
            return Err(bad("server.path", "must start with / and hold no space, ?, # or control character (at most 256 bytes)"));
        }
        if ["/livez", "/readyz", "/metrics"].contains(&s.path.as_str()) {
            return Err(bad("server.path", format_args!("{} is one of the health and metrics paths", s.path)));
        }
        if !(1..=64).contains(&s.workers) {
            return Err(bad("server.workers", format_args!("{}; must be 1 to 64", s.workers)));
        }
        if !(1..=1_000_000).contains(&s.max_connections) {
            return Err(bad("server.max_connections", format_args!("{}; must be 1 to 1000000", s.max_connections)));
        }
        if !(64..=1 << 20).contains(&s.body_limit_bytes) {
            return Err(bad("server.body_limit_bytes", format_args!("{}; must be 64 to 1048576", s.body_limit_bytes)));
        }
        seconds("server.header_timeout_seconds", s.header_timeout_seconds, 0.1)?;
        seconds("server.request_timeout_seconds", s.request_timeout_seconds, 0.1)?;
        seconds("server.shutdown_timeout_seconds", s.shutdown_timeout_seconds, 0.0)?;
        for (i, p) in s.trusted_proxies.iter().enumerate() {
            parse_net(p).map_err(|why| bad(&format!("server.trusted_proxies[{i}]"), why))?;
        }
        let w = self.key.watch_interval_seconds;
        if w != 0.0 {
            seconds("key.watch_interval_seconds", w, 0.1)?;
        }

        let g = &self.signing;
        if g.secret_id.is_empty() || g.secret_id.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(bad("signing.secret_id", "must be the SecretId, not empty, without spaces or control characters"));
        }
        if g.validity_seconds == 0 || g.validity_seconds > MAX_VALIDITY {
            return Err(bad("signing.validity_seconds", format_args!("{}; must be 1 to {MAX_VALIDITY}", g.validity_seconds)));
        }
        if let Some(v) = &g.procedure {
            option("signing.procedure", "procedure", ParamValue::Str(v))?;
        }
        if let Some(v) = g.class_id {
            option("signing.class_id", "classId", ParamValue::Int(v.into()))?;
        }
        if let Some(v) = g.vod_sub_app_id {
            option("signing.vod_sub_app_id", "vodSubAppId", ParamValue::Int(v.into()))?;
        }
        if let Some(v) = &g.storage_region {
            option("signing.storage_region", "storageRegion", ParamValue::Str(v))?;
        }
        if let Some(v) = g.task_priority {
            option("signing.task_priority", "taskPriority", ParamValue::Int(v.into()))?;
        }
        if let Some(v) = &g.task_notify_mode {
            option("signing.task_notify_mode", "taskNotifyMode", ParamValue::Str(v))?;
        }
        for (field, t, max) in [
            ("signing.source_context", &g.source_context, MAX_SOURCE_CONTEXT_CHARS),
            ("signing.session_context", &g.session_context, MAX_SESSION_CONTEXT_CHARS),
        ] {
            if let Some(t) = t {
                let fixed = t.replace("{{user}}", "").replace("{{client}}", "");
                if fixed.contains("{{") {
                    return Err(bad(field, "the only placeholders are {{user}} and {{client}}"));
                }
                if fixed.chars().count() > max {
                    return Err(bad(field, format_args!("{} characters without its placeholders; at most {max}", fixed.chars().count())));
                }
            }
        }
        if g.replica_bits > 16 {
            return Err(bad("signing.replica_bits", format_args!("{}; must be 0 to 16", g.replica_bits)));
        }
        if g.replica_bits == 0 && g.replica_id != 0 {
            return Err(bad("signing.replica_id", "needs signing.replica_bits above 0"));
        }
        if g.replica_bits > 0 && u64::from(g.replica_id) >= 1u64 << g.replica_bits {
            return Err(bad("signing.replica_id", format_args!("{}; must be below 2^replica_bits = {}", g.replica_id, 1u64 << g.replica_bits)));
        }

        let c = &self.client;
        for (field, allowed, max, limit) in [
            ("client.source_context_max_chars", c.source_context, c.source_context_max_chars, MAX_SOURCE_CONTEXT_CHARS),
            ("client.session_context_max_chars", c.session_context, c.session_context_max_chars, MAX_SESSION_CONTEXT_CHARS),
        ] {
            if let Some(m) = max {
                if !allowed {
                    return Err(bad(field, "set, but the client may not send this field (set it to true first)"));
                }
                if m == 0 || m > limit {
                    return Err(bad(field, format_args!("{m}; must be 1 to {limit}")));
                }
            }
        }
        for (i, p) in c.procedures.iter().enumerate() {
            option(&format!("client.procedures[{i}]"), "procedure", ParamValue::Str(p))?;
        }
        for (i, v) in c.class_ids.iter().enumerate() {
            option(&format!("client.class_ids[{i}]"), "classId", ParamValue::Int((*v).into()))?;
        }

        let r = &self.reply;
        match (r.preset, &r.template) {
            (Preset::Custom, None) => return Err(bad("reply.template", "needed when reply.preset is \"custom\"")),
            (Preset::Custom, Some(t)) => {
                super::reply::Template::parse(t).map_err(|why| bad("reply.template", why))?;
            }
            (_, Some(_)) => return Err(bad("reply.template", "only with reply.preset = \"custom\"")),
            _ => {}
        }
        if let Some(t) = &r.error_template {
            if r.preset != Preset::Custom {
                return Err(bad("reply.error_template", "only with reply.preset = \"custom\""));
            }
            super::reply::Template::parse(t).map_err(|why| bad("reply.error_template", why))?;
        }

        if let Some(j) = &self.auth.jwt {
            let sources = [j.secret_env.is_some(), j.secret_file.is_some(), j.public_key_file.is_some(), j.jwks_file.is_some()];
            if sources.iter().filter(|s| **s).count() != 1 {
                return Err(bad("auth.jwt", "needs exactly one of secret_env, secret_file (HS256), public_key_file or jwks_file (RS256, ES256)"));
            }
            let hs = j.algorithm == JwtAlgorithm::HS256;
            if hs != (j.secret_env.is_some() || j.secret_file.is_some()) {
                return Err(bad(
                    "auth.jwt.algorithm",
                    "HS256 takes secret_env or secret_file; RS256 and ES256 take public_key_file or jwks_file",
                ));
            }
            if j.user_claim.is_empty() {
                return Err(bad("auth.jwt.user_claim", "must not be empty"));
            }
            if j.leeway_seconds > 300 {
                return Err(bad("auth.jwt.leeway_seconds", format_args!("{}; must be 0 to 300", j.leeway_seconds)));
            }
            for (field, v) in [("auth.jwt.issuer", &j.issuer), ("auth.jwt.audience", &j.audience)] {
                if v.as_deref() == Some("") {
                    return Err(bad(field, "must not be empty (leave it out to skip the check)"));
                }
            }
        }
        if let Some(g) = &self.auth.gateway {
            if axum::http::HeaderName::from_bytes(g.header.as_bytes()).is_err() {
                return Err(bad("auth.gateway.header", format_args!("{:?} is not a header name", g.header)));
            }
            if s.trusted_proxies.is_empty() {
                return Err(bad("auth.gateway", "needs server.trusted_proxies: the header is believed only from those addresses"));
            }
        }
        let mut users = HashSet::new();
        for (i, t) in self.auth.tokens.iter().enumerate() {
            if t.sha256.len() != 64 || !t.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(&format!("auth.tokens[{i}].sha256"), "must be 64 hex digits: the SHA-256 of the token (vodsign serve --hash-token)"));
            }
            if t.user.is_empty() || !users.insert(&t.user) {
                return Err(bad(&format!("auth.tokens[{i}].user"), "must be set and different for each token"));
            }
        }

        for (field, l) in [("rate_limit.per_user", &self.rate_limit.per_user), ("rate_limit.per_address", &self.rate_limit.per_address)] {
            if let Some(l) = l {
                if l.per_minute == 0 || l.per_minute > 6_000_000 {
                    return Err(bad(&format!("{field}.per_minute"), format_args!("{}; must be 1 to 6000000", l.per_minute)));
                }
                if l.burst == 0 || l.burst > 100_000 {
                    return Err(bad(&format!("{field}.burst"), format_args!("{}; must be 1 to 100000", l.burst)));
                }
            }
        }

        if let Some(c) = &self.cors {
            if c.allowed_origins.is_empty() {
                return Err(bad("cors.allowed_origins", "empty; list the origins, or leave [cors] out"));
            }
            for (i, o) in c.allowed_origins.iter().enumerate() {
                let field = format!("cors.allowed_origins[{i}]");
                if o == "*" {
                    return Err(bad(&field, "\"*\" is not allowed: list each origin"));
                }
                let ok = (o.starts_with("https://") || o.starts_with("http://"))
                    && !o.ends_with('/')
                    && o.split("://").nth(1).is_some_and(|h| !h.is_empty() && !h.contains('/'))
                    && axum::http::HeaderValue::from_str(o).is_ok();
                if !ok {
                    return Err(bad(&field, format_args!("{o:?} is not an origin such as https://app.example.com (scheme, host, optional port, no path)")));
                }
            }
            if c.max_age_seconds > 86_400 {
                return Err(bad("cors.max_age_seconds", format_args!("{}; must be 0 to 86400", c.max_age_seconds)));
            }
        }
        Ok(())
    }
}

/// An address or a network (`10.0.0.0/8`, `::1`).
pub fn parse_net(text: &str) -> Result<ipnet::IpNet, String> {
    if let Ok(n) = text.parse::<ipnet::IpNet>() {
        return Ok(n.trunc());
    }
    text.parse::<std::net::IpAddr>()
        .map(ipnet::IpNet::from)
        .map_err(|_| format!("{text:?} is not an address or network such as 10.0.0.0/8 or ::1"))
}
