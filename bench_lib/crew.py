"""A crew: workers started once, off the clock, then released together for each round.

A round is: the parent joins the start barrier (every worker is already waiting there),
each worker runs its job once and sends the result back over its own pipe, the parent
collects every result. Starting the workers, and stopping them, stays off the clock.

A worker that dies mid-round ends the round at once with :class:`WorkerDied` (its pipe
closes); one that hangs (say, asleep holding a lock) is ended by the engine's round
deadline. Either way leaving the ``with`` block terminates, then kills, what is left.
"""

from __future__ import annotations

import contextlib
import multiprocessing.connection
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Callable

from bench_lib import workloads

STOP_GRACE_S = 5.0  # a healthy worker leaves its barrier and exits well within this
KILL_GRACE_S = 1.0  # after terminate(), how long before kill()

Job = tuple[Callable[..., Any], tuple[Any, ...]]  # (workloads function, its arguments)


class WorkerDied(RuntimeError):
    """A crew member exited before sending its result for the round."""


class ProcessCrew:
    """``with ProcessCrew(ctx, jobs) as crew: crew.run_round()`` -> one result per job."""

    def __init__(self, ctx: Any, jobs: Sequence[Job]) -> None:
        if not jobs:
            raise ValueError("a crew needs at least one job")
        self._ctx = ctx
        self._jobs = list(jobs)
        self._barrier = ctx.Barrier(len(jobs) + 1)
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
            for job, args in self._jobs:
                reader, writer = self._ctx.Pipe(duplex=False)
                proc = self._ctx.Process(
                    target=workloads.crew_member,
                    args=(self._barrier, self._stop, writer, job, args),
                    daemon=True,
                )
                proc.start()
                writer.close()
                self._procs.append(proc)
                self._readers.append(reader)
        except BaseException:
            self._kill()
            raise
        return self

    def run_round(self) -> list[Any]:
        self._barrier.wait()
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
                        f"{self._procs[i].exitcode} during a round; if it held the lock, "
                        "the others could never finish"
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
            # a worker that is gone or stuck breaks the barrier: the kill below ends the rest
            with contextlib.suppress(threading.BrokenBarrierError):
                self._barrier.wait(STOP_GRACE_S)
            for proc in self._procs:
                proc.join(STOP_GRACE_S)
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
        while True:
            self._start.wait()
            if self._stop:
                return
            self._results[i] = job(*args)
            self._done.wait()

    def __enter__(self) -> ThreadCrew:
        for thread in self._threads:
            thread.start()
        return self

    def run_round(self) -> list[Any]:
        self._start.wait()
        self._done.wait()
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
