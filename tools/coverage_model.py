#!/usr/bin/env python3
"""Do mpbench's intervals hold, and do its comparisons decide, on a model of a noisy VM?

The model: a machine in one of two speed states (the slow one RATIO times slower); after each
round, with probability 1/DWELL, the state is drawn afresh (fast or slow, even odds), so
DWELL 1 is independent rounds and DWELL 100 keeps a state for about 200 rounds; every round
has a little noise of its own; each block also spends SETUP_ROUNDS of machine time
starting its processes. Runs of a suite of benchmarks are replayed on it, block 1 of every
benchmark, then block 2 (passes, as `mpbench run` does), or every block of one benchmark
back to back (as it did before), and put through the REAL statistics code:

* figure intervals: :func:`bench_lib.stats.intervals.block_interval`, what the engine records;
  "holds": a run's interval holds the next run's median. Its nominal rate, for two draws of
  one distribution and a t interval over k blocks, is P(|t_{k-1}| < t_{0.975,k-1} / sqrt 2)
  (about 83% for many blocks, 91% for 3); the old pooled-rounds interval is printed beside it;
* `mpbench compare` of two runs of the same code: :func:`bench_lib.compare.pairs.compare_pair`
  (the verdicts, the Holm family, the whole run's geometric mean interval);
* `mpbench ab` of one side against itself: round pairs in turns, the sequential rule of
  :mod:`bench_lib.stats.sequential` looked at through :func:`bench_lib.cli.ab_stop.states`
  after every block from the fourth, up to MAX_AB_BLOCKS blocks (the budget).

Seeded: the same arguments print the same numbers. Usage:

    python tools/coverage_model.py [--runs 20] [--dwells 1,5,10,30,100] [--benchmarks 100]
        [--blocks 4]    (about a minute and a half with the defaults)
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
from dataclasses import dataclass

from bench_lib.cli import ab_stop
from bench_lib.compare import pairs
from bench_lib.compare.match import Entry, Key
from bench_lib.engine.profiles import PROFILES
from bench_lib.stats import descriptive, intervals, replicates, sequential
from bench_lib.stats.descriptive import CONFIDENCE
from bench_lib.stats.verdict import AB_CONFIDENCE, AB_MARGINS

RATIO = 1.6  # the slow state's round time over the fast one's (the reference VM: 1.6-1.8)
ROUND_NOISE = 0.03  # each round's own lognormal spread, on top of the state
SETUP_ROUNDS = 3  # machine time a block spends starting its processes, in rounds
BLOCKS = PROFILES["standard"].blocks
ROUNDS_PER_BLOCK = 4
AB_ROUNDS_PER_BLOCK = 8  # a quick block of one benchmark under `mpbench ab`
MAX_AB_BLOCKS = 12  # about what ab's 6-minute budget allows spawn, locks, pool and gil
SEED = 20261207


class Machine:
    """The two-state speed model; ``factor()`` is the next round's time multiplier."""

    def __init__(self, dwell_rounds: float, rng: random.Random) -> None:
        self.redraw = 1 / max(1.0, dwell_rounds)
        self.rng = rng
        self.slow = rng.random() < 0.5

    def factor(self) -> float:
        if self.rng.random() < self.redraw:
            self.slow = self.rng.random() < 0.5
        state = RATIO if self.slow else 1.0
        return state * math.exp(self.rng.gauss(0.0, ROUND_NOISE))

    def idle(self, rounds: int) -> None:
        for _ in range(rounds):
            self.factor()


@dataclass(frozen=True)
class Figure:
    """One benchmark of one run: its rounds, in blocks."""

    blocks: tuple[tuple[float, ...], ...]

    @property
    def values(self) -> list[float]:
        return [x for b in self.blocks for x in b]

    @property
    def sizes(self) -> list[int]:
        return [len(b) for b in self.blocks]


def run(machine: Machine, benchmarks: int, blocks: int, rounds: int, passes: bool) -> list[Figure]:
    """One run of the suite (every benchmark's true time 1.0): as passes, or back to back."""
    made: list[list[tuple[float, ...]]] = [[] for _ in range(benchmarks)]
    order = (
        [(b, k) for k in range(blocks) for b in range(benchmarks)]
        if passes
        else [(b, k) for b in range(benchmarks) for k in range(blocks)]
    )
    for b, _ in order:
        machine.idle(SETUP_ROUNDS)
        made[b].append(tuple(machine.factor() for _ in range(rounds)))
    return [Figure(tuple(m)) for m in made]


