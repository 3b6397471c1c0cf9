"""Pool operations mpbench times: one call per API, on process or thread workers.

Every API runs the same job list and returns the results in job order (``imap_unordered``
is sorted back by seed), so one :class:`bench_lib.workers.pool_work.Verifier` can check every round
against the serial answer. Pools are built by :func:`open_pool` off the clock, reused across the
rounds of one parameter point, and closed by :meth:`Workers.close`.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import math
import multiprocessing.pool
import multiprocessing.process
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Union

from bench_lib.workers import interp, mp_context, workloads
from bench_lib.workers.pool_work import Job

if TYPE_CHECKING:
    from bench_lib.engine.profiles import GridContext

Backend = Literal["process", "thread", "interpreter"]  # interpreter: InterpreterPoolExecutor
PoolLike = Union[multiprocessing.pool.Pool, cf.Executor]

POOL_APIS = (  # multiprocessing.Pool / ThreadPool
    "apply",
    "apply_async",
    "map_chunk1",
    "map",
    "map_tuned",
    "imap",
    "imap_unordered",
    "starmap",
)
EXECUTOR_APIS = ("executor_submit", "executor_map", "executor_map_tuned")
APIS = POOL_APIS + EXECUTOR_APIS


STEADY_START_PREFERENCE = ("fork", "forkserver", "spawn")  # cheapest pool build first


def steady_start(ctx: GridContext) -> list[str]:
    """Axis: one start method for pools measured in steady state (built once, off the clock).

    The start method does not change a running pool's per-task cost; the cheapest build
    keeps the run short. Only methods asked for with ``--mpbench-start-methods`` count.
    """
    available = multiprocessing.get_all_start_methods()
    asked = [m for m in STEADY_START_PREFERENCE if m in ctx.start_methods and m in available]
    return asked[:1] or [m for m in STEADY_START_PREFERENCE if m in available][:1]


def core_counts(ctx: GridContext) -> list[int]:
    """Axis: usable cores to emulate with affinity masks, 1 .. all.

    Every count in ``full``; 1, powers of two and all cores otherwise; 1 and all in smoke.
    """
    if ctx.profile.rank == 0:
        return sorted({1, ctx.cores})
    if ctx.profile.rank >= 3:
        return list(range(1, ctx.cores + 1))
    return sorted({1, ctx.cores} | {2**k for k in range(1, 10) if 2**k < ctx.cores})


def cpus_for(workers: int) -> list[int]:
    """The CPUs a pool of ``workers`` is pinned to: the first min(workers, usable) usable ones.

    One worker always runs on the same CPU, so the one-worker baseline of every speedup is
    measured in one place, not wherever the scheduler happened to put it that round.
    """
    if workers < 1:
        raise ValueError(f"need at least one worker, got {workers}")
    return sorted(os.sched_getaffinity(0))[:workers]


class UnknownApiError(ValueError):
    def __init__(self, api: str) -> None:
        super().__init__(f"unknown pool API {api!r}; choose one of: {', '.join(APIS)}")


def family(api: str) -> Literal["pool", "executor"]:
    if api in POOL_APIS:
        return "pool"
    if api in EXECUTOR_APIS:
        return "executor"
    raise UnknownApiError(api)


def tuned_chunksize(tasks: int, workers: int) -> int:
    """One chunk per worker: the fewest round trips for equal-sized tasks.

    (``Pool.map``'s default is four chunks per worker, which balances uneven tasks better.)
    """
    if tasks < 0 or workers < 1:
        raise ValueError(f"need tasks >= 0 and workers >= 1, got {tasks} and {workers}")
    return max(1, math.ceil(tasks / workers))


CLOSE_TIMEOUT_S = 10.0  # workers that outlive this after a stop request are killed


@dataclass
class Workers:
    """An open pool or executor and what it is; close it with :meth:`close`."""

    pool: PoolLike
    backend: Backend
    workers: int
    api_family: Literal["pool", "executor"]
    cpus: list[int] | None = None  # the CPUs every worker pinned itself to; None: not pinned

    def processes(self) -> list[multiprocessing.process.BaseProcess]:
        """The worker processes started so far (none for threads).

        Read from the pool's private attributes (``Pool._pool``, ``ProcessPoolExecutor.
        _processes``): the public API does not say which processes are the workers, and a
        dead one must be named in the failure it causes.
        """
        if self.backend == "thread":
            return []
        if isinstance(self.pool, multiprocessing.pool.Pool):
            return list(getattr(self.pool, "_pool", []) or [])
        if isinstance(self.pool, cf.ProcessPoolExecutor):
            return list((getattr(self.pool, "_processes", None) or {}).values())
        return []

    def close(self, timeout_s: float = CLOSE_TIMEOUT_S) -> None:
        """Stop the workers and wait for them, within about ``timeout_s``; safe after a failure.

        ``Pool.close()`` + ``join()`` waits for pending tasks, and hangs for ever when a
        worker keeps dying at start (the pool keeps replacing it); ``terminate()`` does not
        wait for tasks (every round's results were already collected) but joins every
        worker, so a worker that ignores SIGTERM (stopped, stuck in the kernel) is killed
        once ``timeout_s`` has passed. An executor's ``shutdown(wait=True)`` waits for
        running tasks: its workers get ``timeout_s`` to finish, then are killed.
        """
        seen = self.processes()
        if isinstance(self.pool, multiprocessing.pool.Pool):
            pool = self.pool

            def stop() -> None:
                pool.terminate()
                pool.join()

            stopper = threading.Thread(target=stop, name="mpbench-pool-close", daemon=True)
            stopper.start()
            stopper.join(timeout_s)
            if stopper.is_alive():
                _kill([*seen, *self.processes()], timeout_s)
                stopper.join(timeout_s)
            return
        self.pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + timeout_s
        for p in seen:
            p.join(max(0.0, deadline - time.monotonic()))
        _kill(seen, timeout_s)
        self.pool.shutdown(wait=True)


KILLED_REAP_S = 10.0  # a SIGKILLed worker is gone at once, but a loaded machine reaps it late


def _kill(procs: Sequence[multiprocessing.process.BaseProcess], timeout_s: float) -> None:
    for p in procs:
        if p.exitcode is None:
            p.kill()  # SIGKILL: works on a stopped process too
    for p in procs:
        p.join(max(timeout_s, KILLED_REAP_S))


def open_pool(
    backend: Backend,
    api_family: Literal["pool", "executor"],
    workers: int,
    start: str = "fork",
    cpus: list[int] | None = None,
) -> Workers:
    """A pool of ``workers`` processes (context ``start``), threads or subinterpreters (one
    interpreter per thread: ``InterpreterPoolExecutor``, an executor only); workers passed
    explicitly.

    With ``cpus``, every worker process pins itself there as it starts (forkserver children do
    not inherit the parent's mask); thread workers inherit the mask of the thread that starts
    the pool, so pin the caller (:func:`bench_lib.machine.cpu.pinned`) around this call too.
    """
    if workers < 1:
        raise ValueError(f"a pool needs at least one worker, got {workers}")
    pool: PoolLike
    init: dict[str, Any] = (
        {"initializer": workloads.pin_to, "initargs": (cpus,)} if cpus is not None else {}
    )
    if backend == "process":
        ctx = mp_context.context(start)
        if api_family == "pool":
            pool = ctx.Pool(processes=workers, **init)
        else:
            pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, **init)
    elif backend == "interpreter":
        pool = _interpreter_executor(api_family, workers, init)
    elif backend == "thread":
        if api_family == "pool":
            pool = multiprocessing.pool.ThreadPool(processes=workers)
        else:
            pool = cf.ThreadPoolExecutor(max_workers=workers)
    else:
        raise ValueError(f"unknown backend {backend!r}; choose process, thread or interpreter")
    return Workers(pool, backend, workers, api_family, cpus)


def _interpreter_executor(api_family: str, workers: int, init: dict[str, Any]) -> cf.Executor:
    """An InterpreterPoolExecutor; its workers pin themselves (per thread) like processes do."""
    reason = interp.missing()
    if reason is not None:
        raise ValueError(reason)
    if api_family != "executor":
        raise ValueError(
            "subinterpreters have no multiprocessing.Pool API: use an executor API "
            f"({', '.join(EXECUTOR_APIS)}) with InterpreterPoolExecutor"
        )
    executor: cf.Executor = interp.open_executor(workers, **init)
    return executor


def _pool_api(api: str, pool: multiprocessing.pool.Pool, jobs: Sequence[Job], n: int) -> list[int]:
    f, f1 = workloads.spin, workloads.spin_job
    if api == "apply":
        return [pool.apply(f, job) for job in jobs]
    if api == "apply_async":
        done: dict[int, int] = {}
        pending = []
        for i, job in enumerate(jobs):
            keep = functools.partial(done.__setitem__, i)  # the callback stores result i
            pending.append(pool.apply_async(f, job, callback=keep))
        for p in pending:
            p.wait()
        for p in pending:
            p.get()  # re-raises a worker's exception
        return [done[i] for i in range(len(jobs))]
    if api == "map_chunk1":
        return pool.map(f1, jobs, chunksize=1)
    if api == "map":
        return pool.map(f1, jobs)
    if api == "map_tuned":
        return pool.map(f1, jobs, chunksize=tuned_chunksize(len(jobs), n))
    if api == "imap":
        return list(pool.imap(f1, jobs))
    if api == "imap_unordered":
        by_seed = dict(zip((j[0] for j in jobs), range(len(jobs))))
        out = [0] * len(jobs)
        for seed, r in pool.imap_unordered(workloads.seeded_spin, jobs):
            out[by_seed[seed]] = r
        return out
    if api == "starmap":
        return pool.starmap(f, jobs)
    raise UnknownApiError(api)


def _executor_api(api: str, ex: cf.Executor, jobs: Sequence[Job], n: int) -> list[int]:
    f = workloads.spin
    if api == "executor_submit":
        futures = [ex.submit(f, *job) for job in jobs]
        return [fut.result() for fut in futures]
    seeds, iterations = [j[0] for j in jobs], [j[1] for j in jobs]
    if api == "executor_map":
        return list(ex.map(f, seeds, iterations))
    if api == "executor_map_tuned":  # chunksize only matters for processes; threads ignore it
        return list(ex.map(f, seeds, iterations, chunksize=tuned_chunksize(len(jobs), n)))
    raise UnknownApiError(api)


def run_api(api: str, w: Workers, jobs: Sequence[Job]) -> list[int]:
    """Run ``jobs`` through ``api`` on ``w``; results in job order."""
    if family(api) != w.api_family:
        raise ValueError(f"API {api!r} needs a {family(api)}, this is a {w.api_family}")
    if isinstance(w.pool, multiprocessing.pool.Pool):
        return _pool_api(api, w.pool, jobs, w.workers)
    return _executor_api(api, w.pool, jobs, w.workers)


def run_naps(w: Workers, jobs: Sequence[tuple[int, float]]) -> list[int]:
    """Sleeping tasks (seed, seconds) through ``map`` (chunksize 1: naps balance nothing)."""
    if isinstance(w.pool, multiprocessing.pool.Pool):
        return w.pool.map(workloads.nap, jobs, chunksize=1)
    return list(w.pool.map(workloads.nap, jobs))
