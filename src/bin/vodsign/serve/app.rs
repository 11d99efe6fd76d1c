//! One loaded generation of the service: configuration, signer, policy, reply shape, auth and
//! limits, with the routers that serve it. A reload builds a new one and swaps it in whole.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, AUTHORIZATION, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::{any, get};
use http_body_util::{BodyExt, Limited};
use tower_http::cors::{AllowOrigin, CorsLayer};
use vodsign::Signer;

use super::auth::Authenticator;
use super::config::Config;
use super::limits::Limits;
use super::log;
use super::metrics::Metrics;
use super::policy::{self, Policy};
use super::reply::{Issued, Refusal, Replier};
use super::sequence::Sequence;

/// The peer address of the connection a request came on.
#[derive(Clone, Copy)]
pub struct Peer(pub SocketAddr);

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What lives as long as the process: metrics, the random sequence, readiness.
pub struct Shared {
    pub metrics: Metrics,
    pub sequence: Sequence,
    pub ready: AtomicBool,
    pub insecure: bool,
    request_prefix: u32,
    requests: AtomicU64,
}

impl Shared {
    pub fn new(config: &Config, insecure: bool) -> Result<Shared, String> {
        let sequence = Sequence::new(config.signing.replica_id, config.signing.replica_bits).map_err(|e| format!("the OS random generator: {e}"))?;
        let request_prefix = vodsign::random_u32().map_err(|e| format!("the OS random generator: {}", e.message()))?;
        Ok(Shared { metrics: Metrics::new(), sequence, ready: AtomicBool::new(false), insecure, request_prefix, requests: AtomicU64::new(0) })
    }

    fn request_id(&self) -> String {
        format!("{:08x}{:010x}", self.request_prefix, self.requests.fetch_add(1, Ordering::Relaxed))
    }
}

pub struct App {
    pub config: Config,
    signer: Signer,
    policy: Policy,
    replier: Replier,
    auth: Authenticator,
    pub limits: Arc<Limits>,
    shared: Arc<Shared>,
}

/// A generation: the app and the routers built on it.
pub struct Generation {
    pub app: Arc<App>,
    pub main: Router,
    pub admin: Option<Router>,
}

impl App {
    pub fn new(config: Config, key: &[u8], shared: Arc<Shared>, limits: Option<&Arc<Limits>>) -> Result<App, String> {
        let signer = Signer::new(&config.signing.secret_id, key).map_err(|e| match e.param() {
            Some("secretKey") => format!("the secret key: {}", e.message()),
            _ => format!("signing.secret_id: {}", e.message()),
        })?;
        let policy = Policy::new(&config.signing, &config.client);
        let replier = Replier::new(config.reply.preset, config.reply.template.as_deref(), config.reply.error_template.as_deref())?;
        let auth = Authenticator::new(&config, shared.insecure)?;
        let limits = match limits {
            Some(old) => Limits::reload(old, &config.rate_limit),
            None => Arc::new(Limits::new(&config.rate_limit)),
        };
        Ok(App { config, signer, policy, replier, auth, limits, shared })
    }

    pub fn into_generation(self) -> Generation {
        let app = Arc::new(self);
        let mut sign = any(sign_handler);
        if let Some(c) = &app.config.cors {
            let origins: Vec<HeaderValue> = c.allowed_origins.iter().map(|o| HeaderValue::from_str(o).expect("checked at load")).collect();
            sign = sign.layer(
                CorsLayer::new()
                    .allow_origin(AllowOrigin::list(origins))
                    .allow_methods([Method::GET, Method::POST])
                    .allow_headers([AUTHORIZATION, CONTENT_TYPE, ACCEPT, HeaderName::from_static("x-requested-with")])
                    .expose_headers([REQUEST_ID, RETRY_AFTER])
                    .allow_credentials(c.allow_credentials)
                    .max_age(Duration::from_secs(c.max_age_seconds)),
            );
        }
        let health = || {
            Router::new()
                .route("/livez", get(|| async { plain(StatusCode::OK, "ok\n") }))
                .route("/readyz", get(readyz))
                .route("/metrics", get(metrics))
        };
        let mut main = Router::new().route(&app.config.server.path, sign);
        let admin = if app.config.server.admin_listen.is_some() {
            Some(health().fallback(not_found).with_state(app.clone()))
        } else {
            main = main.merge(health());
            None
        };
        let main = main.fallback(not_found).with_state(app.clone());
        Generation { app, main, admin }
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(super::reply::TEXT));
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "not found\n")
}

