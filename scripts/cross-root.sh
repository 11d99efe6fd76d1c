# shellcheck shell=bash
# Debian trixie roots for the cross and minimum-version builds. Source after
# scripts/toolchains.sh, then call:
#
#   ensure_cross_root   rustc-web (1.96) with the aarch64, armv7 and i686 standard libraries,
#                       the cross gcc and libc of each, qemu-user, rust-web-src (-Zbuild-std
#                       for Android and iOS) and llvm-nm (Mach-O); exports CROSS_ROOT
#   ensure_msrv_root    trixie's own rustc/cargo 1.85 (the version Cargo.toml declares);
#                       exports MSRV_ROOT
#   in_cross_root SCRIPT ARGS...
#                       run SCRIPT ARGS in the cross root unless already there (see below)
#   root_run ROOT DIR CMD...
#                       run CMD inside ROOT with DIR (an absolute host path) bind-mounted at
#                       the same path and used as working directory, the host's cargo registry
#                       cache shared, and (when the kernel allows it) qemu registered with a
#                       private binfmt_misc so that foreign executables run directly
#
# Both hold what the Rust suite runs besides Rust: git, Node (the differential test), Python and
# PHP (the conformance adapters). Each is made once by _vs_make_root (scripts/toolchains.sh) and
# cached under ${VODSIGN_CACHE:-$HOME/.cache/vodsign}.

VODSIGN_CROSS_TRIPLES=(aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf i686-unknown-linux-gnu)

ensure_cross_root() {
    [ -n "${CROSS_ROOT:-}" ] && [ -e "$CROSS_ROOT/usr/lib/rust-web-src.ok" ] && return 0
    # The foreign standard libraries are unpacked alone (apt-get download + dpkg-deb -x):
    # installing libstd-rust-web-dev:ARCH would drag in about 430 MB of foreign compiler
    # libraries per architecture that cross builds never use.
    local script='set -e
export DEBIAN_FRONTEND=noninteractive
dpkg --add-architecture arm64
dpkg --add-architecture armhf
dpkg --add-architecture i386
apt-get update -qq
apt-get install -y -qq --no-install-recommends rustc-web cargo-web rust-web-src \
    gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-i686-linux-gnu \
    libc6-dev-arm64-cross libc6-dev-armhf-cross libc6-dev-i386-cross \
    qemu-user qemu-user-binfmt llvm binutils git libc6:i386 \
    nodejs python3 php-cli
mkdir -p /tmp/std && cd /tmp/std
apt-get download libstd-rust-web-dev:arm64 libstd-rust-web-dev:armhf libstd-rust-web-dev:i386
for d in ./*.deb; do dpkg-deb -x "$d" /; done
cd / && rm -rf /tmp/std
touch /usr/lib/rust-web-src.ok'
    CROSS_ROOT=$(_vs_make_root cross-trixie /usr/lib/rust-web-src.ok "$script") || return 1
    export CROSS_ROOT
}

ensure_msrv_root() {
    [ -n "${MSRV_ROOT:-}" ] && [ -x "$MSRV_ROOT/usr/bin/cargo" ] && return 0
    local script='set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends rustc cargo gcc libc6-dev git nodejs python3 php-cli'
    MSRV_ROOT=$(_vs_make_root rust-msrv-trixie /usr/bin/cargo "$script") || return 1
    export MSRV_ROOT
}

# in_cross_root SCRIPT ARGS...: the first step of a script that works in the cross root. Inside
# the root (VODSIGN_IN_CROSS_ROOT set) it returns; outside, it sets the root up, runs SCRIPT ARGS
# there with the emulation settings passed on, and exits with its status. A root that cannot be
# set up is one failure ("0 passed, 1 failed").
in_cross_root() {
    [ -n "${VODSIGN_IN_CROSS_ROOT:-}" ] && return 0
    if ! ensure_cross_root; then
        echo "the cross toolchain root could not be set up"
        echo "0 passed, 1 failed"
        exit 1
    fi
    local pass=(VODSIGN_IN_CROSS_ROOT=1) v
    for v in PROPTEST_CASES VODSIGN_EMULATED_PROPTEST_CASES VODSIGN_EMULATED_C_ITERS; do
        [ -n "${!v:-}" ] && pass+=("$v=${!v}")
    done
    root_run "$CROSS_ROOT" "$PWD" /usr/bin/env "${pass[@]}" bash "$@"
    exit
}

# root_run ROOT DIR CMD...: as _vs_chroot_exec, plus the host's cargo registry cache at
# /root/.cargo/registry (crates are downloaded once for every root) and, inside a private user,
# mount and pid namespace, a binfmt_misc instance of its own with the root's qemu entries, so
# that tests which execute a foreign binary (the CLI tests) work. Nothing is registered for the
# rest of the machine; it all vanishes with the process.
root_run() {
    local root=$1 dir=$2
    shift 2
    local registry=${CARGO_HOME:-$HOME/.cargo}/registry gitdir=""
    mkdir -p "$registry" "$root/root/.cargo/registry" || return 1
    # A git worktree's .git is a file naming the main repository's: that must be visible too.
    if [ -n "$dir" ] && [ -f "$dir/.git" ]; then
        gitdir=$(git -C "$dir" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)
    fi
    local inner
    # shellcheck disable=SC2016
    inner='
        root=$1; dir=$2; registry=$3; gitdir=$4; shift 4
        mount -t proc proc "$root/proc" || exit 1
        mount --rbind /dev "$root/dev" 2>/dev/null
        mount --bind "$registry" "$root/root/.cargo/registry" || exit 1
        if [ -n "$dir" ]; then
            mkdir -p "$root$dir" && mount --bind "$dir" "$root$dir" || exit 1
        fi
        if [ -n "$gitdir" ]; then
            mkdir -p "$root$gitdir" && mount --bind "$gitdir" "$root$gitdir" || exit 1
        fi
        # A binfmt_misc instance private to this user namespace (Linux 6.7 and later).
        if mount -t binfmt_misc binfmt_misc "$root/proc/sys/fs/binfmt_misc" 2>/dev/null; then
            for conf in "$root"/usr/lib/binfmt.d/qemu-aarch64.conf "$root"/usr/lib/binfmt.d/qemu-arm.conf; do
                [ -f "$conf" ] || continue
                # The static qemu-NAME of the root as interpreter, opened now (flag F) so that it
                # is found from inside the chroot; QEMU_LD_PREFIX names the guest libraries.
                awk -F: -v OFS=: -v r="$root" "{ \$7 = r \"/usr/bin/\" \$2; \$8 = \"F\"; print }" "$conf" \
                    >"$root/proc/sys/fs/binfmt_misc/register" || echo "binfmt_misc: could not register $conf" >&2
            done
        fi
        cd "$root" || exit 1
        exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            /bin/sh -c '\''if [ -n "$0" ]; then cd "$0" || exit 1; fi; exec "$@"'\'' "$dir" "$@"
    '
    if unshare --user --map-root-user --mount --pid --fork --propagation private true 2>/dev/null; then
        unshare --user --map-root-user --mount --pid --fork --propagation private \
            bash -c "$inner" vodsign-root "$root" "$dir" "$registry" "$gitdir" "$@"
    else
        unshare --mount --propagation private bash -c "$inner" vodsign-root "$root" "$dir" "$registry" "$gitdir" "$@"
    fi
}
