"""The GIL side-stepped: one fixed batch of CPU-bound Python split over N threads, N processes
or N subinterpreters.

``cpu_split[mode=thread|process|interpreter-n=N]``: a fixed, declared number of ``spin`` steps
per profile (``info.batch_iterations``, the same in every run), cut into N equal jobs, run with
``map`` (chunksize 1) on a ``ThreadPool(N)`` or a ``Pool(N)``, or one task per job with
``InterpreterPoolExecutor(N).map`` (subinterpreters, each with its own GIL, in threads of this
process: CPython 3.14+, skipped with the reason elsewhere), N = 1 .. usable cores and
oversubscribed (2x). ``cpu_serial``: the same batch run in the measuring thread, no pool: the
one serial baseline both modes' speedups are taken against. Unit: seconds per batch and per
spin step (lower is better). Derived across the points (``bench_lib.results.scaling``): speedup
T_serial/T_N per mode, efficiency, effective cores, and the headline side-step factor =
process speedup / thread speedup at N = usable cores (= T_thread / T_process: the baseline
cancels). On a standard build threads stay near 1x while processes approach N; a
free-threaded build with the GIL off lets threads scale too, and the result file says which.

Placement is controlled: a point with N workers runs on the first min(N, cores) usable CPUs
(the parent, its threads, and every worker process, which pins itself), so the serial
baseline and both one-worker points run on the same CPU. Where each worker answered from is
recorded (``info.placement``) and checked. The two one-worker points are twins
(``bench_lib.engine.twins``): the first to run times both, round by round, and the other adopts its
rounds (``info.measured_beside``), so the same work on the same CPU is compared in the same
seconds of the machine.

Memory per worker is measured with psutil once every worker answered (``memory_per_worker_*``):
a process worker's own USS and RSS, and for threads and subinterpreters what this process grew
by, over N (:mod:`bench_lib.subjects.gil.memory`).

Every pool point also carries a per-core CPU timeline sampled by a separate monitor process
(``bench_lib.timeline``, started unpinned), with the monitor's own CPU use recorded.

Off the clock: building the pool and waiting until every worker answered (with a deadline),
starting and stopping the monitor, and checking each round's checksums against a serial run.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from typing import Any

import pytest

from bench_lib.engine.bench import Bench, Figure, FloorRef, Paired, Twin
from bench_lib.engine.profiles import GridContext, grid, interleaved, worker_counts
from bench_lib.machine import cpu
from bench_lib.subjects.gil import memory, timeline
from bench_lib.subjects.gil import ops as gil
from bench_lib.subjects.pool import ops as pools
from bench_lib.subjects.pool import ready as pool_ready
from bench_lib.workers import interp, pool_work, workloads
from bench_lib.workers.pool_work import Verifier

BATCH_ITERATIONS = {  # spin steps per round: tens of ms to a second (docs/gil.md has the times)
    "smoke": 200_000,
    "quick": 300_000,  # the quick profile's minute leaves the gil subject a few seconds
    "standard": 600_000,
    "full": 5_000_000,
}
# Rounds of every point, all blocks together: more than the profile's floor. On a VM whose vCPUs
# flip between two speeds a few seconds apart, a median of a few rounds lands on whichever state
# had the majority of them (docs/gil.md); 12 rounds are what a standard run can afford.
ROUNDS = {"standard": 12}
TIMELINE_INTERVAL_S = 0.1  # 10 samples/s: keeps the monitor well under 1% of a core
START = pools.STEADY_START_PREFERENCE  # the pool is built off the clock: cheapest method first
SERIAL_BASELINE = {"case": "cpu_serial", "params": {}}  # both modes' speedups divide this


def _start_method() -> str:
    available = multiprocessing.get_all_start_methods()
    return next(m for m in START if m in available)


def _work(mpbench: Bench, n: int) -> tuple[int, list[pool_work.Job]]:
    iterations = BATCH_ITERATIONS[mpbench.profile.name]
    return iterations, gil.split_work(iterations, n)


def _figures(iterations: int) -> list[Figure]:
    return [Figure("batch", "s", "time"), Figure("per spin step", "s", "time", iterations)]


def test_cpu_serial(mpbench: Bench) -> None:
    iterations, jobs = _work(mpbench, 1)
    cpus = pools.cpus_for(1)
    v = Verifier(pool_work.serial_results(jobs))
    mpbench.info.update(gil.gil_state(), batch_iterations=iterations, cpus=cpus)
    with cpu.pinned(cpus):
        mpbench.measure(
            v.run(lambda: pool_work.serial_results(jobs)),
            teardown=v.verify,
            figures=_figures(iterations),
            rounds=ROUNDS.get(mpbench.profile.name),
        )
        ran_on = workloads.last_cpu()  # where the measuring thread was at the end
    mpbench.info["ran_on_cpu"] = ran_on
    mpbench.check("every checksum right", v.ok, v.first_problem or f"{v.rounds} rounds")
    mpbench.check("ran inside the core mask", ran_on in (*cpus, -1), f"CPU {ran_on}, mask {cpus}")


def split_counts(ctx: GridContext) -> list[int]:
    """Axis: 1 and the cores in quick (the headline; 2 on one core, oversubscribed, so that a
    one-core machine shows 2 workers gaining nothing and `mpbench ab` against it has the 2-worker
    points to compare); 1 .. 2x cores otherwise."""
    if ctx.profile.name == "quick":
        return sorted({1, max(2, ctx.cores)})
    return worker_counts(ctx)


def _point_info(
    mpbench: Bench, mode: str, start: str, iterations: int, cpus: list[int]
) -> dict[str, Any]:
    return {
        **gil.gil_state(),
        "start_method": start if mode == "process" else None,
        "api": gil.API_OF[mode],
        "batch_iterations": iterations,
        "cpus": cpus,
        "scaling": {"axis": "n", "usable_cores": mpbench.cores, "baseline": SERIAL_BASELINE},
        "side_step": {"axis": "mode", "numerator": "process", "denominator": "thread"},
    }


def _twin_name(mode: str, n: int) -> str | None:
    """One thread and one process: the same work on the same CPU, so the same time (the
    interpreter point has its own serial baseline beside it, like every point)."""
    other = gil.TWIN_OF.get(mode)
    return f"test_cpu_split[mode={other}-n=1]" if n == 1 and other else None


def _open(
    opened: list[pools.Workers], mode: pools.Backend, n: int, start: str, cpus: list[int]
) -> tuple[pools.Workers, Any, memory.WorkerMemory]:
    """A pool of ``mode`` whose every worker answered, and the memory each worker costs."""
    family = "executor" if mode == "interpreter" else "pool"
    with memory.Growth() as grew:
        w = pools.open_pool(mode, family, n, start, cpus=cpus if mode != "thread" else None)
        opened.append(w)
        w.cpus = cpus
        places = pool_ready.answer_all(w)
    if mode == "process":
        return w, places, memory.of_processes([p.pid for p in w.processes() if p.pid])
    return w, places, grew.per(n)


@grid(mode=list(gil.MODES), n=split_counts)
@interleaved("mode")  # one thread and one process of the same work measured seconds apart
def test_cpu_split(
    mpbench: Bench, opened: list[pools.Workers], mode: pools.Backend, n: int
) -> None:
    if mode == "interpreter" and (reason := interp.missing()):
        pytest.skip(reason)
    if mpbench.adopt():
        return  # its one-worker twin measured it round by round beside its own (engine.twins)
    iterations, jobs = _work(mpbench, n)
    start = _start_method()
    cpus = pools.cpus_for(n)
    twin_name = _twin_name(mode, n)
    modes: list[pools.Backend] = [mode]
    if twin_name and mpbench.twin_wanted(twin_name):
        modes.append(gil.TWIN_OF[mode])
    workers: dict[str, tuple[pools.Workers, Any, Verifier]] = {}
    held: dict[str, memory.WorkerMemory] = {}
    with cpu.pinned(cpus):  # thread workers inherit the mask; the others pin themselves
        for m in modes:
            w, places, held[m] = _open(opened, m, n, start, cpus)
            workers[m] = (w, places, Verifier(pool_work.serial_results(jobs)))
    w, _, v = workers[mode]
    mpbench.info.update(_point_info(mpbench, mode, start, iterations, cpus))
    # the serial baseline of the same work, one round beside each round (A B B A), so the
    # speedups divide times from the same seconds: measured apart, the VM's speed states put
    # the baseline at 166 ms against 190-200 ms for one worker of either kind
    serial_jobs, one_cpu = _work(mpbench, 1)[1], pools.cpus_for(1)  # what cpu_serial runs
    v1 = Verifier(pool_work.serial_results(serial_jobs))

    def serial_alone() -> list[int]:
        with cpu.pinned(one_cpu):  # microseconds, against a batch of 0.1 s or more
            return pool_work.serial_results(serial_jobs)

    def split_on(workers_of: pools.Workers) -> Callable[[], list[int]]:
        api = gil.API_OF[workers_of.backend]
        return lambda: pools.run_api(api, workers_of, jobs)

    baseline = Paired(
        "baseline",
        FloorRef(SERIAL_BASELINE["case"]),
        v1.run(serial_alone),
        Figure("batch", "s", "time"),
        teardown=v1.verify,
    )
    twin = None
    if len(modes) == 2 and twin_name:
        tw, _, tv = workers[modes[1]]
        twin = Twin(twin_name, tv.run(split_on(tw)), teardown=tv.verify)
    with timeline.Timeline(TIMELINE_INTERVAL_S) as tl:
        measure_from = time.monotonic()
        with cpu.pinned(cpus):
            mpbench.measure(
                v.run(split_on(w)),
                teardown=v.verify,
                figures=_figures(iterations),
                paired=baseline,
                twin=twin,
                rounds=ROUNDS.get(mpbench.profile.name),
            )
        measure_to = time.monotonic()
    record = tl.result.as_dict()
    record.update(
        measure_start_s=measure_from - tl.result.start_monotonic_s,
        measure_end_s=measure_to - tl.result.start_monotonic_s,
    )
    metrics = {
        "monitor_cpu_fraction": (tl.result.monitor_cpu_fraction, "core"),
        "timeline_busy_cores": (timeline.mean_busy_cores(tl.result.per_cpu_percent), "core"),
    }
    for kind, (pool, places, ver) in workers.items():
        where = pool_ready.placement(pool, places)
        per_worker = held[kind].as_metrics()
        opened.remove(pool)
        pool.close()  # each block builds its own pool: none idles through the next one
        checks = {
            "every checksum right": (ver.ok and v1.ok, ver.first_problem or v1.first_problem),
            "workers inside the core mask": (where["inside_mask"], str(where)),
        }
        if kind == mode:
            mpbench.info.update(cpu_timeline=record, placement=where)
            for name, (value, unit) in metrics.items():
                mpbench.metric(name, value, unit)
            mpbench.metrics.update(per_worker)
            for name, (ok, detail) in checks.items():
                mpbench.check(name, ok, detail)
        elif twin is not None:
            handed = mpbench.handover(twin.name)
            handed.info.update(
                _point_info(mpbench, kind, start, iterations, cpus),
                cpu_timeline=record,  # both kinds ran in it, one at a time, on the same CPU
                placement=where,
            )
            handed.metrics.update({k: {"value": v, "unit": u} for k, (v, u) in metrics.items()})
            handed.metrics.update(per_worker)
            handed.checks.update(checks)
