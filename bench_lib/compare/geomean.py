"""The geometric mean speed of a subject (or of a whole run) with a t interval over blocks.

Block k of every benchmark of a run was made in pass k over the suite, so the benchmarks'
errors within one pass share its machine state: they are not independent, and a z interval
over benchmarks (what this replaced) was far too narrow. Each pass's mean log speed over the
benchmarks is one replicate; the interval is t over those
(:func:`bench_lib.stats.replicates.geometric_mean_ratio`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench_lib.results.records import BenchmarkKey, benchmark_key
from bench_lib.stats import replicates, two_samples
from bench_lib.stats.verdict import Verdict

if TYPE_CHECKING:
    from bench_lib.compare.pairs import FigureComparison


@dataclass(frozen=True)
class SubjectSummary:
    subject: str
    geomean_speed: float | None  # geometric mean speed, one figure per benchmark (its first)
    figures: int  # how many benchmarks went into it
    counts: tuple[tuple[Verdict, int], ...]  # verdict -> how many figures
    geomean_ci: tuple[float, float] | None = None  # t over per-block means (replicates)


_VERDICT_ORDER: tuple[Verdict, ...] = ("faster", "slower", "same", "inconclusive")


def _benchmark(f: FigureComparison) -> BenchmarkKey:
    return benchmark_key(f.subject, f.case, dict(f.params))


def _log_speeds(blocks: tuple[float, ...], higher_is_better: bool) -> list[float] | None:
    if not blocks or not all(0 < v < math.inf for v in blocks):
        return None
    return [math.log(v) if higher_is_better else -math.log(v) for v in blocks]


def geomean(name: str, figures: list[FigureComparison]) -> SubjectSummary:
    """Verdict counts, and the geometric mean speed of one figure per benchmark (its first with
    rounds and a direction: a benchmark's figures share its rounds), with a t interval over
    per-block means (:func:`bench_lib.stats.replicates.geometric_mean_ratio`); a benchmark of
    one block has no replicate and stays out. Without any, the plain geometric mean."""
    first: dict[Any, FigureComparison] = {}
    for f in figures:
        if f.speed is not None and 0 < f.speed < math.inf and f.n_baseline > 0:
            first.setdefault(_benchmark(f), f)
    counts = tuple((v, sum(f.verdict == v for f in figures)) for v in _VERDICT_ORDER)
    rows = []
    for f in first.values():
        b = _log_speeds(f.baseline_blocks, bool(f.higher_is_better))
        c = _log_speeds(f.candidate_blocks, bool(f.higher_is_better))
        if b is not None and c is not None and min(len(b), len(c)) >= 2:
            rows.append((b, c))
    paired = bool(first) and all(f.paired for f in first.values())
    result = _rows_ratio(rows, paired)
    if result is None:
        speeds = [f.speed for f in first.values() if f.speed is not None]
        return SubjectSummary(name, two_samples.geometric_mean(speeds), len(speeds), counts)
    ci = (result.ci_low, result.ci_high) if result.ci_low is not None else None
    return SubjectSummary(name, result.ratio, len(rows), counts, ci)  # type: ignore[arg-type]


def _rows_ratio(
    rows: list[tuple[list[float], list[float]]], paired: bool
) -> replicates.BlockRatio | None:
    """The geometric mean over ``rows`` (benchmarks of 2+ blocks a side), each cut to the
    fewest blocks any has (an `mpbench ab` benchmark that settled early has fewer): block k of
    every benchmark is then pass k over the suite."""
    if not rows:
        return None
    n_b, n_c = min(len(b) for b, _ in rows), min(len(c) for _, c in rows)
    if paired:
        n_b = n_c = min(n_b, n_c)
    return replicates.geometric_mean_ratio(
        [b[:n_b] for b, _ in rows], [c[:n_c] for _, c in rows], paired
    )


def subjects(figures: list[FigureComparison]) -> tuple[SubjectSummary, ...]:
    """Per subject: :func:`geomean` of its figures."""
    return tuple(
        geomean(subject, [f for f in figures if f.subject == subject])
        for subject in dict.fromkeys(f.subject for f in figures)
    )
