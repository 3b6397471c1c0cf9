"""Pool operations: workloads, every API's results, verification, axes, and the smoke run."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest
from figure_checks import assert_cpu_use_adds_up

from bench_lib.engine.profiles import GridContext, get_profile
from bench_lib.subjects.pool import ops as pools
from bench_lib.subjects.pool import ready as pool_ready
from bench_lib.workers import pool_work, workloads


def test_spin_is_deterministic_and_depends_on_every_step() -> None:
    assert workloads.spin(3, 1000) == workloads.spin(3, 1000)
    assert workloads.spin(3, 1000) != workloads.spin(3, 999)
    assert workloads.spin(3, 1000) != workloads.spin(4, 1000)
    assert workloads.spin(5, 0) == 5  # zero iterations: the no-op task
    assert workloads.spin_job((3, 10)) == workloads.spin(3, 10)
    assert workloads.seeded_spin((3, 10)) == (3, workloads.spin(3, 10))
    assert workloads.nap((9, 0.0)) == 9


@pytest.mark.parametrize(
    ("tasks", "workers", "expected"), [(0, 2, 1), (1, 4, 1), (8, 2, 4), (9, 2, 5), (3, 3, 1)]
)
def test_tuned_chunksize_is_one_chunk_per_worker(tasks: int, workers: int, expected: int) -> None:
    assert pools.tuned_chunksize(tasks, workers) == expected


def test_tuned_chunksize_rejects_no_workers() -> None:
    with pytest.raises(ValueError, match="workers >= 1"):
        pools.tuned_chunksize(10, 0)


def test_unknown_api_names_the_choices() -> None:
    with pytest.raises(pools.UnknownApiError, match="apply_async"):
        pools.family("map_async_fast")


def test_bad_pool_parameters() -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        pools.open_pool("process", "pool", 0)
    with pytest.raises(ValueError, match="unknown backend"):
        pools.open_pool("fiber", "pool", 1)  # type: ignore[arg-type]
    w = pools.open_pool("thread", "pool", 1)
    try:
        with pytest.raises(ValueError, match="needs a executor"):
            pools.run_api("executor_submit", w, [(1, 0)])
    finally:
        w.close()


@pytest.mark.parametrize("backend", ["process", "thread"])
def test_every_api_returns_the_serial_results_in_order(backend: pools.Backend) -> None:
    jobs = pool_work.jobs_for(12, 50)
    expected = pool_work.serial_results(jobs)
    for fam in ("pool", "executor"):
        w = pools.open_pool(backend, fam, 2, "fork")
        try:
            pool_ready.answer_all(w)
            for api in pools.APIS:
                if pools.family(api) == fam:
                    assert pools.run_api(api, w, jobs) == expected, api
            assert pools.run_naps(w, [(1, 0.0), (2, 0.0)]) == [1, 2]
        finally:
            w.close()


def test_verifier_catches_lost_and_wrong_results() -> None:
    v = pool_work.Verifier([1, 2, 3])
    assert not v.ok  # nothing checked yet is not a pass
    v.run(lambda: [1, 2, 3])()
    v.verify()
    assert v.ok
    v.run(lambda: [1, 2])()  # a lost task
    v.verify()
    v.run(lambda: [1, 2, 4])()  # a wrong result
    v.verify()
    assert not v.ok and v.bad_rounds == 2 and v.rounds == 3
    assert "2 results for 3 tasks" in v.first_problem


def test_task_work_is_a_fixed_number_of_steps() -> None:
    """Declared, not calibrated: two runs (or two machines) do the same work per task."""
    assert pool_work.iterations_for_ms(1.0) == pool_work.NOMINAL_ITERATIONS_PER_MS
    assert pool_work.iterations_for_ms(0.1) == pool_work.iterations_for_ms(0.1)
    assert pool_work.iterations_for_ms(1e-9) == 1
    with pytest.raises(ValueError, match="positive"):
        pool_work.iterations_for_ms(0)


@pytest.mark.parametrize(
    ("backend", "fam", "start"),
    [
        ("process", "pool", "fork"),
        ("process", "executor", "spawn"),  # lazy: one worker per submit, unless made to answer
        ("process", "executor", "forkserver"),
        ("thread", "pool", "fork"),
    ],
)
def test_every_worker_answers_once(backend: pools.Backend, fam: Any, start: str) -> None:
    w = pools.open_pool(backend, fam, 3, start)
    try:
        places = pool_ready.answer_all(w, timeout_s=60)
        assert len(places) == 3 and pool_ready.distinct_workers(places) == 3
        if backend == "process":
            assert len({p.pid for p in places}) == 3
            assert {p.pid for p in places} == {p.pid for p in w.processes()}
        else:
            assert {p.pid for p in places} == {os.getpid()}
    finally:
        w.close()


@pytest.mark.parametrize("start", ["fork", "forkserver", "spawn"])
def test_pinned_workers_run_inside_their_mask(start: str) -> None:
    """Every start method, forkserver included: its children inherit the server's mask."""
    cpus = pools.cpus_for(1)
    w = pools.open_pool("process", "pool", 2, start, cpus=cpus)
    try:
        places = pool_ready.answer_all(w, timeout_s=60)
        assert all(p.affinity == tuple(cpus) and p.cpu in cpus for p in places)
        where = pool_ready.placement(w, places)
        assert where["inside_mask"] and where["cpus"] == cpus
        assert [x["affinity"] for x in where["after_rounds"]] == [cpus, cpus]
        assert all(x["last_cpu"] in cpus for x in where["after_rounds"])
    finally:
        w.close()


