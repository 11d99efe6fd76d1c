//! `vodsign serve` end to end: the real binary on a loopback port chosen by the OS, spoken to
//! with a real HTTP/1.1 client (hyper's), its signatures checked with the library's verifier.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_vodsign");
const KEY: &str = "serve-test-secret-key-0123456789";
const JWT_SECRET: &str = "jwt-hs256-secret-for-tests-000000000000";
const TOKEN: &str = "api-token-for-billing-backend-7f3a";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/serve")
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!("vodsign-serve-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sha256_hex(text: &str) -> String {
    let out = Command::new(BIN).args(["serve", "--hash-token"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().and_then(|mut c| {
        use std::io::Write;
        c.stdin.take().unwrap().write_all(text.as_bytes())?;
        c.wait_with_output()
    });
    let out = out.unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A config with the given extra TOML (its lines before any table are [server] fields):
/// loopback, OS-chosen port, no rate limit unless the extra text sets one, API token auth for
/// TOKEN unless it sets another.
fn config(extra: &str) -> String {
    let auth = if extra.contains("[auth") || extra.contains("[[auth") {
        String::new()
    } else {
        format!("[[auth.tokens]]\nuser = \"billing\"\nsha256 = \"{}\"\n", sha256_hex(TOKEN))
    };
    let limits = if extra.contains("[rate_limit") { "" } else { "[rate_limit]\nenabled = false\n" };
    let signing = if extra.contains("[signing]") { "" } else { "[signing]\nsecret_id = \"AKIDserve\"\n" };
    // Lines before the first table are [server] fields.
    format!("[server]\nlisten = \"127.0.0.1:0\"\n{extra}\n{signing}{auth}{limits}")
}

struct Server {
    child: Child,
    addr: SocketAddr,
    lines: mpsc::Receiver<String>,
    logs: Arc<Mutex<Vec<String>>>,
    dir: PathBuf,
}

impl Server {
    fn start(config: &str) -> Server {
        Server::start_with(config, &[("VODSIGN_SECRET_KEY", KEY), ("VODSIGN_JWT_SECRET", JWT_SECRET)], &[])
    }

    fn try_start(config: &str, env: &[(&str, &str)], args: &[&str]) -> Result<Server, String> {
        let dir = temp_dir();
        std::fs::write(dir.join("config.toml"), config).unwrap();
        Server::spawn(dir, env, args)
    }

    fn start_with(config: &str, env: &[(&str, &str)], args: &[&str]) -> Server {
        Server::try_start(config, env, args).unwrap_or_else(|e| panic!("the server did not start: {e}\nconfig:\n{config}"))
    }

    fn spawn(dir: PathBuf, env: &[(&str, &str)], args: &[&str]) -> Result<Server, String> {
        let mut cmd = Command::new(BIN);
        cmd.arg("serve").arg("--config").arg(dir.join("config.toml")).args(args);
        cmd.env_remove("VODSIGN_SECRET_KEY").env_remove("VODSIGN_JWT_SECRET").envs(env.iter().copied());
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let err = child.stderr.take().unwrap();
        let l2 = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                l2.lock().unwrap().push(line);
            }
        });
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(line) => {
                let addr = line.strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {line}")).parse().unwrap();
                Ok(Server { child, addr, lines: rx, logs, dir })
            }
            Err(_) => {
                let status = child.wait().unwrap();
                std::thread::sleep(Duration::from_millis(100));
                let logs = logs.lock().unwrap().join("\n");
                Err(format!("exit {status}: {logs}"))
            }
        }
    }

    fn admin(&self) -> SocketAddr {
        let line = self.lines.recv_timeout(Duration::from_secs(5)).unwrap();
        line.strip_prefix("admin listening on ").unwrap().parse().unwrap()
    }

    fn signal(&self, sig: i32) {
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, sig) }, 0);
    }

    fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    /// Waits until `n` log lines contain `needle`.
    fn wait_log(&self, needle: &str, n: usize) {
        let end = Instant::now() + Duration::from_secs(20);
        while self.logs().iter().filter(|l| l.contains(needle)).count() < n {
            assert!(Instant::now() < end, "no log line with {needle:?}: {:#?}", self.logs());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(Instant::now() < end, "the server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: hyper::HeaderMap,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

async fn call(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let mut req = hyper::Request::builder().method(method).uri(path).header("host", addr.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = send.send_request(req.body(Full::new(Bytes::from(body.to_owned()))).unwrap()).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Resp { status, headers, body }
}

async fn post(addr: SocketAddr, headers: &[(&str, &str)], body: &str) -> Resp {
    call(addr, "POST", "/signature", headers, body).await
}

const BEARER: (&str, &str) = ("authorization", "Bearer api-token-for-billing-backend-7f3a");

/// Checks the signature with `key` and returns what it says.
fn verified(sig: &str, key: &str) -> vodsign::Decoded {
    vodsign::verify(sig, key.as_bytes(), now()).unwrap_or_else(|e| panic!("{sig} does not verify: {e}"))
}

fn jwt(claims: Value) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(JWT_SECRET.as_bytes()).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presets_answer_in_the_shape_each_client_reads() {
    // seed: the documented sample's reply.
    let s = Server::start(&config(""));
    let r = post(s.addr, &[BEARER], "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    assert_eq!((v["code"].as_i64(), v["message"].as_str()), (Some(0), Some("ok")));
    verified(v["data"]["signature"].as_str().unwrap(), KEY);
    let e = post(s.addr, &[], "").await;
    assert_eq!((e.status, e.json()["code"].as_i64()), (401, Some(401)));
    assert_eq!(e.header("cache-control"), Some("no-store"));
    // GET works too.
    let g = call(s.addr, "GET", "/signature", &[BEARER], "").await;
    verified(g.json()["data"]["signature"].as_str().unwrap(), KEY);

    // ugsv: code 200, and the apps' own fields are accepted.
    let s = Server::start(&config("[reply]\npreset = \"ugsv\"\n"));
    let r = post(s.addr, &[BEARER, ("content-type", "application/json")], r#"{"userid":"u1","timestamp":1700000000000,"expires":600}"#).await;
    let v = r.json();
    assert_eq!((v["code"].as_i64(), v["message"].as_str()), (Some(200), Some("OK")), "{v}");
    verified(v["data"]["signature"].as_str().unwrap(), KEY);
    let e = post(s.addr, &[], "{}").await.json();
    assert_eq!(e["code"].as_i64(), Some(401), "a refusal is never code 200: {e}");

    // tencent-demo: axios posts a JSON string as a form; data.sign and data.signature.
    let s = Server::start(&config("[reply]\npreset = \"tencent-demo\"\n"));
    let r = post(s.addr, &[BEARER, ("content-type", "application/x-www-form-urlencoded")], r#"{"Action":"GetUgcUploadSign"}"#).await;
    let v = r.json();
    assert_eq!(v["code"].as_i64(), Some(0), "{v}");
    assert_eq!(v["data"]["sign"], v["data"]["signature"]);
    verified(v["data"]["sign"].as_str().unwrap(), KEY);

    // plain: the bare signature as text/plain.
    let s = Server::start(&config("[reply]\npreset = \"plain\"\n"));
    let r = post(s.addr, &[BEARER], "").await;
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    verified(&r.body, KEY);
    let e = post(s.addr, &[], "").await;
    assert_eq!((e.status, e.body.starts_with("401 missing_credentials: ")), (401, true), "{}", e.body);

    // short-video: {Token, SourceContext} in the body; RequestId, Code, Data.UploadSign, ExpireTime.
    let s = Server::start(&config("[reply]\npreset = \"short-video\"\n[client]\nsource_context = true\n"));
    let r = post(s.addr, &[], &json!({"Token": TOKEN, "SourceContext": "from-app"}).to_string()).await;
    let v = r.json();
    assert_eq!((v["Code"].as_i64(), v["Message"].as_str()), (Some(0), Some("OK")), "{v}");
    assert_eq!(v["RequestId"].as_str(), r.header("x-request-id"));
    let d = verified(v["Data"]["UploadSign"].as_str().unwrap(), KEY);
    assert_eq!(d.source_context(), Some("from-app"));
    let iso = v["Data"]["ExpireTime"].as_str().unwrap();
    assert_eq!(iso, &humantime_like(d.expire_time()), "ExpireTime is the signature's expireTime in ISO 8601");
    let e = post(s.addr, &[], r#"{"Token":"wrong"}"#).await.json();
    assert_eq!(e["Code"].as_i64(), Some(401), "{e}");

    // custom: a template with placeholders, and an error template.
    let s = Server::start(&config(
        "[reply]\npreset = \"custom\"\ntemplate = '{\"status\":0,\"videoSign\":\"{{signature}}\",\"exp\":\"{{expire_time}}\"}'\nerror_template = '{\"status\":\"{{status}}\",\"error\":\"{{reason}}\"}'\n",
    ));
    let v = post(s.addr, &[BEARER], "").await.json();
    let d = verified(v["videoSign"].as_str().unwrap(), KEY);
    assert_eq!(v["exp"].as_u64(), Some(d.expire_time()));
    assert_eq!(post(s.addr, &[], "").await.json(), json!({"status": 401, "error": "missing_credentials"}));
}

/// ISO 8601 in UTC, computed here independently of the server (days from civil, Howard Hinnant's).
fn humantime_like(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_comes_from_the_config_and_binds_the_user() {
    let s = Server::start(&config(
        r#"[signing]
secret_id = "AKIDpolicy"
validity_seconds = 300
procedure = "LongVideoPreset"
class_id = 7
vod_sub_app_id = 1500000001
storage_region = "ap-chongqing"
one_time_valid = true
task_priority = 5
task_notify_mode = "Finish"
source_context = '{"uid":"{{user}}","ctx":"{{client}}"}'
session_context = 'user={{user}}'
[client]
source_context = true
source_context_max_chars = 100
procedures = ["A", "B"]
"#,
    ));
    let r = post(s.addr, &[BEARER], r#"{"procedure":"B","sourceContext":"c\"1"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = verified(r.json()["data"]["signature"].as_str().unwrap(), KEY);
    assert_eq!(d.secret_id(), "AKIDpolicy");
    assert_eq!(d.expire_time() - d.current_time_stamp(), 300);
    assert_eq!(d.procedure(), Some("B"));
    assert_eq!(d.class_id(), Some(7));
    assert_eq!(d.vod_sub_app_id(), Some(1_500_000_001));
    assert_eq!(d.storage_region(), Some("ap-chongqing"));
    assert_eq!(d.one_time_valid(), Some(1));
    assert_eq!(d.task_priority(), Some(5));
    assert_eq!(d.task_notify_mode(), Some("Finish"));
    let ctx: Value = serde_json::from_str(d.source_context().unwrap()).unwrap();
    assert_eq!(ctx, json!({"uid": "billing", "ctx": "c\"1"}), "the authenticated user is bound in");
    assert_eq!(d.session_context(), Some("user=billing"));
    // Without client fields: the configured procedure.
    let d = verified(post(s.addr, &[BEARER], "{}").await.json()["data"]["signature"].as_str().unwrap(), KEY);
    assert_eq!(d.procedure(), Some("LongVideoPreset"));

    for (body, status, reason) in [
        (r#"{"procedure":"C"}"#, 403, "field_not_allowed"),
        (r#"{"classId":3}"#, 403, "field_not_allowed"),
        (r#"{"sessionContext":"x"}"#, 403, "field_not_allowed"),
        (&*format!(r#"{{"sourceContext":"{}"}}"#, "x".repeat(101)), 400, "too_long"),
    ] {
        let r = post(s.addr, &[BEARER], body).await;
        assert_eq!((r.status, r.json()["reason"].as_str()), (status, Some(reason)), "{body}: {}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_hs256_checks_each_claim() {
    let s = Server::start(&config(
        "[auth.jwt]\nalgorithm = \"HS256\"\nsecret_env = \"VODSIGN_JWT_SECRET\"\nissuer = \"https://login.example\"\naudience = \"vod-upload\"\nuser_claim = \"uid\"\nleeway_seconds = 30\n[signing]\nsecret_id = \"AKIDjwt\"\nsource_context = '{{user}}'\n",
    ));
    let t = now();
    let good = json!({"uid": "u-42", "iss": "https://login.example", "aud": "vod-upload", "exp": t + 600, "iat": t});
    let with = |k: &str, v: Value| {
        let mut c = good.clone();
        c[k] = v;
        jwt(c)
    };
    let ok = jwt(good.clone());
    let r = post(s.addr, &[("authorization", &format!("Bearer {ok}"))], "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(verified(r.json()["data"]["signature"].as_str().unwrap(), KEY).source_context(), Some("u-42"));
    // Within the leeway.
    let r = post(s.addr, &[("authorization", &format!("Bearer {}", with("exp", json!(t - 10))))], "").await;
    assert_eq!(r.status, 200, "{}", r.body);

    let mut parts: Vec<String> = ok.split('.').map(str::to_owned).collect();
    let forged = json!({"uid": "admin", "iss": "https://login.example", "aud": "vod-upload", "exp": t + 600});
    parts[1] = b64url(forged.to_string().as_bytes());
    let tampered = parts.join(".");
    let other_secret = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &good, &EncodingKey::from_secret(b"another-secret-of-enough-length-000000").unwrap()).unwrap();
    let cases = [
        (with("exp", json!(t - 120)), "token_expired"),
        (with("nbf", json!(t + 120)), "token_not_yet_valid"),
        (with("aud", json!("someone-else")), "wrong_audience"),
        (with("iss", json!("https://evil.example")), "wrong_issuer"),
        (tampered, "bad_token_signature"),
        (other_secret, "bad_token_signature"),
        (jwt(json!({"uid": "u", "iss": "https://login.example", "exp": t + 600})), "invalid_token"),
        ("not.a.jwt".to_owned(), "invalid_token"),
    ];
    for (token, reason) in cases {
        let r = post(s.addr, &[("authorization", &format!("Bearer {token}"))], "").await;
        assert_eq!((r.status, r.json()["reason"].as_str()), (401, Some(reason)), "{reason}: {}", r.body);
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        assert!(!r.body.contains(&token), "a reply never echoes the token");
    }
    let r = post(s.addr, &[], "").await;
    assert_eq!((r.status, r.json()["reason"].as_str()), (401, Some("missing_credentials")));
    let r = post(s.addr, &[("authorization", "Basic dXNlcjpwYXNz")], "").await;
    assert_eq!((r.status, r.json()["reason"].as_str()), (401, Some("invalid_credentials")));
}

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..=c.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_rs256_pem_and_es256_jwks() {
    let f = fixtures();
    let t = now();
    let claims = json!({"sub": "rs-user", "exp": t + 600});
    let rs_priv = std::fs::read(f.join("rs256-private.pem")).unwrap();
    let es_priv = std::fs::read(f.join("es256-private.pem")).unwrap();
    let rs = |c: &Value| jsonwebtoken::encode(&Header::new(Algorithm::RS256), c, &EncodingKey::from_rsa_pem(&rs_priv).unwrap()).unwrap();
    let es = |c: &Value, kid: Option<&str>| {
        let mut h = Header::new(Algorithm::ES256);
        h.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&h, c, &EncodingKey::from_ec_pem(&es_priv).unwrap()).unwrap()
    };

    let s = Server::start(&config(&format!("[auth.jwt]\nalgorithm = \"RS256\"\npublic_key_file = {:?}\n", f.join("rs256-public.pem"))));
    let r = post(s.addr, &[("authorization", &format!("Bearer {}", rs(&claims)))], "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(s.addr, &[("authorization", &format!("Bearer {}", rs(&json!({"sub": "x", "exp": t - 3600}))))], "").await;
    assert_eq!(r.json()["reason"].as_str(), Some("token_expired"));
    // An ES256 token where RS256 is configured: the algorithm is the configuration's, not the token's.
    let r = post(s.addr, &[("authorization", &format!("Bearer {}", es(&claims, None)))], "").await;
    assert_eq!((r.status, r.json()["reason"].as_str()), (401, Some("invalid_token")), "{}", r.body);
    // HS256 signed with the RSA public key as secret (the classic confusion): refused.
    let pubkey = std::fs::read(f.join("rs256-public.pem")).unwrap();
    let confused = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(&pubkey).unwrap()).unwrap();
    let r = post(s.addr, &[("authorization", &format!("Bearer {confused}"))], "").await;
    assert_eq!(r.status, 401, "{}", r.body);

    let s = Server::start(&config(&format!("[auth.jwt]\nalgorithm = \"ES256\"\njwks_file = {:?}\n", f.join("es256-jwks.json"))));
    let r = post(s.addr, &[("authorization", &format!("Bearer {}", es(&claims, Some("es-1"))))], "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(s.addr, &[("authorization", &format!("Bearer {}", es(&claims, Some("es-2"))))], "").await;
    assert_eq!((r.status, r.json()["reason"].as_str()), (401, Some("invalid_token")));
    let r = post(s.addr, &[("authorization", &format!("Bearer {}", es(&json!({"sub": "x", "exp": t + 600, "nbf": t + 600}), Some("es-1"))))], "").await;
    assert_eq!(r.json()["reason"].as_str(), Some("token_not_yet_valid"));

    let s = Server::start(&config(&format!("[auth.jwt]\nalgorithm = \"ES256\"\npublic_key_file = {:?}\n", f.join("es256-public.pem"))));
    let r = post(s.addr, &[("authorization", &format!("Bearer {}", es(&claims, None)))], "").await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_and_the_gateway_header() {
    let s = Server::start(&config(&format!(
        "trusted_proxies = [\"127.0.0.1/32\"]\n[auth.gateway]\nheader = \"x-user-id\"\n[[auth.tokens]]\nuser = \"billing\"\nsha256 = \"{}\"\n[signing]\nsecret_id = \"AKIDgw\"\nsource_context = '{{{{user}}}}'\n",
        sha256_hex(TOKEN)
    )));
    let r = post(s.addr, &[("x-user-id", "gw-user-9")], "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(verified(r.json()["data"]["signature"].as_str().unwrap(), KEY).source_context(), Some("gw-user-9"));
    let r = post(s.addr, &[BEARER], "").await;
    assert_eq!(verified(r.json()["data"]["signature"].as_str().unwrap(), KEY).source_context(), Some("billing"));
    let r = post(s.addr, &[("authorization", "Bearer not-the-token")], "").await;
    assert_eq!((r.status, r.json()["reason"].as_str()), (401, Some("invalid_token")));

    // The same header from an address that is not a trusted proxy: refused, even with a valid token.
    let s = Server::start(&config(&format!(
        "trusted_proxies = [\"10.0.0.0/8\"]\n[auth.gateway]\nheader = \"x-user-id\"\n[[auth.tokens]]\nuser = \"billing\"\nsha256 = \"{}\"\n",
        sha256_hex(TOKEN)
    )));
    let r = post(s.addr, &[("x-user-id", "admin"), BEARER], "").await;
    assert_eq!((r.status, r.json()["reason"].as_str()), (403, Some("untrusted_gateway")), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_mode_warns_and_binds_loopback_only() {
    let cfg = "[server]\nlisten = \"127.0.0.1:0\"\n[signing]\nsecret_id = \"AKIDdev\"\n";
    let env = [("VODSIGN_SECRET_KEY", KEY)];
    let s = Server::start_with(cfg, &env, &["--insecure-no-auth"]);
    let r = post(s.addr, &[], "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    s.wait_log("INSECURE", 1);
    // A reload says it again.
    s.signal(libc::SIGHUP);
    s.wait_log("INSECURE", 2);

    let e = Server::try_start(cfg, &env, &["--insecure-no-auth", "--listen", "0.0.0.0:0"]).err().expect("refused");
    assert!(e.contains("is not a loopback address"), "{e}");
    let e = Server::try_start(cfg, &env, &[]).err().expect("refused without auth");
    assert!(e.contains("no authentication configured"), "{e}");
    let s = Server::start_with(cfg, &env, &["--insecure-no-auth", "--listen", "[::1]:0"]);
    assert!(s.addr.ip().is_loopback());
    // A configured mode still checks what is sent.
    let s = Server::start_with(&config(""), &env, &["--insecure-no-auth"]);
    assert_eq!(post(s.addr, &[], "").await.status, 200);
    assert_eq!(post(s.addr, &[BEARER], "").await.status, 200);
    let r = post(s.addr, &[("authorization", "Bearer wrong")], "").await;
    assert_eq!((r.status, r.json()["reason"].as_str()), (401, Some("invalid_token")), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_preflight_and_credentials() {
    let s = Server::start(&config("[cors]\nallowed_origins = [\"http://127.0.0.1:5173\"]\nallow_credentials = true\n"));
    let addr = s.addr;
    let pre = |origin: &'static str| async move {
        let h = [("origin", origin), ("access-control-request-method", "POST"), ("access-control-request-headers", "content-type,authorization,accept")];
        call(addr, "OPTIONS", "/signature", &h, "").await
    };
    let r = pre("http://127.0.0.1:5173").await;
    assert!(r.status < 300, "{r:?}");
    assert_eq!(r.header("access-control-allow-origin"), Some("http://127.0.0.1:5173"));
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    let allowed = r.header("access-control-allow-headers").unwrap().to_ascii_lowercase();
    for h in ["content-type", "authorization", "accept"] {
        assert!(allowed.contains(h), "{allowed}");
    }
    let r = pre("http://evil.example").await;
    assert_eq!(r.header("access-control-allow-origin"), None, "{r:?}");
    let r = post(s.addr, &[BEARER, ("origin", "http://127.0.0.1:5173")], "").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("http://127.0.0.1:5173"));
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert!(r.header("vary").unwrap_or("").to_ascii_lowercase().contains("origin"));
    let r = post(s.addr, &[BEARER, ("origin", "http://evil.example")], "").await;
    assert_eq!(r.header("access-control-allow-origin"), None);
    // "*" is refused in the configuration.
    let e = Server::try_start(&config("[cors]\nallowed_origins = [\"*\"]\n"), &[("VODSIGN_SECRET_KEY", KEY)], &[]).err().unwrap();
    assert!(e.contains("cors.allowed_origins[0]"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429_after_the_burst() {
    let s = Server::start(&config("[rate_limit]\nper_user = { per_minute = 1, burst = 4 }\nper_address = { per_minute = 1000, burst = 1000 }\n"));
    for i in 0..4 {
        let r = post(s.addr, &[BEARER], "").await;
        assert_eq!(r.status, 200, "call {i} of one upload: {}", r.body);
    }
    let r = post(s.addr, &[BEARER], "").await;
    assert_eq!((r.status, r.json()["reason"].as_str()), (429, Some("rate_limited")), "{}", r.body);
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");

    let s = Server::start(&config("[rate_limit]\nper_address = { per_minute = 1, burst = 2 }\n"));
    assert_eq!(post(s.addr, &[BEARER], "").await.status, 200);
    assert_eq!(post(s.addr, &[], "").await.status, 401);
    let r = post(s.addr, &[BEARER], "").await;
    assert_eq!(r.status, 429, "the address limit counts every request, refused ones too");
    assert!(r.header("retry-after").is_some());
    let m = call(s.addr, "GET", "/metrics", &[], "").await.body;
    assert!(m.contains("vodsign_refusals_total{reason=\"rate_limited\"} 1"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_rotates_the_key_and_a_bad_reload_keeps_the_old_state() {
    let dir = temp_dir();
    let key_file = dir.join("key");
    std::fs::write(&key_file, "old-key-0001\n").unwrap();
    let cfg = config(&format!("[key]\nsecret_key_file = {key_file:?}\nwatch_interval_seconds = 0\n"));
    let s = Server::start_with(&cfg, &[], &[]);
    let sig = |r: Resp| r.json()["data"]["signature"].as_str().unwrap().to_owned();
    let before = sig(post(s.addr, &[BEARER], "").await);
    verified(&before, "old-key-0001");

    std::fs::write(&key_file, "new-key-0002").unwrap();
    s.signal(libc::SIGHUP);
    s.wait_log("reloaded the key and configuration", 1);
    let after = sig(post(s.addr, &[BEARER], "").await);
    verified(&after, "new-key-0002");
    assert!(vodsign::verify(&after, b"old-key-0001", now()).is_err());
    verified(&before, "old-key-0001");

    // A broken configuration: refused, said why, the running state kept.
    let path = s.dir.join("config.toml");
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, good.replace("[signing]", "[signing]\nvalidity_seconds = 0")).unwrap();
    s.signal(libc::SIGHUP);
    s.wait_log("reload failed", 1);
    let line = s.logs().into_iter().find(|l| l.contains("reload failed")).unwrap();
    assert!(line.contains("signing.validity_seconds"), "{line}");
    // An empty key file: refused too.
    std::fs::write(&path, &good).unwrap();
    std::fs::write(&key_file, "").unwrap();
    s.signal(libc::SIGHUP);
    s.wait_log("reload failed", 2);
    verified(&sig(post(s.addr, &[BEARER], "").await), "new-key-0002");
    let m = call(s.addr, "GET", "/metrics", &[], "").await.body;
    assert!(m.contains("vodsign_reloads_total{result=\"ok\"} 1") && m.contains("vodsign_reloads_total{result=\"failed\"} 2"), "{m}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_key_file_is_reloaded_without_a_signal() {
    let dir = temp_dir();
    let key_file = dir.join("key");
    std::fs::write(&key_file, "watched-key-1").unwrap();
    let s = Server::start_with(&config(&format!("[key]\nsecret_key_file = {key_file:?}\nwatch_interval_seconds = 0.2\n")), &[], &[]);
    // A Kubernetes Secret volume swaps a symlink; a plain rename does the same to the path.
    std::fs::write(dir.join("key.new"), "watched-key-2").unwrap();
    std::fs::rename(dir.join("key.new"), &key_file).unwrap();
    s.wait_log("key file changed", 1);
    let r = post(s.addr, &[BEARER], "").await;
    verified(r.json()["data"]["signature"].as_str().unwrap(), "watched-key-2");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_finishes_200_requests_in_flight() {
    // One worker: the single-threaded runtime drains as the multi-threaded one does.
    let mut s = Server::start(&config("max_connections = 1000\nworkers = 1\n"));
    let addr = s.addr;
    // Each request sends its headers and half its body, then waits: it is in flight.
    let body = b"{          }";
    let mut senders = Vec::new();
    let mut replies = Vec::new();
    for _ in 0..200 {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
        tokio::spawn(conn);
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(2);
        let req = hyper::Request::post("/signature")
            .header("host", addr.to_string())
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-length", body.len())
            .body(ChannelBody(rx))
            .unwrap();
        tx.send(Bytes::from_static(&body[..10])).await.unwrap();
        replies.push(tokio::spawn(async move { send.send_request(req).await }));
        senders.push(tx);
    }
    // Every request has reached the handler (and waits for the rest of its body) before the signal.
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let m = call(addr, "GET", "/metrics", &[], "").await.body;
        if metric(&m, "vodsign_requests_in_flight") == 200.0 {
            break;
        }
        assert!(Instant::now() < end, "{m}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.signal(libc::SIGTERM);
    s.wait_log("\"stopping\"", 1);
    // The listener is closed: a new connection is refused.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "the listener closes on SIGTERM");
    for tx in &senders {
        tx.send(Bytes::from_static(&body[10..])).await.unwrap();
    }
    drop(senders);
    let mut seen = HashSet::new();
    for r in replies {
        let resp = r.await.unwrap().expect("an in-flight request gets its reply");
        assert_eq!(resp.status(), 200);
        let b = resp.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&b).unwrap();
        let sig = v["data"]["signature"].as_str().unwrap().to_owned();
        verified(&sig, KEY);
        assert!(seen.insert(sig));
    }
    assert_eq!(seen.len(), 200);
    let status = s.wait_exit();
    assert!(status.success(), "{status}");
    s.wait_log("\"stopped\"", 1);
}

/// A request body fed from a channel: the test decides when each part is sent.
struct ChannelBody(tokio::sync::mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        self.0.poll_recv(cx).map(|o| o.map(|b| Ok(hyper::body::Frame::data(b))))
    }
}

/// The value of a metric line without labels, from the text format.
fn metric(text: &str, name: &str) -> f64 {
    text.lines().find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(' '))).and_then(|v| v.parse().ok()).unwrap_or(-1.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_are_refused_with_the_reason() {
    let s = Server::start(&config("body_limit_bytes = 1024\n[client]\nsource_context = true\n"));
    let big = format!(r#"{{"sourceContext":"{}"}}"#, "x".repeat(2000));
    for (body, status, reason) in [
        ("not json", 400, "not_json"),
        ("[1,2]", 400, "wrong_type"),
        ("\"a string\"", 400, "wrong_type"),
        (r#"{"sourceContext":5}"#, 400, "wrong_type"),
        (r#"{"classId":"3"}"#, 400, "wrong_type"),
        (r#"{"classId":-1}"#, 400, "wrong_type"),
        (r#"{"secretKey":"x"}"#, 400, "unknown_field"),
        (r#"{"procedure":"x","extra":1}"#, 400, "unknown_field"),
        (&*big, 413, "body_too_large"),
    ] {
        let r = post(s.addr, &[BEARER], body).await;
        assert_eq!((r.status, r.json()["reason"].as_str()), (status, Some(reason)), "{body:.60}: {}", r.body);
        assert_eq!(r.json()["code"].as_u64(), Some(u64::from(status)));
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
    // Too large without a Content-Length (chunked): still 413.
    let stream = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(8);
    let req = hyper::Request::post("/signature").header("host", "x").header("authorization", format!("Bearer {TOKEN}")).body(ChannelBody(rx)).unwrap();
    let reply = tokio::spawn(async move { send.send_request(req).await });
    for _ in 0..4 {
        if tx.send(Bytes::from(vec![b' '; 512])).await.is_err() {
            break;
        }
    }
    drop(tx);
    let r = reply.await.unwrap().unwrap();
    assert_eq!(r.status(), 413);
    // Other methods.
    let r = call(s.addr, "PUT", "/signature", &[BEARER], "").await;
    assert_eq!((r.status, r.header("allow")), (405, Some("GET, POST")));
    assert_eq!(call(s.addr, "GET", "/other", &[], "").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_time_out() {
    use std::io::{Read, Write};
    let s = Server::start(&config("header_timeout_seconds = 0.3\nrequest_timeout_seconds = 0.5\n"));
    // Raw sockets here: the point is a client that stops half-way, which an HTTP client won't do.
    // Headers never finished: the connection is closed after the header timeout.
    let mut c = std::net::TcpStream::connect(s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.write_all(b"POST /signature HTTP/1.1\r\nHost: x\r\n").unwrap();
    let t = Instant::now();
    let mut buf = Vec::new();
    c.read_to_end(&mut buf).expect("closed in time");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    // A body that never comes: 408 after the request timeout.
    let mut c = std::net::TcpStream::connect(s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.write_all(format!("POST /signature HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 50\r\n\r\n{{").as_bytes()).unwrap();
    let mut buf = vec![0; 4096];
    let n = c.read(&mut buf).expect("answered in time");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");
}

fn start_failure(cfg: &str) -> String {
    Server::try_start(cfg, &[("VODSIGN_SECRET_KEY", KEY)], &[]).err().expect("refused")
}

#[test]
fn configuration_errors_name_the_field() {
    let e = start_failure(&config("colour = \"blue\"\n"));
    assert!(e.contains("unknown field `colour`"), "{e}");
    let e = start_failure(&config("[signing]\nsecret_id = \"A\"\nprocedur = \"x\"\n"));
    assert!(e.contains("unknown field `procedur`"), "{e}");
    for (extra, field) in [
        ("[signing]\nsecret_id = \"A\"\nvalidity_seconds = 0\n", "signing.validity_seconds"),
        ("[signing]\nsecret_id = \"A\"\ntask_priority = 11\n", "signing.task_priority"),
        ("[signing]\nsecret_id = \"A\"\ntask_notify_mode = \"Sometimes\"\n", "signing.task_notify_mode"),
        ("[signing]\nsecret_id = \"A\"\nsource_context = '{{who}}'\n", "signing.source_context"),
        ("[signing]\nsecret_id = \"A\"\nreplica_bits = 4\nreplica_id = 16\n", "signing.replica_id"),
        ("workers = 0\n", "server.workers"),
        ("path = \"signature\"\n", "server.path"),
        ("trusted_proxies = [\"10.0.0.0/33\"]\n", "server.trusted_proxies[0]"),
        ("[reply]\npreset = \"custom\"\n", "reply.template"),
        ("[reply]\npreset = \"custom\"\ntemplate = '{\"s\":\"{{sig}}\"}'\n", "reply.template"),
        ("[auth.jwt]\nalgorithm = \"RS256\"\nsecret_env = \"VODSIGN_JWT_SECRET\"\n", "auth.jwt.algorithm"),
        ("[auth.jwt]\nalgorithm = \"HS256\"\nsecret_env = \"NOT_SET_ANYWHERE\"\n", "auth.jwt.secret_env"),
        ("[[auth.tokens]]\nuser = \"a\"\nsha256 = \"plaintext-token\"\n", "auth.tokens[0].sha256"),
        ("[auth.gateway]\nheader = \"x-user\"\n", "auth.gateway"),
        ("[rate_limit]\nper_user = { per_minute = 0, burst = 1 }\n", "rate_limit.per_user.per_minute"),
        ("[cors]\nallowed_origins = [\"https://a.example/path\"]\n", "cors.allowed_origins[0]"),
    ] {
        let e = start_failure(&config(extra));
        assert!(e.contains(field), "{extra}: {e}");
    }
    let e = start_failure(&config("[key]\nsecret_key = \"oops\"\n"));
    assert!(e.contains("key.secret_key") && e.contains("never read from the configuration"), "{e}");
    assert!(!e.contains("oops"), "the refused key is not echoed");
    let e = start_failure(&config("[auth.jwt]\nalgorithm = \"HS512\"\nsecret_env = \"X\"\n"));
    assert!(e.contains("HS512"), "{e}");
    // No key at all.
    let e = Server::try_start(&config(""), &[], &[]).err().unwrap();
    assert!(e.contains("no secret key"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_configuration_is_loaded_and_served() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/serve.toml");
    let dir = temp_dir();
    std::fs::copy(&example, dir.join("config.toml")).unwrap();
    let s = Server::spawn(dir, &[("VODSIGN_SECRET_KEY", KEY), ("VODSIGN_JWT_SECRET", JWT_SECRET)], &["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"]).unwrap();
    let admin = s.admin();
    let t = now();
    let token = jwt(json!({"sub": "user-42", "iss": "https://login.example.com", "aud": "vod-upload", "exp": t + 600}));
    let r = post(s.addr, &[("authorization", &format!("Bearer {token}")), ("origin", "https://app.example.com")], r#"{"sourceContext":"album-7"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("access-control-allow-origin"), Some("https://app.example.com"));
    let d = verified(r.json()["data"]["signature"].as_str().unwrap(), KEY);
    let ctx: Value = serde_json::from_str(d.source_context().unwrap()).unwrap();
    assert_eq!(ctx["uid"], "user-42");
    assert_eq!(ctx["ctx"], "album-7");
    assert_eq!(d.one_time_valid(), Some(1));
    // Health and metrics are on the admin address only.
    assert_eq!(call(admin, "GET", "/readyz", &[], "").await.status, 200);
    assert_eq!(call(s.addr, "GET", "/metrics", &[], "").await.status, 404);
    let m = call(admin, "GET", "/metrics", &[], "").await.body;
    assert_eq!(metric(&m, "vodsign_signatures_issued_total"), 1.0, "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics() {
    let s = Server::start(&config(""));
    let r = call(s.addr, "GET", "/livez", &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    assert_eq!(call(s.addr, "GET", "/readyz", &[], "").await.status, 200);
    post(s.addr, &[BEARER], "").await;
    post(s.addr, &[BEARER], "").await;
    post(s.addr, &[], "").await;
    post(s.addr, &[BEARER], "{").await;
    let r = call(s.addr, "GET", "/metrics", &[], "").await;
    assert!(r.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    let m = r.body;
    assert_eq!(metric(&m, "vodsign_signatures_issued_total"), 2.0, "{m}");
    assert!(m.contains("vodsign_refusals_total{reason=\"missing_credentials\"} 1"), "{m}");
    assert!(m.contains("vodsign_refusals_total{reason=\"not_json\"} 1"), "{m}");
    assert_eq!(metric(&m, "vodsign_request_duration_seconds_count"), 4.0, "{m}");
    assert_eq!(metric(&m, "vodsign_requests_in_flight"), 0.0, "{m}");
    // Every access log line is JSON with a request id that the reply also carries.
    let r = post(s.addr, &[BEARER], "").await;
    let rid = r.header("x-request-id").unwrap().to_owned();
    s.wait_log(&rid, 1);
    let line = s.logs().into_iter().find(|l| l.contains(&rid)).unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!((v["msg"].as_str(), v["status"].as_u64(), v["user"].as_str()), (Some("request"), Some(200), Some("billing")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_values_never_repeat_and_carry_the_replica() {
    let s = Server::start(&config("[signing]\nsecret_id = \"AKIDseq\"\nreplica_bits = 8\nreplica_id = 201\n"));
    let mut seen = HashSet::new();
    for _ in 0..300 {
        let r = post(s.addr, &[BEARER], "").await;
        let d = verified(r.json()["data"]["signature"].as_str().unwrap(), KEY);
        assert_eq!(d.random() >> 24, 201, "the replica id is the top 8 bits");
        assert!(seen.insert(d.random()), "random repeated");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_token_or_signature_in_any_log_line_or_reply() {
    let dir = temp_dir();
    let key_file = dir.join("key");
    let key2 = "rotated-secret-key-4242";
    std::fs::write(&key_file, KEY).unwrap();
    let s = Server::start_with(
        &config(&format!(
            "[key]\nsecret_key_file = {key_file:?}\nwatch_interval_seconds = 0\n[auth.jwt]\nalgorithm = \"HS256\"\nsecret_env = \"VODSIGN_JWT_SECRET\"\n[[auth.tokens]]\nuser = \"billing\"\nsha256 = \"{}\"\n[reply]\npreset = \"short-video\"\n",
            sha256_hex(TOKEN)
        )),
        &[("VODSIGN_JWT_SECRET", JWT_SECRET)],
        &[],
    );
    let t = now();
    let good = jwt(json!({"sub": "u1", "exp": t + 600}));
    let expired = jwt(json!({"sub": "u1", "exp": t - 600}));
    let mut replies = Vec::new();
    let mut sigs = Vec::new();
    for (auth, body) in [
        (format!("Bearer {good}"), String::new()),
        (format!("Bearer {expired}"), String::new()),
        (format!("Bearer {TOKEN}"), String::new()),
        (format!("Bearer {TOKEN}x"), String::new()),
        (String::new(), json!({"Token": TOKEN}).to_string()),
        (String::new(), json!({"Token": good}).to_string()),
        (format!("Bearer {TOKEN}"), "{bad".into()),
    ] {
        let h: Vec<(&str, &str)> = if auth.is_empty() { vec![] } else { vec![("authorization", auth.as_str())] };
        let r = post(s.addr, &h, &body).await;
        if r.status == 200 {
            sigs.push(r.json()["Data"]["UploadSign"].as_str().unwrap().to_owned());
        }
        replies.push(format!("{:?}\n{}", r.headers, r.body));
    }
    std::fs::write(&key_file, key2).unwrap();
    s.signal(libc::SIGHUP);
    s.wait_log("reloaded", 1);
    let r = post(s.addr, &[BEARER], "").await;
    sigs.push(r.json()["Data"]["UploadSign"].as_str().unwrap().to_owned());
    replies.push(r.body);
    replies.push(call(s.addr, "GET", "/metrics", &[], "").await.body);
    assert_eq!(sigs.len(), 5);
    let logs = s.logs();
    assert!(logs.len() >= 9, "{logs:#?}");
    let secrets = [KEY, key2, JWT_SECRET, TOKEN, &good, &expired];
    for line in &logs {
        for secret in secrets.iter().copied().chain(sigs.iter().map(String::as_str)) {
            assert!(!line.contains(secret), "a log line holds a secret or a signature: {line}");
        }
        // The signature's Base64 without its tail, in case a log line cut it.
        for sig in &sigs {
            assert!(!line.contains(&sig[..40]), "{line}");
        }
    }
    for reply in &replies {
        for secret in secrets {
            assert!(!reply.contains(secret), "a reply holds a secret: {reply}");
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_library_links_no_service_crate() {
    // The normal dependency tree of the library, default features and none, names no crate that
    // only the service uses (toml and serde are there already, through uniffi). With the feature
    // they are there, so the check can fail.
    let service = [
        "tokio", "hyper", "hyper-util", "http-body-util", "axum", "tower", "tower-http", "governor", "jsonwebtoken",
        "prometheus-client", "sha2", "ipnet", "humantime", "serde_json",
    ];
    for features in [&[][..], &["--no-default-features"][..], &["--features", "serve"][..]] {
        let out = Command::new(env!("CARGO"))
            .args(["tree", "--offline", "--locked", "-e", "normal", "--prefix", "none", "--format", "{p}"])
            .args(features)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        let names: HashSet<&str> = text.lines().filter_map(|l| l.split_whitespace().next()).collect();
        assert!(names.contains("vodsign") && names.contains("hmac"), "{text}");
        for c in service {
            let with_service = features.contains(&"serve");
            assert_eq!(names.contains(c), with_service, "{c} in the tree with {features:?}:\n{text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kubernetes_configuration_is_loaded_and_served() {
    let yaml = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kubernetes.yaml")).unwrap();
    let start = yaml.find("  serve.toml: |\n").unwrap() + "  serve.toml: |\n".len();
    let block: String = yaml[start..].lines().take_while(|l| l.starts_with("    ") || l.is_empty()).map(|l| format!("{}\n", l.get(4..).unwrap_or(""))).collect();
    assert!(block.contains("[signing]") && block.contains("[cors]"), "{block}");
    let dir = temp_dir();
    std::fs::write(dir.join("secret-key"), format!("{KEY}\n")).unwrap();
    std::fs::write(dir.join("jwt-secret"), format!("{JWT_SECRET}\n")).unwrap();
    let cfg = block.replace("/var/run/secrets/vodsign/", &format!("{}/", dir.display()));
    std::fs::write(dir.join("config.toml"), cfg).unwrap();
    let s = Server::spawn(dir, &[], &["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"]).unwrap();
    let admin = s.admin();
    let token = jwt(json!({"sub": "k8s-user", "iss": "https://login.example.com", "aud": "vod-upload", "exp": now() + 60}));
    let r = post(s.addr, &[("authorization", &format!("Bearer {token}"))], "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = verified(r.json()["data"]["signature"].as_str().unwrap(), KEY);
    assert_eq!(d.source_context(), Some(r#"{"uid":"k8s-user"}"#));
    assert_eq!(call(admin, "GET", "/livez", &[], "").await.status, 200);
    assert_eq!(call(admin, "GET", "/readyz", &[], "").await.status, 200);
    // The probes and the ports the manifest names are the ones the config opens.
    assert!(yaml.contains("path: /livez, port: admin") && yaml.contains("path: /readyz, port: admin"));
    assert!(yaml.contains("containerPort: 8080") && yaml.contains("containerPort: 9090"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replica_id_from_the_command_line() {
    let cfg = config("[signing]\nsecret_id = \"AKIDrep\"\nreplica_bits = 4\n");
    let s = Server::start_with(&cfg, &[("VODSIGN_SECRET_KEY", KEY)], &["--replica-id", "9"]);
    let d = verified(post(s.addr, &[BEARER], "").await.json()["data"]["signature"].as_str().unwrap(), KEY);
    assert_eq!(d.random() >> 28, 9);
    let e = Server::try_start(&cfg, &[("VODSIGN_SECRET_KEY", KEY)], &["--replica-id", "16"]).err().unwrap();
    assert!(e.contains("--replica-id"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_bounded_and_sigint_stops_gracefully() {
    use std::io::{Read, Write};
    let mut s = Server::start(&config("max_connections = 2\n"));
    // Two idle connections take both places.
    let a = std::net::TcpStream::connect(s.addr).unwrap();
    let _b = std::net::TcpStream::connect(s.addr).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut c = std::net::TcpStream::connect(s.addr).unwrap(); // queued by the kernel, not accepted
    c.set_read_timeout(Some(Duration::from_millis(600))).unwrap();
    c.write_all(format!("GET /signature HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
    let mut buf = [0u8; 64];
    assert!(c.read(&mut buf).is_err(), "a third connection waits while two are open");
    drop(a);
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut text = String::new();
    c.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    s.signal(libc::SIGINT);
    assert!(s.wait_exit().success());
    s.wait_log("\"signal\":\"SIGINT\"", 2);
}

#[test]
fn a_signal_sent_as_soon_as_the_address_is_announced_is_handled() {
    // The signal handlers are in place before "listening on" is printed: a SIGHUP at once reloads
    // (SIGHUP's default action would end the process).
    let cfg = "[server]\nlisten = \"127.0.0.1:0\"\n[signing]\nsecret_id = \"AKIDsig\"\n";
    for _ in 0..30 {
        let mut s = Server::start_with(cfg, &[("VODSIGN_SECRET_KEY", KEY)], &["--insecure-no-auth"]);
        s.signal(libc::SIGHUP);
        s.wait_log("reloaded the key and configuration", 1);
        assert!(s.child.try_wait().unwrap().is_none(), "the process ended on SIGHUP");
        s.signal(libc::SIGTERM);
        assert!(s.wait_exit().success());
    }
}

#[test]
fn the_systemd_unit_is_valid_and_runs_the_service() {
    let unit = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vodsign-serve.service")).unwrap();
    for line in ["ExecStart=/usr/local/bin/vodsign serve --config /etc/vodsign/serve.toml", "ExecReload=/bin/kill -HUP $MAINPID", "KillSignal=SIGTERM"] {
        assert!(unit.lines().any(|l| l == line), "the unit has no line {line:?}");
    }
    // systemd's own check, with ExecStart pointing at this build.
    let dir = temp_dir();
    let path = dir.join("vodsign-serve.service");
    std::fs::write(&path, unit.replace("/usr/local/bin/vodsign", BIN)).unwrap();
    let out = Command::new("systemd-analyze").args(["verify", "--man=no"]).arg(&path).output().expect("systemd-analyze is needed for this test");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let complaints: Vec<&str> = text.lines().filter(|l| l.contains("vodsign-serve.service")).collect();
    assert!(out.status.success() && complaints.is_empty(), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}
