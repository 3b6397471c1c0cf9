"""Pool operations: workloads, every API's results, verification, axes, and the smoke run."""

from __future__ import annotations

from typing import Any

import pytest

from bench_lib import pools, workloads
from bench_lib.profiles import GridContext, get_profile


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
    jobs = pools.jobs_for(12, 50)
    expected = pools.serial_results(jobs)
    for fam in ("pool", "executor"):
        w = pools.open_pool(backend, fam, 2, "fork")
        try:
            pools.warm(w)
            for api in pools.APIS:
                if pools.family(api) == fam:
                    assert pools.run_api(api, w, jobs) == expected, api
            assert pools.run_naps(w, [(1, 0.0), (2, 0.0)]) == [1, 2]
        finally:
            w.close()


def test_verifier_catches_lost_and_wrong_results() -> None:
    v = pools.Verifier([1, 2, 3])
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


def test_iterations_for_scales_with_task_time() -> None:
    assert pools.iterations_for(1e-9) >= 1
    assert pools.iterations_for(0.01) > pools.iterations_for(0.001)
    with pytest.raises(ValueError, match="positive"):
        pools.iterations_for(0)


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


PROMISED_CASES = {"task_overhead", "pool_start", "scaling", "scaling_cores", "sleep_tasks"}


def test_smoke_run_of_pool_benchmarks(pool_gil_smoke: dict[str, Any]) -> None:
    benches = [
        b["extra_info"]["mpbench"]
        for b in pool_gil_smoke["benchmarks"]
        if b["extra_info"]["mpbench"]["subject"] == "pool"
    ]
    assert {m["case"] for m in benches} == PROMISED_CASES
    assert {m["params"]["api"] for m in benches if m["case"] == "task_overhead"} == set(pools.APIS)
    for m in benches:
        assert all(m["checks"].values()) and m["checks"], m["case"]
        assert m["figures"][0]["median"] > 0
        assert m["cpu"]["effective_cores"] >= 0
    overhead = [m for m in benches if m["case"] == "task_overhead"]
    assert all(m["figures"][0]["per_round"] == m["info"]["tasks_per_round"] for m in overhead)
    for m in benches:
        if m["case"] in ("scaling", "scaling_cores"):
            d = m["derived"]
            assert d["speedup"] > 0 and d["efficiency"] > 0 and "serial_fraction_amdahl_fit" in d
