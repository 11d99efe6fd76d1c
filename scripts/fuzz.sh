#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for SECONDS each (default 60), one after another.
#
#   scripts/fuzz.sh [SECONDS]          (or ./build.sh fuzz [SECONDS])
#   FUZZ_TARGETS="decode sign" scripts/fuzz.sh 30    only these targets
#
# Needs the nightly toolchain (`rustup toolchain install nightly`); installs cargo-fuzz into
# ${VODSIGN_CACHE:-$HOME/.cache/vodsign}/cargo-fuzz on first use. Each target starts from a
# scratch copy of its committed seeds (fuzz/corpus/<target>/) and regression inputs
# (fuzz/regressions/<target>/), so the committed folders do not grow; the scratch corpora are
# kept under target/fuzz-corpus/ for the next run to continue from. The targets' logic is the
# library fuzz/support/.
# Builds with debug assertions (so integer overflow panics) and AddressSanitizer.
#
# Prints, per target, the executions, libFuzzer's coverage (cov: edges, ft: features) and the
# corpus size; exits 1 on any crash, timeout or out-of-memory, naming the artifact
# (fuzz/artifacts/<target>/...) and how to reproduce it. To keep a crash as a regression, copy
# the artifact to fuzz/regressions/<target>/<name> and commit it: tests/corpus_replay.rs
# replays it on every `cargo test`.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD

SECONDS_PER_TARGET=${1:-60}
case $SECONDS_PER_TARGET in
    '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, not '$SECONDS_PER_TARGET'" >&2; exit 2 ;;
esac
[ "$SECONDS_PER_TARGET" -gt 0 ] || { echo "fuzz.sh: SECONDS must be at least 1" >&2; exit 2; }

CACHE=${VODSIGN_CACHE:-$HOME/.cache/vodsign}
CARGO_FUZZ_VERSION=0.13.2
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'fuzz.sh: %s\n' "$*" >&2; exit 2; }

# --- toolchain -------------------------------------------------------------------------------
command -v cargo >/dev/null 2>&1 || die "cargo is missing: install Rust with rustup first"
if ! cargo +nightly --version >/dev/null 2>&1; then
    die "the nightly Rust toolchain is missing (cargo-fuzz needs it for -Zsanitizer and libFuzzer).
Install it with:  rustup toolchain install nightly --profile minimal"
fi
export PATH="$CACHE/cargo-fuzz/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
    say "installing cargo-fuzz $CARGO_FUZZ_VERSION into $CACHE/cargo-fuzz (first run only)"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$CACHE/cargo-fuzz" ||
        die "could not install cargo-fuzz $CARGO_FUZZ_VERSION"
fi
say "$(cargo +nightly --version), $(cargo fuzz --version)"

# --- targets ---------------------------------------------------------------------------------
if [ -n "${FUZZ_TARGETS:-}" ]; then
    read -r -a TARGETS <<<"$FUZZ_TARGETS"
else
    mapfile -t TARGETS < <(cargo +nightly fuzz list 2>/dev/null)
fi
[ ${#TARGETS[@]} -gt 0 ] || die "no fuzz targets found (cargo fuzz list)"

FUZZ_FLAGS=(--debug-assertions)
say "building ${TARGETS[*]} (release, debug assertions, AddressSanitizer)"
cargo +nightly fuzz build "${FUZZ_FLAGS[@]}" || die "building the fuzz targets failed"

SCRATCH=$ROOT/target/fuzz-corpus
LOGS=$ROOT/target/fuzz-logs
mkdir -p "$SCRATCH" "$LOGS"
SUMMARY=()
FAILED=0

for t in "${TARGETS[@]}"; do
    corpus=$SCRATCH/$t
    mkdir -p "$corpus" "fuzz/artifacts/$t"
    for committed in "fuzz/corpus/$t" "fuzz/regressions/$t"; do
        if [ -d "$committed" ]; then
            cp -p "$committed"/* "$corpus"/ 2>/dev/null || true
        fi
    done
    log=$LOGS/$t.log
    before=$(find "fuzz/artifacts/$t" -type f | wc -l)
    say "fuzzing $t for ${SECONDS_PER_TARGET}s ($(find "$corpus" -type f | wc -l) inputs to start from; log $log)"
    # libFuzzer writes new inputs only to the first corpus directory: the scratch copy.
    cargo +nightly fuzz run "${FUZZ_FLAGS[@]}" "$t" "$corpus" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1
    rc=$?
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
    last=${done_line:-$(grep -E '^#[0-9]+[[:space:]]' "$log" | tail -n 1)}
    execs=$(grep -oE '^stat::number_of_executed_units: [0-9]+' "$log" | awk '{print $2}' | tail -n 1)
    [ -n "$execs" ] || execs=$(printf '%s\n' "$last" | grep -oE '^#[0-9]+' | tr -d '#')
    cov=$(printf '%s\n' "$last" | grep -oE 'cov: [0-9]+' | awk '{print $2}')
    ft=$(printf '%s\n' "$last" | grep -oE 'ft: [0-9]+' | awk '{print $2}')
    corp=$(printf '%s\n' "$last" | grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' | awk '{print $2}')
    speed=$(printf '%s\n' "$last" | grep -oE 'exec/s: [0-9]+' | awk '{print $2}')
    [ -n "$done_line" ] && printf '%s\n' "$done_line"
    artifacts=$(grep -oE 'Test unit written to [^ ]+' "$log" | awk '{print $5}')
    after=$(find "fuzz/artifacts/$t" -type f | wc -l)
    status=ok
    if [ "$rc" != 0 ] || [ -n "$artifacts" ] || [ "$after" -gt "$before" ]; then
        status=CRASH
        FAILED=1
        grep -E '^(==[0-9]+==ERROR|thread .* panicked|SUMMARY:|Test unit written|Base64:)' "$log" | head -n 20 >&2
        [ -n "$artifacts" ] || artifacts="(none written; see $log)"
        for a in $artifacts; do
            echo "  artifact: $a" >&2
            [ -f "$a" ] && echo "  reproduce: cargo +nightly fuzz run ${FUZZ_FLAGS[*]} $t $a" >&2
        done
    fi
    line=$(printf '%-8s %-6s %12s execs  %7s exec/s  cov: %-6s ft: %-6s corp: %s' \
        "$t" "$status" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")
    echo "$line"
    SUMMARY+=("$line")
done

echo
echo "fuzz summary (${SECONDS_PER_TARGET}s per target):"
printf '%s\n' "${SUMMARY[@]}"
if [ "$FAILED" != 0 ]; then
    echo "fuzz.sh: a target crashed; the artifacts are listed above" >&2
    exit 1
fi
