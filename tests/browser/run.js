// A real browser and the real web upload SDK against `vodsign serve`.
//
// A page on one loopback origin (http://localhost:PORT) loads vod-js-sdk-v6 (npm, its browser
// bundle) in headless Chromium (Debian's `chromium`, driven by puppeteer-core). The SDK's
// getSignature fetches from `vodsign serve` on another origin (http://127.0.0.1:PORT) with
// credentials, so CORS with credentials must work. Chromium's host rules send the SDK's upload
// API host (vod2.qcloud.com) to a local HTTPS stand-in, which checks with `vodsign verify` that
// the SDK's PrepareUploadUGC and ApplyUploadUGC requests carry a valid signature; every other
// host resolves to nothing. A page on an origin that is not allowed must fail to get one.
//
// Environment: VODSIGN_BIN (the vodsign binary, built with the serve feature), VODSIGN_SDK (the
// SDK's dist/vod-js-sdk-v6.js), NODE_PATH (where puppeteer-core is), CHROMIUM (default
// /usr/bin/chromium). Prints one line per check and "N passed, N failed".
'use strict';
const { spawn, spawnSync, execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const https = require('https');
const os = require('os');
const path = require('path');
const readline = require('readline');

const BIN = process.env.VODSIGN_BIN;
const SDK = process.env.VODSIGN_SDK;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}`);
}

function b64url(buf) {
  return Buffer.from(buf).toString('base64url');
}
function jwt(secret, claims) {
  const h = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const p = b64url(JSON.stringify(claims));
  return `${h}.${p}.${crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;
}

function listen(server, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve(server.address().port));
  });
}

