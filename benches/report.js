'use strict';
// The report of `./build.sh bench`: reads what scripts/bench.sh collected, prints the table and
// the targets, and rewrites the generated part of BENCHMARKS.md (between the bench:begin and
// bench:end markers; the hand-written text around it is kept).
//
// Usage: node benches/report.js RESULTS META_JSON BENCHMARKS_MD
//   RESULTS    lines `BENCH <name> <per-second> <median-ns>`, `SIGNATURE <name> <sig>`,
//              `FAILED <name> <reason>` (a benchmark that could not run)
//   META_JSON  {date, commit, dirty, nproc, cpu, shaNi, kernel, loadBefore, loadAfter, pinned,
//              tools: {name: version}, seconds}
// Exit status: 0, or 1 when a benchmark failed or two surfaces produced different signatures.
// A missed target is reported, never an error: benchmarks are not tests.

const fs = require('fs');

const [resultsPath, metaPath, mdPath] = process.argv.slice(2);
const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8'));
// Each benchmark may run in several rounds (`ROUND n` lines): the best round (highest rate) is
// quoted, every round's figure is listed.
const results = new Map();
const signatures = new Map();
const failures = new Map();
for (const line of fs.readFileSync(resultsPath, 'utf8').split('\n')) {
  const f = line.trim().split(/\s+/);
  if (f[0] === 'BENCH' && f.length === 4) {
    const r = { perSec: Number(f[2]), ns: Number(f[3]) };
    const prev = results.get(f[1]);
    const rounds = prev ? [...prev.rounds, r.perSec] : [r.perSec];
    results.set(f[1], !prev || r.perSec > prev.perSec ? { ...r, rounds } : { ...prev, rounds });
  } else if (f[0] === 'SIGNATURE' && f.length === 3) {
    // Any round's signature that differs is a mismatch.
    if (!signatures.has(f[1]) || signatures.get(f[1]) === f[2]) signatures.set(f[1], f[2]);
    else signatures.set(f[1], 'differs between rounds');
  } else if (f[0] === 'FAILED') failures.set(f[1], f.slice(2).join(' '));
}

// Rows in order: [name, what it measures]. Diagnostics come after a separator.
const ROWS = [
  ['node_reference', 'Node: `sign()` of tests/reference/reference.js (querystring + crypto + Buffer)'],
  ['bare_limit', 'Rust: keyed HMAC-SHA1 state cloned, run over the same bytes, then Base64 (the base64 crate\'s vector engine); nothing else'],
  ['rust_signer', 'Rust: `Signer::sign_at` (returns a new String)'],
  ['rust_signer_into', 'Rust: `Signer::sign_at_into` (reuses the caller\'s String)'],
  ['rust_fresh_key', 'Rust: `Signer::new` + `sign_at` each time (key derived per call)'],
  ['rust_decode', 'Rust: `decode` of the signature (no key)'],
  ['rust_verify', 'Rust: `Verifier::verify` (decode + MAC + window)'],
  ['c_signer', 'C ABI: `vodsign_signer_sign_at` into a stack buffer'],
  ['swift_uniffi', 'Swift: generated uniffi binding, `PreparedSigner.signAt` on a `Signer.prepare(options:)` made once (-O)'],
  ['kotlin_fast', 'Kotlin: fast path `FastSigner.signAt(SignOptions, ...)` (JNA direct mapping of the C ABI)'],
  ['kotlin_uniffi', 'Kotlin: generated uniffi/JNA binding, `Signer.signAt` (options record built once)'],
];
const DIAGNOSTICS = [
  ['rust_signer_no_options', 'Rust `Signer::sign_at` with `Options::new()` (nothing optional): compare with the bindings\' `_no_options` rows'],
  ['kotlin_fast_prepared', 'Kotlin fast path with a `FastOptions` converted beforehand'],
  ['kotlin_fast_new_record', 'Kotlin fast path with a new (equal) `SignOptions` each call: converted each call'],
  ['kotlin_uniffi_no_options', 'Kotlin uniffi `signAt` with `SignOptions()` (nothing optional)'],
  ['kotlin_uniffi_secret_id', 'Kotlin uniffi `secretId()`: no argument, a short string back'],
  ['kotlin_uniffi_unix_now', 'Kotlin uniffi `unixNow()`: no argument, an integer back'],
  ['kotlin_uniffi_decode', 'Kotlin uniffi `decode(signature)`'],
  ['kotlin_jna_call_status', 'Kotlin: allocating a JNA Structure shaped like uniffi\'s call status (one per uniffi native call)'],
  ['kotlin_jna_memory', 'Kotlin: allocating `com.sun.jna.Memory(24)` (malloc + JNA cleaner registration)'],
  ['swift_uniffi_record', 'Swift uniffi `signAt` with the `SignOptions` record: converted (Swift to Rust) on each call'],
  ['swift_uniffi_no_options', 'Swift uniffi `signAt` with `SignOptions()`'],
  ['swift_uniffi_prepared_no_options', 'Swift uniffi `PreparedSigner.signAt` prepared with `SignOptions()`: compare with `rust_signer_no_options` for the fixed cost of the call'],
  ['swift_uniffi_secret_id', 'Swift uniffi `secretId()`'],
];
const SIGNING = new Set(['node_reference', 'bare_limit', 'rust_signer', 'rust_signer_into', 'rust_fresh_key',
  'c_signer', 'swift_uniffi', 'kotlin_fast', 'kotlin_uniffi', 'kotlin_fast_prepared', 'kotlin_fast_new_record',
  'swift_uniffi_record']);

