"""A figure's interval from its blocks, and the time-order diagnostics of its rounds."""

from __future__ import annotations

import math
import statistics

import pytest

from bench_lib.stats import intervals, noise, replicates


def test_no_values_is_an_error() -> None:
    with pytest.raises(ValueError):
        intervals.block_interval([], [])


@pytest.mark.parametrize(
    ("sizes", "blocks"),
    [(None, 1), ([6], 1), ([3, 3], 2), ([2, 2, 1], 1), ("3,3", 1), ([3, 0, 3], 1)],
)
def test_fewer_than_three_blocks_or_unusable_sizes_give_no_interval(
    sizes: object, blocks: int
) -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    iv = intervals.block_interval(values, sizes)
    assert (iv.ci_low, iv.ci_high, iv.method, iv.blocks) == (None, None, "none", blocks)
    assert iv.median == statistics.median(values)  # without an interval: every round's median


def test_three_blocks_give_t_over_their_log_medians_around_their_geometric_mean() -> None:
    values = [1.0, 1.1, 0.9, 2.0, 2.2, 1.8, 8.0, 8.8, 7.2]  # block medians 1, 2, 8
    iv = intervals.block_interval(values, [3, 3, 3])
    logs = [0.0, math.log(2.0), math.log(8.0)]
    centre = 16 ** (1 / 3)  # (1 x 2 x 8) ** (1/3): not the pooled median (2.0), nor the middle
    half = replicates.t_quantile(0.05, 2) * statistics.stdev(logs) / math.sqrt(3)
    assert iv.method == "blocks-t" and iv.blocks == 3
    assert iv.median == pytest.approx(centre)
    assert iv.ci_low == pytest.approx(centre * math.exp(-half))
    assert iv.ci_high == pytest.approx(centre * math.exp(half))
    small = intervals.block_interval([x / 10 for x in values], [3, 3, 3])  # medians under 1
    assert small.method == "blocks-t" and small.median == pytest.approx(centre / 10)
    narrower = intervals.block_interval(values, [3, 3, 3], confidence=0.5)
    assert iv.ci_low < narrower.ci_low < narrower.ci_high < iv.ci_high  # type: ignore[operator]


def test_identical_blocks_give_a_point_and_rounds_alone_never_narrow_it() -> None:
    same = intervals.block_interval([1.0, 1.5, 2.0] * 3, [3, 3, 3])
    assert same.ci_low == pytest.approx(1.5) and same.ci_high == pytest.approx(1.5)
    # many tight rounds in blocks that disagree: as wide as the blocks say, not as the rounds
    wide = intervals.block_interval([1.0] * 50 + [1.3] * 50 + [1.0] * 50, [50, 50, 50])
    assert wide.ci_low is not None and wide.ci_high is not None
    assert wide.ci_high / wide.ci_low > 1.3


def test_a_block_median_of_zero_falls_back_to_the_linear_scale() -> None:
    iv = intervals.block_interval([0.0, 0.0, 1.0, 1.0, 5.0, 5.0], [2, 2, 2])  # medians 0, 1, 5
    half = replicates.t_quantile(0.05, 2) * statistics.stdev([0.0, 1.0, 5.0]) / math.sqrt(3)
    assert iv.method == "blocks-t-linear" and iv.median == 2.0  # their mean
    assert iv.ci_low == pytest.approx(2.0 - half) and iv.ci_high == pytest.approx(2.0 + half)
    assert intervals.block_interval([1.0, math.inf, 1.0], [1, 1, 1]).method == "none"


def test_lag1_autocorrelation_sees_drift_inside_blocks_only() -> None:
    trend = [[float(i) for i in range(10)]]  # a steady drift: neighbours alike
    assert intervals.lag1_autocorrelation(trend) == pytest.approx(0.7)
    alternating = [[1.0, 2.0] * 5]
    assert intervals.lag1_autocorrelation(alternating) == pytest.approx(-0.9)
    # the jump between two blocks is no neighbour: each block is centred on itself
    steps = [[1.0, 2.0] * 3, [10.0, 11.0] * 3]
    assert intervals.lag1_autocorrelation(steps) == pytest.approx(-10 / 12)
    assert intervals.lag1_autocorrelation([[1.0] * 20]) is None  # no spread
    pairs_of_two = [[1.0, 2.0]] * 8  # blocks of two rounds are one pair each
    assert intervals.lag1_autocorrelation(pairs_of_two) == pytest.approx(-0.5)
    skewed = [[0.0, 0.0, 0.0, 9.0]] * 3  # centred on its mean (2.25), not its median (0)
    assert intervals.lag1_autocorrelation(skewed) == pytest.approx(-1 / 12)  # by a median: 0
    few = [[1.0, 2.0, 3.0]] * 4  # 8 pairs: just enough
    assert intervals.lag1_autocorrelation(few) is not None
    assert intervals.lag1_autocorrelation(few[:3]) is None  # 6 pairs: not enough


