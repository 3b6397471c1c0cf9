"""Pools: what each API costs per task, what a pool costs to start, and how pools scale.

- ``task_overhead``: no-op tasks (``spin`` with 0 iterations) through each API of
  ``multiprocessing.Pool`` / ``ThreadPool`` (apply, apply_async + callback, map with
  chunksize 1 / default / one chunk per worker, imap, imap_unordered, starmap) and of
  ``ProcessPoolExecutor`` / ``ThreadPoolExecutor`` (submit, map, map with a tuned chunksize).
  Unit: seconds per task (lower is better) and tasks/s; workers = usable cores.
- ``pool_start``: creating a pool of usable-cores workers until every one of them has
  answered (``bench_lib.pool_ready``: N answers from N distinct workers; an executor starts
  its workers lazily, so this makes it start all of them, as ``Pool`` does), per start
  method. Unit: seconds per start. Closing the pool is off the clock.
- ``scaling``: a fixed batch of CPU-bound pure-Python tasks (0.1, 1 or 10 nominal ms each:
  a fixed number of spin steps, the same in every run) with ``Pool.map`` on workers = 1 ..
  2x usable cores, pinned to the first min(workers, cores) CPUs. Unit: seconds per batch and
  per task; speedup T1/TN, efficiency and serial fraction are derived across the points
  (``bench_lib.results.scaling``).
- ``scaling_cores``: the same batch with usable cores = 1 .. all, emulated with CPU affinity
  masks (the parent and every worker pin themselves: forkserver children do not inherit the
  parent's mask), workers = cores.
- ``sleep_tasks``: tasks that sleep (no GIL held): threads do as well as processes here.
- ``executor_overhead`` and ``executor_scaling``: the executors side by side, the points of one
  worker count measured seconds apart: ``ProcessPoolExecutor``, ``ThreadPoolExecutor`` and
  ``InterpreterPoolExecutor`` (one subinterpreter per worker thread, CPython 3.14+; skipped
  with the reason elsewhere), no-op tasks through ``submit`` and ``map``, and the scaling batch
  through ``map`` over 1 .. 2x usable cores workers.

Where every worker ran (CPU and mask when it answered, mask and last CPU after the rounds) is
recorded in ``info.placement`` and checked against the mask the pool was pinned to.

Off the clock: building the pool and waiting until every worker answered (reused across the
rounds of one point; a dead worker fails the benchmark with its pid and signal), computing the
expected results, checking every round's results, and closing the pool.
"""

from __future__ import annotations

import multiprocessing.forkserver
import os
from collections.abc import Sequence
from typing import Any, Literal, cast

import pytest

from bench_lib.engine.bench import Bench, Figure, FloorRef, Paired
from bench_lib.engine.profiles import (
    GridContext,
    from_profile,
    grid,
    interleaved,
    start_methods,
    worker_counts,
)
from bench_lib.machine import cpu
from bench_lib.subjects.pool import ops as pools
from bench_lib.subjects.pool import ready as pool_ready
from bench_lib.subjects.pool.ready import WorkerPlace
from bench_lib.subjects.spawn import ops as spawn
from bench_lib.workers import interp, pool_work
from bench_lib.workers.pool_work import Verifier

OVERHEAD_TASKS: dict[str, Sequence[int]] = {"smoke": [20], "quick": [200], "standard": [500]}
TASK_MS: dict[str, Sequence[float]] = {  # full adds 0.1 ms: 16 s of a five-minute standard run
    "smoke": [1.0],
    "quick": [1.0],
    "standard": [1.0, 10.0],
    "full": [0.1, 1.0, 10.0],
}
# scaling_cores repeats scaling's batch under affinity masks: one task size until full
CORES_TASK_MS: dict[str, Sequence[float]] = {"smoke": [1.0], "full": [0.1, 1.0, 10.0]}
BATCH_SERIAL_S = {"smoke": 0.02, "quick": 0.05, "standard": 0.1, "full": 0.5}  # serial work/round
TASKS_PER_WORKER_MIN = 4  # the batch keeps even 2x-oversubscribed pools busy for 2 waves
# quick: the round trip, the async call, map with its default chunks, the executor's submit
QUICK_APIS = ["apply", "apply_async", "map", "executor_submit"]
SLEEP_S: dict[str, Sequence[float]] = {"smoke": [0.002], "quick": [0.005]}
SLEEP_WORKERS_PER_CORE = 4  # sleeping tasks need no core: more workers than cores is the point
EXECUTORS: dict[str, Sequence[str]] = {  # threads' CPU scaling is the gil subject's: full only
    "smoke": ["process", "thread", "interpreter"],
    "standard": ["process", "interpreter"],
    "full": ["process", "thread", "interpreter"],
}
EXECUTOR_APIS: dict[str, Sequence[str]] = {  # standard: the per-task cost of one call
    "smoke": ["executor_submit", "executor_map"],
    "standard": ["executor_submit"],
    "full": ["executor_submit", "executor_map"],
}
EXECUTOR_TASK_MS: dict[str, Sequence[float]] = {"smoke": [1.0], "full": [0.1, 1.0, 10.0]}


