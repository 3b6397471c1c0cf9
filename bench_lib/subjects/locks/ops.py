"""Lock contention, the operations mpbench times: N workers fight over one lock.

Every take of the lock increments a shared counter until it reaches the round's total,
so a round always holds exactly ``total`` successful acquisitions, whoever wins them.
The per-worker counts show fairness; the counter shows the lock worked: had two workers
held it at once, they would have read the same value and the counter would fall short
of the sum of their counts.

With a critical section, a worker that takes the lock spins on the clock until ``cs_us``
after it took it (:func:`workloads.spin_until`), so every hold lasts at least its label (and
overshoots it by about one clock read), and no round can beat the serial bound ``1 / cs_us``:
holds of one lock never overlap.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench_lib.stats.descriptive import jain_index
from bench_lib.subjects.locks import crew
from bench_lib.workers import mp_context, placement, workloads

PRIMITIVES = (
    "lock",  # multiprocessing.Lock
    "rlock",  # multiprocessing.RLock
    "semaphore",  # multiprocessing.Semaphore(1)
    "bounded_semaphore",  # multiprocessing.BoundedSemaphore(1)
    "manager_lock",  # Manager().Lock(): a proxy, every take is a round trip to the server
    "value_lock",  # Value('q', lock=True): `with v.get_lock(): v.value += 1`, the idiom
    "thread_lock",  # threading.Lock across threads of one process: the in-process contrast
)
THREADED = frozenset({"thread_lock"})
# takes timed per round, all workers together, spread evenly: enough for a p99 over a run's
# rounds; timing one take in 16 slowed an uncontended Lock to 0.80x (workloads.contend)
SAMPLES_PER_ROUND = 256
PILOT_ACQUISITIONS = 1000  # an uncontended pilot this long prices one acquisition
PILOT_SHARE = 0.5  # a pilot this long (share of the target round) is past the wake-up noise
MAX_PILOTS = 8  # pilots at least double: eight cover a 256x misjudged first pilot
MIN_ACQUISITIONS = 200  # below this, per-round start-up would dominate the round
MAX_ACQUISITIONS = 5_000_000  # bounds the round of the fastest lock


def start_method() -> str:
    """The start method for lock workers: fork where it exists (cheapest setup), else spawn.

    The cost of a lock does not depend on how its processes were started.
    """
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def context() -> Any:
    return mp_context.context(start_method())


@dataclass(frozen=True)
class Guarded:
    """A lock and the counter it guards."""

    primitive: str
    lock: Any  # has acquire() and release()
    counter: Any  # has .value; read and written only while holding ``lock``


@contextmanager
def guarded(primitive: str, ctx: Any) -> Iterator[Guarded]:
    """Make ``primitive`` and its counter; a Manager is started here and shut down on exit."""
    if primitive not in PRIMITIVES:
        raise ValueError(f"unknown lock primitive {primitive!r}; choose one of {PRIMITIVES}")
    if primitive == "manager_lock":
        with ctx.Manager() as manager:
            yield Guarded(primitive, manager.Lock(), ctx.RawValue("q", 0))
        return
    if primitive == "value_lock":
        value = ctx.Value("q", 0, lock=True)
        yield Guarded(primitive, value.get_lock(), value)
        return
    if primitive == "thread_lock":
        yield Guarded(primitive, threading.Lock(), ctypes.c_longlong(0))
        return
    make: dict[str, Callable[[], Any]] = {
        "lock": ctx.Lock,
        "rlock": ctx.RLock,
        "semaphore": lambda: ctx.Semaphore(1),
        "bounded_semaphore": lambda: ctx.BoundedSemaphore(1),
    }
    yield Guarded(primitive, make[primitive](), ctx.RawValue("q", 0))


def section_ns(cs_us: float) -> int:
    """The critical section in nanoseconds, as :func:`workloads.contend` holds it (0: none)."""
    if cs_us < 0:
        raise ValueError(f"critical section must be >= 0 us, got {cs_us}")
    return round(cs_us * 1000)


def serial_bound_acq_per_s(cs_us: float) -> float:
    """The most acquisitions per second sections of ``cs_us`` allow: they never overlap."""
    if cs_us <= 0:
        raise ValueError(f"only a section of some length bounds the rate, got {cs_us} us")
    return 1e6 / cs_us


def acquisitions_for(pilot_s: float, pilot_acquisitions: int, target_round_s: float) -> int:
    """Acquisitions per round so that a round takes about ``target_round_s``."""
    if pilot_acquisitions <= 0:
        raise ValueError("the pilot must take the lock at least once")
    if pilot_s <= 0:
        return MAX_ACQUISITIONS
    wanted = target_round_s * pilot_acquisitions / pilot_s
    return int(min(MAX_ACQUISITIONS, max(MIN_ACQUISITIONS, wanted)))


@dataclass(frozen=True)
class ContentionRound:
    """What one round of contention did, as reported by its workers."""

    total: int  # acquisitions the round was asked for (the counter's target)
    counter: int  # the counter's value at the end of the round
    counts: tuple[int, ...]  # acquisitions each worker won
    waits_ns: tuple[int, ...]  # sampled wait times of acquire(), all workers
    holds_ns: tuple[int, ...]  # sampled hold times, acquire() to release(), all workers
    workers_cpu_s: float  # CPU seconds the workers' threads burned in the round
    wall_s: float  # the round, as the parent saw it

    @property
    def error(self) -> str | None:
        """Why the round's numbers do not add up, or None when they do."""
        if self.counter != self.total:
            return f"counter reached {self.counter}, expected {self.total}"
        if sum(self.counts) != self.total:
            return (
                f"workers counted {sum(self.counts)} acquisitions, counter says {self.counter}: "
                "two workers held the lock at once"
            )
        return None

    @property
    def fairness(self) -> float | None:
        return jain_index(self.counts)

    @property
    def effective_cores(self) -> float:
        """Cores the workers kept busy: near N when they spin, near 1 or below when they sleep."""
        return self.workers_cpu_s / self.wall_s if self.wall_s > 0 else 0.0


