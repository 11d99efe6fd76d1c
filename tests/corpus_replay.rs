//! Replays every committed fuzz input through the fuzz targets' own logic (the library
//! `fuzz/support`), on the stable toolchain: the seed corpus in `fuzz/corpus/<target>/`, the
//! regression inputs in `fuzz/regressions/<target>/` (crashes the fuzzer once found; there must
//! be some) and any local crash in `fuzz/artifacts/<target>/` (not committed). A crash found once
//! stays fixed. Deterministic and fast (a few hundred inputs).
//!
//! Also checks that every target's input writer and reader round-trip, that the seeds carry
//! exactly their vectors' parameters, and that the committed seeds are the ones the vectors give.
//! The seeds are written from the conformance vectors by the ignored test `write_seeds`:
//! `cargo test --test corpus_replay -- --ignored write_seeds` (it replaces `seed-*` files only).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use serde_json::Value;
use vodsign::Param;
use vodsign_fuzz_support::capi::{CapiBody, CapiInput, CapiOp, CapiSign};
use vodsign_fuzz_support::decode::DecodeInput;
use vodsign_fuzz_support::input::{Op, Val, optional_params};
use vodsign_fuzz_support::sign::SignInput;
use vodsign_fuzz_support::verify::{SignedVerify, VerifyInput};
use vodsign_fuzz_support::{TARGETS, target};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `fuzz/<kind>/<target>/`, per target, sorted.
fn inputs(kind: &str) -> BTreeMap<String, Vec<PathBuf>> {
    let mut out = BTreeMap::new();
    let Ok(dirs) = fs::read_dir(fuzz_dir().join(kind)) else { return out };
    for dir in dirs {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<PathBuf> =
            fs::read_dir(&dir).unwrap().map(|f| f.unwrap().path()).filter(|p| p.is_file()).collect();
        files.sort();
        out.insert(name, files);
    }
    out
}

/// Runs every file of `fuzz/<kind>/<target>/` through its target; returns how many ran.
fn replay(kind: &str) -> usize {
    let mut failures = Vec::new();
    let mut count = 0;
    for (name, files) in inputs(kind) {
        let run = target(&name).unwrap_or_else(|| {
            panic!("fuzz/{kind}/{name}/ has no target logic in fuzz/support (TARGETS); add it there")
        });
        for file in files {
            let data = fs::read(&file).unwrap();
            count += 1;
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| run(&data))) {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{}: {msg}", file.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {count} inputs failed:\n{}", failures.len(), failures.join("\n"));
    count
}

#[test]
fn replay_corpus() {
    let n = replay("corpus");
    eprintln!("replayed {n} corpus inputs");
    for (name, _) in TARGETS {
        let files = inputs("corpus").remove(*name).unwrap_or_default();
        let seeds = files.iter().filter(|f| f.file_name().unwrap().to_string_lossy().starts_with("seed-")).count();
        assert!(seeds > 0, "fuzz/corpus/{name}/ has no committed seed-* file");
    }
}

/// The committed regression inputs, and any crash the fuzzer left locally in fuzz/artifacts/.
#[test]
fn replay_regressions() {
    let n = replay("regressions");
    eprintln!("replayed {n} regression inputs");
    assert!(n > 0, "no regression input found in fuzz/regressions/<target>/");
    let local = replay("artifacts");
    eprintln!("replayed {local} local artifacts");
}

/// Every cargo-fuzz binary has logic in fuzz/support, and every target logic has a cargo-fuzz
/// binary and its own module.
#[test]
fn targets_match_fuzz_binaries() {
    let bins: BTreeSet<String> = fs::read_dir(fuzz_dir().join("fuzz_targets"))
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let logic: BTreeSet<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(bins, logic, "fuzz/fuzz_targets/*.rs and TARGETS in fuzz/support differ");
    let manifest = fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for name in &bins {
        assert!(manifest.contains(&format!("path = \"fuzz_targets/{name}.rs\"")), "{name} missing from fuzz/Cargo.toml");
        let bin = fs::read_to_string(fuzz_dir().join(format!("fuzz_targets/{name}.rs"))).unwrap();
        assert!(bin.contains(&format!("vodsign_fuzz_support::{name}::target(data)")), "fuzz_targets/{name}.rs runs another target");
        assert!(fuzz_dir().join(format!("support/src/{name}.rs")).is_file(), "no fuzz/support/src/{name}.rs");
    }
}

