"""What the pool, gil and io benchmarks share: pool clean-up, and the io lower-bound flag."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bench_lib.engine.bench import Bench
from bench_lib.subjects.io import bounds as io_bounds
from bench_lib.subjects.pool import ops as pools


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
