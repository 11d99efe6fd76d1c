#!/usr/bin/env bash
# Kotlin: builds target/kotlin/vodsign.jar (the generated bindings bindings/kotlin/ and the
# hand-written fast path bindings/kotlin-fast/ (com.vodsign.fast.FastSigner), compiled, with the
# release library inside as the resource linux-x86-64/libvodsign.so, and the aarch64 build,
# cross-compiled by scripts/test-cross.sh, as linux-aarch64/libvodsign.so), then compiles and
# runs the conformance suite in tests/kotlin/ against the jar, JNA and kotlin-stdlib only.
#
#   scripts/test-kotlin.sh             build the jar, run the suite; ends with "N passed, N failed"
#   scripts/test-kotlin.sh --jar-only  build the jar only
#
# Toolchains (kotlinc, JNA) come from scripts/toolchains.sh and are cached after the first run.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2
# shellcheck source=scripts/toolchains.sh
. scripts/toolchains.sh

jar_only=0
case "${1:-}" in
    --jar-only) jar_only=1 ;;
    "") ;;
    *) echo "usage: $0 [--jar-only]" >&2; exit 2 ;;
esac

fail() {
    echo "kotlin: $*" >&2
    [ "$jar_only" = 1 ] || echo "0 passed, 1 failed"
    exit 1
}

ensure_kotlin || fail "Kotlin toolchain could not be set up"

out=$root/target/kotlin
jar=$out/vodsign.jar
kt=$root/bindings/kotlin/com/vodsign/vodsign.kt
lib=$root/target/lib/libvodsign.so

fast=("$root"/bindings/kotlin-fast/com/vodsign/fast/*.kt)
[ -f "$kt" ] || fail "$kt is missing: run scripts/gen-bindings.sh"
[ -f "${fast[0]}" ] || fail "bindings/kotlin-fast/com/vodsign/fast/*.kt is missing"
"$root/scripts/build-lib.sh" -q || fail "building the release library (scripts/build-lib.sh) failed"
[ -f "$lib" ] || fail "$lib was not built"
# For ARM servers (JNA's resource prefix linux-aarch64).
lib_arm=$root/target/cross-lib/aarch64-unknown-linux-gnu/libvodsign.so
"$root/scripts/test-cross.sh" lib aarch64-unknown-linux-gnu >&2 ||
    fail "cross-building the aarch64 library (scripts/test-cross.sh lib) failed"

mkdir -p "$out"
# Rebuild the jar only when the bindings, the fast path or the library changed.
stale_jar=0
[ -f "$jar" ] && [ ! "$kt" -nt "$jar" ] && [ ! "$lib" -nt "$jar" ] && [ ! "$lib_arm" -nt "$jar" ] || stale_jar=1
for s in "${fast[@]}"; do [ "$s" -nt "$jar" ] && stale_jar=1; done
if [ "$stale_jar" = 1 ]; then
    echo "kotlin: compiling the bindings into $jar" >&2
    stage=$(mktemp -d "$out/.jar.XXXXXX") || fail "mktemp failed"
    trap 'rm -rf "$stage"' EXIT
    mkdir -p "$stage/classes/linux-x86-64" "$stage/classes/linux-aarch64"
    "$KOTLINC" -nowarn -cp "$JNA_JAR" "$kt" "${fast[@]}" -d "$stage/classes" >&2 ||
        fail "kotlinc failed on the bindings or bindings/kotlin-fast/"
    cp "$lib" "$stage/classes/linux-x86-64/libvodsign.so"
    cp "$lib_arm" "$stage/classes/linux-aarch64/libvodsign.so"
    (cd "$stage/classes" && jar --create --file "$stage/vodsign.jar" .) || fail "jar failed"
    mv "$stage/vodsign.jar" "$jar" || fail "could not write $jar"
    rm -rf "$stage"
    trap - EXIT
fi
[ "$jar_only" = 1 ] && exit 0

tests=$out/conformance.jar
srcs=("$root"/tests/kotlin/*.kt)
stale=0
[ -f "$tests" ] && [ ! "$jar" -nt "$tests" ] || stale=1
for s in "${srcs[@]}"; do [ "$s" -nt "$tests" ] && stale=1; done
if [ "$stale" = 1 ]; then
    echo "kotlin: compiling tests/kotlin" >&2
    # -Xfriend-paths: the suite checks the fast path's internal status mapping (FastNative)
    # against include/vodsign.h, as a test source set sees its module's internals.
    "$KOTLINC" -Werror -Xfriend-paths="$jar" -cp "$jar:$JNA_JAR" "${srcs[@]}" -d "$out/.conformance.tmp.jar" >&2 ||
        { rm -f "$out/.conformance.tmp.jar"; fail "kotlinc failed on tests/kotlin"; }
    mv "$out/.conformance.tmp.jar" "$tests"
fi

# No -Djna.library.path and no LD_LIBRARY_PATH: the native library must come from the jar.
env -u LD_LIBRARY_PATH java -Dvodsign.header="$root/include/vodsign.h" \
    -cp "$tests:$jar:$JNA_JAR:$KOTLIN_STDLIB" com.vodsign.conformance.ConformanceKt "$root/tests/vectors"