// ---------------------------------------------------------------------------------------------
// Readers and writers round-trip, for every target
// ---------------------------------------------------------------------------------------------

/// Ops of every kind: by known name with each value kind, by unknown name, and field assignments.
fn sample_ops() -> Vec<Op> {
    let mut ops = vec![
        Op::Set("procedure".into(), Val::Str("p&q".into())),
        Op::Set("classId".into(), Val::Int(-3)),
        Op::Set("secretId".into(), Val::Str("required".into())),
        Op::Set("unknownName".into(), Val::Int(1)),
        Op::Set("".into(), Val::Str("".into())),
        Op::Set("vodSubAppId".into(), Val::Int(i128::MAX)),
    ];
    for (i, p) in optional_params().enumerate() {
        ops.push(Op::Field(p, if i % 2 == 0 { Val::Str(format!("v{i} é")) } else { Val::Int(i as i128 - 4) }));
    }
    ops
}

fn sample_sign() -> SignInput {
    SignInput {
        secret_id: "id é".into(),
        key: b"key".to_vec(),
        cts: 1_571_215_095,
        exp: 1_571_301_495,
        random: 220_625,
        ops: sample_ops(),
    }
}

#[test]
fn decode_input_round_trips() {
    for mode in 0..=u8::MAX {
        for rest in [&b""[..], b"a", b"\xff\x00secretId=x", "\u{1F600}".as_bytes()] {
            let x = DecodeInput { mode, rest: rest.to_vec() };
            assert_eq!(DecodeInput::read(&x.write()), x);
        }
    }
    assert_eq!(DecodeInput::read(&DecodeInput::text("abc=").write()).signature(), "abc=");
}

#[test]
fn verify_input_round_trips() {
    let mut cases = Vec::new();
    for base64 in [false, true] {
        cases.push(VerifyInput::Raw { base64, key: vec![], now: u64::MAX, skew: 0, rest: b"x\xff".to_vec() });
        cases.push(VerifyInput::Raw { base64, key: vec![7; 255], now: 1, skew: 300, rest: vec![] });
    }
    for tamper in 0..4 {
        cases.push(VerifyInput::Signed(SignedVerify {
            key: b"k".to_vec(),
            now_offset: 300u64.wrapping_neg(),
            skew: 300,
            secret_id: "AKID é".into(),
            cts: 1_700_000_000,
            validity: u32::MAX,
            random: 7,
            tamper,
            pos: 513,
            bit: 255,
            ops: sample_ops(),
        }));
    }
    cases.push(VerifyInput::signed(&sample_sign(), 5, 6, 2, 7, 8).unwrap());
    for x in cases {
        assert_eq!(VerifyInput::read(&x.write().unwrap()), x);
    }
}

#[test]
fn sign_input_round_trips() {
    let s = sample_sign();
    assert_eq!(SignInput::read(&s.write().unwrap()), s);
    // Every such input signs, decodes and verifies in the target itself.
    vodsign_fuzz_support::sign::target(&s.write().unwrap());
    for c in common::cases("sign") {
        if let Some(s) = sign_input(&c) {
            assert_eq!(SignInput::read(&s.write().unwrap()), s, "{}", c["name"]);
        }
    }
}

