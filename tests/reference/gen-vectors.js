#!/usr/bin/env node
'use strict';
// Deterministic generator of tests/vectors/{sign,decode,verify}.json from the
// independent Node reference (reference.js: Node's querystring and crypto).
//
//   node tests/reference/gen-vectors.js           write the three files
//   node tests/reference/gen-vectors.js --check   regenerate in memory and compare with the
//                                                 committed files; exit 1 on any difference
//
// No clock, no Math.random: every input is written out below.
// Sign expectations come from reference.sign()/check(). Decode expectations for accepted
// signatures come from what this file encoded (the pairs it put in, in the byte style of
// another encoder); refusals are written by hand. Everything is cross-checked against the
// reference decoder/verifier, and any disagreement aborts generation.

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const querystring = require('querystring');
const ref = require('./reference.js');

const OUT_DIR = path.join(__dirname, '..', 'vectors');

const ID = 'IamSecretId';
const KEY = 'IamSecretKey';
const T0 = 1571215095;
const T1 = T0 + 86400;
const R = 220625;
const SEED_SIGNATURE = 'j3IeOdRPWwKegeytZdde4djeEStzZWNyZXRJZD1JYW1TZWNyZXRJZCZjdXJyZW50VGltZVN0YW1wPTE1NzEyMTUwOTUmZXhwaXJlVGltZT0xNTcxMzAxNDk1JnJhbmRvbT0yMjA2MjUmcHJvY2VkdXJlPSZjbGFzc0lkPTAmb25lVGltZVZhbGlkPTAmc291cmNlQ29udGV4dD0=';
const PY_SAMPLE_SIGNATURE = 'aG6ZX3aZf+6tg/yRDZdRSNtM39lzZWNyZXRJZD1JYW1TZWNyZXRJZCZjdXJyZW50VGltZVN0YW1wPTE1NzEyMTUwOTUmZXhwaXJlVGltZT0xODg2NTc1MDk1JnJhbmRvbT0yMjA2MjU=';
const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const NON_ASCII_KEY = '密钥🔑-secret';
const LONG_KEY = 'K'.repeat(50) + '0123456789'.repeat(5); // 100 bytes, longer than the SHA-1 block

function fail(msg) {
  throw new Error('gen-vectors: ' + msg);
}
function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}
function req(extra) {
  return Object.assign({ secretId: ID, currentTimeStamp: T0, expireTime: T1, random: R }, extra || {});
}
function seedParams() {
  return req({ procedure: '', classId: 0, oneTimeValid: 0, sourceContext: '' });
}

// ---------------------------------------------------------------------------
// Encoders in the byte styles of other signers. Everything escaped is UTF-8 %XX, uppercase.

