#!/usr/bin/env python3
"""Mutation testing of mpbench's core: would the tests notice if the logic were wrong?

Each mutant changes one thing in one module (a comparison, an arithmetic or boolean operator,
a numeric constant, ``median`` for ``mean``, ``min`` for ``max``), is written into a private copy
of the repository, and the tests that cover that module are run against it. A mutant is
*killed* when they fail and *survives* when they pass. A line ending in ``# pragma: no mutate``
is left alone (for changes that cannot alter behaviour; the reason goes in the comment).

    python tools/mutation.py                    # every target module (tens of minutes)
    python tools/mutation.py --only stats,noise # some of them
    python tools/mutation.py --list             # the mutants, without running anything

Prints each survivor (file:line, what changed) and the score; writes the same as JSON with
--json. Exit status 0 when the score reaches --target (default 85%), 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# module -> the tests that are meant to pin its behaviour
# (fast files first: `-x` stops at the first failure, so a cheap kill costs seconds; slow files
# that run whole benchmarks, such as test_report.py, are left to the ordinary test run)
ADVICE_SUBJECTS = ("spawn", "ipc", "locks", "pool", "gil", "io", "distributed")  # advice rules
TARGETS: dict[str, list[str]] = {
    "stats/descriptive": [
        "tests/test_stats.py", "tests/test_mutation_kills_stats.py", "tests/test_compare_stats.py"
    ],
    "stats/two_samples": ["tests/test_compare_stats.py", "tests/test_mutation_kills_stats.py"],
    "stats/replicates": [
        "tests/test_kill_replicates.py", "tests/test_replicates.py",
        "tests/test_mutation_kills_replicates.py", "tests/test_ab_sequential.py",
    ],
    "stats/verdict": ["tests/test_mutation_kills_verdict.py", "tests/test_compare_stats.py"],
    "stats/noise": [
        "tests/test_noise.py", "tests/test_mutation_kills_noise.py", "tests/test_intervals.py"
    ],
    "stats/intervals": ["tests/test_intervals.py", "tests/test_mutation_kills_engine.py"],
    "stats/sequential": ["tests/test_ab_sequential.py"],
    "results/scaling": [
        "tests/test_kill_scaling.py", "tests/test_scaling.py",
        "tests/test_mutation_kills_scaling.py",
    ],
    "results/schema": ["tests/test_results.py", "tests/test_mutation_kills_schema.py"],
    "supervision/leaks": ["tests/test_mutation_kills_leaks.py", "tests/test_reliability.py"],
    "engine/bench": [
        "tests/test_kill_engine.py", "tests/test_mutation_kills_engine.py", "tests/test_engine.py"
    ],
    "engine/blocks": [
        "tests/test_kill_engine.py", "tests/test_mutation_kills_engine.py", "tests/test_engine.py"
    ],
    "engine/deadline": ["tests/test_kill_engine.py", "tests/test_mutation_kills_engine.py"],
    "compare/pairs": [
        "tests/test_kill_compare.py", "tests/test_mutation_kills_compare.py",
        "tests/test_compare_stats.py", "tests/test_compare.py", "tests/test_compare_hostile.py",
    ],
    "compare/geomean": [
        "tests/test_geomean.py", "tests/test_kill_compare.py", "tests/test_compare.py",
        "tests/test_mutation_kills_replicates.py",
    ],
    "compare/match": [
        "tests/test_kill_compare.py", "tests/test_mutation_kills_compare.py",
        "tests/test_compare.py",
    ],
    "compare/text": [
        "tests/test_kill_compare.py", "tests/test_mutation_kills_compare.py",
        "tests/test_compare.py",
    ],
    "report/recommend": ["tests/test_advice_rules.py"],
    **{f"subjects/{s}/advice": ["tests/test_advice_rules.py"] for s in ADVICE_SUBJECTS},
}  # fmt: skip
# tests left out of a module's mutation runs (-k): they run whole benchmarks (a smoke run per
# mutant would take minutes); the ordinary test run keeps them
SLOW = "not pytest_benchmark_compare and not real_smoke_file and not benchmark_compare_option"
DESELECT = {"compare/pairs": SLOW, "compare/match": SLOW, "compare/text": SLOW}
SWAPS = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
    ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Pow: ast.Mult, ast.Mod: ast.FloorDiv,
    ast.And: ast.Or, ast.Or: ast.And,
}  # fmt: skip
NAME_SWAPS = {"median": "fmean", "fmean": "median", "min": "max", "max": "min", "mean": "median"}
PRAGMA = "pragma: no mutate"  # followed by the reason in parentheses: "(any seed will do)"


@dataclass(frozen=True)
class Mutant:
    module: str
    index: int  # the index-th mutation point of the module, in walk order
    line: int
    change: str  # what was changed, for people


def _skippable(node: ast.AST, lines: list[str]) -> bool:
    line = getattr(node, "lineno", 0)
    return bool(line) and PRAGMA in lines[line - 1]


def _points(tree: ast.Module, lines: list[str]) -> list[tuple[ast.AST, str, object]]:
    """Every (node, description, replacement) this tool can mutate, in a stable order."""
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
        and n.body
        and isinstance(n.body[0], ast.Expr)
    }
    annotations = {
        id(sub)
        for n in ast.walk(tree)
        if isinstance(n, (ast.AnnAssign, ast.arg)) and getattr(n, "annotation", None)
        for sub in ast.walk(n.annotation)  # type: ignore[arg-type]
    }
    found: list[tuple[ast.AST, str, object]] = []
    for node in ast.walk(tree):
        if _skippable(node, lines) or id(node) in docstrings or id(node) in annotations:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in SWAPS:
                    found.append((node, f"{type(op).__name__} -> {SWAPS[type(op)].__name__}", i))
        elif isinstance(node, (ast.BinOp, ast.BoolOp)) and type(node.op) in SWAPS:
            found.append(
                (node, f"{type(node.op).__name__} -> {SWAPS[type(node.op)].__name__}", None)
            )
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            found.append((node, "not x -> x", None))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            if not isinstance(node.value, bool):
                new = node.value + 1 if isinstance(node.value, int) else (node.value * 1.5 or 1.0)
                found.append((node, f"{node.value!r} -> {new!r}", new))
        elif (
            isinstance(node, ast.Name) and node.id in NAME_SWAPS and isinstance(node.ctx, ast.Load)
        ):
            found.append((node, f"{node.id} -> {NAME_SWAPS[node.id]}", NAME_SWAPS[node.id]))
        elif isinstance(node, ast.Attribute) and node.attr in NAME_SWAPS:
            found.append((node, f".{node.attr} -> .{NAME_SWAPS[node.attr]}", NAME_SWAPS[node.attr]))
    return found


@dataclass(frozen=True)
class Exempt:
    module: str
    line: int
    reason: str  # the text in parentheses after the pragma; "" when none was given


def exempt_lines(module: str) -> list[Exempt]:
    """Lines the pragma exempts, with the reason each gives (a reason is expected)."""
    found = []
    lines = source_of(module).splitlines()
    for number, text in enumerate(lines, 1):
        if PRAGMA in text:
            after = text.split(PRAGMA, 1)[1].strip()
            reason = after[1:].rsplit(")", 1)[0].strip() if after.startswith("(") else after
            found.append(Exempt(module, number, reason))
    return found


_SOURCES: dict[str, str] = {}  # each module as it was when the run began (edits mid-run ignored)


def source_of(module: str) -> str:
    if module not in _SOURCES:
        _SOURCES[module] = (REPO / "bench_lib" / f"{module}.py").read_text()
    return _SOURCES[module]


def mutants(module: str) -> list[Mutant]:
    source = source_of(module)
    tree = ast.parse(source)
    points = _points(tree, source.splitlines())
    return [Mutant(module, i, getattr(n, "lineno", 0), d) for i, (n, d, _) in enumerate(points)]


def mutated_source(m: Mutant) -> str:
    source = source_of(m.module)
    tree = ast.parse(source)
    node, _, arg = _points(tree, source.splitlines())[m.index]
    if isinstance(node, ast.Compare):
        node.ops[arg] = SWAPS[type(node.ops[arg])]()  # type: ignore[index,call-overload]
    elif isinstance(node, (ast.BinOp, ast.BoolOp)):
        node.op = SWAPS[type(node.op)]()  # type: ignore[assignment]
    elif isinstance(node, ast.UnaryOp):
        node.op = ast.UAdd()  # `+x` on a bool is an int of the same truth: "not" removed
    elif isinstance(node, ast.Constant):
        node.value = arg
    elif isinstance(node, ast.Name):
        node.id = str(arg)
    elif isinstance(node, ast.Attribute):
        node.attr = str(arg)
    return ast.unparse(tree)


def _workspace(root: Path) -> Path:
    copy_root = root / "repo"
    shutil.copytree(
        REPO,
        copy_root,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".tox", "results", "reports", "__pycache__", ".hypothesis"
        ),
    )
    return copy_root


# Imported once by the parent, before any fork, so each mutant's test run starts in a child that
# has them already (interpreter start and these imports were two thirds of a short test run).
# bench_lib itself is never imported by the parent: each child imports its own mutated copy.
PRELOAD = ("pytest", "pytest_benchmark.plugin", "numpy", "scipy.stats", "psutil", "hypothesis")


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def _pytest_args(module: str, workspace: Path, only: list[str] | None = None) -> list[str]:
    tests = only or [t for t in TARGETS[module] if (workspace / t).exists()]
    skip = ["-k", DESELECT[module]] if module in DESELECT else []
    return ["-x", "-q", "-p", "no:cacheprovider", *skip, *tests]


def _functions(module: str) -> list[tuple[int, int, int]]:
    """(first line of its code object, def line, last line) of each function and lambda."""
    tree = ast.parse(source_of(module))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            decorators = [d.lineno for d in getattr(node, "decorator_list", [])]
            first = min([node.lineno, *decorators])
            found.append((first, node.lineno, node.end_lineno or node.lineno))
    return found


def _enclosing(functions: list[tuple[int, int, int]], line: int) -> int | None:
    """The code object's first line of the innermost function holding ``line`` (None: module)."""
    holding = [f for f in functions if f[1] <= line <= f[2]]
    return max(holding, key=lambda f: f[1])[0] if holding else None


