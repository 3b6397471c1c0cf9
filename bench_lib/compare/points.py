"""One run's figures as points (median and interval from the blocks), for curves and tables."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench_lib.compare.match import Entry, Key
from bench_lib.stats import intervals


def figure_summary(e: Entry) -> tuple[float | None, tuple[float, float] | None]:
    """The median with its interval from the blocks (as the engine records it)."""
    if not e.samples:
        return None, None
    values = [x for block in e.block_values for x in block] or e.samples
    sizes = [len(block) for block in e.block_values] if e.block_values else None
    s = intervals.block_interval(values, sizes)
    ci = (s.ci_low, s.ci_high) if s.ci_low is not None and s.ci_high is not None else None
    return s.median, ci


@dataclass(frozen=True)
class Point:
    """One figure of one run, for scaling curves (a figure against a numeric parameter)."""

    run: int
    subject: str
    case: str
    params: tuple[tuple[str, str], ...]
    figure: str
    unit: str
    median: float
    ci: tuple[float, float] | None
    n: int
    noisy: bool
    flags: str = ""  # the noise flag codes, joined by commas (what a chart's ring marks)


def points_of(run: int, table: dict[Key, Entry], keep: set[Key]) -> list[Point]:
    out = []
    for key, e in table.items():
        if key not in keep or not e.samples:
            continue
        med, ci = figure_summary(e)
        if med is None or not math.isfinite(med):
            continue  # a median past the float range has no place on a chart
        out.append(
            Point(
                run,
                e.subject,
                e.case,
                e.params,
                e.figure,
                e.unit,
                med,
                ci,
                len(e.samples),
                e.noisy,
                e.flags,
            )
        )
    return out
