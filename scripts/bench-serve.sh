#!/usr/bin/env bash
# The signature service under load: `vodsign serve` against the documented Express handler
# (benches/serve/express.js, express from npm, one Node process), each pinned to core 0, load from
# wrk (Debian) pinned to core 1: 64 connections, POST /signature, 10 s after a 2 s warm-up, 3 rounds
# taking turns between the servers, the best round of each quoted. Three servers: Express; vodsign serve with one worker thread and nothing
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

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT

key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
jwt_secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
token=$(VODSIGN_JWT_SECRET=$jwt_secret node scripts/demo-jwt.js bench-user 7200)

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

# start NAME CMD...: starts a server pinned to core 0, waits for its "listening on" line; sets
# pid_NAME and addr_NAME.
start() {
    local name=$1; shift
    mkfifo "$work/$name.out"
    taskset -c 0 "$@" >"$work/$name.out" 2>/dev/null &
    pids+=($!)
    printf -v "pid_$name" '%s' "$!"
    exec 3<"$work/$name.out"
    local line
    IFS= read -r -t 20 line <&3 || die "$name did not start"
    printf -v "addr_$name" '%s' "${line#listening on }"
    cat <&3 >/dev/null &
    exec 3<&-
}

# once NAME [wrk -H args...]: one measurement; keeps the best requests/s (with its p99) and adds
# up the errors, in best_rps_NAME, best_p99_NAME, errors_NAME.
once() {
    local name=$1; shift
    local addr_var=addr_$name pid_var=pid_$name out rps p99 non2xx sock n c0 c1 us best_var=best_rps_$name err_var=errors_$name
    local cpu_var=cpu_us_$name
    c0=$(cpu_ticks "${!pid_var}")
    out=$(taskset -c 1 wrk -t1 -c64 -d"${seconds}s" --latency -s "$work/post.lua" "$@" "http://${!addr_var}/signature" 2>&1)
    c1=$(cpu_ticks "${!pid_var}")
    n=$(awk '/ requests in / {print $1}' <<<"$out")
    # The server's CPU time per request (user + system), the least of the rounds: what the
    # machine's other load cannot inflate much.
    if [ -n "$n" ] && [ "$n" -gt 0 ]; then
        us=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
        if [ -z "${!cpu_var:-}" ] || awk -v a="$us" -v b="${!cpu_var}" 'BEGIN {exit !(a < b)}'; then printf -v "$cpu_var" '%s' "$us"; fi
    fi
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}' <<<"$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
    sock=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
    printf -v "$err_var" '%s' "$(( ${!err_var:-0} + ${non2xx:-0} + ${sock:-0} ))"
    [ -n "$rps" ] || { printf -v "$err_var" '%s' "$(( ${!err_var} + 1 ))"; return; }
    if awk -v a="$rps" -v b="${!best_var:-0}" 'BEGIN {exit !(a > b)}'; then
        printf -v "$best_var" '%s' "$rps"
        printf -v "best_p99_$name" '%s' "$p99"
    fi
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hwm() { awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

say "starting Express (documented handler) and vodsign serve (bare; JWT + CORS + rate limits + metrics + access log)"
start express env NODE_PATH="$nodedir/node_modules" VODSIGN_SECRET_KEY="$key" node benches/serve/express.js
start bare env VODSIGN_SECRET_KEY="$key" target/release/vodsign serve --config "$work/bare.toml" --insecure-no-auth
start full env VODSIGN_SECRET_KEY="$key" VODSIGN_JWT_SECRET="$jwt_secret" target/release/vodsign serve --config "$work/full.toml"
full_headers=(-H "Authorization: Bearer $token" -H "Origin: https://app.example.com")
# Warm-up, then the rounds interleaved, so that a busy moment of the machine hits all three alike.
for name in express bare full; do
    if [ "$name" = full ]; then h=("${full_headers[@]}"); else h=(); fi
    addr_var=addr_$name
    taskset -c 1 wrk -t1 -c64 -d2s -s "$work/post.lua" "${h[@]}" "http://${!addr_var}/signature" >/dev/null 2>&1
done
for ((r = 1; r <= rounds; r++)); do
    say "round $r of $rounds"
    once express
    once bare
    once full "${full_headers[@]}"
done
curl -s "http://$addr_full/metrics" | grep -q '^vodsign_signatures_issued_total [1-9]' || die "the full run issued no signature"
e_rps=$best_rps_express e_p99=$best_p99_express e_err=$errors_express e_mem=$(hwm "$pid_express") e_cpu=$cpu_us_express
b_rps=$best_rps_bare b_p99=$best_p99_bare b_err=$errors_bare b_mem=$(hwm "$pid_bare") b_cpu=$cpu_us_bare
f_rps=$best_rps_full f_p99=$best_p99_full f_err=$errors_full f_mem=$(hwm "$pid_full") f_cpu=$cpu_us_full

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {ok = (op == ">=" ? v >= t : v <= t); print (ok ? "met" : "MISSED")}'; }
b_x=$(ratio "$b_rps" "$e_rps"); f_x=$(ratio "$f_rps" "$e_rps")
b_p=$(ratio "$e_p99" "$b_p99"); f_p=$(ratio "$e_p99" "$f_p99")
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
load=$load_start

table=$(cat <<MD
<!-- serve-bench:begin: generated by scripts/bench-serve.sh (./build.sh bench); edit outside the markers -->
## Signature service under load

\`vodsign serve\` against the documented Express handler (\`benches/serve/express.js\`, express 5, one
Node $(node --version) process), each server pinned to core 0, load from wrk pinned to core 1: 64
connections, \`POST /signature\` with \`{}\`, ${seconds} s each after a 2 s warm-up, ${rounds} rounds
taking turns, the best round of each quoted.
Memory is the server's peak resident set (VmHWM). CPU: ${cpu}. Run on $(date -u +%Y-%m-%d).

| server | requests/s | p99 latency | server CPU per request | peak RSS | errors | vs Express |
|---|---|---|---|---|---|---|
| Express (documented handler) | ${e_rps} | ${e_p99} ms | ${e_cpu} µs | ${e_mem} MB | ${e_err} | 1× |
| vodsign serve, 1 worker, nothing else on | ${b_rps} | ${b_p99} ms | ${b_cpu} µs | ${b_mem} MB | ${b_err} | ${b_x}× the requests/s, 1/${b_p} of the p99, 1/$(ratio "$e_cpu" "$b_cpu") of the CPU |
| vodsign serve, 1 worker, JWT + CORS + rate limits + metrics + access log | ${f_rps} | ${f_p99} ms | ${f_cpu} µs | ${f_mem} MB | ${f_err} | ${f_x}× the requests/s, 1/${f_p} of the p99, 1/$(ratio "$e_cpu" "$f_cpu") of the CPU |

Server CPU per request is the server process's user + system time over the requests of a round
(the least of the rounds); on a machine shared with other work it is steadier than requests/s.
Load average at the start: ${load}.

Targets: bare at least 8× the requests/s ($(verdict "$b_x" ">=" 8)) and at most 1/5 of the p99
($(verdict "$b_p" ">=" 5)); everything on at least 5× ($(verdict "$f_x" ">=" 5)); peak RSS at most
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
