"""A benchmark's blocks so far, its turns under ``mpbench ab``, and handing its rounds to
pytest-benchmark: the book-keeping :class:`bench_lib.engine.bench.Bench` measures into.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from bench_lib.engine import turnstile
from bench_lib.engine.figures import Figure, FloorRef, Paired, PairedJob, describe_figure
from bench_lib.machine.cpu import CpuMeter, CpuUsage
from bench_lib.results import per_op
from bench_lib.stats import descriptive as stats
from bench_lib.stats import noise


def on_clock_share(timed_s: list[float], wall_s: float) -> float:
    """The part of the rounds' wall time that is on the figure's clock: its share of the time
    budget. The rest (each round's setup and teardown, a paired round, the deadline) costs as
    much wall time: a 64-byte Queue round of 0.5 ms with 20 ms around it is 40x dearer than its
    clock says, and sizing by the clock alone ran 200 of them, 5 s for a 0.25 s budget."""
    on_clock = sum(timed_s)
    return min(1.0, on_clock / wall_s) if wall_s > 0 and on_clock > 0 else 1.0


def pair_share(main_s: list[float], paired_s: list[float]) -> float:
    """The part of a round pair's time that is the figure's: its share of the time budget."""
    if not paired_s or not main_s:
        return 1.0
    main, other = stats.median(main_s), stats.median(paired_s)
    return main / (main + other) if main + other > 0 else 0.5


class Turns:
    """Under `mpbench ab`, each round waits for this side's turn
    (:mod:`bench_lib.engine.turnstile`); the waits (the other side's rounds) are kept out of
    this side's wall time and CPU record."""

    def __init__(self) -> None:
        self.client = turnstile.client()
        self.waited = CpuUsage(0.0, 0.0, 0.0)

    def take(self) -> None:
        if not self.client.active:
            return
        if threading.current_thread() is threading.main_thread():
            signal.setitimer(signal.ITIMER_REAL, 0)  # a wait is not a round: no deadline
        with CpuMeter() as wait:
            self.client.turn()
        self.waited += wait.usage


def record_rounds(
    benchmark: Any, round_times_s: list[float], figure: Figure, group: str | None = None
) -> None:
    """Give pytest-benchmark the rounds of every block (timed here or in a lean process).

    ``pedantic`` times one run of rounds in this process; blocks are several runs, some in
    other processes. The rounds go through the ``Metadata`` that ``pedantic`` fills (private
    but stable in pytest-benchmark 4-5; the tests read the JSON it makes), so its table, JSON,
    ``--benchmark-compare`` and ``--benchmark-save-data`` treat them alike: per operation of
    ``figure`` (``iterations`` = its ``per_round``, :mod:`bench_lib.results.per_op`), in
    ``group``. Under ``--benchmark-disable`` nothing is recorded, as pytest-benchmark does.
    """
    benchmark._mode = "mpbench blocks"  # used: no "fixture was not used" warning
    if benchmark.disabled:
        return
    if group is not None:
        benchmark.group = group  # read when the Metadata is made
    metadata = benchmark._make_stats(per_op.iterations(figure.per_round))
    for t in round_times_s:
        metadata.update(t)


@dataclass
class Blocks:
    """What the blocks of one benchmark have measured so far (docs/design.md, principle 15)."""

    per_block: int = 0  # pragma: no mutate (the first block sets it before any use)
    # measured rounds in each block after the first (the first sizes it)
    rounds_s: list[list[float]] = field(default_factory=list)  # each block's round times
    figures: list[Figure] = field(default_factory=list)
    floor: FloorRef | None = None
    paired: Paired | PairedJob | None = None
    paired_rounds_s: list[list[float]] = field(default_factory=list)
    wall_s: float = 0.0
    tree_cpu_s: float = 0.0
    system_busy_s: float = 0.0
    before: noise.NoiseSample | None = None
    samples: dict[str, list[float]] = field(default_factory=dict)  # each metric's, every block
    sample_blocks: dict[str, list[int]] = field(default_factory=dict)  # its samples per block

    def add_samples(self, name: str, samples: list[float]) -> tuple[list[float], list[int]]:
        """One block's samples of a per-round metric; every block's so far, and their sizes."""
        kept = self.samples.setdefault(name, [])
        kept.extend(samples)
        sizes = self.sample_blocks.setdefault(name, [])
        if samples:
            sizes.append(len(samples))
        return kept, sizes

    def add(self, rounds_s: list[float], usage: CpuUsage) -> None:
        self.rounds_s.append(rounds_s)
        self.wall_s += usage.wall_s
        self.tree_cpu_s += usage.tree_cpu_s
        self.system_busy_s += usage.system_busy_s

    def add_block(
        self,
        rounds_s: list[float],
        usage: CpuUsage,
        figures: list[Figure] | None,
        floor: FloorRef | None,
        paired: Paired | PairedJob | None = None,
        paired_s: list[float] | None = None,
    ) -> None:
        self.add(rounds_s, usage)
        self.figures = figures or [Figure("round", "s", "time")]
        self.floor = floor
        self.paired = paired
        if paired is not None:
            self.paired_rounds_s.append(list(paired_s or []))

    @property
    def usage(self) -> CpuUsage:
        return CpuUsage(self.wall_s, self.tree_cpu_s, self.system_busy_s)

    def paired_record(
        self, data: list[float], main: Figure, paired: Paired | PairedJob
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The paired rounds and their figure, and for a floor the values ``floor`` gets
        (ratio and all); a paired floor becomes this benchmark's floor."""
        rounds = [t for block in self.paired_rounds_s for t in block]
        sizes = [len(block) for block in self.paired_rounds_s]
        figure = describe_figure(paired.figure, rounds, sizes)
        floor_values = None
        if paired.role == "floor":
            main_sizes = [len(block) for block in self.rounds_s]
            main_median = describe_figure(main, data, main_sizes)["median"]
            self.floor = paired.ref
            floor_values = {
                "median": figure["median"],
                "ci_low": figure["ci_low"],
                "ci_high": figure["ci_high"],
                "unit": figure["unit"],
                "ratio": main_median / figure["median"] if figure["median"] else None,
                "paired": True,
            }
        record = {
            "role": paired.role,
            **asdict(paired.ref),
            "figure": figure,
            "rounds_s": rounds,
            "block_rounds": sizes,
        }
        return record, floor_values
