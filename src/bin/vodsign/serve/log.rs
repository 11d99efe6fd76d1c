//! Structured logs: one JSON object a line on standard error. Standard output carries only the
//! "listening on ADDR" lines. No caller passes a key, a token or a signature here.

use std::io::Write;
use std::time::SystemTime;

use serde::Serialize;
use serde_json::{Map, Value};

/// The time as logged: RFC 3339 in UTC, milliseconds.
pub fn now() -> humantime::Rfc3339Timestamp {
    humantime::format_rfc3339_millis(SystemTime::now())
}

/// One access log line: a struct rather than a map, since it is written for every request.
#[derive(Serialize)]
pub struct Access<'a> {
    #[serde(serialize_with = "display")]
    pub ts: humantime::Rfc3339Timestamp,
    pub level: &'static str,
    pub msg: &'static str,
    pub request_id: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub reason: Option<&'static str>,
    pub user: Option<&'a str>,
    #[serde(serialize_with = "display")]
    pub client: std::net::IpAddr,
    pub duration_ms: f64,
}

fn display<T: std::fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

pub fn access(line: &Access<'_>) {
    let mut text = serde_json::to_vec(line).expect("serializing to memory does not fail");
    text.push(b'\n');
    let _ = std::io::stderr().lock().write_all(&text);
}

pub fn line(level: &str, msg: &str, fields: Value) {
    let mut m = Map::new();
    m.insert("ts".into(), now().to_string().into());
    m.insert("level".into(), level.into());
    m.insert("msg".into(), msg.into());
    if let Value::Object(f) = fields {
        m.extend(f);
    }
    let mut text = Value::Object(m).to_string();
    text.push('\n');
    // A closed or full standard error must not stop the service.
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

pub fn info(msg: &str, fields: Value) {
    line("info", msg, fields);
}

pub fn warn(msg: &str, fields: Value) {
    line("warn", msg, fields);
}

pub fn error(msg: &str, fields: Value) {
    line("error", msg, fields);
}
