"""What one worker costs in memory, by kind: measured with psutil, never inferred.

A process worker's own cost is its USS (the pages only it holds; its RSS also counts the pages
it still shares with the parent after a fork). A thread or a subinterpreter lives in this
process, so its cost is what this process grew by while the pool was built and every worker
answered, divided by the workers: a subinterpreter's modules, its heap and its thread's stack.
First-time costs (the module that runs interpreters, imported on the first pool) land in the
first pool built: the worker count divides them, so compare at N = cores.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import psutil

from bench_lib.stats import descriptive as stats

OWN_PROCESS = "own process: median USS and RSS of the worker processes"
GROWTH = "growth of this process (USS and RSS) while the workers started, over the workers"


@dataclass(frozen=True)
class Snapshot:
    """This process's memory at one moment."""

    uss_bytes: int  # unique set size: freed if the process went away
    rss_bytes: int  # resident set size


@dataclass(frozen=True)
class WorkerMemory:
    """Memory per worker of one pool."""

    uss_bytes: float | None  # per worker (None: psutil could not read it)
    rss_bytes: float | None
    how: str  # OWN_PROCESS or GROWTH

    def as_metrics(self) -> dict[str, dict[str, Any]]:
        return {
            "memory_per_worker_uss_bytes": {"value": self.uss_bytes, "unit": "B", "how": self.how},
            "memory_per_worker_rss_bytes": {"value": self.rss_bytes, "unit": "B", "how": self.how},
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def snapshot(pid: int | None = None) -> Snapshot | None:
    """USS and RSS of ``pid`` (this process by default); None where psutil cannot read them."""
    try:
        info = psutil.Process(pid).memory_full_info()
    except (psutil.Error, OSError):
        return None
    return Snapshot(int(info.uss), int(info.rss))


def of_processes(pids: Sequence[int]) -> WorkerMemory:
    """Each worker process's own memory: the median over the workers."""
    seen = [s for s in (snapshot(pid) for pid in pids) if s is not None]
    if not seen:
        return WorkerMemory(None, None, OWN_PROCESS)
    uss = stats.median([float(s.uss_bytes) for s in seen])
    rss = stats.median([float(s.rss_bytes) for s in seen])
    return WorkerMemory(uss, rss, OWN_PROCESS)


def of_growth(before: Snapshot | None, after: Snapshot | None, workers: int) -> WorkerMemory:
    """This process's growth over ``workers`` threads or subinterpreters (never below 0)."""
    if before is None or after is None or workers < 1:
        return WorkerMemory(None, None, GROWTH)
    uss = max(0, after.uss_bytes - before.uss_bytes) / workers
    rss = max(0, after.rss_bytes - before.rss_bytes) / workers
    return WorkerMemory(uss, rss, GROWTH)


class Growth:
    """``with Growth() as g: open the pool; wait for every worker`` then ``g.per(workers)``."""

    def __init__(self) -> None:
        self.before: Snapshot | None = None
        self.after: Snapshot | None = None

    def __enter__(self) -> Growth:
        self.before = snapshot()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            self.after = snapshot()

    def per(self, workers: int) -> WorkerMemory:
        return of_growth(self.before, self.after, workers)
