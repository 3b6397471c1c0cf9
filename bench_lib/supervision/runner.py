"""Run pytest under supervision: stream it, and on any stop signal stop it cleanly.

Whoever is signalled (the whole group by the terminal, ``mpbench`` alone by ``kill`` or a
supervisor), ``mpbench`` forwards one SIGINT to pytest, which stops the benchmark in flight
and saves what finished (:mod:`bench_lib.supervision.interrupts`; it ignores the terminal's
duplicate).
If pytest has not exited within the grace period it is killed; either way no process it
started outlives the run. If ``mpbench`` itself is killed (SIGKILL), the kernel sends pytest
SIGTERM (``PR_SET_PDEATHSIG``), so a run never goes on measuring unsupervised.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import psutil

from bench_lib.machine.cpu import kill_tree
from bench_lib.supervision.interrupts import SIGNALS, STOP_DEADLINE_S

INTERRUPT_GRACE_S = STOP_DEADLINE_S + 0.5  # beyond pytest's own deadline; whole stop < 5 s
# multiprocessing's helpers (resource tracker, forkserver) exit by themselves once pytest is
# gone, and the resource tracker unlinks the semaphores pytest leaked on its way out: killed
# at once, it would leave them in /dev/shm.
HELPERS_EXIT_S = 0.5
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


@dataclass(frozen=True)
class Outcome:
    exit_code: int  # pytest's exit code (negative: killed by that signal)
    interrupted: bool  # a stop signal (SIGINT, SIGTERM, SIGHUP) stopped the run
    orphans_killed: int  # processes left behind by pytest that we killed


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _note(signum: int, frame: FrameType | None) -> None:
    """A repeated stop signal while pytest is already stopping: it changes nothing."""


@contextlib.contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP act like Ctrl-C in the block: cleanup code runs, no temp file stays."""
    previous = {s: signal.signal(s, _interrupt) for s in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def stop_signals_deferred() -> Iterator[None]:
    """Stop signals wait until the block is done (a save runs to its end), then act."""
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def _descendants(pid: int) -> list[psutil.Process]:
    with contextlib.suppress(psutil.NoSuchProcess):
        return psutil.Process(pid).children(recursive=True)
    return []


def _stop(proc: subprocess.Popen[bytes]) -> tuple[int, int]:
    return _stop_all([proc])[0]


def _stop_all(procs: list[subprocess.Popen[bytes]]) -> list[tuple[int, int]]:
    """SIGINT to each, one grace period for all of them, then kill what is left (and what
    each started): each one's exit code and how many of its processes had to be killed."""
    previous = {s: signal.signal(s, _note) for s in SIGNALS}
    try:
        trees = [_descendants(proc.pid) for proc in procs]  # now: once gone, they are orphans
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + INTERRUPT_GRACE_S
        stopped = []
        for proc, tree in zip(procs, trees):
            try:
                code = proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                tree += _descendants(proc.pid)
                proc.kill()
                code = proc.wait()
            alive = [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
            _, alive = psutil.wait_procs(alive, timeout=HELPERS_EXIT_S)
            kill_tree(alive, grace_s=0.3)
            stopped.append((code, len(alive)))
        return stopped
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _in_child(parent_pid: int) -> None:
    """In the forked child, before pytest starts.

    A shell starts background jobs with SIGINT ignored, and Python then never raises
    KeyboardInterrupt: pytest must hear the SIGINT we forward. And it must stop when we die.
    """
    for signum in SIGNALS:  # a stop signal that came while we started now ends us at once
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:  # we died before the request took effect
        os._exit(1)


def run_supervised(command: list[str], cwd: Path, pass_fds: tuple[int, ...] = ()) -> Outcome:
    """Run ``command``; ``pass_fds`` stay open in it (a lock it holds for as long as it lives)."""
    parent = os.getpid()
    with stop_signals_interrupt():
        # Held until pytest is started and in hand: a signal inside Popen would leave it running
        # unsupervised (and Popen would wait for it).
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        try:
            proc = subprocess.Popen(
                command, cwd=cwd, preexec_fn=lambda: _in_child(parent), pass_fds=pass_fds
            )
        except BaseException:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
            raise
        try:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)  # one that came meanwhile acts now
            return Outcome(proc.wait(), interrupted=False, orphans_killed=0)
        except KeyboardInterrupt:
            code, killed = _stop(proc)
            return Outcome(code, interrupted=True, orphans_killed=killed)


def _alive(proc: subprocess.Popen[bytes]) -> bool:
    return proc.poll() is None


@dataclass(frozen=True)
class Job:
    """One of the commands :func:`run_supervised_together` runs: its environment and log."""

    command: list[str]
    env: dict[str, str]
    log: Path  # its stdout and stderr


def run_supervised_together(
    jobs: list[Job],
    cwd: Path,
    exited: Callable[[int], None] = lambda i: None,
    started: Callable[[int, Callable[[], bool]], None] = lambda i, alive: None,
) -> list[Outcome]:
    """Run ``jobs`` at once, supervised as :func:`run_supervised` runs one. ``started(i,
    alive)`` is called after job i starts, before the next one does (it may wait, while
    ``alive()``); ``exited(i)`` as job i ends (`mpbench ab` then lets the other side go on
    alone). A stop signal stops them all."""
    parent = os.getpid()
    procs: list[subprocess.Popen[bytes]] = []
    with stop_signals_interrupt(), contextlib.ExitStack() as logs:
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        try:
            for job in jobs:
                out = logs.enter_context(job.log.open("wb"))
                procs.append(
                    subprocess.Popen(
                        job.command,
                        cwd=cwd,
                        env=job.env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        preexec_fn=lambda: _in_child(parent),
                    )
                )
                signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)  # a stop may end the wait
                started(len(procs) - 1, functools.partial(_alive, procs[-1]))
                signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        except BaseException:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
            _stop_all(procs)
            raise
        try:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
            codes: dict[int, int] = {}
            while len(codes) < len(procs):
                for i, proc in enumerate(procs):
                    if i not in codes and proc.poll() is not None:
                        codes[i] = proc.returncode
                        exited(i)
                time.sleep(0.05)
            return [Outcome(codes[i], False, 0) for i in range(len(procs))]
        except KeyboardInterrupt:
            return [Outcome(code, True, killed) for code, killed in _stop_all(procs)]
