#!/usr/bin/env bash
# Size budget of the shared library (release profile: lto, codegen-units 1, opt-level 3,
# panic unwind, stripped). Sizes are deterministic, so this is a test; speed is not (see bench).
#   with both surfaces (C ABI + uniffi)   at most 500 KB
#   C ABI only (--no-default-features)    at most 380 KB
set -uo pipefail
cd "$(dirname "$0")/.."
FULL_BUDGET=$((500 * 1024))
CAPI_BUDGET=$((380 * 1024))
passed=0 failed=0

check() { # NAME FILE BUDGET
    local size
    if [ ! -f "$2" ]; then
        echo "FAIL $1: $2 was not built"; failed=$((failed + 1)); return
    fi
    size=$(stat -c %s "$2")
    if [ "$size" -le "$3" ]; then
        echo "ok   $1: $size bytes ($((size / 1024)) KB), budget $(($3 / 1024)) KB"; passed=$((passed + 1))
    else
        echo "FAIL $1: $size bytes ($((size / 1024)) KB) is over the budget of $(($3 / 1024)) KB"; failed=$((failed + 1))
    fi
}

scripts/build-lib.sh -q || { echo "FAIL: release build"; failed=$((failed + 1)); }
check "libvodsign.so (C ABI + uniffi)" target/lib/libvodsign.so "$FULL_BUDGET"
scripts/build-lib.sh -q --no-default-features || { echo "FAIL: C-ABI-only build"; failed=$((failed + 1)); }
check "libvodsign.so (C ABI only)" target/lib-capi-only/libvodsign.so "$CAPI_BUDGET"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