def nominal_hold(blocks: int, confidence: float = CONFIDENCE) -> float:
    """How often a t interval over ``blocks`` holds another draw's estimate, exactly."""
    df = blocks - 1
    t = replicates.t_quantile(1 - confidence, df)
    return 1 - replicates.t_two_sided_p(t / math.sqrt(2), df)


def holds(figures: list[Figure], others: list[Figure], pooled: bool = False) -> list[bool]:
    """Whether each figure's interval holds the other run's figure of the same benchmark;
    ``pooled``: as the engine did before, the median of every round with the order-statistic
    interval of every round taken as independent."""
    out = []
    for mine, theirs in zip(figures, others):
        if pooled:
            ci = descriptive.median_ci(mine.values)
            low, high = ci if ci else (None, None)
            other = descriptive.median(theirs.values)
        else:
            iv = intervals.block_interval(mine.values, mine.sizes)
            low, high = iv.ci_low, iv.ci_high
            other = intervals.block_interval(theirs.values, theirs.sizes).median
        if low is not None and high is not None:
            out.append(low <= other <= high)
    return out


def entries(figures: list[Figure], ab_runs: bool = False) -> dict[Key, Entry]:
    """The figures as compare reads them from a result file (round times, lower is better);
    ``ab_runs``: block k came from run k of an `mpbench ab` (``info.block_runs``)."""
    table = {}
    for i, f in enumerate(figures):
        blocks = tuple(tuple(b) for b in f.blocks)
        e = Entry(
            subject="model",
            case=f"b{i}",
            params=(),
            figure="round",
            unit="s",
            source="round",
            higher_is_better=False,
            samples=f.values,
            value=None,
            noisy=False,
            work=(1.0,),
            rounds_total=len(f.values),
            block_medians=tuple(descriptive.median(b) for b in blocks),
            block_values=blocks,
            block_runs=tuple(range(len(blocks))) if ab_runs else (),
        )
        table[e.key] = e
    return table


@dataclass(frozen=True)
class Outcome:
    changed: int  # figures called faster or slower (all false: both sides are the same code)
    same: int
    figures: int
    geomean_holds_1: bool | None  # the whole run's geometric mean interval holds 1.0


def compare_aa(a: list[Figure], b: list[Figure]) -> Outcome:
    pair = pairs.compare_pair(entries(a), entries(b), 0, 1)
    return _outcome(pair)


def _outcome(pair: pairs.PairComparison) -> Outcome:
    verdicts = [f.verdict for f in pair.figures]
    ci = pair.overall.geomean_ci if pair.overall else None
    return Outcome(
        sum(v in ("faster", "slower") for v in verdicts),
        verdicts.count("same"),
        len(verdicts),
        None if ci is None else ci[0] <= 1.0 <= ci[1],
    )


def ab_aa(machine: Machine, benchmarks: int) -> tuple[Outcome, int]:
    """One side against itself, round by round in turns, stopping as `mpbench ab` does;
    the outcome and how many benchmark blocks were spent."""
    rules = pairs.Rules(AB_CONFIDENCE, AB_MARGINS)
    sides: list[list[list[tuple[float, ...]]]] = [[[] for _ in range(benchmarks)] for _ in "ab"]
    open_ = set(range(benchmarks))
    spent = 0
    pair = None
    for k in range(MAX_AB_BLOCKS):
        for b in sorted(open_):
            machine.idle(SETUP_ROUNDS)
            rounds = [(machine.factor(), machine.factor()) for _ in range(AB_ROUNDS_PER_BLOCK)]
            first, second = (0, 1) if (k + b) % 2 == 0 else (1, 0)  # A B, then B A
            sides[first][b].append(tuple(r[0] for r in rounds))
            sides[second][b].append(tuple(r[1] for r in rounds))
            spent += 1
        a, c = ([Figure(tuple(x)) for x in s] for s in sides)
        pair = pairs.compare_pair(entries(a, True), entries(c, True), 0, 1, k + 1, rules)
        if k + 1 >= sequential.FIRST_LOOK_BLOCKS:
            states = ab_stop.states(pair)
            open_ = {b for b in open_ if not sequential.settled(states[("model", f"b{b}", ())])}
            if not open_:
                break
    assert pair is not None
    return _outcome(pair), spent


