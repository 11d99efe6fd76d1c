#!/usr/bin/env bash
# Builds the release native libraries, libvodsign.so and libvodsign.a, with the release profile
# applied in full, and copies them to target/lib/ (target/lib-capi-only/ with
# --no-default-features, the C ABI without the uniffi surface).
#
# Why not `cargo build --release`: the crate's [lib] also emits an rlib (for the tests, the CLI
# and the benchmarks), and Cargo silently leaves `-C lto` out of a unit that emits an rlib. So the
# cdylib and the staticlib are built alone with `cargo rustc --crate-type`, where `lto = true`
# does apply, in a target directory of their own so that other builds never overwrite them.
# Also writes native-static-libs.txt (the system libraries the static library needs).
#
# usage: scripts/build-lib.sh [--no-default-features] [-q]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
variant=lib features=() quiet=()
for arg in "$@"; do
    case $arg in
        --no-default-features) variant=lib-capi-only features=(--no-default-features) ;;
        -q | --quiet) quiet=(--quiet) ;;
        *) echo "build-lib.sh: unknown argument $arg" >&2; exit 2 ;;
    esac
done
build_dir=target/lto-$variant
out=target/$variant
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
if ! CARGO_TARGET_DIR=$build_dir cargo rustc "${quiet[@]}" --release --lib "${features[@]}" \
        --crate-type cdylib,staticlib -- --print native-static-libs 2>"$log"; then
    cat "$log" >&2
    echo "build-lib.sh: cargo rustc failed" >&2
    exit 1
fi
[ ${#quiet[@]} -gt 0 ] || grep -v "native-static-libs\|^note: Link against\|^$" "$log" >&2
mkdir -p "$out"
cp "$build_dir/release/libvodsign.so" "$build_dir/release/libvodsign.a" "$out/" || exit 1
ln -sf libvodsign.so "$out/libvodsign.so.1"
# rustc's note naming them (cargo replays it when nothing needed rebuilding).
libs=$(sed -n 's/.*native-static-libs: //p' "$log" | tail -n 1)
[ -n "$libs" ] || { cat "$log" >&2; echo "build-lib.sh: rustc did not report native-static-libs" >&2; exit 1; }
printf '%s\n' "$libs" >"$out/native-static-libs.txt"
