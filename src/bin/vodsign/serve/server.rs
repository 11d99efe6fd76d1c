//! Listeners, connections, signals: accept with a bound on connections, serve HTTP/1.1 with a
//! header timeout, reload on SIGHUP or a changed key file, and on SIGTERM/SIGINT stop accepting
//! and finish the requests in flight within `server.shutdown_timeout_seconds`.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;
use zeroize::Zeroizing;

use super::app::{App, Generation, Peer, Shared};
use super::config::{self, Config};
use super::log;

type Live = Arc<RwLock<Arc<Generation>>>;

pub const KEY_ENV: &str = crate::KEY_ENV;

/// The secret key: from `key.secret_key_file` when set, else from `VODSIGN_SECRET_KEY`.
/// Messages say where it was looked for, never what it holds.
pub fn load_key(c: &Config) -> Result<Zeroizing<Vec<u8>>, String> {
    let key = match &c.key.secret_key_file {
        Some(path) => {
            let mut k = Zeroizing::new(
                std::fs::read(path).map_err(|e| config::bad("key.secret_key_file", format_args!("reading {}: {}", path.display(), e.kind())))?,
            );
            while k.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                k.pop();
            }
            if k.is_empty() {
                return Err(config::bad("key.secret_key_file", format_args!("{} is empty", path.display())));
            }
            k
        }
        None => match std::env::var_os(KEY_ENV) {
            Some(v) if !v.is_empty() => Zeroizing::new(v.into_encoded_bytes()),
            _ => return Err(format!("no secret key: set {KEY_ENV} or key.secret_key_file")),
        },
    };
    Ok(key)
}

/// Everything a (re)load needs.
pub struct Loader {
    pub config_path: PathBuf,
    pub insecure: bool,
    /// `--listen` and `--admin-listen`, which win over the file's.
    pub listen: Option<String>,
    pub admin_listen: Option<String>,
    /// `--replica-id`, which wins over signing.replica_id (one config for every replica).
    pub replica_id: Option<u32>,
}

impl Loader {
    /// Reads the configuration file, with the command line's addresses in place of the file's.
    pub fn config(&self) -> Result<Config, String> {
        let mut config = config::load(&self.config_path)?;
        if let Some(l) = &self.listen {
            config::socket_addr("--listen", l)?;
            config.server.listen = l.clone();
        }
        if let Some(l) = &self.admin_listen {
            config::socket_addr("--admin-listen", l)?;
            config.server.admin_listen = Some(l.clone());
        }
        if let Some(id) = self.replica_id {
            let bits = config.signing.replica_bits;
            if bits == 0 || u64::from(id) >= 1u64 << bits {
                return Err(config::bad("--replica-id", format_args!("{id}; needs signing.replica_bits above 0 and an id below 2^replica_bits = {}", 1u64 << bits)));
            }
            config.signing.replica_id = id;
        }
        self.check_insecure(&config)?;
        Ok(config)
    }

    /// The app, and the key file's identity as it was just before the key was read (a change
    /// after that is seen by the watcher).
    pub fn load(&self, shared: &Arc<Shared>, old: Option<&App>) -> Result<(App, KeyStamp), String> {
        let config = self.config()?;
        let stamp = key_fingerprint(config.key.secret_key_file.as_deref());
        let key = load_key(&config)?;
        Ok((App::new(config, &key, shared.clone(), old.map(|a| &a.limits))?, stamp))
    }

    pub fn check_insecure(&self, c: &Config) -> Result<(), String> {
        if !self.insecure {
            return Ok(());
        }
        let addrs = [Some(c.server.listen.as_str()), c.server.admin_listen.as_deref()];
        for (field, a) in ["server.listen", "server.admin_listen"].iter().zip(addrs) {
            if let Some(a) = a {
                let addr = config::socket_addr(field, a)?;
                if !addr.ip().is_loopback() {
                    return Err(format!(
                        "{field}: {addr} is not a loopback address; --insecure-no-auth signs for anyone and binds only 127.0.0.0/8 or ::1"
                    ));
                }
            }
        }
        Ok(())
    }
}