class _CallRecorder:
    """A pytest plugin: which tests call which functions of one file (by code first line).

    Only calls in this process are seen: a function that only a test's subprocess runs maps to
    no test, and its mutants then get every target test (never fewer than they need)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.calls: dict[int, set[str]] = {}

    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> None:
        import threading

        def profile(frame: Any, event: str, arg: Any) -> None:
            if event == "call" and frame.f_code.co_filename == self.path:
                self.calls.setdefault(frame.f_code.co_firstlineno, set()).add(item.nodeid)

        sys.setprofile(profile)
        threading.setprofile(profile)
        self._stop = lambda: (sys.setprofile(None), threading.setprofile(None))  # type: ignore[func-returns-value]

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self._stop()


def _record_calls(module: str, workspace: Path) -> dict[int, list[str]] | None:
    """Run ``module``'s tests unmutated in a child, recording which test calls which function.

    None when they fail (the baseline must pass before any mutant means anything)."""
    out = workspace / f".calls-{module.replace('/', '-')}.json"  # compare/pairs: one file
    pid = os.fork()
    if pid == 0:
        recorder = _CallRecorder(str(workspace / "bench_lib" / f"{module}.py"))
        code = 99
        try:
            code = _run_pytest(_pytest_args(module, workspace), workspace, [recorder])
            calls = {line: sorted(ids) for line, ids in recorder.calls.items()}
            out.write_text(json.dumps(calls))
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    return {int(line): ids for line, ids in json.loads(out.read_text()).items()}


def _run_pytest(args: list[str], workspace: Path, plugins: list[Any] | None = None) -> int:
    """In a forked child: pytest on the workspace's copy, its output discarded."""
    os.setpgid(0, 0)  # its own group: a timeout kills the tests' children too
    os.chdir(workspace)
    os.environ["PYTHONPATH"] = str(workspace)
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(workspace))
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    import pytest

    return int(pytest.main(args, plugins=plugins))


