"""The ways to run the user's calls: serially, threads, interpreters, processes; and runners.

A :class:`Way` is what the report names ("processes (fork, Pool.starmap, chunksize 16)"); a
:class:`Runner` opens its pool (the start-up, off the per-call clock), runs one round (every
argument tuple once, results in order) and closes the pool, leaving no process behind. Every
process pool gets an explicit start method (docs/design.md, principle 2).
"""

from __future__ import annotations

import concurrent.futures
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from bench_lib.measure import calls
from bench_lib.workers import mp_context

KINDS = ("serial", "threads", "interpreters", "processes")  # cheapest first: a tie goes left
APIS = {  # process APIs, in the report's order: what each is called there
    "starmap": "Pool.starmap",
    "starmap_default": "Pool.starmap",
    "imap_unordered": "Pool.imap_unordered",
    "apply_async": "Pool.apply_async",
    "executor": "ProcessPoolExecutor.map",
}
START_METHODS = ("fork", "forkserver", "spawn")  # the cheapest to start first
CHUNK_WORK_S = 0.001  # a chunk of at least 1 ms of calls: a task's IPC (~0.1 ms) stays small
CHUNKS_PER_WORKER = 4  # as Pool.map's default: a slow chunk does not leave others idle long


@dataclass(frozen=True)
class Way:
    """One way of running the calls; processes name their start method, API and chunksize."""

    kind: str  # one of KINDS
    workers: int = 1
    start_method: str | None = None  # processes only
    api: str | None = None  # processes only: a key of APIS
    chunksize: int | None = None  # None: the API's default

    @property
    def id(self) -> str:
        """``processes[start=fork-api=starmap-chunksize=16-workers=2]``: key=value, as ids are."""
        parts = [f"start={self.start_method}", f"api={self.api}"] if self.api else []
        if self.api and self.chunksize is not None:
            parts.append(f"chunksize={self.chunksize}")
        parts.append(f"workers={self.workers}")
        return self.kind if self.kind == "serial" else f"{self.kind}[{'-'.join(parts)}]"

    @property
    def label(self) -> str:
        """``processes (fork, Pool.starmap, chunksize 16)``: how the recommendation reads."""
        if self.api is None:
            return self.kind
        chunk = "default chunksize" if self.chunksize is None else f"chunksize {self.chunksize}"
        if self.api == "apply_async":
            chunk = "one task per call"
        return f"{self.kind} ({self.start_method}, {APIS[self.api]}, {chunk})"

    @property
    def cost(self) -> tuple[int, int, int, int]:
        """Cheaper first: the kind, then fewer workers, then the start method that is cheaper
        to start (a pool of fork workers is ready in milliseconds, a spawn pool pays an
        interpreter start per worker), then the simpler API."""
        api_rank = list(APIS).index(self.api) if self.api else 0
        start_rank = START_METHODS.index(self.start_method) if self.start_method else 0
        return KINDS.index(self.kind), self.workers, start_rank, api_rank


def default_chunksize(calls_n: int, workers: int) -> int:
    """What Pool.map/starmap choose without a chunksize: ceil(calls / (4 workers))."""
    return max(1, math.ceil(calls_n / (CHUNKS_PER_WORKER * workers)))


def chosen_chunksize(calls_n: int, workers: int, per_call_s: float) -> int:
    """Chunks of at least CHUNK_WORK_S of work, but no fewer than the default's chunks."""
    enough = math.ceil(CHUNK_WORK_S / per_call_s) if per_call_s > 0 else calls_n
    return max(1, min(enough, default_chunksize(calls_n, workers)))


def interpreters_available() -> bool:
    """concurrent.futures.InterpreterPoolExecutor: Python 3.14 and later."""
    return hasattr(concurrent.futures, "InterpreterPoolExecutor")


class Runner:
    """Open (start-up), run rounds, close; ``close`` always leaves no worker alive."""

    def __init__(self, way: Way, fn: Callable[..., Any], args: list[tuple[Any, ...]]) -> None:
        self.way, self.fn, self.args = way, fn, args
        self.pool: Any = None

    def open(self) -> None:
        """Start the workers and wait until each answered a no-op task."""
        w = self.way
        if w.kind == "threads":
            self.pool = concurrent.futures.ThreadPoolExecutor(w.workers)
        elif w.kind == "interpreters":
            self.pool = concurrent.futures.InterpreterPoolExecutor(  # type: ignore[attr-defined,unused-ignore]
                w.workers, initializer=calls.use_path, initargs=(tuple(sys.path),)
            )
        elif w.api == "executor":
            ctx = mp_context.context(str(w.start_method))
            self.pool = concurrent.futures.ProcessPoolExecutor(w.workers, mp_context=ctx)
        elif w.kind == "processes":
            self.pool = mp_context.context(str(w.start_method)).Pool(w.workers)
        if isinstance(self.pool, concurrent.futures.Executor):
            list(self.pool.map(calls.answer, range(w.workers)))
        elif self.pool is not None:
            self.pool.map(calls.answer, range(w.workers), chunksize=1)

    def run(self, timeout_s: float | None = None) -> list[Any]:
        """One round: every argument tuple once; the results in the arguments' order.

        A pool's round that outlives ``timeout_s`` raises TimeoutError (a worker hung, or
        died and took its task with it: Pool.map would wait for ever); serial and threads
        cannot be stopped from outside, so they have no deadline.
        """
        fn, args, w, pool = self.fn, self.args, self.way, self.pool
        if pool is None:
            return [fn(*a) for a in args]
        if isinstance(pool, concurrent.futures.Executor):
            chunk = {"chunksize": w.chunksize} if w.chunksize and w.api else {}
            wait = None if w.kind == "threads" else timeout_s
            return list(pool.map(calls.star, repeat(fn, len(args)), args, timeout=wait, **chunk))
        deadline = time.monotonic() + (timeout_s if timeout_s is not None else 1e9)

        def left() -> float:
            return max(0.0, deadline - time.monotonic())

        if w.api == "apply_async":
            pending = [pool.apply_async(fn, a) for a in args]
            return [p.get(left()) for p in pending]
        if w.api == "imap_unordered":
            jobs = ((i, fn, a) for i, a in enumerate(args))
            results = pool.imap_unordered(calls.indexed, jobs, chunksize=w.chunksize or 1)
            done = sorted(results.next(left()) for _ in args)
            return [result for _, result in done]
        return list(pool.starmap_async(fn, args, chunksize=w.chunksize).get(left()))

    def close(self) -> None:
        pool, self.pool = self.pool, None
        if isinstance(pool, concurrent.futures.Executor):
            pool.shutdown(wait=True, cancel_futures=True)
        elif pool is not None:
            pool.terminate()  # every round has returned: nothing is lost by not waiting
            pool.join()