#[test]
fn capi_input_round_trips() {
    let mut ops = vec![
        CapiOp::SetStr { name: b"procedure".to_vec(), value: b"\xff".to_vec() },
        CapiOp::SetStr { name: b"\xffname".to_vec(), value: b"v".to_vec() },
        CapiOp::SetStr { name: b"secretId".to_vec(), value: vec![] },
        CapiOp::SetInt { name: b"unknown".to_vec(), value: i64::MIN },
    ];
    for (i, p) in optional_params().enumerate() {
        ops.push(CapiOp::SetStr { name: p.name().as_bytes().to_vec(), value: format!("v{i}").into_bytes() });
        ops.push(CapiOp::SetInt { name: p.name().as_bytes().to_vec(), value: i as i64 - 4 });
        ops.push(CapiOp::Typed { param: p, text: vec![0xc3, i as u8], n: u64::MAX - i as u64 });
    }
    let sign = CapiSign { secret_id: b"\xffid".to_vec(), key: vec![], cts: 9, validity: u32::MAX, random: 1, ops };
    let cases = [
        CapiInput { flags: 3, cap: u16::MAX, body: CapiBody::Decode { sig: b"abc\xff".to_vec() } },
        CapiInput { flags: 0, cap: 0, body: CapiBody::Verify { key: b"k".to_vec(), now: 1, skew: 2, sig: vec![] } },
        CapiInput { flags: 1, cap: 21, body: CapiBody::Sign(sign) },
    ];
    for x in cases {
        assert_eq!(CapiInput::read(&x.write().unwrap()), x);
    }
}

/// A sign vector written as a `capi` seed reads back, through the target's own reader, as
/// exactly the vector's optional parameters: the same names, values and order.
#[test]
fn capi_seeds_set_their_vector_parameters() {
    let mut checked = 0;
    for c in common::cases("sign") {
        let Some(s) = sign_input(&c) else { continue };
        let Some(sign) = CapiSign::from_sign(&s) else { continue };
        let seed = CapiInput { flags: 0, cap: 64, body: CapiBody::Sign(sign.clone()) }.write();
        let Some(seed) = seed else { continue };
        let CapiBody::Sign(back) = CapiInput::read(&seed).body else { panic!("{}: not read as a sign input", c["name"]) };
        assert_eq!(back, sign, "{}", c["name"]);
        let want: Vec<(String, Val)> = s
            .ops
            .iter()
            .map(|op| match op {
                Op::Set(n, v) => (n.clone(), v.clone()),
                Op::Field(..) => unreachable!("vectors set by name"),
            })
            .collect();
        let got: Vec<(String, Val)> = back
            .ops
            .iter()
            .map(|op| match op {
                CapiOp::SetStr { name, value } => {
                    (String::from_utf8(name.clone()).unwrap(), Val::Str(String::from_utf8(value.clone()).unwrap()))
                }
                CapiOp::SetInt { name, value } => (String::from_utf8(name.clone()).unwrap(), Val::Int((*value).into())),
                CapiOp::Typed { .. } => panic!("{}: a typed setter where the vector set by name", c["name"]),
            })
            .collect();
        assert_eq!(got, want, "{}: the seed sets other parameters than its vector", c["name"]);
        assert_eq!((back.secret_id, back.key), (s.secret_id.into_bytes(), s.key), "{}", c["name"]);
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} sign vectors written as capi seeds");
}

/// The committed `seed-*` files are exactly what `write_seeds` makes from the vectors.
#[test]
fn seeds_are_current() {
    for (name, seeds) in seeds() {
        let want: BTreeSet<String> = seeds.iter().map(|s| seed_name(s)).collect();
        let have: BTreeSet<String> = inputs("corpus")
            .remove(name)
            .unwrap_or_default()
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .filter(|f| f.starts_with("seed-"))
            .collect();
        assert_eq!(have, want, "fuzz/corpus/{name}/ is stale: run `cargo test --test corpus_replay -- --ignored write_seeds`");
    }
}

// ---------------------------------------------------------------------------------------------
// Writing the seeds from the vectors
// ---------------------------------------------------------------------------------------------

const PER_TARGET: usize = 40;

