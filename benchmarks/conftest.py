"""Fixtures the pool and gil benchmarks share: pool clean-up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench_lib import pools
from bench_lib.engine import Bench


@pytest.fixture
def opened(mpbench: Bench) -> Iterator[list[pools.Workers]]:
    """Pools opened by a benchmark; closed after it, even when it fails, before the leak check.

    Each close has a deadline (``pools.CLOSE_TIMEOUT_S``): a stuck worker is killed, not waited on.
    """
    held: list[pools.Workers] = []
    yield held
    for w in held:
        w.close()
