# shellcheck shell=bash
# Toolchains for the Kotlin and Swift suites, and the one maker of the cached Debian roots
# (Swift here, the cross and minimum-version roots in scripts/cross-root.sh). Source this file, then call:
#
#   ensure_kotlin   kotlinc + kotlin-stdlib + JNA; exports KOTLINC, KOTLIN_STDLIB, JNA_JAR
#   ensure_swift    a host `swift`, or a Debian trixie root with swiftlang (about 3 GB); exports SWIFT_ROOT
#                   (empty when the host swift is used)
#   swift_run DIR CMD...
#                   run CMD with DIR as working directory, where DIR (an absolute host path)
#                   is visible at the same path (inside the trixie root when there is one)
#
# Everything downloaded is cached under ${VODSIGN_CACHE:-$HOME/.cache/vodsign}, so only the
# first run on a machine pays for it. A fresh machine works from nothing, as root, with only
# the package registries reachable (npm for the Kotlin compiler, Debian for the rest).
# Every function returns non-zero with a message on stderr when it cannot set up; callers
# must count that as a failure, never as a skip.

VODSIGN_KOTLIN_VERSION=2.4.20

_vs_cache() { printf '%s\n' "${VODSIGN_CACHE:-$HOME/.cache/vodsign}"; }
_vs_say() { printf '%s\n' "$*" >&2; }

