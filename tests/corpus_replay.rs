//! Replays every committed fuzz input through the fuzz targets' own logic (`fuzz/targets.rs`),
//! on the stable toolchain: the seed corpus in `fuzz/corpus/<target>/` and any crash kept as a
//! regression in `fuzz/artifacts/<target>/` or `fuzz/corpus/<target>/`. A crash found once stays
//! fixed. Deterministic and fast (a few hundred inputs).
//!
//! The seeds are written from the conformance vectors by the ignored test `write_seeds`:
//! `cargo test --test corpus_replay -- --ignored write_seeds` (it replaces `seed-*` files only).

#[path = "../fuzz/targets.rs"]
mod targets;

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use serde_json::Value;
use targets::{Op, SignInput, Val};

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

fn replay(kind: &str) -> usize {
    let mut failures = Vec::new();
    let mut count = 0;
    for (name, files) in inputs(kind) {
        let run = targets::target(&name).unwrap_or_else(|| {
            panic!("fuzz/{kind}/{name}/ has no target logic in fuzz/targets.rs (TARGETS); add it there")
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
    for (name, _) in targets::TARGETS {
        let files = inputs("corpus").remove(*name).unwrap_or_default();
        let seeds = files.iter().filter(|f| f.file_name().unwrap().to_string_lossy().starts_with("seed-")).count();
        assert!(seeds > 0, "fuzz/corpus/{name}/ has no committed seed-* file");
    }
}

#[test]
fn replay_artifacts() {
    let n = replay("artifacts");
    eprintln!("replayed {n} artifacts");
}

/// Every cargo-fuzz binary has logic here, and every target logic has a cargo-fuzz binary.
#[test]
fn targets_match_fuzz_binaries() {
    let bins: BTreeSet<String> = fs::read_dir(fuzz_dir().join("fuzz_targets"))
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let logic: BTreeSet<String> = targets::TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(bins, logic, "fuzz/fuzz_targets/*.rs and targets::TARGETS differ");
    let manifest = fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for name in &bins {
        assert!(manifest.contains(&format!("path = \"fuzz_targets/{name}.rs\"")), "{name} missing from fuzz/Cargo.toml");
    }
}

/// The encoders used for seeds read back as what they encode.
#[test]
fn seed_encoding_round_trips() {
    let s = SignInput {
        secret_id: "id é".into(),
        key: b"key".to_vec(),
        cts: 1_571_215_095,
        exp: 1_571_301_495,
        random: 220_625,
        ops: vec![
            Op::Set("procedure".into(), Val::Str("p&q".into())),
            Op::Set("classId".into(), Val::Int(-3)),
            Op::Set("unknownName".into(), Val::Int(1)),
            Op::Field(vodsign::Param::StorageRegion, Val::Str("ap-x".into())),
        ],
    };
    assert_eq!(SignInput::read(&s.write()), s);
    // Every seed input signs, decodes and verifies in the target itself.
    targets::sign_target(&s.write());
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
        .filter(|(k, _)| vodsign::Param::from_name(k).is_none_or(|p| !p.is_required()))
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
        fs::write(dir.join(format!("seed-{:016x}", fnv(s))), s).unwrap();
    }
    eprintln!("fuzz/corpus/{name}: {} seeds", seeds.len());
}

#[test]
#[ignore = "writes fuzz/corpus/*/seed-*; run by hand when the vectors change"]
fn write_seeds() {
    let sign = common::cases("sign");
    let decode = common::cases("decode");
    let verify = common::cases("verify");

    // decode: signature texts (decode.json, then sign.json's signatures) and, for a quarter,
    // the signed query strings alone (mode 2) so the fuzzer starts inside the query parser.
    let mut items = Vec::new();
    for c in &decode {
        items.push((outcome(c), targets::decode_text_input(c["signature"].as_str().unwrap())));
    }
    for c in sign.iter().filter(|c| c.get("signature").is_some()) {
        items.push(("sign".into(), targets::decode_text_input(c["signature"].as_str().unwrap())));
    }
    let mut seeds = spread(items, PER_TARGET * 3 / 4);
    let queries = decode
        .iter()
        .chain(&sign)
        .filter_map(|c| c["original"].as_str())
        .map(|o| ("query".to_string(), targets::decode_query_input(o)))
        .collect();
    seeds.extend(spread(queries, PER_TARGET / 4));
    write_dir("decode", &seeds);

    // verify: every verify.json case in raw mode, then signing-mode inputs from sign.json with
    // each kind of tampering and clocks around the window.
    let mut items = Vec::new();
    for c in &verify {
        let input = targets::verify_raw_input(
            c["signature"].as_str().unwrap(),
            c["secretKey"].as_str().unwrap().as_bytes(),
            c["now"].as_u64().unwrap(),
            c["skew"].as_u64().unwrap(),
        );
        items.push((outcome(c), input));
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
        let input = targets::verify_signed_input(s, now, skew, tamper, (i * 7) as u16, i as u8);
        items.push((format!("{}", i % 6), input));
    }
    seeds.extend(spread(items, PER_TARGET - seeds.len().min(PER_TARGET)));
    write_dir("verify", &seeds);

    // sign: sign.json cases (refusals included), grouped by outcome.
    let items = sign.iter().filter_map(|c| Some((outcome(c), sign_input(c)?.write()))).collect();
    write_dir("sign", &spread(items, PER_TARGET));

    // capi: the same three kinds through the C ABI, with output capacities from none to
    // plenty and, now and then, a NULL input or out pointer.
    let caps = [0u16, 1, 5, 21, 64, 599];
    let flags = |i: usize| if i % 9 == 4 { 1 + (i / 9 % 2) as u8 } else { 0 };
    let mut items = Vec::new();
    for (i, c) in decode.iter().enumerate() {
        let rest = c["signature"].as_str().unwrap().as_bytes();
        items.push((outcome(c), targets::capi_input(0, flags(i), caps[i % caps.len()], rest)));
    }
    let mut seeds = spread(items, PER_TARGET / 3);
    let mut items = Vec::new();
    for (i, c) in verify.iter().enumerate() {
        let mut rest = Vec::new();
        targets::put_key(&mut rest, c["secretKey"].as_str().unwrap().as_bytes());
        rest.extend_from_slice(&c["now"].as_u64().unwrap().to_le_bytes());
        rest.extend_from_slice(&c["skew"].as_u64().unwrap().to_le_bytes());
        rest.extend_from_slice(c["signature"].as_str().unwrap().as_bytes());
        items.push((outcome(c), targets::capi_input(1, flags(i), caps[i % caps.len()], &rest)));
    }
    seeds.extend(spread(items, PER_TARGET / 3));
    let mut items = Vec::new();
    for (i, c) in sign.iter().enumerate() {
        let Some(rest) = sign_input(c).and_then(|s| targets::capi_sign_rest(&s)) else { continue };
        items.push((outcome(c), targets::capi_input(2, flags(i), caps[i % caps.len()], &rest)));
    }
    seeds.extend(spread(items, PER_TARGET - seeds.len()));
    write_dir("capi", &seeds);
}
