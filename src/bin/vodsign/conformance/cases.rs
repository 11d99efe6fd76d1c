//! The cases fed to the implementation under test: the sign vectors (expected values from the
//! independent Node reference) and seeded random cases (expected values from vodsign's signer),
//! each a request and what the documented sample does with it.

use serde_json::{Map, Number, Value};
use vodsign::{Options, Param, ParamValue, Signer, decode};

/// The sign vectors, built in: the same file the test suites read.
pub const SIGN_VECTORS: &str = include_str!("../../../../tests/vectors/sign.json");

/// What the documented sample does with a request.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Signs it: the Node `querystring` text and the signature.
    Sign { original: String, signature: String },
    /// The server refuses what it would carry, so a signer must refuse it: the rule broken.
    Refuse { reason: String },
}

/// One request and its expected outcome.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    /// A test key made for this case (never the user's key).
    pub key: String,
    /// The parameters in the order they are sent.
    pub params: Vec<(String, Value)>,
    pub expect: Expect,
}

impl Case {
    /// The request line: `secretKey`, then the parameters in order.
    pub fn request(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("secretKey".into(), Value::String(self.key.clone()));
        for (k, v) in &self.params {
            m.insert(k.clone(), v.clone());
        }
        m
    }

    /// The same case with parameter `name` removed, its expectation worked out again.
    pub fn without(&self, name: &str) -> Case {
        let params: Vec<_> = self.params.iter().filter(|(k, _)| k != name).cloned().collect();
        let expect = expect_for(self.key.as_bytes(), &params);
        Case { name: self.name.clone(), key: self.key.clone(), params, expect }
    }
}

/// The cases of a sign-vector file (`{"cases": [...]}` as in `tests/vectors/sign.json`).
pub fn vectors(text: &str) -> Result<Vec<Case>, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("the vector file is not JSON: {e}"))?;
    let cases = doc.get("cases").and_then(Value::as_array).ok_or("the vector file has no \"cases\" list")?;
    cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let bad = |what: &str| format!("vector {} {what}", i + 1);
            let name = c.get("name").and_then(Value::as_str).ok_or_else(|| bad("has no name"))?.to_string();
            let key = c.get("secretKey").and_then(Value::as_str).ok_or_else(|| bad("has no secretKey"))?.to_string();
            let params: Vec<(String, Value)> = c
                .get("params")
                .and_then(Value::as_object)
                .ok_or_else(|| bad("has no params"))?
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let expect = match (c.get("original").and_then(Value::as_str), c.get("signature").and_then(Value::as_str)) {
                (Some(o), Some(s)) => Expect::Sign { original: o.to_string(), signature: s.to_string() },
                _ => {
                    let e = c.get("error").ok_or_else(|| bad("has neither a signature nor an error"))?;
                    // The reference says refuse; vodsign's message names the rule when it agrees.
                    match expect_for(key.as_bytes(), &params) {
                        r @ Expect::Refuse { .. } => r,
                        Expect::Sign { .. } => Expect::Refuse { reason: e.to_string() },
                    }
                }
            };
            Ok(Case { name, key, params, expect })
        })
        .collect()
}

/// What the documented sample does with `params` signed with `key`, by vodsign's signer (which
/// the vectors check against the Node reference): the text and signature, or the rule broken.
pub fn expect_for(key: &[u8], params: &[(String, Value)]) -> Expect {
    match sign(key, params) {
        Ok((original, signature)) => Expect::Sign { original, signature },
        Err(reason) => Expect::Refuse { reason },
    }
}

fn sign(key: &[u8], params: &[(String, Value)]) -> Result<(String, String), String> {
    let (mut secret_id, mut cts, mut exp, mut random) = (None, None, None, None);
    let mut opts = Options::new();
    for (name, v) in params {
        match name.as_str() {
            "secretId" => secret_id = Some(v.as_str().ok_or("secretId must be text")?),
            "currentTimeStamp" => cts = Some(whole(Param::CurrentTimeStamp, v)?),
            "expireTime" => exp = Some(whole(Param::ExpireTime, v)?),
            "random" => random = Some(whole(Param::Random, v)?),
            _ => {
                let value = match v {
                    Value::String(s) => ParamValue::Str(s),
                    Value::Number(_) => ParamValue::Int(whole_for(name, v)?),
                    other => return Err(format!("{name} is {other}; must be text or a whole number")),
                };
                opts.set(name, value).map_err(|e| e.message().to_string())?;
            }
        }
    }
    let missing = |p: Param| format!("{} is missing", p.name());
    let secret_id = secret_id.ok_or_else(|| missing(Param::SecretId))?;
    let cts = cts.ok_or_else(|| missing(Param::CurrentTimeStamp))?;
    let exp = exp.ok_or_else(|| missing(Param::ExpireTime))?;
    let random = random.ok_or_else(|| missing(Param::Random))?;
    let signer = Signer::new(secret_id, key).map_err(|e| e.message().to_string())?;
    let cts = u64::try_from(cts).map_err(|_| format!("currentTimeStamp is {cts}; must not be negative"))?;
    let exp = u64::try_from(exp).map_err(|_| format!("expireTime is {exp}; must not be negative"))?;
    let random = u32::try_from(random).map_err(|_| format!("random is {random}; must be from 0 to 4294967295"))?;
    let signature = signer.sign_at(&opts, cts, exp, random).map_err(|e| e.message().to_string())?;
    let original = decode(&signature).map_err(|e| e.message().to_string())?.original().to_string();
    Ok((original, signature))
}

