"""The parent's side of the server children: start, observe (CPU, memory), stop, and limits.

Each server is ``python -m bench_lib.io_serve MODEL LIFETIME_S`` in a new session, so
the parent stops it and every process it forked with one ``SIGTERM`` to the group.
The child is a descendant of the benchmark process, so the engine's process-tree CPU
meter counts the server's CPU with the client's.
"""

from __future__ import annotations

import contextlib
import os
import resource
import selectors
import signal
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import psutil

from bench_lib.machine import cpu
from bench_lib.subjects.io.serve import SERVER_MODELS

START_TIMEOUT_S = 30.0  # a cold gevent import on a busy machine takes well under this
STOP_TIMEOUT_S = 5.0  # SIGTERM ends every model at once; SIGKILL after this
FD_SETSIZE = 1024  # select() watches fds below this only (glibc's fixed fd_set size)
FD_MARGIN = 64  # fds a process holds besides its connections: stdio, listener, selector, pytest
SCHEDSTAT = Path("/proc/self/schedstat")  # per-thread run time in ns (Linux)
MAX_PROCESS_CONNECTIONS = 256  # one process per connection: more would be hundreds of
# interpreters on a small shared machine (memory, pid limits); the limit is recorded as a skip


ChildT = TypeVar("ChildT", bound="Child")


class ServerError(Exception):
    """A server child did not start, or died."""


@dataclass(frozen=True)
class Limit:
    """Why a model cannot hold ``connections`` connections here, or None when it can."""

    reason: str | None


def raise_nofile_limit() -> int:
    """Raise the soft open-file limit to the hard limit (children inherit it); return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def connection_limit(model: str, connections: int, nofile: int) -> Limit:
    """The recorded limit that stops ``model`` at ``connections``, if any."""
    if model not in SERVER_MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(SERVER_MODELS)}")
    if connections < 1:
        raise ValueError(f"connections must be at least 1, got {connections}")
    if connections + FD_MARGIN > nofile:
        return Limit(
            f"{connections} connections need about {connections + FD_MARGIN} open files; "
            f"the limit here is {nofile} (raise it with `ulimit -n`)"
        )
    if model == "select" and connections + FD_MARGIN >= FD_SETSIZE:
        return Limit(
            f"select() watches only fds below FD_SETSIZE={FD_SETSIZE}; {connections} connections "
            "go past it: use poll or epoll"
        )
    if model == "processes" and connections > MAX_PROCESS_CONNECTIONS:
        return Limit(
            f"one process per connection is capped at {MAX_PROCESS_CONNECTIONS} processes "
            f"(memory and pid limits of a small machine); {connections} asked"
        )
    if model == "epoll" and not hasattr(selectors, "EpollSelector"):
        return Limit("epoll is Linux only")
    if model == "poll" and not hasattr(selectors, "PollSelector"):
        return Limit("poll is not available on this platform")
    return Limit(None)


def gevent_missing() -> str | None:
    """Why gevent cannot run here (checked without importing it), or None."""
    import importlib.util

    if importlib.util.find_spec("gevent") is None:
        if sysconfig.get_config_var("Py_GIL_DISABLED"):
            return (
                "gevent is not installed: it has no free-threaded (cp313t) wheel and its build "
                "fails on free-threaded 3.13 (docs/freethreaded.md)"
            )
        return "gevent is not installed (pip install gevent)"
    return None


def run_time_s(pid: int) -> float:
    """Seconds on a CPU of every live thread of ``pid``, from the scheduler (nanoseconds)."""
    total_ns = 0
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                total_ns += int((task / "schedstat").read_text().split()[0])
    return total_ns / 1e9


class Child:
    """``python -m bench_lib.io_serve MODE LIFETIME_S`` in its own session; its first line read."""

    def __init__(self, mode: str, lifetime_s: float) -> None:
        argv = [sys.executable, "-m", "bench_lib.subjects.io.serve", mode, str(lifetime_s)]
        self.command = " ".join(argv[1:])
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        self.first_line = self.read_line(START_TIMEOUT_S)

    def read_line(self, timeout_s: float) -> str:
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout_s):
                self.stop()
                raise ServerError(f"child `{self.command}` said nothing within {timeout_s:.0f} s")
        line = self.proc.stdout.readline().decode().strip()
        if not line:
            code = self.stop()
            raise ServerError(f"child `{self.command}` ended (exit code {code})")
        return line

    def write_line(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode() + b"\n")
        self.proc.stdin.flush()

    def tree(self) -> list[psutil.Process]:
        root = psutil.Process(self.proc.pid)
        return [root, *root.children(recursive=True)]

    def cpu_s(self) -> float:
        """CPU seconds used so far by the child and the live processes it started.

        Linux: every thread's nanosecond run time from ``/proc/PID/task/TID/schedstat``.
        psutil's times come in 10 ms ticks per process, and a forking server's hundred
        workers each lose up to a tick: more than the whole figure. Elsewhere: psutil.
        """
        tree = self.tree()
        if not SCHEDSTAT.exists():
            return cpu.tree_cpu_s(tree[0])
        return sum(run_time_s(proc.pid) for proc in tree)

    def memory_bytes(self) -> int:
        """Memory of the child's process tree: PSS where the OS has it, else RSS.

        PSS splits each shared page between the processes sharing it, so a forked
        worker counts only what it does not share with its parent.
        """
        total = 0
        for proc in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                info = proc.memory_full_info()
                total += int(getattr(info, "pss", info.rss))
        return total

    def stop(self) -> int | None:
        """SIGTERM to the whole session, SIGKILL if it lingers; returns the child's exit code.

        Forked workers go first, while their parent still reaps them: orphans would
        wait for the machine's init to reap them, which can take a second.
        """
        if self.proc.poll() is None:
            with contextlib.suppress(psutil.NoSuchProcess):
                cpu.kill_tree(self.tree()[1:], grace_s=STOP_TIMEOUT_S)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(STOP_TIMEOUT_S)
        self._reap_group()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        return self.proc.returncode

    def _reap_group(self) -> None:
        """Forked workers of a stopped server die with the group; wait until they are gone."""
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.01)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def __enter__(self: ChildT) -> ChildT:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class EchoServer(Child):
    """An echo server child; ``port`` is where it listens on 127.0.0.1."""

    def __init__(self, model: str, lifetime_s: float) -> None:
        if model not in SERVER_MODELS:
            raise ValueError(f"unknown model {model!r}; choose one of {', '.join(SERVER_MODELS)}")
        super().__init__(model, lifetime_s)
        self.port = int(self.first_line)