class Contention:
    """A lock, its counter and a crew of workers contending for it, ready for rounds."""

    def __init__(self, guard: Guarded, ctx: Any, workers: int, cs_us: float) -> None:
        if workers < 1:
            raise ValueError(f"need at least one worker, got {workers}")
        self.guard = guard
        self.section_ns = section_ns(cs_us)
        threaded = guard.primitive in THREADED
        self._limit = ctypes.c_longlong(0) if threaded else ctx.RawValue("q", 0)
        job: crew.Job = (
            workloads.contend,
            (guard.lock, guard.counter, self._limit, self.section_ns, SAMPLES_PER_ROUND),
        )
        # process workers are placed one per CPU (round robin past the cores): left to the
        # scheduler, 2 workers on 2 vCPUs took a Lock 0.8 M or 2.7 M times a second, by
        # whether it had put them on one core (hand-offs without a wake-up) or on two
        self.crew: crew.ProcessCrew | crew.ThreadCrew = (
            crew.ThreadCrew([job] * workers)
            if threaded
            else crew.ProcessCrew(ctx, [job] * workers, placement.usable_cpus())
        )
        self.total = 0

    @property
    def worker_cpus(self) -> list[int] | None:
        """The CPU each process worker is pinned to (None: threads, or left to the scheduler)."""
        return self.crew.cpus if isinstance(self.crew, crew.ProcessCrew) else None

    def __enter__(self) -> Contention:
        self.crew.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.crew.__exit__(*exc)

    def prepare(self, total: int) -> None:
        """Off the clock: zero the counter, set the round's total."""
        self.total = total
        self._limit.value = total
        self.guard.counter.value = 0

    def run(self) -> ContentionRound:
        """One round on the clock: release the crew, collect every worker's report."""
        t0 = time.perf_counter()
        reports = self.crew.run_round()
        wall = time.perf_counter() - t0
        return ContentionRound(
            total=self.total,
            counter=int(self.guard.counter.value),
            counts=tuple(r[0] for r in reports),
            waits_ns=tuple(w for r in reports for w in r[1]),
            holds_ns=tuple(h for r in reports for h in r[2]),
            workers_cpu_s=sum(r[3] for r in reports),
            wall_s=wall,
        )

    def calibrate(self, target_round_s: float) -> int:
        """Acquisitions per round for rounds of about ``target_round_s``, from pilot rounds.

        The first pilot takes as many acquisitions as this process alone does in half the
        target, and pilots grow until one lasts half the target: a short pilot is all
        wake-up latency and would size rounds so short that one worker takes every
        acquisition before the others are even running (fairness 1/N that says nothing
        about the lock).
        """
        alone = self._alone(PILOT_ACQUISITIONS)  # a first guess: contention is seldom faster
        total = acquisitions_for(alone.wall_s, PILOT_ACQUISITIONS, target_round_s * PILOT_SHARE)
        for _ in range(MAX_PILOTS):
            self.prepare(total)
            pilot = self.run()
            if pilot.error:
                raise AssertionError(f"pilot round: {pilot.error}")
            if pilot.wall_s >= target_round_s * PILOT_SHARE or total >= MAX_ACQUISITIONS:
                break
            total = max(total * 2, acquisitions_for(pilot.wall_s, total, target_round_s))
            total = min(MAX_ACQUISITIONS, total)
        return acquisitions_for(pilot.wall_s, total, target_round_s)

    def _alone(self, total: int) -> ContentionRound:
        """This process alone takes the lock ``total`` times with the crew's loop (sizing only)."""
        limit = ctypes.c_longlong(total)
        self.guard.counter.value = 0
        t0 = time.perf_counter()
        mine, waits, holds, cpu = workloads.contend(
            self.guard.lock, self.guard.counter, limit, self.section_ns, SAMPLES_PER_ROUND
        )
        wall = time.perf_counter() - t0
        counter = int(self.guard.counter.value)
        return ContentionRound(total, counter, (mine,), tuple(waits), tuple(holds), cpu, wall)