/// A JSON number that must be a whole number, for parameter `p`.
fn whole(p: Param, v: &Value) -> Result<i128, String> {
    whole_for(p.name(), v)
}

fn whole_for(name: &str, v: &Value) -> Result<i128, String> {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                Ok(i128::from(u))
            } else {
                Err(format!("{name} is {n}; must be a whole number (the server takes whole seconds and integers only)"))
            }
        }
        other => Err(format!("{name} is {other}; must be a whole number")),
    }
}

/// SplitMix64: a fixed, tiny generator, so that a seed gives the same cases in every version
/// and on every platform (a library generator may change its stream between releases).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (n > 0); the modulo bias is irrelevant here.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Characters that tell encoders apart: unreserved, the ones Node leaves and PHP escapes,
/// reserved ones, space, `~`, `%`, `+`, controls, non-ASCII (two, three and four UTF-8 bytes).
const PALETTE: &[&str] = &[
    "a", "Z", "0", "9", "-", "_", ".", "~", "!", "*", "'", "(", ")", " ", "&", "=", "+", "%", "/", "?", "#", ":",
    "@", ",", ";", "$", "[", "]", "\"", "<", ">", "\\", "^", "`", "{", "|", "}", "\n", "\t", "é", "中", "😀",
];

fn text(rng: &mut Rng, max: u64) -> String {
    let len = rng.below(max + 1);
    (0..len).map(|_| *rng.pick(PALETTE)).collect()
}

/// Text of exactly `len` characters.
fn text_of(rng: &mut Rng, len: usize) -> String {
    (0..len).map(|_| *rng.pick(PALETTE)).collect()
}

fn plain(rng: &mut Rng, max: u64) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let len = 1 + rng.below(max);
    (0..len).map(|_| *rng.pick(ALNUM) as char).collect()
}

/// Ways a request can break a documented rule: what the official samples and demos do wrong.
const BREAKS: &[&str] = &[
    "ten-year-validity",
    "validity-7776001",
    "sourceContext-too-long",
    "sessionContext-too-long",
    "random-2^32",
    "random-negative",
    "taskPriority-out-of-range",
    "fractional-currentTimeStamp",
    "expireTime-not-after-currentTimeStamp",
    "oneTimeValid-2",
];

/// `count` random cases from `seed`: valid requests with random optional parameters, one in
/// five breaking one rule.
pub fn random(seed: u64, count: usize) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    (0..count).map(|i| random_case(&mut rng, i + 1)).collect()
}

