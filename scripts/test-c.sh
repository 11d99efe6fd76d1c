#!/usr/bin/env bash
# The C ABI's checks: build, header drift, exported symbols, SONAME, version macros, the header as
# C11 and C++17, install + pkg-config (shared and static), and the conformance suite
# (tests/c/conformance.c) against the shared library, the static library, under valgrind and
# with -fsanitize=address,undefined.
#
#   scripts/test-c.sh
#
# Each check step counts as one case; each suite run adds its own counts. The last line is
# "N passed, N failed"; the exit status is 0 only when nothing failed. A missing tool is a
# failure, never a skip. Logs of failed steps are printed; everything is built in a temporary
# directory (kept, and named, when something failed).
#
# Environment:
#   VODSIGN_C_THREAD_ITERS   signatures per thread in the suite's thread test (default 100000;
#                            valgrind runs use VODSIGN_C_VALGRIND_THREAD_ITERS, default 10000)
#   VODSIGN_C_LOOP_ITERS     create/free loop iterations (default 10000; valgrind runs use
#                            VODSIGN_C_VALGRIND_LOOP_ITERS, default 2000)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD

PASSED=0
FAILED=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vodsign-c.XXXXXX") || exit 2
LOGS=$WORK/logs
mkdir -p "$LOGS" "$WORK/lib" "$WORK/bin"

CSTD=(-std=c11 -Wall -Wextra -Werror -pedantic)
CXXSTD=(-std=c++17 -Wall -Wextra -Werror -pedantic)
THREAD_ITERS=${VODSIGN_C_THREAD_ITERS:-100000}
LOOP_ITERS=${VODSIGN_C_LOOP_ITERS:-10000}
VG_THREAD_ITERS=${VODSIGN_C_VALGRIND_THREAD_ITERS:-10000}
VG_LOOP_ITERS=${VODSIGN_C_VALGRIND_LOOP_ITERS:-2000}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
slug() { printf '%s' "$1" | tr -c 'A-Za-z0-9_.-' '_'; }

# step NAME CMD...: one case; the output goes to a log, shown only on failure.
step() {
    local name=$1 log t0
    shift
    log="$LOGS/$(slug "$name").log"
    t0=$(now)
    if "$@" >"$log" 2>&1; then
        PASSED=$((PASSED + 1))
        printf 'ok    %-58s %s\n' "$name" "$(elapsed "$t0")"
        return 0
    fi
    FAILED=$((FAILED + 1))
    printf 'FAIL  %-58s %s\n' "$name" "$(elapsed "$t0")"
    tail -n 40 "$log" | sed 's/^/      | /'
    return 1
}

# suite NAME CMD...: a conformance run; adds its "N passed, N failed" counts. A run that exits
# non-zero without counting a failure (a crash, valgrind or a sanitizer) adds one failure; one
# that prints no count adds one failure.
suite() {
    local name=$1 log t0 rc p=0 f=0 line
    shift
    log="$LOGS/$(slug "$name").log"
    t0=$(now)
    "$@" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        read -r p _ f _ <<<"$line"
    fi
    grep -E '^(FAIL|    )' "$log" | head -n 60 | sed "s/^/      [$name] /"
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1
        echo "      [$name] exited with status $rc:"
        grep -vE '^(FAIL|    )' "$log" | tail -n 40 | sed "s/^/      [$name] | /"
    fi
    if [ -z "$line" ] && [ "$f" = 0 ]; then
        f=1
        echo "      [$name] printed no 'N passed, N failed' line"
    fi
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    printf '%-5s %-58s %s\n' "$([ "$f" = 0 ] && echo ok || echo FAIL)" "suite $name: $p passed, $f failed" \
        "$(elapsed "$t0")"
}

# ---------------------------------------------------------------------------------------------
# Tools

