"""Worker targets: tiny, picklable, and lean on imports.

spawn and forkserver children import the module that defines their target, so
this module imports only the standard library (docs/design.md, principle 1); a test
checks that importing it loads no pytest, psutil, pandas or matplotlib.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

if hasattr(time, "clock_gettime_ns"):

    def shared_clock_ns() -> int:
        """CLOCK_MONOTONIC: one clock for every process on the machine (POSIX)."""
        return time.clock_gettime_ns(time.CLOCK_MONOTONIC)

else:  # pragma: no cover - Windows: perf_counter is QueryPerformanceCounter, also system-wide

    def shared_clock_ns() -> int:
        return time.perf_counter_ns()


# --- process start ---------------------------------------------------------------------------


def noop() -> None:
    """The child's whole job: nothing, so start+join is all that is timed."""


def stamp_first_run(conn: Any) -> None:
    """Send the shared-clock time at which the child's target began, then exit."""
    conn.send_bytes(shared_clock_ns().to_bytes(8, "little"))
    conn.close()


# --- locks -----------------------------------------------------------------------------------


def spin_until(deadline_ns: int) -> None:
    """Work held under the lock: spin on ``time.perf_counter_ns`` until it reads ``deadline_ns``.

    A deadline, not a loop count calibrated elsewhere: a loop sized on another length ran
    30-45% short of its label. Set from the moment the lock was taken, it makes the hold last
    its label plus at most one clock read, however fast the core; a worker preempted inside it
    holds the lock longer, as real work would.
    """
    clock = time.perf_counter_ns
    while clock() < deadline_ns:
        pass


def crew_member(go: Any, stop: Any, conn: Any, job: Any, args: tuple[Any, ...]) -> None:
    """A persistent worker: wait for its own ``go`` token, run ``job(*args)``, send the result.

    The parent posts one token per worker per round (a post never blocks, even for a dead
    worker, unlike a Barrier whose release waits for every sleeper to wake); it stops the
    crew by setting ``stop`` before posting.
    """
    try:
        while True:
            go.acquire()
            if stop.value:
                return
            conn.send(job(*args))
    finally:
        conn.close()


