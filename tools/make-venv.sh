#!/usr/bin/env bash
# Make a venv of any interpreter with mpbench in it, leaving out what cannot be installed there.
#
# Rule: pyproject.toml's dependencies and `test` extra are required, except OPTIONAL (packages
# mpbench runs without: it skips what needs one, with the reason). Every install prefers wheels
# (--prefer-binary: an older release with a wheel beats a source build of the newest). An
# optional package is tried from a wheel, then (unless MPBENCH_VENV_WHEELS_ONLY=1) from source,
# and is otherwise left out with a one-line reason, not a failed venv. mpbench itself is
# installed editable with --no-deps. Idempotent; prints the venv's python on its last line.
#
# Usage: tools/make-venv.sh PYTHON VENV
#   PYTHON may be a launcher of the Debian root (docs/pythons.md); VENV must then be on a path
#   bound into the root (the checkout, /tmp, ~/.cache/mpbench/debian-forky/venvs).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${1:?usage: tools/make-venv.sh PYTHON VENV}"
VENV="${2:?usage: tools/make-venv.sh PYTHON VENV}"
OPTIONAL=(gevent)  # the io subject's gevent models are skipped without it

log() { echo "make-venv: $*" >&2; }

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PY="$VENV/bin/python"
"$PY" -m pip install -q --upgrade pip >&2 || log "pip not upgraded (offline?); the venv's pip is used"

mapfile -t REQUIRED < <("$PY" - "$REPO/pyproject.toml" "${OPTIONAL[@]}" <<'EOF'
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

TAG="$("$PY" -c 'import sys, sysconfig; print("cp%d%d%s" % (*sys.version_info[:2], "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""))')"
for pkg in "${OPTIONAL[@]}"; do
    if "$PY" -m pip install -q --only-binary=:all: "$pkg" >/dev/null 2>&1; then
        log "$pkg: installed from a wheel"
    elif [ "${MPBENCH_VENV_WHEELS_ONLY:-0}" != 1 ] && "$PY" -m pip install -q "$pkg" >/dev/null 2>&1; then
        log "$pkg: built from source (no $TAG wheel)"
    elif [ "${MPBENCH_VENV_WHEELS_ONLY:-0}" = 1 ]; then
        log "$pkg: no $TAG wheel (source build not tried: it fails there); mpbench skips what needs it, with the reason"
    else
        log "$pkg: no $TAG wheel and its source build failed; mpbench skips what needs it, with the reason"
    fi
done

"$PY" -m pip install -q --no-deps -e "$REPO" >&2
echo "$PY"
