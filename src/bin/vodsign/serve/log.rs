//! Structured logs: one JSON object a line on standard error. Standard output carries only the
//! "listening on ADDR" lines. No caller passes a key, a token or a signature here.

use std::io::Write;
use std::time::SystemTime;

use serde_json::{Map, Value};

pub fn line(level: &str, msg: &str, fields: Value) {
    let mut m = Map::new();
    m.insert("ts".into(), humantime::format_rfc3339_millis(SystemTime::now()).to_string().into());
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
