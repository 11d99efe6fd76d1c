//! Shared by the Rust test suites: reading `tests/vectors/` and running a case through the core.
#![allow(dead_code)]

use serde_json::Value;
use vodsign::{Error, ErrorKind, Options, Param, ParamValue, Signer};

/// The cases of `tests/vectors/<name>.json`.
pub fn cases(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/vectors/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    doc["cases"].as_array().unwrap_or_else(|| panic!("{path}: no cases")).clone()
}

/// Signs a vector's `params` with `secretKey`: the required ones go to `sign_at`, the rest
/// through `Options::set`. Values a typed API cannot take (a negative timestamp, a random above
/// u32) are refused the way the typed surfaces refuse them: `invalid_parameter` naming the param.
pub fn sign_params(secret_key: &str, params: &serde_json::Map<String, Value>) -> Result<String, Error> {
    let secret_id = params.get("secretId").and_then(Value::as_str).unwrap_or_default();
    let signer = Signer::new(secret_id, secret_key.as_bytes())?;
    let int = |p: Param| -> Result<i128, Error> {
        let v = params[p.name()].as_i64().map(i128::from).or(params[p.name()].as_u64().map(i128::from)).unwrap();
        p.check_int(v)?;
        Ok(v)
    };
    let cts = int(Param::CurrentTimeStamp)? as u64;
    let exp = int(Param::ExpireTime)? as u64;
    let random = vodsign::random_for_signing(int(Param::Random)?)?;
    let mut opts = Options::new();
    for k in params.keys() {
        assert!(Param::from_name(k).is_some(), "unknown param {k} in a sign vector");
    }
    // In canonical order, so that the first broken rule is the one reported.
    for p in Param::ALL.into_iter().filter(|p| !p.is_required()) {
        let (k, Some(v)) = (p.name(), params.get(p.name())) else { continue };
        let value = match v {
            Value::String(s) => ParamValue::Str(s),
            Value::Number(n) => ParamValue::Int(n.as_i64().map(i128::from).or(n.as_u64().map(i128::from)).unwrap()),
            other => panic!("{k}: unexpected {other}"),
        };
        opts.set(k, value)?;
    }
    signer.sign_at(&opts, cts, exp, random)
}

/// `(code, param)` of an error, as the vectors spell them.
pub fn code_of(e: &Error) -> (String, Option<String>) {
    (e.kind().code().to_string(), e.param().map(str::to_string))
}

/// `(code, param)` a vector expects.
pub fn expected_error(case: &Value) -> (String, Option<String>) {
    let e = &case["error"];
    (e["code"].as_str().unwrap().to_string(), e["param"].as_str().map(str::to_string))
}

/// Whether an error kind names a parameter in the vectors.
pub fn names_param(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::InvalidParameter | ErrorKind::MissingParameter | ErrorKind::NotAnInteger | ErrorKind::DuplicateParameter
    )
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