def _open(
    held: list[pools.Workers], *args: Any, **kwargs: Any
) -> tuple[pools.Workers, list[WorkerPlace]]:
    """Open a pool and wait (with a deadline) until every worker has answered once."""
    w = pools.open_pool(*args, **kwargs)
    held.append(w)
    return w, pool_ready.answer_all(w)


def _verify(mpbench: Bench, v: Verifier) -> None:
    mpbench.check("every result right", v.ok, v.first_problem or f"{v.rounds} rounds checked")


def _placed(
    mpbench: Bench, opened: list[pools.Workers], w: pools.Workers, places: list[WorkerPlace]
) -> None:
    """Record where the workers ran, close the pool (a block builds its own), check the mask."""
    where = pool_ready.placement(w, places)
    opened.remove(w)
    w.close()
    mpbench.info["placement"] = where
    mpbench.check(
        "workers inside the core mask",
        where["inside_mask"],
        f"pinned to CPUs {where['cpus']}, answered from {where['answered']}, "
        f"after the rounds {where['after_rounds']}",
    )


@grid(
    api={"smoke": list(pools.APIS), "quick": QUICK_APIS, "standard": list(pools.APIS)},
    # thread pools: the per-task contrast in smoke and full (the GIL subject has the CPU one)
    pool={"smoke": ["process", "thread"], "quick": ["process"], "full": ["process", "thread"]},
    start=pools.steady_start,
)
def test_task_overhead(
    mpbench: Bench, opened: list[pools.Workers], api: str, pool: pools.Backend, start: str
) -> None:
    tasks = mpbench.profile.pick(OVERHEAD_TASKS)[0]
    w, places = _open(opened, pool, pools.family(api), mpbench.cores, start)
    jobs = pool_work.jobs_for(tasks, 0)
    v = Verifier(pool_work.serial_results(jobs))
    mpbench.info.update(tasks_per_round=tasks, workers=w.workers, task="no-op")
    mpbench.measure(
        v.run(lambda: pools.run_api(api, w, jobs)),
        teardown=v.verify,
        figures=[Figure("per task", "s", "time", tasks), Figure("tasks", "task/s", "rate", tasks)],
    )
    _verify(mpbench, v)
    _placed(mpbench, opened, w, places)


@grid(start=start_methods, pool={"smoke": ["pool"], "standard": ["pool", "executor"]})
def test_pool_start(mpbench: Bench, opened: list[pools.Workers], start: str, pool: str) -> None:
    try:
        spawn.context(start)
    except spawn.StartMethodUnavailable as exc:
        pytest.skip(str(exc))
    family = cast(Literal["pool", "executor"], pool)
    answered: list[int] = []

    def setup() -> tuple[tuple[list[pools.Workers]], dict[str, Any]]:
        if start == "forkserver":  # steady state: the server is up before the clock starts
            multiprocessing.forkserver.ensure_running()
        return ([],), {}

    def create_until_all_answered(held: list[pools.Workers]) -> None:
        held.append(pools.open_pool("process", family, mpbench.cores, start))
        opened.append(held[0])  # closed by the fixture if the round fails before teardown
        places = pool_ready.answer_all(held[0])
        answered.append(pool_ready.distinct_workers(places))

    def close(held: list[pools.Workers]) -> None:
        for w in held:
            w.close()
            opened.remove(w)

    mpbench.info["workers"] = mpbench.cores
    mpbench.measure(
        create_until_all_answered,
        setup=setup,
        teardown=close,
        figures=[Figure("create until all workers answered", "s", "time")],
    )
    mpbench.info["distinct_workers_answered"] = answered
    mpbench.check(
        "every worker answered",
        bool(answered) and set(answered) == {mpbench.cores},
        f"distinct workers per round {answered[:5]}, wanted {mpbench.cores}",
    )


