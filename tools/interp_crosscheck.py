#!/usr/bin/env python3
"""A plain check of mpbench's subinterpreter headline: no mpbench import, standard library only.

It measures what ``benchmarks/test_gil.py::test_cpu_split[mode=interpreter-n=N]`` measures, the
same way but with none of mpbench's code: a fixed batch of LCG steps (the same ``spin`` loop and
the same iterations per profile), once serially in this thread, and split into N equal parts
run at once in N subinterpreters (each in its own thread, created before the clock, as a pool
is), pinned to the first min(N, cores) CPUs; the serial run pinned to the first CPU. Serial and
split rounds alternate (A B B A) so that a change in the machine's speed hits both. The
speedup of each round pair is serial / split; printed: their median and quartiles, and the
CPU seconds of this process over the wall seconds of the split rounds (effective cores).
Every result is checked against the serial checksums.

    python3.14 tools/interp_crosscheck.py                  # N = 1, usable cores, 2x cores
    python3.14 tools/interp_crosscheck.py --iterations 600000 --rounds 24 --workers 2

Compare its median with mpbench's ``speedup`` of the same N in the same minutes (e.g. run it
right after ``mpbench run --only gil``): they should agree within the intervals.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

SPIN = """
def spin(seed, iterations):
    x = seed & 0x7FFFFFFF
    for _ in range(iterations):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
    return x
"""
STANDARD_ITERATIONS = 600_000  # mpbench's standard profile (BATCH_ITERATIONS in test_gil.py)

namespace: dict[str, object] = {}
exec(SPIN, namespace)  # the serial run uses the very same source as the interpreters
spin = namespace["spin"]


def split(total: int, n: int) -> list[tuple[int, int]]:
    """(seed, iterations) of n parts adding up to ``total``: as mpbench splits its batch."""
    share, rest = divmod(total, n)
    return [(seed, share + (1 if seed <= rest else 0)) for seed in range(1, n + 1)]


def usable_cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def serial(jobs: list[tuple[int, int]], cpu: int) -> tuple[float, list[int]]:
    os.sched_setaffinity(0, [cpu])
    start = time.perf_counter()
    out = [spin(seed, n) for seed, n in jobs]  # type: ignore[operator]
    return time.perf_counter() - start, out


class Interpreters:
    """N interpreters with ``spin`` defined, a results queue each; closed at the end."""

    def __init__(self, n: int) -> None:
        from concurrent import interpreters

        self.workers = [interpreters.create() for _ in range(n)]
        self.results = [interpreters.create_queue() for _ in range(n)]
        for interp, queue in zip(self.workers, self.results):
            interp.prepare_main(results=queue)
            interp.exec(SPIN)

    def run(self, jobs: list[tuple[int, int]], cpus: list[int]) -> tuple[float, float, list[int]]:
        """(wall s, CPU s of this process, results) of one split round."""
        os.sched_setaffinity(0, cpus)  # the threads started below inherit the mask
        codes = [f"results.put(spin({seed}, {n}))" for seed, n in jobs]
        threads = [
            threading.Thread(target=interp.exec, args=(code,))
            for interp, code in zip(self.workers, codes)
        ]
        cpu0, start = time.process_time(), time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall, used = time.perf_counter() - start, time.process_time() - cpu0
        return wall, used, [q.get() for q in self.results]

    def close(self) -> None:
        for interp in self.workers:
            interp.close()


def measure(total: int, n: int, rounds: int) -> str:
    cpus = usable_cpus()
    jobs, one = split(total, n), split(total, 1)
    expected = [spin(seed, k) for seed, k in jobs]  # type: ignore[operator]
    expected_one = [spin(seed, k) for seed, k in one]  # type: ignore[operator]
    pool = Interpreters(n)
    ratios, walls, busy = [], [], []
    try:
        pool.run(jobs, cpus[: min(n, len(cpus))])  # warm-up, not kept
        for i in range(rounds):
            order = ("serial", "split") if i % 2 == 0 else ("split", "serial")
            got: dict[str, float] = {}
            for what in order:
                if what == "serial":
                    got["serial"], out = serial(one, cpus[0])
                    assert out == expected_one, "a serial checksum is wrong"
                else:
                    wall, used, out = pool.run(jobs, cpus[: min(n, len(cpus))])
                    assert out == expected, f"a subinterpreter checksum is wrong: {out}"
                    got["split"] = wall
                    walls.append(wall)
                    busy.append(used / wall)
            ratios.append(got["serial"] / got["split"])
    finally:
        pool.close()
        os.sched_setaffinity(0, cpus)
    q1, med, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios * 3)
    return (
        f"subinterpreters n={n}: speedup {med:.2f}x (quartiles {q1:.2f}-{q3:.2f}, "
        f"{len(ratios)} round pairs), split batch {statistics.median(walls) * 1e3:.1f} ms, "
        f"effective cores {statistics.median(busy):.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=STANDARD_ITERATIONS)
    parser.add_argument("--rounds", type=int, default=12, help="round pairs per worker count")
    parser.add_argument("--workers", type=int, action="append", help="N (repeatable)")
    args = parser.parse_args()
    try:
        import concurrent.interpreters  # noqa: F401
    except ImportError:
        print(f"no subinterpreters on Python {sys.version.split()[0]}: run with python3.14+")
        return 2
    cores = len(usable_cpus())
    counts = args.workers or sorted({1, cores, 2 * cores})
    print(f"Python {sys.version.split()[0]}, {cores} usable cores, {args.iterations} steps")
    for n in counts:
        print(measure(args.iterations, n, args.rounds), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
