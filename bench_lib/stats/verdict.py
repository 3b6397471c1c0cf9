"""Faster, slower, same or inconclusive: the rules that turn a ratio and a test into a word.

A figure is compared as ``speed``: how many times faster the candidate is than the baseline
(the ratio of medians for a rate, its inverse for a time), so one rule serves both kinds.

* ``same``: the whole 95% interval of the speed ratio lies within +-MIN_EFFECT (in log terms:
  between 1/(1+e) and 1+e). A tight interval around a 2% change is "same": too small to matter.
* ``faster`` / ``slower``: the block-level test is significant after the Holm correction, the
  interval lies entirely on one side of 1, and the ratio is beyond MIN_EFFECT.
* ``inconclusive``: everything else, and always when either side has fewer than
  MIN_BLOCKS_FOR_VERDICT blocks, or no rounds at all (a derived figure stored as one value).

The interval and the test come from the runs' blocks (:mod:`bench_lib.stats.replicates`), never from
rounds: rounds of one block share its processes, placement and moment, so a test on rounds
finds "differences" between two runs of the same code (docs/validation.md).

A figure with no known direction (a count, a fairness index) is judged on its ratio instead of
a speed: it can be ``same``, never ``faster`` or ``slower``. Where no ratio exists (a median of
0, a value past the float range) the verdict is ``inconclusive`` and the reason says which.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Literal, Protocol

Verdict = Literal["faster", "slower", "same", "inconclusive"]
VERDICTS: tuple[Verdict, ...] = ("faster", "slower", "same", "inconclusive")

MIN_EFFECT = 0.05  # 5%: back-to-back runs of one idle machine drift by a few percent (frequency
# scaling, cache and page placement, scheduler), so smaller changes are not worth a verdict and
# a CI gate below it would fail on noise
ALPHA = 0.05  # family-wise error rate after the Holm correction: 1 false "significant" in 20
# comparisons of identical runs, at most
MIN_BLOCKS_FOR_VERDICT = 2  # one block a side has no between-block spread: nothing to test
# a difference against (replicates.MIN_BLOCKS)
CORRECTION = (
    "Holm (1979) step-down over every figure tested in a baseline/candidate pair (a "
    "benchmark's round figures are one test, each per-round metric another)"
)
# `mpbench ab` measures both sides in the same seconds, round pair by round pair, so it can
# resolve smaller changes than two runs apart; its margins are per figure kind (the source of
# a compared figure): round figures are medians of many rounds; per-round metrics (lock
# waits, latency tails) spread more from round to round, so they get a wider band
AB_MARGINS: tuple[tuple[str, float], ...] = (("round", 0.03), ("metric samples", 0.05))
AB_CONFIDENCE = 0.99  # ab's intervals: it looks again after every block (bench_lib.stats.
# sequential), and each look's "same" is two one-sided tests at 0.5%; see docs/statistics.md


def speed_of(ratio: float, higher_is_better: bool) -> float:
    """Candidate speed relative to the baseline from a ratio on the figure's own scale."""
    if ratio <= 0:
        return math.inf if not higher_is_better else 0.0
    return ratio if higher_is_better else 1 / ratio


def decide(
    speed: float | None,
    speed_ci: tuple[float, float] | None,
    p_adjusted: float | None,
    blocks_baseline: int,
    blocks_candidate: int,
    min_effect: float = MIN_EFFECT,
    alpha: float = ALPHA,
    min_blocks: int = MIN_BLOCKS_FOR_VERDICT,
    gap: str | None = None,
) -> tuple[Verdict, str]:
    """The verdict and its reason in words, for one figure (speed > 1 = candidate faster).

    ``blocks_*``: independent blocks on each side (0: a single stored value, no rounds).
    ``gap`` says why the speed, its interval or the test is missing, when one is."""
    if blocks_baseline == 0 or blocks_candidate == 0:
        return "inconclusive", "one value each, no rounds to test"
    if min(blocks_baseline, blocks_candidate) < min_blocks:
        return (
            "inconclusive",
            f"{min(blocks_baseline, blocks_candidate)} block(s) < {min_blocks}: no between-run "
            "spread to judge by (use --blocks 2+, the standard profile or mpbench ab)",
        )
    if speed is None or speed_ci is None or p_adjusted is None:
        return "inconclusive", gap or "no ratio, interval or test"
    low, high = speed_ci
    bound = 1 + min_effect
    if low >= 1 / bound and high <= bound:
        return "same", f"interval within +-{min_effect:.0%}"
    one_sided = low > 1 or high < 1
    big = speed > bound or speed < 1 / bound
    if p_adjusted < alpha and one_sided and big:
        word: Verdict = "faster" if speed > 1 else "slower"  # pragma: no mutate (big: speed != 1)
        return word, f"p = {p_adjusted:.2g} (Holm)"
    if p_adjusted >= alpha:
        return "inconclusive", f"p = {p_adjusted:.2g} (Holm) >= {alpha}"
    if not one_sided:
        return "inconclusive", "interval spans 1"
    return "inconclusive", f"change below {min_effect:.0%}, interval wider than +-{min_effect:.0%}"


def no_ratio_reason(baseline: float | None, candidate: float | None) -> str | None:
    """Why candidate / baseline is no ratio to judge; None when it is one (both finite and
    > 0: a median of 0 makes a time's speed infinite or a rate's 0)."""
    if baseline is None or candidate is None:
        return "a value is missing"
    if not (math.isfinite(baseline) and math.isfinite(candidate)):
        return "a median is not a finite number (values past the float range)"
    if baseline < 0 or candidate < 0:
        return "a median is negative: a ratio of it means nothing"
    if baseline == 0:
        return "both medians are 0: no ratio" if candidate == 0 else "the baseline median is 0"
    if candidate == 0:
        return "the candidate median is 0: no speed to judge"
    return None


def slowdown(speed: float) -> float:
    """How much slower, as a fraction (speed 0.8 -> 0.25: the candidate takes 25% longer)."""
    return 1 / speed - 1 if speed > 0 else math.inf


class GatedFigure(Protocol):
    """What the regression gate reads of a compared figure (compare.FigureComparison)."""

    @property
    def subject(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def figure(self) -> str: ...
    @property
    def verdict(self) -> Verdict: ...
    @property
    def speed(self) -> float | None: ...


def regressions(
    candidates: Iterable[tuple[str, Sequence[GatedFigure]]], threshold_pct: float
) -> list[str]:
    """The CI gate (``--fail-if-slower``): a line for each figure of each candidate (its label,
    its figures) judged ``slower`` by more than ``threshold_pct`` percent; none passes the gate.
    """
    return [
        f"REGRESSION {label}: {f.subject} {f.name}: {f.figure} takes "
        f"{slowdown(f.speed):.0%} longer (> {threshold_pct:g}%)"
        for label, figures in candidates
        for f in figures
        if f.verdict == "slower" and f.speed and slowdown(f.speed) > threshold_pct / 100
    ]
