"""Relations a recorded figure must satisfy, for tests that read real result files.

Stronger than "the median is positive" (which a constant passes): the figure must be the median
of what its own rounds give, and the CPU use the ratio of its own readings.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench_lib.engine.bench import Figure
from bench_lib.results import per_op
from bench_lib.stats import descriptive as stats


def assert_figures_come_from_rounds(bench: dict[str, Any]) -> None:
    """Each figure is the median of its unit applied to the rounds pytest-benchmark kept
    (per operation of the first figure: each round is ``data[i] * iterations``)."""
    rounds = per_op.round_times_s(bench)
    assert rounds, bench["name"]
    for fig in bench["extra_info"]["mpbench"]["figures"]:
        figure = Figure(fig["name"], fig["unit"], fig["kind"], fig.get("per_round") or 1.0)
        expected = stats.median([figure.of(t) for t in rounds])
        assert fig["median"] == pytest.approx(expected, rel=1e-9), (bench["name"], fig["name"])


def assert_cpu_use_adds_up(block: dict[str, Any]) -> None:
    """effective cores = CPU seconds of our process tree / wall seconds, both recorded."""
    cpu = block["cpu"]
    assert cpu["wall_s"] > 0
    assert cpu["effective_cores"] == pytest.approx(cpu["tree_cpu_s"] / cpu["wall_s"], rel=1e-9)
