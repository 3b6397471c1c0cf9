"""Worker targets that only the tests run: a section timer, a lock holder that fails, a dask
task that kills its worker.

They live in the package, not in ``tests/``, because a spawned child, a forkserver child or a
dask worker imports its target by module name, and ``tests/`` is not importable there. Stdlib
only (and :mod:`bench_lib.workers.workloads`, itself stdlib only), as every worker target is.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from bench_lib.workers.workloads import spin_until


def time_sections(section_ns: int, sections: int) -> int:
    """Nanoseconds that ``sections`` back-to-back sections of ``section_ns`` take here."""
    clock = time.perf_counter_ns
    t0 = clock()
    for _ in range(sections):
        spin_until(clock() + section_ns)
    return clock() - t0


def hold_and_exit(lock: Any, how: str) -> int:
    """A faulty worker for the failure tests: take the lock and never give it back.

    ``how="die"`` exits the process while holding it; ``how="hang"`` sleeps holding it.
    """
    lock.acquire()
    if how == "die":
        os._exit(3)
    time.sleep(3600)
    return 0


def die_once(flag: str, seed: int) -> int:
    """Fault injection for the reliability test: the first call kills its own worker process.

    ``flag`` is a file path; the call that creates it dies (SIGKILL, no clean-up), later calls
    (dask's retry on another worker) return ``seed``.
    """
    try:
        Path(flag).touch(exist_ok=False)
    except FileExistsError:
        return seed
    os.kill(os.getpid(), signal.SIGKILL)
    return seed  # not reached