def _child(args: list[str], workspace: Path) -> None:
    """In a forked child: run pytest, exit with its status."""
    code = 99
    try:
        code = _run_pytest(args, workspace)
    finally:
        os._exit(code)


def _subprocess_run(args: list[str], workspace: Path, timeout_s: float) -> int:
    env = {**os.environ, "PYTHONPATH": str(workspace), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        cmd = [sys.executable, "-m", "pytest", *args]
        proc = subprocess.run(cmd, cwd=workspace, env=env, capture_output=True, timeout=timeout_s)
        return proc.returncode
    except subprocess.TimeoutExpired:
        return -1


def run_all(
    todo: list[Mutant | str],
    spaces: list[Path],
    timeout_s: float,
    fork: bool,
    chosen: dict[Mutant, list[str]] | None = None,
) -> dict[Mutant | str, bool]:
    """Run the tests against each mutant, ``len(spaces)`` at a time; True: they failed (killed).

    A plain module name in ``todo`` runs that module's tests unmutated (the baseline)."""
    results: dict[Mutant | str, bool] = {}
    queue, free = list(todo), list(spaces)
    running: dict[int, tuple[Mutant | str, Path, float]] = {}  # pid -> (job, workspace, start)

    def start(job: Mutant | str, space: Path) -> None:
        module = job if isinstance(job, str) else job.module
        target = space / "bench_lib" / f"{module}.py"
        if isinstance(job, Mutant):
            target.write_text(mutated_source(job))
        only = (chosen or {}).get(job) if isinstance(job, Mutant) else None
        args = _pytest_args(module, space, only)
        if not fork:
            code = _subprocess_run(args, space, timeout_s)
            finish(job, space, code)
            return
        pid = os.fork()
        if pid == 0:
            _child(args, space)
        running[pid] = (job, space, time.monotonic())

    def finish(job: Mutant | str, space: Path, code: int) -> None:
        module = job if isinstance(job, str) else job.module
        (space / "bench_lib" / f"{module}.py").write_text(source_of(module))
        results[job] = code != 0
        free.append(space)
        if isinstance(job, Mutant):
            mark = "killed " if results[job] else "SURVIVED"
            print(f"{mark} bench_lib/{job.module}.py:{job.line}: {job.change}", flush=True)

    while queue or running:
        while queue and free:
            start(queue.pop(0), free.pop())
        if not running:
            continue
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            for other, (_, _, began) in running.items():
                if time.monotonic() - began > timeout_s:
                    os.killpg(other, signal.SIGKILL)  # reaped, and counted killed, next pass
            time.sleep(0.05)
            continue
        if pid in running:
            job, space, _ = running.pop(pid)
            finish(job, space, os.waitstatus_to_exitcode(status))
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--only", help="comma-separated modules of: " + ", ".join(TARGETS))
    ap.add_argument("--at", help="comma-separated line numbers: only the mutants on those lines")
    ap.add_argument("--list", action="store_true", help="list the mutants only")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds a test run may take")
    ap.add_argument("--target", type=float, default=85.0, help="score (%%) to pass")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument(
        "--no-fork", action="store_true", help="a fresh interpreter per mutant (slower)"
    )
    args = ap.parse_args()
    modules = args.only.split(",") if args.only else list(TARGETS)
    todo = [m for module in modules for m in mutants(module)]
    if args.at:  # e.g. the survivors of an earlier run, after new tests
        lines = {int(n) for n in args.at.split(",")}
        todo = [m for m in todo if m.line in lines]
    if args.list:
        for m in todo:
            print(f"bench_lib/{m.module}.py:{m.line}: {m.change}")
        print(f"{len(todo)} mutants")
        return 0
    started = time.monotonic()
    fork = hasattr(os, "fork") and not args.no_fork
    if fork:
        _preload()
    with tempfile.TemporaryDirectory(prefix="mpbench-mutation-") as tmp:
        spaces = [_workspace(Path(tmp) / str(i)) for i in range(args.jobs)]
        chosen: dict[Mutant, list[str]] = {}
        if fork:  # each mutant gets the tests that call its function (all where none does)
            for module in modules:
                calls = _record_calls(module, spaces[0])
                if calls is None:
                    print(f"the tests of {module} fail without any mutation: fix them first")
                    return 2
                functions = _functions(module)
                for m in (m for m in todo if m.module == module):
                    first = _enclosing(functions, m.line)
                    if first is not None and calls.get(first):
                        chosen[m] = calls[first]
        else:
            baseline = run_all(list(modules), spaces, args.timeout, fork)
            if any(baseline.values()):
                print("the tests fail without any mutation: fix them first")
                return 2
        ran = run_all(list(todo), spaces, args.timeout, fork, chosen)
        results = {m: ran[m] for m in todo}
    survivors = [m for m in todo if not results[m]]
    score = 100.0 * (len(todo) - len(survivors)) / len(todo) if todo else 100.0
    per_module = {
        module: {
            "mutants": sum(m.module == module for m in todo),
            "killed": sum(m.module == module and results[m] for m in todo),
        }
        for module in modules
    }
    print(f"\n{'module':<14} {'killed':>7} {'of':>5} {'score':>7}")
    for module, row in per_module.items():
        pct = 100.0 * row["killed"] / row["mutants"] if row["mutants"] else 100.0
        print(f"{module:<14} {row['killed']:>7} {row['mutants']:>5} {pct:>6.1f}%")
    print(
        f"\n{len(todo) - len(survivors)} of {len(todo)} mutants killed ({score:.1f}%) "
        f"in {time.monotonic() - started:.0f} s; survivors:"
    )
    for m in survivors:
        print(f"  bench_lib/{m.module}.py:{m.line}: {m.change}")
    exempt = [e for module in modules for e in exempt_lines(module)]
    print("exempt (# pragma: no mutate):")
    for e in exempt:
        print(f"  bench_lib/{e.module}.py:{e.line}: {e.reason or 'NO REASON GIVEN'}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "score": score,
                    "per_module": per_module,
                    "survivors": [asdict(m) for m in survivors],
                    "exempt": [asdict(e) for e in exempt],
                },
                indent=1,
            )
        )
    return 0 if score >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
