'use strict';
// Independent reference for the Tencent Cloud VOD client-upload signature.
//
// Signing is the documented Node.js sample algorithm: build a plain object,
// querystring.stringify it, HMAC-SHA1 it with crypto, and Base64 the MAC bytes
// followed by the UTF-8 bytes of the query string. Only Node's own
// `querystring`, `crypto` and `Buffer` are used; nothing here comes from vodsign.
//
// check()  : the signing rules (what a signer must refuse), written independently in JS.
// decode() : the decoding rules from tests/vectors/README.md, used by gen-vectors.js
//            only to cross-check the expectations it builds by construction.
// verify() : the verification rules, same purpose.
//
// Integers are handled as BigInt internally so large values print exactly.

const querystring = require('querystring');
const crypto = require('crypto');

const CANONICAL = [
  'secretId', 'currentTimeStamp', 'expireTime', 'random', 'procedure', 'classId',
  'oneTimeValid', 'sourceContext', 'taskPriority', 'taskNotifyMode', 'vodSubAppId',
  'sessionContext', 'storageRegion',
];
const REQUIRED = ['secretId', 'currentTimeStamp', 'expireTime', 'random'];
const INTEGER_PARAMS = new Set([
  'currentTimeStamp', 'expireTime', 'random', 'classId', 'oneTimeValid', 'taskPriority', 'vodSubAppId',
]);
const MAX_VALIDITY = 7776000n;
const RANDOM_MAX_SIGN = 4294967295n; // unsigned 32-bit
const RANDOM_MAX_DECODE = 4294967296n; // Math.round(Math.random() * 2**32) can produce 2^32
const REGION_RE = /^[a-z]+(-[a-z0-9]+)+$/;
const INT_RE = /^-?[0-9]+$/;

function err(code, param) {
  return param === undefined ? { code } : { code, param };
}

// Number of Unicode code points (not UTF-16 units).
function codePoints(s) {
  return [...s].length;
}

