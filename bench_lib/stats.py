"""Pure statistics on per-round samples: medians, bootstrap intervals, spread, outliers.

Every threshold is a named constant with its reason. Nothing here measures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95  # the usual two-sided level; the report says so
BOOTSTRAP_RESAMPLES = (
    2000  # percentile endpoints settle to ~1% of their width (Efron & Tibshirani ch. 13)
)
BOOTSTRAP_SEED = 20240229  # fixed: the same samples always give the same interval
MIN_SAMPLES_FOR_INTERVAL = 3  # below this a bootstrap only reshuffles one or two values
TUKEY_FENCE = 1.5  # Tukey (1977): points beyond Q1 - 1.5 IQR or Q3 + 1.5 IQR are outliers


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
    return float(np.median(np.asarray(samples, dtype=float)))


def bootstrap_ci(
    samples: Sequence[float],
    confidence: float = CONFIDENCE,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the median; None when there are too few samples."""
    if len(samples) < MIN_SAMPLES_FOR_INTERVAL:
        return None
    data = np.asarray(samples, dtype=float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(data), size=(resamples, len(data)))
    medians = np.median(data[idx], axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(medians, [alpha, 1 - alpha])
    return float(low), float(high)


def coefficient_of_variation(samples: Sequence[float]) -> float | None:
    if len(samples) < 2:
        return None
    data = np.asarray(samples, dtype=float)
    mean = float(data.mean())
    return float(data.std(ddof=1)) / abs(mean) if mean != 0 else None


MAD_TO_SIGMA = 1.4826  # scales the median absolute deviation to a standard deviation (normal data)


def robust_cv(samples: Sequence[float]) -> float | None:
    if len(samples) < 2:
        return None
    data = np.asarray(samples, dtype=float)
    mid = float(np.median(data))
    mad = float(np.median(np.abs(data - mid)))
    return MAD_TO_SIGMA * mad / abs(mid) if mid != 0 else None


def tukey_outliers(samples: Sequence[float], fence: float = TUKEY_FENCE) -> int:
    if len(samples) < 4:  # quartiles of three points fence nothing meaningful
        return 0
    q1, q3 = np.quantile(np.asarray(samples, dtype=float), [0.25, 0.75])
    spread = fence * (q3 - q1)
    return int(sum(1 for x in samples if x < q1 - spread or x > q3 + spread))


def summarize(samples: Sequence[float]) -> Summary:
    if not samples:
        raise ValueError("cannot summarize no samples")
    ci = bootstrap_ci(samples)
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