def _batch(mpbench: Bench, task_ms: float) -> list[pool_work.Job]:
    """The round's work: a fixed number of tasks of fixed spin steps (no calibration)."""
    serial_s = BATCH_SERIAL_S[mpbench.profile.name]
    tasks = max(TASKS_PER_WORKER_MIN * 2 * mpbench.cores, round(serial_s / (task_ms / 1000)))
    iterations = pool_work.iterations_for_ms(task_ms)
    mpbench.info.update(
        tasks_per_round=tasks,
        iterations_per_task=iterations,
        iterations_per_round=tasks * iterations,
        task_ms=task_ms,
    )
    return pool_work.jobs_for(tasks, iterations)


def _measure_batch(
    mpbench: Bench,
    opened: list[pools.Workers],
    w: pools.Workers,
    places: list[WorkerPlace],
    jobs: list[pool_work.Job],
    axis: str,
    start: str,
    api: str = "map",
) -> None:
    """Time the batch on ``w``; past one worker, beside the same batch on a one-worker pool.

    The two alternate round by round (principle 13), and the speedup T1/TN comes from their
    blocks: timed minutes apart, a VM speed change put 2 workers at 2.18x on 2 cores.
    """
    v = Verifier(pool_work.serial_results(jobs))
    n = int(mpbench.params[axis])
    mpbench.info["scaling"] = {"axis": axis, "usable_cores": mpbench.cores}
    paired = None
    if n > 1:
        alone = pools.cpus_for(1)
        with cpu.pinned(alone):  # as the one-worker point has it: parent beside its worker
            one, one_places = _open(opened, w.backend, w.api_family, 1, start, cpus=alone)
        v1 = Verifier(pool_work.serial_results(jobs))

        def batch_alone() -> list[int]:
            with cpu.pinned(alone):  # microseconds, against a batch of 50 ms or more
                return pools.run_api(api, one, jobs)

        paired = Paired(
            "baseline",
            FloorRef(mpbench.case, {**mpbench.params, axis: 1}),
            v1.run(batch_alone),
            Figure("batch", "s", "time"),
            teardown=v1.verify,
        )
    with cpu.pinned(w.cpus or sorted(os.sched_getaffinity(0))):
        mpbench.measure(
            v.run(lambda: pools.run_api(api, w, jobs)),
            teardown=v.verify,
            figures=[
                Figure("batch", "s", "time"),
                Figure("per task", "s", "time", len(jobs)),
                Figure("per spin step", "s", "time", sum(n for _, n in jobs)),
            ],
            paired=paired,
        )
    _verify(mpbench, v)
    if paired is not None:
        _verify(mpbench, v1)
        one_where = pool_ready.placement(one, one_places)
        opened.remove(one)
        one.close()
        mpbench.info["baseline_placement"] = one_where
    _placed(mpbench, opened, w, places)


@grid(task_ms=TASK_MS, workers=worker_counts, start=pools.steady_start)
def test_scaling(
    mpbench: Bench, opened: list[pools.Workers], task_ms: float, workers: int, start: str
) -> None:
    jobs = _batch(mpbench, task_ms)
    cpus = pools.cpus_for(workers)
    mpbench.info["cpus"] = cpus
    with cpu.pinned(cpus):  # the parent too: its result handler shares the workers' cores
        w, places = _open(opened, "process", "pool", workers, start, cpus=cpus)
    _measure_batch(mpbench, opened, w, places, jobs, "workers", start)


