"""pytest hooks that put each phase of a benchmark under its watchdog.

The watchdog is :mod:`bench_lib.supervision.watchdog`.

Setup and measuring share one limit (``--mpbench-benchmark-timeout``, default from the
profile); teardown has its own. Tests that do not use the ``mpbench`` fixture run bare.
"""

from __future__ import annotations

import time
from collections.abc import Generator

import pytest

from bench_lib.plugin.grid import grid_context
from bench_lib.supervision import watchdog


def _watched(item: pytest.Item, phase: str) -> Generator[None, None, None]:
    """Run one phase of a benchmark under its watchdog (tests without ``mpbench`` run bare)."""
    if "mpbench" not in getattr(item, "fixturenames", ()):
        return (yield)
    given = item.config.getoption("mpbench_benchmark_timeout")
    if phase == "teardown":
        limit = watchdog.teardown_limit_s(given)
        name = "the teardown limit"
    else:
        if phase == "setup":
            p = grid_context(item.config).profile  # as pytest-benchmark's flags leave it
            total = (
                given
                if given is not None
                else watchdog.item_limit_s(p.timeout_s, p.warmup_rounds, p.budget_s)
            )
            item.stash[_DEADLINE] = (time.monotonic() + total, total)
        end, total = item.stash.get(_DEADLINE, (time.monotonic(), 0.0))
        limit = max(end - time.monotonic(), 0.001) if total > 0 else 0.0
        name = f"the {total:.0f} s limit for setup and measuring one benchmark"
    with watchdog.Watchdog(limit, phase, name):
        return (yield)


_DEADLINE = pytest.StashKey[tuple[float, float]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _watched(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _watched(item, "measuring"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _watched(item, "teardown"))
