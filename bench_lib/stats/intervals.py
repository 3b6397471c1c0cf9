"""A figure's interval from its blocks, and what the order of its rounds says about the machine.

Rounds of one block share its processes, placement and moment; on a VM whose speed flips
between states that last seconds to minutes they are autocorrelated, so an interval that pools
every round as if independent is far too narrow (it held another run's median 54-58% of the
time). The blocks, made as passes over the suite and so spread over the run, are the
independent replicates (docs/design.md, principle 15): a figure is the median of each block's
rounds, averaged over the blocks on a log scale (their geometric mean), and its interval is
Student's t over those log block medians. The centre is the blocks' mean, not the median of
every round pooled: on a machine with two speed states the pooled median jumps from one state
to the other with the share of rounds each got, far more than the blocks' mean moves, and an
interval from the blocks around it held the next run's figure 60-72% of the time in the model
(``tools/coverage_model.py``) where this one holds it at its nominal rate. With fewer than
MIN_BLOCKS_FOR_INTERVAL blocks there is no interval, and the figure is flagged.

The order of the rounds inside each block is a diagnostic (:func:`lag1_autocorrelation`,
:func:`longest_slow_spell`): it feeds noise flags (:mod:`bench_lib.stats.noise`), not the
interval. Plain Python: the measuring process calls this.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bench_lib.stats import descriptive as stats
from bench_lib.stats.descriptive import CONFIDENCE
from bench_lib.stats.replicates import blocks_of as blocks_of
from bench_lib.stats.replicates import t_quantile

MIN_BLOCKS_FOR_INTERVAL = 3  # two blocks give a standard deviation, but on a two-state
# machine both sit in one state half the time, and the interval is then as tight as the
# rounds: in the model, 2-block intervals held the next run's figure 59-79% of the time
# against 93% nominal; 3 blocks reach 83-98% of nominal, 4 blocks 97% or more
AUTOCORRELATED = 0.5  # lag-1 autocorrelation of rounds above this: n rounds carry the
# information of about n (1 - r) / (1 + r) independent ones, a third at 0.5 (Box & Jenkins),
# so more rounds buy little and more blocks are what narrows the interval
MIN_PAIRS_FOR_AUTOCORRELATION = 8  # fewer neighbouring pairs: the estimate's own error
# (about 1 / sqrt(pairs)) is as large as the threshold
SLOW_FACTOR = 1.25  # a round this much slower than the figure's median is "slow": about the
# geometric middle of two speed states 1.6x apart, the model's ratio (tools/coverage_model.py)
SLOW_SPELL_ROUNDS = 5  # this many slow rounds in a row: a spell of the machine, not chance
# (if a quarter of rounds were slow at random, five in a row would happen about 1 in 1000)

Method = Literal["blocks-t", "blocks-t-linear", "none"]


@dataclass(frozen=True)
class Interval:
    """A figure: the geometric mean of its block medians, with its interval from the blocks."""

    median: float  # of one block's rounds; over several, their medians' geometric mean
    ci_low: float | None  # None with fewer than MIN_BLOCKS_FOR_INTERVAL blocks
    ci_high: float | None
    blocks: int  # independent blocks the interval was built from
    method: Method  # "blocks-t": t over log block medians; "-linear" when a block median is
    # 0 or negative (no log); "none": too few blocks, or a median that is not finite

    @property
    def rel_half_width(self) -> float | None:
        """Half the interval's width over the figure (what the wide-interval flag reads)."""
        if self.ci_low is None or self.ci_high is None or self.median <= 0:
            return None
        return (self.ci_high - self.ci_low) / 2 / self.median


def block_interval(
    values: Sequence[float], sizes: object, confidence: float = CONFIDENCE
) -> Interval:
    """A figure of ``values`` with a t interval over its blocks (``sizes``: rounds per block,
    as ``info.block_rounds``; missing or wrong sizes make one block, so no interval).

    The figure is exp(mean log block median), the interval that x exp(+-t se), se the standard
    error of the mean log block median: a ratio-scale spread, right for times and rates alike.
    With a block median of 0 or below (no log) both are on the linear scale; with fewer than
    MIN_BLOCKS_FOR_INTERVAL blocks the figure is the median of every value, without interval.
    """
    if not values:
        raise ValueError("an interval of no values")
    blocks = blocks_of(values, sizes)
    mid = stats.median(values)
    medians = [stats.median(b) for b in blocks]
    k = len(medians)
    if k < MIN_BLOCKS_FOR_INTERVAL or not all(math.isfinite(m) for m in (*medians, mid)):
        return Interval(mid, None, None, k, "none")
    t = t_quantile(1 - confidence, k - 1)
    if all(m > 0 for m in medians):
        logs = [math.log(m) for m in medians]
        centre = math.exp(statistics.fmean(logs))
        if min(medians) == max(medians):  # exp(log x) is not always x to the last digit
            centre = medians[0]  # pragma: no mutate (any one of equal medians)
        half = t * statistics.stdev(logs) / math.sqrt(k)
        return Interval(centre, centre * math.exp(-half), centre * math.exp(half), k, "blocks-t")
    centre = statistics.fmean(medians)
    half = t * statistics.stdev(medians) / math.sqrt(k)
    return Interval(centre, centre - half, centre + half, k, "blocks-t-linear")


def lag1_autocorrelation(blocks: Sequence[Sequence[float]]) -> float | None:
    """Lag-1 autocorrelation of rounds, neighbours taken inside each block only (blocks are
    apart in time), each block centred on its own mean; None with too few pairs or no spread."""
    pairs: list[tuple[float, float]] = []
    squares = 0.0
    for block in blocks:
        if len(block) < 2:
            continue
        mean = statistics.fmean(block)
        centred = [x - mean for x in block]
        squares += sum(c * c for c in centred)
        pairs.extend(itertools.pairwise(centred))
    if len(pairs) < MIN_PAIRS_FOR_AUTOCORRELATION or squares <= 0:
        return None
    return sum(a * b for a, b in pairs) / squares


def longest_slow_spell(blocks: Sequence[Sequence[float]], higher_is_better: bool = False) -> int:
    """The most consecutive rounds of one block that are SLOW_FACTOR slower than the median of
    all rounds (round times: longer; rates: lower)."""
    every = [x for block in blocks for x in block]
    if not every:
        return 0
    mid = stats.median(every)
    longest = 0
    for block in blocks:
        run = 0
        for x in block:
            slow = x * SLOW_FACTOR < mid if higher_is_better else x > mid * SLOW_FACTOR
            run = run + 1 if slow else 0
            longest = max(longest, run)
    return longest
