"""One recommendation and its evidence, from the measured ways (:mod:`bench_lib.stats.choice`).

The fastest way clearly faster than serial (beyond an interval widened for every way tested)
is the reference; the cheapest way within its
interval is recommended (serial < threads < interpreters < processes, fewer workers cheaper).
The sentence gives the chosen way's speedup, interval and workers, and what the other kind
did: threads beside processes ("the function holds the GIL"), processes beside threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench_lib.measure.records import WayResult
from bench_lib.stats import choice, descriptive, replicates
from bench_lib.units import format_value


@dataclass(frozen=True)
class Choice:
    kind: str  # serial, threads, interpreters or processes
    way_id: str | None  # None for serial
    evidence: str


def speedup_text(r: WayResult) -> str:
    """``1.84x (1.71-1.93)``; ``1.84x (one block, no interval)``."""
    if r.speedup is None:
        return "n/a"
    if r.ci_low is None or r.ci_high is None:
        return f"{r.speedup:.2f}x (one block, no interval)"
    return f"{r.speedup:.2f}x ({r.ci_low:.2f}-{r.ci_high:.2f})"


def way_line(r: WayResult) -> str:
    """What one measured way did, in a line (progress, and the table's failures)."""
    if r.status != "ok":
        return f"{r.way.id}: {r.status}: {r.detail}"
    return f"{r.way.id}: {format_value(r.per_call_s, 's')} per call, {speedup_text(r)}"


def _option(r: WayResult, tested: int = 1) -> choice.Option:
    """``r`` as a choice, its family bound widened for the ``tested`` ways compared at once."""
    assert r.speedup is not None
    wide = replicates.paired_block_ratio(
        [descriptive.median(b) for b in r.way_rounds_s],
        [descriptive.median(b) for b in r.serial_rounds_s],
        choice.family_confidence(descriptive.CONFIDENCE, tested),
    )
    family_low = wide.ci_low if wide is not None else None
    return choice.Option(r.way.id, r.way.cost, r.speedup, r.ci_low, r.ci_high, family_low)


def _best(results: Sequence[WayResult], kinds: tuple[str, ...]) -> WayResult | None:
    mine = [r for r in results if r.way.kind in kinds]
    return max(mine, key=lambda r: r.speedup or 0.0) if mine else None


def _contrast(chosen: str, results: Sequence[WayResult], gil_enabled: bool) -> str:
    """What the other kind of worker did: threads beside processes, processes beside threads."""
    if chosen == "threads":
        other = _best(results, ("processes", "interpreters"))
        return f"; {other.way.label} {speedup_text(other)} at best" if other else ""
    threads = _best(results, ("threads",))
    if threads is None:
        return ""
    holds = gil_enabled and not choice.clearly_faster(_option(threads, len(results)))
    return f"; threads {speedup_text(threads)}" + (": the function holds the GIL" if holds else "")


def recommend(results: Sequence[WayResult], gil_enabled: bool) -> Choice:
    ok = [r for r in results if r.status == "ok" and r.speedup is not None]
    by_id = {r.way.id: r for r in ok}
    chosen, best = choice.choose([_option(r, len(ok)) for r in ok])
    if chosen is None:
        fastest = by_id[best.key] if best else None
        told = (
            f": the fastest, {fastest.way.label} at {fastest.way.workers} workers, "
            f"{speedup_text(fastest)}"
            if fastest
            else ""
        )
        return Choice("serial", None, f"serial: no way was clearly faster than serial{told}")
    r = by_id[chosen.key]
    text = f"{r.way.label}: {speedup_text(r)} at {r.way.workers} workers"
    if best is not None and best.key != chosen.key:
        fastest = by_id[best.key]
        text += f" (as fast as {fastest.way.id}, {speedup_text(fastest)}, and cheaper)"
    return Choice(r.way.kind, r.way.id, text + _contrast(r.way.kind, ok, gil_enabled))


def nothing_fitted(serial_round_s: float, budget_s: float, first_way_s: float) -> Choice:
    """No way fitted the budget: say so, and what would, rather than "serial" alone."""
    return Choice(
        "serial",
        None,
        f"serial, for want of measurements: one serial round takes {serial_round_s:.3g} s and "
        f"no way fitted --budget {budget_s:g} s; --budget {first_way_s + budget_s:.0f} measures "
        "the first, or pass fewer argument tuples",
    )
