#!/usr/bin/env bash
# The suites for other Linux architectures, built in a Debian trixie root (scripts/cross-root.sh,
# made and cached on the first run) with rustc-web and the cross gcc, and run under qemu-user
# (aarch64, armv7) or natively (i686).
#
#   scripts/test-cross.sh rust TRIPLE [ARGS...]
#                                       the whole Rust suite (`cargo test --features cli`, the CLI
#                                       tests included: the foreign `vodsign` binary runs through
#                                       a binfmt_misc entry private to the root's namespace);
#                                       ARGS go to `cargo test` (e.g. --test memory)
#   scripts/test-cross.sh c TRIPLE      the release libraries (LTO, as scripts/build-lib.sh),
#                                       their exported symbols and SONAME, and the C conformance
#                                       suite (tests/c/conformance.c) linked shared, static and
#                                       with -fsanitize=undefined. ASan, LeakSanitizer and
#                                       valgrind do not work under qemu-user: they stay on x86-64
#                                       (scripts/test-c.sh). Leaves the libraries in
#                                       target/cross-lib/TRIPLE/.
#   scripts/test-cross.sh lib TRIPLE    only those libraries (the jar takes the aarch64 one)
#
# TRIPLE: aarch64-unknown-linux-gnu, armv7-unknown-linux-gnueabihf or i686-unknown-linux-gnu.
# Each run ends with cargo's "test result:" lines (rust) or "N passed, N failed" (c).
#
# Emulation is slow, so under qemu (not on i686) two counts are lowered, and say so when they
# are: the property tests run VODSIGN_EMULATED_PROPTEST_CASES cases each (default 32, instead of
# 128 to 256; PROPTEST_CASES overrides both), and the C suite's thread and loop tests do
# VODSIGN_EMULATED_C_ITERS iterations (default 20000, instead of 100000 and 10000). Every test
# still runs, but one (a_child_that_exits_at_once_or_cannot_start_is_reported: qemu-user cannot
# report a failed exec, see below); only the number of random or repeated inputs is smaller.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD

usage() { echo "usage: scripts/test-cross.sh rust|c|lib aarch64-unknown-linux-gnu|armv7-unknown-linux-gnueabihf|i686-unknown-linux-gnu" >&2; exit 2; }
[ $# -ge 2 ] || usage
kind=$1 triple=$2
shift 2
[ $# = 0 ] || [ "$kind" = rust ] || usage
case $kind in rust | c | lib) ;; *) usage ;; esac
case $triple in
    aarch64-unknown-linux-gnu) gnu=aarch64-linux-gnu qemu=qemu-aarch64 ;;
    armv7-unknown-linux-gnueabihf) gnu=arm-linux-gnueabihf qemu=qemu-arm ;;
    i686-unknown-linux-gnu) gnu=i686-linux-gnu qemu="" ;;
    *) usage ;;
esac

# shellcheck source=scripts/toolchains.sh
. scripts/toolchains.sh
# shellcheck source=scripts/cross-root.sh
. scripts/cross-root.sh
in_cross_root scripts/test-cross.sh "$kind" "$triple" "$@"

# ---------------------------------------------------------------------------------------------
# Inside the root.

upper=$(printf '%s' "$triple" | tr 'a-z-' 'A-Z_')
export "CARGO_TARGET_${upper}_LINKER=$gnu-gcc"
export "CC_${triple//-/_}=$gnu-gcc"
if [ -n "$qemu" ]; then
    export "CARGO_TARGET_${upper}_RUNNER=$qemu -L /usr/$gnu"
    # For foreign executables started by the tests themselves (through binfmt_misc).
    export QEMU_LD_PREFIX=/usr/$gnu
    run=("$qemu" -L "/usr/$gnu")
else
    run=()
fi
export CARGO_TERM_COLOR=never

