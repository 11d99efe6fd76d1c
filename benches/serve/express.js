// The documented signature service: an Express handler around the documented Node sample
// (querystring + crypto HMAC-SHA1), replying {code: 0, message: 'ok', data: {signature}}.
// What `vodsign serve` is measured against in scripts/bench-serve.sh. One process, one thread.
'use strict';
const express = require('express');
const querystring = require('querystring');
const crypto = require('crypto');

const secretId = process.env.VODSIGN_SECRET_ID || 'AKIDbench';
const secretKey = process.env.VODSIGN_SECRET_KEY;
if (!secretKey) throw new Error('set VODSIGN_SECRET_KEY');

function getUploadSignature() {
  const current = Math.floor(Date.now() / 1000);
  const argList = {
    secretId,
    currentTimeStamp: current,
    expireTime: current + 86400,
    random: Math.round(Math.random() * Math.pow(2, 32)),
    procedure: '',
    classId: 0,
    oneTimeValid: 0,
    sourceContext: '',
  };
  const original = Buffer.from(querystring.stringify(argList), 'utf8');
  const mac = crypto.createHmac('sha1', secretKey).update(original).digest();
  return Buffer.concat([mac, original]).toString('base64');
}

const app = express();
app.use(express.json());
app.post('/signature', (req, res) => {
  res.json({ code: 0, message: 'ok', data: { signature: getUploadSignature() } });
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
