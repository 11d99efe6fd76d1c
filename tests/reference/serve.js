#!/usr/bin/env node
'use strict';
// JSON Lines signing coprocess for differential tests against the independent reference.
//
// Input, one object per stdin line:   {"secretKey": "...", "params": {...}}
// Output, one line per input line:    {"original": "...", "signature": "..."}
//                                 or  {"error": {"code": "...", "param": "..."}}
// Output is written (and flushed) per line; blank input lines are skipped; the process
// exits 0 at EOF.
// A line that is not valid JSON or lacks a string secretKey / object params gives
// {"error": {"code": "bad_request"}} (never produced for well-formed requests).
//
// Parameter values:
//  * String parameters (secretId, procedure, sourceContext, taskNotifyMode, sessionContext,
//    storageRegion) must be JSON strings; anything else is invalid_parameter.
//  * Integer parameters may be JSON numbers OR JSON strings of the form -?[0-9]+.
//    This process parses JSON itself: an integer literal (no fraction, no exponent) is
//    read exactly as a BigInt, so numbers above 2^53 are NOT rounded. A number with a
//    fraction or exponent is read as a double and must be integral, otherwise
//    not_an_integer. Digit strings are read exactly ("007" is 7 and prints as 7).
//  * null counts as "not set", like an absent key.
//  * Unknown keys are refused with invalid_parameter naming the key.
//  * The reference puts no upper bound on currentTimeStamp, expireTime, classId or
//    vodSubAppId beyond the documented rules; keep generated values below 2^63.
// Errors follow check() in reference.js: unknown keys, missing required parameters
// (canonical order), each set parameter in canonical order, expireTime <= currentTimeStamp
// (invalid_parameter expireTime), validity > 7776000 (validity_too_long).

const readline = require('readline');
const { sign, check, INTEGER_PARAMS } = require('./reference.js');

// Minimal JSON parser: like JSON.parse, but integer literals become BigInt.
function parseJson(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const fail = () => { throw new SyntaxError('bad JSON at ' + i); };
  function value() {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; const o = {}; ws();
      if (text[i] === '}') { i++; return o; }
      for (;;) {
        ws(); if (text[i] !== '"') fail();
        const k = str(); ws(); if (text[i] !== ':') fail(); i++;
        Object.defineProperty(o, k, { value: value(), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return o; }
        fail();
      }
    }
    if (c === '[') {
      i++; const a = []; ws();
      if (text[i] === ']') { i++; return a; }
      for (;;) {
        a.push(value()); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return a; }
        fail();
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    const m = /^-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m[0].length;
    return (m[1] || m[2]) ? Number(m[0]) : BigInt(m[0]);
  }
  function str() {
    // Delegate escapes to JSON.parse on the exact string literal.
    const start = i; i++;
    while (i < text.length && text[i] !== '"') { if (text[i] === '\\') i++; i++; }
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i));
  }
  const v = value(); ws();
  if (i !== text.length) fail();
  return v;
}

function handle(line) {
  let req;
  try { req = parseJson(line); } catch (_) { return { error: { code: 'bad_request' } }; }
  if (req === null || typeof req !== 'object' || Array.isArray(req) ||
      typeof req.secretKey !== 'string' || req.params === null ||
      typeof req.params !== 'object' || Array.isArray(req.params)) {
    return { error: { code: 'bad_request' } };
  }
  const params = req.params;
  const e = check(params);
  if (e) return { error: e };
  const norm = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === null) continue;
    norm[k] = INTEGER_PARAMS.has(k) ? (typeof v === 'bigint' ? v : BigInt(v)) : v;
  }
  return sign(req.secretKey, norm);
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
const queue = [];
let writing = false;
function pump() {
  if (writing || queue.length === 0) return;
  writing = true;
  const out = queue.shift();
  process.stdout.write(out, () => { writing = false; pump(); });
}
rl.on('line', (line) => {
  if (line.trim() === '') return;
  queue.push(JSON.stringify(handle(line)) + '\n');
  pump();
});
