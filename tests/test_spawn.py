"""The spawn subject in smoke mode: every case runs, checks pass, floors are attached."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest

from bench_lib.results import files as results
from bench_lib.subjects.spawn import ops as spawn
from bench_lib.workers import mp_context


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
    with pytest.raises(mp_context.StartMethodUnavailable, match="available: "):
        mp_context.context("teleport")


def test_touched_memory_is_really_held() -> None:
    buf = spawn.touched_memory(1)
    assert len(buf) == 2**20 and buf[0] == 1 and buf[4096] == 1


def test_start_figures_come_from_a_lean_measuring_process(spawn_smoke: dict[str, Any]) -> None:
    # docs/design.md principle 11: the forking process is not pytest (numpy, pytest, psutil)
    for name, m in by_name(spawn_smoke).items():
        for block in m["info"]["blocks"]:
            assert block["heavy_modules"] == [], name
            assert sorted(block["mpbench_modules"]) == [
                "bench_lib",
                "bench_lib.engine",
                "bench_lib.engine.lean_worker",
                "bench_lib.subjects",
                "bench_lib.subjects.spawn",
                "bench_lib.subjects.spawn.ops",
                "bench_lib.workers",
                "bench_lib.workers.interp",  # stdlib only: subinterpreters, imported lazily
                "bench_lib.workers.mp_context",
                "bench_lib.workers.workloads",
            ], name
    memory = by_name(spawn_smoke)["test_fork_memory[mib=0-how=raw]"]["metrics"]
    assert memory["parent_rss_bytes"]["value"] < 64 * 2**20  # the pytest process is ~100 MB
    assert memory["parent_mappings"]["value"] > 0


def test_rounds_timed_in_the_lean_process_are_the_rounds_pytest_benchmark_keeps(
    spawn_smoke: dict[str, Any],
) -> None:
    for b in spawn_smoke["benchmarks"]:
        blocks = b["extra_info"]["mpbench"]["info"]["blocks"]
        assert b["stats"]["rounds"] == sum(block["rounds"] for block in blocks)
        assert len(b["stats"]["data"]) == b["stats"]["rounds"]


def test_a_lean_round_that_hangs_or_dies_fails_within_its_deadline() -> None:
    import time

    from bench_lib.engine import lean_runner

    job = lean_runner.LeanJob("bench_lib.workers.workloads", "x")  # workloads has no prepare: dies
    with pytest.raises(lean_runner.BlockFailed, match="exited with 1 after 0 of 2 rounds"):
        lean_runner.run_block(job, 0, 2, round_timeout_s=5)
    hang = lean_runner.LeanJob("tests.lean_jobs", "sleep", {"seconds": 60})
    started = time.monotonic()
    with pytest.raises(lean_runner.BlockFailed, match="took longer than 1 s"):
        lean_runner.run_block(hang, 0, 1, round_timeout_s=1)
    assert time.monotonic() - started < 30  # the deadline, not the 60 s sleep, ended it


def test_a_lean_block_times_its_paired_job_beside_each_round() -> None:
    from bench_lib.engine import lean_runner

    short = lean_runner.LeanJob("tests.lean_jobs", "sleep", {"seconds": 0.001})
    long = lean_runner.LeanJob("tests.lean_jobs", "sleep", {"seconds": 0.02})
    block = lean_runner.run_block(short, 1, 4, round_timeout_s=5, paired=long)
    assert len(block.rounds_s) == len(block.paired_s) == 4  # warm-up pairs dropped alike
    assert max(block.rounds_s) < min(block.paired_s)  # each list holds its own job's rounds
    alone = lean_runner.run_block(short, 0, 2, round_timeout_s=5)
    assert alone.paired_s == []


def test_under_ab_a_lean_round_starts_only_after_its_turn() -> None:
    """`mpbench ab` hands the turn on between rounds: the lean process waits for each one."""
    import time

    from bench_lib.engine import lean_runner

    turns: list[float] = []

    def turn() -> None:
        time.sleep(0.05)  # the other side's round
        turns.append(time.perf_counter())

    job = lean_runner.LeanJob("tests.lean_jobs", "sleep", {"seconds": 0.001})
    started = time.perf_counter()
    block = lean_runner.run_block(job, 1, 3, round_timeout_s=5, turn=turn)
    assert len(turns) == 4 and len(block.rounds_s) == 3  # a turn before every round, warm-up too
    assert max(block.rounds_s) < 0.05  # the waits are not on any round's clock
    assert time.perf_counter() - started >= 4 * 0.05  # the rounds did wait for the turns


def test_fork_memory_and_its_paired_floor_fork_from_one_allocation() -> None:
    from bench_lib.subjects.spawn import ops as spawn

    assert spawn.touched_memory(1) is spawn.touched_memory(1)  # not twice the parent
