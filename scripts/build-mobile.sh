#!/usr/bin/env bash
# Static libraries for Android and iOS: target/mobile/TRIPLE/libvodsign.a, each checked to
# define exactly the functions of include/vodsign.symbols (besides the uniffi scaffolding that
# the Kotlin and Swift bindings call).
#
#   scripts/build-mobile.sh [TRIPLE...]
#
# Default triples: aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
# aarch64-apple-ios aarch64-apple-ios-sim. Ends with "N passed, N failed" (a build and a symbol
# check per triple).
#
# Built in the Debian trixie root of scripts/cross-root.sh with rustc-web: no prebuilt standard
# library exists there for these targets, so it is compiled from Debian's rust-web-src with
# `-Zbuild-std` (RUSTC_BOOTSTRAP=1). What this verifies: the library compiles for each target and
# exports the C ABI. What it cannot verify here: no Android NDK (bionic) and no Apple SDK are
# available, so nothing is linked into a .so, a dylib or an app, and nothing runs on a device or
# simulator. README's "Platforms" section shows the NDK and Xcode commands that do that.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD

ALL=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android aarch64-apple-ios aarch64-apple-ios-sim)
[ $# -gt 0 ] && triples=("$@") || triples=("${ALL[@]}")
for t in "${triples[@]}"; do
    case " ${ALL[*]} " in *" $t "*) ;; *) echo "build-mobile.sh: unknown triple $t (one of: ${ALL[*]})" >&2; exit 2 ;; esac
done

# shellcheck source=scripts/toolchains.sh
. scripts/toolchains.sh
# shellcheck source=scripts/cross-root.sh
. scripts/cross-root.sh
in_cross_root scripts/build-mobile.sh "${triples[@]}"

# ---------------------------------------------------------------------------------------------
# Inside the root.

PASSED=0
FAILED=0
export CARGO_TERM_COLOR=never
log=$(mktemp) || exit 2
trap 'rm -f "$log"' EXIT
echo "rustc: $(rustc --version) with -Zbuild-std from $(rustc --print sysroot)/lib/rustlib/src"

# The global functions an archive defines (Mach-O names carry a leading underscore).
defined() {
    llvm-nm --defined-only --extern-only "$1" 2>/dev/null |
        awk '$2 == "T" {n = $3; sub(/^_/, "", n); if (n ~ /^vodsign_/) print n}' | sort -u
}

for t in "${triples[@]}"; do
    start=$(date +%s)
    if RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$ROOT/target/mobile-build cargo rustc --quiet --release --lib \
            -Zbuild-std=std,panic_unwind --target "$t" --crate-type staticlib >"$log" 2>&1 &&
        mkdir -p "target/mobile/$t" &&
        cp "target/mobile-build/$t/release/libvodsign.a" "target/mobile/$t/libvodsign.a"; then
        PASSED=$((PASSED + 1))
        echo "ok    build target/mobile/$t/libvodsign.a ($(wc -c <"target/mobile/$t/libvodsign.a") bytes, $(($(date +%s) - start)) s)"
    else
        FAILED=$((FAILED + 2))
        echo "FAIL  build $t"
        tail -n 30 "$log" | sed 's/^/      | /'
        continue
    fi
    if diff -u include/vodsign.symbols <(defined "target/mobile/$t/libvodsign.a") >"$log" 2>&1; then
        PASSED=$((PASSED + 1))
        echo "ok    symbols: $t defines exactly include/vodsign.symbols"
    else
        FAILED=$((FAILED + 1))
        echo "FAIL  symbols: $t"
        sed 's/^/      | /' "$log"
    fi
done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