function pct(s, unreserved, space) {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (b < 0x80 && unreserved.test(c)) out += c;
    else if (b === 0x20 && space) out += space;
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
const ENC = {
  node: (s) => querystring.escape(s), // A-Za-z0-9 -_.!~*'() ; space %20
  php: (s) => pct(s, /[A-Za-z0-9\-_.]/, '+'), // http_build_query / urlencode
  python: (s) => pct(s, /[A-Za-z0-9_.\-~]/, '+'), // urlencode(quote_via=quote_plus)
  java: (s) => pct(s, /[A-Za-z0-9.\-*_]/, '+'), // URLEncoder.encode
  csharp: (s) => pct(s, /[A-Za-z0-9\-._~]/, null), // Uri.EscapeDataString, space %20
  go: (s) => pct(s, /[A-Za-z0-9\-_.~]/, '+'), // url.Values.Encode
  raw: (s) => s, // Go / Python doc samples: plain concatenation
  lower: (s) => querystring.escape(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  all: (s) => pct(s, /(?!)/, null), // every byte escaped
};

// pairs: [key, value, style?]; returns the query string.
function query(pairs, style) {
  return pairs.map(([k, v, st]) => {
    const e = ENC[st || style || 'node'];
    return e(k) + '=' + e(String(v));
  }).join('&');
}
function hmac(key, bytes) {
  return crypto.createHmac('sha1', key).update(bytes).digest();
}
function sigOf(original, key) {
  const bytes = Buffer.isBuffer(original) ? original : Buffer.from(original, 'utf8');
  return Buffer.concat([hmac(key || KEY, bytes), bytes]).toString('base64');
}
function reqPairs(over) {
  const o = Object.assign({ secretId: ID, currentTimeStamp: T0, expireTime: T1, random: R }, over || {});
  return Object.entries(o);
}

// ---------------------------------------------------------------------------
// sign.json

const signCases = [];
function signCase(name, params, expectError, secretKey) {
  const key = secretKey === undefined ? KEY : secretKey;
  const e = ref.check(params);
  if (!same(e, expectError || null)) fail(`sign ${name}: check() gives ${JSON.stringify(e)}, expected ${JSON.stringify(expectError || null)}`);
  const c = { name, secretKey: key, params };
  if (e) {
    c.error = e;
  } else {
    const s = ref.sign(key, params);
    c.original = s.original;
    c.signature = s.signature;
    // Cross-check: the reference decoder reads back exactly the set parameters in canonical order.
    const d = ref.decode(s.signature);
    const want = ref.CANONICAL.filter((k) => params[k] !== undefined).map((k) => [k, String(params[k])]);
    if (d.error || !same(d.params, want)) fail(`sign ${name}: round trip gives ${JSON.stringify(d)}`);
    const v = ref.verify(s.signature, key, params.currentTimeStamp, 0);
    if (!v.valid) fail(`sign ${name}: does not verify: ${JSON.stringify(v)}`);
  }
  signCases.push(c);
  return c;
}
const IP = (param) => ({ code: 'invalid_parameter', param });

{
  const seed = signCase('seed-defaults', seedParams());
  if (seed.signature !== SEED_SIGNATURE) fail('known answer mismatch: ' + seed.signature);
  if (ref.sampleSignature(ID, KEY, T0, R) !== SEED_SIGNATURE) fail('sampleSignature does not give the known answer');
}
signCase('required-only', req());
signCase('params-json-order-scrambled', {
  storageRegion: 'ap-guangzhou', sessionContext: 'sess', vodSubAppId: 1500000001, taskNotifyMode: 'None',
  taskPriority: 1, sourceContext: 'src', oneTimeValid: 1, classId: 7, procedure: 'proc',
  random: R, expireTime: T1, currentTimeStamp: T0, secretId: ID,
});
// Each optional parameter alone.
signCase('only-procedure', req({ procedure: 'QCVB_SimpleProcessFile' }));
signCase('only-procedure-empty', req({ procedure: '' }));
signCase('only-classId', req({ classId: 1024 }));
signCase('only-classId-0', req({ classId: 0 }));
signCase('only-oneTimeValid-0', req({ oneTimeValid: 0 }));
signCase('only-oneTimeValid-1', req({ oneTimeValid: 1 }));
signCase('only-sourceContext', req({ sourceContext: 'user-42' }));
signCase('only-sourceContext-empty', req({ sourceContext: '' }));
signCase('only-taskPriority', req({ taskPriority: 5 }));
signCase('only-taskPriority-0', req({ taskPriority: 0 }));
signCase('only-taskNotifyMode-Finish', req({ taskNotifyMode: 'Finish' }));
signCase('only-taskNotifyMode-Change', req({ taskNotifyMode: 'Change' }));
signCase('only-taskNotifyMode-None', req({ taskNotifyMode: 'None' }));
signCase('only-vodSubAppId', req({ vodSubAppId: 1500014561 }));
signCase('only-vodSubAppId-0', req({ vodSubAppId: 0 }));
signCase('only-sessionContext', req({ sessionContext: 'session-7' }));
signCase('only-sessionContext-empty', req({ sessionContext: '' }));
signCase('only-storageRegion', req({ storageRegion: 'ap-chongqing' }));
signCase('only-storageRegion-empty', req({ storageRegion: '' }));
const ALL_PARAMS = req({
  procedure: 'QCVB_SimpleProcessFile({1,1,1,1})', classId: 1001, oneTimeValid: 1,
  sourceContext: 'user=42&file=a b.mp4', taskPriority: -3, taskNotifyMode: 'Change',
  vodSubAppId: 1500014561, sessionContext: '{"uid":42,"tag":"中文"}', storageRegion: 'ap-chongqing',
});
signCase('all-parameters', ALL_PARAMS);
// String contents.
signCase('cjk', req({ procedure: '转码流程', sourceContext: '中文上下文', sessionContext: '日本語テキスト/한국어' }));
signCase('emoji-astral', req({ sourceContext: '😀🎬🇨🇳', sessionContext: '𝄞 music' }));
signCase('combining-marks', req({ sourceContext: 'e\u0301 n\u0303 a\u030a\u0323', procedure: 'Cafe\u0301' }));
{
  let ascii = '';
  for (let c = 0x20; c <= 0x7e; c++) ascii += String.fromCharCode(c);
  signCase('ascii-printable-all', req({ procedure: ascii, sessionContext: ascii }));
}
signCase('control-characters', req({ sessionContext: 'line1\nline2\r\n\ttabbed\u007f' }));
signCase('secretId-special-characters', req({ secretId: 'AKID+/=&?#% 中😀' }));
signCase('percent-and-plus-literals', req({ procedure: 'a+b%20c%%', sourceContext: '100%' }));
for (const ch of ' !"#$%&\'()*+,/:;<=>?@[\\]^`{|}~') {
  const hex = ch.codePointAt(0).toString(16).padStart(4, '0');
  signCase(`reserved-u${hex}`, req({ sourceContext: `a${ch}b` }));
}
// Length limits (code points, not UTF-16 units, not bytes).
signCase('sourceContext-250-ascii', req({ sourceContext: 'a'.repeat(250) }));
signCase('sourceContext-251-ascii', req({ sourceContext: 'a'.repeat(251) }), IP('sourceContext'));
signCase('sourceContext-250-astral', req({ sourceContext: '😀'.repeat(250) }));
signCase('sourceContext-251-astral', req({ sourceContext: '😀'.repeat(251) }), IP('sourceContext'));
signCase('sourceContext-250-with-one-astral', req({ sourceContext: 'a'.repeat(249) + '𝄞' }));
signCase('sourceContext-250-cjk', req({ sourceContext: '中'.repeat(250) }));
signCase('sessionContext-1000-ascii', req({ sessionContext: 'b'.repeat(1000) }));
signCase('sessionContext-1001-ascii', req({ sessionContext: 'b'.repeat(1001) }), IP('sessionContext'));
signCase('sessionContext-1000-astral', req({ sessionContext: '🎬'.repeat(1000) }));
signCase('sessionContext-1001-astral', req({ sessionContext: '🎬'.repeat(1001) }), IP('sessionContext'));
signCase('sessionContext-1000-combining', req({ sessionContext: 'e\u0301'.repeat(500) }));
// Validity.
signCase('validity-7776000', req({ expireTime: T0 + 7776000 }));
signCase('validity-7776001', req({ expireTime: T0 + 7776001 }), { code: 'validity_too_long' });
signCase('validity-1', req({ expireTime: T0 + 1 }));
signCase('expireTime-equals-currentTimeStamp', req({ expireTime: T0 }), IP('expireTime'));
signCase('expireTime-before-currentTimeStamp', req({ expireTime: T0 - 1 }), IP('expireTime'));
signCase('currentTimeStamp-0', req({ currentTimeStamp: 0, expireTime: 86400 }));
signCase('currentTimeStamp-negative', req({ currentTimeStamp: -1, expireTime: 86400 }), IP('currentTimeStamp'));
// random.
signCase('random-0', req({ random: 0 }));
signCase('random-4294967295', req({ random: 4294967295 }));
signCase('random-4294967296', req({ random: 4294967296 }), IP('random'));
signCase('random-negative', req({ random: -1 }), IP('random'));
// taskPriority, taskNotifyMode, oneTimeValid.
signCase('taskPriority-minus-10', req({ taskPriority: -10 }));
signCase('taskPriority-10', req({ taskPriority: 10 }));
signCase('taskPriority-minus-11', req({ taskPriority: -11 }), IP('taskPriority'));
signCase('taskPriority-11', req({ taskPriority: 11 }), IP('taskPriority'));
signCase('taskNotifyMode-lowercase', req({ taskNotifyMode: 'finish' }), IP('taskNotifyMode'));
signCase('taskNotifyMode-empty', req({ taskNotifyMode: '' }), IP('taskNotifyMode'));
signCase('taskNotifyMode-unknown', req({ taskNotifyMode: 'Always' }), IP('taskNotifyMode'));
signCase('oneTimeValid-2', req({ oneTimeValid: 2 }), IP('oneTimeValid'));
signCase('oneTimeValid-negative', req({ oneTimeValid: -1 }), IP('oneTimeValid'));
// secretId.
signCase('secretId-empty', req({ secretId: '' }), IP('secretId'));
// classId / vodSubAppId.
signCase('classId-max-safe', req({ classId: MAX_SAFE }));
signCase('classId-negative', req({ classId: -1 }), IP('classId'));
signCase('vodSubAppId-max-safe', req({ vodSubAppId: MAX_SAFE }));
signCase('vodSubAppId-negative', req({ vodSubAppId: -1 }), IP('vodSubAppId'));
// storageRegion.
signCase('storageRegion-three-parts', req({ storageRegion: 'ap-chongqing-1' }));
signCase('storageRegion-na-siliconvalley', req({ storageRegion: 'na-siliconvalley' }));
signCase('storageRegion-64-chars', req({ storageRegion: 'ap-' + 'x'.repeat(61) }));
signCase('storageRegion-65-chars', req({ storageRegion: 'ap-' + 'x'.repeat(62) }), IP('storageRegion'));
signCase('storageRegion-uppercase', req({ storageRegion: 'AP-Chongqing' }), IP('storageRegion'));
signCase('storageRegion-space', req({ storageRegion: 'ap chongqing' }), IP('storageRegion'));
signCase('storageRegion-no-dash', req({ storageRegion: 'chongqing' }), IP('storageRegion'));
signCase('storageRegion-trailing-dash', req({ storageRegion: 'ap-' }), IP('storageRegion'));
signCase('storageRegion-leading-dash', req({ storageRegion: '-ap-chongqing' }), IP('storageRegion'));
signCase('storageRegion-underscore', req({ storageRegion: 'ap_chongqing' }), IP('storageRegion'));
signCase('storageRegion-digit-first', req({ storageRegion: '1ap-chongqing' }), IP('storageRegion'));
// Error order: first offending parameter in canonical order, then the timestamp relation, then validity.
signCase('order-secretId-before-random', req({ secretId: '', random: -1 }), IP('secretId'));
signCase('order-sourceContext-before-taskPriority', req({ sourceContext: 'a'.repeat(251), taskPriority: 11 }), IP('sourceContext'));
signCase('order-parameter-before-timestamps', req({ expireTime: T0, taskPriority: 11 }), IP('taskPriority'));
signCase('order-storageRegion-before-validity', req({ expireTime: T0 + 7776001, storageRegion: 'AP' }), IP('storageRegion'));
// Keys.
signCase('key-non-ascii', req(), undefined, NON_ASCII_KEY);
signCase('key-longer-than-block', req(), undefined, LONG_KEY);

// ---------------------------------------------------------------------------
// decode.json

const decodeCases = [];
function decodeCase(name, signature, expected) {
  const got = ref.decode(signature);
  if (!same(got, expected)) fail(`decode ${name}: reference decoder gives ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  decodeCases.push(Object.assign({ name, signature }, expected));
}
// An accepted case built by encoding `pairs` in `style`; expected params are the pairs themselves
// (or `expectPairs` where the encoding is lossy, such as a raw '+'), expected warnings
// `warnings` (none unless given), both cross-checked with the reference decoder.
function decodeBuilt(name, pairs, style, opts) {
  const o = opts || {};
  const original = o.original !== undefined ? o.original : query(pairs, style);
  const signature = sigOf(original, o.key);
  const expectPairs = o.expectPairs || pairs.map(([k, v]) => [k, String(v)]);
  decodeCase(name, signature, {
    mac: hmac(o.key || KEY, Buffer.from(original, 'utf8')).toString('hex'),
    original,
    params: expectPairs,
    warnings: o.warnings || [],
  });
  return signature;
}
// A refused case: original is a string (UTF-8) or a Buffer of raw bytes.
function decodeRefused(name, original, code, param) {
  decodeCase(name, sigOf(original), { error: param === undefined ? { code } : { code, param } });
}
function decodeRefusedSig(name, signature, code, param) {
  decodeCase(name, signature, { error: param === undefined ? { code } : { code, param } });
}
const SEED_ORIGINAL = query(Object.entries(seedParams()));

decodeBuilt('seed-defaults', Object.entries(seedParams()), 'node');
decodeBuilt('node-all-parameters', Object.entries(ALL_PARAMS), 'node');
{
  const vals = reqPairs({ secretId: 'AKID~test' }).concat([
    ['procedure', "it's (a) *test*!"], ['sourceContext', 'a b~c/中'],
  ]);
  decodeBuilt('php-http-build-query-style', vals, 'php');
  decodeBuilt('python-urlencode-style', vals, 'python');
  decodeBuilt('go-url-values-style-sorted', vals.slice().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)), 'go');
  decodeBuilt('escape-every-byte', vals, 'all');
}
{
  const sid = 'AKID/x+y=z 中~*';
  decodeBuilt('java-sample-style', reqPairs({ secretId: sid }).map(([k, v]) => [k, v, k === 'secretId' ? 'java' : 'raw']));
  decodeBuilt('csharp-sample-style', reqPairs({ secretId: sid }).map(([k, v]) => [k, v, k === 'secretId' ? 'csharp' : 'raw']));
}
{
  const py = decodeBuilt('python-sample-10-year-validity', reqPairs({ expireTime: T0 + 86400 * 365 * 10 }), 'raw', { warnings: ['validity_too_long'] });
  if (py !== PY_SAMPLE_SIGNATURE) fail('Python-sample signature mismatch: ' + py);
}
decodeBuilt('go-sample-raw-utf8', reqPairs().concat([['procedure', '上传后处理'], ['sourceContext', '😀']]), 'raw');
const SCF_PAIRS = [
  ['secretId', 'AKIDfNq39ztnmammW0L9qodDbknaR7YkLO3U'], ['currentTimeStamp', 1588588023],
  ['expireTime', 1588588623], ['random', 150778], ['classId', 0], ['oneTimeValid', 0], ['vodSubAppId', 0],
];
const SCF_SIGNATURE = decodeBuilt('scf-demo-order', SCF_PAIRS, 'python');
decodeBuilt('short-video-demo-order', reqPairs().concat([
  ['sourceContext', 'ctx 1'], ['sessionContext', 'ctx 1'], ['procedure', 'LongVideoPreset'],
]), 'node');
decodeBuilt('reordered-parameters', [
  ['random', R], ['storageRegion', 'ap-chongqing'], ['expireTime', T1], ['classId', 3],
  ['secretId', ID], ['taskPriority', 10], ['currentTimeStamp', T0], ['taskNotifyMode', 'Finish'],
], 'node');
decodeBuilt('lowercase-hex', reqPairs().concat([['sourceContext', '中文 /?&=😀']]), 'lower');
decodeBuilt('mixed-case-hex', reqPairs().concat([['sourceContext', '中中']]), 'node', {
  original: query(reqPairs(), 'node') + '&sourceContext=%e4%B8%aD%E4%b8%Ad',
});
decodeBuilt('unknown-keys-kept', reqPairs().concat([
  ['isTranscode', '1'], ['isScreenshot', '0'], ['tag.n', 'x y'], ['键 key', '值'],
]), 'node', { warnings: ['unknown_parameter', 'unknown_parameter', 'unknown_parameter', 'unknown_parameter'] });
decodeBuilt('empty-segments-skipped', Object.entries(seedParams()), 'node', {
  original: '&&' + SEED_ORIGINAL.split('&').join('&&') + '&',
});
decodeBuilt('key-without-equals', reqPairs().concat([['procedure', ''], ['flag', '']]), 'node', {
  original: query(reqPairs(), 'node') + '&procedure&flag', warnings: ['unknown_parameter'],
});
decodeBuilt('value-containing-equals', reqPairs().concat([['sourceContext', 'a=b==c'], ['x', '=']]), 'raw', { warnings: ['unknown_parameter'] });
decodeBuilt('plus-is-space', [
  ['secretId', 'AKID abc'], ['currentTimeStamp', String(T0)], ['expireTime', String(T1)], ['random', String(R)],
  ['source Context', 'x y'], ['procedure', 'a+b'],
], 'node', {
  original: `secretId=AKID+abc&currentTimeStamp=${T0}&expireTime=${T1}&random=${R}&source+Context=x+y&procedure=a%2Bb`,
  warnings: ['unknown_parameter'],
});
decodeBuilt('semicolon-is-not-a-separator', reqPairs({ secretId: 'AKID;x=1' }), 'raw');
decodeBuilt('byte-order-mark-in-value', reqPairs().concat([['sourceContext', '\uFEFFbom']]), 'node');
decodeBuilt('random-4294967296', reqPairs({ random: 4294967296 }), 'node');
decodeBuilt('random-0', reqPairs({ random: 0 }), 'node');
decodeBuilt('random-leading-zeros', reqPairs({ random: '000220625' }), 'raw');
decodeBuilt('expireTime-equals-currentTimeStamp-decodes', reqPairs({ expireTime: T0 }), 'raw', { warnings: ['expire_not_after_current'] });
decodeBuilt('expireTime-before-currentTimeStamp-decodes', reqPairs({ expireTime: T0 - 100 }), 'raw', { warnings: ['expire_not_after_current'] });
decodeBuilt('limits-accepted', reqPairs().concat([
  ['taskPriority', -10], ['classId', MAX_SAFE], ['vodSubAppId', MAX_SAFE], ['oneTimeValid', 1],
  ['sourceContext', '😀'.repeat(250)], ['sessionContext', '中'.repeat(1000)], ['storageRegion', ''],
]), 'node');
decodeBuilt('taskPriority-10', reqPairs().concat([['taskPriority', 10]]), 'raw');
// Warnings: what the server would refuse, reported by a successful decode.
decodeBuilt('warning-validity-90-days-plus-1', reqPairs({ expireTime: T0 + 7776001 }), 'node', { warnings: ['validity_too_long'] });
decodeBuilt('warning-none-at-exactly-90-days', reqPairs({ expireTime: T0 + 7776000 }), 'node');
decodeBuilt('warning-go-sample-10-year-validity-with-unknown-keys', reqPairs({ expireTime: T0 + 86400 * 365 * 10 }).concat([
  ['isTranscode', '0'], ['isWatermark', '0'],
]), 'raw', { warnings: ['validity_too_long', 'unknown_parameter', 'unknown_parameter'] });
decodeBuilt('warning-window-before-earlier-unknown-key', [['uid', '42']].concat(reqPairs({ expireTime: T0 - 1 })), 'node', {
  warnings: ['expire_not_after_current', 'unknown_parameter'],
});
decodeBuilt('warning-unknown-keys-in-order-of-appearance', [['a', '1']].concat(reqPairs(), [['Procedure', 'x'], ['', 'empty key'], ['classid', '3']]), 'node', {
  warnings: ['unknown_parameter', 'unknown_parameter', 'unknown_parameter', 'unknown_parameter'],
});
decodeBuilt('warning-none-for-every-documented-parameter', Object.entries(ALL_PARAMS), 'python');
// An empty optional integer is accepted, kept as written, and means "not set".
decodeBuilt('meedu-empty-vodSubAppId', reqPairs().concat([['vodSubAppId', '']]), 'php');
{
  // The documented Node sample with a caller passing null: querystring gives `classId=`.
  const pairs = reqPairs().concat([['procedure', ''], ['classId', ''], ['oneTimeValid', 0], ['sourceContext', '']]);
  const original = querystring.stringify(Object.assign(Object.fromEntries(reqPairs()), { procedure: '', classId: null, oneTimeValid: 0, sourceContext: '' }));
  decodeBuilt('node-sample-null-classId', pairs, 'node', { original });
}
decodeBuilt('empty-optional-integers', reqPairs().concat([
  ['classId', ''], ['oneTimeValid', ''], ['taskPriority', ''], ['vodSubAppId', ''],
]), 'raw');
decodeBuilt('empty-optional-integers-without-equals', reqPairs().concat([
  ['classId', ''], ['oneTimeValid', ''], ['taskPriority', ''], ['vodSubAppId', ''],
]), 'raw', { original: query(reqPairs(), 'raw') + '&classId&oneTimeValid&taskPriority&vodSubAppId' });
{
  // Flip one MAC bit of the seed signature: decoding does not look at the MAC.
  const raw = Buffer.from(SEED_SIGNATURE, 'base64');
  raw[0] ^= 0x01;
  const sig = raw.toString('base64');
  decodeCase('tampered-mac-still-decodes', sig, {
    mac: raw.subarray(0, 20).toString('hex'), original: SEED_ORIGINAL,
    params: Object.entries(seedParams()).map(([k, v]) => [k, String(v)]),
    warnings: [],
  });
}
const Q = query(reqPairs(), 'raw'); // required parameters, plain
// Integer syntax and ranges.
decodeRefused('currentTimeStamp-fractional', `secretId=${ID}&currentTimeStamp=1588588023.5&expireTime=1588588623&random=150778`, 'not_an_integer', 'currentTimeStamp');
decodeRefused('random-empty', `secretId=${ID}&currentTimeStamp=${T0}&expireTime=${T1}&random=`, 'not_an_integer', 'random');
decodeRefused('expireTime-empty', `secretId=${ID}&currentTimeStamp=${T0}&expireTime=&random=${R}`, 'not_an_integer', 'expireTime');
decodeRefused('currentTimeStamp-empty', `secretId=${ID}&currentTimeStamp=&expireTime=${T1}&random=${R}`, 'not_an_integer', 'currentTimeStamp');
decodeRefused('currentTimeStamp-no-equals', `secretId=${ID}&currentTimeStamp&expireTime=${T1}&random=${R}`, 'not_an_integer', 'currentTimeStamp');
decodeRefused('currentTimeStamp-negative', `secretId=${ID}&currentTimeStamp=-${T0}&expireTime=${T1}&random=${R}`, 'invalid_parameter', 'currentTimeStamp');
decodeRefused('currentTimeStamp-exponent', `secretId=${ID}&currentTimeStamp=1e9&expireTime=${T1}&random=${R}`, 'not_an_integer', 'currentTimeStamp');
decodeRefused('currentTimeStamp-hex', `secretId=${ID}&currentTimeStamp=0x5DA6A0F7&expireTime=${T1}&random=${R}`, 'not_an_integer', 'currentTimeStamp');
decodeRefused('currentTimeStamp-explicit-plus-sign', `secretId=${ID}&currentTimeStamp=%2B${T0}&expireTime=${T1}&random=${R}`, 'not_an_integer', 'currentTimeStamp');
decodeRefused('expireTime-fractional', `secretId=${ID}&currentTimeStamp=${T0}&expireTime=${T1}.0&random=${R}`, 'not_an_integer', 'expireTime');
decodeRefused('random-leading-space', `secretId=${ID}&currentTimeStamp=${T0}&expireTime=${T1}&random=+${R}`, 'not_an_integer', 'random');
decodeRefused('random-negative', query(reqPairs({ random: -1 }), 'raw'), 'invalid_parameter', 'random');
decodeRefused('random-4294967297', query(reqPairs({ random: 4294967297 }), 'raw'), 'invalid_parameter', 'random');
decodeRefused('classId-negative', `${Q}&classId=-1`, 'invalid_parameter', 'classId');
decodeRefused('vodSubAppId-negative', `${Q}&vodSubAppId=-1`, 'invalid_parameter', 'vodSubAppId');
decodeRefused('vodSubAppId-fractional', `${Q}&vodSubAppId=1.5`, 'not_an_integer', 'vodSubAppId');
decodeRefused('oneTimeValid-2', `${Q}&oneTimeValid=2`, 'invalid_parameter', 'oneTimeValid');
decodeRefused('oneTimeValid-true', `${Q}&oneTimeValid=true`, 'not_an_integer', 'oneTimeValid');
decodeRefused('taskPriority-11', `${Q}&taskPriority=11`, 'invalid_parameter', 'taskPriority');
decodeRefused('taskPriority-minus-11', `${Q}&taskPriority=-11`, 'invalid_parameter', 'taskPriority');
// String rules.
decodeRefused('secretId-empty', `secretId=&currentTimeStamp=${T0}&expireTime=${T1}&random=${R}`, 'invalid_parameter', 'secretId');
decodeRefused('taskNotifyMode-lowercase', `${Q}&taskNotifyMode=finish`, 'invalid_parameter', 'taskNotifyMode');
decodeRefused('storageRegion-uppercase', `${Q}&storageRegion=AP-Chongqing`, 'invalid_parameter', 'storageRegion');
decodeRefused('storageRegion-space', `${Q}&storageRegion=ap+chongqing`, 'invalid_parameter', 'storageRegion');
decodeRefused('sourceContext-251-astral', `${Q}&sourceContext=${ENC.node('😀'.repeat(251))}`, 'invalid_parameter', 'sourceContext');
decodeRefused('sourceContext-251-ascii', `${Q}&sourceContext=${'a'.repeat(251)}`, 'invalid_parameter', 'sourceContext');
decodeRefused('sessionContext-1001', `${Q}&sessionContext=${'b'.repeat(1001)}`, 'invalid_parameter', 'sessionContext');
// Keys.
decodeRefused('duplicate-secretId', `${Q}&secretId=${ID}`, 'duplicate_parameter', 'secretId');
decodeRefused('duplicate-after-unescaping', `${Q}&secret%49d=other`, 'duplicate_parameter', 'secretId');
decodeRefused('duplicate-unknown-key', `${Q}&foo=1&foo=2`, 'duplicate_parameter', 'foo');
decodeRefused('missing-secretId', `currentTimeStamp=${T0}&expireTime=${T1}&random=${R}`, 'missing_parameter', 'secretId');
decodeRefused('missing-currentTimeStamp', `secretId=${ID}&expireTime=${T1}&random=${R}`, 'missing_parameter', 'currentTimeStamp');
decodeRefused('missing-expireTime', `secretId=${ID}&currentTimeStamp=${T0}&random=${R}`, 'missing_parameter', 'expireTime');
decodeRefused('missing-random', `secretId=${ID}&currentTimeStamp=${T0}&expireTime=${T1}`, 'missing_parameter', 'random');
decodeRefused('keys-are-case-sensitive', `SecretId=${ID}&currentTimeStamp=${T0}&expireTime=${T1}&random=${R}`, 'missing_parameter', 'secretId');
decodeRefused('leading-byte-order-mark-is-part-of-key', `\uFEFF${Q}`, 'missing_parameter', 'secretId');
// Escapes and UTF-8.
decodeRefused('bad-escape-G1', `${Q}&sourceContext=%G1`, 'malformed_query');
decodeRefused('bad-escape-in-key', `${Q}&a%G1=1`, 'malformed_query');
decodeRefused('trailing-percent', `${Q}&sourceContext=100%`, 'malformed_query');
decodeRefused('truncated-escape', `${Q}&sourceContext=%2`, 'malformed_query');
decodeRefused('double-percent', `${Q}&sourceContext=%%41`, 'malformed_query');
decodeRefused('escape-FF', `${Q}&sourceContext=%FF`, 'not_utf8');
decodeRefused('escape-overlong', `${Q}&sourceContext=%C0%AF`, 'not_utf8');
decodeRefused('escape-surrogate', `${Q}&sourceContext=%ED%A0%80`, 'not_utf8');
decodeRefused('escape-truncated-sequence', `${Q}&sourceContext=%E4%B8`, 'not_utf8');
decodeRefused('escape-non-utf8-key', `${Q}&%FF=1`, 'not_utf8');
decodeRefused('raw-non-utf8-byte', Buffer.concat([Buffer.from(`${Q}&sourceContext=`), Buffer.from([0xff])]), 'not_utf8');
decodeRefused('raw-truncated-utf8', Buffer.concat([Buffer.from(`${Q}&sourceContext=`), Buffer.from([0xe4, 0xb8])]), 'not_utf8');
// Error order.
decodeRefused('order-raw-utf8-before-escapes', Buffer.concat([Buffer.from(`${Q}&a=%G1&b=`), Buffer.from([0xff])]), 'not_utf8');
decodeRefused('order-not-utf8-segment-first', `${Q}&a=%FF&b=%G1`, 'not_utf8');
decodeRefused('order-malformed-segment-first', `${Q}&a=%G1&b=%FF`, 'malformed_query');
decodeRefused('order-duplicate-before-later-malformed', `${Q}&random=1&a=%G1`, 'duplicate_parameter', 'random');
decodeRefused('order-malformed-before-missing', `currentTimeStamp=${T0}&a=%G1`, 'malformed_query');
decodeRefused('order-duplicate-before-missing', `secretId=a&secretId=b`, 'duplicate_parameter', 'secretId');
decodeRefused('order-missing-before-values', `secretId=&currentTimeStamp=x&random=-1`, 'missing_parameter', 'expireTime');
decodeRefused('order-missing-in-canonical-order', `random=1&expireTime=2`, 'missing_parameter', 'secretId');
decodeRefused('order-values-in-canonical-order', `storageRegion=BAD&random=-1&secretId=${ID}&currentTimeStamp=x&expireTime=${T1}`, 'not_an_integer', 'currentTimeStamp');
decodeRefused('order-random-before-storageRegion', `storageRegion=BAD&random=-1&secretId=${ID}&currentTimeStamp=${T0}&expireTime=${T1}`, 'invalid_parameter', 'random');
// Base64.
{
  const s = SEED_SIGNATURE;
  decodeRefusedSig('base64-invalid-character', '*' + s.slice(1), 'not_base64');
  decodeRefusedSig('base64-url-safe-alphabet', PY_SAMPLE_SIGNATURE.replace(/\+/g, '-').replace(/\//g, '_'), 'not_base64');
  decodeRefusedSig('base64-missing-padding', s.replace(/=+$/, ''), 'not_base64');
  decodeRefusedSig('base64-space-inside', s.slice(0, 40) + ' ' + s.slice(40), 'not_base64');
  decodeRefusedSig('base64-line-break-inside', s.slice(0, 76) + '\n' + s.slice(76), 'not_base64');
  decodeRefusedSig('base64-four-spaces-inside', s.slice(0, 40) + '    ' + s.slice(40), 'not_base64');
  decodeRefusedSig('base64-trailing-newline', s + '\n', 'not_base64');
  decodeRefusedSig('base64-leading-space', ' ' + s, 'not_base64');
  decodeRefusedSig('base64-padding-in-middle', s.slice(0, 2) + '==' + s.slice(4), 'not_base64');
  decodeRefusedSig('base64-extra-padding', s + '====', 'not_base64');
  decodeRefusedSig('base64-length-not-multiple-of-4', s.slice(0, -1), 'not_base64');
}
// Length.
decodeRefusedSig('too-short-0-bytes', '', 'too_short');
decodeRefusedSig('too-short-1-byte', Buffer.from([0x61]).toString('base64'), 'too_short');
decodeRefusedSig('too-short-20-bytes', Buffer.from(SEED_SIGNATURE, 'base64').subarray(0, 20).toString('base64'), 'too_short');
decodeRefused('21-bytes-original-a', 'a', 'missing_parameter', 'secretId');

// ---------------------------------------------------------------------------
// verify.json

const verifyCases = [];
function verifyCase(name, signature, secretKey, now, skew, expected) {
  const got = ref.verify(signature, secretKey, now, skew);
  if (!same(got, expected)) fail(`verify ${name}: reference verifier gives ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  verifyCases.push(Object.assign({ name, signature, secretKey, now, skew }, expected));
}
const ok = (secondsLeft) => ({ valid: true, secondsLeft });
const bad = (code, param) => ({ valid: false, error: param === undefined ? { code } : { code, param } });
const S = SEED_SIGNATURE;
verifyCase('valid-at-start', S, KEY, T0, 300, ok(86400));
verifyCase('valid-mid-window', S, KEY, T0 + 5, 300, ok(86395));
verifyCase('valid-half-way', S, KEY, T0 + 43200, 300, ok(43200));
verifyCase('valid-one-second-before-expiry', S, KEY, T1 - 1, 300, ok(1));
verifyCase('expired-at-expiry', S, KEY, T1, 300, bad('expired'));
verifyCase('expired-after-expiry', S, KEY, T1 + 3600, 300, bad('expired'));
verifyCase('before-start-within-skew', S, KEY, T0 - 300, 300, ok(86700));
verifyCase('before-start-beyond-skew', S, KEY, T0 - 301, 300, bad('not_yet_valid'));
verifyCase('skew-0-at-start', S, KEY, T0, 0, ok(86400));
verifyCase('skew-0-one-second-early', S, KEY, T0 - 1, 0, bad('not_yet_valid'));
verifyCase('large-skew', S, KEY, T0 - 86400, 86400, ok(172800));
{
  const v90 = ref.sign(KEY, req({ expireTime: T0 + 7776000 })).signature;
  verifyCase('validity-exactly-90-days', v90, KEY, T0 + 7775999, 300, ok(1));
  const v90p = sigOf(query(reqPairs({ expireTime: T0 + 7776001 }), 'node'));
  verifyCase('validity-90-days-plus-1', v90p, KEY, T0, 300, bad('validity_too_long'));
}
verifyCase('validity-over-90-days-python-sample', PY_SAMPLE_SIGNATURE, KEY, T0 + 10, 300, bad('validity_too_long'));
verifyCase('order-validity-before-not-yet-valid', PY_SAMPLE_SIGNATURE, KEY, T0 - 100000, 300, bad('validity_too_long'));
verifyCase('order-validity-before-expired', PY_SAMPLE_SIGNATURE, KEY, T0 + 86400 * 365 * 20, 300, bad('validity_too_long'));
{
  const eq = sigOf(query(reqPairs({ expireTime: T0 }), 'node'));
  verifyCase('expireTime-equals-currentTimeStamp', eq, KEY, T0, 300, bad('invalid_parameter', 'expireTime'));
  const lt = sigOf(query(reqPairs({ expireTime: T0 - 100 }), 'node'));
  verifyCase('expireTime-before-currentTimeStamp', lt, KEY, T0 + 86400 * 10, 300, bad('invalid_parameter', 'expireTime'));
}
{
  const raw = Buffer.from(S, 'base64');
  raw[19] ^= 0x80;
  verifyCase('tampered-mac', raw.toString('base64'), KEY, T0 + 5, 300, bad('bad_mac'));
  const body = Buffer.from(S, 'base64');
  body[body.length - 1] = 0x31; // sourceContext= -> sourceContext=1 without re-MACing
  verifyCase('tampered-original', body.toString('base64'), KEY, T0 + 5, 300, bad('bad_mac'));
}
verifyCase('wrong-key', S, 'IamWrongKey', T0 + 5, 300, bad('bad_mac'));
verifyCase('key-case-matters', S, 'iamsecretkey', T0 + 5, 300, bad('bad_mac'));
verifyCase('order-bad-mac-before-expired', S, 'IamWrongKey', T1 + 10, 300, bad('bad_mac'));
verifyCase('order-bad-mac-before-validity', PY_SAMPLE_SIGNATURE, 'IamWrongKey', T0, 300, bad('bad_mac'));
verifyCase('order-decode-before-bad-mac', sigOf(`secretId=${ID}&currentTimeStamp=1588588023.5&expireTime=1588588623&random=1`, 'other'), KEY, 1588588100, 300, bad('not_an_integer', 'currentTimeStamp'));
verifyCase('not-base64', S.replace(/=+$/, ''), KEY, T0, 300, bad('not_base64'));
verifyCase('too-short', 'AA==', KEY, T0, 300, bad('too_short'));
verifyCase('missing-parameter', sigOf(`secretId=${ID}&currentTimeStamp=${T0}&expireTime=${T1}`), KEY, T0, 300, bad('missing_parameter', 'random'));
verifyCase('scf-demo-order', SCF_SIGNATURE, KEY, 1588588023 + 10, 300, ok(590));
verifyCase('scf-demo-order-expired', SCF_SIGNATURE, KEY, 1588588623, 300, bad('expired'));
verifyCase('php-style', sigOf(query(reqPairs({ secretId: 'AKID~test' }).concat([['sourceContext', 'a b']]), 'php')), KEY, T0 + 1, 300, ok(86399));
verifyCase('random-4294967296', sigOf(query(reqPairs({ random: 4294967296 }), 'node')), KEY, T0, 300, ok(86400));
verifyCase('non-ascii-key', ref.sign(NON_ASCII_KEY, req()).signature, NON_ASCII_KEY, T0, 300, ok(86400));
verifyCase('long-key', ref.sign(LONG_KEY, req()).signature, LONG_KEY, T0, 300, ok(86400));
verifyCase('all-parameters', ref.sign(KEY, ALL_PARAMS).signature, KEY, T0 + 100, 300, ok(86300));
verifyCase('meedu-empty-vodSubAppId', sigOf(query(reqPairs().concat([['classId', 0], ['oneTimeValid', 0], ['vodSubAppId', '']]), 'php')), KEY, T0 + 1, 300, ok(86399));
verifyCase('empty-optional-integers', sigOf(query(reqPairs().concat([['classId', ''], ['oneTimeValid', ''], ['taskPriority', ''], ['vodSubAppId', '']]), 'node')), KEY, T0, 300, ok(86400));
verifyCase('empty-random-refused', sigOf(`secretId=${ID}&currentTimeStamp=${T0}&expireTime=${T1}&random=`), KEY, T0, 300, bad('not_an_integer', 'random'));

// ---------------------------------------------------------------------------
// Output.

function checkUnique(file, cases) {
  const seen = new Set();
  for (const c of cases) {
    if (seen.has(c.name)) fail(`${file}: duplicate case name ${c.name}`);
    seen.add(c.name);
  }
}
const FILES = [
  ['sign.json', 'Signing: params (the parameters that are set) and secretKey give original and signature, or a refusal. Generated by tests/reference/gen-vectors.js.', signCases],
  ['decode.json', 'Decoding: signature gives mac (hex), original and the percent-decoded params in order, or a refusal. Generated by tests/reference/gen-vectors.js.', decodeCases],
  ['verify.json', 'Verification: signature, secretKey, now and skew give valid with secondsLeft, or an error. Generated by tests/reference/gen-vectors.js.', verifyCases],
];
const PARAM_CODES = new Set(['invalid_parameter', 'missing_parameter', 'not_an_integer', 'duplicate_parameter']);
function checkShape(file, cases) {
  const walk = (v, where) => {
    if (typeof v === 'string') {
      if (v.includes('\u0000') || !v.isWellFormed()) fail(`${file} ${where}: NUL or lone surrogate`);
    } else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) fail(`${file} ${where}: number outside the safe integer range`);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, where);
    }
  };
  for (const c of cases) {
    walk(c, c.name);
    if (c.error && PARAM_CODES.has(c.error.code) !== (typeof c.error.param === 'string')) {
      fail(`${file} ${c.name}: param must be present exactly for ${[...PARAM_CODES].join(', ')}`);
    }
  }
}
const outputs = FILES.map(([file, description, cases]) => {
  checkUnique(file, cases);
  checkShape(file, cases);
  return { file, cases, text: JSON.stringify({ description, cases }, null, 2) + '\n' };
});

