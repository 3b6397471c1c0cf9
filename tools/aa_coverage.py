#!/usr/bin/env python3
"""How often does one run's interval hold another run's figure? (the A/A check of intervals)

Give it N >= 2 result files of the same code on the same machine (back-to-back runs of one
profile). For every ordered pair of runs (i, j) and every figure both have with an interval in
run i, it asks whether run i's 95% interval holds run j's figure, and prints the share, next
to the share an exact interval would give (two draws of one distribution: P(|t_{k-1}| <
t_{0.975,k-1} / sqrt 2) for a t interval over k blocks, about 83% for many blocks). Per
subject too. Target on the reference VM: at least 80% (docs/statistics.md).

Usage: python tools/aa_coverage.py RESULT.json RESULT.json [...]
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench_lib.results import files as results
from bench_lib.results.records import benchmark_key
from bench_lib.stats import replicates
from bench_lib.stats.descriptive import CONFIDENCE

Figure = tuple[float, float | None, float | None, int]  # median, ci_low, ci_high, blocks


def figures(data: dict[str, Any]) -> dict[tuple[Any, str], Figure]:
    """Every figure of a result file by (benchmark, figure name)."""
    out = {}
    for b in data.get("benchmarks", []):
        m = b.get("extra_info", {}).get("mpbench", {})
        key = benchmark_key(m.get("subject", ""), m.get("case", ""), m.get("params") or {})
        blocks = len((m.get("info") or {}).get("block_rounds") or [1])
        for f in m.get("figures") or []:
            out[key, f["name"]] = (f["median"], f.get("ci_low"), f.get("ci_high"), blocks)
    return out


def nominal(blocks: int, confidence: float = CONFIDENCE) -> float:
    if blocks < 2:
        return math.nan
    t = replicates.t_quantile(1 - confidence, blocks - 1)
    return 1 - replicates.t_two_sided_p(t / math.sqrt(2), blocks - 1)


def coverage(runs: list[dict[str, Any]]) -> dict[str, tuple[int, int, list[int]]]:
    """Per subject (and "all"): held, asked, and the block counts of the intervals asked."""
    tables = [figures(r) for r in runs]
    out: dict[str, list[Any]] = defaultdict(lambda: [0, 0, []])
    for i, j in itertools.permutations(range(len(tables)), 2):
        for key, (_, low, high, blocks) in tables[i].items():
            other = tables[j].get(key)
            if other is None or low is None or high is None:
                continue
            held = low <= other[0] <= high
            for name in ("all", key[0][0]):
                out[name][0] += held
                out[name][1] += 1
                out[name][2].append(blocks)
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if len(args.results) < 2:
        parser.error("give at least two result files")
    runs = [results.load(p) for p in args.results]
    found = coverage(runs)
    if not found:
        print("no figure has an interval in these runs (one block each?): nothing to check")
        return 1
    print(f"{len(runs)} runs, {len(runs) * (len(runs) - 1)} ordered pairs")
    for name in ["all", *sorted(k for k in found if k != "all")]:
        held, asked, blocks = found[name]
        expected = statistics.fmean(nominal(k) for k in blocks)
        print(
            f"{name:12} holds {held}/{asked} = {held / asked:.1%} "
            f"(exact intervals: {expected:.1%}; median blocks {statistics.median(blocks):g})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
