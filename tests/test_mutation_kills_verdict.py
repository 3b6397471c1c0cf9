"""The verdict rules at each of their boundaries, and the reasons they give, by known answers.

Every threshold of verdict.decide (the +-MIN_EFFECT band, ALPHA, MIN_BLOCKS, an interval
touching 1) is tested at its value and just either side; the reasons are read for their numbers.
"""

from __future__ import annotations

import math

import pytest

from bench_lib.stats import verdict

EPS = 1e-9
BOUND = 1 + verdict.MIN_EFFECT


def test_the_documented_thresholds() -> None:
    assert verdict.MIN_EFFECT == 0.05
    assert verdict.ALPHA == 0.05
    assert verdict.MIN_BLOCKS_FOR_VERDICT == 2


def test_speed_of_a_zero_or_negative_ratio() -> None:
    assert verdict.speed_of(0.0, higher_is_better=False) == math.inf  # no time at all
    assert verdict.speed_of(0.0, higher_is_better=True) == 0.0  # no rate at all
    assert verdict.speed_of(-1.0, higher_is_better=True) == 0.0
    assert verdict.speed_of(4.0, higher_is_better=False) == 0.25
    assert verdict.speed_of(1e-12, higher_is_better=False) == pytest.approx(1e12)


def test_slowdown_known_answers() -> None:
    assert verdict.slowdown(0.5) == pytest.approx(1.0)  # half the speed: twice as long
    assert verdict.slowdown(2.0) == pytest.approx(-0.5)
    assert verdict.slowdown(0.0) == math.inf
    assert verdict.slowdown(-1.0) == math.inf


def test_blocks_boundary_and_its_reason() -> None:
    word, why = verdict.decide(3.0, (2.9, 3.1), 1e-9, 1, 5)
    assert word == "inconclusive" and why.startswith("1 block(s) < 2")
    assert verdict.decide(3.0, (2.9, 3.1), 1e-9, 2, 2)[0] == "faster"
    assert verdict.decide(3.0, (2.9, 3.1), 1e-9, 3, 2, min_blocks=3)[0] == "inconclusive"
    word, why = verdict.decide(3.0, (2.9, 3.1), 1e-9, 0, 5)
    assert (word, why) == ("inconclusive", "one value each, no rounds to test")
    assert verdict.decide(3.0, (2.9, 3.1), 1e-9, 5, 0)[1] == "one value each, no rounds to test"


def test_missing_pieces_give_the_gap_as_reason() -> None:
    assert verdict.decide(None, (1.0, 1.0), 0.1, 3, 3, gap="no ratio")[1] == "no ratio"
    assert verdict.decide(1.0, None, 0.1, 3, 3)[1] == "no ratio, interval or test"
    assert verdict.decide(1.0, (1.0, 1.0), None, 3, 3)[0] == "inconclusive"


def test_the_same_band_includes_its_edges_and_no_more() -> None:
    assert verdict.decide(1.0, (1 / BOUND, BOUND), 0.5, 3, 3) == ("same", "interval within +-5%")
    assert verdict.decide(1.0, (1 / BOUND - EPS, BOUND), 0.5, 3, 3)[0] == "inconclusive"
    assert verdict.decide(1.0, (1 / BOUND, BOUND + EPS), 0.5, 3, 3)[0] == "inconclusive"
    assert verdict.decide(1.0, (0.99, 1.01), 0.5, 3, 3, min_effect=0.005)[0] == "inconclusive"


def test_faster_needs_p_below_alpha_strictly() -> None:
    ci = (1.3, 1.7)
    assert verdict.decide(1.5, ci, verdict.ALPHA - EPS, 3, 3)[0] == "faster"
    word, why = verdict.decide(1.5, ci, verdict.ALPHA, 3, 3)
    assert word == "inconclusive" and why == "p = 0.05 (Holm) >= 0.05"
    assert verdict.decide(1.5, ci, 0.001, 3, 3, alpha=0.0005)[0] == "inconclusive"
    assert verdict.decide(1.5, ci, 0.001, 3, 3)[1] == "p = 0.001 (Holm)"


def test_an_interval_touching_one_is_not_one_sided() -> None:
    assert verdict.decide(1.5, (1.0, 1.7), 0.001, 3, 3) == ("inconclusive", "interval spans 1")
    assert verdict.decide(1.5, (1.0 + EPS, 1.7), 0.001, 3, 3)[0] == "faster"
    assert verdict.decide(0.6, (0.5, 1.0), 0.001, 3, 3) == ("inconclusive", "interval spans 1")
    assert verdict.decide(0.6, (0.5, 1.0 - EPS), 0.001, 3, 3)[0] == "slower"


def test_the_effect_must_pass_the_bound_strictly_both_ways() -> None:
    assert verdict.decide(BOUND, (1.01, 1.2), 0.001, 3, 3)[0] == "inconclusive"
    assert verdict.decide(BOUND + EPS, (1.01, 1.2), 0.001, 3, 3)[0] == "faster"
    assert verdict.decide(1 / BOUND, (0.8, 0.99), 0.001, 3, 3)[0] == "inconclusive"
    assert verdict.decide(1 / BOUND - EPS, (0.8, 0.99), 0.001, 3, 3)[0] == "slower"
    _, why = verdict.decide(1.03, (1.01, 1.08), 0.001, 3, 3)
    assert why == "change below 5%, interval wider than +-5%"


def test_no_ratio_reasons() -> None:
    reason = verdict.no_ratio_reason
    assert reason(1.0, 2.0) is None
    assert reason(None, 1.0) == reason(1.0, None) == "a value is missing"
    assert "not a finite number" in str(reason(math.inf, 1.0))
    assert "not a finite number" in str(reason(1.0, math.nan))
    assert "negative" in str(reason(-1.0, 1.0))
    assert "negative" in str(reason(1.0, -1.0))
    assert reason(0.0, 0.0) == "both medians are 0: no ratio"
    assert reason(0.0, 1.0) == "the baseline median is 0"
    assert reason(1.0, 0.0) == "the candidate median is 0: no speed to judge"
