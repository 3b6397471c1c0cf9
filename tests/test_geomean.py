"""compare's geometric means: a t interval over per-block means of the benchmarks' log speeds."""

from __future__ import annotations

import math

import pytest

from bench_lib.compare.geomean import geomean
from bench_lib.compare.pairs import FigureComparison
from bench_lib.stats import replicates


def fig(
    case: str,
    base: tuple[float, ...],
    cand: tuple[float, ...],
    speed: float = 1.0,
    paired: bool = False,
    higher_is_better: bool = False,
) -> FigureComparison:
    """A compared round figure whose blocks' medians are ``base`` and ``cand``."""
    return FigureComparison(
        subject="s", case=case, params=(), figure="round", unit="s", source="round",
        higher_is_better=higher_is_better, baseline=1.0, candidate=1.0, baseline_ci=None,
        candidate_ci=None, n_baseline=10, n_candidate=10, blocks_baseline=len(base),
        blocks_candidate=len(cand), ratio=1.0, ratio_ci=None, speed=speed, log_se=None,
        p_value=None, p_adjusted=None, verdict="inconclusive", reason="", noisy=False,
        paired=paired, baseline_blocks=base, candidate_blocks=cand,
    )  # fmt: skip


def _speeds(blocks: tuple[float, ...]) -> list[float]:
    return [-math.log(v) for v in blocks]  # round times: the speed is the inverse


def test_rows_are_cut_to_the_fewest_blocks_any_benchmark_has() -> None:
    a = fig("a", (1.0, 1.1, 0.9, 1.3), (1.2, 1.0, 1.1, 0.7))
    b = fig("b", (2.0, 2.4, 1.8), (2.2, 2.0, 2.6))
    s = geomean("s", [a, b])
    want = replicates.geometric_mean_ratio(
        [_speeds(a.baseline_blocks[:3]), _speeds(b.baseline_blocks)],
        [_speeds(a.candidate_blocks[:3]), _speeds(b.candidate_blocks)],
    )
    assert want is not None and s.figures == 2
    assert s.geomean_speed == pytest.approx(want.ratio)
    assert s.geomean_ci == pytest.approx((want.ci_low, want.ci_high))


def test_paired_rows_are_cut_alike_on_both_sides_and_use_the_one_sample_t() -> None:
    a = fig("a", (1.0, 1.1, 0.9, 1.3), (1.2, 1.0, 1.1), paired=True)
    s = geomean("s", [a])
    want = replicates.geometric_mean_ratio(
        [_speeds(a.baseline_blocks[:3])], [_speeds(a.candidate_blocks)], paired=True
    )
    assert want is not None and s.geomean_ci == pytest.approx((want.ci_low, want.ci_high))
    welch = geomean("s", [fig("a", a.baseline_blocks, a.candidate_blocks)])  # not paired
    assert welch.geomean_ci != s.geomean_ci


def test_one_block_zero_or_infinite_blocks_and_infinite_speeds_stay_out() -> None:
    good = fig("good", (1.0, 1.2, 1.1), (1.1, 1.0, 1.3))
    alone = geomean("s", [good])
    for other in (
        fig("one", (1.0,), (2.0,)),  # no replicate
        fig("lopsided", (1.0,), (2.0, 2.1, 1.9)),  # one block on one side is none either
        fig("two", (1.0, 1.2), (2.0, 2.2)),  # two blocks: kept (below)
        fig("zero", (0.0, 1.0, 1.0), (1.0, 1.0, 1.0)),
        fig("inf", (1.0, 1.0, 1.0), (math.inf, 1.0, 1.0)),
        fig("fast", (1.0, 1.2, 1.1), (1.1, 1.0, 1.3), speed=math.inf),
        fig("empty", (), ()),
    ):
        s = geomean("s", [good, other])
        if other.case == "two":
            assert s.figures == 2
        else:
            assert (s.figures, s.geomean_speed, s.geomean_ci) == (
                alone.figures,
                alone.geomean_speed,
                alone.geomean_ci,
            ), other.case


def test_without_any_blocks_the_plain_geometric_mean_and_no_interval() -> None:
    s = geomean("s", [fig("a", (1.0,), (2.0,), speed=0.5), fig("b", (1.0,), (1.0,), speed=2.0)])
    assert (s.geomean_speed, s.figures, s.geomean_ci) == (pytest.approx(1.0), 2, None)
    assert geomean("s", []).geomean_speed is None
