#!/usr/bin/env bash
# Make Debian's CPython 3.13, 3.14 and 3.15 runnable here, each through a launcher on the host.
#
# Debian `forky` ships python3.13, python3.14 and python3.15 as binary packages; no source of
# 3.14 or 3.15 reaches this machine. So the script makes a `forky` root with debootstrap, installs
# the interpreters with their venv and dev packages (and gcc, for packages that have no wheel) in
# it, and writes one launcher per interpreter, $CACHE/bin/python3.X. A launcher runs the root's
# interpreter on the same kernel and CPU, with the caller's environment, working directory,
# arguments, signals and exit status (every step execs: the interpreter keeps the launcher's pid).
#
# How a launcher enters the root: `unshare --mount` gives it a private mount namespace, in which
# it binds /proc, /sys, /dev (with /dev/shm), /tmp, the cache folder, the git checkout around the
# working directory and $MPBENCH_DEBIAN_BINDS at the SAME paths inside the root, then chroots and
# cds to the same directory. The mounts live only as long as that process tree: nothing is left
# mounted on the host, whatever signal ends it. Inside the root (marker /etc/mpbench-debian-root)
# a launcher execs the interpreter directly with argv[0] set to its own path, so sys.executable
# is the launcher's path, valid on both sides: a venv made with `launcher -m venv DIR` (DIR under
# a bound path) links to the launcher, and DIR/bin/python then works from the host and inside.
#
# Usage: tools/debian-pythons.sh              # make or reuse; prints the launchers, one a line
#        tools/debian-pythons.sh --status     # what is there
#        tools/debian-pythons.sh --unmount    # release any mount left under the root (old runs)
#        tools/debian-pythons.sh --remove     # unmount and delete the whole cache folder
# Environment: MPBENCH_DEBIAN_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/mpbench/debian-forky),
#   MPBENCH_DEBIAN_MIRROR, MPBENCH_DEBIAN_SEED (a finished debootstrap root to copy instead of
#   downloading), MPBENCH_DEBIAN_BINDS (extra host paths bound into the root, colon-separated:
#   recorded at setup; the launchers also read it at launch).
# Needs root (debootstrap, chroot, mounts). Never part of .ci/run: tests skip without the root.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${MPBENCH_DEBIAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mpbench/debian-forky}"
ROOT="$CACHE/root"
BIN="$CACHE/bin"
SUITE="forky"
MIRROR="${MPBENCH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
VERSIONS=(3.13 3.14 3.15)
MARKER="/etc/mpbench-debian-root"   # inside the root: launchers exec the interpreter directly
PACKAGES=(ca-certificates gcc libc6-dev)
for v in "${VERSIONS[@]}"; do PACKAGES+=("python$v" "python$v-venv" "python$v-dev"); done

log() { echo "debian-pythons: $*" >&2; }

mounts_under_root() {
    # Mount points at or below $ROOT in this namespace, deepest first (the order to release them).
    [ -d "$ROOT" ] || return 0
    local real
    real="$(readlink -f "$ROOT")"
    awk -v r="$real" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/self/mounts | sort -r
}

unmount_all() {
    local m
    while read -r m; do
        [ -n "$m" ] && umount -l "$m" 2>/dev/null || true
    done < <(mounts_under_root)
}

in_private_namespace() {
    # Run "$@" in a private mount namespace: whatever it mounts is gone when it exits.
    unshare --mount --propagation private -- "$@"
}

debootstrap_root() {
    if [ -e "$ROOT/.mpbench-debootstrap-done" ]; then return 0; fi
    rm -rf "$ROOT.partial"
    mkdir -p "$CACHE"
    if [ -n "${MPBENCH_DEBIAN_SEED:-}" ] && [ -x "$MPBENCH_DEBIAN_SEED/usr/bin/apt-get" ]; then
        log "copying the seed root $MPBENCH_DEBIAN_SEED"
        cp -a "$MPBENCH_DEBIAN_SEED" "$ROOT.partial"
    else
        # debootstrap has no `forky` script before 1.0.137; sid's is the same for every new suite.
        log "debootstrap $SUITE from $MIRROR (a minute or more; log: $CACHE/debootstrap.log)"
        in_private_namespace debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" \
            "$SUITE" "$ROOT.partial" "$MIRROR" /usr/share/debootstrap/scripts/sid \
            >"$CACHE/debootstrap.log" 2>&1 \
            || { log "debootstrap failed: see $CACHE/debootstrap.log"; exit 1; }
    fi
    mv "$ROOT.partial" "$ROOT"
    touch "$ROOT/.mpbench-debootstrap-done"
}

