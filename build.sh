#!/usr/bin/env bash
# vodsign: build, test, benchmark, fuzz and install. Run `./build.sh help`.
#
# Everything a command needs is installed by this script itself (cached under
# ${VODSIGN_CACHE:-$HOME/.cache/vodsign} after the first run): nothing is expected by hand.
set -uo pipefail
cd "$(dirname "$0")" || exit 2
ROOT=$PWD
export VODSIGN_CACHE=${VODSIGN_CACHE:-$HOME/.cache/vodsign}
# shellcheck source=scripts/toolchains.sh
. scripts/toolchains.sh

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 2; }

usage() {
    cat <<'USAGE'
usage: ./build.sh [COMMAND]
  (none)               build the release library and CLI, the bindings and the Kotlin jar,
                       then sign with a throwaway key and decode the result
  test                 run every suite (Rust, reference, C, Kotlin, Swift, drift and size checks,
                       the signature service in headless Chromium with the web upload SDK, the
                       Rust and C suites for aarch64 and armv7 under qemu and for i686, the
                       Android static libraries, the minimum Rust version); ends with
                       "N passed, N failed"
  mobile [TRIPLE...]   static libraries for Android and iOS in target/mobile/TRIPLE/, each checked
                       to export include/vodsign.symbols (compiled only: see README, Platforms)
  bench                benchmarks (the core's, then the signature service's against Express);
                       writes BENCHMARKS.md
  serve [OPTIONS]      run `vodsign serve` on 127.0.0.1 with examples/serve.toml and a throwaway
                       key, and print a curl line that gets a signature (OPTIONS go to serve,
                       e.g. --listen 127.0.0.1:0)
  fuzz [SECONDS]       run each fuzz target for SECONDS (default 60)
  install --prefix DIR install header, libraries and pkg-config file under DIR
  help                 this text
USAGE
}

# Tools the suites use beyond Rust: Node (the reference), gcc, valgrind, pkg-config, PHP (the
# conformance suite runs the PHP example adapter; python3 is part of the base system).
ensure_host_tools() {
    local missing=()
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v cc >/dev/null 2>&1 || missing+=(gcc)
    command -v g++ >/dev/null 2>&1 || missing+=(g++)
    command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    command -v php >/dev/null 2>&1 || missing+=(php-cli)
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]} (first run only)"
        _vs_apt_install "${missing[@]}" || die "could not install ${missing[*]}"
    fi
    command -v cargo >/dev/null 2>&1 || die "cargo is missing: install Rust (rustup) first"
}

cmd_build() {
    ensure_host_tools
    say "building the release library and CLI"
    scripts/build-lib.sh || die "building the libraries failed"
    cargo build --release --features cli --bin vodsign || die "cargo build failed"
    say "generating bindings (bindings/kotlin, bindings/swift)"
    scripts/gen-bindings.sh || die "generating bindings failed"
    say "building the Kotlin jar"
    scripts/test-kotlin.sh --jar-only || die "building the jar failed"
    local key sig
    key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    say "signing with a throwaway key, then decoding"
    sig=$(VODSIGN_SECRET_KEY=$key target/release/vodsign sign --secret-id AKIDexample --procedure LongVideoPreset --class-id 3) ||
        die "signing failed"
    printf 'signature: %s\n\n' "$sig"
    target/release/vodsign decode "$sig" || die "decoding failed"
    VODSIGN_SECRET_KEY=$key target/release/vodsign verify "$sig" || die "verifying failed"
    cat <<DONE

artifacts:
  target/release/vodsign            the CLI
  target/lib/libvodsign.so          shared library (C ABI and uniffi), SONAME libvodsign.so.1
  target/lib/libvodsign.a           static library
  include/vodsign.h                 C header
  bindings/kotlin, bindings/swift   generated bindings
  target/kotlin/vodsign.jar         Kotlin bindings with the native library inside
DONE
}

# ---------------------------------------------------------------------------------------------
# test: every suite; each prints counts, which are summed into the last line.
PASSED=0
FAILED=0
SUITES=()
LOGDIR=$ROOT/target/test-logs