if [ "$kind" = rust ]; then
    if [ -n "$qemu" ] && [ -z "${PROPTEST_CASES:-}" ]; then
        export PROPTEST_CASES=${VODSIGN_EMULATED_PROPTEST_CASES:-32}
        echo "note: emulated target: the property tests run $PROPTEST_CASES cases each"
    fi
    if [ -n "$qemu" ] && [ $# = 0 ]; then
        # qemu-user runs glibc's posix_spawn (clone with CLONE_VM | CLONE_VFORK) as a fork, so a
        # program that cannot be executed is reported as a child exiting with 127 instead of a
        # failed spawn: the one test of that difference cannot pass under emulation.
        set -- -- --skip a_child_that_exits_at_once_or_cannot_start_is_reported
        echo "note: emulated target: skipping a_child_that_exits_at_once_or_cannot_start_is_reported (qemu-user cannot report a failed exec)"
    fi
    echo "rustc: $(rustc --version), target $triple${qemu:+ under $qemu}"
    CARGO_TARGET_DIR=$ROOT/target/cross exec cargo test --features cli --no-fail-fast --target "$triple" "$@"
fi

# ---------------------------------------------------------------------------------------------
# C: build, symbols, conformance suite.

PASSED=0
FAILED=0
WORK=$(mktemp -d /tmp/vodsign-cross-c.XXXXXX) || exit 2
OUT=$ROOT/target/cross-lib/$triple
mkdir -p "$WORK/bin" "$OUT"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

step() {
    local name=$1 log=$WORK/step.log
    shift
    if "$@" >"$log" 2>&1; then
        PASSED=$((PASSED + 1)); printf 'ok    %s\n' "$name"
    else
        FAILED=$((FAILED + 1)); printf 'FAIL  %s\n' "$name"; tail -n 40 "$log" | sed 's/^/      | /'
        return 1
    fi
}
# suite NAME CMD...: adds the run's "N passed, N failed"; a crash or no count is one failure.
suite() {
    local name=$1 log=$WORK/suite.log rc p=0 f=0 line
    shift
    "$@" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    [ -n "$line" ] && read -r p _ f _ <<<"$line"
    grep -E '^(FAIL|    )' "$log" | head -n 40 | sed "s/^/      [$name] /"
    if { [ "$rc" != 0 ] || [ -z "$line" ]; } && [ "$f" = 0 ]; then
        f=1; echo "      [$name] exited with status $rc:"; tail -n 20 "$log" | sed "s/^/      [$name] | /"
    fi
    PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
    printf '%-5s suite %s: %d passed, %d failed\n' "$([ "$f" = 0 ] && echo ok || echo FAIL)" "$name" "$p" "$f"
}

echo "rustc: $(rustc --version), gcc: $($gnu-gcc --version | head -n 1), target $triple${qemu:+ under $qemu}"

build_libs() {
    local log=$WORK/rustc.log
    CARGO_TARGET_DIR=$ROOT/target/cross-lto cargo rustc --release --lib --target "$triple" \
        --crate-type cdylib,staticlib -- --print native-static-libs 2>"$log" || { cat "$log"; return 1; }
    cp "$ROOT/target/cross-lto/$triple/release/libvodsign.so" "$ROOT/target/cross-lto/$triple/release/libvodsign.a" "$OUT/" &&
        sed -n 's/.*native-static-libs: //p' "$log" | tail -n 1 >"$OUT/native-static-libs.txt" &&
        [ -s "$OUT/native-static-libs.txt" ] &&
        mkdir -p "$WORK/lib" && cp "$OUT/libvodsign.so" "$WORK/lib/libvodsign.so.1" && ln -s libvodsign.so.1 "$WORK/lib/libvodsign.so"
}
if [ "$kind" = lib ]; then
    build_libs || { echo "building the libraries for $triple failed"; exit 1; }
    rm -rf "$WORK"
    exit 0
fi
step "release libraries for $triple (cargo rustc, LTO)" build_libs
BUILT=$?

dyn_symbols() { readelf --dyn-syms -W "$1" | awk '$4 == "FUNC" && $5 == "GLOBAL" && $7 != "UND" && $8 ~ /^vodsign_/ {print $8}' | sort -u; }
static_symbols() { readelf -sW "$1" 2>/dev/null | awk '$4 == "FUNC" && $5 == "GLOBAL" && $7 != "UND" && $8 ~ /^vodsign_/ {print $8}' | sort -u; }
machine() { readelf -h "$1" | sed -n 's/^ *Machine: *//p'; }
check_so() {
    echo "machine: $(machine "$OUT/libvodsign.so")"
    diff -u include/vodsign.symbols <(dyn_symbols "$OUT/libvodsign.so")
}
check_a() { diff -u include/vodsign.symbols <(static_symbols "$OUT/libvodsign.a"); }
check_soname() { readelf -d "$OUT/libvodsign.so" | grep -q 'Library soname: \[libvodsign.so.1\]'; }
if [ "$BUILT" = 0 ]; then
    step "symbols: libvodsign.so exports exactly include/vodsign.symbols" check_so
    step "symbols: libvodsign.a defines exactly include/vodsign.symbols" check_a
    step "SONAME is libvodsign.so.1" check_soname
else
    FAILED=$((FAILED + 3))
fi

CSTD=(-std=c11 -Wall -Wextra -Werror -pedantic)
SRC=(tests/c/conformance.c tests/c/json.c)
compile_shared() { $gnu-gcc "${CSTD[@]}" -O1 -g -Iinclude "${SRC[@]}" -o "$WORK/bin/shared" -L"$WORK/lib" -lvodsign -pthread; }
compile_static() {
    # shellcheck disable=SC2046
    $gnu-gcc "${CSTD[@]}" -O1 -g -Iinclude "${SRC[@]}" -o "$WORK/bin/static" "$OUT/libvodsign.a" \
        $(cat "$OUT/native-static-libs.txt") -pthread &&
        ! readelf -d "$WORK/bin/static" | grep -q 'NEEDED.*libvodsign'
}
compile_ubsan() {
    $gnu-gcc "${CSTD[@]}" -O1 -g -fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
        -Iinclude "${SRC[@]}" -o "$WORK/bin/ubsan" -L"$WORK/lib" -lvodsign -pthread
}

iters=()
if [ -n "$qemu" ]; then
    n=${VODSIGN_EMULATED_C_ITERS:-20000}
    iters=(VODSIGN_C_THREAD_ITERS="$n" VODSIGN_C_LOOP_ITERS="$n")
    echo "note: emulated target: the thread and loop tests do $n iterations"
fi
# The cross libc (and libubsan) live under /usr/$gnu/lib: qemu's -L finds them there (the
# library path is given to the guest only, not to qemu); natively (i686) the loader is told.
run_env=(env VODSIGN_EXPECTED_VERSION="$VERSION" "${iters[@]}" UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1)
if [ -n "$qemu" ]; then
    run_env+=(QEMU_SET_ENV="LD_LIBRARY_PATH=$WORK/lib")
else
    run_env+=(LD_LIBRARY_PATH="$WORK/lib:/usr/$gnu/lib")
fi
for variant in shared static ubsan; do
    if [ "$BUILT" = 0 ] && step "compile the suite ($variant), C11 -Werror -pedantic" "compile_$variant"; then
        suite "$variant" "${run_env[@]}" "${run[@]}" "$WORK/bin/$variant" tests/vectors
    else
        FAILED=$((FAILED + 1)); echo "FAIL  suite $variant not run"
    fi
done

if [ "$FAILED" = 0 ]; then rm -rf "$WORK"; else echo "logs and binaries kept in $WORK (inside the root)"; fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
