"""The paired block ratio (a figure and the baseline timed beside it, block by block) against
scipy's one-sample t test on the blocks' log ratios, and at each of its edges."""

from __future__ import annotations

import math

import pytest
from scipy import stats as scipy_stats

from bench_lib.stats import replicates


def test_the_paired_ratio_is_scipys_one_sample_t_on_log_ratios() -> None:
    base = [1.0, 2.0, 4.0, 3.0]
    cand = [0.52, 0.95, 2.1, 1.45]  # about half, block by block, with skew
    r = replicates.paired_block_ratio(base, cand)
    assert r is not None
    logs = [math.log(c / b) for b, c in zip(base, cand)]
    n = len(logs)
    se = scipy_stats.sem(logs)
    half = scipy_stats.t.ppf(0.975, n - 1) * se
    assert r.ratio == pytest.approx(math.exp(sum(logs) / n))
    assert r.log_se == pytest.approx(se)
    assert (r.ci_low, r.ci_high) == pytest.approx(
        (math.exp(sum(logs) / n - half), math.exp(sum(logs) / n + half))
    )
    assert r.p_value == pytest.approx(scipy_stats.ttest_1samp(logs, 0.0).pvalue)
    assert r.blocks == (4, 4)


def test_the_paired_ratio_needs_paired_positive_finite_blocks() -> None:
    assert replicates.paired_block_ratio([], []) is None
    assert replicates.paired_block_ratio([1.0, 2.0], [1.0]) is None
    assert replicates.paired_block_ratio([1.0, 2.0], [1.0, 0.0]) is None
    assert replicates.paired_block_ratio([1.0, math.inf], [1.0, 1.0]) is None
    assert replicates.paired_block_ratio([1.0, 1.0], [1.0, -1.0]) is None


def test_two_blocks_are_enough_for_an_interval_and_one_is_not() -> None:
    assert replicates.MIN_BLOCKS == 2
    one = replicates.paired_block_ratio([2.0], [1.0])
    assert one is not None and one.ratio == 0.5
    assert (one.ci_low, one.ci_high, one.p_value, one.log_se) == (None, None, None, None)
    two = replicates.paired_block_ratio([2.0, 4.0], [1.0, 2.2])
    assert two is not None and two.ci_low is not None and two.p_value is not None


def test_blocks_that_agree_exactly_have_a_point_interval() -> None:
    same = replicates.paired_block_ratio([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert same is not None and (same.ratio, same.ci_low, same.ci_high) == (1.0, 1.0, 1.0)
    assert same.p_value == 1.0 and same.log_se == 0.0
    halved = replicates.paired_block_ratio([2.0, 2.0, 2.0], [1.0, 1.0, 1.0])
    assert halved is not None and halved.ratio == pytest.approx(0.5)
    assert halved.p_value == 0.0 and halved.ci_low == halved.ci_high == halved.ratio


def test_a_block_median_of_0_on_either_side_gives_no_ratio_of_runs() -> None:
    assert replicates.block_ratio([1.0, 2.0], [0.0, 1.0]) is None
    assert replicates.block_ratio([0.0, 2.0], [1.0, 1.0]) is None
    assert replicates.block_ratio([1.0, 2.0], [1.0, 2.0]) is not None


def test_a_block_of_one_round_is_a_block() -> None:
    assert replicates.block_medians([1.0, 5.0, 7.0], [1, 2]) == (1.0, 6.0)
    assert replicates.block_medians([1.0, 5.0, 7.0], [0, 3]) == (5.0,)  # not sizes: one block
