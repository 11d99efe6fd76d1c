#!/usr/bin/env bash
# Swift: compiles the generated bindings (bindings/swift/Sources/VodSign) as the module VodSign,
# links the conformance suite tests/swift/main.swift against it and the release libvodsign.so,
# runs it on tests/vectors, and checks that a package depending on bindings/swift builds and runs.
# Runs with a host `swift`, else inside the cached Debian trixie root of scripts/toolchains.sh.
#
#   scripts/test-swift.sh      ends with "N passed, N failed" (the package build counts as one)
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2
# shellcheck source=scripts/toolchains.sh
. scripts/toolchains.sh

fail() {
    echo "swift: $*" >&2
    echo "0 passed, 1 failed"
    exit 1
}

ensure_swift || fail "Swift toolchain could not be set up"

pkg=$root/bindings/swift
[ -f "$pkg/Sources/VodSign/VodSign.swift" ] || fail "$pkg is missing: run scripts/gen-bindings.sh"
"$root/scripts/build-lib.sh" -q || fail "building the release library (scripts/build-lib.sh) failed"

out=$root/target/swift
rm -rf "$out/lib" "$out/module"
mkdir -p "$out/lib" "$out/module" || fail "cannot create $out"
cp "$root/target/lib/libvodsign.so" "$out/lib/" || fail "target/lib/libvodsign.so is missing"
# A program linked against the library records its SONAME (libvodsign.so.1): provide that name.
soname=$(readelf -d "$out/lib/libvodsign.so" 2>/dev/null | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
if [ -n "$soname" ] && [ "$soname" != libvodsign.so ]; then
    ln -s libvodsign.so "$out/lib/$soname"
fi

# Everything below runs where swiftc is; $root is visible there at the same path.
# shellcheck disable=SC2016
swift_run "$root" env ROOT="$root" PKG="$pkg" OUT="$out" bash -c '
    set -u
    mm=$PKG/Sources/VodSignFFI/module.modulemap
    echo "swift: $(swiftc --version 2>&1 | head -n 1)" >&2

    # 1. The bindings as their own module, as an app would use them.
    swiftc -O -parse-as-library -module-name VodSign -emit-module -emit-module-path "$OUT/module/VodSign.swiftmodule" \
        -emit-library -static -o "$OUT/module/libVodSign.a" \
        -Xcc -fmodule-map-file="$mm" "$PKG/Sources/VodSign/VodSign.swift" >&2 ||
        { echo "FAIL swiftc: the bindings do not compile"; echo "0 passed, 1 failed"; exit 1; }

    # 2. The suite, importing VodSign.
    swiftc -O -module-name Conformance -I "$OUT/module" -Xcc -fmodule-map-file="$mm" \
        "$ROOT/tests/swift/main.swift" "$OUT/module/libVodSign.a" \
        -L "$OUT/lib" -lvodsign -Xlinker -rpath -Xlinker "$OUT/lib" -o "$OUT/conformance" >&2 ||
        { echo "FAIL swiftc: tests/swift/main.swift does not compile"; echo "0 passed, 1 failed"; exit 1; }

    # 3. The package as a Swift user would add it: a throwaway package that depends on
    #    bindings/swift by path, builds, links -lvodsign and prints the seed signature.
    pkg_ok=0
    app=$OUT/consumer
    rm -rf "$app"
    mkdir -p "$app/Sources/Demo"
    cat >"$app/Package.swift" <<PACKAGE
// swift-tools-version:5.9
import PackageDescription
let package = Package(
    name: "Demo",
    dependencies: [.package(path: "$PKG")],
    targets: [.executableTarget(name: "Demo", dependencies: [.product(name: "VodSign", package: "swift")])]
)
PACKAGE
    cat >"$app/Sources/Demo/main.swift" <<MAIN
import VodSign
let options = SignOptions(procedure: "", classId: 0, oneTimeValid: 0, sourceContext: "")
print(try Signer(secretId: "IamSecretId", secretKey: "IamSecretKey")
    .signAt(options: options, currentTimeStamp: 1571215095, expireTime: 1571301495, random: 220625))
MAIN
    seed=j3IeOdRPWwKegeytZdde4djeEStzZWNyZXRJZD1JYW1TZWNyZXRJZCZjdXJyZW50VGltZVN0YW1wPTE1NzEyMTUwOTUmZXhwaXJlVGltZT0xNTcxMzAxNDk1JnJhbmRvbT0yMjA2MjUmcHJvY2VkdXJlPSZjbGFzc0lkPTAmb25lVGltZVZhbGlkPTAmc291cmNlQ29udGV4dD0=
    if swift build --package-path "$app" --scratch-path "$OUT/package-build" -Xlinker -L"$OUT/lib" \
        >"$OUT/package-build.log" 2>&1; then
        got=$(LD_LIBRARY_PATH="$OUT/lib" "$OUT/package-build/debug/Demo" 2>&1)
        if [ "$got" = "$seed" ]; then
            pkg_ok=1
        else
            echo "FAIL package: the consumer of bindings/swift printed: $got"
        fi
    else
        tail -n 30 "$OUT/package-build.log"
        echo "FAIL package: a package depending on bindings/swift does not build (log: $OUT/package-build.log)"
    fi

    # 4. Run; fold the package result into the closing line.
    "$OUT/conformance" "$ROOT/tests/vectors" >"$OUT/conformance.log" 2>&1
    rc=$?
    grep -vE "^[0-9]+ passed, [0-9]+ failed$" "$OUT/conformance.log"
    counts=$(grep -E "^[0-9]+ passed, [0-9]+ failed$" "$OUT/conformance.log" | tail -n 1)
    if [ -z "$counts" ]; then
        echo "FAIL conformance: exited $rc without counts"
        counts="0 passed, 1 failed"
    fi
    p=${counts%% passed*}; f=${counts#*, }; f=${f%% failed*}
    if [ "$pkg_ok" = 1 ]; then p=$((p + 1)); else f=$((f + 1)); fi
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
    echo "$p passed, $f failed"
    [ "$f" = 0 ]
'