if (process.argv.includes('--check')) {
  let passed = 0;
  let failed = 0;
  let fileFailures = 0;
  for (const o of outputs) {
    const p = path.join(OUT_DIR, o.file);
    let committedText = null;
    let committed = null;
    try {
      committedText = fs.readFileSync(p, 'utf8');
      committed = JSON.parse(committedText);
    } catch (e) {
      console.log(`FAIL ${o.file}: cannot read (${e.message})`);
      failed += o.cases.length;
      fileFailures++;
      continue;
    }
    const byName = new Map((committed.cases || []).map((c) => [c.name, c]));
    const diffs = [];
    for (const c of o.cases) {
      if (same(byName.get(c.name), c)) passed++;
      else { failed++; diffs.push(byName.has(c.name) ? `differs: ${c.name}` : `missing: ${c.name}`); }
      byName.delete(c.name);
    }
    for (const n of byName.keys()) { failed++; diffs.push(`unexpected: ${n}`); }
    if (diffs.length === 0 && committedText === o.text) {
      console.log(`ok   ${o.file}: ${o.cases.length} cases`);
    } else {
      fileFailures++;
      const why = diffs.length ? diffs.slice(0, 5).join('; ') + (diffs.length > 5 ? `; ... (${diffs.length})` : '') : 'formatting or description differs';
      console.log(`FAIL ${o.file}: ${why}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || fileFailures > 0 ? 1 : 0);
} else {
  for (const o of outputs) {
    fs.writeFileSync(path.join(OUT_DIR, o.file), o.text);
    console.log(`wrote tests/vectors/${o.file}: ${o.cases.length} cases`);
  }
}