/// 64-bit FNV-1a, for content-addressed seed names.
fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Takes up to `n` items, round-robin over the groups (in first-seen order), so that every
/// outcome the vectors exercise is represented before any is repeated.
fn spread(items: Vec<(String, Vec<u8>)>, n: usize) -> Vec<Vec<u8>> {
    let mut groups: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    for (group, data) in items {
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, v)) => v.push(data),
            None => groups.push((group, vec![data])),
        }
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut round = 0;
    while out.len() < n && groups.iter().any(|(_, v)| v.len() > round) {
        for (_, v) in &groups {
            if let Some(d) = v.get(round) {
                if out.len() < n && seen.insert(d.clone()) {
                    out.push(d.clone());
                }
            }
        }
        round += 1;
    }
    out
}

fn outcome(case: &Value) -> String {
    match case.get("error") {
        Some(e) => format!("{}:{}", e["code"].as_str().unwrap_or(""), e["param"].as_str().unwrap_or("")),
        None => "ok".into(),
    }
}

fn sign_input(case: &Value) -> Option<SignInput> {
    let params = case["params"].as_object()?;
    let ops = params
        .iter()
        .filter(|(k, _)| Param::from_name(k).is_none_or(|p| !p.is_required()))
        .map(|(k, v)| {
            let value = match v {
                Value::String(s) => Val::Str(s.clone()),
                Value::Number(n) => Val::Int(n.as_i64().map(i128::from).or(n.as_u64().map(i128::from))?),
                _ => return None,
            };
            Some(Op::Set(k.clone(), value))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(SignInput {
        secret_id: params.get("secretId")?.as_str()?.to_string(),
        key: case["secretKey"].as_str()?.as_bytes().to_vec(),
        cts: params.get("currentTimeStamp")?.as_u64()?,
        exp: params.get("expireTime")?.as_u64()?,
        random: u32::try_from(params.get("random")?.as_u64()?).ok()?,
        ops,
    })
}

/// The name a seed is committed under.
fn seed_name(data: &[u8]) -> String {
    format!("seed-{:016x}", fnv(data))
}

fn write_dir(name: &str, seeds: &[Vec<u8>]) {
    let dir = fuzz_dir().join("corpus").join(name);
    fs::create_dir_all(&dir).unwrap();
    for f in fs::read_dir(&dir).unwrap() {
        let p = f.unwrap().path();
        if p.file_name().unwrap().to_string_lossy().starts_with("seed-") {
            fs::remove_file(p).unwrap();
        }
    }
    for s in seeds {
        fs::write(dir.join(seed_name(s)), s).unwrap();
    }
    eprintln!("fuzz/corpus/{name}: {} seeds", seeds.len());
}

#[test]
#[ignore = "writes fuzz/corpus/*/seed-*; run by hand when the vectors change"]
fn write_seeds() {
    for (name, seeds) in seeds() {
        write_dir(name, &seeds);
    }
}

/// The seeds for every target, made from the vectors.
fn seeds() -> Vec<(&'static str, Vec<Vec<u8>>)> {
    let sign = common::cases("sign");
    let decode = common::cases("decode");
    let verify = common::cases("verify");
    let mut out = Vec::new();

    // decode: signature texts (decode.json, then sign.json's signatures) and, for a quarter,
    // the signed query strings alone (mode 2) so the fuzzer starts inside the query parser.
    let mut items = Vec::new();
    for c in &decode {
        items.push((outcome(c), DecodeInput::text(c["signature"].as_str().unwrap()).write()));
    }
    for c in sign.iter().filter(|c| c.get("signature").is_some()) {
        items.push(("sign".into(), DecodeInput::text(c["signature"].as_str().unwrap()).write()));
    }
    let mut seeds = spread(items, PER_TARGET * 3 / 4);
    let queries = decode
        .iter()
        .chain(&sign)
        .filter_map(|c| c["original"].as_str())
        .map(|o| ("query".to_string(), DecodeInput::query(o).write()))
        .collect();
    seeds.extend(spread(queries, PER_TARGET / 4));
    out.push(("decode", seeds));

    // verify: every verify.json case in raw mode, then signing-mode inputs from sign.json with
    // each kind of tampering and clocks around the window.
    let mut items = Vec::new();
    for c in &verify {
        let input = VerifyInput::raw(
            c["signature"].as_str().unwrap(),
            c["secretKey"].as_str().unwrap().as_bytes(),
            c["now"].as_u64().unwrap(),
            c["skew"].as_u64().unwrap(),
        );
        items.push((outcome(c), input.write().unwrap()));
    }
    let mut seeds = spread(items, PER_TARGET * 3 / 4);
    let signed: Vec<SignInput> =
        sign.iter().filter(|c| c.get("signature").is_some()).filter_map(sign_input).collect();
    let mut items = Vec::new();
    for (i, s) in signed.iter().enumerate() {
        let validity = s.exp - s.cts;
        let (now, skew, tamper) = match i % 6 {
            0 => (0, 300, 0),
            1 => (validity - 1, 0, 0),
            2 => (validity, 300, 0),
            3 => (300u64.wrapping_neg(), 300, 0),
            4 => (1, 300, 1 + (i / 6 % 3) as u8),
            _ => (301u64.wrapping_neg(), 300, 0),
        };
        let Some(input) = VerifyInput::signed(s, now, skew, tamper, (i * 7) as u16, i as u8) else { continue };
        items.push((format!("{}", i % 6), input.write().unwrap()));
    }
    seeds.extend(spread(items, PER_TARGET - seeds.len().min(PER_TARGET)));
    out.push(("verify", seeds));

    // sign: sign.json cases (refusals included), grouped by outcome.
    let items = sign.iter().filter_map(|c| Some((outcome(c), sign_input(c)?.write()?))).collect();
    out.push(("sign", spread(items, PER_TARGET)));

    // capi: the same three kinds through the C ABI, with output capacities from none to
    // plenty and, now and then, a NULL input or out pointer.
    let caps = [0u16, 1, 5, 21, 64, 599];
    let input = |i: usize, body| {
        let flags = if i % 9 == 4 { 1 + (i / 9 % 2) as u8 } else { 0 };
        CapiInput { flags, cap: caps[i % caps.len()], body }.write()
    };
    let mut items = Vec::new();
    for (i, c) in decode.iter().enumerate() {
        let sig = c["signature"].as_str().unwrap().as_bytes().to_vec();
        items.push((outcome(c), input(i, CapiBody::Decode { sig }).unwrap()));
    }
    let mut seeds = spread(items, PER_TARGET / 3);
    let mut items = Vec::new();
    for (i, c) in verify.iter().enumerate() {
        let body = CapiBody::Verify {
            key: c["secretKey"].as_str().unwrap().as_bytes().to_vec(),
            now: c["now"].as_u64().unwrap(),
            skew: c["skew"].as_u64().unwrap(),
            sig: c["signature"].as_str().unwrap().as_bytes().to_vec(),
        };
        items.push((outcome(c), input(i, body).unwrap()));
    }
    seeds.extend(spread(items, PER_TARGET / 3));
    let mut items = Vec::new();
    for (i, c) in sign.iter().enumerate() {
        // Parts too long for the layout's one-byte lengths are left out.
        let Some(seed) = sign_input(c).and_then(|s| CapiSign::from_sign(&s)).and_then(|s| input(i, CapiBody::Sign(s)))
        else {
            continue;
        };
        items.push((outcome(c), seed));
    }
    seeds.extend(spread(items, PER_TARGET - seeds.len()));
    out.push(("capi", seeds));
    out
}

/// What is committed under fuzz/ and what .gitignore says agree: no tracked file there is
/// ignored (fuzz/Cargo.lock is kept, so fuzzing runs are reproducible), and the lock exists.
#[test]
fn fuzz_tree_and_gitignore_agree() {
    let out = std::process::Command::new("git")
        .args(["ls-files", "--cached", "--ignored", "--exclude-standard", "--", "fuzz"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("git runs (this test needs the repository)");
    assert!(out.status.success(), "git ls-files: {}", String::from_utf8_lossy(&out.stderr));
    let both = String::from_utf8(out.stdout).unwrap();
    assert!(both.trim().is_empty(), "tracked under fuzz/ but git-ignored:\n{both}");
    assert!(fuzz_dir().join("Cargo.lock").is_file(), "fuzz/Cargo.lock is missing");
}
