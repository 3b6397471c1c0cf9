"""Shared helpers for the tests: run the benchmark suite through pytest in smoke mode."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest

REPO = Path(__file__).resolve().parent.parent


def run_smoke(
    tmp_path: Path, *targets: str, extra: tuple[str, ...] = ()
) -> tuple[int, dict[str, Any], str]:
    """Run benchmark files in smoke mode; return pytest's exit code, the result JSON, its output."""
    out = tmp_path / "smoke.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *targets,
            "--benchmark-only",
            "--mpbench-profile=smoke",
            f"--benchmark-json={out}",
            "-p",
            "no:cacheprovider",
            "-q",
            *extra,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    data = json.loads(out.read_text()) if out.exists() else {}
    return proc.returncode, data, proc.stdout + proc.stderr


def run_benchmark_source(tmp_path: Path, source: str, *extra: str) -> tuple[int, dict[str, Any]]:
    """Run a benchmark file written from ``source`` in ``tmp_path``: exit code, result JSON."""
    (tmp_path / "test_case.py").write_text(source)
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "test_case.py",
            "--benchmark-only",
            f"--benchmark-json={out}",
            "-p",
            "no:cacheprovider",
            "-o",
            "testpaths=.",
            *extra,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.exists(), proc.stdout + proc.stderr
    return proc.returncode, json.loads(out.read_text())


@pytest.fixture(scope="session")
def spawn_smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    code, data, output = run_smoke(tmp_path_factory.mktemp("spawn"), "benchmarks/test_spawn.py")
    assert code == 0, output
    return data


@pytest.fixture(scope="session")
def pool_gil_smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    code, data, output = run_smoke(
        tmp_path_factory.mktemp("pool"), "benchmarks/test_pool.py", "benchmarks/test_gil.py"
    )
    assert code == 0, output
    return data


@pytest.fixture(scope="session")
def ipc_smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One smoke run of the ipc subject, shared by every test that reads one."""
    code, data, output = run_smoke(tmp_path_factory.mktemp("ipc"), "benchmarks/test_ipc.py")
    assert code == 0, output
    return data


@pytest.fixture(scope="session")
def locks_smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One smoke run of the locks subject, shared by every test that reads one."""
    code, data, output = run_smoke(tmp_path_factory.mktemp("locks"), "benchmarks/test_locks.py")
    assert code == 0, output
    return data


def session_processes(sid: int) -> list[psutil.Process]:
    """Live (not zombie) processes of session ``sid``: what a run left behind."""
    out = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getsid(proc.pid) == sid and proc.status() != psutil.STATUS_ZOMBIE:
                out.append(proc)
    return out
