#!/usr/bin/env bash
# ./build.sh bench: signatures per second per core, in one run on the same inputs
# (benches/inputs.json), for every surface: the Rust core (benches/rust.rs, with the bare
# HMAC-SHA1 + Base64 limit), the C ABI (benches/c/bench.c), Swift through uniffi
# (benches/swift/main.swift), Kotlin through the generated uniffi/JNA binding and through the fast
# path com.vodsign.fast.FastSigner (benches/kotlin/Bench.kt), and the Node reference
# (benches/node.js). Each benchmark: a warm-up, 9 samples, the median quoted; each is pinned to
# core 0 when taskset exists; everything runs in 3 rounds and each benchmark's best round is
# quoted. Prints the table and the targets, and rewrites the generated part of BENCHMARKS.md
# (benches/report.js). About 3 minutes.
#
#   scripts/bench.sh             measure, print, write BENCHMARKS.md
#   scripts/bench.sh --profile   no timing: callgrind instruction counts per operation of the Rust
#                                signer, the C ABI, the bare limit and decode, on an unstripped
#                                build in target/prof (where the time goes)
#
# Environment:
#   VODSIGN_BENCH_ROUNDS    rounds of measurements (default 3; the best round is quoted)
#   VODSIGN_BENCH_WAIT      seconds to wait at most for the machine to be quiet (default 30)
#   VODSIGN_BENCH_MAX_LOAD  "quiet": 1-minute load average at most this (default 1.0)
#
# Benchmarks are not tests: a missed target is reported, never a failure. The exit status is
# non-zero only when a benchmark could not be built or run, or when a surface signed differently
# from the Node reference.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2
# shellcheck source=scripts/toolchains.sh
. scripts/toolchains.sh

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }

mode=run
case "${1:-}" in
    "") ;;
    --profile) mode=profile ;;
    -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--profile]" >&2; exit 2 ;;
esac

command -v cargo >/dev/null 2>&1 || die "cargo is missing: install Rust (rustup) first"
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
[ "$mode" = profile ] && ! command -v valgrind >/dev/null 2>&1 && missing+=(valgrind)
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} (first run only)"
    _vs_apt_install "${missing[@]}" || die "could not install ${missing[*]}"
fi

# ---------------------------------------------------------------------------------------------
# --profile: instruction counts per operation under callgrind (valgrind hides SHA-NI, so SHA-1
# runs its portable code there: compare the signer with the bare limit, which pays the same).
if [ "$mode" = profile ]; then
    iters=20000
    export CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=1 CARGO_TARGET_DIR=$root/target/prof
    say "building the Rust benchmark unstripped, with debug info (target/prof)"
    exe=$(cargo bench --bench rust --no-run --message-format=json 2>/dev/null |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const l of s.split("\n")){try{const m=JSON.parse(l);if(m.executable&&m.target&&m.target.name==="rust")console.log(m.executable)}catch(e){}}})' | tail -n 1)
    [ -x "$exe" ] || die "cargo bench --no-run did not give the benchmark's executable"
    out=$root/target/prof/callgrind
    mkdir -p "$out"
    for name in rust_signer_into rust_signer bare_limit rust_decode; do
        say "callgrind: $name, $iters operations"
        VODSIGN_BENCH_ITERS=$iters VODSIGN_BENCH_ONLY=$name \
            valgrind --tool=callgrind --callgrind-out-file="$out/$name.out" "$exe" >/dev/null 2>"$out/$name.log" ||
            { tail -n 20 "$out/$name.log"; die "valgrind failed on $name"; }
    done
    # The C ABI: the bench program against the unstripped library.
    # Built as scripts/build-lib.sh builds the release library (cdylib alone, so that LTO
    # applies), but unstripped and in target/prof, leaving target/lib alone.
    say "building the library unstripped (target/prof) and the C benchmark against it"
    cargo rustc --quiet --release --lib --crate-type cdylib || die "cargo rustc --crate-type cdylib failed"
    mkdir -p "$out/lib"
    cp "$root/target/prof/release/libvodsign.so" "$out/lib/libvodsign.so" || die "no target/prof/release/libvodsign.so"
    ln -sf libvodsign.so "$out/lib/libvodsign.so.1"
    cc -std=c11 -O2 -g -I include -I tests/c benches/c/bench.c tests/c/json.c -L "$out/lib" -lvodsign \
        -Wl,-rpath,"$out/lib" -o "$out/c-bench" || die "benches/c/bench.c does not build"
    say "callgrind: c_signer, $iters operations"
    VODSIGN_BENCH_ITERS=$iters valgrind --tool=callgrind --callgrind-out-file="$out/c_signer.out" \
        "$out/c-bench" benches/inputs.json >/dev/null 2>"$out/c_signer.log" ||
        { tail -n 20 "$out/c_signer.log"; die "valgrind failed on c_signer"; }
    for name in rust_signer_into rust_signer c_signer bare_limit rust_decode; do
        total=$(callgrind_annotate "$out/$name.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
        printf '\n%s: %s instructions per operation\n' "$name" "$((total / iters))"
        callgrind_annotate --inclusive=no "$out/$name.out" 2>/dev/null |
            awk -v n="$iters" '/^ *[0-9,]+ \(/ && !/PROGRAM TOTALS/ {
                ir = $1; gsub(",", "", ir); sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, "")
                sub(/^.*\/(src|library)\//, "")
                if (c++ < 12) printf "  %7.0f  %s\n", ir / n, substr($0, 1, 150)
            }'
    done
    echo
    echo "Per operation, exclusive: the top functions (inlined code is named by its source file)."
    echo "Under valgrind the CPU has no SHA-NI, so sha1's portable compress runs here; the real run"
    echo "uses SHA-NI. bare_limit pays the same SHA-1 work as the signers: compare against it."
    echo "Raw data: $out/*.out (callgrind_annotate FILE, or kcachegrind)."
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Wait for a quiet machine (bounded), and describe it.
nproc_n=$(nproc)
load1() { cut -d' ' -f1 /proc/loadavg; }
loads() { cut -d' ' -f1-3 /proc/loadavg; }
max_wait=${VODSIGN_BENCH_WAIT:-30}
max_load=${VODSIGN_BENCH_MAX_LOAD:-1.0}
waited=0
while awk -v l="$(load1)" -v m="$max_load" 'BEGIN { exit !(l > m) }' && [ "$waited" -lt "$max_wait" ]; do
    [ "$waited" = 0 ] && say "load average $(loads) is above $max_load: waiting up to ${max_wait} s for a quieter machine"
    sleep 10
    waited=$((waited + 10))
