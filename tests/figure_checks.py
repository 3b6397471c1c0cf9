"""Relations a recorded figure must satisfy, for tests that read real result files.

Stronger than "the median is positive" (which a constant passes): the figure must be what its
own rounds give, block by block, and the CPU use the ratio of its own readings.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench_lib.engine.bench import Figure
from bench_lib.results import per_op
from bench_lib.stats import descriptive as stats


def expected_figure(values: list[float], block_rounds: list[int], method: str = "") -> float:
    """What a figure of ``values`` is, worked out here: with 3 blocks or more the geometric mean
    of the blocks' medians (their plain mean for ``blocks-t-linear``), with fewer, or in a file
    made before blocks made the figure (no ``interval`` method), the median of every value
    (docs/statistics.md)."""
    pooled = method not in ("", "blocks-t", "blocks-t-linear")
    if pooled or len(block_rounds) < 3 or sum(block_rounds) != len(values):
        return stats.median(values)
    starts = [sum(block_rounds[:i]) for i in range(len(block_rounds))]
    medians = [stats.median(values[a : a + n]) for a, n in zip(starts, block_rounds)]
    if method == "blocks-t-linear":
        return sum(medians) / len(medians)
    return math.exp(sum(map(math.log, medians)) / len(medians))


def assert_figures_come_from_rounds(bench: dict[str, Any]) -> None:
    """Each figure is what its unit applied to the rounds pytest-benchmark kept gives, block by
    block (per operation of the first figure: each round is ``data[i] * iterations``)."""
    rounds = per_op.round_times_s(bench)
    assert rounds, bench["name"]
    block_rounds = bench["extra_info"]["mpbench"]["info"].get("block_rounds") or [len(rounds)]
    for fig in bench["extra_info"]["mpbench"]["figures"]:
        figure = Figure(fig["name"], fig["unit"], fig["kind"], fig.get("per_round") or 1.0)
        method = fig.get("interval", "blocks-t")  # a run of this code always says
        expected = expected_figure([figure.of(t) for t in rounds], block_rounds, method)
        assert fig["median"] == pytest.approx(expected, rel=1e-9), (bench["name"], fig["name"])


def assert_cpu_use_adds_up(block: dict[str, Any]) -> None:
    """effective cores = CPU seconds of our process tree / wall seconds, both recorded."""
    cpu = block["cpu"]
    assert cpu["wall_s"] > 0
    assert cpu["effective_cores"] == pytest.approx(cpu["tree_cpu_s"] / cpu["wall_s"], rel=1e-9)
