"""Block-level comparison: Student's t in plain Python, Welch on log block medians, edges."""

from __future__ import annotations

import math
import random

import pytest

from bench_lib.stats import replicates


@pytest.mark.parametrize("df", [1.0, 2.0, 3.7, 8.0, 30.0, 200.0])
@pytest.mark.parametrize("t", [0.0, 0.5, 1.96, 3.0, 12.0])
def test_t_tail_matches_scipy(t: float, df: float) -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    expected = 2 * scipy_stats.t.sf(t, df)
    assert replicates.t_two_sided_p(t, df) == pytest.approx(expected, rel=1e-7, abs=1e-15)


@pytest.mark.parametrize("df", [1.0, 2.5, 9.0, 60.0])
def test_t_quantile_inverts_the_tail(df: float) -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    assert replicates.t_quantile(0.05, df) == pytest.approx(scipy_stats.t.ppf(0.975, df), rel=1e-7)


def test_block_ratio_is_welch_on_log_medians() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    base, cand = [1.0, 1.1, 0.95, 1.02], [1.3, 1.25, 1.4]
    r = replicates.block_ratio(base, cand)
    assert r is not None and r.blocks == (4, 3)
    welch = scipy_stats.ttest_ind(
        [math.log(v) for v in cand], [math.log(v) for v in base], equal_var=False
    )
    assert r.p_value == pytest.approx(welch.pvalue, rel=1e-6)
    geo = math.exp(sum(map(math.log, cand)) / len(cand) - sum(map(math.log, base)) / len(base))
    assert r.ratio == pytest.approx(geo)
    assert r.ci_low is not None and r.ci_high is not None
    assert r.ci_low < r.ratio < r.ci_high


def test_one_block_a_side_gives_a_ratio_but_no_interval_or_test() -> None:
    r = replicates.block_ratio([2.0], [1.0, 1.0])
    assert r is not None and r.ratio == pytest.approx(0.5)
    assert (r.ci_low, r.ci_high, r.p_value) == (None, None, None)


def test_identical_and_impossible_blocks() -> None:
    same = replicates.block_ratio([1.0, 1.0], [1.0, 1.0])
    assert same is not None and (same.ratio, same.ci_low, same.ci_high, same.p_value) == (
        1.0,
        1.0,
        1.0,
        1.0,
    )
    shifted = replicates.block_ratio([1.0, 1.0], [2.0, 2.0])
    assert shifted is not None and shifted.p_value == 0.0
    assert replicates.block_ratio([], [1.0]) is None
    assert replicates.block_ratio([0.0, 1.0], [1.0, 1.0]) is None  # a zero median: no log
    assert replicates.block_ratio([float("nan"), 1.0], [1.0, 1.0]) is None


def test_interval_covers_a_true_ratio_of_one_about_95_percent() -> None:
    rng = random.Random(11)
    hits = 0
    trials = 2000
    for _ in range(trials):
        base = [rng.lognormvariate(0, 0.05) for _ in range(3)]
        cand = [rng.lognormvariate(0, 0.05) for _ in range(3)]
        r = replicates.block_ratio(base, cand)
        assert r is not None and r.ci_low is not None and r.ci_high is not None
        hits += r.ci_low <= 1.0 <= r.ci_high
    assert 0.93 <= hits / trials <= 0.975, hits / trials  # Welch is near-exact for normal logs
