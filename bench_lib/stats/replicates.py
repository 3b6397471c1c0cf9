"""Comparing two runs by their blocks, the independent replicates of a figure.

Rounds of one block share its processes, placement and moment, so they are not independent
samples of a run (docs/design.md, principle 15); blocks are. Two runs are compared by the medians of
their blocks, on a log scale (a ratio), with Welch's t: with 2-6 blocks a side a rank test cannot
reach significance at all (5 vs 5: p >= 0.008, before any correction for many figures), and a
log block median is close to normal (it is already a median of many rounds). Plain Python.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from bench_lib.stats import descriptive as stats
from bench_lib.stats.descriptive import CONFIDENCE


def blocks_of(values: Sequence[float], sizes: object) -> list[list[float]]:
    """``values`` cut into blocks of ``sizes`` consecutive rounds (``info.block_rounds``); one
    block of everything when the sizes are missing or do not add up."""
    if not values:
        return []
    whole = [list(values)]
    if not isinstance(sizes, list) or not all(isinstance(n, int) and n > 0 for n in sizes):
        return whole
    if sum(sizes) != len(values):
        return whole
    out, start = [], 0
    for n in sizes:
        out.append(list(values[start : start + n]))
        start += n
    return out


def block_medians(values: Sequence[float], sizes: object) -> tuple[float, ...]:
    """Each block's median (:func:`blocks_of`)."""
    return tuple(stats.median(block) for block in blocks_of(values, sizes))


MIN_BLOCKS = 2  # a side with one block has no between-block spread: no interval, no test


@dataclass(frozen=True)
class BlockRatio:
    """median-of-candidate / median-of-baseline, from block medians."""

    ratio: float  # geometric mean ratio of block medians (candidate / baseline)
    ci_low: float | None  # None when a side has fewer than MIN_BLOCKS blocks
    ci_high: float | None
    p_value: float | None  # two-sided Welch t on log block medians; None as above
    blocks: tuple[int, int]  # (baseline, candidate) block counts
    log_se: float | None = None  # standard error of log(ratio); None as above


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (Numerical Recipes, 6.4; Lentz)."""
    tiny = 1e-300  # pragma: no mutate (any tiny guard against dividing by 0)
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)  # pragma: no mutate (> or >= at 1e-300)
    h = d
    for m in range(1, 300):  # pragma: no mutate (converges in far fewer steps)
        m2 = 2 * m
        for aa in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)  # pragma: no mutate (> or >= at 1e-300)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny  # pragma: no mutate (> or >= at 1e-300)
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:  # pragma: no mutate (< or <= at the float's last digit)
            break
    return h


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with ``df`` degrees of freedom (df may be fractional)."""
    if math.isinf(t):
        return 0.0
    if t == 0:
        return 1.0
    x = df / (df + t * t)
    a, b = df / 2, 0.5
    if x <= 0:
        return 0.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):  # pragma: no mutate (both branches are exact at the switch)
        tail = front * _betacf(a, b, x) / a
    else:
        tail = 1.0 - front * _betacf(b, a, 1.0 - x) / b
    return min(1.0, tail)  # pragma: no mutate (a tail is at most 1: the cap guards rounding)


@functools.lru_cache(maxsize=256)  # a run asks for a few (confidence, blocks) pairs, often
def t_quantile(p_two_sided: float, df: float) -> float:
    """The t with P(|T| >= t) = ``p_two_sided`` (bisection on :func:`t_two_sided_p`)."""
    low, high = 0.0, 1.0  # pragma: no mutate (any bracket that widens to hold the root)
    while t_two_sided_p(high, df) > p_two_sided:  # pragma: no mutate (equal: high is a bound)
        high *= 2  # pragma: no mutate (any growth factor > 1)
    for _ in range(60):  # pragma: no mutate (shrinks 2**60-fold: below any printed digit)
        mid = (low + high) / 2
        if t_two_sided_p(mid, df) > p_two_sided:  # pragma: no mutate (equal: the root itself)
            low = mid
        else:
            high = mid
    return (low + high) / 2


def block_ratio(
    baseline_medians: Sequence[float],
    candidate_medians: Sequence[float],
    confidence: float = CONFIDENCE,
) -> BlockRatio | None:
    """Ratio of two runs from their block medians (positive values); None if either is empty."""
    base = [math.log(v) for v in baseline_medians if v > 0 and math.isfinite(v)]
    cand = [math.log(v) for v in candidate_medians if v > 0 and math.isfinite(v)]
    if (
        not base
        or not cand
        or len(base) < len(baseline_medians)
        or len(cand) < len(candidate_medians)
    ):
        return None
    diff = statistics.fmean(cand) - statistics.fmean(base)
    counts = (len(base), len(cand))
    if min(counts) < MIN_BLOCKS:
        return BlockRatio(math.exp(diff), None, None, None, counts)
    va, vb = statistics.variance(base) / len(base), statistics.variance(cand) / len(cand)
    se = math.sqrt(va + vb)
    if se == 0:
        p = 1.0 if diff == 0 else 0.0
        return BlockRatio(math.exp(diff), math.exp(diff), math.exp(diff), p, counts, 0.0)
    df = (va + vb) ** 2 / (va**2 / (len(base) - 1) + vb**2 / (len(cand) - 1))  # Welch-Satterthwaite
    half = t_quantile(1 - confidence, df) * se
    return BlockRatio(
        math.exp(diff),
        math.exp(diff - half),
        math.exp(diff + half),
        t_two_sided_p(diff / se, df),
        counts,
        se,
    )


