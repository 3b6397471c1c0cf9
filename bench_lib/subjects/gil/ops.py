"""The GIL benchmark's pieces: one fixed amount of CPU work split N ways, and the GIL's state.

The work is :func:`bench_lib.workers.workloads.spin` (pure Python, holds the GIL throughout), split
into N jobs of near-equal iterations, one per worker; run on N threads or N processes
through the same pool API (``map``, chunksize 1), or on N subinterpreters through
``InterpreterPoolExecutor.map`` (one task per job too), so only the kind of worker differs.
"""

from __future__ import annotations

import sys
from typing import Any

from bench_lib.workers.pool_work import Job

MODES = ("thread", "process", "interpreter")  # interpreter: subinterpreters, CPython 3.14+
TWIN_OF: dict[str, Any] = {"thread": "process", "process": "thread"}  # one worker, same CPU
# The pool call per mode: one task per job everywhere (Pool.map with chunksize 1; an executor
# sends each task alone), so only the kind of worker differs.
API_OF = {"thread": "map_chunk1", "process": "map_chunk1", "interpreter": "executor_map"}


def split_work(total_iterations: int, n: int) -> list[Job]:
    """``n`` jobs whose iterations add up to ``total_iterations`` (the first ones get the rest)."""
    if n < 1:
        raise ValueError(f"cannot split work {n} ways")
    if total_iterations < 0:
        raise ValueError(f"total iterations must be >= 0, got {total_iterations}")
    share, rest = divmod(total_iterations, n)
    return [(seed, share + (1 if seed <= rest else 0)) for seed in range(1, n + 1)]


def gil_enabled() -> bool:
    """False only on a free-threaded build running with the GIL off (3.13t+)."""
    probe = getattr(sys, "_is_gil_enabled", None)
    return bool(probe()) if probe is not None else True


def gil_state() -> dict[str, Any]:
    """What a reader needs to interpret thread scaling on this interpreter."""
    return {
        "gil_enabled": gil_enabled(),
        "free_threaded_build": bool(_config_var("Py_GIL_DISABLED")),
        "switch_interval_s": sys.getswitchinterval(),
        "python": sys.version.split()[0],
    }


def _config_var(name: str) -> Any:
    import sysconfig

    return sysconfig.get_config_var(name)
