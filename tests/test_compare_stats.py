"""The comparison statistics at their edges: n = 0, 1, 2, ties, zero spread, unequal sizes."""

from __future__ import annotations

import math

import pytest

from bench_lib.stats import two_samples, verdict


def test_rank_test_needs_both_samples() -> None:
    assert two_samples.mann_whitney_u([], [1.0, 2.0]) is None
    assert two_samples.mann_whitney_u([1.0], []) is None


def test_rank_test_of_one_value_each_is_never_significant() -> None:
    test = two_samples.mann_whitney_u([1.0], [2.0])
    assert test is not None and test.method == "exact" and test.p_value == 1.0


def test_rank_test_of_two_each_cannot_reach_five_percent() -> None:
    test = two_samples.mann_whitney_u([1.0, 2.0], [3.0, 4.0])
    assert test is not None and test.p_value == pytest.approx(2 / 6)


def test_exact_rank_test_matches_the_textbook_value() -> None:
    # 5 vs 5, complete separation: 2 of C(10, 5) = 252 orderings are as extreme (two-sided)
    test = two_samples.mann_whitney_u([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    assert test is not None and test.u == 0 and test.p_value == pytest.approx(2 / 252)


def test_u_distribution_counts_every_ordering() -> None:
    counts = two_samples._u_distribution(4, 6)
    assert sum(counts) == math.comb(10, 4) and counts == counts[::-1]


@pytest.mark.parametrize("n", [1, 2, 5, 40])
def test_identical_samples_give_p_one(n: int) -> None:
    test = two_samples.mann_whitney_u([3.0] * n, [3.0] * n)
    assert test is not None and test.p_value == 1.0


def test_same_values_in_both_samples_are_not_a_difference() -> None:
    samples = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    test = two_samples.mann_whitney_u(samples, list(reversed(samples)))
    assert test is not None and test.p_value == 1.0


def test_large_tied_samples_use_the_corrected_normal_approximation() -> None:
    x = [1.0] * 20 + [2.0] * 20
    y = [2.0] * 20 + [3.0] * 20
    test = two_samples.mann_whitney_u(x, y)
    assert test is not None and test.method == "normal" and test.p_value < 1e-6


def test_unequal_sample_sizes_are_tested_not_crashed() -> None:
    test = two_samples.mann_whitney_u([1.0, 1.1, 0.9], [2.0 + i / 100 for i in range(40)])
    assert test is not None and 0 < test.p_value < 0.05  # pyperf reports a crash here


def test_average_ranks_share_ties() -> None:
    assert two_samples.average_ranks([10.0, 20.0, 10.0, 30.0]) == [1.5, 3.0, 1.5, 4.0]
    assert two_samples.average_ranks([]) == []


def test_holm_is_monotone_capped_and_in_input_order() -> None:
    assert two_samples.holm_adjust([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert two_samples.holm_adjust([0.5, 0.9]) == [1.0, 1.0]
    assert two_samples.holm_adjust([]) == []
    assert two_samples.holm_adjust([0.02]) == [0.02]


def test_ratio_interval_needs_three_rounds_each() -> None:
    assert two_samples.ratio_of_medians_ci([1.0, 1.0], [1.0, 1.0, 1.0]) is None
    assert two_samples.ratio_of_medians_ci([], []) is None


def test_ratio_interval_of_zero_spread_is_a_point() -> None:
    assert two_samples.ratio_of_medians_ci([2.0] * 6, [3.0] * 7) == (1.5, 1.5)


def test_ratio_interval_contains_the_ratio_and_is_reproducible() -> None:
    base = [1.0, 1.1, 0.9, 1.05, 0.95, 1.0, 1.02]
    cand = [2.0, 2.2, 1.8, 2.1, 1.9, 2.0]
    low, high = two_samples.ratio_of_medians_ci(base, cand) or (0.0, 0.0)
    assert low <= 2.0 <= high
    assert two_samples.ratio_of_medians_ci(base, cand) == (low, high)


def test_ratio_interval_of_a_zero_baseline_is_none() -> None:
    assert two_samples.ratio_of_medians_ci([0.0] * 5, [1.0] * 5) is None


def test_geometric_mean_edges() -> None:
    assert two_samples.geometric_mean([]) is None
    assert two_samples.geometric_mean([2.0, 0.5]) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        two_samples.geometric_mean([1.0, 0.0])


def test_speed_turns_times_and_rates_the_same_way() -> None:
    assert verdict.speed_of(0.5, higher_is_better=False) == 2.0  # half the time: twice as fast
    assert verdict.speed_of(2.0, higher_is_better=True) == 2.0
    assert verdict.slowdown(0.8) == pytest.approx(0.25)


@pytest.mark.parametrize(("n_base", "n_cand"), [(0, 0), (0, 30), (1, 1), (1, 30), (30, 1)])
def test_fewer_than_two_blocks_a_side_are_always_inconclusive(n_base: int, n_cand: int) -> None:
    word, _ = verdict.decide(3.0, (2.9, 3.1), 1e-9, n_base, n_cand)
    assert word == "inconclusive"


def test_verdict_words() -> None:
    decide = verdict.decide
    assert decide(1.01, (0.99, 1.03), 0.5, 30, 30)[0] == "same"
    assert decide(1.01, (0.99, 1.03), 0.001, 30, 30)[0] == "same"  # real, but too small
    assert decide(1.5, (1.3, 1.7), 0.001, 30, 30)[0] == "faster"
    assert decide(0.6, (0.5, 0.7), 0.001, 30, 30)[0] == "slower"
    assert decide(1.5, (1.3, 1.7), 0.2, 30, 30)[0] == "inconclusive"  # not significant
    assert decide(1.5, (0.9, 1.7), 0.01, 30, 30)[0] == "inconclusive"  # interval spans 1
    assert decide(1.03, (1.01, 1.08), 0.01, 30, 30)[0] == "inconclusive"  # below min effect
    assert decide(None, None, None, 30, 30)[0] == "inconclusive"


def test_same_band_is_symmetric_for_times_and_rates() -> None:
    rate = verdict.decide(1.04, (1.0, 1.049), 0.5, 10, 10)
    time = verdict.decide(1 / 1.04, (1 / 1.049, 1.0), 0.5, 10, 10)
    assert rate[0] == time[0] == "same"


def test_the_exact_rank_test_is_chosen_by_the_smaller_sample() -> None:
    # 5 vs 200 fully separated: exactly 2 of C(205, 5) orderings are as extreme
    test = two_samples.mann_whitney_u([float(i) for i in range(5)], [10.0 + i for i in range(200)])
    assert test is not None and test.method == "exact"
    assert test.p_value == pytest.approx(2 / math.comb(205, 5), rel=1e-9)


def test_exact_and_normal_rank_tests_agree_with_scipy() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    import random

    rng = random.Random(3)
    for n1, n2 in ((4, 9), (12, 30), (40, 60)):
        x = [rng.lognormvariate(0, 1) for _ in range(n1)]
        y = [rng.lognormvariate(0.5, 1) for _ in range(n2)]
        ours = two_samples.mann_whitney_u(x, y)
        method = "exact" if min(n1, n2) <= two_samples.EXACT_RANK_TEST_MAX_N else "asymptotic"
        theirs = scipy_stats.mannwhitneyu(x, y, alternative="two-sided", method=method)
        assert ours is not None and ours.u == theirs.statistic
        assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-6)


def test_the_regression_gate_names_slower_figures_beyond_the_threshold_only() -> None:
    from types import SimpleNamespace

    def fig(word: str, speed: float | None) -> SimpleNamespace:
        return SimpleNamespace(subject="ipc", name="stream", figure="op", verdict=word, speed=speed)

    figures = [fig("slower", 0.8), fig("slower", 0.95), fig("faster", 0.5), fig("slower", None)]
    lines = verdict.regressions([("cand", figures)], 10.0)
    assert lines == ["REGRESSION cand: ipc stream: op takes 25% longer (> 10%)"]
    assert verdict.regressions([("cand", figures)], 30.0) == []
