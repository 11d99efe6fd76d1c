#!/usr/bin/env bash
# The signature service under load: `vodsign serve` against the documented Express handler
# (benches/serve/express.js, express from npm, one Node process), each pinned to core 0, load from
# wrk (Debian) pinned to core 1: 64 connections, POST /signature, 10 s after a 2 s warm-up, 3 rounds,
# the best round quoted. Three servers: Express; vodsign serve with one worker thread and nothing
# else on (--insecure-no-auth, no rate limit, no access log); vodsign serve with one worker thread
# and JWT (HS256), CORS, rate limits, metrics and access logs (to /dev/null) all on. Reports
# requests a second, p99 latency, peak resident memory (VmHWM) and errors (non-2xx replies and
# socket errors), the ratios against Express and the issue's targets, and rewrites the
# serve-bench part of BENCHMARKS.md.
#
# Environment: VODSIGN_SERVE_BENCH_SECONDS (default 10), VODSIGN_SERVE_BENCH_ROUNDS (default 3).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2
# shellcheck source=scripts/toolchains.sh
. scripts/toolchains.sh
export VODSIGN_CACHE=${VODSIGN_CACHE:-$HOME/.cache/vodsign}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'bench-serve: %s\n' "$*" >&2; exit 2; }

seconds=${VODSIGN_SERVE_BENCH_SECONDS:-10}
rounds=${VODSIGN_SERVE_BENCH_ROUNDS:-3}

command -v wrk >/dev/null 2>&1 || _vs_apt_install wrk || die "wrk could not be installed"
command -v taskset >/dev/null 2>&1 || _vs_apt_install util-linux || die "taskset could not be installed"
command -v node >/dev/null 2>&1 || _vs_apt_install nodejs || die "node could not be installed"
command -v npm >/dev/null 2>&1 || _vs_apt_install npm || die "npm could not be installed"
nodedir=$VODSIGN_CACHE/serve-bench
if [ ! -d "$nodedir/node_modules/express" ]; then
    say "installing express (npm, first run only)"
    mkdir -p "$nodedir" && npm install --silent --no-audit --no-fund --prefix "$nodedir" express@5 >/dev/null ||
        die "npm install express failed"
fi
say "building vodsign serve (release)"
cargo build --release --features serve --bin vodsign >&2 || die "cargo build failed"

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT

