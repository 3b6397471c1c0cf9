from __future__ import annotations

import pytest

from bench_lib import stats


def test_median_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        stats.median([])


@pytest.mark.parametrize("samples", [[1.0], [1.0, 2.0]])
def test_too_few_samples_have_no_interval(samples: list[float]) -> None:
    assert stats.bootstrap_ci(samples) is None
    assert stats.summarize(samples).ci_low is None


def test_identical_samples_have_a_zero_width_interval() -> None:
    s = stats.summarize([2.5] * 10)
    assert (s.median, s.ci_low, s.ci_high, s.cv, s.robust_cv, s.outliers) == (
        2.5,
        2.5,
        2.5,
        0.0,
        0.0,
        0,
    )


def test_interval_contains_the_median_and_is_reproducible() -> None:
    samples = [1.0, 1.1, 0.9, 1.05, 0.95, 1.2, 0.8, 1.0, 1.02, 0.98]
    low, high = stats.bootstrap_ci(samples) or (0, 0)
    assert low <= stats.median(samples) <= high
    assert stats.bootstrap_ci(samples) == (low, high)


def test_one_wild_round_is_an_outlier_and_barely_moves_robust_cv() -> None:
    samples = [1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0, 10.0]
    assert stats.tukey_outliers(samples) == 1
    assert stats.robust_cv(samples) < 0.05 < (stats.coefficient_of_variation(samples) or 0)


def test_rounds_for_precision_respects_bounds_and_budget() -> None:
    noisy = [1.0, 2.0, 3.0]
    assert stats.rounds_for_precision(noisy, 0.01, 5, 50, budget_s=1000) == 50  # capped by max
    assert stats.rounds_for_precision(noisy, 0.01, 5, 50, budget_s=10) == 5  # budget, then min
    steady = [1.0, 1.0, 1.0]
    assert stats.rounds_for_precision(steady, 0.01, 5, 50, budget_s=1000) == 5
    assert stats.rounds_for_precision([], 0.01, 7, 50, budget_s=10) == 7
    assert stats.rounds_for_precision([0.1], 0.01, 3, 50, budget_s=1.0) == 10  # spread unknown
