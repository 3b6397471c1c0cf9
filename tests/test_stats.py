from __future__ import annotations

import math

import pytest

from bench_lib.stats import descriptive as stats


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


def test_the_median_is_a_median_on_skewed_data() -> None:
    skewed = [1.0, 1.0, 1.0, 1.1, 1.2, 9.0, 30.0]  # mean 6.33
    assert stats.median(skewed) == 1.1
    assert stats.summarize(skewed).median == 1.1


@pytest.mark.parametrize(
    ("n", "ranks"),
    [(5, None), (6, (1, 6)), (8, (1, 8)), (9, (2, 8)), (20, (6, 15)), (100, (40, 61))],
)
def test_order_statistic_ranks_match_the_binomial_tables(
    n: int, ranks: tuple[int, int] | None
) -> None:
    # ranks from the exact Binomial(n, 1/2) tail (e.g. Conover, Practical Nonparametric
    # Statistics, table A3): the widest interval still >= 95%, never the next narrower one
    assert stats.order_statistic_ranks(n) == ranks


def test_median_interval_covers_the_true_median_95_percent_of_the_time() -> None:
    import random

    rng = random.Random(7)
    true_median = 1.0  # lognormal(0, 1) has median e^0 = 1; skewed, so mean-based CIs miss
    for n in (6, 9, 25):
        hits = 0
        trials = 2000
        for _ in range(trials):
            low, high = stats.median_ci([rng.lognormvariate(0, 1) for _ in range(n)]) or (0, 0)
            hits += low <= true_median <= high
        assert 0.94 <= hits / trials <= 0.995, (n, hits / trials)  # exact: 95.7-96.9%


def test_quartiles_interpolate_like_numpy() -> None:
    import numpy as np

    data = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]
    assert stats.quartiles(data) == pytest.approx(tuple(np.quantile(data, [0.25, 0.75])))


def test_summarizing_rounds_does_not_load_numpy() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from bench_lib.stats import descriptive as stats; "
        "stats.summarize([1.0, 2.0, 3.0] * 4); "
        "print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- known answers at the edges (each pins one rule a mutation would break) -----------------


def test_median_of_an_even_count_is_the_midpoint_of_the_middle_two() -> None:
    assert stats.median([20.0, 1.0, 10.0, 2.0]) == 6.0
    assert stats.median([3.0, 5.0]) == 4.0
    assert stats.median([7.0]) == 7.0


def test_bootstrap_interval_at_the_size_where_intervals_begin() -> None:
    assert stats.bootstrap_ci([1.0] * (stats.MIN_SAMPLES_FOR_INTERVAL - 1)) is None
    low, high = stats.bootstrap_ci([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]) or (0.0, 0.0)
    assert 1.0 <= low <= 3.5 <= high <= 6.0


def test_spreads_have_their_textbook_values() -> None:
    data = [1.0, 2.0, 3.0, 4.0]
    assert stats.coefficient_of_variation(data) == pytest.approx(1.2909944 / 2.5)
    assert stats.coefficient_of_variation([5.0]) is None
    assert stats.coefficient_of_variation([-1.0, 1.0]) is None  # mean 0
    # median 3, absolute deviations 2 1 0 1 97: MAD 1
    assert stats.robust_cv([1.0, 2.0, 3.0, 4.0, 100.0]) == pytest.approx(1.4826 / 3)
    assert stats.robust_cv([1.0]) is None and stats.robust_cv([-1.0, 0.0, 1.0]) is None


def test_tukey_fences_are_exclusive() -> None:
    data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]  # with a 9th, largest point: Q1 3, Q3 7
    fence = 7.0 + 1.5 * 4.0  # 13
    assert stats.tukey_outliers([*data, fence]) == 0
    assert stats.tukey_outliers([*data, fence + 0.01]) == 1
    assert stats.tukey_outliers([1.0, 2.0, 100.0]) == 0  # three points fence nothing


def test_order_statistic_ranks_agree_with_a_brute_force_binomial() -> None:
    for n in range(1, 60):
        best = None
        for j in range(1, n // 2 + 1):
            coverage = 1 - 2 * sum(math.comb(n, i) for i in range(j)) / 2**n
            if coverage >= 0.95:
                best = (j, n + 1 - j)
        assert stats.order_statistic_ranks(n) == best, n


def test_rounds_for_precision_follows_its_formula() -> None:
    pilot = [1.0, 1.1, 0.9]  # cv 0.1
    wanted = math.ceil((2.45 * 0.1 / 0.02) ** 2)  # 151
    assert stats.rounds_for_precision(pilot, 0.02, 5, 1000, budget_s=1e9) == wanted
    assert stats.rounds_for_precision(pilot, 0.02, 5, 1000, budget_s=50.0) == 50  # 50 / 1.0 s


def test_summary_keeps_the_extremes() -> None:
    s = stats.summarize([3.0, 1.0, 2.0])
    assert (s.minimum, s.maximum, s.n, s.median) == (1.0, 3.0, 3, 2.0)