def report(
    runs: int, dwells: list[float], benchmarks: int, blocks: int = BLOCKS, seed: int = SEED
) -> list[str]:
    """The model's table, one line per dwell, each from ``runs`` seeded runs."""
    lines = [
        f"model: two speed states {RATIO}x apart, round noise {ROUND_NOISE:.0%}, "
        f"{benchmarks} benchmarks x {blocks} blocks x {ROUNDS_PER_BLOCK} rounds, {runs} runs a row",
        f"nominal hold rate of a {blocks}-block t interval: {nominal_hold(blocks):.1%}",
        "dwell  hold(passes)  hold(back-to-back)  hold(old: pooled)    "
        "compare: changed/run same geomean-holds-1  ab: changed/run same blocks/benchmark",
    ]
    for dwell in dwells:
        row = simulate(runs, dwell, benchmarks, blocks, seed)
        lines.append(
            f"{dwell:5g}  {row.hold:12.1%}  {row.hold_back_to_back:18.1%}  "
            f"{row.hold_pooled:19.1%}  {row.compare_changed:15.2f} {row.compare_same:4.0%} "
            f"{row.geomean_holds:15.0%}  {row.ab_changed:14.2f} {row.ab_same:4.0%} "
            f"{row.ab_blocks:5.1f}"
        )
    return lines


@dataclass(frozen=True)
class Row:
    hold: float  # passes, block-t interval: the shipped rule
    hold_back_to_back: float  # the same interval, blocks back to back
    hold_pooled: float  # the old engine: blocks back to back, every round pooled
    compare_changed: float  # false verdicts per A/A compare of two runs
    compare_same: float
    geomean_holds: float
    ab_changed: float  # false verdicts per ab A/A
    ab_same: float
    ab_blocks: float  # blocks spent per benchmark


def simulate(
    runs: int, dwell: float, benchmarks: int, blocks: int = BLOCKS, seed: int = SEED
) -> Row:
    rng = random.Random(f"{seed}-{dwell}")
    machine = Machine(dwell, rng)
    hold: list[bool] = []
    back: list[bool] = []
    pooled: list[bool] = []
    compares: list[Outcome] = []
    abs_: list[tuple[Outcome, int]] = []
    previous = run(machine, benchmarks, blocks, ROUNDS_PER_BLOCK, True)
    old = run(machine, benchmarks, blocks, ROUNDS_PER_BLOCK, False)
    for _ in range(runs):
        now = run(machine, benchmarks, blocks, ROUNDS_PER_BLOCK, True)
        hold += holds(previous, now)
        compares.append(compare_aa(previous, now))
        then = run(machine, benchmarks, blocks, ROUNDS_PER_BLOCK, False)
        back += holds(old, then)
        pooled += holds(old, then, pooled=True)
        previous, old = now, then
    for _ in range(max(1, runs // 4)):  # ab is dearer: a quarter as many
        abs_.append(ab_aa(machine, max(4, benchmarks // 4)))
    total = sum(o.figures for o in compares)
    ab_total = sum(o.figures for o, _ in abs_)
    geo = [o.geomean_holds_1 for o in compares if o.geomean_holds_1 is not None]
    return Row(
        _share(hold),
        _share(back),
        _share(pooled),
        sum(o.changed for o in compares) / len(compares),
        sum(o.same for o in compares) / total,
        statistics.fmean(geo) if geo else math.nan,
        sum(o.changed for o, _ in abs_) / len(abs_),
        sum(o.same for o, _ in abs_) / ab_total,
        sum(n for _, n in abs_) / ab_total,
    )


def _share(held: list[bool]) -> float:
    return sum(held) / len(held) if held else math.nan  # none: too few blocks for intervals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs a row (default 20)")
    parser.add_argument("--dwells", default="1,5,10,30,100", help="mean dwell, in rounds")
    parser.add_argument("--benchmarks", type=int, default=100, help="benchmarks a pass")
    parser.add_argument("--blocks", type=int, default=BLOCKS, help="blocks a benchmark")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    dwells = [float(d) for d in args.dwells.split(",") if d]
    print("\n".join(report(args.runs, dwells, args.benchmarks, args.blocks, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