def test_placement_catches_a_worker_outside_the_mask() -> None:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("needs two usable CPUs")
    w = pools.open_pool("process", "pool", 1, "fork", cpus=cpus[:1])
    try:
        places = pool_ready.answer_all(w, timeout_s=60)
        os.sched_setaffinity(places[0].pid, cpus[1:2])  # moved away after it answered
        assert not pool_ready.placement(w, places)["inside_mask"]
    finally:
        w.close()


@pytest.mark.parametrize("fam", ["pool", "executor"])
def test_a_worker_killed_during_warm_up_fails_with_its_pid_not_a_hang(
    monkeypatch: pytest.MonkeyPatch, fam: Any
) -> None:
    """Pool replaces a killed worker but loses its task: the old warm-up waited for ever."""
    killed: list[int] = []
    parse = pool_ready._parse

    def kill_the_first_to_answer(line: bytes) -> pool_ready.WorkerPlace:
        place = parse(line)
        if not killed:  # it holds its warm-up task, waiting for the go: kill it now
            os.kill(place.pid, signal.SIGKILL)
            killed.append(place.pid)
        return place

    monkeypatch.setattr(pool_ready, "_parse", kill_the_first_to_answer)
    w = pools.open_pool("process", fam, 2, "fork")
    started = time.monotonic()
    try:
        with pytest.raises(pool_ready.PoolNotReady) as failure:
            pool_ready.answer_all(w, timeout_s=30)
    finally:
        w.close()
    named = f"pid {killed[0]} (SIGKILL)" in str(failure.value)
    # an executor reaps its dead itself and says so: BrokenProcessPool is the reason then
    assert named or (fam == "executor" and "BrokenProcessPool" in str(failure.value))
    assert time.monotonic() - started < 30  # failed as the worker died, not at the deadline


def test_close_kills_an_executor_worker_stuck_in_a_task() -> None:
    w = pools.open_pool("process", "executor", 1, "fork")
    w.pool.submit(time.sleep, 3600)
    time.sleep(0.2)
    procs = w.processes()
    started = time.monotonic()
    w.close(timeout_s=1.0)
    assert time.monotonic() - started < 30
    assert procs and all(p.exitcode is not None for p in procs)


def ctx(profile: str, cores: int, methods: tuple[str, ...] = ("fork", "spawn")) -> GridContext:
    return GridContext(get_profile(profile), cores, methods)


def test_core_counts_axis() -> None:
    assert pools.core_counts(ctx("smoke", 2)) == [1, 2]
    assert pools.core_counts(ctx("smoke", 1)) == [1]
    assert pools.core_counts(ctx("standard", 12)) == [1, 2, 4, 8, 12]
    assert pools.core_counts(ctx("full", 3)) == [1, 2, 3]


def test_steady_start_prefers_the_cheapest_asked_method() -> None:
    assert pools.steady_start(ctx("quick", 2, ("spawn", "fork"))) == ["fork"]
    assert pools.steady_start(ctx("quick", 2, ("spawn",))) == ["spawn"]
    assert pools.steady_start(ctx("quick", 2, ())) == ["fork"]  # none asked: still one


PROMISED_CASES = {
    "task_overhead",
    "pool_start",
    "scaling",
    "scaling_cores",
    "sleep_tasks",
    "executor_overhead",  # process and thread executors here; subinterpreters on 3.14+
    "executor_scaling",
}


def test_smoke_run_of_pool_benchmarks(pool_gil_smoke: dict[str, Any]) -> None:
    benches = [
        b["extra_info"]["mpbench"]
        for b in pool_gil_smoke["benchmarks"]
        if b["extra_info"]["mpbench"]["subject"] == "pool"
    ]
    assert {m["case"] for m in benches} == PROMISED_CASES
    assert {m["params"]["api"] for m in benches if m["case"] == "task_overhead"} == set(pools.APIS)
    for m in benches:
        assert m["checks"], m["case"]  # each case records what it verified
        assert_cpu_use_adds_up(m)
    overhead = [m for m in benches if m["case"] == "task_overhead"]
    assert all(m["figures"][0]["per_round"] == m["info"]["tasks_per_round"] for m in overhead)
    for m in benches:
        if m["case"] in ("scaling", "scaling_cores"):
            d = m["derived"]
            assert d["efficiency"] == pytest.approx(d["speedup"] / d["parallelism"])
            assert d["parallelism"] == min(
                d["n"], pool_gil_smoke["machine_info"]["mpbench"]["usable_cores"]
            )
            assert "serial_fraction_amdahl_fit" in d
            assert m["figures"][-1]["per_round"] == m["info"]["iterations_per_round"]
            assert m["info"]["iterations_per_task"] == pool_work.iterations_for_ms(
                m["params"]["task_ms"]
            )
        if m["case"] != "pool_start":
            where = m["info"]["placement"]
            assert where["inside_mask"] and where["distinct_workers"] == len(where["answered"])
    for m in benches:
        if m["case"] == "scaling_cores":  # forkserver or fork: every worker inside the mask
            cpus = m["info"]["placement"]["cpus"]
            assert len(cpus) == m["params"]["cores"]
            assert all(set(p["affinity"]) <= set(cpus) for p in m["info"]["placement"]["answered"])
    starts = [m for m in benches if m["case"] == "pool_start"]
    for m in starts:  # ready = every worker answered, for Pool and executor alike
        assert set(m["info"]["distinct_workers_answered"]) == {m["info"]["workers"]}


def test_close_kills_a_pool_worker_that_ignores_sigterm() -> None:
    w = pools.open_pool("process", "pool", 2, "fork")
    procs = w.processes()
    os.kill(procs[0].pid or 0, signal.SIGSTOP)  # a stopped process never acts on SIGTERM
    started = time.monotonic()
    w.close(timeout_s=1.0)
    assert time.monotonic() - started < 30  # Pool.terminate() alone joins it for ever
    assert all(p.exitcode is not None for p in procs)