async fn readyz(State(app): State<Arc<App>>) -> Response {
    if app.shared.ready.load(Ordering::Relaxed) {
        plain(StatusCode::OK, "ready\n")
    } else {
        plain(StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let mut r = Response::new(Body::from(app.shared.metrics.text()));
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the nearest address in
/// `X-Forwarded-For` that is not one.
fn client_ip(app: &App, peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
    if !app.auth.is_trusted(peer) {
        return peer;
    }
    let mut ip = peer;
    for v in headers.get_all("x-forwarded-for").iter().rev() {
        let Ok(v) = v.to_str() else { return ip };
        for part in v.rsplit(',') {
            match part.trim().parse::<IpAddr>() {
                Ok(a) if app.auth.is_trusted(a) => ip = a,
                Ok(a) => return a,
                Err(_) => return ip,
            }
        }
    }
    ip
}

struct Outcome {
    user: Option<String>,
    client: IpAddr,
}

async fn sign_handler(State(app): State<Arc<App>>, req: Request) -> Response {
    let start = Instant::now();
    // Counted down on every exit, also when the client goes away mid-request.
    struct InFlight<'a>(&'a Metrics);
    impl Drop for InFlight<'_> {
        fn drop(&mut self) {
            self.0.in_flight.dec();
        }
    }
    app.shared.metrics.in_flight.inc();
    let _in_flight = InFlight(&app.shared.metrics);
    let rid = app.shared.request_id();
    let method = req.method().clone();
    let peer = req.extensions().get::<Peer>().map_or(IpAddr::from([0, 0, 0, 0]), |p| p.0.ip());
    let mut out = Outcome { user: None, client: peer };
    let timeout = Duration::from_secs_f64(app.config.server.request_timeout_seconds);
    let result = match tokio::time::timeout(timeout, handle(&app, req, peer, &mut out)).await {
        Ok(r) => r,
        Err(_) => Err(Refusal::new(408, "request_timeout", format!("the request took longer than {} s", app.config.server.request_timeout_seconds))),
    };
    let (status, reason, mut resp) = match result {
        Ok((signature, expire_time)) => {
            app.shared.metrics.issued.inc();
            let (ctype, body) = app.replier.ok(&Issued { signature: &signature, expire_time, request_id: &rid });
            (200, None, response(200, ctype, body))
        }
        Err(r) => {
            app.shared.metrics.refuse(r.reason);
            let (ctype, body) = app.replier.err(&r, &rid);
            let mut resp = response(r.status, ctype, body);
            let h = resp.headers_mut();
            if let Some(s) = r.retry_after {
                h.insert(RETRY_AFTER, HeaderValue::from(s));
            }
            if r.status == 401 {
                h.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            if r.status == 405 {
                h.insert(axum::http::header::ALLOW, HeaderValue::from_static("GET, POST"));
            }
            (r.status, Some(r.reason), resp)
        }
    };
    resp.headers_mut().insert(REQUEST_ID, HeaderValue::from_str(&rid).expect("hex digits"));
    let elapsed = start.elapsed();
    app.shared.metrics.latency.observe(elapsed.as_secs_f64());
    if app.config.log.access {
        log::access(&log::Access {
            ts: log::now(),
            level: "info",
            msg: "request",
            request_id: &rid,
            method: method.as_str(),
            path: &app.config.server.path,
            status,
            reason,
            user: out.user.as_deref(),
            client: out.client,
            duration_ms: (elapsed.as_secs_f64() * 1e6).round() / 1e3,
        });
    }
    resp
}

fn response(status: u16, ctype: &'static str, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(ctype));
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn handle(app: &App, req: Request, peer: IpAddr, out: &mut Outcome) -> Result<(String, u64), Refusal> {
    if req.method() != Method::GET && req.method() != Method::POST {
        return Err(Refusal::new(405, "method_not_allowed", "use GET or POST"));
    }
    out.client = client_ip(app, peer, req.headers());
    app.limits.check_address(out.client)?;
    let limit = app.config.server.body_limit_bytes;
    let too_large = || Refusal::new(413, "body_too_large", format!("the body is larger than server.body_limit_bytes ({limit} bytes)"));
    if let Some(n) = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok()) {
        if n > limit as u64 {
            return Err(too_large());
        }
    }
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, limit).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return Err(too_large()),
        Err(_) => return Err(Refusal::new(400, "body_unreadable", "the body could not be read")),
    };
    let fields = policy::parse_body(&body, app.replier.preset())?;
    let user = app.auth.authenticate(&parts.headers, fields.token.as_deref(), peer)?;
    out.user = Some(user.clone());
    app.limits.check_user(&user)?;
    let opts = app.policy.options(&user, &fields)?;
    let internal = |e: vodsign::Error| Refusal::new(500, "internal", format!("signing failed: {}", e.kind().code()));
    let now = vodsign::unix_now().map_err(internal)?;
    let expire = now + app.policy.validity();
    let random = app.shared.sequence.next();
    let signature = app.signer.sign_at(&opts, now, expire, random).map_err(internal)?;
    Ok((signature, expire))
}
