"""Statistics by known answers and independent re-computation: what mutation testing left alive.

The bootstrap intervals are recomputed here from their definition (same seed, same resampling,
numpy's quantile at alpha = (1 - 0.95) / 2): a "95%" interval that became 90% differs. Spreads
are checked at the smallest sample they are defined for; the rank test's exact/normal switch at
its size limits; the median-interval ranks at a coverage exactly equal to the confidence.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench_lib.stats import descriptive as stats
from bench_lib.stats import two_samples

SKEWED = [1.0, 1.1, 1.2, 1.3, 1.5, 2.0, 3.5, 9.0, 30.0]  # mean 5.6, median 1.5


def _percentile_bootstrap(
    samples: list[float], confidence: float, resamples: int, seed: int
) -> tuple[float, float]:
    data = np.asarray(samples, dtype=float)
    rng = np.random.default_rng(seed)
    medians = np.median(data[rng.integers(0, len(data), size=(resamples, len(data)))], axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(medians, [tail, 1 - tail])
    return float(low), float(high)


def test_the_bootstrap_interval_is_the_95_percent_percentile_interval() -> None:
    skewed = [1.0 + 0.01 * i + (i % 7) ** 3 / 50 for i in range(41)]  # 41 distinct values
    ours = stats.bootstrap_ci(skewed)
    assert ours == _percentile_bootstrap(
        skewed, 0.95, stats.BOOTSTRAP_RESAMPLES, stats.BOOTSTRAP_SEED
    )
    for other in (0.90, 1 - 0.05 / 1.5):  # "95%" computed as 90%, or with the tails split 3 ways
        assert ours != _percentile_bootstrap(
            skewed, other, stats.BOOTSTRAP_RESAMPLES, stats.BOOTSTRAP_SEED
        )
    assert stats.CONFIDENCE == 0.95 and stats.BOOTSTRAP_RESAMPLES == 2000


def test_the_ratio_interval_is_the_95_percent_percentile_interval() -> None:
    base = [10.0, 11.0, 12.0, 10.5, 30.0, 10.2, 10.1]
    cand = [5.0, 5.5, 6.0, 5.2, 20.0, 5.1, 5.3, 5.4]
    rng = np.random.default_rng(stats.BOOTSTRAP_SEED)
    n = stats.BOOTSTRAP_RESAMPLES
    b, c = np.asarray(base), np.asarray(cand)
    bm = np.median(b[rng.integers(0, len(b), (n, len(b)))], axis=1)
    cm = np.median(c[rng.integers(0, len(c), (n, len(c)))], axis=1)
    expected = np.quantile(cm / bm, [0.025, 0.975])  # 95%, two-sided
    assert two_samples.ratio_of_medians_ci(base, cand) == pytest.approx(tuple(expected), rel=1e-12)
    ninety = np.quantile(cm / bm, [0.05, 0.95])
    assert two_samples.ratio_of_medians_ci(base, cand) != pytest.approx(tuple(ninety), rel=1e-3)


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


def _untied(n: int, start: float) -> list[float]:
    return [start + i * 0.37 for i in range(n)]


def test_the_exact_rank_test_up_to_its_sample_size_limit() -> None:
    limit = two_samples.EXACT_RANK_TEST_MAX_N
    at = two_samples.mann_whitney_u(_untied(limit, 0.0), _untied(40, 0.1))
    above = two_samples.mann_whitney_u(_untied(limit + 1, 0.0), _untied(40, 0.1))
    assert at is not None and at.method == "exact"
    assert above is not None and above.method == "normal"
    assert limit == 25


def test_the_exact_rank_test_up_to_its_pair_limit() -> None:
    pairs = two_samples.EXACT_RANK_TEST_MAX_PAIRS
    assert pairs == 100_000
    at = two_samples.mann_whitney_u(_untied(20, 0.0), _untied(pairs // 20, 0.1))  # 20 * 5000 pairs
    above = two_samples.mann_whitney_u(_untied(20, 0.0), _untied(pairs // 20 + 1, 0.1))
    assert at is not None and at.method == "exact"
    assert above is not None and above.method == "normal"


def test_rank_test_u_and_p_against_scipy_on_skewed_samples() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    x, y = SKEWED, [v * 1.7 + 0.05 for v in SKEWED]
    ours = two_samples.mann_whitney_u(x, y)
    theirs = scipy_stats.mannwhitneyu(x, y, alternative="two-sided", method="exact")
    assert ours is not None and ours.u == theirs.statistic
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9)
    tied = two_samples.mann_whitney_u([1.0, 1.0, 2.0, 3.0] * 5, [2.0, 3.0, 3.0, 4.0] * 5)
    ref = scipy_stats.mannwhitneyu(
        [1.0, 1.0, 2.0, 3.0] * 5, [2.0, 3.0, 3.0, 4.0] * 5, method="asymptotic"
    )
    assert tied is not None and tied.method == "normal"
    assert tied.p_value == pytest.approx(ref.pvalue, rel=1e-9)


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


def test_the_ratio_interval_needs_enough_rounds_on_both_sides() -> None:
    enough = [1.0, 1.1, 1.2, 1.3, 1.4, 1.5]
    assert two_samples.ratio_of_medians_ci(enough[:5], enough * 2) is None
    assert two_samples.ratio_of_medians_ci(enough * 2, enough[:5]) is None
    assert two_samples.ratio_of_medians_ci(enough, enough) is not None


def test_ranks_of_one_value() -> None:
    assert two_samples.average_ranks([5.0]) == [1.0]
    assert two_samples.average_ranks([]) == []


def test_rounds_for_precision_of_instant_rounds_spends_the_most() -> None:
    assert stats.rounds_for_precision([0.0, 0.0, 0.0], 0.05, 5, 77, 1.0) == 77


def test_rank_tests_in_the_high_tail_and_of_tiny_tied_samples_against_scipy() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    high, low = [v * 1.7 + 0.05 for v in SKEWED], SKEWED
    ours = two_samples.mann_whitney_u(high, low)  # the first sample larger: U in the high tail
    theirs = scipy_stats.mannwhitneyu(high, low, alternative="two-sided", method="exact")
    assert ours is not None and ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9)
    tiny = two_samples.mann_whitney_u([0.0], [1.0, 1.0, 1.0])  # tied, variance 0.75
    ref = scipy_stats.mannwhitneyu([0.0], [1.0, 1.0, 1.0], method="asymptotic")
    assert tiny is not None and tiny.method == "normal"
    assert tiny.p_value == pytest.approx(ref.pvalue, rel=1e-9) and tiny.p_value < 0.3


def test_the_exact_rank_test_caps_a_centred_u_at_one() -> None:
    # U = 2 of 4 pairs, the centre: both tails are 4/6, twice that is 4/3, capped at 1
    test = two_samples.mann_whitney_u([1.0, 4.0], [2.0, 3.0])
    assert test is not None and test.method == "exact" and test.u == 2.0
    assert test.p_value == 1.0
