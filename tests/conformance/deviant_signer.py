#!/usr/bin/env python3
"""A signer with one chosen deviation, for the tests of `vodsign conformance`: each mode is a
mistake seen in the documented samples, demos or wrappers (or a misbehaving process), and the
tests check that the tool names it. `node` is the documented Node sample's encoding, with the
documented rules checked: it must pass even --strict.

    deviant_signer.py MODE
"""
import base64
import hashlib
import hmac
import json
import sys
import time
from urllib.parse import quote, quote_plus

MODE = sys.argv[1]
INTEGERS = {
    "currentTimeStamp": (0, 2**64 - 1), "expireTime": (0, 2**64 - 1), "random": (0, 2**32 - 1),
    "classId": (0, 2**64 - 1), "oneTimeValid": (0, 1), "taskPriority": (-10, 10), "vodSubAppId": (0, 2**64 - 1),
}
MAX_CHARS = {"sourceContext": 250, "sessionContext": 1000, "storageRegion": 64}
ORDER = ["secretId", "currentTimeStamp", "expireTime", "random", "procedure", "classId", "oneTimeValid",
         "sourceContext", "taskPriority", "taskNotifyMode", "vodSubAppId", "sessionContext", "storageRegion"]


def broken_rule(p):
    import re
    for name, value in p.items():
        if name in INTEGERS:
            low, high = INTEGERS[name]
            if type(value) is not int or not low <= value <= high:
                return name
        elif len(value) > MAX_CHARS.get(name, len(value)):
            return name
    if p["secretId"] == "" or p.get("taskNotifyMode", "Finish") not in ("Finish", "Change", "None"):
        return "text"
    if p.get("storageRegion") and not re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", p["storageRegion"]):
        return "storageRegion"
    if not 0 < p["expireTime"] - p["currentTimeStamp"] <= 7776000:
        return "validity"
    return None


def node(v):
    """Node's querystring.escape (encodeURIComponent)."""
    return quote(str(v), safe="!~*'()")


def join(pairs, esc=node):
    return "&".join(f"{esc(k)}={esc(v)}" for k, v in pairs)


def signature(key, text, mac_text=None):
    raw = text.encode()
    mac = hmac.new(key.encode(), (mac_text or text).encode(), hashlib.sha1).digest()
    return base64.b64encode(mac + raw).decode()


def answer(req):
    key = req.pop("secretKey")
    p = req
    checks = MODE not in ("no-checks", "ten-years", "fractional", "unescaped")
    if checks and broken_rule(p):
        return {"error": "refused"}
    pairs = [(k, p[k]) for k in ORDER if k in p]  # canonical order, as vodsign emits
    if MODE == "refuse-all":
        return {"error": "no"}
    if MODE == "hang-on-random-0" and p["random"] == 0:
        time.sleep(3600)
    if MODE == "crash-on-random-0" and p["random"] == 0:
        raise RuntimeError("deliberate crash on random=0")
    if MODE == "wrong-key":
        return {"signature": signature(key + "x", join(pairs))}
    if MODE == "lowercase-hex":
        import re
        text = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), join(pairs))
        return {"signature": signature(key, text)}
    if MODE == "ten-years":
        p["expireTime"] = p["currentTimeStamp"] + 86400 * 365 * 10
        pairs = [(k, p[k]) for k in ORDER if k in p]
    if MODE == "fractional":
        pairs = [(k, v + 0.5 if k == "currentTimeStamp" else v) for k, v in pairs]
    if MODE == "truncate":
        return {"signature": signature(key, join(pairs))[:-1]}
    if MODE == "urlsafe":
        return {"signature": signature(key, join(pairs)).replace("+", "-").replace("/", "_")}
    if MODE == "unescaped":
        return {"signature": signature(key, join(pairs, esc=str))}
    if MODE == "defaults":  # the UGSV Node sample always emits these four
        for k, v in (("procedure", ""), ("classId", 0), ("oneTimeValid", 0), ("sourceContext", "")):
            if k not in p:
                pairs.append((k, v))
    if MODE == "skip-empty":
        pairs = [(k, v) for k, v in pairs if v != ""]
    if MODE == "sorted":
        pairs.sort()
    if MODE == "mac-of-other-text":  # MACs the sample's text, appends the quote_plus text
        return {"signature": signature(key, join(pairs, esc=lambda v: quote_plus(str(v))), mac_text=join(pairs))}
    if MODE == "garbage":
        return "hello, this is not a signature"
    return {"signature": signature(key, join(pairs))}


for n, line in enumerate(sys.stdin):
    if MODE == "exit-early" and n == 5:
        sys.exit(0)
    if MODE == "binary":
        sys.stdout.buffer.write(b"\xff\xfe not text\n")
        sys.stdout.flush()
        continue
    a = answer(json.loads(line))
    print(a if isinstance(a, str) else json.dumps(a), flush=True)
