//! Who is asking: a JWT bearer token, a static API token (stored as its SHA-256), or a user id
//! header set by a trusted gateway. Nothing here logs or echoes a token.

use std::net::IpAddr;

use axum::http::{HeaderMap, HeaderName, header::AUTHORIZATION};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind, jwk::JwkSet};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::config::{self, Config, JwtAlgorithm};
use super::reply::Refusal;

/// The user id an insecure (development) server signs for.
pub const ANONYMOUS: &str = "anonymous";
/// The longest user id taken from a token or a header.
pub const MAX_USER_CHARS: usize = 256;

enum Keys {
    One(DecodingKey),
    /// From a JWKS file: each key with its `kid`.
    Set(Vec<(Option<String>, DecodingKey)>),
}

struct JwtAuth {
    keys: Keys,
    validation: Validation,
    user_claim: String,
}

pub struct Authenticator {
    jwt: Option<JwtAuth>,
    gateway: Option<HeaderName>,
    tokens: Vec<([u8; 32], String)>,
    trusted: Vec<ipnet::IpNet>,
    insecure: bool,
}

fn read_file(field: &str, path: &std::path::Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| config::bad(field, format_args!("reading {}: {e}", path.display())))
}

/// SHA-256 of a token, as the config stores it.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl Authenticator {
    pub fn new(config: &Config, insecure: bool) -> Result<Authenticator, String> {
        let a = &config.auth;
        if !insecure && a.jwt.is_none() && a.gateway.is_none() && a.tokens.is_empty() {
            return Err("auth: no authentication configured: set [auth.jwt], [auth.gateway] or [[auth.tokens]] (or run with --insecure-no-auth for development on a loopback address)".into());
        }
        let jwt = a.jwt.as_ref().map(jwt_auth).transpose()?;
        let gateway = a.gateway.as_ref().map(|g| HeaderName::from_bytes(g.header.as_bytes()).expect("checked at load"));
        let tokens = a
            .tokens
            .iter()
            .map(|t| {
                let mut h = [0u8; 32];
                for (i, b) in h.iter_mut().enumerate() {
                    *b = u8::from_str_radix(&t.sha256[2 * i..2 * i + 2], 16).expect("checked at load");
                }
                (h, t.user.clone())
            })
            .collect();
        let trusted = config.server.trusted_proxies.iter().map(|p| config::parse_net(p).expect("checked at load")).collect();
        Ok(Authenticator { jwt, gateway, tokens, trusted, insecure })
    }

    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted.iter().any(|n| n.contains(&ip))
    }

    /// The authenticated user id. `body_token` is the short-video preset's `Token` field.
    pub fn authenticate(&self, headers: &HeaderMap, body_token: Option<&str>, peer: IpAddr) -> Result<String, Refusal> {
        if let Some(h) = &self.gateway {
            if let Some(v) = headers.get(h) {
                if !self.is_trusted(peer) {
                    return Err(Refusal::new(403, "untrusted_gateway", format!("the {h} header is accepted only from server.trusted_proxies")));
                }
                let user = v.to_str().map_err(|_| Refusal::new(400, "bad_user_id", format!("the {h} header is not text")))?;
                return user_id(user).map(str::to_owned);
            }
        }
        let bearer = match headers.get(AUTHORIZATION) {
            Some(v) => {
                let v = v.to_str().unwrap_or("");
                let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
                if !scheme.eq_ignore_ascii_case("bearer") || rest.trim().is_empty() {
                    return Err(Refusal::new(401, "invalid_credentials", "the Authorization header must be \"Bearer TOKEN\""));
                }
                Some(rest.trim())
            }
            None => body_token.filter(|t| !t.is_empty()),
        };
        let Some(token) = bearer else {
            if self.insecure {
                return Ok(ANONYMOUS.to_owned());
            }
            return Err(Refusal::new(401, "missing_credentials", "no credentials: send Authorization: Bearer TOKEN"));
        };
        if !self.tokens.is_empty() {
            let h: [u8; 32] = Sha256::digest(token.as_bytes()).into();
            // Every stored hash is compared, in constant time, whichever matches.
            let mut found = None;
            for (stored, user) in &self.tokens {
                if bool::from(stored.ct_eq(&h)) {
                    found = Some(user);
                }
            }
            if let Some(user) = found {
                return Ok(user.clone());
            }
        }
        match &self.jwt {
            Some(j) => j.check(token),
            // With no mode configured, an insecure server ignores credentials; with one, it checks them.
            None if self.insecure && self.tokens.is_empty() => Ok(ANONYMOUS.to_owned()),
            None => Err(Refusal::new(401, "invalid_token", "the token is not one of auth.tokens")),
        }
    }
}

fn user_id(text: &str) -> Result<&str, Refusal> {
    let n = text.chars().count();
    if n == 0 || n > MAX_USER_CHARS || text.chars().any(char::is_control) {
        return Err(Refusal::new(400, "bad_user_id", format!("the user id must be 1 to {MAX_USER_CHARS} characters without control characters")));
    }
    Ok(text)
}