def _one_sample(logs: Sequence[float], confidence: float) -> BlockRatio:
    """The one-sample t interval of paired blocks' log ratios, df = blocks - 1."""
    diff, n = statistics.fmean(logs), len(logs)
    if n < MIN_BLOCKS:
        return BlockRatio(math.exp(diff), None, None, None, (n, n))
    se = statistics.stdev(logs) / math.sqrt(n)
    if se == 0:
        p = 1.0 if diff == 0 else 0.0
        return BlockRatio(math.exp(diff), math.exp(diff), math.exp(diff), p, (n, n), 0.0)
    half = t_quantile(1 - confidence, n - 1) * se
    return BlockRatio(
        math.exp(diff),
        math.exp(diff - half),
        math.exp(diff + half),
        t_two_sided_p(diff / se, n - 1),
        (n, n),
        se,
    )


def paired_block_ratio(
    baseline_medians: Sequence[float],
    candidate_medians: Sequence[float],
    confidence: float = CONFIDENCE,
) -> BlockRatio | None:
    """Ratio of two measurements taken block by block together (a figure and its paired
    baseline): the one-sample t interval of the blocks' log ratios, df = blocks - 1.

    Block k of both shares the same seconds, so the machine's drift between blocks cancels in
    each ratio instead of widening the interval (Welch's two-sample form, for runs measured
    apart, counts it twice). None unless both have the same number of positive blocks.
    """
    if len(baseline_medians) != len(candidate_medians) or not baseline_medians:
        return None
    if not all(v > 0 and math.isfinite(v) for v in (*baseline_medians, *candidate_medians)):
        return None
    logs = [math.log(c) - math.log(b) for b, c in zip(baseline_medians, candidate_medians)]
    return _one_sample(logs, confidence)


def round_pair_log_ratio(baseline: Sequence[float], candidate: Sequence[float]) -> float | None:
    """One block of `mpbench ab`: the median of log(candidate_i / baseline_i) over its round
    pairs (round i of each side, taken in turns, shares the machine's second; the first
    min(n) rounds pair up). None without a pair, or with a value that is not positive."""
    n = min(len(baseline), len(candidate))
    pairs = list(zip(baseline[:n], candidate[:n]))
    if not pairs or not all(b > 0 and c > 0 and math.isfinite(b + c) for b, c in pairs):
        return None
    return stats.median([math.log(c) - math.log(b) for b, c in pairs])


def paired_round_ratio(
    baseline_blocks: Sequence[Sequence[float]],
    candidate_blocks: Sequence[Sequence[float]],
    confidence: float = CONFIDENCE,
) -> BlockRatio | None:
    """`mpbench ab`'s ratio: each block's log ratio is the median of its round pairs' log
    ratios (:func:`round_pair_log_ratio`: the speed state both rounds of a pair share cancels,
    which a ratio of block medians keeps), then the one-sample t over the blocks. None unless
    both sides have the same number of blocks and every block a pair."""
    if len(baseline_blocks) != len(candidate_blocks) or not baseline_blocks:
        return None
    logs = [round_pair_log_ratio(b, c) for b, c in zip(baseline_blocks, candidate_blocks)]
    if any(x is None for x in logs):
        return None
    return _one_sample([x for x in logs if x is not None], confidence)


def per_block_means(rows: Sequence[Sequence[float]]) -> list[float] | None:
    """Column means of ``rows`` (one row per benchmark: its blocks' log speeds): the speed of
    each pass over the suite. None unless every row has the same number of blocks."""
    if not rows or len({len(r) for r in rows}) != 1 or not rows[0]:
        return None
    return [statistics.fmean(column) for column in zip(*rows)]


def geometric_mean_ratio(
    baseline_rows: Sequence[Sequence[float]],
    candidate_rows: Sequence[Sequence[float]],
    paired: bool = False,
    confidence: float = CONFIDENCE,
) -> BlockRatio | None:
    """The geometric mean speed of several benchmarks with a t interval over per-block means.

    Each row is one benchmark's block medians as log speeds (log of a rate, minus log of a
    time); block k of every benchmark was made in pass k over the suite, so the benchmarks'
    errors in one pass share that pass's machine state and are not independent. The mean over
    benchmarks of each block is one replicate of the run's speed; the interval is Welch's t
    over those (paired: the one-sample t of pass k of A against pass k of B), so it has
    blocks - 1 degrees of freedom, not a z over benchmarks treated as independent.
    """
    base, cand = per_block_means(baseline_rows), per_block_means(candidate_rows)
    if base is None or cand is None:
        return None
    if paired and len(base) != len(cand):
        return None
    if paired:
        return _one_sample([c - b for b, c in zip(base, cand)], confidence)
    return block_ratio([math.exp(x) for x in base], [math.exp(x) for x in cand], confidence)
