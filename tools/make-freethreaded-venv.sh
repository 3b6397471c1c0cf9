#!/usr/bin/env bash
# Make a venv of the free-threaded CPython (tools/build-freethreaded-python.sh) with mpbench in it.
#
# `pip install -e .` cannot work there as it is: gevent, a dependency, has no free-threaded
# (cp313t) wheel, and its source build stops at its build dependency cffi, which refuses
# free-threaded 3.13. So this script installs pyproject.toml's dependencies and the `test`
# extra (read from pyproject.toml, so the list lives in one place) except those in
# OPTIONAL_ON_FREE_THREADED, tries each of those from a wheel only, and installs mpbench
# itself editable with --no-deps. mpbench skips what needs a missing optional dependency
# (the gevent models of the io subject) with the reason. Idempotent; prints the venv's
# python on its last line of standard output.
#
# Every install prefers wheels (--prefer-binary): the newest release of a package often has no
# free-threaded wheel yet while an older one has, and a source build needs what is not here.
#
# Usage: tools/make-freethreaded-venv.sh     (MPBENCH_FT_CACHE as for the build script)
#        MPBENCH_FT_PYTHON=/path/to/python3.14t tools/make-freethreaded-venv.sh
#            a free-threaded interpreter made elsewhere (docs/pythons.md); the venv is then
#            venv-<its version>t unless MPBENCH_FT_VENV names one
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
CACHE_ROOT="${MPBENCH_FT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mpbench}"
if [ -n "${MPBENCH_FT_PYTHON:-}" ]; then
    FT_PYTHON="$MPBENCH_FT_PYTHON"
else
    FT_PYTHON="$("$REPO/tools/build-freethreaded-python.sh" | tail -n 1)"
fi
FT_VERSION="$("$FT_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
VENV="${MPBENCH_FT_VENV:-$CACHE_ROOT/venv-${FT_VERSION}t}"
OPTIONAL_ON_FREE_THREADED=(gevent)  # no cp313t wheel; sdist build fails (cffi refuses 3.13t)

log() { echo "make-freethreaded-venv: $*" >&2; }

"$FT_PYTHON" -c "import sysconfig; assert sysconfig.get_config_var('Py_GIL_DISABLED'), \
    '$FT_PYTHON is not a free-threaded build'" >&2
[ -x "$VENV/bin/python" ] || "$FT_PYTHON" -m venv "$VENV"
PY="$VENV/bin/python"
"$PY" -m pip install -q --upgrade pip >&2

# pyproject's requirements (dependencies + the test extra), split into required and optional.
mapfile -t REQUIRED < <("$PY" - "$REPO/pyproject.toml" "${OPTIONAL_ON_FREE_THREADED[@]}" <<'EOF'
import re, sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
optional = set(sys.argv[2:])
for req in project["dependencies"] + project["optional-dependencies"]["test"]:
    if re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0].lower() not in optional:
        print(req)
EOF
)
log "installing ${REQUIRED[*]}"
"$PY" -m pip install -q --prefer-binary "${REQUIRED[@]}" >&2

for pkg in "${OPTIONAL_ON_FREE_THREADED[@]}"; do
    if "$PY" -m pip install -q --only-binary=:all: "$pkg" >/dev/null 2>&1; then
        log "$pkg: installed from a wheel"
    else
        log "$pkg: no free-threaded wheel; mpbench skips what needs it, with the reason"
    fi
done

"$PY" -m pip install -q --no-deps -e "$REPO" >&2
"$PY" -c "import sys, bench_lib; assert not sys._is_gil_enabled(), 'GIL on after import'" >&2
echo "$PY"
