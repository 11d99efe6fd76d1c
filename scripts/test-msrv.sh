#!/usr/bin/env bash
# The minimum Rust version Cargo.toml declares (`rust-version`) is true: with Debian trixie's
# own rustc and cargo of that version, in a root made and cached by scripts/cross-root.sh, the
# library builds and the whole test suite passes.
#
#   scripts/test-msrv.sh
#
# Works on a copy of the tree (target/msrv/src) without Cargo.lock: that cargo resolves the
# dependencies itself, preferring versions whose rust-version it meets (the committed lock may
# hold newer ones, such as a proptest that needs a later compiler). One test is left out, by
# name, and run by the main suite on the host: fuzz_tree_and_gitignore_agree asks git about the
# repository, which the copy is not.
# Ends with cargo's "test result:" lines.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD

if [ -z "${VODSIGN_IN_MSRV_ROOT:-}" ]; then
    # shellcheck source=scripts/toolchains.sh
    . scripts/toolchains.sh
    # shellcheck source=scripts/cross-root.sh
    . scripts/cross-root.sh
    ensure_msrv_root || { echo "the minimum-version Rust root could not be set up"; exit 1; }
    root_run "$MSRV_ROOT" "$ROOT" /usr/bin/env VODSIGN_IN_MSRV_ROOT=1 bash scripts/test-msrv.sh
    exit
fi

declared=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
have=$(rustc --version | awk '{print $2}')
echo "Cargo.toml declares rust-version $declared; the root has rustc $have"
case $have in
    "$declared" | "$declared".*) ;;
    *) echo "rustc $have is not the declared $declared: this root checks Debian trixie's rustc"; exit 1 ;;
esac

src=$ROOT/target/msrv/src
rm -rf "$src" && mkdir -p "$src" || exit 1
tar --exclude=./target --exclude=./.git -cf - . | tar -xf - -C "$src" || exit 1
rm -f "$src/Cargo.lock"
cd "$src" || exit 1
# The service (feature serve) and its tests need a newer Rust (jsonwebtoken 12 needs 1.88): what
# rust-version promises is the library, the CLI and their suites, so the copy checked here leaves
# out the serve feature, the dependencies it alone names ("dep:NAME"; [features] comes before
# [dependencies]) and its test target.
awk '
    /^serve = \[/ { skip_feature = 1 }
    skip_feature {
        line = $0
        while (match(line, /"dep:[A-Za-z0-9_-]+"/)) {
            serve_dep[substr(line, RSTART + 5, RLENGTH - 6)] = 1
            line = substr(line, RSTART + RLENGTH)
        }
        if ($0 ~ /^\]/) skip_feature = 0
        next
    }
    /^\[\[test\]\]$/ { pending = $0; next }
    pending != "" { if ($0 == "name = \"serve\"") { skip_test = 1 } else { print pending }; pending = "" }
    skip_test { if ($0 == "") skip_test = 0; next }
    ($1 in serve_dep) && $2 == "=" { next }
    { print }
' Cargo.toml >Cargo.toml.msrv && mv Cargo.toml.msrv Cargo.toml || exit 1
rm -f tests/serve.rs
export CARGO_TARGET_DIR=$ROOT/target/msrv/target CARGO_TERM_COLOR=never
cargo generate-lockfile || exit 1
echo "resolved for $have: $(grep -A1 '^name = "proptest"' Cargo.lock | tail -n 1)"
cargo build --release --lib || exit 1
cargo test --features cli --no-fail-fast -- --skip fuzz_tree_and_gitignore_agree
