"""What the benchmarks share: their markers and warning filters, pool clean-up, and the io
lower-bound flag."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bench_lib.engine.bench import Bench
from bench_lib.subjects.io import bounds as io_bounds
from bench_lib.subjects.pool import ops as pools

MARKERS = (
    "mpbench_grid(**axes): parameter axes resolved from the active mpbench profile",
    "subject(name): the mpbench subject a benchmark belongs to",
)
# A worker's exception that Python can only print (a pool's __del__, a finalizer) fails the
# benchmark instead of scrolling past: the figure beside it may be wrong.
FILTERWARNINGS = ("error::pytest.PytestUnraisableExceptionWarning",)


def pytest_configure(config: pytest.Config) -> None:
    """Register the suite's markers and warning filters here, not only in pyproject.toml: the
    copy installed with mpbench (bench_lib/benchmarks) runs without that file."""
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    for line in FILTERWARNINGS:
        config.addinivalue_line("filterwarnings", line)


@pytest.fixture
def opened(mpbench: Bench) -> Iterator[list[pools.Workers]]:
    """Pools opened by a benchmark; closed after it, even when it fails, before the leak check.

    Each close has a deadline (``pools.CLOSE_TIMEOUT_S``): a stuck worker is killed, not waited on.
    """
    held: list[pools.Workers] = []
    yield held
    for w in held:
        w.close()


def pytest_benchmark_update_json(
    config: pytest.Config, benchmarks: list[Any], output_json: dict[str, Any]
) -> None:
    """Echo rates the one-thread client capped are lower bounds: flag them in the result file.

    Here, not in the benchmark: the engine records a benchmark's noise flags after its body.
    """
    io_bounds.flag_lower_bounds(output_json.get("benchmarks", []))
