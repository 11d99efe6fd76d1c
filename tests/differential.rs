//! Randomized differential test: vodsign against the independent Node reference
//! (`tests/reference/serve.js`, the documented algorithm on Node's own querystring and crypto).
//!
//! At least 1000 random inputs a run, across every parameter and many alphabets, valid and not.
//! The seed is printed; `VODSIGN_DIFF_SEED=<seed>` reproduces a run, `VODSIGN_DIFF_CASES=<n>`
//! changes the count.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::{code_of, sign_params};
use serde_json::{Map, Value, json};
use vodsign::Param;

/// xorshift64*: a small deterministic generator, so that a printed seed reproduces a run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

const ALPHABETS: &[&str] = &[
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "\t\n\r\u{7f}\u{1}",
    "éüñçßøåÆŒ€£¥©®°±µ¶",
    "你好世界视频上传签名测试中文字符",
    "日本語のテキストカタカナ한국어텍스트",
    "ПриветмирΑλφαβητοעבריתالعربية",
    "😀🎬🚀👍🏽👨‍👩‍👧𝄞🀄",
    "e\u{301}a\u{308}o\u{303}\u{20dd}\u{fe0f}\u{200d}",
];

fn text(rng: &mut Rng, max: u64) -> String {
    let len = match rng.below(10) {
        0 => 0,
        1 => max,
        2 => max + 1,
        _ => rng.below(max.min(40) + 1),
    };
    let mix = rng.chance(30);
    let mut alphabet: Vec<char> = rng.pick(ALPHABETS).chars().collect();
    (0..len)
        .map(|_| {
            if mix {
                alphabet = rng.pick(ALPHABETS).chars().collect();
            }
            alphabet[rng.below(alphabet.len() as u64) as usize]
        })
        .collect()
}

fn int(rng: &mut Rng, edges: &[i64], lo: i64, hi: i64) -> Value {
    if rng.chance(40) {
        json!(rng.pick(edges))
    } else {
        json!(lo + (rng.next() % ((hi - lo) as u64 + 1)) as i64)
    }
}

fn random_case(rng: &mut Rng) -> (String, Map<String, Value>) {
    let mut p = Map::new();
    let key = if rng.chance(10) { text(rng, 100) } else { text(rng, 40) };
    let key = if key.is_empty() { "k".to_string() } else { key };
    let id = if rng.chance(80) { format!("AKID{}", rng.next()) } else { text(rng, 30) };
    p.insert("secretId".into(), json!(if id.is_empty() && rng.chance(50) { "x".into() } else { id }));
    let now = (rng.next() % 4_000_000_000) as i64;
    p.insert("currentTimeStamp".into(), json!(now));
    let validity = match rng.below(8) {
        0 => 7_776_000,
        1 => 7_776_001,
        2 => 0,
        3 => -1,
        _ => 1 + rng.below(7_776_000) as i64,
    };
    p.insert("expireTime".into(), json!(now + validity));
    p.insert("random".into(), int(rng, &[0, 1, 4294967295, 4294967296], 0, 4294967295));
    for param in Param::ALL.into_iter().filter(|p| !p.is_required()) {
        if !rng.chance(45) {
            continue;
        }
        let v = match param {
            Param::Procedure => json!(text(rng, 40)),
            Param::SourceContext => json!(text(rng, 250)),
            Param::SessionContext => json!(text(rng, 1000)),
            Param::TaskNotifyMode => json!(rng.pick(&["Finish", "Change", "None", "finish", "", "Always"])),
            Param::StorageRegion => {
                json!(rng.pick(&["ap-chongqing", "ap-guangzhou", "na-siliconvalley", "ap-shanghai-fsi", "", "AP-Beijing", "ap chongqing", "eu"]))
            }
            Param::ClassId | Param::VodSubAppId => int(rng, &[0, 1, 9007199254740991, -1], 0, i64::MAX / 2),
            Param::OneTimeValid => int(rng, &[0, 1, 2, -1], 0, 1),
            Param::TaskPriority => int(rng, &[-10, 10, -11, 11, 0], -10, 10),
            _ => unreachable!(),
        };
        p.insert(param.name().into(), v);
    }
    (key, p)
}

#[test]
fn differential_against_node_reference() {
    let seed: u64 = std::env::var("VODSIGN_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    });
    let count: usize = std::env::var("VODSIGN_DIFF_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1000);
    println!("differential seed {seed} ({count} cases): reproduce with VODSIGN_DIFF_SEED={seed}");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/serve.js");
    let mut node = Command::new("node")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}): the differential test needs Node.js 20 on PATH"));
    let mut rng = Rng(seed);
    let inputs: Vec<_> = (0..count).map(|_| random_case(&mut rng)).collect();
    {
        let mut stdin = node.stdin.take().unwrap();
        let lines: String = inputs.iter().map(|(k, p)| format!("{}\n", json!({ "secretKey": k, "params": p }))).collect();
        std::thread::spawn(move || stdin.write_all(lines.as_bytes()).unwrap());
    }
    let out = BufReader::new(node.stdout.take().unwrap());
    let mut failures = Vec::new();
    let (mut signed, mut refused) = (0, 0);
    let mut answers = 0;
    for ((key, params), line) in inputs.iter().zip(out.lines()) {
        answers += 1;
        let want: Value = serde_json::from_str(&line.unwrap()).unwrap();
        let got = sign_params(key, params);
        let same = match (&got, want.get("signature")) {
            (Ok(sig), Some(w)) => {
                signed += 1;
                w.as_str() == Some(sig.as_str())
            }
            (Err(e), None) => {
                refused += 1;
                let w = &want["error"];
                code_of(e) == (w["code"].as_str().unwrap_or("?").to_string(), w["param"].as_str().map(str::to_string))
            }
            _ => false,
        };
        if !same && failures.len() < 10 {
            failures.push(format!("params {params:?}\n  vodsign: {got:?}\n  reference: {want}"));
        }
    }
    assert!(node.wait().unwrap().success(), "the reference process failed");
    assert_eq!(answers, count, "the reference answered {answers} of {count} lines");
    println!("{signed} signed and {refused} refused alike");
    assert!(failures.is_empty(), "seed {seed}: vodsign and the reference differ:\n{}", failures.join("\n"));
    assert!(signed > count / 10, "too few valid inputs ({signed}) to be a useful differential test");
}
