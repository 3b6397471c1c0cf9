"""A crew: workers started once, off the clock, then released together for each round.

A round is: the parent posts one token to each worker's own semaphore (every worker is
already waiting on it), each worker runs its job once and sends the result back over its
own pipe, the parent collects every result. Starting the workers, and stopping them, stays
off the clock.

No wait of the parent can hang on a dead worker: a post never blocks, a dead worker's pipe
reads as closed, stopping joins with a deadline. A worker that dies, in a round or between
rounds, ends the next round at once with :class:`WorkerDied`; one that hangs (say, asleep
holding a lock) is ended by the engine's round deadline. Either way leaving the ``with``
block terminates, then kills, what is left.
"""

from __future__ import annotations

import multiprocessing.connection
import threading
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from bench_lib.workers import placement, workloads

STOP_GRACE_S = 5.0  # a healthy worker takes its stop token and exits well within this
KILL_GRACE_S = 1.0  # after terminate(), how long before kill()

Job = tuple[Callable[..., Any], tuple[Any, ...]]  # (workloads function, its arguments)


class WorkerDied(RuntimeError):
    """A crew member exited before sending its result for the round (in it or before it)."""


class ProcessCrew:
    """``with ProcessCrew(ctx, jobs) as crew: crew.run_round()`` -> one result per job.

    With ``cpus``, worker i is pinned to ``cpus[i % len(cpus)]`` as soon as it starts (all its
    threads, from the parent), so where the workers run is set, not left to the scheduler.
    """

    def __init__(self, ctx: Any, jobs: Sequence[Job], cpus: Sequence[int] | None = None) -> None:
        if not jobs:
            raise ValueError("a crew needs at least one job")
        self._ctx = ctx
        self._jobs = list(jobs)
        self.cpus = [cpus[i % len(cpus)] for i in range(len(jobs))] if cpus else None
        self._go = [ctx.Semaphore(0) for _ in jobs]  # one per worker: a shared one could be
        # taken twice in a round by a fast worker, and a Barrier's release blocks on dead waiters
        self._stop = ctx.RawValue("b", 0)
        self._procs: list[Any] = []
        self._readers: list[Any] = []

    @property
    def size(self) -> int:
        return len(self._jobs)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs]

    def __enter__(self) -> ProcessCrew:
        try:
            for go, (job, args) in zip(self._go, self._jobs):
                reader, writer = self._ctx.Pipe(duplex=False)
                proc = self._ctx.Process(
                    target=workloads.crew_member,
                    args=(go, self._stop, writer, job, args),
                    daemon=True,
                )
                proc.start()
                if self.cpus:
                    placement.pin(proc.pid, self.cpus[len(self._procs)])
                writer.close()
                self._procs.append(proc)
                self._readers.append(reader)
        except BaseException:
            self._kill()
            raise
        return self

    def run_round(self) -> list[Any]:
        for go in self._go:
            go.release()
        results: list[Any] = [None] * self.size
        pending = {id(r): i for i, r in enumerate(self._readers)}
        while pending:
            waiting: list[Any] = [self._readers[i] for i in pending.values()]
            for conn in multiprocessing.connection.wait(waiting):
                i = pending.pop(id(conn))
                try:
                    results[i] = self._readers[i].recv()
                except EOFError:
                    self._procs[i].join(KILL_GRACE_S)
                    raise WorkerDied(
                        f"worker {i} (pid {self._procs[i].pid}) exited with code "
                        f"{self._procs[i].exitcode} (negative: killed by that signal) before "
                        "sending its result for the round; had it held the lock, the others "
                        "could never finish"
                    ) from None
        return results

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self._stop.value = 1
            for go in self._go:
                go.release()
            deadline = time.monotonic() + STOP_GRACE_S  # one grace for the crew, not each
            for proc in self._procs:
                proc.join(max(0.0, deadline - time.monotonic()))
        self._kill()

    def _kill(self) -> None:
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            proc.join(KILL_GRACE_S)
            if proc.is_alive():
                proc.kill()
                proc.join(KILL_GRACE_S)
        for reader in self._readers:
            reader.close()


class ThreadCrew:
    """The same crew made of threads in this process: the in-process contrast."""

    def __init__(self, jobs: Sequence[Job]) -> None:
        if not jobs:
            raise ValueError("a crew needs at least one job")
        self._jobs = list(jobs)
        self._start = threading.Barrier(len(jobs) + 1)
        self._done = threading.Barrier(len(jobs) + 1)
        self._results: list[Any] = [None] * len(jobs)
        self._stop = False
        self._threads = [
            threading.Thread(target=self._member, args=(i,), daemon=True) for i in range(len(jobs))
        ]

    @property
    def size(self) -> int:
        return len(self._jobs)

    def _member(self, i: int) -> None:
        job, args = self._jobs[i]
        try:
            while True:
                self._start.wait()
                if self._stop:
                    return
                try:
                    self._results[i] = job(*args)
                except BaseException as exc:  # handed to run_round, which raises it
                    self._results[i] = exc
                self._done.wait()
        except threading.BrokenBarrierError:
            return  # the crew was aborted on its way out

    def __enter__(self) -> ThreadCrew:
        for thread in self._threads:
            thread.start()
        return self

    def run_round(self) -> list[Any]:
        self._start.wait()
        self._done.wait()
        failed = [r for r in self._results if isinstance(r, BaseException)]
        if failed:
            raise failed[0]
        return list(self._results)

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        if exc[0] is None:
            self._start.wait(STOP_GRACE_S)
        else:
            self._start.abort()
        self._done.abort()
        for thread in self._threads:
            thread.join(STOP_GRACE_S)
