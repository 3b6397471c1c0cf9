#!/usr/bin/env python3
"""How close can two measurements of the same work on this machine agree? (stdlib only)

Runs one small CPU-bound step back to back for SECONDS, keeping every step's start and
duration, then cuts the series into pairs of blocks of identical work, as an A/A comparison
would: two blocks side by side (an interleaved ``mpbench ab`` at its best) and two blocks 20 s
apart (two runs). For each block length and statistic it prints the standard deviation of the
pairs' log ratio, and the pairs a 95% interval of the ratio inside +-5% would need:
n ~ (2 x sd / 0.05)^2. On a quiet machine sd is a few percent and ten pairs give "same"; on
the reference VM (vCPUs that flip between two speeds) it is 0.17-0.36 (see README).

Usage: python3 tools/noise_floor.py [SECONDS]   (default 60; no mpbench import)
"""

from __future__ import annotations

import bisect
import math
import statistics
import sys
import time

STEP_ITERATIONS = 60_000  # about 3 ms of pure Python on the reference VM
BLOCK_S = (0.3, 1.0, 3.0, 6.0)
FAR_S = 20.0  # two runs a little apart
WITHIN = 0.05  # "same": the ratio's 95% interval inside +-5%
PAIR_STEP_S = 0.53  # where successive pairs start (overlapping pairs share some steps)


def step(n: int = STEP_ITERATIONS) -> int:
    s = 0
    for i in range(n):
        s += i
    return s


def record(seconds: float) -> tuple[list[float], list[float]]:
    starts: list[float] = []
    durations: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        step()
        starts.append(t0)
        durations.append(time.perf_counter() - t0)
    return starts, durations


def pair_sd(
    starts: list[float], durations: list[float], block_s: float, gap_s: float, stat: str
) -> tuple[float, int] | None:
    summarize = statistics.median if stat == "median" else statistics.fmean

    def block(t: float) -> list[float]:
        return durations[bisect.bisect_left(starts, t) : bisect.bisect_left(starts, t + block_s)]

    ratios = []
    t = starts[0]
    while t + gap_s + block_s < starts[-1]:
        a, b = block(t), block(t + gap_s)
        if a and b:
            ratios.append(math.log(summarize(a) / summarize(b)))
        t += PAIR_STEP_S
    return (statistics.stdev(ratios), len(ratios)) if len(ratios) > 2 else None


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    starts, durations = record(seconds)
    print(
        f"{len(durations)} steps in {seconds:g} s, median {statistics.median(durations) * 1e3:.2f}"
        f" ms, fastest {min(durations) * 1e3:.2f} ms, slowest {max(durations) * 1e3:.2f} ms"
    )
    print("block   pair          statistic  sd of log ratio  pairs for +-5%")
    for block_s in BLOCK_S:
        for gap_s, where in ((block_s + 0.2, "side by side"), (FAR_S, f"{FAR_S:g} s apart")):
            for stat in ("median", "mean"):
                found = pair_sd(starts, durations, block_s, gap_s, stat)
                if found is None:
                    continue
                sd, _ = found
                need = math.ceil((2 * sd / WITHIN) ** 2)
                print(f"{block_s:4.1f} s  {where:12s}  {stat:9s}  {sd:15.3f}  {need:14d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