const node = results.get('node_reference');
const bare = results.get('bare_limit');
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const fmtNs = (n) => (n >= 10000 ? fmtInt(n) : n.toFixed(1));
const ratio = (a, b) => (a && b ? (a.perSec / b.perSec).toFixed(a.perSec / b.perSec >= 10 ? 1 : 2) : 'n/a');

const fmtK = (n) => `${Math.round(n / 1000).toLocaleString('en-US')}k`;

function table(rows, markdown) {
  const head = ['benchmark', 'per second', 'ns/op', 'x Node', 'x bare limit', 'each round (per second)'];
  const body = [];
  for (const [name] of rows) {
    const r = results.get(name);
    if (r) {
      const signing = SIGNING.has(name);
      body.push([name, fmtInt(r.perSec), fmtNs(r.ns), signing ? ratio(r, node) : '-', signing ? ratio(r, bare) : '-',
        r.rounds.map(fmtK).join(' / ')]);
    } else if (failures.has(name)) {
      body.push([name, 'not measured', '', '', '', '']);
    }
  }
  if (markdown) {
    return [`| ${head.join(' | ')} |`, '|---|--:|--:|--:|--:|--:|', ...body.map((r) => `| \`${r[0]}\` | ${r.slice(1).join(' | ')} |`)].join('\n');
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

// Targets, each against figures of this same run.
function target(label, value, threshold, unit, detail) {
  if (value === undefined || Number.isNaN(value)) return { label, status: 'not measured', text: detail || 'a figure is missing' };
  const met = value >= threshold;
  return { label, status: met ? 'met' : 'NOT met', text: `${unit(value)} (target ${unit(threshold)})${detail ? `; ${detail}` : ''}` };
}
const get = (n) => results.get(n);
const per = (a, b) => (get(a) && get(b) ? get(a).perSec / get(b).perSec : undefined);
const times = (v) => `${v.toFixed(v < 10 ? 3 : 1)}x`;
const perSecond = (v) => `${fmtInt(v)}/s`;
const targets = [
  target('Rust Signer >= 10x the Node reference', per('rust_signer', 'node_reference'), 10, times,
    get('rust_signer_into') && node ? `sign_at_into: ${times(get('rust_signer_into').perSec / node.perSec)}` : ''),
  target('Rust Signer >= 0.75 of the bare limit', per('rust_signer', 'bare_limit'), 0.75, times,
    get('rust_signer_into') && bare ? `sign_at_into: ${times(get('rust_signer_into').perSec / bare.perSec)}` : ''),
  target('C ABI >= 0.9 of the Rust Signer', per('c_signer', 'rust_signer'), 0.9, times),
  target('Swift >= 0.6 of the Rust Signer', per('swift_uniffi', 'rust_signer'), 0.6, times),
  target('decode >= 2 million/s', get('rust_decode') && get('rust_decode').perSec, 2e6, perSecond),
  target('Kotlin >= 300 thousand/s per core', get('kotlin_fast') && get('kotlin_fast').perSec, 3e5, perSecond,
    get('kotlin_uniffi') ? `fast path; the generated uniffi binding: ${perSecond(get('kotlin_uniffi').perSec)}` : 'fast path'),
];

// Every surface must have produced the Node reference's signature.
const want = signatures.get('node_reference');
const mismatches = [...signatures].filter(([, s]) => want !== undefined && s !== want).map(([n]) => n);

const mainTable = table(ROWS, false);
const diagTable = table(DIAGNOSTICS, false);
process.stdout.write(`\n${mainTable}\n`);
if (DIAGNOSTICS.some(([n]) => results.has(n))) process.stdout.write(`\ndiagnostics:\n${diagTable}\n`);
process.stdout.write('\ntargets (this run):\n');
for (const t of targets) process.stdout.write(`  ${t.status.padEnd(12)} ${t.label}: ${t.text}\n`);
for (const [n, why] of failures) process.stdout.write(`  FAILED ${n}: ${why}\n`);
if (mismatches.length) process.stdout.write(`  SIGNATURES DIFFER from the Node reference: ${mismatches.join(', ')}\n`);

// BENCHMARKS.md
const load = (l) => (l ? `${l.join(', ')} (1, 5, 15 min)` : 'unknown');
const md = [];
md.push('<!-- bench:begin: generated by `./build.sh bench` (benches/report.js); edit outside the markers -->');
md.push(`## Latest run: ${meta.date}`);
md.push('');
md.push(`- Commit: \`${meta.commit}\`${meta.dirty ? ' plus uncommitted changes in the working tree' : ''}`);
md.push(`- Machine: ${meta.nproc} cores online, ${meta.cpu}; SHA-NI ${meta.shaNi ? 'present' : 'absent'}; ${meta.kernel}`);
md.push(`- Load average before the run: ${load(meta.loadBefore)}; after: ${load(meta.loadAfter)}${meta.waited ? ` (waited ${meta.waited} s for it to settle)` : ''}`);
md.push(`- ${meta.pinned ? 'Every benchmark pinned to core 0 (`taskset -c 0`), so each figure is per core' : 'Not pinned (taskset missing): figures are per process, not strictly per core'}; inputs: \`benches/inputs.json\`; ${meta.rounds} round(s), each benchmark's best round quoted (the diagnostics run in round 1 only); ${meta.seconds} s in all`);
md.push(`- Tools: ${Object.entries(meta.tools).map(([k, v]) => `${k} ${v}`).join('; ')}`);
md.push('');
md.push(table(ROWS, true));
md.push('');
md.push('`per second` and `ns/op`: the median of 9 samples, from the best round. `x Node` and `x bare limit` divide this row\'s rate by theirs (signing rows only).');
if (DIAGNOSTICS.some(([n]) => results.has(n))) {
  md.push('');
  md.push('Diagnostics (where the binding time goes; same method):');
  md.push('');
  md.push(table(DIAGNOSTICS, true));
}
md.push('');
md.push('| target | this run | status |');
md.push('|---|---|---|');
for (const t of targets) md.push(`| ${t.label} | ${t.text} | ${t.status === 'met' ? 'met' : `**${t.status}**`} |`);
if (failures.size || mismatches.length) {
  md.push('');
  for (const [n, why] of failures) md.push(`- **${n} could not run**: ${why}`);
  if (mismatches.length) md.push(`- **Signatures differ from the Node reference**: ${mismatches.join(', ')}`);
}
md.push('');
md.push('Rows:');
md.push('');
for (const [n, what] of [...ROWS, ...DIAGNOSTICS]) if (results.has(n) || failures.has(n)) md.push(`- \`${n}\`: ${what}`);
md.push('<!-- bench:end -->');
const generated = md.join('\n');

const BEGIN = /<!-- bench:begin[^]*?<!-- bench:end -->/;
let doc;
if (fs.existsSync(mdPath) && BEGIN.test(fs.readFileSync(mdPath, 'utf8'))) {
  doc = fs.readFileSync(mdPath, 'utf8').replace(BEGIN, () => generated);
} else {
  doc = `# Benchmarks\n\nReproduce with \`./build.sh bench\` (about 3 minutes; see scripts/bench.sh).\n\n${generated}\n`;
}
fs.writeFileSync(mdPath, doc);
process.stdout.write(`\nwrote ${mdPath}\n`);
process.exit(failures.size || mismatches.length ? 1 : 0);
