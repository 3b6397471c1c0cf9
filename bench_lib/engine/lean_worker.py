"""The lean measuring process: runs one block of rounds of a job and reports each round.

docs/design.md principle 11: the process that forks, spawns or times must not be the pytest process
(numpy, pytest, pytest-benchmark and psutil make it ~50 MB with ~350 mappings, and ``os.fork``
copies its page tables). The plugin starts this module as a fresh ``python -c`` process per block
(principle 15: a block is the unit that varies); it imports the standard library and the job's
own stdlib-only module, nothing else, and says what it has loaded so a test can check.

Protocol: one JSON job on stdin, ``{"module", "case", "params", "warmup", "rounds",
"round_timeout_s"}``; at the end, one JSON line on stdout per measured round, ``{"round_s",
"sample"}``, then ``{"state": {...}}``. With ``"turns": true`` (`mpbench ab`, which alternates
two sides round by round) each round waits for a ``go`` line on stdin and is followed by a
``done`` line on stdout, so the parent can hand the turn on between rounds. The module's
``prepare(case, **params)`` returns a :class:`Round`. A round that outlives its timeout ends
this process with exit code 3 and the reason on stderr.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

HEAVY_MODULES = ("numpy", "pandas", "matplotlib", "psutil", "pytest", "pytest_benchmark", "gevent")
ROUND_TIMEOUT_EXIT = 3


@dataclass(frozen=True)
class Round:
    """What one measured round does, as a job module's ``prepare`` returns it."""

    target: Callable[[], Any]  # timed: its return value is the round's sample (JSON or None)
    setup: Callable[[], Any] | None = None  # before each round, off the clock


def state() -> dict[str, Any]:
    """What the measuring process is: its size, its mappings, what it imported, where it ran."""
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    try:
        with open("/proc/self/statm") as f:
            rss_bytes: int | None = int(f.read().split()[1]) * page
        with open("/proc/self/maps") as f:
            mappings: int | None = sum(1 for _ in f)
    except OSError:  # not Linux
        rss_bytes = mappings = None
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "pid": os.getpid(),
        "rss_bytes": rss_bytes,
        "mappings": mappings,
        "modules": len(sys.modules),
        "heavy_modules": [m for m in HEAVY_MODULES if m in sys.modules],
        "mpbench_modules": sorted(m for m in sys.modules if m.startswith("bench_lib")),
        "affinity": affinity,
    }


def _expire(signum: int, frame: object) -> None:
    raise TimeoutError


def _prepare(spec: dict[str, Any]) -> Round:
    module = importlib.import_module(spec["module"])
    rnd: Round = module.prepare(spec["case"], **spec.get("params", {}))
    return rnd


def _timed(rnd: Round, timeout_s: float) -> tuple[float, Any]:
    if rnd.setup is not None:
        rnd.setup()
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    start = time.perf_counter()
    sample = rnd.target()
    elapsed = time.perf_counter() - start
    signal.setitimer(signal.ITIMER_REAL, 0)
    return elapsed, sample


def _take_turn() -> None:
    if sys.stdin.readline() != "go\n":
        raise SystemExit("the parent went away between rounds")


def _turn_done() -> None:
    sys.stdout.write("done\n")
    sys.stdout.flush()


def run(job: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
    """Warm-up and measured rounds of the job; with ``paired``, one round of the paired job
    beside each (after it on even rounds, before it on odd ones: A B B A ...)."""
    rnd = _prepare(job)
    paired = _prepare(job["paired"]) if job.get("paired") else None
    timeout_s = float(job["round_timeout_s"])
    turns = bool(job.get("turns"))
    signal.signal(signal.SIGALRM, _expire)
    for i in range(int(job["warmup"]) + int(job["rounds"])):
        if turns:
            _take_turn()
        line: dict[str, Any] = {}
        if paired is not None and i % 2 == 1:
            line["paired_s"] = _timed(paired, timeout_s)[0]
        line["round_s"], line["sample"] = _timed(rnd, timeout_s)
        if paired is not None and i % 2 == 0:
            line["paired_s"] = _timed(paired, timeout_s)[0]
        if turns:
            _turn_done()
        if i >= int(job["warmup"]):
            emit(line)
    emit({"state": state()})


def main() -> None:
    lines: list[str] = []  # written once at the end: a reader woken every round would take a
    # core from the rounds (a 150 us thread start measured 236 us that way on 2 cores)

    def emit(line: dict[str, Any]) -> None:
        lines.append(json.dumps(line) + "\n")

    job = json.loads(sys.stdin.readline())
    try:
        run(job, emit)
    except TimeoutError:
        sys.stdout.write("".join(lines))
        sys.stderr.write(f"a round took longer than {job['round_timeout_s']:.0f} s: it hung\n")
        sys.exit(ROUND_TIMEOUT_EXIT)
    sys.stdout.write("".join(lines))
    sys.stdout.flush()
