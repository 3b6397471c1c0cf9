"""CPU usage of our process tree, measured with psutil (docs/design.md, principle 7).

Effective cores used = process-tree CPU seconds / wall seconds. The tree is this
process, its live descendants (their own time plus what they reaped, e.g. a
forkserver's children) and our reaped children (``RUSAGE_CHILDREN``).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import psutil

# Helper processes multiprocessing keeps for the whole session; not leaks.
SERVICE_MARKERS = ("multiprocessing.forkserver", "multiprocessing.resource_tracker")


def _busy(times: Any) -> float:
    return float(
        times.user
        + times.system
        + getattr(times, "children_user", 0.0)
        + getattr(times, "children_system", 0.0)
    )


def tree_cpu_s(root: psutil.Process | None = None) -> float:
    """CPU seconds burned so far by ``root`` (default: this process) and all its descendants."""
    root = root or psutil.Process()
    total = _busy(root.cpu_times())  # includes RUSAGE_CHILDREN: our reaped children
    for child in root.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += _busy(child.cpu_times())
    return total


def system_busy_s() -> float:
    """CPU seconds all CPUs spent not idle since boot (steal excluded: it is not ours)."""
    t = psutil.cpu_times()
    idle = t.idle + getattr(t, "iowait", 0.0) + getattr(t, "steal", 0.0)
    return float(sum(t) - idle - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0))


@dataclass(frozen=True)
class CpuUsage:
    wall_s: float  # elapsed wall-clock time
    tree_cpu_s: float  # CPU seconds our process tree used in that time
    system_busy_s: float  # CPU seconds the whole machine used in that time

    @property
    def effective_cores(self) -> float:
        return self.tree_cpu_s / self.wall_s if self.wall_s > 0 else 0.0

    def __add__(self, other: CpuUsage) -> CpuUsage:
        return CpuUsage(
            self.wall_s + other.wall_s,
            self.tree_cpu_s + other.tree_cpu_s,
            self.system_busy_s + other.system_busy_s,
        )

    def __sub__(self, other: CpuUsage) -> CpuUsage:
        return CpuUsage(
            max(0.0, self.wall_s - other.wall_s),
            max(0.0, self.tree_cpu_s - other.tree_cpu_s),
            max(0.0, self.system_busy_s - other.system_busy_s),
        )

    @property
    def foreign_cores(self) -> float:
        """Cores kept busy by processes that are not ours: interference."""
        return (
            max(0.0, self.system_busy_s - self.tree_cpu_s) / self.wall_s if self.wall_s > 0 else 0.0
        )


class CpuMeter:
    """``with CpuMeter() as m: ...`` then ``m.usage``."""

    usage: CpuUsage

    def __enter__(self) -> CpuMeter:
        self._wall = time.perf_counter()
        self._tree = tree_cpu_s()
        self._system = system_busy_s()
        return self

    def __exit__(self, *exc: object) -> None:
        self.usage = CpuUsage(
            wall_s=time.perf_counter() - self._wall,
            tree_cpu_s=tree_cpu_s() - self._tree,
            system_busy_s=system_busy_s() - self._system,
        )


def is_service_process(proc: psutil.Process) -> bool:
    try:
        cmdline = " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return any(marker in cmdline for marker in SERVICE_MARKERS)


_KEPT: set[int] = set()  # processes a subject keeps across benchmarks on purpose (its own stop)


def keep(pids: Iterable[int]) -> None:
    """Processes (and their children) that outlive a benchmark on purpose: a kept dask cluster."""
    _KEPT.update(pids)


def unkeep(pids: Iterable[int]) -> None:
    _KEPT.difference_update(pids)


def live_children(spare_kept: bool = True) -> list[psutil.Process]:
    """Our descendants that are not multiprocessing's session-long service processes, nor
    (with ``spare_kept``) kept on purpose (:func:`keep`)."""
    out = []
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if child.status() == psutil.STATUS_ZOMBIE or is_service_process(child):
                continue
            if spare_kept and (child.pid in _KEPT or child.ppid() in _KEPT):
                continue
            out.append(child)
    return out


def kill_tree(procs: list[psutil.Process], grace_s: float = 1.0) -> None:
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=grace_s)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(alive, timeout=grace_s)


@contextlib.contextmanager
def pinned(cores: list[int]) -> Iterator[None]:
    """Run the block (and processes it starts) on the given CPUs only, then restore the mask."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)