configure_root() {
    # The testing suite's Release file expires weekly; an old cached root must still install.
    echo 'Acquire::Check-Valid-Until "false";' > "$ROOT/etc/apt/apt.conf.d/99mpbench"
    echo "deb $MIRROR $SUITE main" > "$ROOT/etc/apt/sources.list"
    echo "made by mpbench tools/debian-pythons.sh; launchers exec interpreters directly here" \
        > "$ROOT$MARKER"
    mkdir -p "$BIN" "$CACHE/venvs" "$CACHE/inroot-bin" "$ROOT$BIN"
    # Folders every launcher binds (this checkout, $MPBENCH_DEBIAN_BINDS): kept from an earlier
    # run unless new ones are given.
    if [ -n "${MPBENCH_DEBIAN_BINDS:-}" ] || [ ! -e "$CACHE/binds" ]; then
        printf '%s\n' "$REPO" ${MPBENCH_DEBIAN_BINDS:+${MPBENCH_DEBIAN_BINDS//:/ }} > "$CACHE/binds"
    fi
}

link_in_root() {
    # Inside the root, $BIN/python3.X is a HARD link to the interpreter: a regular file, so
    # os.path.realpath(sys.executable) stays $BIN/python3.X, a path the host also has (the
    # launcher); virtualenv and tox resolve an interpreter that way. Re-made on every run: an
    # upgrade of the package replaces the file. A symlink where the cache is on another
    # filesystem than the root (then tox cannot use the launcher; the rest works).
    local v="$1" target="$CACHE/inroot-bin/python$1"
    ln -f "$ROOT/usr/bin/python$v" "$target.tmp" 2>/dev/null \
        || { log "hard link failed: python$v is a symlink in the root (tox cannot use it)"
             ln -sfn "/usr/bin/python$v" "$target.tmp"; }
    mv -f "$target.tmp" "$target"
}

install_packages() {
    # Idempotent: only what dpkg in the root does not report installed is fetched.
    local missing=() pkg
    for pkg in "${PACKAGES[@]}"; do
        chroot "$ROOT" dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null \
            | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    log "installing in the root: ${missing[*]}"
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
    in_private_namespace bash -c '
        mount --bind /proc "$1/proc" && mount --rbind /dev "$1/dev" && shift &&
        chroot "$0" apt-get -qq update && DEBIAN_FRONTEND=noninteractive \
            chroot "$0" apt-get -qq install -y --no-install-recommends "$@"' \
        "$ROOT" "$ROOT" "${missing[@]}" >&2
}

write_launcher() {
    # One launcher per interpreter; the shared body is tools/debian-launcher.bash, copied beside.
    local version="$1" path="$BIN/python$1"
    cat > "$path.tmp" <<EOF
#!/bin/bash
# mpbench launcher: runs python$version of the Debian root $ROOT (tools/debian-pythons.sh).
MPBENCH_ROOT='$ROOT'
MPBENCH_REAL='/usr/bin/python$version'
MPBENCH_CACHE='$CACHE'
source '$BIN/launcher-body.bash'
EOF
    chmod +x "$path.tmp"
    mv "$path.tmp" "$path"
}

check_launcher() {
    local version="$1"
    "$BIN/python$version" -c "
import sys, venv, ensurepip
assert sys.version.startswith('$version'), sys.version
assert sys.executable == '$BIN/python$version', sys.executable
" >&2 || { log "python$version in the root fails its check (above)"; exit 1; }
}

make_all() {
    [ "$(id -u)" -eq 0 ] || { log "making the root needs root (debootstrap, chroot): run with sudo"; exit 1; }
    trap 'unmount_all; rm -rf "$ROOT.partial"' EXIT INT TERM HUP
    debootstrap_root
    configure_root
    install_packages
    local v
    for v in "${VERSIONS[@]}"; do link_in_root "$v"; done
    cp "$REPO/tools/debian-launcher.bash" "$BIN/launcher-body.bash"
    local v
    for v in "${VERSIONS[@]}"; do write_launcher "$v"; check_launcher "$v"; done
    log "ready: put $BIN on PATH, or name the launchers (docs/pythons.md)"
    for v in "${VERSIONS[@]}"; do echo "$BIN/python$v"; done
}

status() {
    local v
    [ -e "$ROOT/.mpbench-debootstrap-done" ] && echo "root: $ROOT ($(. "$ROOT/etc/os-release"; echo "$PRETTY_NAME"))" \
        || echo "root: absent ($ROOT)"
    for v in "${VERSIONS[@]}"; do
        [ -x "$BIN/python$v" ] && echo "launcher: $BIN/python$v" || echo "launcher: absent (python$v)"
    done
    echo "mounts under the root: $(mounts_under_root | wc -l)"
}

case "${1:-}" in
    "") make_all ;;
    --status) status ;;
    --unmount) unmount_all; log "released; $(mounts_under_root | wc -l) mounts left under $ROOT" ;;
    --remove) unmount_all
              [ -z "$(mounts_under_root)" ] || { log "mounts remain under $ROOT; not deleting"; exit 1; }
              rm -rf "$CACHE"; log "removed $CACHE" ;;
    *) log "unknown argument '$1'; use no argument, --status, --unmount or --remove"; exit 2 ;;
esac
