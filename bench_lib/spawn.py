"""Process start cost, the operations mpbench times: start+join, its phases, and its floors."""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import sys
import threading
from dataclasses import dataclass

from bench_lib import workloads

INTERPRETER_FLAGS = {"bare": ("-S", "-I"), "site": ()}  # `python -S -I -c pass` vs `python -c pass`


class StartMethodUnavailable(Exception):
    def __init__(self, method: str) -> None:
        have = ", ".join(multiprocessing.get_all_start_methods())
        super().__init__(
            f"start method {method!r} is not available on {sys.platform} (available: {have})"
        )


def context(method: str) -> multiprocessing.context.BaseContext:
    """The explicit context for ``method`` (DESIGN.md, principle 2)."""
    if method not in multiprocessing.get_all_start_methods():
        raise StartMethodUnavailable(method)
    return multiprocessing.get_context(method)


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


def touched_memory(mib: int) -> bytearray:
    """``mib`` MiB that the parent really holds: one byte written in every page."""
    buf = bytearray(mib * 2**20)
    buf[::4096] = b"\x01" * len(range(0, len(buf), 4096))
    return buf