fn jwt_auth(j: &config::Jwt) -> Result<JwtAuth, String> {
    let alg = match j.algorithm {
        JwtAlgorithm::HS256 => Algorithm::HS256,
        JwtAlgorithm::RS256 => Algorithm::RS256,
        JwtAlgorithm::ES256 => Algorithm::ES256,
    };
    let keys = if let Some(name) = &j.secret_env {
        let secret = std::env::var(name).map_err(|_| config::bad("auth.jwt.secret_env", format_args!("the environment variable {name} is not set")))?;
        Keys::One(hs_key("auth.jwt.secret_env", secret.as_bytes())?)
    } else if let Some(path) = &j.secret_file {
        let mut s = read_file("auth.jwt.secret_file", path)?;
        while s.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            s.pop();
        }
        Keys::One(hs_key("auth.jwt.secret_file", &s)?)
    } else if let Some(path) = &j.public_key_file {
        let pem = read_file("auth.jwt.public_key_file", path)?;
        let key = match alg {
            Algorithm::RS256 => DecodingKey::from_rsa_pem(&pem),
            _ => DecodingKey::from_ec_pem(&pem),
        };
        Keys::One(key.map_err(|e| config::bad("auth.jwt.public_key_file", format_args!("not a {alg:?} public key in PEM: {e}")))?)
    } else {
        let path = j.jwks_file.as_ref().expect("one key source (checked at load)");
        let set: JwkSet = serde_json::from_slice(&read_file("auth.jwt.jwks_file", path)?)
            .map_err(|e| config::bad("auth.jwt.jwks_file", format_args!("not a JWKS document: {e}")))?;
        let mut keys = Vec::new();
        for (i, k) in set.keys.iter().enumerate() {
            let key = DecodingKey::from_jwk(k).map_err(|e| config::bad(&format!("auth.jwt.jwks_file keys[{i}]"), e))?;
            keys.push((k.common.key_id.clone(), key));
        }
        if keys.is_empty() {
            return Err(config::bad("auth.jwt.jwks_file", "has no key"));
        }
        Keys::Set(keys)
    };
    let mut v = Validation::new(alg);
    v.leeway = j.leeway_seconds;
    v.validate_nbf = true;
    let mut required = vec!["exp"];
    if let Some(iss) = &j.issuer {
        v.set_issuer(&[iss]);
        required.push("iss");
    }
    if let Some(aud) = &j.audience {
        v.set_audience(&[aud]);
        required.push("aud");
    } else {
        v.validate_aud = false;
    }
    v.set_required_spec_claims(&required);
    Ok(JwtAuth { keys, validation: v, user_claim: j.user_claim.clone() })
}

fn hs_key(field: &str, secret: &[u8]) -> Result<DecodingKey, String> {
    if secret.len() < 32 {
        return Err(config::bad(field, format_args!("the HS256 secret is {} bytes; at least 32", secret.len())));
    }
    DecodingKey::from_secret(secret).map_err(|e| config::bad(field, e))
}

impl JwtAuth {
    fn check(&self, token: &str) -> Result<String, Refusal> {
        let invalid = |m: &str| Refusal::new(401, "invalid_token", m.to_owned());
        let key = match &self.keys {
            Keys::One(k) => k,
            Keys::Set(keys) => {
                let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("the token is not a JWT"))?;
                match (&header.kid, keys.len()) {
                    (Some(kid), _) => {
                        &keys.iter().find(|(k, _)| k.as_deref() == Some(kid)).ok_or_else(|| invalid("the token's kid is not in the JWKS file"))?.1
                    }
                    (None, 1) => &keys[0].1,
                    (None, _) => return Err(invalid("the token has no kid and the JWKS file has several keys")),
                }
            }
        };
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, key, &self.validation).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => Refusal::new(401, "token_expired", "the token has expired"),
            ErrorKind::ImmatureSignature => Refusal::new(401, "token_not_yet_valid", "the token is not valid yet (nbf)"),
            ErrorKind::InvalidAudience => Refusal::new(401, "wrong_audience", "the token's aud is not auth.jwt.audience"),
            ErrorKind::InvalidIssuer => Refusal::new(401, "wrong_issuer", "the token's iss is not auth.jwt.issuer"),
            ErrorKind::InvalidSignature => Refusal::new(401, "bad_token_signature", "the token's signature does not match"),
            ErrorKind::MissingRequiredClaim(c) => invalid(&format!("the token has no {c} claim")),
            ErrorKind::InvalidAlgorithm => invalid("the token's algorithm is not the one configured"),
            _ => invalid("the token is not a valid JWT"),
        })?;
        let user = match data.claims.get(&self.user_claim) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(invalid(&format!("the token has no {} claim (text or number) for the user id", self.user_claim))),
        };
        user_id(&user)?;
        Ok(user)
    }
}
