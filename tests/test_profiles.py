from __future__ import annotations

from pathlib import Path

import pytest

from bench_lib.engine.profiles import (
    PROFILES,
    GridContext,
    UnknownProfileError,
    get_profile,
    resolve_axis,
    worker_counts,
)


def ctx(profile: str, cores: int = 2) -> GridContext:
    return GridContext(get_profile(profile), cores, ("fork", "spawn"))


def test_unknown_profile_names_the_choices() -> None:
    with pytest.raises(UnknownProfileError, match="smoke, quick, standard, full"):
        get_profile("fast")


def test_profiles_grow_in_effort() -> None:
    order = [PROFILES[n] for n in ("smoke", "quick", "standard", "full")]
    assert [p.max_rounds for p in order] == sorted(p.max_rounds for p in order)
    assert [p.budget_s for p in order] == sorted(p.budget_s for p in order)


def test_axis_table_falls_back_to_smaller_profile() -> None:
    table = {"smoke": [0], "standard": [0, 256]}
    assert resolve_axis(table, ctx("quick")) == [0]
    assert resolve_axis(table, ctx("full")) == [0, 256]
    assert resolve_axis([1, 2], ctx("smoke")) == [1, 2]


@pytest.mark.parametrize(
    ("profile", "cores", "expected"),
    [
        ("smoke", 2, [1, 2]),
        ("quick", 2, [1, 2, 4]),
        ("quick", 1, [1, 2]),
        ("standard", 64, [1, 2, 4, 8, 16, 32, 64, 128]),
    ],
)
def test_worker_counts_scale_with_cores(profile: str, cores: int, expected: list[int]) -> None:
    assert worker_counts(ctx(profile, cores)) == expected


FROM_STANDARD = """
from bench_lib.engine.profiles import from_profile

@from_profile("standard")
def test_big(mpbench):
    mpbench.measure(lambda: None)

def test_always(mpbench):
    mpbench.measure(lambda: None)
"""


@pytest.mark.parametrize(
    ("profile", "names"),
    [
        ("smoke", ["test_big", "test_always"]),  # smoke runs everything once: the tests read it
        ("quick", ["test_always"]),
        ("standard", ["test_big", "test_always"]),
    ],
)
def test_a_benchmark_marked_for_a_bigger_profile_is_left_out_not_skipped(
    tmp_path: Path, profile: str, names: list[str]
) -> None:
    from conftest import run_benchmark_source

    code, data = run_benchmark_source(tmp_path, FROM_STANDARD, f"--mpbench-profile={profile}")
    assert code == 0
    assert [b["name"] for b in data["benchmarks"]] == names
    assert data["mpbench"]["skipped"] == []  # deselected: nothing to explain away


def test_from_profile_names_a_real_profile() -> None:
    from bench_lib.engine.profiles import UnknownProfileError, from_profile

    with pytest.raises(UnknownProfileError, match="choose one of"):
        from_profile("huge")


INTERLEAVED = """
from bench_lib.engine.profiles import grid, interleaved

@grid(mode=["thread", "process"], n=[1, 2])
@interleaved("mode")
def test_split(mpbench, mode, n):
    mpbench.measure(lambda: None)

def test_after(mpbench):
    mpbench.measure(lambda: None)
"""


def test_an_interleaved_axis_varies_fastest_and_keeps_its_ids(tmp_path: Path) -> None:
    from conftest import run_benchmark_source

    code, data = run_benchmark_source(tmp_path, INTERLEAVED, "--mpbench-profile=smoke")
    assert code == 0
    assert [b["name"] for b in data["benchmarks"]] == [
        "test_split[mode=thread-n=1]",
        "test_split[mode=process-n=1]",  # the same n, seconds later
        "test_split[mode=thread-n=2]",
        "test_split[mode=process-n=2]",
        "test_after",
    ]
