"""Choosing one way out of several measured ones: the fastest, unless a cheaper one ties it.

Each option is a speedup over serial with a 95% interval from independent blocks, and a cost
rank (serial < threads < interpreters < processes, fewer workers cheaper). An option counts
only if it is clearly faster than serial: its whole family interval above 1 and its speedup at
least MIN_SPEEDUP. The family interval is the option's interval widened for every option tested
at once (Bonferroni, :func:`family_confidence`): a dozen ways each at 95% would otherwise let
one of them, a GIL-bound thread pool say, clear 1 by chance in about one measurement in
four (1 - 0.975 ** 12).
The reference is the one surely fastest: the highest lower bound (a point
speedup from two noisy blocks would let its wide interval tie everything); every option whose
interval reaches the reference's lower bound is as fast as far as the blocks can tell, and the
cheapest of them is chosen. No option clearly faster: serial. An option without an interval
(one block) never wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench_lib.stats.verdict import MIN_EFFECT

# Below a 5% gain (verdict.MIN_EFFECT: what back-to-back runs of one idle machine drift by)
# a pool's processes, memory and failure modes are not worth it.
MIN_SPEEDUP = 1.0 + MIN_EFFECT


@dataclass(frozen=True)
class Option:
    key: str  # the way's id
    cost: tuple[int, ...]  # smaller is cheaper
    speedup: float  # serial time / this way's time
    ci_low: float | None  # None: too few blocks for an interval
    ci_high: float | None
    family_ci_low: float | None = None  # the lower bound at family_confidence; None: ci_low


def family_confidence(confidence: float, options: int) -> float:
    """The confidence each of ``options`` intervals needs so that all hold together at
    ``confidence`` (Bonferroni: the error rate split evenly; exact for any dependence)."""
    return 1.0 - (1.0 - confidence) / max(options, 1)


def clearly_faster(option: Option) -> bool:
    """Faster than serial beyond its family interval, and by enough to be worth it."""
    low = option.family_ci_low if option.family_ci_low is not None else option.ci_low
    return low is not None and low > 1.0 and option.speedup >= MIN_SPEEDUP


def ties(option: Option, best: Option) -> bool:
    """The intervals overlap: the blocks cannot tell ``option`` from ``best``."""
    if option.ci_high is None or best.ci_low is None:
        return False
    return option.ci_high >= best.ci_low


def choose(options: Sequence[Option]) -> tuple[Option | None, Option | None]:
    """(the chosen option, the reference); (None, the fastest or None) means serial."""
    clear = [o for o in options if clearly_faster(o)]
    if not clear:
        ranked = [o for o in options if o.ci_low is not None]
        return None, max(ranked, key=lambda o: o.speedup) if ranked else None
    best = max(clear, key=lambda o: (o.ci_low or 0.0, o.speedup))
    tied = [o for o in clear if ties(o, best)]
    return min(tied, key=lambda o: o.cost), best
