"""Advice about the gil subject: sentences with this run's own numbers.

What it speaks of: thread and process speedups at N = cores.

Each sentence appears only when the figures it needs exist. The report and the end of
``mpbench run`` call :func:`rules` through :mod:`bench_lib.registry`.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from bench_lib.results.run_figures import RunFigures, derived_of


def gil_rules(derived: pd.DataFrame, cores: int, impossible: Collection[str] = ()) -> list[str]:
    """Thread and process speedups at N = cores; none if either is flagged impossible."""
    if not derived.empty and impossible:
        derived = derived[~derived["name"].isin(list(impossible))]
    threads = derived_of(derived, "gil", "cpu_split", "speedup", mode="thread", n=cores)
    procs = derived_of(derived, "gil", "cpu_split", "speedup", mode="process", n=cores)
    if threads is None or procs is None:
        return []
    t_cores = derived_of(derived, "gil", "cpu_split", "effective_cores", mode="thread", n=cores)
    p_cores = derived_of(derived, "gil", "cpu_split", "effective_cores", mode="process", n=cores)
    used = (
        f" (they kept {t_cores:.2f} and {p_cores:.2f} cores busy)"
        if t_cores is not None and p_cores is not None
        else ""
    )
    return [
        f"CPU-bound Python on {cores} cores: threads {threads:.2f}x, processes "
        f"{procs:.2f}x{used}: the side-step factor is {procs / threads:.2f}x."
    ]


def rules(run: RunFigures) -> list[str]:
    return gil_rules(run.derived, run.cores, run.impossible)