function isWellFormed(s) {
  if (typeof s.isWellFormed === 'function') return s.isWellFormed();
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

// Range rule of an integer parameter (value is a BigInt). `mode` is 'sign' or 'decode'.
function intInRange(name, v, mode) {
  switch (name) {
    case 'currentTimeStamp': return v >= 0n;
    case 'expireTime': return true; // only the relation to currentTimeStamp (checked separately)
    case 'random': return v >= 0n && v <= (mode === 'decode' ? RANDOM_MAX_DECODE : RANDOM_MAX_SIGN);
    case 'classId': return v >= 0n;
    case 'oneTimeValid': return v === 0n || v === 1n;
    case 'taskPriority': return v >= -10n && v <= 10n;
    case 'vodSubAppId': return v >= 0n;
    default: throw new Error('not an integer parameter: ' + name);
  }
}

// Rule of a string parameter.
function stringOk(name, s) {
  if (!isWellFormed(s)) return false;
  switch (name) {
    case 'secretId': return s.length > 0;
    case 'procedure': return true;
    case 'sourceContext': return codePoints(s) <= 250;
    case 'taskNotifyMode': return s === 'Finish' || s === 'Change' || s === 'None';
    case 'sessionContext': return codePoints(s) <= 1000;
    case 'storageRegion': return s === '' || (s.length <= 64 && REGION_RE.test(s));
    default: throw new Error('not a string parameter: ' + name);
  }
}

// Integer value as given to check(): BigInt, integral Number, or a string of -?[0-9]+.
function toBigInt(v) {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : null;
  if (typeof v === 'string') return INT_RE.test(v) ? BigInt(v) : null;
  return null;
}

function isSet(params, k) {
  return Object.prototype.hasOwnProperty.call(params, k) && params[k] !== undefined && params[k] !== null;
}

// Signing rules. Returns null when the parameters may be signed, else {code, param?}.
// Order: unknown keys (invalid_parameter naming the key), missing required parameters
// in canonical order (missing_parameter), each set parameter in canonical order
// (not_an_integer when an integer parameter is not an integer at all, else
// invalid_parameter), then expireTime <= currentTimeStamp (invalid_parameter expireTime),
// then expireTime - currentTimeStamp > 7776000 (validity_too_long).
// undefined / null values count as "not set".
function check(params) {
  for (const k of Object.keys(params)) {
    if (!CANONICAL.includes(k) && isSet(params, k)) return err('invalid_parameter', k);
  }
  for (const k of REQUIRED) {
    if (!isSet(params, k)) return err('missing_parameter', k);
  }
  const ints = {};
  for (const k of CANONICAL) {
    if (!isSet(params, k)) continue;
    const v = params[k];
    if (INTEGER_PARAMS.has(k)) {
      const b = toBigInt(v);
      if (b === null) return err('not_an_integer', k);
      if (!intInRange(k, b, 'sign')) return err('invalid_parameter', k);
      ints[k] = b;
    } else if (typeof v !== 'string' || !stringOk(k, v)) {
      return err('invalid_parameter', k);
    }
  }
  if (ints.expireTime <= ints.currentTimeStamp) return err('invalid_parameter', 'expireTime');
  if (ints.expireTime - ints.currentTimeStamp > MAX_VALIDITY) return err('validity_too_long');
  return null;
}

// The documented algorithm. `params` holds the parameters that are set; they are put
// into a plain object in canonical order and handed to querystring.stringify unchanged.
function sign(secretKey, params) {
  const argList = {};
  for (const k of CANONICAL) {
    if (isSet(params, k)) argList[k] = params[k];
  }
  const original = querystring.stringify(argList);
  const originalBuffer = Buffer.from(original, 'utf8');
  const hmacBuffer = crypto.createHmac('sha1', secretKey).update(originalBuffer).digest();
  const signature = Buffer.concat([hmacBuffer, originalBuffer]).toString('base64');
  return { original, signature };
}

// Exactly the documentation sample (UGSV Node variant with its default optional fields).
// `now` (Unix seconds) and `random` may be passed for determinism; when omitted they are
// taken the way the sample takes them.
function sampleSignature(secretId, secretKey, now, random) {
  const current = now === undefined ? parseInt((new Date()).getTime() / 1000) : now;
  const expired = current + 86400; // validity: one day
  const argList = {
    secretId: secretId,
    currentTimeStamp: current,
    expireTime: expired,
    random: random === undefined ? Math.round(Math.random() * Math.pow(2, 32)) : random,
    procedure: '',
    classId: 0,
    oneTimeValid: 0,
    sourceContext: '',
  };
  const original = querystring.stringify(argList);
  const originalBuffer = Buffer.from(original, 'utf8');
  const hmac = crypto.createHmac('sha1', secretKey);
  const hmacBuffer = hmac.update(originalBuffer).digest();
  return Buffer.concat([hmacBuffer, originalBuffer]).toString('base64');
}

// ---------------------------------------------------------------------------
// Decoding and verification (cross-check only).

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

class DecodeError extends Error {
  constructor(code, param) { super(code); this.e = err(code, param); }
}

function utf8(bytes) {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (_) {
    throw new DecodeError('not_utf8');
  }
}

function isHex(c) { return /^[0-9A-Fa-f]$/.test(c); }

// '+' is a space, %XX (any hex case) is a byte, anything else is itself (as UTF-8).
function unescapeComponent(s) {
  const out = [];
  for (let i = 0; i < s.length;) {
    const c = s[i];
    if (c === '%') {
      if (i + 2 < s.length && isHex(s[i + 1]) && isHex(s[i + 2])) {
        out.push(parseInt(s.slice(i + 1, i + 3), 16));
        i += 3;
        continue;
      }
      throw new DecodeError('malformed_query');
    }
    if (c === '+') { out.push(0x20); i += 1; continue; }
    const cp = s.codePointAt(i);
    const ch = String.fromCodePoint(cp);
    for (const b of Buffer.from(ch, 'utf8')) out.push(b);
    i += ch.length;
  }
  return utf8(Uint8Array.from(out));
}

function decodeInner(signature) {
  if (typeof signature !== 'string' || signature.length % 4 !== 0 || !B64_RE.test(signature)) {
    throw new DecodeError('not_base64');
  }
  const raw = Buffer.from(signature, 'base64');
  // Reject non-canonical trailing bits as well (no vector depends on this).
  if (raw.toString('base64') !== signature) throw new DecodeError('not_base64');
  if (raw.length < 21) throw new DecodeError('too_short');
  const mac = raw.subarray(0, 20);
  const originalBytes = raw.subarray(20);
  const original = utf8(originalBytes);
  const pairs = [];
  const seen = new Set();
  for (const seg of original.split('&')) {
    if (seg === '') continue;
    const eq = seg.indexOf('=');
    const k = unescapeComponent(eq < 0 ? seg : seg.slice(0, eq));
    const v = eq < 0 ? '' : unescapeComponent(seg.slice(eq + 1));
    if (seen.has(k)) throw new DecodeError('duplicate_parameter', k);
    seen.add(k);
    pairs.push([k, v]);
  }
  const map = new Map(pairs);
  for (const k of REQUIRED) {
    if (!map.has(k)) throw new DecodeError('missing_parameter', k);
  }
  const ints = {};
  for (const k of CANONICAL) {
    if (!map.has(k)) continue;
    const v = map.get(k);
    if (INTEGER_PARAMS.has(k)) {
      // An optional integer may be empty (the MeEdu platform signs `vodSubAppId=`, the Node
      // sample `classId=` for null): accepted, and not set.
      if (v === '' && !REQUIRED.includes(k)) continue;
      if (!INT_RE.test(v)) throw new DecodeError('not_an_integer', k);
      const b = BigInt(v);
      if (!intInRange(k, b, 'decode')) throw new DecodeError('invalid_parameter', k);
      ints[k] = b;
    } else if (!stringOk(k, v)) {
      throw new DecodeError('invalid_parameter', k);
    }
  }
  return { mac: Buffer.from(mac), originalBytes: Buffer.from(originalBytes), original, params: pairs, ints };
}

// What the server would refuse in a decoded signature, as warning codes: the window first
// (expireTime not after currentTimeStamp, or a validity over 90 days), then each key that is
// not a documented parameter, in order of appearance.
function warnings(d) {
  const out = [];
  const cts = d.ints.currentTimeStamp;
  const exp = d.ints.expireTime;
  if (exp <= cts) out.push('expire_not_after_current');
  else if (exp - cts > MAX_VALIDITY) out.push('validity_too_long');
  for (const [k] of d.params) {
    if (!CANONICAL.includes(k)) out.push('unknown_parameter');
  }
  return out;
}

// Returns {mac: hex, original, params: [[k, v], ...], warnings: [code, ...]} or {error: {code, param?}}.
function decode(signature) {
  try {
    const d = decodeInner(signature);
    return { mac: d.mac.toString('hex'), original: d.original, params: d.params, warnings: warnings(d) };
  } catch (e) {
    if (e instanceof DecodeError) return { error: e.e };
    throw e;
  }
}

// Returns {valid: true, secondsLeft} or {valid: false, error: {code, param?}}.
function verify(signature, secretKey, now, skew) {
  let d;
  try {
    d = decodeInner(signature);
  } catch (e) {
    if (e instanceof DecodeError) return { valid: false, error: e.e };
    throw e;
  }
  const expect = crypto.createHmac('sha1', secretKey).update(d.originalBytes).digest();
  if (!crypto.timingSafeEqual(expect, d.mac)) return { valid: false, error: err('bad_mac') };
  const cts = d.ints.currentTimeStamp;
  const exp = d.ints.expireTime;
  const n = BigInt(now);
  if (exp <= cts) return { valid: false, error: err('invalid_parameter', 'expireTime') };
  if (exp - cts > MAX_VALIDITY) return { valid: false, error: err('validity_too_long') };
  if (cts > n + BigInt(skew)) return { valid: false, error: err('not_yet_valid') };
  if (n >= exp) return { valid: false, error: err('expired') };
  return { valid: true, secondsLeft: Number(exp - n) };
}

module.exports = {
  CANONICAL, REQUIRED, INTEGER_PARAMS, MAX_VALIDITY,
  sign, sampleSignature, check, decode, verify, codePoints,
};
