"""The subject registry's edges: an unknown subject, a subject without charts, advice or
hooks, a subject option's check, and two subjects that give one series two colours."""

from __future__ import annotations

import pytest

from bench_lib import registry


def test_an_unknown_subject_names_the_known_ones() -> None:
    with pytest.raises(registry.UnknownSubjectError, match=r"no subject 'nope'; known: .*spawn"):
        registry.get("nope")
    assert registry.get("spawn").name == "spawn"


def test_a_subject_without_charts_advice_or_hooks_has_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registry, "SUBJECTS_PACKAGE", "bench_lib")
    bare = registry.Subject("report", "a package with none of them", 99)  # bench_lib.report
    assert registry.charts(bare) == ()
    assert registry.advice(bare) is None
    assert registry.pytest_hooks(bare) is None


def test_a_subject_option_checks_its_value() -> None:
    [option] = [o for o in registry.run_options() if o.flag == "--scheduler"]
    assert option.dest == "scheduler"
    with pytest.raises(ValueError, match="not an address"):  # the check runs (and says why)
        option.checked("not an address")


def test_one_series_with_two_colours_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    a = registry.Subject("a", "A", 1, {"queue": "#000000"})
    b = registry.Subject("b", "B", 2, {"queue": "#ffffff"})
    monkeypatch.setattr(registry, "subjects", lambda: (a, b))
    registry.palette.cache_clear()
    try:
        with pytest.raises(ValueError, match="series 'queue' has two colours \\(b\\)"):
            registry.palette()
    finally:
        registry.palette.cache_clear()


def test_mpbench_run_maps_a_subjects_flag_to_its_prefixed_pytest_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import argparse

    from bench_lib.cli import run as cli_run

    [option] = [o for o in registry.run_options() if o.flag == "--scheduler"]
    assert (option.pytest_flag, option.pytest_dest) == ("--mpbench-scheduler", "mpbench_scheduler")
    echo = registry.RunOption("--scheduler", "URL", "help", "builtins:str")  # checks nothing
    monkeypatch.setattr(registry, "run_options", lambda: (echo,))
    args = argparse.Namespace(scheduler="tcp://10.0.0.5:8786")
    assert cli_run.checked_subject_options(args) == ["--mpbench-scheduler=tcp://10.0.0.5:8786"]
