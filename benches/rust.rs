//! Rust benchmarks for `./build.sh bench`: signatures (or decodes, verifies) per second on one
//! core, on the inputs of `benches/inputs.json`.
//!
//! A small harness: a warm-up, then several timed samples; the median is quoted. The samples of
//! the benchmarks are interleaved (sample 1 of each, then sample 2 of each, ...), so that a
//! disturbance from another process slows all of them alike and their ratios (the signer against
//! the bare limit) stay meaningful on a shared machine. Each result is printed as
//! `BENCH <name> <per-second> <median-ns-per-op>` for scripts/bench.sh to collect.
//!
//! `VODSIGN_BENCH_FILTER=TEXT` runs only the benchmarks whose name contains TEXT,
//! `VODSIGN_BENCH_ONLY=NAME` only the one called NAME;
//! `VODSIGN_BENCH_ITERS=N` runs each exactly N times, once, for a profiler (see BENCHMARKS.md).

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use vodsign::{Options, Signer, Verifier, decode};

const SAMPLES: usize = 9;
const SAMPLE_TIME: Duration = Duration::from_millis(200);
const WARM_UP: Duration = Duration::from_millis(300);

/// Runs `f` in batches until `time` passes; returns (operations, elapsed).
fn run_for(time: Duration, batch: u64, f: &mut impl FnMut()) -> (u64, Duration) {
    let start = Instant::now();
    let mut ops = 0;
    while start.elapsed() < time {
        for _ in 0..batch {
            f();
        }
        ops += batch;
    }
    (ops, start.elapsed())
}

/// One benchmark: takes a timed sample (ns per operation) of its own, monomorphic, loop.
type Sampler<'a> = Box<dyn FnMut(Duration) -> f64 + 'a>;

#[derive(Default)]
struct Harness<'a> {
    benches: Vec<(&'static str, Sampler<'a>)>,
}

impl<'a> Harness<'a> {
    fn bench(&mut self, name: &'static str, mut f: impl FnMut() + 'a) {
        if std::env::var("VODSIGN_BENCH_FILTER").is_ok_and(|only| !name.contains(&only))
            || std::env::var("VODSIGN_BENCH_ONLY").is_ok_and(|only| name != only)
        {
            return;
        }
        // VODSIGN_BENCH_ITERS=N: exactly N operations, now, untimed warm-up and samples skipped,
        // so that a profiler (valgrind --tool=callgrind) can divide its counts by N.
        if let Some(n) = std::env::var("VODSIGN_BENCH_ITERS").ok().and_then(|n| n.parse::<u64>().ok()) {
            let start = Instant::now();
            for _ in 0..n {
                f();
            }
            let ns = start.elapsed().as_nanos() as f64 / n.max(1) as f64;
            println!("BENCH {name} {:.0} {ns:.1}", 1e9 / ns);
            return;
        }
        self.benches.push((
            name,
            Box::new(move |time| {
                let (ops, t) = run_for(time, 64, &mut f);
                t.as_nanos() as f64 / ops as f64
            }),
        ));
    }

    /// Warms each benchmark up, takes the samples interleaved, prints the medians in order.
    fn run(mut self) {
        for (_, sample) in &mut self.benches {
            sample(WARM_UP);
        }
        let mut ns = vec![Vec::with_capacity(SAMPLES); self.benches.len()];
        for _ in 0..SAMPLES {
            for (i, (_, sample)) in self.benches.iter_mut().enumerate() {
                ns[i].push(sample(SAMPLE_TIME));
            }
        }
        for ((name, _), mut ns) in self.benches.iter().zip(ns) {
            ns.sort_by(f64::total_cmp);
            let median = ns[SAMPLES / 2];
            let spread = (ns[SAMPLES - 1] - ns[0]) / median * 100.0;
            println!("BENCH {name} {:.0} {median:.1}", 1e9 / median);
            eprintln!("{name:<24} {:>12.0} /s   median {median:>8.1} ns   spread {spread:.1}%", 1e9 / median);
        }
    }
}

struct Inputs {
    secret_id: String,
    secret_key: String,
    cts: u64,
    exp: u64,
    random: u32,
    opts: Options,
    now: u64,
}

fn inputs() -> Inputs {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/inputs.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let n = |k: &str| v[k].as_u64().unwrap();
    Inputs {
        secret_id: s("secretId"),
        secret_key: s("secretKey"),
        cts: n("currentTimeStamp"),
        exp: n("expireTime"),
        random: n("random") as u32,
        opts: Options::new().procedure(s("procedure")).class_id(n("classId")).one_time_valid(n("oneTimeValid") as u8).source_context(s("sourceContext")),
        now: n("now"),
    }
}

fn main() {
    let i = inputs();
    let signer = Signer::new(&i.secret_id, i.secret_key.as_bytes()).unwrap();
    let sig = signer.sign_at(&i.opts, i.cts, i.exp, i.random).unwrap();
    let verifier = Verifier::new(i.secret_key.as_bytes()).unwrap();
    let none = Options::new();
    let mut out = String::with_capacity(1024);
    // The bare limit's inputs: the same signed bytes and key.
    let original = decode(&sig).unwrap().original().as_bytes().to_vec();
    let keyed = <Hmac<Sha1> as KeyInit>::new_from_slice(i.secret_key.as_bytes()).unwrap();
    let mut buf = vec![0u8; 20];
    buf.extend_from_slice(&original);

    // The crate's fastest engine for this CPU (AVX2 where present), found by the crate itself.
    let engine = base64::engine::Simd::standard(base64::engine::general_purpose::PAD);

    let mut h = Harness::default();

    h.bench("rust_signer", || {
        black_box(signer.sign_at(black_box(&i.opts), i.cts, i.exp, i.random).unwrap());
    });
    // Diagnostic: no optional parameter (the bindings' cost without the options record).
    h.bench("rust_signer_no_options", || {
        black_box(signer.sign_at(black_box(&none), i.cts, i.exp, i.random).unwrap());
    });
    h.bench("rust_signer_into", || {
        out.clear();
        signer.sign_at_into(black_box(&i.opts), i.cts, i.exp, i.random, &mut out).unwrap();
        black_box(&out);
    });
    h.bench("rust_fresh_key", || {
        let s = Signer::new(black_box(&i.secret_id), black_box(i.secret_key.as_bytes())).unwrap();
        black_box(s.sign_at(&i.opts, i.cts, i.exp, i.random).unwrap());
    });
    h.bench("rust_decode", || {
        black_box(decode(black_box(&sig)).unwrap());
    });
    h.bench("rust_verify", || {
        black_box(verifier.verify(black_box(&sig), i.now).unwrap());
    });

    // The bare limit: a keyed HMAC-SHA1 state cloned and run over the same bytes, then Base64
    // of mac ‖ original into a new String by the base64 crate's vector engine. Nothing else.
    h.bench("bare_limit", || {
        let mut m = keyed.clone();
        m.update(black_box(&buf[20..]));
        let mac = m.finalize().into_bytes();
        buf[..20].copy_from_slice(&mac);
        black_box(engine.encode(&buf));
    });
    h.run();
}