key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
jwt_secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
token=$(VODSIGN_JWT_SECRET=$jwt_secret node -e '
    const c = require("crypto");
    const b = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const h = b({alg: "HS256", typ: "JWT"});
    const p = b({sub: "bench-user", iss: "https://login.example.com", aud: "vod-upload", exp: now + 7200});
    process.stdout.write(h + "." + p + "." + c.createHmac("sha256", process.env.VODSIGN_JWT_SECRET).update(h + "." + p).digest("base64url"));')

cat >"$work/bare.toml" <<TOML
[server]
listen = "127.0.0.1:0"
workers = 1
[signing]
secret_id = "AKIDbench"
validity_seconds = 86400
[rate_limit]
enabled = false
[log]
access = false
TOML
cat >"$work/full.toml" <<TOML
[server]
listen = "127.0.0.1:0"
workers = 1
[signing]
secret_id = "AKIDbench"
validity_seconds = 86400
source_context = '{"uid":"{{user}}"}'
[auth.jwt]
algorithm = "HS256"
secret_env = "VODSIGN_JWT_SECRET"
issuer = "https://login.example.com"
audience = "vod-upload"
[rate_limit]
per_user = { per_minute = 6000000, burst = 100000 }
per_address = { per_minute = 6000000, burst = 100000 }
[cors]
allowed_origins = ["https://app.example.com"]
allow_credentials = true
TOML
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"
LUA

# start NAME CMD...: starts a server pinned to core 0, waits for its "listening on" line.
start() {
    local name=$1; shift
    mkfifo "$work/$name.out"
    taskset -c 0 "$@" >"$work/$name.out" 2>/dev/null &
    pids+=($!)
    server_pid=$!
    exec 3<"$work/$name.out"
    local line
    IFS= read -r -t 20 line <&3 || die "$name did not start"
    server_addr=${line#listening on }
    cat <&3 >/dev/null &
    exec 3<&-
}

# measure NAME URL [wrk -H args...]: best of the rounds; prints "rps p99_ms errors".
measure() {
    local name=$1 url=$2; shift 2
    local best_rps=0 best_p99=0 errors=0 r out rps p99 non2xx sock
    taskset -c 1 wrk -t1 -c64 -d2s -s "$work/post.lua" "$@" "$url" >/dev/null 2>&1
    for ((r = 1; r <= rounds; r++)); do
        out=$(taskset -c 1 wrk -t1 -c64 -d"${seconds}s" --latency -s "$work/post.lua" "$@" "$url" 2>&1)
        rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
        p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}' <<<"$out")
        non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
        sock=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
        errors=$((errors + ${non2xx:-0} + ${sock:-0}))
        if awk -v a="$rps" -v b="$best_rps" 'BEGIN {exit !(a > b)}'; then best_rps=$rps; best_p99=$p99; fi
    done
    echo "$best_rps $best_p99 $errors"
}

hwm() { awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

say "Express (documented handler)"
start express env NODE_PATH="$nodedir/node_modules" VODSIGN_SECRET_KEY="$key" node benches/serve/express.js
read -r e_rps e_p99 e_err < <(measure express "http://$server_addr/signature")
e_mem=$(hwm "$server_pid"); kill "$server_pid"

say "vodsign serve, one worker, nothing else on"
start bare env VODSIGN_SECRET_KEY="$key" target/release/vodsign serve --config "$work/bare.toml" --insecure-no-auth
read -r b_rps b_p99 b_err < <(measure bare "http://$server_addr/signature")
b_mem=$(hwm "$server_pid"); kill "$server_pid"

say "vodsign serve, one worker, JWT + CORS + rate limits + metrics + access log"
start full env VODSIGN_SECRET_KEY="$key" VODSIGN_JWT_SECRET="$jwt_secret" target/release/vodsign serve --config "$work/full.toml"
read -r f_rps f_p99 f_err < <(measure full "http://$server_addr/signature" -H "Authorization: Bearer $token" -H "Origin: https://app.example.com")
f_mem=$(hwm "$server_pid")
curl -s "http://$server_addr/metrics" | grep -q '^vodsign_signatures_issued_total [1-9]' || die "the full run issued no signature"
kill "$server_pid"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {ok = (op == ">=" ? v >= t : v <= t); print (ok ? "met" : "MISSED")}'; }
b_x=$(ratio "$b_rps" "$e_rps"); f_x=$(ratio "$f_rps" "$e_rps")
b_p=$(ratio "$b_p99" "$e_p99"); f_p=$(ratio "$f_p99" "$e_p99")
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)

table=$(cat <<MD
<!-- serve-bench:begin: generated by scripts/bench-serve.sh (./build.sh bench); edit outside the markers -->
## Signature service under load

\`vodsign serve\` against the documented Express handler (\`benches/serve/express.js\`, express 5, one
Node $(node --version) process), each server pinned to core 0, load from wrk pinned to core 1: 64
connections, \`POST /signature\` with \`{}\`, ${seconds} s after a 2 s warm-up, best of ${rounds} rounds.
Memory is the server's peak resident set (VmHWM). CPU: ${cpu}. Run on $(date -u +%Y-%m-%d).

| server | requests/s | p99 latency | peak RSS | errors | vs Express |
|---|---|---|---|---|---|
| Express (documented handler) | ${e_rps} | ${e_p99} ms | ${e_mem} MB | ${e_err} | 1× |
| vodsign serve, 1 worker, nothing else on | ${b_rps} | ${b_p99} ms | ${b_mem} MB | ${b_err} | ${b_x}× requests/s, ${b_p}× p99 |
| vodsign serve, 1 worker, JWT + CORS + rate limits + metrics + access log | ${f_rps} | ${f_p99} ms | ${f_mem} MB | ${f_err} | ${f_x}× requests/s, ${f_p}× p99 |

Targets: bare at least 8× the requests/s ($(verdict "$b_x" ">=" 8)) and at most 1/5 of the p99
($(verdict "$b_p" "<=" 0.2)); everything on at least 5× ($(verdict "$f_x" ">=" 5)); peak RSS at most
16 MB ($(verdict "$(awk -v a="$b_mem" -v b="$f_mem" 'BEGIN {print (a > b ? a : b)}')" "<=" 16)); zero errors
($([ $((b_err + f_err + e_err)) = 0 ] && echo met || echo MISSED)).
<!-- serve-bench:end -->
MD
)
printf '%s\n' "$table"
TABLE=$table node -e '
    const fs = require("fs");
    const path = process.argv[1];
    const block = process.env.TABLE;
    const re = /<!-- serve-bench:begin[^]*?<!-- serve-bench:end -->/;
    let doc = fs.existsSync(path) ? fs.readFileSync(path, "utf8") : "# Benchmarks\n";
    doc = re.test(doc) ? doc.replace(re, () => block) : doc.replace(/\n*$/, "\n\n") + block + "\n";
    fs.writeFileSync(path, doc);' "$root/BENCHMARKS.md"
[ $((b_err + f_err)) = 0 ] || exit 1
