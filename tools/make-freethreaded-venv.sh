#!/usr/bin/env bash
# Make a venv of the free-threaded CPython (tools/build-freethreaded-python.sh) with mpbench in it.
#
# `pip install -e .` cannot work there as it is: gevent, a dependency, has no free-threaded
# (cp313t) wheel, and its source build stops at its build dependency cffi, which refuses
# free-threaded 3.13. So the venv is made by tools/make-venv.sh, wheels only for its optional
# packages: it installs pyproject.toml's dependencies and `test` extra but gevent (preferring
# wheels: the newest release often has no free-threaded wheel while an older one has), leaves
# gevent out with the reason when it has no wheel, and installs mpbench editable with
# --no-deps; mpbench skips what needs gevent (the io subject's gevent models) with the reason.
# Idempotent; prints the venv's python on its last line of standard output.
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
log() { echo "make-freethreaded-venv: $*" >&2; }

"$FT_PYTHON" -c "import sysconfig; assert sysconfig.get_config_var('Py_GIL_DISABLED'), \
    '$FT_PYTHON is not a free-threaded build'" >&2
# gevent: no cp313t wheel, and its source build stops at cffi, which refuses 3.13t: wheels only.
MPBENCH_VENV_WHEELS_ONLY=1 "$REPO/tools/make-venv.sh" "$FT_PYTHON" "$VENV" >/dev/null
PY="$VENV/bin/python"
"$PY" -c "import sys, bench_lib; assert not sys._is_gil_enabled(), 'GIL on after import'" >&2
echo "$PY"
