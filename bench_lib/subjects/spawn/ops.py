"""Process start cost, the operations mpbench times: start+join, its phases, and its floors;
beside them a subinterpreter's create + run + close and an InterpreterPoolExecutor's start.

Every case here runs in a lean measuring process (:mod:`bench_lib.engine.lean_worker`), which calls
:func:`prepare`; this module imports only the standard library, so that process stays small.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any

from bench_lib.engine.lean_worker import Round
from bench_lib.workers import interp, workloads
from bench_lib.workers.mp_context import (
    StartMethodUnavailable as StartMethodUnavailable,  # re-exported:
)
from bench_lib.workers.mp_context import context as context  # benchmarks call spawn.context(start)

INTERPRETER_FLAGS = {"bare": ("-S", "-I"), "site": ()}  # `python -S -I -c pass` vs `python -c pass`


def _check_exit(exitcode: int | None, what: str) -> None:
    if exitcode != 0:
        raise RuntimeError(f"{what} exited with {exitcode}, expected 0")


def start_join(ctx: multiprocessing.context.BaseContext) -> None:
    proc = ctx.Process(target=workloads.noop)  # type: ignore[attr-defined]
    proc.start()
    proc.join()
    _check_exit(proc.exitcode, "no-op child")


@dataclass(frozen=True)
class StartPhases:
    start_returned_s: float  # Process.start() returned in the parent
    first_run_s: float  # the child's target began (shared monotonic clock)
    joined_s: float  # join() returned in the parent: the whole cost

    @property
    def ordered(self) -> bool:
        return 0 <= self.start_returned_s <= self.joined_s and 0 < self.first_run_s <= self.joined_s


def start_phases(ctx: multiprocessing.context.BaseContext) -> StartPhases:
    """start+join of a child that stamps the clock when its target begins."""
    reader, writer = ctx.Pipe(duplex=False)
    t0 = workloads.shared_clock_ns()
    proc = ctx.Process(target=workloads.stamp_first_run, args=(writer,))  # type: ignore[attr-defined]
    proc.start()
    started = workloads.shared_clock_ns()
    writer.close()
    proc.join()
    joined = workloads.shared_clock_ns()
    _check_exit(proc.exitcode, "stamping child")
    first_run = int.from_bytes(reader.recv_bytes(), "little")
    reader.close()
    return StartPhases((started - t0) / 1e9, (first_run - t0) / 1e9, (joined - t0) / 1e9)


def thread_start_join() -> None:
    thread = threading.Thread(target=workloads.noop)
    thread.start()
    thread.join()


def raw_fork() -> None:
    """The floor under every fork-based start: fork, child _exit(0), waitpid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    _check_exit(os.waitstatus_to_exitcode(status), "raw fork child")


def interpreter_start(flags: tuple[str, ...]) -> None:
    """The floor under spawn: a new interpreter that runs `pass` (posix_spawn + waitpid)."""
    pid = os.posix_spawn(sys.executable, [sys.executable, *flags, "-c", "pass"], os.environ)
    _, status = os.waitpid(pid, 0)
    _check_exit(os.waitstatus_to_exitcode(status), "interpreter")


def stop_forkserver() -> None:
    """Stop the forkserver so that the next forkserver start boots a new one."""
    from multiprocessing import forkserver

    forkserver._forkserver._stop()  # type: ignore[attr-defined]


_TOUCHED: dict[int, bytearray] = {}  # one allocation per size: a paired floor shares it


def touched_memory(mib: int) -> bytearray:
    """``mib`` MiB that the parent really holds: one byte written in every page.

    The same buffer for every caller in this process, so a figure and its paired floor fork
    from the same parent size.
    """
    if mib not in _TOUCHED:
        buf = bytearray(mib * 2**20)
        buf[::4096] = b"\x01" * len(range(0, len(buf), 4096))
        _TOUCHED[mib] = buf
    return _TOUCHED[mib]


def _ensure_forkserver() -> None:
    """The server as a user's script has it: the target's module loaded in it once.

    multiprocessing preloads ``__main__``, which is where a script's target lives; here the
    target lives in bench_lib.workers.workloads, so that is preloaded (else every child imported
    it, a cost several times the start itself: docs/spawn.md).
    """
    from multiprocessing import forkserver

    forkserver.set_forkserver_preload(["bench_lib.workers.workloads"])
    forkserver.ensure_running()


SUBINTERPRETER_CASES = (
    "subinterpreter_start",
    "subinterpreter_phases",
    "subinterpreter_raw",
    "subinterpreter_pool",
)


class _Executors:
    """The executor the last pool-start round built: shut down in the next round's setup (off
    the clock, as the process pool's close is), the last one when the process exits."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.open: Any = None

    def close(self) -> None:
        if self.open is not None:
            self.open.shutdown(wait=True)
            self.open = None

    def start(self) -> int:
        """A new executor until every worker answered; how many distinct workers did."""
        self.open = interp.open_executor(self.workers)
        return len(set(interp.executor_ready(self.open, self.workers)))


def _subinterpreter_round(case: str, params: dict[str, Any]) -> Round:
    """Subinterpreters (3.14+): one start, its phases, the raw floor, an executor's start."""
    if case == "subinterpreter_start":
        return Round(interp.start_run_close)
    if case == "subinterpreter_phases":
        return Round(lambda: list(interp.start_phases()))
    if case == "subinterpreter_raw":
        return Round(interp.raw_create_destroy)
    executors = _Executors(int(params["workers"]))
    return Round(executors.start, setup=executors.close)


def prepare(case: str, **params: Any) -> Round:
    """The round of ``case`` (a benchmark of ``benchmarks/test_spawn.py``) with its parameters."""
    start = params.get("start", "fork")
    if case == "process_start":
        ctx = context(start)
        ready = _ensure_forkserver if start == "forkserver" else None  # steady state
        return Round(lambda: start_join(ctx), setup=ready)
    if case == "start_phases":
        ctx = context(start)
        ready = _ensure_forkserver if start == "forkserver" else None
        return Round(lambda: list(vars(start_phases(ctx)).values()), setup=ready)
    if case == "forkserver_boot":
        ctx = context("forkserver")
        return Round(lambda: start_join(ctx), setup=stop_forkserver)
    if case == "thread_start":
        return Round(thread_start_join)
    if case == "raw_fork":
        return Round(raw_fork)
    if case == "interpreter":
        flags = INTERPRETER_FLAGS[params["python"]]
        return Round(lambda: interpreter_start(flags))
    if case in SUBINTERPRETER_CASES:
        return _subinterpreter_round(case, params)
    if case == "fork_memory":
        memory = touched_memory(int(params["mib"]))  # held by the closures below
        ctx = context("fork")
        if params["how"] == "raw":
            return Round(lambda: raw_fork() if memory is not None else None)
        return Round(lambda: start_join(ctx) if memory is not None else None)
    raise ValueError(f"no start case {case!r}")
