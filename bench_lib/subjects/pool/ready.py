"""Pool readiness and placement: every worker answers once, says where it runs, within a deadline.

:func:`answer_all` sends one :func:`bench_lib.workers.workloads.check_in` task per worker. Each task
connects to a loopback socket of this process, says (pid, thread id, CPU, affinity) and waits
for a go that is sent only once all N have spoken: a waiting task holds its worker, so the N
answers come from N distinct workers. That is what "ready" means for ``pool_start`` (a pool
whose workers all answered), and it is the warm-up before steady-state rounds.

Every wait has a deadline. A worker that dies meanwhile fails the call at once with its pid
and exit signal: ``Pool`` replaces a dead worker but loses the task it held, so a plain
``map`` would wait for that result for ever.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing.pool
import os
import signal
import socket
import time
from dataclasses import asdict, dataclass
from typing import Any

from bench_lib.subjects.pool.ops import Workers
from bench_lib.workers import workloads

READY_TIMEOUT_S = 30.0  # a spawn worker answers within a second or two even on a loaded
# 2-core machine; 30 s without an answer is a hang, not a slow start
POLL_S = 0.05  # how often the wait looks for a dead worker (select() sleeps without the GIL)
NAME_TRIES = 10  # looks (POLL_S apart) for the dead worker's exit code once an executor broke


class PoolNotReady(RuntimeError):
    """Not every worker answered in time, or one died: the reason names which and why."""


@dataclass(frozen=True)
class WorkerPlace:
    """Where one worker was when it answered."""

    pid: int
    thread_id: int  # native thread id: tells thread-pool workers apart
    cpu: int  # CPU it was running on when it answered (-1: unknown)
    affinity: tuple[int, ...]  # CPUs it was allowed on

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def dead_workers(w: Workers, seen: dict[int, Any]) -> list[str]:
    """'pid 123 (SIGKILL)' for each worker process that has exited, known now or before."""
    for p in w.processes():
        if p.pid is not None:
            seen.setdefault(p.pid, p)
    return [
        f"pid {pid} ({_exit_text(p.exitcode)})" for pid, p in seen.items() if p.exitcode is not None
    ]


def _submit(w: Workers, address: tuple[str, int], timeout_s: float) -> Any:
    args = [(address, timeout_s)] * w.workers
    if isinstance(w.pool, multiprocessing.pool.Pool):
        return w.pool.starmap_async(workloads.check_in, args, chunksize=1)
    return [w.pool.submit(workloads.check_in, *a) for a in args]


def _broken(pending: Any) -> str:
    """The first error an executor already reported (e.g. BrokenProcessPool)."""
    if isinstance(pending, list):
        for fut in pending:
            if fut.done() and fut.exception() is not None:
                return repr(fut.exception())
    return ""


def _not_ready(w: Workers, answered: int, timeout_s: float, why: str) -> PoolNotReady:
    return PoolNotReady(
        f"{answered} of {w.workers} {w.backend} workers answered within {timeout_s:g} s; "
        f"{why}: a dead worker loses the task it held (Pool.map would wait for it for ever); "
        "look for the OOM killer or a crash in the worker, and rerun"
    )


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(256)
        if not chunk:
            raise ConnectionError("a worker hung up before saying where it was")
        data += chunk
    return data


def _parse(line: bytes) -> WorkerPlace:
    """'pid tid cpu 0,1' (as :func:`bench_lib.workers.workloads.check_in` sends it)."""
    pid, tid, cpu, mask = line.decode().split()
    return WorkerPlace(int(pid), int(tid), int(cpu), tuple(int(c) for c in mask.split(",")))


def _fail_if_dead(
    w: Workers, pending: Any, seen: dict[int, Any], answered: int, timeout_s: float
) -> None:
    dead, broken = dead_workers(w, seen), _broken(pending)
    for _ in range(NAME_TRIES):  # an executor breaks as it reaps: give the exit codes a moment
        if dead or not broken:
            break
        time.sleep(POLL_S)
        dead = dead_workers(w, seen)
    if dead or broken:
        why = f"worker {', '.join(dead)} died" if dead else f"the pool broke: {broken}"
        raise _not_ready(w, answered, timeout_s, why)


def _gather(
    w: Workers,
    listener: socket.socket,
    pending: Any,
    seen: dict[int, Any],
    deadline: float,
    timeout_s: float,
) -> tuple[list[WorkerPlace], list[socket.socket]]:
    places: list[WorkerPlace] = []
    conns: list[socket.socket] = []
    listener.settimeout(POLL_S)
    try:
        while len(places) < w.workers:
            _fail_if_dead(w, pending, seen, len(places), timeout_s)
            if time.monotonic() > deadline:
                raise _not_ready(w, len(places), timeout_s, "no worker died: they hung")
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conns.append(conn)
            conn.settimeout(max(POLL_S, deadline - time.monotonic()))
            try:
                places.append(_parse(_read_line(conn)))
            except (OSError, ValueError):  # it died mid-sentence: the next look names it
                conn.close()
                conns.remove(conn)
    except BaseException:
        for c in conns:
            c.close()  # EOF: the waiting tasks return at once
        raise
    return places, conns


def _finished(pending: Any) -> bool:
    """Wait up to POLL_S for every check-in result; True once all are back."""
    if isinstance(pending, list):
        _, not_done = cf.wait(pending, timeout=POLL_S)
        return not not_done
    pending.wait(POLL_S)
    return bool(pending.ready())


def _collect(
    w: Workers, pending: Any, seen: dict[int, Any], deadline: float, timeout_s: float
) -> None:
    while not _finished(pending):
        _fail_if_dead(w, pending, seen, w.workers, timeout_s)
        if time.monotonic() > deadline:
            raise _not_ready(w, w.workers, timeout_s, "their results never came back")
    _fail_if_dead(w, pending, seen, w.workers, timeout_s)  # a broken executor ends its futures
    if isinstance(pending, list):
        for fut in pending:
            fut.result()
    else:
        pending.get()


def answer_all(w: Workers, timeout_s: float = READY_TIMEOUT_S) -> list[WorkerPlace]:
    """Have every worker answer once (starting lazy executor workers); where each one was.

    Raises :class:`PoolNotReady` within about ``timeout_s``, naming dead workers.
    """
    deadline = time.monotonic() + timeout_s
    with socket.create_server(("127.0.0.1", 0)) as listener:
        host, port = listener.getsockname()[:2]
        seen: dict[int, Any] = {}
        dead_workers(w, seen)  # the workers there are now, to name them if they die
        pending = _submit(w, (host, port), timeout_s)
        places, conns = _gather(w, listener, pending, seen, deadline, timeout_s)
        for c in conns:
            with c, contextlib.suppress(OSError):  # a worker that died meanwhile: named below
                c.sendall(b"g")
    _collect(w, pending, seen, deadline, timeout_s)
    return places


def distinct_workers(places: list[WorkerPlace]) -> int:
    return len({(p.pid, p.thread_id) for p in places})


def _proc_stat(pid: int) -> list[bytes]:
    with open(f"/proc/{pid}/stat", "rb") as f:
        return f.read().rsplit(b")", 1)[1].split()  # fields from 3 on


def after_rounds(w: Workers) -> list[dict[str, Any]]:
    """Each live worker process now: its mask, the CPU it last ran on, its CPU seconds."""
    out = []
    ticks = os.sysconf("SC_CLK_TCK")
    for p in w.processes():
        if p.pid is None or p.exitcode is not None:
            continue
        try:
            fields = _proc_stat(p.pid)
            affinity = sorted(os.sched_getaffinity(p.pid))
        except OSError:
            continue
        out.append(
            {
                "pid": p.pid,
                "affinity": affinity,
                "last_cpu": int(fields[36]),
                "cpu_s": (int(fields[11]) + int(fields[12])) / ticks,  # utime + stime
            }
        )
    return out


def placement(w: Workers, places: list[WorkerPlace]) -> dict[str, Any]:
    """What the result file says about where the workers ran, and whether that was the plan.

    ``inside_mask``: every worker answered from, was allowed on, and (for processes) last
    ran on the CPUs the pool was pinned to; True when it was not pinned.
    """
    later = after_rounds(w)
    allowed = set(w.cpus) if w.cpus is not None else None
    inside = allowed is None or (
        all(set(p.affinity) <= allowed and p.cpu in allowed | {-1} for p in places)
        and all(set(x["affinity"]) <= allowed and x["last_cpu"] in allowed for x in later)
    )
    return {
        "cpus": w.cpus,
        "answered": [p.as_dict() for p in places],
        "distinct_workers": distinct_workers(places),
        "after_rounds": later,
        "inside_mask": inside,
    }
