"""Each noise flag fires on its own cause, says the cause and the remedy, and not otherwise."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bench_lib.stats import noise

QUIET = noise.Signals(
    rel_ci_half_width=0.01,
    robust_cv=0.02,
    rounds=30,
    foreign_cores=0.0,
    steal_fraction=0.0,
    frequency_change=0.0,
    cores=2,
)


def codes(signals: noise.Signals) -> list[str]:
    return [f.code for f in noise.noise_flags(signals)]


def test_a_quiet_run_has_no_flags() -> None:
    assert codes(QUIET) == []


@pytest.mark.parametrize(
    ("change", "code", "remedy"),
    [
        ({"rel_ci_half_width": 0.2}, "wide-interval", "--profile full"),
        ({"robust_cv": 0.4}, "erratic", "other load"),
        ({"foreign_cores": 1.5}, "busy-machine", "taskset"),
        ({"steal_fraction": 0.2}, "steal", "dedicated instance"),
        ({"frequency_change": 0.3}, "frequency", "governor"),
        ({"rounds": 2}, "few-rounds", "--profile standard"),
    ],
)
def test_each_cause_has_its_flag_and_remedy(
    change: dict[str, float], code: str, remedy: str
) -> None:
    flags = noise.noise_flags(dataclasses.replace(QUIET, **change))
    assert [f.code for f in flags] == [code]
    assert remedy in flags[0].message


def test_unknown_signals_never_flag() -> None:
    unknown = noise.Signals(None, None, 30, None, None, None, 2)
    assert codes(unknown) == []


def test_smoke_runs_do_not_flag_their_single_round() -> None:
    assert noise.noise_flags(dataclasses.replace(QUIET, rounds=1), min_rounds=0) == []


def _fig(median: float, low: float | None, high: float | None, up: bool = True) -> dict[str, Any]:
    return {"median": median, "ci_low": low, "ci_high": high, "higher_is_better": up}


def test_a_rate_above_its_floor_beyond_both_intervals_is_flagged_and_overlap_is_not() -> None:
    floor = _fig(100.0, 95.0, 105.0)
    flag = noise.floor_flag(_fig(120.0, 106.0, 130.0), floor, "os_pipe")
    assert flag is not None and flag.code == "above-floor"
    assert "1.20x its floor os_pipe" in flag.message
    assert noise.floor_flag(_fig(120.0, 105.0, 130.0), floor, "os_pipe") is None  # touching
    assert noise.floor_flag(_fig(90.0, 80.0, 99.0), floor, "os_pipe") is None  # below: fine


def test_a_time_below_its_floor_is_flagged_and_one_round_needs_the_slack() -> None:
    floor = _fig(2.0e-3, None, None, up=False)  # one smoke round: median +-15%
    assert noise.floor_flag(_fig(1.6e-3, None, None, up=False), floor, "raw_fork") is not None
    assert noise.floor_flag(_fig(1.8e-3, None, None, up=False), floor, "raw_fork") is None
    assert noise.floor_flag(_fig(1.0, None, None), {"median": 0.0}, "x") is None


def test_a_speedup_above_its_parallelism_is_impossible_only_beyond_its_interval() -> None:
    derived = {"speedup": 2.3, "speedup_ci_low": 2.05, "parallelism": 2}
    flag = noise.speedup_flag(derived, usable_cores=2)
    assert flag is not None and flag.code == "impossible" and "2.30x on 2" in flag.message
    assert noise.speedup_flag({**derived, "speedup_ci_low": 2.0}, 2) is None  # at the bound
    assert noise.speedup_flag({"speedup": 2.3, "parallelism": 2}, 2) is None  # 2.3/1.15 = 2.0
    assert noise.speedup_flag({"speedup": 2.4, "parallelism": 2}, 2) is not None
    assert noise.speedup_flag({"speedup": 1.9, "parallelism": 1}, 4) is not None  # 1 worker


def _bench(case: str, median: float, low: float, high: float, floor: Any = None) -> Any:
    figure = {"median": median, "ci_low": low, "ci_high": high, "unit": "msg/s"}
    block = {"subject": "ipc", "case": case, "params": {}, "figures": [figure], "floor": floor}
    return {
        "extra_info": {
            "mpbench": {**figure, **block, "figures": [{**figure, "higher_is_better": True}]}
        }
    }


def test_a_paired_floor_keeps_its_own_values_and_is_flagged_when_beaten() -> None:
    from bench_lib.results.finish import resolve_floors

    standalone = _bench("raw", 100.0, 95.0, 105.0)  # measured minutes apart: not used
    paired = {
        "case": "raw",
        "params": {},
        "paired": True,
        "median": 50.0,
        "ci_low": 48.0,
        "ci_high": 52.0,
        "unit": "msg/s",
        "ratio": 1.4,
    }
    beaten = _bench("pipe", 70.0, 66.0, 74.0, dict(paired))
    kept = _bench("queue", 49.0, 45.0, 53.0, {**paired, "ratio": 0.98})
    resolve_floors([standalone, beaten, kept])
    assert beaten["extra_info"]["mpbench"]["floor"]["median"] == 50.0  # not the standalone 100
    flags = beaten["extra_info"]["mpbench"]["noise"]["flags"]
    assert [f["code"] for f in flags] == ["above-floor"] and "1.40x" in flags[0]["message"]
    assert "noise" not in kept["extra_info"]["mpbench"]
