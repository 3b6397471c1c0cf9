"""Lock contention: what a lock costs when processes fight over it, and what breaks without one.

Unit: acquisitions per second (higher is better) and seconds per acquisition, system-wide
(round time / acquisitions: the lock's throughput, not one worker's wait).

- ``contention``: N workers (processes; threads for ``thread_lock``) take one lock until a
  shared counter, incremented under it, reaches the round's total. Primitives:
  multiprocessing Lock, RLock, Semaphore(1), BoundedSemaphore(1), a Manager().Lock() proxy,
  a Value's own lock (``with v.get_lock(): v.value += 1``) and threading.Lock.
  Metrics: fairness (Jain's index over per-worker counts, 1.0 = equal shares), wait time of
  sampled ``acquire()`` calls (median and p99), hold time (acquire to release, median),
  effective cores the workers burned (near N: spinning; near 1 or below: sleeping in the
  kernel). The floor of N workers is the same primitive and the same crew with one worker,
  kept open beside the N and measured round by round with them (A B B A): the same kind of
  processes, rounds and pipes, no rival, the same seconds. A Manager lock has none: rivals
  pipeline its round trips, so one worker alone bounds nothing (``info.no_floor``).
- ``critical_section``: multiprocessing.Lock held for 1 us or 10 us of work (a spin on the
  clock to a deadline, not a sleep and not a loop count), bounded by the serial bound
  1 / section: a check fails the benchmark if a round beats it.
- ``lost_updates``: the same increments on a Value without (and with) its lock; reports
  how many updates were lost - the reason the lock exists.
- ``torn_lines``: ten processes append long lines, each in several write() calls, to one
  file, with and without a lock; counts torn lines. Under the lock there must be none.

Placement: process workers are pinned one per usable CPU, round robin past the cores
(``info.worker_cpus``); left to the scheduler, 2 workers on 2 vCPUs were 0.8 M or 2.7 M
acquisitions a second by whether they shared a core.

Every round is checked: the counter equals the acquisitions the workers counted.
Off the clock: making the lock (and starting a Manager), starting the workers (each waits
on its own semaphore between rounds), the pilot rounds that size the rounds, zeroing the
counter, checking each round. On the clock: releasing the workers, their work, collecting
results. A worker that dies, in a round or between rounds, fails the benchmark at once with
its exit code; one that hangs holding the lock is ended by the round deadline; either way
its processes are killed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Any

from bench_lib.engine.bench import Bench, Figure, FloorRef, Paired, round_deadline
from bench_lib.engine.profiles import GridContext, from_profile, grid, worker_counts
from bench_lib.stats import descriptive as stats
from bench_lib.subjects.locks import ops as locks
from bench_lib.subjects.locks import races

# Per round: several scheduler time slices (~4 ms), so that every worker is running and
# fairness is measured over real competition, not over who woke up first.
TARGET_ROUND_S = {"smoke": 0.01, "quick": 0.02, "standard": 0.05, "full": 0.2}
PRIMITIVES: dict[str, Any] = {
    "smoke": ["lock", "thread_lock"],
    "quick": ["lock", "manager_lock", "thread_lock"],
    "standard": list(locks.PRIMITIVES),
}
CRITICAL_SECTION_US = {"smoke": [1], "quick": [1, 10], "standard": [1, 10]}
# Per worker and round: long enough (tens of ms) that the workers really overlap in time;
# a round shorter than a scheduler wake-up lets them run one after the other and race less.
INCREMENTS = {"smoke": 20_000, "quick": 100_000, "standard": 400_000, "full": 1_000_000}
LOCKED_SHARE = 10  # the locked loop runs 10-20x slower: a tenth of the work keeps rounds short
LINES_PER_WRITER = {"smoke": 50, "quick": 200, "standard": 600, "full": 1_000}


def lock_workers(ctx: GridContext) -> list[int]:
    """Contending workers: 1 and 2 in smoke, 1 and the cores in quick, else 1 .. 2x cores."""
    if ctx.profile.name in ("smoke", "quick"):
        return [1, 2] if ctx.profile.name == "smoke" else sorted({1, ctx.cores})
    return worker_counts(ctx)


def section_workers(ctx: GridContext) -> list[int]:
    """Critical-section workers: oversubscribed (2x cores) in quick, the full axis above."""
    if ctx.profile.name in ("smoke", "quick"):
        return [2] if ctx.profile.name == "smoke" else [2 * ctx.cores]
    return worker_counts(ctx)


def racing_workers(ctx: GridContext) -> list[int]:
    """At least two workers: one alone cannot race."""
    return [max(2, ctx.cores)]


def _pick(mpbench: Bench, table: dict[str, Any]) -> Any:
    return mpbench.profile.pick({k: [v] for k, v in table.items()})[0]


def _measure_contention(
    mpbench: Bench, contention: locks.Contention, floor: locks.Contention | None = None
) -> list[locks.ContentionRound]:
    """Size the rounds, measure them, check each, record the figures and metrics.

    ``floor``: the same primitive with a crew of one, measured round by round beside this one
    (principle 13: measured apart, a VM speed change made 4 threads 4.2x "faster" than 1).
    """
    target_s = _pick(mpbench, TARGET_ROUND_S)
    with round_deadline(mpbench.profile.timeout_s):  # the pilot round can hang like any other
        total = mpbench.sized("acquisitions_per_round", lambda: contention.calibrate(target_s))
        solo_total = (
            mpbench.sized("floor_acquisitions_per_round", lambda: floor.calibrate(target_s))
            if floor
            else 0
        )
    rounds: list[locks.ContentionRound] = []
    solo: list[locks.ContentionRound] = []

    def verify(of: list[locks.ContentionRound]) -> None:
        error = of[-1].error
        if error:
            mpbench.check("counter equals acquisitions", False, error)

    paired = None
    if floor is not None:
        paired = Paired(
            "floor",
            FloorRef("contention", {**mpbench.params, "workers": 1}),
            lambda: solo.append(floor.run()),
            Figure("acquisitions", "acq/s", "rate", per_round=solo_total),
            setup=lambda: floor.prepare(solo_total),
            teardown=lambda: verify(solo),
        )
    mpbench.measure(
        lambda: rounds.append(contention.run()),
        setup=lambda: contention.prepare(total),
        teardown=lambda: verify(rounds),
        figures=[
            Figure("acquisitions", "acq/s", "rate", per_round=total),
            Figure("acquire", "s", "time", per_round=total),
        ],
        paired=paired,
    )
    mpbench.check("counter equals acquisitions", True, f"{len(rounds)} rounds")
    _record_rounds(mpbench, rounds[mpbench.warmup_rounds :] or rounds)
    mpbench.info["target_round_s"] = target_s
    return rounds


def _record_rounds(mpbench: Bench, rounds: list[locks.ContentionRound]) -> None:
    fair = [f for r in rounds if (f := r.fairness) is not None]
    if fair:
        mpbench.metric_samples("fairness_jain", fair, "index")
    waits = [r.waits_ns for r in rounds if r.waits_ns]
    if waits:
        mpbench.metric_samples("wait_p50_s", [stats.percentile(w, 50) / 1e9 for w in waits], "s")
        mpbench.metric_samples("wait_p99_s", [stats.percentile(w, 99) / 1e9 for w in waits], "s")
    holds = [r.holds_ns for r in rounds if r.holds_ns]
    if holds:  # the section as the workers really ran it, with the increment and clock reads
        mpbench.metric_samples("hold_p50_s", [stats.percentile(h, 50) / 1e9 for h in holds], "s")
    mpbench.metric_samples("workers_effective_cores", [r.effective_cores for r in rounds], "cores")


# A Manager lock has no floor among its own points: each take is two round trips to the
# server (acquire, release), and with rivals the next holder's acquire is already waiting
# there, so a hand-off costs about one round trip: N workers can take it up to ~2x as often
# as one alone, and a crew of one bounds nothing (docs/locks.md has the measured ratio).
NO_SOLO_FLOOR = {"manager_lock": "a hand-off is one server round trip, a lone take two"}


@grid(primitive=PRIMITIVES, workers=lock_workers)
def test_contention(mpbench: Bench, primitive: str, workers: int) -> None:
    ctx = locks.context()
    mpbench.info.update(start_method=ctx.get_start_method(), critical_section_us=0)
    solo = workers > 1 and primitive not in NO_SOLO_FLOOR
    if workers > 1 and not solo:
        mpbench.info["no_floor"] = NO_SOLO_FLOOR[primitive]
    with contextlib.ExitStack() as stack:
        guard = stack.enter_context(locks.guarded(primitive, ctx))
        crew = stack.enter_context(locks.Contention(guard, ctx, workers, 0))
        # the floor: the same primitive, the same kind of crew, one worker, beside it
        alone = stack.enter_context(locks.Contention(guard, ctx, 1, 0)) if solo else None
        mpbench.info["worker_cpus"] = crew.worker_cpus
        _measure_contention(mpbench, crew, alone)


@grid(cs_us=CRITICAL_SECTION_US, workers=section_workers)
def test_critical_section(mpbench: Bench, cs_us: int, workers: int) -> None:
    ctx = locks.context()
    bound = locks.serial_bound_acq_per_s(cs_us)
    with locks.guarded("lock", ctx) as guard, locks.Contention(guard, ctx, workers, cs_us) as c:
        mpbench.info.update(
            start_method=ctx.get_start_method(), section_ns=c.section_ns, worker_cpus=c.worker_cpus
        )
        mpbench.metric("serial_bound_acq_per_s", bound, "acq/s")
        rounds = _measure_contention(mpbench, c)
    fastest = max(r.total / r.wall_s for r in rounds)
    mpbench.metric("bound_ratio", fastest / bound, "ratio")  # the fastest round, of the bound
    mpbench.check(
        "within the serial bound",
        fastest <= bound,
        f"a round reached {fastest:.0f} acq/s with {cs_us} us sections, above 1/section "
        f"= {bound:.0f}: two sections overlapped or one ran short of its label",
    )


@grid(locked=[False, True], workers=racing_workers)
def test_lost_updates(mpbench: Bench, locked: bool, workers: int) -> None:
    ctx = locks.context()
    times = _pick(mpbench, INCREMENTS) // (LOCKED_SHARE if locked else 1)
    value = ctx.Value("q", 0, lock=locked)  # lock=False: a bare c_longlong in shared memory
    outcomes: list[races.LostUpdates] = []

    def zero() -> None:
        value.value = 0

    with races.increment_crew(ctx, value, workers, times, locked) as team:
        mpbench.measure(
            lambda: outcomes.append(races.increment_round(team, value)),
            setup=zero,
            figures=[Figure("increments", "inc/s", "rate", per_round=workers * times)],
        )
    errors = [e for o in outcomes if (e := o.error)]
    mpbench.check("value never exceeds increments", not errors, "; ".join(errors[:3]))
    if locked:
        lost = [o.lost for o in outcomes if o.lost]
        mpbench.check("no update lost under the lock", not lost, f"lost {lost[:5]}")
    mpbench.metric_samples("lost_updates", [float(o.lost) for o in outcomes], "updates")
    mpbench.metric_samples(
        "lost_fraction", [o.lost / o.expected for o in outcomes if o.expected], "fraction"
    )
    mpbench.info.update(start_method=ctx.get_start_method(), increments_per_worker=times)


@from_profile("standard")
@grid(locked=[True, False])
def test_torn_lines(mpbench: Bench, locked: bool) -> None:
    ctx = locks.context()
    lines = _pick(mpbench, LINES_PER_WRITER)
    writers = races.CLASSIC_WRITERS
    lock = ctx.Lock() if locked else None
    counts: list[races.TornLines] = []
    with tempfile.TemporaryDirectory(prefix="mpbench-locks-") as tmp:
        path = os.path.join(tmp, "lines.txt")
        races.empty_file(path)

        def count() -> None:
            counts.append(races.count_torn(races.read_file(path), writers, lines, races.LINE_BYTES))

        with races.writer_crew(ctx, path, lock, writers, lines) as team:
            mpbench.measure(
                team.run_round,
                setup=lambda: races.empty_file(path),
                teardown=count,
                figures=[Figure("lines", "line/s", "rate", per_round=writers * lines)],
            )
    bad = [c for c in counts if not c.bytes_ok]
    mpbench.check("every byte written arrived once", not bad, str(bad[:2]))
    if locked:
        torn = [c for c in counts if c.torn or c.missing]
        mpbench.check("no torn line under the lock", not torn, str(torn[:2]))
    mpbench.metric_samples("torn_lines", [float(c.torn) for c in counts], "lines")
    mpbench.info.update(
        start_method=ctx.get_start_method(),
        writers=writers,
        lines_per_writer=lines,
        line_bytes=races.LINE_BYTES,
        writes_per_line=races.PIECES_PER_LINE,
    )
