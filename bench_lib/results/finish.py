"""What a result gains as it is saved, and again when runs are merged.

Each floor's median is put beside the figure it bounds (with the ratio figure / floor and a
flag when the figure beats its floor), and a speedup above the cores the run had is flagged
``impossible``. Both write into the benchmarks' ``extra_info.mpbench`` blocks before the file
is saved, so every reader finds them there.
"""

from __future__ import annotations

from typing import Any

from bench_lib.results.files import SCHEMA_KEY
from bench_lib.results.records import benchmark_key
from bench_lib.stats import noise


def resolve_floors(benchmarks: list[dict[str, Any]]) -> None:
    """Put each floor's median beside the figure it bounds, with the ratio figure / floor.

    A paired floor (measured beside the figure) brings its own; a standalone one is looked up.
    """
    index = {}
    for b in benchmarks:
        m = b["extra_info"][SCHEMA_KEY]
        if m.get("figures"):
            index[benchmark_key(m["subject"], m["case"], m["params"])] = m["figures"][0]
    for b in benchmarks:
        m = b["extra_info"][SCHEMA_KEY]
        ref = m.get("floor")
        if not ref or not m.get("figures"):
            continue
        if ref.get("paired"):  # measured round by round beside the figure: values are there
            _add_flag(m, noise.floor_flag(m["figures"][0], ref, ref["case"]))
            continue
        floor = index.get(
            benchmark_key(ref.get("subject") or m["subject"], ref["case"], ref["params"])
        )
        if floor is None:
            ref["median"] = None
            continue
        figure = m["figures"][0]
        ref.update(
            median=floor["median"],
            ci_low=floor.get("ci_low"),
            ci_high=floor.get("ci_high"),
            unit=floor["unit"],
            ratio=figure["median"] / floor["median"] if floor["median"] else None,
        )
        _add_flag(m, noise.floor_flag(figure, floor, ref["case"]))


def flag_impossible_speedups(benchmarks: list[dict[str, Any]], usable_cores: int) -> None:
    """A speedup above the cores it had is not a result: flag it where readers look (noise)."""
    for b in benchmarks:
        m = b["extra_info"][SCHEMA_KEY]
        if m.get("derived"):
            _add_flag(m, noise.speedup_flag(m["derived"], usable_cores))


def _add_flag(block: dict[str, Any], flag: noise.NoiseFlag | None) -> None:
    if flag is not None:
        block.setdefault("noise", {}).setdefault("flags", []).append(flag.as_dict())
