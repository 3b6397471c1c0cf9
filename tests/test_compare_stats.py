"""The comparison statistics at their edges: n = 0, 1, 2, ties, zero spread, unequal sizes."""

from __future__ import annotations

import pytest

from bench_lib.stats import two_samples, verdict


def test_holm_is_monotone_capped_and_in_input_order() -> None:
    assert two_samples.holm_adjust([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert two_samples.holm_adjust([0.5, 0.9]) == [1.0, 1.0]
    assert two_samples.holm_adjust([]) == []
    assert two_samples.holm_adjust([0.02]) == [0.02]


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


def test_the_regression_gate_names_slower_figures_beyond_the_threshold_only() -> None:
    from types import SimpleNamespace

    def fig(word: str, speed: float | None) -> SimpleNamespace:
        return SimpleNamespace(subject="ipc", name="stream", figure="op", verdict=word, speed=speed)

    figures = [fig("slower", 0.8), fig("slower", 0.95), fig("faster", 0.5), fig("slower", None)]
    lines = verdict.regressions([("cand", figures)], 10.0)
    assert lines == ["REGRESSION cand: ipc stream: op takes 25% longer (> 10%)"]
    assert verdict.regressions([("cand", figures)], 30.0) == []
