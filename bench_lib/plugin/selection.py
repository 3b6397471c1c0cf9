"""`mpbench ab`'s later blocks: only the benchmarks still undecided run.

`mpbench ab` writes the node ids of the benchmarks whose interval has not settled yet
(:mod:`bench_lib.stats.sequential`) to a file and names it in ``MPBENCH_NODES``; this hook
deselects every other item, as ``-k`` would (pytest's node ids hold ``[`` and ``=``, which
``-k`` expressions cannot). Without the variable, nothing changes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

NODES_ENV = "MPBENCH_NODES"  # a file with one node id a line, set by `mpbench ab`


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    path = os.environ.get(NODES_ENV)
    if not path:
        return
    wanted = set(Path(path).read_text().splitlines())
    kept = [item for item in items if item.nodeid in wanted]
    dropped = [item for item in items if item.nodeid not in wanted]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
