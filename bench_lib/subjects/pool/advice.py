"""Advice about the pool subject: sentences with this run's own numbers.

What it speaks of: chunking, apply vs apply_async, pool start.

Each sentence appears only when the figures it needs exist. The report and the end of
``mpbench run`` call :func:`rules` through :mod:`bench_lib.registry`.
"""

from __future__ import annotations

import pandas as pd

from bench_lib.results.run_figures import RunFigures, median_of
from bench_lib.units import format_value


def pool_rules(frame: pd.DataFrame, cores: int) -> list[str]:
    out = []
    chunk1 = median_of(frame, "pool", "task_overhead", api="map_chunk1", pool="process")
    default = median_of(frame, "pool", "task_overhead", api="map", pool="process")
    if chunk1 and default:
        out.append(
            f"Pool.map with chunksize 1 costs {format_value(chunk1, 's')} per task; "
            f"the default chunking {format_value(default, 's')}: keep the chunks."
        )
    apply = median_of(frame, "pool", "task_overhead", api="apply", pool="process")
    asyncs = median_of(frame, "pool", "task_overhead", api="apply_async", pool="process")
    if apply and asyncs:
        out.append(
            f"apply waits for each result ({format_value(apply, 's')} per task); "
            f"apply_async keeps the pool busy ({format_value(asyncs, 's')} per task)."
        )
    fork = median_of(frame, "pool", "pool_start", start="fork", pool="pool")
    spawn = median_of(frame, "pool", "pool_start", start="spawn", pool="pool")
    if fork and spawn:
        out.append(
            f"A Pool of {cores} workers is ready (every worker answered) in "
            f"{format_value(fork, 's')} with fork, {format_value(spawn, 's')} with spawn: "
            "build it once and reuse it."
        )
    return out


def rules(run: RunFigures) -> list[str]:
    return pool_rules(run.figures, run.cores)
