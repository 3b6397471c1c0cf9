"""Statistics by known answers and independent re-computation: what mutation testing left alive.

Spreads are checked at the smallest sample they are defined for; the median-interval ranks at
a coverage exactly equal to the confidence.
"""

from __future__ import annotations

import math

import pytest

from bench_lib.stats import descriptive as stats
from bench_lib.stats import two_samples

SKEWED = [1.0, 1.1, 1.2, 1.3, 1.5, 2.0, 3.5, 9.0, 30.0]  # mean 5.6, median 1.5


def test_rel_ci_half_width_known_answers() -> None:
    def summary(median: float, low: float | None, high: float | None) -> stats.Summary:
        return stats.Summary(7, median, low, high, None, None, 0, 0.0, 1.0)

    assert summary(10.0, 9.0, 11.0).rel_ci_half_width == pytest.approx(0.1)
    assert summary(-10.0, -11.0, -9.0).rel_ci_half_width == pytest.approx(0.1)
    assert summary(10.0, None, 11.0).rel_ci_half_width is None
    assert summary(10.0, 9.0, None).rel_ci_half_width is None
    assert summary(0.0, -1.0, 1.0).rel_ci_half_width is None


def test_spreads_of_two_samples_are_defined() -> None:
    assert stats.coefficient_of_variation([1.0, 3.0]) == pytest.approx(math.sqrt(2) / 2)
    assert stats.robust_cv([1.0, 3.0]) == pytest.approx(stats.MAD_TO_SIGMA * 1.0 / 2.0)
    assert stats.coefficient_of_variation([5.0]) is None and stats.robust_cv([5.0]) is None
    assert stats.coefficient_of_variation([-1.0, 1.0]) is None  # mean 0
    assert stats.robust_cv([-1.0, 0.0, 1.0]) is None  # median 0
    # skewed: the robust spread ignores the tail that the classic one follows
    assert stats.robust_cv(SKEWED) == pytest.approx(stats.MAD_TO_SIGMA * 0.5 / 1.5)
    assert stats.coefficient_of_variation(SKEWED) > 1.5


def test_tukey_outliers_of_four_points() -> None:
    # quartiles (inclusive) of [1, 1, 1, 100]: Q1 = 1, Q3 = 25.75; upper fence 62.875
    assert stats.tukey_outliers([1.0, 1.0, 1.0, 100.0]) == 1
    assert stats.tukey_outliers([1.0, 1.0, 100.0]) == 0  # three points: no fences


def test_median_interval_ranks_at_a_coverage_equal_to_the_confidence() -> None:
    exact = 1 - 2 / 2**6  # [min, max] of 6 covers 1 - 2/64 exactly
    assert stats.order_statistic_ranks(6, exact) == (1, 6)
    assert stats.order_statistic_ranks(6, exact + 1e-12) is None


def test_median_interval_ranks_reach_the_middle_at_low_confidence() -> None:
    # at 50%: j = 2 covers 1 - 2 * 7/64 = 78%, j = 3 only 31%
    assert stats.order_statistic_ranks(6, 0.5) == (2, 5)
    assert stats.order_statistic_ranks(2, 0.4) == (1, 2)
    assert stats.order_statistic_ranks(4, 0.0) == (2, 3)  # any coverage: the middle pair


def test_summarize_skewed_data_reports_the_median_not_the_mean() -> None:
    s = stats.summarize(SKEWED)
    assert s.median == 1.5 and s.minimum == 1.0 and s.maximum == 30.0
    assert s.n == 9 and s.outliers == 2  # 9.0 and 30.0 beyond Q3 + 1.5 IQR


def test_rounds_for_precision_known_answer() -> None:
    pilot = [1.0, 1.2, 0.8, 1.1, 0.9]  # cv = stdev / mean = 0.158
    cv = stats.coefficient_of_variation(pilot)
    assert cv is not None
    wanted = math.ceil((2.45 * cv / 0.05) ** 2)
    assert stats.rounds_for_precision(pilot, 0.05, 5, 10_000, 1e9) == wanted
    assert stats.rounds_for_precision(pilot, 0.05, 5, 10_000, 10.0) == 10  # 10 s / 1 s a round
    assert stats.rounds_for_precision(pilot, 0.0, 5, 77, 1e9) == 77  # no target: the most
    assert stats.rounds_for_precision([], 0.05, 5, 77, 1e9) == 5


def test_summary_interval_is_the_order_statistic_pair() -> None:
    # n = 9 at 95%: ranks (2, 8) cover 1 - 2 * 10/512 = 96.1%; (3, 7) only 82%
    assert stats.order_statistic_ranks(9) == (2, 8)
    s = stats.summarize(SKEWED)
    assert (s.ci_low, s.ci_high) == (1.1, 9.0)


def test_the_classic_cv_divides_by_the_mean() -> None:
    import statistics

    expected = statistics.stdev(SKEWED) / statistics.fmean(SKEWED)
    assert stats.coefficient_of_variation(SKEWED) == pytest.approx(expected)


def test_holm_caps_at_one() -> None:
    assert two_samples.holm_adjust([0.6, 0.9]) == [1.0, 1.0]  # 2 * 0.6 = 1.2, capped


def test_geometric_mean_is_the_mean_of_logs_not_their_median() -> None:
    assert two_samples.geometric_mean([1.0, 2.0, 8.0]) == pytest.approx(16 ** (1 / 3))
    with pytest.raises(ValueError):
        two_samples.geometric_mean([1.0, 0.0])


def test_rounds_for_precision_of_instant_rounds_spends_the_most() -> None:
    assert stats.rounds_for_precision([0.0, 0.0, 0.0], 0.05, 5, 77, 1.0) == 77
