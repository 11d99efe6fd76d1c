'use strict';
// Node benchmark for `./build.sh bench`: the reference function `sign(secretKey, params)` of
// tests/reference/reference.js (the documented sample: querystring.stringify, crypto HMAC-SHA1,
// Buffer Base64), on the inputs of benches/inputs.json.
//
// Same method as benches/rust.rs: a warm-up (1 s, for the JIT), then 9 timed samples of 200 ms
// (calls in batches of 64), median quoted. Prints `BENCH node_reference <per-second> <median-ns>`
// on stdout and a readable line with the spread on stderr.
//
// Usage: node benches/node.js INPUTS_JSON

const fs = require('fs');
const path = require('path');
const { sign } = require(path.join(__dirname, '..', 'tests', 'reference', 'reference.js'));

const SAMPLES = 9;
const SAMPLE_NS = 200_000_000n;
const WARM_UP_NS = 1_000_000_000n;

const inputs = JSON.parse(fs.readFileSync(process.argv[2] || path.join(__dirname, 'inputs.json'), 'utf8'));
const secretKey = inputs.secretKey;
const params = {
  secretId: inputs.secretId,
  currentTimeStamp: inputs.currentTimeStamp,
  expireTime: inputs.expireTime,
  random: inputs.random,
  procedure: inputs.procedure,
  classId: inputs.classId,
  oneTimeValid: inputs.oneTimeValid,
  sourceContext: inputs.sourceContext,
};

let sink;
function runFor(timeNs, f) {
  const start = process.hrtime.bigint();
  let ops = 0;
  let t;
  do {
    for (let i = 0; i < 64; i++) sink = f();
    ops += 64;
    t = process.hrtime.bigint();
  } while (t - start < timeNs);
  return Number(t - start) / ops;
}

function bench(name, f) {
  runFor(WARM_UP_NS, f);
  const ns = [];
  for (let i = 0; i < SAMPLES; i++) ns.push(runFor(SAMPLE_NS, f));
  ns.sort((a, b) => a - b);
  const median = ns[SAMPLES >> 1];
  const spread = ((ns[SAMPLES - 1] - ns[0]) / median) * 100;
  process.stdout.write(`BENCH ${name} ${(1e9 / median).toFixed(0)} ${median.toFixed(1)}\n`);
  process.stderr.write(
    `${name.padEnd(24)} ${(1e9 / median).toFixed(0).padStart(12)} /s   median ${median.toFixed(1).padStart(8)} ns   spread ${spread.toFixed(1)}%\n`,
  );
}

// The signature the other benchmarks must also produce (scripts/bench.sh compares them).
process.stdout.write(`SIGNATURE node_reference ${sign(secretKey, params).signature}\n`);
bench('node_reference', () => sign(secretKey, params).signature);
if (sink === undefined) throw new Error('nothing signed');