# run_suite NAME CMD...: runs CMD, shows its output, and adds the counts it reports
# ("N passed, N failed" lines, or cargo's "test result:" lines). A suite that exits non-zero
# without reporting a failure counts as one failure; one that reports nothing counts as one.
run_suite() {
    local name=$1; shift
    local log="$LOGDIR/$name.log" rc p=0 f=0 t0=$SECONDS
    say "suite: $name"
    "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    if grep -qE '^test result: ' "$log"; then
        p=$(grep -oE 'test result: [A-Za-z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
        f=$(grep -oE '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
    elif grep -qE '^[0-9]+ passed, [0-9]+ failed' "$log"; then
        read -r p f < <(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 | awk '{print $1, $3}')
    fi
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
    if [ "$rc" = 0 ] && [ "$p" = 0 ] && [ "$f" = 0 ]; then
        echo "$name: reported no test" >&2
        f=1
    fi
    PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
    SUITES+=("$(printf '%-12s %5d passed, %d failed  (%d s)' "$name" "$p" "$f" $((SECONDS - t0)))")
}

# The API documentation, private items included, builds without a warning (a broken link fails).
check_docs() {
    if RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --document-private-items --features cli --quiet; then
        echo "1 passed, 0 failed"
    else
        echo "0 passed, 1 failed"
        return 1
    fi
}

cmd_test() {
    mkdir -p "$LOGDIR"
    ensure_host_tools
    run_suite rust cargo test --features cli,serve --no-fail-fast
    run_suite docs check_docs
    run_suite reference node tests/reference/gen-vectors.js --check
    run_suite c scripts/test-c.sh
    run_suite bindings scripts/gen-bindings.sh --check
    run_suite kotlin scripts/test-kotlin.sh
    run_suite jar scripts/check-jar.sh
    run_suite swift scripts/test-swift.sh
    run_suite size scripts/check-size.sh
    run_suite browser scripts/test-browser.sh
    # Other architectures, in a Debian trixie root made on the first run (scripts/cross-root.sh).
    local triple
    for triple in aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf i686-unknown-linux-gnu; do
        run_suite "rust-${triple%%-*}" scripts/test-cross.sh rust "$triple"
        run_suite "c-${triple%%-*}" scripts/test-cross.sh c "$triple"
    done
    run_suite android scripts/build-mobile.sh aarch64-linux-android armv7-linux-androideabi
    # Cargo.toml's rust-version, with Debian trixie's rustc of that version.
    run_suite msrv scripts/test-msrv.sh
    echo
    printf '%s\n' "${SUITES[@]}"
    echo "wall time: $((SECONDS / 60)) min $((SECONDS % 60)) s"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
}

# serve: the signature service with the example configuration, a throwaway SecretKey and a
# throwaway JWT secret; a token for a demo user is made here (with Node's crypto) so the curl line
# shows the real flow: a bearer token checked before signing.
cmd_serve() {
    ensure_host_tools
    say "building vodsign with the serve feature"
    cargo build --release --features serve --bin vodsign || die "cargo build failed"
    local key jwt_secret token out pid addr admin line
    key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    jwt_secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
    token=$(VODSIGN_JWT_SECRET=$jwt_secret node scripts/demo-jwt.js demo-user 3600) || die "making the demo token failed"
    out=$(mktemp -d)
    mkfifo "$out/stdout"
    VODSIGN_SECRET_KEY=$key VODSIGN_JWT_SECRET=$jwt_secret \
        target/release/vodsign serve --config examples/serve.toml "$@" >"$out/stdout" &
    pid=$!
    trap 'kill -TERM $pid 2>/dev/null; wait $pid; rm -rf "$out"; exit 0' INT TERM
    exec 3<"$out/stdout"
    IFS= read -r line <&3 || { wait $pid; rm -rf "$out"; die "vodsign serve did not start"; }
    addr=${line#listening on }
    IFS= read -r -t 2 line <&3 && admin=${line#admin listening on }
    cat <<INFO

vodsign serve is listening on http://$addr (pid $pid; Ctrl-C stops it, kill -HUP $pid reloads)
${admin:+health and metrics: http://$admin/livez  /readyz  /metrics
}a signature for the demo user (the token is valid for an hour):

  curl -s -X POST -H 'Authorization: Bearer $token' -H 'Origin: https://app.example.com' http://$addr/signature

INFO
    curl -s -X POST -H "Authorization: Bearer $token" -H 'Origin: https://app.example.com' "http://$addr/signature" && echo
    cat <&3 >/dev/null &
    wait $pid
    rm -rf "$out"
}

cmd=${1:-build}
[ $# -gt 0 ] && shift
case $cmd in
    build) cmd_build ;;
    test) cmd_test ;;
    mobile) exec scripts/build-mobile.sh "$@" ;;
    bench)
        # With --profile only the core's profile; otherwise the core's benchmarks, then the
        # signature service's (scripts/bench-serve.sh), both into BENCHMARKS.md.
        [ $# -gt 0 ] && exec scripts/bench.sh "$@"
        scripts/bench.sh; rc=$?
        scripts/bench-serve.sh || rc=1
        exit "$rc" ;;
    serve) cmd_serve "$@" ;;
    fuzz) exec scripts/fuzz.sh "$@" ;;
    install) exec scripts/install.sh "$@" ;;
    help | -h | --help) usage ;;
    *) usage >&2; exit 2 ;;
esac
