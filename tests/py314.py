"""A Python with subinterpreters for the tests that need one: 3.14+, found or named.

CI has only 3.11: there these tests skip with the reason. Where a 3.14 exists, name it with
``MPBENCH_PYTHON314`` (a launcher such as the Debian root's), or have ``python3.14`` on PATH,
or run the tests under 3.14 itself. The launcher runs in the checkout (the tests' cwd) and
writes its result file there too, so a launcher that sees only the checkout (a chroot with the
checkout bound at the same path) works.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
ENV = "MPBENCH_PYTHON314"
MIN_VERSION = (3, 14)


def python314() -> str | None:
    """The command of a Python with subinterpreters, or None."""
    named = os.environ.get(ENV) or shutil.which("python3.14")
    if named:
        return named
    return sys.executable if sys.version_info >= MIN_VERSION else None


needs_314 = pytest.mark.skipif(
    python314() is None,
    reason=f"needs CPython 3.14+ (subinterpreters): set {ENV} to a python3.14 (or a launcher "
    "of one), or put python3.14 on PATH",
)


def smoke_run(*targets: str, select: str) -> tuple[int, dict[str, Any], str]:
    """Smoke-run the benchmark files' points matching ``select`` (``-k``) on the 3.14."""
    python = python314()
    assert python is not None, "guard the caller with needs_314"
    work = Path(tempfile.mkdtemp(prefix=".py314-", dir=REPO))  # inside the checkout: see doc
    out = work / "smoke.json"
    try:
        command = [python, "-m", "pytest", *targets, "--benchmark-only", "-k", select]
        command += ["--mpbench-profile=smoke", f"--benchmark-json={out}"]
        command += ["-p", "no:cacheprovider", "-q"]
        proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
        data = json.loads(out.read_text()) if out.exists() else {}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return proc.returncode, data, proc.stdout + proc.stderr


def by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each benchmark's mpbench block by its pytest name."""
    return {b["name"]: b["extra_info"]["mpbench"] for b in data.get("benchmarks", [])}
