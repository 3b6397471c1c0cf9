"""Placement: pin processes to CPUs, and read back where they really ran (Linux; stdlib only).

Two processes that talk run up to 8x faster on one core than on two (docs/design.md, principle
12), so placement is a benchmark axis, never scheduler luck:

- ``same_core``: the parent and its peers share one CPU (the first usable one);
- ``cross_core``: the parent on one CPU, its peers on another (not an SMT sibling of the
  parent's CPU where the machine has one to spare), so they run at the same time.

API (small on purpose; other subjects may reuse it):

- :func:`cpus_for` -> :class:`Cpus`: which CPU the parent and the peers get, or the reason
  a placement cannot be had here (one usable CPU: no ``cross_core``);
- :func:`pin` pins every thread of a process (threads started later inherit the mask);
- :func:`ran_on` reads the CPU a process last ran on (``/proc/<pid>/stat`` field 39);
- :class:`Pinned`: pin this process for a block and restore its mask afterwards;
- :func:`where_ran`: the pins and the CPUs really used, for a result file.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any

PLACEMENTS = ("same_core", "cross_core")


@dataclass(frozen=True)
class Cpus:
    """Where each side of an exchange runs."""

    placement: str  # one of PLACEMENTS
    parent_cpu: int  # the measuring process (consumer, initiator)
    peer_cpu: int  # every child of the benchmark (producer, echo, manager server)
    smt_sibling: bool  # cross_core only: the two CPUs share one physical core


def usable_cpus() -> list[int]:
    """The CPUs this process may run on, lowest first (the affinity mask)."""
    return sorted(os.sched_getaffinity(0))


def smt_siblings(cpu: int) -> set[int]:
    """The logical CPUs that share ``cpu``'s physical core (itself included)."""
    path = f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list"
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return {cpu}
    found: set[int] = set()
    for part in text.split(","):
        low, _, high = part.partition("-")
        found.update(range(int(low), int(high or low) + 1))
    return found or {cpu}


def cpus_for(placement: str, cpus: list[int] | None = None) -> Cpus | str:
    """The CPUs for ``placement`` among ``cpus`` (default: usable), or why it cannot be had."""
    if placement not in PLACEMENTS:
        raise ValueError(f"unknown placement {placement!r}; choose one of: {', '.join(PLACEMENTS)}")
    cpus = usable_cpus() if cpus is None else sorted(cpus)
    parent = cpus[0]
    if placement == "same_core":
        return Cpus(placement, parent, parent, smt_sibling=False)
    others = cpus[1:]
    if not others:
        return (
            f"cross_core needs 2 usable CPUs, this process may use only CPU {parent} "
            "(affinity mask or cgroup): run on a machine or container with 2+ CPUs"
        )
    siblings = smt_siblings(parent)
    apart = [c for c in others if c not in siblings]
    peer = (apart or others)[0]
    return Cpus(placement, parent, peer, smt_sibling=not apart)


def threads_of(pid: int) -> list[int]:
    """Thread ids of ``pid`` (just ``pid`` where /proc is not there)."""
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return [pid]


def pin(pid: int, cpu: int) -> None:
    """Pin every thread of process ``pid`` (0 = this one) to ``cpu``."""
    pid = pid or os.getpid()
    for tid in threads_of(pid):
        with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
            os.sched_setaffinity(tid, {cpu})


def _stat(path: str) -> list[str] | None:
    """Fields 3.. of a /proc stat file (the name, field 2, may hold spaces), None if gone."""
    try:
        with open(path) as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def run_ns(pid: int) -> dict[int, int]:
    """Nanoseconds each thread of ``pid`` has run (``/proc/.../schedstat``, first field)."""
    found = {}
    for tid in threads_of(pid):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                found[tid] = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return found


def ran_on(pid: int, since: dict[int, int] | None = None) -> int | None:
    """The CPU process ``pid`` last ran on (``/proc/.../stat`` field 39), None if unknown.

    Read from the thread that ran longest after ``since`` (a :func:`run_ns` taken at pinning
    time): an idle thread, such as a manager server's main thread, still shows the CPU it
    went to sleep on before it was pinned. None too when no thread ran after ``since``.
    """
    since = since or {}
    ran = {tid: ns - since.get(tid, 0) for tid, ns in run_ns(pid).items()}
    if pid == os.getpid():  # the calling thread is running now, here
        ran = {threading.get_native_id(): 1}
    busiest = max(ran, key=lambda tid: ran[tid], default=None)
    if busiest is None or ran[busiest] <= 0:
        return None
    fields = _stat(f"/proc/{pid}/task/{busiest}/stat")
    return None if fields is None else int(fields[36])  # field 39; fields[0] is field 3


def allowed(pid: int) -> set[int]:
    """The affinity mask of ``pid`` as the kernel reports it."""
    return set(os.sched_getaffinity(pid))


class Pinned:
    """Pin this process to ``cpu`` for a block; every thread gets its old mask back after."""

    def __init__(self, cpu: int) -> None:
        self.cpu = cpu
        self.saved: dict[int, set[int]] = {}

    def __enter__(self) -> Pinned:
        for tid in threads_of(os.getpid()):
            try:
                self.saved[tid] = set(os.sched_getaffinity(tid))
            except ProcessLookupError:
                continue
        pin(0, self.cpu)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        everything = set().union(*self.saved.values()) if self.saved else set(usable_cpus())
        for tid in threads_of(os.getpid()):
            with contextlib.suppress(ProcessLookupError):
                os.sched_setaffinity(tid, self.saved.get(tid, everything))


def where_ran(
    cpus: Cpus | None, peer_pids: list[int], since: dict[int, dict[int, int]] | None = None
) -> dict[str, Any]:
    """Where this process and ``peer_pids`` last ran (after ``since``: pid -> :func:`run_ns`
    at pinning); with pins, ``ok`` says every one that ran kept to its CPU."""
    since = since or {}
    parent = ran_on(os.getpid())
    return placement_record(cpus, parent, [ran_on(pid, since.get(pid)) for pid in peer_pids])


def placement_record(
    cpus: Cpus | None, parent: int | None, peers: list[int | None]
) -> dict[str, Any]:
    """Where the parent and its peers last ran, beside the pins; with pins, ``ok`` says every
    one that ran kept to its CPU (a peer that never ran, None, breaks no pin)."""
    record: dict[str, Any] = {"parent_ran_on": parent, "peers_ran_on": peers}
    if cpus is not None:
        record.update(
            parent_cpu=cpus.parent_cpu,
            peer_cpu=cpus.peer_cpu,
            smt_sibling=cpus.smt_sibling,
            ok=parent == cpus.parent_cpu and all(c in (cpus.peer_cpu, None) for c in peers),
        )
    return record
