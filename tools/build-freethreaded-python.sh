#!/usr/bin/env bash
# Build a free-threaded CPython 3.13 (PEP 703, `--disable-gil`) for mpbench runs.
#
# No registry this project reaches serves a free-threaded binary, so the interpreter is built
# from Debian's source package of CPython 3.13 (trixie). The script:
#   1. downloads the source with `apt-get source` through a PRIVATE apt configuration (its own
#      sources list, lists and cache under the cache folder): the machine's apt lists are left alone;
#   2. checks it: apt verifies the .dsc and the tarballs against the signed Sources index, and the
#      script re-checks the upstream tarball's SHA-256 against the .dsc before unpacking;
#   3. installs the build dependencies (an explicit apt package list, below) and builds
#      `./configure --disable-gil --with-ensurepip=install` into the cache folder;
#   4. checks the result (`sys._is_gil_enabled()` is False; ssl, ctypes, sqlite3, lzma, bz2, zlib
#      import) and prints the interpreter's path on its LAST line of standard output.
# It is idempotent: an interpreter already in the cache that passes the check is reused.
#
# With --source, the script builds the CPython source the user gives instead (a source tree or
# a release tarball, e.g. Python-3.14.x.tar.xz from python.org, whose signature the user checks):
# no download; the interpreter goes to python-<major.minor>t in the cache (python3.14t). No 3.14
# source reaches this machine, so 3.14t is made where one does (docs/pythons.md).
#
# Usage: tools/build-freethreaded-python.sh            # build or reuse, print the path
#        tools/build-freethreaded-python.sh --source Python-3.14.2.tar.xz   # or a source tree
#        MPBENCH_FT_CACHE=/some/dir tools/build-...sh  # another cache folder
# Never part of .ci/run or the tests' required path: tests that need the interpreter skip
# without it (see docs/freethreaded.md).
set -euo pipefail

CACHE_ROOT="${MPBENCH_FT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mpbench}"
PREFIX="$CACHE_ROOT/python-3.13t"            # the installed interpreter
WORK="$CACHE_ROOT/build-3.13t"                # apt config, downloaded source, build tree
PYTHON="$PREFIX/bin/python3.13t"
SOURCE_PACKAGE="python3.13"
SUITE="trixie"                                # Debian's suite that carries CPython 3.13
MIRROR="http://deb.debian.org/debian"
JOBS="${MPBENCH_FT_JOBS:-$(nproc)}"
# Headers the standard library's C modules need; without one, that module is silently skipped.
BUILD_DEPS=(build-essential pkg-config dpkg-dev xz-utils libssl-dev libffi-dev libsqlite3-dev
            liblzma-dev libbz2-dev zlib1g-dev libreadline-dev libncurses-dev uuid-dev
            libgdbm-dev libexpat1-dev)
REQUIRED_MODULES="ssl ctypes sqlite3 lzma bz2 zlib"

log() { echo "build-freethreaded-python: $*" >&2; }

USER_SOURCE=""
if [ "${1:-}" = "--source" ]; then
    USER_SOURCE="$(readlink -f "${2:?--source needs a CPython source tree or tarball}")"
elif [ -n "${1:-}" ]; then
    log "unknown argument '$1'; use no argument or --source PATH"; exit 2
fi

source_version() {
    # "3.14" from Include/patchlevel.h of a tree, or from a tarball's copy of it.
    local text
    if [ -d "$USER_SOURCE" ]; then
        text="$(cat "$USER_SOURCE/Include/patchlevel.h" 2>/dev/null)" || true
    else
        text="$(tar -xOf "$USER_SOURCE" --wildcards '*/Include/patchlevel.h' 2>/dev/null)" || true
    fi
    sed -n 's/^#define PY_VERSION[[:space:]]*"\([0-9]*\.[0-9]*\).*/\1/p' <<<"$text" | head -n 1
}

if [ -n "$USER_SOURCE" ]; then
    VERSION="$(source_version)"
    [ -n "$VERSION" ] || { log "$USER_SOURCE is not a CPython source tree or tarball (no Include/patchlevel.h)"; exit 1; }
    PREFIX="$CACHE_ROOT/python-${VERSION}t"
    WORK="$CACHE_ROOT/build-${VERSION}t"
    PYTHON="$PREFIX/bin/python${VERSION}t"
fi

