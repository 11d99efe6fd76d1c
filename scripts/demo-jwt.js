// Prints an HS256 JWT for the example configuration (issuer https://login.example.com, audience
// vod-upload), signed with the secret in VODSIGN_JWT_SECRET, for `./build.sh serve` and the
// service benchmark: the token an identity provider would give the app's user.
//   node scripts/demo-jwt.js SUBJECT SECONDS
const crypto = require("crypto");
const [subject, seconds] = process.argv.slice(2);
const secret = process.env.VODSIGN_JWT_SECRET;
if (!subject || !seconds || !secret) {
    process.stderr.write("usage: VODSIGN_JWT_SECRET=... node scripts/demo-jwt.js SUBJECT SECONDS\n");
    process.exit(2);
}
const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const head = part({ alg: "HS256", typ: "JWT" });
const claims = part({ sub: subject, iss: "https://login.example.com", aud: "vod-upload", iat: now, exp: now + Number(seconds) });
const mac = crypto.createHmac("sha256", secret).update(head + "." + claims).digest("base64url");
process.stdout.write(head + "." + claims + "." + mac);
