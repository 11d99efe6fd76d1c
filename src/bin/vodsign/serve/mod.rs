//! `vodsign serve`: the signature distribution service.
//!
//! An app asks it for an upload signature; it authenticates the app's user, applies the
//! configuration's signing policy and answers in the shape that app reads. One module per job:
//! `config` (the TOML file), `auth` (JWT, API tokens, gateway header), `policy` (what a
//! signature carries), `reply` (presets), `limits` (rate limits), `sequence` (the `random`
//! values), `metrics`, `log`, `app` (handler and routes) and `server` (listeners, signals).

mod app;
mod auth;
mod config;
mod limits;
mod log;
mod metrics;
mod policy;
mod reply;
mod sequence;
mod server;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::args::{Arg, Args, unknown};
use crate::{CliResult, Fail, out};

pub const HELP: &str = "\
vodsign serve: the signature distribution service

USAGE:
  vodsign serve --config FILE [--insecure-no-auth] [--listen ADDR] [--admin-listen ADDR] [--replica-id N]
                     run it (stops on SIGTERM/SIGINT, reloads on SIGHUP); --listen and
                     --admin-listen take the place of server.listen and server.admin_listen
                     --replica-id N takes the place of signing.replica_id
  vodsign serve --config FILE --check                load the configuration and key, then exit
  vodsign serve --hash-token < TOKEN                 print the SHA-256 an [[auth.tokens]] entry stores

The secret key comes from VODSIGN_SECRET_KEY or key.secret_key_file, never from arguments or
the configuration's text. The first line on standard output is \"listening on ADDRESS\"; logs are
JSON lines on standard error. --insecure-no-auth signs for anyone: loopback addresses only.
README's \"Signature service\" section documents every field.
";

pub fn cmd_serve(rest: &[String]) -> CliResult {
    let mut config_path: Option<PathBuf> = None;
    let (mut listen, mut admin_listen, mut replica_id) = (None, None, None);
    let (mut insecure, mut check, mut hash) = (false, false, false);
    let mut args = Args::new(rest);
    while let Some(a) = args.next()? {
        match a {
            Arg::Opt("--config") => config_path = Some(PathBuf::from(args.value()?)),
            Arg::Opt("--listen") => listen = Some(args.value()?.to_owned()),
            Arg::Opt("--admin-listen") => admin_listen = Some(args.value()?.to_owned()),
            Arg::Opt("--replica-id") => {
                let v = args.value()?;
                replica_id = Some(v.parse::<u32>().map_err(|_| Fail::Usage(format!("--replica-id takes a whole number 0 to 65535, not {}", crate::escape::quoted(v))))?);
            }
            Arg::Opt("--insecure-no-auth") => insecure = true,
            Arg::Opt("--check") => check = true,
            Arg::Opt("--hash-token") => hash = true,
            Arg::Opt("-h" | "--help") => {
                out::print(HELP)?;
                return Ok(ExitCode::SUCCESS);
            }
            Arg::Opt(o) => return Err(unknown(o, "serve")),
            Arg::Positional(p) => {
                return Err(Fail::Usage(format!("serve takes no positional argument (got {})", crate::escape::quoted(p))));
            }
        }
    }
    if hash {
        let mut token = String::new();
        std::io::stdin().take(64 * 1024).read_to_string(&mut token).map_err(|e| Fail::Refused(format!("reading the token from standard input: {e}")))?;
        let token = token.trim_end_matches(['\n', '\r']);
        if token.is_empty() {
            return Err(Fail::Usage("--hash-token reads the token from standard input; it was empty".into()));
        }
        out::print(&format!("{}\n", auth::hash_token(token)))?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(config_path) = config_path else {
        return Err(Fail::Usage("serve needs --config FILE".into()));
    };
    let loader = server::Loader { config_path, insecure, listen, admin_listen, replica_id };
    let config = loader.config().map_err(Fail::Refused)?;
    let shared = Arc::new(app::Shared::new(&config, insecure).map_err(Fail::Refused)?);
    let workers = config.server.workers;
    let stamp = server::key_fingerprint(config.key.secret_key_file.as_deref());
    let key = server::load_key(&config).map_err(Fail::Refused)?;
    let first = app::App::new(config, &key, shared.clone(), None).map_err(Fail::Refused)?;
    drop(key);
    if check {
        if insecure {
            server::insecure_warning();
        }
        out::print("configuration and key loaded\n")?;
        return Ok(ExitCode::SUCCESS);
    }
    // One worker: a single-threaded runtime (no work stealing, no cross-thread wake-ups), which
    // serves the same in less CPU per request; more: a multi-threaded one with that many workers.
    let mut builder = if workers == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(workers);
        b
    };
    let runtime = builder
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Fail::Refused(format!("starting the runtime: {e}")))?;
    runtime.block_on(server::run(loader, shared, first, stamp)).map_err(Fail::Refused)?;
    Ok(ExitCode::SUCCESS)
}