pub type KeyStamp = Option<(u64, u64, i64, i64)>;

pub fn key_fingerprint(path: Option<&Path>) -> KeyStamp {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path?).ok()?;
    Some((m.ino(), m.len(), m.mtime(), m.mtime_nsec()))
}

pub fn insecure_warning() {
    let text = "INSECURE: --insecure-no-auth is on: anyone who reaches this address gets upload signatures. For development on a loopback address only; never in production.";
    log::warn(text, json!({}));
}

/// Runs the service until SIGTERM or SIGINT. `first` is the loaded app.
pub async fn run(loader: Loader, shared: Arc<Shared>, first: App, mut key_seen: KeyStamp) -> Result<(), String> {
    // The handlers are in place before the address is announced: a SIGHUP or SIGTERM sent as
    // soon as "listening on" appears must reload or drain, not kill the process.
    let mut term = signal(SignalKind::terminate()).map_err(|e| format!("SIGTERM handler: {e}"))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| format!("SIGINT handler: {e}"))?;
    let mut hup = signal(SignalKind::hangup()).map_err(|e| format!("SIGHUP handler: {e}"))?;
    let server = first.config.server.clone();
    let listen = config::socket_addr("server.listen", &server.listen)?;
    let admin_addr = server.admin_listen.as_deref().map(|a| config::socket_addr("server.admin_listen", a)).transpose()?;
    let main_listener = TcpListener::bind(listen).await.map_err(|e| format!("server.listen: binding {listen}: {e}"))?;
    let admin_listener = match admin_addr {
        Some(a) => Some(TcpListener::bind(a).await.map_err(|e| format!("server.admin_listen: binding {a}: {e}"))?),
        None => None,
    };
    let live: Live = Arc::new(RwLock::new(Arc::new(first.into_generation())));

    // The first stdout lines say where the service listens (port 0 picks a free port).
    let main_local = main_listener.local_addr().map_err(|e| e.to_string())?;
    let mut lines = format!("listening on {main_local}\n");
    if let Some(l) = &admin_listener {
        lines.push_str(&format!("admin listening on {}\n", l.local_addr().map_err(|e| e.to_string())?));
    }
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(lines.as_bytes()).and_then(|()| out.flush());
    }
    if loader.insecure {
        insecure_warning();
    }
    log::info(
        "started",
        json!({"listen": main_local.to_string(), "path": server.path, "preset": live.read().unwrap().app.config.reply.preset.name(), "workers": server.workers}),
    );
    shared.ready.store(true, Ordering::SeqCst);

    let (stop_tx, stop_rx) = watch::channel(false);
    let graceful = Arc::new(GracefulShutdown::new());
    let conns = Arc::new(Semaphore::new(server.max_connections));
    let header_timeout = Duration::from_secs_f64(server.header_timeout_seconds);
    let mut accepts = vec![tokio::spawn(accept_loop(main_listener, false, live.clone(), stop_rx.clone(), graceful.clone(), conns.clone(), header_timeout))];
    if let Some(l) = admin_listener {
        accepts.push(tokio::spawn(accept_loop(l, true, live.clone(), stop_rx.clone(), graceful.clone(), conns.clone(), header_timeout)));
    }

    let mut sweep = tokio::time::interval(Duration::from_secs(60));
    let mut watch_tick = tokio::time::interval(Duration::from_millis(250));
    let mut last_watch = tokio::time::Instant::now();
    let signal_name = loop {
        tokio::select! {
            _ = term.recv() => break "SIGTERM",
            _ = int.recv() => break "SIGINT",
            _ = hup.recv() => {
                if let Some(stamp) = reload(&loader, &shared, &live, "SIGHUP", &server) {
                    key_seen = stamp;
                }
            }
            _ = sweep.tick() => live.read().unwrap().app.limits.sweep(),
            _ = watch_tick.tick() => {
                let (path, every) = {
                    let g = live.read().unwrap();
                    (g.app.config.key.secret_key_file.clone(), g.app.config.key.watch_interval_seconds)
                };
                if every > 0.0 && last_watch.elapsed() >= Duration::from_secs_f64(every) {
                    last_watch = tokio::time::Instant::now();
                    let now = key_fingerprint(path.as_deref());
                    if now.is_some() && now != key_seen {
                        // A failed reload is not retried until the file changes again.
                        key_seen = now;
                        if let Some(stamp) = reload(&loader, &shared, &live, "key file changed", &server) {
                            key_seen = stamp;
                        }
                    }
                }
            }
        }
    };

    shared.ready.store(false, Ordering::SeqCst);
    log::info("stopping", json!({"signal": signal_name, "open_connections": server.max_connections - conns.available_permits()}));
    let _ = stop_tx.send(true);
    for a in accepts {
        let _ = a.await;
    }
    let graceful = Arc::try_unwrap(graceful).map_err(|_| "connections still being accepted".to_string())?;
    let limit = Duration::from_secs_f64(server.shutdown_timeout_seconds);
    match tokio::time::timeout(limit, graceful.shutdown()).await {
        Ok(()) => log::info("stopped", json!({"signal": signal_name})),
        Err(_) => log::warn(
            "stopped with requests still open after server.shutdown_timeout_seconds",
            json!({"signal": signal_name, "timeout_seconds": server.shutdown_timeout_seconds}),
        ),
    }
    Ok(())
}

