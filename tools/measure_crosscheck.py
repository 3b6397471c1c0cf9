#!/usr/bin/env python3
"""Cross-check `mpbench measure` with a plain script: no mpbench imports, bare python3.

It measures the same two functions `mpbench measure` is checked on, defined here, serially,
with threads (ThreadPoolExecutor) and with a fork Pool (Pool.starmap, chunksize 1), at N
workers (default: the usable cores), rounds alternating in a rotating order, and prints each
way's speedup over serial (median of rounds), and what a reader would choose. Run both in the
same minutes on a quiet machine and compare:

    python3 tools/measure_crosscheck.py
    mpbench measure tools/measure_crosscheck.py:crunch --args tools/measure_crosscheck.py:cpu_jobs
    mpbench measure tools/measure_crosscheck.py:nap --args tools/measure_crosscheck.py:nap_jobs

Expected on a GIL build with 2 or more cores: crunch, threads near 1x and the fork Pool near
N x (processes); nap, threads and the Pool both near N x (threads: cheaper).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

CPU_STEPS = 120_000  # about 10 ms of pure Python a call
NAP_S = 0.04
CALLS = 8
CLEARLY = 1.05  # a way under a 5% gain is not worth a pool


def crunch(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def cpu_jobs() -> list[tuple[int]]:
    return [(CPU_STEPS,)] * CALLS


def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def nap_jobs() -> list[tuple[float]]:
    return [(NAP_S,)] * CALLS


def usable_cores() -> int:
    cores = len(os.sched_getaffinity(0))
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cores = min(cores, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return cores


def _call(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    return fn(*args)


def ways(
    fn: Callable[..., Any], jobs: list[tuple[Any, ...]], threads: Any, pool: Any
) -> dict[str, Callable[[], list[Any]]]:
    return {
        "serial": lambda: [fn(*a) for a in jobs],
        "threads": lambda: list(threads.map(_call, [fn] * len(jobs), jobs)),
        "fork Pool.starmap": lambda: pool.starmap(fn, jobs, chunksize=1),
    }


def measure(
    fn: Callable[..., Any], jobs: list[tuple[Any, ...]], n: int, rounds: int
) -> dict[str, float]:
    expected = [fn(*a) for a in jobs]
    times: dict[str, list[float]] = {}
    with ThreadPoolExecutor(n) as threads, multiprocessing.get_context("fork").Pool(n) as pool:
        run = ways(fn, jobs, threads, pool)
        for name, way in run.items():
            assert way() == expected, f"{name} returned other results"  # warm-up and check
        names = list(run)
        for r in range(rounds):
            for name in names[r % 3 :] + names[: r % 3]:  # rotate: none always first
                start = time.perf_counter()
                way_out = run[name]()
                times.setdefault(name, []).append(time.perf_counter() - start)
                assert way_out == expected, f"{name} returned other results"
    medians = {name: statistics.median(t) for name, t in times.items()}
    return {name: medians["serial"] / m for name, m in medians.items()} | {
        "serial_per_call_s": medians["serial"] / len(jobs)
    }


def verdict(speedups: dict[str, float]) -> str:
    threads, procs = speedups["threads"], speedups["fork Pool.starmap"]
    if max(threads, procs) < CLEARLY:
        return "serial"
    return "threads" if threads >= 0.9 * procs else "processes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=usable_cores())
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    print(f"{args.workers} workers, {args.rounds} rounds a way, {CALLS} calls a round")
    for name, fn, jobs in (("crunch", crunch, cpu_jobs()), ("nap", nap, nap_jobs())):
        s = measure(fn, jobs, args.workers, args.rounds)
        print(
            f"{name}: serial {s['serial_per_call_s'] * 1e3:.2f} ms per call; threads "
            f"{s['threads']:.2f}x; fork Pool.starmap {s['fork Pool.starmap']:.2f}x; "
            f"choose {verdict(s)}"
        )


if __name__ == "__main__":
    main()
