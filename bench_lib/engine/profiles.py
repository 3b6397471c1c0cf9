"""Profiles: how long to measure and which parameter points to visit.

A profile sets the round policy (warm-up, round bounds, time budget, the
interval width to stop at). Each benchmark declares its own parameter axes with
:func:`grid`; an axis is a fixed list, a ``{profile: list}`` table, or a
function of the :class:`Profile` and the usable core count (worker counts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Union

import pytest

PROFILE_NAMES = ("smoke", "quick", "standard", "full")
DEFAULT_PROFILE = "standard"

START_METHODS = ("fork", "forkserver", "spawn")  # every method CPython knows on POSIX


@dataclass(frozen=True)
class GridContext:
    """What a computed axis may depend on."""

    profile: Profile
    cores: int  # usable cores
    start_methods: tuple[str, ...]  # the start methods asked for (default: all known)


AxisValues = Union[Sequence[Any], dict[str, Sequence[Any]], Callable[[GridContext], Sequence[Any]]]


class UnknownProfileError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown profile {name!r}; choose one of: {', '.join(PROFILE_NAMES)}")


# Seconds one block of a benchmark spends outside its measured rounds (starting processes,
# pools, crews and clusters, warm-up, calibration, the plugin's own records), on the reference
# VM (2 vCPUs): (wall - budget x benchmarks) / (benchmarks x blocks) of its standard run.
BLOCK_SETUP_S = 0.34  # 20261127T125339Z: 246 s for 193 benchmarks of 3 blocks, 0.25 s budget


@dataclass(frozen=True)
class Profile:
    name: str
    warmup_rounds: int  # timed by us, not kept: they size the measured rounds
    min_rounds: int  # never fewer measured rounds than this
    max_rounds: int  # never more, however noisy
    budget_s: float  # wall time of a parameter point's rounds (on and off the clock), roughly
    target_rel_ci: float  # stop adding rounds once the 95% interval is this tight (fraction)
    timeout_s: float  # a single round that takes longer is a hang: the benchmark fails
    blocks: int = 1  # independent replicates (fresh measuring processes) where a figure has them
    least_rounds: int = 0  # pytest's --benchmark-min-rounds: also raises a benchmark's fixed rounds

    @property
    def expected_s(self) -> float:
        """What one benchmark is expected to take before any has finished (estimates)."""
        return self.budget_s + self.blocks * BLOCK_SETUP_S

    @property
    def rank(self) -> int:
        return PROFILE_NAMES.index(self.name)

    def pick(self, table: dict[str, Sequence[Any]]) -> list[Any]:
        """The list for this profile, falling back to the nearest smaller profile."""
        for name in reversed(PROFILE_NAMES[: self.rank + 1]):
            if name in table:
                return list(table[name])
        raise KeyError(f"no values for profile {self.name!r} or smaller in {sorted(table)}")


PROFILES = {
    "smoke": Profile(
        "smoke",
        warmup_rounds=0,
        min_rounds=1,
        max_rounds=1,
        budget_s=0.0,
        target_rel_ci=1.0,
        timeout_s=60.0,
        blocks=1,
    ),
    "quick": Profile(
        "quick",
        warmup_rounds=1,
        min_rounds=6,  # the fewest rounds with a 95% interval of the median (stats)
        max_rounds=30,
        budget_s=0.1,  # blocks each pay their own set-up: the whole suite stays near a minute
        target_rel_ci=0.05,
        timeout_s=60.0,
        blocks=2,  # a minute's look: too few blocks for an interval (stats.intervals), so its
        # figures carry the few-blocks flag; standard has the intervals
    ),
    "standard": Profile(
        "standard",
        warmup_rounds=1,  # the first block's own rounds size the rest (Bench._resize)
        min_rounds=8,  # 2 a block: most benchmarks sit at this floor, so it sets the run's
        # length; blocks, not rounds, carry the intervals and the comparisons
        max_rounds=200,
        budget_s=0.2,  # x ~200 points, plus 4 blocks' set-up each: about 5 minutes on 2 cores
        target_rel_ci=0.02,
        timeout_s=120.0,
        blocks=4,  # a figure's interval is t over its blocks: 4 hold the next run's figure at
        # their nominal rate on a two-state machine, 3 at 83-90% of it (tools/coverage_model.py)
    ),
    "full": Profile(
        "full",
        warmup_rounds=3,
        min_rounds=20,
        max_rounds=1000,
        budget_s=5.0,
        target_rel_ci=0.01,
        timeout_s=300.0,
        blocks=5,
    ),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownProfileError(name) from None


def resolve_axis(values: AxisValues, ctx: GridContext) -> list[Any]:
    if callable(values):
        return list(values(ctx))
    if isinstance(values, dict):
        return ctx.profile.pick(values)
    return list(values)


def start_methods(ctx: GridContext) -> list[str]:
    """Axis: the start methods asked for; unavailable ones are skipped with the reason."""
    return list(ctx.start_methods)


def worker_counts(ctx: GridContext) -> list[int]:
    """1, the usable cores and 2x (oversubscribed); powers of two between in bigger profiles."""
    cores = ctx.cores
    counts = {1, cores, 2 * cores} if ctx.profile.rank >= 1 else {1, cores}
    if ctx.profile.rank >= 2:
        counts.update(2**k for k in range(1, 8) if 2**k < 2 * cores)
    return sorted(counts)


def from_profile(name: str) -> pytest.MarkDecorator:
    """Collect the benchmark only in profile ``name`` and bigger ones, and in smoke (every
    benchmark once): quick keeps to the headline figures, a one-minute look."""
    if name not in PROFILE_NAMES:
        raise UnknownProfileError(name)
    return pytest.mark.mpbench_from(name)


def grid(**axes: AxisValues) -> pytest.MarkDecorator:
    """Parametrize a benchmark from the active profile: ``@grid(start=[...], size={...})``.

    Ids read ``key=value`` joined by ``-`` (``start=spawn-size=0``), so reports parse them.
    """
    return pytest.mark.mpbench_grid(**axes)


def interleaved(axis: str) -> pytest.MarkDecorator:
    """Run the grid's points so that ``axis`` varies fastest (ids unchanged): its values are
    measured seconds apart, not minutes. Points compared with each other (one thread against
    one process) then see the same speed state of the machine."""
    return pytest.mark.mpbench_interleave(axis)


def interleave_order(items: Sequence[pytest.Item]) -> list[pytest.Item]:
    """``items`` with each interleaved benchmark's points reordered in place of the first one:
    sorted by the other axes (in grid order), then by the interleaved axis."""
    groups: dict[object, list[pytest.Item]] = {}
    for item in items:
        mark = item.get_closest_marker("mpbench_interleave")
        key: object = item
        if mark is not None:
            key = (item.module, item.originalname, mark.args[0])  # type: ignore[attr-defined]
        groups.setdefault(key, []).append(item)
    ordered: list[pytest.Item] = []
    for key, group in groups.items():
        if isinstance(key, tuple):
            group.sort(key=_point_rank(group, key[2]))
        ordered.extend(group)
    return ordered


def _point_rank(group: Sequence[pytest.Item], axis: str) -> Callable[[pytest.Item], list[int]]:
    """Sort key: each axis value's rank by first appearance (grid order), ``axis`` last."""
    ranks: dict[str, dict[str, int]] = {}
    for item in group:
        for name, value in item.callspec.params.items():  # type: ignore[attr-defined]
            ranks.setdefault(name, {}).setdefault(repr(value), len(ranks[name]))
    names = [name for name in ranks if name != axis] + [axis]

    def rank(item: pytest.Item) -> list[int]:
        params = item.callspec.params  # type: ignore[attr-defined]
        return [ranks[name][repr(params[name])] for name in names if name in params]

    return rank
