#!/usr/bin/env bash
# The browser suite: headless Chromium (Debian's `chromium`) runs the real web upload SDK
# (vod-js-sdk-v6 from npm) against `vodsign serve` (tests/browser/run.js says what is checked).
# Installs what it needs on first use: chromium from Debian, puppeteer-core and the SDK's browser
# bundle from npm, cached under ${VODSIGN_CACHE:-$HOME/.cache/vodsign}/browser. A browser that
# cannot be installed is a failure, never a skip. Ends with "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2
# shellcheck source=scripts/toolchains.sh
. scripts/toolchains.sh

SDK_VERSION=1.8.0
PUPPETEER_VERSION=25.16.0
fail() { printf 'browser: %s\n0 passed, 1 failed\n' "$*"; exit 1; }

command -v chromium >/dev/null 2>&1 || _vs_apt_install chromium || fail "chromium could not be installed"
command -v openssl >/dev/null 2>&1 || _vs_apt_install openssl || fail "openssl could not be installed"
command -v node >/dev/null 2>&1 || _vs_apt_install nodejs || fail "node could not be installed"
command -v npm >/dev/null 2>&1 || _vs_apt_install npm || fail "npm could not be installed"

cache=$(_vs_cache)/browser
if [ ! -f "$cache/node_modules/puppeteer-core/package.json" ]; then
    mkdir -p "$cache" && npm install --silent --no-audit --no-fund --prefix "$cache" "puppeteer-core@$PUPPETEER_VERSION" >/dev/null ||
        fail "npm install puppeteer-core failed"
fi
if [ ! -f "$cache/vod-js-sdk-v6-$SDK_VERSION.js" ]; then
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "vod-js-sdk-v6@$SDK_VERSION" >/dev/null && tar xzf "vod-js-sdk-v6-$SDK_VERSION.tgz") ||
        { rm -rf "$tmp"; fail "npm pack vod-js-sdk-v6 failed"; }
    cp "$tmp/package/dist/vod-js-sdk-v6.js" "$cache/vod-js-sdk-v6-$SDK_VERSION.js"
    rm -rf "$tmp"
fi
cargo build --features serve --bin vodsign >&2 || fail "building vodsign with the serve feature failed"

NODE_PATH=$cache/node_modules VODSIGN_BIN=$root/target/debug/vodsign VODSIGN_SDK=$cache/vod-js-sdk-v6-$SDK_VERSION.js \
    CHROMIUM=$(command -v chromium) node tests/browser/run.js
