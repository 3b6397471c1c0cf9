"""Fixtures the pool and gil benchmarks share: the spin calibration and pool clean-up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench_lib import pools
from bench_lib.engine import Bench


@pytest.fixture(scope="session")
def iterations_per_s() -> int:
    """Spin iterations per second on this machine, calibrated once for the whole session."""
    return pools.iterations_for(1.0)


@pytest.fixture
def opened(mpbench: Bench) -> Iterator[list[pools.Workers]]:
    """Pools opened by a benchmark; closed after it, even when it fails, before the leak check."""
    held: list[pools.Workers] = []
    yield held
    for w in held:
        w.close()
