"""Break-even task size: how long a task must run before dask's per-task cost stops mattering.

A task of duration T costs T + o through an engine with per-task overhead o; the overhead is
the fraction o / T of the task. It falls under a fraction f once T >= o / f. Pure functions:
the report feeds them the run's own task-overhead medians and interval bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

SHARES = (0.10, 0.01)  # overhead under 10% of the task (worth it), under 1% (negligible)


@dataclass(frozen=True)
class BreakEven:
    """The shortest task whose overhead is under ``share`` of it, with the interval carried over."""

    share: float  # overhead / task duration, e.g. 0.1
    task_s: float  # shortest such task: overhead / share
    task_low_s: float | None  # from the overhead interval's low end (None if unknown)
    task_high_s: float | None


def task_for_share(overhead_s: float, share: float) -> float:
    """T = o / f: the shortest task whose overhead ``overhead_s`` is at most ``share`` of it."""
    if overhead_s < 0:
        raise ValueError(f"overhead must be >= 0 s, got {overhead_s}")
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    return overhead_s / share


def break_even(
    overhead_s: float,
    low_s: float | None = None,
    high_s: float | None = None,
    shares: tuple[float, ...] = SHARES,
) -> list[BreakEven]:
    """Break-even task durations for each share; T is linear in o, so o's interval maps over."""
    return [
        BreakEven(
            share,
            task_for_share(overhead_s, share),
            task_for_share(low_s, share) if low_s is not None else None,
            task_for_share(high_s, share) if high_s is not None else None,
        )
        for share in shares
    ]


def extra_over(dask_s: float, local_s: float) -> float:
    """How many times a dask task costs what a one-machine task costs (``M x``)."""
    if dask_s <= 0 or local_s <= 0:
        raise ValueError(f"per-task costs must be positive, got {dask_s} and {local_s}")
    return dask_s / local_s