ensure_tools() {
    local missing=() t
    for t in cc gcc g++ valgrind pkg-config nm readelf cargo; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    if [ ${#missing[@]} -gt 0 ] && [ -f scripts/toolchains.sh ]; then
        local pkgs=()
        for t in "${missing[@]}"; do
            case $t in
                cc | gcc) pkgs+=(gcc) ;;
                g++) pkgs+=(g++) ;;
                valgrind) pkgs+=(valgrind) ;;
                pkg-config) pkgs+=(pkg-config) ;;
                nm | readelf) pkgs+=(binutils) ;;
            esac
        done
        if [ ${#pkgs[@]} -gt 0 ]; then
            echo "installing ${pkgs[*]}"
            # shellcheck source=scripts/toolchains.sh
            (. scripts/toolchains.sh && _vs_apt_install "${pkgs[@]}")
        fi
        missing=()
        for t in cc gcc g++ valgrind pkg-config nm readelf cargo; do
            command -v "$t" >/dev/null 2>&1 || missing+=("$t")
        done
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "missing tools: ${missing[*]}"
        return 1
    fi
}

step "tools (gcc, g++, valgrind, pkg-config, nm, readelf)" ensure_tools

# ---------------------------------------------------------------------------------------------
# Build and static checks

TARGET_DIR=$(cargo metadata --format-version 1 --no-deps 2>/dev/null |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
TARGET_DIR=${TARGET_DIR:-$ROOT/target}
# The release libraries, built with LTO by scripts/build-lib.sh.
REL=$ROOT/target/lib
VERSION=$(cargo pkgid 2>/dev/null | sed -n 's/.*[#@]\([0-9][0-9A-Za-z.+-]*\)$/\1/p')

build_release() {
    scripts/build-lib.sh || return 1
    [ -f "$REL/libvodsign.so" ] && [ -f "$REL/libvodsign.a" ] || { echo "no libvodsign.so/.a in $REL"; return 1; }
    # Snapshot the libraries: a concurrent build cannot change them under the suites.
    cp "$REL/libvodsign.so" "$WORK/lib/libvodsign.so.1" &&
        ln -sfn libvodsign.so.1 "$WORK/lib/libvodsign.so" &&
        cp "$REL/libvodsign.a" "$WORK/libvodsign.a"
}
step "release libraries (scripts/build-lib.sh)" build_release
BUILT=$?

step "header: include/vodsign.h matches scripts/gen-header.sh" scripts/gen-header.sh --check

exported_symbols() { nm -D --defined-only "$WORK/lib/libvodsign.so.1" | awk '$2 == "T" && $3 ~ /^vodsign_/ {print $3}' | sort; }
header_functions() { grep -E '^[A-Za-z]' include/vodsign.h | grep -oE '\bvodsign_[a-z0-9_]+\(' | tr -d '(' | sort; }
# readelf, not nm: nm's LLVM plugin chokes on the bitcode rustc embeds in the archive members.
static_symbols() {
    readelf -sW "${1:-$WORK/libvodsign.a}" 2>/dev/null |
        awk '$4 == "FUNC" && $5 == "GLOBAL" && $7 != "UND" && $8 ~ /^vodsign_/ {print $8}' | sort -u
}

check_symbols_so() {
    [ "$BUILT" = 0 ] || { echo "no library"; return 1; }
    diff -u include/vodsign.symbols <(exported_symbols)
}
check_symbols_header() { diff -u include/vodsign.symbols <(header_functions); }
check_symbols_static() {
    [ "$BUILT" = 0 ] || { echo "no library"; return 1; }
    diff -u include/vodsign.symbols <(static_symbols)
}
check_soname() {
    [ "$BUILT" = 0 ] || { echo "no library"; return 1; }
    local soname
    soname=$(readelf -d "$WORK/lib/libvodsign.so.1" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
    echo "SONAME: ${soname:-none}"
    [ "$soname" = libvodsign.so.1 ]
}
check_version_macros() {
    local major minor patch header
    major=$(sed -n 's/^#define VODSIGN_VERSION_MAJOR \([0-9]*\)$/\1/p' include/vodsign.h)
    minor=$(sed -n 's/^#define VODSIGN_VERSION_MINOR \([0-9]*\)$/\1/p' include/vodsign.h)
    patch=$(sed -n 's/^#define VODSIGN_VERSION_PATCH \([0-9]*\)$/\1/p' include/vodsign.h)
    header="$major.$minor.$patch"
    echo "header $header, Cargo.toml ${VERSION:-?}"
    [ -n "$VERSION" ] && [ "$header" = "$VERSION" ]
}
step "symbols: libvodsign.so exports exactly include/vodsign.symbols" check_symbols_so
step "symbols: the header declares exactly include/vodsign.symbols" check_symbols_header
step "symbols: libvodsign.a defines exactly include/vodsign.symbols" check_symbols_static
step "SONAME is libvodsign.so.1" check_soname
step "VODSIGN_VERSION_* macros match Cargo.toml" check_version_macros

header_alone_c() {
    printf '#include "vodsign.h"\n#include "vodsign.h"\nint main(void) { return VODSIGN_OK; }\n' >"$WORK/alone.c" &&
        gcc "${CSTD[@]}" -Iinclude -c "$WORK/alone.c" -o "$WORK/alone.o" &&
        gcc -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude -c "$WORK/alone.c" -o "$WORK/alone99.o"
}
step "header compiles alone (C11 and C99, -Wall -Wextra -Werror -pedantic)" header_alone_c

header_cxx() {
    [ "$BUILT" = 0 ] || { echo "no library"; return 1; }
    g++ "${CXXSTD[@]}" -Iinclude tests/c/header_cxx.cpp -o "$WORK/bin/header_cxx" -L"$WORK/lib" -lvodsign &&
        LD_LIBRARY_PATH="$WORK/lib" "$WORK/bin/header_cxx"
}
step "header compiles and links as C++17 (g++ -Werror -pedantic)" header_cxx

# ---------------------------------------------------------------------------------------------
# Install and pkg-config

PREFIX=$WORK/prefix
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
step "scripts/install.sh --prefix (header, .so.1 + symlink, .a, vodsign.pc)" scripts/install.sh --prefix "$PREFIX"
check_installed_tree() {
    local f
    for f in include/vodsign.h lib/libvodsign.so.1 lib/libvodsign.a lib/pkgconfig/vodsign.pc; do
        [ -f "$PREFIX/$f" ] || { echo "missing $f"; return 1; }
    done
    [ -L "$PREFIX/lib/libvodsign.so" ] && [ "$(readlink "$PREFIX/lib/libvodsign.so")" = libvodsign.so.1 ] ||
        { echo "lib/libvodsign.so is not a symlink to libvodsign.so.1"; return 1; }
    cmp include/vodsign.h "$PREFIX/include/vodsign.h" || return 1
    diff -u include/vodsign.symbols <(static_symbols "$PREFIX/lib/libvodsign.a") || return 1
    echo "libvodsign.a: $(wc -c <"$WORK/libvodsign.a") bytes built, $(wc -c <"$PREFIX/lib/libvodsign.a") installed"
    [ "$(pkg-config --modversion vodsign)" = "$VERSION" ] || { echo "modversion $(pkg-config --modversion vodsign)"; return 1; }
    pkg-config --static --libs vodsign | grep -q -- '-lpthread' || { echo "no Libs.private"; return 1; }
    echo "cflags: $(pkg-config --cflags vodsign)"
    echo "libs: $(pkg-config --libs vodsign)"
    echo "static libs: $(pkg-config --static --libs vodsign)"
}
step "installed tree and pkg-config metadata" check_installed_tree

pkgconfig_shared() {
    # shellcheck disable=SC2046
    gcc "${CSTD[@]}" tests/c/example.c -o "$WORK/bin/example_shared" $(pkg-config --cflags --libs vodsign) &&
        readelf -d "$WORK/bin/example_shared" | grep -q 'NEEDED.*\[libvodsign.so.1\]' &&
        LD_LIBRARY_PATH="$(pkg-config --variable=libdir vodsign)" "$WORK/bin/example_shared"
}
step "pkg-config example, shared (NEEDED libvodsign.so.1)" pkgconfig_shared

# Static linking with pkg-config: the archive by -Bstatic, then Libs.private.
static_link_flags() {
    local libs
    libs=$(pkg-config --static --libs-only-l vodsign 2>/dev/null | tr ' ' '\n' | grep -v '^-lvodsign$' | tr '\n' ' ')
    [ -n "${libs// /}" ] || libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
    printf '%s\n' "$libs"
}
pkgconfig_static() {
    # shellcheck disable=SC2046
    gcc "${CSTD[@]}" tests/c/example.c -o "$WORK/bin/example_static" $(pkg-config --cflags vodsign) \
        $(pkg-config --libs-only-L vodsign) -Wl,-Bstatic -lvodsign -Wl,-Bdynamic $(static_link_flags) &&
        ! readelf -d "$WORK/bin/example_static" | grep -q 'NEEDED.*libvodsign' &&
        "$WORK/bin/example_static"
}
step "pkg-config example, static (no libvodsign NEEDED)" pkgconfig_static

# ---------------------------------------------------------------------------------------------
# Conformance suite

SRC=(tests/c/conformance.c tests/c/json.c)
compile_shared() {
    gcc "${CSTD[@]}" -O1 -g -Iinclude "${SRC[@]}" -o "$WORK/bin/conformance_shared" -L"$WORK/lib" -lvodsign -pthread
}
compile_static() {
    # shellcheck disable=SC2046
    gcc "${CSTD[@]}" -O1 -g -Iinclude "${SRC[@]}" -o "$WORK/bin/conformance_static" "$WORK/libvodsign.a" \
        $(static_link_flags) -pthread &&
        ! readelf -d "$WORK/bin/conformance_static" | grep -q 'NEEDED.*libvodsign'
}
compile_asan() {
    gcc "${CSTD[@]}" -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
        -Iinclude "${SRC[@]}" -o "$WORK/bin/conformance_asan" -L"$WORK/lib" -lvodsign -pthread
}

run_env=(env VODSIGN_EXPECTED_VERSION="$VERSION" LD_LIBRARY_PATH="$WORK/lib")

if [ "$BUILT" = 0 ] && step "compile suite (shared), C11 -Werror -pedantic" compile_shared; then
    suite shared "${run_env[@]}" VODSIGN_C_THREAD_ITERS="$THREAD_ITERS" VODSIGN_C_LOOP_ITERS="$LOOP_ITERS" \
        "$WORK/bin/conformance_shared" tests/vectors
    suite valgrind "${run_env[@]}" VODSIGN_C_THREAD_ITERS="$VG_THREAD_ITERS" VODSIGN_C_LOOP_ITERS="$VG_LOOP_ITERS" \
        valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
        --error-exitcode=1 "$WORK/bin/conformance_shared" tests/vectors
else
    FAILED=$((FAILED + 2)) && echo "FAIL  suites shared and valgrind not run"
fi
if [ "$BUILT" = 0 ] && step "compile suite (static), C11 -Werror -pedantic" compile_static; then
    suite static "${run_env[@]}" VODSIGN_C_THREAD_ITERS="$THREAD_ITERS" VODSIGN_C_LOOP_ITERS="$LOOP_ITERS" \
        "$WORK/bin/conformance_static" tests/vectors
else
    FAILED=$((FAILED + 1)) && echo "FAIL  suite static not run"
fi
if [ "$BUILT" = 0 ] && step "compile suite (-fsanitize=address,undefined)" compile_asan; then
    suite asan-ubsan "${run_env[@]}" VODSIGN_C_THREAD_ITERS="$THREAD_ITERS" VODSIGN_C_LOOP_ITERS="$LOOP_ITERS" \
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$WORK/bin/conformance_asan" tests/vectors
else
    FAILED=$((FAILED + 1)) && echo "FAIL  suite asan-ubsan not run"
fi

if [ "$FAILED" = 0 ]; then
    rm -rf "$WORK"
else
    echo "logs and binaries kept in $WORK"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