unpack_user_source() {
    rm -rf "$WORK/tree"
    mkdir -p "$WORK/tree"
    if [ -d "$USER_SOURCE" ]; then
        cp -a "$USER_SOURCE/." "$WORK/tree/"
    else
        tar -xf "$USER_SOURCE" -C "$WORK/tree" --strip-components=1
    fi
    log "unpacked $USER_SOURCE (CPython $VERSION)"
}

check_interpreter() {
    # True when $PYTHON exists, runs with the GIL off and has the required C modules.
    [ -x "$PYTHON" ] || return 1
    "$PYTHON" -c "
import importlib, sys, sysconfig
assert sysconfig.get_config_var('Py_GIL_DISABLED') == 1, 'not a free-threaded build'
assert not sys._is_gil_enabled(), 'GIL is on at start'
for name in '$REQUIRED_MODULES'.split():
    importlib.import_module(name)
" >&2
}

private_apt() {
    # apt-get with its own sources, lists and cache: the machine's configuration is untouched.
    local apt_dir="$WORK/apt"
    apt-get -o Dir::Etc::sourcelist="$apt_dir/sources.list" \
            -o Dir::Etc::sourceparts="$apt_dir/sources.list.d" \
            -o Dir::State::Lists="$apt_dir/lists" \
            -o Dir::Cache="$apt_dir/cache" \
            -o Dir::State::status=/var/lib/dpkg/status \
            "$@"
}

download_source() {
    local apt_dir="$WORK/apt"
    mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" \
             "$WORK/src"
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $SUITE main" \
        > "$apt_dir/sources.list"
    log "updating the private apt lists ($SUITE deb-src)"
    private_apt -qq update >&2
    log "downloading the source of $SOURCE_PACKAGE"
    (cd "$WORK/src" && private_apt -qq source --download-only "$SOURCE_PACKAGE" >&2)
}

verify_and_unpack() {
    # Re-check the upstream tarball against the .dsc's SHA-256, then unpack it fresh.
    local dsc orig want got
    dsc=$(ls "$WORK"/src/"${SOURCE_PACKAGE}"_*.dsc | tail -n 1)
    orig=$(ls "$WORK"/src/"${SOURCE_PACKAGE}"_*.orig.tar.* | grep -v '\.asc$' | tail -n 1)
    want=$(awk -v f="$(basename "$orig")" \
        '/^Checksums-Sha256:/{s=1; next} /^[^ ]/{s=0} s && $3==f {print $1}' "$dsc")
    got=$(sha256sum "$orig" | cut -d' ' -f1)
    if [ -z "$want" ] || [ "$want" != "$got" ]; then
        log "checksum mismatch for $orig: .dsc says '${want}', file is '${got}'; delete $WORK/src and rerun"
        exit 1
    fi
    log "verified $(basename "$orig") (sha256 $got)"
    rm -rf "$WORK/tree"
    mkdir -p "$WORK/tree"
    tar -xf "$orig" -C "$WORK/tree" --strip-components=1
}

install_build_deps() {
    local missing=()
    for pkg in "${BUILD_DEPS[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" -ne 0 ]; then
        log "missing build dependencies: ${missing[*]}; install them as root (apt-get install)"
        exit 1
    fi
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing build dependencies: ${missing[*]}"
        apt-get -qq update >&2
        DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends \
            "${missing[@]}" >&2
    fi
}

build() {
    log "configuring --disable-gil into $PREFIX"
    cd "$WORK/tree"
    ./configure --disable-gil --with-ensurepip=install --prefix="$PREFIX" >"$WORK/configure.log" 2>&1 \
        || { log "configure failed: see $WORK/configure.log"; exit 1; }
    log "building with make -j$JOBS (several minutes; log: $WORK/make.log)"
    make -j"$JOBS" >"$WORK/make.log" 2>&1 || { log "make failed: see $WORK/make.log"; exit 1; }
    make install >"$WORK/install.log" 2>&1 || { log "make install failed: see $WORK/install.log"; exit 1; }
}

main() {
    if check_interpreter; then
        log "reusing $PYTHON"
    else
        local started=$SECONDS
        install_build_deps
        if [ -n "$USER_SOURCE" ]; then
            unpack_user_source
        else
            download_source
            verify_and_unpack
        fi
        build
        check_interpreter || { log "built $PYTHON but it fails the check above"; exit 1; }
        log "built in $((SECONDS - started)) s; build tree kept in $WORK (delete it to save space)"
    fi
    echo "$PYTHON"
}

main "$@"
