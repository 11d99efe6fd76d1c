#!/usr/bin/env bash
# Writes the C header from src/capi/mod.rs with cbindgen, pinned at exactly 0.29.4.
#
#   scripts/gen-header.sh            write include/vodsign.h
#   scripts/gen-header.sh OUT        write OUT instead (the drift check diffs it against
#                                    include/vodsign.h)
#   scripts/gen-header.sh --check    regenerate into a temporary file and diff; exit 1 on drift
#
# cbindgen is installed on first use with `cargo install --locked` into
# ${VODSIGN_CACHE:-$HOME/.cache/vodsign}/cbindgen (about a minute, once per machine); it is not a
# build dependency of the crate. Only src/capi/ (from mod.rs, following its modules) is parsed, so nothing else in the crate can leak
# into the header. Any cbindgen warning is an error.
set -euo pipefail
cd "$(dirname "$0")/.."

CBINDGEN_VERSION=0.29.4
CACHE=${VODSIGN_CACHE:-$HOME/.cache/vodsign}
ROOT_DIR="$CACHE/cbindgen"
CBINDGEN="$ROOT_DIR/bin/cbindgen"

have_cbindgen() {
    [ -x "$CBINDGEN" ] && [ "$("$CBINDGEN" --version 2>/dev/null)" = "cbindgen $CBINDGEN_VERSION" ]
}

if ! have_cbindgen; then
    echo "gen-header: installing cbindgen $CBINDGEN_VERSION into $ROOT_DIR (first run only)..." >&2
    mkdir -p "$CACHE"
    log=$(mktemp)
    # A private target dir: never disturbs the project's target/ or another build.
    if ! cargo install cbindgen --version "=$CBINDGEN_VERSION" --locked --root "$ROOT_DIR" \
        --target-dir "$CACHE/cbindgen-build" >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        rm -f "$log"
        echo "gen-header: cargo install cbindgen $CBINDGEN_VERSION failed" >&2
        exit 1
    fi
    rm -f "$log"
    rm -rf "$CACHE/cbindgen-build"
    have_cbindgen || { echo "gen-header: $CBINDGEN is not cbindgen $CBINDGEN_VERSION" >&2; exit 1; }
fi

check=0
out=include/vodsign.h
case ${1:-} in
    --check) check=1; out=$(mktemp --suffix=.h) ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    "") ;;
    *) out=$1 ;;
esac

mkdir -p "$(dirname "$out")"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if ! "$CBINDGEN" --config cbindgen.toml --lang c --output "$out" src/capi/mod.rs 2>"$tmp"; then
    cat "$tmp" >&2
    echo "gen-header: cbindgen failed" >&2
    exit 1
fi
if [ -s "$tmp" ]; then
    cat "$tmp" >&2
    echo "gen-header: cbindgen printed warnings (treated as errors)" >&2
    exit 1
fi

if [ "$check" = 1 ]; then
    if diff -u include/vodsign.h "$out"; then
        rm -f "$out"
        echo "gen-header: include/vodsign.h is up to date"
    else
        rm -f "$out"
        echo "gen-header: include/vodsign.h differs from src/capi/; run scripts/gen-header.sh" >&2
        exit 1
    fi
fi
