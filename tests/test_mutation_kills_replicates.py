"""Block statistics against scipy as an independent implementation, and their edges by known
answers: Welch's t on log block medians, the t tail on both branches of the continued fraction,
block medians from block sizes, and the geometric-mean interval.
"""

from __future__ import annotations

import math
import statistics

import pytest

from bench_lib.stats import replicates


@pytest.mark.parametrize(
    ("base", "cand"),
    [
        ([1.0, 1.1, 0.9], [2.0, 2.2, 1.9, 2.1]),  # clearly different
        ([1.0, 1.02, 0.99, 1.01], [1.01, 0.98, 1.0]),  # the same
        ([5.0, 9.0], [6.0, 7.5, 12.0, 3.0, 8.0]),  # wide, unequal sizes: fractional df
    ],
)
def test_block_ratio_is_welch_on_logs_like_scipy(base: list[float], cand: list[float]) -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    ours = replicates.block_ratio(base, cand)
    logs_b, logs_c = [math.log(v) for v in base], [math.log(v) for v in cand]
    welch = scipy_stats.ttest_ind(logs_c, logs_b, equal_var=False)
    assert ours is not None and ours.p_value == pytest.approx(welch.pvalue, rel=1e-8)
    diff = sum(logs_c) / len(logs_c) - sum(logs_b) / len(logs_b)
    assert ours.ratio == pytest.approx(math.exp(diff))
    va = scipy_stats.tvar(logs_b) / len(logs_b)
    vc = scipy_stats.tvar(logs_c) / len(logs_c)
    se = math.sqrt(va + vc)
    df = (va + vc) ** 2 / (va**2 / (len(logs_b) - 1) + vc**2 / (len(logs_c) - 1))
    half = scipy_stats.t.ppf(0.975, df) * se
    assert ours.log_se == pytest.approx(se)
    assert ours.ci_low == pytest.approx(math.exp(diff - half), rel=1e-8)
    assert ours.ci_high == pytest.approx(math.exp(diff + half), rel=1e-8)
    assert ours.blocks == (len(base), len(cand))


@pytest.mark.parametrize("df", [1.0, 2.5, 7.0, 40.0])
@pytest.mark.parametrize("t", [0.05, 0.7, 1.5, 3.0, 12.0, -2.0])
def test_t_tail_on_both_branches_like_scipy(t: float, df: float) -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    expected = 2 * scipy_stats.t.sf(abs(t), df)
    assert replicates.t_two_sided_p(t, df) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_t_tail_edges() -> None:
    assert replicates.t_two_sided_p(0.0, 5.0) == 1.0
    assert replicates.t_two_sided_p(math.inf, 5.0) == 0.0
    assert replicates.t_two_sided_p(-math.inf, 5.0) == 0.0
    assert replicates.t_two_sided_p(1e200, 5.0) == 0.0  # t * t overflows: x = 0, no log(0)
    assert replicates.t_quantile(0.05, 1e6) == pytest.approx(1.959964, rel=1e-5)


def test_block_ratio_edges() -> None:
    assert replicates.block_ratio([], [1.0]) is None
    assert replicates.block_ratio([1.0, 0.0], [1.0, 1.0]) is None  # a zero block median
    assert replicates.block_ratio([1.0, 1.0], [1.0, math.inf]) is None
    same = replicates.block_ratio([2.0, 2.0], [2.0, 2.0])
    assert same is not None and (same.p_value, same.ci_low, same.ci_high) == (1.0, 1.0, 1.0)
    apart = replicates.block_ratio([2.0, 2.0], [4.0, 4.0])
    assert apart is not None and apart.p_value == 0.0 and apart.ratio == pytest.approx(2.0)
    assert apart.log_se == 0.0
    one = replicates.block_ratio([2.0], [4.0, 4.2])
    assert one is not None and one.p_value is None and one.ci_low is None
    assert one.ratio == pytest.approx(math.exp((math.log(4.0) + math.log(4.2)) / 2 - math.log(2)))
    assert replicates.MIN_BLOCKS == 2


def test_block_medians_follow_the_sizes_or_fall_back_to_one_block() -> None:
    values = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0, 40.0]
    assert replicates.block_medians(values, [3, 4]) == (2.0, 25.0)
    assert replicates.block_medians(values, [3, 3]) == (10.0,)  # sizes do not add up
    assert replicates.block_medians(values, [3, 0, 4]) == (10.0,)  # an empty block
    assert replicates.block_medians(values, None) == (10.0,)
    assert replicates.block_medians([], [1]) == ()


def test_geometric_mean_interval_is_welch_t_over_per_block_means() -> None:
    """Two benchmarks of three blocks a side: each block's mean log speed over the benchmarks
    is one replicate; the interval is Welch's t over those, as block_ratio computes it."""
    base = [[0.0, 0.1, 0.2], [1.0, 1.3, 1.0]]
    cand = [[0.5, 0.4, 0.6], [1.5, 1.2, 1.7]]
    means_b = [statistics.fmean(c) for c in zip(*base)]
    means_c = [statistics.fmean(c) for c in zip(*cand)]
    assert replicates.per_block_means(base) == pytest.approx(means_b)
    got = replicates.geometric_mean_ratio(base, cand)
    want = replicates.block_ratio([math.exp(x) for x in means_b], [math.exp(x) for x in means_c])
    assert got is not None and want is not None
    assert (got.ratio, got.ci_low, got.ci_high) == pytest.approx(
        (want.ratio, want.ci_low, want.ci_high)
    )
    assert got.ratio == pytest.approx(
        math.exp(statistics.fmean(means_c) - statistics.fmean(means_b))
    )
    # paired: the one-sample t over pass k of A against pass k of B, df = blocks - 1
    paired = replicates.geometric_mean_ratio(base, cand, paired=True)
    diffs = [c - b for b, c in zip(means_b, means_c)]
    half = replicates.t_quantile(0.05, 2) * statistics.stdev(diffs) / math.sqrt(3)
    assert paired is not None and paired.ci_low == pytest.approx(
        math.exp(statistics.fmean(diffs) - half)
    )
    assert replicates.geometric_mean_ratio([], cand) is None
    assert replicates.geometric_mean_ratio([[0.0, 1.0], [0.0]], cand) is None  # ragged blocks
    assert replicates.geometric_mean_ratio(base, [[0.0, 1.0]], paired=True) is None
