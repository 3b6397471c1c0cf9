"""Advice about the locks subject: sentences with this run's own numbers.

What it speaks of: contention, a Manager lock, what goes wrong without one.

Each sentence appears only when the figures it needs exist. The report and the end of
``mpbench run`` call :func:`rules` through :mod:`bench_lib.registry`.
"""

from __future__ import annotations

import pandas as pd

from bench_lib.results.run_figures import RunFigures, median_of, metric_of
from bench_lib.units import format_value


def locks_rules(frame: pd.DataFrame, metrics: pd.DataFrame, cores: int) -> list[str]:
    out = []
    lock = median_of(frame, "locks", "contention", primitive="lock", workers=cores)
    alone = median_of(frame, "locks", "contention", primitive="lock", workers=1)
    if lock and alone and cores > 1:
        out.append(
            f"{cores} processes fighting over a multiprocessing.Lock get "
            f"{format_value(lock, 'acq/s')} together, {lock / alone:.2f}x one process "
            f"alone ({format_value(alone, 'acq/s')})."
        )
    manager = median_of(frame, "locks", "contention", primitive="manager_lock", workers=1)
    if manager and alone:
        out.append(
            f"A Manager().Lock() is {alone / manager:.0f}x slower than a "
            "multiprocessing.Lock (a round trip to the manager per take): use it only "
            "when processes cannot share memory."
        )
    lost = metric_of(metrics, "locks", "lost_updates", "lost_fraction", locked=False)
    if lost is not None:
        out.append(
            f"Without a lock, concurrent `value += 1` on a shared Value lost {lost:.0%} "
            "of the increments; with the lock, none."
        )
    torn = metric_of(metrics, "locks", "torn_lines", "torn_lines", locked=False)
    if torn is not None:
        out.append(
            f"Ten processes printing without a lock tore {torn:.0f} lines per round; "
            "under the lock, none."
        )
    return out


def rules(run: RunFigures) -> list[str]:
    return locks_rules(run.figures, run.metrics, run.cores)
