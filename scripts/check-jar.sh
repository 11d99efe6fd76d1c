#!/usr/bin/env bash
# The Kotlin jar carries the native library for both Linux architectures JNA knows as
# linux-x86-64 and linux-aarch64: both entries are present, each is a shared library for its
# machine, and both export the same functions (the C ABI and the uniffi scaffolding).
#
#   scripts/check-jar.sh [JAR]     (default target/kotlin/vodsign.jar, made by scripts/test-kotlin.sh)
#
# Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
jar=$(realpath -m "${1:-target/kotlin/vodsign.jar}")
PASSED=0
FAILED=0
check() {
    local name=$1
    shift
    if out=$("$@" 2>&1); then
        PASSED=$((PASSED + 1)); echo "ok    $name"
    else
        FAILED=$((FAILED + 1)); echo "FAIL  $name"; printf '%s\n' "$out" | tail -n 30 | sed 's/^/      | /'
    fi
}
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT

exported() { readelf --dyn-syms -W "$1" | awk '$4 == "FUNC" && $5 == "GLOBAL" && $7 != "UND" {sub(/@.*/, "", $8); print $8}' | sort -u; }
entry() {
    local dir=$1 machine=$2 got
    [ -f "$jar" ] || { echo "no $jar: run scripts/test-kotlin.sh --jar-only"; return 1; }
    (cd "$work" && unzip -qo "$jar" "$dir/libvodsign.so") || { echo "no $dir/libvodsign.so in $jar"; return 1; }
    got=$(readelf -h "$work/$dir/libvodsign.so" | sed -n 's/^ *Machine: *//p')
    echo "$dir/libvodsign.so: $got"
    [ "$got" = "$machine" ] || { echo "expected machine $machine"; return 1; }
    readelf -d "$work/$dir/libvodsign.so" | grep -q '(SONAME).*libvodsign.so.1' || { echo "no SONAME libvodsign.so.1"; return 1; }
}
same_symbols() {
    local a b
    a=$(exported "$work/linux-x86-64/libvodsign.so") && b=$(exported "$work/linux-aarch64/libvodsign.so") || return 1
    echo "$(printf '%s\n' "$a" | wc -l) exported functions"
    diff -u <(printf '%s\n' "$a") <(printf '%s\n' "$b") || return 1
    # And the C ABI among them is exactly the declared one.
    diff -u include/vodsign.symbols <(printf '%s\n' "$b" | grep '^vodsign_')
}
command -v unzip >/dev/null 2>&1 || { . scripts/toolchains.sh && _vs_apt_install unzip; }
check "jar entry linux-x86-64/libvodsign.so (x86-64)" entry linux-x86-64 "Advanced Micro Devices X86-64"
check "jar entry linux-aarch64/libvodsign.so (AArch64)" entry linux-aarch64 AArch64
if [ "$FAILED" = 0 ]; then
    check "both export the same functions, and the C ABI is include/vodsign.symbols" same_symbols
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
