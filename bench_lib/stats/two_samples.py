"""Over a family of comparisons: Holm's adjustment of their p-values, the geometric mean.

The tests and intervals themselves come from the blocks (:mod:`bench_lib.stats.replicates`).
Readers of results use these (``mpbench compare``); numpy is imported when they run, never at
import, as in :mod:`bench_lib.stats.descriptive`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _np() -> Any:
    import numpy  # here, not at the top: a process that imports bench_lib never pays for it

    return numpy


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm (1979) step-down adjusted p-values, in the input order.

    Controls the chance of any false "significant" among the family without assuming the tests
    are independent (figures of one run share the machine, so they are not).
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m  # pragma: no mutate (every entry is assigned below)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def geometric_mean(ratios: Sequence[float]) -> float | None:
    """Geometric mean of positive ratios (the mean that treats x2 and x0.5 as opposites)."""
    np = _np()
    if not ratios:
        return None
    data = np.asarray(ratios, dtype=float)
    if np.any(data <= 0) or not np.all(np.isfinite(data)):
        raise ValueError("geometric mean needs positive finite ratios")
    return float(np.exp(np.mean(np.log(data))))
