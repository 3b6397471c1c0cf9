"""dask.distributed: what a cluster costs to start, per task, per megabyte, and how it scales.

- ``cluster_start``: from nothing to all N workers connected (``LocalCluster`` of N worker
  processes, one thread each, under nannies, on 127.0.0.1). Unit: seconds per start. Closing
  the cluster is off the clock. Embedded cluster only (skipped with ``--mpbench-scheduler``).
- ``task_overhead``: no-op tasks (``spin`` with 0 iterations, as the pool subject) through
  ``client.submit`` one at a time (a round trip each) and ``client.map`` (all at once), next
  to ``Pool.apply`` (round trip), ``Pool.apply_async`` and ``ProcessPoolExecutor.submit``
  on as many workers, in the same run. Unit: seconds per task and tasks/s.
- ``scaling``: the pool subject's CPU-bound batch (tasks of about ``task_ms``) with
  ``client.map`` and with ``Pool.map`` on 1 .. 2x usable cores workers. Unit: seconds per
  batch; speedup T1/TN with a bootstrap interval is derived (``bench_lib.results.scaling``).
- ``transfer``: a payload of ``size_kib`` to one worker and back (``scatter`` + ``gather``),
  a worker-to-worker dependency (a task on worker B needs data made on worker A), and the
  one-machine references at the same size: a ``Pipe`` echo and a shared-memory echo. Unit:
  bytes/s (bytes moved per round: 2x size for round trips, 1x for worker-to-worker).

Off the clock: starting and closing the cluster, pool or echo child (one per block: a block
is a fresh cluster, which the next benchmark's same block reuses when it has as many workers;
``info.cluster`` records which), warming them, making payloads and expected results,
checking every round's results (task results against a serial run, payloads by length and
CRC-32; worker-to-worker's consumer task computes its CRC-32 on B, on the clock), and
checking that no worker left the cluster (a lost worker fails the benchmark, saying whether
dask retried). With ``--mpbench-scheduler tcp://HOST:PORT`` (``mpbench run --scheduler``) the
same benchmarks run on that cluster.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from bench_lib.engine.bench import Bench, Figure
from bench_lib.engine.profiles import GridContext, from_profile, grid
from bench_lib.subjects.distributed import cluster as dcl
from bench_lib.subjects.distributed import ops
from bench_lib.subjects.distributed import workloads as dw
from bench_lib.subjects.distributed.guard import measure_guarded
from bench_lib.subjects.pool import ops as pools
from bench_lib.subjects.pool import ready as pool_ready
from bench_lib.workers import pool_work
from bench_lib.workers.pool_work import Verifier

OVERHEAD_TASKS: dict[str, Sequence[int]] = {"smoke": [10], "quick": [100], "standard": [300]}
ROUND_TARGET_S = {"smoke": 0.05, "quick": 0.1, "standard": 0.2, "full": 0.5}  # one round, about
CALIBRATION_TASKS = 10  # tasks timed (off the clock) to size a round; also the fewest per round
START_ROUNDS = {"smoke": 1, "quick": 2, "standard": 6, "full": 10}  # each round starts a cluster
SCALING_TASK_MS: dict[str, Sequence[float]] = {
    "smoke": [1.0],
    "standard": [10.0],  # 1 ms tasks: dask's overhead alone; task_overhead shows it cheaper
    "full": [1.0, 10.0],
}
BATCH_SERIAL_S = {"smoke": 0.02, "quick": 0.05, "standard": 0.1, "full": 0.5}  # serial work/round
TASKS_PER_WORKER_MIN = 4  # the batch keeps even 2x-oversubscribed workers busy for 2 waves
TRANSFER_KIB: dict[str, Sequence[int]] = {
    "smoke": [64],
    "standard": [64, 16384],  # 1 MiB in full: the standard run stays under five minutes
    "full": [64, 256, 1024, 4096, 16384],
}
TRANSFER_WORKERS = 2  # a worker-to-worker transfer needs two
POOL_API = {
    "pool_apply": "apply",
    "pool_apply_async": "apply_async",
    "executor_submit": "executor_submit",
}


def start_workers(ctx: GridContext) -> list[int]:
    """Axis: cluster sizes to start: 1 in smoke, the cores in quick, 1 and the cores in
    standard (6 starts of each, ~2 s apiece), 2x cores too in full."""
    if ctx.profile.rank == 0:
        return [1]
    if ctx.profile.rank == 1:
        return [ctx.cores]
    return sorted({1, ctx.cores} | ({2 * ctx.cores} if ctx.profile.rank >= 3 else set()))


def scaling_workers(ctx: GridContext) -> list[int]:
    """Axis: 1 and the cores; 2x cores (oversubscribed, as the pool subject) in full."""
    return sorted({1, ctx.cores} | ({2 * ctx.cores} if ctx.profile.rank >= 3 else set()))


def _start_method() -> str:
    available = multiprocessing.get_all_start_methods()
    return next(m for m in pools.STEADY_START_PREFERENCE if m in available)


@pytest.fixture(scope="module", autouse=True)
def _kept_clusters() -> Iterator[None]:
    """The clusters kept between benchmarks (one per block) end with the subject."""
    yield
    dcl.close_kept()


@pytest.fixture
def scheduler(request: pytest.FixtureRequest) -> str | None:
    address: str | None = request.config.getoption("mpbench_scheduler", default=None)
    return address


def _record_cluster(mpbench: Bench, cluster: dcl.Cluster) -> None:
    mpbench.info.setdefault("cluster", []).append(cluster.describe().as_dict())


@grid(workers=start_workers)
def test_cluster_start(mpbench: Bench, scheduler: str | None, workers: int) -> None:
    if scheduler:
        pytest.skip("cluster start is measured on the embedded cluster, not --mpbench-scheduler's")
    held: list[dcl.Cluster] = []
    connected: list[int] = []

    def start() -> None:
        held.append(dcl.start_embedded(workers))

    def close(*_: Any) -> None:
        for c in held:
            connected.append(len(c.worker_addresses()))
            c.close()
        held.clear()

    mpbench.info["workers"] = workers
    try:
        mpbench.measure(
            start,
            teardown=close,
            rounds=START_ROUNDS[mpbench.profile.name],
            figures=[Figure("start to all workers connected", "s", "time")],
        )
    finally:
        close()
    mpbench.check(
        "all workers connected", bool(connected) and set(connected) == {workers}, str(connected)
    )


def _tasks_per_round(mpbench: Bench, run: Callable[[list[pool_work.Job]], list[int]]) -> int:
    """No-op tasks in a round of about ``ROUND_TARGET_S``, sized once (block 0) and recorded.

    A dask round trip costs 1 ms on a quiet machine and 50 ms on a busy one: a fixed count
    would make a round last minutes there. Every block reuses the first block's count, so
    all rounds do the same work (docs/design.md, principle 14).
    """
    if "tasks_per_round" not in mpbench.info:
        probe = pool_work.jobs_for(CALIBRATION_TASKS, 0)
        start = time.perf_counter()
        run(probe)
        per_task_s = (time.perf_counter() - start) / len(probe)
        target_s = ROUND_TARGET_S[mpbench.profile.name]
        ceiling = mpbench.profile.pick(OVERHEAD_TASKS)[0]
        mpbench.info["tasks_per_round"] = max(
            CALIBRATION_TASKS, min(ceiling, round(target_s / per_task_s))
        )
    return int(mpbench.info["tasks_per_round"])


def _overhead_rounds(
    mpbench: Bench, run: Callable[[list[pool_work.Job]], list[int]]
) -> tuple[Verifier, Callable[[], None], list[Figure]]:
    tasks = _tasks_per_round(mpbench, run)
    jobs = pool_work.jobs_for(tasks, 0)
    v = Verifier(pool_work.serial_results(jobs))
    figures = [Figure("per task", "s", "time", tasks), Figure("tasks", "task/s", "rate", tasks)]
    return v, v.run(lambda: run(jobs)), figures


@grid(
    api={  # quick: dask's round trip beside the pool's two, one cluster start per block
        "smoke": list(ops.DASK_APIS + ops.POOL_APIS),
        "quick": ["dask_submit", "pool_apply", "pool_apply_async"],
        "standard": list(ops.DASK_APIS + ops.POOL_APIS),
    }
)
def test_task_overhead(
    mpbench: Bench, opened: list[pools.Workers], scheduler: str | None, api: str
) -> None:
    mpbench.info.update(task="no-op", round_trip=api in ops.ROUND_TRIP_APIS)
    if api in ops.POOL_APIS:
        start = _start_method()
        fam = pools.family(POOL_API[api])
        w = pools.open_pool("process", fam, mpbench.cores, start)
        opened.append(w)
        pool_ready.answer_all(w)  # every worker up, with a deadline
        mpbench.info.update(workers=w.workers, start=start)
        v, target, figures = _overhead_rounds(mpbench, lambda j: pools.run_api(POOL_API[api], w, j))
        mpbench.measure(target, teardown=v.verify, figures=figures)
    else:
        op = ops.submit_each if api == "dask_submit" else ops.map_all
        with dcl.opened(scheduler, mpbench.cores, mpbench.block) as cluster:
            _record_cluster(mpbench, cluster)
            workers = cluster.worker_addresses()
            op(cluster, pool_work.jobs_for(2 * len(workers), 0), workers)  # every worker answers
            mpbench.info["workers"] = len(workers)
            v, target, figures = _overhead_rounds(mpbench, lambda j: op(cluster, j, workers))
            measure_guarded(
                mpbench,
                cluster,
                target,
                lambda: v.last == v.expected,
                teardown=v.verify,
                figures=figures,
            )
    mpbench.check("every result right", v.ok, v.first_problem or f"{v.rounds} rounds checked")


def without_clusters() -> None:
    """Close the kept clusters before a body that uses none: idle, they still heartbeat beside
    its rounds, and on free-threaded 3.13t a kept cluster's nanny started a fresh worker (with
    its 6 semaphores) during a Pool body, which failed that body for a leak that was not its."""
    dcl.close_kept()


@from_profile("standard")  # quick: about 15 s for the subject, its cluster start and round trip
@grid(engine=["pool", "dask"], task_ms=SCALING_TASK_MS, workers=scaling_workers)
def test_scaling(
    mpbench: Bench,
    opened: list[pools.Workers],
    scheduler: str | None,
    engine: str,
    task_ms: float,
    workers: int,
) -> None:
    serial_s = BATCH_SERIAL_S[mpbench.profile.name]
    tasks = max(TASKS_PER_WORKER_MIN * 2 * mpbench.cores, round(serial_s / (task_ms / 1000)))
    iterations = pool_work.iterations_for_ms(task_ms)  # fixed work: the pool subject's task
    jobs = pool_work.jobs_for(tasks, iterations)
    v = Verifier(pool_work.serial_results(jobs))
    mpbench.info.update(tasks_per_round=tasks, iterations_per_task=iterations, task_ms=task_ms)
    figures = [Figure("batch", "s", "time"), Figure("per task", "s", "time", tasks)]
    if engine == "pool":
        without_clusters()
        mpbench.info["scaling"] = {"axis": "workers", "usable_cores": mpbench.cores}
        w = pools.open_pool("process", "pool", workers, _start_method())
        opened.append(w)
        pool_ready.answer_all(w)  # every worker up, with a deadline
        mpbench.measure(
            v.run(lambda: pools.run_api("map", w, jobs)), teardown=v.verify, figures=figures
        )
    else:
        with dcl.opened(scheduler, workers, mpbench.block) as cluster:
            _record_cluster(mpbench, cluster)
            every = cluster.worker_addresses()
            if len(every) < workers:
                pytest.skip(f"the cluster at {scheduler} has {len(every)} workers, not {workers}")
            use = every[:workers]
            threads = sum(cluster.client.nthreads().values())
            cores = mpbench.cores if scheduler is None else threads
            mpbench.info["scaling"] = {"axis": "workers", "usable_cores": cores}
            ops.map_all(cluster, pool_work.jobs_for(2 * workers, 0), use)  # warm every worker
            measure_guarded(
                mpbench,
                cluster,
                v.run(lambda: ops.map_all(cluster, jobs, use)),
                lambda: v.last == v.expected,
                teardown=v.verify,
                figures=figures,
            )
    mpbench.check("every result right", v.ok, v.first_problem or f"{v.rounds} rounds checked")


@from_profile("standard")
@grid(path=["scatter_gather", "worker_to_worker", "pipe", "shm"], size_kib=TRANSFER_KIB)
def test_transfer(mpbench: Bench, scheduler: str | None, path: str, size_kib: int) -> None:
    size = size_kib * 1024
    data = dw.payload(size, seed=mpbench.block + 1)
    expected = dw.digest(data)
    seen: list[tuple[int, int]] = []  # digests, computed off the clock
    got: list[bytes] = []  # what the last round trip brought back

    def check_round(*_: Any) -> None:
        seen.append(dw.digest(got.pop()))

    moved = size if path == "worker_to_worker" else 2 * size
    figures = [Figure("bytes", "B/s", "rate", moved), Figure("per round", "s", "time")]
    mpbench.info.update(bytes_per_round=moved, payload_bytes=size)
    if path in ("pipe", "shm"):
        without_clusters()
        start = _start_method()
        peer = ops.open_echo(path, size, start)
        mpbench.info["start"] = start
        try:
            peer.round_trip(data)  # warm
            mpbench.measure(
                lambda: got.append(peer.round_trip(data)), teardown=check_round, figures=figures
            )
        finally:
            peer.close()
    else:
        with dcl.opened(scheduler, TRANSFER_WORKERS, mpbench.block) as cluster:
            _record_cluster(mpbench, cluster)
            every = cluster.worker_addresses()
            if len(every) < TRANSFER_WORKERS:
                pytest.skip(f"the cluster at {scheduler} has one worker: transfers need two")
            a, b = every[:2]
            mpbench.info["route"] = "client-scheduler-worker (dask default)"
            if path == "scatter_gather":

                def target() -> None:
                    got.append(ops.scatter_gather(cluster, data, a))

                ops.scatter_gather(cluster, data, a)  # warm
                measure_guarded(
                    mpbench,
                    cluster,
                    target,
                    lambda: seen[-1] == expected,
                    teardown=check_round,
                    figures=figures,
                )
            else:
                mpbench.info["route"] = f"worker {a} to worker {b}"

                def setup() -> tuple[tuple[ops.Produced], dict[str, Any]]:
                    return (ops.produce(cluster, size, mpbench.block + 1, a),), {}

                def move(produced: ops.Produced) -> None:  # B's task computes the digest
                    seen.append(ops.consume_on(cluster, produced, b))

                measure_guarded(
                    mpbench,
                    cluster,
                    move,
                    lambda: seen[-1] == expected,
                    setup=setup,
                    figures=figures,
                )
    mpbench.check(
        "every payload intact",
        bool(seen) and set(seen) == {expected},
        f"{len(seen)} rounds, {sum(s != expected for s in seen)} damaged",
    )