def contend(
    lock: Any, counter: Any, limit: Any, section_ns: int, samples: int
) -> tuple[int, list[int], list[int], float]:
    """Take ``lock`` until the shared ``counter`` reaches ``limit.value``; one increment per take.

    With ``section_ns``, every hold (the increment and the work) lasts at least that long: the
    worker spins until ``section_ns`` after it took the lock. Returns (increments done by this
    worker, sampled wait times in ns, sampled hold times in ns, this thread's CPU seconds). About
    ``samples`` takes of the round's ``limit`` (all workers together) are sampled, evenly: a
    sampled take's wait is timed around ``acquire()``, its hold from there to ``release()``.
    The others run the bare idiom (acquire, read, write, release), so the bookkeeping does not
    slow the lock down: checking a sampling state on every take, or timing one take in 16 (three
    clock reads, two appends), measurably slowed an uncontended Lock (docs/locks.md). The last
    take of each worker
    finds the counter full and is not counted.
    """
    acquire, release, clock = lock.acquire, lock.release, time.perf_counter_ns
    total = limit.value
    mine = 0
    waits: list[int] = []
    holds: list[int] = []
    bare = range(max(1, total // max(1, samples)) - 1)
    cpu0 = time.thread_time()
    while True:
        t0 = clock()  # the sampled take
        acquire()
        held_ns = clock()
        waits.append(held_ns - t0)
        n = counter.value
        if n >= total:
            release()
            break
        counter.value = n + 1
        if section_ns:  # the whole hold, increment included, lasts the section
            spin_until(held_ns + section_ns)
        holds.append(clock() - held_ns)
        release()
        mine += 1
        done = len(bare)  # bare takes of this stretch; fewer if the counter fills first
        # two copies of the bare loop, with and without a section: a test per take would
        # cost what leaving the bookkeeping out saved
        if section_ns:
            for k in bare:
                acquire()
                held_ns = clock()
                n = counter.value
                if n >= total:
                    release()
                    done = k
                    break
                counter.value = n + 1
                spin_until(held_ns + section_ns)
                release()
        else:
            for k in bare:
                acquire()
                n = counter.value
                if n >= total:
                    release()
                    done = k
                    break
                counter.value = n + 1
                release()
        mine += done
        if done < len(bare):
            break
    return mine, waits, holds, time.thread_time() - cpu0


def increment(value: Any, times: int, locked: bool) -> int:
    """``value.value += 1``, ``times`` times; under ``value.get_lock()`` when ``locked``."""
    if locked:
        guard = value.get_lock()
        for _ in range(times):
            with guard:
                value.value += 1
    else:
        for _ in range(times):
            value.value += 1
    return times


def line_for(writer: int, seq: int, line_bytes: int) -> bytes:
    """The exact bytes of line ``seq`` of ``writer``: header, writer-specific fill, newline."""
    head = b"%02d:%06d:" % (writer, seq)
    fill = bytes([ord("A") + writer % 26]) * max(0, line_bytes - len(head) - 1)
    return head + fill + b"\n"


def write_lines(path: str, lock: Any, writer: int, lines: int, line_bytes: int, pieces: int) -> int:
    """Append ``lines`` lines to ``path``, each in ``pieces`` write() calls; under ``lock`` if any.

    Each write() on an O_APPEND file is atomic, a line of several writes is not: without the
    lock another writer's piece can land in the middle (a torn line).
    """
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        for seq in range(lines):
            line = line_for(writer, seq, line_bytes)
            step = -(-len(line) // pieces)
            if lock is not None:
                lock.acquire()
            try:
                for start in range(0, len(line), step):
                    os.write(fd, line[start : start + step])
            finally:
                if lock is not None:
                    lock.release()
    finally:
        os.close(fd)
    return lines


# --- pool ------------------------------------------------------------------------------------

SPIN_MASK = 0x7FFFFFFF  # 31-bit linear congruential generator (the classic ANSI C constants)


def spin(seed: int, iterations: int) -> int:
    """CPU-bound pure Python: ``iterations`` LCG steps from ``seed``; the result is a checksum.

    Holds the GIL the whole time, allocates nothing that outlives a step, and its result
    depends on every step, so a task that was skipped or cut short gives a wrong checksum.
    """
    x = seed & SPIN_MASK
    for _ in range(iterations):
        x = (x * 1103515245 + 12345) & SPIN_MASK
    return x


def spin_job(job: tuple[int, int]) -> int:
    """:func:`spin` for one-argument APIs (``map``, ``imap``): ``job`` is (seed, iterations)."""
    return spin(job[0], job[1])


def seeded_spin(job: tuple[int, int]) -> tuple[int, int]:
    """:func:`spin_job` that also returns its seed, for APIs that return results out of order.

    With ``iterations`` 0 every spin task is the no-op task: it returns its seed, so all the
    time a round takes is the API's own per-task cost.
    """
    return job[0], spin(job[0], job[1])


def pin_to(cpus: list[int]) -> None:
    """Pool initializer: keep this worker on ``cpus``.

    A forked worker inherits the parent's mask, a forkserver child inherits the server's
    (started before any pinning), so every worker pins itself instead of trusting inheritance.
    """
    os.sched_setaffinity(0, cpus)


def last_cpu() -> int:
    """The CPU this thread last ran on (``/proc/thread-self/stat`` field 39); -1 if unknown."""
    try:
        with open("/proc/thread-self/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return -1
    after_name = stat.rsplit(b")", 1)[1].split()  # fields from 3 on; the name may hold spaces
    return int(after_name[36])


def check_in(address: tuple[str, int], timeout_s: float) -> list[Any]:
    """Readiness task: tell the parent who and where this worker is, then wait for its go.

    Blocking until the parent has heard from every worker keeps each task on its own worker,
    so N answers come from N distinct workers. Returns [pid, thread id, cpu, affinity].
    """
    mask = sorted(os.sched_getaffinity(0))
    me = [os.getpid(), threading.get_native_id(), last_cpu(), mask]
    line = f"{me[0]} {me[1]} {me[2]} {','.join(map(str, mask))}\n"  # no json: keep imports lean
    with socket.create_connection(address, timeout=timeout_s) as conn:
        conn.sendall(line.encode())
        conn.recv(1)  # the go (or EOF when the parent gave up)
    return me


def nap(job: tuple[int, float]) -> int:
    """The sleeping task, (seed, seconds): waits without the GIL, returns its seed."""
    time.sleep(job[1])
    return job[0]
