"""Advice about the spawn subject: sentences with this run's own numbers.

What it speaks of: start methods, threads, the interpreter floor, parent memory.

Each sentence appears only when the figures it needs exist. The report and the end of
``mpbench run`` call :func:`rules` through :mod:`bench_lib.registry`.
"""

from __future__ import annotations

import pandas as pd

from bench_lib.results import tidy
from bench_lib.results.run_figures import RunFigures, median_of
from bench_lib.stats import descriptive as stats
from bench_lib.units import format_value


def spawn_rules(frame: pd.DataFrame, metrics: pd.DataFrame, cores: int) -> list[str]:
    out = []
    starts = {
        m: median_of(frame, "spawn", "process_start", start=m)
        for m in ("fork", "forkserver", "spawn")
    }
    have = {m: v for m, v in starts.items() if v}
    if "fork" in have and "spawn" in have:
        out.append(
            f"fork starts a process {have['spawn'] / have['fork']:.0f}x faster than spawn "
            f"here ({format_value(have['fork'], 's')} vs {format_value(have['spawn'], 's')})."
        )
    thread = median_of(frame, "spawn", "thread_start")
    if thread and have:
        best = min(have, key=lambda m: have[m])
        out.append(
            f"A thread starts {have[best] / thread:.0f}x faster than the fastest process "
            f"({best}, {format_value(have[best], 's')}): use threads for I/O-bound work."
        )
    boot = median_of(frame, "spawn", "forkserver_boot")
    if boot and "forkserver" in have:
        out.append(
            f"forkserver pays {format_value(boot, 's')} once to boot its server, then "
            f"{format_value(have['forkserver'], 's')} per start."
        )
    floor = median_of(frame, "spawn", "interpreter", python="site")
    if floor and "spawn" in have:
        out.append(
            f"spawn costs {have['spawn'] / floor:.1f}x a plain `python -c pass` "
            f"({format_value(floor, 's')}): most of it is starting Python itself."
        )
    memory = tidy.select(frame, "spawn", "fork_memory")
    if "p_how" in memory:
        forks = memory[memory["p_how"] == "process"].sort_values("p_mib")
        if forks["p_mib"].nunique() >= 2:
            slope = stats.slope(list(zip(forks["p_mib"] / 1024, forks["median"])))
            out.append(
                f"Each GiB of touched parent memory adds {format_value(slope, 's')} to a "
                "fork start (page tables); start workers before loading big data."
            )
    return out


def rules(run: RunFigures) -> list[str]:
    return spawn_rules(run.figures, run.metrics, run.cores)
