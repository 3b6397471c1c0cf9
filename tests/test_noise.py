"""Each noise flag fires on its own cause, says the cause and the remedy, and not otherwise."""

from __future__ import annotations

import dataclasses

import pytest

from bench_lib import noise

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
