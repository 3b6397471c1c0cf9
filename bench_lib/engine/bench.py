"""The measurement engine behind every benchmark: pytest-benchmark times, mpbench records.

A benchmark asks the ``mpbench`` fixture (a :class:`Bench`) to ``measure`` a
target. Warm-up rounds, timed here and dropped, size the measured rounds
(:func:`bench_lib.stats.descriptive.rounds_for_precision`); pytest-benchmark's ``pedantic``
then times them, so setup and teardown stay off the clock and raw rounds land in
the result file. A round that outlives the profile's timeout is a hang: the
round is interrupted, the benchmark fails, the plugin kills what it left.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from bench_lib.engine import lean_runner
from bench_lib.engine.blocks import Blocks, Turns, on_clock_share, pair_share
from bench_lib.engine.blocks import record_rounds as record_rounds
from bench_lib.engine.deadline import RoundTimeout as RoundTimeout
from bench_lib.engine.deadline import round_deadline as round_deadline
from bench_lib.engine.figures import Figure as Figure
from bench_lib.engine.figures import FloorRef as FloorRef
from bench_lib.engine.figures import Paired as Paired
from bench_lib.engine.figures import PairedJob as PairedJob
from bench_lib.engine.figures import Setup as Setup
from bench_lib.engine.figures import describe_figure as describe_figure
from bench_lib.engine.lean_runner import LeanJob
from bench_lib.engine.profiles import Profile
from bench_lib.engine.twins import Handover, TwinBook
from bench_lib.engine.twins import Twin as Twin
from bench_lib.machine.cpu import CpuMeter, CpuUsage
from bench_lib.results import per_op
from bench_lib.results.files import SCHEMA_KEY
from bench_lib.stats import descriptive as stats
from bench_lib.stats import intervals, noise


class Bench:
    """What a benchmark sees: the profile, the usable cores, and ways to record what it measured.

    The plugin runs a benchmark's body once per block (``profile.blocks``), each time with
    fresh processes, placement, pool or crew; ``measure`` adds one block of rounds per call and
    the plugin's :meth:`finish` records them all. The first block's warm-up sizes the rest.
    """

    def __init__(
        self, benchmark: Any, profile: Profile, cores: int, twins: TwinBook | None = None
    ) -> None:
        self.benchmark = benchmark
        self.profile = profile
        self.cores = cores  # usable cores of this machine (affinity and quota)
        path = benchmark.fullname.split("::")[0]
        self.subject = path.rsplit("/", 1)[-1]  # pragma: no mutate (only the last part is read)
        self.subject = self.subject.removeprefix("test_").removesuffix(".py")
        self.case = benchmark.name.split("[")[0].removeprefix("test_")
        self.params: dict[str, Any] = dict(benchmark.params or {})
        self.metrics: dict[str, dict[str, Any]] = {}
        self.checks: dict[str, Any] = {}
        self.info: dict[str, Any] = {}
        self.block = 0  # which block the body is running now (the plugin sets it)
        self._blocks = Blocks()
        self._floor_values: dict[str, Any] = {}  # a paired floor's figure, ratio to this one
        self.twins = twins if twins is not None else TwinBook()
        self._handovers: dict[str, Handover] = {}  # twins this benchmark measures, by node id
        self._adopted = False

    @property
    def warmup_rounds(self) -> int:
        """Warm-up rounds :meth:`measure` runs in this block before the measured ones: the
        first block's also size the rounds, later blocks' only warm their fresh processes."""
        return self.profile.warmup_rounds if self.block == 0 else min(1, self.profile.warmup_rounds)

    @property
    def smoke(self) -> bool:
        return self.profile.name == "smoke"

    def metric(self, name: str, value: float | None, unit: str, **extra: Any) -> None:
        """A measured number that is not a round time (p99 latency, effective cores, ...)."""
        self.metrics[name] = {"value": value, "unit": unit, **extra}

    def metric_samples(self, name: str, samples: list[float], unit: str) -> None:
        """A metric with one value per round: stored as median with its interval, and raw.

        Called once per block; the samples of every block so far are summarised together, the
        interval from the blocks (:func:`bench_lib.stats.intervals.block_interval`).
        """
        kept, sizes = self._blocks.add_samples(name, samples)
        if not kept:
            return
        s = intervals.block_interval(kept, sizes)
        self.metric(
            name, s.median, unit, ci_low=s.ci_low, ci_high=s.ci_high, n=len(kept), samples=kept
        )
        self.metrics[name].update(blocks=s.blocks, interval=s.method, block_samples=sizes)

    def sized(self, name: str, size: Callable[[], int]) -> int:
        """Work per round, sized by ``size()`` in the first block and reused by the others.

        Every round of every block then does the same work (principle 14), and later blocks
        skip the calibration rounds. The count is kept as ``info[name]``.
        """
        if name not in self.info:
            self.info[name] = int(size())
        return int(self.info[name])

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        """A correctness check; a failed one fails the benchmark after it is recorded."""
        self.checks[name] = bool(self.checks.get(name, True) and ok)
        if not ok:
            self._save({})
            raise AssertionError(f"check {name!r} failed{': ' + detail if detail else ''}")

    def measure(
        self,
        target: Callable[..., Any],
        *,
        figures: list[Figure] | None = None,
        setup: Setup | None = None,
        teardown: Callable[..., Any] | None = None,
        floor: FloorRef | None = None,
        paired: Paired | None = None,
        twin: Twin | None = None,
        rounds: int | None = None,
        timeout_s: float | None = None,
    ) -> Any:
        """Time one block of rounds of ``target``; returns its last result.

        ``rounds`` (all blocks together) overrides the profile's sizing by warm-up rounds.
        With ``paired``, each round of ``target`` is followed (then preceded: A B B A ...) by a
        round of the paired measurement, timed alike and kept apart. With ``twin``, each round
        of ``target`` also has a round of the twin next to it (A T, then T A), kept as the
        twin's own (:meth:`handover`; its benchmark :meth:`adopt` s them).
        """
        timeout = timeout_s if timeout_s is not None else self.profile.timeout_s
        p = self.profile
        if rounds:  # the benchmark's own count, within the user's bounds (plugin.host)
            rounds = min(max(rounds, p.least_rounds), p.max_rounds)
        warmup: list[float] = []

        def timed(fn: Callable[..., Any], before: Setup | None, after: Any) -> tuple[float, Any]:
            """One round under its own deadline (re-armed off the clock, before the setup)."""
            if threading.current_thread() is threading.main_thread():
                signal.setitimer(signal.ITIMER_REAL, timeout)
            args, kwargs = (before() if before else None) or ((), {})
            start = time.perf_counter()
            out = fn(*args, **kwargs)
            elapsed = time.perf_counter() - start
            if after is not None:
                after(*args, **kwargs)
            return elapsed, out

        turns = Turns()
        started = time.perf_counter()
        with round_deadline(timeout):
            for _ in range(0 if rounds else self.warmup_rounds):
                turns.take()
                warmup.append(timed(target, setup, teardown)[0])
                if paired is not None:
                    timed(paired.target, paired.setup, paired.teardown)
                if twin is not None:
                    timed(twin.target, None, twin.teardown)
        if self.block == 0:
            total = rounds or stats.rounds_for_precision(
                warmup,
                p.target_rel_ci,
                p.min_rounds,
                p.max_rounds,
                p.budget_s
                * on_clock_share(warmup, time.perf_counter() - started - turns.waited.wall_s),
            )
            self._blocks.per_block = max(1, math.ceil(total / p.blocks))
            self._blocks.before = noise.NoiseSample.now()

        times: list[float] = []
        paired_times: list[float] = []
        twin_times: list[float] = []
        paired_usage = CpuUsage(0.0, 0.0, 0.0)  # left out of the figure's CPU record
        twin_usage = CpuUsage(0.0, 0.0, 0.0)  # the twin's own

        def timed_twin() -> None:
            nonlocal twin_usage
            if twin is not None:
                with CpuMeter() as tm:
                    twin_times.append(timed(twin.target, None, twin.teardown)[0])
                twin_usage += tm.usage

        def others(before_figure: bool) -> None:
            """The rounds beside the figure's: after it (twin, paired), or before it, reversed."""
            nonlocal paired_usage
            if not before_figure:
                timed_twin()
            if paired is not None:
                with CpuMeter() as pm:
                    paired_times.append(timed(paired.target, paired.setup, paired.teardown)[0])
                paired_usage += pm.usage
            if before_figure:
                timed_twin()

        result = None
        turns = Turns()
        started = time.perf_counter()
        with CpuMeter() as meter, round_deadline(timeout):
            for i in range(self._blocks.per_block):
                turns.take()
                if i % 2 == 1:  # A B B A: neither always goes first
                    others(before_figure=True)
                elapsed, result = timed(target, setup, teardown)
                times.append(elapsed)
                if i % 2 == 0:
                    others(before_figure=False)
        wall_s = time.perf_counter() - started - turns.waited.wall_s
        usage = meter.usage - paired_usage - twin_usage - turns.waited
        self._blocks.add_block(times, usage, figures, floor, paired, paired_times)
        if twin is not None:
            mine = self.handover(twin.name).blocks
            mine.before = self._blocks.before
            mine.add_block(twin_times, twin_usage, figures, floor, paired, paired_times)
        if self.block == 0 and not rounds:
            self._resize(times, on_clock_share(times, wall_s))
        return result

    def _resize(self, first_s: list[float], on_clock_share: float) -> None:
        """Size the later blocks again from the first block's measured rounds.

        Two or three warm-up rounds misjudge the spread (half the time too small, so too few
        rounds): the first block's rounds, several more, correct that. Never fewer than asked.
        """
        p = self.profile
        total = stats.rounds_for_precision(
            first_s,
            p.target_rel_ci,
            p.min_rounds,
            p.max_rounds,
            p.budget_s * on_clock_share,
        )
        later = math.ceil(max(0, total - len(first_s)) / max(1, p.blocks - 1))
        self._blocks.per_block = max(self._blocks.per_block, later)

    def measure_lean(
        self,
        job: LeanJob,
        *,
        figures: list[Figure],
        floor: FloorRef | None = None,
        paired: PairedJob | None = None,
    ) -> list[Any]:
        """Time one block of ``job`` in a fresh lean process; returns each round's sample.

        The first block's own rounds size the rest; each block repeats the warm-up in its own
        process, and ``info.blocks`` records each one's size and what that process was.
        """
        p = self.profile
        if self.block == 0:
            self._blocks.before = noise.NoiseSample.now()
        turns = Turns()  # under `mpbench ab` the lean process waits for each round's turn
        with CpuMeter() as meter:
            other = paired.job if paired else None
            if self.block == 0:
                block = self._lean_block(job, max(1, p.min_rounds // p.blocks), other, turns)
                total = stats.rounds_for_precision(
                    block.rounds_s,
                    p.target_rel_ci,
                    p.min_rounds,
                    p.max_rounds,
                    p.budget_s * pair_share(block.rounds_s, block.paired_s),
                )
                rest = max(0, total - len(block.rounds_s))
                self._blocks.per_block = max(1, math.ceil(rest / max(1, p.blocks - 1)))
            else:
                block = self._lean_block(job, self._blocks.per_block, other, turns)
        self.info.setdefault("blocks", []).append({"rounds": len(block.rounds_s), **block.state})
        usage = meter.usage - turns.waited
        self._blocks.add_block(block.rounds_s, usage, figures, floor, paired, block.paired_s)
        return block.samples

    def handover(self, name: str) -> Handover:
        """The records of twin ``name`` (a sibling benchmark's name) that this benchmark
        measures: :meth:`measure` adds its rounds, the body its info, metrics and checks."""
        node = self._sibling(name)
        if node not in self._handovers:
            self._handovers[node] = Handover(self.benchmark.name, Blocks())
        return self._handovers[node]

    def twin_wanted(self, name: str) -> bool:
        """Whether sibling benchmark ``name`` is still to run in this session, so that rounds
        measured for it here would be adopted."""
        return self.twins.wanted(self._sibling(name))

    def _sibling(self, name: str) -> str:
        """The node id of benchmark ``name`` in this benchmark's module (and class)."""
        return f"{self.benchmark.fullname.rsplit('::', 1)[0]}::{name}"

    def adopt(self) -> bool:
        """Take the rounds a twin measured for this benchmark beside its own, with its info,
        metrics and checks. True if there were some (now or in an earlier block): the body
        then measures nothing."""
        handed = self.twins.handed.pop(self.benchmark.fullname, None)
        if handed is None:
            return self._adopted
        self._adopted = True
        self._blocks = handed.blocks
        self.info.update(handed.info, measured_beside=handed.measured_by)
        self.metrics.update(handed.metrics)
        for name, (ok, detail) in handed.checks.items():
            self.check(name, ok, detail)
        return True

    def end_block(self) -> None:
        """After each block: hand each twin's rounds so far over to its own benchmark, which
        runs its block next (blocks are passes over the suite: it is not done yet)."""
        for node, handed in self._handovers.items():
            if handed.blocks.rounds_s and handed.blocks.before is not None:
                self.twins.handed[node] = handed

    def finish(self) -> None:
        """After the last block: give pytest-benchmark every round and record the figures;
        hand each twin's rounds over to its own benchmark."""
        self.end_block()
        b = self._blocks
        data = [t for block in b.rounds_s for t in block]
        if not data or b.before is None:  # pragma: no mutate (the first block sets both)
            return
        main = b.figures[0]
        group = per_op.group_name(self.subject, self.case, main.name)
        record_rounds(self.benchmark, data, main, None if self.benchmark.group else group)
        self.info["block_rounds"] = [len(block) for block in b.rounds_s]
        if b.paired is not None:
            record, floor_values = b.paired_record(data, b.figures[0], b.paired)
            if floor_values is not None:
                self.info["floor_measured"] = "paired"  # round by round beside the figure
                self._floor_values = floor_values
            self._save({"paired": record})
        self._record(data, b.figures, b.floor, b.usage, b.before)

    def _lean_block(
        self, job: LeanJob, rounds: int, paired: LeanJob | None, turns: Turns
    ) -> lean_runner.Block:
        p = self.profile
        turn = turns.take if turns.client.active else None
        try:
            return lean_runner.run_block(job, p.warmup_rounds, rounds, p.timeout_s, paired, turn)
        except lean_runner.BlockFailed as exc:
            self._save({})
            raise RuntimeError(str(exc)) from None

    def _record(
        self,
        data: list[float],
        figures: list[Figure],
        floor: FloorRef | None,
        usage: CpuUsage,
        before: noise.NoiseSample,
    ) -> None:
        after = noise.NoiseSample.now()
        summary = stats.summarize(data)
        sizes = [len(block) for block in self._blocks.rounds_s]
        rel_half = intervals.block_interval(data, sizes).rel_half_width
        self._save(
            {
                "figures": [describe_figure(f, data, sizes) for f in figures],
                "floor": {**asdict(floor), **self._floor_values} if floor else None,
                "rounds": len(data),
                "warmup_rounds": self.profile.warmup_rounds,
                "cpu": {
                    "wall_s": usage.wall_s,
                    "tree_cpu_s": usage.tree_cpu_s,
                    "effective_cores": usage.effective_cores,
                },
                "noise": noise.describe(
                    before,
                    after,
                    usage,
                    self.cores,
                    rel_half,
                    summary.robust_cv,
                    len(data),
                    flag_few_rounds=not self.smoke,
                    order=noise.order_signals(data, sizes),
                ),
            }
        )

    def _save(self, measured: dict[str, Any]) -> None:
        block = self.benchmark.extra_info.setdefault(SCHEMA_KEY, {})
        block.update(
            {
                "subject": self.subject,
                "case": self.case,
                "params": self.params,
                "profile": self.profile.name,
                "metrics": self.metrics,
                "checks": self.checks,
                "info": self.info,
                **measured,
            }
        )
