"""Which benchmarks `mpbench ab` still measures: those whose paired interval is still open.

After each block from :data:`bench_lib.stats.sequential.FIRST_LOOK_BLOCKS` on, both sides'
runs so far are joined and compared exactly as the final comparison will be (same files, same
rules, same margins); a benchmark whose tested figures have all settled (same, or changed
beyond the margin) stops, so the next blocks spend the budget on the others.
"""

from __future__ import annotations

from typing import Any

from bench_lib.compare import pairs
from bench_lib.results.files import SCHEMA_KEY
from bench_lib.results.records import BenchmarkKey, benchmark_key, params_text
from bench_lib.stats import sequential


def _node_ids(data: dict[str, Any]) -> dict[BenchmarkKey, str]:
    """Each benchmark's node id, by the key a comparison names it with."""
    out = {}
    for b in data.get("benchmarks", []):
        m = b.get("extra_info", {}).get(SCHEMA_KEY, {})
        params = dict(params_text(m.get("params") or {}))
        out[benchmark_key(m.get("subject", ""), m.get("case", ""), params)] = b["fullname"]
    return out


def states(pair: pairs.PairComparison) -> dict[BenchmarkKey, list[sequential.State]]:
    """Every tested figure's state, by benchmark (figures with no rounds are not tested)."""
    out: dict[BenchmarkKey, list[sequential.State]] = {}
    for f in pair.figures:
        if f.n_baseline == 0 or f.n_candidate == 0:
            continue
        key = benchmark_key(f.subject, f.case, dict(f.params))
        out.setdefault(key, []).append(sequential.state(f.ratio_ci, f.margin))
    return out


def open_benchmarks(merged_a: dict[str, Any], merged_b: dict[str, Any]) -> set[str]:
    """Node ids of the benchmarks both sides still have to measure."""
    comparison = pairs.build([("a", merged_a), ("b", merged_b)])
    ids = _node_ids(merged_a)
    found = states(comparison.pairs[0])
    return {ids[key] for key, s in found.items() if key in ids and not sequential.settled(s)}
