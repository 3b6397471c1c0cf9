"""Which ways to measure, in which order, and how many rounds fit the budget.

The ways go in order of what the recommendation needs most: every kind at the usable cores
first (threads, the first start method's Pool.starmap, interpreters), then those at the
oversubscribed count, then the other start methods at the cores, then the other APIs and the
smaller worker counts. The budget is spent in that order; what does not fit is cut, and the
report says what and how much more budget would measure it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench_lib.measure.ways import APIS, Way, chosen_chunksize, default_chunksize

BLOCKS = 5  # independent repeats of a way (a fresh pool each): 3 left t(2) = 4.3 wide
BLOCK_TARGET_S = 0.2  # measured time a block aims for: short calls get more rounds in it
MAX_ROUNDS = 20  # rounds of a way (and as many serial) in one block, at most
STARTUP_GUESS_S = {"fork": 0.05, "forkserver": 0.3, "spawn": 0.3}  # per pool, before measured
STARTUP_PER_WORKER_GUESS_S = {"fork": 0.01, "forkserver": 0.05, "spawn": 0.15}


def worker_counts(cores: int) -> list[int]:
    """1, 2, 4 .. the usable cores, the cores themselves, and one oversubscribed count (2x)."""
    counts = {1, cores, 2 * cores}
    counts.update(2**k for k in range(int(math.log2(cores)) + 1))
    return sorted(counts)


def ways(
    cores: int,
    counts: Sequence[int],
    methods: Sequence[str],
    calls_n: int,
    per_call_s: float,
    chunksize: int | None = None,
    interpreters: bool = False,
) -> list[Way]:
    """Every way to measure, most needed first (see the module's docstring)."""
    found: list[Way] = []
    for n in counts:
        found.append(Way("threads", n))
        if interpreters:
            found.append(Way("interpreters", n))
        chosen = chunksize or chosen_chunksize(calls_n, n, per_call_s)
        for m in methods:
            for api in APIS:
                if api == "starmap_default" and chosen == default_chunksize(calls_n, n):
                    continue  # the chosen chunksize is the default: measured once
                size = None if api in ("starmap_default", "apply_async") else chosen
                found.append(Way("processes", n, m, api, size))

    def priority(w: Way) -> tuple[int, int, int, int, int, int]:
        at = 0 if w.workers == cores else (1 if w.workers > cores else 2)
        method = methods.index(w.start_method) if w.start_method else 0
        api = list(APIS).index(w.api) if w.api else 0
        family = 0 if w.api is None or (api == 0 and method == 0) else (1 if api == 0 else 2)
        return at + family, family, at, method, api, w.workers

    return sorted(found, key=priority)


@dataclass
class Budget:
    """The seconds left; estimates of what a block costs, learnt from the blocks measured."""

    total_s: float
    started: float = 0.0
    serial_round_s: float = 0.0

    def __post_init__(self) -> None:
        self.started = time.perf_counter()
        self.startup_s: dict[str, float] = {}  # measured start-up by start method or kind

    @property
    def left_s(self) -> float:
        return self.total_s - (time.perf_counter() - self.started)

    def startup_guess(self, way: Way) -> float:
        key = way.start_method or way.kind
        if key in self.startup_s:
            return self.startup_s[key]
        if way.start_method is None:
            return 0.01
        return STARTUP_GUESS_S[key] + STARTUP_PER_WORKER_GUESS_S[key] * way.workers

    def block_guess(self, way: Way, way_round_s: float | None, rounds: int | None) -> float:
        """A block: start-up, one warm-up round, then rounds of the way and of serial."""
        per = way_round_s if way_round_s is not None else self.serial_round_s / min(2, way.workers)
        r = rounds if rounds is not None else 1
        return self.startup_guess(way) + per + r * (per + self.serial_round_s)

    def way_guess(self, way: Way) -> float:
        return BLOCKS * self.block_guess(way, None, None)

    def fits(self, seconds: float) -> bool:
        return seconds <= self.left_s


def rounds_per_block(serial_round_s: float, way_round_s: float) -> int:
    """Rounds of a pair (the way and serial) that fill about BLOCK_TARGET_S; 1 .. MAX_ROUNDS."""
    pair = serial_round_s + way_round_s
    return max(1, min(MAX_ROUNDS, int(BLOCK_TARGET_S / pair) if pair > 0 else MAX_ROUNDS))