# apt-get update at most once per shell; wait for the dpkg lock rather than failing when
# another process is installing at the same time.
_vs_apt_install() {
    local apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3) log rc=0
    log=$(mktemp) || return 1
    if [ -z "${_VODSIGN_APT_UPDATED:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update >"$log" 2>&1 || rc=$?
        [ "$rc" = 0 ] && _VODSIGN_APT_UPDATED=1
    fi
    if [ "$rc" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y --no-install-recommends "$@" \
            >>"$log" 2>&1 || rc=$?
    fi
    [ "$rc" = 0 ] || tail -n 20 "$log" >&2
    rm -f "$log"
    return "$rc"
}

# Remove a directory that may still hold mounts left by an interrupted run.
_vs_remove_tree() {
    local dir=$1 mp
    [ -e "$dir" ] || return 0
    # Deepest mount points first.
    while read -r mp; do
        umount -l "$mp" 2>/dev/null || true
    done < <(awk -v d="$dir" 'index($2, d "/") == 1 {print $2}' /proc/mounts | sort -r)
    rm -rf --one-file-system "$dir"
}

ensure_kotlin() {
    local cache home tmp
    cache=$(_vs_cache)
    home="$cache/kotlinc-$VODSIGN_KOTLIN_VERSION"

    if ! command -v java >/dev/null 2>&1; then
        _vs_say "installing a Java runtime (first run only)..."
        _vs_apt_install default-jre-headless || {
            _vs_say "Kotlin toolchain could not be set up: no java, and apt-get install default-jre-headless failed"
            return 1
        }
    fi

    if [ ! -x "$home/bin/kotlinc" ] || [ ! -f "$home/lib/kotlin-stdlib.jar" ]; then
        _vs_say "installing Kotlin compiler $VODSIGN_KOTLIN_VERSION (first run only)..."
        if ! command -v npm >/dev/null 2>&1; then
            _vs_apt_install npm || {
                _vs_say "Kotlin toolchain could not be set up: npm is missing and could not be installed"
                return 1
            }
        fi
        mkdir -p "$cache" || return 1
        tmp=$(mktemp -d "$cache/.kotlinc.XXXXXX") || return 1
        if ! (cd "$tmp" && npm pack --silent "kotlin-compiler@$VODSIGN_KOTLIN_VERSION" >/dev/null &&
              tar xzf "kotlin-compiler-$VODSIGN_KOTLIN_VERSION.tgz"); then
            rm -rf "$tmp"
            _vs_say "Kotlin toolchain could not be set up: npm pack kotlin-compiler@$VODSIGN_KOTLIN_VERSION failed"
            return 1
        fi
        chmod +x "$tmp"/package/bin/* 2>/dev/null
        if [ ! -f "$tmp/package/bin/kotlinc" ] || [ ! -f "$tmp/package/lib/kotlin-stdlib.jar" ]; then
            rm -rf "$tmp"
            _vs_say "Kotlin toolchain could not be set up: the kotlin-compiler package has no bin/kotlinc or lib/kotlin-stdlib.jar"
            return 1
        fi
        # Publish atomically: an interrupted run never leaves a half compiler that looks done.
        rm -rf "$home"
        mv "$tmp/package" "$home" && rm -rf "$tmp" || return 1
    fi

    if [ ! -f /usr/share/java/jna.jar ]; then
        _vs_say "installing JNA (libjna-java, first run only)..."
        _vs_apt_install libjna-java || {
            _vs_say "Kotlin toolchain could not be set up: apt-get install libjna-java failed"
            return 1
        }
    fi

    export KOTLINC="$home/bin/kotlinc"
    export KOTLIN_STDLIB="$home/lib/kotlin-stdlib.jar"
    export JNA_JAR=/usr/share/java/jna.jar
}

# The Debian mirror this machine already uses, read at run time from its apt sources.
_vs_debian_mirror() {
    local m=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        m=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
        m=$(awk '$1 == "deb" {
                   i = 2
                   if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                   if ($i !~ /security/) { print $i; exit }
                 }' /etc/apt/sources.list)
    fi
    if [ -z "$m" ]; then
        m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
            awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}')
    fi
    printf '%s\n' "$m"
}

# _vs_make_root NAME CHECK SCRIPT: debootstrap trixie into the cache as NAME, run SCRIPT in it
# with sh, require the file CHECK (a path inside the root) and publish it.
_vs_make_root() {
    local name=$1 check=$2 script=$3 cache root tmp mirror old
    cache=$(_vs_cache)
    root="$cache/$name"
    if [ -e "$root$check" ]; then
        printf '%s\n' "$root"
        return 0
    fi
    if [ "$(id -u)" != 0 ]; then
        _vs_say "$name could not be set up: building a Debian root needs root"
        return 1
    fi
    _vs_say "setting up a Debian trixie root under $root (first run only)..."
    if ! command -v debootstrap >/dev/null 2>&1; then
        _vs_apt_install debootstrap || { _vs_say "$name: apt-get install debootstrap failed"; return 1; }
    fi
    mirror=$(_vs_debian_mirror)
    [ -n "$mirror" ] || { _vs_say "$name: no Debian mirror found in the apt sources"; return 1; }
    mkdir -p "$cache" || return 1
    # Leftovers of interrupted runs (possibly with /proc still mounted inside).
    for old in "$cache/.$name".*; do
        [ -e "$old" ] && _vs_remove_tree "$old"
    done
    tmp=$(mktemp -d "$cache/.$name.XXXXXX") || return 1
    if ! debootstrap --variant=minbase trixie "$tmp" "$mirror" >"$tmp.log" 2>&1; then
        tail -n 20 "$tmp.log" >&2
        _vs_remove_tree "$tmp"
        _vs_say "$name: debootstrap trixie failed (log above)"
        return 1
    fi
    # cargo inside the root fetches crates over TLS: it uses the host's CA bundle.
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        mkdir -p "$tmp/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$tmp/etc/ssl/certs/"
    fi
    if ! _vs_chroot_exec "$tmp" "" /bin/sh -c "$script" >>"$tmp.log" 2>&1; then
        tail -n 30 "$tmp.log" >&2
        _vs_remove_tree "$tmp"
        _vs_say "$name: setting up the packages failed (log above)"
        return 1
    fi
    if [ ! -e "$tmp$check" ]; then
        _vs_remove_tree "$tmp"
        _vs_say "$name: the setup left no $check"
        return 1
    fi
    rm -f "$tmp.log" "$tmp"/var/cache/apt/archives/*.deb
    # Publish atomically: only a complete root ever has the final name.
    _vs_remove_tree "$root"
    mv "$tmp" "$root" || return 1
    printf '%s\n' "$root"
}

ensure_swift() {
    if command -v swift >/dev/null 2>&1 && command -v swiftc >/dev/null 2>&1; then
        export SWIFT_ROOT=""
        return 0
    fi
    [ -n "${SWIFT_ROOT:-}" ] && [ -x "$SWIFT_ROOT/usr/bin/swiftc" ] && return 0
    local script='set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends swiftlang libc6-dev'
    SWIFT_ROOT=$(_vs_make_root swift-trixie /usr/bin/swiftc "$script") || {
        _vs_say "Swift toolchain could not be set up (no swift on PATH, and no trixie root with swiftlang)"
        return 1
    }
    export SWIFT_ROOT
}

# _vs_chroot_exec ROOT DIR CMD...: in a private mount namespace when possible (mounts vanish
# with the process, even if it is killed), else with a trap that unmounts on any exit.
# DIR (may be empty) is bind-mounted at the same path inside ROOT and used as working dir.
_vs_chroot_exec() {
    local root=$1 dir=$2
    shift 2
    local inner
    # shellcheck disable=SC2016
    inner='
        root=$1; dir=$2; shift 2
        mounted=""
        cleanup() {
            for mp in $mounted; do umount -l "$mp" 2>/dev/null; done
        }
        trap cleanup EXIT
        trap "exit 130" INT TERM HUP
        mount -t proc proc "$root/proc" || exit 1
        mounted="$root/proc"
        if mount --rbind /dev "$root/dev" 2>/dev/null; then
            mount --make-rslave "$root/dev" 2>/dev/null
            mounted="$root/dev $mounted"
        fi
        if [ -n "$dir" ]; then
            mkdir -p "$root$dir" || exit 1
            mount --bind "$dir" "$root$dir" || exit 1
            mounted="$root$dir $mounted"
        fi
        cd "$root" || exit 1
        chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            /bin/sh -c '\''if [ -n "$0" ]; then cd "$0" || exit 1; fi; exec "$@"'\'' "$dir" "$@"
    '
    if unshare --mount --propagation private true 2>/dev/null; then
        unshare --mount --propagation private bash -c "$inner" vodsign-chroot "$root" "$dir" "$@"
    else
        bash -c "$inner" vodsign-chroot "$root" "$dir" "$@"
    fi
}

swift_run() {
    if [ $# -lt 2 ]; then
        _vs_say "usage: swift_run DIR CMD..."
        return 2
    fi
    local dir=$1
    shift
    case $dir in
        /*) ;;
        *) _vs_say "swift_run: DIR must be an absolute path, got '$dir'"; return 2 ;;
    esac
    if [ -z "${SWIFT_ROOT+x}" ]; then
        ensure_swift || return 1
    fi
    if [ -z "$SWIFT_ROOT" ]; then
        (cd "$dir" && "$@")
    else
        _vs_chroot_exec "$SWIFT_ROOT" "$dir" "$@"
    fi
}
