"""`mpbench ab`'s sequential rule: measure a benchmark until its interval decides, or time ends.

After every block from FIRST_LOOK_BLOCKS on, each figure's paired interval (at
:data:`bench_lib.stats.verdict.AB_CONFIDENCE`, 99%) is looked at against its equivalence
margin m (:data:`bench_lib.stats.verdict.AB_MARGINS`):

* inside [1/(1+m), 1+m]: **settled, same** -- the two one-sided tests of "the change is at
  least m" both reject at 0.5%;
* wholly outside that band, on one side: **settled, changed** -- the final verdict still needs
  the Holm-adjusted test (:mod:`bench_lib.stats.verdict`);
* anything else: **open** -- the benchmark runs another block, while the budget lasts.

Why 99% and not 95%: each look is another chance to stop on a lucky interval. A figure whose
true change sits exactly at the margin is called "same" at one look with probability 0.5%;
over L looks at most L x 0.5% (Bonferroni over the looks, which are positively correlated, so
the true rate is lower): under 5% for the 10 looks a 6-minute budget allows, the level of a
single 95% look. A false "changed" needs, beyond the interval, the Holm-adjusted p below 0.05
over every figure tested, which the looks do not loosen. A benchmark that has settled stops,
and the time of the blocks it no longer needs goes to those still open. Plain Python.
"""

from __future__ import annotations

from typing import Literal

FIRST_LOOK_BLOCKS = 4  # at 3 blocks a 99% t interval (t = 9.9 on 2 df) settles nothing; from 4
# (t = 5.8) a steady pair of sides can settle, and the interval has a spread to stand on

State = Literal["same", "changed", "open"]


def state(ci: tuple[float, float] | None, margin: float) -> State:
    """What a figure's interval of the ratio (either scale: the band is symmetric in logs)
    says against equivalence margin ``margin`` (0.03 = +-3%)."""
    if ci is None:
        return "open"
    low, high = ci
    band_low, band_high = 1 / (1 + margin), 1 + margin
    if band_low <= low and high <= band_high:
        return "same"
    if low > band_high or high < band_low:
        return "changed"
    return "open"


def settled(states: list[State]) -> bool:
    """A benchmark has settled when every tested figure of it has (one open figure keeps it)."""
    return all(s != "open" for s in states)
