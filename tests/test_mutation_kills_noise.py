"""Noise flags at their thresholds, and describe()'s arithmetic, by known answers.

Each threshold is tested at its value (no flag: the rule is "more than"), just above it
(flagged) and just below it; describe() is fed samples whose steal, clock change and foreign
load are known in advance. Written to kill the mutants tools/mutation.py left alive.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bench_lib.machine.cpu import CpuUsage
from bench_lib.stats import descriptive as stats
from bench_lib.stats import noise

QUIET = noise.Signals(0.0, 0.0, 30, 0.0, 0.0, 0.0, 2)
EPS = 1e-9


@pytest.mark.parametrize(
    ("field", "threshold", "code"),
    [
        ("rel_ci_half_width", noise.WIDE_INTERVAL, "wide-interval"),
        ("robust_cv", noise.ERRATIC_CV, "erratic"),
        ("foreign_cores", noise.FOREIGN_CORES, "busy-machine"),
        ("steal_fraction", noise.STEAL_FRACTION, "steal"),
        ("frequency_change", noise.FREQUENCY_CHANGE, "frequency"),
    ],
)
def test_each_threshold_flags_just_above_and_not_at_or_below(
    field: str, threshold: float, code: str
) -> None:
    def flagged(value: float) -> bool:
        signals = dataclasses.replace(QUIET, **{field: value})
        return code in [f.code for f in noise.noise_flags(signals)]

    assert not flagged(threshold - EPS)
    assert not flagged(threshold)
    assert flagged(threshold + EPS)


def test_the_threshold_values_are_the_documented_ones() -> None:
    # the docs and README quote these; a change must be deliberate
    assert noise.WIDE_INTERVAL == 0.10
    assert noise.ERRATIC_CV == 0.25
    assert noise.FOREIGN_CORES == 0.30
    assert noise.STEAL_FRACTION == 0.05
    assert noise.FREQUENCY_CHANGE == 0.10
    assert noise.FEW_ROUNDS == stats.MIN_SAMPLES_FOR_INTERVAL
    assert noise.MIN_WALL_FOR_CPU_S == 0.5
    assert noise.SLACK_WITHOUT_INTERVAL == 0.15


def test_few_rounds_flags_below_the_minimum_only() -> None:
    def flagged(rounds: int) -> bool:
        signals = dataclasses.replace(QUIET, rounds=rounds)
        return "few-rounds" in [f.code for f in noise.noise_flags(signals)]

    assert flagged(noise.FEW_ROUNDS - 1)
    assert not flagged(noise.FEW_ROUNDS)
    assert not flagged(noise.FEW_ROUNDS + 1)


def test_messages_quote_the_measured_value_and_the_threshold() -> None:
    signals = noise.Signals(0.2, 0.4, 3, 1.5, 0.2, 0.3, 2)
    messages = {f.code: f.message for f in noise.noise_flags(signals)}
    assert "+-20% of the median (> 10%)" in messages["wide-interval"]
    assert "vary by 40% (> 25%)" in messages["erratic"]
    assert "used 1.50 of 2 cores" in messages["busy-machine"]
    assert "(> 0.3)" in messages["busy-machine"]
    assert "stole 20% of CPU time (> 5%)" in messages["steal"]
    assert "changed by 30% while this ran (> 10%)" in messages["frequency"]
    assert "only 3 measured round(s)" in messages["few-rounds"]


def _usage(wall_s: float, tree_cpu_s: float, system_busy_s: float) -> CpuUsage:
    return CpuUsage(wall_s=wall_s, tree_cpu_s=tree_cpu_s, system_busy_s=system_busy_s)


def test_describe_computes_steal_clock_change_and_foreign_load() -> None:
    before = noise.NoiseSample(0.5, steal_s=10.0, frequency_mhz=2000.0)
    after = noise.NoiseSample(0.7, steal_s=10.3, frequency_mhz=2500.0)
    # 2 s on 4 cores = 8 core-seconds available; 0.3 s stolen = 3.75%
    usage = _usage(wall_s=2.0, tree_cpu_s=1.0, system_busy_s=2.0)
    out = noise.describe(before, after, usage, 4, 0.05, 0.1, 30, flag_few_rounds=True)
    assert out["steal_fraction"] == pytest.approx(0.0375)
    assert out["foreign_cores"] == pytest.approx(0.5)  # (2.0 - 1.0) / 2 s
    assert out["load_before"] == 0.5 and out["load_after"] == 0.7
    assert out["frequency_mhz_before"] == 2000.0 and out["frequency_mhz_after"] == 2500.0
    assert out["cv"] == 0.1 and out["rel_ci_half_width"] == 0.05
    codes = [f["code"] for f in out["flags"]]
    assert codes == ["busy-machine", "frequency"]  # 0.5 > 0.3; |2500/2000 - 1| = 25% > 10%


def test_describe_reads_a_clock_that_slowed_down_as_a_change() -> None:
    before = noise.NoiseSample(0.0, 0.0, 2000.0)
    after = noise.NoiseSample(0.0, 0.0, 1500.0)
    out = noise.describe(before, after, _usage(1.0, 1.0, 1.0), 2, None, None, 30, True)
    assert [f["code"] for f in out["flags"]] == ["frequency"]
    assert "changed by 25%" in out["flags"][0]["message"]


def test_describe_ignores_cpu_signals_of_a_window_too_short_to_read() -> None:
    before = noise.NoiseSample(0.0, 0.0, None)
    after = noise.NoiseSample(0.0, 5.0, None)  # huge steal, but in a short window
    short = _usage(wall_s=noise.MIN_WALL_FOR_CPU_S - 0.01, tree_cpu_s=0.0, system_busy_s=0.4)
    out = noise.describe(before, after, short, 2, None, None, 30, True)
    assert out["steal_fraction"] is None and out["flags"] == []
    at_limit = _usage(wall_s=noise.MIN_WALL_FOR_CPU_S, tree_cpu_s=0.0, system_busy_s=0.4)
    out = noise.describe(before, after, at_limit, 2, None, None, 30, True)
    assert out["steal_fraction"] == pytest.approx(5.0 / (0.5 * 2))
    assert [f["code"] for f in out["flags"]] == ["busy-machine", "steal"]


def test_describe_flags_few_rounds_only_when_asked() -> None:
    s = noise.NoiseSample(0.0, 0.0, None)
    usage = _usage(1.0, 1.0, 1.0)
    asked = noise.describe(s, s, usage, 2, None, None, 1, flag_few_rounds=True)
    assert [f["code"] for f in asked["flags"]] == ["few-rounds"]
    assert noise.describe(s, s, usage, 2, None, None, 1, flag_few_rounds=False)["flags"] == []


def _fig(median: Any, low: Any = None, high: Any = None, up: bool = False) -> dict[str, Any]:
    return {"median": median, "ci_low": low, "ci_high": high, "higher_is_better": up}


def test_a_time_below_its_floor_beyond_both_intervals_is_flagged_at_the_edges() -> None:
    floor = _fig(2.0, 1.9, 2.1)
    assert noise.floor_flag(_fig(1.5, 1.4, 1.89), floor, "raw") is not None
    assert noise.floor_flag(_fig(1.5, 1.4, 1.9), floor, "raw") is None  # touching
    assert noise.floor_flag(_fig(2.5, 2.4, 2.6), floor, "raw") is None  # slower: fine


def test_without_intervals_the_slack_is_exact() -> None:
    slack = 1 + noise.SLACK_WITHOUT_INTERVAL
    time_floor = _fig(1.0)
    assert noise.floor_flag(_fig(1 / slack - 1e-6), time_floor, "x") is not None
    assert noise.floor_flag(_fig(1 / slack + 1e-6), time_floor, "x") is None
    rate_floor = _fig(1.0, up=True)
    assert noise.floor_flag(_fig(slack + 1e-6, up=True), rate_floor, "x") is not None
    assert noise.floor_flag(_fig(slack - 1e-6, up=True), rate_floor, "x") is None
    # one interval missing: the slack rule applies, not the interval rule
    half = _fig(0.5, 0.45, 0.55)
    assert noise.floor_flag(half, time_floor, "x") is not None
    assert noise.floor_flag(_fig(0.9, 0.1, 0.2), _fig(1.0), "x") is None


def test_floor_flag_reports_the_ratio_and_skips_unusable_medians() -> None:
    flag = noise.floor_flag(_fig(0.5), _fig(2.0), "case=raw")
    assert flag is not None and flag.code == "above-floor"
    assert flag.message.startswith("0.25x its floor case=raw")
    assert noise.floor_flag(_fig(None), _fig(1.0), "x") is None
    assert noise.floor_flag(_fig(0.5), _fig("1"), "x") is None
    assert noise.floor_flag(_fig(0.0), _fig(1.0), "x") is None
    assert noise.floor_flag(_fig(-1.0), _fig(1.0), "x") is None
    assert noise.floor_flag(_fig(0.5), _fig(-1.0), "x") is None
    assert noise.floor_flag(_fig(1.0, "a", 2.0), _fig(5.0, 4.0, 6.0), "x") is not None


def test_speedup_flag_falls_back_to_the_usable_cores_and_reads_its_interval() -> None:
    assert noise.speedup_flag({"speedup": 2.4}, usable_cores=2) is not None
    assert noise.speedup_flag({"speedup": 2.4}, usable_cores=4) is None
    assert noise.speedup_flag({"speedup": 2.4, "parallelism": 0}, usable_cores=4) is None
    assert noise.speedup_flag({"speedup": 9.0}, usable_cores=0) is None
    assert noise.speedup_flag({"speedup": "3"}, usable_cores=1) is None
    # an interval low end decides when there is one, whatever the median
    assert noise.speedup_flag({"speedup": 5.0, "speedup_ci_low": 1.9}, 2) is None
    assert noise.speedup_flag({"speedup": 2.1, "speedup_ci_low": 2.01}, 2) is not None
    flag = noise.speedup_flag({"speedup": 3.0, "parallelism": 2}, 8)
    assert flag is not None and "3.00x on 2 usable core(s)" in flag.message


def test_describe_edges_no_cores_one_clock_reading_and_zero_rounds() -> None:
    s = noise.NoiseSample(0.0, 0.0, None)
    after = noise.NoiseSample(0.0, 1.0, 2000.0)  # the clock read only after
    out = noise.describe(s, after, _usage(1.0, 1.0, 1.0), 0, None, None, 0, False)
    assert out["steal_fraction"] is None  # no cores: nothing to divide by
    assert out["flags"] == []  # one clock reading is no change; rounds unasked
    out = noise.describe(after, s, _usage(1.0, 1.0, 1.0), 2, None, None, 30, True)
    assert out["flags"] == []


def test_the_slack_rule_at_exact_equality_is_not_beaten() -> None:
    slack = 1 + noise.SLACK_WITHOUT_INTERVAL
    assert noise.floor_flag(_fig(slack, up=True), _fig(1.0, up=True), "x") is None
    assert noise.floor_flag(_fig(1.0), _fig(slack), "x") is None


class _Freq:
    def __init__(self, current: float) -> None:
        self.current = current


class _Times:  # a platform without a steal counter
    user = 1.0


def test_a_noise_sample_reads_the_one_minute_load_steal_and_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(noise.os, "getloadavg", lambda: (1.5, 2.5, 3.5))
    monkeypatch.setattr(noise.psutil, "cpu_times", _Times)
    monkeypatch.setattr(noise.psutil, "cpu_freq", lambda: _Freq(0.0))
    sample = noise.NoiseSample.now()
    assert sample == noise.NoiseSample(1.5, 0.0, None)  # a clock of 0 MHz is no reading
    monkeypatch.setattr(noise.psutil, "cpu_freq", lambda: _Freq(2400.0))
    assert noise.NoiseSample.now().frequency_mhz == 2400.0
    monkeypatch.delattr(noise.os, "getloadavg")
    assert noise.NoiseSample.now().load_average_1m == 0.0  # no load average on this OS
