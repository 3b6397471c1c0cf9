"""Pure statistics on per-round samples: medians, their intervals, spread, outliers, tails.

The one home of every statistic a subject reports: percentiles (p99), Jain's fairness index,
least-squares slopes; subjects and charts import them from here, never from each other.

Every threshold is a named constant with its reason. Nothing here measures. What a measuring
process calls (:func:`summarize`, :func:`rounds_for_precision`) is plain Python, so the process
that forks and times never loads numpy (docs/design.md, principle 11). A figure's interval comes
from its blocks (:mod:`bench_lib.stats.intervals`); :func:`median_ci` is the interval of one
sample of independent values (a single block's, a metric's). Comparing runs is
:mod:`bench_lib.stats.replicates` (intervals and tests) and :mod:`bench_lib.stats.two_samples`
(Holm, geometric mean).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CONFIDENCE = 0.95  # the usual two-sided level; the report says so
BOOTSTRAP_RESAMPLES = (  # the speedup interval's bootstrap (bench_lib.results.scaling)
    2000  # percentile endpoints settle to ~1% of their width (Efron & Tibshirani ch. 13)
)
BOOTSTRAP_SEED = 20240229  # fixed: same samples, same interval  # pragma: no mutate (any seed)
# The median's distribution-free interval [x(j), x(n+1-j)] covers it with probability
# 1 - 2 P(Binomial(n, 1/2) < j). The widest one, [min, max], reaches 95% first at n = 6
# (96.9%; n = 5 gives 93.8%, n = 3 only 75%), so fewer samples have no 95% interval.
MIN_SAMPLES_FOR_INTERVAL = 6
TUKEY_FENCE = 1.5  # Tukey (1977): points beyond Q1 - 1.5 IQR or Q3 + 1.5 IQR are outliers


def _np() -> Any:
    import numpy  # here, not at the top: only the readers of results pay for numpy

    return numpy


@dataclass(frozen=True)
class Summary:
    n: int  # number of samples
    median: float
    ci_low: float | None  # None when n < MIN_SAMPLES_FOR_INTERVAL
    ci_high: float | None
    cv: float | None  # stdev / mean; None for n < 2 or mean 0
    robust_cv: float | None  # 1.4826 * MAD / median: spread that one slow round cannot inflate
    outliers: int  # Tukey outliers
    minimum: float
    maximum: float

    @property
    def rel_ci_half_width(self) -> float | None:
        if self.ci_low is None or self.ci_high is None or self.median == 0:
            return None
        return (self.ci_high - self.ci_low) / 2 / abs(self.median)


def median(samples: Sequence[float]) -> float:
    if not samples:
        raise ValueError("median of no samples")
    ordered = sorted(float(x) for x in samples)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    low, high = ordered[mid - 1], ordered[mid]
    return low + (high - low) / 2  # not (low + high) / 2: that overflows near the float limit


def order_statistic_ranks(n: int, confidence: float = CONFIDENCE) -> tuple[int, int] | None:
    """1-based ranks (j, n+1-j) of the narrowest distribution-free interval of the median.

    The coverage is exact for any continuous distribution: 1 - 2 P(Binomial(n, 1/2) < j).
    None when even [min, max] covers less than ``confidence`` (n < 6 at 95%).
    """
    best = None
    below = 0  # P(Binomial(n, 1/2) < j) * 2**n, built up term by term
    for j in range(1, n // 2 + 1):  # pragma: no mutate (past n // 2 the coverage is <= 0)
        below += math.comb(n, j - 1)
        if 1 - 2 * below / 2**n < confidence:
            break
        best = (j, n + 1 - j)
    return best


def median_ci(
    samples: Sequence[float], confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """Distribution-free (order-statistic) interval of the median; None when too few samples."""
    ranks = order_statistic_ranks(len(samples), confidence)
    if ranks is None:
        return None
    ordered = sorted(float(x) for x in samples)
    return ordered[ranks[0] - 1], ordered[ranks[1] - 1]


def coefficient_of_variation(samples: Sequence[float]) -> float | None:
    if len(samples) < 2:
        return None
    try:
        mean = statistics.fmean(samples)
        return statistics.stdev(samples) / abs(mean) if mean != 0 else None
    except OverflowError:  # values near the float limit (a hostile file): spread unknown
        return None


MAD_TO_SIGMA = 1.4826  # scales the median absolute deviation to a standard deviation (normal data)


def robust_cv(samples: Sequence[float]) -> float | None:
    if len(samples) < 2:
        return None
    mid = median(samples)
    mad = median([abs(x - mid) for x in samples])
    return MAD_TO_SIGMA * mad / abs(mid) if mid != 0 else None


def quartiles(samples: Sequence[float]) -> tuple[float, float]:
    """Q1 and Q3 by linear interpolation between order statistics (numpy's default, R type 7)."""
    q = statistics.quantiles([float(x) for x in samples], n=4, method="inclusive")
    return q[0], q[2]


def tukey_outliers(samples: Sequence[float], fence: float = TUKEY_FENCE) -> int:
    if len(samples) < 4:  # quartiles of three points fence nothing meaningful
        return 0
    q1, q3 = quartiles(samples)
    spread = fence * (q3 - q1)
    return int(sum(1 for x in samples if x < q1 - spread or x > q3 + spread))


def summarize(samples: Sequence[float]) -> Summary:
    if not samples:
        raise ValueError("cannot summarize no samples")
    ci = median_ci(samples)
    return Summary(
        n=len(samples),
        median=median(samples),
        ci_low=ci[0] if ci else None,
        ci_high=ci[1] if ci else None,
        cv=coefficient_of_variation(samples),
        robust_cv=robust_cv(samples),
        outliers=tukey_outliers(samples),
        minimum=float(min(samples)),
        maximum=float(max(samples)),
    )


def rounds_for_precision(
    pilot: Sequence[float],
    target_rel_ci: float,
    min_rounds: int,
    max_rounds: int,
    budget_s: float,
) -> int:
    """Measured rounds needed for a 95% interval of about +-target_rel_ci, within the time budget.

    The interval of a median shrinks like ~1.25 * 1.96 * cv / sqrt(n) (the median's efficiency
    against the mean is ~0.8 for near-normal data), so n = (2.45 * cv / target)^2.
    """
    if not pilot:
        return min_rounds
    typical = median(pilot)
    cv = coefficient_of_variation(pilot)
    if cv is None or target_rel_ci <= 0:  # spread unknown: spend the budget
        wanted = max_rounds
    else:
        wanted = math.ceil((2.45 * cv / target_rel_ci) ** 2)
    affordable = math.floor(budget_s / typical) if typical > 0 else max_rounds
    return max(min_rounds, min(wanted, affordable, max_rounds))


# --- tails, fairness, slopes: what subjects report beside the median ---------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) by linear interpolation between order statistics.

    Hyndman & Fan (1996) type 7, numpy's default: the one percentile every subject reports
    (io, ipc, the lock subject's waits and holds).
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def jain_index(counts: Sequence[float]) -> float | None:
    """Jain's fairness index (Jain, Chiu & Hawe 1984): (sum x)^2 / (n * sum x^2).

    1.0 when every worker got the same share, 1/n when one got everything; None when
    nobody got anything (0/0: fairness is undefined).
    """
    if not counts:
        raise ValueError("fairness of no workers")
    if any(c < 0 for c in counts):
        raise ValueError(f"counts cannot be negative: {list(counts)}")
    squares = sum(c * c for c in counts)
    if squares == 0:
        return None
    return float(sum(counts)) ** 2 / (len(counts) * squares)


def loglog_slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of log(cost) against log(n): ~1 for O(n), ~0 for O(1).

    ``points`` are (n, cost) pairs with positive values and at least two distinct n.
    """
    if any(n <= 0 or cost <= 0 for n, cost in points):
        raise ValueError("log-log slope needs positive n and cost")
    return slope([(math.log(n), math.log(cost)) for n, cost in points])


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of y against x over (x, y) pairs with at least two distinct x."""
    xs = [float(x) for x, _ in points]
    ys = [float(y) for _, y in points]
    if len(set(xs)) < 2:
        raise ValueError("a slope needs at least two distinct x")
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    return sxy / sxx
