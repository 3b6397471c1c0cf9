#!/usr/bin/env python3
"""Check mpbench's headline figures against plain independent code, in the same minutes.

DESIGN.md principle 16. This script imports nothing from mpbench and nothing outside the
standard library: it is the "bare python3 parent" a reader would write to check a figure.
It measures each figure here, runs `mpbench run` on the same subjects (or reads a result file
given with --result), measures again, and prints figure / mpbench / independent / ratio, with
the independent value the median of both passes so that drift between them shows as spread.
Where pyperf is installed it adds pyperf's figure for the process starts.

    python3 tools/crosscheck.py                 # quick profile, every subject checked here
    python3 tools/crosscheck.py --only spawn    # one subject
    python3 tools/crosscheck.py --result results/<machine>/<file>.json   # no new mpbench run

Exit status: 0 when every figure agrees within --tolerance (default 20%), 1 otherwise.
"""

from __future__ import annotations

import argparse
import glob
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Callable

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def noop() -> None:
    pass


def per_op(fn: Callable[[], object], rounds: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def process_start(method: str) -> Callable[[], object]:
    ctx = multiprocessing.get_context(method)

    def start() -> None:
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        assert p.exitcode == 0

    if method == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
    return start


def thread_start() -> None:
    t = threading.Thread(target=noop)
    t.start()
    t.join()


def raw_fork() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def python_pass() -> None:
    subprocess.run([sys.executable, "-c", "pass"], check=True)


@dataclass(frozen=True)
class Check:
    subject: str
    benchmark: str  # the mpbench benchmark name in the result file
    label: str  # what a reader calls it
    measure: Callable[[], list[float]]  # independent samples, same unit as mpbench's first figure
    unit: str = "s"  # of the independent samples and of mpbench's first figure


CHECKS = [
    Check("spawn", "test_raw_fork", "raw os.fork + waitpid", lambda: per_op(raw_fork, 200), "s"),
    Check(
        "spawn",
        "test_process_start[start=fork]",
        "fork Process start+join",
        lambda: per_op(process_start("fork"), 100),
        "s",
    ),
    Check(
        "spawn",
        "test_process_start[start=forkserver]",
        "forkserver Process start+join",
        lambda: per_op(process_start("forkserver"), 40),
        "s",
    ),
    Check(
        "spawn",
        "test_process_start[start=spawn]",
        "spawn Process start+join",
        lambda: per_op(process_start("spawn"), 15),
        "s",
    ),
    Check(
        "spawn", "test_thread_start", "Thread start+join", lambda: per_op(thread_start, 500), "s"
    ),
    Check(
        "spawn",
        "test_interpreter[python=site]",
        "python -c pass",
        lambda: per_op(python_pass, 15),
        "s",
    ),
]


def pyperf_start(method: str) -> float | None:
    """pyperf's median for the same start+join (its own lean worker processes), if installed."""
    try:
        import pyperf  # noqa: F401
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "pyperf.json")
        setup = f"import multiprocessing as mp, os; ctx = mp.get_context({method!r})"
        stmt = "p = ctx.Process(target=os.getpid); p.start(); p.join()"
        cmd = [sys.executable, "-m", "pyperf", "timeit", "--quiet", "-o", out, "-s", setup, stmt]
        cmd += ["--processes", "6", "--values", "3", "--loops", "4"]
        if subprocess.run(cmd, capture_output=True).returncode != 0:
            return None
        with open(out) as f:
            data = json.load(f)
        values = [v for run in data["benchmarks"][0]["runs"] for v in run.get("values", [])]
        return statistics.median(values) if values else None


def run_mpbench(subjects: list[str], profile: str) -> str:
    out = tempfile.mkdtemp(prefix="crosscheck-")
    cmd = [sys.executable, "-m", "bench_lib.cli", "run", "--profile", profile]
    cmd += ["--only", ",".join(subjects), "--label", "crosscheck", "--output", out, "--no-report"]
    subprocess.run(cmd, cwd=REPO, check=False, stdout=subprocess.DEVNULL)
    files = glob.glob(os.path.join(out, "*", "*.json"))
    if not files:
        sys.exit(f"crosscheck: `{' '.join(cmd)}` saved no result in {out}")
    return files[0]


def figures(path: str) -> dict[str, dict[str, float]]:
    with open(path) as f:
        data = json.load(f)
    found = {}
    for b in data["benchmarks"]:
        fig = b["extra_info"]["mpbench"]["figures"][0]
        found[b["name"]] = fig
    return found


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for scale, unit in ((1, "s"), (1e-3, "ms"), (1e-6, "us")):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--only", help="comma-separated subjects (default: all checked here)")
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--result", help="compare with this result file instead of a new run")
    ap.add_argument("--tolerance", type=float, default=0.20)
    args = ap.parse_args()
    subjects = sorted({c.subject for c in CHECKS})
    if args.only:
        subjects = [s for s in args.only.split(",") if s in subjects]
    checks = [c for c in CHECKS if c.subject in subjects]
    first = {c.benchmark: c.measure() for c in checks}
    path = args.result or run_mpbench(subjects, args.profile)
    second = {c.benchmark: c.measure() for c in checks}
    mp = figures(path)
    print(f"crosscheck: mpbench result {path}")
    print(f"{'figure':32} {'mpbench (95% interval)':32} {'independent':>12} {'ratio':>6}")
    bad = 0
    for c in checks:
        fig = mp.get(c.benchmark)
        indep = statistics.median(first[c.benchmark] + second[c.benchmark])
        spread = abs(
            statistics.median(first[c.benchmark]) / statistics.median(second[c.benchmark]) - 1
        )
        if fig is None:
            print(f"{c.label:32} {'(not in the result)':32} {fmt(indep):>12}")
            continue
        interval = f"{fmt(fig.get('ci_low'))}..{fmt(fig.get('ci_high'))}"
        ratio = fig["median"] / indep
        ok = abs(ratio - 1) <= args.tolerance
        bad += not ok
        mark = "" if ok else "  <- disagrees"
        note = f"  (passes differ {spread:.0%})" if spread > args.tolerance / 2 else ""
        print(
            f"{c.label:32} {fmt(fig['median']) + ' (' + interval + ')':32} {fmt(indep):>12} "
            f"{ratio:6.2f}{mark}{note}"
        )
    if "spawn" in subjects:
        for method in ("fork", "spawn"):
            value = pyperf_start(method)
            if value is not None:
                fig = mp.get(f"test_process_start[start={method}]")
                ratio = f"{fig['median'] / value:6.2f}" if fig else ""
                print(f"{'pyperf ' + method + ' start+join':32} {'':32} {fmt(value):>12} {ratio}")
    print(f"{len(checks) - bad} of {len(checks)} figures agree within +-{args.tolerance:.0%}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
