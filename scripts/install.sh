#!/usr/bin/env bash
# Installs the C library: header, shared library, static library and pkg-config file.
#
#   scripts/install.sh --prefix DIR [--libdir DIR] [--no-build]
#
#   DIR/include/vodsign.h
#   LIBDIR/libvodsign.so.1            the shared library (SONAME libvodsign.so.1), a real file
#   LIBDIR/libvodsign.so              symlink to libvodsign.so.1, for -lvodsign at link time
#   LIBDIR/libvodsign.a               the static library (without LLVM bitcode and debug info)
#   LIBDIR/pkgconfig/vodsign.pc       from vodsign.pc.in; Libs.private lists the static
#                                     library's native dependencies as rustc reports them
#
# LIBDIR defaults to DIR/lib. The release libraries are built first (scripts/build-lib.sh, which
# also reports the native libraries); --no-build uses target/lib as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }

prefix=""
libdir=""
build=1
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --libdir) libdir=${2:?--libdir needs a directory}; shift 2 ;;
        --libdir=*) libdir=${1#--libdir=}; shift ;;
        --no-build) build=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "install.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
[ -n "$prefix" ] || { echo "install.sh: --prefix DIR is required" >&2; usage >&2; exit 2; }
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
libdir=${libdir:-$prefix/lib}
mkdir -p "$libdir"
libdir=$(cd "$libdir" && pwd)

# The release libraries, built with LTO by scripts/build-lib.sh.
release=target/lib
native_file="$release/native-static-libs.txt"

if [ "$build" = 1 ]; then
    echo "install.sh: building the release library" >&2
    scripts/build-lib.sh -q || { echo "install.sh: the build failed" >&2; exit 1; }
fi
[ -f "$native_file" ] || {
    echo "install.sh: $native_file is missing (run once without --no-build)" >&2
    exit 1
}
native=$(cat "$native_file")

for f in "$release/libvodsign.so" "$release/libvodsign.a" include/vodsign.h vodsign.pc.in; do
    [ -f "$f" ] || { echo "install.sh: $f is missing" >&2; exit 1; }
done

# rustc's list as it is: "the order and any duplication can be significant on some platforms".
libs_private=$native
version=$(cargo pkgid 2>/dev/null | sed -n 's/.*[#@]\([0-9][0-9A-Za-z.+-]*\)$/\1/p')
[ -n "$version" ] || { echo "install.sh: cannot read the version from Cargo.toml" >&2; exit 1; }

install -d "$prefix/include" "$libdir" "$libdir/pkgconfig"
install -m 644 include/vodsign.h "$prefix/include/vodsign.h"
install -m 755 "$release/libvodsign.so" "$libdir/libvodsign.so.1"
ln -sfn libvodsign.so.1 "$libdir/libvodsign.so"
install -m 644 "$release/libvodsign.a" "$libdir/libvodsign.a"
# The archive carries LLVM bitcode (.llvmbc, only for Rust's own LTO) and std's debug info: about
# 24 MB. Drop both when binutils is there (about 5 MB left); linking is unaffected.
if command -v objcopy >/dev/null 2>&1 && command -v strip >/dev/null 2>&1; then
    slim="$libdir/.libvodsign.a.tmp"
    if objcopy --remove-section=.llvmbc --remove-section=.llvmcmd "$libdir/libvodsign.a" "$slim" 2>/dev/null &&
        strip --strip-debug "$slim" 2>/dev/null; then
        mv -f "$slim" "$libdir/libvodsign.a"
    else
        rm -f "$slim"
        echo "install.sh: could not slim libvodsign.a; installed it as built" >&2
    fi
fi
# Paths relative to ${prefix} where possible, so that the tree can be moved with pkg-config's
# --define-prefix.
pc_libdir=$libdir
[ "$libdir" = "$prefix/lib" ] && pc_libdir='${exec_prefix}/lib'
sed -e "s|@PREFIX@|$prefix|g" -e "s|@LIBDIR@|$pc_libdir|g" -e "s|@INCLUDEDIR@|\${prefix}/include|g" \
    -e "s|@VERSION@|$version|g" -e "s|@LIBS_PRIVATE@|$libs_private|g" \
    vodsign.pc.in >"$libdir/pkgconfig/vodsign.pc"
chmod 644 "$libdir/pkgconfig/vodsign.pc"

cat <<DONE
installed vodsign $version:
  $prefix/include/vodsign.h
  $libdir/libvodsign.so.1
  $libdir/libvodsign.so -> libvodsign.so.1
  $libdir/libvodsign.a
  $libdir/pkgconfig/vodsign.pc
Use: PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs vodsign
DONE
