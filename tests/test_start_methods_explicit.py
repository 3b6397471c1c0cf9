"""Start methods are always explicit: no benchmark id or figure follows the platform default.

Python 3.14 made forkserver the Linux default; a benchmark that took the default changed its
ids and its meaning with the Python version. Two checks: the collected ids of every profile
are the same under another default (``set_start_method`` in a child that collects), and no
module of bench_lib or benchmarks asks multiprocessing for its default.
"""

from __future__ import annotations

import ast
import json
import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest

from bench_lib.engine.profiles import PROFILE_NAMES
from bench_lib.workers import mp_context

REPO = Path(__file__).resolve().parents[1]
COLLECT = """
import json, multiprocessing, sys
import pytest
method, out = sys.argv[1], sys.argv[2]
if method != "platform":
    multiprocessing.set_start_method(method)
class Ids:
    ids: list = []
    def pytest_collection_finish(self, session):
        Ids.ids = [item.nodeid for item in session.items]
found = {}
for profile in sys.argv[3:]:
    Ids.ids = []
    code = pytest.main(["benchmarks", "--collect-only", "-q", "-p", "no:cacheprovider",
                        f"--mpbench-profile={profile}"], plugins=[Ids()])
    found[profile] = [int(code), Ids.ids]
json.dump(found, open(out, "w"))
"""
# Another default than the platform's (Linux before 3.14: fork), both of those CPython has.
OTHER_DEFAULTS = [
    m for m in ("forkserver", "spawn") if m in multiprocessing.get_all_start_methods()
]


def collected(method: str, out: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-c", COLLECT, method, str(out), *PROFILE_NAMES]
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_every_profiles_ids_are_the_same_under_another_default(tmp_path: Path) -> None:
    methods = ["platform", *(m for m in OTHER_DEFAULTS if m != mp_context.platform_default())]
    children = {m: collected(m, tmp_path / f"{m}.json") for m in methods}
    for method, child in children.items():
        _, err = child.communicate(timeout=600)
        assert child.returncode == 0, f"collecting under {method}: {err.decode()[-2000:]}"
    found = {m: json.loads((tmp_path / f"{m}.json").read_text()) for m in methods}
    for profile in PROFILE_NAMES:
        code, ids = found["platform"][profile]
        assert code == 0 and ids, f"{profile}: nothing collected (pytest exit {code})"
        for method in methods[1:]:
            assert found[method][profile] == [code, ids], f"{profile} ids change under {method}"
    assert len(methods) > 1  # a platform with a single method would compare nothing


# Calls that take the default: multiprocessing.<Name>(...) of these, get_context() with no
# argument, get_start_method() on the module, get_all_start_methods()[i] (the "preferred").
DEFAULT_TAKERS = {
    "Process", "Pool", "Queue", "SimpleQueue", "JoinableQueue", "Manager", "Pipe", "Lock",
    "RLock", "Event", "Semaphore", "BoundedSemaphore", "Condition", "Barrier", "Value", "Array",
    "get_start_method",
}  # fmt: skip
MODULE_NAMES = {"multiprocessing", "mp"}


def default_takers(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            call = node.value
            func = call.func if isinstance(call, ast.Call) else None
            if isinstance(func, ast.Attribute) and func.attr == "get_all_start_methods":
                out.append((node.lineno, "get_all_start_methods()[...]"))
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        func = node.func
        on_module = isinstance(func.value, ast.Name) and func.value.id in MODULE_NAMES
        if on_module and func.attr in DEFAULT_TAKERS:
            out.append((node.lineno, f"multiprocessing.{func.attr}()"))
        if on_module and func.attr == "get_context" and not node.args and not node.keywords:
            out.append((node.lineno, "multiprocessing.get_context()"))
        if func.attr == "ProcessPoolExecutor" and not any(
            k.arg == "mp_context" for k in node.keywords
        ):
            out.append((node.lineno, "ProcessPoolExecutor() without mp_context"))
    return out


def test_no_module_takes_the_platforms_default_start_method() -> None:
    allowed = {REPO / "bench_lib" / "workers" / "mp_context.py"}  # reads it for the fingerprint
    found = [
        f"{path.relative_to(REPO)}:{line}: {what}"
        for folder in ("bench_lib", "benchmarks")
        for path in sorted((REPO / folder).rglob("*.py"))
        if path not in allowed
        for line, what in default_takers(ast.parse(path.read_text()))
    ]
    assert not found, "name the start method (mp_context.context(METHOD)): " + "; ".join(found)


def test_the_guard_sees_each_way_of_taking_the_default() -> None:
    code = """
import multiprocessing, multiprocessing as mp
multiprocessing.Pool(2); mp.Process(target=f); multiprocessing.get_context()
multiprocessing.get_all_start_methods()[0]; multiprocessing.get_start_method()
cf.ProcessPoolExecutor(2)
ctx.Pool(2); multiprocessing.get_context("spawn"); cf.ProcessPoolExecutor(2, mp_context=ctx)
"""
    found = [what for _, what in default_takers(ast.parse(code))]
    assert sorted(found) == sorted(
        [
            "multiprocessing.Pool()",
            "multiprocessing.Process()",
            "multiprocessing.get_context()",
            "get_all_start_methods()[...]",
            "multiprocessing.get_start_method()",
            "ProcessPoolExecutor() without mp_context",
        ]
    )


def test_stable_method_is_fork_on_linux_and_spawn_on_macos_and_windows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mp_context.sys, "platform", "linux")
    monkeypatch.setattr(
        mp_context.multiprocessing, "get_all_start_methods", lambda: ["forkserver", "fork", "spawn"]
    )
    assert mp_context.stable_method() == "fork"  # 3.14 lists forkserver first: not followed
    for platform in ("darwin", "win32"):
        monkeypatch.setattr(mp_context.sys, "platform", platform)
        assert mp_context.stable_method() == "spawn"


def test_platform_default_is_not_what_set_start_method_chose() -> None:
    """The fingerprint's default is the build's; a child sets another and still reads it."""
    code = (
        "import multiprocessing as m; from bench_lib.workers import mp_context as c;"
        "before = c.platform_default(); m.set_start_method('spawn', force=True);"
        "print(before == c.platform_default(), m.get_start_method(), before)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    same, chosen, default = out.stdout.split()
    assert (same, chosen) == ("True", "spawn")
    assert default in multiprocessing.get_all_start_methods()
    if sys.platform == "linux":
        assert default == ("forkserver" if sys.version_info >= (3, 14) else "fork")


def test_dask_workers_start_with_the_named_method_whatever_dask_is_set_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dask.config

    from bench_lib.subjects.distributed import cluster

    seen: list[str] = []

    class FakeLocal:
        def __init__(self, **kw: object) -> None:
            seen.append(dask.config.get("distributed.worker.multiprocessing-method"))

    class FakeClient:
        def __init__(self, local: object, timeout: float) -> None:
            pass

        def wait_for_workers(self, n: int, timeout: float) -> None:
            pass

    monkeypatch.setattr(cluster.dask, "LocalCluster", FakeLocal)
    monkeypatch.setattr(cluster.dask, "Client", FakeClient)
    with dask.config.set({"distributed.worker.multiprocessing-method": "fork"}):
        cluster.start_embedded(2)
        assert dask.config.get("distributed.worker.multiprocessing-method") == "fork"
    assert seen == [cluster.WORKER_START_METHOD]