/// Loads and swaps in a new generation; on failure keeps the old one and says why. Returns the
/// key file's stamp when the reload took.
fn reload(loader: &Loader, shared: &Arc<Shared>, live: &Live, why: &str, started: &config::Server) -> Option<KeyStamp> {
    let old = live.read().unwrap().clone();
    match loader.load(shared, Some(&old.app)) {
        Ok((app, stamp)) => {
            let mut fixed = Vec::new();
            let (n, o) = (&app.config, &old.app.config);
            if n.server.listen != started.listen || n.server.admin_listen != started.admin_listen {
                fixed.push("server.listen/admin_listen");
            }
            if n.server.workers != started.workers || n.server.max_connections != started.max_connections {
                fixed.push("server.workers/max_connections");
            }
            if n.server.header_timeout_seconds != started.header_timeout_seconds || n.server.shutdown_timeout_seconds != started.shutdown_timeout_seconds {
                fixed.push("server.header_timeout_seconds/shutdown_timeout_seconds");
            }
            if n.signing.replica_id != o.signing.replica_id || n.signing.replica_bits != o.signing.replica_bits {
                fixed.push("signing.replica_id/replica_bits");
            }
            let generation = Arc::new(app.into_generation());
            *live.write().unwrap() = generation;
            shared.metrics.reloaded(true);
            if loader.insecure {
                insecure_warning();
            }
            log::info("reloaded the key and configuration", json!({"trigger": why}));
            if !fixed.is_empty() {
                log::warn("these fields take effect at the next start, not on reload", json!({"fields": fixed}));
            }
            Some(stamp)
        }
        Err(e) => {
            shared.metrics.reloaded(false);
            log::error("reload failed; the previous key and configuration stay in force", json!({"trigger": why, "why": e}));
            None
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    admin: bool,
    live: Live,
    mut stop: watch::Receiver<bool>,
    graceful: Arc<GracefulShutdown>,
    conns: Arc<Semaphore>,
    header_timeout: Duration,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(header_timeout).keep_alive(true);
    loop {
        let permit = tokio::select! {
            p = conns.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
            _ = stop.changed() => return,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    log::warn("accept failed", json!({"why": e.to_string()}));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let live = live.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(Peer(peer));
            let router = {
                let g = live.read().unwrap();
                if admin { g.admin.clone().expect("an admin listener has an admin router") } else { g.main.clone() }
            };
            router.oneshot(req.map(axum::body::Body::new))
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
}