fn random_case(rng: &mut Rng, index: usize) -> Case {
    let key = if rng.chance(80) { plain(rng, 40) } else { format!("{}{}", plain(rng, 8), text_of(rng, 4)) };
    let secret_id = if rng.chance(85) { format!("AKID{}", plain(rng, 32)) } else { format!("AKID{}", text_of(rng, 6)) };
    let cts = 1_000_000_000 + rng.below(1_000_000_000);
    let validity = match rng.below(4) {
        0 => 1 + rng.below(7_776_000),
        1 => 7_776_000,
        _ => 60 + rng.below(86_400 * 2),
    };
    let n = |v: u64| Value::Number(Number::from(v));
    let mut params: Vec<(String, Value)> = vec![
        ("secretId".into(), Value::String(secret_id)),
        ("currentTimeStamp".into(), n(cts)),
        ("expireTime".into(), n(cts + validity)),
        ("random".into(), n(rng.below(1 << 32))),
    ];
    const SAFE: u64 = (1 << 53) - 1;
    for p in Param::ALL.into_iter().filter(|p| !p.is_required()) {
        if !rng.chance(35) {
            continue;
        }
        let v = match p {
            Param::Procedure => Value::String(if rng.chance(50) { plain(rng, 20) } else { text(rng, 20) }),
            Param::ClassId => n(if rng.chance(30) { 0 } else { rng.below(SAFE) }),
            Param::OneTimeValid => n(rng.below(2)),
            Param::SourceContext => {
                let max = if rng.chance(10) { 250 } else { 40 };
                Value::String(text(rng, max))
            }
            Param::TaskPriority => Value::Number(Number::from(rng.below(21) as i64 - 10)),
            Param::TaskNotifyMode => Value::String(rng.pick(&vodsign::TASK_NOTIFY_MODES).to_string()),
            Param::VodSubAppId => n(if rng.chance(30) { 0 } else { 1_500_000_000 + rng.below(100_000_000) }),
            Param::SessionContext => {
                let max = if rng.chance(10) { 1000 } else { 60 };
                Value::String(text(rng, max))
            }
            Param::StorageRegion => {
                Value::String(rng.pick(&["ap-chongqing", "ap-guangzhou", "na-siliconvalley", "eu-frankfurt"]).to_string())
            }
            _ => continue,
        };
        params.push((p.name().into(), v));
    }
    let mut name = format!("random-{index}");
    if rng.chance(20) {
        let what = *rng.pick(BREAKS);
        name = format!("{name}-{what}");
        let set = |params: &mut Vec<(String, Value)>, k: &str, v: Value| match params.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = v,
            None => params.push((k.into(), v)),
        };
        match what {
            "ten-year-validity" => set(&mut params, "expireTime", n(cts + 86_400 * 365 * 10)),
            "validity-7776001" => set(&mut params, "expireTime", n(cts + 7_776_001)),
            "sourceContext-too-long" => {
                let len = 251 + rng.below(50) as usize;
                set(&mut params, "sourceContext", Value::String(text_of(rng, len)))
            }
            "sessionContext-too-long" => {
                let len = 1001 + rng.below(50) as usize;
                set(&mut params, "sessionContext", Value::String(text_of(rng, len)))
            }
            "random-2^32" => set(&mut params, "random", n(1 << 32)),
            "random-negative" => set(&mut params, "random", Value::Number(Number::from(-1 - rng.below(1000) as i64))),
            "taskPriority-out-of-range" => {
                let v = 11 + rng.below(90) as i64;
                set(&mut params, "taskPriority", Value::Number(Number::from(if rng.chance(50) { v } else { -v })))
            }
            "fractional-currentTimeStamp" => {
                let f = Number::from_f64(cts as f64 + 0.5).unwrap_or_else(|| Number::from(cts));
                set(&mut params, "currentTimeStamp", Value::Number(f))
            }
            "expireTime-not-after-currentTimeStamp" => set(&mut params, "expireTime", n(cts)),
            _ => set(&mut params, "oneTimeValid", n(2)),
        }
    }
    let expect = expect_for(key.as_bytes(), &params);
    Case { name, key, params, expect }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// vodsign's signer agrees with the Node reference on every vector, so random cases can take
    /// their expected values from it.
    #[test]
    fn signer_expectations_match_the_vectors() {
        for c in vectors(SIGN_VECTORS).unwrap() {
            match (&c.expect, expect_for(c.key.as_bytes(), &c.params)) {
                (Expect::Sign { signature, .. }, Expect::Sign { signature: mine, .. }) => assert_eq!(signature, &mine, "{}", c.name),
                (Expect::Refuse { .. }, Expect::Refuse { .. }) => {}
                (a, b) => panic!("{}: vector {a:?}, signer {b:?}", c.name),
            }
        }
    }

    #[test]
    fn a_seed_gives_the_same_cases() {
        let a: Vec<_> = random(7, 50).iter().map(|c| serde_json::to_string(&c.request()).unwrap()).collect();
        let b: Vec<_> = random(7, 50).iter().map(|c| serde_json::to_string(&c.request()).unwrap()).collect();
        assert_eq!(a, b);
        let c: Vec<_> = random(8, 50).iter().map(|c| serde_json::to_string(&c.request()).unwrap()).collect();
        assert_ne!(a, c);
        // Both outcomes occur.
        let cases = random(7, 200);
        assert!(cases.iter().any(|c| matches!(c.expect, Expect::Refuse { .. })));
        assert!(cases.iter().filter(|c| matches!(c.expect, Expect::Sign { .. })).count() > 100);
    }
}