async function main() {
  for (const [name, v] of [['VODSIGN_BIN', BIN], ['VODSIGN_SDK', SDK]]) {
    if (!v || !fs.existsSync(v)) throw new Error(`${name} is not set to an existing file`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: a missing browser is a failure`);
  const puppeteer = require('puppeteer-core');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vodsign-browser-'));
  const children = [];
  let browser;
  try {
    const key = crypto.randomBytes(16).toString('hex');
    const jwtSecret = crypto.randomBytes(32).toString('hex');
    const now = Math.floor(Date.now() / 1000);
    const token = jwt(jwtSecret, { sub: 'browser-user', aud: 'vod-upload', exp: now + 600 });

    // The page: the SDK and a page that uploads a small file.
    const pageServer = http.createServer((req, res) => {
      if (req.url === '/vod-js-sdk-v6.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        return res.end(fs.readFileSync(SDK));
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><meta charset="utf-8"><title>upload</title><script src="/vod-js-sdk-v6.js"></script>');
    });
    const pagePort = await listen(pageServer, '127.0.0.1');
    const allowedOrigin = `http://localhost:${pagePort}`;
    const otherOrigin = `http://127.0.0.1:${pagePort}`;

    // The HTTPS stand-in for the upload API.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=vod2.qcloud.com',
      '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt')], { stdio: 'ignore' });
    const seen = [];
    const standIn = https.createServer({ key: fs.readFileSync(path.join(dir, 'tls.key')), cert: fs.readFileSync(path.join(dir, 'tls.crt')) }, (req, res) => {
      const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'POST' };
      if (req.method === 'OPTIONS') { res.writeHead(204, cors); return res.end(); }
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const action = new URL(req.url, 'https://vod2.qcloud.com').searchParams.get('Action');
        let signature = null;
        try { signature = JSON.parse(body).signature; } catch (e) { /* recorded as null */ }
        const v = signature ? spawnSync(BIN, ['verify', '--json', signature], { env: { VODSIGN_SECRET_KEY: key }, encoding: 'utf8' }) : null;
        seen.push({ action, host: req.headers.host, verified: !!v && v.status === 0, decoded: v && v.stdout });
        res.writeHead(200, { ...cors, 'content-type': 'application/json' });
        // Prepare: no region race; Apply: a refusal, so the SDK stops before uploading to storage.
        res.end(JSON.stringify(action === 'PrepareUploadUGC' ? { code: 0, data: {} } : { code: 10009, message: 'stand-in stops here' }));
      });
    });
    const standInPort = await listen(standIn, '127.0.0.1');

    // vodsign serve: JWT auth, CORS for the allowed origin with credentials, the demo's reply.
    fs.writeFileSync(path.join(dir, 'serve.toml'), [
      '[server]', 'listen = "127.0.0.1:0"',
      '[signing]', 'secret_id = "AKIDbrowser"', 'validity_seconds = 600', "source_context = '{\"uid\":\"{{user}}\"}'",
      '[reply]', 'preset = "tencent-demo"',
      '[auth.jwt]', 'algorithm = "HS256"', 'secret_env = "VODSIGN_JWT_SECRET"', 'audience = "vod-upload"',
      '[cors]', `allowed_origins = ["${allowedOrigin}"]`, 'allow_credentials = true', '',
    ].join('\n'));
    const serve = spawn(BIN, ['serve', '--config', path.join(dir, 'serve.toml')], {
      env: { VODSIGN_SECRET_KEY: key, VODSIGN_JWT_SECRET: jwtSecret }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(serve);
    const logs = [];
    readline.createInterface({ input: serve.stderr }).on('line', (l) => logs.push(l));
    const first = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('vodsign serve did not start')), 20000);
      readline.createInterface({ input: serve.stdout }).once('line', (l) => { clearTimeout(t); resolve(l); });
    });
    const signUrl = `http://${first.replace('listening on ', '')}/signature`;

    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox', '--disable-gpu', '--ignore-certificate-errors',
        // The upload API's main and backup hosts go to the stand-in; every other name resolves to nothing.
        `--host-resolver-rules=MAP vod2.qcloud.com 127.0.0.1:${standInPort}, MAP vod2.dnsv1.com 127.0.0.1:${standInPort}, ` +
          'MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
      ],
    });
    const page = await browser.newPage();
    const failures = [];
    page.on('requestfailed', (r) => failures.push(`${r.method()} ${r.url()}: ${r.failure() && r.failure().errorText}`));
    await page.goto(`${allowedOrigin}/`);
    const result = await page.evaluate(async (signUrl, token) => {
      const signatures = [];
      const Ctor = window.TcVod.default || window.TcVod;
      const tcVod = new Ctor({
        getSignature: () => fetch(signUrl, {
          method: 'POST', credentials: 'include',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ Action: 'GetUgcUploadSign' }),
        }).then((r) => r.json()).then((j) => { signatures.push(j.data.sign); return j.data.sign; }),
      });
      const file = new File([new Uint8Array(4096)], 'clip.mp4', { type: 'video/mp4' });
      const uploader = tcVod.upload({ mediaFile: file });
      const outcome = await Promise.race([
        uploader.done().then(() => 'done', (e) => `refused: ${e && e.message}`),
        new Promise((r) => setTimeout(() => r('timeout'), 20000)),
      ]);
      return { signatures, outcome };
    }, signUrl, token);
    check('the SDK got signatures from vodsign serve across origins with credentials', result.signatures.length >= 2,
      JSON.stringify(result));
    const applies = seen.filter((s) => s.action === 'ApplyUploadUGC');
    check('the SDK sent ApplyUploadUGC to the stand-in', applies.length >= 1, JSON.stringify({ seen: seen.map((s) => s.action), failures }));
    check('every ApplyUploadUGC signature passes vodsign verify', applies.length >= 1 && applies.every((s) => s.verified),
      JSON.stringify(applies));
    const prepares = seen.filter((s) => s.action === 'PrepareUploadUGC');
    check('PrepareUploadUGC carried a valid signature too', prepares.length >= 1 && prepares.every((s) => s.verified), JSON.stringify(prepares));
    const decoded = applies.length ? JSON.parse(applies[0].decoded) : {};
    check('the signature binds the JWT user into sourceContext', JSON.stringify(decoded).includes('browser-user'), JSON.stringify(decoded));
    check('the upload stopped at the stand-in', result.outcome.startsWith('refused'), result.outcome);

    // A page from an origin that is not allowed cannot read a signature.
    const other = await browser.newPage();
    await other.goto(`${otherOrigin}/`);
    const blocked = await other.evaluate(async (signUrl, token) => {
      try {
        await fetch(signUrl, { method: 'POST', credentials: 'include', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' });
        return 'read';
      } catch (e) {
        return 'blocked';
      }
    }, signUrl, token);
    check('a page on an origin that is not allowed is blocked by CORS', blocked === 'blocked', blocked);
    check('no log line of vodsign serve holds the key, the token or a signature',
      logs.length > 0 && !logs.some((l) => l.includes(key) || l.includes(token) || result.signatures.some((s) => l.includes(s))));
    pageServer.close();
    standIn.close();
  } finally {
    if (browser) await browser.close();
    for (const c of children) c.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  check('browser test ran', false, e && e.stack || String(e));
}).finally(() => {
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
});