done
t_start=$(date +%s)
load_before=$(loads)

pin=()
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
    pin=(taskset -c 0)
else
    say "taskset is not available: the benchmarks are not pinned to one core"
fi

out=$root/target/bench
mkdir -p "$out/lib" || die "cannot create $out"
results=$out/results.txt
: >"$results"
failed() { # NAME REASON...
    local name=$1
    shift
    echo "FAILED $name $*" >>"$results"
    say "$name: $*"
}

# ---------------------------------------------------------------------------------------------
# Build everything first (not pinned), so that nothing compiles while others are measured.
say "building the release library and the benchmarks"
"$root/scripts/build-lib.sh" -q || die "building the release library (scripts/build-lib.sh) failed"
lib=$root/target/lib/libvodsign.so
cp "$lib" "$out/lib/libvodsign.so" || die "cannot copy $lib"
soname=$(readelf -d "$out/lib/libvodsign.so" 2>/dev/null | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
if [ -n "$soname" ] && [ "$soname" != libvodsign.so ]; then
    ln -sf libvodsign.so "$out/lib/$soname"
fi
cargo bench --bench rust --no-run --quiet 2>/dev/null || die "cargo bench --bench rust --no-run failed"

c_ok=0
if cc -std=c11 -O2 -Wall -Wextra -Werror -I include -I tests/c benches/c/bench.c tests/c/json.c \
    -L "$out/lib" -lvodsign -Wl,-rpath,"$out/lib" -o "$out/c-bench" 2>"$out/c-build.log"; then
    c_ok=1
else
    cat "$out/c-build.log" >&2
    failed c_signer "benches/c/bench.c does not build"
fi

kotlin_ok=0
if ensure_kotlin && scripts/test-kotlin.sh --jar-only; then
    kjar=$root/target/kotlin/vodsign.jar
    bjar=$out/kotlin-bench.jar
    if [ ! -f "$bjar" ] || [ "$kjar" -nt "$bjar" ] || [ benches/kotlin/Bench.kt -nt "$bjar" ] || [ tests/kotlin/Json.kt -nt "$bjar" ]; then
        "$KOTLINC" -Werror -cp "$kjar:$JNA_JAR" benches/kotlin/Bench.kt tests/kotlin/Json.kt -d "$out/.kotlin-bench.tmp.jar" >&2 &&
            mv "$out/.kotlin-bench.tmp.jar" "$bjar"
    fi
    if [ -f "$bjar" ] && [ ! "$kjar" -nt "$bjar" ]; then kotlin_ok=1; else failed kotlin_fast "benches/kotlin/Bench.kt does not build"; fi
else
    failed kotlin_fast "the Kotlin toolchain or target/kotlin/vodsign.jar is not available"
fi

swift_ok=0
swift_version=unknown
if ensure_swift; then
    # shellcheck disable=SC2016
    if swift_run "$root" env ROOT="$root" PKG="$root/bindings/swift" OUT="$out/swift" LIB="$out/lib" bash -c '
        set -u
        mkdir -p "$OUT/module"
        mm=$PKG/Sources/VodSignFFI/module.modulemap
        swiftc --version 2>&1 | head -n 1 >"$OUT/version"
        swiftc -O -parse-as-library -module-name VodSign -emit-module -emit-module-path "$OUT/module/VodSign.swiftmodule" \
            -emit-library -static -o "$OUT/module/libVodSign.a" -Xcc -fmodule-map-file="$mm" "$PKG/Sources/VodSign/VodSign.swift" &&
        swiftc -O -module-name Bench -I "$OUT/module" -Xcc -fmodule-map-file="$mm" "$ROOT/benches/swift/main.swift" \
            "$OUT/module/libVodSign.a" -L "$LIB" -lvodsign -Xlinker -rpath -Xlinker "$LIB" -o "$OUT/bench"
    ' >&2; then
        swift_ok=1
        swift_version=$(sed 's/^.*Swift version \([^ ]*\).*$/\1/' "$out/swift/version" 2>/dev/null)
    else
        failed swift_uniffi "benches/swift/main.swift does not build"
    fi
else
    failed swift_uniffi "the Swift toolchain could not be set up"
fi

# ---------------------------------------------------------------------------------------------
# Measure, one after the other, each pinned to core 0, in rounds: round 1 runs everything (with
# the diagnostics), later rounds the main benchmarks again. On a shared machine another core's
# work slows this one at times; the report quotes each benchmark's best round (every round's
# median is shown), so that ratios compare undisturbed figures.
rounds=${VODSIGN_BENCH_ROUNDS:-3}
run() { # NAME CMD...: appends the command's stdout to the results; its stderr is shown.
    local name=$1
    shift
    say "round $round/$rounds: $name"
    if ! "${pin[@]}" "$@" >>"$results"; then failed "$name" "exited with an error (round $round)"; fi
}
for round in $(seq 1 "$rounds"); do
    diagnose=()
    [ "$round" = 1 ] && diagnose=(--diagnose)
    echo "ROUND $round" >>"$results"
    run rust cargo bench --bench rust --quiet
    [ "$c_ok" = 1 ] && run c_signer "$out/c-bench" benches/inputs.json
    [ "$swift_ok" = 1 ] && run swift_uniffi bash -c '. scripts/toolchains.sh && swift_run "$@"' _ "$root" "$out/swift/bench" \
        "$root/benches/inputs.json" "${diagnose[@]}"
    # No jna.library.path: the native library comes from the jar, as for the conformance suite.
    [ "$kotlin_ok" = 1 ] && run kotlin env -u LD_LIBRARY_PATH java \
        -cp "$out/kotlin-bench.jar:$root/target/kotlin/vodsign.jar:$JNA_JAR:$KOTLIN_STDLIB" \
        com.vodsign.bench.BenchKt benches/inputs.json "${diagnose[@]}"
    run node_reference node benches/node.js benches/inputs.json
done

# ---------------------------------------------------------------------------------------------
# Report.
first_line() { "$@" 2>&1 | head -n 1; }
dirty=false
git diff --quiet HEAD 2>/dev/null || dirty=true
META=$out/meta.json
DATE="$(date -u '+%Y-%m-%d %H:%M UTC')" COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" DIRTY=$dirty \
NPROC=$nproc_n CPU="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" \
SHANI=$(grep -qw sha_ni /proc/cpuinfo && echo true || echo false) KERNEL="$(uname -sr)" \
LOAD_BEFORE="$load_before" LOAD_AFTER="$(loads)" PINNED=$([ ${#pin[@]} -gt 0 ] && echo true || echo false) \
ROUNDS=$rounds WAITED=$waited SECONDS_TOTAL=$(($(date +%s) - t_start)) \
T_RUST="$(first_line rustc --version)" T_CC="$(first_line cc --version | sed "s/^cc //")" T_NODE="$(node --version)" \
T_JAVA="$(first_line java -version)" T_KOTLIN="${VODSIGN_KOTLIN_VERSION:-?}" \
T_JNA="$(readlink -f "${JNA_JAR:-/usr/share/java/jna.jar}" 2>/dev/null | sed -n 's/.*jna-\([0-9.]*\)\.jar/\1/p')" T_SWIFT="$swift_version" \
node -e '
const e = process.env, split = (s) => s.trim().split(/\s+/);
const m = {
  date: e.DATE, commit: e.COMMIT, dirty: e.DIRTY === "true", nproc: Number(e.NPROC), cpu: e.CPU,
  shaNi: e.SHANI === "true", kernel: e.KERNEL, loadBefore: split(e.LOAD_BEFORE), loadAfter: split(e.LOAD_AFTER),
  pinned: e.PINNED === "true", rounds: Number(e.ROUNDS), waited: Number(e.WAITED), seconds: Number(e.SECONDS_TOTAL),
  tools: { rustc: e.T_RUST.replace(/^rustc /, ""), cc: e.T_CC, java: e.T_JAVA, Kotlin: e.T_KOTLIN, JNA: e.T_JNA || "?",
           Swift: e.T_SWIFT, Node: e.T_NODE },
};
require("fs").writeFileSync(process.argv[1], JSON.stringify(m, null, 2));
' "$META" || die "could not write $META"
exec node benches/report.js "$results" "$META" "$root/BENCHMARKS.md"
