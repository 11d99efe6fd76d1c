#!/usr/bin/env python3
"""A VOD client-upload signer written the way the documented Python samples build the text
(urllib.parse.urlencode, which escapes with quote_plus: `+` for a space, `!*'()` escaped), with
the server's documented rules checked before signing, behind the `vodsign conformance` protocol:
one JSON request per line on stdin, one JSON answer per line on stdout.

    vodsign conformance -- python3 examples/conformance/python_signer.py
"""
import base64
import hashlib
import hmac
import json
import re
import sys
from urllib.parse import urlencode

MAX_VALIDITY = 7776000  # 90 days
INTEGERS = {  # parameter: (smallest, largest)
    "currentTimeStamp": (0, 2**64 - 1), "expireTime": (0, 2**64 - 1), "random": (0, 2**32 - 1),
    "classId": (0, 2**64 - 1), "oneTimeValid": (0, 1), "taskPriority": (-10, 10), "vodSubAppId": (0, 2**64 - 1),
}
TEXTS = {"secretId", "procedure", "sourceContext", "taskNotifyMode", "sessionContext", "storageRegion"}
MAX_CHARS = {"sourceContext": 250, "sessionContext": 1000, "storageRegion": 64}
REGION = re.compile(r"[a-z]+(-[a-z0-9]+)+")


def check(params):
    """The first documented rule `params` breaks, or None."""
    for name in ("secretId", "currentTimeStamp", "expireTime", "random"):
        if name not in params:
            return f"{name} is missing"
    for name, value in params.items():
        if name in INTEGERS:
            low, high = INTEGERS[name]
            if type(value) is not int:  # a fractional timestamp is refused by the server
                return f"{name} must be a whole number"
            if not low <= value <= high:
                return f"{name} must be from {low} to {high}"
        elif name in TEXTS:
            if not isinstance(value, str):
                return f"{name} must be text"
            if len(value) > MAX_CHARS.get(name, len(value)):
                return f"{name} has more than {MAX_CHARS[name]} characters"
        else:
            return f"{name} is not a signature parameter"
    if params["secretId"] == "":
        return "secretId is empty"
    if params.get("taskNotifyMode", "Finish") not in ("Finish", "Change", "None"):
        return "taskNotifyMode must be Finish, Change or None"
    if params.get("storageRegion") and not REGION.fullmatch(params["storageRegion"]):
        return "storageRegion is not a region short name"
    if not 0 < params["expireTime"] - params["currentTimeStamp"] <= MAX_VALIDITY:
        return "expireTime must be after currentTimeStamp, by at most 90 days"
    return None


def sign(key, params):
    original = urlencode(params)  # the documented sample's way: quote_plus, in the given order
    digest = hmac.new(key.encode(), original.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest + original.encode()).decode()


for line in sys.stdin:
    request = json.loads(line)
    key = request.pop("secretKey", "")
    problem = check(request) or (None if key else "secretKey is empty")
    answer = {"error": problem} if problem else {"signature": sign(key, request)}
    print(json.dumps(answer), flush=True)
