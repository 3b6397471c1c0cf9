"""Shared helpers for the tests: run the benchmark suite through pytest in smoke mode; and which
tests are slow.

The fast tier (``pytest tests -m "not slow"``, docs/testing.md) leaves out every test marked
``slow`` here: one that takes a session smoke fixture (each is a smoke run of a benchmark
file); one whose body, a helper from tests/ it calls (two levels down) or a fixture of its
module runs benchmarks in a child pytest (:func:`run_smoke`, :func:`run_benchmark_source`),
starts a command (``subprocess``) or calls ``mpbench run`` in-process (``["run", ...]``,
which starts pytest); and the tests of ``SLOW_FILES`` and ``SLOW_TESTS`` (they start process
crews, clusters or servers in-process). CI runs them all.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest

REPO = Path(__file__).resolve().parent.parent
SLOW_FIXTURES = frozenset({"spawn_smoke", "pool_gil_smoke", "ipc_smoke", "locks_smoke"})
SLOW_CALLS = ("run_smoke(", "run_benchmark_source(", "subprocess.", '["run"')
# a child pytest, a command, or ``mpbench run`` (which starts pytest) in-process
SLOW_FILES = frozenset(
    {  # every test in them starts processes, servers or clusters for real
        "test_crew.py",
        "test_distributed.py",
        "test_interrupt.py",
        "test_reliability.py",
        "test_sanity_relations.py",
    }
)
SLOW_TESTS = frozenset(  # slow ones the rules above do not see (seconds each, per --durations)
    set()
)


def is_slow(item: pytest.Item) -> bool:
    """The rule of the fast tier (module docstring)."""
    if item.path.name in SLOW_FILES or item.name.split("[")[0] in SLOW_TESTS:
        return True
    if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    function = getattr(item, "function", None)
    if function is None:
        return False
    module = vars(inspect.getmodule(function) or object())
    fixtures = [module.get(name) for name in getattr(item, "fixturenames", ())]
    return any(
        runs_slow_code(getattr(f, "__wrapped__", f), HELPER_DEPTH)
        for f in (function, *fixtures)
        if f is not None
    )


HELPER_DEPTH = 2  # a test's helpers, and theirs: how deep a child run may hide


def runs_slow_code(function: Any, depth: int) -> bool:
    """``function``'s body, or a helper from tests/ that it calls (``depth`` levels down),
    runs benchmarks in a child pytest or starts a command."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return False
    if any(call in source for call in SLOW_CALLS):
        return True
    if depth == 0:
        return False
    names = vars(inspect.getmodule(function) or object())
    for name in set(re.findall(r"\b([A-Za-z_]\w*)\(", source)):
        helper = getattr(names.get(name), "__wrapped__", names.get(name))
        if (
            inspect.isfunction(helper)
            and helper is not function
            and Path(inspect.getsourcefile(helper) or "").parent == REPO / "tests"
            and runs_slow_code(helper, depth - 1)
        ):
            return True
    return False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)


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