def test_the_longest_slow_spell_counts_consecutive_slow_rounds_within_a_block() -> None:
    fast, slow = 1.0, 1.6
    blocks = [[fast] * 10, [fast, slow, slow, slow, fast], [slow, slow, fast, fast, fast]]
    assert intervals.longest_slow_spell(blocks) == 3
    assert intervals.longest_slow_spell([[fast] * 8, [slow] * 2, [slow] * 3]) == 3  # not 5
    rates = [[1 / fast] * 10, [1 / slow] * 6]  # a rate is slow when it is low
    assert intervals.longest_slow_spell(rates, higher_is_better=True) == 6
    assert intervals.longest_slow_spell(rates) == 0
    assert intervals.longest_slow_spell([]) == 0
    edge = [[4.0] * 11, [5.0] * 9]  # exactly SLOW_FACTOR (1.25) slower than the median: not slow
    assert intervals.longest_slow_spell(edge) == 0
    rate_edge = [[5.0] * 11, [4.0] * 9]
    assert intervals.longest_slow_spell(rate_edge, higher_is_better=True) == 0


def test_time_order_flags_carry_their_cause_and_advice() -> None:
    quiet = noise.Signals(0.01, 0.01, 30, 0.0, 0.0, 0.0, 2, 4, 0.1, 0)
    assert noise.noise_flags(quiet) == []
    drifting = noise.Signals(0.01, 0.01, 30, 0.0, 0.0, 0.0, 2, 4, 0.6, 5)
    flags = {f.code: f.message for f in noise.noise_flags(drifting)}
    assert set(flags) == {"autocorrelated", "slow-spell"}
    assert "0.60" in flags["autocorrelated"] and "--blocks" in flags["autocorrelated"]
    assert flags["slow-spell"].startswith("5 rounds in a row")
    at = noise.Signals(0.01, 0.01, 30, 0.0, 0.0, 0.0, 2, 4, intervals.AUTOCORRELATED, 4)
    assert noise.noise_flags(at) == []  # at the thresholds: not yet


def test_too_few_blocks_are_flagged_except_in_smoke() -> None:
    two = noise.Signals(None, 0.01, 30, 0.0, 0.0, 0.0, 2, 2)
    (flag,) = noise.noise_flags(two)
    assert flag.code == "few-blocks" and "--profile standard" in flag.message
    assert noise.noise_flags(two, min_rounds=0) == []  # smoke: one round, no claim
    assert noise.noise_flags(noise.Signals(None, 0.01, 30, 0.0, 0.0, 0.0, 2, 3)) == []
    assert noise.noise_flags(noise.Signals(None, 0.01, 30, 0.0, 0.0, 0.0, 2)) == []  # unknown


def test_order_signals_read_the_blocks_of_the_rounds() -> None:
    values = [1.0] * 8 + [1.0, 1.6, 1.6, 1.6, 1.6, 1.6, 1.0, 1.0]
    s = noise.order_signals(values, [8, 8])
    assert (s.blocks, s.slow_spell_rounds, s.rounds) == (2, 5, 16)
    assert s.lag1_autocorrelation is not None and s.lag1_autocorrelation > 0
    split = [1.0] * 10 + [1.6] * 3 + [1.6] * 3 + [1.0] * 10  # a spell cut by a block boundary
    assert noise.order_signals(split, [13, 13]).slow_spell_rounds == 3
    assert noise.order_signals(split, None).slow_spell_rounds == 6


def test_the_relative_half_width_is_what_the_wide_interval_flag_reads() -> None:
    iv = intervals.Interval(10.0, 9.0, 12.0, 3, "blocks-t")
    assert iv.rel_half_width == pytest.approx(0.15)
    assert intervals.Interval(10.0, None, None, 1, "none").rel_half_width is None
    assert intervals.Interval(0.0, -1.0, 1.0, 3, "blocks-t-linear").rel_half_width is None
