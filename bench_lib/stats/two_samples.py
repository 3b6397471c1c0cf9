"""Comparing two samples (two runs of one figure): is the difference real, and how large is it?

A two-sided Mann-Whitney U test (exact for small untied samples), Holm's adjustment over a
family of such tests, a bootstrap interval of the ratio of two medians, and the geometric mean
of ratios. Readers of results use these (``mpbench compare``); numpy is imported when they run,
never at import, as in :mod:`bench_lib.stats.descriptive`, where the intervals' constants live.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench_lib.stats.descriptive import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    CONFIDENCE,
    MIN_SAMPLES_FOR_INTERVAL,
)


def _np() -> Any:
    import numpy  # here, not at the top: a process that imports bench_lib never pays for it

    return numpy


EXACT_RANK_TEST_MAX_N = 25  # exact U distribution when the SMALLER untied sample is this small:
# that is where the normal approximation fails (5 vs 200 fully separated: exact p = 7e-10, normal
# 1.4e-4); with a larger smaller sample it is accurate far below any alpha we use (Mann & Whitney
# 1947; Lehmann 1975, ch. 1). Counts are exact Python ints.
EXACT_RANK_TEST_MAX_PAIRS = 100_000  # the distribution has m*n+1 terms: bounds its cost (~0.1 s)


@dataclass(frozen=True)
class RankTest:
    """A two-sided Mann-Whitney U test of "the two samples come from one distribution"."""

    u: float  # U statistic of the first sample (pairs where it is the larger; ties count 1/2)
    p_value: float  # two-sided
    method: str  # "exact" (no ties, small samples) or "normal" (tie and continuity corrected)


def ratio_of_medians_ci(
    baseline: Sequence[float],
    candidate: Sequence[float],
    confidence: float = CONFIDENCE,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of median(candidate) / median(baseline).

    Both samples are resampled independently (they are separate runs, not pairs). None when
    either sample is below :data:`MIN_SAMPLES_FOR_INTERVAL` or a resampled baseline median is 0.
    """
    np = _np()
    if min(len(baseline), len(candidate)) < MIN_SAMPLES_FOR_INTERVAL:
        return None
    base = np.asarray(baseline, dtype=float)
    cand = np.asarray(candidate, dtype=float)
    rng = np.random.default_rng(seed)
    base_medians = np.median(base[rng.integers(0, len(base), (resamples, len(base)))], axis=1)
    cand_medians = np.median(cand[rng.integers(0, len(cand), (resamples, len(cand)))], axis=1)
    if np.any(base_medians == 0):
        return None
    ratios = cand_medians / base_medians
    if not np.all(np.isfinite(ratios)):
        return None
    alpha = (1 - confidence) / 2
    low, high = np.quantile(ratios, [alpha, 1 - alpha])
    return float(low), float(high)


def average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks 1..n, tied values sharing the mean of the ranks they span."""
    np = _np()
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return []
    _, inverse, counts = np.unique(data, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    mean_rank = ends - (counts - 1) / 2
    return [float(r) for r in mean_rank[inverse.ravel()]]


def _u_distribution(m: int, n: int) -> list[int]:
    """Number of orderings giving U = 0..m*n: coefficients of the Gaussian binomial [m+n, m]_q."""
    poly = [1]
    for i in range(1, m + 1):
        grown = [*poly, *([0] * (n + i))]  # times (1 - q^(n+i))
        for k in range(len(poly)):
            grown[k + n + i] -= poly[k]
        for k in range(i, len(grown)):  # divided by (1 - q^i): exact, the result is a polynomial
            grown[k] += grown[k - i]
        poly = grown
    return poly[: m * n + 1]


def mann_whitney_u(x: Sequence[float], y: Sequence[float]) -> RankTest | None:
    """Two-sided Mann-Whitney U test; None when a sample is empty.

    Exact for small untied samples; otherwise the normal approximation with the tie correction
    of the variance and a continuity correction. Identical samples (zero spread) give p = 1.
    """
    np = _np()
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        return None
    ranks = average_ranks([*x, *y])
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    tied = len(set(ranks)) < n1 + n2
    small = min(n1, n2) <= EXACT_RANK_TEST_MAX_N and n1 * n2 <= EXACT_RANK_TEST_MAX_PAIRS
    if not tied and small:
        counts = _u_distribution(min(n1, n2), max(n1, n2))  # [m+n, m]_q = [m+n, n]_q
        total = sum(counts)
        k = round(u1)
        low_tail = sum(counts[: k + 1]) / total
        high_tail = sum(counts[k:]) / total
        return RankTest(u1, min(1.0, 2 * min(low_tail, high_tail)), "exact")
    n = n1 + n2
    _, tie_counts = np.unique(np.asarray(ranks), return_counts=True)
    tie_term = float(np.sum(tie_counts.astype(float) ** 3 - tie_counts)) / (n * (n - 1))
    variance = n1 * n2 / 12 * ((n + 1) - tie_term)
    if variance <= 0:  # every value tied: no evidence of any difference
        return RankTest(u1, 1.0, "normal")
    z = max(0.0, abs(u1 - n1 * n2 / 2) - 0.5) / math.sqrt(variance)
    p_value = math.erfc(z / math.sqrt(2))
    return RankTest(u1, min(1.0, p_value), "normal")  # pragma: no mutate (erfc(z >= 0) <= 1)


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
