"""Warnings about a comparison as a whole: the machine moved, or a run's blocks saw no drift."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bench_lib.compare.match import RunInfo

if TYPE_CHECKING:
    from bench_lib.compare.pairs import PairComparison


DRIFT_SHARE = 0.8  # when this share of the decided figures moves one way, across cases...
DRIFT_MIN_FIGURES = 5  # ...and there are at least this many, suspect the machine's state


def drift_warning(pair: PairComparison, name: str) -> list[str]:
    """Everything faster (or slower) together often means the machine changed, not the code."""
    decided = [f.verdict for f in pair.figures if f.verdict in ("faster", "slower")]
    if len(decided) < DRIFT_MIN_FIGURES:
        return []
    for word in ("faster", "slower"):
        share = decided.count(word) / len(decided)
        if share >= DRIFT_SHARE:
            return [
                f"{decided.count(word)} of {len(decided)} decided figures in {name} are {word}: "
                "if nothing but the runs differ, the machine's state moved (load, frequency, "
                "neighbours) between the runs: rerun both, one after the other, and compare again"
            ]
    return []


def back_to_back_warnings(runs: tuple[RunInfo, ...], datas: list[dict[str, Any]]) -> list[str]:
    """A run whose blocks were made one after another (before blocks were passes over the
    suite) has a between-block spread that misses the machine's drift: its intervals, and
    verdicts against it, are too sure of themselves."""
    out = []
    for run, data in zip(runs, datas):
        infos = [
            (b.get("extra_info", {}).get("mpbench", {}).get("info") or {})
            for b in data.get("benchmarks", [])
        ]
        several = [i for i in infos if len(i.get("block_rounds") or []) > 1]
        interleaved = bool((data.get("mpbench") or {}).get("interleaved"))
        if several and not interleaved and not any(i.get("block_order") for i in several):
            out.append(
                f"{run.label}: its blocks were made back to back (an older mpbench), so its "
                "intervals miss the drift between runs and verdicts lean to changed; rerun it"
            )
    return out