@from_profile("standard")
@grid(task_ms=CORES_TASK_MS, cores=pools.core_counts, start=pools.steady_start)
def test_scaling_cores(
    mpbench: Bench, opened: list[pools.Workers], task_ms: float, cores: int, start: str
) -> None:
    jobs = _batch(mpbench, task_ms)
    cpus = pools.cpus_for(cores)
    mpbench.info["cpus"] = cpus
    with cpu.pinned(cpus):  # forked workers inherit the mask; every worker also pins itself
        w, places = _open(opened, "process", "pool", cores, start, cpus=cpus)
    _measure_batch(mpbench, opened, w, places, jobs, "cores", start)


@from_profile("standard")
@grid(pool=["process", "thread"], start=pools.steady_start)
def test_sleep_tasks(
    mpbench: Bench, opened: list[pools.Workers], pool: pools.Backend, start: str
) -> None:
    nap_s = mpbench.profile.pick(SLEEP_S)[0]
    workers = SLEEP_WORKERS_PER_CORE * mpbench.cores
    w, places = _open(opened, pool, "pool", workers, start)
    jobs = [(seed, nap_s) for seed in range(1, 4 * workers + 1)]
    v = Verifier([seed for seed, _ in jobs])
    mpbench.info.update(tasks_per_round=len(jobs), workers=workers, sleep_s=nap_s)
    mpbench.info["ideal_batch_s"] = nap_s * len(jobs) / workers
    mpbench.measure(
        v.run(lambda: pools.run_naps(w, jobs)),
        teardown=v.verify,
        figures=[Figure("batch", "s", "time"), Figure("per task", "s", "time", len(jobs))],
    )
    _verify(mpbench, v)
    _placed(mpbench, opened, w, places)


def executor_workers(ctx: GridContext) -> list[int]:
    """Axis: 1 and the cores until full (the gil subject has the oversubscribed points);
    ``worker_counts`` in full."""
    return worker_counts(ctx) if ctx.profile.rank >= 3 else sorted({1, ctx.cores})


def _executor(mpbench: Bench, executor: str) -> pools.Backend:
    """The executor's backend, or skip with the reason it cannot be had on this Python."""
    if executor == "interpreter" and (reason := interp.missing()):
        pytest.skip(reason)
    mpbench.info["executor"] = f"{executor.capitalize()}PoolExecutor"
    return cast(pools.Backend, executor)


@from_profile("standard")
@grid(api=EXECUTOR_APIS, executor=EXECUTORS, start=pools.steady_start)
@interleaved("executor")  # the three executors of one API measured seconds apart
def test_executor_overhead(
    mpbench: Bench, opened: list[pools.Workers], api: str, executor: str, start: str
) -> None:
    backend = _executor(mpbench, executor)
    tasks = mpbench.profile.pick(OVERHEAD_TASKS)[0]
    w, places = _open(opened, backend, "executor", mpbench.cores, start)
    jobs = pool_work.jobs_for(tasks, 0)
    v = Verifier(pool_work.serial_results(jobs))
    mpbench.info.update(tasks_per_round=tasks, workers=w.workers, task="no-op")
    mpbench.measure(
        v.run(lambda: pools.run_api(api, w, jobs)),
        teardown=v.verify,
        figures=[Figure("per task", "s", "time", tasks), Figure("tasks", "task/s", "rate", tasks)],
    )
    _verify(mpbench, v)
    _placed(mpbench, opened, w, places)


@from_profile("standard")
@grid(
    task_ms=EXECUTOR_TASK_MS,
    workers=executor_workers,
    executor=EXECUTORS,
    start=pools.steady_start,
)
@interleaved("executor")
def test_executor_scaling(
    mpbench: Bench,
    opened: list[pools.Workers],
    task_ms: float,
    workers: int,
    executor: str,
    start: str,
) -> None:
    backend = _executor(mpbench, executor)
    jobs = _batch(mpbench, task_ms)
    cpus = pools.cpus_for(workers)
    mpbench.info["cpus"] = cpus
    pin = cpus if backend != "thread" else None  # thread workers inherit the mask below
    with cpu.pinned(cpus):
        w, places = _open(opened, backend, "executor", workers, start, cpus=pin)
    w.cpus = cpus
    _measure_batch(mpbench, opened, w, places, jobs, "workers", start, api="executor_map")
