"""The spawn subject in smoke mode: every case runs, checks pass, floors are attached."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest

from bench_lib import results, spawn


def by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["name"]: b["extra_info"]["mpbench"] for b in data["benchmarks"]}


def test_every_spawn_benchmark_ran_and_validates(spawn_smoke: dict[str, Any]) -> None:
    results.validate(spawn_smoke)
    names = set(by_name(spawn_smoke))
    for method in multiprocessing.get_all_start_methods():
        assert f"test_process_start[start={method}]" in names
        assert f"test_start_phases[start={method}]" in names
    assert {
        "test_thread_start",
        "test_raw_fork",
        "test_forkserver_boot",
        "test_interpreter[python=bare]",
        "test_interpreter[python=site]",
    } <= names
    assert spawn_smoke["mpbench"]["failures"] == []


def test_floors_are_resolved_beside_their_figures(spawn_smoke: dict[str, Any]) -> None:
    m = by_name(spawn_smoke)
    fork = m["test_process_start[start=fork]"]["floor"]
    assert fork["case"] == "raw_fork" and fork["median"] > 0
    assert fork["ratio"] == pytest.approx(
        m["test_process_start[start=fork]"]["figures"][0]["median"] / fork["median"]
    )
    assert m["test_process_start[start=spawn]"]["floor"]["params"] == {"python": "site"}
    assert m["test_fork_memory[mib=0-how=process]"]["floor"]["median"] > 0


def test_start_phases_are_ordered_and_recorded(spawn_smoke: dict[str, Any]) -> None:
    phases = by_name(spawn_smoke)["test_start_phases[start=spawn]"]
    assert phases["checks"] == {"phases in order": True}
    metrics = phases["metrics"]
    assert metrics["start_returned_s"]["value"] > 0
    assert 0 < metrics["first_run_s"]["value"] <= phases["figures"][0]["median"]


def test_a_child_that_fails_is_an_error_not_a_figure() -> None:
    with pytest.raises(RuntimeError, match="exited with 3"):
        spawn._check_exit(3, "child")


def test_unavailable_start_method_names_the_choices() -> None:
    with pytest.raises(spawn.StartMethodUnavailable, match="available: "):
        spawn.context("teleport")


def test_touched_memory_is_really_held() -> None:
    buf = spawn.touched_memory(1)
    assert len(buf) == 2**20 and buf[0] == 1 and buf[4096] == 1
